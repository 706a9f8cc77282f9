// SPDX-License-Identifier: GPL-2.0
/*
 * The recording format (user/iodirty_record.c): round trip, the exact bytes
 * on disk, every rejection the header documents (with the offset in the
 * message), a file from a "newer writer" with larger header/record sizes,
 * and a seeded random-corruption loop.  The file images are built here
 * byte by byte from the documented layout, not with the library's writer,
 * so the test checks the format, not the library against itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include "harness.h"
#include "iodirty_record.h"

static char tmp_path[256];

static const char *tmpfile_path(void)
{
	if (!tmp_path[0]) {
		const char *d = getenv("TMPDIR");

		snprintf(tmp_path, sizeof(tmp_path), "%s/test_record.%d",
			 d && *d ? d : "/tmp", (int)getpid());
	}
	return tmp_path;
}

static void le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

/* A file image built from the documented layout. */
struct image {
	unsigned char b[64 * 1024];
	size_t len;
	uint32_t hsize, rsize;
};

static void img_header(struct image *im, uint32_t version, uint32_t hsize,
		       uint32_t rsize)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->b, "IODIRTYR", 8);
	le(im->b + 8, version, 4);
	le(im->b + 12, hsize, 4);
	le(im->b + 16, rsize, 4);
	le(im->b + 20, IODIRTY_REC_SRC_SYNTH, 4);
	le(im->b + 24, 0x1122334455667788ull, 8);
	memcpy(im->b + 32, "test image", 10);
	for (uint32_t i = 64; i < hsize; i++)
		im->b[i] = 0xa5;	/* a newer writer's fields */
	im->len = hsize;
	im->hsize = hsize;
	im->rsize = rsize;
}

static size_t img_rec(struct image *im, uint64_t t, uint64_t iova, uint64_t len,
		      uint32_t hwpt, uint32_t pgsz, uint16_t type)
{
	unsigned char *p = im->b + im->len;
	size_t at = im->len;

	memset(p, 0, im->rsize);
	le(p + 0, t, 8);
	le(p + 8, iova, 8);
	le(p + 16, len, 8);
	le(p + 24, hwpt, 4);
	le(p + 28, pgsz, 4);
	le(p + 32, type, 2);
	for (uint32_t i = 40; i < im->rsize; i++)
		p[i] = 0x5a;
	im->len += im->rsize;
	return at;
}

/* The reference image: 3 records at offsets 64, 104, 144. */
static void img_valid(struct image *im)
{
	img_header(im, 1, 64, 40);
	img_rec(im, 1000, 0x100000, 0x2000, 7, 4096, IODIRTY_REC_DIRTY);
	img_rec(im, 1000, 0x200000, 0x1000, 8, 4096, IODIRTY_REC_DIRTY);
	img_rec(im, 5000, 0, 1ull << 30, 7, 4096, IODIRTY_REC_HARVEST);
}

static void put_file(const void *b, size_t n)
{
	int fd = open(tmpfile_path(), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ASSERT(fd >= 0);
	ASSERT_EQ(write(fd, b, n), n);
	ASSERT_OK(close(fd));
}

/*
 * Opens and reads the whole file; returns the final status (0 = clean end)
 * and copies the error message.  *nrec counts records returned.
 */
static int read_all(struct iodirty_rec *recs, int max, int *nrec,
		    char *msg, size_t msgsz)
{
	struct iodirty_rec_reader *r;
	struct iodirty_rec rec;
	int err, n = 0;

	err = iodirty_rec_open(tmpfile_path(), &r);
	ASSERT(r != NULL);
	while (!err) {
		err = iodirty_rec_next(r, &rec);
		if (err == 1) {
			if (recs && n < max)
				recs[n] = rec;
			n++;
			err = 0;
		} else if (err == 0) {
			/* end is stable */
			CHECK_EQ(iodirty_rec_next(r, &rec), 0);
			break;
		}
	}
	if (err)	/* errors are sticky */
		CHECK_EQ(iodirty_rec_next(r, &rec), err);
	snprintf(msg, msgsz, "%s", iodirty_rec_error(r));
	iodirty_rec_free(r);
	*nrec = n;
	return err;
}

/* The image must be refused with @err and a message holding @needle. */
static void expect_reject(const struct image *im, size_t len, int err,
			  const char *needle, int want_nrec)
{
	char msg[512];
	int nrec;

	put_file(im->b, len);
	CHECK_EQ(read_all(NULL, 0, &nrec, msg, sizeof(msg)), err);
	CHECK_EQ(nrec, want_nrec);
	CHECK_MSG(strstr(msg, needle) != NULL, "message '%s' lacks '%s'",
		  msg, needle);
	CHECK_MSG(strncmp(msg, tmpfile_path(), strlen(tmpfile_path())) == 0,
		  "message '%s' does not start with the path", msg);
}

TEST(round_trip)
{
	struct iodirty_rec in[300], out[300];
	struct iodirty_rec_writer *w;
	struct iodirty_rec_reader *r;
	char msg[512];
	int i, n;

	/* > 64 KiB of records, so the writer's buffer flushes mid-file */
	for (i = 0; i < 300; i++)
		in[i] = (struct iodirty_rec){
			.time_ns = i * 1000ull + (i % 3 == 0 ? 0 : 1),
			.iova = 0xfffff000ull * i,
			.length = 4096ull * (i + 1),
			.hwpt_id = 1 + i % 4,
			.page_size = i % 2 ? 4096 : 2 << 20,
			.type = i % 10 == 9 ? IODIRTY_REC_HARVEST : IODIRTY_REC_DIRTY,
		};
	ASSERT_OK(iodirty_rec_create(tmpfile_path(), IODIRTY_REC_SRC_IOMMUFD,
				     "iodirty-top --record x", &w));
	for (int rep = 0; rep < 6; rep++)	/* 1800 records = 72000 bytes */
		for (i = 0; i < 300; i++) {
			struct iodirty_rec x = in[i];

			x.time_ns += rep * 1000000ull;
			ASSERT_OK(iodirty_rec_write(w, &x));
		}
	ASSERT_OK(iodirty_rec_close(w));

	ASSERT_OK(iodirty_rec_open(tmpfile_path(), &r));
	CHECK_EQ(iodirty_rec_header(r)->version, 1);
	CHECK_EQ(iodirty_rec_header(r)->header_size, 64);
	CHECK_EQ(iodirty_rec_header(r)->record_size, 40);
	CHECK_EQ(iodirty_rec_header(r)->source, IODIRTY_REC_SRC_IOMMUFD);
	CHECK(strcmp(iodirty_rec_header(r)->comment, "iodirty-top --record x") == 0);
	CHECK(iodirty_rec_header(r)->start_realtime_ns > 1600000000ull * 1000000000ull);
	CHECK(strcmp(iodirty_rec_error(r), "no error") == 0);
	iodirty_rec_free(r);

	ASSERT_OK(read_all(out, 300, &n, msg, sizeof(msg)));
	ASSERT_EQ(n, 1800);
	for (i = 0; i < 300; i++)
		CHECK(memcmp(&in[i], &out[i], sizeof(in[i])) == 0);
}

/* The bytes on disk are the documented little-endian layout. */
TEST(little_endian_bytes)
{
	struct iodirty_rec x = { .time_ns = 0x0102030405060708ull,
		.iova = 0x1112131415161718ull, .length = 0x2000,
		.hwpt_id = 0x31323334, .page_size = 4096,
		.type = IODIRTY_REC_DIRTY };
	static const unsigned char want_rec[40] = {
		0x08, 7, 6, 5, 4, 3, 2, 1,
		0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
		0, 0x20, 0, 0, 0, 0, 0, 0,
		0x34, 0x33, 0x32, 0x31,
		0, 0x10, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0,
	};
	struct iodirty_rec_writer *w;
	unsigned char b[200];
	int fd;

	ASSERT_OK(iodirty_rec_create(tmpfile_path(), IODIRTY_REC_SRC_SYNTH,
		"0123456789012345678901234567890123456789", &w));
	ASSERT_OK(iodirty_rec_write(w, &x));
	ASSERT_OK(iodirty_rec_close(w));
	fd = open(tmpfile_path(), O_RDONLY);
	ASSERT(fd >= 0);
	ASSERT_EQ(read(fd, b, sizeof(b)), 104);
	close(fd);
	CHECK(memcmp(b, "IODIRTYR\1\0\0\0\x40\0\0\0\x28\0\0\0\3\0\0\0", 24) == 0);
	/* comment cut to 31 bytes, NUL-terminated */
	CHECK(memcmp(b + 32, "0123456789012345678901234567890", 31) == 0);
	CHECK_EQ(b[63], 0);
	CHECK(memcmp(b + 64, want_rec, 40) == 0);
}

TEST(writer_refuses_bad_records)
{
	struct iodirty_rec ok = { .time_ns = 100, .iova = 0, .length = 4096,
		.hwpt_id = 1, .page_size = 4096, .type = IODIRTY_REC_DIRTY };
	struct iodirty_rec_writer *w;
	struct iodirty_rec x;
	char msg[512];
	int n;

	ASSERT_OK(iodirty_rec_create(tmpfile_path(), IODIRTY_REC_SRC_SYNTH, NULL, &w));
	ASSERT_OK(iodirty_rec_write(w, &ok));
	x = ok; x.time_ns = 99;
	CHECK_ERR(iodirty_rec_write(w, &x), EINVAL);
	x = ok; x.length = 0;
	CHECK_ERR(iodirty_rec_write(w, &x), EINVAL);
	x = ok; x.type = 3;
	CHECK_ERR(iodirty_rec_write(w, &x), EINVAL);
	x = ok; x.flags = 1;
	CHECK_ERR(iodirty_rec_write(w, &x), EINVAL);
	x = ok; x.__reserved = 1;
	CHECK_ERR(iodirty_rec_write(w, &x), EINVAL);
	x = ok; x.page_size = 0;
	CHECK_ERR(iodirty_rec_write(w, &x), EINVAL);
	x = ok; x.page_size = 3000;
	CHECK_ERR(iodirty_rec_write(w, &x), EINVAL);
	x = ok; x.iova = UINT64_MAX - 4095; x.length = 8192;
	CHECK_ERR(iodirty_rec_write(w, &x), EINVAL);
	/* a refused record does not poison the writer */
	x = ok; x.iova = UINT64_MAX - 4096; x.length = 4096;
	CHECK_OK(iodirty_rec_write(w, &x));
	ASSERT_OK(iodirty_rec_close(w));
	ASSERT_OK(read_all(NULL, 0, &n, msg, sizeof(msg)));
	CHECK_EQ(n, 2);
}

TEST(writer_io_errors)
{
	struct iodirty_rec_writer *w = (void *)1;

	CHECK_ERR(iodirty_rec_create("/nonexistent-dir/x.rec", 1, NULL, &w), ENOENT);
	CHECK(w == NULL);
	if (access("/dev/full", W_OK))
		SKIP("no /dev/full");
	CHECK_ERR(iodirty_rec_create("/dev/full", 1, NULL, &w), ENOSPC);
}

TEST(reader_open_errors)
{
	struct iodirty_rec_reader *r;

	CHECK_ERR(iodirty_rec_open("/nonexistent-dir/x.rec", &r), ENOENT);
	ASSERT(r != NULL);
	CHECK(strstr(iodirty_rec_error(r), "/nonexistent-dir/x.rec: cannot open") != NULL);
	iodirty_rec_free(r);
	CHECK_ERR(iodirty_rec_open("/", &r), EISDIR);
	CHECK(strstr(iodirty_rec_error(r), "read error at offset 0") != NULL);
	iodirty_rec_free(r);
	iodirty_rec_free(NULL);
	CHECK(iodirty_rec_error(NULL) != NULL);
}

TEST(valid_image_reads)
{
	struct iodirty_rec out[3];
	struct image im;
	char msg[512];
	int n;

	img_valid(&im);
	put_file(im.b, im.len);
	ASSERT_OK(read_all(out, 3, &n, msg, sizeof(msg)));
	ASSERT_EQ(n, 3);
	CHECK_EQ(out[0].iova, 0x100000);
	CHECK_EQ(out[1].hwpt_id, 8);
	CHECK_EQ(out[2].type, IODIRTY_REC_HARVEST);
	CHECK_EQ(out[2].length, 1ull << 30);
}

TEST(reject_header)
{
	struct image im;

	img_valid(&im);
	im.b[3] ^= 0x20;
	expect_reject(&im, im.len, -EPROTO, "bad magic at offset 0", 0);

	img_valid(&im);
	expect_reject(&im, 0, -EPROTO, "truncated header: 0 of 64 bytes at offset 0", 0);
	expect_reject(&im, 5, -EPROTO, "truncated header: 5 of 64", 0);
	expect_reject(&im, 63, -EPROTO, "truncated header: 63 of 64", 0);

	le(im.b + 8, 2, 4);
	expect_reject(&im, im.len, -EOPNOTSUPP, "version 2 at offset 8 is newer", 0);
	/* a newer version wins over a header this reader finds too short */
	expect_reject(&im, 12, -EOPNOTSUPP, "version 2 at offset 8", 0);
	le(im.b + 8, 0, 4);
	expect_reject(&im, im.len, -EPROTO, "version 0 at offset 8", 0);

	img_valid(&im);
	le(im.b + 12, 63, 4);
	expect_reject(&im, im.len, -EPROTO, "header_size 63 at offset 12", 0);
	le(im.b + 12, IODIRTY_REC_SIZE_MAX + 1, 4);
	expect_reject(&im, im.len, -EPROTO, "header_size 65537 at offset 12", 0);

	img_valid(&im);
	le(im.b + 16, 39, 4);
	expect_reject(&im, im.len, -EPROTO, "record_size 39 at offset 16", 0);
	le(im.b + 16, 0, 4);
	expect_reject(&im, im.len, -EPROTO, "record_size 0 at offset 16", 0);

	img_valid(&im);
	memset(im.b + 32, 'x', 32);
	expect_reject(&im, im.len, -EPROTO, "comment at offset 32 has no NUL", 0);

	/* header_size says 100 but the file ends inside it */
	img_header(&im, 1, 100, 40);
	expect_reject(&im, 90, -EPROTO, "truncated header at offset 0: file ends at 90", 0);
}

TEST(reject_records)
{
	struct image im;
	size_t at;

	img_valid(&im);
	expect_reject(&im, 64 + 40 + 10, -EPROTO,
		      "truncated record at offset 104: 10 of 40 bytes", 1);
	expect_reject(&im, im.len - 1, -EPROTO,
		      "truncated record at offset 144: 39 of 40 bytes", 2);

	img_valid(&im);
	le(im.b + 104 + 32, 3, 2);
	expect_reject(&im, im.len, -EPROTO, "unknown record type at offset 136", 1);
	le(im.b + 104 + 32, 0, 2);
	expect_reject(&im, im.len, -EPROTO, "unknown record type at offset 136", 1);

	img_valid(&im);
	le(im.b + 64 + 16, 0, 8);
	expect_reject(&im, im.len, -EPROTO, "zero length at offset 80", 0);

	img_valid(&im);
	le(im.b + 144, 999, 8);	/* third record before the second's 1000 */
	expect_reject(&im, im.len, -EPROTO, "time goes backwards at offset 144", 2);

	img_valid(&im);
	le(im.b + 104 + 34, 0x8000, 2);
	expect_reject(&im, im.len, -EPROTO, "non-zero flags at offset 138", 1);

	img_valid(&im);
	le(im.b + 144 + 36, 1, 4);
	expect_reject(&im, im.len, -EPROTO, "non-zero reserved field at offset 180", 2);

	img_valid(&im);
	le(im.b + 64 + 28, 0, 4);
	expect_reject(&im, im.len, -EPROTO, "page size is not a power of two at offset 92", 0);
	le(im.b + 64 + 28, 12288, 4);
	expect_reject(&im, im.len, -EPROTO, "page size is not a power of two at offset 92", 0);

	img_header(&im, 1, 64, 40);
	at = img_rec(&im, 1, UINT64_MAX - 4095, 8192, 1, 4096, IODIRTY_REC_DIRTY);
	CHECK_EQ(at, 64);
	expect_reject(&im, im.len, -EPROTO, "iova + length overflows 64 bits at offset 80", 0);
}

/* Header and records larger than v1's, from a "newer writer" (same version). */
TEST(newer_writer_larger_sizes)
{
	struct iodirty_rec out[4];
	struct iodirty_rec_reader *r;
	struct image im;
	char msg[512];
	int n;

	img_header(&im, 1, 96, 56);
	img_rec(&im, 10, 0x1000, 0x1000, 3, 4096, IODIRTY_REC_DIRTY);
	img_rec(&im, 20, 0x8000, 0x3000, 4, 4096, IODIRTY_REC_DIRTY);
	img_rec(&im, 30, 0, 0x100000, 3, 4096, IODIRTY_REC_HARVEST);
	put_file(im.b, im.len);
	ASSERT_OK(iodirty_rec_open(tmpfile_path(), &r));
	CHECK_EQ(iodirty_rec_header(r)->header_size, 96);
	CHECK_EQ(iodirty_rec_header(r)->record_size, 56);
	CHECK_EQ(iodirty_rec_header(r)->start_realtime_ns, 0x1122334455667788ull);
	iodirty_rec_free(r);
	ASSERT_OK(read_all(out, 4, &n, msg, sizeof(msg)));
	ASSERT_EQ(n, 3);
	CHECK_EQ(out[0].time_ns, 10);
	CHECK_EQ(out[1].iova, 0x8000);
	CHECK_EQ(out[1].length, 0x3000);
	CHECK_EQ(out[1].hwpt_id, 4);
	CHECK_EQ(out[2].type, IODIRTY_REC_HARVEST);
	/* and a record cut inside the appended bytes is still truncated */
	expect_reject(&im, im.len - 5, -EPROTO, "truncated record at offset 208: 51 of 56", 2);
}

static uint64_t xs;

static uint64_t rnd(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

/*
 * Flip, overwrite, truncate and extend a valid file thousands of times:
 * every read ends cleanly or with -EPROTO/-EOPNOTSUPP and a message that
 * names an offset; every record handed out obeys the rules.  Under the
 * -asan build this is also the memory-safety check.
 */
TEST(random_corruption)
{
	const int iters = getenv("TH_RECORD_ITERS") ? atoi(getenv("TH_RECORD_ITERS")) : 4000;
	struct iodirty_rec out[64];
	struct image base, im;
	int i, k, n, stats[4] = { 0 };
	char msg[512];

	xs = th_seed(0x9e3779b97f4a7c15ull) | 1;
	th_diag("seed 0x%llx (TH_SEED), %d iterations", (unsigned long long)xs, iters);
	img_header(&base, 1, 64, 40);
	for (i = 0; i < 40; i++)
		img_rec(&base, 100 * i, 0x1000ull * (i * 7 % 13), 0x1000 * (1 + i % 5),
			1 + i % 3, 4096, i % 8 == 7 ? IODIRTY_REC_HARVEST : IODIRTY_REC_DIRTY);
	for (i = 0; i < iters; i++) {
		int ops = 1 + rnd() % 4, err;

		im = base;
		for (k = 0; k < ops; k++) {
			size_t pos = rnd() % im.len;

			switch (rnd() % 5) {
			case 0: case 1:	/* flip one bit */
				im.b[pos] ^= 1u << (rnd() % 8);
				break;
			case 2:		/* random byte, biased to the header */
				im.b[rnd() % 2 ? pos % 64 : pos] = rnd();
				break;
			case 3:		/* truncate */
				im.len = pos;
				break;
			case 4:		/* append junk (a partial record) */
				if (im.len + 64 < sizeof(im.b)) {
					size_t add = rnd() % 64;

					for (size_t j = 0; j < add; j++)
						im.b[im.len + j] = rnd();
					im.len += add;
				}
				break;
			}
			if (!im.len)
				break;
		}
		put_file(im.b, im.len);
		err = read_all(out, 64, &n, msg, sizeof(msg));
		ASSERT_MSG(err == 0 || err == -EPROTO || err == -EOPNOTSUPP,
			   "iteration %d: status %d (%s)", i, err, msg);
		if (err) {
			ASSERT_MSG(strstr(msg, "offset ") != NULL,
				   "iteration %d: message '%s' names no offset", i, msg);
			stats[err == -EPROTO ? 1 : 2]++;
		} else {
			stats[0]++;
		}
		for (k = 0; k < n && k < 64; k++) {
			ASSERT(out[k].length > 0);
			ASSERT(out[k].type == IODIRTY_REC_DIRTY ||
			       out[k].type == IODIRTY_REC_HARVEST);
			ASSERT(!out[k].flags && !out[k].__reserved);
			ASSERT(out[k].length <= UINT64_MAX - out[k].iova);
			ASSERT(k == 0 || out[k].time_ns >= out[k - 1].time_ns);
		}
		ASSERT(n <= 41);
	}
	th_diag("clean %d, -EPROTO %d, -EOPNOTSUPP %d", stats[0], stats[1], stats[2]);
	/* the mutations reached every outcome */
	CHECK(stats[0] > 0 && stats[1] > 0 && stats[2] > 0);
	unlink(tmpfile_path());
}

TEST_MAIN("record")
