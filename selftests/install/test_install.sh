#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# selftests/install/test_install.sh - installing iodirty like a user (TAP).
#
# DKMS (Debian's dkms, private --sourcetree/--dkmstree/--installtree, so
# nothing system-wide is touched) against the unpacked Debian 6.12 headers:
# add, build, .BTF, modinfo equal to `make module`'s, install, the result
# loaded in the VM with a policy attached, remove; fake kernel trees that
# are too old / lack module BTF / lack vmlinux get a message naming what is
# missing; make modules_install with INSTALL_MOD_PATH; make install /
# uninstall of the tools into a DESTDIR (exact file list, the installed
# iodirtyctl finds its policies), and an unwritable DESTDIR for a caller without privileges.
# Environment: BUILD, DEPS (exported by make).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
DEPS=${DEPS:-$top/deps}
. "$DEPS/stamp"
T=$(mktemp -d "$BUILD/install-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms/dkms.conf")
mk() { make -s -C "$top" BUILD="$BUILD" DEPS="$DEPS" "$@"; }

n=0 fails=0
echo "# suite: install"
echo "1..21"
ok() {	# ok STATUS NAME [detail file]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
		[ -z "${3:-}" ] || sed 's/^/#   /' "$3" | tail -n 15
	fi
}
run() { "$@" >"$T/out" 2>&1; }	# status of CMD, output in $T/out

snap() { ls -la --time-style=full-iso /var/lib/dkms /usr/src /lib/modules 2>&1 || true; }
snap > "$T/sys.before"

# ---- DKMS ----------------------------------------------------------------
S=$T/root/usr/src D=$T/dkms I=$T/modules
mkdir -p "$D" "$I/$krel"	# installtree/<release>: "an installed kernel"
O=(--sourcetree "$S" --dkmstree "$D" --installtree "$I")
run mk dkms-source DESTDIR="$T/root" DKMS_SRCDIR=/usr/src
(cd "$top" && { echo dkms.conf; echo check-kernel.sh;
	find kmod -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild \);
	ls include/uapi/linux/*.h; } | sort) > "$T/want"
(cd "$S/iodirty-$ver" 2>/dev/null && find . -type f | sed 's|^\./||' | sort) > "$T/got" || true
diff "$T/want" "$T/got" > "$T/diff" 2>&1 && r=0 || r=1
ok $r "make dkms-source: dkms.conf, check-kernel.sh, the module sources and UAPI headers, nothing else" "$T/diff"

run dkms add -m iodirty -v "$ver" "${O[@]}" && r=0 || r=1
ok $r "dkms add iodirty/$ver (private trees)" "$T/out"

st=0
run dkms build -m iodirty -v "$ver" -k "$krel" --kernelsourcedir "$KDIR" "${O[@]}" || st=$?
cp "$T/out" "$T/build.out"
ok $st "dkms build -k $krel --kernelsourcedir <Debian 6.12 headers>" "$T/out"

ko=$D/iodirty/$ver/$krel/x86_64/module/iodirty.ko
readelf -S -W "$ko" 2>/dev/null | grep -q ' \.BTF '  && r=0 || r=1
ok $r "the DKMS-built iodirty.ko has a .BTF section"

{ modinfo "$ko" | grep -v '^filename:' > "$T/mi.dkms"; } 2>/dev/null || true
modinfo "$BUILD/kmod/iodirty.ko" | grep -v '^filename:' > "$T/mi.make"
diff "$T/mi.make" "$T/mi.dkms" > "$T/diff" 2>&1 && [ -s "$T/mi.make" ] && r=0 || r=1
ok $r "modinfo of the DKMS build equals make module's (all fields but filename)" "$T/diff"

# every module_param* in kmod/ is listed by modinfo with a description
params=$(grep -ho 'module_param[a-z_]*([a-z_0-9]*' "$top"/kmod/*.c "$top"/kmod/pt/*.c |
	sed 's/.*(//' | sort -u)
named=$(grep -ho 'module_param_named([a-z_0-9]*' "$top"/kmod/*.c | sed 's/.*(//' | sort -u)
: > "$T/bad"
for p in $params $named; do
	modinfo -F parm "$ko" 2>/dev/null | grep "^$p:" | sed 's/ *([a-z]*)$//' |
		grep -q "^$p: *[^ ]" || echo "no description for $p" >> "$T/bad"
done
[ -n "$params" ] && [ ! -s "$T/bad" ] && r=0 || r=1
ok $r "modinfo lists every module parameter of kmod/*.c with a description ($(modinfo -F parm "$ko" | wc -l) parameters)" "$T/bad"

st=0
run dkms install -m iodirty -v "$ver" -k "$krel" --kernelsourcedir "$KDIR" --no-depmod "${O[@]}" || st=$?
[ $st = 0 ] && ls "$I/$krel/updates/dkms/"iodirty.ko* >/dev/null 2>&1 &&
	dkms status "${O[@]}" | grep -q "iodirty/$ver, $krel, x86_64: installed" && r=0 || r=1
ok $r "dkms install puts iodirty.ko in <installtree>/$krel/updates/dkms and dkms status says installed" "$T/out"

# the DKMS build, loaded in the guest instead of the image's own module
mkdir -p "$T/share"
cp "$ko" "$T/share/iodirty.ko" || true
st=0
run env BUILD="$BUILD" DEPS="$DEPS" "$top/tools/vm/run" --no-build --share "$T/share" -- sh -c '
	set -e
	rmmod iodirty
	insmod /mnt/share/iodirty.ko lab=1
	test -e /sys/kernel/btf/iodirty || { echo "no /sys/kernel/btf/iodirty"; exit 1; }
	echo "srcversion $(cat /sys/module/iodirty/srcversion)"
	IODIRTY_POLICY_PATH=/opt/iodirty iodirtyctl attach export
	iodirtyctl status
	iodirtyctl detach
	echo DKMS-MODULE-OK' || st=$?
[ $st = 0 ] && grep -q '^DKMS-MODULE-OK' "$T/out" &&
	grep -q "^srcversion $(modinfo -F srcversion "$ko")\$" "$T/out" && r=0 || r=1
ok $r "VM: rmmod the image's module, insmod the DKMS one, BTF present, attach/status/detach a policy (vm status $st)" "$T/out"

st=0
run dkms remove -m iodirty -v "$ver" --all --no-depmod "${O[@]}" || st=$?
[ $st = 0 ] && [ -z "$(find "$I" -name 'iodirty*')" ] && [ ! -e "$D/iodirty" ] && r=0 || r=1
ok $r "dkms remove --all leaves no iodirty in the install and DKMS trees" "$T/out"

# fake kernel trees: the message names what is missing, no compiler runs
fake() {	# fake DIR MAJOR MINOR [drop-config-option] [no-vmlinux]
	local d=$1
	mkdir -p "$d/include/generated/uapi/linux" "$d/tools/bpf/resolve_btfids"
	echo 'all:' > "$d/Makefile"
	printf '#define LINUX_VERSION_MAJOR %s\n#define LINUX_VERSION_PATCHLEVEL %s\n' "$2" "$3" \
		> "$d/include/generated/uapi/linux/version.h"
	grep -v "^${4:-NONE}=" "$KDIR/.config" > "$d/.config"
	[ -n "${5:-}" ] || ln -s "$KDIR/vmlinux" "$d/vmlinux"
	ln -s "$KDIR/tools/bpf/resolve_btfids/resolve_btfids" "$d/tools/bpf/resolve_btfids/"
}
dkms add -m iodirty -v "$ver" "${O[@]}" >/dev/null 2>&1 || true
badkernel() {	# badkernel NAME DIR KVER EXPECTED
	local st=0
	run dkms build -m iodirty -v "$ver" -k "$3" --kernelsourcedir "$2" "${O[@]}" || st=$?
	[ $st != 0 ] && grep -qF "$4" "$T/out" && ! grep -qE 'error:|\.c:[0-9]+' "$T/out" && r=0 || r=1
	ok $r "dkms build for $1: fails and says '$4' (no compiler error)" "$T/out"
}
fake "$T/k-old" 6 1
badkernel "a 6.1 kernel" "$T/k-old" 6.1.0-fake "Linux 6.1 is too old, iodirty needs Linux >= 6.9"
fake "$T/k-nobtf" 6 12 CONFIG_DEBUG_INFO_BTF_MODULES
badkernel "a kernel without module BTF" "$T/k-nobtf" 6.12.0-nobtf \
	"CONFIG_DEBUG_INFO_BTF_MODULES is not set in $T/k-nobtf/.config"
fake "$T/k-novmlinux" 6 12 NONE novmlinux
badkernel "headers without vmlinux" "$T/k-novmlinux" 6.12.0-novmlinux "no $T/k-novmlinux/vmlinux"
dkms remove -m iodirty -v "$ver" --all --no-depmod "${O[@]}" >/dev/null 2>&1 || true

snap > "$T/sys.after"
diff "$T/sys.before" "$T/sys.after" > "$T/diff" 2>&1 && r=0 || r=1
ok $r "nothing system-wide touched (/var/lib/dkms, /usr/src, /lib/modules unchanged)" "$T/diff"

# ---- make modules_install -------------------------------------------------
st=0
run mk modules_install KDIR="$KDIR" INSTALL_MOD_PATH="$T/mi" || st=$?
f=$(ls "$T/mi/lib/modules/$krel/extra/"iodirty.ko* 2>/dev/null | head -n1) || true
[ $st = 0 ] && [ -n "$f" ] &&
	{ case "$f" in *.xz) xz -dc "$f" ;; *) cat "$f" ;; esac; } > "$T/mi.ko" &&
	readelf -S -W "$T/mi.ko" | grep -q ' \.BTF ' && r=0 || r=1
ok $r "make modules_install KDIR=<6.12 headers> INSTALL_MOD_PATH=DIR: DIR/lib/modules/$krel/extra/$(basename "${f:-iodirty.ko}") with .BTF" "$T/out"

st=0
run mk modules_install KDIR="$T/k-old" INSTALL_MOD_PATH="$T/mi-old" || st=$?
[ $st != 0 ] && grep -qF "Linux 6.1 is too old" "$T/out" && [ ! -e "$T/mi-old" ] && r=0 || r=1
ok $r "make modules_install KDIR=<6.1 tree>: refused before building, message names the version" "$T/out"

# ---- make install / uninstall ---------------------------------------------
R=$T/inst P=/usr/local
st=0
run mk install DESTDIR="$R" PREFIX=$P || st=$?
cat > "$T/want" <<LIST
$P/bin/iodirty-demo
$P/bin/iodirty-heatmap
$P/bin/iodirty-lab
$P/bin/iodirty-migrate
$P/bin/iodirty-replay
$P/bin/iodirty-top
$P/bin/iodirtyctl
$P/share/iodirty/coalesce.bpf.o
$P/share/iodirty/default.bpf.o
$P/share/iodirty/defer_hot.bpf.o
$P/share/iodirty/export.bpf.o
$P/share/iodirty/hotcold.bpf.o
$P/share/iodirty/split_huge.bpf.o
$(cd "$top" && for f in bpf/default.bpf.c bpf/coalesce.bpf.c bpf/hotcold.bpf.c bpf/export.bpf.c \
	bpf/defer_hot.bpf.c bpf/split_huge.bpf.c \
	bpf/iodirty.bpf.h bpf/export.h bpf/examples/*.bpf.c vmlinux.h; do
	echo "$P/share/iodirty/src/$(basename "$f")"; done)
LIST
sort -o "$T/want" "$T/want"
(cd "$R" 2>/dev/null && find . -type f | sed 's|^\.||' | sort) > "$T/got" || true
diff "$T/want" "$T/got" > "$T/diff" 2>&1 && r=0 || r=1
ok $(( st | r )) "make install DESTDIR=D PREFIX=$P: exactly the tools, the policy objects and their sources" "$T/diff"

b=$R$P/bin
ok0=0
for t in iodirtyctl iodirty-demo iodirty-lab iodirty-top iodirty-heatmap iodirty-replay iodirty-migrate; do
	readelf -l "$b/$t" 2>/dev/null | grep -q 'program interpreter' && ok0=1
	[ -x "$b/$t" ] || ok0=1
done
ok $ok0 "installed iodirtyctl, iodirty-demo, iodirty-lab, iodirty-top, iodirty-heatmap, iodirty-replay and iodirty-migrate are static executables"

st=0
run "$b/iodirtyctl" --help || st=$?
[ $st = 0 ] && grep -q '^EXAMPLES:' "$T/out" && grep -q "$P/share/iodirty" "$T/out" &&
	( for o in attach replace detach status stream --pin-dir --map --ringbuf --json --verbose; do
		grep -q -- "$o" "$T/out" || exit 1
	done ) && "$b/iodirty-demo" --help 2>&1 | grep -q '^EXAMPLES:' &&
	"$b/iodirty-lab" --help 2>&1 | grep -q '^EXAMPLES:' &&
	"$b/iodirty-top" --help 2>&1 | grep -q '^EXAMPLES:' && r=0 || r=1
ok $r "installed iodirtyctl --help: every command and option, EXAMPLES, the policy directory $P/share/iodirty; iodirty-demo, -lab, -top --help with EXAMPLES" "$T/out"

# by bare name from its own ../share/iodirty (loading then fails on this
# host, which has no iodirty module: the error names the found object)
st=0
(cd "$T" && "$b/iodirtyctl" --pin-dir "$T/pins" attach export) > "$T/out" 2>&1 || st=$?
(cd "$T" && "$b/iodirtyctl" --pin-dir "$T/pins" attach nosuch) >> "$T/out" 2>&1 || true
[ $st != 0 ] && grep -qF "loading $b/../share/iodirty/export.bpf.o" "$T/out" &&
	grep -qF "policy 'nosuch' not found in the current directory, \$IODIRTY_POLICY_PATH (colon-separated), <bindir>/../share/iodirty, then $P/share/iodirty" "$T/out" && r=0 || r=1
ok $r "installed iodirtyctl attach export: found in <bindir>/../share/iodirty; an unknown name lists where it looked" "$T/out"

st=0
run mk uninstall DESTDIR="$R" PREFIX=$P || st=$?
left=$(cd "$R" && find . -type f -o -type l -o -name '*iodirty*') || left="$R missing"
[ $st = 0 ] && [ -z "$left" ] && r=0 || r=1
ok $r "make uninstall: no file and no iodirty directory left (only the empty $P/bin, $P/share)${left:+ (left: $left)}" "$T/out"

# An unwritable DESTDIR, for a caller without privileges: the tree's owner
# (so the clone may sit in a private directory) with every capability
# dropped and kept dropped across exec (securebits noroot), writing into a
# directory that belongs to nobody.
mkdir -p "$T/ro" && chown nobody "$T/ro" && chmod 0755 "$T/ro"
st=0
setpriv --securebits +noroot,+noroot_locked,+no_setuid_fixup \
	--inh-caps=-all --ambient-caps=-all --bounding-set=-all \
	make -s -C "$top" BUILD="$BUILD" DEPS="$DEPS" install DESTDIR="$T/ro" > "$T/out" 2>&1 || st=$?
[ $st != 0 ] && grep -qF "install: cannot write to $T/ro (permission denied)" "$T/out" &&
	[ -z "$(ls -A "$T/ro")" ] && r=0 || r=1
ok $r "make install without privileges into another user's DESTDIR: fails, names $T/ro, writes nothing" "$T/out"

exit $((fails > 0))
