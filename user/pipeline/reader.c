// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Out of the kernel: the ring buffer, its edge-triggered wakeups, the reader thread. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "reader.h"
#include "session.h"
#include "session_priv.h"
#include "util.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	/* One writer; relaxed stores so a --metrics scrape may read them meanwhile: a plain mov. */
	__atomic_store_n(&s->rstats.records, s->rstats.records + 1, __ATOMIC_RELAXED);
	s->opts.on_record(s->opts.ctx, data, size);
	return 0;
}

/*
 * An epoll on the ring buffer's fd that wakes only on the programs' explicit
 * wakeups. libbpf's own epoll is level-triggered: it reports the buffer
 * readable whenever a record is pending, so the reader would spin at the
 * event rate and the programs' BPF_RB_NO_WAKEUP would batch nothing.
 * Edge-triggered, only the programs' wakeups (wakeup_bytes pending) end the
 * wait early; otherwise the reader drains every poll_ms. The fd, or -errno.
 */
static int reader_open_edge_triggered(int ring_fd)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (epoll_ctl(fd, EPOLL_CTL_ADD, ring_fd,
		      &(struct epoll_event){ .events = EPOLLIN | EPOLLET })) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int reader__open(struct session *s, char *err, size_t errlen)
{
	int fd = bpf_map__fd(s->skel->maps.events);

	s->rb = ring_buffer__new(fd, on_sample, s, NULL);
	if (!s->rb)
		return fail(err, errlen, "ring buffer: %s", strerror(errno));
	s->wake_fd = reader_open_edge_triggered(fd);
	if (s->wake_fd < 0)
		return fail(err, errlen, "ring buffer epoll: %s", strerror(-s->wake_fd));
	return 0;
}

void reader__close(struct session *s)
{
	if (s->rb)
		ring_buffer__free(s->rb);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	s->rb = NULL;
	s->wake_fd = -1;
}

static void *reader_main(void *arg)
{
	struct session *s = arg;

	while (!worker__stopping(&s->reader)) {
		uint64_t before = s->rstats.records;
		struct epoll_event ev;

		/*
		 * The programs wake us only when a batch is pending; the timeout
		 * bounds how long a lone record waits, then consume() takes it.
		 */
		epoll_wait(s->wake_fd, &ev, 1, (int)s->opts.poll_ms);
		ring_buffer__consume(s->rb);
		if (s->rstats.records != before) {
			__atomic_store_n(&s->rstats.batches, s->rstats.batches + 1,
					 __ATOMIC_RELAXED);
			if (s->opts.on_batch)
				s->opts.on_batch(s->opts.ctx);
		}
	}
	return NULL;
}

int session__start(struct session *s)
{
	return worker__start(&s->reader, reader_main, s);
}

void session__stop(struct session *s)
{
	if (s->stopped)
		return;
	s->stopped = true;
	agent_trace_bpf__detach(s->skel);
	probes__detach_all(s);
	worker__ask_stop(&s->reader);
	worker__join(&s->reader);
	/* Nothing writes any more: what is left is the tail of the trace. */
	ring_buffer__consume(s->rb);
	if (s->opts.on_batch)
		s->opts.on_batch(s->opts.ctx);
}

void session__reader_stats(struct session *s, struct reader_stats *out)
{
	out->records = __atomic_load_n(&s->rstats.records, __ATOMIC_RELAXED);
	out->batches = __atomic_load_n(&s->rstats.batches, __ATOMIC_RELAXED);
}
