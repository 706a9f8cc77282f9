// SPDX-License-Identifier: GPL-2.0
/*
 * HWPT_PAGING: a domain (one page table in a vendor format) on an IOAS,
 * and the dirty-tracking commands that act on it.
 *
 * Harvest (IOMMU_HWPT_GET_DIRTY_BITMAP) design:
 *  - all argument checks run first, in iommufd's order, so errnos match;
 *  - the range must be mapped without holes (iodirty returns ENOENT where
 *    6.12 silently reports nothing after the hole);
 *  - the user bitmap is pinned and mapped whole *before* any dirty bit is
 *    cleared, so a bad bitmap pointer fails with EFAULT and loses nothing
 *    (6.12 pins lazily and drops bits it cannot write);
 *  - one range walk reads (and, without NO_CLEAR, clears) the dirty
 *    state, setting bits straight into the user's pages at any alignment;
 *  - when anything was cleared, one batched IOTLB invalidation of the
 *    cleared span follows before the ioctl returns: until then a device
 *    could still write through a cached writable-dirty translation without
 *    setting the dirty bit again, and that write would be lost.
 *
 * Counters-only harvests (IODIRTY_HARVEST with data 0) clear too, for
 * measurements; what they clear goes to the scan carry (scan.c), so the
 * next exact harvest still reports it.
 *
 * IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE (a lab instrument that proves the
 * oracle can see a lost re-dirty) skips the invalidation; the domain is
 * then marked and the next safe harvest or scan invalidates the whole
 * domain before it walks, so the damage ends with that harvest.
 *
 * Accessed-bit pruning (module parameter harvest_prune, off by default):
 * clearing harvests pass PT_DIRTY_PRUNE, so subtrees no device walked
 * through since the last harvest are skipped; before the walker reads the
 * leaves below a table entry whose A it cleared,
 * iodirty_harvest_psc_invalidate() (harvest_prune.c) drops that span from every attached device's paging-structure cache and
 * waits (kmod/pt/pt_walk_prune.h has the argument).  The IOTLB
 * invalidation of cleared leaves is unchanged.
 *
 * Locking: context lock (all ioctls); the user bitmap is pinned before
 * the scanner lock and the IOAS rwsem are taken, so a slow or
 * userfaultfd-backed bitmap page never stalls DMA, workloads or scans;
 * ioas->rwsem read for harvests and enable, write for allocation and
 * destruction.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "iodirty.h"
#include "iodirty_trace.h"

/*
 * Global domain IDs: contexts are per file, but BPF programs (policies,
 * tracing) see every domain, so each HWPT also gets a module-wide ID.
 * Lookups run under RCU from any context; HWPT memory is freed after a
 * grace period (object.c).
 */
static DEFINE_XARRAY_ALLOC1(iodirty_domains);

/**
 * iodirty_domain_lookup - find a HWPT by global ID
 * @gid: the ID
 *
 * Context: rcu_read_lock() held; the result is valid until it is dropped
 * (counters only: the page table may be going away).
 */
struct iodirty_hwpt *iodirty_domain_lookup(u32 gid)
{
	return xa_load(&iodirty_domains, gid);
}

/* Largest user bitmap one harvest maps: 1 GiB of bits = 32 TiB at 4 KiB. */
#define IODIRTY_BITMAP_MAX	SZ_1G

/**
 * iodirty_hwpt_alloc_layout - create a domain for @dev's IOMMU on @ioas
 * @ictx: the context (lock held)
 * @ioas: the IOAS to mirror
 * @dev: the device whose IOMMU model the domain uses
 * @dirty: allocate with dirty tracking support (dirty_ops)
 * @layout: the page table to use, or NULL for the device's defaults
 *
 * The new HWPT is unpublished; the caller finalizes or destroys it.
 *
 * Return: the HWPT or an ERR_PTR: -EOPNOTSUPP @dirty on a device whose
 * IOMMU cannot track; -EINVAL existing mappings do not fit the domain
 * (aperture, alignment); -ENOMEM.
 */
struct iodirty_hwpt *
iodirty_hwpt_alloc_layout(struct iodirty_ctx *ictx, struct iodirty_ioas *ioas,
			  struct iodirty_device *dev, bool dirty,
			  const struct iodirty_hwpt_layout *layout)
{
	struct iodirty_hwpt *hwpt;
	struct iodirty_area *a;
	u64 start, last, amask;
	int ret;

	if (dirty && !dev->dirty_capable)
		return ERR_PTR(-EOPNOTSUPP);
	hwpt = iodirty_obj_alloc(ictx, sizeof(*hwpt), IODIRTY_OBJ_HWPT);
	if (IS_ERR(hwpt))
		return hwpt;
	hwpt->model = dev->model;
	hwpt->dirty_ops = dirty;
	hwpt->ioas = ioas;
	INIT_LIST_HEAD(&hwpt->devices);
	iodirty_oracle_init(hwpt);
	xa_init(&hwpt->scan_carry);
	ret = xa_alloc(&iodirty_domains, &hwpt->gid, NULL, xa_limit_32b,
		       GFP_KERNEL);
	if (ret)
		goto err_obj;
	ret = pt_domain_init(&hwpt->pt, layout ? layout->fmt :
			     iodirty_model_format(dev->model),
			     dev->model == IODIRTY_MODEL_MOCK ? 32 : 48,
			     layout ? layout->pgsize_bitmap : dev->pgsize_bitmap);
	if (ret)
		goto err_gid;
	hwpt->iova_align = max_t(u64, layout ? layout->iova_align : 1,
				 1ULL << hwpt->pt.granule_shift);
	amask = hwpt->iova_align - 1;

	down_write(&ioas->rwsem);
	iodirty_hwpt_aperture(dev->model, hwpt->pt.va_bits, &start, &last);
	ret = -EINVAL;
	list_for_each_entry(a, &ioas->areas, node)
		if (a->iova < start || a->iova + a->length - 1 > last ||
		    (a->iova | a->length | a->offset) & amask)
			goto err_unlock;
	ret = iodirty_ioas_fill_domain(ioas, &hwpt->pt);
	if (ret) {
		ret = ret == -ENOMEM ? -ENOMEM : -EINVAL;
		goto err_unlock;
	}
	list_add_tail(&hwpt->ioas_node, &ioas->hwpts);
	iodirty_ioas_update_alignment(ioas);
	up_write(&ioas->rwsem);
	refcount_inc(&ioas->obj.users);
	xa_store(&iodirty_domains, hwpt->gid, hwpt, GFP_KERNEL);
	return hwpt;

err_unlock:
	up_write(&ioas->rwsem);
	pt_domain_destroy(&hwpt->pt);
err_gid:
	xa_erase(&iodirty_domains, hwpt->gid);
err_obj:
	iodirty_obj_abort(ictx, &hwpt->obj);
	return ERR_PTR(ret);
}

/**
 * iodirty_hwpt_alloc - create a domain with @dev's default page table
 * @ictx: the context (lock held)
 * @ioas: the IOAS to mirror
 * @dev: the device whose IOMMU model and leaf sizes the domain uses
 * @dirty: allocate with dirty tracking support (dirty_ops)
 *
 * Return: as iodirty_hwpt_alloc_layout().
 */
struct iodirty_hwpt *iodirty_hwpt_alloc(struct iodirty_ctx *ictx,
					struct iodirty_ioas *ioas,
					struct iodirty_device *dev, bool dirty)
{
	return iodirty_hwpt_alloc_layout(ictx, ioas, dev, dirty, NULL);
}

/**
 * iodirty_hwpt_destroy - take a domain off its IOAS and free its table
 * @hwpt: a HWPT with no devices attached
 */
void iodirty_hwpt_destroy(struct iodirty_hwpt *hwpt)
{
	struct iodirty_ioas *ioas = hwpt->ioas;

	WARN_ON(!list_empty(&hwpt->devices));
	iodirty_scanner_free(hwpt);
	xa_erase(&iodirty_domains, hwpt->gid);
	down_write(&ioas->rwsem);
	list_del(&hwpt->ioas_node);
	iodirty_ioas_update_alignment(ioas);
	up_write(&ioas->rwsem);
	pt_domain_destroy(&hwpt->pt);
	iodirty_oracle_destroy(hwpt);
	refcount_dec(&ioas->obj.users);
}

/**
 * iodirty_hwpt_flush - invalidate [start, end) in the IOTLB of every
 * device attached to the domain
 * @hwpt: the domain
 * @start: first IOVA
 * @end: end (exclusive); @start == @end == 0 invalidates everything
 * @by: who asked (for the tracepoint)
 *
 * Context: the IOAS rwsem held (either way), which keeps the device list
 * stable; waits for DMA in flight through the invalidated entries.
 */
void iodirty_hwpt_flush(struct iodirty_hwpt *hwpt, u64 start, u64 end,
			enum iodirty_flush_by by)
{
	struct iodirty_device *dev;
	u64 cost = 0;

	list_for_each_entry(dev, &hwpt->devices, hwpt_node)
		cost += iodirty_iotlb_invalidate(dev, start, end);
	atomic64_inc(&hwpt->flushes);
	atomic64_add(end - start, &hwpt->flushed_bytes);
	atomic64_add(cost, &hwpt->inv_cost_ns);
	trace_iodirty_flush(hwpt->gid, start, end, !start && !end, by);
}

/**
 * iodirty_hwpt_end_unsafe - invalidate what an unsafe harvest left cached
 * @hwpt: the domain
 *
 * Called by every safe harvest and scan before it walks.  Context: the IOAS
 * rwsem held, and the scanner lock if the HWPT has a scanner.
 */
void iodirty_hwpt_end_unsafe(struct iodirty_hwpt *hwpt)
{
	if (!READ_ONCE(hwpt->iotlb_stale))
		return;
	iodirty_hwpt_flush(hwpt, 0, 0, IODIRTY_FLUSH_BY_FLOOR);
	WRITE_ONCE(hwpt->iotlb_stale, false);
}

/* sink.run of a counters-only harvest: keep what it cleared for GET */
static int harvest_carry_run(void *arg, u64 iova, u64 len)
{
	struct iodirty_flush_batch *b = arg;
	int ret = iodirty_carry_mark(b->hwpt, iova, len);

	if (!ret)
		trace_iodirty_dirty_run(b->hwpt->gid, iova, len, 0);
	return ret;
}

/*
 * sink.run of a bitmap harvest, set only while iodirty_dirty_run is
 * traced (an untraced harvest pays no call per run).  A harvest with a
 * run callback is walked by one thread (harvest_split.c), so tracing runs
 * keeps large harvests single-threaded.
 */
static int harvest_trace_run(void *arg, u64 iova, u64 len)
{
	struct iodirty_flush_batch *b = arg;

	trace_iodirty_dirty_run(b->hwpt->gid, iova, len, 0);
	return 0;
}

/*
 * Harvest batches.  Every range a harvest clears joins the batch; when it
 * is full, and once at the end, iodirty_ops.flush decides what to
 * invalidate.  Whatever is still pending when the harvest ends is
 * invalidated by the floor before the harvest returns: until then a device
 * could write through a cached dirty translation without the page being
 * reported again.
 */

/**
 * iodirty_batch_init - start an empty batch
 * @b: the batch
 * @hwpt: the domain (NULL for a probe)
 */
void iodirty_batch_init(struct iodirty_flush_batch *b, struct iodirty_hwpt *hwpt)
{
	memset(b, 0, sizeof(*b));
	b->hwpt = hwpt;
	if (hwpt) {
		b->ctx.hwpt_id = hwpt->gid;
		b->ctx.model = hwpt->model;
	}
}

static void batch_drop(struct iodirty_flush_batch *b, unsigned int i)
{
	memmove(&b->start[i], &b->start[i + 1], (b->nr - i - 1) * sizeof(u64));
	memmove(&b->end[i], &b->end[i + 1], (b->nr - i - 1) * sizeof(u64));
	b->nr--;
}

static void batch_flush_pending(struct iodirty_flush_batch *b,
				enum iodirty_flush_by by)
{
	unsigned int i;

	for (i = 0; i < b->nr; i++) {
		if (b->hwpt)
			iodirty_hwpt_flush(b->hwpt, b->start[i], b->end[i], by);
		b->flushes++;
	}
	if (by == IODIRTY_FLUSH_BY_FLOOR && b->nr && b->hwpt) {
		atomic64_add(b->nr, &b->hwpt->floor_flushes);
		atomic64_add(b->nr, &iodirty_stats[IODIRTY_STAT_FLOOR_FLUSHES]);
	}
	b->nr = 0;
}

static void batch_consult(struct iodirty_flush_batch *b, bool final)
{
	unsigned int i, gs = b->hwpt ? b->hwpt->pt.granule_shift : 12;
	enum iodirty_flush_by by;
	u64 pages = 0;

	if (!b->nr)
		return;
	for (i = 0; i < b->nr; i++)
		pages += (b->end[i] - b->start[i]) >> gs;
	b->ctx.pending_pages = pages;
	b->ctx.pending_ranges = b->nr;
	b->ctx.pending_start = b->start[0];
	b->ctx.pending_end = b->end[b->nr - 1];
	b->ctx.pending_ns = ktime_get_ns() - b->first_ns;
	b->ctx.final = final;
	switch (iodirty_policy_flush(b)) {
	case IODIRTY_FLUSH_RANGES:
		by = b->from_bpf ? IODIRTY_FLUSH_BY_POLICY : IODIRTY_FLUSH_BY_DEFAULT;
		batch_flush_pending(b, by);
		break;
	case IODIRTY_FLUSH_DOMAIN:
		if (b->hwpt)
			iodirty_hwpt_flush(b->hwpt, 0, 0, IODIRTY_FLUSH_BY_POLICY);
		b->flushes++;
		b->nr = 0;
		break;
	default:	/* DEFER: the caller keeps them; the floor remains */
		break;
	}
}

/**
 * iodirty_batch_cleared - pt_dirty_sink.cleared: a range was cleared
 * @arg: the batch
 * @iova: start
 * @len: bytes
 */
void iodirty_batch_cleared(void *arg, u64 iova, u64 len)
{
	struct iodirty_flush_batch *b = arg;

	if (!b->nr)
		b->first_ns = ktime_get_ns();
	if (b->nr && b->end[b->nr - 1] == iova) {
		b->end[b->nr - 1] += len;
		return;
	}
	if (b->nr == IODIRTY_PENDING_MAX) {
		batch_consult(b, false);
		if (b->nr == IODIRTY_PENDING_MAX) {
			/* deferred and full: keep one covering range */
			b->end[0] = b->end[b->nr - 1];
			b->nr = 1;
		}
		if (!b->nr)
			b->first_ns = ktime_get_ns();
	}
	b->start[b->nr] = iova;
	b->end[b->nr] = iova + len;
	b->nr++;
}

/**
 * iodirty_batch_finish - end of a harvest: final policy call, then floor
 * @b: the batch; empty afterwards
 */
void iodirty_batch_finish(struct iodirty_flush_batch *b)
{
	unsigned int us = READ_ONCE(iodirty_test_window_us);

	/* test only: keep the clear-to-invalidate window open for DMA */
	if (us && b->nr && iodirty_lab_on())
		usleep_range(min(us, 10000U), min(us, 10000U) + 50);
	batch_consult(b, true);
	batch_flush_pending(b, IODIRTY_FLUSH_BY_FLOOR);
}

/**
 * iodirty_batch_flush_range - a policy invalidates [start, end) itself
 * @b: the batch
 * @start: first IOVA
 * @end: end (exclusive)
 *
 * Return: 0.
 */
int iodirty_batch_flush_range(struct iodirty_flush_batch *b, u64 start, u64 end)
{
	unsigned int i = 0;

	if (b->hwpt)
		iodirty_hwpt_flush(b->hwpt, start, end, IODIRTY_FLUSH_BY_POLICY);
	b->flushes++;
	while (i < b->nr) {
		if (b->start[i] >= start && b->end[i] <= end)
			batch_drop(b, i);
		else
			i++;
	}
	return 0;
}

/**
 * iodirty_hwpt_alloc_ioctl - IOMMU_HWPT_ALLOC
 * @ucmd: struct iommu_hwpt_alloc
 *
 * Allocates a paging domain for @dev_id's IOMMU on IOAS @pt_id, filled with
 * the IOAS's mappings.  No device is attached.  @flags may hold
 * NEST_PARENT (accepted, no nesting is offered), DIRTY_TRACKING and PASID
 * (the domain accepts PASID attachments).  @data_type NONE gives the
 * device's own page table; IOMMU_HWPT_DATA_SELFTEST (mock devices only,
 * @data_uptr/@data_len a struct iommu_hwpt_selftest, read with the size
 * rules of every command) picks the 7.x selftest's iommupt mock table
 * (iodirty_selftest_hwpt_layout()).
 *
 * Return: 0; -EOPNOTSUPP unknown flags, reserved fields, a data type other
 * than NONE and SELFTEST, SELFTEST data for a device that is not a mock or
 * with an unknown pagetable_type, or DIRTY_TRACKING on a device that
 * cannot track; -EINVAL data_type/data_len mismatch, SELFTEST data shorter
 * than its first field, @pt_id not an IOAS, mappings that do not fit;
 * -E2BIG SELFTEST data longer than the kernel's with a non-zero tail;
 * -EFAULT unreadable data; -ENOENT unknown device; -ENOMEM.
 */
int iodirty_hwpt_alloc_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	const u32 known = IOMMU_HWPT_ALLOC_NEST_PARENT |
			  IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
			  IOMMU_HWPT_ALLOC_PASID;
	struct iodirty_hwpt_layout layout;
	struct iodirty_device *dev;
	struct iodirty_hwpt *hwpt;
	struct iodirty_ioas *ioas;
	bool selftest;
	int ret;

	if (cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	dev = iodirty_device_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ioas = iodirty_ioas_get(ucmd->ictx, cmd->pt_id);
	if (IS_ERR(ioas))
		return -EINVAL;	/* iommufd maps a bad pt_id to EINVAL */
	selftest = cmd->data_type == IOMMU_HWPT_DATA_SELFTEST;
	if (cmd->flags & ~known ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !selftest))
		return -EOPNOTSUPP;
	if (selftest) {
		ret = iodirty_selftest_hwpt_layout(dev, cmd->data_uptr,
						   cmd->data_len, &layout);
		if (ret)
			return ret;
	}

	hwpt = iodirty_hwpt_alloc_layout(ucmd->ictx, ioas, dev,
			cmd->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			selftest ? &layout : NULL);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	hwpt->pasid_compat = cmd->flags & IOMMU_HWPT_ALLOC_PASID;
	cmd->out_hwpt_id = hwpt->obj.id;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		iodirty_obj_destroy(ucmd->ictx, &hwpt->obj);
		return ret;
	}
	iodirty_obj_finalize(ucmd->ictx, &hwpt->obj);
	return 0;
}

/**
 * iodirty_hwpt_set_dirty_tracking_ioctl - IOMMU_HWPT_SET_DIRTY_TRACKING
 * @ucmd: struct iommu_hwpt_set_dirty_tracking
 *
 * Enabling first clears every dirty bit of the mapped IOVA (one walk) and
 * flushes the IOTLBs, so a later harvest reports only writes made after
 * the enable.  Disabling keeps the bits.  Both are idempotent.
 *
 * Return: 0; -EOPNOTSUPP unknown flags, non-zero reserved (6.12 does not
 * check it), or a domain without dirty tracking; -ENOENT unknown HWPT.
 */
int iodirty_hwpt_set_dirty_tracking_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	bool enable = cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	struct iodirty_flush_batch *b = NULL;
	struct mutex *scan_lock;
	struct pt_dirty_stats st = {};
	struct pt_dirty_sink sink = {};
	struct iodirty_hwpt *hwpt;
	struct iodirty_area *a;
	int ret = 0;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE || cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = iodirty_hwpt_get(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	if (!hwpt->dirty_ops)
		return -EOPNOTSUPP;
	if (enable == hwpt->dirty_tracking)
		return 0;

	if (enable) {
		b = kmalloc(sizeof(*b), GFP_KERNEL);
		if (!b)
			return -ENOMEM;
		iodirty_batch_init(b, hwpt);
		sink.cleared = iodirty_batch_cleared;
		sink.arg = b;
	}
	scan_lock = iodirty_scan_mutex(hwpt);
	if (scan_lock)
		mutex_lock(scan_lock);
	down_read(&hwpt->ioas->rwsem);
	if (enable) {
		/* a fresh start: nothing from before the enable is reported */
		iodirty_hwpt_end_unsafe(hwpt);
		iodirty_carry_forget(hwpt, 0, U64_MAX);
		list_for_each_entry(a, &hwpt->ioas->areas, node) {
			ret = pt_read_and_clear_dirty(&hwpt->pt, a->iova,
						      a->length, 0, &sink, &st);
			if (ret)
				break;
		}
		iodirty_batch_finish(b);
	}
	if (!ret)
		WRITE_ONCE(hwpt->dirty_tracking, enable);
	up_read(&hwpt->ioas->rwsem);
	if (scan_lock)
		mutex_unlock(scan_lock);
	kfree(b);
	return ret;
}

/*
 * A user bitmap, pinned and mapped contiguously for one harvest.  Pinning
 * everything first is what lets a bad pointer fail before any dirty bit is
 * cleared.
 */
struct iodirty_ubitmap {
	struct page **pages;
	unsigned long npages;
	void *vaddr;
	struct pt_bitmap bm;
};

static void ubitmap_release(struct iodirty_ubitmap *ub)
{
	if (ub->vaddr)
		vunmap(ub->vaddr);
	if (ub->npages)
		unpin_user_pages_dirty_lock(ub->pages, ub->npages, true);
	kvfree(ub->pages);
}

static int ubitmap_pin(struct iodirty_ubitmap *ub, u64 uptr, u64 iova,
		       u64 length, u64 page_size)
{
	u64 nbytes = pt_bitmap_bytes(length, page_size);
	unsigned long off = uptr & ~PAGE_MASK, want, done = 0;
	int ret;

	if (nbytes > IODIRTY_BITMAP_MAX)
		return -EOVERFLOW;
	if (!uptr || uptr + nbytes < uptr)
		return -EFAULT;
	want = pt_bitmap_pin_pages(uptr, nbytes, PAGE_SHIFT);
	ub->pages = kvmalloc_array(want, sizeof(*ub->pages), GFP_KERNEL);
	if (!ub->pages)
		return -ENOMEM;
	while (done < want) {
		ret = pin_user_pages_fast((uptr & PAGE_MASK) + done * PAGE_SIZE,
					  want - done, FOLL_WRITE,
					  ub->pages + done);
		if (ret <= 0) {
			ret = ret ?: -EFAULT;
			goto err;
		}
		done += ret;
		ub->npages = done;
	}
	ub->vaddr = vmap(ub->pages, ub->npages, VM_MAP, PAGE_KERNEL);
	if (!ub->vaddr) {
		ret = -ENOMEM;
		goto err;
	}
	return pt_bitmap_init(&ub->bm, ub->vaddr + off, iova, length,
			      page_size);
err:
	return ret == -ENOMEM ? ret : -EFAULT;
}

struct harvest_args {
	u32 hwpt_id;
	u32 flags;		/* IODIRTY_HARVEST_* */
	u32 reserved;
	u64 iova, length, page_size, data;
	bool need_data;
};

/* Make every page set in @bm dirty again; see hwpt_harvest(). */
static void harvest_redirty(struct iodirty_hwpt *hwpt, const struct pt_bitmap *bm)
{
	u64 bit = 0, ps = 1ULL << bm->pgshift;

	down_read(&hwpt->ioas->rwsem);
	while (bit < bm->nbits) {
		u64 run;

		if (!(bm->data[bit / 8] & (1u << (bit % 8)))) {
			bit++;
			continue;
		}
		for (run = 1; bit + run < bm->nbits &&
		     (bm->data[(bit + run) / 8] & (1u << ((bit + run) % 8))); run++)
			;
		pt_set_dirty_range(&hwpt->pt, bm->iova + bit * ps, run * ps);
		bit += run;
		cond_resched();
	}
	up_read(&hwpt->ioas->rwsem);
}

/*
 * The common harvest behind GET_DIRTY_BITMAP and IODIRTY_HARVEST.  All
 * argument checks come first, in iommufd's order; nothing is lost on error.
 * @out (IODIRTY_HARVEST) gets the counters and is written back here, so a
 * result that cannot be written counts as a failed harvest.
 */
static int hwpt_harvest(struct iodirty_ucmd *ucmd, struct harvest_args *h,
			struct iodirty_harvest *out)
{
	struct pt_dirty_stats st = {};
	const u32 known = IODIRTY_HARVEST_NO_CLEAR |
			  IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE;
	struct iodirty_ubitmap ub = {};
	struct pt_dirty_sink sink = {};
	struct iodirty_flush_batch *b;
	struct mutex *scan_lock;
	struct iodirty_hwpt *hwpt;
	struct iodirty_ioas *ioas;
	unsigned int wflags;
	bool unsafe, covered;
	u64 t0, walk_ns;
	int ret;

	if (h->flags & ~known || h->reserved)
		return -EOPNOTSUPP;
	hwpt = iodirty_hwpt_get(ucmd->ictx, h->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	if (!h->length)
		return -EINVAL;
	if (h->iova + h->length - 1 < h->iova)
		return -EOVERFLOW;
	ioas = hwpt->ioas;
	if (h->iova % ioas->iova_alignment ||
	    (h->iova + h->length) % ioas->iova_alignment)
		return -EINVAL;
	/* the bitmap writer's granules: 2 KiB .. 1 GiB, powers of two */
	if (!h->page_size || !is_power_of_2(h->page_size) ||
	    h->page_size < SZ_2K || h->page_size > SZ_1G ||
	    h->iova & (h->page_size - 1) ||
	    (h->iova + h->length) & (h->page_size - 1))
		return -EINVAL;
	if (!hwpt->dirty_ops)
		return -EOPNOTSUPP;
	if (!READ_ONCE(hwpt->dirty_tracking))
		return -EINVAL;

	unsafe = h->flags & IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE;
	if (unsafe && !iodirty_lab_allowed())
		return -EPERM;

	/*
	 * The areas cannot change while we hold the context lock; check the
	 * range before pinning so ENOENT comes before EFAULT.
	 */
	down_read(&ioas->rwsem);
	covered = iodirty_ioas_covers(ioas, h->iova, h->length);
	up_read(&ioas->rwsem);
	if (!covered)
		return -ENOENT;
	if (h->data || h->need_data) {
		ret = ubitmap_pin(&ub, h->data, h->iova, h->length, h->page_size);
		if (ret)
			goto out_release;
		sink.bitmap = &ub.bm;
	}
	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		ret = -ENOMEM;
		goto out_release;
	}
	iodirty_batch_init(b, hwpt);
	sink.arg = b;
	if (!unsafe)
		sink.cleared = iodirty_batch_cleared;
	/* counters only: what it clears must still reach the next GET */
	if (!sink.bitmap && !(h->flags & IODIRTY_HARVEST_NO_CLEAR))
		sink.run = harvest_carry_run;
	else if (trace_iodirty_dirty_run_enabled())
		sink.run = harvest_trace_run;
	scan_lock = iodirty_scan_mutex(hwpt);
	if (scan_lock)
		mutex_lock(scan_lock);
	down_read(&ioas->rwsem);
	if (!unsafe)
		iodirty_hwpt_end_unsafe(hwpt);
	trace_iodirty_harvest_begin(hwpt->gid, h->iova, h->length, h->flags,
				    h->page_size);
	t0 = ktime_get_ns();
	wflags = h->flags & IODIRTY_HARVEST_NO_CLEAR ? PT_DIRTY_NO_CLEAR : 0;
	if (!wflags && iodirty_harvest_prune_enabled()) {
		wflags |= PT_DIRTY_PRUNE;
		sink.table_a_cleared = iodirty_harvest_psc_invalidate;
	}
	/* large ranges are walked by several CPUs (harvest_split.c) */
	ret = iodirty_harvest_walk(&hwpt->pt, h->iova, h->length, wflags,
				   &sink, &st, h->page_size);
	walk_ns = ktime_get_ns() - t0;
	iodirty_harvest_pruned_add(st.pruned);
	/* pages a background scan took are reported here too */
	if (!ret && sink.bitmap)
		ret = iodirty_carry_report(hwpt, sink.bitmap, h->iova, h->length,
					   !(h->flags & IODIRTY_HARVEST_NO_CLEAR));
	/* whatever the walk's outcome, what it cleared is invalidated */
	iodirty_batch_finish(b);
	if (unsafe && st.cleared_leaves)
		WRITE_ONCE(hwpt->iotlb_stale, true);
	atomic64_inc(&hwpt->harvests);
	iodirty_stat_inc(IODIRTY_STAT_HARVESTS);
	atomic64_add(b->flushes, &iodirty_stats[IODIRTY_STAT_FLUSHES]);
	trace_iodirty_harvest_end(hwpt->gid, st.leaves, st.dirty_leaves,
				  st.dirty_bytes, st.cleared_leaves, b->flushes,
				  ktime_get_ns() - t0, ret);
	up_read(&ioas->rwsem);
	if (scan_lock)
		mutex_unlock(scan_lock);
	/* structure changes the policy asked for, now the walk is over */
	if (!ret)
		iodirty_harvest_demote(b);
	if (!ret && out) {
		out->out_leaves = st.leaves;
		out->out_dirty_leaves = st.dirty_leaves;
		out->out_dirty_bytes = st.dirty_bytes;
		out->out_runs = st.runs;
		out->out_cleared = st.cleared_leaves;
		out->out_flushes = b->flushes;
		out->out_walk_ns = walk_ns;
		out->out_domain_id = hwpt->gid;
		ret = iodirty_ucmd_respond(ucmd, sizeof(*out));
	}
	kfree(b);
	/*
	 * A clearing harvest that fails after the walk began (a run it could
	 * not deliver, the carry, or a result it cannot write) has cleared
	 * leaves whose report the caller will discard: every page set in the
	 * bitmap is made dirty again, so the next harvest reports it.  Bits
	 * the caller had set beforehand come back too (spurious, never lost).
	 */
	if (ret && sink.bitmap && !(h->flags & IODIRTY_HARVEST_NO_CLEAR))
		harvest_redirty(hwpt, &ub.bm);
out_release:
	ubitmap_release(&ub);
	return ret;
}

/**
 * iodirty_hwpt_get_dirty_bitmap_ioctl - IOMMU_HWPT_GET_DIRTY_BITMAP
 * @ucmd: struct iommu_hwpt_get_dirty_bitmap
 *
 * Return: 0; in iommufd's order -EOPNOTSUPP (flags, reserved), -ENOENT
 * (HWPT), -EINVAL (length 0), -EOVERFLOW (wrap), -EINVAL (IOVA alignment,
 * page_size 0 or not a power of two or outside 2 KiB..1 GiB, page_size
 * alignment), -EOPNOTSUPP (domain without dirty tracking); then iodirty's
 * own: -EINVAL tracking disabled, -ENOENT range not fully mapped,
 * -EOVERFLOW bitmap larger than 1 GiB, -EFAULT bitmap not writable.
 * On any error no dirty page is lost: the argument errors come before
 * anything is cleared, and a later failure makes what was cleared dirty
 * again.
 */
int iodirty_hwpt_get_dirty_bitmap_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct harvest_args h = {
		.hwpt_id = cmd->hwpt_id, .reserved = cmd->__reserved,
		.iova = cmd->iova, .length = cmd->length,
		.page_size = cmd->page_size, .data = cmd->data,
		.need_data = true,
	};
	/* the only UAPI flag, NO_CLEAR, has the same value internally */
	if (cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)
		return -EOPNOTSUPP;
	h.flags = cmd->flags;
	return hwpt_harvest(ucmd, &h, NULL);
}

/**
 * iodirty_harvest_ioctl - IODIRTY_HARVEST
 * @ucmd: struct iodirty_harvest
 *
 * Return: as GET_DIRTY_BITMAP; @data may be 0 (counters only).
 */
int iodirty_harvest_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_harvest *cmd = ucmd->cmd;
	struct harvest_args h = {
		.hwpt_id = cmd->hwpt_id, .flags = cmd->flags,
		.reserved = cmd->__reserved, .iova = cmd->iova,
		.length = cmd->length, .page_size = cmd->page_size,
		.data = cmd->data,
	};

	return hwpt_harvest(ucmd, &h, cmd);
}
