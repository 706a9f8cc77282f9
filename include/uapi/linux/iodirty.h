/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iodirty extension UAPI on /dev/iodirty.
 *
 * The iommufd-compatible commands use IOMMUFD_TYPE (';') numbers
 * 0x80..0xa0 exactly as Linux 6.12.  iodirty's own commands live in their
 * own range starting at IODIRTY_CMD_BASE and follow the same rules as
 * iommufd:
 *  - every command is _IO(';', nr); the argument starts with __u32 size;
 *  - size below the last mandatory field -> EINVAL;
 *  - a longer struct whose unknown tail is not zero -> E2BIG;
 *  - unknown flags, non-zero __reserved fields -> EOPNOTSUPP.
 */
#ifndef _UAPI_LINUX_IODIRTY_H
#define _UAPI_LINUX_IODIRTY_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define IODIRTY_TYPE		';'
#define IODIRTY_CMD_BASE	0xc0

/**
 * enum iodirty_flush_verdict - answers of iodirty_ops.flush
 * @IODIRTY_FLUSH_DEFER: leave the cleared ranges pending for now
 * @IODIRTY_FLUSH_RANGES: invalidate exactly the pending ranges
 * @IODIRTY_FLUSH_DOMAIN: invalidate the whole domain
 * @IODIRTY_FLUSH__MAX: first invalid value
 *
 * Whatever the answer, the kernel invalidates everything cleared before a
 * harvest returns: DEFER only lets ranges accumulate within one harvest.
 */
enum iodirty_flush_verdict {
	IODIRTY_FLUSH_DEFER = 0,
	IODIRTY_FLUSH_RANGES = 1,
	IODIRTY_FLUSH_DOMAIN = 2,
	IODIRTY_FLUSH__MAX,
};

/**
 * enum iodirty_exit_kind - why a policy stopped
 * @IODIRTY_EXIT_NONE: still running
 * @IODIRTY_EXIT_UNREG: detached by userspace (link closed or detached)
 * @IODIRTY_EXIT_ERROR: ejected by the kernel (see reason and message)
 */
enum iodirty_exit_kind {
	IODIRTY_EXIT_NONE = 0,
	IODIRTY_EXIT_UNREG = 64,
	IODIRTY_EXIT_ERROR = 1024,
};

/* Module-wide counters, readable through the bpf_iodirty_stat() kfunc. */
enum iodirty_stat {
	IODIRTY_STAT_POLICY_CALLS = 0,
	IODIRTY_STAT_DEFAULT_CALLS = 1,
	IODIRTY_STAT_ATTACHES = 2,
	IODIRTY_STAT_DETACHES = 3,
	IODIRTY_STAT__MAX,
};

/*
 * IOMMU_GET_HW_INFO data types of the emulated ARM SMMUv3 and AMD IOMMUs.
 * Linux 6.12 has no types for them; these are the values later kernels
 * use (IOMMU_HW_INFO_TYPE_ARM_SMMUV3, IOMMU_HW_INFO_TYPE_AMD).
 */
#define IODIRTY_HW_INFO_TYPE_ARM_SMMUV3	2
#define IODIRTY_HW_INFO_TYPE_AMD	4

enum {
	IODIRTY_CMD_POLICY_PROBE = IODIRTY_CMD_BASE,
};

/**
 * enum iodirty_probe_op - which policy member IODIRTY_POLICY_PROBE calls
 * @IODIRTY_PROBE_FLUSH: the flush decision, with synthetic pending state
 */
enum iodirty_probe_op {
	IODIRTY_PROBE_FLUSH = 1,
};

/**
 * struct iodirty_policy_probe - IODIRTY_POLICY_PROBE
 * @size: sizeof(struct iodirty_policy_probe)
 * @flags: must be 0
 * @op: enum iodirty_probe_op
 * @__reserved: must be 0
 * @pending_pages: synthetic input: pages cleared and awaiting invalidation
 * @pending_ranges: synthetic input: number of cleared ranges
 * @pending_start: synthetic input: lowest cleared IOVA
 * @pending_end: synthetic input: end of the highest cleared range
 * @out_verdict: the decision (enum iodirty_flush_verdict)
 * @out_policy: 0 when the built-in default answered, 1 for a BPF policy
 * @out_calls: policy calls made by the module since load, this one
 *	included (what bpf_iodirty_stat(IODIRTY_STAT_POLICY_CALLS) reads)
 * @out_name: name of the policy that answered, NUL-terminated
 *
 * Calls a member of the attached iodirty_ops policy, or the built-in
 * default when none is attached, the way a harvest would.  Used by the
 * smoke test and by policy authors to check a policy in isolation.
 */
struct iodirty_policy_probe {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 __reserved;
	__aligned_u64 pending_pages;
	__aligned_u64 pending_ranges;
	__aligned_u64 pending_start;
	__aligned_u64 pending_end;
	__u32 out_verdict;
	__u32 out_policy;
	__aligned_u64 out_calls;
	char out_name[32];
};
#define IODIRTY_POLICY_PROBE	_IO(IODIRTY_TYPE, IODIRTY_CMD_POLICY_PROBE)

#endif /* _UAPI_LINUX_IODIRTY_H */
