// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-replay - re-issue a recording's dirty runs as DMA writes of
 * iodirty's emulated devices, one device (and dirty-tracking HWPT) per
 * recorded HWPT, and harvest them every --period like a VMM's migration
 * loop; optionally write what the harvests saw as a new recording, so
 * record -> replay -> record can be compared.
 *
 * Timeline: recorded time T (ns since the recording started) is replayed
 * at wall time start + T / speed (--fast: no waiting).  Harvests happen at
 * the recording-time points k * period * speed, k = 1, 2, ...: before the
 * harvest at point P every record with time <= P has been issued and none
 * after it, so what a harvest reports does not depend on how late the
 * replay runs (TCG, a loaded host).  The --record output is on the same
 * timeline (records at the harvest points), with the recorded HWPT ids and
 * the replay IOVAs (see the remap rule in iodirty-replay.h).
 *
 * The whole recording is read and validated before any device is
 * created: a corrupt file replays nothing.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "iodirty_record.h"
#include "libiodirty.h"
#include "iodirty-replay.h"

static struct env {
	const char *input, *record;
	__u64 mib, iova, period_ms, touch;
	double speed;
	bool fast, verbose, have_hwpt, huge;
	__u32 hwpt;
	int model;
} env = {
	.mib = RP_DEF_MIB, .iova = RP_DEF_IOVA, .period_ms = RP_DEF_PERIOD_MS,
	.speed = 1.0, .model = IODIRTY_MODEL_AMD,
};

const char *argp_program_version = "iodirty-replay 0.1";
const char argp_program_doc[] =
"Replay an iodirty recording on emulated devices (/dev/iodirty): every\n"
"recorded dirty run becomes a DMA write of the device standing for its HWPT,\n"
"at its recorded time; every --period the dirty bitmaps are harvested\n"
"(GET_DIRTY_BITMAP) and, with --record, written to a new recording.\n"
"Recorded IOVAs land at --iova + (iova mod buffer size).\n"
"\n"
"USAGE: iodirty-replay [OPTIONS] RECORDING\n"
"\n"
"EXAMPLES:\n"
"    iodirty-replay trace.rec                    # real time, 100 ms harvests\n"
"    iodirty-replay --speed 4 --period 50 trace.rec\n"
"    iodirty-replay --fast --record again.rec trace.rec   # idle points skipped\n"
"    iodirty-replay -M vtd -m 256 --hwpt 3 -v trace.rec\n"
"    iodirty-heatmap -o again.png again.rec      # what the replay harvested\n";

enum { OPT_SPEED = 1000, OPT_FAST, OPT_PERIOD, OPT_RECORD, OPT_IOVA, OPT_HWPT,
       OPT_HUGE, OPT_TOUCH };

static const struct argp_option opts[] = {
	{ "mib", 'm', "MiB", 0, "replay buffer, a multiple of 2 (default 32)", 0 },
	{ "model", 'M', "MODEL", 0, "mock, amd, vtd or arm (default amd)", 0 },
	{ "iova", OPT_IOVA, "ADDR", 0, "where the buffer is mapped (default 0x1000000)", 0 },
	{ "speed", OPT_SPEED, "X", 0, "replay X times faster than recorded (default 1)", 0 },
	{ "fast", OPT_FAST, NULL, 0, "as fast as possible (harvest points stay on the recorded timeline; those with nothing written since the last harvest are skipped)", 0 },
	{ "period", OPT_PERIOD, "MS", 0, "harvest every MS ms of replay time (default 100)", 0 },
	{ "record", OPT_RECORD, "FILE", 0, "write the harvested dirty runs as a recording", 0 },
	{ "hwpt", OPT_HWPT, "ID", 0, "replay only this recorded HWPT", 0 },
	{ "touch", OPT_TOUCH, "BYTES", 0, "write only the first BYTES (1..4096) of each page, one DMA per page (default: every byte of the run, one DMA per 16 MiB)", 0 },
	{ "huge", OPT_HUGE, NULL, 0, "the model's default leaf sizes (2 MiB, 1 GiB): dirty bits per leaf, as on hardware (default: smallest leaf only)", 0 },
	{ "verbose", 'v', NULL, 0, "one line per harvest, the device map", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end = NULL;

	errno = 0;
	switch (key) {
	case 'h': argp_state_help(state, stderr, ARGP_HELP_STD_HELP); return 0;
	case 'v': env.verbose = true; return 0;
	case OPT_FAST: env.fast = true; return 0;
	case OPT_HUGE: env.huge = true; return 0;
	case OPT_TOUCH:
		env.touch = strtoull(arg, &end, 10);
		if (errno || *end || !env.touch || env.touch > RP_PAGE)
			argp_error(state, "--touch %s: want 1..4096 bytes", arg);
		return 0;
	case OPT_RECORD: env.record = arg; return 0;
	case 'M':
		env.model = iodirty_model_parse(arg);
		if (env.model < 0)
			argp_error(state, "unknown model '%s' (mock, amd, vtd, arm)", arg);
		return 0;
	case 'm':
		env.mib = strtoull(arg, &end, 10);
		if (errno || *end || !env.mib || env.mib % 2 || env.mib > RP_MAX_MIB)
			argp_error(state, "-m %s: want an even number of MiB, 2..%d", arg,
				   RP_MAX_MIB);
		return 0;
	case OPT_IOVA:
		env.iova = strtoull(arg, &end, 0);
		if (errno || *end || env.iova % (2ULL << 20))
			argp_error(state, "--iova %s: want a 2 MiB aligned address", arg);
		return 0;
	case OPT_SPEED:
		env.speed = strtod(arg, &end);
		if (errno || *end || !(env.speed >= 0.001 && env.speed <= 1e6))
			argp_error(state, "--speed %s: want 0.001..1000000", arg);
		return 0;
	case OPT_PERIOD:
		env.period_ms = strtoull(arg, &end, 10);
		if (errno || *end || !env.period_ms || env.period_ms > 3600000)
			argp_error(state, "--period %s: want 1..3600000 ms", arg);
		return 0;
	case OPT_HWPT:
		{
			unsigned long v = strtoul(arg, &end, 0);

			if (errno || *end || v > UINT32_MAX)
				argp_error(state, "--hwpt %s: not a HWPT id", arg);
			env.hwpt = v;
			env.have_hwpt = true;
		}
		return 0;
	case ARGP_KEY_ARG:
		if (env.input)
			argp_error(state, "one recording only ('%s' and '%s')", env.input, arg);
		env.input = arg;
		return 0;
	case ARGP_KEY_END:
		if (!env.input)
			argp_error(state, "no recording given");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static volatile sig_atomic_t exiting;
static void on_signal(int sig) { exiting = 1; }

/* one emulated device per recorded HWPT */
struct dev {
	__u32 rec_hwpt;			/* the recorded HWPT id */
	__u32 dev_id, hwpt_id;		/* the replay's */
	__u64 runs, bytes;		/* recorded, for the summary */
	__u64 writes, written, clamped, harvested_pages;
};

static struct dev devs[RP_MAX_HWPTS];
static unsigned int ndevs;

static struct dev *dev_find(__u32 rec_hwpt)
{
	for (unsigned int i = 0; i < ndevs; i++)
		if (devs[i].rec_hwpt == rec_hwpt)
			return &devs[i];
	return NULL;
}

static bool wanted(__u32 id)
{
	return !env.have_hwpt || id == env.hwpt;
}

/* Validates the whole recording and lists its HWPTs; 0 or -1 (printed). */
static int scan_recording(__u64 *nrecs, __u64 *last_time)
{
	struct iodirty_rec_reader *r;
	struct iodirty_rec rec;
	int err;

	if (iodirty_rec_open(env.input, &r)) {
		fprintf(stderr, "iodirty-replay: %s\n", iodirty_rec_error(r));
		iodirty_rec_free(r);
		return -1;
	}
	*nrecs = *last_time = 0;
	while ((err = iodirty_rec_next(r, &rec)) == 1) {
		struct dev *d;

		(*nrecs)++;
		*last_time = rec.time_ns;
		if (rec.type != IODIRTY_REC_DIRTY || !wanted(rec.hwpt_id))
			continue;
		d = dev_find(rec.hwpt_id);
		if (!d) {
			if (ndevs == RP_MAX_HWPTS) {
				fprintf(stderr, "iodirty-replay: %s has more than %d HWPTs with dirty runs; replay one with --hwpt\n",
					env.input, RP_MAX_HWPTS);
				iodirty_rec_free(r);
				return -1;
			}
			d = &devs[ndevs++];
			d->rec_hwpt = rec.hwpt_id;
		}
		d->runs++;
		d->bytes += rec.length;
	}
	if (err < 0) {
		fprintf(stderr, "iodirty-replay: %s (nothing replayed)\n", iodirty_rec_error(r));
		iodirty_rec_free(r);
		return -1;
	}
	iodirty_rec_free(r);
	return 0;
}

static int fd = -1;
static void *buf;
static __u64 buflen;
static unsigned char *bitmap;
static struct iodirty_rec_writer *out;
static __u64 harvests, out_runs, dma_errors;

static int fail(const char *what, int err)
{
	fprintf(stderr, "iodirty-replay: %s: %s\n", what, iodirty_strerror(err));
	return -1;
}

static int setup_devices(void)
{
	__u32 ioas;
	int err;

	fd = iodirty_open();
	if (fd < 0)
		return fail("open " IODIRTY_DEV_PATH " (is iodirty.ko loaded?)", fd);
	buf = mmap(NULL, buflen, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED) {
		buf = NULL;
		return fail("allocating the replay buffer", -errno);
	}
	bitmap = calloc(1, buflen / RP_PAGE / 8 + 8);
	if (!bitmap)
		return fail("allocating the bitmap", -ENOMEM);
	err = iodirty_ioas_alloc(fd, &ioas);
	if (err)
		return fail("IOAS_ALLOC", err);
	err = iodirty_ioas_map(fd, ioas, buf, buflen, env.iova);
	if (err)
		return fail("IOAS_MAP of the replay buffer", err);
	for (unsigned int i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		__u32 got;

		/*
		 * Smallest leaves only by default: with 2 MiB IOPTEs a 4 KiB
		 * write dirties (and a harvest reports) the whole 2 MiB, so the
		 * replay would not show the recorded granularity.
		 */
		err = iodirty_device_create(fd, env.model, IODIRTY_DEVICE_DIRTY_TRACKING,
					    env.huge ? 0 : env.model == IODIRTY_MODEL_MOCK ?
					    2048 : RP_PAGE, &d->dev_id);
		if (err)
			return fail("DEVICE_CREATE", err);
		err = iodirty_hwpt_alloc(fd, d->dev_id, ioas,
					 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &d->hwpt_id);
		if (err)
			return fail("HWPT_ALLOC (dirty tracking)", err);
		err = iodirty_device_attach(fd, d->dev_id, d->hwpt_id, &got);
		if (err)
			return fail("DEVICE_ATTACH", err);
		err = iodirty_set_dirty_tracking(fd, d->hwpt_id, true);
		if (err)
			return fail("SET_DIRTY_TRACKING", err);
		/* start clean: whatever mapping set is not the replay's */
		err = iodirty_get_dirty_bitmap(fd, d->hwpt_id, env.iova, buflen,
					       RP_PAGE, bitmap, 0);
		if (err)
			return fail("GET_DIRTY_BITMAP", err);
		if (env.verbose)
			fprintf(stderr, "recorded hwpt %u -> device %u on hwpt %u (%s), %" PRIu64 " runs, %" PRIu64 " bytes\n",
				d->rec_hwpt, d->dev_id, d->hwpt_id,
				iodirty_model_name(env.model), (uint64_t)d->runs,
				(uint64_t)d->bytes);
	}
	return 0;
}

static void dma(struct dev *d, __u64 iova, __u64 n)
{
	int err = iodirty_dma_write(fd, d->dev_id, iova, n);

	if (err) {
		dma_errors++;
		if (dma_errors <= 3)
			fprintf(stderr, "iodirty-replay: DMA write of [0x%" PRIx64 ", +0x%" PRIx64 ") failed: %s\n",
				(uint64_t)iova, (uint64_t)n, iodirty_strerror(err));
	} else {
		d->writes++;
		d->written += n;
	}
}

/*
 * The remap rule of iodirty-replay.h: the run at buffer offsets, split at
 * the buffer's end.  The recording knows pages, not bytes: by default
 * every byte of the run is written (one DMA per 16 MiB); --touch N writes
 * N bytes at the start of each page the run covers (at the run's own start
 * in its first page), far fewer bytes for one ioctl per page.
 */
static void replay_run(struct dev *d, const struct iodirty_rec *r)
{
	__u64 len = r->length, off = r->iova % buflen;

	if (len > buflen) {
		len = buflen;
		d->clamped++;
	}
	while (len) {
		__u64 n = buflen - off < len ? buflen - off : len;

		if (n > RP_DMA_MAX)
			n = RP_DMA_MAX;
		if (env.touch) {
			__u64 a = off, end = off + n;

			while (a < end) {
				__u64 pg_end = (a / RP_PAGE + 1) * RP_PAGE;
				__u64 k = env.touch;

				if (k > pg_end - a)
					k = pg_end - a;
				if (k > end - a)
					k = end - a;
				dma(d, env.iova + a, k);
				a = pg_end;
			}
		} else {
			dma(d, env.iova + off, n);
		}
		len -= n;
		off = (off + n) % buflen;
	}
}

/* Harvest every device at recording time @t; write the runs found. */
static int harvest(__u64 t)
{
	__u64 npages = buflen / RP_PAGE, total = 0;

	harvests++;
	for (unsigned int i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		__u64 p, pages = 0;
		int err;

		memset(bitmap, 0, npages / 8 + 8);
		err = iodirty_get_dirty_bitmap(fd, d->hwpt_id, env.iova, buflen, RP_PAGE,
					       bitmap, 0);
		if (err)
			return fail("GET_DIRTY_BITMAP", err);
		for (p = 0; p < npages; ) {
			__u64 s;

			if (!(bitmap[p / 8] & (1u << (p % 8)))) {
				p++;
				continue;
			}
			for (s = p; p < npages && (bitmap[p / 8] & (1u << (p % 8))); p++)
				;
			pages += p - s;
			if (out) {
				struct iodirty_rec o = { .time_ns = t,
					.iova = env.iova + s * RP_PAGE,
					.length = (p - s) * RP_PAGE, .hwpt_id = d->rec_hwpt,
					.page_size = RP_PAGE, .type = IODIRTY_REC_DIRTY };

				err = iodirty_rec_write(out, &o);
				if (err)
					return fail(env.record, err);
				out_runs++;
			}
		}
		if (out) {
			struct iodirty_rec h = { .time_ns = t, .iova = env.iova,
				.length = buflen, .hwpt_id = d->rec_hwpt,
				.page_size = RP_PAGE, .type = IODIRTY_REC_HARVEST };

			err = iodirty_rec_write(out, &h);
			if (err)
				return fail(env.record, err);
		}
		d->harvested_pages += pages;
		total += pages;
	}
	if (env.verbose)
		fprintf(stderr, "harvest %" PRIu64 " at %.3f s (recording time): %" PRIu64 " dirty pages\n",
			(uint64_t)harvests, t / 1e9, (uint64_t)total);
	return 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Sleeps until recording time @t is due (start + t / speed). */
static void wait_until(__u64 start, __u64 t)
{
	__u64 due = start + (__u64)((double)t / env.speed);
	struct timespec ts = { .tv_sec = due / 1000000000ull,
			       .tv_nsec = due % 1000000000ull };

	if (env.fast)
		return;
	while (!exiting && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int replay(__u64 *lag_max, __u64 *last_point)
{
	__u64 period = (__u64)((double)env.period_ms * 1e6 * env.speed), next;
	struct iodirty_rec_reader *r;
	struct iodirty_rec rec;
	bool dirty_since_harvest = false;	/* the setup drained the bitmaps */
	__u64 start;
	int err = 0;

	if (!period)
		period = 1;
	next = period;
	if (iodirty_rec_open(env.input, &r)) {
		fprintf(stderr, "iodirty-replay: %s\n", iodirty_rec_error(r));
		iodirty_rec_free(r);
		return -1;
	}
	*lag_max = 0;
	start = now_ns();
	while (!exiting && (err = iodirty_rec_next(r, &rec)) == 1) {
		struct dev *d;

		while (rec.time_ns > next && !exiting) {	/* harvests due first */
			/*
			 * --fast: a point with nothing written since the last
			 * harvest would find nothing (only the replay writes
			 * to its devices); jump to the first point at or after
			 * this record, so an idle gap of hours costs nothing.
			 */
			if (env.fast && !dirty_since_harvest) {
				next += (rec.time_ns - next + period - 1) / period * period;
				break;
			}
			wait_until(start, next);
			if (harvest(next))
				goto fail;
			dirty_since_harvest = false;
			next += period;
		}
		if (rec.type != IODIRTY_REC_DIRTY || !(d = dev_find(rec.hwpt_id)))
			continue;
		dirty_since_harvest = true;
		wait_until(start, rec.time_ns);
		if (!env.fast) {
			__u64 late = now_ns() - start - (__u64)((double)rec.time_ns / env.speed);

			if ((__s64)late > 0 && late > *lag_max)
				*lag_max = late;
		}
		replay_run(d, &rec);
	}
	if (!exiting && err < 0) {	/* the file changed since the scan */
		fprintf(stderr, "iodirty-replay: %s\n", iodirty_rec_error(r));
		goto fail;
	}
	/* the final harvest, at the next point (at once when interrupted) */
	wait_until(start, next);
	if (harvest(next))
		goto fail;
	*last_point = next;
	iodirty_rec_free(r);
	return 0;
fail:
	iodirty_rec_free(r);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg, .doc = argp_program_doc,
		.args_doc = "RECORDING",
	};
	__u64 nrecs, last_time, lag = 0, last_point = 0, runs = 0, bytes = 0, wrote = 0;
	__u64 pages = 0, clamped = 0, t0;
	char comment[32];
	int rc = 1, err;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 1;
	buflen = env.mib << 20;
	if (scan_recording(&nrecs, &last_time))
		return 1;
	if (!nrecs) {
		fprintf(stderr, "iodirty-replay: %s: empty recording (a header and no records): nothing to replay\n",
			env.input);
		return 1;
	}
	if (!ndevs) {
		if (env.have_hwpt)
			fprintf(stderr, "iodirty-replay: %s: hwpt %u has no dirty runs\n",
				env.input, env.hwpt);
		else
			fprintf(stderr, "iodirty-replay: %s: %" PRIu64 " records but no dirty runs: nothing to replay\n",
				env.input, (uint64_t)nrecs);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (setup_devices())
		goto out;
	if (env.record) {
		const char *base = strrchr(env.input, '/');

		snprintf(comment, sizeof(comment), "replay %s", base ? base + 1 : env.input);
		err = iodirty_rec_create(env.record, IODIRTY_REC_SRC_IODIRTY, comment, &out);
		if (err) {
			fail(env.record, err);
			goto out;
		}
	}
	t0 = now_ns();
	if (replay(&lag, &last_point))
		goto out;
	for (unsigned int i = 0; i < ndevs; i++) {
		runs += devs[i].runs;
		bytes += devs[i].bytes;
		wrote += devs[i].written;
		pages += devs[i].harvested_pages;
		clamped += devs[i].clamped;
	}
	printf("iodirty-replay: %s%s: %u device%s (%s), %" PRIu64 " runs, %" PRIu64 " bytes written (%" PRIu64 " recorded), %" PRIu64 " harvests of %" PRIu64 " ms, %" PRIu64 " dirty pages harvested, %.3f s wall for %.3f s recorded, max lag %.1f ms%s\n",
	       env.input, exiting ? " (interrupted)" : "", ndevs, ndevs == 1 ? "" : "s",
	       iodirty_model_name(env.model), (uint64_t)runs, (uint64_t)wrote,
	       (uint64_t)bytes, (uint64_t)harvests, (uint64_t)env.period_ms,
	       (uint64_t)pages, (now_ns() - t0) / 1e9, last_time / 1e9, lag / 1e6,
	       env.fast ? " (--fast)" : "");
	if (clamped)
		printf("iodirty-replay: %" PRIu64 " runs longer than the %" PRIu64 " MiB buffer were cut to it\n",
		       (uint64_t)clamped, (uint64_t)env.mib);
	if (dma_errors) {
		fprintf(stderr, "iodirty-replay: %" PRIu64 " DMA writes failed\n", (uint64_t)dma_errors);
		goto out;
	}
	rc = 0;
out:
	if (out) {
		err = iodirty_rec_close(out);
		if (err) {
			fail(env.record, err);
			rc = 1;
		} else if (!rc) {
			printf("iodirty-replay: wrote %s: %" PRIu64 " dirty runs in %" PRIu64 " harvests\n",
			       env.record, (uint64_t)out_runs, (uint64_t)harvests);
		}
	}
	if (fd >= 0)
		close(fd);	/* frees every device, HWPT and the IOAS */
	if (buf)
		munmap(buf, buflen);
	free(bitmap);
	return rc;
}
