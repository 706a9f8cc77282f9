// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-migrate end to end, over loopback in the guest: the tool runs as
 * two subprocesses (destination --listen --verify, source --to), as a user
 * would run it.
 *  - bitmap and stream sync x the default and defer_hot policies (one
 *    source run migrates once per policy, same seed) x zipf and nic-ring
 *    workloads (nic with two devices, i.e. two DMA threads on the guest's
 *    two vCPUs): every session ends with "mismatched 0", both exit 0;
 *  - the check can fail: dropping pages of the final copy
 *    (--unsafe-drop-every) and harvesting without the IOTLB flush
 *    (--unsafe-skip-flush, the lab's SKIP_FLUSH_UNSAFE) give mismatched > 0,
 *    the destination names the pages, both exit non-zero; the same small
 *    run without the unsafe flag gives 0;
 *  - huge_split: memory mapped with 2 MiB IOPTEs (--huge, hugetlb pages),
 *    sparse random writes, split_huge vs default in one run: split_huge
 *    demotes 2 MiB leaves and sends fewer bytes, both mismatched 0;
 *  - bad input: unknown option, bad HOST:PORT, nothing listening, a port
 *    in use, bandwidth 0, a file that is not a policy, the destination
 *    killed mid-migration: a clear error, exit non-zero, nothing hangs.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "../emu_util.h"

#define MIG_BIN		"/opt/iodirty/iodirty-migrate"
#define DEFER_HOT	"/opt/iodirty/defer_hot.bpf.o"
#define SPLIT_HUGE	"/opt/iodirty/split_huge.bpf.o"
#define DST_LOG		"/tmp/migrate-dst.log"
#define SRC_LOG		"/tmp/migrate-src.log"
#define RUN_TIMEOUT_S	120

static int next_port = 47000;

static char dst_out[16384], src_out[16384];

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

static pid_t spawn(const char *log, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(MIG_BIN, argv);
		_exit(127);
	}
	return pid;
}

/* exit status, or -1 after @secs (the process is killed) */
static int wait_exit(pid_t pid, int secs)
{
	int st, i;

	for (i = 0; i < secs * 20; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		emu_msleep(50);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* start the destination and wait until it listens (its first line) */
static pid_t start_dst(int port, bool verify)
{
	char ps[16];
	char *argv[] = { MIG_BIN, "--listen", ps, verify ? "--verify" : NULL, NULL };
	pid_t pid;
	int i;

	snprintf(ps, sizeof(ps), "%d", port);
	pid = spawn(DST_LOG, argv);
	for (i = 0; pid > 0 && i < 100; i++) {
		slurp(DST_LOG, dst_out, sizeof(dst_out));
		if (strstr(dst_out, "listening"))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		emu_msleep(50);
	}
	return -1;
}

/* source with NULL-terminated extra arguments; fills src_out */
static int run_src(int port, const char *first, ...)
{
	char *argv[48] = { MIG_BIN, "--to" };
	char to[32];
	const char *a;
	va_list ap;
	int n = 3, rc;

	snprintf(to, sizeof(to), "127.0.0.1:%d", port);
	argv[2] = to;
	va_start(ap, first);
	for (a = first; a && n < 46; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	rc = wait_exit(spawn(SRC_LOG, argv), RUN_TIMEOUT_S);
	slurp(SRC_LOG, src_out, sizeof(src_out));
	return rc;
}

/* "mismatched N" lines of the destination: how many, and their sum */
static int count_mismatched(long long *sum)
{
	const char *p = dst_out;
	int n = 0;

	*sum = 0;
	while ((p = strstr(p, "mismatched "))) {
		if (p == dst_out || p[-1] == '\n') {
			*sum += atoll(p + 11);
			n++;
		}
		p += 11;
	}
	return n;
}

static void dump_logs(void)
{
	printf("# --- source:\n%s# --- destination:\n%s", src_out, dst_out);
}

static void subtest_clean(const char *sync, const char *pattern, const char *devices)
{
	int port = next_port++, src_rc, dst_rc, n;
	long long sum;
	pid_t dst = start_dst(port, true);

	if (!ASSERT_GE(dst, 1, "destination listening"))
		return;
	src_rc = run_src(port, "--mem", "8M", "--bandwidth", "16", "--rate", "10000",
			 "--max-rounds", "8", "--sync", sync, "--pattern", pattern,
			 "--devices", devices, "--seed", "7",
			 "--policy", "default," DEFER_HOT, NULL);
	dst_rc = wait_exit(dst, RUN_TIMEOUT_S);
	slurp(DST_LOG, dst_out, sizeof(dst_out));
	n = count_mismatched(&sum);
	ASSERT_EQ(src_rc, 0, "source exit status");
	ASSERT_EQ(dst_rc, 0, "destination exit status");
	ASSERT_EQ(n, 2, "a verdict per policy (default, defer_hot)");
	ASSERT_EQ(sum, 0, "mismatched 0 in every session");
	ASSERT_TRUE(strstr(src_out, "defer_hot.bpf.o") != NULL, "table row for defer_hot");
	ASSERT_TRUE(strstr(src_out, "oracle: 0 written pages missed") != NULL,
		    "oracle: nothing missed");
	if (test__verbose() || src_rc || dst_rc || sum)
		dump_logs();
}

/* a run that must be caught: both ends non-zero, pages named */
static void run_broken(const char *why, const char *mem, const char *bw,
		       const char *limit, const char *flag, const char *val)
{
	int port = next_port++, src_rc, dst_rc;
	long long sum;
	pid_t dst = start_dst(port, true);

	if (!ASSERT_GE(dst, 1, "destination listening"))
		return;
	src_rc = run_src(port, "--mem", mem, "--bandwidth", bw, "--downtime-limit", limit,
			 "--rate", "20000", "--max-rounds", "5", flag, val, NULL);
	dst_rc = wait_exit(dst, RUN_TIMEOUT_S);
	slurp(DST_LOG, dst_out, sizeof(dst_out));
	count_mismatched(&sum);
	printf("# %s: mismatched %lld\n", why, sum);
	ASSERT_GE(sum, 1, "mismatches found");
	ASSERT_EQ(dst_rc, 1, "destination exit status 1");
	ASSERT_EQ(src_rc, 1, "source exit status 1");
	ASSERT_TRUE(strstr(dst_out, "first mismatched pages:") != NULL,
		    "destination names the pages");
	if (test__verbose() || sum < 1)
		dump_logs();
}

static void subtest_small_clean(void)
{
	int port = next_port++, src_rc, dst_rc;
	long long sum;
	pid_t dst = start_dst(port, true);

	if (!ASSERT_GE(dst, 1, "destination listening"))
		return;
	/* the --unsafe-skip-flush run below without the flag */
	src_rc = run_src(port, "--mem", "256K", "--bandwidth", "1", "--downtime-limit",
			 "1", "--rate", "20000", NULL);
	dst_rc = wait_exit(dst, RUN_TIMEOUT_S);
	slurp(DST_LOG, dst_out, sizeof(dst_out));
	ASSERT_EQ(count_mismatched(&sum), 1, "one verdict");
	ASSERT_EQ(sum, 0, "mismatched 0");
	ASSERT_EQ(src_rc, 0, "source exit status");
	ASSERT_EQ(dst_rc, 0, "destination exit status");
}

static void expect_error(int rc, const char *needle, const char *what)
{
	char tag[128];

	snprintf(tag, sizeof(tag), "%s: exit status non-zero", what);
	ASSERT_NEQ(rc, 0, tag);
	ASSERT_NEQ(rc, -1, "did not hang");
	snprintf(tag, sizeof(tag), "%s: message has '%s'", what, needle);
	if (!ASSERT_TRUE(strstr(src_out, needle) != NULL, tag))
		printf("# output:\n%s", src_out);
}

static void subtest_bad_input(void)
{
	char *unk[] = { MIG_BIN, "--to", "127.0.0.1:1", "--no-such-option", NULL };
	char *badhp[] = { MIG_BIN, "--to", "127.0.0.1", NULL };
	char *badport[] = { MIG_BIN, "--to", "127.0.0.1:99999", NULL };
	char *bw0[] = { MIG_BIN, "--to", "127.0.0.1:1", "--bandwidth", "0", NULL };
	char *both[] = { MIG_BIN, NULL };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	char ps[16];
	char *inuse[] = { MIG_BIN, "--listen", ps, NULL };
	int s, port, rc;
	pid_t dst;

	rc = wait_exit(spawn(SRC_LOG, unk), 10);
	slurp(SRC_LOG, src_out, sizeof(src_out));
	expect_error(rc, "no-such-option", "unknown option");
	rc = wait_exit(spawn(SRC_LOG, badhp), 10);
	slurp(SRC_LOG, src_out, sizeof(src_out));
	expect_error(rc, "invalid HOST:PORT", "HOST without PORT");
	rc = wait_exit(spawn(SRC_LOG, badport), 10);
	slurp(SRC_LOG, src_out, sizeof(src_out));
	expect_error(rc, "invalid HOST:PORT", "port out of range");
	rc = wait_exit(spawn(SRC_LOG, bw0), 10);
	slurp(SRC_LOG, src_out, sizeof(src_out));
	expect_error(rc, "--bandwidth", "bandwidth 0");
	rc = wait_exit(spawn(SRC_LOG, both), 10);
	slurp(SRC_LOG, src_out, sizeof(src_out));
	expect_error(rc, "exactly one of --listen", "neither --listen nor --to");

	/* a port nobody listens on: a bound socket without listen() */
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (!ASSERT_OK(bind(s, (struct sockaddr *)&a, sizeof(a)), "bind a free port") ||
	    !ASSERT_OK(getsockname(s, (struct sockaddr *)&a, &al), "getsockname")) {
		close(s);
		return;
	}
	port = ntohs(a.sin_port);
	rc = run_src(port, "--mem", "1M", NULL);
	expect_error(rc, "Connection refused", "nothing listening");

	/* the same port, now listened on by us: the destination cannot bind */
	ASSERT_OK(listen(s, 1), "listen");
	snprintf(ps, sizeof(ps), "%d", port);
	rc = wait_exit(spawn(SRC_LOG, inuse), 10);
	slurp(SRC_LOG, src_out, sizeof(src_out));
	expect_error(rc, "Address already in use", "port in use");
	close(s);

	/* not a BPF object: libbpf's error, named */
	port = next_port++;
	dst = start_dst(port, true);
	if (ASSERT_GE(dst, 1, "destination listening")) {
		rc = run_src(port, "--mem", "1M", "--policy", "/opt/iodirty/demo", NULL);
		expect_error(rc, "opening policy '/opt/iodirty/demo'", "not a policy object");
		/* the source never connected: end the waiting destination */
		kill(dst, SIGKILL);
		waitpid(dst, NULL, 0);
	}
}

/* the value of "key": in the NDJSON result line of @policy, or -1 */
static long long result_field(const char *policy, const char *key)
{
	char head[160], k[48];
	const char *p, *e;

	snprintf(head, sizeof(head), "{\"type\":\"result\",\"policy\":\"%s\"", policy);
	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(src_out, head);
	if (!p)
		return -1;
	e = strchr(p, '\n');
	p = strstr(p, k);
	if (!p || (e && p > e))
		return -1;
	return atoll(p + strlen(k));
}

static void subtest_huge_split(void)
{
	int port = next_port++, src_rc, dst_rc, n;
	long long sum, b_split, b_def, d_split, d_def;
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
	int huge = 0;
	pid_t dst;

	if (f) {
		if (fscanf(f, "%d", &huge) != 1)
			huge = 0;
		fclose(f);
	}
	if (huge < 8) {
		test__skip("needs 8 hugetlb pages (run with --hugepages)");
		return;
	}
	dst = start_dst(port, true);
	if (!ASSERT_GE(dst, 1, "destination listening"))
		return;
	/* sparse: ~1000 random 64-byte writes/s over 16 MiB (8 leaves) */
	src_rc = run_src(port, "--huge", "--mem", "16M", "--bandwidth", "32",
			 "--rate", "1000", "--pattern", "random", "--max-rounds", "6",
			 "--seed", "11", "--json", "--policy", SPLIT_HUGE ",default", NULL);
	dst_rc = wait_exit(dst, RUN_TIMEOUT_S);
	slurp(DST_LOG, dst_out, sizeof(dst_out));
	n = count_mismatched(&sum);
	ASSERT_EQ(src_rc, 0, "source exit status");
	ASSERT_EQ(dst_rc, 0, "destination exit status");
	ASSERT_EQ(n, 2, "a verdict per policy (split_huge, default)");
	ASSERT_EQ(sum, 0, "mismatched 0 in every session");
	b_split = result_field(SPLIT_HUGE, "total_bytes");
	b_def = result_field("default", "total_bytes");
	d_split = result_field(SPLIT_HUGE, "demoted_2m");
	d_def = result_field("default", "demoted_2m");
	printf("# --huge random 16 MiB: split_huge sent %.1f MiB (%lld leaves demoted), default %.1f MiB (%lld)\n",
	       b_split / 1048576.0, d_split, b_def / 1048576.0, d_def);
	ASSERT_GE(b_split, 1, "split_huge result line");
	ASSERT_GE(b_def, 1, "default result line");
	ASSERT_TRUE(b_split < b_def, "split_huge sends fewer bytes than default");
	ASSERT_GE(d_split, 1, "split_huge demoted 2 MiB leaves");
	ASSERT_EQ(d_def, 0, "default demoted none");
	ASSERT_EQ(result_field(SPLIT_HUGE, "oracle_missed"), 0, "oracle: split_huge");
	ASSERT_EQ(result_field("default", "oracle_missed"), 0, "oracle: default");
	ASSERT_EQ(result_field(SPLIT_HUGE, "mismatched"), 0, "split_huge: mismatched 0");
	if (test__verbose() || src_rc || dst_rc || sum || b_split >= b_def)
		dump_logs();
}

/* the destination killed mid-migration: the source stops with an error */
static void subtest_dst_gone(void)
{
	int port = next_port++, rc;
	pid_t dst = start_dst(port, true), src;
	char to[32];
	char *argv[] = { MIG_BIN, "--to", to, "--mem", "16M", "--bandwidth", "1",
			 "--timeout", "5", NULL };

	if (!ASSERT_GE(dst, 1, "destination listening"))
		return;
	snprintf(to, sizeof(to), "127.0.0.1:%d", port);
	src = spawn(SRC_LOG, argv);
	emu_msleep(1500);	/* round 1 at 1 MiB/s lasts 16 s */
	kill(dst, SIGKILL);
	waitpid(dst, NULL, 0);
	rc = wait_exit(src, 30);
	slurp(SRC_LOG, src_out, sizeof(src_out));
	expect_error(rc, "the source memory is untouched", "destination killed");
}

DEFINE_TEST(migrate)
{
	struct stat sb;

	if (stat(MIG_BIN, &sb) || stat(DEFER_HOT, &sb)) {
		test__skip("no iodirty-migrate in this image");
		return;
	}
	/* the guest's init leaves the loopback interface down */
	system("ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up");
	if (test__start_subtest("bitmap_zipf"))
		subtest_clean("bitmap", "zipf", "1");
	if (test__start_subtest("bitmap_nic_2dev"))
		subtest_clean("bitmap", "nic", "2");
	if (test__start_subtest("stream_zipf"))
		subtest_clean("stream", "zipf", "1");
	if (test__start_subtest("stream_nic_2dev"))
		subtest_clean("stream", "nic", "2");
	if (test__start_subtest("unsafe_drop_every"))
		run_broken("--unsafe-drop-every 5", "8M", "16", "300",
			   "--unsafe-drop-every", "5");
	if (test__start_subtest("small_clean"))
		subtest_small_clean();
	if (test__start_subtest("unsafe_skip_flush"))
		run_broken("--unsafe-skip-flush", "256K", "1", "1",
			   "--unsafe-skip-flush", "--seed=3");
	if (test__start_subtest("bad_input"))
		subtest_bad_input();
	if (test__start_subtest("dst_gone"))
		subtest_dst_gone();
	if (test__start_subtest("huge_split"))
		subtest_huge_split();
}
