#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# tools/kernel/smoke-boot.sh - boot the cached debug kernel once and check
# that its debug machinery is alive.
#
#   tools/kernel/smoke-boot.sh [--timeout SECS] [--log FILE] [DEPS_DIR]
#
# Reads DEPS_DIR/debug-stamp (tools/kernel/build-debug-kernel.sh), builds a
# throw-away busybox initramfs of its own (nothing of build/ or
# tools/vm/guest is used), boots DEBUG_VMLINUZ under QEMU TCG with the
# project's settings (-accel tcg,thread=single -smp 2 -m 2G -cpu qemu64,
# console on ttyS0, isa-debug-exit) inside `timeout`, and checks the serial
# log for the KASAN, lockdep and kmemleak init lines and for /dev/iommu.
# Exit 0 when all are there.  The serial log is kept (default:
# DEBUG_ENTRY/smoke/serial-<time>.log, else /tmp).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() { printf 'debug-kernel: error: %s\n' "$*" >&2; exit 1; }

tmo=300 serial=""
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) [ $# -ge 2 ] || die "--timeout wants seconds"; tmo=$2; shift 2 ;;
	--log) [ $# -ge 2 ] || die "--log wants a file"; serial=$2; shift 2 ;;
	-h|--help) sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
DEPS=${1:-${DEPS:-$top/deps}}
[ -f "$DEPS/debug-stamp" ] || die "no $DEPS/debug-stamp: run 'make debug-kernel' first"
# shellcheck disable=SC1091
. "$DEPS/debug-stamp"
[ -f "$DEBUG_VMLINUZ" ] || die "no kernel image at $DEBUG_VMLINUZ"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	busybox=/bin/busybox
[ -x "$busybox" ] || die "busybox (busybox-static) missing: run 'make deps'"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run 'make deps'"

tmp=$(mktemp -d /tmp/iodirty-smoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp}
cp "$busybox" "$root/bin/busybox"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
echo "SMOKE: uname $(uname -r)"
echo "SMOKE: cmdline $(cat /proc/cmdline)"
if [ -c /dev/iommu ]; then echo "SMOKE: /dev/iommu present: $(ls -l /dev/iommu)"
else echo "SMOKE: /dev/iommu MISSING"; fi
[ -e /sys/kernel/btf/vmlinux ] && echo "SMOKE: /sys/kernel/btf/vmlinux present"
[ -e /sys/kernel/debug/kmemleak ] && echo "SMOKE: /sys/kernel/debug/kmemleak present"
[ -d /sys/kernel/debug/fail_page_alloc ] && echo "SMOKE: fail_page_alloc present"
[ -d /sys/kernel/debug/failslab ] && echo "SMOKE: failslab present"
[ -e /proc/self/fail-nth ] && echo "SMOKE: /proc/self/fail-nth present"
echo "SMOKE: nproc $(nproc), uptime $(cut -d' ' -f1 /proc/uptime)s"
echo "SMOKE-DONE"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$tmp/initramfs.cpio"

if [ -z "$serial" ]; then
	d=${DEBUG_ENTRY:-/tmp}/smoke
	mkdir -p "$d" 2>/dev/null && [ -w "$d" ] || d=/tmp
	serial=$d/serial-$(date +%Y%m%d-%H%M%S).log
fi
log "booting $DEBUG_VMLINUZ (timeout ${tmo}s; serial log $serial)"
t0=$(date +%s.%N)
set +e
timeout --kill-after=5 "$tmo" qemu-system-x86_64 -accel tcg,thread=single -cpu qemu64 \
	-m 2G -smp 2 -nographic -no-reboot -nodefaults -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$DEBUG_VMLINUZ" -initrd "$tmp/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 oops=panic" </dev/null 2>&1 | tr -d '\r' >"$serial"
qrc=${PIPESTATUS[0]}
set -e
secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
[ "$qrc" != 124 ] && [ "$qrc" != 137 ] || die "guest timed out after ${tmo}s; serial log: $serial"

fail=0
for pat in 'KernelAddressSanitizer initialized' 'Lock dependency validator' \
	   'kmemleak: Kernel memory leak detector initialized' 'SMOKE: /dev/iommu present' \
	   'SMOKE-DONE'; do
	line=$(grep -a -m1 -- "$pat" "$serial" || true)
	if [ -n "$line" ]; then
		printf '  %s\n' "$line"
	else
		printf '  MISSING: %s\n' "$pat"
		fail=1
	fi
done
if grep -aqE 'BUG:|WARNING:|Oops|Kernel panic|KASAN:|UBSAN:|possible recursive locking|suspicious RCU usage' "$serial"; then
	log "the boot logged a splat:"
	grep -aE 'BUG:|WARNING:|Oops|Kernel panic|KASAN:|UBSAN:|possible recursive locking|suspicious RCU usage' "$serial" | head -n 5 >&2
	fail=1
fi
[ $fail = 0 ] || die "smoke boot failed after ${secs}s (qemu status $qrc); serial log: $serial"
log "smoke boot passed in ${secs}s wall ($DEBUG_KVER, $DEBUG_KREL); serial log: $serial"
