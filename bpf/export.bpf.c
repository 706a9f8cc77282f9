// SPDX-License-Identifier: GPL-2.0
/*
 * export: stream the dirty pages a background scan finds to userspace.
 *
 * A scan clears the dirty bits it walks, so whatever it finds must reach
 * the consumer: every dirty run becomes one bitmap-chunk record in the
 * ring buffer "events" (filled by bpf_iodirty_fill_bitmap(), record layout
 * in export.h).  Records are submitted without a wakeup and the
 * end-of-scan marker forces one, so the reader wakes once per scan rather
 * than once per run.  The policy never blocks: when the ring is full the
 * record is dropped and counted, and the consumer can see it in the
 * totals every end-of-scan marker carries.
 *
 * Optional hot/cold sampling (cold_every > 1, as in hotcold.bpf.c) makes
 * it a complete live-migration style policy; flush is the default's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "export.h"

#define SAMPLE_SKIP 0
#define SAMPLE_WALK 1

const volatile __u32 cold_every = 0;	/* 0/1: walk every region */

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
__u64 eos_records;
__u64 eos_drops;
__u64 walks;
__u64 skips;
struct iodirty_policy_exit uei;

/* @sz is a compile-time constant at every call site (always_inline). */
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
		__sync_fetch_and_add(&eos_drops, 1);
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
	e->drops = drops;
	e->truncated = truncated;
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	__sync_fetch_and_add(&eos_records, 1);
}

SEC("struct_ops/export")
void BPF_PROG(export_run, struct iodirty_run_ctx *c)
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

SEC("struct_ops/sample")
s32 BPF_PROG(export_sample, struct iodirty_sample_ctx *c)
{
	if (cold_every <= 1 || !c->last_walked_seq || c->last_dirty_pages ||
	    c->scan_seq - c->last_walked_seq >= cold_every) {
		walks++;
		return SAMPLE_WALK;
	}
	skips++;
	return SAMPLE_SKIP;
}

SEC("struct_ops/flush")
s32 BPF_PROG(export_flush, struct iodirty_flush_ctx *c)
{
	return c->pending_ranges ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

SEC("struct_ops/exit")
void BPF_PROG(export_exit, struct iodirty_exit_info *info)
{
	IODIRTY_EXIT_RECORD(uei, info);
}

IODIRTY_OPS_DEFINE(export_ops,
	.flush = (void *)export_flush,
	.sample = (void *)export_sample,
	.export = (void *)export_run,
	.exit = (void *)export_exit,
	.name = "export",
);

char LICENSE[] SEC("license") = "GPL";
