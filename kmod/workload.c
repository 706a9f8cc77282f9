// SPDX-License-Identifier: GPL-2.0
/*
 * DMA workloads: one kernel thread per device that keeps writing into an
 * IOVA range through the emulated DMA engine, so harvests, policies and
 * the oracle can be exercised against traffic that runs concurrently with
 * them, as a NIC or GPU would during live migration.
 *
 * Patterns (enum iodirty_workload_pattern): sequential, uniform random,
 * "zipf" hot/cold (hot_pct of writes go to the first eighth of the pages),
 * and a NIC-like ring (round-robin descriptor writes in the first
 * sixteenth, each followed by a payload write to a random buffer page).
 * A seeded xorshift generator makes every run reproducible.
 *
 * Each write stores the IOVA byte pattern XORed with a per-write tag, so a
 * rewrite changes the bytes of the page: a consumer that copies memory
 * (iodirty-migrate) and loses a re-dirty then ends up with different bytes,
 * which a byte compare can see.  (A pure IOVA pattern would make every
 * rewrite of a page write what is already there.)
 *
 * Lifetime: the running thread holds a reference on its device (DESTROY
 * and detach get EBUSY); STOP, and closing the file, stop it with
 * kthread_stop(), which waits for the current write to finish.  Each write
 * takes the IOAS rwsem for read, so MAP/UNMAP interleave with the traffic.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "iodirty.h"

static u64 wl_next(u64 *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static u64 wl_pick_page(struct iodirty_workload *a, u64 *s, u64 n, u64 *step)
{
	u64 hot, ring;

	switch (a->pattern) {
	case IODIRTY_WL_SEQUENTIAL:
		return (*step)++ % n;
	case IODIRTY_WL_ZIPF:
		hot = max_t(u64, n / 8, 1);
		if (n == hot || wl_next(s) % 100 < a->hot_pct)
			return wl_next(s) % hot;
		return hot + wl_next(s) % (n - hot);
	case IODIRTY_WL_NIC_RING:
		ring = max_t(u64, n / 16, 1);
		if (n == ring || !((*step)++ & 1))
			return (*step / 2) % ring;
		return ring + wl_next(s) % (n - ring);
	default:
		return wl_next(s) % n;
	}
}

static int wl_thread(void *data)
{
	struct iodirty_device *dev = data;
	struct iodirty_workload *a = &dev->wl.args;
	u64 n = a->length >> PAGE_SHIFT, s = a->seed ?: 0x9e3779b97f4a7c15ULL;
	u64 step = 0, hits = 0, misses = 0, start = ktime_get_ns(), done = 0;
	struct iodirty_ioas *ioas = dev->hwpt->ioas;
	u8 *buf = dev->wl.buf;

	while (!kthread_should_stop()) {
		u64 page = wl_pick_page(a, &s, n, &step);
		u64 off = a->write_bytes < PAGE_SIZE ?
			  wl_next(&s) % (PAGE_SIZE - a->write_bytes + 1) : 0;
		u64 iova = a->iova + (page << PAGE_SHIFT) + off;
		u8 tag = 1 + done % 255;	/* never 0: a rewrite differs */
		u32 i;
		int ret;

		for (i = 0; i < a->write_bytes; i++)
			buf[i] = (u8)(iova + i) ^ tag;
		down_read(&ioas->rwsem);
		ret = iodirty_dma_access(dev, iova, a->write_bytes, true, buf,
					 NULL, &hits, &misses);
		up_read(&ioas->rwsem);
		if (ret)
			atomic64_inc(&dev->wl.faults);
		else
			atomic64_inc(&dev->wl.writes);
		done++;

		if (a->rate) {
			/* stay on schedule: sleep when ahead of it */
			u64 due = start + div64_u64(done * NSEC_PER_SEC, a->rate);
			s64 ahead = due - ktime_get_ns();

			if (ahead > 50 * NSEC_PER_USEC)
				usleep_range(ahead / NSEC_PER_USEC,
					     ahead / NSEC_PER_USEC + 50);
		}
		cond_resched();
	}
	return 0;
}

/**
 * iodirty_workload_stop - stop a device's workload thread, if running
 * @dev: the device
 *
 * Context: process context (waits for the thread); context lock held.
 */
void iodirty_workload_stop(struct iodirty_device *dev)
{
	if (!dev->wl.task)
		return;
	kthread_stop(dev->wl.task);
	put_task_struct(dev->wl.task);
	dev->wl.task = NULL;
	kfree(dev->wl.buf);
	dev->wl.buf = NULL;
	refcount_dec(&dev->obj.users);
}

static int wl_start(struct iodirty_device *dev, struct iodirty_workload *cmd)
{
	struct task_struct *t;

	if (dev->wl.task)
		return -EBUSY;
	if (!dev->hwpt)
		return -EINVAL;
	if (cmd->pattern >= IODIRTY_WL__MAX || !cmd->length ||
	    cmd->length % PAGE_SIZE || cmd->iova % PAGE_SIZE ||
	    cmd->iova + cmd->length - 1 < cmd->iova ||
	    cmd->write_bytes > PAGE_SIZE || cmd->hot_pct > 100 ||
	    cmd->rate > 100000000)
		return -EINVAL;
	dev->wl.args = *cmd;
	if (!dev->wl.args.write_bytes)
		dev->wl.args.write_bytes = 64;
	if (!dev->wl.args.hot_pct)
		dev->wl.args.hot_pct = 90;
	atomic64_set(&dev->wl.writes, 0);
	atomic64_set(&dev->wl.faults, 0);
	/* allocated here, where a failure can be returned, not in the thread */
	dev->wl.buf = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!dev->wl.buf)
		return -ENOMEM;
	t = kthread_create(wl_thread, dev, "iodirty-wl/%u", dev->obj.id);
	if (IS_ERR(t)) {
		kfree(dev->wl.buf);
		dev->wl.buf = NULL;
		return PTR_ERR(t);
	}
	get_task_struct(t);
	dev->wl.task = t;
	refcount_inc(&dev->obj.users);
	wake_up_process(t);
	return 0;
}

/**
 * iodirty_workload_ioctl - IODIRTY_WORKLOAD
 * @ucmd: struct iodirty_workload
 *
 * Return: 0; -EOPNOTSUPP unknown op or reserved; -ENOENT unknown device;
 * -EBUSY START while running; -EINVAL bad parameters or device detached.
 */
int iodirty_workload_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_workload *cmd = ucmd->cmd;
	struct iodirty_device *dev;
	int ret = 0;

	if (cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	dev = iodirty_device_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	switch (cmd->op) {
	case IODIRTY_WORKLOAD_START:
		ret = wl_start(dev, cmd);
		break;
	case IODIRTY_WORKLOAD_STOP:
		iodirty_workload_stop(dev);
		break;
	case IODIRTY_WORKLOAD_STATUS:
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (ret)
		return ret;
	cmd->out_writes = atomic64_read(&dev->wl.writes);
	cmd->out_faults = atomic64_read(&dev->wl.faults);
	cmd->out_running = !!dev->wl.task;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	/*
	 * A START whose result cannot be written leaves no worker running.
	 * What it wrote meanwhile was real DMA and stays dirty.
	 */
	if (ret && cmd->op == IODIRTY_WORKLOAD_START)
		iodirty_workload_stop(dev);
	return ret;
}
