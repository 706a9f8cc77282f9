// SPDX-License-Identifier: GPL-2.0
/*
 * The ground-truth oracle of the emulated-hardware lab: what the emulated
 * devices really wrote, recorded apart from the page table, the IOTLB and
 * the policy, and a judge of every consumer's harvests.
 *
 * Every DMA write marks its granules (dma.c, under the device's IOTLB
 * lock) in:
 *   - the since-RESET bitmap: IODIRTY_ORACLE_CHECK compares the OR of all
 *     harvests with it (was every written page reported at least once?);
 *   - one "owed" bitmap per consumer (IODIRTY_ORACLE_CONSUMERS): granules
 *     written since that consumer's last ROUND.
 *
 * IODIRTY_ORACLE_ROUND is the epoch check.  A consumer (a GET loop, a
 * ring-buffer reader of scan exports, ...) passes what its latest harvest
 * of a range reported.  The oracle takes the consumer's owed granules of
 * the range atomically (a write that lands meanwhile stays owed for the
 * next round) and judges each: reported now, fine; not reported, it is
 * late.  A late granule must be reported within max_late further rounds
 * (a write racing with a harvest may land in this round or the next;
 * sampled scans may skip a region up to max_skip times), else it is a
 * miss.  With ROUND_FINAL (DMA quiesced) nothing may be late.  So a page
 * reported once, rewritten, and then never reported again is counted as
 * missed, which the since-RESET check cannot see.
 *
 * Late state is one byte per granule (rounds late so far) in page-sized
 * chunks, allocated only for granules that are late.
 *
 * Locking: the owed bitmaps are set with set_bit() by DMA under IOTLB
 * locks and taken with atomic fetch-and-clear by ROUND, which runs under
 * the context lock (like RESET and the late state, which only ROUND and
 * RESET touch).  RESET clears with plain stores: a write racing with it
 * may or may not be forgotten, so callers quiesce DMA around RESET.
 * UNMAP forgets the range (iodirty_oracle_forget()), so a later mapping
 * of the same IOVA starts clean.
 */
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iodirty.h"

#define ORACLE_BITS	IODIRTY_ORACLE_CHUNK_BITS
#define LATE_PER_CHUNK	PAGE_SIZE		/* one u8 per granule */

/**
 * iodirty_oracle_init - empty oracle for a new HWPT
 * @hwpt: the HWPT
 */
void iodirty_oracle_init(struct iodirty_hwpt *hwpt)
{
	unsigned int c;

	xa_init(&hwpt->oracle);
	for (c = 0; c < IODIRTY_ORACLE_CONSUMERS; c++) {
		xa_init(&hwpt->oracle_owed[c]);
		xa_init(&hwpt->oracle_late[c]);
		hwpt->oracle_rounds[c] = 0;
	}
}

/**
 * iodirty_oracle_destroy - free a HWPT's oracle
 * @hwpt: the HWPT
 */
void iodirty_oracle_destroy(struct iodirty_hwpt *hwpt)
{
	unsigned int c;

	iodirty_chunks_free(&hwpt->oracle);
	for (c = 0; c < IODIRTY_ORACLE_CONSUMERS; c++) {
		iodirty_chunks_free(&hwpt->oracle_owed[c]);
		iodirty_chunks_free(&hwpt->oracle_late[c]);
	}
}

/**
 * iodirty_oracle_prepare - find (allocate) the chunks a write of granule
 * @g will mark, before the IOTLB lock is taken
 * @hwpt: the domain
 * @g: granule index (iova >> granule_shift)
 * @om: filled for iodirty_oracle_mark()
 *
 * Context: process context (may sleep).
 *
 * Return: 0 or -ENOMEM.
 */
int iodirty_oracle_prepare(struct iodirty_hwpt *hwpt, u64 g,
			   struct iodirty_oracle_marks *om)
{
	unsigned long idx = g / ORACLE_BITS;
	unsigned int c;

	om->bit = g % ORACLE_BITS;
	om->chunk[0] = iodirty_chunk_get(&hwpt->oracle, idx, true);
	if (!om->chunk[0])
		return -ENOMEM;
	for (c = 0; c < IODIRTY_ORACLE_CONSUMERS; c++) {
		om->chunk[c + 1] = iodirty_chunk_get(&hwpt->oracle_owed[c], idx,
						     true);
		if (!om->chunk[c + 1])
			return -ENOMEM;
	}
	return 0;
}

/**
 * iodirty_oracle_mark - record one DMA write of the prepared granule
 * @om: from iodirty_oracle_prepare()
 *
 * Context: any (the IOTLB lock is held).
 */
void iodirty_oracle_mark(struct iodirty_oracle_marks *om)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(om->chunk); i++)
		set_bit(om->bit, om->chunk[i]);
}

/* Clear granules [g0, g1] of a sparse bitmap in @xa (chunked bits). */
static void bits_forget(struct xarray *xa, u64 g0, u64 g1)
{
	unsigned long idx, *chunk;

	xa_for_each_range(xa, idx, chunk, g0 / ORACLE_BITS, g1 / ORACLE_BITS) {
		u64 base = (u64)idx * ORACLE_BITS;
		u64 lo = max(g0, base), hi = min(g1, base + ORACLE_BITS - 1);

		bitmap_clear(chunk, lo - base, hi - lo + 1);
	}
}

/**
 * iodirty_oracle_forget - drop what the oracle holds for an unmapped range
 * @hwpt: the domain
 * @iova: start
 * @len: bytes
 *
 * Context: IOAS rwsem held for write (no DMA through the range).
 */
void iodirty_oracle_forget(struct iodirty_hwpt *hwpt, u64 iova, u64 len)
{
	unsigned int gs = hwpt->pt.granule_shift, c;
	u64 g0 = iova >> gs, g1 = (iova + len - 1) >> gs;
	unsigned long idx;
	u8 *late;

	bits_forget(&hwpt->oracle, g0, g1);
	for (c = 0; c < IODIRTY_ORACLE_CONSUMERS; c++) {
		bits_forget(&hwpt->oracle_owed[c], g0, g1);
		xa_for_each_range(&hwpt->oracle_late[c], idx, late,
				  g0 / LATE_PER_CHUNK, g1 / LATE_PER_CHUNK) {
			u64 base = (u64)idx * LATE_PER_CHUNK;
			u64 lo = max(g0, base);
			u64 hi = min(g1, base + LATE_PER_CHUNK - 1);

			memset(late + (lo - base), 0, hi - lo + 1);
		}
	}
}

static void oracle_reset(struct iodirty_hwpt *hwpt)
{
	unsigned long idx, *chunk;
	unsigned int c;

	xa_for_each(&hwpt->oracle, idx, chunk)
		bitmap_zero(chunk, ORACLE_BITS);
	for (c = 0; c < IODIRTY_ORACLE_CONSUMERS; c++) {
		xa_for_each(&hwpt->oracle_owed[c], idx, chunk)
			bitmap_zero(chunk, ORACLE_BITS);
		xa_for_each(&hwpt->oracle_late[c], idx, chunk)
			memset(chunk, 0, LATE_PER_CHUNK);
		hwpt->oracle_rounds[c] = 0;
	}
}

/* A range at a bitmap granule: units of @ps bytes from @iova. */
struct oracle_range {
	u64 iova, len, ps;
	unsigned int gs;
	u64 g0, g1;		/* granules touching the range */
};

/* The units of granule @g inside the range: [*u0, *u1]. */
static void granule_units(const struct oracle_range *r, u64 g, u64 *u0,
			  u64 *u1)
{
	u64 s = max(g << r->gs, r->iova) - r->iova;
	u64 e = min((g + 1) << r->gs, r->iova + r->len) - 1 - r->iova;

	*u0 = s / r->ps;
	*u1 = e / r->ps;
}

/* Reported means: every unit of the granule is set in @h. */
static bool granule_reported(const struct oracle_range *r, u64 g,
			     const unsigned long *h)
{
	u64 u0, u1;

	granule_units(r, g, &u0, &u1);
	return find_next_zero_bit(h, u1 + 1, u0) > u1;
}

static void granule_set(const struct oracle_range *r, u64 g, unsigned long *m)
{
	u64 u0, u1;

	granule_units(r, g, &u0, &u1);
	bitmap_set(m, u0, u1 - u0 + 1);
}

/* Units (of @r->ps) written since RESET, into @w. */
static void oracle_written(struct iodirty_hwpt *hwpt,
			   const struct oracle_range *r, unsigned long *w)
{
	unsigned long idx, *chunk, bit;

	xa_for_each_range(&hwpt->oracle, idx, chunk, r->g0 / ORACLE_BITS,
			  r->g1 / ORACLE_BITS) {
		u64 base = (u64)idx * ORACLE_BITS;

		for_each_set_bit(bit, chunk, ORACLE_BITS) {
			if (base + bit >= r->g0 && base + bit <= r->g1)
				granule_set(r, base + bit, w);
		}
	}
}

struct round_bitmaps {
	unsigned long *h;	/* reported (from the user) */
	unsigned long *w;	/* owed this round */
	unsigned long *m;	/* missed */
	unsigned long *l;	/* late */
};

/* Granules late from earlier rounds: reported now, or one round later. */
static void round_judge_late(struct iodirty_hwpt *hwpt, unsigned int c,
			     const struct oracle_range *r, u32 max_late,
			     bool final, struct round_bitmaps *bm)
{
	unsigned long idx;
	u8 *late;

	xa_for_each_range(&hwpt->oracle_late[c], idx, late,
			  r->g0 / LATE_PER_CHUNK, r->g1 / LATE_PER_CHUNK) {
		u64 base = (u64)idx * LATE_PER_CHUNK;
		u64 lo = max(r->g0, base), hi = min(r->g1, base + LATE_PER_CHUNK - 1);
		u64 g;

		for (g = lo; g <= hi; g++) {
			u8 *n = &late[g - base];

			if (!*n)
				continue;
			granule_set(r, g, bm->w);
			if (granule_reported(r, g, bm->h)) {
				*n = 0;
			} else if (final || *n >= max_late) {
				granule_set(r, g, bm->m);
				*n = 0;
			} else {
				(*n)++;
				granule_set(r, g, bm->l);
			}
		}
		cond_resched();
	}
}

/* Granules written since the consumer's last round: take them atomically. */
static int round_judge_owed(struct iodirty_hwpt *hwpt, unsigned int c,
			    const struct oracle_range *r, bool final,
			    struct round_bitmaps *bm)
{
	unsigned long idx, *chunk;

	xa_for_each_range(&hwpt->oracle_owed[c], idx, chunk,
			  r->g0 / ORACLE_BITS, r->g1 / ORACLE_BITS) {
		u64 base = (u64)idx * ORACLE_BITS;
		unsigned int wi;
		u8 *late;

		for (wi = 0; wi < ORACLE_BITS / BITS_PER_LONG; wi++) {
			u64 wbase = base + (u64)wi * BITS_PER_LONG;
			unsigned long mask = ~0UL, x, bit;

			if (!READ_ONCE(chunk[wi]) || wbase > r->g1 ||
			    wbase + BITS_PER_LONG - 1 < r->g0)
				continue;
			if (r->g0 > wbase)
				mask &= ~0UL << (r->g0 - wbase);
			if (r->g1 < wbase + BITS_PER_LONG - 1)
				mask &= ~0UL >> (BITS_PER_LONG - 1 - (r->g1 - wbase));
			/*
			 * The late chunk first (one word of granules lies in
			 * one late chunk): once the word is taken, nothing
			 * may fail, or its pages would never be judged.
			 */
			late = NULL;
			if (!final) {
				late = (u8 *)iodirty_chunk_get(&hwpt->oracle_late[c],
							       wbase / LATE_PER_CHUNK,
							       true);
				if (!late)
					return -ENOMEM;
			}
			x = atomic_long_fetch_andnot(mask,
					(atomic_long_t *)&chunk[wi]) & mask;
			for_each_set_bit(bit, &x, BITS_PER_LONG) {
				u64 g = wbase + bit;

				granule_set(r, g, bm->w);
				if (granule_reported(r, g, bm->h))
					continue;
				if (final) {
					granule_set(r, g, bm->m);
					continue;
				}
				/* late already (and unreported): keep its age */
				if (!late[g % LATE_PER_CHUNK])
					late[g % LATE_PER_CHUNK] = 1;
				granule_set(r, g, bm->l);
			}
		}
		cond_resched();
	}
	return 0;
}

/**
 * iodirty_oracle_ioctl - IODIRTY_ORACLE (lab)
 * @ucmd: struct iodirty_oracle
 *
 * Return: 0; -EOPNOTSUPP unknown op or flags, reserved fields (ROUND's
 * fields for RESET and CHECK); -ENOENT unknown HWPT; -EINVAL bad range,
 * page_size not a power of two in 2 KiB..1 GiB (as GET_DIRTY_BITMAP),
 * consumer or max_late out of range; -EOVERFLOW bitmap over 32 MiB;
 * -EFAULT; -ENOMEM.
 */
int iodirty_oracle_ioctl(struct iodirty_ucmd *ucmd)
{
	struct iodirty_oracle *cmd = ucmd->cmd;
	struct round_bitmaps bm = {};
	struct oracle_range r;
	struct iodirty_hwpt *hwpt;
	u64 nbits, i, written = 0, missed = 0, spurious = 0, late = 0;
	bool final;
	int ret;

	if (cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	hwpt = iodirty_hwpt_get(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	if (cmd->op != IODIRTY_ORACLE_RESET && cmd->op != IODIRTY_ORACLE_CHECK &&
	    cmd->op != IODIRTY_ORACLE_ROUND)
		return -EOPNOTSUPP;
	/* ROUND's fields are reserved for the other ops */
	if (cmd->op != IODIRTY_ORACLE_ROUND &&
	    (cmd->consumer || cmd->round_flags || cmd->max_late))
		return -EOPNOTSUPP;
	if (cmd->op == IODIRTY_ORACLE_RESET) {
		oracle_reset(hwpt);
		return 0;
	}
	if (cmd->round_flags & ~IODIRTY_ORACLE_ROUND_FINAL)
		return -EOPNOTSUPP;
	if (cmd->consumer >= IODIRTY_ORACLE_CONSUMERS ||
	    cmd->max_late > IODIRTY_ORACLE_MAX_LATE)
		return -EINVAL;
	if (!cmd->page_size || !is_power_of_2(cmd->page_size) ||
	    cmd->page_size < SZ_2K || cmd->page_size > SZ_1G || !cmd->length ||
	    cmd->iova % cmd->page_size || cmd->length % cmd->page_size ||
	    cmd->iova + cmd->length - 1 < cmd->iova)
		return -EINVAL;
	nbits = cmd->length / cmd->page_size;
	/* four bitmaps of up to 32 MiB each */
	if (nbits > (u64)SZ_32M * BITS_PER_BYTE)
		return -EOVERFLOW;
	r.iova = cmd->iova;
	r.len = cmd->length;
	r.ps = cmd->page_size;
	r.gs = hwpt->pt.granule_shift;
	r.g0 = r.iova >> r.gs;
	r.g1 = (r.iova + r.len - 1) >> r.gs;

	ret = -ENOMEM;
	bm.h = kvcalloc(BITS_TO_LONGS(nbits), sizeof(long), GFP_KERNEL);
	bm.w = kvcalloc(BITS_TO_LONGS(nbits), sizeof(long), GFP_KERNEL);
	bm.m = kvcalloc(BITS_TO_LONGS(nbits), sizeof(long), GFP_KERNEL);
	bm.l = kvcalloc(BITS_TO_LONGS(nbits), sizeof(long), GFP_KERNEL);
	if (!bm.h || !bm.w || !bm.m || !bm.l)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(bm.h, u64_to_user_ptr(cmd->data),
			   DIV_ROUND_UP(nbits, BITS_PER_BYTE)))
		goto out;
	/* the user bitmap is little-endian bytes; so are our longs on LE */
	if (nbits % BITS_PER_LONG)
		bm.h[nbits / BITS_PER_LONG] &= BITMAP_LAST_WORD_MASK(nbits);

	if (cmd->op == IODIRTY_ORACLE_CHECK) {
		oracle_written(hwpt, &r, bm.w);
		bitmap_andnot(bm.m, bm.w, bm.h, nbits);
		cmd->out_rounds = 0;
	} else {
		final = cmd->round_flags & IODIRTY_ORACLE_ROUND_FINAL;
		round_judge_late(hwpt, cmd->consumer, &r, cmd->max_late ?: 1,
				 final, &bm);
		ret = round_judge_owed(hwpt, cmd->consumer, &r, final, &bm);
		if (ret)
			goto out;
		cmd->out_rounds = ++hwpt->oracle_rounds[cmd->consumer];
	}
	for (i = 0; i < BITS_TO_LONGS(nbits); i++) {
		written += hweight_long(bm.w[i]);
		missed += hweight_long(bm.m[i]);
		spurious += hweight_long(bm.h[i] & ~bm.w[i]);
		late += hweight_long(bm.l[i] & ~bm.m[i]);
	}
	cmd->out_written = written;
	cmd->out_missed = missed;
	cmd->out_spurious = spurious;
	cmd->out_late = late;
	ret = iodirty_ucmd_respond(ucmd, sizeof(*cmd));
out:
	kvfree(bm.h);
	kvfree(bm.w);
	kvfree(bm.m);
	kvfree(bm.l);
	return ret;
}
