#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# Guest side of `make veristat-update` / `make veristat-run`: run veristat
# over every object shipped next to this script (the *_fail objects are
# not shipped) and print either veristat's table or one line per program:
#   VERISTAT,<file>,<prog>,<verdict>,<insns>,<states>
dir=$(dirname "$0")
vs=/opt/iodirty/veristat
case "${1:-table}" in
table)
	exec "$vs" -e file,prog,verdict,duration,insns,states,peak_states \
		"$dir"/*.bpf.o ;;
csv)
	"$vs" -o csv -e file,prog,verdict,insns,states "$dir"/*.bpf.o |
		sed -n '2,$s/^/VERISTAT,/p' ;;
*)
	echo "usage: $0 [table|csv]" >&2; exit 2 ;;
esac
