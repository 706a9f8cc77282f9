// SPDX-License-Identifier: GPL-2.0
/*
 * What IOMMU_HWPT_GET_DIRTY_BITMAP writes: bit placement at unaligned user
 * bitmaps, partial last bytes, NO_CLEAR, OR-only semantics, ranges over
 * several IOAS_MAP areas, bitmap granules other than the IO page, and huge
 * (1 MiB) mock IOPTEs reported over their whole span.
 */

/* 1 MiB + a few pages: 520 IO pages, so the last bitmap byte is partial */
#define BITS_PAGES	260

FIXTURE(bits) {
	int fd;
	__u32 ioas, stdev, hwpt, idev, dhwpt;
	void *buf;
	size_t len;
	__u64 iova, nbits;
	unsigned char *want, *bm;	/* bm: 3 pages, bitmaps go inside */
	size_t bm_len;
};

FIXTURE_SETUP(bits)
{
	long pg = iod_page_size();

	self->len = BITS_PAGES * pg;
	self->buf = iod_alloc_buf(self->len);
	ASSERT_NE(NULL, self->buf);
	self->iova = MOCK_APERTURE_START;
	self->nbits = self->len / MOCK_IO_PAGE;
	self->want = calloc(1, bm_bytes(self->nbits));
	self->bm_len = 3 * pg;
	self->bm = mmap(NULL, self->bm_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->bm);
	ASSERT_NE(NULL, self->want);
	self->fd = iod_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, mock_dirty_stack(self->fd, self->buf, self->len, self->iova,
				      &self->ioas, &self->stdev, &self->hwpt,
				      &self->idev, &self->dhwpt));
}

FIXTURE_TEARDOWN(bits)
{
	close(self->fd);
	munmap(self->buf, self->len);
	munmap(self->bm, self->bm_len);
	free(self->want);
}

/* Random pattern into want[] (nbits), marked dirty; returns bits set. */
static __u64 make_dirty(struct __test_metadata *_metadata,
			FIXTURE_DATA(bits) *self, __u64 seed, unsigned int pct)
{
	__u64 i, n = 0, nr = 0, s = seed | 1;

	memset(self->want, 0, bm_bytes(self->nbits));
	for (i = 0; i < self->nbits; i++) {
		if (iod_rand(&s) % 100 < pct) {
			bm_set(self->want, i);
			n++;
		}
	}
	EXPECT_EQ(0, test_dirty(self->fd, self->dhwpt, self->iova, self->len,
				MOCK_IO_PAGE, self->want, &nr));
	EXPECT_EQ(n, nr);
	return n;
}

/* want[first .. first+nbits) vs got[0 .. nbits) */
static __u64 cmp_bits(const void *want, __u64 first, const void *got,
		      __u64 nbits, __u64 *bad)
{
	__u64 i, n = 0;

	*bad = U64_MAX_;
	for (i = 0; i < nbits; i++) {
		if (bm_test(want, first + i) != bm_test(got, i)) {
			if (!n)
				*bad = i;
			n++;
		}
	}
	return n;
}

TEST_F(bits, unaligned_user_bitmaps)
{
	/* 0xff1: not u64-aligned and the 65-byte bitmap crosses a page */
	static const size_t offs[] = { 0, 1, 3, 7, 8, 0x801, 0xff1, 0xffd };
	size_t o, nbytes = bm_bytes(self->nbits), i;
	__u64 bad, ndiff;

	for (o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
		unsigned char *b = self->bm + offs[o];

		make_dirty(_metadata, self, 0x1234 + o, 30);
		memset(self->bm, 0, self->bm_len);
		ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova,
				       self->len, MOCK_IO_PAGE, b, 0));
		ndiff = cmp_bits(self->want, 0, b, self->nbits, &bad);
		if (ndiff)
			TH_LOG("offset %#zx: %llu bits differ, first %llu",
			       offs[o], (unsigned long long)ndiff,
			       (unsigned long long)bad);
		ASSERT_EQ(0, ndiff);
		/* nothing outside [b, b + nbytes) */
		for (i = 0; i < offs[o]; i++)
			ASSERT_EQ(0, self->bm[i]);
		for (i = offs[o] + nbytes; i < self->bm_len; i++)
			ASSERT_EQ(0, self->bm[i]);
		/* cleared */
		memset(self->bm, 0, self->bm_len);
		ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova,
				       self->len, MOCK_IO_PAGE, b, 0));
		for (i = 0; i < self->bm_len; i++)
			ASSERT_EQ(0, self->bm[i]);
	}
}

TEST_F(bits, sub_ranges_and_partial_bytes)
{
	/* (first IO page, count) windows; odd counts leave partial bytes */
	static const __u64 win[][2] = {
		{ 0, 1 }, { 0, 509 }, { 13, 3 }, { 13, 100 }, { 63, 2 },
		{ 64, 64 }, { 511, 9 }, { 519, 1 }, { 1, 518 },
	};
	size_t w, i;
	__u64 bad;

	for (w = 0; w < sizeof(win) / sizeof(win[0]); w++) {
		__u64 first = win[w][0], n = win[w][1];
		size_t nbytes = bm_bytes(n);
		unsigned char *b = self->bm + 5;

		/* every IO page dirty: bits past n in the last byte must stay 0 */
		memset(self->want, 0xff, bm_bytes(self->nbits));
		ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt, self->iova,
					self->len, MOCK_IO_PAGE, self->want,
					NULL));
		memset(self->bm, 0, self->bm_len);
		ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt,
				       self->iova + first * MOCK_IO_PAGE,
				       n * MOCK_IO_PAGE, MOCK_IO_PAGE, b, 0));
		ASSERT_EQ(0, cmp_bits(self->want, first, b, n, &bad))
			TH_LOG("window %llu+%llu: first bad bit %llu",
			       (unsigned long long)first,
			       (unsigned long long)n, (unsigned long long)bad);
		for (i = n; i < nbytes * 8; i++)
			ASSERT_FALSE(bm_test(b, i));
		for (i = 5 + nbytes; i < self->bm_len; i++)
			ASSERT_EQ(0, self->bm[i]);
		/* only the window was cleared: the rest is still dirty */
		memset(self->bm, 0, self->bm_len);
		ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova,
				       self->len, MOCK_IO_PAGE, self->bm, 0));
		for (i = 0; i < self->nbits; i++)
			ASSERT_EQ(i < first || i >= first + n,
				  bm_test(self->bm, i));
	}
}

TEST_F(bits, no_clear_keeps_bits)
{
	__u64 bad, n;
	int round;

	n = make_dirty(_metadata, self, 77, 20);
	ASSERT_NE(0, n);
	for (round = 0; round < 3; round++) {
		memset(self->bm, 0, self->bm_len);
		ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova,
				       self->len, MOCK_IO_PAGE, self->bm + 3,
				       IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
		ASSERT_EQ(0, cmp_bits(self->want, 0, self->bm + 3, self->nbits,
				      &bad));
	}
	/* a clearing read still sees them, once */
	memset(self->bm, 0, self->bm_len);
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, self->bm, 0));
	ASSERT_EQ(0, cmp_bits(self->want, 0, self->bm, self->nbits, &bad));
	memset(self->bm, 0, self->bm_len);
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, self->bm, 0));
	memset(self->want, 0, bm_bytes(self->nbits));
	ASSERT_EQ(0, cmp_bits(self->want, 0, self->bm, self->nbits, &bad));
}

TEST_F(bits, or_only)
{
	unsigned char *pre = malloc(bm_bytes(self->nbits));
	__u64 i, s = 99;

	ASSERT_NE(NULL, pre);
	make_dirty(_metadata, self, 5, 25);
	/* caller's own bits, including past the end of the range */
	memset(self->bm, 0, self->bm_len);
	for (i = 0; i < bm_bytes(self->nbits); i++)
		pre[i] = self->bm[1 + i] = iod_rand(&s);
	self->bm[1 + bm_bytes(self->nbits)] = 0xc3;
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, self->len,
			       MOCK_IO_PAGE, self->bm + 1, 0));
	for (i = 0; i < self->nbits; i++)
		ASSERT_EQ(bm_test(pre, i) || bm_test(self->want, i),
			  bm_test(self->bm + 1, i));
	/* bits of the partial last byte past nbits: the caller's */
	for (i = self->nbits; i < bm_bytes(self->nbits) * 8; i++)
		ASSERT_EQ(bm_test(pre, i), bm_test(self->bm + 1, i));
	ASSERT_EQ(0xc3, self->bm[1 + bm_bytes(self->nbits)]);
	ASSERT_EQ(0, self->bm[0]);
	free(pre);
}

TEST_F(bits, coarser_page_size)
{
	/* one bit per 4 KiB / 64 KiB / 1 MiB: set if any IO page in it is */
	static const __u64 sizes[] = { 4096, 65536, SZ_1M };
	__u64 idx[] = { 0, 3, 33, 300, 511 }, nr;
	unsigned char one = 1;
	size_t s, k;
	__u64 i, gran;

	for (s = 0; s < 3; s++) {
		__u64 len = SZ_1M, n = len / sizes[s];

		for (k = 0; k < 5; k++) {
			ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt,
						self->iova + idx[k] * MOCK_IO_PAGE,
						MOCK_IO_PAGE, MOCK_IO_PAGE,
						&one, &nr));
			ASSERT_EQ(1, nr);
		}
		memset(self->bm, 0, self->bm_len);
		ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, len,
				       sizes[s], self->bm, 0));
		gran = sizes[s] / MOCK_IO_PAGE;
		for (i = 0; i < n; i++) {
			bool w = false;

			for (k = 0; k < 5; k++)
				w |= idx[k] / gran == i;
			ASSERT_EQ(w, bm_test(self->bm, i))
				TH_LOG("page_size %llu bit %llu",
				       (unsigned long long)sizes[s],
				       (unsigned long long)i);
		}
		/* everything in the range was cleared */
		memset(self->bm, 0, self->bm_len);
		ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, len,
				       MOCK_IO_PAGE, self->bm, 0));
		for (i = 0; i < len / MOCK_IO_PAGE; i++)
			ASSERT_FALSE(bm_test(self->bm, i));
	}
}

/*
 * A bitmap granule below the 2 KiB IO page: 6.12 accepts it (two bits per
 * IOPTE); iodirty may refuse it as a bad page_size (EINVAL), but nothing
 * else (in particular not ENOMEM), and a refusal must not clear anything.
 */
TEST_F(bits, finer_page_size)
{
	__u64 idx[] = { 0, 9 }, i;
	unsigned char one = 1;
	int rc;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt,
					self->iova + idx[i] * MOCK_IO_PAGE,
					MOCK_IO_PAGE, MOCK_IO_PAGE, &one, NULL));
	memset(self->bm, 0, self->bm_len);
	rc = get_dirty(self->fd, self->dhwpt, self->iova, 64 * SZ_2K, 1024,
		       self->bm, 0);
	if (rc == -EINVAL) {
		TH_LOG("page_size 1024 refused with EINVAL (6.12 accepts it)");
		ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova,
				       64 * SZ_2K, MOCK_IO_PAGE, self->bm, 0));
		for (i = 0; i < 64; i++)
			ASSERT_EQ(i == 0 || i == 9, bm_test(self->bm, i));
		return;
	}
	ASSERT_EQ(0, rc);
	for (i = 0; i < 128; i++)
		ASSERT_EQ(i / 2 == 0 || i / 2 == 9, bm_test(self->bm, i));
}

TEST_F(bits, several_areas_back_to_back)
{
	long pg = iod_page_size();
	void *b2 = iod_alloc_buf(8 * pg), *b3 = iod_alloc_buf(3 * pg);
	__u64 end = self->iova + self->len, total, nr, bad, nb;
	unsigned char *w;
	size_t k;

	ASSERT_NE(NULL, b2);
	ASSERT_NE(NULL, b3);
	/* three areas from three buffers, contiguous in IOVA */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, b2, 8 * pg, end));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, b3, 3 * pg,
				    end + 8 * pg));
	total = self->len + 11 * pg;
	nb = total / MOCK_IO_PAGE;
	ASSERT_LE(bm_bytes(nb), self->bm_len);
	w = calloc(1, bm_bytes(nb));
	ASSERT_NE(NULL, w);

	/* the first and last IO pages of every area, and one more */
	__u64 marks[] = { 0, 1, self->nbits - 1, self->nbits,
			  self->nbits + 1, self->nbits + 15,
			  self->nbits + 16, nb - 1, 200 };
	const size_t nmarks = sizeof(marks) / sizeof(marks[0]);

	for (k = 0; k < nmarks; k++)
		bm_set(w, marks[k]);
	ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt, self->iova, total,
				MOCK_IO_PAGE, w, &nr));
	ASSERT_EQ(nmarks, nr);
	memset(self->bm, 0, self->bm_len);
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, self->iova, total,
			       MOCK_IO_PAGE, self->bm + 7, 0));
	ASSERT_EQ(0, cmp_bits(w, 0, self->bm + 7, nb, &bad))
		TH_LOG("first bad bit %llu", (unsigned long long)bad);

	/* a window over the two area joins only */
	ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt, self->iova, total,
				MOCK_IO_PAGE, w, &nr));
	ASSERT_EQ(nmarks, nr);
	memset(self->bm, 0, self->bm_len);
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, end - 4 * MOCK_IO_PAGE,
			       24 * MOCK_IO_PAGE, MOCK_IO_PAGE, self->bm, 0));
	ASSERT_EQ(0, cmp_bits(w, self->nbits - 4, self->bm, 24, &bad))
		TH_LOG("first bad bit %llu", (unsigned long long)bad);
	free(w);
	munmap(b2, 8 * pg);
	munmap(b3, 3 * pg);
}

/* Larger bitmaps: 32 MiB of IOVA, a 2 KiB bitmap crossing a page. */
TEST_F(bits, large_range)
{
	size_t len = 32 * SZ_1M;
	void *big = iod_alloc_buf(len);
	__u64 nb = len / MOCK_IO_PAGE, nr, i, s = 3, bad, n = 0;
	unsigned char *w = calloc(1, bm_bytes(nb));
	__u64 base = self->iova + 64 * SZ_1M;

	ASSERT_NE(NULL, big);
	ASSERT_NE(NULL, w);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, big, len, base));
	for (i = 0; i < nb; i++)
		if (iod_rand(&s) % 7 == 0) {
			bm_set(w, i);
			n++;
		}
	ASSERT_EQ(0, test_dirty(self->fd, self->dhwpt, base, len, MOCK_IO_PAGE,
				w, &nr));
	ASSERT_EQ(n, nr);
	memset(self->bm, 0, self->bm_len);
	ASSERT_EQ(0, get_dirty(self->fd, self->dhwpt, base, len, MOCK_IO_PAGE,
			       self->bm + 0xc01, 0));
	ASSERT_EQ(0, cmp_bits(w, 0, self->bm + 0xc01, nb, &bad));
	free(w);
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, base, len, NULL));
	munmap(big, len);
}

/* 1 MiB mock IOPTEs (HUGE_IOVA device, hugetlb buffer). */
TEST(huge_iopte_whole_span)
{
	size_t len = 4 * SZ_1M;
	void *buf = iod_alloc_huge(len);
	int fd = iod_open();
	__u32 ioas, stdev, idev, dhwpt, hwpt;
	__u64 iova = MOCK_APERTURE_START, nb = len / MOCK_IO_PAGE, nr, i;
	unsigned char *in = calloc(1, bm_bytes(nb));
	unsigned char *out = calloc(1, bm_bytes(nb));
	int huge;

	if (!buf)
		SKIP(return, "no 2 MiB hugetlb pages");
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	for (huge = 1; huge >= 0; huge--) {
		ASSERT_EQ(0, ioas_alloc(fd, &ioas));
		ASSERT_EQ(0, mock_domain(fd, ioas,
					 huge ? MOCK_FLAGS_DEVICE_HUGE_IOVA : 0,
					 &stdev, &hwpt, &idev));
		ASSERT_EQ(0, hwpt_alloc(fd, idev, ioas,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					&dhwpt));
		ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, len, iova));
		ASSERT_EQ(0, set_dirty(fd, dhwpt, true));
		/* one sub-page of the 2nd 1 MiB leaf, the head of the 4th */
		memset(in, 0, bm_bytes(nb));
		bm_set(in, 512 + 5);
		bm_set(in, 3 * 512);
		ASSERT_EQ(0, test_dirty(fd, dhwpt, iova, len, MOCK_IO_PAGE, in,
					&nr));
		ASSERT_EQ(2, nr);
		memset(out, 0, bm_bytes(nb));
		ASSERT_EQ(0, get_dirty(fd, dhwpt, iova, len, MOCK_IO_PAGE, out,
				       IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
		for (i = 0; i < nb; i++) {
			bool w = huge ? (i / 512 == 1 || i / 512 == 3) :
					bm_test(in, i);

			ASSERT_EQ(w, bm_test(out, i))
				TH_LOG("huge=%d bit %llu: want %d", huge,
				       (unsigned long long)i, w);
		}
		/* clearing read: same, then nothing */
		memset(out, 0, bm_bytes(nb));
		ASSERT_EQ(0, get_dirty(fd, dhwpt, iova, len, MOCK_IO_PAGE, out,
				       0));
		ASSERT_EQ(huge, bm_test(out, 512) && bm_test(out, 1023));
		ASSERT_TRUE(bm_test(out, 512 + 5));
		memset(out, 0, bm_bytes(nb));
		ASSERT_EQ(0, get_dirty(fd, dhwpt, iova, len, MOCK_IO_PAGE, out,
				       0));
		for (i = 0; i < nb; i++)
			ASSERT_FALSE(bm_test(out, i));
		ASSERT_EQ(0, destroy_obj(fd, dhwpt));
		ASSERT_EQ(0, destroy_obj(fd, stdev));
		ASSERT_EQ(0, ioas_unmap(fd, ioas, 0, U64_MAX_, NULL));
		ASSERT_EQ(0, destroy_obj(fd, ioas));
	}
	close(fd);
	munmap(buf, len);
}
