// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty: IOMMU dirty-page tracking with BPF-programmable policy.
 *
 * This file owns the module lifetime and the character device
 * /dev/iodirty.  Commands follow iommufd's extensible-struct convention:
 * every command is _IO(';', nr) and carries its own size in the first u32
 * of the argument.  The dispatch table below records, for each command,
 * the kernel struct size and the minimum size a caller must pass (the end
 * of the last mandatory field).  The core then:
 *   1. reads the user's size (EFAULT if the pointer is bad),
 *   2. refuses unknown numbers with ENOTTY and short structs with EINVAL,
 *   3. copies the struct with copy_struct_from_user(), which zero-fills a
 *      shorter struct and fails with E2BIG if a longer one has non-zero
 *      bytes in the tail the kernel does not know,
 *   4. calls the handler, which validates flags/reserved (EOPNOTSUPP).
 * Handlers answer with iodirty_ucmd_respond(), which copies back at most
 * the user's size.
 *
 * Two wings share the table.  The iommufd-compatible core (IOAS, HWPT,
 * dirty tracking, harvests, scans, status) is what an unprivileged VMM
 * uses on real iommufd, whose node is 0660: it must be safe for such a
 * caller (every size, pointer and length is checked; pinned memory is
 * charged to RLIMIT_MEMLOCK).  The emulated-hardware lab (devices, DMA,
 * workload kthreads, IOTLB control, phantom maps, the oracle, policy
 * probes, IOMMU_TEST_CMD mock devices, and HARVEST_SKIP_FLUSH_UNSAFE) is an
 * instrument: each lab command needs CAP_SYS_ADMIN *and* the module
 * parameter lab=1 (off by default; the test guest loads the module with
 * lab=1), and is refused with EPERM otherwise.
 *
 * Locking: every command runs under its file's context lock (object.c
 * documents the full order); see policy.c for the policy mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iodirty.h"

#define CREATE_TRACE_POINTS
#include "iodirty_trace.h"

atomic64_t iodirty_stats[IODIRTY_STAT__MAX];
atomic64_t iodirty_export_stale;

static bool iodirty_lab_enabled;
module_param_named(lab, iodirty_lab_enabled, bool, 0644);
MODULE_PARM_DESC(lab, "Enable the emulated-hardware lab commands (emulated devices, DMA, workloads, oracle, phantom maps, policy probes, unsafe harvest flags) for CAP_SYS_ADMIN callers (default: off)");

/*
 * Test-only switches (root can set them through /sys/module/iodirty/
 * parameters; they act only while the lab is enabled):
 *  - test_window_us widens the window between a harvest's clear and its
 *    IOTLB invalidation by sleeping there, so concurrent DMA really writes
 *    inside it;
 *  - test_export_early hands scan runs to export before the invalidation
 *    (the old, unsafe order), to show that the export check can fail.
 */
unsigned int iodirty_test_window_us;
module_param_named(test_window_us, iodirty_test_window_us, uint, 0644);
MODULE_PARM_DESC(test_window_us, "Test only (lab): sleep this long between a harvest's clear and its invalidation (max 10000)");
bool iodirty_test_export_early;
module_param_named(test_export_early, iodirty_test_export_early, bool, 0644);
MODULE_PARM_DESC(test_export_early, "Test only (lab): export scan runs before their IOTLB invalidation (unsafe)");

/**
 * iodirty_lab_allowed - may the caller use a lab instrument?
 *
 * Return: true when the lab is enabled (module parameter lab) and the
 * caller has CAP_SYS_ADMIN.
 */
bool iodirty_lab_allowed(void)
{
	return iodirty_lab_on() && capable(CAP_SYS_ADMIN);
}

/**
 * iodirty_lab_on - is the lab enabled (module parameter lab)?
 *
 * For the test switches, which also act in kernel threads.
 *
 * Return: the parameter's value.
 */
bool iodirty_lab_on(void)
{
	return READ_ONCE(iodirty_lab_enabled);
}

union iodirty_ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_ioas_alloc ioas_alloc;
	struct iommu_ioas_iova_ranges ioas_iova_ranges;
	struct iommu_ioas_map ioas_map;
	struct iommu_ioas_unmap ioas_unmap;
	struct iommu_option option;
	struct iommu_hwpt_alloc hwpt_alloc;
	struct iommu_hw_info hw_info;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct iommu_test_cmd test;
	struct iodirty_policy_probe probe;
	struct iodirty_device_create device_create;
	struct iodirty_device_attach device_attach;
	struct iodirty_dma dma;
	struct iodirty_iotlb iotlb;
	struct iodirty_workload workload;
	struct iodirty_oracle oracle;
	struct iodirty_phantom_map phantom_map;
	struct iodirty_harvest harvest;
	struct iodirty_status status;
	struct iodirty_scan scan;
};

struct iodirty_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	bool lab;
	int (*execute)(struct iodirty_ucmd *ucmd);
};

#define __IOCTL_OP(_ioctl, _fn, _struct, _last, _lab)			\
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {			\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union iodirty_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.lab = _lab,						\
		.execute = _fn,						\
	}
/* the iommufd-compatible core */
#define IOCTL_OP(_ioctl, _fn, _struct, _last)				\
	__IOCTL_OP(_ioctl, _fn, _struct, _last, false)
/* the lab: CAP_SYS_ADMIN and lab=1 */
#define IOCTL_LAB(_ioctl, _fn, _struct, _last)				\
	__IOCTL_OP(_ioctl, _fn, _struct, _last, true)

/* Indexed by nr - IOMMUFD_CMD_BASE; holes hold ioctl_num 0 (ENOTTY). */
static const struct iodirty_ioctl_op iodirty_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iodirty_destroy_ioctl, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iodirty_ioas_alloc_ioctl,
		 struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iodirty_ioas_iova_ranges_ioctl,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iodirty_ioas_map_ioctl, struct iommu_ioas_map,
		 iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iodirty_ioas_unmap_ioctl,
		 struct iommu_ioas_unmap, length),
	IOCTL_OP(IOMMU_OPTION, iodirty_option_ioctl, struct iommu_option,
		 val64),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iodirty_hwpt_alloc_ioctl,
		 struct iommu_hwpt_alloc, __reserved),
	IOCTL_OP(IOMMU_GET_HW_INFO, iodirty_get_hw_info_ioctl,
		 struct iommu_hw_info, __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING,
		 iodirty_hwpt_set_dirty_tracking_ioctl,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP,
		 iodirty_hwpt_get_dirty_bitmap_ioctl,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_LAB(IOMMU_TEST_CMD, iodirty_test_cmd_ioctl, struct iommu_test_cmd,
		 last),
	IOCTL_LAB(IODIRTY_POLICY_PROBE, iodirty_policy_probe_ioctl,
		 struct iodirty_policy_probe, out_name),
	IOCTL_LAB(IODIRTY_DEVICE_CREATE, iodirty_device_create_ioctl,
		 struct iodirty_device_create, __reserved2),
	IOCTL_LAB(IODIRTY_DEVICE_ATTACH, iodirty_device_attach_ioctl,
		 struct iodirty_device_attach, __reserved),
	IOCTL_LAB(IODIRTY_DMA, iodirty_dma_ioctl, struct iodirty_dma,
		 out_iotlb_misses),
	IOCTL_LAB(IODIRTY_IOTLB, iodirty_iotlb_ioctl, struct iodirty_iotlb,
		 out_inv_cost_ns),
	IOCTL_LAB(IODIRTY_WORKLOAD, iodirty_workload_ioctl,
		 struct iodirty_workload, __reserved2),
	IOCTL_LAB(IODIRTY_ORACLE, iodirty_oracle_ioctl, struct iodirty_oracle,
		 out_spurious),
	IOCTL_LAB(IODIRTY_PHANTOM_MAP, iodirty_phantom_map_ioctl,
		 struct iodirty_phantom_map, pgsize),
	IOCTL_OP(IODIRTY_HARVEST, iodirty_harvest_ioctl, struct iodirty_harvest,
		 out_walk_ns),
	IOCTL_OP(IODIRTY_STATUS, iodirty_status_ioctl, struct iodirty_status,
		 out_exit_msg),
	IOCTL_OP(IODIRTY_SCAN, iodirty_scan_ioctl, struct iodirty_scan,
		 out_domain_id),
};

/**
 * iodirty_ucmd_respond - copy a command's result back to userspace
 * @ucmd: the command being executed
 * @cmd_len: size of the kernel's struct
 *
 * Copies min(@cmd_len, user size) bytes, so an older caller with a shorter
 * struct gets the fields it knows about.
 *
 * Return: 0 or -EFAULT.
 */
int iodirty_ucmd_respond(struct iodirty_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

static long iodirty_fops_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	const struct iodirty_ioctl_op *op;
	union iodirty_ucmd_buffer *buf;
	struct iodirty_ucmd ucmd = {};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (_IOC_TYPE(cmd) != IOMMUFD_TYPE || nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(iodirty_ioctl_ops))
		return -ENOTTY;
	op = &iodirty_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->execute || op->ioctl_num != cmd)
		return -ENOTTY;

	ucmd.ictx = filp->private_data;
	ucmd.ubuffer = (void __user *)arg;
	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	if (op->lab && !iodirty_lab_allowed())
		return -EPERM;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = copy_struct_from_user(buf, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		goto out_free;
	ucmd.cmd = buf;
	mutex_lock(&ucmd.ictx->lock);
	ret = op->execute(&ucmd);
	mutex_unlock(&ucmd.ictx->lock);
out_free:
	kfree(buf);
	return ret;
}

static int iodirty_fops_open(struct inode *inode, struct file *filp)
{
	struct iodirty_ctx *ictx;

	ictx = kzalloc(sizeof(*ictx), GFP_KERNEL_ACCOUNT);
	if (!ictx)
		return -ENOMEM;
	iodirty_ctx_init(ictx);
	filp->private_data = ictx;
	return 0;
}

static int iodirty_fops_release(struct inode *inode, struct file *filp)
{
	struct iodirty_ctx *ictx = filp->private_data;

	iodirty_ctx_release(ictx);
	kfree(ictx);
	return 0;
}

static const struct file_operations iodirty_fops = {
	.owner = THIS_MODULE,
	.open = iodirty_fops_open,
	.release = iodirty_fops_release,
	.unlocked_ioctl = iodirty_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice iodirty_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iodirty",
	.fops = &iodirty_fops,
	/*
	 * As /dev/iommu: group access for unprivileged VMMs.  The lab
	 * commands check CAP_SYS_ADMIN and lab=1 themselves.
	 */
	.mode = 0660,
};

/*
 * debugfs: /sys/kernel/debug/iodirty/.  "selftest_warn" exists so the VM
 * runner's own tests can prove that a kernel WARN fails a run; writing 1
 * to it triggers one WARN.  debugfs is root-only.
 */
static struct dentry *iodirty_debugfs;

static int iodirty_selftest_warn_set(void *data, u64 val)
{
	if (val != 1)
		return -EINVAL;
	WARN(1, "iodirty: WARN requested through debugfs selftest_warn\n");
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(iodirty_selftest_warn_fops, NULL,
			 iodirty_selftest_warn_set, "%llu\n");

/*
 * "state": live objects of each type and pinned pages over every open
 * file.  The fail-nth tests read it before and after a call that failed
 * and require it unchanged; it is also the quickest leak check by hand.
 */
static int iodirty_state_show(struct seq_file *m, void *v)
{
	static const char * const names[IODIRTY_OBJ_NR] = {
		[IODIRTY_OBJ_IOAS] = "ioas", [IODIRTY_OBJ_HWPT] = "hwpt",
		[IODIRTY_OBJ_DEVICE] = "device",
		[IODIRTY_OBJ_SELFTEST] = "selftest",
	};
	int i;

	for (i = 0; i < IODIRTY_OBJ_NR; i++)
		if (names[i])
			seq_printf(m, "%s %ld\n", names[i],
				   atomic_long_read(&iodirty_nr_objects[i]));
	seq_printf(m, "pinned_pages %ld\n", atomic_long_read(&iodirty_nr_pinned));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iodirty_state);

static void iodirty_debugfs_init(void)
{
	iodirty_debugfs = debugfs_create_dir("iodirty", NULL);
	debugfs_create_file_unsafe("selftest_warn", 0200, iodirty_debugfs,
				   NULL, &iodirty_selftest_warn_fops);
	/* runs exported while a device still cached them dirty (must stay 0) */
	debugfs_create_u64("export_stale", 0400, iodirty_debugfs,
			   (u64 *)&iodirty_export_stale.counter);
	debugfs_create_file("state", 0400, iodirty_debugfs, NULL,
			    &iodirty_state_fops);
	iodirty_fault_debugfs_init(iodirty_debugfs);
}

static int __init iodirty_init(void)
{
	int ret;

	ret = iodirty_kfuncs_init();
	if (ret)
		return ret;
	ret = iodirty_policy_init();
	if (ret)
		return ret;
	ret = misc_register(&iodirty_misc);
	if (ret)
		goto err_policy;
	iodirty_debugfs_init();
	pr_info("loaded\n");
	return 0;

err_policy:
	iodirty_policy_exit();
	return ret;
}

static void __exit iodirty_exit(void)
{
	debugfs_remove_recursive(iodirty_debugfs);
	misc_deregister(&iodirty_misc);
	iodirty_policy_exit();
	pr_info("unloaded\n");
}

module_init(iodirty_init);
module_exit(iodirty_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IOMMU dirty-page tracking with BPF-programmable policy");
MODULE_AUTHOR("iodirty developers");
