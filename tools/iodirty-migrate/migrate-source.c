// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-migrate --to: the source, QEMU's pre-copy loop over DMA memory.
 *
 * The migrated memory is an anonymous buffer mapped into an IOAS at
 * MIG_IOVA and attached, through one dirty-tracking HWPT, to --devices
 * emulated devices; each runs a kernel DMA workload over its own slice
 * while the rounds run (the workload stores data, so the bytes change).
 *
 *   round 1        send every page (the bulk stage)
 *   round n > 1    send the pages dirtied since the previous sync:
 *                  bitmap: one exact HARVEST (GET_DIRTY_BITMAP + counters)
 *                  of all memory after each round;
 *                  stream: the background scanner and the policy's export
 *                  member push dirty runs through the ring buffer, read
 *                  between messages while the round is being sent
 *   switchover     when pending <= bandwidth x downtime-limit (QEMU's
 *                  threshold; bandwidth is the lower of --bandwidth and the
 *                  rate measured in the round) or after --max-rounds
 *   stop-and-copy  stop every workload (STOP waits for the DMA thread:
 *                  quiesced), final exact harvest, send the rest, DONE;
 *                  the downtime ends when the destination ACKs
 *   verification   per-page digests of the final memory; the destination
 *                  compares and answers with the mismatch count
 *
 * Page data goes through a token bucket of --bandwidth bytes/s, so "sent"
 * means "on the wire at that rate", in every phase.
 *
 * Stream mode's final harvest: the periodic scanner is stopped, a FULL scan
 * exports every page still dirty, then an exact GET reports what the scan
 * carry holds (every page a scan cleared, kmod/scan.c).  Pages the ring
 * delivered were sent after their last export, so only the GET's pages the
 * ring never delivered are gaps; if the stream lost anything (a dropped or
 * truncated record, a missing end-of-scan marker) the whole GET is sent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <bpf/libbpf.h>
#include "libiodirty.h"
#include "iodirty-migrate.h"
#include "migrate-source.h"

#define SCAN_REGION	(256 << 10)
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)	/* log2(2 MiB) << MAP_HUGE_SHIFT */
#endif

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	if (env.json)
		return;		/* stdout carries NDJSON only */
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static unsigned long long bm_weight(const unsigned char *bm, unsigned long long npages)
{
	unsigned long long i, n = 0;

	for (i = 0; i < (npages + 7) / 8; i++)
		n += __builtin_popcount(bm[i]);
	return n;
}

static void bm_or(unsigned char *dst, const unsigned char *src, unsigned long long npages)
{
	unsigned long long i;

	for (i = 0; i < (npages + 7) / 8; i++)
		dst[i] |= src[i];
}

#define FAIL(err, ...) do {						\
	fprintf(stderr, "iodirty-migrate: " __VA_ARGS__);		\
	fprintf(stderr, ": %s\n", iodirty_strerror(err));		\
	return err;							\
} while (0)

/* memory, IOAS, devices, the dirty HWPT */
static int src_setup_memory(struct src *s)
{
	unsigned long long i, x = env.seed ?: 1;
	__u64 *w;
	int err;

	s->fd = iodirty_open();
	if (s->fd < 0)
		FAIL(s->fd, "open %s", IODIRTY_DEV_PATH);
	s->buf = mmap(NULL, s->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE |
		      (env.huge ? MAP_HUGETLB | MAP_HUGE_2MB : 0), -1, 0);
	if (s->buf == MAP_FAILED) {
		s->buf = NULL;
		if (env.huge)
			FAIL(-errno, "allocating %llu MiB of 2 MiB hugetlb pages (reserve %llu in /proc/sys/vm/nr_hugepages)",
			     s->len >> 20, s->len / MIG_HUGE);
		FAIL(-errno, "allocating %llu MiB", s->len >> 20);
	}
	/* the guest's memory before migration: seeded, so every run starts alike */
	for (w = (__u64 *)s->buf, i = 0; i < s->len / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[i] = x;
	}
	err = iodirty_ioas_alloc(s->fd, &s->ioas);
	if (err)
		FAIL(err, "IOAS_ALLOC");
	err = iodirty_ioas_map(s->fd, s->ioas, s->buf, s->len, MIG_IOVA);
	if (err) {
		struct rlimit rl = {};

		getrlimit(RLIMIT_MEMLOCK, &rl);
		if (err == -ENOMEM && rl.rlim_cur != RLIM_INFINITY)
			fprintf(stderr, "iodirty-migrate: IOAS_MAP of %llu MiB: %s (RLIMIT_MEMLOCK is %llu KiB: raise ulimit -l or use a smaller --mem)\n",
				s->len >> 20, strerror(-err),
				(unsigned long long)rl.rlim_cur >> 10);
		else
			fprintf(stderr, "iodirty-migrate: IOAS_MAP of %llu MiB: %s\n",
				s->len >> 20, iodirty_strerror(err));
		return err;
	}
	for (i = 0; i < env.devices; i++) {
		/* --huge: 2 MiB leaves allowed, hugetlb pages give them */
		err = iodirty_device_create(s->fd, env.model, IODIRTY_DEVICE_DIRTY_TRACKING,
					    env.model == IODIRTY_MODEL_MOCK ? 0 :
					    env.huge ? MIG_PAGE | MIG_HUGE : MIG_PAGE,
					    &s->dev[i]);
		if (err)
			FAIL(err, "DEVICE_CREATE (%s)", iodirty_model_name(env.model));
		s->ndev++;
		if (!i) {
			err = iodirty_hwpt_alloc(s->fd, s->dev[0], s->ioas,
						 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &s->hwpt);
			if (err)
				FAIL(err, "HWPT_ALLOC with dirty tracking");
		}
		err = iodirty_device_attach(s->fd, s->dev[i], s->hwpt, NULL);
		if (err)
			FAIL(err, "DEVICE_ATTACH of device %llu", i);
	}
	err = iodirty_set_dirty_tracking(s->fd, s->hwpt, true);
	if (err)
		FAIL(err, "SET_DIRTY_TRACKING");
	if (env.huge) {
		/* a counters-only walk: with 2 MiB leaves only, one per 2 MiB */
		struct iodirty_harvest h = {
			.hwpt_id = s->hwpt, .flags = IODIRTY_HARVEST_NO_CLEAR,
			.iova = MIG_IOVA, .length = s->len, .page_size = MIG_PAGE,
		};

		err = iodirty_harvest(s->fd, &h);
		if (err)
			FAIL(err, "HARVEST (leaf count)");
		if (h.out_leaves != s->len / MIG_HUGE) {
			fprintf(stderr, "iodirty-migrate: --huge: the memory is mapped with %llu leaves, not %llu 2 MiB ones\n",
				(unsigned long long)h.out_leaves, s->len / MIG_HUGE);
			return -EINVAL;
		}
	}
	/* the oracle judges the union of everything reported (lab) */
	err = iodirty_oracle_reset(s->fd, s->hwpt);
	if (err)
		FAIL(err, "ORACLE reset (the module needs lab=1)");
	return 0;
}

static int src_start_devices(struct src *s)
{
	unsigned long long slice = s->len / s->ndev / MIG_PAGE * MIG_PAGE;
	unsigned int i;
	int err;

	for (i = 0; i < s->ndev; i++) {
		struct iodirty_workload w = {
			.op = IODIRTY_WORKLOAD_START, .dev_id = s->dev[i],
			.pattern = env.pattern, .iova = MIG_IOVA + i * slice,
			.length = i + 1 == s->ndev ? s->len - i * slice : slice,
			.rate = env.rate, .seed = env.seed + i,
			.write_bytes = env.write_bytes,
		};

		err = iodirty_workload(s->fd, &w);
		if (err)
			FAIL(err, "WORKLOAD START on device %u", i);
		s->workloads = true;
	}
	return 0;
}

/* stop-and-copy begins here: STOP waits until each DMA thread has exited */
static int src_stop_devices(struct src *s, unsigned long long *writes)
{
	struct iodirty_workload w;
	unsigned int i;
	int err, ret = 0;

	*writes = 0;
	for (i = 0; i < s->ndev; i++) {
		err = iodirty_workload_stop(s->fd, s->dev[i], &w);
		if (err) {
			fprintf(stderr, "iodirty-migrate: WORKLOAD STOP on device %u: %s\n",
				i, iodirty_strerror(err));
			ret = ret ?: err;
		}
		*writes += w.out_writes;
	}
	s->workloads = false;
	return ret;
}

/* one exact harvest of all memory into @bm (NULL: count only, NO_CLEAR) */
static int src_harvest(struct src *s, unsigned char *bm, __u32 flags,
		       unsigned long long *dirty_bytes)
{
	struct iodirty_harvest h = {
		.hwpt_id = s->hwpt, .flags = flags, .iova = MIG_IOVA,
		.length = s->len, .page_size = MIG_PAGE,
		.data = (__u64)(unsigned long)bm,
	};
	int err;

	if (bm)
		memset(bm, 0, (s->npages + 7) / 8);
	err = iodirty_harvest(s->fd, &h);
	if (err) {
		fprintf(stderr, "iodirty-migrate: HARVEST: %s%s\n", iodirty_strerror(err),
			err == -EPERM && flags & IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE ?
			" (--unsafe-skip-flush needs the module's lab=1)" : "");
		return err;
	}
	s->harvests++;
	s->harvest_leaves += h.out_leaves;
	if (dirty_bytes)
		*dirty_bytes = h.out_dirty_bytes;
	if (bm)
		bm_or(s->reported, bm, s->npages);
	return 0;
}

static int net_error(int err, const char *what)
{
	fprintf(stderr, "iodirty-migrate: %s: %s%s; the source memory is untouched\n",
		what, strerror(-err),
		err == -EPIPE || err == -ECONNRESET ? " (the destination is gone)" : "");
	return err;
}

/*
 * Stream mode lost a record (ring full, run truncated): those pages are
 * only in the scan carry.  Take them now with an exact GET (which consumes
 * the carry) and queue everything it reports, so the loss costs one GET's
 * worth of pages now instead of a whole-carry GET in the downtime; what
 * was streamed before no longer matters for the final gap check.
 */
static int src_stream_resync(struct src *s)
{
	int err = src_ring_drain(s) ?: src_harvest(s, s->tmp, 0, NULL);

	if (err)
		return err;
	bm_or(s->pending, s->tmp, s->npages);
	memset(s->streamed, 0, (s->npages + 7) / 8);
	s->stream_lost = false;
	s->resyncs++;
	return 0;
}

/*
 * Send every page of @set, in runs of up to MIG_CHUNK_PAGES, through the
 * rate limit; in stream mode the ring buffer is read between messages.
 * With @drop_every, every Nth page is skipped (test-only breakage).
 */
static int src_send_set(struct src *s, unsigned char *set, unsigned int drop_every,
			unsigned long long *pages_out)
{
	unsigned long long p = 0, n, sent = 0, seen = 0;
	int err;

	s->sendset = set;
	s->sending = true;
	s->send_s = mig_now();
	while (p < s->npages) {
		if (!bm_test(set, p)) {
			p++;
			continue;
		}
		if (drop_every && ++seen % drop_every == 0) {
			s->dropped++;
			p++;
			continue;
		}
		for (n = 1; n < MIG_CHUNK_PAGES && p + n < s->npages &&
			    bm_test(set, p + n); n++)
			;
		s->cursor = p + n;
		err = mig_send(s->sock, MIG_PAGES, p, n, 0, 0, s->buf + p * MIG_PAGE,
			       n * MIG_PAGE, &s->tb);
		if (err) {
			s->sending = false;
			return net_error(err, "sending pages");
		}
		sent += n;
		p += n;
		err = src_ring_drain(s);
		if (!err && s->stream_lost && s->scanning)
			err = src_stream_resync(s);
		if (err)
			return err;
	}
	s->sending = false;
	s->send_s = mig_now() - s->send_s;
	s->bytes += sent * MIG_PAGE;
	s->sent_pages += sent;
	*pages_out = sent;
	return 0;
}

struct round_rec {
	unsigned int round;
	unsigned long long dirty_pages, sent_pages;
	double round_s, dirty_rate, xfer_rate;
	unsigned long long pending;
	double expected_ms;
};

static void print_round(const char *policy, const struct round_rec *r,
			unsigned long long total_bytes)
{
	if (env.json) {
		printf("{\"type\":\"iteration\",\"policy\":\"%s\",\"sync\":\"%s\",\"round\":%u,"
		       "\"status\":\"active\",\"dirty_pages\":%llu,\"bytes_sent\":%llu,"
		       "\"dirty_rate_mbs\":%.2f,\"transfer_rate_mbs\":%.2f,\"round_ms\":%.1f,"
		       "\"pending_bytes\":%llu,\"downtime_expected\":%.1f,"
		       "\"ram\":{\"transferred_bytes\":%llu,\"remaining_bytes\":%llu,"
		       "\"normal_pages\":%llu,\"dirty_rate_pps\":%.0f,"
		       "\"transfer_rate_mbs\":%.2f,\"iterations\":%u}}\n",
		       policy, env.sync == MIG_SYNC_BITMAP ? "bitmap" : "stream", r->round,
		       r->dirty_pages, r->sent_pages * MIG_PAGE, r->dirty_rate / 1048576,
		       r->xfer_rate / 1048576, r->round_s * 1e3, r->pending,
		       r->expected_ms, total_bytes, r->pending, r->sent_pages,
		       r->dirty_rate / MIG_PAGE, r->xfer_rate / 1048576, r->round);
		fflush(stdout);
		return;
	}
	say("  round %2u  dirty %7llu pages  sent %8.2f MiB  dirty-rate %7.1f MiB/s  xfer %6.1f MiB/s  time %6.0f ms  pending %7.2f MiB  expected-downtime %6.0f ms\n",
	    r->round, r->dirty_pages, r->sent_pages * MIG_PAGE / 1048576.0,
	    r->dirty_rate / 1048576, r->xfer_rate / 1048576, r->round_s * 1e3,
	    r->pending / 1048576.0, r->expected_ms);
}

/* the device's IOTLB invalidation counters, summed over all devices */
static int src_iotlb(struct src *s, unsigned long long *inv, unsigned long long *cost)
{
	unsigned int i;
	int err;

	*inv = *cost = 0;
	for (i = 0; i < s->ndev; i++) {
		struct iodirty_iotlb t = { .dev_id = s->dev[i] };

		err = iodirty_iotlb(s->fd, &t);
		if (err)
			FAIL(err, "IOTLB counters");
		*inv += t.out_inv_range + t.out_inv_all;
		*cost += t.out_inv_cost_ns;
	}
	return 0;
}

/* 2 MiB leaves demoted so far, module-wide (bpf_iodirty_demote) */
static int src_demotes(struct src *s, unsigned long long *n)
{
	struct iodirty_status st;
	int err = iodirty_status(s->fd, &st);

	if (err)
		FAIL(err, "IODIRTY_STATUS");
	*n = st.out_stats[IODIRTY_STAT_DEMOTES];
	return 0;
}

/* pre-copy until the pending set fits the downtime, then stop-and-copy */
static int src_migrate(struct src *s, const char *policy, struct mig_result *res)
{
	double bw = env.bandwidth, t_sync = mig_now(), t0, t1, th, t_stop;
	__u32 uflags = env.skip_flush ? IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE : 0;
	unsigned long long sent, ptedirty = 0, writes, gaps = 0, fin_pages;
	struct round_rec r = {};
	struct mig_msg m;
	unsigned char *t;
	int err;

	memset(s->cur, 0xff, (s->npages + 7) / 8);
	if (s->npages % 8)
		s->cur[s->npages / 8] = (1u << (s->npages % 8)) - 1;
	for (r.round = 1;; r.round++) {
		r.dirty_pages = bm_weight(s->cur, s->npages);
		t0 = mig_now();
		err = src_send_set(s, s->cur, 0, &r.sent_pages);
		if (err)
			return err;
		/* stream: wait for at least one scan, or a round finds nothing */
		while (env.sync == MIG_SYNC_STREAM && !err &&
		       (mig_now() - t0) * 1e3 < env.scan_ms)
			err = src_ring_wait(s, env.scan_ms - (int)((mig_now() - t0) * 1e3));
		if (err)
			return err;
		t1 = mig_now();
		/* the sync QEMU does at the end of an iteration */
		if (env.sync == MIG_SYNC_BITMAP) {
			err = src_harvest(s, s->next, uflags, NULL);
			r.pending = bm_weight(s->next, s->npages) * MIG_PAGE;
		} else {
			err = src_ring_drain(s);
			if (!err && s->stream_lost)
				err = src_stream_resync(s);
			t = s->next;
			s->next = s->pending;
			s->pending = t;
			memset(s->pending, 0, (s->npages + 7) / 8);
			/* what the scanner has not picked up yet (deferred too) */
			err = err ?: src_harvest(s, NULL, IODIRTY_HARVEST_NO_CLEAR, &ptedirty);
			r.pending = bm_weight(s->next, s->npages) * MIG_PAGE + ptedirty;
		}
		if (err)
			return err;
		r.round_s = t1 - t0;
		r.xfer_rate = r.round_s > 0 ? r.sent_pages * MIG_PAGE / r.round_s : 0;
		/*
		 * QEMU's expected bandwidth: measured over the iteration, capped
		 * by the limit; only from rounds that kept the link busy (at
		 * least 1 MiB: a near-empty stream round mostly waits for scans)
		 */
		if (r.sent_pages >= 256 && s->send_s > 0)
			bw = r.sent_pages * MIG_PAGE / s->send_s < env.bandwidth ?
			     r.sent_pages * MIG_PAGE / s->send_s : env.bandwidth;
		/* pages newly found dirty since the last sync (not the deferred) */
		r.dirty_rate = bm_weight(s->next, s->npages) * MIG_PAGE / (mig_now() - t_sync);
		t_sync = mig_now();
		r.expected_ms = r.pending / bw * 1e3;
		print_round(policy, &r, s->bytes);
		if (r.pending <= bw * env.downtime_ms / 1e3 || r.round >= env.max_rounds)
			break;
		t = s->cur;
		s->cur = s->next;
		s->next = t;
	}
	res->rounds = r.round;
	res->expected_ms = r.expected_ms;

	/* ---- stop-and-copy: the downtime starts when the devices stop ---- */
	t_stop = mig_now();
	err = src_stop_devices(s, &writes);
	if (err)
		return err;
	th = mig_now();
	if (env.sync == MIG_SYNC_BITMAP) {
		err = src_harvest(s, s->cur, 0, NULL);
		if (err)
			return err;
		bm_or(s->next, s->cur, s->npages);
	} else {
		struct iodirty_scan sc;
		unsigned long long scans;

		err = iodirty_scan_op(s->fd, s->hwpt, IODIRTY_SCAN_STOP, 0, &sc);
		s->scanning = false;
		err = err ?: iodirty_scan_op(s->fd, s->hwpt, IODIRTY_SCAN_RUN,
					     IODIRTY_SCAN_FULL, &sc);
		if (err)
			FAIL(err, "final FULL scan");
		scans = sc.out_scans;
		err = src_ring_drain(s) ?: src_harvest(s, s->cur, 0, NULL);
		if (err)
			return err;
		bm_or(s->next, s->pending, s->npages);
		/* every scan ends with a marker: the last one must be the FULL scan's */
		if (s->last_eos_seq != scans)
			s->stream_lost = true;
		for (unsigned long long i = 0; i < (s->npages + 7) / 8; i++) {
			unsigned char g = s->stream_lost ? s->cur[i] :
				     s->cur[i] & ~s->streamed[i];

			gaps += __builtin_popcount(g);
			s->next[i] |= g;
		}
	}
	res->harvest_ms = (mig_now() - th) * 1e3;
	fin_pages = bm_weight(s->next, s->npages);
	err = src_send_set(s, s->next, env.drop_every, &sent);
	if (err)
		return err;
	err = mig_send(s->sock, MIG_DONE, 0, 0, 0, 0, NULL, 0, NULL);
	err = err ?: mig_recv_expect(s->sock, MIG_ACK, &m);
	if (err)
		return net_error(err, "end of the memory stream");
	res->downtime_ms = (mig_now() - t_stop) * 1e3;
	res->final_bytes = sent * MIG_PAGE;
	res->gap_pages = gaps;
	res->dropped = s->dropped;
	say("  stop-and-copy: devices stopped after %llu DMA writes; final harvest %.1f ms; %llu pages (%.2f MiB)%s",
	    writes, res->harvest_ms, fin_pages, fin_pages * MIG_PAGE / 1048576.0,
	    env.sync == MIG_SYNC_STREAM ? "" : "\n");
	if (env.sync == MIG_SYNC_STREAM)
		say(", %llu of them only in the final GET%s\n"
		    "  stream: %llu run records, %llu end-of-scan markers, %llu resyncs after lost records\n",
		    gaps, s->stream_lost ? " (the stream lost records: whole GET sent)" : "",
		    s->records, s->eos, s->resyncs);
	if (s->dropped)
		say("  UNSAFE: dropped %llu pages of the final copy (--unsafe-drop-every %u)\n",
		    s->dropped, env.drop_every);
	return 0;
}

/* digests of the final memory; the destination answers with its verdict */
static int src_verify(struct src *s, struct mig_result *res)
{
	static __u64 d[MIG_DIGEST_PAGES];
	unsigned long long p, i, n;
	struct iodirty_oracle o;
	struct mig_msg m;
	int err;

	for (p = 0; p < s->npages; p += n) {
		n = s->npages - p < MIG_DIGEST_PAGES ? s->npages - p : MIG_DIGEST_PAGES;
		for (i = 0; i < n; i++)
			d[i] = mig_digest(s->buf + (p + i) * MIG_PAGE);
		err = mig_send(s->sock, MIG_DIGESTS, p, n, 0, 0, d, n * 8, NULL);
		if (err)
			return net_error(err, "sending digests");
	}
	err = mig_send(s->sock, MIG_FINISH, 0, 0, 0, 0, NULL, 0, NULL);
	err = err ?: mig_recv_expect(s->sock, MIG_VERDICT, &m);
	if (!err && (m.b > MIG_REPORT_PAGES || m.len != m.b * 8))
		err = -EPROTO;
	err = err ?: mig_recv_data(s->sock, res->first_bad, m.len);
	if (err)
		return net_error(err, "waiting for the verdict");
	res->mismatched = m.a == ~0ULL ? -1 : (long long)m.a;
	res->nbad = m.b;
	/* ground truth: was every page the devices wrote reported somewhere? */
	err = iodirty_oracle_check(s->fd, s->hwpt, MIG_IOVA, s->len, MIG_PAGE,
				   s->reported, &o);
	if (err)
		FAIL(err, "ORACLE CHECK");
	res->oracle_missed = o.out_missed;
	return 0;
}

static void src_teardown(struct src *s)
{
	unsigned long long w;
	struct iodirty_scan sc;

	if (s->workloads)
		src_stop_devices(s, &w);
	if (s->scanning)
		iodirty_scan_op(s->fd, s->hwpt, IODIRTY_SCAN_STOP, 0, &sc);
	src_policy_unload(s);
	if (s->sock >= 0)
		close(s->sock);
	if (s->fd >= 0)
		close(s->fd);	/* frees devices, HWPT, IOAS */
	if (s->buf)
		munmap(s->buf, s->len);
	free(s->cur);
	free(s->next);
	free(s->pending);
	free(s->streamed);
	free(s->reported);
	free(s->tmp);
}

int mig_source(const char *policy, int session, int sessions, struct mig_result *res)
{
	struct src s = { .fd = -1, .sock = -1, .len = env.mem,
			 .npages = env.mem / MIG_PAGE };
	unsigned long long inv0, cost0, inv1, cost1, dem0, dem1;
	size_t bml = (s.npages + 7) / 8;
	struct iodirty_scan sc;
	int err;

	snprintf(res->policy, sizeof(res->policy), "%s", policy);
	res->ok = -1;
	res->mismatched = -1;
	s.cur = calloc(1, bml);
	s.next = calloc(1, bml);
	s.pending = calloc(1, bml);
	s.streamed = calloc(1, bml);
	s.reported = calloc(1, bml);
	s.tmp = calloc(1, bml);
	if (!s.cur || !s.next || !s.pending || !s.streamed || !s.reported || !s.tmp) {
		err = -ENOMEM;
		fprintf(stderr, "iodirty-migrate: bitmaps: %s\n", strerror(ENOMEM));
		goto out;
	}
	err = src_setup_memory(&s) ?: src_policy_load(&s, policy);
	if (err)
		goto out;
	err = mig_connect(env.host, env.port, env.timeout_s, &s.sock);
	if (err) {
		fprintf(stderr, "iodirty-migrate: connecting to %s:%d: %s%s\n", env.host,
			env.port, strerror(-err),
			err == -ECONNREFUSED ? " (nothing listening: start iodirty-migrate --listen there first)" :
			err == -ENETUNREACH ? " (is the loopback/network interface up?)" : "");
		goto out;
	}
	err = mig_send(s.sock, MIG_HELLO, s.len, MIG_PAGE, session, sessions, NULL, 0, NULL);
	if (err) {
		net_error(err, "HELLO");
		goto out;
	}
	mig_bucket_init(&s.tb, env.bandwidth);
	err = src_iotlb(&s, &inv0, &cost0) ?: src_demotes(&s, &dem0);
	if (err)
		goto out;
	if (env.sync == MIG_SYNC_STREAM) {
		memset(&sc, 0, sizeof(sc));
		sc.op = IODIRTY_SCAN_START;
		sc.hwpt_id = s.hwpt;
		sc.period_ms = env.scan_ms;
		/* a region must hold whole leaves, or a scan never clears them */
		sc.region_size = env.huge ? MIG_HUGE : SCAN_REGION;
		sc.max_skip = env.max_skip;
		err = iodirty_scan(s.fd, &sc);
		if (err) {
			fprintf(stderr, "iodirty-migrate: SCAN START: %s\n", iodirty_strerror(err));
			goto out;
		}
		s.scanning = true;
	}
	say("migrating %llu MiB (%u %s device%s, %s at %llu writes/s each, seed %llu) to %s:%d, sync %s, policy %s\n",
	    s.len >> 20, s.ndev, iodirty_model_name(env.model), s.ndev > 1 ? "s" : "",
	    iodirty_pattern_name(env.pattern), env.rate, env.seed, env.host, env.port,
	    env.sync == MIG_SYNC_BITMAP ? "bitmap" : "stream", policy);
	err = src_start_devices(&s) ?: src_migrate(&s, policy, res);
	if (err)
		goto out;
	err = src_iotlb(&s, &inv1, &cost1) ?: src_demotes(&s, &dem1);
	if (!err && env.sync == MIG_SYNC_STREAM)
		err = iodirty_scan_op(s.fd, s.hwpt, IODIRTY_SCAN_STATUS, 0, &sc);
	if (err)
		goto out;
	res->bytes = s.bytes;
	res->harvests = s.harvests;
	res->pte_visits = s.harvest_leaves;
	if (env.sync == MIG_SYNC_STREAM) {
		res->pte_visits += sc.out_leaves;
		res->scans = sc.out_scans;
	}
	res->invalidations = inv1 - inv0;
	res->demoted = dem1 - dem0;
	res->inv_cost_ns = cost1 - cost0;
	err = src_verify(&s, res);
	if (err)
		goto out;
	res->ok = 0;
out:
	src_teardown(&s);
	return err;
}
