/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty_dirtyrate - a sampled dirty-rate estimate, like QEMU's
 * calc-dirty-rate page-sampling mode, for the process that owns the memory
 * (and, for the second estimator, the iommufd file and its HWPTs).
 *
 * It takes n = mem_bytes * sample_pages >> 30 pages (sample_pages per GiB,
 * QEMU's formula), distinct and chosen uniformly at random, and observes
 * each of them at the start and at the end of a period in two ways:
 *
 *   hash    a 64-bit hash of the page's bytes; a page whose hash changed
 *           was written.  Needs nothing but the mapping (QEMU's method).
 *   bitmap  GET_DIRTY_BITMAP with IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR over
 *           the sampled pages of every HWPT (one GET per 64-page window
 *           holding samples); a page clean in every HWPT at the start and
 *           dirty in one at the end was written.  Pages already dirty at
 *           the start say nothing and are left out (clean_start counts the
 *           others).
 *
 * Neither clears anything: the hash only reads memory through the CPU,
 * the bitmap reads pass NO_CLEAR (IODIRTY_DR_TEST_CLEARING_GET drops it;
 * tests only, to show that the checks catch a clearing estimator).
 *
 * The estimate of the fraction of memory written in the period is
 * p = changed / n (hash) or dirty_end / clean_start (bitmap); the rate is
 * p * mem_bytes / 2^20 / seconds in MB/s (2^20 bytes, as QEMU).  Sampling
 * without replacement from M pages, the standard error of p is
 * sqrt(p (1 - p) / n * (M - n) / (M - 1)) (iodirty_dr_stderr()).
 */
#ifndef __IODIRTY_DIRTYRATE_H
#define __IODIRTY_DIRTYRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define IODIRTY_DR_DEFAULT_SAMPLE_PAGES	512	/* per GiB, QEMU's default */
#define IODIRTY_DR_MIN_CALC_MS		50	/* QEMU's MIN_CALC_TIME_MS */
#define IODIRTY_DR_MAX_CALC_MS		60000	/* QEMU's MAX_CALC_TIME_MS */

/* cfg.flags: the bitmap reads clear what they read (tests only) */
#define IODIRTY_DR_TEST_CLEARING_GET	(1U << 0)

struct iodirty_dr_cfg {
	const void *mem;	/* the memory, mapped at @iova in every HWPT */
	__u64 mem_bytes;
	__u64 iova;
	__u64 page_size;	/* sample unit = bitmap granule */
	__u64 sample_pages;	/* per GiB */
	__u64 seed;
	int fd;			/* the iommufd file (bitmap estimator) */
	const __u32 *hwpts;	/* NULL or nr_hwpts 0: hash estimator only */
	unsigned int nr_hwpts;
	__u32 flags;
};

struct iodirty_dr_sample {
	__u64 page;		/* index in the memory, ascending */
	__u64 hash0;
	bool dirty0;		/* bitmap: dirty in some HWPT at the start */
	bool changed;		/* hash: different at the end */
	bool dirty1;		/* bitmap: clean at the start, dirty at the end */
};

struct iodirty_dr {
	struct iodirty_dr_cfg cfg;
	__u64 pages;		/* M: pages of page_size in the memory */
	__u64 n;		/* samples */
	struct iodirty_dr_sample *s;
	/* the last period */
	__u64 changed, clean_start, dirty_end;
	__u64 hash_ns[2][2];	/* [start/end pass][begin/end] CLOCK_MONOTONIC */
	__u64 bitmap_ns[2][2];
	__u64 gets;		/* GET_DIRTY_BITMAP calls of both passes */
	__u64 cost_ns;		/* time inside both passes */
};

/*
 * The sample count for @sample_pages per GiB of @mem_bytes in pages of
 * @page_size, or -EINVAL with a reason in @why: no sample (N = 0 or too
 * few per GiB for this memory) or more samples than pages.
 */
int iodirty_dr_count(__u64 mem_bytes, __u64 page_size, __u64 sample_pages,
		     __u64 *n, char *why, size_t why_len);
/* validate @cfg (as iodirty_dr_count()) and allocate the samples */
int iodirty_dr_init(struct iodirty_dr *dr, const struct iodirty_dr_cfg *cfg,
		    char *why, size_t why_len);
void iodirty_dr_free(struct iodirty_dr *dr);
/*
 * Start a period: pick a fresh sample (seed and @round), read the samples'
 * dirty state (bitmap estimator), then hash them.  A negative errno from
 * GET_DIRTY_BITMAP.
 */
int iodirty_dr_start(struct iodirty_dr *dr, __u64 round);
/* End it: hash again, then read the dirty state again; count */
int iodirty_dr_end(struct iodirty_dr *dr);

/* seconds between the midpoints of the start and end passes */
double iodirty_dr_hash_seconds(const struct iodirty_dr *dr);
double iodirty_dr_bitmap_seconds(const struct iodirty_dr *dr);
/* standard error of a sampled fraction @p: n of M pages, no replacement */
double iodirty_dr_stderr(double p, __u64 n, __u64 pages);
/* the page hash (64-bit; @len a multiple of 8) */
__u64 iodirty_dr_hash(const void *p, size_t len);

#endif /* __IODIRTY_DIRTYRATE_H */
