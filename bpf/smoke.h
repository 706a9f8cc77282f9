/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Record the smoke policy writes to its ring buffer for every flush call. */
#ifndef __IODIRTY_SMOKE_H
#define __IODIRTY_SMOKE_H

#define SMOKE_MAGIC 0x10d1127fULL

struct smoke_event {
	unsigned long long magic;
	unsigned long long pending_pages;
	unsigned long long pending_ranges;
	unsigned long long pending_start;
	unsigned long long pending_end;
	unsigned long long calls_before;	/* bpf_iodirty_stat(POLICY_CALLS) */
};

#endif /* __IODIRTY_SMOKE_H */
