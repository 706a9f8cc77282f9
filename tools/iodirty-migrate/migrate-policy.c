// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-migrate: loading a policy object and reading its ring buffer.
 *
 * A policy is any BPF object with an iodirty_ops struct_ops map, loaded
 * with plain libbpf (bpf_object__open_file) and attached with
 * bpf_map__attach_struct_ops, so third-party objects work like the shipped
 * ones.  "default" means: no BPF policy with --sync bitmap (the built-in
 * default answers flush), and the shipped export policy (export.skel.h)
 * with --sync stream, which needs a policy that exports.  In stream mode
 * the object must have a ring buffer carrying export.h records.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "iodirty-migrate.h"
#include "migrate-source.h"
#include "libiodirty.h"
#include "policy_path.h"
#include "iodirtyctl.h"
#include "export.h"
#include "export.skel.h"

#define MIG_RINGBUF_BYTES	(4 << 20)

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/*
 * Every dirty run the scanner exported: remember it was streamed (the
 * final GET's gap check), add it to what the oracle will judge, and queue
 * it for sending unless the current round will send it anyway (a page
 * ahead of the send cursor in this round's set is read when it is sent,
 * i.e. after this export).
 */
static int on_record(void *ctx, void *data, size_t len)
{
	struct src *s = ctx;
	const struct iodirty_chunk_hdr *h = data;
	unsigned long long i, p, pe, start, end;

	if (len < sizeof(*h)) {
		s->stream_lost = true;
		return 0;
	}
	if (iodirty_chunk_is_eos(h)) {
		const struct export_eos *e = data;

		s->eos++;
		/* markers come once per scan, in order: a gap is a lost marker */
		if (len >= sizeof(*e) && e->scan_seq != s->last_eos_seq + 1)
			s->stream_lost = true;
		if (len >= sizeof(*e))
			s->last_eos_seq = e->scan_seq;
		/*
		 * a dropped or truncated run is only in the scan carry (the
		 * totals are cumulative: compare with what was seen)
		 */
		if (len < sizeof(*e) || e->drops + e->truncated > s->lost_seen)
			s->stream_lost = true;
		if (len >= sizeof(*e))
			s->lost_seen = e->drops + e->truncated;
		return 0;
	}
	s->records++;
	if (!h->page_size || (h->nbits + 7) / 8 > len - sizeof(*h) ||
	    h->iova < MIG_IOVA || h->iova - MIG_IOVA >= s->len) {
		s->foreign++;
		return 0;
	}
	for (i = 0; i < h->nbits; i++) {
		if (!(h->bits[i / 8] >> (i % 8) & 1))
			continue;
		start = h->iova - MIG_IOVA + i * h->page_size;
		end = start + h->page_size;
		if (start >= s->len)
			break;
		if (end > s->len)
			end = s->len;
		pe = (end + MIG_PAGE - 1) / MIG_PAGE;
		for (p = start / MIG_PAGE; p < pe; p++) {
			s->stream_pages++;
			bm_set(s->streamed, p);
			bm_set(s->reported, p);
			if (s->sending && p >= s->cursor && bm_test(s->sendset, p))
				continue;
			bm_set(s->pending, p);
		}
	}
	return 0;
}

int src_policy_load(struct src *s, const char *policy)
{
	struct bpf_map *map, *ops = NULL, *ring = NULL;
	const char *what = policy;
	int err;

	s->policy_obj = NULL;
	if (!strcmp(policy, "default")) {
		if (env.sync == MIG_SYNC_BITMAP)
			return 0;	/* the built-in default */
		s->export_skel = export_bpf__open();
		if (!s->export_skel) {
			err = -errno;
			fprintf(stderr, "iodirty-migrate: opening the export policy: %s\n",
				strerror(-err));
			return err;
		}
		s->policy_obj = s->export_skel->obj;
		what = "export (default for --sync stream)";
	} else {
		char found[PATH_MAX];
		const char *path = iodirty_find_policy(policy, found,
						       sizeof(found));

		if (!path) {
			err = -errno;
			if (err == -ENOENT && !strchr(policy, '/'))
				fprintf(stderr, "iodirty-migrate: policy '%s' not found in %s\n",
					policy, IODIRTY_POLICY_SEARCH);
			else
				fprintf(stderr, "iodirty-migrate: policy '%s': %s\n",
					policy, strerror(-err));
			return err;
		}
		s->policy_obj = bpf_object__open_file(path, NULL);
		if (!s->policy_obj) {
			err = -errno;
			fprintf(stderr, "iodirty-migrate: opening policy '%s': %s\n",
				path, strerror(-err));
			return err;
		}
	}
	bpf_object__for_each_map(map, s->policy_obj) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS && !ops)
			ops = map;
		else if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF && !ring)
			ring = map;
	}
	if (!ops) {
		fprintf(stderr, "iodirty-migrate: policy '%s' has no iodirty_ops struct_ops map (not a policy object)\n",
			policy);
		return -EINVAL;
	}
	if (env.sync == MIG_SYNC_STREAM && !ring) {
		fprintf(stderr, "iodirty-migrate: policy '%s' has no ring buffer: --sync stream needs a policy whose export member writes export.h records (like export.bpf.o)\n",
			policy);
		return -EINVAL;
	}
	if (ring && bpf_map__set_max_entries(ring, MIG_RINGBUF_BYTES))
		return -EINVAL;
	err = bpf_object__load(s->policy_obj);
	if (err) {
		fprintf(stderr, "iodirty-migrate: loading policy '%s': %s (run with -v for the verifier log)\n",
			policy, strerror(-err));
		return err;
	}
	s->link = bpf_map__attach_struct_ops(ops);
	if (!s->link) {
		err = -errno;
		fprintf(stderr, "iodirty-migrate: attaching policy '%s': %s\n",
			policy, iodirty_strerror(err));
		return err;
	}
	if (ring) {
		s->rb = ring_buffer__new(bpf_map__fd(ring), on_record, s, NULL);
		if (!s->rb) {
			err = -errno;
			fprintf(stderr, "iodirty-migrate: ring buffer of '%s': %s\n",
				policy, strerror(-err));
			return err;
		}
	}
	if (env.verbose)
		fprintf(stderr, "policy %s attached (%s)\n", base_name(what),
			bpf_map__name(ops));
	return 0;
}

int src_ring_drain(struct src *s)
{
	int n;

	if (!s->rb)
		return 0;
	n = ring_buffer__consume(s->rb);
	if (n < 0 && n != -EINTR) {
		fprintf(stderr, "iodirty-migrate: reading the ring buffer: %s\n",
			strerror(-n));
		return n;
	}
	return 0;
}

/* stream: read the ring for up to @ms (a round lasts at least one scan) */
int src_ring_wait(struct src *s, int ms)
{
	int n;

	if (!s->rb || ms <= 0)
		return 0;
	n = ring_buffer__poll(s->rb, ms);
	if (n < 0 && n != -EINTR) {
		fprintf(stderr, "iodirty-migrate: polling the ring buffer: %s\n",
			strerror(-n));
		return n;
	}
	return 0;
}

void src_policy_unload(struct src *s)
{
	bpf_link__destroy(s->link);
	s->link = NULL;
	ring_buffer__free(s->rb);
	s->rb = NULL;
	if (s->export_skel)
		export_bpf__destroy(s->export_skel);
	else
		bpf_object__close(s->policy_obj);
	s->export_skel = NULL;
	s->policy_obj = NULL;
}
