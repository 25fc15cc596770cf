/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach - dangerous-attachment detection: names, types, content, archives.
 *
 * PURPOSE  The pure part of the attachment policy (check_attach.c runs it
 *	    over a message's parts).  It finds, for one attachment:
 *	    ATTACH_BANNED_EXT    the file name ends in a banned extension
 *	                         (trailing dots and blanks ignored, as
 *	                         Windows ignores them);
 *	    ATTACH_DOUBLE_EXT    a banned extension hides behind another one
 *	                         (invoice.pdf.exe) or behind padding: blanks,
 *	                         underscores or a run of dots before it;
 *	    ATTACH_RTLO          the name holds a Unicode bidirectional
 *	                         control (U+202E RIGHT-TO-LEFT OVERRIDE and
 *	                         kin) that makes "fdp.exe" read "exe.pdf";
 *	    ATTACH_BANNED_TYPE   the declared Content-Type is banned;
 *	    ATTACH_EXEC_CONTENT  the bytes are a program whatever the name:
 *	                         PE ("MZ" and a PE header), ELF, Mach-O, or a
 *	                         Windows shortcut (.lnk magic);
 *	    ATTACH_TYPE_MISMATCH a program or a script (#!) disguised by a
 *	                         document or image name or declared type (a
 *	                         ".txt" that is really an executable);
 *	    ATTACH_ENCRYPTED_ARCHIVE an archive with an encrypted member,
 *	                         which no scanner can look into;
 *	    ATTACH_ARCHIVE_LIMIT an archive too deep, too large or with too
 *	                         many members to examine whole;
 *	    ATTACH_ARCHIVE_BROKEN an archive libarchive cannot read to its
 *	                         end (what it read was still examined);
 *	    ATTACH_UNSCANNABLE   compressed in a format libclamav 1.4 cannot
 *	                         unpack (zstd, lz4, lzip, lzop, Unix
 *	                         compress), so a virus inside it is never
 *	                         seen: the verdict treats the virus scan as
 *	                         incomplete (unscanned_action);
 *	    ATTACH_ZIP_TRUNCATED a zip without its end-of-central-directory
 *	                         record: libclamav then reads it by its local
 *	                         headers and (measured) scans no deflated
 *	                         member, while repair tools extract them; the
 *	                         virus scan counts as incomplete too.
 *	    Archives (zip, rar, 7z, tar, cab, and gzip/bzip2/xz streams)
 *	    are opened with libarchive and every member gets the name and
 *	    content checks, nested archives too, within the limits below.
 * OWNS     struct vg_attach_policy is built by policy_parse.c from the
 *	    rules file and owned by struct vg_policy.  vg_attach_scan()
 *	    reports through a callback and keeps nothing.
 * LIMITS   attach_archive_depth, attach_archive_members,
 *	    attach_member_bytes, attach_archive_bytes (vigil.conf(5)); at
 *	    each, the rest of the archive is not examined and
 *	    ATTACH_ARCHIVE_LIMIT is reported.  A name longer than
 *	    VG_ATTACH_NAME_MAX bytes is examined by its first and its last
 *	    VG_ATTACH_NAME_MAX bytes (bidirectional controls), and by its
 *	    last ones for extensions, where the extension is.
 * ERRORS   VG_ENOMEM; a malformed archive is a finding, not an error.
 * THREADS  Reentrant; a policy is read-only once built.
 */
#ifndef VG_ATTACH_H
#define VG_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_ATTACH_NAME_MAX  1024 /* bytes of a file name examined */
#define VG_ATTACH_SNIFF_MAX 4096 /* bytes of content examined for its type */

enum vg_attach_sym {
	VG_ATTACH_BANNED_EXT,
	VG_ATTACH_DOUBLE_EXT,
	VG_ATTACH_RTLO,
	VG_ATTACH_BANNED_TYPE,
	VG_ATTACH_EXEC_CONTENT,
	VG_ATTACH_TYPE_MISMATCH,
	VG_ATTACH_ENCRYPTED_ARCHIVE,
	VG_ATTACH_ARCHIVE_LIMIT,
	VG_ATTACH_ARCHIVE_BROKEN,
	VG_ATTACH_UNSCANNABLE,
	VG_ATTACH_ZIP_TRUNCATED,
	VG_ATTACH_SYM_MAX,
};

#define VG_ATTACH_BIT(sym) (1u << (sym))

/* What a finding does to the message (attach_action). */
enum vg_attach_act {
	VG_ATTACH_ACT_SCORE,      /* only the symbol's score */
	VG_ATTACH_ACT_REJECT,     /* 550 5.7.1 ... not allowed: NAME */
	VG_ATTACH_ACT_QUARANTINE, /* the MTA's hold queue */
};

/* The real type of some bytes, from their first bytes. */
enum vg_filetype {
	VG_FILE_UNKNOWN,
	VG_FILE_PE, /* MZ + PE\0\0 (or MZ, when the header is cut off) */
	VG_FILE_ELF,
	VG_FILE_MACHO,  /* thin or universal */
	VG_FILE_LNK,    /* Windows shortcut */
	VG_FILE_SCRIPT, /* #! */
	VG_FILE_OLE,    /* OLE2 compound file: MSI, old Office */
	VG_FILE_ZIP,
	VG_FILE_RAR,
	VG_FILE_7Z,
	VG_FILE_CAB,
	VG_FILE_TAR,
	VG_FILE_GZIP,
	VG_FILE_BZIP2,
	VG_FILE_XZ,
	VG_FILE_PDF,
	VG_FILE_IMAGE, /* PNG, JPEG, GIF */
	/* Compressed streams libclamav 1.4 does not unpack. */
	VG_FILE_ZSTD,
	VG_FILE_LZ4,
	VG_FILE_LZIP,
	VG_FILE_LZOP,
	VG_FILE_COMPRESS, /* Unix compress, .Z */
};

struct vg_attach_policy {
	char **ban_ext; /* lower case, no dot */
	size_t nban_ext;
	char **ban_type; /* lower case "type/subtype" or "type/" + '*' */
	size_t nban_type;
	enum vg_attach_act act[VG_ATTACH_SYM_MAX];
};

struct vg_attach_limits {
	unsigned archive_depth;   /* 0: archives are not opened */
	unsigned archive_members; /* per attachment, nested included */
	uint64_t member_bytes;    /* read from one member */
	uint64_t archive_bytes;   /* read from all members of one attachment */
};

/* vg_attach_sym_name - "ATTACH_BANNED_EXT", ...; static */
const char *vg_attach_sym_name(enum vg_attach_sym sym);
/* vg_attach_sym_parse - name to symbol; 0 or VG_EINVAL */
int vg_attach_sym_parse(enum vg_attach_sym *out, const char *name);
/* vg_filetype_name - "pe", "elf", ... for details and logs; static */
const char *vg_filetype_name(enum vg_filetype type);

/*
 * vg_attach_policy_init - the built-in policy: the default banned
 * extensions and types (vigil.rules(5) lists them), reject for every
 * finding but ATTACH_ENCRYPTED_ARCHIVE, ATTACH_ARCHIVE_LIMIT,
 * ATTACH_ARCHIVE_BROKEN and ATTACH_UNSCANNABLE, which only score.
 * VG_ENOMEM (then fini is still safe).
 */
int vg_attach_policy_init(struct vg_attach_policy *pol);
/* vg_attach_policy_fini - free the lists */
void vg_attach_policy_fini(struct vg_attach_policy *pol);
/*
 * vg_attach_policy_ban_ext / _ban_type - add (ban true) or remove one
 * entry.  VG_EINVAL with a static reason in *why; VG_ENOMEM.
 */
int vg_attach_policy_ban_ext(
    struct vg_attach_policy *pol, const char *ext, bool ban, const char **why);
int vg_attach_policy_ban_type(
    struct vg_attach_policy *pol, const char *type, bool ban, const char **why);
/* vg_attach_ext_banned - is ext (any case, no dot) banned */
bool vg_attach_ext_banned(const struct vg_attach_policy *pol, const char *ext);
/* vg_attach_type_banned - is the declared content type banned */
bool vg_attach_type_banned(
    const struct vg_attach_policy *pol, const char *type);

/*
 * vg_attach_limits_default - the vigil.conf defaults (the check fills
 * the real values from the config).
 */
void vg_attach_limits_default(struct vg_attach_limits *out);

/* vg_attach_name - VG_ATTACH_BIT()s of the name findings for name */
unsigned vg_attach_name(const struct vg_attach_policy *pol, const char *name);

/*
 * vg_attach_sniff - the type of data (len bytes; cut says more followed
 * that is not here, which matters for a PE header far into the file).
 */
enum vg_filetype vg_attach_sniff(const void *data, size_t len, bool cut);

/*
 * vg_attach_content - VG_ATTACH_BIT()s of the content findings for data
 * of type type under name (may be NULL) and declared content type ctype
 * (may be NULL).
 */
unsigned vg_attach_content(
    enum vg_filetype type, const char *name, const char *ctype);

/* vg_attach_is_archive - would vg_attach_scan() open this type */
bool vg_attach_is_archive(enum vg_filetype type);

/*
 * One finding.  name is the attachment's name, or "archive/member" for a
 * member (sanitise it before display); it is borrowed for the call.
 * Return 0 to go on, or a VG_E* code to stop the scan with that code.
 */
typedef int (*vg_attach_report_fn)(
    void *ctx, enum vg_attach_sym sym, const char *name);

/*
 * vg_attach_scan - every check on one attachment: its name (may be
 * NULL), declared content type (may be NULL) and its decoded bytes,
 * opening archives within lim.  Each finding calls report.  0, VG_ENOMEM
 * or the first non-zero code report returned.
 */
int vg_attach_scan(const struct vg_attach_policy *pol,
    const struct vg_attach_limits *lim, const char *name, const char *ctype,
    const void *data, size_t len, vg_attach_report_fn report, void *ctx);

#endif /* VG_ATTACH_H */
