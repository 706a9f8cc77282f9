// SPDX-License-Identifier: GPL-2.0
/*
 * default: the built-in policy, written as BPF.
 *
 * flush invalidates exactly the pending ranges as soon as anything is
 * pending, sample walks every region on every scan, and nothing is
 * exported.  Attaching it must change nothing but the name IODIRTY_STATUS
 * shows; that makes it the baseline the other example policies are
 * measured against, and a template to start a new policy from.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "export.h"

#define SAMPLE_WALK 1	/* IODIRTY_SAMPLE_WALK */

__u64 flush_calls;
__u64 sample_calls;
struct iodirty_policy_exit uei;

SEC("struct_ops/flush")
s32 BPF_PROG(default_flush, struct iodirty_flush_ctx *c)
{
	flush_calls++;
	return c->pending_ranges ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

SEC("struct_ops/sample")
s32 BPF_PROG(default_sample, struct iodirty_sample_ctx *c)
{
	sample_calls++;
	return SAMPLE_WALK;
}

SEC("struct_ops/exit")
void BPF_PROG(default_exit, struct iodirty_exit_info *info)
{
	IODIRTY_EXIT_RECORD(uei, info);
}

IODIRTY_OPS_DEFINE(default_ops,
	.flush = (void *)default_flush,
	.sample = (void *)default_sample,
	.exit = (void *)default_exit,
	.name = "default_bpf",
);

char LICENSE[] SEC("license") = "GPL";
