// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * End-to-end smoke test of the policy path: a struct_ops policy attached
 * through a libbpf skeleton is called by the module (IODIRTY_POLICY_PROBE),
 * calls a kfunc, and writes a ring-buffer record that we read back and
 * check; after detach the module answers with its built-in default again.
 */
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include "../test_progs.h"
#include "../iodirty_test_util.h"
#include "smoke.h"
#include "smoke.skel.h"

struct smoke_seen {
	int n;
	struct smoke_event last;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct smoke_seen *seen = ctx;

	if (len != sizeof(struct smoke_event))
		return -EINVAL;
	seen->n++;
	memcpy(&seen->last, data, sizeof(seen->last));
	return 0;
}

static int probe(int fd, struct iodirty_policy_probe *p, __u64 pages)
{
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->op = IODIRTY_PROBE_FLUSH;
	p->pending_pages = pages;
	p->pending_ranges = 3;
	p->pending_start = 0x100000;
	p->pending_end = 0x100000 + pages * 4096;
	return ioctl(fd, IODIRTY_POLICY_PROBE, p);
}

/*
 * In a child that dropped every capability (still uid 0): loading and
 * attaching a policy must fail with EPERM, as struct_ops maps need
 * CAP_BPF + CAP_SYS_ADMIN.  Exit status 0 means "refused with EPERM".
 */
static int unprivileged_attach(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	struct smoke_bpf *skel;
	struct bpf_link *link;
	int err;

	if (syscall(SYS_capset, &hdr, data))
		return 2;
	skel = smoke_bpf__open();
	if (!skel)
		return 3;
	err = smoke_bpf__load(skel);
	if (!err) {
		link = bpf_map__attach_struct_ops(skel->maps.smoke_ops);
		err = link ? 0 : -errno;
		bpf_link__destroy(link);
	}
	smoke_bpf__destroy(skel);
	return err == -EPERM ? 0 : 1;
}

/*
 * Load the smoke policy with its data fields changed and try to attach
 * it; returns 0 (attached, then detached again) or -errno.
 */
static int attach_modified(__u64 flags, __u32 timeout_ms, const char *name)
{
	struct smoke_bpf *s = smoke_bpf__open();
	struct bpf_link *link;
	int err;

	if (!s)
		return -errno;
	s->struct_ops.smoke_ops->flags = flags;
	s->struct_ops.smoke_ops->timeout_ms = timeout_ms;
	/* bpftool's shadow type shows the name array as __unsupported_7 */
	snprintf(s->struct_ops.smoke_ops->__unsupported_7,
		 sizeof(s->struct_ops.smoke_ops->__unsupported_7), "%s", name);
	err = smoke_bpf__load(s);
	if (!err) {
		link = bpf_map__attach_struct_ops(s->maps.smoke_ops);
		err = link ? 0 : -errno;
		bpf_link__destroy(link);
	}
	smoke_bpf__destroy(s);
	return err;
}

DEFINE_TEST(smoke)
{
	struct iodirty_policy_probe p;
	struct smoke_seen seen = {};
	struct ring_buffer *rb = NULL;
	struct smoke_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	int fd, err;

	fd = iodirty_open();
	if (!ASSERT_GE(fd, 0, "open /dev/iodirty"))
		return;

	if (test__start_subtest("default_before_attach")) {
		err = probe(fd, &p, 7);
		if (ASSERT_OK(err, "probe")) {
			ASSERT_EQ(p.out_policy, 0, "out_policy");
			ASSERT_EQ(p.out_verdict, IODIRTY_FLUSH_RANGES, "verdict");
			ASSERT_STREQ(p.out_name, "default", "name");
		}
	}

	skel = smoke_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		goto out;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &seen,
			      NULL);
	if (!ASSERT_OK_PTR(rb, "ring_buffer__new"))
		goto out;

	if (test__start_subtest("attach_called_with_kfunc_and_ringbuf")) {
		link = bpf_map__attach_struct_ops(skel->maps.smoke_ops);
		if (!ASSERT_OK_PTR(link, "attach_struct_ops"))
			goto out;
		ASSERT_EQ(skel->bss->init_calls, 1, "init called once");
		err = probe(fd, &p, 42);
		if (ASSERT_OK(err, "probe")) {
			ASSERT_EQ(p.out_policy, 1, "out_policy");
			ASSERT_EQ(p.out_verdict, IODIRTY_FLUSH_DOMAIN, "verdict");
			ASSERT_STREQ(p.out_name, "smoke", "name");
		}
		err = ring_buffer__consume(rb);
		ASSERT_EQ(err, 1, "records consumed");
		ASSERT_EQ(seen.n, 1, "records seen");
		ASSERT_EQ(seen.last.magic, SMOKE_MAGIC, "magic");
		ASSERT_EQ(seen.last.pending_pages, 42, "pending_pages");
		ASSERT_EQ(seen.last.pending_ranges, 3, "pending_ranges");
		ASSERT_EQ(seen.last.pending_start, 0x100000, "pending_start");
		ASSERT_EQ(seen.last.pending_end, 0x100000 + 42 * 4096,
			  "pending_end");
		/* the kfunc read the counter before this call was counted */
		ASSERT_EQ(seen.last.calls_before + 1, p.out_calls,
			  "kfunc counter");
	}

	if (test__start_subtest("second_attach_refused")) {
		struct smoke_bpf *skel2 = smoke_bpf__open_and_load();
		struct bpf_link *link2 = NULL;

		if (ASSERT_OK_PTR(skel2, "open_and_load 2")) {
			link2 = bpf_map__attach_struct_ops(skel2->maps.smoke_ops);
			ASSERT_TRUE(link2 == NULL && errno == EEXIST,
				    "second attach fails with EEXIST");
			bpf_link__destroy(link2);
			smoke_bpf__destroy(skel2);
		}
	}

	if (test__start_subtest("detach_falls_back_to_default")) {
		err = bpf_link__destroy(link);
		link = NULL;
		ASSERT_OK(err, "link destroy");
		ASSERT_EQ(skel->bss->exit_calls, 1, "exit called once");
		ASSERT_EQ(skel->bss->exit_kind, IODIRTY_EXIT_UNREG, "exit kind");
		seen.n = 0;
		err = probe(fd, &p, 5);
		if (ASSERT_OK(err, "probe")) {
			ASSERT_EQ(p.out_policy, 0, "out_policy");
			ASSERT_EQ(p.out_verdict, IODIRTY_FLUSH_RANGES, "verdict");
			ASSERT_STREQ(p.out_name, "default", "name");
		}
		ASSERT_EQ(ring_buffer__consume(rb), 0, "no record after detach");
		ASSERT_EQ(seen.n, 0, "records seen after detach");
	}

	if (test__start_subtest("attach_needs_privileges")) {
		pid_t pid = fork();
		int status = -1;

		if (pid == 0)
			_exit(unprivileged_attach());
		if (ASSERT_GE(pid, 0, "fork")) {
			waitpid(pid, &status, 0);
			ASSERT_TRUE(WIFEXITED(status), "child exited");
			ASSERT_EQ(WEXITSTATUS(status), 0,
				  "load/attach without capabilities fails with EPERM");
		}
	}

	if (test__start_subtest("bad_ops_data_refused")) {
		static const char *const bad_names[] = { "bad name", "", "x/y" };
		unsigned int i;

		/* the kernel checks data fields when the map value is written
		 * (init_member, at attach): each must be refused with EINVAL */
		ASSERT_EQ(attach_modified(1, 0, "smoke"), -EINVAL,
			  "unknown flag bit");
		for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
			ASSERT_EQ(attach_modified(0, 0, bad_names[i]), -EINVAL,
				  bad_names[i]);
		ASSERT_EQ(attach_modified(0, 1001, "smoke"), -EINVAL,
			  "timeout_ms above 1000");
		ASSERT_EQ(attach_modified(0, 1000, "smoke.ok-1"), 0,
			  "valid fields accepted");
	}

	if (test__start_subtest("probe_bad_input")) {
		struct iodirty_policy_probe q;

		probe(fd, &q, 1);
		q.flags = 1;
		ASSERT_ERRNO(ioctl(fd, IODIRTY_POLICY_PROBE, &q), EOPNOTSUPP,
			     "unknown flags");
		probe(fd, &q, 1);
		q.op = 99;
		ASSERT_ERRNO(ioctl(fd, IODIRTY_POLICY_PROBE, &q), EOPNOTSUPP,
			     "unknown op");
		probe(fd, &q, 1);
		q.size = 8;
		ASSERT_ERRNO(ioctl(fd, IODIRTY_POLICY_PROBE, &q), EINVAL,
			     "short size");
		{
			/* a newer caller's longer struct: zero tail accepted,
			 * non-zero tail refused with E2BIG */
			struct { struct iodirty_policy_probe p; __u64 tail; } big;

			probe(fd, &big.p, 1);
			big.p.size = sizeof(big);
			big.tail = 0;
			ASSERT_OK(ioctl(fd, IODIRTY_POLICY_PROBE, &big),
				  "longer struct, zero tail");
			big.p.size = sizeof(big);
			big.tail = 1;
			ASSERT_ERRNO(ioctl(fd, IODIRTY_POLICY_PROBE, &big), E2BIG,
				     "longer struct, non-zero tail");
		}
		ASSERT_ERRNO(ioctl(fd, IODIRTY_POLICY_PROBE, NULL), EFAULT,
			     "NULL argument");
		ASSERT_ERRNO(ioctl(fd, _IO(';', 0xef), &q), ENOTTY,
			     "unknown ioctl");
	}
out:
	bpf_link__destroy(link);
	ring_buffer__free(rb);
	smoke_bpf__destroy(skel);
	close(fd);
}
