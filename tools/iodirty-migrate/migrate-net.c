// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-migrate: sockets, framing, the rate limit and page digests.
 *
 * Every socket operation has a timeout (SO_SNDTIMEO/SO_RCVTIMEO, a
 * poll()ed connect and accept), so a destination that vanishes or a source
 * that never comes makes the tool fail with ETIMEDOUT or the socket's own
 * error instead of hanging.  Functions return 0 or a negative errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "iodirty-migrate.h"

double mig_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int mig_set_timeouts(int fd, int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -errno;
	return 0;
}

int mig_listen(int port, int *out_fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd, one = 1, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		err = -errno;
		close(fd);
		return err;
	}
	*out_fd = fd;
	return 0;
}

int mig_accept(int lfd, int timeout_s, int *out_fd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int n = poll(&p, 1, timeout_s * 1000), fd;

	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = mig_set_timeouts(fd, timeout_s);
	if (n) {
		close(fd);
		return n;
	}
	*out_fd = fd;
	return 0;
}

/* HOST:PORT, HOST a name or IPv4 address, PORT 1..65535 */
int mig_parse_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long p;

	if (!colon || colon == s || (size_t)(colon - s) >= hostlen)
		return -EINVAL;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = 0;
	*port = p;
	return 0;
}

/*
 * HOST is an IPv4 address or "localhost": the tool is linked statically,
 * and glibc's name service (getaddrinfo) needs shared libraries at run time.
 */
int mig_connect(const char *host, int port, int timeout_s, int *out_fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct pollfd p;
	socklen_t el = sizeof(int);
	int fd, err = 0, n;

	if (!strcmp(host, "localhost"))
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "iodirty-migrate: '%s' is not an IPv4 address (names other than localhost are not resolved by this static binary)\n",
			host);
		return -EINVAL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS) {
		err = -errno;
		goto out;
	}
	p.fd = fd;
	p.events = POLLOUT;
	n = poll(&p, 1, timeout_s * 1000);
	if (n <= 0) {
		err = n ? -errno : -ETIMEDOUT;
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	err = -err;
	if (!err && fcntl(fd, F_SETFL, 0))
		err = -errno;
	err = err ?: mig_set_timeouts(fd, timeout_s);
out:
	if (err) {
		close(fd);
		return err;
	}
	*out_fd = fd;
	return 0;
}

void mig_bucket_init(struct mig_bucket *tb, double rate)
{
	tb->rate = rate;
	/* 10 ms worth of burst, at least one message */
	tb->burst = rate / 100 > MIG_CHUNK_PAGES * MIG_PAGE + sizeof(struct mig_msg) ?
		    rate / 100 : MIG_CHUNK_PAGES * MIG_PAGE + sizeof(struct mig_msg);
	tb->tokens = 0;
	tb->last = mig_now();
}

/* wait until @n bytes may go on the wire, then take them */
static void bucket_take(struct mig_bucket *tb, double n)
{
	for (;;) {
		double now = mig_now(), wait;

		tb->tokens += (now - tb->last) * tb->rate;
		tb->last = now;
		if (tb->tokens > tb->burst)
			tb->tokens = tb->burst;
		if (tb->tokens >= n || n > tb->burst) {
			tb->tokens -= n;	/* may go negative: debt */
			return;
		}
		wait = (n - tb->tokens) / tb->rate;
		struct timespec ts = { .tv_sec = (time_t)wait,
				       .tv_nsec = (long)((wait - (time_t)wait) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

static int write_all(int fd, struct iovec *iov, int n)
{
	while (n) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* SO_SNDTIMEO expired */
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		}
		while (n && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

int mig_send(int fd, __u32 type, __u64 a, __u64 b, __u64 c, __u64 d,
	     const void *data, __u64 len, struct mig_bucket *tb)
{
	struct mig_msg m = { .magic = MIG_MAGIC, .type = type, .a = a, .b = b,
			     .c = c, .d = d, .len = len };
	struct iovec iov[2] = { { &m, sizeof(m) }, { (void *)data, len } };

	if (tb)
		bucket_take(tb, sizeof(m) + len);
	return write_all(fd, iov, len ? 2 : 1);
}

int mig_recv_data(int fd, void *buf, __u64 len)
{
	char *p = buf;

	while (len) {
		ssize_t r = recv(fd, p, len, MSG_WAITALL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		}
		if (!r)
			return -ECONNRESET;	/* the peer closed mid-message */
		p += r;
		len -= r;
	}
	return 0;
}

int mig_recv(int fd, struct mig_msg *m)
{
	int err = mig_recv_data(fd, m, sizeof(*m));

	if (err)
		return err;
	if (m->magic != MIG_MAGIC || !m->type || m->type > MIG_VERDICT)
		return -EPROTO;
	return 0;
}

int mig_recv_expect(int fd, __u32 type, struct mig_msg *m)
{
	int err = mig_recv(fd, m);

	if (!err && m->type != type)
		err = -EPROTO;
	return err;
}

/*
 * 64-bit digest of a 4 KiB page, 8 bytes at a time (a page hash for
 * comparison, not a cryptographic one): multiply-xorshift per word.
 */
__u64 mig_digest(const void *page)
{
	const __u64 *w = page;
	__u64 h = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	for (i = 0; i < MIG_PAGE / 8; i++) {
		h ^= w[i] + 0x632be59bd9b4e019ULL + (h << 6) + (h >> 2);
		h *= 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 33;
	return h;
}
