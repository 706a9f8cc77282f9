// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty page-table core: cutting one harvest into parts for several CPUs.
 *
 * A harvest of [iova, iova + len) into a bitmap of @page_size granules can
 * be walked as independent parts [cut[k], cut[k + 1]) by as many CPUs if
 *  - no two parts write the same bitmap byte: every cut lies on a 64-bit
 *    word of the bitmap (a multiple of 64 * page_size from the bitmap's
 *    start).  The bitmap writer never touches a byte outside the bytes of
 *    the run it sets, and a run is rounded out to page_size granules only,
 *    so a part's writes stay inside its own words (pt_bitmap.c);
 *  - no leaf straddles a cut: pt_read_and_clear_dirty() keeps a leaf that
 *    sticks out of its range dirty (it was reported only in part), so a
 *    leaf cut in two would never be cleared.  A cut is moved past any
 *    leaf it would cut, to the next word boundary that cuts none; if none
 *    is found close by (huge leaves not aligned to the bitmap's words),
 *    that cut is dropped and the neighbouring parts merge.
 * The parts' reports together are exactly the single walk's: each leaf
 * lies in one part and is reported and cleared there, over the same span.
 * Only the coalescing of runs differs (a run crossing a cut is reported
 * as two), which nothing depends on.
 *
 * The table structure must not change while the parts are walked (the
 * caller holds what it holds for one harvest: the IOAS rwsem for read).
 */
#include "pt_priv.h"

/* probes per cut before giving up on it (each probe skips one leaf) */
#define PT_SPLIT_PROBES	64

/**
 * pt_split_range() - cut a harvest range into parts that can be walked
 *	concurrently
 * @d: domain
 * @iova: start of the harvest range (the bitmap's first granule)
 * @len: length of the range
 * @page_size: bitmap granule (power of two)
 * @nparts: parts wanted, at most PT_SPLIT_MAX
 * @cuts: filled with the boundaries: part k is [@cuts[k], @cuts[k + 1])
 *
 * Context: the table structure is stable (see above).
 * Return: the number of parts, 1 .. @nparts; @cuts[0] = @iova and
 * @cuts[return value] = @iova + @len.
 */
unsigned int pt_split_range(const struct pt_domain *d, u64 iova, u64 len,
			    u64 page_size, unsigned int nparts, u64 *cuts)
{
	unsigned int ushift = __ffs64(page_size) + 6, k, n = 0, probe;
	u64 units = len >> ushift, end = iova + len;

	if (nparts > PT_SPLIT_MAX)
		nparts = PT_SPLIT_MAX;
	cuts[n++] = iova;
	for (k = 1; k < nparts && units; k++) {
		u64 p = iova + ((units * k / nparts) << ushift);
		struct pt_leafref r;

		for (probe = 0; probe < PT_SPLIT_PROBES; probe++) {
			if (p <= cuts[n - 1] || p >= end)
				break;
			if (pt_find_leaf(d, p, &r) || r.iova == p) {
				cuts[n++] = p;
				break;
			}
			/* the first word boundary at or after the leaf's end */
			p = r.iova + r.size;
			if (p < r.iova || p >= end)
				break;
			p = iova + ALIGN(p - iova, 1ULL << ushift);
		}
	}
	cuts[n] = end;
	return n;
}
