/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty-migrate: the source's state, shared by migrate-source.c (rounds,
 * stop-and-copy) and migrate-policy.c (policy object, ring buffer reader).
 */
#ifndef __IODIRTY_MIGRATE_SOURCE_H
#define __IODIRTY_MIGRATE_SOURCE_H

#include "iodirty-migrate.h"

struct bpf_object;
struct bpf_link;
struct ring_buffer;
struct export_bpf;

struct src {
	int fd;				/* /dev/iodirty */
	unsigned char *buf;		/* the migrated memory */
	unsigned long long len, npages;
	__u32 ioas, hwpt, dev[MIG_MAX_DEVICES];
	unsigned int ndev;
	bool workloads, scanning;

	struct bpf_object *policy_obj;
	struct export_bpf *export_skel;	/* "default" in stream mode */
	struct bpf_link *link;
	struct ring_buffer *rb;

	int sock;
	struct mig_bucket tb;

	/* page bitmaps, one bit per 4 KiB page */
	unsigned char *cur;		/* this round's set, being sent */
	unsigned char *next;		/* next round's set */
	unsigned char *pending;		/* stream: arrived, not yet sent */
	unsigned char *streamed;	/* stream: ever exported by the ring */
	unsigned char *reported;	/* every page any harvest reported */
	const unsigned char *sendset;	/* the set being sent (cur or next) */
	unsigned long long cursor;	/* pages of sendset below it were sent */
	bool sending;
	double send_s;			/* how long the last set took to send */

	/* stream bookkeeping */
	unsigned long long eos, records, foreign, stream_pages;
	bool stream_lost;		/* a run reached only the scan carry */
	unsigned long long lost_seen;
	unsigned long long last_eos_seq;	/* scan_seq of the last marker */	/* drops + truncated at the last marker */
	unsigned long long resyncs;	/* exact GETs that recovered a loss */
	unsigned char *tmp;

	/* counters */
	unsigned long long bytes, harvest_leaves, harvests;
	unsigned long long sent_pages, dropped;
};

int src_policy_load(struct src *s, const char *policy);
void src_policy_unload(struct src *s);
int src_ring_drain(struct src *s);
int src_ring_wait(struct src *s, int ms);

#endif /* __IODIRTY_MIGRATE_SOURCE_H */
