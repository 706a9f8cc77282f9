// SPDX-License-Identifier: GPL-2.0
/*
 * Targeted behaviour tests of the page-table core: map policy, unmap,
 * dirty reporting semantics (whole spans, replicas, ARM DBM/AP[2],
 * NO_CLEAR, straddling, sink errors), split, errno for every bad input
 * with an unchanged table, ENOMEM rollback and phantom TB-scale tables.
 * The concurrent IOMMU-vs-harvest race (with an IOTLB model) is in
 * test_race.c.
 */
#include <stdlib.h>
#include "harness.h"
#include "pt_priv.h"
#include "ptutil.h"

#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define RO PT_PROT_READ
#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)
#define TiB(x) ((u64)(x) << 40)

static const enum pt_format all_fmts[] = {
	PT_FMT_AMDV1, PT_FMT_VTDSS, PT_FMT_ARMV8, PT_FMT_MOCK,
};
#define FOR_EACH_FMT(f) \
	for (unsigned int _i = 0; _i < 4 && ((f) = all_fmts[_i], 1); _i++)

static struct pt_domain D;

static void setup(enum pt_format fmt, unsigned int va_bits, u64 bitmap)
{
	ASSERT_OK(pt_domain_init(&D, fmt, va_bits,
				 bitmap ? bitmap : pt_format_pgsizes(fmt)));
}

static u64 G(void)
{
	return 1ULL << D.granule_shift;
}

/* harvest into a fresh runlog */
static int harvest(struct runlog *l, u64 iova, u64 len, unsigned int flags,
		   struct pt_dirty_stats *st)
{
	struct pt_dirty_sink s = runlog_sink(l);

	runlog_reset(l);
	return pt_read_and_clear_dirty(&D, iova, len, flags, &s, st);
}

static void expect_runs(struct runlog *l, const u64 *v, unsigned int n)
{
	unsigned int i;

	ASSERT_EQ(l->nruns, n);
	for (i = 0; i < n; i++) {
		CHECK_EQ(l->runs[i].iova, v[2 * i]);
		CHECK_EQ(l->runs[i].len, v[2 * i + 1]);
	}
}

struct leaves {
	u64 iova[64], size[64];
	unsigned int n;
};

static int leaf_cb(void *arg, const struct pt_xlate *x)
{
	struct leaves *l = arg;

	if (l->n < 64) {
		l->iova[l->n] = x->iova;
		l->size[l->n] = x->size;
	}
	l->n++;
	return 0;
}

TEST(map_policy_largest_size)
{
	struct leaves l = { 0 };
	u64 un;

	/* VT-d: 2 MiB aligned 4 MiB + 8 KiB -> 2M, 2M, 4K, 4K */
	setup(PT_FMT_VTDSS, 48, 0);
	ASSERT_OK(pt_map(&D, MiB(2), GiB(1) + MiB(2), MiB(4) + KiB(8), RW, 0,
			 0));
	pt_for_each_leaf(&D, 0, GiB(1), leaf_cb, &l);
	ASSERT_EQ(l.n, 4);
	CHECK_EQ(l.size[0], MiB(2));
	CHECK_EQ(l.size[1], MiB(2));
	CHECK_EQ(l.size[2], KiB(4));
	CHECK_EQ(l.iova[3], MiB(6) + KiB(4));
	/* pa alignment limits the size: pa only 4 KiB aligned */
	ASSERT_OK(pt_map(&D, MiB(8), GiB(1) + KiB(4), MiB(2), RW, 0, 0));
	l.n = 0;
	pt_for_each_leaf(&D, MiB(8), MiB(2), leaf_cb, &l);
	CHECK_EQ(l.n, 512);
	/* forced size */
	ASSERT_OK(pt_map(&D, MiB(16), 0, MiB(4), RW, KiB(4), 0));
	l.n = 0;
	pt_for_each_leaf(&D, MiB(16), MiB(4), leaf_cb, &l);
	CHECK_EQ(l.n, 1024);
	ASSERT_OK(pt_unmap(&D, 0, GiB(1), &un));
	CHECK_EQ(un, MiB(4) + KiB(8) + MiB(2) + MiB(4));
	CHECK_EQ(D.nr_tables, 1);
	pt_domain_destroy(&D);

	/* AMD: 4 MiB is a size of its own (two replicated 2 MiB entries) */
	setup(PT_FMT_AMDV1, 48, 0);
	ASSERT_OK(pt_map(&D, MiB(4), MiB(4), MiB(4) + KiB(24), RW, 0, 0));
	l.n = 0;
	pt_for_each_leaf(&D, 0, GiB(1), leaf_cb, &l);
	ASSERT_EQ(l.n, 3);
	CHECK_EQ(l.size[0], MiB(4));
	CHECK_EQ(l.size[1], KiB(16));
	CHECK_EQ(l.size[2], KiB(8));
	/* a domain bitmap without 4M/16K/8K falls back to 2M and 4K */
	pt_domain_destroy(&D);
	setup(PT_FMT_AMDV1, 48, KiB(4) | MiB(2) | GiB(1));
	ASSERT_OK(pt_map(&D, MiB(4), MiB(4), MiB(4) + KiB(24), RW, 0, 0));
	l.n = 0;
	pt_for_each_leaf(&D, 0, GiB(1), leaf_cb, &l);
	CHECK_EQ(l.n, 2 + 6);
	CHECK_ERR(pt_map(&D, GiB(2), 0, MiB(4), RW, MiB(4), 0), EOPNOTSUPP);
	pt_domain_destroy(&D);
}

TEST(unmap_semantics)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 g, big, un = 7, h;

		setup(f, 40, 0);
		g = G();
		big = g << 9;
		ASSERT_OK(pt_map(&D, big, big, big, RW, 0, 0));
		ASSERT_OK(pt_map(&D, 4 * big, 0, 3 * g, RW, 0, 0));
		CHECK(D.nr_tables > 1);
		h = pt_tree_hash(&D);
		/* cutting the huge leaf: -EDOM, nothing changes */
		CHECK_ERR(pt_unmap(&D, big + g, g, &un), EDOM);
		CHECK_EQ(un, 0);
		CHECK_ERR(pt_unmap(&D, 0, big + g, &un), EDOM);
		CHECK_ERR(pt_unmap(&D, big + big - g, 2 * g, &un), EDOM);
		CHECK_EQ(pt_tree_hash(&D), h);
		/* only holes: -ENOENT */
		CHECK_ERR(pt_unmap(&D, 2 * big, big, &un), ENOENT);
		/* holes inside the range are skipped */
		ASSERT_OK(pt_unmap(&D, 0, 8 * big, &un));
		CHECK_EQ(un, big + 3 * g);
		CHECK_EQ(D.nr_tables, 1);
		pt_domain_destroy(&D);
	}
	CHECK_EQ(pt_host_tables_live, 0);
}

TEST(huge_leaf_whole_span_and_straddle)
{
	enum pt_format f;
	struct runlog l;

	runlog_init(&l);
	FOR_EACH_FMT(f) {
		struct pt_dirty_stats st = { 0 };
		struct pt_xlate x;
		u64 g, big;

		setup(f, 40, 0);
		g = G();
		big = g << 9;
		ASSERT_OK(pt_map(&D, big, 0, big, RW, 0, 0));
		ASSERT_OK(pt_hw_access(&D, big + 5 * g + 3, PT_PROT_WRITE, &x));
		CHECK(x.dirty);
		CHECK_EQ(x.size, big);
		/* a sub-range: reported clamped, kept dirty */
		ASSERT_OK(harvest(&l, big + 4 * g, 2 * g, 0, &st));
		{
			u64 v[] = { big + 4 * g, 2 * g };

			expect_runs(&l, v, 1);
		}
		CHECK_EQ(st.kept_straddling, 1);
		CHECK_EQ(st.cleared_leaves, 0);
		CHECK_EQ(l.ncleared, 0);
		ASSERT_OK(pt_translate(&D, big, &x));
		CHECK(x.dirty);
		/* the whole range: whole span, cleared */
		memset(&st, 0, sizeof(st));
		ASSERT_OK(harvest(&l, 0, 4 * big, 0, &st));
		{
			u64 v[] = { big, big };

			expect_runs(&l, v, 1);
		}
		CHECK_EQ(st.cleared_leaves, 1);
		CHECK_EQ(st.clear_start, big);
		CHECK_EQ(st.clear_end, 2 * big);
		ASSERT_EQ(l.ncleared, 1);
		CHECK_EQ(l.cleared[0].len, big);
		ASSERT_OK(pt_translate(&D, big, &x));
		CHECK(!x.dirty);
		ASSERT_OK(harvest(&l, 0, 4 * big, 0, NULL));
		CHECK_EQ(l.nruns, 0);
		pt_domain_destroy(&D);
	}
	runlog_free(&l);
}

TEST(coalescing_and_no_clear)
{
	enum pt_format f;
	struct runlog l;

	runlog_init(&l);
	FOR_EACH_FMT(f) {
		struct pt_dirty_stats st = { 0 };
		u64 g, i;

		setup(f, 40, 0);
		g = G();
		ASSERT_OK(pt_map(&D, 0, 0, 64 * g, RW, g, 0));
		for (i = 10; i < 20; i++)
			ASSERT_OK(pt_mark_dirty(&D, i * g));
		ASSERT_OK(pt_mark_dirty(&D, 30 * g));
		ASSERT_OK(pt_mark_dirty(&D, 63 * g));
		{
			u64 v[] = { 10 * g, 10 * g, 30 * g, g, 63 * g, g };

			ASSERT_OK(harvest(&l, 0, 64 * g, PT_DIRTY_NO_CLEAR,
					  &st));
			expect_runs(&l, v, 3);
			CHECK_EQ(st.dirty_leaves, 12);
			CHECK_EQ(st.cleared_leaves, 0);
			CHECK_EQ(l.ncleared, 0);
			ASSERT_OK(harvest(&l, 0, 64 * g, PT_DIRTY_NO_CLEAR,
					  NULL));
			expect_runs(&l, v, 3);
			ASSERT_OK(harvest(&l, 0, 64 * g, 0, NULL));
			expect_runs(&l, v, 3);
			ASSERT_EQ(l.ncleared, 3);
		}
		ASSERT_OK(harvest(&l, 0, 64 * g, 0, NULL));
		CHECK_EQ(l.nruns, 0);
		pt_domain_destroy(&D);
	}
	runlog_free(&l);
}

/* Every position in a line, alone, on a fully populated leaf table. */
TEST(single_dirty_each_position)
{
	enum pt_format f;
	struct runlog l;

	runlog_init(&l);
	FOR_EACH_FMT(f) {
		u64 g, k;

		setup(f, 40, 0);
		g = G();
		/* read-only and writable entries interleaved by 4 KiB blocks */
		for (k = 0; k < 512; k++)
			ASSERT_OK(pt_map(&D, k * g, k * g, g,
					 (k & 4) ? RO : RW, 0, 0));
		for (k = 0; k < 512; k++) {
			struct pt_dirty_stats st = { 0 };

			if (f == PT_FMT_ARMV8 && (k & 4))
				continue;
			ASSERT_OK(pt_mark_dirty(&D, k * g));
			ASSERT_OK(harvest(&l, 0, 512 * g, 0, &st));
			ASSERT_MSG(l.nruns == 1 && l.runs[0].iova == k * g,
				   "%s: entry %llu: %llu runs",
				   pt_format_name(f), (unsigned long long)k,
				   (unsigned long long)l.nruns);
			CHECK_EQ(st.cleared_leaves, 1);
			CHECK_EQ(st.leaves, 512);
		}
		ASSERT_OK(harvest(&l, 0, 512 * g, 0, NULL));
		CHECK_EQ(l.nruns, 0);
		pt_domain_destroy(&D);
	}
	runlog_free(&l);
}

TEST(amdv1_replicas_or_and_clear)
{
	struct pt_leafref r;
	struct runlog l;
	struct pt_xlate x;
	unsigned int k;

	runlog_init(&l);
	setup(PT_FMT_AMDV1, 48, 0);
	ASSERT_OK(pt_map(&D, KiB(64), KiB(64), KiB(64), RW, 0, 0));
	ASSERT_OK(pt_find_leaf(&D, KiB(64), &r));
	ASSERT_EQ(r.nrep, 16);
	/* the IOMMU sets D only in the replica it used: the last one */
	ASSERT_OK(pt_hw_access(&D, KiB(128) - 1, PT_PROT_WRITE, &x));
	CHECK(x.dirty);
	for (k = 0; k < 15; k++)
		CHECK(!(r.first[k] & AMDV1_HD));
	CHECK(r.first[15] & AMDV1_HD);
	/* a harvest of the first 4 KiB alone still sees it (edge leaf) */
	ASSERT_OK(harvest(&l, KiB(64), KiB(4), 0, NULL));
	{
		u64 v[] = { KiB(64), KiB(4) };

		expect_runs(&l, v, 1);
	}
	/* whole leaf reported once; every replica cleared */
	r.first[3] |= AMDV1_HD;
	ASSERT_OK(harvest(&l, 0, MiB(2), 0, NULL));
	{
		u64 v[] = { KiB(64), KiB(64) };

		expect_runs(&l, v, 1);
	}
	for (k = 0; k < 16; k++)
		CHECK(!(r.first[k] & AMDV1_HD));
	CHECK(r.first[15] & AMDV1_HA);
	/* same at level 1: 8 MiB = 4 x 2 MiB, D in replica 2 */
	ASSERT_OK(pt_map(&D, MiB(8), MiB(8), MiB(8), RW, 0, 0));
	ASSERT_OK(pt_find_leaf(&D, MiB(8), &r));
	ASSERT_EQ(r.nrep, 4);
	ASSERT_OK(pt_mark_dirty(&D, MiB(12) + 1));
	CHECK(r.first[2] & AMDV1_HD);
	ASSERT_OK(harvest(&l, MiB(8), MiB(8), PT_DIRTY_NO_CLEAR, NULL));
	{
		u64 v[] = { MiB(8), MiB(8) };

		expect_runs(&l, v, 1);
	}
	ASSERT_OK(harvest(&l, MiB(8), MiB(8), 0, NULL));
	CHECK(!(r.first[2] & AMDV1_HD));
	pt_domain_destroy(&D);
	runlog_free(&l);
}

TEST(armv8_dbm_ap2_transitions)
{
	struct pt_leafref r;
	struct runlog l;
	struct pt_xlate x;
	u64 clean;

	runlog_init(&l);
	setup(PT_FMT_ARMV8, 48, 0);
	ASSERT_OK(pt_map(&D, 0, MiB(1), KiB(4), RW, 0, 0));
	ASSERT_OK(pt_map(&D, KiB(4), MiB(2), KiB(4), RO, 0, 0));
	ASSERT_OK(pt_find_leaf(&D, 0, &r));
	clean = *r.ptep;
	CHECK((clean & ARMV8_DBM) && (clean & ARMV8_AP2) && (clean & ARMV8_AF));
	/* reads do not dirty */
	ASSERT_OK(pt_hw_access(&D, 0, PT_PROT_READ, &x));
	CHECK(!x.dirty);
	CHECK_EQ(*r.ptep, clean);
	/* write: writable-clean -> writable-dirty (AP[2] cleared) */
	ASSERT_OK(pt_hw_access(&D, 8, PT_PROT_WRITE, &x));
	CHECK(x.dirty);
	CHECK_EQ(*r.ptep, clean & ~ARMV8_AP2);
	CHECK_EQ(x.prot, RW);
	/* harvest: writable-dirty -> writable-clean (AP[2] set again) */
	ASSERT_OK(harvest(&l, 0, MiB(2), 0, NULL));
	CHECK_EQ(l.nruns, 1);
	CHECK_EQ(*r.ptep, clean);
	/* read-only: a write faults, nothing changes; cannot be marked */
	ASSERT_OK(pt_find_leaf(&D, KiB(4), &r));
	clean = *r.ptep;
	CHECK_ERR(pt_hw_access(&D, KiB(4), PT_PROT_WRITE, &x), EACCES);
	CHECK_ERR(pt_hw_access(&D, KiB(4), RW, NULL), EACCES);
	CHECK_EQ(*r.ptep, clean);
	CHECK_ERR(pt_mark_dirty(&D, KiB(4)), EACCES);
	CHECK_EQ(*r.ptep, clean);
	ASSERT_OK(pt_hw_access(&D, KiB(4), PT_PROT_READ, &x));
	CHECK_EQ(x.prot, RO);
	pt_domain_destroy(&D);
	runlog_free(&l);
}

TEST(sink_error_redirties)
{
	enum pt_format f;
	struct runlog l;

	runlog_init(&l);
	FOR_EACH_FMT(f) {
		struct pt_dirty_stats st = { 0 };
		struct pt_xlate x;
		u64 g;

		setup(f, 40, 0);
		g = G();
		ASSERT_OK(pt_map(&D, 0, 0, 64 * g, RW, g, 0));
		ASSERT_OK(pt_mark_dirty(&D, 2 * g));
		ASSERT_OK(pt_mark_dirty(&D, 10 * g));
		ASSERT_OK(pt_mark_dirty(&D, 11 * g));
		ASSERT_OK(pt_mark_dirty(&D, 20 * g));
		l.fail_at = 1;
		l.fail_err = -EFAULT;
		CHECK_ERR(harvest(&l, 0, 64 * g, 0, &st), EFAULT);
		l.fail_at = -1;
		/* the first run was delivered and cleared */
		ASSERT_EQ(l.nruns, 1);
		ASSERT_OK(pt_translate(&D, 2 * g, &x));
		CHECK(!x.dirty);
		CHECK_EQ(l.ncleared, 2);	/* flush still announced */
		/* the failed run is dirty again, the rest untouched */
		{
			u64 v[] = { 10 * g, 2 * g, 20 * g, g };

			ASSERT_OK(harvest(&l, 0, 64 * g, 0, NULL));
			expect_runs(&l, v, 2);
		}
		/* also when the last run fails */
		ASSERT_OK(pt_mark_dirty(&D, 40 * g));
		l.fail_at = 0;
		l.fail_err = -ENOSPC;
		CHECK_ERR(harvest(&l, 0, 64 * g, 0, NULL), ENOSPC);
		l.fail_at = -1;
		ASSERT_OK(pt_translate(&D, 40 * g, &x));
		CHECK(x.dirty);
		pt_domain_destroy(&D);
	}
	runlog_free(&l);
}

TEST(split_keeps_state)
{
	enum pt_format f;
	struct runlog l;

	runlog_init(&l);
	FOR_EACH_FMT(f) {
		struct pt_xlate x;
		u64 g, big, h, t0;
		long k;

		setup(f, 40, 0);
		g = G();
		big = g << 9;
		ASSERT_OK(pt_map(&D, big, 2 * big, big, RO, 0, 0));
		if (f != PT_FMT_ARMV8)
			ASSERT_OK(pt_mark_dirty(&D, big + 7 * g));
		ASSERT_OK(pt_hw_access(&D, big, PT_PROT_READ, NULL));
		t0 = D.nr_tables;
		h = pt_tree_hash(&D);
		/* ENOMEM: nothing changes */
		pt_host_fail_after = 0;
		CHECK_ERR(pt_split_leaf(&D, big + 3 * g, g), ENOMEM);
		pt_host_fail_after = -1;
		CHECK_EQ(pt_tree_hash(&D), h);
		CHECK_ERR(pt_split_leaf(&D, big, big), EINVAL);
		CHECK_ERR(pt_split_leaf(&D, big, 3 * g), EOPNOTSUPP);
		CHECK_ERR(pt_split_leaf(&D, 0, g), ENOENT);
		CHECK_ERR(pt_split_leaf(&D, big + 1, g), EINVAL);
		CHECK_EQ(pt_tree_hash(&D), h);
		ASSERT_OK(pt_split_leaf(&D, big + 3 * g, g));
		CHECK_EQ(D.nr_tables, t0 + 1);
		for (k = 0; k < 512; k += 37) {
			ASSERT_OK(pt_translate(&D, big + k * g, &x));
			CHECK_EQ(x.size, g);
			CHECK_EQ(x.pa, 2 * big + k * g);
			CHECK_EQ(x.prot, RO);
			CHECK_EQ(x.dirty, f != PT_FMT_ARMV8);
			CHECK(x.accessed);
		}
		if (f != PT_FMT_ARMV8) {
			ASSERT_OK(harvest(&l, 0, 4 * big, 0, NULL));
			ASSERT_EQ(l.nruns, 1);
			CHECK_EQ(l.runs[0].len, big);
		}
		pt_domain_destroy(&D);
	}

	/* writable dirty ARM block, and AMD 1 GiB into replicated 8 KiB */
	setup(PT_FMT_ARMV8, 40, 0);
	ASSERT_OK(pt_map(&D, GiB(1), GiB(2), GiB(1), RW, 0, 0));
	ASSERT_OK(pt_hw_access(&D, GiB(1), PT_PROT_WRITE, NULL));
	ASSERT_OK(pt_split_leaf(&D, GiB(1), KiB(4)));
	CHECK_EQ(D.nr_tables, 1 + 1 + 1 + 512);
	{
		struct pt_xlate x;

		ASSERT_OK(pt_translate(&D, GiB(2) - KiB(4), &x));
		CHECK(x.dirty);
		CHECK_EQ(x.prot, RW);
	}
	pt_domain_destroy(&D);

	setup(PT_FMT_AMDV1, 40, 0);
	ASSERT_OK(pt_map(&D, GiB(1), GiB(2), GiB(1), RW, 0, 0));
	ASSERT_OK(pt_mark_dirty(&D, GiB(1) + 5));
	{
		struct pt_leafref r;

		ASSERT_OK(pt_split_leaf(&D, GiB(1), KiB(8)));
		ASSERT_OK(pt_find_leaf(&D, GiB(2) - 1, &r));
		CHECK_EQ(r.size, KiB(8));
		CHECK_EQ(r.nrep, 2);
		CHECK(r.first[0] & r.first[1] & AMDV1_HD);
		/* sized leaf into smaller sized leaves, in place */
		ASSERT_OK(pt_map(&D, MiB(64), MiB(64), MiB(64), RW, 0, 0));
		ASSERT_OK(pt_find_leaf(&D, MiB(64), &r));
		CHECK_EQ(r.nrep, 32);
		ASSERT_OK(pt_mark_dirty(&D, MiB(100)));
		ASSERT_OK(pt_split_leaf(&D, MiB(70), MiB(4)));
		ASSERT_OK(pt_find_leaf(&D, MiB(64), &r));
		CHECK_EQ(r.size, MiB(4));
		CHECK_EQ(r.nrep, 2);
		CHECK(r.first[0] & AMDV1_HD);
	}
	pt_domain_destroy(&D);
	runlog_free(&l);
}

/* Every bad input: its documented errno, and the table is unchanged. */
TEST(bad_inputs_distinct_errno_no_change)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 g, big, va, h, un;
		struct pt_xlate x;
		struct pt_dirty_stats st = { 0 };

		setup(f, 40, 0);
		g = G();
		big = g << 9;
		va = 1ULL << 40;
		ASSERT_OK(pt_map(&D, big, 0, big, RW, 0, 0));
		ASSERT_OK(pt_map(&D, 4 * big, 0, 4 * g, RW, g, 0));
		h = pt_tree_hash(&D);
#define BAD(call, err) do { CHECK_ERR(call, err); \
			    CHECK_EQ(pt_tree_hash(&D), h); } while (0)
		/* map */
		BAD(pt_map(&D, 0, 0, 0, RW, 0, 0), ENODATA);
		BAD(pt_map(&D, g / 2, 0, g, RW, 0, 0), EINVAL);
		BAD(pt_map(&D, 0, 0, g / 2, RW, 0, 0), EINVAL);
		BAD(pt_map(&D, 0, g / 2, g, RW, 0, 0), EINVAL);
		BAD(pt_map(&D, ~0ULL - g + 1, 0, 2 * g, RW, 0, 0), EOVERFLOW);
		BAD(pt_map(&D, va - g, 0, 2 * g, RW, 0, 0), ERANGE);
		BAD(pt_map(&D, 0, 0, g, 0, 0, 0), EINVAL);
		BAD(pt_map(&D, 0, 0, g, PT_PROT_WRITE, 0, 0), EINVAL);
		BAD(pt_map(&D, 0, 0, g, RW | 4, 0, 0), EINVAL);
		BAD(pt_map(&D, 0, 0, g, RW, 0, 2), EINVAL);
		BAD(pt_map(&D, 0, 1ULL << D.f->oa_bits, g, RW, 0, 0), ERANGE);
		BAD(pt_map(&D, 0, (1ULL << D.f->oa_bits) - g, 2 * g, RW, 0, 0),
		    ERANGE);
		BAD(pt_map(&D, 0, 0, g, RW, 3 * g, 0), EOPNOTSUPP);
		BAD(pt_map(&D, 0, 0, g, RW, 1ULL << 45, 0), EOPNOTSUPP);
		BAD(pt_map(&D, g, 0, big, RW, big, 0), EINVAL);
		BAD(pt_map(&D, 0, 0, 2 * big, RW, 0, 0), EEXIST);
		BAD(pt_map(&D, 4 * big + 3 * g, 0, g, RW, 0, 0), EEXIST);
		/* unmap */
		BAD(pt_unmap(&D, 0, 0, &un), ENODATA);
		BAD(pt_unmap(&D, 1, g, &un), EINVAL);
		BAD(pt_unmap(&D, ~0ULL - g + 1, 2 * g, &un), EOVERFLOW);
		BAD(pt_unmap(&D, va, g, &un), ERANGE);
		BAD(pt_unmap(&D, 8 * big, g, &un), ENOENT);
		BAD(pt_unmap(&D, big + g, g, &un), EDOM);
		/* translate / hw_access / mark */
		BAD(pt_translate(&D, va, &x), ERANGE);
		BAD(pt_translate(&D, 0, &x), ENOENT);
		BAD(pt_hw_access(&D, big, 0, &x), EINVAL);
		BAD(pt_hw_access(&D, big, 4, &x), EINVAL);
		BAD(pt_hw_access(&D, va, PT_PROT_READ, &x), ERANGE);
		BAD(pt_hw_access(&D, 0, PT_PROT_READ, &x), ENOENT);
		BAD(pt_mark_dirty(&D, va), ERANGE);
		BAD(pt_mark_dirty(&D, 0), ENOENT);
		/* harvest */
		BAD(pt_read_and_clear_dirty(&D, 0, 0, 0, NULL, &st), ENODATA);
		BAD(pt_read_and_clear_dirty(&D, 1, g, 0, NULL, &st), EINVAL);
		BAD(pt_read_and_clear_dirty(&D, ~0ULL - g + 1, 2 * g, 0, NULL,
					    &st), EOVERFLOW);
		BAD(pt_read_and_clear_dirty(&D, va - g, 2 * g, 0, NULL, &st),
		    ERANGE);
		BAD(pt_read_and_clear_dirty(&D, 0, g, 2, NULL, &st), EINVAL);
		/* split */
		BAD(pt_split_leaf(&D, big + 1, g), EINVAL);
		BAD(pt_split_leaf(&D, va, g), ERANGE);
		BAD(pt_split_leaf(&D, big, 0), EOPNOTSUPP);
		BAD(pt_split_leaf(&D, 0, g), ENOENT);
		BAD(pt_split_leaf(&D, 4 * big, g), EINVAL);
#undef BAD
		pt_domain_destroy(&D);
	}
}

TEST(map_enomem_rollback)
{
	enum pt_format f;

	FOR_EACH_FMT(f) {
		u64 g, h, live, n, t0;
		int ret;

		setup(f, 48, 0);
		g = G();
		/* a neighbour so some tables pre-exist */
		ASSERT_OK(pt_map(&D, 0, 0, g, RW, 0, 0));
		h = pt_tree_hash(&D);
		live = pt_host_tables_live;
		t0 = D.nr_tables;
		/* 3 leaf tables' worth across a level-2 boundary, 4K only */
		for (n = 0;; n++) {
			pt_host_fail_after = n;
			ret = pt_map(&D, (g << 18) - 700 * g, g, 1300 * g, RW, g,
				     0);
			pt_host_fail_after = -1;
			if (!ret)
				break;
			ASSERT_ERR(ret, ENOMEM);
			CHECK_EQ(pt_tree_hash(&D), h);
			CHECK_EQ(pt_host_tables_live, live);
			CHECK_EQ(D.nr_tables, t0);
		}
		CHECK(n >= 4);
		CHECK_EQ(D.nr_tables, t0 + n);
		pt_domain_destroy(&D);
	}
	CHECK_EQ(pt_host_tables_live, 0);
}

/* TB-scale tables without TB of memory. */
TEST(phantom_tb_scale)
{
	struct pt_dirty_stats st = { 0 };
	struct pt_xlate x;
	struct runlog l;
	u64 un, i;

	runlog_init(&l);
	setup(PT_FMT_AMDV1, 48, KiB(4) | MiB(2));
	/* 2 TiB of 2 MiB leaves all mapping the same 2 MiB */
	ASSERT_OK(pt_map(&D, 0, GiB(4), TiB(2), RW, 0, PT_MAP_PHANTOM));
	CHECK_EQ(D.nr_tables, 1 + 4 + 2048);	/* 512 GiB per L2 table */
	ASSERT_OK(pt_translate(&D, TiB(1) + MiB(3), &x));
	CHECK_EQ(x.pa, GiB(4));
	CHECK_EQ(x.size, MiB(2));
	for (i = 0; i < 1000; i++)
		ASSERT_OK(pt_mark_dirty(&D, i * GiB(2) + MiB(2) * (i % 7)));
	ASSERT_OK(harvest(&l, 0, TiB(2), 0, &st));
	CHECK_EQ(l.nruns, 1000);
	CHECK_EQ(st.dirty_leaves, 1000);
	CHECK_EQ(st.leaves, TiB(2) / MiB(2));
	CHECK_EQ(st.tables, 1 + 4 + 2048);
	ASSERT_OK(pt_unmap(&D, 0, TiB(2), &un));
	CHECK_EQ(un, TiB(2));
	CHECK_EQ(D.nr_tables, 1);
	/* forced 4 KiB, 4 GiB */
	ASSERT_OK(pt_map(&D, GiB(4), 0, GiB(4), RW, KiB(4), PT_MAP_PHANTOM));
	CHECK_EQ(D.nr_tables, 1 + 1 + 4 + 2048);
	ASSERT_OK(pt_translate(&D, GiB(7), &x));
	CHECK_EQ(x.pa, 0);
	pt_domain_destroy(&D);
	runlog_free(&l);
}

TEST(stats_and_bitmap_sink)
{
	struct pt_dirty_stats st = { 0 };
	struct pt_dirty_sink s = { 0 };
	struct pt_bitmap bm;
	u8 bits[64] = { 0 };
	u64 i;

	setup(PT_FMT_VTDSS, 48, 0);
	/* 2 leaf tables + one 2 MiB leaf */
	ASSERT_OK(pt_map(&D, 0, 0, MiB(4), RW, KiB(4), 0));
	ASSERT_OK(pt_map(&D, MiB(4), 0, MiB(2), RW, 0, 0));
	ASSERT_OK(pt_mark_dirty(&D, KiB(4) * 3));
	ASSERT_OK(pt_mark_dirty(&D, MiB(5)));
	ASSERT_OK(pt_bitmap_init(&bm, bits, 0, MiB(8), MiB(1) / 8));
	s.bitmap = &bm;
	ASSERT_OK(pt_read_and_clear_dirty(&D, 0, MiB(8), 0, &s, &st));
	CHECK_EQ(st.tables, 1 + 1 + 1 + 2);
	CHECK_EQ(st.leaves, 1024 + 1);
	CHECK_EQ(st.dirty_leaves, 2);
	CHECK_EQ(st.dirty_bytes, KiB(4) + MiB(2));
	CHECK_EQ(st.runs, 2);
	/* 128 KiB bitmap granule: bit 0 for the 4K page, bits 32..47 */
	for (i = 0; i < 64; i++) {
		bool want = i == 0 || (i >= 32 && i < 48);

		CHECK_EQ(!!(bits[i / 8] & (1 << (i % 8))), want);
	}
	pt_domain_destroy(&D);
}

/*
 * Level-1 tables: eight cache lines (64 entries) of default-size huge
 * leaves, where the walker skips a line of eight clean leaves at once.
 * Some lines hold what must send a line down the entry-by-entry path:
 * AMD page-size-encoded leaves (4M and 8M inside line 2, a 32M one
 * across lines 4-5), a read-only leaf (line 3), a hole (line 6) and a
 * leaf table (line 7; one of its pages stands for it below).
 */
#define L1_N 64

struct l1leaf {
	u64 iova, size;
	u64 mark;		/* IOVA to mark: AMD, the last replica */
	bool ro;
};

struct l1layout {
	struct l1leaf v[L1_N];
	unsigned int n;
	u64 big;		/* level-1 entry size */
	u64 entries;		/* st.leaves of a full-range walk */
	u64 per_idx[L1_N];	/* st.leaves per level-1 entry (no AMD) */
};

static void l1_add(struct l1layout *y, u64 idx, u64 nent, unsigned int prot)
{
	struct l1leaf *x = &y->v[y->n++];

	ASSERT_OK(pt_map(&D, idx * y->big, idx * y->big, nent * y->big, prot,
			 nent * y->big, 0));
	x->iova = idx * y->big;
	x->size = nent * y->big;
	x->mark = (idx + nent - 1) * y->big;
	x->ro = !(prot & PT_PROT_WRITE);
	y->entries += nent;
	y->per_idx[idx] = 1;
}

static void l1_build(struct l1layout *y, enum pt_format f)
{
	u64 idx;

	memset(y, 0, sizeof(*y));
	y->big = G() << 9;
	for (idx = 0; idx < L1_N; idx++) {
		struct l1leaf *x;

		if (f == PT_FMT_AMDV1 && idx == 16) {
			l1_add(y, 16, 2, RW);
			l1_add(y, 18, 1, RW);
			l1_add(y, 19, 1, RW);
			l1_add(y, 20, 4, RW);
			idx = 23;
		} else if (f == PT_FMT_AMDV1 && idx == 32) {
			l1_add(y, 32, 16, RW);
			idx = 47;
		} else if (idx == 25) {
			l1_add(y, idx, 1, RO);
		} else if (idx == 60) {
			ASSERT_OK(pt_map(&D, idx * y->big, 0, y->big, RW, G(),
					 0));
			x = &y->v[y->n++];
			x->iova = idx * y->big + 7 * G();
			x->size = G();
			x->mark = x->iova;
			x->ro = false;
			y->entries += 512;
			y->per_idx[idx] = 512;
		} else if (idx != 50) {
			l1_add(y, idx, 1, RW);
		}
	}
}

static bool l1_dirty(u64 iova)
{
	struct pt_xlate x;

	ASSERT_OK(pt_translate(&D, iova, &x));
	return x.dirty;
}

/* mark the leaves selected by @sel; returns what became dirty in @dirty */
static void l1_mark(const struct l1layout *y, const bool *sel, bool *dirty)
{
	unsigned int j;

	for (j = 0; j < y->n; j++) {
		dirty[j] = false;
		if (!sel[j])
			continue;
		if (D.fmt == PT_FMT_ARMV8 && y->v[j].ro) {
			CHECK_ERR(pt_mark_dirty(&D, y->v[j].mark), EACCES);
			continue;
		}
		ASSERT_OK(pt_mark_dirty(&D, y->v[j].mark));
		dirty[j] = true;
	}
}

/* expected runs of harvesting [s, e) with @dirty into @rs/@re */
static unsigned int l1_expect(const struct l1layout *y, const bool *dirty,
			      u64 s, u64 e, u64 *rs, u64 *re,
			      unsigned int *ndirty)
{
	unsigned int j, n = 0;

	*ndirty = 0;
	for (j = 0; j < y->n; j++) {
		u64 ls = y->v[j].iova, le = ls + y->v[j].size;

		ls = ls > s ? ls : s;
		le = le < e ? le : e;
		if (!dirty[j] || ls >= le)
			continue;
		(*ndirty)++;
		if (n && re[n - 1] == ls) {
			re[n - 1] = le;
			continue;
		}
		rs[n] = ls;
		re[n++] = le;
	}
	return n;
}

/* st.leaves of a walk of [s, e) (no AMD edge leaves) */
static u64 l1_entries(const struct l1layout *y, u64 s, u64 e)
{
	u64 idx, n = 0;

	for (idx = s / y->big; idx < e / y->big; idx++)
		n += y->per_idx[idx];
	return n;
}

TEST(level1_line_fast_path)
{
	enum pt_format f;
	struct runlog l;

	runlog_init(&l);
	FOR_EACH_FMT(f) {
		static const u64 ranges[][2] = { { 0, L1_N }, { 3, 61 },
						 { 17, 46 } };
		struct l1layout y;
		unsigned int r, line, m, j, k, n, nd;
		u64 rs[L1_N], re[L1_N];
		bool sel[L1_N], dirty[L1_N];

		setup(f, 40, 0);
		l1_build(&y, f);
		for (r = 0; r < 3; r++) {
			u64 s = ranges[r][0] * y.big, e = ranges[r][1] * y.big;

			/* line 8: the same positions in every line at once */
			for (line = 0; line <= 8; line++) {
				for (m = 0; m < 256; m++) {
					struct pt_dirty_stats st = { 0 };

					for (j = 0; j < y.n; j++) {
						u64 idx = y.v[j].iova / y.big;

						sel[j] = (line == 8 ||
							  idx / 8 == line) &&
							 (m >> (idx % 8)) & 1;
					}
					l1_mark(&y, sel, dirty);
					n = l1_expect(&y, dirty, s, e, rs, re,
						      &nd);
					ASSERT_OK(harvest(&l, s, e - s, 0,
							  &st));
					ASSERT_EQ(l.nruns, n);
					for (k = 0; k < n; k++) {
						CHECK_EQ(l.runs[k].iova, rs[k]);
						CHECK_EQ(l.runs[k].len,
							 re[k] - rs[k]);
					}
					CHECK_EQ(st.dirty_leaves, nd);
					if (r == 0)
						CHECK_EQ(st.leaves, y.entries);
					else if (f != PT_FMT_AMDV1)
						CHECK_EQ(st.leaves,
							 l1_entries(&y, s, e));
					/* inside: clean now; else as before */
					for (j = 0; j < y.n; j++) {
						const struct l1leaf *x = &y.v[j];
						bool in = x->iova >= s &&
							x->iova + x->size <= e;

						CHECK_EQ(l1_dirty(x->mark),
							 dirty[j] && !in);
					}
					ASSERT_OK(pt_read_and_clear_dirty(&D,
						0, L1_N * y.big, 0, NULL,
						NULL));
				}
			}
		}
		pt_domain_destroy(&D);
	}
	runlog_free(&l);
}

/*
 * The walker clears a dirty leaf before queueing its span, so when
 * flushing the previous run fails the leaf just cleared is in no run.
 * Whatever run fails (sink->run error or a bitmap too short), every
 * leaf that was dirty must afterwards be either in a delivered run
 * (and clean, and announced as cleared) or dirty again.
 */
TEST(sink_error_after_clear_loses_nothing)
{
	static u8 bits[L1_N * 512 / 8];
	enum pt_format f;
	struct runlog l;
	u64 seed = th_seed(7);

	runlog_init(&l);
	FOR_EACH_FMT(f) {
		struct l1layout y;
		unsigned int t, j, k, n, nd, fail;
		u64 rs[L1_N], re[L1_N];
		bool sel[L1_N], dirty[L1_N];

		setup(f, 40, 0);
		l1_build(&y, f);
		for (t = 0; t < 1500; t++) {
			struct pt_dirty_sink s;
			struct pt_bitmap bm;
			bool use_bm;
			int err;

			for (j = 0; j < y.n; j++)
				sel[j] = rng_below(&seed, 3) == 0;
			l1_mark(&y, sel, dirty);
			n = l1_expect(&y, dirty, 0, L1_N * y.big, rs, re, &nd);
			if (!n)
				continue;
			fail = rng_below(&seed, n);
			runlog_reset(&l);
			s = runlog_sink(&l);
			use_bm = rs[fail] && rng_below(&seed, 2);
			if (use_bm) {
				/* run @fail is the first not to fit */
				memset(bits, 0, sizeof(bits));
				ASSERT_OK(pt_bitmap_init(&bm, bits, 0,
							 rs[fail], G()));
				s.bitmap = &bm;
				err = -ERANGE;
			} else {
				l.fail_at = fail;
				l.fail_err = err = -EFAULT;
			}
			CHECK_EQ(pt_read_and_clear_dirty(&D, 0, L1_N * y.big,
							 0, &s, NULL), err);
			l.fail_at = -1;
			ASSERT_EQ(l.nruns, fail);
			for (j = 0; j < y.n; j++) {
				const struct l1leaf *x = &y.v[j];
				bool sent = false, flushed = false;

				for (k = 0; k < l.nruns; k++)
					sent |= x->iova >= l.runs[k].iova &&
						x->iova + x->size <=
						l.runs[k].iova + l.runs[k].len;
				for (k = 0; k < l.ncleared; k++)
					flushed |= x->iova >=
						   l.cleared[k].iova &&
						x->iova + x->size <=
						l.cleared[k].iova +
						l.cleared[k].len;
				CHECK_MSG(l1_dirty(x->mark) == (dirty[j] && !sent),
					  "%s t %u leaf %u: dirty %d sent %d",
					  pt_format_name(f), t, j, dirty[j],
					  sent);
				if (sent)
					CHECK(flushed);
			}
			ASSERT_OK(pt_read_and_clear_dirty(&D, 0, L1_N * y.big,
							  0, NULL, NULL));
		}
		pt_domain_destroy(&D);
	}
	runlog_free(&l);
}

TEST(no_leaks)
{
	CHECK_EQ(pt_host_tables_live, 0);
}

TEST_MAIN("ops")
