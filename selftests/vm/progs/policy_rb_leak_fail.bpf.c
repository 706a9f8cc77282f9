// SPDX-License-Identifier: GPL-2.0
/*
 * Must be REJECTED: an export member that reserves ring-buffer space and
 * returns without submitting or discarding it leaks a reference:
 * "Unreleased reference".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} leak_rb SEC(".maps");

SEC("struct_ops/flush")
s32 BPF_PROG(rb_leak_flush, struct iodirty_flush_ctx *c)
{
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/export")
void BPF_PROG(rb_leak_export, struct iodirty_run_ctx *c)
{
	u64 *p = bpf_ringbuf_reserve(&leak_rb, sizeof(*p), 0);

	if (!p)
		return;
	*p = c->iova;
	/* no bpf_ringbuf_submit(p, 0): the reservation leaks */
}

IODIRTY_OPS_DEFINE(rb_leak_ops,
	.flush = (void *)rb_leak_flush,
	.export = (void *)rb_leak_export,
	.name = "rb_leak_fail",
);

char LICENSE[] SEC("license") = "GPL";
