// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Shared helpers of the policy selftests; see policy_util.h. */
#include <fcntl.h>
#include <stdio.h>
#include "policy_util.h"

int pol_status(int fd, struct iodirty_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, IODIRTY_STATUS, st);
}

__u64 pol_stat(int fd, unsigned int id)
{
	struct iodirty_status st;

	if (pol_status(fd, &st) || id >= 16)
		return ~0ULL;
	return st.out_stats[id];
}

int pol_probe(int fd, struct iodirty_policy_probe *p, __u64 pages)
{
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->op = IODIRTY_PROBE_FLUSH;
	p->pending_pages = pages;
	p->pending_ranges = pages ? 2 : 0;
	p->pending_start = 0x200000;
	p->pending_end = 0x200000 + (pages + 1) * 4096;
	return ioctl(fd, IODIRTY_POLICY_PROBE, p);
}

bool pol_wait_for(volatile int *counter, int want, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		if (*counter >= want)
			return true;
		usleep(1000);
	}
	return *counter >= want;
}

int pol_set_bpf_enabled(int on)
{
	return emu_write_param("bpf_policies", on ? "1\n" : "0\n");
}

int pol_get_bpf_enabled(void)
{
	FILE *f = fopen(POL_SYSFS_ENABLE, "r");
	char buf[8] = {};

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	/* bool params read back as Y/N, int ones as digits */
	return buf[0] == 'Y' || buf[0] == '1' ? 1 :
	       buf[0] == 'N' || buf[0] == '0' ? 0 : -1;
}

int pol_scan(int fd, __u32 op, __u32 hwpt, __u32 flags, __u32 period_ms,
	     __u64 region_size, __u32 max_skip, struct iodirty_scan *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->op = op;
	out->hwpt_id = hwpt;
	out->flags = flags;
	out->period_ms = period_ms;
	out->region_size = region_size;
	out->max_skip = max_skip;
	return ioctl(fd, IODIRTY_SCAN, out);
}

void pol_check_ejected(int fd, __u32 kind, __u32 reason, __s64 code,
		       const char *msg_part)
{
	struct iodirty_policy_probe p;
	struct iodirty_status st;

	if (ASSERT_OK(pol_status(fd, &st), "IODIRTY_STATUS")) {
		ASSERT_EQ(st.out_attached, 0, "status: out_attached");
		ASSERT_EQ(st.out_exit_kind, kind, "status: exit kind");
		ASSERT_EQ(st.out_exit_reason, reason, "status: exit reason");
		ASSERT_EQ(st.out_exit_code, code, "status: exit code");
		st.out_exit_msg[sizeof(st.out_exit_msg) - 1] = 0;
		if (!ASSERT_TRUE(strstr(st.out_exit_msg, msg_part) != NULL,
				 "status: exit message"))
			printf("# message '%s' lacks '%s'\n", st.out_exit_msg,
			       msg_part);
		else if (test__verbose())
			printf("# exit message: %s\n", st.out_exit_msg);
	}
	if (ASSERT_OK(pol_probe(fd, &p, 9), "probe after ejection")) {
		ASSERT_EQ(p.out_policy, 0, "default answers: out_policy");
		ASSERT_STREQ(p.out_name, "default", "default answers: name");
	}
}

#define POL_IOVA	EMU_IOVA

bool pol_env_setup(struct pol_env *pe, __u64 npages)
{
	__u64 len = npages * SZ_4K;

	memset(pe, 0, sizeof(*pe));
	pe->e.fd = -1;
	pe->npages = npages;
	pe->buf = emu_alloc(len);
	pe->acc = calloc(1, emu_bm_bytes(npages));
	pe->tmp = calloc(1, emu_bm_bytes(npages));
	if (!ASSERT_OK_PTR(pe->buf, "alloc buffer") ||
	    !ASSERT_OK_PTR(pe->acc, "alloc bitmap") ||
	    !ASSERT_OK_PTR(pe->tmp, "alloc bitmap"))
		return false;
	/* 4 KiB leaves only, so the oracle has no huge-leaf spurious bits */
	if (!emu_env_setup(&pe->e, IODIRTY_MODEL_VTD, SZ_4K, pe->buf, len,
			   POL_IOVA, true))
		return false;
	return pol_env_reset(pe);
}

void pol_env_teardown(struct pol_env *pe)
{
	emu_env_teardown(&pe->e);
	emu_free(pe->buf, pe->npages * SZ_4K);
	free(pe->acc);
	free(pe->tmp);
	memset(pe, 0, sizeof(*pe));
	pe->e.fd = -1;
}

bool pol_env_reset(struct pol_env *pe)
{
	/* drain what earlier steps left, then forget it */
	emu_get_dirty(pe->e.fd, pe->e.hwpt, pe->e.iova, pe->npages * SZ_4K,
		      SZ_4K, pe->tmp, 0);
	memset(pe->acc, 0, emu_bm_bytes(pe->npages));
	return ASSERT_OK(emu_oracle_reset(pe->e.fd, pe->e.hwpt), "oracle reset");
}

bool pol_env_write(struct pol_env *pe, __u64 first, __u64 step)
{
	__u64 p;

	for (p = first; p < pe->npages; p += step)
		if (!ASSERT_OK(emu_dma_write(pe->e.fd, pe->e.dev,
					     pe->e.iova + p * SZ_4K + 128, 16),
			       "DMA write"))
			return false;
	return true;
}

int pol_env_harvest(struct pol_env *pe)
{
	__u64 nb = emu_bm_bytes(pe->npages);

	memset(pe->tmp, 0, nb);
	if (emu_get_dirty(pe->e.fd, pe->e.hwpt, pe->e.iova, pe->npages * SZ_4K,
			  SZ_4K, pe->tmp, 0))
		return -1;
	emu_bm_or(pe->acc, pe->tmp, nb);
	return 0;
}

void pol_env_mark(struct pol_env *pe, __u64 iova, __u64 len)
{
	__u64 a;

	for (a = iova; a < iova + len; a += SZ_4K)
		if (a >= pe->e.iova && a < pe->e.iova + pe->npages * SZ_4K)
			emu_bm_set(pe->acc, (a - pe->e.iova) / SZ_4K);
}

__u64 pol_env_gid(struct pol_env *pe)
{
	struct iodirty_harvest h;

	if (emu_harvest(pe->e.fd, pe->e.hwpt, IODIRTY_HARVEST_NO_CLEAR,
			pe->e.iova, pe->npages * SZ_4K, SZ_4K, NULL, &h))
		return 0;
	return h.out_domain_id;
}

long long pol_env_check(struct pol_env *pe, const char *tag)
{
	struct iodirty_oracle o;
	char t[160];

	snprintf(t, sizeof(t), "%s: ORACLE CHECK", tag);
	if (!ASSERT_OK(emu_oracle_check(pe->e.fd, pe->e.hwpt, pe->e.iova,
					pe->npages * SZ_4K, SZ_4K, pe->acc, &o), t))
		return -1;
	snprintf(t, sizeof(t), "%s: oracle out_missed (written %llu)", tag,
		 (unsigned long long)o.out_written);
	if (!ASSERT_EQ(o.out_missed, 0, t))
		return -1;
	return o.out_written;
}

int pol_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int pol_kmsg_count(int fd, const char *needle, char *first, size_t n)
{
	char rec[2048];
	int hits = 0;
	ssize_t len;

	if (first && n)
		first[0] = 0;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip them */
		if (len <= 0)
			break;
		rec[len] = 0;
		if (!strstr(rec, needle))
			continue;
		if (!hits++ && first && n)
			snprintf(first, n, "%s", rec);
	}
	return hits;
}
