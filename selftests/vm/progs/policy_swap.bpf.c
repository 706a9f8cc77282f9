// SPDX-License-Identifier: GPL-2.0
/*
 * policy_swap: two policies, A and B, for the hot-swap test
 * (bpf_link__update_map from A to B under a DMA workload).  Each counts
 * its own calls and records its own exit, so the loader can tell who
 * answered which harvest and that A saw REPLACED.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "policy_test.h"

__u64 a_flush, b_flush, a_after_exit, b_before_init;
int a_init, b_init, a_exit, b_exit;
struct pt_exit a_uei;
struct pt_exit b_uei;

SEC("struct_ops/flush")
s32 BPF_PROG(swap_a_flush, struct iodirty_flush_ctx *c)
{
	a_flush++;
	if (a_exit)
		a_after_exit++;
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/init")
s32 BPF_PROG(swap_a_init)
{
	a_init++;
	return 0;
}

SEC("struct_ops/exit")
void BPF_PROG(swap_a_exit, struct iodirty_exit_info *info)
{
	a_exit++;
	IODIRTY_EXIT_RECORD(a_uei, info);
}

SEC("struct_ops/flush")
s32 BPF_PROG(swap_b_flush, struct iodirty_flush_ctx *c)
{
	b_flush++;
	if (!b_init)
		b_before_init++;
	/* a different, equally safe answer: B is visible in the probe */
	return c->pending_ranges > 4 ? IODIRTY_FLUSH_DOMAIN :
					 IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/init")
s32 BPF_PROG(swap_b_init)
{
	b_init++;
	return 0;
}

SEC("struct_ops/exit")
void BPF_PROG(swap_b_exit, struct iodirty_exit_info *info)
{
	b_exit++;
	IODIRTY_EXIT_RECORD(b_uei, info);
}

IODIRTY_OPS_DEFINE(swap_a_ops,
	.flush = (void *)swap_a_flush,
	.init = (void *)swap_a_init,
	.exit = (void *)swap_a_exit,
	.name = "swap_a",
);

IODIRTY_OPS_DEFINE(swap_b_ops,
	.flush = (void *)swap_b_flush,
	.init = (void *)swap_b_init,
	.exit = (void *)swap_b_exit,
	.name = "swap_b",
);

char LICENSE[] SEC("license") = "GPL";
