// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libiodirty - typed wrappers for the /dev/iodirty ioctls.  See
 * libiodirty.h for the conventions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "libiodirty.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int iodirty_open(void)
{
	int fd = open(IODIRTY_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int iodirty_destroy(int fd, __u32 id)
{
	struct iommu_destroy c = { .size = sizeof(c), .id = id };

	return do_ioctl(fd, IOMMU_DESTROY, &c);
}

int iodirty_ioas_alloc(int fd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc c = { .size = sizeof(c) };
	int err = do_ioctl(fd, IOMMU_IOAS_ALLOC, &c);

	if (!err)
		*ioas_id = c.out_ioas_id;
	return err;
}

int iodirty_ioas_map(int fd, __u32 ioas_id, void *buf, __u64 len, __u64 iova)
{
	struct iommu_ioas_map c = {
		.size = sizeof(c), .ioas_id = ioas_id,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)buf, .length = len, .iova = iova,
	};

	return do_ioctl(fd, IOMMU_IOAS_MAP, &c);
}

int iodirty_ioas_unmap(int fd, __u32 ioas_id, __u64 iova, __u64 len)
{
	struct iommu_ioas_unmap c = {
		.size = sizeof(c), .ioas_id = ioas_id, .iova = iova,
		.length = len,
	};

	return do_ioctl(fd, IOMMU_IOAS_UNMAP, &c);
}

int iodirty_hwpt_alloc(int fd, __u32 dev_id, __u32 pt_id, __u32 flags,
		       __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc c = {
		.size = sizeof(c), .flags = flags, .dev_id = dev_id,
		.pt_id = pt_id,
	};
	int err = do_ioctl(fd, IOMMU_HWPT_ALLOC, &c);

	if (!err)
		*hwpt_id = c.out_hwpt_id;
	return err;
}

int iodirty_set_dirty_tracking(int fd, __u32 hwpt_id, bool enable)
{
	struct iommu_hwpt_set_dirty_tracking c = {
		.size = sizeof(c), .hwpt_id = hwpt_id,
		.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
	};

	return do_ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &c);
}

int iodirty_get_dirty_bitmap(int fd, __u32 hwpt_id, __u64 iova, __u64 len,
			     __u64 page_size, void *bitmap, __u32 flags)
{
	struct iommu_hwpt_get_dirty_bitmap c = {
		.size = sizeof(c), .hwpt_id = hwpt_id, .flags = flags,
		.iova = iova, .length = len, .page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return do_ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &c);
}

int iodirty_device_create(int fd, __u32 model, __u32 flags, __u64 pgsize_bitmap,
			  __u32 *dev_id)
{
	struct iodirty_device_create c = {
		.size = sizeof(c), .flags = flags, .model = model,
		.pgsize_bitmap = pgsize_bitmap,
	};
	int err = do_ioctl(fd, IODIRTY_DEVICE_CREATE, &c);

	if (!err)
		*dev_id = c.out_dev_id;
	return err;
}

int iodirty_device_attach(int fd, __u32 dev_id, __u32 pt_id, __u32 *hwpt_id)
{
	struct iodirty_device_attach c = {
		.size = sizeof(c), .dev_id = dev_id, .pt_id = pt_id,
	};
	int err = do_ioctl(fd, IODIRTY_DEVICE_ATTACH, &c);

	if (!err && hwpt_id)
		*hwpt_id = c.out_hwpt_id;
	return err;
}

int iodirty_dma_write(int fd, __u32 dev_id, __u64 iova, __u64 len)
{
	struct iodirty_dma c = {
		.size = sizeof(c), .flags = IODIRTY_DMA_WRITE, .dev_id = dev_id,
		.iova = iova, .length = len,
	};

	return do_ioctl(fd, IODIRTY_DMA, &c);
}

int iodirty_iotlb(int fd, struct iodirty_iotlb *cmd)
{
	cmd->size = sizeof(*cmd);
	return do_ioctl(fd, IODIRTY_IOTLB, cmd);
}

int iodirty_workload(int fd, struct iodirty_workload *cmd)
{
	cmd->size = sizeof(*cmd);
	return do_ioctl(fd, IODIRTY_WORKLOAD, cmd);
}

int iodirty_workload_stop(int fd, __u32 dev_id, struct iodirty_workload *out)
{
	memset(out, 0, sizeof(*out));
	out->op = IODIRTY_WORKLOAD_STOP;
	out->dev_id = dev_id;
	return iodirty_workload(fd, out);
}

int iodirty_oracle_reset(int fd, __u32 hwpt_id)
{
	struct iodirty_oracle c = {
		.size = sizeof(c), .op = IODIRTY_ORACLE_RESET,
		.hwpt_id = hwpt_id,
	};

	return do_ioctl(fd, IODIRTY_ORACLE, &c);
}

/* CHECK and ROUND take the same range and bitmap */
static void oracle_range(struct iodirty_oracle *out, __u32 op, __u32 hwpt_id,
			 __u64 iova, __u64 len, __u64 page_size,
			 const void *bitmap)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->op = op;
	out->hwpt_id = hwpt_id;
	out->iova = iova;
	out->length = len;
	out->page_size = page_size;
	out->data = (uintptr_t)bitmap;
}

int iodirty_oracle_check(int fd, __u32 hwpt_id, __u64 iova, __u64 len,
			 __u64 page_size, const void *bitmap,
			 struct iodirty_oracle *out)
{
	oracle_range(out, IODIRTY_ORACLE_CHECK, hwpt_id, iova, len, page_size,
		     bitmap);
	return do_ioctl(fd, IODIRTY_ORACLE, out);
}

int iodirty_oracle_round(int fd, __u32 hwpt_id, __u32 consumer, __u64 iova,
			 __u64 len, __u64 page_size, const void *bitmap,
			 __u32 max_late, __u32 round_flags,
			 struct iodirty_oracle *out)
{
	oracle_range(out, IODIRTY_ORACLE_ROUND, hwpt_id, iova, len, page_size,
		     bitmap);
	out->consumer = consumer;
	out->max_late = max_late;
	out->round_flags = round_flags;
	return do_ioctl(fd, IODIRTY_ORACLE, out);
}

int iodirty_harvest(int fd, struct iodirty_harvest *cmd)
{
	cmd->size = sizeof(*cmd);
	return do_ioctl(fd, IODIRTY_HARVEST, cmd);
}

int iodirty_policy_probe(int fd, struct iodirty_policy_probe *cmd)
{
	cmd->size = sizeof(*cmd);
	return do_ioctl(fd, IODIRTY_POLICY_PROBE, cmd);
}

int iodirty_status(int fd, struct iodirty_status *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	return do_ioctl(fd, IODIRTY_STATUS, out);
}

int iodirty_scan(int fd, struct iodirty_scan *cmd)
{
	cmd->size = sizeof(*cmd);
	return do_ioctl(fd, IODIRTY_SCAN, cmd);
}

int iodirty_scan_op(int fd, __u32 hwpt_id, __u32 op, __u32 flags,
		    struct iodirty_scan *out)
{
	memset(out, 0, sizeof(*out));
	out->op = op;
	out->hwpt_id = hwpt_id;
	out->flags = flags;
	return iodirty_scan(fd, out);
}

const char *iodirty_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case EPERM:
	case EACCES:
		return "Operation not permitted (BPF and /dev/iodirty need root)";
	case EEXIST:
		return "File exists (a policy is already attached: detach or replace it)";
	case EOPNOTSUPP:
		return "Operation not supported (unknown flag/op, or the kernel lacks this feature)";
	case ENOTTY:
		return "Inappropriate ioctl (the loaded iodirty.ko is older than this tool)";
	case E2BIG:
		return "Argument list too long (struct tail not zero: tool newer than kernel)";
	}
	return strerror(err);
}

static const char *const stat_names[] = {
	[IODIRTY_STAT_POLICY_CALLS] = "policy_calls",
	[IODIRTY_STAT_DEFAULT_CALLS] = "default_calls",
	[IODIRTY_STAT_ATTACHES] = "attaches",
	[IODIRTY_STAT_DETACHES] = "detaches",
	[IODIRTY_STAT_EJECTIONS] = "ejections",
	[IODIRTY_STAT_REPLACEMENTS] = "replacements",
	[IODIRTY_STAT_HARVESTS] = "harvests",
	[IODIRTY_STAT_SCANS] = "scans",
	[IODIRTY_STAT_FLUSHES] = "flushes",
	[IODIRTY_STAT_FLOOR_FLUSHES] = "floor_flushes",
	[IODIRTY_STAT_EXPORTED_RUNS] = "exported_runs",
	[IODIRTY_STAT_SAMPLE_SKIPS] = "sample_skips",
	[IODIRTY_STAT_FORCED_WALKS] = "forced_walks",
	[IODIRTY_STAT_DEMOTES] = "demotes",
};

const char *iodirty_stat_name(unsigned int id)
{
	if (id < ARRAY_SIZE(stat_names) && stat_names[id])
		return stat_names[id];
	return NULL;
}

const char *iodirty_exit_kind_name(__u32 kind)
{
	switch (kind) {
	case IODIRTY_EXIT_NONE: return "none";
	case IODIRTY_EXIT_UNREG: return "unreg";
	case IODIRTY_EXIT_REPLACED: return "replaced";
	case IODIRTY_EXIT_ADMIN: return "admin";
	case IODIRTY_EXIT_ERROR: return "error";
	case IODIRTY_EXIT_ERROR_BPF: return "error_bpf";
	}
	return "unknown";
}

const char *iodirty_exit_reason_name(__u32 reason)
{
	switch (reason) {
	case IODIRTY_EXIT_REASON_NONE: return "none";
	case IODIRTY_EXIT_REASON_BPF_ERROR: return "bpf_error";
	case IODIRTY_EXIT_REASON_BAD_RETURN: return "bad_return";
	case IODIRTY_EXIT_REASON_TIMEOUT: return "timeout";
	case IODIRTY_EXIT_REASON_BAD_KFUNC_USE: return "bad_kfunc_use";
	case IODIRTY_EXIT_REASON_DISABLED: return "disabled";
	case IODIRTY_EXIT_REASON_REPLACED: return "replaced";
	}
	return "unknown";
}

static const char *const model_names[] = {
	[IODIRTY_MODEL_MOCK] = "mock", [IODIRTY_MODEL_AMD] = "amd",
	[IODIRTY_MODEL_VTD] = "vtd", [IODIRTY_MODEL_ARM] = "arm",
};

static const char *const pattern_names[] = {
	[IODIRTY_WL_SEQUENTIAL] = "seq", [IODIRTY_WL_RANDOM] = "random",
	[IODIRTY_WL_ZIPF] = "zipf", [IODIRTY_WL_NIC_RING] = "nic",
};

static int parse_name(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -EINVAL;
}

const char *iodirty_model_name(__u32 model)
{
	return model < ARRAY_SIZE(model_names) ? model_names[model] : "?";
}

int iodirty_model_parse(const char *name)
{
	return parse_name(model_names, ARRAY_SIZE(model_names), name);
}

const char *iodirty_pattern_name(__u32 pattern)
{
	return pattern < ARRAY_SIZE(pattern_names) ? pattern_names[pattern] : "?";
}

int iodirty_pattern_parse(const char *name)
{
	return parse_name(pattern_names, ARRAY_SIZE(pattern_names), name);
}
