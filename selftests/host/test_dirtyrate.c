// SPDX-License-Identifier: GPL-2.0
/*
 * The sampled dirty-rate estimator (user/iodirty_dirtyrate.c), content
 * hashing only, on plain memory: the sample-count rules and their errors,
 * that a sample is n distinct ascending pages with every page equally
 * likely, that the hash sees a one-byte change, that sampling every page
 * is exact, and that over many rounds the estimate is unbiased and its
 * spread is the standard error the VM test's tolerance is built on,
 * sqrt(p (1 - p) / n * (M - n) / (M - 1)), for a uniform and a clustered
 * (hot eighth) set of written pages.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include "harness.h"
#include "iodirty_dirtyrate.h"

#define PS	4096ULL
/*
 * The calibration rounds hash 2n pages each; the statistics do not depend
 * on the page size, so they use small pages (and the per-GiB rate that
 * gives the n they want).
 */
#define CAL_PS	256ULL

static uint64_t xs = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	xs ^= xs >> 12;
	xs ^= xs << 25;
	xs ^= xs >> 27;
	return xs * 0x2545f4914f6cdd1dULL;
}

static unsigned char *mem_alloc(uint64_t pages)
{
	unsigned char *m = calloc(pages, PS);

	ASSERT(m != NULL);
	return m;
}

static void dr_open_ps(struct iodirty_dr *dr, const void *mem, uint64_t pages, uint64_t ps,
		       uint64_t per_gib, uint64_t seed)
{
	struct iodirty_dr_cfg c = {
		.mem = mem, .mem_bytes = pages * ps, .iova = 1 << 24, .page_size = ps,
		.sample_pages = per_gib, .seed = seed, .fd = -1,
	};
	char why[256] = "";

	ASSERT_MSG(!iodirty_dr_init(dr, &c, why, sizeof(why)), "init: %s", why);
}

static void dr_open(struct iodirty_dr *dr, const void *mem, uint64_t pages, uint64_t per_gib,
		    uint64_t seed)
{
	dr_open_ps(dr, mem, pages, PS, per_gib, seed);
}

TEST(count_rules)
{
	char why[256];
	__u64 n = 0;

	/* QEMU's formula: mem * N >> 30 */
	CHECK_OK(iodirty_dr_count(1ULL << 30, PS, 512, &n, why, sizeof(why)));
	CHECK_EQ(n, 512);
	CHECK_OK(iodirty_dr_count(64ULL << 20, PS, 512, &n, why, sizeof(why)));
	CHECK_EQ(n, 32);
	CHECK_OK(iodirty_dr_count(64ULL << 20, PS, 262144, &n, why, sizeof(why)));
	CHECK_EQ(n, 16384);	/* every page */
	CHECK_ERR(iodirty_dr_count(64ULL << 20, PS, 0, &n, why, sizeof(why)), EINVAL);
	CHECK(strstr(why, "at least 1") != NULL);
	CHECK_ERR(iodirty_dr_count(1ULL << 20, PS, 100, &n, why, sizeof(why)), EINVAL);
	CHECK(strstr(why, "no sample") != NULL);
	CHECK_ERR(iodirty_dr_count(64ULL << 20, PS, 262160, &n, why, sizeof(why)), EINVAL);
	CHECK(strstr(why, "more than the 16384 pages") != NULL);
	CHECK_ERR(iodirty_dr_count(2048, PS, 1 << 20, &n, why, sizeof(why)), EINVAL);
	CHECK(strstr(why, "no page") != NULL);
}

TEST(sample_distinct_sorted_uniform)
{
	const uint64_t pages = 1024, rounds = 2000;
	unsigned char *m = mem_alloc(pages);
	static unsigned int hits[1024];
	struct iodirty_dr dr;
	uint64_t r, i, lo = ~0ULL, hi = 0, same = 0, prev0 = ~0ULL;
	double expect, sd;

	ASSERT(m != NULL);
	dr_open_ps(&dr, m, pages, CAL_PS, (128ULL << 30) / (pages * CAL_PS), 7);
	ASSERT_EQ(dr.n, 128);
	for (r = 0; r < rounds; r++) {
		ASSERT_OK(iodirty_dr_start(&dr, r));
		for (i = 0; i < dr.n; i++) {
			ASSERT(dr.s[i].page < pages);
			if (i)
				ASSERT(dr.s[i].page > dr.s[i - 1].page);
			hits[dr.s[i].page]++;
		}
		same += dr.s[0].page == prev0;
		prev0 = dr.s[0].page;
		ASSERT_OK(iodirty_dr_end(&dr));
	}
	/* each page is in a sample with probability n/M: binomial counts */
	expect = rounds * 128.0 / pages;
	sd = sqrt(expect * (1 - 128.0 / pages));
	for (i = 0; i < pages; i++) {
		lo = hits[i] < lo ? hits[i] : lo;
		hi = hits[i] > hi ? hits[i] : hi;
	}
	th_diag("per-page hits %llu..%llu, expected %.0f +- %.1f", (unsigned long long)lo,
		(unsigned long long)hi, expect, sd);
	CHECK(lo >= expect - 6 * sd && hi <= expect + 6 * sd);
	CHECK(same < rounds / 4);	/* rounds draw different samples */
	iodirty_dr_free(&dr);
	free(m);
}

TEST(hash_sees_one_byte)
{
	unsigned char *m = mem_alloc(1);
	uint64_t h0 = iodirty_dr_hash(m, PS);
	unsigned int i, b;

	CHECK_EQ(iodirty_dr_hash(m, PS), h0);
	for (i = 0; i < PS; i += 509) {
		for (b = 0; b < 8; b++) {
			m[i] ^= 1 << b;
			CHECK_NE(iodirty_dr_hash(m, PS), h0);
			m[i] ^= 1 << b;
		}
	}
	m[PS - 1] = 1;
	CHECK_NE(iodirty_dr_hash(m, PS), h0);
	CHECK_EQ(iodirty_dr_hash(m, PS), iodirty_dr_hash(m, PS));
	free(m);
}

/* write @d pages (a fresh set each call): uniform, or in the first eighth */
static void dirty_pages(unsigned char *m, uint64_t pages, uint64_t ps, uint64_t d, bool hot,
			unsigned char *mark)
{
	uint64_t span = hot ? pages / 8 : pages, k = 0;

	memset(mark, 0, pages);
	while (k < d) {
		uint64_t p = rnd() % span;

		if (mark[p])
			continue;
		mark[p] = 1;
		m[p * ps + rnd() % ps]++;	/* one byte changes */
		k++;
	}
}

TEST(every_page_is_exact)
{
	const uint64_t pages = 4096, d = 777;
	unsigned char *m = mem_alloc(pages), *mark = calloc(pages, 1);
	struct iodirty_dr dr;

	ASSERT(mark != NULL);
	dr_open(&dr, m, pages, 262144, 3);
	ASSERT_EQ(dr.n, pages);
	ASSERT_OK(iodirty_dr_start(&dr, 1));
	dirty_pages(m, pages, PS, d, false, mark);
	ASSERT_OK(iodirty_dr_end(&dr));
	CHECK_EQ(dr.changed, d);
	CHECK_EQ(dr.clean_start, 0);	/* no HWPT: no bitmap estimate */
	CHECK(iodirty_dr_stderr((double)d / pages, pages, pages) == 0);
	CHECK(iodirty_dr_hash_seconds(&dr) > 0);
	iodirty_dr_free(&dr);
	free(mark);
	free(m);
}

/*
 * Over R rounds, each with a fresh sample and a fresh written set of D of
 * M pages: the mean of p^ is p within 4 sigma / sqrt(R), the empirical
 * standard deviation is sigma within 15 % (R = 400: the sd's own relative
 * error is about 1/sqrt(2R) = 3.5 %), and no round is off by more than
 * 4.5 sigma.
 */
static void calibration(bool hot, uint64_t n)
{
	const uint64_t pages = 16384, rounds = 400;
	unsigned char *m = calloc(pages, CAL_PS), *mark = calloc(pages, 1);
	uint64_t d = hot ? pages / 8 * 6 / 10 : pages / 5, r, worst = 0;
	double p = (double)d / pages, sum = 0, sum2 = 0, sigma, mean, sd;
	struct iodirty_dr dr;

	ASSERT(m != NULL && mark != NULL);
	xs = th_seed(0x2545f4914f6cdd1dULL) ^ hot;
	dr_open_ps(&dr, m, pages, CAL_PS, (n << 30) / (pages * CAL_PS), rnd());
	ASSERT_EQ(dr.n, n);
	sigma = iodirty_dr_stderr(p, dr.n, pages);
	for (r = 0; r < rounds; r++) {
		double ph;

		ASSERT_OK(iodirty_dr_start(&dr, r));
		dirty_pages(m, pages, CAL_PS, d, hot, mark);
		ASSERT_OK(iodirty_dr_end(&dr));
		ph = (double)dr.changed / dr.n;
		sum += ph;
		sum2 += ph * ph;
		if (fabs(ph - p) > 4.5 * sigma)
			worst++;
	}
	mean = sum / rounds;
	sd = sqrt(sum2 / rounds - mean * mean);
	th_diag("%s, n=%llu of %llu: p=%.4f mean=%.4f sd=%.5f sigma=%.5f",
		hot ? "hot eighth" : "uniform", (unsigned long long)dr.n,
		(unsigned long long)pages, p, mean, sd, sigma);
	CHECK_MSG(fabs(mean - p) <= 4 * sigma / sqrt(rounds), "biased: mean %.5f p %.5f",
		  mean, p);
	CHECK_MSG(sd >= 0.85 * sigma && sd <= 1.15 * sigma, "sd %.5f vs sigma %.5f", sd, sigma);
	CHECK_EQ(worst, 0);
	iodirty_dr_free(&dr);
	free(mark);
	free(m);
}

TEST(calibrated_uniform_512)	{ calibration(false, 512); }
TEST(calibrated_hot_512)	{ calibration(true, 512); }
/* half the pages: the (M - n)/(M - 1) factor halves the variance */
TEST(calibrated_uniform_8192)	{ calibration(false, 8192); }

TEST_MAIN("dirtyrate")
