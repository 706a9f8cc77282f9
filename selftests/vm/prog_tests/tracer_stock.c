// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-top's second source, a stock kernel's iommufd: on the debug
 * kernel (7.x, IOMMUFD=y, IOMMUFD_TEST=y, its own /dev/iommu with mock
 * domains) iommufd-mockdirty (selftests/vm/iommufd_mockdirty.c) dirties
 * known pages with IOMMU_TEST_OP_DIRTY and harvests them with
 * GET_DIRTY_BITMAP; iodirty-top --source iommufd must count exactly what
 * it did.  The truth is the driver's own "total" line (it checks every
 * returned bitmap is exactly the pages it dirtied) and the pattern both
 * share (selftests/vm/mockdirty.h).
 *
 *   probe           every kernel: --source of an unknown name fails; auto
 *                   picks iodirty.ko (loaded in the guest), said with -v
 *   absent_error    kernels without iommufd (Debian 6.12): --source
 *                   iommufd exits 1 naming the missing function; with -v
 *                   it still names the 6.12 vendor functions it found
 *                   (amd_/intel_iommu_read_and_clear_dirty, the io-pgtable
 *                   walk under AMD's left out, the iotlb_syncs)
 *   probe_iommufd   kernels with it: -v names the functions it attached
 *                   (the mock's generic_pt walk and iotlb_sync among them),
 *                   each one present in /proc/kallsyms
 *   mock_exact      200 harvests of 64 pages: per HWPT, over all intervals,
 *                   harvests, dirty pages and bytes, runs (one per 4 KiB
 *                   leaf), bitmap bytes, cleared, walks and walked bytes
 *                   (one walk per GET: one IOAS area, one bitmap chunk),
 *                   invalidations and their bytes, tracking on/off equal
 *                   the driver's; pid/comm are the driver's; no drops
 *   mock_record     the same with --record, 400 x 32 pages (13200 records):
 *                   counts still exact, record.records == 13200, nothing
 *                   dropped or refused, and the file holds, harvest by
 *                   harvest, exactly the pages the pattern dirtied
 *   break_runs_caught  negative control: IODIRTY_TOP_BREAK_RUNS=1 (every run
 *                   counted twice) makes the runs check of mock_exact fail
 */
#include "../test_progs.h"
#include "../tracer_util.h"
#include "../mockdirty.h"
#include "iodirty_record.h"

#define OPT	"/opt/iodirty/"
#define TOP	OPT "iodirty-top"
#define MOCK	OPT "iommufd-mockdirty"

/* what the driver said it did */
struct mock_total {
	int pid;
	unsigned int hwpt, pages, harvests;
	unsigned long long dirtied, reported, tracking, inv, inv_bytes;
};

static bool parse_mock(const char *path, struct mock_total *m)
{
	char *s = tr_slurp(path), *p;
	bool ok = false;

	memset(m, 0, sizeof(*m));
	if (!s)
		return false;
	p = strstr(s, "mockdirty: pid ");
	if (p)
		sscanf(p, "mockdirty: pid %d hwpt %*u ioas %*u pages %u", &m->pid, &m->pages);
	p = strstr(s, "mockdirty: total ");
	if (p)
		ok = sscanf(p, "mockdirty: total hwpt=%u harvests=%u dirtied=%llu reported=%llu "
			    "tracking=%llu inv=%llu inv_bytes=%llu", &m->hwpt, &m->harvests,
			    &m->dirtied, &m->reported, &m->tracking, &m->inv, &m->inv_bytes) == 7;
	free(s);
	return ok && m->pid > 0;
}

/* one HWPT's counters summed over every NDJSON interval */
struct fd_sum {
	unsigned int lines, rows, ctxs;
	double harvests, errors, dirty_pages, dirty_bytes, runs, bitmap_bytes, cleared;
	double walks, walk_bytes, inv, inv_bytes, track_on, track_off;
	double drops, records, rejected, pid_bad, last_pid;
	char comm[17], source[16];
	bool parse_error;
};

static bool parse_fd(const char *path, unsigned int hwpt, struct fd_sum *o)
{
	char *s = tr_slurp(path), *line, *save = NULL;
	double first_ctx = -1;

	memset(o, 0, sizeof(*o));
	if (!s)
		return false;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct tr_json *j = tr_json_parse(line), *h, *k, *d, *c;

		if (!j) {
			o->parse_error = true;
			continue;
		}
		o->lines++;
		c = tr_jget(j, "source");
		if (c && c->type == TJ_STR)
			snprintf(o->source, sizeof(o->source), "%s", c->str);
		d = tr_jget(j, "drops");	/* since start: any non-zero is a drop */
		for (k = d ? d->kids : NULL; k; k = k->next)
			if (strcmp(k->key, "runs_unlabelled"))
				o->drops += k->num;
		/* totals since start: the last line's */
		o->records = tr_jnum(tr_jget(j, "record"), "records");
		o->rejected = tr_jnum(tr_jget(j, "record"), "rejected");
		h = tr_jget(j, "hwpts");
		for (k = h ? h->kids : NULL; k; k = k->next) {
			if (tr_jnum(k, "hwpt") != hwpt)
				continue;
			o->rows++;
			if (first_ctx < 0)
				first_ctx = tr_jnum(k, "ctx");
			if (tr_jnum(k, "ctx") != first_ctx)
				o->ctxs++;	/* a second context with this ID */
			o->harvests += tr_jnum(k, "harvests");
			o->errors += tr_jnum(k, "errors");
			o->dirty_pages += tr_jnum(k, "dirty_pages");
			o->dirty_bytes += tr_jnum(k, "dirty_bytes");
			o->runs += tr_jnum(k, "runs");
			o->bitmap_bytes += tr_jnum(k, "bitmap_bytes");
			o->cleared += tr_jnum(k, "cleared");
			o->walks += tr_jnum(k, "walks");
			o->walk_bytes += tr_jnum(k, "walk_bytes");
			o->inv += tr_jnum(k, "inv");
			o->inv_bytes += tr_jnum(k, "inv_bytes");
			o->track_on += tr_jnum(k, "track_on");
			o->track_off += tr_jnum(k, "track_off");
			o->last_pid = tr_jnum(k, "pid");
			c = tr_jget(k, "comm");
			if (c && c->type == TJ_STR)
				snprintf(o->comm, sizeof(o->comm), "%s", c->str);
		}
		tr_json_free(j);
	}
	free(s);
	return o->lines > 0;
}

static bool have_iommufd(void)
{
	char *s = tr_slurp("/proc/kallsyms");
	bool yes = s && strstr(s, " iommufd_hwpt_get_dirty_bitmap");

	free(s);
	return yes;
}

static int run(char **argv, const char *out, const char *err, unsigned int ms)
{
	pid_t p = tr_spawn(argv, out, err);

	return p > 0 ? tr_wait(p, ms) : -1;
}

static bool has_text(const char *path, const char *text)
{
	char *s = tr_slurp(path);
	bool yes = s && strstr(s, text);

	if (!yes)
		printf("# %s lacks '%s'; it says: %s\n", path, text, s ? s : "(nothing)");
	free(s);
	return yes;
}

static void probe(void)
{
	char *bogus[] = { TOP, "--source", "bogus", "1", "1", NULL };
	char *autov[] = { TOP, "-v", "1", "1", NULL };

	ASSERT_NEQ(run(bogus, "/tmp/ts.out", "/tmp/ts.err", 20000), 0, "--source bogus fails");
	ASSERT_TRUE(has_text("/tmp/ts.err", "unknown source 'bogus'"), "names it");
	ASSERT_EQ(run(autov, "/tmp/ts.out", "/tmp/ts.err", 120000), 0, "auto runs");
	ASSERT_TRUE(has_text("/tmp/ts.err", "source: iodirty tracepoints"),
		    "auto picks iodirty.ko when it is loaded");
	ASSERT_TRUE(has_text("/tmp/ts.err", "Tracing iodirty harvests"), "and traces it");
}

/* the 6.12 names of the vendor functions, and what -v must say of each */
static const struct { const char *fn, *says; } names_612[] = {
	{ "amd_iommu_read_and_clear_dirty", "walk amd_iommu_read_and_clear_dirty (vmlinux)" },
	{ "intel_iommu_read_and_clear_dirty", "walk intel_iommu_read_and_clear_dirty (vmlinux)" },
	{ "iommu_v1_read_and_clear_dirty", "skipped iommu_v1_read_and_clear_dirty (counted at "
	  "amd_iommu_read_and_clear_dirty)" },
	{ "amd_iommu_iotlb_sync", "iotlb amd_iommu_iotlb_sync (vmlinux)" },
	{ "intel_iommu_tlb_sync", "iotlb intel_iommu_tlb_sync (vmlinux)" },
};

static void absent_error(void)
{
	char *argv[] = { TOP, "--source", "iommufd", "-v", "1", "1", NULL };
	char *ks = tr_slurp("/proc/kallsyms");
	unsigned int i, found = 0;

	ASSERT_EQ(run(argv, "/tmp/ts.out", "/tmp/ts.err", 60000), 1, "exit status 1");
	ASSERT_TRUE(has_text("/tmp/ts.err", "has no iommufd_hwpt_get_dirty_bitmap (needs "
			     "CONFIG_IOMMUFD"), "names what is missing");
	/* the vendor names are still probed (and named) on this kernel */
	for (i = 0; i < sizeof(names_612) / sizeof(names_612[0]); i++) {
		char key[80];

		snprintf(key, sizeof(key), " %s\n", names_612[i].fn);
		if (!ks || !strstr(ks, key))
			continue;
		found++;
		ASSERT_TRUE(has_text("/tmp/ts.err", names_612[i].says), names_612[i].fn);
	}
	ASSERT_GE(found, 1, "vendor functions of this kernel");
	free(ks);
}

static void probe_iommufd(void)
{
	char *argv[] = { TOP, "--source", "iommufd", "-v", "1", "1", NULL };
	char *err, *ks, *p, name[128];
	unsigned int walks = 0;

	ASSERT_EQ(run(argv, "/tmp/ts.out", "/tmp/ts.err", 120000), 0, "exit status");
	ASSERT_TRUE(has_text("/tmp/ts.err", "source: iommufd (fentry/fexit"), "says the source");
	ASSERT_TRUE(has_text("/tmp/ts.err", "harvests iommufd_hwpt_get_dirty_bitmap"), "harvests");
	ASSERT_TRUE(has_text("/tmp/ts.err", "runs iova_bitmap_set"), "runs");
	ASSERT_TRUE(has_text("/tmp/ts.err", "tracking iommufd_hwpt_set_dirty_tracking"),
		    "tracking");
	ASSERT_TRUE(has_text("/tmp/ts.err", "walk pt_iommu_amdv1_mock_read_and_clear_dirty"),
		    "the selftest mock's generic_pt walk");
	ASSERT_TRUE(has_text("/tmp/ts.err", "iotlb mock_iotlb_sync"), "the mock's iotlb_sync");
	ASSERT_TRUE(has_text("/tmp/ts.err", "Tracing iommufd harvests"), "traces");
	/* every walk it named is a function of this kernel */
	err = tr_slurp("/tmp/ts.err");
	ks = tr_slurp("/proc/kallsyms");
	for (p = err; p && (p = strstr(p, "iommufd: walk ")); p++) {
		char key[140];

		if (sscanf(p, "iommufd: walk %127s", name) != 1)
			continue;
		snprintf(key, sizeof(key), " %s\n", name);
		walks++;
		if (!ASSERT_TRUE(ks && strstr(ks, key), "walk is in kallsyms"))
			printf("# %s\n", name);
	}
	ASSERT_GE(walks, 1, "walks named");
	free(err);
	free(ks);
}

/* the driver can run here: /dev/iommu with IOMMUFD_TEST (else skip) */
static bool mock_usable(void)
{
	char *argv[] = { MOCK, "-n", "1", "-p", "1", NULL };
	int st = run(argv, "/tmp/tm.out", "/tmp/tm.err", 120000);

	if (st) {
		char *e = tr_slurp("/tmp/tm.err");

		printf("# iommufd-mockdirty: exit %d: %s\n", st, e ? e : "");
		free(e);
		test__skip("no /dev/iommu with IOMMUFD_TEST mock domains");
		return false;
	}
	return true;
}

/*
 * top --source iommufd -j 1 (until SIGINT) while the driver runs with
 * @margs; the driver's totals in *m, top's sums in *o.
 */
static bool traced_run(char **margs, char *const extra[], struct mock_total *m,
		       struct fd_sum *o)
{
	char *top[16] = { TOP, "--source", "iommufd", "-j" };
	unsigned int n = 4, i;
	pid_t tp;
	int st;

	for (i = 0; extra && extra[i] && n < 14; i++)
		top[n++] = extra[i];
	top[n++] = "1";
	top[n] = NULL;
	tp = tr_spawn(top, "/tmp/tm.json", "/tmp/tm.top.err");
	if (!ASSERT_GE(tp, 1, "fork iodirty-top") ||
	    !ASSERT_TRUE(tr_wait_text("/tmp/tm.top.err", "Tracing iommufd harvests", 120000),
			 "iodirty-top attached")) {
		kill(tp, SIGKILL);
		tr_wait(tp, 10000);
		return false;
	}
	st = run(margs, "/tmp/tm.out", "/tmp/tm.err", 600000);
	/* the interval under way is reported at SIGINT */
	emu_msleep(1500);
	kill(tp, SIGINT);
	ASSERT_EQ(tr_wait(tp, 60000), 0, "iodirty-top exit status");
	if (!ASSERT_EQ(st, 0, "iommufd-mockdirty: every bitmap exactly the dirtied pages") ||
	    !ASSERT_TRUE(parse_mock("/tmp/tm.out", m), "driver totals") ||
	    !ASSERT_TRUE(parse_fd("/tmp/tm.json", m->hwpt, o), "top NDJSON"))
		return false;
	ASSERT_FALSE(o->parse_error, "every line is JSON");
	ASSERT_STREQ(o->source, "iommufd", "source");
	return true;
}

static void check_exact(const struct mock_total *m, const struct fd_sum *o)
{
	double len = (double)m->pages * MD_PAGE;

	ASSERT_EQ(m->dirtied, m->reported, "driver: dirtied == reported");
	ASSERT_EQ(o->ctxs, 0, "one iommufd context");
	ASSERT_EQ(o->harvests, m->harvests, "harvests");
	ASSERT_EQ(o->errors, 0, "no failed GET");
	ASSERT_EQ(o->dirty_pages, m->reported, "dirty pages == the bitmaps' popcount");
	ASSERT_EQ(o->dirty_bytes, m->reported * MD_PAGE, "dirty bytes");
	ASSERT_EQ(o->runs, m->reported, "runs: one per dirty 4 KiB leaf");
	ASSERT_EQ(o->bitmap_bytes, m->harvests * (double)(m->pages / 8), "bitmap bytes");
	ASSERT_EQ(o->cleared, m->reported, "cleared (every GET clears)");
	ASSERT_EQ(o->walks, m->harvests, "one vendor walk per GET");
	ASSERT_EQ(o->walk_bytes, m->harvests * len, "walked bytes");
	ASSERT_EQ(o->inv, m->inv, "iotlb_sync calls");
	ASSERT_EQ(o->inv_bytes, m->inv_bytes, "invalidated bytes");
	ASSERT_EQ(o->track_on, 1, "tracking enabled once");
	ASSERT_EQ(o->track_off, 1, "and disabled once");
	ASSERT_EQ(o->last_pid, m->pid, "pid is the driver's");
	ASSERT_STREQ(o->comm, "iommufd-mockdir", "comm is the driver's");
	ASSERT_EQ(o->drops, 0, "nothing dropped");
}

static void mock_exact(void)
{
	char *margs[] = { MOCK, "-n", "200", "-p", "64", "-s", "3", "-N", "2048", NULL };
	struct mock_total m;
	struct fd_sum o;

	if (!mock_usable() || !traced_run(margs, NULL, &m, &o))
		return;
	check_exact(&m, &o);
	ASSERT_EQ(m.harvests, 200, "driver harvests");
	ASSERT_EQ(m.reported, 200 * 64, "driver pages");
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* the recording, harvest by harvest, against mockdirty.h's pattern */
static void check_recording(const char *path, const struct mock_total *m,
			    unsigned int per, unsigned int stride)
{
	struct iodirty_rec_reader *r = NULL;
	struct iodirty_rec rec;
	__u64 got[64], want[64];
	unsigned int k = 0, n = 0, j, bad = 0, total = 0;
	int err;

	err = iodirty_rec_open(path, &r);
	if (!ASSERT_OK(err, "open recording")) {
		printf("# %s\n", iodirty_rec_error(r));
		iodirty_rec_free(r);
		return;
	}
	ASSERT_EQ(iodirty_rec_header(r)->source, IODIRTY_REC_SRC_IOMMUFD, "header source");
	while ((err = iodirty_rec_next(r, &rec)) == 1) {
		total++;
		if (rec.hwpt_id != m->hwpt || rec.page_size != MD_PAGE) {
			bad++;
			continue;
		}
		if (rec.type == IODIRTY_REC_DIRTY) {
			if (n < 64)
				got[n] = rec.iova;
			n++;
			bad += rec.length != MD_PAGE;
			continue;
		}
		/* a harvest's end: its runs are the pages harvest k dirtied */
		bad += rec.iova != MD_IOVA || rec.length != (__u64)m->pages * MD_PAGE;
		if (n != per) {
			if (bad++ < 5)
				printf("# harvest %u: %u runs recorded, %u dirtied\n", k, n, per);
		} else {
			for (j = 0; j < per; j++)
				want[j] = MD_IOVA + md_page(k, j, stride) * MD_PAGE;
			qsort(got, n, sizeof(got[0]), cmp_u64);
			qsort(want, n, sizeof(want[0]), cmp_u64);
			if (memcmp(got, want, n * sizeof(got[0])) && bad++ < 5)
				printf("# harvest %u: recorded pages differ\n", k);
		}
		n = 0;
		k++;
	}
	ASSERT_EQ(err, 0, "clean end of file");
	if (err)
		printf("# %s\n", iodirty_rec_error(r));
	ASSERT_EQ(bad, 0, "records as the driver dirtied them");
	ASSERT_EQ(k, m->harvests, "a HARVEST record per GET");
	ASSERT_EQ(total, m->reported + m->harvests, "records in the file");
	iodirty_rec_free(r);
}

static void mock_record(void)
{
	char *margs[] = { MOCK, "-n", "400", "-p", "32", "-s", "5", "-N", "2048", NULL };
	char *extra[] = { "--record", "/tmp/tm.rec", NULL };
	struct mock_total m;
	struct fd_sum o;

	if (!mock_usable() || !traced_run(margs, extra, &m, &o))
		return;
	check_exact(&m, &o);
	ASSERT_EQ(m.reported + m.harvests, 400 * 32 + 400, "thousands of records");
	ASSERT_EQ(o.records, m.reported + m.harvests, "record.records: every run and harvest");
	ASSERT_EQ(o.rejected, 0, "no record refused");
	check_recording("/tmp/tm.rec", &m, 32, 5);
}

static void break_runs_caught(void)
{
	char *margs[] = { MOCK, "-n", "20", "-p", "16", "-s", "3", "-N", "2048", NULL };
	struct mock_total m;
	struct fd_sum o;

	if (!mock_usable())
		return;
	setenv("IODIRTY_TOP_BREAK_RUNS", "1", 1);
	if (traced_run(margs, NULL, &m, &o)) {
		ASSERT_EQ(o.harvests, m.harvests, "harvests still exact");
		ASSERT_NEQ(o.runs, m.reported, "broken run count is caught by the runs check");
	}
	unsetenv("IODIRTY_TOP_BREAK_RUNS");
}

DEFINE_TEST(tracer_stock)
{
	bool fd = have_iommufd();

	if (test__start_subtest("probe"))
		probe();
	if (!fd) {
		if (test__start_subtest("absent_error"))
			absent_error();
		return;
	}
	if (test__start_subtest("probe_iommufd"))
		probe_iommufd();
	if (test__start_subtest("mock_exact"))
		mock_exact();
	if (test__start_subtest("mock_record"))
		mock_record();
	if (test__start_subtest("break_runs_caught"))
		break_runs_caught();
}
