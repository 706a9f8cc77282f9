// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ioctl_fuzz argument generators: one per command, random but biased to
 * reach deep states (typed IDs of the fd's objects, "sane" IOVAs and
 * VAs half of the time).  Included by ioctl_fuzz.c (one translation unit,
 * like the UAPI kselftests).
 */

/* a user pointer for a buffer of about @len bytes */
static u64 pick_ptr(u64 *s, u64 len)
{
	u64 room = POOL - ARGSZ * MAX_THREADS;
	u64 off = len < room ? below(s, room - len + 1) : below(s, room);

	switch (below(s, 20)) {
	case 0: return 0;
	case 1: return 1 + below(s, PG);			/* low, unmapped */
	case 2: return (u64)(region + below(s, GUARD_LO));	/* guard */
	case 3: return (u64)(pool + POOL + below(s, GUARD_HI)); /* guard */
	case 4: return 0xffff888000000000ULL + below(s, 1ULL << 30) * 8;
	case 5: return 0xffffffff81000000ULL;
	case 6: return 0x8000000000000000ULL + below(s, PG);	/* non-canonical */
	case 7: return rnd(s);
	case 8: return (u64)(uintptr_t)&pick_ptr;		/* read-only text */
	case 9: return (u64)(pool + room - below(s, PG));	/* runs off the end */
	case 10: case 11: case 12: return (u64)(pool + off);	/* unaligned */
	default: return (u64)(pool + (off & ~(PG - 1)));
	}
}

static u64 pick_len(u64 *s)
{
	switch (below(s, 16)) {
	case 0: return 0;
	case 1: return 1ULL << 63;
	case 2: return U64_MAX_;
	case 3: return 1ULL << (20 + below(s, 40));
	case 4: return rnd(s);
	case 5: return 1 + below(s, 5000);
	case 6: return 2048 * (1 + below(s, 64));
	case 7: return (1 + below(s, 2048)) * PG;		/* up to the pool */
	default: return (1 + below(s, 32)) * PG;
	}
}

static u64 pick_pgsize(u64 *s)
{
	static const u64 v[] = { 2048, 4096, 4096, 4096, 65536, 1 << 21,
				 1 << 30, 0, 1, 3, 1024, 1ULL << 63, U64_MAX_,
				 1ULL << 40 };

	return pct(s, 90) ? v[below(s, sizeof(v) / sizeof(v[0]))] : rnd(s);
}

static u64 pick_iova(u64 *s)
{
	switch (below(s, 12)) {
	case 0: return 0;
	case 1: return rnd(s);
	case 2: return U64_MAX_ - below(s, 2 * PG);
	case 3: return 1ULL << 63;
	case 4: return MOCK_APERTURE_START + below(s, 1 << 20);	/* unaligned */
	case 5: return (1ULL << (30 + below(s, 17))) + below(s, 4) * (1 << 21);
	default: return MOCK_APERTURE_START + below(s, 4096) * PG;
	}
}

static u64 pick_flags(u64 *s, u64 valid)
{
	switch (below(s, 10)) {
	case 0: return rnd(s) & 0xffffffff;
	case 1: return 1ULL << below(s, 32);
	case 2: return 0xffffffff;
	case 3: return 0;
	default: return rnd(s) & valid;
	}
}

/*
 * The argument: zeroed, size field first.  Usually the right size; else
 * shorter, longer (sometimes with a non-zero tail: E2BIG), 0 or huge.
 */
static void *arg_init(u64 *s, char *a, size_t sz)
{
	u64 n;

	switch (below(s, 20)) {
	case 0: n = below(s, sz); break;
	case 1: n = sz + 1 + below(s, 256); break;
	case 2: n = 0; break;
	case 3: n = pct(s, 50) ? 0xffffffff : ARGSZ * 2; break;
	default: n = sz;
	}
	memset(a, 0, 512);
	if (n > sz && n < 512 && pct(s, 50))
		a[sz + below(s, n - sz)] = 1 + below(s, 255);
	*(__u32 *)a = n;
	return a;
}

#define RSV(s) (pct(s, 92) ? 0 : rnd(s))

/* Fills the argument of command @c; returns the ioctl number. */
static unsigned long gen(u64 *s, int c, char *a)
{
	u64 len;

	switch (c) {
	case C_DESTROY: {
		struct iommu_destroy *p = arg_init(s, a, sizeof(*p));

		p->id = pick_id(s, below(s, R_DEAD));
		return IOMMU_DESTROY;
	}
	case C_IOAS_ALLOC: {
		struct iommu_ioas_alloc *p = arg_init(s, a, sizeof(*p));

		p->flags = pct(s, 90) ? 0 : rnd(s);
		return IOMMU_IOAS_ALLOC;
	}
	case C_IOVA_RANGES: {
		struct iommu_ioas_iova_ranges *p = arg_init(s, a, sizeof(*p));

		p->ioas_id = pick_id(s, R_IOAS);
		p->num_iovas = pct(s, 70) ? below(s, 8) : rnd(s);
		p->__reserved = RSV(s);
		p->allowed_iovas = pick_ptr(s, 16 * 8);
		return IOMMU_IOAS_IOVA_RANGES;
	}
	case C_MAP: {
		struct iommu_ioas_map *p = arg_init(s, a, sizeof(*p));

		p->flags = pick_flags(s, 7);
		p->ioas_id = pick_id(s, R_IOAS);
		p->__reserved = RSV(s);
		p->length = len = pick_len(s);
		p->user_va = pick_ptr(s, len);
		p->iova = pick_iova(s);
		if (sane) {
			p->flags = (pct(s, 80) ? IOMMU_IOAS_MAP_FIXED_IOVA : 0) |
				   IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
			p->length = (1 + below(s, 64)) * PG;
			p->user_va = sane_va(s);
			p->iova = sane_iova(s);
		}
		return IOMMU_IOAS_MAP;
	}
	case C_UNMAP: {
		struct iommu_ioas_unmap *p = arg_init(s, a, sizeof(*p));

		p->ioas_id = pick_id(s, R_IOAS);
		if (sane) {
			p->iova = sane_iova(s);
			p->length = (1 + below(s, 64)) * PG;
		} else if (pct(s, 15)) {
			p->iova = 0;
			p->length = U64_MAX_;
		} else {
			p->iova = pick_iova(s);
			p->length = pick_len(s);
		}
		return IOMMU_IOAS_UNMAP;
	}
	case C_HWPT_ALLOC: {
		struct iommu_hwpt_alloc *p = arg_init(s, a, sizeof(*p));

		p->flags = sane ? (pct(s, 70) ? IOMMU_HWPT_ALLOC_DIRTY_TRACKING : 0) :
				  pick_flags(s, 7);
		p->dev_id = pick_id(s, R_DEV);
		p->pt_id = pick_id(s, R_IOAS);
		p->__reserved = RSV(s);
		p->data_type = pct(s, 80) ? 0 : (pct(s, 50) ? IOMMU_HWPT_DATA_SELFTEST : rnd(s));
		p->data_len = pct(s, 80) ? 0 : below(s, 64);
		p->data_uptr = pct(s, 80) ? 0 : pick_ptr(s, 64);
		if (pct(s, 10)) {
			/* the 7.x iommupt mock: real selftest data after the struct */
			struct iommu_hwpt_selftest *cfg = (void *)(a + 256);

			cfg->pagetable_type = pct(s, 90) ? below(s, 2) : rnd(s);
			p->data_type = IOMMU_HWPT_DATA_SELFTEST;
			p->data_len = pct(s, 80) ? sizeof(*cfg) : below(s, 24);
			p->data_uptr = (uintptr_t)cfg;
			if (pct(s, 30))
				p->flags |= IOMMU_HWPT_ALLOC_PASID;
		}
		p->fault_id = pct(s, 90) ? 0 : pick_id(s, R__N);
		p->__reserved2 = RSV(s);
		return IOMMU_HWPT_ALLOC;
	}
	case C_HW_INFO: {
		struct iommu_hw_info *p = arg_init(s, a, sizeof(*p));

		p->flags = pct(s, 90) ? 0 : rnd(s);
		p->dev_id = pick_id(s, R_DEV);
		p->data_len = pct(s, 70) ? below(s, 64) : rnd(s);
		p->data_uptr = pick_ptr(s, 64);
		if (pct(s, 8))
			p->__reserved[below(s, 3)] = 1;
		return IOMMU_GET_HW_INFO;
	}
	case C_SET_DIRTY: {
		struct iommu_hwpt_set_dirty_tracking *p = arg_init(s, a, sizeof(*p));

		p->flags = sane ? pct(s, 85) : pick_flags(s, 1);
		p->hwpt_id = pick_id(s, R_HWPT);
		p->__reserved = RSV(s);
		return IOMMU_HWPT_SET_DIRTY_TRACKING;
	}
	case C_GET_DIRTY:
	case C_HARVEST: {
		/* the harvest struct starts with the GET layout */
		struct iodirty_harvest *p = arg_init(s, a, c == C_HARVEST ?
			sizeof(struct iodirty_harvest) :
			sizeof(struct iommu_hwpt_get_dirty_bitmap));
		u64 ps = pick_pgsize(s);

		p->hwpt_id = pick_id(s, R_HWPT);
		/* SKIP_FLUSH_UNSAFE only rarely: it loses writes by design */
		p->flags = c == C_HARVEST ? pick_flags(s, pct(s, 95) ? 1 : 3) :
					    pick_flags(s, 1);
		p->__reserved = RSV(s);
		p->iova = pick_iova(s);
		p->length = pct(s, 50) && ps && ps < (1ULL << 40) ?
			    ps * (1 + below(s, 4096)) : pick_len(s);
		p->page_size = ps;
		len = ps ? p->length / ps / 8 + 8 : 64;
		p->data = c == C_HARVEST && pct(s, 10) ? 0 : pick_ptr(s, len);
		if (sane) {
			struct slot *sl = cur_slot();
			unsigned int k = below(s, 8);

			p->flags = pct(s, 80) ? 0 : IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
			p->iova = sane_iova(s);
			p->page_size = PG;
			p->length = (1 + below(s, 1024)) * PG;
			p->data = (u64)(pool + below(s, 4 << 20));
			if (sl->live[k].len) {
				p->hwpt_id = sl->live[k].hwpt;
				p->iova = sl->live[k].iova;
				p->length = sl->live[k].len;
			}
		}
		if (c == C_HARVEST) {
			*(__u32 *)a = *(__u32 *)a == sizeof(struct iommu_hwpt_get_dirty_bitmap) ?
				sizeof(*p) : *(__u32 *)a;
			return IODIRTY_HARVEST;
		}
		return IOMMU_HWPT_GET_DIRTY_BITMAP;
	}
	case C_UNIMPL: {
		static const unsigned int nr[] = {
			IOMMUFD_CMD_IOAS_ALLOW_IOVAS, IOMMUFD_CMD_IOAS_COPY,
			IOMMUFD_CMD_VFIO_IOAS, IOMMUFD_CMD_HWPT_INVALIDATE,
			IOMMUFD_CMD_FAULT_QUEUE_ALLOC,
		};
		unsigned int i;

		arg_init(s, a, 64);
		for (i = 1; i < 16; i++)
			((__u32 *)a)[i] = pct(s, 50) ? 0 : rnd(s);
		return _IO(IOMMUFD_TYPE, nr[below(s, 5)]);
	}
	case C_OPTION: {
		struct iommu_option *p = arg_init(s, a, sizeof(*p));

		p->option_id = pct(s, 85) ? IOMMU_OPTION_HUGE_PAGES : below(s, 4);
		p->op = pct(s, 90) ? below(s, 2) : rnd(s);
		p->__reserved = RSV(s);
		p->object_id = pct(s, 85) ? pick_id(s, R_IOAS) : pick_id(s, R__N);
		p->val64 = pct(s, 85) ? below(s, 2) : rnd(s);
		return IOMMU_OPTION;
	}
	case C_PROBE: {
		struct iodirty_policy_probe *p = arg_init(s, a, sizeof(*p));

		p->flags = pct(s, 90) ? 0 : rnd(s);
		p->op = pct(s, 80) ? IODIRTY_PROBE_FLUSH : rnd(s);
		p->__reserved = RSV(s);
		p->pending_pages = pick_len(s);
		p->pending_ranges = pick_len(s);
		p->pending_start = pick_iova(s);
		p->pending_end = pick_iova(s);
		return IODIRTY_POLICY_PROBE;
	}
	case C_DEV_CREATE: {
		struct iodirty_device_create *p = arg_init(s, a, sizeof(*p));

		p->flags = pick_flags(s, IODIRTY_DEVICE_DIRTY_TRACKING);
		p->model = pct(s, 90) ? below(s, IODIRTY_MODEL__MAX) : rnd(s);
		p->__reserved = RSV(s);
		p->pgsize_bitmap = pct(s, 70) ? 0 : rnd(s);
		p->__reserved2 = RSV(s);
		return IODIRTY_DEVICE_CREATE;
	}
	case C_DEV_ATTACH: {
		struct iodirty_device_attach *p = arg_init(s, a, sizeof(*p));

		p->flags = pct(s, 90) ? 0 : rnd(s);
		p->dev_id = pick_id(s, R_DEV);
		p->pt_id = pct(s, 15) ? 0 : pick_id(s, pct(s, 50) ? R_IOAS : R_HWPT);
		p->__reserved = RSV(s);
		return IODIRTY_DEVICE_ATTACH;
	}
	case C_DMA: {
		struct iodirty_dma *p = arg_init(s, a, sizeof(*p));

		p->flags = pick_flags(s, IODIRTY_DMA_WRITE);
		p->dev_id = pick_id(s, R_ADEV);
		p->__reserved = RSV(s);
		p->iova = pick_iova(s);
		p->length = len = pct(s, 90) ? 1 + below(s, 65536) :
			    pct(s, 90) ? pick_len(s) : 16ULL << 20;
		p->user_buf = pct(s, 30) ? 0 : pick_ptr(s, len);
		if (sane) {
			struct slot *sl = cur_slot();
			unsigned int k = below(s, 8);

			p->flags = pct(s, 75) ? IODIRTY_DMA_WRITE : 0;
			p->iova = sane_iova(s) + below(s, PG);
			p->length = 1 + below(s, 3 * PG);
			p->user_buf = pct(s, 50) ? 0 : sane_va(s);
			if (sl->live[k].len) {
				p->dev_id = sl->live[k].dev;
				p->iova = sl->live[k].iova + below(s, sl->live[k].len);
			}
		}
		return IODIRTY_DMA;
	}
	case C_IOTLB: {
		struct iodirty_iotlb *p = arg_init(s, a, sizeof(*p));

		p->flags = pick_flags(s, 3);
		p->dev_id = pick_id(s, R_ADEV);
		p->__reserved = RSV(s);
		p->iova = pick_iova(s);
		p->length = pick_len(s);
		return IODIRTY_IOTLB;
	}
	case C_WORKLOAD: {
		struct iodirty_workload *p = arg_init(s, a, sizeof(*p));

		p->op = pct(s, 90) ? 1 + below(s, 3) : rnd(s);
		p->dev_id = pick_id(s, R_ADEV);
		p->pattern = pct(s, 90) ? below(s, IODIRTY_WL__MAX) : rnd(s);
		p->iova = sane ? sane_iova(s) : pick_iova(s);
		p->length = pct(s, 70) ? (1 + below(s, 256)) * PG : pick_len(s);
		/* mostly rate-limited: a free-running thread per device would
		 * starve the single vCPU */
		p->rate = pct(s, 95) ? 1 + below(s, 2000) :
			  pct(s, 80) ? below(s, 100000) : rnd(s);
		p->seed = rnd(s);
		p->write_bytes = pct(s, 80) ? below(s, 4097) : rnd(s);
		p->hot_pct = below(s, 120);
		p->__reserved = RSV(s);
		return IODIRTY_WORKLOAD;
	}
	case C_ORACLE: {
		struct iodirty_oracle *p = arg_init(s, a, sizeof(*p));
		u64 ps = pick_pgsize(s);

		p->op = pct(s, 90) ? 1 + below(s, 3) : rnd(s);
		p->hwpt_id = pick_id(s, R_HWPT);
		p->__reserved = RSV(s);
		p->iova = pick_iova(s);
		p->length = pct(s, 50) && ps && ps < (1ULL << 40) ?
			    ps * (1 + below(s, 4096)) : pick_len(s);
		p->page_size = ps;
		p->data = pick_ptr(s, ps ? p->length / ps / 8 + 8 : 64);
		p->consumer = pct(s, 90) ? below(s, IODIRTY_ORACLE_CONSUMERS + 1) : rnd(s);
		p->round_flags = pick_flags(s, IODIRTY_ORACLE_ROUND_FINAL);
		p->max_late = pct(s, 80) ? below(s, 4) : rnd(s);
		p->__reserved2 = RSV(s);
		return IODIRTY_ORACLE;
	}
	case C_PHANTOM: {
		struct iodirty_phantom_map *p = arg_init(s, a, sizeof(*p));
		u64 ps = pick_pgsize(s), max;

		p->flags = pct(s, 90) ? 0 : rnd(s);
		p->ioas_id = pick_id(s, R_IOAS);
		p->__reserved = RSV(s);
		p->pgsize = ps;
		p->length = pick_len(s);
		p->iova = pct(s, 50) && ps && !(ps & (ps - 1)) ?
			  (pick_iova(s) & ~(ps - 1)) : pick_iova(s);
		/* a valid request: few leaves, so tables stay small */
		max = ps >= (1 << 21) ? 1 << 14 : 1 << 12;
		if (ps >= 2048 && !(ps & (ps - 1)) && p->length / ps > max &&
		    p->length <= (1ULL << 47) && pct(s, 97))
			p->length = ps * (1 + below(s, max));
		return IODIRTY_PHANTOM_MAP;
	}
	case C_STATUS: {
		struct iodirty_status *p = arg_init(s, a, sizeof(*p));

		p->flags = pct(s, 90) ? 0 : rnd(s);
		return IODIRTY_STATUS;
	}
	case C_SCAN: {
		struct iodirty_scan *p = arg_init(s, a, sizeof(*p));

		p->op = pct(s, 90) ? 1 + below(s, 4) : rnd(s);
		p->hwpt_id = pick_id(s, R_HWPT);
		p->flags = pick_flags(s, IODIRTY_SCAN_FULL);
		p->period_ms = pct(s, 80) ? 10 + below(s, 200) : rnd(s);
		p->max_skip = pct(s, 80) ? below(s, 1100) : rnd(s);
		p->region_size = pct(s, 50) ? 0 : (pct(s, 70) ? 1ULL << (12 + below(s, 40)) : rnd(s));
		p->__reserved = RSV(s);
		return IODIRTY_SCAN;
	}
	case C_TEST_CMD: {
		static const unsigned int ops[] = {
			IOMMU_TEST_OP_ADD_RESERVED, IOMMU_TEST_OP_MOCK_DOMAIN,
			IOMMU_TEST_OP_MOCK_DOMAIN, IOMMU_TEST_OP_MD_CHECK_MAP,
			IOMMU_TEST_OP_MD_CHECK_REFS, IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
			IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, IOMMU_TEST_OP_DIRTY, 0, 99,
			IOMMU_TEST_OP_PASID_ATTACH, IOMMU_TEST_OP_PASID_DETACH,
			IOMMU_TEST_OP_PASID_CHECK_HWPT,
		};
		struct iommu_test_cmd *p = arg_init(s, a, sizeof(*p));
		u64 ps = pick_pgsize(s);

		p->op = pct(s, 95) ? ops[below(s, 13)] : rnd(s);
		p->id = pick_id(s, R_IOAS);
		p->__reserved = RSV(s);
		switch (p->op) {
		case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
			p->mock_domain_flags.dev_flags = pick_flags(s, 7);
			break;
		case IOMMU_TEST_OP_PASID_ATTACH:
		case IOMMU_TEST_OP_PASID_DETACH:
		case IOMMU_TEST_OP_PASID_CHECK_HWPT:
			/* @id is a selftest object (found among the devices) */
			p->id = pick_id(s, R_DEV);
			p->pasid_attach.pasid = pct(s, 80) ? below(s, 8) :
						rnd(s) & 0x1fffff;
			p->pasid_attach.pt_id = pct(s, 80) ? pick_id(s, R_HWPT) :
						pick_id(s, R__N);
			break;
		case IOMMU_TEST_OP_MD_CHECK_REFS:
			p->check_refs.length = len = pick_len(s);
			p->check_refs.uptr = pick_ptr(s, len);
			p->check_refs.refs = below(s, 3);
			break;
		case IOMMU_TEST_OP_DIRTY:
			p->dirty.flags = pct(s, 90) ? 0 : rnd(s);
			p->dirty.iova = pick_iova(s);
			p->dirty.page_size = ps;
			p->dirty.length = pct(s, 50) && ps && ps < (1ULL << 40) ?
					  ps * (1 + below(s, 4096)) : pick_len(s);
			p->dirty.uptr = pick_ptr(s, ps ? p->dirty.length / ps / 8 + 8 : 64);
			break;
		default:
			break;
		}
		return IOMMU_TEST_CMD;
	}
	case C_RANDOM_NR:
		arg_init(s, a, 64);
		switch (below(s, 3)) {
		case 0: return _IO(IOMMUFD_TYPE, below(s, 256));
		case 1: return _IOWR(IOMMUFD_TYPE, 0x80 + below(s, 0x60), struct iommu_destroy);
		default: return rnd(s) & 0xffffffff;
		}
	default: {	/* C_BAD_ARG: any command, a bad argument pointer */
		int c2 = below(s, C_SCAN + 1);

		return gen(s, c2 == C_BAD_ARG ? C_DESTROY : c2, a);
	}
	}
}

/* record the object IDs a successful call returned */
static void harvest_ids(struct slot *sl, int c, const char *a)
{
	switch (c) {
	case C_IOAS_ALLOC:
		id_seen(sl, R_IOAS, ((const struct iommu_ioas_alloc *)a)->out_ioas_id);
		break;
	case C_HWPT_ALLOC:
		id_seen(sl, R_HWPT, ((const struct iommu_hwpt_alloc *)a)->out_hwpt_id);
		break;
	case C_DEV_CREATE:
		id_seen(sl, R_DEV, ((const struct iodirty_device_create *)a)->out_dev_id);
		break;
	case C_DEV_ATTACH: {
		const struct iodirty_device_attach *p = (const void *)a;

		id_seen(sl, R_HWPT, p->out_hwpt_id);
		if (p->out_hwpt_id)
			id_seen(sl, R_ADEV, p->dev_id);
		break;
	}
	case C_TEST_CMD: {
		const struct iommu_test_cmd *p = (const void *)a;

		if (p->op == IOMMU_TEST_OP_MOCK_DOMAIN ||
		    p->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS) {
			id_seen(sl, R_DEV, p->mock_domain.out_stdev_id);
			id_seen(sl, R_HWPT, p->mock_domain.out_hwpt_id);
			id_seen(sl, R_DEV, p->mock_domain.out_idev_id);
		}
		break;
	}
	case C_DESTROY:
		id_seen(sl, R_DEAD, ((const struct iommu_destroy *)a)->id);
		break;
	}
}

