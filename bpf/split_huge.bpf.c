// SPDX-License-Identifier: GPL-2.0
/*
 * split_huge: demote dirty 2 MiB IOPTEs to 4 KiB, so that a migration
 * resends what was written instead of whole 2 MiB pages.
 *
 * Memory mapped with 2 MiB leaves (hugetlb-backed, IOMMU_OPTION_HUGE_PAGES
 * on) has one dirty bit per 2 MiB: a device writing 64 bytes makes a
 * pre-copy round resend 2 MiB.  The flush member sees the ranges a
 * harvest has just cleared; for every whole 2 MiB inside one it calls
 * bpf_iodirty_demote(), and after the harvest the kernel replaces those
 * 2 MiB leaves by 4 KiB leaves that inherit their dirty state (nothing is
 * lost) and invalidates the IOTLB for them.  From the next round on, a
 * sparsely written 2 MiB costs only the 4 KiB pages that were written.
 *
 * Which leaves: a dirty bit says nothing about how much of the 2 MiB was
 * written, so the policy cannot tell sparse from dense before it demotes;
 * it demotes every 2 MiB leaf a harvest finds dirty.  A dense one then
 * sends the same bytes as before; the cost is a 4 KiB table per demoted
 * leaf (0.2 % of the memory) and a smaller IOTLB reach.  Ranges that are
 * already 4 KiB leaves cost the kernel one lookup per 2 MiB and nothing
 * else.  max_demotes caps the leaves demoted module-wide
 * (IODIRTY_STAT_DEMOTES), bounding the page-table memory spent.
 *
 * Its verdict is the default's: invalidate the pending ranges now.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "export.h"	/* struct iodirty_policy_exit */

#define SZ_2M		(2ULL << 20)
#define PENDING_MAX	16	/* IODIRTY_PENDING_MAX: pending_ranges <= this */

/* stop asking once this many leaves were demoted (module-wide) */
const volatile __u64 max_demotes = 65536;

__u64 flush_calls;
__u64 requests;		/* bpf_iodirty_demote() calls that were recorded */
__u64 requested_bytes;	/* bytes those covered (demoted or already 4 KiB) */
__u64 refused;		/* calls the kernel refused (e.g. -EOPNOTSUPP mock) */
struct iodirty_policy_exit uei;

SEC("struct_ops/flush")
s32 BPF_PROG(split_huge_flush, struct iodirty_flush_ctx *c)
{
	__u32 i;

	flush_calls++;
	if (bpf_iodirty_stat(IODIRTY_STAT_DEMOTES) >= max_demotes)
		goto out;
	for (i = 0; i < PENDING_MAX; i++) {
		__u64 s, e;

		if (i >= c->pending_ranges)
			break;
		/* only whole 2 MiB can be a 2 MiB leaf */
		s = (bpf_iodirty_pending_start(c, i) + SZ_2M - 1) & ~(SZ_2M - 1);
		e = bpf_iodirty_pending_end(c, i) & ~(SZ_2M - 1);
		if (e <= s)
			continue;
		if (bpf_iodirty_demote(c, s, e)) {
			refused++;
			continue;
		}
		requests++;
		requested_bytes += e - s;
	}
out:
	return c->pending_ranges ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

SEC("struct_ops/exit")
void BPF_PROG(split_huge_exit, struct iodirty_exit_info *info)
{
	IODIRTY_EXIT_RECORD(uei, info);
}

IODIRTY_OPS_DEFINE(split_huge_ops,
	.flush = (void *)split_huge_flush,
	.exit = (void *)split_huge_exit,
	.name = "split_huge",
);

char LICENSE[] SEC("license") = "GPL";
