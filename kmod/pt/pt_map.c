// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty page-table core: operations that change the table structure
 * (map, unmap, split).  The caller serialises them against every other
 * operation on the domain (see pt.h); they still publish entries with
 * WRITE_ONCE/xchg so a concurrent reader sees either the old or the new
 * entry, never a torn one.
 *
 * Invariant kept by all of them: no table other than the root is ever
 * empty.  That lets unmap free exactly the tables it emptied, lets a
 * failed map undo itself by unmapping its own range, and means a present
 * table entry always has at least one leaf below it.
 */
#include "pt_priv.h"

struct pt_map_ctx {
	struct pt_domain *d;
	u64 iova;		/* next IOVA to map */
	u64 end;
	u64 pa;			/* pa for the leaf at @iova */
	u64 pgsize;		/* forced size, or 0 */
	unsigned int prot;
	bool phantom;
};

/* Largest allowed size that @iova and @pa are aligned to and that fits. */
static u64 pt_pick_size(const struct pt_map_ctx *c)
{
	u64 align = c->iova | c->pa;
	u64 rem = c->end - c->iova;
	u64 ok = c->d->pgsize_bitmap & GENMASK_ULL(fls64(rem) - 1, 0);

	if (align)
		ok &= GENMASK_ULL(__ffs64(align), 0);
	return 1ULL << (fls64(ok) - 1);
}

/*
 * Map from c->iova onwards into table @t at @lvl, up to @tend or the end
 * of the request, whichever comes first.  Returns to the parent when the
 * next leaf is too large for this level, so one pass over the tables
 * serves the whole range ("keeps its position").
 */
static int pt_map_level(struct pt_map_ctx *c, u64 *t, unsigned int lvl,
			u64 tend)
{
	struct pt_domain *d = c->d;
	enum pt_format F = d->fmt;
	unsigned int sh = pt_dlvl_shift(d, lvl);
	int ret;

	while (c->iova < c->end && c->iova < tend) {
		u64 size = c->pgsize ? c->pgsize : pt_pick_size(c);
		unsigned int slvl = pt_size_level(d, size);
		unsigned int idx = (c->iova >> sh) & (PT_TABLE_ENTRIES - 1);
		u64 e, *child;

		if (slvl > lvl)
			return 0;
		if (slvl == lvl) {
			unsigned int n = size >> sh, k;

			e = pt_e_mk_leaf(F, lvl, c->pa, size, c->prot);
			for (k = 0; k < n; k++)
				WRITE_ONCE(t[idx + k], e);
			c->iova += size;
			if (!c->phantom)
				c->pa += size;
			continue;
		}
		e = READ_ONCE(t[idx]);
		if (pt_e_present(F, e)) {
			/* the overlap pre-check guarantees this is a table */
			child = pt_e_table(F, e);
		} else {
			child = pt_alloc_table();
			if (!child)
				return -ENOMEM;
			d->nr_tables++;
			pt_publish_wmb();
			WRITE_ONCE(t[idx], pt_e_mk_table(F, lvl, pt_pa(child)));
		}
		ret = pt_map_level(c, child, lvl - 1,
				   (c->iova & ~((1ULL << sh) - 1)) +
				   (1ULL << sh));
		if (ret)
			return ret;
	}
	return 0;
}

/* Is any leaf present in [start, end)?  (No empty tables exist.) */
static bool pt_range_used(const struct pt_domain *d, const u64 *t,
			  unsigned int lvl, u64 tbase, u64 start, u64 end)
{
	enum pt_format F = d->fmt;
	unsigned int sh = pt_dlvl_shift(d, lvl);
	unsigned int i = pt_idx_lo(sh, tbase, start);
	unsigned int hi = pt_idx_hi(sh, tbase, end);

	for (; i < hi; i++) {
		u64 e = READ_ONCE(t[i]);
		u64 ebase = tbase + ((u64)i << sh);

		if (!pt_e_present(F, e))
			continue;
		if (lvl == 0 || !pt_e_is_table(F, e, lvl))
			return true;
		/* a table fully inside the range holds a leaf */
		if ((ebase >= start && ebase + (1ULL << sh) <= end) ||
		    pt_range_used(d, pt_e_table(F, e), lvl - 1, ebase, start,
				  end))
			return true;
	}
	return false;
}

/*
 * Clear every entry in [start, end) (the caller made sure no leaf
 * crosses the boundaries) and free tables left empty.  Returns the bytes
 * unmapped.
 */
static u64 pt_unmap_level(struct pt_domain *d, u64 *t, unsigned int lvl,
			  u64 tbase, u64 start, u64 end)
{
	enum pt_format F = d->fmt;
	unsigned int sh = pt_dlvl_shift(d, lvl);
	unsigned int i = pt_idx_lo(sh, tbase, start);
	unsigned int hi = pt_idx_hi(sh, tbase, end);
	u64 bytes = 0;

	for (; i < hi; i++) {
		u64 e = READ_ONCE(t[i]);
		u64 ebase = tbase + ((u64)i << sh);
		u64 *child;

		if (!pt_e_present(F, e))
			continue;
		if (lvl == 0 || !pt_e_is_table(F, e, lvl)) {
			/* each replica of a sized leaf counts its share */
			WRITE_ONCE(t[i], 0);
			bytes += 1ULL << sh;
			continue;
		}
		child = pt_e_table(F, e);
		bytes += pt_unmap_level(d, child, lvl - 1, ebase, start, end);
		if (pt_table_empty(d, child)) {
			WRITE_ONCE(t[i], 0);
			pt_free_table(child);
			d->nr_tables--;
		}
	}
	return bytes;
}

/**
 * pt_map() - map [iova, iova + len) to [pa, pa + len)
 * @d: domain
 * @iova: granule aligned
 * @pa: granule aligned
 * @len: granule multiple
 * @prot: PT_PROT_READ, optionally | PT_PROT_WRITE
 * @pgsize: 0 to use the largest size the alignment of @iova, @pa and the
 *	remaining length allow at each step, else the only size to use
 * @flags: PT_MAP_PHANTOM: every leaf maps @pa itself (TB-scale tables
 *	without TB of memory); leaf sizes then follow @iova and @pa alignment
 *
 * All or nothing: on error the table is exactly as before.
 *
 * Return: 0; -ENODATA, -EINVAL, -EOVERFLOW, -ERANGE for a bad range (in
 * that order, see pt_check_range), then -EINVAL bad @prot/@flags/@pa
 * alignment, -ERANGE @pa beyond the format's output addresses,
 * -EOPNOTSUPP @pgsize not in the domain's bitmap, -EINVAL range not
 * aligned to @pgsize, -EEXIST something already mapped, -ENOMEM.
 */
int pt_map(struct pt_domain *d, u64 iova, u64 pa, u64 len,
	   unsigned int prot, u64 pgsize, unsigned int flags)
{
	struct pt_map_ctx c = {
		.d = d, .iova = iova, .end = iova + len, .pa = pa,
		.pgsize = pgsize, .prot = prot,
		.phantom = flags & PT_MAP_PHANTOM,
	};
	u64 pa_span, oa_limit = 1ULL << d->f->oa_bits;
	int ret;

	ret = pt_check_range(d, iova, len);
	if (ret)
		return ret;
	if (!(prot & PT_PROT_READ) ||
	    (prot & ~(PT_PROT_READ | PT_PROT_WRITE)) ||
	    (flags & ~PT_MAP_PHANTOM) ||
	    (pa & ((1ULL << d->granule_shift) - 1)))
		return -EINVAL;
	/* a phantom map's leaves all start at pa; the largest decides */
	pa_span = c.phantom ? 1ULL << (fls64(d->pgsize_bitmap) - 1) : len;
	if (c.phantom && pa_span > len)
		pa_span = len;
	if (pa >= oa_limit || pa_span > oa_limit - pa)
		return -ERANGE;
	if (pgsize) {
		if (!is_power_of_2(pgsize) || !(pgsize & d->pgsize_bitmap))
			return -EOPNOTSUPP;
		if ((iova | pa | len) & (pgsize - 1))
			return -EINVAL;
	}
	if (pt_range_used(d, d->root, d->levels - 1, 0, iova, iova + len))
		return -EEXIST;

	ret = pt_map_level(&c, d->root, d->levels - 1, pt_va_limit(d));
	if (ret) {
		/*
		 * Everything in the range is ours (the pre-check found it
		 * empty): unmapping it removes our leaves and frees the
		 * tables we added, including ones left without a leaf.
		 */
		pt_unmap_level(d, d->root, d->levels - 1, 0, iova, iova + len);
	}
	return ret;
}

/**
 * pt_unmap() - unmap every leaf in [iova, iova + len)
 * @d: domain
 * @iova: granule aligned
 * @len: granule multiple
 * @unmapped: optional; bytes unmapped (0 on error)
 *
 * Holes inside the range are skipped.  Tables left empty are freed.
 *
 * Return: 0; a range error (pt_check_range), -EDOM if a leaf crosses
 * either end of the range (nothing is changed: split it first), -ENOENT
 * if nothing at all is mapped in the range.
 */
int pt_unmap(struct pt_domain *d, u64 iova, u64 len, u64 *unmapped)
{
	struct pt_leafref r;
	u64 bytes, s = iova, e = iova + len;
	int ret;

	if (unmapped)
		*unmapped = 0;
	ret = pt_check_range(d, iova, len);
	if (ret)
		return ret;
	/*
	 * A leaf crossing an end is refused rather than removed whole: the
	 * caller invalidates exactly [iova, iova + *unmapped), and a leaf
	 * removed beyond that would stay cached in the IOTLB (upstream's
	 * short-gather bug, which PT_HOST_BUG_SHORT_GATHER puts back).
	 */
	if (!pt_find_leaf(d, iova, &r) && r.iova < iova) {
		if (!pt_host_bug(PT_HOST_BUG_SHORT_GATHER))
			return -EDOM;
		s = r.iova;
	}
	if (!pt_find_leaf(d, iova + len - 1, &r) &&
	    r.iova + r.size > iova + len) {
		if (!pt_host_bug(PT_HOST_BUG_SHORT_GATHER))
			return -EDOM;
		e = r.iova + r.size;
	}
	bytes = pt_unmap_level(d, d->root, d->levels - 1, 0, s, e);
	if (pt_host_bug(PT_HOST_BUG_SHORT_GATHER) && bytes > len)
		bytes = len;
	if (!bytes)
		return -ENOENT;
	if (unmapped)
		*unmapped = bytes;
	return 0;
}

struct pt_split_ctx {
	const struct pt_domain *d;
	u64 size;		/* new leaf size */
	unsigned int slvl;	/* its level */
	unsigned int prot;
	bool dirty;
	bool accessed;
	u64 ntables;
};

static u64 pt_split_leaf_entry(const struct pt_split_ctx *s, unsigned int lvl,
			       u64 pa)
{
	enum pt_format F = s->d->fmt;
	u64 e = pt_e_mk_leaf(F, lvl, pa, s->size, s->prot);

	if (s->dirty)
		pt_e_set_dirty(F, e, &e);	/* dirty implies DBM on ARM */
	if (s->accessed)
		e |= pt_accessed_bit(F);
	return e;
}

/* Fill a table at @lvl with new leaves covering [pa, pa + 2^(sh + 9)). */
static void pt_split_fill(const struct pt_split_ctx *s, u64 *t,
			  unsigned int lvl, unsigned int lo, unsigned int hi,
			  u64 pa)
{
	unsigned int sh = pt_dlvl_shift(s->d, lvl);
	unsigned int i;

	for (i = lo; i < hi; i++) {
		u64 epa = (pa + ((u64)i << sh)) & ~(s->size - 1);

		t[i] = pt_split_leaf_entry(s, lvl, epa);
	}
}

/* Build a table at @lvl mapping [pa, ...) with new leaves; NULL on ENOMEM */
static u64 *pt_split_build(struct pt_split_ctx *s, unsigned int lvl, u64 pa)
{
	enum pt_format F = s->d->fmt;
	unsigned int sh = pt_dlvl_shift(s->d, lvl);
	u64 *t = pt_alloc_table();
	unsigned int i;

	if (!t)
		return NULL;
	s->ntables++;
	if (lvl == s->slvl) {
		pt_split_fill(s, t, lvl, 0, PT_TABLE_ENTRIES, pa);
		return t;
	}
	for (i = 0; i < PT_TABLE_ENTRIES; i++) {
		u64 *child = pt_split_build(s, lvl - 1, pa + ((u64)i << sh));

		if (!child) {
			s->ntables -= pt_free_subtree(s->d, t, lvl);
			return NULL;
		}
		/* accessed: the new leaves below inherit A/D (pruning) */
		t[i] = pt_e_mk_table(F, lvl, pt_pa(child)) |
		       pt_table_accessed_bit(F);
	}
	return t;
}

/* The IOMMU set A/D on the old leaf while we built: apply it to the new. */
static void pt_split_fixup(const struct pt_domain *d, u64 *t,
			   unsigned int lvl, bool dirty, bool accessed)
{
	enum pt_format F = d->fmt;
	unsigned int i;

	for (i = 0; i < PT_TABLE_ENTRIES; i++) {
		u64 e = READ_ONCE(t[i]);

		if (!pt_e_present(F, e))
			continue;
		if (lvl > 0 && pt_e_is_table(F, e, lvl)) {
			pt_split_fixup(d, pt_e_table(F, e), lvl - 1, dirty,
				       accessed);
			continue;
		}
		if (accessed)
			pt_atomic_or64(&t[i], pt_accessed_bit(F));
		if (dirty)
			pt_leaf_set_dirty(d, &t[i]);
	}
}

/**
 * pt_split_leaf() - replace the leaf holding @iova by leaves of @new_size
 * @d: domain
 * @iova: granule aligned address inside the leaf
 * @new_size: a size in the domain's bitmap, smaller than the leaf
 *
 * The new leaves keep the old leaf's permissions and output addresses;
 * every one of them inherits the old leaf's accessed and dirty state
 * (the dirty state of a huge leaf says nothing about which part was
 * written).  All new tables are allocated before the old leaf is
 * replaced, so -ENOMEM changes nothing.  A/D bits the IOMMU sets on the
 * old leaf while we build are carried over (the old entries are swapped
 * out with xchg and their final state applied to the new leaves).
 *
 * Return: 0, -EINVAL unaligned @iova or @new_size not smaller than the
 * leaf, -ERANGE, -EOPNOTSUPP @new_size not in the bitmap, -ENOENT not
 * mapped, -ENOMEM.
 */
int pt_split_leaf(struct pt_domain *d, u64 iova, u64 new_size)
{
	enum pt_format F = d->fmt;
	struct pt_split_ctx s = { .d = d, .size = new_size };
	struct pt_leafref r;
	struct pt_xlate x;
	u64 *scratch = NULL, *one = NULL, pa, esz, old_or = 0;
	unsigned int k;
	int ret;

	if (iova & ((1ULL << d->granule_shift) - 1))
		return -EINVAL;
	if (iova >= pt_va_limit(d))
		return -ERANGE;
	if (!is_power_of_2(new_size) || !(new_size & d->pgsize_bitmap))
		return -EOPNOTSUPP;
	ret = pt_find_leaf(d, iova, &r);
	if (ret)
		return ret;
	if (new_size >= r.size)
		return -EINVAL;

	pt_leaf_info(d, &r, &x);
	s.slvl = pt_size_level(d, new_size);
	s.prot = x.prot;
	s.dirty = x.dirty;
	s.accessed = x.accessed;
	pa = x.pa;
	esz = 1ULL << pt_dlvl_shift(d, r.lvl);

	if (s.slvl == r.lvl) {
		/* AMD sized leaf into smaller ones at the same level */
		for (k = 0; k < r.nrep; k++) {
			u64 epa = (pa + k * esz) & ~(new_size - 1);

			old_or |= pt_xchg64(&r.first[k],
					    pt_split_leaf_entry(&s, r.lvl, epa));
		}
		goto fixup;
	}

	/* new subtrees, one per replica; park them until all are built */
	if (r.nrep > 1) {
		scratch = pt_alloc_table();
		if (!scratch)
			return -ENOMEM;
	}
	for (k = 0; k < r.nrep; k++) {
		u64 *sub = pt_split_build(&s, r.lvl - 1, pa + k * esz);

		if (!sub) {
			while (k--)
				pt_free_subtree(d, pt_va(scratch[k]),
						r.lvl - 1);
			pt_free_table(scratch);
			return -ENOMEM;
		}
		if (scratch)
			scratch[k] = pt_pa(sub);
		else
			one = sub;
	}
	pt_publish_wmb();
	for (k = 0; k < r.nrep; k++) {
		u64 *sub = scratch ? pt_va(scratch[k]) : one;

		/*
		 * Table entry created accessed: the leaves below inherit the
		 * old leaf's A/D, and a pruning harvest (PT_DIRTY_PRUNE) must
		 * not skip a subtree that can hold a dirty leaf.
		 */
		old_or |= pt_xchg64(&r.first[k],
				    pt_e_mk_table(F, r.lvl, pt_pa(sub)) |
				    pt_table_accessed_bit(F));
	}
	d->nr_tables += s.ntables;

fixup:
	if ((pt_e_dirty(F, old_or) && !s.dirty) ||
	    (pt_e_accessed(F, old_or) && !s.accessed)) {
		bool dirty = pt_e_dirty(F, old_or);
		bool acc = pt_e_accessed(F, old_or);

		for (k = 0; k < r.nrep; k++) {
			u64 e = READ_ONCE(r.first[k]);

			if (s.slvl == r.lvl) {
				if (acc)
					pt_atomic_or64(&r.first[k],
						       pt_accessed_bit(F));
				if (dirty)
					pt_leaf_set_dirty(d, &r.first[k]);
			} else {
				pt_split_fixup(d, pt_e_table(F, e),
					       r.lvl - 1, dirty, acc);
			}
		}
	}
	if (scratch)
		pt_free_table(scratch);
	return 0;
}
