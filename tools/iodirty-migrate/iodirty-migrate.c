// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-migrate - live-migrate DMA-written memory with QEMU's pre-copy
 * rules, check every byte at the destination, compare BPF policies.
 *
 * The destination (--listen) receives and verifies; the source (--to)
 * migrates a buffer that emulated devices keep writing by DMA, once per
 * --policy entry with the same workload and seed, and prints one table
 * row per policy.  Exit status: 0 when every migration completed with 0
 * mismatched pages (or the destination did not --verify: then the table
 * says "unchecked") and the oracle saw no written page left unreported;
 * 1 otherwise (a mismatch, or an error, which is printed with its errno).
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "libiodirty.h"
#include "bpf_print.h"
#include "policy_path.h"
#include "iodirty-migrate.h"

struct mig_env env = {
	.mem = 32ULL << 20, .devices = 1, .model = IODIRTY_MODEL_AMD,
	.pattern = IODIRTY_WL_ZIPF, .rate = 20000, .seed = 42, .write_bytes = 64,
	.sync = MIG_SYNC_BITMAP, .downtime_ms = 300, .bandwidth = 128ULL << 20,
	.max_rounds = 30, .scan_ms = 50, .max_skip = 256, .timeout_s = 30,
};

const char *argp_program_version = "iodirty-migrate 0.1";
const char argp_program_doc[] =
"Live-migrate DMA-written memory over TCP, verify every byte, compare policies.\n"
"\n"
"USAGE: iodirty-migrate --listen PORT [--verify]\n"
"       iodirty-migrate --to HOST:PORT [--mem SIZE] [--devices N] [--model M]\n"
"                       [--pattern P] [--rate R] [--seed S] [--sync bitmap|stream]\n"
"                       [--downtime-limit MS] [--bandwidth MiB/s] [--max-rounds N]\n"
"                       [--huge] [--json] [--policy A.bpf.o,B.bpf.o,default]\n"
"\n"
"The source maps --mem of memory into an IOAS, lets --devices emulated\n"
"devices DMA-write it (--pattern, --rate writes/s each) and pre-copies it:\n"
"round 1 sends everything, later rounds what was dirtied, found by one exact\n"
"GET_DIRTY_BITMAP per round (--sync bitmap) or streamed by the background\n"
"scanner through the policy's ring buffer (--sync stream).  It switches over\n"
"when pending <= bandwidth x downtime-limit (or after --max-rounds), stops\n"
"the devices, harvests exactly, sends the rest, then sends page digests: the\n"
"destination prints 'mismatched N' and both exit 1 on any mismatch.\n"
"\n"
"EXAMPLES:\n"
"    iodirty-migrate --listen 4444 --verify &       # destination\n"
"    iodirty-migrate --to 127.0.0.1:4444            # 32 MiB, zipf, bitmap sync\n"
"    iodirty-migrate --to 127.0.0.1:4444 --sync stream --policy defer_hot.bpf.o,default\n"
"    iodirty-migrate --to 127.0.0.1:4444 --pattern nic --devices 2 --json\n"
"    iodirty-migrate --to 127.0.0.1:4444 --bandwidth 32 --downtime-limit 100\n"
"    iodirty-migrate --to 127.0.0.1:4444 --huge --pattern random --policy split_huge,default\n"
"\n"
"--huge backs the memory with 2 MiB hugetlb pages (reserve them first:\n"
"/proc/sys/vm/nr_hugepages, or tools/vm/run --hugepages N) and maps it with\n"
"2 MiB IOPTEs, whose dirty bit covers 2 MiB; split_huge demotes the dirty ones\n"
"to 4 KiB after each harvest (bpf_iodirty_demote), so later rounds resend 4 KiB\n"
"pages.  The table's 'split 2M' column counts the leaves demoted.\n"
"\n"
"POLICIES: a path, or a bare name (defer_hot or defer_hot.bpf.o) looked up in\n"
IODIRTY_POLICY_SEARCH ".\n";

enum {
	OPT_LISTEN = 'l', OPT_VERIFY = 'V', OPT_TO = 't', OPT_MEM = 'm',
	OPT_DEVICES = 'd', OPT_MODEL = 'M', OPT_PATTERN = 'p', OPT_RATE = 'r',
	OPT_SEED = 's', OPT_SYNC = 'S', OPT_DOWNTIME = 'D', OPT_BW = 'b',
	OPT_ROUNDS = 'R', OPT_JSON = 'j', OPT_POLICY = 'P', OPT_VERBOSE = 'v',
	OPT_TIMEOUT = 'T', OPT_WRITE_BYTES = 'w',
	OPT_SCAN_MS = 256, OPT_MAX_SKIP, OPT_DROP, OPT_SKIP_FLUSH, OPT_HUGE,
};

static const struct argp_option opts[] = {
	{ "listen", OPT_LISTEN, "PORT", 0, "be the destination on TCP PORT", 1 },
	{ "verify", OPT_VERIFY, NULL, 0, "destination: compare every page's digest", 1 },
	{ "to", OPT_TO, "HOST:PORT", 0, "be the source, migrating to HOST:PORT", 2 },
	{ "mem", OPT_MEM, "SIZE", 0, "memory to migrate, e.g. 32M, 1G (default 32M)", 2 },
	{ "devices", OPT_DEVICES, "N", 0, "emulated devices, each writing a slice (default 1)", 2 },
	{ "model", OPT_MODEL, "M", 0, "IOMMU: mock, amd, vtd, arm (default amd)", 2 },
	{ "pattern", OPT_PATTERN, "P", 0, "seq, random, zipf, nic (default zipf)", 2 },
	{ "rate", OPT_RATE, "R", 0, "DMA writes/s per device, 0 = flat out (default 20000)", 2 },
	{ "seed", OPT_SEED, "S", 0, "workload and memory seed (default 42)", 2 },
	{ "write-bytes", OPT_WRITE_BYTES, "B", 0, "bytes per DMA write, 1..4096 (default 64)", 2 },
	{ "sync", OPT_SYNC, "MODE", 0, "bitmap (GET per round) or stream (scanner + ring buffer)", 2 },
	{ "downtime-limit", OPT_DOWNTIME, "MS", 0, "switchover threshold (default 300)", 2 },
	{ "bandwidth", OPT_BW, "MiB/s", 0, "rate limit of the page stream (default 128)", 2 },
	{ "max-rounds", OPT_ROUNDS, "N", 0, "switch over after N rounds anyway (default 30)", 2 },
	{ "policy", OPT_POLICY, "LIST", 0, "comma-separated policies (paths, or names such as defer_hot found as for iodirtyctl: see POLICIES) or 'default': one migration each", 2 },
	{ "huge", OPT_HUGE, NULL, 0, "hugetlb memory mapped with 2 MiB IOPTEs (--mem a multiple of 2M; not mock)", 2 },
	{ "scan-ms", OPT_SCAN_MS, "MS", 0, "stream: scanner period (default 50)", 2 },
	{ "max-skip", OPT_MAX_SKIP, "N", 0, "stream: scanner sampling floor, 1..1024 (default 256)", 2 },
	{ "json", OPT_JSON, NULL, 0, "NDJSON: one record per round and per migration", 3 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0, "timeout of every socket operation (default 30)", 3 },
	{ "verbose", OPT_VERBOSE, NULL, 0, "libbpf debug output", 3 },
	/* test only: break the migration on purpose, to show the check fails */
	{ "unsafe-drop-every", OPT_DROP, "N", OPTION_HIDDEN, NULL, 0 },
	{ "unsafe-skip-flush", OPT_SKIP_FLUSH, NULL, OPTION_HIDDEN, NULL, 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static bool parse_ull(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && end != s && !*end && *s != '-';
}

static bool parse_size(const char *s, unsigned long long *v)
{
	unsigned long long shift = 0;
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 0: break;
	default: return false;
	}
	if (*end || *v > (64ULL << 30) >> shift)
		return false;
	*v <<= shift;
	return true;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	unsigned long long v = 0;
	char *tok, *save = NULL;
	int n;

	switch (key) {
	case OPT_VERBOSE: env.verbose = true; return 0;
	case OPT_VERIFY: env.verify = true; return 0;
	case OPT_JSON: env.json = true; return 0;
	case OPT_SKIP_FLUSH: env.skip_flush = true; return 0;
	case OPT_HUGE: env.huge = true; return 0;
	case 'h': argp_state_help(state, stderr, ARGP_HELP_STD_HELP); return 0;
	case OPT_TO:
		if (mig_parse_hostport(arg, env.host, sizeof(env.host), &env.port))
			argp_error(state, "invalid HOST:PORT '%s' (e.g. 127.0.0.1:4444): %s",
				   arg, strerror(EINVAL));
		return 0;
	case OPT_MODEL:
		if ((n = iodirty_model_parse(arg)) < 0)
			argp_error(state, "unknown model '%s' (mock, amd, vtd, arm)", arg);
		env.model = n;
		return 0;
	case OPT_PATTERN:
		if ((n = iodirty_pattern_parse(arg)) < 0)
			argp_error(state, "unknown pattern '%s' (seq, random, zipf, nic)", arg);
		env.pattern = n;
		return 0;
	case OPT_SYNC:
		if (!strcmp(arg, "bitmap"))
			env.sync = MIG_SYNC_BITMAP;
		else if (!strcmp(arg, "stream"))
			env.sync = MIG_SYNC_STREAM;
		else
			argp_error(state, "unknown sync mode '%s' (bitmap or stream)", arg);
		return 0;
	case OPT_POLICY:
		env.npolicies = 0;
		for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (env.npolicies == MIG_MAX_POLICIES)
				argp_error(state, "at most %d policies", MIG_MAX_POLICIES);
			env.policies[env.npolicies++] = tok;
		}
		if (!env.npolicies)
			argp_error(state, "empty --policy list");
		return 0;
	case OPT_MEM:
		if (!parse_size(arg, &v) || v < 16 * MIG_PAGE || v % MIG_PAGE)
			argp_error(state, "invalid --mem '%s' (64K .. 64G, a multiple of 4K)", arg);
		env.mem = v;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	case ARGP_KEY_END:
		if (!env.listen_port == !env.port)
			argp_error(state, "give exactly one of --listen PORT and --to HOST:PORT");
		if (env.huge && env.mem % MIG_HUGE)
			argp_error(state, "--huge: --mem must be a multiple of 2M");
		if (env.huge && env.model == IODIRTY_MODEL_MOCK)
			argp_error(state, "--huge: the mock IOMMU has no 2 MiB IOPTEs (use amd, vtd or arm)");
		if (env.skip_flush && env.sync != MIG_SYNC_BITMAP)
			argp_error(state, "--unsafe-skip-flush works with --sync bitmap only");
		return 0;
	case OPT_LISTEN: case OPT_DEVICES: case OPT_RATE: case OPT_SEED:
	case OPT_DOWNTIME: case OPT_BW: case OPT_ROUNDS: case OPT_TIMEOUT:
	case OPT_WRITE_BYTES: case OPT_SCAN_MS: case OPT_MAX_SKIP: case OPT_DROP:
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	if (!parse_ull(arg, &v))
		argp_error(state, "invalid number '%s'", arg);
	switch (key) {
	case OPT_LISTEN:
		if (v < 1 || v > 65535)
			argp_error(state, "--listen: port %llu out of range 1..65535", v);
		env.listen_port = v;
		break;
	case OPT_DEVICES:
		if (v < 1 || v > MIG_MAX_DEVICES)
			argp_error(state, "--devices: 1..%d", MIG_MAX_DEVICES);
		env.devices = v;
		break;
	case OPT_RATE:
		if (v > 100000000)
			argp_error(state, "--rate: at most 100000000 writes/s");
		env.rate = v;
		break;
	case OPT_SEED: env.seed = v; break;
	case OPT_DOWNTIME:
		if (v < 1 || v > 2000000)
			argp_error(state, "--downtime-limit: 1..2000000 ms");
		env.downtime_ms = v;
		break;
	case OPT_BW:
		if (v < 1 || v > 1000000)
			argp_error(state, "--bandwidth: 1..1000000 MiB/s (0 would never send a page)");
		env.bandwidth = v << 20;
		break;
	case OPT_ROUNDS:
		if (v < 1 || v > 1000)
			argp_error(state, "--max-rounds: 1..1000");
		env.max_rounds = v;
		break;
	case OPT_TIMEOUT:
		if (v < 1 || v > 3600)
			argp_error(state, "--timeout: 1..3600 s");
		env.timeout_s = v;
		break;
	case OPT_WRITE_BYTES:
		if (v < 1 || v > 4096)
			argp_error(state, "--write-bytes: 1..4096");
		env.write_bytes = v;
		break;
	case OPT_SCAN_MS:
		if (v < 1 || v > 60000)
			argp_error(state, "--scan-ms: 1..60000");
		env.scan_ms = v;
		break;
	case OPT_MAX_SKIP:
		if (v < 1 || v > 1024)
			argp_error(state, "--max-skip: 1..1024");
		env.max_skip = v;
		break;
	case OPT_DROP:
		if (v < 1)
			argp_error(state, "--unsafe-drop-every: N >= 1");
		env.drop_every = v;
		break;
	}
	return 0;
}

static void print_result_line(const struct mig_result *r)
{
	unsigned int i;

	if (env.json) {
		printf("{\"type\":\"result\",\"policy\":\"%s\",\"sync\":\"%s\",\"status\":\"%s\","
		       "\"rounds\":%u,\"total_bytes\":%llu,\"final_bytes\":%llu,"
		       "\"downtime\":%.1f,\"downtime_expected\":%.1f,\"harvest_ms\":%.2f,"
		       "\"pte_visits\":%llu,\"iotlb_invalidations\":%llu,\"iotlb_cost_ns\":%llu,"
		       "\"harvests\":%llu,\"scans\":%llu,\"gap_pages\":%llu,\"dropped_pages\":%llu,"
		       "\"oracle_missed\":%llu,\"huge\":%s,\"demoted_2m\":%llu,"
		       "\"mismatched\":%lld}\n",
		       r->policy, env.sync == MIG_SYNC_BITMAP ? "bitmap" : "stream",
		       r->ok ? "failed" : "completed", r->rounds, r->bytes, r->final_bytes,
		       r->downtime_ms, r->expected_ms, r->harvest_ms, r->pte_visits,
		       r->invalidations, r->inv_cost_ns, r->harvests, r->scans,
		       r->gap_pages, r->dropped, r->oracle_missed,
		       env.huge ? "true" : "false", r->demoted, r->mismatched);
		fflush(stdout);
		return;
	}
	if (r->ok)
		return;
	printf("  total %.2f MiB in %u rounds (%.2f MiB during the downtime); downtime expected %.0f ms, measured %.0f ms (limit %u), harvest %.2f ms of it\n",
	       r->bytes / 1048576.0, r->rounds, r->final_bytes / 1048576.0,
	       r->expected_ms, r->downtime_ms, env.downtime_ms, r->harvest_ms);
	printf("  oracle: %llu written pages missed by every harvest; ", r->oracle_missed);
	if (r->mismatched < 0) {
		printf("destination did not verify (start it with --verify)\n");
	} else {
		printf("destination: mismatched %lld", r->mismatched);
		for (i = 0; i < r->nbad; i++)
			printf("%s%llu", i ? "," : " (first pages: ", r->first_bad[i]);
		printf("%s\n", r->nbad ? ")" : "");
	}
	fflush(stdout);
}

static void print_table(const struct mig_result *res, int n)
{
	int i;

	printf("\n%-18s %6s %10s %10s %9s %9s %10s %8s %10s", "policy", "rounds",
	       "sent MiB", "downtime", "expected", "harvest", "PTE visits", "IOTLB inv",
	       "inv cost");
	printf(env.huge ? " %8s %10s\n" : "%.0s %10s\n", "split 2M", "mismatched");
	for (i = 0; i < n; i++) {
		const struct mig_result *r = &res[i];

		char mm[24];

		if (r->ok) {
			printf("%-18s %s\n", r->policy, "FAILED (see the error above)");
			continue;
		}
		if (r->mismatched < 0)
			snprintf(mm, sizeof(mm), "unchecked");
		else
			snprintf(mm, sizeof(mm), "%lld", r->mismatched);
		printf("%-18s %6u %10.2f %8.0fms %7.0fms %7.2fms %10llu %9llu %8.1fus",
		       r->policy, r->rounds, r->bytes / 1048576.0, r->downtime_ms,
		       r->expected_ms, r->harvest_ms, r->pte_visits, r->invalidations,
		       r->inv_cost_ns / 1e3);
		if (env.huge)
			printf(" %8llu", r->demoted);
		printf(" %10s\n", mm);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg, .doc = argp_program_doc,
	};
	static struct mig_result res[MIG_MAX_POLICIES];
	int i, bad = 0, err;

	env.policies[0] = "default";
	env.npolicies = 1;
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return 1;
	signal(SIGPIPE, SIG_IGN);	/* a vanished peer is an EPIPE, not a kill */
	iodirty_bpf_verbose = env.verbose;
	libbpf_set_print(iodirty_libbpf_print);
	if (env.listen_port)
		return mig_destination();
	for (i = 0; i < env.npolicies; i++) {
		if (!env.json)
			printf("=== policy %s\n", env.policies[i]);
		err = mig_source(env.policies[i], i, env.npolicies, &res[i]);
		print_result_line(&res[i]);
		if (err || res[i].mismatched > 0 || res[i].oracle_missed)
			bad = 1;
		if (err)
			break;	/* the destination expects the sessions in order */
	}
	if (!env.json && (env.npolicies > 1 || !bad))
		print_table(res, i < env.npolicies ? i + 1 : env.npolicies);
	return bad;
}
