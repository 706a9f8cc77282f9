// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-lab --dirty-rate: QEMU's calc-dirty-rate page-sampling, with the
 * exact rate beside it (see the top of iodirty-lab.c and README "A sampled
 * dirty rate").  The estimator is user/iodirty_dirtyrate.c; this file
 * brackets each of its periods with clearing GETs and prints the result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "libiodirty.h"
#include "iodirty_dirtyrate.h"
#include "iodirty-lab.h"

/* workload writes so far, summed over the devices */
static int writes_now(__u64 *sum)
{
	unsigned int i;
	int err;

	*sum = 0;
	for (i = 0; i < lab.nr; i++) {
		struct iodirty_workload w = { .size = sizeof(w),
			.op = IODIRTY_WORKLOAD_STATUS, .dev_id = lab.d[i].dev };

		err = iodirty_workload(lab.fd, &w);
		if (err)
			return fail("WORKLOAD STATUS", err);
		*sum += w.out_writes;
	}
	return 0;
}

/*
 * The exact side: a clearing GET of every HWPT over all memory, OR-ed into
 * lab.any; @ns gets the time before the first and after the last GET,
 * @dirty each HWPT's popcount.
 */
static int exact_get(unsigned long long ns[2], __u64 *dirty)
{
	unsigned int i;
	__u64 b;
	int err;

	memset(lab.any, 0, lab.bitmap_bytes);
	ns[0] = mono_ns();
	for (i = 0; i < lab.nr; i++) {
		memset(lab.bitmap, 0, lab.bitmap_bytes);
		err = iodirty_get_dirty_bitmap(lab.fd, lab.d[i].hwpt, LAB_IOVA, env.mem,
					       env.page_size, lab.bitmap, 0);
		if (err)
			return fail("GET_DIRTY_BITMAP", err);
		for (b = 0; b < lab.bitmap_bytes; b++)
			lab.any[b] |= lab.bitmap[b];
		dirty[i] = popcount(lab.bitmap, lab.bitmap_bytes);
		lab.d[i].dirty_total += dirty[i];
		lab.d[i].harvests++;
	}
	ns[1] = mono_ns();
	return 0;
}

static double mid_ns(const unsigned long long ns[2])
{
	return ns[0] / 2.0 + ns[1] / 2.0;
}

/* JSON number, or null for a rate that has no value (an empty sample) */
static void jnum(const char *key, double v, bool valid, bool comma)
{
	if (valid)
		printf("\"%s\":%.6g%s", key, v, comma ? "," : "");
	else
		printf("\"%s\":null%s", key, comma ? "," : "");
}

struct dr_round {
	__u64 round, exact, writes, missed, dirty[LAB_MAX_DEVICES];
	unsigned long long x0[2], x1[2];	/* the exact GETs */
};

static void dr_report(const struct iodirty_dr *dr, const struct dr_round *r, double t0)
{
	double mem_mb = env.mem / 1048576.0, ps_mb = env.page_size / 1048576.0;
	double th = iodirty_dr_hash_seconds(dr), tb = iodirty_dr_bitmap_seconds(dr);
	double tx = (mid_ns(r->x1) - mid_ns(r->x0)) / 1e9;
	double ph = (double)dr->changed / dr->n;
	double pb = dr->clean_start ? (double)dr->dirty_end / dr->clean_start : 0;
	double rh = ph * mem_mb / th, rb = pb * mem_mb / tb, rx = r->exact * ps_mb / tx;
	double seh = iodirty_dr_stderr(ph, dr->n, dr->pages) * mem_mb / th;
	double seb = iodirty_dr_stderr(pb, dr->clean_start, dr->pages) * mem_mb / tb;
	double eh = rx > 0 ? (rh - rx) / rx * 100 : 0, eb = rx > 0 ? (rb - rx) / rx * 100 : 0;
	unsigned int i;

	if (!env.json) {
		printf("%9.3f dirtyrate round=%llu samples=%llu/%llu (%llu/GiB) calc_ms=%u: "
		       "hash %llu changed %.2f MB/s (se %.2f), bitmap %llu/%llu dirty %.2f MB/s; "
		       "exact %llu pages %.2f MB/s; error hash %+.1f%% bitmap %+.1f%%; "
		       "missed=%llu writes=%llu cost_us=%.0f gets=%llu\n",
		       now_s() - t0, (unsigned long long)r->round, (unsigned long long)dr->n,
		       (unsigned long long)dr->pages, env.sample_pages, env.calc_ms,
		       (unsigned long long)dr->changed, rh, seh,
		       (unsigned long long)dr->dirty_end, (unsigned long long)dr->clean_start,
		       rb, (unsigned long long)r->exact, rx, eh, eb,
		       (unsigned long long)r->missed, (unsigned long long)r->writes,
		       dr->cost_ns / 1e3, (unsigned long long)dr->gets);
		fflush(stdout);
		return;
	}
	printf("{\"type\":\"dirtyrate\",\"mode\":\"page-sampling\",\"round\":%llu,"
	       "\"mono_ns\":%llu,\"sample_pages\":%llu,\"samples\":%llu,\"pages\":%llu,"
	       "\"page_size\":%llu,\"mem_bytes\":%llu,\"calc_time_ms\":%u,",
	       (unsigned long long)r->round, r->x1[1], env.sample_pages,
	       (unsigned long long)dr->n, (unsigned long long)dr->pages, env.page_size,
	       env.mem, env.calc_ms);
	printf("\"hash\":{\"changed\":%llu,\"seconds\":%.6f,", (unsigned long long)dr->changed, th);
	jnum("dirty_rate", rh, true, true);
	jnum("stderr", seh, true, true);
	jnum("error_pct", eh, rx > 0, false);
	printf("},\"bitmap\":{\"clean_start\":%llu,\"dirty_end\":%llu,\"gets\":%llu,"
	       "\"seconds\":%.6f,", (unsigned long long)dr->clean_start,
	       (unsigned long long)dr->dirty_end, (unsigned long long)dr->gets, tb);
	jnum("dirty_rate", rb, dr->clean_start > 0, true);
	jnum("stderr", seb, dr->clean_start > 0, true);
	jnum("error_pct", eb, rx > 0 && dr->clean_start > 0, false);
	printf("},\"exact\":{\"dirty_pages\":%llu,\"seconds\":%.6f,\"dirty_rate\":%.6g,"
	       "\"writes\":%llu,\"start_ns\":%llu,\"end_ns\":%llu,\"domains\":[",
	       (unsigned long long)r->exact, tx, rx, (unsigned long long)r->writes,
	       r->x0[0], r->x1[1]);
	for (i = 0; i < lab.nr; i++)
		printf("%s{\"domain\":%u,\"dirty_pages\":%llu}", i ? "," : "", lab.d[i].domain,
		       (unsigned long long)r->dirty[i]);
	printf("]},\"missed\":%llu,\"cost_us\":%.0f}\n", (unsigned long long)r->missed,
	       dr->cost_ns / 1e3);
	fflush(stdout);
}

/* sleep @ms, or less if a signal asks to exit */
static void sleep_ms(unsigned int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	while (!exiting && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

/*
 * Rounds of estimate + exact rate until -d is over (one round without -d)
 * or a signal.  A round cut short by a signal prints nothing.
 */
int dirty_rate_run(double t0)
{
	__u32 hwpts[LAB_MAX_DEVICES];
	struct iodirty_dr_cfg cfg = {
		.mem = lab.buf, .mem_bytes = env.mem, .iova = LAB_IOVA,
		.page_size = env.page_size, .sample_pages = env.sample_pages,
		.seed = env.seed, .fd = lab.fd, .hwpts = hwpts, .nr_hwpts = lab.nr,
		.flags = env.test_clearing ? IODIRTY_DR_TEST_CLEARING_GET : 0,
	};
	struct iodirty_dr dr;
	struct dr_round r = {};
	__u64 before, after, i;
	char why[256];
	int err;

	for (i = 0; i < lab.nr; i++)
		hwpts[i] = lab.d[i].hwpt;
	err = iodirty_dr_init(&dr, &cfg, why, sizeof(why));
	if (err) {
		fprintf(stderr, "iodirty-lab: --dirty-rate: %s\n", why);
		return err;
	}
	lab.any = calloc(1, lab.bitmap_bytes);
	if (!lab.any) {
		err = fail("bitmap", -ENOMEM);
		goto out;
	}
	/* the first round's start: everything written so far is cleared */
	err = writes_now(&before) ?: exact_get(r.x1, r.dirty);
	while (!err && !exiting) {
		r.round++;
		memcpy(r.x0, r.x1, sizeof(r.x0));
		err = iodirty_dr_start(&dr, r.round);
		if (err) {
			fail("GET_DIRTY_BITMAP (NO_CLEAR, sampled pages)", err);
			break;
		}
		sleep_ms(env.calc_ms);
		if (exiting)
			break;
		err = iodirty_dr_end(&dr);
		if (err) {
			fail("GET_DIRTY_BITMAP (NO_CLEAR, sampled pages)", err);
			break;
		}
		/* writes before this GET bound the next round's writes */
		err = writes_now(&after) ?: exact_get(r.x1, r.dirty);
		if (err)
			break;
		err = writes_now(&r.writes);
		if (err)
			break;
		r.writes -= before;
		before = after;
		r.exact = popcount(lab.any, lab.bitmap_bytes);
		r.missed = 0;
		for (i = 0; i < dr.n; i++) {
			__u64 pg = dr.s[i].page;

			if ((dr.s[i].changed || dr.s[i].dirty1) &&
			    !(lab.any[pg / 8] >> (pg % 8) & 1))
				r.missed++;
		}
		dr_report(&dr, &r, t0);
		if (!env.duration_s || now_s() - t0 >= env.duration_s)
			break;
	}
out:
	iodirty_dr_free(&dr);
	return err;
}
