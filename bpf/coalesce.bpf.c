// SPDX-License-Identifier: GPL-2.0
/*
 * coalesce: fewer, larger IOTLB invalidations.
 *
 * A harvest of a fragmented dirty pattern leaves many small cleared
 * ranges; invalidating each one costs a command (and on real hardware a
 * queue round trip).  Invalidating a little more IOVA than needed is always
 * safe, so this policy merges neighbouring pending ranges whose gap is
 * below gap_bytes and invalidates each merged range itself with
 * bpf_iodirty_flush_range().  When more than domain_threshold_pages are
 * pending, one whole-domain invalidation is cheaper still.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "export.h"

#define MAX_RANGES 512	/* ranges merged per call; the rest get RANGES */

const volatile __u64 gap_bytes = 64 * 1024;
const volatile __u64 domain_threshold_pages = 1 << 20;

__u64 flush_calls;
__u64 ranges_in;		/* pending ranges offered to us */
__u64 ranges_merged;	/* ranges absorbed into a neighbour */
__u64 range_flushes;	/* bpf_iodirty_flush_range() calls */
__u64 domain_flushes;	/* IODIRTY_FLUSH_DOMAIN answers */
__u64 flush_errors;
struct iodirty_policy_exit uei;

static __always_inline void flush_one(struct iodirty_flush_ctx *c, u64 s, u64 e)
{
	if (bpf_iodirty_flush_range(c, s, e))
		flush_errors++;
	else
		range_flushes++;
}

SEC("struct_ops/flush")
s32 BPF_PROG(coalesce_flush, struct iodirty_flush_ctx *c)
{
	u64 n = c->pending_ranges, cur_s, cur_e, s, e;
	u32 lim;
	int i;

	flush_calls++;
	if (!n)
		return IODIRTY_FLUSH_DEFER;
	if (c->pending_pages > domain_threshold_pages) {
		domain_flushes++;
		return IODIRTY_FLUSH_DOMAIN;
	}
	ranges_in += n;
	lim = n < MAX_RANGES ? n : MAX_RANGES;
	cur_s = bpf_iodirty_pending_start(c, 0);
	cur_e = bpf_iodirty_pending_end(c, 0);
	/*
	 * A bounded loop, not bpf_for(): iodirty refuses open-coded iterators
	 * (their runtime is not bounded by the verifier's instruction limit).
	 */
	for (i = 1; i < MAX_RANGES; i++) {
		if (i >= lim)
			break;
		s = bpf_iodirty_pending_start(c, i);
		e = bpf_iodirty_pending_end(c, i);
		if (s >= cur_e && s - cur_e < gap_bytes) {
			cur_e = e;
			ranges_merged++;
			continue;
		}
		if (cur_e > cur_s)
			flush_one(c, cur_s, cur_e);
		cur_s = s;
		cur_e = e;
	}
	if (cur_e > cur_s)
		flush_one(c, cur_s, cur_e);
	/* ranges beyond MAX_RANGES are still pending: let the kernel do them */
	return n > lim ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

SEC("struct_ops/exit")
void BPF_PROG(coalesce_exit, struct iodirty_exit_info *info)
{
	IODIRTY_EXIT_RECORD(uei, info);
}

IODIRTY_OPS_DEFINE(coalesce_ops,
	.flush = (void *)coalesce_flush,
	.exit = (void *)coalesce_exit,
	.name = "coalesce",
);

char LICENSE[] SEC("license") = "GPL";
