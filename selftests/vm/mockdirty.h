/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The dirty pattern of iommufd-mockdirty (selftests/vm/iommufd_mockdirty.c),
 * shared with the test that checks iodirty-top against it
 * (prog_tests/tracer_stock.c), so both know which pages harvest k dirties.
 *
 * Harvest k (0-based) of a run with P pages per harvest and stride S over
 * an IOAS mapping of N pages (PAGE 4 KiB each) at MD_IOVA dirties pages
 * md_page(k, j) for j = 0 .. P-1: distinct within the harvest (S * P <= N
 * is checked by the driver), shifted by k so the harvests differ.
 */
#ifndef __IODIRTY_MOCKDIRTY_H
#define __IODIRTY_MOCKDIRTY_H

#define MD_PAGE		4096UL
#define MD_IOVA		(1UL << 24)	/* MOCK_APERTURE_START */

static inline unsigned long md_page(unsigned int k, unsigned int j, unsigned int stride)
{
	return (unsigned long)j * stride + k % stride;
}

#endif /* __IODIRTY_MOCKDIRTY_H */
