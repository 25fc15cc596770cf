/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * main - `vigil`, the command-line front end of the engine (cli/).
 *
 * PURPOSE  `vigil scan` scores message files with the same engine, config
 *	    and verdict code as vigil-milter, so a message scanned here and
 *	    through the milter gets the same decision; `vigil rules check`
 *	    validates a rules file and counts what it loaded and skipped.
 *	    Linked to libvigil only (no libmilter).
 * OUTPUT   One line per message (or one JSON object per line with --json);
 *	    diagnostics on stderr.  Exit 0 when every file was scanned, 1 on
 *	    a usage or configuration error, 2 when some file could not be
 *	    read or scanned.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/conf.h"
#include "core/engine.h"
#include "base/err.h"
#include "base/log.h"
#include "message/msg.h"
#include "rules/rules.h"
#include "base/sanitize.h"
#include "core/scan.h"
#include "core/verdict.h"

#define MAX_RCPTS 1000

struct envelope {
	const char *client_ip, *helo, *from, *auth;
	const char *rcpts[MAX_RCPTS];
	size_t nrcpts;
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
	    "[--json] FILE...\n"
	    "       vigil rules check FILE\n"
	    "       vigil version\n");
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

/* print_json - one JSON object for one scanned message */
static void
print_json(const char *file, const struct vg_verdict *v)
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
	printf("]}\n");
}

/* print_text - the human-readable report for one message */
static void
print_text(const char *file, const struct vg_verdict *v)
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
}

/* set_envelope - the envelope options, as the milter would record them */
static int
set_envelope(struct vg_msg *msg, const struct envelope *env)
{
	int rc = 0;

	if (env->client_ip != NULL)
		rc = vg_msg_set_client(msg, env->client_ip, NULL);
	if (rc == 0 && env->helo != NULL)
		rc = vg_msg_set_helo(msg, env->helo);
	if (rc == 0 && env->from != NULL)
		rc = vg_msg_set_from(msg, env->from);
	if (rc == 0 && env->auth != NULL)
		rc = vg_msg_set_auth(msg, env->auth);
	for (size_t i = 0; rc == 0 && i < env->nrcpts; i++)
		rc = vg_msg_add_rcpt(msg, env->rcpts[i]);
	return rc;
}

/* scan_file - scan one file and print its verdict; 0 or VG_E* */
static int
scan_file(const struct vg_engine *engine, const char *file,
    const struct envelope *env, bool json)
{
	struct vg_msg_limits limits;
	struct vg_msg *msg = NULL;
	struct vg_verdict *v = NULL;
	int rc;

	vg_msg_limits_from_conf(&limits, vg_engine_conf(engine));
	if ((rc = vg_msg_from_file(&msg, &limits, file)) != 0) {
		fprintf(stderr, "vigil: %s: cannot read: %s\n", file,
		    vg_strerror(rc));
		goto out;
	}
	if ((rc = set_envelope(msg, env)) != 0 ||
	    (rc = vg_scan_run(&v, engine, msg)) != 0) {
		fprintf(stderr, "vigil: %s: cannot scan: %s\n", file,
		    vg_strerror(rc));
		goto out;
	}
	if (json)
		print_json(file, v);
	else
		print_text(file, v);
out:
	vg_verdict_free(v);
	vg_msg_free(msg);
	return rc;
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
		OPT_JSON
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
	    {NULL, 0, NULL, 0},
	};
	const char *config = VG_CONF_DEFAULT_PATH, *rules = NULL;
	struct envelope env = {0};
	struct vg_conf *conf = NULL;
	struct vg_engine *engine = NULL;
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
		case OPT_JSON:
			json = true;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	vg_err_init(&err);
	if (vg_engine_global_init(&err) != 0 ||
	    vg_conf_load(&conf, config, &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	if (rules != NULL) {
		char *copy = vg_strdup(rules);

		if (copy == NULL) {
			vg_conf_free(conf);
			fprintf(stderr, "vigil: out of memory\n");
			return 1;
		}
		vg_free(conf->rules);
		conf->rules = copy;
	}
	if (vg_engine_new(&engine, conf, &err) != 0) { /* conf taken */
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	for (int i = optind; i < argc; i++)
		if (scan_file(engine, argv[i], &env, json) != 0)
			status = 2;
	vg_engine_unref(engine);
	return status;
}

/* cmd_rules_check - `vigil rules check FILE` */
static int
cmd_rules_check(int argc, char **argv)
{
	struct vg_rules *rules = NULL;
	struct vg_rules_stats st;
	struct vg_err err;
	size_t loaded = 0, skipped = 0;

	if (argc != 3 || strcmp(argv[1], "check") != 0)
		return usage();
	vg_err_init(&err);
	if (vg_rules_load(&rules, argv[2], &err) != 0) {
		fputs(vg_err_text(&err), stderr);
		return 1;
	}
	vg_rules_stats(rules, &st);
	for (int k = 0; k < VG_RULE_KIND_MAX; k++)
		loaded += st.rules[k];
	for (int k = 0; k < VG_SKIP_KIND_MAX; k++)
		skipped += st.skipped[k];
	printf("%s: OK: %zu rules loaded (", argv[2], loaded);
	for (int k = 0; k < VG_RULE_KIND_MAX; k++)
		printf("%s%s %zu", k ? ", " : "",
		    vg_rule_kind_name((enum vg_rule_kind)k), st.rules[k]);
	printf("), %zu scored, %zu sub-rules, %zu dnsbl, %zu uribl, "
	       "%zu files\n",
	    st.scored, st.subrules, st.dnsbl, st.uribl, st.files);
	printf("%s: %zu skipped (", argv[2], skipped);
	for (int k = 0; k < VG_SKIP_KIND_MAX; k++)
		printf("%s%s %zu", k ? ", " : "",
		    vg_rules_skip_name((enum vg_rules_skip)k), st.skipped[k]);
	printf(
	    "), %zu scores for undefined rules ignored\n", st.unknown_scores);
	vg_rules_free(rules);
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
	if (strcmp(argv[1], "rules") == 0)
		return cmd_rules_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("vigil %s\n", vg_version());
		return 0;
	}
	return usage();
}
