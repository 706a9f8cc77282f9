// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Policy lifecycle under load:
 *  - hot_swap_under_dma: A attached, a DMA workload runs, harvests loop
 *    while bpf_link__update_map() swaps in B.  Every harvest is answered
 *    by a BPF policy (POLICY_CALLS strictly increases, DEFAULT_CALLS does
 *    not move), A exits REPLACED, B is attached, 0 missed.
 *  - detach_while_scanning: the periodic scanner and a workload run, the
 *    policy is detached mid-run; scanning goes on with the default, then
 *    STOP, a FULL scan, a final GET: 0 missed.
 *  - unload_blocked_while_attached: delete_module(O_NONBLOCK) fails while
 *    the link exists and the module stays; dropping it releases the refs.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "policy_util.h"
#include "../progs/policy_test.h"
#include "policy_swap.skel.h"
#include "policy_members.skel.h"
#include "policy_observer.skel.h"

#define NPAGES	512
#define REGION	(64 * 1024ULL)

static void hot_swap(void)
{
	struct policy_swap_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	struct iodirty_policy_probe p;
	struct iodirty_workload w = {};
	struct iodirty_status st;
	struct pol_env pe;
	__u64 pc, prev, dflt0, repl0;
	bool wl = false, mono = true;
	int i, err;

	if (!pol_env_setup(&pe, NPAGES))
		goto out;
	skel = policy_swap_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		goto out;
	link = bpf_map__attach_struct_ops(skel->maps.swap_a_ops);
	if (!ASSERT_OK_PTR(link, "attach A"))
		goto out;
	if (!ASSERT_OK(emu_wl_start(pe.e.fd, pe.e.dev, IODIRTY_WL_RANDOM,
				    pe.e.iova, NPAGES * SZ_4K, 20000, 7),
		       "workload start"))
		goto out;
	wl = true;
	dflt0 = pol_stat(pe.e.fd, IODIRTY_STAT_DEFAULT_CALLS);
	repl0 = pol_stat(pe.e.fd, IODIRTY_STAT_REPLACEMENTS);
	prev = pol_stat(pe.e.fd, IODIRTY_STAT_POLICY_CALLS);
	for (i = 0; i < 24; i++) {
		if (i == 12) {
			err = bpf_link__update_map(link, skel->maps.swap_b_ops);
			if (!ASSERT_OK(err, "bpf_link__update_map(A -> B)"))
				break;
		}
		/* at least one fresh dirty page, so flush has work each time */
		if (!ASSERT_OK(emu_dma_write(pe.e.fd, pe.e.dev,
					     pe.e.iova + (i * 37 % NPAGES) * SZ_4K,
					     8), "DMA") ||
		    !ASSERT_OK(pol_env_harvest(&pe), "GET_DIRTY_BITMAP"))
			break;
		pc = pol_stat(pe.e.fd, IODIRTY_STAT_POLICY_CALLS);
		if (pc <= prev) {
			printf("# harvest %d: POLICY_CALLS %llu -> %llu\n", i,
			       (unsigned long long)prev, (unsigned long long)pc);
			mono = false;
		}
		prev = pc;
	}
	ASSERT_TRUE(mono, "POLICY_CALLS strictly increases across the swap");
	ASSERT_EQ(pol_stat(pe.e.fd, IODIRTY_STAT_DEFAULT_CALLS), dflt0,
		  "DEFAULT_CALLS unchanged: never unpoliced");
	ASSERT_EQ(pol_stat(pe.e.fd, IODIRTY_STAT_REPLACEMENTS), repl0 + 1,
		  "REPLACEMENTS + 1");
	ASSERT_OK(emu_wl_stop(pe.e.fd, pe.e.dev, &w), "workload stop");
	wl = false;
	ASSERT_GE(w.out_writes, 1, "workload wrote");
	ASSERT_EQ(w.out_faults, 0, "workload faults");

	ASSERT_GE(skel->bss->a_flush, 1, "A answered before the swap");
	ASSERT_GE(skel->bss->b_flush, 1, "B answered after the swap");
	ASSERT_EQ(skel->bss->a_init, 1, "A init once");
	ASSERT_EQ(skel->bss->b_init, 1, "B init once");
	ASSERT_EQ(skel->bss->b_before_init, 0, "B not called before its init");
	pol_wait_for(&skel->bss->a_exit, 1, 2000);
	ASSERT_EQ(skel->bss->a_exit, 1, "A exit once");
	ASSERT_EQ(skel->bss->a_uei.kind, IODIRTY_EXIT_REPLACED, "A exit kind");
	ASSERT_EQ(skel->bss->a_uei.reason, IODIRTY_EXIT_REASON_REPLACED,
		  "A exit reason");
	ASSERT_EQ(skel->bss->a_after_exit, 0, "A not called after its exit");
	ASSERT_EQ(skel->bss->b_exit, 0, "B still running");
	if (ASSERT_OK(pol_status(pe.e.fd, &st), "STATUS")) {
		ASSERT_EQ(st.out_attached, 1, "status: attached");
		ASSERT_STREQ(st.out_name, "swap_b", "status: B attached");
	}
	if (ASSERT_OK(pol_probe(pe.e.fd, &p, 3), "probe")) {
		ASSERT_EQ(p.out_policy, 1, "probe: BPF answers");
		ASSERT_STREQ(p.out_name, "swap_b", "probe: B answers");
	}
	if (ASSERT_OK(pol_env_harvest(&pe), "final GET"))
		ASSERT_GE(pol_env_check(&pe, "hot swap"), 1, "pages written");

	ASSERT_OK(bpf_link__destroy(link), "detach B");
	link = NULL;
	pol_wait_for(&skel->bss->b_exit, 1, 2000);
	ASSERT_EQ(skel->bss->b_exit, 1, "B exit once");
	ASSERT_EQ(skel->bss->b_uei.kind, IODIRTY_EXIT_UNREG, "B exit kind");
	ASSERT_EQ(skel->bss->a_exit, 1, "A not exited again");
out:
	if (wl)
		emu_wl_stop(pe.e.fd, pe.e.dev, &w);
	bpf_link__destroy(link);
	policy_swap_bpf__destroy(skel);
	pol_env_teardown(&pe);
}

struct run_acc {
	struct pol_env *pe;
	__u64 runs;
};

static int on_run(void *ctx, void *data, size_t len)
{
	struct run_acc *a = ctx;
	struct pt_run_rec *r = data;

	if (len == sizeof(*r) && !r->end_of_scan) {
		pol_env_mark(a->pe, r->iova, r->length);
		a->runs++;
	}
	return 0;
}

/* tp_btf/iodirty_dirty_run records: what every scan found, any policy */
static int on_tp_run(void *ctx, void *data, size_t len)
{
	struct run_acc *a = ctx;
	__u64 *r = data;	/* iova, length, scan_seq */

	if (len == 3 * sizeof(__u64)) {
		pol_env_mark(a->pe, r[0], r[1]);
		a->runs++;
	}
	return 0;
}

static void detach_while_scanning(void)
{
	struct policy_members_bpf *skel = NULL;
	struct policy_observer_bpf *obs = NULL;
	struct run_acc acc = {}, tacc = {};
	struct ring_buffer *rb = NULL, *trb = NULL;
	struct bpf_link *tlink = NULL;
	struct bpf_link *link = NULL;
	struct iodirty_workload w = {};
	struct iodirty_scan s;
	struct pol_env pe;
	__u64 samples, scans_at_detach;
	bool wl = false, scanning = false;

	if (!pol_env_setup(&pe, NPAGES))
		goto out;
	acc.pe = &pe;
	tacc.pe = &pe;
	/*
	 * Scans clear what they find and hand it to export only; once the
	 * policy is gone the runs are visible through the iodirty_dirty_run
	 * tracepoint alone, so an observer collects them for the oracle.
	 */
	obs = policy_observer_bpf__open_and_load();
	if (!ASSERT_OK_PTR(obs, "observer open_and_load"))
		goto out;
	obs->bss->run_filter_hwpt = pol_env_gid(&pe);
	ASSERT_NEQ(obs->bss->run_filter_hwpt, 0, "HARVEST out_domain_id");
	tlink = bpf_program__attach(obs->progs.observe_dirty_run);
	trb = ring_buffer__new(bpf_map__fd(obs->maps.tp_run_rb), on_tp_run,
			       &tacc, NULL);
	if (!ASSERT_OK_PTR(tlink, "attach tp_btf/iodirty_dirty_run") ||
	    !ASSERT_OK_PTR(trb, "observer ring buffer"))
		goto out;
	skel = policy_members_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		goto out;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.runs), on_run, &acc, NULL);
	link = bpf_map__attach_struct_ops(skel->maps.members_ops);
	if (!ASSERT_OK_PTR(rb, "ring buffer") || !ASSERT_OK_PTR(link, "attach"))
		goto out;
	if (!ASSERT_OK(emu_wl_start(pe.e.fd, pe.e.dev, IODIRTY_WL_ZIPF,
				    pe.e.iova, NPAGES * SZ_4K, 20000, 11),
		       "workload start"))
		goto out;
	wl = true;
	if (!ASSERT_OK(pol_scan(pe.e.fd, IODIRTY_SCAN_START, pe.e.hwpt, 0, 5,
				REGION, 4, &s), "SCAN START"))
		goto out;
	scanning = true;
	emu_msleep(200);
	ring_buffer__consume(rb);
	ring_buffer__consume(trb);
	ASSERT_GE(skel->bss->sample_calls, 1, "policy sampled while attached");
	ASSERT_GE(skel->bss->export_eos_calls, 1, "policy saw a scan end");

	ASSERT_OK(bpf_link__destroy(link), "detach mid-scan");
	link = NULL;
	pol_wait_for(&skel->bss->exit_calls, 1, 2000);
	ASSERT_EQ(skel->bss->exit_calls, 1, "exit once");
	ASSERT_EQ(skel->bss->uei.kind, IODIRTY_EXIT_UNREG, "exit kind UNREG");
	ring_buffer__consume(rb);
	samples = skel->bss->sample_calls;
	if (!ASSERT_OK(pol_scan(pe.e.fd, IODIRTY_SCAN_STATUS, pe.e.hwpt, 0, 0, 0,
				0, &s), "SCAN STATUS"))
		goto out;
	scans_at_detach = s.out_scans;
	emu_msleep(200);
	if (ASSERT_OK(pol_scan(pe.e.fd, IODIRTY_SCAN_STATUS, pe.e.hwpt, 0, 0, 0,
			       0, &s), "SCAN STATUS")) {
		ASSERT_EQ(s.out_running, 1, "scanner still running");
		ASSERT_GE(s.out_scans, scans_at_detach + 1,
			  "scans continue with the default");
	}
	ASSERT_EQ(skel->bss->sample_calls, samples, "no sample after detach");
	ASSERT_EQ(skel->bss->calls_after_exit, 0, "no member after exit");

	ASSERT_OK(pol_scan(pe.e.fd, IODIRTY_SCAN_STOP, pe.e.hwpt, 0, 0, 0, 0, &s),
		  "SCAN STOP");
	scanning = false;
	ASSERT_EQ(s.out_running, 0, "stopped");
	ASSERT_OK(emu_wl_stop(pe.e.fd, pe.e.dev, &w), "workload stop");
	wl = false;
	ASSERT_OK(pol_scan(pe.e.fd, IODIRTY_SCAN_RUN, pe.e.hwpt, IODIRTY_SCAN_FULL,
			   0, 0, 0, &s), "final FULL scan");
	ASSERT_EQ(s.out_regions_skipped, 0, "FULL scan skips nothing");
	ring_buffer__consume(trb);
	ASSERT_EQ(obs->bss->tp_run_drops, 0, "observer lost no run");
	ASSERT_GE(tacc.runs, acc.runs, "tracepoint saw every exported run");
	if (ASSERT_OK(pol_env_harvest(&pe), "final GET"))
		ASSERT_GE(pol_env_check(&pe, "detach while scanning"), 1,
			  "pages written");
	printf("# scans %llu, runs exported to the policy %llu, runs traced %llu, workload writes %llu\n",
	       (unsigned long long)s.out_scans, (unsigned long long)acc.runs,
	       (unsigned long long)tacc.runs, (unsigned long long)w.out_writes);
out:
	if (scanning)
		pol_scan(pe.e.fd, IODIRTY_SCAN_STOP, pe.e.hwpt, 0, 0, 0, 0, &s);
	if (wl)
		emu_wl_stop(pe.e.fd, pe.e.dev, &w);
	bpf_link__destroy(link);
	bpf_link__destroy(tlink);
	ring_buffer__free(rb);
	ring_buffer__free(trb);
	policy_members_bpf__destroy(skel);
	policy_observer_bpf__destroy(obs);
	pol_env_teardown(&pe);
}

static long read_refcnt(void)
{
	FILE *f = fopen("/sys/module/iodirty/refcnt", "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void unload_blocked(void)
{
	struct policy_members_bpf *skel;
	struct bpf_link *link = NULL;
	struct stat sb;
	long r0, r1 = -1;
	int ret, err, i;

	/*
	 * Earlier tests' maps and programs are freed after RCU grace
	 * periods, each dropping a module reference: wait until nothing but
	 * this process's state holds the module (no fd of ours is open).
	 */
	for (i = 0; i < 300 && read_refcnt() > 0; i++)
		usleep(10000);
	r0 = read_refcnt();
	if (!ASSERT_EQ(r0, 0, "module refcnt settles at 0 (no user left)"))
		return;
	skel = policy_members_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return;
	link = bpf_map__attach_struct_ops(skel->maps.members_ops);
	if (!ASSERT_OK_PTR(link, "attach"))
		goto out;
	ASSERT_TRUE(read_refcnt() > r0, "attached policy holds module refs");
	/* no /dev/iodirty fd is open here: only BPF objects pin the module */
	ret = syscall(__NR_delete_module, "iodirty", O_NONBLOCK);
	err = errno;
	ASSERT_TRUE(ret < 0, "delete_module fails while attached");
	ASSERT_TRUE(err == EWOULDBLOCK || err == EBUSY,
		    "errno EWOULDBLOCK/EAGAIN or EBUSY");
	printf("# delete_module(iodirty, O_NONBLOCK): ret %d errno %d (%s)\n",
	       ret, err, strerror(err));
	ASSERT_OK(stat("/sys/module/iodirty", &sb), "module still loaded");
	ASSERT_OK(stat("/dev/iodirty", &sb), "/dev/iodirty still there");
	{
		struct iodirty_policy_probe p;
		int fd = iodirty_open();

		if (ASSERT_GE(fd, 0, "open") &&
		    ASSERT_OK(pol_probe(fd, &p, 1), "probe"))
			ASSERT_EQ(p.out_policy, 1, "policy still attached");
		if (fd >= 0)
			close(fd);
	}
	ASSERT_OK(bpf_link__destroy(link), "detach");
	link = NULL;
	policy_members_bpf__destroy(skel);
	skel = NULL;
	/* struct_ops maps and programs are freed after RCU grace periods */
	for (i = 0; i < 300; i++) {
		r1 = read_refcnt();
		if (r1 == r0)
			break;
		usleep(10000);
	}
	ASSERT_EQ(r1, r0, "module refcnt back to its value before the test");
out:
	bpf_link__destroy(link);
	policy_members_bpf__destroy(skel);
}

DEFINE_TEST(policy_lifecycle)
{
	if (test__start_subtest("hot_swap_under_dma"))
		hot_swap();
	if (test__start_subtest("detach_while_scanning"))
		detach_while_scanning();
	if (test__start_subtest("unload_blocked_while_attached"))
		unload_blocked();
}
