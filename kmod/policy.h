/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty's BPF policy interface: the iodirty_ops struct_ops type and the
 * contexts its members receive.  BPF programs see these types through the
 * module's BTF (build/bpf/vmlinux.h); constants shared with userspace are
 * in include/uapi/linux/iodirty.h.
 *
 * The division of labour follows sched_ext: the kernel owns correctness
 * (every cleared dirty bit is invalidated before a harvest returns; a
 * skipped scan region keeps its dirty bits and is walked at the latest
 * after max_skip scans; GET_DIRTY_BITMAP is always exact and never
 * sampled), BPF only tunes cost.  A policy that misbehaves is ejected and
 * the built-in default takes over; see policy.c.
 */
#ifndef _IODIRTY_POLICY_H
#define _IODIRTY_POLICY_H

#include <linux/bpf.h>
#include <linux/types.h>

#define IODIRTY_OPS_NAME_LEN	32
#define IODIRTY_EXIT_MSG_LEN	128
#define IODIRTY_OPS_DEFAULT_TIMEOUT_MS	250
#define IODIRTY_OPS_MAX_TIMEOUT_MS	1000

/**
 * struct iodirty_flush_ctx - input of iodirty_ops.flush (read-only)
 * @hwpt_id: global ID of the domain being harvested (0 for a probe)
 * @pending_pages: granules cleared and not yet invalidated
 * @pending_ranges: disjoint cleared ranges awaiting invalidation
 * @pending_start: lowest pending IOVA
 * @pending_end: end (exclusive) of the highest pending range
 * @pending_ns: time since the oldest pending clear
 * @final: 1 on the last call of a harvest: whatever is still pending when
 *	the member returns is invalidated by the kernel (the floor)
 * @model: the domain's enum iodirty_model
 */
struct iodirty_flush_ctx {
	u64 hwpt_id;
	u64 pending_pages;
	u64 pending_ranges;
	u64 pending_start;
	u64 pending_end;
	u64 pending_ns;
	u32 final;
	u32 model;
};

/**
 * struct iodirty_sample_ctx - input of iodirty_ops.sample (read-only)
 * @hwpt_id: global ID of the domain being scanned
 * @iova: start of the candidate region
 * @length: region length
 * @scan_seq: number of this scan of the domain (from 1)
 * @last_walked_seq: scan that last walked the region, 0 if never
 * @last_dirty_pages: dirty granules found the last time it was walked
 * @skipped: consecutive scans that skipped the region so far
 * @max_skip: the kernel walks the region regardless once @skipped reaches
 *	this (the sampling floor)
 */
struct iodirty_sample_ctx {
	u64 hwpt_id;
	u64 iova;
	u64 length;
	u64 scan_seq;
	u64 last_walked_seq;
	u64 last_dirty_pages;
	u32 skipped;
	u32 max_skip;
};

/**
 * struct iodirty_run_ctx - input of iodirty_ops.export (read-only)
 * @hwpt_id: global ID of the domain being scanned
 * @scan_seq: the scan that found the run
 * @iova: first dirty byte (0 with @end_of_scan)
 * @length: bytes (0 with @end_of_scan)
 * @page_size: the domain's granule: the run covers length/page_size pages
 * @end_of_scan: 1 for the single call made after a scan's last run
 * @__pad: reserved
 */
struct iodirty_run_ctx {
	u64 hwpt_id;
	u64 scan_seq;
	u64 iova;
	u64 length;
	u64 page_size;
	u32 end_of_scan;
	u32 __pad;
};

/**
 * struct iodirty_exit_info - why a policy stopped; passed to
 * iodirty_ops.exit and kept for IODIRTY_STATUS
 * @kind: enum iodirty_exit_kind
 * @reason: enum iodirty_exit_reason
 * @code: the code a policy passed to bpf_iodirty_error(), else 0
 * @msg: human-readable explanation naming the policy and the member
 */
struct iodirty_exit_info {
	u32 kind;
	u32 reason;
	s64 code;
	char msg[IODIRTY_EXIT_MSG_LEN];
};

/**
 * struct iodirty_bitmap_chunk - header bpf_iodirty_fill_bitmap() writes
 * @hwpt_id: domain
 * @iova: IOVA of bit 0 of @bits
 * @page_size: IOVA bytes per bit
 * @nbits: valid bits in @bits
 * @scan_seq: the scan
 * @bits: little-endian bitmap (as GET_DIRTY_BITMAP)
 */
struct iodirty_bitmap_chunk {
	u64 hwpt_id;
	u64 iova;
	u64 page_size;
	u32 nbits;
	u32 scan_seq;
	u8 bits[];
};

/**
 * struct iodirty_domain_info - what bpf_iodirty_domain_info() reports
 * @model: enum iodirty_model
 * @granule: smallest leaf size
 * @dirty_tracking: 1 while tracking is enabled
 * @harvests: harvests (GET_DIRTY_BITMAP, HARVEST, scans) so far
 * @scans: background scans so far
 * @flushes: IOTLB invalidations issued for the domain
 * @flushed_bytes: IOVA bytes those covered
 * @floor_flushes: invalidations the kernel added because a policy left
 *	cleared ranges pending at the end of a harvest
 * @iotlb_hits: sum over attached devices
 * @iotlb_misses: sum over attached devices
 * @inv_cost_ns: modelled invalidation cost, sum over attached devices
 */
struct iodirty_domain_info {
	u32 model;
	u32 granule;
	u32 dirty_tracking;
	u32 __pad;
	u64 harvests;
	u64 scans;
	u64 flushes;
	u64 flushed_bytes;
	u64 floor_flushes;
	u64 iotlb_hits;
	u64 iotlb_misses;
	u64 inv_cost_ns;
};

/**
 * struct iodirty_ops - a BPF dirty-tracking policy (struct_ops)
 *
 * All members are optional except @flush, run without sleeping and with
 * preemption disabled, and must return within @timeout_ms.  A policy is
 * ejected (the built-in default takes over, @exit is called with an ERROR
 * kind) when a member returns a value outside its documented range,
 * overruns its timeout, misuses a kfunc, or calls bpf_iodirty_error().
 *
 * Every member is bounded by construction: programs using bpf_loop or any
 * other callback-taking helper, bpf_tail_call, open-coded iterators
 * (bpf_for(), bpf_iter_*), callback-taking kfuncs or may_goto (can_loop)
 * are refused at load, so the verifier's 1M-instruction limit bounds each
 * call (see kfuncs.c).  The timeout then ejects a policy that is merely
 * slow; it is checked when the member returns.
 *
 * @flush: during a harvest, decide what to do with the cleared ranges that
 *	await IOTLB invalidation: return IODIRTY_FLUSH_RANGES (invalidate
 *	exactly the pending ranges now), IODIRTY_FLUSH_DOMAIN (invalidate the
 *	whole domain now) or IODIRTY_FLUSH_DEFER (keep them pending; the
 *	policy may have invalidated some itself with bpf_iodirty_flush_range()).
 *	Called when the pending set is full and once with @ctx->final = 1 at
 *	the end of the harvest; anything still pending after the final call
 *	is invalidated by the kernel before the harvest returns.  It may also
 *	ask, with bpf_iodirty_demote(), for the 2 MiB leaves of a range to be
 *	demoted to 4 KiB leaves once the harvest is over (harvest_demote.c).
 * @sample: during a background scan, decide for one region whether to
 *	walk it (return 1) or skip it this time (return 0).  A skipped region
 *	keeps its dirty bits for a later scan; after @ctx->max_skip
 *	consecutive skips the kernel walks it anyway.  Never consulted by
 *	GET_DIRTY_BITMAP / HARVEST, which are always exact.
 * @export: called for each coalesced dirty run a background scan finds,
 *	then once with @ctx->end_of_scan = 1.  The policy may write records to
 *	its own BPF ring buffer (bpf_iodirty_fill_bitmap() fills a bitmap
 *	chunk) and aggregate in maps.  Its return value is ignored.
 * @init: called once at attach (or at replacement, for the new policy)
 *	before any other member; a negative errno return refuses the attach
 *	with that errno, a positive one with EINVAL; overrunning @timeout_ms
 *	refuses it with ETIMEDOUT.
 * @exit: called once when the policy stops: detach, replacement, admin
 *	disable or ejection; @info says which and why.  Overrunning
 *	@timeout_ms is logged (there is nothing left to eject).
 * @flags: must be 0; unknown bits are refused at load.
 * @timeout_ms: longest a single call of any member, init and exit
 *	included, may take (0: IODIRTY_OPS_DEFAULT_TIMEOUT_MS; at most
 *	IODIRTY_OPS_MAX_TIMEOUT_MS, far below the 20 s soft-lockup and 21 s
 *	RCU-stall thresholds).
 * @name: policy name, [A-Za-z0-9_.-], non-empty; shown by IODIRTY_STATUS
 *	and in exit messages.
 */
struct iodirty_ops {
	s32 (*flush)(struct iodirty_flush_ctx *ctx);
	s32 (*sample)(struct iodirty_sample_ctx *ctx);
	void (*export)(struct iodirty_run_ctx *ctx);
	s32 (*init)(void);
	void (*exit)(struct iodirty_exit_info *info);
	u64 flags;
	u32 timeout_ms;
	char name[IODIRTY_OPS_NAME_LEN];
};

/* kfuncs.c: which programs and values may be a policy */
extern const struct bpf_verifier_ops iodirty_ops_verifier_ops;
int iodirty_ops_check_member(const struct btf_type *t,
			     const struct btf_member *member,
			     const struct bpf_prog *prog);
int iodirty_ops_init_member(const struct btf_type *t,
			    const struct btf_member *member,
			    void *kdata, const void *udata);

#endif /* _IODIRTY_POLICY_H */
