// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty kfuncs.
 *
 * Two sets, split by what a caller may do:
 *  - the read-only set (counters and, later, domain/device/oracle
 *    information) is registered for struct_ops, tracing and syscall
 *    programs, so observers and tests can read the same numbers a policy
 *    sees;
 *  - the policy set (acting on a harvest) is registered for struct_ops
 *    programs only (added with the policy layer).
 * kfuncs have no ABI stability guarantee, like every kfunc.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>

#include "iodirty.h"

__bpf_kfunc_start_defs();

/**
 * bpf_iodirty_stat - read a module-wide iodirty counter
 * @id: enum iodirty_stat
 *
 * Context: any program type the read-only set is registered for; never
 * sleeps.
 *
 * Return: the counter's value, or 0 for an unknown @id.
 */
__bpf_kfunc u64 bpf_iodirty_stat(u32 id)
{
	if (id >= IODIRTY_STAT__MAX)
		return 0;
	return atomic64_read(&iodirty_stats[id]);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(iodirty_kfunc_ids_ro)
BTF_ID_FLAGS(func, bpf_iodirty_stat)
BTF_KFUNCS_END(iodirty_kfunc_ids_ro)

static const struct btf_kfunc_id_set iodirty_kfunc_set_ro = {
	.owner = THIS_MODULE,
	.set = &iodirty_kfunc_ids_ro,
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
					&iodirty_kfunc_set_ro);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING,
					       &iodirty_kfunc_set_ro);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL,
					       &iodirty_kfunc_set_ro);
	if (ret)
		pr_err("iodirty: registering kfuncs failed: %d\n", ret);
	return ret;
}
