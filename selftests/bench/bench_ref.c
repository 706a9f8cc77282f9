// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * iodirty host benchmark: the physical references every harvest is
 * measured against, the cache eviction that makes every timed run start
 * equally cold, and the harvest split across threads.
 *
 * References, over a contiguous THP-backed array of as many leaf PTEs as
 * the table has, with the same dirty pattern (platform.md "Re-measured
 * 2026-12-02" measured the same three):
 *   read    read-only scan: an OR-reduction of every entry's dirty word,
 *           the memory-read limit of any walker;
 *   plain   scan, then a plain store of the cleaned value over every line
 *           holding a dirty entry: the limit for a harvest that clears
 *           with plain stores (reads everything, writes the dirty lines);
 *   atomic  scan, then an atomic RMW (lock and / lock or) of every dirty
 *           entry: the limit for a harvest that clears with atomics.
 * None of them writes a bitmap: they are the floors of the memory traffic
 * alone.  They are compiled with the walker's flags (mk/bench.mk: -O2, at
 * which gcc 12 vectorises the reduction loops), the format's own dirty
 * test, eight entries per step.
 *
 * Optionally split over threads (bench_ref_mt), as the split walk is, to
 * give the aggregate limit of several cores.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "pt_fmt.h"
#include "bench.h"

void *bench_thp_alloc(size_t sz)
{
	void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	madvise(p, sz, MADV_HUGEPAGE);
	return p;
}

/* ---------------------------------------------------------------- */

/*
 * The walker prefetches the next leaf table one line at a time (a
 * second stream 4 KiB ahead); the references get the same software
 * prefetch distance, so neither side wins on prefetching alone.
 */
#define REF_PREFETCH(p)	__builtin_prefetch((p) + PT_TABLE_ENTRIES)

static __always_inline u64 ref_read_t(enum pt_format F, const u64 *a, u64 n)
{
	u64 acc = 0, i;
	unsigned int k;

	/* lines of eight: a fixed trip count gcc -O2 vectorises */
	for (i = 0; i + 8 <= n; i += 8) {
		REF_PREFETCH(a + i);
		for (k = 0; k < 8; k++)
			acc |= pt_e_dirty_word(F, a[i + k]);
	}
	return acc & pt_dirty_test(F);
}

static __always_inline u64 ref_plain_t(enum pt_format F, u64 *a, u64 n)
{
	const u64 dt = pt_dirty_test(F);
	u64 i, nd = 0;
	unsigned int k;

	for (i = 0; i + 8 <= n; i += 8) {
		u64 *g = a + i, o = 0;

		REF_PREFETCH(g);
		for (k = 0; k < 8; k++)
			o |= pt_e_dirty_word(F, g[k]);
		if (!(o & dt))
			continue;
		for (k = 0; k < 8; k++) {
			u64 e = g[k];
			u64 m = 0 - (u64)!!(pt_e_dirty_word(F, e) & dt);

			g[k] = (e & ~m) | (pt_e_cleaned(F, e) & m);
			nd -= m;
		}
	}
	return nd;
}

static __always_inline u64 ref_atomic_t(enum pt_format F, u64 *a, u64 n)
{
	const u64 dt = pt_dirty_test(F);
	u64 i, nd = 0;
	unsigned int k;

	for (i = 0; i + 8 <= n; i += 8) {
		u64 *g = a + i, o = 0;

		REF_PREFETCH(g);
		for (k = 0; k < 8; k++)
			o |= pt_e_dirty_word(F, g[k]);
		if (!(o & dt))
			continue;
		for (k = 0; k < 8; k++) {
			if (!(pt_e_dirty_word(F, g[k]) & dt))
				continue;
			if (F == PT_FMT_ARMV8)
				__atomic_fetch_or(&g[k], ARMV8_AP2,
						  __ATOMIC_SEQ_CST);
			else
				__atomic_fetch_and(&g[k], ~dt,
						   __ATOMIC_SEQ_CST);
			nd++;
		}
	}
	return nd;
}

#define REF_INST(F, name)						\
static noinline u64 ref_##name(enum bench_ref kind, u64 *a, u64 n)	\
{									\
	switch (kind) {							\
	case REF_READ:							\
		return ref_read_t(F, a, n);				\
	case REF_PLAIN:							\
		return ref_plain_t(F, a, n);				\
	default:							\
		return ref_atomic_t(F, a, n);				\
	}								\
}
REF_INST(PT_FMT_AMDV1, amdv1)
REF_INST(PT_FMT_VTDSS, vtdss)
REF_INST(PT_FMT_ARMV8, armv8)
REF_INST(PT_FMT_MOCK, mock)

/**
 * bench_ref() - run one reference over @n entries (n a multiple of 8)
 * @fmt: format
 * @kind: REF_READ, REF_PLAIN or REF_ATOMIC
 * @a: the array
 * @n: entries
 *
 * Return: dirty entries cleared (plain, atomic), or the OR of the dirty
 * tests (read; keeps the loop from being dropped).
 */
u64 bench_ref(enum pt_format fmt, enum bench_ref kind, u64 *a, u64 n)
{
	switch (fmt) {
	case PT_FMT_AMDV1:
		return ref_amdv1(kind, a, n);
	case PT_FMT_VTDSS:
		return ref_vtdss(kind, a, n);
	case PT_FMT_ARMV8:
		return ref_armv8(kind, a, n);
	default:
		return ref_mock(kind, a, n);
	}
}

/* ---------------------------------------------------------------- */
/* Threads: each one runs @fn on its part; the caller's thread does part 0. */

struct bench_part {
	pthread_t th;
	void *(*fn)(void *arg);
	void *arg;
};

static void bench_parallel(unsigned int n, void *(*fn)(void *), void **args)
{
	struct bench_part p[PT_SPLIT_MAX];
	unsigned int i;

	for (i = 1; i < n; i++)
		if (pthread_create(&p[i].th, NULL, fn, args[i]))
			exit(2);
	fn(args[0]);
	for (i = 1; i < n; i++)
		pthread_join(p[i].th, NULL);
}

struct ref_part {
	enum pt_format fmt;
	enum bench_ref kind;
	u64 *a, n, ret;
};

static void *ref_part_fn(void *arg)
{
	struct ref_part *r = arg;

	r->ret = bench_ref(r->fmt, r->kind, r->a, r->n);
	return NULL;
}

/**
 * bench_ref_mt() - bench_ref() split in @nth equal parts on @nth threads
 * @fmt: format
 * @kind: reference
 * @a: the array
 * @n: entries (a multiple of 8 * @nth)
 * @nth: threads, 1 .. PT_SPLIT_MAX
 *
 * Return: the parts' results added (read: ORed).
 */
u64 bench_ref_mt(enum pt_format fmt, enum bench_ref kind, u64 *a, u64 n,
		 unsigned int nth)
{
	struct ref_part r[PT_SPLIT_MAX];
	void *args[PT_SPLIT_MAX];
	u64 per = n / nth / 8 * 8, ret = 0;
	unsigned int i;

	for (i = 0; i < nth; i++) {
		r[i] = (struct ref_part){ fmt, kind, a + i * per,
					  i + 1 < nth ? per : n - i * per, 0 };
		args[i] = &r[i];
	}
	bench_parallel(nth, ref_part_fn, args);
	for (i = 0; i < nth; i++)
		ret = kind == REF_READ ? ret | r[i].ret : ret + r[i].ret;
	return ret;
}

struct walk_part {
	struct pt_domain *d;
	u64 s, e;
	struct pt_dirty_sink sink;
	struct pt_dirty_stats st;
	int ret;
};

static void *walk_part_fn(void *arg)
{
	struct walk_part *w = arg;

	w->ret = pt_read_and_clear_dirty(w->d, w->s, w->e - w->s, 0,
					 &w->sink, &w->st);
	return NULL;
}

/**
 * bench_split_harvest() - one harvest walked by @nth threads
 * @d: domain
 * @iova: range start (the bitmap's start)
 * @len: range length
 * @bm: bitmap, shared: pt_split_range() cuts on its word boundaries
 * @nth: threads wanted
 * @st: counters of all parts added; may be NULL
 * @nparts: parts actually walked (pt_split_range() may merge some)
 *
 * Return: 0 or the first part's error.
 */
int bench_split_harvest(struct pt_domain *d, u64 iova, u64 len,
			struct pt_bitmap *bm, unsigned int nth,
			struct pt_dirty_stats *st, unsigned int *nparts)
{
	struct walk_part w[PT_SPLIT_MAX];
	void *args[PT_SPLIT_MAX];
	u64 cuts[PT_SPLIT_MAX + 1];
	unsigned int n, i;
	int ret = 0;

	n = pt_split_range(d, iova, len, 1ULL << bm->pgshift, nth, cuts);
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].d = d;
		w[i].s = cuts[i];
		w[i].e = cuts[i + 1];
		w[i].sink.bitmap = bm;
		args[i] = &w[i];
	}
	bench_parallel(n, walk_part_fn, args);
	for (i = 0; i < n; i++) {
		if (st)
			pt_dirty_stats_add(st, &w[i].st);
		if (!ret)
			ret = w[i].ret;
	}
	*nparts = n;
	return ret;
}

/* ---------------------------------------------------------------- */

static u64 *evict_buf;
static size_t evict_bytes;

/**
 * bench_evict() - leave no benchmark data in any cache level
 *
 * Reads every line of a buffer of BENCH_EVICT_MIB (more than twice this
 * host's 260 MiB L3).  Reads only: a dirty eviction buffer would be
 * written back during the next timed run.
 */
void bench_evict(void)
{
	u64 i, acc = 0;

	if (!evict_buf) {
		evict_bytes = (size_t)BENCH_EVICT_MIB << 20;
		evict_buf = bench_thp_alloc(evict_bytes);
		for (i = 0; i < evict_bytes / 8; i += 512)
			evict_buf[i] = i;	/* fault it in, once */
	}
	for (i = 0; i < evict_bytes / 8; i += 8)
		acc += evict_buf[i];
	bench_keep(acc);
}
