/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty-replay: defaults and limits.
 *
 * Remap rule (documented in README, re-derived independently by the VM
 * test): a recorded run [iova, iova + length) of any HWPT is replayed at
 * replay_iova + (iova mod buffer) on that HWPT's emulated device, split
 * where it passes the buffer's end (the rest continues at replay_iova);
 * a run longer than the buffer is cut to the buffer size (counted as
 * "clamped").  The buffer size is a multiple of 2 MiB, so offsets within
 * 4 KiB and 2 MiB pages are preserved.
 */
#ifndef __IODIRTY_REPLAY_H
#define __IODIRTY_REPLAY_H

#define RP_DEF_MIB		32		/* buffer per replay (all HWPTs share it) */
#define RP_MAX_MIB		1024
#define RP_DEF_IOVA		(1ULL << 24)	/* inside every model's aperture */
#define RP_DEF_PERIOD_MS	100
#define RP_PAGE			4096ULL		/* harvest granule */
#define RP_DMA_MAX		(16ULL << 20)	/* IODIRTY_DMA's length limit */
#define RP_MAX_HWPTS		64		/* emulated devices per replay */

#endif /* __IODIRTY_REPLAY_H */
