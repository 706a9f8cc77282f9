#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# selftests/install/test_readme.sh README.md - run the README's tested blocks (TAP).
#
# A fenced block right after one of these HTML comments is tested:
#   <!-- readme-test: file PATH -->       the block must equal the file PATH
#   <!-- readme-test: run EXPECT -->      the sh block runs in the repository
#                                         top with bash -euo pipefail, must
#                                         exit 0 and print EXPECT (a fixed
#                                         string) somewhere in its output
# The blocks run as written, except that "build" (the default build
# directory) is replaced by $BUILD, so a test run never touches build/.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
readme=${1:-$top/README.md}
BUILD=${BUILD:-$top/build}
export BUILD DEPS=${DEPS:-$top/deps}
T=$(mktemp -d "$BUILD/readme-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

# split into $T/N.{kind,arg,body}
awk -v dir="$T" '
	/^<!-- readme-test: (file|run)( .*)? -->$/ {
		line = $0
		sub(/^<!-- readme-test: /, "", line); sub(/ -->$/, "", line)
		kind = line; sub(/ .*/, "", kind)
		arg = line; if (arg == kind) arg = ""; else sub(/^[a-z]+ /, "", arg)
		n++; pending = 1
		print kind > (dir "/" n ".kind"); print arg > (dir "/" n ".arg")
		printf "" > (dir "/" n ".body")
		next
	}
	pending && /^```/ { pending = 0; inb = 1; next }
	inb && /^```$/ { inb = 0; next }
	inb { print >> (dir "/" n ".body") }
	END { print n + 0 > (dir "/count") }' "$readme"
count=$(cat "$T/count")

echo "# suite: readme"
echo "1..$((count + 1))"
fails=0
res() {
	if [ "$1" = 0 ]; then echo "ok $2 $3"; else
		echo "not ok $2 $3"; fails=$((fails + 1))
		[ -z "${4:-}" ] || sed 's/^/#   /' "$4" | tail -n 20
	fi
}
[ "$count" -ge 2 ] && r=0 || r=1
res $r 1 "$readme has tested blocks ($count)"
for i in $(seq 1 "$count"); do
	kind=$(cat "$T/$i.kind") arg=$(cat "$T/$i.arg")
	case "$kind" in
	file)
		diff "$top/$arg" "$T/$i.body" > "$T/$i.out" 2>&1 && r=0 || r=1
		res $r $((i + 1)) "README block $i is exactly $arg" "$T/$i.out"
		;;
	run)
		sed -E "s#(^|[ =I'\"])build(/| |\$)#\\1$BUILD\\2#g" "$T/$i.body" > "$T/$i.sh"
		st=0
		(cd "$top" && bash -euo pipefail "$T/$i.sh") > "$T/$i.out" 2>&1 || st=$?
		[ $st = 0 ] && grep -qF -- "$arg" "$T/$i.out" && r=0 || r=1
		res $r $((i + 1)) "README block $i runs as written (exit $st) and prints '$arg'" "$T/$i.out"
		;;
	esac
done
exit $((fails > 0))
