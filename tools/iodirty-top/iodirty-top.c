// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-top - per-HWPT dirty rates, harvest latency and IOTLB cost, live.
 *
 * Sources, chosen at start by probing the kernel's BTF (top_source.c):
 * iodirty.ko's tracepoints (tp_btf on iodirty_harvest_begin/end,
 * iodirty_dirty_run, iodirty_flush), or a stock kernel's iommufd (fentry/
 * fexit on iommufd_hwpt_get_dirty_bitmap and friends, top_iommufd.bpf.h).
 * Programs are attached only while the tool runs; with nothing attached
 * the tracepoints are static-key no-ops and the functions untouched.
 * Counters are drained every interval (generation flip, iodirty-top.h)
 * unless -C.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "parse_size.h"
#include "bpf_print.h"
#include "iodirty_record.h"
#include "iodirty-top.h"
#include "top_print.h"
#include "top_source.h"
#include "iodirty-top.skel.h"

#define MiB (1024.0 * 1024.0)

enum sort_key { SORT_DIRTY, SORT_HARVESTS, SORT_P99, SORT_INV, SORT_CLEARED, SORT_HWPT };
static const char *const sort_names[] = {
	[SORT_DIRTY] = "dirty", [SORT_HARVESTS] = "harvests", [SORT_P99] = "p99",
	[SORT_INV] = "inv", [SORT_CLEARED] = "cleared", [SORT_HWPT] = "hwpt",
};

static struct env {
	bool verbose, json, hist, noclear, timestamp;
	unsigned int ranges;
	unsigned long long granule;
	int sort;
	unsigned int rows;
	int pid;
	unsigned long long hwpt;
	const char *record;
	unsigned long long ring_size;
	int source;
	bool break_runs;	/* IODIRTY_TOP_BREAK_RUNS=1: tests' negative control */
	long interval;
	long count;
} env = { .granule = 2 << 20, .rows = 20, .interval = 1, .count = 99999999,
	  .ring_size = 4 << 20 };

const char *argp_program_version = "iodirty-top 0.1";
const char argp_program_doc[] =
"Show per-HWPT dirty-page rates, harvest latency and IOTLB invalidations.\n"
"\n"
"USAGE: iodirty-top [OPTIONS] [interval [count]]\n"
"\n"
"One row per HWPT (domain) with the process that harvests it; a header\n"
"line with totals.  Source (--source, default auto: probed): iodirty.ko's\n"
"tracepoints (module BTF), or a stock kernel's iommufd (>= 6.7, fentry;\n"
"rows are the HWPTs of each open /dev/iommu, CTX:HWPT).\n"
"MB = 2^20 bytes; pages are the harvest's bitmap granule.\n"
"\n"
"EXAMPLES:\n"
"    iodirty-top              # every second, until Ctrl-C\n"
"    iodirty-top 5 10         # every 5 s, 10 times\n"
"    iodirty-top -H -R 8      # latency histogram, 8 hottest 2 MiB ranges\n"
"    iodirty-top -R 4 -g 64K  # hottest ranges at 64 KiB granule\n"
"    iodirty-top -j 1 5       # NDJSON, one object per interval\n"
"    iodirty-top -p 1234      # only harvests by PID 1234\n"
"    iodirty-top --hwpt 3 --record rec.bin  # one domain, record its runs\n"
"    iodirty-top --source iommufd -v  # the kernel's own iommufd\n";

enum { OPT_HWPT = 0x100, OPT_RECORD, OPT_RING_SIZE, OPT_SOURCE };

static const struct argp_option opts[] = {
	{ "json", 'j', NULL, 0, "NDJSON output: one object per interval", 0 },
	{ "hist", 'H', NULL, 0, "print the harvest-latency log2 histogram", 0 },
	{ "ranges", 'R', "N", 0, "print the N hottest IOVA ranges", 0 },
	{ "granule", 'g', "SIZE", 0, "range size for -R, a power of two (default 2M)", 0 },
	{ "sort", 's', "KEY", 0, "sort rows by dirty (default), harvests, p99, inv, cleared, hwpt", 0 },
	{ "rows", 'r', "ROWS", 0, "at most ROWS rows (default 20)", 0 },
	{ "noclear", 'C', NULL, 0, "do not clear counters (or the screen): totals since start", 0 },
	{ "pid", 'p', "PID", 0, "only harvests made by process PID", 0 },
	{ "hwpt", OPT_HWPT, "ID", 0, "only the HWPT with this domain ID", 0 },
	{ "timestamp", 'T', NULL, 0, "print a timestamp on each header line", 0 },
	{ "record", OPT_RECORD, "FILE", 0, "write every dirty run and harvest end to FILE "
	  "(iodirty recording format v1)", 0 },
	{ "ring-size", OPT_RING_SIZE, "SIZE", 0, "--record ring buffer, a power of two >= 4K "
	  "(default 4M); a full ring drops events (counted)", 0 },
	{ "source", OPT_SOURCE, "SRC", 0, "auto (default: iodirty if its module is loaded, "
	  "else iommufd), iodirty, iommufd", 0 },
	{ "verbose", 'v', NULL, 0, "print the probed source and libbpf debug output", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static long parse_long(const char *arg, struct argp_state *state, const char *what,
		       long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || !*arg || *end || v < min)
		argp_error(state, "invalid %s '%s'", what, arg);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	static int pos_args;
	unsigned long long v;
	unsigned int i;

	switch (key) {
	case 'j': env.json = true; break;
	case 'H': env.hist = true; break;
	case 'C': env.noclear = true; break;
	case 'T': env.timestamp = true; break;
	case 'v': env.verbose = true; break;
	case 'h': argp_state_help(state, stderr, ARGP_HELP_STD_HELP); break;
	case 'R': env.ranges = parse_long(arg, state, "range count", 1); break;
	case 'r': env.rows = parse_long(arg, state, "row count", 1); break;
	case 'p': env.pid = parse_long(arg, state, "PID", 1); break;
	case OPT_HWPT: env.hwpt = parse_long(arg, state, "HWPT ID", 1);
		if (env.hwpt > 0xffffffffULL)
			argp_error(state, "invalid HWPT ID %s", arg);
		break;
	case OPT_RECORD: env.record = arg; break;
	case OPT_SOURCE:
		env.source = top_src_parse(arg);
		if (env.source < 0)
			argp_error(state, "unknown source '%s' (auto, iodirty, iommufd)", arg);
		break;
	case 'g':
		v = iodirty_parse_size(arg);
		if (!v || v & (v - 1) || v < 4096 || v > (1ULL << 40))
			argp_error(state, "invalid granule '%s' (power of two, 4K..1T)", arg);
		env.granule = v;
		break;
	case OPT_RING_SIZE:
		v = iodirty_parse_size(arg);
		if (!v || v & (v - 1) || v < 4096 || v > (1ULL << 30))
			argp_error(state, "invalid ring size '%s' (power of two, 4K..1G)", arg);
		env.ring_size = v;
		break;
	case 's':
		for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
			if (!strcmp(arg, sort_names[i]))
				break;
		if (i == sizeof(sort_names) / sizeof(sort_names[0]))
			argp_error(state, "unknown sort key '%s' (dirty, harvests, p99, inv, cleared, hwpt)", arg);
		env.sort = i;
		break;
	case ARGP_KEY_ARG:
		if (pos_args == 0)
			env.interval = parse_long(arg, state, "interval", 1);
		else if (pos_args == 1)
			env.count = parse_long(arg, state, "count", 1);
		else
			argp_error(state, "unexpected argument '%s'", arg);
		pos_args++;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static volatile sig_atomic_t exiting;
static void sig_handler(int sig) { exiting = 1; }

struct row {
	__u64 hwpt, ctx;
	struct top_stats s;
};

struct range {
	__u64 hwpt, ctx, bucket;
	struct top_range_val v;
};

static enum top_src src;

/*
 * iommufd contexts (struct iommufd_ctx *: one per open /dev/iommu) are
 * shown as small numbers, 1, 2, ... in the order first seen (0: iodirty)
 */
#define MAX_CTX 256
static __u64 ctx_seen[MAX_CTX];
static unsigned int nr_ctx;

static unsigned int ctx_id(__u64 ctx)
{
	unsigned int i;

	if (!ctx)
		return 0;
	for (i = 0; i < nr_ctx; i++)
		if (ctx_seen[i] == ctx)
			return i + 1;
	if (nr_ctx == MAX_CTX)
		return MAX_CTX + 1;	/* "more": still a number, never a pointer */
	ctx_seen[nr_ctx++] = ctx;
	return nr_ctx;
}

static struct iodirty_top_bpf *obj;
static struct row rows[TOP_MAX_HWPTS];
static unsigned int nr_rows;
static struct range *rangev;
static unsigned int nr_ranges;
static bool warned_nomatch;

/* record state */
static struct iodirty_rec_writer *rec_w;
static __u64 rec_mono_start, rec_last, rec_records, rec_scans_skipped;
/* per generation: records written, not yet reported (JSON record.records) */
static __u64 rec_pending[2], rec_drops, rec_reported;
/* records the writer refused (counted, the first one's reason printed):
 * never a reason to stop recording the rest */
static __u64 rec_rejected;
static int rec_err;

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int on_event(void *ctx, void *data, size_t len)
{
	const struct top_event *e = data;
	struct iodirty_rec r = {};
	int err;

	if (len < sizeof(*e) || rec_err)
		return 0;
	/* a background scan has no range: nothing to record for its end */
	if (e->type == TOP_EV_HARVEST && !e->length) {
		rec_scans_skipped++;
		return 0;
	}
	/* events of different CPUs may be a few us out of order: clamp */
	r.time_ns = e->time_ns > rec_mono_start ? e->time_ns - rec_mono_start : 0;
	if (r.time_ns < rec_last)
		r.time_ns = rec_last;
	rec_last = r.time_ns;
	r.iova = e->iova;
	r.length = e->length;
	r.hwpt_id = e->hwpt;
	r.page_size = e->page_size;
	r.type = e->type == TOP_EV_DIRTY ? IODIRTY_REC_DIRTY : IODIRTY_REC_HARVEST;
	err = iodirty_rec_write(rec_w, &r);
	if (err == -EINVAL) {
		if (!rec_rejected++)
			fprintf(stderr, "iodirty-top: --record: refused a record (type %u hwpt %llu "
				"iova %#llx length %llu page size %llu): counted in record.rejected\n",
				r.type, (unsigned long long)e->hwpt, (unsigned long long)e->iova,
				(unsigned long long)e->length, (unsigned long long)e->page_size);
		return 0;
	}
	if (err) {
		fprintf(stderr, "iodirty-top: --record %s: %s\n", env.record, strerror(-err));
		rec_err = err;
		return 0;
	}
	rec_records++;
	rec_pending[e->gen & 1]++;
	return 0;
}

/*
 * Flip the generation and wait until no program still writes the old one.
 * *at is when the flip happened: the interval's end (CLOCK_MONOTONIC).
 */
static __u32 flip_gen(__u64 *at)
{
	__u32 old = __atomic_load_n(&obj->bss->cur_gen, __ATOMIC_SEQ_CST) & 1;
	int i;

	__atomic_store_n(&obj->bss->cur_gen, old ^ 1, __ATOMIC_SEQ_CST);
	*at = mono_ns();
	for (i = 0; i < 1000 && __atomic_load_n(&obj->bss->inflight[old], __ATOMIC_SEQ_CST); i++)
		usleep(100);
	return old;
}

/* Read (and unless -C delete) every HWPT row and range of generation @gen. */
static int drain(__u32 gen)
{
	int sfd = bpf_map__fd(obj->maps.stats), rfd = bpf_map__fd(obj->maps.ranges);
	struct top_key k, next, *prev = NULL;
	struct top_range_key rk, rnext, *rprev = NULL;
	static struct top_key dk[2 * TOP_MAX_HWPTS];
	static struct top_range_key drk[2 * TOP_MAX_RANGES];
	unsigned int ndk = 0, ndrk = 0, i;

	nr_rows = 0;
	while (!bpf_map_get_next_key(sfd, prev, &next)) {
		k = next;
		prev = &k;
		if (k.gen != gen)
			continue;
		if (nr_rows < TOP_MAX_HWPTS &&
		    !bpf_map_lookup_elem(sfd, &k, &rows[nr_rows].s)) {
			rows[nr_rows].hwpt = k.hwpt;
			rows[nr_rows].ctx = ctx_id(k.ctx);
			nr_rows++;
		}
		dk[ndk++] = k;
	}
	nr_ranges = 0;
	while (env.ranges && !bpf_map_get_next_key(rfd, rprev, &rnext)) {
		rk = rnext;
		rprev = &rk;
		if (rk.gen != gen)
			continue;
		if (nr_ranges < 2 * TOP_MAX_RANGES &&
		    !bpf_map_lookup_elem(rfd, &rk, &rangev[nr_ranges].v)) {
			rangev[nr_ranges].hwpt = rk.hwpt;
			rangev[nr_ranges].ctx = ctx_id(rk.ctx);
			rangev[nr_ranges].bucket = rk.bucket;
			nr_ranges++;
		}
		drk[ndrk++] = rk;
	}
	if (env.noclear)
		return 0;
	for (i = 0; i < ndk; i++)
		bpf_map_delete_elem(sfd, &dk[i]);
	for (i = 0; i < ndrk; i++)
		bpf_map_delete_elem(rfd, &drk[i]);
	return 0;
}

/* upper bound (us) of the log2 bucket holding percentile @pct */
static __u64 hist_pct(const __u32 *h, double pct)
{
	__u64 total = 0, cum = 0;
	int i;

	for (i = 0; i < TOP_MAX_SLOTS; i++)
		total += h[i];
	if (!total)
		return 0;
	for (i = 0; i < TOP_MAX_SLOTS; i++) {
		cum += h[i];
		if (cum >= pct * total)
			break;
	}
	return (1ULL << (i + 1)) - 1;
}

static double g_secs;
static __u64 mono_end;	/* CLOCK_MONOTONIC at the end of the interval */

static double sort_val(const struct row *r)
{
	switch (env.sort) {
	case SORT_HARVESTS: return r->s.harvests;
	case SORT_P99: return hist_pct(r->s.hist, 0.99);
	case SORT_INV: return r->s.inv;
	case SORT_CLEARED: return r->s.cleared;
	case SORT_HWPT: return -(double)(r->ctx << 32 | r->hwpt);
	default: return r->s.dirty_pages;
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *ra = a, *rb = b;
	double x = sort_val(a), y = sort_val(b);

	if (x != y)
		return x < y ? 1 : -1;
	if (ra->ctx != rb->ctx)
		return ra->ctx < rb->ctx ? -1 : 1;
	return ra->hwpt < rb->hwpt ? -1 : 1;
}

static int cmp_ranges(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->v.bytes != y->v.bytes)
		return x->v.bytes < y->v.bytes ? 1 : -1;
	if (x->ctx != y->ctx)
		return x->ctx < y->ctx ? -1 : 1;
	if (x->hwpt != y->hwpt)
		return x->hwpt < y->hwpt ? -1 : 1;
	return x->bucket < y->bucket ? -1 : 1;
}

/* HWPT column: the domain ID, or CTX:HWPT for iommufd (static buffer) */
static const char *row_name(__u64 hwpt, __u64 ctx)
{
	static char buf[4][32];
	static unsigned int k;
	char *b = buf[k++ & 3];

	if (ctx)
		snprintf(b, sizeof(buf[0]), "%llu:%llu", (unsigned long long)ctx,
			 (unsigned long long)hwpt);
	else
		snprintf(b, sizeof(buf[0]), "%llu", (unsigned long long)hwpt);
	return b;
}

struct totals {
	__u64 dirty_pages, dirty_bytes, harvests, inv, inv_bytes;
	__u32 hist[TOP_MAX_SLOTS];
};

/*
 * Clear the screen between intervals only on a terminal that can do it:
 * stdout a tty and TERM set to something other than "dumb" (a serial line
 * read into a log, as in the test guest, is a tty with TERM=dumb).
 */
static bool screen_can_clear(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb");
}

static void print_interval(double secs, const char *tbuf, __u64 realtime_ns)
{
	struct totals t = {};
	unsigned int i, j, n = nr_rows < env.rows ? nr_rows : env.rows;
	__u64 shift = __builtin_ctzll(env.granule);
	struct iodirty_top_bpf__bss *b = obj->bss;

	g_secs = secs;
	for (i = 0; i < nr_rows; i++) {
		t.dirty_pages += rows[i].s.dirty_pages;
		t.dirty_bytes += rows[i].s.dirty_bytes;
		t.harvests += rows[i].s.harvests;
		t.inv += rows[i].s.inv;
		t.inv_bytes += rows[i].s.inv_bytes;
		for (j = 0; j < TOP_MAX_SLOTS; j++)
			t.hist[j] += rows[i].s.hist[j];
	}
	qsort(rows, nr_rows, sizeof(rows[0]), cmp_rows);
	qsort(rangev, nr_ranges, sizeof(rangev[0]), cmp_ranges);
	if (nr_ranges > env.ranges)
		nr_ranges = env.ranges;

	if (env.json) {
		printf("{\"type\":\"interval\",\"time\":\"%s\",\"ts_ns\":%llu,"
		       "\"mono_ns\":%llu,\"interval_s\":%.6f,\"cumulative\":%s,"
		       "\"source\":\"%s\",",
		       tbuf, (unsigned long long)realtime_ns, (unsigned long long)mono_end, secs,
		       env.noclear ? "true" : "false", top_src_name(src));
		printf("\"totals\":{\"hwpts\":%u,\"dirty_pages\":%llu,\"dirty_bytes\":%llu,"
		       "\"dirty_pages_s\":%.3f,\"dirty_mb_s\":%.6f,\"harvests\":%llu,"
		       "\"harvests_s\":%.3f,\"inv\":%llu,\"inv_bytes\":%llu},",
		       nr_rows, (unsigned long long)t.dirty_pages,
		       (unsigned long long)t.dirty_bytes, t.dirty_pages / secs,
		       t.dirty_bytes / MiB / secs, (unsigned long long)t.harvests,
		       t.harvests / secs, (unsigned long long)t.inv,
		       (unsigned long long)t.inv_bytes);
		printf("\"drops\":{\"hwpt\":%llu,\"range\":%llu,\"ring\":%llu,\"thread\":%llu,"
		       "\"ranges_truncated\":%llu,\"runs_unlabelled\":%llu},",
		       b->drops_hwpt, b->drops_range, rec_drops, b->drops_thread,
		       b->ranges_truncated, b->runs_unlabelled);
		printf("\"record\":{\"records\":%llu,\"rejected\":%llu},",
		       (unsigned long long)rec_reported, (unsigned long long)rec_rejected);
		printf("\"hwpts\":[");
		for (i = 0; i < n; i++) {
			const struct row *r = &rows[i];

			printf("%s{\"hwpt\":%llu,\"ctx\":%llu,\"pid\":%u,\"comm\":", i ? "," : "",
			       (unsigned long long)r->hwpt, (unsigned long long)r->ctx, r->s.pid);
			json_str(r->s.comm, sizeof(r->s.comm));
			printf(",\"dirty_pages\":%llu,\"dirty_bytes\":%llu,\"dirty_pages_s\":%.3f,"
			       "\"dirty_mb_s\":%.6f,\"harvests\":%llu,\"harvests_s\":%.3f,"
			       "\"scans\":%llu,\"errors\":%llu,\"lat_avg_us\":%.1f,"
			       "\"lat_p50_us\":%llu,\"lat_p99_us\":%llu,\"bitmap_bytes\":%llu,"
			       "\"cleared\":%llu,\"leaves\":%llu,\"runs\":%llu,\"inv\":%llu,"
			       "\"inv_domain\":%llu,\"inv_bytes\":%llu,\"walks\":%llu,"
			       "\"walk_bytes\":%llu,\"track_on\":%llu,\"track_off\":%llu,\"hist\":",
			       r->s.dirty_pages, r->s.dirty_bytes, r->s.dirty_pages / secs,
			       r->s.dirty_bytes / MiB / secs, r->s.harvests, r->s.harvests / secs,
			       r->s.scans, r->s.errors,
			       r->s.harvests ? r->s.lat_sum_ns / 1e3 / r->s.harvests : 0.0,
			       hist_pct(r->s.hist, 0.5), hist_pct(r->s.hist, 0.99),
			       r->s.bitmap_bytes, r->s.cleared, r->s.leaves, r->s.runs,
			       r->s.inv, r->s.inv_domain, r->s.inv_bytes, r->s.walks,
			       r->s.walk_bytes, r->s.track_on, r->s.track_off);
			json_hist(r->s.hist);
			printf("}");
		}
		printf("],\"hist\":");
		json_hist(t.hist);
		printf(",\"ranges\":[");
		for (i = 0; i < nr_ranges; i++)
			printf("%s{\"hwpt\":%llu,\"ctx\":%llu,\"iova\":%llu,\"end\":%llu,"
			       "\"bytes\":%llu,\"runs\":%llu}",
			       i ? "," : "", (unsigned long long)rangev[i].hwpt,
			       (unsigned long long)rangev[i].ctx,
			       (unsigned long long)(rangev[i].bucket << shift),
			       (unsigned long long)((rangev[i].bucket + 1) << shift),
			       (unsigned long long)rangev[i].v.bytes,
			       (unsigned long long)rangev[i].v.runs);
		printf("]}\n");
		fflush(stdout);
		return;
	}

	if (!env.noclear && screen_can_clear())
		printf("\033[H\033[2J");
	if (env.timestamp)
		printf("%s ", tbuf);
	printf("%s: %u HWPTs, %.0f dirty pages/s, %.2f MB/s, %.1f harvests/s, "
	       "%llu inv, drops %llu\n", top_src_name(src), nr_rows, t.dirty_pages / secs,
	       t.dirty_bytes / MiB / secs, t.harvests / secs, (unsigned long long)t.inv,
	       b->drops_hwpt + b->drops_range + rec_drops + b->drops_thread);
	printf("%6s %7s %-16s %10s %8s %7s %7s %7s %10s %9s %7s %9s\n", "HWPT", "PID",
	       "COMM", "PAGES/s", "MB/s", "HARV/s", "P50us", "P99us", "BITMAP_B",
	       "CLEARED", "INV", "INV_KiB");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("%6s %7u %-16.16s %10.0f %8.2f %7.1f %7llu %7llu %10llu %9llu %7llu %9llu\n",
		       row_name(r->hwpt, r->ctx), r->s.pid, r->s.comm,
		       r->s.dirty_pages / secs, r->s.dirty_bytes / MiB / secs,
		       r->s.harvests / secs, hist_pct(r->s.hist, 0.5),
		       hist_pct(r->s.hist, 0.99), r->s.bitmap_bytes, r->s.cleared,
		       r->s.inv, r->s.inv_bytes >> 10);
	}
	if (env.hist) {
		printf("\n");
		print_log2_hist(t.hist, TOP_MAX_SLOTS, "usecs");
	}
	if (env.ranges) {
		printf("\n%6s %18s %18s %10s %8s\n", "HWPT", "IOVA", "END", "KiB", "RUNS");
		for (i = 0; i < nr_ranges; i++)
			printf("%6s %#18llx %#18llx %10llu %8llu\n",
			       row_name(rangev[i].hwpt, rangev[i].ctx),
			       (unsigned long long)(rangev[i].bucket << shift),
			       (unsigned long long)((rangev[i].bucket + 1) << shift),
			       (unsigned long long)rangev[i].v.bytes >> 10,
			       (unsigned long long)rangev[i].v.runs);
	}
	printf("\n");
	fflush(stdout);
}

static int load_and_attach(void)
{
	int err;

	obj = iodirty_top_bpf__open();
	if (!obj) {
		err = -errno;
		fprintf(stderr, "iodirty-top: opening the BPF object: %s\n", strerror(-err));
		return err;
	}
	obj->rodata->targ_tgid = env.pid;
	obj->rodata->targ_hwpt = env.hwpt;
	obj->rodata->targ_ranges = env.ranges > 0;
	obj->rodata->targ_granule_shift = __builtin_ctzll(env.granule);
	obj->rodata->targ_record = env.record != NULL;
	obj->rodata->targ_break_runs = env.break_runs;
	err = bpf_map__set_max_entries(obj->maps.events, env.record ? env.ring_size : 4096);
	if (!err)
		err = top_prepare(obj->obj, src, env.verbose);
	if (!err)
		err = iodirty_top_bpf__load(obj);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			fprintf(stderr, "iodirty-top: loading BPF programs: %s: needs CAP_BPF and "
				"CAP_PERFMON (or CAP_SYS_ADMIN); run as root\n", strerror(-err));
		else
			fprintf(stderr, "iodirty-top: loading BPF programs: %s (-v shows libbpf's log)\n",
				strerror(-err));
		return err;
	}
	if (!obj->bss) {
		fprintf(stderr, "iodirty-top: the kernel cannot mmap BPF global data (needs >= 5.7)\n");
		return -EOPNOTSUPP;
	}
	return top_attach(obj->obj, src, env.verbose);
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg,
					  .doc = argp_program_doc };
	struct sigaction sa = { .sa_handler = sig_handler };
	struct ring_buffer *rb = NULL;
	__u64 start, last, deadline, now;
	long done = 0;
	int err;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return 1;
	iodirty_bpf_verbose = env.verbose;
	libbpf_set_print(iodirty_libbpf_print);
	if (env.pid && kill(env.pid, 0) && errno == ESRCH) {
		fprintf(stderr, "iodirty-top: -p %d: no such process\n", env.pid);
		return 1;
	}
	if (env.ranges) {
		rangev = calloc(2 * TOP_MAX_RANGES, sizeof(*rangev));
		if (!rangev) {
			fprintf(stderr, "iodirty-top: out of memory\n");
			return 1;
		}
	}
	env.break_runs = getenv("IODIRTY_TOP_BREAK_RUNS") &&
			 !strcmp(getenv("IODIRTY_TOP_BREAK_RUNS"), "1");
	err = top_probe(env.source, env.verbose, &src);
	if (!err)
		err = load_and_attach();
	if (!err && env.record) {
		char comment[48] = "iodirty-top";

		if (env.hwpt)
			snprintf(comment, sizeof(comment), "iodirty-top --hwpt %llu", env.hwpt);
		rec_mono_start = mono_ns();
		err = iodirty_rec_create(env.record, src == TOP_SRC_IOMMUFD ?
					 IODIRTY_REC_SRC_IOMMUFD : IODIRTY_REC_SRC_IODIRTY,
					 comment, &rec_w);
		if (err)
			fprintf(stderr, "iodirty-top: --record %s: %s\n", env.record, strerror(-err));
		if (!err) {
			rb = ring_buffer__new(bpf_map__fd(obj->maps.events), on_event, NULL, NULL);
			if (!rb) {
				err = -errno;
				fprintf(stderr, "iodirty-top: ring buffer: %s\n", strerror(-err));
			}
		}
	}
	if (err)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "Tracing %s harvests... Hit Ctrl-C to end.\n", top_src_name(src));

	start = last = mono_ns();
	deadline = start;
	/* at SIGINT/SIGTERM the interval under way is still reported */
	while (done < env.count) {
		char tbuf[16];
		struct timespec rt;
		struct tm tm;
		double secs;
		__u32 gen;

		/* a tick missed (the tool did not run for a while) is skipped, so
		 * no interval is near zero long: rates stay meaningful */
		deadline += env.interval * 1000000000ULL;
		now = mono_ns();
		if (deadline <= now)
			deadline = now + env.interval * 1000000000ULL;
		while (!exiting && (now = mono_ns()) < deadline) {
			__u64 left_ms = (deadline - now + 999999) / 1000000;

			if (rb) {
				err = ring_buffer__poll(rb, left_ms > 100 ? 100 : left_ms);
				if (err < 0 && err != -EINTR) {
					fprintf(stderr, "iodirty-top: ring buffer: %s\n", strerror(-err));
					goto out;
				}
				err = 0;
			} else {
				struct timespec ts = { left_ms / 1000, (left_ms % 1000) * 1000000 };

				nanosleep(&ts, NULL);
			}
		}
		if (env.noclear) {
			gen = 0;
			now = mono_ns();
		} else {
			gen = flip_gen(&now);
		}
		/*
		 * Every event of the old generation is in the ring now (programs
		 * submit before leaving it): consume, then account it.
		 */
		if (rb)
			ring_buffer__consume(rb);
		rec_reported += rec_pending[gen & 1];
		rec_pending[gen & 1] = 0;
		rec_drops += __atomic_exchange_n(&obj->bss->drops_ring[gen & 1], 0, __ATOMIC_SEQ_CST);
		drain(gen);
		secs = (env.noclear ? now - start : now - last) / 1e9;
		last = now;
		mono_end = now;
		clock_gettime(CLOCK_REALTIME, &rt);
		localtime_r(&rt.tv_sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
		print_interval(secs, tbuf, rt.tv_sec * 1000000000ULL + rt.tv_nsec);
		if (exiting)
			done = env.count;
		if (!nr_rows && (env.pid || env.hwpt) && !warned_nomatch) {
			if (env.pid)
				fprintf(stderr, "iodirty-top: no harvest by PID %d in this interval\n",
					env.pid);
			else
				fprintf(stderr, "iodirty-top: no harvest of HWPT %llu in this interval "
					"(no such domain, or it is not harvested)\n", env.hwpt);
			warned_nomatch = true;
		}
		done++;
	}
out:
	ring_buffer__free(rb);
	if (rec_w) {
		int e = iodirty_rec_close(rec_w);

		if (e && !rec_err) {
			fprintf(stderr, "iodirty-top: --record %s: %s\n", env.record, strerror(-e));
			rec_err = e;
		}
		if (env.verbose)
			fprintf(stderr, "iodirty-top: recorded %llu records, %llu ring drops, "
				"%llu refused, %llu scan ends skipped\n",
				(unsigned long long)rec_records,
				(unsigned long long)(rec_drops + obj->bss->drops_ring[0] +
						     obj->bss->drops_ring[1]),
				(unsigned long long)rec_rejected,
				(unsigned long long)rec_scans_skipped);
	}
	top_detach();
	iodirty_top_bpf__destroy(obj);
	free(rangev);
	return err || rec_err ? 1 : 0;
}
