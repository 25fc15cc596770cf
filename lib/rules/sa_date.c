/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sa_date - SpamAssassin's date checks in C: check_for_shifted_date, the
 * difference between the Date header and the time the first Received
 * header records (the specification is HeaderEval's _check_date_diff and
 * Mail::SpamAssassin::Util::parse_rfc822_date).
 *
 * PURPOSE  Spam tools forge Date headers days or years off.  The
 *	    difference is computed once per message (struct vg_sactx) and
 *	    shared by the DATE_IN_PAST_* and DATE_IN_FUTURE_* ranges.
 * PARSE    As parse_rfc822_date: "d Mon yyyy", "Mon d hh:mm:ss yyyy" or
 *	    "d Mon yy[y]" anywhere in the text, then the first "h:mm[:ss]",
 *	    then "+hhmm"/"-hhmm" or the first capitalised zone name of
 *	    SpamAssassin's table; out-of-range fields are clamped as it
 *	    clamps them (years to 1970..2037).
 * LIMITS   The first VG_SADATE_MAX bytes of each header are read.
 * THREADS  Reentrant: reads the message only.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/num.h"
#include "rules/rules_evalfn.h"

#define VG_SADATE_MAX   1024
#define VG_SADATE_WORDS 64
#define VG_SADATE_RCVD  64 /* Received headers read */

static const char *const vg_months[] = {"jan", "feb", "mar", "apr", "may",
    "jun", "jul", "aug", "sep", "oct", "nov", "dec"};

static const struct {
	const char *name;
	int off; /* minutes east of UTC */
} vg_zones[] = {
    {"UT", 0},
    {"UTC", 0},
    {"NDT", -150},
    {"AST", -240},
    {"ADT", -180},
    {"NST", -210},
    {"EST", -300},
    {"EDT", -240},
    {"CST", -360},
    {"CDT", -300},
    {"MST", -420},
    {"MDT", -360},
    {"PST", -480},
    {"PDT", -420},
    {"HST", -600},
    {"AKST", -540},
    {"AKDT", -480},
    {"HADT", -540},
    {"HAST", -600},
    {"GMT", 0},
    {"BST", 60},
    {"IST", 60},
    {"WET", 0},
    {"WEST", 60},
    {"CET", 60},
    {"CEST", 120},
    {"EET", 120},
    {"EEST", 180},
    {"MSK", 180},
    {"MSD", 240},
    {"MET", 60},
    {"MEZ", 60},
    {"MEST", 120},
    {"MESZ", 120},
    {"BRST", -120},
    {"BRT", -180},
    {"AEST", 600},
    {"AEDT", 660},
    {"ACST", 570},
    {"ACDT", 630},
    {"AWST", 480},
    {"NZST", 720},
    {"NZDT", 780},
    {"JST", 540},
    {"KST", 540},
    {"HKT", 480},
    {"SGT", 480},
    {"PHT", 480},
    {"IDT", 180},
};

/* vg_month - 1..12 for a month abbreviation of n bytes, 0 if none */
static int
vg_month(const char *s, size_t n)
{
	size_t i;

	if (n != 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (strncasecmp(s, vg_months[i], 3) == 0)
			return (int)i + 1;
	return 0;
}

/* vg_digits - s[0..n) is all digits (n > 0) */
static bool
vg_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* vg_dnum - the number of the digits at s (at most 9 read, no sign) */
static long long
vg_dnum(const char *s)
{
	long long v = 0;
	int i;

	for (i = 0; i < 9 && isdigit((unsigned char)s[i]); i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* vg_days - days from 1970-01-01 to y-m-d (proleptic Gregorian) */
static long long
vg_days(long long y, long long m, long long d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct vg_word {
	const char *s;
	size_t n;
	bool used;
};

/*
 * vg_sa_parse_date - parse_rfc822_date(): seconds since the epoch, or
 * false when no date is found
 */
static bool
vg_sa_parse_date(const char *in, double *out)
{
	char buf[VG_SADATE_MAX + 1];
	struct vg_word w[VG_SADATE_WORDS];
	size_t nw = 0, i, len = 0;
	long long yyyy = 0, mon = 0, dd = 0, hh = 0, mi = 0, ss = 0, t;
	int tz = 0;
	bool found = false;

	/* ", *" is a blank; words are split on white space */
	for (i = 0; in[i] != '\0' && len < VG_SADATE_MAX; i++)
		buf[len++] = in[i] == ',' ? ' ' : in[i];
	buf[len] = '\0';
	for (i = 0; i < len && nw < VG_SADATE_WORDS;) {
		while (i < len && isspace((unsigned char)buf[i]))
			i++;
		if (i == len)
			break;
		w[nw].s = buf + i;
		while (i < len && !isspace((unsigned char)buf[i]))
			i++;
		w[nw].n = (size_t)(buf + i - w[nw].s);
		w[nw].used = false;
		nw++;
	}
	/* d Mon yyyy */
	for (i = 0; i + 2 < nw && !found; i++)
		if (vg_digits(w[i].s, w[i].n) &&
		    vg_month(w[i + 1].s, w[i + 1].n) != 0 && w[i + 2].n == 4 &&
		    vg_digits(w[i + 2].s, 4)) {
			dd = vg_dnum(w[i].s);
			mon = vg_month(w[i + 1].s, 3);
			yyyy = vg_dnum(w[i + 2].s);
			w[i].used = w[i + 1].used = w[i + 2].used = true;
			found = true;
		}
	/* Mon d hh:mm:ss yyyy: the time goes with it, unread (so 00:00) */
	for (i = 0; i + 3 < nw && !found; i++)
		if (vg_month(w[i].s, w[i].n) != 0 &&
		    vg_digits(w[i + 1].s, w[i + 1].n) &&
		    memchr(w[i + 2].s, ':', w[i + 2].n) != NULL &&
		    w[i + 3].n == 4 && vg_digits(w[i + 3].s, 4)) {
			mon = vg_month(w[i].s, 3);
			dd = vg_dnum(w[i + 1].s);
			yyyy = vg_dnum(w[i + 3].s);
			w[i].used = w[i + 1].used = w[i + 2].used = true;
			w[i + 3].used = true;
			found = true;
		}
	/* d Mon yy or yyy */
	for (i = 0; i + 2 < nw && !found; i++)
		if (vg_digits(w[i].s, w[i].n) &&
		    vg_month(w[i + 1].s, w[i + 1].n) != 0 &&
		    (w[i + 2].n == 2 || w[i + 2].n == 3) &&
		    vg_digits(w[i + 2].s, w[i + 2].n)) {
			dd = vg_dnum(w[i].s);
			mon = vg_month(w[i + 1].s, 3);
			yyyy = vg_dnum(w[i + 2].s);
			if (w[i + 2].n == 2 && yyyy < 50)
				yyyy += 2000;
			else
				yyyy += 1900;
			w[i].used = w[i + 1].used = w[i + 2].used = true;
			found = true;
		}
	if (!found)
		return false;
	/* h:mm[:ss] */
	for (i = 0; i < nw; i++) {
		const char *s = w[i].s;
		size_t n = w[i].n, h = 0;

		if (w[i].used)
			continue;
		while (h < n && h < 3 && isdigit((unsigned char)s[h]))
			h++;
		if (h < 1 || h > 2 || h >= n || s[h] != ':' ||
		    !(n == h + 3 || n == h + 6) || !vg_digits(s + h + 1, 2) ||
		    (n == h + 6 &&
		        (s[h + 3] != ':' || !vg_digits(s + h + 4, 2))))
			continue;
		hh = vg_dnum(s);
		mi = vg_dnum(s + h + 1);
		ss = n == h + 6 ? vg_dnum(s + h + 4) : 0;
		w[i].used = true;
		break;
	}
	/* +hhmm, or a zone name */
	for (i = 0; i < nw; i++)
		if (!w[i].used && w[i].n == 5 &&
		    (w[i].s[0] == '+' || w[i].s[0] == '-') &&
		    vg_digits(w[i].s + 1, 4)) {
			int v = (int)vg_dnum(w[i].s + 1);

			tz = (v / 100 * 60 + v % 100) *
			    (w[i].s[0] == '-' ? -1 : 1);
			w[i].used = true;
			break;
		}
	if (i == nw) {
		/* The first \b[A-Z]{2,4}(-DST)?\b outside what was used. */
		for (i = 0; i < nw; i++) {
			const char *s = w[i].s, *e = s + w[i].n, *p;
			bool done = false;

			if (w[i].used)
				continue;
			for (p = s; p < e && !done; p++) {
				const char *q = p;
				size_t k;

				if (!isupper((unsigned char)*p) ||
				    (p > s &&
				        (isalnum((unsigned char)p[-1]) ||
				            p[-1] == '_')))
					continue;
				while (q < e && isupper((unsigned char)*q))
					q++;
				if (q - p < 2 || q - p > 4 ||
				    (q < e &&
				        (isalnum((unsigned char)*q) ||
				            *q == '_'))) {
					p = q;
					continue;
				}
				done = true;
				if (e - q >= 4 && strncmp(q, "-DST", 4) == 0)
					break; /* not in the table */
				for (k = 0; k < VG_NELEM(vg_zones); k++)
					if (strlen(vg_zones[k].name) ==
					        (size_t)(q - p) &&
					    strncmp(vg_zones[k].name, p,
					        (size_t)(q - p)) == 0)
						tz = vg_zones[k].off;
			}
			if (done)
				break;
		}
	}
	if (ss > 59)
		ss = 59;
	if (mi > 59)
		mi = 59;
	if (hh > 23)
		hh = 23;
	{
		long long max = 31;

		if (mon == 4 || mon == 6 || mon == 9 || mon == 11)
			max = 30;
		else if (mon == 2)
			max = (yyyy % 4 == 0 &&
			          (yyyy % 100 != 0 || yyyy % 400 == 0))
			    ? 29
			    : 28;
		if (dd > max) {
			dd = 1;
			if (++mon > 12) {
				mon = 1;
				yyyy++;
			}
		}
	}
	if (yyyy > 2037)
		yyyy = 2037;
	else if (yyyy < 1970)
		yyyy = 1970;
	if (dd < 1)
		return false; /* timegm croaks on day 0 */
	t = vg_days(yyyy, mon, dd) * 86400 + hh * 3600 + mi * 60 + ss;
	t -= (long long)tz * 60;
	if (t < 0)
		t = 0;
	*out = (double)t;
	return true;
}

/*
 * vg_rcvd_time - the time in one Received value: the first
 * "\s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+"
 */
static bool
vg_rcvd_time(const char *v, double *out)
{
	const char *p;

	for (p = v; *p != '\0'; p++) {
		int skip;

		if (!isspace((unsigned char)*p))
			continue;
		for (skip = 1; skip >= 0; skip--) {
			const char *q = p + 1, *s;
			int k;

			if (skip && *q == '\0')
				continue;
			q += skip;
			s = q;
			if (!isdigit((unsigned char)*q))
				continue;
			while (isdigit((unsigned char)*q))
				q++;
			if (*q++ != ' ')
				continue;
			for (k = 0; k < 3; k++, q++)
				if (*q == '\0' || isspace((unsigned char)*q))
					break;
			if (k < 3 || *q++ != ' ' || !isdigit((unsigned char)*q))
				continue;
			while (isdigit((unsigned char)*q))
				q++;
			if (*q++ != ' ')
				continue;
			for (k = 0; k < 3; k++) {
				if (!isdigit((unsigned char)*q))
					break;
				while (isdigit((unsigned char)*q))
					q++;
				if (k < 2 && *q++ != ':')
					break;
			}
			if (k < 3 || *q++ != ' ' || *q == '\0' ||
			    isspace((unsigned char)*q))
				continue;
			while (*q != '\0' && !isspace((unsigned char)*q))
				q++;
			{
				char d[VG_SADATE_MAX + 1];
				size_t n = (size_t)(q - p);

				(void)s;
				if (n > VG_SADATE_MAX)
					n = VG_SADATE_MAX;
				memcpy(d, p, n);
				d[n] = '\0';
				return vg_sa_parse_date(d, out);
			}
		}
	}
	return false;
}

/* vg_rcvd_local - the first Received is from localhost (fetchmail) */
static bool
vg_rcvd_local(const char *v)
{
	const char *p;

	for (p = v; (p = strstr(p, "from ")) != NULL; p += 5) {
		const char *q = p + 5;
		int words;

		if (p > v && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		if (strncmp(q, "localhost", 9) == 0 &&
		    isspace((unsigned char)q[9]))
			return true;
		/* (?:\S+ ){1,2}\S*\b127\.0\.0\.1\b */
		for (words = 0; words < 3 && *q != '\0'; words++) {
			const char *e = q + strcspn(q, " \t");
			const char *h = strstr(q, "127.0.0.1");

			if (words > 0 && h != NULL && h < e + 0 &&
			    (h == q || !isalnum((unsigned char)h[-1])) &&
			    !isdigit((unsigned char)h[9]))
				return true;
			if (*e != ' ')
				break;
			q = e + 1;
		}
	}
	return strstr(v, "qmail ") != NULL && strstr(v, " invoked by uid ");
}

/* vg_sa_date_diff - Date minus the nearest Received time, in seconds */
static double
vg_sa_date_diff(struct vg_sactx *c)
{
	double date = 0, times[VG_SADATE_RCVD], best = 0;
	const char *v, *rc[VG_SADATE_RCVD];
	size_t n = 0, nt = 0, i, first = 0;
	bool have = false;

	if (c->date_done)
		return c->date_diff;
	c->date_done = true;
	c->date_diff = 0;
	for (i = 0; (v = vg_sactx_header(c, "Resent-Date", false, i)) != NULL;
	     i++)
		if (*v != '\0' && (have = vg_sa_parse_date(v, &date)))
			break;
	for (i = 0; !have && (v = vg_sactx_header(c, "Date", false, i)) != NULL;
	     i++)
		if (*v != '\0' && (have = vg_sa_parse_date(v, &date)))
			break;
	if (!have)
		return 0;
	for (i = 0; n < VG_SADATE_RCVD &&
	     (v = vg_sactx_header(c, "Received", false, i)) != NULL;
	     i++) {
		const char *p = v;

		while (isspace((unsigned char)*p))
			p++;
		if (*p != '\0')
			rc[n++] = v;
	}
	/* A local hop and fetchmail's: SpamAssassin sets both aside. */
	if (n >= 2 && vg_rcvd_local(rc[0]) &&
	    strstr(rc[1], "by localhost with ") != NULL &&
	    strstr(rc[1], "(fetchmail-") != NULL)
		first = 2;
	for (i = first; i < n; i++)
		if (vg_rcvd_time(rc[i], &times[nt]))
			nt++;
	if (nt == 0)
		return 0;
	if (nt > 1 && date - times[nt - 1] == 0)
		nt--;
	for (i = 0; i < nt; i++)
		if (i == 0 || fabs(date - times[i]) < fabs(best))
			best = date - times[i];
	c->date_diff = best;
	return best;
}

/* check_for_shifted_date(MIN, MAX) in hours, 'undef' for no bound */
static int
vg_sa_shifted_date(struct vg_sactx *c, const struct vg_evalargs *a)
{
	double d = vg_sa_date_diff(c);

	return (isnan(a->num[0]) || d >= 3600 * a->num[0]) &&
	    (isnan(a->num[1]) || d < 3600 * a->num[1]);
}

static int
vg_sa_prep_shifted(struct vg_evalargs *a, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (isnan(a->num[i]) && strcmp(a->str[i], "undef") != 0) {
			snprintf(why, whylen, "eval: '%s' is not a number",
			    a->str[i]);
			return VG_ECONFIG;
		}
	return 0;
}

/*
 * vg_sa_joined_date - parse_rfc822_date over every value of header name
 * joined with line ends (as get() joins them), the first
 * VG_SADATE_MAX bytes; 0 when none is found, as SpamAssassin's "|| 0"
 */
static double
vg_sa_joined_date(const struct vg_sactx *c, const char *name)
{
	char buf[VG_SADATE_MAX + 1];
	const char *v;
	size_t i, n = 0;
	double t = 0;

	for (i = 0; n < VG_SADATE_MAX &&
	     (v = vg_sactx_header(c, name, false, i)) != NULL;
	     i++) {
		size_t l = strlen(v);

		if (n > 0)
			buf[n++] = '\n';
		if (l > VG_SADATE_MAX - n)
			l = VG_SADATE_MAX - n;
		memcpy(buf + n, v, l);
		n += l;
	}
	buf[n] = '\0';
	if (n == 0 || !vg_sa_parse_date(buf, &t))
		return 0;
	return t;
}

/*
 * vg_sa_hex - n lower-case hex digits at s (SpamAssassin's [0-9a-f]) into
 * *out; false otherwise
 */
static bool
vg_sa_hex(const char *s, size_t n, unsigned long long *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return false;
		*out = *out * 16 + (unsigned long long)d;
	}
	return true;
}

/*
 * check_outlook_message_id(): an Outlook Express Message-Id
 * "<xxxxTTTTTTTT$xxxxxxxx$xxxxxxxx@" whose time token T is 250 or more
 * away from what the Date header gives, and from what the Received
 * headers give
 */
static int
vg_sa_outlook_msgid(struct vg_sactx *c, const struct vg_evalargs *a)
{
	static const char *const ids[] = {"X-Message-Id", "Resent-Message-Id",
	    "X-Original-Message-ID", "Message-Id"};
	const double x = 0.0023283064365387, y = 27111902.8329849;
	const char *id = NULL, *v;
	unsigned long long tok, ignored;
	double diff;
	size_t k, i;

	(void)a;
	/* get('MESSAGEID'): the first non-empty of these, in this order. */
	for (k = 0; k < VG_NELEM(ids) && id == NULL; k++)
		for (i = 0; (v = vg_sactx_header(c, ids[k], false, i)) != NULL;
		     i++)
			if (*v != '\0') {
				id = v;
				break;
			}
	if (id == NULL || strlen(id) < 32 || id[0] != '<' ||
	    !vg_sa_hex(id + 1, 4, &ignored) || !vg_sa_hex(id + 5, 8, &tok) ||
	    id[13] != '$' || !vg_sa_hex(id + 14, 8, &ignored) ||
	    id[22] != '$' || !vg_sa_hex(id + 23, 8, &ignored) || id[31] != '@')
		return 0;
	/* Perl's int() truncates toward zero; the times are positive. */
	diff = (double)tok - trunc(vg_sa_joined_date(c, "Date") * x + y);
	if (fabs(diff) < 250)
		return 0;
	diff = (double)tok - trunc(vg_sa_joined_date(c, "Received") * x + y);
	return fabs(diff) >= 250;
}

const struct vg_evalfn vg_sa_dateeval[] = {
    {.name = "check_outlook_message_id",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .run = vg_sa_outlook_msgid},
    {.name = "check_for_shifted_date",
        .plugin = "HeaderEval",
        .kinds = VG_K_ANY,
        .min_args = 2,
        .max_args = 2,
        .prepare = vg_sa_prep_shifted,
        .run = vg_sa_shifted_date},
    {.name = NULL},
};
