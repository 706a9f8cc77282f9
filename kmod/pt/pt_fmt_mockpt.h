/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock-PT format: the page table behind the Linux 6.19+ iommufd selftest
 * mock (upstream's generic page table "AMD v1 on a 2 KiB granule",
 * IOMMU_HWPT_DATA_SELFTEST with pagetable_type MOCK_IOMMUPT_DEFAULT or
 * MOCK_IOMMUPT_HUGE).  Unlike the 6.12 mock format (pt_fmt_mock.h:
 * 2 KiB, 1 MiB and 512 MiB leaves only) it has AMD's page-size-encoded
 * leaves, so every power of two from 2 KiB to 256 GiB is one leaf: a
 * 4 KiB mapping is two replicated 2 KiB entries, and a DMA (or the
 * selftest's DIRTY op) that dirties either replica makes the whole 4 KiB
 * read dirty, which is what the 7.x kselftest checks.
 *
 * Level sizes are those of the mock format (2 KiB, 1 MiB, 512 MiB,
 * 256 GiB, 128 TiB); the bit layout is the mock's, i.e. AMD v1's (PR 0,
 * HA 5, HD 6, NL 11:9, IR 61, IW 62; tables hold the 4 KiB aligned table
 * address in 51:12 and NL = their level), with leaves storing the 2 KiB
 * frame number (pa >> 11) in bits 51:12, i.e. the field holds pa << 1.
 *
 * Page-size-encoded leaves (NL = 7): a leaf of 2^n bytes that is not the
 * default size of its level sits in the table of the largest level whose
 * default size is below 2^n, replicated 2^n / level_size times, every
 * replica identical.  Its address field holds (pa << 1) with bits n-1..12
 * set: pa is 2^n aligned, so bit n of the field is clear and the lowest
 * clear field bit at or above 12 is n (for 4 KiB, n = 12: nothing set).
 * As on AMD the IOMMU may set HD in one replica only, so a leaf's dirty
 * state is the OR over its replicas and clearing clears every replica
 * (the walker and pt_leaf_info() already treat any entry whose
 * pt_e_leaf_size() exceeds its level's size that way).
 */
#ifndef _IODIRTY_PT_FMT_MOCKPT_H
#define _IODIRTY_PT_FMT_MOCKPT_H

/* the mock format's bits (pt_fmt_mock.h), plus NL = 7 for sized leaves */
#define MOCKPT_NL_SIZED		7ULL
#define MOCKPT_GRANULE_SHIFT	MOCK_GRANULE_SHIFT
/* 2 KiB .. 256 GiB, every power of two (upstream's AMD v1 mock) */
#define MOCKPT_PGSIZES		GENMASK_ULL(38, 11)

static __always_inline unsigned int mockpt_nl(u64 e)
{
	return (e & MOCK_NL_MASK) >> MOCK_NL_SHIFT;
}

static __always_inline bool mockpt_is_table(u64 e)
{
	unsigned int nl = mockpt_nl(e);

	return nl != 0 && nl != MOCKPT_NL_SIZED;
}

/* @lvl_shift: log2 of the default leaf size of the entry's level */
static __always_inline u64 mockpt_leaf_size(u64 e, unsigned int lvl_shift)
{
	u64 a;

	if (likely(mockpt_nl(e) != MOCKPT_NL_SIZED))
		return 1ULL << lvl_shift;
	a = (e & MOCK_ADDR) >> 12;
	/* the lowest clear field bit (at or above bit 12) is n for 2^n */
	return 1ULL << (__ffs64(~a) + 12);
}

static __always_inline u64 mockpt_mk_leaf(unsigned int lvl_shift, u64 pa,
					  u64 size, unsigned int prot)
{
	u64 e = mock_mk_leaf(pa, prot);

	if (size == 1ULL << lvl_shift)
		return e;
	return e | ((size - 1) & MOCK_ADDR) |
	       (MOCKPT_NL_SIZED << MOCK_NL_SHIFT);
}

static __always_inline u64 mockpt_leaf_pa(u64 e, u64 size)
{
	return mock_leaf_pa(e) & ~(size - 1);
}

#endif /* _IODIRTY_PT_FMT_MOCKPT_H */
