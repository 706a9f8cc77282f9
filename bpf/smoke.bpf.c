// SPDX-License-Identifier: GPL-2.0
/*
 * smoke: the smallest complete iodirty policy.  Its flush member reads a
 * module counter through a kfunc, reports what it was asked in a ring
 * buffer record and answers "flush the whole domain" (the built-in
 * default answers "flush the ranges"), so a test can tell who answered.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "smoke.h"

extern u64 bpf_iodirty_stat(u32 id) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 4096);
} events SEC(".maps");

int init_calls;
int exit_calls;
__u32 exit_kind;

SEC("struct_ops/flush")
s32 BPF_PROG(smoke_flush, struct iodirty_flush_ctx *fctx)
{
	struct smoke_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return IODIRTY_FLUSH_RANGES;
	e->magic = SMOKE_MAGIC;
	e->pending_pages = fctx->pending_pages;
	e->pending_ranges = fctx->pending_ranges;
	e->pending_start = fctx->pending_start;
	e->pending_end = fctx->pending_end;
	e->calls_before = bpf_iodirty_stat(IODIRTY_STAT_POLICY_CALLS);
	bpf_ringbuf_submit(e, 0);
	return IODIRTY_FLUSH_DOMAIN;
}

SEC("struct_ops/init")
s32 BPF_PROG(smoke_init)
{
	init_calls++;
	return 0;
}

SEC("struct_ops/exit")
void BPF_PROG(smoke_exit, struct iodirty_exit_info *info)
{
	exit_calls++;
	exit_kind = info->kind;
}

SEC(".struct_ops.link")
struct iodirty_ops smoke_ops = {
	.flush = (void *)smoke_flush,
	.init = (void *)smoke_init,
	.exit = (void *)smoke_exit,
	.name = "smoke",
};

char LICENSE[] SEC("license") = "GPL";
