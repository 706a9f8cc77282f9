// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ejection paths of the policy layer.  For each way a policy can be
 * thrown out, check IODIRTY_STATUS (exit kind, reason, code, message), the
 * exit info the policy itself recorded in its exit member (called exactly
 * once), that the built-in default answers afterwards (POLICY_PROBE
 * out_policy 0) and that a later harvest loses nothing (oracle: 0 missed):
 *  - error_kfunc:   bpf_iodirty_error(code, msg)  -> ERROR_BPF/BPF_ERROR
 *  - bad_return:    flush returns 7               -> ERROR/BAD_RETURN
 *  - (timeout: a member that runs as long as the verifier allows, with
 *    a tiny timeout_ms -> ERROR/TIMEOUT, is in policy_bounded.c)
 *  - wrong_member:  sample calls bpf_iodirty_flush_range: refused by the
 *                   verifier, or (if loadable) ERROR/BAD_KFUNC_USE
 *  - admin_disable: bpf_policies=0 -> ADMIN/DISABLED, attach EPERM until 1
 */
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "policy_util.h"
#include "../progs/policy_test.h"
#include "policy_members.skel.h"
#include "policy_wrong_member_fail.skel.h"

#define NPAGES	128

struct eject_case {
	const char *name;
	int mode;
	__u32 timeout_ms;
	__u32 kind, reason;
	__s64 code;
	const char *msg;
};

static const struct eject_case cases[] = {
	{ "error_kfunc", PT_MODE_ERROR, 0, IODIRTY_EXIT_ERROR_BPF,
	  IODIRTY_EXIT_REASON_BPF_ERROR, PT_ERROR_CODE, PT_ERROR_MSG },
	{ "bad_return", PT_MODE_BAD_RETURN, 0, IODIRTY_EXIT_ERROR,
	  IODIRTY_EXIT_REASON_BAD_RETURN, 0, "returned 7" },
};

/* a harvest after the ejection: default policy, nothing lost */
static void harvest_after(struct pol_env *pe, volatile __u64 *policy_calls)
{
	__u64 before = *policy_calls;
	__u64 dflt = pol_stat(pe->e.fd, IODIRTY_STAT_DEFAULT_CALLS);

	if (!pol_env_reset(pe) || !pol_env_write(pe, 0, 3) ||
	    !ASSERT_OK(pol_env_harvest(pe), "GET after ejection"))
		return;
	ASSERT_EQ(pol_env_check(pe, "after ejection"), (NPAGES + 2) / 3,
		  "pages written");
	ASSERT_EQ(*policy_calls, before, "ejected policy not called again");
	ASSERT_GE(pol_stat(pe->e.fd, IODIRTY_STAT_DEFAULT_CALLS), dflt + 1,
		  "default answered the harvest");
}

static void run_case(struct pol_env *pe, const struct eject_case *c)
{
	struct policy_members_bpf *skel;
	struct iodirty_policy_probe p;
	struct bpf_link *link = NULL;
	int fd = pe->e.fd;
	__u64 ej0 = pol_stat(fd, IODIRTY_STAT_EJECTIONS);

	skel = policy_members_bpf__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	skel->struct_ops.members_ops->timeout_ms = c->timeout_ms;
	if (!ASSERT_OK(policy_members_bpf__load(skel), "load"))
		goto out;
	link = bpf_map__attach_struct_ops(skel->maps.members_ops);
	if (!ASSERT_OK_PTR(link, "attach"))
		goto out;
	if (!ASSERT_OK(pol_probe(fd, &p, 1), "probe (well behaved)") ||
	    !ASSERT_EQ(p.out_policy, 1, "policy answers before"))
		goto out;

	skel->bss->mode = c->mode;
	if (!ASSERT_OK(pol_probe(fd, &p, 5), "probe (misbehaving)"))
		goto out;
	ASSERT_EQ(p.out_policy, 0, "misbehaving answer not used");
	ASSERT_TRUE(p.out_verdict < IODIRTY_FLUSH__MAX, "verdict in range");
	skel->bss->mode = PT_MODE_NORMAL;

	pol_wait_for(&skel->bss->exit_calls, 1, 2000);
	ASSERT_EQ(skel->bss->exit_calls, 1, "policy exit called once");
	ASSERT_EQ(skel->bss->uei.kind, c->kind, "policy exit info: kind");
	ASSERT_EQ(skel->bss->uei.reason, c->reason, "policy exit info: reason");
	ASSERT_EQ(skel->bss->uei.code, c->code, "policy exit info: code");
	if (!ASSERT_TRUE(strstr(skel->bss->uei.msg, c->msg) != NULL,
			 "policy exit info: message"))
		printf("# policy saw '%s'\n", skel->bss->uei.msg);
	else
		printf("# %s: exit message: %s\n", c->name, skel->bss->uei.msg);
	pol_check_ejected(fd, c->kind, c->reason, c->code, c->msg);
	ASSERT_EQ(pol_stat(fd, IODIRTY_STAT_EJECTIONS), ej0 + 1,
		  "EJECTIONS + 1");

	harvest_after(pe, &skel->bss->flush_calls);

	/* destroying the ejected link does not call exit again */
	bpf_link__destroy(link);
	link = NULL;
	usleep(20000);
	ASSERT_EQ(skel->bss->exit_calls, 1, "no second exit at detach");
	ASSERT_EQ(skel->bss->calls_after_exit, 0, "no member call after exit");
out:
	bpf_link__destroy(link);
	policy_members_bpf__destroy(skel);
}

static char vlog[1 << 20];

static void run_wrong_member(struct pol_env *pe)
{
	struct policy_wrong_member_fail_bpf *skel;
	struct bpf_link *link = NULL;
	struct iodirty_scan s;
	int err;

	skel = policy_wrong_member_fail_bpf__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	vlog[0] = 0;
	bpf_program__set_log_buf(skel->progs.wrong_member_sample, vlog,
				 sizeof(vlog));
	bpf_program__set_log_level(skel->progs.wrong_member_sample, 1);
	err = policy_wrong_member_fail_bpf__load(skel);
	if (err) {
		/*
		 * Refused at load, the preferred outcome: by the kfunc filter
		 * (6.12), or on 7.x, where KF_TRUSTED_ARGS is the default, by
		 * the argument check that runs first (a sample ctx is not a
		 * flush ctx).  Either way the log names the kfunc.
		 */
		const char *want = "calling kernel function bpf_iodirty_flush_range is not allowed";
		char *m = strstr(vlog, want);

		if (!m) {
			want = "kernel function bpf_iodirty_flush_range R1 expected pointer to STRUCT iodirty_flush_ctx";
			m = strstr(vlog, want);
		}

		if (!ASSERT_TRUE(m != NULL, "verifier log names the kfunc")) {
			size_t n = strlen(vlog);

			printf("# verifier log tail: %s\n",
			       vlog + (n > 600 ? n - 600 : 0));
		} else {
			printf("# rejected at load: '%s'\n", want);
		}
		goto out;
	}
	/* loadable: the run-time check must eject it */
	printf("# wrong-member kfunc call loaded: testing the run-time check\n");
	link = bpf_map__attach_struct_ops(skel->maps.wrong_member_ops);
	if (!ASSERT_OK_PTR(link, "attach"))
		goto out;
	pol_env_write(pe, 0, 9);
	ASSERT_OK(pol_scan(pe->e.fd, IODIRTY_SCAN_RUN, pe->e.hwpt, 0, 0, 0, 0,
			   &s), "SCAN RUN");
	ASSERT_GE(skel->bss->misuse_calls, 1, "sample called");
	pol_wait_for(&skel->bss->misuse_exit, 1, 2000);
	ASSERT_EQ(skel->bss->misuse_exit, 1, "exit called once");
	ASSERT_EQ(skel->bss->misuse_uei.kind, IODIRTY_EXIT_ERROR, "exit kind");
	ASSERT_EQ(skel->bss->misuse_uei.reason,
		  IODIRTY_EXIT_REASON_BAD_KFUNC_USE, "exit reason");
	pol_check_ejected(pe->e.fd, IODIRTY_EXIT_ERROR,
			  IODIRTY_EXIT_REASON_BAD_KFUNC_USE, 0, "");
	{
		__u64 zero = 0;

		harvest_after(pe, &zero);
	}
out:
	bpf_link__destroy(link);
	policy_wrong_member_fail_bpf__destroy(skel);
}

static void run_admin(struct pol_env *pe)
{
	struct policy_members_bpf *skel, *skel2 = NULL;
	struct bpf_link *link = NULL, *link2 = NULL;
	struct iodirty_status st;

	if (!ASSERT_EQ(pol_get_bpf_enabled(), 1, "bpf_policies initially 1"))
		return;
	skel = policy_members_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return;
	link = bpf_map__attach_struct_ops(skel->maps.members_ops);
	if (!ASSERT_OK_PTR(link, "attach"))
		goto out;
	if (!ASSERT_OK(pol_set_bpf_enabled(0), "write 0 to bpf_policies"))
		goto out;
	ASSERT_EQ(pol_get_bpf_enabled(), 0, "bpf_policies reads 0");
	pol_wait_for(&skel->bss->exit_calls, 1, 2000);
	ASSERT_EQ(skel->bss->exit_calls, 1, "exit called once");
	ASSERT_EQ(skel->bss->uei.kind, IODIRTY_EXIT_ADMIN, "exit kind");
	ASSERT_EQ(skel->bss->uei.reason, IODIRTY_EXIT_REASON_DISABLED,
		  "exit reason");
	pol_check_ejected(pe->e.fd, IODIRTY_EXIT_ADMIN,
			  IODIRTY_EXIT_REASON_DISABLED, 0, "");
	if (ASSERT_OK(pol_status(pe->e.fd, &st), "STATUS"))
		ASSERT_EQ(st.out_bpf_enabled, 0, "status: bpf disabled");
	harvest_after(pe, &skel->bss->flush_calls);

	skel2 = policy_members_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel2, "open_and_load 2"))
		goto out;
	link2 = bpf_map__attach_struct_ops(skel2->maps.members_ops);
	ASSERT_TRUE(!link2 && errno == EPERM, "attach refused with EPERM");
	if (link2)
		printf("# attach while disabled succeeded\n");
	else if (errno != EPERM)
		printf("# attach while disabled: errno %d (%s)\n", errno,
		       strerror(errno));
	ASSERT_EQ(skel2->bss->init_calls, 0, "refused policy: no init");
	bpf_link__destroy(link2);
	link2 = NULL;

	if (!ASSERT_OK(pol_set_bpf_enabled(1), "write 1 to bpf_policies"))
		goto out;
	link2 = bpf_map__attach_struct_ops(skel2->maps.members_ops);
	if (ASSERT_OK_PTR(link2, "attach after re-enable")) {
		struct iodirty_policy_probe p;

		if (ASSERT_OK(pol_probe(pe->e.fd, &p, 2), "probe"))
			ASSERT_EQ(p.out_policy, 1, "policy answers again");
	}
out:
	pol_set_bpf_enabled(1);
	bpf_link__destroy(link2);
	bpf_link__destroy(link);
	policy_members_bpf__destroy(skel2);
	policy_members_bpf__destroy(skel);
}

DEFINE_TEST(policy_eject)
{
	struct pol_env pe = { .e.fd = -1 };
	unsigned int i;

	if (!pol_env_setup(&pe, NPAGES))
		goto out;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (test__start_subtest(cases[i].name))
			run_case(&pe, &cases[i]);
	if (test__start_subtest("wrong_member"))
		run_wrong_member(&pe);
	if (test__start_subtest("admin_disable"))
		run_admin(&pe);
out:
	pol_env_teardown(&pe);
}
