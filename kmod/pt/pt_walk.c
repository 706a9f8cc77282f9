// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty page-table core: the dirty walker (read_and_clear_dirty).
 *
 * Shape of the walk
 * -----------------
 * One descent over the tables covering [start, end): every table is
 * visited once, a non-present entry skips its whole subtree in one step,
 * and nothing is ever re-walked from the root.  The walker is written
 * once as __always_inline templates taking the format as a constant and
 * instantiated per format (pt_walk_top_<fmt>), so the per-entry helpers
 * of pt_fmt.h fold to a few instructions: no indirect call and no format
 * switch per entry.
 *
 * Leaf tables (level 0) hold all but a 512th of the entries, so they get
 * a dedicated loop: eight entries (one cache line) are OR-reduced into
 * one word and only a group whose reduction shows a dirty bit is looked
 * at entry by entry.  For AMD/VT-d/mock the reduction is a plain OR
 * tested against D; for ARM "dirty" is DBM && !AP[2], computed
 * branch-free per entry as e & ~(e << 44) (bit 51 = DBM & ~AP[2]).
 * Leaf tables are separate 4 KiB pages, which the hardware prefetcher
 * does not follow, so while scanning line k of one leaf table we prefetch
 * line k of the next one: one table of lead, one prefetch per line.
 * Level-1 tables full of 2 MiB leaves get the same treatment: a line of
 * eight present, clean, default-size leaves is recognised with one AND-
 * and one OR-reduction and skipped at once (pt_l1_line_clean()).
 *
 * Reporting
 * ---------
 * A dirty leaf is reported over its whole span, clamped to the walked
 * range (a huge leaf has one dirty state; the UAPI cannot say less).
 * Spans are coalesced into runs; a run goes to sink->bitmap and
 * sink->run when the next non-adjacent span arrives or the walk ends.
 * A leaf is cleared before its span is queued (see below), so at any
 * time the leaves cleared but not yet delivered are exactly those of the
 * pending run, plus, while it is being queued, the leaf just cleared.
 * If delivering a run fails, all of those are made dirty again before
 * the error is returned (the run's leaves by pt_walk_flush_run(), the
 * leaf being queued by pt_walk_dirty_leaf()), so a failed harvest loses
 * nothing: every leaf the walk cleared is either in a run the sink
 * accepted or dirty again.
 *
 * Clearing, and why it is safe against the IOMMU
 * ----------------------------------------------
 * Only leaves that lie entirely inside the range are cleared; a dirty
 * leaf that sticks out is reported but kept dirty (kept_straddling), as
 * the part outside the range was not reported to anyone.
 *
 * An entry is cleared only after it was seen dirty, and with an atomic
 * RMW that touches nothing but the dirty state (lock and-not of D; for
 * ARM an atomic OR of AP[2]).  The IOMMU's own updates are atomic RMWs
 * that only ever set A/D (clear AP[2] for ARM):
 *  - A/AF set concurrently with our clear: both are atomic RMWs on
 *    different bits, so neither is lost (a plain store could drop A).
 *  - D set concurrently: on an entry we saw dirty the IOMMU has nothing
 *    to set (ARM: AP[2] is already clear, it only updates on a clean
 *    entry).  If its update is ordered after our clear it re-dirties the
 *    entry and the next harvest reports it; before our clear, the write
 *    belongs to the span this harvest reports.
 *  - Clear before report: nothing outside the walker can observe the
 *    order between clearing a leaf and queueing its span (runs reach
 *    the sink only later, after the rest of the run was cleared, in
 *    either order).  What the argument needs is that the span of every
 *    cleared leaf is delivered before the walk returns 0, or, when
 *    delivery fails, that the leaf is dirty again (see Reporting).  A
 *    concurrent harvest that sees the leaf clean in between misses
 *    nothing: that write is ours to report, or to leave dirty.
 *  - AMD replicas: the leaf is reported as a whole (one span, however
 *    many replicas were dirty), and a replica is cleared only if seen
 *    dirty; a replica dirtied after we looked at it stays dirty for the
 *    next harvest.  Re-dirtying after a failure sets D in the first
 *    replica, which makes the whole leaf read dirty.
 *  - An IOTLB entry cached with D set lets the device keep writing
 *    without setting D in memory.  Those writes are covered only if the
 *    caller invalidates the cleared ranges (sink->cleared / clear_start..
 *    clear_end) before any consumer can copy a reported page: before a
 *    harvest returns its bitmap, and before a scan hands a run to a
 *    consumer (sink->run is called *before* the run's leaves are
 *    invalidated, so a caller that passes runs on from sink->run must
 *    queue them until it has invalidated).  After the invalidation the
 *    next write must walk the table again and set D, which the next
 *    harvest sees.
 * So a write is either inside a span this harvest reports, or leaves
 * the entry dirty for the next one: nothing dirty goes unreported.
 *
 * Pruning (PT_DIRTY_PRUNE), the walk that skips subtrees whose non-leaf
 * accessed bit is clear, and why it loses nothing: pt_walk_prune.h.
 */
#include "pt_priv.h"

struct pt_walk {
	const struct pt_domain *d;
	const struct pt_dirty_sink *sink;
	u64 start;		/* the range: clamping, "inside" test */
	u64 end;
	u64 lo;			/* the part the table walk covers */
	u64 hi;
	bool clear;
	bool prune;		/* PT_DIRTY_PRUNE on a format with table A */
	u64 run_s, run_e;	/* pending dirty run, empty if equal */
	u64 clr_s, clr_e;	/* pending cleared run */
	struct pt_dirty_stats st;
};

/* Make every leaf of [s, e) dirty again after the run failed. */
static void pt_walk_redirty(struct pt_walk *w, u64 s, u64 e)
{
	pt_set_dirty_range(w->d, s, e - s);
}

static noinline int pt_walk_flush_run(struct pt_walk *w)
{
	const struct pt_dirty_sink *sink = w->sink;
	u64 s = w->run_s, len = w->run_e - w->run_s;
	int ret = 0;

	if (!len)
		return 0;
	w->run_s = w->run_e;
	w->st.runs++;
	if (sink && sink->bitmap)
		ret = pt_bitmap_set_range(sink->bitmap, s, len);
	if (!ret && sink && sink->run)
		ret = sink->run(sink->arg, s, len);
	if (ret && w->clear)
		pt_walk_redirty(w, s, s + len);
	return ret;
}

static void pt_walk_flush_cleared(struct pt_walk *w)
{
	u64 s = w->clr_s, e = w->clr_e;

	if (s == e)
		return;
	w->clr_s = e;
	if (w->sink && w->sink->cleared)
		w->sink->cleared(w->sink->arg, s, e - s);
	if (w->st.clear_start >= w->st.clear_end) {
		w->st.clear_start = s;
		w->st.clear_end = e;
	} else {
		w->st.clear_end = e;	/* the walk only moves up */
	}
}

/* Queue the dirty span [s, e) of a leaf; clamps to the walked range. */
static __always_inline int pt_walk_report(struct pt_walk *w, u64 s, u64 e)
{
	int ret;

	if (s < w->start)
		s = w->start;
	if (e > w->end)
		e = w->end;
	w->st.dirty_leaves++;
	w->st.dirty_bytes += e - s;
	if (s == w->run_e) {
		w->run_e = e;
		return 0;
	}
	ret = pt_walk_flush_run(w);
	if (ret)
		return ret;
	w->run_s = s;
	w->run_e = e;
	return 0;
}

static __always_inline void pt_walk_cleared(struct pt_walk *w, u64 s, u64 e)
{
	w->st.cleared_leaves++;
	if (s != w->clr_e) {
		pt_walk_flush_cleared(w);
		w->clr_s = s;
	}
	w->clr_e = e;
}

/*
 * A leaf seen dirty at t[idx] (table based at @tbase, level @lvl): report
 * its whole span, clear it if it lies inside the range, and return in
 * *next the index after its last replica.
 */
static __always_inline int pt_walk_dirty_leaf(enum pt_format F,
					      struct pt_walk *w, u64 *t,
					      unsigned int idx,
					      unsigned int lvl, u64 tbase,
					      u64 e, unsigned int *next)
{
	unsigned int sh = pt_lvl_shift(F, lvl);
	u64 size = pt_e_leaf_size(F, e, lvl);
	unsigned int nrep = size >> sh;
	unsigned int first = idx & ~(nrep - 1), k;
	u64 ls = tbase + ((u64)first << sh);
	u64 le = ls + size;
	bool clear = w->clear && ls >= w->start && le <= w->end;
	int ret;

	/*
	 * Clear first, queue the report after: queueing may flush the
	 * previous run into the bitmap, and a locked RMW issued behind those
	 * stores to cold lines would wait for them to drain.  See the
	 * comment at the top for why the order is safe.
	 */
	if (clear)
		for (k = first; k < first + nrep; k++) {
			u64 v = READ_ONCE(t[k]);

			if (pt_e_dirty(F, v))
				pt_e_clean(F, pt_host_bug(PT_HOST_BUG_CLEAR_COPY) ?
					   &v : &t[k], v);
		}
	ret = pt_walk_report(w, ls, le);
	if (unlikely(ret)) {
		/*
		 * Flushing the previous run failed (that run is dirty
		 * again); this leaf is in no run: nobody will be told about
		 * it, so it must be dirty again too.
		 */
		if (clear)	/* with the path's non-leaf A, see pt_walk_prune.h */
			pt_set_dirty_range(w->d, ls, le - ls);
		return ret;
	}
	if (clear)
		pt_walk_cleared(w, ls, le);
	else if (w->clear)
		w->st.kept_straddling++;
	*next = first + nrep;
	return 0;
}

#define PT_E_DB(F, g, k) \
	((unsigned int)!!(pt_e_dirty_word(F, (g)[k]) & pt_dirty_test(F)) << (k))

/*
 * Can the line of eight entries at @g hold a dirty leaf?  One operation
 * per entry: an OR-reduction tested against D for AMD/VT-d/mock.  ARM's
 * dirty state is DBM && !AP[2]; an AND-reduction with AP[2] still set
 * proves every entry is clean (writable-clean or read-only), and only a
 * line with some AP[2] clear (dirty, or not present) needs a closer look.
 */
static __always_inline bool pt_line_maybe_dirty(enum pt_format F,
						const u64 *g)
{
	if (F == PT_FMT_ARMV8)
		return !(g[0] & g[1] & g[2] & g[3] & g[4] & g[5] & g[6] &
			 g[7] & ARMV8_AP2);
	return (g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6] | g[7]) &
	       pt_dirty_test(F);
}

/*
 * Level-0 line test for the fully dirty fast path: are the eight entries
 * at @g all present, default-size (granule) leaves that are dirty and
 * accessed, i.e. settled (see pt_e_clean())?  As pt_l1_line_clean(): an
 * AND that must keep every bit of pt_l0_all() and an OR that must keep
 * none of pt_l0_none().
 */
static __always_inline u64 pt_l0_all(enum pt_format F)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return AMDV1_PR | AMDV1_HA | AMDV1_HD;
	case PT_FMT_VTDSS:
		return VTDSS_R | VTDSS_A | VTDSS_D;
	case PT_FMT_ARMV8:
		return ARMV8_TYPE_TABLE | ARMV8_AF | ARMV8_DBM; /* 0b11: page */
	default:
		return MOCK_PR | MOCK_HA | MOCK_HD;
	}
}

static __always_inline u64 pt_l0_none(enum pt_format F)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return AMDV1_NL_MASK;			/* NL 7: replicas */
	case PT_FMT_VTDSS:
		return 0;
	case PT_FMT_ARMV8:
		return ARMV8_AP2;			/* AP[2] clear: dirty */
	default:
		return MOCK_NL_MASK;
	}
}

static __always_inline bool pt_l0_line_settled(enum pt_format F,
					       const u64 *g)
{
	u64 a = g[0] & g[1] & g[2] & g[3] & g[4] & g[5] & g[6] & g[7];
	u64 o = g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6] | g[7];

	return (a & pt_l0_all(F)) == pt_l0_all(F) && !(o & pt_l0_none(F));
}

/*
 * A whole line of eight settled granule leaves [s, s + 8 granules): one
 * report and one cleared range for all eight, and eight plain stores
 * (pt_e_clean()'s argument, applied to each entry).  Level-0 leaves in
 * [lo, hi) lie inside the range, so nothing is clamped or kept.  Same
 * order as pt_walk_dirty_leaf(): clear, then queue.
 */
static __always_inline int pt_walk_dirty_line(enum pt_format F,
					      struct pt_walk *w, u64 *t,
					      const u64 *v, u64 s)
{
	const u64 len = 8ULL << pt_gs(F);
	unsigned int k;
	int ret;

	if (w->clear) {
		if (unlikely(pt_host_clean_hook))
			for (k = 0; k < 8; k++)
				pt_host_clean_hook(&t[k]);
		for (k = 0; k < 8 && !pt_host_bug(PT_HOST_BUG_CLEAR_COPY); k++)
			WRITE_ONCE(t[k], pt_e_cleaned(F, v[k]));
	}
	if (s != w->run_e) {
		ret = pt_walk_flush_run(w);
		if (unlikely(ret)) {
			/*
			 * In no run: nobody will hear of them.  Counted as the
			 * per-leaf path counts a leaf whose queueing failed.
			 */
			w->st.dirty_leaves++;
			w->st.dirty_bytes += len / 8;
			if (w->clear)	/* and the path's A, see pt_walk_prune.h */
				pt_set_dirty_range(w->d, s, len);
			return ret;
		}
		w->run_s = s;
	}
	w->st.dirty_leaves += 8;
	w->st.dirty_bytes += len;
	w->run_e = s + len;
	if (w->clear) {
		w->st.cleared_leaves += 8;
		if (s != w->clr_e) {
			pt_walk_flush_cleared(w);
			w->clr_s = s;
		}
		w->clr_e = s + len;
	}
	return 0;
}

/*
 * Scan entries [i, hi) of leaf table @t based at @tbase.  @pf is the next
 * leaf table to prefetch (or @t itself when there is none).
 *
 * The walk is bound by instructions per entry as much as by memory, so
 * the common path is one reduction operation per entry and one
 * predictable branch per cache line.  Only a line that may be dirty
 * builds a bit mask of its dirty entries and visits just those.
 */
static __always_inline int pt_walk_leaf_table(enum pt_format F,
					      struct pt_walk *w, u64 *t,
					      u64 tbase, unsigned int i,
					      unsigned int hi, const u64 *pf)
{
	int ret = 0;

	/* entries examined, present or not; see struct pt_dirty_stats */
	w->st.leaves += hi - i;
	while (i + 8 <= hi) {
		const u64 *g = t + i;
		unsigned int m, base = i, next;

		prefetch(pf + i);
		i += 8;
		if (likely(!pt_line_maybe_dirty(F, g)))
			continue;
		{
			u64 v[8];

			/* one snapshot: what is tested is what is stored */
			for (m = 0; m < 8; m++)
				v[m] = READ_ONCE(g[m]);
			if (pt_l0_line_settled(F, v)) {
				ret = pt_walk_dirty_line(F, w, t + base, v,
					tbase + ((u64)base << pt_gs(F)));
				if (ret)
					return ret;
				continue;
			}
		}
		m = PT_E_DB(F, g, 0) | PT_E_DB(F, g, 1) | PT_E_DB(F, g, 2) |
		    PT_E_DB(F, g, 3) | PT_E_DB(F, g, 4) | PT_E_DB(F, g, 5) |
		    PT_E_DB(F, g, 6) | PT_E_DB(F, g, 7);
		while (m) {
			unsigned int k = __builtin_ctz(m);
			u64 e = READ_ONCE(t[base + k]);

			/* recheck the entry we act on */
			if (unlikely(!pt_e_dirty(F, e))) {
				m &= m - 1;
				continue;
			}
			ret = pt_walk_dirty_leaf(F, w, t, base + k, 0, tbase,
						 e, &next);
			if (ret)
				return ret;
			if (next > base + 8) {
				/* replicas beyond this line are clean too */
				i = next;
				break;
			}
			m &= ~0u << (next - base);
		}
	}
	/* tail shorter than a line (only at the ends of the range) */
	while (i < hi) {
		u64 e = READ_ONCE(t[i]);
		unsigned int next;

		if (!pt_e_present(F, e) || !pt_e_dirty(F, e)) {
			i++;
			continue;
		}
		ret = pt_walk_dirty_leaf(F, w, t, i, 0, tbase, e, &next);
		if (ret)
			return ret;
		i = next;
	}
	return 0;
}

/* A leaf entry above level 0 (2 MiB, 1 GiB, AMD sized leaves). */
static __always_inline int pt_walk_upper_leaf(enum pt_format F,
					      struct pt_walk *w, u64 *t,
					      unsigned int *i, unsigned int lvl,
					      u64 tbase, u64 e)
{
	unsigned int next;
	int ret;

	w->st.leaves++;
	if (!pt_e_dirty(F, e))
		return 0;
	ret = pt_walk_dirty_leaf(F, w, t, *i, lvl, tbase, e, &next);
	if (!ret)
		*i = next - 1;
	return ret;
}

/*
 * Level-1 line test: are the eight entries at @g all present, clean,
 * default-size leaves?  Two reductions, one operation per entry each:
 * an AND that must keep every bit of pt_l1_all() (present, and for
 * VT-d PS, for ARM AP[2] i.e. not writable-dirty) and an OR that must
 * keep none of pt_l1_none() (table/size-encoding and dirty bits).
 * Conservative: a line that fails (e.g. a VT-d write-only entry, an ARM
 * DBM=0 AP[2]=0 one, AMD page-size-encoded replicas, NL = 7) just takes
 * the entry-by-entry path.
 */
static __always_inline u64 pt_l1_all(enum pt_format F)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return AMDV1_PR;
	case PT_FMT_VTDSS:
		return VTDSS_R | VTDSS_PS;		/* PS: a leaf */
	case PT_FMT_ARMV8:
		return ARMV8_VALID | ARMV8_AP2;		/* AP[2]: clean */
	default:
		return MOCK_PR;
	}
}

static __always_inline u64 pt_l1_none(enum pt_format F)
{
	switch (F) {
	case PT_FMT_AMDV1:
		return AMDV1_NL_MASK | AMDV1_HD;	/* NL 0: default leaf */
	case PT_FMT_VTDSS:
		return VTDSS_D;
	case PT_FMT_ARMV8:
		return ARMV8_TYPE_MASK & ~ARMV8_VALID;	/* type 0b01: block */
	default:
		return MOCK_NL_MASK | MOCK_HD;
	}
}

static __always_inline bool pt_l1_line_clean(enum pt_format F, const u64 *g)
{
	u64 a = g[0] & g[1] & g[2] & g[3] & g[4] & g[5] & g[6] & g[7];
	u64 o = g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6] | g[7];

	return (a & pt_l1_all(F)) == pt_l1_all(F) && !(o & pt_l1_none(F));
}

/*
 * Level 1: the loop over leaf tables, or over 2 MiB (mock: 1 MiB) leaves.
 * Whole cache lines of clean default-size leaves are skipped eight at a
 * time, as in the leaf tables; anything else goes entry by entry.
 */
static __always_inline int pt_walk_level1(enum pt_format F,
					  struct pt_walk *w, u64 *t,
					  u64 tbase)
{
	const unsigned int sh = pt_lvl_shift(F, 1), sh0 = pt_lvl_shift(F, 0);
	unsigned int i = pt_idx_lo(sh, tbase, w->lo);
	unsigned int hi = pt_idx_hi(sh, tbase, w->hi);
	unsigned int nclean = 0;
	int ret = 0;

	for (; i < hi; i++) {
		u64 e, ebase;
		const u64 *pf;
		u64 *lt, ne;

		if (!(i & 7)) {
			while (i + 8 <= hi && pt_l1_line_clean(F, t + i)) {
				nclean += 8;
				i += 8;
			}
			if (i >= hi)
				break;
		}
		e = READ_ONCE(t[i]);
		ebase = tbase + ((u64)i << sh);
		if (!pt_e_present(F, e))
			continue;
		if (!pt_e_is_table(F, e, 1)) {
			ret = pt_walk_upper_leaf(F, w, t, &i, 1, tbase, e);
			if (ret)
				break;
			continue;
		}
		lt = pt_e_table(F, e);
		pf = lt;
		if (i + 1 < hi) {
			ne = READ_ONCE(t[i + 1]);
			if (pt_e_present(F, ne) && pt_e_is_table(F, ne, 1))
				pf = pt_e_table(F, ne);
		}
		w->st.tables++;
		ret = pt_walk_leaf_table(F, w, lt, ebase,
					 pt_idx_lo(sh0, ebase, w->lo),
					 pt_idx_hi(sh0, ebase, w->hi), pf);
		if (ret)
			break;
	}
	/* present leaf entries above level 0; see struct pt_dirty_stats */
	w->st.leaves += nclean;
	return ret;
}

/* Levels >= 2: rarely more than a few hundred entries per walk. */
static __always_inline int pt_walk_upper(enum pt_format F, struct pt_walk *w,
					 u64 *t, unsigned int lvl, u64 tbase,
					 int (*down)(struct pt_walk *w, u64 *t,
						     unsigned int lvl,
						     u64 tbase))
{
	const unsigned int sh = pt_lvl_shift(F, lvl);
	unsigned int i = pt_idx_lo(sh, tbase, w->lo);
	unsigned int hi = pt_idx_hi(sh, tbase, w->hi);
	int ret;

	for (; i < hi; i++) {
		u64 e = READ_ONCE(t[i]);
		u64 ebase = tbase + ((u64)i << sh);

		if (!pt_e_present(F, e))
			continue;
		if (!pt_e_is_table(F, e, lvl)) {
			ret = pt_walk_upper_leaf(F, w, t, &i, lvl, tbase, e);
			if (ret)
				return ret;
			continue;
		}
		w->st.tables++;
		if (lvl == 2)
			ret = pt_walk_level1(F, w, pt_e_table(F, e), ebase);
		else
			ret = down(w, pt_e_table(F, e), lvl - 1, ebase);
		if (ret)
			return ret;
	}
	return 0;
}

#include "pt_walk_prune.h"

/*
 * One instance per format.  The recursion for levels >= 3 goes through
 * a direct call to the same instance (@down), never through a pointer
 * chosen at run time per entry.
 */
#define PT_WALK_INSTANCE(name, F)					\
static int pt_walk_upper_##name(struct pt_walk *w, u64 *t,		\
				unsigned int lvl, u64 tbase)		\
{									\
	return pt_walk_upper(F, w, t, lvl, tbase, pt_walk_upper_##name);\
}									\
static int pt_walk_prune_##name(struct pt_walk *w, u64 *t,		\
				unsigned int lvl, u64 tbase)		\
{									\
	return pt_walk_prune_table(F, w, t, lvl, tbase,			\
				   pt_walk_prune_##name);		\
}									\
static noinline int pt_walk_top_##name(struct pt_walk *w)		\
{									\
	const struct pt_domain *d = w->d;				\
	unsigned int top = d->levels - 1;				\
									\
	w->st.tables++;							\
	if (w->prune && top > 0)					\
		return pt_walk_prune_##name(w, d->root, top, 0);	\
	if (top == 0)							\
		return pt_walk_leaf_table(F, w, d->root, 0,		\
			pt_idx_lo(pt_lvl_shift(F, 0), 0, w->lo),	\
			pt_idx_hi(pt_lvl_shift(F, 0), 0, w->hi),	\
			d->root);					\
	if (top == 1)							\
		return pt_walk_level1(F, w, d->root, 0);		\
	return pt_walk_upper_##name(w, d->root, top, 0);		\
}

PT_WALK_INSTANCE(amdv1, PT_FMT_AMDV1)
PT_WALK_INSTANCE(vtdss, PT_FMT_VTDSS)
PT_WALK_INSTANCE(armv8, PT_FMT_ARMV8)
PT_WALK_INSTANCE(mock, PT_FMT_MOCK)
PT_WALK_INSTANCE(mockpt, PT_FMT_MOCKPT)

/*
 * AMD (and mockpt) page-size-encoded leaves cut by an end of the range: the IOMMU may
 * have set D in a replica outside the range, which the table walk does
 * not look at.  Such a leaf is taken out of the walk and handled here
 * with all its replicas ORed; it sticks out, so it is never cleared.
 */
static bool pt_walk_edge_leaf(struct pt_walk *w, u64 iova,
			      struct pt_leafref *r)
{
	return !pt_find_leaf(w->d, iova, r) && r->nrep > 1 &&
	       (r->iova < w->start || r->iova + r->size > w->end);
}

static int pt_walk_edge(struct pt_walk *w, const struct pt_leafref *r)
{
	struct pt_xlate x;
	int ret;

	pt_leaf_info(w->d, r, &x);
	w->st.leaves++;
	if (!x.dirty)
		return 0;
	ret = pt_walk_report(w, r->iova, r->iova + r->size);
	if (!ret && w->clear)
		w->st.kept_straddling++;
	return ret;
}

static int pt_walk_tables(struct pt_walk *w)
{
	switch (w->d->fmt) {
	case PT_FMT_AMDV1:
		return pt_walk_top_amdv1(w);
	case PT_FMT_VTDSS:
		return pt_walk_top_vtdss(w);
	case PT_FMT_ARMV8:
		return pt_walk_top_armv8(w);
	case PT_FMT_MOCKPT:
		return pt_walk_top_mockpt(w);
	default:
		return pt_walk_top_mock(w);
	}
}

static int pt_walk_range(struct pt_walk *w)
{
	struct pt_leafref head, tail;
	bool has_head = false, has_tail = false;
	int ret = 0;

	if (pt_fmt_sized_leaves(w->d->fmt)) {
		has_head = pt_walk_edge_leaf(w, w->start, &head);
		if (has_head)
			w->lo = head.iova + head.size < w->end ?
				head.iova + head.size : w->end;
		has_tail = pt_walk_edge_leaf(w, w->end - 1, &tail) &&
			   !(has_head && tail.first == head.first);
		if (has_tail)
			w->hi = tail.iova > w->lo ? tail.iova : w->lo;
	}
	if (has_head)
		ret = pt_walk_edge(w, &head);
	if (!ret && w->lo < w->hi)
		ret = pt_walk_tables(w);
	if (!ret && has_tail)
		ret = pt_walk_edge(w, &tail);
	return ret;
}

/**
 * pt_dirty_stats_add() - add the counters of one walk to a total
 * @to: the total
 * @s: one walk's counters; the cleared spans are joined into one span
 */
void pt_dirty_stats_add(struct pt_dirty_stats *to,
			const struct pt_dirty_stats *s)
{
	to->tables += s->tables;
	to->leaves += s->leaves;
	to->dirty_leaves += s->dirty_leaves;
	to->dirty_bytes += s->dirty_bytes;
	to->runs += s->runs;
	to->cleared_leaves += s->cleared_leaves;
	to->kept_straddling += s->kept_straddling;
	to->pruned += s->pruned;
	to->table_a_cleared += s->table_a_cleared;
	to->psc_invals += s->psc_invals;
	if (s->clear_start >= s->clear_end)
		return;
	if (to->clear_start >= to->clear_end) {
		to->clear_start = s->clear_start;
		to->clear_end = s->clear_end;
		return;
	}
	if (s->clear_start < to->clear_start)
		to->clear_start = s->clear_start;
	if (s->clear_end > to->clear_end)
		to->clear_end = s->clear_end;
}

/**
 * pt_read_and_clear_dirty() - harvest the dirty state of a range
 * @d: domain
 * @iova: start of the range, granule aligned
 * @len: length, granule multiple
 * @flags: PT_DIRTY_NO_CLEAR to report without clearing; PT_DIRTY_PRUNE to
 *	skip subtrees whose non-leaf A is clear and clear it on the ones
 *	walked (see pt_walk_prune.h; needs sink->table_a_cleared
 *	unless NO_CLEAR; no effect on ARM, whose tables have no A)
 * @sink: where dirty runs go (may be NULL to only count or only clear;
 *	not with PT_DIRTY_PRUNE without NO_CLEAR)
 * @stats: optional; counters are added to
 *
 * Every dirty leaf overlapping the range is reported over its whole span
 * clamped to the range, coalesced into runs in IOVA order.  Leaves that
 * lie entirely inside the range are made clean (unless NO_CLEAR);
 * dirty leaves sticking out of the range stay dirty.  The caller must
 * invalidate the IOTLB for the cleared ranges before treating the
 * harvest as complete (see the comment at the top of this file).
 *
 * Return: 0; a range error (pt_check_range), -EINVAL bad @flags (or
 * PT_DIRTY_PRUNE clearing without sink->table_a_cleared); or the
 * first error from the bitmap or sink->run, after which the walk stops
 * and every leaf it cleared but did not deliver is dirty again.
 */
int pt_read_and_clear_dirty(struct pt_domain *d, u64 iova, u64 len,
			    unsigned int flags,
			    const struct pt_dirty_sink *sink,
			    struct pt_dirty_stats *stats)
{
	struct pt_walk w = {
		.d = d, .sink = sink, .start = iova, .end = iova + len,
		.lo = iova, .hi = iova + len,
		.clear = !(flags & PT_DIRTY_NO_CLEAR),
		.run_s = iova, .run_e = iova,
		.clr_s = iova, .clr_e = iova,
	};
	int ret;

	ret = pt_check_range(d, iova, len);
	if (ret)
		return ret;
	if (flags & ~(PT_DIRTY_NO_CLEAR | PT_DIRTY_PRUNE))
		return -EINVAL;
	if ((flags & PT_DIRTY_PRUNE) && w.clear &&
	    (!sink || !sink->table_a_cleared))
		return -EINVAL;
	w.prune = (flags & PT_DIRTY_PRUNE) && pt_table_accessed_bit(d->fmt);

	ret = pt_walk_range(&w);
	if (!ret)
		ret = pt_walk_flush_run(&w);
	/* cleared leaves need their IOTLB flush even when we failed */
	pt_walk_flush_cleared(&w);
	if (stats)
		pt_dirty_stats_add(stats, &w.st);
	return ret;
}
