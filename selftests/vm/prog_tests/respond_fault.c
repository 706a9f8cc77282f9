// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A command whose result cannot be written back fails with EFAULT and
 * leaves nothing behind.  The command struct sits in a read-only page: the
 * kernel can read it, the final copy back fails.  On any kernel (the
 * fail-nth sweep finds the same on the debug kernel at every site):
 *  - harvest_redirties: IODIRTY_HARVEST cleared the dirty leaves before
 *    the copy failed; every page it reported is dirty again, so the next
 *    GET_DIRTY_BITMAP sees each one (the oracle agrees, 0 missed);
 *  - map_undone: IOAS_MAP leaves nothing mapped or pinned;
 *  - unmap_not_done: IOAS_UNMAP leaves the area mapped;
 *  - workload_not_running / scan_not_running: START leaves no worker.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "../test_progs.h"
#include "../proc_util.h"
#include "policy_util.h"

#define NPAGES	64
#define LEN	(NPAGES * SZ_4K)
#define IOVA2	(EMU_IOVA + (64ULL << 20))

/* a copy of @cmd in a page of its own, made read-only */
static void *ro_copy(const void *cmd, size_t n)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, cmd, n);
	if (mprotect(p, 4096, PROT_READ)) {
		munmap(p, 4096);
		return NULL;
	}
	return p;
}

static void harvest_redirties(void)
{
	__u8 bm[NPAGES / 8], bm2[NPAGES / 8];
	struct iodirty_harvest h = {
		.size = sizeof(h), .iova = EMU_IOVA, .length = LEN,
		.page_size = SZ_4K, .data = (uintptr_t)bm,
	};
	struct iodirty_oracle o;
	struct emu_env e = { .fd = -1 };
	void *buf = emu_alloc(LEN), *ro = NULL;
	__u64 i;

	if (!ASSERT_OK_PTR(buf, "buffer") ||
	    !emu_env_setup(&e, IODIRTY_MODEL_AMD, 0, buf, LEN, EMU_IOVA, true))
		goto out;
	ASSERT_OK(emu_oracle_reset(e.fd, e.hwpt), "oracle reset");
	for (i = 0; i < NPAGES; i += 3)
		ASSERT_OK(emu_dma_write(e.fd, e.dev, EMU_IOVA + i * SZ_4K, 8),
			  "dma write");
	h.hwpt_id = e.hwpt;
	ro = ro_copy(&h, sizeof(h));
	if (!ASSERT_OK_PTR(ro, "read-only command"))
		goto out;
	memset(bm, 0, sizeof(bm));
	ASSERT_ERRNO(ioctl(e.fd, IODIRTY_HARVEST, ro), EFAULT,
		     "HARVEST with an unwritable result");
	ASSERT_EQ(emu_bm_weight(bm, NPAGES), (NPAGES + 2) / 3,
		  "the failed harvest had walked and reported every page");
	memset(bm2, 0, sizeof(bm2));
	if (!ASSERT_OK(emu_get_dirty(e.fd, e.hwpt, EMU_IOVA, LEN, SZ_4K, bm2, 0),
		       "GET after the failed harvest"))
		goto out;
	ASSERT_EQ(emu_bm_weight(bm2, NPAGES), (NPAGES + 2) / 3,
		  "every page is reported again");
	if (ASSERT_OK(emu_oracle_check(e.fd, e.hwpt, EMU_IOVA, LEN, SZ_4K, bm2,
				       &o), "oracle check"))
		ASSERT_EQ(o.out_missed, 0, "oracle: missed");
out:
	if (ro)
		munmap(ro, 4096);
	emu_env_teardown(&e);
	emu_free(buf, LEN);
}

static void map_undone(void)
{
	void *buf = emu_alloc(LEN), *buf2 = emu_alloc(LEN), *ro = NULL;
	struct iommu_ioas_map m = {
		.size = sizeof(m), .flags = IOMMU_IOAS_MAP_FIXED_IOVA | EMU_RW,
		.user_va = (uintptr_t)buf2, .length = LEN, .iova = IOVA2,
	};
	struct emu_env e = { .fd = -1 };
	long pin0;

	if (!ASSERT_OK_PTR(buf, "buffer") || !ASSERT_OK_PTR(buf2, "buffer 2") ||
	    !emu_env_setup(&e, IODIRTY_MODEL_VTD, 0, buf, LEN, EMU_IOVA, true))
		goto out;
	pin0 = proc_vmpin_kb();
	m.ioas_id = e.ioas;
	ro = ro_copy(&m, sizeof(m));
	if (!ASSERT_OK_PTR(ro, "read-only command"))
		goto out;
	ASSERT_ERRNO(ioctl(e.fd, IOMMU_IOAS_MAP, ro), EFAULT,
		     "MAP with an unwritable result");
	ASSERT_EQ(proc_vmpin_kb(), pin0, "VmPin unchanged");
	ASSERT_ERRNO(emu_unmap(e.fd, e.ioas, IOVA2, LEN), ENOENT,
		     "nothing mapped at the IOVA");
	ASSERT_OK(emu_map(e.fd, e.ioas, buf2, LEN, IOVA2, EMU_RW),
		  "the same map then succeeds");
out:
	if (ro)
		munmap(ro, 4096);
	emu_env_teardown(&e);
	emu_free(buf, LEN);
	emu_free(buf2, LEN);
}

static void unmap_not_done(void)
{
	void *buf = emu_alloc(LEN), *ro = NULL;
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .iova = EMU_IOVA, .length = LEN,
	};
	struct emu_env e = { .fd = -1 };
	long pin0;

	if (!ASSERT_OK_PTR(buf, "buffer") ||
	    !emu_env_setup(&e, IODIRTY_MODEL_ARM, 0, buf, LEN, EMU_IOVA, true))
		goto out;
	pin0 = proc_vmpin_kb();
	u.ioas_id = e.ioas;
	ro = ro_copy(&u, sizeof(u));
	if (!ASSERT_OK_PTR(ro, "read-only command"))
		goto out;
	ASSERT_ERRNO(ioctl(e.fd, IOMMU_IOAS_UNMAP, ro), EFAULT,
		     "UNMAP with an unwritable result");
	ASSERT_EQ(proc_vmpin_kb(), pin0, "still pinned");
	ASSERT_OK(emu_dma_write(e.fd, e.dev, EMU_IOVA, 8),
		  "DMA into the area still works");
out:
	if (ro)
		munmap(ro, 4096);
	emu_env_teardown(&e);
	emu_free(buf, LEN);
}

static void start_not_running(bool scan)
{
	void *buf = emu_alloc(LEN), *ro = NULL;
	struct iodirty_workload w = {
		.size = sizeof(w), .op = IODIRTY_WORKLOAD_START,
		.pattern = IODIRTY_WL_SEQUENTIAL, .iova = EMU_IOVA,
		.length = LEN, .rate = 1000, .seed = 1,
	};
	struct iodirty_scan s = {
		.size = sizeof(s), .op = IODIRTY_SCAN_START, .period_ms = 10,
	};
	struct iodirty_scan st;
	struct emu_env e = { .fd = -1 };

	if (!ASSERT_OK_PTR(buf, "buffer") ||
	    !emu_env_setup(&e, IODIRTY_MODEL_VTD, 0, buf, LEN, EMU_IOVA, true))
		goto out;
	w.dev_id = e.dev;
	s.hwpt_id = e.hwpt;
	ro = scan ? ro_copy(&s, sizeof(s)) : ro_copy(&w, sizeof(w));
	if (!ASSERT_OK_PTR(ro, "read-only command"))
		goto out;
	ASSERT_ERRNO(ioctl(e.fd, scan ? IODIRTY_SCAN : IODIRTY_WORKLOAD, ro),
		     EFAULT, "START with an unwritable result");
	if (scan) {
		if (ASSERT_OK(pol_scan(e.fd, IODIRTY_SCAN_STATUS, e.hwpt, 0, 0,
				       0, 0, &st), "scan status")) {
			ASSERT_EQ(st.out_running, 0, "scanner not running");
			ASSERT_EQ(st.out_scans, 0, "no scan done");
		}
	} else {
		struct iodirty_workload out;

		if (ASSERT_OK(emu_wl_status(e.fd, e.dev, &out), "workload status"))
			ASSERT_EQ(out.out_running, 0, "workload not running");
	}
out:
	if (ro)
		munmap(ro, 4096);
	emu_env_teardown(&e);
	emu_free(buf, LEN);
}

DEFINE_TEST(respond_fault)
{
	if (test__start_subtest("harvest_redirties"))
		harvest_redirties();
	if (test__start_subtest("map_undone"))
		map_undone();
	if (test__start_subtest("unmap_not_done"))
		unmap_not_done();
	if (test__start_subtest("workload_not_running"))
		start_not_running(false);
	if (test__start_subtest("scan_not_running"))
		start_not_running(true);
}
