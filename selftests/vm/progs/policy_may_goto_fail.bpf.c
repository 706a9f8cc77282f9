// SPDX-License-Identifier: GPL-2.0
/*
 * Must be REJECTED: a may_goto (can_loop) loop in a member.  may_goto
 * lets the verifier stop exploring after a few iterations while the
 * program runs up to 8M of them; iodirty's check_member refuses any
 * may_goto before verification: the log says "attach to unsupported
 * member flush of struct iodirty_ops" and the kernel log "refused:
 * may_goto".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

/* as tools/testing/selftests/bpf/bpf_experimental.h */
#define can_loop					\
	({ __label__ l_break, l_continue;		\
	bool ret = true;				\
	asm volatile goto("may_goto %l[l_break]"	\
		      :::: l_break);			\
	goto l_continue;				\
	l_break: ret = false;				\
	l_continue:;					\
	ret;						\
	})

__u64 bound = ~0ULL;

SEC("struct_ops/flush")
s32 BPF_PROG(may_goto_flush, struct iodirty_flush_ctx *c)
{
	u64 acc = 0, i;

	for (i = 0; i < bound && can_loop; i++)
		acc = acc * 3 + i;
	return acc == 1 ? IODIRTY_FLUSH_DOMAIN : IODIRTY_FLUSH_RANGES;
}

IODIRTY_OPS_DEFINE(may_goto_ops,
	.flush = (void *)may_goto_flush,
	.name = "may_goto_fail",
);

char LICENSE[] SEC("license") = "GPL";
