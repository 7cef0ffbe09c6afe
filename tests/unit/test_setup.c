// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Set-up control: the signal watcher that cancels set-up, and the progress line. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "setup.h"

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SIGINT, SIGTERM and SIGHUP blocked and read through a signalfd, as agent-trace does. */
static int blocked_sigfd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	cr_assert_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	cr_assert_geq(fd, 0);
	return fd;
}

/* A stop signal cancels set-up at once; the watcher then hands the signalfd back. */
Test(setup, sigterm_cancels_within_100ms)
{
	struct setup_watch w = { .stop_fd = -1 };
	int fd = blocked_sigfd();
	double t0;

	setup_reset();
	cr_assert_eq(setup_watch__start(&w, fd, true), 0);
	cr_assert_not(setup_cancelled());
	t0 = mono_s();
	/* To the process, not this thread: the watcher's read sees only those. */
	cr_assert_eq(kill(getpid(), SIGTERM), 0);
	while (!setup_cancelled() && mono_s() - t0 < 1)
		usleep(100);
	cr_assert(setup_cancelled());
	cr_assert_lt(mono_s() - t0, 0.1, "%.3f s", mono_s() - t0);
	cr_assert_eq(atomic_load(&w.signo), SIGTERM);
	setup_watch__stop(&w);
	cr_assert_eq(w.stop_fd, -1);
	setup_reset();
	close(fd);
}

/* With -C SIGHUP asks for a reload: kept for later, set-up goes on. */
Test(setup, sighup_is_kept_for_a_reload)
{
	struct setup_watch w = { .stop_fd = -1 };
	int fd = blocked_sigfd();
	struct signalfd_siginfo si;

	setup_reset();
	cr_assert_eq(setup_watch__start(&w, fd, true), 0);
	cr_assert_eq(kill(getpid(), SIGHUP), 0);
	for (int i = 0; i < 1000 && !atomic_load(&w.hup); i++)
		usleep(1000);
	cr_assert(atomic_load(&w.hup));
	cr_assert_not(setup_cancelled());
	setup_watch__stop(&w);
	/* Stopped: a signal now stays in the signalfd for its owner. */
	cr_assert_eq(kill(getpid(), SIGINT), 0);
	usleep(10 * 1000);
	cr_assert_not(setup_cancelled());
	cr_assert_eq(read(fd, &si, sizeof(si)), (ssize_t)sizeof(si));
	cr_assert_eq(si.ssi_signo, (unsigned)SIGINT);
	close(fd);
}

/* Without -C SIGHUP stops, as it does while tracing. */
Test(setup, sighup_without_reload_cancels)
{
	struct setup_watch w = { .stop_fd = -1 };
	int fd = blocked_sigfd();

	setup_reset();
	cr_assert_eq(setup_watch__start(&w, fd, false), 0);
	cr_assert_eq(kill(getpid(), SIGHUP), 0);
	for (int i = 0; i < 1000 && !setup_cancelled(); i++)
		usleep(1000);
	cr_assert(setup_cancelled());
	cr_assert_eq(atomic_load(&w.signo), SIGHUP);
	setup_watch__stop(&w);
	setup_reset();
	close(fd);
}

/*
 * One clock for the whole set-up: a stage that starts after a second has
 * passed says where it is at once, then at most once a second; none with NULL.
 */
Test(setup, progress_after_a_second_of_setup)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	setup_progress_to(f);
	setup_progress_begin();
	setup_progress("resolving", 0, 10, "SPECs");
	setup_progress("resolving", 1, 10, "SPECs");
	fflush(f);
	cr_assert_eq(len, 0, "a line before a second: %s", buf);
	usleep(1050 * 1000);
	setup_progress("attaching", 0, 5, "probes");
	setup_progress("attaching", 3, 5, "probes");
	setup_progress("attaching", 4, 5, "probes");
	fflush(f);
	cr_assert_str_eq(buf, "agent-trace: attaching 3 of 5 probes\n");
	setup_progress_to(NULL);
	setup_progress("attaching", 5, 5, "probes");
	fclose(f);
	cr_assert_str_eq(buf, "agent-trace: attaching 3 of 5 probes\n");
	free(buf);
}
