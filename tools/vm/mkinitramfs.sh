#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# tools/vm/mkinitramfs.sh OUT.cpio [BINARY...]
#
# Builds the test guest's initramfs: busybox-static, tools/vm/guest/* (init
# and helper scripts), iodirty.ko, the 9p modules for --share, and the given
# static binaries (installed in /opt/iodirty).  No rootfs is needed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1; shift
BUILD=${BUILD:-$top/build}
. "${DEPS:-$top/deps}/stamp"

root=$(mktemp -d "${out%/*}/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,opt/iodirty,lib/modules,etc,proc,sys,dev,tmp,mnt/share}
cp /bin/busybox "$root/bin/busybox"
cp "$top/tools/vm/guest/init" "$root/init"
for f in "$top"/tools/vm/guest/*; do
	[ "$(basename "$f")" = init ] || cp "$f" "$root/opt/iodirty/"
done
# IODIRTY_VM_MODULE: the same binaries with a module built for another
# kernel (make check-debug)
cp "${IODIRTY_VM_MODULE:-$BUILD/kmod/iodirty.ko}" "$root/lib/modules/iodirty.ko"
# decompressed here, so the guest's insmod loads them at once (busybox
# first hands the compressed file to the kernel, which logs "Invalid ELF
# header magic" before the fallback)
# (a kernel with 9p built in, like the debug kernel, has none to copy)
MODDIR=${IODIRTY_VM_MODDIR:-$MODDIR}
# (virtio-net for tools/vm/run --net, in load order)
for m in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p \
	net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
	[ -f "$MODDIR/kernel/$m.ko.xz" ] || continue
	xz -dc "$MODDIR/kernel/$m.ko.xz" > "$root/lib/modules/$(basename "$m").ko"
done
for b in "$@"; do
	cp -r "$b" "$root/opt/iodirty/"
done
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
