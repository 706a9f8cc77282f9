// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Verifier-cost budgets.  Runs the kernel tree's veristat (built by
 * mk/veristat.mk) over every shipped BPF object in
 * /opt/iodirty/veristat-objs and compares each program with
 * budget.csv (file,prog,insns,states, written by `make veristat-update`).
 * One subtest per object; a program fails when it does not verify, is not
 * in the budget, or grew more than 10 % past it (instructions and states,
 * rounded up: budget + ceil(budget / 10), at least 1; verification is
 * deterministic for one compiler and kernel, so no absolute slack).  A budget entry whose program is gone fails
 * "no_stale_entries" (regenerate the budget).
 *
 * The budget holds for the verifier it was measured on: the kernel make
 * check boots (budget.kernel, its major.minor, written at image build).
 * On another kernel (the 7.x debug kernel: a different verifier, and
 * KASAN makes verifying these ~10^6 instructions take many minutes) the
 * test is skipped, saying so.
 */
#include <sys/utsname.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "../test_progs.h"

#define VS_DIR	"/opt/iodirty/veristat-objs"
#define VS_BIN	"/opt/iodirty/veristat"
#define MAX_ENT	256

struct vs_ent {
	char file[64], prog[64];
	long insns, states;
	char verdict[16];
	bool seen;
};

static struct vs_ent budget[MAX_ENT], got[MAX_ENT];

/* 10 % over the budget, rounded up, at least one */
static long vs_limit(long budget)
{
	long slack = (budget + 9) / 10;

	return budget + (slack ? slack : 1);
}
static int nbudget, ngot;

static int load_budget(void)
{
	FILE *f = fopen(VS_DIR "/budget.csv", "r");
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nbudget < MAX_ENT) {
		struct vs_ent *e = &budget[nbudget];

		if (sscanf(line, "%63[^,],%63[^,],%ld,%ld", e->file, e->prog,
			   &e->insns, &e->states) == 4)
			nbudget++;
	}
	fclose(f);
	return 0;
}

static int run_veristat(void)
{
	FILE *p = popen(VS_BIN " -o csv -e file,prog,verdict,insns,states "
			VS_DIR "/*.bpf.o 2>&1", "r");
	char line[512];
	int first = 1;

	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		struct vs_ent *e = &got[ngot];

		if (first) {	/* header */
			first = 0;
			continue;
		}
		if (ngot < MAX_ENT &&
		    sscanf(line, "%63[^,],%63[^,],%15[^,],%ld,%ld", e->file,
			   e->prog, e->verdict, &e->insns, &e->states) == 5)
			ngot++;
		else
			printf("# veristat: %s", line);
	}
	return pclose(p);
}

static struct vs_ent *find(struct vs_ent *tab, int n, const char *file,
			   const char *prog)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(tab[i].file, file) && !strcmp(tab[i].prog, prog))
			return &tab[i];
	return NULL;
}

static void check_object(const char *file)
{
	char tag[512];
	int i, n = 0;

	for (i = 0; i < ngot; i++) {
		struct vs_ent *g = &got[i], *b;

		if (strcmp(g->file, file))
			continue;
		n++;
		snprintf(tag, sizeof(tag), "%.63s/%.63s verifies", file, g->prog);
		ASSERT_STREQ(g->verdict, "success", tag);
		b = find(budget, nbudget, file, g->prog);
		snprintf(tag, sizeof(tag), "%.63s/%.63s in budget.csv (make veristat-update)",
			 file, g->prog);
		if (!ASSERT_OK_PTR(b, tag))
			continue;
		b->seen = true;
		snprintf(tag, sizeof(tag), "%.63s/%.63s insns %ld within budget %ld",
			 file, g->prog, g->insns, b->insns);
		_CHECK(g->insns <= vs_limit(b->insns), tag, "grew");
		snprintf(tag, sizeof(tag), "%.63s/%.63s states %ld within budget %ld",
			 file, g->prog, g->states, b->states);
		_CHECK(g->states <= vs_limit(b->states), tag, "grew");
		printf("# %-28s %-24s insns %6ld (budget %6ld) states %5ld (budget %5ld)\n",
		       file, g->prog, g->insns, b->insns, g->states, b->states);
	}
	ASSERT_GE(n, 1, "object has programs");
}

DEFINE_TEST(policy_veristat)
{
	char files[MAX_ENT][64];
	struct stat sb;
	int i, j, nfiles = 0, rc;

	if (stat(VS_BIN, &sb) || stat(VS_DIR, &sb)) {
		test__skip("no veristat in this image");
		return;
	}
	{
		char want[32] = "", why[160];
		struct utsname u;
		FILE *f = fopen(VS_DIR "/budget.kernel", "r");
		size_t n;

		if (f) {
			if (!fgets(want, sizeof(want), f))
				want[0] = 0;
			fclose(f);
		}
		want[strcspn(want, "\n")] = 0;
		if (!ASSERT_TRUE(want[0], "budget.kernel names the budget's kernel"))
			return;
		uname(&u);
		n = strlen(want);
		if (strncmp(u.release, want, n) || u.release[n] != '.') {
			snprintf(why, sizeof(why),
				 "budget measured on %s, this is %s", want, u.release);
			test__skip(why);
			return;
		}
	}
	if (!ASSERT_OK(load_budget(), "read budget.csv"))
		return;
	rc = run_veristat();
	ASSERT_GE(ngot, 1, "veristat measured programs");
	if (rc)
		printf("# veristat exit status %d\n", rc);
	for (i = 0; i < ngot; i++) {
		for (j = 0; j < nfiles; j++)
			if (!strcmp(files[j], got[i].file))
				break;
		if (j == nfiles)
			snprintf(files[nfiles++], sizeof(files[0]), "%.63s",
				 got[i].file);
	}
	for (i = 0; i < nfiles; i++)
		if (test__start_subtest(files[i]))
			check_object(files[i]);
	if (test__start_subtest("no_stale_entries")) {
		for (i = 0; i < nbudget; i++) {
			char tag[512];

			snprintf(tag, sizeof(tag), "budget entry %.63s/%.63s still exists",
				 budget[i].file, budget[i].prog);
			ASSERT_OK_PTR(find(got, ngot, budget[i].file,
					   budget[i].prog), tag);
		}
	}
}
