// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vm_policy_bench: what a BPF policy costs and buys, measured in the guest
 * (run by `make bench-vm` through selftests/bench/vm/run-bench-vm.sh).
 *
 *  1. harvest cost: GET_DIRTY_BITMAP of a 8 MiB domain with 25% of its
 *     pages dirty, no policy vs policy_bench attached (flush answers like
 *     the default, so the difference is the BPF call path), median of
 *     interleaved blocks, and their ratio;
 *  2. export rate: IODIRTY_SCAN RUN with 1024 one-page runs per scan, each
 *     exported as a ring-buffer record filled by bpf_iodirty_fill_bitmap(),
 *     read back with ring_buffer__consume(): records/s end to end;
 *  3. sampling: a zipf DMA workload (90% of writes to the first 1/8) on
 *     64 MiB, periodic scans with the sampling policy vs walking every
 *     region, both with the kernel's default 2 MiB regions: leaf PTEs
 *     visited and scan wall time (ratios), and the oracle's missed pages
 *     (OR of every exported chunk + a final FULL scan + GET) must be 0.
 *  4. tracer cost: the harvest of 1. with no tracer, with iodirty-top
 *     attached (iodirty source, -j 1) and with iodirty-top --record,
 *     interleaved blocks in the same run, medians and ratios; the
 *     difference per GET divided by the GET's dirty runs (64) is the
 *     per-event cost (each run is one iodirty_dirty_run event; begin, end
 *     and flush add 2-3 more per GET).
 *
 * Prints a table and a JSON object between BENCHVM-JSON-BEGIN/END lines.
 * Under TCG every absolute number is meaningless for real hardware; only
 * the ratios (same emulator, same run) say something.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/iommufd.h>
#include <linux/iodirty.h>
#include <bpf/libbpf.h>
#include "policy_test.h"
#include "policy_bench.skel.h"

#define PG	4096ULL
#define IOVA	(1ULL << 24)

static int fd;
static __u32 ioas, dev, hwpt;
static __u64 npages;
static void *buf;
static unsigned char *acc;
/* what arrived since the last epoch round (oracle consumer 1) */
static unsigned char *round_bm;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "vm_policy_bench: %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static void setup(__u64 pages)
{
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iodirty_device_create dc = {
		.size = sizeof(dc), .flags = IODIRTY_DEVICE_DIRTY_TRACKING,
		.model = IODIRTY_MODEL_VTD, .pgsize_bitmap = PG,
	};
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha),
		.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING };
	struct iommu_ioas_map m = { .size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE };
	struct iodirty_device_attach at = { .size = sizeof(at) };
	struct iommu_hwpt_set_dirty_tracking sd = { .size = sizeof(sd),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE };

	npages = pages;
	CHECK(fd = open("/dev/iodirty", O_RDWR));
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, &ia));
	ioas = ia.out_ioas_id;
	CHECK(ioctl(fd, IODIRTY_DEVICE_CREATE, &dc));
	dev = dc.out_dev_id;
	ha.dev_id = dev;
	ha.pt_id = ioas;
	CHECK(ioctl(fd, IOMMU_HWPT_ALLOC, &ha));
	hwpt = ha.out_hwpt_id;
	buf = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		CHECK(-1);
	m.ioas_id = ioas;
	m.user_va = (uintptr_t)buf;
	m.length = pages * PG;
	m.iova = IOVA;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &m));
	at.dev_id = dev;
	at.pt_id = hwpt;
	CHECK(ioctl(fd, IODIRTY_DEVICE_ATTACH, &at));
	sd.hwpt_id = hwpt;
	CHECK(ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &sd));
	acc = calloc(1, (pages + 63) / 64 * 8);
	round_bm = calloc(1, (pages + 63) / 64 * 8);
	if (!acc || !round_bm)
		CHECK(-1);
}

static void teardown(void)
{
	close(fd);
	munmap(buf, npages * PG);
	free(acc);
}

static void dma(__u64 page, __u64 len)
{
	struct iodirty_dma d = { .size = sizeof(d), .flags = IODIRTY_DMA_WRITE,
		.dev_id = dev, .iova = IOVA + page * PG, .length = len };

	CHECK(ioctl(fd, IODIRTY_DMA, &d));
}

static double get_bitmap(void)
{
	struct iommu_hwpt_get_dirty_bitmap g = { .size = sizeof(g),
		.hwpt_id = hwpt, .iova = IOVA, .length = npages * PG,
		.page_size = PG };
	unsigned char *bm = calloc(1, (npages + 63) / 64 * 8);
	double t0;
	__u64 i;

	g.data = (uintptr_t)bm;
	t0 = now();
	CHECK(ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g));
	t0 = now() - t0;
	for (i = 0; i < (npages + 63) / 64 * 8; i++) {
		acc[i] |= bm[i];
		round_bm[i] |= bm[i];
	}
	free(bm);
	return t0;
}

/*
 * Sampling regions: the kernel's default (region_size 0 = SCAN_DEFAULT_REGION,
 * 2 MiB, kmod/scan.c), not a size tuned for this workload, so the figures
 * say what a user gets without tuning.  Both the sampled and the full runs
 * use the same regions.
 */
#define SCAN_REGION	0

static int scan(__u32 flags, struct iodirty_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->op = IODIRTY_SCAN_RUN;
	s->hwpt_id = hwpt;
	s->flags = flags;
	s->region_size = SCAN_REGION;
	return ioctl(fd, IODIRTY_SCAN, s);
}

static void oracle(__u32 op, struct iodirty_oracle *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->op = op;
	o->hwpt_id = hwpt;
	o->iova = IOVA;
	o->length = npages * PG;
	o->page_size = PG;
	o->data = (uintptr_t)acc;
	CHECK(ioctl(fd, IODIRTY_ORACLE, o));
}

/*
 * One epoch round of the scan consumer: every page written since the last
 * round must be in what arrived since (or, sampled, within max_skip (8) + 1
 * rounds); returns the pages missed.
 */
static __u64 oracle_round(__u32 flags)
{
	struct iodirty_oracle o = { .size = sizeof(o), .op = IODIRTY_ORACLE_ROUND,
		.hwpt_id = hwpt, .iova = IOVA, .length = npages * PG,
		.page_size = PG, .data = (uintptr_t)round_bm, .consumer = 1,
		.max_late = 8 + 1, .round_flags = flags };

	CHECK(ioctl(fd, IODIRTY_ORACLE, &o));
	memset(round_bm, 0, (npages + 63) / 64 * 8);
	return o.out_missed;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

/* ---- 1. harvest cost -------------------------------------------------- */

#define HREPS 12

static double harvest_once(void)
{
	__u64 p;

	for (p = 0; p < npages; p += 32)
		dma(p, 8 * PG);		/* 8 of every 32 pages */
	return get_bitmap();
}

static void bench_harvest(struct policy_bench_bpf *skel, double *none_us,
			  double *pol_us)
{
	double a[HREPS * 2], b[HREPS * 2];
	int i, blk, na = 0, nb = 0;

	harvest_once();	/* warm up */
	for (blk = 0; blk < 4; blk++) {
		struct bpf_link *link = NULL;

		if (blk & 1) {
			link = bpf_map__attach_struct_ops(skel->maps.bench_ops);
			if (!link)
				CHECK(-1);
		}
		for (i = 0; i < HREPS / 2; i++) {
			double t = harvest_once();

			if (blk & 1)
				b[nb++] = t;
			else
				a[na++] = t;
		}
		bpf_link__destroy(link);
	}
	*none_us = median(a, na) * 1e6;
	*pol_us = median(b, nb) * 1e6;
}

/* ---- 4. tracer cost ---------------------------------------------------- */

#define TREPS 10
#define TBLOCKS 9	/* none, top, top --record; three times */

/* iodirty-top in the background until it traces (its stderr says so) */
static pid_t top_start(bool record)
{
	char *argv[] = { "/opt/iodirty/iodirty-top", "-j", "1", record ? "--record" : NULL,
			 "/tmp/bench-top.rec", NULL };
	double end = now() + 120;
	char line[256];
	pid_t pid;

	/* not the previous top's "Tracing" line: the child truncates it only later */
	unlink("/tmp/bench-top.err");
	pid = fork();

	if (!pid) {
		int o = open("/dev/null", O_WRONLY), e = open("/tmp/bench-top.err",
			      O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	CHECK(pid);
	while (now() < end) {
		FILE *f = fopen("/tmp/bench-top.err", "r");
		bool up = false;

		while (f && fgets(line, sizeof(line), f))
			up |= !strncmp(line, "Tracing", 7);
		if (f)
			fclose(f);
		if (up)
			return pid;
		usleep(50000);
	}
	fprintf(stderr, "vm_policy_bench: iodirty-top did not start\n");
	exit(1);
}

static void top_stop(pid_t pid)
{
	int st = 0;

	kill(pid, SIGINT);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		char line[256];
		FILE *f = fopen("/tmp/bench-top.err", "r");

		fprintf(stderr, "vm_policy_bench: iodirty-top failed (status %#x, %s); it said:\n",
			st, strerror(errno));
		while (f && fgets(line, sizeof(line), f))
			fputs(line, stderr);
		exit(1);
	}
}

static void bench_tracer(double us[3])
{
	double v[3][TREPS * TBLOCKS / 3];
	int n[3] = {}, blk, i;

	harvest_once();
	for (blk = 0; blk < TBLOCKS; blk++) {
		int m = blk % 3;
		pid_t pid = m ? top_start(m == 2) : 0;

		for (i = 0; i < TREPS; i++)
			v[m][n[m]++] = harvest_once();
		if (pid)
			top_stop(pid);
	}
	for (i = 0; i < 3; i++)
		us[i] = median(v[i], n[i]) * 1e6;
}

/* ---- 2. export rate --------------------------------------------------- */

struct chunk_stats {
	__u64 records, pages, eos;
};

static int on_chunk(void *ctx, void *data, size_t len)
{
	struct chunk_stats *cs = ctx;
	const unsigned char *r = data;
	__u64 iova, psz, i;
	__u32 nbits;

	if (len == sizeof(__u64)) {
		cs->eos++;
		return 0;
	}
	if (len != PB_CHUNK_SIZE)
		return 0;
	memcpy(&iova, r + 8, 8);
	memcpy(&psz, r + 16, 8);
	memcpy(&nbits, r + 24, 4);
	cs->records++;
	for (i = 0; i < nbits && psz == PG; i++) {
		__u64 page;

		if (!(r[32 + i / 8] & (1u << (i % 8))))
			continue;
		page = (iova - IOVA) / PG + i;
		if (page < npages) {
			acc[page / 8] |= 1u << (page % 8);
			round_bm[page / 8] |= 1u << (page % 8);
			cs->pages++;
		}
	}
	return 0;
}

static void bench_export(struct policy_bench_bpf *skel, struct ring_buffer *rb,
			 double *rate, __u64 *recs)
{
	struct iodirty_scan s;
	double t = 0, t0;
	__u64 p, r0 = skel->bss->records;
	int i;

	for (i = 0; i < 8; i++) {
		for (p = 0; p < npages; p += 2)
			dma(p, 16);		/* 1024 one-page runs */
		t0 = now();
		CHECK(scan(IODIRTY_SCAN_FULL, &s));
		ring_buffer__consume(rb);
		t += now() - t0;
	}
	*recs = skel->bss->records - r0;
	*rate = *recs / t;
}

/* ---- 3. sampling vs full on zipf ---------------------------------------- */

static void bench_sampling(struct policy_bench_bpf *skel, struct ring_buffer *rb,
			   int full, __u64 *leaves, __u64 *missed,
			   __u64 *written, double *scan_total_us,
			   double *scan_median_us)
{
	double scan_us[25];
	struct iodirty_workload w = { .size = sizeof(w), .op = IODIRTY_WORKLOAD_START,
		.dev_id = dev, .pattern = IODIRTY_WL_ZIPF, .iova = IOVA,
		.length = npages * PG, .rate = 3000, .seed = 42, .hot_pct = 90 };
	struct iodirty_oracle o;
	struct iodirty_scan s;
	__u64 l0, round_missed = 0;
	int i;

	get_bitmap();
	ring_buffer__consume(rb);
	memset(acc, 0, (npages + 63) / 64 * 8);
	memset(round_bm, 0, (npages + 63) / 64 * 8);
	oracle(IODIRTY_ORACLE_RESET, &o);
	skel->bss->no_sampling = full;
	CHECK(scan(IODIRTY_SCAN_FULL, &s));	/* a clean start */
	ring_buffer__consume(rb);
	l0 = s.out_leaves;			/* cumulative per HWPT */
	CHECK(ioctl(fd, IODIRTY_WORKLOAD, &w));
	oracle_round(0);	/* the clean start is round 1 */
	for (i = 0; i < 25; i++) {
		double t;

		usleep(20000);
		t = now();
		CHECK(scan(0, &s));
		scan_us[i] = (now() - t) * 1e6;
		ring_buffer__consume(rb);
		round_missed += oracle_round(0);
	}
	*leaves = s.out_leaves - l0;
	*scan_total_us = 0;
	for (i = 0; i < 25; i++)
		*scan_total_us += scan_us[i];
	*scan_median_us = median(scan_us, 25);
	w.op = IODIRTY_WORKLOAD_STOP;
	CHECK(ioctl(fd, IODIRTY_WORKLOAD, &w));
	CHECK(scan(IODIRTY_SCAN_FULL, &s));
	ring_buffer__consume(rb);
	get_bitmap();
	round_missed += oracle_round(IODIRTY_ORACLE_ROUND_FINAL);
	oracle(IODIRTY_ORACLE_CHECK, &o);
	/* missed at the end, or in any round */
	*missed = o.out_missed + round_missed;
	*written = o.out_written;
}

int main(int argc, char **argv)
{
	struct policy_bench_bpf *skel;
	struct chunk_stats cs = {};
	struct ring_buffer *rb;
	struct bpf_link *link;
	double none_us, pol_us, rate, tr_us[3];
	__u64 recs, ms, mf, ws, wf, sl, fl;
	double st_s, st_f, sm_s, sm_f;	/* scan wall time: total, median */
	int ret;
	char tcg[128] = "unknown CPU";
	FILE *ci = fopen("/proc/cpuinfo", "r");

	/* tools/vm/run always uses -accel tcg -cpu qemu64 */
	while (ci && fgets(tcg, sizeof(tcg), ci) && strncmp(tcg, "model name", 10))
		;
	if (ci)
		fclose(ci);
	if (!strncmp(tcg, "model name", 10)) {
		char *c = strchr(tcg, ':');

		memmove(tcg, c ? c + 2 : tcg, strlen(c ? c + 2 : tcg) + 1);
		tcg[strcspn(tcg, "\n")] = 0;
		strncat(tcg, ", QEMU TCG", sizeof(tcg) - strlen(tcg) - 1);
	}
	skel = policy_bench_bpf__open_and_load();
	if (!skel)
		CHECK(-1);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.chunks), on_chunk, &cs, NULL);
	if (!rb)
		CHECK(-1);

	printf("# vm_policy_bench: CAVEAT: guest CPU is %s (emulated); absolute\n"
	       "# times are 10-50x off real hardware, compare the ratios only.\n", tcg);

	setup(2048);
	bench_harvest(skel, &none_us, &pol_us);
	link = bpf_map__attach_struct_ops(skel->maps.bench_ops);
	if (!link)
		CHECK(-1);
	bench_export(skel, rb, &rate, &recs);
	bpf_link__destroy(link);
	teardown();

	setup(2048);	/* the harvest of 1., no policy */
	bench_tracer(tr_us);
	teardown();

	setup(16384);	/* 64 MiB: 32 regions of 2 MiB */
	link = bpf_map__attach_struct_ops(skel->maps.bench_ops);
	if (!link)
		CHECK(-1);
	bench_sampling(skel, rb, 0, &sl, &ms, &ws, &st_s, &sm_s);
	bench_sampling(skel, rb, 1, &fl, &mf, &wf, &st_f, &sm_f);
	bpf_link__destroy(link);
	teardown();

	printf("%-44s %14s %14s %8s\n", "metric", "no policy/full", "policy/sampled", "ratio");
	printf("%-44s %14.1f %14.1f %8.3f\n", "GET_DIRTY_BITMAP 8MiB 25% dirty (us, median)",
	       none_us, pol_us, pol_us / none_us);
	printf("%-44s %14s %14.0f %8s\n", "ring-buffer export (records/s, TCG)", "-", rate, "-");
	printf("%-44s %14llu %14llu %8.3f\n", "zipf 64MiB: leaf PTEs visited by 25 scans",
	       (unsigned long long)fl, (unsigned long long)sl, (double)sl / fl);
	printf("%-44s %14.0f %14.0f %8.3f\n", "zipf: wall time of the 25 scans (us, total)",
	       st_f, st_s, st_s / st_f);
	printf("%-44s %14.1f %14.1f %8.3f\n", "zipf: wall time of one scan (us, median)",
	       sm_f, sm_s, sm_s / sm_f);
	printf("%-44s %14llu %14llu %8s\n", "zipf: missed pages, end + per round (0)",
	       (unsigned long long)mf, (unsigned long long)ms, "-");
	printf("%-44s %14llu %14llu %8s\n", "zipf: pages written", (unsigned long long)wf,
	       (unsigned long long)ws, "-");
	printf("%-44s %14.1f %14.1f %8.3f\n", "GET 8MiB 25%: no tracer / iodirty-top (us)",
	       tr_us[0], tr_us[1], tr_us[1] / tr_us[0]);
	printf("%-44s %14.1f %14.1f %8.3f\n", "GET 8MiB 25%: no tracer / top --record (us)",
	       tr_us[0], tr_us[2], tr_us[2] / tr_us[0]);
	printf("%-44s %14s %14.3f %8s\n", "tracer cost per dirty run (us, 64 per GET)", "-",
	       (tr_us[1] - tr_us[0]) / 64, "-");
	printf("%-44s %14s %14.3f %8s\n", "... with --record (us)", "-",
	       (tr_us[2] - tr_us[0]) / 64, "-");
	printf("# export: %llu records, %llu chunk pages decoded, truncated runs %llu, drops %llu, sample skips %llu\n",
	       (unsigned long long)recs, (unsigned long long)cs.pages,
	       (unsigned long long)skel->bss->truncated,
	       (unsigned long long)skel->bss->drops,
	       (unsigned long long)skel->bss->skips);
	printf("BENCHVM-JSON-BEGIN\n{\n"
	       "  \"platform\": \"%s\",\n"
	       "  \"caveat\": \"QEMU TCG guest: absolute numbers are not hardware numbers; use ratios\",\n"
	       "  \"harvest_us_no_policy\": %.1f,\n  \"harvest_us_policy\": %.1f,\n"
	       "  \"harvest_policy_ratio\": %.4f,\n"
	       "  \"export_records\": %llu,\n  \"export_records_per_s\": %.0f,\n"
	       "  \"zipf_leaves_full\": %llu,\n  \"zipf_leaves_sampled\": %llu,\n"
	       "  \"zipf_sampled_full_ratio\": %.4f,\n"
	       "  \"zipf_region_bytes\": 2097152,\n"
	       "  \"zipf_scan_us_total_full\": %.1f,\n  \"zipf_scan_us_total_sampled\": %.1f,\n"
	       "  \"zipf_scan_us_median_full\": %.1f,\n  \"zipf_scan_us_median_sampled\": %.1f,\n"
	       "  \"zipf_scan_time_sampled_full_ratio\": %.4f,\n"
	       "  \"zipf_missed_full\": %llu,\n  \"zipf_missed_sampled\": %llu,\n"
	       "  \"tracer_harvest_us_none\": %.1f,\n  \"tracer_harvest_us_top\": %.1f,\n"
	       "  \"tracer_harvest_us_record\": %.1f,\n"
	       "  \"tracer_top_ratio\": %.4f,\n  \"tracer_record_ratio\": %.4f,\n"
	       "  \"tracer_us_per_run_top\": %.3f,\n  \"tracer_us_per_run_record\": %.3f\n}\n"
	       "BENCHVM-JSON-END\n", tcg, none_us, pol_us, pol_us / none_us,
	       (unsigned long long)recs, rate, (unsigned long long)fl,
	       (unsigned long long)sl, (double)sl / fl, st_f, st_s, sm_f, sm_s,
	       st_s / st_f, (unsigned long long)mf,
	       (unsigned long long)ms, tr_us[0], tr_us[1], tr_us[2], tr_us[1] / tr_us[0],
	       tr_us[2] / tr_us[0], (tr_us[1] - tr_us[0]) / 64, (tr_us[2] - tr_us[0]) / 64);
	ret = ms || mf || skel->bss->truncated || skel->bss->drops;
	if (ret)
		printf("# FAIL: missed pages or lost export records\n");
	ring_buffer__free(rb);
	policy_bench_bpf__destroy(skel);
	return ret;
}
