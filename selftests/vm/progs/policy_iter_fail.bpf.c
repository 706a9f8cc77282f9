// SPDX-License-Identifier: GPL-2.0
/*
 * Must be REFUSED: nested open-coded iterators (bpf_for over
 * bpf_iter_num) in a member.  The verifier accepts the program (it checks
 * the loop body until its state converges, not once per iteration), so
 * iodirty refuses it before verification, as it refuses every kfunc of
 * the kernel proper (Linux 7.x inlines bpf_iter_num_*, leaving no call in
 * the verified program): the load fails with EINVAL, the verifier log
 * says "attach to unsupported member" and the kernel log "refused: a
 * kernel kfunc (vmlinux BTF id ...".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

SEC("struct_ops/flush")
s32 BPF_PROG(iter_flush, struct iodirty_flush_ctx *c)
{
	u64 acc = 0;
	int i, j;

	bpf_for(i, 0, 1 << 23)
		bpf_for(j, 0, 1 << 23)
			acc += i ^ j;
	return acc == 1 ? IODIRTY_FLUSH_DOMAIN : IODIRTY_FLUSH_RANGES;
}

IODIRTY_OPS_DEFINE(iter_ops,
	.flush = (void *)iter_flush,
	.name = "iter_fail",
);

char LICENSE[] SEC("license") = "GPL";
