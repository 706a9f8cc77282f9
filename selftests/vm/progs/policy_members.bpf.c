// SPDX-License-Identifier: GPL-2.0
/*
 * policy_members: a test policy implementing every iodirty_ops member.
 * Each member records the arguments it got (globals read through the
 * skeleton's .bss, export runs through a ring buffer) and checks the
 * documented invariants of its context itself, counting violations, so
 * the loader can assert on both.  The loader picks a misbehaviour for
 * flush through `mode` (enum pt_mode) to drive the ejection paths.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"
#include "policy_test.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} runs SEC(".maps");

/* knobs */
int mode;

/* flush */
__u64 flush_calls, flush_final_calls, flush_harvest_calls;
__u64 flush_bad;			/* ctx invariant violations */
__u64 last_hwpt_id, last_pages, last_ranges, last_start, last_end, last_ns;
__u32 last_final, last_model;
__u64 last_kf_start0, last_kf_end_last, last_kf_beyond;
__u64 max_pending_pages;

/* sample */
__u64 sample_calls, sample_bad;
__u64 s_hwpt_id, s_iova, s_length, s_scan_seq, s_last_walked_seq;
__u64 s_last_dirty_pages;
__u32 s_skipped, s_max_skip;
__u64 s_min_iova = ~0ULL, s_max_end;

/* export */
__u64 export_calls, export_eos_calls, export_bytes, export_drops;
__u64 export_bad;			/* run invariant violations */
__u64 export_eos_seq;		/* scan_seq of the last end_of_scan */

/* lifecycle */
int init_calls, exit_calls;
__u64 init_flush_calls = ~0ULL;	/* flush_calls seen by init: must be 0 */
__u64 calls_after_exit;		/* member calls after exit: must be 0 */
struct pt_exit uei;

SEC("struct_ops/flush")
s32 BPF_PROG(members_flush, struct iodirty_flush_ctx *c)
{
	u64 n = c->pending_ranges;

	if (exit_calls)
		calls_after_exit++;
	flush_calls++;
	last_hwpt_id = c->hwpt_id;
	last_pages = c->pending_pages;
	last_ranges = n;
	last_start = c->pending_start;
	last_end = c->pending_end;
	last_ns = c->pending_ns;
	last_final = c->final;
	last_model = c->model;
	if (c->final)
		flush_final_calls++;
	if (c->pending_pages > max_pending_pages)
		max_pending_pages = c->pending_pages;

	if (c->hwpt_id) {
		/* a real harvest: the pending description must agree */
		flush_harvest_calls++;
		if ((c->pending_pages == 0) != (n == 0))
			flush_bad++;
		if (n && c->pending_start >= c->pending_end)
			flush_bad++;
		if (c->model >= IODIRTY_MODEL__MAX)
			flush_bad++;
		if (n) {
			last_kf_start0 = bpf_iodirty_pending_start(c, 0);
			last_kf_end_last = bpf_iodirty_pending_end(c, n - 1);
			last_kf_beyond = bpf_iodirty_pending_start(c, n) |
					 bpf_iodirty_pending_end(c, n);
			if (last_kf_start0 != c->pending_start ||
			    last_kf_end_last != c->pending_end ||
			    last_kf_beyond)
				flush_bad++;
		}
	}

	switch (mode) {
	case PT_MODE_ERROR:
		bpf_iodirty_error(PT_ERROR_CODE, PT_ERROR_MSG);
		return IODIRTY_FLUSH_RANGES;
	case PT_MODE_BAD_RETURN:
		return PT_BAD_VERDICT;
	case PT_MODE_DEFER:
		return IODIRTY_FLUSH_DEFER;
	}
	return IODIRTY_FLUSH_RANGES;
}

SEC("struct_ops/sample")
s32 BPF_PROG(members_sample, struct iodirty_sample_ctx *c)
{
	if (exit_calls)
		calls_after_exit++;
	sample_calls++;
	s_hwpt_id = c->hwpt_id;
	s_iova = c->iova;
	s_length = c->length;
	s_scan_seq = c->scan_seq;
	s_last_walked_seq = c->last_walked_seq;
	s_last_dirty_pages = c->last_dirty_pages;
	s_skipped = c->skipped;
	s_max_skip = c->max_skip;
	if (c->iova < s_min_iova)
		s_min_iova = c->iova;
	if (c->iova + c->length > s_max_end)
		s_max_end = c->iova + c->length;
	if (!c->length || !c->hwpt_id || !c->scan_seq ||
	    c->last_walked_seq >= c->scan_seq ||
	    c->skipped > c->max_skip)
		sample_bad++;
	return IODIRTY_SAMPLE_WALK;
}

SEC("struct_ops/export")
void BPF_PROG(members_export, struct iodirty_run_ctx *c)
{
	struct pt_run_rec *r;

	if (exit_calls)
		calls_after_exit++;
	export_calls++;
	if (c->end_of_scan) {
		export_eos_calls++;
		export_eos_seq = c->scan_seq;
		if (c->iova || c->length)
			export_bad++;
	} else {
		export_bytes += c->length;
		if (!c->length || !c->page_size ||
		    c->length % c->page_size || c->iova % c->page_size)
			export_bad++;
	}
	r = bpf_ringbuf_reserve(&runs, sizeof(*r), 0);
	if (!r) {
		export_drops++;
		return;
	}
	r->hwpt_id = c->hwpt_id;
	r->scan_seq = c->scan_seq;
	r->iova = c->iova;
	r->length = c->length;
	r->page_size = c->page_size;
	r->end_of_scan = c->end_of_scan;
	r->seq = export_calls;
	bpf_ringbuf_submit(r, 0);
}

SEC("struct_ops/init")
s32 BPF_PROG(members_init)
{
	init_calls++;
	init_flush_calls = flush_calls + sample_calls + export_calls;
	return 0;
}

SEC("struct_ops/exit")
void BPF_PROG(members_exit, struct iodirty_exit_info *info)
{
	exit_calls++;
	IODIRTY_EXIT_RECORD(uei, info);
}

IODIRTY_OPS_DEFINE(members_ops,
	.flush = (void *)members_flush,
	.sample = (void *)members_sample,
	.export = (void *)members_export,
	.init = (void *)members_init,
	.exit = (void *)members_exit,
	.name = "policy_members",
);

char LICENSE[] SEC("license") = "GPL";
