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
 *
 * Plain-store clearing (pt_fmt.h pt_e_clean()): the walker clears an
 * entry it saw dirty *and accessed* with a plain store, any other dirty
 * entry with an atomic RMW.  Two tests play the IOMMU inside the window
 * between the walker's read and its store (pt_host_clean_hook): one
 * deterministic, per format and entry state (AMD replicas included), and
 * one with a thread setting A/D concurrently while every round makes
 * some entries dirty-but-unaccessed again.  Both check that no update
 * the IOMMU made is lost (A/AF stays set once set; the write oracle
 * above covers D, and its rounds now clear settled entries with plain
 * stores).  The negative control (pt_host_plain_unsafe: a plain store
 * even when A was clear) must make both lose the IOMMU's A.
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

/* ---- plain-store clearing against the IOMMU in the window ---- */

#define PW_PAGES	64
#define PW_SLOTS	(PW_PAGES + 4)

/*
 * What the IOMMU does inside the walker's read-to-store window: for the
 * entry at pw_ptep[i], an access of kind pw_acc[i] (0: none) at pw_iova[i].
 */
static struct pt_domain *pw_d;
static u64 *pw_ptep[PW_SLOTS];
static u64 pw_iova[PW_SLOTS];
static unsigned int pw_acc[PW_SLOTS];
static unsigned int pw_n, pw_hook_calls;

static void pw_hook(u64 *p)
{
	unsigned int i;

	pw_hook_calls++;
	for (i = 0; i < pw_n; i++)
		if (pw_ptep[i] == p && pw_acc[i])
			ASSERT_OK(pt_hw_access(pw_d, pw_iova[i], pw_acc[i], NULL));
}

/* the entry is dirty, and not accessed (A/AF clear): IOMMU can still set A */
static void make_dirty_unaccessed(enum pt_format f, u64 *p)
{
	u64 old = READ_ONCE(*p), new;

	do {
		ASSERT_OK(pt_e_set_dirty(f, old, &new));
		new &= ~pt_accessed_bit(f);
	} while (!pt_cmpxchg64(p, &old, new));
}

static u64 *entry_of(struct pt_domain *d, u64 iova)
{
	struct pt_leafref r;

	ASSERT_OK(pt_find_leaf(d, iova, &r));
	return r.ptep;
}

/*
 * One harvest with the IOMMU acting in the window.  Page i's state
 * before the harvest, by i % 4: 0 read (accessed, clean), 1 written
 * (accessed, dirty: settled), 2 dirty but unaccessed, then read in the
 * window, 3 dirty but unaccessed, then written in the window; settled
 * entries are also written in the window (nothing left to set).  For
 * AMD, a 16 KiB page-size-encoded leaf whose replica 0 is settled and
 * replica 2 dirty-unaccessed, read in the window.  Returns how many
 * entries the IOMMU accessed that lost A/AF, or are still dirty.
 */
static unsigned int plain_window_round(enum pt_format f, bool unsafe)
{
	struct pt_domain d;
	struct runlog l;
	struct pt_dirty_sink s;
	u64 g, i, bad = 0, big = 0;
	unsigned int k;

	ASSERT_OK(pt_domain_init(&d, f, 40, pt_format_pgsizes(f)));
	g = 1ULL << d.granule_shift;
	ASSERT_OK(pt_map(&d, 0, 0, PW_PAGES * g, RW, g, 0));
	pw_d = &d;
	pw_n = 0;
	for (i = 0; i < PW_PAGES; i++) {
		u64 *p = entry_of(&d, i * g + 8);

		switch (i % 4) {
		case 0:
			ASSERT_OK(pt_hw_access(&d, i * g, PT_PROT_READ, NULL));
			break;
		case 1:
			ASSERT_OK(pt_hw_access(&d, i * g, PT_PROT_WRITE, NULL));
			break;
		default:
			make_dirty_unaccessed(f, p);
			break;
		}
		pw_ptep[pw_n] = p;
		pw_iova[pw_n] = i * g + 8;
		pw_acc[pw_n++] = i % 4 == 2 ? PT_PROT_READ :
				 i % 4 == 0 ? 0 : PT_PROT_WRITE;
	}
	if (f == PT_FMT_AMDV1) {
		big = 1ULL << 30;
		ASSERT_OK(pt_map(&d, big, 0, 16384, RW, 16384, 0));
		ASSERT_OK(pt_hw_access(&d, big, PT_PROT_WRITE, NULL));
		make_dirty_unaccessed(f, entry_of(&d, big + 2 * 4096));
		for (k = 0; k < 4; k++) {
			pw_ptep[pw_n] = entry_of(&d, big + k * 4096);
			pw_iova[pw_n] = big + k * 4096;
			pw_acc[pw_n++] = k == 2 ? PT_PROT_READ : 0;
		}
	}

	runlog_init(&l);
	s = runlog_sink(&l);
	pt_host_plain_unsafe = unsafe;
	pt_host_clean_hook = pw_hook;
	pw_hook_calls = 0;
	ASSERT_OK(pt_read_and_clear_dirty(&d, 0, PW_PAGES * g, 0, &s, NULL));
	if (big)
		ASSERT_OK(pt_read_and_clear_dirty(&d, big, 16384, 0, &s, NULL));
	pt_host_clean_hook = NULL;
	pt_host_plain_unsafe = false;
	/* the hook ran once per dirty entry the walker cleared */
	CHECK_EQ(pw_hook_calls, PW_PAGES / 4 * 3 + (big ? 2 : 0));

	for (i = 0; i < pw_n; i++) {
		u64 e = READ_ONCE(*pw_ptep[i]);
		bool accessed_before = i < PW_PAGES ? i % 4 < 2 : i == PW_PAGES;

		if ((pw_acc[i] || accessed_before) && !pt_e_accessed(f, e))
			bad++;
		if (pt_e_dirty(f, e))
			bad++;
	}
	/* every dirty page reported, clean ones not */
	for (i = 0; i < PW_PAGES; i++) {
		bool rep = false;

		for (k = 0; k < l.nruns; k++)
			rep |= i * g - l.runs[k].iova < l.runs[k].len;
		CHECK_EQ(rep, i % 4 != 0);
	}
	runlog_free(&l);
	pt_domain_destroy(&d);
	return bad;
}

TEST(plain_store_window_keeps_iommu_updates)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		unsigned int bad = plain_window_round(f, false);

		CHECK_MSG(bad == 0, "%s: %u entries lost an IOMMU update",
			  pt_format_name(f), bad);
	}
}

/* negative control: a plain store of an unaccessed entry drops the A set */
TEST(plain_store_window_unsafe_loses_accessed)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		unsigned int bad = plain_window_round(f, true);

		th_diag("%s (plain store even when A clear): %u entries lost A",
			pt_format_name(f), bad);
		CHECK_MSG(bad > 0, "%s: the check saw no lost update",
			  pt_format_name(f));
	}
}

/*
 * The same against a thread: the IOMMU reads and writes HOT_PAGES pages
 * without pause, walking the table every time (no IOTLB), while each
 * round first makes every hot page dirty-but-unaccessed again (A clear:
 * the state where only the atomic is right), then harvests them with a
 * short spin in the window.  An access that began after the page's A was
 * cleared (acc_gen == gen) and has finished must find A set after the
 * harvest: nobody but the test clears A.
 */
struct acc_race {
	struct pt_domain *d;
	u64 g;
	volatile int stop;
	u64 gen[HOT_PAGES];		/* rounds that cleared A of the page */
	u64 acc_gen[HOT_PAGES];		/* gen seen by the last finished access */
	u64 accesses;
};

static struct acc_race AR;

static void *acc_writer(void *arg)
{
	struct acc_race *a = arg;
	u64 seed = 7;

	while (!a->stop) {
		u64 p = rng_below(&seed, HOT_PAGES);
		u64 gen = __atomic_load_n(&a->gen[p], __ATOMIC_SEQ_CST);
		unsigned int acc = rng_below(&seed, 2) ? PT_PROT_WRITE :
							  PT_PROT_READ;

		if (pt_hw_access(a->d, p * a->g, acc, NULL))
			abort();
		__atomic_store_n(&a->acc_gen[p], gen, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&a->accesses, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void acc_spin_hook(u64 *p)
{
	unsigned int i;

	(void)p;
	for (i = 0; i < 1000; i++)
		__asm__ __volatile__("" ::: "memory");
}

static u64 acc_race_run(enum pt_format f, bool unsafe, u64 *rounds)
{
	struct pt_domain d;
	pthread_t th;
	u64 lost = 0, iter, p;

	memset(&AR, 0, sizeof(AR));
	ASSERT_OK(pt_domain_init(&d, f, 40, pt_format_pgsizes(f)));
	AR.d = &d;
	AR.g = 1ULL << d.granule_shift;
	ASSERT_OK(pt_map(&d, 0, 0, HOT_PAGES * AR.g, RW, AR.g, 0));
	ASSERT_EQ(pthread_create(&th, NULL, acc_writer, &AR), 0);
	pt_host_clean_hook = acc_spin_hook;
	pt_host_plain_unsafe = unsafe;
	for (iter = 1; iter <= 200000; iter++) {
		for (p = 0; p < HOT_PAGES; p++) {
			make_dirty_unaccessed(f, entry_of(&d, p * AR.g));
			__atomic_store_n(&AR.gen[p], iter, __ATOMIC_SEQ_CST);
		}
		ASSERT_OK(pt_read_and_clear_dirty(&d, 0, HOT_PAGES * AR.g, 0,
						  NULL, NULL));
		for (p = 0; p < HOT_PAGES; p++) {
			struct pt_xlate x;

			if (__atomic_load_n(&AR.acc_gen[p], __ATOMIC_SEQ_CST) != iter)
				continue;
			ASSERT_OK(pt_translate(&d, p * AR.g, &x));
			if (!x.accessed)
				lost++;
		}
		if (unsafe ? lost > 0 && iter >= 100 :
			     iter >= 2000 && AR.accesses >= 100000)
			break;
	}
	pt_host_clean_hook = NULL;
	pt_host_plain_unsafe = false;
	AR.stop = 1;
	pthread_join(th, NULL);
	*rounds = iter;
	pt_domain_destroy(&d);
	return lost;
}

TEST(concurrent_iommu_vs_plain_store_no_lost_accessed)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 rounds, lost = acc_race_run(f, false, &rounds);

		th_diag("%s: %" PRIu64 " rounds, %" PRIu64 " accesses, %"
			PRIu64 " lost A", pt_format_name(f), rounds,
			AR.accesses, lost);
		CHECK_MSG(lost == 0, "%s: %" PRIu64 " accessed states lost",
			  pt_format_name(f), lost);
	}
}

TEST(concurrent_plain_store_unsafe_loses_accessed)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 rounds, lost = acc_race_run(f, true, &rounds);

		th_diag("%s (plain store even when A clear): %" PRIu64
			" rounds, %" PRIu64 " lost A", pt_format_name(f),
			rounds, lost);
		CHECK_MSG(lost > 0, "%s: the checker saw no lost A",
			  pt_format_name(f));
	}
}

TEST(no_leaks)
{
	CHECK_EQ(pt_host_tables_live, 0);
}

TEST_MAIN("race")
