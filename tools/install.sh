#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# tools/install.sh - the file operations behind make install / uninstall /
# dkms-source (mk/install.mk).
#
#   tools/install.sh install MODE DIR FILE...     copy FILEs into DIR
#   tools/install.sh uninstall DIR NAME...        remove DIR/NAME
#   tools/install.sh rmdir DIR...                 remove DIRs that are empty
#   tools/install.sh mkdir DIR                    create DIR (checked first)
#   tools/install.sh tree DIR SRCROOT RELPATH...  copy SRCROOT/RELPATH to
#                                                 DIR/RELPATH (dirs kept)
#
# Before writing anything it checks that DIR (or the nearest existing
# directory above it) is writable and otherwise stops with a message that
# names that directory, instead of a half-done install.
set -euo pipefail

die() { echo "install: $*" >&2; exit 1; }

# the nearest existing ancestor of $1 must be writable
need_writable() {
	local d=$1
	while [ ! -e "$d" ]; do
		d=$(dirname "$d")
	done
	[ -d "$d" ] || die "$d is not a directory"
	if [ ! -w "$d" ]; then
		die "cannot write to $d (permission denied): run as root (sudo make install), or choose a PREFIX= / DESTDIR= you can write to"
	fi
}

[ $# -ge 2 ] || die "usage: $0 install|uninstall|rmdir|tree ..."
op=$1; shift
case "$op" in
install)
	mode=$1 dir=$2; shift 2
	need_writable "$dir"
	mkdir -p "$dir"
	for f in "$@"; do
		[ -f "$f" ] || die "$f: not built"
		install -m "$mode" "$f" "$dir/" || die "cannot install $f into $dir"
		echo "  INSTALL  $dir/$(basename "$f")"
	done
	;;
uninstall)
	dir=$1; shift
	for n in "$@"; do
		[ -e "$dir/$n" ] || continue
		[ -w "$dir" ] || die "cannot remove $dir/$n: $dir is not writable (permission denied)"
		rm -f "$dir/$n"
		echo "  REMOVE   $dir/$n"
	done
	;;
mkdir)
	need_writable "$1"
	mkdir -p "$1" || die "cannot create $1"
	;;
rmdir)
	for d in "$@"; do
		[ -d "$d" ] || continue
		rmdir "$d" 2>/dev/null && echo "  RMDIR    $d" || true
	done
	;;
tree)
	dir=$1 src=$2; shift 2
	need_writable "$dir"
	for r in "$@"; do
		mkdir -p "$dir/$(dirname "$r")"
		install -m 0644 "$src/$r" "$dir/$r" || die "cannot install $dir/$r"
	done
	echo "  INSTALL  $dir ($# files)"
	;;
*)
	die "unknown operation '$op'"
	;;
esac
