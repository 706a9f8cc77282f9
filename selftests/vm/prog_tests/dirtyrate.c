// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sampled dirty-rate estimate (iodirty-lab --dirty-rate, estimator in
 * user/iodirty_dirtyrate.c) against the exact rate, and the proof that it
 * clears nothing.
 *
 * Tolerance of a round (both estimators): with M pages of P bytes, n
 * samples (the bitmap estimator: its clean_start), the exact fraction
 * p = exact.dirty_pages / M, the estimate's period T_e and the exact one
 * T_x (T_e lies inside T_x):
 *
 *   |rate_est - rate_exact| <= 4 * sigma + window            (MB/s)
 *   sigma  = M P / 2^20 / T_e * sqrt(p (1 - p) / n * (M - n) / (M - 1))
 *   window = writes / T_x * (T_x - T_e) / T_x * P / 2^20
 *
 * sigma is the standard error of a fraction sampled without replacement
 * (the host test test_dirtyrate shows the estimator's spread is that);
 * 4 sigma leaves a false failure once in ~16000 checks.  window bounds the
 * difference the two periods make: pages written only in the exact
 * period's extra time are at most the writes in it, and rate over a
 * shorter period of the same pages is higher by at most the ratio.
 *
 *   uniform        lab, random pattern, 64 MiB, 65536 pages/GiB (n = 4096 of
 *                  16384):
 *                  every round within tolerance, hash and bitmap; missed 0;
 *                  the rates are the documented formulas of the fields
 *   zipf           lab, 2 devices (2 HWPTs), zipf: the same, and the exact
 *                  count is the sum of the two domains' (disjoint slices)
 *   qemu_default   lab without --sample-pages: 512 pages/GiB (n = 32), the
 *                  same (wide) tolerance
 *   no_clear_bits_unchanged  own HWPT, known pages dirty, no DMA during an
 *                  estimate: a NO_CLEAR GET of all memory before and after
 *                  it shows the same bits; each sample's start state is
 *                  that bitmap's bit; nothing changed
 *   exact_sees_estimate_writes  known pages written during an estimate:
 *                  the clearing GET after it reports exactly them; the
 *                  samples among them are the ones both estimators flag
 *   clearing_get_caught  the same two checks with the test-only clearing
 *                  reads (IODIRTY_DR_TEST_CLEARING_GET): the bits of the
 *                  sampled pages (and of the rest of each read's 64-page
 *                  window) disappear, and the lab with --test-clearing-get
 *                  reports missed > 0: the checks above would fail
 *   bad_input      N = 0, calc-time 0 and too short, more samples than
 *                  pages, too few for the memory, -j without --dirty-rate
 */
#include <math.h>
#include "../test_progs.h"
#include "../tracer_util.h"
#include "iodirty_dirtyrate.h"

#define LAB	"/opt/iodirty/iodirty-lab"
#define MAXR	32

struct dr_est {
	bool valid;		/* bitmap: dirty_rate is not null */
	double n, hits, seconds, rate;
};

struct dr_line {
	double samples, pages, page_size, mem_bytes, sample_pages;
	struct dr_est hash, bitmap;
	double x_pages, x_seconds, x_rate, writes, missed, dom_sum;
};

struct dr_out {
	unsigned int nr, other, bad;	/* dirtyrate lines, start/total, not JSON */
	double start_samples;
	struct dr_line r[MAXR];
};

static bool parse_dr(const char *path, struct dr_out *o)
{
	char *s = tr_slurp(path), *line, *save = NULL;

	memset(o, 0, sizeof(*o));
	if (!s)
		return false;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct tr_json *j = tr_json_parse(line), *t, *h, *b, *x, *d, *k;
		struct dr_line *r;

		t = tr_jget(j, "type");
		if (!j || !t || t->type != TJ_STR) {
			o->bad++;
			tr_json_free(j);
			continue;
		}
		if (!strcmp(t->str, "start"))
			o->start_samples = tr_jnum(j, "samples");
		if (strcmp(t->str, "dirtyrate") || o->nr == MAXR) {
			o->other++;
			tr_json_free(j);
			continue;
		}
		r = &o->r[o->nr++];
		r->samples = tr_jnum(j, "samples");
		r->pages = tr_jnum(j, "pages");
		r->page_size = tr_jnum(j, "page_size");
		r->mem_bytes = tr_jnum(j, "mem_bytes");
		r->sample_pages = tr_jnum(j, "sample_pages");
		r->missed = tr_jnum(j, "missed");
		h = tr_jget(j, "hash");
		r->hash = (struct dr_est){ true, r->samples, tr_jnum(h, "changed"),
					   tr_jnum(h, "seconds"), tr_jnum(h, "dirty_rate") };
		b = tr_jget(j, "bitmap");
		k = tr_jget(b, "dirty_rate");
		r->bitmap = (struct dr_est){ k && k->type == TJ_NUM, tr_jnum(b, "clean_start"),
					     tr_jnum(b, "dirty_end"), tr_jnum(b, "seconds"),
					     tr_jnum(b, "dirty_rate") };
		x = tr_jget(j, "exact");
		r->x_pages = tr_jnum(x, "dirty_pages");
		r->x_seconds = tr_jnum(x, "seconds");
		r->x_rate = tr_jnum(x, "dirty_rate");
		r->writes = tr_jnum(x, "writes");
		d = tr_jget(x, "domains");
		for (k = d ? d->kids : NULL; k; k = k->next)
			r->dom_sum += tr_jnum(k, "dirty_pages");
		tr_json_free(j);
	}
	free(s);
	return o->nr > 0;
}

/* the header's formula: 4 sigma plus the window term, in MB/s */
static double dr_tolerance(const struct dr_line *r, const struct dr_est *e)
{
	double mb = r->page_size / 1048576.0;
	double p = r->x_pages / r->pages;
	double sigma = r->pages * mb / e->seconds *
		       iodirty_dr_stderr(p, (__u64)e->n, (__u64)r->pages);
	double window = r->writes / r->x_seconds *
			(r->x_seconds - e->seconds) / r->x_seconds * mb;

	return 4 * sigma + window;
}

static void check_est(const struct dr_line *r, const struct dr_est *e, const char *name,
		      unsigned int round)
{
	double tol = dr_tolerance(r, e), mem_mb = r->mem_bytes / 1048576.0;

	printf("# %s: round %u %s: estimate %.3f MB/s, exact %.3f MB/s, error %+.3f, "
	       "tolerance %.3f (n %.0f, %.0f hits, %.3f of %.3f s)\n", test__current(),
	       round, name, e->rate, r->x_rate, e->rate - r->x_rate, tol, e->n, e->hits,
	       e->seconds, r->x_seconds);
	ASSERT_TRUE(e->seconds > 0 && e->seconds <= r->x_seconds + 1e-6,
		    "estimate period inside the exact one");
	ASSERT_TRUE(e->hits > 0, "the estimate saw writes");
	ASSERT_TRUE(fabs(e->rate - r->x_rate) <= tol, "estimate within tolerance of exact");
	/* the field is the documented formula of the others */
	ASSERT_TRUE(fabs(e->rate - e->hits / e->n * mem_mb / e->seconds) <=
		    1e-4 * (e->rate + 1), "dirty_rate = hits / n * MB / seconds");
}

/* run the lab with @argv, every line JSON, rounds checked as the header says */
static void lab_rounds(char **argv, double want_samples, bool two_domains)
{
	static struct dr_out o;
	unsigned int i;
	int st;

	/* minutes, not seconds: a loaded KASAN guest sets up slowly */
	st = tr_wait(tr_spawn(argv, "/tmp/dr.out", "/tmp/dr.err"), 600000);
	if (!ASSERT_EQ(st, 0, "iodirty-lab exit status")) {
		char *e = tr_slurp("/tmp/dr.err");

		printf("# %s: stderr: %s\n", test__current(), e ? e : "?");
		free(e);
		return;
	}
	if (!ASSERT_TRUE(parse_dr("/tmp/dr.out", &o), "dirtyrate lines"))
		return;
	ASSERT_EQ(o.bad, 0, "every line is a JSON object with a type");
	ASSERT_EQ(o.start_samples, want_samples, "start line: samples");
	for (i = 0; i < o.nr; i++) {
		const struct dr_line *r = &o.r[i];
		double mb = r->page_size / 1048576.0;

		ASSERT_EQ(r->samples, want_samples, "samples = mem * N >> 30");
		ASSERT_EQ(r->pages * r->page_size, r->mem_bytes, "pages of the memory");
		ASSERT_TRUE(r->x_pages > 0 && r->x_pages <= r->writes, "exact: 0 < pages <= writes");
		ASSERT_TRUE(fabs(r->x_rate - r->x_pages * mb / r->x_seconds) <= 1e-4 * (r->x_rate + 1),
			    "exact dirty_rate = pages * P / 2^20 / seconds");
		ASSERT_EQ(r->missed, 0, "every page the estimate saw written is in the exact GET");
		if (two_domains)
			ASSERT_EQ(r->dom_sum, r->x_pages, "disjoint slices: exact = sum of domains");
		check_est(r, &r->hash, "hash", i + 1);
		if (ASSERT_TRUE(r->bitmap.valid, "bitmap estimate present"))
			check_est(r, &r->bitmap, "bitmap", i + 1);
		/*
		 * The exact GET cleared every page; the bitmap estimator
		 * starts its window later (e->seconds < x_seconds: on a slow
		 * KASAN guest over a second later) and drops the samples
		 * already written again by then.  At most one page per write
		 * in that gap, so the clean samples are at least the
		 * pattern-free floor samples * (1 - gap writes / pages),
		 * less 4 sigma of the sampling.  A GET that left pages dirty
		 * would drop about every sample written in the whole round.
		 */
		{
			double gap_writes = r->writes / r->x_seconds *
					    (r->x_seconds - r->bitmap.seconds);
			double floor_n = r->samples * (1 - gap_writes / r->pages) -
					 4 * sqrt(r->samples);

			printf("# %s: round %u: %.0f of %.0f samples clean at the bitmap start, "
			       "floor %.0f (%.0f writes since the exact GET)\n",
			       test__current(), i + 1, r->bitmap.n, r->samples, floor_n,
			       gap_writes);
			ASSERT_TRUE(r->bitmap.n <= r->samples && r->bitmap.n >= floor_n,
				    "sampled pages start clean (the exact GET just cleared them)");
		}
	}
}

static void uniform(void)
{
	char *argv[] = { LAB, "--dirty-rate", "-j", "-P", "random", "-r", "4000", "-m", "64M",
			 "--sample-pages", "65536", "--calc-time", "3", "-d", "5", NULL };

	lab_rounds(argv, 4096, false);
}

static void zipf(void)
{
	char *argv[] = { LAB, "--dirty-rate", "-j", "-n", "2", "-P", "zipf", "-r", "2000",
			 "-m", "64M", "--sample-pages", "65536", "--calc-time", "3", "-d", "5",
			 NULL };

	lab_rounds(argv, 4096, true);
}

static void qemu_default(void)
{
	char *argv[] = { LAB, "--dirty-rate", "-j", "-P", "random", "-r", "4000", "-m", "64M",
			 "--calc-time", "2", NULL };

	lab_rounds(argv, 32, false);
}

/* ---- the estimator on a HWPT of the test's own ------------------------- */

#define OWN_PAGES	4096ULL		/* 16 MiB */
#define OWN_LEN		(OWN_PAGES * SZ_4K)

struct own {
	struct emu_env e;
	void *buf;
	unsigned char *b0, *b1;
	__u64 bm_bytes;
};

static bool own_setup(struct own *w)
{
	memset(w, 0, sizeof(*w));
	w->e.fd = -1;
	w->bm_bytes = emu_bm_bytes(OWN_PAGES);
	w->buf = mmap(NULL, OWN_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(w->buf != MAP_FAILED, "mmap")) {
		w->buf = NULL;
		return false;
	}
	/* 4 KiB leaves: one DMA write dirties one page of the bitmap */
	if (!ASSERT_OK(madvise(w->buf, OWN_LEN, MADV_NOHUGEPAGE), "MADV_NOHUGEPAGE"))
		return false;
	memset(w->buf, 0, OWN_LEN);
	w->b0 = calloc(1, w->bm_bytes);
	w->b1 = calloc(1, w->bm_bytes);
	if (!ASSERT_TRUE(w->b0 && w->b1, "bitmaps"))
		return false;
	return emu_env_setup(&w->e, IODIRTY_MODEL_AMD, 0, w->buf, OWN_LEN, EMU_IOVA, true);
}

static void own_teardown(struct own *w)
{
	emu_env_teardown(&w->e);
	if (w->buf)
		munmap(w->buf, OWN_LEN);
	free(w->b0);
	free(w->b1);
}

static int own_get(struct own *w, unsigned char *bm, __u32 flags)
{
	memset(bm, 0, w->bm_bytes);
	return iodirty_get_dirty_bitmap(w->e.fd, w->e.hwpt, EMU_IOVA, OWN_LEN, SZ_4K, bm, flags);
}

static bool own_write(struct own *w, __u64 page)
{
	return ASSERT_OK(iodirty_dma_write(w->e.fd, w->e.dev, EMU_IOVA + page * SZ_4K, 64),
			 "DMA write");
}

static bool own_dr(struct own *w, struct iodirty_dr *dr, __u32 flags)
{
	struct iodirty_dr_cfg c = {
		.mem = w->buf, .mem_bytes = OWN_LEN, .iova = EMU_IOVA, .page_size = SZ_4K,
		.sample_pages = 1 << 17, .seed = 5, .fd = w->e.fd, .hwpts = &w->e.hwpt,
		.nr_hwpts = 1, .flags = flags,	/* n = 2048, half the pages */
	};
	char why[256] = "";
	int err = iodirty_dr_init(dr, &c, why, sizeof(why));

	if (!ASSERT_OK(err, "iodirty_dr_init"))
		printf("# %s: %s\n", test__current(), why);
	return !err;
}

/*
 * Pages 5k dirty, then an estimate with no DMA during it.  Returns the
 * bits of b1 that differ from b0 (0 when nothing was cleared).
 */
static __u64 quiet_estimate(struct own *w, __u32 flags, __u64 *sampled_dirty)
{
	struct iodirty_dr dr;
	__u64 p, i, diff = ~0ULL, want_clean = 0, lost = 0;

	*sampled_dirty = 0;
	if (!ASSERT_OK(own_get(w, w->b0, 0), "clearing GET") || !own_dr(w, &dr, flags))
		return diff;
	for (p = 0; p < OWN_PAGES; p += 5)
		if (!own_write(w, p))
			goto out;
	if (!ASSERT_OK(own_get(w, w->b0, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), "NO_CLEAR GET before"))
		goto out;
	ASSERT_EQ(emu_bm_weight(w->b0, OWN_PAGES), (OWN_PAGES + 4) / 5, "written pages dirty");
	if (!ASSERT_OK(iodirty_dr_start(&dr, 1), "estimate start"))
		goto out;
	emu_msleep(100);
	if (!ASSERT_OK(iodirty_dr_end(&dr), "estimate end") ||
	    !ASSERT_OK(own_get(w, w->b1, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), "NO_CLEAR GET after"))
		goto out;
	diff = emu_bm_diff(w->b1, w->b0, OWN_PAGES, "bits after the estimate");
	for (i = 0; i < dr.n; i++) {
		bool d = emu_bm_test(w->b0, dr.s[i].page);

		*sampled_dirty += d;
		want_clean += !d;
		if (dr.s[i].dirty0 != d)
			lost++;
		/* a clearing read removes exactly the sampled pages' bits */
		if (flags && d && emu_bm_test(w->b1, dr.s[i].page))
			lost++;
	}
	ASSERT_EQ(lost, 0, "each sample's start state is its bit");
	ASSERT_EQ(dr.clean_start, want_clean, "clean_start = samples with a clear bit");
	ASSERT_EQ(dr.changed, 0, "no page changed");
	ASSERT_EQ(dr.dirty_end, 0, "no page became dirty");
out:
	iodirty_dr_free(&dr);
	return diff;
}

/*
 * Clear, estimate with pages 7k+3 written during it, clear again: the
 * second GET must report exactly those pages.  Returns how many written
 * pages it did not report.
 */
static __u64 busy_estimate(struct own *w, __u32 flags, __u64 *sampled_written)
{
	struct iodirty_dr dr;
	__u64 p, i, missing = ~0ULL, wrong = 0, written = 0;

	*sampled_written = 0;
	if (!ASSERT_OK(own_get(w, w->b0, 0), "clearing GET") || !own_dr(w, &dr, flags))
		return missing;
	memset(w->b0, 0, w->bm_bytes);
	if (!ASSERT_OK(iodirty_dr_start(&dr, 2), "estimate start"))
		goto out;
	for (p = 3; p < OWN_PAGES; p += 7) {
		if (p % 5 == 0)
			continue;	/* written before with the same bytes */
		if (!own_write(w, p))
			goto out;
		emu_bm_set(w->b0, p);
		written++;
	}
	if (!ASSERT_OK(iodirty_dr_end(&dr), "estimate end") ||
	    !ASSERT_OK(own_get(w, w->b1, 0), "clearing GET after"))
		goto out;
	missing = 0;
	for (p = 0; p < OWN_PAGES; p++)
		missing += emu_bm_test(w->b0, p) && !emu_bm_test(w->b1, p);
	if (!flags)
		ASSERT_EQ(emu_bm_diff(w->b1, w->b0, OWN_PAGES, "exact GET after the estimate"), 0,
			  "the exact GET reports exactly the pages written");
	for (i = 0; i < dr.n; i++) {
		bool wr = emu_bm_test(w->b0, dr.s[i].page);

		*sampled_written += wr;
		wrong += dr.s[i].changed != wr || dr.s[i].dirty1 != wr;
	}
	ASSERT_EQ(wrong, 0, "samples flagged by hash and bitmap = samples written");
	ASSERT_EQ(dr.changed, *sampled_written, "hash: changed");
	ASSERT_EQ(dr.dirty_end, *sampled_written, "bitmap: dirty_end");
	ASSERT_EQ(written, emu_bm_weight(w->b0, OWN_PAGES), "written set");
out:
	iodirty_dr_free(&dr);
	return missing;
}

static void no_clear_bits_unchanged(void)
{
	struct own w;
	__u64 sd;

	if (own_setup(&w)) {
		ASSERT_EQ(quiet_estimate(&w, 0, &sd), 0, "NO_CLEAR GET before == after");
		ASSERT_GE(sd, 1, "some sampled pages were dirty");
	}
	own_teardown(&w);
}

static void exact_sees_estimate_writes(void)
{
	struct own w;
	__u64 sw;

	if (own_setup(&w)) {
		ASSERT_EQ(busy_estimate(&w, 0, &sw), 0, "no written page missing");
		ASSERT_GE(sw, 1, "some sampled pages were written");
	}
	own_teardown(&w);
}

static void clearing_get_caught(void)
{
	char *argv[] = { LAB, "--dirty-rate", "-j", "-P", "random", "-r", "4000", "-m", "64M",
			 "--sample-pages", "65536", "--calc-time", "1", "--test-clearing-get", NULL };
	static struct dr_out o;
	struct own w;
	__u64 sd = 0, sw = 0, diff, missing;

	if (own_setup(&w)) {
		diff = quiet_estimate(&w, IODIRTY_DR_TEST_CLEARING_GET, &sd);
		printf("# %s: clearing reads: %llu bits changed, %llu sampled dirty\n",
		       test__current(), (unsigned long long)diff, (unsigned long long)sd);
		/* each read clears its whole window, so more than the samples go */
		ASSERT_TRUE(diff != ~0ULL && diff >= sd && sd > 0,
			    "the before/after check sees the cleared bits");
		missing = busy_estimate(&w, IODIRTY_DR_TEST_CLEARING_GET, &sw);
		printf("# %s: clearing reads: %llu written pages missing, %llu sampled written\n",
		       test__current(), (unsigned long long)missing, (unsigned long long)sw);
		ASSERT_TRUE(missing != ~0ULL && missing >= sw && sw > 0,
			    "the exact GET misses the sampled written pages");
	}
	own_teardown(&w);
	if (!ASSERT_EQ(tr_wait(tr_spawn(argv, "/tmp/dr.out", "/tmp/dr.err"), 600000), 0,
		       "iodirty-lab --test-clearing-get exit status") ||
	    !ASSERT_TRUE(parse_dr("/tmp/dr.out", &o), "dirtyrate line"))
		return;
	printf("# %s: lab with clearing reads: missed %.0f\n", test__current(), o.r[0].missed);
	ASSERT_GE(o.r[0].missed, 1, "the lab's missed count sees it");
}

/* exit 64 and @msg in stderr */
static void bad(char **argv, const char *msg)
{
	int st = tr_wait(tr_spawn(argv, "/tmp/dr.out", "/tmp/dr.err"), 30000);
	char *e = tr_slurp("/tmp/dr.err");

	ASSERT_EQ(st, 64, argv[2]);
	if (!ASSERT_TRUE(e && strstr(e, msg), msg))
		printf("# %s: stderr: %s\n", test__current(), e ? e : "?");
	free(e);
}

static void bad_input(void)
{
	char *n0[] = { LAB, "--dirty-rate", "--sample-pages", "0", NULL };
	char *t0[] = { LAB, "--dirty-rate", "--calc-time", "0", NULL };
	char *t20[] = { LAB, "--dirty-rate", "--calc-time", "20ms", NULL };
	char *big[] = { LAB, "--dirty-rate", "--sample-pages", "300000", "-m", "64M", NULL };
	char *few[] = { LAB, "--dirty-rate", "--sample-pages", "100", "-m", "1M", NULL };
	char *huge[] = { LAB, "--dirty-rate", "--page-size", "2M", "--sample-pages", "1024", NULL };
	char *nodr[] = { LAB, "-j", "--sample-pages", "5", NULL };

	bad(n0, "--sample-pages must be at least 1");
	bad(t0, "--calc-time must be 50 ms..60 s");
	bad(t20, "--calc-time must be 50 ms..60 s");
	bad(big, "more than the 16384 pages");
	bad(few, "is no sample");
	bad(huge, "more than the 32 pages of 2097152 bytes");
	bad(nodr, "need --dirty-rate");
}

DEFINE_TEST(dirtyrate)
{
	if (test__start_subtest("uniform"))
		uniform();
	if (test__start_subtest("zipf"))
		zipf();
	if (test__start_subtest("qemu_default"))
		qemu_default();
	if (test__start_subtest("no_clear_bits_unchanged"))
		no_clear_bits_unchanged();
	if (test__start_subtest("exact_sees_estimate_writes"))
		exact_sees_estimate_writes();
	if (test__start_subtest("clearing_get_caught"))
		clearing_get_caught();
	if (test__start_subtest("bad_input"))
		bad_input();
}
