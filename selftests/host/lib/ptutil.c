// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "ptutil.h"
#include "pt_fmt.h"

void runlog_init(struct runlog *l)
{
	memset(l, 0, sizeof(*l));
	l->fail_at = -1;
}

void runlog_reset(struct runlog *l)
{
	l->nruns = 0;
	l->ncleared = 0;
	l->calls = 0;
}

void runlog_free(struct runlog *l)
{
	free(l->runs);
	free(l->cleared);
	runlog_init(l);
}

static void runlog_push(struct run **v, u64 *n, u64 *cap, u64 iova, u64 len)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = realloc(*v, *cap * sizeof(**v));
		if (!*v)
			abort();
	}
	(*v)[(*n)++] = (struct run){ iova, len };
}

int runlog_run(void *arg, u64 iova, u64 len)
{
	struct runlog *l = arg;

	if (l->calls++ == l->fail_at)
		return l->fail_err;
	runlog_push(&l->runs, &l->nruns, &l->cap_runs, iova, len);
	return 0;
}

void runlog_cleared(void *arg, u64 iova, u64 len)
{
	struct runlog *l = arg;

	runlog_push(&l->cleared, &l->ncleared, &l->cap_cleared, iova, len);
}

struct pt_dirty_sink runlog_sink(struct runlog *l)
{
	return (struct pt_dirty_sink){
		.run = runlog_run, .cleared = runlog_cleared, .arg = l,
	};
}

static u64 mix(u64 h, u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0x100000001b3ULL;
}

static u64 tree_hash(const struct pt_domain *d, const u64 *t,
		     unsigned int lvl, u64 h)
{
	unsigned int i;

	for (i = 0; i < PT_TABLE_ENTRIES; i++) {
		u64 e = t[i];

		if (!e)
			continue;
		h = mix(mix(h, ((u64)lvl << 16) | i), e);
		if (lvl > 0 && pt_e_present(d->fmt, e) &&
		    pt_e_is_table(d->fmt, e, lvl))
			h = tree_hash(d, pt_e_table(d->fmt, e), lvl - 1, h);
	}
	return h;
}

u64 pt_tree_hash(const struct pt_domain *d)
{
	return tree_hash(d, d->root, d->levels - 1, mix(0, d->nr_tables));
}
