// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty policy layer: the iodirty_ops struct_ops type.
 *
 * The kernel always has a policy: the built-in default below.  A BPF
 * policy replaces it by attaching an iodirty_ops map through a struct_ops
 * link; closing the link returns to the default, and bpf_link__update_map()
 * swaps one policy for another atomically (.update).  One BPF policy is
 * active per module: a second attach gets EEXIST.  Per-domain policies
 * would let two harvests disagree about one IOTLB for little gain; a
 * policy sees every domain's hwpt_id and can specialise itself.
 *
 * Safety, as in sched_ext: BPF only tunes, the kernel keeps the floor (see
 * hwpt.c and scan.c), and a policy that misbehaves is ejected: it returned
 * a value outside the member's range, overran timeout_ms, misused a kfunc,
 * called bpf_iodirty_error(), or the administrator turned BPF policies off
 * (module parameter bpf_policies).  Ejection unpublishes the policy at
 * once, so the member that misbehaved is the last BPF call; the default
 * answers from then on, and the policy's exit member runs later from a
 * work item with the exit info, which IODIRTY_STATUS also reports.
 *
 * Calls into the policy happen under rcu_read_lock() on a snapshot of
 * iodirty_active.  Every change of iodirty_active is made under
 * iodirty_active_lock (a spinlock: ejection happens inside RCU read-side
 * sections), and detach/replace wait for an RCU grace period before
 * calling exit, so no member runs after unreg returns.
 *
 * Lock ordering: iodirty_policy_mutex (attach, detach, replace, the
 * ejection work) → iodirty_active_lock.  The mutex is never taken inside
 * an RCU read-side section.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/ctype.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "iodirty.h"
#include "iodirty_trace.h"

#define IODIRTY_DEFAULT_TIMEOUT_MS	1000
#define IODIRTY_MAX_TIMEOUT_MS		30000

static DEFINE_MUTEX(iodirty_policy_mutex);
static DEFINE_SPINLOCK(iodirty_active_lock);
static struct iodirty_ops __rcu *iodirty_active;
static struct iodirty_ops *iodirty_ejected;	/* exit() still owed */
static struct iodirty_exit_info iodirty_last_exit;
static char iodirty_last_name[IODIRTY_OPS_NAME_LEN];
static bool iodirty_bpf_enabled = true;
struct btf *iodirty_btf;

static void iodirty_eject_workfn(struct work_struct *work);
static DECLARE_WORK(iodirty_eject_work, iodirty_eject_workfn);

/*
 * init and exit run for a policy that is not (or no longer) the active
 * one, so bpf_iodirty_error() must not act on the active policy then.
 * They run with preemption off and this CPU's lifecycle record set; the
 * kfunc sees the record and only flags the call (a failing init refuses
 * the attach; an exit has nothing left to eject).
 */
static DEFINE_PER_CPU(struct iodirty_ops *, iodirty_lifecycle_ops);
static DEFINE_PER_CPU(bool, iodirty_lifecycle_error);

static s32 call_init(struct iodirty_ops *ops)
{
	bool failed;
	s32 ret;

	if (!ops->init)
		return 0;
	preempt_disable();
	this_cpu_write(iodirty_lifecycle_ops, ops);
	this_cpu_write(iodirty_lifecycle_error, false);
	ret = ops->init();
	failed = this_cpu_read(iodirty_lifecycle_error);
	this_cpu_write(iodirty_lifecycle_ops, NULL);
	preempt_enable();
	return ret ?: failed ? -EINVAL : 0;
}

static void call_exit(struct iodirty_ops *ops, struct iodirty_exit_info *info)
{
	if (!ops->exit)
		return;
	preempt_disable();
	this_cpu_write(iodirty_lifecycle_ops, ops);
	ops->exit(info);
	this_cpu_write(iodirty_lifecycle_ops, NULL);
	preempt_enable();
}

/* ---- ejection ------------------------------------------------------------ */

/**
 * iodirty_policy_eject - stop a misbehaving (or disabled) policy now
 * @ops: the policy; nothing happens unless it is the active one
 * @kind: enum iodirty_exit_kind
 * @reason: enum iodirty_exit_reason
 * @code: bpf_iodirty_error()'s code, else 0
 * @fmt: message
 *
 * Context: any, including inside the policy's own member call.
 */
void iodirty_policy_eject(struct iodirty_ops *ops, u32 kind, u32 reason,
			  s64 code, const char *fmt, ...)
{
	unsigned long flags;
	char msg[IODIRTY_EXIT_MSG_LEN];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);

	spin_lock_irqsave(&iodirty_active_lock, flags);
	if (!ops || rcu_access_pointer(iodirty_active) != ops) {
		spin_unlock_irqrestore(&iodirty_active_lock, flags);
		return;
	}
	RCU_INIT_POINTER(iodirty_active, NULL);
	iodirty_ejected = ops;
	iodirty_last_exit.kind = kind;
	iodirty_last_exit.reason = reason;
	iodirty_last_exit.code = code;
	strscpy(iodirty_last_exit.msg, msg, sizeof(iodirty_last_exit.msg));
	spin_unlock_irqrestore(&iodirty_active_lock, flags);

	iodirty_stat_inc(IODIRTY_STAT_EJECTIONS);
	trace_iodirty_policy_eject(ops->name, kind, reason, code, msg);
	pr_warn("policy \"%s\" ejected: %s\n", ops->name, msg);
	schedule_work(&iodirty_eject_work);
}

/* Take the owed exit() call for @ops (or any, with NULL) off the books. */
static struct iodirty_ops *take_ejected(struct iodirty_ops *ops,
					struct iodirty_exit_info *info)
{
	struct iodirty_ops *got = NULL;
	unsigned long flags;

	spin_lock_irqsave(&iodirty_active_lock, flags);
	if (iodirty_ejected && (!ops || iodirty_ejected == ops)) {
		got = iodirty_ejected;
		iodirty_ejected = NULL;
		*info = iodirty_last_exit;
	}
	spin_unlock_irqrestore(&iodirty_active_lock, flags);
	return got;
}

/*
 * Run the exit an ejected policy is owed, if any.  Called with the policy
 * mutex held: from the ejection work, and before a new policy is admitted
 * (so a second ejection cannot overwrite the first one's slot).
 */
static void settle_ejected(void)
{
	struct iodirty_exit_info info;
	struct iodirty_ops *ops;

	if (!READ_ONCE(iodirty_ejected))
		return;
	synchronize_rcu();	/* the ejected policy's calls have finished */
	ops = take_ejected(NULL, &info);
	if (ops)
		call_exit(ops, &info);
}

static void iodirty_eject_workfn(struct work_struct *work)
{
	mutex_lock(&iodirty_policy_mutex);
	settle_ejected();
	mutex_unlock(&iodirty_policy_mutex);
}

/**
 * iodirty_policy_error - bpf_iodirty_error(): the calling policy asks to
 * be ejected
 * @code: its code
 * @msg: its message
 *
 * Context: inside a member call (RCU read-side section) or an init/exit
 * call (preemption off, lifecycle record set).
 */
void iodirty_policy_error(s64 code, const char *msg)
{
	struct iodirty_ops *ops = this_cpu_read(iodirty_lifecycle_ops);

	if (ops) {
		this_cpu_write(iodirty_lifecycle_error, true);
		pr_warn("policy \"%s\": bpf_iodirty_error(%lld) in init/exit: %s\n",
			ops->name, code, msg);
		return;
	}
	ops = rcu_dereference(iodirty_active);
	iodirty_policy_eject(ops, IODIRTY_EXIT_ERROR_BPF,
			     IODIRTY_EXIT_REASON_BPF_ERROR, code,
			     "policy \"%s\": %s", ops ? ops->name : "?", msg);
}

/* ---- calling members ------------------------------------------------------ */

/*
 * After a member returned: was the call acceptable?  Ejects and returns
 * false when the policy overran its timeout, returned a value outside
 * [0, max_ret], or was ejected during the call (kfunc misuse, error kfunc).
 */
static bool call_ok(struct iodirty_ops *ops, const char *member, u64 t0,
		    s64 ret, s64 max_ret)
{
	u64 dt = ktime_get_ns() - t0;
	u32 to = ops->timeout_ms ?: IODIRTY_DEFAULT_TIMEOUT_MS;

	if (rcu_access_pointer(iodirty_active) != ops)
		return false;
	if (dt > (u64)to * NSEC_PER_MSEC) {
		iodirty_policy_eject(ops, IODIRTY_EXIT_ERROR,
				     IODIRTY_EXIT_REASON_TIMEOUT, 0,
				     "policy \"%s\": %s took %llu us, timeout %u ms",
				     ops->name, member, dt / NSEC_PER_USEC, to);
		return false;
	}
	if (ret < 0 || ret > max_ret) {
		iodirty_policy_eject(ops, IODIRTY_EXIT_ERROR,
				     IODIRTY_EXIT_REASON_BAD_RETURN, 0,
				     "policy \"%s\": %s returned %lld, valid 0..%lld",
				     ops->name, member, ret, max_ret);
		return false;
	}
	iodirty_stat_inc(IODIRTY_STAT_POLICY_CALLS);
	return true;
}

static struct iodirty_ops *policy_get(void)
{
	if (!READ_ONCE(iodirty_bpf_enabled))
		return NULL;
	return rcu_dereference(iodirty_active);
}

/**
 * iodirty_policy_flush - ask the active policy what to invalidate
 * @b: the pending batch; b->ctx is what the member sees
 *
 * Context: any; never sleeps.
 *
 * Return: an enum iodirty_flush_verdict; b->from_bpf and b->name say who
 * answered.  Without a (valid) BPF answer the built-in default answers:
 * invalidate the pending ranges at once.
 */
int iodirty_policy_flush(struct iodirty_flush_batch *b)
{
	struct iodirty_ops *ops;
	s32 verdict = -1;
	u64 t0;

	b->from_bpf = false;
	rcu_read_lock();
	ops = policy_get();
	if (ops && ops->flush) {
		b->magic = IODIRTY_CALL_FLUSH;
		t0 = ktime_get_ns();
		verdict = ops->flush(&b->ctx);
		b->magic = 0;
		if (call_ok(ops, "flush", t0, verdict, IODIRTY_FLUSH__MAX - 1)) {
			b->from_bpf = true;
			strscpy(b->name, ops->name, sizeof(b->name));
		} else {
			verdict = -1;
		}
	}
	rcu_read_unlock();

	if (verdict < 0) {
		strscpy(b->name, "default", sizeof(b->name));
		iodirty_stat_inc(IODIRTY_STAT_DEFAULT_CALLS);
		verdict = b->ctx.pending_ranges ? IODIRTY_FLUSH_RANGES :
						  IODIRTY_FLUSH_DEFER;
	}
	return verdict;
}

/**
 * iodirty_policy_sample - walk or skip a scan region?
 * @ctx: the region
 *
 * Return: true to walk.  The default walks everything; the floor (max_skip)
 * is applied by the caller.
 */
bool iodirty_policy_sample(struct iodirty_sample_ctx *ctx)
{
	struct iodirty_ops *ops;
	s32 ret = IODIRTY_SAMPLE_WALK;
	u64 t0;

	rcu_read_lock();
	ops = policy_get();
	if (ops && ops->sample) {
		t0 = ktime_get_ns();
		ret = ops->sample(ctx);
		if (!call_ok(ops, "sample", t0, ret, IODIRTY_SAMPLE_WALK))
			ret = IODIRTY_SAMPLE_WALK;
	}
	rcu_read_unlock();
	return ret == IODIRTY_SAMPLE_WALK;
}

/**
 * iodirty_policy_export - hand one dirty run (or end of scan) to the policy
 * @e: the call; e->ctx is what the member sees
 */
void iodirty_policy_export(struct iodirty_export_call *e)
{
	struct iodirty_ops *ops;
	u64 t0;

	rcu_read_lock();
	ops = policy_get();
	if (ops && ops->export) {
		e->magic = IODIRTY_CALL_EXPORT;
		t0 = ktime_get_ns();
		ops->export(&e->ctx);
		e->magic = 0;
		call_ok(ops, "export", t0, 0, 0);
	}
	rcu_read_unlock();
}

/**
 * iodirty_policy_current - the active policy, for kfuncs
 *
 * Context: inside a member call (RCU read-side section).
 */
struct iodirty_ops *iodirty_policy_current(void)
{
	return rcu_dereference(iodirty_active);
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
	struct iodirty_flush_batch *b;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->op != IODIRTY_PROBE_FLUSH)
		return -EOPNOTSUPP;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->ctx.pending_pages = cmd->pending_pages;
	b->ctx.pending_ranges = cmd->pending_ranges;
	b->ctx.pending_start = cmd->pending_start;
	b->ctx.pending_end = cmd->pending_end;
	b->ctx.final = 1;
	cmd->out_verdict = iodirty_policy_flush(b);
	cmd->out_policy = b->from_bpf;
	strscpy(cmd->out_name, b->name, sizeof(cmd->out_name));
	cmd->out_calls = atomic64_read(&iodirty_stats[IODIRTY_STAT_POLICY_CALLS]);
	kfree(b);
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
	return ret;
}

/**
 * iodirty_status_ioctl - IODIRTY_STATUS
 * @ucmd: struct iodirty_status
 *
 * Return: 0, -EOPNOTSUPP for flags, -EFAULT.
 */
int iodirty_status_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_status *cmd = ucmd->cmd;
	struct iodirty_ops *ops;
	unsigned long flags;
	unsigned int i;

	if (cmd->flags)
		return -EOPNOTSUPP;
	BUILD_BUG_ON(IODIRTY_STAT__MAX > ARRAY_SIZE(cmd->out_stats));
	for (i = 0; i < IODIRTY_STAT__MAX; i++)
		cmd->out_stats[i] = atomic64_read(&iodirty_stats[i]);
	cmd->out_bpf_enabled = READ_ONCE(iodirty_bpf_enabled);
	spin_lock_irqsave(&iodirty_active_lock, flags);
	ops = rcu_access_pointer(iodirty_active);
	cmd->out_attached = !!ops;
	strscpy(cmd->out_name, ops ? ops->name : iodirty_last_name,
		sizeof(cmd->out_name));
	cmd->out_exit_kind = iodirty_last_exit.kind;
	cmd->out_exit_reason = iodirty_last_exit.reason;
	cmd->out_exit_code = iodirty_last_exit.code;
	strscpy(cmd->out_exit_msg, iodirty_last_exit.msg,
		sizeof(cmd->out_exit_msg));
	spin_unlock_irqrestore(&iodirty_active_lock, flags);
	return iodirty_ucmd_respond(ucmd, sizeof(*cmd));
}

/* ---- the bpf_policies switch ---------------------------------------------- */

static int bpf_policies_set(const char *val, const struct kernel_param *kp)
{
	struct iodirty_ops *ops;
	bool on;
	int ret;

	ret = kstrtobool(val, &on);
	if (ret)
		return ret;
	mutex_lock(&iodirty_policy_mutex);
	WRITE_ONCE(iodirty_bpf_enabled, on);
	ops = on ? NULL : rcu_access_pointer(iodirty_active);
	iodirty_policy_eject(ops, IODIRTY_EXIT_ADMIN,
			     IODIRTY_EXIT_REASON_DISABLED, 0,
			     "policy \"%s\": BPF policies disabled by the administrator",
			     ops ? ops->name : "");
	mutex_unlock(&iodirty_policy_mutex);
	return 0;
}

static int bpf_policies_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(iodirty_bpf_enabled));
}

static const struct kernel_param_ops bpf_policies_ops = {
	.set = bpf_policies_set,
	.get = bpf_policies_get,
};
module_param_cb(bpf_policies, &bpf_policies_ops, NULL, 0644);
MODULE_PARM_DESC(bpf_policies,
		 "Allow BPF iodirty_ops policies (0 ejects the attached one and refuses new ones)");

/* ---- struct_ops plumbing ---------------------------------------------------- */

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
	iodirty_btf = btf;	/* the kfunc filter recognises our programs */
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

static bool iodirty_name_valid(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
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
			return -EINVAL;	/* no flags are defined yet */
		ops->flags = uops->flags;
		return 1;
	case offsetof(struct iodirty_ops, timeout_ms):
		if (uops->timeout_ms > IODIRTY_MAX_TIMEOUT_MS)
			return -EINVAL;
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

/* Publish @ops, remembering the exit of whatever it replaces. */
static void publish(struct iodirty_ops *ops)
{
	unsigned long flags;

	spin_lock_irqsave(&iodirty_active_lock, flags);
	rcu_assign_pointer(iodirty_active, ops);
	memset(&iodirty_last_exit, 0, sizeof(iodirty_last_exit));
	strscpy(iodirty_last_name, ops->name, sizeof(iodirty_last_name));
	spin_unlock_irqrestore(&iodirty_active_lock, flags);
}

/*
 * May @ops become the policy (replacing @may_replace, or nothing)?  BPF
 * policies must be allowed, no other policy may be active, and the new
 * policy's init must succeed.  Called with the policy mutex held.
 */
static int admit(struct iodirty_ops *ops, struct iodirty_ops *may_replace)
{
	struct iodirty_ops *cur = rcu_access_pointer(iodirty_active);

	settle_ejected();
	if (!READ_ONCE(iodirty_bpf_enabled))
		return -EPERM;
	if (cur && cur != may_replace)
		return -EEXIST;
	return call_init(ops);
}

static int iodirty_ops_reg(void *kdata, struct bpf_link *link)
{
	struct iodirty_ops *ops = kdata;
	int ret;

	flush_work(&iodirty_eject_work);
	mutex_lock(&iodirty_policy_mutex);
	ret = admit(ops, NULL);
	if (ret)
		goto out_unlock;
	publish(ops);
	iodirty_stat_inc(IODIRTY_STAT_ATTACHES);
	pr_info("policy \"%s\" attached\n", ops->name);
out_unlock:
	mutex_unlock(&iodirty_policy_mutex);
	return ret;
}

/*
 * @ops stops being the policy (detach or replacement): unpublish it if it
 * is still active, wait for its calls to finish, then run its exit once,
 * unless it was ejected, in which case the ejection's exit info is used
 * (and the ejection work will find nothing left to do).
 */
static void retire(struct iodirty_ops *ops, struct iodirty_ops *successor,
		   u32 kind, u32 reason, const char *what)
{
	struct iodirty_exit_info info = {};
	unsigned long flags;
	bool was_active;

	spin_lock_irqsave(&iodirty_active_lock, flags);
	was_active = rcu_access_pointer(iodirty_active) == ops;
	if (was_active) {
		rcu_assign_pointer(iodirty_active, successor);
		iodirty_last_exit.kind = kind;
		iodirty_last_exit.reason = reason;
		iodirty_last_exit.code = 0;
		snprintf(iodirty_last_exit.msg, sizeof(iodirty_last_exit.msg),
			 "policy \"%s\" %s", ops->name, what);
		info = iodirty_last_exit;
		if (successor)
			strscpy(iodirty_last_name, successor->name,
				sizeof(iodirty_last_name));
	}
	spin_unlock_irqrestore(&iodirty_active_lock, flags);

	synchronize_rcu();
	if (!was_active && !take_ejected(ops, &info))
		return;		/* its exit already ran */
	call_exit(ops, &info);
}

static void iodirty_ops_unreg(void *kdata, struct bpf_link *link)
{
	struct iodirty_ops *ops = kdata;

	mutex_lock(&iodirty_policy_mutex);
	retire(ops, NULL, IODIRTY_EXIT_UNREG, IODIRTY_EXIT_REASON_NONE,
	       "detached by userspace");
	iodirty_stat_inc(IODIRTY_STAT_DETACHES);
	pr_info("policy \"%s\" detached\n", ops->name);
	mutex_unlock(&iodirty_policy_mutex);
}

/*
 * Atomic replacement: the new policy is initialised first, then published
 * in place of the old one in a single pointer store, so every harvest sees
 * one policy or the other, never none; pending invalidations belong to the
 * harvest, not to the policy, so none is lost.
 */
static int iodirty_ops_update(void *kdata, void *old_kdata,
			      struct bpf_link *link)
{
	struct iodirty_ops *ops = kdata, *old = old_kdata;
	struct iodirty_ops *cur;
	int ret;

	mutex_lock(&iodirty_policy_mutex);
	ret = admit(ops, old);
	if (ret)
		goto out_unlock;
	cur = rcu_access_pointer(iodirty_active);
	if (cur) {
		retire(old, ops, IODIRTY_EXIT_REPLACED,
		       IODIRTY_EXIT_REASON_REPLACED, "replaced");
	} else {
		/* the old one was ejected: settle its exit, then publish */
		retire(old, NULL, IODIRTY_EXIT_REPLACED,
		       IODIRTY_EXIT_REASON_REPLACED, "replaced");
		publish(ops);
	}
	iodirty_stat_inc(IODIRTY_STAT_REPLACEMENTS);
	pr_info("policy \"%s\" replaced by \"%s\"\n", old->name, ops->name);
out_unlock:
	mutex_unlock(&iodirty_policy_mutex);
	return ret;
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

static s32 iodirty_ops__sample(struct iodirty_sample_ctx *ctx)
{
	return IODIRTY_SAMPLE_WALK;
}

static void iodirty_ops__export(struct iodirty_run_ctx *ctx)
{
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
	.sample = iodirty_ops__sample,
	.export = iodirty_ops__export,
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
	.update = iodirty_ops_update,
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
 * attached here; an ejection's work may still be queued.
 */
void iodirty_policy_exit(void)
{
	flush_work(&iodirty_eject_work);
	WARN_ON_ONCE(rcu_access_pointer(iodirty_active));
}
