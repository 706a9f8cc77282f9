/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty tracepoints: usable from BPF (tp_btf/iodirty_*), perf
 * (perf record -e 'iodirty:*') and bpftrace (tracepoint:iodirty:*).
 * hwpt_id is the domain's global ID, the same the policy contexts carry.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iodirty

#if !defined(_IODIRTY_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IODIRTY_TRACE_H

#include <linux/tracepoint.h>

/*
 * A GET_DIRTY_BITMAP / IODIRTY_HARVEST of [iova, iova + length) with its
 * bitmap granule page_size and IODIRTY_HARVEST_* flags, or a background
 * scan: iova = length = 0, flags = 1 for a FULL scan, page_size the
 * domain's granule.  page_size lets a tracer count pages and bitmap bytes
 * and label dirty runs (iodirty-top, its --record).
 */
TRACE_EVENT(iodirty_harvest_begin,
	TP_PROTO(u64 hwpt_id, u64 iova, u64 length, u32 flags, u64 page_size),
	TP_ARGS(hwpt_id, iova, length, flags, page_size),
	TP_STRUCT__entry(
		__field(u64, hwpt_id)
		__field(u64, iova)
		__field(u64, length)
		__field(u32, flags)
		__field(u64, page_size)
	),
	TP_fast_assign(
		__entry->hwpt_id = hwpt_id;
		__entry->iova = iova;
		__entry->length = length;
		__entry->flags = flags;
		__entry->page_size = page_size;
	),
	TP_printk("hwpt=%llu iova=0x%llx length=0x%llx flags=0x%x page_size=0x%llx",
		  __entry->hwpt_id, __entry->iova, __entry->length,
		  __entry->flags, __entry->page_size)
);

TRACE_EVENT(iodirty_harvest_end,
	TP_PROTO(u64 hwpt_id, u64 leaves, u64 dirty_leaves, u64 dirty_bytes,
		 u64 cleared, u64 flushes, u64 duration_ns, int ret),
	TP_ARGS(hwpt_id, leaves, dirty_leaves, dirty_bytes, cleared, flushes,
		duration_ns, ret),
	TP_STRUCT__entry(
		__field(u64, hwpt_id)
		__field(u64, leaves)
		__field(u64, dirty_leaves)
		__field(u64, dirty_bytes)
		__field(u64, cleared)
		__field(u64, flushes)
		__field(u64, duration_ns)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->hwpt_id = hwpt_id;
		__entry->leaves = leaves;
		__entry->dirty_leaves = dirty_leaves;
		__entry->dirty_bytes = dirty_bytes;
		__entry->cleared = cleared;
		__entry->flushes = flushes;
		__entry->duration_ns = duration_ns;
		__entry->ret = ret;
	),
	TP_printk("hwpt=%llu leaves=%llu dirty=%llu bytes=%llu cleared=%llu flushes=%llu ns=%llu ret=%d",
		  __entry->hwpt_id, __entry->leaves, __entry->dirty_leaves,
		  __entry->dirty_bytes, __entry->cleared, __entry->flushes,
		  __entry->duration_ns, __entry->ret)
);

/* kind: 0 range, 1 whole domain; by: 0 default, 1 BPF policy, 2 floor */
TRACE_EVENT(iodirty_flush,
	TP_PROTO(u64 hwpt_id, u64 start, u64 end, u32 kind, u32 by),
	TP_ARGS(hwpt_id, start, end, kind, by),
	TP_STRUCT__entry(
		__field(u64, hwpt_id)
		__field(u64, start)
		__field(u64, end)
		__field(u32, kind)
		__field(u32, by)
	),
	TP_fast_assign(
		__entry->hwpt_id = hwpt_id;
		__entry->start = start;
		__entry->end = end;
		__entry->kind = kind;
		__entry->by = by;
	),
	TP_printk("hwpt=%llu [0x%llx, 0x%llx) %s by %s", __entry->hwpt_id,
		  __entry->start, __entry->end,
		  __entry->kind ? "domain" : "range",
		  __entry->by == 3 ? "demote" : __entry->by == 2 ? "floor" :
		  __entry->by ? "policy" : "default")
);

/*
 * One coalesced dirty run a harvest found, before its leaves' IOTLB
 * invalidation: from a background scan (scan_seq = the scan's number,
 * from 1) or, while this event is traced, from GET_DIRTY_BITMAP /
 * IODIRTY_HARVEST (scan_seq = 0).  Over the runs of one harvest the
 * lengths add up to its harvest_end dirty_bytes.
 */
TRACE_EVENT(iodirty_dirty_run,
	TP_PROTO(u64 hwpt_id, u64 iova, u64 length, u64 scan_seq),
	TP_ARGS(hwpt_id, iova, length, scan_seq),
	TP_STRUCT__entry(
		__field(u64, hwpt_id)
		__field(u64, iova)
		__field(u64, length)
		__field(u64, scan_seq)
	),
	TP_fast_assign(
		__entry->hwpt_id = hwpt_id;
		__entry->iova = iova;
		__entry->length = length;
		__entry->scan_seq = scan_seq;
	),
	TP_printk("hwpt=%llu iova=0x%llx length=0x%llx scan=%llu",
		  __entry->hwpt_id, __entry->iova, __entry->length,
		  __entry->scan_seq)
);

TRACE_EVENT(iodirty_policy_eject,
	TP_PROTO(const char *name, u32 kind, u32 reason, s64 code,
		 const char *msg),
	TP_ARGS(name, kind, reason, code, msg),
	TP_STRUCT__entry(
		__string(name, name)
		__field(u32, kind)
		__field(u32, reason)
		__field(s64, code)
		__string(msg, msg)
	),
	TP_fast_assign(
		__assign_str(name);
		__entry->kind = kind;
		__entry->reason = reason;
		__entry->code = code;
		__assign_str(msg);
	),
	TP_printk("policy=%s kind=%u reason=%u code=%lld msg=%s",
		  __get_str(name), __entry->kind, __entry->reason,
		  __entry->code, __get_str(msg))
);

#endif /* _IODIRTY_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE iodirty_trace
#include <trace/define_trace.h>
