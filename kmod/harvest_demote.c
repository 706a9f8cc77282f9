// SPDX-License-Identifier: GPL-2.0
/*
 * Policy-driven demotion of 2 MiB leaves (huge-IOPTE splitting).
 *
 * A 2 MiB leaf has one dirty bit: a migration that finds it dirty resends
 * 2 MiB, however little was written.  A policy's flush member, which sees
 * the ranges a harvest just cleared, may ask with bpf_iodirty_demote()
 * (kfuncs.c) for the 2 MiB leaves of a range to be demoted into 4 KiB
 * leaves; later harvests then report 4 KiB granules there.
 *
 * The request is only recorded in the harvest's batch: the flush member
 * runs inside the walk with the IOAS rwsem held for read and must not
 * change the table's structure.  iodirty_harvest_demote() runs after the
 * harvest (or scan) has completed, its IOTLB invalidations included, and
 * does the demotion under the IOAS rwsem held for write (what map and
 * unmap hold for structure changes: no harvest, scan or emulated DMA runs
 * meanwhile).  pt_demote() (kmod/pt/pt_demote.c) keeps every dirty bit:
 * each new 4 KiB leaf inherits the old leaf's dirty and accessed state,
 * the new table entry is created accessed (pruning harvests walk it), and
 * the install is a compare-and-exchange against the copied leaf.  Each
 * demoted leaf's range is then invalidated in every attached device's
 * IOTLB and paging-structure cache (iodirty_hwpt_flush()): a device may
 * still cache the 2 MiB translation, which the table no longer has.
 *
 * test_demote_skip_flush (lab only) skips that invalidation, so the VM
 * test (selftests/vm/prog_tests/demote.c) can show that it catches a
 * device still translating through the old 2 MiB entry.
 */
#include <linux/moduleparam.h>
#include <linux/sched.h>

#include "iodirty.h"

#define DEMOTE_SIZE	SZ_2M

static bool test_demote_skip_flush;
module_param(test_demote_skip_flush, bool, 0644);
MODULE_PARM_DESC(test_demote_skip_flush,
		 "Test only (lab=1): skip the IOTLB invalidation after demoting 2 MiB leaves (wrong on purpose)");

/**
 * iodirty_batch_demote - record a bpf_iodirty_demote() request
 * @b: the batch of the harvest in progress
 * @start: first IOVA
 * @end: end (exclusive)
 *
 * Overlapping or adjacent requests merge into one.
 *
 * Return: 0; -EINVAL empty range; -EOPNOTSUPP the domain has no 2 MiB
 * leaves at level 1 (2 KiB granule: mock); -ENOSPC IODIRTY_DEMOTE_MAX
 * disjoint requests already recorded.
 */
int iodirty_batch_demote(struct iodirty_flush_batch *b, u64 start, u64 end)
{
	unsigned int i;

	if (start >= end)
		return -EINVAL;
	if (b->hwpt && b->hwpt->pt.granule_shift != 12)
		return -EOPNOTSUPP;
	for (i = 0; i < b->nr_demote; i++) {
		if (start <= b->demote_end[i] && b->demote_start[i] <= end) {
			b->demote_start[i] = min(b->demote_start[i], start);
			b->demote_end[i] = max(b->demote_end[i], end);
			return 0;
		}
	}
	if (b->nr_demote == IODIRTY_DEMOTE_MAX)
		return -ENOSPC;
	b->demote_start[b->nr_demote] = start;
	b->demote_end[b->nr_demote] = end;
	b->nr_demote++;
	return 0;
}

/* Demote the 2 MiB leaves wholly inside [start, end); returns how many. */
static u64 demote_range(struct iodirty_hwpt *hwpt, u64 start, u64 end,
			bool flush)
{
	u64 limit = 1ULL << hwpt->pt.va_bits, s, run = 0, n = 0;

	end = min(end, limit);
	for (s = ALIGN(start, DEMOTE_SIZE); s < end && end - s >= DEMOTE_SIZE;
	     s += DEMOTE_SIZE) {
		int ret = pt_demote(&hwpt->pt, s);

		if (!ret) {
			n++;
			run += DEMOTE_SIZE;
		} else if (run) {
			/* one invalidation per run of demoted leaves */
			if (flush)
				iodirty_hwpt_flush(hwpt, s - run, s,
						   IODIRTY_FLUSH_BY_DEMOTE);
			run = 0;
		}
		if (ret == -ENOMEM)
			break;
		cond_resched();
	}
	if (run && flush)
		iodirty_hwpt_flush(hwpt, s - run, s, IODIRTY_FLUSH_BY_DEMOTE);
	return n;
}

/*
 * Demote the 2 MiB leaves of [start, end) that lie in mapped areas.  The
 * walk goes over the IOAS's areas (stable: the caller holds the rwsem for
 * write), not over the request, so a policy asking for the whole IOVA
 * space costs what is mapped, not 2^27 probes of holes under a write lock
 * that DMA and harvests wait for.  Phantom areas mapped with leaves larger
 * than 2 MiB have nothing to demote.
 */
static u64 demote_request(struct iodirty_hwpt *hwpt, u64 start, u64 end,
			  bool flush)
{
	struct iodirty_area *a;
	u64 n = 0;

	list_for_each_entry(a, &hwpt->ioas->areas, node) {
		u64 s = max(start, a->iova), e = min(end, a->iova + a->length);

		if (s >= e || (a->phantom_page && a->phantom_pgsize > DEMOTE_SIZE))
			continue;
		n += demote_range(hwpt, s, e, flush);
	}
	return n;
}

/**
 * iodirty_harvest_demote - carry out the demotions a harvest's policy asked for
 * @b: the batch, after iodirty_batch_finish(); its requests are consumed
 *
 * Context: process context; no iodirty lock but the context lock or the
 * scanner lock held (takes the IOAS rwsem for write).
 */
void iodirty_harvest_demote(struct iodirty_flush_batch *b)
{
	struct iodirty_hwpt *hwpt = b->hwpt;
	bool flush = !(READ_ONCE(test_demote_skip_flush) && iodirty_lab_on());
	unsigned int i;
	u64 n = 0;

	if (!hwpt || !b->nr_demote)
		goto out;
	down_write(&hwpt->ioas->rwsem);
	for (i = 0; i < b->nr_demote; i++)
		n += demote_request(hwpt, b->demote_start[i], b->demote_end[i],
				    flush);
	up_write(&hwpt->ioas->rwsem);
	atomic64_add(n, &iodirty_stats[IODIRTY_STAT_DEMOTES]);
out:
	b->nr_demote = 0;
}
