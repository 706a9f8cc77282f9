// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Members are bounded by construction (kmod/kfuncs.c, policy admission):
 *  - refused_constructs: nested bpf_loop is rejected by the verifier
 *    ("cannot use helper bpf_loop"); nested bpf_for (open-coded
 *    iterators, vmlinux kfuncs) is refused by check_member (verifier log
 *    "attach to unsupported member", kernel log "a kernel kfunc"), on
 *    6.12 and on 7.3, which inlines them; a may_goto (can_loop) loop is
 *    rejected by check_member (verifier log "attach to unsupported
 *    member", kernel log "may_goto");
 *  - maximal_flush_ejected: a flush that runs as long as the verifier
 *    allows (a bounded loop near the 1M-instruction limit) with
 *    timeout_ms = 1 is ejected with ERROR/TIMEOUT; no stall report (the
 *    VM runner fails the run on RCU stall / soft lockup / hung task);
 *    and prints how long the call ran (the figure for README);
 *  - maximal_init_refused: an init a quarter that long with timeout_ms = 1
 *    refuses the attach with ETIMEDOUT (init, like every member, has a
 *    timeout now).
 */
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "policy_util.h"
#include "../progs/policy_test.h"
#include "policy_loop_fail.skel.h"
#include "policy_iter_fail.skel.h"
#include "policy_may_goto_fail.skel.h"
#include "policy_maximal.skel.h"

static char vlog[1 << 20];

static void log_tail(const char *what)
{
	size_t n = strlen(vlog);

	printf("# %s: log tail:\n%s\n", what, vlog + (n > 600 ? n - 600 : 0));
}

/*
 * Load @obj (one program with a log buffer); expect failure with
 * @want_log in the verifier log (unless NULL) and @want_kmsg in the
 * kernel log (unless NULL).
 */
static void expect_refused(struct bpf_object *obj, const char *want_log,
			   const char *want_kmsg)
{
	struct bpf_program *p;
	char first[512];
	int kfd, err, hits;

	vlog[0] = 0;
	bpf_object__for_each_program(p, obj) {
		bpf_program__set_log_buf(p, vlog, sizeof(vlog));
		bpf_program__set_log_level(p, 1);
	}
	kfd = pol_kmsg_open();
	ASSERT_GE(kfd, 0, "open /dev/kmsg");
	err = bpf_object__load(obj);
	if (!err) {
		struct bpf_map *m;

		/* libbpf may write the struct_ops map only at attach */
		bpf_object__for_each_map(m, obj) {
			struct bpf_link *l;

			if (bpf_map__type(m) != BPF_MAP_TYPE_STRUCT_OPS)
				continue;
			l = bpf_map__attach_struct_ops(m);
			if (!l) {
				err = -errno;
			} else {
				bpf_link__destroy(l);
				printf("# %s attached\n", bpf_map__name(m));
			}
		}
	}
	if (!ASSERT_ERR(err, "load or attach must fail"))
		goto out;
	if (want_log) {
		if (ASSERT_TRUE(strstr(vlog, want_log) != NULL,
				"expected verifier message"))
			printf("# verifier: ...%s\n", want_log);
		else
			log_tail(want_log);
	}
	if (want_kmsg && kfd >= 0) {
		hits = pol_kmsg_count(kfd, want_kmsg, first, sizeof(first));
		if (ASSERT_GE(hits, 1, "expected kernel log line"))
			printf("# kernel: %s", first);
	}
out:
	if (kfd >= 0)
		close(kfd);
}

static void refused_constructs(void)
{
	struct policy_loop_fail_bpf *l;
	struct policy_iter_fail_bpf *it;
	struct policy_may_goto_fail_bpf *mg;

	l = policy_loop_fail_bpf__open();
	if (ASSERT_OK_PTR(l, "open loop_fail"))
		expect_refused(l->obj, "program of this type cannot use helper bpf_loop",
			       NULL);
	policy_loop_fail_bpf__destroy(l);

	it = policy_iter_fail_bpf__open();
	if (ASSERT_OK_PTR(it, "open iter_fail"))
		expect_refused(it->obj,
			       "attach to unsupported member flush of struct iodirty_ops",
			       "refused: a kernel kfunc (vmlinux BTF id");
	policy_iter_fail_bpf__destroy(it);

	mg = policy_may_goto_fail_bpf__open();
	if (ASSERT_OK_PTR(mg, "open may_goto_fail"))
		expect_refused(mg->obj,
			       "attach to unsupported member flush of struct iodirty_ops",
			       "refused: may_goto");
	policy_may_goto_fail_bpf__destroy(mg);
}

/* Load only @ops' programs: verifying a maximal one takes ~30 s (TCG) */
static struct policy_maximal_bpf *load_maximal(bool init_ops, __u32 to)
{
	struct policy_maximal_bpf *skel = policy_maximal_bpf__open();

	if (!ASSERT_OK_PTR(skel, "open maximal"))
		return NULL;
	bpf_map__set_autocreate(skel->maps.maximal_ops, !init_ops);
	bpf_program__set_autoload(skel->progs.maximal_flush, !init_ops);
	bpf_program__set_autoload(skel->progs.maximal_exit, !init_ops);
	bpf_map__set_autocreate(skel->maps.maximal_init_ops, init_ops);
	bpf_program__set_autoload(skel->progs.maximal_init_init, init_ops);
	bpf_program__set_autoload(skel->progs.maximal_init_flush, init_ops);
	bpf_program__set_autoload(skel->progs.maximal_init_exit, init_ops);
	if (init_ops)
		skel->struct_ops.maximal_init_ops->timeout_ms = to;
	else
		skel->struct_ops.maximal_ops->timeout_ms = to;
	if (!ASSERT_OK(policy_maximal_bpf__load(skel), "load maximal")) {
		policy_maximal_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static void maximal_flush_ejected(void)
{
	struct policy_maximal_bpf *skel;
	struct iodirty_policy_probe p;
	struct bpf_link *link = NULL;
	int fd = iodirty_open();

	if (!ASSERT_GE(fd, 0, "open /dev/iodirty"))
		return;
	skel = load_maximal(false, 1);
	if (!skel)
		goto out;
	link = bpf_map__attach_struct_ops(skel->maps.maximal_ops);
	if (!ASSERT_OK_PTR(link, "attach"))
		goto out;
	if (!ASSERT_OK(pol_probe(fd, &p, 4), "probe"))
		goto out;
	ASSERT_EQ(skel->bss->flush_calls, 1, "flush ran once");
	ASSERT_EQ(p.out_policy, 0, "the overrunning answer is not used");
	pol_wait_for(&skel->bss->exit_calls, 1, 2000);
	ASSERT_EQ(skel->bss->exit_calls, 1, "exit called once");
	ASSERT_EQ(skel->bss->uei.kind, IODIRTY_EXIT_ERROR, "exit kind");
	ASSERT_EQ(skel->bss->uei.reason, IODIRTY_EXIT_REASON_TIMEOUT,
		  "exit reason TIMEOUT");
	pol_check_ejected(fd, IODIRTY_EXIT_ERROR, IODIRTY_EXIT_REASON_TIMEOUT,
			  0, "timeout 1 ms");
	printf("# maximal flush (%d loop iterations) ran %llu us (BPF clock); exit: %s\n",
	       PT_MAXIMAL_ITERS, (unsigned long long)skel->bss->flush_ns / 1000,
	       skel->bss->uei.msg);
	ASSERT_OK(pol_probe(fd, &p, 4), "probe after");
	ASSERT_EQ(skel->bss->flush_calls, 1, "ejected policy not called again");
out:
	bpf_link__destroy(link);
	policy_maximal_bpf__destroy(skel);
	close(fd);
}

static void maximal_init_refused(void)
{
	struct policy_maximal_bpf *skel;
	struct bpf_link *link = NULL;
	int err;

	skel = load_maximal(true, 1);
	if (!skel)
		return;
	link = bpf_map__attach_struct_ops(skel->maps.maximal_init_ops);
	err = errno;
	ASSERT_TRUE(!link, "attach refused");
	ASSERT_EQ(err, ETIMEDOUT, "errno ETIMEDOUT");
	ASSERT_EQ(skel->bss->init_calls, 1, "init ran once");
	printf("# maximal init ran %llu us; attach: %s\n",
	       (unsigned long long)skel->bss->init_ns / 1000, strerror(err));
	bpf_link__destroy(link);
	ASSERT_EQ(skel->bss->exit_calls, 0, "no exit for a refused policy");
	policy_maximal_bpf__destroy(skel);
}

DEFINE_TEST(policy_bounded)
{
	if (test__start_subtest("refused_constructs"))
		refused_constructs();
	if (test__start_subtest("maximal_flush_ejected"))
		maximal_flush_ejected();
	if (test__start_subtest("maximal_init_refused"))
		maximal_init_refused();
}
