/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers for the emulated-IOMMU tests (prog_tests/emu_*.c): thin ioctl
 * wrappers that return 0 or -1 with errno set (like the syscall), bitmap
 * helpers, and a small "environment" that builds the usual stack
 * (IOAS + mapping + dirty-capable device + dirty HWPT + attach + enable).
 *
 * Header only (static inline) so the Makefile rule for prog_tests needs
 * nothing extra.
 */
#ifndef __IODIRTY_EMU_UTIL_H
#define __IODIRTY_EMU_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>
#include <linux/iodirty.h>
#include <linux/iodirty_test.h>
#include "test_progs.h"
#include "iodirty_test_util.h"
#include "libiodirty.h"

#define SZ_2K	0x800ULL
#define SZ_4K	0x1000ULL
#define SZ_1M	0x100000ULL
#define SZ_2M	0x200000ULL
#define SZ_1G	0x40000000ULL

/* First IOVA the tests use: inside the mock aperture (16 MiB .. 2 GiB) and
 * aligned for every leaf size up to 16 MiB. */
#define EMU_IOVA	(1ULL << 24)

#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif

static inline const char *emu_model_name(__u32 model)
{
	switch (model) {
	case IODIRTY_MODEL_MOCK: return "mock";
	case IODIRTY_MODEL_AMD: return "amd";
	case IODIRTY_MODEL_VTD: return "vtd";
	case IODIRTY_MODEL_ARM: return "arm";
	}
	return "?";
}

static inline double emu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void emu_msleep(unsigned int ms)
{
	usleep(ms * 1000);
}

/*
 * Commands the UAPI library (user/libiodirty) already wraps with the same
 * arguments; like the helpers below they return < 0 with errno set.
 */
#define emu_destroy iodirty_destroy
#define emu_ioas_alloc iodirty_ioas_alloc
#define emu_unmap iodirty_ioas_unmap
#define emu_hwpt_alloc iodirty_hwpt_alloc
#define emu_set_dirty iodirty_set_dirty_tracking
#define emu_get_dirty iodirty_get_dirty_bitmap
#define emu_dev_create iodirty_device_create
#define emu_dma_write iodirty_dma_write
#define emu_oracle_reset iodirty_oracle_reset
#define emu_oracle_check iodirty_oracle_check

/* ---- iommufd commands --------------------------------------------------- */

#define EMU_RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

static inline int emu_map(int fd, __u32 ioas, void *buf, __u64 len,
			  __u64 iova, __u32 prot)
{
	struct iommu_ioas_map c = {
		.size = sizeof(c), .ioas_id = ioas,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | prot,
		.user_va = (uintptr_t)buf, .length = len, .iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &c);
}

static inline int emu_hw_info(int fd, __u32 dev, void *data, __u32 len,
			      struct iommu_hw_info *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->dev_id = dev;
	out->data_len = len;
	out->data_uptr = (uintptr_t)data;
	return ioctl(fd, IOMMU_GET_HW_INFO, out);
}

/* ---- iodirty extension commands ---------------------------------------- */

static inline int emu_attach(int fd, __u32 dev, __u32 pt_id, __u32 *out_hwpt)
{
	struct iodirty_device_attach c = {
		.size = sizeof(c), .dev_id = dev, .pt_id = pt_id,
		.out_hwpt_id = 0xdeadbeef,
	};
	int ret = ioctl(fd, IODIRTY_DEVICE_ATTACH, &c);

	if (!ret && out_hwpt)
		*out_hwpt = c.out_hwpt_id;
	return ret;
}

static inline int emu_detach(int fd, __u32 dev)
{
	return emu_attach(fd, dev, 0, NULL);
}

static inline int emu_dma_ex(int fd, __u32 dev, __u32 flags, __u64 iova,
			     __u64 len, void *buf, struct iodirty_dma *out)
{
	struct iodirty_dma c = {
		.size = sizeof(c), .flags = flags, .dev_id = dev,
		.iova = iova, .length = len, .user_buf = (uintptr_t)buf,
	};
	int ret = ioctl(fd, IODIRTY_DMA, &c);

	if (out)
		*out = c;
	return ret;
}

static inline int emu_iotlb(int fd, __u32 dev, __u32 flags, __u64 iova,
			    __u64 len, struct iodirty_iotlb *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = flags;
	out->dev_id = dev;
	out->iova = iova;
	out->length = len;
	return ioctl(fd, IODIRTY_IOTLB, out);
}

static inline int emu_phantom_map(int fd, __u32 ioas, __u64 iova, __u64 len,
				  __u64 pgsize)
{
	struct iodirty_phantom_map c = {
		.size = sizeof(c), .ioas_id = ioas, .iova = iova,
		.length = len, .pgsize = pgsize,
	};

	return ioctl(fd, IODIRTY_PHANTOM_MAP, &c);
}

static inline int emu_harvest(int fd, __u32 hwpt, __u32 flags, __u64 iova,
			      __u64 len, __u64 page_size, void *data,
			      struct iodirty_harvest *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->hwpt_id = hwpt;
	out->flags = flags;
	out->iova = iova;
	out->length = len;
	out->page_size = page_size;
	out->data = (uintptr_t)data;
	return ioctl(fd, IODIRTY_HARVEST, out);
}

static inline int emu_workload(int fd, struct iodirty_workload *w, __u32 op,
			       __u32 dev)
{
	w->size = sizeof(*w);
	w->op = op;
	w->dev_id = dev;
	return ioctl(fd, IODIRTY_WORKLOAD, w);
}

static inline int emu_wl_start(int fd, __u32 dev, __u32 pattern, __u64 iova,
			       __u64 len, __u64 rate, __u64 seed)
{
	struct iodirty_workload w = {
		.pattern = pattern, .iova = iova, .length = len, .rate = rate,
		.seed = seed,
	};

	return emu_workload(fd, &w, IODIRTY_WORKLOAD_START, dev);
}

static inline int emu_wl_stop(int fd, __u32 dev, struct iodirty_workload *out)
{
	memset(out, 0, sizeof(*out));
	return emu_workload(fd, out, IODIRTY_WORKLOAD_STOP, dev);
}

static inline int emu_wl_status(int fd, __u32 dev, struct iodirty_workload *out)
{
	memset(out, 0, sizeof(*out));
	return emu_workload(fd, out, IODIRTY_WORKLOAD_STATUS, dev);
}

static inline int emu_check_refs(int fd, void *buf, __u64 len, __u32 refs)
{
	struct iommu_test_cmd c = {
		.size = sizeof(c), .op = IOMMU_TEST_OP_MD_CHECK_REFS,
	};

	c.check_refs.uptr = (uintptr_t)buf;
	c.check_refs.length = len;
	c.check_refs.refs = refs;
	return ioctl(fd, IOMMU_TEST_CMD, &c);
}

/* ---- bitmaps (GET_DIRTY_BITMAP layout: LE u64 words == byte array) ----- */

static inline __u64 emu_bm_bytes(__u64 nbits)
{
	return (nbits + 63) / 64 * 8;
}

static inline bool emu_bm_test(const void *bm, __u64 bit)
{
	return ((const __u8 *)bm)[bit / 8] & (1u << (bit % 8));
}

static inline void emu_bm_set(void *bm, __u64 bit)
{
	((__u8 *)bm)[bit / 8] |= 1u << (bit % 8);
}

static inline __u64 emu_bm_weight(const void *bm, __u64 nbits)
{
	__u64 i, n = 0;

	for (i = 0; i < nbits / 8; i++)
		n += __builtin_popcount(((const __u8 *)bm)[i]);
	for (i = nbits / 8 * 8; i < nbits; i++)
		n += emu_bm_test(bm, i);
	return n;
}

static inline void emu_bm_or(void *dst, const void *src, __u64 nbytes)
{
	__u64 i;

	for (i = 0; i < nbytes; i++)
		((__u8 *)dst)[i] |= ((const __u8 *)src)[i];
}

/*
 * Compare @got against @want over @nbits; print up to a few differing bits
 * as "# ..." lines.  Returns the number of differing bits.
 */
static inline __u64 emu_bm_diff(const void *got, const void *want, __u64 nbits,
				const char *what)
{
	__u64 i, n = 0;

	for (i = 0; i < nbits; i++) {
		bool g = emu_bm_test(got, i), w = emu_bm_test(want, i);

		if (g == w)
			continue;
		if (n++ < 4)
			printf("# %s: %s: bit %llu is %d, expected %d\n",
			       test__current(), what, (unsigned long long)i, g, w);
	}
	return n;
}

/* ---- memory --------------------------------------------------------------- */

static inline void *emu_alloc(__u64 len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* hugetlb-backed (2 MiB pages), or NULL if none are reserved */
static inline void *emu_alloc_huge(__u64 len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline void emu_free(void *p, __u64 len)
{
	if (p)
		munmap(p, len);
}

/* Write a module parameter (/sys/module/iodirty/parameters/NAME). */
static inline int emu_write_param(const char *name, const char *val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/iodirty/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(val, f) < 0 ? -1 : 0;
	if (fclose(f))
		ret = -1;
	return ret;
}

/* ---- the usual stack -------------------------------------------------- */

/**
 * struct emu_env - IOAS, an optional mapping, one device on a dirty HWPT
 * @buf: user memory mapped at @iova (NULL for none)
 * @len: bytes mapped at @iova
 */
struct emu_env {
	int fd;
	__u32 ioas, dev, hwpt;
	__u32 model;
	void *buf;
	__u64 iova, len;
	bool attached, mapped;
	bool ready;	/* every step of emu_env_setup() succeeded */
};

/*
 * Open, make an IOAS, a dirty-capable device of @model with leaf sizes
 * @pgsize (0 = default), a dirty HWPT; map @buf (if any) at @iova, attach
 * the device and (if @enable) enable dirty tracking.  Failures are
 * reported through ASSERTs under @tag.
 */
static inline bool emu_env_setup(struct emu_env *e, __u32 model, __u64 pgsize,
				 void *buf, __u64 len, __u64 iova, bool enable)
{
	memset(e, 0, sizeof(*e));
	e->fd = -1;
	e->model = model;
	e->buf = buf;
	e->len = len;
	e->iova = iova;
	e->fd = iodirty_open();
	if (!ASSERT_GE(e->fd, 0, "open /dev/iodirty"))
		return false;
	if (!ASSERT_OK(emu_ioas_alloc(e->fd, &e->ioas), "ioas_alloc"))
		return false;
	if (!ASSERT_OK(emu_dev_create(e->fd, model, IODIRTY_DEVICE_DIRTY_TRACKING,
				      pgsize, &e->dev), "device_create"))
		return false;
	if (!ASSERT_OK(emu_hwpt_alloc(e->fd, e->dev, e->ioas,
				      IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &e->hwpt),
		       "hwpt_alloc dirty"))
		return false;
	if (buf) {
		if (!ASSERT_OK(emu_map(e->fd, e->ioas, buf, len, iova, EMU_RW),
			       "ioas_map"))
			return false;
		e->mapped = true;
	}
	{
		__u32 got = 0;

		if (!ASSERT_OK(emu_attach(e->fd, e->dev, e->hwpt, &got),
			       "attach to dirty hwpt"))
			return false;
		e->attached = true;
		if (!ASSERT_EQ(got, e->hwpt, "attached hwpt id"))
			return false;
	}
	if (enable && !ASSERT_OK(emu_set_dirty(e->fd, e->hwpt, true),
				 "enable dirty tracking"))
		return false;
	e->ready = true;
	return true;
}

/*
 * For tests whose subtests share one environment built by the first of
 * them: a later subtest must fail visibly, not pass without running, when
 * that setup failed.
 */
static inline bool emu_env_shared_ready(struct emu_env *e)
{
	return ASSERT_TRUE(e->ready, "shared setup (it failed in an earlier subtest)");
}

/* Closing the fd frees every object; that is what the tests rely on. */
static inline void emu_env_teardown(struct emu_env *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

#endif /* __IODIRTY_EMU_UTIL_H */
