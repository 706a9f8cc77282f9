// SPDX-License-Identifier: GPL-2.0
/*
 * Regression tests for upstream's known dirty-tracking bug classes.
 *
 * Each class (enum pt_host_bug in kmod/pt/pt_compat.h names the upstream
 * report and fix) has one check, and the check runs twice:
 *   <class>         on the real code: it must pass;
 *   <class>_caught  in a child process with the bug put back through the
 *                   host-only switch pt_host_bugs: the check must fail,
 *                   either by finding a wrong result or by the fault the
 *                   bug causes (SIGFPE for a divide by zero, SIGSEGV for
 *                   a write past the end of the mapping).
 * The second half is what shows the first can fail: reintroduce the bug
 * and this suite goes red.  The switches do not exist in the module
 * (pt_host_bug() is the constant false there).
 *
 * The checks go through the same entry points the module uses: the bitmap
 * sizing and validation of GET_DIRTY_BITMAP (pt_bitmap_bytes(),
 * pt_bitmap_init()), the pin window of a user bitmap
 * (pt_bitmap_pin_pages(), whose result kmod/hwpt.c pins and vmaps), the
 * harvest walker writing into a bitmap placed against an inaccessible
 * page, and pt_unmap() whose reported length is what the caller
 * invalidates.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ptutil.h"

#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

static const enum pt_format all_fmts[] = {
	PT_FMT_AMDV1, PT_FMT_VTDSS, PT_FMT_ARMV8, PT_FMT_MOCK,
};
#define NFMT (sizeof(all_fmts) / sizeof(all_fmts[0]))

/* A check returns 0, or 1 with a reason in @why. */
typedef int (*check_fn)(char *why, size_t n);

#define FAIL(...) do { snprintf(why, n, __VA_ARGS__); goto out; } while (0)

/*
 * Run @check in a child with @bug switched on.  Return 1 if the check
 * failed there (the bug was caught), 0 if it passed; @why says how.
 */
static int caught_with_bug(unsigned int bug, check_fn check, char *why,
			   size_t n)
{
	int st = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		snprintf(why, n, "fork: %s", strerror(errno));
		return 0;
	}
	if (!pid) {
		struct rlimit no_core = { 0, 0 };
		char w[256] = "";
		int r;

		setrlimit(RLIMIT_CORE, &no_core);	/* faults are expected */
		pt_host_bugs = bug;
		r = check(w, sizeof(w));
		if (r)
			printf("#   with the bug put back: %s\n", w);
		fflush(stdout);
		_exit(r ? 1 : 0);
	}
	if (waitpid(pid, &st, 0) != pid) {
		snprintf(why, n, "waitpid: %s", strerror(errno));
		return 0;
	}
	if (WIFSIGNALED(st)) {
		snprintf(why, n, "check killed by signal %d (%s)",
			 WTERMSIG(st), strsignal(WTERMSIG(st)));
		return 1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
		snprintf(why, n, "check failed");
		return 1;
	}
	snprintf(why, n, "check passed with the bug in place (status %d)", st);
	return 0;
}

#define BUG_TESTS(name, bug)						\
TEST(name)								\
{									\
	char why[256] = "";						\
	CHECK_MSG(!check_##name(why, sizeof(why)), "%s", why);		\
}									\
TEST(name##_caught)							\
{									\
	char why[256] = "";						\
	int c = caught_with_bug(bug, check_##name, why, sizeof(why));	\
	CHECK_MSG(c, "%s", why);					\
	if (c)								\
		th_diag("%s: %s", #bug, why);				\
}

/* --------------------------------------------------------------------- */
/*
 * page_size = 1 << 63 (syzbot, Oct 2025): upstream sized the bitmap as
 * iova / (BITS_PER_TYPE(u64) * page_size), and 64 * 2^63 wraps to 0.
 * GET_DIRTY_BITMAP must reject every page size outside 2 KiB..1 GiB with
 * EINVAL (pt_bitmap_bytes() 0, pt_bitmap_init() -EINVAL), without
 * arithmetic on it; the valid ones must size the bitmap exactly.
 */
static int check_pgsize_div(char *why, size_t n)
{
	static const u64 bad[] = {
		1ULL << 63, 1ULL << 62, 1ULL << 40, 1ULL << 31, GiB(2),
		KiB(1), 4, 1, 0, 3 * KiB(4), ~0ULL,
	};
	static const u64 lens[] = {
		1ULL << 63, GiB(1), KiB(4), 1,
	};
	struct pt_bitmap bm;
	u8 buf[64];
	unsigned int i, j, s;
	int ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			u64 b = pt_bitmap_bytes(lens[j], bad[i]);

			if (b)
				FAIL("pt_bitmap_bytes(%#llx, page_size %#llx) = %llu, want 0",
				     (unsigned long long)lens[j],
				     (unsigned long long)bad[i],
				     (unsigned long long)b);
			ret = pt_bitmap_init(&bm, buf, 0, lens[j], bad[i]);
			if (ret != -EINVAL)
				FAIL("pt_bitmap_init(page_size %#llx) = %d, want -EINVAL",
				     (unsigned long long)bad[i], ret);
		}
	}
	for (s = 11; s <= 30; s++) {
		u64 ps = 1ULL << s;

		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			u64 want = ((lens[j] - 1) >> (s + 3)) + 1;
			u64 b = pt_bitmap_bytes(lens[j], ps);

			if (b != want)
				FAIL("pt_bitmap_bytes(%#llx, 2^%u) = %llu, want %llu",
				     (unsigned long long)lens[j], s,
				     (unsigned long long)b,
				     (unsigned long long)want);
		}
	}
	return 0;
out:
	return 1;
}
BUG_TESTS(pgsize_div, PT_HOST_BUG_PGSIZE_DIV)

/*
 * Run @one on a fresh domain of every format, once per leaf size of that
 * format up to 1 GiB (@skip_granule: sizes above the granule only).
 */
static int for_each_fmt_size(int (*one)(struct pt_domain *d, u64 sz,
					char *why, size_t n),
			     bool skip_granule, char *why, size_t n)
{
	struct pt_domain d;
	unsigned int fi;
	int ret;

	for (fi = 0; fi < NFMT; fi++) {
		u64 sizes = pt_format_pgsizes(all_fmts[fi]);

		for (; sizes; sizes &= sizes - 1) {
			u64 sz = sizes & -sizes;

			if (sz > GiB(1))
				break;
			if (pt_domain_init(&d, all_fmts[fi], 40,
					   pt_format_pgsizes(all_fmts[fi]))) {
				snprintf(why, n, "%s: domain init",
					 pt_format_name(all_fmts[fi]));
				return 1;
			}
			ret = skip_granule && sz == 1ULL << d.granule_shift ?
			      0 : one(&d, sz, why, n);
			pt_domain_destroy(&d);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* --------------------------------------------------------------------- */
/*
 * Unmap ending (or starting) inside a large or contiguous leaf
 * (CVE-2026-31735 class): whatever pt_unmap() does, every translation it
 * removed must lie inside [iova, iova + *unmapped), the range the caller
 * then invalidates.  Checked for every format and every leaf size above
 * the granule up to 1 GiB (AMD's page-size-encoded leaves, whose replicas
 * are "contiguous" entries, included), with ranges that end inside the
 * first leaf, cross from the first into the second, and start inside it.
 */
struct leafset {
	u64 iova[8], size[8];
	unsigned int n;
};

static int leafset_cb(void *arg, const struct pt_xlate *x)
{
	struct leafset *l = arg;

	if (l->n == 8)
		return -E2BIG;
	l->iova[l->n] = x->iova;
	l->size[l->n] = x->size;
	l->n++;
	return 0;
}

static bool leafset_has(const struct leafset *l, u64 iova, u64 size)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->iova[i] == iova && l->size[i] == size)
			return true;
	return false;
}

static int short_gather_one(struct pt_domain *d, u64 big, char *why,
			    size_t n)
{
	u64 g = 1ULL << d->granule_shift, base = 2 * big;
	/* [iova, len): ends inside the first leaf, crosses into the second,
	 * starts inside the first */
	const u64 cut[3][2] = {
		{ base, g }, { base + big - g, 2 * g }, { base + g, 2 * big - g },
	};
	unsigned int c, i;

	for (c = 0; c < 3; c++) {
		struct leafset before = { 0 }, after = { 0 };
		u64 un = 0, lo, hi;
		int ret;

		if (pt_map(d, base, GiB(4), 2 * big, RW, big, 0))
			FAIL("%s: map 2 x %#llx", pt_format_name(d->fmt),
			     (unsigned long long)big);
		pt_for_each_leaf(d, base, 2 * big, leafset_cb, &before);
		ret = pt_unmap(d, cut[c][0], cut[c][1], &un);
		pt_for_each_leaf(d, base, 2 * big, leafset_cb, &after);
		lo = cut[c][0];
		hi = ret ? lo : lo + un;
		for (i = 0; i < before.n; i++) {
			u64 s = before.iova[i], e = s + before.size[i];

			if (leafset_has(&after, s, e - s))
				continue;
			if (s < lo || e > hi)
				FAIL("%s leaf %#llx+%#llx: unmap(%#llx, %#llx) = %d removed it, but the invalidation covers [%#llx, %#llx)",
				     pt_format_name(d->fmt),
				     (unsigned long long)s,
				     (unsigned long long)(e - s),
				     (unsigned long long)cut[c][0],
				     (unsigned long long)cut[c][1], ret,
				     (unsigned long long)lo,
				     (unsigned long long)hi);
		}
		pt_unmap(d, base, 2 * big, NULL);
	}
	return 0;
out:
	return 1;
}

static int check_short_gather(char *why, size_t n)
{
	return for_each_fmt_size(short_gather_one, true, why, n);
}
BUG_TESTS(short_gather, PT_HOST_BUG_SHORT_GATHER)

/* --------------------------------------------------------------------- */
/*
 * Clearing a copy of the entry (the io-pgtable-arm visit_dirty() review):
 * after a clearing harvest reported a leaf, the leaf must read clean and
 * a second harvest with nothing written must report nothing.  Granule
 * leaves in a whole line of eight (the walker's line path) and alone,
 * and one leaf of each larger size, for every format.
 */
struct runcount {
	u64 runs, bytes;
};

static int count_run(void *arg, u64 iova, u64 len)
{
	struct runcount *r = arg;

	(void)iova;
	r->runs++;
	r->bytes += len;
	return 0;
}

static int clear_copy_one(struct pt_domain *d, u64 sz, char *why, size_t n)
{
	/* 8..15: a whole line of eight, the walker's line path */
	static const unsigned int dirty_idx[] = { 1, 5, 8, 9, 10, 11, 12, 13,
						  14, 15 };
	u64 base = 16 * sz, want = 0;
	struct runcount rc = { 0 };
	struct pt_dirty_sink sink = { .run = count_run, .arg = &rc };
	struct pt_xlate x;
	unsigned int k;

	if (pt_map(d, base, GiB(8), 16 * sz, RW, sz, 0))
		FAIL("%s: map 16 x %#llx", pt_format_name(d->fmt),
		     (unsigned long long)sz);
	for (k = 0; k < sizeof(dirty_idx) / sizeof(dirty_idx[0]); k++) {
		if (pt_hw_access(d, base + dirty_idx[k] * sz, PT_PROT_WRITE,
				 NULL))
			FAIL("hw write");
		want += sz;
	}
	if (pt_read_and_clear_dirty(d, base, 16 * sz, 0, &sink, NULL) ||
	    rc.bytes != want)
		FAIL("%s %#llx leaves: first harvest reported %llu bytes, want %llu",
		     pt_format_name(d->fmt), (unsigned long long)sz,
		     (unsigned long long)rc.bytes, (unsigned long long)want);
	for (k = 0; k < 16; k++) {
		if (pt_translate(d, base + k * sz, &x))
			FAIL("translate");
		if (x.dirty)
			FAIL("%s %#llx leaf %u still dirty after the clearing harvest reported it",
			     pt_format_name(d->fmt), (unsigned long long)sz, k);
	}
	rc = (struct runcount){ 0 };
	if (pt_read_and_clear_dirty(d, base, 16 * sz, PT_DIRTY_NO_CLEAR, &sink,
				    NULL) || rc.bytes)
		FAIL("%s %#llx leaves: nothing written, second harvest reported %llu bytes",
		     pt_format_name(d->fmt), (unsigned long long)sz,
		     (unsigned long long)rc.bytes);
	return 0;
out:
	return 1;
}

static int check_clear_copy(char *why, size_t n)
{
	return for_each_fmt_size(clear_copy_one, false, why, n);
}
BUG_TESTS(clear_copy, PT_HOST_BUG_CLEAR_COPY)

/* --------------------------------------------------------------------- */
/*
 * Harvest into [data, data + nbytes) placed at @data inside a mapping that
 * ends at @limit (the next page is PROT_NONE).  Every granule is mapped;
 * the first, the last and every seventh granule are written.  The bitmap
 * must come back exactly so, and the bytes before it in its page
 * (filled with 0xa5) untouched.
 */
static int harvest_into(u8 *data, u64 nbytes, u8 *page, char *why, size_t n)
{
	struct pt_domain d = { 0 };
	struct pt_bitmap bm;
	struct pt_dirty_sink sink = { .bitmap = &bm };
	u64 g, nbits = nbytes * 8, i;
	u8 *p;
	int ret = 1;

	if (pt_domain_init(&d, PT_FMT_VTDSS, 39,
			   pt_format_pgsizes(PT_FMT_VTDSS))) {
		snprintf(why, n, "domain init");
		return 1;
	}
	g = 1ULL << d.granule_shift;
	for (p = page; p < data; p++)
		*p = 0xa5;
	memset(data, 0, nbytes);
	if (pt_map(&d, 0, GiB(4), nbits * g, RW, g, 0))
		FAIL("map %llu granules", (unsigned long long)nbits);
	for (i = 0; i < nbits; i++)
		if ((i == 0 || i == nbits - 1 || !(i % 7)) &&
		    pt_hw_access(&d, i * g, PT_PROT_WRITE, NULL))
			FAIL("hw write");
	if (pt_bitmap_init(&bm, data, 0, nbits * g, g))
		FAIL("pt_bitmap_init");
	if (pt_read_and_clear_dirty(&d, 0, nbits * g, 0, &sink, NULL))
		FAIL("harvest");
	for (i = 0; i < nbits; i++) {
		bool want = i == 0 || i == nbits - 1 || !(i % 7);
		bool got = data[i >> 3] & (1u << (i & 7));

		if (want != got)
			FAIL("bitmap of %llu bytes at offset %ld: bit %llu is %d, want %d",
			     (unsigned long long)nbytes, (long)(data - page),
			     (unsigned long long)i, got, want);
	}
	for (p = page; p < data; p++)
		if (*p != 0xa5)
			FAIL("bitmap of %llu bytes: byte %ld before it changed",
			     (unsigned long long)nbytes, (long)(data - p));
	ret = 0;
out:
	pt_domain_destroy(&d);
	return ret;
}

/*
 * Bitmaps shorter than a u64, of odd lengths and alignments (the 2024
 * u8-bitmap and unaligned-bitmap fixes): the writer must touch no byte
 * past the bitmap's last one.  Each bitmap ends exactly at a page whose
 * successor is PROT_NONE, so a word store past its end faults.
 */
static int check_bitmap_u64(char *why, size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	u8 *m;
	u64 nb;
	int ret = 1;

	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		snprintf(why, n, "mmap: %s", strerror(errno));
		return 1;
	}
	if (mprotect(m + pg, pg, PROT_NONE)) {
		snprintf(why, n, "mprotect: %s", strerror(errno));
		goto unmap;
	}
	for (nb = 1; nb <= 24; nb++)
		if (harvest_into(m + pg - nb, nb, m, why, n))
			goto unmap;
	ret = 0;
unmap:
	munmap(m, 2 * pg);
	return ret;
}
BUG_TESTS(bitmap_u64, PT_HOST_BUG_BITMAP_U64)

/* --------------------------------------------------------------------- */
/*
 * The pin window of a user bitmap (iova_bitmap, Feb 2024): the module
 * pins and vmaps pt_bitmap_pin_pages() pages from the one holding the
 * bitmap's first byte.  For 4 KiB and 64 KiB CPU pages and offsets and
 * lengths around page boundaries that count must be exactly the pages
 * the bytes touch; and a harvest into a window of that many pages (the
 * next one PROT_NONE, as the end of a vmap is) must not fault.
 */
static int check_pin_window(char *why, size_t n)
{
	static const unsigned int shifts[] = { 12, 16 };
	long pg = sysconf(_SC_PAGESIZE);
	unsigned int si;
	u8 *w;
	int ret = 1;

	for (si = 0; si < 2; si++) {
		u64 P = 1ULL << shifts[si];
		const u64 offs[] = { 0, 1, 7, P / 2, P - 8, P - 1 };
		const u64 lens[] = { 1, 8, P - 1, P, P + 1, 3 * P - 5 };
		unsigned int oi, li;

		for (oi = 0; oi < 6; oi++)
			for (li = 0; li < 6; li++) {
				u64 ua = 0x7f1234000000ULL + offs[oi];
				u64 first = ua >> shifts[si];
				u64 last = (ua + lens[li] - 1) >> shifts[si];
				u64 got = pt_bitmap_pin_pages(ua, lens[li],
							      shifts[si]);

				if (got != last - first + 1) {
					snprintf(why, n, "pin_pages(offset %#llx, %llu bytes, 2^%u pages) = %llu, want %llu",
						 (unsigned long long)offs[oi],
						 (unsigned long long)lens[li],
						 shifts[si],
						 (unsigned long long)got,
						 (unsigned long long)(last - first + 1));
					return 1;
				}
			}
	}

	/* what the module does with it, on this machine's pages */
	w = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w == MAP_FAILED) {
		snprintf(why, n, "mmap: %s", strerror(errno));
		return 1;
	}
	{
		const u64 offs[] = { 0, 1, pg / 2, pg - 3, pg - 1 };
		const u64 lens[] = { 1, 3, 64, (u64)pg - 2, (u64)pg + 5 };
		unsigned int oi, li;

		for (oi = 0; oi < 5; oi++)
			for (li = 0; li < 5; li++) {
				u64 want = pt_bitmap_pin_pages(
					(u64)(uintptr_t)w + offs[oi], lens[li],
					__builtin_ctzl(pg));

				if (want > 3) {
					snprintf(why, n, "window of %llu pages",
						 (unsigned long long)want);
					goto unmap;
				}
				/* the "pinned and vmapped" window, then a hole */
				if (mprotect(w, 4 * pg, PROT_NONE) ||
				    mprotect(w, want * pg,
					     PROT_READ | PROT_WRITE)) {
					snprintf(why, n, "mprotect: %s",
						 strerror(errno));
					goto unmap;
				}
				if (harvest_into(w + offs[oi], lens[li], w,
						 why, n))
					goto unmap;
			}
	}
	ret = 0;
unmap:
	munmap(w, 4 * pg);
	return ret;
}
BUG_TESTS(pin_window, PT_HOST_BUG_PIN_WINDOW)

TEST(switches_off_by_default)
{
	CHECK_EQ(pt_host_bugs, 0);
}

TEST_MAIN("bugclass")
