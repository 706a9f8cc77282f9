// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty kfuncs.
 *
 * Two sets, split by what a caller may do:
 *  - read-only (module counters, domain information): struct_ops, tracing
 *    and syscall programs, so observers and tests read the same numbers a
 *    policy sees;
 *  - policy (act on the harvest or scan in progress): struct_ops programs
 *    only, and a filter admits each kfunc only into the iodirty_ops member
 *    it belongs to (flush: flush_range, pending_start/end; export:
 *    fill_bitmap; any member: error).
 * The verifier-time filter is backed by a run-time check: each policy
 * kfunc finds the kernel's call record from its ctx argument and checks
 * that the matching member is running; misuse ejects the policy
 * (IODIRTY_EXIT_REASON_BAD_KFUNC_USE) instead of acting.
 *
 * kfuncs have no ABI stability guarantee, like every kfunc.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>

#include "iodirty.h"

static void bad_use(const char *kfunc, const char *member)
{
	struct iodirty_ops *ops = iodirty_policy_current();

	iodirty_policy_eject(ops, IODIRTY_EXIT_ERROR,
			     IODIRTY_EXIT_REASON_BAD_KFUNC_USE, 0,
			     "policy \"%s\": %s called outside %s",
			     ops ? ops->name : "?", kfunc, member);
}

static struct iodirty_flush_batch *flush_batch(struct iodirty_flush_ctx *ctx,
					       const char *kfunc)
{
	struct iodirty_flush_batch *b;

	b = container_of(ctx, struct iodirty_flush_batch, ctx);
	if (READ_ONCE(b->magic) != IODIRTY_CALL_FLUSH) {
		bad_use(kfunc, "flush");
		return NULL;
	}
	return b;
}

__bpf_kfunc_start_defs();

/**
 * bpf_iodirty_stat - read a module-wide iodirty counter
 * @id: enum iodirty_stat
 *
 * Context: any program type of the read-only set; never sleeps.
 *
 * Return: the counter's value, or 0 for an unknown @id.
 */
__bpf_kfunc u64 bpf_iodirty_stat(u32 id)
{
	if (id >= IODIRTY_STAT__MAX)
		return 0;
	return atomic64_read(&iodirty_stats[id]);
}

/**
 * bpf_iodirty_domain_info - describe a domain
 * @hwpt_id: global domain ID (as in every iodirty context and tracepoint)
 * @info: a struct iodirty_domain_info to fill
 * @info__sz: its size
 *
 * Context: any program type of the read-only set; never sleeps.
 *
 * Return: 0; -EINVAL when @info__sz is smaller than the struct; -ENOENT
 * when no such domain exists.
 */
__bpf_kfunc int bpf_iodirty_domain_info(u64 hwpt_id,
					struct iodirty_domain_info *info,
					u32 info__sz)
{
	struct iodirty_hwpt *hwpt;
	int ret = 0;

	if (info__sz < sizeof(*info))
		return -EINVAL;
	memset(info, 0, info__sz);
	if (hwpt_id > U32_MAX)
		return -ENOENT;
	rcu_read_lock();
	hwpt = iodirty_domain_lookup(hwpt_id);
	if (!hwpt) {
		ret = -ENOENT;
		goto out;
	}
	info->model = hwpt->model;
	info->granule = 1U << hwpt->pt.granule_shift;
	info->dirty_tracking = READ_ONCE(hwpt->dirty_tracking);
	info->harvests = atomic64_read(&hwpt->harvests);
	info->scans = atomic64_read(&hwpt->scans);
	info->flushes = atomic64_read(&hwpt->flushes);
	info->flushed_bytes = atomic64_read(&hwpt->flushed_bytes);
	info->floor_flushes = atomic64_read(&hwpt->floor_flushes);
	info->iotlb_hits = atomic64_read(&hwpt->iotlb_hits);
	info->iotlb_misses = atomic64_read(&hwpt->iotlb_misses);
	info->inv_cost_ns = atomic64_read(&hwpt->inv_cost_ns);
out:
	rcu_read_unlock();
	return ret;
}

/**
 * bpf_iodirty_flush_range - invalidate [@start, @end) now
 * @ctx: the flush member's context
 * @start: first IOVA
 * @end: end (exclusive)
 *
 * Pending ranges inside [@start, @end) stop being pending.
 *
 * Context: iodirty_ops.flush only.
 *
 * Return: 0; -EINVAL for an empty range or a call outside flush (which
 * also ejects the policy).
 */
__bpf_kfunc int bpf_iodirty_flush_range(struct iodirty_flush_ctx *ctx,
					u64 start, u64 end)
{
	struct iodirty_flush_batch *b = flush_batch(ctx, "bpf_iodirty_flush_range");

	if (!b || start >= end)
		return -EINVAL;
	return iodirty_batch_flush_range(b, start, end);
}

/**
 * bpf_iodirty_pending_start - start of pending range @idx
 * @ctx: the flush member's context
 * @idx: index below ctx->pending_ranges
 *
 * Context: iodirty_ops.flush only.
 *
 * Return: the IOVA, or 0 for an index out of range.
 */
__bpf_kfunc u64 bpf_iodirty_pending_start(struct iodirty_flush_ctx *ctx,
					  u32 idx)
{
	struct iodirty_flush_batch *b = flush_batch(ctx, "bpf_iodirty_pending_start");

	return b && idx < b->nr ? b->start[idx] : 0;
}

/**
 * bpf_iodirty_pending_end - end (exclusive) of pending range @idx
 * @ctx: the flush member's context
 * @idx: index below ctx->pending_ranges
 *
 * Context: iodirty_ops.flush only.
 *
 * Return: the IOVA, or 0 for an index out of range.
 */
__bpf_kfunc u64 bpf_iodirty_pending_end(struct iodirty_flush_ctx *ctx, u32 idx)
{
	struct iodirty_flush_batch *b = flush_batch(ctx, "bpf_iodirty_pending_end");

	return b && idx < b->nr ? b->end[idx] : 0;
}

/**
 * bpf_iodirty_fill_bitmap - write the bitmap chunk of the current run
 * @ctx: the export member's context
 * @dst: record memory, e.g. from bpf_ringbuf_reserve()
 * @dst__sz: its size
 *
 * Writes a struct iodirty_bitmap_chunk header and, after it, one bit per
 * page of the run starting at its first page, as many as fit.
 *
 * Context: iodirty_ops.export only, for a run (not end_of_scan).
 *
 * Return: pages covered (> 0), or -EINVAL when @dst__sz cannot hold the
 * header plus one byte, for end_of_scan, or outside export (which also
 * ejects the policy).
 */
__bpf_kfunc int bpf_iodirty_fill_bitmap(struct iodirty_run_ctx *ctx, void *dst,
					u32 dst__sz)
{
	struct iodirty_export_call *e;
	struct iodirty_bitmap_chunk *c = dst;
	u64 pages, room;

	e = container_of(ctx, struct iodirty_export_call, ctx);
	if (READ_ONCE(e->magic) != IODIRTY_CALL_EXPORT) {
		bad_use("bpf_iodirty_fill_bitmap", "export");
		return -EINVAL;
	}
	if (dst__sz <= sizeof(*c) || ctx->end_of_scan || !ctx->page_size)
		return -EINVAL;
	room = (u64)(dst__sz - sizeof(*c)) * BITS_PER_BYTE;
	pages = min(ctx->length / ctx->page_size, room);
	memset(dst, 0, dst__sz);
	c->hwpt_id = ctx->hwpt_id;
	c->iova = ctx->iova;
	c->page_size = ctx->page_size;
	c->nbits = pages;
	c->scan_seq = ctx->scan_seq;
	pt_bitmap_set_bits(c->bits, 0, pages);
	return pages;
}

/**
 * bpf_iodirty_error - eject the calling policy
 * @code: a code of the policy's choosing, reported in the exit info
 * @msg__str: a constant message, reported in the exit info
 *
 * The policy is unpublished at once: the default answers this very call
 * and everything after it; the policy's exit member runs later with kind
 * IODIRTY_EXIT_ERROR_BPF.  Called from init, it makes the attach fail
 * (EINVAL); from exit, it is only logged.
 *
 * Context: any iodirty_ops member.
 */
__bpf_kfunc void bpf_iodirty_error(s64 code, const char *msg__str)
{
	iodirty_policy_error(code, msg__str);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(iodirty_kfunc_ids_ro)
BTF_ID_FLAGS(func, bpf_iodirty_stat)
BTF_ID_FLAGS(func, bpf_iodirty_domain_info)
BTF_KFUNCS_END(iodirty_kfunc_ids_ro)

/*
 * 6.12 accepts one kfunc set per program type per module, so struct_ops
 * programs get everything in one set and the filter sorts it out; the
 * policy subset is only used by the filter.
 */
BTF_KFUNCS_START(iodirty_kfunc_ids_struct_ops)
BTF_ID_FLAGS(func, bpf_iodirty_stat)
BTF_ID_FLAGS(func, bpf_iodirty_domain_info)
BTF_ID_FLAGS(func, bpf_iodirty_flush_range, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_pending_start, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_pending_end, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_fill_bitmap, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_error)
BTF_KFUNCS_END(iodirty_kfunc_ids_struct_ops)

BTF_KFUNCS_START(iodirty_kfunc_ids_policy)
BTF_ID_FLAGS(func, bpf_iodirty_flush_range, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_pending_start, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_pending_end, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_fill_bitmap, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_error)
BTF_KFUNCS_END(iodirty_kfunc_ids_policy)

BTF_ID_LIST(iodirty_policy_kfunc_id)
BTF_ID(func, bpf_iodirty_flush_range)
BTF_ID(func, bpf_iodirty_pending_start)
BTF_ID(func, bpf_iodirty_pending_end)
BTF_ID(func, bpf_iodirty_fill_bitmap)

/*
 * Verifier time: policy kfuncs only in iodirty_ops programs, and only in
 * the member each belongs to (the struct_ops member name is the program's
 * attach_func_name).
 */
static int iodirty_policy_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	const char *member = prog->aux->attach_func_name;
	const char *need = NULL;

	if (!btf_id_set8_contains(&iodirty_kfunc_ids_policy, kfunc_id))
		return 0;
	if (prog->type != BPF_PROG_TYPE_STRUCT_OPS || !iodirty_btf ||
	    prog->aux->attach_btf != iodirty_btf || !member)
		return -EACCES;
	if (kfunc_id == iodirty_policy_kfunc_id[0] ||
	    kfunc_id == iodirty_policy_kfunc_id[1] ||
	    kfunc_id == iodirty_policy_kfunc_id[2])
		need = "flush";
	else if (kfunc_id == iodirty_policy_kfunc_id[3])
		need = "export";
	return need && strcmp(member, need) ? -EACCES : 0;
}

static const struct btf_kfunc_id_set iodirty_kfunc_set_ro = {
	.owner = THIS_MODULE,
	.set = &iodirty_kfunc_ids_ro,
};

static const struct btf_kfunc_id_set iodirty_kfunc_set_struct_ops = {
	.owner = THIS_MODULE,
	.set = &iodirty_kfunc_ids_struct_ops,
	.filter = iodirty_policy_filter,
};

/**
 * iodirty_kfuncs_init - register the kfunc sets with the BPF core
 *
 * Return: 0 or a negative errno from register_btf_kfunc_id_set().
 */
int iodirty_kfuncs_init(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&iodirty_kfunc_set_struct_ops);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING,
					       &iodirty_kfunc_set_ro);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL,
					       &iodirty_kfunc_set_ro);
	if (ret)
		pr_err("iodirty: registering kfuncs failed: %d\n", ret);
	return ret;
}
