/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libiodirty - typed wrappers for the /dev/iodirty ioctls (the
 * iommufd-compatible ones the tools need and iodirty's own extensions).
 *
 * Every function returns 0 (iodirty_open(): a file descriptor) or a
 * negative errno; errno is left as the kernel set it.  The caller keeps
 * ownership of every buffer.  iodirty_strerror() turns an error into text
 * with a hint where the cause is usually the setup rather than the call.
 */
#ifndef __LIBIODIRTY_H
#define __LIBIODIRTY_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/iommufd.h>
#include <linux/iodirty.h>

#define IODIRTY_DEV_PATH "/dev/iodirty"

int iodirty_open(void);

/* iommufd objects */
int iodirty_destroy(int fd, __u32 id);
int iodirty_ioas_alloc(int fd, __u32 *ioas_id);
int iodirty_ioas_map(int fd, __u32 ioas_id, void *buf, __u64 len, __u64 iova);
int iodirty_ioas_unmap(int fd, __u32 ioas_id, __u64 iova, __u64 len);
int iodirty_hwpt_alloc(int fd, __u32 dev_id, __u32 pt_id, __u32 flags,
		       __u32 *hwpt_id);
int iodirty_set_dirty_tracking(int fd, __u32 hwpt_id, bool enable);
int iodirty_get_dirty_bitmap(int fd, __u32 hwpt_id, __u64 iova, __u64 len,
			     __u64 page_size, void *bitmap, __u32 flags);

/* emulated devices and DMA */
int iodirty_device_create(int fd, __u32 model, __u32 flags, __u64 pgsize_bitmap,
			  __u32 *dev_id);
int iodirty_device_attach(int fd, __u32 dev_id, __u32 pt_id, __u32 *hwpt_id);
int iodirty_dma_write(int fd, __u32 dev_id, __u64 iova, __u64 len);
int iodirty_iotlb(int fd, struct iodirty_iotlb *cmd);
int iodirty_workload(int fd, struct iodirty_workload *cmd);
int iodirty_workload_stop(int fd, __u32 dev_id, struct iodirty_workload *out);

/* ground truth and harvesting */
int iodirty_oracle_reset(int fd, __u32 hwpt_id);
int iodirty_oracle_check(int fd, __u32 hwpt_id, __u64 iova, __u64 len,
			 __u64 page_size, const void *bitmap,
			 struct iodirty_oracle *out);
/*
 * The epoch check: @bitmap is what @consumer's latest harvest of the range
 * reported; every page written since that consumer's previous round must
 * be in it, or in one of the next @max_late rounds (0: 1); with
 * IODIRTY_ORACLE_ROUND_FINAL nothing may be late.  out->out_missed counts
 * the pages that were not.
 */
int iodirty_oracle_round(int fd, __u32 hwpt_id, __u32 consumer, __u64 iova,
			 __u64 len, __u64 page_size, const void *bitmap,
			 __u32 max_late, __u32 round_flags,
			 struct iodirty_oracle *out);
int iodirty_harvest(int fd, struct iodirty_harvest *cmd);

/* policy layer */
int iodirty_policy_probe(int fd, struct iodirty_policy_probe *cmd);
int iodirty_status(int fd, struct iodirty_status *out);
int iodirty_scan(int fd, struct iodirty_scan *cmd);
int iodirty_scan_op(int fd, __u32 hwpt_id, __u32 op, __u32 flags,
		    struct iodirty_scan *out);

/* names */
const char *iodirty_strerror(int err);
const char *iodirty_stat_name(unsigned int id);
const char *iodirty_exit_kind_name(__u32 kind);
const char *iodirty_exit_reason_name(__u32 reason);
const char *iodirty_model_name(__u32 model);
int iodirty_model_parse(const char *name);	/* model or -EINVAL */
const char *iodirty_pattern_name(__u32 pattern);
int iodirty_pattern_parse(const char *name);	/* pattern or -EINVAL */

#endif /* __LIBIODIRTY_H */
