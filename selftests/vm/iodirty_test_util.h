/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every in-VM test needs to talk to the module: the UAPI headers and
 * the UAPI library (iodirty_open() returns the fd or -errno).
 */
#ifndef __IODIRTY_TEST_UTIL_H
#define __IODIRTY_TEST_UTIL_H

#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/iodirty.h>
#include "libiodirty.h"

#endif
