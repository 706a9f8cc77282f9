/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VT-d second-stage page table entry (VT-d spec 9.8, with SSADE).
 *
 *   bit  0      R     read
 *   bit  1      W     write
 *   bit  7      PS    page size: leaf at level >= 1 (2 MiB, 1 GiB)
 *   bit  8      A     accessed (set by the IOMMU when SSADE is on)
 *   bit  9      D     dirty    (set by the IOMMU when SSADE is on)
 *   bit  11     SNP   snoop (not used here)
 *   bits 51:12  ADDR
 *
 * There is no present bit: an entry is present when R|W != 0.  Table
 * entries get R|W (permissions are ANDed along the walk).  At level 0
 * every present entry is a 4 KiB leaf.
 */
#ifndef _IODIRTY_PT_FMT_VTDSS_H
#define _IODIRTY_PT_FMT_VTDSS_H

#define VTDSS_R			BIT_ULL(0)
#define VTDSS_W			BIT_ULL(1)
#define VTDSS_PS		BIT_ULL(7)
#define VTDSS_A			BIT_ULL(8)
#define VTDSS_D			BIT_ULL(9)
#define VTDSS_SNP		BIT_ULL(11)
#define VTDSS_ADDR		GENMASK_ULL(51, 12)
#define VTDSS_GRANULE_SHIFT	12
#define VTDSS_PGSIZES		(BIT_ULL(12) | BIT_ULL(21) | BIT_ULL(30))

static __always_inline bool vtdss_present(u64 e)
{
	return e & (VTDSS_R | VTDSS_W);
}

static __always_inline bool vtdss_is_table(u64 e, unsigned int lvl)
{
	return lvl > 0 && !(e & VTDSS_PS);
}

static __always_inline u64 vtdss_mk_table(u64 pa)
{
	return VTDSS_R | VTDSS_W | (pa & VTDSS_ADDR);
}

static __always_inline u64 vtdss_mk_leaf(unsigned int lvl, u64 pa,
					 unsigned int prot)
{
	u64 e = VTDSS_R | (pa & VTDSS_ADDR);

	if (prot & PT_PROT_WRITE)
		e |= VTDSS_W;
	if (lvl > 0)
		e |= VTDSS_PS;
	return e;
}

static __always_inline unsigned int vtdss_prot(u64 e)
{
	return ((e & VTDSS_R) ? PT_PROT_READ : 0) |
	       ((e & VTDSS_W) ? PT_PROT_WRITE : 0);
}

static __always_inline int vtdss_hw_update(u64 e, unsigned int access,
					   u64 *newe)
{
	if (((access & PT_PROT_READ) && !(e & VTDSS_R)) ||
	    ((access & PT_PROT_WRITE) && !(e & VTDSS_W)))
		return -EACCES;
	*newe = e | VTDSS_A | ((access & PT_PROT_WRITE) ? VTDSS_D : 0);
	return 0;
}

#endif /* _IODIRTY_PT_FMT_VTDSS_H */
