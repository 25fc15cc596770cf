/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * main - `vigil`, the command-line front end of the engine (cli/).
 *
 * PURPOSE  `vigil scan` scores message files with the same engine, config
 *	    and session as vigil-milter: each file is one SMTP connection
 *	    driven through the session's phases (connect, helo, mail, one
 *	    rcpt per --rcpt, the file's data, end of message), so every
 *	    stage's hooks run as they do in the milter and a message gets
 *	    the same decision, with a recipient refused at RCPT TO listed
 *	    as refused and left out of the scan; `vigil rules check`
 *	    validates a rules file and counts what it loaded and skipped.
 *	    Linked to libvigil only (no libmilter).
 * OUTPUT   One line per message (or one JSON object per line with --json);
 *	    diagnostics on stderr.  Exit 0 when every file was scanned, 1 on
 *	    a usage or configuration error, 2 when some file could not be
 *	    read or scanned.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sanitize.h"
#include "message/msg.h"
#include "rules/rules.h"
#include "core/engine.h"
#include "core/session.h"
#include "core/verdict.h"
#include "core/versions.h"
#include "cli.h"

#define MAX_RCPTS 1000
/*
 * vigil scan builds the rules' prefilter ("vigil_prefilter auto") only for
 * this many files or more (bench/README, "The rules' cost": the compile
 * of SpamAssassin's rules is repaid after a few thousand messages).
 */
#define VG_SCAN_PREFILTER_MIN 2000

/* Where Debian's ClamAV (freshclam) keeps its signatures. */
#define VG_CLI_CLAMAV_DIR "/var/lib/clamav"

/* An envelope sender read from Return-Path: SMTP's path limit, 256. */
#define VG_SA_RP_MAX 257

struct envelope {
	const char *client_ip, *helo, *from, *auth;
	bool from_return_path; /* --from-return-path */
	const char *rcpts[MAX_RCPTS];
	size_t nrcpts;
};

/* A recipient a hook refused at RCPT TO. */
struct refusal {
	const char *rcpt;
	char reply[VG_REASON_MAX + 20]; /* "550 5.7.1 text" */
};

/* What the SMTP phases before the data answered, for the report. */
struct phases {
	const char *phase; /* the phase that refused the message, or NULL */
	char reply[VG_REASON_MAX + 20];
	size_t nrefused;
	struct refusal refused[MAX_RCPTS];
};

/* stderr_sink - library log lines go to stderr */
static void
stderr_sink(enum vg_log_level level, const char *line, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "vigil: %s: %s\n", vg_log_level_name(level), line);
}

/* usage - print the synopsis and return the usage exit code */
static int
usage(void)
{
	fprintf(stderr,
	    "usage: vigil scan [-c FILE] [--rules FILE] [--client-ip IP] "
	    "[--helo NAME]\n"
	    "                  [--from ADDR] [--rcpt ADDR]... [--auth USER] "
	    "[--json]\n"
	    "                  [--db DIR] [--dkim-sign] [--from-return-path] "
	    "FILE...\n"
	    "       vigil learn --spam|--ham [--forget] [-c FILE] PATH...\n"
	    "       vigil learn --stats [-c FILE]\n"
	    "       vigil rules check FILE | -c CONF\n"
	    "       vigil rules list FILE\n"
	    "       vigil stats [-c FILE] [--raw]\n"
	    "       vigil version [-c FILE] [--db DIR]\n");
	return 1;
}

/* json_string - print s as a JSON string (sanitised, escaped) */
static void
json_string(FILE *fp, const char *s)
{
	char clean[4096];

	vg_sanitize_str(clean, sizeof(clean), s, 0);
	fputc('"', fp);
	for (const char *p = clean; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', fp);
		fputc(*p, fp);
	}
	fputc('"', fp);
}

/* print_json_refused - the recipients refused at RCPT TO, as a member */
static void
print_json_refused(const struct phases *ph)
{
	printf("\"refused_rcpts\": [");
	for (size_t i = 0; i < ph->nrefused; i++) {
		printf("%s{\"rcpt\": ", i ? ", " : "");
		json_string(stdout, ph->refused[i].rcpt);
		printf(", \"reply\": ");
		json_string(stdout, ph->refused[i].reply);
		printf("}");
	}
	printf("]");
}

/* reply_action - the decision an SMTP reply code stands for */
static const char *
reply_action(const char *reply)
{
	return reply[0] == '4' ? "tempfail" : "reject";
}

/* print_json_phase - a message refused before its data was scanned */
static void
print_json_phase(const char *file, const struct phases *ph)
{
	printf("{\"file\": ");
	json_string(stdout, file);
	printf(", \"decision\": \"%s\", \"phase\": ", reply_action(ph->reply));
	json_string(stdout, ph->phase);
	printf(", \"reply\": ");
	json_string(stdout, ph->reply);
	printf(", ");
	print_json_refused(ph);
	printf("}\n");
}

/*
 * print_json_bayes - the classifier's report as a member: null when it did
 * not run, else its state ("silent", "scored", "failed"), the messages
 * learned and, when scored, the probability
 */
static void
print_json_bayes(const struct vg_bayes_report *b)
{
	static const char *const names[] = {
	    [VG_BAYES_NOT_RUN] = "off",
	    [VG_BAYES_SILENT] = "silent",
	    [VG_BAYES_SCORED] = "scored",
	    [VG_BAYES_FAILED] = "failed",
	};

	printf(", \"classifier\": ");
	if (b->state == VG_BAYES_NOT_RUN) {
		printf("null");
		return;
	}
	printf("{\"state\": \"%s\"", names[b->state]);
	if (b->state == VG_BAYES_SCORED)
		printf(", \"probability\": %.17g", b->prob);
	if (b->state != VG_BAYES_FAILED)
		printf(", \"learned_spam\": %llu, \"learned_ham\": %llu",
		    (unsigned long long)b->nspam, (unsigned long long)b->nham);
	printf("}");
}

/* print_json - one JSON object for one scanned message */
static void
print_json(
    const char *file, const struct vg_verdict *v, const struct phases *ph)
{
	printf("{\"file\": ");
	json_string(stdout, file);
	printf(", \"decision\": \"%s\", \"score\": %.1f, \"required\": %.1f, "
	       "\"reject\": %.1f, \"virus\": ",
	    vg_action_name(v->action), v->score, v->required, v->reject);
	if (v->virus[0] != '\0')
		json_string(stdout, v->virus);
	else
		printf("null");
	printf(", \"virus_status\": ");
	json_string(stdout, v->virus_status);
	printf(", \"virus_scan\": \"%s\"",
	    vg_result_outcome_name(v->virus_outcome));
	printf(", \"unscanned\": ");
	if (v->virus_outcome != VG_VIRUS_CLEAN &&
	    v->virus_outcome != VG_VIRUS_INFECTED)
		json_string(stdout, v->unscanned);
	else
		printf("null");
	printf(", \"reply\": ");
	if (v->code[0] != '\0') {
		char reply[512];

		snprintf(reply, sizeof(reply), "%s %s %s", v->code, v->xcode,
		    v->text);
		json_string(stdout, reply);
	} else {
		printf("null");
	}
	print_json_bayes(&v->bayes);
	printf(", \"symbols\": [");
	for (size_t i = 0; i < v->nsymbols; i++) {
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(stdout, v->symbols[i].name);
		printf(", \"score\": %.2f", v->symbols[i].score);
		if (v->symbols[i].detail != NULL) {
			printf(", \"detail\": ");
			json_string(stdout, v->symbols[i].detail);
		}
		printf("}");
	}
	printf("], \"headers\": [");
	for (size_t i = 0, k = 0; i < v->nedits; i++) {
		const struct vg_header_edit *e = &v->edits[i];

		if (e->kind == VG_EDIT_DELETE)
			continue;
		printf("%s{\"name\": ", k++ ? ", " : "");
		json_string(stdout, e->name);
		printf(", \"value\": ");
		json_string(stdout, e->value);
		printf("}");
	}
	printf("], ");
	print_json_refused(ph);
	printf("}\n");
}

/* print_text_refused - one line per recipient refused at RCPT TO */
static void
print_text_refused(const struct phases *ph)
{
	char clean[1024];

	for (size_t i = 0; i < ph->nrefused; i++) {
		vg_sanitize_str(clean, sizeof(clean), ph->refused[i].rcpt, 0);
		printf("  refused <%s>: %s\n", clean, ph->refused[i].reply);
	}
}

/* print_text_phase - a message refused before its data was scanned */
static void
print_text_phase(const char *file, const struct phases *ph)
{
	char name[1024];

	vg_sanitize_str(name, sizeof(name), file, 0);
	printf("%s: %s at %s reply=\"%s\"\n", name, reply_action(ph->reply),
	    ph->phase, ph->reply);
	print_text_refused(ph);
}

/* print_text - the human-readable report for one message */
static void
print_text(
    const char *file, const struct vg_verdict *v, const struct phases *ph)
{
	char name[1024];

	vg_sanitize_str(name, sizeof(name), file, 0);
	printf("%s: %s score=%.1f required=%.1f virus=%s", name,
	    vg_action_name(v->action), v->score, v->required,
	    v->virus[0] != '\0'                      ? v->virus
	        : v->virus_outcome == VG_VIRUS_CLEAN ? "none"
	                                             : "unscanned");
	if (v->virus[0] == '\0' && v->virus_outcome != VG_VIRUS_CLEAN)
		printf(" virus_status=\"%s\"", v->virus_status);
	if (v->code[0] != '\0')
		printf(" reply=\"%s %s %s\"", v->code, v->xcode, v->text);
	printf("\n");
	for (size_t i = 0; i < v->nsymbols; i++)
		printf("  %6.2f %s\n", v->symbols[i].score, v->symbols[i].name);
	if (v->bayes.state == VG_BAYES_SILENT)
		printf("  classifier silent: %llu spam and %llu ham learned, "
		       "fewer than bayes_min_spam / bayes_min_ham\n",
		    (unsigned long long)v->bayes.nspam,
		    (unsigned long long)v->bayes.nham);
	else if (v->bayes.state == VG_BAYES_SCORED)
		printf("  classifier: spam probability %.4f\n", v->bayes.prob);
	/* The signature of --dkim-sign, as the milter would insert it. */
	for (size_t i = 0; i < v->nedits; i++)
		if (v->edits[i].kind == VG_EDIT_ADD &&
		    strcmp(v->edits[i].name, "DKIM-Signature") == 0)
			printf("  DKIM-Signature: %s\n", v->edits[i].value);
	print_text_refused(ph);
}

/* reply_text - "code xcode text" of a hook's reply */
static void
reply_text(char *buf, size_t size, const struct vg_hook_reply *r)
{
	(void)snprintf(buf, size, "%s %s %s", r->code, r->xcode, r->text);
}

/*
 * run_phases - one connection up to the end of the message, as the milter
 * sees it: connect, helo, mail, every --rcpt, the file, eom.  Returns 0
 * with ph->phase set when a phase refused the message (or every
 * recipient was refused: there is nothing left to deliver), 0 with the
 * message ready to scan, or VG_E*.
 */
static int
run_phases(struct vg_sess *s, struct vg_engine *engine, const char *file,
    const struct envelope *env, struct phases *ph)
{
	struct vg_hook_reply r;
	int rc;

	if ((rc = vg_sess_connect(s, engine, env->client_ip, NULL, &r)) != 0 ||
	    r.refuse) {
		ph->phase = "CONNECT";
		goto out;
	}
	if ((rc = vg_sess_helo(s, engine, env->helo, &r)) != 0 || r.refuse) {
		ph->phase = "HELO";
		goto out;
	}
	if ((rc = vg_sess_mail(s, engine, env->from, env->auth, NULL, &r)) !=
	        0 ||
	    r.refuse) {
		ph->phase = "MAIL FROM";
		goto out;
	}
	for (size_t i = 0; i < env->nrcpts; i++) {
		if ((rc = vg_sess_rcpt(s, env->rcpts[i], false, &r)) != 0)
			return rc;
		if (!r.refuse)
			continue;
		ph->refused[ph->nrefused].rcpt = env->rcpts[i];
		reply_text(ph->refused[ph->nrefused].reply,
		    sizeof(ph->refused[0].reply), &r);
		ph->nrefused++;
	}
	if (env->nrcpts > 0 && ph->nrefused == env->nrcpts) {
		/* The MTA would refuse DATA: no recipient is left. */
		ph->phase = "RCPT TO";
		(void)snprintf(
		    ph->reply, sizeof(ph->reply), "%s", ph->refused[0].reply);
		return 0;
	}
	if ((rc = vg_sess_data_file(s, file, &r)) != 0 || r.refuse) {
		ph->phase = "DATA";
		goto out;
	}
	if ((rc = vg_sess_eom(s, &r)) != 0 || r.refuse)
		ph->phase = "end of message";
out:
	if (rc != 0) {
		ph->phase = NULL;
		return rc;
	}
	if (ph->phase != NULL)
		reply_text(ph->reply, sizeof(ph->reply), &r);
	return 0;
}

/*
 * return_path - the address of file's Return-Path header into out ("" for
 * <> or none): a stored message's envelope sender, as the delivery agent
 * wrote it (--from-return-path).  Only the first 64 KiB are read: a
 * header section longer than that has no Return-Path for this purpose.
 */
static void
return_path(char *out, size_t size, const char *file)
{
	char buf[65536];
	size_t n;
	FILE *fp;
	const char *p, *end, *lt, *gt;

	out[0] = '\0';
	if ((fp = fopen(file, "rb")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	(void)fclose(fp);
	buf[n] = '\0';
	for (p = buf; p < buf + n; p = end + 1) {
		if ((end = memchr(p, '\n', (size_t)(buf + n - p))) == NULL)
			end = buf + n;
		if (end == p || (end == p + 1 && *p == '\r'))
			return; /* the end of the header section */
		if ((size_t)(end - p) < 12 ||
		    strncasecmp(p, "Return-Path:", 12))
			continue;
		lt = memchr(p, '<', (size_t)(end - p));
		gt = lt != NULL ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
		if (lt == NULL) {
			/* A bare address: "Return-Path: user@example.com". */
			for (lt = p + 11;
			     lt + 1 < end && (lt[1] == ' ' || lt[1] == '\t');
			     lt++)
				;
			for (gt = lt + 1; gt < end && *gt != ' ' &&
			     *gt != '\t' && *gt != '\r';
			     gt++)
				;
		}
		if (gt != NULL && (size_t)(gt - lt - 1) < size) {
			memcpy(out, lt + 1, (size_t)(gt - lt - 1));
			out[gt - lt - 1] = '\0';
		}
		return;
	}
}

/* scan_file - scan one file and print its verdict; 0 or VG_E* */
static int
scan_file(struct vg_engine *engine, const char *file,
    const struct envelope *envp, bool json)
{
	struct vg_sess *s = NULL;
	struct vg_verdict *v = NULL;
	struct phases *ph;
	struct envelope envc = *envp;
	const struct envelope *env = &envc;
	char rp[VG_SA_RP_MAX];
	int rc;

	if (envp->from_return_path) {
		return_path(rp, sizeof(rp), file);
		envc.from = rp;
	}

	if ((ph = vg_calloc(1, sizeof(*ph))) == NULL ||
	    (rc = vg_sess_new(&s)) != 0) {
		vg_free(ph);
		fprintf(stderr, "vigil: out of memory\n");
		return VG_ENOMEM;
	}
	rc = run_phases(s, engine, file, env, ph);
	if (rc == VG_EIO) {
		fprintf(stderr, "vigil: %s: cannot read: %s\n", file,
		    vg_strerror(rc));
		goto out;
	}
	if (rc == 0 && ph->phase != NULL) {
		if (json)
			print_json_phase(file, ph);
		else
			print_text_phase(file, ph);
		goto out;
	}
	if (rc != 0 || (rc = vg_sess_scan_run(s, &v)) != 0) {
		fprintf(stderr, "vigil: %s: cannot scan: %s\n", file,
		    vg_strerror(rc));
		goto out;
	}
	if (json)
		print_json(file, v, ph);
	else
		print_text(file, v, ph);
out:
	vg_verdict_free(v);
	vg_sess_free(s);
	vg_free(ph);
	return rc;
}

/* set_str - replace a config string with a copy of v; 0 or -1 (said) */
static int
set_str(char **slot, const char *v)
{
	char *copy = vg_strdup(v);

	if (copy == NULL) {
		fprintf(stderr, "vigil: out of memory\n");
		return -1;
	}
	vg_free(*slot);
	*slot = copy;
	return 0;
}

/*
 * scan_settings - what the command line says over the config: --rules,
 * --db; without a signature directory from either, ClamAV's own
 * (VG_CLI_CLAMAV_DIR) if it holds signatures, else no virus scan (said
 * on stderr).  0, or
 * -1 with the reason on stderr.
 */
static int
scan_settings(struct vg_conf *conf, const char *rules, const char *db)
{
	if (rules != NULL && set_str(&conf->rules, rules) != 0)
		return -1;
	if (db != NULL && set_str(&conf->clamav_database, db) != 0)
		return -1;
	if (conf->rules != NULL && access(conf->rules, R_OK) != 0) {
		fprintf(stderr,
		    "vigil: cannot read the rules file %s: %s (install one, "
		    "or give --rules FILE)\n",
		    conf->rules, strerror(errno));
		return -1;
	}
	if (!conf->virus_scan || conf->clamav_database != NULL ||
	    strcmp(conf->virus_backend, "clamav") != 0)
		return 0;
	if (vg_versions_signatures(VG_CLI_CLAMAV_DIR) != 0)
		return set_str(&conf->clamav_database, VG_CLI_CLAMAV_DIR);
	fprintf(stderr,
	    "vigil: no ClamAV signatures in " VG_CLI_CLAMAV_DIR
	    ": virus scan off (give --db DIR)\n");
	conf->virus_scan = false;
	return 0;
}

/* cmd_scan - `vigil scan` */
static int
cmd_scan(int argc, char **argv)
{
	enum {
		OPT_RULES = 256,
		OPT_IP,
		OPT_HELO,
		OPT_FROM,
		OPT_RCPT,
		OPT_AUTH,
		OPT_JSON,
		OPT_DB,
		OPT_SIGN,
		OPT_RETURN_PATH
	};
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"rules", required_argument, NULL, OPT_RULES},
	    {"client-ip", required_argument, NULL, OPT_IP},
	    {"helo", required_argument, NULL, OPT_HELO},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"rcpt", required_argument, NULL, OPT_RCPT},
	    {"auth", required_argument, NULL, OPT_AUTH},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"db", required_argument, NULL, OPT_DB},
	    {"dkim-sign", no_argument, NULL, OPT_SIGN},
	    {"from-return-path", no_argument, NULL, OPT_RETURN_PATH},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *rules = NULL, *db = NULL;
	struct envelope env = {0};
	struct vg_conf *conf = NULL;
	struct vg_engine *engine = NULL;
	/*
	 * No DKIM signing unless asked: the key files are commonly readable
	 * by root alone, and a scan should not need them.
	 */
	struct vg_engine_opts opts = {
	    .read_only = true, .sign_keys_given = true};
	struct vg_err err;
	bool json = false;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case OPT_RULES:
			rules = optarg;
			break;
		case OPT_IP:
			env.client_ip = optarg;
			break;
		case OPT_HELO:
			env.helo = optarg;
			break;
		case OPT_FROM:
			env.from = optarg;
			break;
		case OPT_RCPT:
			if (env.nrcpts == MAX_RCPTS) {
				fprintf(stderr, "vigil: more than %d --rcpt\n",
				    MAX_RCPTS);
				return 1;
			}
			env.rcpts[env.nrcpts++] = optarg;
			break;
		case OPT_AUTH:
			env.auth = optarg;
			break;
		case OPT_RETURN_PATH:
			env.from_return_path = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_SIGN:
			opts.sign_keys_given = false;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	vg_err_init(&err);
	/*
	 * Without -c, the installed config if there is one, else the
	 * built-in defaults: scanning a file needs no daemon settings.
	 */
	if (config == NULL && access(VG_CONF_DEFAULT_PATH, F_OK) == 0)
		config = VG_CONF_DEFAULT_PATH;
	if (vg_engine_global_init(&err) != 0 ||
	    vg_conf_load_tool(&conf, config, &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	if (scan_settings(conf, rules, db) != 0) {
		vg_conf_free(conf);
		return 1;
	}
	/*
	 * The Hyperscan prefilter pays for its compile (seconds for
	 * SpamAssassin's rules) only over thousands of messages: a short scan
	 * runs every rule through PCRE2 unless the rules file says
	 * "vigil_prefilter on".  The verdicts are the same.
	 */
	vg_rules_prefilter_auto(argc - optind >= VG_SCAN_PREFILTER_MIN);
	/* vigil scan changes nothing: the classifier's database read-only. */
	if (vg_engine_build(&engine, conf, &opts, &err) != 0) { /* conf taken */
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	for (int i = optind; i < argc; i++)
		if (scan_file(engine, argv[i], &env, json) != 0)
			status = 2;
	vg_engine_unref(engine);
	return status;
}

/*
 * cmd_version - `vigil version [-c FILE] [--db DIR]`: what vigil-milter -V
 * says but libmilter, which vigil does not link; the signatures of --db,
 * else of the config's clamav_database, else of ClamAV's own directory
 */
static int
cmd_version(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"db", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *db = NULL, *where = NULL;
	struct vg_conf *conf = NULL;
	struct vg_err err;
	char text[2048];
	int opt;

	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (opt == 'c')
			config = optarg;
		else if (opt == 'd')
			db = optarg;
		else
			return usage();
	}
	if (optind != argc)
		return usage();
	if (config == NULL && access(VG_CONF_DEFAULT_PATH, F_OK) == 0)
		config = VG_CONF_DEFAULT_PATH;
	vg_err_init(&err);
	if (db == NULL && config != NULL &&
	    vg_conf_load_tool(&conf, config, &err) == 0 &&
	    conf->clamav_database != NULL) {
		db = conf->clamav_database;
		where = config;
	}
	if (db == NULL)
		db = VG_CLI_CLAMAV_DIR;
	if (where == NULL)
		where = db;
	vg_versions_text(text, sizeof(text), db, where);
	printf("vigil %s\n%s", vg_version(), text);
	vg_conf_free(conf);
	return ferror(stdout) ? 1 : 0;
}

/*
 * print_prefilter - the Hyperscan prefilter's line of `vigil rules check`,
 * and the rules PCRE2 always runs (Hyperscan refused them, or they match
 * per line), by name
 */
static void
print_prefilter(const char *file, const struct vg_rules *rules,
    const struct vg_rules_stats *st)
{
	size_t i, n = vg_rules_count(rules), shown = 0;

	if (vg_rules_prefilter_version() == NULL) {
		printf("%s: prefilter: not built in (every regex runs "
		       "through PCRE2)\n",
		    file);
		return;
	}
	if (!st->prefilter) {
		printf("%s: prefilter: off\n", file);
		return;
	}
	if (st->prefilter_dbs == 0) {
		printf("%s: prefilter: auto, no prefilter_cache, and no text "
		       "has enough patterns to pay for compiling at every "
		       "load (vigil_prefilter on forces it)\n",
		    file);
		return;
	}
	printf("%s: prefilter: Hyperscan gates %zu regex rules; %zu always "
	       "run; %zu databases (%zu from the cache), %zu KiB, ready in "
	       "%.2f s\n",
	    file, st->prefilter_rules, st->prefilter_always, st->prefilter_dbs,
	    st->prefilter_cached, st->prefilter_bytes / 1024,
	    st->prefilter_compile_s);
	for (i = 0; i < n; i++) {
		if (vg_rules_prefilter_state(rules, i) != VG_PF_ALWAYS)
			continue;
		printf("%s%s", shown++ == 0 ? "  always run: " : " ",
		    vg_rules_name(rules, i));
	}
	if (shown > 0)
		printf("\n");
}

/*
 * tool_prefilter_cache - the prefilter cache of the installed config (its
 * prefilter_cache), or of the built-in defaults when there is none, for a
 * command that loads a rules file without a config.  0, or an error in
 * err.
 */
static int
tool_prefilter_cache(struct vg_err *err)
{
	const char *config = NULL;
	struct vg_conf *conf = NULL;
	int rc;

	if (access(VG_CONF_DEFAULT_PATH, F_OK) == 0)
		config = VG_CONF_DEFAULT_PATH;
	if ((rc = vg_conf_load_tool(&conf, config, err)) != 0)
		return rc;
	rc = vg_rules_prefilter_cache(conf->prefilter_cache);
	if (rc != 0)
		vg_err_add(err, NULL, 0, "out of memory");
	vg_conf_free(conf);
	return rc;
}

/*
 * conf_rules - the rule set vigil.conf at path runs: SpamAssassin's from
 * its sa_update_dir (auto by default), then its rules file; *name the
 * rules file's name (static copy) for the report
 */
static int
conf_rules(struct vg_rules **out, const char *path, const char **name,
    struct vg_err *err)
{
	static char rules_name[4096];
	struct vg_conf *conf = NULL;
	int rc;

	if ((rc = vg_conf_load_tool(&conf, path, err)) != 0)
		return rc;
	snprintf(rules_name, sizeof(rules_name), "%s", conf->rules);
	*name = rules_name;
	rc = vg_rules_prefilter_cache(conf->prefilter_cache);
	if (rc != 0)
		vg_err_add(err, NULL, 0, "out of memory");
	else if (conf->rules == NULL || *conf->rules == '\0') {
		vg_err_add(err, path, 0, "rules: not set");
		rc = VG_ECONFIG;
	} else
		rc = vg_rules_load_sa(
		    out, conf->rules, conf->sa_update_dir, err);
	vg_conf_free(conf);
	return rc;
}

/*
 * cmd_rules_check - `vigil rules check FILE`, or `vigil rules check -c
 * CONF`: the rules file and what vigil.conf's sa_update_dir adds ahead of
 * it, as the daemon loads them
 */
static int
cmd_rules_check(int argc, char **argv)
{
	struct vg_rules *rules = NULL;
	struct vg_rules_stats st;
	struct vg_err err;
	const struct vg_rules_plugin_stat *ps;
	size_t loaded = 0, skipped = 0, nps = 0;
	const char *name = argv[argc - 1];
	int rc;

	if (argc == 4 && strcmp(argv[1], "check") == 0 &&
	    strcmp(argv[2], "-c") == 0) {
		vg_err_init(&err);
		rc = conf_rules(&rules, argv[3], &name, &err);
	} else if (argc == 3 && strcmp(argv[1], "check") == 0) {
		vg_err_init(&err);
		rc = tool_prefilter_cache(&err);
		if (rc == 0)
			rc = vg_rules_load(&rules, argv[2], &err);
	} else
		return usage();
	if (rc != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	vg_rules_stats(rules, &st);
	for (int k = 0; k < VG_RULE_KIND_MAX; k++)
		loaded += st.rules[k];
	for (int k = 0; k < VG_SKIP_KIND_MAX; k++)
		skipped += st.skipped[k];
	printf("%s: OK: %zu rules loaded (", name, loaded);
	for (int k = 0; k < VG_RULE_KIND_MAX; k++)
		printf("%s%s %zu", k ? ", " : "",
		    vg_rule_kind_name((enum vg_rule_kind)k), st.rules[k]);
	printf("), %zu scored, %zu sub-rules, %zu dnsbl, %zu uribl, "
	       "%zu files\n",
	    st.scored, st.subrules, st.dnsbl, st.uribl, st.files);
	printf("%s: %zu skipped (", name, skipped);
	for (int k = 0; k < VG_SKIP_KIND_MAX; k++)
		printf("%s%s %zu", k ? ", " : "",
		    vg_rules_skip_name((enum vg_rules_skip)k), st.skipped[k]);
	printf(
	    "), %zu scores for undefined rules ignored\n", st.unknown_scores);
	/* SpamAssassin plugins: what Vigil runs of each and what not. */
	ps = vg_rules_plugin_stats(rules, &nps);
	for (size_t i = 0; i < nps; i++)
		printf("%s: plugin %s (%s): %zu loaded, %zu skipped\n", name,
		    ps[i].name,
		    ps[i].implemented ? "implemented" : "not implemented",
		    ps[i].loaded, ps[i].skipped);
	print_prefilter(name, rules, &st);
	vg_rules_free(rules);
	return 0;
}

/* list_rule - one line of `vigil rules list` */
static void
list_rule(void *arg, const struct vg_rules_info *info)
{
	(void)arg;
	printf("%s\t%s\t%g\t%s:%u\n", info->name, vg_rule_kind_name(info->kind),
	    info->score, info->file, info->line);
}

/*
 * cmd_rules_list - `vigil rules list FILE`: every rule the file runs, one
 * a line: name, kind, score, file:line (tab-separated; sub-rules included,
 * with score 0).  Skipped rules are not listed: `vigil rules check` counts
 * them.
 */
static int
cmd_rules_list(int argc, char **argv)
{
	struct vg_rules *rules = NULL;
	struct vg_err err;

	if (argc != 3)
		return usage();
	vg_err_init(&err);
	/* Listing evaluates nothing: no prefilter to compile. */
	vg_rules_prefilter_auto(false);
	if (vg_rules_load(&rules, argv[2], &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	vg_rules_foreach(rules, list_rule, NULL);
	vg_rules_free(rules);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	vg_log_set_sink(stderr_sink, NULL, VG_LOG_WARNING);
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "scan") == 0)
		return cmd_scan(argc - 1, argv + 1);
	if (strcmp(argv[1], "rules") == 0 && argc > 2 &&
	    strcmp(argv[2], "list") == 0)
		return cmd_rules_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "rules") == 0)
		return cmd_rules_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "learn") == 0)
		return vg_cli_learn(argc - 1, argv + 1);
	if (strcmp(argv[1], "stats") == 0)
		return vg_cli_stats(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "-V") == 0) {
		return cmd_version(argc - 1, argv + 1);
	}
	return usage();
}
