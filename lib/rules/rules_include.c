/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_include - reading rules files: the top file of a load and each
 * "include FILE", whose relative path is taken from the including file's
 * folder.
 *
 * PURPOSE  Read a whole file into memory, bounded, and parse an included
 *	    one in place, with the including file's compat mode.
 * OWNS     The text is the caller's (vg_rules_read_file()) or freed here
 *	    after its lines are parsed (include).
 * LIMITS   A file holds at most VG_RULES_FILE_MAX bytes; includes nest
 *	    VG_RULES_INCLUDE_DEPTH deep; a path is at most 4096 bytes.
 *	    Past each, an error at the include line.
 * ERRORS   vg_rules_read_file(): VG_EIO (errno says why), VG_ELIMIT,
 *	    VG_ENOMEM.  An include that cannot be read is an error at
 *	    file:line and the load goes on.
 * THREADS  One load, one thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "rules/rules_parse_int.h"

/* vg_rules_read_file - whole file into memory; VG_EIO or VG_ELIMIT */
int
vg_rules_read_file(const char *path, char **text_out, size_t *len_out)
{
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc = VG_EIO, saved;

	*text_out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return VG_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((uint64_t)st.st_size > VG_RULES_FILE_MAX) {
		rc = VG_ELIMIT;
		goto out;
	}
	if ((text = vg_malloc((size_t)st.st_size + 1)) == NULL) {
		rc = VG_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	text[got] = '\0';
	*text_out = text;
	*len_out = got;
	text = NULL;
	rc = 0;
out:
	saved = errno;
	vg_free(text);
	close(fd);
	errno = saved;
	return rc;
}

/* vg_rules_include - "include FILE", relative to the including file */
int
vg_rules_include(struct vg_rparse *p, struct vg_rfile *f, char *rest)
{
	struct vg_buf path;
	const char *slash;
	char *text = NULL;
	size_t len = 0;
	int rc;

	vg_rules_rtrim(rest);
	if (*rest == '\0') {
		vg_rules_perr(p, f, "include: missing file name");
		return 0;
	}
	if (f->depth + 1 >= VG_RULES_INCLUDE_DEPTH) {
		vg_rules_perr(p, f, "include %s: nested too deep (limit %u)",
		    rest, (unsigned)VG_RULES_INCLUDE_DEPTH);
		return 0;
	}
	vg_buf_init(&path, 4096);
	slash = strrchr(f->name, '/');
	if (rest[0] != '/' && slash != NULL)
		rc = vg_buf_append(
		    &path, f->name, (size_t)(slash - f->name + 1));
	else
		rc = 0;
	if (rc == 0)
		rc = vg_buf_append_str(&path, rest);
	if (rc == VG_ENOMEM)
		goto out;
	if (rc != 0) {
		vg_rules_perr(p, f, "include %s: path too long", rest);
		rc = 0;
		goto out;
	}
	rc = vg_rules_read_file(vg_buf_cstr(&path), &text, &len);
	if (rc == VG_ENOMEM)
		goto out;
	if (rc != 0) {
		vg_rules_perr(p, f, "include %s: %s", vg_buf_cstr(&path),
		    rc == VG_ELIMIT ? "file too large" : strerror(errno));
		rc = 0;
		goto out;
	}
	rc = vg_rules_parse_text(
	    p, text, len, vg_buf_cstr(&path), f->depth + 1, f->compat);
out:
	vg_free(text);
	vg_buf_fini(&path);
	return rc;
}
