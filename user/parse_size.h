/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Size arguments of the tools: "4096", "0x1000", "64K", "64M", "2GiB".
 * Header only, for tools that do not link libiodirty.
 */
#ifndef __IODIRTY_PARSE_SIZE_H
#define __IODIRTY_PARSE_SIZE_H

#include <errno.h>
#include <stdlib.h>

/* bytes, or 0 for a malformed, negative or overflowing value */
static inline unsigned long long iodirty_parse_size(const char *s)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (shift && *end == 'i' && end[1] == 'B')
		end += 2;
	if (*end || v > (~0ULL >> shift))
		return 0;
	return v << shift;
}

#endif /* __IODIRTY_PARSE_SIZE_H */
