/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the host tests (and usable by the fuzzer/bench):
 *   rng         splitmix64, seeded and reproducible
 *   runlog      a pt_dirty_sink that records runs and cleared runs and
 *               can be told to fail the n-th run
 *   pt_tree_hash  hash of every entry of every table (snapshot: a failed
 *               operation must leave it unchanged)
 */
#ifndef _IODIRTY_PTUTIL_H
#define _IODIRTY_PTUTIL_H

#include "pt.h"

static inline u64 rng_next(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) (n > 0); bias is irrelevant for tests */
static inline u64 rng_below(u64 *s, u64 n)
{
	return rng_next(s) % n;
}

struct run {
	u64 iova;
	u64 len;
};

struct runlog {
	struct run *runs;
	u64 nruns;
	struct run *cleared;
	u64 ncleared;
	u64 cap_runs, cap_cleared;
	long fail_at;		/* fail the run with this index (0-based) */
	int fail_err;		/* ... with this (negative) errno */
	long calls;		/* sink->run calls so far */
};

void runlog_init(struct runlog *l);
void runlog_reset(struct runlog *l);	/* forget runs, keep fail_at */
void runlog_free(struct runlog *l);
struct pt_dirty_sink runlog_sink(struct runlog *l);
int runlog_run(void *arg, u64 iova, u64 len);
void runlog_cleared(void *arg, u64 iova, u64 len);

u64 pt_tree_hash(const struct pt_domain *d);

#endif /* _IODIRTY_PTUTIL_H */
