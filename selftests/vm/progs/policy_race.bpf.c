// SPDX-License-Identifier: GPL-2.0
/*
 * policy_race: policies for the lifecycle-safety tests
 * (prog_tests/policy_safety.c).
 *  - race_a / race_b: a hot-swap pair; A calls bpf_iodirty_error() from
 *    flush when a_error is set (an ejection racing with a swap, or an old
 *    policy's in-flight call after the swap);
 *  - race_c: init returns c_init_ret, or calls bpf_iodirty_error()
 *    c_flood times (a console flood, before the rate limit).
 * Each counts its calls and records its exit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "policy_test.h"

int a_error, c_init_ret;
__u32 c_flood;
__u64 a_flush, b_flush, a_errors;
int a_exit, b_exit, c_init, c_exit;
struct pt_exit a_uei, b_uei;

SEC("struct_ops/flush")
s32 BPF_PROG(race_a_flush, struct iodirty_flush_ctx *c)
{
	a_flush++;
	if (a_error) {
		a_errors++;
		bpf_iodirty_error(PT_RACE_A_CODE, PT_RACE_A_MSG);
	}
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/exit")
void BPF_PROG(race_a_exit, struct iodirty_exit_info *info)
{
	a_exit++;
	IODIRTY_EXIT_RECORD(a_uei, info);
}

SEC("struct_ops/flush")
s32 BPF_PROG(race_b_flush, struct iodirty_flush_ctx *c)
{
	b_flush++;
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/exit")
void BPF_PROG(race_b_exit, struct iodirty_exit_info *info)
{
	b_exit++;
	IODIRTY_EXIT_RECORD(b_uei, info);
}

SEC("struct_ops/flush")
s32 BPF_PROG(race_c_flush, struct iodirty_flush_ctx *c)
{
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/init")
s32 BPF_PROG(race_c_init)
{
	u32 i;

	c_init++;
	for (i = 0; i < PT_FLOOD_MAX; i++) {
		if (i >= c_flood)
			break;
		bpf_iodirty_error(i, PT_FLOOD_MSG);
	}
	return c_init_ret;
}

SEC("struct_ops/exit")
void BPF_PROG(race_c_exit, struct iodirty_exit_info *info)
{
	c_exit++;
}

IODIRTY_OPS_DEFINE(race_a_ops,
	.flush = (void *)race_a_flush,
	.exit = (void *)race_a_exit,
	.name = "race_a",
);

IODIRTY_OPS_DEFINE(race_b_ops,
	.flush = (void *)race_b_flush,
	.exit = (void *)race_b_exit,
	.name = "race_b",
);

IODIRTY_OPS_DEFINE(race_c_ops,
	.flush = (void *)race_c_flush,
	.init = (void *)race_c_init,
	.exit = (void *)race_c_exit,
	.name = "race_c",
);

char LICENSE[] SEC("license") = "GPL";
