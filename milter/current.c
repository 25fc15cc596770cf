/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * current - the engine new mail gets, swapped on SIGHUP, new signatures, a
 * new SpamAssassin rule set in sa_update_dir, and once the rules'
 * prefilter is compiled
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/conf.h"
#include "core/engine.h"
#include "base/err.h"
#include "base/log.h"
#include "base/stats.h"
#include "core/sawatch.h"
#include "core/sigwatch.h"
#include "net/dkim_keys.h"
#include "rules/rules.h"
#include "store/store.h"

#include "current.h"
#include "notify.h"
#include "metrics.h"

/*
 * The daemon has exactly one current engine, so this module keeps its
 * state in one static struct.  engine_lock guards only the pointer (held
 * for a few instructions on the mail path); everything else belongs to
 * the reload thread, whose wake-up conditions sit under lock/cond.
 */
static struct {
	pthread_mutex_t engine_lock;
	struct vg_engine *engine; /* NULL while an in-place reload runs */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool requested;
	bool stop;
	bool started;
	pthread_t thread;

	char *conf_path;
	/*
	 * The outbound DKIM keys, read by the first engine while we were
	 * root; every later engine signs with them (engine.h).
	 */
	struct vg_dkim_keys *sign_keys;
	/* Reload thread only. */
	struct vg_sigwatch *watch;
	struct vg_sawatch *sawatch; /* sa_update_dir, or NULL */
	uint64_t interval_ms;       /* signature_check_interval */
	uint64_t last_check_ms;
	uint64_t last_attempt_ms;
	int watch_errno; /* the watch failing since, and why; 0 when fine */
	/* Prefilter databases the current engine's rules lack (deferred). */
	size_t pf_pending;
} vgm_current_state = {
    .engine_lock = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

#define RS vgm_current_state

/* vgm_current_log_errors - one log line per "file:line: reason" */
static void
vgm_current_log_errors(const struct vg_err *err, const char *what)
{
	const char *p = vg_err_text(err);
	const char *nl;

	if (*p == '\0') {
		vg_error("reload: %s failed", what);
		return;
	}
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (nl > p)
			vg_error("reload: %s: %.*s", what, (int)(nl - p), p);
		p = *nl == '\n' ? nl + 1 : nl;
	}
}

/* vgm_current_swap - make engine current; returns the one it replaced */
static struct vg_engine *
vgm_current_swap(struct vg_engine *engine)
{
	struct vg_engine *old;

	pthread_mutex_lock(&RS.engine_lock);
	old = RS.engine;
	RS.engine = engine;
	pthread_mutex_unlock(&RS.engine_lock);
	return old;
}

/* vgm_current_engine - a new reference to the current engine, or NULL */
struct vg_engine *
vgm_current_engine(void)
{
	struct vg_engine *engine = NULL;

	pthread_mutex_lock(&RS.engine_lock);
	if (RS.engine != NULL)
		engine = vg_engine_ref(RS.engine);
	pthread_mutex_unlock(&RS.engine_lock);
	return engine;
}

/* vgm_current_rewatch - watch the database of conf from now on */
static void
vgm_current_rewatch(const struct vg_conf *conf)
{
	struct vg_sigwatch *w = NULL;
	int rc;

	vg_sigwatch_free(RS.watch);
	RS.watch = NULL;
	RS.watch_errno = 0;
	RS.interval_ms = conf->signature_check_interval_ms;
	RS.last_check_ms = vg_clock_ms();
	/*
	 * sa-update's directory, looked at on the same interval: the rule
	 * set now loaded is the state to compare with.
	 */
	vg_sawatch_free(RS.sawatch);
	RS.sawatch = NULL;
	if (conf->sa_update_dir != NULL && *conf->sa_update_dir != '\0' &&
	    RS.interval_ms > 0 &&
	    (rc = vg_sawatch_new(&RS.sawatch, conf->sa_update_dir)) != 0)
		vg_warn("cannot watch sa_update_dir %s (%s); reload with "
		        "SIGHUP after sa-update",
		    conf->sa_update_dir, vg_strerror(rc));
	/* clamd servers load their own signatures: nothing to watch. */
	if (!conf->virus_scan || conf->clamav_database == NULL ||
	    (conf->virus_backend != NULL &&
	        strcmp(conf->virus_backend, "clamav") != 0) ||
	    RS.interval_ms == 0)
		return;
	/*
	 * XXX The watch starts after the engine was built, so a database
	 * written during the build is noticed only by the next change.
	 */
	rc = vg_sigwatch_new(&w, conf->clamav_database);
	if (rc != 0) {
		vg_warn("cannot watch signature directory %s (%s); "
		        "reload with SIGHUP after freshclam",
		    conf->clamav_database, vg_strerror(rc));
		return;
	}
	RS.watch = w;
}

/* One engine build, run in a thread of its own (vgm_current_compile). */
struct vgm_current_job {
	struct vg_engine **out;
	struct vg_conf *conf; /* taken by the build */
	const struct vg_engine_opts *opts;
	struct vg_err *err;
	int rc;
	double cpu_s; /* the thread's CPU time */
};

/* vgm_current_job_main - build at a lower priority than the mail path */
static void *
vgm_current_job_main(void *arg)
{
	struct vgm_current_job *job = arg;
	struct timespec ts;

	/*
	 * Linux: a thread's nice value is its own (setpriority on its id),
	 * and the threads it starts inherit it; the build starts none (the
	 * resolver's starts later, in the reload thread).
	 */
	if (setpriority(
	        PRIO_PROCESS, (id_t)syscall(SYS_gettid), VGM_CURRENT_NICE) != 0)
		vg_debug("prefilter: cannot lower the compile's priority: %s",
		    strerror(errno));
	job->rc = vg_engine_build(job->out, job->conf, job->opts, job->err);
	job->conf = NULL;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		job->cpu_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return NULL;
}

/*
 * vgm_current_compile - vg_engine_build() in a thread of its own at nice
 * VGM_CURRENT_NICE, waited for; *cpu_s its CPU time
 */
static int
vgm_current_compile(struct vg_engine **out, struct vg_conf *conf,
    const struct vg_engine_opts *opts, struct vg_err *err, double *cpu_s)
{
	struct vgm_current_job job = {
	    .out = out, .conf = conf, .opts = opts, .err = err};
	pthread_t t;
	int rc;

	*cpu_s = 0;
	if ((rc = pthread_create(&t, NULL, vgm_current_job_main, &job)) != 0) {
		vg_warn("prefilter: cannot start the compile's thread (%s); "
		        "compiling in the reload thread",
		    strerror(rc));
		return vg_engine_build(out, conf, opts, err);
	}
	(void)pthread_join(t, NULL);
	*cpu_s = job.cpu_s;
	return job.rc;
}

/*
 * vgm_current_build - load the configuration and build an engine; with
 * compile, its rules' prefilter too, in a thread at a lower priority
 * (*cpu_s its CPU time), else what the prefilter cache lacks is left for
 * later (vg_engine_opts.prefilter_defer)
 */
static int
vgm_current_build(struct vg_engine **out, struct vg_err *err,
    bool *in_place_out, bool compile, double *cpu_s)
{
	struct vg_conf *conf = NULL;
	struct vg_engine_opts opts = {0};
	const char *key;
	struct vg_engine *old;
	struct vg_store *store = NULL, *rep_store = NULL;
	int rc;

	*out = NULL;
	vg_err_init(err);
	rc = vg_conf_load(&conf, RS.conf_path, err);
	if (rc != 0)
		return rc;
	old = vgm_current_engine();
	if (old != NULL) {
		key = vg_conf_unreloadable_change(vg_engine_conf(old), conf);
		if (key != NULL)
			vg_warn("reload: %s changed in %s; a reload cannot "
			        "change it, restart vigil-milter to apply it",
			    key, RS.conf_path);
	}
	if (in_place_out != NULL)
		*in_place_out = conf->reload_in_place;
	if (conf->reload_in_place && in_place_out != NULL) {
		/*
		 * In place: drop our reference before building, so the old
		 * ClamAV engine is freed as soon as the messages using it are
		 * done, and never coexists with the new one for long.
		 */
		vg_warn("reload: in place; mail is tempfailed until the new "
		        "engine is ready");
		vg_engine_unref(vgm_current_swap(NULL));
		/* Only the counters' store is carried over. */
		if (old != NULL) {
			store = vg_store_ref(vg_engine_store(old));
			if (vg_engine_rep_store(old) != NULL)
				rep_store =
				    vg_store_ref(vg_engine_rep_store(old));
		}
		vg_engine_unref(old);
		old = NULL;
	}
	/*
	 * Hand-off: vg_engine_build() takes conf in every case.  The old
	 * engine lets each stage carry its long-lived state over, and the
	 * new engine takes over its store (the rate-limit and harvest
	 * counters) unless the store's settings changed.
	 */
	opts.prev = old;
	opts.store = store;
	opts.rep_store = rep_store;
	opts.sign_keys_given = true;
	opts.sign_keys = RS.sign_keys;
	opts.prefilter_defer = !compile;
	if (compile)
		rc = vgm_current_compile(out, conf, &opts, err, cpu_s);
	else
		rc = vg_engine_build(out, conf, &opts, err);
	conf = NULL;
	vg_engine_unref(old);
	vg_store_unref(store);
	vg_store_unref(rep_store);
	if (rc == 0 && (rc = vg_engine_start(*out)) != 0) {
		vg_err_add(
		    err, NULL, 0, "cannot start the DNS resolver thread");
		vg_engine_unref(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * vgm_current_pending - note what prefilter databases the rules of the new
 * current engine lack, for vgm_current_prefilter()
 */
static void
vgm_current_pending(const struct vg_engine *engine)
{
	struct vg_rules_stats st;

	vg_rules_stats(vg_engine_rules(engine), &st);
	RS.pf_pending = st.prefilter_pending;
	if (st.prefilter_pending > 0)
		vg_info("prefilter: %zu of its databases are not in the "
		        "prefilter cache; the rules they cover run through "
		        "PCRE2 alone until they are compiled",
		    st.prefilter_pending);
}

/*
 * vgm_current_same_watch - whether a and b watch the same directories the
 * same way (vgm_current_rewatch() would watch what it does now)
 */
static bool
vgm_current_same_watch(const struct vg_conf *a, const struct vg_conf *b)
{
	const char *x[] = {
	    a->sa_update_dir, a->clamav_database, a->virus_backend};
	const char *y[] = {
	    b->sa_update_dir, b->clamav_database, b->virus_backend};

	if (a->signature_check_interval_ms != b->signature_check_interval_ms ||
	    a->virus_scan != b->virus_scan)
		return false;
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		if ((x[i] == NULL) != (y[i] == NULL) ||
		    (x[i] != NULL && strcmp(x[i], y[i]) != 0))
			return false;
	return true;
}

/*
 * vgm_current_prefilter - the current engine's rules lack prefilter
 * databases: build the engine again with them compiled, in a thread at a
 * lower priority, while the current one serves, and swap it in as a
 * reload does.  A failure keeps the current engine (PCRE2 alone) until
 * the next reload.
 */
static void
vgm_current_prefilter(void)
{
	struct vg_err *err;
	struct vg_engine *engine = NULL, *old;
	struct vg_rules_stats st;
	uint64_t t0 = vg_clock_ms();
	double cpu_s = 0;
	int rc;

	vg_info("prefilter: compiling %zu databases in the background (nice "
	        "%d)",
	    RS.pf_pending, VGM_CURRENT_NICE);
	RS.pf_pending = 0;
	if ((err = vg_malloc(sizeof(*err))) == NULL) {
		vg_error("prefilter: out of memory; the rules keep running "
		         "through PCRE2 alone");
		return;
	}
	/* Never in place: the engine serving now goes on serving. */
	rc = vgm_current_build(&engine, err, NULL, true, &cpu_s);
	if (rc != 0) {
		vgm_current_log_errors(err, "prefilter: building the engine");
		vg_error("prefilter: not compiled (%s); the rules keep "
		         "running through PCRE2 alone until the next reload",
		    vg_strerror(rc));
		goto out;
	}
	/* A stop during the compile left it unfinished: do not swap. */
	pthread_mutex_lock(&RS.lock);
	if (RS.stop) {
		pthread_mutex_unlock(&RS.lock);
		vg_engine_unref(engine);
		goto out;
	}
	pthread_mutex_unlock(&RS.lock);
	old = vgm_current_engine();
	/* The conf was read again: follow it as a reload would. */
	if (old == NULL ||
	    !vgm_current_same_watch(
	        vg_engine_conf(old), vg_engine_conf(engine)))
		vgm_current_rewatch(vg_engine_conf(engine));
	vg_engine_unref(old);
	vgm_metrics_engine(engine);
	vg_engine_unref(vgm_current_swap(engine));
	vg_rules_stats(vg_engine_rules(engine), &st);
	if (st.prefilter_dbs == 0)
		vg_warn("prefilter: no database could be compiled (see "
		        "above); the rules keep running through PCRE2 alone");
	else
		vg_info("prefilter: in use after %.1f s (%.1f s of CPU): %zu "
		        "databases, %zu of them from the prefilter cache",
		    (double)(vg_clock_ms() - t0) / 1000.0, cpu_s,
		    st.prefilter_dbs, st.prefilter_cached);
out:
	vg_free(err);
}

/* vgm_current_now - one reload, in the reload thread */
static void
vgm_current_now(const char *why)
{
	struct vg_err *err;
	struct vg_engine *engine = NULL, *old;
	bool in_place = false;
	int rc;

	RS.last_attempt_ms = vg_clock_ms();
	err = vg_malloc(sizeof(*err));
	if (err == NULL) {
		vg_error(
		    "reload (%s): out of memory; keeping the old engine", why);
		return;
	}
	vgm_notify("RELOADING=1");
	vg_info("reload: %s: reading %s", why, RS.conf_path);
	rc = vgm_current_build(&engine, err, &in_place, false, NULL);
	if (rc != 0 && in_place) {
		vgm_current_log_errors(err, "building the engine");
		vg_warn("reload: in-place build failed; trying once more");
		rc = vgm_current_build(&engine, err, NULL, false, NULL);
	}
	if (rc != 0) {
		vg_stats_inc(VG_STAT_RELOAD_FAILURES);
		vgm_current_log_errors(err, "building the engine");
		pthread_mutex_lock(&RS.engine_lock);
		in_place = RS.engine == NULL;
		pthread_mutex_unlock(&RS.engine_lock);
		if (in_place)
			vg_error("reload: no engine; all mail is tempfailed "
			         "(451 4.3.2); retrying every %u s",
			    (unsigned)(VGM_CURRENT_RETRY_MS / 1000));
		else
			vg_error("reload: failed (%s); keeping the old "
			         "engine",
			    vg_strerror(rc));
		goto out;
	}
	vgm_current_rewatch(vg_engine_conf(engine));
	vgm_metrics_engine(engine);
	old = vgm_current_swap(engine);
	vg_engine_unref(old);
	vg_stats_inc(VG_STAT_RELOADS);
	vg_info("reload: done (%s); new engine %s", why,
	    vg_engine_virus_version(engine));
	vgm_current_pending(engine);
out:
	/* Serving again, with the new engine or the old one. */
	vgm_notify("READY=1");
	vg_free(err);
}

/* vgm_current_check_watch - true when the signature directory changed */
static bool
vgm_current_check_watch(void)
{
	bool changed = false;
	int rc;

	RS.last_check_ms = vg_clock_ms();
	if (RS.watch == NULL)
		return false;
	rc = vg_sigwatch_changed(RS.watch, &changed);
	if (rc != 0) {
		int e = vg_sigwatch_errno(RS.watch);

		/*
		 * Say it once, with what it means, not once a check: a
		 * deleted directory (rm -rf, a botched update) would fill
		 * the log every signature_check_interval.
		 */
		if (e != RS.watch_errno || e == 0)
			vg_warn("signature directory %s: %s; keeping the "
			        "signatures loaded, checking every %llu ms "
			        "until it is back",
			    vg_sigwatch_dir(RS.watch),
			    e != 0 ? strerror(e) : vg_strerror(rc),
			    (unsigned long long)RS.interval_ms);
		RS.watch_errno = e;
		return false;
	}
	if (RS.watch_errno != 0) {
		vg_info("signature directory %s is back%s",
		    vg_sigwatch_dir(RS.watch),
		    changed ? "; reloading" : ", unchanged; no reload");
		RS.watch_errno = 0;
	}
	return changed;
}

/*
 * vgm_current_check_sa - true when sa_update_dir holds a new rule set that
 * has stopped changing (sawatch.h); vgm_current_check_watch() set
 * last_check_ms
 */
static bool
vgm_current_check_sa(void)
{
	if (RS.sawatch == NULL || !vg_sawatch_changed(RS.sawatch))
		return false;
	if (*vg_sawatch_dir(RS.sawatch) != '\0')
		vg_info("sa_update_dir: a new SpamAssassin rule set in %s",
		    vg_sawatch_dir(RS.sawatch));
	else
		vg_info("sa_update_dir: SpamAssassin's rules are gone");
	return true;
}

/* vgm_current_next_ms - the next time the thread has something to do */
static uint64_t
vgm_current_next_ms(bool no_engine)
{
	uint64_t next = UINT64_MAX;

	if (no_engine)
		next = RS.last_attempt_ms + VGM_CURRENT_RETRY_MS;
	else if (RS.pf_pending > 0)
		next = 0; /* now */
	if ((RS.watch != NULL || RS.sawatch != NULL) && RS.interval_ms > 0 &&
	    RS.last_check_ms + RS.interval_ms < next)
		next = RS.last_check_ms + RS.interval_ms;
	return next;
}

/* vgm_current_main - the reload thread: wait, then reload or check */
static void *
vgm_current_main(void *arg)
{
	struct timespec ts;
	uint64_t next, now;
	bool no_engine, requested;

	(void)arg;
	pthread_mutex_lock(&RS.lock);
	while (!RS.stop) {
		pthread_mutex_lock(&RS.engine_lock);
		no_engine = RS.engine == NULL;
		pthread_mutex_unlock(&RS.engine_lock);
		next = vgm_current_next_ms(no_engine);
		now = vg_clock_ms();
		if (!RS.requested && next > now) {
			if (next == UINT64_MAX) {
				pthread_cond_wait(&RS.cond, &RS.lock);
			} else {
				ts = vg_clock_deadline(next - now);
				(void)pthread_cond_timedwait(
				    &RS.cond, &RS.lock, &ts);
			}
			continue;
		}
		requested = RS.requested;
		RS.requested = false;
		pthread_mutex_unlock(&RS.lock);
		if (requested)
			vgm_current_now("SIGHUP");
		else if (no_engine &&
		    vg_clock_ms() >= RS.last_attempt_ms + VGM_CURRENT_RETRY_MS)
			vgm_current_now("retry after a failed in-place reload");
		else if (vgm_current_check_watch())
			vgm_current_now("signature database changed");
		else if (vgm_current_check_sa())
			vgm_current_now("SpamAssassin rule set changed");
		else if (RS.pf_pending > 0 && !no_engine)
			vgm_current_prefilter();
		pthread_mutex_lock(&RS.lock);
	}
	pthread_mutex_unlock(&RS.lock);
	return NULL;
}

/* vgm_current_init - remember the path and the first engine */
int
vgm_current_init(const char *conf_path, struct vg_engine *engine)
{
	RS.conf_path = vg_strdup(conf_path);
	if (RS.conf_path == NULL)
		return VG_ENOMEM;
	RS.last_attempt_ms = vg_clock_ms();
	/* After fork and privilege drop, as vg_dns_start_thread() wants. */
	if (vg_engine_start(engine) != 0) {
		vg_error("cannot start the DNS resolver thread");
		vg_free(RS.conf_path);
		RS.conf_path = NULL;
		return VG_EINTERNAL;
	}
	vgm_metrics_engine(engine);
	RS.sign_keys = vg_dkim_keys_ref(vg_engine_sign_keys(engine));
	/* Hand-off: the caller's reference becomes the current engine. */
	(void)vgm_current_swap(engine);
	vgm_current_rewatch(vg_engine_conf(engine));
	vgm_current_pending(engine);
	return 0;
}

/* vgm_current_start - start the reload thread */
int
vgm_current_start(void)
{
	pthread_condattr_t attr;
	int rc;

	if (pthread_condattr_init(&attr) != 0)
		return VG_EINTERNAL;
	/* vg_clock_deadline() gives CLOCK_MONOTONIC times. */
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(&RS.cond, &attr);
	(void)pthread_condattr_destroy(&attr);
	if (rc != 0)
		return VG_EINTERNAL;
	rc = pthread_create(&RS.thread, NULL, vgm_current_main, NULL);
	if (rc != 0) {
		vg_error("cannot start the reload thread: %s", strerror(rc));
		(void)pthread_cond_destroy(&RS.cond);
		return VG_EINTERNAL;
	}
	RS.started = true;
	return 0;
}

/* vgm_current_reload - wake the reload thread */
void
vgm_current_reload(void)
{
	pthread_mutex_lock(&RS.lock);
	RS.requested = true;
	if (RS.started)
		pthread_cond_signal(&RS.cond);
	pthread_mutex_unlock(&RS.lock);
}

/* vgm_current_stopping - see current.h */
void
vgm_current_stopping(void)
{
	vg_rules_prefilter_stop();
	pthread_mutex_lock(&RS.lock);
	RS.stop = true;
	if (RS.started)
		pthread_cond_signal(&RS.cond);
	pthread_mutex_unlock(&RS.lock);
}

/* vgm_current_fini - stop the thread (a running reload finishes first) */
void
vgm_current_fini(void)
{
	/* A background compile stops at its next database (rules.h). */
	vg_rules_prefilter_stop();
	if (RS.started) {
		pthread_mutex_lock(&RS.lock);
		RS.stop = true;
		pthread_cond_signal(&RS.cond);
		pthread_mutex_unlock(&RS.lock);
		(void)pthread_join(RS.thread, NULL);
		(void)pthread_cond_destroy(&RS.cond);
		RS.started = false;
	}
	vg_engine_unref(vgm_current_swap(NULL));
	vg_sigwatch_free(RS.watch);
	RS.watch = NULL;
	RS.watch_errno = 0;
	vg_sawatch_free(RS.sawatch);
	RS.sawatch = NULL;
	vg_free(RS.conf_path);
	RS.conf_path = NULL;
	vg_dkim_keys_unref(RS.sign_keys);
	RS.sign_keys = NULL;
}
