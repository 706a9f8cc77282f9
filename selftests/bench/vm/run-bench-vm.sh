#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# run-bench-vm.sh [OUT.json]: boot the test VM, run vm_policy_bench, print
# its table and write the JSON it emits to OUT.json (default
# build/bench-vm.json).  Numbers come from a TCG guest: compare ratios.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-$top/build/bench-vm.json}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
"$top/tools/vm/run" --no-build --mem 2G --hugepages 160 -- \
	/opt/iodirty/vm_policy_bench > "$log" 2>&1 || rc=$?
sed -n '/^# vm_policy_bench/,/^BENCHVM-JSON-BEGIN/p' "$log" | grep -v '^BENCHVM-JSON-BEGIN\|^\[ *[0-9]'
sed -n '/^BENCHVM-JSON-BEGIN/,/^BENCHVM-JSON-END/p' "$log" | sed '1d;$d' > "$out.tmp"
if [ -s "$out.tmp" ]; then
	mv "$out.tmp" "$out"
	echo "bench-vm: wrote $out"
else
	rm -f "$out.tmp"
	echo "bench-vm: no result (status $rc); guest output:" >&2
	tail -30 "$log" >&2
	exit 1
fi
exit $rc
