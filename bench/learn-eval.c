/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * learn-eval - the accuracy of Vigil's classifier models on issue 9's
 * split, in memory, without a store.
 *
 * PURPOSE  Measures lib/learn (vg_tokenize + chi2 or logreg) on exactly
 *	    the split bench/learn-accuracy.sh gives the peers: per set of
 *	    CORPUS (easy_ham, easy_ham_2, hard_ham, spam, spam_2), files
 *	    sorted by number, the first floor(n/2) learned set after set,
 *	    the rest scored; the mbox "From " line dropped and the same
 *	    verdict/mailbox headers removed (strip() below is a port of the
 *	    script's regular expression).  Metrics are the script's: spam
 *	    recall where at most floor(0.001 h) and floor(0.005 h) of the h
 *	    scored ham are flagged, flagged = strictly above the (k+1)-th
 *	    highest ham score; ROC AUC with ties counted half.  Scores
 *	    compare as (primary, secondary) pairs: chi2 ranks by its
 *	    probability and breaks ties by its margin (chi2.h); logreg by
 *	    its log-odds.  Also run: the swapped split (learn the second
 *	    halves, score the first), a check against tuning to one half;
 *	    for logreg, the learning order "sets" (set after set, as the
 *	    split learns) and "mixed" (the learned messages of every set
 *	    merged by their relative position in their set, as mail
 *	    arrives).  CPU time is per scored message: decoding (vg_msg +
 *	    vg_text, which the rules share), tokenizing, and scoring (with
 *	    an in-memory hash table standing in for the store).
 * OPTIONS  learn-eval [-c CORPUS] [-V] [-M] [-t N] [-s S] [-x X]
 *	    [-d MIN_DEV] [-n MAX_TOKENS] [-r RATE] [-g MARGIN]
 *	    [-w MAX_WEIGHT]
 *	    -V also tokenizes every raw message (verdict headers kept) and
 *	    counts those whose token set differs from the stripped one's:
 *	    0 confirms the tokenizer's EXCLUDED list does the stripping.
 *	    -M ranks chi2 by its margin alone; -t N prints the N highest
 *	    scored ham of every run (stderr).  The others override the
 *	    models' defaults (chi2.h, logreg.h).
 * OWNS     Everything is in memory until exit (the tokens of ~6,000
 *	    messages, a few hundred MB at most).
 * LIMITS   A message file larger than 32 MB is skipped with a warning.
 * ERRORS   Exits 1 on an unreadable corpus or an allocation failure, 2
 *	    on bad options.
 * THREADS  One.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/err.h"
#include "learn/chi2.h"
#include "learn/logreg.h"
#include "learn/tokenize.h"
#include "message/msg.h"
#include "message/text.h"

#define LE_MAX_FILE (32u << 20)
#define LE_NSETS    5

static const struct {
	const char *name;
	const char *dir;
	bool spam;
} sets[LE_NSETS] = {
    {"easy_ham", "ham", false},
    {"easy_ham_2", "ham", false},
    {"hard_ham", "ham", false},
    {"spam", "spam", true},
    {"spam_2", "spam", true},
};

struct msgrec {
	char *name;
	unsigned num;
	int set;
	size_t idx;  /* position in its set */
	size_t nset; /* messages in its set */
	bool spam;
	bool first; /* in the first half of its set */
	struct vg_tokens *tok;
	double cpu_decode, cpu_tok; /* seconds */
};

struct score {
	double a, b; /* compared as a pair */
	size_t who;  /* index of the message */
};

/* Options every run reads. */
static size_t top_ham;   /* -t: print this many highest-scored ham */
static bool rank_margin; /* -M: rank chi2 by its margin alone */

/* The store stand-in: uint64 key -> two int64 values. */
struct kv {
	uint64_t *key; /* 0: empty (a key 0 is stored as 1, as tokenize) */
	int64_t (*val)[2];
	size_t size, n;
};

/* die - print and exit 1 */
static _Noreturn void
die(const char *what)
{
	fprintf(stderr, "learn-eval: %s\n", what);
	exit(1);
}

/* cpu_now - this thread's CPU seconds */
static double
cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		die("clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* kv_mix - splitmix64's finish, for the slot */
static inline uint64_t
kv_mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* kv_slot - the slot of key k, or the empty one where it goes */
static size_t
kv_slot(const struct kv *kv, uint64_t k)
{
	size_t i = (size_t)kv_mix(k) & (kv->size - 1);

	while (kv->key[i] != 0 && kv->key[i] != k)
		i = (i + 1) & (kv->size - 1);
	return i;
}

/* kv_init - an empty table of 2^bits slots */
static void
kv_init(struct kv *kv, unsigned bits)
{
	kv->size = (size_t)1 << bits;
	kv->n = 0;
	kv->key = vg_calloc(kv->size, sizeof(*kv->key));
	kv->val = vg_calloc(kv->size, sizeof(*kv->val));
	if (kv->key == NULL || kv->val == NULL)
		die("out of memory");
}

/* kv_fini - free the table */
static void
kv_fini(struct kv *kv)
{
	vg_free(kv->key);
	vg_free(kv->val);
	kv->key = NULL;
	kv->val = NULL;
}

/* kv_get - the values of k (zeros when absent) */
static const int64_t *
kv_get(const struct kv *kv, uint64_t k)
{
	static const int64_t zero[2];
	size_t i = kv_slot(kv, k == 0 ? 1 : k);

	return kv->key[i] == 0 ? zero : kv->val[i];
}

/* kv_add - add d to value j of k ("INCRBY") */
static void
kv_add(struct kv *kv, uint64_t k, int j, int64_t d)
{
	size_t i;

	if (k == 0)
		k = 1;
	i = kv_slot(kv, k);
	if (kv->key[i] == 0) {
		if ((kv->n + 1) * 10 > kv->size * 7)
			die("kv table full: raise its size");
		kv->key[i] = k;
		kv->n++;
	}
	kv->val[i][j] += d;
}

/*
 * strip_match - the header line is one learn-accuracy.sh removes: the
 * script's regular expression (case ignored, anchored at the line's
 * start) matched on the text before the first ":" with trailing blanks
 * taken off.
 */
static bool
strip_match(const char *l, size_t len)
{
	static const char *const prefix[] = {"X-Spam", "X-Virus", "X-Razor",
	    "X-Pyzor", "X-DCC", "X-SpamCop", "X-Antispam", "X-Junk"};
	static const char *const exact[] = {"X-Bogosity", "X-Scanned-By",
	    "X-Scanner", "X-Filtered-By", "X-RBL-Warning", "X-Perlmx-Spam",
	    "SPAM", "X-Keywords", "X-Status", "Status", "X-Flags", "X-UID",
	    "X-UIDL", "X-IMAPbase"};
	const char *colon = memchr(l, ':', len);
	size_t n, i, j;

	if (colon == NULL)
		return false;
	n = (size_t)(colon - l);
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		if (n >= strlen(prefix[i]) &&
		    strncasecmp(l, prefix[i], strlen(prefix[i])) == 0)
			return true;
	}
	if (n >= 2 && strncasecmp(l, "X-", 2) == 0) {
		for (i = 2; i + 11 <= n; i++) {
			if (strncasecmp(l + i, "MailScanner", 11) == 0)
				return true;
		}
	}
	while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t'))
		n--;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		if (n == strlen(exact[i]) && strncasecmp(l, exact[i], n) == 0)
			return true;
	}
	/* X-Mozilla-Status\d* */
	if (n >= 16 && strncasecmp(l, "X-Mozilla-Status", 16) == 0) {
		for (j = 16; j < n && l[j] >= '0' && l[j] <= '9'; j++)
			;
		return j == n;
	}
	return false;
}

/*
 * strip - remove the matching header lines (and their continuations) of
 * buf in place, as learn-accuracy.sh does; the new length
 */
static size_t
strip(char *buf, size_t len)
{
	size_t r = 0, w = 0, e;
	bool drop = false;

	while (r < len) {
		const char *nl = memchr(buf + r, '\n', len - r);

		e = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		/* The header block ends at an empty line ("" or "\r"). */
		if (buf[r] == '\n' ||
		    (buf[r] == '\r' && e - r == 2 && buf[r + 1] == '\n')) {
			memmove(buf + w, buf + r, len - r);
			return w + (len - r);
		}
		if (buf[r] == ' ' || buf[r] == '\t') {
			if (!drop) {
				memmove(buf + w, buf + r, e - r);
				w += e - r;
			}
		} else {
			drop = strip_match(buf + r, e - r);
			if (!drop) {
				memmove(buf + w, buf + r, e - r);
				w += e - r;
			}
		}
		r = e;
	}
	return w;
}

/* read_file - the whole file (*len_out), NULL when unreadable or huge */
static char *
read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > LE_MAX_FILE) {
				vg_free(buf);
				buf = NULL;
				break;
			}
			char *nb = vg_realloc(buf, cap);
			if (nb == NULL)
				die("out of memory");
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len_out = n;
	return buf;
}

/* tokens_of - decode and tokenize bytes; CPU seconds of each step out */
static struct vg_tokens *
tokens_of(const char *buf, size_t len, double *dec, double *tok)
{
	struct vg_msg *m;
	struct vg_text *t;
	struct vg_tokens *toks;
	double t0 = cpu_now(), t1;

	if (vg_msg_from_bytes(&m, NULL, buf, len) != 0 ||
	    vg_text_build(&t, m, NULL) != 0)
		die("cannot decode a message");
	t1 = cpu_now();
	if (vg_tokenize(&toks, t, NULL) != 0)
		die("cannot tokenize a message");
	*tok = cpu_now() - t1;
	*dec = t1 - t0;
	vg_text_free(t);
	vg_msg_free(m);
	return toks;
}

/* cmp_name - order a set's files by number */
static int
cmp_num(const void *a, const void *b)
{
	const struct msgrec *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num;
}

/* same_tokens - two sets are equal */
static bool
same_tokens(const struct vg_tokens *a, const struct vg_tokens *b)
{
	return a->n == b->n && memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0;
}

/* load - every message of the corpus, in split order; count out */
static struct msgrec *
load(const char *corpus, size_t *n_out, bool verify, size_t *differ_out)
{
	struct msgrec *all = NULL;
	size_t n = 0, cap = 0, differ = 0, stripped = 0;
	char path[4096];

	for (int s = 0; s < LE_NSETS; s++) {
		size_t first = n, prefix = strlen(sets[s].name);
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", corpus, sets[s].dir);
		if ((d = opendir(path)) == NULL)
			die("cannot open the corpus (-c)");
		while ((de = readdir(d)) != NULL) {
			char *end;
			unsigned long num;

			if (strncmp(de->d_name, sets[s].name, prefix) != 0 ||
			    de->d_name[prefix] != '.')
				continue;
			errno = 0;
			num = strtoul(de->d_name + prefix + 1, &end, 10);
			if (errno != 0 || *end != '.')
				continue;
			if (n == cap) {
				cap = cap == 0 ? 8192 : cap * 2;
				all = vg_reallocarray(all, cap, sizeof(*all));
				if (all == NULL)
					die("out of memory");
			}
			memset(&all[n], 0, sizeof(all[n]));
			if ((all[n].name = vg_strdup(de->d_name)) == NULL)
				die("out of memory");
			all[n].num = (unsigned)num;
			all[n].set = s;
			all[n].spam = sets[s].spam;
			n++;
		}
		closedir(d);
		qsort(all + first, n - first, sizeof(*all), cmp_num);
		for (size_t i = first; i < n; i++) {
			struct msgrec *m = &all[i];
			size_t len, slen, skip = 0;
			char *buf;

			m->idx = i - first;
			m->nset = n - first;
			m->first = m->idx < m->nset / 2;
			snprintf(path, sizeof(path), "%s/%s/%s", corpus,
			    sets[s].dir, m->name);
			if ((buf = read_file(path, &len)) == NULL)
				die("cannot read a message");
			/* The mbox "From " line (vg_msg would skip it too). */
			if (len >= 5 && memcmp(buf, "From ", 5) == 0) {
				const char *nl = memchr(buf, '\n', len);

				skip =
				    nl != NULL ? (size_t)(nl - buf) + 1 : len;
			}
			if (verify) {
				double a, b;
				struct vg_tokens *raw =
				    tokens_of(buf + skip, len - skip, &a, &b);

				slen = strip(buf + skip, len - skip);
				m->tok = tokens_of(buf + skip, slen,
				    &m->cpu_decode, &m->cpu_tok);
				if (!same_tokens(raw, m->tok))
					differ++;
				vg_tokens_free(raw);
			} else {
				slen = strip(buf + skip, len - skip);
				m->tok = tokens_of(buf + skip, slen,
				    &m->cpu_decode, &m->cpu_tok);
			}
			if (slen != len - skip)
				stripped++;
			vg_free(buf);
		}
	}
	fprintf(stderr, "loaded %zu messages, headers removed from %zu\n", n,
	    stripped);
	*n_out = n;
	*differ_out = differ;
	return all;
}

/* cmp_score_desc - order scores highest first */
static int
cmp_score_desc(const void *x, const void *y)
{
	const struct score *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? 1 : -1;
	if (a->b != b->b)
		return a->b < b->b ? 1 : -1;
	return 0;
}

/* score_gt - a > b as a pair */
static bool
score_gt(const struct score *a, const struct score *b)
{
	return a->a > b->a || (a->a == b->a && a->b > b->b);
}

/* recall_at - spam recall with at most floor(fp * ham) ham flagged */
static double
recall_at(double fp, struct score *ham, size_t nh, const struct score *spam,
    size_t ns)
{
	size_t k = (size_t)(fp * (double)nh + 1e-9), hit = 0;

	qsort(ham, nh, sizeof(*ham), cmp_score_desc);
	if (k >= nh)
		return 1.0;
	for (size_t i = 0; i < ns; i++) {
		if (score_gt(&spam[i], &ham[k]))
			hit++;
	}
	return (double)hit / (double)ns;
}

/* auc - Mann-Whitney, ties half */
static double
auc(struct score *ham, size_t nh, struct score *spam, size_t ns)
{
	size_t i = 0, j = 0;
	double sum = 0.0;

	/* Both descending: for each spam, the ham below it and tied. */
	qsort(ham, nh, sizeof(*ham), cmp_score_desc);
	qsort(spam, ns, sizeof(*spam), cmp_score_desc);
	for (i = 0; i < ns; i++) {
		size_t above, tied = 0;

		while (j < nh && score_gt(&ham[j], &spam[i]))
			j++;
		above = j;
		while (j + tied < nh && !score_gt(&spam[i], &ham[j + tied]))
			tied++;
		sum += (double)(nh - above - tied) + 0.5 * (double)tied;
	}
	return sum / ((double)nh * (double)ns);
}

struct run {
	const char *model; /* "chi2", "logreg" */
	const char *order; /* "sets", "mixed" */
	bool swapped;
	double r1, r5, auc, cpu_score; /* cpu_score: seconds a message */
	size_t nh, ns;
};

/* finish - the run's metrics, and its top ham (-t) on stderr */
static void
finish(struct run *r, const struct msgrec *all, struct score *ham, size_t nh,
    struct score *spam, size_t ns, double cpu)
{
	r->nh = nh;
	r->ns = ns;
	r->r1 = recall_at(0.001, ham, nh, spam, ns);
	r->r5 = recall_at(0.005, ham, nh, spam, ns);
	r->auc = auc(ham, nh, spam, ns);
	r->cpu_score = cpu / (double)(nh + ns);
	/*
	 * For chi2 (its first value a probability), the ham and spam above
	 * fixed cut-offs: what bands of a rules score would flag.
	 */
	if (strcmp(r->model, "chi2") == 0 && !rank_margin) {
		static const double cut[] = {
		    0.5, 0.6, 0.8, 0.9, 0.95, 0.99, 0.999};

		printf("%s %s cut-offs:", r->model,
		    r->swapped ? "swapped" : "split");
		for (size_t c = 0; c < sizeof(cut) / sizeof(cut[0]); c++) {
			size_t fh = 0, fs = 0;

			for (size_t i = 0; i < nh; i++)
				fh += ham[i].a > cut[c];
			for (size_t i = 0; i < ns; i++)
				fs += spam[i].a > cut[c];
			printf("  >%g: ham %zu, spam %.1f%%", cut[c], fh,
			    100.0 * (double)fs / (double)ns);
		}
		printf("\n");
	}
	/* recall_at() and auc() left ham sorted, highest first. */
	for (size_t i = 0; i < top_ham && i < nh; i++) {
		fprintf(stderr, "%s %s %s top ham %zu: %s %.17g %.6g\n",
		    r->model, r->order, r->swapped ? "swapped" : "split", i + 1,
		    all[ham[i].who].name, ham[i].a, ham[i].b);
	}
}

/* learn_order - the learned messages' indexes, in the order learned */
static size_t *
learn_order(
    const struct msgrec *all, size_t n, bool swapped, bool mixed, size_t *k_out)
{
	size_t *ord = vg_reallocarray(NULL, n, sizeof(*ord)), k = 0;

	if (ord == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		if (all[i].first != swapped)
			ord[k++] = i;
	}
	if (mixed) {
		/*
		 * Merge by relative position in the learned half of each set
		 * (insertion by key; the sets stay in their own order).
		 */
		for (size_t i = 1; i < k; i++) {
			size_t v = ord[i], j = i;
			const struct msgrec *m = &all[v];
			double key = (double)(m->idx % (m->nset / 2)) /
			    (double)(m->nset / 2);

			while (j > 0) {
				const struct msgrec *p = &all[ord[j - 1]];
				double pk = (double)(p->idx % (p->nset / 2)) /
				    (double)(p->nset / 2);

				if (pk <= key)
					break;
				ord[j] = ord[j - 1];
				j--;
			}
			ord[j] = v;
		}
	}
	*k_out = k;
	return ord;
}

/* eval_chi2 - learn counts, score the other half */
static void
eval_chi2(struct run *r, const struct msgrec *all, size_t n,
    const struct vg_chi2_params *p, struct score *keep)
{
	struct kv kv;
	struct score *ham, *spam;
	struct vg_chi2_token *tk = NULL;
	double cpu = 0.0;
	size_t cap = 0, nh = 0, ns = 0, k, *ord;
	uint64_t nspam = 0, nham = 0;

	kv_init(&kv, 23);
	ord = learn_order(all, n, r->swapped, false, &k);
	for (size_t i = 0; i < k; i++) {
		const struct msgrec *m = &all[ord[i]];

		for (size_t t = 0; t < m->tok->n; t++)
			kv_add(&kv, m->tok->v[t], m->spam ? 0 : 1, 1);
		if (m->spam)
			nspam++;
		else
			nham++;
	}
	ham = vg_reallocarray(NULL, n, sizeof(*ham));
	spam = vg_reallocarray(NULL, n, sizeof(*spam));
	if (ham == NULL || spam == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct msgrec *m = &all[i];
		struct vg_chi2_result res;
		struct score sc;
		double t0;

		if (m->first != r->swapped)
			continue;
		if (m->tok->n > cap) {
			cap = m->tok->n;
			tk = vg_reallocarray(tk, cap, sizeof(*tk));
			if (tk == NULL)
				die("out of memory");
		}
		t0 = cpu_now();
		for (size_t t = 0; t < m->tok->n; t++) {
			const int64_t *v = kv_get(&kv, m->tok->v[t]);

			tk[t].spam = (uint64_t)v[0];
			tk[t].ham = (uint64_t)v[1];
			tk[t].order = m->tok->v[t];
		}
		if (vg_chi2_score(&res, tk, m->tok->n, nspam, nham, p) != 0)
			die("chi2 parameters out of range");
		cpu += cpu_now() - t0;
		sc = rank_margin ? (struct score){res.margin, 0.0, i}
		                 : (struct score){res.prob, res.margin, i};
		if (m->spam)
			spam[ns++] = sc;
		else
			ham[nh++] = sc;
		keep[i] = (struct score){res.prob, res.margin, i};
	}
	finish(r, all, ham, nh, spam, ns, cpu);
	vg_free(ord);
	vg_free(tk);
	vg_free(ham);
	vg_free(spam);
	kv_fini(&kv);
}

/* eval_logreg - learn online in the run's order, score the other half */
static void
eval_logreg(struct run *r, const struct msgrec *all, size_t n,
    const struct vg_logreg_params *p, size_t *updates_out, struct score *keep)
{
	struct kv kv;
	struct score *ham, *spam;
	int64_t *w = NULL, *d = NULL;
	double cpu = 0.0;
	size_t cap = 0, nh = 0, ns = 0, k, *ord, updates = 0;

	kv_init(&kv, 23);
	ord =
	    learn_order(all, n, r->swapped, strcmp(r->order, "mixed") == 0, &k);
	for (size_t i = 0; i < n; i++) {
		if (all[i].tok->n > cap)
			cap = all[i].tok->n;
	}
	w = vg_reallocarray(NULL, cap + 1, sizeof(*w));
	d = vg_reallocarray(NULL, cap + 1, sizeof(*d));
	if (w == NULL || d == NULL)
		die("out of memory");
	for (size_t i = 0; i < k; i++) {
		const struct msgrec *m = &all[ord[i]];
		bool changed;

		for (size_t t = 0; t < m->tok->n; t++)
			w[t] = kv_get(&kv, m->tok->v[t])[0];
		if (vg_logreg_delta(d, &changed, w, m->tok->n, m->spam, p) != 0)
			die("logreg parameters out of range");
		if (!changed)
			continue;
		updates++;
		for (size_t t = 0; t < m->tok->n; t++) {
			if (d[t] != 0)
				kv_add(&kv, m->tok->v[t], 0, d[t]);
		}
	}
	ham = vg_reallocarray(NULL, n, sizeof(*ham));
	spam = vg_reallocarray(NULL, n, sizeof(*spam));
	if (ham == NULL || spam == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct msgrec *m = &all[i];
		struct vg_logreg_result res;
		double t0;

		if (m->first != r->swapped)
			continue;
		t0 = cpu_now();
		for (size_t t = 0; t < m->tok->n; t++)
			w[t] = kv_get(&kv, m->tok->v[t])[0];
		vg_logreg_score(&res, w, m->tok->n);
		cpu += cpu_now() - t0;
		if (m->spam)
			spam[ns++] = (struct score){res.z, 0.0, i};
		else
			ham[nh++] = (struct score){res.z, 0.0, i};
		keep[i] = (struct score){res.prob, res.z, i};
	}
	finish(r, all, ham, nh, spam, ns, cpu);
	*updates_out = updates;
	vg_free(ord);
	vg_free(w);
	vg_free(d);
	vg_free(ham);
	vg_free(spam);
	kv_fini(&kv);
}

/*
 * eval_combo - the mean of the chi2 and logreg probabilities of the same
 * split (kc, kl: their per-message results), ties by the chi2 margin
 */
static void
eval_combo(struct run *r, const struct msgrec *all, size_t n,
    const struct score *kc, const struct score *kl, double cpu)
{
	struct score *ham, *spam;
	size_t nh = 0, ns = 0;

	ham = vg_reallocarray(NULL, n, sizeof(*ham));
	spam = vg_reallocarray(NULL, n, sizeof(*spam));
	if (ham == NULL || spam == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		struct score sc = {(kc[i].a + kl[i].a) / 2.0, kc[i].b, i};

		if (all[i].first != r->swapped)
			continue;
		if (all[i].spam)
			spam[ns++] = sc;
		else
			ham[nh++] = sc;
	}
	finish(r, all, ham, nh, spam, ns, cpu * (double)(nh + ns));
	vg_free(ham);
	vg_free(spam);
}

/* num_opt - a double option, or exit 2 */
static double
num_opt(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "learn-eval: bad number %s\n", s);
		exit(2);
	}
	return v;
}

/* main - load, tokenize, learn and score every model and split */
int
main(int argc, char **argv)
{
	const char *corpus = VG_SOURCE_DIR "/../shared/corpus/spamassassin";
	struct vg_chi2_params cp;
	struct vg_logreg_params lp;
	struct msgrec *all;
	struct run runs[10];
	struct score *kc, *kl;
	size_t n, differ, nrun = 0, updates[10] = {0};
	double dec = 0.0, tok = 0.0, ntok = 0.0;
	bool verify = false;
	int opt;

	vg_chi2_params_default(&cp);
	vg_logreg_params_default(&lp);
	while ((opt = getopt(argc, argv, "c:VMt:s:x:d:n:r:g:w:")) != -1) {
		switch (opt) {
		case 'M':
			rank_margin = true;
			break;
		case 't':
			top_ham = (size_t)num_opt(optarg);
			break;
		case 'c':
			corpus = optarg;
			break;
		case 'V':
			verify = true;
			break;
		case 's':
			cp.s = num_opt(optarg);
			break;
		case 'x':
			cp.x = num_opt(optarg);
			break;
		case 'd':
			cp.min_dev = num_opt(optarg);
			break;
		case 'n':
			cp.max_tokens = (size_t)num_opt(optarg);
			break;
		case 'r':
			lp.rate = num_opt(optarg);
			break;
		case 'g':
			lp.margin = num_opt(optarg);
			break;
		case 'w':
			lp.max_weight = num_opt(optarg);
			break;
		default:
			fprintf(stderr,
			    "usage: learn-eval [-c CORPUS] [-V] [-M] [-t N] "
			    "[-s S] [-x X] "
			    "[-d MIN_DEV] [-n MAX_TOKENS] [-r RATE] "
			    "[-g MARGIN] [-w MAX_WEIGHT]\n");
			return 2;
		}
	}
	if (vg_text_global_init() != 0)
		die("vg_text_global_init");
	all = load(corpus, &n, verify, &differ);
	for (size_t i = 0; i < n; i++) {
		dec += all[i].cpu_decode;
		tok += all[i].cpu_tok;
		ntok += (double)all[i].tok->n;
	}
	kc = vg_reallocarray(NULL, 2 * n, sizeof(*kc));
	kl = vg_reallocarray(NULL, 4 * n, sizeof(*kl));
	if (kc == NULL || kl == NULL)
		die("out of memory");
	for (int sw = 0; sw < 2; sw++) {
		runs[nrun] =
		    (struct run){"chi2", "-", sw == 1, 0, 0, 0, 0, 0, 0};
		eval_chi2(&runs[nrun++], all, n, &cp, kc + sw * n);
	}
	for (int sw = 0; sw < 2; sw++) {
		for (int mx = 0; mx < 2; mx++) {
			runs[nrun] = (struct run){"logreg",
			    mx ? "mixed" : "sets", sw == 1, 0, 0, 0, 0, 0, 0};
			eval_logreg(&runs[nrun], all, n, &lp, &updates[nrun],
			    kl + (2 * sw + mx) * n);
			nrun++;
		}
	}
	for (int sw = 0; sw < 2; sw++) {
		for (int mx = 0; mx < 2; mx++) {
			runs[nrun] = (struct run){"combo",
			    mx ? "mixed" : "sets", sw == 1, 0, 0, 0, 0, 0, 0};
			eval_combo(&runs[nrun], all, n, kc + sw * n,
			    kl + (2 * sw + mx) * n,
			    runs[sw].cpu_score +
			        runs[2 + 2 * sw + mx].cpu_score);
			nrun++;
		}
	}
	printf("chi2 s=%g x=%g min_dev=%g max_tokens=%zu; "
	       "logreg rate=%g margin=%g max_weight=%g\n",
	    cp.s, cp.x, cp.min_dev, cp.max_tokens, lp.rate, lp.margin,
	    lp.max_weight);
	printf("%-7s %-5s %-8s %8s %8s %8s %9s %9s %s\n", "model", "order",
	    "split", "R@0.1%", "R@0.5%", "AUC", "score_us", "ham/spam",
	    "updates");
	for (size_t i = 0; i < nrun; i++) {
		const struct run *r = &runs[i];

		printf("%-7s %-5s %-8s %7.2f%% %7.2f%% %8.5f %9.1f %4zu/%-4zu",
		    r->model, r->order, r->swapped ? "swapped" : "split",
		    100.0 * r->r1, 100.0 * r->r5, r->auc, 1e6 * r->cpu_score,
		    r->nh, r->ns);
		if (strcmp(r->model, "logreg") == 0)
			printf(" %zu", updates[i]);
		printf("\n");
	}
	printf("per message (all %zu): decode %.1f us, tokenize %.1f us, "
	       "%.0f tokens\n",
	    n, 1e6 * dec / (double)n, 1e6 * tok / (double)n, ntok / (double)n);
	if (verify)
		printf("raw vs stripped token sets differ in %zu messages\n",
		    differ);
	for (size_t i = 0; i < n; i++) {
		vg_tokens_free(all[i].tok);
		vg_free(all[i].name);
	}
	vg_free(all);
	vg_free(kc);
	vg_free(kl);
	return 0;
}
