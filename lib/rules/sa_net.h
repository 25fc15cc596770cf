/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_net - SpamAssassin's network plugins mapped onto Vigil's own checks:
 * DNSEval (check_rbl*), URIDNSBL (urirhsbl, urirhssub, check_uridnsbl),
 * SPF, DKIM and DMARC.
 *
 * PURPOSE  In compat mode (vigil_compat spamassassin) a rule whose test
 *	    Vigil runs in one of its own checks is not an eval: rule but
 *	    that check's result:
 *	    - check_rbl(SET, ZONE[, SUB]) and check_rbl_sub(SET, SUB) become
 *	      client lists (`dnsbl NAME ZONE ANSWERS`, net/dnsbl.c): the
 *	      zone is the set's, SUB a dotted quad, a bitmask or a regex
 *	      (enumerated at load into the 127/8 answers it matches);
 *	    - urirhsbl / urirhssub (type A) become URI lists (`uribl`) and
 *	      check_uridnsbl(NAME) their symbol; uridnsbl_skip_domain names
 *	      hosts and domains they never look up (net/dnsbl.c);
 *	    - check_for_spf_*, check_dkim_signed / _valid / _valid_author_sig,
 *	      check_arc_*, check_dmarc_* are Vigil's symbols (SPF_PASS,
 *	      DKIM_VALID, DMARC_FAIL_REJECT, ...): a rule of the same name is
 *	      the symbol itself, one of another name a meta rule over it.
 *	    SpamAssassin's metas named as such a symbol (DKIM_INVALID,
 *	    ARC_INVALID) are the symbol too.  What cannot be mapped (TXT
 *	    lists, lookups of names and NS records, DKIM with arguments,
 *	    ADSP, sets whose check_rbl is missing) goes on to rules_evalfn.c
 *	    and is skipped and counted there as before, or is skipped and
 *	    counted here with the reason in the debug log.
 * SCORES   A mapped rule scores with SpamAssassin's score set 1 (network
 *	    tests on, Bayes off) when its score line has four numbers: set
 *	    0, which Vigil uses for every other rule, is SpamAssassin's
 *	    without network tests, where such a rule scores 0.  A Vigil
 *	    symbol that a rule of another name stands for (DMARC_REJECT for
 *	    DMARC_FAIL_REJECT) scores 0 in that rules set, so one fact
 *	    counts once; one that SpamAssassin's files also use by its own
 *	    name keeps its score.
 * LIMITS   VG_SA_NET_SETS check_rbl sets; a regex sub-test may match at
 *	    most VG_SA_NET_ANSWERS addresses of 127/8 and cost at most
 *	    VG_SA_NET_TRIES matches to enumerate: past either, the rule is
 *	    skipped.  VG_SA_NET_SKIP_MAX uridnsbl_skip_domain entries: more
 *	    is an error.
 * THREADS  One load, one thread.
 */
#ifndef VG_SA_NET_H
#define VG_SA_NET_H

#include <stdbool.h>

#include "rules/rules_parse_int.h"

#define VG_SA_NET_SETS     256
#define VG_SA_NET_ANSWERS  1024
#define VG_SA_NET_TRIES    300000
#define VG_SA_NET_SKIP_MAX 100000

/*
 * vg_sa_net_define - a rule definition (header/body/.../meta NAME rest) in
 * compat mode that a network plugin owns: *handled true when it was
 * mapped or skipped here; false to go on defining it as usual.  0 or
 * VG_ENOMEM.
 */
int vg_sa_net_define(struct vg_rparse *p, struct vg_rfile *f,
    enum vg_rule_kind kind, const char *name, const char *rest, bool *handled);

/*
 * vg_rules_dir_sa_uribl - urirhsbl, urirhssub and their NS/IP kin,
 * uridnsbl_skip_domain and clear_uridnsbl_skip_domain
 */
int vg_rules_dir_sa_uribl(
    struct vg_rparse *p, struct vg_rfile *f, const char *dir, char *rest);

/* vg_sa_net_plugin - whether plugin (short name) is one mapped here */
bool vg_sa_net_plugin(const char *plugin);
/* vg_sa_net_can - whether can(name) is true for a feature mapped here */
bool vg_sa_net_can(const char *name);

/*
 * vg_sa_net_finish - after the last line: the scores of mapped rules (see
 * SCORES) and free the load state.  0 or VG_ENOMEM.
 */
int vg_sa_net_finish(struct vg_rparse *p);
/* vg_sa_net_free - the load state; NULL is a no-op */
void vg_sa_net_free(struct vg_sa_net *s);

#endif /* VG_SA_NET_H */
