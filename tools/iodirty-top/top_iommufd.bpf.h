/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty-top's second source: a stock kernel's iommufd (>= 6.7), by
 * fentry/fexit.  Included once, by iodirty-top.bpf.c (same maps and
 * helpers).  Every program here starts with autoload off; user space
 * (top_source.c) turns on those whose targets the running kernel's BTF
 * has, and sets the vendor walk/sync targets by name before loading.
 *
 *   fentry/fexit iommufd_hwpt_get_dirty_bitmap   one harvest: its command
 *       (hwpt_id, iova, length, page_size, flags) is left for the thread,
 *       like harvest_begin; fexit adds the harvest with its result
 *   fexit iommufd_hwpt_set_dirty_tracking   enable/disable that succeeded
 *       (the command and its result are both there at fexit: no fentry)
 *   fentry iova_bitmap_set   one dirty run (iova, length) as the vendor
 *       walk reports it, inside a traced harvest (VFIO's own device dirty
 *       tracking calls it outside one: runs_unlabelled)
 *   fentry <vendor>_read_and_clear_dirty   walks and IOVA bytes walked
 *   fentry <driver> iotlb_sync   invalidations and gathered bytes
 *
 * iommufd's types are not in the 6.12 vmlinux.h these objects are built
 * against (Debian's 6.12 has no IOMMUFD), so struct iommufd_ucmd is a
 * local CO-RE flavour (___top) relocated against the running kernel's
 * BTF (vmlinux or the iommufd module); the commands are UAPI, fixed
 * layout, read as copies.
 */

struct iommufd_ucmd___top {
	void *ictx;
	void *cmd;
} __attribute__((preserve_access_index));

/* include/uapi/linux/iommufd.h (stable layout) */
struct top_get_dirty_cmd {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__u64 iova;
	__u64 length;
	__u64 page_size;
	__u64 data;
};

struct top_set_tracking_cmd {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};

/* test-only (selftests/vm/prog_tests/tracer_stock.c): count every run
 * twice, so the exact-count test must fail */
const volatile bool targ_break_runs = false;

static __always_inline int ucmd_read(struct iommufd_ucmd___top *ucmd, void *dst,
				     __u32 size, __u64 *ictx)
{
	void *cmd = BPF_CORE_READ(ucmd, cmd);

	*ictx = (__u64)BPF_CORE_READ(ucmd, ictx);
	return bpf_probe_read_kernel(dst, size, cmd);
}

SEC("?fentry/iommufd_hwpt_get_dirty_bitmap")
int BPF_PROG(top_fd_get_enter, struct iommufd_ucmd___top *ucmd)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct top_get_dirty_cmd c;
	struct top_tstate t = {};
	struct top_stats *s;
	__u64 ictx;
	__u32 g;

	if (targ_tgid && tgid != targ_tgid)
		return 0;
	if (ucmd_read(ucmd, &c, sizeof(c), &ictx) || !hwpt_wanted(c.hwpt_id))
		return 0;
	t.ts = bpf_ktime_get_ns();
	t.hwpt = c.hwpt_id;
	t.ctx = ictx;
	t.iova = c.iova;
	t.length = c.length;
	t.page_size = c.page_size;
	t.flags = c.flags;
	t.tgid = tgid;
	if (bpf_map_update_elem(&threads, &tid, &t, BPF_ANY)) {
		__sync_fetch_and_add(&drops_thread, 1);
		return 0;
	}
	g = gen_enter();
	s = stats_get_ctx(t.hwpt, ictx, g);
	if (s) {
		s->pid = tgid;
		bpf_get_current_comm(s->comm, sizeof(s->comm));
	}
	gen_exit(g);
	return 0;
}

SEC("?fexit/iommufd_hwpt_get_dirty_bitmap")
int BPF_PROG(top_fd_get_exit, struct iommufd_ucmd___top *ucmd, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct top_tstate *t = bpf_map_lookup_elem(&threads, &tid);
	__u64 now = bpf_ktime_get_ns(), ps, pages = 0;
	struct top_stats *s;
	__u32 g;

	if (!t || !t->ctx)
		return 0;
	ps = t->page_size;
	/* a failed GET reported nothing the caller can use: pages stay 0 */
	if (!ret && ps)
		pages = t->dirty_bytes / ps;
	g = gen_enter();
	s = stats_get_ctx(t->hwpt, t->ctx, g);
	if (s) {
		__sync_fetch_and_add(&s->harvests, 1);
		if (ret) {
			__sync_fetch_and_add(&s->errors, 1);
		} else {
			__sync_fetch_and_add(&s->dirty_bytes, t->dirty_bytes);
			__sync_fetch_and_add(&s->dirty_pages, pages);
			if (ps)
				__sync_fetch_and_add(&s->bitmap_bytes,
						     (t->length / ps + 7) / 8);
			if (!(t->flags & TOP_GET_DIRTY_NO_CLEAR))
				__sync_fetch_and_add(&s->cleared, pages);
		}
		lat_add(s, now - t->ts);
	}
	/* only a GET that succeeded: its range and page size are validated */
	if (targ_record && !ret && t->length)
		record_harvest(now, t->hwpt, t, t->dirty_bytes, ret, g);
	gen_exit(g);
	bpf_map_delete_elem(&threads, &tid);
	return 0;
}

SEC("?fexit/iommufd_hwpt_set_dirty_tracking")
int BPF_PROG(top_fd_set_exit, struct iommufd_ucmd___top *ucmd, int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct top_set_tracking_cmd c;
	struct top_stats *s;
	__u64 ictx;
	__u32 g;

	if (ret || (targ_tgid && tgid != targ_tgid))
		return 0;
	if (ucmd_read(ucmd, &c, sizeof(c), &ictx) || !hwpt_wanted(c.hwpt_id))
		return 0;
	g = gen_enter();
	s = stats_get_ctx(c.hwpt_id, ictx, g);
	if (s) {
		if (c.flags & TOP_TRACKING_ENABLE)
			__sync_fetch_and_add(&s->track_on, 1);
		else
			__sync_fetch_and_add(&s->track_off, 1);
		s->pid = tgid;
		bpf_get_current_comm(s->comm, sizeof(s->comm));
	}
	gen_exit(g);
	return 0;
}

/* the iommufd harvest this thread is in (NULL outside one) */
static __always_inline struct top_tstate *fd_tstate(void)
{
	struct top_tstate *t = tstate();

	return t && t->ctx ? t : NULL;
}

SEC("?fentry/iova_bitmap_set")
int BPF_PROG(top_fd_bitmap_set, void *bitmap, unsigned long iova, size_t length)
{
	struct top_tstate *t = fd_tstate();
	struct top_stats *s;
	__u32 g;

	if (!t) {
		if (!targ_tgid && !targ_hwpt)
			__sync_fetch_and_add(&runs_unlabelled, 1);
		return 0;
	}
	t->dirty_bytes += length;	/* only this thread touches its state */
	g = gen_enter();
	s = stats_get_ctx(t->hwpt, t->ctx, g);
	if (s) {
		__sync_fetch_and_add(&s->runs, targ_break_runs ? 2 : 1);
		__sync_fetch_and_add(&s->run_bytes, length);
	}
	if (targ_ranges)
		ranges_add(t->hwpt, t->ctx, iova, length, g);
	if (targ_record)
		record_run(t->hwpt, iova, length, t->page_size, g);
	gen_exit(g);
	return 0;
}

/* the vendor walks: (domain or io_pgtable_ops, iova, size, flags, dirty) */
static __always_inline int walk_add(__u64 size)
{
	struct top_tstate *t = fd_tstate();
	struct top_stats *s;
	__u32 g;

	if (!t)
		return 0;
	g = gen_enter();
	s = stats_get_ctx(t->hwpt, t->ctx, g);
	if (s) {
		__sync_fetch_and_add(&s->walks, 1);
		__sync_fetch_and_add(&s->walk_bytes, size);
	}
	gen_exit(g);
	return 0;
}

#define TOP_WALK_PROG(n)							\
SEC("?fentry")									\
int BPF_PROG(top_fd_walk##n, void *dom, unsigned long iova, size_t size)	\
{										\
	return walk_add(size);							\
}
TOP_WALK_PROG(0)
TOP_WALK_PROG(1)
TOP_WALK_PROG(2)
TOP_WALK_PROG(3)
TOP_WALK_PROG(4)
TOP_WALK_PROG(5)

/* the drivers' iotlb_sync(domain, gather), inside a traced harvest */
static __always_inline int sync_add(struct iommu_iotlb_gather *gather)
{
	struct top_tstate *t = fd_tstate();
	__u64 start, end;
	struct top_stats *s;
	__u32 g;

	if (!t)
		return 0;
	start = BPF_CORE_READ(gather, start);
	end = BPF_CORE_READ(gather, end);
	g = gen_enter();
	s = stats_get_ctx(t->hwpt, t->ctx, g);
	if (s) {
		__sync_fetch_and_add(&s->inv, 1);
		if (end >= start)	/* an empty gather is start > end */
			__sync_fetch_and_add(&s->inv_bytes, end - start + 1);
	}
	gen_exit(g);
	return 0;
}

#define TOP_SYNC_PROG(n)							\
SEC("?fentry")									\
int BPF_PROG(top_fd_sync##n, void *dom, struct iommu_iotlb_gather *gather)	\
{										\
	return sync_add(gather);						\
}
TOP_SYNC_PROG(0)
TOP_SYNC_PROG(1)
TOP_SYNC_PROG(2)
TOP_SYNC_PROG(3)
