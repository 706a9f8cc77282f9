// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty-top: per-HWPT harvest statistics from iodirty's tracepoints
 * (kmod/iodirty_trace.h), read by tools/iodirty-top/iodirty-top.c.
 *
 * harvest_begin leaves the harvest's range, page size and start time for
 * the same thread (harvests and scans run begin..end on one thread, their
 * runs too); harvest_end, dirty_run and flush add to the HWPT's row of the
 * current generation (see iodirty-top.h).  A full map or ring buffer is
 * counted in drops_* and never waits: the harvest is not slowed by it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "iodirty-top.h"

const volatile __u32 targ_tgid = 0;	/* -p */
const volatile __u64 targ_hwpt = 0;	/* --hwpt */
const volatile bool targ_ranges = false;	/* -R */
const volatile __u32 targ_granule_shift = 21;	/* -g */
const volatile bool targ_record = false;	/* --record */

__u32 cur_gen;
__s64 inflight[2];
__u64 drops_hwpt, drops_range, drops_thread;
__u64 drops_ring[2];	/* per generation, drained with the counters */
__u64 ranges_truncated, runs_unlabelled;

const struct top_stats zero_stats;
const struct top_range_val zero_range;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * TOP_MAX_HWPTS);
	__type(key, struct top_key);
	__type(value, struct top_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * TOP_MAX_RANGES);
	__type(key, struct top_range_key);
	__type(value, struct top_range_val);
} ranges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TOP_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct top_tstate);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);	/* resized by --ring-size before load */
} events SEC(".maps");

/*
 * Enter the current generation: count ourselves in, then check the
 * generation did not flip meanwhile (user space flips, then waits for
 * inflight[old] to drain; both sides use full barriers, so either it sees
 * our count or we see its flip).
 */
static __always_inline __u32 gen_enter(void)
{
	__u32 g = *(volatile __u32 *)&cur_gen & 1, g2;

	__sync_fetch_and_add(&inflight[g], 1);
	g2 = *(volatile __u32 *)&cur_gen & 1;
	if (g2 != g) {
		__sync_fetch_and_add(&inflight[g], -1);
		__sync_fetch_and_add(&inflight[g2], 1);
	}
	return g2;
}

static __always_inline void gen_exit(__u32 g)
{
	__sync_fetch_and_add(&inflight[g & 1], -1);
}

static __always_inline struct top_stats *stats_get_ctx(__u64 hwpt, __u64 ctx,
						       __u32 gen)
{
	struct top_key k = { .hwpt = hwpt, .ctx = ctx, .gen = gen };
	struct top_stats *s = bpf_map_lookup_elem(&stats, &k);

	if (s)
		return s;
	bpf_map_update_elem(&stats, &k, &zero_stats, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&stats, &k);
	if (!s)
		__sync_fetch_and_add(&drops_hwpt, 1);
	return s;
}

static __always_inline struct top_stats *stats_get(__u64 hwpt, __u32 gen)
{
	return stats_get_ctx(hwpt, 0, gen);
}

static __always_inline bool hwpt_wanted(__u64 hwpt)
{
	return !targ_hwpt || hwpt == targ_hwpt;
}

/* the harvest this thread is in, if it is one we trace */
static __always_inline struct top_tstate *tstate(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(&threads, &tid);
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

static __always_inline void lat_add(struct top_stats *s, __u64 ns)
{
	__u32 slot = log2_u64(ns / 1000);

	if (slot >= TOP_MAX_SLOTS)
		slot = TOP_MAX_SLOTS - 1;
	__sync_fetch_and_add(&s->lat_sum_ns, ns);
	__sync_fetch_and_add(&s->hist[slot], 1);
}

/* --record: a harvest's end, after its runs (same thread, so in order) */
static __always_inline void record_harvest(__u64 now, __u64 hwpt,
					   const struct top_tstate *t,
					   __u64 dirty_bytes, int ret, __u32 g)
{
	struct top_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&drops_ring[g & 1], 1);
		return;
	}
	e->time_ns = now;
	e->hwpt = hwpt;
	e->iova = t->iova;
	e->length = t->length;
	e->page_size = t->page_size;
	e->dirty_bytes = dirty_bytes;
	e->type = TOP_EV_HARVEST;
	e->gen = g;
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/iodirty_harvest_begin")
int BPF_PROG(top_harvest_begin, u64 hwpt_id, u64 iova, u64 length, u32 flags,
	     u64 page_size)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct top_tstate t = {};
	struct top_stats *s;
	__u32 g;

	if (!hwpt_wanted(hwpt_id) || (targ_tgid && tgid != targ_tgid))
		return 0;
	t.ts = bpf_ktime_get_ns();
	t.hwpt = hwpt_id;
	t.iova = iova;
	t.length = length;
	t.page_size = page_size;
	t.flags = flags;
	t.tgid = tgid;
	if (bpf_map_update_elem(&threads, &tid, &t, BPF_ANY)) {
		__sync_fetch_and_add(&drops_thread, 1);
		return 0;
	}
	g = gen_enter();
	s = stats_get(hwpt_id, g);
	if (s) {
		s->pid = tgid;
		bpf_get_current_comm(s->comm, sizeof(s->comm));
	}
	gen_exit(g);
	return 0;
}

SEC("tp_btf/iodirty_harvest_end")
int BPF_PROG(top_harvest_end, u64 hwpt_id, u64 leaves, u64 dirty_leaves,
	     u64 dirty_bytes, u64 cleared, u64 flushes, u64 duration_ns, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct top_tstate *t = bpf_map_lookup_elem(&threads, &tid);
	__u64 now = bpf_ktime_get_ns(), ps;
	struct top_stats *s;
	__u32 g;

	/* no begin seen (filtered, or the tracer started mid-harvest) */
	if (!t || t->hwpt != hwpt_id)
		return 0;
	ps = t->page_size;
	g = gen_enter();
	s = stats_get(hwpt_id, g);
	if (s) {
		__sync_fetch_and_add(&s->harvests, 1);
		if (ret)
			__sync_fetch_and_add(&s->errors, 1);
		if (!t->length)
			__sync_fetch_and_add(&s->scans, 1);
		__sync_fetch_and_add(&s->dirty_bytes, dirty_bytes);
		if (ps)
			__sync_fetch_and_add(&s->dirty_pages, dirty_bytes / ps);
		if (ps && t->length)
			__sync_fetch_and_add(&s->bitmap_bytes,
					     (t->length / ps + 7) / 8);
		__sync_fetch_and_add(&s->cleared, cleared);
		__sync_fetch_and_add(&s->leaves, leaves);
		lat_add(s, now - t->ts);
	}
	/* inside the generation: user space counts records per interval */
	if (targ_record)
		record_harvest(now, hwpt_id, t, dirty_bytes, ret, g);
	gen_exit(g);
	bpf_map_delete_elem(&threads, &tid);
	return 0;
}

static __always_inline void range_add(__u64 hwpt, __u64 ctx, __u64 bucket,
				      __u32 g, __u64 bytes)
{
	struct top_range_key k = { .hwpt = hwpt, .ctx = ctx, .bucket = bucket,
				   .gen = g };
	struct top_range_val *v = bpf_map_lookup_elem(&ranges, &k);

	if (!v) {
		bpf_map_update_elem(&ranges, &k, &zero_range, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&ranges, &k);
		if (!v) {
			__sync_fetch_and_add(&drops_range, 1);
			return;
		}
	}
	__sync_fetch_and_add(&v->bytes, bytes);
	__sync_fetch_and_add(&v->runs, 1);
}

/* split [iova, iova + length) over the -R buckets it touches */
static __always_inline void ranges_add(__u64 hwpt, __u64 ctx, __u64 iova,
				       __u64 length, __u32 g)
{
	__u64 shift = targ_granule_shift, end = iova + length, b;
	__u32 i;

	b = iova >> shift;
	for (i = 0; i < TOP_RUN_BUCKETS; i++) {
		__u64 bs = b << shift, be = bs + (1ULL << shift);
		__u64 lo = iova > bs ? iova : bs, hi = end < be ? end : be;

		if (lo >= hi)
			break;
		range_add(hwpt, ctx, b, g, hi - lo);
		if (be >= end)
			break;
		b++;
	}
	if (i == TOP_RUN_BUCKETS)
		__sync_fetch_and_add(&ranges_truncated, 1);
}

/* --record: one dirty run; a full ring is counted, never waited for */
static __always_inline void record_run(__u64 hwpt, __u64 iova, __u64 length,
				       __u64 ps, __u32 g)
{
	struct top_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&drops_ring[g & 1], 1);
		return;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->hwpt = hwpt;
	e->iova = iova;
	e->length = length;
	e->page_size = ps;
	e->dirty_bytes = 0;
	e->type = TOP_EV_DIRTY;
	e->gen = g;
	e->ret = 0;
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/iodirty_dirty_run")
int BPF_PROG(top_dirty_run, u64 hwpt_id, u64 iova, u64 length, u64 scan_seq)
{
	struct top_tstate *t = tstate();
	struct top_stats *s;
	__u64 ps = 0;
	__u32 g;

	if (t && t->hwpt == hwpt_id)
		ps = t->page_size;
	else if (targ_tgid || !hwpt_wanted(hwpt_id))
		return 0;	/* filtered: only runs inside a traced harvest */
	g = gen_enter();
	s = stats_get(hwpt_id, g);
	if (s) {
		__sync_fetch_and_add(&s->runs, 1);
		__sync_fetch_and_add(&s->run_bytes, length);
	}
	if (targ_ranges)
		ranges_add(hwpt_id, 0, iova, length, g);
	if (targ_record && !ps)
		__sync_fetch_and_add(&runs_unlabelled, 1);
	else if (targ_record)
		record_run(hwpt_id, iova, length, ps, g);
	gen_exit(g);
	return 0;
}

/* kind: 0 range, 1 whole domain (kmod/iodirty_trace.h) */
SEC("tp_btf/iodirty_flush")
int BPF_PROG(top_flush, u64 hwpt_id, u64 start, u64 end, u32 kind, u32 by)
{
	struct top_tstate *t;
	struct top_stats *s;
	__u32 g;

	if (!hwpt_wanted(hwpt_id))
		return 0;
	if (targ_tgid) {
		t = tstate();
		if (!t || t->hwpt != hwpt_id)
			return 0;
	}
	g = gen_enter();
	s = stats_get(hwpt_id, g);
	if (s) {
		__sync_fetch_and_add(&s->inv, 1);
		if (kind)
			__sync_fetch_and_add(&s->inv_domain, 1);
		else
			__sync_fetch_and_add(&s->inv_bytes, end - start);
	}
	gen_exit(g);
	return 0;
}

#include "top_iommufd.bpf.h"

char LICENSE[] SEC("license") = "GPL";
