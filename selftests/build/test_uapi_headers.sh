#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# selftests/build/test_uapi_headers.sh KMOD_BUILD_DIR PROJECT_ROOT
#
# The module must compile against the project's UAPI headers
# (include/uapi/linux/iommufd.h ...), never the kernel's own copies, whose
# layout differs between kernels (vanilla 6.9-6.13).  Kbuild's dependency
# files (.*.o.cmd) list every header each object was compiled with; check
# them.  TAP output with a plan.
set -u
kb=$1 root=$2
objs=$(ls "$kb"/.*.o.cmd 2>/dev/null | grep -v '\.mod\.o\.cmd$' | grep -v '/\.iodirty\.o\.cmd$')
n=0 fail=0
echo "1..3"
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fail=1; fi
}
[ -n "$objs" ]
check $? "module objects have Kbuild dependency files"
bad=$(grep -h -E '^ +[^ ]*/include/(uapi/)?linux/iommufd\.h' $objs |
	grep -v "^ *$root/include/uapi/linux/iommufd\.h" | sort -u | tr -d ' \\')
[ -z "$bad" ]
check $? "no object uses the kernel's include/uapi/linux/iommufd.h${bad:+ (found: $bad)}"
grep -q "$root/include/uapi/linux/iommufd.h" "$kb"/.hwpt.o.cmd 2>/dev/null
check $? "hwpt.o is built with the project's include/uapi/linux/iommufd.h"
exit $fail
