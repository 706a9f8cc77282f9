// SPDX-License-Identifier: GPL-2.0
/*
 * One harvest walked by several CPUs.
 *
 * A GET_DIRTY_BITMAP / IODIRTY_HARVEST over a large range is cut by
 * pt_split_range() into parts that share no bitmap byte (cuts on 64-bit
 * bitmap words) and cut no leaf; the caller's thread walks the first part
 * and up to harvest_threads - 1 workers from the unbound system workqueue
 * (iodirty_unbound_wq, compat.h) walk the others, all under the caller's
 * locks (the IOAS rwsem for read keeps the table structure stable; the
 * walker itself only needs that).  Workers
 * are bounded module-wide: a harvest takes helper slots from
 * iodirty_split_slots and walks fewer parts when there are none, so the
 * module never runs more than harvest_threads - 1 helper walks at once.
 *
 * The IOTLB flush policy is not thread-safe (struct iodirty_flush_batch
 * is the caller's), and it must still see one harvest: each part collects
 * the ranges it cleared in a private list (coalesced; on overflow merged
 * into one covering range: invalidating more is always safe), and after
 * every part has finished the caller feeds them, in IOVA order, to the
 * harvest's own sink->cleared, i.e. into the one batch, which then gets
 * its one final policy call and floor in iodirty_batch_finish() as for a
 * single walk.  Nothing is reported to the caller before the harvest
 * returns, so invalidating after all parts, rather than during the walk,
 * keeps the rule: every cleared range is invalidated before the harvest
 * completes.
 *
 * Below harvest_split_min bytes of IOVA, with harvest_threads <= 1, or with
 * a sink->run callback (counters-only harvests feed the scan carry, which
 * is not written for concurrent callers), the walk stays single-threaded.
 */
#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "iodirty.h"

static unsigned int harvest_threads = 2;
module_param(harvest_threads, uint, 0644);
MODULE_PARM_DESC(harvest_threads,
		 "most CPUs walking one harvest, also the module-wide cap on helper walks + 1 (1: never split)");

static unsigned long harvest_split_min = 16UL << 30;
module_param(harvest_split_min, ulong, 0644);
MODULE_PARM_DESC(harvest_split_min,
		 "harvests over fewer bytes of IOVA stay single-threaded");

/* a counter for tests (selftests/vm/prog_tests/harvest_split.c) */
static atomic_long_t harvest_splits = ATOMIC_LONG_INIT(0);

static int harvest_splits_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&harvest_splits));
}

static const struct kernel_param_ops harvest_splits_ops = {
	.get = harvest_splits_get,
};
module_param_cb(harvest_splits, &harvest_splits_ops, NULL, 0444);
MODULE_PARM_DESC(harvest_splits, "harvests walked in more than one part (read only)");

/* helper walks running now, module-wide (bounded by harvest_threads - 1) */
static atomic_t iodirty_split_busy = ATOMIC_INIT(0);

#define SPLIT_CLEARED_MAX	32

struct split_part {
	struct work_struct work;
	struct pt_domain *pt;
	u64 iova, len;
	unsigned int flags;
	struct pt_dirty_sink sink;
	const struct pt_dirty_sink *caller;	/* for table_a_cleared */
	struct pt_dirty_stats st;
	int ret;
	bool collect;
	unsigned int nr;
	u64 start[SPLIT_CLEARED_MAX];
	u64 end[SPLIT_CLEARED_MAX];
};

/* pt_dirty_sink.cleared of one part: private, coalesced */
static void split_cleared(void *arg, u64 iova, u64 len)
{
	struct split_part *p = arg;

	if (p->nr && p->end[p->nr - 1] == iova) {
		p->end[p->nr - 1] += len;
		return;
	}
	if (p->nr == SPLIT_CLEARED_MAX) {
		/* one covering range: more invalidation, never less */
		p->end[0] = iova + len;
		p->nr = 1;
		return;
	}
	p->start[p->nr] = iova;
	p->end[p->nr] = iova + len;
	p->nr++;
}

/* pt_dirty_sink.table_a_cleared of one part: the caller's, at once */
static void split_table_a_cleared(void *arg, u64 iova, u64 len)
{
	struct split_part *p = arg;

	p->caller->table_a_cleared(p->caller->arg, iova, len);
}

static void split_walk(struct split_part *p)
{
	p->ret = pt_read_and_clear_dirty(p->pt, p->iova, p->len, p->flags,
					 &p->sink, &p->st);
}

static void split_work_fn(struct work_struct *work)
{
	split_walk(container_of(work, struct split_part, work));
}

/* take up to @want helper slots; returns how many were taken */
static unsigned int split_take_slots(unsigned int want, unsigned int cap)
{
	int busy = atomic_read(&iodirty_split_busy);

	do {
		unsigned int n = busy >= (int)cap ? 0 : min(want, cap - busy);

		if (!n)
			return 0;
		if (atomic_try_cmpxchg(&iodirty_split_busy, &busy, busy + n))
			return n;
	} while (1);
}

/**
 * iodirty_harvest_walk - pt_read_and_clear_dirty(), split across CPUs when
 *	the range is large
 * @pt: the domain's page table
 * @iova: range start
 * @len: range length
 * @flags: PT_DIRTY_*
 * @sink: as for pt_read_and_clear_dirty(); @sink->cleared and @sink->arg
 *	are only ever called from the caller's thread, after every part
 *	has finished
 * @st: counters of all parts, added to
 * @page_size: the bitmap granule (cuts fall on its 64-bit words)
 *
 * Context: as pt_read_and_clear_dirty() (the caller's locks keep the
 * table structure stable for the helpers too); may sleep.
 * Return: 0, or the error of the first failing part in IOVA order (every
 * part's cleared ranges still reach @sink->cleared).
 */
int iodirty_harvest_walk(struct pt_domain *pt, u64 iova, u64 len,
			 unsigned int flags, const struct pt_dirty_sink *sink,
			 struct pt_dirty_stats *st, u64 page_size)
{
	unsigned int cap = min3(READ_ONCE(harvest_threads), num_online_cpus(),
				(unsigned int)PT_SPLIT_MAX);
	u64 cuts[PT_SPLIT_MAX + 1];
	struct split_part *parts;
	unsigned int n, i, k, helpers;
	int ret = 0;

	if (cap <= 1 || len < READ_ONCE(harvest_split_min) ||
	    (sink && sink->run))
		return pt_read_and_clear_dirty(pt, iova, len, flags, sink, st);
	helpers = split_take_slots(cap - 1, cap - 1);
	if (!helpers)
		return pt_read_and_clear_dirty(pt, iova, len, flags, sink, st);
	n = pt_split_range(pt, iova, len, page_size, helpers + 1, cuts);
	parts = n > 1 ? kcalloc(n, sizeof(*parts), GFP_KERNEL) : NULL;
	if (!parts) {
		atomic_sub(helpers, &iodirty_split_busy);
		return pt_read_and_clear_dirty(pt, iova, len, flags, sink, st);
	}
	for (i = 0; i < n; i++) {
		struct split_part *p = &parts[i];

		p->pt = pt;
		p->iova = cuts[i];
		p->len = cuts[i + 1] - cuts[i];
		p->flags = flags;
		if (sink) {
			p->sink.bitmap = sink->bitmap;
			p->sink.arg = p;
			if (sink->cleared)
				p->sink.cleared = split_cleared;
			/* PSC invalidation cannot wait: it precedes the leaves */
			if (sink->table_a_cleared) {
				p->caller = sink;
				p->sink.table_a_cleared = split_table_a_cleared;
			}
		}
		if (i) {
			INIT_WORK(&p->work, split_work_fn);
			queue_work(iodirty_unbound_wq, &p->work);
		}
	}
	split_walk(&parts[0]);
	for (i = 1; i < n; i++)
		flush_work(&parts[i].work);
	atomic_sub(helpers, &iodirty_split_busy);

	/* one harvest for the flush policy: the parts' ranges, in order */
	for (i = 0; i < n; i++) {
		struct split_part *p = &parts[i];

		if (sink && sink->cleared)
			for (k = 0; k < p->nr; k++)
				sink->cleared(sink->arg, p->start[k],
					      p->end[k] - p->start[k]);
		if (st)
			pt_dirty_stats_add(st, &p->st);
		if (!ret)
			ret = p->ret;
	}
	atomic_long_inc(&harvest_splits);
	kfree(parts);
	return ret;
}
