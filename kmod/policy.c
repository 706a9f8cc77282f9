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
 * calling exit, so no member runs after unreg returns.  A replacement
 * publishes its successor in the same iodirty_active_lock section that
 * retires the old policy, whether or not an ejection got there first, so
 * a swap and an ejection serialise.
 *
 * Every member call (init and exit included) runs with preemption
 * disabled and this CPU's call record (iodirty_caller) naming the policy
 * that is running, so bpf_iodirty_error() and kfunc misuse act on the
 * caller, never on whichever policy happens to be active.  Members are
 * bounded by construction (kfuncs.c refuses loops the verifier does not
 * bound), so a call holds the CPU for at most milliseconds; timeout_ms
 * (at most IODIRTY_OPS_MAX_TIMEOUT_MS) ejects a policy that is slow.
 *
 * Lock ordering: iodirty_policy_mutex (attach, detach, replace, the
 * ejection work, bpf_policies) → iodirty_active_lock.  The mutex is never
 * taken inside an RCU read-side section.  init and exit run under the
 * mutex (and the BPF core's struct_ops mutexes); member calls run under
 * whatever locks their caller in hwpt.c / scan.c holds, for a bounded
 * time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "iodirty.h"
#include "iodirty_trace.h"

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

/* bpf_iodirty_error() log lines: 10 per 5 s, whatever a policy does */
static DEFINE_RATELIMIT_STATE(iodirty_error_rs, 5 * HZ, 10);

/*
 * Test-only switches (0, the default, disables them), so the VM tests can
 * make the races of a hot swap happen on demand:
 * test_flush_delay_ms: each BPF flush call waits this long between taking
 *	its snapshot of the active policy and calling it (a busy wait: the
 *	old policy's call is still in flight when a swap on another CPU
 *	publishes its successor);
 * test_update_delay_ms: a replacement sleeps this long after the new
 *	policy's init, before the swap (an ejection lands in between).
 */
static unsigned int test_flush_delay_ms;
module_param(test_flush_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_flush_delay_ms,
		 "Test only: delay each BPF flush call by this many ms (max 1000)");
static unsigned int test_update_delay_ms;
module_param(test_update_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_update_delay_ms,
		 "Test only: delay each policy replacement by this many ms (max 1000)");

static void test_flush_delay(void)
{
	unsigned int ms = min(READ_ONCE(test_flush_delay_ms), 1000U);
	u64 end;

	if (!ms)
		return;
	end = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;
	/*
	 * Inside the RCU read-side section: no cond_resched() (a voluntary
	 * sleep there is a bug under DEBUG_ATOMIC_SLEEP, as the debug kernel
	 * reported); the racing swap runs on the other vCPU.
	 */
	while (ktime_get_ns() < end)
		cpu_relax();
}

/**
 * struct iodirty_caller - the policy call running on this CPU
 * @ops: the policy whose member (or init/exit) runs, NULL outside calls
 * @lifecycle: the call is init or exit: the policy is not (or no longer)
 *	the active one, so bpf_iodirty_error() only flags the call
 * @error: bpf_iodirty_error() was called during a lifecycle call
 * @t0: when the call started (ktime_get_ns())
 *
 * Set with preemption disabled around the call; saved and restored, so a
 * call from interrupt context nests correctly.
 */
struct iodirty_caller {
	struct iodirty_ops *ops;
	bool lifecycle;
	bool error;
	u64 t0;
};

static DEFINE_PER_CPU(struct iodirty_caller, iodirty_caller);

static void caller_enter(struct iodirty_caller *saved, struct iodirty_ops *ops,
			 bool lifecycle)
{
	struct iodirty_caller *c;

	preempt_disable();
	c = this_cpu_ptr(&iodirty_caller);
	*saved = *c;
	c->ops = ops;
	c->lifecycle = lifecycle;
	c->error = false;
	c->t0 = ktime_get_ns();
}

/* End the call; returns its duration in ns, *error what the call flagged */
static u64 caller_exit(struct iodirty_caller *saved, bool *error)
{
	struct iodirty_caller *c = this_cpu_ptr(&iodirty_caller);
	u64 dt = ktime_get_ns() - c->t0;

	if (error)
		*error = c->error;
	*c = *saved;
	preempt_enable();
	return dt;
}

static u32 timeout_ms(const struct iodirty_ops *ops)
{
	return ops->timeout_ms ?: IODIRTY_OPS_DEFAULT_TIMEOUT_MS;
}

/*
 * Run @ops' init.  A positive return is not an errno (and .reg's return
 * reaches userspace as the BPF_LINK_CREATE result, which libbpf would take
 * for an fd): it refuses the attach with EINVAL, as does an errno out of
 * range.  Overrunning timeout_ms refuses it with ETIMEDOUT.
 */
static int call_init(struct iodirty_ops *ops)
{
	struct iodirty_caller saved;
	bool failed;
	s32 ret;
	u64 dt;

	if (!ops->init)
		return 0;
	caller_enter(&saved, ops, true);
	ret = ops->init();
	dt = caller_exit(&saved, &failed);
	if (dt > (u64)timeout_ms(ops) * NSEC_PER_MSEC) {
		pr_warn_ratelimited("policy \"%s\": init took %llu us, timeout %u ms: attach refused\n",
				    ops->name, dt / NSEC_PER_USEC, timeout_ms(ops));
		return -ETIMEDOUT;
	}
	if (ret > 0 || ret < -MAX_ERRNO) {
		pr_warn_ratelimited("policy \"%s\": init returned %d, not 0 or a negative errno: attach refused\n",
				    ops->name, ret);
		return -EINVAL;
	}
	return ret ?: failed ? -EINVAL : 0;
}

static void call_exit(struct iodirty_ops *ops, struct iodirty_exit_info *info)
{
	struct iodirty_caller saved;
	u64 dt;

	if (!ops->exit)
		return;
	caller_enter(&saved, ops, true);
	ops->exit(info);
	dt = caller_exit(&saved, NULL);
	if (dt > (u64)timeout_ms(ops) * NSEC_PER_MSEC)
		pr_warn_ratelimited("policy \"%s\": exit took %llu us, timeout %u ms\n",
				    ops->name, dt / NSEC_PER_USEC, timeout_ms(ops));
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
	pr_warn_ratelimited("policy \"%s\" ejected: %s\n", ops->name, msg);
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
 * The caller is this CPU's call record, not the active policy: an old
 * policy's call still in flight after a hot swap must not eject its
 * successor (iodirty_policy_eject() ignores a policy that is no longer
 * active).  Log lines are rate limited.
 *
 * Context: inside a member call or an init/exit call (preemption off,
 * call record set).
 */
void iodirty_policy_error(s64 code, const char *msg)
{
	struct iodirty_caller *c = this_cpu_ptr(&iodirty_caller);
	struct iodirty_ops *ops = c->ops;

	if (!ops)
		return;
	if (c->lifecycle) {
		c->error = true;
		if (__ratelimit(&iodirty_error_rs))
			pr_warn("policy \"%s\": bpf_iodirty_error(%lld) in init/exit: %s\n",
				ops->name, code, msg);
		return;
	}
	iodirty_policy_eject(ops, IODIRTY_EXIT_ERROR_BPF,
			     IODIRTY_EXIT_REASON_BPF_ERROR, code,
			     "policy \"%s\": %s", ops->name, msg);
}

/* ---- calling members ------------------------------------------------------ */

/*
 * After a member returned: was the call acceptable?  Ejects and returns
 * false when the policy overran its timeout, returned a value outside
 * [0, max_ret], or was ejected during the call (kfunc misuse, error kfunc).
 */
static bool call_ok(struct iodirty_ops *ops, const char *member, u64 dt,
		    s64 ret, s64 max_ret)
{
	u32 to = timeout_ms(ops);

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
	struct iodirty_caller saved;
	struct iodirty_ops *ops;
	s32 verdict = -1;
	u64 dt;

	b->from_bpf = false;
	rcu_read_lock();
	ops = policy_get();
	if (ops && ops->flush) {
		test_flush_delay();
		b->magic = IODIRTY_CALL_FLUSH;
		caller_enter(&saved, ops, false);
		verdict = ops->flush(&b->ctx);
		dt = caller_exit(&saved, NULL);
		b->magic = 0;
		if (call_ok(ops, "flush", dt, verdict, IODIRTY_FLUSH__MAX - 1)) {
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
	struct iodirty_caller saved;
	struct iodirty_ops *ops;
	s32 ret = IODIRTY_SAMPLE_WALK;
	u64 dt;

	rcu_read_lock();
	ops = policy_get();
	if (ops && ops->sample) {
		caller_enter(&saved, ops, false);
		ret = ops->sample(ctx);
		dt = caller_exit(&saved, NULL);
		if (!call_ok(ops, "sample", dt, ret, IODIRTY_SAMPLE_WALK))
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
	struct iodirty_caller saved;
	struct iodirty_ops *ops;
	u64 dt;

	rcu_read_lock();
	ops = policy_get();
	if (ops && ops->export) {
		e->magic = IODIRTY_CALL_EXPORT;
		caller_enter(&saved, ops, false);
		ops->export(&e->ctx);
		dt = caller_exit(&saved, NULL);
		e->magic = 0;
		call_ok(ops, "export", dt, 0, 0);
	}
	rcu_read_unlock();
}

/**
 * iodirty_policy_current - the policy whose call is running, for kfuncs
 *
 * Context: inside a member (or init/exit) call, preemption off.
 *
 * Return: the calling policy (which need not be the active one any more),
 * or NULL outside a policy call.
 */
struct iodirty_ops *iodirty_policy_current(void)
{
	return this_cpu_read(iodirty_caller.ops);
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

static int iodirty_ops_init(struct btf *btf)
{
	iodirty_btf = btf;	/* the kfunc filter recognises our programs */
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
/*
 * With a @successor (replacement), the successor is published in the same
 * locked section whether @ops is still active or was ejected meanwhile:
 * under the policy mutex nothing else can publish, so iodirty_active is
 * @ops or NULL, and an ejection racing with the swap either happened
 * before it (its exit info is used for @ops) or cannot happen to @ops any
 * more after it.
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
		iodirty_last_exit.kind = kind;
		iodirty_last_exit.reason = reason;
		iodirty_last_exit.code = 0;
		snprintf(iodirty_last_exit.msg, sizeof(iodirty_last_exit.msg),
			 "policy \"%s\" %s", ops->name, what);
		info = iodirty_last_exit;
	}
	if (was_active || successor)
		rcu_assign_pointer(iodirty_active, successor);
	if (successor)
		strscpy(iodirty_last_name, successor->name,
			sizeof(iodirty_last_name));
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
 * harvest, not to the policy, so none is lost.  If the old policy was
 * ejected (before or during this call) the new one is published all the
 * same, in retire()'s locked section, and the old one gets its ejection's
 * exit info.
 */
static int iodirty_ops_update(void *kdata, void *old_kdata,
			      struct bpf_link *link)
{
	struct iodirty_ops *ops = kdata, *old = old_kdata;
	unsigned int delay;
	int ret;

	mutex_lock(&iodirty_policy_mutex);
	ret = admit(ops, old);
	if (ret)
		goto out_unlock;
	delay = min(READ_ONCE(test_update_delay_ms), 1000U);
	if (delay)
		msleep(delay);
	retire(old, ops, IODIRTY_EXIT_REPLACED, IODIRTY_EXIT_REASON_REPLACED,
	       "replaced");
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
