/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty-lab's state, shared by the harvest-period loop (iodirty-lab.c)
 * and the --dirty-rate rounds (lab_dirtyrate.c).
 */
#ifndef __IODIRTY_LAB_H
#define __IODIRTY_LAB_H

#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>

#define LAB_IOVA	(1ULL << 24)
#define LAB_MAX_DEVICES	16
#define LAB_MAX_MEM	(1ULL << 30)

/* the options */
struct env {
	unsigned long long mem;
	unsigned int devices;
	int model;
	int pattern;
	unsigned long long rate;
	unsigned int period_ms;
	unsigned int duration_s;	/* 0: until a signal */
	unsigned long long seed;
	unsigned long long page_size;
	unsigned int hot_pct;
	bool quiet;
	bool thp;
	bool dirty_rate;
	bool json;
	bool period_set, sample_set, calc_set, test_clearing;
	unsigned long long sample_pages;	/* per GiB */
	unsigned int calc_ms;
};

struct lab_dev {
	__u32 dev, hwpt, domain;
	unsigned long long probe_start, probe_end;	/* domain_id()'s harvest */
	bool attached, tracking, running;
	__u64 slice_iova, slice_len;
	__u64 writes_seen;		/* workload writes at the last period */
	__u64 dirty_total, writes_total, harvests;
};

struct lab {
	int fd;
	__u32 ioas;
	void *buf;
	bool mapped;
	unsigned char *bitmap;
	unsigned char *any;		/* --dirty-rate: OR of the HWPTs' bitmaps */
	__u64 bitmap_bytes;
	struct lab_dev d[LAB_MAX_DEVICES];
	unsigned int nr;
	unsigned long long periods;
};

extern struct env env;
extern struct lab lab;
extern volatile sig_atomic_t exiting;	/* SIGINT/SIGTERM seen */

double now_s(void);			/* CLOCK_MONOTONIC seconds */
unsigned long long mono_ns(void);	/* CLOCK_MONOTONIC ns */
int fail(const char *what, int err);	/* message on stderr; returns @err */
__u64 popcount(const unsigned char *bm, __u64 bytes);

/* --dirty-rate: rounds until -d is over (one without -d) or a signal */
int dirty_rate_run(double t0);

#endif /* __IODIRTY_LAB_H */
