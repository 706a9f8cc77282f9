/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared between the policy selftest BPF programs (progs/policy_*.bpf.c)
 * and their loaders (prog_tests/policy_*.c, selftests/bench/vm/).
 */
#ifndef __IODIRTY_POLICY_TEST_H
#define __IODIRTY_POLICY_TEST_H

/* policy_members: what flush does, chosen by the loader at run time */
enum pt_mode {
	PT_MODE_NORMAL = 0,	/* answer IODIRTY_FLUSH_RANGES */
	PT_MODE_ERROR = 1,	/* bpf_iodirty_error(PT_ERROR_CODE, PT_ERROR_MSG) */
	PT_MODE_BAD_RETURN = 2,	/* return PT_BAD_VERDICT */
	PT_MODE_SPIN = 3,	/* unused: bpf_loop is refused; see policy_maximal */
	PT_MODE_DEFER = 4,	/* answer IODIRTY_FLUSH_DEFER (floor test) */
};

#define PT_ERROR_CODE	-4242
#define PT_ERROR_MSG	"policy_members: error requested by the test"
#define PT_BAD_VERDICT	7

/* policy_maximal: iterations of its bounded loop (~0.9M verified insns) */
#define PT_MAXIMAL_ITERS	110000

/* policy_race */
#define PT_RACE_A_CODE	-77
#define PT_RACE_A_MSG	"race_a: error requested by the test"
#define PT_FLOOD_MAX	1000
#define PT_FLOOD_MSG	"race_c: flood"

/* ring-buffer record of policy_members.export */
struct pt_run_rec {
	unsigned long long hwpt_id;
	unsigned long long scan_seq;
	unsigned long long iova;
	unsigned long long length;
	unsigned long long page_size;
	unsigned int end_of_scan;
	unsigned int seq;	/* export call number, from 1 */
};

/* policy_bench: ring-buffer chunk record (iodirty_bitmap_chunk + bits) */
#define PB_CHUNK_BITS_BYTES	256	/* 2048 pages per record */
#define PB_CHUNK_SIZE		(32 + PB_CHUNK_BITS_BYTES)	/* header is 32 bytes */

/*
 * Exit info as a policy records it (same fields as the kernel's struct
 * iodirty_exit_info, in a type the loaders can see in the skeleton).
 */
struct pt_exit {
	unsigned int kind;
	unsigned int reason;
	long long code;
	char msg[128];
};

/* filled by IODIRTY_EXIT_RECORD() (bpf/iodirty.bpf.h) */

#endif /* __IODIRTY_POLICY_TEST_H */
