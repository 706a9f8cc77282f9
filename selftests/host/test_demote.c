// SPDX-License-Identifier: GPL-2.0
/*
 * Demoting 2 MiB leaves into 4 KiB leaves (kmod/pt/pt_demote.c) on the
 * formats that have them (AMD v1, VT-d second stage, ARM LPAE).
 *
 *  - inherit: every new leaf keeps the old one's pa, permissions, dirty
 *    and accessed state; a dirty 2 MiB leaf harvests as 512 dirty 4 KiB
 *    pages, after that a write dirties one 4 KiB page only; a read-only
 *    leaf stays read-only; tables are accounted and freed;
 *  - errors: each documented errno, and a failure leaves the table as it
 *    was (tree hash, no leaked table);
 *  - install window (deterministic): the IOMMU sets D in the leaf between
 *    the copy and the install (pt_host_demote_hook): the compare-and-
 *    exchange fails, the copy is redone, the 4 KiB leaves are dirty;
 *  - stale leaf (deterministic): the leaf is demoted between the IOMMU
 *    model's walk and its update (pt_host_access_hook): it walks again and
 *    the write dirties the new 4 KiB leaf;
 *  - race: a thread plays the IOMMU (pt_hw_access writes at random pages
 *    of the leaf being demoted, which the main thread has just harvested
 *    clean); every page written is reported by some harvest: 0 lost (and
 *    with the plain-store install, writes are lost: race_negative);
 *  - pruning: with PT_DIRTY_PRUNE harvests the demoted, inherited-dirty
 *    leaves are reported (the new table entry is created accessed).
 * Each guarantee has a negative control (pt_host_demote_bugs) that breaks
 * it and must make the same check fail: PLAIN_STORE (install window and
 * race), NO_INHERIT, NO_REWALK, NO_TABLE_A (pruning).
 */
#include <pthread.h>
#include <stdlib.h>
#include "harness.h"
#include "pt_priv.h"
#include "ptutil.h"

#define RW	(PT_PROT_READ | PT_PROT_WRITE)
#define K4	(1ULL << 12)
#define M2	(1ULL << 21)
#define BASE	(1ULL << 30)		/* IOVA of the first leaf */
#define PA	(1ULL << 32)		/* its pa (never dereferenced) */
#define NLEAF	8

static const enum pt_format huge_fmts[] = {
	PT_FMT_AMDV1, PT_FMT_VTDSS, PT_FMT_ARMV8,
};
#define FOR_EACH_FMT(f) \
	for (unsigned int _i = 0; _i < 3 && ((f) = huge_fmts[_i], 1); _i++)

static void noop_a_cleared(void *arg, u64 iova, u64 len)
{
	(void)arg; (void)iova; (void)len;
}

static void setup(struct pt_domain *d, enum pt_format f, unsigned int n,
		  unsigned int prot)
{
	ASSERT_OK(pt_domain_init(d, f, 48, pt_format_pgsizes(f) &
				 (K4 | M2 | (1ULL << 30))));
	ASSERT_OK(pt_map(d, BASE, PA, n * M2, prot, M2, 0));
}

/* Harvest [BASE, +n 2 MiB) at 4 KiB into @bm (ORed); returns dirty pages. */
static u64 harvest(struct pt_domain *d, unsigned int n, u8 *bm,
		   unsigned int flags)
{
	struct pt_dirty_sink s = {};
	struct pt_dirty_stats st = {};
	struct pt_bitmap b;
	u64 i, cnt = 0;

	ASSERT_OK(pt_bitmap_init(&b, bm, BASE, n * M2, K4));
	s.bitmap = &b;
	if (flags & PT_DIRTY_PRUNE)
		s.table_a_cleared = noop_a_cleared;
	ASSERT_OK(pt_read_and_clear_dirty(d, BASE, n * M2, flags, &s, &st));
	for (i = 0; i < n * M2 / K4; i++)
		cnt += bm[i / 8] >> (i % 8) & 1;
	return cnt;
}

struct leafchk {
	u64 n, pa_bad, size_bad, prot_bad, dirty, accessed;
	u64 pa0;
	unsigned int prot;
};

static int leafchk_fn(void *arg, const struct pt_xlate *x)
{
	struct leafchk *c = arg;

	if (x->size != K4)
		c->size_bad++;
	if (x->pa != c->pa0 + c->n * K4)
		c->pa_bad++;
	if (x->prot != c->prot)
		c->prot_bad++;
	c->dirty += x->dirty;
	c->accessed += x->accessed;
	c->n++;
	return 0;
}

static struct leafchk check_leaf(struct pt_domain *d, unsigned int k,
				 unsigned int prot)
{
	struct leafchk c = { .pa0 = PA + k * M2, .prot = prot };

	ASSERT_OK(pt_for_each_leaf(d, BASE + k * M2, M2, leafchk_fn, &c));
	return c;
}

TEST(inherit)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		long live0 = pt_host_tables_live;
		static u8 bm[NLEAF * 512 / 8];
		struct pt_domain d;
		struct pt_xlate x;
		struct leafchk c;
		u64 tables;
		unsigned int k;

		setup(&d, f, 4, RW);
		ASSERT_OK(pt_map(&d, BASE + 4 * M2, PA + 4 * M2, M2,
				 PT_PROT_READ, M2, 0));
		ASSERT_OK(pt_hw_access(&d, BASE + 5 * K4 + 3, RW, NULL));
		ASSERT_OK(pt_hw_access(&d, BASE + M2 + 9 * K4, PT_PROT_READ,
				       NULL));
		tables = d.nr_tables;
		for (k = 0; k < 5; k++)
			ASSERT_OK(pt_demote(&d, BASE + k * M2));
		CHECK_EQ(d.nr_tables, tables + 5);
		CHECK_ERR(pt_demote(&d, BASE), EINVAL);	/* already 4 KiB */

		c = check_leaf(&d, 0, RW);
		CHECK_EQ(c.n, 512);
		CHECK_EQ(c.size_bad + c.pa_bad + c.prot_bad, 0);
		CHECK_EQ(c.dirty, 512);
		CHECK_EQ(c.accessed, 512);
		c = check_leaf(&d, 1, RW);
		CHECK_EQ(c.n, 512);
		CHECK_EQ(c.dirty, 0);
		/* ARM leaves are mapped with AF set */
		CHECK_EQ(c.accessed, 512);
		c = check_leaf(&d, 2, RW);
		CHECK_EQ(c.dirty, 0);
		CHECK_EQ(c.accessed, f == PT_FMT_ARMV8 ? 512 : 0);
		c = check_leaf(&d, 4, PT_PROT_READ);
		CHECK_EQ(c.n, 512);
		CHECK_EQ(c.size_bad + c.pa_bad + c.prot_bad, 0);
		CHECK_ERR(pt_hw_access(&d, BASE + 4 * M2 + K4, PT_PROT_WRITE,
				       NULL), EACCES);

		/* the dirty 2 MiB leaf harvests as 512 pages, once */
		memset(bm, 0, sizeof(bm));
		CHECK_EQ(harvest(&d, 5, bm, 0), 512);
		memset(bm, 0, sizeof(bm));
		CHECK_EQ(harvest(&d, 5, bm, 0), 0);
		/* from now on a write dirties 4 KiB */
		ASSERT_OK(pt_hw_access(&d, BASE + M2 + 77 * K4, PT_PROT_WRITE,
				       &x));
		CHECK_EQ(x.size, K4);
		CHECK_EQ(x.pa, PA + M2 + 77 * K4);
		CHECK(x.dirty);
		memset(bm, 0, sizeof(bm));
		CHECK_EQ(harvest(&d, 5, bm, 0), 1);
		CHECK(bm[(512 + 77) / 8] >> ((512 + 77) % 8) & 1);
		pt_domain_destroy(&d);
		CHECK_EQ(pt_host_tables_live, live0);
	}
}

/* Negative control: without inheritance the dirty leaf's state is lost. */
TEST(inherit_negative)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		static u8 bm[512 / 8];
		struct pt_domain d;
		u64 got;

		setup(&d, f, 1, RW);
		ASSERT_OK(pt_hw_access(&d, BASE + 7, PT_PROT_WRITE, NULL));
		pt_host_demote_bugs = PT_DEMOTE_BUG_NO_INHERIT;
		ASSERT_OK(pt_demote(&d, BASE));
		pt_host_demote_bugs = 0;
		memset(bm, 0, sizeof(bm));
		got = harvest(&d, 1, bm, 0);
		CHECK_MSG(got == 0, "%s: broken demote still reported %llu",
			  pt_format_name(f), (unsigned long long)got);
		pt_domain_destroy(&d);
	}
}

TEST(errors)
{
	struct pt_domain d;
	enum pt_format f;
	u64 h, n;

	ASSERT_OK(pt_domain_init(&d, PT_FMT_MOCK, 40,
				 pt_format_pgsizes(PT_FMT_MOCK)));
	ASSERT_OK(pt_map(&d, BASE, PA, 1ULL << 20, RW, 0, 0));
	CHECK_ERR(pt_demote(&d, BASE), EOPNOTSUPP);
	CHECK_ERR(pt_demote_range(&d, BASE, M2, &n), EOPNOTSUPP);
	pt_domain_destroy(&d);

	FOR_EACH_FMT(f) {
		long live0 = pt_host_tables_live;

		setup(&d, f, 2, RW);
		ASSERT_OK(pt_map(&d, BASE + 4 * M2, PA + 4 * M2, M2, RW, K4, 0));
		ASSERT_OK(pt_map(&d, 1ULL << 31, 1ULL << 33, 1ULL << 30, RW,
				 1ULL << 30, 0));
		h = pt_tree_hash(&d);
		CHECK_ERR(pt_demote(&d, BASE + K4), EINVAL);
		CHECK_ERR(pt_demote(&d, BASE + 4 * M2), EINVAL);  /* 4 KiB */
		CHECK_ERR(pt_demote(&d, 1ULL << 31), EINVAL);	  /* 1 GiB */
		CHECK_ERR(pt_demote(&d, BASE + 3 * M2), ENOENT);
		CHECK_ERR(pt_demote(&d, 1ULL << 48), ERANGE);
		pt_host_fail_after = 0;
		CHECK_ERR(pt_demote(&d, BASE), ENOMEM);
		CHECK_ERR(pt_demote_range(&d, BASE, 2 * M2, &n), ENOMEM);
		CHECK_EQ(n, 0);
		pt_host_fail_after = -1;
		CHECK_EQ(pt_tree_hash(&d), h);
		CHECK_ERR(pt_demote_range(&d, BASE, 0, &n), ENODATA);
		/* skips holes and other sizes, counts what it demoted */
		CHECK_OK(pt_demote_range(&d, BASE - M2, 8 * M2, &n));
		CHECK_EQ(n, 2);
		CHECK_NE(pt_tree_hash(&d), h);
		pt_domain_destroy(&d);
		CHECK_EQ(pt_host_tables_live, live0);
	}
}

/* ---- the IOMMU inside demote's copy-to-install window ---- */

static struct pt_domain *hook_d;
static u64 hook_iova;
static int hook_calls;

static void write_in_window(u64 *ptep)
{
	(void)ptep;
	if (hook_calls++)
		return;
	CHECK_OK(pt_hw_access(hook_d, hook_iova, PT_PROT_WRITE, NULL));
}

/* returns the pages the harvest after the demote reported */
static u64 window_case(enum pt_format f, unsigned int bugs)
{
	static u8 bm[512 / 8];
	struct pt_domain d;
	long r0 = pt_host_demote_retries;
	u64 got;

	setup(&d, f, 1, RW);
	hook_d = &d;
	hook_iova = BASE + 300 * K4 + 5;
	hook_calls = 0;
	pt_host_demote_hook = write_in_window;
	pt_host_demote_bugs = bugs;
	CHECK_OK(pt_demote(&d, BASE));
	pt_host_demote_bugs = 0;
	pt_host_demote_hook = NULL;
	CHECK_EQ(pt_host_demote_retries - r0, bugs ? 0 : 1);
	memset(bm, 0, sizeof(bm));
	got = harvest(&d, 1, bm, 0);
	pt_domain_destroy(&d);
	return got;
}

TEST(install_window)
{
	enum pt_format f;

	FOR_EACH_FMT(f)
		CHECK_EQ(window_case(f, 0), 512);
}

TEST(install_window_negative)
{
	enum pt_format f;

	/* a plain store installs the stale copy: the write is lost */
	FOR_EACH_FMT(f)
		CHECK_EQ(window_case(f, PT_DEMOTE_BUG_PLAIN_STORE), 0);
}

/* ---- demote between the IOMMU's walk and its update ---- */

static void demote_in_walk(u64 iova)
{
	(void)iova;
	if (hook_calls++)
		return;
	CHECK_OK(pt_demote(hook_d, BASE));
}

static u64 stale_case(enum pt_format f, unsigned int bugs, u64 *rewalks)
{
	static u8 bm[512 / 8];
	struct pt_domain d;
	long w0 = pt_host_rewalks;
	u64 got, n = 0;

	setup(&d, f, 1, RW);
	hook_d = &d;
	hook_calls = 0;
	pt_host_access_hook = demote_in_walk;
	pt_host_demote_bugs = bugs;
	CHECK_OK(pt_hw_access(&d, BASE + 41 * K4 + 1, PT_PROT_WRITE, NULL));
	CHECK_OK(pt_mark_dirty(&d, BASE + 42 * K4));
	pt_host_access_hook = NULL;
	pt_set_dirty_range(&d, BASE + 43 * K4, K4);
	pt_host_demote_bugs = 0;
	*rewalks = pt_host_rewalks - w0;
	CHECK(hook_calls >= 1);	/* again on the re-walk */
	memset(bm, 0, sizeof(bm));
	got = harvest(&d, 1, bm, 0);
	n = (bm[41 / 8] >> (41 % 8) & 1) + (bm[42 / 8] >> (42 % 8) & 1) +
	    (bm[43 / 8] >> (43 % 8) & 1);
	CHECK_MSG(got == n, "only the written pages: %llu, %llu",
		  (unsigned long long)got, (unsigned long long)n);
	pt_domain_destroy(&d);
	return bm[41 / 8] >> (41 % 8) & 1;
}

TEST(stale_leaf)
{
	enum pt_format f;
	u64 w;

	FOR_EACH_FMT(f) {
		CHECK_EQ(stale_case(f, 0, &w), 1);
		CHECK_EQ(w, 1);
	}
}

TEST(stale_leaf_negative)
{
	enum pt_format f;
	u64 w;

	/* the update lands in the new table entry: the write is lost */
	FOR_EACH_FMT(f) {
		CHECK_EQ(stale_case(f, PT_DEMOTE_BUG_NO_REWALK, &w), 0);
		CHECK_EQ(w, 0);
	}
}

/* ---- a thread playing the IOMMU while leaves are harvested and demoted ---- */

#define RACE_LEAVES	64
#define RACE_PAGES	(RACE_LEAVES * 512)

struct race {
	struct pt_domain *d;
	volatile int stop;
	volatile int target;		/* leaf being demoted */
	u64 seed;
	u8 written[RACE_PAGES / 8];	/* set after each completed write */
	u64 writes;
};

static void *iommu_thread(void *arg)
{
	struct race *r = arg;
	u64 s = r->seed;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		/* mostly the leaf being demoted, sometimes anywhere */
		u64 p = rng_below(&s, 8) ?
			(u64)__atomic_load_n(&r->target, __ATOMIC_RELAXED) *
			512 + rng_below(&s, 512) : rng_below(&s, RACE_PAGES);

		if (!pt_hw_access(r->d, BASE + p * K4, PT_PROT_WRITE, NULL)) {
			__atomic_fetch_or(&r->written[p / 8], 1u << (p % 8),
					  __ATOMIC_RELEASE);
			r->writes++;
		}
	}
	return NULL;
}

/* Returns the pages written and never reported. */
static u64 race_run(enum pt_format f, unsigned int bugs, unsigned int rounds,
		    u64 *retries, u64 *rewalks)
{
	static u8 rep[RACE_PAGES / 8], tmp[RACE_PAGES / 8];
	struct pt_domain d;
	long r0 = pt_host_demote_retries, w0 = pt_host_rewalks;
	static struct race r;
	u64 lost = 0, i;
	unsigned int round, k;
	pthread_t th;

	memset(rep, 0, sizeof(rep));
	for (round = 0; round < rounds; round++) {
		memset(&r, 0, sizeof(r));
		setup(&d, f, RACE_LEAVES, RW);
		r.d = &d;
		r.seed = 0x5eed + round * 131 + f;
		ASSERT_OK(pthread_create(&th, NULL, iommu_thread, &r));
		for (k = 0; k < RACE_LEAVES; k++) {
			struct pt_dirty_sink s = {};
			struct pt_bitmap b;

			__atomic_store_n(&r.target, k, __ATOMIC_RELAXED);
			/* harvest the leaf clean, let the IOMMU race the demote */
			ASSERT_OK(pt_bitmap_init(&b, rep, BASE, RACE_LEAVES * M2,
						 K4));
			s.bitmap = &b;
			ASSERT_OK(pt_read_and_clear_dirty(&d, BASE + k * M2, M2,
							  0, &s, NULL));
			pt_host_demote_bugs = bugs;
			ASSERT_OK(pt_demote(&d, BASE + k * M2));
			pt_host_demote_bugs = 0;
		}
		__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		memset(tmp, 0, sizeof(tmp));
		harvest(&d, RACE_LEAVES, tmp, 0);
		for (i = 0; i < sizeof(rep); i++) {
			lost += __builtin_popcount(r.written[i] &
						   ~(rep[i] | tmp[i]));
			rep[i] = 0;
		}
		pt_domain_destroy(&d);
	}
	*retries = pt_host_demote_retries - r0;
	*rewalks = pt_host_rewalks - w0;
	return lost;
}

TEST(race)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 retries, rewalks, lost;

		lost = race_run(f, 0, 100, &retries, &rewalks);
		th_diag("%s: %u demotes raced by a writer thread: %llu lost, %llu installs retried, %llu re-walks",
			pt_format_name(f), 100 * RACE_LEAVES,
			(unsigned long long)lost, (unsigned long long)retries,
			(unsigned long long)rewalks);
		CHECK_EQ(lost, 0);
	}
}

/*
 * Negative control of the race itself: with a plain store instead of the
 * compare-and-exchange, the same writer thread makes demotes lose writes
 * (summed over the formats: one format's 100 rounds sometimes miss the
 * window, all three together did not in any run so far).
 */
TEST(race_negative)
{
	enum pt_format f;
	u64 total = 0;

	FOR_EACH_FMT(f) {
		u64 retries, rewalks, lost;

		lost = race_run(f, PT_DEMOTE_BUG_PLAIN_STORE, 100, &retries,
				&rewalks);
		th_diag("%s: plain-store install: %llu written pages lost",
			pt_format_name(f), (unsigned long long)lost);
		total += lost;
	}
	CHECK_NE(total, 0);
}

/* ---- pruning harvests and the demoted table entry's accessed bit ---- */

/* returns the pages the pruning harvest after the demote reported */
static u64 prune_case(enum pt_format f, unsigned int bugs)
{
	static u8 bm[4 * 512 / 8];
	struct pt_domain d;
	u64 got;

	setup(&d, f, 4, RW);
	/* a harvest clears the table A bits on every walked path */
	memset(bm, 0, sizeof(bm));
	harvest(&d, 4, bm, PT_DIRTY_PRUNE);
	ASSERT_OK(pt_hw_access(&d, BASE + 2 * M2 + 9, PT_PROT_WRITE, NULL));
	memset(bm, 0, sizeof(bm));
	CHECK_EQ(harvest(&d, 4, bm, PT_DIRTY_PRUNE), 512);
	/* dirty again, then demoted: 512 inherited dirty 4 KiB leaves */
	ASSERT_OK(pt_hw_access(&d, BASE + 2 * M2 + 100 * K4, PT_PROT_WRITE,
			       NULL));
	pt_host_demote_bugs = bugs;
	ASSERT_OK(pt_demote(&d, BASE + 2 * M2));
	pt_host_demote_bugs = 0;
	memset(bm, 0, sizeof(bm));
	got = harvest(&d, 4, bm, PT_DIRTY_PRUNE);
	/* and the next write after that is found too */
	if (!bugs) {
		ASSERT_OK(pt_hw_access(&d, BASE + 2 * M2 + 5 * K4,
				       PT_PROT_WRITE, NULL));
		memset(bm, 0, sizeof(bm));
		CHECK_EQ(harvest(&d, 4, bm, PT_DIRTY_PRUNE), 1);
	}
	pt_domain_destroy(&d);
	return got;
}

TEST(prune)
{
	enum pt_format f;

	FOR_EACH_FMT(f)
		CHECK_EQ(prune_case(f, 0), 512);
}

TEST(prune_negative)
{
	enum pt_format f;

	/* ARM has no non-leaf accessed bit: nothing to break there */
	FOR_EACH_FMT(f)
		CHECK_EQ(prune_case(f, PT_DEMOTE_BUG_NO_TABLE_A),
			 f == PT_FMT_ARMV8 ? 512 : 0);
}

TEST_MAIN("demote")
