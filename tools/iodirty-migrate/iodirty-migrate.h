/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty-migrate - shared definitions: options, the wire protocol between
 * source and destination, and the helpers both ends use.
 *
 * Files: iodirty-migrate.c (options, one migration per policy, the
 * comparison table), migrate-source.c (memory, devices, pre-copy rounds,
 * stop-and-copy), migrate-dest.c (the receiver and its byte check),
 * migrate-net.c (sockets with timeouts, the token bucket, framing, page
 * digests).
 */
#ifndef __IODIRTY_MIGRATE_H
#define __IODIRTY_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define MIG_PAGE		4096ULL
#define MIG_HUGE		(2ULL << 20)	/* --huge: leaf and hugetlb page size */
#define MIG_IOVA		(1ULL << 24)
#define MIG_MAX_POLICIES	8
#define MIG_MAX_DEVICES		8
#define MIG_CHUNK_PAGES		16	/* pages per PAGES message (64 KiB: the rate
					 * limit spaces a round's messages out) */
#define MIG_DIGEST_PAGES	4096	/* digests per DIGESTS message */
#define MIG_REPORT_PAGES	8	/* mismatched pages a verdict names */

enum mig_sync { MIG_SYNC_BITMAP, MIG_SYNC_STREAM };

struct mig_env {
	/* destination */
	int listen_port;		/* 0: we are the source */
	bool verify;
	/* source */
	char host[256];
	int port;
	unsigned long long mem;		/* bytes */
	unsigned int devices;
	int model;
	int pattern;
	unsigned long long rate;	/* writes/s per device */
	unsigned long long seed;
	unsigned int write_bytes;
	enum mig_sync sync;
	unsigned int downtime_ms;
	unsigned long long bandwidth;	/* bytes/s */
	unsigned int max_rounds;
	unsigned int scan_ms;		/* stream: scanner period */
	unsigned int max_skip;		/* stream: the scanner's sampling floor */
	bool huge;			/* hugetlb memory, 2 MiB IOPTEs */
	bool json;
	bool verbose;
	int timeout_s;			/* every socket operation */
	const char *policies[MIG_MAX_POLICIES];	/* "default" or a .bpf.o */
	int npolicies;
	/* test-only ways to break the migration (hidden options) */
	unsigned int drop_every;	/* drop every Nth page of the final copy */
	bool skip_flush;		/* IODIRTY_HARVEST_SKIP_FLUSH_UNSAFE */
};

extern struct mig_env env;

/* What one migration (one policy) did: a row of the comparison table. */
struct mig_result {
	char policy[64];
	int ok;				/* 0: ran to the verdict */
	unsigned int rounds;
	unsigned long long bytes;	/* page bytes sent, all phases */
	unsigned long long final_bytes;	/* ... during the downtime */
	double expected_ms, downtime_ms, harvest_ms;
	unsigned long long pte_visits;	/* leaves walked: harvests + scans */
	unsigned long long invalidations, inv_cost_ns;
	unsigned long long harvests, scans;
	unsigned long long gap_pages;	/* stream: pages only the final GET had */
	unsigned long long dropped;	/* --unsafe-drop-every */
	unsigned long long oracle_missed;
	unsigned long long demoted;	/* 2 MiB leaves demoted (IODIRTY_STAT_DEMOTES) */
	long long mismatched;		/* -1: not verified */
	unsigned long long first_bad[MIG_REPORT_PAGES];
	unsigned int nbad;
};

/* ---- wire protocol (both ends on one machine or the same byte order) ---- */
#define MIG_MAGIC	0x47494d49u	/* "IMIG" */
#define MIG_VERSION	1

enum mig_type {
	MIG_HELLO = 1,		/* a = memory bytes, b = page size,
				 * c = session, d = sessions */
	MIG_PAGES = 2,		/* a = first page, b = pages; data follows */
	MIG_DONE = 3,		/* all memory sent: the destination ACKs */
	MIG_ACK = 4,		/* dst -> src */
	MIG_DIGESTS = 5,	/* a = first page, b = count; u64 digests */
	MIG_FINISH = 6,		/* digests complete: the destination judges */
	MIG_VERDICT = 7,	/* dst -> src: a = mismatched (~0: not
				 * verified), b = pages named; u64 list */
};

struct mig_msg {
	__u32 magic;
	__u32 type;
	__u64 a, b, c, d;
	__u64 len;		/* payload bytes */
};

/* ---- migrate-net.c ---- */
struct mig_bucket {
	double rate;		/* bytes/s */
	double tokens, burst;
	double last;		/* seconds */
};

double mig_now(void);
int mig_listen(int port, int *out_fd);
int mig_accept(int lfd, int timeout_s, int *out_fd);
int mig_connect(const char *host, int port, int timeout_s, int *out_fd);
int mig_set_timeouts(int fd, int timeout_s);
int mig_send(int fd, __u32 type, __u64 a, __u64 b, __u64 c, __u64 d,
	     const void *data, __u64 len, struct mig_bucket *tb);
int mig_recv(int fd, struct mig_msg *m);
int mig_recv_data(int fd, void *buf, __u64 len);
int mig_recv_expect(int fd, __u32 type, struct mig_msg *m);
void mig_bucket_init(struct mig_bucket *tb, double rate);
__u64 mig_digest(const void *page);
int mig_parse_hostport(const char *s, char *host, size_t hostlen, int *port);

/* ---- migrate-source.c / migrate-dest.c ---- */
int mig_source(const char *policy, int session, int sessions,
	       struct mig_result *res);
int mig_destination(void);

/* bitmap helpers */
static inline bool bm_test(const unsigned char *bm, unsigned long long i)
{
	return bm[i / 8] >> (i % 8) & 1;
}

static inline void bm_set(unsigned char *bm, unsigned long long i)
{
	bm[i / 8] |= 1u << (i % 8);
}

static inline void bm_clear(unsigned char *bm, unsigned long long i)
{
	bm[i / 8] &= ~(1u << (i % 8));
}

#endif /* __IODIRTY_MIGRATE_H */
