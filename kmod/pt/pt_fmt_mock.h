/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock format: the iommufd selftest's 2 KiB IOVA granule in 4 KiB table
 * pages of 512 entries, so level sizes are 2 KiB, 1 MiB, 512 MiB,
 * 256 GiB, 128 TiB.  Leaves: 2 KiB, and optionally 1 MiB / 512 MiB huge
 * leaves (no page-size-encoded replicas).
 *
 * The bit layout is AMD v1's (PR 0, HA 5, HD 6, NL 11:9, IR 61, IW 62):
 * table entries hold the 4 KiB aligned table address in bits 51:12 as
 * AMD does.  A leaf's output address is only 2 KiB aligned, and bit 11
 * belongs to the NL field, so leaves store the 2 KiB frame number
 * (pa >> 11) in bits 51:12, i.e. the field holds pa << 1.  That limits
 * output addresses to 2^51.
 */
#ifndef _IODIRTY_PT_FMT_MOCK_H
#define _IODIRTY_PT_FMT_MOCK_H

#define MOCK_PR			BIT_ULL(0)
#define MOCK_HA			BIT_ULL(5)
#define MOCK_HD			BIT_ULL(6)
#define MOCK_NL_SHIFT		9
#define MOCK_NL_MASK		GENMASK_ULL(11, 9)
#define MOCK_ADDR		GENMASK_ULL(51, 12)
#define MOCK_IR			BIT_ULL(61)
#define MOCK_IW			BIT_ULL(62)
#define MOCK_GRANULE_SHIFT	11
#define MOCK_PGSIZES		(BIT_ULL(11) | BIT_ULL(20) | BIT_ULL(29))

static __always_inline bool mock_present(u64 e)
{
	return e & MOCK_PR;
}

static __always_inline bool mock_is_table(u64 e)
{
	return e & MOCK_NL_MASK;
}

static __always_inline u64 mock_mk_table(unsigned int lvl, u64 pa)
{
	return MOCK_PR | MOCK_IR | MOCK_IW | (pa & MOCK_ADDR) |
	       ((u64)lvl << MOCK_NL_SHIFT);
}

static __always_inline u64 mock_mk_leaf(u64 pa, unsigned int prot)
{
	u64 e = MOCK_PR | MOCK_IR | ((pa << 1) & MOCK_ADDR);

	if (prot & PT_PROT_WRITE)
		e |= MOCK_IW;
	return e;
}

static __always_inline u64 mock_leaf_pa(u64 e)
{
	return (e & MOCK_ADDR) >> 1;
}

static __always_inline unsigned int mock_prot(u64 e)
{
	return ((e & MOCK_IR) ? PT_PROT_READ : 0) |
	       ((e & MOCK_IW) ? PT_PROT_WRITE : 0);
}

static __always_inline int mock_hw_update(u64 e, unsigned int access,
					  u64 *newe)
{
	if (((access & PT_PROT_READ) && !(e & MOCK_IR)) ||
	    ((access & PT_PROT_WRITE) && !(e & MOCK_IW)))
		return -EACCES;
	*newe = e | MOCK_HA | ((access & PT_PROT_WRITE) ? MOCK_HD : 0);
	return 0;
}

#endif /* _IODIRTY_PT_FMT_MOCK_H */
