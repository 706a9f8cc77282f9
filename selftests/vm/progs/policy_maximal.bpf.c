// SPDX-License-Identifier: GPL-2.0
/*
 * policy_maximal: members that run as long as the verifier allows.  With
 * callbacks, iterators and may_goto refused, the longest a member can run
 * is a bounded loop the verifier walks iteration by iteration until its
 * 1M processed-instruction limit: burn() is such a loop, sized to about
 * 0.9M processed instructions (veristat budget), calling a constant-cost
 * helper (bpf_ktime_get_ns) in each iteration: a pure ALU loop of that
 * many instructions runs well under 1 ms even under TCG.  Each member records how
 * long it ran (bpf_ktime_get_ns) so the test can report the figure.
 *  - maximal_ops: flush burns (the loader sets a tiny timeout_ms: ejected
 *    with TIMEOUT, or with a large one to measure);
 *  - maximal_init_ops: init burns a quarter as long (attach refused with
 *    ETIMEDOUT under a tiny timeout_ms).
 * Verifying 0.9M instructions takes about 30 s under TCG: the loader
 * loads only the ops it needs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "policy_test.h"

#define BURN_ITERS	PT_MAXIMAL_ITERS

__u64 seed = 1;
__u64 flush_calls, flush_ns, flush_ns_max, flush_ns_min = ~0ULL;
__u64 init_calls, init_ns;
int exit_calls;
__u64 sink;
struct pt_exit uei;
struct pt_exit init_uei;

static __always_inline u64 burn(u32 iters)
{
	u64 acc = seed;
	u32 i;

	for (i = 0; i < iters; i++) {
		acc = acc * 6364136223846793005ULL + bpf_ktime_get_ns();
		barrier_var(acc);
	}
	return acc;
}

SEC("struct_ops/flush")
s32 BPF_PROG(maximal_flush, struct iodirty_flush_ctx *c)
{
	u64 t0 = bpf_ktime_get_ns(), dt;

	sink = burn(BURN_ITERS);
	dt = bpf_ktime_get_ns() - t0;
	flush_calls++;
	flush_ns = dt;
	if (dt > flush_ns_max)
		flush_ns_max = dt;
	if (dt < flush_ns_min)
		flush_ns_min = dt;
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/exit")
void BPF_PROG(maximal_exit, struct iodirty_exit_info *info)
{
	exit_calls++;
	IODIRTY_EXIT_RECORD(uei, info);
}

SEC("struct_ops/init")
s32 BPF_PROG(maximal_init_init)
{
	u64 t0 = bpf_ktime_get_ns();

	sink = burn(BURN_ITERS / 4);
	init_ns = bpf_ktime_get_ns() - t0;
	init_calls++;
	return 0;
}

SEC("struct_ops/exit")
void BPF_PROG(maximal_init_exit, struct iodirty_exit_info *info)
{
	exit_calls++;
	IODIRTY_EXIT_RECORD(init_uei, info);
}

SEC("struct_ops/flush")
s32 BPF_PROG(maximal_init_flush, struct iodirty_flush_ctx *c)
{
	return IODIRTY_FLUSH_RANGES;
}

IODIRTY_OPS_DEFINE(maximal_ops,
	.flush = (void *)maximal_flush,
	.exit = (void *)maximal_exit,
	.name = "maximal",
);

IODIRTY_OPS_DEFINE(maximal_init_ops,
	.flush = (void *)maximal_init_flush,
	.init = (void *)maximal_init_init,
	.exit = (void *)maximal_init_exit,
	.name = "maximal_init",
);

char LICENSE[] SEC("license") = "GPL";
