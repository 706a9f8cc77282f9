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
 * ignores the bytes it does not know.  A reader refuses a file whose
 * version is newer than it supports (a newer version may change meaning,
 * not only append), a bad magic, a record_size or header_size below the
 * minimum, a truncated record, an unknown record type, a zero length, or a
 * time that goes backwards: each with a message naming the offset.
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
	char comment[32];		/* NUL-padded, e.g. the command line */
};

/* struct iodirty_rec @type */
#define IODIRTY_REC_DIRTY	1	/* a run of dirty pages a harvest reported */
#define IODIRTY_REC_HARVEST	2	/* a harvest of [iova, iova + length) ended */

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
 * Writer: iodirty_rec_create() writes the header; iodirty_rec_write()
 * buffers records; iodirty_rec_close() flushes and closes.  Each returns
 * 0 or a negative errno.
 */
int iodirty_rec_create(const char *path, __u32 source, const char *comment,
		       struct iodirty_rec_writer **out);
int iodirty_rec_write(struct iodirty_rec_writer *w, const struct iodirty_rec *r);
int iodirty_rec_close(struct iodirty_rec_writer *w);

/*
 * Reader: iodirty_rec_open() validates the header; iodirty_rec_next()
 * returns 1 with a record, 0 at a clean end of file, or a negative errno
 * (-EPROTO for a malformed file, -EOPNOTSUPP for a newer version) with
 * iodirty_rec_error() describing what and where.
 */
int iodirty_rec_open(const char *path, struct iodirty_rec_reader **out);
const struct iodirty_rec_header *iodirty_rec_header(struct iodirty_rec_reader *r);
int iodirty_rec_next(struct iodirty_rec_reader *r, struct iodirty_rec *rec);
const char *iodirty_rec_error(struct iodirty_rec_reader *r);
void iodirty_rec_free(struct iodirty_rec_reader *r);

#endif /* __IODIRTY_RECORD_H */
