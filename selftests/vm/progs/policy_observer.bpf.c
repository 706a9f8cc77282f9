// SPDX-License-Identifier: GPL-2.0
/*
 * policy_observer: the read-only kfuncs from non-policy programs.  A
 * tp_btf program on iodirty_harvest_end reads bpf_iodirty_stat() on every
 * harvest; a SEC("syscall") program, run with BPF_PROG_TEST_RUN, reads a
 * counter and a domain's info on demand.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iodirty.bpf.h"

__u64 tp_hits, tp_harvests_stat, tp_hwpt_id;
__u64 run_filter_hwpt;	/* record runs of this domain (0: none) */
__u64 tp_runs, tp_run_drops;

/* dirty runs as the scanner finds them, whoever the policy is */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} tp_run_rb SEC(".maps");

struct tp_run_rec {
	u64 iova, length, scan_seq;
};

SEC("tp_btf/iodirty_dirty_run")
int BPF_PROG(observe_dirty_run, u64 hwpt_id, u64 iova, u64 length,
	     u64 scan_seq)
{
	struct tp_run_rec *r;

	if (!run_filter_hwpt || hwpt_id != run_filter_hwpt)
		return 0;
	tp_runs++;
	r = bpf_ringbuf_reserve(&tp_run_rb, sizeof(*r), 0);
	if (!r) {
		tp_run_drops++;
		return 0;
	}
	r->iova = iova;
	r->length = length;
	r->scan_seq = scan_seq;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/iodirty_harvest_end")
int BPF_PROG(observe_harvest_end, u64 hwpt_id)
{
	tp_hits++;
	tp_hwpt_id = hwpt_id;
	tp_harvests_stat = bpf_iodirty_stat(IODIRTY_STAT_HARVESTS);
	return 0;
}

struct observer_args {
	u64 hwpt_id;
	u32 stat_id;
	u32 __pad;
	u64 out_stat;
	s64 out_info_ret;
	struct iodirty_domain_info out_info;
};

SEC("syscall")
int observe_syscall(struct observer_args *args)
{
	struct iodirty_domain_info info = {};

	args->out_stat = bpf_iodirty_stat(args->stat_id);
	args->out_info_ret = bpf_iodirty_domain_info(args->hwpt_id, &info,
						     sizeof(info));
	args->out_info = info;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
