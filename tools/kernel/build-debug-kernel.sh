#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# tools/kernel/build-debug-kernel.sh - build (once) and cache the iodirty
# debug kernel: Debian's newest linux-source-7.N with KASAN, lockdep,
# kmemleak, UBSAN, fault injection, BTF and IOMMUFD(+_TEST).
#
#   tools/kernel/build-debug-kernel.sh [--config-only DIR] [DEPS_DIR]
#                                                       (make debug-kernel)
#
#   KVER_DEBUG=7.N or 7.N.M   pin a kernel (default: the newest 7.N found)
#   IODIRTY_CACHE=DIR         machine-wide cache (default /var/cache/iodirty)
#   DEPS=DIR                  the clone's deps dir (default <clone>/deps)
#
# 1. A private apt configuration ($CACHE/kernel/apt: a sources file naming
#    the suites forky, sid and trixie-backports on the host's own Debian
#    archive URI, its own lists and package cache) finds the newest
#    linux-source-7.N; `apt-get download` fetches it into
#    $CACHE/kernel/download (the .deb and its tarball stay there).  The
#    host's apt sources are never edited and no kernel is installed on the
#    host.
# 2. The kernel is configured as defconfig + kvm_guest.config +
#    tools/kernel/debug.config, checked (every option the fragment sets
#    must be in the final .config), and built with
#    `make bzImage modules modules_prepare headers` in an O= build tree.
# 3. Everything lands in $CACHE/kernel/<version>-<hash>/ (hash: sha256 of
#    the Debian package version, debug.config, RECIPE_VERSION, the recipe
#    part of this script (between the ">>> recipe" and "<<< recipe" lines)
#    and the toolchain versions): src/ (source), build/ (O= tree, usable as KDIR
#    for `make -C KDIR M=...`, with Module.symvers and usr/include),
#    bzImage, vmlinux (ELF with BTF), modules/, timings, stamp.  It is
#    built in a temporary directory and renamed into place with the stamp
#    already written, so a cache entry is complete or absent.
# 4. DEPS_DIR/debug-kernel links to that directory and DEPS_DIR/debug-stamp
#    records DEBUG_KVER, DEBUG_KDIR, DEBUG_KSRC, DEBUG_VMLINUZ, DEBUG_VMLINUX
#    (shell variables, like deps/stamp).  With both present and the inputs
#    unchanged, a rerun only prints what it reuses.
#
# --config-only DIR stops after step 2 and leaves the checked .config in
# DIR (no build, no cache entry).
set -euo pipefail

# Bump when the recipe changes in a way the script's text does not show.
RECIPE_VERSION=1
SUITES="forky sid trixie-backports"

top=$(cd "$(dirname "$0")/../.." && pwd)
self=$top/tools/kernel/build-debug-kernel.sh
fragment=$top/tools/kernel/debug.config

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() { printf 'debug-kernel: error: %s\n' "$*" >&2; exit 1; }

config_only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--config-only) [ $# -ge 2 ] || die "--config-only wants a directory"
		config_only=$2; shift 2 ;;
	-h|--help) sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
DEPS=${1:-${DEPS:-$top/deps}}
CACHE=${IODIRTY_CACHE:-/var/cache/iodirty}
KC=$CACHE/kernel
KVER_REQ=${KVER_DEBUG:-}
if [ -n "$KVER_REQ" ] && ! [[ "$KVER_REQ" =~ ^7\.[0-9]+(\.[0-9]+)?$ ]]; then
	die "KVER_DEBUG='$KVER_REQ': want 7.N or 7.N.M"
fi

[ -f "$fragment" ] || die "config fragment missing: $fragment"

# The inputs that decide the result, hashed into the cache key.
toolchain_id() {
	{ gcc --version | awk 'NR == 1'; ld --version | awk 'NR == 1'
	  pahole --version; } 2>/dev/null
}
key_of() {	# $1 = Debian package version -> 12 hex digits
	{ echo "recipe $RECIPE_VERSION"; echo "linux-source $1"
	  echo "--- debug.config"; cat "$fragment"
	  echo "--- recipe"; sed -n '/^# >>> recipe/,/^# <<< recipe/p' "$self"
	  echo "--- toolchain"; toolchain_id; } | sha256sum | cut -c1-12
}

link_clone() {	# $1 = cache entry
	local e=$1
	# shellcheck disable=SC1091
	. "$e/stamp"
	mkdir -p "$DEPS"
	ln -sfn "$e" "$DEPS/debug-kernel"
	cat >"$DEPS/debug-stamp.tmp" <<EOF
# written by tools/kernel/build-debug-kernel.sh; the cached debug kernel
DEBUG_KVER=$KVER
DEBUG_KDEBVER=$KDEBVER
DEBUG_KREL=$KREL
DEBUG_HASH=$HASH
DEBUG_ENTRY=$e
DEBUG_KDIR=$e/build
DEBUG_KSRC=$e/src
DEBUG_VMLINUZ=$e/bzImage
DEBUG_VMLINUX=$e/vmlinux
DEBUG_MODDIR=$e/modules/lib/modules/$KREL
DEBUG_HEADERS=$e/build/usr/include
EOF
	mv "$DEPS/debug-stamp.tmp" "$DEPS/debug-stamp"
}

reuse() {	# $1 = cache entry
	link_clone "$1"
	log "reusing $KVER ($KDEBVER) from $1 (built $BUILT_AT in ${BUILD_SECS}s); KDIR=$1/build"
	exit 0
}

# ---- fast path: the clone's stamp names a complete entry with our key ----
if [ -z "$config_only" ] && [ -f "$DEPS/debug-stamp" ]; then
	# shellcheck disable=SC1091
	. "$DEPS/debug-stamp"
	case "${KVER_REQ:-x}" in
	x|"${DEBUG_KVER:-}"|"${DEBUG_KVER%.*}") want=1 ;;
	*) want=0 ;;
	esac
	if [ $want = 1 ] && [ -f "${DEBUG_ENTRY:-/nonexistent}/stamp" ] &&
	   [ "$(key_of "$DEBUG_KDEBVER")" = "$DEBUG_HASH" ]; then
		# shellcheck disable=SC1091
		. "$DEBUG_ENTRY/stamp"
		reuse "$DEBUG_ENTRY"
	fi
fi

# ---- 1. private apt configuration, pick and download linux-source-7.N ----
mkdir -p "$KC" 2>/dev/null && [ -w "$KC" ] ||
	die "cache $KC is not writable (run as root, or set IODIRTY_CACHE=DIR)"
command -v flock >/dev/null || die "flock (util-linux) missing"
exec 9>"$KC/.lock"
if ! flock -n 9; then
	log "another build holds $KC/.lock; waiting"
	flock 9
fi
# Holding the lock, any temporary build directory is a leftover of an
# interrupted or failed build (kept for inspection until now).
for d in "$KC"/*.tmp.*; do
	[ -d "$d" ] || continue
	log "removing the leftover build directory $d"
	rm -rf "$d"
done

host_sources=/etc/apt/sources.list.d/debian.sources
[ -f "$host_sources" ] || die "no $host_sources to take the Debian archive URI from"
# The stanza whose Suites start with the release (not -security).
read -r ARCHIVE KEYRING < <(awk '
	/^$/ { if (u != "" && s ~ /^[a-z]+( |$)/ && s !~ /security/) { print u, k; done = 1; exit }
	       u = ""; s = ""; k = ""; next }
	/^URIs:/ { u = $2 } /^Suites:/ { s = $2 } /^Signed-By:/ { k = $2 }
	END { if (!done && u != "" && s !~ /security/) print u, k }' "$host_sources") ||
	die "no Debian archive URI (URIs:) found in $host_sources"
[ -n "$ARCHIVE" ] || die "no Debian archive URI (URIs:) found in $host_sources"
KEYRING=${KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
[ -f "$KEYRING" ] || die "keyring $KEYRING (Signed-By: in $host_sources) missing"

apt_dir=$KC/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
: >"$apt_dir/sources.list.tmp"
# One-line format: one suite per line.
for s in $SUITES; do
	echo "deb [signed-by=$KEYRING] $ARCHIVE $s main" >>"$apt_dir/sources.list.tmp"
done
mv "$apt_dir/sources.list.tmp" "$apt_dir/sources.list"
APT_OPTS=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o "APT::Sandbox::User=root")

log "apt-get update (private: $SUITES on $ARCHIVE)"
apt-get "${APT_OPTS[@]}" -q update >"$apt_dir/update.log" 2>&1 ||
	die "apt-get update with $apt_dir/sources.list failed (see $apt_dir/update.log)"

# "upstream debver package" of every linux-source-7.N, newest first.
candidates() {
	local p
	for p in $(apt-cache "${APT_OPTS[@]}" pkgnames linux-source-7. | sort -u); do
		[[ "$p" =~ ^linux-source-7\.[0-9]+$ ]] || continue
		apt-cache "${APT_OPTS[@]}" madison "$p" | awk -F' *[|] *' -v p="$p" '
			{ v = $2; gsub(/ /, "", v); u = v; sub(/-.*/, "", u)
			  if (u !~ /~/) print u, v, p }'
	done | sort -u | sort -k1,1Vr -k2,2Vr
}
pick=""
while read -r up dv pkg; do
	case "$KVER_REQ" in
	"") ;;
	*.*.*) [ "$up" = "$KVER_REQ" ] || continue ;;
	*) [ "${pkg#linux-source-}" = "$KVER_REQ" ] || continue ;;
	esac
	pick="$up $dv $pkg"
	break
done < <(candidates)
if [ -z "$pick" ]; then
	if [ -n "$KVER_REQ" ]; then
		die "no linux-source-7.* of version $KVER_REQ in the suites $SUITES (KVER_DEBUG=$KVER_REQ); available: $(candidates | awk '{printf "%s%s", s, $2; s=", "}')"
	fi
	die "no linux-source-7.* found in the suites $SUITES of $ARCHIVE"
fi
read -r KVER KDEBVER PKG <<<"$pick"
HASH=$(key_of "$KDEBVER")
entry=$KC/$KVER-$HASH
log "kernel $KVER ($PKG=$KDEBVER), cache key $HASH"

if [ -z "$config_only" ] && [ -f "$entry/stamp" ]; then
	# shellcheck disable=SC1091
	. "$entry/stamp"
	reuse "$entry"
fi

command -v bc >/dev/null && command -v flex >/dev/null && command -v bison >/dev/null &&
	command -v pahole >/dev/null && command -v cpio >/dev/null ||
	die "bc, flex, bison, pahole or cpio missing (run 'make deps' first)"
if [ "$(dpkg-query -W -f='${Status}' libssl-dev 2>/dev/null)" != "install ok installed" ]; then
	log "installing libssl-dev (the kernel build needs it)"
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
		libssl-dev >/dev/null || die "apt-get install libssl-dev failed"
fi

now() { date +%s.%N; }
# (awk reads all of readelf's output: no SIGPIPE under pipefail)
has_btf() { readelf -S "$1" 2>/dev/null | awk '/\] +\.BTF / { f = 1 } END { exit !f }'; }
secs() { printf '%.1f' "$(echo "$2 - $1" | bc)"; }

dl=$KC/download
mkdir -p "$dl"
deb=$dl/${PKG}_${KDEBVER}_all.deb
T_DOWNLOAD=cached
if [ ! -f "$deb" ]; then
	log "downloading $PKG=$KDEBVER into $dl"
	t0=$(now)
	(cd "$dl" && apt-get "${APT_OPTS[@]}" -q download "$PKG=$KDEBVER" >"$dl/download.log" 2>&1) ||
		die "apt-get download $PKG=$KDEBVER failed (see $dl/download.log)"
	[ -f "$deb" ] || die "apt-get download did not produce $deb"
	T_DOWNLOAD=$(secs "$t0" "$(now)")
	log "downloaded $(du -h "$deb" | cut -f1) in ${T_DOWNLOAD}s"
fi
tarball=$dl/${PKG}_${KDEBVER}.tar.xz
if [ ! -f "$tarball" ]; then
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$PKG.tar.xz" >"$tarball.tmp" ||
		die "no usr/src/$PKG.tar.xz in $deb"
	mv "$tarball.tmp" "$tarball"
fi

# >>> recipe: everything from here to "<<< recipe" is part of the cache key.
# ---- 2. extract and configure in a temporary directory --------------------
if [ -n "$config_only" ]; then
	mkdir -p "$config_only"
	work=$(cd "$config_only" && pwd)/work.$$
	final=$work
else
	# Leftovers of an interrupted build of this entry.
	rm -rf "$entry".tmp.* "$entry"
	work=$entry.tmp.$$
	final=$entry
fi
rm -rf "$work"
mkdir -p "$work/src" "$work/build"
# A failed build leaves $work for inspection; the next run removes it.
[ -z "$config_only" ] || [ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT

log "extracting $(basename "$tarball")"
t0=$(now)
tar -xf "$tarball" -C "$work/src" --strip-components=1 || die "extracting $tarball failed"
T_EXTRACT=$(secs "$t0" "$(now)")
log "extracted in ${T_EXTRACT}s"
[ -f "$work/src/Makefile" ] || die "$tarball holds no kernel tree"

JOBS=$(nproc)
# Map the temporary path in the debug info to the final one.
pfx="-fdebug-prefix-map=$work=$final"
kmake() { make -C "$work/src" O="$work/build" -j"$JOBS" KCFLAGS="$pfx" KAFLAGS="$pfx" "$@"; }

t0=$(now)
kmake -s defconfig >"$work/configure.log" 2>&1 || die "make defconfig failed (see $work/configure.log)"
kmake -s kvm_guest.config >>"$work/configure.log" 2>&1 ||
	die "make kvm_guest.config failed (see $work/configure.log)"
(cd "$work/build" && "$work/src/scripts/kconfig/merge_config.sh" -m -O "$work/build" \
	"$work/build/.config" "$fragment") >>"$work/configure.log" 2>&1 ||
	die "merging $fragment failed (see $work/configure.log)"
kmake -s olddefconfig >>"$work/configure.log" 2>&1 || die "make olddefconfig failed (see $work/configure.log)"
T_CONFIGURE=$(secs "$t0" "$(now)")

# Every value the fragment sets must be in the final .config.
cfg=$work/build/.config
sym_exists() { grep -rqsE "^(menu)?config $1\$" --include='Kconfig*' "$work/src"; }
bad="" note="" trims=""
optional=" $(sed -n 's/^# iodirty-optional: *CONFIG_\([A-Za-z0-9_]*\).*/\1/p' "$fragment" | tr '\n' ' ') "
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		sym=${line%%=*}; sym=${sym#CONFIG_}
		grep -qxF "$line" "$cfg" && continue
		if [[ "$optional" == *" $sym "* ]] && ! sym_exists "$sym"; then
			note="$note $sym"
			continue
		fi
		got=$(grep -E "^(# )?CONFIG_${sym}[= ]" "$cfg" || echo "absent")
		bad="$bad
    wanted $line, got: $got" ;;
	"# CONFIG_"*" is not set")
		sym=${line#"# CONFIG_"}; sym=${sym%" is not set"}
		grep -qE "^CONFIG_$sym=[ym]" "$cfg" && trims="$trims $sym" ;;
	esac
done <"$fragment"
[ -z "$note" ] || log "note: not in this kernel's Kconfig, skipped:$note"
[ -z "$trims" ] || log "note: trimmed options re-selected by others:$trims"
[ -z "$bad" ] || die "required options missing from the final .config (merge_config dropped them; see $work/configure.log):$bad"
log "configured in ${T_CONFIGURE}s: $(grep -c '=y' "$cfg") built-in, $(grep -c '=m' "$cfg") modular options; all $(grep -cE '^CONFIG_[A-Za-z0-9_]+=' "$fragment") fragment values present"

if [ -n "$config_only" ]; then
	cp "$cfg" "$config_only/.config"
	log "config-only: wrote $config_only/.config"
	exit 0
fi

# ---- 3. build ---------------------------------------------------------------
log "building $KVER with make -j$JOBS bzImage modules (log: $work/build.log; this takes a while)"
t0=$(now)
kmake bzImage modules >"$work/build.log" 2>&1 ||
	die "kernel build failed; last lines of $work/build.log:
$(tail -n 25 "$work/build.log")"
kmake modules_prepare >>"$work/build.log" 2>&1 || die "make modules_prepare failed (see $work/build.log)"
kmake headers >>"$work/build.log" 2>&1 || die "make headers failed (see $work/build.log)"
KREL=$(kmake -s kernelrelease)
mkdir -p "$work/modules"
kmake INSTALL_MOD_PATH="$work/modules" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod \
	modules_install >>"$work/build.log" 2>&1 || die "make modules_install failed (see $work/build.log)"
T_BUILD=$(secs "$t0" "$(now)")
log "built in ${T_BUILD}s"

b=$work/build
[ -f "$b/arch/x86/boot/bzImage" ] || die "no bzImage in $b"
[ -f "$b/vmlinux" ] || die "no vmlinux in $b"
[ -f "$b/Module.symvers" ] || die "no Module.symvers in $b"
[ -f "$b/usr/include/linux/iommufd.h" ] || die "make headers left no usr/include/linux/iommufd.h"
has_btf "$b/vmlinux" || die "$b/vmlinux has no .BTF section"
ln -sfn build/arch/x86/boot/bzImage "$work/bzImage"
ln -sfn build/vmlinux "$work/vmlinux"

# An external module builds against the O= tree and gets module BTF.
probe=$work/probe
mkdir -p "$probe"
cat >"$probe/probe.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
static int __init probe_init(void) { return 0; }
module_init(probe_init);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := probe.o' >"$probe/Kbuild"
probe_build() {	# $1 = KDIR
	make -C "$1" M="$probe" -j"$JOBS" modules >"$probe/build.log" 2>&1 &&
		has_btf "$probe/probe.ko"
}
probe_build "$b" || die "an external module does not build against $b with BTF (see $probe/build.log)"

# The O= tree names its source by absolute path: point it at the final one.
sed -i "s|$work/|$final/|g" "$b/Makefile"
ln -sfn "$final/src" "$b/source"

SIZE_SRC=$(du -sh "$work/src" | cut -f1)
SIZE_BUILD=$(du -sh "$b" | cut -f1)
SIZE_TOTAL=$(du -sh "$work" | cut -f1)
BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
BUILD_SECS=$T_BUILD
cat >"$work/timings" <<EOF
download_s=$T_DOWNLOAD
extract_s=$T_EXTRACT
configure_s=$T_CONFIGURE
build_s=$T_BUILD
jobs=$JOBS
size_src=$SIZE_SRC
size_build=$SIZE_BUILD
size_total=$SIZE_TOTAL
EOF
cat >"$work/stamp" <<EOF
# written last by tools/kernel/build-debug-kernel.sh: this entry is complete
KVER=$KVER
KDEBVER=$KDEBVER
KREL=$KREL
HASH=$HASH
BUILT_AT=$BUILT_AT
BUILD_SECS=$BUILD_SECS
EOF
mv -T "$work" "$entry"

# The renamed tree still serves external modules.
probe=$entry/probe
rm -f "$probe"/*.o "$probe"/*.ko "$probe"/*.mod* "$probe"/.*.cmd "$probe"/modules.order \
	"$probe"/Module.symvers
if ! probe_build "$entry/build"; then
	mv -T "$entry" "$entry.broken.$$"
	die "after the rename an external module no longer builds against $entry.broken.$$/build (see its probe/build.log)"
fi
rm -rf "$probe"
# <<< recipe
link_clone "$entry"
log "ready: $KVER ($KREL) in $entry: build ${T_BUILD}s, tree $SIZE_TOTAL (src $SIZE_SRC, build $SIZE_BUILD)"
