// SPDX-License-Identifier: GPL-2.0
/*
 * Must be REJECTED: the flush context is read-only; writing
 * c->pending_pages must fail with "only read is supported".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

SEC("struct_ops/flush")
s32 BPF_PROG(ctx_write_flush, struct iodirty_flush_ctx *c)
{
	c->pending_pages = 0;
	return IODIRTY_FLUSH_DEFER;
}

IODIRTY_OPS_DEFINE(ctx_write_ops,
	.flush = (void *)ctx_write_flush,
	.name = "ctx_write_fail",
);

char LICENSE[] SEC("license") = "GPL";
