/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * symbols - the table of built-in symbol names (see symbols.h).
 */
#include <string.h>

#include "base/compiler.h"
#include "rules/symbols.h"

/*
 * One row per symbol a built-in check can add.  Checks add their rows
 * here, one line each; scores live in the rules file (rules/vigil.rules),
 * never here, so an administrator tunes them in one place.
 */
static const struct vg_symbol_info vg_symbols_table[] = {
    {"SPF_PASS", "spf", "SPF: sender's domain authorises the client"},
    {"SPF_FAIL", "spf", "SPF: sender's domain forbids the client"},
    {"SPF_SOFTFAIL", "spf", "SPF: sender's domain discourages the client"},
    {"SPF_NEUTRAL", "spf", "SPF: sender's domain makes no assertion"},
    {"SPF_NONE", "spf", "SPF: sender's domain publishes no record"},
    {"SPF_PERMERROR", "spf", "SPF: sender's record is broken"},
    {"SPF_TEMPERROR", "spf", "SPF: temporary DNS failure"},
    {"SPF_HELO_PASS", "spf", "SPF: HELO name authorises the client"},
    {"SPF_HELO_FAIL", "spf", "SPF: HELO name forbids the client"},
    {"SPF_HELO_SOFTFAIL", "spf", "SPF: HELO name discourages the client"},
    {"SPF_HELO_NEUTRAL", "spf", "SPF: HELO name makes no assertion"},
    {"SPF_HELO_NONE", "spf", "SPF: HELO name publishes no record"},
    {"SPF_HELO_PERMERROR", "spf", "SPF: HELO name's record is broken"},
    {"SPF_HELO_TEMPERROR", "spf", "SPF: temporary DNS failure (HELO)"},
    {"DKIM_SIGNED", "dkim", "DKIM: the message has a DKIM signature"},
    {"DKIM_VALID", "dkim", "DKIM: a signature is valid"},
    {"DKIM_VALID_AU", "dkim", "DKIM: a valid signature from the From: domain"},
    {"DKIM_INVALID", "dkim", "DKIM: signed, but no signature is valid"},
    {"DKIM_TEMPERROR", "dkim", "DKIM: a key could not be fetched"},
    {"DMARC_PASS", "dmarc", "DMARC: the From: domain is authenticated"},
    {"DMARC_FAIL_REJECT", "dmarc", "DMARC: fails a policy of p=reject"},
    {"DMARC_FAIL_QUARANTINE", "dmarc", "DMARC: fails a policy of p=quarantine"},
    {"DMARC_FAIL_NONE", "dmarc", "DMARC: fails a policy of p=none"},
    {"DMARC_TEMPERROR", "dmarc", "DMARC: the policy could not be fetched"},
    {"DMARC_ARC_OVERRIDE", "dmarc",
        "DMARC: fails, but a trusted ARC sealer vouches for the From: domain"},
    {"ARC_VALID", "arc", "ARC: the chain of intermediaries' seals is valid"},
    {"ARC_INVALID", "arc", "ARC: the chain of seals is broken"},
    {"ARC_TEMPERROR", "arc", "ARC: a key could not be fetched"},
    {"ARC_TRUSTED", "arc",
        "ARC: a trusted sealer vouches for the From: domain"},
    {"DNSBL_TEMPERROR", "dnsbl", "DNSBL: a client list did not answer"},
    {"URIBL_TEMPERROR", "dnsbl", "URIBL: a URI list did not answer"},
    {"ATTACH_BANNED_EXT", "attach", "Attachment name has a banned extension"},
    {"ATTACH_DOUBLE_EXT", "attach",
        "Attachment hides a banned extension (invoice.pdf.exe)"},
    {"ATTACH_RTLO", "attach", "Attachment name holds a right-to-left override"},
    {"ATTACH_BANNED_TYPE", "attach",
        "Attachment declares a banned content type"},
    {"ATTACH_EXEC_CONTENT", "attach",
        "Attachment is a program (PE, ELF, Mach-O, shortcut)"},
    {"ATTACH_TYPE_MISMATCH", "attach",
        "Attachment is a program or script named as a document"},
    {"ATTACH_ENCRYPTED_ARCHIVE", "attach",
        "Attachment is an archive with encrypted members"},
    {"ATTACH_ARCHIVE_LIMIT", "attach",
        "Attachment archive too deep or large to examine whole"},
    {"ATTACH_ARCHIVE_BROKEN", "attach",
        "Attachment archive cannot be read to its end"},
    {"ATTACH_UNSCANNABLE", "attach",
        "Attachment compressed in a format ClamAV cannot open"},
    {"ATTACH_ZIP_TRUNCATED", "attach",
        "Zip attachment without its central directory"},
    {"VIRUS_UNSCANNED", "virus",
        "Part of the message could not be virus-scanned"},
    {"BAYES_00", "bayes", "Classifier: spam probability below 1 %"},
    {"BAYES_05", "bayes", "Classifier: spam probability 1 to 5 %"},
    {"BAYES_20", "bayes", "Classifier: spam probability 5 to 20 %"},
    {"BAYES_40", "bayes", "Classifier: spam probability 20 to 40 %"},
    {"BAYES_50", "bayes", "Classifier: spam probability 40 to 60 %"},
    {"BAYES_60", "bayes", "Classifier: spam probability 60 to 80 %"},
    {"BAYES_80", "bayes", "Classifier: spam probability 80 to 95 %"},
    {"BAYES_95", "bayes", "Classifier: spam probability 95 to 99 %"},
    {"BAYES_99", "bayes", "Classifier: spam probability 99 to 100 %"},
    {"BAYES_999", "bayes", "Classifier: spam probability 99.9 to 100 %"},
    {"BAYES_TEMPERROR", "bayes", "Classifier: its database did not answer"},
    {"RATELIMIT_UNAVAILABLE", "abuse",
        "Rate limit counted locally: Redis did not answer"},
    {"HARVEST_UNAVAILABLE", "abuse",
        "Harvest defence counted locally: Redis did not answer"},
    {"REP_IP_SPAM", "reputation",
        "Reputation: the client's network sends spam"},
    {"REP_IP_HAM", "reputation", "Reputation: the client's network sends ham"},
    {"REP_DOMAIN_SPAM", "reputation",
        "Reputation: the sender's domain (SPF pass) sends spam"},
    {"REP_DOMAIN_HAM", "reputation",
        "Reputation: the sender's domain (SPF pass) sends ham"},
    {"REP_AUTH_SPAM", "reputation", "Reputation: the SASL login sends spam"},
    {"REP_AUTH_HAM", "reputation", "Reputation: the SASL login sends ham"},
    {"REPUTATION_UNAVAILABLE", "reputation",
        "Reputation read locally: Redis did not answer"},
    {"ALLOW_CLIENT", "lists", "Client address is on the allow list"},
    {"ALLOW_FROM", "lists", "Envelope sender is on the allow list"},
    {"ALLOW_RCPT", "lists", "A recipient is on the allow list"},
    {"BLOCK_CLIENT", "lists", "Client address is on the block list"},
    {"BLOCK_FROM", "lists", "Envelope sender is on the block list"},
    {"BLOCK_RCPT", "lists", "A recipient is on the block list"},
};

/* vg_symbols_find - linear search; the table is small and static */
const struct vg_symbol_info *
vg_symbols_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < VG_NELEM(vg_symbols_table); i++)
		if (strcmp(vg_symbols_table[i].name, name) == 0)
			return &vg_symbols_table[i];
	return NULL;
}

/* vg_symbols_known - true if a built-in check may add name */
bool
vg_symbols_known(const char *name)
{
	return vg_symbols_find(name) != NULL;
}

/* The symbols tests= lists even at score 0 (symbols.h). */
static const char *const vg_symbols_listed_table[] = {
    "RATELIMIT_UNAVAILABLE",
    "HARVEST_UNAVAILABLE",
    "REPUTATION_UNAVAILABLE",
    /* A DMARC failure forgiven: the administrator wants to see why. */
    "DMARC_ARC_OVERRIDE",
};

/* vg_symbols_listed - name is listed in tests= even when scored 0 */
bool
vg_symbols_listed(const char *name)
{
	for (size_t i = 0; i < VG_NELEM(vg_symbols_listed_table); i++)
		if (strcmp(vg_symbols_listed_table[i], name) == 0)
			return true;
	return false;
}

/* vg_symbols_all - the whole table */
const struct vg_symbol_info *
vg_symbols_all(size_t *n_out)
{
	*n_out = VG_NELEM(vg_symbols_table);
	return vg_symbols_table;
}
