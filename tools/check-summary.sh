#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# tools/check-summary.sh LOG... - count TAP results of the check suites and
# check them against the plans the suites declared.
#
# Each suite log holds TAP lines ("ok N name", "not ok N name", "ok N name
# # SKIP why") and ends with "exit=STATUS" (appended by make check).  A log
# may hold several sub-suites (the VM log holds test_progs, the UAPI
# kselftests, the upstream kselftest and the ioctl fuzzer; host-check one
# per test binary).  Each sub-suite declares its plan with a TAP plan line
# "1..N" BEFORE its results (what the kselftest harness prints); an
# optional "# suite: NAME" line just before names it (else LOG[k]).  A
# suite may also declare the sub-suites it is going to run with
# "# suites: NAME...".
#
# One failure is counted (and the suite, plan and numbers are printed)
# for each of:
#   - a suite that exited non-zero without reporting a failing test line
#     (a crash or a build error is never silent);
#   - a log with no plan at all, or results before the first plan;
#   - a sub-suite whose results are not exactly 1..N in order (lines
#     missing, extra, repeated or out of sequence);
#   - a sub-suite named in "# suites:" that never declared a plan.
# Prints "N passed, M failed" as the very last line (skips on the line
# before it) and exits 1 if anything failed or nothing ran at all.
set -u
pass=0 fail=0 skip=0

# One output line per sub-suite:
#   S <name> <plan or -1> <results> <pass> <fail> <skip> <bad-seq>
# and one per declared-but-absent sub-suite:  M <name>
parse() {
	awk -v base="$1" '
	function flush() {
		if (cur == "")
			return
		printf "S %s %d %d %d %d %d %d\n", cur, plan, nres, np, nf, ns, badseq
	}
	function start(name, n) {
		flush()
		cur = name; plan = n; nres = np = nf = ns = badseq = 0
	}
	BEGIN { cur = ""; k = 0; pending = ""; ndecl = 0 }
	/^# suites:/ {
		for (i = 3; i <= NF; i++) decl[++ndecl] = $i
		next
	}
	/^# suite: / { pending = $3; next }
	/^1\.\.[0-9]+([ \t]|$)/ {
		k++
		name = pending != "" ? base "/" pending : base "[" k "]"
		start(name, substr($1, 4) + 0)
		seen[pending] = 1
		pending = ""
		next
	}
	/^(not )?ok [0-9]+([ \t]|$)/ {
		if (cur == "")
			start(base "[unplanned]", -1)
		isnot = ($1 == "not")
		num = isnot ? $3 : $2
		nres++
		if (num + 0 != nres)
			badseq++
		if (isnot)
			nf++
		else if ($0 ~ /# SKIP/)
			ns++
		else
			np++
	}
	END {
		flush()
		for (i = 1; i <= ndecl; i++)
			if (!(decl[i] in seen))
				printf "M %s/%s\n", base, decl[i]
	}' "$2"
}

for log in "$@"; do
	suite=$(basename "$log" .log)
	p=0 f=0 s=0 problems=0 planned=0 unplanned=0
	rc=$(sed -n 's/^exit=//p' "$log" | tail -n1)
	while read -r kind name plan nres np nf ns badseq; do
		if [ "$kind" = M ]; then
			echo "$name: declared in '# suites:' but no plan or results (see $log)"
			problems=$((problems + 1))
			continue
		fi
		p=$((p + np)) f=$((f + nf)) s=$((s + ns))
		if [ "$plan" -lt 0 ]; then
			echo "$name: $nres results before any plan line (1..N) (see $log)"
			problems=$((problems + 1)) unplanned=1
			continue
		fi
		planned=$((planned + 1))
		if [ "$nres" != "$plan" ]; then
			if [ "$nres" -lt "$plan" ]; then
				d="$((plan - nres)) missing"
			else
				d="$((nres - plan)) extra"
			fi
			echo "$name: plan 1..$plan but $nres results ($d) (see $log)"
			problems=$((problems + 1))
		elif [ "$badseq" != 0 ]; then
			echo "$name: plan 1..$plan but $badseq results out of sequence (see $log)"
			problems=$((problems + 1))
		fi
	done < <(parse "$suite" "$log")
	if [ "$planned" = 0 ] && [ "$unplanned" = 0 ]; then
		echo "$suite: no plan (no '1..N' line) (see $log)"
		problems=$((problems + 1))
	fi
	if [ "${rc:-1}" != 0 ] && [ "$f" = 0 ]; then
		echo "$suite: exited ${rc:-?} without a failing test line (see $log)"
		f=1
	fi
	f=$((f + problems))
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
