// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IODIRTY_PHANTOM_MAP: TB-scale address spaces in a small VM.  Harvest
 * 16 TiB of 2 MiB leaves and 64 GiB of 4 KiB leaves on an AMD domain after
 * a few scattered DMA writes: exactly those leaves are reported and every
 * leaf is visited.  Timings are printed as information only.
 */
#include "../emu_util.h"

#define SZ_1T	(1ULL << 40)

struct phantom_case {
	const char *name;
	__u64 iova, len, leaf;
	__u64 offs[5];		/* bytes into the range that the device writes */
};

static const struct phantom_case big_2m = {
	"16t_2m_leaves", 16 * SZ_1T, 16 * SZ_1T, SZ_2M,
	{ 0, 3 * SZ_1T + 5 * SZ_2M + 123, 8 * SZ_1T + 1,
	  11 * SZ_1T + 77 * SZ_2M + SZ_2M - 1, 16 * SZ_1T - 1 },
};

static const struct phantom_case big_4k = {
	"64g_4k_leaves", 64 * SZ_1G, 64 * SZ_1G, SZ_4K,
	{ 0, SZ_1G + 7 * SZ_4K, 33 * SZ_1G + 12345, 50 * SZ_1G + SZ_4K - 1,
	  64 * SZ_1G - 1 },
};

static void run_big(const struct phantom_case *c)
{
	__u64 nleaves = c->len / c->leaf, nbytes = emu_bm_bytes(nleaves);
	struct emu_env e = { .fd = -1 };
	struct iodirty_harvest h;
	double t0, t_map, t_en, t_h, t_h2, t_un;
	void *bm = NULL;
	unsigned int k;
	__u64 i;

	bm = emu_alloc(nbytes);
	if (!ASSERT_OK_PTR(bm, "bitmap alloc"))
		return;
	if (!emu_env_setup(&e, IODIRTY_MODEL_AMD, 0, NULL, 0, c->iova, false))
		goto out;
	t0 = emu_now();
	if (!ASSERT_OK(emu_phantom_map(e.fd, e.ioas, c->iova, c->len, c->leaf),
		       "PHANTOM_MAP"))
		goto out;
	t_map = emu_now() - t0;
	t0 = emu_now();
	if (!ASSERT_OK(emu_set_dirty(e.fd, e.hwpt, true), "enable tracking"))
		goto out;
	t_en = emu_now() - t0;

	for (k = 0; k < 5; k++)
		if (!ASSERT_OK(emu_dma_write(e.fd, e.dev, c->iova + c->offs[k], 1),
			       "DMA write"))
			goto out_unmap;

	t0 = emu_now();
	if (!ASSERT_OK(emu_harvest(e.fd, e.hwpt, 0, c->iova, c->len, c->leaf, bm,
				   &h), "HARVEST"))
		goto out_unmap;
	t_h = emu_now() - t0;
	ASSERT_EQ(h.out_leaves, nleaves, "out_leaves == leaf count");
	ASSERT_EQ(h.out_dirty_leaves, 5, "out_dirty_leaves");
	ASSERT_EQ(h.out_dirty_bytes, 5 * c->leaf, "out_dirty_bytes");
	ASSERT_EQ(h.out_cleared, 5, "out_cleared");
	ASSERT_GE(h.out_flushes, 1, "out_flushes");
	for (k = 0; k < 5; k++)
		ASSERT_TRUE(emu_bm_test(bm, c->offs[k] / c->leaf),
			    "written leaf reported");
	ASSERT_EQ(emu_bm_weight(bm, nleaves), 5, "only the written leaves");

	/* the next harvest finds nothing */
	memset(bm, 0, nbytes);
	t0 = emu_now();
	if (ASSERT_OK(emu_harvest(e.fd, e.hwpt, 0, c->iova, c->len, c->leaf, bm,
				  &h), "second HARVEST")) {
		ASSERT_EQ(h.out_leaves, nleaves, "out_leaves");
		ASSERT_EQ(h.out_dirty_leaves, 0, "nothing dirty");
		for (i = 0; i < nbytes && !((__u8 *)bm)[i]; i++)
			;
		ASSERT_EQ(i, nbytes, "empty bitmap");
	}
	t_h2 = emu_now() - t0;
	printf("# %s: %llu leaves, bitmap %llu KiB: map %.2fs, enable %.2fs, "
	       "harvest %.2fs (walk %.2fs), clean harvest %.2fs\n",
	       test__current(), (unsigned long long)nleaves,
	       (unsigned long long)nbytes / 1024, t_map, t_en, t_h,
	       h.out_walk_ns / 1e9, t_h2);
out_unmap:
	t0 = emu_now();
	if (ASSERT_OK(emu_unmap(e.fd, e.ioas, c->iova, c->len), "IOAS_UNMAP")) {
		t_un = emu_now() - t0;
		printf("# %s: unmap %.2fs\n", test__current(), t_un);
		ASSERT_ERRNO(emu_dma_write(e.fd, e.dev, c->iova + c->offs[1], 1),
			     ENOENT, "DMA after unmap");
	}
out:
	emu_env_teardown(&e);
	emu_free(bm, nbytes);
}

static void subtest_bad_input(void)
{
	struct iodirty_phantom_map p;
	struct emu_env e = { .fd = -1 };
	__u32 dev4k, h4k, ioas2;
	int fd;

	if (!emu_env_setup(&e, IODIRTY_MODEL_AMD, 0, NULL, 0, SZ_1G, false))
		goto out;
	fd = e.fd;
	/* not among the domain's sizes (4K|2M|1G), though AMD could encode it */
	ASSERT_TRUE(emu_phantom_map(fd, e.ioas, SZ_1G, 2 * SZ_1G, 512 * SZ_1M) &&
		    (errno == EINVAL || errno == EOPNOTSUPP),
		    "pgsize 512M not in the domain");
	ASSERT_TRUE(emu_phantom_map(fd, e.ioas, SZ_1G, SZ_1G, 0x2000) &&
		    (errno == EINVAL || errno == EOPNOTSUPP),
		    "pgsize 8K not in the domain");
	ASSERT_TRUE(emu_phantom_map(fd, e.ioas, SZ_1G, SZ_1G, 0) &&
		    (errno == EINVAL || errno == EOPNOTSUPP), "pgsize 0");
	ASSERT_TRUE(emu_phantom_map(fd, e.ioas, SZ_1G, SZ_1G, SZ_2M + SZ_4K) &&
		    (errno == EINVAL || errno == EOPNOTSUPP),
		    "pgsize not a power of two");
	ASSERT_ERRNO(emu_phantom_map(fd, e.ioas, SZ_1G + SZ_4K, 4 * SZ_2M, SZ_2M),
		     EINVAL, "iova misaligned to pgsize");
	ASSERT_ERRNO(emu_phantom_map(fd, e.ioas, SZ_1G, SZ_2M + SZ_4K, SZ_2M),
		     EINVAL, "length not a multiple of pgsize");
	ASSERT_ERR(emu_phantom_map(fd, e.ioas, SZ_1G, 0, SZ_2M), "length 0");
	ASSERT_ERR(emu_phantom_map(fd, e.ioas, 0, (1ULL << 47) + SZ_1G, SZ_1G),
		   "length above 2^47");
	ASSERT_ERRNO(emu_phantom_map(fd, 0x7ffffff0, SZ_1G, SZ_1G, SZ_2M), ENOENT,
		     "unknown IOAS");
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.ioas_id = e.ioas;
	p.iova = SZ_1G;
	p.length = SZ_1G;
	p.pgsize = SZ_2M;
	p.flags = 1;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_PHANTOM_MAP, &p), EOPNOTSUPP, "flags");
	p.flags = 0;
	p.__reserved = 1;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_PHANTOM_MAP, &p), EOPNOTSUPP, "__reserved");
	p.__reserved = 0;
	p.size = 16;
	ASSERT_ERRNO(ioctl(fd, IODIRTY_PHANTOM_MAP, &p), EINVAL, "short size");

	/* a good one, then an overlap */
	if (ASSERT_OK(emu_phantom_map(fd, e.ioas, SZ_1G, SZ_1G, SZ_2M), "valid")) {
		ASSERT_ERRNO(emu_phantom_map(fd, e.ioas, SZ_1G + SZ_2M * 4, SZ_1G,
					     SZ_2M), EEXIST, "overlap");
		ASSERT_OK(emu_dma_write(fd, e.dev, SZ_1G + 12345, 64), "DMA to it");
		ASSERT_OK(emu_unmap(fd, e.ioas, SZ_1G, SZ_1G), "unmap");
	}

	/* every domain must have the size: add a 4K-only domain to a new IOAS */
	if (ASSERT_OK(emu_ioas_alloc(fd, &ioas2), "ioas2") &&
	    ASSERT_OK(emu_dev_create(fd, IODIRTY_MODEL_AMD, 0, SZ_4K, &dev4k),
		      "4K-only device") &&
	    ASSERT_OK(emu_hwpt_alloc(fd, dev4k, ioas2, 0, &h4k), "4K-only HWPT")) {
		ASSERT_TRUE(emu_phantom_map(fd, ioas2, SZ_1G, SZ_1G, SZ_2M) &&
			    (errno == EINVAL || errno == EOPNOTSUPP),
			    "2M on a 4K-only domain");
		ASSERT_OK(emu_phantom_map(fd, ioas2, SZ_1G, 16 * SZ_1M, SZ_4K),
			  "4K on a 4K-only domain");
	}
out:
	emu_env_teardown(&e);
}

DEFINE_TEST(emu_phantom)
{
	if (test__start_subtest(big_2m.name))
		run_big(&big_2m);
	if (test__start_subtest(big_4k.name))
		run_big(&big_4k);
	if (test__start_subtest("bad_input"))
		subtest_bad_input();
}
