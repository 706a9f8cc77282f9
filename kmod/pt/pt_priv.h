/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty page-table core: helpers shared by the pt_*.c files only.
 */
#ifndef _IODIRTY_PT_PRIV_H
#define _IODIRTY_PT_PRIV_H

#include "pt_fmt.h"

/**
 * struct pt_leafref - a present leaf found by pt_find_leaf()
 * @ptep: the entry that translates the looked-up IOVA (for AMD
 *	page-size-encoded leaves: the replica the IOMMU would use)
 * @first: the leaf's first entry (== @ptep unless replicated)
 * @nrep: number of entries (replicas) the leaf occupies
 * @lvl: level of the table holding the leaf
 * @iova: first IOVA of the leaf
 * @size: leaf size in bytes
 */
struct pt_leafref {
	u64 *ptep;
	u64 *first;
	unsigned int nrep;
	unsigned int lvl;
	u64 iova;
	u64 size;
};

int pt_find_leaf(const struct pt_domain *d, u64 iova, struct pt_leafref *r);
int pt_check_range(const struct pt_domain *d, u64 iova, u64 len);
void pt_leaf_info(const struct pt_domain *d, const struct pt_leafref *r,
		  struct pt_xlate *x);
int pt_leaf_set_dirty(const struct pt_domain *d, u64 *ptep);
bool pt_leaf_stale(const struct pt_domain *d, u64 e, unsigned int lvl);
void pt_path_set_accessed(const struct pt_domain *d, u64 iova,
			  unsigned int leaf_lvl, unsigned int psc_lvl);
u64 pt_free_subtree(const struct pt_domain *d, u64 *table, unsigned int lvl);
bool pt_table_empty(const struct pt_domain *d, const u64 *table);

static inline u64 pt_va_limit(const struct pt_domain *d)
{
	return 1ULL << d->va_bits;
}

/* level whose entries are the default size for a leaf of @size */
static inline unsigned int pt_size_level(const struct pt_domain *d, u64 size)
{
	return (__ffs64(size) - d->granule_shift) / PT_TABLE_SHIFT;
}

static inline unsigned int pt_dlvl_shift(const struct pt_domain *d,
					 unsigned int lvl)
{
	return d->granule_shift + PT_TABLE_SHIFT * lvl;
}

/* first and one-past-last index of a table at @lvl based at @tbase */
static inline unsigned int pt_idx_lo(unsigned int sh, u64 tbase, u64 start)
{
	return start > tbase ? (start - tbase) >> sh : 0;
}

static inline unsigned int pt_idx_hi(unsigned int sh, u64 tbase, u64 end)
{
	u64 span = end - tbase;

	if (span >= (u64)PT_TABLE_ENTRIES << sh)
		return PT_TABLE_ENTRIES;
	return (span + (1ULL << sh) - 1) >> sh;
}

#endif /* _IODIRTY_PT_PRIV_H */
