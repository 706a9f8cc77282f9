// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: differential fuzzing of the page-table core against
 * the reference model (selftests/host/lib/refmodel.[ch]).
 *
 * The input is a little program.  The first bytes pick the domain (format,
 * va_bits, page-size bitmap); every following group of bytes is one
 * operation applied to both the real table (pt_*) and the model (rm_*):
 * map, unmap, translate, hw_access, mark_dirty, read_and_clear_dirty
 * (clear or NO_CLEAR, with run/cleared callbacks, an optional bitmap of
 * random granule and alignment, an optional failing run), split, an
 * allocation-failure-injected map/split, a leaf-by-leaf comparison, and
 * bitmap-writer calls at random alignment checked against a bit-by-bit
 * reference.  Any disagreement prints both sides and abort()s.
 *
 * Addresses are drawn from three 2 GiB windows (bottom, middle, top of
 * the IOVA space) with level-aligned, granule-aligned and unaligned
 * offsets, plus edge values (0 length, wrap-around, past the top).  The
 * model costs O(pages) per operation, so each input has a page budget.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_fmt.h"
#include "refmodel.h"
#include "ptutil.h"

#define MAX_OPS		96
#define PAGE_BUDGET	(1ULL << 20)	/* model page updates per input */
#define WIN_BYTES	(2ULL << 30)

struct in {
	const u8 *p;
	size_t n, pos;
};

static u8 g8(struct in *in)
{
	return in->pos < in->n ? in->p[in->pos++] : 0;
}

static u16 g16(struct in *in)
{
	return g8(in) | (u16)g8(in) << 8;
}

static u64 g64(struct in *in)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (u64)g8(in) << (8 * i);
	return v;
}

struct ctx {
	struct pt_domain d;
	struct refmodel m;
	const struct pt_fmt *f;
	unsigned int gs;		/* granule shift */
	u64 win[3];			/* window bases */
	u64 budget;
	struct { u64 iova, len; } hist[16];	/* recent successful maps */
	unsigned int nhist;
	int op_no;
	const char *op;
};

static struct ctx *cur;

/*
 * FUZZ_PT_STATS=1 in the environment prints, at exit, how often each
 * operation ran and succeeded: a cheap check that inputs get past the
 * argument checks into the interesting paths.
 */
enum { ST_MAP, ST_UNMAP, ST_XLATE, ST_ACCESS, ST_MARK, ST_HARVEST,
       ST_HARVEST_DIRTY, ST_SPLIT, ST_ENOMEM, ST_NR };
static const char *const st_names[ST_NR] = {
	"map", "unmap", "translate", "hw_access", "mark_dirty", "harvest",
	"harvest(dirty)", "split", "-ENOMEM",
};
static unsigned long st_ok[ST_NR], st_all[ST_NR];

static void st_count(int k, int ret)
{
	st_all[k]++;
	if (!ret)
		st_ok[k]++;
}

static void st_print(void)
{
	int k;

	for (k = 0; k < ST_NR; k++)
		fprintf(stderr, "fuzz_pt: %-15s %8lu ok of %8lu\n", st_names[k],
			st_ok[k], st_all[k]);
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nFUZZ MISMATCH (fmt %s va_bits %u pgsizes %#llx, op #%d %s): ",
		cur ? cur->f->name : "?", cur ? cur->d.va_bits : 0,
		cur ? (unsigned long long)cur->d.pgsize_bitmap : 0ULL,
		cur ? cur->op_no : -1, cur ? cur->op : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define CHECK_EQ(what, a, b) do {					\
	unsigned long long __a = (unsigned long long)(a);		\
	unsigned long long __b = (unsigned long long)(b);		\
	if (__a != __b)							\
		die("%s: pt %#llx (%lld) model %#llx (%lld)", what,	\
		    __a, (long long)__a, __b, (long long)__b);		\
} while (0)

/* ------------------------------------------------------------------ */
/* Argument generators */

static u64 lvl_size(struct ctx *c, unsigned int lvl)
{
	return 1ULL << (c->gs + PT_TABLE_SHIFT * lvl);
}

/* An address in or next to a recently mapped range. */
static u64 pick_hist(struct ctx *c, struct in *in, u64 *len)
{
	unsigned int h = g8(in) % c->nhist;
	u64 iova = c->hist[h].iova, l = c->hist[h].len;
	u64 g = 1ULL << c->gs;
	u8 mode = g8(in);

	*len = l;
	switch (mode % 8) {
	case 0:
	case 1:
		return iova;
	case 2:
		return iova + ((u64)g16(in) * g) % l;
	case 3:
		return iova + l - g;
	case 4:
		*len = l + 2 * g;
		return iova - g;
	case 5:
		/* a level-1 aligned address inside */
		return (iova + ((u64)g16(in) * g) % l) & ~(lvl_size(c, 1) - 1);
	default:
		*len = l - ((u64)g8(in) * g) % l;
		return iova + l - *len;
	}
}

static void hist_add(struct ctx *c, u64 iova, u64 len)
{
	c->hist[c->nhist < 16 ? c->nhist++ : (iova >> c->gs) % 16] =
		(typeof(c->hist[0])){ iova, len };
}

static u64 pick_iova(struct ctx *c, struct in *in)
{
	u8 mode = g8(in);
	u64 base = c->win[mode % 3], off, l;
	u64 g = 1ULL << c->gs;

	if ((mode & 0x80) && c->nhist)
		return pick_hist(c, in, &l);
	switch ((mode >> 2) % 8) {
	case 0:
	case 1:
	case 2:
		off = (u64)g16(in) * g;
		break;
	case 3:
		off = (u64)(g16(in) % 1024) * lvl_size(c, 1);
		break;
	case 4:
		off = (u64)(g8(in) % 2) * lvl_size(c, 2);
		break;
	case 5:
		/* unaligned */
		off = (u64)g16(in) * g + 1 + g8(in) % (g - 1);
		break;
	case 6:
		/* near the window end */
		off = WIN_BYTES - (u64)(g16(in) % 4096 + 1) * g;
		break;
	default:
		/* rare: anything at all */
		if (g8(in) < 16)
			return g64(in);
		off = (u64)(g16(in) % 64) * lvl_size(c, 1) +
		      (u64)(g8(in) % 8) * g;
		break;
	}
	return base + off % WIN_BYTES;
}

static u64 pick_len(struct ctx *c, struct in *in, u64 iova)
{
	u8 mode = g8(in);
	u64 g = 1ULL << c->gs;

	switch (mode % 10) {
	case 0:
	case 1:
	case 2:
		return (u64)(g8(in) % 64 + 1) * g;
	case 3:
		return (u64)(g16(in) % 4096 + 1) * g;
	case 4:
	case 5:
		return (u64)(g8(in) % 4 + 1) * lvl_size(c, 1);
	case 6:
		return lvl_size(c, 2);
	case 7:
		/* whole leaf-table spans plus change */
		return lvl_size(c, 1) * (g8(in) % 3 + 1) +
		       (u64)(g8(in) % 16) * g;
	case 8:
		switch (g8(in) % 6) {
		case 0:
			return 0;
		case 1:
			return g8(in) + 1;		/* unaligned */
		case 2:
			return -iova;			/* exactly to 2^64 */
		case 3:
			return -iova + g;		/* wraps */
		case 4:
			/* across the top of the IOVA space */
			return (1ULL << c->d.va_bits) - iova + g;
		default:
			return g64(in);
		}
	default:
		return (u64)(g8(in) + 1) * g * 8;
	}
}

static u64 pick_pa(struct ctx *c, struct in *in)
{
	u8 mode = g8(in);
	u64 oa = 1ULL << c->f->oa_bits;

	switch (mode % 8) {
	case 0:
	case 1:
	case 2:
		return (u64)g16(in) << c->gs;
	case 3:
		return (u64)g16(in) * lvl_size(c, 1);
	case 4:
		return (u64)(g8(in) % 16) * lvl_size(c, 2);
	case 5:
		return oa - ((u64)(g8(in) + 1) << c->gs);	/* near the top */
	case 6:
		return ((u64)g16(in) << c->gs) + g8(in) + 1;	/* unaligned */
	default:
		return g64(in) & (oa * 2 - 1);
	}
}

static u64 pick_pgsize(struct ctx *c, struct in *in)
{
	u8 mode = g8(in);
	u64 all = c->f->pgsizes;

	switch (mode % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		return 0;
	case 4:
	case 5:
	case 6: {
		/* a size the format knows (maybe not this domain) */
		unsigned int n = __builtin_popcountll(all), k = g8(in) % n;
		u64 s = all;

		while (k--)
			s &= s - 1;
		return s & -s;
	}
	default:
		return g8(in) < 128 ? 1ULL << (g8(in) % 64) : g64(in);
	}
}

/*
 * Charge the model's cost of an operation over [iova, iova + len) to the
 * input's budget (per page, or per 2^@cheap pages for operations that
 * only skip through the model's chunks); false skips the operation.  Ranges that fail the
 * argument checks (zero, wrapping, past the top) cost nothing.
 */
static bool afford(struct ctx *c, u64 iova, u64 len, unsigned int cheap)
{
	u64 pages = len >> (c->gs + cheap);

	if (!len || iova + len < iova || iova + len > (1ULL << c->d.va_bits))
		return true;
	if (len > (8ULL << 30) || pages > c->budget)
		return false;
	c->budget -= pages;
	return true;
}

/* ------------------------------------------------------------------ */
/* Leaf lists */

struct leaves {
	struct pt_xlate *v;
	size_t n, cap;
};

static int leaves_add(void *arg, const struct pt_xlate *x)
{
	struct leaves *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n++] = *x;
	return 0;
}

static void cmp_xlate(const char *what, const struct pt_xlate *a,
		      const struct pt_xlate *b)
{
	if (a->iova != b->iova || a->pa != b->pa || a->size != b->size ||
	    a->prot != b->prot || a->dirty != b->dirty)
		die("%s: pt {iova %#llx pa %#llx size %#llx prot %u dirty %d} model {iova %#llx pa %#llx size %#llx prot %u dirty %d}",
		    what, (unsigned long long)a->iova,
		    (unsigned long long)a->pa, (unsigned long long)a->size,
		    a->prot, a->dirty, (unsigned long long)b->iova,
		    (unsigned long long)b->pa, (unsigned long long)b->size,
		    b->prot, b->dirty);
}

static void compare_leaves(struct ctx *c, u64 iova, u64 len)
{
	struct leaves a = { 0 }, b = { 0 };
	int ra, rb;
	size_t i;

	ra = pt_for_each_leaf(&c->d, iova, len, leaves_add, &a);
	rb = rm_for_each_leaf(&c->m, iova, len, leaves_add, &b);
	CHECK_EQ("for_each_leaf ret", ra, rb);
	CHECK_EQ("for_each_leaf count", a.n, b.n);
	for (i = 0; i < a.n; i++)
		cmp_xlate("for_each_leaf", &a.v[i], &b.v[i]);
	free(a.v);
	free(b.v);
}

static void compare_all(struct ctx *c)
{
	int w;

	for (w = 0; w < 3; w++)
		compare_leaves(c, c->win[w], WIN_BYTES);
}

/* ------------------------------------------------------------------ */
/* Operations */

static void op_map(struct ctx *c, struct in *in, bool inject)
{
	u8 kind = g8(in);
	u64 iova, len, pa, pgsize;
	u8 b;

	if (kind % 4 == 0) {
		/* huge leaves: level-aligned iova, pa and length */
		unsigned int lvl = 1 + (kind >> 2) % 4 / 3;	/* 1 or 2 */
		u64 ls = lvl_size(c, lvl);

		iova = c->win[(kind >> 4) % 3] +
		       ((u64)g8(in) * ls) % WIN_BYTES;
		len = ls * (lvl == 1 ? g8(in) % 6 + 1 : 1);
		pa = (u64)g16(in) * ls % (1ULL << c->f->oa_bits);
		pgsize = kind & 0x40 ? ls : 0;
	} else {
		iova = pick_iova(c, in);
		len = pick_len(c, in, iova);
		pa = pick_pa(c, in);
		pgsize = pick_pgsize(c, in);
	}
	b = g8(in);
	unsigned int prot = b % 4, flags = (b >> 2) % 4 == 3 ? PT_MAP_PHANTOM : 0;
	int ra, rb;

	if ((b >> 4) == 15)
		flags |= 2;			/* bogus flag */
	if (!afford(c, iova, len, 0))
		return;
	if (inject) {
		u64 h = pt_tree_hash(&c->d), nt = c->d.nr_tables;
		long live = pt_host_tables_live;

		pt_host_fail_after = g8(in) % 8;
		ra = pt_map(&c->d, iova, pa, len, prot, pgsize, flags);
		pt_host_fail_after = -1;
		if (ra == -ENOMEM) {
			st_count(ST_ENOMEM, 0);
			CHECK_EQ("map -ENOMEM: tree changed", pt_tree_hash(&c->d), h);
			CHECK_EQ("map -ENOMEM: nr_tables", c->d.nr_tables, nt);
			CHECK_EQ("map -ENOMEM: tables leaked",
				 pt_host_tables_live, live);
			return;
		}
	} else {
		ra = pt_map(&c->d, iova, pa, len, prot, pgsize, flags);
	}
	rb = rm_map(&c->m, iova, pa, len, prot, pgsize, flags);
	st_count(ST_MAP, ra);
	if (!ra)
		hist_add(c, iova, len);
	if (ra != rb)
		die("map(iova %#llx pa %#llx len %#llx prot %u pgsize %#llx flags %u): pt %d model %d",
		    (unsigned long long)iova, (unsigned long long)pa,
		    (unsigned long long)len, prot,
		    (unsigned long long)pgsize, flags, ra, rb);
}

/* A range: mostly around recent mappings, else anywhere. */
static void pick_range(struct ctx *c, struct in *in, u64 *iova, u64 *len)
{
	u8 mode = g8(in);

	if (c->nhist && mode % 4 < 2) {
		*iova = pick_hist(c, in, len);
		return;
	}
	if (mode % 4 == 2) {
		/* a whole window */
		*iova = c->win[(mode >> 2) % 3];
		*len = WIN_BYTES;
		return;
	}
	*iova = pick_iova(c, in);
	*len = pick_len(c, in, *iova);
}

static void op_unmap(struct ctx *c, struct in *in)
{
	u64 iova, len;
	u64 ua = 0x1234, ub = 0x5678;
	int ra, rb;

	pick_range(c, in, &iova, &len);
	if (!afford(c, iova, len, 9))
		return;
	ra = pt_unmap(&c->d, iova, len, &ua);
	rb = rm_unmap(&c->m, iova, len, &ub);
	st_count(ST_UNMAP, ra);
	if (ra != rb || ua != ub)
		die("unmap(iova %#llx len %#llx): pt %d/%#llx model %d/%#llx",
		    (unsigned long long)iova, (unsigned long long)len, ra,
		    (unsigned long long)ua, rb, (unsigned long long)ub);
}

static void op_translate(struct ctx *c, struct in *in)
{
	u64 iova = pick_iova(c, in);
	struct pt_xlate a, b;
	int ra, rb;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ra = pt_translate(&c->d, iova, &a);
	rb = rm_translate(&c->m, iova, &b);
	st_count(ST_XLATE, ra);
	if (ra != rb)
		die("translate(%#llx): pt %d model %d",
		    (unsigned long long)iova, ra, rb);
	if (!ra)
		cmp_xlate("translate", &a, &b);
}

static void op_hw_access(struct ctx *c, struct in *in)
{
	u64 iova = pick_iova(c, in);
	unsigned int access = g8(in) % 5;
	struct pt_xlate a, b;
	int ra, rb;

	if (access == 4)
		access = PT_PROT_WRITE;		/* writes are what matters */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ra = pt_hw_access(&c->d, iova, access, &a);
	rb = rm_hw_access(&c->m, iova, access, &b);
	st_count(ST_ACCESS, ra);
	if (ra != rb)
		die("hw_access(%#llx, %u): pt %d model %d",
		    (unsigned long long)iova, access, ra, rb);
	if (!ra)
		cmp_xlate("hw_access", &a, &b);
}

static void op_mark_dirty(struct ctx *c, struct in *in)
{
	u64 iova = pick_iova(c, in);
	int ra = pt_mark_dirty(&c->d, iova), rb = rm_mark_dirty(&c->m, iova);

	st_count(ST_MARK, ra);

	if (ra != rb)
		die("mark_dirty(%#llx): pt %d model %d",
		    (unsigned long long)iova, ra, rb);
}

static void op_split(struct ctx *c, struct in *in, bool inject)
{
	u64 iova, ns, l;
	int ra, rb;

	iova = c->nhist && g8(in) % 4 ? pick_hist(c, in, &l) : pick_iova(c, in);
	ns = pick_pgsize(c, in);

	if (!ns)
		ns = 1ULL << c->gs;
	if (inject) {
		u64 h = pt_tree_hash(&c->d), nt = c->d.nr_tables;
		long live = pt_host_tables_live;

		pt_host_fail_after = g8(in) % 4;
		ra = pt_split_leaf(&c->d, iova, ns);
		pt_host_fail_after = -1;
		if (ra == -ENOMEM) {
			st_count(ST_ENOMEM, 0);
			CHECK_EQ("split -ENOMEM: tree changed", pt_tree_hash(&c->d), h);
			CHECK_EQ("split -ENOMEM: nr_tables", c->d.nr_tables, nt);
			CHECK_EQ("split -ENOMEM: tables leaked",
				 pt_host_tables_live, live);
			return;
		}
	} else {
		ra = pt_split_leaf(&c->d, iova, ns);
	}
	rb = rm_split(&c->m, iova, ns);
	st_count(ST_SPLIT, ra);
	if (ra != rb)
		die("split(%#llx, %#llx): pt %d model %d",
		    (unsigned long long)iova, (unsigned long long)ns, ra, rb);
}

static void cmp_runs(const char *what, const struct run *a, u64 na,
		     const struct run *b, u64 nb)
{
	u64 i;

	if (na != nb)
		die("%s: pt %llu runs, model %llu", what,
		    (unsigned long long)na, (unsigned long long)nb);
	for (i = 0; i < na; i++)
		if (a[i].iova != b[i].iova || a[i].len != b[i].len)
			die("%s[%llu]: pt [%#llx +%#llx) model [%#llx +%#llx)",
			    what, (unsigned long long)i,
			    (unsigned long long)a[i].iova,
			    (unsigned long long)a[i].len,
			    (unsigned long long)b[i].iova,
			    (unsigned long long)b[i].len);
}

static void fuzz_noop_a_cleared(void *arg, u64 iova, u64 len)
{
	(void)arg;
	(void)iova;
	(void)len;
}

static void op_harvest(struct ctx *c, struct in *in)
{
	u64 iova, len;
	u8 b = g8(in), b2 = g8(in);
	unsigned int flags = b & 1 ? PT_DIRTY_NO_CLEAR : 0;
	struct runlog la, lb;
	struct pt_dirty_sink sa, sb;
	struct pt_dirty_stats sta, stb;
	struct pt_bitmap bm;
	u8 *buf = NULL, *want = NULL;
	u64 bytes = 0, i, ps = 0;
	unsigned int mis = 0;
	int ra, rb;

	if ((b >> 1) % 16 == 15)
		flags |= 4;			/* bogus flag */
	pick_range(c, in, &iova, &len);
	/* the model walks chunks of 512 pages; mapped pages were paid for */
	if (!afford(c, iova, len, 9))
		return;
	runlog_init(&la);
	runlog_init(&lb);
	if ((b >> 5) == 7) {
		/* the sink fails one run: the leaves must stay dirty */
		la.fail_at = lb.fail_at = b2 % 4;
		la.fail_err = lb.fail_err = (b2 & 4) ? -EFAULT : -EIO;
	}
	sa = runlog_sink(&la);
	sb = runlog_sink(&lb);
	if (b & 2 && len && len <= (8ULL << 30) && iova + len > iova) {
		/* a bitmap over exactly the walked range */
		ps = 1ULL << (c->gs + g8(in) % (31 - c->gs));
		mis = g8(in) % 8;
		bytes = pt_bitmap_bytes(len, ps);
		if (bytes && bytes <= (1u << 20)) {
			buf = malloc(bytes + mis + 8);
			want = malloc(bytes + mis + 8);
			if (!buf || !want)
				abort();
			memset(buf, 0xa5, bytes + mis + 8);
			memset(buf + mis, 0, bytes);
			memcpy(want, buf, bytes + mis + 8);
			if (pt_bitmap_init(&bm, buf + mis, iova, len, ps))
				die("bitmap_init(%#llx, %#llx, %#llx) failed",
				    (unsigned long long)iova,
				    (unsigned long long)len,
				    (unsigned long long)ps);
			sa.bitmap = &bm;
		}
	}
	if (!(b & 4))
		sa.cleared = sb.cleared = NULL;
	memset(&sta, 0, sizeof(sta));
	memset(&stb, 0, sizeof(stb));
	/*
	 * Pruning (PT_DIRTY_PRUNE) must report exactly what the model's full
	 * walk reports, whatever came before (maps, splits, failed runs).
	 */
	if (b2 & 8)
		sa.table_a_cleared = fuzz_noop_a_cleared;
	ra = pt_read_and_clear_dirty(&c->d, iova, len,
				     flags | (b2 & 8 ? PT_DIRTY_PRUNE : 0),
				     &sa, &sta);
	rb = rm_read_and_clear_dirty(&c->m, iova, len, flags, &sb, &stb);
	st_count(ST_HARVEST, ra);
	if (stb.dirty_leaves)
		st_count(ST_HARVEST_DIRTY, ra);
	if (ra != rb)
		die("read_and_clear_dirty(%#llx, %#llx, flags %u): pt %d model %d",
		    (unsigned long long)iova, (unsigned long long)len, flags,
		    ra, rb);
	cmp_runs("runs", la.runs, la.nruns, lb.runs, lb.nruns);
	cmp_runs("cleared", la.cleared, la.ncleared, lb.cleared, lb.ncleared);
	CHECK_EQ("stats.dirty_leaves", sta.dirty_leaves, stb.dirty_leaves);
	CHECK_EQ("stats.dirty_bytes", sta.dirty_bytes, stb.dirty_bytes);
	CHECK_EQ("stats.runs", sta.runs, stb.runs);
	CHECK_EQ("stats.cleared_leaves", sta.cleared_leaves,
		 stb.cleared_leaves);
	CHECK_EQ("stats.kept_straddling", sta.kept_straddling,
		 stb.kept_straddling);
	if (sta.clear_start < sta.clear_end || stb.clear_start < stb.clear_end) {
		CHECK_EQ("stats.clear_start", sta.clear_start, stb.clear_start);
		CHECK_EQ("stats.clear_end", sta.clear_end, stb.clear_end);
	}
	if (buf) {
		/*
		 * Every run the model reported (and that the sink took)
		 * must be in the bitmap, and nothing else: the bitmap is
		 * written before sink->run, so a failed run is in it too.
		 */
		for (i = 0; i < lb.nruns; i++)
			pt_bitmap_set_range(&(struct pt_bitmap){
				.data = want + mis, .iova = bm.iova,
				.length = bm.length, .pgshift = bm.pgshift,
				.nbits = bm.nbits }, lb.runs[i].iova,
				lb.runs[i].len);
		if (memcmp(buf, want, bytes + mis + 8)) {
			/* allow the failed run's bits, nothing more */
			if (la.fail_at < 0 || (u64)la.fail_at > la.nruns)
				die("bitmap differs from the reported runs (ps %#llx mis %u)",
				    (unsigned long long)ps, mis);
		}
	}
	free(buf);
	free(want);
	runlog_free(&la);
	runlog_free(&lb);
}

/* The bitmap writer against a bit-by-bit reference, with guard bytes. */
static void op_bitmap(struct in *in)
{
	u8 buf[600], ref[600];
	unsigned int mis = g8(in) % 16;
	u64 start = g16(in) % 2048, n = g16(in) % 2200, i;

	if (start + n > 8 * (sizeof(buf) - 16 - mis) - 1)
		n = 8 * (sizeof(buf) - 16 - mis) - 1 - start;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(g8(in) & 0x55);
	memcpy(ref, buf, sizeof(buf));
	pt_bitmap_set_bits(buf + mis, start, n);
	for (i = start; i < start + n; i++)
		ref[mis + (i >> 3)] |= (u8)(1u << (i & 7));
	if (memcmp(buf, ref, sizeof(buf)))
		die("pt_bitmap_set_bits(mis %u, start %llu, n %llu)", mis,
		    (unsigned long long)start, (unsigned long long)n);
}

/* Random pt_bitmap_set_range vs the rounding-out definition. */
static void op_bitmap_range(struct in *in)
{
	u8 buf[256 + 16], ref[sizeof(buf)];
	unsigned int mis = g8(in) % 8, shift = 11 + g8(in) % 20;
	u64 ps = 1ULL << shift, biova = g64(in) >> (g8(in) % 64);
	u64 blen = ((u64)(g8(in) % 240) + 1) * 8 * ps - (g8(in) % 2 ? g16(in) % ps : 0);
	u64 iova = biova + (g64(in) % (blen + 2 * ps)) - ps;
	u64 len = g8(in) % 4 ? (u64)g16(in) * (ps >> 4) : g64(in);
	struct pt_bitmap bm;
	int ret, want;

	memset(buf, 0, sizeof(buf));
	memset(ref, 0, sizeof(ref));
	if (pt_bitmap_init(&bm, buf + mis, biova, blen, ps))
		return;		/* wraps 2^64 etc. */
	if (!len)
		want = -ENODATA;
	else if (iova + len - 1 < iova)
		want = -EOVERFLOW;
	else if (iova < biova || iova + len - 1 > biova + blen - 1)
		want = -ERANGE;
	else
		want = 0;
	ret = pt_bitmap_set_range(&bm, iova, len);
	if (ret != want)
		die("bitmap_set_range(bm %#llx+%#llx ps %#llx, %#llx+%#llx): %d want %d",
		    (unsigned long long)biova, (unsigned long long)blen,
		    (unsigned long long)ps, (unsigned long long)iova,
		    (unsigned long long)len, ret, want);
	if (!want) {
		u64 b0 = (iova - biova) >> shift;
		u64 b1 = (iova + len - 1 - biova) >> shift, i;

		for (i = b0; i <= b1; i++)
			ref[mis + (i >> 3)] |= (u8)(1u << (i & 7));
	}
	if (memcmp(buf, ref, sizeof(buf)))
		die("bitmap_set_range wrote the wrong bits");
}

/* ------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"map", "map", "map", "unmap", "translate", "hw_access",
		"hw_access", "mark_dirty", "harvest", "harvest", "split",
		"map+ENOMEM", "split+ENOMEM", "compare", "bitmap",
		"bitmap_range",
	};
	struct in in = { data, size, 0 };
	struct ctx c;
	long live0 = pt_host_tables_live;
	u8 b;
	u64 pg, mask;
	int ret;

	static bool stats_init;

	if (!stats_init) {
		stats_init = true;
		if (getenv("FUZZ_PT_STATS"))
			atexit(st_print);
	}
	if (size < 3)
		return 0;
	memset(&c, 0, sizeof(c));
	b = g8(&in);
	c.f = &pt_fmt_table[b % PT_FMT_NR];
	c.gs = c.f->granule_shift;
	{
		unsigned int span = c.f->max_va_bits - c.f->min_va_bits + 1;
		unsigned int va = c.f->min_va_bits + g8(&in) % span;

		/* the domain's sizes: always the granule, plus a random
		 * subset (rarely none of the format's: -EINVAL) */
		pg = c.f->pgsizes;
		mask = g8(&in) < 8 ? g64(&in) : (u64)g8(&in) * 0x0101010101ULL;
		pg = ((pg & mask) | (1ULL << c.gs)) & pg;
		if (b >> 6 == 3 && (b & 4))
			pg = mask;		/* anything */
		ret = pt_domain_init(&c.d, c.f->fmt, va, pg);
		if (ret)
			return 0;
	}
	cur = &c;
	c.op = "init";
	if (rm_init_like(&c.m, &c.d))
		die("rm_init_like failed");
	c.budget = PAGE_BUDGET;
	c.win[0] = 0;
	c.win[1] = (1ULL << (c.d.va_bits - 1)) - WIN_BYTES / 2;
	c.win[2] = (1ULL << c.d.va_bits) - WIN_BYTES;

	for (c.op_no = 0; c.op_no < MAX_OPS && in.pos < in.n; c.op_no++) {
		u8 op = g8(&in) % 16;

		c.op = names[op];
		switch (op) {
		case 0:
		case 1:
		case 2:
			op_map(&c, &in, false);
			break;
		case 3:
			op_unmap(&c, &in);
			break;
		case 4:
			op_translate(&c, &in);
			break;
		case 5:
		case 6:
			op_hw_access(&c, &in);
			break;
		case 7:
			op_mark_dirty(&c, &in);
			break;
		case 8:
		case 9:
			op_harvest(&c, &in);
			break;
		case 10:
			op_split(&c, &in, false);
			break;
		case 11:
			op_map(&c, &in, true);
			break;
		case 12:
			op_split(&c, &in, true);
			break;
		case 13: {
			u64 iova, len;

			pick_range(&c, &in, &iova, &len);
			if (afford(&c, iova, len, 9))
				compare_leaves(&c, iova, len);
			break;
		}
		case 14:
			op_bitmap(&in);
			break;
		default:
			op_bitmap_range(&in);
			break;
		}
	}
	c.op = "final compare";
	compare_all(&c);
	CHECK_EQ("nr_tables vs tables allocated",
		 c.d.nr_tables, pt_host_tables_live - live0);
	pt_domain_destroy(&c.d);
	rm_destroy(&c.m);
	CHECK_EQ("tables leaked after destroy", pt_host_tables_live, live0);
	cur = NULL;
	return 0;
}
