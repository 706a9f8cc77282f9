// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty page-table core: domains, formats and single-IOVA operations
 * (translate, hw_access, mark_dirty) plus a leaf iterator.
 */
#include "pt_priv.h"

#ifndef __KERNEL__
/* host-only allocation accounting and failure injection, see pt_compat.h */
long pt_host_fail_after = -1;
long pt_host_tables_live;
long pt_host_allocs;
bool pt_host_plain_unsafe;
bool pt_host_prune_late_inval;
void (*pt_host_clean_hook)(u64 *p);
unsigned int pt_host_bugs;
long pt_host_rewalks;
void (*pt_host_access_hook)(u64 iova);

#if defined(__SANITIZE_ADDRESS__)
#define PT_HOST_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PT_HOST_POOL 0
#endif
#endif
#ifndef PT_HOST_POOL
#define PT_HOST_POOL 1
#endif

#include <sys/mman.h>

#define PT_HOST_CHUNK	(2UL << 20)

static u64 *pt_host_free;		/* freed tables, linked by word 0 */
static char *pt_host_chunk;		/* carve pointer in current chunk */
static unsigned long pt_host_chunk_left;
static int pt_host_lock;

u64 *pt_host_table_get(void)
{
	u64 *t;

	if (!PT_HOST_POOL)
		return aligned_alloc(4096, 4096);
	while (__atomic_exchange_n(&pt_host_lock, 1, __ATOMIC_ACQUIRE))
		;
	t = pt_host_free;
	if (t) {
		pt_host_free = (u64 *)t[0];
	} else {
		if (!pt_host_chunk_left) {
			pt_host_chunk = aligned_alloc(PT_HOST_CHUNK,
						      PT_HOST_CHUNK);
			if (pt_host_chunk) {
				madvise(pt_host_chunk, PT_HOST_CHUNK,
					MADV_HUGEPAGE);
				pt_host_chunk_left = PT_HOST_CHUNK;
			}
		}
		if (pt_host_chunk_left) {
			t = (u64 *)pt_host_chunk;
			pt_host_chunk += 4096;
			pt_host_chunk_left -= 4096;
		}
	}
	__atomic_store_n(&pt_host_lock, 0, __ATOMIC_RELEASE);
	return t;
}

void pt_host_table_put(u64 *t)
{
	if (!PT_HOST_POOL) {
		free(t);
		return;
	}
	while (__atomic_exchange_n(&pt_host_lock, 1, __ATOMIC_ACQUIRE))
		;
	t[0] = (u64)(uintptr_t)pt_host_free;
	pt_host_free = t;
	__atomic_store_n(&pt_host_lock, 0, __ATOMIC_RELEASE);
}
#endif

const struct pt_fmt pt_fmt_table[PT_FMT_NR] = {
	[PT_FMT_AMDV1] = {
		.fmt = PT_FMT_AMDV1, .name = "amdv1",
		.granule_shift = AMDV1_GRANULE_SHIFT,
		.min_va_bits = 32, .max_va_bits = 57, .oa_bits = 52,
		.pgsizes = AMDV1_PGSIZES,
	},
	[PT_FMT_VTDSS] = {
		.fmt = PT_FMT_VTDSS, .name = "vtdss",
		.granule_shift = VTDSS_GRANULE_SHIFT,
		.min_va_bits = 32, .max_va_bits = 57, .oa_bits = 52,
		.pgsizes = VTDSS_PGSIZES,
	},
	[PT_FMT_ARMV8] = {
		.fmt = PT_FMT_ARMV8, .name = "armv8",
		.granule_shift = ARMV8_GRANULE_SHIFT,
		.min_va_bits = 32, .max_va_bits = 48, .oa_bits = 48,
		.pgsizes = ARMV8_PGSIZES,
	},
	[PT_FMT_MOCK] = {
		.fmt = PT_FMT_MOCK, .name = "mock",
		.granule_shift = MOCK_GRANULE_SHIFT,
		.min_va_bits = 32, .max_va_bits = 56, .oa_bits = 51,
		.pgsizes = MOCK_PGSIZES,
	},
	[PT_FMT_MOCKPT] = {
		.fmt = PT_FMT_MOCKPT, .name = "mockpt",
		.granule_shift = MOCKPT_GRANULE_SHIFT,
		.min_va_bits = 32, .max_va_bits = 56, .oa_bits = 51,
		.pgsizes = MOCKPT_PGSIZES,
	},
};

/**
 * pt_format_pgsizes() - every leaf size a format can encode
 * @fmt: PT_FMT_*
 *
 * Return: bitmap of sizes, 0 for an unknown format.
 */
u64 pt_format_pgsizes(enum pt_format fmt)
{
	if ((unsigned int)fmt >= PT_FMT_NR)
		return 0;
	return pt_fmt_table[fmt].pgsizes;
}

/**
 * pt_format_name() - short name of a format
 * @fmt: PT_FMT_*
 *
 * Return: "amdv1", "vtdss", "armv8", "mock", "mockpt" or "?".
 */
const char *pt_format_name(enum pt_format fmt)
{
	if ((unsigned int)fmt >= PT_FMT_NR)
		return "?";
	return pt_fmt_table[fmt].name;
}

/**
 * pt_domain_init() - create an empty I/O page table
 * @d: domain to initialise
 * @fmt: PT_FMT_*
 * @va_bits: IOVA space is [0, 2^va_bits); pt_fmt_table[fmt] gives the range
 * @pgsize_bitmap: leaf sizes the domain may use; a subset of
 *	pt_format_pgsizes(@fmt) that includes the granule.  Sizes that need
 *	a level the domain does not have are dropped: d->pgsize_bitmap holds
 *	the sizes actually usable.
 *
 * Return: 0, -EINVAL for a bad format, va_bits or bitmap, -ENOMEM.
 */
int pt_domain_init(struct pt_domain *d, enum pt_format fmt,
		   unsigned int va_bits, u64 pgsize_bitmap)
{
	const struct pt_fmt *f;
	unsigned int levels, gs;
	u64 usable;

	memset(d, 0, sizeof(*d));
	if ((unsigned int)fmt >= PT_FMT_NR)
		return -EINVAL;
	f = &pt_fmt_table[fmt];
	gs = f->granule_shift;
	if (va_bits < f->min_va_bits || va_bits > f->max_va_bits)
		return -EINVAL;
	if (!pgsize_bitmap || (pgsize_bitmap & ~f->pgsizes) ||
	    !(pgsize_bitmap & BIT_ULL(gs)))
		return -EINVAL;
	levels = (va_bits - gs + PT_TABLE_SHIFT - 1) / PT_TABLE_SHIFT;
	if (levels > PT_MAX_LEVELS)
		return -EINVAL;
	/* a leaf of 2^n lives at level (n - gs) / 9, which must exist */
	usable = gs + PT_TABLE_SHIFT * levels >= 64 ? ~0ULL :
		 GENMASK_ULL(gs + PT_TABLE_SHIFT * levels - 1, 0);
	d->fmt = fmt;
	d->f = f;
	d->granule_shift = gs;
	d->va_bits = va_bits;
	d->levels = levels;
	d->pgsize_bitmap = pgsize_bitmap & usable;
	d->root = pt_alloc_table();
	if (!d->root)
		return -ENOMEM;
	d->nr_tables = 1;
	return 0;
}

/* Free @table (at level @lvl) and every table below it; returns count. */
u64 pt_free_subtree(const struct pt_domain *d, u64 *table, unsigned int lvl)
{
	u64 n = 1;
	unsigned int i;

	if (lvl > 0) {
		for (i = 0; i < PT_TABLE_ENTRIES; i++) {
			u64 e = table[i];

			if (pt_e_present(d->fmt, e) &&
			    pt_e_is_table(d->fmt, e, lvl))
				n += pt_free_subtree(d, pt_e_table(d->fmt, e),
						     lvl - 1);
		}
	}
	pt_free_table(table);
	return n;
}

bool pt_table_empty(const struct pt_domain *d, const u64 *table)
{
	unsigned int i;

	for (i = 0; i < PT_TABLE_ENTRIES; i++)
		if (pt_e_present(d->fmt, READ_ONCE(table[i])))
			return false;
	return true;
}

/**
 * pt_domain_destroy() - free every table of a domain
 * @d: domain; may be one whose pt_domain_init() failed
 */
void pt_domain_destroy(struct pt_domain *d)
{
	if (d->root)
		pt_free_subtree(d, d->root, d->levels - 1);
	d->root = NULL;
	d->nr_tables = 0;
}

/*
 * Validate [iova, iova + len) for a range operation.  The checks run in
 * this order, so each bad input has one documented errno.
 */
int pt_check_range(const struct pt_domain *d, u64 iova, u64 len)
{
	u64 gmask = (1ULL << d->granule_shift) - 1;

	if (!len)
		return -ENODATA;
	if ((iova | len) & gmask)
		return -EINVAL;
	if (iova + len < iova)
		return -EOVERFLOW;
	if (iova + len > pt_va_limit(d))
		return -ERANGE;
	return 0;
}

/* Walk from the root to the leaf translating @iova (< the VA limit). */
int pt_find_leaf(const struct pt_domain *d, u64 iova, struct pt_leafref *r)
{
	enum pt_format F = d->fmt;
	unsigned int lvl = d->levels - 1;
	u64 *t = d->root;

	for (;;) {
		unsigned int sh = pt_dlvl_shift(d, lvl);
		unsigned int idx = (iova >> sh) & (PT_TABLE_ENTRIES - 1);
		u64 e = READ_ONCE(t[idx]);

		if (!pt_e_present(F, e))
			return -ENOENT;
		if (lvl > 0 && pt_e_is_table(F, e, lvl)) {
			t = pt_e_table(F, e);
			lvl--;
			continue;
		}
		r->ptep = &t[idx];
		r->lvl = lvl;
		r->size = pt_e_leaf_size(F, e, lvl);
		r->nrep = r->size >> sh;
		r->first = &t[idx & ~(r->nrep - 1)];
		r->iova = iova & ~(r->size - 1);
		return 0;
	}
}

/* Fill @x from a leaf: dirty/accessed are ORed over all replicas. */
void pt_leaf_info(const struct pt_domain *d, const struct pt_leafref *r,
		  struct pt_xlate *x)
{
	enum pt_format F = d->fmt;
	u64 e = READ_ONCE(*r->first);
	unsigned int i;

	x->iova = r->iova;
	x->size = r->size;
	x->pa = pt_e_leaf_pa(F, e, r->size);
	x->prot = pt_e_prot(F, e);
	x->dirty = false;
	x->accessed = false;
	for (i = 0; i < r->nrep; i++) {
		e = READ_ONCE(r->first[i]);
		x->dirty |= pt_e_dirty(F, e);
		x->accessed |= pt_e_accessed(F, e);
	}
}

/*
 * Has the leaf entry found at @lvl (now reading @e) been replaced by a
 * table (pt_demote())?  Then the caller must walk again: updating @e would
 * set bits in a table entry and lose them.  PT_DEMOTE_BUG_NO_REWALK
 * (host negative control) pretends it never is.
 */
bool pt_leaf_stale(const struct pt_domain *d, u64 e, unsigned int lvl)
{
	if (pt_host_demote_bug(PT_DEMOTE_BUG_NO_REWALK))
		return false;
	return !pt_e_present(d->fmt, e) ||
	       (lvl > 0 && pt_e_is_table(d->fmt, e, lvl));
}

/*
 * pt_leaf_set_dirty() for the IOMMU-side callers, which may race with
 * pt_demote(): -EAGAIN when the entry stopped being a leaf at @lvl.
 */
static int pt_leaf_set_dirty_at(const struct pt_domain *d, u64 *ptep,
				unsigned int lvl)
{
	u64 old = READ_ONCE(*ptep), new;
	int ret;

	for (;;) {
		if (pt_leaf_stale(d, old, lvl))
			return -EAGAIN;
		ret = pt_e_set_dirty(d->fmt, old, &new);
		if (ret || new == old)
			return ret;
		if (pt_cmpxchg64(ptep, &old, new))
			return 0;
	}
}

/* Set the dirty state of one leaf entry (one replica is enough). */
int pt_leaf_set_dirty(const struct pt_domain *d, u64 *ptep)
{
	u64 old = READ_ONCE(*ptep), new;
	int ret;

	do {
		ret = pt_e_set_dirty(d->fmt, old, &new);
		if (ret || new == old)
			return ret;
	} while (!pt_cmpxchg64(ptep, &old, new));
	return 0;
}

/**
 * pt_translate() - look up the leaf translating an IOVA
 * @d: domain
 * @iova: any byte address
 * @x: filled with the leaf (start, pa of the start, size, prot, A/D)
 *
 * Return: 0, -ERANGE beyond the IOVA space, -ENOENT if not mapped.
 */
int pt_translate(struct pt_domain *d, u64 iova, struct pt_xlate *x)
{
	struct pt_leafref r;
	int ret;

	if (iova >= pt_va_limit(d))
		return -ERANGE;
	ret = pt_find_leaf(d, iova, &r);
	if (ret)
		return ret;
	pt_leaf_info(d, &r, x);
	return 0;
}

/*
 * Set the non-leaf accessed bit (pt_table_accessed_bit()) in the table
 * entries on the path from the root to the leaf (at @leaf_lvl) translating
 * @iova, at levels below @psc_lvl: entries at @psc_lvl and above count as
 * served from a paging-structure cache, which does not touch memory.  An
 * entry already accessed is only read (the IOMMU's update is an atomic
 * set of a clear bit).  Nothing for formats without the bit.
 */
void pt_path_set_accessed(const struct pt_domain *d, u64 iova,
			  unsigned int leaf_lvl, unsigned int psc_lvl)
{
	enum pt_format F = d->fmt;
	u64 ta = pt_table_accessed_bit(F);
	unsigned int lvl = d->levels - 1;
	u64 *t = d->root;

	if (!ta)
		return;
	for (; lvl > leaf_lvl; lvl--) {
		unsigned int idx = (iova >> pt_dlvl_shift(d, lvl)) &
				   (PT_TABLE_ENTRIES - 1);
		u64 e = READ_ONCE(t[idx]);

		if (!pt_e_present(F, e) || !pt_e_is_table(F, e, lvl))
			return;
		if (lvl < psc_lvl && !(e & ta))
			pt_atomic_or64(&t[idx], ta);
		t = pt_e_table(F, e);
	}
}

/**
 * pt_hw_access_psc() - what the IOMMU does for one DMA, with a
 *	paging-structure cache
 * @d: domain
 * @iova: any byte address
 * @access: PT_PROT_READ and/or PT_PROT_WRITE
 * @psc_lvl: the table entries at this level and above came from the
 *	caller's paging-structure cache (a hit on the entry at @psc_lvl),
 *	so the walk reads only the ones below it; PT_PSC_MISS for a walk
 *	from the root
 * @x: optional; the leaf after the access (also filled on -EACCES)
 *
 * Checks permission, then sets the non-leaf accessed bit of every table
 * entry the walk reads from memory (pt_path_set_accessed(); formats that
 * have one, see pt_table_accessed_bit()), then the accessed state and, on
 * a write, the dirty state of the leaf entry the IOMMU uses (for an AMD
 * replicated leaf: only the replica covering @iova).  Walk order: a table
 * entry's A is set before the leaf's D, as a page walk does.  A faulting
 * access changes nothing.  The updates are atomic, as the hardware's are,
 * so they race correctly with pt_read_and_clear_dirty() on another CPU.
 * The table structure does not change under it (see pt.h), except by
 * pt_demote(), which keeps permissions: so checking permission before the
 * updates is the same as checking it during them.  When the leaf it found
 * has become a table meanwhile (demoted) it walks again, as the hardware
 * retries a walk whose A/D update finds the entry changed.
 *
 * Return: 0, -EINVAL bad @access, -ERANGE, -ENOENT, -EACCES.
 */
int pt_hw_access_psc(struct pt_domain *d, u64 iova, unsigned int access,
		     unsigned int psc_lvl, struct pt_xlate *x)
{
	enum pt_format F = d->fmt;
	struct pt_leafref r;
	u64 old, new;
	int ret;

	if (!access || (access & ~(PT_PROT_READ | PT_PROT_WRITE)))
		return -EINVAL;
	if (iova >= pt_va_limit(d))
		return -ERANGE;
again:
	ret = pt_find_leaf(d, iova, &r);
	if (ret)
		return ret;
	if (unlikely(pt_host_access_hook))
		pt_host_access_hook(iova);
	old = READ_ONCE(*r.ptep);
	if (pt_leaf_stale(d, old, r.lvl))
		goto rewalk;
	ret = pt_e_hw_update(F, old, access, &new);
	if (!ret) {
		pt_path_set_accessed(d, iova, r.lvl, psc_lvl);
		for (;;) {
			ret = pt_e_hw_update(F, old, access, &new);
			if (ret || new == old)
				break;
			if (pt_cmpxchg64(r.ptep, &old, new))
				break;
			/* demoted under us: the update belongs to the new leaf */
			if (pt_leaf_stale(d, old, r.lvl))
				goto rewalk;
		}
	}
	if (x) {
		pt_leaf_info(d, &r, x);
		/* demoted after our update: describe the leaf we used */
		if (pt_leaf_stale(d, READ_ONCE(*r.first), r.lvl)) {
			u64 e = ret ? old : new;

			x->pa = pt_e_leaf_pa(F, e, r.size);
			x->prot = pt_e_prot(F, e);
			x->dirty = pt_e_dirty(F, e);
			x->accessed = pt_e_accessed(F, e);
		}
	}
	return ret;
rewalk:
	pt_host_count_rewalk();
	goto again;
}

/**
 * pt_hw_access() - what the IOMMU does for one DMA
 * @d: domain
 * @iova: any byte address
 * @access: PT_PROT_READ and/or PT_PROT_WRITE
 * @x: optional; the leaf after the access (also filled on -EACCES)
 *
 * pt_hw_access_psc() with a walk from the root (no paging-structure
 * cache): sets the non-leaf accessed bits on the path, then the leaf's
 * accessed state and, on a write, its dirty state.
 *
 * Return: 0, -EINVAL bad @access, -ERANGE, -ENOENT, -EACCES.
 */
int pt_hw_access(struct pt_domain *d, u64 iova, unsigned int access,
		 struct pt_xlate *x)
{
	return pt_hw_access_psc(d, iova, access, PT_PSC_MISS, x);
}

/**
 * pt_mark_dirty() - make the leaf translating @iova dirty (test op)
 * @d: domain
 * @iova: any byte address
 *
 * Sets the dirty state regardless of the leaf's permissions, except on
 * ARM where only a DBM (writable) leaf can express "dirty": a read-only
 * ARM leaf gives -EACCES and is left alone.  Like a device write it sets
 * the non-leaf accessed bits on the path first, so a pruning harvest
 * (PT_DIRTY_PRUNE) finds the leaf.
 *
 * Return: 0, -ERANGE, -ENOENT, -EACCES (ARM read-only leaf).
 */
int pt_mark_dirty(struct pt_domain *d, u64 iova)
{
	struct pt_leafref r;
	int ret;

	if (iova >= pt_va_limit(d))
		return -ERANGE;
	do {
		ret = pt_find_leaf(d, iova, &r);
		if (ret)
			return ret;
		if (pt_leaf_stale(d, READ_ONCE(*r.ptep), r.lvl)) {
			ret = -EAGAIN;
			continue;
		}
		if (pt_e_set_dirty(d->fmt, READ_ONCE(*r.ptep), &(u64){ 0 }))
			return -EACCES;
		pt_path_set_accessed(d, iova, r.lvl, PT_PSC_MISS);
		ret = pt_leaf_set_dirty_at(d, r.ptep, r.lvl);
	} while (ret == -EAGAIN && (pt_host_count_rewalk(), 1));
	return ret;
}

/**
 * pt_set_dirty_range() - make every leaf overlapping [@iova, @iova + @len)
 *	dirty again
 * @d: domain
 * @iova: start
 * @len: bytes
 *
 * For a harvest that cleared leaves and then could not deliver them: the
 * next harvest reports them again.  Holes are skipped.  The non-leaf
 * accessed bits on each leaf's path are set too, so a pruning harvest
 * (PT_DIRTY_PRUNE) cannot skip a leaf made dirty here.  Caller holds the
 * IOAS rwsem (leaves cannot be freed meanwhile).
 */
void pt_set_dirty_range(const struct pt_domain *d, u64 iova, u64 len)
{
	u64 s = iova, e = iova + len;
	struct pt_leafref r;

	while (s < e && s < pt_va_limit(d)) {
		if (pt_find_leaf(d, s, &r)) {
			s = (s | ((1ULL << d->granule_shift) - 1)) + 1;
			continue;
		}
		pt_path_set_accessed(d, s, r.lvl, PT_PSC_MISS);
		/* demoted meanwhile: walk again to the new leaf at @s */
		if (pt_leaf_set_dirty_at(d, r.first, r.lvl) == -EAGAIN) {
			pt_host_count_rewalk();
			continue;
		}
		s = r.iova + r.size;
	}
}

static int pt_for_each_level(const struct pt_domain *d, u64 *t,
			     unsigned int lvl, u64 tbase, u64 start, u64 end,
			     int (*fn)(void *arg, const struct pt_xlate *x),
			     void *arg)
{
	enum pt_format F = d->fmt;
	unsigned int sh = pt_dlvl_shift(d, lvl);
	unsigned int i = pt_idx_lo(sh, tbase, start);
	unsigned int hi = pt_idx_hi(sh, tbase, end);
	int ret;

	while (i < hi) {
		u64 e = READ_ONCE(t[i]);
		u64 ebase = tbase + ((u64)i << sh);
		struct pt_leafref r;
		struct pt_xlate x;

		if (!pt_e_present(F, e)) {
			i++;
			continue;
		}
		if (lvl > 0 && pt_e_is_table(F, e, lvl)) {
			ret = pt_for_each_level(d, pt_e_table(F, e), lvl - 1,
						ebase, start, end, fn, arg);
			if (ret)
				return ret;
			i++;
			continue;
		}
		r.lvl = lvl;
		r.size = pt_e_leaf_size(F, e, lvl);
		r.nrep = r.size >> sh;
		r.first = &t[i & ~(r.nrep - 1)];
		r.ptep = r.first;
		r.iova = ebase & ~(r.size - 1);
		pt_leaf_info(d, &r, &x);
		ret = fn(arg, &x);
		if (ret)
			return ret;
		i = (i & ~(r.nrep - 1)) + r.nrep;
	}
	return 0;
}

/**
 * pt_for_each_leaf() - call @fn once per leaf overlapping a range
 * @d: domain
 * @iova: start of the range
 * @len: length of the range
 * @fn: called in IOVA order with the whole leaf (not clamped); a non-zero
 *	return stops the walk and is returned
 * @arg: passed to @fn
 *
 * Return: 0, a range error (see pt_check_range order), or @fn's return.
 */
int pt_for_each_leaf(struct pt_domain *d, u64 iova, u64 len,
		     int (*fn)(void *arg, const struct pt_xlate *x), void *arg)
{
	int ret = pt_check_range(d, iova, len);

	if (ret)
		return ret;
	return pt_for_each_level(d, d->root, d->levels - 1, 0, iova,
				 iova + len, fn, arg);
}
