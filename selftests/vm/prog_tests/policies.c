// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The example policies in bpf/ measured against the built-in default on
 * the emulated hardware, with the oracle checking every time that no
 * dirty page was lost:
 *  - default:  indistinguishable from the built-in default;
 *  - coalesce: fewer invalidation commands for a fragmented dirty pattern,
 *              and writes after the harvest still caught (the merged
 *              invalidations really happened);
 *  - hotcold:  fewer regions walked and PTEs visited on a zipf workload,
 *              and skipped regions keep their dirty bits;
 *  - export:   every dirty page arrives in the ring buffer at least once
 *              (also with sampling), and a full ring drops and counts
 *              instead of blocking.
 */
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "../emu_util.h"
#include "export.h"
#include "../../../tools/iodirtyctl/iodirtyctl.h"
#include "default.skel.h"
#include "coalesce.skel.h"
#include "hotcold.skel.h"
#include "export.skel.h"

#define REGION (256 * 1024ULL)

static __u64 inv_count(struct emu_env *e)
{
	struct iodirty_iotlb t;

	if (emu_iotlb(e->fd, e->dev, 0, 0, 0, &t))
		return 0;
	return t.out_inv_range + t.out_inv_all;
}

static void *env_4k(struct emu_env *e, __u64 len)
{
	void *buf = emu_alloc(len);

	if (!ASSERT_OK_PTR(buf, "alloc"))
		return NULL;
	if (!emu_env_setup(e, IODIRTY_MODEL_AMD, SZ_4K, buf, len, EMU_IOVA, true)) {
		emu_env_teardown(e);
		emu_free(buf, len);
		return NULL;
	}
	return buf;
}

/* dirty every other page of the first 2 * @n pages, harvest, oracle check;
 * returns the invalidation commands the harvest issued */
static __u64 frag_harvest(struct emu_env *e, int n)
{
	__u64 nbits = e->len / SZ_4K, before;
	void *bm = calloc(1, emu_bm_bytes(nbits));
	struct iodirty_harvest h;
	struct iodirty_oracle o;
	int i;

	emu_oracle_reset(e->fd, e->hwpt);
	for (i = 0; i < n; i++)
		emu_dma_write(e->fd, e->dev, e->iova + 2 * i * SZ_4K, 64);
	before = inv_count(e);
	ASSERT_OK(emu_harvest(e->fd, e->hwpt, 0, e->iova, e->len, SZ_4K, bm, &h),
		  "harvest");
	before = inv_count(e) - before;
	if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, e->iova, e->len, SZ_4K,
				       bm, &o), "ORACLE CHECK")) {
		ASSERT_EQ(o.out_missed, 0, "oracle missed");
		ASSERT_EQ(o.out_written, n, "oracle written");
	}
	free(bm);
	return before;
}

DEFINE_TEST(policies_default)
{
	struct default_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	struct emu_env e = { .fd = -1 };
	__u64 len = 4 * SZ_1M, builtin, bpf;
	void *buf = env_4k(&e, len);

	if (!buf)
		return;
	builtin = frag_harvest(&e, 64);
	skel = default_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		goto out;
	link = bpf_map__attach_struct_ops(skel->maps.default_ops);
	if (!ASSERT_OK_PTR(link, "attach"))
		goto out;
	if (test__start_subtest("probe_matches_builtin")) {
		struct iodirty_policy_probe p = { .size = sizeof(p),
			.op = IODIRTY_PROBE_FLUSH, .pending_pages = 4,
			.pending_ranges = 2, .pending_start = EMU_IOVA,
			.pending_end = EMU_IOVA + 4 * SZ_4K };

		if (ASSERT_OK(ioctl(e.fd, IODIRTY_POLICY_PROBE, &p), "probe")) {
			ASSERT_EQ(p.out_policy, 1, "answered by BPF");
			ASSERT_STREQ(p.out_name, "default_bpf", "name");
			ASSERT_EQ(p.out_verdict, IODIRTY_FLUSH_RANGES, "verdict");
		}
	}
	if (test__start_subtest("harvest_same_as_builtin")) {
		bpf = frag_harvest(&e, 64);
		ASSERT_EQ(bpf, builtin, "invalidations like the built-in");
		ASSERT_GE(skel->bss->flush_calls, 1, "flush called");
	}
out:
	bpf_link__destroy(link);
	if (skel)
		ASSERT_EQ(skel->bss->uei.kind, link ? IODIRTY_EXIT_UNREG : 0, "exit kind");
	default_bpf__destroy(skel);
	emu_env_teardown(&e);
	emu_free(buf, len);
}

static struct coalesce_bpf *coalesce_attach(__u64 gap, __u64 thresh,
					    struct bpf_link **link)
{
	struct coalesce_bpf *skel = coalesce_bpf__open();

	if (!ASSERT_OK_PTR(skel, "open"))
		return NULL;
	skel->rodata->gap_bytes = gap;
	skel->rodata->domain_threshold_pages = thresh;
	if (!ASSERT_OK(coalesce_bpf__load(skel), "load"))
		goto err;
	*link = bpf_map__attach_struct_ops(skel->maps.coalesce_ops);
	if (!ASSERT_OK_PTR(*link, "attach"))
		goto err;
	return skel;
err:
	coalesce_bpf__destroy(skel);
	return NULL;
}

DEFINE_TEST(policies_coalesce)
{
	struct coalesce_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	struct emu_env e = { .fd = -1 };
	__u64 len = 4 * SZ_1M, builtin, merged;
	void *buf = env_4k(&e, len);

	if (!buf)
		return;
	builtin = frag_harvest(&e, 128);
	if (test__start_subtest("fewer_invalidations")) {
		skel = coalesce_attach(64 * 1024, 1 << 20, &link);
		if (skel) {
			merged = frag_harvest(&e, 128);
			printf("# %s: invalidations: built-in %llu, coalesce %llu\n",
			       test__current(), (unsigned long long)builtin,
			       (unsigned long long)merged);
			ASSERT_TRUE(merged < builtin, "coalesce issues fewer");
			ASSERT_GE(merged, 1, "coalesce invalidates");
			ASSERT_GE(skel->bss->ranges_merged, 1, "ranges merged");
			ASSERT_GE(skel->bss->range_flushes, 1, "flush_range calls");
			ASSERT_EQ(skel->bss->flush_errors, 0, "flush_range errors");
		}
	}
	if (skel && test__start_subtest("writes_after_harvest_not_lost")) {
		/* stale dirty IOTLB entries would swallow these writes */
		frag_harvest(&e, 128);
		frag_harvest(&e, 128);
	}
	bpf_link__destroy(link);
	link = NULL;
	coalesce_bpf__destroy(skel);
	if (test__start_subtest("domain_threshold")) {
		struct iodirty_iotlb t0, t1;

		skel = coalesce_attach(64 * 1024, 8, &link);
		if (skel) {
			emu_iotlb(e.fd, e.dev, 0, 0, 0, &t0);
			frag_harvest(&e, 64);
			emu_iotlb(e.fd, e.dev, 0, 0, 0, &t1);
			ASSERT_GE(t1.out_inv_all - t0.out_inv_all, 1, "domain invalidation");
			ASSERT_GE(skel->bss->domain_flushes, 1, "DOMAIN answers");
		}
		bpf_link__destroy(link);
		coalesce_bpf__destroy(skel);
	}
	emu_env_teardown(&e);
	emu_free(buf, len);
}

static int scan_run(struct emu_env *e, __u32 flags, struct iodirty_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->op = IODIRTY_SCAN_RUN;
	s->hwpt_id = e->hwpt;
	s->flags = flags;
	s->region_size = REGION;
	return ioctl(e->fd, IODIRTY_SCAN, s);
}

/* @scans scans 50 ms apart under a zipf workload; scanner counter deltas */
static void zipf_scans(struct emu_env *e, int scans, struct iodirty_scan *d)
{
	struct iodirty_scan a, b;
	struct iodirty_workload w;
	int i;

	scan_run(e, 0, &a);
	ASSERT_OK(emu_wl_start(e->fd, e->dev, IODIRTY_WL_ZIPF, e->iova, e->len,
			       5000, 7), "zipf start");
	for (i = 0; i < scans; i++) {
		emu_msleep(50);
		ASSERT_OK(scan_run(e, 0, &b), "scan");
	}
	emu_wl_stop(e->fd, e->dev, &w);
	d->out_regions_walked = b.out_regions_walked - a.out_regions_walked;
	d->out_regions_skipped = b.out_regions_skipped - a.out_regions_skipped;
	d->out_leaves = b.out_leaves - a.out_leaves;
}

DEFINE_TEST(policies_hotcold)
{
	struct hotcold_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	struct emu_env e = { .fd = -1 };
	struct iodirty_scan full, sampled, s;
	__u64 len = 32 * SZ_1M;
	void *buf = env_4k(&e, len);

	if (!buf)
		return;
	zipf_scans(&e, 20, &full);
	skel = hotcold_bpf__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		goto out;
	skel->rodata->cold_every = 4;
	if (!ASSERT_OK(hotcold_bpf__load(skel), "load"))
		goto out;
	link = bpf_map__attach_struct_ops(skel->maps.hotcold_ops);
	if (!ASSERT_OK_PTR(link, "attach"))
		goto out;
	if (test__start_subtest("fewer_walks_on_zipf")) {
		zipf_scans(&e, 20, &sampled);
		printf("# %s: regions walked %llu -> %llu, PTEs %llu -> %llu\n",
		       test__current(),
		       (unsigned long long)full.out_regions_walked,
		       (unsigned long long)sampled.out_regions_walked,
		       (unsigned long long)full.out_leaves,
		       (unsigned long long)sampled.out_leaves);
		ASSERT_TRUE(sampled.out_regions_walked < full.out_regions_walked,
			    "fewer regions walked");
		ASSERT_TRUE(sampled.out_leaves < full.out_leaves, "fewer PTE visits");
		ASSERT_GE(skel->bss->skips, 1, "policy skipped");
		ASSERT_GE(sampled.out_regions_skipped, 1, "scanner skipped");
	}
	if (test__start_subtest("skipped_regions_keep_bits")) {
		__u64 nbits = len / SZ_4K;
		void *bm = calloc(1, emu_bm_bytes(nbits));
		struct iodirty_harvest h;
		struct iodirty_oracle o;
		__u64 skips0;
		int i;

		/* two full scans: every region walked and clean -> cold */
		scan_run(&e, IODIRTY_SCAN_FULL, &s);
		scan_run(&e, IODIRTY_SCAN_FULL, &s);
		emu_oracle_reset(e.fd, e.hwpt);
		for (i = 0; i < 8; i++)
			emu_dma_write(e.fd, e.dev, e.iova + (64 + i) * REGION + SZ_4K, 64);
		skips0 = s.out_regions_skipped;
		ASSERT_OK(scan_run(&e, 0, &s), "sampled scan");
		ASSERT_EQ(s.out_regions_skipped - skips0, len / REGION, "all cold: all skipped");
		ASSERT_OK(emu_harvest(e.fd, e.hwpt, 0, e.iova, len, SZ_4K, bm, &h),
			  "exact harvest");
		if (ASSERT_OK(emu_oracle_check(e.fd, e.hwpt, e.iova, len, SZ_4K, bm, &o),
			      "ORACLE CHECK")) {
			ASSERT_EQ(o.out_missed, 0, "oracle missed");
			ASSERT_EQ(o.out_written, 8, "oracle written");
		}
		free(bm);
	}
out:
	bpf_link__destroy(link);
	hotcold_bpf__destroy(skel);
	emu_env_teardown(&e);
	emu_free(buf, len);
}

/*
 * What the ring buffer delivered: @bm all of it; @round what arrived since
 * the last end-of-scan record, judged by the epoch oracle (consumer 1) at
 * each end-of-scan record, so a page streamed once and then lost counts.
 */
struct rb_acc {
	unsigned char *bm, *round;
	__u64 base, npages, records, eos, foreign, hwpt_id;
	int fd;
	__u32 hwpt, max_late;
	__u64 rounds, round_missed, round_errors;
};

static void rb_round(struct rb_acc *a, __u32 flags)
{
	struct iodirty_oracle o;

	if (iodirty_oracle_round(a->fd, a->hwpt, 1, a->base, a->npages * SZ_4K,
				 SZ_4K, a->round, a->max_late, flags, &o)) {
		a->round_errors++;
		return;
	}
	a->rounds++;
	a->round_missed += o.out_missed;
	memset(a->round, 0, emu_bm_bytes(a->npages));
}

static int on_chunk(void *ctx, void *data, size_t len)
{
	const struct iodirty_chunk_hdr *h = data;
	struct rb_acc *a = ctx;
	__u64 i, first;

	if (len < sizeof(*h))
		return 0;
	if (iodirty_chunk_is_eos(h)) {
		a->eos++;
		rb_round(a, 0);
		return 0;
	}
	a->records++;
	a->hwpt_id = h->hwpt_id;
	if (h->page_size != SZ_4K || h->iova < a->base) {
		a->foreign++;
		return 0;
	}
	first = (h->iova - a->base) / SZ_4K;
	for (i = 0; i < h->nbits && first + i < a->npages; i++)
		if ((h->bits[i / 8] >> (i % 8)) & 1) {
			emu_bm_set(a->bm, first + i);
			emu_bm_set(a->round, first + i);
		}
	return 0;
}

/* zipf under the periodic scanner with the export policy; final FULL
 * scan; returns the oracle's view of what the ring buffer delivered */
static void export_run(__u32 cold_every, __u32 ring, bool consume,
		       struct iodirty_oracle *o, struct export_bpf **skelp,
		       __u64 *round_missed)
{
	struct emu_env e = { .fd = -1 };
	__u64 len = 16 * SZ_1M;
	void *buf = env_4k(&e, len);
	struct export_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct bpf_link *link = NULL;
	struct rb_acc a = { .base = EMU_IOVA, .npages = len / SZ_4K };
	struct iodirty_workload w;
	struct iodirty_scan s = { .size = sizeof(s) };
	double end;

	memset(o, 0, sizeof(*o));
	o->out_missed = ~0ULL;
	*round_missed = ~0ULL;
	if (!buf)
		return;
	a.bm = calloc(1, emu_bm_bytes(a.npages));
	a.round = calloc(1, emu_bm_bytes(a.npages));
	a.fd = e.fd;
	a.hwpt = e.hwpt;
	/*
	 * A page written after its region was walked is late by one scan; a
	 * sampled region may be skipped up to max_skip (8) scans; and the
	 * reader may be up to a few scans behind the scanner (each round is
	 * judged when its end-of-scan record is read): 3 more.
	 */
	a.max_late = (cold_every ? 8 + 1 : 1) + 3;
	skel = export_bpf__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		goto out;
	skel->rodata->cold_every = cold_every;
	bpf_map__set_max_entries(skel->maps.events, ring);
	if (!ASSERT_OK(export_bpf__load(skel), "load"))
		goto out;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_chunk, &a, NULL);
	link = bpf_map__attach_struct_ops(skel->maps.export_ops);
	if (!ASSERT_OK_PTR(rb, "ring_buffer__new") || !ASSERT_OK_PTR(link, "attach"))
		goto out;
	ASSERT_OK(emu_wl_start(e.fd, e.dev, IODIRTY_WL_ZIPF, e.iova, len, 5000, 3),
		  "zipf start");
	s.op = IODIRTY_SCAN_START;
	s.hwpt_id = e.hwpt;
	s.period_ms = 50;
	s.region_size = REGION;
	ASSERT_OK(ioctl(e.fd, IODIRTY_SCAN, &s), "scan start");
	for (end = emu_now() + 2; emu_now() < end; )
		if (consume)
			ring_buffer__poll(rb, 50);
		else
			emu_msleep(50);
	emu_wl_stop(e.fd, e.dev, &w);
	s.op = IODIRTY_SCAN_STOP;
	ASSERT_OK(ioctl(e.fd, IODIRTY_SCAN, &s), "scan stop");
	if (consume)
		ring_buffer__consume(rb);
	ASSERT_OK(scan_run(&e, IODIRTY_SCAN_FULL, &s), "final FULL scan");
	ring_buffer__consume(rb);
	/* DMA stopped, the final scan read: nothing may still be late */
	rb_round(&a, IODIRTY_ORACLE_ROUND_FINAL);
	*round_missed = a.round_missed;
	ASSERT_EQ(a.round_errors, 0, "ORACLE ROUND calls");
	ASSERT_OK(emu_oracle_check(e.fd, e.hwpt, e.iova, len, SZ_4K, a.bm, o),
		  "ORACLE CHECK");
	ASSERT_EQ(a.foreign, 0, "records outside the buffer");
	if (a.records)
		ASSERT_EQ(a.hwpt_id, s.out_domain_id, "record hwpt_id = domain id");
	printf("# %s: %llu records, %llu end-of-scan, %llu rounds (%llu missed), written %llu missed %llu, drops %llu, skips %llu\n",
	       test__current(), (unsigned long long)a.records,
	       (unsigned long long)a.eos, (unsigned long long)a.rounds,
	       (unsigned long long)a.round_missed,
	       (unsigned long long)o->out_written,
	       (unsigned long long)o->out_missed,
	       (unsigned long long)skel->bss->drops,
	       (unsigned long long)skel->bss->skips);
out:
	bpf_link__destroy(link);
	ring_buffer__free(rb);
	*skelp = skel;
	free(a.bm);
	free(a.round);
	emu_env_teardown(&e);
	emu_free(buf, len);
}

DEFINE_TEST(policies_export)
{
	struct export_bpf *skel = NULL;
	struct iodirty_oracle o;
	__u64 rm;

	if (test__start_subtest("every_dirty_page_streamed")) {
		export_run(0, 1 << 22, true, &o, &skel, &rm);
		ASSERT_EQ(o.out_missed, 0, "oracle missed");
		ASSERT_EQ(rm, 0, "oracle missed, judged every scan");
		ASSERT_GE(o.out_written, 100, "pages written");
		if (skel) {
			ASSERT_EQ(skel->bss->drops, 0, "drops");
			ASSERT_EQ(skel->bss->truncated, 0, "truncated");
			ASSERT_GE(skel->bss->eos_records, 2, "end-of-scan records");
			ASSERT_EQ(skel->bss->uei.kind, IODIRTY_EXIT_UNREG, "exit kind");
		}
		export_bpf__destroy(skel);
		skel = NULL;
	}
	if (test__start_subtest("sampled_export_complete")) {
		export_run(4, 1 << 22, true, &o, &skel, &rm);
		ASSERT_EQ(o.out_missed, 0, "oracle missed");
		ASSERT_EQ(rm, 0, "oracle missed, judged every scan");
		if (skel) {
			ASSERT_GE(skel->bss->skips, 1, "sampling skipped regions");
			ASSERT_EQ(skel->bss->drops, 0, "drops");
		}
		export_bpf__destroy(skel);
		skel = NULL;
	}
	if (test__start_subtest("full_ring_drops_not_blocks")) {
		/* negative control: a 4 KiB ring nobody reads overflows; the
		 * policy counts drops and keeps going, the oracle sees the loss */
		export_run(0, 4096, false, &o, &skel, &rm);
		if (skel) {
			ASSERT_GE(skel->bss->drops, 1, "drops counted");
			ASSERT_GE(skel->bss->eos_records + skel->bss->eos_drops, 2,
				  "scans kept calling export");
		}
		ASSERT_GE(o.out_missed, 1, "oracle catches the dropped pages");
		ASSERT_GE(rm, 1, "and so do the per-scan rounds");
		export_bpf__destroy(skel);
	}
}
