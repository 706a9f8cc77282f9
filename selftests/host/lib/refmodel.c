// SPDX-License-Identifier: GPL-2.0
/*
 * Reference model of an I/O page table; see refmodel.h.  Written for
 * obviousness, not speed, and without looking at kmod/pt's code paths.
 */
#include <stdlib.h>
#include <string.h>
#include "refmodel.h"

static u64 rm_hash(u64 key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key;
}

static struct rm_chunk **rm_slot(struct refmodel *m, u64 key)
{
	u64 i = rm_hash(key) & (m->nslots - 1);

	while (m->slots[i] && m->slots[i]->key != key)
		i = (i + 1) & (m->nslots - 1);
	return &m->slots[i];
}

static void rm_grow(struct refmodel *m)
{
	struct rm_chunk **old = m->slots;
	u64 n = m->nslots, i;

	m->nslots = n ? n * 2 : 64;
	m->slots = calloc(m->nslots, sizeof(*m->slots));
	if (!m->slots)
		abort();
	for (i = 0; i < n; i++)
		if (old[i])
			*rm_slot(m, old[i]->key) = old[i];
	free(old);
}

static struct rm_chunk *rm_chunk(struct refmodel *m, u64 iova, bool create)
{
	u64 key = iova >> (m->granule_shift + RM_CHUNK_SHIFT);
	struct rm_chunk **s;

	if (!m->nslots) {
		if (!create)
			return NULL;
		rm_grow(m);
	}
	s = rm_slot(m, key);
	if (*s || !create)
		return *s;
	if (2 * (m->nchunks + 1) > m->nslots) {
		rm_grow(m);
		s = rm_slot(m, key);
	}
	*s = calloc(1, sizeof(**s));
	if (!*s)
		abort();
	(*s)->key = key;
	m->nchunks++;
	return *s;
}

static struct rm_page *rm_page(struct refmodel *m, u64 iova, bool create)
{
	unsigned int cs = m->granule_shift + RM_CHUNK_SHIFT;
	struct rm_chunk *c;

	/* one-entry cache: page loops stay in one chunk for 512 pages */
	if (m->last && m->last->key == iova >> cs)
		c = m->last;
	else
		c = m->last = rm_chunk(m, iova, create);

	if (!c)
		return NULL;
	return &c->pg[(iova >> m->granule_shift) & (RM_CHUNK_PAGES - 1)];
}

static struct rm_page *rm_mapped(struct refmodel *m, u64 iova)
{
	struct rm_page *p = rm_page(m, iova, false);

	return p && p->mapped ? p : NULL;
}

int rm_init(struct refmodel *m, unsigned int granule_shift,
	    unsigned int va_bits, unsigned int oa_bits, u64 pgsize_bitmap,
	    bool ro_dirty)
{
	memset(m, 0, sizeof(*m));
	m->granule_shift = granule_shift;
	m->va_bits = va_bits;
	m->oa_bits = oa_bits;
	m->pgsize_bitmap = pgsize_bitmap;
	m->ro_dirty = ro_dirty;
	return 0;
}

int rm_init_like(struct refmodel *m, const struct pt_domain *d)
{
	static const unsigned int oa[PT_FMT_NR] = {
		[PT_FMT_AMDV1] = 52, [PT_FMT_VTDSS] = 52,
		[PT_FMT_ARMV8] = 48, [PT_FMT_MOCK] = 51,
		[PT_FMT_MOCKPT] = 51,
	};

	return rm_init(m, d->granule_shift, d->va_bits, oa[d->fmt],
		       d->pgsize_bitmap, d->fmt != PT_FMT_ARMV8);
}

void rm_destroy(struct refmodel *m)
{
	u64 i;

	for (i = 0; i < m->nslots; i++)
		free(m->slots[i]);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

u64 rm_mapped_bytes(const struct refmodel *m)
{
	return m->mapped_bytes;
}

static int rm_check_range(const struct refmodel *m, u64 iova, u64 len)
{
	u64 g = 1ULL << m->granule_shift;

	if (len == 0)
		return -ENODATA;
	if (iova % g || len % g)
		return -EINVAL;
	if (iova + len < iova)
		return -EOVERFLOW;
	if (iova + len > (1ULL << m->va_bits))
		return -ERANGE;
	return 0;
}

/* Smallest existing chunk key in (key, end_key], or ~0 if none. */
static u64 rm_next_key(const struct refmodel *m, u64 key, u64 end_key)
{
	u64 best = ~0ULL, i;

	for (i = 0; i < m->nslots; i++) {
		const struct rm_chunk *c = m->slots[i];

		if (c && c->nmapped && c->key > key && c->key <= end_key &&
		    c->key < best)
			best = c->key;
	}
	return best;
}

/* First mapped page in [pos, end), or NULL. */
static struct rm_page *rm_next_mapped(struct refmodel *m, u64 pos, u64 end,
				      u64 *at)
{
	unsigned int cs = m->granule_shift + RM_CHUNK_SHIFT;

	while (pos < end) {
		struct rm_chunk *c = rm_chunk(m, pos, false);
		u64 key = pos >> cs;

		if (c && c->nmapped) {
			unsigned int i = (pos >> m->granule_shift) &
					 (RM_CHUNK_PAGES - 1);

			for (; i < RM_CHUNK_PAGES; i = (i | 63) + 1) {
				u64 w = c->mapbits[i / 64] >> (i % 64);

				if (w) {
					i += __builtin_ctzll(w);
					pos = (key << cs) |
					      ((u64)i << m->granule_shift);
					if (pos >= end)
						return NULL;
					*at = pos;
					return &c->pg[i];
				}
			}
		}
		/* nothing more in this chunk: next chunk that has pages */
		if (((end - 1) >> cs) - key > m->nslots)
			key = rm_next_key(m, key, (end - 1) >> cs);
		else
			key++;
		if (key == ~0ULL || key > (end - 1) >> cs)
			return NULL;
		pos = key << cs;
	}
	return NULL;
}

static void rm_set_leaf(struct refmodel *m, u64 base, u64 size, u64 pa,
			unsigned int prot, bool dirty)
{
	u64 g = 1ULL << m->granule_shift, off;

	for (off = 0; off < size; off += g) {
		struct rm_page *p = rm_page(m, base + off, true);

		if (!p->mapped) {
			struct rm_chunk *c = m->last;
			unsigned int i = p - c->pg;

			c->nmapped++;
			c->mapbits[i / 64] |= 1ULL << (i % 64);
		}
		p->mapped = 1;
		p->pa = pa + off;
		p->leaf_base = base;
		p->leaf_shift = (u8)__builtin_ctzll(size);
		p->prot = prot;
		p->dirty = off == 0 ? dirty : 0;
	}
}

static void rm_clear_leaf(struct refmodel *m, u64 base, u64 size)
{
	u64 g = 1ULL << m->granule_shift, off;

	for (off = 0; off < size; off += g) {
		struct rm_page *p = rm_page(m, base + off, false);
		struct rm_chunk *c = m->last;
		unsigned int i = p - c->pg;

		memset(p, 0, sizeof(*p));
		c->nmapped--;
		c->mapbits[i / 64] &= ~(1ULL << (i % 64));
	}
	m->mapped_bytes -= size;
}

int rm_map(struct refmodel *m, u64 iova, u64 pa, u64 len, unsigned int prot,
	   u64 pgsize, unsigned int flags)
{
	u64 g = 1ULL << m->granule_shift, oa = 1ULL << m->oa_bits;
	bool phantom = flags & PT_MAP_PHANTOM;
	u64 pos, at, span, biggest = 0;
	int ret, b;

	ret = rm_check_range(m, iova, len);
	if (ret)
		return ret;
	if (!(prot & PT_PROT_READ) || prot > (PT_PROT_READ | PT_PROT_WRITE) ||
	    flags > PT_MAP_PHANTOM || pa % g)
		return -EINVAL;
	for (b = 63; b >= 0; b--)
		if (m->pgsize_bitmap & (1ULL << b)) {
			biggest = 1ULL << b;
			break;
		}
	span = phantom ? (biggest < len ? biggest : len) : len;
	if (pa >= oa || span > oa - pa)
		return -ERANGE;
	if (pgsize) {
		if (pgsize & (pgsize - 1) || !(pgsize & m->pgsize_bitmap))
			return -EOPNOTSUPP;
		if (iova % pgsize || pa % pgsize || len % pgsize)
			return -EINVAL;
	}
	if (rm_next_mapped(m, iova, iova + len, &at))
		return -EEXIST;

	for (pos = iova; pos < iova + len;) {
		u64 lpa = phantom ? pa : pa + (pos - iova), size = pgsize;

		if (!size) {
			/* largest allowed size that fits here */
			for (b = 63; b >= 0; b--) {
				u64 s = 1ULL << b;

				if ((m->pgsize_bitmap & s) && pos % s == 0 &&
				    lpa % s == 0 && s <= iova + len - pos) {
					size = s;
					break;
				}
			}
		}
		rm_set_leaf(m, pos, size, lpa, prot, false);
		m->mapped_bytes += size;
		pos += size;
	}
	return 0;
}

int rm_unmap(struct refmodel *m, u64 iova, u64 len, u64 *unmapped)
{
	u64 end = iova + len, pos, at, bytes = 0;
	struct rm_page *p;
	int ret;

	if (unmapped)
		*unmapped = 0;
	ret = rm_check_range(m, iova, len);
	if (ret)
		return ret;
	p = rm_mapped(m, iova);
	if (p && p->leaf_base < iova)
		return -EDOM;
	p = rm_mapped(m, end - 1);
	if (p && p->leaf_base + (1ULL << p->leaf_shift) > end)
		return -EDOM;
	for (pos = iova; (p = rm_next_mapped(m, pos, end, &at));) {
		u64 base = p->leaf_base, size = 1ULL << p->leaf_shift;

		rm_clear_leaf(m, base, size);
		bytes += size;
		pos = base + size;
	}
	if (!bytes)
		return -ENOENT;
	if (unmapped)
		*unmapped = bytes;
	return 0;
}

static void rm_fill(struct refmodel *m, const struct rm_page *p,
		    struct pt_xlate *x)
{
	struct rm_page *head = rm_page(m, p->leaf_base, false);

	x->iova = p->leaf_base;
	x->size = 1ULL << p->leaf_shift;
	x->pa = head->pa;
	x->prot = p->prot;
	x->dirty = head->dirty;
	x->accessed = false;
}

int rm_translate(struct refmodel *m, u64 iova, struct pt_xlate *x)
{
	struct rm_page *p;

	if (iova >= (1ULL << m->va_bits))
		return -ERANGE;
	p = rm_mapped(m, iova);
	if (!p)
		return -ENOENT;
	rm_fill(m, p, x);
	return 0;
}

int rm_hw_access(struct refmodel *m, u64 iova, unsigned int access,
		 struct pt_xlate *x)
{
	struct rm_page *p;
	int ret = 0;

	if (!access || access > (PT_PROT_READ | PT_PROT_WRITE))
		return -EINVAL;
	if (iova >= (1ULL << m->va_bits))
		return -ERANGE;
	p = rm_mapped(m, iova);
	if (!p)
		return -ENOENT;
	if ((access & PT_PROT_WRITE) && !(p->prot & PT_PROT_WRITE))
		ret = -EACCES;
	else if (access & PT_PROT_WRITE)
		rm_page(m, p->leaf_base, false)->dirty = 1;
	if (x)
		rm_fill(m, p, x);
	return ret;
}

int rm_mark_dirty(struct refmodel *m, u64 iova)
{
	struct rm_page *p;

	if (iova >= (1ULL << m->va_bits))
		return -ERANGE;
	p = rm_mapped(m, iova);
	if (!p)
		return -ENOENT;
	if (!m->ro_dirty && !(p->prot & PT_PROT_WRITE))
		return -EACCES;
	rm_page(m, p->leaf_base, false)->dirty = 1;
	return 0;
}

struct rm_runs {
	u64 s, e;		/* pending run */
	u64 cs, ce;		/* pending cleared run */
};

static int rm_emit(struct refmodel *m, struct rm_runs *r,
		   const struct pt_dirty_sink *sink,
		   struct pt_dirty_stats *st, bool clear)
{
	u64 pos, at;
	struct rm_page *p;
	int ret = 0;

	if (r->s == r->e)
		return 0;
	st->runs++;
	if (sink && sink->run)
		ret = sink->run(sink->arg, r->s, r->e - r->s);
	if (ret && clear) {
		/* the run failed: its leaves are dirty again */
		for (pos = r->s; (p = rm_next_mapped(m, pos, r->e, &at));) {
			rm_page(m, p->leaf_base, false)->dirty = 1;
			pos = p->leaf_base + (1ULL << p->leaf_shift);
		}
	}
	r->s = r->e;
	return ret;
}

static void rm_emit_cleared(struct rm_runs *r,
			    const struct pt_dirty_sink *sink,
			    struct pt_dirty_stats *st)
{
	if (r->cs == r->ce)
		return;
	if (sink && sink->cleared)
		sink->cleared(sink->arg, r->cs, r->ce - r->cs);
	if (st->clear_start >= st->clear_end) {
		st->clear_start = r->cs;
		st->clear_end = r->ce;
	} else {
		if (r->cs < st->clear_start)
			st->clear_start = r->cs;
		if (r->ce > st->clear_end)
			st->clear_end = r->ce;
	}
	r->cs = r->ce;
}

int rm_read_and_clear_dirty(struct refmodel *m, u64 iova, u64 len,
			    unsigned int flags,
			    const struct pt_dirty_sink *sink,
			    struct pt_dirty_stats *stats)
{
	struct pt_dirty_stats st = { 0 };
	struct rm_runs r = { iova, iova, iova, iova };
	bool clear = !(flags & PT_DIRTY_NO_CLEAR);
	u64 end = iova + len, pos, at;
	struct rm_page *p;
	int ret;

	ret = rm_check_range(m, iova, len);
	if (ret)
		return ret;
	if (flags > PT_DIRTY_NO_CLEAR)
		return -EINVAL;
	for (pos = iova; (p = rm_next_mapped(m, pos, end, &at));) {
		u64 base = p->leaf_base, lend = base + (1ULL << p->leaf_shift);
		struct rm_page *head = rm_page(m, base, false);
		u64 s = base < iova ? iova : base, e = lend > end ? end : lend;

		pos = lend;
		if (!head->dirty)
			continue;
		st.dirty_leaves++;
		st.dirty_bytes += e - s;
		if (s != r.e) {
			ret = rm_emit(m, &r, sink, &st, clear);
			if (ret)
				break;
			r.s = s;
		}
		r.e = e;
		if (!clear)
			continue;
		if (base < iova || lend > end) {
			st.kept_straddling++;
			continue;
		}
		head->dirty = 0;
		st.cleared_leaves++;
		if (base != r.ce) {
			rm_emit_cleared(&r, sink, &st);
			r.cs = base;
		}
		r.ce = lend;
	}
	if (!ret)
		ret = rm_emit(m, &r, sink, &st, clear);
	rm_emit_cleared(&r, sink, &st);
	if (stats) {
		stats->dirty_leaves += st.dirty_leaves;
		stats->dirty_bytes += st.dirty_bytes;
		stats->runs += st.runs;
		stats->cleared_leaves += st.cleared_leaves;
		stats->kept_straddling += st.kept_straddling;
		if (st.clear_start < st.clear_end) {
			if (stats->clear_start >= stats->clear_end) {
				stats->clear_start = st.clear_start;
				stats->clear_end = st.clear_end;
			} else {
				if (st.clear_start < stats->clear_start)
					stats->clear_start = st.clear_start;
				if (st.clear_end > stats->clear_end)
					stats->clear_end = st.clear_end;
			}
		}
	}
	return ret;
}

int rm_split(struct refmodel *m, u64 iova, u64 new_size)
{
	struct rm_page *p;
	u64 base, size, off;
	bool dirty;

	if (iova % (1ULL << m->granule_shift))
		return -EINVAL;
	if (iova >= (1ULL << m->va_bits))
		return -ERANGE;
	if (!new_size || (new_size & (new_size - 1)) ||
	    !(new_size & m->pgsize_bitmap))
		return -EOPNOTSUPP;
	p = rm_mapped(m, iova);
	if (!p)
		return -ENOENT;
	base = p->leaf_base;
	size = 1ULL << p->leaf_shift;
	if (new_size >= size)
		return -EINVAL;
	dirty = rm_page(m, base, false)->dirty;
	/* page pa stays; only leaf boundaries and per-leaf dirty change */
	for (off = 0; off < size; off += new_size) {
		u64 g = 1ULL << m->granule_shift, o;

		for (o = 0; o < new_size; o += g) {
			struct rm_page *q = rm_page(m, base + off + o, false);

			q->leaf_base = base + off;
			q->leaf_shift = (u8)__builtin_ctzll(new_size);
			q->dirty = o == 0 ? dirty : 0;
		}
	}
	return 0;
}

int rm_for_each_leaf(struct refmodel *m, u64 iova, u64 len,
		     int (*fn)(void *arg, const struct pt_xlate *x), void *arg)
{
	u64 pos, at;
	struct rm_page *p;
	int ret = rm_check_range(m, iova, len);

	if (ret)
		return ret;
	for (pos = iova; (p = rm_next_mapped(m, pos, iova + len, &at));) {
		struct pt_xlate x;

		rm_fill(m, p, &x);
		ret = fn(arg, &x);
		if (ret)
			return ret;
		pos = x.iova + x.size;
	}
	return 0;
}
