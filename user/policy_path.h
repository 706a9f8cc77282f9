/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the tools look for a policy object named on their command line
 * (iodirtyctl attach NAME, iodirty-migrate --policy NAME,...).
 */
#ifndef __IODIRTY_POLICY_PATH_H
#define __IODIRTY_POLICY_PATH_H

#include <stddef.h>

/* where `make install` puts the example policies ($(PREFIX)/share/iodirty) */
#ifndef IODIRTY_POLICY_DIR
#define IODIRTY_POLICY_DIR	"/usr/local/share/iodirty"
#endif

/* the search order, for --help texts and error messages */
#define IODIRTY_POLICY_SEARCH						\
	"the current directory, $IODIRTY_POLICY_PATH (colon-separated), "	\
	"<bindir>/../share/iodirty, then " IODIRTY_POLICY_DIR

/*
 * iodirty_find_policy() - the policy object @name stands for
 * @name: a path, or a bare name (no '/'), with or without ".bpf.o"
 * @buf, @sz: where a found path is written
 *
 * @name itself if it is readable (the path as given); else, for a bare
 * name, the first of IODIRTY_POLICY_SEARCH that holds NAME or NAME.bpf.o.
 * Returns @name or @buf, or NULL with errno set (ENOENT: not found in any
 * of them; or why the path as given cannot be read).
 */
const char *iodirty_find_policy(const char *name, char *buf, size_t sz);

#endif /* __IODIRTY_POLICY_PATH_H */
