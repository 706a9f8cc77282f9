// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iommufd-mockdirty: a VMM stand-in for the kernel's own iommufd with
 * IOMMUFD_TEST (the debug kernel): on /dev/iommu it maps N pages into an
 * IOAS (4 KiB leaves: IOMMU_OPTION_HUGE_PAGES off, as the upstream dirty
 * kselftest does), allocates a dirty-tracking HWPT on a mock device,
 * enables tracking, then H times dirties P known pages with
 * IOMMU_TEST_OP_DIRTY (selftests/vm/mockdirty.h's pattern) and harvests
 * them with IOMMU_HWPT_GET_DIRTY_BITMAP, checking the bitmap is exactly
 * those pages; finally disables tracking.  It prints what it did:
 *
 *   mockdirty: pid P hwpt H ioas I pages N
 *   mockdirty: total hwpt=H harvests=G dirtied=D reported=R tracking=T
 *              inv=V inv_bytes=B
 *
 * (one line) where reported is the popcount of every returned bitmap,
 * tracking the successful SET_DIRTY_TRACKING calls, inv the harvests that
 * cleared something (each ends in one iotlb_sync of the gathered range)
 * and inv_bytes the sum of those ranges.  Exit 0 only if every bitmap was
 * exactly the dirtied pages.  Used by prog_tests/tracer_stock.c.
 *
 * Built against Debian 6.12's iommufd_test.h: IOMMU_TEST_OP_DIRTY and the
 * mock-domain op kept their numbers (the enum only grew), and commands go
 * in a zero-padded buffer larger than 7.x's struct iommu_test_cmd, which
 * the kernel accepts (copy_struct_from_user: trailing zeroes).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/iommufd.h>
#include "iommufd_test.h"
#include "mockdirty.h"

struct test_cmd_buf {
	struct iommu_test_cmd c;
	char pad[512];		/* room for a newer, larger union */
};

static int fd;

static int test_cmd(__u32 op, __u32 id, struct test_cmd_buf *b)
{
	b->c.size = sizeof(*b);
	b->c.op = op;
	b->c.id = id;
	return ioctl(fd, IOMMU_TEST_CMD, b);
}

static void die(const char *what)
{
	fprintf(stderr, "mockdirty: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int set_tracking(__u32 hwpt, int on)
{
	struct iommu_hwpt_set_dirty_tracking c = {
		.size = sizeof(c), .flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt,
	};

	return ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &c);
}

int main(int argc, char **argv)
{
	unsigned int npages = 2048, per = 64, stride = 3, harvests = 100, k, j;
	unsigned long long dirtied = 0, reported = 0, inv = 0, inv_bytes = 0, tracking = 0;
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_option opt = { .size = sizeof(opt) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	struct test_cmd_buf b;
	unsigned char *bits, *want;
	size_t bmsz;
	void *buf;
	int c, bad = 0;

	while ((c = getopt(argc, argv, "n:p:s:N:")) != -1) {
		switch (c) {
		case 'n': harvests = strtoul(optarg, NULL, 0); break;
		case 'p': per = strtoul(optarg, NULL, 0); break;
		case 's': stride = strtoul(optarg, NULL, 0); break;
		case 'N': npages = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: iommufd-mockdirty [-n HARVESTS] [-p PAGES] "
				"[-s STRIDE] [-N MAPPED_PAGES]\n");
			return 2;
		}
	}
	if (!per || !stride || (unsigned long)per * stride > npages || npages % 64) {
		fprintf(stderr, "mockdirty: need PAGES * STRIDE <= MAPPED_PAGES, a multiple of 64\n");
		return 2;
	}
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		die("/dev/iommu");
	buf = mmap(NULL, npages * MD_PAGE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	bmsz = npages / 8;
	/* page-aligned: the kernel maps the whole bitmap as one chunk, so each
	 * GET makes one vendor walk (what tracer_stock.c expects) */
	bits = aligned_alloc(4096, (bmsz + 4095) & ~4095UL);
	want = calloc(1, bmsz);
	if (buf == MAP_FAILED || !bits || !want)
		die("memory");
	if (ioctl(fd, IOMMU_IOAS_ALLOC, &ia))
		die("IOMMU_IOAS_ALLOC");
	/* PAGE_SIZE leaves: one dirty page = one leaf = one iova_bitmap_set */
	opt.option_id = IOMMU_OPTION_HUGE_PAGES;
	opt.op = IOMMU_OPTION_OP_SET;
	opt.object_id = ia.out_ioas_id;
	opt.val64 = 0;
	if (ioctl(fd, IOMMU_OPTION, &opt))
		die("IOMMU_OPTION HUGE_PAGES=0");
	memset(&b, 0, sizeof(b));
	if (test_cmd(IOMMU_TEST_OP_MOCK_DOMAIN, ia.out_ioas_id, &b))
		die("IOMMU_TEST_OP_MOCK_DOMAIN (needs CONFIG_IOMMUFD_TEST)");
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
		    IOMMU_IOAS_MAP_READABLE;
	map.ioas_id = ia.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	map.length = npages * MD_PAGE;
	map.iova = MD_IOVA;
	if (ioctl(fd, IOMMU_IOAS_MAP, &map))
		die("IOMMU_IOAS_MAP");
	ha.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	ha.dev_id = b.c.mock_domain.out_idev_id;
	ha.pt_id = ia.out_ioas_id;
	if (ioctl(fd, IOMMU_HWPT_ALLOC, &ha))
		die("IOMMU_HWPT_ALLOC DIRTY_TRACKING");
	printf("mockdirty: pid %d hwpt %u ioas %u pages %u\n", getpid(), ha.out_hwpt_id,
	       ia.out_ioas_id, npages);
	fflush(stdout);
	if (set_tracking(ha.out_hwpt_id, 1))
		die("IOMMU_HWPT_SET_DIRTY_TRACKING on");
	tracking++;

	for (k = 0; k < harvests; k++) {
		struct iommu_hwpt_get_dirty_bitmap g = {
			.size = sizeof(g), .hwpt_id = ha.out_hwpt_id, .iova = MD_IOVA,
			.length = npages * MD_PAGE, .page_size = MD_PAGE,
			.data = (uintptr_t)bits,
		};
		unsigned long lo = ~0UL, hi = 0, p;
		unsigned long long n = 0;
		size_t i;

		memset(want, 0, bmsz);
		for (j = 0; j < per; j++) {
			p = md_page(k, j, stride);
			want[p / 8] |= 1 << (p % 8);
			lo = p < lo ? p : lo;
			hi = p > hi ? p : hi;
		}
		memset(&b, 0, sizeof(b));
		b.c.dirty.iova = MD_IOVA;
		b.c.dirty.length = npages * MD_PAGE;
		b.c.dirty.page_size = MD_PAGE;
		b.c.dirty.uptr = (uintptr_t)want;
		if (test_cmd(IOMMU_TEST_OP_DIRTY, ha.out_hwpt_id, &b))
			die("IOMMU_TEST_OP_DIRTY");
		if (b.c.dirty.out_nr_dirty != per) {
			fprintf(stderr, "mockdirty: harvest %u: OP_DIRTY dirtied %llu, not %u\n",
				k, (unsigned long long)b.c.dirty.out_nr_dirty, per);
			bad = 1;
		}
		dirtied += b.c.dirty.out_nr_dirty;
		memset(bits, 0, bmsz);
		if (ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g))
			die("IOMMU_HWPT_GET_DIRTY_BITMAP");
		for (i = 0; i < bmsz; i++)
			n += __builtin_popcount(bits[i]);
		reported += n;
		if (memcmp(bits, want, bmsz)) {
			fprintf(stderr, "mockdirty: harvest %u: bitmap is not the dirtied pages "
				"(%llu bits)\n", k, n);
			bad = 1;
		}
		/* the clearing walk gathered [lo, hi] and synced it once */
		inv++;
		inv_bytes += (hi - lo + 1) * MD_PAGE;
	}
	if (set_tracking(ha.out_hwpt_id, 0))
		die("IOMMU_HWPT_SET_DIRTY_TRACKING off");
	tracking++;
	printf("mockdirty: total hwpt=%u harvests=%u dirtied=%llu reported=%llu tracking=%llu "
	       "inv=%llu inv_bytes=%llu\n", ha.out_hwpt_id, harvests, dirtied, reported,
	       tracking, inv, inv_bytes);
	close(fd);
	return bad;
}
