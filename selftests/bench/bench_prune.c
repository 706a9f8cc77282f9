// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty host benchmark: accessed-bit subtree pruning (PT_DIRTY_PRUNE)
 * against the full walk, issue 10's case: 1 TiB mapped at 4 KiB (AMD v1,
 * 256 Mi leaves, 2 GiB of PTEs; leaves share pages), and between two
 * harvests 1 % of the 2 MiB regions written.
 *
 * A "write" is pt_hw_access(): the IOMMU's walk from the root sets the
 * non-leaf A of every table entry on the path, then the leaf's A and D,
 * so the state is exactly what the hardware model leaves (no PSC here:
 * a PSC hit would set fewer A bits, which only makes pruning cheaper).
 * Two variants: every 4 KiB page of each chosen region written (a 2 MiB
 * DMA buffer), and 8 pages of each.
 *
 * Each repetition, for each method (the order alternates):
 *   write the regions chosen for this repetition (untimed), flush every
 *   cache level (bench_evict(), untimed), time one harvest of the whole
 *   1 TiB into a zeroed bitmap, and check the bitmap against the pages
 *   written: missed pages (not reported) and extra ones.
 * prune = pt_read_and_clear_dirty(PT_DIRTY_PRUNE); its table_a_cleared
 * callback models a paging-structure-cache invalidation with its wait as
 * a busy wait of --psc-inval-ns (an assumption, not a measurement: no
 * public latency figure was found; the count is reported so any other
 * cost can be applied).  full = the same call without PT_DIRTY_PRUNE,
 * followed by an untimed pruning harvest that clears the A bits the
 * writes set (so every timed pruning harvest starts from the same state:
 * A set only on the paths written since the last harvest).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_fmt.h"
#include "bench.h"
#include "bench_prune.h"

#define PR_BASE		(1ULL << 40)
#define PR_REGION	(2ULL << 20)

struct pr_ctx {
	struct pt_domain d;
	u64 span, nreg;
	u64 *chosen;			/* regions written this repetition */
	u64 nchosen;
	unsigned int pages;		/* pages written per region */
	u8 *bm;
	u64 bm_bytes;
	double inval_ns;
	u64 invals;
};

/* region r, page k of the @pages written: spread over the region */
static u64 pr_page(const struct pr_ctx *c, u64 r, unsigned int k)
{
	u64 stride = (PR_REGION >> 12) / c->pages;

	return PR_BASE + r * PR_REGION + (u64)k * stride * 4096;
}

static void pr_choose(struct pr_ctx *c, u64 seed)
{
	u64 r;

	c->nchosen = 0;
	for (r = 0; r < c->nreg; r++)
		if (bench_mix64(r ^ seed) % 100 == 0)
			c->chosen[c->nchosen++] = r;
}

static int pr_write(struct pr_ctx *c)
{
	u64 i;
	unsigned int k;
	int ret;

	for (i = 0; i < c->nchosen; i++)
		for (k = 0; k < c->pages; k++) {
			ret = pt_hw_access(&c->d, pr_page(c, c->chosen[i], k),
					   PT_PROT_WRITE, NULL);
			if (ret)
				return ret;
		}
	return 0;
}

static void pr_table_a_cleared(void *arg, u64 iova, u64 len)
{
	struct pr_ctx *c = arg;
	double until;

	(void)iova;
	(void)len;
	c->invals++;
	if (c->inval_ns <= 0)
		return;
	until = bench_now() + c->inval_ns * 1e-9;
	while (bench_now() < until)
		;
}

/* pages written and not in the bitmap; *extra: set bits not written */
static u64 pr_check(const struct pr_ctx *c, u64 *extra)
{
	u64 i, missed = 0, set = 0, b;
	unsigned int k;

	for (b = 0; b < c->bm_bytes; b++)
		set += __builtin_popcount(c->bm[b]);
	for (i = 0; i < c->nchosen; i++)
		for (k = 0; k < c->pages; k++) {
			u64 bit = (pr_page(c, c->chosen[i], k) - PR_BASE) >> 12;

			if (!(c->bm[bit / 8] & (1u << (bit % 8))))
				missed++;
		}
	*extra = set - ((u64)c->nchosen * c->pages - missed);
	return missed;
}

static int pr_harvest(struct pr_ctx *c, unsigned int flags,
		      struct pt_dirty_stats *st, double *secs)
{
	struct pt_bitmap bm;
	struct pt_dirty_sink s = {
		.bitmap = &bm, .table_a_cleared = pr_table_a_cleared, .arg = c,
	};
	double t0;
	int ret;

	memset(c->bm, 0, c->bm_bytes);
	ret = pt_bitmap_init(&bm, c->bm, PR_BASE, c->span, 4096);
	if (ret)
		return ret;
	bench_evict();
	t0 = bench_now();
	ret = pt_read_and_clear_dirty(&c->d, PR_BASE, c->span, flags, &s, st);
	*secs = bench_now() - t0;
	return ret;
}

static void pr_note(double *best, double *worst, double t)
{
	if (*best == 0 || t < *best)
		*best = t;
	if (t > *worst)
		*worst = t;
}

static int pr_variant(struct pr_ctx *c, int reps,
		      struct bench_prune_variant *v)
{
	int rep, m, ret;
	u64 extra;

	for (rep = 0; rep < reps; rep++) {
		pr_choose(c, 0x5eed0000ULL + rep);
		v->regions_written = c->nchosen;
		v->pages_written = c->nchosen * c->pages;
		for (m = 0; m < 2; m++) {
			bool prune = (m + rep) % 2 == 0;
			struct pt_dirty_stats st = { 0 };
			double t;

			ret = pr_write(c);
			if (ret)
				return ret;
			c->invals = 0;
			ret = pr_harvest(c, prune ? PT_DIRTY_PRUNE : 0, &st, &t);
			if (ret)
				return ret;
			if (prune) {
				pr_note(&v->prune_s, &v->prune_max_s, t);
				v->missed_prune += pr_check(c, &extra);
				v->extra_prune += extra;
				v->psc_invals = c->invals;
				v->table_a_cleared = st.table_a_cleared;
				v->pruned = st.pruned;
				v->tables_prune = st.tables;
			} else {
				pr_note(&v->full_s, &v->full_max_s, t);
				v->missed_full += pr_check(c, &extra);
				v->extra_full += extra;
				v->tables_full = st.tables;
				/* untimed: clear the A bits the writes set */
				ret = pt_read_and_clear_dirty(&c->d, PR_BASE,
					c->span, PT_DIRTY_PRUNE,
					&(struct pt_dirty_sink){
						.table_a_cleared =
							pr_table_a_cleared,
						.arg = c }, NULL);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

static int pr_run(u64 leaves, int reps, double inval_ns,
		  struct bench_prune_result *out)
{
	static const unsigned int pages[BENCH_PRUNE_VARIANTS] = { 512, 8 };
	struct pr_ctx c = { .inval_ns = inval_ns };
	double t0 = bench_now();
	int ret, i;

	c.span = leaves << 12;
	c.nreg = c.span / PR_REGION;
	ret = pt_domain_init(&c.d, PT_FMT_AMDV1, 48,
			     pt_format_pgsizes(PT_FMT_AMDV1));
	if (ret)
		return ret;
	ret = pt_map(&c.d, PR_BASE, 0, c.span, PT_PROT_READ | PT_PROT_WRITE,
		     4096, PT_MAP_PHANTOM);
	c.chosen = malloc(c.nreg * sizeof(*c.chosen));
	c.bm_bytes = pt_bitmap_bytes(c.span, 4096);
	c.bm = mmap(NULL, c.bm_bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ret || !c.chosen || c.bm == MAP_FAILED) {
		ret = ret ? ret : -ENOMEM;
		goto out;
	}
	printf("# prune: built amdv1 4K %" PRIu64 " leaves (%.1f GiB of tables) in %.1f s\n",
	       leaves, c.d.nr_tables * 4096.0 / (1 << 30), bench_now() - t0);
	out->leaves = leaves;
	out->regions = c.nreg;
	out->reps = reps;
	out->inval_ns = inval_ns;
	for (i = 0; i < BENCH_PRUNE_VARIANTS && !ret; i++) {
		c.pages = pages[i];
		out->v[i].pages_per_region = pages[i];
		ret = pr_variant(&c, reps, &out->v[i]);
	}
out:
	if (c.bm != MAP_FAILED && c.bm)
		munmap(c.bm, c.bm_bytes);
	free(c.chosen);
	pt_domain_destroy(&c.d);
	return ret;
}

/**
 * bench_prune() - run the pruning case in a child process
 * @leaves: 4 KiB leaves to map (1 TiB: 256 Mi)
 * @reps: repetitions (best and worst reported)
 * @inval_ns: modelled cost of one PSC invalidation with its wait
 * @out: results (out->ran set on success)
 *
 * A child process, as the other cases run, so its 2 GiB of tables are
 * gone when it returns.  Return: 0 or a negative errno.
 */
int bench_prune(u64 leaves, int reps, double inval_ns,
		struct bench_prune_result *out)
{
	struct bench_prune_result *shr;
	int status, ret = 0;
	pid_t pid;

	shr = mmap(NULL, sizeof(*shr), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shr == MAP_FAILED)
		return -ENOMEM;
	memset(shr, 0, sizeof(*shr));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (!pid) {
		int r = pr_run(leaves, reps, inval_ns, shr);

		if (r)
			printf("# prune: failed: %d\n", r);
		shr->ran = !r;
		fflush(stdout);
		_exit(r ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = -EIO;
	*out = *shr;
out:
	munmap(shr, sizeof(*shr));
	return ret;
}

/**
 * bench_prune_print() - the pruning case as a table
 * @r: a result with r->ran
 */
void bench_prune_print(const struct bench_prune_result *r)
{
	int i;

	printf("\nPruning (PT_DIRTY_PRUNE) vs full walk: amdv1 4K, %" PRIu64
	       " leaves (%.0f GiB), 1%% of %" PRIu64 " 2 MiB regions written "
	       "between harvests, best of %d, every run cold; PSC invalidation "
	       "modelled as %.0f ns each\n", r->leaves,
	       (double)(r->leaves << 12) / (1ULL << 30), r->regions, r->reps,
	       r->inval_ns);
	printf("%-9s %8s %10s %9s %9s %9s %7s %7s %9s %8s %8s\n", "pages/reg",
	       "regions", "pages", "full ms", "prune ms", "speed-up",
	       "invals", "inval ms", "A cleared", "pruned", "missed");
	for (i = 0; i < BENCH_PRUNE_VARIANTS; i++) {
		const struct bench_prune_variant *v = &r->v[i];

		printf("%-9u %8" PRIu64 " %10" PRIu64 " %9.2f %9.2f %8.1fx "
		       "%7" PRIu64 " %7.2f %9" PRIu64 " %8" PRIu64 " %8" PRIu64
		       "\n", v->pages_per_region, v->regions_written,
		       v->pages_written, v->full_s * 1e3, v->prune_s * 1e3,
		       v->prune_s > 0 ? v->full_s / v->prune_s : 0,
		       v->psc_invals, v->psc_invals * r->inval_ns * 1e-6,
		       v->table_a_cleared, v->pruned,
		       v->missed_prune + v->missed_full);
	}
}

/**
 * bench_prune_json() - the pruning case as a JSON object
 * @r: the result
 * @buf: output
 * @n: size of @buf
 *
 * Return: snprintf()'s count.
 */
int bench_prune_json(const struct bench_prune_result *r, char *buf, size_t n)
{
	size_t o = 0;
	int i;

	o += snprintf(buf + o, n - o,
		      "{\"ran\": %s, \"format\": \"amdv1\", \"leaves\": %"
		      PRIu64 ", \"regions\": %" PRIu64 ", \"reps\": %d, "
		      "\"psc_inval_ns_modelled\": %.0f, \"variants\": [",
		      r->ran ? "true" : "false", r->leaves, r->regions, r->reps,
		      r->inval_ns);
	for (i = 0; i < BENCH_PRUNE_VARIANTS && o < n; i++) {
		const struct bench_prune_variant *v = &r->v[i];

		o += snprintf(buf + o, n - o,
			"%s{\"pages_per_region\": %u, \"regions_written\": %"
			PRIu64 ", \"pages_written\": %" PRIu64 ", \"full_s\": "
			"%.6g, \"full_max_s\": %.6g, \"prune_s\": %.6g, "
			"\"prune_max_s\": %.6g, \"speedup\": %.4g, "
			"\"psc_invals\": %" PRIu64 ", \"psc_inval_s_modelled\": "
			"%.6g, \"table_a_cleared\": %" PRIu64 ", \"pruned\": %"
			PRIu64 ", \"tables_full\": %" PRIu64 ", "
			"\"tables_prune\": %" PRIu64 ", \"missed_full\": %"
			PRIu64 ", \"missed_prune\": %" PRIu64 ", "
			"\"extra_full\": %" PRIu64 ", \"extra_prune\": %"
			PRIu64 "}", i ? ", " : "", v->pages_per_region,
			v->regions_written, v->pages_written, v->full_s,
			v->full_max_s, v->prune_s, v->prune_max_s,
			v->prune_s > 0 ? v->full_s / v->prune_s : 0,
			v->psc_invals, v->psc_invals * r->inval_ns * 1e-9,
			v->table_a_cleared, v->pruned, v->tables_full,
			v->tables_prune, v->missed_full, v->missed_prune,
			v->extra_full, v->extra_prune);
	}
	if (o < n)
		o += snprintf(buf + o, n - o, "]}");
	return o;
}
