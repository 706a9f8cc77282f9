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
 *    it belongs to (flush: flush_range, pending_start/end, demote;
 *    export: fill_bitmap; any member: error).
 * The verifier-time filter is backed by a run-time check: each policy
 * kfunc finds the kernel's call record from its ctx argument and checks
 * that the matching member is running; misuse ejects the policy
 * (IODIRTY_EXIT_REASON_BAD_KFUNC_USE) instead of acting.
 *
 * kfuncs have no ABI stability guarantee, like every kfunc.
 *
 * This file also decides which programs may become iodirty_ops members
 * ("bounded by construction", see the policy-admission section at the
 * end): every member must finish in a time the verifier bounds, because
 * Linux 6.12 cannot interrupt a running BPF program and a post-hoc
 * timeout alone bounds nothing.
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ctype.h>
#include <linux/filter.h>
#include <linux/kallsyms.h>

#include "iodirty.h"

static void bad_use(const char *kfunc, const char *member)
{
	struct iodirty_ops *ops = iodirty_policy_current();	/* the caller */

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
 * bpf_iodirty_demote - ask for the 2 MiB leaves of [@start, @end) to be
 *	demoted into 4 KiB leaves after this harvest
 * @ctx: the flush member's context
 * @start: first IOVA
 * @end: end (exclusive)
 *
 * Records a request.  Once the harvest (or scan) in progress has
 * completed, its IOTLB invalidations included, the kernel replaces every
 * 2 MiB leaf lying wholly inside [@start, @end) by 512 4 KiB leaves with
 * the same permissions and output addresses, each inheriting the old
 * leaf's dirty and accessed state (nothing is lost: a page written since
 * the harvest is reported by the next one), and invalidates the IOTLB and
 * paging-structure caches of every attached device for each demoted leaf.
 * It does so under the IOAS rwsem held for write, as map and unmap do.
 * Holes and leaves of other sizes are skipped.  Later harvests report
 * those ranges per 4 KiB.  There is no promotion back.  Overlapping or
 * adjacent requests of one harvest merge; at most IODIRTY_DEMOTE_MAX (64)
 * disjoint ones are kept.  A probe (IODIRTY_POLICY_PROBE) records and
 * drops them.  Counted in IODIRTY_STAT_DEMOTES (leaves demoted).
 *
 * Context: iodirty_ops.flush only.
 *
 * Return: 0 recorded; -EINVAL for an empty range or a call outside flush
 * (which also ejects the policy); -EOPNOTSUPP for a domain whose format
 * has no 2 MiB leaves (the 2 KiB-granule mock); -ENOSPC when this
 * harvest already holds IODIRTY_DEMOTE_MAX disjoint requests.
 */
__bpf_kfunc int bpf_iodirty_demote(struct iodirty_flush_ctx *ctx, u64 start,
				   u64 end)
{
	struct iodirty_flush_batch *b = flush_batch(ctx, "bpf_iodirty_demote");

	if (!b)
		return -EINVAL;
	return iodirty_batch_demote(b, start, end);
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
 * The calling policy (not whichever is active: during a hot swap the old
 * policy's last call must not eject its successor) is unpublished at
 * once: the default answers this very call and everything after it; the
 * policy's exit member runs later with kind IODIRTY_EXIT_ERROR_BPF.  A
 * call from a policy that is no longer active does nothing.  Called from
 * init, it makes the attach fail (EINVAL); from exit, it is only logged.
 * The log lines it causes are rate limited (10 per 5 s), so a policy
 * calling it in a loop cannot flood the console.
 *
 * Context: any iodirty_ops member; never sleeps.
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
BTF_ID_FLAGS(func, bpf_iodirty_demote, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_error)
BTF_KFUNCS_END(iodirty_kfunc_ids_struct_ops)

BTF_KFUNCS_START(iodirty_kfunc_ids_policy)
BTF_ID_FLAGS(func, bpf_iodirty_flush_range, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_pending_start, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_pending_end, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_fill_bitmap, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_demote, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iodirty_error)
BTF_KFUNCS_END(iodirty_kfunc_ids_policy)

BTF_ID_LIST(iodirty_policy_kfunc_id)
BTF_ID(func, bpf_iodirty_flush_range)
BTF_ID(func, bpf_iodirty_pending_start)
BTF_ID(func, bpf_iodirty_pending_end)
BTF_ID(func, bpf_iodirty_fill_bitmap)
BTF_ID(func, bpf_iodirty_demote)

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
	    kfunc_id == iodirty_policy_kfunc_id[2] ||
	    kfunc_id == iodirty_policy_kfunc_id[4])
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

/* ---- policy admission: bounded by construction ---------------------------- */

/*
 * The verifier bounds a program's runtime by its 1M processed-instruction
 * limit only for straight-line code and bounded loops, which it walks
 * iteration by iteration.  Three constructs escape that bound, because the
 * verifier checks their body once and the iteration count is decided at
 * run time (up to BPF_MAX_LOOPS = 8M each, multiplied when nested):
 *  - helpers taking a callback (bpf_loop, bpf_for_each_map_elem,
 *    bpf_user_ringbuf_drain, bpf_timer_set_callback: any helper with an
 *    ARG_PTR_TO_FUNC argument), and bpf_tail_call (33 programs in a row);
 *  - open-coded iterators (bpf_iter_<type>_new/next/destroy kfuncs, e.g.
 *    bpf_for()) and kfuncs taking a callback (bpf_rbtree_add, bpf_wq);
 *  - may_goto / can_loop instructions (BPF_JMP | BPF_JCOND).
 * iodirty refuses all three, so each member runs at most ~1M instructions
 * plus the helpers and kfuncs it calls.  Helpers are refused at
 * verification (the log says "program of this type cannot use helper");
 * may_goto and every vmlinux kfunc (the iterators among them) are
 * refused by check_member, before verification (the log says "attach to
 * unsupported member"); iterator kfuncs of modules and callbacks passed
 * to any kfunc are refused when the verified program is put into the
 * iodirty_ops map, where its calls are resolved to functions (the map
 * update, i.e. the skeleton's load, fails with EINVAL).  Each refusal also logs its reason.
 *
 * Residual: helpers and kfuncs whose work grows with a size argument (a
 * copy or memset of a map value, at most a few MiB) run once per call, so
 * the real bound is the instruction limit times the dearest call; the
 * member timeout ejects a policy that gets there.
 *
 * The data fields (flags, timeout_ms, name) are checked here too.
 */

/* bpf_base_func_proto() minus tail calls and helpers taking a callback */
static const struct bpf_func_proto *
iodirty_ops_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	const struct bpf_func_proto *fn;
	int i;

	if (func_id == BPF_FUNC_tail_call)
		return NULL;
	fn = bpf_base_func_proto(func_id, prog);
	if (!fn)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(fn->arg_type); i++)
		if (base_type(fn->arg_type[i]) == ARG_PTR_TO_FUNC)
			return NULL;
	return fn;
}

static bool iodirty_ops_is_valid_access(int off, int size,
					enum bpf_access_type type,
					const struct bpf_prog *prog,
					struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

/*
 * No btf_struct_access: every structure a member receives is read-only to
 * BPF (the verifier says "only read is supported").
 */
const struct bpf_verifier_ops iodirty_ops_verifier_ops = {
	.get_func_proto = iodirty_ops_get_func_proto,
	.is_valid_access = iodirty_ops_is_valid_access,
};

/*
 * The raw instructions, before verification: may_goto, and any kfunc of
 * the kernel proper.  A raw kfunc call names its function by BTF id; off
 * is 0 for vmlinux's BTF and an fd_array index for a module's.  Only
 * module kfuncs may be called (iodirty's own, each bounded); the kernel's
 * common kfuncs include the open-coded iterators, and newer kernels
 * inline bpf_iter_num_* (7.3's fixup_kfunc_call() leaves no call behind,
 * so check_verified() cannot see them there).
 */
static int check_raw(const struct bpf_prog *prog)
{
	u32 i;

	for (i = 0; i < prog->len; i++) {
		const struct bpf_insn *insn = &prog->insnsi[i];

		if (BPF_CLASS(insn->code) == BPF_JMP &&
		    BPF_OP(insn->code) == BPF_JCOND) {
			pr_warn_ratelimited("iodirty: policy program %s refused: may_goto (can_loop) at insn %u: its runtime is not bounded by the verifier\n",
					    prog->aux->name, i);
			return -EINVAL;
		}
		if (insn->code == (BPF_JMP | BPF_CALL) &&
		    insn->src_reg == BPF_PSEUDO_KFUNC_CALL && insn->off == 0) {
			pr_warn_ratelimited("iodirty: policy program %s refused: a kernel kfunc (vmlinux BTF id %d) at insn %u, e.g. an open-coded iterator: only module kfuncs (bpf_iodirty_*) are allowed\n",
					    prog->aux->name, insn->imm, i);
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * iodirty_ops_check_member - may @prog implement @member?
 * @t: struct iodirty_ops
 * @member: the member
 * @prog: the program, before verification (raw instructions)
 *
 * Members run in harvest paths that must not sleep, and must not contain
 * may_goto or call a kfunc of the kernel proper (check_raw()).
 *
 * Context: the verifier, at load; may sleep.
 *
 * Return: 0, or -EINVAL (the verifier log then says "attach to
 * unsupported member"; the kernel log says why).
 */
int iodirty_ops_check_member(const struct btf_type *t,
			     const struct btf_member *member,
			     const struct bpf_prog *prog)
{
	if (prog->sleepable)
		return -EINVAL;
	return check_raw(prog);
}

/*
 * A verified program (xlated instructions: kfunc calls carry the function
 * address, callbacks stay BPF_PSEUDO_FUNC loads): refuse iterator kfuncs
 * (bpf_iter_* is the naming rule the verifier enforces for them) and any
 * callback, which by now can only be passed to a kfunc.
 */
static int check_verified(const struct bpf_prog *prog)
{
	char sym[KSYM_SYMBOL_LEN];
	const char *why = NULL;
	u32 i;

	for (i = 0; i < prog->len && !why; i++) {
		const struct bpf_insn *insn = &prog->insnsi[i];

		if (bpf_pseudo_func(insn)) {
			why = "a callback passed to a kfunc";
			snprintf(sym, sizeof(sym), "insn %u", i);
		} else if (insn->code == (BPF_JMP | BPF_CALL) &&
			   insn->src_reg == BPF_PSEUDO_KFUNC_CALL) {
			sprint_symbol_no_offset(sym, (unsigned long)
						__bpf_call_base + insn->imm);
			if (!strncmp(sym, "bpf_iter_", 9))
				why = "an open-coded iterator";
		}
	}
	if (!why)
		return 0;
	pr_warn_ratelimited("iodirty: policy program %s refused: %s (%s): its runtime is not bounded by the verifier\n",
			    prog->aux->name, why, sym);
	return -EINVAL;
}

/* A function member of the user's value holds the program's fd. */
static int check_member_prog(const void *udata, u32 moff)
{
	int fd = (int)*(const unsigned long *)(udata + moff);
	struct bpf_prog *prog;
	int ret;

	if (!fd)
		return 0;
	prog = bpf_prog_get_type_dev(fd, BPF_PROG_TYPE_STRUCT_OPS, false);
	if (IS_ERR(prog))
		return 0;	/* the BPF core refuses it */
	ret = check_verified(prog);
	bpf_prog_put(prog);
	return ret;
}

static bool iodirty_name_valid(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return i > 0 && i < len;
}

/**
 * iodirty_ops_init_member - check one member of a user's iodirty_ops
 * @t: struct iodirty_ops
 * @member: the member
 * @kdata: the kernel copy being built
 * @udata: the user's value (function members hold program fds)
 *
 * Copies the data fields after checking them (flags must be 0, timeout_ms
 * at most IODIRTY_OPS_MAX_TIMEOUT_MS, a valid name) and refuses a member
 * program that calls an iterator or callback kfunc.
 *
 * Context: BPF_MAP_UPDATE_ELEM of the struct_ops map; may sleep.
 *
 * Return: 1 for a data field it copied, 0 to let the BPF core install a
 * function member, -EINVAL to refuse the value.
 */
int iodirty_ops_init_member(const struct btf_type *t,
			    const struct btf_member *member,
			    void *kdata, const void *udata)
{
	const struct iodirty_ops *uops = udata;
	struct iodirty_ops *ops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	switch (moff) {
	case offsetof(struct iodirty_ops, flags):
		if (uops->flags)
			return -EINVAL;	/* no flags are defined yet */
		ops->flags = uops->flags;
		return 1;
	case offsetof(struct iodirty_ops, timeout_ms):
		if (uops->timeout_ms > IODIRTY_OPS_MAX_TIMEOUT_MS)
			return -EINVAL;
		ops->timeout_ms = uops->timeout_ms;
		return 1;
	case offsetof(struct iodirty_ops, name):
		if (!iodirty_name_valid(uops->name, sizeof(uops->name)))
			return -EINVAL;
		strscpy(ops->name, uops->name, sizeof(ops->name));
		return 1;
	case offsetof(struct iodirty_ops, flush):
	case offsetof(struct iodirty_ops, sample):
	case offsetof(struct iodirty_ops, export):
	case offsetof(struct iodirty_ops, init):
	case offsetof(struct iodirty_ops, exit):
		return check_member_prog(udata, moff);
	}
	return 0;
}

