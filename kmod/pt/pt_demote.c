// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty page-table core: demoting a 2 MiB leaf into a table of 4 KiB
 * leaves while the IOMMU keeps translating through it.
 *
 * Why: a huge leaf has one dirty bit for 2 MiB, so a migration that finds
 * it dirty resends 2 MiB for a single written byte.  After a harvest a
 * policy may ask for such a leaf to be demoted (kmod/kfuncs.c
 * bpf_iodirty_demote()); from then on dirty state is tracked per 4 KiB.
 *
 * Formats: those whose level-1 entries are 2 MiB leaves, i.e. every
 * format with a 4 KiB granule (AMD v1, VT-d second stage, ARM LPAE).  The
 * mock formats (2 KiB granule, 1 MiB at level 1) are refused.  An AMD v1
 * 2 MiB leaf is the level-1 default size, one entry with no replicas;
 * page-size-encoded leaves (4 MiB and up, replicated) are refused too.
 *
 * How, against an IOMMU that may set A/D in the leaf at any time (real
 * hardware takes no lock; the module's emulated DMA is excluded by the
 * IOAS rwsem the caller holds for write, but the page-table core does not
 * rely on that):
 *  1. read the leaf once (the copy);
 *  2. fill a new level-0 table from the copy: entry i maps pa + i * 4 KiB
 *     with the leaf's permissions, and is dirty / accessed iff the copy
 *     is (one D for 2 MiB says nothing about which 4 KiB were written, so
 *     every 4 KiB leaf inherits it);
 *  3. set the non-leaf accessed bits on the path above the leaf when the
 *     copy is dirty, and build the new table entry with its
 *     own non-leaf accessed bit set (pt_table_accessed_bit()): a pruning
 *     harvest (PT_DIRTY_PRUNE) skips a table entry whose A is clear, and
 *     would then never see the inherited dirty state;
 *  4. install with a compare-and-exchange against the copy.  If it fails
 *     the IOMMU changed the leaf after the copy (it set A or D): go back
 *     to 2 with the new value, at most PT_DEMOTE_TRIES times, then give
 *     up (-EAGAIN) leaving the leaf as it was.  Nothing the IOMMU set is
 *     lost: either its update reached the copy the table was filled
 *     from, or the exchange fails.
 * The IOMMU side (pt_hw_access_psc(), pt_mark_dirty(), pt_set_dirty_range()
 * in pt_domain.c) re-walks when the entry it found as a leaf has become a
 * table (a "stale leaf"), so a write racing with step 4 lands in the new
 * table instead of setting bits in the new table entry.
 *
 * The caller must invalidate the IOTLB (and paging-structure caches) for
 * the 2 MiB afterwards: a device may still hold the old 2 MiB translation,
 * and a write through it cached dirty would not reach the new 4 KiB D
 * bits.  The old leaf is a value in its parent table: nothing is freed,
 * so an IOMMU walk in flight never reads freed memory.
 *
 * Serialisation: like split, against map, unmap, split, demote and
 * read_and_clear_dirty (the module holds the IOAS rwsem for write); may
 * run concurrently with translate, hw_access, mark_dirty and
 * set_dirty_range.
 */
#include "pt_priv.h"

#ifndef __KERNEL__
unsigned int pt_host_demote_bugs;
void (*pt_host_demote_hook)(u64 *ptep);
long pt_host_demote_retries;
#endif

#define PT_DEMOTE_TRIES	16
#define PT_DEMOTE_SIZE	(1ULL << 21)

/* Fill @t with 512 4 KiB leaves that inherit @leaf's state. */
static void pt_demote_fill(const struct pt_domain *d, u64 *t, u64 leaf)
{
	enum pt_format F = d->fmt;
	u64 pa = pt_e_leaf_pa(F, leaf, PT_DEMOTE_SIZE);
	unsigned int prot = pt_e_prot(F, leaf), i;
	bool dirty = pt_e_dirty(F, leaf), acc = pt_e_accessed(F, leaf);

	if (pt_host_demote_bug(PT_DEMOTE_BUG_NO_INHERIT))
		dirty = false;
	for (i = 0; i < PT_TABLE_ENTRIES; i++) {
		u64 e = pt_e_mk_leaf(F, 0, pa + ((u64)i << 12), 1ULL << 12,
				     prot);

		/* a dirty leaf is writable (ARM: DBM), so this cannot fail */
		if (dirty)
			pt_e_set_dirty(F, e, &e);
		if (acc)
			e |= pt_accessed_bit(F);
		t[i] = e;
	}
}

/**
 * pt_demote() - replace the 2 MiB leaf at @iova by a table of 4 KiB leaves
 * @d: domain (a format with a 4 KiB granule)
 * @iova: 2 MiB aligned start of the leaf
 *
 * Every new leaf keeps the old leaf's permissions and output address
 * (pa + offset) and inherits its dirty and accessed state; the new table
 * entry is created with its non-leaf accessed bit set.  See the top of
 * this file for the concurrency argument.  On any error the table is
 * unchanged.  The caller invalidates the IOTLB for the 2 MiB.
 *
 * Return: 0; -EOPNOTSUPP format without 2 MiB level-1 leaves (mock,
 * mockpt); -EINVAL @iova not 2 MiB aligned, or the leaf there is not a
 * 2 MiB leaf (already 4 KiB, or larger); -ERANGE beyond the IOVA space;
 * -ENOENT nothing mapped; -ENOMEM; -EAGAIN the IOMMU changed the leaf on
 * every one of PT_DEMOTE_TRIES attempts.
 */
int pt_demote(struct pt_domain *d, u64 iova)
{
	enum pt_format F = d->fmt;
	u64 ta = pt_table_accessed_bit(F), old, tbl, *t;
	struct pt_leafref r;
	unsigned int tries;
	int ret;

	if (d->granule_shift != 12)
		return -EOPNOTSUPP;
	if (iova & (PT_DEMOTE_SIZE - 1))
		return -EINVAL;
	if (iova >= pt_va_limit(d))
		return -ERANGE;
	ret = pt_find_leaf(d, iova, &r);
	if (ret)
		return ret;
	if (r.lvl != 1 || r.size != PT_DEMOTE_SIZE || r.nrep != 1)
		return -EINVAL;
	t = pt_alloc_table();
	if (!t)
		return -ENOMEM;
	if (pt_host_demote_bug(PT_DEMOTE_BUG_NO_TABLE_A))
		ta = 0;
	tbl = pt_e_mk_table(F, 1, pt_pa(t)) | ta;

	old = READ_ONCE(*r.ptep);
	for (tries = 0; tries < PT_DEMOTE_TRIES; tries++) {
		/* under the contract nothing but the IOMMU's A/D changes it */
		if (!pt_e_present(F, old) || pt_e_is_table(F, old, 1))
			break;
		pt_demote_fill(d, t, old);
		/* (already so when the IOMMU set D: it sets A on the way) */
		if (pt_e_dirty(F, old))
			pt_path_set_accessed(d, iova, 1, PT_PSC_MISS);
		pt_publish_wmb();
		if (unlikely(pt_host_demote_hook))
			pt_host_demote_hook(r.ptep);
		if (pt_host_demote_bug(PT_DEMOTE_BUG_PLAIN_STORE)) {
			WRITE_ONCE(*r.ptep, tbl);
			d->nr_tables++;
			return 0;
		}
		if (pt_cmpxchg64(r.ptep, &old, tbl)) {
			d->nr_tables++;
			return 0;
		}
#ifndef __KERNEL__
		__atomic_fetch_add(&pt_host_demote_retries, 1,
				   __ATOMIC_RELAXED);
#endif
		/* @old now holds the leaf with the IOMMU's update: refill */
	}
	pt_free_table(t);
	return -EAGAIN;
}

/**
 * pt_demote_range() - demote every 2 MiB leaf inside [iova, iova + len)
 * @d: domain
 * @iova: start (any granule-aligned value; only whole leaves inside count)
 * @len: length
 * @demoted: optional; number of leaves demoted
 *
 * Holes, smaller and larger leaves are skipped.  Stops at the first
 * -ENOMEM or -EAGAIN (the leaves demoted so far stay demoted).
 *
 * Return: 0, a range error (pt_check_range), -EOPNOTSUPP, -ENOMEM,
 * -EAGAIN.
 */
int pt_demote_range(struct pt_domain *d, u64 iova, u64 len, u64 *demoted)
{
	u64 s = ALIGN(iova, PT_DEMOTE_SIZE), e = iova + len, n = 0;
	int ret = pt_check_range(d, iova, len);

	if (demoted)
		*demoted = 0;
	if (ret)
		return ret;
	if (d->granule_shift != 12)
		return -EOPNOTSUPP;
	for (; s < e && e - s >= PT_DEMOTE_SIZE; s += PT_DEMOTE_SIZE) {
		ret = pt_demote(d, s);
		if (!ret)
			n++;
		else if (ret == -ENOMEM || ret == -EAGAIN)
			break;
		ret = 0;
	}
	if (demoted)
		*demoted = n;
	return ret;
}
