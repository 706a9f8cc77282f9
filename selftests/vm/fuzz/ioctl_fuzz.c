// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ioctl_fuzz: a simple multi-threaded fuzzer of every ioctl on /dev/iodirty
 * (include/uapi/linux/iommufd.h, iodirty.h, iodirty_test.h), run as root
 * in the test VM.
 *
 *   ioctl_fuzz [-n CALLS] [-j THREADS] [-s SEED] [-t SECONDS] [-v]
 *
 * CALLS (default 1000000, or $IODIRTY_FUZZ_CALLS) random calls are shared
 * by THREADS threads (default 4) on three shared file descriptors that
 * are replaced about every 6000 calls (dup2 of a fresh open, so the old file is
 * released while other threads may be inside an ioctl on it).  -t stops
 * earlier after SECONDS.  Every argument is random but biased to reach
 * deep: right and wrong sizes (E2BIG tails), flags, reserved fields,
 * live/destroyed/random object IDs, pointers into a scratch pool (aligned
 * or not), NULL, unmapped guard pages, kernel and non-canonical
 * addresses, read-only text, huge lengths and page sizes (1 << 63,
 * U64_MAX), random command numbers.  The lab commands need CAP_SYS_ADMIN
 * and the module's lab=1; EPERM is just another result.
 *
 * Output: TAP, plan 1..5:
 *   calls             every call returned 0 or -1 with an errno the module
 *                     documents, and the run reached deep states (maps,
 *                     domains, harvests, DMA with the lab on)
 *   pins_observable   a controlled map shows up in VmPin and MD_CHECK_REFS
 *                     (so the next check can fail)
 *   nothing_pinned_after_close  after every fd is closed: VmPin back to
 *                     its value before the run, no page of the pool pinned
 *   fresh_fd_works    a new fd still maps, attaches and harvests
 *   kernel_clean      no new WARNING/BUG/Oops... in the kernel log and
 *                     the taint flags unchanged (tools/vm/run checks too)
 *
 * While the threads run, one more toggles the module parameters that
 * change code paths under them (lab, bpf_policies, harvest_threads,
 * harvest_split_min) every few milliseconds, and restores them at the
 * end; the test-only delay/window switches are left alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/iodirty.h>
#include <linux/iodirty_test.h>
#include "../proc_util.h"

#define DEV		"/dev/iodirty"
#define PG		4096ULL
#define POOL		(8ULL << 20)
#define GUARD_LO	(64ULL << 20)
#define GUARD_HI	(2ULL << 30)	/* > the largest bitmap accepted */
#define ARGSZ		(16 * 1024)	/* per-thread argument area */
#define NFD		3
#define MAX_THREADS	16
#define NIDS		64
#define U64_MAX_	(~0ULL)

typedef unsigned long long u64;

/* --- commands ---------------------------------------------------------- */
enum {
	C_DESTROY, C_IOAS_ALLOC, C_IOVA_RANGES, C_MAP, C_UNMAP, C_HWPT_ALLOC,
	C_HW_INFO, C_SET_DIRTY, C_GET_DIRTY, C_UNIMPL, C_PROBE, C_DEV_CREATE,
	C_DEV_ATTACH, C_DMA, C_IOTLB, C_WORKLOAD, C_ORACLE, C_PHANTOM,
	C_HARVEST, C_STATUS, C_SCAN, C_TEST_CMD, C_RANDOM_NR, C_BAD_ARG,
	C_REOPEN, C_SCENARIO, C_OPTION, C__N
};
static const char *const cmd_name[C__N] = {
	"DESTROY", "IOAS_ALLOC", "IOAS_IOVA_RANGES", "IOAS_MAP", "IOAS_UNMAP",
	"HWPT_ALLOC", "GET_HW_INFO", "HWPT_SET_DIRTY_TRACKING",
	"HWPT_GET_DIRTY_BITMAP", "unimplemented-iommufd", "POLICY_PROBE",
	"DEVICE_CREATE", "DEVICE_ATTACH", "DMA", "IOTLB", "WORKLOAD", "ORACLE",
	"PHANTOM_MAP", "HARVEST", "STATUS", "SCAN", "IOMMU_TEST_CMD",
	"random-nr", "bad-arg-pointer", "fd-reopen", "valid-sequence",
	"OPTION",
};
/* relative frequencies */
static const unsigned int cmd_weight[C__N] = {
	8, 6, 4, 10, 6, 6, 3, 4, 8, 2, 2, 5, 5, 8, 3, 2, 3, 2, 6, 2, 3, 8, 2,
	2, 0, 1, 3,
};

#define NERR 160
struct stats {
	u64 calls[C__N], ok[C__N];
	u64 err[NERR];
	u64 bad_ret, bad_errno, last_bad_errno, last_bad_cmd;
	u64 total;
} __attribute__((aligned(64)));

/*
 * Object IDs seen per fd slot, by type (racy on purpose: a stale or torn
 * ID is just another ID).  dead: IDs passed to a DESTROY.
 */
enum { R_IOAS, R_HWPT, R_DEV, R_ADEV, R_DEAD, R__N };
struct slot {
	int fd;
	unsigned int id[R__N][NIDS];
	unsigned int pos[R__N];
	/* ranges valid sequences mapped and track: (hwpt, dev, iova, len) */
	struct { unsigned int hwpt, dev; u64 iova, len; } live[8];
	unsigned int live_pos;
};

static struct slot slots[NFD];
static char *region, *pool;
static u64 nthreads = 4, ncalls = 1000000, seconds;
static volatile int stop;
static u64 calls_done;		/* atomic */
static struct stats st[MAX_THREADS];

static u64 rnd(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static u64 below(u64 *s, u64 n) { return rnd(s) % n; }
static bool pct(u64 *s, unsigned int p) { return below(s, 100) < p; }

static struct slot *cur_slot(void);

/* ---- module parameters toggled under the fuzz ------------------------- */

#define PARAM_DIR "/sys/module/iodirty/parameters/"
static const char *const params[][4] = {
	{ "lab", "0", "1", "1" },
	{ "bpf_policies", "0", "1", "1" },
	{ "harvest_threads", "1", "2", "4" },
	{ "harvest_split_min", "4096", "65536", "1048576" },
};
#define NPARAMS (sizeof(params) / sizeof(params[0]))
static char param_saved[NPARAMS][32];
static u64 param_writes;

static int param_rw(const char *name, char *old, size_t n, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return proc_knob_rw(path, old, n, val);
}

static void *param_thread(void *arg)
{
	u64 s = (uintptr_t)arg;

	while (!stop) {
		unsigned int i = below(&s, NPARAMS);

		if (!param_rw(params[i][0], NULL, 0, params[i][1 + below(&s, 3)]))
			__atomic_fetch_add(&param_writes, 1, __ATOMIC_RELAXED);
		usleep(2000 + below(&s, 8000));
	}
	return NULL;
}

static void id_seen(struct slot *sl, int r, unsigned int id)
{
	if (id)
		sl->id[r][__atomic_fetch_add(&sl->pos[r], 1, __ATOMIC_RELAXED) % NIDS] = id;
}

/* an ID, usually of type @r (R__N: any) of the fd the call goes to */
static unsigned int pick_id(u64 *s, int r)
{
	struct slot *sl = cur_slot();

	if (r < R__N && pct(s, 70) && sl->id[r][below(s, NIDS)])
		return sl->id[r][below(s, NIDS)];
	switch (below(s, 12)) {
	case 0: return 0;
	case 1: return 1 + below(s, 64);
	case 2: return rnd(s);
	case 3: return 0xffffffff;
	case 4: case 5: return sl->id[R_DEAD][below(s, NIDS)];
	default: return sl->id[below(s, R_DEAD)][below(s, NIDS)];
	}
}

/* mostly sane arguments (IOVA in the mock aperture, pages, pool VAs) */
static __thread bool sane;
static __thread struct slot *tslot;
static struct slot *cur_slot(void) { return tslot; }

static u64 sane_iova(u64 *s) { return MOCK_APERTURE_START + below(s, 2048) * PG; }
static u64 sane_va(u64 *s) { return (u64)(pool + below(s, 1024) * PG); }

#include "args.c"

static bool errno_documented(int e)
{
	switch (e) {
	case EINVAL: case EOPNOTSUPP: case ENOMEM: case ENOENT: case EFAULT:
	case EOVERFLOW: case EBUSY: case EACCES: case EEXIST: case EPERM:
	case EIO: case ENOTTY: case ENOSPC: case EMSGSIZE: case EINTR:
	case EAGAIN: case E2BIG: case ERANGE: case EADDRINUSE:
		return true;
	}
	return false;
}

static void reopen(u64 *s)
{
	struct slot *sl = &slots[below(s, NFD)];
	int nfd = open(DEV, O_RDWR);

	if (nfd < 0)
		return;
	dup2(nfd, sl->fd);	/* the old file goes when its users are done */
	close(nfd);
	memset(sl->id, 0, sizeof(sl->id));
}

static int pick_cmd(u64 *s)
{
	static unsigned int total;
	unsigned int i, r;

	if (!total)
		for (i = 0; i < C__N; i++)
			total += cmd_weight[i];
	r = below(s, total);
	for (i = 0; r >= cmd_weight[i]; i++)
		r -= cmd_weight[i];
	return i;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static u64 seed0;
static double t_end;

static void record(struct stats *S, struct slot *sl, int c, int ret, int e,
		   const char *a)
{
	S->calls[c]++;
	S->total++;
	if (ret == 0) {
		S->ok[c]++;
		if (c != C_BAD_ARG)
			harvest_ids(sl, c, a);
	} else if (ret == -1) {
		S->err[e < NERR ? e : 0]++;
		if (!errno_documented(e)) {
			S->bad_errno++;
			S->last_bad_errno = e;
			S->last_bad_cmd = c;
		}
	} else {
		S->bad_ret++;
		S->last_bad_cmd = c;
	}
}

static int call(struct stats *S, struct slot *sl, int c, unsigned long nr,
		void *a)
{
	int ret = ioctl(sl->fd, nr, a);

	record(S, sl, c, ret, errno, a);
	return ret;
}

/*
 * A valid sequence: IOAS, map, mock device + dirty-tracking HWPT, an
 * emulated device attached to it, DMA, then a harvest.  The objects stay
 * (the random calls find them through the slot's rings); each step is a
 * counted call.  Stops at the first error (a concurrent DESTROY, a
 * replaced fd, ...).
 */
static int scenario(u64 *s, struct stats *S, struct slot *sl, char *a)
{
	struct iommu_ioas_alloc *al = (void *)a;
	struct iommu_ioas_map *m = (void *)a;
	struct iommu_test_cmd *md = (void *)a;
	struct iommu_hwpt_alloc *ha = (void *)a;
	struct iommu_hwpt_set_dirty_tracking *sd = (void *)a;
	struct iodirty_device_create *dc = (void *)a;
	struct iodirty_device_attach *at = (void *)a;
	struct iodirty_dma *dma = (void *)a;
	struct iodirty_harvest *h = (void *)a;
	unsigned int ioas, idev, hwpt, dev, i, k;
	u64 iova = sane_iova(s), len = (1 + below(s, 64)) * PG;

	memset(a, 0, 256);
	*al = (struct iommu_ioas_alloc){ .size = sizeof(*al) };
	if (call(S, sl, C_IOAS_ALLOC, IOMMU_IOAS_ALLOC, a))
		return -1;
	ioas = al->out_ioas_id;
	*m = (struct iommu_ioas_map){ .size = sizeof(*m), .ioas_id = ioas,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = sane_va(s), .length = len, .iova = iova };
	if (call(S, sl, C_MAP, IOMMU_IOAS_MAP, a))
		return -1;
	memset(md, 0, sizeof(*md));
	md->size = sizeof(*md);
	md->op = IOMMU_TEST_OP_MOCK_DOMAIN;
	md->id = ioas;
	if (call(S, sl, C_TEST_CMD, IOMMU_TEST_CMD, a))
		return -1;
	idev = md->mock_domain.out_idev_id;
	*ha = (struct iommu_hwpt_alloc){ .size = sizeof(*ha), .dev_id = idev,
		.pt_id = ioas, .flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING };
	if (call(S, sl, C_HWPT_ALLOC, IOMMU_HWPT_ALLOC, a))
		return -1;
	hwpt = ha->out_hwpt_id;
	*sd = (struct iommu_hwpt_set_dirty_tracking){ .size = sizeof(*sd),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE, .hwpt_id = hwpt };
	if (call(S, sl, C_SET_DIRTY, IOMMU_HWPT_SET_DIRTY_TRACKING, a))
		return -1;
	*dc = (struct iodirty_device_create){ .size = sizeof(*dc),
		.flags = IODIRTY_DEVICE_DIRTY_TRACKING, .model = IODIRTY_MODEL_MOCK };
	if (call(S, sl, C_DEV_CREATE, IODIRTY_DEVICE_CREATE, a))
		return -1;
	dev = dc->out_dev_id;
	*at = (struct iodirty_device_attach){ .size = sizeof(*at),
		.dev_id = dev, .pt_id = hwpt };
	if (call(S, sl, C_DEV_ATTACH, IODIRTY_DEVICE_ATTACH, a))
		return -1;
	k = __atomic_fetch_add(&sl->live_pos, 1, __ATOMIC_RELAXED) % 8;
	sl->live[k].hwpt = hwpt;
	sl->live[k].dev = dev;
	sl->live[k].iova = iova;
	sl->live[k].len = len;
	for (i = 0; i < 4; i++) {
		*dma = (struct iodirty_dma){ .size = sizeof(*dma),
			.flags = IODIRTY_DMA_WRITE, .dev_id = dev,
			.iova = iova + below(s, len), .length = 1 + below(s, 256) };
		if (dma->iova + dma->length > iova + len)
			dma->length = iova + len - dma->iova;
		call(S, sl, C_DMA, IODIRTY_DMA, a);
	}
	*h = (struct iodirty_harvest){ .size = sizeof(*h), .hwpt_id = hwpt,
		.iova = iova, .length = len, .page_size = PG,
		.data = (u64)(pool + (4 << 20) + below(s, 1 << 20)) };
	if (pct(s, 50))
		return call(S, sl, C_HARVEST, IODIRTY_HARVEST, a);
	return call(S, sl, C_GET_DIRTY, IOMMU_HWPT_GET_DIRTY_BITMAP, a);
}

static void *fuzz_thread(void *arg)
{
	unsigned int t = (uintptr_t)arg;
	struct stats *S = &st[t];
	char *a = pool + POOL - (u64)(t + 1) * ARGSZ;
	u64 s = seed0 + t * 0x1000003;

	while (!stop) {
		u64 n = __atomic_fetch_add(&calls_done, 1, __ATOMIC_RELAXED);
		int c;
		unsigned long nr;
		void *argp = a;

		if (n >= ncalls)
			break;
		if ((n & 1023) == 0 && seconds && now() > t_end)
			stop = 1;
		/* every fd is replaced about every 6000 calls */
		if (below(&s, 6000 / NFD) == 0) {
			reopen(&s);
			S->calls[C_REOPEN]++;
			S->ok[C_REOPEN]++;
		}
		c = pick_cmd(&s);
		tslot = &slots[below(&s, NFD)];
		if (c == C_SCENARIO) {
			u64 before = S->total;

			S->calls[C_SCENARIO]++;
			S->ok[C_SCENARIO] += !scenario(&s, S, tslot, a);
			/* its calls count towards the total */
			__atomic_fetch_add(&calls_done, S->total - before - 1,
					   __ATOMIC_RELAXED);
			continue;
		}
		sane = pct(&s, 50);
		nr = gen(&s, c, a);
		if (c == C_BAD_ARG)
			argp = (void *)pick_ptr(&s, 64);
		call(S, tslot, c, nr, argp);
	}
	return NULL;
}

/* ---- observations ------------------------------------------------------ */
static long tainted(void)
{
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* kernel log lines that mean a splat */
static long splats(void)
{
	static const char *const marks[] = {
		"WARNING:", "BUG:", "Oops", "general protection",
		"UBSAN", "KASAN", "rcu_sched self-detected", "soft lockup",
		"blocked for more than", "refcount_t:", "list_add corruption",
		"list_del corruption",
	};
	int n = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	long count = 0;
	char *buf, *p;
	unsigned int i;

	if (n <= 0)
		return -1;
	buf = calloc(1, n + 1);
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, n);
	if (n < 0) {
		free(buf);
		return -1;
	}
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		for (p = buf; (p = strstr(p, marks[i])); p++)
			count++;
	free(buf);
	return count;
}

static int xioctl(int fd, unsigned long nr, void *a)
{
	return ioctl(fd, nr, a) ? -errno : 0;
}

/* the pool's pages pinned @refs times each?  0 yes, -EIO no, -EPERM ... */
static int pool_refs(unsigned int refs, u64 len)
{
	struct iommu_test_cmd c = { .size = sizeof(c),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS };
	int fd = open(DEV, O_RDWR), ret;

	if (fd < 0)
		return -errno;
	c.check_refs.uptr = (uintptr_t)pool;
	c.check_refs.length = len;
	c.check_refs.refs = refs;
	ret = xioctl(fd, IOMMU_TEST_CMD, &c);
	close(fd);
	return ret;
}

static int tap_n, tap_failed;
static void tap(bool ok, const char *name)
{
	printf("%sok %d ioctl_fuzz.%s\n", ok ? "" : "not ", ++tap_n, name);
	tap_failed |= !ok;
}

/* open, IOAS, map 16 pool pages, mock domain: returns the fd */
static int small_setup(__u32 *hwpt, bool dirty, int *err)
{
	struct iommu_ioas_alloc al = { .size = sizeof(al) };
	struct iommu_ioas_map m = { .size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)pool, .length = 16 * PG,
		.iova = MOCK_APERTURE_START };
	struct iommu_test_cmd md = { .size = sizeof(md),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN };
	int fd = open(DEV, O_RDWR);

	*err = fd < 0 ? -errno : 0;
	if (fd < 0)
		return -1;
	if ((*err = xioctl(fd, IOMMU_IOAS_ALLOC, &al)))
		goto fail;
	m.ioas_id = al.out_ioas_id;
	md.id = al.out_ioas_id;
	if ((*err = xioctl(fd, IOMMU_IOAS_MAP, &m)))
		goto fail;
	if ((*err = xioctl(fd, IOMMU_TEST_CMD, &md)))
		goto fail;
	*hwpt = md.mock_domain.out_hwpt_id;
	if (dirty) {
		struct iommu_hwpt_alloc ha = { .size = sizeof(ha),
			.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			.dev_id = md.mock_domain.out_idev_id,
			.pt_id = al.out_ioas_id };

		if ((*err = xioctl(fd, IOMMU_HWPT_ALLOC, &ha)))
			goto fail;
		*hwpt = ha.out_hwpt_id;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	long pin0, pin_mapped, pin_after = -1, taint0, splat0;
	struct stats tot = { 0 };
	pthread_t th[MAX_THREADS], pth;
	const char *env = getenv("IODIRTY_FUZZ_CALLS");
	bool verbose = false, deep, ok;
	int opt, i, c, fd, err;
	double t0, dt;
	__u32 hwpt;

	seed0 = time(NULL);
	if (env)
		ncalls = strtoull(env, NULL, 0);
	while ((opt = getopt(argc, argv, "n:j:s:t:vh")) != -1) {
		switch (opt) {
		case 'n': ncalls = strtoull(optarg, NULL, 0); break;
		case 'j': nthreads = strtoull(optarg, NULL, 0); break;
		case 's': seed0 = strtoull(optarg, NULL, 0); break;
		case 't': seconds = strtoull(optarg, NULL, 0); break;
		case 'v': verbose = true; break;
		default:
			fprintf(stderr, "usage: %s [-n CALLS] [-j THREADS] [-s SEED] [-t SECONDS] [-v]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..5\n");
	printf("# ioctl_fuzz: %llu calls, %llu threads, seed %llu%s\n", ncalls,
	       nthreads, seed0, seconds ? " (time-limited)" : "");

	region = mmap(NULL, GUARD_LO + POOL + GUARD_HI, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED) {
		perror("# mmap");
		return 1;
	}
	pool = region + GUARD_LO;
	if (mprotect(pool, POOL, PROT_READ | PROT_WRITE)) {
		perror("# mprotect");
		return 1;
	}
	madvise(pool, POOL, MADV_NOHUGEPAGE);	/* CHECK_REFS sees small pages */
	memset(pool, 0x5a, POOL);
	taint0 = tainted();
	splat0 = splats();
	pin0 = proc_vmpin_kb();

	/* 2: the observables work (checked before the fuzz, reported second) */
	fd = small_setup(&hwpt, false, &err);
	pin_mapped = proc_vmpin_kb();
	ok = fd >= 0 && pin_mapped >= pin0 + 64 && pool_refs(1, 16 * PG) == 0;
	if (!ok)
		printf("# pins_observable: setup %d, VmPin %ld -> %ld kB, CHECK_REFS(1) %d\n",
		       err, pin0, pin_mapped, fd >= 0 ? pool_refs(1, 16 * PG) : 0);
	if (fd >= 0)
		close(fd);
	ok = ok && proc_vmpin_kb() == pin0 && pool_refs(0, 16 * PG) == 0;
	bool pins_ok = ok;

	for (i = 0; i < NFD; i++) {
		slots[i].fd = open(DEV, O_RDWR);
		if (slots[i].fd < 0) {
			perror("# open " DEV);
			return 1;
		}
	}
	t0 = now();
	t_end = t0 + seconds;
	for (i = 0; i < (int)NPARAMS; i++)
		param_rw(params[i][0], param_saved[i], sizeof(param_saved[i]), NULL);
	pthread_create(&pth, NULL, param_thread, (void *)(uintptr_t)(seed0 ^ 0x5eed));
	for (i = 0; i < (int)nthreads; i++)
		pthread_create(&th[i], NULL, fuzz_thread, (void *)(uintptr_t)i);
	for (i = 0; i < (int)nthreads; i++)
		pthread_join(th[i], NULL);
	stop = 1;
	pthread_join(pth, NULL);
	for (i = 0; i < (int)NPARAMS; i++)
		if (param_saved[i][0])
			param_rw(params[i][0], NULL, 0, param_saved[i]);
	dt = now() - t0;
	for (i = 0; i < NFD; i++)
		close(slots[i].fd);

	for (i = 0; i < (int)nthreads; i++) {
		for (c = 0; c < C__N; c++) {
			tot.calls[c] += st[i].calls[c];
			tot.ok[c] += st[i].ok[c];
		}
		for (c = 0; c < NERR; c++)
			tot.err[c] += st[i].err[c];
		tot.total += st[i].total;
		tot.bad_ret += st[i].bad_ret;
		tot.bad_errno += st[i].bad_errno;
		if (st[i].bad_errno || st[i].bad_ret) {
			tot.last_bad_errno = st[i].last_bad_errno;
			tot.last_bad_cmd = st[i].last_bad_cmd;
		}
	}
	printf("# ioctl_fuzz: %llu calls in %.1f s (%.0f calls/s), %llu fd replacements, %llu parameter writes\n",
	       tot.total, dt, tot.total / (dt > 0 ? dt : 1), tot.calls[C_REOPEN],
	       param_writes);
	for (c = 0; c < C__N; c++)
		if (verbose || c == C_MAP || c == C_DMA || c == C_GET_DIRTY ||
		    c == C_HARVEST || c == C_TEST_CMD || c == C_DEV_CREATE)
			printf("#   %-24s %8llu calls %7llu ok\n", cmd_name[c],
			       tot.calls[c], tot.ok[c]);
	printf("#   errno:");
	for (c = 0; c < NERR; c++)
		if (tot.err[c])
			printf(" %s %llu", c ? strerrorname_np(c) ?: "?" : "other", tot.err[c]);
	printf("\n");

	/* 1: results and depth */
	deep = tot.ok[C_IOAS_ALLOC] && tot.ok[C_MAP] && tot.ok[C_UNMAP] &&
	       tot.ok[C_GET_DIRTY] && tot.ok[C_SET_DIRTY] && tot.ok[C_SCENARIO] &&
	       (tot.ok[C_HWPT_ALLOC] || tot.ok[C_TEST_CMD]);
	if (tot.ok[C_DEV_CREATE] || !tot.err[EPERM])
		deep = deep && tot.ok[C_DEV_CREATE] && tot.ok[C_DEV_ATTACH] &&
		       tot.ok[C_DMA] && tot.ok[C_HARVEST];
	else
		printf("# lab commands refused (EPERM): lab depth not required\n");
	if (tot.bad_ret || tot.bad_errno)
		printf("# %llu calls returned neither 0 nor -1, %llu an undocumented errno (last: %s, errno %llu)\n",
		       tot.bad_ret, tot.bad_errno, cmd_name[tot.last_bad_cmd],
		       tot.last_bad_errno);
	if (!deep)
		printf("# the run did not reach deep states (see the ok counts)\n");
	tap(!tot.bad_ret && !tot.bad_errno && deep &&
	    (seconds || tot.total >= ncalls), "calls");
	tap(pins_ok, "pins_observable");

	/* 3: nothing pinned after close (file release may finish late) */
	for (i = 0; i < 50; i++) {
		pin_after = proc_vmpin_kb();
		if (pin_after == pin0)
			break;
		usleep(100000);
	}
	err = pool_refs(0, POOL);
	if (pin_after != pin0 || err)
		printf("# VmPin %ld kB before, %ld kB after close; CHECK_REFS(0) over the pool: %d\n",
		       pin0, pin_after, err);
	tap(pin_after == pin0 && err == 0, "nothing_pinned_after_close");

	/* 4: a fresh fd works end to end */
	fd = small_setup(&hwpt, true, &err);
	if (fd >= 0) {
		struct iommu_hwpt_set_dirty_tracking sd = { .size = sizeof(sd),
			.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE, .hwpt_id = hwpt };
		struct iommu_hwpt_get_dirty_bitmap g = { .size = sizeof(g),
			.hwpt_id = hwpt, .iova = MOCK_APERTURE_START,
			.length = 16 * PG, .page_size = PG };
		u64 bm[1] = { 0 };

		g.data = (uintptr_t)bm;
		err = xioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &sd) ?:
		      xioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
		if (!err && bm[0])
			err = -EILSEQ;	/* nothing wrote: nothing dirty */
		close(fd);
	}
	if (err)
		printf("# fresh fd: error %d\n", err);
	tap(!err, "fresh_fd_works");

	/* 5: kernel log and taint */
	c = splats();
	if (c != splat0 || tainted() != taint0)
		printf("# kernel log splat markers %ld -> %d, taint %ld -> %ld\n",
		       splat0, c, taint0, tainted());
	tap(c >= 0 && c == splat0 && tainted() == taint0, "kernel_clean");
	return tap_failed;
}
