/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny TAP test harness for the host unit tests (header only).
 *
 *   #include "harness.h"
 *   TEST(map_basic) { CHECK_EQ(1 + 1, 2); ASSERT_OK(foo()); }
 *   TEST_MAIN("ops")
 *
 * Tests run in source order.  Output, on stdout:
 *   # suite: ops
 *   1..N
 *   ok 1 ops.map_basic
 *   not ok 2 ops.other
 *   ok 3 ops.needs_x # SKIP no x here
 *   # ops: P passed, F failed
 * Diagnostics are lines starting with "# "; nothing else starts with
 * "ok " or "not ok ", because `make check` counts those lines.
 * Exit status is 1 if anything failed.
 *
 * CHECK*  record a failure and continue;
 * ASSERT* record a failure and end the current test (longjmp, so they
 *         work from helper functions too);
 * SKIP(fmt, ...) ends the test as skipped.
 *
 * Command line: any arguments are substrings; only tests whose name
 * contains one of them run (the others are not numbered or printed).
 * Environment: TH_SUITE_SUFFIX is appended to the suite name (the
 * sanitizer builds use "-asan"); TH_SEED is read by th_seed().
 */
#ifndef _IODIRTY_HARNESS_H
#define _IODIRTY_HARNESS_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct th_test {
	const char *name;
	void (*fn)(void);
	int line;
};

#define TH_MAX_TESTS 512

static struct th_test th_tests[TH_MAX_TESTS];
static int th_ntests;
static int th_cur_failed;
static int th_cur_skipped;
static char th_skip_reason[256];
static jmp_buf th_jmp;
static const char *th_cur_name = "";

static inline void th_register(const char *name, void (*fn)(void), int line)
{
	if (th_ntests < TH_MAX_TESTS)
		th_tests[th_ntests++] = (struct th_test){ name, fn, line };
}

#define TEST(name)							\
	static void th_test_##name(void);				\
	__attribute__((constructor)) static void th_reg_##name(void)	\
	{ th_register(#name, th_test_##name, __LINE__); }		\
	static void th_test_##name(void)

__attribute__((format(printf, 1, 2), unused))
static void th_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static inline void th_fail_at(const char *file, int line)
{
	th_cur_failed++;
	printf("# %s: FAILED at %s:%d\n", th_cur_name, file, line);
}

/* Unsigned 64-bit compare; signed values print as their two's complement. */
#define TH_CMP(a, op, b, fatal) do {					\
	uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
	if (!(__a op __b)) {						\
		th_fail_at(__FILE__, __LINE__);				\
		printf("#   %s %s %s\n", #a, #op, #b);			\
		printf("#   actual:   0x%" PRIx64 " (%" PRId64 ")\n",	\
		       __a, (int64_t)__a);				\
		printf("#   expected: 0x%" PRIx64 " (%" PRId64 ")\n",	\
		       __b, (int64_t)__b);				\
		if (fatal)						\
			longjmp(th_jmp, 1);				\
	}								\
} while (0)

#define TH_TRUE(c, fatal) do {						\
	if (!(c)) {							\
		th_fail_at(__FILE__, __LINE__);				\
		printf("#   expected true: %s\n", #c);			\
		if (fatal)						\
			longjmp(th_jmp, 1);				\
	}								\
} while (0)

#define CHECK(c)		TH_TRUE(c, 0)
#define ASSERT(c)		TH_TRUE(c, 1)
#define CHECK_EQ(a, b)		TH_CMP(a, ==, b, 0)
#define ASSERT_EQ(a, b)		TH_CMP(a, ==, b, 1)
#define CHECK_NE(a, b)		TH_CMP(a, !=, b, 0)
#define ASSERT_NE(a, b)		TH_CMP(a, !=, b, 1)
#define CHECK_OK(e)		TH_CMP(e, ==, 0, 0)
#define ASSERT_OK(e)		TH_CMP(e, ==, 0, 1)
/* errno checks take the positive errno: CHECK_ERR(pt_map(...), EEXIST) */
#define CHECK_ERR(e, err)	TH_CMP(e, ==, -(err), 0)
#define ASSERT_ERR(e, err)	TH_CMP(e, ==, -(err), 1)

/* Print a formatted failure message and continue / stop. */
#define CHECK_MSG(c, ...) do {						\
	if (!(c)) {							\
		th_fail_at(__FILE__, __LINE__);				\
		th_diag(__VA_ARGS__);					\
	}								\
} while (0)
#define ASSERT_MSG(c, ...) do {						\
	if (!(c)) {							\
		th_fail_at(__FILE__, __LINE__);				\
		th_diag(__VA_ARGS__);					\
		longjmp(th_jmp, 1);					\
	}								\
} while (0)

#define SKIP(...) do {							\
	snprintf(th_skip_reason, sizeof(th_skip_reason), __VA_ARGS__);	\
	th_cur_skipped = 1;						\
	longjmp(th_jmp, 1);						\
} while (0)

/* Seed for randomized tests: TH_SEED from the environment, else @def. */
static inline uint64_t th_seed(uint64_t def)
{
	const char *s = getenv("TH_SEED");

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static int th_cmp_line(const void *a, const void *b)
{
	return ((const struct th_test *)a)->line -
	       ((const struct th_test *)b)->line;
}

static inline int th_selected(const struct th_test *t, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(t->name, argv[i]))
			return 1;
	return 0;
}

/* setjmp lives in its own frame so th_main's counters are not clobbered */
static __attribute__((__noinline__)) void th_run_one(struct th_test *t)
{
	th_cur_name = t->name;
	th_cur_failed = 0;
	th_cur_skipped = 0;
	if (!setjmp(th_jmp))
		t->fn();
}

static inline int th_main(const char *suite_base, int argc, char **argv)
{
	const char *sfx = getenv("TH_SUITE_SUFFIX");
	char suite[128];
	int i, n = 0, nsel = 0, passed = 0, failed = 0, skipped = 0;

	snprintf(suite, sizeof(suite), "%s%s", suite_base, sfx ? sfx : "");
	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(th_tests, th_ntests, sizeof(th_tests[0]), th_cmp_line);
	for (i = 0; i < th_ntests; i++)
		nsel += th_selected(&th_tests[i], argc, argv);
	/* names the plan for tools/check-summary.sh */
	printf("# suite: %s\n", suite);
	printf("1..%d\n", nsel);
	for (i = 0; i < th_ntests; i++) {
		struct th_test *t = &th_tests[i];

		if (!th_selected(t, argc, argv))
			continue;
		n++;
		th_run_one(t);
		if (th_cur_failed) {
			failed++;
			printf("not ok %d %s.%s\n", n, suite, t->name);
		} else if (th_cur_skipped) {
			skipped++;
			printf("ok %d %s.%s # SKIP %s\n", n, suite, t->name,
			       th_skip_reason);
		} else {
			passed++;
			printf("ok %d %s.%s\n", n, suite, t->name);
		}
		fflush(stdout);
	}
	printf("# %s: %d passed, %d failed", suite, passed, failed);
	if (skipped)
		printf(", %d skipped", skipped);
	printf("\n");
	return failed ? 1 : 0;
}

#define TEST_MAIN(suite)						\
	int main(int argc, char **argv)					\
	{								\
		return th_main(suite, argc, argv);			\
	}

#endif /* _IODIRTY_HARNESS_H */
