/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirtyctl - records read from a policy's ring buffer.
 *
 * struct iodirty_chunk_hdr mirrors struct iodirty_bitmap_chunk (kmod/
 * policy.h), the header bpf_iodirty_fill_bitmap() writes: a policy that
 * exports with that kfunc produces records iodirtyctl stream understands.
 * A header with page_size == 0 and nbits == 0 is an end-of-scan marker
 * (bpf/export.h, struct export_eos, carries totals after it).
 */
#ifndef __IODIRTYCTL_H
#define __IODIRTYCTL_H

#include <linux/types.h>

#define IODIRTYCTL_PIN_DIR	"/sys/fs/bpf/iodirty"
#define IODIRTYCTL_LINK_NAME	"policy"
#define IODIRTYCTL_MAPS_DIR	"maps"
#define IODIRTYCTL_RB_DEFAULT	"events"


struct iodirty_chunk_hdr {
	__u64 hwpt_id;
	__u64 iova;		/* IOVA of bit 0 */
	__u64 page_size;	/* IOVA bytes per bit; 0: end of scan */
	__u32 nbits;		/* valid bits */
	__u32 scan_seq;
	__u8 bits[];		/* little-endian bitmap */
};

_Static_assert(sizeof(struct iodirty_chunk_hdr) == 32, "chunk header layout");

static inline int iodirty_chunk_is_eos(const struct iodirty_chunk_hdr *h)
{
	return h->page_size == 0 && h->nbits == 0;
}

/* dirty pages in a chunk; @len is the record length */
static inline unsigned long long
iodirty_chunk_weight(const struct iodirty_chunk_hdr *h, size_t len)
{
	unsigned long long n = 0;
	__u32 i, nbits = h->nbits;

	if ((nbits + 7) / 8 > len - sizeof(*h))
		nbits = (len - sizeof(*h)) * 8;
	for (i = 0; i < nbits; i++)
		n += (h->bits[i / 8] >> (i % 8)) & 1;
	return n;
}

#endif /* __IODIRTYCTL_H */
