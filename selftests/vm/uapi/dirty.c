// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_HWPT_SET_DIRTY_TRACKING and the error paths of
 * IOMMU_HWPT_GET_DIRTY_BITMAP: the 6.12 errno table (reference §1.3) in
 * order, plus iodirty's deliberate deviations where 6.12 returns success
 * (unmapped IOVA -> ENOENT, tracking disabled -> EINVAL, faulting bitmap ->
 * EFAULT without losing dirty bits, page_size not a power of two -> EINVAL).
 *
 * Fixture: one IOAS with a mock device (its auto HWPT, no dirty ops) and a
 * dirty-tracking HWPT allocated from the same device, no device attached,
 * tracking enabled; DIRTY_PAGES CPU pages mapped at the aperture start.
 */

#define DIRTY_PAGES	64	/* 256 KiB: 128 IO pages, 16-byte bitmap */

FIXTURE(dirty) {
	int fd;
	__u32 ioas, stdev, hwpt, idev, dhwpt;
	void *buf;
	size_t len;
	__u64 iova;
	__u64 nbits;
	unsigned char *ones;	/* all-ones input bitmap for TEST_OP_DIRTY */
};

FIXTURE_SETUP(dirty)
{
	self->len = DIRTY_PAGES * iod_page_size();
	self->buf = iod_alloc_buf(self->len);
	ASSERT_NE(NULL, self->buf);
	self->iova = MOCK_APERTURE_START;
	self->nbits = self->len / MOCK_IO_PAGE;
	self->ones = malloc(bm_bytes(self->nbits) + 64);
	ASSERT_NE(NULL, self->ones);
	memset(self->ones, 0xff, bm_bytes(self->nbits) + 64);
	self->fd = iod_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, mock_dirty_stack(self->fd, self->buf, self->len, self->iova,
				      &self->ioas, &self->stdev, &self->hwpt,
				      &self->idev, &self->dhwpt));
}

FIXTURE_TEARDOWN(dirty)
{
	close(self->fd);
	munmap(self->buf, self->len);
	free(self->ones);
}

/* Mark IO pages (indices from the fixture IOVA) dirty, one call each. */
static int mark_io_pages(int fd, __u32 hwpt, __u64 base, const __u64 *idx,
			 int n)
{
	unsigned char one = 1;
	__u64 nr;
	int i, rc;

	for (i = 0; i < n; i++) {
		rc = test_dirty(fd, hwpt, base + idx[i] * MOCK_IO_PAGE,
				MOCK_IO_PAGE, MOCK_IO_PAGE, &one, &nr);
		if (rc)
			return rc;
		if (nr != 1)
			return -ERANGE;
	}
	return 0;
}

TEST_F(dirty, set_tracking_idempotent)
{
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, true));
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, true));
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, false));
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, false));
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, true));
}

TEST_F(dirty, set_tracking_errors)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
		.hwpt_id = self->dhwpt,
	};

	cmd.flags = 2;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING,
					 &cmd));
	cmd.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE | (1u << 31);
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING,
					 &cmd));
	/* iodirty checks __reserved (6.12 does not) */
	cmd.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	cmd.__reserved = 1;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING,
					 &cmd));
	cmd.__reserved = 0;
	/* a HWPT without dirty support (the mock device's auto domain) */
	ASSERT_EQ(-EOPNOTSUPP, set_dirty(self->fd, self->hwpt, true));
	ASSERT_EQ(-EOPNOTSUPP, set_dirty(self->fd, self->hwpt, false));
	/* not a HWPT at all */
	ASSERT_EQ(-ENOENT, set_dirty(self->fd, 4242, true));
	ASSERT_EQ(-ENOENT, set_dirty(self->fd, 0, true));
	ASSERT_EQ(-ENOENT, set_dirty(self->fd, self->ioas, true));
	ASSERT_EQ(-ENOENT, set_dirty(self->fd, self->idev, true));
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd));
}

/* The 6.12 checks of GET_DIRTY_BITMAP, in the order 6.12 makes them. */
TEST_F(dirty, get_errno_table)
{
	__u64 bm[4] = {};
	struct iommu_hwpt_get_dirty_bitmap good = {
		.size = sizeof(good),
		.hwpt_id = self->dhwpt,
		.iova = self->iova,
		.length = self->len,
		.page_size = MOCK_IO_PAGE,
		.data = (uintptr_t)bm,
	}, c;
	const unsigned long GET = IOMMU_HWPT_GET_DIRTY_BITMAP;

	c = good;
	ASSERT_EQ(0, iod_ioctl(self->fd, GET, &c));

	/* 1: unknown flags, non-zero __reserved; before everything else */
	c = good;
	c.flags = 2;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, GET, &c));
	c.hwpt_id = 4242;
	c.length = 0;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, GET, &c));
	c = good;
	c.__reserved = 1;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, GET, &c));

	/* 2: not a HWPT_PAGING; before the range checks */
	c = good;
	c.hwpt_id = 4242;
	ASSERT_EQ(-ENOENT, iod_ioctl(self->fd, GET, &c));
	c.hwpt_id = self->ioas;
	ASSERT_EQ(-ENOENT, iod_ioctl(self->fd, GET, &c));
	c.hwpt_id = self->idev;
	ASSERT_EQ(-ENOENT, iod_ioctl(self->fd, GET, &c));
	c.length = 0;
	ASSERT_EQ(-ENOENT, iod_ioctl(self->fd, GET, &c));

	/* 3: length 0 */
	c = good;
	c.length = 0;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, GET, &c));

	/* 4: iova + length - 1 overflows; before alignment */
	c = good;
	c.length = U64_MAX_;
	ASSERT_EQ(-EOVERFLOW, iod_ioctl(self->fd, GET, &c));
	c.iova = U64_MAX_ - MOCK_IO_PAGE + 1;
	c.length = 2 * MOCK_IO_PAGE;
	ASSERT_EQ(-EOVERFLOW, iod_ioctl(self->fd, GET, &c));

	/* 6: iova / end not aligned to the IOAS alignment (2 KiB) */
	c = good;
	c.iova += 1024;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, GET, &c));
	c = good;
	c.length = 1024;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, GET, &c));

	/* 7: page_size 0 */
	c = good;
	c.page_size = 0;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, GET, &c));

	/* 8: iova / end not aligned to page_size */
	c = good;
	c.page_size = 4096;
	c.iova += MOCK_IO_PAGE;
	c.length -= 2 * MOCK_IO_PAGE;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, GET, &c));
	c = good;
	c.page_size = 4096;
	c.length = 3 * MOCK_IO_PAGE;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, GET, &c));

	/* 9: a HWPT without dirty ops; range errors still come first */
	c = good;
	c.hwpt_id = self->hwpt;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, GET, &c));
	c.page_size = 0;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, GET, &c));

	/* and the good call still works, nothing was disturbed */
	c = good;
	ASSERT_EQ(0, iod_ioctl(self->fd, GET, &c));
	ASSERT_EQ(0, bm[0] | bm[1]);
}

TEST_F(dirty, get_page_size_not_pow2_einval)
{
	__u64 bm[4] = {};

	/* 6 KiB: iova (16 MiB) and length (96 KiB) pass the mask test */
	ASSERT_EQ(-EINVAL, get_dirty(self->fd, self->dhwpt, self->iova,
				     16 * 6144, 6144, bm, 0));
	ASSERT_EQ(-EINVAL, get_dirty(self->fd, self->dhwpt, self->iova,
				     self->len, 3 * MOCK_IO_PAGE * 4, bm, 0));
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       2 * MOCK_IO_PAGE, bm, 0));
}

/*
 * syzbot "divide error in iova_bitmap_alloc" (Oct 2025): page_size
 * 0x8000000000000000 made upstream's bitmap sizing divide by
 * 64 * 2^63 == 0.  Pinned here with the reproducer's page size and the
 * other powers of two above 1 GiB, at a range they are aligned to
 * (iova 0, length 2^63) and at the mapped one: EINVAL, the kernel alive,
 * the next good call working.  The host suite bugclass checks the sizing
 * arithmetic itself and shows the old division does fault.
 */
TEST_F(dirty, get_page_size_2_63_einval)
{
	static const __u64 huge[] = {
		1ULL << 63, 1ULL << 62, 1ULL << 40, 1ULL << 31,
	};
	__u64 bm[4] = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		EXPECT_EQ(-EINVAL, get_dirty(self->fd, self->dhwpt, 0,
					     1ULL << 63, huge[i], bm, 0));
		EXPECT_EQ(-EINVAL, get_dirty(self->fd, self->dhwpt, 0,
					     1ULL << 63, huge[i], NULL, 0));
		EXPECT_EQ(-EINVAL, get_dirty(self->fd, self->dhwpt,
					     self->iova, self->len, huge[i],
					     bm, 0));
	}
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       2 * MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(0, bm[0] | bm[1] | bm[2] | bm[3]);
}

TEST_F(dirty, get_unmapped_enoent)
{
	long pg = iod_page_size();
	__u64 idx[] = { 0, 5, 127 };
	__u64 bm[8] = {}, end = self->iova + self->len;
	int i;

	ASSERT_EQ(0, mark_io_pages(self->fd, self->dhwpt, self->iova, idx, 3));
	/* entirely unmapped, starting in unmapped, crossing into unmapped */
	ASSERT_EQ(-ENOENT, get_dirty(self->fd, self->dhwpt, end, 16 * pg,
				     MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(-ENOENT, get_dirty(self->fd, self->dhwpt, self->iova - pg,
				     2 * pg, MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(-ENOENT, get_dirty(self->fd, self->dhwpt, self->iova,
				     self->len + pg, MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(-ENOENT, get_dirty(self->fd, self->dhwpt, self->iova,
				     self->len + pg, MOCK_IO_PAGE, bm,
				     IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));

	/* a hole in the middle: unmap 1 page of a 3-area layout */
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, 0, U64_MAX_, NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * pg,
				    self->iova));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * pg,
				    self->iova + 5 * pg));
	ASSERT_EQ(-ENOENT, get_dirty(self->fd, self->dhwpt, self->iova, 9 * pg,
				     MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(-ENOENT, get_dirty(self->fd, self->dhwpt, self->iova + 4 * pg,
				     pg, MOCK_IO_PAGE, bm, 0));
	/* the failures wrote nothing */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, bm[i]);
	/* each side alone is fine */
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, 4 * pg,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova + 5 * pg,
			       4 * pg, MOCK_IO_PAGE, bm, 0));
}

TEST_F(dirty, get_unmapped_keeps_bits)
{
	long pg = iod_page_size();
	__u64 idx[] = { 1, 64, 126 };
	__u64 bm[4] = {};

	ASSERT_EQ(0, mark_io_pages(self->fd, self->dhwpt, self->iova, idx, 3));
	ASSERT_EQ(-ENOENT, get_dirty(self->fd, self->dhwpt, self->iova,
				     self->len + pg, MOCK_IO_PAGE, bm, 0));
	/* nothing was cleared by the failed call */
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ((1ULL << 1), bm[0]);
	ASSERT_EQ((1ULL << 0) | (1ULL << 62), bm[1]);
}

TEST_F(dirty, get_disabled_einval)
{
	__u64 idx[] = { 7 };
	__u64 bm[4] = {};
	unsigned char one = 1;

	ASSERT_EQ(0, mark_io_pages(self->fd, self->dhwpt, self->iova, idx, 1));
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, false));
	ASSERT_EQ(-EINVAL, get_dirty(self->fd, self->dhwpt, self->iova,
				     self->len, MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(-EINVAL, get_dirty(self->fd, self->dhwpt, self->iova,
				     self->len, MOCK_IO_PAGE, bm,
				     IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	ASSERT_EQ(0, bm[0] | bm[1]);
	/* the mock cannot dirty a disabled domain either */
	ASSERT_EQ(-EINVAL, test_dirty(self->fd, self->dhwpt, self->iova,
				      MOCK_IO_PAGE, MOCK_IO_PAGE, &one, NULL));
	/* enabling starts from a clean slate */
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, true));
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(0, bm[0] | bm[1]);
}

TEST_F(dirty, enable_clears_stale_bits)
{
	__u64 idx[] = { 0, 100 };
	__u64 bm[4] = {};

	ASSERT_EQ(0, mark_io_pages(self->fd, self->dhwpt, self->iova, idx, 2));
	/* re-enabling while enabled is a no-op: bits stay */
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, true));
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm,
			       IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	ASSERT_EQ(1ULL, bm[0]);
	ASSERT_EQ(1ULL << 36, bm[1]);
	/* off and on again: the old bits are gone */
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, false));
	ASSERT_EQ(0, set_dirty(self->fd, self->dhwpt, true));
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(0, bm[0] | bm[1]);
}

static void *ro_and_hole_pages(long pg, void **hole)
{
	char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, 3 * pg);
	/* page 0 writable, page 1 read-only, page 2 unmapped */
	mprotect(p + pg, pg, PROT_READ);
	munmap(p + 2 * pg, pg);
	*hole = p + 2 * pg;
	return p;
}

TEST_F(dirty, get_efault_keeps_bits)
{
	long pg = iod_page_size();
	__u64 idx[] = { 2, 3, 90 };
	__u64 bm[4] = {};
	void *hole;
	char *p = ro_and_hole_pages(pg, &hole);
	__u32 fl;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mark_io_pages(self->fd, self->dhwpt, self->iova, idx, 3));
	for (fl = 0; fl <= IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR; fl++) {
		/* read-only page, unmapped page, NULL, a kernel address */
		ASSERT_EQ(-EFAULT, get_dirty(self->fd, self->dhwpt, self->iova,
					     self->len, MOCK_IO_PAGE, p + pg,
					     fl));
		ASSERT_EQ(-EFAULT, get_dirty(self->fd, self->dhwpt, self->iova,
					     self->len, MOCK_IO_PAGE, hole, fl));
		ASSERT_EQ(-EFAULT, get_dirty(self->fd, self->dhwpt, self->iova,
					     self->len, MOCK_IO_PAGE, NULL, fl));
		ASSERT_EQ(-EFAULT, get_dirty(self->fd, self->dhwpt, self->iova,
					     self->len, MOCK_IO_PAGE,
					     (void *)0xffff888000000000UL, fl));
	}
	/* the read-only page really was not written */
	ASSERT_EQ(0, p[pg]);
	/* the bits are still there */
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ((1ULL << 2) | (1ULL << 3), bm[0]);
	ASSERT_EQ(1ULL << 26, bm[1]);
	/* and cleared by that successful call */
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(0, bm[0] | bm[1]);
	munmap(p, 2 * pg);
}

/* A bitmap whose first bytes are writable and whose tail is not. */
TEST_F(dirty, get_efault_straddle_keeps_bits)
{
	long pg = iod_page_size();
	__u64 idx[] = { 0, 1, 64, 127 };
	__u64 bm[4] = {};
	void *hole;
	char *p = ro_and_hole_pages(pg, &hole);
	char *start;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mark_io_pages(self->fd, self->dhwpt, self->iova, idx, 4));
	/* 16 bytes of bitmap, 8 in the writable page, 8 in the RO one */
	start = p + pg - 8;
	ASSERT_EQ(-EFAULT, get_dirty(self->fd, self->dhwpt, self->iova,
				     self->len, MOCK_IO_PAGE, start, 0));
	ASSERT_EQ(0, p[pg]);
	/* a good call reports all four, wherever the first one wrote */
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(3ULL, bm[0]);
	ASSERT_EQ(1ULL | (1ULL << 63), bm[1]);
	munmap(p, 2 * pg);
}

TEST_F(dirty, test_op_dirty_checks)
{
	unsigned char bits[64];
	__u64 nr = 0;

	memset(bits, 0xff, sizeof(bits));
	/* all IO pages of the mapping */
	ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt, self->iova, self->len,
				MOCK_IO_PAGE, bits, &nr));
	ASSERT_EQ(self->nbits, nr);
	/* only mapped entries count: the second half is unmapped */
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, 0, U64_MAX_, NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf,
				    self->len / 2, self->iova));
	ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt, self->iova, self->len,
				MOCK_IO_PAGE, bits, &nr));
	ASSERT_EQ(self->nbits / 2, nr);
	/* argument checks */
	ASSERT_EQ(-EINVAL, test_dirty(self->fd, self->dhwpt, self->iova,
				      self->len, 0, bits, &nr));
	ASSERT_EQ(-EINVAL, test_dirty(self->fd, self->dhwpt, self->iova, 0,
				      MOCK_IO_PAGE, bits, &nr));
	ASSERT_EQ(-EINVAL, test_dirty(self->fd, self->dhwpt, self->iova + 1024,
				      self->len, MOCK_IO_PAGE, bits, &nr));
	ASSERT_EQ(-EINVAL, test_dirty(self->fd, self->dhwpt, self->iova,
				      self->len, MOCK_IO_PAGE, NULL, &nr));
	ASSERT_EQ(-ENOENT, test_dirty(self->fd, 4242, self->iova, self->len,
				      MOCK_IO_PAGE, bits, &nr));
}

TEST_F(dirty, hwpt_alloc_fills_existing_mappings)
{
	__u32 h2;
	__u64 nr = 0;
	__u64 bm[4] = {};

	/* the buffer was mapped before this HWPT existed */
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &h2));
	ASSERT_EQ(0, set_dirty(self->fd, h2, true));
	ASSERT_EQ(0, test_dirty(self->fd, h2, self->iova, self->len,
				MOCK_IO_PAGE, self->ones, &nr));
	ASSERT_EQ(self->nbits, nr);
	ASSERT_EQ(0, get_dirty(self->fd, h2, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(~0ULL, bm[0]);
	ASSERT_EQ(~0ULL, bm[1]);
	/* the other dirty HWPT was not touched */
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(0, bm[0] | bm[1]);
}

TEST_F(dirty, unmap_remap_is_clean)
{
	__u64 nr, bm[4] = {};

	ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt, self->iova, self->len,
				MOCK_IO_PAGE, self->ones, &nr));
	ASSERT_EQ(self->nbits, nr);
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, self->iova, self->len,
				NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, self->len,
				    self->iova));
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, bm, 0));
	ASSERT_EQ(0, bm[0] | bm[1]);
}
