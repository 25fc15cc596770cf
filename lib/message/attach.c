/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach - dangerous-attachment detection: names, types, content, archives.
 *
 * Names are judged the way Windows will show and run them: trailing dots
 * and blanks are dropped, the extension is what follows the last dot, and
 * the part before it is where double extensions and padding hide.  The
 * content is judged by its first bytes only, so a member of an archive
 * costs VG_ATTACH_SNIFF_MAX bytes of decompression unless it is itself an
 * archive that must be opened; that, and the byte budgets in struct
 * vg_attach_limits, is what keeps a zip bomb from costing more than the
 * configured bytes.
 */
#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "message/attach.h"
#include "base/compiler.h"
#include "base/err.h"
#include "base/str.h"

#define ATTACH_EXT_MAX 32 /* longer "extensions" are not extensions */

static const char *const sym_names[VG_ATTACH_SYM_MAX] = {
    [VG_ATTACH_BANNED_EXT] = "ATTACH_BANNED_EXT",
    [VG_ATTACH_DOUBLE_EXT] = "ATTACH_DOUBLE_EXT",
    [VG_ATTACH_RTLO] = "ATTACH_RTLO",
    [VG_ATTACH_BANNED_TYPE] = "ATTACH_BANNED_TYPE",
    [VG_ATTACH_EXEC_CONTENT] = "ATTACH_EXEC_CONTENT",
    [VG_ATTACH_TYPE_MISMATCH] = "ATTACH_TYPE_MISMATCH",
    [VG_ATTACH_ENCRYPTED_ARCHIVE] = "ATTACH_ENCRYPTED_ARCHIVE",
    [VG_ATTACH_ARCHIVE_LIMIT] = "ATTACH_ARCHIVE_LIMIT",
    [VG_ATTACH_ARCHIVE_BROKEN] = "ATTACH_ARCHIVE_BROKEN",
    [VG_ATTACH_UNSCANNABLE] = "ATTACH_UNSCANNABLE",
    [VG_ATTACH_ZIP_TRUNCATED] = "ATTACH_ZIP_TRUNCATED",
};

/*
 * The default banned extensions: MIMEDefang's bad_exts and the list
 * Gmail refuses, less the ones that are mostly harmless data on a Unix
 * desk (ini, sh) - programs, scripts, shortcuts, installers, disk images
 * and Office add-ins, every one of which Windows runs on a double click.
 */
static const char *const default_ext[] = {"ade", "adp", "app", "appx",
    "appxbundle", "asp", "bas", "bat", "cab", "chm", "cmd", "com", "cpl", "crt",
    "dll", "exe", "hlp", "hta", "inf", "ins", "iso", "img", "isp", "jar",
    "jnlp", "js", "jse", "lib", "lnk", "mde", "msc", "msi", "msix", "msp",
    "mst", "nsh", "ocx", "pif", "ps1", "reg", "scr", "sct", "shb", "shs", "sys",
    "url", "vb", "vbe", "vbs", "vhd", "vxd", "wsc", "wsf", "wsh", "xll"};

/* The default banned declared types: the names programs are sent under. */
static const char *const default_type[] = {"application/x-msdownload",
    "application/x-msdos-program", "application/x-dosexec",
    "application/x-ms-dos-executable", "application/x-executable",
    "application/vnd.microsoft.portable-executable", "application/x-msi",
    "application/x-ms-installer", "application/x-ms-shortcut",
    "application/hta", "application/x-ms-application"};

/*
 * Extensions of documents, images and media: what a program pretends to
 * be.  They make "invoice.pdf.exe" a double extension and a program
 * named "notes.txt" a type mismatch.  Scripts are text, so for them the
 * text-like ones (the first VG_NELEM(text_ext)) do not count.
 */
static const char *const text_ext[] = {
    "txt", "text", "log", "csv", "htm", "html", "xml", "md"};
static const char *const decoy_ext[] = {"pdf", "doc", "docx", "docm", "xls",
    "xlsx", "xlsm", "ppt", "pptx", "odt", "ods", "odp", "rtf", "jpg", "jpeg",
    "png", "gif", "bmp", "tif", "tiff", "webp", "svg", "zip", "rar", "7z",
    "mp3", "mp4", "wav", "avi", "mov", "mpg", "eml"};

/* vg_attach_sym_name - the symbol's name */
const char *
vg_attach_sym_name(enum vg_attach_sym sym)
{
	return sym < VG_ATTACH_SYM_MAX ? sym_names[sym] : "ATTACH_UNKNOWN";
}

/* vg_attach_sym_parse - a symbol from its name */
int
vg_attach_sym_parse(enum vg_attach_sym *out, const char *name)
{
	for (int i = 0; i < VG_ATTACH_SYM_MAX; i++) {
		if (strcmp(sym_names[i], name) == 0) {
			*out = (enum vg_attach_sym)i;
			return 0;
		}
	}
	return VG_EINVAL;
}

/* vg_filetype_name - short lower-case name of a type */
const char *
vg_filetype_name(enum vg_filetype type)
{
	switch (type) {
	case VG_FILE_UNKNOWN:
		return "unknown";
	case VG_FILE_PE:
		return "pe";
	case VG_FILE_ELF:
		return "elf";
	case VG_FILE_MACHO:
		return "mach-o";
	case VG_FILE_LNK:
		return "lnk";
	case VG_FILE_SCRIPT:
		return "script";
	case VG_FILE_OLE:
		return "ole";
	case VG_FILE_ZIP:
		return "zip";
	case VG_FILE_RAR:
		return "rar";
	case VG_FILE_7Z:
		return "7z";
	case VG_FILE_CAB:
		return "cab";
	case VG_FILE_TAR:
		return "tar";
	case VG_FILE_GZIP:
		return "gzip";
	case VG_FILE_BZIP2:
		return "bzip2";
	case VG_FILE_XZ:
		return "xz";
	case VG_FILE_PDF:
		return "pdf";
	case VG_FILE_IMAGE:
		return "image";
	case VG_FILE_ZSTD:
		return "zstd";
	case VG_FILE_LZ4:
		return "lz4";
	case VG_FILE_LZIP:
		return "lzip";
	case VG_FILE_LZOP:
		return "lzop";
	case VG_FILE_COMPRESS:
		return "compress";
	}
	return "unknown";
}

/* attach_lower - ASCII lower case of one byte */
static char
attach_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* attach_in - is s (len bytes, any case) one of the n words of set */
static bool
attach_in(const char *const *set, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(set[i]) == len && strncasecmp(set[i], s, len) == 0)
			return true;
	return false;
}

/* attach_list_find - index of s in a policy list, or n */
static size_t
attach_list_find(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return n;
}

/* attach_list_set - add (ban) or remove a lower-cased copy of s */
static int
attach_list_set(char ***list, size_t *n, const char *s, bool ban)
{
	char *copy, **grown;
	size_t at;

	if ((copy = vg_strdup(s)) == NULL)
		return VG_ENOMEM;
	for (char *p = copy; *p != '\0'; p++)
		*p = attach_lower(*p);
	at = attach_list_find(*list, *n, copy);
	if (!ban) {
		if (at < *n) {
			vg_free((*list)[at]);
			(*list)[at] = (*list)[*n - 1];
			(*n)--;
		}
		vg_free(copy);
		return 0;
	}
	if (at < *n) {
		vg_free(copy);
		return 0;
	}
	grown = vg_reallocarray(*list, *n + 1, sizeof(**list));
	if (grown == NULL) {
		vg_free(copy);
		return VG_ENOMEM;
	}
	*list = grown;
	(*list)[(*n)++] = copy;
	return 0;
}

/* vg_attach_policy_init - the built-in policy */
int
vg_attach_policy_init(struct vg_attach_policy *pol)
{
	int rc = 0;

	memset(pol, 0, sizeof(*pol));
	for (int i = 0; i < VG_ATTACH_SYM_MAX; i++)
		pol->act[i] = VG_ATTACH_ACT_REJECT;
	pol->act[VG_ATTACH_ENCRYPTED_ARCHIVE] = VG_ATTACH_ACT_SCORE;
	pol->act[VG_ATTACH_ARCHIVE_LIMIT] = VG_ATTACH_ACT_SCORE;
	pol->act[VG_ATTACH_ARCHIVE_BROKEN] = VG_ATTACH_ACT_SCORE;
	/* unscanned_action decides, in the verdict. */
	pol->act[VG_ATTACH_UNSCANNABLE] = VG_ATTACH_ACT_SCORE;
	pol->act[VG_ATTACH_ZIP_TRUNCATED] = VG_ATTACH_ACT_SCORE;
	for (size_t i = 0; rc == 0 && i < VG_NELEM(default_ext); i++)
		rc = attach_list_set(
		    &pol->ban_ext, &pol->nban_ext, default_ext[i], true);
	for (size_t i = 0; rc == 0 && i < VG_NELEM(default_type); i++)
		rc = attach_list_set(
		    &pol->ban_type, &pol->nban_type, default_type[i], true);
	return rc;
}

/* vg_attach_policy_fini - free both lists */
void
vg_attach_policy_fini(struct vg_attach_policy *pol)
{
	for (size_t i = 0; i < pol->nban_ext; i++)
		vg_free(pol->ban_ext[i]);
	for (size_t i = 0; i < pol->nban_type; i++)
		vg_free(pol->ban_type[i]);
	vg_free(pol->ban_ext);
	vg_free(pol->ban_type);
	pol->ban_ext = pol->ban_type = NULL;
	pol->nban_ext = pol->nban_type = 0;
}

/* vg_attach_policy_ban_ext - "exe" or ".exe": letters, digits, _ and - */
int
vg_attach_policy_ban_ext(
    struct vg_attach_policy *pol, const char *ext, bool ban, const char **why)
{
	size_t len;

	if (ext[0] == '.')
		ext++;
	len = strlen(ext);
	if (len == 0 || len > ATTACH_EXT_MAX) {
		*why = "an extension is 1 to 32 characters";
		return VG_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)ext[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		        c == '~' || c == '$')) {
			*why = "an extension holds letters, digits, _ - ~ $";
			return VG_EINVAL;
		}
	}
	return attach_list_set(&pol->ban_ext, &pol->nban_ext, ext, ban);
}

/* vg_attach_policy_ban_type - "type/subtype" or "type/" + '*' */
int
vg_attach_policy_ban_type(
    struct vg_attach_policy *pol, const char *type, bool ban, const char **why)
{
	const char *slash = strchr(type, '/');
	size_t len = strlen(type);

	if (slash == NULL || slash == type || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL || len > 255) {
		*why = "want type/subtype or type/*";
		return VG_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)type[i];

		if (c <= ' ' || c >= 0x7f || c == ';' || c == '"' ||
		    (c == '*' && !(i == len - 1 && type[i - 1] == '/'))) {
			*why = "want type/subtype or type/*";
			return VG_EINVAL;
		}
	}
	return attach_list_set(&pol->ban_type, &pol->nban_type, type, ban);
}

/* vg_attach_ext_banned - is ext banned */
bool
vg_attach_ext_banned(const struct vg_attach_policy *pol, const char *ext)
{
	size_t len = strlen(ext);

	for (size_t i = 0; i < pol->nban_ext; i++)
		if (strlen(pol->ban_ext[i]) == len &&
		    strncasecmp(pol->ban_ext[i], ext, len) == 0)
			return true;
	return false;
}

/* vg_attach_type_banned - exact type, or "type/" + '*' */
bool
vg_attach_type_banned(const struct vg_attach_policy *pol, const char *type)
{
	if (type == NULL)
		return false;
	for (size_t i = 0; i < pol->nban_type; i++) {
		const char *b = pol->ban_type[i];
		size_t bl = strlen(b);

		if (b[bl - 1] == '*') {
			if (strncasecmp(b, type, bl - 1) == 0)
				return true;
		} else if (strcasecmp(b, type) == 0) {
			return true;
		}
	}
	return false;
}

/* vg_attach_limits_default - the vigil.conf defaults */
void
vg_attach_limits_default(struct vg_attach_limits *out)
{
	out->archive_depth = 3;
	out->archive_members = 1000;
	out->member_bytes = 16u * 1024 * 1024;
	out->archive_bytes = 64u * 1024 * 1024;
}

/*
 * attach_bidi - true if s holds a Unicode bidirectional control in UTF-8:
 * U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069.
 */
static bool
attach_bidi(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] == 0xd8 && s[i + 1] == 0x9c)
			return true;
		if (i + 2 >= len || s[i] != 0xe2)
			continue;
		if (s[i + 1] == 0x80 &&
		    (s[i + 2] == 0x8e || s[i + 2] == 0x8f ||
		        (s[i + 2] >= 0xaa && s[i + 2] <= 0xae)))
			return true;
		if (s[i + 1] == 0x81 && s[i + 2] >= 0xa6 && s[i + 2] <= 0xa9)
			return true;
	}
	return false;
}

/* attach_is_pad - bytes that pad a name out before a hidden extension */
static bool
attach_is_pad(char c)
{
	return c == ' ' || c == '\t' || c == '_' || c == '.';
}

/*
 * attach_split - the base name of name (after the last / or \), its last
 * VG_ATTACH_NAME_MAX bytes when it is longer, without trailing dots and
 * blanks, in buf; the extension's offset in *ext (== *len when there is
 * none).  The end is kept because the extension is there: a name padded
 * past the limit must not hide its ".js" (a mail client that shortens
 * the name to save it keeps the extension).
 */
static size_t
attach_split(char *buf, size_t size, const char *name, size_t *ext)
{
	const char *base = name;
	size_t len, dot;

	for (const char *p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	len = strlen(base);
	if (len > size - 1) {
		base += len - (size - 1);
		len = size - 1;
	}
	memcpy(buf, base, len);
	buf[len] = '\0';
	while (len > 0 &&
	    (buf[len - 1] == '.' || buf[len - 1] == ' ' ||
	        buf[len - 1] == '\t'))
		buf[--len] = '\0';
	*ext = len;
	for (dot = len; dot > 0; dot--) {
		if (buf[dot - 1] == '.') {
			if (len - dot <= ATTACH_EXT_MAX)
				*ext = dot;
			break;
		}
	}
	return len;
}

/* vg_attach_name - the name findings */
unsigned
vg_attach_name(const struct vg_attach_policy *pol, const char *name)
{
	char buf[VG_ATTACH_NAME_MAX + 1];
	size_t len, ext, prev, end;
	unsigned bits = 0;

	if (name == NULL || name[0] == '\0')
		return 0;
	len = attach_split(buf, sizeof(buf), name, &ext);
	/* The start of the name and its (last) VG_ATTACH_NAME_MAX bytes. */
	if (attach_bidi((const unsigned char *)name,
	        strnlen(name, VG_ATTACH_NAME_MAX)) ||
	    attach_bidi((const unsigned char *)buf, len))
		bits |= VG_ATTACH_BIT(VG_ATTACH_RTLO);
	if (ext == len || !vg_attach_ext_banned(pol, buf + ext))
		return bits;
	bits |= VG_ATTACH_BIT(VG_ATTACH_BANNED_EXT);

	/* What comes before ".exe": padding, or a decoy extension. */
	end = ext - 1;
	if (end >= 1 && attach_is_pad(buf[end - 1]) &&
	    (buf[end - 1] != '_' ||
	        (end >= 3 && buf[end - 2] == '_' && buf[end - 3] == '_')))
		return bits | VG_ATTACH_BIT(VG_ATTACH_DOUBLE_EXT);
	for (prev = end; prev > 0 && buf[prev - 1] != '.'; prev--)
		;
	if (prev > 1 &&
	    attach_in(decoy_ext, VG_NELEM(decoy_ext), buf + prev, end - prev))
		bits |= VG_ATTACH_BIT(VG_ATTACH_DOUBLE_EXT);
	else if (prev > 1 &&
	    attach_in(text_ext, VG_NELEM(text_ext), buf + prev, end - prev))
		bits |= VG_ATTACH_BIT(VG_ATTACH_DOUBLE_EXT);
	return bits;
}

/* attach_le32 - little-endian 32-bit value at p */
static uint32_t
attach_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* attach_be32 - big-endian 32-bit value at p */
static uint32_t
attach_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* attach_starts - do the len bytes at d start with the n bytes of m */
static bool
attach_starts(const unsigned char *d, size_t len, const void *m, size_t n)
{
	return len >= n && memcmp(d, m, n) == 0;
}

/* vg_attach_sniff - the type from the first bytes */
enum vg_filetype
vg_attach_sniff(const void *data, size_t len, bool cut)
{
	const unsigned char *d = data;

	if (d == NULL || len < 2)
		return VG_FILE_UNKNOWN;
	if (d[0] == 'M' && d[1] == 'Z') {
		/* e_lfanew at 0x3c points at "PE\0\0". */
		if (len >= 0x40) {
			uint32_t off = attach_le32(d + 0x3c);

			if (off <= len - 4 && off >= 0x40 &&
			    memcmp(d + off, "PE\0\0", 4) == 0)
				return VG_FILE_PE;
			if (off > len - 4 && cut && off < 0x10000000)
				return VG_FILE_PE;
		}
		return VG_FILE_UNKNOWN;
	}
	if (attach_starts(d, len,
	        "\x7f"
	        "ELF",
	        4))
		return VG_FILE_ELF;
	if (len >= 4) {
		uint32_t m = attach_be32(d);

		if (m == 0xfeedfaceu || m == 0xfeedfacfu || m == 0xcefaedfeu ||
		    m == 0xcffaedfeu)
			return VG_FILE_MACHO;
		/* 0xcafebabe is Java too: its version, read as a count of
		 * architectures, is 45 or more. */
		if (m == 0xcafebabeu && len >= 8 && attach_be32(d + 4) > 0 &&
		    attach_be32(d + 4) < 45)
			return VG_FILE_MACHO;
	}
	if (attach_starts(d, len, "\x4c\x00\x00\x00\x01\x14\x02\x00", 8))
		return VG_FILE_LNK;
	if (d[0] == '#' && d[1] == '!')
		return VG_FILE_SCRIPT;
	if (attach_starts(d, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return VG_FILE_OLE;
	if (attach_starts(d, len, "PK\x03\x04", 4) ||
	    attach_starts(d, len, "PK\x05\x06", 4) ||
	    attach_starts(d, len, "PK\x07\x08", 4))
		return VG_FILE_ZIP;
	if (attach_starts(d, len, "Rar!\x1a\x07", 6))
		return VG_FILE_RAR;
	if (attach_starts(d, len, "7z\xbc\xaf\x27\x1c", 6))
		return VG_FILE_7Z;
	if (attach_starts(d, len, "MSCF\0\0\0\0", 8))
		return VG_FILE_CAB;
	if (len >= 262 && memcmp(d + 257, "ustar", 5) == 0)
		return VG_FILE_TAR;
	if (attach_starts(d, len, "\x1f\x8b", 2))
		return VG_FILE_GZIP;
	if (attach_starts(d, len, "BZh", 3) && len >= 4 && d[3] >= '1' &&
	    d[3] <= '9')
		return VG_FILE_BZIP2;
	if (attach_starts(d, len,
	        "\xfd"
	        "7zXZ\0",
	        6))
		return VG_FILE_XZ;
	if (attach_starts(d, len, "\x28\xb5\x2f\xfd", 4))
		return VG_FILE_ZSTD;
	if (attach_starts(d, len, "\x04\x22\x4d\x18", 4))
		return VG_FILE_LZ4;
	if (attach_starts(d, len, "LZIP", 4))
		return VG_FILE_LZIP;
	if (attach_starts(d, len, "\x89LZO\0\r\n\x1a\n", 9))
		return VG_FILE_LZOP;
	/* compress(1): the magic, then a flags byte of 9 to 16 bits. */
	if (attach_starts(d, len, "\x1f\x9d", 2) && len >= 3 &&
	    (d[2] & 0x1f) >= 9 && (d[2] & 0x1f) <= 16)
		return VG_FILE_COMPRESS;
	if (attach_starts(d, len, "%PDF-", 5))
		return VG_FILE_PDF;
	if (attach_starts(d, len, "\x89PNG\r\n\x1a\n", 8) ||
	    attach_starts(d, len, "\xff\xd8\xff", 3) ||
	    attach_starts(d, len, "GIF87a", 6) ||
	    attach_starts(d, len, "GIF89a", 6))
		return VG_FILE_IMAGE;
	return VG_FILE_UNKNOWN;
}

/* attach_ctype_harmless - a declared type a program hides behind */
static bool
attach_ctype_harmless(const char *ctype, bool text_counts)
{
	if (ctype == NULL)
		return false;
	if (strncasecmp(ctype, "text/", 5) == 0)
		return text_counts;
	return strncasecmp(ctype, "image/", 6) == 0 ||
	    strncasecmp(ctype, "audio/", 6) == 0 ||
	    strncasecmp(ctype, "video/", 6) == 0 ||
	    strcasecmp(ctype, "application/pdf") == 0 ||
	    strcasecmp(ctype, "application/msword") == 0 ||
	    strncasecmp(ctype, "application/vnd.openxmlformats", 30) == 0 ||
	    strncasecmp(ctype, "application/vnd.oasis.opendocument", 34) == 0 ||
	    strncasecmp(ctype, "application/vnd.ms-", 19) == 0;
}

/* vg_attach_content - the content findings */
unsigned
vg_attach_content(enum vg_filetype type, const char *name, const char *ctype)
{
	char buf[VG_ATTACH_NAME_MAX + 1];
	size_t len = 0, ext = 0;
	bool binary = false, decoy = false, text = false;
	unsigned bits = 0;

	switch (type) {
	case VG_FILE_PE:
	case VG_FILE_ELF:
	case VG_FILE_MACHO:
	case VG_FILE_LNK:
		binary = true;
		bits |= VG_ATTACH_BIT(VG_ATTACH_EXEC_CONTENT);
		break;
	case VG_FILE_SCRIPT:
		binary = false;
		break;
	case VG_FILE_UNKNOWN:
	case VG_FILE_OLE:
	case VG_FILE_ZIP:
	case VG_FILE_RAR:
	case VG_FILE_7Z:
	case VG_FILE_CAB:
	case VG_FILE_TAR:
	case VG_FILE_GZIP:
	case VG_FILE_BZIP2:
	case VG_FILE_XZ:
	case VG_FILE_PDF:
	case VG_FILE_IMAGE:
		return 0;
	case VG_FILE_ZSTD:
	case VG_FILE_LZ4:
	case VG_FILE_LZIP:
	case VG_FILE_LZOP:
	case VG_FILE_COMPRESS:
		return VG_ATTACH_BIT(VG_ATTACH_UNSCANNABLE);
	}
	if (name != NULL) {
		len = attach_split(buf, sizeof(buf), name, &ext);
		if (ext < len) {
			decoy = attach_in(decoy_ext, VG_NELEM(decoy_ext),
			    buf + ext, len - ext);
			text = attach_in(
			    text_ext, VG_NELEM(text_ext), buf + ext, len - ext);
		}
	}
	if (decoy || (binary && text) || attach_ctype_harmless(ctype, binary))
		bits |= VG_ATTACH_BIT(VG_ATTACH_TYPE_MISMATCH);
	return bits;
}

/* vg_attach_is_archive - types libarchive opens for us */
bool
vg_attach_is_archive(enum vg_filetype type)
{
	switch (type) {
	case VG_FILE_ZIP:
	case VG_FILE_RAR:
	case VG_FILE_7Z:
	case VG_FILE_CAB:
	case VG_FILE_TAR:
	case VG_FILE_GZIP:
	case VG_FILE_BZIP2:
	case VG_FILE_XZ:
		return true;
	case VG_FILE_UNKNOWN:
	case VG_FILE_PE:
	case VG_FILE_ELF:
	case VG_FILE_MACHO:
	case VG_FILE_LNK:
	case VG_FILE_SCRIPT:
	case VG_FILE_OLE:
	case VG_FILE_PDF:
	case VG_FILE_IMAGE:
	case VG_FILE_ZSTD:
	case VG_FILE_LZ4:
	case VG_FILE_LZIP:
	case VG_FILE_LZOP:
	case VG_FILE_COMPRESS:
		return false;
	}
	return false;
}

/* One attachment's scan: the budgets it shares across nesting levels. */
struct attach_scan {
	const struct vg_attach_policy *pol;
	const struct vg_attach_limits *lim;
	vg_attach_report_fn report;
	void *ctx;
	unsigned members;    /* examined so far, nested included */
	uint64_t bytes;      /* read so far, nested included */
	bool limit_reported; /* ATTACH_ARCHIVE_LIMIT once is enough */
};

/* attach_report_bits - one report per bit set */
static int
attach_report_bits(struct attach_scan *sc, unsigned bits, const char *name)
{
	int rc;

	for (int i = 0; i < VG_ATTACH_SYM_MAX; i++) {
		if ((bits & VG_ATTACH_BIT(i)) == 0)
			continue;
		if (i == VG_ATTACH_ARCHIVE_LIMIT) {
			if (sc->limit_reported)
				continue;
			sc->limit_reported = true;
		}
		rc = sc->report(sc->ctx, (enum vg_attach_sym)i, name);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int attach_archive(struct attach_scan *sc, const char *outer,
    enum vg_filetype type, const void *data, size_t len, unsigned depth);

/*
 * attach_read_member - append the current member's bytes to *buf (grown
 * as needed) from offset *got until it holds want bytes or the member
 * ends.  *bad says libarchive failed.  0 or VG_ENOMEM.
 */
static int
attach_read_member(struct attach_scan *sc, struct archive *a,
    unsigned char **buf, size_t *cap, size_t want, size_t *got, bool *bad)
{
	la_ssize_t n;

	*bad = false;
	while (*got < want) {
		if (*got == *cap) {
			size_t ncap =
			    *cap == 0 ? VG_ATTACH_SNIFF_MAX : *cap * 2;
			unsigned char *p;

			if (ncap > want)
				ncap = want;
			if ((p = vg_realloc(*buf, ncap)) == NULL)
				return VG_ENOMEM;
			*buf = p;
			*cap = ncap;
		}
		n = archive_read_data(a, *buf + *got, *cap - *got);
		if (n < 0) {
			*bad = true;
			return 0;
		}
		if (n == 0)
			return 0;
		*got += (size_t)n;
		sc->bytes += (uint64_t)n;
	}
	return 0;
}

/* attach_budget - bytes the attachment may still read, at most cap */
static size_t
attach_budget(const struct attach_scan *sc, uint64_t cap)
{
	uint64_t left = sc->lim->archive_bytes > sc->bytes
	    ? sc->lim->archive_bytes - sc->bytes
	    : 0;

	if (left > cap)
		left = cap;
	return left > SIZE_MAX ? SIZE_MAX : (size_t)left;
}

/* attach_member - the checks on one member of an archive */
static int
attach_member(struct attach_scan *sc, struct archive *a,
    struct archive_entry *e, const char *outer, bool raw, unsigned depth,
    unsigned char **buf, size_t *cap)
{
	const char *mname = archive_entry_pathname_utf8(e);
	char shown[VG_ATTACH_NAME_MAX + 1];
	enum vg_filetype type;
	unsigned bits = 0;
	size_t want, got = 0;
	bool bad, cut;
	int rc;

	if (mname == NULL)
		mname = archive_entry_pathname(e);
	if (mname == NULL || raw)
		mname = "";
	(void)vg_str_fmt(shown, sizeof(shown), "%s/%s", outer, mname);
	bits |= vg_attach_name(sc->pol, mname);
	if (archive_entry_filetype(e) != AE_IFREG && !raw)
		return attach_report_bits(sc, bits, shown);
	if (archive_entry_is_encrypted(e)) {
		bits |= VG_ATTACH_BIT(VG_ATTACH_ENCRYPTED_ARCHIVE);
		return attach_report_bits(sc, bits, shown);
	}

	/* The first bytes of every member; all of a nested archive. */
	want = attach_budget(sc,
	    sc->lim->member_bytes < VG_ATTACH_SNIFF_MAX ? sc->lim->member_bytes
	                                                : VG_ATTACH_SNIFF_MAX);
	if ((rc = attach_read_member(sc, a, buf, cap, want, &got, &bad)) != 0)
		return rc;
	if (bad)
		bits |= archive_entry_is_data_encrypted(e)
		    ? VG_ATTACH_BIT(VG_ATTACH_ENCRYPTED_ARCHIVE)
		    : VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_BROKEN);
	cut = bad || got == want;
	type = vg_attach_sniff(*buf, got, cut);
	bits |= vg_attach_content(type, raw ? NULL : mname, NULL);
	if (!vg_attach_is_archive(type) || bad)
		return attach_report_bits(sc, bits, shown);
	if (depth >= sc->lim->archive_depth) {
		bits |= VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_LIMIT);
		return attach_report_bits(sc, bits, shown);
	}
	if (cut) {
		unsigned char probe;
		la_ssize_t n;

		want = got +
		    attach_budget(sc,
		        sc->lim->member_bytes > got
		            ? sc->lim->member_bytes - got
		            : 0);
		rc = attach_read_member(sc, a, buf, cap, want, &got, &bad);
		if (rc != 0)
			return rc;
		/* Full: one byte more says whether the member goes on. */
		if (!bad && got == want &&
		    (n = archive_read_data(a, &probe, 1)) != 0)
			bits |= VG_ATTACH_BIT(n < 0 ? VG_ATTACH_ARCHIVE_BROKEN
			                            : VG_ATTACH_ARCHIVE_LIMIT);
		if (bad)
			bits |= VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_BROKEN);
		if (bits &
		    (VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_BROKEN) |
		        VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_LIMIT)))
			return attach_report_bits(sc, bits, shown);
	}
	if ((rc = attach_report_bits(sc, bits, shown)) != 0)
		return rc;
	{
		/* The nested archive keeps its bytes; the caller's buffer
		 * starts again empty. */
		unsigned char *nested = *buf;

		*buf = NULL;
		*cap = 0;
		rc = attach_archive(sc, shown, type, nested, got, depth + 1);
		vg_free(nested);
	}
	return rc;
}

/*
 * attach_zip_has_end - whether a zip ends with its end-of-central-
 * directory record: "PK\5\6" within the last 22 + 65535 (comment) bytes.
 */
static bool
attach_zip_has_end(const unsigned char *d, size_t len)
{
	size_t stop = len > 22 + 65535 ? len - 22 - 65535 : 0;

	if (len < 22)
		return false;
	for (size_t i = len - 22 + 1; i-- > stop;)
		if (d[i] == 'P' && memcmp(d + i, "PK\x05\x06", 4) == 0)
			return true;
	return false;
}

/*
 * attach_archive - open one archive (depth 1 for an attachment) and
 * check each member.
 */
static int
attach_archive(struct attach_scan *sc, const char *outer, enum vg_filetype type,
    const void *data, size_t len, unsigned depth)
{
	struct archive *a;
	struct archive_entry *e;
	unsigned char *buf = NULL;
	size_t cap = 0;
	bool raw =
	    type == VG_FILE_GZIP || type == VG_FILE_BZIP2 || type == VG_FILE_XZ;
	unsigned bits = 0;
	int rc = 0, r;

	if (type == VG_FILE_ZIP && !attach_zip_has_end(data, len))
		bits |= VG_ATTACH_BIT(VG_ATTACH_ZIP_TRUNCATED);
	if ((a = archive_read_new()) == NULL)
		return VG_ENOMEM;
	if (archive_read_support_filter_all(a) != ARCHIVE_OK ||
	    archive_read_support_format_all(a) != ARCHIVE_OK ||
	    (raw && archive_read_support_format_raw(a) != ARCHIVE_OK)) {
		rc = VG_ENOMEM;
		goto out;
	}
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		bits |= VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_BROKEN);
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			/* 7-Zip can encrypt its header: no names at all. */
			bits |= archive_read_has_encrypted_entries(a) > 0
			    ? VG_ATTACH_BIT(VG_ATTACH_ENCRYPTED_ARCHIVE)
			    : VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_BROKEN);
			break;
		}
		if (sc->members >= sc->lim->archive_members ||
		    sc->bytes >= sc->lim->archive_bytes) {
			bits |= VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_LIMIT);
			break;
		}
		sc->members++;
		/* A lone gzip/bzip2/xz stream has no member names. */
		rc = attach_member(sc, a, e, outer,
		    archive_format(a) == ARCHIVE_FORMAT_RAW, depth, &buf, &cap);
		if (rc != 0)
			goto out;
	}
out:
	vg_free(buf);
	archive_read_free(a);
	if (rc == 0)
		rc = attach_report_bits(sc, bits, outer);
	return rc;
}

/* vg_attach_scan - name, declared type, content, then archive members */
int
vg_attach_scan(const struct vg_attach_policy *pol,
    const struct vg_attach_limits *lim, const char *name, const char *ctype,
    const void *data, size_t len, vg_attach_report_fn report, void *ctx)
{
	struct attach_scan sc = {pol, lim, report, ctx, 0, 0, false};
	const char *shown =
	    name != NULL && name[0] != '\0' ? name : "(unnamed)";
	enum vg_filetype type;
	unsigned bits;
	int rc;

	bits = vg_attach_name(pol, name);
	if (vg_attach_type_banned(pol, ctype))
		bits |= VG_ATTACH_BIT(VG_ATTACH_BANNED_TYPE);
	type = vg_attach_sniff(data, len, false);
	bits |= vg_attach_content(type, name, ctype);
	if ((rc = attach_report_bits(&sc, bits, shown)) != 0)
		return rc;
	if (!vg_attach_is_archive(type))
		return 0;
	if (lim->archive_depth == 0)
		return attach_report_bits(
		    &sc, VG_ATTACH_BIT(VG_ATTACH_ARCHIVE_LIMIT), shown);
	return attach_archive(&sc, shown, type, data, len, 1);
}
