// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_TEST_CMD: the subset of iommufd's selftest commands that the
 * upstream dirty-tracking kselftests use: the 6.12 one, and the 7.x one
 * (iommupt mock, PASIDs).
 *
 * A selftest object (out_stdev_id) owns one mock device (out_idev_id)
 * attached to an IOAS or HWPT; destroying the selftest object detaches and
 * frees the device.  Mock devices use the core's mock page-table format:
 * 2 KiB IO pages, 1 MiB leaves with MOCK_FLAGS_DEVICE_HUGE_IOVA, aperture
 * [16 MiB, 2 GiB).  A HWPT allocated with IOMMU_HWPT_DATA_SELFTEST gets the
 * 7.x mock instead (iodirty_selftest_hwpt_layout(): the mockpt format,
 * AMD v1 page-size-encoded leaves on the same granule).  DIRTY marks
 * leaves dirty as hardware would, so the harvest path under test is
 * exactly the one real formats use.
 *
 * PASIDs (MOCK_FLAGS_DEVICE_PASID devices): PASID_ATTACH records that a
 * PASID of the device uses a HWPT allocated with IOMMU_HWPT_ALLOC_PASID
 * and holds a reference on it (DESTROY of the HWPT is EBUSY meanwhile);
 * the emulated devices DMA without a PASID, so the attachment is
 * bookkeeping: it changes no translation and no IOTLB.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iodirty.h"

/**
 * struct iodirty_selftest - a selftest object (IODIRTY_OBJ_SELFTEST)
 * @obj: object header
 * @dev: the mock device it owns
 * @pasids: PASID -> struct iodirty_hwpt the PASID is attached to (each
 *	holds a user reference on the HWPT); context lock held for all uses
 */
struct iodirty_selftest {
	struct iodirty_object obj;
	struct iodirty_device *dev;
	struct xarray pasids;
};

static const u32 mock_dev_flags = MOCK_FLAGS_DEVICE_NO_DIRTY |
				  MOCK_FLAGS_DEVICE_HUGE_IOVA |
				  MOCK_FLAGS_DEVICE_PASID;

static int test_mock_domain(struct iodirty_ucmd *ucmd, u32 dev_flags)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	struct iodirty_ctx *ictx = ucmd->ictx;
	struct iodirty_selftest *st;
	struct iodirty_device *dev;
	u32 hwpt_id;
	int ret;

	if (dev_flags & ~mock_dev_flags)
		return -EINVAL;
	st = iodirty_obj_alloc(ictx, sizeof(*st), IODIRTY_OBJ_SELFTEST);
	if (IS_ERR(st))
		return PTR_ERR(st);
	xa_init(&st->pasids);
	dev = iodirty_device_create(ictx, IODIRTY_MODEL_MOCK, dev_flags,
				    !(dev_flags & MOCK_FLAGS_DEVICE_NO_DIRTY), 0);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto err_st;
	}
	dev->owner = &st->obj;
	st->dev = dev;
	ret = iodirty_device_attach(ictx, dev, cmd->id, &hwpt_id);
	if (ret)
		goto err_dev;
	cmd->mock_domain.out_stdev_id = st->obj.id;
	cmd->mock_domain.out_hwpt_id = hwpt_id;
	cmd->mock_domain.out_idev_id = dev->obj.id;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_detach;
	iodirty_obj_finalize(ictx, &dev->obj);
	iodirty_obj_finalize(ictx, &st->obj);
	return 0;

err_detach:
	iodirty_device_detach(ictx, dev);
err_dev:
	iodirty_obj_abort(ictx, &dev->obj);
err_st:
	iodirty_obj_abort(ictx, &st->obj);
	return ret;
}

/**
 * iodirty_selftest_destroy - detach and free a selftest object's device
 * @ictx: the context (lock held)
 * @obj: the selftest object (freed by the caller)
 */
void iodirty_selftest_destroy(struct iodirty_ctx *ictx,
			      struct iodirty_object *obj)
{
	struct iodirty_selftest *st = container_of(obj, struct iodirty_selftest,
						   obj);
	struct iodirty_hwpt *hwpt;
	unsigned long pasid;

	xa_for_each(&st->pasids, pasid, hwpt)
		refcount_dec(&hwpt->obj.users);
	xa_destroy(&st->pasids);
	iodirty_device_detach(ictx, st->dev);
	iodirty_device_destroy(st->dev);
	iodirty_obj_abort(ictx, &st->dev->obj);
}

static int test_check_refs(struct iodirty_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	u64 uptr = cmd->check_refs.uptr, len = cmd->check_refs.length, off;
	struct page *page;
	int ret = 0;

	if (uptr % PAGE_SIZE || len % PAGE_SIZE || uptr + len < uptr)
		return -EINVAL;
	for (off = 0; off < len && !ret; off += PAGE_SIZE) {
		if (get_user_pages_fast(uptr + off, 1, 0, &page) != 1)
			return -EFAULT;
		/* each pin adds GUP_PIN_COUNTING_BIAS to a small page */
		if (!PageCompound(page) &&
		    page_ref_count(page) / GUP_PIN_COUNTING_BIAS !=
		    cmd->check_refs.refs)
			ret = -EIO;
		put_page(page);
	}
	return ret;
}

static int test_dirty(struct iodirty_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	u64 ps = cmd->dirty.page_size, len = cmd->dirty.length;
	u64 iova = cmd->dirty.iova, nbits, i, count = 0;
	struct iodirty_hwpt *hwpt;
	unsigned long *bits;
	int ret = 0;

	if (!ps || !len || iova % ps || len % ps || !cmd->dirty.uptr)
		return -EINVAL;
	nbits = len / ps;
	if (nbits > SZ_16M * BITS_PER_BYTE)
		return -EOVERFLOW;
	hwpt = iodirty_hwpt_get(ucmd->ictx, cmd->id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	if (!READ_ONCE(hwpt->dirty_tracking))
		return -EINVAL;

	bits = kvcalloc(BITS_TO_LONGS(nbits), sizeof(long), GFP_KERNEL);
	if (!bits)
		return -ENOMEM;
	if (copy_from_user(bits, u64_to_user_ptr(cmd->dirty.uptr),
			   DIV_ROUND_UP(nbits, BITS_PER_BYTE))) {
		ret = -EFAULT;
		goto out_free;
	}
	down_read(&hwpt->ioas->rwsem);
	for_each_set_bit(i, bits, nbits)
		if (!pt_mark_dirty(&hwpt->pt, iova + i * ps))
			count++;
	up_read(&hwpt->ioas->rwsem);
	cmd->dirty.out_nr_dirty = count;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	kvfree(bits);
	return ret;
}

static struct iodirty_selftest *selftest_get(struct iodirty_ctx *ictx,
					     u32 id)
{
	struct iodirty_object *obj = iodirty_obj_get(ictx, id,
						     IODIRTY_OBJ_SELFTEST);

	return IS_ERR(obj) ? ERR_CAST(obj) :
			     container_of(obj, struct iodirty_selftest, obj);
}

/*
 * PASID_ATTACH: as iommufd's iommufd_hwpt_pasid_compat() and the mock
 * driver require, the device must be PASID capable, the PASID inside its
 * width and not IOMMU_NO_PASID (0), and both the HWPT and the device's
 * RID domain allocated with IOMMU_HWPT_ALLOC_PASID; a dirty-tracking HWPT
 * refuses a device that cannot track (EINVAL, as for a RID attach).
 */
static int test_pasid_attach(struct iodirty_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	u32 pasid = cmd->pasid_attach.pasid;
	struct iodirty_selftest *st;
	struct iodirty_object *obj;
	struct iodirty_device *dev;
	struct iodirty_hwpt *hwpt;
	int ret;

	st = selftest_get(ucmd->ictx, cmd->id);
	if (IS_ERR(st))
		return PTR_ERR(st);
	dev = st->dev;
	if (!(dev->mock_flags & MOCK_FLAGS_DEVICE_PASID) || !pasid ||
	    pasid >= BIT(MOCK_PASID_WIDTH))
		return -EINVAL;
	obj = iodirty_obj_get(ucmd->ictx, cmd->pasid_attach.pt_id,
			      IODIRTY_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (obj->type == IODIRTY_OBJ_IOAS)
		return -EOPNOTSUPP;	/* no automatic PASID domains */
	if (obj->type != IODIRTY_OBJ_HWPT)
		return -ENOENT;
	hwpt = container_of(obj, struct iodirty_hwpt, obj);
	if (!hwpt->pasid_compat || (dev->hwpt && !dev->hwpt->pasid_compat) ||
	    (hwpt->dirty_ops && !dev->dirty_capable) ||
	    hwpt->model != dev->model)
		return -EINVAL;
	ret = xa_insert(&st->pasids, pasid, hwpt, GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;	/* -EBUSY: the PASID is attached already */
	refcount_inc(&hwpt->obj.users);
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		xa_erase(&st->pasids, pasid);
		refcount_dec(&hwpt->obj.users);
	}
	return ret;
}

static int test_pasid_detach(struct iodirty_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	struct iodirty_selftest *st;
	struct iodirty_hwpt *hwpt;

	st = selftest_get(ucmd->ictx, cmd->id);
	if (IS_ERR(st))
		return PTR_ERR(st);
	hwpt = xa_erase(&st->pasids, cmd->pasid_detach.pasid);
	if (!hwpt)
		return -ENOENT;
	refcount_dec(&hwpt->obj.users);
	return 0;
}

/* PASID_CHECK_HWPT: is the PASID on that HWPT (hwpt_id 0: on none)? */
static int test_pasid_check_hwpt(struct iodirty_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	struct iodirty_selftest *st;
	struct iodirty_hwpt *hwpt, *cur;

	st = selftest_get(ucmd->ictx, cmd->id);
	if (IS_ERR(st))
		return PTR_ERR(st);
	cur = xa_load(&st->pasids, cmd->pasid_check.pasid);
	if (!cmd->pasid_check.hwpt_id)
		return cur ? -EINVAL : 0;
	hwpt = iodirty_hwpt_get(ucmd->ictx, cmd->pasid_check.hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	return cur == hwpt ? 0 : -EINVAL;
}

/**
 * iodirty_selftest_hwpt_layout - the page table IOMMU_HWPT_DATA_SELFTEST asks for
 * @dev: the device of the HWPT_ALLOC
 * @uptr: user pointer to a struct iommu_hwpt_selftest
 * @len: its size as the caller knows it (non-zero)
 * @layout: filled on success
 *
 * The data is read with the size rules of every command: at least
 * @iotlb (a 6.12 caller's 4 bytes mean MOCK_IOMMUPT_DEFAULT), a longer
 * struct must be zero beyond the kernel's.  MOCK_IOMMUPT_DEFAULT is the
 * 7.x mock's AMD v1 table on a 2 KiB granule: every power-of-two leaf from
 * 2 KiB, 2 KiB IOVA alignment.  MOCK_IOMMUPT_HUGE is upstream's "huge"
 * mock, whose pgsize_bitmap is 1 MiB | PAGE_SIZE: the same table with a
 * PAGE_SIZE IOVA alignment and leaves of 4 KiB and 1 MiB (the format's
 * 2 KiB granule stays in the bitmap, as the core requires, but no mapping
 * aligned to PAGE_SIZE picks it).  @iotlb only seeds nested domains
 * upstream and is ignored.
 *
 * Return: 0; -EOPNOTSUPP @dev is not a mock device or @pagetable_type is
 * unknown; -EINVAL @len shorter than @iotlb; -E2BIG a non-zero tail;
 * -EFAULT.
 */
int iodirty_selftest_hwpt_layout(struct iodirty_device *dev, u64 uptr,
				 u32 len, struct iodirty_hwpt_layout *layout)
{
	struct iommu_hwpt_selftest cfg;
	int ret;

	if (dev->model != IODIRTY_MODEL_MOCK)
		return -EOPNOTSUPP;
	if (len < offsetofend(struct iommu_hwpt_selftest, iotlb))
		return -EINVAL;
	ret = copy_struct_from_user(&cfg, sizeof(cfg), u64_to_user_ptr(uptr),
				    len);
	if (ret)
		return ret;
	layout->fmt = PT_FMT_MOCKPT;
	switch (cfg.pagetable_type) {
	case MOCK_IOMMUPT_DEFAULT:
		layout->pgsize_bitmap = pt_format_pgsizes(PT_FMT_MOCKPT);
		layout->iova_align = SZ_2K;
		return 0;
	case MOCK_IOMMUPT_HUGE:
		layout->pgsize_bitmap = SZ_2K | SZ_4K | SZ_1M;
		layout->iova_align = PAGE_SIZE;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * iodirty_test_cmd_ioctl - IOMMU_TEST_CMD
 * @ucmd: struct iommu_test_cmd
 *
 * Ops: MOCK_DOMAIN(_FLAGS) (dev_flags NO_DIRTY, HUGE_IOVA, PASID; others
 * EINVAL), MD_CHECK_REFS, DIRTY, PASID_ATTACH (@id the selftest object;
 * EINVAL for a device without MOCK_FLAGS_DEVICE_PASID, PASID 0 or beyond
 * MOCK_PASID_WIDTH, a HWPT or RID domain without IOMMU_HWPT_ALLOC_PASID, a
 * dirty HWPT and a device that cannot track, another model's HWPT; EBUSY
 * the PASID is attached; EOPNOTSUPP @pt_id an IOAS; ENOENT unknown IDs),
 * PASID_DETACH (ENOENT: not attached; upstream returns 0) and
 * PASID_CHECK_HWPT (EINVAL: the PASID is elsewhere).
 *
 * Return: the op's result; -EOPNOTSUPP for ops iodirty does not implement
 * (PASID_REPLACE among them) or a non-zero reserved field.
 */
int iodirty_test_cmd_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_TEST_OP_MOCK_DOMAIN:
		return test_mock_domain(ucmd, 0);
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return test_mock_domain(ucmd, cmd->mock_domain_flags.dev_flags);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return test_check_refs(ucmd);
	case IOMMU_TEST_OP_DIRTY:
		return test_dirty(ucmd);
	case IOMMU_TEST_OP_PASID_ATTACH:
		return test_pasid_attach(ucmd);
	case IOMMU_TEST_OP_PASID_DETACH:
		return test_pasid_detach(ucmd);
	case IOMMU_TEST_OP_PASID_CHECK_HWPT:
		return test_pasid_check_hwpt(ucmd);
	default:
		return -EOPNOTSUPP;
	}
}
