// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-lab - play a VMM for a while: something to watch with iodirty-top.
 *
 * It opens /dev/iodirty, maps a buffer into an IOAS, creates N emulated
 * devices of one IOMMU model, each on its own dirty-tracking HWPT (one
 * domain per device, as a VMM with N passthrough devices in separate
 * domains), enables dirty tracking and starts one DMA workload per device
 * on its own slice of the buffer.  Every period it harvests each HWPT with
 * GET_DIRTY_BITMAP over all of the memory, as QEMU's migration loop
 * (iommufd_query_dirty_bitmap) does, and prints what it found.  At the
 * end (duration over, SIGINT or SIGTERM) it stops the workloads, does one
 * last harvest and destroys every object it created.
 *
 * The per-period lines are the ground truth a tracer is checked against
 * (selftests/vm/prog_tests/tracer_top.c): "dirty" is the popcount of the
 * bitmap GET_DIRTY_BITMAP returned, "writes" the workload's writes since
 * the previous period, start_ns/end_ns the CLOCK_MONOTONIC time before
 * and after the GET (so a test can tell which tracer interval holds it).
 * "domain" is the HWPT's global ID, the one the tracepoints and
 * iodirty-top show (HWPT object IDs are per file); it comes from one
 * counters-only NO_CLEAR harvest per HWPT at setup, printed as period 0.
 *
 * --dirty-rate turns the periods into dirty-rate measurements, QEMU's
 * calc-dirty-rate page-sampling (user/iodirty_dirtyrate.h): the lab owns
 * the memory and the file, as QEMU does.  Each round: a clearing GET of
 * every HWPT over all memory, the sampled estimate's start pass (NO_CLEAR
 * reads of the sampled pages, then their hashes), --calc-time of waiting,
 * its end pass, another clearing GET.  The two GETs give the exact count of
 * pages written over a period that contains the estimate's, so each line
 * reports the estimate, the exact rate and the error; "missed" counts
 * sampled pages the estimate saw written that the exact GET did not report
 * (0 unless the estimate cleared dirty state).  The GET ending one round
 * starts the next.  Those rounds are in lab_dirtyrate.c.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "parse_size.h"
#include "libiodirty.h"
#include "iodirty_dirtyrate.h"
#include "iodirty-lab.h"

struct env env = {
	.mem = 64ULL << 20, .devices = 1, .model = IODIRTY_MODEL_AMD,
	.pattern = IODIRTY_WL_SEQUENTIAL, .rate = 1000, .period_ms = 1000,
	.seed = 1, .page_size = 4096,
	.sample_pages = IODIRTY_DR_DEFAULT_SAMPLE_PAGES, .calc_ms = 1000,
};

const char *argp_program_version = "iodirty-lab 0.1";
const char argp_program_doc[] =
"Play a VMM: emulated devices dirty memory, harvested every period.\n"
"\n"
"USAGE: iodirty-lab [-q] [-m SIZE] [-n N] [-M MODEL] [-P PATTERN] [-r RATE]\n"
"                   [-t MS] [-d SECONDS] [-s SEED]\n"
"       iodirty-lab --dirty-rate [--sample-pages N] [--calc-time TIME] [-j] [...]\n"
"\n"
"Each device writes its own 1/N of the memory; its HWPT is harvested over\n"
"all of it.  One line per HWPT and period: domain (the ID iodirty-top\n"
"shows), dirty pages the harvest returned, workload writes, GET time.\n"
"--dirty-rate: estimate the dirty rate from N sampled pages per GiB over\n"
"--calc-time (QEMU's calc-dirty-rate page-sampling), and the exact rate\n"
"from clearing GETs around it; one round, or rounds until -d.\n"
"\n"
"EXAMPLES:\n"
"    iodirty-lab                      # 64 MiB, 1 AMD device, seq, 1000 writes/s\n"
"    iodirty-lab -d 10 &              # run for 10 s in the background\n"
"    iodirty-lab -n 2 -P zipf -r 5000 # 2 devices, hot/cold, 5000 writes/s each\n"
"    iodirty-lab -M vtd -t 250 -q     # VT-d, harvest every 250 ms, no lines\n"
"    iodirty-lab --dirty-rate --calc-time 2 -P random -r 5000\n"
"                                     # one 2 s estimate, 512 pages/GiB\n"
"    iodirty-lab --dirty-rate --sample-pages 16384 --calc-time 500ms -d 10 -j\n"
"                                     # NDJSON, a round every ~0.5 s for 10 s\n";

enum { OPT_PAGE_SIZE = 0x100, OPT_HOT_PCT, OPT_THP, OPT_DIRTY_RATE, OPT_SAMPLE_PAGES,
       OPT_CALC_TIME, OPT_TEST_CLEARING };

static const struct argp_option opts[] = {
	{ "mem", 'm', "SIZE", 0, "memory mapped, K/M/G suffix (default 64M, max 1G)", 0 },
	{ "devices", 'n', "N", 0, "emulated devices, one HWPT each (default 1, max 16)", 0 },
	{ "model", 'M', "MODEL", 0, "mock, amd, vtd or arm (default amd)", 0 },
	{ "pattern", 'P', "PATTERN", 0, "seq, random, zipf or nic (default seq)", 0 },
	{ "rate", 'r', "WRITES/s", 0, "DMA writes per second per device, one page "
	  "each; 0 = as fast as possible (default 1000)", 0 },
	{ "period", 't', "MS", 0, "harvest period, 10..60000 ms (default 1000)", 0 },
	{ "duration", 'd', "SECONDS", 0, "stop after this long (default: at SIGINT/SIGTERM)", 0 },
	{ "seed", 's', "SEED", 0, "workload PRNG seed (device i uses SEED + i; default 1)", 0 },
	{ "page-size", OPT_PAGE_SIZE, "SIZE", 0, "bitmap granule of the harvest (default 4K)", 0 },
	{ "hot-pct", OPT_HOT_PCT, "PCT", 0, "zipf: share of writes to the hot 1/8 (default 90)", 0 },
	{ "thp", OPT_THP, NULL, 0, "let the buffer use transparent huge pages: the IOMMU then "
	  "maps (and reports dirty) whole 2 MiB leaves (default: 4 KiB leaves)", 0 },
	{ "quiet", 'q', NULL, 0, "no per-period lines, only the start and total lines", 0 },
	{ "dirty-rate", OPT_DIRTY_RATE, NULL, 0, "measure the dirty rate by page sampling "
	  "and against the exact harvest, instead of the harvest periods", 0 },
	{ "sample-pages", OPT_SAMPLE_PAGES, "N", 0, "--dirty-rate: pages sampled per GiB "
	  "(default 512; at least one sample, at most every page)", 0 },
	{ "calc-time", OPT_CALC_TIME, "TIME", 0, "--dirty-rate: period of one estimate, "
	  "seconds or with an ms/s suffix, 50ms..60s (default 1s)", 0 },
	{ "json", 'j', NULL, 0, "--dirty-rate: NDJSON, one object per line", 0 },
	{ "test-clearing-get", OPT_TEST_CLEARING, NULL, OPTION_HIDDEN,
	  "tests only: the estimate's dirty-state reads clear", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

/* "2", "2s" or "500ms" into ms; false if it is not such a number */
static bool parse_calc_time(const char *arg, unsigned long long *ms)
{
	unsigned long long v;
	char *end = NULL;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *arg == '-' || v > 1000000)
		return false;
	if (!*end || !strcmp(end, "s"))
		*ms = v * 1000;
	else if (!strcmp(end, "ms"))
		*ms = v;
	else
		return false;
	return true;
}

/* options that belong to one mode, and the sample count for this memory */
static error_t check_modes(struct argp_state *state)
{
	char why[256];
	__u64 n;

	if (!env.dirty_rate) {
		if (env.sample_set || env.calc_set || env.json || env.test_clearing)
			argp_error(state, "--sample-pages, --calc-time and -j need --dirty-rate");
		return 0;
	}
	if (env.period_set)
		argp_error(state, "--period does not apply with --dirty-rate (use --calc-time)");
	if (iodirty_dr_count(env.mem, env.page_size, env.sample_pages, &n, why, sizeof(why)))
		argp_error(state, "--sample-pages %llu with --mem %llu KiB: %s", env.sample_pages,
			   env.mem >> 10, why);
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	unsigned long long v = 0;
	char *end = NULL;

	switch (key) {
	case 'q': env.quiet = true; return 0;
	case OPT_THP: env.thp = true; return 0;
	case OPT_DIRTY_RATE: env.dirty_rate = true; return 0;
	case 'j': env.json = true; return 0;
	case OPT_TEST_CLEARING: env.test_clearing = true; return 0;
	case OPT_CALC_TIME:
		if (!parse_calc_time(arg, &v))
			argp_error(state, "invalid --calc-time '%s' (seconds, or with an ms/s suffix)",
				   arg);
		if (v < IODIRTY_DR_MIN_CALC_MS || v > IODIRTY_DR_MAX_CALC_MS)
			argp_error(state, "--calc-time must be %d ms..%d s (got %llu ms)",
				   IODIRTY_DR_MIN_CALC_MS, IODIRTY_DR_MAX_CALC_MS / 1000, v);
		env.calc_ms = v;
		env.calc_set = true;
		return 0;
	case ARGP_KEY_END:
		return check_modes(state);
	case 'h': argp_state_help(state, stderr, ARGP_HELP_STD_HELP); return 0;
	case 'M':
		env.model = iodirty_model_parse(arg);
		if (env.model < 0)
			argp_error(state, "unknown model '%s' (mock, amd, vtd, arm)", arg);
		return 0;
	case 'P':
		env.pattern = iodirty_pattern_parse(arg);
		if (env.pattern < 0)
			argp_error(state, "unknown pattern '%s' (seq, random, zipf, nic)", arg);
		return 0;
	case 'm':
		env.mem = iodirty_parse_size(arg);
		if (!env.mem || env.mem > LAB_MAX_MEM || env.mem % 4096)
			argp_error(state, "invalid memory size '%s' (4K multiple, up to 1G)", arg);
		return 0;
	case OPT_PAGE_SIZE:
		env.page_size = iodirty_parse_size(arg);
		if (!env.page_size || env.page_size & (env.page_size - 1) ||
		    env.page_size < 2048 || env.page_size > (1 << 30))
			argp_error(state, "invalid page size '%s' (power of two, 2K..1G)", arg);
		return 0;
	case 'n': case 'r': case 't': case 'd': case 's': case OPT_HOT_PCT:
	case OPT_SAMPLE_PAGES:
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (errno || !*arg || *end || *arg == '-')
			argp_error(state, "invalid number '%s' for --%s", arg,
				   key == 'n' ? "devices" : key == 'r' ? "rate" :
				   key == 't' ? "period" : key == 'd' ? "duration" :
				   key == 's' ? "seed" : key == OPT_HOT_PCT ? "hot-pct" :
				   "sample-pages");
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	switch (key) {
	case 'n':
		if (!v || v > LAB_MAX_DEVICES)
			argp_error(state, "--devices must be 1..%d", LAB_MAX_DEVICES);
		env.devices = v;
		break;
	case 'r':
		if (v > 10000000)
			argp_error(state, "--rate must be at most 10000000");
		env.rate = v;
		break;
	case 't':
		if (v < 10 || v > 60000)
			argp_error(state, "--period must be 10..60000 ms");
		env.period_ms = v;
		env.period_set = true;
		break;
	case 'd':
		if (v > 86400)
			argp_error(state, "--duration must be at most 86400 s");
		env.duration_s = v;
		break;
	case 's': env.seed = v; break;
	case OPT_HOT_PCT:
		if (!v || v > 100)
			argp_error(state, "--hot-pct must be 1..100");
		env.hot_pct = v;
		break;
	case OPT_SAMPLE_PAGES:
		if (!v)
			argp_error(state, "--sample-pages must be at least 1 (pages per GiB)");
		env.sample_pages = v;
		env.sample_set = true;
		break;
	}
	return 0;
}

volatile sig_atomic_t exiting;
static void sig_handler(int sig) { exiting = 1; }

struct lab lab = { .fd = -1 };

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int fail(const char *what, int err)
{
	fprintf(stderr, "iodirty-lab: %s: %s\n", what, iodirty_strerror(err));
	return err;
}

__u64 popcount(const unsigned char *bm, __u64 bytes)
{
	__u64 i, n = 0;

	for (i = 0; i < bytes; i++)
		n += __builtin_popcount(bm[i]);
	return n;
}

/* The global domain ID, from a counters-only NO_CLEAR harvest of one page. */
static int domain_id(struct lab_dev *d)
{
	struct iodirty_harvest h = {
		.hwpt_id = d->hwpt, .flags = IODIRTY_HARVEST_NO_CLEAR,
		.iova = LAB_IOVA, .length = env.page_size,
		.page_size = env.page_size,
	};
	int err;

	d->probe_start = mono_ns();
	err = iodirty_harvest(lab.fd, &h);
	d->probe_end = mono_ns();
	d->domain = h.out_domain_id;
	return err;
}

static int setup(void)
{
	__u64 slice = env.mem / env.devices / 4096 * 4096;
	unsigned int i;
	int err;

	if (!slice)
		return fail("memory too small for that many devices", -EINVAL);
	lab.fd = iodirty_open();
	if (lab.fd < 0)
		return fail("open " IODIRTY_DEV_PATH " (is iodirty.ko loaded?)", lab.fd);
	lab.buf = mmap(NULL, env.mem, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lab.buf == MAP_FAILED) {
		lab.buf = NULL;
		return fail("mmap", -errno);
	}
	/*
	 * A THP-backed buffer is mapped with 2 MiB leaves and one write
	 * dirties 512 pages of the bitmap; 4 KiB pages make "dirty" count
	 * the pages written.  Advice first, then fault the pages in.
	 */
	if (!env.thp && madvise(lab.buf, env.mem, MADV_NOHUGEPAGE))
		return fail("madvise(MADV_NOHUGEPAGE)", -errno);
	memset(lab.buf, 0, env.mem);
	lab.bitmap_bytes = (env.mem / env.page_size + 63) / 64 * 8;
	lab.bitmap = calloc(1, lab.bitmap_bytes);
	if (!lab.bitmap)
		return fail("bitmap", -ENOMEM);
	err = iodirty_ioas_alloc(lab.fd, &lab.ioas);
	if (err)
		return fail("IOAS_ALLOC", err);
	err = iodirty_ioas_map(lab.fd, lab.ioas, lab.buf, env.mem, LAB_IOVA);
	if (err)
		return fail("IOAS_MAP (RLIMIT_MEMLOCK?)", err);
	lab.mapped = true;
	for (i = 0; i < env.devices; i++) {
		struct lab_dev *d = &lab.d[i];

		lab.nr = i + 1;
		d->slice_iova = LAB_IOVA + i * slice;
		d->slice_len = slice;
		err = iodirty_device_create(lab.fd, env.model,
					    IODIRTY_DEVICE_DIRTY_TRACKING, 0, &d->dev);
		if (err)
			return fail("DEVICE_CREATE (module loaded with lab=1? CAP_SYS_ADMIN?)", err);
		err = iodirty_hwpt_alloc(lab.fd, d->dev, lab.ioas,
					 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &d->hwpt);
		if (err)
			return fail("HWPT_ALLOC", err);
		err = iodirty_device_attach(lab.fd, d->dev, d->hwpt, NULL);
		if (err)
			return fail("DEVICE_ATTACH", err);
		d->attached = true;
		err = iodirty_set_dirty_tracking(lab.fd, d->hwpt, true);
		if (err)
			return fail("SET_DIRTY_TRACKING", err);
		d->tracking = true;
		err = domain_id(d);
		if (err)
			return fail("HARVEST (domain ID)", err);
	}
	/* start the devices only once every domain tracks */
	for (i = 0; i < lab.nr; i++) {
		struct lab_dev *d = &lab.d[i];
		struct iodirty_workload w = {
			.size = sizeof(w), .op = IODIRTY_WORKLOAD_START,
			.dev_id = d->dev, .pattern = env.pattern,
			.iova = d->slice_iova, .length = d->slice_len,
			.rate = env.rate, .seed = env.seed + i,
			.hot_pct = env.hot_pct,
		};

		err = iodirty_workload(lab.fd, &w);
		if (err)
			return fail("WORKLOAD START", err);
		d->running = true;
	}
	return 0;
}

/* One GET_DIRTY_BITMAP of all memory per HWPT, and its line. */
static int harvest_all(double t0, bool last)
{
	unsigned int i;
	int err;

	lab.periods++;
	for (i = 0; i < lab.nr; i++) {
		struct lab_dev *d = &lab.d[i];
		struct iodirty_workload w = { .size = sizeof(w),
			.op = IODIRTY_WORKLOAD_STATUS, .dev_id = d->dev };
		__u64 dirty, writes;
		unsigned long long m0, m1;
		double g0, g1;

		/* writes first: a write after this point shows up next period */
		if (d->running) {
			err = iodirty_workload(lab.fd, &w);
			if (err)
				return fail("WORKLOAD STATUS", err);
			writes = w.out_writes - d->writes_seen;
			d->writes_seen = w.out_writes;
		} else {
			writes = 0;
		}
		memset(lab.bitmap, 0, lab.bitmap_bytes);
		g0 = now_s();
		m0 = mono_ns();
		err = iodirty_get_dirty_bitmap(lab.fd, d->hwpt, LAB_IOVA, env.mem,
					       env.page_size, lab.bitmap, 0);
		m1 = mono_ns();
		g1 = now_s();
		if (err)
			return fail("GET_DIRTY_BITMAP", err);
		dirty = popcount(lab.bitmap, lab.bitmap_bytes);
		d->dirty_total += dirty;
		d->writes_total += writes;
		d->harvests++;
		if (!env.quiet && !env.dirty_rate)
			printf("%9.3f period=%llu domain=%u dirty=%llu writes=%llu get_us=%.0f "
			       "start_ns=%llu end_ns=%llu%s\n",
			       g1 - t0, lab.periods, d->domain,
			       (unsigned long long)dirty, (unsigned long long)writes,
			       (g1 - g0) * 1e6, m0, m1, last ? " last" : "");
	}
	fflush(stdout);
	return 0;
}

/* Undo setup() in reverse; every step is attempted, the first error kept. */
static int teardown(void)
{
	int err, ret = 0;
	unsigned int i;

	for (i = 0; i < lab.nr; i++) {
		struct lab_dev *d = &lab.d[i];
		struct iodirty_workload w;

		if (d->running) {
			err = iodirty_workload_stop(lab.fd, d->dev, &w);
			if (err && !ret)
				ret = fail("WORKLOAD STOP", err);
			if (!err) {
				d->writes_total += w.out_writes - d->writes_seen;
				d->writes_seen = w.out_writes;
			}
			d->running = false;
		}
	}
	for (i = 0; i < lab.nr; i++) {
		struct lab_dev *d = &lab.d[i];

		if (d->tracking &&
		    (err = iodirty_set_dirty_tracking(lab.fd, d->hwpt, false)) && !ret)
			ret = fail("SET_DIRTY_TRACKING off", err);
		if (d->attached &&
		    (err = iodirty_device_attach(lab.fd, d->dev, 0, NULL)) && !ret)
			ret = fail("DEVICE_ATTACH (detach)", err);
		if (d->hwpt && (err = iodirty_destroy(lab.fd, d->hwpt)) && !ret)
			ret = fail("DESTROY hwpt", err);
		if (d->dev && (err = iodirty_destroy(lab.fd, d->dev)) && !ret)
			ret = fail("DESTROY device", err);
	}
	if (lab.mapped &&
	    (err = iodirty_ioas_unmap(lab.fd, lab.ioas, LAB_IOVA, env.mem)) && !ret)
		ret = fail("IOAS_UNMAP", err);
	if (lab.ioas && (err = iodirty_destroy(lab.fd, lab.ioas)) && !ret)
		ret = fail("DESTROY ioas", err);
	if (lab.fd >= 0)
		close(lab.fd);
	if (lab.buf)
		munmap(lab.buf, env.mem);
	free(lab.bitmap);
	free(lab.any);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg,
					  .doc = argp_program_doc };
	struct sigaction sa = { .sa_handler = sig_handler };
	struct timespec next;
	unsigned int i;
	double t0;
	int err, ret;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return 1;
	/* no SA_RESTART: the sleep between periods ends at the signal */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = setup();
	if (!err && env.json) {
		__u64 n = 0;

		iodirty_dr_count(env.mem, env.page_size, env.sample_pages, &n, NULL, 0);
		printf("{\"type\":\"start\",\"pid\":%d,\"mem_bytes\":%llu,\"iova\":%llu,"
		       "\"devices\":%u,\"model\":\"%s\",\"pattern\":\"%s\",\"rate\":%llu,"
		       "\"page_size\":%llu,\"sample_pages\":%llu,\"samples\":%llu,"
		       "\"calc_time_ms\":%u,\"domains\":[", getpid(), env.mem, LAB_IOVA,
		       env.devices, iodirty_model_name(env.model),
		       iodirty_pattern_name(env.pattern), env.rate, env.page_size,
		       env.sample_pages, (unsigned long long)n, env.calc_ms);
		for (i = 0; i < lab.nr; i++)
			printf("%s%u", i ? "," : "", lab.d[i].domain);
		printf("]}\n");
		fflush(stdout);
	} else if (!err) {
		printf("iodirty-lab: pid %d, %llu MiB at iova 0x%llx, %u x %s, pattern %s, "
		       "%llu writes/s each, period %u ms, page size %llu, domains",
		       getpid(), env.mem >> 20, LAB_IOVA, env.devices,
		       iodirty_model_name(env.model), iodirty_pattern_name(env.pattern),
		       env.rate, env.period_ms, env.page_size);
		for (i = 0; i < lab.nr; i++)
			printf("%c%u", i ? ',' : ' ', lab.d[i].domain);
		if (env.dirty_rate)	/* the period above does not apply */
			printf("; dirty rate: %llu sample pages per GiB, calc-time %u ms",
			       env.sample_pages, env.calc_ms);
		printf("\n");
		/* the domain-ID harvests, in the format of the period lines */
		for (i = 0; i < lab.nr && !env.quiet && !env.dirty_rate; i++)
			printf("%9.3f period=0 domain=%u dirty=0 writes=0 get_us=%.0f "
			       "start_ns=%llu end_ns=%llu probe\n", 0.0, lab.d[i].domain,
			       (lab.d[i].probe_end - lab.d[i].probe_start) / 1e3,
			       lab.d[i].probe_start, lab.d[i].probe_end);
		fflush(stdout);
	}
	t0 = now_s();
	clock_gettime(CLOCK_MONOTONIC, &next);
	if (!err && env.dirty_rate)
		err = dirty_rate_run(t0);
	while (!err && !exiting && !env.dirty_rate) {
		next.tv_nsec += (long)env.period_ms * 1000000;
		next.tv_sec += next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		while (!exiting &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		if (exiting)
			break;
		err = harvest_all(t0, false);
		if (env.duration_s && now_s() - t0 >= env.duration_s)
			break;
	}
	/* the migration's last sync: stop the devices, harvest what is left */
	if (lab.nr && lab.d[lab.nr - 1].running) {
		for (i = 0; i < lab.nr; i++) {
			struct lab_dev *d = &lab.d[i];
			struct iodirty_workload w;
			int e = iodirty_workload_stop(lab.fd, d->dev, &w);

			if (e) {
				err = err ?: fail("WORKLOAD STOP", e);
				continue;
			}
			d->running = false;
			d->writes_total += w.out_writes - d->writes_seen;
			d->writes_seen = w.out_writes;
		}
		if (!err)
			err = harvest_all(t0, true);
	}
	for (i = 0; i < lab.nr && !err && env.json; i++)
		printf("{\"type\":\"total\",\"domain\":%u,\"harvests\":%llu,\"dirty\":%llu,"
		       "\"writes\":%llu,\"seconds\":%.3f}\n", lab.d[i].domain,
		       (unsigned long long)lab.d[i].harvests,
		       (unsigned long long)lab.d[i].dirty_total,
		       (unsigned long long)lab.d[i].writes_total, now_s() - t0);
	for (i = 0; i < lab.nr && !err && !env.json; i++)
		printf("total domain=%u harvests=%llu dirty=%llu writes=%llu seconds=%.3f\n",
		       lab.d[i].domain, (unsigned long long)lab.d[i].harvests,
		       (unsigned long long)lab.d[i].dirty_total,
		       (unsigned long long)lab.d[i].writes_total, now_s() - t0);
	ret = teardown();
	return err || ret ? 1 : 0;
}
