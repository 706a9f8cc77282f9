/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty host benchmark: accessed-bit subtree pruning case
 * (bench_prune.c).
 */
#ifndef _IODIRTY_BENCH_PRUNE_H
#define _IODIRTY_BENCH_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include "pt.h"

#define BENCH_PRUNE_VARIANTS	2	/* 512 and 8 pages per region */

/* times are best (and worst) over the repetitions, in seconds */
struct bench_prune_variant {
	unsigned int pages_per_region;
	u64 regions_written, pages_written;	/* last repetition */
	double full_s, full_max_s;
	double prune_s, prune_max_s;		/* modelled invalidations in */
	u64 psc_invals;				/* per pruning harvest */
	u64 table_a_cleared, pruned;
	u64 tables_full, tables_prune;		/* tables visited */
	u64 missed_full, missed_prune;		/* over all repetitions */
	u64 extra_full, extra_prune;
};

struct bench_prune_result {
	bool ran;
	u64 leaves, regions;
	int reps;
	double inval_ns;
	struct bench_prune_variant v[BENCH_PRUNE_VARIANTS];
};

int bench_prune(u64 leaves, int reps, double inval_ns,
		struct bench_prune_result *out);
void bench_prune_print(const struct bench_prune_result *r);
int bench_prune_json(const struct bench_prune_result *r, char *buf, size_t n);

#endif /* _IODIRTY_BENCH_PRUNE_H */
