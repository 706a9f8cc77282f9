/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for iodirty's own kselftest-harness tests of the
 * iommufd-compatible UAPI (selftests/vm/uapi).  Built against our own
 * include/uapi headers; every helper returns 0 or -errno so tests can
 * ASSERT_EQ(-EFOO, helper(...)).
 */
#ifndef IODIRTY_UAPI_UTIL_H
#define IODIRTY_UAPI_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/iommufd.h>
#include <linux/iodirty_test.h>

#include "kselftest_harness.h"

#define IOD_DEV		"/dev/iodirty"
#define SZ_2K		0x800UL
#define SZ_4K		0x1000UL
#define SZ_1M		0x100000UL
#define SZ_2M		0x200000UL
#define MOCK_IO_PAGE	SZ_2K		/* PAGE_SIZE / 2 on x86-64 */
#define MOCK_HUGE_PAGE	SZ_1M		/* 512 mock IO pages */
#define U64_MAX_	(~(__u64)0)

static long iod_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* 0 or -errno */
static int iod_ioctl(int fd, unsigned long nr, void *arg)
{
	return ioctl(fd, nr, arg) ? -errno : 0;
}

static int iod_open(void)
{
	int fd = open(IOD_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	return fd;
}

/* Anonymous, page-aligned, 4 KiB-page (no THP) memory, touched. */
static void *iod_alloc_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 0x5a, len);
	return p;
}

/* 2 MiB hugetlb memory; tries to grow the pool first.  NULL if none. */
static void *iod_alloc_huge(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
		       -1, 0);

	if (p == MAP_FAILED) {
		FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r+");
		long n = 0;

		if (f) {
			if (fscanf(f, "%ld", &n) != 1)
				n = 0;
			rewind(f);
			fprintf(f, "%ld\n", n + (long)(len / SZ_2M) + 1);
			fclose(f);
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			 MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
	}
	memset(p, 0x5a, len);
	return p;
}

static int destroy_obj(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return iod_ioctl(fd, IOMMU_DESTROY, &cmd);
}

static int ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = iod_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_ioas_id;
	return rc;
}

/* *iova is the input with FIXED_IOVA and the output in any case. */
static int ioas_map(int fd, __u32 ioas, __u32 flags, void *va, __u64 len,
		    __u64 *iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova ? *iova : 0,
	};
	int rc = iod_ioctl(fd, IOMMU_IOAS_MAP, &cmd);

	if (!rc && iova)
		*iova = cmd.iova;
	return rc;
}

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_FIXED_RW (IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW)

static int ioas_map_fixed(int fd, __u32 ioas, void *va, __u64 len, __u64 iova)
{
	return ioas_map(fd, ioas, MAP_FIXED_RW, va, len, &iova);
}

static int ioas_unmap(int fd, __u32 ioas, __u64 iova, __u64 len,
		      __u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int rc = iod_ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);

	if (unmapped)
		*unmapped = rc ? 0 : cmd.length;
	return rc;
}

static int ioas_ranges(int fd, __u32 ioas, struct iommu_iova_range *r,
		       __u32 *num, __u64 *align)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)r,
	};
	int rc = iod_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);

	*num = cmd.num_iovas;
	if (align)
		*align = cmd.out_iova_alignment;
	return rc;
}

/* MOCK_DOMAIN (dev_flags == 0) or MOCK_DOMAIN_FLAGS; any out may be NULL */
static int mock_domain(int fd, __u32 pt_id, __u32 dev_flags, __u32 *stdev,
		       __u32 *hwpt, __u32 *idev)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = dev_flags ? IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS :
				  IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt_id,
	};
	int rc;

	cmd.mock_domain_flags.dev_flags = dev_flags;
	rc = iod_ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (rc)
		return rc;
	if (stdev)
		*stdev = cmd.mock_domain.out_stdev_id;
	if (hwpt)
		*hwpt = cmd.mock_domain.out_hwpt_id;
	if (idev)
		*idev = cmd.mock_domain.out_idev_id;
	return 0;
}

static int hwpt_alloc(int fd, __u32 dev, __u32 pt, __u32 flags, __u32 *hwpt)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev,
		.pt_id = pt,
	};
	int rc = iod_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && hwpt)
		*hwpt = cmd.out_hwpt_id;
	return rc;
}

static int set_dirty(int fd, __u32 hwpt, bool enable)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt,
	};

	return iod_ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
}

static int get_dirty(int fd, __u32 hwpt, __u64 iova, __u64 len, __u64 pgsz,
		     void *bitmap, __u32 flags)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt,
		.flags = flags,
		.iova = iova,
		.length = len,
		.page_size = pgsz,
		.data = (uintptr_t)bitmap,
	};

	return iod_ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
}

/* IOMMU_TEST_OP_DIRTY: mark the IOPTEs of the set bits dirty */
static int test_dirty(int fd, __u32 hwpt, __u64 iova, __u64 len, __u64 pgsz,
		      const void *bitmap, __u64 *nr_dirty)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DIRTY,
		.id = hwpt,
	};
	int rc;

	cmd.dirty.iova = iova;
	cmd.dirty.length = len;
	cmd.dirty.page_size = pgsz;
	cmd.dirty.uptr = (uintptr_t)bitmap;
	rc = iod_ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (nr_dirty)
		*nr_dirty = rc ? 0 : cmd.dirty.out_nr_dirty;
	return rc;
}

static int check_refs(int fd, void *buf, __u64 len, __u32 refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
	};

	cmd.check_refs.length = len;
	cmd.check_refs.uptr = (uintptr_t)buf;
	cmd.check_refs.refs = refs;
	return iod_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int hw_info(int fd, __u32 dev, void *data, __u32 *len, __u32 *type,
		   __u64 *caps)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev,
		.data_len = *len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = iod_ioctl(fd, IOMMU_GET_HW_INFO, &cmd);

	if (!rc) {
		*len = cmd.data_len;
		if (type)
			*type = cmd.out_data_type;
		if (caps)
			*caps = cmd.out_capabilities;
	}
	return rc;
}

/* ---- bitmaps: byte-array, little-endian bit order (bit i = byte i/8) ---- */

static inline bool bm_test(const void *bm, __u64 i)
{
	return ((const unsigned char *)bm)[i / 8] & (1u << (i % 8));
}

static inline void bm_set(void *bm, __u64 i)
{
	((unsigned char *)bm)[i / 8] |= 1u << (i % 8);
}

static inline __u64 bm_bytes(__u64 nbits)
{
	return (nbits + 7) / 8;
}

/* deterministic pseudo-random bits */
static inline __u64 iod_rand(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Count differences between two bitmaps over nbits (for TH_LOG). */
static __u64 bm_diff(const void *a, const void *b, __u64 nbits, __u64 *first)
{
	__u64 i, n = 0;

	*first = U64_MAX_;
	for (i = 0; i < nbits; i++) {
		if (bm_test(a, i) != bm_test(b, i)) {
			if (!n)
				*first = i;
			n++;
		}
	}
	return n;
}

/*
 * The usual dirty-tracking stack on @fd: an IOAS with a mock device (and
 * its automatic HWPT), a dirty-tracking HWPT for that device, @buf mapped
 * at @iova, tracking enabled.  Returns 0 or the first failing call's value.
 */
static inline int mock_dirty_stack(int fd, void *buf, __u64 len, __u64 iova,
				   __u32 *ioas, __u32 *stdev, __u32 *hwpt,
				   __u32 *idev, __u32 *dhwpt)
{
	return ioas_alloc(fd, ioas) ?:
	       mock_domain(fd, *ioas, 0, stdev, hwpt, idev) ?:
	       hwpt_alloc(fd, *idev, *ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			  dhwpt) ?:
	       ioas_map_fixed(fd, *ioas, buf, len, iova) ?:
	       set_dirty(fd, *dhwpt, true);
}

#endif /* IODIRTY_UAPI_UTIL_H */
