#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# run-bench-migrate.sh [OUT.json]: the migration case of `make bench`.
# Boots the test VM and migrates the same DMA-written memory over loopback
# with iodirty-migrate (QEMU's pre-copy rules, byte-checked destination),
# once per policy (the built-in default, defer_hot) and per workload (zipf,
# NIC ring), same seed each; prints bytes sent, rounds and downtime per
# policy and writes the result records to OUT.json (default
# build/bench-migrate.json).  Figures from a TCG guest, not a test: the
# migrate test (test_progs -t migrate) asserts behaviour.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-$top/build/bench-migrate.json}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
REPS=${BENCH_MIGRATE_REPS:-3}
"$top/tools/vm/run" --no-build --mem 2G --timeout 1500 -- sh -c '
	ip link set lo up
	port=4500
	for rep in $(seq 1 '"$REPS"'); do
		# alternate which policy goes first: the guest warms up as it runs
		order=default,defer_hot
		[ $((rep % 2)) = 0 ] && order=defer_hot,default
		for pat in zipf nic; do
			port=$((port + 1))
			iodirty-migrate --listen $port --verify > /tmp/dst.log 2>&1 &
			dst=$!
			sleep 1
			echo "BENCH-CASE $pat $rep"
			iodirty-migrate --to 127.0.0.1:$port --pattern $pat --seed 7 \
				--policy $order --json ||
				echo "BENCH-FAILED $pat source $?"
			wait $dst || echo "BENCH-FAILED $pat destination $?"
		done
	done' > "$log" 2>&1 || rc=$?

# result records, each tagged with its workload and repetition
awk '/^BENCH-CASE / { pat = $2; rep = $3; next }
	/^\{"type":"result"/ {
		sub(/^\{/, "{\"pattern\":\"" pat "\",\"rep\":" rep ",")
		print
	}' "$log" > "$out.tmp"
if grep -q '^BENCH-FAILED' "$log" || [ "$rc" != 0 ] ||
   [ "$(wc -l < "$out.tmp")" != $((4 * REPS)) ]; then
	rm -f "$out.tmp"
	echo "bench-migrate: failed (status $rc); guest output:" >&2
	tail -30 "$log" >&2
	exit 1
fi
{ echo '{"reps":'"$REPS"',"cases":['; sed '$!s/$/,/' "$out.tmp"; echo ']}'; } > "$out"

echo "# bench-migrate: 32 MiB, 1 AMD device at 20000 writes/s, bitmap sync, 128 MiB/s,"
echo "# downtime limit 300 ms; median [min..max] of $REPS runs per case, policy order"
echo "# alternating (TCG guest: the DMA rate is wall-clock, the harvests are not)"
awk -v reps="$REPS" '
function f(k,   m) {
	if (!match($0, "\"" k "\":[^,}]*"))
		return ""
	m = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
	gsub(/"/, "", m)
	return m
}
function med(key, what,   n, i, j, t, v) {
	n = cnt[key]
	for (i = 1; i <= n; i++)
		v[i] = val[key, what, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	lo = v[1]; hi = v[n]
	return v[int((n + 1) / 2)]
}
{
	key = f("pattern") " " f("policy")
	if (!(key in cnt))
		order[++nkeys] = key
	n = ++cnt[key]
	val[key, "rounds", n] = f("rounds") + 0
	val[key, "mib", n] = f("total_bytes") / 1048576
	val[key, "down", n] = f("downtime") + 0
	val[key, "mism", n] = f("mismatched") + 0
	mism += f("mismatched")
}
END {
	printf "%-8s %-10s %7s %22s %24s\n", "workload", "policy", "rounds",
		"sent MiB", "downtime ms"
	for (k = 1; k <= nkeys; k++) {
		key = order[k]
		split(key, w, " ")
		r = med(key, "rounds")
		m = med(key, "mib"); mlo = lo; mhi = hi
		d = med(key, "down"); dlo = lo; dhi = hi
		printf "%-8s %-10s %7d %8.1f [%5.1f..%5.1f] %8.1f [%5.1f..%6.1f]\n",
			w[1], w[2], r, m, mlo, mhi, d, dlo, dhi
		sent[key] = m
	}
	for (k = 1; k <= nkeys; k++) {
		split(order[k], w, " ")
		if (w[2] == "defer_hot" && sent[w[1] " default"] > 0)
			printf "# %s: defer_hot sends %.2f of the default'"'"'s bytes (medians)\n",
				w[1], sent[order[k]] / sent[w[1] " default"]
	}
	printf "# mismatched pages at the destination, all runs: %d\n", mism
}' "$out.tmp"
rm -f "$out.tmp"
echo "bench-migrate: wrote $out"
