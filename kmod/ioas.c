// SPDX-License-Identifier: GPL-2.0
/*
 * IOAS: an I/O address space of user-memory mappings.
 *
 * An IOAS is the source of truth for what is mapped: a sorted list of
 * areas, each one IOAS_MAP of pinned user pages (or a phantom range whose
 * leaves all map one kernel page, for TB-scale tests).  Every HWPT
 * allocated on the IOAS owns a page table (struct pt_domain) that mirrors
 * all areas; MAP and UNMAP update every domain, and a new domain is filled
 * from the areas (iodirty_ioas_fill_domain()).
 *
 * Pinned pages are accounted as upstream iommufd 6.12 does
 * (iopt_alloc_pages(), do_update_pinned()): they are always added to the
 * mm->pinned_vm of the caller of IOAS_MAP (the mm they come from, what
 * VmPin shows), and, unless the caller has CAP_IPC_LOCK, charged to the
 * caller's user->locked_vm and checked against the caller's
 * RLIMIT_MEMLOCK.  So CAP_IPC_LOCK lifts the limit (and the per-user
 * charge that the limit is about), never the pinned_vm accounting.  The
 * area remembers the user and mm it charged, so the unpin returns the
 * charge to the same place whoever closes the file.
 *
 * MAP runs its cheap checks (alignment, aperture, overlap, free IOVA)
 * first, then checks the limit before it allocates anything that grows
 * with the length, then pins in batches of one page of page pointers
 * outside the IOAS rwsem (the DMA workload threads and the background
 * scanner need it; a slow or userfaultfd-backed page must not stall
 * them), and only then takes the rwsem to insert the area.  The context
 * lock stays held: other ioctls on the same file wait, as they wait for
 * any command of that file.  Pages DMA may have written are unpinned
 * dirty.  Pages are unpinned only after every device's IOTLB has dropped
 * the range (hwpt flush), so an emulated device can never DMA into a page
 * that was given back, and after the rwsem is released.
 *
 * IOMMU_OPTION_HUGE_PAGES (iodirty_option_ioctl()) is per IOAS: off, every
 * area is mapped into the domains one CPU page per pt_map() call, so no
 * leaf spans two pages (what the 7.x kselftest relies on to get 4 KiB
 * leaves from the iommupt mock), and the IOVA alignment is PAGE_SIZE.
 *
 * Locking: ioas->rwsem for write around any change of @areas or of the
 * domains' structure (and of disable_large_pages); callers hold the
 * context lock (see object.c).
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/fault-inject.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "iodirty.h"

atomic_long_t iodirty_nr_pinned;

/*
 * The pin injection point: pin_user_pages_fast() on faulted-in memory
 * allocates nothing, so FAILSLAB / FAIL_PAGE_ALLOC alone never make a pin
 * fail.  This fault attribute counts for /proc/<tid>/fail-nth like any
 * other (probability 0 by default: it fires only when armed), and can be
 * driven on its own through debugfs iodirty/fail_pin/.
 */
#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(iodirty_fail_pin);

static bool iodirty_should_fail_pin(void)
{
	return should_fail(&iodirty_fail_pin, 1);
}

void iodirty_fault_debugfs_init(struct dentry *dir)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_pin", dir, &iodirty_fail_pin);
#endif
}
#else
static bool iodirty_should_fail_pin(void)
{
	return false;
}

void iodirty_fault_debugfs_init(struct dentry *dir)
{
}
#endif

static int iodirty_account(struct iodirty_area *a)
{
	unsigned long lim, cur, new;

	if (!capable(CAP_IPC_LOCK)) {
		lim = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		a->user = get_uid(current_user());
		do {
			cur = atomic_long_read(&a->user->locked_vm);
			new = cur + a->npages;
			if (new < cur || new > lim) {
				free_uid(a->user);
				a->user = NULL;
				return -ENOMEM;
			}
		} while (atomic_long_cmpxchg(&a->user->locked_vm, cur, new) != cur);
	}
	a->mm = current->mm;
	mmgrab(a->mm);
	atomic64_add(a->npages, &a->mm->pinned_vm);
	return 0;
}

static void iodirty_unaccount(struct iodirty_area *a)
{
	if (a->user) {
		atomic_long_sub(a->npages, &a->user->locked_vm);
		free_uid(a->user);
		a->user = NULL;
	}
	if (!a->mm)
		return;
	atomic64_sub(a->npages, &a->mm->pinned_vm);
	mmdrop(a->mm);
	a->mm = NULL;
}

/**
 * iodirty_ioas_limits - the IOVA range every domain of the IOAS can map
 * @ioas: the IOAS
 * @start: first usable IOVA
 * @last: last usable IOVA (inclusive)
 */
void iodirty_ioas_limits(struct iodirty_ioas *ioas, u64 *start, u64 *last)
{
	struct iodirty_hwpt *hwpt;

	*start = 0;
	*last = U64_MAX;
	list_for_each_entry(hwpt, &ioas->hwpts, ioas_node) {
		u64 s, l;

		iodirty_hwpt_aperture(hwpt->model, hwpt->pt.va_bits, &s, &l);
		*start = max(*start, s);
		*last = min(*last, l);
	}
}

/*
 * Map @a into domain @d.  @small (IOMMU_OPTION_HUGE_PAGES off): one
 * pt_map() per CPU page, so no leaf spans two pages, as iommufd's
 * batch_iommu_map_small() does.
 */
static int area_map_domain(struct iodirty_area *a, struct pt_domain *d,
			   bool small)
{
	u64 iova = a->iova, left = a->length, off = a->offset;
	unsigned long i = 0;
	int ret;

	if (!a->pinned)
		return pt_map(d, a->iova, a->phantom_pa, a->length, a->prot,
			      a->phantom_pgsize, PT_MAP_PHANTOM);

	while (left) {
		/*
		 * coalesce physically contiguous pages into one pt_map call,
		 * so hugetlb memory gets huge leaves
		 */
		u64 pa = page_to_phys(iodirty_area_page(a, i)) + off;
		u64 run = min_t(u64, PAGE_SIZE - off, left);

		for (i++; !small && run < left &&
		     page_to_phys(iodirty_area_page(a, i)) == pa + run; i++)
			run += min_t(u64, PAGE_SIZE, left - run);
		cond_resched();
		ret = pt_map(d, iova, pa, run, a->prot, 0, 0);
		if (ret) {
			if (iova > a->iova)
				pt_unmap(d, a->iova, iova - a->iova, NULL);
			return ret;
		}
		off = 0;
		iova += run;
		left -= run;
	}
	return 0;
}

/**
 * iodirty_ioas_fill_domain - map every area of the IOAS into a new domain
 * @ioas: the IOAS (rwsem held for write)
 * @d: an empty domain
 *
 * Return: 0, or the pt_map() error with @d left empty.
 */
int iodirty_ioas_fill_domain(struct iodirty_ioas *ioas, struct pt_domain *d)
{
	struct iodirty_area *a;
	int ret;

	list_for_each_entry(a, &ioas->areas, node) {
		ret = area_map_domain(a, d, ioas->disable_large_pages);
		if (ret)
			goto err_unmap;
	}
	return 0;

err_unmap:
	list_for_each_entry_continue_reverse(a, &ioas->areas, node)
		pt_unmap(d, a->iova, a->length, NULL);
	return ret;
}

/**
 * iodirty_ioas_covers - is [iova, iova + length) mapped without holes?
 * @ioas: the IOAS (rwsem held)
 * @iova: start
 * @length: bytes, non-zero, no overflow
 */
bool iodirty_ioas_covers(struct iodirty_ioas *ioas, u64 iova, u64 length)
{
	u64 next = iova, last = iova + length - 1;
	struct iodirty_area *a;

	list_for_each_entry(a, &ioas->areas, node) {
		if (a->iova + a->length - 1 < next)
			continue;
		if (a->iova > next)
			return false;
		if (a->iova + a->length - 1 >= last)
			return true;
		next = a->iova + a->length;
	}
	return false;
}

/* Unpin and free the page chunks; DMA-writable pages are unpinned dirty. */
static void area_unpin(struct iodirty_area *a)
{
	bool dirty = a->prot & PT_PROT_WRITE;
	unsigned long idx, n;
	struct page **chunk;

	xa_for_each(&a->pages, idx, chunk) {
		n = min_t(unsigned long, IODIRTY_AREA_CHUNK,
			  a->npinned - idx * IODIRTY_AREA_CHUNK);
		if (dirty)
			unpin_user_pages_dirty_lock(chunk, n, true);
		else
			unpin_user_pages(chunk, n);
		free_page((unsigned long)chunk);
		cond_resched();
	}
	xa_destroy(&a->pages);
	atomic_long_sub(a->npinned, &iodirty_nr_pinned);
	a->npinned = 0;
}

static void area_free(struct iodirty_area *a)
{
	if (a->phantom_page)
		__free_page(a->phantom_page);
	if (a->pinned) {
		area_unpin(a);
		iodirty_unaccount(a);
	}
	kfree(a);
}

/*
 * Remove @a from every domain and invalidate the IOTLBs; the caller frees
 * it (area_free()) after dropping the rwsem, since unpinning takes page
 * locks and a large area would hold DMA and scans off meanwhile.
 */
static void area_unmap(struct iodirty_ioas *ioas, struct iodirty_area *a,
		       struct list_head *to_free)
{
	struct iodirty_hwpt *hwpt;

	list_for_each_entry(hwpt, &ioas->hwpts, ioas_node) {
		pt_unmap(&hwpt->pt, a->iova, a->length, NULL);
		iodirty_hwpt_flush(hwpt, a->iova, a->iova + a->length,
				   IODIRTY_FLUSH_BY_DEFAULT);
		iodirty_carry_forget(hwpt, a->iova, a->length);
		iodirty_oracle_forget(hwpt, a->iova, a->length);
	}
	list_move_tail(&a->node, to_free);
}

/* Where a new area [iova, iova + length) goes; NULL if it overlaps. */
static struct list_head *area_insert_pos(struct iodirty_ioas *ioas, u64 iova,
					 u64 length)
{
	struct iodirty_area *a;

	list_for_each_entry(a, &ioas->areas, node) {
		if (a->iova + a->length <= iova)
			continue;
		if (iova + length <= a->iova)
			return a->node.prev;
		return NULL;
	}
	return ioas->areas.prev;
}

/* Lowest free IOVA range of @length aligned to @align inside the limits. */
static int area_alloc_iova(struct iodirty_ioas *ioas, u64 length, u64 align,
			   u64 *iova)
{
	u64 start, last, cand;
	struct iodirty_area *a;

	iodirty_ioas_limits(ioas, &start, &last);
	cand = ALIGN(start, align);
	list_for_each_entry(a, &ioas->areas, node) {
		if (a->iova + a->length <= cand)
			continue;
		if (cand + length <= a->iova)
			break;
		cand = ALIGN(a->iova + a->length, align);
		if (!cand)
			return -ENOSPC;
	}
	if (cand < start || cand + length - 1 < cand || cand + length - 1 > last)
		return -ENOSPC;
	*iova = cand;
	return 0;
}

/*
 * Charge, then pin [user_va, user_va + a->length) batch by batch: one page
 * of page pointers per batch, so the only allocations are those the pinned
 * pages themselves justify.  Context lock held, IOAS rwsem not held.
 */
static int area_pin(struct iodirty_area *a, u64 user_va, bool write)
{
	unsigned int flags = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	unsigned long base = user_va & PAGE_MASK;
	int ret;

	a->offset = user_va & ~PAGE_MASK;
	a->npages = DIV_ROUND_UP(a->offset + a->length, PAGE_SIZE);
	xa_init(&a->pages);
	a->pinned = true;
	ret = iodirty_account(a);
	if (ret)
		return ret;
	while (a->npinned < a->npages) {
		unsigned long idx = a->npinned / IODIRTY_AREA_CHUNK;
		unsigned long want = min_t(unsigned long, IODIRTY_AREA_CHUNK,
					   a->npages - a->npinned);
		unsigned long got = 0;
		struct page **chunk;

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err;
		}
		chunk = (struct page **)__get_free_page(GFP_KERNEL_ACCOUNT);
		if (!chunk) {
			ret = -ENOMEM;
			goto err;
		}
		ret = xa_err(xa_store(&a->pages, idx, chunk, GFP_KERNEL_ACCOUNT));
		if (ret) {
			free_page((unsigned long)chunk);
			goto err;
		}
		while (got < want) {
			if (iodirty_should_fail_pin()) {
				a->npinned += got;
				atomic_long_add(got, &iodirty_nr_pinned);
				ret = -ENOMEM;
				goto err;
			}
			ret = pin_user_pages_fast(base + (a->npinned + got) * PAGE_SIZE,
						  want - got, flags, chunk + got);
			if (ret <= 0) {
				a->npinned += got;
				atomic_long_add(got, &iodirty_nr_pinned);
				ret = ret ?: -EFAULT;
				goto err;
			}
			got += ret;
		}
		a->npinned += got;
		atomic_long_add(got, &iodirty_nr_pinned);
		cond_resched();
	}
	return 0;

err:
	/* area_free() unpins what was pinned and returns the charge */
	return ret;
}

/*
 * Does @a fit: inside every domain's aperture, overlapping nothing?  Sets
 * @pos to where it goes.  IOAS rwsem held (either way).
 */
static int area_check_place(struct iodirty_ioas *ioas, struct iodirty_area *a,
			    struct list_head **pos)
{
	u64 start, last;

	iodirty_ioas_limits(ioas, &start, &last);
	if (a->iova < start || a->iova + a->length - 1 > last)
		return -EINVAL;
	*pos = area_insert_pos(ioas, a->iova, a->length);
	return *pos ? 0 : -EEXIST;
}

/**
 * iodirty_ioas_add_area - map a new area into the IOAS and all its domains
 * @ictx: the context
 * @ioas: the IOAS (rwsem held for write)
 * @a: a filled area (pinned, or phantom); consumed on success, freed by the
 *	caller on failure
 *
 * Return: 0, -EEXIST on overlap, -EINVAL outside the domains' range or
 * misaligned, -ENOMEM.
 */
static int iodirty_ioas_add_area(struct iodirty_ctx *ictx,
				 struct iodirty_ioas *ioas,
				 struct iodirty_area *a)
{
	struct iodirty_hwpt *hwpt, *failed;
	struct list_head *pos;
	int ret;

	ret = area_check_place(ioas, a, &pos);
	if (ret)
		return ret;
	list_for_each_entry(hwpt, &ioas->hwpts, ioas_node) {
		ret = area_map_domain(a, &hwpt->pt, ioas->disable_large_pages);
		if (ret) {
			failed = hwpt;
			goto err_unmap;
		}
	}
	list_add(&a->node, pos);
	return 0;

err_unmap:
	list_for_each_entry(hwpt, &ioas->hwpts, ioas_node) {
		if (hwpt == failed)
			break;
		pt_unmap(&hwpt->pt, a->iova, a->length, NULL);
	}
	/* pt errors that are the caller's fault become the UAPI's EINVAL */
	return ret == -ENOMEM ? -ENOMEM : -EINVAL;
}

/**
 * iodirty_ioas_update_alignment - recompute the IOAS's IOVA alignment
 * @ioas: the IOAS (rwsem held for write)
 *
 * The largest alignment any domain imposes (iodirty_hwpt.iova_align), and
 * PAGE_SIZE while huge pages are off (a mapping is split at CPU pages).
 */
void iodirty_ioas_update_alignment(struct iodirty_ioas *ioas)
{
	struct iodirty_hwpt *hwpt;
	u64 align = ioas->disable_large_pages ? PAGE_SIZE : 1;

	list_for_each_entry(hwpt, &ioas->hwpts, ioas_node)
		align = max_t(u64, align, hwpt->iova_align);
	ioas->iova_alignment = align;
}

/*
 * IOMMU_OPTION_HUGE_PAGES of an IOAS, with iommufd's rules
 * (iopt_disable_large_pages()): turning huge pages off is refused while
 * the IOAS has domains *and* mappings (the domains' existing leaves would
 * not change), and while a mapping is not PAGE_SIZE aligned (the new
 * alignment would not hold).
 */
static int ioas_option_huge_pages(struct iommu_option *cmd,
				  struct iodirty_ioas *ioas)
{
	struct iodirty_area *a;
	int ret = 0;

	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !READ_ONCE(ioas->disable_large_pages);
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (cmd->val64 > 1)
		return -EINVAL;
	down_write(&ioas->rwsem);
	if (cmd->val64 == 0 && !ioas->disable_large_pages) {
		if (!list_empty(&ioas->hwpts) && !list_empty(&ioas->areas)) {
			ret = -EINVAL;
			goto out_unlock;
		}
		list_for_each_entry(a, &ioas->areas, node) {
			if ((a->iova | a->length | a->offset) & ~PAGE_MASK) {
				ret = -EADDRINUSE;
				goto out_unlock;
			}
		}
	}
	WRITE_ONCE(ioas->disable_large_pages, !cmd->val64);
	iodirty_ioas_update_alignment(ioas);
out_unlock:
	up_write(&ioas->rwsem);
	return ret;
}

/**
 * iodirty_option_ioctl - IOMMU_OPTION
 * @ucmd: struct iommu_option
 *
 * Only IOMMU_OPTION_HUGE_PAGES is implemented (per IOAS, @object_id):
 * GET returns 1 (huge pages allowed, the default) or 0; SET 0 makes later
 * mappings into the IOAS's domains use leaves of at most PAGE_SIZE and
 * raises its IOVA alignment to PAGE_SIZE; SET 1 allows larger leaves
 * again for mappings made afterwards.  The answer (@val64) is written back.
 *
 * Return: 0; -EOPNOTSUPP non-zero reserved field, an unknown option (and
 * IOMMU_OPTION_RLIMIT_MODE: iodirty always charges the caller's user and
 * mm) or op; -ENOENT @object_id is not an IOAS; -EINVAL a value other than
 * 0 or 1, or huge pages turned off while the IOAS has domains and
 * mappings; -EADDRINUSE off while a mapping is not PAGE_SIZE aligned;
 * -EFAULT.
 */
int iodirty_option_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->option_id != IOMMU_OPTION_HUGE_PAGES)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd->ictx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ret = ioas_option_huge_pages(cmd, ioas);
	if (ret)
		return ret;
	return iodirty_ucmd_respond(ucmd, sizeof(*cmd));
}

/**
 * iodirty_ioas_alloc_ioctl - IOMMU_IOAS_ALLOC
 * @ucmd: struct iommu_ioas_alloc
 *
 * Return: 0, -EOPNOTSUPP for non-zero flags, -ENOMEM.
 */
int iodirty_ioas_alloc_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iodirty_obj_alloc(ucmd->ictx, sizeof(*ioas), IODIRTY_OBJ_IOAS);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ioas->ictx = ucmd->ictx;
	init_rwsem(&ioas->rwsem);
	INIT_LIST_HEAD(&ioas->areas);
	INIT_LIST_HEAD(&ioas->hwpts);
	ioas->iova_alignment = 1;
	cmd->out_ioas_id = ioas->obj.id;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		iodirty_obj_abort(ucmd->ictx, &ioas->obj);
		return ret;
	}
	iodirty_obj_finalize(ucmd->ictx, &ioas->obj);
	return 0;
}

/**
 * iodirty_ioas_map_ioctl - IOMMU_IOAS_MAP
 * @ucmd: struct iommu_ioas_map
 *
 * Pins [user_va, user_va + length), charges it to RLIMIT_MEMLOCK and maps
 * it at @iova (FIXED_IOVA) or at the lowest free aligned IOVA in every
 * domain of the IOAS, choosing the largest leaves alignment allows.
 *
 * Return: 0; -EOPNOTSUPP unknown flags or reserved; -EINVAL no permission,
 * misaligned, length 0 with FIXED_IOVA, outside the domains' aperture;
 * -EOVERFLOW iova + length wraps (or length 0 when the kernel chooses);
 * -ENOENT unknown IOAS; -EEXIST overlap; -ENOMEM over the memlock limit or
 * out of memory; -EFAULT user memory cannot be pinned.  Nothing changes
 * on error.
 */
int iodirty_ioas_map_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	const u32 known = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
			  IOMMU_IOAS_MAP_READABLE;
	bool fixed = cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA;
	struct iodirty_ioas *ioas;
	struct list_head *pos;
	struct iodirty_area *a;
	u64 align;
	int ret;

	if ((cmd->flags & ~known) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	if (!cmd->length)
		return fixed ? -EINVAL : -EOVERFLOW;
	/* as iommufd: lengths of half the address space or more overflow */
	if (cmd->length >= ULONG_MAX / 2)
		return -EOVERFLOW;
	if (cmd->user_va + cmd->length - 1 < cmd->user_va ||
	    (fixed && cmd->iova + cmd->length - 1 < cmd->iova))
		return -EOVERFLOW;
	ioas = iodirty_ioas_get(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	a->length = cmd->length;
	/* the domain needs read permission to exist; WRITEABLE adds write */
	a->prot = PT_PROT_READ |
		  (cmd->flags & IOMMU_IOAS_MAP_WRITEABLE ? PT_PROT_WRITE : 0);

	/*
	 * The checks that need the rwsem (alignment, IOVA, aperture,
	 * overlap), then the pin without it (the context lock keeps this
	 * IOAS's areas and domains unchanged meanwhile: only this file's
	 * ioctls change them), then the insert, which checks again.
	 */
	down_read(&ioas->rwsem);
	align = ioas->iova_alignment;
	ret = (fixed && cmd->iova % align) || cmd->length % align ||
	      cmd->user_va % align ? -EINVAL : 0;
	if (!ret && fixed) {
		a->iova = cmd->iova;
	} else if (!ret) {
		/* keep user_va's offset within a page so leaves line up */
		u64 off = cmd->user_va & ~PAGE_MASK;

		ret = area_alloc_iova(ioas, cmd->length + off,
				      max_t(u64, align, PAGE_SIZE), &a->iova);
		a->iova += off;
	}
	if (!ret)
		ret = area_check_place(ioas, a, &pos);
	up_read(&ioas->rwsem);
	if (ret)
		goto out_free;
	ret = area_pin(a, cmd->user_va, cmd->flags & IOMMU_IOAS_MAP_WRITEABLE);
	if (ret)
		goto out_free;

	down_write(&ioas->rwsem);
	ret = iodirty_ioas_add_area(ucmd->ictx, ioas, a);
	if (ret)
		goto out_unlock;
	up_write(&ioas->rwsem);

	cmd->iova = a->iova;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		/* a result that cannot be written leaves nothing mapped */
		LIST_HEAD(to_free);

		down_write(&ioas->rwsem);
		area_unmap(ioas, a, &to_free);
		up_write(&ioas->rwsem);
		goto out_free;
	}
	return 0;

out_unlock:
	up_write(&ioas->rwsem);
out_free:
	area_free(a);
	return ret;
}

/**
 * iodirty_ioas_unmap_ioctl - IOMMU_IOAS_UNMAP
 * @ucmd: struct iommu_ioas_unmap
 *
 * Unmaps every area inside [iova, iova + length) (iova 0 and length
 * U64_MAX: everything).  Areas are unmapped whole.
 *
 * Return: 0 with @length set to the bytes unmapped (0 for unmap-all of an
 * empty IOAS); -ENOENT when an area is cut by the range or nothing is
 * mapped in it; -EOVERFLOW on wrap;
 * -EINVAL length 0.
 */
int iodirty_ioas_unmap_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iodirty_area *a, *tmp;
	struct iodirty_ioas *ioas;
	u64 last, unmapped = 0;
	LIST_HEAD(to_free);
	int ret;

	ioas = iodirty_ioas_get(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		last = U64_MAX;
	} else {
		if (!cmd->length)
			return -EINVAL;
		last = cmd->iova + cmd->length - 1;
		if (last < cmd->iova)
			return -EOVERFLOW;
	}

	/*
	 * First check and measure, so a cut area leaves everything as it
	 * was; then answer, so a result that cannot be written fails with
	 * nothing unmapped; then unmap.  The areas cannot change in between:
	 * only commands of this file add or remove them, and the context
	 * lock serialises those.
	 */
	down_read(&ioas->rwsem);
	list_for_each_entry(a, &ioas->areas, node) {
		u64 alast = a->iova + a->length - 1;

		if (alast < cmd->iova || a->iova > last)
			continue;
		if (a->iova < cmd->iova || alast > last) {
			up_read(&ioas->rwsem);
			return -ENOENT;
		}
		unmapped += a->length;
	}
	up_read(&ioas->rwsem);
	/* unmap-all of an empty IOAS succeeds, as in iommufd */
	if (!unmapped && !(cmd->iova == 0 && cmd->length == U64_MAX))
		return -ENOENT;
	cmd->length = unmapped;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		return ret;

	down_write(&ioas->rwsem);
	list_for_each_entry_safe(a, tmp, &ioas->areas, node) {
		if (a->iova + a->length - 1 < cmd->iova || a->iova > last)
			continue;
		area_unmap(ioas, a, &to_free);
	}
	up_write(&ioas->rwsem);
	list_for_each_entry_safe(a, tmp, &to_free, node)
		area_free(a);
	return 0;
}

/**
 * iodirty_phantom_map_ioctl - IODIRTY_PHANTOM_MAP
 * @ucmd: struct iodirty_phantom_map
 *
 * Return: 0; -EOPNOTSUPP flags/reserved; -ENOENT unknown IOAS; -EINVAL
 * bad @pgsize, misaligned, longer than 2^47, outside the domains'
 * aperture or a leaf size a domain cannot use; -EOVERFLOW wrap; -EEXIST
 * overlap; -ENOMEM.
 */
int iodirty_phantom_map_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_phantom_map *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	struct iodirty_area *a;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (!is_power_of_2(cmd->pgsize) || cmd->pgsize < SZ_2K ||
	    !cmd->length || cmd->length > BIT_ULL(47) ||
	    (cmd->iova | cmd->length) & (cmd->pgsize - 1))
		return -EINVAL;
	if (cmd->iova + cmd->length - 1 < cmd->iova)
		return -EOVERFLOW;

	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	a->phantom_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!a->phantom_page) {
		kfree(a);
		return -ENOMEM;
	}
	a->iova = cmd->iova;
	a->length = cmd->length;
	a->prot = PT_PROT_READ | PT_PROT_WRITE;
	a->phantom_pgsize = cmd->pgsize;
	/* leaves must be aligned to their size; DMA only uses the page */
	a->phantom_pa = page_to_phys(a->phantom_page) & ~(cmd->pgsize - 1);

	down_write(&ioas->rwsem);
	ret = cmd->iova % ioas->iova_alignment ? -EINVAL :
		iodirty_ioas_add_area(ucmd->ictx, ioas, a);
	up_write(&ioas->rwsem);
	if (ret)
		area_free(a);
	return ret;
}

/**
 * iodirty_ioas_iova_ranges_ioctl - IOMMU_IOAS_IOVA_RANGES
 * @ucmd: struct iommu_ioas_iova_ranges
 *
 * Return: 0; -EMSGSIZE (with @num_iovas set) when the caller's array is
 * too small; -ENOENT; -EOPNOTSUPP for reserved; -EFAULT.
 */
int iodirty_ioas_iova_ranges_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommu_iova_range range;
	struct iodirty_ioas *ioas;
	u32 max = cmd->num_iovas;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	down_read(&ioas->rwsem);
	iodirty_ioas_limits(ioas, &range.start, &range.last);
	cmd->out_iova_alignment = ioas->iova_alignment;
	up_read(&ioas->rwsem);
	cmd->num_iovas = 1;
	if (max >= 1 &&
	    copy_to_user(u64_to_user_ptr(cmd->allowed_iovas), &range,
			 sizeof(range)))
		return -EFAULT;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		return ret;
	return max < 1 ? -EMSGSIZE : 0;
}

/**
 * iodirty_ioas_destroy - free an IOAS that no HWPT uses any more
 * @ioas: the IOAS
 */
void iodirty_ioas_destroy(struct iodirty_ioas *ioas)
{
	struct iodirty_area *a, *tmp;

	WARN_ON(!list_empty(&ioas->hwpts));
	list_for_each_entry_safe(a, tmp, &ioas->areas, node) {
		list_del(&a->node);
		area_free(a);
	}
}
