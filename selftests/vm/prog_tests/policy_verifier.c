// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The verifier keeps unsafe policies out.  Each progs/policy_*_fail.bpf.c
 * program must FAIL to load with a known message in the verifier log:
 *  - tp_kfunc_not_allowed: a policy kfunc from a tp_btf / syscall program
 *  - ctx_write_rejected:   a write to the read-only flush context
 *  - ringbuf_leak_rejected: a ring-buffer reservation never submitted
 * and the read-only kfuncs DO work outside policies (read_only_kfuncs:
 * bpf_iodirty_stat from tp_btf/iodirty_harvest_end and from a syscall
 * program run with BPF_PROG_TEST_RUN, bpf_iodirty_domain_info too).
 */
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../test_progs.h"
#include "policy_util.h"
#include "policy_tp_kfunc_fail.skel.h"
#include "policy_ctx_write_fail.skel.h"
#include "policy_rb_leak_fail.skel.h"
#include "policy_observer.skel.h"

static char vlog[1 << 20];

static void print_line_with(const char *log, const char *needle)
{
	const char *m = strstr(log, needle), *b = m, *e;

	while (b > log && b[-1] != '\n')
		b--;
	e = strchr(m, '\n');
	printf("# verifier: %.*s\n", (int)(e ? e - b : (long)strlen(b)), b);
}

/*
 * Load object @elf with only program @prog (NULL: all) and expect failure
 * with @want in the verifier log.
 */
static void expect_reject(const void *elf, size_t sz, const char *prog,
			  const char *want)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	int err;

	obj = bpf_object__open_mem(elf, sz, NULL);
	if (!ASSERT_OK_PTR(obj, "open"))
		return;
	vlog[0] = 0;
	bpf_object__for_each_program(p, obj) {
		if (prog && strcmp(bpf_program__name(p), prog)) {
			bpf_program__set_autoload(p, false);
			continue;
		}
		bpf_program__set_log_buf(p, vlog, sizeof(vlog));
		bpf_program__set_log_level(p, 1);
	}
	err = bpf_object__load(obj);
	if (!ASSERT_ERR(err, "load must fail"))
		goto out;
	if (ASSERT_TRUE(strstr(vlog, want) != NULL, "expected verifier message")) {
		print_line_with(vlog, want);
	} else {
		size_t n = strlen(vlog);

		printf("# wanted '%s'; log tail:\n%s\n", want,
		       vlog + (n > 800 ? n - 800 : 0));
	}
out:
	bpf_object__close(obj);
}

static void read_only_kfuncs(void)
{
	struct policy_observer_bpf *skel;
	struct bpf_link *link = NULL;
	struct pol_env pe;
	struct {
		__u64 hwpt_id;
		__u32 stat_id, pad;
		__u64 out_stat;
		__s64 out_info_ret;
		struct iodirty_domain_info_user {
			__u32 model, granule, dirty_tracking, pad;
			__u64 harvests, scans, flushes, flushed_bytes,
			      floor_flushes, iotlb_hits, iotlb_misses,
			      inv_cost_ns;
		} info;
	} args;
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = &args,
		    .ctx_size_in = sizeof(args));
	__u64 h0;
	int err;

	if (!pol_env_setup(&pe, 64))
		goto out_env;
	skel = policy_observer_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load (tp_btf + syscall)"))
		goto out_env;
	link = bpf_program__attach(skel->progs.observe_harvest_end);
	if (!ASSERT_OK_PTR(link, "attach tp_btf/iodirty_harvest_end"))
		goto out;
	h0 = pol_stat(pe.e.fd, IODIRTY_STAT_HARVESTS);
	if (!pol_env_write(&pe, 0, 5) ||
	    !ASSERT_OK(pol_env_harvest(&pe), "GET_DIRTY_BITMAP"))
		goto out;
	ASSERT_EQ(skel->bss->tp_hits, 1, "tracepoint hit once");
	ASSERT_TRUE(skel->bss->tp_harvests_stat == h0 ||
		    skel->bss->tp_harvests_stat == h0 + 1,
		    "bpf_iodirty_stat(HARVESTS) from tp_btf");
	pol_env_check(&pe, "observer");

	memset(&args, 0, sizeof(args));
	args.stat_id = IODIRTY_STAT_HARVESTS;
	args.hwpt_id = ~0ULL;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.observe_syscall),
				     &topts);
	if (ASSERT_OK(err, "BPF_PROG_TEST_RUN syscall prog")) {
		ASSERT_EQ(args.out_stat, pol_stat(pe.e.fd, IODIRTY_STAT_HARVESTS),
			  "bpf_iodirty_stat from syscall prog");
		ASSERT_EQ(args.out_info_ret, -ENOENT,
			  "bpf_iodirty_domain_info(no such domain)");
	}
	/* a real domain: the global id the flush ctx carries */
	memset(&args, 0, sizeof(args));
	args.stat_id = 9999;
	args.hwpt_id = skel->bss->tp_hwpt_id;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.observe_syscall),
				     &topts);
	if (ASSERT_OK(err, "BPF_PROG_TEST_RUN syscall prog (2)")) {
		ASSERT_EQ(args.out_stat, 0, "bpf_iodirty_stat(unknown id) = 0");
		if (ASSERT_EQ(args.out_info_ret, 0, "domain_info(real domain)")) {
			ASSERT_EQ(args.info.model, IODIRTY_MODEL_VTD, "info.model");
			ASSERT_EQ(args.info.dirty_tracking, 1,
				  "info.dirty_tracking");
			ASSERT_GE(args.info.harvests, 1, "info.harvests");
		}
	}
out:
	bpf_link__destroy(link);
	policy_observer_bpf__destroy(skel);
out_env:
	pol_env_teardown(&pe);
}

DEFINE_TEST(policy_verifier)
{
	const void *elf;
	size_t sz;

	if (test__start_subtest("tp_kfunc_not_allowed")) {
		elf = policy_tp_kfunc_fail_bpf__elf_bytes(&sz);
		expect_reject(elf, sz, "tp_calls_flush_range",
			      "calling kernel function bpf_iodirty_flush_range is not allowed");
		expect_reject(elf, sz, "syscall_calls_flush_range",
			      "calling kernel function bpf_iodirty_flush_range is not allowed");
	}
	if (test__start_subtest("ctx_write_rejected")) {
		elf = policy_ctx_write_fail_bpf__elf_bytes(&sz);
		expect_reject(elf, sz, NULL, "only read is supported");
	}
	if (test__start_subtest("ringbuf_leak_rejected")) {
		struct utsname u;

		elf = policy_rb_leak_fail_bpf__elf_bytes(&sz);
		uname(&u);
		if (u.release[0] == '6') {
			expect_reject(elf, sz, NULL, "Unreleased reference");
		} else {
			/*
			 * 7.x's check_reference_leak() lets a struct_ops
			 * program return a referenced pointer in R0, and
			 * does so for a void member too: the reservation
			 * left in R0 passes.  A known gap (README, "The
			 * safety model"); this fails when upstream closes
			 * it, so the expectation gets updated then.
			 */
			struct bpf_object *obj = bpf_object__open_mem(elf, sz, NULL);

			if (ASSERT_OK_PTR(obj, "open")) {
				ASSERT_OK(bpf_object__load(obj),
					  "7.x loads the R0-held reservation leak");
				bpf_object__close(obj);
			}
			printf("# ringbuf_leak_rejected: %s verifier accepts a void "
			       "member returning with the reservation in R0\n",
			       u.release);
		}
	}
	if (test__start_subtest("read_only_kfuncs"))
		read_only_kfuncs();
}
