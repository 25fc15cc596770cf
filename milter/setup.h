/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * setup - what the daemon needs from the system besides its config: the
 * unix socket's directory (made at start when missing), the run-as user,
 * tmp_dir; and the checks of vigil-milter -t on all three.
 *
 * PURPOSE  A config can be valid and still not work: Debian's Postfix
 *	    runs smtpd chrooted as user postfix, so the socket must sit in
 *	    a directory under /var/spool/postfix that postfix can search,
 *	    and belong to a group postfix is in.  vgm_setup_check() says so
 *	    before the first mail gets 451 4.7.1.
 * OWNS     Nothing (no allocation; paths are copied into fixed buffers).
 * LIMITS   A socket path longer than PATH_MAX is refused by the config
 *	    already; 256 supplementary groups per user are considered.
 * ERRORS   vgm_setup_make_dir() prints why to stderr and returns -1;
 *	    vgm_setup_check() prints one line per problem and returns
 *	    their count.
 * THREADS  Both run in main() before any thread exists.
 */
#ifndef VGM_SETUP_H
#define VGM_SETUP_H

#include <pwd.h>
#include <stdio.h>

#include "base/conf.h"

/* The group whose smtpd connects to the socket (Debian's Postfix). */
#define VGM_SETUP_MTA_USER "postfix"

/* vgm_setup_unix_path - the path of a unix: or local: socket, or NULL */
const char *vgm_setup_unix_path(const char *sock);

/*
 * vgm_setup_make_dir - when the directory of a unix socket path is
 * missing (its parent exists), make it: mode 0750, owned by pw (or the
 * caller) and the postfix group when there is one.  0 also when nothing
 * had to be done.
 */
int vgm_setup_make_dir(const char *path, const struct passwd *pw);

/*
 * vgm_setup_check - for vigil-milter -t: the run-as user exists, the
 * socket's directory exists or can be made by the one starting the
 * daemon (the caller), the postfix user can reach it and the socket,
 * tmp_dir is writable by the run-as user.  Prints "conf_path: what"
 * lines to out; returns how many problems it found.
 */
int vgm_setup_check(const struct vg_conf *c, const char *conf_path, FILE *out);

#endif
