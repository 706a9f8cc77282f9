// SPDX-License-Identifier: GPL-2.0
/*
 * Must be REJECTED: nested bpf_loop in a member.  The verifier checks each
 * callback body once, so 8M x 8M iterations would pass its instruction
 * limit; iodirty_ops refuses every callback-taking helper, and the log
 * says "program of this type cannot use helper bpf_loop#181".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

static int inner_cb(u32 idx, void *data)
{
	*(u64 *)data += idx;
	return 0;
}

static int outer_cb(u32 idx, void *data)
{
	bpf_loop(1 << 23, inner_cb, data, 0);
	return 0;
}

SEC("struct_ops/flush")
s32 BPF_PROG(loop_flush, struct iodirty_flush_ctx *c)
{
	u64 acc = 0;

	bpf_loop(1 << 23, outer_cb, &acc, 0);
	return acc == 1 ? IODIRTY_FLUSH_DOMAIN : IODIRTY_FLUSH_RANGES;
}

IODIRTY_OPS_DEFINE(loop_ops,
	.flush = (void *)loop_flush,
	.name = "loop_fail",
);

char LICENSE[] SEC("license") = "GPL";
