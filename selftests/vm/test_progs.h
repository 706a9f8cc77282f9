/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small test_progs-style runner for iodirty's in-VM BPF tests.
 *
 * One test = one prog_tests/<name>.c defining DEFINE_TEST(name) { ... }.
 * Tests open subtests with test__start_subtest("sub"); each subtest prints
 * one TAP line "ok N test/sub" or "not ok N test/sub".  ASSERT_* macros log
 * "test/sub:FAIL:file:line: ..." with expected and actual values and
 * evaluate to false on failure, so the idiom is
 *	if (!ASSERT_OK(err, "attach")) goto cleanup;
 */
#ifndef __IODIRTY_TEST_PROGS_H
#define __IODIRTY_TEST_PROGS_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

struct prog_test {
	const char *name;
	void (*fn)(void);
	struct prog_test *next;
};

void test__register(struct prog_test *t);
bool test__start_subtest(const char *name);
void test__fail(void);
void test__skip(const char *why);
bool test__verbose(void);
const char *test__current(void);

#define DEFINE_TEST(_name)						\
	static void test_##_name(void);					\
	static struct prog_test __test_##_name = {			\
		.name = #_name, .fn = test_##_name,			\
	};								\
	__attribute__((constructor)) static void __reg_##_name(void)	\
	{								\
		test__register(&__test_##_name);			\
	}								\
	static void test_##_name(void)

#define _CHECK(cond, tag, fmt, ...) ({					\
	bool ___ok = !!(cond);						\
	if (!___ok) {							\
		fprintf(stdout, "# %s:FAIL:%s:%d: %s " fmt "\n",	\
			test__current(), __FILE__, __LINE__, tag,	\
			##__VA_ARGS__);					\
		test__fail();						\
	}								\
	___ok;								\
})

#define ASSERT_TRUE(a, tag) _CHECK((a), tag, "unexpected false")
#define ASSERT_FALSE(a, tag) _CHECK(!(a), tag, "unexpected true")
#define ASSERT_EQ(a, b, tag) ({						\
	long long ___a = (long long)(a), ___b = (long long)(b);	\
	_CHECK(___a == ___b, tag, "actual %lld != expected %lld", ___a, ___b); })
#define ASSERT_NEQ(a, b, tag) ({					\
	long long ___a = (long long)(a), ___b = (long long)(b);	\
	_CHECK(___a != ___b, tag, "actual %lld == unexpected %lld", ___a, ___b); })
#define ASSERT_GE(a, b, tag) ({						\
	long long ___a = (long long)(a), ___b = (long long)(b);	\
	_CHECK(___a >= ___b, tag, "actual %lld < expected %lld", ___a, ___b); })
#define ASSERT_OK(res, tag) ({						\
	long long ___r = (long long)(res);				\
	_CHECK(___r == 0, tag, "unexpected error %lld (errno %d: %s)",	\
	       ___r, errno, strerror(errno)); })
#define ASSERT_ERR(res, tag) ({						\
	long long ___r = (long long)(res);				\
	_CHECK(___r < 0, tag, "unexpected success %lld", ___r); })
#define ASSERT_ERRNO(res, err, tag) ({					\
	long long ___r = (long long)(res); int ___e = errno;		\
	_CHECK(___r < 0 && ___e == (err), tag,				\
	       "result %lld errno %d (%s), expected errno %d (%s)",	\
	       ___r, ___e, strerror(___e), (err), strerror(err)); })
#define ASSERT_OK_PTR(p, tag) _CHECK((p) != NULL, tag,			\
	"unexpected NULL (errno %d: %s)", errno, strerror(errno))
#define ASSERT_STREQ(a, b, tag) ({					\
	const char *___a = (a), *___b = (b);				\
	_CHECK(!strcmp(___a, ___b), tag, "actual '%s' != expected '%s'", \
	       ___a, ___b); })

#endif /* __IODIRTY_TEST_PROGS_H */
