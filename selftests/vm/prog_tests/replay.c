// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-replay: record -> replay -> record.  A synthetic recording with a
 * known pattern (two HWPTs: a hot band, a burst, a sweep that wraps past
 * the replay buffer's end, a run straddling it) is replayed on emulated
 * devices; the replay's own recording (what GET_DIRTY_BITMAP harvested)
 * must show, per harvest interval and per HWPT, the dirty pages the input
 * puts there under the documented remap rule (replay IOVA = 16 MiB +
 * recorded IOVA mod buffer), re-derived here independently of the tool.
 *
 * Tolerance (stated): per interval the page counts may differ by 2 % of
 * the expected count and the page sets by 2 % of their union, the hottest
 * three 256 KiB ranges must be the same.  The replay's harvest points are
 * on the recorded timeline, so the expected difference is 0; the
 * tolerance covers nothing the design allows, it is a margin, and the
 * measured differences are printed.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include "../emu_util.h"
#include "iodirty_record.h"

#define RP_BIN_DEFAULT	"/opt/iodirty/iodirty-replay"
#define BUF_MIB		8
#define BUF_PAGES	(BUF_MIB * 256)
#define REPLAY_IOVA	(1ULL << 24)
#define MS		1000000ULL
#define IN_PERIOD	(50 * MS)
#define IN_HARVESTS	20		/* 1 s of recording */
#define MAX_INT		64
#define NHW		2
#define RANGE_PAGES	64		/* "hottest range" granule: 256 KiB */

static const __u32 hw_ids[NHW] = { 21, 22 };
/* recorded bases: A is a multiple of the buffer, B is not (offset 1110 pages) */
#define BASE_A	0x7f0000000000ULL
#define BASE_B	0x123456000ULL

static const char *bin(void)
{
	const char *b = getenv("IODIRTY_REPLAY");

	return b && *b ? b : RP_BIN_DEFAULT;
}

static int add(struct iodirty_rec_writer *w, __u64 t, __u32 hwpt, __u64 iova,
	       __u64 len, __u16 type)
{
	struct iodirty_rec r = { .time_ns = t, .iova = iova, .length = len,
		.hwpt_id = hwpt, .page_size = 4096, .type = type };

	return iodirty_rec_write(w, &r);
}

/* The known pattern, harvested by the "recorder" every 50 ms. */
static bool write_input(const char *path)
{
	struct iodirty_rec_writer *w;
	int err = 0, k, i;

	if (!ASSERT_OK(iodirty_rec_create(path, IODIRTY_REC_SRC_SYNTH, "replay test", &w),
		       "create input"))
		return false;
	for (k = 1; k <= IN_HARVESTS && !err; k++) {
		__u64 t = k * IN_PERIOD;

		/* hwpt 21: hot band pages 100..163 in 16 KiB runs, every harvest */
		for (i = 0; i < 16 && !err; i++)
			err = add(w, t, 21, BASE_A + (100 + 4 * i) * SZ_4K, 4 * SZ_4K,
				  IODIRTY_REC_DIRTY);
		/* burst pages 1000..1255 at harvests 8..12 */
		if (k >= 8 && k <= 12 && !err)
			err = add(w, t, 21, BASE_A + 1000 * SZ_4K, 256 * SZ_4K,
				  IODIRTY_REC_DIRTY);
		if (!err)
			err = add(w, t, 21, BASE_A, BUF_PAGES * SZ_4K, IODIRTY_REC_HARVEST);
		/* hwpt 22: a sweep of 32 pages moving 64 pages per harvest
		 * (wraps past the buffer end from k = 15), and at k = 5 a run
		 * straddling the end */
		if (!err)
			err = add(w, t, 22, BASE_B + 64ULL * k * SZ_4K, 32 * SZ_4K,
				  IODIRTY_REC_DIRTY);
		if (k == 5 && !err)
			err = add(w, t, 22, BASE_B + (BUF_PAGES - 1110 - 4) * SZ_4K,
				  8 * SZ_4K, IODIRTY_REC_DIRTY);
		if (!err)
			err = add(w, t, 22, BASE_B, BUF_PAGES * SZ_4K, IODIRTY_REC_HARVEST);
	}
	if (!ASSERT_OK(err, "write input records"))
		return false;
	return ASSERT_OK(iodirty_rec_close(w), "close input");
}

/* pages[interval][hwpt][page] per harvest interval (t_{k-1}, t_k] */
struct intervals {
	unsigned int n;
	__u64 t[MAX_INT];
	unsigned char pages[MAX_INT][NHW][BUF_PAGES];
};

static int hw_index(__u32 id)
{
	for (int i = 0; i < NHW; i++)
		if (hw_ids[i] == id)
			return i;
	return -1;
}

/* The remap rule, from the README: offset = iova mod buffer, wrapping. */
static void mark_remapped(unsigned char *pages, __u64 iova, __u64 len)
{
	__u64 buflen = BUF_PAGES * SZ_4K, off = iova % buflen, a;

	if (len > buflen)
		len = buflen;
	for (a = off / SZ_4K * SZ_4K; a < off + len; a += SZ_4K)
		pages[(a / SZ_4K) % BUF_PAGES] = 1;
}

/* The input's dirty pages binned into the intervals of @out's harvest points. */
static bool expected_from_input(const char *path, const struct intervals *out,
				struct intervals *want)
{
	struct iodirty_rec_reader *r;
	struct iodirty_rec rec;
	unsigned int k = 0;
	int err;

	memset(want, 0, sizeof(*want));
	want->n = out->n;
	memcpy(want->t, out->t, sizeof(want->t));
	if (!ASSERT_OK(iodirty_rec_open(path, &r), iodirty_rec_error(r))) {
		iodirty_rec_free(r);
		return false;
	}
	while ((err = iodirty_rec_next(r, &rec)) == 1) {
		if (rec.type != IODIRTY_REC_DIRTY)
			continue;
		while (k < want->n && rec.time_ns > want->t[k])
			k++;
		if (!ASSERT_TRUE(k < want->n, "input record after the last harvest point"))
			break;
		mark_remapped(want->pages[k][hw_index(rec.hwpt_id)], rec.iova, rec.length);
	}
	ASSERT_EQ(err, 0, iodirty_rec_error(r));
	iodirty_rec_free(r);
	return err == 0;
}

/* The replay's recording: DIRTY runs then one HARVEST record per HWPT. */
static bool read_output(const char *path, struct intervals *got)
{
	struct iodirty_rec_reader *r;
	struct iodirty_rec rec;
	bool ok = true;
	int err;

	memset(got, 0, sizeof(*got));
	if (!ASSERT_OK(iodirty_rec_open(path, &r), iodirty_rec_error(r))) {
		iodirty_rec_free(r);
		return false;
	}
	ASSERT_EQ(iodirty_rec_header(r)->source, IODIRTY_REC_SRC_IODIRTY, "output source");
	while ((err = iodirty_rec_next(r, &rec)) == 1 && ok) {
		int h = hw_index(rec.hwpt_id);

		ok = ASSERT_TRUE(h >= 0, "output names a recorded HWPT") &&
		     ASSERT_EQ(rec.page_size, SZ_4K, "output page size");
		if (!ok)
			break;
		if (!got->n || rec.time_ns > got->t[got->n - 1]) {
			if (!ASSERT_TRUE(got->n < MAX_INT, "at most 64 harvests"))
				break;
			got->t[got->n++] = rec.time_ns;
		}
		if (rec.type == IODIRTY_REC_HARVEST) {
			ok = ASSERT_EQ(rec.iova, REPLAY_IOVA, "harvest start") &&
			     ASSERT_EQ(rec.length, BUF_PAGES * SZ_4K, "harvest length");
			continue;
		}
		ok = ASSERT_TRUE(rec.iova >= REPLAY_IOVA && rec.iova + rec.length <=
				 REPLAY_IOVA + BUF_PAGES * SZ_4K, "run inside the buffer");
		for (__u64 a = rec.iova; ok && a < rec.iova + rec.length; a += SZ_4K)
			got->pages[got->n - 1][h][(a - REPLAY_IOVA) / SZ_4K] = 1;
	}
	ASSERT_EQ(err, 0, iodirty_rec_error(r));
	iodirty_rec_free(r);
	return ok && err == 0;
}

static unsigned int count(const unsigned char *p)
{
	unsigned int n = 0;

	for (int i = 0; i < BUF_PAGES; i++)
		n += p[i];
	return n;
}

/* the three ranges with the most page-dirties over all intervals */
static void hottest(const struct intervals *v, int h, int top[3])
{
	unsigned int heat[BUF_PAGES / RANGE_PAGES] = { 0 };

	for (unsigned int k = 0; k < v->n; k++)
		for (int p = 0; p < BUF_PAGES; p++)
			heat[p / RANGE_PAGES] += v->pages[k][h][p];
	for (int i = 0; i < 3; i++) {
		int best = -1;

		for (int r = 0; r < BUF_PAGES / RANGE_PAGES; r++)
			if ((i < 1 || r != top[0]) && (i < 2 || r != top[1]) &&
			    (best < 0 || heat[r] > heat[best]))
				best = r;
		top[i] = best;
	}
}

static int run_replay(const char *args)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s >/tmp/replay.out 2>/tmp/replay.err", bin(), args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static const char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

/* Replays the input with @args and compares; @period is the recording-time
 * harvest period the replay must use. */
static void round_trip(const char *args, __u64 period, double min_wall)
{
	static struct intervals got, want;
	char full[512];
	double t0 = emu_now(), wall;
	unsigned int k, maxdiff = 0, maxsym = 0, total = 0;
	int rc, h;

	if (!write_input("/tmp/replay_in.rec"))
		return;
	unlink("/tmp/replay_out.rec");
	snprintf(full, sizeof(full), "-m %d --record /tmp/replay_out.rec %s /tmp/replay_in.rec",
		 BUF_MIB, args);
	rc = run_replay(full);
	wall = emu_now() - t0;
	if (!ASSERT_EQ(rc, 0, "iodirty-replay exit")) {
		printf("# stderr: %s\n", slurp("/tmp/replay.err"));
		return;
	}
	printf("# %s", slurp("/tmp/replay.out"));
	ASSERT_TRUE(wall >= min_wall, "timing-faithful: not faster than recorded / speed");
	if (!read_output("/tmp/replay_out.rec", &got) ||
	    !expected_from_input("/tmp/replay_in.rec", &got, &want))
		return;
	ASSERT_EQ(got.n, IN_HARVESTS * IN_PERIOD / period, "harvests");
	for (k = 0; k < got.n; k++)
		if (!ASSERT_EQ(got.t[k], (k + 1) * period, "harvest points on the recorded timeline"))
			break;
	for (k = 0; k < got.n; k++)
		for (h = 0; h < NHW; h++) {
			unsigned int g = count(got.pages[k][h]), w = count(want.pages[k][h]);
			unsigned int sym = 0, uni = 0, d = g > w ? g - w : w - g;

			for (int p = 0; p < BUF_PAGES; p++) {
				sym += got.pages[k][h][p] != want.pages[k][h][p];
				uni += got.pages[k][h][p] | want.pages[k][h][p];
			}
			total += w;
			if (d > maxdiff)
				maxdiff = d;
			if (sym > maxsym)
				maxsym = sym;
			if (!ASSERT_TRUE(d * 50 <= w, "pages per interval within 2 %") ||
			    !ASSERT_TRUE(sym * 50 <= uni, "page sets within 2 % of their union")) {
				printf("# interval %u hwpt %u: got %u pages, want %u, %u differ\n",
				       k, hw_ids[h], g, w, sym);
				return;
			}
		}
	for (h = 0; h < NHW; h++) {
		int tg[3], tw[3];

		hottest(&got, h, tg);
		hottest(&want, h, tw);
		for (int i = 0; i < 3; i++)
			ASSERT_EQ(tg[i], tw[i], "same hottest 256 KiB ranges");
		printf("# hwpt %u hottest ranges (256 KiB index): %d %d %d\n", hw_ids[h],
		       tg[0], tg[1], tg[2]);
	}
	ASSERT_TRUE(total > 1000, "the pattern dirtied pages");
	printf("# %u intervals, %u expected page-dirties, max count diff %u, max set diff %u, %.2f s wall\n",
	       got.n, total, maxdiff, maxsym, wall);
}

static void subtest_corrupt(void)
{
	struct stat st;
	char cmd[256];
	int rc;

	if (!write_input("/tmp/replay_in.rec"))
		return;
	snprintf(cmd, sizeof(cmd), "head -c 1000 /tmp/replay_in.rec > /tmp/replay_bad.rec");
	if (!ASSERT_OK(system(cmd), "truncate"))
		return;
	unlink("/tmp/replay_out2.rec");
	rc = run_replay("--fast --record /tmp/replay_out2.rec /tmp/replay_bad.rec");
	ASSERT_EQ(rc, 1, "truncated recording: exit 1");
	ASSERT_TRUE(strstr(slurp("/tmp/replay.err"),
			   "truncated record at offset 984") != NULL,
		    "the reader's message");
	ASSERT_TRUE(stat("/tmp/replay_out2.rec", &st) != 0, "nothing replayed or recorded");
	/* a newer version */
	if (ASSERT_OK(system("cp /tmp/replay_in.rec /tmp/replay_v2.rec && printf '\\002' | "
			     "dd of=/tmp/replay_v2.rec bs=1 seek=8 conv=notrunc 2>/dev/null"),
		      "make v2")) {
		ASSERT_EQ(run_replay("--fast /tmp/replay_v2.rec"), 1, "newer version: exit 1");
		ASSERT_TRUE(strstr(slurp("/tmp/replay.err"), "newer than this reader") != NULL,
			    "newer-version message");
	}
	ASSERT_EQ(run_replay("--fast --hwpt 99 /tmp/replay_in.rec"), 1, "unknown hwpt");
	ASSERT_TRUE(strstr(slurp("/tmp/replay.err"), "hwpt 99 has no dirty runs") != NULL,
		    "unknown-hwpt message");
	ASSERT_EQ(run_replay("--speed 0 /tmp/replay_in.rec"), 64, "--speed 0 refused");
	ASSERT_EQ(run_replay("-m 3 /tmp/replay_in.rec"), 64, "-m 3 refused");
	ASSERT_EQ(run_replay("--touch 0 /tmp/replay_in.rec"), 64, "--touch 0 refused");
}

DEFINE_TEST(replay)
{
	struct stat st;

	if (stat(bin(), &st)) {
		ASSERT_OK(-1, "iodirty-replay binary present (set IODIRTY_REPLAY to override " RP_BIN_DEFAULT ")");
		return;
	}
	/* real time: 1 s recorded, harvested every 100 ms */
	if (test__start_subtest("timed"))
		round_trip("--period 100", 100 * MS, 0.95);
	/* as fast as possible, harvests aligned with the recorder's 50 ms */
	if (test__start_subtest("fast"))
		round_trip("--fast --period 50", 50 * MS, 0);
	/* twice as fast: 0.5 s wall, harvest points every 200 ms recorded */
	if (test__start_subtest("speed2"))
		round_trip("--speed 2 --period 100", 200 * MS, 0.45);
	/* one small write per page instead of every byte: the same pages */
	if (test__start_subtest("touch"))
		round_trip("--fast --touch 8 --period 50", 50 * MS, 0);
	if (test__start_subtest("corrupt"))
		subtest_corrupt();
}
