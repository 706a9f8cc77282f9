// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-demo - a live-migration style tour of the policy layer.
 *
 * An emulated device (AMD IOMMU model, dirty tracking) writes a buffer with
 * a zipf (hot/cold) DMA workload while the background scanner harvests its
 * dirty HWPT.  The export policy streams every dirty run to a ring buffer
 * that this program accumulates into a bitmap; halfway it is swapped
 * atomically (bpf_link__update_map) for the same policy with hot/cold
 * sampling.  After the workload stops a final FULL scan flushes what the
 * sampler left, and the oracle checks the accumulated bitmap against every
 * byte the device wrote: missed must be 0.  Exit status 1 if not.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>
#include "libiodirty.h"
#include "bpf_print.h"
#include "iodirtyctl.h"
#include "export.h"
#include "export.skel.h"

#define DEMO_IOVA	(1ULL << 24)
#define PAGE_4K		4096ULL

static struct env {
	bool verbose;
	bool external;
	unsigned long long mib;
	int seconds;
	unsigned long long rate;
	unsigned int cold_every;
	unsigned int period_ms;
	unsigned long long region_kib;
	int model;
} env = { .mib = 32, .seconds = 3, .rate = 5000, .cold_every = 4,
	  .period_ms = 100, .region_kib = 256, .model = IODIRTY_MODEL_AMD };

const char *argp_program_version = "iodirty-demo 0.1";
const char argp_program_doc[] =
"Stream dirty pages of an emulated DMA workload through BPF policies.\n"
"\n"
"USAGE: iodirty-demo [-v] [-m MiB] [-s SECONDS] [-r RATE] [-k K] [-M MODEL]\n"
"\n"
"EXAMPLES:\n"
"    iodirty-demo              # 32 MiB, 3 s per phase, 5000 writes/s\n"
"    iodirty-demo -s 5 -k 8    # longer phases, cold regions every 8 scans\n"
"    iodirty-demo -M vtd -r 0  # VT-d page table, writes as fast as possible\n"
"    iodirty-demo -x -s 4      # workload + scanner only, for a policy attached\n"
"                              # with iodirtyctl (stream it with iodirtyctl)\n";

static const struct argp_option opts[] = {
	{ "verbose", 'v', NULL, 0, "libbpf debug output", 0 },
	{ "mib", 'm', "MiB", 0, "buffer size (default 32)", 0 },
	{ "seconds", 's', "SECONDS", 0, "length of each phase (default 3)", 0 },
	{ "rate", 'r', "RATE", 0, "DMA writes per second, 0 = flat out (default 5000)", 0 },
	{ "cold-every", 'k', "K", 0, "phase 2 walks cold regions every K scans (default 4)", 0 },
	{ "model", 'M', "MODEL", 0, "mock, amd, vtd or arm (default amd)", 0 },
	{ "external", 'x', NULL, 0, "no own policy: drive the one attached with iodirtyctl", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;

	errno = 0;
	switch (key) {
	case 'v': env.verbose = true; return 0;
	case 'x': env.external = true; return 0;
	case 'h': argp_state_help(state, stderr, ARGP_HELP_STD_HELP); return 0;
	case 'M':
		env.model = iodirty_model_parse(arg);
		if (env.model < 0)
			argp_error(state, "unknown model '%s'", arg);
		return 0;
	case 'm': env.mib = strtoull(arg, &end, 10); break;
	case 's': env.seconds = strtol(arg, &end, 10); break;
	case 'r': env.rate = strtoull(arg, &end, 10); break;
	case 'k': env.cold_every = strtoul(arg, &end, 10); break;
	default: return ARGP_ERR_UNKNOWN;
	}
	if (errno || *end || (key == 'm' && (!env.mib || env.mib > 512)) ||
	    (key == 's' && env.seconds <= 0))
		argp_error(state, "invalid value '%s' for -%c", arg, key);
	return 0;
}

static volatile sig_atomic_t exiting;
static void sig_handler(int sig) { exiting = 1; }

/*
 * Everything the ring buffers delivered (@bm), and what arrived since the
 * last end-of-scan marker (@round), which the oracle judges at each marker:
 * every page written since the previous round must be in it, or in one of
 * the next @max_late rounds.
 */
static struct acc {
	unsigned char *bm;	/* one bit per 4 KiB page of the buffer */
	unsigned char *round;
	unsigned long long npages, records, pages, eos, foreign;
	int fd;
	__u32 hwpt, max_late;
	unsigned long long rounds, round_missed, round_errors;
} acc;

/* one epoch round of the ring-buffer consumer (oracle consumer 1) */
static void judge_round(__u32 flags)
{
	struct iodirty_oracle o;

	if (iodirty_oracle_round(acc.fd, acc.hwpt, 1, DEMO_IOVA,
				 acc.npages * PAGE_4K, PAGE_4K, acc.round,
				 acc.max_late, flags, &o)) {
		acc.round_errors++;
		return;
	}
	acc.rounds++;
	acc.round_missed += o.out_missed;
	memset(acc.round, 0, acc.npages / 8 + 8);
}

static int on_record(void *ctx, void *data, size_t len)
{
	const struct iodirty_chunk_hdr *h = data;
	unsigned long long i, first;

	if (len < sizeof(*h))
		return 0;
	if (iodirty_chunk_is_eos(h)) {
		acc.eos++;
		judge_round(0);
		return 0;
	}
	acc.records++;
	if (h->page_size != PAGE_4K || h->iova < DEMO_IOVA ||
	    (h->nbits + 7) / 8 > len - sizeof(*h)) {
		acc.foreign++;
		return 0;
	}
	first = (h->iova - DEMO_IOVA) / PAGE_4K;
	for (i = 0; i < h->nbits; i++) {
		if (!((h->bits[i / 8] >> (i % 8)) & 1) || first + i >= acc.npages)
			continue;
		acc.pages++;
		acc.bm[(first + i) / 8] |= 1u << ((first + i) % 8);
		acc.round[(first + i) / 8] |= 1u << ((first + i) % 8);
	}
	return 0;
}

static unsigned long long bm_weight(void)
{
	unsigned long long i, n = 0;

	for (i = 0; i < acc.npages / 8; i++)
		n += __builtin_popcount(acc.bm[i]);
	return n;
}

/* what a phase did: deltas of scanner, module and policy counters */
struct phase {
	const char *name;
	unsigned long long scans, walked, skipped, forced, leaves, dirty;
	unsigned long long flushes, records, pages, drops;
};

struct snap {
	struct iodirty_scan sc;
	struct iodirty_iotlb tlb;
	struct iodirty_status st;
	unsigned long long records, pages, drops;
};

static __u32 demo_dev;

static int take(int fd, __u32 hwpt, struct snap *s, struct export_bpf *skel)
{
	int err = iodirty_scan_op(fd, hwpt, IODIRTY_SCAN_STATUS, 0, &s->sc);

	memset(&s->tlb, 0, sizeof(s->tlb));
	s->tlb.dev_id = demo_dev;
	err = err ?: iodirty_iotlb(fd, &s->tlb);
	err = err ?: iodirty_status(fd, &s->st);
	s->records = acc.records;
	s->pages = acc.pages;
	s->drops = skel ? skel->bss->drops : 0;
	return err;
}

static void delta(struct phase *p, const struct snap *a, const struct snap *b,
		  unsigned long long drops)
{
	p->scans = b->sc.out_scans - a->sc.out_scans;
	p->walked = b->sc.out_regions_walked - a->sc.out_regions_walked;
	p->skipped = b->sc.out_regions_skipped - a->sc.out_regions_skipped;
	p->forced = b->sc.out_forced_walks - a->sc.out_forced_walks;
	p->leaves = b->sc.out_leaves - a->sc.out_leaves;
	p->dirty = b->sc.out_dirty_pages - a->sc.out_dirty_pages;
	/* invalidation commands the device received */
	p->flushes = b->tlb.out_inv_range + b->tlb.out_inv_all -
		     a->tlb.out_inv_range - a->tlb.out_inv_all;
	p->records = b->records - a->records;
	p->pages = b->pages - a->pages;
	p->drops = drops;
}

static int stream(int fd, __u32 hwpt, struct ring_buffer *rb, int seconds,
		  const char *label)
{
	struct iodirty_scan a, b;
	unsigned long long r0 = acc.records, p0 = acc.pages;
	struct timespec t0, t;
	int sec = 0, err;

	iodirty_scan_op(fd, hwpt, IODIRTY_SCAN_STATUS, 0, &a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!exiting && sec < seconds) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "ring_buffer__poll: %s\n", strerror(-err));
			return err;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec <= sec)
			continue;
		sec++;
		iodirty_scan_op(fd, hwpt, IODIRTY_SCAN_STATUS, 0, &b);
		printf("  [%-14s] t=%ds scans %3llu  walked %4llu skipped %4llu  records %6llu  pages %7llu  unique %6llu/%llu\n",
		       label, sec, b.out_scans - a.out_scans,
		       b.out_regions_walked - a.out_regions_walked,
		       b.out_regions_skipped - a.out_regions_skipped,
		       acc.records - r0, acc.pages - p0, bm_weight(), acc.npages);
		fflush(stdout);
	}
	return 0;
}

static void row(const struct phase *p)
{
	printf("  %-16s %6llu %7llu %7llu %6llu %9llu %8llu %8llu %8llu %6llu\n",
	       p->name, p->scans, p->walked, p->skipped, p->forced, p->leaves,
	       p->flushes, p->records, p->pages, p->drops);
}

static struct export_bpf *open_policy(unsigned int cold_every, struct ring_buffer **rb)
{
	struct export_bpf *skel = export_bpf__open();
	int err;

	if (!skel) {
		fprintf(stderr, "opening the export policy: %s\n", strerror(errno));
		return NULL;
	}
	skel->rodata->cold_every = cold_every;
	bpf_map__set_max_entries(skel->maps.events, 4 << 20);
	err = export_bpf__load(skel);
	if (err) {
		fprintf(stderr, "loading the export policy: %s (run with -v)\n",
			strerror(-err));
		export_bpf__destroy(skel);
		return NULL;
	}
	err = *rb ? ring_buffer__add(*rb, bpf_map__fd(skel->maps.events), on_record, NULL)
		  : 0;
	if (!*rb)
		*rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, NULL, NULL);
	if (err < 0 || !*rb) {
		fprintf(stderr, "ring buffer: %s\n", strerror(errno));
		export_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* -x: workload and scanner for 2 * seconds under an external policy */
static int run_external(int fd, __u32 dev, __u32 hwpt, unsigned long long len)
{
	struct iodirty_workload wl = { .op = IODIRTY_WORKLOAD_START, .dev_id = dev,
		.pattern = IODIRTY_WL_ZIPF, .iova = DEMO_IOVA, .length = len,
		.rate = env.rate, .seed = 42 };
	struct iodirty_scan sc = { .op = IODIRTY_SCAN_START, .hwpt_id = hwpt,
		.period_ms = env.period_ms, .region_size = env.region_kib << 10 };
	struct iodirty_status st;
	int err;

	err = iodirty_workload(fd, &wl) ?: iodirty_scan(fd, &sc);
	if (err) {
		fprintf(stderr, "iodirty-demo: starting: %s\n", iodirty_strerror(err));
		return err;
	}
	iodirty_status(fd, &st);
	printf("workload and scanner running for %d s under policy '%s'\n",
	       2 * env.seconds, st.out_attached ? st.out_name : "default");
	fflush(stdout);
	sleep(2 * env.seconds);
	iodirty_scan_op(fd, hwpt, IODIRTY_SCAN_STOP, 0, &sc);
	iodirty_workload_stop(fd, dev, &wl);
	printf("done: %llu scans, %llu regions walked, %llu skipped, %llu runs\n",
	       (unsigned long long)sc.out_scans,
	       (unsigned long long)sc.out_regions_walked,
	       (unsigned long long)sc.out_regions_skipped,
	       (unsigned long long)sc.out_runs);
	return 0;
}

#define CHECK(expr, what) do {						\
	int __e = (expr);						\
	if (__e) {							\
		fprintf(stderr, "iodirty-demo: %s: %s\n", what,		\
			iodirty_strerror(__e));				\
		goto out;						\
	}								\
} while (0)

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg, .doc = argp_program_doc,
	};
	struct export_bpf *pa = NULL, *pb = NULL;
	struct ring_buffer *rb = NULL;
	struct bpf_link *link = NULL;
	struct iodirty_workload wl = {};
	struct iodirty_oracle orc = {};
	struct iodirty_scan sc;
	struct snap s0, s1, s2, s3;
	struct phase ph[3] = { { .name = "export" }, { .name = "export+hotcold" },
			       { .name = "final FULL" } };
	__u32 ioas, dev = 0, hwpt;
	unsigned long long len;
	void *buf = MAP_FAILED;
	int fd = -1, ret = 1, i;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 1;
	iodirty_bpf_verbose = env.verbose;
	libbpf_set_print(iodirty_libbpf_print);
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	len = env.mib << 20;
	acc.npages = len / PAGE_4K;
	acc.bm = calloc(1, acc.npages / 8 + 8);
	acc.round = calloc(1, acc.npages / 8 + 8);
	/*
	 * late by one scan (written after its region was walked), up to
	 * max_skip (8) more when hot/cold sampling skips it, and a reader a
	 * few scans behind the scanner
	 */
	acc.max_late = 1 + 8 + 3;

	fd = iodirty_open();
	if (fd < 0) {
		fprintf(stderr, "iodirty-demo: open %s: %s\n", IODIRTY_DEV_PATH,
			iodirty_strerror(fd));
		return 1;
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED || !acc.bm || !acc.round) {
		perror("iodirty-demo: allocating the buffer");
		goto out;
	}
	CHECK(iodirty_ioas_alloc(fd, &ioas), "IOAS_ALLOC");
	CHECK(iodirty_ioas_map(fd, ioas, buf, len, DEMO_IOVA), "IOAS_MAP");
	CHECK(iodirty_device_create(fd, env.model, IODIRTY_DEVICE_DIRTY_TRACKING,
				    env.model == IODIRTY_MODEL_MOCK ? 0 : PAGE_4K, &dev),
	      "DEVICE_CREATE");
	CHECK(iodirty_hwpt_alloc(fd, dev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt),
	      "HWPT_ALLOC");
	CHECK(iodirty_device_attach(fd, dev, hwpt, NULL), "DEVICE_ATTACH");
	CHECK(iodirty_set_dirty_tracking(fd, hwpt, true), "SET_DIRTY_TRACKING");
	CHECK(iodirty_oracle_reset(fd, hwpt), "ORACLE_RESET");
	acc.fd = fd;
	acc.hwpt = hwpt;
	demo_dev = dev;
	printf("iodirty-demo: %llu MiB at IOVA 0x%llx, %s device %u, dirty HWPT %u\n",
	       env.mib, DEMO_IOVA, iodirty_model_name(env.model), dev, hwpt);

	if (env.external)
		return run_external(fd, dev, hwpt, len) ? 1 : 0;
	pa = open_policy(0, &rb);
	pb = pa ? open_policy(env.cold_every, &rb) : NULL;
	if (!pb)
		goto out;
	link = bpf_map__attach_struct_ops(pa->maps.export_ops);
	if (!link) {
		fprintf(stderr, "iodirty-demo: attaching the export policy: %s\n",
			iodirty_strerror(errno));
		goto out;
	}
	printf("policy 'export' attached (walk every region, ring buffer 4 MiB)\n");

	wl.op = IODIRTY_WORKLOAD_START;
	wl.dev_id = dev;
	wl.pattern = IODIRTY_WL_ZIPF;
	wl.iova = DEMO_IOVA;
	wl.length = len;
	wl.rate = env.rate;
	wl.seed = 42;
	CHECK(iodirty_workload(fd, &wl), "WORKLOAD START");
	memset(&sc, 0, sizeof(sc));
	sc.op = IODIRTY_SCAN_START;
	sc.hwpt_id = hwpt;
	sc.period_ms = env.period_ms;
	sc.region_size = env.region_kib << 10;
	CHECK(iodirty_scan(fd, &sc), "SCAN START");
	printf("zipf workload at %llu writes/s, scanner every %u ms, %llu KiB regions\n",
	       env.rate, env.period_ms, env.region_kib);

	CHECK(take(fd, hwpt, &s0, pa), "STATUS");
	if (stream(fd, hwpt, rb, env.seconds, "export"))
		goto out;
	CHECK(take(fd, hwpt, &s1, pa), "STATUS");
	delta(&ph[0], &s0, &s1, pa->bss->drops);

	i = bpf_link__update_map(link, pb->maps.export_ops);
	if (i) {
		fprintf(stderr, "iodirty-demo: bpf_link__update_map: %s\n",
			iodirty_strerror(i));
		goto out;
	}
	printf("swapped atomically to 'export' with hot/cold sampling (cold regions every %u scans); old policy exit kind: %s\n",
	       env.cold_every, iodirty_exit_kind_name(pa->bss->uei.kind));
	if (stream(fd, hwpt, rb, env.seconds, "export+hotcold"))
		goto out;

	CHECK(iodirty_workload_stop(fd, dev, &wl), "WORKLOAD STOP");
	CHECK(iodirty_scan_op(fd, hwpt, IODIRTY_SCAN_STOP, 0, &sc), "SCAN STOP");
	ring_buffer__consume(rb);
	CHECK(take(fd, hwpt, &s2, pb), "STATUS");
	delta(&ph[1], &s1, &s2, pb->bss->drops);
	CHECK(iodirty_scan_op(fd, hwpt, IODIRTY_SCAN_RUN, IODIRTY_SCAN_FULL, &sc),
	      "SCAN RUN FULL");
	ring_buffer__consume(rb);
	CHECK(take(fd, hwpt, &s3, pb), "STATUS");
	delta(&ph[2], &s2, &s3, pb->bss->drops - ph[1].drops);
	printf("workload stopped after %llu writes (%llu faults); final FULL scan done\n",
	       (unsigned long long)wl.out_writes, (unsigned long long)wl.out_faults);

	CHECK(iodirty_oracle_check(fd, hwpt, DEMO_IOVA, len, PAGE_4K, acc.bm, &orc),
	      "ORACLE CHECK");
	/* DMA stopped, the final scan read: nothing may still be late */
	judge_round(IODIRTY_ORACLE_ROUND_FINAL);

	printf("\n  %-16s %6s %7s %7s %6s %9s %8s %8s %8s %6s\n", "phase", "scans",
	       "walked", "skipped", "forced", "PTEs", "inv", "records",
	       "pages", "drops");
	for (i = 0; i < 3; i++)
		row(&ph[i]);
	printf("\n  oracle: written %llu pages, streamed %llu unique pages, missed %llu, spurious %llu%s\n",
	       (unsigned long long)orc.out_written, bm_weight(),
	       (unsigned long long)orc.out_missed,
	       (unsigned long long)orc.out_spurious,
	       acc.foreign ? " (foreign records ignored)" : "");
	printf("  end-of-scan markers %llu, truncated runs %llu, fill errors %llu\n",
	       acc.eos, (unsigned long long)(pa->bss->truncated + pb->bss->truncated),
	       (unsigned long long)(pa->bss->fill_errors + pb->bss->fill_errors));
	printf("  judged per round: %llu rounds, missed %llu%s\n", acc.rounds,
	       acc.round_missed, acc.round_errors ? " (ORACLE ROUND failed)" : "");
	ret = orc.out_missed || acc.round_missed || acc.round_errors ? 1 : 0;
	printf("%s: missed = %llu, missed per round = %llu\n", ret ? "FAIL" : "PASS",
	       (unsigned long long)orc.out_missed, acc.round_missed);
out:
	if (fd >= 0 && dev)
		iodirty_workload_stop(fd, dev, &wl);
	bpf_link__destroy(link);
	ring_buffer__free(rb);
	export_bpf__destroy(pb);
	export_bpf__destroy(pa);
	if (fd >= 0)
		close(fd);
	if (buf != MAP_FAILED)
		munmap(buf, len);
	free(acc.bm);
	free(acc.round);
	return ret;
}
