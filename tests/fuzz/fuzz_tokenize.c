/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_tokenize - vg_tokenize() on the decoded views of any message: no
 * crash, no read past the end, fails only for lack of memory, and the set
 * is sorted, unique and within its limit.  A first byte below 0x10 is not
 * part of the message: its bits pick small limits so that the text and
 * token limits are reached.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/err.h"
#include "learn/tokenize.h"
#include "message/msg.h"
#include "message/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* LLVMFuzzerInitialize - GMime and libxml2 once per process */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (vg_text_global_init() != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_msg_limits ml = {
	    .max_size = 4 * 1024 * 1024,
	    .memory_limit = 4 * 1024 * 1024,
	    .max_headers = 100,
	    .max_header_size = 8192,
	    .max_rcpts = 1,
	    .tmp_dir = NULL,
	};
	struct vg_token_limits lim;
	struct vg_tokens *toks;
	struct vg_msg *msg;
	struct vg_text *t;
	unsigned sel = 0;
	size_t i;
	int rc;

	vg_token_limits_default(&lim);
	if (size > 0 && data[0] < 0x10) {
		sel = data[0];
		data++;
		size--;
	}
	if (sel & 1u)
		lim.max_text_bytes = 16;
	if (sel & 2u)
		lim.max_tokens = 3;
	if (vg_msg_from_bytes(&msg, &ml, data, size) != 0)
		return 0;
	if (vg_text_build(&t, msg, NULL) != 0) {
		vg_msg_free(msg);
		return 0;
	}
	if ((rc = vg_tokenize(&toks, t, &lim)) != 0) {
		if (rc != VG_ENOMEM)
			abort();
		goto out;
	}
	if (toks->n > lim.max_tokens ||
	    ((toks->flags & VG_TOKENS_F_TOKEN_LIMIT) != 0 &&
	        toks->n != lim.max_tokens))
		abort();
	for (i = 0; i < toks->n; i++) {
		if (toks->v[i] == 0 ||
		    (i > 0 && toks->v[i - 1] >= toks->v[i]) ||
		    !vg_tokens_has(toks, toks->v[i]))
			abort();
	}
	vg_tokens_free(toks);
out:
	vg_text_free(t);
	vg_msg_free(msg);
	return 0;
}
