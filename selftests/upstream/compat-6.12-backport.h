/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included (gcc -include) when building the upstream iommufd kselftest
 * from Debian's linux-source-6.12 (6.12.117).
 *
 * That tree's tools/testing/selftests/iommu/ carries stable backports written
 * against a newer UAPI than the tree's own include/uapi/linux/iommufd.h and
 * drivers/iommu/iommufd/iommufd_test.h, so the test does not compile against
 * its own headers.  This header supplies exactly the five missing names, with
 * the values they have in the newer headers.  None of them is used by the
 * iommufd_dirty_tracking fixture's ioctls in a way that changes the bytes sent
 * to the kernel (all are 0 / unused on the dirty path).
 */
#ifndef IODIRTY_COMPAT_6_12_BACKPORT_H
#define IODIRTY_COMPAT_6_12_BACKPORT_H

/*
 * struct iommu_hw_info: newer headers turn out_data_type (u32 at offset 24)
 * into a union { in_data_type; out_data_type; }.  _test_cmd_get_hw_info() in
 * iommufd_utils.h initialises .in_data_type; renaming the token to the 6.12
 * member gives the same offset and size, i.e. the same bytes.
 */
#define in_data_type out_data_type

/*
 * enum iommu_hw_info_type: newer headers add IOMMU_HW_INFO_TYPE_DEFAULT = 0
 * (an alias of IOMMU_HW_INFO_TYPE_NONE) meaning "let the kernel pick";
 * iommufd_utils.h passes it to every GET_HW_INFO helper call.
 */
#ifndef IOMMU_HW_INFO_TYPE_DEFAULT
#define IOMMU_HW_INFO_TYPE_DEFAULT 0
#endif

/*
 * enum iommufd_hw_info_flags: IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0 says
 * in_data_type is an input.  iommufd_utils.h sets it only when the type is
 * not DEFAULT, which the tests never do, so 6.12 semantics are kept.
 */
#ifndef IOMMU_HW_INFO_FLAG_INPUT_TYPE
#define IOMMU_HW_INFO_FLAG_INPUT_TYPE (1 << 0)
#endif

/*
 * iommufd_test.h: mock device flag MOCK_FLAGS_DEVICE_PASID = 1 << 2, used by
 * the pasid-capable variants of FIXTURE(iommufd_ioas) (not by the dirty
 * fixture; a 6.12 mock rejects it with EINVAL).
 */
#ifndef MOCK_FLAGS_DEVICE_PASID
#define MOCK_FLAGS_DEVICE_PASID (1 << 2)
#endif

/*
 * iommufd_test.h: MOCK_PASID_WIDTH = 20, the out_max_pasid_log2 a PASID
 * capable mock device reports; asserted in the hw_info test of the ioas
 * fixture (again not the dirty fixture).
 */
#ifndef MOCK_PASID_WIDTH
#define MOCK_PASID_WIDTH 20
#endif

#endif /* IODIRTY_COMPAT_6_12_BACKPORT_H */
