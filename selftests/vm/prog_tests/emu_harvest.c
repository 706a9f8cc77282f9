// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Harvesting DMA-dirtied pages: user bitmaps at odd alignments (including
 * one crossing a page boundary), NO_CLEAR, and the IODIRTY_HARVEST
 * counters (leaves, dirty leaves, bytes, runs, cleared, flushes).
 */
#include "../emu_util.h"

#define NPAGES	256
#define LEN	(NPAGES * SZ_4K)
#define BMB	(NPAGES / 8)

static bool write_pages(struct emu_env *e, const unsigned int *pages,
			unsigned int n, __u8 *want)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!ASSERT_OK(emu_dma_write(e->fd, e->dev,
					     e->iova + pages[i] * SZ_4K + 64, 32),
			       "DMA write"))
			return false;
		if (want)
			emu_bm_set(want, pages[i]);
	}
	return true;
}

/* start clean whatever an earlier subtest left behind */
static void drain(struct emu_env *e)
{
	__u8 bm[BMB];

	emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0);
}

static void subtest_unaligned(struct emu_env *e, __u64 off)
{
	static const unsigned int pages[] = { 0, 1, 9, 63, 64, 127, 128, 200, 255 };
	__u8 *area, want[BMB] = {}, copy[BMB];
	struct iodirty_oracle o;
	__u64 i, bad = 0;

	drain(e);
	area = emu_alloc(2 * SZ_4K);
	if (!ASSERT_OK_PTR(area, "alloc"))
		return;
	if (!ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset") ||
	    !write_pages(e, pages, sizeof(pages) / sizeof(pages[0]), want))
		goto out;
	memset(area, 0xa5, 2 * SZ_4K);
	memset(area + off, 0, BMB);
	if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K,
				     area + off, 0), "GET into unaligned bitmap"))
		goto out;
	ASSERT_EQ(emu_bm_diff(area + off, want, NPAGES, "bitmap"), 0,
		  "exact bits");
	for (i = 0; i < 2 * SZ_4K; i++)
		if ((i < off || i >= off + BMB) && area[i] != 0xa5)
			bad++;
	ASSERT_EQ(bad, 0, "bytes around the bitmap untouched");
	memcpy(copy, area + off, BMB);
	if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, e->iova, LEN, SZ_4K, copy,
				       &o), "ORACLE CHECK")) {
		ASSERT_EQ(o.out_written, sizeof(pages) / sizeof(pages[0]),
			  "oracle out_written");
		ASSERT_EQ(o.out_missed, 0, "oracle out_missed");
		ASSERT_EQ(o.out_spurious, 0, "oracle out_spurious");
	}
	/* the oracle reads an unaligned bitmap just as well */
	if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, e->iova, LEN, SZ_4K,
				       area + off, &o), "ORACLE CHECK unaligned"))
		ASSERT_EQ(o.out_missed, 0, "oracle out_missed (unaligned data)");
	/* cleared: a second GET at the same offset is empty */
	memset(area + off, 0, BMB);
	if (ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K,
				    area + off, 0), "second GET"))
		ASSERT_EQ(emu_bm_weight(area + off, NPAGES), 0, "second GET empty");
out:
	emu_free(area, 2 * SZ_4K);
}

static void subtest_no_clear(struct emu_env *e)
{
	static const unsigned int p1[] = { 3, 4, 100 }, p2[] = { 50 };
	__u8 want[BMB] = {}, bm[BMB];
	struct iodirty_harvest h;
	struct iodirty_oracle o;
	int round;

	drain(e);
	if (!ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset") ||
	    !write_pages(e, p1, 3, want))
		return;
	for (round = 0; round < 2; round++) {
		memset(bm, 0, sizeof(bm));
		if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm,
					     IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR),
			       "GET NO_CLEAR"))
			return;
		ASSERT_EQ(emu_bm_diff(bm, want, NPAGES, "no_clear"), 0,
			  "NO_CLEAR reports, and keeps, the dirty pages");
	}
	memset(bm, 0, sizeof(bm));
	if (ASSERT_OK(emu_harvest(e->fd, e->hwpt, IODIRTY_HARVEST_NO_CLEAR,
				  e->iova, LEN, SZ_4K, bm, &h), "HARVEST NO_CLEAR")) {
		ASSERT_EQ(emu_bm_diff(bm, want, NPAGES, "harvest no_clear"), 0,
			  "HARVEST NO_CLEAR bits");
		ASSERT_EQ(h.out_dirty_leaves, 3, "out_dirty_leaves");
		ASSERT_EQ(h.out_cleared, 0, "out_cleared with NO_CLEAR");
		ASSERT_EQ(h.out_flushes, 0, "out_flushes with NO_CLEAR");
	}
	/* still dirty, and a new write adds to it */
	if (!write_pages(e, p2, 1, want))
		return;
	memset(bm, 0, sizeof(bm));
	if (ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm,
				    IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR),
		      "GET NO_CLEAR after new write"))
		ASSERT_EQ(emu_bm_diff(bm, want, NPAGES, "no_clear 2"), 0,
			  "old and new pages");
	memset(bm, 0, sizeof(bm));
	if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		       "GET (clear)"))
		return;
	ASSERT_EQ(emu_bm_diff(bm, want, NPAGES, "clear"), 0, "clearing GET bits");
	if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm,
				       &o), "ORACLE CHECK")) {
		ASSERT_EQ(o.out_written, 4, "oracle out_written");
		ASSERT_EQ(o.out_missed, 0, "oracle out_missed");
	}
	memset(bm, 0, sizeof(bm));
	if (ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		      "GET after clear"))
		ASSERT_EQ(emu_bm_weight(bm, NPAGES), 0, "empty after clearing GET");
}

static void subtest_counters(struct emu_env *e)
{
	/* three runs: [2,5), [10], [20,22), plus [254,256) at the end */
	static const unsigned int pages[] = { 2, 3, 4, 10, 20, 21, 254, 255 };
	const unsigned int n = sizeof(pages) / sizeof(pages[0]);
	__u8 want[BMB] = {}, bm[BMB] = {};
	struct iodirty_harvest h;

	drain(e);
	if (!write_pages(e, pages, n, want))
		return;
	/* counters only, nothing cleared */
	if (ASSERT_OK(emu_harvest(e->fd, e->hwpt, IODIRTY_HARVEST_NO_CLEAR,
				  e->iova, LEN, SZ_4K, NULL, &h),
		      "HARVEST NO_CLEAR data=0")) {
		ASSERT_EQ(h.out_leaves, NPAGES, "out_leaves");
		ASSERT_EQ(h.out_dirty_leaves, n, "out_dirty_leaves");
		ASSERT_EQ(h.out_dirty_bytes, n * SZ_4K, "out_dirty_bytes");
		ASSERT_EQ(h.out_runs, 4, "out_runs");
		ASSERT_EQ(h.out_cleared, 0, "out_cleared");
		ASSERT_EQ(h.out_flushes, 0, "out_flushes");
	}
	if (!ASSERT_OK(emu_harvest(e->fd, e->hwpt, 0, e->iova, LEN, SZ_4K, bm,
				   &h), "HARVEST"))
		return;
	ASSERT_EQ(emu_bm_diff(bm, want, NPAGES, "harvest"), 0, "bits");
	ASSERT_EQ(h.out_leaves, NPAGES, "out_leaves");
	ASSERT_EQ(h.out_dirty_leaves, n, "out_dirty_leaves");
	ASSERT_EQ(h.out_dirty_bytes, n * SZ_4K, "out_dirty_bytes");
	ASSERT_EQ(h.out_runs, 4, "out_runs");
	ASSERT_EQ(h.out_cleared, n, "out_cleared");
	ASSERT_GE(h.out_flushes, 1, "out_flushes >= 1 when cleared");
	printf("# %s: harvest of %u leaves: %llu flushes, walk %llu ns\n",
	       test__current(), NPAGES, (unsigned long long)h.out_flushes,
	       (unsigned long long)h.out_walk_ns);

	memset(bm, 0, sizeof(bm));
	if (ASSERT_OK(emu_harvest(e->fd, e->hwpt, 0, e->iova, LEN, SZ_4K, bm, &h),
		      "second HARVEST")) {
		ASSERT_EQ(emu_bm_weight(bm, NPAGES), 0, "empty");
		ASSERT_EQ(h.out_leaves, NPAGES, "out_leaves");
		ASSERT_EQ(h.out_dirty_leaves, 0, "out_dirty_leaves");
		ASSERT_EQ(h.out_dirty_bytes, 0, "out_dirty_bytes");
		ASSERT_EQ(h.out_runs, 0, "out_runs");
		ASSERT_EQ(h.out_cleared, 0, "out_cleared");
	}

	/* a sub-range: only its leaves are visited and cleared */
	{
		static const unsigned int more[] = { 5, 6, 7, 30 };

		if (!write_pages(e, more, 4, NULL))
			return;
		memset(bm, 0, sizeof(bm));
		if (ASSERT_OK(emu_harvest(e->fd, e->hwpt, 0, e->iova + 6 * SZ_4K,
					  10 * SZ_4K, SZ_4K, bm, &h),
			      "HARVEST [6,16)")) {
			ASSERT_EQ(h.out_leaves, 10, "out_leaves of the sub-range");
			ASSERT_EQ(h.out_dirty_leaves, 2, "6 and 7");
			ASSERT_EQ(h.out_runs, 1, "one run");
			ASSERT_EQ(h.out_cleared, 2, "out_cleared");
			ASSERT_TRUE(emu_bm_test(bm, 0) && emu_bm_test(bm, 1) &&
				    emu_bm_weight(bm, 10) == 2, "bits 0,1");
		}
		memset(bm, 0, sizeof(bm));
		if (ASSERT_OK(emu_harvest(e->fd, e->hwpt, 0, e->iova, LEN, SZ_4K,
					  bm, &h), "HARVEST all")) {
			ASSERT_EQ(h.out_dirty_leaves, 2, "5 and 30 left");
			ASSERT_TRUE(emu_bm_test(bm, 5) && emu_bm_test(bm, 30) &&
				    emu_bm_weight(bm, NPAGES) == 2, "bits 5,30");
		}
	}
}

static void subtest_bad_args(struct emu_env *e)
{
	struct iodirty_harvest h;
	__u8 bm[BMB];

	ASSERT_ERRNO(emu_harvest(e->fd, e->hwpt, 1u << 6, e->iova, LEN, SZ_4K, bm,
				 &h), EOPNOTSUPP, "unknown flag");
	ASSERT_ERRNO(emu_harvest(e->fd, 0x7ffffff0, 0, e->iova, LEN, SZ_4K, bm, &h),
		     ENOENT, "unknown hwpt");
	ASSERT_ERRNO(emu_harvest(e->fd, e->hwpt, 0, e->iova, 0, SZ_4K, bm, &h),
		     EINVAL, "length 0");
	ASSERT_ERRNO(emu_harvest(e->fd, e->hwpt, 0, e->iova, LEN, 0, bm, &h),
		     EINVAL, "page_size 0");
	ASSERT_ERRNO(emu_harvest(e->fd, e->hwpt, 0, e->iova + 512, LEN - SZ_4K,
				 SZ_4K, bm, &h), EINVAL, "misaligned iova");
	ASSERT_ERRNO(emu_harvest(e->fd, e->hwpt, 0, -SZ_4K, 2 * SZ_4K, SZ_4K, bm,
				 &h), EOVERFLOW, "wrapping range");
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.hwpt_id = e->hwpt;
	h.iova = e->iova;
	h.length = LEN;
	h.page_size = SZ_4K;
	h.data = (uintptr_t)bm;
	h.__reserved = 1;
	ASSERT_ERRNO(ioctl(e->fd, IODIRTY_HARVEST, &h), EOPNOTSUPP, "__reserved");
	h.__reserved = 0;
	h.size = 24;
	ASSERT_ERRNO(ioctl(e->fd, IODIRTY_HARVEST, &h), EINVAL, "short size");
}

static bool harvest_setup(struct emu_env *e, void **buf, bool *tried)
{
	if (*tried)
		return emu_env_shared_ready(e);
	*tried = true;
	*buf = emu_alloc(LEN);
	if (!ASSERT_OK_PTR(*buf, "alloc"))
		return false;
	return emu_env_setup(e, IODIRTY_MODEL_AMD, SZ_4K, *buf, LEN, EMU_IOVA,
			     true);
}

DEFINE_TEST(emu_harvest)
{
	static const __u64 offs[] = { 1, 3, 7, 0xff1 };
	struct emu_env e = { .fd = -1 };
	bool tried = false;
	void *buf = NULL;
	char name[64];
	unsigned int i;

#define SETUP() harvest_setup(&e, &buf, &tried)
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "unaligned_bitmap_0x%llx",
			 (unsigned long long)offs[i]);
		if (test__start_subtest(name) && SETUP())
			subtest_unaligned(&e, offs[i]);
	}
	if (test__start_subtest("no_clear") && SETUP())
		subtest_no_clear(&e);
	if (test__start_subtest("counters") && SETUP())
		subtest_counters(&e);
	if (test__start_subtest("bad_args") && SETUP())
		subtest_bad_args(&e);
#undef SETUP
	emu_env_teardown(&e);
	emu_free(buf, LEN);
}
