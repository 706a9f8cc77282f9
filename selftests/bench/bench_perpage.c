// SPDX-License-Identifier: GPL-2.0
/*
 * Baseline for the benchmark: the harvesting algorithm of the AMD and
 * VT-d drivers up to Linux 6.18, written from its description (see
 * vendor-iopte.md 4.2/4.3), over our table formats:
 *
 *   for (iova = start; iova < end; iova += size) {
 *           pte = fetch_pte(iova, &size);      // walk from the root
 *           if (!pte || !present) continue;    // skip the hole's level size
 *           dirty = test_and_clear_bit(D) on every replica (lock btr/and);
 *           if (dirty) record(iova, size);
 *   }
 *
 * Every step is a full root-to-leaf lookup; every present leaf takes an
 * atomic read-modify-write whether it is dirty or not.  For ARM (whose
 * upstream walker is a range walk) the same per-page shape is used with
 * the atomic "clean" being an atomic OR of AP[2].  Instantiated once per
 * format with a constant format, like the walker, so the comparison is
 * not skewed by a per-entry switch.  Deliberately not tuned.
 */
#include "pt_fmt.h"
#include "bench.h"

/* fetch_pte(): root-to-leaf lookup of @iova; NULL for a hole. */
static __always_inline u64 *bp_fetch(enum pt_format F,
				     const struct pt_domain *d, u64 iova,
				     u64 *size, unsigned int *nr)
{
	unsigned int lvl = d->levels - 1;
	u64 *tbl = d->root;

	for (;;) {
		unsigned int sh = pt_lvl_shift(F, lvl);
		unsigned int idx = (iova >> sh) & (PT_TABLE_ENTRIES - 1);
		u64 *p = &tbl[idx];
		u64 e = READ_ONCE(*p);

		if (!pt_e_present(F, e)) {
			*size = 1ULL << sh;
			return NULL;
		}
		if (lvl == 0 || !pt_e_is_table(F, e, lvl)) {
			u64 sz = pt_e_leaf_size(F, e, lvl);

			*size = sz;
			*nr = 1;
			if (F == PT_FMT_AMDV1 && sz > (1ULL << sh)) {
				/* replicated PTEs: start at the first copy */
				*nr = sz >> sh;
				p -= idx & (*nr - 1);
			}
			return p;
		}
		tbl = pt_e_table(F, e);
		lvl--;
	}
}

/* test_and_clear_bit() of the dirty state, atomically. */
static __always_inline bool bp_test_and_clean(enum pt_format F, u64 *p)
{
	if (F == PT_FMT_ARMV8) {
		u64 old = __atomic_fetch_or(p, ARMV8_AP2, __ATOMIC_SEQ_CST);

		return pt_e_dirty(F, old);
	}
	return __atomic_fetch_and(p, ~pt_dirty_test(F), __ATOMIC_SEQ_CST) &
	       pt_dirty_test(F);
}

static __always_inline u64 bp_harvest(enum pt_format F,
				      const struct pt_domain *d, u64 iova,
				      u64 len, struct pt_bitmap *bm,
				      u64 *leaves)
{
	u64 end = iova + len, ndirty = 0, nleaves = 0;

	while (iova < end) {
		unsigned int nr = 1, i;
		u64 size;
		u64 *p = bp_fetch(F, d, iova, &size, &nr);
		bool dirty = false;

		if (p) {
			nleaves++;
			for (i = 0; i < nr; i++)
				dirty |= bp_test_and_clean(F, &p[i]);
			if (dirty) {
				ndirty++;
				pt_bitmap_set_range(bm, iova & ~(size - 1),
						    size);
			}
		}
		iova = (iova & ~(size - 1)) + size;
		if (!iova)
			break;
	}
	*leaves = nleaves;
	return ndirty;
}

#define BP_INST(F, name)						\
static noinline u64 bp_harvest_##name(const struct pt_domain *d,	\
				      u64 iova, u64 len,		\
				      struct pt_bitmap *bm, u64 *leaves)\
{									\
	return bp_harvest(F, d, iova, len, bm, leaves);			\
}
BP_INST(PT_FMT_AMDV1, amdv1)
BP_INST(PT_FMT_VTDSS, vtdss)
BP_INST(PT_FMT_ARMV8, armv8)
BP_INST(PT_FMT_MOCK, mock)

u64 bench_perpage_harvest(const struct pt_domain *d, u64 iova, u64 len,
			  struct pt_bitmap *bm, u64 *leaves)
{
	switch (d->fmt) {
	case PT_FMT_AMDV1:
		return bp_harvest_amdv1(d, iova, len, bm, leaves);
	case PT_FMT_VTDSS:
		return bp_harvest_vtdss(d, iova, len, bm, leaves);
	case PT_FMT_ARMV8:
		return bp_harvest_armv8(d, iova, len, bm, leaves);
	default:
		return bp_harvest_mock(d, iova, len, bm, leaves);
	}
}

void bench_lookup(const struct pt_domain *d, u64 iova,
		  struct bench_lookup *out)
{
	unsigned int nr = 1;
	u64 size = 0;
	u64 *p;

	switch (d->fmt) {
	case PT_FMT_AMDV1:
		p = bp_fetch(PT_FMT_AMDV1, d, iova, &size, &nr);
		break;
	case PT_FMT_VTDSS:
		p = bp_fetch(PT_FMT_VTDSS, d, iova, &size, &nr);
		break;
	case PT_FMT_ARMV8:
		p = bp_fetch(PT_FMT_ARMV8, d, iova, &size, &nr);
		break;
	default:
		p = bp_fetch(PT_FMT_MOCK, d, iova, &size, &nr);
		break;
	}
	out->pte = p;
	out->nr = nr;
	out->size = size;
}

/* Dirty-state encoding of a leaf, for the scan limit and re-dirtying. */
const struct bench_fmt *bench_fmt_get(enum pt_format fmt)
{
	static const struct bench_fmt fmts[PT_FMT_NR] = {
		[PT_FMT_AMDV1] = { PT_FMT_AMDV1, "amdv1", 12, 48,
				   AMDV1_HD, AMDV1_HD, AMDV1_HD },
		[PT_FMT_VTDSS] = { PT_FMT_VTDSS, "vtdss", 12, 48,
				   VTDSS_D, VTDSS_D, VTDSS_D },
		[PT_FMT_ARMV8] = { PT_FMT_ARMV8, "armv8", 12, 48,
				   ARMV8_DBM | ARMV8_AP2, ARMV8_DBM,
				   ARMV8_AP2 },
		[PT_FMT_MOCK] = { PT_FMT_MOCK, "mock", 11, 48,
				  MOCK_HD, MOCK_HD, MOCK_HD },
	};

	return fmt < PT_FMT_NR ? &fmts[fmt] : NULL;
}
