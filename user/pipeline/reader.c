// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Out of the kernel: the ring buffer, its wakeups, the reader thread and its sleep. */
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "follow.h"
#include "reader.h"
#include "session.h"
#include "session_priv.h"
#include "util.h"

/* Records between two clock reads in a long drain: a busy ring is never taken for a stuck one. */
#define POLL_STAMP_EVERY 1024

static void stamp_poll(struct session *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	__atomic_store_n(&s->rstats.last_poll_ns,
			 (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
			 __ATOMIC_RELAXED);
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	/* One writer; relaxed stores so a --metrics scrape may read them meanwhile: a plain mov. */
	__atomic_store_n(&s->rstats.records, s->rstats.records + 1, __ATOMIC_RELAXED);
	if (!(s->rstats.records % POLL_STAMP_EVERY))
		stamp_poll(s);
	/* Process records tell the follower; a candidate exec that did not match goes no further. */
	if (!follow_record(s->follow, data, size))
		return 0;
	s->opts.on_record(s->opts.ctx, data, size);
	return 0;
}

/*
 * An epoll on the ring buffer's fd that wakes only on the programs' explicit
 * wakeups, and on stop_fd. libbpf's own epoll is level-triggered: it reports
 * the buffer readable whenever a record is pending, so the reader would spin
 * at the event rate and the programs' BPF_RB_NO_WAKEUP would batch nothing.
 * Edge-triggered, only the programs' wakeups (wakeup_bytes pending, or the
 * first record after the reader slept) end the wait early. The fd, or -errno.
 */
static int reader_open_epoll(int ring_fd, int stop_fd)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	if (epoll_ctl(fd, EPOLL_CTL_ADD, ring_fd,
		      &(struct epoll_event){ .events = EPOLLIN | EPOLLET }) ||
	    epoll_ctl(fd, EPOLL_CTL_ADD, stop_fd, &(struct epoll_event){ .events = EPOLLIN })) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * The ring's consumer page and producer page, read-only (libbpf keeps its own
 * mappings, and writes the consumer position). 0 or -errno.
 */
static int reader_map_positions(struct session *s, int ring_fd)
{
	long page = sysconf(_SC_PAGESIZE);
	void *c, *p;

	c = mmap(NULL, page, PROT_READ, MAP_SHARED, ring_fd, 0);
	if (c == MAP_FAILED)
		return -errno;
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, ring_fd, page);
	if (p == MAP_FAILED) {
		int ret = -errno;

		munmap(c, page);
		return ret;
	}
	s->cons_pos = c;
	s->prod_pos = p;
	return 0;
}

int reader__open(struct session *s, char *err, size_t errlen)
{
	int fd = bpf_map__fd(s->skel->maps.events);
	int ret;

	s->rb = ring_buffer__new(fd, on_sample, s, NULL);
	if (!s->rb)
		return fail(err, errlen, "ring buffer: %s", strerror(errno));
	ret = reader_map_positions(s, fd);
	if (ret)
		return fail(err, errlen, "mapping the ring buffer positions: %s", strerror(-ret));
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stop_fd < 0)
		return fail(err, errlen, "reader stop eventfd: %s", strerror(errno));
	s->wake_fd = reader_open_epoll(fd, s->stop_fd);
	if (s->wake_fd < 0)
		return fail(err, errlen, "ring buffer epoll: %s", strerror(-s->wake_fd));
	return 0;
}

void reader__close(struct session *s)
{
	long page = sysconf(_SC_PAGESIZE);

	if (s->rb)
		ring_buffer__free(s->rb);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	if (s->cons_pos)
		munmap((void *)s->cons_pos, page);
	if (s->prod_pos)
		munmap((void *)s->prod_pos, page);
	s->rb = NULL;
	s->wake_fd = -1;
	s->stop_fd = -1;
	s->cons_pos = s->prod_pos = NULL;
}

/*
 * The reader's half of the sleep protocol (bpf/lib/ringbuf.bpf.h has the
 * producers'): after a poll_ms window that brought nothing, sleep until the
 * next record, however long. Set the flag, full barrier, and only then look
 * whether the ring is empty: a producer that committed before our look is
 * seen by it, one that commits after it sees the flag (it reads the flag after
 * its commit's barrier) and wakes us. Either way no record waits unseen.
 * Woken (or not sleeping), the flag goes: while we drain, producers must not
 * pay for wakeups. A producer that took the flag meanwhile leaves one edge
 * pending on the epoll: the next wait returns at once, finds nothing, and the
 * reader comes back here. session__stop writes stop_fd, which ends the sleep.
 */
static void reader_sleep(struct session *s)
{
	uint32_t *asleep = &s->skel->bss->reader_asleep;
	struct epoll_event ev;

	__atomic_store_n(asleep, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(s->prod_pos, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(s->cons_pos, __ATOMIC_RELAXED))
		epoll_wait(s->wake_fd, &ev, 1, -1);
	__atomic_store_n(asleep, 0, __ATOMIC_RELAXED);
}

/*
 * Drains the ring and hands the records on: each time the programs wake us
 * (a batch's worth pending, or the first record after we slept) or the
 * poll_ms window ends. A window that brought nothing is a quiet spell: then
 * sleep until the next record rather than the window (no wakeups while idle,
 * and a lone record read at once). A record right after a busy window waits
 * for the window's end, so under load records gather into batches as before.
 */
static void *reader_main(void *arg)
{
	struct session *s = arg;
	bool quiet = true; /* nothing has come yet: the first record wakes us */

	/* Named for top -H and for the tests that stop it alone (ptrace) to see /healthz fail. */
	pthread_setname_np(pthread_self(), "at-reader");
	while (!worker__stopping(&s->reader)) {
		uint64_t before = s->rstats.records;
		struct epoll_event ev;

		if (quiet)
			reader_sleep(s);
		else
			epoll_wait(s->wake_fd, &ev, 1, (int)s->opts.poll_ms);
		ring_buffer__consume(s->rb);
		/* After the drain: a reader asleep on an empty ring is idle, not stuck (/healthz). */
		stamp_poll(s);
		quiet = s->rstats.records == before;
		if (!quiet) {
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
	int ret = follow_start(s->follow);

	if (ret)
		return ret;
	stamp_poll(s);
	return worker__start(&s->reader, reader_main, s);
}

void session__stop(struct session *s)
{
	if (s->stopped)
		return;
	s->stopped = true;
	agent_trace_bpf__detach(s->skel);
	/* The links made for each process's own files, then the probes' own. */
	follow_stop(s->follow);
	probes__detach_all(s);
	worker__ask_stop(&s->reader);
	/* Ends the reader's wait, however long: an eventfd stays readable once written. */
	/* It fails only at a counter near 2^64, readable already. */
	(void)!write(s->stop_fd, &(uint64_t){ 1 }, sizeof(uint64_t));
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
	out->last_poll_ns = __atomic_load_n(&s->rstats.last_poll_ns, __ATOMIC_RELAXED);
	/* The positions only grow; the producer's read last, so the difference is never negative. */
	out->unread = 0;
	if (s->cons_pos && s->prod_pos) {
		unsigned long cons = __atomic_load_n(s->cons_pos, __ATOMIC_ACQUIRE);
		unsigned long prod = __atomic_load_n(s->prod_pos, __ATOMIC_ACQUIRE);

		out->unread = prod - cons;
	}
}
