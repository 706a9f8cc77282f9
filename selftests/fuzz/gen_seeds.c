// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the fuzzer's seed corpus: small deterministic inputs covering
 * every format, a few va_bits / page-size choices and op mixes, so
 * `make fuzz` starts from something better than nothing.  No binary seed
 * files are committed; this generates them under $(BUILD).
 *
 * Usage: gen_seeds DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t s = 0x243f6a8885a308d3ULL;

static uint64_t next(void)
{
	uint64_t z = (s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
	unsigned char buf[2048];
	char path[4096];
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < 64; i++) {
		size_t n = 48 + (size_t)(next() % 1200), k;
		FILE *f;

		for (k = 0; k < n; k++)
			buf[k] = (unsigned char)next();
		buf[0] = (unsigned char)(i & 0x3f);	/* format, sane sizes */
		buf[1] = (unsigned char)(i * 7);	/* va_bits */
		/* bias the op stream towards map / access / harvest */
		for (k = 4; k < n; k += 9)
			if (!(next() & 1))
				buf[k] = (unsigned char)((next() & 0xf0) |
					 ((i + k) % 3 ? 0 : 8));
		snprintf(path, sizeof(path), "%s/seed-%02d", argv[1], i);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, n, f) != n) {
			perror(path);
			return 1;
		}
		fclose(f);
	}
	return 0;
}
