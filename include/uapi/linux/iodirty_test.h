/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * IOMMU_TEST_CMD subset served by iodirty, binary compatible with Linux
 * 6.12 drivers/iommu/iommufd/iommufd_test.h (numbers, 72-byte layout,
 * minimum size = end of @last).  Only the ops the dirty-tracking selftest
 * needs are implemented: MOCK_DOMAIN, MD_CHECK_REFS, MOCK_DOMAIN_FLAGS and
 * DIRTY; any other op fails with EOPNOTSUPP.
 */
#ifndef _UAPI_IODIRTY_TEST_H
#define _UAPI_IODIRTY_TEST_H

#include <linux/types.h>
#include "iommufd.h"	/* this project's copy, next to this file */

enum {
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	IOMMU_TEST_OP_MOCK_DOMAIN = 2,
	IOMMU_TEST_OP_MD_CHECK_MAP = 3,
	IOMMU_TEST_OP_MD_CHECK_REFS = 4,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS = 12,
	IOMMU_TEST_OP_DIRTY = 13,
};

enum {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
};

enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1,
};

#define IOMMU_HW_INFO_TYPE_SELFTEST	0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL	0xdeadbeef
#define IOMMU_HWPT_DATA_SELFTEST	0xdead

/** struct iommu_test_hw_info - GET_HW_INFO data of a mock device */
struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		/* keeps the union at its 6.12 size (48 bytes) */
		__u8 __union_size[48];
	};
	__u32 last;
};
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

#endif /* _UAPI_IODIRTY_TEST_H */
