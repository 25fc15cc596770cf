/* SPDX-License-Identifier: GPL-2.0-only */
/* autolearn - what the classifier learns from a verdict (autolearn.h) */
#include <stdbool.h>
#include <string.h>

#include "base/conf.h"
#include "learn/bayes.h"
#include "rules/rules.h"
#include "core/autolearn.h"
#include "core/verdict.h"

/* is_bayes - one of the classifier's symbols */
static bool
is_bayes(const char *name)
{
	return strncmp(name, "BAYES_", 6) == 0;
}

/*
 * symbol_part - where a symbol's points come from for autolearn: 'h' a
 * header test (header rules, SPF, client blacklists and the other
 * checks), 'b' a body test (body, rawbody, full and uri rules, URI
 * blacklists), 0 neither (meta rules)
 */
static char
symbol_part(const struct vg_rules *rules, const char *name)
{
	for (size_t i = 0; i < vg_rules_count(rules); i++) {
		if (strcmp(vg_rules_name(rules, i), name) != 0)
			continue;
		switch (vg_rules_kind(rules, i)) {
		case VG_RULE_HEADER:
			return 'h';
		case VG_RULE_META:
		case VG_RULE_KIND_MAX:
			return 0;
		default:
			return 'b';
		}
	}
	for (size_t i = 0; i < vg_rules_dnsbl_count(rules); i++) {
		const struct vg_rules_dnsbl *d = vg_rules_dnsbl(rules, i);

		if (strcmp(d->name, name) == 0)
			return d->kind == VG_DNSBL_URI ? 'b' : 'h';
	}
	return 'h';
}

/* vg_autolearn_class - spam, ham or 0 (autolearn.h) */
int
vg_autolearn_class(const struct vg_rules *rules, const struct vg_verdict *v,
    double *rules_score_out)
{
	double score = v->score, head = 0, body = 0;

	/* Nor do the reputation's, which autolearn would then feed back. */
	for (size_t i = 0; i < v->nsymbols; i++)
		if (is_bayes(v->symbols[i].name) ||
		    strncmp(v->symbols[i].name, "REP_", 4) == 0)
			score -= v->symbols[i].score;
	*rules_score_out = score;
	if (v->outbound || v->error || v->forced ||
	    v->action == VG_ACTION_TEMPFAIL ||
	    (v->virus_outcome != VG_VIRUS_CLEAN &&
	        v->virus_outcome != VG_VIRUS_DISABLED))
		return 0;
	if (score <= vg_rules_autolearn_ham(rules))
		return VG_BAYES_HAM;
	if (score < vg_rules_autolearn_spam(rules))
		return 0;
	for (size_t i = 0; i < v->nsymbols; i++) {
		const struct vg_symbol *s = &v->symbols[i];

		if (is_bayes(s->name) || strncmp(s->name, "REP_", 4) == 0)
			continue;
		switch (symbol_part(rules, s->name)) {
		case 'h':
			head += s->score;
			break;
		case 'b':
			body += s->score;
			break;
		default:
			break;
		}
	}
	return head >= VG_AUTOLEARN_MIN_PART && body >= VG_AUTOLEARN_MIN_PART
	    ? VG_BAYES_SPAM
	    : 0;
}

/* vg_autolearn_status - SpamAssassin's autolearn= words (autolearn.h) */
const char *
vg_autolearn_status(const struct vg_conf *conf, const struct vg_rules *rules,
    const struct vg_verdict *v)
{
	double score;

	if (conf == NULL || !conf->bayes || !conf->bayes_autolearn)
		return "disabled";
	switch (v->bayes.state) {
	case VG_BAYES_NOT_RUN:
		return "unavailable";
	case VG_BAYES_FAILED:
		return "failed";
	case VG_BAYES_SILENT:
	case VG_BAYES_SCORED:
		break;
	}
	switch (vg_autolearn_class(rules, v, &score)) {
	case VG_BAYES_SPAM:
		return "spam autolearn_force=no";
	case VG_BAYES_HAM:
		return "ham autolearn_force=no";
	default:
		return "no autolearn_force=no";
	}
}
