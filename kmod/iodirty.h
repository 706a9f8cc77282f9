/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty internal header: shared by the module's object files.
 */
#ifndef _IODIRTY_INTERNAL_H
#define _IODIRTY_INTERNAL_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <uapi/linux/iodirty.h>

#define IODIRTY_OPS_NAME_LEN	32

/**
 * struct iodirty_flush_ctx - read-only input of iodirty_ops.flush
 * @hwpt_id: object ID of the HWPT being harvested (0 for a probe)
 * @pending_pages: pages cleared and not yet invalidated
 * @pending_ranges: number of disjoint cleared ranges
 * @pending_start: lowest pending IOVA
 * @pending_end: end (exclusive) of the highest pending range
 * @pending_ns: time since the oldest pending clear, in ns
 */
struct iodirty_flush_ctx {
	u64 hwpt_id;
	u64 pending_pages;
	u64 pending_ranges;
	u64 pending_start;
	u64 pending_end;
	u64 pending_ns;
};

/**
 * struct iodirty_exit_info - passed to iodirty_ops.exit and kept for
 * userspace (sysfs and the status ioctl) after the policy is gone
 * @kind: enum iodirty_exit_kind
 * @reason: a reason code, 0 for a plain detach
 * @msg: human-readable explanation
 */
struct iodirty_exit_info {
	u32 kind;
	s32 reason;
	char msg[128];
};

/**
 * struct iodirty_ops - a BPF dirty-tracking policy (struct_ops)
 * @flush: decide what to invalidate of the cleared-but-not-yet-flushed
 *	ranges of a harvest.  Returns an enum iodirty_flush_verdict; any
 *	other value ejects the policy.  Called without sleeping.
 * @init: called once when the policy is attached, before any other
 *	member; a non-zero return refuses the attach with that errno.
 * @exit: called once when the policy stops, with the reason.
 * @flags: must be 0 (no flags are defined yet; unknown bits are refused)
 * @timeout_ms: upper bound the kernel grants a single member call
 *	(0 = default)
 * @name: policy name, [A-Za-z0-9_.-], shown in status and exit info
 */
struct iodirty_ops {
	s32 (*flush)(struct iodirty_flush_ctx *ctx);
	s32 (*init)(void);
	void (*exit)(struct iodirty_exit_info *info);
	u64 flags;
	u32 timeout_ms;
	char name[IODIRTY_OPS_NAME_LEN];
};

extern atomic64_t iodirty_stats[IODIRTY_STAT__MAX];

static inline void iodirty_stat_inc(enum iodirty_stat s)
{
	atomic64_inc(&iodirty_stats[s]);
}

/* policy.c */
int iodirty_policy_init(void);
void iodirty_policy_exit(void);
int iodirty_policy_flush(struct iodirty_flush_ctx *ctx, bool *from_bpf,
			 char *name, size_t name_len);

/* kfuncs.c */
int iodirty_kfuncs_init(void);

/* ioctl handlers */
struct iodirty_ucmd {
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int iodirty_ucmd_respond(struct iodirty_ucmd *ucmd, size_t cmd_len);
int iodirty_policy_probe_ioctl(struct iodirty_ucmd *ucmd);

#endif /* _IODIRTY_INTERNAL_H */
