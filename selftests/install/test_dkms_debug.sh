#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# selftests/install/test_dkms_debug.sh - DKMS against the 7.x tree (TAP).
#
# The same DKMS source tree test_install.sh builds for Debian's 6.12
# headers, built by Debian's dkms for the cached 7.x debug kernel
# (make debug-kernel; DEBUG_KDIR in deps/debug-stamp), in private
# --sourcetree/--dkmstree/--installtree directories so nothing system-wide
# is touched: add, build, .BTF, vermagic of that kernel, modinfo equal to
# `make KDIR=<7.x> module`'s, install, and the result loaded in the debug
# kernel's guest (rmmod the image's module, insmod the DKMS one, attach a
# policy), remove.  Part of make check-debug.
# Environment: BUILD (the debug build directory), DEPS (exported by make).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build/debug}
DEPS=${DEPS:-$top/deps}
. "$DEPS/debug-stamp"
T=$(mktemp -d "$BUILD/dkms-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
krel=$DEBUG_KREL
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms/dkms.conf")

n=0
echo "# suite: dkms-debug"
echo "1..6"
ok() {	# ok STATUS NAME [detail file]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		[ -z "${3:-}" ] || sed 's/^/#   /' "$3" | tail -n 15
	fi
}
run() { "$@" >"$T/out" 2>&1; }	# status of CMD, output in $T/out

S=$T/root/usr/src D=$T/dkms I=$T/modules
mkdir -p "$D" "$I/$krel"
O=(--sourcetree "$S" --dkmstree "$D" --installtree "$I")
st=0
run make -s -C "$top" BUILD="$BUILD" DEPS="$DEPS" dkms-source DESTDIR="$T/root" \
	DKMS_SRCDIR=/usr/src || st=$?
[ $st = 0 ] && run dkms add -m iodirty -v "$ver" "${O[@]}" || st=$?
[ $st = 0 ] && run dkms build -m iodirty -v "$ver" -k "$krel" \
	--kernelsourcedir "$DEBUG_KDIR" "${O[@]}" || st=$?
ok $st "dkms add + build -k $krel --kernelsourcedir <the 7.x debug kernel tree>" "$T/out"

ko=$D/iodirty/$ver/$krel/x86_64/module/iodirty.ko
readelf -S -W "$ko" 2>/dev/null | grep -q ' \.BTF ' && r=0 || r=1
ok $r "the DKMS-built iodirty.ko has a .BTF section"

{ modinfo "$ko" | grep -v '^filename:' > "$T/mi.dkms"; } 2>/dev/null || true
modinfo "$BUILD/kmod/iodirty.ko" | grep -v '^filename:' > "$T/mi.make"
diff "$T/mi.make" "$T/mi.dkms" > "$T/diff" 2>&1 && [ -s "$T/mi.make" ] &&
	grep -q "^vermagic: *$krel " "$T/mi.dkms" && r=0 || r=1
ok $r "modinfo (vermagic $krel) equals make KDIR=<7.x> module's" "$T/diff"

st=0
run dkms install -m iodirty -v "$ver" -k "$krel" --kernelsourcedir "$DEBUG_KDIR" \
	--no-depmod "${O[@]}" || st=$?
[ $st = 0 ] && ls "$I/$krel/updates/dkms/"iodirty.ko* >/dev/null 2>&1 && r=0 || r=1
ok $r "dkms install puts iodirty.ko in <installtree>/$krel/updates/dkms" "$T/out"

# its own BUILD for the VM (the image is shared): the guest suite of
# check-debug runs beside this one and its serial log is checked after
mkdir -p "$T/share" "$T/vm"
ln -s "$BUILD/vm/initramfs.cpio" "$T/vm/initramfs.cpio"
cp "$ko" "$T/share/iodirty.ko" 2>/dev/null || true
st=0
run env BUILD="$T" DEPS="$DEPS" IODIRTY_VM_KERNEL="$DEBUG_VMLINUZ" \
	"$top/tools/vm/run" --no-build --share "$T/share" -- sh -c '
	set -e
	rmmod iodirty
	insmod /mnt/share/iodirty.ko lab=1
	test -e /sys/kernel/btf/iodirty || { echo "no /sys/kernel/btf/iodirty"; exit 1; }
	echo "release $(uname -r)"
	echo "srcversion $(cat /sys/module/iodirty/srcversion)"
	IODIRTY_POLICY_PATH=/opt/iodirty iodirtyctl attach export
	iodirtyctl status
	iodirtyctl detach
	echo DKMS-MODULE-OK' || st=$?
[ $st = 0 ] && grep -q '^DKMS-MODULE-OK' "$T/out" && grep -q "^release $krel\$" "$T/out" &&
	grep -q "^srcversion $(modinfo -F srcversion "$ko")\$" "$T/out" && r=0 || r=1
ok $r "debug-kernel VM: insmod the DKMS module, BTF present, attach/status/detach a policy (vm status $st)" "$T/out"

st=0
run dkms remove -m iodirty -v "$ver" --all --no-depmod "${O[@]}" || st=$?
[ $st = 0 ] && [ -z "$(find "$I" -name 'iodirty*')" ] && [ ! -e "$D/iodirty" ] && r=0 || r=1
ok $r "dkms remove --all leaves no iodirty in the install and DKMS trees" "$T/out"
