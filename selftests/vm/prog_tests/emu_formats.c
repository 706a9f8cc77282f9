// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every page-table format at every leaf size, dirtied by DMA and checked
 * against the oracle.  Small leaves map ordinary memory on a device that
 * only has the granule; 2 MiB (and mock 1 MiB) leaves map hugetlb memory;
 * 1 GiB leaves use IODIRTY_PHANTOM_MAP since the guest cannot spare the
 * memory.  Huge leaves are reported whole.
 */
#include "../emu_util.h"

enum backing { B_SMALL, B_HUGETLB, B_PHANTOM };

struct fmt_case {
	const char *name;
	__u32 model;
	__u64 leaf;		/* leaf size under test */
	__u64 pgsize;		/* device leaf sizes */
	enum backing backing;
	__u64 iova, len;	/* mapped range */
	__u64 bm_ps;		/* bitmap granule */
	unsigned int nw;	/* leaves written */
	unsigned int w[4];	/* their indices */
};

#define SMALL(nm, m, l)							\
	{ nm, m, l, l, B_SMALL, EMU_IOVA, 64 * (l), l, 4, { 0, 5, 6, 63 } }
#define HUGE2M(nm, m)							\
	{ nm, m, SZ_2M, SZ_4K | SZ_2M, B_HUGETLB, EMU_IOVA, 2 * SZ_2M, SZ_4K, \
	  1, { 1 } }
#define PHANTOM1G(nm, m)						\
	{ nm, m, SZ_1G, SZ_4K | SZ_2M | SZ_1G, B_PHANTOM, SZ_1G, 3 * SZ_1G, \
	  SZ_2M, 2, { 0, 2 } }

static const struct fmt_case cases[] = {
	SMALL("amd_4k", IODIRTY_MODEL_AMD, SZ_4K),
	HUGE2M("amd_2m", IODIRTY_MODEL_AMD),
	PHANTOM1G("amd_1g", IODIRTY_MODEL_AMD),
	SMALL("vtd_4k", IODIRTY_MODEL_VTD, SZ_4K),
	HUGE2M("vtd_2m", IODIRTY_MODEL_VTD),
	PHANTOM1G("vtd_1g", IODIRTY_MODEL_VTD),
	SMALL("arm_4k", IODIRTY_MODEL_ARM, SZ_4K),
	HUGE2M("arm_2m", IODIRTY_MODEL_ARM),
	PHANTOM1G("arm_1g", IODIRTY_MODEL_ARM),
	SMALL("mock_2k", IODIRTY_MODEL_MOCK, SZ_2K),
	{ "mock_1m", IODIRTY_MODEL_MOCK, SZ_1M, SZ_2K | SZ_1M, B_HUGETLB,
	  EMU_IOVA, 4 * SZ_1M, SZ_2K, 2, { 0, 2 } },
};

/* where in leaf @w the test writes: a few bytes inside one bitmap granule */
static __u64 write_off(const struct fmt_case *c, unsigned int w)
{
	__u64 in_leaf = c->leaf > c->bm_ps ? 3 * c->bm_ps : 0;

	return (__u64)w * c->leaf + in_leaf + 17;
}

#define WRITE_LEN 100

static void run_case(const struct fmt_case *c)
{
	__u64 nbits = c->len / c->bm_ps, per_leaf = c->leaf / c->bm_ps;
	__u64 nbytes = emu_bm_bytes(nbits), i;
	void *buf = NULL, *bm = NULL, *want = NULL;
	struct iodirty_harvest h;
	struct iodirty_oracle o;
	struct emu_env e = { .fd = -1 };
	unsigned int k;

	if (c->backing == B_SMALL) {
		buf = emu_alloc(c->len);
		if (!ASSERT_OK_PTR(buf, "alloc"))
			return;
	} else if (c->backing == B_HUGETLB) {
		buf = emu_alloc_huge(c->len);
		if (!buf) {
			test__skip("no hugetlb pages (run with --hugepages)");
			return;
		}
	}
	bm = calloc(1, nbytes);
	want = calloc(1, nbytes);
	if (!ASSERT_OK_PTR(bm, "calloc") || !ASSERT_OK_PTR(want, "calloc"))
		goto out;

	if (!emu_env_setup(&e, c->model, c->pgsize, buf, c->len, c->iova,
			   false))
		goto out;
	if (c->backing == B_PHANTOM &&
	    !ASSERT_OK(emu_phantom_map(e.fd, e.ioas, c->iova, c->len, c->leaf),
		       "phantom_map"))
		goto out;
	if (!ASSERT_OK(emu_set_dirty(e.fd, e.hwpt, true), "enable tracking") ||
	    !ASSERT_OK(emu_oracle_reset(e.fd, e.hwpt), "oracle reset"))
		goto out;

	/* nothing dirty right after enable */
	if (!ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, c->iova, c->len, c->bm_ps, bm,
				     0), "GET after enable"))
		goto out;
	ASSERT_EQ(emu_bm_weight(bm, nbits), 0, "clean after enable");

	for (k = 0; k < c->nw; k++) {
		__u64 off = write_off(c, c->w[k]);

		if (!ASSERT_OK(emu_dma_write(e.fd, e.dev, c->iova + off, WRITE_LEN),
			       "DMA write"))
			goto out;
		if (buf)
			ASSERT_EQ(((__u8 *)buf)[off + WRITE_LEN - 1],
				  (c->iova + off + WRITE_LEN - 1) & 0xff,
				  "pattern byte in memory");
		for (i = 0; i < per_leaf; i++)
			emu_bm_set(want, c->w[k] * per_leaf + i);
	}

	/* the leaf size really is the one under test (no bitmap, no clear) */
	if (ASSERT_OK(emu_harvest(e.fd, e.hwpt, IODIRTY_HARVEST_NO_CLEAR, c->iova,
				  c->len, c->bm_ps, NULL, &h), "HARVEST counters")) {
		ASSERT_EQ(h.out_leaves, c->len / c->leaf, "out_leaves = leaf count");
		ASSERT_EQ(h.out_dirty_leaves, c->nw, "out_dirty_leaves");
		ASSERT_EQ(h.out_dirty_bytes, c->nw * c->leaf, "out_dirty_bytes");
	}

	memset(bm, 0, nbytes);
	if (!ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, c->iova, c->len, c->bm_ps, bm,
				     0), "GET"))
		goto out;
	ASSERT_EQ(emu_bm_diff(bm, want, nbits, "bitmap"), 0,
		  "exact bits (whole leaves)");
	if (ASSERT_OK(emu_oracle_check(e.fd, e.hwpt, c->iova, c->len, c->bm_ps,
				       bm, &o), "ORACLE CHECK")) {
		ASSERT_EQ(o.out_written, c->nw, "oracle out_written");
		ASSERT_EQ(o.out_missed, 0, "oracle out_missed");
		ASSERT_EQ(o.out_spurious, c->nw * (per_leaf - 1),
			  "oracle out_spurious (rest of the huge leaves)");
	}
	/* the same harvest as one epoch round: every owed page in it */
	if (ASSERT_OK(iodirty_oracle_round(e.fd, e.hwpt, 0, c->iova, c->len,
					   c->bm_ps, bm, 0,
					   IODIRTY_ORACLE_ROUND_FINAL, &o),
		      "ORACLE ROUND")) {
		ASSERT_EQ(o.out_written, c->nw, "round: pages owed");
		ASSERT_EQ(o.out_missed, 0, "round: missed");
	}
	memset(bm, 0, nbytes);
	if (ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, c->iova, c->len, c->bm_ps, bm,
				    0), "second GET"))
		ASSERT_EQ(emu_bm_weight(bm, nbits), 0, "second GET empty");

	/* again, with a bitmap granule equal to the leaf: one bit per leaf */
	for (k = 0; k < c->nw; k++)
		ASSERT_OK(emu_dma_write(e.fd, e.dev, c->iova + write_off(c, c->w[k]),
					1), "DMA write again");
	{
		__u64 lbits = c->len / c->leaf;
		__u8 lbm[16] = {}, lwant[16] = {};

		for (k = 0; k < c->nw; k++)
			emu_bm_set(lwant, c->w[k]);
		if (ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, c->iova, c->len, c->leaf,
					    lbm, 0), "GET page_size = leaf"))
			ASSERT_EQ(emu_bm_diff(lbm, lwant, lbits, "leaf bitmap"), 0,
				  "one bit per dirty leaf");
	}
	if (c->backing == B_PHANTOM)
		ASSERT_OK(emu_unmap(e.fd, e.ioas, c->iova, c->len), "unmap phantom");
out:
	emu_env_teardown(&e);
	free(bm);
	free(want);
	if (c->backing == B_SMALL)
		emu_free(buf, c->len);
	else if (c->backing == B_HUGETLB)
		emu_free(buf, c->len);
}

DEFINE_TEST(emu_formats)
{
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (test__start_subtest(cases[i].name))
			run_case(&cases[i]);
}
