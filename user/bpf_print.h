/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libbpf's print callback for the iodirty tools: libbpf debug output only
 * with -v (set iodirty_bpf_verbose before libbpf_set_print()).
 */
#ifndef __IODIRTY_BPF_PRINT_H
#define __IODIRTY_BPF_PRINT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <bpf/libbpf.h>

static bool iodirty_bpf_verbose;

static inline int iodirty_libbpf_print(enum libbpf_print_level level,
				       const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !iodirty_bpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

#endif /* __IODIRTY_BPF_PRINT_H */
