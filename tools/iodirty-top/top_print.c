// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-top's output helpers: the bcc log2 histogram and the JSON
 * pieces (bpftrace -f json's hist shape, escaped strings).
 */
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "iodirty-top.h"
#include "top_print.h"

/* bcc libbpf-tools trace_helpers.c print_log2_hist(), same output */
static void print_stars(unsigned int val, unsigned int val_max, int width)
{
	int num_stars, num_spaces, i;
	bool need_plus;

	num_stars = (val < val_max ? val : val_max) * width / val_max;
	num_spaces = width - num_stars;
	need_plus = val > val_max;
	for (i = 0; i < num_stars; i++)
		printf("*");
	for (i = 0; i < num_spaces; i++)
		printf(" ");
	if (need_plus)
		printf("+");
}

void print_log2_hist(const unsigned int *vals, int vals_size, const char *val_type)
{
	int stars_max = 40, idx_max = -1;
	unsigned int val, val_max = 0;
	unsigned long long low, high;
	int stars, width, i;

	for (i = 0; i < vals_size; i++) {
		val = vals[i];
		if (val > 0)
			idx_max = i;
		if (val > val_max)
			val_max = val;
	}
	if (idx_max < 0)
		return;
	printf("%*s%-*s : count    distribution\n", idx_max <= 32 ? 5 : 15, "",
	       idx_max <= 32 ? 19 : 29, val_type);
	stars = idx_max <= 32 ? stars_max : stars_max / 2;
	for (i = 0; i <= idx_max; i++) {
		low = (1ULL << (i + 1)) >> 1;
		high = (1ULL << (i + 1)) - 1;
		if (low == high)
			low -= 1;
		val = vals[i];
		width = idx_max <= 32 ? 10 : 20;
		printf("%*lld -> %-*lld : %-8d |", width, low, width, high, val);
		print_stars(val, val_max, stars);
		printf("|\n");
	}
}

/* bpftrace -f json's hist shape: [{"min":..,"max":..,"count":..}] */
void json_hist(const __u32 *h)
{
	int i, last = -1;

	for (i = 0; i < TOP_MAX_SLOTS; i++)
		if (h[i])
			last = i;
	printf("{\"type\":\"hist\",\"unit\":\"usecs\",\"data\":[");
	for (i = 0; i <= last; i++)
		printf("%s{\"min\":%llu,\"max\":%llu,\"count\":%u}", i ? "," : "",
		       i ? 1ULL << i : 0ULL, (1ULL << (i + 1)) - 1, h[i]);
	printf("]}");
}

void json_str(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

