// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Policy-driven demotion of 2 MiB IOPTEs (bpf_iodirty_demote(),
 * kmod/harvest_demote.c, kmod/pt/pt_demote.c) on memory mapped with 2 MiB
 * leaves (hugetlb pages, device leaf sizes 4 KiB | 2 MiB), per model with
 * 2 MiB leaves (AMD, VT-d, ARM):
 *  - kfunc_bytes: a harvest through progs/policy_demote.bpf.c demotes the
 *    dirty leaves it cleared; the next write costs 4 KiB in the bitmap
 *    instead of 2 MiB; IODIRTY_STAT_DEMOTES counts them; the leaf count
 *    says 4 KiB leaves; the oracle missed nothing;
 *  - dirty_kept: a dirty leaf outside the harvested range, demoted on the
 *    policy's request, is reported whole (512 pages) by the next harvest;
 *  - iotlb_invalidated: a clean leaf cached in the device's IOTLB (2 MiB
 *    translation, from a DMA read) and demoted: its cached entry is
 *    dropped (the next read misses and walks to a 4 KiB leaf); with the
 *    lab switch test_demote_skip_flush the same read hits the stale 2 MiB
 *    translation, so the check can fail;
 *  - mock_refused: the kfunc returns -EOPNOTSUPP on the 2 KiB-granule mock;
 *  - not_from_sample: a policy calling bpf_iodirty_demote() from sample is
 *    rejected by the verifier.
 */
#include <sys/mman.h>
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "policy_util.h"
#include "policy_demote.skel.h"
#include "policy_demote_member_fail.skel.h"

#define M2	(2ULL << 20)
#define K4	4096ULL
#define NLEAF	4
#define LEN	(NLEAF * M2)
#define IOVA	(1ULL << 30)
#define NBITS	(LEN / K4)

struct dctx {
	struct emu_env e;
	void *buf;
	__u8 bm[NBITS / 8], acc[NBITS / 8];
};

static bool dsetup(struct dctx *d, __u32 model)
{
	struct iodirty_harvest h;

	memset(d, 0, sizeof(*d));
	d->e.fd = -1;
	d->buf = emu_alloc_huge(LEN);
	if (!d->buf) {
		test__skip("no hugetlb pages (run with --hugepages)");
		return false;
	}
	if (!emu_env_setup(&d->e, model, K4 | M2, d->buf, LEN, IOVA, true) ||
	    !ASSERT_OK(emu_oracle_reset(d->e.fd, d->e.hwpt), "oracle reset (lab=1)"))
		return false;
	/* hugetlb pages map as 2 MiB leaves: one leaf per 2 MiB */
	if (!ASSERT_OK(emu_harvest(d->e.fd, d->e.hwpt, IODIRTY_HARVEST_NO_CLEAR,
				   IOVA, LEN, K4, NULL, &h), "leaf count"))
		return false;
	return ASSERT_EQ(h.out_leaves, NLEAF, "2 MiB leaves");
}

static void dteardown(struct dctx *d)
{
	emu_env_teardown(&d->e);
	emu_free(d->buf, LEN);
	d->buf = NULL;
}

/* GET of [IOVA + first leaf, + n leaves) at 4 KiB, ORed into acc */
static long long dget(struct dctx *d, unsigned int first, unsigned int n)
{
	__u64 nbits = n * M2 / K4, i;

	memset(d->bm, 0, sizeof(d->bm));
	if (!ASSERT_OK(emu_get_dirty(d->e.fd, d->e.hwpt, IOVA + first * M2, n * M2,
				     K4, d->bm, 0), "GET_DIRTY_BITMAP"))
		return -1;
	for (i = 0; i < nbits; i++)
		if (emu_bm_test(d->bm, i))
			emu_bm_set(d->acc, first * (M2 / K4) + i);
	return emu_bm_weight(d->bm, nbits);
}

static __u64 leaves(struct dctx *d)
{
	struct iodirty_harvest h;

	if (!ASSERT_OK(emu_harvest(d->e.fd, d->e.hwpt, IODIRTY_HARVEST_NO_CLEAR,
				   IOVA, LEN, K4, NULL, &h), "leaf count"))
		return 0;
	return h.out_leaves;
}

static bool dwrite(struct dctx *d, __u64 off)
{
	return ASSERT_OK(emu_dma_write(d->e.fd, d->e.dev, IOVA + off, 64), "DMA write");
}

static void oracle_ok(struct dctx *d)
{
	struct iodirty_oracle o;

	if (ASSERT_OK(emu_oracle_check(d->e.fd, d->e.hwpt, IOVA, LEN, K4, d->acc, &o),
		      "ORACLE CHECK"))
		ASSERT_EQ(o.out_missed, 0, "oracle: written pages missed");
}

static struct policy_demote_bpf *attach(struct bpf_link **link)
{
	struct policy_demote_bpf *skel = policy_demote_bpf__open_and_load();

	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return NULL;
	*link = bpf_map__attach_struct_ops(skel->maps.demote_ops);
	if (!ASSERT_OK_PTR(*link, "attach")) {
		policy_demote_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static void detach(struct policy_demote_bpf *skel, struct bpf_link *link)
{
	bpf_link__destroy(link);
	policy_demote_bpf__destroy(skel);
}

static const __u32 models[] = { IODIRTY_MODEL_AMD, IODIRTY_MODEL_VTD, IODIRTY_MODEL_ARM };

static void subtest_kfunc_bytes(void)
{
	struct policy_demote_bpf *skel;
	struct bpf_link *link;
	struct dctx d;
	unsigned int m;

	skel = attach(&link);
	if (!skel)
		return;
	for (m = 0; m < 3; m++) {
		__u64 dem0;
		int fd;

		if (!dsetup(&d, models[m]))
			goto next;
		fd = d.e.fd;
		dem0 = pol_stat(fd, IODIRTY_STAT_DEMOTES);
		printf("# %s\n", emu_model_name(models[m]));
		/* one 64-byte write in leaves 0 and 2: 2 x 2 MiB dirty */
		if (!dwrite(&d, 100 * K4 + 5) || !dwrite(&d, 2 * M2 + 300 * K4))
			goto next;
		ASSERT_EQ(dget(&d, 0, NLEAF), 2 * 512, "first GET: two whole 2 MiB leaves");
		ASSERT_EQ(skel->bss->last_ret, 0, "bpf_iodirty_demote returned 0");
		ASSERT_EQ(pol_stat(fd, IODIRTY_STAT_DEMOTES) - dem0, 2, "2 leaves demoted");
		ASSERT_EQ(leaves(&d), 2 + 2 * 512, "2 MiB leaves left + 4 KiB leaves");
		/* the same kind of writes now cost one 4 KiB page each */
		if (!dwrite(&d, 7 * K4) || !dwrite(&d, 2 * M2 + 511 * K4 + 4000))
			goto next;
		ASSERT_EQ(dget(&d, 0, NLEAF), 2, "second GET: two 4 KiB pages");
		ASSERT_TRUE(emu_bm_test(d.bm, 7) && emu_bm_test(d.bm, 512 + 511 + 512),
			    "the written pages");
		/* already demoted: the request is a no-op */
		ASSERT_EQ(pol_stat(fd, IODIRTY_STAT_DEMOTES) - dem0, 2, "no re-demotion");
		oracle_ok(&d);
next:
		dteardown(&d);
	}
	detach(skel, link);
}

static void subtest_dirty_kept(void)
{
	struct policy_demote_bpf *skel;
	struct bpf_link *link;
	struct dctx d;

	skel = attach(&link);
	if (!skel)
		return;
	if (!dsetup(&d, IODIRTY_MODEL_AMD))
		goto out;
	/* leaf 3 dirty; the GET covers leaves 0..1 only; policy demotes leaf 3 */
	skel->bss->extra_start = IOVA + 3 * M2;
	skel->bss->extra_end = IOVA + 4 * M2;
	if (!dwrite(&d, 3 * M2 + 17 * K4) || !dwrite(&d, 0))
		goto out;
	ASSERT_EQ(dget(&d, 0, 2), 512, "GET of leaves 0..1");
	ASSERT_EQ(skel->bss->extra_ret, 0, "demote of leaf 3 recorded");
	ASSERT_EQ(leaves(&d), 2 + 2 * 512, "leaves 0 and 3 demoted");
	skel->bss->extra_end = 0;
	/* the dirty bit of leaf 3 was inherited by all of its 4 KiB leaves */
	ASSERT_EQ(dget(&d, 3, 1), 512, "leaf 3 still dirty: 512 pages");
	ASSERT_EQ(dget(&d, 0, NLEAF), 0, "then clean");
	oracle_ok(&d);
out:
	dteardown(&d);
	detach(skel, link);
}

/*
 * Leaf 1 clean and cached (a DMA read), leaf 0 dirty; the GET clears leaf 0
 * only, the policy demotes both.  Returns whether the next read of leaf 1
 * missed the IOTLB (walked the table), or -1.
 */
static int iotlb_case(bool skip_flush)
{
	struct iodirty_iotlb t0, t1, t2;
	struct policy_demote_bpf *skel;
	struct iodirty_dma r;
	struct bpf_link *link;
	struct dctx d;
	char b[64];
	int ret = -1;

	skel = attach(&link);
	if (!skel)
		return -1;
	if (!dsetup(&d, IODIRTY_MODEL_VTD))
		goto out;
	skel->bss->extra_start = IOVA + M2;
	skel->bss->extra_end = IOVA + 2 * M2;
	if (!dwrite(&d, 0) ||
	    !ASSERT_OK(emu_dma_ex(d.e.fd, d.e.dev, 0, IOVA + M2 + 8 * K4, 64, b, &r),
		       "DMA read of leaf 1") ||
	    !ASSERT_OK(emu_iotlb(d.e.fd, d.e.dev, 0, 0, 0, &t0), "IOTLB counters"))
		goto out;
	if (skip_flush && !ASSERT_OK(emu_write_param("test_demote_skip_flush", "1"),
				     "test_demote_skip_flush=1"))
		goto out;
	ASSERT_EQ(dget(&d, 0, NLEAF), 512, "GET: leaf 0");
	emu_write_param("test_demote_skip_flush", "0");
	ASSERT_EQ(leaves(&d), 2 + 2 * 512, "leaves 0 and 1 demoted");
	if (!ASSERT_OK(emu_iotlb(d.e.fd, d.e.dev, 0, 0, 0, &t1), "IOTLB counters") ||
	    !ASSERT_OK(emu_dma_ex(d.e.fd, d.e.dev, 0, IOVA + M2 + 9 * K4, 64, b, &r),
		       "DMA read of leaf 1 again") ||
	    !ASSERT_OK(emu_iotlb(d.e.fd, d.e.dev, 0, 0, 0, &t2), "IOTLB counters"))
		goto out;
	printf("# %s: demotion invalidations %llu, entries dropped %llu, next read of leaf 1: %s\n",
	       skip_flush ? "skip flush (negative control)" : "normal",
	       (unsigned long long)(t1.out_inv_range - t0.out_inv_range),
	       (unsigned long long)(t1.out_inv_dropped - t0.out_inv_dropped),
	       t2.out_misses > t1.out_misses ? "miss (walked to a 4 KiB leaf)" :
	       "hit (stale 2 MiB translation)");
	ret = t2.out_misses > t1.out_misses;
	oracle_ok(&d);
out:
	dteardown(&d);
	detach(skel, link);
	return ret;
}

static void subtest_iotlb(void)
{
	ASSERT_EQ(iotlb_case(false), 1, "cached 2 MiB translation dropped");
	ASSERT_EQ(iotlb_case(true), 0, "negative control: without the flush it stays");
}

static void subtest_mock(void)
{
	struct policy_demote_bpf *skel;
	struct bpf_link *link;
	struct emu_env e;
	void *buf = emu_alloc(1 << 20);
	__u8 bm[(1 << 20) / 2048 / 8];

	if (!ASSERT_OK_PTR(buf, "alloc"))
		return;
	skel = attach(&link);
	if (!skel)
		goto out_free;
	if (emu_env_setup(&e, IODIRTY_MODEL_MOCK, 0, buf, 1 << 20, IOVA, true) &&
	    ASSERT_OK(emu_dma_write(e.fd, e.dev, IOVA, 64), "DMA write") &&
	    ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, IOVA, 1 << 20, 2048, bm, 0), "GET"))
		ASSERT_EQ(skel->bss->last_ret, -EOPNOTSUPP, "mock: -EOPNOTSUPP");
	emu_env_teardown(&e);
	detach(skel, link);
out_free:
	emu_free(buf, 1 << 20);
}

static char vlog[1 << 20];

static void subtest_not_from_sample(void)
{
	struct policy_demote_member_fail_bpf *skel;
	const char *want[] = {
		"calling kernel function bpf_iodirty_demote is not allowed",
		/* 7.x: KF_TRUSTED_ARGS by default, the argument check first */
		"kernel function bpf_iodirty_demote R1 expected pointer to STRUCT iodirty_flush_ctx",
	};
	const char *m = NULL;
	unsigned int i;

	skel = policy_demote_member_fail_bpf__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	vlog[0] = 0;
	bpf_program__set_log_buf(skel->progs.demote_member_sample, vlog, sizeof(vlog));
	bpf_program__set_log_level(skel->progs.demote_member_sample, 1);
	if (ASSERT_ERR(policy_demote_member_fail_bpf__load(skel), "load must fail")) {
		for (i = 0; i < 2 && !m; i++)
			m = strstr(vlog, want[i]);
		if (ASSERT_TRUE(m != NULL, "verifier log names the kfunc")) {
			const char *e = strchr(m, '\n');

			printf("# verifier: %.*s\n", (int)(e ? e - m : (long)strlen(m)), m);
		} else {
			size_t n = strlen(vlog);

			printf("# log tail:\n%s\n", vlog + (n > 800 ? n - 800 : 0));
		}
	}
	policy_demote_member_fail_bpf__destroy(skel);
}

DEFINE_TEST(demote)
{
	if (test__start_subtest("kfunc_bytes"))
		subtest_kfunc_bytes();
	if (test__start_subtest("dirty_kept"))
		subtest_dirty_kept();
	if (test__start_subtest("iotlb_invalidated"))
		subtest_iotlb();
	if (test__start_subtest("mock_refused"))
		subtest_mock();
	if (test__start_subtest("not_from_sample"))
		subtest_not_from_sample();
}
