// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A background scan clears dirty bits; with no policy to export them (or
 * one that drops them) they must still reach the next GET_DIRTY_BITMAP:
 * the scan carry.  GET stays exact and complete while a scanner runs.
 */
#include <stdlib.h>
#include <unistd.h>
#include "../test_progs.h"
#include "../iodirty_test_util.h"
#include "../emu_util.h"

#define SC_LEN	(256 * 4096ULL)
#define SC_IOVA	0x400000ULL

static int scan_run(int fd, __u32 hwpt, __u32 flags, struct iodirty_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->op = IODIRTY_SCAN_RUN;
	s->hwpt_id = hwpt;
	s->flags = flags;
	return ioctl(fd, IODIRTY_SCAN, s);
}

DEFINE_TEST(scan_carry)
{
	static const unsigned int pages[] = { 0, 1, 2, 77, 130, 255 };
	const unsigned int n = sizeof(pages) / sizeof(pages[0]);
	__u8 bm[SC_LEN / 4096 / 8], bm2[sizeof(bm)];
	struct iodirty_oracle o;
	struct iodirty_scan s;
	struct emu_env e;
	void *buf;
	unsigned int i;

	buf = emu_alloc(SC_LEN);
	if (!ASSERT_OK_PTR(buf, "alloc"))
		return;
	if (!emu_env_setup(&e, IODIRTY_MODEL_VTD, 0, buf, SC_LEN, SC_IOVA, true))
		goto out;

	if (test__start_subtest("scan_without_policy_then_get")) {
		for (i = 0; i < n; i++)
			ASSERT_OK(emu_dma_write(e.fd, e.dev,
						SC_IOVA + pages[i] * 4096ULL, 8),
				  "dma write");
		if (ASSERT_OK(scan_run(e.fd, e.hwpt, 0, &s), "scan"))
			ASSERT_EQ(s.out_dirty_pages, n, "scan found the pages");
		memset(bm, 0, sizeof(bm));
		ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, SC_IOVA, SC_LEN, 4096, bm, 0),
			  "get");
		ASSERT_EQ(emu_bm_weight(bm, SC_LEN / 4096), n, "GET reports them");
		for (i = 0; i < n; i++)
			ASSERT_TRUE(emu_bm_test(bm, pages[i]), "page bit");
		ASSERT_OK(emu_oracle_check(e.fd, e.hwpt, SC_IOVA, SC_LEN, 4096, bm,
					   &o), "oracle");
		ASSERT_EQ(o.out_written, n, "written");
		ASSERT_EQ(o.out_missed, 0, "missed");
		memset(bm2, 0, sizeof(bm2));
		ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, SC_IOVA, SC_LEN, 4096, bm2, 0),
			  "second get");
		ASSERT_EQ(emu_bm_weight(bm2, SC_LEN / 4096), 0, "carry consumed");
	}

	if (test__start_subtest("no_clear_keeps_carry")) {
		ASSERT_OK(emu_dma_write(e.fd, e.dev, SC_IOVA + 9 * 4096ULL, 8), "dma");
		ASSERT_OK(scan_run(e.fd, e.hwpt, IODIRTY_SCAN_FULL, &s), "scan");
		memset(bm, 0, sizeof(bm));
		ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, SC_IOVA, SC_LEN, 4096, bm,
					IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR),
			  "get no_clear");
		ASSERT_TRUE(emu_bm_test(bm, 9), "reported");
		memset(bm, 0, sizeof(bm));
		ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, SC_IOVA, SC_LEN, 4096, bm, 0),
			  "get");
		ASSERT_TRUE(emu_bm_test(bm, 9), "still reported after NO_CLEAR");
		ASSERT_EQ(emu_bm_weight(bm, SC_LEN / 4096), 1, "only that page");
	}
	if (test__start_subtest("oracle_range_inside_a_granule")) {
		/* a 2 KiB-granular check of half of one 4 KiB granule: the
		 * written granule counts once, inside the range only */
		__u8 one = 1;

		ASSERT_OK(emu_oracle_reset(e.fd, e.hwpt), "reset");
		ASSERT_OK(emu_dma_write(e.fd, e.dev, SC_IOVA + 4 * 4096ULL, 8), "dma");
		ASSERT_OK(emu_oracle_check(e.fd, e.hwpt, SC_IOVA + 4 * 4096ULL + 2048,
					   2048, 2048, &one, &o), "check");
		ASSERT_EQ(o.out_written, 1, "written");
		ASSERT_EQ(o.out_missed, 0, "missed");
		ASSERT_ERRNO(emu_oracle_check(e.fd, e.hwpt, SC_IOVA, 64, 1, &one, &o),
			     EINVAL, "page_size 1");
		ASSERT_ERRNO(emu_oracle_check(e.fd, e.hwpt, SC_IOVA, 4096, 1024,
					      bm, &o), EINVAL, "page_size 1 KiB");
	}
	emu_env_teardown(&e);
out:
	emu_free(buf, SC_LEN);
}
