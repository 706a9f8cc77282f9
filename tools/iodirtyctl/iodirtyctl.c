// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirtyctl - attach, hot-swap, inspect and stream iodirty BPF policies.
 *
 * A policy is an object with an iodirty_ops struct_ops map.  attach pins
 * its struct_ops link (and its ring buffers) in bpffs so the policy stays
 * attached after the tool exits; replace swaps the pinned link to a new
 * object's map atomically; stream reads a pinned ring buffer.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "libiodirty.h"
#include "policy_path.h"
#include "bpf_print.h"
#include "iodirtyctl.h"

static struct env {
	bool verbose;
	bool json;
	const char *pin_dir;
	const char *map;	/* struct_ops map (attach/replace) */
	const char *rb;		/* ring buffer (stream) */
	const char *args[4];
	int nargs;
} env = { .pin_dir = IODIRTYCTL_PIN_DIR, .rb = IODIRTYCTL_RB_DEFAULT };

const char *argp_program_version = "iodirtyctl 0.1";
const char argp_program_doc[] =
"Attach, replace, detach, inspect and stream iodirty BPF policies.\n"
"\n"
"USAGE: iodirtyctl [-v] [--pin-dir DIR] COMMAND [ARGS]\n"
"  attach OBJ.bpf.o [--map NAME]  attach a policy and pin its link and maps\n"
"  replace OBJ.bpf.o [--map NAME] atomically swap the attached policy\n"
"  detach                         detach the pinned policy\n"
"  status [--json]                policy layer state and counters\n"
"  stream [--json] [-m MAP] [interval] [count]\n"
"                                 read the pinned ring buffer\n"
"\n"
"EXAMPLES:\n"
"    iodirtyctl attach export.bpf.o      # export dirty runs to a ring buffer\n"
"    iodirtyctl stream                   # one line per record, Ctrl-C ends\n"
"    iodirtyctl stream 1 5               # totals every second, 5 times\n"
"    iodirtyctl replace hotcold.bpf.o    # hot swap, no window on the default\n"
"    iodirtyctl status --json            # counters and last exit as JSON\n"
"    iodirtyctl detach                   # back to the built-in default\n"
"\n"
"POLICIES: OBJ is a path, or a bare name (export or export.bpf.o) looked up\n"
"in " IODIRTY_POLICY_SEARCH " (the installed example policies).\n";

static const struct argp_option opts[] = {
	{ "verbose", 'v', NULL, 0, "Show libbpf debug output", 0 },
	{ "json", 'j', NULL, 0, "JSON output (status, stream)", 0 },
	{ "pin-dir", 'P', "DIR", 0, "bpffs directory (default " IODIRTYCTL_PIN_DIR ")", 0 },
	{ "map", 'M', "NAME", 0, "iodirty_ops struct_ops map to attach", 0 },
	{ "ringbuf", 'm', "MAP", 0, "ring buffer to stream (default events)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'v': env.verbose = true; break;
	case 'j': env.json = true; break;
	case 'P': env.pin_dir = arg; break;
	case 'M': env.map = arg; break;
	case 'm': env.rb = arg; break;
	case 'h': argp_state_help(state, stderr, ARGP_HELP_STD_HELP); break;
	case ARGP_KEY_ARG:
		if (env.nargs >= 4)
			argp_error(state, "too many arguments");
		env.args[env.nargs++] = arg;
		break;
	case ARGP_KEY_END:
		if (!env.nargs)
			argp_error(state, "no command given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* print "iodirtyctl: <what>: <errno text>" and return 1 (the exit status) */
static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	if (err < 0)
		err = -err;
	fprintf(stderr, "iodirtyctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err >= 4000) {	/* libbpf's own error codes */
		char buf[128];

		libbpf_strerror(err, buf, sizeof(buf));
		fprintf(stderr, ": %s", buf);
	} else if (err) {
		fprintf(stderr, ": %s (errno %d)", iodirty_strerror(err), err);
	}
	fputc('\n', stderr);
	return 1;
}

static void pin_path(char *buf, size_t sz, const char *sub, const char *name)
{
	snprintf(buf, sz, "%s/%s%s%s", env.pin_dir, sub, name ? "/" : "",
		 name ? name : "");
}

static bool is_iodirty_ops(const struct bpf_object *obj, const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;

	if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
		return false;
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	return t && !strcmp(btf__name_by_offset(btf, t->name_off), "iodirty_ops");
}

/* the object a policy name stands for (policy_path.h), or NULL after fail() */
static const char *find_policy(const char *name, char *buf, size_t sz)
{
	const char *path = iodirty_find_policy(name, buf, sz);

	if (!path && errno == ENOENT && !strchr(name, '/'))
		fail(0, "policy '%s' not found in %s", name,
		     IODIRTY_POLICY_SEARCH);
	else if (!path)
		fail(errno, "%s", name);
	return path;
}

/* open and load @path; *mapp = its (first or --map) iodirty_ops map */
static int load_policy(const char *path, struct bpf_object **objp,
		       struct bpf_map **mapp)
{
	struct bpf_object *obj;
	struct bpf_map *map, *found = NULL;
	static char found_path[PATH_MAX];
	int err;

	path = find_policy(path, found_path, sizeof(found_path));
	if (!path)
		return 1;
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return fail(errno, "opening BPF object %s", path);
	bpf_object__for_each_map(map, obj) {
		if (!is_iodirty_ops(obj, map))
			continue;
		if (env.map && strcmp(bpf_map__name(map), env.map))
			continue;
		if (!found)
			found = map;
		else if (!env.map)
			bpf_map__set_autocreate(map, false);
	}
	if (!found) {
		bpf_object__close(obj);
		if (env.map)
			return fail(0, "%s: no iodirty_ops struct_ops map named '%s'",
				    path, env.map);
		return fail(0, "%s: no iodirty_ops struct_ops map (SEC(\".struct_ops.link\") struct iodirty_ops ...)",
			    path);
	}
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		return fail(err, "loading %s (run with -v for the verifier log)",
			    path);
	}
	*objp = obj;
	*mapp = found;
	return 0;
}

/* unpin everything under maps/, then pin @obj's ring buffers there */
static int repin_maps(struct bpf_object *obj)
{
	char dir[PATH_MAX], p[PATH_MAX + 256];
	struct bpf_map *map;
	struct dirent *de;
	DIR *d;
	int err;

	pin_path(dir, sizeof(dir), IODIRTYCTL_MAPS_DIR, NULL);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return fail(errno, "mkdir %s", dir);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	if (!obj)
		return 0;
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__pin(map, p);
		if (err)
			return fail(err, "pinning map %s at %s", bpf_map__name(map), p);
		if (!env.json)
			printf("ring buffer '%s' pinned at %s\n", bpf_map__name(map), p);
	}
	return 0;
}

static int cmd_attach(const char *path)
{
	char lp[PATH_MAX];
	struct bpf_object *obj = NULL;
	struct bpf_map *map;
	struct bpf_link *link;
	int err;

	pin_path(lp, sizeof(lp), IODIRTYCTL_LINK_NAME, NULL);
	if (!access(lp, F_OK))
		return fail(EEXIST, "a policy link is already pinned at %s (use replace or detach)", lp);
	if (load_policy(path, &obj, &map))
		return 1;
	link = bpf_map__attach_struct_ops(map);
	if (!link) {
		err = fail(errno, "attaching %s from %s", bpf_map__name(map), path);
		bpf_object__close(obj);
		return err;
	}
	if (mkdir(env.pin_dir, 0700) && errno != EEXIST) {
		err = fail(errno, "mkdir %s (is bpffs mounted at /sys/fs/bpf?)", env.pin_dir);
		goto out_detach;
	}
	err = bpf_link__pin(link, lp);
	if (err) {
		err = fail(err, "pinning the link at %s", lp);
		goto out_detach;
	}
	if (repin_maps(obj)) {
		bpf_link__unpin(link);
		err = 1;
		goto out_detach;
	}
	printf("attached %s (map %s), link pinned at %s\n", path,
	       bpf_map__name(map), lp);
	bpf_link__disconnect(link);	/* the pin keeps it attached */
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
out_detach:
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return err;
}

static int cmd_replace(const char *path)
{
	char lp[PATH_MAX];
	struct bpf_object *obj = NULL;
	struct bpf_link *tmp;
	struct bpf_map *map;
	int link_fd, err;

	pin_path(lp, sizeof(lp), IODIRTYCTL_LINK_NAME, NULL);
	link_fd = bpf_obj_get(lp);
	if (link_fd < 0)
		return fail(errno, "no policy attached (%s); use attach", lp);
	if (load_policy(path, &obj, &map)) {
		close(link_fd);
		return 1;
	}
	/*
	 * libbpf writes a struct_ops map's value (the program FDs) only in
	 * bpf_map__attach_struct_ops() / bpf_link__update_map(), and the
	 * latter only accepts links it created itself (not bpf_link__open()).
	 * So let attach write the value; the kernel then refuses the second
	 * registration with EEXIST, and the pinned link is swapped with
	 * BPF_LINK_UPDATE, which is what bpf_link__update_map() issues.
	 */
	tmp = bpf_map__attach_struct_ops(map);
	if (tmp) {
		/* nothing was registered any more: this is a fresh attach */
		unlink(lp);
		err = bpf_link__pin(tmp, lp);
		bpf_link__disconnect(tmp);
		bpf_link__destroy(tmp);
		if (err) {
			err = fail(err, "pinning the link at %s", lp);
			goto out;
		}
		fprintf(stderr, "iodirtyctl: the old policy was gone (ejected?); attached anew\n");
	} else if (errno != EEXIST) {
		err = fail(errno, "preparing map %s", bpf_map__name(map));
		goto out;
	} else if (bpf_link_update(link_fd, bpf_map__fd(map), NULL)) {
		err = fail(errno, "updating the link at %s to %s", lp, path);
		goto out;
	}
	err = repin_maps(obj);
	if (!err)
		printf("replaced the policy at %s with %s (map %s)\n", lp, path,
		       bpf_map__name(map));
out:
	close(link_fd);
	bpf_object__close(obj);
	return err;
}

static int cmd_detach(void)
{
	char lp[PATH_MAX];
	struct bpf_link *link;
	int err;

	pin_path(lp, sizeof(lp), IODIRTYCTL_LINK_NAME, NULL);
	if (access(lp, F_OK))
		return fail(errno, "no policy attached (%s)", lp);
	link = bpf_link__open(lp);
	if (!link)
		return fail(errno, "no policy attached (%s)", lp);
	err = bpf_link__detach(link);
	if (err && err != -EOPNOTSUPP && err != -EINVAL && err != -ENOLINK) {
		bpf_link__destroy(link);
		return fail(err, "detaching %s", lp);
	}
	err = bpf_link__unpin(link);
	bpf_link__destroy(link);
	if (err)
		return fail(err, "unpinning %s", lp);
	repin_maps(NULL);
	printf("detached the policy pinned at %s\n", lp);
	return 0;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int cmd_status(void)
{
	struct iodirty_status st;
	unsigned int i;
	int fd, err;

	fd = iodirty_open();
	if (fd < 0)
		return fail(fd, "open %s", IODIRTY_DEV_PATH);
	err = iodirty_status(fd, &st);
	close(fd);
	if (err)
		return fail(err, "IODIRTY_STATUS");
	st.out_name[sizeof(st.out_name) - 1] = 0;
	st.out_exit_msg[sizeof(st.out_exit_msg) - 1] = 0;
	if (env.json) {
		printf("{\"bpf_policies\":%u,\"attached\":%s,\"name\":",
		       st.out_bpf_enabled, st.out_attached ? "true" : "false");
		json_str(st.out_name);
		printf(",\"stats\":{");
		for (i = 0; i < IODIRTY_STAT__MAX; i++)
			printf("%s\"%s\":%llu", i ? "," : "", iodirty_stat_name(i),
			       (unsigned long long)st.out_stats[i]);
		printf("},\"exit\":{\"kind\":\"%s\",\"reason\":\"%s\",\"code\":%lld,\"msg\":",
		       iodirty_exit_kind_name(st.out_exit_kind),
		       iodirty_exit_reason_name(st.out_exit_reason),
		       (long long)st.out_exit_code);
		json_str(st.out_exit_msg);
		printf("}}\n");
		return 0;
	}
	printf("bpf_policies: %s\n", st.out_bpf_enabled ? "enabled" : "disabled");
	printf("policy:       %s (%s)\n", st.out_name[0] ? st.out_name : "default",
	       st.out_attached ? "BPF, attached" : "built-in default active");
	printf("counters:\n");
	for (i = 0; i < IODIRTY_STAT__MAX; i++)
		printf("  %-16s %llu\n", iodirty_stat_name(i),
		       (unsigned long long)st.out_stats[i]);
	printf("last exit:    kind=%s reason=%s code=%lld\n",
	       iodirty_exit_kind_name(st.out_exit_kind),
	       iodirty_exit_reason_name(st.out_exit_reason),
	       (long long)st.out_exit_code);
	if (st.out_exit_msg[0])
		printf("  message:    %s\n", st.out_exit_msg);
	return 0;
}

static volatile sig_atomic_t exiting;

static void sig_handler(int sig)
{
	exiting = 1;
}

static struct stream_totals {
	unsigned long long records, pages, scans, bytes;
	unsigned long long drops;	/* from the last end-of-scan marker */
} tot;
static bool stream_per_record;

static int on_record(void *ctx, void *data, size_t len)
{
	const struct iodirty_chunk_hdr *h = data;
	unsigned long long w;

	if (len < sizeof(*h))
		return 0;	/* not ours; ignore */
	tot.bytes += len;
	if (iodirty_chunk_is_eos(h)) {
		tot.scans++;
		if (len >= 8 * 8)
			tot.drops = ((const __u64 *)data)[7];
		if (!stream_per_record)
			return 0;
		if (env.json)
			printf("{\"type\":\"end_of_scan\",\"hwpt\":%llu,\"scan\":%u,\"drops\":%llu}\n",
			       (unsigned long long)h->hwpt_id, h->scan_seq, tot.drops);
		else
			printf("hwpt %-4llu scan %-6u end of scan (drops so far %llu)\n",
			       (unsigned long long)h->hwpt_id, h->scan_seq, tot.drops);
		return 0;
	}
	w = iodirty_chunk_weight(h, len);
	tot.records++;
	tot.pages += w;
	if (!stream_per_record)
		return 0;
	if (env.json)
		printf("{\"type\":\"run\",\"hwpt\":%llu,\"scan\":%u,\"iova\":%llu,\"end\":%llu,\"page_size\":%llu,\"dirty_pages\":%llu}\n",
		       (unsigned long long)h->hwpt_id, h->scan_seq,
		       (unsigned long long)h->iova,
		       (unsigned long long)(h->iova + h->nbits * h->page_size),
		       (unsigned long long)h->page_size, w);
	else
		printf("hwpt %-4llu scan %-6u iova 0x%llx-0x%llx dirty %llu/%u pages\n",
		       (unsigned long long)h->hwpt_id, h->scan_seq,
		       (unsigned long long)h->iova,
		       (unsigned long long)(h->iova + h->nbits * h->page_size),
		       w, h->nbits);
	return 0;
}

static long parse_num(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0) {
		fail(0, "invalid %s '%s'", what, s);
		exit(1);
	}
	return v;
}

static int cmd_stream(void)
{
	long interval = 0, count = -1;
	struct stream_totals last = {};
	struct ring_buffer *rb;
	char mp[PATH_MAX];
	time_t next = 0;
	int fd, err = 0;

	if (env.nargs > 1)
		interval = parse_num(env.args[1], "interval");
	if (env.nargs > 2)
		count = parse_num(env.args[2], "count");
	stream_per_record = !interval;
	pin_path(mp, sizeof(mp), IODIRTYCTL_MAPS_DIR, env.rb);
	fd = bpf_obj_get(mp);
	if (fd < 0)
		return fail(errno, "opening ring buffer %s (attach a policy with one)", mp);
	rb = ring_buffer__new(fd, on_record, NULL, NULL);
	if (!rb) {
		err = fail(errno, "ring_buffer__new(%s)", mp);
		close(fd);
		return err;
	}
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	if (interval && !env.json)
		printf("%-8s %10s %10s %8s %8s\n", "TIME", "RECORDS", "PAGES",
		       "SCANS", "DROPS");
	next = time(NULL) + interval;
	while (!exiting) {
		err = ring_buffer__poll(rb, 100);
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0) {
			err = fail(err, "ring_buffer__poll");
			break;
		}
		err = 0;
		fflush(stdout);
		if (!interval || time(NULL) < next)
			continue;
		next += interval;
		{
			char ts[16];
			time_t t = time(NULL);

			strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
			if (env.json)
				printf("{\"time\":\"%s\",\"records\":%llu,\"pages\":%llu,\"scans\":%llu,\"drops\":%llu}\n",
				       ts, tot.records - last.records,
				       tot.pages - last.pages, tot.scans - last.scans,
				       tot.drops);
			else
				printf("%-8s %10llu %10llu %8llu %8llu\n", ts,
				       tot.records - last.records,
				       tot.pages - last.pages,
				       tot.scans - last.scans, tot.drops);
			fflush(stdout);
		}
		last = tot;
		if (count > 0 && --count == 0)
			break;
	}
	ring_buffer__consume(rb);
	if (!env.json)
		fprintf(stderr, "total: %llu records, %llu dirty pages, %llu scans, %llu drops\n",
			tot.records, tot.pages, tot.scans, tot.drops);
	ring_buffer__free(rb);
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg,
		.args_doc = "COMMAND [ARGS]", .doc = argp_program_doc,
	};
	const char *cmd;
	int err;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return 1;
	iodirty_bpf_verbose = env.verbose;
	libbpf_set_print(iodirty_libbpf_print);
	cmd = env.args[0];
	if (!strcmp(cmd, "attach") || !strcmp(cmd, "replace")) {
		if (env.nargs != 2)
			return fail(0, "usage: iodirtyctl %s OBJ.bpf.o", cmd);
		return cmd[0] == 'a' ? cmd_attach(env.args[1]) : cmd_replace(env.args[1]);
	}
	if (!strcmp(cmd, "detach"))
		return cmd_detach();
	if (!strcmp(cmd, "status"))
		return cmd_status();
	if (!strcmp(cmd, "stream"))
		return env.nargs > 3 ? fail(0, "usage: iodirtyctl stream [interval] [count]") :
				       cmd_stream();
	return fail(0, "unknown command '%s' (see --help)", cmd);
}
