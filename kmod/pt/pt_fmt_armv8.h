/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ARM LPAE stage-1 descriptor, 4 KiB granule, with HTTU (SMMUv3 HA+HD).
 *
 *   bits 1:0    type  0b11 table (level >= 1) or page (level 0),
 *                     0b01 block (level 1: 2 MiB, level 2: 1 GiB),
 *                     bit 0 = valid
 *   bit  7      AP[2] read-only
 *   bit  10     AF    access flag
 *   bits 47:12  ADDR
 *   bit  51     DBM   dirty bit modifier
 *
 * Dirty state lives in the permission bits:
 *   DBM=1 AP[2]=1  writable-clean   (first write: the SMMU clears AP[2])
 *   DBM=1 AP[2]=0  writable-dirty
 *   DBM=0 AP[2]=1  read-only        (a write is a permission fault)
 * "Clearing" dirty state is setting AP[2] again.  The other attribute
 * fields (SH, AttrIndx, nG, XN) are left 0: the model does not use them.
 *
 * Design choice: new writable leaves are created writable-CLEAN (DBM=1,
 * AP[2]=1) with AF set.  Upstream creates them writable-dirty, so every
 * page mapped while tracking is on reads dirty until the first clear.  We
 * make the three formats agree instead: a freshly mapped page is clean
 * everywhere, so a harvest reports exactly the pages the device wrote and
 * the same reference model checks every format.  The price is one HTTU
 * update on the first write to each page, which AMD and VT-d pay anyway
 * when they set D.  This requires HD (hardware dirty update) to be
 * enabled in the context descriptor; without it a writable-clean entry
 * would fault on write.  AF is set at map time (as upstream does) so
 * reads never need an HTTU update.
 */
#ifndef _IODIRTY_PT_FMT_ARMV8_H
#define _IODIRTY_PT_FMT_ARMV8_H

#define ARMV8_VALID		BIT_ULL(0)
#define ARMV8_TYPE_MASK		GENMASK_ULL(1, 0)
#define ARMV8_TYPE_TABLE	3ULL	/* also "page" at level 0 */
#define ARMV8_TYPE_BLOCK	1ULL
#define ARMV8_AP2		BIT_ULL(7)
#define ARMV8_AF		BIT_ULL(10)
#define ARMV8_ADDR		GENMASK_ULL(47, 12)
#define ARMV8_DBM		BIT_ULL(51)
/* (e & ~(e << ARMV8_DBM_AP2_GAP)) has bit 51 set iff DBM && !AP[2] */
#define ARMV8_DBM_AP2_GAP	44
#define ARMV8_GRANULE_SHIFT	12
#define ARMV8_PGSIZES		(BIT_ULL(12) | BIT_ULL(21) | BIT_ULL(30))

static __always_inline bool armv8_present(u64 e)
{
	return e & ARMV8_VALID;
}

static __always_inline bool armv8_is_table(u64 e, unsigned int lvl)
{
	return lvl > 0 && (e & ARMV8_TYPE_MASK) == ARMV8_TYPE_TABLE;
}

static __always_inline u64 armv8_mk_table(u64 pa)
{
	return ARMV8_TYPE_TABLE | (pa & ARMV8_ADDR);
}

static __always_inline u64 armv8_mk_leaf(unsigned int lvl, u64 pa,
					 unsigned int prot)
{
	u64 e = (lvl ? ARMV8_TYPE_BLOCK : ARMV8_TYPE_TABLE) | ARMV8_AF |
		ARMV8_AP2 | (pa & ARMV8_ADDR);

	if (prot & PT_PROT_WRITE)
		e |= ARMV8_DBM;		/* writable-clean, see above */
	return e;
}

static __always_inline unsigned int armv8_prot(u64 e)
{
	return PT_PROT_READ |
	       (((e & ARMV8_DBM) || !(e & ARMV8_AP2)) ? PT_PROT_WRITE : 0);
}

static __always_inline u64 armv8_dirty_word(u64 e)
{
	return e & ~(e << ARMV8_DBM_AP2_GAP);
}

static __always_inline bool armv8_dirty(u64 e)
{
	return armv8_dirty_word(e) & ARMV8_DBM;
}

/*
 * SMMU access with HTTU.  Reads are always permitted (AF is set if it was
 * clear).  A write to a writable-clean entry clears AP[2]; a write to a
 * read-only one (DBM=0, AP[2]=1) is a permission fault.
 */
static __always_inline int armv8_hw_update(u64 e, unsigned int access,
					   u64 *newe)
{
	u64 n = e | ARMV8_AF;

	if ((access & PT_PROT_WRITE) && (e & ARMV8_AP2)) {
		if (!(e & ARMV8_DBM))
			return -EACCES;
		n &= ~ARMV8_AP2;
	}
	*newe = n;
	return 0;
}

#endif /* _IODIRTY_PT_FMT_ARMV8_H */
