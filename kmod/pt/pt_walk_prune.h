/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty page-table core: the pruning walk (PT_DIRTY_PRUNE).  Included
 * once, by pt_walk.c, after the leaf-table and upper-leaf templates it
 * uses; instantiated per format by PT_WALK_INSTANCE there.
 *
 * Pruning (PT_DIRTY_PRUNE): skipping subtrees no device walked through
 * --------------------------------------------------------------------
 * VT-d second stage (A/D on) and AMD v1 set an accessed bit in every
 * non-leaf entry their page walk reads from memory (pt_fmt.h
 * pt_table_accessed_bit(); ARM tables have none, so ARM walks in full).
 * A walk that finds a table entry in its paging-structure cache (PSC)
 * does not read it and does not set its A.  The pruning walk, per table
 * (pt_walk_prune_table()):
 *   (1) reads each table entry E; A clear: E's subtree is skipped;
 *   (2) A set: clears E's A (an atomic and-not; the IOMMU only ever sets
 *       it), if E's whole span is in the range and the walk clears;
 *   (3) calls sink->table_a_cleared() over the cleared entries' span,
 *       which invalidates the PSC for it and waits for completion;
 *   (4) only then walks E's subtree, clearing leaves as the full walk
 *       does; the caller invalidates the IOTLB for the cleared leaves
 *       before the harvest completes, as for every harvest.
 * Claim: when a pruning harvest finds E's A clear, no leaf below E can
 * hold a dirty state that was not reported, so skipping loses nothing.
 * Let harvest k be the last one that cleared E's A (steps 2-4).  Take a
 * write that sets D in a leaf X below E after harvest k read X in step 4
 * (writes before that read were reported by k, and X was cleared).  Its
 * translation came (a) from a walk that read E from memory, or (b) from
 * a PSC copy of E, or (c) from an IOTLB entry for X.
 *  (a) If it read E after the clear in step 2, it set E's A, and the
 *      walk sets A before it sets X's D (walk order), so A is set now:
 *      contradiction.  It cannot have read E before step 2: such an
 *      access was in flight across the invalidation of step 3, and an
 *      invalidation completes only after the accesses in flight through
 *      the old entries have landed, i.e. before step 4 read X.
 *  (b) A PSC copy filled before step 2 was dropped by step 3, which
 *      completed before step 4; a copy filled after step 2 came from a
 *      walk that read E from memory after the clear and so set A: (a).
 *  (c) An IOTLB entry for X cached dirty lets the device write without
 *      touching the table; if X was dirty at k's read, k reported X and
 *      invalidated the IOTLB for it before completing, so the write is
 *      in k's report.  An entry cached clean, or a miss, walks: (a)/(b).
 * Base cases: map creates table entries with A clear over clean leaves;
 * split creates them with A set (the leaves below inherit A/D); every
 * software path that makes a leaf dirty (pt_mark_dirty(), the re-dirty
 * of a failed delivery: pt_set_dirty_range()) sets the path's A first.
 * A walk that stops on a delivery error gives A back to the entries it
 * cleared but did not finish walking (pt_walk_prune_table() "restore").
 * Only entries whose span lies wholly in the range get A cleared: every
 * leaf below them is in the range, so step 4 clears all the dirty ones
 * (a leaf kept dirty because it sticks out lies under no cleared E).
 * Why the PSC invalidation is needed and why before step 4: without it,
 * a PSC copy of E cached before step 2 keeps serving walks that set X's D
 * without setting E's A; the next pruning harvest skips E and X's write
 * is not reported (selftests/host/test_prune.c skips it on purpose and
 * counts the loss).  Invalidating after step 4 instead is too late: a
 * write through the old copy between step 4's read of X and the
 * invalidation sets D with A clear (test_prune.c shows both losses: the
 * invalidation skipped, and moved after the leaf walk with the host-only
 * switch pt_host_prune_late_inval).  Clearing A after walking the leaves
 * (instead of before) is wrong for the same reason even with the PSC
 * flushed: a write between the leaf read and the A clear sets D and
 * finds A already set.  The IOTLB invalidation of the cleared leaves is
 * unchanged (it covers (c)) and may come at the end, as today; it needs
 * no ordering against steps 1-3.
 * Cost: one sink->table_a_cleared() (a PSC invalidation with its wait)
 * per table that had an A to clear, plus the PSC refills the device pays
 * afterwards; stats->psc_invals and ->table_a_cleared count them.
 */
#ifndef _IODIRTY_PT_WALK_PRUNE_H
#define _IODIRTY_PT_WALK_PRUNE_H

/* first index >= @i below @hi marked in @walk, or @hi */
static __always_inline unsigned int pt_prune_next(const u64 *walk,
						  unsigned int i,
						  unsigned int hi)
{
	while (i < hi) {
		u64 m = walk[i / 64] >> (i % 64);

		if (m)
			return i + __builtin_ctzll(m) < hi ?
			       i + __builtin_ctzll(m) : hi;
		i = (i | 63) + 1;
	}
	return hi;
}

/*
 * Are the eight entries at @g all present table entries (at level @lvl)
 * with their accessed bit clear, i.e. eight subtrees to prune?  One AND-
 * and one OR-reduction, as pt_l1_line_clean(): AMD/mock tables carry
 * their own level in NL (so NL == @lvl in all eight means all tables),
 * VT-d tables are present (R) without PS.  Conservative: anything else
 * goes entry by entry.
 */
static __always_inline bool pt_prune_line_cold(enum pt_format F,
					       const u64 *g, unsigned int lvl)
{
	u64 a = g[0] & g[1] & g[2] & g[3] & g[4] & g[5] & g[6] & g[7];
	u64 o = g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6] | g[7];
	u64 nl = (u64)lvl << AMDV1_NL_SHIFT;

	switch (F) {
	case PT_FMT_AMDV1:
		return (a & AMDV1_PR) && (a & AMDV1_NL_MASK) == nl &&
		       (o & AMDV1_NL_MASK) == nl && !(o & AMDV1_HA);
	case PT_FMT_VTDSS:
		return (a & VTDSS_R) && !(o & (VTDSS_PS | VTDSS_A));
	case PT_FMT_MOCK:
		return (a & MOCK_PR) && (a & MOCK_NL_MASK) == nl &&
		       (o & MOCK_NL_MASK) == nl && !(o & MOCK_HA);
	default:
		return false;
	}
}

/*
 * Pruning walk of table @t at level @lvl >= 1 (PT_DIRTY_PRUNE; see
 * the top of this file).  Two passes over the entries in range:
 *  1. each table entry with A clear is skipped (pruned); each with A set
 *     is marked for descent and, if its whole span lies in the range and
 *     the walk clears, has its A cleared; then one sink->table_a_cleared()
 *     call over the span of the cleared entries invalidates their
 *     paging-structure cache entries and waits;
 *  2. leaf entries of this level are examined as in the full walk, marked
 *     tables are descended.
 * Clearing A, invalidating and only then reading the leaves below is the
 * order the argument needs; the full walk's fast paths for lines of
 * clean 2 MiB leaves are not used here.
 */
static __always_inline int pt_walk_prune_table(enum pt_format F,
					       struct pt_walk *w, u64 *t,
					       unsigned int lvl, u64 tbase,
					       int (*down)(struct pt_walk *w,
							   u64 *t,
							   unsigned int lvl,
							   u64 tbase))
{
	const u64 ta = pt_table_accessed_bit(F);
	const unsigned int sh = pt_lvl_shift(F, lvl);
	unsigned int lo = pt_idx_lo(sh, tbase, w->lo);
	unsigned int hi = pt_idx_hi(sh, tbase, w->hi);
	u64 walk[PT_TABLE_ENTRIES / 64] = { 0 };
	u64 visit[PT_TABLE_ENTRIES / 64] = { 0 };	/* walk + leaves */
	u64 cs = 0, ce = 0;
	unsigned int i;
	int ret;

	for (i = lo; i < hi; i++) {
		u64 e, es, ee;

		if (!(i & 7) && i + 8 <= hi && pt_prune_line_cold(F, t + i, lvl)) {
			w->st.pruned += 8;
			i += 7;
			continue;
		}
		e = READ_ONCE(t[i]);
		es = tbase + ((u64)i << sh);
		ee = es + (1ULL << sh);
		if (!pt_e_present(F, e))
			continue;
		if (!pt_e_is_table(F, e, lvl)) {
			visit[i / 64] |= 1ULL << (i % 64);
			continue;
		}
		if (!(e & ta)) {
			w->st.pruned++;
			continue;
		}
		walk[i / 64] |= 1ULL << (i % 64);
		visit[i / 64] |= 1ULL << (i % 64);
		if (!w->clear || es < w->start || ee > w->end)
			continue;
		pt_atomic_andnot64(&t[i], ta);
		w->st.table_a_cleared++;
		if (ce == cs)
			cs = es;
		ce = ee;
	}
	if (ce != cs && !pt_host_prune_late_inval) {
		w->st.psc_invals++;
		w->sink->table_a_cleared(w->sink->arg, cs, ce - cs);
	}
	/* only the entries pass 1 marked: leaves, and tables to descend */
	for (i = pt_prune_next(visit, lo, hi); i < hi;
	     i = pt_prune_next(visit, i + 1, hi)) {
		u64 e = READ_ONCE(t[i]);
		u64 es = tbase + ((u64)i << sh);
		u64 *lt;

		if (!pt_e_present(F, e))
			continue;
		if (!pt_e_is_table(F, e, lvl)) {
			ret = pt_walk_upper_leaf(F, w, t, &i, lvl, tbase, e);
			if (ret)
				goto restore;
			continue;
		}
		if (!(walk[i / 64] & (1ULL << (i % 64))))
			continue;
		lt = pt_e_table(F, e);
		w->st.tables++;
		if (lvl == 1) {
			/* prefetch from the next leaf table to be walked */
			unsigned int j = pt_prune_next(walk, i + 1, hi);
			const u64 *pf = lt;

			if (j < hi) {
				u64 ne = READ_ONCE(t[j]);

				if (pt_e_present(F, ne) &&
				    pt_e_is_table(F, ne, lvl))
					pf = pt_e_table(F, ne);
			}
			ret = pt_walk_leaf_table(F, w, lt, es,
				pt_idx_lo(pt_lvl_shift(F, 0), es, w->lo),
				pt_idx_hi(pt_lvl_shift(F, 0), es, w->hi), pf);
		} else
			ret = down(w, lt, lvl - 1, es);
		if (ret)
			goto restore;
	}
	if (ce != cs && pt_host_prune_late_inval) {	/* wrong on purpose */
		w->st.psc_invals++;
		w->sink->table_a_cleared(w->sink->arg, cs, ce - cs);
	}
	return 0;

restore:
	/*
	 * The walk stops: subtrees from @i on whose A pass 1 cleared were
	 * not (or not wholly) walked and may hold dirty leaves, so they get
	 * their A back (the leaves re-dirtied on the way out set their own
	 * path's A).  Setting A is always safe: it only costs a later walk.
	 */
	for (; i < hi; i++)
		if (walk[i / 64] & (1ULL << (i % 64)))
			pt_atomic_or64(&t[i], ta);
	return ret;
}

#endif /* _IODIRTY_PT_WALK_PRUNE_H */
