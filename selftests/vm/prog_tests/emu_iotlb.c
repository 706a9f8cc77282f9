// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The emulated device IOTLB: hit/miss accounting, explicit range and
 * whole-domain invalidations, and the hardware behaviour that makes the
 * post-harvest flush necessary: a write through a translation cached as
 * dirty does not touch the PTE, so if a harvest clears the dirty bit
 * without invalidating (IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE), the next write
 * is lost; with the normal flush it is not.
 */
#include "../emu_util.h"

#define NPAGES 16

static bool dma1(struct emu_env *e, __u32 flags, __u64 page, __u64 *hits,
		 __u64 *misses, const char *tag)
{
	struct iodirty_dma d;
	__u8 b = 0;

	if (!ASSERT_OK(emu_dma_ex(e->fd, e->dev, flags, e->iova + page * SZ_4K + 3,
				  1, flags ? NULL : &b, &d), tag))
		return false;
	*hits = d.out_iotlb_hits;
	*misses = d.out_iotlb_misses;
	return true;
}

#define EXPECT_DMA(e, fl, page, h, m, tag) do {				\
	__u64 _h = 0, _m = 0;						\
	if (dma1(e, fl, page, &_h, &_m, tag)) {				\
		ASSERT_EQ(_h, h, tag " hits");				\
		ASSERT_EQ(_m, m, tag " misses");			\
	}								\
} while (0)

static void subtest_counters(struct emu_env *e)
{
	struct iodirty_iotlb t0, t;

	if (!ASSERT_OK(emu_iotlb(e->fd, e->dev, 0, 0, 0, &t0), "read counters"))
		return;
	ASSERT_EQ(t0.out_entries, 0, "no entries before any DMA");

	EXPECT_DMA(e, IODIRTY_DMA_WRITE, 0, 0, 1, "first write p0");
	EXPECT_DMA(e, IODIRTY_DMA_WRITE, 0, 1, 0, "second write p0");
	EXPECT_DMA(e, 0, 5, 0, 1, "first read p5");
	EXPECT_DMA(e, 0, 5, 1, 0, "second read p5");
	if (ASSERT_OK(emu_iotlb(e->fd, e->dev, 0, 0, 0, &t), "read counters")) {
		ASSERT_EQ(t.out_hits - t0.out_hits, 2, "out_hits moved by 2");
		ASSERT_EQ(t.out_misses - t0.out_misses, 2, "out_misses moved by 2");
		ASSERT_EQ(t.out_entries, 2, "two entries cached");
	}
	/* a multi-page write: one walk per new page, a hit for the cached one */
	{
		struct iodirty_dma d;

		if (ASSERT_OK(emu_dma_ex(e->fd, e->dev, IODIRTY_DMA_WRITE, e->iova,
					 4 * SZ_4K, NULL, &d), "write p0..p3")) {
			ASSERT_EQ(d.out_iotlb_hits, 1, "p0 hit");
			ASSERT_EQ(d.out_iotlb_misses, 3, "p1..p3 missed");
		}
	}
	if (ASSERT_OK(emu_iotlb(e->fd, e->dev, 0, 0, 0, &t), "read counters"))
		ASSERT_EQ(t.out_entries, 5, "p0..p3 and p5 cached");
}

static void subtest_invalidate(struct emu_env *e)
{
	struct iodirty_iotlb t0, t;

	/* start from a known state: p0..p3 and p5 cached (previous subtest
	 * may not have run, so re-create it) */
	if (!ASSERT_OK(emu_iotlb(e->fd, e->dev, IODIRTY_IOTLB_INVALIDATE_ALL, 0,
				 0, &t0), "invalidate all (setup)"))
		return;
	ASSERT_EQ(t0.out_entries, 0, "no entries after invalidate all");
	if (!ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova, 4 * SZ_4K), "p0..p3") ||
	    !ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova + 5 * SZ_4K, 1), "p5") ||
	    !ASSERT_OK(emu_iotlb(e->fd, e->dev, 0, 0, 0, &t0), "read counters"))
		return;
	ASSERT_EQ(t0.out_entries, 5, "5 entries");

	/* drop [p1, p3) */
	if (!ASSERT_OK(emu_iotlb(e->fd, e->dev, IODIRTY_IOTLB_INVALIDATE,
				 e->iova + SZ_4K, 2 * SZ_4K, &t), "invalidate range"))
		return;
	ASSERT_EQ(t.out_entries, 3, "entries after range invalidation");
	ASSERT_EQ(t.out_inv_range - t0.out_inv_range, 1, "out_inv_range +1");
	ASSERT_EQ(t.out_inv_all - t0.out_inv_all, 0, "out_inv_all unchanged");
	ASSERT_EQ(t.out_inv_dropped - t0.out_inv_dropped, 2, "2 dropped");
	ASSERT_GE(t.out_inv_cost_ns, t0.out_inv_cost_ns, "cost does not shrink");
	EXPECT_DMA(e, IODIRTY_DMA_WRITE, 1, 0, 1, "p1 after range inv");
	EXPECT_DMA(e, IODIRTY_DMA_WRITE, 3, 1, 0, "p3 kept");
	EXPECT_DMA(e, IODIRTY_DMA_WRITE, 0, 1, 0, "p0 kept");

	/* an invalidation of an uncached range drops nothing */
	t0 = t;
	if (ASSERT_OK(emu_iotlb(e->fd, e->dev, IODIRTY_IOTLB_INVALIDATE,
				e->iova + 10 * SZ_4K, 4 * SZ_4K, &t),
		      "invalidate uncached range")) {
		ASSERT_EQ(t.out_inv_range - t0.out_inv_range, 1, "counted");
		ASSERT_EQ(t.out_inv_dropped - t0.out_inv_dropped, 0, "0 dropped");
		ASSERT_EQ(t.out_entries, 4, "entries unchanged (p0,p1,p3,p5)");
	}

	/* drop everything */
	t0 = t;
	if (!ASSERT_OK(emu_iotlb(e->fd, e->dev, IODIRTY_IOTLB_INVALIDATE_ALL, 0,
				 0, &t), "invalidate all"))
		return;
	ASSERT_EQ(t.out_entries, 0, "no entries");
	ASSERT_EQ(t.out_inv_all - t0.out_inv_all, 1, "out_inv_all +1");
	ASSERT_EQ(t.out_inv_dropped - t0.out_inv_dropped, 4, "4 dropped");
	ASSERT_GE(t.out_inv_cost_ns, t0.out_inv_cost_ns, "cost does not shrink");
	ASSERT_TRUE(t.out_inv_cost_ns > 0, "invalidations have a modelled cost");
	EXPECT_DMA(e, IODIRTY_DMA_WRITE, 0, 0, 1, "p0 after inv all");
	EXPECT_DMA(e, IODIRTY_DMA_WRITE, 5, 0, 1, "p5 after inv all");

	/* argument checks */
	ASSERT_ERRNO(emu_iotlb(e->fd, e->dev, 1u << 7, 0, 0, &t), EOPNOTSUPP,
		     "unknown flag");
	ASSERT_ERRNO(emu_iotlb(e->fd, 0x7ffffff0, 0, 0, 0, &t), ENOENT,
		     "unknown dev_id");
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.dev_id = e->dev;
	t.__reserved = 1;
	ASSERT_ERRNO(ioctl(e->fd, IODIRTY_IOTLB, &t), EOPNOTSUPP, "__reserved");
}

/* a harvest that clears dirty bits invalidates what it cleared */
static void subtest_harvest_flushes(struct emu_env *e)
{
	struct iodirty_iotlb t0, t;
	__u8 bm[NPAGES / 8] = {};

	if (!ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova + 7 * SZ_4K, 1), "p7") ||
	    !ASSERT_OK(emu_iotlb(e->fd, e->dev, 0, 0, 0, &t0), "counters"))
		return;
	if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, NPAGES * SZ_4K,
				     SZ_4K, bm, 0), "GET"))
		return;
	ASSERT_TRUE(emu_bm_test(bm, 7), "p7 reported");
	if (ASSERT_OK(emu_iotlb(e->fd, e->dev, 0, 0, 0, &t), "counters")) {
		ASSERT_GE((t.out_inv_range + t.out_inv_all) -
			  (t0.out_inv_range + t0.out_inv_all), 1,
			  "the harvest invalidated the IOTLB");
		ASSERT_GE(t.out_inv_dropped - t0.out_inv_dropped, 1,
			  "the cached dirty entry was dropped");
	}
	EXPECT_DMA(e, IODIRTY_DMA_WRITE, 7, 0, 1, "p7 walks again after harvest");
}

/*
 * The key sequence.  @unsafe: harvest with SKIP_FLUSH_UNSAFE (the write
 * after it is lost), else with a normal GET (nothing lost).
 */
static void run_lost_write(__u32 model, bool unsafe)
{
	__u64 gran = model == IODIRTY_MODEL_MOCK ? SZ_2K : SZ_4K;
	__u64 len = NPAGES * gran, p = 2;
	void *buf = emu_alloc(len);
	struct emu_env e = { .fd = -1 };
	struct iodirty_harvest h;
	struct iodirty_oracle o;
	struct iodirty_dma d;
	__u8 bm[NPAGES / 8];

	if (!ASSERT_OK_PTR(buf, "alloc"))
		return;
	if (!emu_env_setup(&e, model, gran, buf, len, EMU_IOVA, true))
		goto out;

	/* 1. write P: a walk sets the dirty bit, the IOTLB caches it dirty */
	if (!ASSERT_OK(emu_dma_ex(e.fd, e.dev, IODIRTY_DMA_WRITE,
				  e.iova + p * gran, 8, NULL, &d), "write P"))
		goto out;
	ASSERT_EQ(d.out_iotlb_misses, 1, "first write P walks");

	/* 2. harvest: P reported and cleared */
	memset(bm, 0, sizeof(bm));
	if (unsafe) {
		if (!ASSERT_OK(emu_harvest(e.fd, e.hwpt,
					   IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE,
					   e.iova, len, gran, bm, &h),
			       "HARVEST SKIP_FLUSH_UNSAFE"))
			goto out;
		ASSERT_EQ(h.out_cleared, 1, "out_cleared");
		ASSERT_EQ(h.out_flushes, 0, "no flush issued");
	} else if (!ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, e.iova, len, gran, bm, 0),
			      "GET")) {
		goto out;
	}
	ASSERT_TRUE(emu_bm_test(bm, p), "P reported by the harvest");
	ASSERT_EQ(emu_bm_weight(bm, NPAGES), 1, "only P reported");

	/* 3. forget, 4. write P again */
	if (!ASSERT_OK(emu_oracle_reset(e.fd, e.hwpt), "ORACLE RESET") ||
	    !ASSERT_OK(emu_dma_ex(e.fd, e.dev, IODIRTY_DMA_WRITE,
				  e.iova + p * gran + 100, 8, NULL, &d),
		       "write P again"))
		goto out;
	if (unsafe) {
		ASSERT_EQ(d.out_iotlb_hits, 1, "IOTLB hit on the stale dirty entry");
		ASSERT_EQ(d.out_iotlb_misses, 0, "no walk");
	} else {
		ASSERT_EQ(d.out_iotlb_misses, 1, "entry was flushed: walk");
	}

	/* 5. normal harvest, 6. compare with the oracle */
	memset(bm, 0, sizeof(bm));
	if (!ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, e.iova, len, gran, bm, 0),
		       "second GET"))
		goto out;
	if (unsafe)
		ASSERT_EQ(emu_bm_weight(bm, NPAGES), 0, "P NOT reported (lost)");
	else
		ASSERT_TRUE(emu_bm_test(bm, p) && emu_bm_weight(bm, NPAGES) == 1,
			    "P reported again");
	if (ASSERT_OK(emu_oracle_check(e.fd, e.hwpt, e.iova, len, gran, bm, &o),
		      "ORACLE CHECK")) {
		ASSERT_EQ(o.out_written, 1, "oracle out_written");
		ASSERT_EQ(o.out_missed, unsafe ? 1 : 0, "oracle out_missed");
		ASSERT_EQ(o.out_spurious, 0, "oracle out_spurious");
	}
out:
	emu_env_teardown(&e);
	emu_free(buf, len);
}

static bool iotlb_setup(struct emu_env *e, void **buf, bool *tried)
{
	if (*tried)
		return emu_env_shared_ready(e);
	*tried = true;
	*buf = emu_alloc(NPAGES * SZ_4K);
	if (!ASSERT_OK_PTR(*buf, "alloc"))
		return false;
	return emu_env_setup(e, IODIRTY_MODEL_AMD, SZ_4K, *buf, NPAGES * SZ_4K,
			     EMU_IOVA, true);
}

DEFINE_TEST(emu_iotlb)
{
	static const __u32 models[] = {
		IODIRTY_MODEL_AMD, IODIRTY_MODEL_VTD, IODIRTY_MODEL_ARM,
		IODIRTY_MODEL_MOCK,
	};
	struct emu_env e = { .fd = -1 };
	bool tried = false;
	void *buf = NULL;
	char name[64];
	unsigned int i;

	/* one device for the counter subtests, set up by the first of them */
#define SETUP() iotlb_setup(&e, &buf, &tried)
	if (test__start_subtest("hit_miss_counters") && SETUP())
		subtest_counters(&e);
	if (test__start_subtest("invalidate_range_and_all") && SETUP())
		subtest_invalidate(&e);
	if (test__start_subtest("harvest_invalidates") && SETUP())
		subtest_harvest_flushes(&e);
#undef SETUP
	emu_env_teardown(&e);
	emu_free(buf, NPAGES * SZ_4K);

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "skip_flush_loses_write_%s",
			 emu_model_name(models[i]));
		if (test__start_subtest(name))
			run_lost_write(models[i], true);
		snprintf(name, sizeof(name), "normal_get_no_loss_%s",
			 emu_model_name(models[i]));
		if (test__start_subtest(name))
			run_lost_write(models[i], false);
	}
}
