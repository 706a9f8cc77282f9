// SPDX-License-Identifier: GPL-2.0
/*
 * policy_bench: the policy the VM bench (selftests/bench/vm/) attaches.
 *  - flush: invalidate the pending ranges (the default's answer, so the
 *    harvest-cost comparison measures only the BPF call overhead);
 *  - sample: walk a region if it was dirty last time it was walked or has
 *    never been walked, else skip it (the kernel's max_skip floor bounds
 *    how stale a skipped region gets);
 *  - export: one ring-buffer record per run, an iodirty_bitmap_chunk
 *    filled by bpf_iodirty_fill_bitmap(), plus a run counter.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "policy_test.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} chunks SEC(".maps");

__u64 flushes, samples, skips, runs, records, drops, fill_errs, eos;
__u64 truncated;	/* runs longer than one record holds */
int no_sampling;	/* 1: sample walks everything */

SEC("struct_ops/flush")
s32 BPF_PROG(bench_flush, struct iodirty_flush_ctx *c)
{
	flushes++;
	return c->pending_ranges ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

SEC("struct_ops/sample")
s32 BPF_PROG(bench_sample, struct iodirty_sample_ctx *c)
{
	samples++;
	if (no_sampling || !c->last_walked_seq || c->last_dirty_pages)
		return IODIRTY_SAMPLE_WALK;
	skips++;
	return IODIRTY_SAMPLE_SKIP;
}

SEC("struct_ops/export")
void BPF_PROG(bench_export, struct iodirty_run_ctx *c)
{
	void *rec;
	int n;

	if (c->end_of_scan) {
		eos++;
		/* wake the reader once per scan */
		bpf_ringbuf_output(&chunks, &eos, sizeof(eos), BPF_RB_FORCE_WAKEUP);
		return;
	}
	runs++;
	rec = bpf_ringbuf_reserve(&chunks, PB_CHUNK_SIZE, 0);
	if (!rec) {
		drops++;
		return;
	}
	n = bpf_iodirty_fill_bitmap(c, rec, PB_CHUNK_SIZE);
	if (n <= 0) {
		fill_errs++;
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		return;
	}
	records++;
	if (c->page_size && n < c->length / c->page_size)
		truncated++;
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
}

IODIRTY_OPS_DEFINE(bench_ops,
	.flush = (void *)bench_flush,
	.sample = (void *)bench_sample,
	.export = (void *)bench_export,
	.name = "policy_bench",
);

char LICENSE[] SEC("license") = "GPL";
