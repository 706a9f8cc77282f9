// SPDX-License-Identifier: GPL-2.0
/*
 * Dispatch rules shared by every compat ioctl (reference §1.1):
 * unknown ioctl -> ENOTTY, size below the last mandatory field -> EINVAL,
 * non-zero bytes past the kernel's struct -> E2BIG, a zero tail is
 * accepted; DESTROY of unknown / busy objects.
 */

struct cmd_desc {
	const char *name;
	unsigned long nr;
	__u32 min_size;		/* offsetofend(last mandatory field) */
	__u32 full_size;	/* sizeof() in 6.12 */
};

static const struct cmd_desc compat_cmds[] = {
	{ "DESTROY", IOMMU_DESTROY, 8, sizeof(struct iommu_destroy) },
	{ "IOAS_ALLOC", IOMMU_IOAS_ALLOC, 12, sizeof(struct iommu_ioas_alloc) },
	{ "IOAS_IOVA_RANGES", IOMMU_IOAS_IOVA_RANGES, 32,
	  sizeof(struct iommu_ioas_iova_ranges) },
	{ "IOAS_MAP", IOMMU_IOAS_MAP, 40, sizeof(struct iommu_ioas_map) },
	{ "IOAS_UNMAP", IOMMU_IOAS_UNMAP, 24, sizeof(struct iommu_ioas_unmap) },
	{ "OPTION", IOMMU_OPTION, 24, sizeof(struct iommu_option) },
	{ "HWPT_ALLOC", IOMMU_HWPT_ALLOC, 24, sizeof(struct iommu_hwpt_alloc) },
	{ "GET_HW_INFO", IOMMU_GET_HW_INFO, 32, sizeof(struct iommu_hw_info) },
	{ "SET_DIRTY_TRACKING", IOMMU_HWPT_SET_DIRTY_TRACKING, 16,
	  sizeof(struct iommu_hwpt_set_dirty_tracking) },
	{ "GET_DIRTY_BITMAP", IOMMU_HWPT_GET_DIRTY_BITMAP, 48,
	  sizeof(struct iommu_hwpt_get_dirty_bitmap) },
	{ "TEST_CMD", IOMMU_TEST_CMD, 68, sizeof(struct iommu_test_cmd) },
};

/* A context with one of everything, used by the dispatch tests. */
FIXTURE(dispatch) {
	int fd;
	__u32 ioas, stdev, hwpt, idev, dhwpt;
	void *buf;
	size_t len;
};

FIXTURE_SETUP(dispatch)
{
	self->len = 16 * iod_page_size();
	self->buf = iod_alloc_buf(self->len);
	ASSERT_NE(NULL, self->buf);
	self->fd = iod_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, mock_dirty_stack(self->fd, self->buf, self->len, MOCK_APERTURE_START,
				      &self->ioas, &self->stdev, &self->hwpt,
				      &self->idev, &self->dhwpt));
}

FIXTURE_TEARDOWN(dispatch)
{
	close(self->fd);
	munmap(self->buf, self->len);
}

TEST_F(dispatch, struct_sizes)
{
	/* our header must have the 6.12 layouts */
	ASSERT_EQ(8, sizeof(struct iommu_destroy));
	ASSERT_EQ(12, sizeof(struct iommu_ioas_alloc));
	ASSERT_EQ(32, sizeof(struct iommu_ioas_iova_ranges));
	ASSERT_EQ(40, sizeof(struct iommu_ioas_map));
	ASSERT_EQ(24, sizeof(struct iommu_ioas_unmap));
	ASSERT_EQ(48, sizeof(struct iommu_hwpt_alloc));
	ASSERT_EQ(40, sizeof(struct iommu_hw_info));
	ASSERT_EQ(16, sizeof(struct iommu_hwpt_set_dirty_tracking));
	ASSERT_EQ(48, sizeof(struct iommu_hwpt_get_dirty_bitmap));
	ASSERT_EQ(72, sizeof(struct iommu_test_cmd));
	ASSERT_EQ(64, offsetof(struct iommu_test_cmd, last));
	ASSERT_EQ(56, offsetof(struct iommu_test_cmd, dirty.out_nr_dirty));
	ASSERT_EQ(28, offsetof(struct iommu_test_cmd, mock_domain_flags.dev_flags));
	/* and the later additions the 7.x kselftest uses */
	ASSERT_EQ(24, sizeof(struct iommu_option));
	ASSERT_EQ(8, offsetof(struct iommu_option, op));
	ASSERT_EQ(12, offsetof(struct iommu_option, object_id));
	ASSERT_EQ(16, offsetof(struct iommu_option, val64));
	ASSERT_EQ(0x3b87, IOMMU_OPTION);
	ASSERT_EQ(8, sizeof(struct iommu_hwpt_selftest));
	ASSERT_EQ(20, offsetof(struct iommu_test_cmd, pasid_attach.pt_id));
	ASSERT_EQ(20, offsetof(struct iommu_test_cmd, pasid_check.hwpt_id));
	ASSERT_EQ(18, IOMMU_TEST_OP_PASID_ATTACH);
	ASSERT_EQ(20, IOMMU_TEST_OP_PASID_DETACH);
	ASSERT_EQ(21, IOMMU_TEST_OP_PASID_CHECK_HWPT);
	ASSERT_EQ(0x3b80, IOMMU_DESTROY);
	ASSERT_EQ(0x3b8b, IOMMU_HWPT_SET_DIRTY_TRACKING);
	ASSERT_EQ(0x3b8c, IOMMU_HWPT_GET_DIRTY_BITMAP);
	ASSERT_EQ(0x3ba0, IOMMU_TEST_CMD);
}

TEST_F(dispatch, unknown_ioctl_enotty)
{
	__u64 raw[16] = { 64 };

	/* numbers iodirty does not serve, in and around the ';' range */
	EXPECT_EQ(-ENOTTY, iod_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x8f), raw));
	EXPECT_EQ(-ENOTTY, iod_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x9f), raw));
	EXPECT_EQ(-ENOTTY, iod_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0xa1), raw));
	EXPECT_EQ(-ENOTTY, iod_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x7f), raw));
	EXPECT_EQ(-ENOTTY, iod_ioctl(self->fd, _IO('x', 0x80), raw));
	/* right nr, wrong encoding (direction/size bits set) */
	EXPECT_EQ(-ENOTTY, iod_ioctl(self->fd,
				     _IOW(IOMMUFD_TYPE, 0x80, struct iommu_destroy),
				     raw));
	EXPECT_EQ(-ENOTTY, iod_ioctl(self->fd,
				     _IOWR(IOMMUFD_TYPE, 0x81, struct iommu_ioas_alloc),
				     raw));
	/* the fd still works */
	EXPECT_EQ(0, ioas_alloc(self->fd, NULL));
}

TEST_F(dispatch, short_size_einval)
{
	__u64 raw[16];
	size_t i;

	for (i = 0; i < sizeof(compat_cmds) / sizeof(compat_cmds[0]); i++) {
		const struct cmd_desc *c = &compat_cmds[i];
		__u32 sizes[] = { 0, 4, c->min_size - 1 };
		size_t s;

		for (s = 0; s < 3; s++) {
			memset(raw, 0, sizeof(raw));
			*(__u32 *)raw = sizes[s];
			TH_LOG("%s size %u", c->name, sizes[s]);
			EXPECT_EQ(-EINVAL, iod_ioctl(self->fd, c->nr, raw));
		}
	}
}

TEST_F(dispatch, nonzero_tail_e2big)
{
	__u64 raw[32];
	size_t i;

	for (i = 0; i < sizeof(compat_cmds) / sizeof(compat_cmds[0]); i++) {
		const struct cmd_desc *c = &compat_cmds[i];

		/* tail byte right after the struct, and a far one */
		memset(raw, 0, sizeof(raw));
		*(__u32 *)raw = c->full_size + 8;
		((unsigned char *)raw)[c->full_size] = 1;
		TH_LOG("%s near tail", c->name);
		EXPECT_EQ(-E2BIG, iod_ioctl(self->fd, c->nr, raw));

		memset(raw, 0, sizeof(raw));
		*(__u32 *)raw = sizeof(raw);
		((unsigned char *)raw)[sizeof(raw) - 1] = 0x80;
		TH_LOG("%s far tail", c->name);
		EXPECT_EQ(-E2BIG, iod_ioctl(self->fd, c->nr, raw));
	}
}

/* The same valid calls with size = sizeof + 24 and a zero tail succeed. */
TEST_F(dispatch, zero_tail_accepted)
{
	union {
		struct iommu_destroy destroy;
		struct iommu_ioas_alloc alloc;
		struct iommu_ioas_iova_ranges ranges;
		struct iommu_ioas_map map;
		struct iommu_ioas_unmap unmap;
		struct iommu_hwpt_alloc halloc;
		struct iommu_hw_info info;
		struct iommu_hwpt_set_dirty_tracking sdt;
		struct iommu_hwpt_get_dirty_bitmap gdb;
		struct iommu_test_cmd test;
		__u64 raw[16];
	} u;
	struct iommu_iova_range r[4];
	__u64 bitmap[4] = {};
	__u32 ioas2, hwpt2;

#define BIG(field) (memset(&u, 0, sizeof(u)), u.field.size = sizeof(u.field) + 24)

	BIG(alloc);
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_IOAS_ALLOC, &u));
	ioas2 = u.alloc.out_ioas_id;
	ASSERT_NE(0, ioas2);
	/* the bytes past the 6.12 struct are not written */
	ASSERT_EQ(0, u.raw[1] >> 32);
	ASSERT_EQ(0, u.raw[2]);
	ASSERT_EQ(0, u.raw[3]);
	ASSERT_EQ(0, u.raw[4]);

	BIG(ranges);
	u.ranges.ioas_id = self->ioas;
	u.ranges.num_iovas = 4;
	u.ranges.allowed_iovas = (uintptr_t)r;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &u));
	ASSERT_EQ(1, u.ranges.num_iovas);
	ASSERT_EQ(MOCK_IO_PAGE, u.ranges.out_iova_alignment);

	BIG(map);
	u.map.flags = MAP_FIXED_RW;
	u.map.ioas_id = ioas2;
	u.map.user_va = (uintptr_t)self->buf;
	u.map.length = self->len;
	u.map.iova = MOCK_APERTURE_START;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_IOAS_MAP, &u));
	ASSERT_EQ(MOCK_APERTURE_START, u.map.iova);

	BIG(unmap);
	u.unmap.ioas_id = ioas2;
	u.unmap.iova = MOCK_APERTURE_START;
	u.unmap.length = self->len;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_IOAS_UNMAP, &u));
	ASSERT_EQ(self->len, u.unmap.length);

	BIG(halloc);
	u.halloc.dev_id = self->idev;
	u.halloc.pt_id = ioas2;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &u));
	hwpt2 = u.halloc.out_hwpt_id;
	ASSERT_NE(0, hwpt2);

	BIG(info);
	u.info.dev_id = self->idev;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_GET_HW_INFO, &u));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, u.info.out_data_type);
	ASSERT_EQ(8, u.info.data_len);

	BIG(sdt);
	u.sdt.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	u.sdt.hwpt_id = self->dhwpt;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &u));

	BIG(gdb);
	u.gdb.hwpt_id = self->dhwpt;
	u.gdb.iova = MOCK_APERTURE_START;
	u.gdb.length = self->len;
	u.gdb.page_size = MOCK_IO_PAGE;
	u.gdb.data = (uintptr_t)bitmap;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &u));

	BIG(test);
	u.test.op = IOMMU_TEST_OP_MD_CHECK_REFS;
	u.test.check_refs.uptr = (uintptr_t)self->buf;
	u.test.check_refs.length = self->len;
	u.test.check_refs.refs = 1;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_TEST_CMD, &u));

	BIG(destroy);
	u.destroy.id = hwpt2;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_DESTROY, &u));
	BIG(destroy);
	u.destroy.id = ioas2;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_DESTROY, &u));
#undef BIG
}

/* Exactly the minimum size works where the rest is optional. */
TEST_F(dispatch, min_size_accepted)
{
	struct iommu_hw_info info;
	struct iommu_hwpt_alloc ha;

	/* GET_HW_INFO at 32 bytes: out_capabilities is not written */
	memset(&info, 0, sizeof(info));
	info.size = 32;
	info.dev_id = self->idev;
	info.out_capabilities = 0x5a5a5a5a5a5a5a5aULL;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_GET_HW_INFO, &info));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, info.out_data_type);
	ASSERT_EQ(0x5a5a5a5a5a5a5a5aULL, info.out_capabilities);

	/* HWPT_ALLOC at 24 bytes: data_* and fault_id are optional */
	memset(&ha, 0, sizeof(ha));
	ha.size = 24;
	ha.dev_id = self->idev;
	ha.pt_id = self->ioas;
	ha.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_HWPT_ALLOC, &ha));
	ASSERT_NE(0, ha.out_hwpt_id);
	ASSERT_EQ(0, destroy_obj(self->fd, ha.out_hwpt_id));
}

TEST_F(dispatch, bad_pointer_efault)
{
	/* the size itself cannot be read */
	ASSERT_EQ(-EFAULT, iod_ioctl(self->fd, IOMMU_IOAS_ALLOC, (void *)8));
}

TEST_F(dispatch, destroy_unknown_enoent)
{
	ASSERT_EQ(-ENOENT, destroy_obj(self->fd, 0));
	ASSERT_EQ(-ENOENT, destroy_obj(self->fd, 0xfffff));
	ASSERT_EQ(-ENOENT, destroy_obj(self->fd, ~0u));
	/* destroyed once, gone */
	ASSERT_EQ(0, destroy_obj(self->fd, self->dhwpt));
	ASSERT_EQ(-ENOENT, destroy_obj(self->fd, self->dhwpt));
}

TEST_F(dispatch, destroy_busy_ebusy)
{
	__u32 ioas2, stdev2, hwpt2;

	/* IOAS with HWPTs (auto domain and dirty HWPT) on it */
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, self->ioas));
	/* auto-created HWPT with the mock device attached */
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, self->hwpt));
	/* a user HWPT with a device attached */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, ioas2, 0, &hwpt2));
	ASSERT_EQ(0, mock_domain(self->fd, hwpt2, 0, &stdev2, NULL, NULL));
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, hwpt2));
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, ioas2));
	/* teardown order: device, HWPT, IOAS */
	ASSERT_EQ(0, destroy_obj(self->fd, stdev2));
	ASSERT_EQ(0, destroy_obj(self->fd, hwpt2));
	ASSERT_EQ(0, destroy_obj(self->fd, ioas2));
	/* and the fixture's objects, busy until the users are gone */
	ASSERT_EQ(0, destroy_obj(self->fd, self->dhwpt));
	ASSERT_EQ(-EBUSY, destroy_obj(self->fd, self->ioas));
	ASSERT_EQ(0, destroy_obj(self->fd, self->stdev));
	/* the auto domain went away with its last device */
	ASSERT_EQ(0, destroy_obj(self->fd, self->ioas));
}

TEST(ids_start_at_one)
{
	int fd = iod_open();
	__u32 id = 0;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &id));
	ASSERT_EQ(1, id);
	ASSERT_EQ(0, ioas_alloc(fd, &id));
	ASSERT_EQ(2, id);
	close(fd);
}

TEST_F(dispatch, reserved_fields_eopnotsupp)
{
	struct iommu_ioas_iova_ranges r = {
		.size = sizeof(r),
		.ioas_id = self->ioas,
		.__reserved = 1,
	};
	struct iommu_test_cmd t = {
		.size = sizeof(t),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.__reserved = 1,
	};

	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &r));
	t.check_refs.uptr = (uintptr_t)self->buf;
	t.check_refs.length = self->len;
	t.check_refs.refs = 1;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_TEST_CMD, &t));
	t.__reserved = 0;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_TEST_CMD, &t));
}

TEST_F(dispatch, test_cmd_unknown_op_eopnotsupp)
{
	struct iommu_test_cmd t = { .size = sizeof(t) };
	static const __u32 ops[] = { 0, IOMMU_TEST_OP_ADD_RESERVED,
				     IOMMU_TEST_OP_MD_CHECK_MAP, 5, 11, 14, 15,
				     99, ~0u };
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		memset(&t, 0, sizeof(t));
		t.size = sizeof(t);
		t.op = ops[i];
		t.id = self->ioas;
		ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_TEST_CMD, &t))
			TH_LOG("op %u", ops[i]);
	}
}
