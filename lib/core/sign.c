/* SPDX-License-Identifier: GPL-2.0-only */
/* sign - the DKIM-Signature edit of an outbound verdict (see sign.h) */
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "core/engine.h"
#include "core/headers.h"
#include "core/sign.h"
#include "core/verdict.h"
#include "message/hdr.h"
#include "message/msg.h"
#include "net/dkim_keys.h"
#include "net/dkim_sign.h"

/* One header of the message as it will be delivered. */
struct live {
	struct vg_dkim_sign_field f;
	bool gone;
};

/*
 * nth_live - the index-th (1-based) live header called name, or NULL,
 * counting as the MTA does when it applies an edit
 */
static struct live *
nth_live(struct live *l, size_t n, const char *name, size_t index)
{
	for (size_t i = 0; i < n; i++) {
		if (l[i].gone || strcasecmp(l[i].f.name, name) != 0)
			continue;
		if (--index == 0)
			return &l[i];
	}
	return NULL;
}

/*
 * delivered - the headers as delivered, top to bottom, into *out (*n_out
 * of them, caller frees): the verdict's ADDs on top in its order, then
 * the received ones with its deletes and changes applied
 */
static int
delivered(struct vg_dkim_sign_field **out, size_t *n_out,
    const struct vg_verdict *v, const struct vg_msg *msg)
{
	size_t nh = vg_msg_header_count(msg), nadd = 0, n = 0;
	struct vg_dkim_sign_field *f = NULL;
	struct live *l;

	*out = NULL;
	*n_out = 0;
	if ((l = vg_calloc(nh + 1, sizeof(*l))) == NULL)
		return VG_ENOMEM;
	for (size_t i = 0; i < nh; i++) {
		const struct vg_header *h = vg_msg_header(msg, i);

		l[i].f = (struct vg_dkim_sign_field){
		    h->name, h->value, h->value_len};
	}
	for (size_t i = 0; i < v->nedits; i++) {
		const struct vg_header_edit *e = &v->edits[i];
		struct live *x;

		switch (e->kind) {
		case VG_EDIT_ADD:
			nadd++;
			break;
		case VG_EDIT_DELETE:
			if ((x = nth_live(l, nh, e->name, e->index)) != NULL)
				x->gone = true;
			break;
		case VG_EDIT_CHANGE:
			if ((x = nth_live(l, nh, e->name, e->index)) != NULL) {
				x->f.value = e->value;
				x->f.vlen = strlen(e->value);
			}
			break;
		}
	}
	if ((f = vg_calloc(nh + nadd + 1, sizeof(*f))) == NULL) {
		vg_free(l);
		return VG_ENOMEM;
	}
	for (size_t i = 0; i < v->nedits; i++)
		if (v->edits[i].kind == VG_EDIT_ADD)
			f[n++] = (struct vg_dkim_sign_field){v->edits[i].name,
			    v->edits[i].value, strlen(v->edits[i].value)};
	for (size_t i = 0; i < nh; i++)
		if (!l[i].gone)
			f[n++] = l[i].f;
	vg_free(l);
	*out = f;
	*n_out = n;
	return 0;
}

/* vg_sign_verdict - sign v's message when it qualifies */
int
vg_sign_verdict(struct vg_verdict *v, const struct vg_engine *engine,
    const struct vg_msg *msg)
{
	const struct vg_dkim_keys *keys = vg_engine_sign_keys(engine);
	const struct vg_dkim_signer *signer;
	const char *qid = vg_msg_queue_id(msg);
	struct vg_dkim_sign_field *f = NULL;
	const unsigned char *raw;
	char from[VG_DKIM_NAME_MAX + 1], clean[VG_DKIM_NAME_MAX + 1];
	char *value = NULL;
	size_t nf = 0, len, off;
	int rc;

	if (keys == NULL || !v->outbound)
		return 0;
	if (*qid == '\0')
		qid = "NOQUEUE";
	switch (v->action) {
	case VG_ACTION_ACCEPT:
	case VG_ACTION_TAG:
	case VG_ACTION_QUARANTINE:
		break;
	case VG_ACTION_REJECT:
	case VG_ACTION_TEMPFAIL:
	case VG_ACTION_DISCARD:
		return 0;
	}
	if (vg_msg_oversized(msg) ||
	    (vg_msg_flags(msg) &
	        (VG_MSG_F_TOO_MANY_HEADERS | VG_MSG_F_HEADER_TOO_LONG)) != 0) {
		vg_debug(
		    "%s: not DKIM-signed: not all of the message was kept "
		    "(max_message_size, max_header_count, max_header_size)",
		    qid);
		return 0;
	}
	vg_msg_from_domain(from, sizeof(from), msg);
	vg_sanitize_str(clean, sizeof(clean), from, VG_SANITIZE_ASCII);
	if (from[0] == '\0') {
		vg_debug("%s: not DKIM-signed: no single From: address", qid);
		return 0;
	}
	if ((signer = vg_dkim_keys_find(keys, from)) == NULL) {
		vg_debug("%s: not DKIM-signed: no key for the From: domain %s",
		    qid, clean);
		return 0;
	}
	if ((rc = delivered(&f, &nf, v, msg)) != 0)
		return rc;
	raw = vg_msg_raw(msg, &len);
	off = vg_msg_body_offset(msg);
	if (off > len)
		off = len;
	rc = vg_dkim_sign(&value, signer, f, nf, raw != NULL ? raw + off : NULL,
	    len - off, (uint64_t)time(NULL));
	vg_free(f);
	if (rc == VG_EINTERNAL) {
		vg_error("%s: not DKIM-signed: OpenSSL failed to sign for %s",
		    qid, vg_dkim_signer_domain(signer));
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = vg_headers_add(v, "DKIM-Signature", value);
	vg_free(value);
	if (rc == 0)
		vg_debug("%s: DKIM-signed d=%s s=%s (From: %s)", qid,
		    vg_dkim_signer_domain(signer),
		    vg_dkim_signer_selector(signer), clean);
	return rc;
}
