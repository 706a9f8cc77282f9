/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty.bpf.h - what an iodirty BPF program needs besides vmlinux.h:
 * kfunc declarations and small helpers for writing iodirty_ops policies.
 *
 * Types (struct iodirty_ops, iodirty_*_ctx, iodirty_exit_info, enums) come
 * from vmlinux.h, generated from the kernel's and iodirty.ko's BTF.
 *
 * kfunc sets:
 *  - read-only (struct_ops, tracing and syscall programs):
 *    bpf_iodirty_stat(), bpf_iodirty_domain_info()
 *  - policy (iodirty_ops struct_ops programs only; each also checks at run
 *    time that it is called from the member it belongs to, and ejects the
 *    policy otherwise):
 *    bpf_iodirty_flush_range(), bpf_iodirty_pending_start/end(),
 *    bpf_iodirty_demote() (flush),
 *    bpf_iodirty_fill_bitmap() (export), bpf_iodirty_error() (any member)
 */
#ifndef __IODIRTY_BPF_H
#define __IODIRTY_BPF_H

/* A module counter (enum iodirty_stat); 0 for an unknown id. */
extern u64 bpf_iodirty_stat(u32 id) __ksym;

/*
 * Fill @info (struct iodirty_domain_info) for the domain with global ID
 * @hwpt_id (the hwpt_id of every ctx and tracepoint).  Returns 0, -ENOENT
 * for no such domain, -EINVAL for a short buffer.
 */
extern int bpf_iodirty_domain_info(u64 hwpt_id, struct iodirty_domain_info *info,
				   u32 info__sz) __ksym;

/*
 * flush only: invalidate [start, end) now.  Pending ranges it covers stop
 * being pending.  Returns 0, -EINVAL for an empty range.
 */
extern int bpf_iodirty_flush_range(struct iodirty_flush_ctx *ctx, u64 start,
				   u64 end) __ksym;

/*
 * flush only: after this harvest, demote every 2 MiB leaf wholly inside
 * [start, end) into 4 KiB leaves that keep its dirty state (the kernel
 * invalidates the IOTLB for them); later harvests report 4 KiB there.
 * Returns 0, -EINVAL empty range, -EOPNOTSUPP no 2 MiB leaves in this
 * format (mock), -ENOSPC more than 64 disjoint requests in one harvest.
 */
extern int bpf_iodirty_demote(struct iodirty_flush_ctx *ctx, u64 start,
			      u64 end) __ksym;

/* flush only: bounds of pending range @idx (< ctx->pending_ranges), else 0 */
extern u64 bpf_iodirty_pending_start(struct iodirty_flush_ctx *ctx, u32 idx) __ksym;
extern u64 bpf_iodirty_pending_end(struct iodirty_flush_ctx *ctx, u32 idx) __ksym;

/*
 * export only: write a struct iodirty_bitmap_chunk header and bitmap into
 * @dst (e.g. ring-buffer memory) covering the run in ctx, starting at its
 * first page; returns the number of pages covered (<= the run; call again
 * for the rest is not possible: size records for the runs you expect), or
 * -EINVAL when @dst__sz cannot hold the header and one byte of bits.
 */
extern int bpf_iodirty_fill_bitmap(struct iodirty_run_ctx *ctx, void *dst,
				   u32 dst__sz) __ksym;

/*
 * Any member: eject this policy now with kind IODIRTY_EXIT_ERROR_BPF, the
 * given code and message (a constant string).  The default policy takes
 * over before the member even returns.
 */
extern void bpf_iodirty_error(s64 code, const char *msg__str) __ksym;

#define IODIRTY_OPS_DEFINE(__name, ...)					\
	SEC(".struct_ops.link")						\
	struct iodirty_ops __name = { __VA_ARGS__ }

/*
 * Exit info record, UEI style: a policy copies what its exit member gets
 * into a global, so the loader can print it from the skeleton's .bss.
 */
#define IODIRTY_EXIT_DEFINE(__var) struct iodirty_exit_info __var
#define IODIRTY_EXIT_RECORD(__var, __info)				\
	do {								\
		(__var).kind = (__info)->kind;				\
		(__var).reason = (__info)->reason;			\
		(__var).code = (__info)->code;				\
		bpf_probe_read_kernel_str((__var).msg, sizeof((__var).msg), \
					  (__info)->msg);		\
	} while (0)

#endif /* __IODIRTY_BPF_H */
