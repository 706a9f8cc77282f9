/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty host benchmark: shared declarations.
 */
#ifndef _IODIRTY_BENCH_H
#define _IODIRTY_BENCH_H

#include <stdio.h>
#include <time.h>

#include "pt.h"

/* the murmur3 finaliser: the benches' reproducible "random" pattern choice */
static inline u64 bench_mix64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Keep the compiler from dropping a computed value. */
#define bench_keep(v) __asm__ __volatile__("" : : "r"(v) : "memory")

/*
 * Per-format description of leaf PTE dirty state, for the scan limit and
 * the per-page baseline (bench_fmt.c).  A leaf is dirty when
 * (pte & dirty_mask) == dirty_val; harvesting it makes it
 * pte ^ clean_xor (D cleared, or ARM AP[2] set).
 */
struct bench_fmt {
	enum pt_format fmt;
	const char *name;
	unsigned int granule_shift;
	unsigned int va_bits;
	u64 dirty_mask;
	u64 dirty_val;
	u64 clean_xor;
};

struct bench_lookup {
	u64 *pte;		/* leaf PTE (first replica), NULL for a hole */
	unsigned int nr;	/* replicas (AMD contiguous leaves), else 1 */
	u64 size;		/* bytes the entry covers (leaf or hole) */
};

const struct bench_fmt *bench_fmt_get(enum pt_format fmt);

/* fetch_pte-style root-to-leaf lookup of @iova (bench_perpage.c). */
void bench_lookup(const struct pt_domain *d, u64 iova,
		  struct bench_lookup *out);

/*
 * The pre-6.19 AMD/VT-d harvesting algorithm: a root-to-leaf lookup for
 * every IOVA step, an atomic test-and-clear on the dirty bit of every
 * present leaf (every replica), dirty leaves recorded in @bm.
 * Returns the number of dirty leaves found.
 */
u64 bench_perpage_harvest(const struct pt_domain *d, u64 iova, u64 len,
			  struct pt_bitmap *bm, u64 *leaves);

/* bench_ref.c: references, eviction, split harvest */
enum bench_ref { REF_READ, REF_PLAIN, REF_ATOMIC };

/* > 2x this host's 260 MiB L3 (platform.md, re-measured 2026-12-02) */
#define BENCH_EVICT_MIB	576

void *bench_thp_alloc(size_t sz);
u64 bench_ref(enum pt_format fmt, enum bench_ref kind, u64 *a, u64 n);
u64 bench_ref_mt(enum pt_format fmt, enum bench_ref kind, u64 *a, u64 n,
		 unsigned int nth);
int bench_split_harvest(struct pt_domain *d, u64 iova, u64 len,
			struct pt_bitmap *bm, unsigned int nth,
			struct pt_dirty_stats *st, unsigned int *nparts);
void bench_evict(void);

#endif /* _IODIRTY_BENCH_H */
