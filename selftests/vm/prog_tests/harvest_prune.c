// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Accessed-bit subtree pruning in the module (parameter harvest_prune,
 * kmod/hwpt.c; kmod/pt/pt_walk_prune.h) against the DMA workload: the
 * emulated IOMMU walk sets the non-leaf accessed bits and keeps a
 * paging-structure cache of PDEs (kmod/dma.c); pruning harvests skip the
 * subtrees no walk went through and invalidate the PSC for the ones whose
 * A they clear.  Repeated GET_DIRTY_BITMAPs while a workload writes must
 * each be complete (the epoch oracle judges every round), and the module
 * must say it pruned (harvest_pruned) and invalidated PSCs
 * (harvest_psc_invals).  A sequential workload keeps to a few of the 32
 * leaf tables per round, a random one touches all of them; both are
 * judged, and the sequential one again with the harvest split across
 * CPUs (harvest_split.c forwards the PSC invalidation callback).  The
 * parameters are restored afterwards.
 */
#include "../oracle_rounds.h"

#define NPAGES	16384			/* 64 MiB at 4 KiB: 32 leaf tables */
#define LEN	((__u64)NPAGES * SZ_4K)
#define BMB	(NPAGES / 8)
#define NGETS	20
#define RATE	50000

static long read_counter(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/iodirty/parameters/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static __u64 rounds_under_workload(struct emu_env *e, __u32 pattern,
				   int rounds, __u64 seed, __u8 *bm, __u8 *acc)
{
	return emu_rounds_under_workload(e, pattern, LEN, RATE, rounds, seed,
					 bm, acc);
}

static void one(struct emu_env *e, __u32 pattern, __u64 seed, __u8 *bm,
		__u8 *acc, bool expect_pruned)
{
	long p0 = read_counter("harvest_pruned");
	long i0 = read_counter("harvest_psc_invals");
	long p1, i1;

	ASSERT_EQ(rounds_under_workload(e, pattern, NGETS, seed, bm, acc), 0,
		  "missed pages, judged per round");
	p1 = read_counter("harvest_pruned");
	i1 = read_counter("harvest_psc_invals");
	ASSERT_GE(p0, 0, "harvest_pruned readable");
	ASSERT_GE(i0, 0, "harvest_psc_invals readable");
	printf("# %s: %ld subtrees pruned, %ld PSC invalidations\n",
	       test__current(), p1 - p0, i1 - i0);
	ASSERT_GE(i1 - i0, 1, "PSC invalidations issued");
	if (expect_pruned)
		ASSERT_GE(p1 - p0, 1, "subtrees pruned");
}

DEFINE_TEST(harvest_prune)
{
	struct emu_env e = { .fd = -1 };
	void *buf = emu_alloc(LEN);
	__u8 *bm = calloc(1, BMB), *acc = calloc(1, BMB);
	bool ok;

	ok = ASSERT_OK_PTR(buf, "alloc") && ASSERT_OK_PTR(bm, "bm") &&
	     ASSERT_OK_PTR(acc, "acc") &&
	     emu_env_setup(&e, IODIRTY_MODEL_AMD, SZ_4K, buf, LEN, EMU_IOVA,
			   true) &&
	     ASSERT_OK(emu_write_param("harvest_prune", "1"),
		       "harvest_prune=1");
	if (test__start_subtest("sequential_pruned") && ok)
		one(&e, IODIRTY_WL_SEQUENTIAL, 91, bm, acc, true);
	if (test__start_subtest("random_no_lost") && ok)
		one(&e, IODIRTY_WL_RANDOM, 92, bm, acc, false);
	/* the harvest split across CPUs forwards the PSC invalidations */
	if (test__start_subtest("split_pruned") && ok) {
		if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
			test__skip("one CPU: nothing to split across");
		else if (ASSERT_OK(emu_write_param("harvest_threads", "2"),
				   "harvest_threads=2") &&
			 ASSERT_OK(emu_write_param("harvest_split_min", "1048576"),
				   "harvest_split_min=1M")) {
			long s0 = read_counter("harvest_splits");

			one(&e, IODIRTY_WL_SEQUENTIAL, 93, bm, acc, true);
			ASSERT_GE(read_counter("harvest_splits") - s0, NGETS,
				  "harvests split");
		}
		/* the module's defaults (kmod/harvest_split.c) */
		emu_write_param("harvest_threads", "2");
		emu_write_param("harvest_split_min", "17179869184");
	}
	emu_write_param("harvest_prune", "0");
	emu_env_teardown(&e);
	emu_free(buf, LEN);
	free(bm);
	free(acc);
}
