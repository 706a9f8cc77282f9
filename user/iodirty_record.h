/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty recording format (version 1): every dirty run a tracer saw, so a
 * trace taken on one machine (stock iommufd or iodirty) can be rendered
 * (iodirty-heatmap) or replayed on iodirty's emulated devices.
 *
 * A file is one header followed by fixed-size records, all little endian:
 *
 *   struct iodirty_rec_header   (header_size bytes; >= 64)
 *   struct iodirty_rec          (record_size bytes each; >= 40)
 *
 * header_size and record_size let a newer writer append fields; a reader
 * ignores the bytes it does not know (both are at most
 * IODIRTY_REC_SIZE_MAX; a larger value is taken as corruption).  A reader
 * refuses, with -EPROTO and a message naming the byte offset (see
 * iodirty_rec_error()):
 *   - a bad magic, version 0, a header_size or record_size below the v1
 *     size (64, 40) or above IODIRTY_REC_SIZE_MAX, a comment without NUL;
 *   - a truncated header or record (the file ends inside one);
 *   - a record with an unknown type, a zero length, iova + length past
 *     2^64 - 1, a page_size that is not a power of two, non-zero flags or
 *     __reserved, or a time_ns below the previous record's (times never
 *     go backwards, across all HWPTs);
 * and a version newer than IODIRTY_REC_VERSION with -EOPNOTSUPP (a newer
 * version may change meaning, not only append).  The writer refuses the
 * same record faults with -EINVAL, so it never writes a file its reader
 * would refuse.
 *
 * On-disk layout (v1, little endian, no padding):
 *   header: 0 magic[8], 8 version u32, 12 header_size u32, 16 record_size
 *           u32, 20 source u32, 24 start_realtime_ns u64, 32 comment[32]
 *   record: 0 time_ns u64, 8 iova u64, 16 length u64, 24 hwpt_id u32,
 *           28 page_size u32, 32 type u16, 34 flags u16, 36 __reserved u32
 *
 * Times are nanoseconds since the recording started (CLOCK_MONOTONIC);
 * start_realtime_ns anchors them to wall time.
 */
#ifndef __IODIRTY_RECORD_H
#define __IODIRTY_RECORD_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define IODIRTY_REC_MAGIC	"IODIRTYR"	/* 8 bytes, no NUL */
#define IODIRTY_REC_VERSION	1
#define IODIRTY_REC_HEADER_MIN	64	/* v1 header_size */
#define IODIRTY_REC_RECORD_MIN	40	/* v1 record_size */
#define IODIRTY_REC_SIZE_MAX	65536	/* sanity bound on both sizes */

/* struct iodirty_rec_header @source */
#define IODIRTY_REC_SRC_IODIRTY	1	/* iodirty.ko tracepoints */
#define IODIRTY_REC_SRC_IOMMUFD	2	/* a stock kernel's iommufd (fentry) */
#define IODIRTY_REC_SRC_SYNTH	3	/* written by a program (tests) */

struct iodirty_rec_header {
	char magic[8];
	__u32 version;
	__u32 header_size;
	__u32 record_size;
	__u32 source;
	__u64 start_realtime_ns;
	char comment[32];		/* NUL-terminated and padded (<= 31
					 * chars), e.g. the command line */
};

/* struct iodirty_rec @type */
#define IODIRTY_REC_DIRTY	1	/* a run of dirty pages a harvest reported */
#define IODIRTY_REC_HARVEST	2	/* a harvest of [iova, iova + length) ended;
					 * written after that harvest's DIRTY
					 * runs (iodirty-heatmap attributes a
					 * run to the interval since the
					 * HWPT's previous HARVEST) */

struct iodirty_rec {
	__u64 time_ns;
	__u64 iova;
	__u64 length;		/* bytes; > 0 */
	__u32 hwpt_id;
	__u32 page_size;	/* the harvest's page size (bitmap granule) */
	__u16 type;		/* IODIRTY_REC_* */
	__u16 flags;		/* 0 */
	__u32 __reserved;	/* 0 */
};

struct iodirty_rec_writer;
struct iodirty_rec_reader;

/*
 * Writer: iodirty_rec_create() creates (truncates) @path and writes the
 * header at once (so a bad path or a full disk fails there), @comment cut
 * to 31 bytes; iodirty_rec_write() validates and buffers a record (64 KiB
 * buffer); iodirty_rec_close() flushes, closes and frees, even on error.
 * Each returns 0 or a negative errno; after a write error every later
 * call returns that error (the file then ends at the last full flush).
 */
int iodirty_rec_create(const char *path, __u32 source, const char *comment,
		       struct iodirty_rec_writer **out);
int iodirty_rec_write(struct iodirty_rec_writer *w, const struct iodirty_rec *r);
int iodirty_rec_close(struct iodirty_rec_writer *w);

/*
 * Reader: iodirty_rec_open() validates the header; iodirty_rec_next()
 * returns 1 with a record, 0 at a clean end of file, or a negative errno
 * (-EPROTO for a malformed file, -EOPNOTSUPP for a newer version, -errno
 * of open/read) with iodirty_rec_error() describing what and where,
 * prefixed by the path ("FILE: truncated record at offset 104: ...").
 * Errors are sticky.  iodirty_rec_open() sets *out even when it fails
 * (NULL only if the reader itself cannot be allocated: -ENOMEM), so the
 * caller can print iodirty_rec_error(*out) and must iodirty_rec_free()
 * it; iodirty_rec_error(NULL) and iodirty_rec_free(NULL) are safe.
 */
int iodirty_rec_open(const char *path, struct iodirty_rec_reader **out);
const struct iodirty_rec_header *iodirty_rec_header(struct iodirty_rec_reader *r);
int iodirty_rec_next(struct iodirty_rec_reader *r, struct iodirty_rec *rec);
const char *iodirty_rec_error(struct iodirty_rec_reader *r);
void iodirty_rec_free(struct iodirty_rec_reader *r);

#endif /* __IODIRTY_RECORD_H */
