// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the dirty bitmap writer (kmod/pt/pt_bitmap.c).
 *
 * Every result is compared against a naive bit-at-a-time reference over
 * the whole buffer, including guard bytes around the run, so a stray
 * write anywhere shows up.  Reads or writes of bytes just outside the
 * run's byte range are caught by placing the run against PROT_NONE pages.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "pt.h"
#include "harness.h"

#define GUARD		0xa5

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void ref_set_bits(u8 *data, u64 start, u64 n)
{
	u64 b;

	for (b = start; b < start + n; b++)
		data[b >> 3] |= (u8)(1u << (b & 7));
}

/* Index of first differing byte, or -1. */
static long first_diff(const u8 *a, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

TEST(bit0_of_unaligned_byte)
{
	u8 buf[16];
	int off;

	for (off = 0; off < 8; off++) {
		memset(buf, 0, sizeof(buf));
		pt_bitmap_set_bits(buf + 1 + off, 0, 1);
		CHECK_EQ(buf[1 + off], 1);
		buf[1 + off] = 0;
		CHECK_EQ(first_diff(buf, (u8[16]){ 0 }, sizeof(buf)), -1);
	}
}

TEST(zero_bits_is_noop)
{
	u8 buf[8];

	memset(buf, GUARD, sizeof(buf));
	pt_bitmap_set_bits(buf + 3, 17, 0);
	pt_bitmap_set_bits(buf, 0, 0);
	CHECK_EQ(first_diff(buf, (u8[8]){ GUARD, GUARD, GUARD, GUARD, GUARD,
					  GUARD, GUARD, GUARD }, 8), -1);
}

/*
 * Every length 1..200 at every bit offset 0..63 (plus a few far ones)
 * and several byte misalignments of the buffer; random prefill inside the
 * run (OR semantics), guard pattern outside.
 */
TEST(exhaustive_short_runs)
{
	static const unsigned int misalign[] = { 0, 1, 2, 3, 5, 7, 8, 13 };
	static const unsigned int far[] = { 64, 127, 511, 4095 * 8 + 3 };
	enum { PAD = 64, MAXB = 4096 + 64 };
	static u8 got[PAD + MAXB + PAD + 16], want[sizeof(got)];
	unsigned int mi, start, n, fi, errors = 0;

	rng_state = th_seed(0x1234);
	for (mi = 0; mi < sizeof(misalign) / sizeof(misalign[0]); mi++) {
		for (fi = 0; fi < 64 + sizeof(far) / sizeof(far[0]); fi++) {
			start = fi < 64 ? fi : far[fi - 64];
			for (n = 1; n <= 200; n++) {
				u8 *g = got + PAD + misalign[mi];
				u8 *w = want + PAD + misalign[mi];
				u64 first = start / 8, last = (start + n - 1) / 8;
				u64 i;
				long d;

				memset(got, GUARD, sizeof(got));
				/* prefill the run's bytes with sparse ones */
				for (i = first; i <= last; i++)
					g[i] = (u8)(rnd() & rnd() & rnd());
				memcpy(want, got, sizeof(got));

				pt_bitmap_set_bits(g, start, n);
				ref_set_bits(w, start, n);
				d = first_diff(got, want, sizeof(got));
				if (d >= 0 && errors++ < 5)
					th_diag("misalign %u start %u n %u: byte %ld got %#x want %#x",
						misalign[mi], start, n,
						d - PAD - (long)misalign[mi],
						got[d], want[d]);
			}
		}
	}
	CHECK_EQ(errors, 0);
}

/*
 * The run's first byte is the first byte of a page after a PROT_NONE
 * page, or its last byte the last byte of a page before one: any access
 * outside the run's byte range faults.
 */
TEST(no_access_outside_run_bytes)
{
	long pg = sysconf(_SC_PAGESIZE);
	u8 *map, *mid;
	unsigned int h, n;

	map = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT(map != MAP_FAILED);
	ASSERT_OK(mprotect(map, pg, PROT_NONE));
	ASSERT_OK(mprotect(map + 2 * pg, pg, PROT_NONE));
	mid = map + pg;

	for (h = 0; h < 8; h++) {
		for (n = 1; n <= 8 * 300; n += (n < 300 ? 1 : 37)) {
			u64 nbytes = (h + n - 1) / 8 + 1;
			u8 want[400];
			u8 *tailbase = mid + pg - nbytes;

			/* run at the start of the page */
			memset(mid, 0, pg);
			pt_bitmap_set_bits(mid, h, n);
			memset(want, 0, sizeof(want));
			ref_set_bits(want, h, n);
			CHECK_MSG(!memcmp(mid, want, nbytes) &&
				  !mid[nbytes], "head h %u n %u", h, n);

			/* run at the end of the page */
			memset(mid, 0, pg);
			pt_bitmap_set_bits(tailbase, h, n);
			CHECK_MSG(!memcmp(tailbase, want, nbytes) &&
				  (tailbase == mid || !tailbase[-1]),
				  "tail h %u n %u", h, n);
		}
	}
	munmap(map, 3 * pg);
}

/* Long runs crossing 64-bit words and 4 KiB pages, incl. the memset path. */
TEST(long_runs_cross_pages)
{
	static const u64 lens[] = { 511, 512, 513, 2048, 2049, 4096 * 8,
				    4096 * 8 + 1, 262144, 262144 + 7,
				    3 * 4096 * 8 + 5 };
	static const u64 starts[] = { 0, 1, 7, 8, 63, 64, 65, 4096 * 8 - 1,
				      4096 * 8 - 64, 4096 * 8 + 9, 12345 };
	size_t sz = 40 * 4096 + 64;
	u8 *got = malloc(sz), *want = malloc(sz);
	unsigned int li, si, mis;

	ASSERT(got && want);
	for (mis = 0; mis < 8; mis += 3) {
		for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			for (si = 0; si < sizeof(starts) / sizeof(starts[0]);
			     si++) {
				long d;

				memset(got, GUARD, sz);
				memset(got + 8, 0, sz - 16);
				memcpy(want, got, sz);
				pt_bitmap_set_bits(got + 8 + mis, starts[si],
						   lens[li]);
				ref_set_bits(want + 8 + mis, starts[si],
					     lens[li]);
				d = first_diff(got, want, sz);
				CHECK_MSG(d < 0, "mis %u start %llu len %llu: byte %ld",
					  mis, (unsigned long long)starts[si],
					  (unsigned long long)lens[li], d);
			}
		}
	}
	free(got);
	free(want);
}

/* Random runs in a buffer already full of random bits. */
TEST(random_runs_or_semantics)
{
	size_t sz = 3 * 4096 + 16;
	u8 *got = malloc(sz), *want = malloc(sz);
	unsigned int it, errors = 0;
	size_t i;

	ASSERT(got && want);
	rng_state = th_seed(0xfeed);
	for (i = 0; i < sz; i++)
		got[i] = (u8)(rnd() & rnd());
	memcpy(want, got, sz);
	for (it = 0; it < 20000; it++) {
		u64 nb = 8 * (sz - 16);
		u64 start = rnd() % nb;
		u64 n = 1 + rnd() % (rnd() & 1 ? 70 : nb - start);

		if (start + n > nb)
			n = nb - start;
		pt_bitmap_set_bits(got + 8, start, n);
		ref_set_bits(want + 8, start, n);
		if (first_diff(got, want, sz) >= 0) {
			if (errors++ < 3)
				th_diag("it %u start %llu n %llu", it,
					(unsigned long long)start,
					(unsigned long long)n);
			memcpy(got, want, sz);
		}
		/* occasionally start over from a sparse pattern */
		if (!(it % 500)) {
			for (i = 0; i < sz; i++)
				got[i] = (u8)(rnd() & rnd() & rnd());
			memcpy(want, got, sz);
		}
	}
	CHECK_EQ(errors, 0);
	free(got);
	free(want);
}

TEST(granule_validation)
{
	struct pt_bitmap bm;
	u8 buf[64];
	unsigned int s;

	for (s = 0; s < 64; s++) {
		int want = (s >= 11 && s <= 30) ? 0 : -EINVAL;

		memset(&bm, 0, sizeof(bm));
		CHECK_EQ(pt_bitmap_init(&bm, buf, 0, 1ULL << 31, 1ULL << s),
			 want);
		if (!want)
			CHECK_EQ(bm.pgshift, s);
		CHECK_EQ(pt_bitmap_bytes(1ULL << 40, 1ULL << s) != 0,
			 want == 0);
	}
	CHECK_ERR(pt_bitmap_init(&bm, buf, 0, 4096, 0), EINVAL);
	CHECK_ERR(pt_bitmap_init(&bm, buf, 0, 4096, 4096 + 2048), EINVAL);
	CHECK_ERR(pt_bitmap_init(&bm, buf, 0, 4096, 3 << 20), EINVAL);
	CHECK_ERR(pt_bitmap_init(&bm, buf, 0, 4096, ~0ULL), EINVAL);
	CHECK_ERR(pt_bitmap_init(&bm, NULL, 0, 4096, 4096), EINVAL);
	CHECK_ERR(pt_bitmap_init(&bm, buf, 0, 0, 4096), ENODATA);
	CHECK_ERR(pt_bitmap_init(&bm, buf, ~0ULL - 4095, 4097, 4096),
		  EOVERFLOW);
	/* the very top of the address space is fine */
	CHECK_OK(pt_bitmap_init(&bm, buf, ~0ULL - 4095, 4096, 4096));
	CHECK_EQ(bm.nbits, 1);
	CHECK_OK(pt_bitmap_set_range(&bm, ~0ULL, 1));
	CHECK_EQ(pt_bitmap_bytes(4096, 6144), 0);
	CHECK_EQ(pt_bitmap_bytes(0, 4096), 0);
}

TEST(bytes_needed)
{
	CHECK_EQ(pt_bitmap_bytes(1, 4096), 1);
	CHECK_EQ(pt_bitmap_bytes(4096, 4096), 1);
	CHECK_EQ(pt_bitmap_bytes(8 * 4096, 4096), 1);
	CHECK_EQ(pt_bitmap_bytes(8 * 4096 + 1, 4096), 2);
	CHECK_EQ(pt_bitmap_bytes(1ULL << 30, 4096), 32768);
	CHECK_EQ(pt_bitmap_bytes(1ULL << 40, 4096), 32ULL << 20);
	CHECK_EQ(pt_bitmap_bytes(1ULL << 30, 2048), 65536);
	CHECK_EQ(pt_bitmap_bytes(1ULL << 40, 1ULL << 30), 128);
	CHECK_EQ(pt_bitmap_bytes(~0ULL, 1ULL << 30), 1ULL << 31);
	CHECK_EQ(pt_bitmap_bytes(~0ULL, 2048), 1ULL << 50);
}

/* set_range rounds out to granules relative to the bitmap's iova. */
TEST(set_range_rounding)
{
	struct pt_bitmap bm;
	u8 buf[32], want[32];
	const u64 base = 0x40000000;

	memset(buf, 0, sizeof(buf));
	ASSERT_OK(pt_bitmap_init(&bm, buf + 1, base, 128 * 4096, 4096));
	CHECK_EQ(bm.nbits, 128);
	CHECK_OK(pt_bitmap_set_range(&bm, base, 1));
	CHECK_OK(pt_bitmap_set_range(&bm, base + 5 * 4096 - 1, 2));
	CHECK_OK(pt_bitmap_set_range(&bm, base + 64 * 4096, 2 * 4096));
	CHECK_OK(pt_bitmap_set_range(&bm, base + 128 * 4096 - 1, 1));
	memset(want, 0, sizeof(want));
	ref_set_bits(want + 1, 0, 1);
	ref_set_bits(want + 1, 4, 2);
	ref_set_bits(want + 1, 64, 2);
	ref_set_bits(want + 1, 127, 1);
	CHECK_EQ(first_diff(buf, want, sizeof(buf)), -1);

	/* 2 MiB leaf at 4 KiB granularity: exactly 512 bits */
	{
		static u8 big[1024 + 2];
		static u8 bwant[sizeof(big)];

		memset(big, 0, sizeof(big));
		memset(bwant, 0, sizeof(bwant));
		ASSERT_OK(pt_bitmap_init(&bm, big + 1, 0, 1ULL << 33, 4096));
		CHECK_EQ(bm.nbits, 1ULL << 21);
		/* big only covers 8192 bits: stay within them */
		CHECK_OK(pt_bitmap_set_range(&bm, 3ULL << 21, 1ULL << 21));
		ref_set_bits(bwant + 1, 3 * 512, 512);
		CHECK_EQ(first_diff(big, bwant, sizeof(big)), -1);
	}

	/* unaligned bitmap iova: bits are relative to it */
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(pt_bitmap_init(&bm, buf, 0x800, 64 * 4096, 4096));
	CHECK_OK(pt_bitmap_set_range(&bm, 0x800 + 4096, 4096));
	CHECK_EQ(buf[0], 0x02);
	CHECK_OK(pt_bitmap_set_range(&bm, 0x1000, 4096));	/* bits 0,1 */
	CHECK_EQ(buf[0], 0x03);

	/* 2 KiB granule (mock) */
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(pt_bitmap_init(&bm, buf, 0, 32 * 2048, 2048));
	CHECK_OK(pt_bitmap_set_range(&bm, 4096, 4096));
	CHECK_EQ(buf[0], 0x0c);

	/* 1 GiB granule: a 4 KiB run sets the whole granule's bit */
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(pt_bitmap_init(&bm, buf, 0, 1ULL << 40, 1ULL << 30));
	CHECK_OK(pt_bitmap_set_range(&bm, (9ULL << 30) + 4096, 4096));
	CHECK_EQ(buf[1], 0x02);
}

TEST(set_range_errors_write_nothing)
{
	struct pt_bitmap bm;
	u8 buf[24], snap[24];
	const u64 base = 1ULL << 32, len = 64 * 4096;

	memset(buf, GUARD, sizeof(buf));
	memset(buf + 4, 0, 8);
	ASSERT_OK(pt_bitmap_init(&bm, buf + 4, base, len, 4096));
	memcpy(snap, buf, sizeof(buf));

	CHECK_ERR(pt_bitmap_set_range(&bm, base - 4096, 4096), ERANGE);
	CHECK_ERR(pt_bitmap_set_range(&bm, base - 1, 2), ERANGE);
	CHECK_ERR(pt_bitmap_set_range(&bm, base + len - 4096, 4097), ERANGE);
	CHECK_ERR(pt_bitmap_set_range(&bm, base + len, 1), ERANGE);
	CHECK_ERR(pt_bitmap_set_range(&bm, base - 4096, len + 8192), ERANGE);
	CHECK_ERR(pt_bitmap_set_range(&bm, 0, 1), ERANGE);
	CHECK_ERR(pt_bitmap_set_range(&bm, ~0ULL - 10, 5), ERANGE);
	CHECK_ERR(pt_bitmap_set_range(&bm, base, 0), ENODATA);
	CHECK_ERR(pt_bitmap_set_range(&bm, base, ~0ULL), EOVERFLOW);
	CHECK_ERR(pt_bitmap_set_range(&bm, ~0ULL - 10, 12), EOVERFLOW);
	CHECK_EQ(first_diff(buf, snap, sizeof(buf)), -1);

	/* exactly the full range works and sets all 64 bits */
	CHECK_OK(pt_bitmap_set_range(&bm, base, len));
	memset(snap + 4, 0xff, 8);
	CHECK_EQ(first_diff(buf, snap, sizeof(buf)), -1);

	/* a bitmap whose length is not a multiple of the granule */
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(pt_bitmap_init(&bm, buf, base, 3 * 4096 + 100, 4096));
	CHECK_EQ(bm.nbits, 4);
	CHECK_OK(pt_bitmap_set_range(&bm, base + 3 * 4096, 100));
	CHECK_ERR(pt_bitmap_set_range(&bm, base + 3 * 4096, 101), ERANGE);
	CHECK_EQ(buf[0], 0x08);
	CHECK_EQ(buf[1], 0);
}

TEST_MAIN("bitmap")
