/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* iodirty-top's output helpers (top_print.c) */
#ifndef __IODIRTY_TOP_PRINT_H
#define __IODIRTY_TOP_PRINT_H

#include <stddef.h>
#include <linux/types.h>

/* bcc libbpf-tools' print_log2_hist(), same output */
void print_log2_hist(const unsigned int *vals, int vals_size, const char *val_type);
/* {"type":"hist","unit":"usecs","data":[{"min","max","count"}...]} */
void json_hist(const __u32 *h);
/* a JSON string of at most @max bytes of @s */
void json_str(const char *s, size_t max);

#endif /* __IODIRTY_TOP_PRINT_H */
