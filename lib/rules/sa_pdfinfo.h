/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_pdfinfo - the facts SpamAssassin's PDFInfo plugin reads from the PDF
 * attachments of a message, and the parser that reads them from one PDF
 * (sa_pdfinfo.c; the eval functions pdf_* are in the same file).
 *
 * PURPOSE  SpamAssassin does not parse PDF objects: it reads the decoded
 *	    bytes line by line (lines end at "\n") and picks out the version
 *	    header, /Encrypt, image sizes (/Width N/Height N, or a "w 0 0 h
 *	    x y cm" line after /Image), the /Author, /Creator, /Producer,
 *	    /Title strings and the /CreationDate, /ModDate digits, and makes
 *	    three MD5 sums: of the whole file, of its first 69 non-empty
 *	    lines up to the first "stream" or image (with comments and
 *	    size lines left out), and of the names of the /Tags that start
 *	    lines.  vg_sapdf_scan() does the same over one PDF.
 * DIFFERS  URIs written in a PDF (/URI (...)) are not added to the
 *	    message's URI list, as SpamAssassin does; an image size or a
 *	    date of more than VG_SAPDF_DIGITS digits is cut there.
 * OWNS     struct vg_sapdf is one block with no pointers: the caller
 *	    frees it with vg_free().
 * LIMITS   VG_SAPDF_PARTS PDFs are read per message (the rest are
 *	    counted), the first VG_SAPDF_BYTES decoded bytes of each (the
 *	    whole-file MD5 of a longer PDF is then not SpamAssassin's);
 *	    VG_SAPDF_NAMES names, VG_SAPDF_DIMS image sizes and
 *	    VG_SAPDF_DETAILS strings of each kind kept, each string cut at
 *	    VG_SAPDF_STR bytes as SpamAssassin cuts it.  What is not kept
 *	    sets ->limit.  The scan is one pass, linear in the bytes read:
 *	    no object table is built, so the number of objects costs
 *	    nothing.
 * THREADS  Reentrant.
 */
#ifndef VG_SA_PDFINFO_H
#define VG_SA_PDFINFO_H

#include <stdbool.h>
#include <stddef.h>

#define VG_SAPDF_PARTS   8
#define VG_SAPDF_BYTES   (4u * 1024 * 1024)
#define VG_SAPDF_NAMES   16
#define VG_SAPDF_DIMS    64
#define VG_SAPDF_DETAILS 16
#define VG_SAPDF_STR     256 /* SpamAssassin's substr($_, 0, 256) */
#define VG_SAPDF_DIGITS  20

/* The kinds of strings pdf_match_details() reads. */
enum vg_sapdf_detail {
	VG_SAPDF_AUTHOR,
	VG_SAPDF_CREATOR,
	VG_SAPDF_CREATED,
	VG_SAPDF_MODIFIED,
	VG_SAPDF_PRODUCER,
	VG_SAPDF_TITLE,
	VG_SAPDF_NDETAILS,
};

struct vg_sapdf_str {
	size_t len; /* may hold NUL bytes (octal and hex escapes) */
	char s[VG_SAPDF_STR + 1];
};

/* One image size, or a PDF's summed sizes: "HxW" as SpamAssassin keys it. */
struct vg_sapdf_dim {
	double h, w;
	char key[2 * VG_SAPDF_DIGITS + 2];
};

struct vg_sapdf {
	size_t count;  /* PDF parts (pdf_count) */
	size_t images; /* images found in them (pdf_image_count) */
	bool encrypted;
	double area; /* the last PDF's summed image area; 0 for none */
	bool limit;  /* something was not read or not kept (LIMITS) */
	size_t nnames, ndims, nmd5, nfuzzy;
	struct vg_sapdf_str names[VG_SAPDF_NAMES];
	struct vg_sapdf_dim dims[VG_SAPDF_DIMS];
	size_t ndetails[VG_SAPDF_NDETAILS];
	struct vg_sapdf_str details[VG_SAPDF_NDETAILS][VG_SAPDF_DETAILS];
	char md5[VG_SAPDF_PARTS][33];       /* upper-case hex */
	char fuzzy[2 * VG_SAPDF_PARTS][33]; /* structure and tags */
};

/*
 * vg_sapdf_is_pdf - whether a part is one SpamAssassin reads as a PDF:
 * image/ or application/ pdf or octet-stream, and a PDF type or a name
 * ending .pdf or .fdf
 */
bool vg_sapdf_is_pdf(const char *ctype, const char *name);

/*
 * vg_sapdf_scan - read one PDF part (decoded bytes data[0..len), its file
 * name or NULL) into f, as SpamAssassin's plugin does; counts it.  A part
 * without "%PDF-" in its first 1 KiB counts but gives no facts.
 */
void vg_sapdf_scan(struct vg_sapdf *f, const unsigned char *data, size_t len,
    const char *name);

#endif /* VG_SA_PDFINFO_H */
