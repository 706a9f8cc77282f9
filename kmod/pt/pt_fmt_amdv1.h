/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD IOMMU v1 host page table entry (AMD IOMMU spec 2.2.3).
 *
 *   bit  0      PR    present
 *   bit  5      HA    host accessed (set by the IOMMU)
 *   bit  6      HD    host dirty    (set by the IOMMU)
 *   bits 11:9   NL    next level.  Table entry: the level of the table it
 *                     points to (1 = 4 KiB PTE table), i.e. our level of
 *                     the entry itself (1..6).  Leaf: 0 = the default size
 *                     of the level, 7 = size encoded in the address.
 *   bits 51:12  ADDR  4 KiB aligned physical address
 *   bit  61     IR    read permission  (tables get IR|IW: the IOMMU ANDs
 *   bit  62     IW    write permission  permissions along the walk)
 *
 * Page-size-encoded leaves (NL = 7): for a page of size 2^n that is not
 * the default size of its level, address bits n-2..12 are set and bit n-1
 * is clear, so the lowest clear address bit (at or above bit 12) is n-1.
 * The entry sits in the table of the largest level whose default size is
 * below 2^n and is replicated size / level_size times (PAGE_SIZE_PTE_COUNT),
 * every replica identical.  The IOMMU may set HD in only one replica
 * (spec 2.2.3.2), so the dirty state of such a leaf is the OR over all its
 * replicas and clearing must clear every replica.
 */
#ifndef _IODIRTY_PT_FMT_AMDV1_H
#define _IODIRTY_PT_FMT_AMDV1_H

#define AMDV1_PR		BIT_ULL(0)
#define AMDV1_HA		BIT_ULL(5)
#define AMDV1_HD		BIT_ULL(6)
#define AMDV1_NL_SHIFT		9
#define AMDV1_NL_MASK		GENMASK_ULL(11, 9)
#define AMDV1_NL_SIZED		7ULL
#define AMDV1_ADDR		GENMASK_ULL(51, 12)
#define AMDV1_IR		BIT_ULL(61)
#define AMDV1_IW		BIT_ULL(62)
#define AMDV1_GRANULE_SHIFT	12
/* 4 KiB .. 256 GiB; 512 GiB is excluded (erratum), larger is not useful */
#define AMDV1_PGSIZES		GENMASK_ULL(38, 12)

static __always_inline bool amdv1_present(u64 e)
{
	return e & AMDV1_PR;
}

static __always_inline unsigned int amdv1_nl(u64 e)
{
	return (e & AMDV1_NL_MASK) >> AMDV1_NL_SHIFT;
}

static __always_inline bool amdv1_is_table(u64 e)
{
	unsigned int nl = amdv1_nl(e);

	return nl != 0 && nl != AMDV1_NL_SIZED;
}

static __always_inline u64 amdv1_mk_table(unsigned int lvl, u64 pa)
{
	return AMDV1_PR | AMDV1_IR | AMDV1_IW | (pa & AMDV1_ADDR) |
	       ((u64)lvl << AMDV1_NL_SHIFT);
}

/* @lvl_shift: log2 of the default leaf size of the entry's level */
static __always_inline u64 amdv1_leaf_size(u64 e, unsigned int lvl_shift)
{
	u64 a;

	if (likely(amdv1_nl(e) != AMDV1_NL_SIZED))
		return 1ULL << lvl_shift;
	a = (e & AMDV1_ADDR) >> 12;
	/* lowest clear address bit is n - 1 for a 2^n page */
	return 1ULL << (__ffs64(~a) + 12 + 1);
}

static __always_inline u64 amdv1_mk_leaf(unsigned int lvl_shift, u64 pa,
					 u64 size, unsigned int prot)
{
	u64 e = AMDV1_PR | AMDV1_IR;

	if (prot & PT_PROT_WRITE)
		e |= AMDV1_IW;
	if (size == 1ULL << lvl_shift)
		return e | (pa & AMDV1_ADDR);
	return e | ((pa | ((size >> 1) - 1)) & AMDV1_ADDR) |
	       (AMDV1_NL_SIZED << AMDV1_NL_SHIFT);
}

static __always_inline u64 amdv1_leaf_pa(u64 e, u64 size)
{
	return e & AMDV1_ADDR & ~(size - 1);
}

static __always_inline unsigned int amdv1_prot(u64 e)
{
	return ((e & AMDV1_IR) ? PT_PROT_READ : 0) |
	       ((e & AMDV1_IW) ? PT_PROT_WRITE : 0);
}

/* IOMMU access: permission check, then HA, and HD on a write. */
static __always_inline int amdv1_hw_update(u64 e, unsigned int access,
					   u64 *newe)
{
	if (((access & PT_PROT_READ) && !(e & AMDV1_IR)) ||
	    ((access & PT_PROT_WRITE) && !(e & AMDV1_IW)))
		return -EACCES;
	*newe = e | AMDV1_HA | ((access & PT_PROT_WRITE) ? AMDV1_HD : 0);
	return 0;
}

#endif /* _IODIRTY_PT_FMT_AMDV1_H */
