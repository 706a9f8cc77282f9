// SPDX-License-Identifier: GPL-2.0
/*
 * The surface the 7.x dirty kselftest added after 6.12: IOMMU_OPTION
 * HUGE_PAGES, IOMMU_HWPT_DATA_SELFTEST on a paging HWPT_ALLOC (the
 * MOCK_IOMMUPT_* iommupt mock), IOMMU_HWPT_ALLOC_PASID and the PASID test
 * ops.  Every errno of the UAPI rules, and behaviour the upstream test
 * only sees indirectly: the leaf sizes each choice produces, read back
 * through the dirty bitmap (IOMMU_TEST_OP_DIRTY marks the 2 KiB entry at an
 * IOVA; GET reports its whole leaf).
 */

FIXTURE(mock7) {
	int fd;
	__u32 ioas, stdev, hwpt, idev;
};

FIXTURE_SETUP(mock7)
{
	self->fd = iod_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas, 0, &self->stdev,
				 &self->hwpt, &self->idev));
}

FIXTURE_TEARDOWN(mock7)
{
	close(self->fd);
}

static int option(int fd, __u32 id, __u32 opt, __u16 op, __u64 *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = opt,
		.op = op,
		.object_id = id,
		.val64 = *val,
	};
	int rc = iod_ioctl(fd, IOMMU_OPTION, &cmd);

	if (!rc)
		*val = cmd.val64;
	return rc;
}

static int huge_pages(int fd, __u32 ioas, __u64 val)
{
	return option(fd, ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET,
		      &val);
}

/* HWPT_ALLOC with IOMMU_HWPT_DATA_SELFTEST data of @len bytes at @data */
static int hwpt_alloc_data(int fd, __u32 dev, __u32 pt, __u32 flags,
			   const void *data, __u32 len, __u32 *hwpt)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev,
		.pt_id = pt,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = iod_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && hwpt)
		*hwpt = cmd.out_hwpt_id;
	return rc;
}

static int hwpt_alloc_iommupt(int fd, __u32 dev, __u32 pt, __u32 flags,
			      __u32 type, __u32 *hwpt)
{
	struct iommu_hwpt_selftest cfg = { .pagetable_type = type };

	return hwpt_alloc_data(fd, dev, pt, flags, &cfg, sizeof(cfg), hwpt);
}

static __u64 ioas_align(int fd, __u32 ioas)
{
	struct iommu_iova_range r;
	__u32 num = 1;
	__u64 align = 0;

	if (ioas_ranges(fd, ioas, &r, &num, &align))
		return 0;
	return align;
}

/*
 * Mark the 2 KiB entry at @iova + @off dirty in @hwpt, harvest
 * [@iova, @iova + @len) into a 2 KiB-granule bitmap and return how many
 * bits it reported: the size of the leaf holding @off, in 2 KiB units
 * (clamped to the range), or a negative errno.
 */
static long leaf_granules(int fd, __u32 hwpt, __u64 iova, __u64 len,
			  __u64 off)
{
	__u64 nbits = len / SZ_2K, i, n = 0;
	__u8 *bm = calloc(1, bm_bytes(nbits));
	__u64 nr;
	int rc;

	if (!bm)
		return -ENOMEM;
	bm_set(bm, off / SZ_2K);
	rc = set_dirty(fd, hwpt, true);
	if (!rc)
		rc = test_dirty(fd, hwpt, iova, len, SZ_2K, bm, &nr);
	memset(bm, 0, bm_bytes(nbits));
	if (!rc)
		rc = get_dirty(fd, hwpt, iova, len, SZ_2K, bm, 0);
	for (i = 0; !rc && i < nbits; i++)
		n += bm_test(bm, i);
	free(bm);
	return rc ? rc : (long)n;
}

TEST_F(mock7, option_huge_pages_get_set)
{
	__u64 v = 42;

	ASSERT_EQ(0, option(self->fd, self->ioas, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_GET, &v));
	ASSERT_EQ(1, v);
	/* the mock domain's 2 KiB granule */
	ASSERT_EQ(SZ_2K, ioas_align(self->fd, self->ioas));
	/* a domain but no mapping: allowed */
	ASSERT_EQ(0, huge_pages(self->fd, self->ioas, 0));
	ASSERT_EQ(0, huge_pages(self->fd, self->ioas, 0));	/* idempotent */
	ASSERT_EQ(0, option(self->fd, self->ioas, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_GET, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ((__u64)iod_page_size(), ioas_align(self->fd, self->ioas));
	ASSERT_EQ(0, huge_pages(self->fd, self->ioas, 1));
	ASSERT_EQ(0, option(self->fd, self->ioas, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_GET, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(SZ_2K, ioas_align(self->fd, self->ioas));
}

TEST_F(mock7, option_errors)
{
	struct {
		struct iommu_option cmd;
		__u64 tail;
	} big = { .cmd = { .size = sizeof(big), .object_id = self->ioas,
			   .option_id = IOMMU_OPTION_HUGE_PAGES,
			   .op = IOMMU_OPTION_OP_GET } };
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET,
		.object_id = self->ioas,
	};
	__u64 v = 0;
	__u32 ioas2;
	void *buf;

	ASSERT_EQ(24, sizeof(cmd));
	cmd.size = 23;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd.size = sizeof(cmd);
	cmd.__reserved = 1;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd.__reserved = 0;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_OPTION, &cmd));
	/* a longer struct: its tail must be zero */
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_OPTION, &big));
	ASSERT_EQ(1, big.cmd.val64);
	big.tail = 1;
	ASSERT_EQ(-E2BIG, iod_ioctl(self->fd, IOMMU_OPTION, &big));
	/* iodirty's accounting mode is fixed; unknown options and ops */
	ASSERT_EQ(-EOPNOTSUPP, option(self->fd, 0, IOMMU_OPTION_RLIMIT_MODE,
				      IOMMU_OPTION_OP_GET, &v));
	ASSERT_EQ(-EOPNOTSUPP, option(self->fd, self->ioas, 2,
				      IOMMU_OPTION_OP_GET, &v));
	ASSERT_EQ(-EOPNOTSUPP, option(self->fd, self->ioas,
				      IOMMU_OPTION_HUGE_PAGES, 2, &v));
	/* not an IOAS */
	ASSERT_EQ(-ENOENT, option(self->fd, 4242, IOMMU_OPTION_HUGE_PAGES,
				  IOMMU_OPTION_OP_GET, &v));
	ASSERT_EQ(-ENOENT, option(self->fd, self->hwpt,
				  IOMMU_OPTION_HUGE_PAGES,
				  IOMMU_OPTION_OP_GET, &v));
	ASSERT_EQ(-EINVAL, huge_pages(self->fd, self->ioas, 2));

	/* domains and mappings: refused, and nothing changes */
	buf = iod_alloc_buf(4 * SZ_4K);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, buf, 4 * SZ_4K,
				    MOCK_APERTURE_START));
	ASSERT_EQ(-EINVAL, huge_pages(self->fd, self->ioas, 0));
	v = 0;
	ASSERT_EQ(0, option(self->fd, self->ioas, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_GET, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(SZ_2K, ioas_align(self->fd, self->ioas));

	/* no domain, but a mapping that is not PAGE_SIZE aligned */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, (char *)buf + SZ_2K,
				    SZ_2K, MOCK_APERTURE_START + SZ_2K));
	ASSERT_EQ(-EADDRINUSE, huge_pages(self->fd, ioas2, 0));
	ASSERT_EQ(0, ioas_unmap(self->fd, ioas2, 0, U64_MAX_, NULL));
	ASSERT_EQ(0, huge_pages(self->fd, ioas2, 0));
	/* and then a 2 KiB-aligned mapping is refused */
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, ioas2, buf, SZ_2K,
					  MOCK_APERTURE_START));
	munmap(buf, 4 * SZ_4K);
}

/*
 * HUGE_PAGES off: the leaves of a hugetlb-backed mapping are PAGE_SIZE
 * (2 granules); on, the iommupt mock maps the whole 2 MiB as one leaf.
 */
TEST_F(mock7, option_huge_pages_leaf_size)
{
	void *buf = iod_alloc_huge(SZ_2M);
	__u32 ioas2, stdev2, hw_small, hw_big;

	if (!buf)
		SKIP(return, "no 2 MiB hugetlb page");
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, huge_pages(self->fd, ioas2, 0));
	ASSERT_EQ(0, mock_domain(self->fd, ioas2, 0, &stdev2, NULL, NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, buf, SZ_2M,
				    MOCK_APERTURE_START));
	ASSERT_EQ(0, hwpt_alloc_iommupt(self->fd, self->idev, ioas2,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					MOCK_IOMMUPT_DEFAULT, &hw_small));
	ASSERT_EQ(iod_page_size() / SZ_2K,
		  leaf_granules(self->fd, hw_small, MOCK_APERTURE_START, SZ_2M,
				SZ_1M + SZ_2K));

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, buf, SZ_2M,
				    MOCK_APERTURE_START));
	ASSERT_EQ(0, hwpt_alloc_iommupt(self->fd, self->idev, self->ioas,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					MOCK_IOMMUPT_DEFAULT, &hw_big));
	ASSERT_EQ(SZ_2M / SZ_2K,
		  leaf_granules(self->fd, hw_big, MOCK_APERTURE_START, SZ_2M,
				SZ_1M + SZ_2K));
	ASSERT_EQ(0, destroy_obj(self->fd, hw_small));
	ASSERT_EQ(0, destroy_obj(self->fd, hw_big));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev2));
	munmap(buf, SZ_2M);
}

TEST_F(mock7, selftest_data_errors)
{
	struct {
		struct iommu_hwpt_selftest cfg;
		__u64 tail;
	} big = {};
	struct iommu_hwpt_selftest cfg = {};
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = self->idev, .pt_id = self->ioas,
		.data_type = 0xbeef, .data_len = sizeof(cfg),
	};
	__u32 hwpt;

	/* shorter than its first field */
	ASSERT_EQ(-EINVAL, hwpt_alloc_data(self->fd, self->idev, self->ioas,
					   0, &cfg, 2, &hwpt));
	/* 6.12's 4-byte struct: MOCK_IOMMUPT_DEFAULT */
	ASSERT_EQ(0, hwpt_alloc_data(self->fd, self->idev, self->ioas, 0,
				     &cfg, 4, &hwpt));
	ASSERT_EQ(0, destroy_obj(self->fd, hwpt));
	/* a longer struct with a zero tail is fine, non-zero is E2BIG */
	ASSERT_EQ(0, hwpt_alloc_data(self->fd, self->idev, self->ioas, 0,
				     &big, sizeof(big), &hwpt));
	ASSERT_EQ(0, destroy_obj(self->fd, hwpt));
	big.tail = 1;
	ASSERT_EQ(-E2BIG, hwpt_alloc_data(self->fd, self->idev, self->ioas,
					  0, &big, sizeof(big), &hwpt));
	/* unknown pagetable_type */
	cfg.pagetable_type = MOCK_IOMMUPT_HUGE + 1;
	ASSERT_EQ(-EOPNOTSUPP, hwpt_alloc_data(self->fd, self->idev,
					       self->ioas, 0, &cfg,
					       sizeof(cfg), &hwpt));
	/* unreadable data */
	ASSERT_EQ(-EFAULT, hwpt_alloc_data(self->fd, self->idev, self->ioas,
					   0, (void *)8, sizeof(cfg), &hwpt));
	/* a data type that is neither NONE nor SELFTEST */
	cmd.data_uptr = (uintptr_t)&cfg;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
}

/*
 * MOCK_IOMMUPT_DEFAULT vs the 6.12 mock on the same IOAS with HUGE_PAGES
 * off: 4 KiB leaves in the first (one DIRTY mark reports 2 granules), 2 KiB
 * leaves in the second (1 granule): what the 7.x kselftest's
 * get_dirty_bitmap expects, and why it needs the data_type.
 */
TEST_F(mock7, iommupt_default_vs_612_mock)
{
	const __u64 len = 16 * SZ_4K;
	void *buf = iod_alloc_buf(len);
	__u32 ioas2, stdev2, idev2, hw7, hw6;
	__u64 off;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, huge_pages(self->fd, ioas2, 0));
	ASSERT_EQ(0, mock_domain(self->fd, ioas2, 0, &stdev2, NULL, &idev2));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, buf, len,
				    MOCK_APERTURE_START));
	ASSERT_EQ(0, hwpt_alloc_iommupt(self->fd, idev2, ioas2,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					MOCK_IOMMUPT_DEFAULT, &hw7));
	ASSERT_EQ(0, hwpt_alloc(self->fd, idev2, ioas2,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hw6));
	for (off = 0; off < len; off += SZ_4K) {
		ASSERT_EQ(SZ_4K / SZ_2K, leaf_granules(self->fd, hw7,
				MOCK_APERTURE_START, len, off + SZ_2K));
		ASSERT_EQ(1, leaf_granules(self->fd, hw6, MOCK_APERTURE_START,
					   len, off + SZ_2K));
	}
	ASSERT_EQ(0, destroy_obj(self->fd, hw7));
	ASSERT_EQ(0, destroy_obj(self->fd, hw6));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev2));
	ASSERT_EQ(0, destroy_obj(self->fd, ioas2));
	munmap(buf, len);
}

/* MOCK_IOMMUPT_HUGE: PAGE_SIZE alignment, 1 MiB leaves from hugetlb */
TEST_F(mock7, iommupt_huge)
{
	void *buf = iod_alloc_huge(SZ_2M);
	void *small = iod_alloc_buf(SZ_4K);
	__u32 ioas2, hw, hw2;

	if (!buf)
		SKIP(return, "no 2 MiB hugetlb page");
	ASSERT_NE(NULL, small);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, buf, SZ_2M,
				    MOCK_APERTURE_START));
	ASSERT_EQ(0, hwpt_alloc_iommupt(self->fd, self->idev, self->ioas,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					MOCK_IOMMUPT_HUGE, &hw));
	ASSERT_EQ((__u64)iod_page_size(), ioas_align(self->fd, self->ioas));
	ASSERT_EQ(SZ_1M / SZ_2K, leaf_granules(self->fd, hw,
			MOCK_APERTURE_START, SZ_2M, SZ_1M + SZ_2K));
	/* the alignment holds for new mappings */
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, small, SZ_2K,
					  MOCK_APERTURE_START + SZ_2M));
	ASSERT_EQ(0, destroy_obj(self->fd, hw));
	ASSERT_EQ(SZ_2K, ioas_align(self->fd, self->ioas));
	/* and an IOAS that holds a 2 KiB-aligned mapping cannot get one */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, small, SZ_2K,
				    MOCK_APERTURE_START + SZ_2K));
	ASSERT_EQ(-EINVAL, hwpt_alloc_iommupt(self->fd, self->idev, ioas2, 0,
					      MOCK_IOMMUPT_HUGE, &hw2));
	ASSERT_EQ(0, hwpt_alloc_iommupt(self->fd, self->idev, ioas2, 0,
					MOCK_IOMMUPT_DEFAULT, &hw2));
	munmap(buf, SZ_2M);
	munmap(small, SZ_4K);
}

static int pasid_op(int fd, __u32 op, __u32 stdev, __u32 pasid, __u32 id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = op,
		.id = stdev,
	};

	/* attach {pasid, pt_id} and check {pasid, hwpt_id} share a layout */
	cmd.pasid_attach.pasid = pasid;
	cmd.pasid_attach.pt_id = id;
	return iod_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

#define PASID_ATTACH(s, p, h) \
	pasid_op(self->fd, IOMMU_TEST_OP_PASID_ATTACH, s, p, h)
#define PASID_DETACH(s, p) \
	pasid_op(self->fd, IOMMU_TEST_OP_PASID_DETACH, s, p, 0)
#define PASID_CHECK(s, p, h) \
	pasid_op(self->fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, s, p, h)

TEST_F(mock7, pasid_attach_detach)
{
	__u32 hw, hw_nopasid, hw_pc, st_p, st_plain, st_nd, st_auto, idev_p;
	__u32 ioas2, hw7;
	__u8 max_pasid;
	struct iommu_hw_info info = { .size = sizeof(info) };

	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas,
				IOMMU_HWPT_ALLOC_PASID |
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hw));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas, 0,
				&hw_nopasid));
	ASSERT_EQ(0, mock_domain(self->fd, hw, MOCK_FLAGS_DEVICE_PASID, &st_p,
				 NULL, &idev_p));
	/* GET_HW_INFO reports the PASID width of a PASID-capable mock */
	info.dev_id = idev_p;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_GET_HW_INFO, &info));
	max_pasid = info.out_max_pasid_log2;
	ASSERT_EQ(MOCK_PASID_WIDTH, max_pasid);
	info.dev_id = self->idev;
	info.data_len = 0;	/* the first call set it to the data's size */
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_GET_HW_INFO, &info));
	ASSERT_EQ(0, info.out_max_pasid_log2);

	ASSERT_EQ(0, PASID_CHECK(st_p, 100, 0));
	ASSERT_EQ(0, PASID_ATTACH(st_p, 100, hw));
	ASSERT_EQ(0, PASID_CHECK(st_p, 100, hw));
	ASSERT_EQ(-EINVAL, PASID_CHECK(st_p, 100, 0));
	ASSERT_EQ(-EINVAL, PASID_CHECK(st_p, 101, hw));
	ASSERT_EQ(-EBUSY, PASID_ATTACH(st_p, 100, hw));
	/* the attachment holds the HWPT */
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, hw));
	ASSERT_EQ(0, set_dirty(self->fd, hw, true));
	ASSERT_EQ(0, set_dirty(self->fd, hw, false));
	ASSERT_EQ(0, PASID_DETACH(st_p, 100));
	ASSERT_EQ(-ENOENT, PASID_DETACH(st_p, 100));
	ASSERT_EQ(0, PASID_CHECK(st_p, 100, 0));

	/* bad PASIDs, devices and page tables */
	ASSERT_EQ(-EINVAL, PASID_ATTACH(st_p, 0, hw));
	ASSERT_EQ(-EINVAL, PASID_ATTACH(st_p, 1u << MOCK_PASID_WIDTH, hw));
	ASSERT_EQ(0, PASID_ATTACH(st_p, (1u << MOCK_PASID_WIDTH) - 1, hw));
	ASSERT_EQ(-EINVAL, PASID_ATTACH(st_p, 7, hw_nopasid));
	ASSERT_EQ(-EOPNOTSUPP, PASID_ATTACH(st_p, 7, self->ioas));
	ASSERT_EQ(-ENOENT, PASID_ATTACH(st_p, 7, 4242));
	ASSERT_EQ(-ENOENT, PASID_ATTACH(4242, 7, hw));
	ASSERT_EQ(-ENOENT, PASID_ATTACH(self->idev, 7, hw));
	ASSERT_EQ(0, mock_domain(self->fd, hw, 0, &st_plain, NULL, NULL));
	ASSERT_EQ(-EINVAL, PASID_ATTACH(st_plain, 7, hw));
	/*
	 * A device that cannot track may not use a dirty-tracking HWPT
	 * (its RID is on a PASID-compatible HWPT, so only that rule fails);
	 * a device whose RID domain is not PASID compatible may not attach
	 * PASIDs at all.
	 */
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas,
				IOMMU_HWPT_ALLOC_PASID, &hw_pc));
	ASSERT_EQ(0, mock_domain(self->fd, hw_pc, MOCK_FLAGS_DEVICE_PASID |
				 MOCK_FLAGS_DEVICE_NO_DIRTY, &st_nd, NULL,
				 NULL));
	ASSERT_EQ(-EINVAL, PASID_ATTACH(st_nd, 7, hw));
	ASSERT_EQ(0, PASID_ATTACH(st_nd, 7, hw_pc));
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, mock_domain(self->fd, ioas2, MOCK_FLAGS_DEVICE_PASID,
				 &st_auto, NULL, NULL));
	ASSERT_EQ(-EINVAL, PASID_ATTACH(st_auto, 7, hw_pc));
	/* the flag is accepted with the 7.x data type too */
	ASSERT_EQ(0, hwpt_alloc_iommupt(self->fd, self->idev, self->ioas,
					IOMMU_HWPT_ALLOC_PASID,
					MOCK_IOMMUPT_DEFAULT, &hw7));
	ASSERT_EQ(0, PASID_ATTACH(st_p, 8, hw7));
	ASSERT_EQ(0, PASID_CHECK(st_p, 8, hw7));
	/* destroying the device releases its PASIDs: the HWPT is free */
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, hw));
	ASSERT_EQ(0, destroy_obj(self->fd, st_p));
	ASSERT_EQ(0, destroy_obj(self->fd, st_plain));
	ASSERT_EQ(0, destroy_obj(self->fd, hw));
	/* unknown ops still fail (PASID_REPLACE is not implemented) */
	ASSERT_EQ(-EOPNOTSUPP, pasid_op(self->fd, IOMMU_TEST_OP_PASID_REPLACE,
					st_nd, 7, hw));
}

/* closing the file with PASIDs attached releases everything */
TEST_F(mock7, pasid_close_attached)
{
	int fd2 = iod_open();
	__u32 ioas, idev, hw, st;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ioas_alloc(fd2, &ioas));
	ASSERT_EQ(0, mock_domain(fd2, ioas, 0, NULL, NULL, &idev));
	ASSERT_EQ(0, hwpt_alloc(fd2, idev, ioas, IOMMU_HWPT_ALLOC_PASID, &hw));
	ASSERT_EQ(0, mock_domain(fd2, hw, MOCK_FLAGS_DEVICE_PASID, &st, NULL,
				 NULL));
	ASSERT_EQ(0, pasid_op(fd2, IOMMU_TEST_OP_PASID_ATTACH, st, 5, hw));
	ASSERT_EQ(0, pasid_op(fd2, IOMMU_TEST_OP_PASID_ATTACH, st, 6, hw));
	/* a leaked reference would WARN "still busy at close" (a splat) */
	ASSERT_EQ(0, close(fd2));
}
