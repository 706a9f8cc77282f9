#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# dkms/check-kernel.sh KDIR [KVER]     can iodirty.ko be built for KDIR?
# dkms/check-kernel.sh --built KO      does the built KO carry module BTF?
#
# Run by DKMS (PRE_BUILD and MAKE in dkms.conf) and by `make
# modules_install` before anything is compiled.  iodirty needs Linux >= 6.9
# built with BPF and module BTF (its struct_ops type and kfuncs are
# registered from the module's BTF; a module without BTF loads, but every
# registration fails).  Names the first missing piece and exits 1; prints
# nothing and exits 0 when the kernel build tree is usable.
# POSIX sh: DKMS runs it with whatever /bin/sh is.
set -eu

MIN_MAJOR=6 MIN_MINOR=9

die() {
	echo "iodirty: $*" >&2
	exit 1
}

if [ "${1:-}" = --built ]; then
	ko=${2:?usage: check-kernel.sh --built KO}
	[ -f "$ko" ] || die "the build produced no $ko"
	if ! readelf -S -W "$ko" 2>/dev/null | grep -q ' \.BTF '; then
		die "$ko has no .BTF section: module BTF was not generated (is the kernel build tree's vmlinux present and pahole installed?)"
	fi
	exit 0
fi

kdir=${1:?usage: check-kernel.sh KDIR [KVER]}
kver=${2:-}
what="kernel ${kver:+$kver }($kdir)"

[ -d "$kdir" ] ||
	die "cannot build for $what: no such directory (install the kernel's headers, e.g. linux-headers-${kver:-\$(uname -r)})"
[ -f "$kdir/Makefile" ] ||
	die "cannot build for $what: no Makefile: not a kernel build tree"

# version: from the tree itself, else from KVER
major="" minor=""
vh=$kdir/include/generated/uapi/linux/version.h
if [ -f "$vh" ]; then
	major=$(sed -n 's/^#define LINUX_VERSION_MAJOR \([0-9]*\).*/\1/p' "$vh")
	minor=$(sed -n 's/^#define LINUX_VERSION_PATCHLEVEL \([0-9]*\).*/\1/p' "$vh")
fi
if [ -z "$major" ] && [ -n "$kver" ]; then
	major=$(echo "$kver" | sed -n 's/^\([0-9]*\)\..*/\1/p')
	minor=$(echo "$kver" | sed -n 's/^[0-9]*\.\([0-9]*\).*/\1/p')
fi
[ -n "$major" ] && [ -n "$minor" ] ||
	die "cannot build for $what: kernel version unknown (no $vh)"
if [ "$major" -lt $MIN_MAJOR ] ||
   { [ "$major" -eq $MIN_MAJOR ] && [ "$minor" -lt $MIN_MINOR ]; }; then
	die "cannot build for $what: Linux $major.$minor is too old, iodirty needs Linux >= $MIN_MAJOR.$MIN_MINOR"
fi

cfg=$kdir/.config
[ -f "$cfg" ] || die "cannot build for $what: no $cfg (the kernel's configuration)"
for opt in CONFIG_BPF_SYSCALL CONFIG_BPF_JIT CONFIG_DEBUG_INFO_BTF CONFIG_DEBUG_INFO_BTF_MODULES; do
	grep -q "^$opt=y" "$cfg" ||
		die "cannot build for $what: $opt is not set in $cfg (iodirty's struct_ops type and kfuncs need BPF and module BTF)"
done
[ -f "$kdir/vmlinux" ] ||
	die "cannot build for $what: no $kdir/vmlinux (module BTF is generated against it; Debian and Ubuntu headers ship it)"
rb=$kdir/tools/bpf/resolve_btfids/resolve_btfids
[ -x "$rb" ] || die "cannot build for $what: no $rb (part of the kernel's kbuild/headers package)"
command -v "${PAHOLE:-pahole}" >/dev/null 2>&1 ||
	die "cannot build for $what: pahole not found (install the dwarves/pahole package: module BTF needs it)"
exit 0
