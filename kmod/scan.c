// SPDX-License-Identifier: GPL-2.0
/*
 * The background scanner: harvests one HWPT periodically (or on demand)
 * and streams what it finds through the policy instead of a user bitmap.
 *
 * A scan divides the mapped IOVA into regions of region_size and, per
 * region, asks iodirty_ops.sample whether to walk it.  A walked region is
 * read and cleared like a harvest: every cleared range joins the scan's
 * flush batch, every coalesced dirty run is queued for
 * iodirty_ops.export (which typically writes a ring-buffer record), and the
 * region's history (when it was last walked, how dirty it was) feeds the
 * next sample call.
 *
 * Invalidate before export: a run reaches export only after the IOTLB
 * invalidation of everything the walk cleared so far (iodirty_ops.flush
 * decides, the floor completes it), when SCAN_EXPORT_BATCH runs are
 * queued and at the end of the scan.  Otherwise a consumer could copy a
 * page that a device then rewrites through a stale cached-dirty
 * translation, a write no later scan would see.  When the queue is full
 * the walk stops (the run that did not fit is made dirty again by the
 * walker), the queue is invalidated and exported, and the walk resumes at
 * that run; so the flush policy still sees one batch per
 * SCAN_EXPORT_BATCH runs, not one per region.
 *
 * Safety floor for consumers: whatever a scan clears is also recorded in
 * the domain's scan carry, and every exact harvest (GET_DIRTY_BITMAP,
 * HARVEST with a bitmap) reports the carry for its range as well, so a
 * scan never takes a dirty page away from GET: with no policy, a policy
 * without export, a full ring buffer, or a policy detached mid-scan, the
 * page still reaches the next GET.
 *
 * Safety floor for sampling: a skipped region keeps its dirty bits, so
 * nothing is lost, only reported later; and after max_skip consecutive
 * skips the kernel walks the region whatever the policy says, so "later"
 * is bounded.  A FULL scan (IODIRTY_SCAN_FULL) walks everything.
 *
 * Locking: scanner->lock serialises scans of one HWPT (periodic worker and
 * IODIRTY_SCAN RUN) and exact harvests of it (iodirty_scan_mutex()): a
 * harvest must not run between a scan's clear and the scan's invalidation
 * of the same range, or it could consume the carry while a device still
 * holds a stale dirty translation for the page.  A scan holds the IOAS rwsem for read, like any
 * harvest.  The periodic worker holds a reference on the HWPT (DESTROY is
 * EBUSY while it runs); STOP and file close cancel it synchronously.
 * Order: context lock → scanner->lock → IOAS rwsem.
 */
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "iodirty.h"
#include "iodirty_trace.h"

#define SCAN_DEFAULT_REGION	SZ_2M
#define SCAN_MIN_REGION		SZ_64K
#define SCAN_DEFAULT_MAX_SKIP	8
#define SCAN_MAX_MAX_SKIP	1024
/* runs queued for export before the queue is invalidated and handed out */
#define SCAN_EXPORT_BATCH	256

struct scan_region {
	u64 last_walked_seq;
	u64 last_dirty_pages;
	u64 decided_seq;	/* the scan that last decided about it */
	u32 skipped;
	bool walk;		/* that decision */
};

struct iodirty_scanner {
	struct iodirty_hwpt *hwpt;
	struct mutex lock;
	struct delayed_work work;
	bool running;
	u32 period_ms;
	u32 max_skip;
	u64 region_size;
	u64 seq;
	struct xarray regions;	/* iova / region_size -> struct scan_region */
	/* counters, under @lock */
	u64 walked, skipped, forced, leaves, dirty_pages, runs;
};

struct scan_walk {
	struct iodirty_scanner *sc;
	struct iodirty_flush_batch *b;
	struct scan_region *r;
	struct iodirty_export_call e;
	u64 region_dirty;
	/* runs cleared and invalidated-to-be, not yet exported */
	unsigned int nr_runs;
	u64 run_iova[SCAN_EXPORT_BATCH];
	u64 run_len[SCAN_EXPORT_BATCH];
	/* the queue was full: the walk stopped at @resume */
	bool full;
	u64 resume;
	u64 redo_bytes, redo_runs;
};

/* ---- scan carry ------------------------------------------------------------ */

#define CARRY_BITS	IODIRTY_ORACLE_CHUNK_BITS

/**
 * iodirty_carry_mark - remember that a scan reported [iova, iova + len)
 * @hwpt: the domain
 * @iova: start (granule aligned)
 * @len: bytes
 *
 * Context: process context, IOAS rwsem held for read.
 *
 * Return: 0, or -ENOMEM (the caller then keeps the dirty bits).
 */
int iodirty_carry_mark(struct iodirty_hwpt *hwpt, u64 iova, u64 len)
{
	unsigned int gs = hwpt->pt.granule_shift;
	u64 g = iova >> gs, ge = (iova + len - 1) >> gs;

	while (g <= ge) {
		unsigned long idx = g / CARRY_BITS, *chunk;
		u64 n = min(ge + 1, (u64)(idx + 1) * CARRY_BITS) - g;

		chunk = iodirty_chunk_get(&hwpt->scan_carry, idx, true);
		if (!chunk)
			return -ENOMEM;
		/* harvests are excluded by the scanner lock, unmap by the rwsem */
		bitmap_set(chunk, g % CARRY_BITS, n);
		g += n;
	}
	return 0;
}

/**
 * iodirty_carry_report - add the carry inside [iova, iova + len) to a
 * harvest's bitmap
 * @hwpt: the domain
 * @bm: the harvest's bitmap (covers the range)
 * @iova: start
 * @len: bytes
 * @clear: forget what was reported (not for NO_CLEAR)
 *
 * Return: 0 or the bitmap writer's error.
 */
int iodirty_carry_report(struct iodirty_hwpt *hwpt, struct pt_bitmap *bm,
			 u64 iova, u64 len, bool clear)
{
	unsigned int gs = hwpt->pt.granule_shift;
	u64 g0 = iova >> gs, g1 = (iova + len - 1) >> gs;
	unsigned long idx, *chunk, bit;
	int ret;

	/* under iodirty_scan_mutex(): no scan marks bits meanwhile */
	xa_for_each_range(&hwpt->scan_carry, idx, chunk, g0 / CARRY_BITS,
			  g1 / CARRY_BITS) {
		u64 base = (u64)idx * CARRY_BITS;
		unsigned long lo = g0 > base ? g0 - base : 0;
		unsigned long hi = min_t(u64, g1 - base + 1, CARRY_BITS);

		for (bit = find_next_bit(chunk, hi, lo); bit < hi;
		     bit = find_next_bit(chunk, hi, bit + 1)) {
			unsigned long end = find_next_zero_bit(chunk, hi, bit);

			ret = pt_bitmap_set_range(bm, (base + bit) << gs,
						  (u64)(end - bit) << gs);
			if (ret)
				return ret;
			if (clear)
				bitmap_clear(chunk, bit, end - bit);
			bit = end;
		}
	}
	return 0;
}

/**
 * iodirty_carry_forget - drop carry bits of an unmapped range
 * @hwpt: the domain
 * @iova: start
 * @len: bytes
 */
void iodirty_carry_forget(struct iodirty_hwpt *hwpt, u64 iova, u64 len)
{
	unsigned int gs = hwpt->pt.granule_shift;
	u64 g0 = iova >> gs, g1 = (iova + len - 1) >> gs;
	unsigned long idx, *chunk;

	xa_for_each_range(&hwpt->scan_carry, idx, chunk, g0 / CARRY_BITS,
			  g1 / CARRY_BITS) {
		u64 base = (u64)idx * CARRY_BITS;
		unsigned long lo = g0 > base ? g0 - base : 0;
		unsigned long hi = min_t(u64, g1 - base + 1, CARRY_BITS);

		bitmap_clear(chunk, lo, hi - lo);
	}
}

static int scan_run(void *arg, u64 iova, u64 len)
{
	struct scan_walk *w = arg;
	struct iodirty_scanner *sc = w->sc;
	unsigned int gs = sc->hwpt->pt.granule_shift;
	int ret;

	if (w->nr_runs == SCAN_EXPORT_BATCH) {
		/* stop here; the walker makes this run dirty again */
		w->full = true;
		w->resume = iova;
		w->redo_bytes += len;
		w->redo_runs++;
		return -EAGAIN;
	}
	/* first the floor: if it cannot be recorded, the walker re-dirties */
	ret = iodirty_carry_mark(sc->hwpt, iova, len);
	if (ret)
		return ret;

	w->region_dirty += len >> gs;
	sc->runs++;
	iodirty_stat_inc(IODIRTY_STAT_EXPORTED_RUNS);
	trace_iodirty_dirty_run(sc->hwpt->gid, iova, len, sc->seq);
	w->run_iova[w->nr_runs] = iova;
	w->run_len[w->nr_runs] = len;
	w->nr_runs++;
	return 0;
}

/*
 * Lab check: when a run is exported, no device may still cache any of it
 * dirty while the PTE is clean (a write through such an entry would never
 * be reported).  An entry cached dirty after the invalidation by a new
 * write is fine: that write set D in the PTE again.
 */
static void scan_check_exported(struct iodirty_hwpt *hwpt, u64 iova, u64 len)
{
	struct iodirty_device *dev;

	if (!iodirty_lab_on())
		return;
	list_for_each_entry(dev, &hwpt->devices, hwpt_node)
		if (iodirty_iotlb_cached_dirty(dev, iova, iova + len))
			atomic64_inc(&iodirty_export_stale);
}

/* Invalidate everything cleared so far, then hand the queued runs out. */
static void scan_export_queued(struct scan_walk *w)
{
	bool early = READ_ONCE(iodirty_test_export_early) && iodirty_lab_on();
	unsigned int i;

	if (!w->nr_runs)
		return;
	if (!early)
		iodirty_batch_finish(w->b);
	for (i = 0; i < w->nr_runs; i++) {
		scan_check_exported(w->sc->hwpt, w->run_iova[i], w->run_len[i]);
		w->e.ctx.iova = w->run_iova[i];
		w->e.ctx.length = w->run_len[i];
		iodirty_policy_export(&w->e);
	}
	if (early)
		iodirty_batch_finish(w->b);
	w->nr_runs = 0;
}

/* Walk [iova, end) of one region, exporting when the queue fills. */
static int scan_walk_region(struct scan_walk *w, u64 iova, u64 end,
			    const struct pt_dirty_sink *sink,
			    struct pt_dirty_stats *st)
{
	struct iodirty_hwpt *hwpt = w->sc->hwpt;
	int ret;

	for (;;) {
		w->full = false;
		ret = pt_read_and_clear_dirty(&hwpt->pt, iova, end - iova, 0,
					      sink, st);
		if (ret != -EAGAIN || !w->full)
			return ret;
		scan_export_queued(w);
		iova = w->resume;
	}
}

/**
 * iodirty_scan_mutex - the lock an exact harvest of @hwpt takes around its
 * walk, carry report and invalidation, if the HWPT has a scanner
 * @hwpt: the HWPT (the context lock keeps @hwpt->scanner stable)
 *
 * Return: the scanner's lock, or NULL.
 */
struct mutex *iodirty_scan_mutex(struct iodirty_hwpt *hwpt)
{
	return hwpt->scanner ? &hwpt->scanner->lock : NULL;
}

static void scan_cleared(void *arg, u64 iova, u64 len)
{
	struct scan_walk *w = arg;

	iodirty_batch_cleared(w->b, iova, len);
}

static struct scan_region *region_get(struct iodirty_scanner *sc, u64 idx)
{
	struct scan_region *r = xa_load(&sc->regions, idx);

	if (r)
		return r;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	if (xa_err(xa_store(&sc->regions, idx, r, GFP_KERNEL_ACCOUNT))) {
		kfree(r);
		return NULL;
	}
	return r;
}

/* Decide once per scan per region; the floor overrides a skip. */
static bool region_decide(struct iodirty_scanner *sc, struct scan_region *r,
			  u64 idx, bool full)
{
	struct iodirty_sample_ctx ctx = {
		.hwpt_id = sc->hwpt->gid,
		.iova = idx * sc->region_size,
		.length = sc->region_size,
		.scan_seq = sc->seq,
		.last_walked_seq = r->last_walked_seq,
		.last_dirty_pages = r->last_dirty_pages,
		.skipped = r->skipped,
		.max_skip = sc->max_skip,
	};

	if (r->decided_seq == sc->seq)
		return r->walk;
	r->decided_seq = sc->seq;
	if (full) {
		r->walk = true;
	} else if (r->skipped >= sc->max_skip) {
		r->walk = true;
		sc->forced++;
		iodirty_stat_inc(IODIRTY_STAT_FORCED_WALKS);
	} else {
		r->walk = iodirty_policy_sample(&ctx);
	}
	if (r->walk) {
		r->skipped = 0;
		r->last_walked_seq = sc->seq;
		r->last_dirty_pages = 0;
		sc->walked++;
	} else {
		r->skipped++;
		sc->skipped++;
		iodirty_stat_inc(IODIRTY_STAT_SAMPLE_SKIPS);
	}
	return r->walk;
}

/*
 * The region state of every mapped region, allocated before a scan
 * changes anything: an allocation failure then fails the scan with no
 * leaf cleared and no counter moved.  IOAS rwsem held.
 */
static int scan_regions_alloc(struct iodirty_scanner *sc,
			      struct iodirty_ioas *ioas)
{
	struct iodirty_area *a;

	list_for_each_entry(a, &ioas->areas, node) {
		u64 idx = a->iova / sc->region_size;
		u64 last = (a->iova + a->length - 1) / sc->region_size;

		for (; idx <= last; idx++) {
			if (!region_get(sc, idx))
				return -ENOMEM;
			cond_resched();
		}
	}
	return 0;
}

/* One scan.  Called with sc->lock held. */
static int scan_once(struct iodirty_scanner *sc, bool full)
{
	struct iodirty_hwpt *hwpt = sc->hwpt;
	struct iodirty_ioas *ioas = hwpt->ioas;
	struct pt_dirty_sink sink = {};
	struct pt_dirty_stats st = {};
	struct iodirty_flush_batch *b;
	struct iodirty_area *a;
	struct scan_walk *w;
	int ret = 0;

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!b || !w) {
		ret = -ENOMEM;
		goto out_free;
	}
	down_read(&ioas->rwsem);
	ret = scan_regions_alloc(sc, ioas);
	if (ret) {
		up_read(&ioas->rwsem);
		goto out_free;
	}
	sc->seq++;
	iodirty_batch_init(b, hwpt);
	w->sc = sc;
	w->b = b;
	w->e.ctx.hwpt_id = hwpt->gid;
	w->e.ctx.scan_seq = sc->seq;
	w->e.ctx.page_size = 1ULL << hwpt->pt.granule_shift;
	sink.run = scan_run;
	sink.cleared = scan_cleared;
	sink.arg = w;

	iodirty_hwpt_end_unsafe(hwpt);
	trace_iodirty_harvest_begin(hwpt->gid, 0, 0, full,
				    1ULL << hwpt->pt.granule_shift);
	list_for_each_entry(a, &ioas->areas, node) {
		u64 iova = a->iova, end = a->iova + a->length;

		while (iova < end && !ret) {
			u64 idx = iova / sc->region_size;
			u64 rend = min(end, (idx + 1) * sc->region_size);
			struct scan_region *r = region_get(sc, idx);

			if (!r) {
				ret = -ENOMEM;
				break;
			}
			if (region_decide(sc, r, idx, full)) {
				w->r = r;
				w->region_dirty = 0;
				ret = scan_walk_region(w, iova, rend, &sink,
						       &st);
				r->last_dirty_pages += w->region_dirty;
			}
			iova = rend;
			cond_resched();
		}
		if (ret)
			break;
	}
	/* invalidate (policy, then floor), then hand out what is queued */
	scan_export_queued(w);
	iodirty_batch_finish(b);
	/*
	 * A run the full queue sent back was walked twice: take its bytes
	 * and run out of the counters userspace sees; the tracepoint's leaf
	 * counts may still include it twice.
	 */
	st.dirty_bytes -= w->redo_bytes;
	st.runs -= w->redo_runs;
	w->e.ctx.iova = 0;
	w->e.ctx.length = 0;
	w->e.ctx.end_of_scan = 1;
	iodirty_policy_export(&w->e);
	sc->leaves += st.leaves;
	sc->dirty_pages += st.dirty_bytes >> hwpt->pt.granule_shift;
	atomic64_inc(&hwpt->scans);
	atomic64_inc(&hwpt->harvests);
	iodirty_stat_inc(IODIRTY_STAT_SCANS);
	atomic64_add(b->flushes, &iodirty_stats[IODIRTY_STAT_FLUSHES]);
	trace_iodirty_harvest_end(hwpt->gid, st.leaves, st.dirty_leaves,
				  st.dirty_bytes, st.cleared_leaves, b->flushes,
				  0, ret);
	up_read(&ioas->rwsem);
	/* 2 MiB leaves the policy asked to demote (takes the rwsem for write) */
	if (!ret)
		iodirty_harvest_demote(b);
out_free:
	kfree(w);
	kfree(b);
	return ret;
}

static void scan_workfn(struct work_struct *work)
{
	struct iodirty_scanner *sc = container_of(to_delayed_work(work),
						  struct iodirty_scanner, work);

	mutex_lock(&sc->lock);
	if (sc->running) {
		scan_once(sc, false);
		queue_delayed_work(iodirty_unbound_wq, &sc->work,
				   msecs_to_jiffies(sc->period_ms));
	}
	mutex_unlock(&sc->lock);
}

static struct iodirty_scanner *scanner_get(struct iodirty_hwpt *hwpt)
{
	struct iodirty_scanner *sc = hwpt->scanner;

	if (sc)
		return sc;
	sc = kzalloc(sizeof(*sc), GFP_KERNEL_ACCOUNT);
	if (!sc)
		return NULL;
	sc->hwpt = hwpt;
	mutex_init(&sc->lock);
	INIT_DELAYED_WORK(&sc->work, scan_workfn);
	xa_init(&sc->regions);
	sc->region_size = SCAN_DEFAULT_REGION;
	sc->max_skip = SCAN_DEFAULT_MAX_SKIP;
	hwpt->scanner = sc;
	return sc;
}

/**
 * iodirty_scanner_stop - stop a HWPT's periodic scanner, if running
 * @hwpt: the HWPT
 *
 * Context: process context; waits for a scan in progress.
 */
void iodirty_scanner_stop(struct iodirty_hwpt *hwpt)
{
	struct iodirty_scanner *sc = hwpt->scanner;
	bool was;

	if (!sc)
		return;
	mutex_lock(&sc->lock);
	was = sc->running;
	sc->running = false;
	mutex_unlock(&sc->lock);
	cancel_delayed_work_sync(&sc->work);
	if (was)
		refcount_dec(&hwpt->obj.users);
}

/**
 * iodirty_scanner_free - release a stopped HWPT's scanner
 * @hwpt: the HWPT being destroyed
 */
void iodirty_scanner_free(struct iodirty_hwpt *hwpt)
{
	struct iodirty_scanner *sc = hwpt->scanner;
	struct scan_region *r;
	unsigned long idx;

	/* no scan may be running while the carry goes away */
	iodirty_scanner_stop(hwpt);
	iodirty_chunks_free(&hwpt->scan_carry);
	if (!sc)
		return;
	xa_for_each(&sc->regions, idx, r)
		kfree(r);
	xa_destroy(&sc->regions);
	kfree(sc);
	hwpt->scanner = NULL;
}

static int scan_config_check(struct iodirty_scanner *sc,
			     const struct iodirty_scan *cmd)
{
	if (cmd->max_skip > SCAN_MAX_MAX_SKIP)
		return -EINVAL;
	if (cmd->region_size &&
	    (!is_power_of_2(cmd->region_size) || cmd->region_size < SCAN_MIN_REGION))
		return -EINVAL;
	/* region history is keyed by region: the size is fixed once used */
	if (cmd->region_size && sc->seq && cmd->region_size != sc->region_size)
		return -EBUSY;
	return 0;
}

static void scan_config_apply(struct iodirty_scanner *sc,
			      const struct iodirty_scan *cmd)
{
	if (cmd->region_size)
		sc->region_size = cmd->region_size;
	if (cmd->max_skip)
		sc->max_skip = cmd->max_skip;
}

/* The result fields of every op; sc->lock held. */
static void scan_fill_out(struct iodirty_scanner *sc, struct iodirty_hwpt *hwpt,
			  struct iodirty_scan *cmd)
{
	cmd->out_scans = sc->seq;
	cmd->out_regions_walked = sc->walked;
	cmd->out_regions_skipped = sc->skipped;
	cmd->out_forced_walks = sc->forced;
	cmd->out_leaves = sc->leaves;
	cmd->out_dirty_pages = sc->dirty_pages;
	cmd->out_runs = sc->runs;
	cmd->out_running = sc->running;
	cmd->out_domain_id = hwpt->gid;
}

/*
 * START answers before it starts: a result that cannot be written fails
 * the command with no scanner running and no scan done.  Nothing changes
 * the scanner between the check and the start: it is not running, and
 * the context lock serialises START, STOP and RUN.
 */
static int scan_start(struct iodirty_ucmd *ucmd, struct iodirty_hwpt *hwpt,
		      struct iodirty_scanner *sc, struct iodirty_scan *cmd)
{
	int ret;

	if (!cmd->period_ms || cmd->period_ms > 60000)
		return -EINVAL;
	mutex_lock(&sc->lock);
	ret = sc->running ? -EBUSY : scan_config_check(sc, cmd);
	if (!ret) {
		scan_fill_out(sc, hwpt, cmd);
		cmd->out_running = 1;
	}
	mutex_unlock(&sc->lock);
	if (ret)
		return ret;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		return ret;
	mutex_lock(&sc->lock);
	scan_config_apply(sc, cmd);
	sc->period_ms = cmd->period_ms;
	sc->running = true;
	refcount_inc(&hwpt->obj.users);
	queue_delayed_work(iodirty_unbound_wq, &sc->work, 0);
	mutex_unlock(&sc->lock);
	return 0;
}

/**
 * iodirty_scan_ioctl - IODIRTY_SCAN
 * @ucmd: struct iodirty_scan
 *
 * Return: 0; -EOPNOTSUPP unknown op/flags or reserved; -ENOENT unknown
 * HWPT; -EINVAL dirty tracking off, bad period/region/max_skip; -EBUSY
 * START while running, or a region size change after the first scan;
 * -ENOMEM.
 */
int iodirty_scan_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_scan *cmd = ucmd->cmd;
	struct iodirty_scanner *sc;
	struct iodirty_hwpt *hwpt;
	int ret = 0;

	if (cmd->__reserved || cmd->flags & ~IODIRTY_SCAN_FULL ||
	    (cmd->flags && cmd->op != IODIRTY_SCAN_RUN))
		return -EOPNOTSUPP;
	if (cmd->op < IODIRTY_SCAN_START || cmd->op > IODIRTY_SCAN_STATUS)
		return -EOPNOTSUPP;
	hwpt = iodirty_hwpt_get(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	if ((cmd->op == IODIRTY_SCAN_START || cmd->op == IODIRTY_SCAN_RUN) &&
	    (!hwpt->dirty_ops || !READ_ONCE(hwpt->dirty_tracking)))
		return -EINVAL;
	sc = scanner_get(hwpt);
	if (!sc)
		return -ENOMEM;

	switch (cmd->op) {
	case IODIRTY_SCAN_START:
		return scan_start(ucmd, hwpt, sc, cmd);
	case IODIRTY_SCAN_STOP:
		iodirty_scanner_stop(hwpt);
		break;
	case IODIRTY_SCAN_RUN:
		mutex_lock(&sc->lock);
		ret = scan_config_check(sc, cmd);
		if (!ret) {
			scan_config_apply(sc, cmd);
			ret = scan_once(sc, cmd->flags & IODIRTY_SCAN_FULL);
		}
		mutex_unlock(&sc->lock);
		break;
	default:
		break;
	}
	if (ret)
		return ret;
	mutex_lock(&sc->lock);
	scan_fill_out(sc, hwpt, cmd);
	mutex_unlock(&sc->lock);
	return iodirty_ucmd_respond(ucmd, sizeof(*cmd));
}
