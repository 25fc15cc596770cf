/* SPDX-License-Identifier: GPL-2.0-only */
/* test_attach - dangerous attachments: names, types, content, archives */
#include <check.h>
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vg_guard.h"
#include "vg_check.h"
#include "base/alloc.h"
#include "message/attach.h"
#include "stages/check_ops.h"
#include "base/conf.h"
#include "base/err.h"
#include "message/msg.h"
#include "policy/policy.h"
#include "core/result.h"
#include "message/text.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus"

#define BIT(s) VG_ATTACH_BIT(VG_ATTACH_##s)

static const struct {
	const char *name;
	unsigned want;
} name_cases[] = {
    {"invoice.pdf.exe", BIT(BANNED_EXT) | BIT(DOUBLE_EXT)},
    {"Invoice.PDF.EXE", BIT(BANNED_EXT) | BIT(DOUBLE_EXT)},
    {"invoice.pdf      .exe", BIT(BANNED_EXT) | BIT(DOUBLE_EXT)},
    {"invoice.pdf.............exe", BIT(BANNED_EXT) | BIT(DOUBLE_EXT)},
    {"invoice_pdf_______.scr", BIT(BANNED_EXT) | BIT(DOUBLE_EXT)},
    {"notes.txt.js", BIT(BANNED_EXT) | BIT(DOUBLE_EXT)},
    {"photo.jpeg.lnk", BIT(BANNED_EXT) | BIT(DOUBLE_EXT)},
    {"setup.exe", BIT(BANNED_EXT)},
    {"SETUP.EXE", BIT(BANNED_EXT)},
    {"my_setup_.exe", BIT(BANNED_EXT)},
    {"tool.v2.exe", BIT(BANNED_EXT)},
    {".exe", BIT(BANNED_EXT)},
    /* Windows drops trailing dots and blanks. */
    {"virus.exe.", BIT(BANNED_EXT)},
    {"virus.exe   ", BIT(BANNED_EXT)},
    {"virus.exe . .", BIT(BANNED_EXT)},
    {"dir/sub/evil.vbs", BIT(BANNED_EXT)},
    {"C:\\Users\\x\\evil.bat", BIT(BANNED_EXT)},
    {"macro.xll", BIT(BANNED_EXT)},
    {"disk.iso", BIT(BANNED_EXT)},
    /* "invoice" U+202E "fdp.exe" reads "invoiceexe.pdf". */
    {"invoice\xe2\x80\xae"
     "fdp.exe",
        BIT(BANNED_EXT) | BIT(RTLO)},
    {"photo\xe2\x80\xaegpj.scr", BIT(BANNED_EXT) | BIT(RTLO)},
    {"report\xe2\x81\xa6.pdf", BIT(RTLO)},
    {"report.pdf", 0},
    {"archive.tar.gz", 0},
    {"a.exe.txt", 0},
    {"exe", 0},
    {"readme", 0},
    {"", 0},
    {"script.sh", 0},
    {"résumé.docx", 0},
};

START_TEST(test_attach_names)
{
	struct vg_attach_policy pol;
	unsigned got;

	ck_assert_int_eq(vg_attach_policy_init(&pol), 0);
	got = vg_attach_name(&pol, name_cases[_i].name);
	ck_assert_msg(got == name_cases[_i].want, "'%s': got %#x, want %#x",
	    name_cases[_i].name, got, name_cases[_i].want);
	vg_attach_policy_fini(&pol);
}
END_TEST

START_TEST(test_attach_name_policy)
{
	struct vg_attach_policy pol;
	const char *why = NULL;
	char longname[VG_ATTACH_NAME_MAX * 2];

	ck_assert_int_eq(vg_attach_policy_init(&pol), 0);
	ck_assert_int_eq(vg_attach_name(&pol, NULL), 0);
	/* attach_allow_ext takes an extension off, attach_ban_ext adds. */
	ck_assert_int_eq(
	    vg_attach_policy_ban_ext(&pol, ".EXE", false, &why), 0);
	ck_assert_int_eq(vg_attach_name(&pol, "setup.exe"), 0);
	ck_assert_int_eq(vg_attach_policy_ban_ext(&pol, "docm", true, &why), 0);
	ck_assert_int_eq(vg_attach_policy_ban_ext(&pol, "docm", true, &why), 0);
	ck_assert_int_eq(vg_attach_name(&pol, "Budget.DOCM"), BIT(BANNED_EXT));
	ck_assert(vg_attach_ext_banned(&pol, "DocM"));
	ck_assert(!vg_attach_ext_banned(&pol, "doc"));
	ck_assert_int_eq(
	    vg_attach_policy_ban_ext(&pol, "", true, &why), VG_EINVAL);
	ck_assert_int_eq(vg_attach_policy_ban_ext(&pol,
	                     "abcdefghijklmnopqrstuvwxyzabcdefg", true, &why),
	    VG_EINVAL);
	/* Types: exact, or a family with "type/" and '*'. */
	ck_assert(vg_attach_type_banned(&pol, "application/x-msdownload"));
	ck_assert(vg_attach_type_banned(&pol, "Application/X-MSDownload"));
	ck_assert(!vg_attach_type_banned(&pol, "application/pdf"));
	ck_assert(!vg_attach_type_banned(&pol, NULL));
	ck_assert_int_eq(
	    vg_attach_policy_ban_type(&pol, "video/*", true, &why), 0);
	ck_assert(vg_attach_type_banned(&pol, "video/mp4"));
	ck_assert_int_eq(
	    vg_attach_policy_ban_type(&pol, "video/*", false, &why), 0);
	ck_assert(!vg_attach_type_banned(&pol, "video/mp4"));
	ck_assert_int_eq(
	    vg_attach_policy_ban_type(&pol, "video/mp*", true, &why),
	    VG_EINVAL);
	/*
	 * A name longer than VG_ATTACH_NAME_MAX is examined by its last
	 * VG_ATTACH_NAME_MAX bytes: padding cannot push ".exe" out of sight.
	 */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + sizeof(longname) - 5, ".exe", 5);
	ck_assert_int_eq(vg_attach_policy_ban_ext(&pol, "exe", true, &why), 0);
	ck_assert_int_eq(vg_attach_name(&pol, longname), BIT(BANNED_EXT));
	/* ...and a right-to-left override past the first ones is seen. */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + VG_ATTACH_NAME_MAX + 100, "\xe2\x80\xae", 3);
	memcpy(longname + sizeof(longname) - 5, ".txt", 5);
	ck_assert_int_eq(vg_attach_name(&pol, longname), BIT(RTLO));
	vg_attach_policy_fini(&pol);
}
END_TEST

/* pe - a minimal PE image: "MZ", e_lfanew = 0x80, "PE\0\0" there */
static size_t
pe(unsigned char *buf, size_t size)
{
	ck_assert(size >= 512);
	memset(buf, 0, size);
	buf[0] = 'M';
	buf[1] = 'Z';
	buf[0x3c] = 0x80;
	memcpy(buf + 0x80, "PE\0\0", 4);
	return 512;
}

START_TEST(test_attach_sniff)
{
	unsigned char b[600];
	static const struct {
		const char *magic;
		size_t len;
		enum vg_filetype want;
	} magics[] = {
	    {"\x7f"
	     "ELF\x02\x01\x01",
	        7, VG_FILE_ELF},
	    {"\xcf\xfa\xed\xfe\x07\x00\x00\x01", 8, VG_FILE_MACHO},
	    {"\xfe\xed\xfa\xce\x00\x00\x00\x07", 8, VG_FILE_MACHO},
	    {"\xca\xfe\xba\xbe\x00\x00\x00\x02", 8, VG_FILE_MACHO},
	    {"\xca\xfe\xba\xbe\x00\x00\x00\x34", 8, VG_FILE_UNKNOWN}, /* Java */
	    {"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00", 10, VG_FILE_LNK},
	    {"#!/bin/sh\n", 10, VG_FILE_SCRIPT},
	    {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, VG_FILE_OLE},
	    {"PK\x03\x04\x14\x00", 6, VG_FILE_ZIP},
	    {"Rar!\x1a\x07\x01\x00", 8, VG_FILE_RAR},
	    {"7z\xbc\xaf\x27\x1c\x00\x04", 8, VG_FILE_7Z},
	    {"MSCF\0\0\0\0", 8, VG_FILE_CAB},
	    {"\x1f\x8b\x08\x00", 4, VG_FILE_GZIP},
	    {"BZh9", 4, VG_FILE_BZIP2},
	    {"\xfd"
	     "7zXZ\0\0",
	        7, VG_FILE_XZ},
	    {"%PDF-1.7", 8, VG_FILE_PDF},
	    {"\x89PNG\r\n\x1a\n", 8, VG_FILE_IMAGE},
	    {"GIF89a", 6, VG_FILE_IMAGE},
	    {"\x28\xb5\x2f\xfd\x04\x58", 6, VG_FILE_ZSTD},
	    {"\x04\x22\x4d\x18\x64\x40", 6, VG_FILE_LZ4},
	    {"LZIP\x01\x0c", 6, VG_FILE_LZIP},
	    {"\x89LZO\0\r\n\x1a\n\x10", 10, VG_FILE_LZOP},
	    {"\x1f\x9d\x90\x58", 4, VG_FILE_COMPRESS},
	    {"\x1f\x9d\x05\x58", 4, VG_FILE_UNKNOWN}, /* 5 bits: no */
	    {"Hello, world", 12, VG_FILE_UNKNOWN},
	    {"M", 1, VG_FILE_UNKNOWN},
	};

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		enum vg_filetype got =
		    vg_attach_sniff(magics[i].magic, magics[i].len, false);

		ck_assert_msg(got == magics[i].want,
		    "magic %zu: got %s, want %s", i, vg_filetype_name(got),
		    vg_filetype_name(magics[i].want));
	}
	ck_assert_int_eq(
	    vg_attach_sniff(b, pe(b, sizeof(b)), false), VG_FILE_PE);
	/* "MZ" alone, or e_lfanew pointing at something else, is not PE... */
	b[0x80] = 'X';
	ck_assert_int_eq(vg_attach_sniff(b, 512, false), VG_FILE_UNKNOWN);
	ck_assert_int_eq(
	    vg_attach_sniff("MZ is a text", 12, false), VG_FILE_UNKNOWN);
	/* ...unless the header lies past bytes that were cut off. */
	pe(b, sizeof(b));
	ck_assert_int_eq(vg_attach_sniff(b, 0x60, true), VG_FILE_PE);
	ck_assert_int_eq(vg_attach_sniff(b, 0x60, false), VG_FILE_UNKNOWN);
	/* tar: "ustar" at 257. */
	memset(b, 0, sizeof(b));
	memcpy(b + 257, "ustar", 5);
	ck_assert_int_eq(vg_attach_sniff(b, sizeof(b), false), VG_FILE_TAR);
	ck_assert_int_eq(vg_attach_sniff(NULL, 0, false), VG_FILE_UNKNOWN);
}
END_TEST

static const struct {
	enum vg_filetype type;
	const char *name, *ctype;
	unsigned want;
} content_cases[] = {
    {VG_FILE_PE, "notes.txt", NULL, BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH)},
    {VG_FILE_PE, "invoice.pdf", "application/pdf",
        BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH)},
    {VG_FILE_PE, "setup.exe", "application/octet-stream", BIT(EXEC_CONTENT)},
    {VG_FILE_PE, NULL, NULL, BIT(EXEC_CONTENT)},
    {VG_FILE_PE, NULL, "text/plain", BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH)},
    {VG_FILE_PE, "data.bin", "image/jpeg",
        BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH)},
    {VG_FILE_ELF, "song.mp3", NULL, BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH)},
    {VG_FILE_MACHO, "app", NULL, BIT(EXEC_CONTENT)},
    {VG_FILE_LNK, "document.pdf", NULL, BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH)},
    {VG_FILE_LNK, "notes.txt", "text/plain",
        BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH)},
    /* Scripts are text: only a binary document name disguises one. */
    {VG_FILE_SCRIPT, "report.pdf", NULL, BIT(TYPE_MISMATCH)},
    {VG_FILE_SCRIPT, "x.bin", "image/png", BIT(TYPE_MISMATCH)},
    {VG_FILE_SCRIPT, "run.sh", "application/x-sh", 0},
    {VG_FILE_SCRIPT, "notes.txt", "text/plain", 0},
    {VG_FILE_ZIP, "notes.txt", "text/plain", 0},
    {VG_FILE_PDF, "report.pdf", "application/pdf", 0},
    {VG_FILE_UNKNOWN, "setup.exe", NULL, 0},
};

START_TEST(test_attach_content)
{
	unsigned got = vg_attach_content(content_cases[_i].type,
	    content_cases[_i].name, content_cases[_i].ctype);

	ck_assert_msg(got == content_cases[_i].want,
	    "%s named %s (%s): got %#x, want %#x",
	    vg_filetype_name(content_cases[_i].type),
	    content_cases[_i].name ? content_cases[_i].name : "(none)",
	    content_cases[_i].ctype ? content_cases[_i].ctype : "(none)", got,
	    content_cases[_i].want);
}
END_TEST

/* What a scan reported: one bit per symbol, and the names. */
struct found {
	unsigned bits;
	char names[VG_ATTACH_SYM_MAX][VG_ATTACH_NAME_MAX + 1];
	int stop_with; /* returned from the report */
};

/* record - the report callback of the tests */
static int
record(void *ctx, enum vg_attach_sym sym, const char *name)
{
	struct found *f = ctx;

	if ((f->bits & VG_ATTACH_BIT(sym)) == 0)
		snprintf(f->names[sym], sizeof(f->names[sym]), "%s", name);
	f->bits |= VG_ATTACH_BIT(sym);
	return f->stop_with;
}

/* A member of an archive built for a test. */
struct member {
	const char *name;
	const void *data;
	size_t len;
};

/*
 * archive_build - a zip (or other format) in memory holding members,
 * encrypted with a passphrase when one is given; caller frees.
 */
static unsigned char *
archive_build(size_t *len_out, const char *format, const char *passphrase,
    const struct member *m, size_t n)
{
	size_t cap = 1 << 20, used = 0;
	unsigned char *buf = malloc(cap);
	struct archive *a = archive_write_new();

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(
	    archive_write_set_format_by_name(a, format), ARCHIVE_OK);
	if (strcmp(format, "gnutar") == 0 || strcmp(format, "raw") == 0)
		ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	if (passphrase != NULL) {
		ck_assert_msg(archive_write_set_options(
		                  a, "zip:encryption=zipcrypt") == ARCHIVE_OK,
		    "libarchive cannot encrypt: %s", archive_error_string(a));
		ck_assert_int_eq(
		    archive_write_set_passphrase(a, passphrase), ARCHIVE_OK);
	}
	ck_assert_int_eq(
	    archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_size(e, (la_int64_t)m[i].len);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		ck_assert_int_eq(archive_write_data(a, m[i].data, m[i].len),
		    (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*len_out = used;
	return buf;
}

/* scan - vg_attach_scan() with the default policy and lim */
static int
scan(struct found *f, const struct vg_attach_limits *lim, const char *name,
    const char *ctype, const void *data, size_t len)
{
	struct vg_attach_policy pol;
	struct vg_attach_limits def;
	int rc;

	if (lim == NULL) {
		vg_attach_limits_default(&def);
		lim = &def;
	}
	ck_assert_int_eq(vg_attach_policy_init(&pol), 0);
	rc = vg_attach_scan(&pol, lim, name, ctype, data, len, record, f);
	vg_attach_policy_fini(&pol);
	return rc;
}

START_TEST(test_attach_zip_members)
{
	unsigned char exe[512];
	struct member m[] = {
	    {"docs/readme.txt", exe, 0},
	    {"letter.txt", "Dear customer", 13},
	    {"game.exe", "not really a program", 20},
	};
	struct found f = {0};
	unsigned char *zip;
	size_t len;

	m[0].len = pe(exe, sizeof(exe));
	zip = archive_build(&len, "zip", NULL, m, 3);
	ck_assert_int_eq(
	    scan(&f, NULL, "files.zip", "application/zip", zip, len), 0);
	ck_assert_msg(f.bits ==
	        (BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH) | BIT(BANNED_EXT)),
	    "got %#x", f.bits);
	ck_assert_str_eq(
	    f.names[VG_ATTACH_EXEC_CONTENT], "files.zip/docs/readme.txt");
	ck_assert_str_eq(f.names[VG_ATTACH_BANNED_EXT], "files.zip/game.exe");
	free(zip);
}
END_TEST

/*
 * Compressed in a format libclamav cannot unpack: ATTACH_UNSCANNABLE, as
 * an attachment and as an archive member (ClamAV opens the zip but not
 * the zstd stream inside).
 */
START_TEST(test_attach_unscannable)
{
	static const char zst[] = "\x28\xb5\x2f\xfd\x04\x58"
	                          "compressed";
	struct member m[] = {{"data.zst", zst, sizeof(zst) - 1}};
	struct found f = {0}, g = {0}, h = {0};
	unsigned char *zip;
	size_t len;

	ck_assert_int_eq(scan(&f, NULL, "data.zst", "application/zstd", zst,
	                     sizeof(zst) - 1),
	    0);
	ck_assert_msg(f.bits == BIT(UNSCANNABLE), "got %#x", f.bits);
	zip = archive_build(&len, "zip", NULL, m, 1);
	ck_assert_int_eq(
	    scan(&g, NULL, "files.zip", "application/zip", zip, len), 0);
	ck_assert_msg(g.bits == BIT(UNSCANNABLE), "got %#x", g.bits);
	ck_assert_str_eq(g.names[VG_ATTACH_UNSCANNABLE], "files.zip/data.zst");
	free(zip);
	/* gzip is something ClamAV unpacks: no finding. */
	ck_assert_int_eq(scan(&h, NULL, "data.gz", "application/gzip",
	                     "\x1f\x8b\x08\x00", 4),
	    0);
	ck_assert_msg((h.bits & BIT(UNSCANNABLE)) == 0, "got %#x", h.bits);
}
END_TEST

START_TEST(test_attach_zip_nested)
{
	unsigned char exe[512], *inner, *outer;
	struct member mi[] = {{"invoice.pdf", exe, 0}};
	struct member mo[1];
	struct vg_attach_limits lim;
	struct found f = {0};
	size_t ilen, olen;

	mi[0].len = pe(exe, sizeof(exe));
	inner = archive_build(&ilen, "zip", NULL, mi, 1);
	mo[0] = (struct member){"inner.zip", inner, ilen};
	outer = archive_build(&olen, "zip", NULL, mo, 1);

	/* Depth 2 finds the program inside the inner zip. */
	ck_assert_int_eq(scan(&f, NULL, "outer.zip", NULL, outer, olen), 0);
	ck_assert_int_eq(f.bits, BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH));
	ck_assert_str_eq(f.names[VG_ATTACH_TYPE_MISMATCH],
	    "outer.zip/inner.zip/invoice.pdf");

	/* attach_archive_depth = 1: the inner zip is a limit, not a look. */
	vg_attach_limits_default(&lim);
	lim.archive_depth = 1;
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(scan(&f, &lim, "outer.zip", NULL, outer, olen), 0);
	ck_assert_int_eq(f.bits, BIT(ARCHIVE_LIMIT));
	ck_assert_str_eq(
	    f.names[VG_ATTACH_ARCHIVE_LIMIT], "outer.zip/inner.zip");
	/* 0: archives are not opened at all. */
	lim.archive_depth = 0;
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(scan(&f, &lim, "outer.zip", NULL, outer, olen), 0);
	ck_assert_int_eq(f.bits, BIT(ARCHIVE_LIMIT));
	ck_assert_str_eq(f.names[VG_ATTACH_ARCHIVE_LIMIT], "outer.zip");
	/* A nested archive larger than attach_member_bytes is not opened. */
	vg_attach_limits_default(&lim);
	lim.member_bytes = ilen - 1;
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(scan(&f, &lim, "outer.zip", NULL, outer, olen), 0);
	ck_assert_int_eq(f.bits, BIT(ARCHIVE_LIMIT));
	free(inner);
	free(outer);
}
END_TEST

START_TEST(test_attach_zip_encrypted)
{
	unsigned char exe[512];
	struct member m[] = {{"invoice.pdf", exe, 0}};
	struct found f = {0};
	unsigned char *zip;
	size_t len;

	m[0].len = pe(exe, sizeof(exe));
	zip = archive_build(&len, "zip", "infected", m, 1);
	ck_assert_int_eq(scan(&f, NULL, "invoice.zip", NULL, zip, len), 0);
	/* Nothing inside can be seen; the encryption itself is the symbol. */
	ck_assert_int_eq(f.bits, BIT(ENCRYPTED_ARCHIVE));
	ck_assert_str_eq(
	    f.names[VG_ATTACH_ENCRYPTED_ARCHIVE], "invoice.zip/invoice.pdf");
	free(zip);
}
END_TEST

START_TEST(test_attach_archive_limits)
{
	struct member m[5];
	struct vg_attach_limits lim;
	struct found f = {0};
	unsigned char *zip, big[8192];
	size_t len;
	char names[5][16];

	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 5; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d.txt", i);
		m[i] = (struct member){names[i], big, sizeof(big)};
	}
	m[4].name = "last.exe";
	zip = archive_build(&len, "zip", NULL, m, 5);
	vg_attach_limits_default(&lim);
	/* attach_archive_members = 3: the fifth member, last.exe, unseen. */
	lim.archive_members = 3;
	ck_assert_int_eq(scan(&f, &lim, "many.zip", NULL, zip, len), 0);
	ck_assert_int_eq(f.bits, BIT(ARCHIVE_LIMIT));
	ck_assert_str_eq(f.names[VG_ATTACH_ARCHIVE_LIMIT], "many.zip");
	/* attach_archive_bytes: each member costs its first 4 KiB. */
	vg_attach_limits_default(&lim);
	lim.archive_bytes = 3 * VG_ATTACH_SNIFF_MAX;
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(scan(&f, &lim, "many.zip", NULL, zip, len), 0);
	ck_assert_int_eq(f.bits, BIT(ARCHIVE_LIMIT));
	/* Within the defaults every member is seen. */
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(scan(&f, NULL, "many.zip", NULL, zip, len), 0);
	ck_assert_int_eq(f.bits, BIT(BANNED_EXT));
	ck_assert_str_eq(f.names[VG_ATTACH_BANNED_EXT], "many.zip/last.exe");
	free(zip);
}
END_TEST

START_TEST(test_attach_tar_gz)
{
	unsigned char elf[64];
	struct member m[] = {{"bin/photo.jpg", elf, sizeof(elf)}};
	struct found f = {0};
	unsigned char *tgz;
	size_t len;

	memset(elf, 0, sizeof(elf));
	memcpy(elf,
	    "\x7f"
	    "ELF",
	    4);
	tgz = archive_build(&len, "gnutar", NULL, m, 1);
	ck_assert_int_eq(vg_attach_sniff(tgz, len, false), VG_FILE_GZIP);
	ck_assert_int_eq(scan(&f, NULL, "photos.tar.gz", NULL, tgz, len), 0);
	ck_assert_int_eq(f.bits, BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH));
	ck_assert_str_eq(
	    f.names[VG_ATTACH_EXEC_CONTENT], "photos.tar.gz/bin/photo.jpg");
	free(tgz);
	/* A lone gzip stream: no member name, the content still counts. */
	m[0].name = "data";
	tgz = archive_build(&len, "raw", NULL, m, 1);
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(scan(&f, NULL, "photo.gz", NULL, tgz, len), 0);
	ck_assert_int_eq(f.bits, BIT(EXEC_CONTENT));
	ck_assert_str_eq(f.names[VG_ATTACH_EXEC_CONTENT], "photo.gz/");
	free(tgz);
}
END_TEST

START_TEST(test_attach_broken)
{
	unsigned char exe[512];
	struct member m[] = {{"a.txt", "hello", 5}, {"b.txt", exe, 0}};
	struct found f = {0};
	unsigned char *zip;
	size_t len;

	m[1].len = pe(exe, sizeof(exe));
	zip = archive_build(&len, "zip", NULL, m, 2);
	/* Cut in the middle of the second member. */
	ck_assert_int_eq(scan(&f, NULL, "cut.zip", NULL, zip, 100), 0);
	ck_assert_msg(
	    f.bits & BIT(ARCHIVE_BROKEN), "got %#x, want BROKEN", f.bits);
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(scan(&f, NULL, "junk.zip", NULL,
	                     "PK\x03\x04garbage garbage garbage", 27),
	    0);
	/* No end-of-central-directory record either. */
	ck_assert_int_eq(f.bits, BIT(ARCHIVE_BROKEN) | BIT(ZIP_TRUNCATED));
	memset(&f, 0, sizeof(f));
	/* Cut at its end record: libarchive reads it all, ClamAV does not. */
	ck_assert_int_eq(scan(&f, NULL, "cut.zip", NULL, zip, len - 22), 0);
	ck_assert_msg(
	    f.bits & BIT(ZIP_TRUNCATED), "got %#x, want TRUNCATED", f.bits);
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(scan(&f, NULL, "whole.zip", NULL, zip, len), 0);
	ck_assert_msg((f.bits & BIT(ZIP_TRUNCATED)) == 0, "got %#x", f.bits);
	free(zip);
}
END_TEST

START_TEST(test_attach_report_stops)
{
	unsigned char exe[512];
	struct found f = {0};

	f.stop_with = VG_ENOMEM;
	ck_assert_int_eq(scan(&f, NULL, "notes.txt", "text/plain", exe,
	                     pe(exe, sizeof(exe))),
	    VG_ENOMEM);
	ck_assert_int_eq(f.bits, BIT(EXEC_CONTENT));
}
END_TEST

/* load_text - a message file through the text layer */
static struct vg_text *
load_text(struct vg_msg **msg_out, const char *path)
{
	struct vg_msg_limits lim = {
	    25u << 20, 1u << 20, 1000, 1u << 16, 1000, "/tmp"};
	struct vg_text_limits tl;
	struct vg_text *text = NULL;

	ck_assert_int_eq(vg_text_global_init(), 0);
	ck_assert_int_eq(vg_msg_from_file(msg_out, &lim, path), 0);
	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&text, *msg_out, &tl), 0);
	return text;
}

START_TEST(test_attach_corpus_double_ext)
{
	struct vg_msg *msg = NULL;
	struct vg_text *text =
	    load_text(&msg, CORPUS "/malware/dangerous-extension.eml");
	struct vg_attach_limits lim;
	struct vg_policy *p = NULL;
	struct vg_result res;

	vg_attach_limits_default(&lim);
	ck_assert_int_eq(vg_policy_new(&p), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_check_attach_text(vg_policy_attach(p), &lim, text, NULL, &res),
	    0);
	ck_assert(vg_result_has(&res, "ATTACH_BANNED_EXT"));
	ck_assert(vg_result_has(&res, "ATTACH_DOUBLE_EXT"));
	/* The content is plain text: no content finding. */
	ck_assert(!vg_result_has(&res, "ATTACH_EXEC_CONTENT"));
	ck_assert_int_eq(res.syms.n, 2);
	ck_assert_str_eq(res.syms.sym[0].detail, "invoice.pdf.exe");
	ck_assert(res.forced.set);
	ck_assert_int_eq(res.forced.action, VG_ACTION_REJECT);
	ck_assert_str_eq(res.forced.code, "550");
	ck_assert_str_eq(res.forced.xcode, "5.7.1");
	ck_assert_str_eq(res.forced.text,
	    "Message rejected: attachment type not allowed: invoice.pdf.exe");
	ck_assert_str_eq(res.forced.symbol, "ATTACH_BANNED_EXT");
	vg_result_fini(&res);
	vg_policy_free(p);
	vg_text_free(text);
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_attach_check_ops)
{
	static const char conf_text[] =
	    "socket = unix:/run/vigil/vigil.sock\nvirus_scan = no\n"
	    "attach_archive_depth = 0\n";
	struct vg_msg *msg = NULL;
	struct vg_text *text =
	    load_text(&msg, CORPUS "/malware/dangerous-extension.eml");
	struct vg_conf *conf = NULL;
	struct vg_stage_env env = {NULL, NULL, NULL, NULL, NULL, false, NULL};
	struct vg_result res;
	struct vg_err err;
	void *state = NULL;

	/* The check as the score stage runs it: built-in policy, no rules. */
	vg_err_init(&err);
	ck_assert_int_eq(
	    vg_conf_parse(&conf, conf_text, strlen(conf_text), "t.conf", &err),
	    0);
	ck_assert_str_eq(vg_check_attach_ops.name, "attach");
	env.conf = conf;
	ck_assert_int_eq(vg_check_attach_ops.create(&state, &env, &err), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_check_attach_ops.run(state, msg, text, NULL, &res), 0);
	ck_assert(vg_result_has(&res, "ATTACH_DOUBLE_EXT"));
	ck_assert_int_eq(res.forced.action, VG_ACTION_REJECT);
	vg_result_fini(&res);
	/* No decoded text (an oversized message): nothing to do. */
	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_check_attach_ops.run(state, msg, NULL, NULL, &res), 0);
	ck_assert_int_eq(res.syms.n, 0);
	vg_result_fini(&res);
	vg_check_attach_ops.free(state);
	vg_conf_free(conf);
	vg_text_free(text);
	vg_msg_free(msg);
}
END_TEST

/* b64 - base64 of len bytes, 76 columns, CRLF; caller frees */
static char *
b64(const unsigned char *d, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(len * 2 + 16), *o = out;
	size_t col = 0;

	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)d[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < len)
			v |= d[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? tab[v & 63] : '=';
		if ((col += 4) == 76) {
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
		}
	}
	*o++ = '\r';
	*o++ = '\n';
	*o = '\0';
	return out;
}

/* mail_with - a message with one base64 attachment */
static struct vg_msg *
mail_with(const char *name, const char *ctype, const void *data, size_t len)
{
	struct vg_msg_limits lim = {
	    25u << 20, 1u << 20, 1000, 1u << 16, 1000, "/tmp"};
	char *enc = b64(data, len), *raw;
	struct vg_msg *msg = NULL;
	size_t n;

	n = strlen(enc) + 1024;
	raw = malloc(n);
	ck_assert_ptr_nonnull(raw);
	snprintf(raw, n,
	    "From: a@example.net\r\nTo: b@example.org\r\nSubject: files\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
	    "--XX\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
	    "--XX\r\nContent-Type: %s\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n%s"
	    "--XX--\r\n",
	    ctype, name, enc);
	ck_assert_int_eq(vg_msg_from_bytes(&msg, &lim, raw, strlen(raw)), 0);
	free(raw);
	free(enc);
	return msg;
}

START_TEST(test_attach_message_zip)
{
	unsigned char exe[512], *zip;
	struct member m[] = {{"scan0042.pdf", exe, 0}};
	struct vg_text_limits tl;
	struct vg_attach_limits lim;
	struct vg_text *text = NULL;
	struct vg_policy *p = NULL;
	struct vg_result res;
	struct vg_msg *msg;
	struct vg_err err;
	size_t len;

	m[0].len = pe(exe, sizeof(exe));
	zip = archive_build(&len, "zip", NULL, m, 1);
	msg = mail_with("scan0042.zip", "application/zip", zip, len);
	ck_assert_int_eq(vg_text_global_init(), 0);
	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&text, msg, &tl), 0);
	vg_attach_limits_default(&lim);

	/* attach_action ATTACH_TYPE_MISMATCH quarantine, the rest score. */
	vg_err_init(&err);
	ck_assert_int_eq(vg_policy_new(&p), 0);
	ck_assert_int_eq(
	    vg_policy_directive(p, "attach_action", "score", "t", 1, &err), 1);
	ck_assert_int_eq(vg_policy_directive(p, "attach_action",
	                     " ATTACH_TYPE_MISMATCH  quarantine", "t", 2, &err),
	    1);
	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_check_attach_text(vg_policy_attach(p), &lim, text, NULL, &res),
	    0);
	ck_assert(vg_result_has(&res, "ATTACH_EXEC_CONTENT"));
	ck_assert(vg_result_has(&res, "ATTACH_TYPE_MISMATCH"));
	ck_assert(res.forced.set);
	ck_assert_int_eq(res.forced.action, VG_ACTION_QUARANTINE);
	ck_assert_str_eq(res.forced.text,
	    "attachment held for review: scan0042.zip/scan0042.pdf");
	vg_result_fini(&res);
	vg_policy_free(p);
	vg_text_free(text);
	vg_msg_free(msg);
	free(zip);
}
END_TEST

START_TEST(test_attach_message_txt_exe)
{
	unsigned char exe[512];
	struct vg_text_limits tl;
	struct vg_attach_limits lim;
	struct vg_text *text = NULL;
	struct vg_policy *p = NULL;
	struct vg_result res;
	struct vg_msg *msg;

	/* A ".txt" that is really an executable is refused. */
	msg = mail_with("notes.txt", "text/plain", exe, pe(exe, sizeof(exe)));
	ck_assert_int_eq(vg_text_global_init(), 0);
	vg_text_limits_default(&tl);
	ck_assert_int_eq(vg_text_build(&text, msg, &tl), 0);
	vg_attach_limits_default(&lim);
	ck_assert_int_eq(vg_policy_new(&p), 0);
	vg_result_init(&res, "score");
	ck_assert_int_eq(
	    vg_check_attach_text(vg_policy_attach(p), &lim, text, NULL, &res),
	    0);
	ck_assert(vg_result_has(&res, "ATTACH_EXEC_CONTENT"));
	ck_assert(vg_result_has(&res, "ATTACH_TYPE_MISMATCH"));
	ck_assert_int_eq(res.forced.action, VG_ACTION_REJECT);
	ck_assert_str_eq(res.forced.text,
	    "Message rejected: attachment type not allowed: notes.txt");
	vg_result_fini(&res);
	vg_policy_free(p);
	vg_text_free(text);
	vg_msg_free(msg);
}
END_TEST

START_TEST(test_attach_enomem)
{
	unsigned char exe[512], *inner, *outer;
	struct member mi[] = {{"a.pdf", exe, 0}, {"b.exe", "x", 1}};
	struct member mo[1];
	struct vg_attach_policy pol;
	struct vg_attach_limits lim;
	struct found f;
	size_t ilen, olen;
	unsigned long n;
	int rc = VG_ENOMEM;

	mi[0].len = pe(exe, sizeof(exe));
	inner = archive_build(&ilen, "zip", NULL, mi, 2);
	mo[0] = (struct member){"in.zip", inner, ilen};
	outer = archive_build(&olen, "zip", NULL, mo, 1);
	vg_attach_limits_default(&lim);
	/* Fail each allocation in turn: VG_ENOMEM, never a crash or leak. */
	for (n = 1; n < 200 && rc != 0; n++) {
		memset(&f, 0, sizeof(f));
		vg_alloc_fail_at(n);
		rc = vg_attach_policy_init(&pol);
		if (rc == 0)
			rc = vg_attach_scan(&pol, &lim, "out.zip", NULL, outer,
			    olen, record, &f);
		vg_alloc_fail_at(0);
		ck_assert_msg(rc == 0 || rc == VG_ENOMEM,
		    "allocation %lu: got %d", n, rc);
		vg_attach_policy_fini(&pol);
	}
	ck_assert_msg(rc == 0, "never succeeded");
	ck_assert_int_eq(
	    f.bits, BIT(EXEC_CONTENT) | BIT(TYPE_MISMATCH) | BIT(BANNED_EXT));
	free(inner);
	free(outer);
}
END_TEST

START_TEST(test_attach_guard_page)
{
	static const char *const inputs[] = {"M", "MZ", "\177EL", "PK\x03", "#",
	    "BZh", "\x1f", "\xca\xfe\xba\xbe\0\0\0"};
	unsigned char exe[512];
	struct vg_guarded g;

	/* Every prefix of every magic number, ending at a guard page. */
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t len = strlen(inputs[i]) + (i == 7 ? 3 : 0);

		for (size_t k = 0; k <= len; k++) {
			vg_guard(&g, inputs[i], k);
			(void)vg_attach_sniff(
			    (const unsigned char *)g.p, k, k < len);
			vg_unguard(&g);
		}
	}
	/* A PE whose e_lfanew points at the last bytes there are. */
	pe(exe, sizeof(exe));
	exe[0x3c] = 0xfe;
	exe[0x3d] = 0x01; /* 0x1fe: "PE\0\0" would need 4 bytes */
	for (size_t k = 0x40; k <= sizeof(exe); k++) {
		vg_guard(&g, exe, k);
		(void)vg_attach_sniff((const unsigned char *)g.p, k, false);
		vg_unguard(&g);
	}
}
END_TEST

/* attach_suite - one TCase per behaviour */
static Suite *
attach_suite(void)
{
	Suite *s = suite_create("attach");
	TCase *tc;

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_attach_names, 0,
	    (int)(sizeof(name_cases) / sizeof(name_cases[0])));
	tcase_add_test(tc, test_attach_name_policy);
	suite_add_tcase(s, tc);
	tc = tcase_create("content");
	tcase_add_test(tc, test_attach_sniff);
	tcase_add_loop_test(tc, test_attach_content, 0,
	    (int)(sizeof(content_cases) / sizeof(content_cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("archives");
	tcase_add_test(tc, test_attach_zip_members);
	tcase_add_test(tc, test_attach_zip_nested);
	tcase_add_test(tc, test_attach_unscannable);
	tcase_add_test(tc, test_attach_zip_encrypted);
	tcase_add_test(tc, test_attach_archive_limits);
	tcase_add_test(tc, test_attach_tar_gz);
	tcase_add_test(tc, test_attach_broken);
	tcase_add_test(tc, test_attach_report_stops);
	tcase_add_test(tc, test_attach_enomem);
	tcase_add_test(tc, test_attach_guard_page);
	suite_add_tcase(s, tc);
	tc = tcase_create("messages");
	tcase_add_test(tc, test_attach_corpus_double_ext);
	tcase_add_test(tc, test_attach_check_ops);
	tcase_add_test(tc, test_attach_message_zip);
	tcase_add_test(tc, test_attach_message_txt_exe);
	suite_add_tcase(s, tc);
	return s;
}

VG_CHECK_MAIN(attach_suite)
