// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fail-nth at every allocation, copy and pin of every ioctl path.
 *
 * For each path a scenario builds its state on a fresh file, arms
 * /proc/self/task/<tid>/fail-nth with N and makes the one call.  The
 * kernel then fails the N-th injectable site that call reaches: a slab or
 * page allocation (FAILSLAB, FAIL_PAGE_ALLOC, made to fail sleeping and
 * order-0 allocations too), a user copy (FAULT_INJECTION_USERCOPY) or a
 * page pin (the module's iodirty/fail_pin attribute).  Each round checks:
 *  - the call failed with an errno, or succeeded having survived the
 *    injection (an opportunistic allocation with a fallback);
 *  - after a failure the state is exactly as before: live objects and
 *    pinned pages (debugfs iodirty/state), this process's VmPin, the
 *    dirty bits of the mapped range (read with NO_CLEAR) and the policy
 *    layer's counters and attachment;
 *  - after the file is closed nothing is left: objects, pins and VmPin
 *    back to the baseline (kmemleak is scanned after the suites).
 * N grows until the call succeeds without consuming the counter; the
 * number of injection points each path had and the errno mix are printed.
 *
 * Needs CONFIG_FAULT_INJECTION_DEBUG_FS + FAILSLAB + FAIL_PAGE_ALLOC (the
 * debug kernel of make check-debug); skipped, saying so, elsewhere.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "../proc_util.h"
#include "policy_util.h"
#include "../progs/policy_test.h"
#include "policy_swap.skel.h"

#define NPAGES		32
#define LEN		(NPAGES * SZ_4K)
#define IOVA2		(EMU_IOVA + (64ULL << 20))
#define MAX_N		4000
#define DBG		"/sys/kernel/debug/"
#define STATE_PATH	DBG "iodirty/state"

/* what a failed call must leave exactly as it was */
struct fn_state {
	long objs[4];		/* ioas hwpt device selftest */
	long pinned;
	long vmpin_kb;
	__u64 stats[16];
	__u32 attached;
	__u32 wl_running, scan_running;
	__u8 dirty[NPAGES / 8];
	bool have_dirty;
};

struct fn_ctx {
	struct emu_env e;
	void *buf, *buf2;
	__u32 id;		/* scratch: a second HWPT, a device, ... */
	__u32 id2;		/* scratch: a HWPT for the PASID case */
	struct policy_swap_bpf *skel;
	struct bpf_link *link;
	bool started;		/* workload / scanner to stop */
};

enum fn_level { L_OPEN, L_IOAS, L_ENV };

struct fn_case {
	const char *name;
	enum fn_level level;
	bool (*prep)(struct fn_ctx *c);
	int (*call)(struct fn_ctx *c);
	/* a DMA may have written part of its range before failing */
	bool dirty_may_grow;
};

static bool read_state(struct fn_ctx *c, struct fn_state *s)
{
	struct iodirty_workload w;
	struct iodirty_status st;
	struct iodirty_scan sc;
	char name[32];
	long v;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen(STATE_PATH, "r");
	if (!f)
		return false;
	while (fscanf(f, "%31s %ld", name, &v) == 2) {
		if (!strcmp(name, "ioas"))
			s->objs[0] = v;
		else if (!strcmp(name, "hwpt"))
			s->objs[1] = v;
		else if (!strcmp(name, "device"))
			s->objs[2] = v;
		else if (!strcmp(name, "selftest"))
			s->objs[3] = v;
		else if (!strcmp(name, "pinned_pages"))
			s->pinned = v;
	}
	fclose(f);
	s->vmpin_kb = proc_vmpin_kb();
	if (c && c->e.fd >= 0 && !pol_status(c->e.fd, &st)) {
		memcpy(s->stats, st.out_stats, sizeof(s->stats));
		s->attached = st.out_attached;
	}
	if (c && c->e.dev && !emu_wl_status(c->e.fd, c->e.dev, &w))
		s->wl_running = w.out_running;
	if (c && c->e.hwpt && !pol_scan(c->e.fd, IODIRTY_SCAN_STATUS, c->e.hwpt,
					0, 0, 0, 0, &sc))
		s->scan_running = sc.out_running;
	if (c && c->e.mapped && c->e.hwpt &&
	    !emu_get_dirty(c->e.fd, c->e.hwpt, c->e.iova, LEN, SZ_4K, s->dirty,
			   IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR))
		s->have_dirty = true;
	return true;
}

/*
 * Work counters count attempts: a failed harvest or scan was still begun,
 * walked what it walked and invalidated what it cleared (its pages are
 * dirty again, which the bitmap check sees).  The policy lifecycle
 * counters (attaches, detaches, ejections, replacements) must not move.
 */
static bool stat_may_move(unsigned int i)
{
	return i != IODIRTY_STAT_ATTACHES && i != IODIRTY_STAT_DETACHES &&
	       i != IODIRTY_STAT_EJECTIONS && i != IODIRTY_STAT_REPLACEMENTS;
}

static const char *state_diff(const struct fn_state *a,
			      const struct fn_state *b, bool dirty_may_grow)
{
	static char why[96];
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (a->objs[i] != b->objs[i]) {
			snprintf(why, sizeof(why), "live objects of type %u %ld -> %ld",
				 i, a->objs[i], b->objs[i]);
			return why;
		}
	if (a->pinned != b->pinned || a->vmpin_kb != b->vmpin_kb) {
		snprintf(why, sizeof(why), "pinned %ld -> %ld, VmPin %ld -> %ld kB",
			 a->pinned, b->pinned, a->vmpin_kb, b->vmpin_kb);
		return why;
	}
	if (a->attached != b->attached)
		return "policy attachment changed";
	if (a->wl_running != b->wl_running)
		return "DMA workload left running";
	if (a->scan_running != b->scan_running)
		return "scanner left running";
	for (i = 0; i < 16; i++)
		if (a->stats[i] != b->stats[i] && !stat_may_move(i)) {
			snprintf(why, sizeof(why), "counter %s %llu -> %llu",
				 iodirty_stat_name(i),
				 (unsigned long long)a->stats[i],
				 (unsigned long long)b->stats[i]);
			return why;
		}
	if (a->have_dirty != b->have_dirty)
		return "dirty bitmap no longer readable";
	for (i = 0; a->have_dirty && i < sizeof(a->dirty); i++) {
		/* no dirty bit may be lost; none may appear unless DMA ran */
		if (a->dirty[i] & ~b->dirty[i])
			return "dirty bits lost";
		if (!dirty_may_grow && (b->dirty[i] & ~a->dirty[i]))
			return "dirty bits appeared";
	}
	return NULL;
}

/* ---- setups ------------------------------------------------------------ */

static bool setup_level(struct fn_ctx *c, enum fn_level level)
{
	memset(c, 0, sizeof(*c));
	c->e.fd = -1;
	c->buf = emu_alloc(LEN);
	c->buf2 = emu_alloc(LEN);
	if (!c->buf || !c->buf2)
		return false;
	if (level == L_OPEN) {
		c->e.fd = iodirty_open();
		return c->e.fd >= 0;
	}
	if (level == L_IOAS) {
		c->e.fd = iodirty_open();
		return c->e.fd >= 0 && !emu_ioas_alloc(c->e.fd, &c->e.ioas) &&
		       !emu_dev_create(c->e.fd, IODIRTY_MODEL_VTD,
				       IODIRTY_DEVICE_DIRTY_TRACKING, 0, &c->e.dev);
	}
	if (!emu_env_setup(&c->e, IODIRTY_MODEL_VTD, 0, c->buf, LEN, EMU_IOVA,
			   true))
		return false;
	/* dirty pages 0, 5 and 17: a failed harvest must keep them */
	return !emu_dma_write(c->e.fd, c->e.dev, EMU_IOVA, 16) &&
	       !emu_dma_write(c->e.fd, c->e.dev, EMU_IOVA + 5 * SZ_4K, 16) &&
	       !emu_dma_write(c->e.fd, c->e.dev, EMU_IOVA + 17 * SZ_4K, 16);
}

static void teardown(struct fn_ctx *c)
{
	if (c->link)
		bpf_link__destroy(c->link);
	emu_env_teardown(&c->e);
	emu_free(c->buf, LEN);
	emu_free(c->buf2, LEN);
	memset(c, 0, sizeof(*c));
	c->e.fd = -1;
}

static bool prep_hwpt(struct fn_ctx *c)
{
	return !emu_hwpt_alloc(c->e.fd, c->e.dev, c->e.ioas,
			       IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &c->id);
}

static bool prep_map2(struct fn_ctx *c)
{
	return !emu_map(c->e.fd, c->e.ioas, c->buf2, LEN, IOVA2, EMU_RW);
}

static bool prep_tracking_off(struct fn_ctx *c)
{
	return !emu_set_dirty(c->e.fd, c->e.hwpt, false);
}

/*
 * One loaded object serves every round (loading takes seconds under
 * KASAN); each round attaches its own link and destroys it in teardown.
 */
static struct policy_swap_bpf *swap_skel;

static bool prep_policy(struct fn_ctx *c)
{
	if (!swap_skel)
		swap_skel = policy_swap_bpf__open_and_load();
	c->skel = swap_skel;
	return c->skel != NULL;
}

static bool prep_policy_attached(struct fn_ctx *c)
{
	if (!prep_policy(c))
		return false;
	c->link = bpf_map__attach_struct_ops(c->skel->maps.swap_a_ops);
	return c->link != NULL;
}

/* ---- the calls --------------------------------------------------------- */

static int call_ioas_alloc(struct fn_ctx *c)
{
	return emu_ioas_alloc(c->e.fd, &c->id);
}

static int call_map(struct fn_ctx *c)
{
	return emu_map(c->e.fd, c->e.ioas, c->buf2, LEN, IOVA2, EMU_RW);
}

static int call_unmap(struct fn_ctx *c)
{
	return emu_unmap(c->e.fd, c->e.ioas, IOVA2, LEN);
}

static int call_iova_ranges(struct fn_ctx *c)
{
	struct iommu_iova_range r[4];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = c->e.ioas, .num_iovas = 4,
		.allowed_iovas = (uintptr_t)r,
	};

	return ioctl(c->e.fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
}

static int call_hwpt_alloc(struct fn_ctx *c)
{
	return emu_hwpt_alloc(c->e.fd, c->e.dev, c->e.ioas,
			      IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &c->id);
}

static int call_hw_info(struct fn_ctx *c)
{
	struct iommu_hw_info out;
	__u8 data[64];

	return emu_hw_info(c->e.fd, c->e.dev, data, sizeof(data), &out);
}

static int call_destroy(struct fn_ctx *c)
{
	return emu_destroy(c->e.fd, c->id);
}

static int call_set_dirty(struct fn_ctx *c)
{
	return emu_set_dirty(c->e.fd, c->e.hwpt, true);
}

static int call_get_dirty(struct fn_ctx *c)
{
	__u8 bm[NPAGES / 8];

	return emu_get_dirty(c->e.fd, c->e.hwpt, EMU_IOVA, LEN, SZ_4K, bm, 0);
}

static int call_harvest(struct fn_ctx *c)
{
	struct iodirty_harvest h;
	__u8 bm[NPAGES / 8];

	return emu_harvest(c->e.fd, c->e.hwpt, 0, EMU_IOVA, LEN, SZ_4K, bm, &h);
}

static int call_mock_domain(struct fn_ctx *c)
{
	struct iommu_test_cmd t = {
		.size = sizeof(t), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = c->e.ioas,
		.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
	};

	return ioctl(c->e.fd, IOMMU_TEST_CMD, &t);
}

static int call_test_dirty(struct fn_ctx *c)
{
	__u8 bm[NPAGES / 8] = { 0x55, 0x55, 0x55, 0x55 };
	struct iommu_test_cmd t = {
		.size = sizeof(t), .op = IOMMU_TEST_OP_DIRTY, .id = c->e.hwpt,
		.dirty = { .iova = EMU_IOVA, .length = LEN, .page_size = SZ_4K,
			   .uptr = (uintptr_t)bm },
	};

	return ioctl(c->e.fd, IOMMU_TEST_CMD, &t);
}

static int call_dev_create(struct fn_ctx *c)
{
	return emu_dev_create(c->e.fd, IODIRTY_MODEL_AMD,
			      IODIRTY_DEVICE_DIRTY_TRACKING, 0, &c->id);
}

static int call_attach(struct fn_ctx *c)
{
	__u32 got;

	return emu_attach(c->e.fd, c->e.dev, c->id, &got);
}

static int call_dma(struct fn_ctx *c)
{
	return emu_dma_write(c->e.fd, c->e.dev, EMU_IOVA + 8 * SZ_4K,
			     4 * SZ_4K);
}

static int call_iotlb(struct fn_ctx *c)
{
	struct iodirty_iotlb t;

	return emu_iotlb(c->e.fd, c->e.dev, IODIRTY_IOTLB_INVALIDATE, EMU_IOVA,
			 LEN, &t);
}

static int call_workload(struct fn_ctx *c)
{
	int ret = emu_wl_start(c->e.fd, c->e.dev, IODIRTY_WL_SEQUENTIAL,
			       EMU_IOVA, LEN, 1, 1);

	c->started = !ret;
	return ret;
}

static int call_oracle(struct fn_ctx *c)
{
	__u8 bm[NPAGES / 8] = { 0 };
	struct iodirty_oracle o;

	return iodirty_oracle_check(c->e.fd, c->e.hwpt, EMU_IOVA, LEN, SZ_4K,
				    bm, &o);
}

static int call_phantom(struct fn_ctx *c)
{
	return emu_phantom_map(c->e.fd, c->e.ioas, IOVA2, 64 * SZ_1M, SZ_2M);
}

static int call_status(struct fn_ctx *c)
{
	struct iodirty_status st;

	return pol_status(c->e.fd, &st);
}

static int call_probe(struct fn_ctx *c)
{
	struct iodirty_policy_probe p;

	return pol_probe(c->e.fd, &p, 64);
}

static int call_scan_start(struct fn_ctx *c)
{
	struct iodirty_scan s;
	int ret = pol_scan(c->e.fd, IODIRTY_SCAN_START, c->e.hwpt, 0, 1000,
			   0, 0, &s);

	c->started = !ret;
	return ret;
}

static int call_scan_run(struct fn_ctx *c)
{
	struct iodirty_scan s;

	return pol_scan(c->e.fd, IODIRTY_SCAN_RUN, c->e.hwpt, IODIRTY_SCAN_FULL,
			0, 0, 0, &s);
}

static int call_policy_attach(struct fn_ctx *c)
{
	c->link = bpf_map__attach_struct_ops(c->skel->maps.swap_a_ops);
	return c->link ? 0 : -1;
}

static int call_policy_swap(struct fn_ctx *c)
{
	return bpf_link__update_map(c->link, c->skel->maps.swap_b_ops);
}

/* the 7.x selftest surface: a mock device (c->id = its idev) */
static bool prep_mock(struct fn_ctx *c)
{
	struct iommu_test_cmd t = {
		.size = sizeof(t), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = c->e.ioas,
	};

	if (ioctl(c->e.fd, IOMMU_TEST_CMD, &t))
		return false;
	c->id = t.mock_domain.out_idev_id;
	return true;
}

/* a PASID-capable mock device (c->id = its stdev) on a PASID HWPT (id2) */
static bool prep_pasid(struct fn_ctx *c)
{
	struct iommu_test_cmd t = {
		.size = sizeof(t), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_PASID,
	};

	if (!prep_mock(c) ||
	    emu_hwpt_alloc(c->e.fd, c->id, c->e.ioas, IOMMU_HWPT_ALLOC_PASID,
			   &c->id2))
		return false;
	t.id = c->id2;
	if (ioctl(c->e.fd, IOMMU_TEST_CMD, &t))
		return false;
	c->id = t.mock_domain.out_stdev_id;
	return true;
}

static int call_option(struct fn_ctx *c)
{
	struct iommu_option o = {
		.size = sizeof(o), .option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_SET, .object_id = c->e.ioas, .val64 = 0,
	};

	return ioctl(c->e.fd, IOMMU_OPTION, &o);
}

static int call_hwpt_alloc_iommupt(struct fn_ctx *c)
{
	struct iommu_hwpt_selftest cfg = {
		.pagetable_type = MOCK_IOMMUPT_DEFAULT,
	};
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		.dev_id = c->id, .pt_id = c->e.ioas,
		.data_type = IOMMU_HWPT_DATA_SELFTEST, .data_len = sizeof(cfg),
		.data_uptr = (uintptr_t)&cfg,
	};

	return ioctl(c->e.fd, IOMMU_HWPT_ALLOC, &cmd);
}

static int call_pasid_attach(struct fn_ctx *c)
{
	struct iommu_test_cmd t = {
		.size = sizeof(t), .op = IOMMU_TEST_OP_PASID_ATTACH, .id = c->id,
		.pasid_attach = { .pasid = 100, .pt_id = c->id2 },
	};

	return ioctl(c->e.fd, IOMMU_TEST_CMD, &t);
}

static const struct fn_case cases[] = {
	{ "ioas_alloc", L_OPEN, NULL, call_ioas_alloc, false },
	{ "ioas_map", L_IOAS, NULL, call_map, false },
	{ "ioas_unmap", L_ENV, prep_map2, call_unmap, false },
	{ "ioas_iova_ranges", L_ENV, NULL, call_iova_ranges, false },
	{ "hwpt_alloc", L_IOAS, NULL, call_hwpt_alloc, false },
	{ "get_hw_info", L_IOAS, NULL, call_hw_info, false },
	{ "destroy_hwpt", L_IOAS, prep_hwpt, call_destroy, false },
	{ "set_dirty_tracking", L_ENV, prep_tracking_off, call_set_dirty, false },
	{ "get_dirty_bitmap", L_ENV, NULL, call_get_dirty, false },
	{ "harvest", L_ENV, NULL, call_harvest, false },
	{ "test_mock_domain", L_IOAS, NULL, call_mock_domain, false },
	{ "test_dirty", L_ENV, NULL, call_test_dirty, true },
	{ "device_create", L_IOAS, NULL, call_dev_create, false },
	{ "device_attach", L_IOAS, prep_hwpt, call_attach, false },
	{ "dma_write", L_ENV, NULL, call_dma, true },
	{ "iotlb_invalidate", L_ENV, NULL, call_iotlb, false },
	{ "workload_start", L_ENV, NULL, call_workload, true },
	{ "oracle_check", L_ENV, NULL, call_oracle, false },
	{ "phantom_map", L_IOAS, NULL, call_phantom, false },
	{ "status", L_OPEN, NULL, call_status, false },
	{ "policy_probe", L_OPEN, NULL, call_probe, false },
	{ "scan_start", L_ENV, NULL, call_scan_start, false },
	{ "scan_run", L_ENV, NULL, call_scan_run, false },
	{ "policy_attach", L_ENV, prep_policy, call_policy_attach, false },
	{ "policy_swap", L_ENV, prep_policy_attached, call_policy_swap, false },
	{ "ioas_option", L_IOAS, NULL, call_option, false },
	{ "hwpt_alloc_iommupt", L_IOAS, prep_mock, call_hwpt_alloc_iommupt,
	  false },
	{ "pasid_attach", L_IOAS, prep_pasid, call_pasid_attach, false },
};

/* ---- fault-injection knobs --------------------------------------------- */

static const char * const knobs[][2] = {
	{ DBG "failslab/ignore-gfp-wait", "N" },
	{ DBG "failslab/verbose", "0" },
	{ DBG "fail_page_alloc/ignore-gfp-wait", "N" },
	{ DBG "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ DBG "fail_page_alloc/min-order", "0" },
	{ DBG "fail_page_alloc/verbose", "0" },
	{ DBG "fail_usercopy/verbose", "0" },
	{ DBG "iodirty/fail_pin/verbose", "0" },
};
static char saved[sizeof(knobs) / sizeof(knobs[0])][16];

static int knobs_set(bool restore)
{
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if (restore) {
			if (saved[i][0])
				proc_knob_rw(knobs[i][0], NULL, 0, saved[i]);
			continue;
		}
		ret = proc_knob_rw(knobs[i][0], saved[i], sizeof(saved[i]),
				   knobs[i][1]);
		if (ret)
			return ret;
	}
	return 0;
}

static int nth_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	return open(path, O_RDWR);
}

static int nth_arm(int fd, unsigned int n)
{
	char v[16];
	int len = snprintf(v, sizeof(v), "%u", n);

	return pwrite(fd, v, len, 0) == len ? 0 : -1;
}

/* 0: the armed fault was injected; > 0: the call never reached it */
static long nth_left(int fd)
{
	char v[16] = "";
	ssize_t r = pread(fd, v, sizeof(v) - 1, 0);

	return r > 0 ? strtol(v, NULL, 10) : -1;
}

/* ---- one path ---------------------------------------------------------- */

struct fn_tally {
	unsigned int points, survived;
	unsigned int err_nomem, err_fault, err_other;
};

static void stop_started(struct fn_ctx *c, const struct fn_case *k)
{
	struct iodirty_workload w;
	struct iodirty_scan s;

	if (!c->started)
		return;
	if (k->call == call_workload)
		emu_wl_stop(c->e.fd, c->e.dev, &w);
	else
		pol_scan(c->e.fd, IODIRTY_SCAN_STOP, c->e.hwpt, 0, 0, 0, 0, &s);
	c->started = false;
}

static void run_case(const struct fn_case *k, const struct fn_state *base,
		     struct fn_tally *t)
{
	struct fn_state before, after, closed;
	struct fn_ctx c;
	const char *why;
	unsigned int n;
	long left;
	int nfd, ret, err;

	memset(t, 0, sizeof(*t));
	for (n = 1; n <= MAX_N; n++) {
		if (!ASSERT_TRUE(setup_level(&c, k->level), "setup") ||
		    (k->prep && !ASSERT_TRUE(k->prep(&c), "prep")))
			goto fail;
		if (!ASSERT_TRUE(read_state(&c, &before), "state before"))
			goto fail;
		nfd = nth_open();
		if (!ASSERT_GE(nfd, 0, "open fail-nth"))
			goto fail;
		if (!ASSERT_OK(nth_arm(nfd, n), "arm fail-nth")) {
			close(nfd);
			goto fail;
		}
		errno = 0;
		ret = k->call(&c);
		err = errno;
		left = nth_left(nfd);
		nth_arm(nfd, 0);
		close(nfd);

		if (ret == 0 && left > 0) {
			/* the call completed without reaching the N-th site */
			t->points = n - 1;
			stop_started(&c, k);
			teardown(&c);
			break;
		}
		if (ret == 0) {
			t->survived++;
		} else {
			if (!_CHECK(err != 0, "errno", "%s: call %u failed with errno 0",
				    k->name, n))
				goto fail;
			if (err == ENOMEM)
				t->err_nomem++;
			else if (err == EFAULT)
				t->err_fault++;
			else
				t->err_other++;
			read_state(&c, &after);
			why = state_diff(&before, &after, k->dirty_may_grow);
			if (!_CHECK(!why, "state", "%s: fail-nth %u (errno %d %s): %s",
				    k->name, n, err, strerror(err), why))
				goto fail;
		}
		stop_started(&c, k);
		teardown(&c);
		read_state(NULL, &closed);
		why = state_diff(base, &closed, false);
		if (!_CHECK(!why, "leak", "%s: after fail-nth %u and close: %s",
			    k->name, n, why))
			return;
	}
	_CHECK(n <= MAX_N, "end", "%s: still injecting after %u", k->name, MAX_N);
	return;
fail:
	teardown(&c);
}

DEFINE_TEST(fail_nth)
{
	struct fn_state base;
	struct fn_tally t;
	unsigned int i, total = 0;
	char path[64];
	int prev_bpf;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	if (access(path, W_OK) || access(DBG "failslab", F_OK) ||
	    access(DBG "fail_page_alloc", F_OK)) {
		test__skip("kernel without FAULT_INJECTION_DEBUG_FS, FAILSLAB "
			   "and FAIL_PAGE_ALLOC (make check-debug runs it)");
		return;
	}
	if (!ASSERT_OK(access(DBG "iodirty/fail_pin", F_OK),
		       "module pin injection point iodirty/fail_pin"))
		return;
	if (!ASSERT_OK(knobs_set(false), "configure failslab/fail_page_alloc"))
		goto out;
	prev_bpf = pol_get_bpf_enabled();
	pol_set_bpf_enabled(1);
	if (!ASSERT_TRUE(read_state(NULL, &base), "baseline state"))
		goto out_bpf;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		run_case(&cases[i], &base, &t);
		total += t.points;
		printf("# fail_nth/%s: %u injection points (ENOMEM %u, EFAULT %u, "
		       "other %u, survived %u)\n", cases[i].name, t.points,
		       t.err_nomem, t.err_fault, t.err_other, t.survived);
		ASSERT_GE(t.points, 1, "at least one injection point");
	}
	printf("# fail_nth: %u injection points over %zu paths\n", total,
	       sizeof(cases) / sizeof(cases[0]));
out_bpf:
	policy_swap_bpf__destroy(swap_skel);
	swap_skel = NULL;
	if (prev_bpf >= 0)
		pol_set_bpf_enabled(prev_bpf);
out:
	knobs_set(true);
}
