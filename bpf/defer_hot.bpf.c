// SPDX-License-Identifier: GPL-2.0
/*
 * defer_hot: a migration policy - do not resend what will be dirty again.
 *
 * Pre-copy resends every page dirtied since the previous round.  A page
 * that a device rewrites all the time (a descriptor ring, a hot buffer) is
 * sent in every round and is dirty again at the end anyway: the bytes spent
 * on it before the stop are wasted.  This policy streams dirty runs like
 * export.bpf.c (same ring-buffer records, so iodirty-migrate --sync stream
 * and iodirtyctl stream read it), but its sample member skips a region
 * that was found densely dirty (hot_min_pct of its pages) on each of its
 * last hot_rounds walks.
 *
 * Nothing is lost: a skipped region keeps its dirty bits in the page
 * table, the policy walks it again after max_defer skips (and the kernel
 * after the scanner's max_skip, whichever comes first), and the final FULL
 * scan and exact GET at stop-and-copy walk everything.  So a hot range is
 * streamed on hot_rounds + 1 of every max_defer + hot_rounds + 1 scans
 * instead of on every one, and its last copy goes in the downtime.
 *
 * GET_DIRTY_BITMAP never consults sample (it is always exact), so with
 * iodirty-migrate --sync bitmap this policy changes nothing but who
 * answers flush.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "export.h"

#define SAMPLE_SKIP 0	/* IODIRTY_SAMPLE_SKIP */
#define SAMPLE_WALK 1	/* IODIRTY_SAMPLE_WALK */

/*
 * A region is hot when at least hot_min_pct of its pages were dirty on each
 * of its last hot_rounds walks (1..32), each of which covered a single scan
 * interval (a walk after skips covers several and would look denser than
 * the region is: it only restarts the measurement).  The density threshold
 * keeps a cold region that merely sees a write or two per scan (any region,
 * under a fast workload) from being deferred.  A hot region is skipped for
 * at most max_defer scans, then measured again, so a region that cooled
 * down (or was judged under a burst) is streamed normally again.
 */
const volatile __u32 hot_rounds = 3;
const volatile __u32 hot_min_pct = 5;
const volatile __u32 max_defer = 16;

struct region_hist {
	__u64 seen_seq;		/* the walk the history was last updated for */
	__u32 dense_bits;	/* bit 0: dense at the latest walk, bit 1: before... */
	__u32 walks;		/* consecutive one-scan walks recorded (max 32) */
};

struct region_key {
	__u64 hwpt_id;		/* one policy serves every tracked domain */
	__u64 iova;		/* region start */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct region_key);
	__type(value, struct region_hist);
} history SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EXPORT_RINGBUF_DEFAULT);
} events SEC(".maps");

__u64 runs;
__u64 pages;
__u64 records;
__u64 drops;
__u64 truncated;
__u64 fill_errors;
__u64 walks;
__u64 deferred;		/* sample calls answered SKIP */
struct iodirty_policy_exit uei;

SEC("struct_ops/sample")
s32 BPF_PROG(defer_hot_sample, struct iodirty_sample_ctx *c)
{
	struct region_hist *h, fresh = {};
	struct region_key key = { .hwpt_id = c->hwpt_id, .iova = c->iova };
	__u32 k = hot_rounds, mask;

	if (!c->last_walked_seq)
		goto walk;	/* never walked: nothing known yet */
	h = bpf_map_lookup_elem(&history, &key);
	if (!h) {
		/* map full: walk (the default behaviour is always safe) */
		if (bpf_map_update_elem(&history, &key, &fresh, BPF_NOEXIST))
			goto walk;
		h = bpf_map_lookup_elem(&history, &key);
		if (!h)
			goto walk;
	}
	if (h->seen_seq != c->last_walked_seq) {
		/* a walk happened since the last decision: record its outcome */
		if (h->seen_seq && c->last_walked_seq - h->seen_seq == 1) {
			h->dense_bits = h->dense_bits << 1 |
				(c->last_dirty_pages &&
				 c->last_dirty_pages * 100 >= (c->length >> 12) * hot_min_pct);
			if (h->walks < 32)
				h->walks++;
		} else {
			/* first walk, or one after skips: start measuring again */
			h->dense_bits = 0;
			h->walks = 0;
		}
		h->seen_seq = c->last_walked_seq;
	}
	if (k < 1)
		k = 1;
	if (k > 32)
		k = 32;
	mask = k == 32 ? ~0u : (1u << k) - 1;
	if (h->walks >= k && (h->dense_bits & mask) == mask && c->skipped < max_defer) {
		__sync_fetch_and_add(&deferred, 1);
		return SAMPLE_SKIP;
	}
walk:
	__sync_fetch_and_add(&walks, 1);
	return SAMPLE_WALK;
}

/* the export member, as in export.bpf.c: one record per dirty run */
static __always_inline void emit(struct iodirty_run_ctx *c, u64 want, u32 sz)
{
	void *rec;
	int n;

	rec = bpf_ringbuf_reserve(&events, sz, 0);
	if (!rec) {
		__sync_fetch_and_add(&drops, 1);
		return;
	}
	n = bpf_iodirty_fill_bitmap(c, rec, sz);
	if (n <= 0) {
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		__sync_fetch_and_add(&fill_errors, 1);
		return;
	}
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	__sync_fetch_and_add(&records, 1);
	__sync_fetch_and_add(&pages, n);
	if (n < want)
		__sync_fetch_and_add(&truncated, 1);
}

static __always_inline void end_of_scan(struct iodirty_run_ctx *c)
{
	struct export_eos *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&drops, 1);
		return;
	}
	e->hwpt_id = c->hwpt_id;
	e->iova = 0;
	e->page_size = 0;
	e->nbits = 0;
	e->scan_seq = c->scan_seq;
	e->runs = runs;
	e->pages = pages;
	e->records = records;
	/* a failed fill loses a run like a full ring: the reader must know */
	e->drops = drops + fill_errors;
	e->truncated = truncated;
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

SEC("struct_ops/export")
void BPF_PROG(defer_hot_export, struct iodirty_run_ctx *c)
{
	u64 want;

	if (c->end_of_scan) {
		end_of_scan(c);
		return;
	}
	if (!c->page_size || !c->length)
		return;
	__sync_fetch_and_add(&runs, 1);
	want = c->length / c->page_size;
	if (want <= EXPORT_BITS_SMALL * 8)
		emit(c, want, EXPORT_HDR_SIZE + EXPORT_BITS_SMALL);
	else if (want <= EXPORT_BITS_MEDIUM * 8)
		emit(c, want, EXPORT_HDR_SIZE + EXPORT_BITS_MEDIUM);
	else
		emit(c, want, EXPORT_HDR_SIZE + EXPORT_BITS_LARGE);
}

SEC("struct_ops/flush")
s32 BPF_PROG(defer_hot_flush, struct iodirty_flush_ctx *c)
{
	return c->pending_ranges ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

SEC("struct_ops/exit")
void BPF_PROG(defer_hot_exit, struct iodirty_exit_info *info)
{
	IODIRTY_EXIT_RECORD(uei, info);
}

IODIRTY_OPS_DEFINE(defer_hot_ops,
	.flush = (void *)defer_hot_flush,
	.sample = (void *)defer_hot_sample,
	.export = (void *)defer_hot_export,
	.exit = (void *)defer_hot_exit,
	.name = "defer_hot",
);

char LICENSE[] SEC("license") = "GPL";
