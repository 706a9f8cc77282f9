/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __IODIRTY_TEST_UTIL_H
#define __IODIRTY_TEST_UTIL_H

#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/iodirty.h>

#define IODIRTY_DEV "/dev/iodirty"

static inline int iodirty_open(void)
{
	return open(IODIRTY_DEV, O_RDWR | O_CLOEXEC);
}

#endif
