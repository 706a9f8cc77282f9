/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * IOMMU_TEST_CMD subset served by iodirty, binary compatible with Linux
 * 6.12 drivers/iommu/iommufd/iommufd_test.h (numbers, 72-byte layout,
 * minimum size = end of @last) and with the later additions the 7.x
 * dirty-tracking selftest uses.  Only the ops the dirty-tracking selftests
 * need are implemented: MOCK_DOMAIN, MD_CHECK_REFS, MOCK_DOMAIN_FLAGS,
 * DIRTY, and (6.14) PASID_ATTACH, PASID_DETACH, PASID_CHECK_HWPT; any other
 * op fails with EOPNOTSUPP.
 *
 * Mock HWPTs: IOMMU_HWPT_ALLOC of a paging domain for a mock device with
 * data_type IOMMU_HWPT_DATA_SELFTEST and a struct iommu_hwpt_selftest
 * (6.19) picks the 7.x "iommupt" mock page table: MOCK_IOMMUPT_DEFAULT
 * (AMD v1 layout on a 2 KiB granule, every power-of-two leaf from 2 KiB)
 * or MOCK_IOMMUPT_HUGE (2 KiB granule, 4 KiB IOVA alignment, 4 KiB and
 * 1 MiB leaves).  Without data the domain is the 6.12 mock (2 KiB leaves,
 * plus 1 MiB for a MOCK_FLAGS_DEVICE_HUGE_IOVA device).
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
	IOMMU_TEST_OP_PASID_ATTACH = 18,
	IOMMU_TEST_OP_PASID_REPLACE = 19,
	IOMMU_TEST_OP_PASID_DETACH = 20,
	IOMMU_TEST_OP_PASID_CHECK_HWPT = 21,
};

/* struct iommu_hwpt_selftest @pagetable_type (6.19) */
enum {
	MOCK_IOMMUPT_DEFAULT = 0,
	MOCK_IOMMUPT_HUGE = 1,
};

enum {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
};

enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1,	/* 6.12 only (gone in 6.19) */
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,	/* 6.14: PASID capable */
};

/* PASIDs of a MOCK_FLAGS_DEVICE_PASID device are below 1 << this */
#define MOCK_PASID_WIDTH		20

#define IOMMU_HW_INFO_TYPE_SELFTEST	0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL	0xdeadbeef
#define IOMMU_HWPT_DATA_SELFTEST	0xdead

/**
 * struct iommu_hwpt_selftest - IOMMU_HWPT_DATA_SELFTEST data of HWPT_ALLOC
 * @iotlb: the nested mock's IOTLB seed; ignored for a paging domain
 * @pagetable_type: MOCK_IOMMUPT_* (6.19; a 4-byte 6.12 struct means
 *	MOCK_IOMMUPT_DEFAULT)
 */
struct iommu_hwpt_selftest {
	__u32 iotlb;
	__u32 pagetable_type;
};

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
		/* PASID ops: @id is the selftest object (out_stdev_id) */
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_attach;
		struct {
			__u32 pasid;
		} pasid_detach;
		struct {
			__u32 pasid;
			__u32 hwpt_id;	/* 0: is @pasid detached? */
		} pasid_check;
		/* keeps the union at its 6.12 size (48 bytes) */
		__u8 __union_size[48];
	};
	__u32 last;
};
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

#endif /* _UAPI_IODIRTY_TEST_H */
