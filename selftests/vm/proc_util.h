/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Process-level helpers the in-VM test binaries share (test_progs, the
 * UAPI kselftests, the ioctl fuzzer): dropping capabilities, reading
 * what the kernel charges this process for pinned pages, and reading and
 * writing parameter knobs.  Header only.
 */
#ifndef __IODIRTY_PROC_UTIL_H
#define __IODIRTY_PROC_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

/*
 * A sysfs / debugfs / procfs knob: if @old, read its first line into @old
 * (@n bytes, newline dropped); then, if @val, write @val.  Attribute files
 * are often not seekable, so each direction is its own open.  Returns 0 or
 * -errno.
 */
static inline int proc_knob_rw(const char *path, char *old, size_t n,
			       const char *val)
{
	ssize_t r;
	int fd;

	if (old) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -errno;
		r = read(fd, old, n - 1);
		close(fd);
		old[r > 0 ? r : 0] = 0;
		old[strcspn(old, "\n")] = 0;
	}
	if (!val)
		return 0;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	r = write(fd, val, strlen(val));
	close(fd);
	return r < 0 ? -errno : 0;
}

#endif /* __IODIRTY_PROC_UTIL_H */
