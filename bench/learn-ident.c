/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * learn-ident - what the classifier makes of each message, to compare
 * two builds: a change meant to cost less must give the same lines.
 *
 * PURPOSE  Usage: learn-ident -c CONF < LIST (one message file a line).
 *	    Opens the classifier database CONF names (as vigil-milter does)
 *	    and prints, per file, its name, the count of its tokens, a
 *	    digest of their values (FNV-1a over them ascending, so a set in
 *	    any order gives the same digest), and the classifier's
 *	    probability and margin (17 digits), tokens used and known, and
 *	    whether the snapshot answered.  Tokenizes as the classifier stage
 *	    does (vg_bayes_tokenize_text when the build has it).  A tool, never
 *	    installed (bench/README "The classifier's cost").
 * LIMITS   Lines of at most 4095 bytes; files as vigil.conf's
 *	    max_message_size.
 * ERRORS   Exits 1 with a message when the database or a file fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/err.h"
#include "core/engine.h"
#include "learn/bayes.h"
#include "learn/tokenize.h"
#include "message/msg.h"
#include "message/text.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* digest - FNV-1a over the values ascending */
static uint64_t
digest(const struct vg_tokens *t)
{
	uint64_t h = 0xcbf29ce484222325ULL, *c;

	if (t->n == 0)
		return h;
	if ((c = malloc(t->n * sizeof(*c))) == NULL) {
		fprintf(stderr, "learn-ident: out of memory\n");
		exit(1);
	}
	memcpy(c, t->v, t->n * sizeof(*c));
	qsort(c, t->n, sizeof(*c), cmp_u64);
	for (size_t i = 0; i < t->n; i++) {
		for (int b = 0; b < 8; b++) {
			h ^= (c[i] >> (8 * b)) & 0xff;
			h *= 0x100000001b3ULL;
		}
	}
	free(c);
	return h;
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	struct vg_conf *conf = NULL;
	struct vg_bayes *db = NULL;
	struct vg_msg_limits mlim;
	struct vg_text_limits tlim;
	struct vg_err err;
	char line[4096];
	int opt;

	while ((opt = getopt(argc, argv, "c:")) != -1) {
		if (opt == 'c')
			config = optarg;
		else
			break;
	}
	if (config == NULL || optind != argc) {
		fprintf(stderr, "usage: learn-ident -c CONF < LIST\n");
		return 1;
	}
	vg_err_init(&err);
	if (vg_engine_global_init(&err) != 0 ||
	    vg_conf_load(&conf, config, &err) != 0 ||
	    vg_bayes_open(&db, conf, true, &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	vg_msg_limits_from_conf(&mlim, conf);
	vg_text_limits_from_conf(&tlim, conf);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct vg_msg *msg = NULL;
		struct vg_text *text = NULL;
		struct vg_tokens *t = NULL;
		struct vg_bayes_score sc = {0};
		const char *base;
		int rc;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		base = strrchr(line, '/');
		if (vg_msg_from_file(&msg, &mlim, line) != 0 ||
		    vg_text_build(&text, msg, &tlim) != 0) {
			fprintf(stderr, "learn-ident: %s: cannot read\n", line);
			return 1;
		}
#ifdef VG_TOKENS_F_UNORDERED
		rc = vg_bayes_tokenize_text(db, text, &t);
#else
		rc = vg_tokenize(&t, text, vg_bayes_limits(db));
#endif
		if (rc == 0)
			rc = vg_bayes_classify(db, t, &sc);
		if (rc != 0) {
			fprintf(stderr, "learn-ident: %s: %s\n", line,
			    vg_strerror(rc));
			return 1;
		}
		printf("%s %zu %016llx %.17g %.17g %zu %zu%s\n",
		    base != NULL ? base + 1 : line, t->n,
		    (unsigned long long)digest(t), sc.prob, sc.margin, sc.used,
		    sc.known, sc.snapshot ? " snap" : "");
		vg_tokens_free(t);
		vg_text_free(text);
		vg_msg_free(msg);
	}
	vg_bayes_close(db);
	vg_conf_free(conf);
	return 0;
}
