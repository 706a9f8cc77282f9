// SPDX-License-Identifier: GPL-2.0
/*
 * Accessed-bit subtree pruning for harvests (kmod/pt/pt_walk_prune.h has
 * the walk and the argument): the module parameter that turns it on, the
 * paging-structure-cache invalidation a pruning harvest issues, and the
 * counters the VM test reads (selftests/vm/prog_tests/harvest_prune.c).
 */
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "iodirty.h"

static bool harvest_prune;
module_param(harvest_prune, bool, 0644);
MODULE_PARM_DESC(harvest_prune,
		 "clearing harvests skip subtrees whose non-leaf accessed bit is clear (AMD v1, VT-d, mock; ARM walks all)");

/* counters for tests (selftests/vm/prog_tests/harvest_prune.c) */
static atomic_long_t harvest_pruned = ATOMIC_LONG_INIT(0);
static atomic_long_t harvest_psc_invals = ATOMIC_LONG_INIT(0);

static int harvest_counter_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops harvest_counter_ops = {
	.get = harvest_counter_get,
};
module_param_cb(harvest_pruned, &harvest_counter_ops, &harvest_pruned, 0444);
MODULE_PARM_DESC(harvest_pruned, "subtrees pruning harvests skipped (read only)");
module_param_cb(harvest_psc_invals, &harvest_counter_ops, &harvest_psc_invals,
		0444);
MODULE_PARM_DESC(harvest_psc_invals,
		 "paging-structure-cache invalidations pruning harvests issued (read only)");

/**
 * iodirty_harvest_psc_invalidate - sink.table_a_cleared of a pruning harvest
 * @arg: the harvest's struct iodirty_flush_batch
 * @iova: first IOVA of the span whose table entries lost their A
 * @len: bytes
 *
 * Invalidates the span in every attached device's PSC and waits, before
 * the walker goes on to the leaves below.
 *
 * Context: the IOAS rwsem held (device list stable); may run on a split
 * harvest's helper worker, concurrently with others.
 */
void iodirty_harvest_psc_invalidate(void *arg, u64 iova, u64 len)
{
	struct iodirty_flush_batch *b = arg;
	struct iodirty_device *dev;
	u64 cost = 0;

	list_for_each_entry(dev, &b->hwpt->devices, hwpt_node)
		cost += iodirty_psc_invalidate(dev, iova, iova + len);
	atomic64_add(cost, &b->hwpt->inv_cost_ns);
	atomic_long_inc(&harvest_psc_invals);
}

/**
 * iodirty_harvest_prune_enabled - should clearing harvests prune?
 *
 * Return: the harvest_prune parameter.
 */
bool iodirty_harvest_prune_enabled(void)
{
	return READ_ONCE(harvest_prune);
}

/**
 * iodirty_harvest_pruned_add - count subtrees a harvest skipped
 * @n: pt_dirty_stats.pruned of the harvest
 */
void iodirty_harvest_pruned_add(u64 n)
{
	if (n)
		atomic_long_add(n, &harvest_pruned);
}
