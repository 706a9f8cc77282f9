// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every iodirty_ops member is called with its documented arguments:
 *  - init once at attach, before any other member;
 *  - flush from IODIRTY_POLICY_PROBE (synthetic ctx, final = 1) and from
 *    real harvests (DMA-dirtied pages, consistent pending fields, the
 *    pending_start/end kfuncs agree, at least one final = 1 call);
 *  - DEFER everywhere still loses nothing (the kernel's floor);
 *  - sample and export from IODIRTY_SCAN RUN (region fields, runs that
 *    cover exactly the written pages, then exactly one end_of_scan);
 *  - exit once with kind UNREG at detach, and nothing after it.
 * The oracle sees 0 missed pages in every case.
 */
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "policy_util.h"
#include "../progs/policy_test.h"
#include "policy_members.skel.h"

#define NPAGES	512		/* 2 MiB: 32 scan regions of 64 KiB */
#define REGION	(64 * 1024ULL)

struct rec_log {
	int n, eos, eos_pos, bad_order;
	__u64 seq;
	struct pol_env *pe;
	__u64 bytes;
};

static int on_run(void *ctx, void *data, size_t len)
{
	struct rec_log *l = ctx;
	struct pt_run_rec *r = data;

	if (len != sizeof(*r))
		return -EINVAL;
	l->n++;
	if (r->end_of_scan) {
		l->eos++;
		l->eos_pos = l->n;
		return 0;
	}
	if (l->eos)
		l->bad_order++;	/* a run after end_of_scan */
	l->seq = r->scan_seq;
	l->bytes += r->length;
	pol_env_mark(l->pe, r->iova, r->length);
	return 0;
}

static void subtest_probe(int fd, struct policy_members_bpf *skel)
{
	struct iodirty_policy_probe p;
	__u64 before = skel->bss->flush_calls;

	if (!ASSERT_OK(pol_probe(fd, &p, 42), "probe"))
		return;
	ASSERT_EQ(p.out_policy, 1, "out_policy");
	ASSERT_EQ(p.out_verdict, IODIRTY_FLUSH_RANGES, "out_verdict");
	ASSERT_STREQ(p.out_name, "policy_members", "out_name");
	ASSERT_EQ(skel->bss->flush_calls, before + 1, "flush called once");
	ASSERT_EQ(skel->bss->last_hwpt_id, 0, "ctx hwpt_id (probe)");
	ASSERT_EQ(skel->bss->last_pages, 42, "ctx pending_pages");
	ASSERT_EQ(skel->bss->last_ranges, 2, "ctx pending_ranges");
	ASSERT_EQ(skel->bss->last_start, 0x200000, "ctx pending_start");
	ASSERT_EQ(skel->bss->last_end, 0x200000 + 43 * 4096, "ctx pending_end");
	ASSERT_EQ(skel->bss->last_final, 1, "ctx final (probe)");
	ASSERT_EQ(p.out_calls, pol_stat(fd, IODIRTY_STAT_POLICY_CALLS),
		  "out_calls == POLICY_CALLS");
}

static void subtest_harvest(struct pol_env *pe, struct policy_members_bpf *skel)
{
	struct iodirty_harvest h;
	__u64 calls0 = skel->bss->flush_calls, fin0 = skel->bss->flush_final_calls;
	int round;

	if (!pol_env_reset(pe))
		return;
	skel->bss->max_pending_pages = 0;
	for (round = 0; round < 3; round++) {
		if (!pol_env_write(pe, round, 3))
			return;
		if (round == 2) {
			/* the counters-only HARVEST goes through flush too */
			if (!ASSERT_OK(emu_harvest(pe->e.fd, pe->e.hwpt, 0,
						   pe->e.iova, NPAGES * SZ_4K,
						   SZ_4K, pe->tmp, &h), "HARVEST"))
				return;
			emu_bm_or(pe->acc, pe->tmp, emu_bm_bytes(NPAGES));
			ASSERT_GE(h.out_cleared, NPAGES / 3, "HARVEST out_cleared");
			ASSERT_GE(h.out_flushes, 1, "HARVEST out_flushes");
		} else if (!ASSERT_OK(pol_env_harvest(pe), "GET_DIRTY_BITMAP")) {
			return;
		}
	}
	ASSERT_GE(skel->bss->flush_calls, calls0 + 3, "flush called per harvest");
	ASSERT_GE(skel->bss->flush_final_calls, fin0 + 3,
		  "a final=1 call per harvest");
	ASSERT_NEQ(skel->bss->last_hwpt_id, 0, "ctx hwpt_id set in a harvest");
	ASSERT_EQ(skel->bss->last_model, IODIRTY_MODEL_VTD, "ctx model");
	ASSERT_EQ(skel->bss->last_final, 1, "last call of a harvest is final");
	ASSERT_GE(skel->bss->max_pending_pages, 1, "pending_pages seen");
	ASSERT_TRUE(skel->bss->max_pending_pages <= NPAGES,
		    "pending_pages <= pages mapped");
	ASSERT_EQ(skel->bss->flush_bad, 0,
		  "pending fields / pending_start,end kfuncs consistent");
	if (test__verbose())
		printf("# flush: calls %llu final %llu max pending %llu last [%llx,%llx) ns %llu\n",
		       (unsigned long long)skel->bss->flush_calls,
		       (unsigned long long)skel->bss->flush_final_calls,
		       (unsigned long long)skel->bss->max_pending_pages,
		       (unsigned long long)skel->bss->last_kf_start0,
		       (unsigned long long)skel->bss->last_kf_end_last,
		       (unsigned long long)skel->bss->last_ns);
	ASSERT_EQ(pol_env_check(pe, "harvest"), NPAGES, "pages written");
}

/* DEFER always: the kernel still invalidates before a harvest returns */
static void subtest_defer_floor(struct pol_env *pe,
				struct policy_members_bpf *skel)
{
	__u64 floor0 = pol_stat(pe->e.fd, IODIRTY_STAT_FLOOR_FLUSHES);
	int round;

	if (!pol_env_reset(pe))
		return;
	skel->bss->mode = PT_MODE_DEFER;
	for (round = 0; round < 3; round++) {
		/* the same pages every round: their IOTLB entries are hot */
		if (!pol_env_write(pe, 5, 7) ||
		    !ASSERT_OK(pol_env_harvest(pe), "GET_DIRTY_BITMAP"))
			break;
		ASSERT_EQ(emu_bm_weight(pe->tmp, NPAGES), (NPAGES - 5 + 6) / 7,
			  "every round reports the rewritten pages");
	}
	skel->bss->mode = PT_MODE_NORMAL;
	ASSERT_GE(pol_stat(pe->e.fd, IODIRTY_STAT_FLOOR_FLUSHES), floor0 + 3,
		  "FLOOR_FLUSHES grew");
	pol_env_check(pe, "defer");
}

static void subtest_scan(struct pol_env *pe, struct policy_members_bpf *skel)
{
	struct rec_log log = { .pe = pe };
	struct ring_buffer *rb;
	struct iodirty_scan s;
	__u64 nreg = NPAGES * SZ_4K / REGION, written;
	__u64 sample0 = skel->bss->sample_calls;
	__u64 eos0 = skel->bss->export_eos_calls;
	__u64 exp0 = skel->bss->export_calls;

	if (!pol_env_reset(pe))
		return;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.runs), on_run, &log, NULL);
	if (!ASSERT_OK_PTR(rb, "ring_buffer__new"))
		return;
	while (ring_buffer__consume(rb) > 0)
		;
	log.n = log.eos = log.bytes = 0;
	/* runs: [0,4) [100] [300,302) [511] */
	if (!ASSERT_OK(emu_dma_write(pe->e.fd, pe->e.dev, pe->e.iova, 4 * SZ_4K),
		       "DMA") ||
	    !ASSERT_OK(emu_dma_write(pe->e.fd, pe->e.dev,
				     pe->e.iova + 100 * SZ_4K, 8), "DMA") ||
	    !ASSERT_OK(emu_dma_write(pe->e.fd, pe->e.dev,
				     pe->e.iova + 300 * SZ_4K + 4000, 200), "DMA") ||
	    !ASSERT_OK(emu_dma_write(pe->e.fd, pe->e.dev,
				     pe->e.iova + 511 * SZ_4K, 1), "DMA"))
		goto out;
	written = 8;
	if (!ASSERT_OK(pol_scan(pe->e.fd, IODIRTY_SCAN_RUN, pe->e.hwpt, 0, 0,
				REGION, 0, &s), "SCAN RUN"))
		goto out;
	ASSERT_EQ(s.out_scans, 1, "out_scans");
	ASSERT_EQ(s.out_regions_walked, nreg, "out_regions_walked");
	ASSERT_EQ(s.out_dirty_pages, written, "out_dirty_pages");
	ASSERT_EQ(skel->bss->sample_calls - sample0, nreg, "sample per region");
	ASSERT_EQ(skel->bss->sample_bad, 0, "sample ctx invariants");
	ASSERT_EQ(skel->bss->s_length, REGION, "sample ctx length");
	ASSERT_EQ(skel->data->s_min_iova, pe->e.iova, "lowest region iova");
	ASSERT_EQ(skel->bss->s_max_end, pe->e.iova + NPAGES * SZ_4K,
		  "highest region end");
	ASSERT_EQ(skel->bss->s_max_skip, 8, "sample ctx max_skip (default)");
	ASSERT_EQ(skel->bss->s_skipped, 0, "sample ctx skipped");
	ASSERT_NEQ(skel->bss->s_hwpt_id, 0, "sample ctx hwpt_id");

	ring_buffer__consume(rb);
	ASSERT_EQ(skel->bss->export_drops, 0, "no ring-buffer drops");
	ASSERT_EQ(skel->bss->export_bad, 0, "run ctx invariants");
	ASSERT_EQ(skel->bss->export_eos_calls - eos0, 1, "one end_of_scan call");
	ASSERT_EQ(log.eos, 1, "one end_of_scan record");
	ASSERT_EQ(log.eos_pos, log.n, "end_of_scan is the last call");
	ASSERT_EQ(log.bad_order, 0, "no run after end_of_scan");
	ASSERT_EQ(skel->bss->export_calls - exp0, 5, "4 runs + end_of_scan");
	ASSERT_EQ(log.n - 1, 4, "coalesced runs");
	ASSERT_EQ(log.bytes, written * SZ_4K, "run bytes == written pages");
	ASSERT_EQ(s.out_runs, 4, "SCAN out_runs");
	ASSERT_EQ(skel->bss->export_eos_seq, log.seq, "same scan_seq");

	/* the second scan of the domain: seq and last_walked_seq advance */
	if (ASSERT_OK(pol_scan(pe->e.fd, IODIRTY_SCAN_RUN, pe->e.hwpt, 0, 0,
			       REGION, 0, &s), "SCAN RUN 2")) {
		ASSERT_EQ(skel->bss->s_scan_seq, log.seq + 1, "scan_seq + 1");
		ASSERT_EQ(skel->bss->s_last_walked_seq, log.seq,
			  "last_walked_seq = previous scan");
		ASSERT_EQ(skel->bss->export_eos_calls - eos0, 2,
			  "end_of_scan of an empty scan");
	}
	ring_buffer__consume(rb);
	/* a scan consumed the dirty bits: the union still covers every write */
	if (ASSERT_OK(pol_env_harvest(pe), "GET after scans"))
		ASSERT_EQ(pol_env_check(pe, "scan"), written, "pages written");
out:
	ring_buffer__free(rb);
}

DEFINE_TEST(policy_members)
{
	struct policy_members_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	struct iodirty_status st;
	struct pol_env pe = { .e.fd = -1 };
	int fd = -1;

	fd = iodirty_open();
	if (!ASSERT_GE(fd, 0, "open"))
		return;
	skel = policy_members_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		goto out;

	if (test__start_subtest("init_once_at_attach")) {
		link = bpf_map__attach_struct_ops(skel->maps.members_ops);
		if (!ASSERT_OK_PTR(link, "attach"))
			goto out;
		ASSERT_EQ(skel->bss->init_calls, 1, "init called once");
		ASSERT_EQ(skel->data->init_flush_calls, 0, "init before any member");
		if (ASSERT_OK(pol_status(fd, &st), "STATUS")) {
			ASSERT_EQ(st.out_attached, 1, "status attached");
			ASSERT_STREQ(st.out_name, "policy_members", "status name");
			ASSERT_EQ(st.out_exit_kind, IODIRTY_EXIT_NONE,
				  "status exit kind while running");
		}
	}
	if (!link)
		goto out;
	if (test__start_subtest("flush_via_probe"))
		subtest_probe(fd, skel);
	if (!pol_env_setup(&pe, NPAGES))
		goto out;
	if (test__start_subtest("flush_via_harvest"))
		subtest_harvest(&pe, skel);
	if (test__start_subtest("defer_everything_floor"))
		subtest_defer_floor(&pe, skel);
	if (test__start_subtest("sample_export_via_scan"))
		subtest_scan(&pe, skel);
	if (test__start_subtest("exit_once_unreg_at_detach")) {
		struct iodirty_policy_probe p;

		ASSERT_EQ(skel->bss->exit_calls, 0, "no exit while attached");
		ASSERT_OK(bpf_link__destroy(link), "link destroy");
		link = NULL;
		pol_wait_for(&skel->bss->exit_calls, 1, 1000);
		ASSERT_EQ(skel->bss->exit_calls, 1, "exit called once");
		ASSERT_EQ(skel->bss->uei.kind, IODIRTY_EXIT_UNREG, "exit kind");
		ASSERT_EQ(skel->bss->uei.reason, IODIRTY_EXIT_REASON_NONE,
			  "exit reason");
		if (ASSERT_OK(pol_status(fd, &st), "STATUS")) {
			ASSERT_EQ(st.out_attached, 0, "status detached");
			ASSERT_EQ(st.out_exit_kind, IODIRTY_EXIT_UNREG,
				  "status exit kind");
		}
		if (ASSERT_OK(pol_probe(fd, &p, 3), "probe"))
			ASSERT_EQ(p.out_policy, 0, "default answers");
		if (pol_env_reset(&pe) && pol_env_write(&pe, 1, 2) &&
		    ASSERT_OK(pol_env_harvest(&pe), "GET"))
			pol_env_check(&pe, "after detach");
		usleep(20000);
		ASSERT_EQ(skel->bss->exit_calls, 1, "still one exit call");
		ASSERT_EQ(skel->bss->calls_after_exit, 0, "no member after exit");
	}
out:
	bpf_link__destroy(link);
	pol_env_teardown(&pe);
	policy_members_bpf__destroy(skel);
	if (fd >= 0)
		close(fd);
}
