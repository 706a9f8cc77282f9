// SPDX-License-Identifier: GPL-2.0
/*
 * Accessed-bit subtree pruning (PT_DIRTY_PRUNE, kmod/pt/pt_walk.c
 * "Pruning") against an IOMMU with an IOTLB and a paging-structure cache.
 *
 * The model.  A writer thread plays the IOMMU and the device, as in
 * test_race.c, with one more cache: the paging-structure cache (PSC)
 * holds level-1 table entries (PDEs).  An access looks up the IOTLB
 * (leaves) first; a write through an entry cached dirty touches nothing.
 * Otherwise the walk looks up the PSC: on a hit it starts at the leaf
 * table and sets no non-leaf A (pt_hw_access_psc(.., 1, ..)); on a miss
 * it walks from the root, setting A in every table entry on the way, and
 * caches the PDE.  One lock covers both caches and the whole access, so
 * an invalidation (which takes it) completes only after the accesses in
 * flight through the old entries have landed.
 *
 * The harvest rounds use PT_DIRTY_PRUNE: sink->table_a_cleared
 * invalidates the PSC over the span (unless the test-only switch
 * skip_psc_invalidate is set), the leaves' IOTLB entries are invalidated
 * after the walk as for every harvest.  The check is test_race.c's epoch
 * oracle: a write that began after round d was done must be reported by
 * the first round that starts after it landed.
 *
 * A fixed sequence shows the order matters: the PSC invalidation after
 * the leaf walk instead of before (pt_host_prune_late_inval) loses a
 * write made through a PDE cached before the harvest.
 *
 * Regions are spread over four level-2 entries, so pruning happens at
 * level 2 (a whole 1 GiB subtree, 512 MiB for mock) and level 1 (one leaf
 * table); the writer moves its working set between regions so subtrees
 * go untouched for a while and are pruned.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include "harness.h"
#include "pt_priv.h"
#include "ptutil.h"

#define RW (PT_PROT_READ | PT_PROT_WRITE)

static const enum pt_format prune_fmts[] = {
	PT_FMT_AMDV1, PT_FMT_VTDSS, PT_FMT_MOCK,
};
#define FOR_EACH_PRUNE_FMT(f) \
	for (unsigned int _i = 0; _i < 3 && ((f) = prune_fmts[_i], 1); _i++)

#define NREG		32		/* regions of one leaf table each */
#define NPAGES		(NREG * PT_TABLE_ENTRIES)
#define TLB_ENTRIES	32
#define PSC_ENTRIES	8
#define WSET		2		/* regions in the writer's working set */

struct tlb_entry {
	u64 iova, size;
	bool valid, dirty;
};

struct psc_entry {
	u64 iova, size;			/* span of the cached PDE */
	bool valid;
};

struct prace {
	struct pt_domain d;
	unsigned int sh1, sh2;		/* level-1 / level-2 entry shifts */
	u64 g;
	bool skip_psc_invalidate;	/* test only: lose writes on purpose */
	volatile int stop;
	u64 done;
	u64 note[NPAGES];
	u64 writes;
	pthread_mutex_t lock;		/* the IOTLB + PSC lock */
	struct tlb_entry tlb[TLB_ENTRIES];
	struct psc_entry psc[PSC_ENTRIES];
	/* counters, under the lock */
	u64 tlb_dirty_hits, psc_hits, psc_misses, psc_dropped;
	/* main thread only */
	u64 last_report[NPAGES];
	u64 snap[NPAGES];
	struct pt_dirty_stats st;
	u64 rounds;
};

static struct prace P;

static u64 page_iova(const struct prace *r, u64 p)
{
	u64 reg = p / PT_TABLE_ENTRIES, off = p % PT_TABLE_ENTRIES;

	return ((reg % 4) << r->sh2) + ((reg / 4) << r->sh1) + off * r->g;
}

static u64 iova_page(const struct prace *r, u64 iova)
{
	u64 l2 = iova >> r->sh2, l1 = (iova >> r->sh1) & 511;

	return (l1 * 4 + l2) * PT_TABLE_ENTRIES + ((iova >> r->d.granule_shift) & 511);
}

static u64 span_all(const struct prace *r)
{
	return 4ULL << r->sh2;
}

static void prace_init(struct prace *r, enum pt_format f)
{
	unsigned int reg;

	memset(r, 0, sizeof(*r));
	ASSERT_OK(pt_domain_init(&r->d, f, 40, pt_format_pgsizes(f)));
	r->g = 1ULL << r->d.granule_shift;
	r->sh1 = pt_dlvl_shift(&r->d, 1);
	r->sh2 = pt_dlvl_shift(&r->d, 2);
	pthread_mutex_init(&r->lock, NULL);
	for (reg = 0; reg < NREG; reg++)
		ASSERT_OK(pt_map(&r->d, page_iova(r, reg * PT_TABLE_ENTRIES),
				 0, PT_TABLE_ENTRIES * r->g, RW, r->g, 0));
}

static void prace_fini(struct prace *r)
{
	pthread_mutex_destroy(&r->lock);
	pt_domain_destroy(&r->d);
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* One device access, as an IOMMU with an IOTLB and a PDE cache does it. */
static void prace_access(struct prace *r, u64 p, bool write, u64 *seed)
{
	u64 iova = page_iova(r, p) + 8;
	u64 d = __atomic_load_n(&r->done, __ATOMIC_SEQ_CST);
	struct tlb_entry *e = NULL;
	struct psc_entry *c = NULL;
	struct pt_xlate x;
	unsigned int i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < TLB_ENTRIES; i++)
		if (r->tlb[i].valid && iova - r->tlb[i].iova < r->tlb[i].size)
			e = &r->tlb[i];
	if (e && (!write || e->dirty)) {
		if (write)
			r->tlb_dirty_hits++;
		goto out;
	}
	for (i = 0; i < PSC_ENTRIES; i++)
		if (r->psc[i].valid && iova - r->psc[i].iova < r->psc[i].size)
			c = &r->psc[i];
	if (c)
		r->psc_hits++;
	else
		r->psc_misses++;
	if (pt_hw_access_psc(&r->d, iova, write ? PT_PROT_WRITE : PT_PROT_READ,
			     c ? 1 : PT_PSC_MISS, &x))
		abort();
	if (!c) {
		c = &r->psc[rng_below(seed, PSC_ENTRIES)];
		*c = (struct psc_entry){ .iova = iova & ~((1ULL << r->sh1) - 1),
					 .size = 1ULL << r->sh1, .valid = true };
	}
	if (!e)
		e = &r->tlb[rng_below(seed, TLB_ENTRIES)];
	*e = (struct tlb_entry){ .iova = x.iova, .size = x.size,
				 .valid = true, .dirty = x.dirty };
out:
	pthread_mutex_unlock(&r->lock);
	if (write) {
		__atomic_store_n(&r->note[p], d + 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&r->writes, 1, __ATOMIC_RELAXED);
	}
}

/*
 * The writer: a working set of WSET regions that moves to other regions
 * every 2000 accesses, plus 1 % of accesses anywhere; 3 in 4 are writes.
 */
static void *prace_writer(void *arg)
{
	struct prace *r = arg;
	u64 seed = 42, n = 0, ws[WSET] = { 0, 5 };

	while (!r->stop) {
		u64 reg = rng_below(&seed, 100) ? ws[rng_below(&seed, WSET)] :
						  rng_below(&seed, NREG);
		u64 p = reg * PT_TABLE_ENTRIES + rng_below(&seed, 64);

		if (++n % 2000 == 0)
			ws[rng_below(&seed, WSET)] = rng_below(&seed, NREG);
		prace_access(r, p, rng_below(&seed, 4) != 0, &seed);
	}
	return NULL;
}

static void psc_invalidate(struct prace *r, u64 iova, u64 len)
{
	unsigned int i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < PSC_ENTRIES; i++)
		if (r->psc[i].valid &&
		    overlaps(r->psc[i].iova, r->psc[i].size, iova, len)) {
			r->psc[i].valid = false;
			r->psc_dropped++;
		}
	pthread_mutex_unlock(&r->lock);
}

static void tlb_invalidate(struct prace *r, u64 iova, u64 len)
{
	unsigned int i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < TLB_ENTRIES; i++)
		if (r->tlb[i].valid &&
		    overlaps(r->tlb[i].iova, r->tlb[i].size, iova, len))
			r->tlb[i].valid = false;
	pthread_mutex_unlock(&r->lock);
}

/* sink->arg: the runlog first, so runlog_run/runlog_cleared can use it */
struct psink {
	struct runlog l;
	struct prace *r;
};

static void psink_table_a_cleared(void *arg, u64 iova, u64 len)
{
	struct psink *s = arg;

	if (!s->r->skip_psc_invalidate)
		psc_invalidate(s->r, iova, len);
}

static struct pt_dirty_sink psink_sink(struct psink *s)
{
	struct pt_dirty_sink k = runlog_sink(&s->l);

	k.arg = s;
	k.table_a_cleared = psink_table_a_cleared;
	return k;
}

/* One pruning harvest round @iter; returns the writes it finds lost. */
static u64 prace_round(struct prace *r, struct psink *s, u64 iter,
		       unsigned int flags)
{
	struct pt_dirty_sink k = psink_sink(s);
	struct runlog *l = &s->l;
	u64 p, q, lost = 0;

	for (p = 0; p < NPAGES; p++)
		r->snap[p] = __atomic_exchange_n(&r->note[p], 0, __ATOMIC_SEQ_CST);
	runlog_reset(l);
	ASSERT_OK(pt_read_and_clear_dirty(&r->d, 0, span_all(r), flags, &k,
					  &r->st));
	for (q = 0; q < l->nruns; q++)
		for (p = 0; p < l->runs[q].len / r->g; p++)
			r->last_report[iova_page(r, l->runs[q].iova + p * r->g)] = iter;
	sched_yield();
	for (q = 0; q < l->ncleared; q++)
		tlb_invalidate(r, l->cleared[q].iova, l->cleared[q].len);
	__atomic_store_n(&r->done, iter, __ATOMIC_SEQ_CST);
	r->rounds++;
	for (p = 0; p < NPAGES; p++)
		if (r->snap[p] && r->last_report[p] < r->snap[p])
			lost++;
	return lost;
}

static u64 prace_run(struct prace *r, bool until_lost)
{
	struct psink s = { .r = r };
	pthread_t th;
	u64 iter, lost = 0;

	runlog_init(&s.l);
	ASSERT_EQ(pthread_create(&th, NULL, prace_writer, r), 0);
	for (iter = 1; iter < 1000000; iter++) {
		lost += prace_round(r, &s, iter, PT_DIRTY_PRUNE);
		if (iter >= 300 &&
		    __atomic_load_n(&r->writes, __ATOMIC_RELAXED) >= 50000 &&
		    (!until_lost || lost))
			break;
	}
	r->stop = 1;
	pthread_join(th, NULL);
	lost += prace_round(r, &s, iter + 1, PT_DIRTY_PRUNE);
	runlog_free(&s.l);
	return lost;
}

/* ---- the hardware model: which walks set which non-leaf A ---- */

/* A bits of the table entries on @iova's path, level 1 in bit 1 ... */
static unsigned int path_a(const struct pt_domain *d, u64 iova)
{
	u64 ta = pt_table_accessed_bit(d->fmt), *t = d->root;
	unsigned int lvl, m = 0;

	for (lvl = d->levels - 1; lvl > 0; lvl--) {
		u64 e = t[(iova >> pt_dlvl_shift(d, lvl)) & 511];

		if (!pt_e_present(d->fmt, e) || !pt_e_is_table(d->fmt, e, lvl))
			break;
		if (e & ta)
			m |= 1u << lvl;
		t = pt_e_table(d->fmt, e);
	}
	return m;
}

static void path_clear_a(struct pt_domain *d, u64 iova)
{
	u64 ta = pt_table_accessed_bit(d->fmt), *t = d->root;
	unsigned int lvl;

	for (lvl = d->levels - 1; lvl > 0; lvl--) {
		u64 *p = &t[(iova >> pt_dlvl_shift(d, lvl)) & 511];

		*p &= ~ta;
		t = pt_e_table(d->fmt, *p);
	}
}

TEST(hw_access_sets_table_accessed_as_the_spec_says)
{
	enum pt_format f;
	const enum pt_format all[] = { PT_FMT_AMDV1, PT_FMT_VTDSS,
				       PT_FMT_ARMV8, PT_FMT_MOCK };

	for (unsigned int i = 0; i < 4; i++) {
		struct pt_domain d;
		u64 g, full;
		bool has = (f = all[i]) != PT_FMT_ARMV8;

		ASSERT_OK(pt_domain_init(&d, f, 40, pt_format_pgsizes(f)));
		g = 1ULL << d.granule_shift;
		/* levels 1..3 of a 4-level table */
		full = has ? 0xe : 0;
		CHECK_EQ(d.levels, 4);
		ASSERT_OK(pt_map(&d, 0, 0, 16 * g, RW, g, 0));
		ASSERT_OK(pt_map(&d, 32 * g, 0, g, PT_PROT_READ, g, 0));
		/* map leaves table entries not accessed, as the drivers do */
		CHECK_EQ(path_a(&d, 0), 0);
		/* a faulting access changes nothing */
		CHECK_ERR(pt_hw_access(&d, 32 * g, PT_PROT_WRITE, NULL), EACCES);
		CHECK_EQ(path_a(&d, 0), 0);
		/* a walk from the root: A in every table entry it used */
		ASSERT_OK(pt_hw_access(&d, 0, PT_PROT_READ, NULL));
		CHECK_EQ(path_a(&d, 0), full);
		/* a PDE-cache hit (entries at level >= 1 cached) sets none */
		path_clear_a(&d, 0);
		ASSERT_OK(pt_hw_access_psc(&d, g, PT_PROT_WRITE, 1, NULL));
		CHECK_EQ(path_a(&d, 0), 0);
		/* a hit on the level-2 entry: only the PDE is read, gets A */
		ASSERT_OK(pt_hw_access_psc(&d, g, PT_PROT_WRITE, 2, NULL));
		CHECK_EQ(path_a(&d, 0), has ? 0x2 : 0);
		/* mark_dirty sets the path like a device write */
		path_clear_a(&d, 0);
		ASSERT_OK(pt_mark_dirty(&d, 2 * g));
		CHECK_EQ(path_a(&d, 0), full);
		pt_domain_destroy(&d);
	}
}

/* ---- pruning reports what the full walk reports ---- */

static void noop_a_cleared(void *arg, u64 iova, u64 len)
{
	(void)arg;
	(void)iova;
	(void)len;
}

/*
 * Two domains, the same writes, no caches: the pruning harvest of one
 * and the full harvest of the other report the same runs, every round,
 * including a sub-range harvest, a split of a dirty 2 MiB leaf and a
 * delivery failure that re-dirties; and later rounds do prune.
 */
TEST(prune_reports_what_the_full_walk_reports)
{
	enum pt_format f;

	FOR_EACH_PRUNE_FMT(f) {
		struct prace *r = &P;
		struct pt_domain full;
		struct runlog la, lb;
		u64 seed = 9, round, pruned = 0, k;

		prace_init(r, f);
		ASSERT_OK(pt_domain_init(&full, f, 40, pt_format_pgsizes(f)));
		for (k = 0; k < NREG; k++)
			ASSERT_OK(pt_map(&full, page_iova(r, k * PT_TABLE_ENTRIES),
					 0, PT_TABLE_ENTRIES * r->g, RW, r->g, 0));
		/* a 2 MiB (mock 1 MiB) leaf in both, at level-2 entry 5 */
		ASSERT_OK(pt_map(&r->d, 5ULL << r->sh2, 0, 1ULL << r->sh1, RW,
				 1ULL << r->sh1, 0));
		ASSERT_OK(pt_map(&full, 5ULL << r->sh2, 0, 1ULL << r->sh1, RW,
				 1ULL << r->sh1, 0));
		runlog_init(&la);
		runlog_init(&lb);
		for (round = 0; round < 40; round++) {
			struct pt_dirty_sink sa = runlog_sink(&la);
			struct pt_dirty_sink sb = runlog_sink(&lb);
			struct pt_dirty_stats st = { 0 };
			u64 lo = 0, len = 6ULL << r->sh2, n = rng_below(&seed, 8);

			sa.table_a_cleared = noop_a_cleared;
			/* writes to a few pages of a few regions */
			for (k = 0; k < n; k++) {
				u64 p = rng_below(&seed, NREG) * PT_TABLE_ENTRIES +
					rng_below(&seed, PT_TABLE_ENTRIES);

				ASSERT_OK(pt_hw_access(&r->d, page_iova(r, p),
						       PT_PROT_WRITE, NULL));
				ASSERT_OK(pt_hw_access(&full, page_iova(r, p),
						       PT_PROT_WRITE, NULL));
			}
			if (round == 10) {
				/* dirty huge leaf, then split it in both */
				ASSERT_OK(pt_hw_access(&r->d, 5ULL << r->sh2,
						       PT_PROT_WRITE, NULL));
				ASSERT_OK(pt_hw_access(&full, 5ULL << r->sh2,
						       PT_PROT_WRITE, NULL));
				ASSERT_OK(pt_split_leaf(&r->d, 5ULL << r->sh2, r->g));
				ASSERT_OK(pt_split_leaf(&full, 5ULL << r->sh2, r->g));
			}
			if (round % 7 == 3) {
				/* a sub-range cutting level-1 and level-2 spans */
				lo = (1ULL << r->sh2) + (3ULL << r->sh1) + 64 * r->g;
				len = (2ULL << r->sh2) - 64 * r->g;
			}
			if (round % 9 == 4) {
				/*
				 * The first run fails in both: the walk stops
				 * with A cleared ahead of it, which it must
				 * give back; the next rounds compare again.
				 */
				int ra, rb;

				runlog_reset(&la);
				runlog_reset(&lb);
				la.fail_at = lb.fail_at = 0;
				la.fail_err = lb.fail_err = -EFAULT;
				ra = pt_read_and_clear_dirty(&r->d, lo, len,
						PT_DIRTY_PRUNE, &sa, &st);
				rb = pt_read_and_clear_dirty(&full, lo, len, 0,
							     &sb, NULL);
				la.fail_at = lb.fail_at = -1;
				CHECK_EQ(ra, rb);
				CHECK(ra == 0 || ra == -EFAULT);
				continue;
			}
			runlog_reset(&la);
			runlog_reset(&lb);
			ASSERT_OK(pt_read_and_clear_dirty(&r->d, lo, len,
					PT_DIRTY_PRUNE, &sa, &st));
			ASSERT_OK(pt_read_and_clear_dirty(&full, lo, len, 0,
							  &sb, NULL));
			pruned += st.pruned;
			CHECK_EQ(la.nruns, lb.nruns);
			for (k = 0; k < la.nruns && k < lb.nruns; k++) {
				CHECK_EQ(la.runs[k].iova, lb.runs[k].iova);
				CHECK_EQ(la.runs[k].len, lb.runs[k].len);
			}
		}
		/* a final NO_CLEAR|PRUNE and full NO_CLEAR read agree too */
		runlog_reset(&la);
		runlog_reset(&lb);
		ASSERT_OK(pt_hw_access(&r->d, page_iova(r, 7), PT_PROT_WRITE, NULL));
		ASSERT_OK(pt_hw_access(&full, page_iova(r, 7), PT_PROT_WRITE, NULL));
		{
			struct pt_dirty_sink sa = runlog_sink(&la);
			struct pt_dirty_sink sb = runlog_sink(&lb);

			ASSERT_OK(pt_read_and_clear_dirty(&r->d, 0, 6ULL << r->sh2,
				PT_DIRTY_PRUNE | PT_DIRTY_NO_CLEAR, &sa, NULL));
			ASSERT_OK(pt_read_and_clear_dirty(&full, 0, 6ULL << r->sh2,
				PT_DIRTY_NO_CLEAR, &sb, NULL));
		}
		CHECK_EQ(la.nruns, lb.nruns);
		CHECK(la.nruns >= 1);
		th_diag("%s: %" PRIu64 " subtrees pruned over 40 rounds",
			pt_format_name(f), pruned);
		CHECK(pruned > 0);
		runlog_free(&la);
		runlog_free(&lb);
		pt_domain_destroy(&full);
		prace_fini(r);
	}
}

TEST(prune_flags)
{
	struct pt_domain d;
	struct runlog l;
	struct pt_dirty_sink s;
	struct pt_dirty_stats st = { 0 };

	runlog_init(&l);
	s = runlog_sink(&l);
	ASSERT_OK(pt_domain_init(&d, PT_FMT_VTDSS, 40, pt_format_pgsizes(PT_FMT_VTDSS)));
	ASSERT_OK(pt_map(&d, 0, 0, 1ULL << 21, RW, 4096, 0));
	/* clearing with pruning needs the PSC invalidation callback */
	CHECK_ERR(pt_read_and_clear_dirty(&d, 0, 1ULL << 21, PT_DIRTY_PRUNE,
					  &s, NULL), EINVAL);
	CHECK_ERR(pt_read_and_clear_dirty(&d, 0, 1ULL << 21, PT_DIRTY_PRUNE,
					  NULL, NULL), EINVAL);
	CHECK_ERR(pt_read_and_clear_dirty(&d, 0, 1ULL << 21, 1u << 2, &s,
					  NULL), EINVAL);
	/* read-only pruning needs none */
	ASSERT_OK(pt_read_and_clear_dirty(&d, 0, 1ULL << 21,
			PT_DIRTY_PRUNE | PT_DIRTY_NO_CLEAR, NULL, &st));
	CHECK_EQ(st.pruned, 1);		/* never accessed: nothing walked */
	pt_domain_destroy(&d);

	/* ARM tables have no A: the flag changes nothing */
	ASSERT_OK(pt_domain_init(&d, PT_FMT_ARMV8, 40, pt_format_pgsizes(PT_FMT_ARMV8)));
	ASSERT_OK(pt_map(&d, 0, 0, 1ULL << 21, RW, 4096, 0));
	ASSERT_OK(pt_hw_access(&d, 4096, PT_PROT_WRITE, NULL));
	s.table_a_cleared = noop_a_cleared;
	memset(&st, 0, sizeof(st));
	ASSERT_OK(pt_read_and_clear_dirty(&d, 0, 1ULL << 21, PT_DIRTY_PRUNE,
					  &s, &st));
	CHECK_EQ(st.pruned, 0);
	CHECK_EQ(st.psc_invals, 0);
	CHECK_EQ(st.dirty_leaves, 1);
	pt_domain_destroy(&d);
	runlog_free(&l);
}

/* ---- the oracle, deterministic and against the writer thread ---- */

/*
 * A fixed sequence: with the PSC invalidation a write after a round is
 * found by the next; without it a PDE cached before the round serves a
 * walk that sets D but not A, the next pruning round skips the subtree
 * and the checker counts the write lost.
 */
TEST(psc_checker_sees_stale_pde_loss)
{
	enum pt_format f;

	FOR_EACH_PRUNE_FMT(f) {
		struct psink s = { .r = &P };
		u64 seed = 1, iter = 0, p = 3 * PT_TABLE_ENTRIES + 5;

		prace_init(&P, f);
		runlog_init(&s.l);
		prace_access(&P, p, true, &seed);		/* full walk */
		CHECK_EQ(prace_round(&P, &s, ++iter, PT_DIRTY_PRUNE), 0);
		CHECK_EQ(P.last_report[p], iter);
		CHECK(P.psc_dropped > 0);		/* invalidated */
		prace_access(&P, p, true, &seed);		/* walks again */
		CHECK_EQ(P.psc_misses, 2);
		CHECK_EQ(prace_round(&P, &s, ++iter, PT_DIRTY_PRUNE), 0);
		CHECK_EQ(P.last_report[p], iter);

		P.skip_psc_invalidate = true;
		prace_access(&P, p, true, &seed);		/* PDE cached */
		CHECK_EQ(prace_round(&P, &s, ++iter, PT_DIRTY_PRUNE), 0);
		prace_access(&P, p, true, &seed);		/* PSC hit: no A */
		CHECK_EQ(P.psc_hits, 1);
		CHECK_EQ(prace_round(&P, &s, ++iter, PT_DIRTY_PRUNE), 1);
		CHECK_EQ(P.last_report[p], iter - 1);
		/* the D is there: a full walk finds it (one round late) */
		CHECK_EQ(prace_round(&P, &s, ++iter, 0), 0);
		CHECK_EQ(P.last_report[p], iter);
		runlog_free(&s.l);
		prace_fini(&P);
	}
}

/*
 * The order: the PSC invalidation must come before the walker reads the
 * leaves.  Pages a and b of one leaf table are dirty, page c between them
 * clean; while the walker clears b (pt_host_clean_hook), after it read c,
 * the device writes c.  This round does not report c (it was clean when
 * read), so the next must.  Invalidated first, the write misses the PSC,
 * walks from the root and sets the PDE's A again; invalidated late
 * (pt_host_prune_late_inval), it hits the PDE cached before the harvest,
 * sets only D, and the next pruning round skips the subtree: lost.
 */
static u64 *order_ptep_b;
static u64 order_page_a, order_seed;
static bool order_armed;

static void order_hook(u64 *p)
{
	if (!order_armed || p != order_ptep_b)
		return;
	order_armed = false;
	prace_access(&P, order_page_a, true, &order_seed);
}

static u64 order_run(enum pt_format f, bool late)
{
	struct psink s = { .r = &P };
	u64 a = 3 * PT_TABLE_ENTRIES + 5, b = a + 4, c = a + 2, lost;
	struct pt_leafref r;

	prace_init(&P, f);
	runlog_init(&s.l);
	order_seed = 1;
	prace_access(&P, a, true, &order_seed);	/* full walk, PDE cached */
	prace_access(&P, b, true, &order_seed);	/* PSC hit */
	ASSERT_OK(pt_find_leaf(&P.d, page_iova(&P, b), &r));
	order_ptep_b = r.ptep;
	order_page_a = c;
	order_armed = true;
	pt_host_clean_hook = order_hook;
	pt_host_prune_late_inval = late;
	CHECK_EQ(prace_round(&P, &s, 1, PT_DIRTY_PRUNE), 0);
	pt_host_clean_hook = NULL;
	pt_host_prune_late_inval = false;
	CHECK(!order_armed);			/* the device wrote in the window */
	CHECK_EQ(P.last_report[c], 0);		/* not this round's */
	lost = prace_round(&P, &s, 2, PT_DIRTY_PRUNE);
	runlog_free(&s.l);
	prace_fini(&P);
	return lost;
}

TEST(psc_invalidation_must_precede_the_leaf_walk)
{
	enum pt_format f;

	FOR_EACH_PRUNE_FMT(f) {
		CHECK_MSG(order_run(f, false) == 0, "%s: lost a write",
			  pt_format_name(f));
		/* negative control: invalidating after the leaves loses it */
		CHECK_MSG(order_run(f, true) == 1,
			  "%s: late invalidation lost nothing", pt_format_name(f));
	}
}

TEST(concurrent_psc_prune_no_lost_write)
{
	enum pt_format f;

	FOR_EACH_PRUNE_FMT(f) {
		u64 lost;

		prace_init(&P, f);
		lost = prace_run(&P, false);
		th_diag("%s: %" PRIu64 " writes, %" PRIu64 " rounds; per round "
			"%.1f subtrees pruned, %.1f table A cleared, %.2f PSC "
			"invalidations; device: %" PRIu64 " PSC hits, %" PRIu64
			" misses, %" PRIu64 " IOTLB dirty hits",
			pt_format_name(f), P.writes, P.rounds,
			(double)P.st.pruned / P.rounds,
			(double)P.st.table_a_cleared / P.rounds,
			(double)P.st.psc_invals / P.rounds, P.psc_hits,
			P.psc_misses, P.tlb_dirty_hits);
		CHECK_MSG(lost == 0, "%s: %" PRIu64 " lost writes",
			  pt_format_name(f), lost);
		CHECK(P.writes >= 50000);
		/* every path of the model was taken */
		CHECK(P.st.pruned > 0);
		CHECK(P.psc_hits > 0);
		CHECK(P.psc_dropped > 0);
		CHECK(P.tlb_dirty_hits > 0);
		prace_fini(&P);
	}
}

/* Negative control: skipping the PSC invalidation loses writes. */
TEST(concurrent_psc_skip_invalidate_loses_writes)
{
	enum pt_format f;

	FOR_EACH_PRUNE_FMT(f) {
		u64 lost;

		prace_init(&P, f);
		P.skip_psc_invalidate = true;
		lost = prace_run(&P, true);
		th_diag("%s (PSC invalidation skipped): %" PRIu64 " writes, %"
			PRIu64 " rounds, %" PRIu64 " lost", pt_format_name(f),
			P.writes, P.rounds, lost);
		CHECK_MSG(lost > 0, "%s: the checker saw no lost write",
			  pt_format_name(f));
		prace_fini(&P);
	}
}

TEST(no_leaks)
{
	CHECK_EQ(pt_host_tables_live, 0);
}

TEST_MAIN("prune")
