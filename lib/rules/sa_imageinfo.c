/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_imageinfo - SpamAssassin's ImageInfo plugin in C: image_count,
 * pixel_coverage and image_to_text_ratio (the specification is
 * Mail::SpamAssassin::Plugin::ImageInfo).
 *
 * PURPOSE  Image spam: one picture and little text.  The MIME walk
 *	    (sa_mimeeval.c) hands every base64 image/gif, image/png and
 *	    image/jpeg leaf to vg_sa_image_part(), which decodes the start
 *	    of it and reads the width and height from the GIF header, the
 *	    PNG IHDR chunk or the JPEG SOF marker, as the plugin does.
 * LIMITS   The first VG_SAIMG_DECODE bytes of each image are decoded
 *	    (a JPEG whose SOF marker lies past them counts, with no area).
 * THREADS  Reentrant: reads the message only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "message/text.h"
#include "rules/rules_evalfn.h"

#define VG_SAIMG_DECODE (256u * 1024)

static const char *const vg_img_types[] = {"all", "gif", "png", "jpeg"};

/* vg_b64 - the value of a base64 character, -1 for others */
static int
vg_b64(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* vg_unb64 - decode s[0..n) (other characters skipped) into out; bytes */
static size_t
vg_unb64(const char *s, size_t n, unsigned char *out, size_t max)
{
	size_t i, o = 0;
	unsigned acc = 0;
	int bits = 0;

	for (i = 0; i < n && o < max; i++) {
		int v;

		if (s[i] == '=')
			break;
		if ((v = vg_b64((unsigned char)s[i])) < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

static unsigned long
vg_be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	    (unsigned long)p[2] << 8 | p[3];
}

/* vg_dims - width and height of a decoded image of type t (1 gif ...) */
static void
vg_dims(
    int t, const unsigned char *d, size_t n, unsigned long *w, unsigned long *h)
{
	size_t pos;

	*w = *h = 0;
	if (t == 1) {
		if (n >= 10 && memcmp(d, "GIF8", 4) == 0 &&
		    (d[4] == '7' || d[4] == '9') && d[5] == 'a') {
			*w = d[6] | (unsigned long)d[7] << 8;
			*h = d[8] | (unsigned long)d[9] << 8;
		}
		return;
	}
	if (t == 2) {
		if (n < 8 || memcmp(d, "\x89PNG\r\n\x1a\n", 8) != 0)
			return;
		for (pos = 8; pos + 8 <= n;) {
			unsigned long len = vg_be32(d + pos);

			if (memcmp(d + pos + 4, "IEND", 4) == 0)
				return;
			pos += 8;
			if (memcmp(d + pos - 4, "IHDR", 4) == 0 && len == 13) {
				if (pos + 8 <= n) {
					*w = vg_be32(d + pos);
					*h = vg_be32(d + pos + 4);
				}
				return;
			}
			/* As the plugin: only the chunk header is skipped. */
		}
		return;
	}
	if (n < 2 || d[0] != 0xff || d[1] != 0xd8)
		return;
	for (pos = 2; pos + 4 <= n;) {
		unsigned mark = d[pos + 1],
		         len = (unsigned)d[pos + 2] << 8 | d[pos + 3];

		if (d[pos] != 0xff || mark == 0xda || mark == 0xd9 || len < 2)
			return;
		pos += 4;
		if ((mark >= 0xc0 && mark <= 0xc3) ||
		    (mark >= 0xc5 && mark <= 0xc7) ||
		    (mark >= 0xc9 && mark <= 0xcb) ||
		    (mark >= 0xcd && mark <= 0xcf)) {
			if (pos + 5 <= n) {
				*h =
				    (unsigned long)d[pos + 1] << 8 | d[pos + 2];
				*w =
				    (unsigned long)d[pos + 3] << 8 | d[pos + 4];
			}
			return;
		}
		pos += len - 2;
	}
}

/* vg_sa_image_part - see rules_evalfn.h */
void
vg_sa_image_part(struct vg_samime *m, const char *ctype, const char *cte,
    const char *body, const char *end)
{
	unsigned char *d;
	unsigned long w, h;
	size_t n;
	int t;

	if (strcmp(cte, "base64") != 0)
		return;
	if (strcmp(ctype, "image/gif") == 0)
		t = 1;
	else if (strcmp(ctype, "image/png") == 0)
		t = 2;
	else if (strcmp(ctype, "image/jpeg") == 0 ||
	    strcmp(ctype, "image/jpg") == 0)
		t = 3;
	else
		return;
	m->img_count[t]++;
	m->img_count[0]++;
	if ((d = vg_malloc(VG_SAIMG_DECODE)) == NULL)
		return;
	n = vg_unb64(body, (size_t)(end - body), d, VG_SAIMG_DECODE);
	vg_dims(t, d, n, &w, &h);
	vg_free(d);
	if (w > 0 && h > 0) {
		m->img_area[t] += (double)w * (double)h;
		m->img_area[0] += (double)w * (double)h;
	}
}

/* vg_img_check - result_check(): MIN <= v <= MAX (v < MAX: nomaxequal) */
static bool
vg_img_check(const struct vg_evalargs *a, size_t imin, double v, bool nomaxeq)
{
	if (v < a->num[imin])
		return false;
	if (a->n > imin + 1 && v > a->num[imin + 1])
		return false;
	if (nomaxeq && a->n > imin + 1 && v == a->num[imin + 1])
		return false;
	return true;
}

/* image_count(TYPE, MIN[, MAX]) */
static int
vg_sa_image_count(struct vg_sactx *c, const struct vg_evalargs *a)
{
	return vg_img_check(
	    a, 1, (double)vg_sa_mime(c)->img_count[a->sel], false);
}

/* pixel_coverage(TYPE, MIN[, MAX]): total area */
static int
vg_sa_pixel_coverage(struct vg_sactx *c, const struct vg_evalargs *a)
{
	return vg_img_check(a, 1, vg_sa_mime(c)->img_area[a->sel], false);
}

/* image_to_text_ratio(TYPE, MIN, MAX): text bytes per pixel */
static int
vg_sa_image_text_ratio(struct vg_sactx *c, const struct vg_evalargs *a)
{
	double area = vg_sa_mime(c)->img_area[a->sel], len = 0;
	const char *s;
	size_t n, i;

	if (c->text == NULL || area <= 0)
		return 0;
	if (a->kind == VG_RULE_RAWBODY) {
		len = (double)c->text->rawbody_len;
	} else if (c->text->body != NULL) {
		/* SpamAssassin joins the paragraphs with nothing between */
		s = c->text->body;
		n = c->text->body_len;
		len = (double)n;
		for (i = 0; i < n; i++)
			if (s[i] == '\n')
				len--;
	}
	if (len <= 0)
		return 0;
	return vg_img_check(a, 1, len / area, true);
}

static int
vg_sa_prep_img(struct vg_evalargs *a, char *why, size_t whylen)
{
	size_t i;

	a->sel = -1;
	for (i = 0; i < VG_NELEM(vg_img_types); i++)
		if (strcmp(a->str[0], vg_img_types[i]) == 0)
			a->sel = (int)i;
	if (a->sel < 0) {
		snprintf(why, whylen,
		    "eval: image type '%s' (all, gif, png, "
		    "jpeg)",
		    a->str[0]);
		return VG_ECONFIG;
	}
	for (i = 1; i < a->n; i++)
		if (isnan(a->num[i])) {
			snprintf(why, whylen, "eval: '%s' is not a number",
			    a->str[i]);
			return VG_ECONFIG;
		}
	return 0;
}

const struct vg_evalfn vg_sa_imageinfo[] = {
    {.name = "image_count",
        .plugin = "ImageInfo",
        .kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),
        .min_args = 2,
        .max_args = 3,
        .prepare = vg_sa_prep_img,
        .run = vg_sa_image_count},
    {.name = "pixel_coverage",
        .plugin = "ImageInfo",
        .kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),
        .min_args = 2,
        .max_args = 3,
        .prepare = vg_sa_prep_img,
        .run = vg_sa_pixel_coverage},
    {.name = "image_to_text_ratio",
        .plugin = "ImageInfo",
        .kinds = VG_K(VG_RULE_BODY) | VG_K(VG_RULE_RAWBODY),
        .min_args = 3,
        .max_args = 3,
        .prepare = vg_sa_prep_img,
        .run = vg_sa_image_text_ratio},
    {.name = NULL},
};
