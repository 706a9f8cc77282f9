// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sampled dirty-rate estimate (see iodirty_dirtyrate.h for what it
 * measures and the error formula).
 *
 * Sampling: Knuth's selection sampling (Algorithm S) walks the M page
 * indices once and keeps each with probability needed/remaining, which
 * gives n distinct pages, every n-subset equally likely, already sorted
 * (so both passes read memory and the page table in address order).
 * QEMU draws with replacement; without replacement the error is never
 * larger (the (M - n)/(M - 1) factor), and n = M measures every page.
 *
 * Order of the passes: the start reads the dirty state before hashing and
 * the end hashes before reading the dirty state, so the hash period lies
 * inside the bitmap period, and both inside the caller's exact period when
 * the caller harvests before iodirty_dr_start() and after iodirty_dr_end().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "libiodirty.h"
#include "iodirty_dirtyrate.h"

#define DR_WINDOW	64	/* pages per bitmap GET: one __u64 of bitmap */

static __u64 dr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u64 dr_next(__u64 *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static inline __u64 rotl64(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

__u64 iodirty_dr_hash(const void *p, size_t len)
{
	const unsigned char *b = p;
	__u64 h = 0x9e3779b97f4a7c15ULL ^ len, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		h ^= rotl64(w * 0x87c37b91114253d5ULL, 31) * 0x4cf5ad432745937fULL;
		h = rotl64(h, 27) * 5 + 0x52dce729;
	}
	/* splitmix64 finaliser: every input bit reaches every output bit */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

int iodirty_dr_count(__u64 mem_bytes, __u64 page_size, __u64 sample_pages,
		     __u64 *n, char *why, size_t why_len)
{
	__u64 pages = page_size ? mem_bytes / page_size : 0;
	unsigned __int128 c = (unsigned __int128)mem_bytes * sample_pages >> 30;

	if (!sample_pages) {
		snprintf(why, why_len, "sample pages must be at least 1 per GiB");
		return -EINVAL;
	}
	if (!pages) {
		snprintf(why, why_len, "memory of %llu bytes holds no page of %llu bytes",
			 (unsigned long long)mem_bytes, (unsigned long long)page_size);
		return -EINVAL;
	}
	if (!c) {
		snprintf(why, why_len, "%llu sample pages per GiB of %llu KiB is no sample "
			 "(at least %llu per GiB for this memory)",
			 (unsigned long long)sample_pages,
			 (unsigned long long)(mem_bytes >> 10),
			 (unsigned long long)(((1ULL << 30) + mem_bytes - 1) / mem_bytes));
		return -EINVAL;
	}
	if (c > pages) {
		snprintf(why, why_len, "%llu sample pages per GiB asks for %llu samples, "
			 "more than the %llu pages of %llu bytes in the memory (at most %llu per GiB)",
			 (unsigned long long)sample_pages, (unsigned long long)c,
			 (unsigned long long)pages, (unsigned long long)page_size,
			 (unsigned long long)((1ULL << 30) / page_size));
		return -EINVAL;
	}
	*n = c;
	return 0;
}

int iodirty_dr_init(struct iodirty_dr *dr, const struct iodirty_dr_cfg *cfg,
		    char *why, size_t why_len)
{
	__u64 n;
	int err;

	memset(dr, 0, sizeof(*dr));
	if (!cfg->mem || !cfg->page_size || cfg->page_size % 8 ||
	    cfg->page_size & (cfg->page_size - 1)) {
		snprintf(why, why_len, "no memory, or page size not a power of two >= 8");
		return -EINVAL;
	}
	err = iodirty_dr_count(cfg->mem_bytes, cfg->page_size, cfg->sample_pages,
			       &n, why, why_len);
	if (err)
		return err;
	dr->s = calloc(n, sizeof(*dr->s));
	if (!dr->s) {
		snprintf(why, why_len, "%llu samples: out of memory", (unsigned long long)n);
		return -ENOMEM;
	}
	dr->cfg = *cfg;
	if (!cfg->hwpts)
		dr->cfg.nr_hwpts = 0;
	dr->pages = cfg->mem_bytes / cfg->page_size;
	dr->n = n;
	return 0;
}

void iodirty_dr_free(struct iodirty_dr *dr)
{
	free(dr->s);
	dr->s = NULL;
}

/* n distinct page indices out of M, ascending (Algorithm S) */
static void dr_pick(struct iodirty_dr *dr, __u64 round)
{
	__u64 s = dr->cfg.seed ^ (round + 1) * 0x9e3779b97f4a7c15ULL, i, k = 0;

	if (!s)
		s = 1;
	for (i = 0; i < dr->pages && k < dr->n; i++)
		if (dr_next(&s) % (dr->pages - i) < dr->n - k)
			dr->s[k++] = (struct iodirty_dr_sample){ .page = i };
}

/*
 * The dirty state of every sample, OR-ed over the HWPTs: one GET per
 * window of DR_WINDOW pages that starts at a sample.  @end: the end pass
 * (sets dirty1 for pages clean at the start), else the start pass.
 */
static int dr_bitmap_pass(struct iodirty_dr *dr, bool end)
{
	const struct iodirty_dr_cfg *c = &dr->cfg;
	__u32 flags = c->flags & IODIRTY_DR_TEST_CLEARING_GET ? 0 :
		      IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
	__u64 i = 0, j, first, len;
	unsigned int h;
	int err;

	while (i < dr->n) {
		__u64 bits = 0;

		first = dr->s[i].page;
		len = dr->pages - first < DR_WINDOW ? dr->pages - first : DR_WINDOW;
		for (j = i; j < dr->n && dr->s[j].page - first < len; j++)
			;
		len = dr->s[j - 1].page - first + 1;	/* up to the last sample */
		for (h = 0; h < c->nr_hwpts; h++) {
			__u64 bm = 0;

			err = iodirty_get_dirty_bitmap(c->fd, c->hwpts[h],
						       c->iova + first * c->page_size,
						       len * c->page_size, c->page_size,
						       &bm, flags);
			dr->gets++;
			if (err)
				return err;
			bits |= bm;
		}
		for (; i < j; i++) {
			bool d = bits >> (dr->s[i].page - first) & 1;

			if (!end)
				dr->s[i].dirty0 = d;
			else
				dr->s[i].dirty1 = !dr->s[i].dirty0 && d;
		}
	}
	return 0;
}

static void dr_hash_pass(struct iodirty_dr *dr, bool end)
{
	const unsigned char *mem = dr->cfg.mem;
	__u64 i;

	for (i = 0; i < dr->n; i++) {
		struct iodirty_dr_sample *s = &dr->s[i];
		__u64 h = iodirty_dr_hash(mem + s->page * dr->cfg.page_size,
					  dr->cfg.page_size);

		if (!end)
			s->hash0 = h;
		else
			s->changed = h != s->hash0;
	}
}

int iodirty_dr_start(struct iodirty_dr *dr, __u64 round)
{
	int err = 0;

	dr->gets = dr->cost_ns = 0;
	dr->changed = dr->clean_start = dr->dirty_end = 0;
	dr_pick(dr, round);
	dr->bitmap_ns[0][0] = dr_now_ns();
	if (dr->cfg.nr_hwpts)
		err = dr_bitmap_pass(dr, false);
	dr->bitmap_ns[0][1] = dr->hash_ns[0][0] = dr_now_ns();
	if (err)
		return err;
	dr_hash_pass(dr, false);
	dr->hash_ns[0][1] = dr_now_ns();
	dr->cost_ns += dr->hash_ns[0][1] - dr->bitmap_ns[0][0];
	return 0;
}

int iodirty_dr_end(struct iodirty_dr *dr)
{
	__u64 i;
	int err = 0;

	dr->hash_ns[1][0] = dr_now_ns();
	dr_hash_pass(dr, true);
	dr->hash_ns[1][1] = dr->bitmap_ns[1][0] = dr_now_ns();
	if (dr->cfg.nr_hwpts)
		err = dr_bitmap_pass(dr, true);
	dr->bitmap_ns[1][1] = dr_now_ns();
	dr->cost_ns += dr->bitmap_ns[1][1] - dr->hash_ns[1][0];
	if (err)
		return err;
	for (i = 0; i < dr->n; i++) {
		dr->changed += dr->s[i].changed;
		dr->clean_start += !dr->s[i].dirty0;
		dr->dirty_end += dr->s[i].dirty1;
	}
	if (!dr->cfg.nr_hwpts)
		dr->clean_start = 0;	/* no bitmap estimate */
	return 0;
}

static double mid_s(const __u64 t[2][2], int pass)
{
	return (t[pass][0] / 2.0 + t[pass][1] / 2.0) / 1e9;
}

double iodirty_dr_hash_seconds(const struct iodirty_dr *dr)
{
	return mid_s(dr->hash_ns, 1) - mid_s(dr->hash_ns, 0);
}

double iodirty_dr_bitmap_seconds(const struct iodirty_dr *dr)
{
	return mid_s(dr->bitmap_ns, 1) - mid_s(dr->bitmap_ns, 0);
}

double iodirty_dr_stderr(double p, __u64 n, __u64 pages)
{
	double fpc = pages > 1 ? (double)(pages - n) / (pages - 1) : 0;

	if (!n || p <= 0 || p >= 1)
		return 0;
	return sqrt(p * (1 - p) / n * fpc);
}
