// SPDX-License-Identifier: GPL-2.0
/*
 * Must be REJECTED: sample calls bpf_iodirty_demote(), a kfunc that belongs
 * to flush (structure changes are requested only from the member that sees
 * a harvest's cleared ranges).  The sample context is passed where the
 * flush context is expected, the only context sample has.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

SEC("struct_ops/flush")
s32 BPF_PROG(demote_member_flush, struct iodirty_flush_ctx *c)
{
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/sample")
s32 BPF_PROG(demote_member_sample, struct iodirty_sample_ctx *c)
{
	bpf_iodirty_demote((struct iodirty_flush_ctx *)c, c->iova,
			   c->iova + c->length);
	return 1;	/* IODIRTY_SAMPLE_WALK */
}

IODIRTY_OPS_DEFINE(demote_member_ops,
	.flush = (void *)demote_member_flush,
	.sample = (void *)demote_member_sample,
	.name = "demote_member",
);

char LICENSE[] SEC("license") = "GPL";
