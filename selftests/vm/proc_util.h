/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Process-level helpers the in-VM test binaries share (test_progs, the
 * UAPI kselftests, the ioctl fuzzer): dropping capabilities and reading
 * what the kernel charges this process for pinned pages.  Header only.
 */
#ifndef __IODIRTY_PROC_UTIL_H
#define __IODIRTY_PROC_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

/*
 * Drop @n capabilities from the effective, permitted, inheritable and
 * bounding sets of this process (for a child that plays an unprivileged
 * caller).  Returns 0, or -errno / -EPERM if one is still effective.
 */
static inline int proc_drop_caps(const int *caps, int n)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	int i;

	if (syscall(SYS_capget, &h, d))
		return -errno;
	for (i = 0; i < n; i++) {
		__u32 m = ~(1u << (caps[i] % 32));

		d[caps[i] / 32].effective &= m;
		d[caps[i] / 32].permitted &= m;
		d[caps[i] / 32].inheritable &= m;
		prctl(PR_CAPBSET_DROP, caps[i], 0, 0, 0);
	}
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	for (i = 0; i < n; i++)
		if (d[caps[i] / 32].effective & (1u << (caps[i] % 32)))
			return -EPERM;
	return 0;
}

/* VmPin of this process (its mm->pinned_vm), in kB; -1 if unreadable */
static inline long proc_vmpin_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#endif /* __IODIRTY_PROC_UTIL_H */
