/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_rules_parse - no rules file crashes the parser, and whatever it
 * accepts evaluates without crashing over a small fixed message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "rules/symset.h"
#include "rules/rules.h"
#include "message/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vg_text_header headers[] = {
    {"From", "Bob <bob@example.com>", "Bob <bob@example.com>"},
    {"Subject", "FREE MONEY!!!", "FREE MONEY!!!"},
};
static const char *uris[] = {"http://192.0.2.1/x"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char body[] = "FREE MONEY!!!\nwire the million dollars";
	struct vg_text text;
	struct vg_rules *r = NULL;
	struct vg_rules_hits *hits = NULL;
	struct vg_symset res;
	struct vg_err err;

	vg_err_init(&err);
	/* The name has no directory: includes resolve against the cwd. */
	if (vg_rules_parse(&r, (const char *)data, size, "fuzz.rules", &err) !=
	    0) {
		if (r != NULL || err.count == 0)
			abort();
		return 0;
	}
	memset(&text, 0, sizeof(text));
	text.headers = headers;
	text.nheaders = 2;
	text.body = body;
	text.body_len = sizeof(body) - 1;
	text.rawbody = body;
	text.rawbody_len = sizeof(body) - 1;
	text.uris = uris;
	text.nuris = 1;
	vg_symset_init(&res);
	if (vg_rules_hits_new(&hits, r) == 0 &&
	    vg_rules_eval(r, NULL, &text, hits, &res) == 0)
		(void)vg_rules_eval_meta(r, hits, &res);
	vg_rules_hits_free(hits);
	vg_symset_fini(&res);
	vg_rules_free(r);
	return 0;
}
