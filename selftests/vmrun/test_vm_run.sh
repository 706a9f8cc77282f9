#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# Tests of tools/vm/run itself: exit status pass-through, splat detection
# and the hang timeout.  The guests boot in parallel to keep this short.
# Prints its plan and one TAP line per case, then runs the tests of
# tools/check-summary.sh (test_check_summary.sh, a sub-suite of its own).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
run="$top/tools/vm/run --no-build --mem 256M"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$run -- true >"$tmp/true.out" 2>&1 & p1=$!
$run -- false >"$tmp/false.out" 2>&1 & p2=$!
$run -- sh -c 'exit 7' >"$tmp/seven.out" 2>&1 & p3=$!
$run -- sh -c 'echo 1 > /sys/kernel/debug/iodirty/selftest_warn' >"$tmp/warn.out" 2>&1 & p4=$!
$run --timeout 12 -- sleep 1000 >"$tmp/hang.out" 2>&1 & p5=$!
$run --share "$top/selftests/vmrun" -- sh -c 'test -f /mnt/share/test_vm_run.sh && ! touch /mnt/share/x' \
	>"$tmp/share.out" 2>&1 & p6=$!
# the demo's stdout: only its own lines (no firmware escapes, no kernel log)
# (run as make demo runs it: iodirty-top records into the --out directory)
$run --mem 1G --out "$tmp/demo-out" -- /opt/iodirty/demo >"$tmp/demo.out" 2>"$tmp/demo.err" & p7=$!
$run --share "$top/selftests/vmrun" -- sh -c '! dmesg | grep "Invalid ELF header"' \
	>"$tmp/noise.out" 2>&1 & p8=$!
wait $p1; r_true=$?
wait $p2; r_false=$?
wait $p3; r_seven=$?
wait $p4; r_warn=$?
wait $p5; r_hang=$?
wait $p6; r_share=$?
wait $p7; r_demo=$?
wait $p8; r_noise=$?
# a second batch: eight guests at once are what two cores take without
# starving one into a stall warning
# iodirty-top on the guest's serial stdout (a tty, TERM=dumb): no screen
# clearing; with TERM=xterm it clears, so the check can see escapes
$run -- sh -c 'iodirty-top 1 1; echo TERM-XTERM; TERM=xterm iodirty-top 1 1' \
	>"$tmp/top.out" 2>&1 & p9=$!
# --net: the migration destination runs here on the host, the source in
# the guest reaches it at 10.0.2.2 (QEMU user network -> host loopback)
port=$((20000 + $$ % 20000))
"${BUILD:-$top/build}/tools/iodirty-migrate" --listen $port --verify --timeout 900 \
	>"$tmp/hostdst.out" 2>&1 & pd=$!
$run --net --mem 1G -- iodirty-migrate --to 10.0.2.2:$port --mem 8M --seed 7 \
	>"$tmp/netsrc.out" 2>&1 & p10=$!
wait $p9; r_top=$?
wait $p10; r_netsrc=$?
kill $pd 2>/dev/null; wait $pd; r_hostdst=$?

echo "# suites: vm_run check_summary"
echo "# suite: vm_run"
echo "1..11"
n=0 failed=0
tap() {	# tap NAME CONDITION-STATUS DETAIL
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n vm_run.$1"
	else
		echo "not ok $n vm_run.$1"
		echo "# $3"
		failed=1
	fi
}
tap true_exits_0 $([ $r_true = 0 ]; echo $?) "status $r_true"
tap false_exits_nonzero $([ $r_false = 1 ]; echo $?) "status $r_false"
tap status_passed_through $([ $r_seven = 7 ]; echo $?) "status $r_seven"
grep -q 'kernel splat' "$tmp/warn.out"; w=$?
tap warn_fails_run $([ $r_warn != 0 ] && [ $w = 0 ]; echo $?) "status $r_warn, message found: $w"
grep -q 'timed out after 12s' "$tmp/hang.out"; h=$?
tap hang_times_out $([ $r_hang = 124 ] && [ $h = 0 ]; echo $?) "status $r_hang, message found: $h"
tap share_mounted_readonly $([ $r_share = 0 ]; echo $?) "status $r_share"
esc=$(grep -c $'\x1b' "$tmp/demo.out"); klog=$(grep -cE '^\[ *[0-9]+\.[0-9]+\]' "$tmp/demo.out")
grep -q '^PASS: missed = 0' "$tmp/demo.out"; d=$?
tap demo_stdout_clean $([ $r_demo = 0 ] && [ $d = 0 ] && [ "$esc" = 0 ] && [ "$klog" = 0 ]; echo $?) \
	"status $r_demo, PASS line found: $d, lines with escapes: $esc, kernel-log lines: $klog"
tap no_loader_noise $([ $r_noise = 0 ]; echo $?) \
	"status $r_noise: the guest's kernel log has 'Invalid ELF header' after loading the 9p modules"
# make demo's heatmap: the recording renders to a PNG (a real one: header
# bytes), and the recording holds dirty runs
hm="${BUILD:-$top/build}/tools/iodirty-heatmap"
"$hm" -o "$tmp/demo-out/heatmap.png" "$tmp/demo-out/demo.rec" >"$tmp/heatmap.out" 2>&1; r_hm=$?
png=$(head -c 8 "$tmp/demo-out/heatmap.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
"$hm" --raw --resol 4x4 "$tmp/demo-out/demo.rec" >"$tmp/heatmap-raw.out" 2>&1
cells=$(awk '$3 > 0' "$tmp/heatmap-raw.out" | wc -l)
tap demo_records_heatmap $([ $r_hm = 0 ] && [ "$png" = 89504e470d0a1a0a ] && [ "$cells" -gt 0 ]; \
	echo $?) "heatmap status $r_hm, PNG signature '$png', non-empty raw cells $cells"
grep -q '^mismatched 0' "$tmp/hostdst.out"; m=$?
tap migrate_to_host_destination $([ $r_netsrc = 0 ] && [ $r_hostdst = 0 ] && [ $m = 0 ]; echo $?) \
	"guest source status $r_netsrc, host destination status $r_hostdst, 'mismatched 0' found: $m"
esc_dumb=$(sed '/^TERM-XTERM/,$d' "$tmp/top.out" | grep -c $'\x1b')
esc_xterm=$(sed '1,/^TERM-XTERM/d' "$tmp/top.out" | grep -c $'\x1b')
tap top_no_clear_on_dumb_tty $([ $r_top = 0 ] && [ "$esc_dumb" = 0 ] && [ "$esc_xterm" != 0 ]; \
	echo $?) "status $r_top, lines with escapes: TERM=dumb $esc_dumb (want 0), TERM=xterm $esc_xterm (want > 0)"
if [ $failed != 0 ]; then
	for f in "$tmp"/*.out; do echo "# --- $f"; sed 's/^/# /' "$f" | tail -n 15; done
fi
"$top/selftests/vmrun/test_check_summary.sh" || failed=1
exit $failed
