// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The module's tracepoints are ordinary trace events: they appear in
 * tracefs under events/iodirty/ (which is what perf and bpftrace use) and
 * fire with the documented fields during a harvest.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "../test_progs.h"
#include "../iodirty_test_util.h"
#include "../emu_util.h"

#define TRACEFS "/sys/kernel/tracing"
#define SZ_EMU_TP (64 * 4096ULL)

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC), n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (int)strlen(val) ? 0 : -1;
}

static char *read_file(const char *path, size_t max)
{
	char *buf = calloc(1, max + 1);
	int fd = open(path, O_RDONLY), n, got = 0;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (got < (int)max && (n = read(fd, buf + got, max - got)) > 0)
		got += n;
	close(fd);
	return buf;
}

DEFINE_TEST(tracepoints)
{
	static const char *const events[] = {
		"iodirty_harvest_begin", "iodirty_harvest_end", "iodirty_flush",
		"iodirty_dirty_run", "iodirty_policy_eject",
	};
	struct iodirty_harvest h;
	struct emu_env e;
	char path[256], *trace = NULL;
	void *buf = NULL;
	unsigned int i;

	if (test__start_subtest("events_in_tracefs")) {
		for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			char *fmt;

			snprintf(path, sizeof(path), TRACEFS "/events/iodirty/%s/format",
				 events[i]);
			fmt = read_file(path, 4096);
			if (!ASSERT_OK_PTR(fmt, path))
				continue;
			ASSERT_TRUE(strstr(fmt, "field:u64 hwpt_id") ||
				    !strcmp(events[i], "iodirty_policy_eject"),
				    "hwpt_id field");
			free(fmt);
		}
	}

	if (test__start_subtest("harvest_fires_events")) {
		buf = emu_alloc(SZ_EMU_TP);
		if (!ASSERT_OK_PTR(buf, "alloc"))
			return;
		if (!emu_env_setup(&e, IODIRTY_MODEL_AMD, 0, buf, SZ_EMU_TP,
				   0x100000, true))
			goto out;
		ASSERT_OK(write_file(TRACEFS "/trace", ""), "clear trace");
		ASSERT_OK(write_file(TRACEFS "/events/iodirty/enable", "1"),
			  "enable iodirty events");
		ASSERT_OK(emu_dma_write(e.fd, e.dev, 0x100000 + 3 * 4096, 100),
			  "dma write");
		ASSERT_OK(emu_harvest(e.fd, e.hwpt, 0, 0x100000, SZ_EMU_TP, 4096,
				      NULL, &h), "harvest");
		ASSERT_OK(write_file(TRACEFS "/events/iodirty/enable", "0"),
			  "disable iodirty events");
		trace = read_file(TRACEFS "/trace", 1 << 16);
		if (ASSERT_OK_PTR(trace, "read trace")) {
			snprintf(path, sizeof(path), "hwpt=%llu iova=0x100000",
				 (unsigned long long)h.out_domain_id);
			ASSERT_TRUE(strstr(trace, "iodirty_harvest_begin:") &&
				    strstr(trace, path), "harvest_begin line");
			ASSERT_TRUE(strstr(trace, "flags=0x0 page_size=0x1000"),
				    "harvest_begin page_size");
			/* traced, a GET reports its runs too (scan=0) */
			ASSERT_TRUE(strstr(trace, "iodirty_dirty_run:") &&
				    strstr(trace, "iova=0x103000 length=0x1000 scan=0"),
				    "dirty_run line of the harvest");
			ASSERT_TRUE(strstr(trace, "iodirty_harvest_end:") &&
				    strstr(trace, "dirty=1 "), "harvest_end line");
			ASSERT_TRUE(strstr(trace, "iodirty_flush:") &&
				    strstr(trace, "[0x103000, 0x104000) range by default"),
				    "flush line");
		}
		emu_env_teardown(&e);
	}
out:
	free(trace);
	if (buf)
		emu_free(buf, SZ_EMU_TP);
}
