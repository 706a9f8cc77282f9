// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IODIRTY_DMA data path: bytes written by the emulated device land in the
 * mapped user memory, reads come back from it, the byte pattern, faults
 * (ENOENT unmapped, EACCES read-only) and argument checks.
 */
#include "../emu_util.h"

#define NPAGES	8
#define LEN	(NPAGES * SZ_4K)

static void fill_random(__u8 *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = seed >> 16;
	}
}

static void subtest_write_read(struct emu_env *e)
{
	__u8 *mem = e->buf, src[3 * 4096], dst[3 * 4096];
	struct iodirty_dma d;
	__u64 off = 4096 - 100;	/* crosses two page boundaries */

	memset(mem, 0, LEN);
	fill_random(src, sizeof(src), 7);
	if (!ASSERT_OK(emu_dma_ex(e->fd, e->dev, IODIRTY_DMA_WRITE,
				  e->iova + off, 2 * 4096 + 50, src, &d),
		       "DMA write user_buf"))
		return;
	ASSERT_OK(memcmp(mem + off, src, 2 * 4096 + 50), "memory == user_buf");
	ASSERT_EQ(mem[off - 1], 0, "byte before untouched");
	ASSERT_EQ(mem[off + 2 * 4096 + 50], 0, "byte after untouched");
	ASSERT_EQ(d.out_iotlb_hits + d.out_iotlb_misses, 3,
		  "one translation per page touched");

	/* the CPU changes memory; a DMA read sees it */
	fill_random(mem, LEN, 99);
	memset(dst, 0, sizeof(dst));
	if (ASSERT_OK(emu_dma_ex(e->fd, e->dev, 0, e->iova + 1, sizeof(dst) - 2,
				 dst, NULL), "DMA read"))
		ASSERT_OK(memcmp(dst, mem + 1, sizeof(dst) - 2), "read == memory");
	ASSERT_EQ(dst[sizeof(dst) - 1], 0, "read does not overrun user_buf");

	/* a read with user_buf 0 is discarded and changes nothing */
	memcpy(src, mem, sizeof(src));
	ASSERT_OK(emu_dma_ex(e->fd, e->dev, 0, e->iova, sizeof(src), NULL, NULL),
		  "DMA read discarded");
	ASSERT_OK(memcmp(src, mem, sizeof(src)), "memory unchanged by read");
}

static void subtest_pattern(struct emu_env *e)
{
	__u8 *mem = e->buf;
	__u64 off = 3 * 4096 + 250, len = 2 * 4096, i, bad = 0;

	memset(mem, 0xee, LEN);
	if (!ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova + off, len),
		       "pattern write"))
		return;
	for (i = 0; i < len; i++)
		bad += mem[off + i] != ((e->iova + off + i) & 0xff);
	ASSERT_EQ(bad, 0, "bytes == low byte of IOVA");
	ASSERT_EQ(mem[off - 1], 0xee, "byte before untouched");
	ASSERT_EQ(mem[off + len], 0xee, "byte after untouched");
	/* a single byte at the very end of the mapping */
	ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova + LEN - 1, 1),
		  "last byte");
	ASSERT_EQ(mem[LEN - 1], (e->iova + LEN - 1) & 0xff, "last byte value");
}

static void subtest_faults(struct emu_env *e, void *ro_buf, __u64 ro_iova)
{
	__u8 *mem = e->buf, *ro = ro_buf, tmp[64];
	struct iodirty_oracle o;
	__u8 bm[8] = {};

	memset(mem, 0, LEN);
	ASSERT_ERRNO(emu_dma_write(e->fd, e->dev, e->iova + LEN + 0x100000, 8),
		     ENOENT, "write unmapped");
	ASSERT_ERRNO(emu_dma_ex(e->fd, e->dev, 0, e->iova + LEN + 0x100000, 8,
				tmp, NULL), ENOENT, "read unmapped");
	/* runs off the end of the mapping: what came before stays */
	ASSERT_ERRNO(emu_dma_write(e->fd, e->dev, e->iova + LEN - 4096, 2 * 4096),
		     ENOENT, "write running into unmapped");
	ASSERT_EQ(mem[LEN - 4096], (e->iova + LEN - 4096) & 0xff,
		  "transferred before the fault stays (first byte)");
	ASSERT_EQ(mem[LEN - 1], (e->iova + LEN - 1) & 0xff,
		  "transferred before the fault stays (last byte)");

	/* read-only mapping */
	memset(ro, 0x5a, 4096);
	if (ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset")) {
		ASSERT_ERRNO(emu_dma_write(e->fd, e->dev, ro_iova + 8, 16), EACCES,
			     "write to read-only mapping");
		ASSERT_EQ(ro[8], 0x5a, "read-only memory unchanged");
		if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, ro_iova, 4096, 4096,
					       bm, &o), "oracle check"))
			ASSERT_EQ(o.out_written, 0, "faulted write not recorded");
	}
	memset(tmp, 0, sizeof(tmp));
	if (ASSERT_OK(emu_dma_ex(e->fd, e->dev, 0, ro_iova + 8, sizeof(tmp), tmp,
				 NULL), "read from read-only mapping"))
		ASSERT_EQ(tmp[0], 0x5a, "read value");
}

static void subtest_bad_args(struct emu_env *e, __u32 detached_dev)
{
	struct iodirty_dma d;
	__u8 b[16];

	ASSERT_ERRNO(emu_dma_ex(e->fd, e->dev, IODIRTY_DMA_WRITE, e->iova, 0, b,
				NULL), EINVAL, "length 0");
	ASSERT_ERRNO(emu_dma_ex(e->fd, e->dev, IODIRTY_DMA_WRITE, e->iova,
				16 * SZ_1M + 1, NULL, NULL), EINVAL,
		     "length > 16 MiB");
	ASSERT_ERRNO(emu_dma_ex(e->fd, e->dev, 1u << 5, e->iova, 1, b, NULL),
		     EOPNOTSUPP, "unknown flag");
	ASSERT_ERRNO(emu_dma_ex(e->fd, 0x7ffffff0, IODIRTY_DMA_WRITE, e->iova, 1,
				b, NULL), ENOENT, "unknown dev_id");
	ASSERT_ERR(emu_dma_ex(e->fd, e->hwpt, IODIRTY_DMA_WRITE, e->iova, 1, b,
			      NULL), "dev_id is a HWPT");
	ASSERT_ERR(emu_dma_ex(e->fd, detached_dev, IODIRTY_DMA_WRITE, e->iova, 1,
			      b, NULL), "detached device");
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.flags = IODIRTY_DMA_WRITE;
	d.dev_id = e->dev;
	d.iova = e->iova;
	d.length = 1;
	d.__reserved = 1;
	ASSERT_ERRNO(ioctl(e->fd, IODIRTY_DMA, &d), EOPNOTSUPP, "__reserved");
	d.__reserved = 0;
	d.size = 16;
	ASSERT_ERRNO(ioctl(e->fd, IODIRTY_DMA, &d), EINVAL, "short size");
	/* a bad user_buf faults, it does not write */
	ASSERT_ERRNO(emu_dma_ex(e->fd, e->dev, IODIRTY_DMA_WRITE, e->iova, 16,
				(void *)8, NULL), EFAULT, "bad user_buf");
}

struct dma_ctx {
	struct emu_env e;
	void *buf, *ro;
	__u64 ro_iova;
	__u32 detached;
	bool tried, ok;
};

/* built by the first subtest that runs, so listing does no work */
static bool dma_setup(struct dma_ctx *c)
{
	if (c->tried)
		return c->ok;
	c->tried = true;
	c->buf = emu_alloc(LEN);
	c->ro = emu_alloc(4096);
	c->ro_iova = EMU_IOVA + 0x400000;
	if (!ASSERT_OK_PTR(c->buf, "alloc") || !ASSERT_OK_PTR(c->ro, "alloc ro"))
		return false;
	if (!emu_env_setup(&c->e, IODIRTY_MODEL_AMD, SZ_4K, c->buf, LEN,
			   EMU_IOVA, true))
		return false;
	if (!ASSERT_OK(emu_map(c->e.fd, c->e.ioas, c->ro, 4096, c->ro_iova,
			       IOMMU_IOAS_MAP_READABLE), "map read-only") ||
	    !ASSERT_OK(emu_dev_create(c->e.fd, IODIRTY_MODEL_AMD, 0, 0,
				      &c->detached), "detached device"))
		return false;
	return c->ok = true;
}

DEFINE_TEST(emu_dma)
{
	struct dma_ctx c = { .e.fd = -1 };

	if (test__start_subtest("write_read_user_buf") && dma_setup(&c))
		subtest_write_read(&c.e);
	if (test__start_subtest("pattern_write") && dma_setup(&c))
		subtest_pattern(&c.e);
	if (test__start_subtest("faults") && dma_setup(&c))
		subtest_faults(&c.e, c.ro, c.ro_iova);
	if (test__start_subtest("bad_args") && dma_setup(&c))
		subtest_bad_args(&c.e, c.detached);
	emu_env_teardown(&c.e);
	emu_free(c.buf, LEN);
	emu_free(c.ro, 4096);
}
