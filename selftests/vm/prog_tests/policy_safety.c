// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Lifecycle safety of the policy layer (progs/policy_race.bpf.c):
 *  - error_rate_limited: an init calling bpf_iodirty_error() 1000 times
 *    logs at most 10 lines (and the attach is refused with EINVAL);
 *  - swap_vs_eject: A is ejected while bpf_link__update_map(A -> B) is
 *    between B's init and the swap (module parameter
 *    test_update_delay_ms): the update returns 0 and B is published, A's
 *    exit says ERROR_BPF, a third attach gets EEXIST, B's exit runs once
 *    at detach;
 *  - error_attributed_to_caller: A's flush call is in flight (module
 *    parameter test_flush_delay_ms) while the swap to B publishes B; A
 *    then calls bpf_iodirty_error(): nothing is ejected, B stays, A exits
 *    REPLACED;
 *  - init_positive_return: an init returning 5 makes the attach fail with
 *    EINVAL (not a link whose "fd" is 5).
 */
#include <pthread.h>
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "policy_util.h"
#include "../progs/policy_test.h"
#include "policy_race.skel.h"

#define PARAM_DIR "/sys/module/iodirty/parameters/"

static int set_param(const char *name, unsigned int v)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%u\n", v) < 0 ? -1 : 0;
	if (fclose(f))
		ret = -1;
	return ret;
}

static void error_rate_limited(void)
{
	struct policy_race_bpf *skel;
	struct bpf_link *link;
	char first[512];
	int kfd, hits, err;

	skel = policy_race_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return;
	skel->bss->c_flood = PT_FLOOD_MAX;
	kfd = pol_kmsg_open();
	if (!ASSERT_GE(kfd, 0, "open /dev/kmsg"))
		goto out;
	link = bpf_map__attach_struct_ops(skel->maps.race_c_ops);
	err = errno;
	ASSERT_TRUE(!link && err == EINVAL, "attach refused with EINVAL");
	bpf_link__destroy(link);
	ASSERT_EQ(skel->bss->c_init, 1, "init ran once");
	hits = pol_kmsg_count(kfd, PT_FLOOD_MSG, first, sizeof(first));
	printf("# %d bpf_iodirty_error() calls logged %d lines%s%s", PT_FLOOD_MAX,
	       hits, hits ? ", first: " : "\n", hits ? first : "");
	ASSERT_TRUE(hits <= 10, "at most 10 log lines");
	close(kfd);
out:
	policy_race_bpf__destroy(skel);
}

struct update_arg {
	struct bpf_link *link;
	struct bpf_map *map;
	int ret;
};

static void *update_thread(void *p)
{
	struct update_arg *a = p;

	a->ret = bpf_link__update_map(a->link, a->map);
	return NULL;
}

static void check_b_active(int fd)
{
	struct iodirty_policy_probe p;
	struct iodirty_status st;

	if (ASSERT_OK(pol_status(fd, &st), "STATUS")) {
		ASSERT_EQ(st.out_attached, 1, "status: a policy is attached");
		ASSERT_STREQ(st.out_name, "race_b", "status: B");
	}
	if (ASSERT_OK(pol_probe(fd, &p, 2), "probe")) {
		ASSERT_EQ(p.out_policy, 1, "probe: BPF answers");
		ASSERT_STREQ(p.out_name, "race_b", "probe: B answers");
	}
}

static void swap_vs_eject(void)
{
	struct update_arg ua = {};
	struct policy_race_bpf *skel;
	struct bpf_link *link = NULL, *link3;
	struct iodirty_policy_probe p;
	pthread_t th;
	int fd = iodirty_open(), err;

	if (!ASSERT_GE(fd, 0, "open /dev/iodirty"))
		return;
	skel = policy_race_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		goto out;
	link = bpf_map__attach_struct_ops(skel->maps.race_a_ops);
	if (!ASSERT_OK_PTR(link, "attach A") ||
	    !ASSERT_OK(set_param("test_update_delay_ms", 500),
		       "test_update_delay_ms=500"))
		goto out;
	ua.link = link;
	ua.map = skel->maps.race_b_ops;
	if (!ASSERT_OK(pthread_create(&th, NULL, update_thread, &ua),
		       "update thread"))
		goto out;
	emu_msleep(200);	/* the update sleeps after B's (empty) init */
	skel->bss->a_error = 1;
	ASSERT_OK(pol_probe(fd, &p, 2), "probe: A ejects itself");
	ASSERT_GE(skel->bss->a_errors, 1, "A called bpf_iodirty_error");
	pthread_join(th, NULL);
	set_param("test_update_delay_ms", 0);
	ASSERT_OK(ua.ret, "bpf_link__update_map(A -> B) returns 0");
	check_b_active(fd);
	pol_wait_for(&skel->bss->a_exit, 1, 2000);
	ASSERT_EQ(skel->bss->a_exit, 1, "A exit once");
	ASSERT_EQ(skel->bss->a_uei.kind, IODIRTY_EXIT_ERROR_BPF,
		  "A exit kind ERROR_BPF");
	ASSERT_EQ(skel->bss->a_uei.code, PT_RACE_A_CODE, "A exit code");
	link3 = bpf_map__attach_struct_ops(skel->maps.race_c_ops);
	err = errno;
	ASSERT_TRUE(!link3 && err == EEXIST, "a second attach gets EEXIST");
	bpf_link__destroy(link3);
	ASSERT_OK(bpf_link__destroy(link), "detach B");
	link = NULL;
	ASSERT_EQ(skel->bss->b_exit, 1, "B exit once at detach");
	ASSERT_EQ(skel->bss->b_uei.kind, IODIRTY_EXIT_UNREG, "B exit kind UNREG");
	ASSERT_EQ(skel->bss->a_exit, 1, "A not exited again");
out:
	set_param("test_update_delay_ms", 0);
	bpf_link__destroy(link);
	policy_race_bpf__destroy(skel);
	close(fd);
}

struct probe_arg {
	int fd;
	int ret;
	struct iodirty_policy_probe p;
};

static void *probe_thread(void *p)
{
	struct probe_arg *a = p;

	a->ret = pol_probe(a->fd, &a->p, 2);
	return NULL;
}

static void error_attributed_to_caller(void)
{
	struct probe_arg pa = {};
	struct policy_race_bpf *skel;
	struct bpf_link *link = NULL;
	pthread_t th;
	__u64 ej0;
	int fd = iodirty_open(), err;

	if (!ASSERT_GE(fd, 0, "open /dev/iodirty"))
		return;
	ej0 = pol_stat(fd, IODIRTY_STAT_EJECTIONS);
	skel = policy_race_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		goto out;
	link = bpf_map__attach_struct_ops(skel->maps.race_a_ops);
	if (!ASSERT_OK_PTR(link, "attach A") ||
	    !ASSERT_OK(set_param("test_flush_delay_ms", 600),
		       "test_flush_delay_ms=600"))
		goto out;
	skel->bss->a_error = 1;
	pa.fd = fd;
	if (!ASSERT_OK(pthread_create(&th, NULL, probe_thread, &pa),
		       "probe thread"))
		goto out;
	emu_msleep(200);	/* A's call is in flight, delayed */
	err = bpf_link__update_map(link, skel->maps.race_b_ops);
	pthread_join(th, NULL);
	set_param("test_flush_delay_ms", 0);
	ASSERT_OK(err, "bpf_link__update_map(A -> B)");
	ASSERT_OK(pa.ret, "in-flight probe");
	ASSERT_EQ(skel->bss->a_errors, 1, "A called bpf_iodirty_error after the swap");
	ASSERT_EQ(pa.p.out_policy, 0, "A's late answer is not used");
	check_b_active(fd);
	ASSERT_EQ(pol_stat(fd, IODIRTY_STAT_EJECTIONS), ej0,
		  "nothing ejected");
	ASSERT_EQ(skel->bss->b_exit, 0, "B not exited");
	pol_wait_for(&skel->bss->a_exit, 1, 2000);
	ASSERT_EQ(skel->bss->a_exit, 1, "A exit once");
	ASSERT_EQ(skel->bss->a_uei.kind, IODIRTY_EXIT_REPLACED,
		  "A exit kind REPLACED");
out:
	set_param("test_flush_delay_ms", 0);
	bpf_link__destroy(link);
	policy_race_bpf__destroy(skel);
	close(fd);
}

static void init_positive_return(void)
{
	struct policy_race_bpf *skel;
	struct bpf_link *link;
	int err;

	skel = policy_race_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return;
	skel->bss->c_init_ret = 5;
	link = bpf_map__attach_struct_ops(skel->maps.race_c_ops);
	err = errno;
	if (!ASSERT_TRUE(!link, "attach refused"))
		printf("# attach returned a link with fd %d\n",
		       bpf_link__fd(link));
	else
		ASSERT_EQ(err, EINVAL, "errno EINVAL");
	/* an old kernel handed back "fd" 5: do not close whatever that is */
	if (link)
		bpf_link__disconnect(link);
	bpf_link__destroy(link);
	ASSERT_EQ(skel->bss->c_init, 1, "init ran once");
	ASSERT_EQ(skel->bss->c_exit, 0, "no exit for a refused policy");
	skel->bss->c_init_ret = -ENOSPC;
	link = bpf_map__attach_struct_ops(skel->maps.race_c_ops);
	err = errno;
	ASSERT_TRUE(!link && err == ENOSPC, "a negative errno passes through");
	bpf_link__destroy(link);
	policy_race_bpf__destroy(skel);
}

DEFINE_TEST(policy_safety)
{
	if (test__start_subtest("error_rate_limited"))
		error_rate_limited();
	if (test__start_subtest("swap_vs_eject"))
		swap_vs_eject();
	if (test__start_subtest("error_attributed_to_caller"))
		error_attributed_to_caller();
	if (test__start_subtest("init_positive_return"))
		init_positive_return();
}
