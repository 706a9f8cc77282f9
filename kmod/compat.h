/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels iodirty builds for: Debian's
 * 6.12 LTS and the 7.x debug kernel (tools/kernel/).  One entry per
 * difference, each naming the version it covers.  Included by iodirty.h
 * after the kernel headers it patches.
 */
#ifndef _IODIRTY_COMPAT_H
#define _IODIRTY_COMPAT_H

#include <linux/version.h>
#include <linux/btf.h>

/*
 * >= 7.0: KF_TRUSTED_ARGS is gone; every kfunc's pointer arguments must be
 * trusted (bpf-next 1a5c01d2508a, 7646c7afd9a9).  The flag meant exactly
 * that before, so 0 keeps the same rule.
 */
#ifndef KF_TRUSTED_ARGS
#define KF_TRUSTED_ARGS 0
#endif

/*
 * >= 6.18: system_dfl_wq is the unbound system workqueue and, from 7.0,
 * system_unbound_wq is marked __WQ_DEPRECATED (the first work queued on it
 * logs "enqueued on deprecated workqueue").  Older kernels have only
 * system_unbound_wq (some 6.12.y have both; either is right there).
 */
#include <linux/workqueue.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
#define iodirty_unbound_wq	system_dfl_wq
#else
#define iodirty_unbound_wq	system_unbound_wq
#endif

#endif /* _IODIRTY_COMPAT_H */
