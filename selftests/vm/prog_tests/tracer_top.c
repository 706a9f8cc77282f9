// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-top against a known workload (iodirty-lab): the numbers it shows
 * must be the lab's own.  The truth is what the lab's GET_DIRTY_BITMAP
 * calls returned (its "total" lines: popcount of every bitmap), and its
 * period; tolerances are stated at each check.
 *
 *   rate_and_record   lab 2 devices, seq, 2000 writes/s, period 250 ms, 4 s:
 *                     in every interval, per HWPT, dirty pages and
 *                     harvests equal the lab's GETs inside it (a GET
 *                     straddling the interval's end may count on either
 *                     side), pages/s and harvests/s are those over
 *                     interval_s (0.5 %); over the run they equal the
 *                     lab's totals exactly; pid/comm are the lab's; the
 *                     --record file reads back cleanly and its dirty bytes
 *                     and harvests equal what top reported
 *   hwpt_ranges       --hwpt D -R 4 -g 1M on a zipf lab: only D's rows and
 *                     ranges; the 2 hottest are the 2 MiB hot set at the
 *                     start of D's device slice; the lab, ended by SIGTERM,
 *                     exits 0 with its totals
 *   json_schema       the key paths of that NDJSON == selftests/vm/tracer_top.keys
 *   pid_filter        -p of a live process that harvests nothing: no rows,
 *                     a message; -p of no process: non-zero exit
 *   bad_options       unknown option, bad sort key, bad granule, interval 0
 *   ring_drops_counted  --ring-size 4K under a random workload: drops
 *                     counted, records + drops == runs + harvest ends, the
 *                     lab still harvests every period
 *   no_privileges     without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN: exit 1 and a
 *                     message naming the capabilities
 *   with_demo         iodirty-demo -x (workload + background scanner): rows
 *                     with scans, dirty pages and runs
 */
#include <math.h>
#include "../test_progs.h"
#include "../tracer_util.h"
#include "../proc_util.h"
#include "iodirty_record.h"

#define OPT	"/opt/iodirty/"
#define TOP	OPT "iodirty-top"
#define LAB	OPT "iodirty-lab"
#define MAXL	128
#define MAXH	4

struct lab_total {
	unsigned int domain;
	unsigned long long harvests, dirty, writes;
	double seconds;
};

struct lab_out {
	int pid;
	unsigned long long iova;
	unsigned int nr;
	struct lab_total t[MAXH];
};

static bool parse_lab(const char *path, struct lab_out *l)
{
	char *s = tr_slurp(path), *p;

	memset(l, 0, sizeof(*l));
	if (!s)
		return false;
	p = strstr(s, "iodirty-lab: pid ");
	if (p)
		sscanf(p, "iodirty-lab: pid %d,", &l->pid);
	p = p ? strstr(p, "at iova ") : NULL;
	if (p)
		sscanf(p, "at iova %llx", &l->iova);
	for (p = s; (p = strstr(p, "total domain=")) && l->nr < MAXH; p++) {
		struct lab_total *t = &l->t[l->nr];

		if (sscanf(p, "total domain=%u harvests=%llu dirty=%llu writes=%llu seconds=%lf",
			   &t->domain, &t->harvests, &t->dirty, &t->writes, &t->seconds) == 5)
			l->nr++;
	}
	free(s);
	return l->pid > 0 && l->nr > 0;
}

/* what one NDJSON line said about one HWPT */
struct hrow {
	bool seen;
	double dirty_pages, dirty_bytes, harvests, dirty_pages_s, harvests_s;
	double pid, scans, runs, inv, p50, p99, hist_sum;
	char comm[17];
};

struct top_out {
	unsigned int lines;
	unsigned int hwpt[MAXH], nh;
	double interval_s[MAXL];
	unsigned long long mono_ns[MAXL];
	struct hrow r[MAXL][MAXH];
	double records, ring_drops;
	bool parse_error, foreign;	/* a line that is not JSON; a 5th HWPT */
	char paths[8192];		/* every key path seen, "\n"-separated */
};

static int hslot(struct top_out *o, unsigned int hwpt)
{
	unsigned int i;

	for (i = 0; i < o->nh; i++)
		if (o->hwpt[i] == hwpt)
			return i;
	if (o->nh == MAXH)
		return -1;
	o->hwpt[o->nh] = hwpt;
	return o->nh++;
}

static bool parse_top(const char *path, struct top_out *o)
{
	char *s = tr_slurp(path), *line, *save = NULL;

	memset(o, 0, sizeof(*o));
	strcpy(o->paths, "\n");
	if (!s)
		return false;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct tr_json *j = tr_json_parse(line), *h, *k, *d;
		unsigned int n = o->lines;

		if (!j || n == MAXL) {
			o->parse_error |= !j;
			tr_json_free(j);
			continue;
		}
		tr_json_paths(j, "", o->paths, sizeof(o->paths));
		o->interval_s[n] = tr_jnum(j, "interval_s");
		o->mono_ns[n] = tr_jnum(j, "mono_ns");
		o->records = tr_jnum(tr_jget(j, "record"), "records");
		o->ring_drops = tr_jnum(tr_jget(j, "drops"), "ring");
		h = tr_jget(j, "hwpts");
		for (k = h ? h->kids : NULL; k; k = k->next) {
			int i = hslot(o, tr_jnum(k, "hwpt"));
			struct hrow *r;
			struct tr_json *c;

			if (i < 0) {
				o->foreign = true;
				continue;
			}
			r = &o->r[n][i];
			r->seen = true;
			r->dirty_pages = tr_jnum(k, "dirty_pages");
			r->dirty_bytes = tr_jnum(k, "dirty_bytes");
			r->harvests = tr_jnum(k, "harvests");
			r->dirty_pages_s = tr_jnum(k, "dirty_pages_s");
			r->harvests_s = tr_jnum(k, "harvests_s");
			r->pid = tr_jnum(k, "pid");
			r->scans = tr_jnum(k, "scans");
			r->runs = tr_jnum(k, "runs");
			r->inv = tr_jnum(k, "inv");
			r->p50 = tr_jnum(k, "lat_p50_us");
			r->p99 = tr_jnum(k, "lat_p99_us");
			c = tr_jget(k, "comm");
			if (c && c->type == TJ_STR)
				snprintf(r->comm, sizeof(r->comm), "%s", c->str);
			c = tr_jget(k, "hist");
			for (d = c ? tr_jget(c, "data") : NULL, d = d ? d->kids : NULL; d; d = d->next)
				r->hist_sum += tr_jnum(d, "count");
		}
		o->lines++;
		tr_json_free(j);
	}
	free(s);
	return o->lines > 0;
}

/* start top (argv after the binary), wait until it traces */
static pid_t start_top(char **argv, const char *out, const char *err)
{
	pid_t pid = tr_spawn(argv, out, err);

	if (!ASSERT_GE(pid, 1, "fork iodirty-top"))
		return -1;
	/* loading takes seconds under TCG, more with the debug kernel's KASAN */
	if (!ASSERT_TRUE(tr_wait_text(err, "Tracing iodirty harvests", 120000),
			 "iodirty-top attached")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* the lab's GETs (and its period-0 domain probes) with their times */
struct lab_get {
	unsigned int domain;
	unsigned long long dirty, start_ns, end_ns;
};

static unsigned int parse_gets(const char *path, struct lab_get *g, unsigned int max)
{
	char *s = tr_slurp(path), *p;
	unsigned int n = 0;

	for (p = s; p && (p = strstr(p, " period=")) && n < max; p++)
		if (sscanf(p, " period=%*u domain=%u dirty=%llu writes=%*u get_us=%*f "
			   "start_ns=%llu end_ns=%llu", &g[n].domain, &g[n].dirty,
			   &g[n].start_ns, &g[n].end_ns) == 4)
			n++;
	free(s);
	return n;
}

/*
 * Interval n of top ends at mono_ns[n] (its generation flip) and starts
 * at the previous flip.  A GET entirely inside it must be counted there;
 * one that straddles a flip may be on either side: so top's count lies in
 * [GETs inside, GETs overlapping].  That holds however the guest is
 * scheduled (TCG on a loaded host stalls it for seconds).
 */
static void rate_and_record(void)
{
	/* until SIGINT after the lab ends: its last interval is printed */
	char *top[] = { TOP, "-j", "--record", "/tmp/tt.rec", "1", NULL };
	char *lab[] = { LAB, "-n", "2", "-r", "2000", "-t", "250", "-d", "4",
			"-P", "seq", "-m", "32M", NULL };
	static struct top_out o;
	static struct lab_get g[512];
	struct lab_out l;
	struct iodirty_rec_reader *rd = NULL;
	struct iodirty_rec rec;
	double rec_bytes[MAXH] = {}, rec_harv[MAXH] = {};
	unsigned int i, n, k, ng, busy;
	pid_t tp;
	int st;

	tp = start_top(top, "/tmp/tt.json", "/tmp/tt.err");
	if (tp < 0)
		return;
	st = tr_wait(tr_spawn(lab, "/tmp/tt.lab", "/tmp/tt.lab.err"), 60000);
	ASSERT_EQ(st, 0, "iodirty-lab exit status");
	kill(tp, SIGINT);
	ASSERT_EQ(tr_wait(tp, 60000), 0, "iodirty-top exits 0 at SIGINT");
	ng = parse_gets("/tmp/tt.lab", g, 512);
	if (!ASSERT_TRUE(parse_lab("/tmp/tt.lab", &l), "lab output") ||
	    !ASSERT_EQ(l.nr, 2, "lab domains") ||
	    !ASSERT_TRUE(parse_top("/tmp/tt.json", &o), "top NDJSON"))
		return;
	ASSERT_FALSE(o.parse_error, "every line is JSON");
	ASSERT_FALSE(o.foreign, "at most the lab's HWPTs");
	ASSERT_GE(o.lines, 5, "one object per interval");
	for (i = 0; i < l.nr; i++) {
		struct lab_total *t = &l.t[i];
		double dirty = 0, harv = 0, bytes = 0, gets = 0;
		int h = hslot(&o, t->domain);

		if (!ASSERT_GE(h, 0, "slot"))
			return;
		for (k = 0; k < ng; k++)
			gets += g[k].domain == t->domain;
		ASSERT_EQ(gets, t->harvests + 1, "lab lines: every GET and the probe");
		busy = 0;
		for (n = 0; n < o.lines; n++) {
			struct hrow *r = &o.r[n][h];
			double secs = o.interval_s[n];
			unsigned long long end = o.mono_ns[n];
			unsigned long long start = n ? o.mono_ns[n - 1] : end - secs * 1e9;
			double in_d = 0, over_d = 0, in_h = 0, over_h = 0;

			for (k = 0; k < ng; k++) {
				if (g[k].domain != t->domain)
					continue;
				if (g[k].start_ns >= start && g[k].end_ns <= end) {
					in_d += g[k].dirty;
					in_h++;
				}
				if (g[k].end_ns > start && g[k].start_ns < end) {
					over_d += g[k].dirty;
					over_h++;
				}
			}
			busy += in_h > 0;
			if (test__verbose())
				printf("# domain %u interval %u: %.3f s, top %.0f pages %.0f harvests, "
				       "lab [%.0f, %.0f] pages [%.0f, %.0f] harvests\n", t->domain, n,
				       secs, r->dirty_pages, r->harvests, in_d, over_d, in_h, over_h);
			ASSERT_TRUE(r->dirty_pages >= in_d && r->dirty_pages <= over_d,
				    "interval's dirty pages == the lab's GETs in it");
			ASSERT_TRUE(r->harvests >= in_h && r->harvests <= over_h,
				    "interval's harvests == the lab's GETs in it");
			/* the rates: the lab's pages (harvests) over the interval, 0.5 % */
			ASSERT_TRUE(r->dirty_pages_s >= in_d / secs * 0.995 &&
				    r->dirty_pages_s <= over_d / secs * 1.005,
				    "pages/s == the lab's pages in the interval / interval_s");
			ASSERT_TRUE(r->harvests_s >= in_h / secs * 0.995 &&
				    r->harvests_s <= over_h / secs * 1.005,
				    "harvests/s == the lab's GETs in the interval / interval_s");
			if (!r->seen)
				continue;
			dirty += r->dirty_pages;
			harv += r->harvests;
			bytes += r->dirty_bytes;
			ASSERT_EQ(r->pid, l.pid, "row pid is the lab's");
			ASSERT_STREQ(r->comm, "iodirty-lab", "row comm");
			ASSERT_EQ(r->hist_sum, r->harvests, "latency histogram counts every harvest");
			ASSERT_TRUE(r->p50 <= r->p99, "p50 <= p99");
			if (r->dirty_pages)
				ASSERT_GE(r->inv, 1, "harvests with dirty pages invalidate");
		}
		ASSERT_GE(busy, 2, "intervals with a whole GET in them");
		/* exact: top saw every harvest (the lab's + its domain-ID probe) */
		ASSERT_EQ(dirty, t->dirty, "top dirty pages == lab's harvested pages");
		ASSERT_EQ(harv, t->harvests + 1, "top harvests == lab's GETs + 1 probe");
		ASSERT_EQ(bytes, t->dirty * 4096.0, "dirty bytes = pages * 4 KiB");
		/* the lab itself (not checked: a loaded host slows its kthread) */
		printf("# domain %u: lab %.0f pages/s over %.2f s (asked 2000 writes/s)\n",
		       t->domain, t->dirty / t->seconds, t->seconds);
	}

	/* the recording: every run and every harvest end, as top counted */
	ASSERT_EQ(o.ring_drops, 0, "no ring drops");
	if (!ASSERT_OK(iodirty_rec_open("/tmp/tt.rec", &rd), "open the recording"))
		return;
	ASSERT_EQ(iodirty_rec_header(rd)->source, IODIRTY_REC_SRC_IODIRTY, "source iodirty");
	n = 0;
	while ((st = iodirty_rec_next(rd, &rec)) == 1) {
		int h = hslot(&o, rec.hwpt_id);

		n++;
		if (h < 0 || !ASSERT_EQ(rec.page_size, 4096, "record page size"))
			break;
		if (rec.type == IODIRTY_REC_DIRTY)
			rec_bytes[h] += rec.length;
		else
			rec_harv[h]++;
	}
	if (!ASSERT_EQ(st, 0, "recording reads to a clean end"))
		printf("# %s\n", iodirty_rec_error(rd));
	iodirty_rec_free(rd);
	ASSERT_EQ(n, o.records, "records == what top reported writing");
	for (i = 0; i < l.nr; i++) {
		int h = hslot(&o, l.t[i].domain);

		ASSERT_EQ(rec_bytes[h], l.t[i].dirty * 4096.0,
			  "recorded dirty bytes == top's dirty bytes");
		ASSERT_EQ(rec_harv[h], l.t[i].harvests + 1, "recorded harvest ends");
	}
}

/* shared with json_schema */
static struct top_out ranges_out;
static bool ranges_ok;

static void hwpt_ranges(void)
{
	/* runs until SIGTERM: top may take long to attach (debug kernel) */
	char *lab[] = { LAB, "-n", "2", "-r", "500", "-t", "200",
			"-P", "zipf", "-m", "32M", "-s", "7", NULL };
	char hw[16], *top[] = { TOP, "-j", "-H", "-R", "4", "-g", "1M", "--hwpt", hw,
				"1", "3", NULL };
	unsigned long long slice = (32ULL << 20) / 2, start, hot_end;
	struct tr_json *j;
	struct lab_out l;
	char *s, *line, *save = NULL;
	unsigned int domain, lines = 0;
	pid_t lp, tp;

	lp = tr_spawn(lab, "/tmp/tr.lab", "/tmp/tr.lab.err");
	if (!ASSERT_TRUE(tr_wait_text("/tmp/tr.lab", "domains", 20000), "lab started"))
		goto out_lab;
	/* the domains are in the first line; the second device's is the last */
	s = tr_slurp("/tmp/tr.lab");
	line = s ? strstr(s, "domains ") : NULL;
	if (!ASSERT_OK_PTR(line, "domains") ||
	    !ASSERT_EQ(sscanf(line, "domains %*u,%u", &domain), 1, "second domain")) {
		free(s);
		goto out_lab;
	}
	free(s);
	snprintf(hw, sizeof(hw), "%u", domain);
	tp = start_top(top, "/tmp/tr.json", "/tmp/tr.err");
	if (tp < 0)
		goto out_lab;
	ASSERT_EQ(tr_wait(tp, 60000), 0, "iodirty-top exit status");
	kill(lp, SIGTERM);
	ASSERT_EQ(tr_wait(lp, 60000), 0, "iodirty-lab exits 0 at SIGTERM");
	lp = 0;
	if (!ASSERT_TRUE(parse_lab("/tmp/tr.lab", &l), "lab output") ||
	    !ASSERT_TRUE(parse_top("/tmp/tr.json", &ranges_out), "top NDJSON"))
		return;
	ranges_ok = !ranges_out.parse_error;
	ASSERT_EQ(ranges_out.nh, 1, "one HWPT");
	ASSERT_EQ(ranges_out.hwpt[0], domain, "the one asked for");
	/* device 1 writes [iova + slice, + slice); zipf's hot set: its first 1/8 */
	start = l.iova + slice;
	hot_end = start + slice / 8;
	s = tr_slurp("/tmp/tr.json");
	for (line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		struct tr_json *r, *k;
		unsigned int i = 0;

		j = tr_json_parse(line);
		r = tr_jget(j, "ranges");
		for (k = r ? r->kids : NULL; k; k = k->next, i++) {
			double iova = tr_jnum(k, "iova"), end = tr_jnum(k, "end");

			ASSERT_EQ(tr_jnum(k, "hwpt"), domain, "range of the filtered HWPT");
			ASSERT_TRUE(iova >= start && end <= start + slice, "range inside the slice");
			ASSERT_EQ(end - iova, 1 << 20, "granule 1 MiB");
			if (i < 2)
				ASSERT_TRUE(iova >= start && end <= hot_end,
					    "the 2 hottest ranges are the zipf hot set");
		}
		if (r && r->kids)
			lines++;
		tr_json_free(j);
	}
	free(s);
	ASSERT_GE(lines, 2, "intervals with ranges");
	return;
out_lab:
	if (lp > 0) {
		kill(lp, SIGTERM);
		tr_wait(lp, 60000);
	}
}

static void json_schema(void)
{
	char *golden = tr_slurp(OPT "tracer_top.keys"), *want, *p, *line, *save = NULL;
	unsigned int missing = 0, extra = 0;

	if (!ASSERT_OK_PTR(golden, "golden key list") ||
	    !ASSERT_TRUE(ranges_ok, "NDJSON of hwpt_ranges (earlier subtest)")) {
		free(golden);
		return;
	}
	want = calloc(1, strlen(golden) + 2);
	if (!want)
		return;
	strcpy(want, "\n");
	for (line = strtok_r(golden, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[280];

		if (*line == '#' || !*line)
			continue;
		strcat(want, line);
		strcat(want, "\n");
		snprintf(key, sizeof(key), "\n%s\n", line);
		if (!strstr(ranges_out.paths, key)) {
			printf("# missing from the output: %s\n", line);
			missing++;
		}
	}
	for (p = ranges_out.paths + 1; *p; p = strchr(p, '\n') + 1) {
		char key[280];
		int len = strchr(p, '\n') - p;

		snprintf(key, sizeof(key), "\n%.*s\n", len, p);
		if (!strstr(want, key)) {
			printf("# not in tracer_top.keys: %.*s\n", len, p);
			extra++;
		}
	}
	ASSERT_EQ(missing, 0, "documented keys present");
	ASSERT_EQ(extra, 0, "no undocumented key");
	free(want);
	free(golden);
}

static void pid_filter(void)
{
	char pid[16], *top[] = { TOP, "-j", "-p", pid, "1", "2", NULL };
	char *nosuch[] = { TOP, "-p", "999999", "1", "1", NULL };
	char *lab[] = { LAB, "-r", "2000", "-t", "200", "-d", "4", "-q", NULL };
	static struct top_out o;
	char *err;
	pid_t lp, tp;

	/* init (PID 1) is alive and never harvests */
	snprintf(pid, sizeof(pid), "%d", 1);
	lp = tr_spawn(lab, "/tmp/tp.lab", "/tmp/tp.lab.err");
	tp = start_top(top, "/tmp/tp.json", "/tmp/tp.err");
	if (tp >= 0) {
		ASSERT_EQ(tr_wait(tp, 60000), 0, "iodirty-top exit status");
		if (ASSERT_TRUE(parse_top("/tmp/tp.json", &o), "NDJSON")) {
			ASSERT_EQ(o.lines, 2, "two intervals");
			ASSERT_EQ(o.nh, 0, "no rows for a PID that does not harvest");
		}
		ASSERT_TRUE(tr_wait_text("/tmp/tp.err", "no harvest by PID 1", 0),
			    "says there was no match");
	}
	ASSERT_EQ(tr_wait(lp, 60000), 0, "iodirty-lab exit status");
	ASSERT_NEQ(tr_wait(tr_spawn(nosuch, "/tmp/tp.out", "/tmp/tp.err2"), 20000), 0,
		   "-p of no process fails");
	err = tr_slurp("/tmp/tp.err2");
	ASSERT_TRUE(err && strstr(err, "-p 999999: no such process"), "names the PID");
	free(err);
}

static void bad_options(void)
{
	static const struct { const char *arg, *msg; } cases[] = {
		{ "--bogus", "unrecognized option" },
		{ "-s=nosuch", "unknown sort key 'nosuch'" },
		{ "-g=3000", "invalid granule '3000'" },
		{ "0", "invalid interval '0'" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char arg[32], *argv[4] = { TOP, arg, NULL }, *err, *eq;
		int st;

		snprintf(arg, sizeof(arg), "%s", cases[i].arg);
		eq = strchr(arg, '=');
		if (eq) {	/* "-s=x" means "-s" "x" */
			*eq = 0;
			argv[2] = eq + 1;
			argv[3] = NULL;
		}
		st = tr_wait(tr_spawn(argv, "/tmp/tb.out", "/tmp/tb.err"), 20000);
		ASSERT_NEQ(st, 0, cases[i].arg);
		err = tr_slurp("/tmp/tb.err");
		if (!ASSERT_TRUE(err && strstr(err, cases[i].msg), cases[i].msg))
			printf("# stderr: %s\n", err ? err : "(none)");
		free(err);
	}
}

/*
 * A 4 KiB record ring (about 64 events) against a random workload (many
 * runs per harvest): events are dropped, every one is counted, and the
 * lab's harvests are not held up (one per period).
 */
static void ring_drops_counted(void)
{
	char *top[] = { TOP, "-j", "--record", "/tmp/tq.rec", "--ring-size", "4K",
			"1", "4", NULL };
	char *lab[] = { LAB, "-r", "20000", "-t", "200", "-P", "random", "-m", "32M", NULL };
	static struct top_out o;
	double runs = 0, harv = 0;
	struct lab_out l;
	unsigned int n;
	pid_t tp, lp;

	tp = start_top(top, "/tmp/tq.json", "/tmp/tq.err");
	if (tp < 0)
		return;
	lp = tr_spawn(lab, "/tmp/tq.lab", "/tmp/tq.lab.err");
	ASSERT_EQ(tr_wait(tp, 60000), 0, "iodirty-top exit status");
	kill(lp, SIGTERM);
	ASSERT_EQ(tr_wait(lp, 60000), 0, "iodirty-lab exit status");
	if (!ASSERT_TRUE(parse_top("/tmp/tq.json", &o), "NDJSON") ||
	    !ASSERT_TRUE(parse_lab("/tmp/tq.lab", &l), "lab output"))
		return;
	for (n = 0; n < o.lines; n++) {
		runs += o.r[n][0].runs;
		harv += o.r[n][0].harvests;
	}
	ASSERT_GE(o.ring_drops, 1, "a full ring drops events");
	/* every run and every harvest end is either recorded or counted */
	ASSERT_EQ(o.records + o.ring_drops, runs + harv, "records + drops == events");
	ASSERT_GE(harv, 4, "harvests went on");
	/* the harvest never waits for the ring: one GET per 200 ms period */
	ASSERT_TRUE(l.t[0].harvests + 1 >= l.t[0].seconds / 0.2 - 1,
		    "lab harvested every period");
}

/* without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (dropped from the bounding set) */
static void no_privileges(void)
{
	static const int caps[] = { CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN };
	char *argv[] = { TOP, "1", "1", NULL }, *err;
	pid_t pid = fork();

	if (!pid) {
		int fe = open("/tmp/tn.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fe < 0 || proc_drop_caps(caps, 3))
			_exit(126);
		dup2(fe, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (!ASSERT_GE(pid, 1, "fork"))
		return;
	ASSERT_EQ(tr_wait(pid, 20000), 1, "exit status 1");
	err = tr_slurp("/tmp/tn.err");
	if (!ASSERT_TRUE(err && strstr(err, "needs CAP_BPF and CAP_PERFMON"),
			 "message names the capabilities"))
		printf("# stderr: %s\n", err ? err : "(none)");
	free(err);
}

static void with_demo(void)
{
	char *top[] = { TOP, "-j", "1", "6", NULL };
	char *demo[] = { OPT "iodirty-demo", "-x", "-s", "3", "-m", "16", NULL };
	static struct top_out o;
	double scans = 0, dirty = 0, runs = 0;
	unsigned int n, h;
	pid_t tp, dp;

	tp = start_top(top, "/tmp/td.json", "/tmp/td.err");
	if (tp < 0)
		return;
	dp = tr_spawn(demo, "/tmp/td.demo", "/tmp/td.demo.err");
	ASSERT_EQ(tr_wait(dp, 60000), 0, "iodirty-demo exit status");
	ASSERT_EQ(tr_wait(tp, 60000), 0, "iodirty-top exit status");
	if (!ASSERT_TRUE(parse_top("/tmp/td.json", &o), "NDJSON"))
		return;
	for (n = 0; n < o.lines; n++)
		for (h = 0; h < o.nh; h++) {
			scans += o.r[n][h].scans;
			dirty += o.r[n][h].dirty_pages;
			runs += o.r[n][h].runs;
		}
	ASSERT_GE(scans, 3, "background scans seen");
	ASSERT_GE(dirty, 1, "dirty pages seen");
	ASSERT_GE(runs, 1, "dirty runs seen");
}

DEFINE_TEST(tracer_top)
{
	if (test__start_subtest("rate_and_record"))
		rate_and_record();
	if (test__start_subtest("hwpt_ranges"))
		hwpt_ranges();
	if (test__start_subtest("json_schema"))
		json_schema();
	if (test__start_subtest("pid_filter"))
		pid_filter();
	if (test__start_subtest("bad_options"))
		bad_options();
	if (test__start_subtest("ring_drops_counted"))
		ring_drops_counted();
	if (test__start_subtest("no_privileges"))
		no_privileges();
	if (test__start_subtest("with_demo"))
		with_demo();
}
