/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty-top - what the BPF side (iodirty-top.bpf.c) and the tool share.
 *
 * Counters live in hash maps keyed by a generation bit as well as by
 * HWPT: user space flips cur_gen each interval, waits until no program
 * still updates the old generation (inflight[old] == 0), then reads and
 * deletes the old generation's entries.  So an interval's counters are
 * exact: no increment falls between a read and its delete (biotop's
 * lookup-and-delete drain loses those).
 */
#ifndef __IODIRTY_TOP_H
#define __IODIRTY_TOP_H

#define TOP_MAX_SLOTS	27	/* log2 buckets of harvest latency in us */
#define TOP_MAX_HWPTS	1024	/* HWPT rows per generation */
#define TOP_MAX_RANGES	16384	/* IOVA buckets per generation (-R) */
#define TOP_MAX_THREADS	4096	/* threads inside a harvest at once */
#define TOP_RUN_BUCKETS	64	/* buckets one dirty run is split into */
#define TOP_COMM_LEN	16

/*
 * A row: iodirty's domain ID (ctx 0), or for the iommufd source the HWPT
 * ID together with the iommufd context (struct iommufd_ctx *, one per
 * open /dev/iommu) it belongs to: HWPT IDs are per context.
 */
struct top_key {
	__u64 hwpt;
	__u64 ctx;
	__u32 gen;
	__u32 __pad;
};

struct top_stats {
	__u64 harvests;		/* harvest_end events */
	__u64 errors;		/* ... with ret != 0 */
	__u64 scans;		/* ... of background scans (iova = length = 0) */
	__u64 dirty_bytes;	/* harvest_end dirty_bytes */
	__u64 dirty_pages;	/* dirty_bytes / the harvest's page_size */
	__u64 bitmap_bytes;	/* length / page_size / 8 of each GET */
	__u64 cleared;		/* leaves cleared */
	__u64 leaves;		/* leaves visited */
	__u64 runs;		/* dirty runs (iodirty_dirty_run) */
	__u64 run_bytes;
	__u64 inv;		/* iodirty_flush events */
	__u64 inv_domain;	/* ... of the whole domain */
	__u64 inv_bytes;	/* bytes of the range invalidations */
	__u64 lat_sum_ns;	/* harvest_begin .. harvest_end */
	__u64 walks;		/* iommufd: vendor read_and_clear_dirty calls */
	__u64 walk_bytes;	/* ... IOVA bytes they walked */
	__u64 track_on;		/* iommufd: SET_DIRTY_TRACKING enable (ok) */
	__u64 track_off;	/* ... disable */
	__u32 pid;		/* the last harvester (tgid) */
	char comm[TOP_COMM_LEN];
	__u32 hist[TOP_MAX_SLOTS];	/* latency, bucket i: [2^i, 2^(i+1)) us */
};

struct top_range_key {
	__u64 hwpt;
	__u64 ctx;
	__u64 bucket;		/* iova >> granule_shift */
	__u32 gen;
	__u32 __pad;
};

struct top_range_val {
	__u64 bytes;
	__u64 runs;
};

/* what harvest_begin leaves for the same thread's runs and end */
struct top_tstate {
	__u64 ts;
	__u64 hwpt;
	__u64 ctx;		/* iommufd source; 0 for iodirty */
	__u64 dirty_bytes;	/* iommufd: iova_bitmap_set bytes so far */
	__u64 iova, length, page_size;
	__u32 flags;
	__u32 tgid;
};

/* --record: one ring-buffer event per dirty run and per harvest end */
#define TOP_EV_DIRTY	1
#define TOP_EV_HARVEST	2

struct top_event {
	__u64 time_ns;		/* bpf_ktime_get_ns() */
	__u64 hwpt;
	__u64 iova;
	__u64 length;
	__u64 page_size;
	__u64 dirty_bytes;	/* TOP_EV_HARVEST */
	__u32 type;
	__s32 ret;		/* TOP_EV_HARVEST */
	__u32 gen;		/* generation it was counted in */
	__u32 __pad;
};

/*
 * iommufd source: how many vendor read_and_clear_dirty and iotlb_sync
 * functions can be attached at once (fentry programs whose target is set
 * at load time, tools/iodirty-top/top_source.c).
 */
#define TOP_NR_WALK	6
#define TOP_NR_SYNC	4

/* flags of IOMMU_HWPT_GET_DIRTY_BITMAP / SET_DIRTY_TRACKING (UAPI) */
#define TOP_GET_DIRTY_NO_CLEAR	(1U << 0)
#define TOP_TRACKING_ENABLE	(1U << 0)

#endif /* __IODIRTY_TOP_H */
