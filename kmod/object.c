// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty object model: one context per open file, objects by ID.
 *
 * As in iommufd, every object (IOAS, HWPT, device, selftest device) lives
 * in the context's xarray under an ID allocated from 1, so 0 is never a
 * valid ID.  An object is created in two steps: iodirty_obj_alloc()
 * reserves its ID (the slot holds NULL, so lookups cannot see a half-built
 * object) and the creating ioctl publishes it with xa_store() once it is
 * complete, or drops it with iodirty_obj_abort().
 *
 * Lifetime: the context owns every object.  @users counts the references
 * that make an object busy: an attached device holds its HWPT, a HWPT
 * holds its IOAS, a running DMA worker holds its device.  IOMMU_DESTROY of
 * a busy object fails with EBUSY; closing the file tears everything down in
 * dependency order (selftest devices, devices, HWPTs, IOASes), unpinning
 * every page.
 *
 * Lock ordering (outermost first):
 *   iodirty_ctx.lock (mutex, every ioctl of the file)
 *     iodirty_ioas.rwsem (page-table structure and areas)
 *       per-device IOTLB spinlock (dma.c)
 * The xarray's own lock is only taken inside xa_* calls.
 */
#include <linux/slab.h>

#include "iodirty.h"

atomic_long_t iodirty_nr_objects[IODIRTY_OBJ_NR];

/**
 * iodirty_obj_alloc - allocate an object and reserve its ID
 * @ictx: the context
 * @size: size of the containing structure (the header comes first)
 * @type: enum iodirty_obj_type
 *
 * Context: process context, may sleep; @ictx->lock held.
 *
 * Return: the zeroed object, or an ERR_PTR (-ENOMEM).
 */
void *iodirty_obj_alloc(struct iodirty_ctx *ictx, size_t size,
			enum iodirty_obj_type type)
{
	struct iodirty_object *obj;
	int ret;

	obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	refcount_set(&obj->users, 1);
	ret = xa_alloc(&ictx->objects, &obj->id, NULL, xa_limit_32b,
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(obj);
		return ERR_PTR(ret);
	}
	atomic_long_inc(&iodirty_nr_objects[type]);
	return obj;
}

/**
 * iodirty_obj_finalize - make a fully built object visible to lookups
 * @ictx: the context
 * @obj: an object from iodirty_obj_alloc()
 */
void iodirty_obj_finalize(struct iodirty_ctx *ictx, struct iodirty_object *obj)
{
	xa_store(&ictx->objects, obj->id, obj, GFP_KERNEL);
}

/**
 * iodirty_obj_abort - release an object's ID and memory
 * @ictx: the context
 * @obj: an object from iodirty_obj_alloc() (published or not); whatever it
 *	owns must have been released by the caller
 */
void iodirty_obj_abort(struct iodirty_ctx *ictx, struct iodirty_object *obj)
{
	xa_erase(&ictx->objects, obj->id);
	atomic_long_dec(&iodirty_nr_objects[obj->type]);
	/* kfuncs may still be reading a HWPT's counters under RCU */
	kfree_rcu(obj, rcu);
}

/**
 * iodirty_obj_get - look up an object by ID and type
 * @ictx: the context (lock held, which keeps the object alive)
 * @id: object ID
 * @type: wanted type, or IODIRTY_OBJ_ANY
 *
 * Return: the object, or ERR_PTR(-ENOENT) when there is no published
 * object of that type with that ID.
 */
struct iodirty_object *iodirty_obj_get(struct iodirty_ctx *ictx, u32 id,
				       enum iodirty_obj_type type)
{
	struct iodirty_object *obj = xa_load(&ictx->objects, id);

	if (!obj || (type != IODIRTY_OBJ_ANY && obj->type != type))
		return ERR_PTR(-ENOENT);
	return obj;
}

static bool iodirty_obj_busy(struct iodirty_object *obj)
{
	return refcount_read(&obj->users) > 1;
}

/**
 * iodirty_obj_destroy - tear one object down and free it
 * @ictx: the context (lock held)
 * @obj: the object; must not be busy
 */
void iodirty_obj_destroy(struct iodirty_ctx *ictx, struct iodirty_object *obj)
{
	switch (obj->type) {
	case IODIRTY_OBJ_IOAS:
		iodirty_ioas_destroy(container_of(obj, struct iodirty_ioas, obj));
		break;
	case IODIRTY_OBJ_HWPT:
		iodirty_hwpt_destroy(container_of(obj, struct iodirty_hwpt, obj));
		break;
	case IODIRTY_OBJ_DEVICE:
		iodirty_device_detach(ictx, container_of(obj,
					struct iodirty_device, obj));
		iodirty_device_destroy(container_of(obj, struct iodirty_device,
						    obj));
		break;
	case IODIRTY_OBJ_SELFTEST:
		iodirty_selftest_destroy(ictx, obj);
		break;
	default:
		break;
	}
	iodirty_obj_abort(ictx, obj);
}

/**
 * iodirty_destroy_ioctl - IOMMU_DESTROY
 * @ucmd: struct iommu_destroy
 *
 * Return: 0; -ENOENT for an unknown ID; -EBUSY when the object is in use
 * (an IOAS with HWPTs, a HWPT with devices attached, a device that is
 * attached, owned by a selftest object or running a DMA workload).
 */
int iodirty_destroy_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;
	struct iodirty_object *obj;

	obj = iodirty_obj_get(ucmd->ictx, cmd->id, IODIRTY_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (iodirty_obj_busy(obj))
		return -EBUSY;
	if (obj->type == IODIRTY_OBJ_DEVICE) {
		struct iodirty_device *dev = container_of(obj,
						struct iodirty_device, obj);

		/* owned by a selftest object, or still attached: detach first */
		if (dev->owner || dev->hwpt)
			return -EBUSY;
	}
	iodirty_obj_destroy(ucmd->ictx, obj);
	return 0;
}

/**
 * iodirty_ctx_init - set up the context of a new open file
 * @ictx: zeroed context
 *
 * Return: 0.
 */
int iodirty_ctx_init(struct iodirty_ctx *ictx)
{
	mutex_init(&ictx->lock);
	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	return 0;
}

/*
 * Destroy every object of @type that is not busy; returns how many were
 * destroyed, so the caller can loop until a pass makes no progress.
 */
static unsigned int iodirty_ctx_destroy_type(struct iodirty_ctx *ictx,
					     enum iodirty_obj_type type)
{
	struct iodirty_object *obj;
	unsigned long index;
	unsigned int n = 0;

	xa_for_each(&ictx->objects, index, obj) {
		if (obj->type != type || iodirty_obj_busy(obj))
			continue;
		if (type == IODIRTY_OBJ_DEVICE &&
		    container_of(obj, struct iodirty_device, obj)->owner)
			continue;
		iodirty_obj_destroy(ictx, obj);
		n++;
	}
	return n;
}

/**
 * iodirty_ctx_release - the file was closed: free everything
 * @ictx: the context
 *
 * Objects go in dependency order: selftest devices (which own their
 * devices), devices, HWPTs, then IOASes.  A reference still held at the
 * end is a bug and is reported with WARN rather than leaked silently.
 */
void iodirty_ctx_release(struct iodirty_ctx *ictx)
{
	static const enum iodirty_obj_type order[] = {
		IODIRTY_OBJ_SELFTEST, IODIRTY_OBJ_DEVICE, IODIRTY_OBJ_HWPT,
		IODIRTY_OBJ_IOAS,
	};
	struct iodirty_object *obj;
	unsigned long index;
	unsigned int i;

	mutex_lock(&ictx->lock);
	/* running DMA threads and scanners hold their objects: stop them */
	xa_for_each(&ictx->objects, index, obj) {
		if (obj->type == IODIRTY_OBJ_DEVICE)
			iodirty_workload_stop(container_of(obj,
					struct iodirty_device, obj));
		if (obj->type == IODIRTY_OBJ_HWPT)
			iodirty_scanner_stop(container_of(obj,
					struct iodirty_hwpt, obj));
	}
	for (i = 0; i < ARRAY_SIZE(order); i++)
		while (iodirty_ctx_destroy_type(ictx, order[i]))
			;
	xa_for_each(&ictx->objects, index, obj)
		WARN(1, "iodirty: object %u (type %d) still busy at close\n",
		     obj->id, obj->type);
	mutex_unlock(&ictx->lock);
	xa_destroy(&ictx->objects);
}
