// SPDX-License-Identifier: GPL-2.0
/*
 * Must be REJECTED (or, if the verifier lets it through, ejected at run
 * time with BAD_KFUNC_USE): sample calls bpf_iodirty_flush_range(), a
 * kfunc that belongs to flush.  The sample context is passed where the
 * flush context is expected, the only context sample has.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "policy_test.h"

__u64 misuse_calls;
int misuse_exit;
struct pt_exit misuse_uei;

SEC("struct_ops/flush")
s32 BPF_PROG(wrong_member_flush, struct iodirty_flush_ctx *c)
{
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/sample")
s32 BPF_PROG(wrong_member_sample, struct iodirty_sample_ctx *c)
{
	misuse_calls++;
	bpf_iodirty_flush_range((struct iodirty_flush_ctx *)c, c->iova,
				c->iova + c->length);
	return IODIRTY_SAMPLE_WALK;
}

SEC("struct_ops/exit")
void BPF_PROG(wrong_member_exit, struct iodirty_exit_info *info)
{
	misuse_exit++;
	IODIRTY_EXIT_RECORD(misuse_uei, info);
}

IODIRTY_OPS_DEFINE(wrong_member_ops,
	.flush = (void *)wrong_member_flush,
	.sample = (void *)wrong_member_sample,
	.exit = (void *)wrong_member_exit,
	.name = "wrong_member",
);

char LICENSE[] SEC("license") = "GPL";
