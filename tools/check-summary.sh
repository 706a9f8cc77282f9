#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# tools/check-summary.sh LOG... - count TAP results of the check suites.
#
# Each suite log holds TAP lines ("ok N name", "not ok N name", "ok N name
# # SKIP why") and ends with "exit=STATUS" (appended by make check).  A
# suite that exited non-zero without reporting a failing test line counts
# as one failure of its own, so a crash or a build error is never silent.
# Prints "N passed, M failed" as the very last line (skips on the line
# before it) and exits 1 if anything failed or nothing ran at all.
set -u
pass=0 fail=0 skip=0
for log in "$@"; do
	suite=$(basename "$log" .log)
	p=$(grep -cE '^ok [0-9]+ ' "$log" | head -n1)
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log" | head -n1)
	f=$(grep -cE '^not ok [0-9]+ ' "$log" | head -n1)
	rc=$(sed -n 's/^exit=//p' "$log" | tail -n1)
	p=$((p - s))
	if [ "${rc:-1}" != 0 ] && [ "$f" = 0 ]; then
		echo "$suite: exited ${rc:-?} without a failing test line (see $log)"
		f=1
	fi
	echo "$suite: $p passed, $f failed, $s skipped"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
if [ $((pass + fail)) = 0 ]; then
	echo "no test ran"
	fail=1
fi
[ "$skip" = 0 ] || echo "$skip skipped (reported as ok ... # SKIP, not counted)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
