// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_IOAS_ALLOC / MAP / UNMAP / IOVA_RANGES (reference §1.3).
 * Variant "domain" attaches a mock device to the IOAS first, which narrows
 * the usable IOVA to the mock aperture [16 MiB, 2 GiB) and raises the IOVA
 * alignment to the mock IO page (2 KiB); "nodomain" leaves the IOAS bare.
 */

FIXTURE(ioas) {
	int fd;
	__u32 ioas, stdev, hwpt, idev;
	void *buf;
	size_t len;
	__u64 base;
};

FIXTURE_VARIANT(ioas) {
	bool domain;
};

FIXTURE_VARIANT_ADD(ioas, nodomain) {
	.domain = false,
};

FIXTURE_VARIANT_ADD(ioas, domain) {
	.domain = true,
};

FIXTURE_SETUP(ioas)
{
	self->len = 64 * iod_page_size();
	self->buf = iod_alloc_buf(self->len);
	ASSERT_NE(NULL, self->buf);
	self->fd = iod_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas));
	ASSERT_NE(0, self->ioas);
	if (variant->domain)
		ASSERT_EQ(0, mock_domain(self->fd, self->ioas, 0, &self->stdev,
					 &self->hwpt, &self->idev));
	self->base = MOCK_APERTURE_START;
}

FIXTURE_TEARDOWN(ioas)
{
	close(self->fd);
	munmap(self->buf, self->len);
}

TEST_F(ioas, alloc_flags_eopnotsupp)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd), .flags = 1 };

	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	cmd.flags = 1u << 31;
	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	cmd.flags = 0;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	ASSERT_NE(0, cmd.out_ioas_id);
	ASSERT_NE(self->ioas, cmd.out_ioas_id);
}

TEST_F(ioas, map_fixed_and_unmap_exact)
{
	__u64 iova = self->base, unmapped;

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, MAP_FIXED_RW, self->buf,
			      self->len, &iova));
	ASSERT_EQ(self->base, iova);
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, self->base, self->len,
				&unmapped));
	ASSERT_EQ(self->len, unmapped);
	/* gone: a second unmap finds nothing */
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, self->base,
				      self->len, NULL));
}

TEST_F(ioas, map_prot_flags)
{
	long pg = iod_page_size();
	__u64 iova;

	iova = self->base;
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas,
			      IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
			      self->buf, pg, &iova));
	iova = self->base + pg;
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas,
			      IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE,
			      self->buf, pg, &iova));
	/* neither readable nor writeable */
	iova = self->base + 2 * pg;
	ASSERT_EQ(-EINVAL, ioas_map(self->fd, self->ioas,
				    IOMMU_IOAS_MAP_FIXED_IOVA, self->buf, pg,
				    &iova));
	ASSERT_EQ(-EINVAL, ioas_map(self->fd, self->ioas, 0, self->buf, pg,
				    &iova));
	/* unknown flag bits */
	ASSERT_EQ(-EOPNOTSUPP, ioas_map(self->fd, self->ioas,
					MAP_FIXED_RW | (1 << 3), self->buf, pg,
					&iova));
	ASSERT_EQ(-EOPNOTSUPP, ioas_map(self->fd, self->ioas,
					MAP_FIXED_RW | (1u << 31), self->buf,
					pg, &iova));
	/* nothing was mapped by the failures */
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, self->base + 2 * pg,
				      pg, NULL));
}

TEST_F(ioas, map_reserved_eopnotsupp)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = MAP_FIXED_RW,
		.ioas_id = self->ioas,
		.__reserved = 1,
		.user_va = (uintptr_t)self->buf,
		.length = self->len,
		.iova = self->base,
	};

	ASSERT_EQ(-EOPNOTSUPP, iod_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.__reserved = 0;
	ASSERT_EQ(0, iod_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
}

TEST_F(ioas, map_unknown_ioas_enoent)
{
	__u64 iova = self->base;

	ASSERT_EQ(-ENOENT, ioas_map(self->fd, 0, MAP_FIXED_RW, self->buf,
				    self->len, &iova));
	ASSERT_EQ(-ENOENT, ioas_map(self->fd, 4242, MAP_FIXED_RW, self->buf,
				    self->len, &iova));
	if (variant->domain) {
		/* an ID of another type is not an IOAS */
		ASSERT_EQ(-ENOENT, ioas_map(self->fd, self->hwpt, MAP_FIXED_RW,
					    self->buf, self->len, &iova));
	}
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, 4242, 0, U64_MAX_, NULL));
}

TEST_F(ioas, map_kernel_chosen_iova)
{
	__u64 iova1 = 0, iova2 = 0, half = self->len / 2;
	long pg = iod_page_size();

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, MAP_RW, self->buf, half,
			      &iova1));
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, MAP_RW,
			      (char *)self->buf + half, half, &iova2));
	/* same sub-page offset as the user VA, disjoint */
	ASSERT_EQ(0, iova1 % pg);
	ASSERT_EQ(0, iova2 % pg);
	ASSERT_TRUE(iova1 + half <= iova2 || iova2 + half <= iova1);
	if (variant->domain) {
		ASSERT_LE(MOCK_APERTURE_START, iova1);
		ASSERT_LE(iova1 + half - 1, MOCK_APERTURE_LAST);
		ASSERT_LE(MOCK_APERTURE_START, iova2);
		ASSERT_LE(iova2 + half - 1, MOCK_APERTURE_LAST);
	}
	/* a FIXED map on top of a kernel-chosen one collides */
	ASSERT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
					  iova1));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, iova1, half, NULL));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, iova2, half, NULL));
}

TEST_F(ioas, map_overlap_eexist)
{
	long pg = iod_page_size();
	__u64 b = self->base + 16 * pg;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 8 * pg, b));
	/* identical, inside, straddling the start, straddling the end */
	ASSERT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas, self->buf,
					  8 * pg, b));
	ASSERT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
					  b + 3 * pg));
	ASSERT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas, self->buf,
					  2 * pg, b - pg));
	ASSERT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas, self->buf,
					  2 * pg, b + 7 * pg));
	/* covering it entirely */
	ASSERT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas, self->buf,
					  16 * pg, b - 4 * pg));
	/* touching neighbours are fine */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
				    b - pg));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
				    b + 8 * pg));
}

TEST_F(ioas, map_misaligned_einval)
{
	long pg = iod_page_size();
	__u64 unmapped = 0, align = 0;
	struct iommu_iova_range r;
	__u32 num = 1, stdev;

	if (!variant->domain) {
		/*
		 * A bare IOAS reports alignment 1 and holds it: an odd IOVA,
		 * length and user VA (IOVA and VA at different page offsets)
		 * all map, and only the exact range comes back.
		 */
		ASSERT_EQ(0, ioas_ranges(self->fd, self->ioas, &r, &num, &align));
		ASSERT_EQ(1, align);
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas,
					    (char *)self->buf + 1, pg - 3,
					    self->base + 1025));
		ASSERT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas, self->buf,
						  1, self->base + 1025 + pg - 4));
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 1,
					    self->base + 1025 + pg - 3));
		ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, self->base + 1026,
					      pg, NULL));
		ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, self->base + 1025,
					pg - 3, &unmapped));
		ASSERT_EQ(pg - 3, unmapped);
		/*
		 * A mock domain needs 2 KiB: attaching it is refused while a
		 * misaligned area exists, and the area is left as it was.
		 */
		ASSERT_NE(0, mock_domain(self->fd, self->ioas, 0, &stdev, NULL,
					 NULL));
		num = 1;
		ASSERT_EQ(0, ioas_ranges(self->fd, self->ioas, &r, &num, &align));
		ASSERT_EQ(1, align);
		ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, 0, U64_MAX_,
					&unmapped));
		ASSERT_EQ(1, unmapped);
		/* gone, the domain fits: now 2 KiB is enforced */
		ASSERT_EQ(0, mock_domain(self->fd, self->ioas, 0, &stdev, NULL,
					 NULL));
		ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, self->buf,
						  pg, self->base + 1024));
		return;
	}
	/* 1 KiB is below the 2 KiB mock IO page */
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
					  self->base + 1024));
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, self->buf, 1024,
					  self->base));
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, self->buf,
					  pg + 1024, self->base));
	/* outside the mock aperture: reserved */
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
					  0));
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
					  MOCK_APERTURE_START - pg));
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, self->buf,
					  2 * pg, (__u64)MOCK_APERTURE_LAST + 1 - pg));
	ASSERT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
					  (__u64)MOCK_APERTURE_LAST + 1));
	/* nothing got mapped */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, self->len,
				    self->base));
}

TEST_F(ioas, map_overflow_eoverflow)
{
	long pg = iod_page_size();

	/* iova + length - 1 wraps */
	ASSERT_EQ(-EOVERFLOW, ioas_map_fixed(self->fd, self->ioas, self->buf,
					     2 * pg, U64_MAX_ - pg + 1));
	/* iova or length >= ULONG_MAX */
	ASSERT_EQ(-EOVERFLOW, ioas_map_fixed(self->fd, self->ioas, self->buf,
					     pg, U64_MAX_));
	ASSERT_EQ(-EOVERFLOW, ioas_map_fixed(self->fd, self->ioas, self->buf,
					     U64_MAX_, self->base));
	/* flag errors win over overflow */
	ASSERT_EQ(-EOPNOTSUPP, ioas_map(self->fd, self->ioas,
					MAP_FIXED_RW | (1 << 4), self->buf,
					U64_MAX_, NULL));
}

/*
 * iodirty pins at IOAS_MAP with or without a domain (iommufd defers the
 * pin of a bare IOAS until a domain or access needs it), so a bad user VA
 * is EFAULT in both variants, and a partly bad one leaves no page pinned.
 */
TEST_F(ioas, map_bad_user_va_efault)
{
	long pg = iod_page_size();
	char *two = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *hole = mmap(NULL, 4 * pg, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, munmap(hole, 4 * pg));
	ASSERT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas, hole, 4 * pg,
					  self->base));
	/* NULL, a kernel address, a non-canonical one */
	ASSERT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas, NULL, pg,
					  self->base));
	ASSERT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas,
					  (void *)0xffff888000000000ULL, pg,
					  self->base));
	ASSERT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas,
					  (void *)0x8000000000000000ULL, pg,
					  self->base));
	/* two good pages then a hole: EFAULT, and the good ones unpinned */
	memset(two, 1, 2 * pg);
	ASSERT_EQ(0, munmap(two + 2 * pg, 2 * pg));
	ASSERT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas, two, 4 * pg,
					  self->base));
	ASSERT_EQ(0, check_refs(self->fd, two, 2 * pg, 0));
	/* a read-only VA cannot be mapped writeable */
	ASSERT_EQ(0, mprotect(two, 2 * pg, PROT_READ));
	ASSERT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas, two, 2 * pg,
					  self->base));
	ASSERT_EQ(0, check_refs(self->fd, two, 2 * pg, 0));
	munmap(two, 2 * pg);
	/* nothing left behind */
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, self->base, 4 * pg,
				      NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * pg,
				    self->base));
}

TEST_F(ioas, unmap_all)
{
	long pg = iod_page_size();
	__u64 unmapped = 1, iova = 0;

	/* empty IOAS: unmap-all succeeds with 0 bytes */
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, 0, U64_MAX_, &unmapped));
	ASSERT_EQ(0, unmapped);

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * pg,
				    self->base));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 8 * pg,
				    self->base + 64 * pg));
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, MAP_RW, self->buf, 2 * pg,
			      &iova));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, 0, U64_MAX_, &unmapped));
	ASSERT_EQ(14 * pg, unmapped);
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, self->base, 4 * pg,
				      NULL));
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, iova, 2 * pg,
				      NULL));
	/* the space is free again */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, self->len,
				    self->base));
}

TEST_F(ioas, unmap_partial_and_none_enoent)
{
	long pg = iod_page_size();
	__u64 b = self->base + 32 * pg, unmapped;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 8 * pg, b));
	/* nothing there */
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, self->base, pg,
				      NULL));
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, b + 8 * pg,
				      8 * pg, NULL));
	/* would split the area: head, tail, middle, overhanging */
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, b, 4 * pg, NULL));
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, b + 4 * pg, 4 * pg,
				      NULL));
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, b + pg, 2 * pg,
				      NULL));
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, b + 4 * pg, 8 * pg,
				      NULL));
	ASSERT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, b - pg, 4 * pg,
				      NULL));
	/* the area survived all of that, whole */
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, b, 8 * pg, &unmapped));
	ASSERT_EQ(8 * pg, unmapped);
}

TEST_F(ioas, unmap_superset)
{
	long pg = iod_page_size();
	__u64 b = self->base + 32 * pg, unmapped;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * pg, b));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, 2 * pg,
				    b + 8 * pg));
	/* a range covering both areas and the holes around them */
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, b - 4 * pg, 20 * pg,
				&unmapped));
	ASSERT_EQ(6 * pg, unmapped);
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, 0, U64_MAX_, &unmapped));
	ASSERT_EQ(0, unmapped);
}

TEST_F(ioas, unmap_bad_args)
{
	long pg = iod_page_size();

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
				    self->base));
	ASSERT_EQ(-EINVAL, ioas_unmap(self->fd, self->ioas, self->base, 0,
				      NULL));
	ASSERT_EQ(-EOVERFLOW, ioas_unmap(self->fd, self->ioas,
					 U64_MAX_ - pg + 1, 2 * pg, NULL));
	ASSERT_EQ(-EOVERFLOW, ioas_unmap(self->fd, self->ioas, self->base,
					 U64_MAX_ - 1, NULL));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, self->base, pg, NULL));
}

TEST_F(ioas, iova_ranges)
{
	struct iommu_iova_range r[4];
	__u32 num = 4;
	__u64 align = 0;

	memset(r, 0xa5, sizeof(r));
	ASSERT_EQ(0, ioas_ranges(self->fd, self->ioas, r, &num, &align));
	ASSERT_EQ(1, num);
	if (variant->domain) {
		ASSERT_EQ(MOCK_APERTURE_START, r[0].start);
		ASSERT_EQ(MOCK_APERTURE_LAST, r[0].last);
		ASSERT_EQ(MOCK_IO_PAGE, align);
	} else {
		ASSERT_EQ(0, r[0].start);
		ASSERT_EQ(U64_MAX_, r[0].last);
		/* a power of two no bigger than a CPU page */
		ASSERT_NE(0, align);
		ASSERT_EQ(0, align & (align - 1));
		ASSERT_LE(align, (__u64)iod_page_size());
	}
	/* entries beyond num_iovas are not written */
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, r[1].start);

	/* too few entries: EMSGSIZE, num_iovas says how many are needed */
	num = 0;
	ASSERT_EQ(-EMSGSIZE, ioas_ranges(self->fd, self->ioas, NULL, &num,
					 NULL));
	ASSERT_EQ(1, num);

	num = 1;
	ASSERT_EQ(-ENOENT, ioas_ranges(self->fd, 4242, r, &num, NULL));
}

TEST_F(ioas, iova_ranges_follow_domains)
{
	struct iommu_iova_range r[2];
	__u32 num = 2, stdev;
	__u64 align;

	if (variant->domain)
		SKIP(return, "nodomain variant only");
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas, 0, &stdev, NULL, NULL));
	ASSERT_EQ(0, ioas_ranges(self->fd, self->ioas, r, &num, &align));
	ASSERT_EQ(1, num);
	ASSERT_EQ(MOCK_APERTURE_START, r[0].start);
	ASSERT_EQ(MOCK_APERTURE_LAST, r[0].last);
	ASSERT_EQ(MOCK_IO_PAGE, align);
	/* the last device leaves: the whole space comes back */
	ASSERT_EQ(0, destroy_obj(self->fd, stdev));
	num = 2;
	ASSERT_EQ(0, ioas_ranges(self->fd, self->ioas, r, &num, &align));
	ASSERT_EQ(1, num);
	ASSERT_EQ(0, r[0].start);
	ASSERT_EQ(U64_MAX_, r[0].last);
}

TEST_F(ioas, attach_checks_existing_mappings)
{
	long pg = iod_page_size();
	__u32 stdev;

	if (variant->domain)
		SKIP(return, "nodomain variant only");
	/* a mapping outside the mock aperture blocks attaching a mock domain */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, pg, pg));
	ASSERT_NE(0, mock_domain(self->fd, self->ioas, 0, &stdev, NULL, NULL));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, pg, pg, NULL));
	/* inside the aperture it is fine, and the area is kept */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf, self->len,
				    self->base));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas, 0, &stdev, NULL, NULL));
	ASSERT_EQ(0, check_refs(self->fd, self->buf, self->len, 1));
	ASSERT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas, self->buf, pg,
					  self->base));
}
