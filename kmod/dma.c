// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated DMA engine and the per-device IOTLB.
 *
 * A DMA access is cut into pieces that never cross a domain granule; each
 * piece is translated the way an IOMMU does it:
 *   - IOTLB hit: use the cached translation.  A write through an entry
 *     cached as dirty does NOT touch the PTE (the hardware already knows
 *     the page is dirty); a write through an entry cached clean makes the
 *     IOMMU set the dirty bit in the PTE and refresh the entry.
 *   - IOTLB miss: walk the table (pt_hw_access_psc), which checks
 *     permissions and sets the accessed and, for a write, the dirty state
 *     with an atomic compare-and-exchange, then cache the leaf.  The walk
 *     first looks up the paging-structure cache (PSC) of level-1 table
 *     entries: on a hit it starts at the leaf table and sets no non-leaf
 *     accessed bit; on a miss it walks from the root, setting A in every
 *     table entry it reads, and caches the PDE (what pruning harvests,
 *     PT_DIRTY_PRUNE, rely on; kmod/pt/pt_walk_prune.h).
 *   - Invalidation: a range or whole-domain IOTLB invalidation drops the
 *     PSC entries overlapping it too (VT-d IH=0, AMD PDE=1), so unmap and
 *     remap never leave a stale PDE; iodirty_psc_invalidate() drops only
 *     PSC entries (what a pruning harvest asks for before it walks the
 *     leaves below an entry whose A it cleared).
 * Dirty updates happen only while the domain's dirty tracking is on (the
 * AMD HAD / VT-d SSADE enable); ARM HTTU with DBM always updates, as in
 * the SMMUv3 driver, where enable/disable is a no-op.
 *
 * The bytes land in the page the IOAS says backs the IOVA (pinned user
 * page, or a phantom area's single page); the page table's address is
 * cross-checked against it, so a page-table bug shows up as a WARN, never
 * as a stray write.
 *
 * Every write marks its granules in the HWPT's oracle (oracle.c), shadow
 * bitmaps kept apart from the page table, IOTLB and policy, under the
 * IOTLB lock, i.e. before an invalidation that waits for it completes.
 *
 * Locking: callers hold the IOAS rwsem for read (areas and table
 * structure stable).  dev->iotlb.lock is held for one piece: lookup, PTE
 * update, copy and oracle mark; iodirty_iotlb_invalidate() takes it too,
 * so an invalidation completes only after DMA in flight through the old
 * translation has landed.  Never sleeps under the lock; oracle chunks are
 * allocated before it is taken.
 */
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iodirty.h"

/*
 * Modelled invalidation cost: a command costs IOTLB_CMD_NS; a range
 * invalidation also costs IOTLB_PAGE_NS per 4 KiB of range (page-selective
 * invalidation scales with the range), a whole-domain one a fixed
 * IOTLB_ALL_NS (cheap to issue, but every entry must be refetched).
 */
#define IOTLB_CMD_NS	500
#define IOTLB_PAGE_NS	1
#define IOTLB_ALL_NS	2000

/**
 * iodirty_iotlb_init - empty IOTLB
 * @tlb: the IOTLB
 */
void iodirty_iotlb_init(struct iodirty_iotlb_cache *tlb)
{
	memset(tlb, 0, sizeof(*tlb));
	spin_lock_init(&tlb->lock);
}

/**
 * iodirty_iotlb_invalidate - drop cached translations of [start, end)
 * @dev: the device
 * @start: first IOVA
 * @end: end (exclusive); 0 with @start 0 means the whole domain
 *
 * Context: any; takes the IOTLB lock (waits for DMA in flight).
 *
 * Return: the modelled cost of this invalidation, in ns.
 */
u64 iodirty_iotlb_invalidate(struct iodirty_device *dev, u64 start, u64 end)
{
	struct iodirty_iotlb_cache *tlb = &dev->iotlb;
	bool all = !start && !end;
	unsigned int i;
	u64 cost;

	spin_lock(&tlb->lock);
	for (i = 0; i < IODIRTY_IOTLB_ENTRIES; i++) {
		struct iodirty_iotlb_entry *e = &tlb->e[i];

		if (!e->valid)
			continue;
		if (all || (e->iova < end && start < e->iova + e->size)) {
			e->valid = false;
			tlb->dropped++;
		}
	}
	for (i = 0; i < IODIRTY_PSC_ENTRIES; i++) {
		struct iodirty_psc_entry *c = &tlb->psc[i];

		if (c->valid &&
		    (all || (c->iova < end && start < c->iova + c->size)))
			c->valid = false;
	}
	if (all) {
		tlb->inv_all++;
		cost = IOTLB_ALL_NS;
	} else {
		tlb->inv_range++;
		cost = IOTLB_CMD_NS + ((end - start) >> 12) * IOTLB_PAGE_NS;
	}
	tlb->cost_ns += cost;
	spin_unlock(&tlb->lock);
	return cost;
}

/**
 * iodirty_psc_invalidate - drop cached PDEs of [start, end), and wait
 * @dev: the device
 * @start: first IOVA
 * @end: end (exclusive)
 *
 * The paging-structure-cache invalidation a pruning harvest issues after
 * clearing table entries' accessed bits and before walking the leaves
 * below (kmod/pt/pt_walk_prune.h).  IOTLB entries are kept.
 *
 * Context: any; takes the IOTLB lock, so it returns only after DMA in
 * flight through the old entries has landed.
 *
 * Return: the modelled cost (one command), in ns.
 */
u64 iodirty_psc_invalidate(struct iodirty_device *dev, u64 start, u64 end)
{
	struct iodirty_iotlb_cache *tlb = &dev->iotlb;
	unsigned int i;

	spin_lock(&tlb->lock);
	for (i = 0; i < IODIRTY_PSC_ENTRIES; i++) {
		struct iodirty_psc_entry *c = &tlb->psc[i];

		if (c->valid && c->iova < end && start < c->iova + c->size)
			c->valid = false;
	}
	tlb->psc_inv++;
	tlb->cost_ns += IOTLB_CMD_NS;
	spin_unlock(&tlb->lock);
	return IOTLB_CMD_NS;
}

/**
 * iodirty_iotlb_cached_dirty - does @dev cache a dirty translation of any
 * part of [start, end) whose PTE is clean?
 * @dev: an attached device
 * @start: first IOVA
 * @end: end (exclusive)
 *
 * The lab's export check: a run handed to a consumer must have no such
 * entry left, or a write through it would never be reported again.  An
 * entry cached dirty while the PTE is dirty too is harmless (a write after
 * the invalidation walked the table and set D again).
 *
 * Context: the IOAS rwsem held (the table's structure is stable).
 *
 * Return: true if there is such an entry.
 */
bool iodirty_iotlb_cached_dirty(struct iodirty_device *dev, u64 start, u64 end)
{
	struct iodirty_iotlb_cache *tlb = &dev->iotlb;
	bool found = false;
	struct pt_xlate x;
	unsigned int i;

	spin_lock(&tlb->lock);
	for (i = 0; i < IODIRTY_IOTLB_ENTRIES && !found; i++) {
		struct iodirty_iotlb_entry *e = &tlb->e[i];

		if (!e->valid || !e->dirty || e->iova >= end ||
		    start >= e->iova + e->size)
			continue;
		found = pt_translate(&dev->hwpt->pt, e->iova, &x) || !x.dirty;
	}
	spin_unlock(&tlb->lock);
	return found;
}

static struct iodirty_iotlb_entry *iotlb_lookup(struct iodirty_iotlb_cache *tlb,
						u64 iova)
{
	unsigned int i;

	for (i = 0; i < IODIRTY_IOTLB_ENTRIES; i++) {
		struct iodirty_iotlb_entry *e = &tlb->e[i];

		if (e->valid && iova >= e->iova && iova - e->iova < e->size)
			return e;
	}
	return NULL;
}

static void iotlb_fill(struct iodirty_iotlb_entry *e, const struct pt_xlate *x)
{
	e->iova = x->iova;
	e->size = x->size;
	e->pa = x->pa;
	e->prot = x->prot;
	e->dirty = x->dirty;
	e->valid = true;
}

/*
 * The walk a real IOMMU does on a miss, or to dirty a clean entry, through
 * the PSC (see the top of the file).  Called with the IOTLB lock held.
 */
static int iommu_walk(struct iodirty_hwpt *hwpt,
		      struct iodirty_iotlb_cache *tlb, u64 iova, bool write,
		      struct pt_xlate *x)
{
	bool track = READ_ONCE(hwpt->dirty_tracking) ||
		     hwpt->model == IODIRTY_MODEL_ARM;
	u64 pde = (u64)PT_TABLE_ENTRIES << hwpt->pt.granule_shift;
	unsigned int i, psc_lvl = PT_PSC_MISS;
	int ret;

	for (i = 0; i < IODIRTY_PSC_ENTRIES; i++)
		if (tlb->psc[i].valid && iova - tlb->psc[i].iova < pde)
			psc_lvl = 1;
	if (psc_lvl == 1)
		tlb->psc_hits++;
	else
		tlb->psc_misses++;
	if (write && track) {
		ret = pt_hw_access_psc(&hwpt->pt, iova, PT_PROT_WRITE,
				       psc_lvl, x);
	} else {
		ret = pt_hw_access_psc(&hwpt->pt, iova, PT_PROT_READ,
				       psc_lvl, x);
		if (!ret && write && !(x->prot & PT_PROT_WRITE))
			ret = -EACCES;
	}
	/* cache the PDE of a granule leaf (a table at level 1 exists) */
	if (!ret && psc_lvl != 1 && x->size == 1ULL << hwpt->pt.granule_shift &&
	    hwpt->pt.levels > 1) {
		struct iodirty_psc_entry *c = &tlb->psc[tlb->psc_next];

		tlb->psc_next = (tlb->psc_next + 1) % IODIRTY_PSC_ENTRIES;
		c->iova = iova & ~(pde - 1);
		c->size = pde;
		c->valid = true;
	}
	return ret;
}

/**
 * iodirty_ioas_find_area - the area mapping @iova
 * @ioas: the IOAS (rwsem held)
 * @iova: the address
 *
 * Return: the area or NULL.
 */
struct iodirty_area *iodirty_ioas_find_area(struct iodirty_ioas *ioas, u64 iova)
{
	struct iodirty_area *a;

	list_for_each_entry(a, &ioas->areas, node)
		if (iova >= a->iova && iova - a->iova < a->length)
			return a;
	return NULL;
}

/* The page backing @iova according to the IOAS, and the offset in it. */
static struct page *area_page(struct iodirty_area *a, u64 iova,
			      unsigned long *off, u64 *pa)
{
	struct page *page;
	u64 o;

	if (!a->pinned) {
		*off = iova & ~PAGE_MASK;
		*pa = 0;	/* not checked: all leaves share one page */
		return a->phantom_page;
	}
	o = iova - a->iova + a->offset;
	*off = o & ~PAGE_MASK;
	page = iodirty_area_page(a, o >> PAGE_SHIFT);
	*pa = page_to_phys(page) + *off;
	return page;
}

/**
 * iodirty_chunk_get - one page-sized chunk of a sparse bitmap kept in an
 * xarray (the oracle, the scan carry)
 * @xa: the bitmap
 * @idx: chunk index (bit / IODIRTY_ORACLE_CHUNK_BITS)
 * @alloc: allocate a zeroed chunk if there is none
 *
 * Context: process context when @alloc (may sleep).
 *
 * Return: the chunk, or NULL (none, or out of memory with @alloc).
 */
unsigned long *iodirty_chunk_get(struct xarray *xa, unsigned long idx,
				 bool alloc)
{
	unsigned long *chunk = xa_load(xa, idx);

	if (chunk || !alloc)
		return chunk;
	chunk = (unsigned long *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return NULL;
	if (xa_insert(xa, idx, chunk, GFP_KERNEL_ACCOUNT)) {
		/* lost a race (or -ENOMEM in the xarray): use what is there */
		free_page((unsigned long)chunk);
		chunk = xa_load(xa, idx);
	}
	return chunk;
}

/**
 * iodirty_chunks_free - free a sparse bitmap
 * @xa: the bitmap
 */
void iodirty_chunks_free(struct xarray *xa)
{
	unsigned long idx;
	void *chunk;

	xa_for_each(xa, idx, chunk)
		free_page((unsigned long)chunk);
	xa_destroy(xa);
}

/* One piece, inside one granule: translate, check, copy, record. */
static int dma_piece(struct iodirty_device *dev, struct iodirty_area *a,
		     u64 iova, u32 len, bool write, const u8 *src, u8 *dst,
		     struct iodirty_oracle_marks *om, u64 *hits, u64 *misses)
{
	struct iodirty_hwpt *hwpt = dev->hwpt;
	struct iodirty_iotlb_cache *tlb = &dev->iotlb;
	struct iodirty_iotlb_entry *e;
	unsigned long off;
	struct pt_xlate x;
	struct page *page;
	u64 want_pa;
	void *kaddr;
	int ret = 0;
	u32 i;

	spin_lock(&tlb->lock);
	e = iotlb_lookup(tlb, iova);
	if (e) {
		tlb->hits++;
		(*hits)++;
		atomic64_inc(&hwpt->iotlb_hits);
		if (write && !(e->prot & PT_PROT_WRITE)) {
			ret = -EACCES;
			goto out_unlock;
		}
		if (write && !e->dirty) {
			/* clean entry: the IOMMU updates the PTE first */
			ret = iommu_walk(hwpt, tlb, iova, true, &x);
			if (ret)
				goto out_unlock;
			iotlb_fill(e, &x);
		}
	} else {
		tlb->misses++;
		(*misses)++;
		atomic64_inc(&hwpt->iotlb_misses);
		ret = iommu_walk(hwpt, tlb, iova, write, &x);
		if (ret)
			goto out_unlock;
		e = &tlb->e[tlb->next];
		tlb->next = (tlb->next + 1) % IODIRTY_IOTLB_ENTRIES;
		iotlb_fill(e, &x);
	}

	page = area_page(a, iova, &off, &want_pa);
	if (a->pinned && WARN_ONCE(e->pa + (iova - e->iova) != want_pa,
				  "iodirty: IOVA %llx translates to %llx, IOAS says %llx\n",
				  iova, e->pa + (iova - e->iova), want_pa)) {
		ret = -EIO;
		goto out_unlock;
	}
	kaddr = kmap_local_page(page);
	if (write) {
		if (src)
			memcpy(kaddr + off, src, len);
		else
			for (i = 0; i < len; i++)
				((u8 *)kaddr)[off + i] = (u8)(iova + i);
		iodirty_oracle_mark(om);
	} else if (dst) {
		memcpy(dst, kaddr + off, len);
	}
	kunmap_local(kaddr);
out_unlock:
	spin_unlock(&tlb->lock);
	return ret;
}

/**
 * iodirty_dma_access - the device reads or writes [iova, iova + len)
 * @dev: an attached device
 * @iova: first byte
 * @len: bytes, at most PAGE_SIZE (callers chunk bigger transfers)
 * @write: a DMA write
 * @src: data to write, or NULL for the IOVA byte pattern
 * @dst: buffer for a read, or NULL to discard
 * @hits: incremented per IOTLB hit
 * @misses: incremented per IOTLB miss
 *
 * Context: process context; the device's IOAS rwsem held for read.
 *
 * Return: 0, -ENOENT not mapped, -EACCES permission, -ENOMEM (oracle),
 * -EIO the page table disagrees with the IOAS (a bug; WARNs).
 */
int iodirty_dma_access(struct iodirty_device *dev, u64 iova, u32 len,
		       bool write, const u8 *src, u8 *dst, u64 *hits,
		       u64 *misses)
{
	struct iodirty_hwpt *hwpt = dev->hwpt;
	unsigned int gs = hwpt->pt.granule_shift;
	struct iodirty_oracle_marks om = {};
	struct iodirty_area *a = NULL;
	int ret;

	while (len) {
		u32 n = min_t(u64, len, (1ULL << gs) - (iova & ((1ULL << gs) - 1)));

		if (!a || iova < a->iova || iova - a->iova >= a->length)
			a = iodirty_ioas_find_area(hwpt->ioas, iova);
		if (!a)
			return -ENOENT;
		if (write) {
			ret = iodirty_oracle_prepare(hwpt, iova >> gs, &om);
			if (ret)
				return ret;
		}
		ret = dma_piece(dev, a, iova, n, write, src, dst, &om,
				hits, misses);
		if (ret)
			return ret;
		iova += n;
		len -= n;
		if (src)
			src += n;
		if (dst)
			dst += n;
	}
	return 0;
}

/**
 * iodirty_dma_ioctl - IODIRTY_DMA
 * @ucmd: struct iodirty_dma
 *
 * Return: 0; -EOPNOTSUPP flags/reserved; -ENOENT unknown device or
 * unmapped IOVA; -EINVAL device not attached, length 0 or > 16 MiB;
 * -EOVERFLOW wrap; -EACCES permission; -EFAULT user buffer.
 */
int iodirty_dma_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_dma *cmd = ucmd->cmd;
	bool write = cmd->flags & IODIRTY_DMA_WRITE;
	u8 __user *ubuf = u64_to_user_ptr(cmd->user_buf);
	struct iodirty_device *dev;
	u64 done = 0, hits = 0, misses = 0;
	u8 *bounce = NULL;
	int ret = 0;

	if (cmd->flags & ~IODIRTY_DMA_WRITE || cmd->__reserved)
		return -EOPNOTSUPP;
	dev = iodirty_device_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	if (!dev->hwpt || !cmd->length || cmd->length > SZ_16M)
		return -EINVAL;
	if (cmd->iova + cmd->length - 1 < cmd->iova)
		return -EOVERFLOW;
	if (ubuf) {
		bounce = kmalloc(PAGE_SIZE, GFP_KERNEL);
		if (!bounce)
			return -ENOMEM;
	}

	while (done < cmd->length && !ret) {
		u64 iova = cmd->iova + done;
		u32 n = min_t(u64, cmd->length - done,
			      PAGE_SIZE - (iova & ~PAGE_MASK));

		if (ubuf && write && copy_from_user(bounce, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		down_read(&dev->hwpt->ioas->rwsem);
		ret = iodirty_dma_access(dev, iova, n, write, write ? bounce : NULL,
					 write ? NULL : bounce, &hits, &misses);
		up_read(&dev->hwpt->ioas->rwsem);
		if (!ret && ubuf && !write && copy_to_user(ubuf + done, bounce, n))
			ret = -EFAULT;
		done += n;
	}
	kfree(bounce);
	if (ret)
		return ret;
	cmd->out_iotlb_hits = hits;
	cmd->out_iotlb_misses = misses;
	return iodirty_ucmd_respond(ucmd, sizeof(*cmd));
}

/**
 * iodirty_iotlb_ioctl - IODIRTY_IOTLB
 * @ucmd: struct iodirty_iotlb
 *
 * Return: 0; -EOPNOTSUPP flags/reserved; -ENOENT; -EINVAL both
 * invalidation flags, or an empty/wrapping range.
 */
int iodirty_iotlb_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_iotlb *cmd = ucmd->cmd;
	const u32 known = IODIRTY_IOTLB_INVALIDATE | IODIRTY_IOTLB_INVALIDATE_ALL;
	struct iodirty_device *dev;
	struct iodirty_iotlb_cache *tlb;
	unsigned int i;

	if (cmd->flags & ~known || cmd->__reserved)
		return -EOPNOTSUPP;
	dev = iodirty_device_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	if (cmd->flags == known)
		return -EINVAL;
	if (cmd->flags & IODIRTY_IOTLB_INVALIDATE) {
		if (!cmd->length || cmd->iova + cmd->length - 1 < cmd->iova)
			return -EINVAL;
		iodirty_iotlb_invalidate(dev, cmd->iova, cmd->iova + cmd->length);
	} else if (cmd->flags & IODIRTY_IOTLB_INVALIDATE_ALL) {
		iodirty_iotlb_invalidate(dev, 0, 0);
	}
	tlb = &dev->iotlb;
	spin_lock(&tlb->lock);
	cmd->out_entries = 0;
	for (i = 0; i < IODIRTY_IOTLB_ENTRIES; i++)
		cmd->out_entries += tlb->e[i].valid;
	cmd->out_hits = tlb->hits;
	cmd->out_misses = tlb->misses;
	cmd->out_inv_range = tlb->inv_range;
	cmd->out_inv_all = tlb->inv_all;
	cmd->out_inv_dropped = tlb->dropped;
	cmd->out_inv_cost_ns = tlb->cost_ns;
	spin_unlock(&tlb->lock);
	return iodirty_ucmd_respond(ucmd, sizeof(*cmd));
}
