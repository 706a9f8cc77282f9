// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty policy layer: the iodirty_ops struct_ops type.
 *
 * The kernel always has a policy: the built-in default below.  A BPF
 * program may replace it by attaching an iodirty_ops map through a
 * struct_ops link; detaching (closing the link) returns to the default.
 * One BPF policy is active per module at a time: a second attach gets
 * -EEXIST.  (Per-domain policies would let two harvests disagree about the
 * same IOTLB, for little gain.)
 *
 * Calls into the policy happen under rcu_read_lock() on a snapshot of
 * iodirty_active; unreg clears the pointer and waits for an RCU grace
 * period, so no member runs after unreg returns.
 *
 * Lock ordering: iodirty_policy_mutex (attach/detach) is outermost and is
 * never taken inside an RCU read-side section.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ctype.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "iodirty.h"

static DEFINE_MUTEX(iodirty_policy_mutex);
static struct iodirty_ops __rcu *iodirty_active;
static struct iodirty_exit_info iodirty_last_exit;

/* The built-in default: flush exactly what was cleared, at once. */
static s32 iodirty_default_flush(struct iodirty_flush_ctx *ctx)
{
	return ctx->pending_ranges ? IODIRTY_FLUSH_RANGES : IODIRTY_FLUSH_DEFER;
}

/**
 * iodirty_policy_flush - ask the active policy what to invalidate
 * @ctx: the pending state
 * @from_bpf: set to true if a BPF policy answered
 * @name: receives the answering policy's name
 * @name_len: size of @name
 *
 * Context: any context; never sleeps.
 *
 * Return: an enum iodirty_flush_verdict.  A BPF answer out of range is
 * replaced by the default's answer (the policy layer ejects such policies;
 * until then the kernel never acts on an invalid verdict).
 */
int iodirty_policy_flush(struct iodirty_flush_ctx *ctx, bool *from_bpf,
			 char *name, size_t name_len)
{
	struct iodirty_ops *ops;
	s32 verdict = -1;

	*from_bpf = false;
	rcu_read_lock();
	ops = rcu_dereference(iodirty_active);
	if (ops && ops->flush) {
		verdict = ops->flush(ctx);
		*from_bpf = true;
		strscpy(name, ops->name, name_len);
		iodirty_stat_inc(IODIRTY_STAT_POLICY_CALLS);
	}
	rcu_read_unlock();

	if (verdict < 0 || verdict >= IODIRTY_FLUSH__MAX) {
		if (!*from_bpf)
			strscpy(name, "default", name_len);
		iodirty_stat_inc(IODIRTY_STAT_DEFAULT_CALLS);
		verdict = iodirty_default_flush(ctx);
	}
	return verdict;
}

/**
 * iodirty_policy_probe_ioctl - IODIRTY_POLICY_PROBE
 * @ucmd: the command
 *
 * Return: 0, -EOPNOTSUPP for flags/reserved/op it does not know, -EFAULT.
 */
int iodirty_policy_probe_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_policy_probe *cmd = ucmd->cmd;
	struct iodirty_flush_ctx ctx = {};
	bool from_bpf;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->op != IODIRTY_PROBE_FLUSH)
		return -EOPNOTSUPP;

	ctx.pending_pages = cmd->pending_pages;
	ctx.pending_ranges = cmd->pending_ranges;
	ctx.pending_start = cmd->pending_start;
	ctx.pending_end = cmd->pending_end;
	cmd->out_verdict = iodirty_policy_flush(&ctx, &from_bpf, cmd->out_name,
						sizeof(cmd->out_name));
	cmd->out_policy = from_bpf;
	cmd->out_calls = atomic64_read(&iodirty_stats[IODIRTY_STAT_POLICY_CALLS]);
	return iodirty_ucmd_respond(ucmd, sizeof(*cmd));
}

/* ---- struct_ops plumbing ---------------------------------------------- */

static const struct bpf_func_proto *
iodirty_ops_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
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
static const struct bpf_verifier_ops iodirty_ops_verifier_ops = {
	.get_func_proto = iodirty_ops_get_func_proto,
	.is_valid_access = iodirty_ops_is_valid_access,
};

static int iodirty_ops_init(struct btf *btf)
{
	return 0;
}

static int iodirty_ops_check_member(const struct btf_type *t,
				    const struct btf_member *member,
				    const struct bpf_prog *prog)
{
	/* Members run in harvest paths that must not sleep. */
	if (prog->sleepable)
		return -EINVAL;
	return 0;
}

static int iodirty_name_valid(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return 0;
	return i > 0 && i < len;
}

static int iodirty_ops_init_member(const struct btf_type *t,
				   const struct btf_member *member,
				   void *kdata, const void *udata)
{
	const struct iodirty_ops *uops = udata;
	struct iodirty_ops *ops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	switch (moff) {
	case offsetof(struct iodirty_ops, flags):
		if (uops->flags)
			return -EINVAL;
		ops->flags = uops->flags;
		return 1;
	case offsetof(struct iodirty_ops, timeout_ms):
		ops->timeout_ms = uops->timeout_ms;
		return 1;
	case offsetof(struct iodirty_ops, name):
		if (!iodirty_name_valid(uops->name, sizeof(uops->name)))
			return -EINVAL;
		strscpy(ops->name, uops->name, sizeof(ops->name));
		return 1;
	}
	return 0;
}

static int iodirty_ops_reg(void *kdata, struct bpf_link *link)
{
	struct iodirty_ops *ops = kdata;
	int ret = 0;

	mutex_lock(&iodirty_policy_mutex);
	if (rcu_access_pointer(iodirty_active)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	if (ops->init) {
		ret = ops->init();
		if (ret)
			goto out_unlock;
	}
	memset(&iodirty_last_exit, 0, sizeof(iodirty_last_exit));
	rcu_assign_pointer(iodirty_active, ops);
	iodirty_stat_inc(IODIRTY_STAT_ATTACHES);
	pr_info("policy \"%s\" attached\n", ops->name);
out_unlock:
	mutex_unlock(&iodirty_policy_mutex);
	return ret;
}

static void iodirty_ops_unreg(void *kdata, struct bpf_link *link)
{
	struct iodirty_ops *ops = kdata;

	mutex_lock(&iodirty_policy_mutex);
	if (rcu_access_pointer(iodirty_active) != ops)
		goto out_unlock;
	RCU_INIT_POINTER(iodirty_active, NULL);
	synchronize_rcu();
	iodirty_last_exit.kind = IODIRTY_EXIT_UNREG;
	iodirty_last_exit.reason = 0;
	snprintf(iodirty_last_exit.msg, sizeof(iodirty_last_exit.msg),
		 "policy \"%s\" detached by userspace", ops->name);
	if (ops->exit)
		ops->exit(&iodirty_last_exit);
	iodirty_stat_inc(IODIRTY_STAT_DETACHES);
	pr_info("policy \"%s\" detached\n", ops->name);
out_unlock:
	mutex_unlock(&iodirty_policy_mutex);
}

static int iodirty_ops_validate(void *kdata)
{
	struct iodirty_ops *ops = kdata;

	if (!ops->flush)
		return -EINVAL;
	return 0;
}

/* CFI stubs: one per member, with the member's exact signature. */
static s32 iodirty_ops__flush(struct iodirty_flush_ctx *ctx)
{
	return 0;
}

static s32 iodirty_ops__init(void)
{
	return 0;
}

static void iodirty_ops__exit(struct iodirty_exit_info *info)
{
}

static struct iodirty_ops __iodirty_ops_cfi_stubs = {
	.flush = iodirty_ops__flush,
	.init = iodirty_ops__init,
	.exit = iodirty_ops__exit,
};

static struct bpf_struct_ops bpf_iodirty_ops = {
	.verifier_ops = &iodirty_ops_verifier_ops,
	.init = iodirty_ops_init,
	.check_member = iodirty_ops_check_member,
	.init_member = iodirty_ops_init_member,
	.reg = iodirty_ops_reg,
	.unreg = iodirty_ops_unreg,
	.validate = iodirty_ops_validate,
	.cfi_stubs = &__iodirty_ops_cfi_stubs,
	.name = "iodirty_ops",
	.owner = THIS_MODULE,
};

/**
 * iodirty_policy_init - register the iodirty_ops struct_ops type
 *
 * Return: 0 or a negative errno.
 */
int iodirty_policy_init(void)
{
	int ret;

	ret = register_bpf_struct_ops(&bpf_iodirty_ops, iodirty_ops);
	if (ret)
		pr_err("registering struct_ops iodirty_ops failed: %d\n", ret);
	return ret;
}

/**
 * iodirty_policy_exit - module unload
 *
 * A struct_ops map holds a reference on the module, so no policy can be
 * attached here; there is nothing to unregister (the type goes away with
 * the module's BTF).
 */
void iodirty_policy_exit(void)
{
	WARN_ON_ONCE(rcu_access_pointer(iodirty_active));
}
