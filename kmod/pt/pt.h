/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty page-table core: public API.
 *
 * One C source, two builds: this code is compiled into iodirty.ko and into
 * the host unit tests, fuzzer and benchmark (selftests/{host,fuzz,bench}).
 * Everything environment-specific (types, atomics, table allocation,
 * phys<->virt) goes through pt_compat.h.
 *
 * A "domain" is one I/O page table in one vendor format.  All formats use
 * 512-entry tables of 8-byte entries (4 KiB per table, 9 IOVA bits per
 * level); they differ in granule (4 KiB, or 2 KiB for the selftest mock),
 * bit layout, which levels may hold leaves, and how dirty state is kept
 * (a D bit, or ARM's DBM + AP[2] "writable-clean" encoding).
 *
 * Concurrency contract (the callers own the locks):
 *  - map, unmap, split and domain_destroy change the table structure and
 *    must be serialised against every other operation on the domain
 *    (the module holds its IOAS rwsem for write);
 *  - translate, hw_access, mark_dirty and read_and_clear_dirty only read
 *    the structure and update leaf bits and table entries' accessed bits
 *    atomically; any number of them may run concurrently (rwsem held for
 *    read).
 *  - hw_access models the IOMMU hardware: it may race with a concurrent
 *    read_and_clear_dirty on the same leaf.  The walker's clearing is
 *    written to be safe against that (see pt_walk.c).
 *  - demote changes the structure like split (same serialisation), but
 *    is also safe against concurrent hw_access, mark_dirty,
 *    set_dirty_range and translate, as hardware would need: those
 *    re-walk when the leaf they found has become a table (pt_demote.c).
 *
 * Errors (distinct on purpose, documented in README):
 *  -EINVAL      iova / pa / length not aligned to the domain granule,
 *               bad format, bad va_bits, bad page size bitmap for format,
 *               bad prot (must include PT_PROT_READ) / flags / access,
 *               split to a size not smaller than the leaf
 *  -ENODATA     length 0
 *  -EOVERFLOW   iova + length wraps around 2^64
 *  -ERANGE      range is beyond the domain's IOVA space (va_bits), or pa
 *               range beyond the format's output address size
 *  -EOPNOTSUPP  requested page size not in the domain's bitmap
 *  -EEXIST      map over an existing mapping
 *  -ENOENT      unmap/translate/mark of a hole (nothing mapped)
 *  -EDOM        range cuts a leaf in two (split it first)
 *  -EACCES      hw_access permission check failed; mark_dirty on an ARM
 *               read-only leaf (ARM can only express dirty with DBM)
 *  -EAGAIN      demote: the IOMMU kept changing the leaf (nothing changed)
 *  -ENOMEM      table allocation failed (state rolled back)
 * Range arguments are checked in the order ENODATA, EINVAL (alignment),
 * EOVERFLOW, ERANGE, then per-operation arguments, then table state.
 * Every failing operation leaves the table exactly as it was.
 *
 * Map policy: with pgsize == 0 each step uses the largest size in the
 * domain's bitmap that iova, pa and the remaining length are aligned to
 * (the reference model in selftests/host/lib/refmodel.c mirrors it).
 * Freshly mapped leaves are clean and, except ARM (AF set), not accessed.
 */
#ifndef _IODIRTY_PT_H
#define _IODIRTY_PT_H

#include "pt_compat.h"

enum pt_format {
	PT_FMT_AMDV1 = 0,	/* AMD IOMMU v1 host page table */
	PT_FMT_VTDSS = 1,	/* Intel VT-d second stage */
	PT_FMT_ARMV8 = 2,	/* ARM LPAE stage 1, 4 KiB granule, HTTU */
	PT_FMT_MOCK = 3,	/* iommufd selftest mock: 2 KiB granule */
	PT_FMT_MOCKPT = 4,	/* 6.19+ selftest mock: AMD v1 on 2 KiB */
	PT_FMT_NR,
};

#define PT_TABLE_ENTRIES	512
#define PT_TABLE_SHIFT		9
#define PT_TABLE_BYTES		4096

/* Access / permission bits for map, translate and hw_access. */
#define PT_PROT_READ		(1u << 0)
#define PT_PROT_WRITE		(1u << 1)

/* pt_map() flags */
#define PT_MAP_PHANTOM		(1u << 0) /* every leaf maps the same pa */

/* pt_read_and_clear_dirty() flags */
#define PT_DIRTY_NO_CLEAR	(1u << 0)
/*
 * Accessed-bit subtree pruning (pt_walk_prune.h): skip a subtree whose
 * non-leaf accessed bit is clear; clear it on the subtrees walked, telling
 * sink->table_a_cleared.  No effect on formats without a non-leaf A (ARM).
 */
#define PT_DIRTY_PRUNE		(1u << 1)

/* pt_hw_access_psc(): no paging-structure cache hit, the walk reads all */
#define PT_PSC_MISS		(~0u)

struct pt_fmt;

struct pt_domain {
	enum pt_format fmt;
	const struct pt_fmt *f;		/* format descriptor (pt_fmt_*.h) */
	unsigned int granule_shift;	/* 12, or 11 for mock/mockpt */
	unsigned int va_bits;		/* IOVA space is [0, 2^va_bits) */
	unsigned int levels;		/* table levels, leaf level is 0 */
	u64 pgsize_bitmap;		/* leaf sizes this domain may use */
	u64 *root;			/* top-level table (kernel virtual) */
	u64 nr_tables;			/* tables currently allocated */
};

/**
 * struct pt_xlate - result of a translation
 * @iova: IOVA of the start of the leaf
 * @pa: physical address the leaf maps (start of the leaf)
 * @size: leaf size in bytes
 * @prot: PT_PROT_* the leaf grants
 * @dirty: leaf reads as written-dirty (after the access, for hw_access)
 * @accessed: leaf accessed flag (after the access, for hw_access)
 */
struct pt_xlate {
	u64 iova;
	u64 pa;
	u64 size;
	unsigned int prot;
	bool dirty;
	bool accessed;
};

struct pt_bitmap;

/**
 * struct pt_dirty_sink - where read_and_clear_dirty sends what it finds
 * @bitmap: optional; each dirty run is set in it (pt_bitmap_set_range)
 * @run: optional; called once per coalesced dirty run [iova, iova+len),
 *	clamped to the walked range.  A non-zero return stops the walk and
 *	is returned; leaves of the failed run that were already cleared are
 *	made dirty again first, so nothing is lost.
 * @cleared: optional; called once per coalesced run of leaves whose dirty
 *	state was cleared (their IOTLB entries must be invalidated before
 *	the harvest is complete).  Not called with PT_DIRTY_NO_CLEAR.
 * @table_a_cleared: required with PT_DIRTY_PRUNE unless NO_CLEAR; called
 *	with the span [iova, iova+len) of the table entries whose non-leaf
 *	accessed bit this walk just cleared (at most once per table
 *	visited).  It must invalidate the paging-structure caches for the
 *	span and wait for that to complete before returning: the walker
 *	reads the leaves below right after (see pt_walk_prune.h).
 * @arg: passed to @run, @cleared and @table_a_cleared
 */
struct pt_dirty_sink {
	struct pt_bitmap *bitmap;
	int (*run)(void *arg, u64 iova, u64 len);
	void (*cleared)(void *arg, u64 iova, u64 len);
	void (*table_a_cleared)(void *arg, u64 iova, u64 len);
	void *arg;
};

/**
 * struct pt_dirty_stats - counters of one walk (added to, not reset)
 * @tables: tables visited
 * @leaves: leaf entries examined: every entry of the scanned part of each
 *	leaf table, present or not (counting presence would cost the walker
 *	about 25%), plus each present leaf entry above level 0 (AMD replicas
 *	count each)
 * @dirty_leaves: leaves found dirty
 * @dirty_bytes: bytes reported dirty (clamped to the range)
 * @runs: coalesced runs reported
 * @cleared_leaves: leaves whose dirty state was cleared
 * @kept_straddling: dirty leaves extending past the range: reported but
 *	left dirty (never lost)
 * @clear_start: union of cleared IOVA is [@clear_start, @clear_end)
 * @clear_end: @clear_start >= @clear_end (e.g. both 0) means nothing
 * @pruned: PT_DIRTY_PRUNE: subtrees skipped because their A was clear
 * @table_a_cleared: PT_DIRTY_PRUNE: non-leaf entries whose A was cleared
 * @psc_invals: PT_DIRTY_PRUNE: calls of sink->table_a_cleared
 */
struct pt_dirty_stats {
	u64 tables;
	u64 leaves;
	u64 dirty_leaves;
	u64 dirty_bytes;
	u64 runs;
	u64 cleared_leaves;
	u64 kept_straddling;
	u64 clear_start;
	u64 clear_end;
	u64 pruned;
	u64 table_a_cleared;
	u64 psc_invals;
};

int pt_domain_init(struct pt_domain *d, enum pt_format fmt,
		   unsigned int va_bits, u64 pgsize_bitmap);
void pt_domain_destroy(struct pt_domain *d);
u64 pt_format_pgsizes(enum pt_format fmt);	/* all sizes a format can do */
const char *pt_format_name(enum pt_format fmt);

int pt_map(struct pt_domain *d, u64 iova, u64 pa, u64 len,
	   unsigned int prot, u64 pgsize, unsigned int flags);
int pt_unmap(struct pt_domain *d, u64 iova, u64 len, u64 *unmapped);
int pt_translate(struct pt_domain *d, u64 iova, struct pt_xlate *x);
int pt_hw_access(struct pt_domain *d, u64 iova, unsigned int access,
		 struct pt_xlate *x);
int pt_hw_access_psc(struct pt_domain *d, u64 iova, unsigned int access,
		     unsigned int psc_lvl, struct pt_xlate *x);
int pt_mark_dirty(struct pt_domain *d, u64 iova);
void pt_set_dirty_range(const struct pt_domain *d, u64 iova, u64 len);
int pt_read_and_clear_dirty(struct pt_domain *d, u64 iova, u64 len,
			    unsigned int flags,
			    const struct pt_dirty_sink *sink,
			    struct pt_dirty_stats *stats);
int pt_split_leaf(struct pt_domain *d, u64 iova, u64 new_size);
/* pt_demote.c: 2 MiB leaf -> table of 4 KiB leaves, safe against hw_access */
int pt_demote(struct pt_domain *d, u64 iova);
int pt_demote_range(struct pt_domain *d, u64 iova, u64 len, u64 *demoted);
void pt_dirty_stats_add(struct pt_dirty_stats *to,
			const struct pt_dirty_stats *s);

/* Parallel harvest (pt_split.c): cut a range into independent parts. */
#define PT_SPLIT_MAX	64
unsigned int pt_split_range(const struct pt_domain *d, u64 iova, u64 len,
			    u64 page_size, unsigned int nparts, u64 *cuts);

/*
 * Call @fn once per leaf overlapping [iova, iova + len), in IOVA order,
 * with the whole leaf (not clamped; AMD replicas folded into one call,
 * dirty/accessed ORed over them).  Non-zero from @fn stops and is
 * returned.  For tests, debugfs and the fuzzer's consistency checks.
 */
int pt_for_each_leaf(struct pt_domain *d, u64 iova, u64 len,
		     int (*fn)(void *arg, const struct pt_xlate *x), void *arg);

/*
 * Bitmap writer.  Bit i covers IOVA [iova + i * page_size, +page_size);
 * bits are little-endian within a byte array of any alignment (the UAPI
 * convention: data[(iova/page_size)/8] & (1 << ((iova/page_size)%8))).
 * Only ever ORs bits in; never clears what the caller left set.
 */
struct pt_bitmap {
	u8 *data;
	u64 iova;
	u64 length;
	unsigned int pgshift;	/* 11 (2 KiB) ... 30 (1 GiB) */
	u64 nbits;
};

int pt_bitmap_init(struct pt_bitmap *bm, void *data, u64 iova, u64 length,
		   u64 page_size);
int pt_bitmap_set_range(struct pt_bitmap *bm, u64 iova, u64 len);
void pt_bitmap_set_bits(u8 *data, u64 start_bit, u64 nbits);
u64 pt_bitmap_bytes(u64 length, u64 page_size);
u64 pt_bitmap_pin_pages(u64 uaddr, u64 nbytes, unsigned int page_shift);

#endif /* _IODIRTY_PT_H */
