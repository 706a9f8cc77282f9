// SPDX-License-Identifier: GPL-2.0
/*
 * Mock devices (IOMMU_TEST_OP_MOCK_DOMAIN[_FLAGS]), IOMMU_HWPT_ALLOC and
 * IOMMU_GET_HW_INFO (reference §1.3, §2.2).  The fixture has one IOAS with
 * a dirty-capable mock device and one NO_DIRTY mock device on a second IOAS.
 */

FIXTURE(hwpt) {
	int fd;
	__u32 ioas, stdev, hwpt, idev;
	__u32 ioas_nd, stdev_nd, hwpt_nd, idev_nd;
};

FIXTURE_SETUP(hwpt)
{
	self->fd = iod_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas, 0, &self->stdev,
				 &self->hwpt, &self->idev));
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_nd));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_nd,
				 MOCK_FLAGS_DEVICE_NO_DIRTY, &self->stdev_nd,
				 &self->hwpt_nd, &self->idev_nd));
}

FIXTURE_TEARDOWN(hwpt)
{
	close(self->fd);
}

TEST_F(hwpt, mock_domain_ids)
{
	__u32 ids[] = { self->ioas, self->stdev, self->hwpt, self->idev,
			self->ioas_nd, self->stdev_nd, self->hwpt_nd,
			self->idev_nd };
	size_t i, j;

	/* all objects have distinct, non-zero IDs */
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		ASSERT_NE(0, ids[i]);
		for (j = 0; j < i; j++)
			ASSERT_NE(ids[i], ids[j]);
	}
}

TEST_F(hwpt, mock_domain_bad_args)
{
	__u32 stdev;

	/* unknown device flags */
	ASSERT_EQ(-EINVAL, mock_domain(self->fd, self->ioas, 1u << 8, &stdev,
				       NULL, NULL));
	/* nothing to attach to */
	ASSERT_NE(0, mock_domain(self->fd, 4242, 0, &stdev, NULL, NULL));
	ASSERT_NE(0, mock_domain(self->fd, 0, 0, &stdev, NULL, NULL));
}

TEST_F(hwpt, alloc_and_attach)
{
	__u32 h1, h2, stdev, out_hwpt, idev;

	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas, 0, &h1));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &h2));
	ASSERT_NE(0, h1);
	ASSERT_NE(0, h2);
	ASSERT_NE(h1, h2);
	/* a new mock device attached to a HWPT reports that HWPT */
	ASSERT_EQ(0, mock_domain(self->fd, h1, 0, &stdev, &out_hwpt, &idev));
	ASSERT_EQ(h1, out_hwpt);
	ASSERT_EQ(0, destroy_obj(self->fd, stdev));
	ASSERT_EQ(0, mock_domain(self->fd, h2, 0, &stdev, &out_hwpt, &idev));
	ASSERT_EQ(h2, out_hwpt);
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, h2));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev));
	/* the device object went away with the mock device */
	ASSERT_EQ(-ENOENT, hwpt_alloc(self->fd, idev, self->ioas, 0, NULL));
	ASSERT_EQ(0, destroy_obj(self->fd, h2));
	ASSERT_EQ(0, destroy_obj(self->fd, h1));
}

TEST_F(hwpt, dirty_on_no_dirty_device_eopnotsupp)
{
	__u32 h = 0;

	ASSERT_EQ(-EOPNOTSUPP, hwpt_alloc(self->fd, self->idev_nd, self->ioas_nd,
					  IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &h));
	/* without the flag it works */
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev_nd, self->ioas_nd, 0, &h));
	ASSERT_NE(0, h);
}

TEST_F(hwpt, no_dirty_device_attach_dirty_hwpt_einval)
{
	__u32 hd, hn, stdev;

	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hd));
	ASSERT_EQ(-EINVAL, mock_domain(self->fd, hd, MOCK_FLAGS_DEVICE_NO_DIRTY,
				       &stdev, NULL, NULL));
	/* a dirty-capable one can */
	ASSERT_EQ(0, mock_domain(self->fd, hd, 0, &stdev, NULL, NULL));
	/* and a NO_DIRTY device attaches to a plain HWPT */
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas, 0, &hn));
	ASSERT_EQ(0, mock_domain(self->fd, hn, MOCK_FLAGS_DEVICE_NO_DIRTY,
				 &stdev, NULL, NULL));
}

TEST_F(hwpt, alloc_data_type_len_einval)
{
	struct iommu_test_hw_info data = {};
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = self->idev,
		.pt_id = self->ioas,
	};

	cmd.data_type = IOMMU_HWPT_DATA_NONE;
	cmd.data_len = sizeof(data);
	cmd.data_uptr = (uintptr_t)&data;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
	cmd.data_len = 0;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	/* the mismatch is found before the (bad) device ID */
	cmd.dev_id = 4242;
	ASSERT_EQ(-EINVAL, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
}

TEST_F(hwpt, alloc_bad_ids)
{
	/* dev_id: unknown, or not a device */
	ASSERT_EQ(-ENOENT, hwpt_alloc(self->fd, 4242, self->ioas, 0, NULL));
	ASSERT_EQ(-ENOENT, hwpt_alloc(self->fd, 0, self->ioas, 0, NULL));
	ASSERT_EQ(-ENOENT, hwpt_alloc(self->fd, self->ioas, self->ioas, 0,
				      NULL));
	ASSERT_EQ(-ENOENT, hwpt_alloc(self->fd, self->stdev, self->ioas, 0,
				      NULL));
	/* pt_id: unknown, or neither IOAS nor HWPT */
	ASSERT_EQ(-EINVAL, hwpt_alloc(self->fd, self->idev, 4242, 0, NULL));
	ASSERT_EQ(-EINVAL, hwpt_alloc(self->fd, self->idev, 0, 0, NULL));
	ASSERT_EQ(-EINVAL, hwpt_alloc(self->fd, self->idev, self->idev, 0,
				      NULL));
	/* dev_id is looked up first */
	ASSERT_EQ(-ENOENT, hwpt_alloc(self->fd, 4242, 4243, 0, NULL));
}

TEST_F(hwpt, alloc_flags_reserved_eopnotsupp)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = self->idev,
		.pt_id = self->ioas,
	};

	cmd.__reserved = 1;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.__reserved = 0;
	cmd.flags = 1u << 7;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.flags = 1u << 31;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	ASSERT_NE(0, cmd.out_hwpt_id);
}

TEST_F(hwpt, hw_info_basic)
{
	__u32 len = 0, type = 0;
	__u64 caps = 0;

	ASSERT_EQ(0, hw_info(self->fd, self->idev, NULL, &len, &type, &caps));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	ASSERT_EQ(sizeof(struct iommu_test_hw_info), len);
	ASSERT_EQ(IOMMU_HW_CAP_DIRTY_TRACKING,
		  caps & IOMMU_HW_CAP_DIRTY_TRACKING);

	len = 0;
	caps = ~0ULL;
	ASSERT_EQ(0, hw_info(self->fd, self->idev_nd, NULL, &len, &type,
			     &caps));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	ASSERT_EQ(8, len);
	ASSERT_EQ(0, caps & IOMMU_HW_CAP_DIRTY_TRACKING);
}

TEST_F(hwpt, hw_info_data)
{
	struct iommu_test_hw_info exact;
	unsigned char big[64], small[8];
	__u32 len, type;
	size_t i;

	memset(&exact, 0xff, sizeof(exact));
	len = sizeof(exact);
	ASSERT_EQ(0, hw_info(self->fd, self->idev, &exact, &len, &type, NULL));
	ASSERT_EQ(8, len);
	ASSERT_EQ(0, exact.flags);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, exact.test_reg);

	/* longer buffer: data then zeroes, data_len rewritten */
	memset(big, 0xff, sizeof(big));
	len = sizeof(big);
	ASSERT_EQ(0, hw_info(self->fd, self->idev, big, &len, &type, NULL));
	ASSERT_EQ(8, len);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL,
		  ((struct iommu_test_hw_info *)big)->test_reg);
	for (i = sizeof(exact); i < sizeof(big); i++)
		ASSERT_EQ(0, big[i]);

	/* shorter buffer: only that much is written; data_len says 8 */
	memset(small, 0xee, sizeof(small));
	len = 4;
	ASSERT_EQ(0, hw_info(self->fd, self->idev, small, &len, &type, NULL));
	ASSERT_EQ(8, len);
	ASSERT_EQ(0, *(__u32 *)small);
	for (i = 4; i < sizeof(small); i++)
		ASSERT_EQ(0xee, small[i]);
}

TEST_F(hwpt, hw_info_errors)
{
	struct iommu_hw_info cmd = { .size = sizeof(cmd), .dev_id = self->idev };
	__u32 len = 8;

	ASSERT_EQ(-ENOENT, hw_info(self->fd, 4242, NULL, &len, NULL, NULL));
	ASSERT_EQ(-ENOENT, hw_info(self->fd, self->ioas, NULL, &len, NULL,
				   NULL));
	ASSERT_EQ(-ENOENT, hw_info(self->fd, self->hwpt, NULL, &len, NULL,
				   NULL));
	ASSERT_EQ(-ENOENT, hw_info(self->fd, self->stdev, NULL, &len, NULL,
				   NULL));

	cmd.flags = 1;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	cmd.flags = 0;
	cmd.__reserved[1] = 1;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	cmd.__reserved[1] = 0;

	/* an unwritable data buffer */
	cmd.data_len = 8;
	cmd.data_uptr = 16;
	ASSERT_EQ(-EFAULT, iod_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
}

TEST_F(hwpt, destroy_device_detaches)
{
	__u32 h, stdev;

	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas, 0, &h));
	ASSERT_EQ(0, mock_domain(self->fd, h, 0, &stdev, NULL, NULL));
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, h));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev));
	ASSERT_EQ(-ENOENT, destroy_obj(self->fd, stdev));
	ASSERT_EQ(0, destroy_obj(self->fd, h));
	/* the fixture's device is still fine */
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas, 0, &h));
}
