// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU racing with harvests, with a model of the device's IOTLB.
 *
 * A writer thread plays the IOMMU and the device: each access looks up a
 * small IOTLB first, as kmod/dma.c does.  A write through an entry cached
 * dirty does not touch the PTE (the hardware already knows the page is
 * dirty); a write through an entry cached clean, or a miss, walks the
 * table (pt_hw_access(), which sets D with a compare-and-exchange) and
 * caches the leaf with its dirty state.  Reads cache leaves too, clean or
 * dirty as the PTE is, so both kinds of entry exist.  The IOTLB has a
 * lock held for one access (lookup, PTE update, fill), like
 * dev->iotlb.lock; an invalidation takes it, so it completes only after
 * an access in flight through the old translation has landed.
 *
 * The main thread runs numbered harvest rounds: clear and report D
 * (pt_read_and_clear_dirty), then invalidate every range the walk
 * cleared, then mark the round done.  Between the clear and the
 * invalidation a write through a stale dirty entry leaves D clear; that
 * is only safe because the round has not ended and the page was just
 * reported (its contents are copied after the round).
 *
 * The check, per page and per round: before each write the writer reads
 * the number d of the last round that was done (invalidation included)
 * and publishes d + 1 with the page after the write.  Every round up to
 * d ended before the write began, so a round after d must report the
 * page: once its note is seen, the page's latest report must be >= d + 1.
 * Nothing else is accepted: no lost write, whatever the interleaving.
 *
 * The negative control skips the invalidation (a test-only switch, as
 * IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE does in the module) and asserts that
 * the same checker reports lost writes: deterministically in a fixed
 * sequence, and with the writer thread running.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include "harness.h"
#include "pt_priv.h"
#include "ptutil.h"

#define RW (PT_PROT_READ | PT_PROT_WRITE)

static const enum pt_format all_fmts[] = {
	PT_FMT_AMDV1, PT_FMT_VTDSS, PT_FMT_ARMV8, PT_FMT_MOCK,
};
#define FOR_EACH_FMT(f) \
	for (unsigned int _i = 0; _i < 4 && ((f) = all_fmts[_i], 1); _i++)

#define RACE_PAGES	4096
#define TLB_ENTRIES	32
#define HOT_PAGES	16	/* fit in the IOTLB: entries stay cached */
#define HOT_PCT		80

struct tlb_entry {
	u64 iova, size;
	bool valid, dirty;
};

struct race {
	struct pt_domain *d;
	u64 g;				/* granule */
	unsigned int tlb_n;		/* 0: no IOTLB, every access walks */
	bool skip_invalidate;		/* test only: lose writes on purpose */
	volatile int stop;
	u64 seed;
	u64 done;			/* last round whose invalidation ended */
	u64 note[RACE_PAGES];		/* 1 + done at the write, 0 = none */
	u64 writes;
	pthread_mutex_t lock;		/* the IOTLB lock */
	struct tlb_entry tlb[TLB_ENTRIES];
	/* counters, under the lock */
	u64 hit_dirty, hit_clean, misses, stale_hits, dropped;
	/* main thread only */
	u64 last_report[RACE_PAGES];	/* number of the last round reporting */
	u64 snap[RACE_PAGES];
};

static struct pt_domain D;
static struct race R;

static void race_init(struct race *r, enum pt_format f, unsigned int tlb_n)
{
	memset(r, 0, sizeof(*r));
	ASSERT_OK(pt_domain_init(&D, f, 40, pt_format_pgsizes(f)));
	r->d = &D;
	r->g = 1ULL << D.granule_shift;
	r->tlb_n = tlb_n;
	r->seed = 42;
	pthread_mutex_init(&r->lock, NULL);
	ASSERT_OK(pt_map(&D, 0, 0, RACE_PAGES * r->g, RW, r->g, 0));
}

static void race_fini(struct race *r)
{
	pthread_mutex_destroy(&r->lock);
	pt_domain_destroy(&D);
}

static struct tlb_entry *tlb_lookup(struct race *r, u64 iova)
{
	unsigned int i;

	for (i = 0; i < r->tlb_n; i++)
		if (r->tlb[i].valid && iova - r->tlb[i].iova < r->tlb[i].size)
			return &r->tlb[i];
	return NULL;
}

/* One device access to page @p, as the emulated IOMMU does it. */
static void race_access(struct race *r, u64 p, bool write, u64 *seed)
{
	u64 iova = p * r->g + 8, d = __atomic_load_n(&r->done, __ATOMIC_SEQ_CST);
	struct tlb_entry *e;
	struct pt_xlate x;

	pthread_mutex_lock(&r->lock);
	e = tlb_lookup(r, iova);
	if (e && (!write || e->dirty)) {
		/* served from the IOTLB: the PTE is not touched */
		if (write) {
			r->hit_dirty++;
			/* D clear under a dirty entry: inside a harvest window */
			if (!pt_translate(r->d, iova, &x) && !x.dirty)
				r->stale_hits++;
		} else {
			r->hit_clean++;
		}
	} else {
		if (pt_hw_access(r->d, iova, write ? PT_PROT_WRITE : PT_PROT_READ, &x))
			abort();
		if (e) {
			r->hit_clean++;		/* clean entry, now written */
		} else {
			r->misses++;
			if (r->tlb_n)
				e = &r->tlb[rng_below(seed, r->tlb_n)];
		}
		if (e)
			*e = (struct tlb_entry){ .iova = x.iova, .size = x.size,
						 .valid = true, .dirty = x.dirty };
	}
	pthread_mutex_unlock(&r->lock);
	if (write) {
		__atomic_store_n(&r->note[p], d + 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&r->writes, 1, __ATOMIC_RELAXED);
	}
}

static void *race_writer(void *arg)
{
	struct race *r = arg;
	u64 seed = r->seed;

	while (!r->stop) {
		u64 p = rng_below(&seed, 100) < HOT_PCT ?
			rng_below(&seed, HOT_PAGES) : rng_below(&seed, RACE_PAGES);

		race_access(r, p, rng_below(&seed, 4) != 0, &seed);
	}
	return NULL;
}

static void tlb_invalidate(struct race *r, u64 iova, u64 len)
{
	unsigned int i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->tlb_n; i++) {
		struct tlb_entry *e = &r->tlb[i];

		if (e->valid && e->iova < iova + len && iova < e->iova + e->size) {
			e->valid = false;
			r->dropped++;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

/*
 * Harvest round @iter: returns the writes (pages) it finds lost, i.e.
 * noted before the round started and not reported by a round after the
 * one that was done when they began.
 */
static u64 race_round(struct race *r, struct runlog *l, u64 iter)
{
	struct pt_dirty_sink s = runlog_sink(l);
	u64 p, k, lost = 0;

	for (p = 0; p < RACE_PAGES; p++)
		r->snap[p] = __atomic_exchange_n(&r->note[p], 0, __ATOMIC_SEQ_CST);
	runlog_reset(l);
	ASSERT_OK(pt_read_and_clear_dirty(r->d, 0, RACE_PAGES * r->g, 0, &s,
					  NULL));
	for (k = 0; k < l->nruns; k++)
		for (p = l->runs[k].iova / r->g;
		     p < (l->runs[k].iova + l->runs[k].len) / r->g; p++)
			r->last_report[p] = iter;
	/* widen the window between clear and invalidation */
	sched_yield();
	if (!r->skip_invalidate)
		for (k = 0; k < l->ncleared; k++)
			tlb_invalidate(r, l->cleared[k].iova, l->cleared[k].len);
	__atomic_store_n(&r->done, iter, __ATOMIC_SEQ_CST);
	for (p = 0; p < RACE_PAGES; p++)
		if (r->snap[p] && r->last_report[p] < r->snap[p])
			lost++;
	return lost;
}

/*
 * Rounds against the writer thread: at least 300 rounds overlapping 20000
 * writes; with @until_lost, until a lost write is seen (bounded).
 */
static u64 race_run(struct race *r, bool until_lost)
{
	struct runlog l;
	pthread_t th;
	u64 iter, lost = 0;

	runlog_init(&l);
	ASSERT_EQ(pthread_create(&th, NULL, race_writer, r), 0);
	for (iter = 1; iter < 1000000; iter++) {
		lost += race_round(r, &l, iter);
		if (iter >= 300 &&
		    __atomic_load_n(&r->writes, __ATOMIC_RELAXED) >= 20000 &&
		    (!until_lost || lost))
			break;
	}
	r->stop = 1;
	pthread_join(th, NULL);
	/* writes noted after the last round: one more round must find them */
	lost += race_round(r, &l, iter + 1);
	runlog_free(&l);
	return lost;
}

TEST(concurrent_iommu_vs_harvest_no_iotlb)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 lost;

		race_init(&R, f, 0);
		lost = race_run(&R, false);
		CHECK_MSG(lost == 0, "%s: %" PRIu64 " lost writes",
			  pt_format_name(f), lost);
		CHECK(R.writes >= 20000);
		race_fini(&R);
	}
}

TEST(concurrent_iotlb_vs_harvest_no_lost_write)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 lost;

		race_init(&R, f, TLB_ENTRIES);
		lost = race_run(&R, false);
		th_diag("%s: %" PRIu64 " writes, IOTLB %" PRIu64 " dirty hits "
			"(%" PRIu64 " inside a harvest window), %" PRIu64
			" clean hits, %" PRIu64 " misses, %" PRIu64 " dropped",
			pt_format_name(f), R.writes, R.hit_dirty, R.stale_hits,
			R.hit_clean, R.misses, R.dropped);
		CHECK_MSG(lost == 0, "%s: %" PRIu64 " lost writes",
			  pt_format_name(f), lost);
		CHECK(R.writes >= 20000);
		/* the IOTLB paths were taken */
		CHECK(R.hit_dirty > 0);
		CHECK(R.dropped > 0);
		race_fini(&R);
	}
}

/*
 * The checker itself, on a fixed single-threaded sequence: a write
 * through an entry left cached dirty after its D was cleared is lost
 * when the invalidation is skipped, and found when it is not.
 */
TEST(iotlb_checker_sees_stale_entry_loss)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		struct runlog l;
		u64 seed = 1, iter = 0, p = 5;

		runlog_init(&l);
		race_init(&R, f, TLB_ENTRIES);
		/* miss: D set, cached dirty; the round reports it, invalidates */
		race_access(&R, p, true, &seed);
		CHECK_EQ(race_round(&R, &l, ++iter), 0);
		CHECK_EQ(R.last_report[p], iter);
		/* the entry is gone: the next write walks and sets D again */
		race_access(&R, p, true, &seed);
		CHECK_EQ(R.misses, 2);
		CHECK_EQ(race_round(&R, &l, ++iter), 0);
		CHECK_EQ(R.last_report[p], iter);

		/* now skip the invalidation: the entry stays cached dirty */
		race_access(&R, p, true, &seed);
		R.skip_invalidate = true;
		CHECK_EQ(race_round(&R, &l, ++iter), 0);	/* reports it */
		race_access(&R, p, true, &seed);		/* D untouched */
		CHECK_EQ(R.hit_dirty, 1);
		CHECK_EQ(race_round(&R, &l, ++iter), 1);	/* lost */
		CHECK_EQ(R.last_report[p], iter - 1);

		/*
		 * A later safe round clears nothing, so it does not drop the
		 * stale entry either: the damage lasts until the entry goes.
		 */
		R.skip_invalidate = false;
		race_access(&R, p, true, &seed);
		CHECK_EQ(R.hit_dirty, 2);
		CHECK_EQ(race_round(&R, &l, ++iter), 1);
		/* after a full invalidation the sequence loses nothing */
		tlb_invalidate(&R, 0, RACE_PAGES * R.g);
		race_access(&R, p, true, &seed);
		CHECK_EQ(race_round(&R, &l, ++iter), 0);
		race_access(&R, p, true, &seed);
		CHECK_EQ(race_round(&R, &l, ++iter), 0);
		CHECK_EQ(R.last_report[p], iter);
		race_fini(&R);
		runlog_free(&l);
	}
}

/* Negative control with the writer thread: skipping loses writes. */
TEST(concurrent_iotlb_skip_invalidate_loses_writes)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 lost;

		race_init(&R, f, TLB_ENTRIES);
		R.skip_invalidate = true;
		lost = race_run(&R, true);
		th_diag("%s (invalidation skipped): %" PRIu64 " writes, %"
			PRIu64 " lost", pt_format_name(f), R.writes, lost);
		CHECK_MSG(lost > 0, "%s: the checker saw no lost write",
			  pt_format_name(f));
		race_fini(&R);
	}
}

TEST(no_leaks)
{
	CHECK_EQ(pt_host_tables_live, 0);
}

TEST_MAIN("race")
