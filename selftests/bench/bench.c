// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty host benchmark: dirty harvest throughput of the page-table core.
 *
 * For every format and table shape, and 0/1/10/100 % of the leaves dirty,
 * it times pt_read_and_clear_dirty() (clear mode, recording into a
 * pt_bitmap at the format granule, 4 KiB or the mock's 2 KiB) against,
 * in the same run:
 *
 *   read, plain, atomic  the physical references of bench_ref.c over a
 *            THP array of as many leaf PTEs with the same dirty pattern:
 *            read-only scan, plain clear of the dirty entries, atomic
 *            clear of the dirty entries;
 *   perpage  the pre-6.19 AMD/VT-d algorithm (bench_perpage.c): a
 *            root-to-leaf lookup per page and an atomic test-and-clear
 *            of every present leaf;
 *   walk2, read2  for the largest cases, the harvest split over
 *            --threads threads (pt_split_range()) and the read reference
 *            split the same way: the aggregate limit of that many cores.
 *
 * Every timed run starts equally cold: before it, the dirty pattern is
 * restored by direct PTE writes (the IOMMU's A and D, or DBM/AP[2]), the
 * bitmap zeroed, and then every cache level is flushed by reading
 * BENCH_EVICT_MIB (> 2x L3); all untimed.  The order of the methods is
 * rotated from one repetition to the next.  Best of N is reported with
 * the spread (max - min) / min over the repetitions.  Results are
 * cross-checked: bitmaps and counts must agree with the pattern.
 *
 * Usage: pt_bench [--quick] [--json FILE] [--reps N] [--only SUBSTR]
 *                 [--threads N] [--prune-only] [--psc-inval-ns NS]
 */
#include <getopt.h>
#include <inttypes.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdarg.h>
#include <sys/mman.h>

#include "pt_fmt.h"
#include "bench.h"
#include "bench_prune.h"

#define SEED		0x9e3779b97f4a7c15ULL
#define BASE_IOVA	(1ULL << 40)		/* 1 TiB */

static int opt_quick;
static int opt_reps;
static unsigned int opt_threads = 2;
static const char *opt_only;
static const char *opt_json;
static int opt_prune_only;
static double opt_psc_inval_ns = 2000;
static struct bench_prune_result prune_res;
static int failures;

/* ---------------------------------------------------------------- */

/* Is the @i-th present leaf (in IOVA order) dirty in the pattern? */
static inline bool chosen(u64 i, unsigned int pct)
{
	if (pct >= 100)
		return true;
	if (!pct)
		return false;
	return bench_mix64(i ^ SEED) % 10000 < pct * 100;
}

static void *big_alloc(size_t sz)
{
	void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void big_free(void *p, size_t sz)
{
	if (p)
		munmap(p, sz);
}

static u64 popcount_buf(const u8 *p, u64 n)
{
	u64 c = 0, i;

	for (i = 0; i + 8 <= n; i += 8) {
		u64 v;

		memcpy(&v, p + i, 8);
		c += __builtin_popcountll(v);
	}
	for (; i < n; i++)
		c += __builtin_popcount(p[i]);
	return c;
}

/* ---------------------------------------------------------------- */
/* JSON and table output */

struct jbuf {
	char *s;
	size_t len, cap;
	bool fixed;		/* in shared memory: cannot grow */
};

static struct jbuf j_bitmap, j_targets;

__attribute__((format(printf, 2, 3)))
static void jprintf(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len)
			break;
		if (b->fixed) {
			fprintf(stderr, "bench: JSON buffer full\n");
			exit(2);
		}
		b->cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			exit(2);
	}
	b->len += n;
}

static void jsep(struct jbuf *b)
{
	jprintf(b, "%s\n    ", b->len ? "," : "");
}

/* ---------------------------------------------------------------- */
/* Bitmap writer alone */

struct bm_result {
	const char *name;
	double gbits;
	double mruns;
};

static struct bm_result bm_results[8];
static int bm_nresults;

static void bench_bitmap_case(const char *name, u8 *buf, u64 bytes,
			      unsigned int misalign, u64 run, u64 nruns,
			      int reps)
{
	struct pt_bitmap bm;
	double best = 1e30;
	u64 gran = 4096, k;
	int r;

	if (pt_bitmap_init(&bm, buf + misalign, 0, nruns * run, gran)) {
		printf("# bitmap init failed\n");
		failures++;
		return;
	}
	if (pt_bitmap_bytes(nruns * run, gran) + misalign > bytes) {
		printf("# bitmap buffer too small\n");
		failures++;
		return;
	}
	for (r = 0; r < reps; r++) {
		double t0, t;
		int err = 0;

		memset(buf, 0, bytes);
		t0 = bench_now();
		for (k = 0; k < nruns; k++)
			err |= pt_bitmap_set_range(&bm, k * run, run);
		t = bench_now() - t0;
		if (err) {
			printf("# bitmap set_range failed\n");
			failures++;
			return;
		}
		if (t < best)
			best = t;
	}
	k = popcount_buf(buf, bytes);
	if (k != nruns * (run / gran)) {
		printf("# bitmap %s: %" PRIu64 " bits set, want %" PRIu64 "\n",
		       name, k, nruns * (run / gran));
		failures++;
	}
	bm_results[bm_nresults++] = (struct bm_result){
		name, nruns * (run / gran) / best / 1e9, nruns / best / 1e6 };
	printf("  %-28s %9.2f Gbit/s %10.2f Mruns/s  (%" PRIu64 " runs, %.2f ms)\n",
	       name, nruns * (run / gran) / best / 1e9, nruns / best / 1e6,
	       nruns, best * 1e3);
	jsep(&j_bitmap);
	jprintf(&j_bitmap,
		"{\"case\": \"%s\", \"run_bytes\": %" PRIu64
		", \"granule\": %" PRIu64 ", \"misalign\": %u, \"runs\": %"
		PRIu64 ", \"seconds\": %.6g, \"gbits_per_s\": %.4g, "
		"\"mruns_per_s\": %.4g}",
		name, run, gran, misalign, nruns, best,
		nruns * (run / gran) / best / 1e9, nruns / best / 1e6);
}

static void bench_bitmap(void)
{
	/* 1 TiB at 4 KiB granularity = 32 MiB of bitmap */
	u64 span = opt_quick ? 1ULL << 37 : 1ULL << 40;
	u64 bytes = pt_bitmap_bytes(span, 4096) + 64;
	u8 *buf = big_alloc(bytes);
	int reps = opt_quick ? 3 : 5;

	printf("\nBitmap writer (pt_bitmap_set_range, 4 KiB granularity, %" PRIu64 " GiB span):\n",
	       span >> 30);
	bench_bitmap_case("2M runs", buf, bytes, 0, 1ULL << 21,
			  span >> 21, reps);
	bench_bitmap_case("2M runs, bitmap+3 bytes", buf, bytes, 3,
			  1ULL << 21, span >> 21, reps);
	bench_bitmap_case("1G runs", buf, bytes, 0, 1ULL << 30, span >> 30,
			  reps);
	bench_bitmap_case("1G runs, bitmap+5 bytes", buf, bytes, 5,
			  1ULL << 30, span >> 30, reps);
	bench_bitmap_case("4K runs (1 bit each)", buf, bytes, 0, 4096,
			  (opt_quick ? 1ULL << 34 : 1ULL << 36) >> 12, reps);
	bench_bitmap_case("64K runs (16 bits)", buf, bytes, 1, 1ULL << 16,
			  (opt_quick ? 1ULL << 34 : 1ULL << 37) >> 16, reps);
	big_free(buf, bytes);
}

/* ---------------------------------------------------------------- */
/* Harvest cases */

enum shape { SH_DENSE, SH_SPARSE };

struct bcase {
	enum pt_format fmt;
	const char *leaf;	/* label: "4K", "2M", "1G", "sparse" */
	unsigned int leaf_lvl;	/* level the leaves live at */
	u64 leaves;		/* leaves mapped */
	enum shape shape;
	unsigned int sparse_per_table;	/* leaves per leaf table (sparse) */
};

/* One prepared table with its metadata. */
struct btable {
	struct pt_domain d;
	const struct bench_fmt *bf;
	u64 leaf_size;
	u64 span;		/* harvested IOVA range [BASE_IOVA, +span) */
	u64 **tables;		/* leaf tables in IOVA order */
	u64 ntables;
	u64 leaves;		/* present leaves */
	u64 *scan;		/* reference array: one PTE per leaf (THP) */
	u64 gran;		/* bitmap granule */
	u64 bm_bytes;
	u8 *bm_walk, *bm_ref;
};

enum method { M_WALK, M_READ, M_PLAIN, M_ATOMIC, M_PERPAGE, M_WALK2,
	      M_READ2, M_PLAIN2, M_NR };

static const char *const method_name[M_NR] = {
	"walk", "read", "plain_clear", "atomic_clear", "perpage", "walk_mt",
	"read_mt", "plain_clear_mt",
};

struct bres {
	double best[M_NR], worst[M_NR];	/* 0: not run */
	u64 dirty;
	u64 tables;
	unsigned int parts;		/* parts of the split walk */
};

static double spread(const struct bres *r, enum method m)
{
	return r->best[m] > 0 ? (r->worst[m] - r->best[m]) / r->best[m] : 0;
}

/* limit time / walk time: > 1 means the walk is faster than the limit */
static double vs(const struct bres *r, enum method m, enum method w)
{
	return r->best[m] > 0 && r->best[w] > 0 ? r->best[m] / r->best[w] : 0;
}

/* "4K", "2M", "1G" name the level; the mock's sizes are half (2 KiB
 * granule) and are printed as what they are. */
static const char *leaf_label(const struct bcase *c)
{
	static const char *const mock[] = { "2K", "1M", "512M" };

	if (c->fmt == PT_FMT_MOCK && c->shape == SH_DENSE && c->leaf_lvl < 3)
		return mock[c->leaf_lvl];
	return c->leaf;
}

static int table_build(struct btable *t, const struct bcase *c)
{
	const struct bench_fmt *bf = bench_fmt_get(c->fmt);
	unsigned int sh = bf->granule_shift + PT_TABLE_SHIFT * c->leaf_lvl;
	u64 tspan, i, k;
	struct bench_lookup lk;
	int ret;

	memset(t, 0, sizeof(*t));
	t->bf = bf;
	t->leaf_size = 1ULL << sh;
	tspan = t->leaf_size << PT_TABLE_SHIFT;
	ret = pt_domain_init(&t->d, c->fmt, bf->va_bits,
			     pt_format_pgsizes(c->fmt));
	if (ret) {
		printf("# %s: pt_domain_init: %d\n", bf->name, ret);
		return ret;
	}

	if (c->shape == SH_DENSE) {
		t->span = c->leaves * t->leaf_size;
		/* one call; PHANTOM: every leaf maps pa 0, no memory */
		ret = pt_map(&t->d, BASE_IOVA, 0, t->span,
			     PT_PROT_READ | PT_PROT_WRITE, t->leaf_size,
			     PT_MAP_PHANTOM);
	} else {
		u64 ntab = c->leaves / c->sparse_per_table;
		u64 stride = PT_TABLE_ENTRIES / c->sparse_per_table;

		t->span = ntab * tspan;
		for (i = 0; i < ntab && !ret; i++)
			for (k = 0; k < c->sparse_per_table && !ret; k++)
				ret = pt_map(&t->d, BASE_IOVA + i * tspan +
					     k * stride * t->leaf_size, 0,
					     t->leaf_size,
					     PT_PROT_READ | PT_PROT_WRITE,
					     t->leaf_size, PT_MAP_PHANTOM);
	}
	if (ret) {
		printf("# %s %s: pt_map: %d\n", bf->name, leaf_label(c), ret);
		pt_domain_destroy(&t->d);
		return ret;
	}

	/* collect the leaf tables (their first entry is always mapped) */
	t->ntables = (t->span + tspan - 1) / tspan;
	t->tables = calloc(t->ntables, sizeof(*t->tables));
	for (i = 0; i < t->ntables; i++) {
		bench_lookup(&t->d, BASE_IOVA + i * tspan, &lk);
		if (!lk.pte || lk.size != t->leaf_size) {
			printf("# %s %s: leaf lookup failed at table %" PRIu64 "\n",
			       bf->name, leaf_label(c), i);
			free(t->tables);
			pt_domain_destroy(&t->d);
			return -EIO;
		}
		t->tables[i] = (u64 *)((uintptr_t)lk.pte & ~(uintptr_t)4095);
	}
	t->leaves = c->leaves;

	/*
	 * The reference array: a copy of a clean leaf PTE per leaf, on
	 * transparent huge pages (no TLB misses: a strict limit; in the
	 * kernel the tables sit in the huge-page direct map, and the host
	 * tables come from 2 MiB THP chunks, pt_domain.c).
	 */
	t->scan = bench_thp_alloc(t->leaves * sizeof(u64));
	for (i = 0; i < t->leaves; i++)
		t->scan[i] = t->tables[0][0];

	t->gran = 1ULL << bf->granule_shift;
	t->bm_bytes = pt_bitmap_bytes(t->span, t->gran);
	t->bm_walk = big_alloc(t->bm_bytes);
	t->bm_ref = big_alloc(t->bm_bytes);
	return 0;
}

static void table_free(struct btable *t)
{
	big_free(t->scan, t->leaves * sizeof(u64));
	big_free(t->bm_walk, t->bm_bytes);
	big_free(t->bm_ref, t->bm_bytes);
	free(t->tables);
	pt_domain_destroy(&t->d);
}

/*
 * The dirty pattern for one percentage: the chosen leaves as PTE pointers
 * (for re-dirtying the table) and as ordinals (for the scan array).
 * 0 % and 100 % need no list.
 */
struct pattern {
	unsigned int pct;
	u64 n;			/* dirty leaves */
	u64 **ptes;
	u64 *ords;
};

static void pattern_build(struct btable *t, unsigned int pct,
			  struct pattern *p)
{
	u64 i, ord = 0, cap = 0;
	unsigned int j;

	memset(p, 0, sizeof(*p));
	p->pct = pct;
	if (pct == 0)
		return;
	if (pct >= 100) {
		p->n = t->leaves;
		return;
	}
	cap = t->leaves / 100 * (pct + 1) + 1024;
	p->ptes = malloc(cap * sizeof(*p->ptes));
	p->ords = malloc(cap * sizeof(*p->ords));
	if (!p->ptes || !p->ords)
		exit(2);
	for (i = 0; i < t->ntables; i++) {
		u64 *tb = t->tables[i];

		for (j = 0; j < PT_TABLE_ENTRIES; j++) {
			if (!pt_e_present(t->d.fmt, tb[j]))
				continue;
			if (chosen(ord, pct)) {
				if (p->n == cap) {
					cap *= 2;
					p->ptes = realloc(p->ptes,
							  cap * sizeof(*p->ptes));
					p->ords = realloc(p->ords,
							  cap * sizeof(*p->ords));
					if (!p->ptes || !p->ords)
						exit(2);
				}
				p->ptes[p->n] = &tb[j];
				p->ords[p->n++] = ord;
			}
			ord++;
		}
	}
}

static void pattern_free(struct pattern *p)
{
	free(p->ptes);
	free(p->ords);
}

/*
 * The entry as the IOMMU leaves it after a DMA write: dirty and accessed
 * (A|D; ARM: AP[2] cleared, AF is set at map time).  Harvests clear such
 * settled entries with plain stores (pt_fmt.h pt_e_clean()).
 */
static inline u64 make_dirty(const struct bench_fmt *bf, u64 e)
{
	return (e & ~bf->dirty_mask) | bf->dirty_val |
	       pt_accessed_bit(bf->fmt);
}

/* Make the pattern's leaves dirty again (untimed). */
static void table_redirty(struct btable *t, const struct pattern *p)
{
	const struct bench_fmt *bf = t->bf;
	u64 i;
	unsigned int j;

	if (p->pct >= 100) {
		for (i = 0; i < t->ntables; i++)
			for (j = 0; j < PT_TABLE_ENTRIES; j++)
				if (pt_e_present(t->d.fmt, t->tables[i][j]))
					t->tables[i][j] =
						make_dirty(bf, t->tables[i][j]);
		return;
	}
	for (i = 0; i < (p->pct ? p->n : 0); i++)
		*p->ptes[i] = make_dirty(bf, *p->ptes[i]);
}

static void scan_redirty(struct btable *t, const struct pattern *p)
{
	const struct bench_fmt *bf = t->bf;
	u64 i;

	if (p->pct >= 100) {
		for (i = 0; i < t->leaves; i++)
			t->scan[i] = make_dirty(bf, t->scan[i]);
		return;
	}
	for (i = 0; i < (p->pct ? p->n : 0); i++)
		t->scan[p->ords[i]] = make_dirty(bf, t->scan[p->ords[i]]);
}

static void tnote(struct bres *res, enum method m, double t0)
{
	double dt = bench_now() - t0;

	if (!res->best[m] || dt < res->best[m])
		res->best[m] = dt;
	if (dt > res->worst[m])
		res->worst[m] = dt;
}

/* the split walk and the multi-thread reference: big cases only */
static bool case_threaded(const struct btable *t)
{
	return opt_threads > 1 && (t->leaves >= (64u << 20) ||
				   (opt_quick && t->d.fmt == PT_FMT_AMDV1));
}

/* the per-page baseline is slow: once per dirty fraction on big cases */
static bool perpage_this_rep(const struct btable *t, int r)
{
	return r == 0 || t->leaves < (64u << 20);
}

static int run_pct(struct btable *t, const struct bcase *c, unsigned int pct,
		   int reps, struct bres *res)
{
	const struct bench_fmt *bf = t->bf;
	u64 bits_per_leaf = t->leaf_size / t->gran;
	enum method order[M_NR];
	struct pt_bitmap bw, br;
	struct pattern pat;
	u64 want, ndirty = 0, leaves = 0;
	int r, ret = 0, bad = 0, nm = 0, j;

	memset(res, 0, sizeof(*res));
	pt_bitmap_init(&bw, t->bm_walk, BASE_IOVA, t->span, t->gran);
	pt_bitmap_init(&br, t->bm_ref, BASE_IOVA, t->span, t->gran);
	pattern_build(t, pct, &pat);
	want = pat.n;
	for (j = 0; j < M_NR; j++)
		if (j < M_WALK2 || case_threaded(t))
			order[nm++] = j;

	for (r = 0; r < reps && !ret; r++) {
		/* validate on the first repetition, where the walk runs first */
		bool check = r == 0;

		for (j = 0; j < nm && !ret; j++) {
			enum method m = order[(j + r) % nm];
			struct pt_dirty_sink sink = { .bitmap = &bw };
			struct pt_dirty_stats st;
			unsigned int parts = 1;
			double t0;

			if (m == M_PERPAGE && !perpage_this_rep(t, r))
				continue;
			/* untimed: restore the pattern, zero, evict */
			if (m == M_WALK || m == M_WALK2 || m == M_PERPAGE)
				table_redirty(t, &pat);
			else
				scan_redirty(t, &pat);
			if (m == M_WALK)
				memset(t->bm_walk, 0, t->bm_bytes);
			else
				memset(t->bm_ref, 0, t->bm_bytes);
			memset(&st, 0, sizeof(st));
			bench_evict();

			t0 = bench_now();
			switch (m) {
			case M_WALK:
				ret = pt_read_and_clear_dirty(&t->d, BASE_IOVA,
							      t->span, 0,
							      &sink, &st);
				break;
			case M_WALK2:
				ret = bench_split_harvest(&t->d, BASE_IOVA,
							  t->span, &br,
							  opt_threads, &st,
							  &parts);
				break;
			case M_PERPAGE:
				ndirty = bench_perpage_harvest(&t->d, BASE_IOVA,
							       t->span, &br,
							       &leaves);
				break;
			case M_READ:
				ndirty = bench_ref(t->d.fmt, REF_READ, t->scan,
						   t->leaves);
				break;
			case M_READ2:
				ndirty = bench_ref_mt(t->d.fmt, REF_READ,
						      t->scan, t->leaves,
						      opt_threads);
				break;
			case M_PLAIN:
				ndirty = bench_ref(t->d.fmt, REF_PLAIN, t->scan,
						   t->leaves);
				break;
			case M_PLAIN2:
				ndirty = bench_ref_mt(t->d.fmt, REF_PLAIN,
						      t->scan, t->leaves,
						      opt_threads);
				break;
			default:
				ndirty = bench_ref(t->d.fmt, REF_ATOMIC,
						   t->scan, t->leaves);
				break;
			}
			tnote(res, m, t0);
			if (ret) {
				printf("# %s %s %u%%: %s: %d\n", bf->name,
				       leaf_label(c), pct, method_name[m], ret);
				break;
			}
			switch (m) {
			case M_WALK:
			case M_WALK2:
				res->tables = st.tables;
				if (m == M_WALK2)
					res->parts = parts;
				/* stats.leaves counts every entry of a leaf
				 * table scanned: the leaf count when dense */
				if (st.dirty_leaves != want ||
				    (c->shape == SH_DENSE &&
				     st.leaves != t->leaves)) {
					if (!(bad & 1))
						printf("# %s %s %u%%: %s stats: %"
						       PRIu64 " leaves %" PRIu64
						       " dirty, want %" PRIu64
						       " / %" PRIu64 "\n",
						       bf->name, leaf_label(c),
						       pct, method_name[m],
						       st.leaves,
						       st.dirty_leaves,
						       t->leaves, want);
					bad |= 1;
				}
				if (check && m == M_WALK &&
				    popcount_buf(t->bm_walk, t->bm_bytes) !=
				    want * bits_per_leaf)
					bad |= 2;
				if (check && m == M_WALK2 &&
				    memcmp(t->bm_walk, t->bm_ref, t->bm_bytes))
					bad |= 128;
				break;
			case M_PERPAGE:
				if (ndirty != want || leaves != t->leaves)
					bad |= 4;
				if (check &&
				    memcmp(t->bm_walk, t->bm_ref, t->bm_bytes))
					bad |= 8;
				break;
			case M_READ:
			case M_READ2:
				if (!!ndirty != !!want)
					bad |= 16;
				break;
			default:
				if (ndirty != want)
					bad |= 32;
				break;
			}
		}
	}
	pattern_free(&pat);
	if (ret)
		return ret;
	/* everything must be clean now */
	{
		struct pt_dirty_stats st;

		memset(&st, 0, sizeof(st));
		pt_read_and_clear_dirty(&t->d, BASE_IOVA, t->span,
					PT_DIRTY_NO_CLEAR, NULL, &st);
		if (st.dirty_leaves)
			bad |= 64;
	}
	res->dirty = want;
	if (bad) {
		printf("# MISMATCH %s %s %u%%: code %#x (1 walk stats, 2 walk bitmap, 4 perpage count, 8 perpage bitmap, 16 read ref, 32 clear ref count, 64 left dirty, 128 split walk bitmap)\n",
		       bf->name, leaf_label(c), pct, bad);
		failures++;
	}
	return 0;
}

/* results kept for the target checks */
struct rec {
	enum pt_format fmt;
	const char *leaf;
	u64 leaves;
	unsigned int pct;
	struct bres r;
};

/*
 * Every table case runs in a child process, so each table is built from
 * a fresh heap: in one process, the second 16 Mi-leaf table of a run
 * gets its 4 KiB tables off glibc's free lists in scrambled order and
 * walks up to 2x slower than the same table built first (a host-only
 * artifact that made results depend on case order).  Results come back
 * through this shared mapping.
 */
struct shared {
	int failures;
	int nrecs;
	struct rec recs[256];
	struct jbuf cases;
	char json[1 << 20];
};

static struct shared *sh;

static void report(const struct btable *t, const struct bcase *c,
		   unsigned int pct, const struct bres *r)
{
	double w = r->best[M_WALK];
	double lps = t->leaves / w;
	int m;

	printf("%-6s %-6s %9" PRIu64 " %4u%% %9.3f %5.0f%% %8.1f %8.3f %6.2f %8.3f %6.2f %8.3f %6.2f %9.3f %7.1fx",
	       t->bf->name, leaf_label(c), t->leaves, pct, w * 1e3,
	       spread(r, M_WALK) * 100, lps / 1e6,
	       r->best[M_READ] * 1e3, vs(r, M_READ, M_WALK),
	       r->best[M_PLAIN] * 1e3, vs(r, M_PLAIN, M_WALK),
	       r->best[M_ATOMIC] * 1e3, vs(r, M_ATOMIC, M_WALK),
	       r->best[M_PERPAGE] * 1e3, vs(r, M_PERPAGE, M_WALK));
	if (r->best[M_WALK2] > 0)
		printf("  | %ut: walk %.3f ms (%u parts, %.2fx one), read %.3f ms (vs %.2f), plain %.3f ms (%.2fx one)",
		       opt_threads, r->best[M_WALK2] * 1e3, r->parts,
		       vs(r, M_WALK, M_WALK2), r->best[M_READ2] * 1e3,
		       vs(r, M_READ2, M_WALK2), r->best[M_PLAIN2] * 1e3,
		       vs(r, M_PLAIN, M_PLAIN2));
	printf("\n");
	fflush(stdout);
	jsep(&sh->cases);
	jprintf(&sh->cases,
		"{\"format\": \"%s\", \"leaf\": \"%s\", \"leaf_bytes\": %"
		PRIu64 ", \"dirty_pct\": %u, \"leaves\": %" PRIu64
		", \"tables\": %" PRIu64 ", \"iova_span_bytes\": %" PRIu64
		", \"dirty_leaves\": %" PRIu64 ", \"granule\": %" PRIu64
		", \"walk_leaves_per_s\": %.6g, \"gib_per_s\": %.6g",
		t->bf->name, leaf_label(c), t->leaf_size, pct, t->leaves,
		r->tables, t->span, r->dirty, t->gran, lps,
		t->leaves * (double)t->leaf_size / w / (1ULL << 30));
	for (m = 0; m < M_NR; m++)
		if (r->best[m] > 0)
			jprintf(&sh->cases,
				", \"%s_s\": %.6g, \"%s_max_s\": %.6g, \"%s_spread\": %.4g",
				method_name[m], r->best[m], method_name[m],
				r->worst[m], method_name[m], spread(r, m));
	jprintf(&sh->cases,
		", \"vs_read_limit\": %.4g, \"vs_plain_clear_limit\": %.4g"
		", \"vs_atomic_clear_limit\": %.4g, \"vs_perpage\": %.4g",
		vs(r, M_READ, M_WALK), vs(r, M_PLAIN, M_WALK),
		vs(r, M_ATOMIC, M_WALK), vs(r, M_PERPAGE, M_WALK));
	if (r->best[M_WALK2] > 0)
		jprintf(&sh->cases,
			", \"threads\": %u, \"walk_mt_parts\": %u"
			", \"walk_mt_speedup\": %.4g, \"walk_mt_vs_read_mt_limit\": %.4g"
			", \"plain_clear_mt_speedup\": %.4g",
			opt_threads, r->parts, vs(r, M_WALK, M_WALK2),
			vs(r, M_READ2, M_WALK2), vs(r, M_PLAIN, M_PLAIN2));
	jprintf(&sh->cases, "}");
	if (sh->nrecs < (int)(sizeof(sh->recs) / sizeof(sh->recs[0])))
		sh->recs[sh->nrecs++] = (struct rec){ t->d.fmt, leaf_label(c),
					      t->leaves, pct, *r };
}

static bool case_selected(const struct bcase *c)
{
	char name[64];

	if (!opt_only)
		return true;
	snprintf(name, sizeof(name), "%s/%s/%" PRIu64,
		 bench_fmt_get(c->fmt)->name, leaf_label(c), c->leaves);
	return strstr(name, opt_only) != NULL;
}

static void run_case_child(const struct bcase *c, const unsigned int *pcts,
			   int npcts)
{
	struct btable t;
	int i, reps;
	double t0;

	t0 = bench_now();
	if (table_build(&t, c)) {
		failures++;
		return;
	}
	if (opt_reps)
		reps = opt_reps;
	else if (opt_quick)
		reps = 3;
	else if (t.leaves >= (64u << 20))
		reps = 3;
	else if (t.leaves >= (8u << 20))
		reps = 5;
	else
		reps = 7;
	printf("# built %s %s: %" PRIu64 " leaves, %" PRIu64 " tables (%.1f MiB) in %.2f s\n",
	       t.bf->name, leaf_label(c), t.leaves, t.d.nr_tables,
	       t.d.nr_tables * 4096.0 / (1 << 20), bench_now() - t0);
	for (i = 0; i < npcts; i++) {
		struct bres r;

		if (run_pct(&t, c, pcts[i], reps, &r)) {
			failures++;
			break;
		}
		report(&t, c, pcts[i], &r);
	}
	table_free(&t);
}

static void run_case(const struct bcase *c, const unsigned int *pcts,
		     int npcts)
{
	int status;
	pid_t pid;

	if (!case_selected(c))
		return;
	if (!(pt_format_pgsizes(c->fmt) &
	      (1ULL << (bench_fmt_get(c->fmt)->granule_shift +
			PT_TABLE_SHIFT * c->leaf_lvl))))
		return;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		failures++;
		return;
	}
	if (!pid) {
		failures = 0;
		run_case_child(c, pcts, npcts);
		sh->failures += failures;
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("# %s %s: case process failed (status %#x)\n",
		       bench_fmt_get(c->fmt)->name, leaf_label(c), status);
		failures++;
	}
}

static const struct rec *find_rec(enum pt_format fmt, const char *leaf,
				  u64 min_leaves, u64 max_leaves,
				  unsigned int pct)
{
	int i;

	for (i = 0; i < sh->nrecs; i++) {
		const struct rec *r = &sh->recs[i];

		if (r->fmt == fmt && !strcmp(r->leaf, leaf) &&
		    r->leaves >= min_leaves && r->leaves <= max_leaves &&
		    r->pct == pct)
			return r;
	}
	return NULL;
}

static void target_x(const char *name, bool have, double value,
		     const char *unit, double limit, bool greater, bool info)
{
	const char *st = !have ? "NOT RUN" :
			 (greater ? value >= limit : value < limit) ?
			 "MET" : "MISSED";

	if (info && have)
		st = "info";

	if (have)
		printf("  %-58s %10.3f %-8s (%s %g)  %s\n", name, value, unit,
		       greater ? ">=" : "<", limit, st);
	else
		printf("  %-58s %10s %-8s (%s %g)  %s\n", name, "-", unit,
		       greater ? ">=" : "<", limit, st);
	jsep(&j_targets);
	jprintf(&j_targets,
		"{\"target\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", "
		"\"limit\": %g, \"cmp\": \"%s\", \"status\": \"%s\"}",
		name, have ? value : 0.0, unit, limit, greater ? ">=" : "<",
		st);
}

static void target(const char *name, bool have, double value,
		   const char *unit, double limit, bool greater)
{
	target_x(name, have, value, unit, limit, greater, false);
}

static void targets(void)
{
	const struct rec *r;
	double g2 = 0, g1 = 0;
	int i;

	printf("\nTargets (issue 10; benchmark figures, not tests):\n");
	r = find_rec(PT_FMT_AMDV1, "4K", 256u << 20, ~0ULL, 1);
	target("amdv1 4K 256M leaves 1%: walk vs read-only limit", r,
	       r ? vs(&r->r, M_READ, M_WALK) : 0, "x", 0.9, true);
	r = find_rec(PT_FMT_AMDV1, "4K", 256u << 20, ~0ULL, 100);
	target("amdv1 4K 256M leaves 100%: walk vs plain-clear limit", r,
	       r ? vs(&r->r, M_PLAIN, M_WALK) : 0, "x", 0.8, true);
	r = find_rec(PT_FMT_AMDV1, "4K", 256u << 20, ~0ULL, 1);
	target("amdv1 4K 256M 1%, threads: split walk vs threads' read limit",
	       r && r->r.best[M_WALK2] > 0,
	       r ? vs(&r->r, M_READ2, M_WALK2) : 0, "x", 0.85, true);
	r = find_rec(PT_FMT_AMDV1, "4K", 256u << 20, ~0ULL, 100);
	target("amdv1 4K 256M 100%, threads: split walk vs one thread",
	       r && r->r.best[M_WALK2] > 0,
	       r ? vs(&r->r, M_WALK, M_WALK2) : 0, "x", 1.6, true);
	r = find_rec(PT_FMT_AMDV1, "4K", 16u << 20, 16u << 20, 1);
	target("amdv1 4K 16M leaves 1%: walk vs per-page", r,
	       r ? vs(&r->r, M_PERPAGE, M_WALK) : 0, "x", 15, true);
	r = find_rec(PT_FMT_AMDV1, "4K", 256u << 20, ~0ULL, 1);
	target("amdv1 4K 256M leaves 1%: walk vs per-page", r,
	       r ? vs(&r->r, M_PERPAGE, M_WALK) : 0, "x", 15, true);
	r = find_rec(PT_FMT_AMDV1, "4K", 1u << 20, 1u << 20, 1);
	target("amdv1 4K 1% 1M leaves: walk vs per-page", r,
	       r ? vs(&r->r, M_PERPAGE, M_WALK) : 0, "x", 8, true);
	r = find_rec(PT_FMT_AMDV1, "2M", 512u << 10, 512u << 10, 1);
	target("amdv1 1 TiB of 2M leaves, 1% dirty: harvest time", r,
	       r ? r->r.best[M_WALK] * 1e3 : 0, "ms", 1, false);
	r = find_rec(PT_FMT_AMDV1, "2M", 512u << 10, 512u << 10, 0);
	target_x("amdv1 1 TiB of 2M leaves, 0% dirty (info)", r,
		 r ? r->r.best[M_WALK] * 1e3 : 0, "ms", 1, false, true);
	/* 100 %: 32 MiB of bitmap to write, memory-bound whatever walks */
	r = find_rec(PT_FMT_AMDV1, "2M", 512u << 10, 512u << 10, 100);
	target_x("amdv1 1 TiB of 2M leaves, 100% dirty (info)", r,
		 r ? r->r.best[M_WALK] * 1e3 : 0, "ms", 1, false, true);
	for (i = 0; i < bm_nresults; i++) {
		if (!strcmp(bm_results[i].name, "2M runs"))
			g2 = bm_results[i].gbits;
		if (!strcmp(bm_results[i].name, "1G runs"))
			g1 = bm_results[i].gbits;
	}
	target("bitmap writer, fully dirty 2M runs", g2 > 0, g2, "Gbit/s",
	       10, true);
	for (i = 0; i < BENCH_PRUNE_VARIANTS; i++) {
		const struct bench_prune_variant *v = &prune_res.v[i];
		char name[96];

		snprintf(name, sizeof(name),
			 "prune 1 TiB 4K, 1%% of 2M regions x %u pages: vs full",
			 v->pages_per_region);
		target(name, prune_res.ran && prune_res.leaves == 256u << 20,
		       v->prune_s > 0 ? v->full_s / v->prune_s : 0, "x", 20,
		       true);
		snprintf(name, sizeof(name),
			 "prune 1 TiB 4K, 1%% of 2M regions x %u pages: missed",
			 v->pages_per_region);
		target(name, prune_res.ran && prune_res.leaves == 256u << 20,
		       v->missed_prune + v->missed_full, "pages", 1, false);
	}
	target("bitmap writer, fully dirty 1G runs", g1 > 0, g1, "Gbit/s",
	       10, true);
}

static void write_json(void)
{
	FILE *f;

	if (!opt_json)
		return;
	f = fopen(opt_json, "w");
	if (!f) {
		perror(opt_json);
		failures++;
		return;
	}
	fprintf(f, "{\n  \"quick\": %s,\n  \"threads\": %u,\n  \"evict_mib\": %d,\n  \"units\": {\"X_s\": \"seconds, best of the repetitions (each started cold: caches flushed by reading evict_mib)\", \"X_max_s\": \"worst repetition\", \"X_spread\": \"(max - min) / min over the repetitions\", \"vs_read_limit\": \"read_s / walk_s: a read-only scan of as many PTEs (THP array)\", \"vs_plain_clear_limit\": \"plain_clear_s / walk_s: scan + plain store of the lines holding dirty entries\", \"vs_atomic_clear_limit\": \"atomic_clear_s / walk_s: scan + atomic RMW of each dirty entry\", \"vs_perpage\": \"perpage_s / walk_s (speed-up over the per-page root walk; big cases: one repetition)\", \"walk_mt_speedup\": \"walk_s / walk_mt_s (split over threads)\", \"walk_mt_vs_read_mt_limit\": \"read_mt_s / walk_mt_s (read reference split over as many threads)\"},\n",
		opt_quick ? "true" : "false", opt_threads, BENCH_EVICT_MIB);
	fprintf(f, "  \"cases\": [%s\n  ],\n", sh->cases.s);
	fprintf(f, "  \"bitmap_writer\": [%s\n  ],\n",
		j_bitmap.s ? j_bitmap.s : "");
	fprintf(f, "  \"targets\": [%s\n  ],\n",
		j_targets.s ? j_targets.s : "");
	if (prune_res.ran) {
		static char pj[4096];

		bench_prune_json(&prune_res, pj, sizeof(pj));
		fprintf(f, "  \"prune\": %s,\n", pj);
	}
	fprintf(f, "  \"failures\": %d\n}\n", failures + sh->failures);
	fclose(f);
	printf("\nwrote %s\n", opt_json);
}

int main(int argc, char **argv)
{
	static const unsigned int all_pcts[] = { 0, 1, 10, 100 };
	static const unsigned int quick_pcts[] = { 1, 100 };
	static const struct option lopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "reps", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, 't' },
		{ "prune-only", no_argument, NULL, 'P' },
		{ "psc-inval-ns", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	const unsigned int *pcts;
	int npcts, o, f;
	double t0 = bench_now();

	while ((o = getopt_long(argc, argv, "qj:r:o:t:PI:", lopts, NULL)) != -1) {
		switch (o) {
		case 'P':
			opt_prune_only = 1;
			break;
		case 'I':
			opt_psc_inval_ns = atof(optarg);
			break;
		case 'q':
			opt_quick = 1;
			break;
		case 'j':
			opt_json = optarg;
			break;
		case 'r':
			opt_reps = atoi(optarg);
			break;
		case 'o':
			opt_only = optarg;
			break;
		case 't':
			opt_threads = atoi(optarg);
			if (opt_threads < 1 || opt_threads > PT_SPLIT_MAX)
				opt_threads = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [--quick] [--json FILE] [--reps N] [--only fmt/leaf/leaves] [--threads N] [--prune-only] [--psc-inval-ns NS]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	sh->cases = (struct jbuf){ sh->json, 0, sizeof(sh->json), true };
	sh->json[0] = 0;
	pcts = opt_quick ? quick_pcts : all_pcts;
	npcts = opt_quick ? 2 : 4;

	if (opt_prune_only)
		goto prune;
	bench_bitmap();

	printf("\nHarvest: pt_read_and_clear_dirty (clear mode, into a bitmap at the format granule), best of N, every run cold\n"
	       "  read:   read-only scan of a THP array of as many leaf PTEs (memory-read limit)\n"
	       "  plain:  scan + plain store of the lines holding dirty entries (limit for plain-store clearing)\n"
	       "  atomic: scan + atomic RMW of every dirty entry (limit for atomic clearing)\n"
	       "  perpg:  per-page root walk + atomic test-and-clear of every leaf (AMD/VT-d drivers up to 6.18)\n"
	       "  vs X = X time / walk time (> 1: the walker is faster); spr = walk spread (max-min)/min\n");
	printf("%-6s %-6s %9s %5s %9s %6s %8s %8s %6s %8s %6s %8s %6s %9s %8s\n",
	       "format", "leaf", "leaves", "dirty", "walk ms", "spr", "Mleaf/s",
	       "read ms", "vs rd", "plain ms", "vs pl", "atom ms", "vs at",
	       "perpg ms", "vs perpg");

	if (opt_quick) {
		const struct bcase qc[] = {
			{ PT_FMT_AMDV1, "4K", 0, 1u << 20, SH_DENSE, 0 },
			{ PT_FMT_AMDV1, "2M", 1, 512u << 10, SH_DENSE, 0 },
			{ PT_FMT_MOCK, "4K", 0, 256u << 10, SH_DENSE, 0 },
		};

		for (o = 0; o < (int)(sizeof(qc) / sizeof(qc[0])); o++)
			run_case(&qc[o], pcts, npcts);
	} else {
		for (f = 0; f < PT_FMT_NR; f++) {
			/* mockpt (the 7.x selftest's layout) is AMD v1's
			 * entries on the mock's 2 KiB granule: the amdv1 and
			 * mock rows measure both halves of it */
			if (f == PT_FMT_MOCKPT)
				continue;
			/* mock: 2 KiB granule, so "4K" is 2 KiB, "2M" 1 MiB,
			 * "1G" 512 MiB: the same leaf counts and levels */
			const struct bcase fc[] = {
				{ f, "4K", 0, 1u << 20, SH_DENSE, 0 },
				{ f, "4K", 0, 16u << 20, SH_DENSE, 0 },
				/* > 2x L3: memory-bound; leaves share pages */
				{ f, "4K", 0, 64u << 20, SH_DENSE, 0 },
				{ f, "2M", 1, 512u << 10, SH_DENSE, 0 },
				{ f, "1G", 2, 16u << 10, SH_DENSE, 0 },
				{ f, "sparse", 0, 128u << 10, SH_SPARSE, 16 },
			};

			for (o = 0; o < (int)(sizeof(fc) / sizeof(fc[0]));
			     o++)
				run_case(&fc[o], pcts, npcts);
		}
		{
			/* 1 TiB at 4 KiB: 2 GiB of PTEs, the case */
			const struct bcase big = { PT_FMT_AMDV1, "4K", 0,
						   256u << 20, SH_DENSE, 0 };

			run_case(&big, pcts, npcts);
		}
	}

prune:
	/* the pruning case (bench_prune.c): 1 TiB, or 64 GiB when quick */
	if (!opt_only || !strcmp(opt_only, "prune")) {
		if (bench_prune(opt_quick ? 16u << 20 : 256u << 20,
				opt_reps ? opt_reps : 3, opt_psc_inval_ns,
				&prune_res))
			failures++;
		else
			bench_prune_print(&prune_res);
	}
	targets();
	write_json();
	failures += sh->failures;
	printf("# total %.1f s, %d failure(s)\n", bench_now() - t0, failures);
	return failures ? 1 : 0;
}
