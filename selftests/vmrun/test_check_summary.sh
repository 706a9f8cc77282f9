#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# Tests of tools/check-summary.sh: it is fed small suite logs and must
# count passes and failures, and count a failure (naming the suite and
# the numbers) whenever results do not match the declared plan.
#
#   selftests/vmrun/test_check_summary.sh
#   CHECK_SUMMARY=/path/to/other/check-summary.sh selftests/vmrun/...
#
# The second form runs the same cases against another version of the
# script (e.g. "git show HEAD~1:tools/check-summary.sh > /tmp/old.sh"):
# the plan cases must fail on a script that does not check plans.
# Prints "# suite: check_summary", its plan and one TAP line per case.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cs=${CHECK_SUMMARY:-$top/tools/check-summary.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cases=(good fuzz_style skip_plan not_ok_counted exit_without_line
	missing_line extra_line no_plan results_before_plan
	sub_suite_missing_line declared_sub_suite_absent duplicate_number
	renumbered_restart)
echo "# suite: check_summary"
echo "1..${#cases[@]}"

n=0 failed=0
out="" st=0
# run LOG...: run the script on the logs in $tmp/<case>/
run() {
	out=$("$cs" "$@" 2>&1)
	st=$?
}
# check NAME COND-STATUS: one TAP line, the script's output on failure
check() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n check_summary.$1"
	else
		echo "not ok $n check_summary.$1"
		echo "# status $st, output:"
		printf '%s\n' "$out" | sed 's/^/#   /'
		failed=1
	fi
}
last() { printf '%s\n' "$out" | tail -n1; }
has() { printf '%s\n' "$out" | grep -qF -- "$1"; }
# mk CASE SUITE: stdin becomes $tmp/CASE/SUITE.log
mk() {
	mkdir -p "$tmp/$1"
	cat > "$tmp/$1/$2.log"
}

# A well-formed host log and a VM log with two named sub-suites.
mk good host <<'EOF'
# suites: a b
# suite: a
1..2
ok 1 a.one
ok 2 a.two
# suite: b
1..1
ok 1 b.one
exit=0
EOF
mk good vm <<'EOF'
[    1.0] kernel noise
TAP version 13
1..2
# Starting 2 tests
ok 1 x.one
ok 2 x.two # SKIP not here
# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:1 error:0
exit=0
EOF
run "$tmp/good/host.log" "$tmp/good/vm.log"
check good "$([ $st = 0 ] && [ "$(last)" = "4 passed, 0 failed" ]; echo $?)"

mk fuzz_style fuzz <<'EOF'
1..1
ok 1 fuzz.pt_ops
# fuzz: stat::number_of_executed_units: 361
exit=0
EOF
run "$tmp/fuzz_style/fuzz.log"
check fuzz_style "$([ $st = 0 ] && [ "$(last)" = "1 passed, 0 failed" ]; echo $?)"

# "1..0 # SKIP why" is a valid empty plan
mk skip_plan s <<'EOF'
1..0 # SKIP no hardware
# suite: t
1..1
ok 1 t.one
exit=0
EOF
run "$tmp/skip_plan/s.log"
check skip_plan "$([ $st = 0 ] && [ "$(last)" = "1 passed, 0 failed" ]; echo $?)"

mk not_ok_counted s <<'EOF'
1..3
ok 1 a
not ok 2 b
ok 3 c
exit=1
EOF
run "$tmp/not_ok_counted/s.log"
check not_ok_counted "$([ $st = 1 ] && [ "$(last)" = "2 passed, 1 failed" ]; echo $?)"

mk exit_without_line s <<'EOF'
1..1
ok 1 a
exit=2
EOF
run "$tmp/exit_without_line/s.log"
check exit_without_line "$([ $st = 1 ] && [ "$(last)" = "1 passed, 1 failed" ] &&
	has "exited 2"; echo $?)"

# The plan cases: each exits 0 with every printed line "ok".
mk missing_line host <<'EOF'
1..3
ok 1 a
ok 2 b
exit=0
EOF
run "$tmp/missing_line/host.log"
check missing_line "$([ $st = 1 ] && [ "$(last)" = "2 passed, 1 failed" ] &&
	has "host[1]: plan 1..3 but 2 results (1 missing)"; echo $?)"

mk extra_line host <<'EOF'
1..1
ok 1 a
ok 2 b
exit=0
EOF
run "$tmp/extra_line/host.log"
check extra_line "$([ $st = 1 ] && [ "$(last)" = "2 passed, 1 failed" ] &&
	has "plan 1..1 but 2 results (1 extra)"; echo $?)"

mk no_plan empty <<'EOF'
# nothing ran
exit=0
EOF
mk no_plan other <<'EOF'
1..1
ok 1 a
exit=0
EOF
run "$tmp/no_plan/empty.log" "$tmp/no_plan/other.log"
check no_plan "$([ $st = 1 ] && [ "$(last)" = "1 passed, 1 failed" ] &&
	has "empty: no plan"; echo $?)"

mk results_before_plan s <<'EOF'
ok 1 early
1..1
ok 1 a
exit=0
EOF
run "$tmp/results_before_plan/s.log"
check results_before_plan "$([ $st = 1 ] && [ "$(last)" = "2 passed, 1 failed" ] &&
	has "1 results before any plan"; echo $?)"

# Inside one log: the second sub-suite lost a line, the total still
# looks plausible.
mk sub_suite_missing_line vm-check <<'EOF'
# suites: test_progs iodirty_uapi_test
# suite: test_progs
1..2
ok 1 t/a
ok 2 t/b
# suite: iodirty_uapi_test
TAP version 13
1..3
ok 1 u.a
ok 2 u.b
exit=0
EOF
run "$tmp/sub_suite_missing_line/vm-check.log"
check sub_suite_missing_line "$([ $st = 1 ] && [ "$(last)" = "4 passed, 1 failed" ] &&
	has "vm-check/iodirty_uapi_test: plan 1..3 but 2 results"; echo $?)"

mk declared_sub_suite_absent vm-check <<'EOF'
# suites: test_progs ioctl_fuzz
# suite: test_progs
1..1
ok 1 t/a
exit=0
EOF
run "$tmp/declared_sub_suite_absent/vm-check.log"
check declared_sub_suite_absent "$([ $st = 1 ] && [ "$(last)" = "1 passed, 1 failed" ] &&
	has "vm-check/ioctl_fuzz: declared"; echo $?)"

mk duplicate_number s <<'EOF'
1..3
ok 1 a
ok 1 a
ok 3 c
exit=0
EOF
run "$tmp/duplicate_number/s.log"
check duplicate_number "$([ $st = 1 ] && [ "$(last)" = "3 passed, 1 failed" ] &&
	has "out of sequence"; echo $?)"

# Numbering restarts in each sub-suite; a sub-suite without its own plan
# line continues the previous one and is caught.
mk renumbered_restart s <<'EOF'
1..2
ok 1 a
ok 2 b
ok 1 c
ok 2 d
exit=0
EOF
run "$tmp/renumbered_restart/s.log"
check renumbered_restart "$([ $st = 1 ] && [ "$(last)" = "4 passed, 1 failed" ] &&
	has "plan 1..2 but 4 results"; echo $?)"

[ "$n" = "${#cases[@]}" ] || { echo "# ran $n cases, planned ${#cases[@]}"; failed=1; }
exit $failed
