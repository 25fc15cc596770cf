/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_hdrspec - the definition of a header rule: "Name =~ /re/",
 * "!~", the parts :raw, :addr, :name (and :addr:raw, :name:raw), a value
 * for an absent header ([if-unset: TEXT]), exists:Name, and the names with
 * a meaning of their own (ALL, ToCc, MESSAGEID, EnvelopeFrom).
 *
 * PURPOSE  Header rules that look at the same header the same way share
 *	    one group (rules_int.h), so rules_eval.c assembles each header
 *	    value once per message.
 * OWNS     Groups and if-unset values belong to the rules set.
 * ERRORS   VG_ECONFIG with a reason; SpamAssassin's pseudo-headers
 *	    (ALL-*, X-Spam-DKIM; X-Spam-Relays-* run: sa_received.c) and
 *	    unknown modifiers are
 *	    marked skippable for compat mode.  VG_ENOMEM.
 * THREADS  Groups are read-only after the load.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "rules/rules_parse_int.h"

/* vg_rules_group - index of the header group, created when new */
static int
vg_rules_group(struct vg_rules *r, enum vg_hdr_special special,
    enum vg_hdr_part part, const char *header, size_t *out)
{
	struct vg_hdr_group *ng;
	size_t i;

	for (i = 0; i < r->ngroups; i++) {
		if (r->groups[i].special != special ||
		    r->groups[i].part != part)
			continue;
		if (special != VG_HDR_NAMED ||
		    strcasecmp(r->groups[i].header, header) == 0) {
			*out = i;
			return 0;
		}
	}
	if (r->ngroups == r->capgroups) {
		size_t ncap = r->capgroups == 0 ? 32 : r->capgroups * 2;

		if ((ng = vg_reallocarray(r->groups, ncap, sizeof(*ng))) ==
		    NULL)
			return VG_ENOMEM;
		r->groups = ng;
		r->capgroups = ncap;
	}
	r->groups[r->ngroups].special = special;
	r->groups[r->ngroups].part = part;
	r->groups[r->ngroups].header = NULL;
	if (special == VG_HDR_NAMED &&
	    (r->groups[r->ngroups].header = vg_strdup(header)) == NULL)
		return VG_ENOMEM;
	*out = r->ngroups++;
	return 0;
}

/*
 * vg_rules_hdr_special - the meaning of header name hname: *out is
 * VG_HDR_NAMED for an ordinary name.  False (reason in why) for the
 * pseudo-headers SpamAssassin computes from its relay analysis, which a
 * compat-mode load skips.
 */
static bool
vg_rules_hdr_special(
    enum vg_hdr_special *out, const char *hname, char *why, size_t whylen)
{
	*out = VG_HDR_NAMED;
	if (strcmp(hname, "ALL") == 0)
		*out = VG_HDR_ALL;
	else if (strcmp(hname, "ToCc") == 0)
		*out = VG_HDR_TOCC;
	else if (strcmp(hname, "MESSAGEID") == 0)
		*out = VG_HDR_MESSAGEID;
	else if (strcmp(hname, "EnvelopeFrom") == 0)
		*out = VG_HDR_ENVFROM;
	else if (strcmp(hname, "X-Spam-Relays-Trusted") == 0)
		*out = VG_HDR_RELAYS_TRUSTED;
	else if (strcmp(hname, "X-Spam-Relays-Untrusted") == 0)
		*out = VG_HDR_RELAYS_UNTRUSTED;
	else if (strcmp(hname, "X-Spam-Relays-Internal") == 0)
		*out = VG_HDR_RELAYS_INTERNAL;
	else if (strcmp(hname, "X-Spam-Relays-External") == 0)
		*out = VG_HDR_RELAYS_EXTERNAL;
	else if (strncmp(hname, "X-Spam-Relays-", 14) == 0 ||
	    strncmp(hname, "ALL-", 4) == 0 ||
	    strcmp(hname, "X-Spam-DKIM") == 0) {
		snprintf(why, whylen, "pseudo-header %s is SpamAssassin's own",
		    hname);
		return false;
	}
	return true;
}

/*
 * vg_rules_header_spec - parse "Name[:raw|:addr|:name] =~|!~ /re/ [if-unset:
 * TEXT]" or "exists:Name" into rule.  Returns 0, VG_ENOMEM, VG_ECONFIG
 * (reason in why; *skip says compat mode may skip it, with *skip_kind).
 */
int
vg_rules_header_spec(struct vg_rules *r, struct vg_rule *rule, char *s,
    char *why, size_t whylen, bool *skip, enum vg_rules_skip *skip_kind)
{
	enum vg_hdr_special special = VG_HDR_NAMED;
	enum vg_hdr_part part = VG_HDR_VALUE;
	char *hname, *colon, *op;
	int rc;

	*skip = false;
	if (strncmp(s, "exists:", 7) == 0) {
		size_t n;

		hname = vg_rules_skipws(s + 7);
		vg_rules_rtrim(hname);
		/* SpamAssassin accepts (and drops) one trailing colon. */
		n = strlen(hname);
		if (n > 1 && hname[n - 1] == ':')
			hname[n - 1] = '\0';
		if (*hname == '\0' || strpbrk(hname, " \t:") != NULL) {
			snprintf(why, whylen, "exists: needs one header name");
			return VG_ECONFIG;
		}
		rule->exists = true;
		/* exists:ToCc is true when To or Cc is there, as for the
		 * other names with a meaning of their own. */
		if (!vg_rules_hdr_special(&special, hname, why, whylen)) {
			*skip = true;
			*skip_kind = VG_SKIP_PSEUDO;
			return VG_ECONFIG;
		}
		return vg_rules_group(r, special, VG_HDR_RAW,
		    special == VG_HDR_NAMED ? hname : NULL, &rule->group);
	}
	hname = vg_rules_word(&s);
	op = vg_rules_word(&s);
	if (strcmp(op, "=~") == 0)
		rule->negate = false;
	else if (strcmp(op, "!~") == 0)
		rule->negate = true;
	else {
		snprintf(
		    why, whylen, "expected =~ or !~ after the header name");
		return VG_ECONFIG;
	}
	if ((colon = strchr(hname, ':')) != NULL) {
		*colon++ = '\0';
		/* SpamAssassin also writes :addr:raw and :name:raw. */
		if (strcmp(colon, "raw") == 0)
			part = VG_HDR_RAW;
		else if (strcmp(colon, "addr") == 0)
			part = VG_HDR_ADDR;
		else if (strcmp(colon, "name") == 0)
			part = VG_HDR_NAME;
		else if (strcmp(colon, "addr:raw") == 0 ||
		    strcmp(colon, "raw:addr") == 0)
			part = VG_HDR_ADDR_RAW;
		else if (strcmp(colon, "name:raw") == 0 ||
		    strcmp(colon, "raw:name") == 0)
			part = VG_HDR_NAME_RAW;
		else {
			snprintf(why, whylen, "unknown header modifier ':%s'",
			    colon);
			*skip = true;
			*skip_kind = VG_SKIP_PSEUDO;
			return VG_ECONFIG;
		}
	}
	if (*hname == '\0') {
		snprintf(why, whylen, "missing header name");
		return VG_ECONFIG;
	}
	if (!vg_rules_hdr_special(&special, hname, why, whylen)) {
		*skip = true;
		*skip_kind = VG_SKIP_PSEUDO;
		return VG_ECONFIG;
	}
	if ((rc = vg_rules_regex(rule, &s, false, why, whylen, skip)) != 0) {
		*skip_kind = VG_SKIP_REGEX;
		return rc;
	}
	if (*s != '\0') {
		char *t;

		if (strncmp(s, "[if-unset:", 10) != 0 ||
		    (t = strrchr(s, ']')) == NULL ||
		    vg_rules_skipws(t + 1)[0] != '\0') {
			snprintf(
			    why, whylen, "unexpected text after the regex");
			return VG_ECONFIG;
		}
		*t = '\0';
		s = vg_rules_skipws(s + 10);
		vg_rules_rtrim(s);
		if ((rule->if_unset = vg_strdup(s)) == NULL)
			return VG_ENOMEM;
	}
	return vg_rules_group(r, special, part,
	    special == VG_HDR_NAMED ? hname : NULL, &rule->group);
}
