// SPDX-License-Identifier: GPL-2.0
/* batch: invalidate in batches, the whole domain when ranges are many */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

const volatile __u64 batch_pages = 64;   /* flush once this many pages wait */
const volatile __u64 domain_ranges = 16; /* more ranges: the whole domain */
__u64 flushes, domain_flushes;

SEC("struct_ops/flush")
s32 BPF_PROG(batch_flush, struct iodirty_flush_ctx *c)
{
	if (!c->pending_ranges || (!c->final && c->pending_pages < batch_pages))
		return IODIRTY_FLUSH_DEFER; /* the kernel flushes the rest itself */
	flushes++;
	if (c->pending_ranges <= domain_ranges)
		return IODIRTY_FLUSH_RANGES;
	domain_flushes++;
	return IODIRTY_FLUSH_DOMAIN;
}

IODIRTY_OPS_DEFINE(batch_ops, .flush = (void *)batch_flush, .name = "batch");
char LICENSE[] SEC("license") = "GPL";
