// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded randomized differential test: every operation runs on the page
 * table and on the reference model (lib/refmodel.c); return codes,
 * translations, every harvest's runs, cleared runs and counters must
 * match bit for bit, and every few hundred operations the full leaf lists
 * are compared.  Allocation failures are injected into some maps and
 * splits; a failed operation must leave the table hash unchanged.
 *
 * TH_SEED=n reproduces a run; TH_DIFF_OPS=n sets operations per format.
 */
#include <stdlib.h>
#include "harness.h"
#include "pt_priv.h"
#include "ptutil.h"
#include "refmodel.h"

struct region {
	u64 base, size;
};

struct diff {
	struct pt_domain d;
	struct refmodel m;
	u64 rng;
	u64 g;			/* granule */
	u64 big;		/* 2 MiB (1 MiB mock) */
	struct region reg[3];
	u64 op;
	u64 nharvest, ndirty, nenomem, nsplit, ndemote, npruned;
	struct run recent[64];	/* recently mapped ranges */
};

static u64 diff_ops(void)
{
	const char *s = getenv("TH_DIFF_OPS");

	return s ? strtoull(s, NULL, 0) : 100000;
}

#define OPFAIL(df, ...) ASSERT_MSG(0, "op %llu: " __VA_ARGS__)

static u64 r_below(struct diff *df, u64 n)
{
	return rng_below(&df->rng, n);
}

/* random granule aligned address in a region, plus the region */
static u64 r_addr(struct diff *df, const struct region **rp)
{
	const struct region *r;
	u64 x = r_below(df, 100);

	r = &df->reg[x < 80 ? 0 : x < 90 ? 1 : 2];
	*rp = r;
	if (r_below(df, 10) < 6) {
		/* inside (or at the end of) a range mapped recently */
		const struct run *rr = &df->recent[r_below(df, 64)];
		unsigned int k;

		for (k = 0; k < 3; k++)
			if (rr->iova >= r->base && rr->len &&
			    rr->iova + rr->len <= r->base + r->size)
				return rr->iova +
				       (r_below(df, rr->len) & ~(df->g - 1));
			else
				*rp = r = &df->reg[k];
	}
	return r->base + (r_below(df, r->size) & ~(df->g - 1));
}

static u64 r_size(struct diff *df)
{
	u64 x = r_below(df, 100);
	u64 g = df->g;

	if (x < 55)
		return g * (1 + r_below(df, 32));
	if (x < 80)			/* 2..64 granules of a power of two */
		return (g << r_below(df, 9)) * (1 + r_below(df, 4));
	if (x < 97)
		return df->big * (1 + r_below(df, 4));
	return df->big << 9;		/* 1 GiB (512 MiB mock) */
}

static void compare_leaves(struct diff *df);

static int dump_one(void *arg, const struct pt_xlate *x)
{
	th_diag("  %s %llx+%llx -> %llx prot %u dirty %d", (const char *)arg,
		(unsigned long long)x->iova, (unsigned long long)x->size,
		(unsigned long long)x->pa, x->prot, x->dirty);
	return 0;
}

/* print both views of [iova, iova + len) (widened a bit) */
static void dump_range(struct diff *df, u64 iova, u64 len)
{
	u64 s = iova > df->big ? iova - df->big : 0;
	u64 e = iova + len + df->big;

	if (e > 1ULL << df->d.va_bits)
		e = 1ULL << df->d.va_bits;
	s &= ~(df->g - 1);
	pt_for_each_leaf(&df->d, s, e - s, dump_one, "pt   ");
	rm_for_each_leaf(&df->m, s, e - s, dump_one, "model");
}

static void do_map(struct diff *df)
{
	const struct region *r;
	u64 len = r_size(df), iova, pa, pgsize = 0, h0 = 0;
	unsigned int prot = r_below(df, 3) ? PT_PROT_READ | PT_PROT_WRITE :
					      PT_PROT_READ;
	unsigned int flags = r_below(df, 20) ? 0 : PT_MAP_PHANTOM;
	bool inject = !r_below(df, 20);
	int a, b;

	iova = r_addr(df, &r);
	/* align iova to the length's power of two most of the time */
	if (r_below(df, 4)) {
		u64 al = 1ULL << __builtin_ctzll(len);

		iova = r->base + (((iova - r->base) & ~(al - 1)) % r->size);
	}
	if (iova + len > r->base + r->size)
		len = r->base + r->size - iova;
	if (!len)
		return;
	if (r_below(df, 2))
		pa = iova + (r_below(df, 64) << 30);	/* same alignment */
	else
		pa = r_below(df, 1ULL << 40) & ~(df->g - 1);
	if (!r_below(df, 10)) {
		u64 bm = df->d.pgsize_bitmap;
		int n = __builtin_popcountll(bm), k = r_below(df, n);

		while (k--)
			bm &= bm - 1;
		pgsize = bm & -bm;
	}
	if (inject) {
		h0 = pt_tree_hash(&df->d);
		pt_host_fail_after = r_below(df, 4);
	}
	a = pt_map(&df->d, iova, pa, len, prot, pgsize, flags);
	pt_host_fail_after = -1;
	if (a == -ENOMEM) {
		df->nenomem++;
		if (pt_tree_hash(&df->d) != h0)
			OPFAIL(df, "map ENOMEM changed the table",
			       (unsigned long long)df->op);
		return;
	}
	b = rm_map(&df->m, iova, pa, len, prot, pgsize, flags);
	if (!a)
		df->recent[df->op % 64] = (struct run){ iova, len };
	if (a != b)
		OPFAIL(df, "map %llx+%llx pa %llx pg %llx fl %u: pt %d model %d",
		       (unsigned long long)df->op, (unsigned long long)iova,
		       (unsigned long long)len, (unsigned long long)pa,
		       (unsigned long long)pgsize, flags, a, b);
	if (a && inject && pt_tree_hash(&df->d) != h0)
		OPFAIL(df, "failed map changed the table",
		       (unsigned long long)df->op);
}

static void do_unmap(struct diff *df)
{
	const struct region *r;
	u64 iova = r_addr(df, &r), len, ua = 1, ub = 2, h0;
	struct pt_xlate x;
	bool check;
	int a, b;

	if (r_below(df, 2) && !rm_translate(&df->m, iova, &x)) {
		/* unmap exactly a leaf or a run of leaves from one */
		iova = x.iova;
		len = x.size * (1 + r_below(df, 3));
	} else {
		len = r_size(df) * (1 + r_below(df, 8));
	}
	if (!r_below(df, 50))
		len = 0;		/* -ENODATA */
	check = !r_below(df, 32);
	h0 = check ? pt_tree_hash(&df->d) : 0;
	a = pt_unmap(&df->d, iova, len, &ua);
	b = rm_unmap(&df->m, iova, len, &ub);
	if (a != b || ua != ub)
		OPFAIL(df, "unmap %llx+%llx: pt %d/%llx model %d/%llx",
		       (unsigned long long)df->op, (unsigned long long)iova,
		       (unsigned long long)len, a, (unsigned long long)ua, b,
		       (unsigned long long)ub);
	if (a && check && pt_tree_hash(&df->d) != h0)
		OPFAIL(df, "failed unmap changed the table",
		       (unsigned long long)df->op);
}

static bool xlate_eq(const struct pt_xlate *a, const struct pt_xlate *b)
{
	return a->iova == b->iova && a->pa == b->pa && a->size == b->size &&
	       a->prot == b->prot && a->dirty == b->dirty;
}

static void do_access(struct diff *df, int kind)
{
	const struct region *r;
	u64 iova = r_addr(df, &r) + r_below(df, df->g);
	unsigned int acc = 1 + r_below(df, 3);
	struct pt_xlate xa = { 0 }, xb = { 0 };
	int a, b;

	if (!r_below(df, 200))
		iova = 1ULL << df->d.va_bits;	/* -ERANGE */
	switch (kind) {
	case 0:
		a = pt_hw_access(&df->d, iova, acc, &xa);
		b = rm_hw_access(&df->m, iova, acc, &xb);
		break;
	case 1:
		a = pt_mark_dirty(&df->d, iova);
		b = rm_mark_dirty(&df->m, iova);
		break;
	default:
		a = pt_translate(&df->d, iova, &xa);
		b = rm_translate(&df->m, iova, &xb);
		break;
	}
	if (a != b)
		OPFAIL(df, "access kind %d %llx acc %u: pt %d model %d",
		       (unsigned long long)df->op, kind,
		       (unsigned long long)iova, acc, a, b);
	if ((!a || a == -EACCES) && kind != 1 && !xlate_eq(&xa, &xb))
		OPFAIL(df, "access kind %d %llx: pt %llx+%llx->%llx p%u d%d "
		       "model %llx+%llx->%llx p%u d%d",
		       (unsigned long long)df->op, kind,
		       (unsigned long long)iova,
		       (unsigned long long)xa.iova, (unsigned long long)xa.size,
		       (unsigned long long)xa.pa, xa.prot, xa.dirty,
		       (unsigned long long)xb.iova, (unsigned long long)xb.size,
		       (unsigned long long)xb.pa, xb.prot, xb.dirty);
}

static void diff_noop_a_cleared(void *arg, u64 iova, u64 len)
{
	(void)arg;
	(void)iova;
	(void)len;
}

static void do_harvest(struct diff *df)
{
	const struct region *r;
	struct runlog la, lb;
	struct pt_dirty_sink sa, sb;
	struct pt_dirty_stats ta = { 0 }, tb = { 0 };
	unsigned int flags = r_below(df, 4) ? 0 : PT_DIRTY_NO_CLEAR;
	u64 iova = r_addr(df, &r), len, i;
	int a, b;

	if (!r_below(df, 8)) {
		iova = r->base;
		len = r->size;
	} else {
		len = r_size(df) * (1 + r_below(df, 16));
		if (!r_below(df, 30))
			len = (1ULL << df->d.va_bits) - iova;	/* spans holes */
	}
	runlog_init(&la);
	runlog_init(&lb);
	if (!r_below(df, 15)) {
		la.fail_at = lb.fail_at = r_below(df, 3);
		la.fail_err = lb.fail_err = -EFAULT;
	}
	sa = runlog_sink(&la);
	sb = runlog_sink(&lb);
	/*
	 * Every other harvest prunes (PT_DIRTY_PRUNE, chosen without drawing
	 * from the RNG so the operation sequence stays the same): it must
	 * report exactly what the model's full walk does.
	 */
	sa.table_a_cleared = diff_noop_a_cleared;
	a = pt_read_and_clear_dirty(&df->d, iova, len, flags |
				    (df->nharvest & 1 ? PT_DIRTY_PRUNE : 0),
				    &sa, &ta);
	b = rm_read_and_clear_dirty(&df->m, iova, len, flags, &sb, &tb);
	df->npruned += ta.pruned;
	df->nharvest++;
	df->ndirty += la.nruns;
	if (a != b)
		OPFAIL(df, "harvest %llx+%llx fl %u: pt %d model %d",
		       (unsigned long long)df->op, (unsigned long long)iova,
		       (unsigned long long)len, flags, a, b);
	if (la.nruns != lb.nruns || la.ncleared != lb.ncleared)
		dump_range(df, iova, len);
	if (la.nruns != lb.nruns || la.ncleared != lb.ncleared)
		OPFAIL(df, "harvest %llx+%llx: runs %llu/%llu cleared "
		       "%llu/%llu", (unsigned long long)df->op,
		       (unsigned long long)iova, (unsigned long long)len,
		       (unsigned long long)la.nruns,
		       (unsigned long long)lb.nruns,
		       (unsigned long long)la.ncleared,
		       (unsigned long long)lb.ncleared);
	for (i = 0; i < la.nruns; i++)
		if (la.runs[i].iova != lb.runs[i].iova ||
		    la.runs[i].len != lb.runs[i].len)
			OPFAIL(df, "run %llu: pt %llx+%llx model %llx+%llx",
			       (unsigned long long)df->op,
			       (unsigned long long)i,
			       (unsigned long long)la.runs[i].iova,
			       (unsigned long long)la.runs[i].len,
			       (unsigned long long)lb.runs[i].iova,
			       (unsigned long long)lb.runs[i].len);
	for (i = 0; i < la.ncleared; i++)
		if (la.cleared[i].iova != lb.cleared[i].iova ||
		    la.cleared[i].len != lb.cleared[i].len)
			OPFAIL(df, "cleared run %llu differs",
			       (unsigned long long)df->op,
			       (unsigned long long)i);
	if (ta.dirty_leaves != tb.dirty_leaves ||
	    ta.dirty_bytes != tb.dirty_bytes || ta.runs != tb.runs ||
	    ta.cleared_leaves != tb.cleared_leaves ||
	    ta.kept_straddling != tb.kept_straddling ||
	    ta.clear_start != tb.clear_start || ta.clear_end != tb.clear_end)
		OPFAIL(df, "stats: pt %llu/%llu/%llu/%llu/%llu model "
		       "%llu/%llu/%llu/%llu/%llu",
		       (unsigned long long)df->op,
		       (unsigned long long)ta.dirty_leaves,
		       (unsigned long long)ta.dirty_bytes,
		       (unsigned long long)ta.runs,
		       (unsigned long long)ta.cleared_leaves,
		       (unsigned long long)ta.kept_straddling,
		       (unsigned long long)tb.dirty_leaves,
		       (unsigned long long)tb.dirty_bytes,
		       (unsigned long long)tb.runs,
		       (unsigned long long)tb.cleared_leaves,
		       (unsigned long long)tb.kept_straddling);
	runlog_free(&la);
	runlog_free(&lb);
}

static void do_split(struct diff *df)
{
	const struct region *r;
	u64 iova = r_addr(df, &r), bm = df->d.pgsize_bitmap, size, h0 = 0;
	bool inject = !r_below(df, 10);
	struct pt_xlate x;
	int a, b;

	/*
	 * A 2 MiB leaf on a 4 KiB-granule format: half the time demote it
	 * (pt_demote(), kmod/pt/pt_demote.c), which must leave exactly what
	 * a split to 4 KiB leaves does in the model.
	 */
	if (!rm_translate(&df->m, iova, &x) && x.size == (2ULL << 20) &&
	    df->g == 4096 && r_below(df, 2)) {
		iova = x.iova;
		if (inject) {
			h0 = pt_tree_hash(&df->d);
			pt_host_fail_after = 0;
		}
		a = pt_demote(&df->d, iova);
		pt_host_fail_after = -1;
		if (a == -ENOMEM) {
			df->nenomem++;
			if (pt_tree_hash(&df->d) != h0)
				OPFAIL(df, "demote ENOMEM changed the table",
				       (unsigned long long)df->op);
			return;
		}
		b = rm_split(&df->m, iova, 4096);
		if (!a)
			df->ndemote++;
		if (a != b)
			OPFAIL(df, "demote %llx: pt %d model %d",
			       (unsigned long long)df->op,
			       (unsigned long long)iova, a, b);
		return;
	}
	if (!rm_translate(&df->m, iova, &x) && x.size > df->g) {
		/* a size below the leaf's */
		bm &= x.size - 1;
		if (!r_below(df, 10))
			bm = df->d.pgsize_bitmap;	/* maybe too big */
	}
	size = 1ULL << (63 - __builtin_clzll(bm));
	while ((bm & (bm - 1)) && r_below(df, 2)) {
		bm &= ~size;
		size = 1ULL << (63 - __builtin_clzll(bm));
	}
	if (inject) {
		h0 = pt_tree_hash(&df->d);
		pt_host_fail_after = r_below(df, 3);
	}
	a = pt_split_leaf(&df->d, iova, size);
	pt_host_fail_after = -1;
	if (a == -ENOMEM) {
		df->nenomem++;
		if (pt_tree_hash(&df->d) != h0)
			OPFAIL(df, "split ENOMEM changed the table",
			       (unsigned long long)df->op);
		return;
	}
	b = rm_split(&df->m, iova, size);
	if (!a)
		df->nsplit++;
	if (a != b)
		OPFAIL(df, "split %llx to %llx: pt %d model %d",
		       (unsigned long long)df->op, (unsigned long long)iova,
		       (unsigned long long)size, a, b);
}

struct leaflist {
	struct pt_xlate *v;
	u64 n, cap;
};

static int collect(void *arg, const struct pt_xlate *x)
{
	struct leaflist *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *x;
	return 0;
}

static void compare_leaves(struct diff *df)
{
	struct leaflist a = { 0 }, b = { 0 };
	u64 i, lim = 1ULL << df->d.va_bits;

	ASSERT_OK(pt_for_each_leaf(&df->d, 0, lim, collect, &a));
	ASSERT_OK(rm_for_each_leaf(&df->m, 0, lim, collect, &b));
	if (a.n != b.n)
		OPFAIL(df, "leaf count pt %llu model %llu",
		       (unsigned long long)df->op, (unsigned long long)a.n,
		       (unsigned long long)b.n);
	for (i = 0; i < a.n; i++)
		if (!xlate_eq(&a.v[i], &b.v[i]))
			OPFAIL(df, "leaf %llu: pt %llx+%llx->%llx p%u d%d "
			       "model %llx+%llx->%llx p%u d%d",
			       (unsigned long long)df->op,
			       (unsigned long long)i,
			       (unsigned long long)a.v[i].iova,
			       (unsigned long long)a.v[i].size,
			       (unsigned long long)a.v[i].pa, a.v[i].prot,
			       a.v[i].dirty,
			       (unsigned long long)b.v[i].iova,
			       (unsigned long long)b.v[i].size,
			       (unsigned long long)b.v[i].pa, b.v[i].prot,
			       b.v[i].dirty);
	free(a.v);
	free(b.v);
}

static void run_diff(enum pt_format fmt, unsigned int va_bits, u64 seed,
		     u64 nops)
{
	static struct diff df;
	u64 unmapped;
	long live0 = pt_host_tables_live;

	memset(&df, 0, sizeof(df));
	df.rng = seed;
	ASSERT_OK(pt_domain_init(&df.d, fmt, va_bits, pt_format_pgsizes(fmt)));
	ASSERT_OK(rm_init_like(&df.m, &df.d));
	df.g = 1ULL << df.d.granule_shift;
	df.big = df.g << 9;
	/* the first region can hold two of the largest common leaves */
	df.reg[0] = (struct region){ 0, df.big << 10 };
	df.reg[1] = (struct region){ 1ULL << (va_bits - 1), df.big << 5 };
	df.reg[2] = (struct region){ (1ULL << va_bits) - (df.big << 5),
				     df.big << 5 };
	for (df.op = 0; df.op < nops; df.op++) {
		u64 x = r_below(&df, 100);

		if (x < 22)
			do_map(&df);
		else if (x < 34)
			do_unmap(&df);
		else if (x < 56)
			do_access(&df, 0);
		else if (x < 66)
			do_access(&df, 1);
		else if (x < 72)
			do_access(&df, 2);
		else if (x < 92)
			do_harvest(&df);
		else
			do_split(&df);
		if (df.op % 2000 == 1999)
			compare_leaves(&df);
	}
	compare_leaves(&df);
	th_diag("%s: %llu ops, %llu harvests (%llu subtrees pruned), %llu "
		"runs, %llu splits, %llu demotes, %llu ENOMEM, %llu tables, "
		"%llu MiB mapped",
		pt_format_name(fmt), (unsigned long long)nops,
		(unsigned long long)df.nharvest,
		(unsigned long long)df.npruned,
		(unsigned long long)df.ndirty, (unsigned long long)df.nsplit,
		(unsigned long long)df.ndemote, (unsigned long long)df.nenomem,
		(unsigned long long)df.d.nr_tables,
		(unsigned long long)(rm_mapped_bytes(&df.m) >> 20));
	/* unmapping everything frees every table but the root */
	pt_unmap(&df.d, 0, 1ULL << va_bits, &unmapped);
	CHECK_EQ(df.d.nr_tables, 1);
	CHECK_EQ(pt_host_tables_live, live0 + 1);
	pt_domain_destroy(&df.d);
	rm_destroy(&df.m);
	CHECK_EQ(pt_host_tables_live, live0);
}

TEST(amdv1)
{
	run_diff(PT_FMT_AMDV1, 39, th_seed(0xa3d1), diff_ops());
}

TEST(vtdss)
{
	run_diff(PT_FMT_VTDSS, 39, th_seed(0x7d55), diff_ops());
}

TEST(armv8)
{
	run_diff(PT_FMT_ARMV8, 39, th_seed(0xa4e8), diff_ops());
}

TEST(mock)
{
	run_diff(PT_FMT_MOCK, 38, th_seed(0x30c4), diff_ops());
}

TEST(amdv1_4level)
{
	run_diff(PT_FMT_AMDV1, 48, th_seed(0xa3d2) ^ 1, diff_ops() / 4);
}

TEST_MAIN("diff")
