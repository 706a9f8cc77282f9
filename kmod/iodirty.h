/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty internal header: shared by the module's object files.
 */
#ifndef _IODIRTY_INTERNAL_H
#define _IODIRTY_INTERNAL_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
/*
 * The project's own UAPI headers, never the kernel's: a kernel whose
 * include/uapi/linux/iommufd.h differs (vanilla 6.9-6.13) must not change
 * the ABI.  Kbuild searches -iquote $(IODIRTY_ROOT)/include/uapi for
 * quoted includes before the kernel's -I paths.
 */
#include "linux/iommufd.h"
#include "linux/iodirty.h"
#include "linux/iodirty_test.h"

#include "pt.h"
#include "compat.h"

#include "policy.h"

extern atomic64_t iodirty_stats[IODIRTY_STAT__MAX];

static inline void iodirty_stat_inc(enum iodirty_stat s)
{
	atomic64_inc(&iodirty_stats[s]);
}

/* ---- object model (object.c) ------------------------------------------ */

enum iodirty_obj_type {
	IODIRTY_OBJ_NONE,
	IODIRTY_OBJ_ANY,	/* lookup wildcard */
	IODIRTY_OBJ_IOAS,
	IODIRTY_OBJ_HWPT,
	IODIRTY_OBJ_DEVICE,
	IODIRTY_OBJ_SELFTEST,
	IODIRTY_OBJ_NR,
};

/*
 * Live objects of each type and pages pinned, over all contexts: read by
 * debugfs "state" so fail-nth tests can check a failed call left nothing.
 */
extern atomic_long_t iodirty_nr_objects[IODIRTY_OBJ_NR];
extern atomic_long_t iodirty_nr_pinned;
void iodirty_fault_debugfs_init(struct dentry *dir);

/**
 * struct iodirty_object - header of every object in a context
 * @type: enum iodirty_obj_type
 * @id: the ID userspace sees (from 1)
 * @users: references besides the context's own; DESTROY fails with EBUSY
 *	while any are held (attached devices, running DMA workers)
 */
struct iodirty_object {
	enum iodirty_obj_type type;
	u32 id;
	refcount_t users;
	struct rcu_head rcu;	/* HWPTs are read by kfuncs under RCU */
};

/**
 * struct iodirty_ctx - everything one open of /dev/iodirty owns
 * @lock: serialises every command on this file (outermost lock)
 * @objects: ID -> struct iodirty_object, IDs allocated from 1
 *
 * Pinned pages are charged to the caller of each IOAS_MAP, not to the
 * file's opener (struct iodirty_area @user, @mm).
 */
struct iodirty_ctx {
	struct mutex lock;
	struct xarray objects;
};

struct iodirty_ucmd {
	struct iodirty_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

void *iodirty_obj_alloc(struct iodirty_ctx *ictx, size_t size,
			enum iodirty_obj_type type);
void iodirty_obj_finalize(struct iodirty_ctx *ictx, struct iodirty_object *obj);
void iodirty_obj_abort(struct iodirty_ctx *ictx, struct iodirty_object *obj);
struct iodirty_object *iodirty_obj_get(struct iodirty_ctx *ictx, u32 id,
				       enum iodirty_obj_type type);
void iodirty_obj_destroy(struct iodirty_ctx *ictx, struct iodirty_object *obj);
int iodirty_destroy_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_ctx_init(struct iodirty_ctx *ictx);
void iodirty_ctx_release(struct iodirty_ctx *ictx);

/* ---- IOAS (ioas.c) ---------------------------------------------------- */

/**
 * struct iodirty_area - one IOAS_MAP: user pages pinned at an IOVA range
 * @node: in iodirty_ioas.areas, sorted by @iova
 * @iova: first IOVA
 * @length: bytes
 * @prot: PT_PROT_*
 * @pinned: backed by pinned user pages (false for a phantom area)
 * @pages: the pinned pages, in chunks of IODIRTY_AREA_CHUNK page pointers
 *	(chunk index -> struct page *[]): filled batch by batch while
 *	pinning, so nothing proportional to the length is allocated up front
 * @npages: pages in the area (charged to RLIMIT_MEMLOCK)
 * @npinned: pages pinned so far (== @npages once mapped)
 * @user: whose locked_vm the pages are charged to (the MAP caller's)
 * @mm: whose pinned_vm they are added to (the MAP caller's, which the
 *	pages come from)
 * @offset: byte offset of @iova's data within the first page
 * @phantom_pa: for a phantom area, the address every leaf maps: the
 *	@phantom_pgsize-aligned region holding @phantom_page
 * @phantom_pgsize: leaf size of a phantom area
 * @phantom_page: the only page a phantom area's DMA ever touches
 */
struct iodirty_area {
	struct list_head node;
	u64 iova;
	u64 length;
	u32 prot;
	bool pinned;
	struct xarray pages;
	unsigned long npages;
	unsigned long npinned;
	struct user_struct *user;
	struct mm_struct *mm;
	unsigned long offset;
	u64 phantom_pa;
	u64 phantom_pgsize;
	struct page *phantom_page;
};

/**
 * struct iodirty_ioas - an I/O address space
 * @obj: object header
 * @rwsem: protects @areas and the structure of every domain's page table:
 *	held for write by MAP/UNMAP/attach, for read by harvests and DMA
 * @areas: struct iodirty_area, sorted, non-overlapping
 * @hwpts: struct iodirty_hwpt whose domains mirror @areas
 * @iova_alignment: the largest IOVA alignment among the domains
 *	(iodirty_hwpt.iova_align), at least PAGE_SIZE when
 *	@disable_large_pages (1 if neither)
 * @disable_large_pages: IOMMU_OPTION_HUGE_PAGES is 0: areas are mapped
 *	into the domains one CPU page at a time, so no leaf is larger than
 *	PAGE_SIZE (written under @rwsem for write)
 * @ictx: the owning context (for memlock accounting)
 */
struct iodirty_ioas {
	struct iodirty_object obj;
	struct iodirty_ctx *ictx;
	struct rw_semaphore rwsem;
	struct list_head areas;
	struct list_head hwpts;
	u64 iova_alignment;
	bool disable_large_pages;
};

int iodirty_ioas_alloc_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_ioas_map_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_ioas_unmap_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_ioas_iova_ranges_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_option_ioctl(struct iodirty_ucmd *ucmd);
void iodirty_ioas_update_alignment(struct iodirty_ioas *ioas);
void iodirty_ioas_destroy(struct iodirty_ioas *ioas);
int iodirty_ioas_fill_domain(struct iodirty_ioas *ioas, struct pt_domain *d);
bool iodirty_ioas_covers(struct iodirty_ioas *ioas, u64 iova, u64 length);
void iodirty_ioas_limits(struct iodirty_ioas *ioas, u64 *start, u64 *last);

/* ---- emulated devices and HWPTs (device.c, hwpt.c) ---------------------- */


struct iodirty_hwpt;
struct iodirty_scanner;

#define IODIRTY_IOTLB_ENTRIES	64

/**
 * struct iodirty_iotlb_entry - one cached translation
 * @iova: leaf start
 * @size: leaf size
 * @pa: leaf physical address
 * @prot: PT_PROT_* the leaf grants
 * @dirty: the leaf was dirty when cached (a write through this entry does
 *	not touch the PTE, as on real hardware)
 * @valid: entry in use
 */
struct iodirty_iotlb_entry {
	u64 iova;
	u64 size;
	u64 pa;
	u32 prot;
	bool dirty;
	bool valid;
};

#define IODIRTY_PSC_ENTRIES	8

/**
 * struct iodirty_psc_entry - a cached level-1 table entry (PDE)
 * @iova: first IOVA the PDE translates
 * @size: bytes it covers (512 granules)
 * @valid: entry in use
 */
struct iodirty_psc_entry {
	u64 iova;
	u64 size;
	bool valid;
};

/**
 * struct iodirty_iotlb_cache - a device's IOTLB (fully associative, round robin)
 * @lock: protects everything here; held across one DMA chunk's lookup,
 *	data copy and oracle update, so an invalidation waits for DMA in
 *	flight through the old translation, as real invalidation completion
 *	does
 * @e: the entries
 * @next: round-robin victim
 * @hits, @misses: lookups
 * @inv_range, @inv_all: invalidations received
 * @dropped: entries removed by invalidations
 * @cost_ns: modelled invalidation cost
 * @psc: the paging-structure cache: level-1 table entries (PDEs) a walk
 *	used, so a later walk under them starts at the leaf table and sets
 *	no non-leaf accessed bit (pt_hw_access_psc())
 * @psc_next: round-robin victim in @psc
 * @psc_hits, @psc_misses: walks that found / did not find their PDE
 * @psc_inv: PSC-only invalidations (pruning harvests, iodirty_psc_invalidate)
 */
struct iodirty_iotlb_cache {
	spinlock_t lock;
	struct iodirty_iotlb_entry e[IODIRTY_IOTLB_ENTRIES];
	unsigned int next;
	u64 hits, misses;
	u64 inv_range, inv_all, dropped, cost_ns;
	struct iodirty_psc_entry psc[IODIRTY_PSC_ENTRIES];
	unsigned int psc_next;
	u64 psc_hits, psc_misses, psc_inv;
};

/**
 * struct iodirty_workload_state - a device's DMA workload thread
 * @task: the kthread, NULL when stopped
 * @args: its parameters (a copy of the START command)
 * @buf: the bytes of one write (a page), owned while @task runs
 * @writes: writes done
 * @faults: writes that faulted
 */
struct iodirty_workload_state {
	struct task_struct *task;
	struct iodirty_workload args;
	u8 *buf;
	atomic64_t writes;
	atomic64_t faults;
};

/**
 * struct iodirty_device - an emulated device behind an emulated IOMMU
 * @obj: object header (IODIRTY_OBJ_DEVICE)
 * @model: enum iodirty_model; decides the page-table format
 * @mock_flags: MOCK_FLAGS_DEVICE_* for mock devices
 * @dirty_capable: the IOMMU can track dirty pages for this device
 * @pgsize_bitmap: leaf sizes its domains may use
 * @owner: the selftest object that created it, if any (it owns the device:
 *	DESTROY of the device ID itself is refused)
 * @hwpt: attached domain or NULL
 * @hwpt_node: in @hwpt->devices
 * @iotlb: the device's translation cache (dma.c)
 * @wl: its DMA workload thread, if any (workload.c)
 */
struct iodirty_device {
	struct iodirty_object obj;
	enum iodirty_model model;
	u32 mock_flags;
	bool dirty_capable;
	u64 pgsize_bitmap;
	struct iodirty_object *owner;
	struct iodirty_hwpt *hwpt;
	struct list_head hwpt_node;
	struct iodirty_iotlb_cache iotlb;
	struct iodirty_workload_state wl;
};

/**
 * struct iodirty_hwpt - a paging domain (IOMMUFD_OBJ_HWPT_PAGING)
 * @obj: object header (IODIRTY_OBJ_HWPT)
 * @ioas: the IOAS whose mappings the domain mirrors (holds a user ref)
 * @ioas_node: in @ioas->hwpts
 * @pt: the page table
 * @model: format family (enum iodirty_model)
 * @auto_domain: created by attaching a device to an IOAS; destroyed with
 *	its last device
 * @iova_align: the IOVA alignment the domain imposes on its IOAS: its
 *	granule, or more when its smallest leaf is larger (MOCK_IOMMUPT_HUGE)
 * @pasid_compat: allocated with IOMMU_HWPT_ALLOC_PASID: PASIDs may attach
 * @dirty_ops: allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING
 * @dirty_tracking: tracking currently enabled
 * @devices: attached struct iodirty_device
 * @gid: global ID (the hwpt_id BPF contexts and tracepoints carry)
 * @flushes: IOTLB invalidations issued for this domain
 * @flushed_bytes: IOVA bytes those invalidations covered
 * @floor_flushes: invalidations the safety floor added
 * @harvests: harvests and scans of the domain
 * @iotlb_hits: DMA translations served by an IOTLB
 * @iotlb_misses: DMA translations that walked the table
 * @inv_cost_ns: modelled cost of the invalidations
 * @iotlb_stale: an unsafe harvest (SKIP_FLUSH_UNSAFE) cleared entries
 *	without invalidating them; the next safe harvest or scan
 *	invalidates the whole domain first
 * @scanner: background scanner, once used (scan.c)
 * @scan_carry: granules a scan cleared since the last exact harvest, in
 *	the oracle's chunk layout; GET_DIRTY_BITMAP reports them too, so it
 *	stays exact and complete while a scanner runs
 * @oracle: shadow bitmap of every DMA write since RESET, granule bits in
 *	chunks of IODIRTY_ORACLE_CHUNK_BITS indexed by (iova >> granule) /
 *	chunk bits (oracle.c)
 * @oracle_owed: per consumer, granules written since its last ROUND (same
 *	layout)
 * @oracle_late: per consumer, rounds each late granule has been late (one
 *	u8 per granule, PAGE_SIZE granules per chunk)
 * @oracle_rounds: per consumer, rounds judged since RESET
 */
struct iodirty_hwpt {
	struct iodirty_object obj;
	struct iodirty_ioas *ioas;
	struct list_head ioas_node;
	struct pt_domain pt;
	enum iodirty_model model;
	bool auto_domain;
	u64 iova_align;
	bool pasid_compat;
	bool dirty_ops;
	bool dirty_tracking;
	struct list_head devices;
	u32 gid;
	atomic64_t flushes;
	atomic64_t flushed_bytes;
	atomic64_t floor_flushes;
	atomic64_t harvests;
	atomic64_t scans;
	atomic64_t iotlb_hits;
	atomic64_t iotlb_misses;
	atomic64_t inv_cost_ns;
	bool iotlb_stale;
	struct iodirty_scanner *scanner;
	struct xarray scan_carry;
	struct xarray oracle;
	struct xarray oracle_owed[IODIRTY_ORACLE_CONSUMERS];
	struct xarray oracle_late[IODIRTY_ORACLE_CONSUMERS];
	u64 oracle_rounds[IODIRTY_ORACLE_CONSUMERS];
};

/* who asked for an invalidation (tracepoint iodirty_flush "by") */
enum iodirty_flush_by {
	IODIRTY_FLUSH_BY_DEFAULT = 0,
	IODIRTY_FLUSH_BY_POLICY = 1,
	IODIRTY_FLUSH_BY_FLOOR = 2,
	IODIRTY_FLUSH_BY_DEMOTE = 3,	/* 2 MiB leaves demoted after a harvest */
};

#define IODIRTY_PENDING_MAX	16
#define IODIRTY_DEMOTE_MAX	64	/* bpf_iodirty_demote() requests per batch */
#define IODIRTY_CALL_FLUSH	0x464c5553	/* "FLUS" */
#define IODIRTY_CALL_EXPORT	0x45585054	/* "EXPT" */

/**
 * struct iodirty_flush_batch - cleared ranges of one harvest that still
 * await IOTLB invalidation, and the flush member's context
 * @ctx: what iodirty_ops.flush sees (kfuncs find the batch from it)
 * @magic: IODIRTY_CALL_FLUSH while the flush member runs, else 0; kfuncs
 *	check it at run time
 * @from_bpf: the last verdict came from a BPF policy
 * @name: who gave the last verdict
 * @hwpt: the domain (NULL for IODIRTY_POLICY_PROBE)
 * @start: pending ranges, sorted, disjoint
 * @end: their ends (exclusive)
 * @nr: pending ranges
 * @first_ns: when the oldest pending range was cleared
 * @flushes: invalidations issued for this batch
 * @demote_start: bpf_iodirty_demote() requests, disjoint (harvest_demote.c)
 * @demote_end: their ends (exclusive)
 * @nr_demote: requests recorded
 */
struct iodirty_flush_batch {
	struct iodirty_flush_ctx ctx;
	u32 magic;
	bool from_bpf;
	char name[IODIRTY_OPS_NAME_LEN];
	struct iodirty_hwpt *hwpt;
	u64 start[IODIRTY_PENDING_MAX];
	u64 end[IODIRTY_PENDING_MAX];
	unsigned int nr;
	u64 first_ns;
	u64 flushes;
	u64 demote_start[IODIRTY_DEMOTE_MAX];
	u64 demote_end[IODIRTY_DEMOTE_MAX];
	unsigned int nr_demote;
};

/**
 * struct iodirty_export_call - one call of iodirty_ops.export
 * @ctx: what the member sees
 * @magic: IODIRTY_CALL_EXPORT during the call
 */
struct iodirty_export_call {
	struct iodirty_run_ctx ctx;
	u32 magic;
};

#define IODIRTY_ORACLE_CHUNK_BITS	(PAGE_SIZE * BITS_PER_BYTE)

enum pt_format iodirty_model_format(enum iodirty_model model);
struct iodirty_device *iodirty_device_create(struct iodirty_ctx *ictx,
					     enum iodirty_model model,
					     u32 mock_flags, bool dirty,
					     u64 pgsize_bitmap);
int iodirty_device_attach(struct iodirty_ctx *ictx, struct iodirty_device *dev,
			  u32 pt_id, u32 *out_hwpt_id);
void iodirty_device_detach(struct iodirty_ctx *ictx, struct iodirty_device *dev);
void iodirty_device_destroy(struct iodirty_device *dev);
int iodirty_get_hw_info_ioctl(struct iodirty_ucmd *ucmd);

/**
 * struct iodirty_hwpt_layout - the page table a HWPT_ALLOC asked for
 * @fmt: page-table format
 * @pgsize_bitmap: leaf sizes (a subset of the format's, with its granule)
 * @iova_align: IOVA alignment the domain imposes (power of two, at least
 *	the granule); leaves smaller than it are never used
 *
 * Without one a domain gets its device's defaults (iodirty_model_format(),
 * iodirty_device.pgsize_bitmap, the granule).
 */
struct iodirty_hwpt_layout {
	enum pt_format fmt;
	u64 pgsize_bitmap;
	u64 iova_align;
};

struct iodirty_hwpt *iodirty_hwpt_alloc(struct iodirty_ctx *ictx,
					struct iodirty_ioas *ioas,
					struct iodirty_device *dev, bool dirty);
struct iodirty_hwpt *
iodirty_hwpt_alloc_layout(struct iodirty_ctx *ictx, struct iodirty_ioas *ioas,
			  struct iodirty_device *dev, bool dirty,
			  const struct iodirty_hwpt_layout *layout);
void iodirty_hwpt_destroy(struct iodirty_hwpt *hwpt);
void iodirty_hwpt_flush(struct iodirty_hwpt *hwpt, u64 start, u64 end,
			enum iodirty_flush_by by);
void iodirty_hwpt_end_unsafe(struct iodirty_hwpt *hwpt);
int iodirty_hwpt_alloc_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_hwpt_set_dirty_tracking_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_hwpt_get_dirty_bitmap_ioctl(struct iodirty_ucmd *ucmd);

/*
 * Typed lookups: the object of that type with that ID in the caller's
 * context, or ERR_PTR(-ENOENT).  Context lock held.
 */
#define IODIRTY_DEFINE_GET(_name, _struct, _type)			\
static inline struct _struct *iodirty_##_name##_get(struct iodirty_ctx *ictx, \
						     u32 id)		\
{									\
	struct iodirty_object *obj = iodirty_obj_get(ictx, id, _type);	\
									\
	return IS_ERR(obj) ? ERR_CAST(obj) :				\
			     container_of(obj, struct _struct, obj);	\
}
IODIRTY_DEFINE_GET(ioas, iodirty_ioas, IODIRTY_OBJ_IOAS)
IODIRTY_DEFINE_GET(hwpt, iodirty_hwpt, IODIRTY_OBJ_HWPT)
IODIRTY_DEFINE_GET(device, iodirty_device, IODIRTY_OBJ_DEVICE)

/**
 * iodirty_hwpt_aperture - the IOVA range a domain can map
 * @model: the domain's enum iodirty_model
 * @va_bits: its IOVA size
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 */
static inline void iodirty_hwpt_aperture(enum iodirty_model model,
					 unsigned int va_bits, u64 *start,
					 u64 *last)
{
	*start = model == IODIRTY_MODEL_MOCK ? MOCK_APERTURE_START : 0;
	*last = model == IODIRTY_MODEL_MOCK ? MOCK_APERTURE_LAST :
					      (1ULL << va_bits) - 1;
}

/* dma.c */
unsigned long *iodirty_chunk_get(struct xarray *xa, unsigned long idx,
				 bool alloc);
void iodirty_chunks_free(struct xarray *xa);
void iodirty_iotlb_init(struct iodirty_iotlb_cache *tlb);
u64 iodirty_iotlb_invalidate(struct iodirty_device *dev, u64 start, u64 end);
u64 iodirty_psc_invalidate(struct iodirty_device *dev, u64 start, u64 end);
bool iodirty_iotlb_cached_dirty(struct iodirty_device *dev, u64 start, u64 end);
int iodirty_dma_access(struct iodirty_device *dev, u64 iova, u32 len,
		       bool write, const u8 *src, u8 *dst, u64 *hits,
		       u64 *misses);
int iodirty_dma_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_iotlb_ioctl(struct iodirty_ucmd *ucmd);

/* oracle.c */

/**
 * struct iodirty_oracle_marks - where one DMA write of a granule is recorded
 * @chunk: the since-RESET chunk, then one owed chunk per consumer
 * @bit: the granule's bit in each
 */
struct iodirty_oracle_marks {
	unsigned long *chunk[1 + IODIRTY_ORACLE_CONSUMERS];
	unsigned int bit;
};

void iodirty_oracle_init(struct iodirty_hwpt *hwpt);
void iodirty_oracle_destroy(struct iodirty_hwpt *hwpt);
void iodirty_oracle_forget(struct iodirty_hwpt *hwpt, u64 iova, u64 len);
int iodirty_oracle_prepare(struct iodirty_hwpt *hwpt, u64 g,
			   struct iodirty_oracle_marks *om);
void iodirty_oracle_mark(struct iodirty_oracle_marks *om);
int iodirty_oracle_ioctl(struct iodirty_ucmd *ucmd);

/* workload.c */
int iodirty_workload_ioctl(struct iodirty_ucmd *ucmd);
void iodirty_workload_stop(struct iodirty_device *dev);

/* extension ioctls of device.c, ioas.c, hwpt.c */
int iodirty_device_create_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_device_attach_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_phantom_map_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_harvest_ioctl(struct iodirty_ucmd *ucmd);
struct iodirty_area *iodirty_ioas_find_area(struct iodirty_ioas *ioas, u64 iova);

#define IODIRTY_AREA_CHUNK	(PAGE_SIZE / sizeof(struct page *))

/**
 * iodirty_area_page - the @i-th pinned page of an area
 * @a: a pinned area
 * @i: page index, below @a->npinned
 *
 * Return: the page.
 */
static inline struct page *iodirty_area_page(struct iodirty_area *a,
					     unsigned long i)
{
	struct page **chunk = xa_load(&a->pages, i / IODIRTY_AREA_CHUNK);

	return chunk[i % IODIRTY_AREA_CHUNK];
}

/* selftest.c */
int iodirty_test_cmd_ioctl(struct iodirty_ucmd *ucmd);
int iodirty_selftest_hwpt_layout(struct iodirty_device *dev, u64 uptr,
				 u32 len, struct iodirty_hwpt_layout *layout);
void iodirty_selftest_destroy(struct iodirty_ctx *ictx,
			      struct iodirty_object *obj);

/* policy.c */
int iodirty_policy_init(void);
void iodirty_policy_exit(void);

/* kfuncs.c */
int iodirty_kfuncs_init(void);

/* policy.c */
extern struct btf *iodirty_btf;
void iodirty_policy_eject(struct iodirty_ops *ops, u32 kind, u32 reason,
			  s64 code, const char *fmt, ...) __printf(5, 6);
struct iodirty_ops *iodirty_policy_current(void);
void iodirty_policy_error(s64 code, const char *msg);
int iodirty_policy_flush(struct iodirty_flush_batch *b);
bool iodirty_policy_sample(struct iodirty_sample_ctx *ctx);
void iodirty_policy_export(struct iodirty_export_call *e);
int iodirty_status_ioctl(struct iodirty_ucmd *ucmd);

/* hwpt.c: harvest batches and the global domain registry */
void iodirty_batch_init(struct iodirty_flush_batch *b, struct iodirty_hwpt *hwpt);
void iodirty_batch_cleared(void *arg, u64 iova, u64 len);

/* harvest_demote.c */
int iodirty_batch_demote(struct iodirty_flush_batch *b, u64 start, u64 end);
void iodirty_harvest_demote(struct iodirty_flush_batch *b);

/* harvest_prune.c */
bool iodirty_harvest_prune_enabled(void);
void iodirty_harvest_psc_invalidate(void *arg, u64 iova, u64 len);
void iodirty_harvest_pruned_add(u64 n);
void iodirty_batch_finish(struct iodirty_flush_batch *b);
int iodirty_batch_flush_range(struct iodirty_flush_batch *b, u64 start, u64 end);
struct iodirty_hwpt *iodirty_domain_lookup(u32 gid);

/* harvest_split.c: one harvest walked by several CPUs */
int iodirty_harvest_walk(struct pt_domain *pt, u64 iova, u64 len,
			 unsigned int flags, const struct pt_dirty_sink *sink,
			 struct pt_dirty_stats *st, u64 page_size);

/* scan.c */
int iodirty_carry_mark(struct iodirty_hwpt *hwpt, u64 iova, u64 len);
int iodirty_carry_report(struct iodirty_hwpt *hwpt, struct pt_bitmap *bm,
			 u64 iova, u64 len, bool clear);
void iodirty_carry_forget(struct iodirty_hwpt *hwpt, u64 iova, u64 len);
struct mutex *iodirty_scan_mutex(struct iodirty_hwpt *hwpt);
int iodirty_scan_ioctl(struct iodirty_ucmd *ucmd);
void iodirty_scanner_stop(struct iodirty_hwpt *hwpt);
void iodirty_scanner_free(struct iodirty_hwpt *hwpt);

/* ioctl handlers and lab switches (main.c) */
bool iodirty_lab_allowed(void);
bool iodirty_lab_on(void);
extern unsigned int iodirty_test_window_us;
extern bool iodirty_test_export_early;
extern atomic64_t iodirty_export_stale;
int iodirty_ucmd_respond(struct iodirty_ucmd *ucmd, size_t cmd_len);
int iodirty_policy_probe_ioctl(struct iodirty_ucmd *ucmd);

#endif /* _IODIRTY_INTERNAL_H */
