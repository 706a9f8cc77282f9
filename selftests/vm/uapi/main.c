// SPDX-License-Identifier: GPL-2.0
/*
 * iodirty_uapi_test: kselftest-harness tests of iodirty's iommufd-compatible
 * UAPI on /dev/iodirty (run in the test VM as root, module loaded).
 *
 *   iodirty_uapi_test [-l] [-f FIXTURE] [-t TEST] [-v VARIANT] ...
 *
 * The harness keeps its test list in static variables, so the area files
 * are included into this one translation unit rather than linked.
 */
#include "uapi_util.h"

#include "dispatch.c"
#include "ioas.c"
#include "hwpt.c"
#include "dirty.c"
#include "dirty_bits.c"
#include "lifecycle.c"
#include "mock7.c"

TEST_HARNESS_MAIN
