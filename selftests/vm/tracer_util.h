/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers for the tracer tests (prog_tests/tracer_top.c): run a tool in
 * the background with its output in files, wait for a line, and a small
 * JSON parser (RFC 8259 values; numbers as double) for iodirty-top -j.
 */
#ifndef __IODIRTY_TRACER_UTIL_H
#define __IODIRTY_TRACER_UTIL_H

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "emu_util.h"

/* ---- processes ------------------------------------------------------- */

/*
 * fork + exec @argv with stdout/stderr into @out/@err; the pid or -1.
 * The files are removed first, in the parent: otherwise a caller waiting
 * for a line in @err could find it in the previous run's file before the
 * child has truncated it.
 */
static inline pid_t tr_spawn(char *const argv[], const char *out, const char *err)
{
	pid_t pid;

	unlink(out);
	unlink(err);
	pid = fork();

	if (pid)
		return pid;
	int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fo < 0 || fe < 0)
		_exit(126);
	dup2(fo, 1);
	dup2(fe, 2);
	execv(argv[0], argv);
	_exit(127);
}

/* exit status of @pid (waits at most @ms, then kills it: -1) */
static inline int tr_wait(pid_t pid, unsigned int ms)
{
	double end = emu_now() + ms / 1000.0;
	int st;

	while (emu_now() < end) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0)
			return -1;
		emu_msleep(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* the whole file, NUL-terminated (NULL if it cannot be read) */
static inline char *tr_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = 0;
	return buf;
}

/* wait until @path contains @text (at most @ms); true if it does */
static inline bool tr_wait_text(const char *path, const char *text, unsigned int ms)
{
	double end = emu_now() + ms / 1000.0;

	do {
		char *s = tr_slurp(path);
		bool ok = s && strstr(s, text);

		free(s);
		if (ok)
			return true;
		emu_msleep(50);
	} while (emu_now() < end);
	return false;
}

/* ---- JSON -------------------------------------------------------------- */

enum tr_jtype { TJ_NULL, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ };

struct tr_json {
	enum tr_jtype type;
	double num;		/* TJ_NUM, TJ_BOOL */
	char *str;		/* TJ_STR; the key for members of an object */
	char *key;
	struct tr_json *kids;	/* TJ_ARR, TJ_OBJ: first child */
	struct tr_json *next;
};

static inline void tr_json_free(struct tr_json *j)
{
	while (j) {
		struct tr_json *n = j->next;

		tr_json_free(j->kids);
		free(j->str);
		free(j->key);
		free(j);
		j = n;
	}
}

static inline void tr_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static inline char *tr_jstring(const char **p)
{
	const char *s = *p + 1;
	size_t n = 0;
	char *out;

	if (**p != '"')
		return NULL;
	out = malloc(strlen(s) + 1);
	if (!out)
		return NULL;
	while (*s && *s != '"') {
		if (*s == '\\') {
			s++;
			if (*s == 'u') {	/* ASCII only is enough here */
				unsigned int c;

				if (sscanf(s + 1, "%4x", &c) != 1) {
					free(out);
					return NULL;
				}
				out[n++] = c < 0x80 ? c : '?';
				s += 5;
				continue;
			}
			out[n++] = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
			if (*s)
				s++;
			continue;
		}
		out[n++] = *s++;
	}
	if (*s != '"') {
		free(out);
		return NULL;
	}
	out[n] = 0;
	*p = s + 1;
	return out;
}

static inline struct tr_json *tr_jvalue(const char **p, int depth)
{
	struct tr_json *j = calloc(1, sizeof(*j)), **tail;
	char *end;

	if (!j || depth > 32)
		goto bad;
	tr_ws(p);
	switch (**p) {
	case '{': case '[': {
		char close = **p == '{' ? '}' : ']';

		j->type = close == '}' ? TJ_OBJ : TJ_ARR;
		(*p)++;
		tail = &j->kids;
		tr_ws(p);
		if (**p == close) {
			(*p)++;
			return j;
		}
		for (;;) {
			char *key = NULL;
			struct tr_json *v;

			tr_ws(p);
			if (j->type == TJ_OBJ) {
				key = tr_jstring(p);
				tr_ws(p);
				if (!key || **p != ':') {
					free(key);
					goto bad;
				}
				(*p)++;
			}
			v = tr_jvalue(p, depth + 1);
			if (!v) {
				free(key);
				goto bad;
			}
			v->key = key;
			*tail = v;
			tail = &v->next;
			tr_ws(p);
			if (**p == ',') {
				(*p)++;
				continue;
			}
			if (**p != close)
				goto bad;
			(*p)++;
			return j;
		}
	}
	case '"':
		j->type = TJ_STR;
		j->str = tr_jstring(p);
		if (!j->str)
			goto bad;
		return j;
	case 't': case 'f': case 'n':
		if (!strncmp(*p, "true", 4) || !strncmp(*p, "false", 5)) {
			j->type = TJ_BOOL;
			j->num = **p == 't';
			*p += j->num ? 4 : 5;
			return j;
		}
		if (!strncmp(*p, "null", 4)) {
			*p += 4;
			return j;
		}
		goto bad;
	default:
		j->type = TJ_NUM;
		j->num = strtod(*p, &end);
		if (end == *p)
			goto bad;
		*p = end;
		return j;
	}
bad:
	tr_json_free(j);
	return NULL;
}

/* one JSON value filling @s (whitespace around allowed), or NULL */
static inline struct tr_json *tr_json_parse(const char *s)
{
	struct tr_json *j = tr_jvalue(&s, 0);

	if (j) {
		tr_ws(&s);
		if (*s) {
			tr_json_free(j);
			return NULL;
		}
	}
	return j;
}

static inline struct tr_json *tr_jget(const struct tr_json *o, const char *key)
{
	struct tr_json *k;

	if (!o || o->type != TJ_OBJ)
		return NULL;
	for (k = o->kids; k; k = k->next)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

/* a number member (NaN when missing) */
static inline double tr_jnum(const struct tr_json *o, const char *key)
{
	struct tr_json *k = tr_jget(o, key);

	return k && k->type == TJ_NUM ? k->num : __builtin_nan("");
}

/*
 * Every key path in @j, added to @paths (newline-separated, each once):
 * "a.b" for members, "a[].b" for members of array elements.
 */
static inline void tr_json_paths(const struct tr_json *j, const char *prefix,
				 char *paths, size_t cap)
{
	const struct tr_json *k;
	char p[256], line[260];

	for (k = j->kids; k; k = k->next) {
		if (j->type == TJ_OBJ) {
			snprintf(p, sizeof(p), "%s%s%s", prefix, *prefix ? "." : "", k->key);
			snprintf(line, sizeof(line), "\n%s\n", p);
			if (!strstr(paths, line) && strlen(paths) + strlen(p) + 2 < cap) {
				strcat(paths, p + 0);
				strcat(paths, "\n");
			}
		} else {
			snprintf(p, sizeof(p), "%s[]", prefix);
		}
		if (k->type == TJ_OBJ || k->type == TJ_ARR)
			tr_json_paths(k, p, paths, cap);
	}
}

#endif /* __IODIRTY_TRACER_UTIL_H */
