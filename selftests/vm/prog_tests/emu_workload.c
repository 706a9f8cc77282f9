// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The DMA workload kthread against concurrent harvests: for every access
 * pattern, repeated GET_DIRTY_BITMAPs while the device writes, OR-ed
 * together, must cover everything the oracle saw written.  Also STATUS
 * counters, EBUSY rules while running, and closing the fd (process exit)
 * with a workload still running.
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include "../emu_util.h"

#define NPAGES	256
#define LEN	(NPAGES * SZ_4K)
#define BMB	(NPAGES / 8)
#define NGETS	20
#define RATE	20000

/*
 * Wait (bounded: 4 s) until the workload has done at least @min
 * writes+faults; false (and a failed check) when it has not by then.
 */
static bool wait_progress(struct emu_env *e, __u64 min,
			  struct iodirty_workload *st)
{
	int i;

	for (i = 0; i < 400; i++) {
		if (emu_wl_status(e->fd, e->dev, st))
			return ASSERT_OK(-1, "workload STATUS");
		if (st->out_writes + st->out_faults >= min)
			return true;
		emu_msleep(10);
	}
	return ASSERT_GE(st->out_writes + st->out_faults, min,
			 "workload progress within 4 s");
}

static void drain(struct emu_env *e)
{
	__u8 bm[BMB];

	emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0);
}

static void subtest_pattern(struct emu_env *e, __u32 pattern, __u64 seed)
{
	__u8 acc[BMB] = {}, bm[BMB];
	struct iodirty_workload st;
	struct iodirty_oracle o;
	double t0 = emu_now();
	__u64 missed = 0;
	int i;

	drain(e);
	if (!ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset"))
		return;
	if (!ASSERT_OK(emu_wl_start(e->fd, e->dev, pattern, e->iova, LEN, RATE,
				    seed), "START"))
		return;
	if (ASSERT_OK(emu_wl_status(e->fd, e->dev, &st), "STATUS"))
		ASSERT_EQ(st.out_running, 1, "running");
	for (i = 0; i < NGETS; i++) {
		emu_msleep(5);
		memset(bm, 0, sizeof(bm));
		if (!ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K,
					     bm, 0), "GET while running"))
			break;
		emu_bm_or(acc, bm, sizeof(bm));
		/* every round on its own: a lost re-dirty is a miss here */
		if (ASSERT_OK(iodirty_oracle_round(e->fd, e->hwpt, 0, e->iova,
						   LEN, SZ_4K, bm, 0, 0, &o),
			      "ORACLE ROUND"))
			missed += o.out_missed;
	}
	wait_progress(e, 1, &st);
	if (!ASSERT_OK(emu_wl_stop(e->fd, e->dev, &st), "STOP"))
		return;
	ASSERT_EQ(st.out_running, 0, "stopped");
	ASSERT_TRUE(st.out_writes > 0, "the workload wrote");
	ASSERT_EQ(st.out_faults, 0, "no faults");
	memset(bm, 0, sizeof(bm));
	if (ASSERT_OK(emu_get_dirty(e->fd, e->hwpt, e->iova, LEN, SZ_4K, bm, 0),
		      "final GET")) {
		emu_bm_or(acc, bm, sizeof(bm));
		if (ASSERT_OK(iodirty_oracle_round(e->fd, e->hwpt, 0, e->iova,
						   LEN, SZ_4K, bm, 0,
						   IODIRTY_ORACLE_ROUND_FINAL, &o),
			      "ORACLE ROUND final"))
			missed += o.out_missed;
	}
	ASSERT_EQ(missed, 0, "missed pages, judged per round");
	if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, e->iova, LEN, SZ_4K, acc,
				       &o), "ORACLE CHECK")) {
		ASSERT_TRUE(o.out_written > 0, "oracle out_written > 0");
		ASSERT_EQ(o.out_missed, 0, "oracle out_missed");
		ASSERT_EQ(o.out_spurious, 0, "oracle out_spurious");
		ASSERT_EQ(emu_bm_weight(acc, NPAGES), o.out_written,
			  "harvested pages == written pages");
	}
	printf("# %s: %llu writes, %llu pages dirtied, %.2f s\n", test__current(),
	       (unsigned long long)st.out_writes,
	       (unsigned long long)o.out_written, emu_now() - t0);
}

static void subtest_status_and_ebusy(struct emu_env *e)
{
	struct iodirty_workload a = {}, b = {}, st = {};

	if (!ASSERT_OK(emu_wl_start(e->fd, e->dev, IODIRTY_WL_RANDOM, e->iova,
				    LEN, RATE, 1), "START"))
		return;
	ASSERT_ERRNO(emu_wl_start(e->fd, e->dev, IODIRTY_WL_SEQUENTIAL, e->iova,
				  LEN, RATE, 2), EBUSY, "START twice");
	ASSERT_ERRNO(emu_detach(e->fd, e->dev), EBUSY, "detach while running");
	ASSERT_ERRNO(emu_destroy(e->fd, e->dev), EBUSY, "DESTROY while running");
	if (wait_progress(e, 1, &a) && ASSERT_OK(emu_wl_status(e->fd, e->dev, &a),
						 "STATUS a")) {
		ASSERT_EQ(a.out_running, 1, "running");
		ASSERT_TRUE(wait_progress(e, a.out_writes + 1, &b), "STATUS b");
		ASSERT_TRUE(b.out_writes > a.out_writes, "out_writes moves");
		ASSERT_EQ(b.out_running, 1, "still running");
	}
	if (ASSERT_OK(emu_wl_stop(e->fd, e->dev, &st), "STOP")) {
		ASSERT_EQ(st.out_running, 0, "not running after STOP");
		ASSERT_GE(st.out_writes, b.out_writes, "STOP reports the total");
	}
	if (ASSERT_OK(emu_wl_status(e->fd, e->dev, &a), "STATUS after stop")) {
		ASSERT_EQ(a.out_running, 0, "not running");
		ASSERT_EQ(a.out_writes, st.out_writes, "no writes after STOP");
	}
	/* a new START is fine once stopped */
	if (ASSERT_OK(emu_wl_start(e->fd, e->dev, IODIRTY_WL_ZIPF, e->iova, LEN,
				   RATE, 3), "START again"))
		ASSERT_OK(emu_wl_stop(e->fd, e->dev, &st), "STOP again");
	drain(e);
}

static void subtest_bad_start(struct emu_env *e, __u32 detached_dev)
{
	struct iodirty_workload w;

	ASSERT_ERR(emu_wl_start(e->fd, e->dev, IODIRTY_WL__MAX, e->iova, LEN,
				RATE, 1), "unknown pattern");
	ASSERT_ERRNO(emu_wl_start(e->fd, e->dev, IODIRTY_WL_RANDOM, e->iova,
				  LEN - 100, RATE, 1), EINVAL,
		     "length not a multiple of 4 KiB");
	ASSERT_ERR(emu_wl_start(e->fd, e->dev, IODIRTY_WL_RANDOM, e->iova, 0,
				RATE, 1), "length 0");
	ASSERT_ERR(emu_wl_start(e->fd, detached_dev, IODIRTY_WL_RANDOM, e->iova,
				LEN, RATE, 1), "detached device");
	memset(&w, 0, sizeof(w));
	w.pattern = IODIRTY_WL_RANDOM;
	w.iova = e->iova;
	w.length = LEN;
	w.write_bytes = 4097;
	ASSERT_ERRNO(emu_workload(e->fd, &w, IODIRTY_WORKLOAD_START, e->dev),
		     EINVAL, "write_bytes 4097");
	memset(&w, 0, sizeof(w));
	w.pattern = IODIRTY_WL_RANDOM;
	w.iova = e->iova;
	w.length = LEN;
	w.__reserved = 1;
	ASSERT_ERRNO(emu_workload(e->fd, &w, IODIRTY_WORKLOAD_START, e->dev),
		     EOPNOTSUPP, "__reserved");
	memset(&w, 0, sizeof(w));
	ASSERT_ERR(emu_workload(e->fd, &w, 99, e->dev), "unknown op");
	/* nothing was left running by the failures */
	if (ASSERT_OK(emu_wl_status(e->fd, e->dev, &w), "STATUS"))
		ASSERT_EQ(w.out_running, 0, "not running");
}

/* writes to a read-only mapping fault; faults are counted, not recorded */
static void subtest_faults(struct emu_env *e, __u64 ro_iova)
{
	struct iodirty_workload st;
	struct iodirty_oracle o;
	__u8 bm[1] = {};

	if (!ASSERT_OK(emu_oracle_reset(e->fd, e->hwpt), "oracle reset") ||
	    !ASSERT_OK(emu_wl_start(e->fd, e->dev, IODIRTY_WL_SEQUENTIAL, ro_iova,
				    4 * SZ_4K, RATE, 1), "START on read-only"))
		return;
	wait_progress(e, 1, &st);
	if (!ASSERT_OK(emu_wl_stop(e->fd, e->dev, &st), "STOP"))
		return;
	ASSERT_TRUE(st.out_faults > 0, "out_faults > 0");
	if (ASSERT_OK(emu_oracle_check(e->fd, e->hwpt, ro_iova, 4 * SZ_4K, SZ_4K,
				       bm, &o), "ORACLE CHECK"))
		ASSERT_EQ(o.out_written, 0, "faulted writes not recorded");
}

static void child_run(void *buf, int wr_fd, int rd_fd)
{
	__u32 ioas, dev, hwpt;
	char c = 1;
	int fd;

	fd = iodirty_open();
	if (fd < 0 || emu_ioas_alloc(fd, &ioas) ||
	    emu_dev_create(fd, IODIRTY_MODEL_VTD, IODIRTY_DEVICE_DIRTY_TRACKING, 0,
			   &dev) ||
	    emu_hwpt_alloc(fd, dev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt) ||
	    emu_map(fd, ioas, buf, 4 * SZ_4K, EMU_IOVA, EMU_RW) ||
	    emu_attach(fd, dev, hwpt, NULL) || emu_set_dirty(fd, hwpt, true) ||
	    emu_wl_start(fd, dev, IODIRTY_WL_RANDOM, EMU_IOVA, 4 * SZ_4K, RATE,
			 5))
		_exit(10 + (errno & 0x7f));
	if (write(wr_fd, &c, 1) != 1)
		_exit(2);
	/* wait for the parent's check, then exit without STOP or close */
	if (read(rd_fd, &c, 1) < 0)
		_exit(3);
	_exit(0);
}

static void subtest_close_running(void)
{
	int to_parent[2], to_child[2], status = 0, fd;
	void *buf = mmap(NULL, 4 * SZ_4K, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct pollfd pfd;
	char c = 0;
	pid_t pid;

	if (!ASSERT_TRUE(buf != MAP_FAILED, "mmap shared"))
		return;
	memset(buf, 0, 4 * SZ_4K);
	fd = iodirty_open();
	if (!ASSERT_GE(fd, 0, "open") ||
	    !ASSERT_OK(pipe(to_parent), "pipe") || !ASSERT_OK(pipe(to_child), "pipe"))
		goto out_unmap;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(to_parent[0]);
		close(to_child[1]);
		child_run(buf, to_parent[1], to_child[0]);
	}
	close(to_parent[1]);
	close(to_child[0]);
	if (!ASSERT_GE(pid, 0, "fork"))
		goto out;
	pfd.fd = to_parent[0];
	pfd.events = POLLIN;
	if (ASSERT_EQ(poll(&pfd, 1, 20000), 1, "child ready") &&
	    ASSERT_EQ(read(to_parent[0], &c, 1), 1, "child started a workload")) {
		/* positive control: the child's mapping pins the pages */
		ASSERT_OK(emu_check_refs(fd, buf, 4 * SZ_4K, 1),
			  "pinned once while the child runs");
	}
	close(to_child[1]);	/* let the child exit */
	to_child[1] = -1;
	if (ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid")) {
		ASSERT_TRUE(WIFEXITED(status), "child exited normally");
		ASSERT_EQ(WEXITSTATUS(status), 0, "child status");
	}
	close(fd);
	fd = iodirty_open();
	if (ASSERT_GE(fd, 0, "reopen")) {
		ASSERT_OK(emu_check_refs(fd, buf, 4 * SZ_4K, 0),
			  "nothing pinned after the child's fd closed");
		close(fd);
	}
	fd = -1;
out:
	close(to_parent[0]);
	if (to_child[1] >= 0)
		close(to_child[1]);
	if (fd >= 0)
		close(fd);
	munmap(buf, 4 * SZ_4K);
	return;
out_unmap:
	if (fd >= 0)
		close(fd);
	munmap(buf, 4 * SZ_4K);
}

struct wl_ctx {
	struct emu_env e;
	void *buf, *ro;
	__u64 ro_iova;
	__u32 detached;
	bool tried, ok;
};

/* built by the first subtest that runs, so listing does no work */
static bool wl_setup(struct wl_ctx *c)
{
	if (c->tried)
		return ASSERT_TRUE(c->ok, "shared setup (it failed in an earlier subtest)");
	c->tried = true;
	c->buf = emu_alloc(LEN);
	c->ro = emu_alloc(4 * SZ_4K);
	c->ro_iova = EMU_IOVA + 0x800000;
	if (!ASSERT_OK_PTR(c->buf, "alloc") || !ASSERT_OK_PTR(c->ro, "alloc"))
		return false;
	if (!emu_env_setup(&c->e, IODIRTY_MODEL_AMD, SZ_4K, c->buf, LEN,
			   EMU_IOVA, true) ||
	    !ASSERT_OK(emu_map(c->e.fd, c->e.ioas, c->ro, 4 * SZ_4K, c->ro_iova,
			       IOMMU_IOAS_MAP_READABLE), "map read-only") ||
	    !ASSERT_OK(emu_dev_create(c->e.fd, IODIRTY_MODEL_AMD, 0, 0,
				      &c->detached), "detached device"))
		return false;
	return c->ok = true;
}

DEFINE_TEST(emu_workload)
{
	static const struct { const char *name; __u32 pattern; } pats[] = {
		{ "concurrent_get_sequential", IODIRTY_WL_SEQUENTIAL },
		{ "concurrent_get_random", IODIRTY_WL_RANDOM },
		{ "concurrent_get_zipf", IODIRTY_WL_ZIPF },
		{ "concurrent_get_nic_ring", IODIRTY_WL_NIC_RING },
	};
	struct wl_ctx c = { .e.fd = -1 };
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (test__start_subtest(pats[i].name) && wl_setup(&c))
			subtest_pattern(&c.e, pats[i].pattern, 1000 + i);
	if (test__start_subtest("status_and_ebusy") && wl_setup(&c))
		subtest_status_and_ebusy(&c.e);
	if (test__start_subtest("bad_start") && wl_setup(&c))
		subtest_bad_start(&c.e, c.detached);
	if (test__start_subtest("faults_counted") && wl_setup(&c))
		subtest_faults(&c.e, c.ro_iova);
	if (test__start_subtest("fd_close_while_running"))
		subtest_close_running();
	if (c.e.fd >= 0) {
		struct iodirty_workload st;

		emu_wl_stop(c.e.fd, c.e.dev, &st); /* in case a subtest bailed */
	}
	emu_env_teardown(&c.e);
	emu_free(c.buf, LEN);
	emu_free(c.ro, 4 * SZ_4K);
}
