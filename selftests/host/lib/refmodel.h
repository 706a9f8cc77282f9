/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference model of an I/O page table, for differential testing of the
 * page-table core (selftests/host/test_diff.c) and the fuzzer.
 *
 * Deliberately simple and format-independent: a sparse, page-granular
 * map  iova page -> { pa, prot, leaf base, leaf size }  plus one dirty
 * flag per leaf (kept in the leaf's first page).  Pages live in chunks of
 * RM_CHUNK_PAGES found through an open-addressing hash, so a model of a
 * 2^57 IOVA space costs only what is mapped.  Every operation costs
 * O(pages touched): keep leaves small-ish (1 GiB at 4 KiB = 256 Ki page
 * updates) when running many operations.
 *
 * It implements the semantics pt.h documents, independently of the
 * implementation: the same argument checks in the same order with the
 * same errnos, the same "largest size that alignment and remaining length
 * allow" map policy, whole-leaf dirty reporting clamped to the range and
 * coalesced into runs, straddling dirty leaves reported but kept, failed
 * sink->run re-dirtying its run.  It never fails with -ENOMEM.
 *
 * Not modelled: the accessed state (always reported false), table
 * structure and stats->tables / stats->leaves (left untouched), AMD
 * replicas (a leaf is a leaf), sink->bitmap (only sink->run and
 * sink->cleared are called).
 *
 * API (all return 0 or the negative errno pt_*() would return):
 *   rm_init(m, granule_shift, va_bits, oa_bits, pgsize_bitmap, ro_dirty)
 *       pgsize_bitmap: the domain's effective d->pgsize_bitmap.
 *       ro_dirty: true if a read-only leaf can be marked dirty (false for
 *       ARM, where pt_mark_dirty gives -EACCES).
 *   rm_init_like(m, d)      the above with a pt_domain's parameters
 *   rm_destroy(m)
 *   rm_map(m, iova, pa, len, prot, pgsize, flags)          ~ pt_map
 *   rm_unmap(m, iova, len, &unmapped)                       ~ pt_unmap
 *   rm_translate(m, iova, &x)                               ~ pt_translate
 *   rm_hw_access(m, iova, access, &x)                       ~ pt_hw_access
 *   rm_mark_dirty(m, iova)                                  ~ pt_mark_dirty
 *   rm_read_and_clear_dirty(m, iova, len, flags, sink, st)  ~ pt_read_...
 *   rm_split(m, iova, new_size)                             ~ pt_split_leaf
 *   rm_for_each_leaf(m, iova, len, fn, arg)                 ~ pt_for_each_leaf
 *   rm_mapped_bytes(m)      total bytes mapped
 */
#ifndef _IODIRTY_REFMODEL_H
#define _IODIRTY_REFMODEL_H

#include "pt.h"

#define RM_CHUNK_SHIFT	9
#define RM_CHUNK_PAGES	(1u << RM_CHUNK_SHIFT)

struct rm_page {
	u64 pa;			/* output address of this page */
	u64 leaf_base;		/* IOVA of the leaf's first byte */
	u8 leaf_shift;		/* log2 of the leaf size */
	u8 prot;		/* PT_PROT_* */
	u8 mapped;
	u8 dirty;		/* valid in the leaf's first page only */
};

struct rm_chunk {
	u64 key;		/* iova >> (granule_shift + RM_CHUNK_SHIFT) */
	u32 nmapped;
	u64 mapbits[RM_CHUNK_PAGES / 64];	/* which pg[] are mapped */
	struct rm_page pg[RM_CHUNK_PAGES];
};

struct refmodel {
	unsigned int granule_shift;
	unsigned int va_bits;
	unsigned int oa_bits;
	u64 pgsize_bitmap;
	bool ro_dirty;
	u64 mapped_bytes;
	struct rm_chunk **slots;	/* open addressing, linear probing */
	u64 nslots;
	u64 nchunks;
	struct rm_chunk *last;		/* lookup cache */
};

int rm_init(struct refmodel *m, unsigned int granule_shift,
	    unsigned int va_bits, unsigned int oa_bits, u64 pgsize_bitmap,
	    bool ro_dirty);
int rm_init_like(struct refmodel *m, const struct pt_domain *d);
void rm_destroy(struct refmodel *m);
int rm_map(struct refmodel *m, u64 iova, u64 pa, u64 len, unsigned int prot,
	   u64 pgsize, unsigned int flags);
int rm_unmap(struct refmodel *m, u64 iova, u64 len, u64 *unmapped);
int rm_translate(struct refmodel *m, u64 iova, struct pt_xlate *x);
int rm_hw_access(struct refmodel *m, u64 iova, unsigned int access,
		 struct pt_xlate *x);
int rm_mark_dirty(struct refmodel *m, u64 iova);
int rm_read_and_clear_dirty(struct refmodel *m, u64 iova, u64 len,
			    unsigned int flags,
			    const struct pt_dirty_sink *sink,
			    struct pt_dirty_stats *stats);
int rm_split(struct refmodel *m, u64 iova, u64 new_size);
int rm_for_each_leaf(struct refmodel *m, u64 iova, u64 len,
		     int (*fn)(void *arg, const struct pt_xlate *x), void *arg);
u64 rm_mapped_bytes(const struct refmodel *m);

#endif /* _IODIRTY_REFMODEL_H */
