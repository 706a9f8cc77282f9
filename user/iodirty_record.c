// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty recording format v1: writer and validating reader.  See
 * iodirty_record.h for the layout and the rules.
 *
 * Every field is (de)serialised byte by byte in little endian, so the file
 * is the same on any host and the structs' in-memory layout never matters.
 * The reader trusts nothing: a file is rejected at the first byte that
 * breaks a rule, with a message naming the offset, and it never reads or
 * allocates more than the (bounded) header_size/record_size it validated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "iodirty_record.h"

/* on-disk offsets (v1); the structs mirror them but are never written raw */
#define HDR_OFF_MAGIC		0
#define HDR_OFF_VERSION		8
#define HDR_OFF_HEADER_SIZE	12
#define HDR_OFF_RECORD_SIZE	16
#define HDR_OFF_SOURCE		20
#define HDR_OFF_REALTIME	24
#define HDR_OFF_COMMENT		32

#define REC_OFF_TIME		0
#define REC_OFF_IOVA		8
#define REC_OFF_LENGTH		16
#define REC_OFF_HWPT		24
#define REC_OFF_PAGE_SIZE	28
#define REC_OFF_TYPE		32
#define REC_OFF_FLAGS		34
#define REC_OFF_RESERVED	36

_Static_assert(IODIRTY_REC_HEADER_MIN == 64, "v1 header is 64 bytes");
_Static_assert(IODIRTY_REC_RECORD_MIN == 40, "v1 record is 40 bytes");

static void put16(unsigned char *p, __u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(unsigned char *p, __u32 v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(unsigned char *p, __u64 v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static __u16 get16(const unsigned char *p)
{
	return (__u16)(p[0] | p[1] << 8);
}

static __u32 get32(const unsigned char *p)
{
	return get16(p) | (__u32)get16(p + 2) << 16;
}

static __u64 get64(const unsigned char *p)
{
	return get32(p) | (__u64)get32(p + 4) << 32;
}

static bool is_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

/*
 * The record rules shared by writer (-EINVAL, so a bad caller never makes
 * a file its own reader refuses) and reader (-EPROTO).  Returns NULL or
 * what is wrong; *field gets the offending field's offset in the record.
 */
static const char *rec_invalid(const struct iodirty_rec *r, __u64 prev_time,
			       unsigned int *field)
{
	if (r->time_ns < prev_time) {
		*field = REC_OFF_TIME;
		return "time goes backwards";
	}
	if (!r->length) {
		*field = REC_OFF_LENGTH;
		return "zero length";
	}
	if (r->length > UINT64_MAX - r->iova) {
		*field = REC_OFF_LENGTH;
		return "iova + length overflows 64 bits";
	}
	if (!is_pow2(r->page_size)) {
		*field = REC_OFF_PAGE_SIZE;
		return "page size is not a power of two";
	}
	if (r->type != IODIRTY_REC_DIRTY && r->type != IODIRTY_REC_HARVEST) {
		*field = REC_OFF_TYPE;
		return "unknown record type";
	}
	if (r->flags) {
		*field = REC_OFF_FLAGS;
		return "non-zero flags";
	}
	if (r->__reserved) {
		*field = REC_OFF_RESERVED;
		return "non-zero reserved field";
	}
	return NULL;
}

/* ---- writer ---------------------------------------------------------------- */

#define WBUF_SIZE	(64 * 1024)

struct iodirty_rec_writer {
	int fd;
	int err;		/* first error; every later call returns it */
	__u64 last_time;
	size_t used;
	unsigned char buf[WBUF_SIZE];
};

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		p += k;
		n -= k;
	}
	return 0;
}

static int w_flush(struct iodirty_rec_writer *w)
{
	int err;

	if (w->err)
		return w->err;
	err = write_all(w->fd, w->buf, w->used);
	w->used = 0;
	if (err)
		w->err = err;
	return err;
}

int iodirty_rec_create(const char *path, __u32 source, const char *comment,
		       struct iodirty_rec_writer **out)
{
	unsigned char h[IODIRTY_REC_HEADER_MIN] = { 0 };
	struct iodirty_rec_writer *w;
	struct timespec ts;
	int err;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		err = -errno;
		free(w);
		return err;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	memcpy(h + HDR_OFF_MAGIC, IODIRTY_REC_MAGIC, 8);
	put32(h + HDR_OFF_VERSION, IODIRTY_REC_VERSION);
	put32(h + HDR_OFF_HEADER_SIZE, IODIRTY_REC_HEADER_MIN);
	put32(h + HDR_OFF_RECORD_SIZE, IODIRTY_REC_RECORD_MIN);
	put32(h + HDR_OFF_SOURCE, source);
	put64(h + HDR_OFF_REALTIME, (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec);
	/* at most 31 bytes: the reader requires a NUL inside the field */
	if (comment)
		strncpy((char *)h + HDR_OFF_COMMENT, comment,
			sizeof(((struct iodirty_rec_header *)0)->comment) - 1);
	/* unbuffered, so a full disk or a bad path fails here, not at close */
	err = write_all(w->fd, h, sizeof(h));
	if (err) {
		close(w->fd);
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

int iodirty_rec_write(struct iodirty_rec_writer *w, const struct iodirty_rec *r)
{
	unsigned char *p;
	unsigned int field;

	if (w->err)
		return w->err;
	if (rec_invalid(r, w->last_time, &field))
		return -EINVAL;
	if (w->used + IODIRTY_REC_RECORD_MIN > sizeof(w->buf) && w_flush(w))
		return w->err;
	p = w->buf + w->used;
	put64(p + REC_OFF_TIME, r->time_ns);
	put64(p + REC_OFF_IOVA, r->iova);
	put64(p + REC_OFF_LENGTH, r->length);
	put32(p + REC_OFF_HWPT, r->hwpt_id);
	put32(p + REC_OFF_PAGE_SIZE, r->page_size);
	put16(p + REC_OFF_TYPE, r->type);
	put16(p + REC_OFF_FLAGS, 0);
	put32(p + REC_OFF_RESERVED, 0);
	w->used += IODIRTY_REC_RECORD_MIN;
	w->last_time = r->time_ns;
	return 0;
}

int iodirty_rec_close(struct iodirty_rec_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = w_flush(w);
	if (close(w->fd) && !err)
		err = -errno;
	free(w);
	return err;
}

/* ---- reader ---------------------------------------------------------------- */

struct iodirty_rec_reader {
	int fd;
	int err;		/* sticky: 0, -EPROTO, -EOPNOTSUPP, -errno */
	bool eof;
	__u64 off;		/* file offset of the next byte to read */
	__u64 prev_time;
	unsigned char *rbuf;	/* record_size bytes */
	struct iodirty_rec_header hdr;
	char path[256];
	char msg[512];
};

__attribute__((format(printf, 3, 4)))
static int fail(struct iodirty_rec_reader *r, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->msg, sizeof(r->msg), "%s: ", r->path);
	if (n < 0 || (size_t)n >= sizeof(r->msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->msg + n, sizeof(r->msg) - n, fmt, ap);
	va_end(ap);
	r->err = err;
	return err;
}

/* Reads up to @n bytes; returns how many (short only at end of file). */
static ssize_t read_upto(struct iodirty_rec_reader *r, unsigned char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(r->fd, p + got, n - got);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			k = -errno;
			fail(r, k, "read error at offset %llu: %s",
			     (unsigned long long)(r->off + got), strerror(errno));
			return k;
		}
		if (k == 0)
			break;
		got += k;
	}
	r->off += got;
	return got;
}

/* Skips @n bytes a newer writer added; returns 0 or -EPROTO if they are cut. */
static int skip_bytes(struct iodirty_rec_reader *r, __u64 n, const char *what,
		      __u64 start)
{
	unsigned char tmp[4096];

	while (n) {
		size_t want = n < sizeof(tmp) ? n : sizeof(tmp);
		ssize_t got = read_upto(r, tmp, want);

		if (got < 0)
			return got;
		if ((size_t)got < want)
			return fail(r, -EPROTO,
				    "truncated %s at offset %llu: file ends at %llu",
				    what, (unsigned long long)start,
				    (unsigned long long)r->off);
		n -= got;
	}
	return 0;
}

static int read_header(struct iodirty_rec_reader *r)
{
	unsigned char h[IODIRTY_REC_HEADER_MIN];
	struct iodirty_rec_header *hd = &r->hdr;
	ssize_t got = read_upto(r, h, sizeof(h));

	if (got < 0)
		return got;
	/* magic and version first: a newer file may have a shorter header */
	if (got >= 8 && memcmp(h + HDR_OFF_MAGIC, IODIRTY_REC_MAGIC, 8))
		return fail(r, -EPROTO, "bad magic at offset 0 (not an iodirty recording)");
	if (got >= HDR_OFF_VERSION + 4) {
		hd->version = get32(h + HDR_OFF_VERSION);
		if (hd->version > IODIRTY_REC_VERSION)
			return fail(r, -EOPNOTSUPP,
				    "format version %u at offset %u is newer than this reader's %u",
				    hd->version, HDR_OFF_VERSION, IODIRTY_REC_VERSION);
		if (hd->version == 0)
			return fail(r, -EPROTO, "format version 0 at offset %u",
				    HDR_OFF_VERSION);
	}
	if ((size_t)got < sizeof(h))
		return fail(r, -EPROTO,
			    "truncated header: %zd of %zu bytes at offset 0",
			    got, sizeof(h));
	memcpy(hd->magic, h + HDR_OFF_MAGIC, 8);
	hd->header_size = get32(h + HDR_OFF_HEADER_SIZE);
	hd->record_size = get32(h + HDR_OFF_RECORD_SIZE);
	hd->source = get32(h + HDR_OFF_SOURCE);
	hd->start_realtime_ns = get64(h + HDR_OFF_REALTIME);
	memcpy(hd->comment, h + HDR_OFF_COMMENT, sizeof(hd->comment));
	if (hd->header_size < IODIRTY_REC_HEADER_MIN ||
	    hd->header_size > IODIRTY_REC_SIZE_MAX)
		return fail(r, -EPROTO,
			    "header_size %u at offset %u outside [%u, %u]",
			    hd->header_size, HDR_OFF_HEADER_SIZE,
			    IODIRTY_REC_HEADER_MIN, IODIRTY_REC_SIZE_MAX);
	if (hd->record_size < IODIRTY_REC_RECORD_MIN ||
	    hd->record_size > IODIRTY_REC_SIZE_MAX)
		return fail(r, -EPROTO,
			    "record_size %u at offset %u outside [%u, %u]",
			    hd->record_size, HDR_OFF_RECORD_SIZE,
			    IODIRTY_REC_RECORD_MIN, IODIRTY_REC_SIZE_MAX);
	/* consumers print it with %s */
	if (!memchr(hd->comment, 0, sizeof(hd->comment)))
		return fail(r, -EPROTO, "comment at offset %u has no NUL",
			    HDR_OFF_COMMENT);
	if (skip_bytes(r, hd->header_size - IODIRTY_REC_HEADER_MIN, "header", 0))
		return r->err;
	r->rbuf = malloc(hd->record_size);
	if (!r->rbuf)
		return fail(r, -ENOMEM, "out of memory");
	return 0;
}

int iodirty_rec_open(const char *path, struct iodirty_rec_reader **out)
{
	struct iodirty_rec_reader *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return -ENOMEM;
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return fail(r, -errno, "cannot open: %s", strerror(errno));
	return read_header(r);
}

const struct iodirty_rec_header *iodirty_rec_header(struct iodirty_rec_reader *r)
{
	return &r->hdr;
}

int iodirty_rec_next(struct iodirty_rec_reader *r, struct iodirty_rec *rec)
{
	__u32 size = r->hdr.record_size;
	__u64 start = r->off;
	const unsigned char *p = r->rbuf;
	const char *why;
	unsigned int field;
	ssize_t got;

	if (r->err)
		return r->err;
	if (r->eof)
		return 0;
	got = read_upto(r, r->rbuf, size);
	if (got < 0)
		return got;
	if (got == 0) {
		r->eof = true;
		return 0;
	}
	if ((__u32)got < size)
		return fail(r, -EPROTO,
			    "truncated record at offset %llu: %zd of %u bytes",
			    (unsigned long long)start, got, size);
	/* bytes past the v1 fields belong to a newer writer: ignored */
	rec->time_ns = get64(p + REC_OFF_TIME);
	rec->iova = get64(p + REC_OFF_IOVA);
	rec->length = get64(p + REC_OFF_LENGTH);
	rec->hwpt_id = get32(p + REC_OFF_HWPT);
	rec->page_size = get32(p + REC_OFF_PAGE_SIZE);
	rec->type = get16(p + REC_OFF_TYPE);
	rec->flags = get16(p + REC_OFF_FLAGS);
	rec->__reserved = get32(p + REC_OFF_RESERVED);
	why = rec_invalid(rec, r->prev_time, &field);
	if (why)
		return fail(r, -EPROTO,
			    "%s at offset %llu (record at %llu: time %llu ns, previous %llu, type %u, iova 0x%llx, length %llu, page size %u, flags 0x%x, reserved 0x%x)",
			    why, (unsigned long long)(start + field),
			    (unsigned long long)start,
			    (unsigned long long)rec->time_ns,
			    (unsigned long long)r->prev_time, rec->type,
			    (unsigned long long)rec->iova,
			    (unsigned long long)rec->length, rec->page_size,
			    rec->flags, rec->__reserved);
	r->prev_time = rec->time_ns;
	return 1;
}

const char *iodirty_rec_error(struct iodirty_rec_reader *r)
{
	if (!r)
		return "out of memory";
	return r->err ? r->msg : "no error";
}

void iodirty_rec_free(struct iodirty_rec_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->rbuf);
	free(r);
}
