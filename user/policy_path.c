// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tools' policy search (policy_path.h). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy_path.h"

/* @dir/@name, or @dir/@name.bpf.o for a name without that suffix */
static bool try_policy(const char *dir, const char *name, char *buf, size_t sz)
{
	size_t n = strlen(name);
	bool bare = n < 6 || strcmp(name + n - 6, ".bpf.o");

	if (snprintf(buf, sz, "%s/%s", dir, name) < (int)sz && !access(buf, R_OK))
		return true;
	return bare && snprintf(buf, sz, "%s/%s.bpf.o", dir, name) < (int)sz &&
	       !access(buf, R_OK);
}

/* the directory ../share/iodirty next to this binary, or "" */
static void share_dir(char *dir, size_t sz)
{
	ssize_t len = readlink("/proc/self/exe", dir, sz - 1);
	char *slash;

	if (len <= 0) {
		dir[0] = 0;
		return;
	}
	dir[len] = 0;
	slash = strrchr(dir, '/');
	if (!slash || (size_t)(slash - dir) + sizeof("/../share/iodirty") > sz) {
		dir[0] = 0;
		return;
	}
	strcpy(slash, "/../share/iodirty");
}

const char *iodirty_find_policy(const char *name, char *buf, size_t sz)
{
	const char *env_path = getenv("IODIRTY_POLICY_PATH");
	char dir[PATH_MAX];

	if (!access(name, R_OK))
		return name;
	if (strchr(name, '/') || !*name) {
		if (!*name)
			errno = ENOENT;
		return NULL;
	}
	if (try_policy(".", name, buf, sz))
		return buf;
	if (env_path) {
		char *copy = strdup(env_path), *d, *save = NULL;
		bool ok = false;

		for (d = copy ? strtok_r(copy, ":", &save) : NULL; d && !ok;
		     d = strtok_r(NULL, ":", &save))
			ok = try_policy(d, name, buf, sz);
		free(copy);
		if (ok)
			return buf;
	}
	share_dir(dir, sizeof(dir));
	if (*dir && try_policy(dir, name, buf, sz))
		return buf;
	if (try_policy(IODIRTY_POLICY_DIR, name, buf, sz))
		return buf;
	errno = ENOENT;
	return NULL;
}
