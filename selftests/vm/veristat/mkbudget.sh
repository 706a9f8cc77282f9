#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# mkbudget.sh < guest-output > budget.csv
# Turns the VERISTAT,<file>,<prog>,<verdict>,<insns>,<states> lines that
# veristat-run.sh prints in the guest into budget.csv (file,prog,insns,
# states, sorted).  Fails if a program did not verify or none was measured.
tr -d '\r' | grep '^VERISTAT,' | cut -d, -f2- | awk -F, '
	$3 != "success" { print "veristat: " $1 "/" $2 " failed to verify" > "/dev/stderr"; bad = 1; next }
	{ print $1 "," $2 "," $4 "," $5; n++ }
	END { if (!n) print "veristat: no programs measured" > "/dev/stderr"; exit bad || !n }' |
	LC_ALL=C sort > "${TMPDIR:-/tmp}/mkbudget.$$" || { rm -f "${TMPDIR:-/tmp}/mkbudget.$$"; exit 1; }
[ -s "${TMPDIR:-/tmp}/mkbudget.$$" ] || { rm -f "${TMPDIR:-/tmp}/mkbudget.$$"; exit 1; }
echo "file,prog,insns,states"
cat "${TMPDIR:-/tmp}/mkbudget.$$"
rm -f "${TMPDIR:-/tmp}/mkbudget.$$"
