// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Regression tests for the paths that used to lose dirty pages or stall
 * the kernel, and for the epoch oracle that judges them:
 *  - a counters-only HARVEST clears, so what it cleared must reach GET;
 *  - the oracle sees a lost re-dirty (SKIP_FLUSH_UNSAFE), and the damage
 *    of such a harvest ends at the next safe one;
 *  - scans hand runs to export only after their IOTLB invalidation (the
 *    lab's export check, and the test-only switch that breaks it);
 *  - IOAS_MAP of a huge length allocates nothing proportional to it (no
 *    WARN), pins outside the locks DMA and scans need (userfaultfd), and
 *    charges the caller's mm (VmPin); DMA-written pages are unpinned dirty;
 *  - lab commands need CAP_SYS_ADMIN and lab=1;
 *  - with a widened clear-to-invalidate window, concurrent DMA on the
 *    other vCPU loses nothing, judged per round.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/userfaultfd.h>
#include "../emu_util.h"
#include "../proc_util.h"

#define NPAGES	64
#define LEN	(NPAGES * SZ_4K)
#define BMB	(NPAGES / 8)

static long long read_u64_file(const char *path)
{
	char buf[64] = {};
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtoll(buf, NULL, 0) : -1;
}

static int round0(struct emu_env *e, __u32 consumer, void *bm, __u32 flags,
		  struct iodirty_oracle *o)
{
	return iodirty_oracle_round(e->fd, e->hwpt, consumer, e->iova, e->len,
				    SZ_4K, bm, 0, flags, o);
}

static void subtest_counters_only(struct emu_env *e)
{
	struct iodirty_harvest h;
	struct iodirty_oracle o;
	__u8 bm[BMB] = {};

	if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		       "drain") ||
	    !ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset") ||
	    !ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova + 3 * SZ_4K, 2 * SZ_4K),
		       "DMA write pages 3-4"))
		return;
	if (ASSERT_OK(emu_harvest(e->fd, e->hwpt, 0, e->iova, LEN, SZ_4K, NULL,
				  &h), "HARVEST counters only"))
		ASSERT_EQ(h.out_dirty_bytes, 2 * SZ_4K, "counted 2 dirty pages");
	memset(bm, 0, sizeof(bm));
	if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		       "GET after it"))
		return;
	ASSERT_TRUE(emu_bm_test(bm, 3) && emu_bm_test(bm, 4),
		    "GET still reports what the counters-only harvest cleared");
	if (ASSERT_OK(round0(e, 0, bm, IODIRTY_ORACLE_ROUND_FINAL, &o), "ROUND"))
		ASSERT_EQ(o.out_missed, 0, "missed");
}

/*
 * Page 5 is written (the IOTLB caches it dirty), then an unsafe harvest
 * clears it without invalidating, and the device writes it again through
 * the stale entry: no PTE changes.  The oracle must count that as missed
 * after the grace round; and once a safe GET has run, a new write must be
 * reported again (the unsafe harvest's damage ended).
 */
static void subtest_lost_redirty(struct emu_env *e)
{
	const __u64 p5 = e->iova + 5 * SZ_4K;
	struct iodirty_harvest h;
	struct iodirty_oracle o;
	__u64 missed = 0;
	__u8 bm[BMB];
	int i;

	memset(bm, 0, sizeof(bm));
	if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		       "drain") ||
	    !ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset") ||
	    !ASSERT_OK(emu_dma_write(e->fd, e->dev, p5, 64), "write page 5"))
		return;
	memset(bm, 0, sizeof(bm));
	if (!ASSERT_OK(emu_harvest(e->fd, e->hwpt,
				   IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE, e->iova,
				   LEN, SZ_4K, bm, &h), "unsafe HARVEST"))
		return;
	ASSERT_TRUE(emu_bm_test(bm, 5), "unsafe harvest reports page 5");
	if (ASSERT_OK(round0(e, 1, bm, 0, &o), "ROUND 1"))
		ASSERT_EQ(o.out_missed, 0, "round 1 complete");
	/* through the stale cached-dirty entry: the PTE stays clean */
	if (!ASSERT_OK(emu_dma_write(e->fd, e->dev, p5, 64), "rewrite page 5"))
		return;
	for (i = 0; i < 2; i++) {
		memset(bm, 0, sizeof(bm));
		if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K,
					     bm, 0), "safe GET"))
			return;
		if (ASSERT_OK(round0(e, 1, bm, 0, &o), "ROUND"))
			missed += o.out_missed;
	}
	ASSERT_EQ(missed, 1, "the oracle counts the lost re-dirty of page 5");

	/* the damage ended with the first safe GET: this write is seen */
	if (!ASSERT_OK(emu_dma_write(e->fd, e->dev, p5, 64), "write page 5 again"))
		return;
	memset(bm, 0, sizeof(bm));
	if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		       "GET"))
		return;
	ASSERT_TRUE(emu_bm_test(bm, 5), "page 5 reported after the safe GET");
	if (ASSERT_OK(round0(e, 1, bm, IODIRTY_ORACLE_ROUND_FINAL, &o),
		      "ROUND final"))
		ASSERT_EQ(o.out_missed, 0, "nothing missed once the damage ended");
}

static int scan_run(struct emu_env *e)
{
	struct iodirty_scan s;

	return iodirty_scan_op(e->fd, e->hwpt, IODIRTY_SCAN_RUN,
			       IODIRTY_SCAN_FULL, &s);
}

#define STALE_PATH "/sys/kernel/debug/iodirty/export_stale"

/* scan exports only after invalidation; the test switch shows the check bites */
static void subtest_export_after_invalidate(struct emu_env *e)
{
	long long before, after;
	__u8 bm[BMB];
	int i;

	memset(bm, 0, sizeof(bm));
	ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		  "drain");
	before = read_u64_file(STALE_PATH);
	if (!ASSERT_GE(before, 0, "read " STALE_PATH))
		return;
	for (i = 0; i < 4; i++) {
		ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova + i * 4 * SZ_4K, 64),
			  "write");
		ASSERT_OK(scan_run(e), "scan");
	}
	after = read_u64_file(STALE_PATH);
	ASSERT_EQ(after - before, 0, "no run exported while cached dirty");

	/* negative control: the old order (export, then invalidate) */
	if (!ASSERT_OK(emu_write_param("test_export_early", "1"), "test_export_early=1"))
		return;
	for (i = 0; i < 4; i++) {
		ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova + i * 4 * SZ_4K, 64),
			  "write");
		ASSERT_OK(scan_run(e), "scan");
	}
	emu_write_param("test_export_early", "0");
	ASSERT_EQ(read_u64_file(STALE_PATH) - after, 4,
		  "the check sees each run exported before its invalidation");
	memset(bm, 0, sizeof(bm));
	ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		  "drain");
}

/* 1 TiB over a 4 KiB buffer: EFAULT at the first unmapped page, no WARN */
static void subtest_map_huge_length(struct emu_env *e)
{
	struct iommu_ioas_map c = {
		.size = sizeof(c), .ioas_id = e->ioas,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | EMU_RW,
		.user_va = (uintptr_t)e->buf, .length = 1ULL << 40,
		.iova = 1ULL << 41,
	};
	long pin0 = proc_vmpin_kb();

	ASSERT_ERRNO(ioctl(e->fd, IOMMU_IOAS_MAP, &c), EFAULT,
		     "MAP 1 TiB of a 256 KiB buffer");
	ASSERT_EQ(proc_vmpin_kb(), pin0, "nothing left pinned or charged");
	c.length = 1ULL << 62;
	ASSERT_ERR(ioctl(e->fd, IOMMU_IOAS_MAP, &c), "MAP 2^62 bytes");
	ASSERT_EQ(proc_vmpin_kb(), pin0, "nothing left pinned or charged");
}

/*
 * In a child without CAP_IPC_LOCK and a 64 KiB RLIMIT_MEMLOCK: the limit
 * is its own and is checked before anything is pinned or charged.
 */
static int memlock_child(int fd, __u32 ioas, void *buf)
{
	struct rlimit rl = { .rlim_cur = 64 * 1024, .rlim_max = 64 * 1024 };
	static const int cap = CAP_IPC_LOCK;
	long pin0;

	if (proc_drop_caps(&cap, 1) || setrlimit(RLIMIT_MEMLOCK, &rl))
		return 10;
	pin0 = proc_vmpin_kb();
	if (emu_map(fd, ioas, buf, LEN, EMU_IOVA + SZ_1G, EMU_RW) >= 0 ||
	    errno != ENOMEM)
		return 11;
	if (proc_vmpin_kb() != pin0)
		return 12;
	if (emu_map(fd, ioas, buf, 8 * SZ_4K, EMU_IOVA + SZ_1G, EMU_RW))
		return 13;
	if (proc_vmpin_kb() - pin0 != 32)
		return 14;
	/* the limit counts what this user has locked: 8 more pages fit, 9 not */
	if (emu_map(fd, ioas, (char *)buf + 8 * SZ_4K, 9 * SZ_4K,
		    EMU_IOVA + SZ_1G + 8 * SZ_4K, EMU_RW) >= 0 || errno != ENOMEM)
		return 15;
	if (emu_unmap(fd, ioas, EMU_IOVA + SZ_1G, 8 * SZ_4K) || proc_vmpin_kb() != pin0)
		return 16;
	return 0;
}

/* pinned pages are charged to the caller's mm (VmPin), and given back */
static void subtest_memlock_accounting(void)
{
	void *buf = emu_alloc(LEN);
	long pin0, pin1;
	__u32 ioas;
	int fd;

	fd = iodirty_open();
	if (!ASSERT_OK_PTR(buf, "alloc") || !ASSERT_GE(fd, 0, "open") ||
	    !ASSERT_OK(emu_ioas_alloc(fd, &ioas), "IOAS"))
		goto out;
	pin0 = proc_vmpin_kb();
	if (!ASSERT_OK(emu_map(fd, ioas, buf, LEN, EMU_IOVA, EMU_RW), "MAP"))
		goto out;
	pin1 = proc_vmpin_kb();
	ASSERT_EQ(pin1 - pin0, LEN / 1024, "VmPin grows by the mapping (CAP_IPC_LOCK still accounts)");
	ASSERT_OK(emu_unmap(fd, ioas, EMU_IOVA, LEN), "UNMAP");
	ASSERT_EQ(proc_vmpin_kb(), pin0, "VmPin back after UNMAP");
	{
		int status = -1;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(memlock_child(fd, ioas, buf));
		if (ASSERT_GE(pid, 0, "fork") &&
		    ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid"))
			ASSERT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
				  "child without CAP_IPC_LOCK: its own limit (exit code = failing step)");
	}
out:
	if (fd >= 0)
		close(fd);
	emu_free(buf, LEN);
}

/* the page-cache/anon "dirty" flag of the page behind @va (KPF_DIRTY) */
static int page_flag_dirty(void *va)
{
	__u64 ent = 0, flags = 0;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);
	int ret = -1;

	if (pm < 0 || kf < 0)
		goto out;
	if (pread(pm, &ent, 8, ((uintptr_t)va / SZ_4K) * 8) != 8 ||
	    !(ent & (1ULL << 63)))
		goto out;
	if (pread(kf, &flags, 8, (ent & ((1ULL << 55) - 1)) * 8) != 8)
		goto out;
	ret = !!(flags & (1ULL << 4));	/* KPF_DIRTY */
out:
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return ret;
}

/*
 * A page a device wrote must be unpinned dirty, or the kernel may drop the
 * DMA'd data (a file or swap page judged clean).  Anonymous memory that
 * only the CPU wrote has a dirty PTE but a clean page flag; after DMA and
 * UNMAP the page flag must be set.
 */
static void subtest_unpin_dirty(void)
{
	void *buf = emu_alloc(4 * SZ_4K);
	struct emu_env e = { .fd = -1 };
	int before;

	if (!ASSERT_OK_PTR(buf, "alloc"))
		return;
	memset(buf, 1, 4 * SZ_4K);
	if (!emu_env_setup(&e, IODIRTY_MODEL_VTD, SZ_4K, buf, 4 * SZ_4K,
			   EMU_IOVA, true) ||
	    !ASSERT_OK(emu_dma_write(e.fd, e.dev, EMU_IOVA + SZ_4K, 64),
		       "DMA write page 1"))
		goto out;
	before = page_flag_dirty((char *)buf + SZ_4K);
	if (!ASSERT_GE(before, 0, "read /proc/kpageflags"))
		goto out;
	if (before) {
		test__skip("the page flag is already dirty: cannot observe the unpin");
		goto out;
	}
	if (ASSERT_OK(emu_unmap(e.fd, e.ioas, EMU_IOVA, 4 * SZ_4K), "UNMAP"))
		ASSERT_EQ(page_flag_dirty((char *)buf + SZ_4K), 1,
			  "the DMA-written page was unpinned dirty");
out:
	emu_env_teardown(&e);
	emu_free(buf, 4 * SZ_4K);
}

/* ---- pinning outside the locks (userfaultfd) ------------------------------ */

struct uffd_map {
	int fd, uffd;
	__u32 ioas;
	void *area;
	int ret, err;
};

static void *uffd_map_thread(void *arg)
{
	struct uffd_map *m = arg;

	m->ret = emu_map(m->fd, m->ioas, m->area, SZ_4K, EMU_IOVA + SZ_1G,
			 EMU_RW);
	m->err = errno;
	return NULL;
}

static __u64 global_scans(int fd)
{
	struct iodirty_status st;

	if (iodirty_status(fd, &st))
		return 0;
	return st.out_stats[IODIRTY_STAT_SCANS];
}

/*
 * fd A maps a userfaultfd page: the pin blocks until we resolve the fault.
 * Meanwhile fd B's background scanner (IOAS rwsem, scanner lock) and DMA
 * keep running, which they cannot if MAP pins under the rwsem.
 */
static void subtest_pin_outside_locks(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffd_map m = { .fd = -1, .uffd = -1 };
	struct uffdio_register reg = {};
	struct iodirty_scan sc = {};
	struct uffdio_zeropage zp = {};
	struct uffd_msg msg;
	struct pollfd pfd;
	struct emu_env b = { .fd = -1 };
	void *bbuf = emu_alloc(LEN);
	pthread_t th;
	bool started = false;
	__u64 s0, s1 = 0;
	int i;

	m.uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (m.uffd < 0) {
		test__skip("userfaultfd unavailable");
		goto out;
	}
	m.area = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (uintptr_t)m.area;
	reg.range.len = SZ_4K;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (!ASSERT_OK(ioctl(m.uffd, UFFDIO_API, &api), "UFFDIO_API") ||
	    !ASSERT_OK(ioctl(m.uffd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER") ||
	    !ASSERT_OK_PTR(bbuf, "alloc") ||
	    !emu_env_setup(&b, IODIRTY_MODEL_AMD, SZ_4K, bbuf, LEN, EMU_IOVA, true))
		goto out;
	/* fd A: the same IOAS as fd B's domain, so MAP takes that rwsem */
	m.fd = b.fd;
	m.ioas = b.ioas;
	sc.size = sizeof(sc);
	sc.op = IODIRTY_SCAN_START;
	sc.hwpt_id = b.hwpt;
	sc.period_ms = 5;
	if (!ASSERT_OK(iodirty_scan(b.fd, &sc), "scanner START"))
		goto out;
	if (!ASSERT_OK(emu_wl_start(b.fd, b.dev, IODIRTY_WL_RANDOM, b.iova, LEN,
				    20000, 7), "workload START"))
		goto out_stop;
	/* the MAP thread holds fd B's context lock; watch from another fd */
	m.fd = b.fd;
	if (!ASSERT_OK(pthread_create(&th, NULL, uffd_map_thread, &m), "thread"))
		goto out_stop;
	started = true;
	pfd.fd = m.uffd;
	pfd.events = POLLIN;
	if (!ASSERT_EQ(poll(&pfd, 1, 10000), 1, "MAP faults on the uffd page") ||
	    !ASSERT_EQ(read(m.uffd, &msg, sizeof(msg)), sizeof(msg), "uffd msg"))
		goto out_resolve;
	{
		int wfd = iodirty_open();

		s0 = global_scans(wfd);
		for (i = 0; i < 500 && s1 < s0 + 3; i++) {
			emu_msleep(10);
			s1 = global_scans(wfd);
		}
		close(wfd);
	}
	ASSERT_GE(s1, s0 + 3, "scans go on while MAP waits for its page");
out_resolve:
	zp.range.start = (uintptr_t)m.area;
	zp.range.len = SZ_4K;
	ioctl(m.uffd, UFFDIO_ZEROPAGE, &zp);
	if (started) {
		pthread_join(th, NULL);
		ASSERT_OK(m.ret, "MAP completes once the page arrives");
	}
out_stop:
	{
		struct iodirty_workload st;

		emu_wl_stop(b.fd, b.dev, &st);
	}
	iodirty_scan_op(b.fd, b.hwpt, IODIRTY_SCAN_STOP, 0, &sc);
out:
	emu_env_teardown(&b);
	if (m.uffd >= 0)
		close(m.uffd);
	if (m.area && m.area != MAP_FAILED)
		munmap(m.area, SZ_4K);
	emu_free(bbuf, LEN);
}

/* ---- the lab is privileged -------------------------------------------------- */

/* in a child without CAP_SYS_ADMIN: lab commands EPERM, the core works */
static int unprivileged_child(struct emu_env *e)
{
	struct iodirty_harvest h;
	struct iodirty_oracle o;
	static const int cap = CAP_SYS_ADMIN;
	__u8 bm[BMB] = {};
	__u32 id;

	if (proc_drop_caps(&cap, 1))
		return 10;
	if (emu_dev_create(e->fd, IODIRTY_MODEL_AMD, 0, 0, &id) >= 0 ||
	    errno != EPERM)
		return 11;
	if (emu_dma_write(e->fd, e->dev, e->iova, 64) >= 0 || errno != EPERM)
		return 12;
	if (emu_oracle_reset(e->fd, e->hwpt) >= 0 || errno != EPERM)
		return 13;
	if (emu_phantom_map(e->fd, e->ioas, 1ULL << 40, SZ_2M, SZ_2M) >= 0 ||
	    errno != EPERM)
		return 14;
	if (emu_harvest(e->fd, e->hwpt, IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE,
			e->iova, LEN, SZ_4K, bm, &h) >= 0 || errno != EPERM)
		return 15;
	if (iodirty_oracle_check(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, &o) >= 0 ||
	    errno != EPERM)
		return 16;
	{
		struct iodirty_policy_probe p = { .size = sizeof(p) };
		struct iodirty_workload w = { .pattern = IODIRTY_WL_RANDOM,
			.iova = e->iova, .length = LEN };
		struct iodirty_iotlb t;

		if (emu_iotlb(e->fd, e->dev, IODIRTY_IOTLB_INVALIDATE_ALL, 0, 0,
			      &t) >= 0 || errno != EPERM)
			return 17;
		if (emu_workload(e->fd, &w, IODIRTY_WORKLOAD_START, e->dev) >= 0 ||
		    errno != EPERM)
			return 18;
		if (emu_attach(e->fd, e->dev, e->hwpt, NULL) >= 0 || errno != EPERM)
			return 19;
		if (iodirty_policy_probe(e->fd, &p) >= 0 || errno != EPERM)
			return 22;
		if (emu_check_refs(e->fd, e->buf, LEN, 1) >= 0 || errno != EPERM)
			return 23;
	}
	/* the iommufd-compatible core stays usable */
	if (emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0))
		return 20;
	if (emu_ioas_alloc(e->fd, &id))
		return 21;
	return 0;
}

static void subtest_lab_privileged(struct emu_env *e)
{
	int status = -1;
	pid_t pid;
	__u32 id;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(unprivileged_child(e));
	if (ASSERT_GE(pid, 0, "fork") &&
	    ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid"))
		ASSERT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
			  "child: lab EPERM, core works (exit code = failing step)");

	/* lab=0: refused even for root */
	if (!ASSERT_OK(emu_write_param("lab", "0"), "lab=0"))
		return;
	ASSERT_ERRNO(emu_dev_create(e->fd, IODIRTY_MODEL_AMD, 0, 0, &id), EPERM,
		     "DEVICE_CREATE with lab=0");
	ASSERT_ERRNO(emu_dma_write(e->fd, e->dev, e->iova, 64), EPERM,
		     "DMA with lab=0");
	ASSERT_ERRNO(emu_oracle_reset(e->fd, e->hwpt), EPERM, "ORACLE with lab=0");
	ASSERT_OK(emu_write_param("lab", "1"), "lab=1");
	ASSERT_OK(emu_dma_write(e->fd, e->dev, e->iova, 64), "DMA with lab=1");
}

/* ---- the clear-to-invalidate window, widened, under SMP ---------------------- */

static void subtest_window_smp(struct emu_env *e)
{
	struct iodirty_workload st;
	struct iodirty_oracle o;
	__u64 missed = 0, owed = 0;
	__u8 bm[BMB];
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		printf("# %s: only one CPU online: the window is not exercised in parallel\n",
		       test__current());
	memset(bm, 0, sizeof(bm));
	if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		       "drain") ||
	    !ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset") ||
	    !ASSERT_OK(emu_write_param("test_window_us", "2000"), "window 2 ms"))
		return;
	if (!ASSERT_OK(emu_wl_start(e->fd, e->dev, IODIRTY_WL_ZIPF, e->iova, LEN,
				    20000, 11), "workload START"))
		goto out;
	for (i = 0; i < 40; i++) {
		emu_msleep(5);
		memset(bm, 0, sizeof(bm));
		if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K,
					     bm, 0), "GET"))
			break;
		if (ASSERT_OK(round0(e, 2, bm, 0, &o), "ROUND")) {
			missed += o.out_missed;
			owed += o.out_written;
		}
	}
	ASSERT_OK(emu_wl_stop(e->fd, e->dev, &st), "STOP");
	memset(bm, 0, sizeof(bm));
	if (ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		      "final GET") &&
	    ASSERT_OK(round0(e, 2, bm, IODIRTY_ORACLE_ROUND_FINAL, &o), "final ROUND"))
		missed += o.out_missed;
	ASSERT_TRUE(owed > 0, "pages were owed");
	ASSERT_EQ(missed, 0, "missed, per round, with a 2 ms window");
	printf("# %s: %llu writes, %llu pages owed over 41 rounds\n",
	       test__current(), (unsigned long long)st.out_writes,
	       (unsigned long long)owed);
out:
	emu_write_param("test_window_us", "0");
}

DEFINE_TEST(no_lost_dirty)
{
	struct emu_env e = { .fd = -1 };
	void *buf = emu_alloc(LEN);
	bool ok;

	ok = ASSERT_OK_PTR(buf, "alloc") &&
	     emu_env_setup(&e, IODIRTY_MODEL_AMD, SZ_4K, buf, LEN, EMU_IOVA, true);
	if (test__start_subtest("counters_only_harvest_carries") &&
	    emu_env_shared_ready(&e))
		subtest_counters_only(&e);
	if (test__start_subtest("oracle_sees_lost_redirty") &&
	    emu_env_shared_ready(&e))
		subtest_lost_redirty(&e);
	if (test__start_subtest("export_after_invalidate") &&
	    emu_env_shared_ready(&e))
		subtest_export_after_invalidate(&e);
	if (test__start_subtest("map_huge_length") && emu_env_shared_ready(&e))
		subtest_map_huge_length(&e);
	if (test__start_subtest("unpin_dirty"))
		subtest_unpin_dirty();
	if (test__start_subtest("memlock_accounting"))
		subtest_memlock_accounting();
	if (test__start_subtest("pin_outside_locks"))
		subtest_pin_outside_locks();
	if (test__start_subtest("lab_privileged") && emu_env_shared_ready(&e))
		subtest_lab_privileged(&e);
	if (test__start_subtest("window_smp") && emu_env_shared_ready(&e))
		subtest_window_smp(&e);
	(void)ok;
	emu_env_teardown(&e);
	emu_free(buf, LEN);
}
