// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-heatmap - render an iodirty recording (user/iodirty_record.h) as
 * a PNG heatmap (time on X, IOVA on Y, colour = dirty bytes per cell) or as
 * damo-compatible "<time> <addr> <value>" lines.
 *
 * Attribution: a DIRTY record at time t reports pages dirtied since its
 * HWPT's previous harvest, so its bytes are spread evenly over
 * (previous harvest, t] rather than piled into t's column (which would
 * stripe the picture whenever a column is shorter than the harvest
 * period).  The previous harvest is the HWPT's last HARVEST record, or, in
 * a recording without HARVEST records for it, its last earlier DIRTY time.
 * A HWPT's first harvest is taken to cover as long as its second one
 * (clamped at the recording start); a HWPT harvested once lands in t's
 * column.  IOVA is split exactly: a cell gets the bytes of the run that
 * fall in its IOVA rows, so the cells always sum to the dirty bytes inside
 * the chosen ranges.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iodirty_record.h"
#include "iodirty-heatmap.h"

typedef unsigned __int128 u128;

static struct env {
	const char *input;
	const char *output;
	unsigned int width, height;
	unsigned int cols, rows;	/* --resol; 0 = default */
	bool have_hwpt;
	__u32 hwpt;
	bool have_iova, have_time;
	__u64 iova_lo, iova_hi;		/* [lo, hi) */
	__u64 time_lo, time_hi;		/* [lo, hi), ns since recording start */
	bool log_scale;
	bool raw;
	bool verbose;
} env = { .width = HM_DEF_WIDTH, .height = HM_DEF_HEIGHT };

const char *argp_program_version = "iodirty-heatmap 0.1";
const char argp_program_doc[] =
"Render an iodirty recording as a heatmap: time on the X axis, IOVA on the\n"
"Y axis, colour = dirty bytes per cell (PNG, with axis labels and a legend),\n"
"or as damo-compatible raw lines (--raw): \"<time ns> <iova> <bytes>\" per\n"
"cell, time-major, tab separated, absolute time since the recording start\n"
"and absolute IOVA (damo report heatmap --output raw --abs_time --abs_addr).\n"
"\n"
"USAGE: iodirty-heatmap [OPTIONS] RECORDING\n"
"\n"
"EXAMPLES:\n"
"    iodirty-heatmap -o dirty.png trace.rec       # whole recording, all HWPTs\n"
"    iodirty-heatmap --hwpt 3 --log -o h3.png trace.rec\n"
"    iodirty-heatmap --iova-range 0x100000-0x4000000 --time-range 1s-3s \\\n"
"        --width 1600 --height 900 -o zoom.png trace.rec\n"
"    iodirty-heatmap --raw --resol 200x100 trace.rec > heat.txt\n"
"    # then in gnuplot: plot 'heat.txt' using 1:2:3 with image\n";

enum { OPT_WIDTH = 1000, OPT_HEIGHT, OPT_RESOL, OPT_HWPT, OPT_IOVA, OPT_TIME,
       OPT_LOG, OPT_RAW };

static const struct argp_option opts[] = {
	{ "output", 'o', "FILE", 0, "PNG to write (default heatmap.png); with --raw the text file (default stdout)", 0 },
	{ "width", OPT_WIDTH, "PX", 0, "image width (default 1024)", 0 },
	{ "height", OPT_HEIGHT, "PX", 0, "image height (default 640)", 0 },
	{ "resol", OPT_RESOL, "COLSxROWS", 0, "grid: time columns x IOVA rows (default: one cell per plot pixel; --raw 100x100)", 0 },
	{ "hwpt", OPT_HWPT, "ID", 0, "only this HWPT (default: all, summed)", 0 },
	{ "iova-range", OPT_IOVA, "A-B", 0, "IOVA range [A, B), e.g. 0x100000-64M (default: the dirty runs' extent)", 0 },
	{ "time-range", OPT_TIME, "A-B", 0, "time range [A, B) since the recording start, units ns/us/ms/s (default ns; default range: all)", 0 },
	{ "log", OPT_LOG, NULL, 0, "logarithmic colour scale (default linear)", 0 },
	{ "raw", OPT_RAW, NULL, 0, "print <time> <iova> <bytes> lines instead of a PNG", 0 },
	{ "verbose", 'v', NULL, 0, "print the recording's header, HWPTs, ranges and cell size", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

/* "123", "0x1000", "64K", "2M", "1G" (binary suffixes) */
static int parse_size(const char *s, __u64 *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* "1500", "1500ns", "20us", "3.5ms", "2s" -> ns */
static int parse_time(const char *s, __u64 *out)
{
	static const struct { const char *sfx; double mul; } u[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || !isfinite(v))
		return -EINVAL;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (!strcmp(end, u[i].sfx)) {
			v *= u[i].mul;
			if (v > 1.8e19)
				return -EINVAL;
			*out = (__u64)v;
			return 0;
		}
	return -EINVAL;
}

static int parse_range(const char *arg, bool is_time, __u64 *lo, __u64 *hi)
{
	char buf[128], *dash;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	dash = strchr(buf + 1, '-');
	if (!dash)
		return -EINVAL;
	*dash = 0;
	if (is_time ? parse_time(buf, lo) || parse_time(dash + 1, hi)
		    : parse_size(buf, lo) || parse_size(dash + 1, hi))
		return -EINVAL;
	return *lo < *hi ? 0 : -ERANGE;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	unsigned long v;
	char *end;
	int err;

	switch (key) {
	case 'h': argp_state_help(state, stderr, ARGP_HELP_STD_HELP); return 0;
	case 'v': env.verbose = true; return 0;
	case 'o': env.output = arg; return 0;
	case OPT_LOG: env.log_scale = true; return 0;
	case OPT_RAW: env.raw = true; return 0;
	case OPT_WIDTH:
	case OPT_HEIGHT:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || end == arg || v > HM_MAX_SIDE ||
		    v < (key == OPT_WIDTH ? HM_MARGIN_LEFT + HM_MARGIN_RIGHT
					  : HM_MARGIN_TOP + HM_MARGIN_BOTTOM) + HM_MIN_PLOT)
			argp_error(state, "--%s %s: want %u..%u pixels", key == OPT_WIDTH ?
				   "width" : "height", arg, (key == OPT_WIDTH ?
				   HM_MARGIN_LEFT + HM_MARGIN_RIGHT : HM_MARGIN_TOP +
				   HM_MARGIN_BOTTOM) + HM_MIN_PLOT, HM_MAX_SIDE);
		*(key == OPT_WIDTH ? &env.width : &env.height) = v;
		return 0;
	case OPT_RESOL:
		if (sscanf(arg, "%ux%u", &env.cols, &env.rows) != 2 || !env.cols ||
		    !env.rows || env.cols > HM_MAX_SIDE || env.rows > HM_MAX_SIDE)
			argp_error(state, "--resol %s: want COLSxROWS, each 1..%u", arg,
				   HM_MAX_SIDE);
		return 0;
	case OPT_HWPT:
		errno = 0;
		v = strtoul(arg, &end, 0);
		if (errno || *end || end == arg || v > UINT32_MAX)
			argp_error(state, "--hwpt %s: not a HWPT id", arg);
		env.hwpt = v;
		env.have_hwpt = true;
		return 0;
	case OPT_IOVA:
	case OPT_TIME:
		err = parse_range(arg, key == OPT_TIME, key == OPT_TIME ? &env.time_lo :
				  &env.iova_lo, key == OPT_TIME ? &env.time_hi : &env.iova_hi);
		if (err)
			argp_error(state, "--%s %s: %s", key == OPT_TIME ? "time-range" :
				   "iova-range", arg, err == -ERANGE ? "empty range (want A < B)" :
				   "want A-B");
		*(key == OPT_TIME ? &env.have_time : &env.have_iova) = true;
		return 0;
	case ARGP_KEY_ARG:
		if (env.input)
			argp_error(state, "one recording only ('%s' and '%s')", env.input, arg);
		env.input = arg;
		return 0;
	case ARGP_KEY_END:
		if (!env.input)
			argp_error(state, "no recording given");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

/* ---- the recording: per-HWPT facts (pass 1) and attribution state (pass 2) */

struct hwpt {
	__u32 id;
	__u64 dirty_bytes, runs, harvests;
	__u64 iova_lo, iova_hi;		/* extent of its dirty runs */
	/* the first two harvest points: HARVEST times, or distinct DIRTY times */
	__u64 hv[2], dt[2];
	unsigned int nhv, ndt;
	__u64 last_dirty;
	/* pass 2: the last two harvest points seen */
	bool seen_harvest, have_prev_harvest, have_cur, have_prev;
	__u64 last_harvest, prev_harvest, cur_point, prev_point;
};

static struct hwpt *hwpts;
static unsigned int nhwpts, cap_hwpts;

static struct hwpt *hwpt_find(__u32 id)
{
	for (unsigned int i = 0; i < nhwpts; i++)
		if (hwpts[i].id == id)
			return &hwpts[i];
	return NULL;
}

static struct hwpt *hwpt_get(__u32 id)
{
	struct hwpt *h = hwpt_find(id);

	if (h)
		return h;
	if (nhwpts == cap_hwpts) {
		h = realloc(hwpts, (2 * cap_hwpts + 4) * sizeof(*h));
		if (!h)
			return NULL;
		hwpts = h;
		cap_hwpts = 2 * cap_hwpts + 4;
	}
	h = &hwpts[nhwpts++];
	memset(h, 0, sizeof(*h));
	h->id = id;
	h->iova_lo = UINT64_MAX;
	return h;
}

static bool selected(__u32 id)
{
	return !env.have_hwpt || id == env.hwpt;
}

/* Opens the recording; prints the reader's message on failure. */
static struct iodirty_rec_reader *open_rec(void)
{
	struct iodirty_rec_reader *r;

	if (iodirty_rec_open(env.input, &r)) {
		fprintf(stderr, "iodirty-heatmap: %s\n", iodirty_rec_error(r));
		iodirty_rec_free(r);
		return NULL;
	}
	return r;
}

static int read_fail(struct iodirty_rec_reader *r)
{
	fprintf(stderr, "iodirty-heatmap: %s\n", iodirty_rec_error(r));
	iodirty_rec_free(r);
	return -1;
}

struct totals {
	__u64 records, dirty_runs, dirty_bytes, last_time;
};

static int pass1(struct totals *t)
{
	struct iodirty_rec_reader *r = open_rec();
	struct iodirty_rec rec;
	struct hwpt *h;
	int err;

	if (!r)
		return -1;
	memset(t, 0, sizeof(*t));
	if (env.verbose) {
		const struct iodirty_rec_header *hd = iodirty_rec_header(r);

		fprintf(stderr, "recording %s: version %u, source %u, header %u B, record %u B, started %" PRIu64 " ns (realtime), comment \"%s\"\n",
			env.input, hd->version, hd->source, hd->header_size,
			hd->record_size, (uint64_t)hd->start_realtime_ns, hd->comment);
	}
	while ((err = iodirty_rec_next(r, &rec)) == 1) {
		t->records++;
		t->last_time = rec.time_ns;
		h = hwpt_get(rec.hwpt_id);
		if (!h) {
			fprintf(stderr, "iodirty-heatmap: out of memory\n");
			iodirty_rec_free(r);
			return -1;
		}
		if (rec.type == IODIRTY_REC_HARVEST) {
			h->harvests++;
			if (h->nhv < 2)
				h->hv[h->nhv++] = rec.time_ns;
			continue;
		}
		h->runs++;
		h->dirty_bytes += rec.length;
		if (rec.iova < h->iova_lo)
			h->iova_lo = rec.iova;
		if (rec.iova + rec.length > h->iova_hi)
			h->iova_hi = rec.iova + rec.length;
		if ((!h->ndt || rec.time_ns != h->last_dirty) && h->ndt < 2)
			h->dt[h->ndt++] = rec.time_ns;
		h->last_dirty = rec.time_ns;
		if (selected(rec.hwpt_id)) {
			t->dirty_runs++;
			t->dirty_bytes += rec.length;
		}
	}
	if (err < 0)
		return read_fail(r);
	iodirty_rec_free(r);
	return 0;
}

/* ---- the grid ------------------------------------------------------------- */


/* Start of cell @i of @n splitting [lo, lo + span): exact, no overflow. */
static __u64 cell_start(unsigned int i, __u64 lo, __u64 span, unsigned int n)
{
	return lo + (__u64)((u128)span * i / n);
}

/* The cell holding @x (lo <= x < lo + span). */
static unsigned int cell_of(__u64 x, __u64 lo, __u64 span, unsigned int n)
{
	unsigned int i = (unsigned int)((u128)(x - lo) * n / span);

	while (i + 1 < n && cell_start(i + 1, lo, span, n) <= x)
		i++;
	return i;
}

/* Adds @bytes of IOVA [s, e) spread over time (ts, te] (a point if ts == te). */
static void add_run(struct hm_grid *g, __u64 s, __u64 e, __u64 ts, __u64 te)
{
	__u64 a_hi = g->a_lo + g->a_span, t_hi = g->t_lo + g->t_span;
	unsigned int r0, c0, r, c;

	if (s < g->a_lo)
		s = g->a_lo;
	if (e > a_hi)
		e = a_hi;
	if (s >= e)
		return;
	r0 = cell_of(s, g->a_lo, g->a_span, g->rows);
	if (ts >= te) {		/* all of it at te */
		if (te < g->t_lo || te >= t_hi)
			return;
		c0 = cell_of(te, g->t_lo, g->t_span, g->cols);
		for (r = r0; r < g->rows; r++) {
			__u64 rs = cell_start(r, g->a_lo, g->a_span, g->rows);
			__u64 re = cell_start(r + 1, g->a_lo, g->a_span, g->rows);

			if (rs >= e)
				break;
			g->v[(size_t)c0 * g->rows + r] += (double)((re < e ? re : e) -
						(rs > s ? rs : s));
		}
		return;
	}
	/* the interval (ts, te] is treated as [ts, te): same measure */
	{
		__u64 cs_lo = ts > g->t_lo ? ts : g->t_lo, cs_hi = te < t_hi ? te : t_hi;
		double dur = (double)(te - ts);

		if (cs_lo >= cs_hi)
			return;
		c0 = cell_of(cs_lo, g->t_lo, g->t_span, g->cols);
		for (c = c0; c < g->cols; c++) {
			__u64 cs = cell_start(c, g->t_lo, g->t_span, g->cols);
			__u64 ce = cell_start(c + 1, g->t_lo, g->t_span, g->cols);
			double f;

			if (cs >= cs_hi)
				break;
			f = (double)((ce < cs_hi ? ce : cs_hi) - (cs > cs_lo ? cs : cs_lo)) / dur;
			for (r = r0; r < g->rows; r++) {
				__u64 rs = cell_start(r, g->a_lo, g->a_span, g->rows);
				__u64 re = cell_start(r + 1, g->a_lo, g->a_span, g->rows);

				if (rs >= e)
					break;
				g->v[(size_t)c * g->rows + r] += (double)((re < e ? re : e) -
						(rs > s ? rs : s)) * f;
			}
		}
	}
}

static void saw_harvest(struct hwpt *h, __u64 t)
{
	if (h->seen_harvest && t != h->last_harvest) {
		h->prev_harvest = h->last_harvest;
		h->have_prev_harvest = true;
	}
	h->last_harvest = t;
	h->seen_harvest = true;
}

/*
 * The start of the interval a DIRTY record at @t covers (see the top).  A
 * harvest's DIRTY records normally precede its HARVEST record; if they
 * follow it at the same time, the harvest before counts as previous.
 */
static __u64 interval_start(struct hwpt *h, __u64 t)
{
	const __u64 *p = h->harvests ? h->hv : h->dt;
	unsigned int n = h->harvests ? h->nhv : h->ndt;
	__u64 first_len = n >= 2 ? p[1] - p[0] : 0;

	if (h->harvests) {
		if (h->seen_harvest && h->last_harvest < t)
			return h->last_harvest;
		if (h->seen_harvest && h->have_prev_harvest)
			return h->prev_harvest;
	} else {
		/* harvest points are the distinct DIRTY times */
		if (!h->have_cur) {
			h->have_cur = true;
			h->cur_point = t;
		} else if (t > h->cur_point) {
			h->prev_point = h->cur_point;
			h->have_prev = true;
			h->cur_point = t;
		}
		if (h->have_prev)
			return h->prev_point;
	}
	return t > first_len ? t - first_len : 0;
}

static int pass2(struct hm_grid *g)
{
	struct iodirty_rec_reader *r = open_rec();
	struct iodirty_rec rec;
	size_t i, n = (size_t)g->cols * g->rows;
	int err;

	if (!r)
		return -1;
	while ((err = iodirty_rec_next(r, &rec)) == 1) {
		struct hwpt *h = hwpt_find(rec.hwpt_id);

		if (!h || !selected(rec.hwpt_id))
			continue;	/* (!h: the file grew since pass 1) */
		if (rec.type == IODIRTY_REC_HARVEST)
			saw_harvest(h, rec.time_ns);
		else
			add_run(g, rec.iova, rec.iova + rec.length,
				interval_start(h, rec.time_ns), rec.time_ns);
	}
	if (err < 0)
		return read_fail(r);
	iodirty_rec_free(r);
	for (i = 0; i < n; i++) {
		g->sum += g->v[i];
		if (g->v[i] > g->max)
			g->max = g->v[i];
	}
	return 0;
}

static int print_raw(const struct hm_grid *g, const char *path)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	unsigned int c, r;
	int err = 0;

	if (!f) {
		fprintf(stderr, "iodirty-heatmap: cannot create %s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (c = 0; c < g->cols; c++)
		for (r = 0; r < g->rows; r++)
			fprintf(f, "%" PRIu64 "\t%" PRIu64 "\t%.3f\n",
				(uint64_t)cell_start(c, g->t_lo, g->t_span, g->cols),
				(uint64_t)cell_start(r, g->a_lo, g->a_span, g->rows),
				g->v[(size_t)c * g->rows + r]);
	if (fflush(f) || ferror(f))
		err = errno ? -errno : -EIO;
	if (path && fclose(f) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "iodirty-heatmap: writing %s failed: %s\n",
			path ? path : "stdout", strerror(-err));
	return err;
}

static struct hm_grid g;

static int run(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg, .doc = argp_program_doc,
		.args_doc = "RECORDING",
	};
	struct totals t;
	unsigned int i;
	int err;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 1;
	if (pass1(&t))
		return 1;
	if (!t.records) {
		fprintf(stderr, "iodirty-heatmap: %s: empty recording (a header and no records): nothing to render\n",
			env.input);
		return 1;
	}
	if (env.have_hwpt && (!hwpt_find(env.hwpt) || !hwpt_find(env.hwpt)->runs)) {
		fprintf(stderr, "iodirty-heatmap: %s: hwpt %u has no dirty runs; HWPTs with dirty runs:",
			env.input, env.hwpt);
		for (i = 0; i < nhwpts; i++)
			if (hwpts[i].runs)
				fprintf(stderr, " %u", hwpts[i].id);
		fprintf(stderr, "\n");
		return 1;
	}
	if (!t.dirty_runs) {
		fprintf(stderr, "iodirty-heatmap: %s: %" PRIu64 " records but no dirty runs: nothing to render\n",
			env.input, (uint64_t)t.records);
		return 1;
	}
	/* ranges */
	g.t_lo = env.have_time ? env.time_lo : 0;
	g.t_span = env.have_time ? env.time_hi - env.time_lo : t.last_time + 1;
	if (env.have_iova) {
		g.a_lo = env.iova_lo;
		g.a_span = env.iova_hi - env.iova_lo;
	} else {
		__u64 lo = UINT64_MAX, hi = 0;

		for (i = 0; i < nhwpts; i++)
			if (selected(hwpts[i].id) && hwpts[i].runs) {
				if (hwpts[i].iova_lo < lo)
					lo = hwpts[i].iova_lo;
				if (hwpts[i].iova_hi > hi)
					hi = hwpts[i].iova_hi;
			}
		g.a_lo = lo;
		g.a_span = hi - lo;
	}
	{
		unsigned int pw = env.width - HM_MARGIN_LEFT - HM_MARGIN_RIGHT;
		unsigned int ph = env.height - HM_MARGIN_TOP - HM_MARGIN_BOTTOM;

		g.cols = env.cols ? env.cols : env.raw ? HM_RAW_DEF_RESOL : pw;
		g.rows = env.rows ? env.rows : env.raw ? HM_RAW_DEF_RESOL : ph;
		if (!env.raw && (g.cols > pw || g.rows > ph)) {
			fprintf(stderr, "iodirty-heatmap: --resol %ux%u exceeds the %ux%u plot area: raise --width/--height\n",
				g.cols, g.rows, pw, ph);
			return 1;
		}
	}
	/* a cell narrower than a byte or a nanosecond would only repeat */
	if (g.cols > g.t_span)
		g.cols = g.t_span;
	if (g.rows > g.a_span)
		g.rows = g.a_span;
	g.v = calloc((size_t)g.cols * g.rows, sizeof(*g.v));
	if (!g.v) {
		fprintf(stderr, "iodirty-heatmap: out of memory for a %ux%u grid\n", g.cols, g.rows);
		return 1;
	}
	if (env.verbose) {
		for (i = 0; i < nhwpts; i++)
			fprintf(stderr, "hwpt %u: %" PRIu64 " dirty runs, %" PRIu64 " bytes, %" PRIu64 " harvest records, iova [0x%" PRIx64 ", 0x%" PRIx64 ")%s\n",
				hwpts[i].id, (uint64_t)hwpts[i].runs, (uint64_t)hwpts[i].dirty_bytes,
				(uint64_t)hwpts[i].harvests, (uint64_t)(hwpts[i].runs ? hwpts[i].iova_lo : 0),
				(uint64_t)hwpts[i].iova_hi, selected(hwpts[i].id) ? "" : " (not selected)");
		fprintf(stderr, "grid %ux%u: time [%" PRIu64 ", %" PRIu64 ") ns, iova [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
			g.cols, g.rows, (uint64_t)g.t_lo, (uint64_t)(g.t_lo + g.t_span),
			(uint64_t)g.a_lo, (uint64_t)(g.a_lo + g.a_span));
	}
	if (pass2(&g))
		return 1;
	if (g.max <= 0) {
		fprintf(stderr, "iodirty-heatmap: %s: no dirty bytes inside the chosen --time-range/--iova-range (%" PRIu64 " dirty bytes in the recording)\n",
			env.input, (uint64_t)t.dirty_bytes);
		return 1;
	}
	if (env.raw) {
		err = print_raw(&g, env.output);
	} else {
		char what[400], hw[32];

		if (env.have_hwpt)
			snprintf(hw, sizeof(hw), "hwpt %u", env.hwpt);
		else
			snprintf(hw, sizeof(hw), nhwpts == 1 ? "hwpt %u" : "%u hwpts summed",
				 nhwpts == 1 ? hwpts[0].id : nhwpts);
		snprintf(what, sizeof(what), "%s, %s", env.input, hw);
		err = hm_render_png(&g, env.output ? env.output : "heatmap.png",
				    env.width, env.height, env.log_scale, what);
	}
	if (err)
		return 1;
	/* with --raw stdout is the data: the summary only with -v, on stderr */
	if (!env.raw || env.verbose)
		fprintf(env.raw ? stderr : stdout,
			"iodirty-heatmap: %s %s: %ux%u cells, %.0f of %" PRIu64 " dirty bytes in range, max %.0f bytes/cell\n",
			env.raw ? "raw" : "wrote", env.raw ? (env.output ? env.output : "stdout") :
			(env.output ? env.output : "heatmap.png"),
			g.cols, g.rows, g.sum, (uint64_t)t.dirty_bytes, g.max);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = run(argc, argv);

	free(g.v);
	free(hwpts);
	return rc;
}
