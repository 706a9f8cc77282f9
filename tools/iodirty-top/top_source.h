/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty-top's sources (top_source.c): which one the running kernel
 * offers, what to load for it, and attaching its programs.
 */
#ifndef __IODIRTY_TOP_SOURCE_H
#define __IODIRTY_TOP_SOURCE_H

#include <stdbool.h>
#include <bpf/libbpf.h>

enum top_src { TOP_SRC_AUTO, TOP_SRC_IODIRTY, TOP_SRC_IOMMUFD };

/* "auto", "iodirty", "iommufd" (for -v, the JSON "source" member) */
const char *top_src_name(enum top_src src);
/* the name given to --source, or -1 */
int top_src_parse(const char *s);

/*
 * Probe the kernel for @want (auto: iodirty.ko's tracepoints if its BTF
 * is there, else the stock iommufd) and store the chosen source in *got.
 * Returns 0, or a negative errno after printing what is missing (for
 * auto: why neither source is usable).
 */
int top_probe(enum top_src want, bool verbose, enum top_src *got);

/*
 * Before loading @obj: turn on the programs of @src and (iommufd) set the
 * targets of the vendor walk and iotlb_sync programs to the functions
 * the probe found; absent ones are named with -v and left out.
 */
int top_prepare(struct bpf_object *obj, enum top_src src, bool verbose);

/*
 * Attach every loaded program of @obj.  A program the source needs
 * (tracepoints; the GET_DIRTY_BITMAP pair) failing is an error; an
 * optional one (walks, syncs, iova_bitmap_set, SET_DIRTY_TRACKING) is
 * skipped with a message.  top_detach() frees what was attached.
 */
int top_attach(struct bpf_object *obj, enum top_src src, bool verbose);
void top_detach(void);

#endif /* __IODIRTY_TOP_SOURCE_H */
