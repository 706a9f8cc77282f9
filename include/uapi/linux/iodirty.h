/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iodirty extension UAPI on /dev/iodirty.
 *
 * The iommufd-compatible commands use IOMMUFD_TYPE (';') numbers
 * 0x80..0xa0 exactly as Linux 6.12.  iodirty's own commands live in their
 * own range starting at IODIRTY_CMD_BASE and follow the same rules as
 * iommufd:
 *  - every command is _IO(';', nr); the argument starts with __u32 size;
 *  - size below the last mandatory field -> EINVAL;
 *  - a longer struct whose unknown tail is not zero -> E2BIG;
 *  - unknown flags, non-zero __reserved fields -> EOPNOTSUPP.
 */
#ifndef _UAPI_LINUX_IODIRTY_H
#define _UAPI_LINUX_IODIRTY_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define IODIRTY_TYPE		';'
#define IODIRTY_CMD_BASE	0xc0

/**
 * enum iodirty_flush_verdict - answers of iodirty_ops.flush
 * @IODIRTY_FLUSH_DEFER: leave the cleared ranges pending for now
 * @IODIRTY_FLUSH_RANGES: invalidate exactly the pending ranges
 * @IODIRTY_FLUSH_DOMAIN: invalidate the whole domain
 * @IODIRTY_FLUSH__MAX: first invalid value
 *
 * Whatever the answer, the kernel invalidates everything cleared before a
 * harvest returns: DEFER only lets ranges accumulate within one harvest.
 */
enum iodirty_flush_verdict {
	IODIRTY_FLUSH_DEFER = 0,
	IODIRTY_FLUSH_RANGES = 1,
	IODIRTY_FLUSH_DOMAIN = 2,
	IODIRTY_FLUSH__MAX,
};

/**
 * enum iodirty_exit_kind - why a policy stopped (struct iodirty_exit_info)
 * @IODIRTY_EXIT_NONE: still running (or never attached)
 * @IODIRTY_EXIT_UNREG: detached by userspace (link closed or detached)
 * @IODIRTY_EXIT_REPLACED: replaced atomically by another policy
 * @IODIRTY_EXIT_ADMIN: BPF policies disabled by the administrator
 *	(/sys/module/iodirty/parameters/bpf_policies)
 * @IODIRTY_EXIT_ERROR: ejected by the kernel; the reason says why
 * @IODIRTY_EXIT_ERROR_BPF: the policy called bpf_iodirty_error()
 */
enum iodirty_exit_kind {
	IODIRTY_EXIT_NONE = 0,
	IODIRTY_EXIT_UNREG = 64,
	IODIRTY_EXIT_REPLACED = 65,
	IODIRTY_EXIT_ADMIN = 66,
	IODIRTY_EXIT_ERROR = 1024,
	IODIRTY_EXIT_ERROR_BPF = 1025,
};

/**
 * enum iodirty_exit_reason - detail of an exit
 * @IODIRTY_EXIT_REASON_NONE: plain detach
 * @IODIRTY_EXIT_REASON_BPF_ERROR: bpf_iodirty_error() (code in exit info)
 * @IODIRTY_EXIT_REASON_BAD_RETURN: a member returned an invalid value
 * @IODIRTY_EXIT_REASON_TIMEOUT: a member overran timeout_ms
 * @IODIRTY_EXIT_REASON_BAD_KFUNC_USE: a kfunc was called outside the
 *	member it belongs to, or with bad arguments
 * @IODIRTY_EXIT_REASON_DISABLED: bpf_policies set to 0
 * @IODIRTY_EXIT_REASON_REPLACED: bpf_link__update_map() replaced it
 */
enum iodirty_exit_reason {
	IODIRTY_EXIT_REASON_NONE = 0,
	IODIRTY_EXIT_REASON_BPF_ERROR = 1,
	IODIRTY_EXIT_REASON_BAD_RETURN = 2,
	IODIRTY_EXIT_REASON_TIMEOUT = 3,
	IODIRTY_EXIT_REASON_BAD_KFUNC_USE = 4,
	IODIRTY_EXIT_REASON_DISABLED = 5,
	IODIRTY_EXIT_REASON_REPLACED = 6,
};

/**
 * enum iodirty_sample_verdict - answers of iodirty_ops.sample
 * @IODIRTY_SAMPLE_SKIP: leave the region (and its dirty bits) for later
 * @IODIRTY_SAMPLE_WALK: walk the region in this scan
 */
enum iodirty_sample_verdict {
	IODIRTY_SAMPLE_SKIP = 0,
	IODIRTY_SAMPLE_WALK = 1,
};

/* Module-wide counters, readable through the bpf_iodirty_stat() kfunc. */
enum iodirty_stat {
	IODIRTY_STAT_POLICY_CALLS = 0,	/* member calls answered by BPF */
	IODIRTY_STAT_DEFAULT_CALLS = 1,	/* decisions made by the default */
	IODIRTY_STAT_ATTACHES = 2,
	IODIRTY_STAT_DETACHES = 3,
	IODIRTY_STAT_EJECTIONS = 4,
	IODIRTY_STAT_REPLACEMENTS = 5,
	IODIRTY_STAT_HARVESTS = 6,	/* GET_DIRTY_BITMAP + HARVEST */
	IODIRTY_STAT_SCANS = 7,		/* background scans */
	IODIRTY_STAT_FLUSHES = 8,	/* IOTLB invalidations by harvests */
	IODIRTY_STAT_FLOOR_FLUSHES = 9,	/* ... added by the safety floor */
	IODIRTY_STAT_EXPORTED_RUNS = 10,
	IODIRTY_STAT_SAMPLE_SKIPS = 11,
	IODIRTY_STAT_FORCED_WALKS = 12,	/* regions walked despite sampling */
	IODIRTY_STAT_DEMOTES = 13,	/* 2 MiB leaves demoted (bpf_iodirty_demote) */
	IODIRTY_STAT__MAX,
};

/*
 * IOMMU_GET_HW_INFO data types of the emulated ARM SMMUv3 and AMD IOMMUs.
 * Linux 6.12 has no types for them; these are the values later kernels
 * use (IOMMU_HW_INFO_TYPE_ARM_SMMUV3, IOMMU_HW_INFO_TYPE_AMD).
 */
#define IODIRTY_HW_INFO_TYPE_ARM_SMMUV3	2
#define IODIRTY_HW_INFO_TYPE_AMD	4

enum {
	IODIRTY_CMD_POLICY_PROBE = IODIRTY_CMD_BASE,
	IODIRTY_CMD_DEVICE_CREATE = 0xc1,
	IODIRTY_CMD_DEVICE_ATTACH = 0xc2,
	IODIRTY_CMD_DMA = 0xc3,
	IODIRTY_CMD_IOTLB = 0xc4,
	IODIRTY_CMD_WORKLOAD = 0xc5,
	IODIRTY_CMD_ORACLE = 0xc6,
	IODIRTY_CMD_PHANTOM_MAP = 0xc7,
	IODIRTY_CMD_HARVEST = 0xc8,
	IODIRTY_CMD_STATUS = 0xc9,
	IODIRTY_CMD_SCAN = 0xca,
};

/**
 * enum iodirty_model - the IOMMU an emulated device sits behind; it decides
 * the page-table format of the domains the device attaches to
 * @IODIRTY_MODEL_MOCK: iommufd selftest mock (2 KiB pages, 1 MiB huge)
 * @IODIRTY_MODEL_AMD: AMD IOMMU v1 page table (HD bit 6)
 * @IODIRTY_MODEL_VTD: Intel VT-d second stage (D bit 9)
 * @IODIRTY_MODEL_ARM: ARM SMMUv3 stage 1 LPAE with HTTU (DBM + AP[2])
 */
enum iodirty_model {
	IODIRTY_MODEL_MOCK = 0,
	IODIRTY_MODEL_AMD = 1,
	IODIRTY_MODEL_VTD = 2,
	IODIRTY_MODEL_ARM = 3,
	IODIRTY_MODEL__MAX,
};

/* struct iodirty_device_create flags */
#define IODIRTY_DEVICE_DIRTY_TRACKING	(1u << 0) /* IOMMU can track dirty */

/**
 * struct iodirty_device_create - IODIRTY_DEVICE_CREATE
 * @size: sizeof(struct iodirty_device_create)
 * @flags: IODIRTY_DEVICE_*
 * @model: enum iodirty_model
 * @__reserved: must be 0
 * @pgsize_bitmap: leaf sizes the IOMMU supports; 0 = the model's default
 *	(4 KiB | 2 MiB | 1 GiB; mock 2 KiB).  Must include the granule and
 *	only sizes the format can encode (EINVAL otherwise).
 * @out_dev_id: the device object, usable wherever iommufd takes a dev_id
 *	(HWPT_ALLOC, GET_HW_INFO) and with the DMA commands below
 * @__reserved2: must be 0
 *
 * The device starts detached; DESTROY frees it (EBUSY while attached).
 */
struct iodirty_device_create {
	__u32 size;
	__u32 flags;
	__u32 model;
	__u32 __reserved;
	__aligned_u64 pgsize_bitmap;
	__u32 out_dev_id;
	__u32 __reserved2;
};
#define IODIRTY_DEVICE_CREATE	_IO(IODIRTY_TYPE, IODIRTY_CMD_DEVICE_CREATE)

/**
 * struct iodirty_device_attach - IODIRTY_DEVICE_ATTACH
 * @size: sizeof(struct iodirty_device_attach)
 * @flags: must be 0
 * @dev_id: an emulated device
 * @pt_id: an IOAS (an automatic domain is reused or created), a HWPT, or
 *	0 to detach
 * @out_hwpt_id: the HWPT the device is attached to (0 after detach)
 *
 * EINVAL when the HWPT tracks dirty pages and the device's IOMMU cannot;
 * EBUSY to attach an attached device or detach one with a running workload.
 */
struct iodirty_device_attach {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
};
#define IODIRTY_DEVICE_ATTACH	_IO(IODIRTY_TYPE, IODIRTY_CMD_DEVICE_ATTACH)

/* struct iodirty_dma flags */
#define IODIRTY_DMA_WRITE	(1u << 0) /* device writes memory (else reads) */

/**
 * struct iodirty_dma - IODIRTY_DMA: the device accesses memory by IOVA
 * @size: sizeof(struct iodirty_dma)
 * @flags: IODIRTY_DMA_*
 * @dev_id: an attached emulated device
 * @__reserved: must be 0
 * @iova: first byte
 * @length: bytes, 1 .. 16 MiB
 * @user_buf: data to write / buffer to read into; 0 writes a byte pattern
 *	(the low byte of each IOVA) or discards what is read
 * @out_iotlb_hits: translations served from the device's IOTLB
 * @out_iotlb_misses: translations that walked the page table
 *
 * Each page-sized piece is translated as the IOMMU would: IOTLB lookup,
 * else a page walk with permission check that sets the accessed bit and,
 * for a write with dirty tracking on, the dirty bit (atomically, as
 * hardware does).  A write through an IOTLB entry already cached as
 * dirty does not touch the PTE.  Every byte written is recorded by the
 * oracle.  Faults stop the transfer: ENOENT (not mapped), EACCES
 * (permission); what was transferred before the fault stays.
 */
struct iodirty_dma {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 user_buf;
	__aligned_u64 out_iotlb_hits;
	__aligned_u64 out_iotlb_misses;
};
#define IODIRTY_DMA		_IO(IODIRTY_TYPE, IODIRTY_CMD_DMA)

/* struct iodirty_iotlb flags */
#define IODIRTY_IOTLB_INVALIDATE	(1u << 0) /* drop [iova, iova+length) */
#define IODIRTY_IOTLB_INVALIDATE_ALL	(1u << 1) /* drop everything */

/**
 * struct iodirty_iotlb - IODIRTY_IOTLB: invalidate and/or read counters
 * @size: sizeof(struct iodirty_iotlb)
 * @flags: IODIRTY_IOTLB_*; 0 only reads the counters
 * @dev_id: an emulated device
 * @__reserved: must be 0
 * @iova: range start (IODIRTY_IOTLB_INVALIDATE)
 * @length: range length (IODIRTY_IOTLB_INVALIDATE)
 * @out_entries: valid entries now cached
 * @out_hits: lookups that hit since the device was created
 * @out_misses: lookups that missed (page walks)
 * @out_inv_range: range invalidations received
 * @out_inv_all: whole-domain invalidations received
 * @out_inv_dropped: entries dropped by invalidations
 * @out_inv_cost_ns: modelled cost of all invalidations (see README)
 */
struct iodirty_iotlb {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 out_entries;
	__aligned_u64 out_hits;
	__aligned_u64 out_misses;
	__aligned_u64 out_inv_range;
	__aligned_u64 out_inv_all;
	__aligned_u64 out_inv_dropped;
	__aligned_u64 out_inv_cost_ns;
};
#define IODIRTY_IOTLB		_IO(IODIRTY_TYPE, IODIRTY_CMD_IOTLB)

enum iodirty_workload_pattern {
	IODIRTY_WL_SEQUENTIAL = 0,	/* page after page, wrapping */
	IODIRTY_WL_RANDOM = 1,		/* uniform over the range */
	IODIRTY_WL_ZIPF = 2,		/* hot/cold: hot_pct of writes to
					 * the first 1/8 of the pages */
	IODIRTY_WL_NIC_RING = 3,	/* descriptor ring (first 1/16 of
					 * the range) round robin, each
					 * followed by a payload write to a
					 * random buffer page */
	IODIRTY_WL__MAX,
};

/* struct iodirty_workload op */
#define IODIRTY_WORKLOAD_START	1
#define IODIRTY_WORKLOAD_STOP	2
#define IODIRTY_WORKLOAD_STATUS	3

/**
 * struct iodirty_workload - IODIRTY_WORKLOAD: a device's DMA kernel thread
 * @size: sizeof(struct iodirty_workload)
 * @op: IODIRTY_WORKLOAD_*
 * @dev_id: an attached emulated device
 * @pattern: enum iodirty_workload_pattern (START)
 * @iova: range the device writes (START)
 * @length: range length (START); a multiple of 4 KiB
 * @rate: writes per second, 0 = as fast as possible (START)
 * @seed: PRNG seed; the same seed gives the same IOVA sequence (START)
 * @write_bytes: bytes per write, 1 .. 4096 (START; 0 = 64)
 * @hot_pct: IODIRTY_WL_ZIPF share of writes to the hot set (0 = 90)
 * @__reserved: must be 0
 * @out_writes: writes done so far (STATUS, STOP)
 * @out_faults: writes that faulted (unmapped or read-only)
 * @out_running: 1 while the thread runs
 *
 * START fails with EBUSY if a workload runs; STOP waits for the thread.
 * The device cannot be detached or destroyed while its workload runs.
 */
struct iodirty_workload {
	__u32 size;
	__u32 op;
	__u32 dev_id;
	__u32 pattern;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 rate;
	__aligned_u64 seed;
	__u32 write_bytes;
	__u32 hot_pct;
	__aligned_u64 __reserved;
	__aligned_u64 out_writes;
	__aligned_u64 out_faults;
	__u32 out_running;
	__u32 __reserved2;
};
#define IODIRTY_WORKLOAD	_IO(IODIRTY_TYPE, IODIRTY_CMD_WORKLOAD)

/* struct iodirty_oracle op */
#define IODIRTY_ORACLE_RESET	1	/* forget every recorded write */
#define IODIRTY_ORACLE_CHECK	2	/* compare a harvested bitmap */
#define IODIRTY_ORACLE_ROUND	3	/* judge one consumer's harvest round */

/* consumers the oracle judges separately (struct iodirty_oracle @consumer) */
#define IODIRTY_ORACLE_CONSUMERS	4
/* the largest struct iodirty_oracle @max_late */
#define IODIRTY_ORACLE_MAX_LATE		255

/* struct iodirty_oracle @round_flags */
#define IODIRTY_ORACLE_ROUND_FINAL	(1u << 0) /* DMA quiesced: nothing may be late */

/**
 * struct iodirty_oracle - IODIRTY_ORACLE: ground truth of DMA writes
 * @size: sizeof(struct iodirty_oracle)
 * @op: IODIRTY_ORACLE_*
 * @hwpt_id: the domain whose writes are recorded
 * @__reserved: must be 0
 * @iova: CHECK, ROUND: range start (aligned to @page_size)
 * @length: CHECK, ROUND: range length (multiple of @page_size)
 * @page_size: CHECK, ROUND: the bitmap's granule, a power of two,
 *	2 KiB .. 1 GiB
 * @data: CHECK: the OR of every harvest since the last RESET; ROUND: what
 *	one consumer's latest harvest of the range reported (GET_DIRTY_BITMAP
 *	layout)
 * @out_written: CHECK: pages (of @page_size) written since RESET; ROUND:
 *	pages this round owed: written since the consumer's previous round of
 *	that page, or late from an earlier round
 * @out_missed: CHECK: written but not set in @data; ROUND: owed pages that
 *	are now beyond their grace (see below)
 * @out_spurious: set in @data but not written / not owed (expected for huge
 *	leaves, which are reported whole)
 * @consumer: ROUND: which consumer, 0 .. IODIRTY_ORACLE_CONSUMERS - 1 (a
 *	GET loop, a ring-buffer reader, ...); each has its own rounds
 * @round_flags: ROUND: IODIRTY_ORACLE_ROUND_*
 * @max_late: ROUND: how many rounds an owed page may be late (0 means 1:
 *	a write racing with a harvest lands in this round or the next), up to
 *	IODIRTY_ORACLE_MAX_LATE; a consumer of sampled scans passes the
 *	scanner's max_skip + 1 (plus the rounds it may lag behind the scanner:
 *	a round is cut when ROUND is called, not when the scan ran)
 * @__reserved2: must be 0
 * @out_late: ROUND: owed pages not in this round that may still come
 * @out_rounds: ROUND: rounds judged for this consumer since RESET (0 for
 *	CHECK)
 *
 * RESET, CHECK: @consumer, @round_flags and @max_late must be 0.  The
 * bitmap may hold at most 256 M pages (32 MiB).  RESET needs DMA quiesced
 * (a write racing with it may or may not be forgotten); UNMAP forgets the
 * unmapped range.
 *
 * Every DMA write through a domain marks its granules in the domain's
 * shadow bitmaps, independently of the page table, IOTLB and policy:
 * one since RESET (CHECK) and one per consumer since that consumer's last
 * ROUND.  ROUND takes the consumer's written granules in the range
 * atomically; each must be in @data now, or (not FINAL) becomes late and
 * must be in one of the next @max_late rounds, else it is missed.  So a
 * page reported once, rewritten and then never reported again is a miss,
 * which CHECK (the OR of all harvests) cannot see.
 */
struct iodirty_oracle {
	__u32 size;
	__u32 op;
	__u32 hwpt_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
	__aligned_u64 out_written;
	__aligned_u64 out_missed;
	__aligned_u64 out_spurious;
	__u32 consumer;
	__u32 round_flags;
	__u32 max_late;
	__u32 __reserved2;
	__aligned_u64 out_late;
	__aligned_u64 out_rounds;
};
#define IODIRTY_ORACLE		_IO(IODIRTY_TYPE, IODIRTY_CMD_ORACLE)

/**
 * struct iodirty_phantom_map - IODIRTY_PHANTOM_MAP
 * @size: sizeof(struct iodirty_phantom_map)
 * @flags: must be 0
 * @ioas_id: the IOAS
 * @__reserved: must be 0
 * @iova: first IOVA (aligned to @pgsize)
 * @length: bytes (multiple of @pgsize), up to 2^47
 * @pgsize: leaf size every domain of the IOAS must use; it must be in
 *	each domain's page sizes
 *
 * Maps a large IOVA range whose leaves all point at one kernel page: no
 * user memory, no RLIMIT_MEMLOCK charge, so tests can harvest TB-scale
 * address spaces inside a small VM.  DMA to it works (all writes land in
 * the same page); IOAS_UNMAP removes it like any area.
 */
struct iodirty_phantom_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 pgsize;
};
#define IODIRTY_PHANTOM_MAP	_IO(IODIRTY_TYPE, IODIRTY_CMD_PHANTOM_MAP)

/* struct iodirty_harvest flags */
#define IODIRTY_HARVEST_NO_CLEAR	(1u << 0) /* as GET_DIRTY_BITMAP */
/*
 * Test only, and unsafe by design (a lab instrument: EPERM without
 * CAP_SYS_ADMIN and the module's lab=1): clear the dirty bits but skip the
 * IOTLB invalidation, to demonstrate (with the oracle) that writes through
 * cached dirty translations are then lost.  The domain is marked, and the
 * next safe harvest or scan invalidates the whole domain before it walks,
 * so the damage ends there.
 */
#define IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE (1u << 1)

/**
 * struct iodirty_harvest - IODIRTY_HARVEST: GET_DIRTY_BITMAP plus counters
 * @size: sizeof(struct iodirty_harvest)
 * @hwpt_id: as GET_DIRTY_BITMAP
 * @flags: IODIRTY_HARVEST_*
 * @__reserved: must be 0
 * @iova: as GET_DIRTY_BITMAP
 * @length: as GET_DIRTY_BITMAP
 * @page_size: as GET_DIRTY_BITMAP
 * @data: as GET_DIRTY_BITMAP; 0 = do not write a bitmap (counters only:
 *	what it clears goes to the scan carry, so the next GET_DIRTY_BITMAP
 *	still reports it)
 * @out_leaves: leaf PTEs visited
 * @out_dirty_leaves: leaves found dirty
 * @out_dirty_bytes: bytes reported dirty
 * @out_runs: coalesced dirty runs
 * @out_cleared: leaves whose dirty state was cleared
 * @out_flushes: IOTLB invalidations issued by this harvest
 * @out_walk_ns: time spent walking the page table
 * @out_domain_id: the domain's global ID, the hwpt_id BPF contexts and
 *	tracepoints carry
 *
 * Same checks and errors as IOMMU_HWPT_GET_DIRTY_BITMAP, plus -EPERM for
 * SKIP_FLUSH_UNSAFE without the lab.  Invalidations
 * follow the attached policy's flush decisions (the floor included);
 * SKIP_FLUSH_UNSAFE bypasses all of them.
 */
struct iodirty_harvest {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
	__aligned_u64 out_leaves;
	__aligned_u64 out_dirty_leaves;
	__aligned_u64 out_dirty_bytes;
	__aligned_u64 out_runs;
	__aligned_u64 out_cleared;
	__aligned_u64 out_flushes;
	__aligned_u64 out_walk_ns;
	__aligned_u64 out_domain_id;
};
#define IODIRTY_HARVEST		_IO(IODIRTY_TYPE, IODIRTY_CMD_HARVEST)

/**
 * enum iodirty_probe_op - which policy member IODIRTY_POLICY_PROBE calls
 * @IODIRTY_PROBE_FLUSH: the flush decision, with synthetic pending state
 */
enum iodirty_probe_op {
	IODIRTY_PROBE_FLUSH = 1,
};

/**
 * struct iodirty_policy_probe - IODIRTY_POLICY_PROBE
 * @size: sizeof(struct iodirty_policy_probe)
 * @flags: must be 0
 * @op: enum iodirty_probe_op
 * @__reserved: must be 0
 * @pending_pages: synthetic input: pages cleared and awaiting invalidation
 * @pending_ranges: synthetic input: number of cleared ranges
 * @pending_start: synthetic input: lowest cleared IOVA
 * @pending_end: synthetic input: end of the highest cleared range
 * @out_verdict: the decision (enum iodirty_flush_verdict)
 * @out_policy: 0 when the built-in default answered, 1 for a BPF policy
 * @out_calls: policy calls made by the module since load, this one
 *	included (what bpf_iodirty_stat(IODIRTY_STAT_POLICY_CALLS) reads)
 * @out_name: name of the policy that answered, NUL-terminated
 *
 * Calls a member of the attached iodirty_ops policy, or the built-in
 * default when none is attached, the way a harvest would.  Used by the
 * smoke test and by policy authors to check a policy in isolation.
 */
struct iodirty_policy_probe {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 __reserved;
	__aligned_u64 pending_pages;
	__aligned_u64 pending_ranges;
	__aligned_u64 pending_start;
	__aligned_u64 pending_end;
	__u32 out_verdict;
	__u32 out_policy;
	__aligned_u64 out_calls;
	char out_name[32];
};
#define IODIRTY_POLICY_PROBE	_IO(IODIRTY_TYPE, IODIRTY_CMD_POLICY_PROBE)

/**
 * struct iodirty_status - IODIRTY_STATUS: the policy layer's state
 * @size: sizeof(struct iodirty_status)
 * @flags: must be 0
 * @out_bpf_enabled: /sys/module/iodirty/parameters/bpf_policies
 * @out_attached: 1 while a BPF policy is attached and not ejected
 * @out_name: the attached (or last) policy's name
 * @out_stats: module counters, indexed by enum iodirty_stat
 * @out_exit_kind: last exit: enum iodirty_exit_kind (0 while running)
 * @out_exit_reason: last exit: enum iodirty_exit_reason
 * @out_exit_code: last exit: code passed to bpf_iodirty_error()
 * @out_exit_msg: last exit: message
 */
struct iodirty_status {
	__u32 size;
	__u32 flags;
	__u32 out_bpf_enabled;
	__u32 out_attached;
	char out_name[32];
	__aligned_u64 out_stats[16];
	__u32 out_exit_kind;
	__u32 out_exit_reason;
	__s64 out_exit_code;
	char out_exit_msg[128];
};
#define IODIRTY_STATUS		_IO(IODIRTY_TYPE, IODIRTY_CMD_STATUS)

/* struct iodirty_scan op */
#define IODIRTY_SCAN_START	1	/* scan every period_ms in a worker */
#define IODIRTY_SCAN_STOP	2	/* stop the worker (waits for a scan) */
#define IODIRTY_SCAN_RUN	3	/* one scan now, in the caller */
#define IODIRTY_SCAN_STATUS	4

/* struct iodirty_scan flags */
#define IODIRTY_SCAN_FULL	(1u << 0) /* RUN: walk every region, no
					   * sampling (a final sync) */

/**
 * struct iodirty_scan - IODIRTY_SCAN: the background scanner of a HWPT
 * @size: sizeof(struct iodirty_scan)
 * @op: IODIRTY_SCAN_*
 * @hwpt_id: a HWPT with dirty tracking enabled
 * @flags: IODIRTY_SCAN_*
 * @period_ms: START: scan period, 1 .. 60000
 * @region_size: START/RUN: bytes per sampling region, a power of two
 *	>= 64 KiB (0 = 2 MiB); set at the first START/RUN, fixed afterwards
 * @max_skip: START/RUN: sampling floor, 1 .. 1024 (0 = 8)
 * @__reserved: must be 0
 * @out_scans: scans done
 * @out_regions_walked: regions walked
 * @out_regions_skipped: regions skipped by the sample policy
 * @out_forced_walks: regions walked because they reached max_skip
 * @out_leaves: leaf PTEs visited by all scans
 * @out_dirty_pages: dirty granules found
 * @out_runs: dirty runs exported
 * @out_running: 1 while the periodic worker runs
 * @out_domain_id: the domain's global ID (hwpt_id in BPF contexts)
 *
 * Each scan walks the mapped IOVA region by region, asks iodirty_ops.sample
 * whether to walk each (all regions without a policy, or with FULL), clears
 * and exports what it finds through iodirty_ops.export, and invalidates
 * the IOTLB as iodirty_ops.flush decides (floor included).
 */
struct iodirty_scan {
	__u32 size;
	__u32 op;
	__u32 hwpt_id;
	__u32 flags;
	__u32 period_ms;
	__u32 max_skip;
	__aligned_u64 region_size;
	__aligned_u64 __reserved;
	__aligned_u64 out_scans;
	__aligned_u64 out_regions_walked;
	__aligned_u64 out_regions_skipped;
	__aligned_u64 out_forced_walks;
	__aligned_u64 out_leaves;
	__aligned_u64 out_dirty_pages;
	__aligned_u64 out_runs;
	__u32 out_running;
	__u32 out_domain_id;
};
#define IODIRTY_SCAN		_IO(IODIRTY_TYPE, IODIRTY_CMD_SCAN)

#endif /* _UAPI_LINUX_IODIRTY_H */
