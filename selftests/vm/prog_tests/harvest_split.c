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
#include "../emu_util.h"

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
	struct iodirty_workload st;
	struct iodirty_oracle o;
	__u64 missed = 0;
	int i;

	memset(acc, 0, BMB);
	memset(bm, 0, BMB);
	emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0);
	if (!ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset"))
		return 1;
	if (!ASSERT_OK(emu_wl_start(e->fd, e->dev, IODIRTY_WL_RANDOM, e->iova,
				    LEN, RATE, seed), "workload START"))
		return 1;
	for (i = 0; i <= rounds; i++) {
		bool last = i == rounds;

		if (last && !ASSERT_OK(emu_wl_stop(e->fd, e->dev, &st),
				       "workload STOP"))
			return 1;
		if (!last)
			emu_msleep(5);
		memset(bm, 0, BMB);
		if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN,
					     SZ_4K, bm, 0), "GET"))
			break;
		emu_bm_or(acc, bm, BMB);
		if (ASSERT_OK(iodirty_oracle_round(e->fd, e->hwpt, 0, e->iova,
						   LEN, SZ_4K, bm, 0,
						   last ? IODIRTY_ORACLE_ROUND_FINAL : 0,
						   &o), "ORACLE ROUND"))
			missed += o.out_missed;
	}
	ASSERT_TRUE(st.out_writes > 0, "the workload wrote");
	ASSERT_EQ(st.out_faults, 0, "no faults");
	if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, e->iova, LEN, SZ_4K, acc,
				       &o), "ORACLE CHECK")) {
		ASSERT_EQ(o.out_missed, 0, "oracle out_missed");
		ASSERT_EQ(o.out_spurious, 0, "oracle out_spurious");
	}
	printf("# %s: %llu writes, %llu pages dirtied, %llu missed per round\n",
	       test__current(), (unsigned long long)st.out_writes,
	       (unsigned long long)o.out_written, (unsigned long long)missed);
	return missed;
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
