/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty page-table core: format descriptor and per-entry helpers.
 *
 * struct pt_fmt holds what is constant per format (granule, VA/OA limits,
 * page sizes).  The pt_e_*() helpers below take the format as their first
 * argument and switch on it.  They are __always_inline: code that passes
 * a compile-time constant format (the walker, instantiated once per
 * format in pt_walk.c) gets straight-line code with no switch and no
 * indirect call per entry; code that passes d->fmt (map, unmap, ...) pays
 * one predictable branch per entry.
 *
 * Levels are numbered from the leaf: level 0 tables hold granule-sized
 * leaves, an entry at level l covers 2^(granule_shift + 9 * l) bytes.
 */
#ifndef _IODIRTY_PT_FMT_H
#define _IODIRTY_PT_FMT_H

#include "pt.h"
#include "pt_fmt_amdv1.h"
#include "pt_fmt_vtdss.h"
#include "pt_fmt_armv8.h"
#include "pt_fmt_mock.h"
#include "pt_fmt_mockpt.h"

#define PT_MAX_LEVELS	6

/**
 * struct pt_fmt - constant description of one format
 * @fmt: PT_FMT_*
 * @name: short name ("amdv1", ...)
 * @granule_shift: log2 of the smallest leaf
 * @min_va_bits: smallest IOVA space a domain may have
 * @max_va_bits: largest IOVA space a domain may have
 * @oa_bits: output (physical) addresses must be below 2^oa_bits
 * @pgsizes: every leaf size the format can encode
 */
struct pt_fmt {
	enum pt_format fmt;
	const char *name;
	unsigned int granule_shift;
	unsigned int min_va_bits;
	unsigned int max_va_bits;
	unsigned int oa_bits;
	u64 pgsizes;
};

extern const struct pt_fmt pt_fmt_table[PT_FMT_NR];

static __always_inline unsigned int pt_gs(enum pt_format F)
{
	return F == PT_FMT_MOCK || F == PT_FMT_MOCKPT ? MOCK_GRANULE_SHIFT : 12;
}

/*
 * Formats with page-size-encoded (replicated) leaves: a leaf may cover
 * several entries of its table, and one cut by a range end may have a
 * dirty replica outside the range (pt_walk.c handles those edges).
 */
static __always_inline bool pt_fmt_sized_leaves(enum pt_format F)
{
	return F == PT_FMT_AMDV1 || F == PT_FMT_MOCKPT;
}

/* log2 of the bytes one entry at @lvl covers */
static __always_inline unsigned int pt_lvl_shift(enum pt_format F,
						 unsigned int lvl)
{
	return pt_gs(F) + PT_TABLE_SHIFT * lvl;
}

static __always_inline bool pt_e_present(enum pt_format F, u64 e)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return amdv1_present(e);
	case PT_FMT_VTDSS:
		return vtdss_present(e);
	case PT_FMT_ARMV8:
		return armv8_present(e);
	default:
		return mock_present(e);
	}
}

/* 1 if present, as a u64 that can be summed without a branch */
static __always_inline u64 pt_e_present_bit(enum pt_format F, u64 e)
{
	if (F == PT_FMT_VTDSS)
		return (e | (e >> 1)) & 1;
	return e & 1;
}

/* only meaningful for a present entry */
static __always_inline bool pt_e_is_table(enum pt_format F, u64 e,
					  unsigned int lvl)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return amdv1_is_table(e);
	case PT_FMT_VTDSS:
		return vtdss_is_table(e, lvl);
	case PT_FMT_ARMV8:
		return armv8_is_table(e, lvl);
	case PT_FMT_MOCKPT:
		return mockpt_is_table(e);
	default:
		return mock_is_table(e);
	}
}

static __always_inline u64 *pt_e_table(enum pt_format F, u64 e)
{
	/* every format keeps a table pointer in bits 51:12 (ARM 47:12) */
	return pt_va(e & (F == PT_FMT_ARMV8 ? ARMV8_ADDR : AMDV1_ADDR));
}

static __always_inline u64 pt_e_mk_table(enum pt_format F, unsigned int lvl,
					 u64 pa)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return amdv1_mk_table(lvl, pa);
	case PT_FMT_VTDSS:
		return vtdss_mk_table(pa);
	case PT_FMT_ARMV8:
		return armv8_mk_table(pa);
	default:
		return mock_mk_table(lvl, pa);
	}
}

/* size of the present leaf @e found at level @lvl */
static __always_inline u64 pt_e_leaf_size(enum pt_format F, u64 e,
					  unsigned int lvl)
{
	if (F == PT_FMT_AMDV1)
		return amdv1_leaf_size(e, pt_lvl_shift(F, lvl));
	if (F == PT_FMT_MOCKPT)
		return mockpt_leaf_size(e, pt_lvl_shift(F, lvl));
	return 1ULL << pt_lvl_shift(F, lvl);
}

/*
 * A leaf of @size placed at level @lvl (size >= the level's entry size;
 * larger only for AMD page-size-encoded leaves).  @pa is size aligned.
 * The leaf is created clean and (except ARM, see pt_fmt_armv8.h) not
 * accessed.
 */
static __always_inline u64 pt_e_mk_leaf(enum pt_format F, unsigned int lvl,
					u64 pa, u64 size, unsigned int prot)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return amdv1_mk_leaf(pt_lvl_shift(F, lvl), pa, size, prot);
	case PT_FMT_VTDSS:
		return vtdss_mk_leaf(lvl, pa, prot);
	case PT_FMT_ARMV8:
		return armv8_mk_leaf(lvl, pa, prot);
	case PT_FMT_MOCKPT:
		return mockpt_mk_leaf(pt_lvl_shift(F, lvl), pa, size, prot);
	default:
		return mock_mk_leaf(pa, prot);
	}
}

static __always_inline u64 pt_e_leaf_pa(enum pt_format F, u64 e, u64 size)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return amdv1_leaf_pa(e, size);
	case PT_FMT_VTDSS:
		return e & VTDSS_ADDR & ~(size - 1);
	case PT_FMT_ARMV8:
		return e & ARMV8_ADDR & ~(size - 1);
	case PT_FMT_MOCKPT:
		return mockpt_leaf_pa(e, size);
	default:
		return mock_leaf_pa(e) & ~(size - 1);
	}
}

static __always_inline unsigned int pt_e_prot(enum pt_format F, u64 e)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return amdv1_prot(e);
	case PT_FMT_VTDSS:
		return vtdss_prot(e);
	case PT_FMT_ARMV8:
		return armv8_prot(e);
	default:
		return mock_prot(e);
	}
}

/*
 * Dirty test in two steps so a group of entries can be OR-reduced without
 * a branch: OR together pt_e_dirty_word() of several entries and test the
 * result against pt_dirty_test().
 */
static __always_inline u64 pt_e_dirty_word(enum pt_format F, u64 e)
{
	if (F == PT_FMT_ARMV8)
		return armv8_dirty_word(e);
	return e;
}

static __always_inline u64 pt_dirty_test(enum pt_format F)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return AMDV1_HD;
	case PT_FMT_VTDSS:
		return VTDSS_D;
	case PT_FMT_ARMV8:
		return ARMV8_DBM;
	default:
		return MOCK_HD;
	}
}

static __always_inline bool pt_e_dirty(enum pt_format F, u64 e)
{
	return pt_e_dirty_word(F, e) & pt_dirty_test(F);
}

static __always_inline u64 pt_accessed_bit(enum pt_format F)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return AMDV1_HA;
	case PT_FMT_VTDSS:
		return VTDSS_A;
	case PT_FMT_ARMV8:
		return ARMV8_AF;
	default:
		return MOCK_HA;
	}
}

static __always_inline bool pt_e_accessed(enum pt_format F, u64 e)
{
	return e & pt_accessed_bit(F);
}

/*
 * The accessed bit of a table (non-leaf) entry, set by the IOMMU in every
 * paging-structure entry its page walk reads from memory; 0 if the format
 * has none (README "The page-table core", non-leaf accessed bits):
 *  - VT-d second stage with SSADE: A, bit 8, in every second-stage
 *    paging-structure entry used (as EPT with A/D enabled does);
 *  - AMD v1: the PDE's A, bit 5 (HA in the PTE);
 *  - mock: AMD's layout, bit 5;
 *  - ARM LPAE: table descriptors have no AF (AF exists only in block and
 *    page descriptors), so no pruning.
 * Map creates table entries with it clear (as the drivers do); split
 * creates them with it set, since the new leaves inherit A/D.
 */
static __always_inline u64 pt_table_accessed_bit(enum pt_format F)
{
	/* the leaf's A bit position in every format that has one */
	return F == PT_FMT_ARMV8 ? 0 : pt_accessed_bit(F);
}

/*
 * @e with the dirty state set.  ARM can only make a DBM (writable) entry
 * dirty: returns -EACCES for a read-only one.
 */
static __always_inline int pt_e_set_dirty(enum pt_format F, u64 e, u64 *newe)
{
	if (F == PT_FMT_ARMV8) {
		if (!(e & ARMV8_DBM))
			return -EACCES;
		*newe = e & ~ARMV8_AP2;
		return 0;
	}
	*newe = e | pt_dirty_test(F);
	return 0;
}

/* The IOMMU's update of a leaf on a DMA access; -EACCES on a fault. */
static __always_inline int pt_e_hw_update(enum pt_format F, u64 e,
					  unsigned int access, u64 *newe)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return amdv1_hw_update(e, access, newe);
	case PT_FMT_VTDSS:
		return vtdss_hw_update(e, access, newe);
	case PT_FMT_ARMV8:
		return armv8_hw_update(e, access, newe);
	default:
		return mock_hw_update(e, access, newe);
	}
}

/* @e with the dirty state cleared (D clear; ARM: AP[2] set again) */
static __always_inline u64 pt_e_cleaned(enum pt_format F, u64 e)
{
	if (F == PT_FMT_ARMV8)
		return e | ARMV8_AP2;
	return e & ~pt_dirty_test(F);
}

/*
 * Make the dirty leaf entry at @p clean; @e is the value just read from
 * @p and seen dirty.
 *
 * Plain store or atomic RMW: the IOMMU's only updates of a present leaf
 * are atomic RMWs that set the accessed state and, on a write, the dirty
 * state of the entry it translated through (AMD v1 2.2.3.2: HA, HD;
 * VT-d 3.10 / 9.8 with SSADE: A, D; SMMUv3 HTTU 3.13: AF, and a write
 * to a DBM=1 entry clears AP[2]).  Software never clears A/AF on a leaf
 * and never changes a leaf in any other way while harvests run (map,
 * unmap and split hold the IOAS rwsem for write).  So an entry seen both
 * dirty and accessed is settled: the IOMMU has nothing left to set in it
 * (an RMW that finds every bit already set stores the same value, or
 * nothing), and between our read and our store the only other writer
 * that can change it is a concurrent harvest (clearing D, or setting it
 * again after a failed delivery) or pt_mark_dirty() (setting D).  A plain
 * WRITE_ONCE() of pt_e_cleaned(@e) then loses nothing: it leaves the
 * entry exactly as an atomic and-not/or of the dirty state would.  A D
 * set by the IOMMU after another harvest cleared it and before our store
 * is the one difference, and it is covered the same way as for the
 * atomic: we saw the leaf dirty, we report it, and the write came before
 * our clear (so its data is in the pages this harvest's caller copies).
 * Per format:
 *  - AMD v1: HA|HD seen in this entry.  Each replica of a page-size-
 *    encoded leaf is an entry of its own, which the IOMMU updates on its
 *    own (it may set HA/HD in any one replica), so the test is per
 *    replica: a replica seen HD without HA (e.g. pt_mark_dirty(), or the
 *    redirty of a failed delivery, which set HD only) takes the atomic.
 *  - VT-d second stage: A|D seen.
 *  - ARM LPAE + HTTU: "dirty" is DBM=1 AP[2]=0 and the clean state is
 *    AP[2]=1.  Seen dirty, AP[2] is already clear, so the only thing the
 *    SMMU could still do is set AF; with AF seen set it has nothing to
 *    do.  Leaves are mapped with AF set, so this is every dirty leaf.
 *    (A write that arrives after our store finds AP[2]=1 again and
 *    clears it: the entry is dirty for the next harvest, as with D.)
 *  - mock: AMD's layout, HA|HD, no replicas.
 *  - mockpt: the mock's bits with AMD's replicas; per replica, as AMD.
 * An entry not yet accessed can still change under us: the IOMMU may set
 * A/AF between our read and our store, and a plain store of the old value
 * would drop it.  Those keep the atomic RMW on the dirty state alone.
 * selftests/host/test_race.c plays the IOMMU inside this window and shows
 * that the plain store of an unaccessed entry (pt_host_plain_unsafe)
 * loses the accessed state.
 */
static __always_inline void pt_e_clean(enum pt_format F, u64 *p, u64 e)
{
	if (unlikely(pt_host_clean_hook))
		pt_host_clean_hook(p);
	if (likely(pt_e_accessed(F, e)) || unlikely(pt_host_plain_unsafe)) {
		WRITE_ONCE(*p, pt_e_cleaned(F, e));
		return;
	}
	if (F == PT_FMT_ARMV8)
		pt_atomic_or64(p, ARMV8_AP2);
	else
		pt_atomic_andnot64(p, pt_dirty_test(F));
}

#endif /* _IODIRTY_PT_FMT_H */
