// SPDX-License-Identifier: GPL-2.0
/*
 * hotcold: walk where the writes are.
 *
 * DMA dirtying is usually skewed (rings, hot buffers).  A background scan
 * that walks every region finds the same cold regions clean scan after
 * scan.  This policy walks "hot" regions (dirty the last time they were
 * walked, or never walked) on every scan and each cold region only every
 * cold_every scans.  Skipping is safe: a skipped region keeps its dirty
 * bits, and the kernel forces a walk after max_skip consecutive skips.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "export.h"

#define SAMPLE_SKIP 0	/* IODIRTY_SAMPLE_SKIP */
#define SAMPLE_WALK 1	/* IODIRTY_SAMPLE_WALK */

const volatile __u32 cold_every = 4;

__u64 walks_hot;
__u64 walks_cold;
__u64 skips;
struct iodirty_policy_exit uei;

SEC("struct_ops/flush")
s32 BPF_PROG(hotcold_flush, struct iodirty_flush_ctx *c)
{
	return c->pending_ranges ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

SEC("struct_ops/sample")
s32 BPF_PROG(hotcold_sample, struct iodirty_sample_ctx *c)
{
	if (!c->last_walked_seq || c->last_dirty_pages) {
		walks_hot++;
		return SAMPLE_WALK;
	}
	if (cold_every <= 1 || c->scan_seq - c->last_walked_seq >= cold_every) {
		walks_cold++;
		return SAMPLE_WALK;
	}
	skips++;
	return SAMPLE_SKIP;
}

SEC("struct_ops/exit")
void BPF_PROG(hotcold_exit, struct iodirty_exit_info *info)
{
	IODIRTY_EXIT_RECORD(uei, info);
}

IODIRTY_OPS_DEFINE(hotcold_ops,
	.flush = (void *)hotcold_flush,
	.sample = (void *)hotcold_sample,
	.exit = (void *)hotcold_exit,
	.name = "hotcold",
);

char LICENSE[] SEC("license") = "GPL";
