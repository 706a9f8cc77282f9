/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records the export policy (bpf/export.bpf.c) writes to its ring buffer
 * "events", shared with the userspace readers (iodirtyctl stream,
 * iodirty-demo, selftests).
 *
 * Every record starts with the header bpf_iodirty_fill_bitmap() writes
 * (struct iodirty_bitmap_chunk in kmod/policy.h; mirrored for userspace as
 * struct iodirty_chunk_hdr in tools/iodirtyctl/iodirtyctl.h):
 *   - a dirty run: nbits > 0, followed by the bitmap (bit i = page
 *     iova + i * page_size dirty); the record is one of a few fixed sizes,
 *     only the first (nbits + 7) / 8 bytes of bits are meaningful;
 *   - an end-of-scan marker: page_size == 0 and nbits == 0, followed by
 *     the policy's running totals (struct export_eos).
 */
#ifndef __IODIRTY_EXPORT_H
#define __IODIRTY_EXPORT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Exit info as the example policies keep it (IODIRTY_EXIT_RECORD() into
 * this; same fields as struct iodirty_exit_info), in a type userspace can
 * see through the skeletons' .bss.
 */
struct iodirty_policy_exit {
	__u32 kind;
	__u32 reason;
	__s64 code;
	char msg[128];
};

#define EXPORT_HDR_SIZE		32	/* sizeof(struct iodirty_bitmap_chunk) */

/* Bitmap bytes of the three record sizes: runs up to 64, 1024, 32768 pages */
#define EXPORT_BITS_SMALL	8
#define EXPORT_BITS_MEDIUM	128
#define EXPORT_BITS_LARGE	4096

#define EXPORT_RINGBUF_DEFAULT	(1024 * 1024)

struct export_eos {
	__u64 hwpt_id;
	__u64 iova;		/* 0 */
	__u64 page_size;	/* 0: marks end of scan */
	__u32 nbits;		/* 0 */
	__u32 scan_seq;
	__u64 runs;		/* runs seen by the policy so far */
	__u64 pages;		/* pages written into records so far */
	__u64 records;		/* run records submitted so far */
	__u64 drops;		/* run records lost: ring buffer full */
	__u64 truncated;	/* runs longer than the largest record */
};

#endif /* __IODIRTY_EXPORT_H */
