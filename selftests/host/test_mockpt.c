// SPDX-License-Identifier: GPL-2.0
/*
 * The mockpt format (kmod/pt/pt_fmt_mockpt.h): the 6.19+ iommufd selftest
 * mock, AMD v1 page-size-encoded leaves on a 2 KiB granule.  Golden bits,
 * every leaf size, dirty state ORed over replicas and cleared in all of
 * them, a leaf cut by the range kept dirty, and the exact pattern the
 * 7.x kselftest's get_dirty_bitmap checks (4 KiB leaves harvested into a
 * 2 KiB bitmap), which the 6.12 mock format cannot produce (the last test
 * shows that, so the pattern test is known to discriminate).
 */
#include "harness.h"
#include "pt_priv.h"
#include "ptutil.h"

#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

static struct pt_domain D;

static u64 pte(u64 iova)
{
	struct pt_leafref r;

	ASSERT_OK(pt_find_leaf(&D, iova, &r));
	return *r.ptep;
}

/* how many replicas of the leaf at @iova have HD set */
static unsigned int replicas_dirty(u64 iova)
{
	struct pt_leafref r;
	unsigned int k, n = 0;

	ASSERT_OK(pt_find_leaf(&D, iova, &r));
	for (k = 0; k < r.nrep; k++)
		n += !!(r.first[k] & MOCK_HD);
	return n;
}

/* every replica of the leaf at @iova holds @val; returns the count */
static unsigned int replicas_are(u64 iova, u64 val)
{
	struct pt_leafref r;
	unsigned int k;

	ASSERT_OK(pt_find_leaf(&D, iova, &r));
	for (k = 0; k < r.nrep; k++)
		ASSERT_EQ(r.first[k], val);
	return r.nrep;
}

TEST(mockpt_bits)
{
	ASSERT_OK(pt_domain_init(&D, PT_FMT_MOCKPT, 48, MOCKPT_PGSIZES));
	CHECK_EQ(D.granule_shift, 11);
	CHECK_EQ(D.levels, 5);
	/* a 2 KiB leaf is the mock's: field 51:12 = pa << 1, NL 0 */
	ASSERT_OK(pt_map(&D, 0x800, 0x12345800, KiB(2), RW, 0, 0));
	CHECK_EQ(pte(0x800), 0x600000002468b001ULL);
	/* 4 KiB: NL 7, pa << 1 = 0x2468c000, no size bits; 2 replicas */
	ASSERT_OK(pt_map(&D, 0x1000, 0x12346000, KiB(4), RW, 0, 0));
	CHECK_EQ(replicas_are(0x1000, 0x600000002468ce01ULL), 2);
	/* 8 KiB: field bit 12 set, bit 13 clear; 4 replicas */
	ASSERT_OK(pt_map(&D, 0x4000, 0x12348000, KiB(8), RW, 0, 0));
	CHECK_EQ(replicas_are(0x4000, 0x6000000024691e01ULL), 4);
	/* 1 MiB is level 1's default size: NL 0 */
	ASSERT_OK(pt_map(&D, MiB(1), MiB(1), MiB(1), RW, 0, 0));
	CHECK_EQ(pte(MiB(1)), 0x6000000000200001ULL);
	/* 2 MiB: 2 replicas at level 1, field bits 20..12 set */
	ASSERT_OK(pt_map(&D, MiB(4), MiB(4), MiB(2), RW, 0, 0));
	CHECK_EQ(replicas_are(MiB(4), 0x60000000009ffe01ULL), 2);
	/* the IOMMU sets HA|HD in the one replica it translates through */
	ASSERT_OK(pt_hw_access(&D, 0x1800, PT_PROT_WRITE, NULL));
	CHECK_EQ(pte(0x1800), 0x600000002468ce61ULL);
	CHECK_EQ(pte(0x1000), 0x600000002468ce01ULL);
	pt_domain_destroy(&D);
}

TEST(mockpt_every_size)
{
	struct pt_xlate x;
	unsigned int n;

	ASSERT_OK(pt_domain_init(&D, PT_FMT_MOCKPT, 56, MOCKPT_PGSIZES));
	CHECK_EQ(D.pgsize_bitmap, GENMASK_ULL(38, 11));
	for (n = 11; n <= 38; n++) {
		u64 sz = 1ULL << n;

		ASSERT_OK(pt_map(&D, sz, sz, sz, RW, sz, 0));
		ASSERT_OK(pt_translate(&D, sz + sz / 2, &x));
		CHECK_EQ(x.size, sz);
		CHECK_EQ(x.iova, sz);
		CHECK_EQ(x.pa, sz);
		ASSERT_OK(pt_unmap(&D, sz, sz, NULL));
	}
	CHECK_EQ(D.nr_tables, 1);
	pt_domain_destroy(&D);
}

/* one replica dirty: the whole leaf is reported, every replica cleared */
TEST(mockpt_replica_dirty)
{
	struct pt_dirty_stats st = {};
	struct pt_dirty_sink sink;
	struct runlog log;
	struct pt_xlate x;

	runlog_init(&log);
	sink = runlog_sink(&log);
	ASSERT_OK(pt_domain_init(&D, PT_FMT_MOCKPT, 48, MOCKPT_PGSIZES));
	ASSERT_OK(pt_map(&D, MiB(16), MiB(64), KiB(16), RW, 0, 0));
	ASSERT_OK(pt_translate(&D, MiB(16), &x));
	CHECK_EQ(x.size, KiB(16));
	/* the last of its 8 replicas */
	ASSERT_OK(pt_hw_access(&D, MiB(16) + KiB(14), PT_PROT_WRITE, NULL));
	ASSERT_OK(pt_translate(&D, MiB(16), &x));
	CHECK(x.dirty);
	CHECK_EQ(replicas_dirty(MiB(16)), 1);
	ASSERT_OK(pt_read_and_clear_dirty(&D, MiB(16), KiB(16),
					  PT_DIRTY_NO_CLEAR, &sink, &st));
	ASSERT_EQ(log.nruns, 1);
	CHECK_EQ(log.runs[0].iova, MiB(16));
	CHECK_EQ(log.runs[0].len, KiB(16));
	runlog_reset(&log);
	ASSERT_OK(pt_read_and_clear_dirty(&D, MiB(16), KiB(16), 0, &sink, &st));
	ASSERT_EQ(log.nruns, 1);
	CHECK_EQ(log.runs[0].len, KiB(16));
	ASSERT_EQ(log.ncleared, 1);
	CHECK_EQ(log.cleared[0].len, KiB(16));
	CHECK_EQ(replicas_dirty(MiB(16)), 0);
	ASSERT_OK(pt_translate(&D, MiB(16), &x));
	CHECK(!x.dirty);
	runlog_reset(&log);
	ASSERT_OK(pt_read_and_clear_dirty(&D, MiB(16), KiB(16), 0, &sink, &st));
	CHECK_EQ(log.nruns, 0);
	runlog_free(&log);
	pt_domain_destroy(&D);
}

/* a leaf cut by the range, dirty only outside it: reported, kept dirty */
TEST(mockpt_straddling_leaf_kept)
{
	struct pt_dirty_stats st = {};
	struct pt_dirty_sink sink;
	struct runlog log;
	struct pt_xlate x;

	runlog_init(&log);
	sink = runlog_sink(&log);
	ASSERT_OK(pt_domain_init(&D, PT_FMT_MOCKPT, 48, MOCKPT_PGSIZES));
	ASSERT_OK(pt_map(&D, MiB(16), MiB(64), KiB(8), RW, 0, 0));
	ASSERT_OK(pt_hw_access(&D, MiB(16) + KiB(6), PT_PROT_WRITE, NULL));
	ASSERT_OK(pt_read_and_clear_dirty(&D, MiB(16), KiB(4), 0, &sink, &st));
	ASSERT_EQ(log.nruns, 1);
	CHECK_EQ(log.runs[0].iova, MiB(16));
	CHECK_EQ(log.runs[0].len, KiB(4));
	CHECK_EQ(st.kept_straddling, 1);
	CHECK_EQ(log.ncleared, 0);
	ASSERT_OK(pt_translate(&D, MiB(16), &x));
	CHECK(x.dirty);
	runlog_free(&log);
	pt_domain_destroy(&D);
}

/*
 * The 7.x kselftest's get_dirty_bitmap on a MOCK_IOMMUPT_DEFAULT domain
 * with IOMMU_OPTION_HUGE_PAGES off: the IOAS maps PAGE_SIZE at a time, so
 * leaves are 4 KiB; the DIRTY op marks the first 2 KiB of every other
 * 4 KiB leaf; a 2 KiB-granule bitmap must read 1100 1100 ...
 * Returns the number of bitmap bits that differ from that pattern.
 */
static u64 selftest_pattern_mismatches(enum pt_format fmt, u64 pgsizes)
{
	const u64 iova = MiB(16), len = KiB(320), nbits = len / KiB(2);
	u8 bm[KiB(320) / KiB(2) / 8 + 1] = {};
	struct pt_bitmap b;
	struct pt_dirty_sink sink = { .bitmap = &b };
	u64 off, i, bad = 0;

	ASSERT_OK(pt_domain_init(&D, fmt, 32, pgsizes));
	for (off = 0; off < len; off += KiB(4))
		ASSERT_OK(pt_map(&D, iova + off, MiB(64) + off, KiB(4), RW, 0, 0));
	for (i = 0; i < nbits; i += 4)
		ASSERT_OK(pt_mark_dirty(&D, iova + i * KiB(2)));
	ASSERT_OK(pt_bitmap_init(&b, bm, iova, len, KiB(2)));
	ASSERT_OK(pt_read_and_clear_dirty(&D, iova, len, 0, &sink, NULL));
	for (i = 0; i < nbits; i++)
		bad += !!(bm[i / 8] & (1u << (i % 8))) != (i % 4 < 2);
	pt_domain_destroy(&D);
	return bad;
}

TEST(mockpt_kselftest7_pattern)
{
	CHECK_EQ(selftest_pattern_mismatches(PT_FMT_MOCKPT, MOCKPT_PGSIZES), 0);
}

/* the 6.12 mock has no 4 KiB leaf: half the pattern's bits are missing */
TEST(mock_cannot_pass_kselftest7_pattern)
{
	CHECK_EQ(selftest_pattern_mismatches(PT_FMT_MOCK, MOCK_PGSIZES),
		 KiB(320) / KiB(2) / 4);
}

TEST_MAIN("mockpt")
