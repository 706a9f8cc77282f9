// SPDX-License-Identifier: GPL-2.0
/*
 * Must be REJECTED: a policy kfunc (bpf_iodirty_flush_range) is only for
 * iodirty_ops struct_ops programs; an observer (tp_btf on iodirty_flush)
 * calling it must fail with "calling kernel function
 * bpf_iodirty_flush_range is not allowed".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

SEC("tp_btf/iodirty_flush")
int BPF_PROG(tp_calls_flush_range)
{
	/* the filter check comes before any argument check */
	bpf_iodirty_flush_range((struct iodirty_flush_ctx *)0, 0, 4096);
	return 0;
}

SEC("syscall")
int syscall_calls_flush_range(void *args)
{
	bpf_iodirty_flush_range((struct iodirty_flush_ctx *)0, 0, 4096);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
