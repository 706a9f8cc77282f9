// SPDX-License-Identifier: GPL-2.0
/*
 * Object lifetime and resources: closing the fd with live objects unpins
 * everything, pinned pages are charged against RLIMIT_MEMLOCK (without
 * CAP_IPC_LOCK), and the module cannot be unloaded while an fd is open.
 * Every TEST runs in its own forked child, so dropping capabilities and
 * lowering rlimits here does not leak into other tests.
 */
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include "../proc_util.h"

TEST(close_with_live_objects_unpins)
{
	long pg = iod_page_size();
	size_t len = 16 * pg;
	void *buf = iod_alloc_buf(len);
	__u32 ioas, ioas2, stdev, hwpt, idev, dhwpt, dstdev;
	__u64 bits = ~0ULL, nr;
	int fd = iod_open(), fd2;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, fd);
	/* nothing pinned yet: refs 0 holds, refs 1 does not */
	ASSERT_EQ(0, check_refs(fd, buf, len, 0));
	ASSERT_EQ(-EIO, check_refs(fd, buf, len, 1));

	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, 0, &stdev, &hwpt, &idev));
	ASSERT_EQ(0, hwpt_alloc(fd, idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				&dhwpt));
	/* a second device attached to the dirty HWPT */
	ASSERT_EQ(0, mock_domain(fd, dhwpt, 0, &dstdev, NULL, NULL));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, len, MOCK_APERTURE_START));
	ASSERT_EQ(0, check_refs(fd, buf, len, 1));
	ASSERT_EQ(-EIO, check_refs(fd, buf, len, 0));
	/* the same memory mapped through a second IOAS: pinned twice */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, mock_domain(fd, ioas2, 0, NULL, NULL, NULL));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas2, buf, len, MOCK_APERTURE_START));
	ASSERT_EQ(0, check_refs(fd, buf, len, 2));
	/* tracking on, some pages dirty */
	ASSERT_EQ(0, set_dirty(fd, dhwpt, true));
	ASSERT_EQ(0, test_dirty(fd, dhwpt, MOCK_APERTURE_START, len, SZ_2K,
				&bits, &nr));
	ASSERT_EQ(len / SZ_2K, nr);

	/* close with every object alive */
	ASSERT_EQ(0, close(fd));
	fd2 = iod_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, check_refs(fd2, buf, len, 0));
	ASSERT_EQ(-EIO, check_refs(fd2, buf, len, 1));
	/* IDs restart in the new context and nothing of the old one leaks */
	ASSERT_EQ(-ENOENT, destroy_obj(fd2, ioas));
	ASSERT_EQ(0, ioas_alloc(fd2, &ioas));
	ASSERT_EQ(1, ioas);
	close(fd2);
	munmap(buf, len);
}

TEST(unmap_and_destroy_unpin)
{
	long pg = iod_page_size();
	size_t len = 16 * pg;
	void *buf = iod_alloc_buf(len);
	__u32 ioas, stdev;
	int fd = iod_open();

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, 0, &stdev, NULL, NULL));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, len, MOCK_APERTURE_START));
	ASSERT_EQ(0, check_refs(fd, buf, len, 1));
	ASSERT_EQ(0, ioas_unmap(fd, ioas, 0, U64_MAX_, NULL));
	ASSERT_EQ(0, check_refs(fd, buf, len, 0));
	/* map again, then tear the objects down instead */
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, len, MOCK_APERTURE_START));
	ASSERT_EQ(0, check_refs(fd, buf, len, 1));
	ASSERT_EQ(0, destroy_obj(fd, stdev));
	ASSERT_EQ(0, destroy_obj(fd, ioas));
	ASSERT_EQ(0, check_refs(fd, buf, len, 0));
	close(fd);
	munmap(buf, len);
}

TEST(memlock_rlimit_enomem)
{
	static const int caps[] = { CAP_IPC_LOCK, CAP_SYS_RESOURCE };
	long pg = iod_page_size();
	const __u64 limit = 64 * 1024;
	struct rlimit rl = { .rlim_cur = limit, .rlim_max = limit };
	size_t len = 64 * pg;
	char *buf = iod_alloc_buf(len);
	__u64 base = MOCK_APERTURE_START, big = 32 * pg, small = 8 * pg;
	__u32 ioas, stdev;
	int fd;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, proc_drop_caps(caps, 2));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	fd = iod_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	/* a domain so that mapping pins (and charges) the pages */
	ASSERT_EQ(0, mock_domain(fd, ioas, 0, &stdev, NULL, NULL));

	/* 32 KiB fits, 128 KiB more does not */
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, small, base));
	ASSERT_EQ(-ENOMEM, ioas_map_fixed(fd, ioas, buf + small, big,
					  base + small));
	/* state unchanged: nothing mapped, nothing pinned */
	ASSERT_EQ(-ENOENT, ioas_unmap(fd, ioas, base + small, big, NULL));
	ASSERT_EQ(0, check_refs(fd, buf + small, big, 0));
	ASSERT_EQ(0, check_refs(fd, buf, small, 1));
	/* up to the limit exactly is fine, one page more is not */
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf + small, small,
				    base + small));
	ASSERT_EQ(-ENOMEM, ioas_map_fixed(fd, ioas, buf + 2 * small, pg,
					  base + 2 * small));
	/* unmapping uncharges */
	ASSERT_EQ(0, ioas_unmap(fd, ioas, base, small, NULL));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf + 2 * small, small,
				    base + 2 * small));
	ASSERT_EQ(-ENOMEM, ioas_map_fixed(fd, ioas, buf + 3 * small, pg,
					  base + 3 * small));
	/* and so does closing the fd */
	close(fd);
	fd = iod_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, 0, &stdev, NULL, NULL));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, 2 * small, base));
	close(fd);
	munmap(buf, len);
}

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/iodirty/refcnt", "r");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

TEST(module_unload_refused_while_open)
{
	struct stat st;
	long r0, r1;
	__u32 ioas;
	int fd, rc, err;
	char *buf = iod_alloc_buf(4 * iod_page_size());

	if (stat("/sys/module/iodirty", &st))
		SKIP(return, "iodirty is not loaded as a module");
	r0 = module_refcnt();
	ASSERT_LE(0, r0);
	fd = iod_open();
	ASSERT_LE(0, fd);
	r1 = module_refcnt();
	ASSERT_LT(r0, r1);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, 0, NULL, NULL, NULL));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, 4 * iod_page_size(),
				    MOCK_APERTURE_START));

	rc = syscall(SYS_delete_module, "iodirty", O_NONBLOCK);
	err = errno;
	if (rc == 0) {
		/* unloaded under an open fd: put it back for later suites */
		TH_LOG("delete_module succeeded with an fd open; reloading");
		if (system("insmod /lib/modules/iodirty.ko"))
			TH_LOG("reloading iodirty.ko failed");
	}
	ASSERT_EQ(-1, rc);
	ASSERT_EQ(EWOULDBLOCK, err);
	/* without O_NONBLOCK the answer is the same (no waiting since 3.13) */
	rc = syscall(SYS_delete_module, "iodirty", 0);
	err = errno;
	if (rc == 0 && system("insmod /lib/modules/iodirty.ko"))
		TH_LOG("reloading iodirty.ko failed");
	ASSERT_EQ(-1, rc);
	ASSERT_EQ(EWOULDBLOCK, err);

	ASSERT_EQ(0, stat("/sys/module/iodirty", &st));
	ASSERT_EQ(r1, module_refcnt());
	/* the fd and its objects still work */
	ASSERT_EQ(0, check_refs(fd, buf, 4 * iod_page_size(), 1));
	ASSERT_EQ(0, ioas_unmap(fd, ioas, 0, U64_MAX_, NULL));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(r0, module_refcnt());
}

/*
 * GET_DIRTY_BITMAP on one area while another thread maps and unmaps the
 * area right after it on the same fd: every GET reports exactly what was
 * dirtied, every MAP/UNMAP succeeds (and the kernel log stays clean).
 */
struct race_arg {
	int fd;
	__u32 ioas;
	void *buf;
	size_t len;
	__u64 iova;
	int iters;
	volatile int stop;
	int errors;
};

static void *race_mapper(void *p)
{
	struct race_arg *a = p;
	int i;

	for (i = 0; i < a->iters && !a->stop; i++) {
		if (ioas_map_fixed(a->fd, a->ioas, a->buf, a->len, a->iova) ||
		    ioas_unmap(a->fd, a->ioas, a->iova, a->len, NULL))
			a->errors++;
	}
	return NULL;
}

TEST(get_dirty_races_map_unmap)
{
	long pg = iod_page_size();
	size_t len = 32 * pg;
	void *buf = iod_alloc_buf(len), *buf2 = iod_alloc_buf(len);
	struct race_arg a = { .len = len, .iters = 300 };
	__u32 ioas, idev, dhwpt;
	__u64 base = MOCK_APERTURE_START, nbits = len / SZ_2K, nr;
	unsigned char in[64], out[64];
	pthread_t th;
	int fd = iod_open(), i, j;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, buf2);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, 0, NULL, NULL, &idev));
	ASSERT_EQ(0, hwpt_alloc(fd, idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				&dhwpt));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, len, base));
	ASSERT_EQ(0, set_dirty(fd, dhwpt, true));
	a.fd = fd;
	a.ioas = ioas;
	a.buf = buf2;
	a.iova = base + len;
	ASSERT_EQ(0, pthread_create(&th, NULL, race_mapper, &a));
	for (i = 0; i < 300; i++) {
		memset(in, 0, sizeof(in));
		bm_set(in, i % nbits);
		bm_set(in, (i * 7 + 3) % nbits);
		ASSERT_EQ(0, test_dirty(fd, dhwpt, base, len, SZ_2K, in, &nr));
		memset(out, 0, sizeof(out));
		ASSERT_EQ(0, get_dirty(fd, dhwpt, base, len, SZ_2K, out, 0));
		for (j = 0; j < (int)nbits; j++)
			ASSERT_EQ(bm_test(in, j), bm_test(out, j))
				TH_LOG("iteration %d bit %d", i, j);
	}
	a.stop = 1;
	pthread_join(th, NULL);
	ASSERT_EQ(0, a.errors);
	close(fd);
	ASSERT_LE(0, fd = iod_open());
	ASSERT_EQ(0, check_refs(fd, buf, len, 0));
	ASSERT_EQ(0, check_refs(fd, buf2, len, 0));
	close(fd);
}
