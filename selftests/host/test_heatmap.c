// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty-heatmap against a synthetic recording with a known pattern: the
 * PNG is read back with libpng and pixels are compared with the colour the
 * documented attribution must give (iodirty-heatmap.h's colour map), the
 * --raw lines must sum to the recorded bytes, and bad recordings get the
 * reader's message and a non-zero exit.
 *
 * The pattern (period P = 10 ms, harvests at P, 2P, ..., 100P; 64 MiB shown):
 *   hwpt 5: band [16, 20) MiB written every harvest (hot for all time);
 *           burst [40, 44) MiB at harvests 40..59, i.e. dirtied in
 *           (39P, 59P] (a harvest reports what the period before it dirtied)
 *   hwpt 9: stripe [50, 52) MiB every harvest, but harvested every 2P with
 *           every page written once per 2P: half hwpt 5's density.
 */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "iodirty_record.h"
#include "iodirty-heatmap.h"

#define MiB (1ull << 20)
#define P 10000000ull	/* 10 ms */
#define NHARV 100
#define RUN (64 * 1024ull)

static char dir[256];

static const char *path(const char *name)
{
	static char buf[4][512];
	static int k;

	if (!dir[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/test_heatmap.%d", t && *t ? t : "/tmp",
			 (int)getpid());
		mkdir(dir, 0700);
	}
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static uint64_t bytes5, bytes9;

static void write_runs(struct iodirty_rec_writer *w, uint64_t t, uint32_t hwpt,
		       uint64_t lo, uint64_t hi, uint64_t *sum)
{
	for (uint64_t a = lo; a < hi; a += RUN) {
		struct iodirty_rec r = { .time_ns = t, .iova = a, .length = RUN,
			.hwpt_id = hwpt, .page_size = 4096, .type = IODIRTY_REC_DIRTY };

		ASSERT_OK(iodirty_rec_write(w, &r));
		*sum += RUN;
	}
}

static void harvest_rec(struct iodirty_rec_writer *w, uint64_t t, uint32_t hwpt)
{
	struct iodirty_rec r = { .time_ns = t, .iova = 0, .length = 64 * MiB,
		.hwpt_id = hwpt, .page_size = 4096, .type = IODIRTY_REC_HARVEST };

	ASSERT_OK(iodirty_rec_write(w, &r));
}

static void make_pattern(const char *file)
{
	struct iodirty_rec_writer *w;

	bytes5 = bytes9 = 0;
	ASSERT_OK(iodirty_rec_create(file, IODIRTY_REC_SRC_SYNTH, "test_heatmap", &w));
	for (int k = 1; k <= NHARV; k++) {
		uint64_t t = k * P;

		write_runs(w, t, 5, 16 * MiB, 20 * MiB, &bytes5);
		if (k >= 40 && k <= 59)
			write_runs(w, t, 5, 40 * MiB, 44 * MiB, &bytes5);
		harvest_rec(w, t, 5);
		if (k % 2 == 0) {
			write_runs(w, t, 9, 50 * MiB, 52 * MiB, &bytes9);
			harvest_rec(w, t, 9);
		}
	}
	ASSERT_OK(iodirty_rec_close(w));
}

/* Runs the tool with @args; stdout to out, stderr to err; returns exit code. */
static int run(const char *args)
{
	char cmd[2048];
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>%s", HEATMAP_BIN, args,
		 path("out"), path("err"));
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *slurp(const char *name)
{
	static char buf[1 << 16];
	FILE *f = fopen(path(name), "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

struct png {
	unsigned int w, h;
	unsigned char *px;
};

static void read_png(const char *file, struct png *p)
{
	png_image im;

	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	ASSERT_MSG(png_image_begin_read_from_file(&im, file), "libpng: %s", im.message);
	im.format = PNG_FORMAT_RGB;
	p->w = im.width;
	p->h = im.height;
	p->px = malloc(PNG_IMAGE_SIZE(im));
	ASSERT(p->px);
	ASSERT_MSG(png_image_finish_read(&im, NULL, p->px, 0, NULL), "libpng: %s", im.message);
}

static uint32_t pix(const struct png *p, unsigned int x, unsigned int y)
{
	const unsigned char *q = p->px + ((size_t)y * p->w + x) * 3;

	return (uint32_t)q[0] << 16 | q[1] << 8 | q[2];
}

static bool near(uint32_t a, uint32_t b)
{
	for (int s = 0; s < 24; s += 8) {
		int d = (int)(a >> s & 0xff) - (int)(b >> s & 0xff);

		if (d < -2 || d > 2)
			return false;
	}
	return true;
}

/*
 * Plot geometry of a --width W --height H render, 64 MiB in rows and
 * [0, 100P + 1) ns in columns, one cell per pixel.
 */
struct geo {
	unsigned int pw, ph;
	uint64_t t_span, a_span;
};

static struct geo geo(unsigned int w, unsigned int h)
{
	return (struct geo){ w - HM_MARGIN_LEFT - HM_MARGIN_RIGHT,
			     h - HM_MARGIN_TOP - HM_MARGIN_BOTTOM, NHARV * P + 1, 64 * MiB };
}

/* the pixel row showing IOVA @a, and the [start, end) time of column x */
static unsigned int y_of(const struct geo *g, uint64_t a)
{
	unsigned int row = (unsigned int)((unsigned __int128)a * g->ph / g->a_span);

	return HM_MARGIN_TOP + g->ph - 1 - row;
}

static uint64_t col_t(const struct geo *g, unsigned int c)
{
	return (uint64_t)((unsigned __int128)g->t_span * c / g->pw);
}

/* every pixel of IOVA rows [lo, hi) (margins of a row excluded) over time
 * columns whose interval lies inside [t0, t1) must be @want (near) */
static int count_bad(const struct png *p, const struct geo *g, uint64_t lo,
		     uint64_t hi, uint64_t t0, uint64_t t1, uint32_t want, int *n)
{
	int bad = 0;

	*n = 0;
	for (unsigned int y = y_of(g, hi - 1) + 1; y < y_of(g, lo); y++)
		for (unsigned int c = 0; c < g->pw; c++) {
			if (col_t(g, c) < t0 || col_t(g, c + 1) > t1)
				continue;
			(*n)++;
			if (!near(pix(p, HM_MARGIN_LEFT + c, y), want)) {
				if (bad < 3)
					th_diag("pixel (%u,%u) = %06x, want %06x",
						HM_MARGIN_LEFT + c, y,
						pix(p, HM_MARGIN_LEFT + c, y), want);
				bad++;
			}
		}
	return bad;
}

TEST(png_pixels)
{
	const uint64_t END = NHARV * P + 1;
	struct geo g = geo(1024, 640);
	const uint32_t hot = hm_colormap(1.0), half = hm_colormap(0.5);
	struct png p;
	int n;

	make_pattern(path("pattern.rec"));
	{
		char args[1024];

		snprintf(args, sizeof(args), "--iova-range 0-64M -o %s %s", path("all.png"),
			 path("pattern.rec"));
		ASSERT_MSG(run(args) == 0, "iodirty-heatmap failed: %s", slurp("err"));
	}
	CHECK(strstr(slurp("out"), "wrote ") != NULL);
	read_png(path("all.png"), &p);
	ASSERT_EQ(p.w, 1024);
	ASSERT_EQ(p.h, 640);
	/* hot band at all times, the burst only in (39P, 59P], stripe at half */
	CHECK_EQ(count_bad(&p, &g, 16 * MiB, 20 * MiB, 0, END, hot, &n), 0);
	CHECK(n > 20000);
	CHECK_EQ(count_bad(&p, &g, 40 * MiB, 44 * MiB, 39 * P, 59 * P, hot, &n), 0);
	CHECK(n > 3000);
	CHECK_EQ(count_bad(&p, &g, 40 * MiB, 44 * MiB, 0, 39 * P, HM_RGB_EMPTY, &n), 0);
	CHECK(n > 5000);
	CHECK_EQ(count_bad(&p, &g, 40 * MiB, 44 * MiB, 59 * P, END, HM_RGB_EMPTY, &n), 0);
	CHECK(n > 5000);
	CHECK_EQ(count_bad(&p, &g, 50 * MiB, 52 * MiB, 0, END, half, &n), 0);
	/* cold everywhere else */
	CHECK_EQ(count_bad(&p, &g, 0, 16 * MiB, 0, END, HM_RGB_EMPTY, &n), 0);
	CHECK_EQ(count_bad(&p, &g, 21 * MiB, 40 * MiB, 0, END, HM_RGB_EMPTY, &n), 0);
	CHECK_EQ(count_bad(&p, &g, 45 * MiB, 50 * MiB, 0, END, HM_RGB_EMPTY, &n), 0);
	CHECK_EQ(count_bad(&p, &g, 53 * MiB, 64 * MiB, 0, END, HM_RGB_EMPTY, &n), 0);
	/* the legend bar: max colour on top, the lowest non-zero at the bottom */
	CHECK(near(pix(&p, HM_MARGIN_LEFT + g.pw + HM_LEGEND_GAP + 2, HM_MARGIN_TOP), hot));
	/* text: some black pixels in the left margin (IOVA labels) and below */
	n = 0;
	for (unsigned int y = HM_MARGIN_TOP; y < HM_MARGIN_TOP + g.ph; y++)
		for (unsigned int x = 0; x < HM_MARGIN_LEFT - 8; x++)
			n += pix(&p, x, y) == HM_RGB_TEXT;
	CHECK(n > 100);
	free(p.px);

	/* --hwpt 9 alone: its stripe is now the maximum; hwpt 5's band is gone */
	{
		char args[1024];

		snprintf(args, sizeof(args), "--hwpt 9 --iova-range 0-64M -o %s %s",
			 path("h9.png"), path("pattern.rec"));
		ASSERT_MSG(run(args) == 0, "iodirty-heatmap failed: %s", slurp("err"));
	}
	read_png(path("h9.png"), &p);
	CHECK_EQ(count_bad(&p, &g, 50 * MiB, 52 * MiB, 2 * P, END, hot, &n), 0);
	CHECK_EQ(count_bad(&p, &g, 16 * MiB, 20 * MiB, 0, END, HM_RGB_EMPTY, &n), 0);
	free(p.px);

	/* --log: the half-density stripe gets log1p(v/2)/log1p(v) */
	{
		char args[1024];
		double vmax;

		snprintf(args, sizeof(args), "--log --iova-range 0-64M -o %s %s",
			 path("log.png"), path("pattern.rec"));
		ASSERT_MSG(run(args) == 0, "iodirty-heatmap failed: %s", slurp("err"));
		ASSERT(sscanf(strstr(slurp("out"), "max ") ?: "", "max %lf", &vmax) == 1);
		read_png(path("log.png"), &p);
		CHECK_EQ(count_bad(&p, &g, 50 * MiB, 52 * MiB, 0, END,
				   hm_colormap(log1p(vmax / 2) / log1p(vmax)), &n), 0);
		/* and the max is one 10 ms period's bytes per row, scaled to a column */
		CHECK(fabs(vmax - (double)(64 * MiB) / g.ph * ((double)END / g.pw) / P) <
		      0.01 * vmax);
		free(p.px);
	}
}

/* The --raw lines: damo's triple, every cell once, summing to the bytes. */
TEST(raw_sums)
{
	static const struct { const char *opt; uint64_t *want; } c[] = {
		{ "", &bytes5 }, { "--hwpt 5", &bytes5 }, { "--hwpt 9", &bytes9 },
	};
	char args[1024];

	make_pattern(path("pattern.rec"));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		unsigned long long t, a, prev_t = 0;
		double v, sum = 0, burst = 0;
		uint64_t want = *c[i].want + (i == 0 ? bytes9 : 0);
		long lines = 0;
		FILE *f;

		snprintf(args, sizeof(args), "--raw --resol 50x64 %s %s", c[i].opt,
			 path("pattern.rec"));
		ASSERT_MSG(run(args) == 0, "%s: %s", args, slurp("err"));
		f = fopen(path("out"), "r");
		ASSERT(f);
		while (fscanf(f, "%llu\t%llu\t%lf\n", &t, &a, &v) == 3) {
			CHECK(t >= prev_t);
			prev_t = t;
			sum += v;
			if (a >= 40 * MiB && a < 44 * MiB &&
			    (t + (NHARV * P + 1) / 50 <= 39 * P || t >= 59 * P))
				burst += v;
			lines++;
		}
		fclose(f);
		CHECK_EQ(lines, 50 * 64);
		CHECK_MSG(fabs(sum - (double)want) <= 1e-6 * want + 1,
			  "%s: raw sum %.3f, recorded %llu", args, sum,
			  (unsigned long long)want);
		/* the burst's rows are zero outside its window */
		CHECK_MSG(burst == 0, "%s: %.0f burst bytes outside (39P, 59P]", args, burst);
	}
}

static void bad_input(const char *args, int want_rc, const char *needle)
{
	int rc = run(args);

	CHECK_MSG(rc == want_rc, "'%s': exit %d, want %d (%s)", args, rc, want_rc,
		  slurp("err"));
	CHECK_MSG(strstr(slurp("err"), needle) != NULL, "'%s': stderr '%s' lacks '%s'",
		  args, slurp("err"), needle);
}

TEST(bad_recordings)
{
	char args[1024], cmd[2048];
	struct iodirty_rec_writer *w;
	FILE *f;

	make_pattern(path("pattern.rec"));
	/* truncated mid-record */
	snprintf(cmd, sizeof(cmd), "head -c 1000 %s > %s", path("pattern.rec"),
		 path("trunc.rec"));
	ASSERT_OK(system(cmd));
	snprintf(args, sizeof(args), "-o %s %s", path("x.png"), path("trunc.rec"));
	bad_input(args, 1, "truncated record at offset 984");
	CHECK(access(path("x.png"), F_OK) != 0);	/* nothing half-written */
	/* a newer version */
	snprintf(cmd, sizeof(cmd), "cp %s %s && printf '\\002' | dd of=%s bs=1 seek=8 conv=notrunc status=none",
		 path("pattern.rec"), path("v2.rec"), path("v2.rec"));
	ASSERT_OK(system(cmd));
	snprintf(args, sizeof(args), "--raw %s", path("v2.rec"));
	bad_input(args, 1, "is newer than this reader's 1");
	/* not a recording */
	f = fopen(path("junk.rec"), "w");
	ASSERT(f);
	fputs("this is not a recording, but long enough to hold a header........\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "--raw %s", path("junk.rec"));
	bad_input(args, 1, "bad magic at offset 0");
	snprintf(args, sizeof(args), "--raw %s", path("missing.rec"));
	bad_input(args, 1, "cannot open");
	/* empty: a header and no records */
	ASSERT_OK(iodirty_rec_create(path("empty.rec"), IODIRTY_REC_SRC_SYNTH, "", &w));
	ASSERT_OK(iodirty_rec_close(w));
	snprintf(args, sizeof(args), "-o %s %s", path("x.png"), path("empty.rec"));
	bad_input(args, 1, "empty recording");
	/* a HWPT that is not there, ranges with nothing in them */
	snprintf(args, sizeof(args), "--hwpt 77 %s", path("pattern.rec"));
	bad_input(args, 1, "hwpt 77 has no dirty runs; HWPTs with dirty runs: 5 9");
	snprintf(args, sizeof(args), "--iova-range 1G-2G -o %s %s", path("x.png"),
		 path("pattern.rec"));
	bad_input(args, 1, "no dirty bytes inside the chosen");
	/* options */
	snprintf(args, sizeof(args), "--iova-range 5-3 %s", path("pattern.rec"));
	bad_input(args, 64, "empty range");
	snprintf(args, sizeof(args), "--time-range 1x-2s %s", path("pattern.rec"));
	bad_input(args, 64, "want A-B");
	snprintf(args, sizeof(args), "--width 10 %s", path("pattern.rec"));
	bad_input(args, 64, "--width 10");
	snprintf(args, sizeof(args), "--resol 2000x10 -o %s %s", path("x.png"),
		 path("pattern.rec"));
	bad_input(args, 1, "exceeds the 788x560 plot area");
	bad_input("", 64, "no recording given");
	snprintf(args, sizeof(args), "-o /nonexistent-dir/x.png %s", path("pattern.rec"));
	bad_input(args, 1, "cannot create /nonexistent-dir/x.png");
	CHECK_EQ(run("--help"), 0);
	CHECK(strstr(slurp("out"), "EXAMPLES:") != NULL);
}

static uint64_t xs = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

/*
 * Valid recordings with extreme values (IOVAs near 2^64, huge lengths and
 * time steps, one record, many HWPTs): the tool renders them or refuses
 * with a message, never crashes (exit 0 or 1, a message with 1).
 */
TEST(random_recordings)
{
	static const char *opts[] = { "--raw --resol 20x20", "--width 300 --height 200 -o",
				      "--log --time-range 0-1s --width 300 --height 200 -o", "--iova-range 0-1G --raw" };
	char args[1024];
	int i, k, ok0 = 0, ok1 = 0;

	xs = th_seed(xs) | 1;
	for (i = 0; i < 40; i++) {
		struct iodirty_rec_writer *w;
		uint64_t t = 0;
		int n = 1 + rnd() % 30;

		ASSERT_OK(iodirty_rec_create(path("rnd.rec"), IODIRTY_REC_SRC_SYNTH, "", &w));
		for (k = 0; k < n; k++) {
			static const uint64_t tstep[] = { 0, 1, 1000, 1000000 };
			uint64_t iova = k % 3 == 0 ? rnd() : k % 3 == 1 ? UINT64_MAX - 4095 : rnd() % (1 << 30);
			uint64_t len = k % 4 == 0 ? 1 : k % 4 == 1 ? rnd() % (1 << 20) + 1 : rnd() >> 1;
			struct iodirty_rec r;

			t += k % 5 == 4 ? rnd() >> 24 : tstep[rnd() % 4];
			if (len > UINT64_MAX - iova)
				len = UINT64_MAX - iova;
			if (!len)
				len = 1, iova = 0;
			r = (struct iodirty_rec){ .time_ns = t, .iova = iova, .length = len,
				.hwpt_id = (uint32_t)(rnd() % 3 ? 1 + rnd() % 3 : rnd()),
				.page_size = 1u << (rnd() % 31),
				.type = rnd() % 4 ? IODIRTY_REC_DIRTY : IODIRTY_REC_HARVEST };
			ASSERT_OK(iodirty_rec_write(w, &r));
		}
		ASSERT_OK(iodirty_rec_close(w));
		for (k = 0; k < 4; k++) {
			int rc;

			snprintf(args, sizeof(args), "%s %s %s", opts[k],
				 k == 1 || k == 2 ? path("rnd.png") : "", path("rnd.rec"));
			rc = run(args);
			ASSERT_MSG(rc == 0 || (rc == 1 && slurp("err")[0]),
				   "iteration %d '%s': exit %d, stderr '%s'", i, args, rc,
				   slurp("err"));
			rc ? ok1++ : ok0++;
		}
	}
	th_diag("%d rendered, %d refused with a message", ok0, ok1);
	CHECK(ok0 > 30);
}

TEST(cleanup)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_OK(system(cmd));
}

TEST_MAIN("heatmap")
