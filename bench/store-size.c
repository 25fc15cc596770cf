/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store-size - how big an LMDB store grows, and what its reads cost.
 *
 * PURPOSE  Writes N keys shaped as the classifier's tokens ('t' and 8
 *	    bytes of a hash, an int64 count, a 90-day TTL) into a fresh
 *	    LMDB store in batches of B keys (incr_many, one transaction
 *	    each, as `vigil learn` writes a message), then times get_many
 *	    of 300 keys (a message's lookups).  Prints the store's stats;
 *	    run mdb_stat -ef on the file for LMDB's own count of pages.
 *	    Usage: store-size FILE [N [B]] (defaults 1000000 and 300);
 *	    FILE must not exist.  A tool, never installed (bench/README).
 * LIMITS   N at most 100,000,000; B from 1 to VG_STORE_BATCH_MAX.
 * ERRORS   Exits 1 with a message when the store fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/num.h"
#include "store/store.h"

#define LOOKUPS 300
#define ROUNDS  2000

static unsigned char kbuf[VG_STORE_BATCH_MAX][9];
static struct vg_store_key keys[VG_STORE_BATCH_MAX];
static int64_t deltas[VG_STORE_BATCH_MAX];

/* seconds - a clock's reading in seconds */
static double
seconds(clockid_t clk)
{
	struct timespec ts;

	(void)clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv);

/* token - key j of the buffers: 't' and the 64-bit mix of n */
static void
token(size_t j, uint64_t n)
{
	n += 0x9e3779b97f4a7c15ull;
	n = (n ^ (n >> 30)) * 0xbf58476d1ce4e5b9ull;
	n = (n ^ (n >> 27)) * 0x94d049bb133111ebull;
	n ^= n >> 31;
	kbuf[j][0] = 't';
	memcpy(kbuf[j] + 1, &n, 8);
	keys[j].data = kbuf[j];
	keys[j].len = 9;
	deltas[j] = 1;
}

/* main - write, read, report */
int
main(int argc, char **argv)
{
	struct vg_store_opts opts = {0};
	struct vg_store_stats st;
	struct vg_store *store;
	uint64_t n = 1000000, b = 300;
	int64_t v[LOOKUPS];
	bool found[LOOKUPS];
	const char *why = NULL;
	double t0, t1;

	if (argc < 2 || argc > 4 ||
	    (argc > 2 && vg_num_uint(&n, argv[2], 1, 100000000, &why) != 0) ||
	    (argc > 3 &&
	        vg_num_uint(&b, argv[3], 1, VG_STORE_BATCH_MAX, &why) != 0)) {
		fprintf(stderr, "usage: store-size FILE [N [B]]\n");
		return 1;
	}
	if (access(argv[1], F_OK) == 0) {
		fprintf(stderr, "store-size: %s exists\n", argv[1]);
		return 1;
	}
	opts.location = argv[1];
	if (vg_store_new(&store, "lmdb", &opts) != 0) {
		fprintf(stderr, "store-size: cannot open %s\n", argv[1]);
		return 1;
	}
	t0 = seconds(CLOCK_MONOTONIC);
	for (uint64_t i = 0; i < n; i += b) {
		size_t m = n - i < b ? (size_t)(n - i) : (size_t)b;

		for (size_t j = 0; j < m; j++)
			token(j, i + j);
		if (vg_store_incr_many(
		        store, NULL, keys, deltas, m, 90ull * 86400000) != 0) {
			fprintf(stderr, "store-size: write failed\n");
			return 1;
		}
	}
	t1 = seconds(CLOCK_MONOTONIC);
	vg_store_stats(store, &st);
	printf("%" PRIu64 " keys in batches of %" PRIu64 ": %.2f s\n", n, b,
	    t1 - t0);
	printf("stats: keys %zu, bytes %" PRIu64 " (%.1f per key), map %" PRIu64
	       "\n",
	    st.keys, st.bytes, (double)st.bytes / (double)n, st.max_bytes);
	t0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
	for (uint64_t r = 0; r < ROUNDS; r++) {
		for (size_t j = 0; j < LOOKUPS; j++)
			token(j, (r * LOOKUPS + j) * 7919 % n);
		if (vg_store_get_many(store, v, found, keys, LOOKUPS) != 0) {
			fprintf(stderr, "store-size: read failed\n");
			return 1;
		}
	}
	t1 = seconds(CLOCK_PROCESS_CPUTIME_ID);
	printf("get_many of %d keys: %.3f ms of CPU\n", LOOKUPS,
	    (t1 - t0) * 1e3 / ROUNDS);
	vg_store_unref(store);
	return 0;
}
