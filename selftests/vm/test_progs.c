// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_progs: runs iodirty's in-VM tests.
 *
 *   test_progs [-v] [-l] [-t FILTER[,FILTER...]]
 *
 * FILTER matches "test" or "test/subtest" by substring.  Output is one TAP
 * line per subtest (or per test without subtests) and a summary line
 * "# Summary: P passed, F failed, S skipped".  Exit status 1 on failure.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "test_progs.h"

static struct prog_test *tests;
static const char *filters[32];
static int nr_filters;
static bool verbose, list_only;

static const char *cur_test;
static char cur_name[256];
static bool in_subtest, sub_failed, sub_skipped, test_had_subtests;
static char skip_reason[128];
static int tap_n, nr_pass, nr_fail, nr_skip;

void test__register(struct prog_test *t)
{
	struct prog_test **pp = &tests;

	/* keep alphabetical order so output is stable */
	while (*pp && strcmp((*pp)->name, t->name) < 0)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

bool test__verbose(void)
{
	return verbose;
}

const char *test__current(void)
{
	return cur_name;
}

static bool name_selected(const char *name)
{
	int i;

	if (!nr_filters)
		return true;
	for (i = 0; i < nr_filters; i++) {
		const char *f = filters[i], *slash = strchr(f, '/');

		if (slash) {
			/* test/sub: the test part must match what we have */
			size_t tl = slash - f;

			if (!strncmp(name, f, tl) &&
			    (name[tl] == '/' || name[tl] == 0) &&
			    (!strchr(name, '/') || strstr(name, f)))
				return true;
		} else if (strstr(name, f)) {
			return true;
		}
	}
	return false;
}

static void end_current(void)
{
	if (!in_subtest)
		return;
	tap_n++;
	if (sub_failed) {
		printf("not ok %d %s\n", tap_n, cur_name);
		nr_fail++;
	} else if (sub_skipped) {
		printf("ok %d %s # SKIP %s\n", tap_n, cur_name, skip_reason);
		nr_skip++;
	} else {
		printf("ok %d %s\n", tap_n, cur_name);
		nr_pass++;
	}
	fflush(stdout);
	in_subtest = false;
}

bool test__start_subtest(const char *name)
{
	char full[256];

	/*
	 * The test's own implicit entry only produces a line if something
	 * failed before its first subtest.
	 */
	if (!test_had_subtests && in_subtest && !sub_failed)
		in_subtest = false;
	end_current();
	test_had_subtests = true;
	snprintf(full, sizeof(full), "%s/%s", cur_test, name);
	if (list_only) {
		printf("%s\n", full);
		return false;
	}
	if (!name_selected(full))
		return false;
	snprintf(cur_name, sizeof(cur_name), "%s", full);
	in_subtest = true;
	sub_failed = sub_skipped = false;
	return true;
}

void test__fail(void)
{
	sub_failed = true;
}

void test__skip(const char *why)
{
	sub_skipped = true;
	snprintf(skip_reason, sizeof(skip_reason), "%s", why);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	/* harmless on this platform: no BPF token support in the guest */
	if (strstr(fmt, "BPF token"))
		return 0;
	printf("# libbpf: ");
	return vprintf(fmt, args);
}

int main(int argc, char **argv)
{
	struct prog_test *t;
	int opt;

	while ((opt = getopt(argc, argv, "vlt:h")) != -1) {
		switch (opt) {
		case 'v':
			verbose = true;
			break;
		case 'l':
			list_only = true;
			break;
		case 't': {
			char *s = strdup(optarg), *tok, *save;

			for (tok = strtok_r(s, ",", &save); tok && nr_filters < 32;
			     tok = strtok_r(NULL, ",", &save))
				filters[nr_filters++] = tok;
			break;
		}
		default:
			fprintf(stderr, "usage: %s [-v] [-l] [-t FILTER[,FILTER]]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	libbpf_set_print(libbpf_print);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (t = tests; t; t = t->next) {
		if (!list_only && !name_selected(t->name) && nr_filters) {
			/* a filter "test/sub" still selects test "test" */
			int i, hit = 0;

			for (i = 0; i < nr_filters; i++)
				if (!strncmp(filters[i], t->name, strlen(t->name)) &&
				    filters[i][strlen(t->name)] == '/')
					hit = 1;
			if (!hit)
				continue;
		}
		cur_test = t->name;
		snprintf(cur_name, sizeof(cur_name), "%s", t->name);
		test_had_subtests = false;
		in_subtest = !list_only;
		sub_failed = sub_skipped = false;
		t->fn();
		if (list_only && !test_had_subtests)
			printf("%s\n", t->name);
		if (!test_had_subtests && list_only)
			in_subtest = false;
		end_current();
	}
	if (!list_only)
		printf("# Summary: %d passed, %d failed, %d skipped\n",
		       nr_pass, nr_fail, nr_skip);
	return nr_fail ? 1 : 0;
}
