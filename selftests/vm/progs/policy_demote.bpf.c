// SPDX-License-Identifier: GPL-2.0
/*
 * prog_tests/demote.c's policy: flush asks bpf_iodirty_demote() for every
 * pending (just cleared) range and, on the final call, for the range the
 * loader put in extra_start/extra_end (a range this harvest did not clear,
 * so the test can demote a leaf that is dirty, or cached in the IOTLB).
 * It records what the kfunc returned.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

__u64 extra_start, extra_end;	/* set by the loader; 0, 0: none */
__u64 flush_calls, demote_calls;
__s64 last_ret, extra_ret;

SEC("struct_ops/flush")
s32 BPF_PROG(demote_flush, struct iodirty_flush_ctx *c)
{
	__u32 i;

	flush_calls++;
	for (i = 0; i < 16; i++) {
		if (i >= c->pending_ranges)
			break;
		last_ret = bpf_iodirty_demote(c, bpf_iodirty_pending_start(c, i),
					      bpf_iodirty_pending_end(c, i));
		demote_calls++;
	}
	if (c->final && extra_end) {
		extra_ret = bpf_iodirty_demote(c, extra_start, extra_end);
		demote_calls++;
	}
	return c->pending_ranges ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

IODIRTY_OPS_DEFINE(demote_ops,
	.flush = (void *)demote_flush,
	.name = "demote_test",
);

char LICENSE[] SEC("license") = "GPL";
