// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A harvest walked by several CPUs (kmod/harvest_split.c) against the DMA
 * workload: with the split threshold lowered so that a 64 MiB mapping is
 * walked in parts, repeated GET_DIRTY_BITMAPs while the device writes must
 * each be complete (the epoch oracle judges every round on its own), and
 * the module must say it split them (parameter harvest_splits).  With
 * harvest_threads=1 the same harvests are not split.  The parameters are
 * restored afterwards.  Needs two CPUs (run-vm-tests boots with -smp 2).
 */
#include "../oracle_rounds.h"

#define NPAGES	16384			/* 64 MiB at 4 KiB */
#define LEN	((__u64)NPAGES * SZ_4K)
#define BMB	(NPAGES / 8)
#define NGETS	20
#define RATE	50000

static long read_splits(void)
{
	FILE *f = fopen("/sys/module/iodirty/parameters/harvest_splits", "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* @rounds GETs while a random workload writes; missed pages, per round */
static __u64 rounds_under_workload(struct emu_env *e, int rounds, __u64 seed,
				   __u8 *bm, __u8 *acc)
{
	return emu_rounds_under_workload(e, IODIRTY_WL_RANDOM, LEN, RATE,
					 rounds, seed, bm, acc);
}

DEFINE_TEST(harvest_split)
{
	struct emu_env e = { .fd = -1 };
	void *buf = emu_alloc(LEN);
	__u8 *bm = calloc(1, BMB), *acc = calloc(1, BMB);
	long before, after;
	bool ok;

	ok = ASSERT_OK_PTR(buf, "alloc") && ASSERT_OK_PTR(bm, "bm") &&
	     ASSERT_OK_PTR(acc, "acc") &&
	     emu_env_setup(&e, IODIRTY_MODEL_AMD, SZ_4K, buf, LEN, EMU_IOVA,
			   true);
	if (test__start_subtest("concurrent_get_split") && ok) {
		if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
			test__skip("one CPU: nothing to split across");
		} else if (ASSERT_OK(emu_write_param("harvest_threads", "2"),
				     "harvest_threads=2") &&
			   ASSERT_OK(emu_write_param("harvest_split_min", "1048576"),
				     "harvest_split_min=1M")) {
			before = read_splits();
			ASSERT_EQ(rounds_under_workload(&e, NGETS, 77, bm, acc),
				  0, "missed pages, judged per round");
			after = read_splits();
			ASSERT_GE(before, 0, "harvest_splits readable");
			/* every GET of the rounds (and the drain) was split */
			ASSERT_GE(after - before, NGETS + 2, "harvests split");
		}
	}
	if (test__start_subtest("single_thread_when_capped") && ok) {
		if (ASSERT_OK(emu_write_param("harvest_threads", "1"),
			      "harvest_threads=1")) {
			before = read_splits();
			ASSERT_EQ(rounds_under_workload(&e, 5, 78, bm, acc), 0,
				  "missed pages, judged per round");
			ASSERT_EQ(read_splits(), before, "no harvest split");
		}
	}
	/* the module's defaults (kmod/harvest_split.c) */
	emu_write_param("harvest_threads", "2");
	emu_write_param("harvest_split_min", "17179869184");
	emu_env_teardown(&e);
	emu_free(buf, LEN);
	free(bm);
	free(acc);
}
