#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# tools/deps.sh - install everything iodirty needs to build and test.
#
#   tools/deps.sh [DEPS_DIR]          (make deps)
#
# 1. apt-installs the tool packages (clang-19, qemu, busybox-static, ...).
# 2. Picks the newest Debian 6.12.N+deb12 kernel for which the unsigned
#    image, both header packages, kbuild and linux-source-6.12 of the same
#    version all exist (or KVER=6.12.N pins one), downloads them with
#    `apt-get download` and extracts them into DEPS_DIR/kernel.  Nothing is
#    installed on the host kernel side: the VM boots the extracted image.
# 3. Builds static libbpf and bpftool from that linux-source tarball.
# 4. Records the versions in DEPS_DIR/stamp.  With the stamp present and
#    the packages installed, a rerun downloads nothing and returns at once.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
DEPS=${1:-${DEPS:-$top/deps}}
mkdir -p "$DEPS"
DEPS=$(cd "$DEPS" && pwd)
stamp=$DEPS/stamp
KVER_REQ=${KVER:-}

TOOL_PKGS="clang-19 llvm-19 lld-19 libclang-rt-19-dev pahole qemu-system-x86
busybox-static libelf-dev libzstd-dev zlib1g-dev libc6-dev gcc-12 make bc
cpio kmod flex bison xz-utils dkms libpng-dev libcap-dev"

log() { printf 'deps: %s\n' "$*" >&2; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

missing_pkgs() {
	local p st out=""
	for p in $TOOL_PKGS; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[ "$st" = "install ok installed" ] || out="$out $p"
	done
	echo "$out"
}

# ---- fast path -------------------------------------------------------
if [ -f "$stamp" ]; then
	# shellcheck disable=SC1090
	. "$stamp"
	if [ -z "${KVER_REQ:-}" ] || [ "${KVER_REQ:-}" = "$KVER" ]; then
		if [ -z "$(missing_pkgs)" ] && [ -x "$DEPS/bin/bpftool" ] &&
		   [ -f "$DEPS/libbpf/lib/libbpf.a" ] && [ -d "$KDIR" ]; then
			exit 0
		fi
	fi
fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

apt_updated=0
apt_update() {
	[ $apt_updated = 1 ] && return 0
	log "apt-get update"
	$SUDO apt-get update -q >/dev/null || die "apt-get update failed"
	apt_updated=1
}

# ---- 1. tool packages --------------------------------------------------
miss=$(missing_pkgs)
if [ -n "$miss" ]; then
	apt_update
	log "installing:$miss"
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $miss >/dev/null ||
		die "apt-get install failed for:$miss"
fi

# ---- 2. kernel packages ------------------------------------------------
pkgs_for() {	# $1 = 6.12.N -> the five package names
	echo "linux-image-$1+deb12-amd64-unsigned linux-headers-$1+deb12-amd64" \
	     "linux-headers-$1+deb12-common linux-kbuild-$1+deb12 linux-source-6.12"
}

debver_of() {	# $1 = package, $2 = 6.12.N -> Debian version or ""
	apt-cache madison "$1" 2>/dev/null | awk -v n="$2" -F' *[|] *' \
		'index($2, n "-") == 1 { print $2; exit }'
}

pick_kver() {
	local v n ok p
	for v in $(apt-cache madison linux-source-6.12 | awk -F' *[|] *' '{print $2}' |
		   sort -V -r -u); do
		n=${v%%-*}
		[ -n "${KVER_REQ:-}" ] && [ "$n" != "$KVER_REQ" ] && continue
		ok=1
		for p in $(pkgs_for "$n"); do
			[ "$(debver_of "$p" "$n")" = "$v" ] || { ok=0; break; }
		done
		if [ $ok = 1 ]; then
			echo "$n $v"
			return 0
		fi
	done
	return 1
}

apt_update
read -r KVER KDEBVER < <(pick_kver) ||
	die "no 6.12.N+deb12 with image, headers, kbuild and source all present${KVER_REQ:+ (asked for KVER=$KVER_REQ)}"
log "kernel $KVER ($KDEBVER)"

debs=$DEPS/debs/$KVER
mkdir -p "$debs"
for p in $(pkgs_for "$KVER"); do
	if ! ls "$debs/${p}_"*.deb >/dev/null 2>&1; then
		log "downloading $p=$KDEBVER"
		(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root \
			"$p=$KDEBVER" >/dev/null 2>&1) ||
			die "apt-get download $p=$KDEBVER failed"
	fi
done

kroot=$DEPS/kernel/$KVER
if [ ! -f "$kroot/.extracted" ]; then
	rm -rf "$kroot"
	mkdir -p "$kroot"
	for f in "$debs"/linux-image-*.deb "$debs"/linux-headers-*.deb \
		 "$debs"/linux-kbuild-*.deb; do
		log "extracting $(basename "$f")"
		dpkg-deb -x "$f" "$kroot"
	done
	touch "$kroot/.extracted"
fi
KDIR=$kroot/usr/src/linux-headers-$KVER+deb12-amd64
[ -d "$KDIR" ] || die "headers not found at $KDIR"
# The arch headers' Makefile includes the -common one by absolute path.
sed -i "s|^include /usr/src/|include $kroot/usr/src/|" "$KDIR/Makefile"
# kbuild's scripts/tools are reached through symlinks into /usr/lib.
for l in "$KDIR"/scripts "$KDIR"/tools "$kroot/usr/src/linux-headers-$KVER+deb12-common"/scripts \
	 "$kroot/usr/src/linux-headers-$KVER+deb12-common"/tools; do
	[ -L "$l" ] || continue
	t=$(readlink "$l")
	case "$t" in /*) ln -sfn "$kroot$t" "$l" ;; esac
done
VMLINUZ=$kroot/boot/vmlinuz-$KVER+deb12-amd64
MODDIR=$kroot/lib/modules/$KVER+deb12-amd64
[ -f "$VMLINUZ" ] || die "no kernel image at $VMLINUZ"
[ -f "$KDIR/vmlinux" ] || die "no BTF vmlinux in $KDIR (module BTF needs it)"

# ---- 3. linux-source subset, libbpf, bpftool -----------------------------
src=$DEPS/src/$KVER
if [ ! -f "$src/.extracted" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	tarball=$(mktemp -d "$DEPS/srcdeb.XXXXXX")
	dpkg-deb -x "$debs"/linux-source-6.12_*.deb "$tarball"
	tb=$(ls "$tarball"/usr/src/linux-source-6.12.tar.* | head -n1)
	log "extracting source subset from $(basename "$tb")"
	tar -xf "$tb" -C "$src" --strip-components=1 \
		linux-source-6.12/tools linux-source-6.12/include \
		linux-source-6.12/kernel/bpf linux-source-6.12/arch/x86/include \
		linux-source-6.12/scripts linux-source-6.12/Makefile \
		linux-source-6.12/drivers/iommu/iommufd
	rm -rf "$tarball"
	touch "$src/.extracted"
fi

if [ ! -f "$DEPS/libbpf/lib/libbpf.a" ] || [ ! -f "$DEPS/.libbpf-$KVER" ]; then
	log "building static libbpf"
	rm -rf "$DEPS/libbpf" "$DEPS/build/libbpf"
	mkdir -p "$DEPS/build/libbpf"
	# Only the static archive: the tools link statically so they run
	# unchanged inside the guest's busybox initramfs.
	make -s -C "$src/tools/lib/bpf" OUTPUT="$DEPS/build/libbpf/" \
		-j"$(nproc)" "$DEPS/build/libbpf/libbpf.a" >/dev/null ||
		die "libbpf build failed"
	make -s -C "$src/tools/lib/bpf" OUTPUT="$DEPS/build/libbpf/" \
		DESTDIR="$DEPS/libbpf" prefix= install_headers >/dev/null ||
		die "libbpf header install failed"
	mkdir -p "$DEPS/libbpf/lib"
	cp "$DEPS/build/libbpf/libbpf.a" "$DEPS/libbpf/lib/"
	touch "$DEPS/.libbpf-$KVER"
fi

if [ ! -x "$DEPS/bin/bpftool" ] || [ ! -f "$DEPS/.bpftool-$KVER" ]; then
	log "building bpftool"
	rm -rf "$DEPS/build/bpftool"
	mkdir -p "$DEPS/build/bpftool/" "$DEPS/bin"
	make -s -C "$src/tools/bpf/bpftool" OUTPUT="$DEPS/build/bpftool/" \
		CLANG=clang-19 LLVM_STRIP=llvm-strip-19 -j"$(nproc)" >/dev/null 2>&1 ||
		die "bpftool build failed (rerun: make -C $src/tools/bpf/bpftool OUTPUT=$DEPS/build/bpftool/)"
	cp "$DEPS/build/bpftool/bpftool" "$DEPS/bin/bpftool"
	touch "$DEPS/.bpftool-$KVER"
fi

cat >"$stamp" <<EOF
# written by tools/deps.sh; sourced by make and tools/vm/run
KVER=$KVER
KDEBVER=$KDEBVER
KDIR=$KDIR
VMLINUZ=$VMLINUZ
MODDIR=$MODDIR
KSRC=$src
LIBBPF_DIR=$DEPS/libbpf
BPFTOOL=$DEPS/bin/bpftool
EOF
libbpf_ver=$(awk '/define LIBBPF_MAJOR_VERSION/ {a=$3} /define LIBBPF_MINOR_VERSION/ {b=$3} END {print a "." b}' \
	"$DEPS/libbpf/include/bpf/libbpf_version.h")
log "ready: kernel $KVER, libbpf $libbpf_ver, $("$DEPS/bin/bpftool" version 2>/dev/null | head -n1)"
