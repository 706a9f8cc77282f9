// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Emulated devices: IODIRTY_DEVICE_CREATE argument checks, DESTROY rules,
 * IOMMU_GET_HW_INFO per model, and IODIRTY_DEVICE_ATTACH (to an IOAS with
 * automatic domains, to a HWPT, detach, dirty-tracking enforcement).
 */
#include "../emu_util.h"

static const __u32 models[] = {
	IODIRTY_MODEL_MOCK, IODIRTY_MODEL_AMD, IODIRTY_MODEL_VTD,
	IODIRTY_MODEL_ARM,
};

static void create_struct(struct iodirty_device_create *c, __u32 model)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->model = model;
}

static void subtest_create_each_model(int fd)
{
	__u32 ids[8];
	int i, n = 0;

	for (i = 0; i < 4; i++) {
		__u32 a = 0, b = 0;

		if (ASSERT_OK(emu_dev_create(fd, models[i], 0, 0, &a),
			      emu_model_name(models[i])))
			ASSERT_NEQ(a, 0, "dev id non-zero");
		if (ASSERT_OK(emu_dev_create(fd, models[i],
					     IODIRTY_DEVICE_DIRTY_TRACKING, 0, &b),
			      emu_model_name(models[i])))
			ASSERT_NEQ(b, 0, "dirty dev id non-zero");
		ASSERT_NEQ(a, b, "distinct ids");
		ids[n++] = a;
		ids[n++] = b;
	}
	/* explicit leaf sizes that each format can encode */
	{
		__u32 d;

		ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_MOCK, 0, SZ_2K | SZ_1M, &d),
			  "mock 2K|1M");
		ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_AMD, 0, SZ_4K, &d),
			  "amd 4K only");
		ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_VTD, 0,
					 SZ_4K | SZ_2M | SZ_1G, &d), "vtd 4K|2M|1G");
		ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_ARM, 0, SZ_4K | SZ_2M, &d),
			  "arm 4K|2M");
	}
	/* a detached device can be destroyed, once */
	for (i = 0; i < n; i++)
		if (ids[i])
			ASSERT_OK(emu_destroy(fd, ids[i]), "destroy detached device");
	ASSERT_ERRNO(emu_destroy(fd, ids[0]), ENOENT, "destroy twice");
}

static void subtest_create_bad_input(int fd)
{
	struct iodirty_device_create c;
	__u32 d;

	ASSERT_ERRNO(emu_dev_create(fd, IODIRTY_MODEL__MAX, 0, 0, &d), EINVAL,
		     "model __MAX");
	ASSERT_ERRNO(emu_dev_create(fd, 0x7fffffff, 0, 0, &d), EINVAL,
		     "model huge");
	ASSERT_ERRNO(emu_dev_create(fd, IODIRTY_MODEL_AMD, 1u << 1, 0, &d),
		     EOPNOTSUPP, "unknown flag bit 1");
	ASSERT_ERRNO(emu_dev_create(fd, IODIRTY_MODEL_AMD, 0x80000000u, 0, &d),
		     EOPNOTSUPP, "unknown flag bit 31");

	create_struct(&c, IODIRTY_MODEL_AMD);
	c.__reserved = 1;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_DEVICE_CREATE, &c), EOPNOTSUPP,
		     "__reserved");
	create_struct(&c, IODIRTY_MODEL_AMD);
	c.__reserved2 = 1;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_DEVICE_CREATE, &c), EOPNOTSUPP,
		     "__reserved2");

	/* leaf sizes: must include the granule, only encodable sizes */
	ASSERT_ERRNO(emu_dev_create(fd, IODIRTY_MODEL_AMD, 0, SZ_2M, &d), EINVAL,
		     "amd without 4K granule");
	ASSERT_ERRNO(emu_dev_create(fd, IODIRTY_MODEL_VTD, 0, SZ_4K | 0x2000, &d),
		     EINVAL, "vtd 8K leaf");
	ASSERT_ERRNO(emu_dev_create(fd, IODIRTY_MODEL_ARM, 0, SZ_4K | SZ_1M, &d),
		     EINVAL, "arm 1M leaf");
	ASSERT_ERRNO(emu_dev_create(fd, IODIRTY_MODEL_MOCK, 0, SZ_4K, &d), EINVAL,
		     "mock without 2K granule");
	ASSERT_ERRNO(emu_dev_create(fd, IODIRTY_MODEL_AMD, 0, SZ_4K | 1, &d),
		     EINVAL, "amd 1-byte leaf");

	/* size rules */
	create_struct(&c, IODIRTY_MODEL_AMD);
	c.size = 8;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_DEVICE_CREATE, &c), EINVAL, "short size");
	ASSERT_ERRNO(ioctl(fd, IODIRTY_DEVICE_CREATE, NULL), EFAULT, "NULL arg");
	{
		struct {
			struct iodirty_device_create c;
			__u64 tail[2];
		} big;

		memset(&big, 0, sizeof(big));
		big.c.size = sizeof(big);
		big.c.model = IODIRTY_MODEL_VTD;
		big.c.out_dev_id = 0;
		if (ASSERT_OK(ioctl(fd, IODIRTY_DEVICE_CREATE, &big),
			      "longer struct, zero tail"))
			ASSERT_NEQ(big.c.out_dev_id, 0, "dev id with zero tail");
		memset(&big, 0, sizeof(big));
		big.c.size = sizeof(big);
		big.c.model = IODIRTY_MODEL_VTD;
		big.tail[1] = 1;
		ASSERT_ERRNO(ioctl(fd, IODIRTY_DEVICE_CREATE, &big), E2BIG,
			     "longer struct, non-zero tail");
	}
}

static void subtest_destroy_attached(int fd)
{
	__u32 ioas, dev, hwpt = 0;

	if (!ASSERT_OK(emu_ioas_alloc(fd, &ioas), "ioas_alloc") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_AMD, 0, 0, &dev),
		       "device_create") ||
	    !ASSERT_OK(emu_attach(fd, dev, ioas, &hwpt), "attach"))
		return;
	/* stop at the first wrong answer: a wrong success frees objects and
	 * every later check would only repeat the same failure */
	if (!ASSERT_ERRNO(emu_destroy(fd, dev), EBUSY, "destroy attached device") ||
	    !ASSERT_ERRNO(emu_destroy(fd, hwpt), EBUSY, "destroy HWPT in use") ||
	    !ASSERT_ERRNO(emu_destroy(fd, ioas), EBUSY, "destroy IOAS in use"))
		return;
	/* still attached and working */
	ASSERT_ERRNO(emu_attach(fd, dev, ioas, NULL), EBUSY, "still attached");
	ASSERT_OK(emu_detach(fd, dev), "detach");
	ASSERT_OK(emu_destroy(fd, dev), "destroy after detach");
	ASSERT_OK(emu_destroy(fd, ioas), "destroy IOAS after");
}

static void subtest_hw_info(int fd)
{
	static const __u32 want_type[] = {
		[IODIRTY_MODEL_MOCK] = IOMMU_HW_INFO_TYPE_SELFTEST,
		[IODIRTY_MODEL_AMD] = IODIRTY_HW_INFO_TYPE_AMD,
		[IODIRTY_MODEL_VTD] = IOMMU_HW_INFO_TYPE_INTEL_VTD,
		[IODIRTY_MODEL_ARM] = IODIRTY_HW_INFO_TYPE_ARM_SMMUV3,
	};
	int i, dirty;

	for (i = 0; i < 4; i++) {
		for (dirty = 0; dirty < 2; dirty++) {
			__u8 data[128];
			struct iommu_hw_info h;
			char tag[64];
			__u32 dev;

			snprintf(tag, sizeof(tag), "%s%s", emu_model_name(models[i]),
				 dirty ? " dirty" : "");
			if (!ASSERT_OK(emu_dev_create(fd, models[i],
					dirty ? IODIRTY_DEVICE_DIRTY_TRACKING : 0,
					0, &dev), tag))
				continue;
			memset(data, 0xa5, sizeof(data));
			if (!ASSERT_OK(emu_hw_info(fd, dev, data, sizeof(data), &h),
				       tag))
				continue;
			ASSERT_EQ(h.out_data_type, want_type[models[i]], tag);
			ASSERT_EQ(!!(h.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING),
				  dirty, tag);
			ASSERT_EQ(h.out_capabilities & ~(__u64)IOMMU_HW_CAP_DIRTY_TRACKING,
				  0, "no other capability bits");
			if (ASSERT_TRUE(h.data_len > 0 && h.data_len <= sizeof(data),
					"data_len rewritten")) {
				/* the tail past the kernel's data is zeroed */
				__u32 j, bad = 0;

				for (j = h.data_len; j < sizeof(data); j++)
					bad += data[j] != 0;
				ASSERT_EQ(bad, 0, "tail zero-filled");
			}
			if (models[i] == IODIRTY_MODEL_MOCK) {
				struct iommu_test_hw_info *ti = (void *)data;

				ASSERT_EQ(ti->test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL,
					  "mock test_reg");
			}
			/* without a data buffer the type is still reported */
			if (ASSERT_OK(emu_hw_info(fd, dev, NULL, 0, &h), "no data"))
				ASSERT_EQ(h.out_data_type, want_type[models[i]],
					  "type without data");
			emu_destroy(fd, dev);
		}
	}
}

/* the fd is opened by the first subtest that runs (not in list mode) */
static int lazy_fd(int *fd)
{
	if (*fd < 0) {
		*fd = iodirty_open();
		ASSERT_GE(*fd, 0, "open /dev/iodirty");
	}
	return *fd;
}

DEFINE_TEST(emu_device)
{
	int fd = -1;

	if (test__start_subtest("create_each_model") && lazy_fd(&fd) >= 0)
		subtest_create_each_model(fd);
	if (test__start_subtest("create_bad_input") && lazy_fd(&fd) >= 0)
		subtest_create_bad_input(fd);
	if (test__start_subtest("destroy_attached_ebusy") && lazy_fd(&fd) >= 0)
		subtest_destroy_attached(fd);
	if (test__start_subtest("hw_info_per_model") && lazy_fd(&fd) >= 0)
		subtest_hw_info(fd);
	if (fd >= 0)
		close(fd);
}

/* ---- attach --------------------------------------------------------------- */

static void subtest_attach_ioas_auto(int fd)
{
	__u32 ioas, d1, d2, d3, d4, h1 = 0, h2 = 0, h3 = 0, h4 = 0;

	if (!ASSERT_OK(emu_ioas_alloc(fd, &ioas), "ioas_alloc") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_VTD, 0, 0, &d1), "d1") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_VTD, 0, 0, &d2), "d2") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_ARM, 0, 0, &d3), "d3") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_VTD, 0, SZ_4K, &d4), "d4"))
		return;
	if (!ASSERT_OK(emu_attach(fd, d1, ioas, &h1), "attach d1 to IOAS"))
		return;
	ASSERT_NEQ(h1, 0, "automatic hwpt id");
	ASSERT_NEQ(h1, ioas, "hwpt is not the IOAS");
	if (ASSERT_OK(emu_attach(fd, d2, ioas, &h2), "attach d2 to IOAS"))
		ASSERT_EQ(h2, h1, "compatible device reuses the automatic HWPT");
	if (ASSERT_OK(emu_attach(fd, d3, ioas, &h3), "attach arm d3 to IOAS")) {
		ASSERT_NEQ(h3, 0, "arm hwpt id");
		ASSERT_NEQ(h3, h1, "other model gets its own HWPT");
	}
	if (ASSERT_OK(emu_attach(fd, d4, ioas, &h4), "attach vtd-4K d4"))
		ASSERT_NEQ(h4, h1, "other leaf sizes get their own HWPT");
	ASSERT_ERRNO(emu_attach(fd, d1, ioas, NULL), EBUSY, "attach twice");
	/* a DMA through the automatic domain works: map and write */
	{
		void *buf = emu_alloc(SZ_4K);

		if (ASSERT_OK_PTR(buf, "alloc") &&
		    ASSERT_OK(emu_map(fd, ioas, buf, SZ_4K, EMU_IOVA, EMU_RW), "map")) {
			ASSERT_OK(emu_dma_write(fd, d1, EMU_IOVA + 5, 1), "dma d1");
			ASSERT_EQ(((__u8 *)buf)[5], (EMU_IOVA + 5) & 0xff,
				  "byte written");
			ASSERT_OK(emu_dma_write(fd, d3, EMU_IOVA + 9, 1), "dma d3");
			ASSERT_OK(emu_unmap(fd, ioas, EMU_IOVA, SZ_4K), "unmap");
		}
		emu_free(buf, SZ_4K);
	}
	ASSERT_OK(emu_detach(fd, d1), "detach d1");
	ASSERT_OK(emu_detach(fd, d2), "detach d2");
	ASSERT_OK(emu_detach(fd, d3), "detach d3");
	ASSERT_OK(emu_detach(fd, d4), "detach d4");
	ASSERT_OK(emu_destroy(fd, ioas), "IOAS free after all detached");
}

static void subtest_attach_hwpt_and_detach(int fd)
{
	__u32 ioas, dev, hwpt, got = 0;
	struct iodirty_device_attach c;

	if (!ASSERT_OK(emu_ioas_alloc(fd, &ioas), "ioas_alloc") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_AMD, 0, 0, &dev), "dev") ||
	    !ASSERT_OK(emu_hwpt_alloc(fd, dev, ioas, 0, &hwpt), "hwpt_alloc"))
		return;
	if (ASSERT_OK(emu_attach(fd, dev, hwpt, &got), "attach to HWPT"))
		ASSERT_EQ(got, hwpt, "out_hwpt_id");
	ASSERT_ERRNO(emu_destroy(fd, hwpt), EBUSY, "destroy attached HWPT");

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.dev_id = dev;
	c.pt_id = 0;
	c.out_hwpt_id = 0x1234;
	if (ASSERT_OK(ioctl(fd, IODIRTY_DEVICE_ATTACH, &c), "detach (pt_id 0)"))
		ASSERT_EQ(c.out_hwpt_id, 0, "out_hwpt_id after detach");
	/* a detached device cannot DMA */
	ASSERT_ERR(emu_dma_write(fd, dev, EMU_IOVA, 1), "DMA while detached");
	ASSERT_OK(emu_destroy(fd, hwpt), "destroy HWPT after detach");
	/* re-attach to the IOAS still works */
	if (ASSERT_OK(emu_attach(fd, dev, ioas, &got), "re-attach to IOAS"))
		ASSERT_NEQ(got, 0, "auto hwpt");
	ASSERT_OK(emu_detach(fd, dev), "detach again");
}

static void subtest_attach_bad(int fd)
{
	__u32 ioas, dirty_dev, plain_dev, other_dev, dirty_hwpt, h = 0;
	struct iodirty_device_attach c;

	if (!ASSERT_OK(emu_ioas_alloc(fd, &ioas), "ioas_alloc") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_AMD,
				      IODIRTY_DEVICE_DIRTY_TRACKING, 0, &dirty_dev),
		       "dirty dev") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_AMD, 0, 0, &plain_dev),
		       "plain dev") ||
	    !ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_VTD,
				      IODIRTY_DEVICE_DIRTY_TRACKING, 0, &other_dev),
		       "vtd dev"))
		return;
	ASSERT_ERRNO(emu_hwpt_alloc(fd, plain_dev, ioas,
				    IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &h),
		     EOPNOTSUPP, "HWPT_ALLOC DIRTY_TRACKING, non-dirty device");
	if (!ASSERT_OK(emu_hwpt_alloc(fd, dirty_dev, ioas,
				      IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &dirty_hwpt),
		       "HWPT_ALLOC DIRTY_TRACKING, dirty device"))
		return;
	ASSERT_ERRNO(emu_attach(fd, plain_dev, dirty_hwpt, NULL), EINVAL,
		     "non-dirty device to dirty HWPT");
	ASSERT_ERR(emu_attach(fd, other_dev, dirty_hwpt, NULL),
		   "device of another model to the HWPT");
	ASSERT_ERRNO(emu_attach(fd, dirty_dev, 0x7ffffff0, NULL), ENOENT,
		     "unknown pt_id");
	ASSERT_ERRNO(emu_attach(fd, 0x7ffffff0, ioas, NULL), ENOENT,
		     "unknown dev_id");

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.dev_id = dirty_dev;
	c.pt_id = dirty_hwpt;
	c.flags = 1;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_DEVICE_ATTACH, &c), EOPNOTSUPP, "flags");
	c.flags = 0;
	c.__reserved = 1;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_DEVICE_ATTACH, &c), EOPNOTSUPP,
		     "__reserved");
	c.__reserved = 0;
	c.size = 8;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_DEVICE_ATTACH, &c), EINVAL, "short size");

	/* the dirty device is accepted and the non-dirty one still works on
	 * a plain domain */
	ASSERT_OK(emu_attach(fd, dirty_dev, dirty_hwpt, &h), "dirty to dirty");
	ASSERT_OK(emu_attach(fd, plain_dev, ioas, &h), "plain to IOAS");
	ASSERT_NEQ(h, dirty_hwpt, "plain device not on the dirty HWPT");
	emu_detach(fd, dirty_dev);
	emu_detach(fd, plain_dev);
}

DEFINE_TEST(emu_attach)
{
	int fd = -1;

	if (test__start_subtest("ioas_auto_hwpt_reused") && lazy_fd(&fd) >= 0)
		subtest_attach_ioas_auto(fd);
	if (test__start_subtest("hwpt_and_detach") && lazy_fd(&fd) >= 0)
		subtest_attach_hwpt_and_detach(fd);
	if (test__start_subtest("dirty_enforcement_and_bad_input") &&
	    lazy_fd(&fd) >= 0)
		subtest_attach_bad(fd);
	if (fd >= 0)
		close(fd);
}
