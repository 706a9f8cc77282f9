// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_TEST_CMD: the subset of iommufd's selftest commands that the
 * upstream dirty-tracking kselftest uses, with Linux 6.12 semantics.
 *
 * A selftest object (out_stdev_id) owns one mock device (out_idev_id)
 * attached to an IOAS or HWPT; destroying the selftest object detaches and
 * frees the device.  Mock devices use the core's mock page-table format:
 * 2 KiB IO pages, 1 MiB leaves with MOCK_FLAGS_DEVICE_HUGE_IOVA, aperture
 * [16 MiB, 2 GiB).  DIRTY marks leaves dirty as hardware would, so the
 * harvest path under test is exactly the one real formats use.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iodirty.h"

struct iodirty_selftest {
	struct iodirty_object obj;
	struct iodirty_device *dev;
};

static int test_mock_domain(struct iodirty_ucmd *ucmd, u32 dev_flags)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	struct iodirty_ctx *ictx = ucmd->ictx;
	struct iodirty_selftest *st;
	struct iodirty_device *dev;
	u32 hwpt_id;
	int ret;

	if (dev_flags & ~(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA))
		return -EINVAL;
	st = iodirty_obj_alloc(ictx, sizeof(*st), IODIRTY_OBJ_SELFTEST);
	if (IS_ERR(st))
		return PTR_ERR(st);
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

/**
 * iodirty_test_cmd_ioctl - IOMMU_TEST_CMD
 * @ucmd: struct iommu_test_cmd
 *
 * Return: the op's result; -EOPNOTSUPP for ops iodirty does not implement
 * or a non-zero reserved field.
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
	default:
		return -EOPNOTSUPP;
	}
}
