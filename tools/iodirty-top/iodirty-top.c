// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-top - per-HWPT dirty rates, harvest latency and IOTLB cost, live.
 *
 * Source: iodirty.ko's tracepoints (tp_btf on iodirty_harvest_begin/end,
 * iodirty_dirty_run, iodirty_flush), chosen at start by probing the
 * module's BTF.  Programs are attached only while the tool runs; with
 * nothing attached the tracepoints are static-key no-ops.  Counters are
 * drained every interval (generation flip, iodirty-top.h) unless -C.
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
"line with totals.  Source: iodirty.ko's tracepoints (module BTF).\n"
"MB = 2^20 bytes; pages are the harvest's bitmap granule.\n"
"\n"
"EXAMPLES:\n"
"    iodirty-top              # every second, until Ctrl-C\n"
"    iodirty-top 5 10         # every 5 s, 10 times\n"
"    iodirty-top -H -R 8      # latency histogram, 8 hottest 2 MiB ranges\n"
"    iodirty-top -R 4 -g 64K  # hottest ranges at 64 KiB granule\n"
"    iodirty-top -j 1 5       # NDJSON, one object per interval\n"
"    iodirty-top -p 1234      # only harvests by PID 1234\n"
"    iodirty-top --hwpt 3 --record rec.bin  # one domain, record its runs\n";

enum { OPT_HWPT = 0x100, OPT_RECORD, OPT_RING_SIZE };

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

/*
 * The source: iodirty.ko's tracepoints, usable when the module's BTF
 * holds iodirty_harvest_begin with its page_size argument.  Returns 0 or
 * a negative errno after printing what is missing.
 */
static int probe_source(void)
{
	const struct btf_type *t;
	struct btf *vmlinux, *mod;
	int id, err, params;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		err = -errno;
		fprintf(stderr, "iodirty-top: kernel BTF /sys/kernel/btf/vmlinux: %s "
			"(needs CONFIG_DEBUG_INFO_BTF=y)\n", strerror(-err));
		return err;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno;
		fprintf(stderr, "iodirty-top: cannot load kernel BTF: %s\n", strerror(-err));
		return err;
	}
	mod = btf__load_module_btf("iodirty", vmlinux);
	if (!mod) {
		err = -errno;
		fprintf(stderr, "iodirty-top: no BTF for module iodirty (/sys/kernel/btf/iodirty: %s): "
			"load iodirty.ko (built with CONFIG_DEBUG_INFO_BTF_MODULES); "
			"this iodirty-top has no stock-iommufd source\n", strerror(-err));
		btf__free(vmlinux);
		return err;
	}
	id = btf__find_by_name_kind(mod, "btf_trace_iodirty_harvest_begin", BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(mod, id) : NULL;
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(mod, t->type);
	params = t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : -1;
	btf__free(mod);
	btf__free(vmlinux);
	if (params < 0) {
		fprintf(stderr, "iodirty-top: module iodirty has no tracepoint iodirty_harvest_begin in its BTF\n");
		return -ENOENT;
	}
	if (params != 5) {
		fprintf(stderr, "iodirty-top: iodirty.ko's iodirty_harvest_begin has %d arguments, "
			"this iodirty-top needs 5 (with page_size): rebuild the module\n", params);
		return -EPROTO;
	}
	if (env.verbose)
		fprintf(stderr, "iodirty-top: source: iodirty tracepoints (tp_btf, module BTF "
			"/sys/kernel/btf/iodirty)\n");
	return 0;
}

struct row {
	__u64 hwpt;
	struct top_stats s;
};

struct range {
	__u64 hwpt, bucket;
	struct top_range_val v;
};

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
	case SORT_HWPT: return -(double)r->hwpt;
	default: return r->s.dirty_pages;
	}
}

static int cmp_rows(const void *a, const void *b)
{
	double x = sort_val(a), y = sort_val(b);

	if (x != y)
		return x < y ? 1 : -1;
	return ((const struct row *)a)->hwpt < ((const struct row *)b)->hwpt ? -1 : 1;
}

static int cmp_ranges(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->v.bytes != y->v.bytes)
		return x->v.bytes < y->v.bytes ? 1 : -1;
	if (x->hwpt != y->hwpt)
		return x->hwpt < y->hwpt ? -1 : 1;
	return x->bucket < y->bucket ? -1 : 1;
}

/* bcc libbpf-tools trace_helpers.c print_log2_hist(), same output */
static void print_stars(unsigned int val, unsigned int val_max, int width)
{
	int num_stars, num_spaces, i;
	bool need_plus;

	num_stars = (val < val_max ? val : val_max) * width / val_max;
	num_spaces = width - num_stars;
	need_plus = val > val_max;
	for (i = 0; i < num_stars; i++)
		printf("*");
	for (i = 0; i < num_spaces; i++)
		printf(" ");
	if (need_plus)
		printf("+");
}

static void print_log2_hist(const unsigned int *vals, int vals_size, const char *val_type)
{
	int stars_max = 40, idx_max = -1;
	unsigned int val, val_max = 0;
	unsigned long long low, high;
	int stars, width, i;

	for (i = 0; i < vals_size; i++) {
		val = vals[i];
		if (val > 0)
			idx_max = i;
		if (val > val_max)
			val_max = val;
	}
	if (idx_max < 0)
		return;
	printf("%*s%-*s : count    distribution\n", idx_max <= 32 ? 5 : 15, "",
	       idx_max <= 32 ? 19 : 29, val_type);
	stars = idx_max <= 32 ? stars_max : stars_max / 2;
	for (i = 0; i <= idx_max; i++) {
		low = (1ULL << (i + 1)) >> 1;
		high = (1ULL << (i + 1)) - 1;
		if (low == high)
			low -= 1;
		val = vals[i];
		width = idx_max <= 32 ? 10 : 20;
		printf("%*lld -> %-*lld : %-8d |", width, low, width, high, val);
		print_stars(val, val_max, stars);
		printf("|\n");
	}
}

/* bpftrace -f json's hist shape: [{"min":..,"max":..,"count":..}] */
static void json_hist(const __u32 *h)
{
	int i, last = -1;

	for (i = 0; i < TOP_MAX_SLOTS; i++)
		if (h[i])
			last = i;
	printf("{\"type\":\"hist\",\"unit\":\"usecs\",\"data\":[");
	for (i = 0; i <= last; i++)
		printf("%s{\"min\":%llu,\"max\":%llu,\"count\":%u}", i ? "," : "",
		       i ? 1ULL << i : 0ULL, (1ULL << (i + 1)) - 1, h[i]);
	printf("]}");
}

static void json_str(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
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
		       "\"source\":\"iodirty\",",
		       tbuf, (unsigned long long)realtime_ns, (unsigned long long)mono_end, secs,
		       env.noclear ? "true" : "false");
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
		printf("\"record\":{\"records\":%llu},", (unsigned long long)rec_reported);
		printf("\"hwpts\":[");
		for (i = 0; i < n; i++) {
			const struct row *r = &rows[i];

			printf("%s{\"hwpt\":%llu,\"pid\":%u,\"comm\":", i ? "," : "",
			       (unsigned long long)r->hwpt, r->s.pid);
			json_str(r->s.comm, sizeof(r->s.comm));
			printf(",\"dirty_pages\":%llu,\"dirty_bytes\":%llu,\"dirty_pages_s\":%.3f,"
			       "\"dirty_mb_s\":%.6f,\"harvests\":%llu,\"harvests_s\":%.3f,"
			       "\"scans\":%llu,\"errors\":%llu,\"lat_avg_us\":%.1f,"
			       "\"lat_p50_us\":%llu,\"lat_p99_us\":%llu,\"bitmap_bytes\":%llu,"
			       "\"cleared\":%llu,\"leaves\":%llu,\"runs\":%llu,\"inv\":%llu,"
			       "\"inv_domain\":%llu,\"inv_bytes\":%llu,\"hist\":",
			       r->s.dirty_pages, r->s.dirty_bytes, r->s.dirty_pages / secs,
			       r->s.dirty_bytes / MiB / secs, r->s.harvests, r->s.harvests / secs,
			       r->s.scans, r->s.errors,
			       r->s.harvests ? r->s.lat_sum_ns / 1e3 / r->s.harvests : 0.0,
			       hist_pct(r->s.hist, 0.5), hist_pct(r->s.hist, 0.99),
			       r->s.bitmap_bytes, r->s.cleared, r->s.leaves, r->s.runs,
			       r->s.inv, r->s.inv_domain, r->s.inv_bytes);
			json_hist(r->s.hist);
			printf("}");
		}
		printf("],\"hist\":");
		json_hist(t.hist);
		printf(",\"ranges\":[");
		for (i = 0; i < nr_ranges; i++)
			printf("%s{\"hwpt\":%llu,\"iova\":%llu,\"end\":%llu,\"bytes\":%llu,\"runs\":%llu}",
			       i ? "," : "", (unsigned long long)rangev[i].hwpt,
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
	printf("iodirty: %u HWPTs, %.0f dirty pages/s, %.2f MB/s, %.1f harvests/s, "
	       "%llu inv, drops %llu\n", nr_rows, t.dirty_pages / secs,
	       t.dirty_bytes / MiB / secs, t.harvests / secs, (unsigned long long)t.inv,
	       b->drops_hwpt + b->drops_range + rec_drops + b->drops_thread);
	printf("%6s %7s %-16s %10s %8s %7s %7s %7s %10s %9s %7s %9s\n", "HWPT", "PID",
	       "COMM", "PAGES/s", "MB/s", "HARV/s", "P50us", "P99us", "BITMAP_B",
	       "CLEARED", "INV", "INV_KiB");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("%6llu %7u %-16.16s %10.0f %8.2f %7.1f %7llu %7llu %10llu %9llu %7llu %9llu\n",
		       (unsigned long long)r->hwpt, r->s.pid, r->s.comm,
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
			printf("%6llu %#18llx %#18llx %10llu %8llu\n",
			       (unsigned long long)rangev[i].hwpt,
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
	err = bpf_map__set_max_entries(obj->maps.events, env.record ? env.ring_size : 4096);
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
	err = iodirty_top_bpf__attach(obj);
	if (err) {
		fprintf(stderr, "iodirty-top: attaching to iodirty's tracepoints: %s\n",
			strerror(-err));
		return err;
	}
	return 0;
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
	err = probe_source();
	if (!err)
		err = load_and_attach();
	if (!err && env.record) {
		char comment[48] = "iodirty-top";

		if (env.hwpt)
			snprintf(comment, sizeof(comment), "iodirty-top --hwpt %llu", env.hwpt);
		rec_mono_start = mono_ns();
		err = iodirty_rec_create(env.record, IODIRTY_REC_SRC_IODIRTY, comment, &rec_w);
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
	fprintf(stderr, "Tracing iodirty harvests... Hit Ctrl-C to end.\n");

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
				"%llu scan ends skipped\n", (unsigned long long)rec_records,
				(unsigned long long)(rec_drops + obj->bss->drops_ring[0] +
						     obj->bss->drops_ring[1]),
				(unsigned long long)rec_scans_skipped);
	}
	iodirty_top_bpf__destroy(obj);
	free(rangev);
	return err || rec_err ? 1 : 0;
}
