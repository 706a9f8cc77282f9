/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the policy selftests (prog_tests/policy_*.c):
 * IODIRTY_STATUS / POLICY_PROBE / SCAN wrappers, the bpf_policies switch,
 * and a DMA environment whose harvests are OR-ed into one bitmap that the
 * oracle checks at the end.  Implemented in policy_util.c.
 */
#ifndef __IODIRTY_POLICY_UTIL_H
#define __IODIRTY_POLICY_UTIL_H

#include "../emu_util.h"

#define POL_SYSFS_ENABLE "/sys/module/iodirty/parameters/bpf_policies"

int pol_status(int fd, struct iodirty_status *st);
__u64 pol_stat(int fd, unsigned int id);
int pol_probe(int fd, struct iodirty_policy_probe *p, __u64 pages);
/* wait up to @ms for *@counter to reach @want (exit() runs from a work item) */
bool pol_wait_for(volatile int *counter, int want, int ms);
int pol_set_bpf_enabled(int on);
int pol_get_bpf_enabled(void);
int pol_scan(int fd, __u32 op, __u32 hwpt, __u32 flags, __u32 period_ms,
	     __u64 region_size, __u32 max_skip, struct iodirty_scan *out);

/*
 * Assert IODIRTY_STATUS's last exit (kind, reason, code, and that the
 * message contains @msg_part), that no BPF policy is attached, and that a
 * probe is answered by the built-in default.
 */
void pol_check_ejected(int fd, __u32 kind, __u32 reason, __s64 code,
		       const char *msg_part);

/* IOAS + buffer of @npages 4 KiB pages + dirty HWPT, tracking on */
struct pol_env {
	struct emu_env e;
	void *buf;
	__u64 npages;
	__u8 *acc;	/* OR of every harvest since the last oracle reset */
	__u8 *tmp;
};

bool pol_env_setup(struct pol_env *pe, __u64 npages);
void pol_env_teardown(struct pol_env *pe);
/* oracle reset + forget the accumulated bitmap */
bool pol_env_reset(struct pol_env *pe);
/* DMA-write 16 bytes into every @step-th page from page @first */
bool pol_env_write(struct pol_env *pe, __u64 first, __u64 step);
/* GET_DIRTY_BITMAP of the whole buffer, OR-ed into acc; -1 on error */
int pol_env_harvest(struct pol_env *pe);
/* Mark [iova, iova+len) in acc (runs exported by a policy) */
void pol_env_mark(struct pol_env *pe, __u64 iova, __u64 len);
/* the HWPT's global ID (hwpt_id in BPF contexts and tracepoints) */
__u64 pol_env_gid(struct pol_env *pe);
/* ORACLE CHECK of acc: asserts 0 missed; returns pages written or -1 */
long long pol_env_check(struct pol_env *pe, const char *tag);

/*
 * Kernel log: pol_kmsg_open() opens /dev/kmsg positioned at its end (-1 on
 * error); pol_kmsg_count() reads what was logged since and returns how many
 * records contain @needle, copying the first into @first (may be NULL).
 */
int pol_kmsg_open(void);
int pol_kmsg_count(int fd, const char *needle, char *first, size_t n);

#endif /* __IODIRTY_POLICY_UTIL_H */
