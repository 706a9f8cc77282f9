// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated devices and their IOMMUs.
 *
 * A device has a model (mock, AMD, VT-d, ARM SMMUv3), which fixes the
 * page-table format of every domain it attaches to, whether its IOMMU can
 * track dirty pages, and the leaf sizes it supports.  Devices are created
 * by IOMMU_TEST_OP_MOCK_DOMAIN (mock, owned by a selftest object) or by
 * iodirty's own device-create extension, and attach either to an IOAS
 * (an automatic HWPT is found or created, as iommufd does) or to an
 * explicit HWPT.
 *
 * Attach enforces dirty tracking the way the vendor drivers do: a device
 * whose IOMMU cannot track dirty pages may not join a domain allocated
 * with IOMMU_HWPT_ALLOC_DIRTY_TRACKING (EINVAL).
 *
 * Locking: the context lock for everything here; the IOAS rwsem (write)
 * while a domain is created or filled (hwpt.c).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iodirty.h"

static const enum pt_format model_format[IODIRTY_MODEL__MAX] = {
	[IODIRTY_MODEL_MOCK] = PT_FMT_MOCK,
	[IODIRTY_MODEL_AMD] = PT_FMT_AMDV1,
	[IODIRTY_MODEL_VTD] = PT_FMT_VTDSS,
	[IODIRTY_MODEL_ARM] = PT_FMT_ARMV8,
};

/**
 * iodirty_model_format - the page-table format of a device model
 * @model: enum iodirty_model
 */
enum pt_format iodirty_model_format(enum iodirty_model model)
{
	return model_format[model];
}

/**
 * iodirty_device_create - create an emulated device object (unpublished)
 * @ictx: the context (lock held)
 * @model: enum iodirty_model
 * @mock_flags: MOCK_FLAGS_DEVICE_* (mock model only)
 * @dirty: the IOMMU supports dirty tracking
 * @pgsize_bitmap: supported leaf sizes; 0 = the model's defaults
 *
 * Return: the device or an ERR_PTR: -EINVAL for an unknown model or leaf
 * sizes the format cannot express, -ENOMEM.
 */
struct iodirty_device *iodirty_device_create(struct iodirty_ctx *ictx,
					     enum iodirty_model model,
					     u32 mock_flags, bool dirty,
					     u64 pgsize_bitmap)
{
	struct iodirty_device *dev;
	u64 fmt_sizes;

	if (model >= IODIRTY_MODEL__MAX)
		return ERR_PTR(-EINVAL);
	fmt_sizes = pt_format_pgsizes(model_format[model]);
	if (!pgsize_bitmap) {
		if (model == IODIRTY_MODEL_MOCK)
			pgsize_bitmap = SZ_2K |
				(mock_flags & MOCK_FLAGS_DEVICE_HUGE_IOVA ? SZ_1M : 0);
		else
			pgsize_bitmap = fmt_sizes & (SZ_4K | SZ_2M | SZ_1G);
	}
	if (pgsize_bitmap & ~fmt_sizes ||
	    !(pgsize_bitmap & (1ULL << __ffs64(fmt_sizes))))
		return ERR_PTR(-EINVAL);

	dev = iodirty_obj_alloc(ictx, sizeof(*dev), IODIRTY_OBJ_DEVICE);
	if (IS_ERR(dev))
		return dev;
	dev->model = model;
	dev->mock_flags = mock_flags;
	dev->dirty_capable = dirty;
	dev->pgsize_bitmap = pgsize_bitmap;
	INIT_LIST_HEAD(&dev->hwpt_node);
	iodirty_iotlb_init(&dev->iotlb);
	return dev;
}

static bool hwpt_compatible(struct iodirty_hwpt *hwpt,
			    struct iodirty_device *dev)
{
	return hwpt->model == dev->model &&
	       hwpt->pt.pgsize_bitmap == dev->pgsize_bitmap;
}

/**
 * iodirty_device_attach - attach a device to an IOAS or a HWPT
 * @ictx: the context (lock held)
 * @dev: a detached device
 * @pt_id: an IOAS (an automatic domain is reused or created) or a HWPT
 * @out_hwpt_id: the HWPT the device ended up on
 *
 * Return: 0; -ENOENT unknown @pt_id; -EINVAL the HWPT tracks dirty pages
 * and the device's IOMMU cannot, or the HWPT's format is not the
 * device's; -EBUSY already attached; -ENOMEM.
 */
int iodirty_device_attach(struct iodirty_ctx *ictx, struct iodirty_device *dev,
			  u32 pt_id, u32 *out_hwpt_id)
{
	struct iodirty_object *obj;
	struct iodirty_hwpt *hwpt;
	struct iodirty_ioas *ioas;

	if (dev->hwpt)
		return -EBUSY;
	obj = iodirty_obj_get(ictx, pt_id, IODIRTY_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (obj->type == IODIRTY_OBJ_HWPT) {
		hwpt = container_of(obj, struct iodirty_hwpt, obj);
		if (hwpt->dirty_ops && !dev->dirty_capable)
			return -EINVAL;
		if (hwpt->model != dev->model)
			return -EINVAL;
	} else if (obj->type == IODIRTY_OBJ_IOAS) {
		ioas = container_of(obj, struct iodirty_ioas, obj);
		hwpt = NULL;
		list_for_each_entry(hwpt, &ioas->hwpts, ioas_node)
			if (hwpt->auto_domain && hwpt_compatible(hwpt, dev))
				goto found;
		hwpt = iodirty_hwpt_alloc(ictx, ioas, dev, false);
		if (IS_ERR(hwpt))
			return PTR_ERR(hwpt);
		hwpt->auto_domain = true;
		iodirty_obj_finalize(ictx, &hwpt->obj);
	} else {
		return -ENOENT;
	}
found:
	refcount_inc(&hwpt->obj.users);
	/* harvests and scans walk the device list under the rwsem */
	down_write(&hwpt->ioas->rwsem);
	dev->hwpt = hwpt;
	list_add_tail(&dev->hwpt_node, &hwpt->devices);
	up_write(&hwpt->ioas->rwsem);
	*out_hwpt_id = hwpt->obj.id;
	return 0;
}

/**
 * iodirty_device_detach - detach a device from its domain, if any
 * @ictx: the context (lock held)
 * @dev: the device
 *
 * The device's IOTLB is invalidated first; an automatic domain goes away
 * with its last device.
 */
void iodirty_device_detach(struct iodirty_ctx *ictx, struct iodirty_device *dev)
{
	struct iodirty_hwpt *hwpt = dev->hwpt;

	if (!hwpt)
		return;
	iodirty_workload_stop(dev);
	down_write(&hwpt->ioas->rwsem);
	iodirty_iotlb_invalidate(dev, 0, 0);
	list_del_init(&dev->hwpt_node);
	dev->hwpt = NULL;
	up_write(&hwpt->ioas->rwsem);
	refcount_dec(&hwpt->obj.users);
	if (hwpt->auto_domain && list_empty(&hwpt->devices) &&
	    refcount_read(&hwpt->obj.users) == 1)
		iodirty_obj_destroy(ictx, &hwpt->obj);
}

/**
 * iodirty_device_destroy - release what a detached device holds
 * @dev: the device (its object memory is freed by the caller)
 */
void iodirty_device_destroy(struct iodirty_device *dev)
{
	WARN_ON(dev->hwpt);
}

/**
 * iodirty_device_create_ioctl - IODIRTY_DEVICE_CREATE
 * @ucmd: struct iodirty_device_create
 *
 * Return: 0; -EOPNOTSUPP unknown flags or reserved; -EINVAL unknown model
 * or leaf sizes the model's format cannot use; -ENOMEM.
 */
int iodirty_device_create_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_device_create *cmd = ucmd->cmd;
	struct iodirty_device *dev;
	int ret;

	if (cmd->flags & ~IODIRTY_DEVICE_DIRTY_TRACKING || cmd->__reserved ||
	    cmd->__reserved2)
		return -EOPNOTSUPP;
	dev = iodirty_device_create(ucmd->ictx, cmd->model, 0,
				    cmd->flags & IODIRTY_DEVICE_DIRTY_TRACKING,
				    cmd->pgsize_bitmap);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	cmd->out_dev_id = dev->obj.id;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		iodirty_obj_abort(ucmd->ictx, &dev->obj);
		return ret;
	}
	iodirty_obj_finalize(ucmd->ictx, &dev->obj);
	return 0;
}

/**
 * iodirty_device_attach_ioctl - IODIRTY_DEVICE_ATTACH
 * @ucmd: struct iodirty_device_attach
 *
 * Return: 0; -EOPNOTSUPP flags or reserved; -ENOENT unknown device or
 * @pt_id; -EBUSY attached already, owned by a selftest object, or (detach)
 * a workload is running; -EINVAL see iodirty_device_attach().
 */
int iodirty_device_attach_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_device_attach *cmd = ucmd->cmd;
	struct iodirty_device *dev;
	u32 hwpt_id = 0;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	dev = iodirty_device_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	if (dev->owner)
		return -EBUSY;
	if (cmd->pt_id) {
		ret = iodirty_device_attach(ucmd->ictx, dev, cmd->pt_id, &hwpt_id);
		if (ret)
			return ret;
	} else {
		if (dev->wl.task)
			return -EBUSY;
		iodirty_device_detach(ucmd->ictx, dev);
	}
	cmd->out_hwpt_id = hwpt_id;
	return iodirty_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * GET_HW_INFO data: the registers a driver would read, as emulated here.
 * Mock: the iommufd selftest's {flags, test_reg}.  VT-d (type 1): CAP with
 * 2M/1G super pages (bits 34/35), ECAP with scalable mode (43), SLADS (45)
 * and SMPWC (48) when dirty tracking is supported.  ARM SMMUv3 (type 2 in
 * later kernels): IDR0.HTTU (bits 7:6) = 2 (access + dirty) or 1.  AMD
 * (type 4 in later kernels): EFR with HASup (49) and HDSup (52).
 */
struct iodirty_hw_info_vtd {
	u32 flags;
	u32 __reserved;
	u64 cap_reg;
	u64 ecap_reg;
};

struct iodirty_hw_info_arm {
	u32 flags;
	u32 __reserved;
	u32 idr[6];
	u32 iidr;
	u32 aidr;
};

struct iodirty_hw_info_amd {
	u64 efr;
	u64 efr2;
};

union iodirty_hw_info_data {
	struct iommu_test_hw_info mock;
	struct iodirty_hw_info_vtd vtd;
	struct iodirty_hw_info_arm arm;
	struct iodirty_hw_info_amd amd;
};

static u32 device_hw_info(struct iodirty_device *dev,
			  union iodirty_hw_info_data *d, u32 *len)
{
	memset(d, 0, sizeof(*d));
	switch (dev->model) {
	case IODIRTY_MODEL_VTD:
		d->vtd.cap_reg = (dev->pgsize_bitmap & SZ_2M ? BIT_ULL(34) : 0) |
				 (dev->pgsize_bitmap & SZ_1G ? BIT_ULL(35) : 0);
		d->vtd.ecap_reg = BIT_ULL(43) |
			(dev->dirty_capable ? BIT_ULL(45) | BIT_ULL(48) : 0);
		*len = sizeof(d->vtd);
		return IOMMU_HW_INFO_TYPE_INTEL_VTD;
	case IODIRTY_MODEL_ARM:
		d->arm.idr[0] = (dev->dirty_capable ? 2 : 1) << 6;
		*len = sizeof(d->arm);
		return IODIRTY_HW_INFO_TYPE_ARM_SMMUV3;
	case IODIRTY_MODEL_AMD:
		d->amd.efr = BIT_ULL(49) | (dev->dirty_capable ? BIT_ULL(52) : 0);
		*len = sizeof(d->amd);
		return IODIRTY_HW_INFO_TYPE_AMD;
	default:
		d->mock.test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL;
		*len = sizeof(d->mock);
		return IOMMU_HW_INFO_TYPE_SELFTEST;
	}
}

/**
 * iodirty_get_hw_info_ioctl - IOMMU_GET_HW_INFO
 * @ucmd: struct iommu_hw_info
 *
 * Return: 0 with @data_len set to the model's data size (a longer user
 * buffer gets its tail zeroed); -ENOENT unknown device; -EOPNOTSUPP
 * flags or reserved bytes set; -EFAULT.
 */
int iodirty_get_hw_info_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	union iodirty_hw_info_data data;
	void __user *uptr = u64_to_user_ptr(cmd->data_uptr);
	struct iodirty_device *dev;
	u32 len;

	if (cmd->flags || memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)))
		return -EOPNOTSUPP;
	dev = iodirty_device_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(dev))
		return PTR_ERR(dev);

	cmd->out_data_type = device_hw_info(dev, &data, &len);
	if (cmd->data_len && !uptr)
		return -EFAULT;
	if (cmd->data_len) {
		if (copy_to_user(uptr, &data, min(len, cmd->data_len)))
			return -EFAULT;
		if (cmd->data_len > len &&
		    clear_user(uptr + len, cmd->data_len - len))
			return -EFAULT;
	}
	cmd->data_len = len;
	/* a PASID-capable mock reports its width, as upstream's mock does */
	cmd->out_max_pasid_log2 = dev->model == IODIRTY_MODEL_MOCK &&
		(dev->mock_flags & MOCK_FLAGS_DEVICE_PASID) ? MOCK_PASID_WIDTH : 0;
	cmd->out_capabilities = dev->dirty_capable ? IOMMU_HW_CAP_DIRTY_TRACKING : 0;
	return iodirty_ucmd_respond(ucmd, sizeof(*cmd));
}
