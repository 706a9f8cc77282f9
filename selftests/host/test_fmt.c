// SPDX-License-Identifier: GPL-2.0
/*
 * Golden-bit tests: the exact PTE values each format produces, computed
 * by hand from the vendor specs (see the comments next to each value).
 */
#include "harness.h"
#include "pt_priv.h"
#include "ptutil.h"

#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define RO PT_PROT_READ
#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

static struct pt_domain D;

static void setup(enum pt_format fmt, unsigned int va_bits)
{
	ASSERT_OK(pt_domain_init(&D, fmt, va_bits, pt_format_pgsizes(fmt)));
}

static u64 pte(u64 iova)
{
	struct pt_leafref r;

	ASSERT_OK(pt_find_leaf(&D, iova, &r));
	return *r.ptep;
}

/* Every replica of the leaf at @iova holds @val; returns the count. */
static unsigned int check_replicas(u64 iova, u64 val)
{
	struct pt_leafref r;
	unsigned int k;

	ASSERT_OK(pt_find_leaf(&D, iova, &r));
	for (k = 0; k < r.nrep; k++)
		ASSERT_EQ(r.first[k], val);
	return r.nrep;
}

static void map_ok(u64 iova, u64 pa, u64 len, unsigned int prot, u64 pgsz)
{
	ASSERT_OK(pt_map(&D, iova, pa, len, prot, pgsz, 0));
}

TEST(amdv1_default_sizes)
{
	setup(PT_FMT_AMDV1, 48);
	/* PR 1, IR 1<<61, IW 1<<62, addr 51:12, NL 0 */
	map_ok(0x1000, 0x12345000, KiB(4), RW, 0);
	CHECK_EQ(pte(0x1000), 0x6000000012345001ULL);
	map_ok(0x2000, 0x12346000, KiB(4), RO, 0);
	CHECK_EQ(pte(0x2000), 0x2000000012346001ULL);
	map_ok(MiB(2), 0x40000000, MiB(2), RW, 0);
	CHECK_EQ(pte(MiB(2)), 0x6000000040000001ULL);
	map_ok(GiB(1), 0x80000000, GiB(1), RW, 0);
	CHECK_EQ(pte(GiB(1)), 0x6000000080000001ULL);
	/* root (level 3) entry: PR|IR|IW, NL = 3 (points at a level-3 table) */
	CHECK_EQ(D.root[0] & ~AMDV1_ADDR, 0x6000000000000601ULL);
	CHECK_EQ(pt_e_table(D.fmt, D.root[0])[0] & ~AMDV1_ADDR,
		 0x6000000000000401ULL);	/* NL = 2 */
	/* hardware write: HA bit 5 and HD bit 6 */
	ASSERT_OK(pt_hw_access(&D, 0x1000, PT_PROT_WRITE, NULL));
	CHECK_EQ(pte(0x1000), 0x6000000012345061ULL);
	/* hardware read: HA only */
	ASSERT_OK(pt_hw_access(&D, MiB(2) + 0x10, PT_PROT_READ, NULL));
	CHECK_EQ(pte(MiB(2)), 0x6000000040000021ULL);
	pt_domain_destroy(&D);
}

TEST(amdv1_page_size_encoded)
{
	static const struct {
		u64 size, iova, pa, val;
		unsigned int nrep;
	} c[] = {
		/* NL 7 = 0xe00; addr bits n-2..12 set, bit n-1 clear */
		{ KiB(8),   MiB(4),  0x10000000, 0x6000000010000e01ULL, 2 },
		{ KiB(16),  MiB(6),  0x10000000, 0x6000000010001e01ULL, 4 },
		{ KiB(32),  MiB(8),  0x10000000, 0x6000000010003e01ULL, 8 },
		{ KiB(64),  MiB(10), 0x10000000, 0x6000000010007e01ULL, 16 },
		{ KiB(512), MiB(12), 0x10000000, 0x600000001003fe01ULL, 128 },
		{ MiB(1),   MiB(14), 0x10000000, 0x600000001007fe01ULL, 256 },
		/* level 1: 4 MiB = 2 x 2 MiB, 512 MiB = 256 x 2 MiB */
		{ MiB(4),   GiB(2),  0x40000000, 0x60000000401ffe01ULL, 2 },
		{ MiB(256), GiB(3),  0x40000000, 0x6000000047fffe01ULL, 128 },
		{ MiB(512), GiB(4) + MiB(512), 0x40000000,
		  0x600000004ffffe01ULL, 256 },
		/* level 2: 2 GiB = 2 x 1 GiB, 256 GiB = 256 x 1 GiB */
		{ GiB(2),   GiB(8),  0x80000000, 0x60000000bffffe01ULL, 2 },
		{ GiB(256), GiB(256), 0x4000000000ULL, 0x6000005ffffffe01ULL,
		  256 },
	};
	unsigned int i;

	setup(PT_FMT_AMDV1, 48);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct pt_xlate x;

		ASSERT_OK(pt_map(&D, c[i].iova, c[i].pa, c[i].size, RW,
				 c[i].size, 0));
		CHECK_EQ(check_replicas(c[i].iova + c[i].size - 1, c[i].val),
			 c[i].nrep);
		ASSERT_OK(pt_translate(&D, c[i].iova + c[i].size / 2, &x));
		CHECK_EQ(x.iova, c[i].iova);
		CHECK_EQ(x.size, c[i].size);
		CHECK_EQ(x.pa, c[i].pa);
		/* a write sets HD in the one replica it used */
		ASSERT_OK(pt_hw_access(&D, c[i].iova + c[i].size - 1,
				       PT_PROT_WRITE, &x));
		CHECK(x.dirty);
		CHECK_EQ(pte(c[i].iova + c[i].size - 1), c[i].val | 0x60);
		CHECK_EQ(pte(c[i].iova), c[i].val);
	}
	pt_domain_destroy(&D);
}

TEST(vtdss_bits)
{
	setup(PT_FMT_VTDSS, 48);
	/* R bit 0, W bit 1, no present bit */
	map_ok(0x1000, 0x12345000, KiB(4), RW, 0);
	CHECK_EQ(pte(0x1000), 0x0000000012345003ULL);
	map_ok(0x2000, 0x12346000, KiB(4), RO, 0);
	CHECK_EQ(pte(0x2000), 0x0000000012346001ULL);
	/* PS bit 7 on 2 MiB and 1 GiB leaves */
	map_ok(MiB(2), 0x40000000, MiB(2), RW, 0);
	CHECK_EQ(pte(MiB(2)), 0x0000000040000083ULL);
	map_ok(GiB(1), 0x80000000, GiB(1), RO, 0);
	CHECK_EQ(pte(GiB(1)), 0x0000000080000081ULL);
	/* table entries R|W, no PS */
	CHECK_EQ(D.root[0] & ~VTDSS_ADDR, 0x3ULL);
	/* A bit 8, D bit 9 */
	ASSERT_OK(pt_hw_access(&D, 0x1000, PT_PROT_WRITE, NULL));
	CHECK_EQ(pte(0x1000), 0x0000000012345303ULL);
	ASSERT_OK(pt_hw_access(&D, 0x2000, PT_PROT_READ, NULL));
	CHECK_EQ(pte(0x2000), 0x0000000012346101ULL);
	CHECK_ERR(pt_hw_access(&D, 0x2000, PT_PROT_WRITE, NULL), EACCES);
	CHECK_EQ(pte(0x2000), 0x0000000012346101ULL);
	pt_domain_destroy(&D);
}

TEST(armv8_bits)
{
	setup(PT_FMT_ARMV8, 48);
	/* page: type 0b11, AF bit 10, AP[2] bit 7, DBM bit 51: writable-clean */
	map_ok(0x1000, 0x12345000, KiB(4), RW, 0);
	CHECK_EQ(pte(0x1000), 0x0008000012345483ULL);
	/* read-only: DBM 0, AP[2] 1 */
	map_ok(0x2000, 0x12346000, KiB(4), RO, 0);
	CHECK_EQ(pte(0x2000), 0x0000000012346483ULL);
	/* block: type 0b01 */
	map_ok(MiB(2), 0x40000000, MiB(2), RW, 0);
	CHECK_EQ(pte(MiB(2)), 0x0008000040000481ULL);
	map_ok(GiB(1), 0x80000000, GiB(1), RW, 0);
	CHECK_EQ(pte(GiB(1)), 0x0008000080000481ULL);
	/* table descriptor: type 0b11, nothing else */
	CHECK_EQ(D.root[0] & ~ARMV8_ADDR, 0x3ULL);
	/* write to writable-clean clears AP[2] -> writable-dirty */
	ASSERT_OK(pt_hw_access(&D, 0x1000, PT_PROT_WRITE, NULL));
	CHECK_EQ(pte(0x1000), 0x0008000012345403ULL);
	pt_domain_destroy(&D);
}

TEST(mock_bits)
{
	setup(PT_FMT_MOCK, 48);
	/* 2 KiB leaf: field 51:12 holds pa >> 11, i.e. pa << 1 */
	map_ok(0x800, 0x12345800, KiB(2), RW, 0);
	CHECK_EQ(pte(0x800), 0x600000002468b001ULL);
	map_ok(0x1000, 0x12346000, KiB(2), RO, 0);
	CHECK_EQ(pte(0x1000), 0x200000002468c001ULL);
	/* 1 MiB leaf at level 1, 512 MiB leaf at level 2 */
	map_ok(MiB(1), 0x100000, MiB(1), RW, 0);
	CHECK_EQ(pte(MiB(1)), 0x6000000000200001ULL);
	map_ok(MiB(512), 0x20000000, MiB(512), RW, 0);
	CHECK_EQ(pte(MiB(512)), 0x6000000040000001ULL);
	/* levels: (48 - 11) / 9 rounded up = 5; root entry NL = 4 */
	CHECK_EQ(D.levels, 5);
	CHECK_EQ(D.root[0] & ~MOCK_ADDR, 0x6000000000000801ULL);
	ASSERT_OK(pt_hw_access(&D, 0x800, PT_PROT_WRITE, NULL));
	CHECK_EQ(pte(0x800), 0x600000002468b061ULL);
	pt_domain_destroy(&D);
}

TEST(levels_and_va_bits)
{
	static const struct {
		enum pt_format fmt;
		unsigned int va, levels;
	} c[] = {
		{ PT_FMT_AMDV1, 32, 3 }, { PT_FMT_AMDV1, 39, 3 },
		{ PT_FMT_AMDV1, 40, 4 }, { PT_FMT_AMDV1, 48, 4 },
		{ PT_FMT_AMDV1, 57, 5 }, { PT_FMT_VTDSS, 57, 5 },
		{ PT_FMT_ARMV8, 48, 4 }, { PT_FMT_ARMV8, 39, 3 },
		{ PT_FMT_MOCK, 56, 5 }, { PT_FMT_MOCK, 38, 3 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ASSERT_OK(pt_domain_init(&D, c[i].fmt, c[i].va,
					 pt_format_pgsizes(c[i].fmt)));
		CHECK_EQ(D.levels, c[i].levels);
		CHECK_EQ(D.nr_tables, 1);
		pt_domain_destroy(&D);
	}
	CHECK_ERR(pt_domain_init(&D, PT_FMT_ARMV8, 49, ARMV8_PGSIZES), EINVAL);
	CHECK_ERR(pt_domain_init(&D, PT_FMT_AMDV1, 31, AMDV1_PGSIZES), EINVAL);
	CHECK_ERR(pt_domain_init(&D, PT_FMT_AMDV1, 58, AMDV1_PGSIZES), EINVAL);
	CHECK_ERR(pt_domain_init(&D, PT_FMT_NR, 48, AMDV1_PGSIZES), EINVAL);
	CHECK_ERR(pt_domain_init(&D, PT_FMT_VTDSS, 48, 0), EINVAL);
	/* granule missing; size the format cannot do */
	CHECK_ERR(pt_domain_init(&D, PT_FMT_VTDSS, 48, MiB(2)), EINVAL);
	CHECK_ERR(pt_domain_init(&D, PT_FMT_VTDSS, 48, KiB(4) | KiB(8)),
		  EINVAL);
	CHECK_ERR(pt_domain_init(&D, PT_FMT_AMDV1, 48,
				 KiB(4) | GiB(512)), EINVAL);
	CHECK_ERR(pt_domain_init(&D, PT_FMT_MOCK, 48, KiB(4)), EINVAL);
	CHECK_EQ(pt_format_pgsizes(PT_FMT_MOCK), KiB(2) | MiB(1) | MiB(512));
	CHECK(!strcmp(pt_format_name(PT_FMT_ARMV8), "armv8"));
}

TEST(no_leaks)
{
	CHECK_EQ(pt_host_tables_live, 0);
}

TEST_MAIN("fmt")
