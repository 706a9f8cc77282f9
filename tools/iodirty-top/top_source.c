// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-top's sources, chosen at start by probing the kernel's BTF:
 *
 *   iodirty   iodirty.ko's tracepoints (tp_btf), when /sys/kernel/btf/iodirty
 *             has iodirty_harvest_begin with its 5 arguments;
 *   iommufd   a stock kernel's iommufd (>= 6.7), when the kernel BTF
 *             (vmlinux, or the iommufd module's) has the function
 *             iommufd_hwpt_get_dirty_bitmap; then, each where present:
 *             iommufd_hwpt_set_dirty_tracking, iova_bitmap_set, the vendor
 *             read_and_clear_dirty walks and the drivers' iotlb_sync.
 *
 * The vendor names differ between kernels: 6.12 has the drivers' own
 * domain ops (amd_iommu_, intel_iommu_, arm_smmu_, the selftest's
 * mock_domain_read_and_clear_dirty); from 6.18/7.x the AMD, Intel (and
 * the selftest mock) domains use generic_pt, whose walk is
 * pt_iommu_<format>_read_and_clear_dirty (found by scanning the BTF for
 * that pattern).  An io-pgtable walk below a domain op we attach
 * (iommu_v1_ under amd_iommu_, arm_lpae_ under arm_smmu_) is left out:
 * it would count the same walk twice.  iommu_iotlb_sync() is an inline
 * in <linux/iommu.h>, so its callees (the drivers' iotlb_sync) are used.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "iodirty-top.h"
#include "top_source.h"

static const char *const src_names[] = {
	[TOP_SRC_AUTO] = "auto", [TOP_SRC_IODIRTY] = "iodirty", [TOP_SRC_IOMMUFD] = "iommufd",
};

const char *top_src_name(enum top_src src)
{
	return src_names[src];
}

int top_src_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(src_names) / sizeof(src_names[0]); i++)
		if (!strcmp(s, src_names[i]))
			return i;
	return -1;
}

/* the kernel's BTF: vmlinux, then every module's (split on vmlinux) */
#define MAX_BTFS 512
static struct btf *btfs[MAX_BTFS];
static char btf_names[MAX_BTFS][64];
static unsigned int nr_btfs;

static void btfs_free(void)
{
	while (nr_btfs)
		btf__free(btfs[--nr_btfs]);
}

static int btfs_load(void)
{
	struct dirent *d;
	DIR *dir;
	int err;

	if (nr_btfs)
		return 0;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		err = -errno;
		fprintf(stderr, "iodirty-top: kernel BTF /sys/kernel/btf/vmlinux: %s "
			"(needs CONFIG_DEBUG_INFO_BTF=y)\n", strerror(-err));
		return err;
	}
	btfs[0] = btf__load_vmlinux_btf();
	if (!btfs[0]) {
		err = -errno;
		fprintf(stderr, "iodirty-top: cannot load kernel BTF: %s\n", strerror(-err));
		return err;
	}
	strcpy(btf_names[0], "vmlinux");
	nr_btfs = 1;
	dir = opendir("/sys/kernel/btf");
	while (dir && (d = readdir(dir)) && nr_btfs < MAX_BTFS) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "vmlinux") ||
		    strlen(d->d_name) >= sizeof(btf_names[0]))
			continue;
		btfs[nr_btfs] = btf__load_module_btf(d->d_name, btfs[0]);
		if (!btfs[nr_btfs])
			continue;	/* unloaded meanwhile: not ours to report */
		strcpy(btf_names[nr_btfs], d->d_name);
		nr_btfs++;
	}
	if (dir)
		closedir(dir);
	return 0;
}

/* the BTF (vmlinux or a module) holding function @name, or NULL */
static const char *func_where(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_btfs; i++) {
		int id = btf__find_by_name_kind(btfs[i], name, BTF_KIND_FUNC);

		/* a module's split BTF also finds vmlinux's: only its own */
		if (id > 0 && (!i || (unsigned int)id >= btf__type_cnt(btfs[0])))
			return btf_names[i];
	}
	return NULL;
}

static int probe_iodirty(bool quiet)
{
	const struct btf_type *t;
	struct btf *mod;
	int id, err, params;

	mod = btf__load_module_btf("iodirty", btfs[0]);
	if (!mod) {
		err = -errno;
		if (!quiet)
			fprintf(stderr, "iodirty-top: source iodirty: no BTF for module iodirty "
				"(/sys/kernel/btf/iodirty: %s): load iodirty.ko (built with "
				"CONFIG_DEBUG_INFO_BTF_MODULES)\n", strerror(-err));
		return err;
	}
	id = btf__find_by_name_kind(mod, "btf_trace_iodirty_harvest_begin", BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(mod, id) : NULL;
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(mod, t->type);
	params = t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : -1;
	btf__free(mod);
	if (params < 0) {
		if (!quiet)
			fprintf(stderr, "iodirty-top: source iodirty: module iodirty has no "
				"tracepoint iodirty_harvest_begin in its BTF\n");
		return -ENOENT;
	}
	if (params != 5) {
		if (!quiet)
			fprintf(stderr, "iodirty-top: source iodirty: iodirty.ko's "
				"iodirty_harvest_begin has %d arguments, this iodirty-top needs 5 "
				"(with page_size): rebuild the module\n", params);
		return -EPROTO;
	}
	return 0;
}

/* what the iommufd probe found */
static char walk_fn[TOP_NR_WALK][64], sync_fn[TOP_NR_SYNC][64];
static unsigned int nr_walk, nr_sync;
static bool have_set, have_bitmap;

static const char *const walk_names[] = {
	"amd_iommu_read_and_clear_dirty", "intel_iommu_read_and_clear_dirty",
	"arm_smmu_read_and_clear_dirty", "mock_domain_read_and_clear_dirty",
};
/* io-pgtable walks and the domain op that calls them */
static const char *const walk_below[][2] = {
	{ "iommu_v1_read_and_clear_dirty", "amd_iommu_read_and_clear_dirty" },
	{ "arm_lpae_read_and_clear_dirty", "arm_smmu_read_and_clear_dirty" },
};
static const char *const sync_names[] = {
	"iommu_iotlb_sync", "amd_iommu_iotlb_sync", "intel_iommu_tlb_sync",
	"arm_smmu_iotlb_sync", "mock_iotlb_sync",
};

static void walk_add(const char *name, const char *where, bool verbose)
{
	unsigned int i;

	for (i = 0; i < nr_walk; i++)
		if (!strcmp(walk_fn[i], name))
			return;
	if (nr_walk == TOP_NR_WALK) {
		fprintf(stderr, "iodirty-top: iommufd: more than %d vendor walks, %s left out\n",
			TOP_NR_WALK, name);
		return;
	}
	snprintf(walk_fn[nr_walk++], sizeof(walk_fn[0]), "%s", name);
	if (verbose)
		fprintf(stderr, "iodirty-top: iommufd: walk %s (%s)\n", name, where);
}

/* generic_pt: pt_iommu_<format>_read_and_clear_dirty, in any BTF */
static void scan_generic_pt(bool verbose)
{
	static const char pre[] = "pt_iommu_", suf[] = "_read_and_clear_dirty";
	unsigned int i, id, first, n;

	for (i = 0; i < nr_btfs; i++) {
		first = i ? btf__type_cnt(btfs[0]) : 1;
		n = btf__type_cnt(btfs[i]);
		for (id = first; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btfs[i], id);
			const char *name;
			size_t l;

			if (!btf_is_func(t))
				continue;
			name = btf__name_by_offset(btfs[i], t->name_off);
			l = name ? strlen(name) : 0;
			if (l > sizeof(pre) + sizeof(suf) - 2 && !strncmp(name, pre, sizeof(pre) - 1) &&
			    !strcmp(name + l - (sizeof(suf) - 1), suf))
				walk_add(name, btf_names[i], verbose);
		}
	}
}

/* the vendor walks and iotlb_syncs this kernel has (named with -v) */
static void probe_vendor(bool verbose)
{
	const char *w;
	unsigned int i;

	nr_walk = nr_sync = 0;
	for (i = 0; i < sizeof(walk_names) / sizeof(walk_names[0]); i++) {
		w = func_where(walk_names[i]);
		if (w)
			walk_add(walk_names[i], w, verbose);
		else if (verbose)
			fprintf(stderr, "iodirty-top: iommufd: skipped %s (not in this kernel)\n",
				walk_names[i]);
	}
	scan_generic_pt(verbose);
	for (i = 0; i < sizeof(walk_below) / sizeof(walk_below[0]); i++) {
		w = func_where(walk_below[i][0]);
		if (w && func_where(walk_below[i][1])) {
			if (verbose)
				fprintf(stderr, "iodirty-top: iommufd: skipped %s (counted at %s)\n",
					walk_below[i][0], walk_below[i][1]);
		} else if (w) {
			walk_add(walk_below[i][0], w, verbose);
		}
	}
	for (i = 0; i < sizeof(sync_names) / sizeof(sync_names[0]); i++) {
		w = func_where(sync_names[i]);
		if (w && nr_sync < TOP_NR_SYNC) {
			snprintf(sync_fn[nr_sync++], sizeof(sync_fn[0]), "%s", sync_names[i]);
			if (verbose)
				fprintf(stderr, "iodirty-top: iommufd: iotlb %s (%s)\n",
					sync_names[i], w);
		} else if (verbose) {
			fprintf(stderr, "iodirty-top: iommufd: skipped %s (not in this kernel)\n",
				sync_names[i]);
		}
	}
}

static int probe_iommufd(bool quiet, bool verbose)
{
	const char *w;

	w = func_where("iommufd_hwpt_get_dirty_bitmap");
	if (!w) {
		if (!quiet)
			fprintf(stderr, "iodirty-top: source iommufd: the kernel's BTF has no "
				"iommufd_hwpt_get_dirty_bitmap (needs CONFIG_IOMMUFD, Linux >= 6.7, "
				"with its module loaded if it is one)\n");
		if (verbose) {
			/* what a kernel with iommufd would also use: names checked */
			fprintf(stderr, "iodirty-top: iommufd: vendor functions of this kernel "
				"(unused without iommufd):\n");
			probe_vendor(verbose);
		}
		return -ENOENT;
	}
	if (verbose)
		fprintf(stderr, "iodirty-top: iommufd: harvests iommufd_hwpt_get_dirty_bitmap "
			"fentry+fexit (%s)\n", w);
	w = func_where("iommufd_hwpt_set_dirty_tracking");
	have_set = w;
	if (w && verbose)
		fprintf(stderr, "iodirty-top: iommufd: tracking iommufd_hwpt_set_dirty_tracking "
			"fexit (%s)\n", w);
	else if (!w)
		fprintf(stderr, "iodirty-top: iommufd: no iommufd_hwpt_set_dirty_tracking: "
			"enable/disable not counted\n");
	w = func_where("iova_bitmap_set");
	have_bitmap = w;
	if (w && verbose)
		fprintf(stderr, "iodirty-top: iommufd: runs iova_bitmap_set fentry (%s)\n", w);
	else if (!w)
		fprintf(stderr, "iodirty-top: iommufd: no iova_bitmap_set in the kernel's BTF: "
			"dirty runs and pages not counted\n");
	probe_vendor(verbose);
	if (!nr_walk)
		fprintf(stderr, "iodirty-top: iommufd: no vendor read_and_clear_dirty found: "
			"walks not counted\n");
	if (!nr_sync)
		fprintf(stderr, "iodirty-top: iommufd: no iotlb_sync found: invalidations "
			"not counted\n");
	return 0;
}

int top_probe(enum top_src want, bool verbose, enum top_src *got)
{
	int err = btfs_load();

	if (err)
		return err;
	if (want == TOP_SRC_IODIRTY || want == TOP_SRC_AUTO) {
		err = probe_iodirty(want == TOP_SRC_AUTO);
		if (!err) {
			*got = TOP_SRC_IODIRTY;
			if (verbose)
				fprintf(stderr, "iodirty-top: source: iodirty tracepoints (tp_btf, "
					"module BTF /sys/kernel/btf/iodirty)%s\n",
					want == TOP_SRC_AUTO ? ", probed" : "");
			goto out;
		}
		if (want == TOP_SRC_IODIRTY)
			goto out;
	}
	err = probe_iommufd(want == TOP_SRC_AUTO, verbose);
	if (!err) {
		*got = TOP_SRC_IOMMUFD;
		if (verbose)
			fprintf(stderr, "iodirty-top: source: iommufd (fentry/fexit, kernel BTF)%s\n",
				want == TOP_SRC_AUTO ? ", probed: no iodirty.ko" : "");
	} else if (want == TOP_SRC_AUTO) {
		fprintf(stderr, "iodirty-top: no source: iodirty.ko is not loaded (no "
			"/sys/kernel/btf/iodirty) and the kernel has no iommufd dirty tracking "
			"(no iommufd_hwpt_get_dirty_bitmap in its BTF: CONFIG_IOMMUFD, >= 6.7)\n");
	}
out:
	btfs_free();
	return err;
}

static const char *const tp_progs[] = {
	"top_harvest_begin", "top_harvest_end", "top_dirty_run", "top_flush",
};

static int set_prog(struct bpf_object *obj, const char *prog, bool on, const char *target)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	int err;

	if (!p) {
		fprintf(stderr, "iodirty-top: BPF program %s missing from the object\n", prog);
		return -ENOENT;
	}
	err = bpf_program__set_autoload(p, on);
	if (!err && on && target)
		err = bpf_program__set_attach_target(p, 0, target);
	if (err)
		fprintf(stderr, "iodirty-top: BPF program %s -> %s: %s\n", prog,
			target ? target : "-", strerror(-err));
	return err;
}

int top_prepare(struct bpf_object *obj, enum top_src src, bool verbose)
{
	bool fd = src == TOP_SRC_IOMMUFD;
	unsigned int i;
	char name[32];
	int err = 0;

	for (i = 0; !err && i < sizeof(tp_progs) / sizeof(tp_progs[0]); i++)
		err = set_prog(obj, tp_progs[i], !fd, NULL);
	if (!err)
		err = set_prog(obj, "top_fd_get_enter", fd, NULL);
	if (!err)
		err = set_prog(obj, "top_fd_get_exit", fd, NULL);
	if (!err)
		err = set_prog(obj, "top_fd_set_exit", fd && have_set, NULL);
	if (!err)
		err = set_prog(obj, "top_fd_bitmap_set", fd && have_bitmap, NULL);
	for (i = 0; !err && i < TOP_NR_WALK; i++) {
		snprintf(name, sizeof(name), "top_fd_walk%u", i);
		err = set_prog(obj, name, fd && i < nr_walk, walk_fn[i]);
	}
	for (i = 0; !err && i < TOP_NR_SYNC; i++) {
		snprintf(name, sizeof(name), "top_fd_sync%u", i);
		err = set_prog(obj, name, fd && i < nr_sync, sync_fn[i]);
	}
	return err;
}

static struct bpf_link **links;
static unsigned int nr_links;

/* the programs that make a source: without them it shows nothing */
static bool required(const char *prog)
{
	return !strncmp(prog, "top_harvest_", 12) || !strcmp(prog, "top_dirty_run") ||
	       !strcmp(prog, "top_flush") || !strncmp(prog, "top_fd_get_", 11);
}

int top_attach(struct bpf_object *obj, enum top_src src, bool verbose)
{
	struct bpf_program *p;
	unsigned int n = 0;
	int err;

	bpf_object__for_each_program(p, obj)
		n++;
	links = calloc(n, sizeof(*links));
	if (!links)
		return -ENOMEM;
	bpf_object__for_each_program(p, obj) {
		const char *name = bpf_program__name(p);
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
		if (!l) {
			err = -errno;
			if (required(name)) {
				fprintf(stderr, "iodirty-top: attaching %s (source %s): %s%s\n", name,
					top_src_name(src), strerror(-err),
					src == TOP_SRC_IOMMUFD ? " (fentry needs "
					"CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS)" : "");
				return err;
			}
			fprintf(stderr, "iodirty-top: iommufd: skipped %s: attaching it: %s\n",
				name, strerror(-err));
			continue;
		}
		links[nr_links++] = l;
		if (verbose)
			fprintf(stderr, "iodirty-top: attached %s\n", name);
	}
	return 0;
}

void top_detach(void)
{
	while (nr_links)
		bpf_link__destroy(links[--nr_links]);
	free(links);
	links = NULL;
}
