/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Harvest rounds judged by the epoch oracle while a DMA workload writes,
 * shared by the VM tests of harvest variants (harvest_split.c,
 * harvest_prune.c): each round must be complete on its own.
 */
#ifndef __IODIRTY_ORACLE_ROUNDS_H
#define __IODIRTY_ORACLE_ROUNDS_H

#include "emu_util.h"

/*
 * @rounds GET_DIRTY_BITMAPs of [e->iova, e->iova + @len) at 4 KiB while a
 * @pattern workload writes at @rate, each judged by the epoch oracle, then
 * a final one after the workload stopped and a check of everything
 * harvested (@acc) against the oracle.  @bm and @acc hold @len / 32 KiB
 * bytes.  Returns the pages missed per round, summed.
 */
static inline __u64 emu_rounds_under_workload(struct emu_env *e,
					      __u32 pattern, __u64 len,
					      __u32 rate, int rounds,
					      __u64 seed, __u8 *bm, __u8 *acc)
{
	const __u64 bmb = len / SZ_4K / 8;
	struct iodirty_workload st;
	struct iodirty_oracle o;
	__u64 missed = 0;
	int i;

	memset(acc, 0, bmb);
	memset(bm, 0, bmb);
	emu_get_dirty(e->fd, e->hwpt, e->iova, len, SZ_4K, bm, 0);
	if (!ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset"))
		return 1;
	if (!ASSERT_OK(emu_wl_start(e->fd, e->dev, pattern, e->iova, len,
				    rate, seed), "workload START"))
		return 1;
	for (i = 0; i <= rounds; i++) {
		bool last = i == rounds;

		if (last && !ASSERT_OK(emu_wl_stop(e->fd, e->dev, &st),
				       "workload STOP"))
			return 1;
		if (!last)
			emu_msleep(5);
		memset(bm, 0, bmb);
		if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, len,
					     SZ_4K, bm, 0), "GET"))
			break;
		emu_bm_or(acc, bm, bmb);
		if (ASSERT_OK(iodirty_oracle_round(e->fd, e->hwpt, 0, e->iova,
						   len, SZ_4K, bm, 0,
						   last ? IODIRTY_ORACLE_ROUND_FINAL : 0,
						   &o), "ORACLE ROUND"))
			missed += o.out_missed;
	}
	ASSERT_TRUE(st.out_writes > 0, "the workload wrote");
	ASSERT_EQ(st.out_faults, 0, "no faults");
	if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, e->iova, len, SZ_4K, acc,
				       &o), "ORACLE CHECK")) {
		ASSERT_EQ(o.out_missed, 0, "oracle out_missed");
		ASSERT_EQ(o.out_spurious, 0, "oracle out_spurious");
	}
	printf("# %s: %llu writes, %llu pages dirtied, %llu missed per round\n",
	       test__current(), (unsigned long long)st.out_writes,
	       (unsigned long long)o.out_written, (unsigned long long)missed);
	return missed;
}

#endif /* __IODIRTY_ORACLE_ROUNDS_H */
