/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommufd-compatible UAPI served by iodirty on /dev/iodirty.
 *
 * Binary compatible with Linux 6.12 include/uapi/linux/iommufd.h for the
 * commands iodirty implements: same ioctl numbers, struct layouts, flag
 * values and minimum sizes, so iommufd clients (and the upstream kselftest)
 * work unmodified.  The few later additions the 7.x dirty kselftest uses
 * (IOMMU_OPTION with IOMMU_OPTION_HUGE_PAGES, IOMMU_HWPT_ALLOC_PASID) are
 * marked with the kernel that added them.  Written from the published
 * layout, not copied.
 *
 * Every command is _IO(IOMMUFD_TYPE, nr); the first __u32 of the argument
 * is the struct size the caller knows.  See README "Compatibility notes"
 * for where iodirty deliberately returns an error where 6.12 succeeds.
 */
/*
 * A guard of its own: if a kernel header ever pulled in the kernel's copy
 * too, the duplicate definitions fail the build instead of one copy being
 * skipped silently.
 */
#ifndef _UAPI_IODIRTY_IOMMUFD_H
#define _UAPI_IODIRTY_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_TYPE (';')

enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
};

/** struct iommu_destroy - IOMMU_DESTROY: destroy any object by ID */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/** struct iommu_ioas_alloc - IOMMU_IOAS_ALLOC: a new, empty IOAS */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/** struct iommu_iova_range - one usable IOVA range, inclusive */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct iommu_ioas_iova_ranges - IOMMU_IOAS_IOVA_RANGES
 * @num_iovas: in: entries in @allowed_iovas; out: entries needed
 * @out_iova_alignment: minimum alignment of IOVA and length for MAP
 *
 * EMSGSIZE when @num_iovas is too small (it is still updated).
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/** struct iommu_ioas_map - IOMMU_IOAS_MAP: map user memory at an IOVA */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/**
 * struct iommu_ioas_unmap - IOMMU_IOAS_UNMAP
 * @length: in: bytes to unmap (iova 0 + length U64_MAX = everything);
 *	out: bytes unmapped
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/**
 * enum iommufd_option - IOMMU_OPTION option_id
 * @IOMMU_OPTION_RLIMIT_MODE: how pinned pages are charged (global; iodirty
 *	charges the caller's user and mm and refuses this option with
 *	EOPNOTSUPP)
 * @IOMMU_OPTION_HUGE_PAGES: per IOAS (object_id): 1 (default) lets a
 *	mapping use the largest leaves its alignment allows; 0 maps every
 *	CPU page on its own (leaves of at most PAGE_SIZE) and raises the
 *	IOAS's IOVA alignment to PAGE_SIZE.  Turning it off fails with
 *	EINVAL while the IOAS has both domains and mappings.
 */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

/**
 * enum iommufd_option_ops - IOMMU_OPTION op
 * @IOMMU_OPTION_OP_SET: set the option to @val64
 * @IOMMU_OPTION_OP_GET: return the option's value in @val64
 */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/**
 * struct iommu_option - IOMMU_OPTION: get or set an option of an object
 * @size: sizeof(struct iommu_option), 24
 * @option_id: enum iommufd_option
 * @op: enum iommufd_option_ops
 * @__reserved: must be 0
 * @object_id: the object the option belongs to (the IOAS for HUGE_PAGES)
 * @val64: value to set, or the value read
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,	/* 6.13: usable with PASIDs */
};

enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
};

/** struct iommu_hwpt_alloc - IOMMU_HWPT_ALLOC: a paging domain for a device */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
};

enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
};

/** struct iommu_hw_info - IOMMU_GET_HW_INFO: what the device's IOMMU can do */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 out_data_type;
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/** struct iommu_hwpt_set_dirty_tracking - IOMMU_HWPT_SET_DIRTY_TRACKING */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/**
 * struct iommu_hwpt_get_dirty_bitmap - IOMMU_HWPT_GET_DIRTY_BITMAP
 * @data: user pointer to the bitmap; bit i covers iova + i * page_size.
 *	Bits are only ever set, never cleared: zero the bitmap first.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

#endif /* _UAPI_IODIRTY_IOMMUFD_H */
