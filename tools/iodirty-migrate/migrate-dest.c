// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-migrate --listen: the destination.
 *
 * Accepts one source connection per session (the source migrates once per
 * policy; HELLO says which session of how many), receives pages into its
 * own memory, acknowledges the end of the memory stream (the source stops
 * its downtime clock there) and, with --verify, compares the digest of
 * every page with the one the source computed from its final memory after
 * the devices stopped.  It prints "mismatched N" per session, names the
 * first mismatched pages, and exits 1 if any session had a mismatch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iodirty-migrate.h"

struct dst_session {
	unsigned char *mem;
	unsigned long long npages, pages_rx, msgs;
	long long mismatched;
	unsigned long long bad[MIG_REPORT_PAGES];
	unsigned int nbad;
};

static int dst_pages(int fd, struct dst_session *s, const struct mig_msg *m)
{
	if (m->b == 0 || m->b > MIG_CHUNK_PAGES || m->a >= s->npages ||
	    m->b > s->npages - m->a || m->len != m->b * MIG_PAGE)
		return -EPROTO;
	s->pages_rx += m->b;
	s->msgs++;
	return mig_recv_data(fd, s->mem + m->a * MIG_PAGE, m->len);
}

static int dst_digests(int fd, struct dst_session *s, const struct mig_msg *m)
{
	static __u64 d[MIG_DIGEST_PAGES];
	unsigned long long i;
	int err;

	if (m->b == 0 || m->b > MIG_DIGEST_PAGES || m->a >= s->npages ||
	    m->b > s->npages - m->a || m->len != m->b * 8)
		return -EPROTO;
	err = mig_recv_data(fd, d, m->len);
	if (err || !env.verify)
		return err;
	for (i = 0; i < m->b; i++) {
		if (mig_digest(s->mem + (m->a + i) * MIG_PAGE) == d[i])
			continue;
		if (s->nbad < MIG_REPORT_PAGES)
			s->bad[s->nbad++] = m->a + i;
		s->mismatched++;
	}
	return 0;
}

static const char *errtext(int err)
{
	return err == -EPROTO ? "protocol error (not an iodirty-migrate source?)"
			      : strerror(-err);
}

/* one session; returns 0, 1 on mismatch, or a negative errno */
static int dst_session(int fd, int *session, int *sessions)
{
	struct dst_session s = { .mismatched = 0 };
	double t0 = mig_now(), t_done = 0;
	struct mig_msg m;
	unsigned int i;
	int err;

	err = mig_recv_expect(fd, MIG_HELLO, &m);
	if (err)
		goto out_err;
	if (m.b != MIG_PAGE || !m.a || m.a % MIG_PAGE || m.a > (64ULL << 30) ||
	    m.d < 1 || m.c >= m.d || m.len) {
		err = -EPROTO;
		goto out_err;
	}
	*session = m.c;
	*sessions = m.d;
	s.npages = m.a / MIG_PAGE;
	s.mem = calloc(s.npages, MIG_PAGE);
	if (!s.mem) {
		fprintf(stderr, "iodirty-migrate: destination: %llu MiB of memory: %s\n",
			m.a >> 20, strerror(errno));
		return -ENOMEM;
	}
	for (;;) {
		err = mig_recv(fd, &m);
		if (err)
			goto out_err;
		switch (m.type) {
		case MIG_PAGES:
			err = dst_pages(fd, &s, &m);
			break;
		case MIG_DONE:
			t_done = mig_now();
			err = mig_send(fd, MIG_ACK, 0, 0, 0, 0, NULL, 0, NULL);
			break;
		case MIG_DIGESTS:
			err = dst_digests(fd, &s, &m);
			break;
		case MIG_FINISH:
			goto verdict;
		default:
			err = -EPROTO;
		}
		if (err)
			goto out_err;
	}
verdict:
	printf("destination: session %d/%d: received %llu pages (%llu MiB) in %llu messages, %.0f ms\n",
	       *session + 1, *sessions, s.pages_rx, s.pages_rx * MIG_PAGE >> 20,
	       s.msgs, ((t_done ?: mig_now()) - t0) * 1e3);
	if (env.verify) {
		printf("mismatched %lld\n", s.mismatched);
		if (s.nbad) {
			printf("first mismatched pages:");
			for (i = 0; i < s.nbad; i++)
				printf(" %llu (iova 0x%llx)", s.bad[i],
				       MIG_IOVA + s.bad[i] * MIG_PAGE);
			printf("\n");
		}
	} else {
		printf("not verified (no --verify)\n");
	}
	fflush(stdout);
	err = mig_send(fd, MIG_VERDICT, env.verify ? (__u64)s.mismatched : ~0ULL,
		       s.nbad, 0, 0, s.bad, s.nbad * 8ULL, NULL);
	free(s.mem);
	if (err)
		goto out_err;
	return s.mismatched ? 1 : 0;
out_err:
	fprintf(stderr, "iodirty-migrate: destination: %s\n", errtext(err));
	free(s.mem);
	return err;
}

int mig_destination(void)
{
	int lfd, fd, err, session = 0, sessions = 1, bad = 0, r;

	err = mig_listen(env.listen_port, &lfd);
	if (err) {
		fprintf(stderr, "iodirty-migrate: listening on port %d: %s%s\n",
			env.listen_port, strerror(-err),
			err == -EADDRINUSE ? " (another process owns the port)" : "");
		return 1;
	}
	printf("destination: listening on port %d%s\n", env.listen_port,
	       env.verify ? ", verifying every page" : "");
	fflush(stdout);
	do {
		err = mig_accept(lfd, env.timeout_s, &fd);
		if (err) {
			fprintf(stderr, "iodirty-migrate: waiting for the source on port %d: %s\n",
				env.listen_port, strerror(-err));
			close(lfd);
			return 1;
		}
		r = dst_session(fd, &session, &sessions);
		close(fd);
		if (r < 0) {
			close(lfd);
			return 1;
		}
		bad |= r;
	} while (session + 1 < sessions);
	close(lfd);
	return bad ? 1 : 0;
}
