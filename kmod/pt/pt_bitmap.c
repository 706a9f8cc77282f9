// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty page-table core: dirty bitmap writer.
 *
 * The IOMMUFD GET_DIRTY_BITMAP UAPI bitmap is a little-endian bit string
 * held in a byte array of any alignment and any length: bit i of the
 * bitmap is data[i / 8] & (1 << (i % 8)), and covers the IOVA granule
 * [iova + i * page_size, iova + (i + 1) * page_size).
 *
 * The writer sets runs of bits a 64-bit word at a time.  A dirty 2 MiB
 * leaf at 4 KiB granularity is 512 bits, i.e. one masked head word, six
 * plain stores and one masked tail word, not 512 bit operations.  All
 * word accesses are unaligned-safe (byte-wise memcpy that the compiler
 * turns into single loads/stores) and never touch a byte outside the
 * byte range that holds the run: the caller's buffer may end right after
 * the last bit and other bytes may be owned by someone else.
 *
 * The writer only ever ORs bits in.  It is not atomic: concurrent writers
 * to the same byte must be serialised by the caller (the module harvests
 * one IOAS range at a time into one bitmap).
 */

#include "pt.h"

#define PT_BITMAP_MIN_SHIFT	11	/* 2 KiB, the selftest mock granule */
#define PT_BITMAP_MAX_SHIFT	30	/* 1 GiB */

/* Runs longer than this many whole bytes use memset() for the middle. */
#define PT_BITMAP_MEMSET_BYTES	256

static inline u64 pt_bm_load64(const u8 *p)
{
	u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void pt_bm_store64(u8 *p, u64 v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	__builtin_memcpy(p, &v, sizeof(v));
}

/*
 * OR @mask (a little-endian value) into the 8 bytes at @p.  An all-ones
 * mask is a plain store: no load, so a cold bitmap line costs a store
 * buffer entry instead of a stall (a 2 MiB leaf at 4 KiB granularity is
 * one aligned 64-byte line of ones).
 */
static inline void pt_bm_or64(u8 *p, u64 mask)
{
	if (mask == ~0ULL)
		pt_bm_store64(p, mask);
	else
		pt_bm_store64(p, pt_bm_load64(p) | mask);
}

/* Set the run when it spans fewer than 8 bytes (first < last byte). */
static void pt_bm_set_short(u8 *p, u64 nbytes, unsigned int head,
			    unsigned int tail)
{
	u64 i;

	p[0] |= (u8)(0xffu << head);
	for (i = 1; i + 1 < nbytes; i++)
		p[i] = 0xff;
	p[nbytes - 1] |= (u8)(0xffu >> (7 - tail));
}

/**
 * pt_bitmap_set_bits() - set a run of bits in a little-endian byte bitmap
 * @data: start of the bitmap (any alignment)
 * @start_bit: index of the first bit to set (bit 0 = data[0] & 1)
 * @nbits: number of bits to set; 0 does nothing
 *
 * ORs ones into bits [@start_bit, @start_bit + @nbits).  Only the bytes
 * data[@start_bit / 8] ... data[(@start_bit + @nbits - 1) / 8] are read
 * or written, and bits outside the run are left as they were.  Runs of
 * 8 or more bytes are written with unaligned 64-bit accesses: a masked
 * word at each end and plain all-ones stores in between.  Not atomic.
 */
void pt_bitmap_set_bits(u8 *data, u64 start_bit, u64 nbits)
{
	u64 last_bit, first, nbytes, off;
	unsigned int head, tail;
	u8 *p;

	if (!nbits)
		return;
	if (pt_host_bug(PT_HOST_BUG_BITMAP_U64)) {
		/* the bug: the byte array taken for an array of u64 */
		for (off = start_bit; off < start_bit + nbits; off++)
			((u64 *)data)[off >> 6] |= 1ULL << (off & 63);
		return;
	}
	last_bit = start_bit + nbits - 1;
	first = start_bit >> 3;
	nbytes = (last_bit >> 3) - first + 1;
	head = start_bit & 7;
	tail = last_bit & 7;
	p = data + first;

	if (nbytes == 1) {
		/* head <= tail: bits head..tail of one byte */
		p[0] |= (u8)((0xffu << head) & (0xffu >> (7 - tail)));
		return;
	}
	if (nbytes < 8) {
		pt_bm_set_short(p, nbytes, head, tail);
		return;
	}
	if (nbytes == 8) {
		pt_bm_or64(p, (~0ULL << head) & (~0ULL >> (7 - tail)));
		return;
	}

	/*
	 * nbytes > 8: head word covers bytes [0, 8), tail word covers
	 * [nbytes - 8, nbytes); every byte strictly between byte 0 and byte
	 * nbytes - 1 is fully inside the run, so the middle words (which may
	 * overlap the tail word) are plain all-ones stores.
	 */
	pt_bm_or64(p, ~0ULL << head);
	if (nbytes - 9 >= PT_BITMAP_MEMSET_BYTES) {
		__builtin_memset(p + 8, 0xff, nbytes - 9);
	} else {
		for (off = 8; off + 8 < nbytes; off += 8) {
			pt_bm_store64(p + off, ~0ULL);
			/*
			 * Hide the induction variable so the compiler does
			 * not turn a few stores into a memset/rep stos with
			 * its start-up cost (a 2 MiB run has 6 of them).
			 */
			__asm__("" : "+r"(off));
		}
	}
	pt_bm_or64(p + nbytes - 8, ~0ULL >> (7 - tail));
}

/**
 * pt_bitmap_bytes() - bytes of bitmap needed to cover an IOVA length
 * @length: IOVA length in bytes
 * @page_size: bytes of IOVA per bit (power of two, 2 KiB ... 1 GiB)
 *
 * Return: DIV_ROUND_UP(DIV_ROUND_UP(@length, @page_size), 8), i.e. the
 * size of the smallest byte array pt_bitmap_init() accepts for @length;
 * 0 if @length is 0 or @page_size is not a valid granule.
 */
u64 pt_bitmap_bytes(u64 length, u64 page_size)
{
	unsigned int shift;
	u64 nbits;

	if (!length || !page_size || (page_size & (page_size - 1)))
		return 0;
	/*
	 * Shifts, never a division by a product of page_size: 8 * 2^63 is 0
	 * in a u64 (syzbot's divide error in upstream's iova_bitmap, which
	 * PT_HOST_BUG_PGSIZE_DIV puts back).
	 */
	if (pt_host_bug(PT_HOST_BUG_PGSIZE_DIV))
		return (length - 1) / (8 * page_size) + 1;
	shift = __ffs64(page_size);
	if (shift < PT_BITMAP_MIN_SHIFT || shift > PT_BITMAP_MAX_SHIFT)
		return 0;
	nbits = ((length - 1) >> shift) + 1;
	return ((nbits - 1) >> 3) + 1;
}

/**
 * pt_bitmap_pin_pages() - CPU pages that hold a user bitmap
 * @uaddr: address of the bitmap's first byte (any alignment)
 * @nbytes: its size in bytes (pt_bitmap_bytes()), below 2^62
 * @page_shift: the CPU page size's shift (PAGE_SHIFT in the module)
 *
 * The bitmap's offset in its first page counts: a bitmap one page long
 * that does not start a page lies in two.  Pinning fewer pages than this
 * lets the writer run off the end of the mapping (upstream's iova_bitmap
 * pinned nbytes / PAGE_SIZE pages until Feb 2024;
 * PT_HOST_BUG_PIN_WINDOW puts that back).
 *
 * Return: the number of pages, counted from the page holding @uaddr, that
 * hold bytes [@uaddr, @uaddr + @nbytes); 0 if @nbytes is 0.
 */
u64 pt_bitmap_pin_pages(u64 uaddr, u64 nbytes, unsigned int page_shift)
{
	u64 off = uaddr & ((1ULL << page_shift) - 1);

	if (!nbytes)
		return 0;
	if (pt_host_bug(PT_HOST_BUG_PIN_WINDOW))
		off = 0;
	return ((off + nbytes - 1) >> page_shift) + 1;
}

/**
 * pt_bitmap_init() - describe a caller-provided dirty bitmap
 * @bm: bitmap descriptor to fill in
 * @data: byte array of at least pt_bitmap_bytes(@length, @page_size)
 *	bytes, any alignment; the caller zeroes it (the writer only ORs)
 * @iova: IOVA covered by bit 0
 * @length: bytes of IOVA covered; the bitmap covers [@iova, @iova+@length)
 * @page_size: bytes of IOVA per bit: a power of two from 2 KiB to 1 GiB
 *
 * Bit i covers [@iova + i * @page_size, @iova + (i + 1) * @page_size).
 * @iova and @length need not be multiples of @page_size; the last bit
 * may cover IOVA past the end, which pt_bitmap_set_range() never writes.
 *
 * Return: 0, -EINVAL if @data is NULL or @page_size is not a power of two
 * in [2 KiB, 1 GiB], -ENODATA if @length is 0, -EOVERFLOW if
 * @iova + @length wraps past 2^64.  @bm is untouched on error.
 */
int pt_bitmap_init(struct pt_bitmap *bm, void *data, u64 iova, u64 length,
		   u64 page_size)
{
	unsigned int shift;

	if (!data || !page_size || (page_size & (page_size - 1)))
		return -EINVAL;
	shift = __ffs64(page_size);
	if ((shift < PT_BITMAP_MIN_SHIFT || shift > PT_BITMAP_MAX_SHIFT) &&
	    !pt_host_bug(PT_HOST_BUG_PGSIZE_DIV))
		return -EINVAL;
	if (!length)
		return -ENODATA;
	if (iova + (length - 1) < iova)
		return -EOVERFLOW;

	bm->data = data;
	bm->iova = iova;
	bm->length = length;
	bm->pgshift = shift;
	bm->nbits = ((length - 1) >> shift) + 1;
	return 0;
}

/**
 * pt_bitmap_set_range() - record a dirty IOVA run in a bitmap
 * @bm: bitmap set up by pt_bitmap_init()
 * @iova: start of the dirty run
 * @len: length of the dirty run in bytes
 *
 * Sets every bit whose granule intersects [@iova, @iova + @len): the run
 * is rounded out to the bitmap's granules (relative to @bm->iova).  A run
 * of n granules costs about n / 64 word stores.  Nothing is ever cleared.
 *
 * Return: 0 on success; -ENODATA if @len is 0; -EOVERFLOW if the run
 * wraps past 2^64; -ERANGE if the run is not entirely inside
 * [@bm->iova, @bm->iova + @bm->length).  On error nothing is written:
 * a run is recorded completely or not at all, never silently dropped.
 */
int pt_bitmap_set_range(struct pt_bitmap *bm, u64 iova, u64 len)
{
	u64 last, first_bit, last_bit;

	if (!len)
		return -ENODATA;
	last = iova + (len - 1);
	if (last < iova)
		return -EOVERFLOW;
	if (iova < bm->iova || last - bm->iova > bm->length - 1)
		return -ERANGE;

	first_bit = (iova - bm->iova) >> bm->pgshift;
	last_bit = (last - bm->iova) >> bm->pgshift;
	pt_bitmap_set_bits(bm->data, first_bit, last_bit - first_bit + 1);
	return 0;
}
