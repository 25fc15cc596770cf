/* SPDX-License-Identifier: GPL-2.0-only */
/* main - options, socket, privileges, signals, smfi_main */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <clamav.h>
#define PCRE2_CODE_UNIT_WIDTH 8

#include "base/alloc.h"
#include "base/conf.h"
#include "core/versions.h"
#include "core/engine.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "base/pool.h"

#include "logsink.h"
#include "current.h"
#include "metrics.h"
#include "notify.h"
#include "session.h"
#include "setup.h"
#include "signals.h"

/*
 * Start-up order matters:
 *   1. configuration and engine (errors reach the terminal, exit 1);
 *   2. smfi_register, then the socket: under umask 0007, then chown and
 *      chmod, while still root (STYLE.md 8.3);
 *   3. drop privileges, then detach (without -f), then switch the log
 *      to syslog: all before any thread exists, because fork() keeps only
 *      the calling thread;
 *   4. block SIGHUP, SIGTERM and SIGINT so every thread created later
 *      inherits the mask; start the worker pool and the reload thread;
 *      run smfi_main in a thread of its own.
 *
 * Signals.  main() is the one thread that takes SIGHUP (reload), SIGTERM
 * and SIGINT (drain, then stop), synchronously with sigtimedwait(); every
 * other thread blocks them.  libmilter's own signal thread, which would
 * stop the milter on any of them, never takes one: libmilter is linked
 * statically with its sigwait() wrapped (signals.c says why and how), and
 * we stop it with smfi_stop().  That is why smfi_main runs in a second
 * thread and not in main().  The wait returns every VGM_SIGNAL_TICK_MS so
 * main() notices when smfi_main returned on its own (a socket error).
 */

#define VGM_NAME          "vigil-milter"
#define VGM_MAX_DATA_SIZE (1024 * 1024 - 1) /* libmilter's 1M packet */
/* Pool jobs one message queues: the virus stage and the score stage. */
#define VGM_JOBS_PER_MESSAGE 2
#define VGM_DRAIN_EXTRA_MS   5000
#define VGM_SIGNAL_TICK_MS   250

struct vgm_opts {
	const char *conf_path;
	bool foreground;
	bool test;
	bool version;
};

/* vgm_usage - print the synopsis and exit 1 */
static void VG_NORETURN
vgm_usage(void)
{
	(void)fprintf(stderr,
	    "usage: " VGM_NAME " [-f] [-t] [-V] [-c config]\n"
	    "  -c FILE  configuration (default " VG_CONF_DEFAULT_PATH ")\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -t       check the configuration and rules, then exit\n"
	    "  -V       print versions and exit\n");
	exit(1);
}

/* vgm_print_err - every "file:line: reason" line to stderr */
static void
vgm_print_err(const struct vg_err *err, const char *what, int rc)
{
	const char *text = vg_err_text(err);

	if (text[0] != '\0')
		(void)fputs(text, stderr);
	if (text[0] == '\0' || text[strlen(text) - 1] != '\n')
		(void)fprintf(stderr, "%s%s: %s\n", text[0] != '\0' ? "\n" : "",
		    what, vg_strerror(rc));
}

/* vgm_print_version - -V: our version and every library's */
static int
vgm_print_version(const char *conf_path)
{
	unsigned major = 0, minor = 0, patch = 0;
	struct vg_conf *conf = NULL;
	struct vg_err *err;
	char text[2048];

	(void)smfi_version(&major, &minor, &patch);
	(void)printf(VGM_NAME " %s\n", vg_version());
	(void)printf("libmilter %u.%u.%u\n", major, minor, patch);
	/* The signature version needs the configured database directory. */
	err = vg_calloc(1, sizeof(*err));
	if (err != NULL && vg_conf_load(&conf, conf_path, err) != 0)
		conf = NULL;
	vg_versions_text(text, sizeof(text),
	    conf != NULL ? conf->clamav_database : NULL, conf_path);
	(void)fputs(text, stdout);
	vg_conf_free(conf);
	vg_free(err);
	return ferror(stdout) ? 1 : 0;
}

/*
 * vgm_socket_in_use - true when something accepts connections on path:
 * then the file is not stale and must not be removed.
 */
static bool
vgm_socket_in_use(const char *path)
{
	struct sockaddr_un sun;
	bool in_use;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	in_use = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	(void)close(fd);
	return in_use;
}

/* vgm_open_socket - smfi_setconn + smfi_opensocket, umask, chown, chmod */
static int
vgm_open_socket(const char *sock, const struct passwd *pw)
{
	char conn[4096];
	const char *path = vgm_setup_unix_path(sock);
	mode_t old_mask;
	struct stat st;
	int rc;

	(void)vg_str_fmt(conn, sizeof(conn), "%s", sock);
	/* Debian's /var/spool/postfix/vigil: a new Postfix has none. */
	if (path != NULL && vgm_setup_make_dir(path, pw) != 0)
		return -1;
	if (path != NULL && lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			(void)fprintf(stderr,
			    VGM_NAME ": %s exists and is not a socket; "
			             "remove it or change socket\n",
			    path);
			return -1;
		}
		if (vgm_socket_in_use(path)) {
			(void)fprintf(stderr,
			    VGM_NAME ": %s is in use by a running process "
			             "(another vigil-milter?)\n",
			    path);
			return -1;
		}
	}
	if (smfi_setconn(conn) != MI_SUCCESS) {
		(void)fprintf(stderr, VGM_NAME ": bad socket %s\n", sock);
		return -1;
	}
	old_mask = umask(0007);
	/* true: remove a stale socket file (checked above) first. */
	rc = smfi_opensocket(true);
	(void)umask(old_mask);
	if (rc != MI_SUCCESS) {
		(void)fprintf(stderr,
		    VGM_NAME ": cannot open socket %s (does its directory "
		             "exist and is it writable? is the port free?)\n",
		    sock);
		return -1;
	}
	if (path == NULL)
		return 0;
	if (pw != NULL && chown(path, pw->pw_uid, pw->pw_gid) != 0) {
		(void)fprintf(
		    stderr, VGM_NAME ": chown %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (chmod(path, 0660) != 0) {
		(void)fprintf(
		    stderr, VGM_NAME ": chmod %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* vgm_drop_privileges - become pw (initgroups, setgid, setuid) */
static int
vgm_drop_privileges(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		(void)fprintf(stderr, VGM_NAME ": cannot become %s: %s\n",
		    pw->pw_name, strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		(void)fprintf(stderr,
		    VGM_NAME ": could regain root after "
		             "dropping privileges\n");
		return -1;
	}
	return 0;
}

/* vgm_detach - fork, let the parent exit 0, start a new session */
static int
vgm_detach(void)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0) {
		(void)fprintf(stderr, VGM_NAME ": fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (chdir("/") != 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -1;
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	(void)dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		(void)close(fd);
	return 0;
}

static atomic_bool vgm_milter_done;

/*
 * vgm_sig_next - the next signal main() takes, or 0 once smfi_main has
 * returned (main() looks every VGM_SIGNAL_TICK_MS).
 */
static int
vgm_sig_next(void)
{
	int sig;

	for (;;) {
		sig = vgm_signals_wait(VGM_SIGNAL_TICK_MS);
		if (sig != 0)
			return sig;
		if (atomic_load(&vgm_milter_done))
			return 0;
	}
}

/* vgm_milter_thread - run smfi_main; tell main() when it returns */
static void *
vgm_milter_thread(void *arg)
{
	int *rc = arg;

	*rc = smfi_main();
	atomic_store(&vgm_milter_done, true);
	return NULL;
}

/* vgm_stop_thread - smfi_stop(), which may block for a while */
static void *
vgm_stop_thread(void *arg)
{
	(void)arg;
	(void)smfi_stop();
	return NULL;
}

/*
 * vgm_stop_milter - make smfi_main return soon.  smfi_stop() sets the
 * stop flag and then waits for the listener's lock, which the listener
 * holds across a poll() of up to 5 s; so smfi_stop() runs in a thread of
 * its own while this one connects to our unix socket every 50 ms to
 * wake the poll() early.  (For inet sockets the stop takes up to 5 s.)
 */
static void
vgm_stop_milter(const char *wake_path)
{
	const struct timespec tick = {0, 50 * 1000 * 1000};
	pthread_t stopper;
	int i;

	if (pthread_create(&stopper, NULL, vgm_stop_thread, NULL) != 0) {
		(void)smfi_stop();
		return;
	}
	for (i = 0; i < 200 && !atomic_load(&vgm_milter_done); i++) {
		if (wake_path != NULL)
			(void)vgm_socket_in_use(wake_path);
		(void)nanosleep(&tick, NULL);
	}
	(void)pthread_join(stopper, NULL);
}

/* vgm_serve - threads, smfi_main, signal loop, orderly stop */
static int
vgm_serve(uint64_t drain_ms, unsigned workers, size_t max_queued,
    const char *wake_path)
{
	struct vg_pool *pool = NULL;
	pthread_t milter;
	int milter_rc = MI_FAILURE;
	int sig, rc;
	size_t left = 0;

	rc = vg_pool_new(&pool, workers, max_queued);
	if (rc != 0) {
		vg_log(VG_LOG_FATAL, "cannot start %u scan workers: %s",
		    workers, vg_strerror(rc));
		return 1;
	}
	vgm_session_init(pool);
	if (vgm_metrics_start(pool, max_queued) != 0) {
		vgm_current_fini();
		vg_pool_free(pool);
		return 1;
	}
	if (vgm_current_start() != 0) {
		vgm_metrics_stop();
		vg_pool_free(pool);
		return 1;
	}
	rc = pthread_create(&milter, NULL, vgm_milter_thread, &milter_rc);
	if (rc != 0) {
		vg_log(VG_LOG_FATAL, "cannot start the milter thread: %s",
		    strerror(rc));
		vgm_metrics_stop();
		vgm_current_fini();
		vg_pool_free(pool);
		return 1;
	}
	vg_info("started: %s, %u scan workers, queue %zu", vg_version(),
	    workers, max_queued);
	/*
	 * The socket listens since vgm_open_socket() (connections wait in
	 * its backlog) and every thread runs: Postfix may start now.
	 */
	vgm_notify("READY=1");
	for (;;) {
		sig = vgm_sig_next();
		if (sig == SIGHUP) {
			vg_info("SIGHUP: reload requested");
			vgm_current_reload();
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT) {
			/*
			 * libmilter drops its sessions once stopped, so let
			 * the messages in flight finish first; new ones get
			 * 451 4.3.2 meanwhile.
			 */
			vgm_notify("STOPPING=1");
			vg_info("%s: stopping; waiting up to %llu ms for "
			        "messages in flight",
			    sig == SIGTERM ? "SIGTERM" : "SIGINT",
			    (unsigned long long)drain_ms);
			/* No engine swapped in while the messages drain. */
			vgm_current_stopping();
			left = vgm_session_drain(drain_ms);
		} else {
			vg_warn("libmilter stopped");
			left = vgm_session_drain(0);
		}
		vgm_stop_milter(wake_path);
		break;
	}
	(void)pthread_join(milter, NULL);
	vgm_metrics_stop();
	if (left > 0) {
		/*
		 * Callbacks may still touch the pool and engine: leave them
		 * to the exit rather than free them under a running thread.
		 */
		vg_error("%zu messages still in flight after %llu ms; "
		         "stopped without them",
		    left, (unsigned long long)drain_ms);
		return 1;
	}
	vgm_current_fini();
	vg_pool_free(pool);
	vg_info("stopped");
	return milter_rc == MI_SUCCESS ? 0 : 1;
}

/* vgm_parse_opts - getopt; -h and unknown options print usage */
static void
vgm_parse_opts(struct vgm_opts *o, int argc, char **argv)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->conf_path = VG_CONF_DEFAULT_PATH;
	while ((ch = getopt(argc, argv, "c:ftVh")) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 't':
			o->test = true;
			break;
		case 'V':
			o->version = true;
			break;
		default:
			vgm_usage();
		}
	}
	if (optind != argc)
		vgm_usage();
}

/* main - see the start-up order above */
int
main(int argc, char **argv)
{
	static struct vg_err err;
	static char name[] = VGM_NAME;
	struct vgm_opts o;
	struct vg_conf *conf = NULL;
	struct vg_engine *engine = NULL;
	const struct vg_conf *c;
	struct passwd *pw = NULL;
	struct smfiDesc desc;
	static char wake_path[4096];
	static char conf_abs[PATH_MAX];
	unsigned workers;
	long ncpu;
	int rc;

	vgm_parse_opts(&o, argc, argv);
	if (o.version)
		return vgm_print_version(o.conf_path);
	/*
	 * A reload reads the file again after the daemon has moved to "/";
	 * a relative path must not change its meaning then.
	 */
	if (realpath(o.conf_path, conf_abs) != NULL)
		o.conf_path = conf_abs;
	if (o.foreground || o.test)
		vgm_logsink_init(true);
	else
		vgm_logsink_init_daemon();
	vg_err_init(&err);
	rc = vg_engine_global_init(&err);
	if (rc != 0) {
		vgm_print_err(&err, "library initialisation", rc);
		return 1;
	}
	rc = vg_conf_load(&conf, o.conf_path, &err);
	if (rc != 0) {
		vgm_print_err(&err, o.conf_path, rc);
		return 1;
	}
	/*
	 * Hand-off: the engine takes conf in every case.  The rules' prefilter
	 * is taken from its cache; what it lacks is compiled once we serve
	 * (milter/current.h), so a cold cache does not hold the start.
	 */
	rc = vg_engine_build(&engine, conf,
	    &(struct vg_engine_opts){.prefilter_defer = true}, &err);
	conf = NULL;
	if (rc != 0) {
		vgm_print_err(&err, o.conf_path, rc);
		return 1;
	}
	c = vg_engine_conf(engine);
	if (o.test) {
		/* The system around the config: directories and users. */
		rc = vgm_setup_check(c, o.conf_path, stderr);
		vg_engine_unref(engine);
		if (rc != 0) {
			(void)fprintf(stderr,
			    "%s: configuration and rules OK, but the %d "
			    "problem%s above would stop the daemon or "
			    "Postfix\n",
			    o.conf_path, rc, rc == 1 ? "" : "s");
			return 1;
		}
		(void)printf("%s: configuration and rules OK\n", o.conf_path);
		return 0;
	}
	if (c->user != NULL && c->user[0] != '\0') {
		pw = getpwnam(c->user);
		if (pw != NULL && pw->pw_uid == geteuid()) {
			/* Started as that user already (systemd's User=). */
			pw = NULL;
		} else if (geteuid() != 0) {
			pw = NULL;
			vg_warn(
			    "not started as root: user = %s ignored", c->user);
		} else if ((pw = getpwnam(c->user)) == NULL) {
			(void)fprintf(stderr,
			    VGM_NAME ": %s: unknown user %s\n", o.conf_path,
			    c->user);
			goto fail;
		}
	}
	desc = vgm_callbacks_desc(name);
	if (smfi_register(desc) != MI_SUCCESS) {
		(void)fprintf(stderr, VGM_NAME ": smfi_register failed\n");
		goto fail;
	}
	/* Postfix may send a header of up to 100 KB in one packet. */
	(void)smfi_setmaxdatasize(VGM_MAX_DATA_SIZE);
	if (vgm_open_socket(c->socket, pw) != 0)
		goto fail;
	/* Before detaching, so a port in use stops the start (exit 1). */
	if (vgm_metrics_open(c->metrics_listen) != 0)
		goto fail;
	/* Kept: c may be replaced by a reload before we stop. */
	if (vgm_setup_unix_path(c->socket) != NULL)
		(void)vg_str_fmt(wake_path, sizeof(wake_path), "%s",
		    vgm_setup_unix_path(c->socket));
	if (pw != NULL && vgm_drop_privileges(pw) != 0)
		goto fail;
	if (!o.foreground) {
		if (vgm_detach() != 0)
			goto fail;
		vgm_logsink_init(false);
	}
	if (vgm_signals_block() != 0) {
		vg_log(
		    VG_LOG_FATAL, "cannot block signals: %s", strerror(errno));
		goto fail;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	workers = c->scan_workers;
	if (workers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		workers = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	rc = vgm_current_init(o.conf_path, engine);
	if (rc != 0) {
		vg_log(VG_LOG_FATAL, "%s", vg_strerror(rc));
		goto fail;
	}
	/*
	 * Hand-off: the reload module holds the engine now; c stays valid
	 * only until the first reload, so take what vgm_serve needs first.
	 */
	engine = NULL;
	/*
	 * max_queued_scans counts messages; each queues one pool job per
	 * stage (virus and score), so the pool holds twice as many jobs.
	 */
	return vgm_serve(c->scan_timeout_ms + VGM_DRAIN_EXTRA_MS, workers,
	    (size_t)c->max_queued_scans * VGM_JOBS_PER_MESSAGE,
	    wake_path[0] != '\0' ? wake_path : NULL);
fail:
	vg_engine_unref(engine);
	return 1;
}
