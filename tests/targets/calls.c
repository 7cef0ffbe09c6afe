// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target with known system calls, one mode per scenario the integration
 * tests trace. Every mode makes its calls through syscall(2) or plain libc
 * wrappers that map one-to-one to a system call.
 */
#define _GNU_SOURCE /* statx */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* basic PATH N: create PATH, write N bytes "x...\n", fail an open with ENOENT, exit 3. */
static int basic(const char *path, int n)
{
	char *buf = malloc(n);
	int fd;

	memset(buf, 'x', n);
	buf[n - 1] = '\n';
	fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, buf, n) != n)
		return 1;
	close(fd);
	if (openat(AT_FDCWD, "/nonexistent/agent-trace", O_RDONLY) >= 0 || errno != ENOENT)
		return 1;
	free(buf);
	return 3;
}

static int pipe_w;

static void *late_writer(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	if (write(pipe_w, "ping", 4) != 4)
		exit(1);
	return NULL;
}

/* pipe: a read that blocks 200 ms on a pipe until another thread writes "ping". */
static int pipe_block(void)
{
	int fds[2];
	char buf[16];
	pthread_t th;

	if (pipe(fds))
		return 1;
	pipe_w = fds[1];
	pthread_create(&th, NULL, late_writer, NULL);
	if (read(fds[0], buf, sizeof(buf)) != 4)
		return 1;
	pthread_join(th, NULL);
	return 0;
}

/* fork: the child fails to open /nonexistent/child and exits 7; the parent waits. */
static int fork_child(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		openat(AT_FDCWD, "/nonexistent/child", O_RDONLY);
		_exit(7);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		return 1;
	openat(AT_FDCWD, "/nonexistent/parent", O_RDONLY);
	return 0;
}

#define NTHREADS 4
#define PER_THREAD 25

static pthread_barrier_t barrier;

static void *ppid_caller(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < PER_THREAD; i++)
		syscall(SYS_getppid);
	return NULL;
}

/* threads: 4 threads call getppid 25 times each, 100 calls from 4 distinct tids. */
static int threads(void)
{
	pthread_t th[NTHREADS];

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, ppid_caller, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	return 0;
}

/*
 * wait N: says "ready" on stdout, blocks reading stdin until a byte arrives
 * (the tracer attaches meanwhile), then calls getppid N times and
 * fails to open /nonexistent/waited once.
 */
static int wait_then_call(int n)
{
	char b;

	if (write(1, "ready\n", 6) != 6 || read(0, &b, 1) != 1)
		return 1;
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	openat(AT_FDCWD, "/nonexistent/waited", O_RDONLY);
	return 0;
}

/*
 * hold N: as wait N, then says "done" and blocks on stdin again until a byte
 * or EOF comes, so that it is still running while a tracer decodes its calls.
 */
static int hold_then_exit(int n)
{
	char b;

	if (wait_then_call(n) || write(1, "done\n", 5) != 5 || read(0, &b, 1) < 0)
		return 1;
	return 0;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *one_getppid(void *arg)
{
	(void)arg;
	syscall(SYS_getppid);
	return NULL; /* the thread ends with exit(2) */
}

static int blocked_w;

static void *blocked(void *arg)
{
	(void)arg;
	if (write(blocked_w, "p", 1) != 1)
		exit(1);
	for (;;)
		pause(); /* killed in pause by exit_group: it never calls exit */
	return NULL;
}

/*
 * counts: calls with known counts for counting modes: getppid 9 (7 + one per
 * joined thread), dup 5 of which 3 fail with EBADF, kill 1 and rt_sigreturn 1
 * (a handled SIGUSR1), clone3 3 (the threads), exit 2 (the joined threads),
 * exit_group 1 (which kills the third thread inside pause: pause 1, failed),
 * pipe2 1, write 1 and read 1 (besides the dynamic loader's), exit code 0.
 */
static int counts(void)
{
	pthread_t th[3];
	int fds[2];
	char b;

	for (int i = 0; i < 7; i++)
		syscall(SYS_getppid);
	for (int i = 0; i < 3; i++)
		if (syscall(SYS_dup, -1) != -1 || errno != EBADF)
			return 1;
	for (int i = 0; i < 2; i++)
		if (syscall(SYS_dup, 2) < 0)
			return 1;
	signal(SIGUSR1, on_usr1);
	if (kill(getpid(), SIGUSR1))
		return 1;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, one_getppid, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (syscall(SYS_pipe2, fds, O_CLOEXEC))
		return 1;
	blocked_w = fds[1];
	pthread_create(&th[2], NULL, blocked, NULL);
	/* It says so right before pause(): exit_group must find it blocked there. */
	if (read(fds[0], &b, 1) != 1)
		return 1;
	usleep(20 * 1000);
	return 0;
}

/*
 * many N: N getppid calls in bursts of 1000, 2 ms apart, then exit 0;
 * bursts N US: us microseconds apart.
 */
static int bursts(long n, useconds_t gap)
{
	for (long i = 0; i < n; i++) {
		syscall(SYS_getppid);
		if (i % 1000 == 999)
			usleep(gap);
	}
	return 0;
}

/*
 * lone N MS: N lseek(-1, T, SEEK_SET) calls, each MS ms after the one before
 * (the first MS ms after the start), T the CLOCK_MONOTONIC time in us just
 * before the call; each fails with EBADF. Then exit 0, MS ms after the last
 * (the exit wakes a tracer's reader: it must not be what gets the last read).
 */
static int lone(int n, int ms)
{
	struct timespec gap = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	for (int i = 0; i < n; i++) {
		struct timespec now;

		nanosleep(&gap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (syscall(SYS_lseek, -1, (long)(now.tv_sec * 1000000L + now.tv_nsec / 1000),
			    SEEK_SET) != -1 ||
		    errno != EBADF)
			return 1;
	}
	nanosleep(&gap, NULL);
	return 0;
}

/*
 * onsig N: waits for SIGUSR1 (its tracer attaches meanwhile), then forks a
 * child that calls getppid 5 times and exits 0, calls getppid N times, waits
 * for the child and exits 0.
 */
static int onsig(int n)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t block, old;
	int st;
	pid_t pid;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	if (sigaction(SIGUSR1, &sa, NULL) || sigprocmask(SIG_BLOCK, &block, &old))
		return 1;
	sigsuspend(&old);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		for (int i = 0; i < 5; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : 1;
}

/*
 * unused: fcntl and futex calls made with junk in the argument registers
 * their command does not take (raw syscalls, so the junk is really there):
 * fcntl(0, F_GETFL), fcntl(0, F_GETFD), fcntl(0, F_SETFD, FD_CLOEXEC) on a
 * dup, futex(&word, FUTEX_WAKE_PRIVATE, 1) and a FUTEX_WAIT_BITSET_PRIVATE
 * that fails EAGAIN (the word is not its val). Exits 0.
 */
static int unused(void)
{
	static unsigned word = 7;
	const long junk = 0x5a5a5a5a5a5aL;
	long fd = syscall(SYS_fcntl, 0, F_DUPFD_CLOEXEC, 10L, junk, junk, junk);

	if (fd < 10 || syscall(SYS_fcntl, fd, F_GETFL, junk, junk, junk, junk) < 0 ||
	    syscall(SYS_fcntl, fd, F_GETFD, junk, junk, junk, junk) != FD_CLOEXEC ||
	    syscall(SYS_fcntl, fd, F_SETFD, 0L, junk, junk, junk) ||
	    syscall(SYS_futex, &word, 1 | 128, 1L, junk, junk, junk) != 0 ||
	    syscall(SYS_futex, &word, 9 | 128, 8L, NULL, junk, 0xffffffffL) != -1 ||
	    errno != EAGAIN)
		return 1;
	return close((int)fd) ? 1 : 0;
}

/* A 32-bit call from 64-bit code: int $0x80 with i386's number and registers. */
static long int80(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

/*
 * compat: 32-bit calls of a 64-bit process (int $0x80): getpid 3 times
 * (i386 20), write(1, "hi\n", 3) (i386 4) and open("/nonexistent/i386",
 * O_RDONLY) (i386 5, ENOENT) with their bytes below 4 GiB (MAP_32BIT), then
 * a 64-bit getpid. Exits 0 when every result is right.
 */
static int compat(void)
{
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long pid = syscall(SYS_getpid);

	if (low == MAP_FAILED)
		return 1;
	memcpy(low, "hi\n", 4);
	strcpy(low + 64, "/nonexistent/i386");
	for (int i = 0; i < 3; i++)
		if (int80(20, 0, 0, 0) != pid)
			return 1;
	if (int80(4, 1, (long)low, 3) != 3 || int80(5, (long)(low + 64), 0, 0) != -ENOENT)
		return 1;
	return syscall(SYS_getpid) == pid ? 0 : 1;
}

static void on_sig(int sig)
{
	(void)sig;
}

/*
 * signals: signals with known siginfo delivered to a handler: SIGUSR1 by
 * kill (SI_USER), SIGUSR2 by sigqueue with 42 (SI_QUEUE), SIGUSR1 by tgkill
 * (SI_TKILL), and SIGCHLD of a child that exits 5 (CLD_EXITED, status 5)
 * and of one killed by SIGSEGV (a NULL write; CLD_KILLED or CLD_DUMPED).
 * Exits 0.
 */
static int signals(void)
{
	struct sigaction sa = { .sa_handler = on_sig };
	union sigval v = { .sival_int = 42 };
	pid_t pid;
	int st;

	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL) ||
	    sigaction(SIGCHLD, &sa, NULL))
		return 1;
	if (kill(getpid(), SIGUSR1) || sigqueue(getpid(), SIGUSR2, v) ||
	    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1))
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(5);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 5)
		return 1;
	pid = fork();
	if (pid == 0) {
		/* A write to address 16, not mapped: SEGV_MAPERR with si_addr 0x10. */
		volatile uintptr_t bad = 16;

		signal(SIGSEGV, SIG_DFL);
		*(volatile int *)bad = 1;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
		return 1;
	return 0;
}

/*
 * structs PATH: calls whose structures strace decodes, with known values:
 * PATH made 0640 with 10 bytes and stat'ed (newfstatat), /dev/null fstat'ed
 * (a character device), pipe2, a relative 1 ms clock_nanosleep, prlimit64
 * of RLIMIT_NOFILE, wait4 of a child that exits 3 and of one SIGTERM kills.
 * Exits 0.
 */
/*
 * xlat: calls whose arguments are named constants and flags, for -X: a
 * failing and a creating openat, lseek from the end, an anonymous mmap, a
 * socket with a type flag, kill(0, 0). Exits 0 when every result is right.
 */
static int xlat(const char *path)
{
	int fd, s;
	void *p;

	if (openat(AT_FDCWD, "/nonexistent/xlat", O_RDONLY | O_CLOEXEC) != -1 || errno != ENOENT)
		return 1;
	fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || lseek(fd, 0, SEEK_END) != 0)
		return 1;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, 4096))
		return 1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || kill(0, 0) || close(s) || close(fd))
		return 1;
	return unlink(path) ? 1 : 0;
}

/*
 * paths: calls on PATH by its name and by fds open on it (created here, so
 * not there before: found by the open that creates it), a dup, a child's
 * write to the fd it inherited, and calls on OTHER (some with the fd number
 * PATH's had) that do not touch it. Exits 0 when every result is right.
 */
static int paths(const char *path, const char *other)
{
	char buf[8];
	struct stat st;
	int fd, fd2, o, status;
	pid_t pid;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	o = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || o < 0 || write(fd, "traced\n", 7) != 7 || write(o, "other\n", 6) != 6)
		return 1;
	fd2 = dup(fd);
	if (fd2 < 0 || close(fd) || fstat(fd2, &st) || lseek(fd2, 0, SEEK_END) != 7)
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(write(fd2, "child\n", 6) == 6 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || close(fd2))
		return 1;
	/* OTHER again, on the lowest free fd: the number PATH's first fd had. */
	fd = open(other, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 6 || close(fd) || close(o))
		return 1;
	return unlink(path) || unlink(other) ? 1 : 0;
}

/*
 * structs2: a signal action set and read back, a mask blocked, uname,
 * sysinfo, gettimeofday, an interval timer set, read and cancelled, a
 * timerfd armed and read, statx of PATH, an epoll_ctl. Exits 0 when every
 * result is right.
 */
static int structs2(const char *path)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART }, old;
	struct itimerval itv = { .it_interval = { 1, 0 }, .it_value = { 5, 0 } }, left;
	struct itimerspec its = { .it_value = { 1, 0 } }, its_left;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };
	struct utsname u;
	struct sysinfo si;
	struct timeval tv;
	struct statx stx;
	sigset_t set, oset;
	int fd, tfd, ep, p[2];

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGCHLD);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, 40);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0 || write(fd, "abc", 3) != 3 || close(fd))
		return 1;
	if (sigaction(SIGUSR1, &sa, &old) || sigaction(SIGUSR1, NULL, &old) ||
	    sigprocmask(SIG_BLOCK, &set, &oset) || uname(&u) || sysinfo(&si) ||
	    gettimeofday(&tv, NULL))
		return 1;
	if (setitimer(ITIMER_REAL, &itv, NULL) || getitimer(ITIMER_REAL, &left))
		return 1;
	itv = (struct itimerval){ 0 };
	if (setitimer(ITIMER_REAL, &itv, &left))
		return 1;
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) || timerfd_gettime(tfd, &its_left))
		return 1;
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) || stx.stx_size != 3)
		return 1;
	ep = epoll_create1(0);
	if (ep < 0 || pipe(p) || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev))
		return 1;
	return close(ep) || close(p[0]) || close(p[1]) || close(tfd) || unlink(path) ? 1 : 0;
}

/*
 * selects: on a pipe holding a byte, select with its read end in readfds
 * and its write end in writefds (2 ready, time left of 1 s), then on the
 * write end's readability (none: a 1 ms timeout); pselect6 on the read end
 * (1 ready); ppoll on it (1 ready, time left); a select with NULL sets
 * and timeout {0, 0}. Raw syscalls: glibc's select is pselect6 on x86-64
 * otherwise. Exits 0 when every result is right.
 */
static int selects(void)
{
	struct timeval tv = { .tv_sec = 1 };
	struct timespec ts = { .tv_sec = 1 };
	struct pollfd pf;
	fd_set r, w;
	int p[2];

	if (pipe(p) || write(p[1], "x", 1) != 1)
		return 1;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	if (syscall(SYS_select, p[1] + 1, &r, &w, NULL, &tv) != 2)
		return 1;
	FD_ZERO(&r);
	FD_SET(p[1], &r);
	tv = (struct timeval){ .tv_usec = 1000 };
	if (syscall(SYS_select, p[1] + 1, &r, NULL, NULL, &tv) != 0)
		return 1;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	if (syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL) != 1)
		return 1;
	pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
	ts = (struct timespec){ .tv_sec = 1 };
	if (syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8) != 1)
		return 1;
	tv = (struct timeval){ 0 };
	if (syscall(SYS_select, 0, NULL, NULL, NULL, &tv) != 0)
		return 1;
	return close(p[0]) || close(p[1]) ? 1 : 0;
}

/*
 * recreate N PATH: PATH created, closed and renamed to PATH.I, N times:
 * N files, each of its own inode (a removed file's number could be given
 * to the next). Exits 0.
 */
static int recreate(long n, const char *path)
{
	char to[4096];

	for (long i = 0; i < n; i++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

		snprintf(to, sizeof(to), "%s.%ld", path, i);
		if (fd < 0 || close(fd) || rename(path, to))
			return 1;
	}
	return 0;
}

/*
 * altstack: sigaltstack set to a 65536-byte stack, read back, disabled; then
 * getsockopt SO_TYPE with room for an int ([4]) and with 16 bytes ([16 =>
 * 4]), and SO_ERROR on a bad fd (EBADF); rt_sigtimedwait taking a SIGUSR1
 * it sent itself, then waiting 1 ms for a SIGUSR2 (EAGAIN). Exits 0 when
 * every result is right.
 */
static int altstack(void)
{
	static char stack[65536];
	stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack) }, old;
	int v[4], s;
	socklen_t len = sizeof(int);

	if (sigaltstack(&ss, NULL) || sigaltstack(NULL, &old) || old.ss_size != sizeof(stack))
		return 1;
	ss = (stack_t){ .ss_flags = SS_DISABLE };
	if (sigaltstack(&ss, NULL))
		return 1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || getsockopt(s, SOL_SOCKET, SO_TYPE, v, &len) || v[0] != SOCK_DGRAM)
		return 1;
	len = sizeof(v);
	if (getsockopt(s, SOL_SOCKET, SO_TYPE, v, &len) || len != sizeof(int))
		return 1;
	if (getsockopt(-1, SOL_SOCKET, SO_ERROR, v, &len) != -1 || errno != EBADF)
		return 1;
	if (close(s))
		return 1;
	/* A SIGUSR1 sent to itself, blocked, taken; then none of SIGUSR2 within 1 ms. */
	{
		struct timespec ms = { .tv_nsec = 1000000 };
		siginfo_t si;
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		if (sigprocmask(SIG_BLOCK, &set, NULL) || kill(getpid(), SIGUSR1) ||
		    syscall(SYS_rt_sigtimedwait, &set, &si, NULL, 8) != SIGUSR1 ||
		    si.si_code != SI_USER || si.si_pid != getpid())
			return 1;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		if (syscall(SYS_rt_sigtimedwait, &set, &si, &ms, 8) != -1 || errno != EAGAIN)
			return 1;
	}
	return 0;
}

/*
 * polls: poll on a readable pipe and a writable one, then on nothing ready
 * (a timeout); epoll_wait with both ready, then with none. Exits 0 when
 * every result is right.
 */
static int polls(void)
{
	struct epoll_event in = { .events = EPOLLIN, .data.u64 = 3 }, out = { .events = EPOLLOUT },
			   got[4];
	struct pollfd fds[2];
	int p[2], ep;

	if (pipe(p) || write(p[1], "x", 1) != 1)
		return 1;
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	if (poll(fds, 2, 100) != 2)
		return 1;
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLPRI };
	if (poll(fds, 1, 10) != 0)
		return 1;
	out.data.u64 = (unsigned)p[1];
	in.data.u64 = (unsigned)p[0];
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &in) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &out) || epoll_wait(ep, got, 4, 100) != 2)
		return 1;
	if (epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) || epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) ||
	    epoll_wait(ep, got, 4, 10) != 0)
		return 1;
	return close(ep) || close(p[0]) || close(p[1]) ? 1 : 0;
}

static int structs(const char *path)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 };
	struct stat st;
	struct rlimit rl;
	int fds[2], s, fd;
	pid_t pid;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0 || write(fd, "0123456789", 10) != 10 || close(fd) ||
	    syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) || st.st_size != 10)
		return 1;
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || syscall(SYS_fstat, fd, &st) || close(fd))
		return 1;
	if (syscall(SYS_pipe2, fds, O_CLOEXEC) || close(fds[0]) || close(fds[1]))
		return 1;
	if (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL))
		return 1;
	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl))
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(3);
	if (pid < 0 || syscall(SYS_wait4, pid, &s, 0, NULL) != pid)
		return 1;
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	if (pid < 0 || kill(pid, SIGTERM) || syscall(SYS_wait4, pid, &s, 0, NULL) != pid)
		return 1;
	return unlink(path) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "basic") && argc == 4)
		return basic(argv[2], atoi(argv[3]));
	if (!strcmp(mode, "pipe"))
		return pipe_block();
	if (!strcmp(mode, "fork"))
		return fork_child();
	if (!strcmp(mode, "threads"))
		return threads();
	if (!strcmp(mode, "wait") && argc == 3)
		return wait_then_call(atoi(argv[2]));
	if (!strcmp(mode, "bursts") && argc == 4)
		return bursts(atol(argv[2]), (useconds_t)atol(argv[3]));
	if (!strcmp(mode, "hold") && argc == 3)
		return hold_then_exit(atoi(argv[2]));
	if (!strcmp(mode, "counts"))
		return counts();
	if (!strcmp(mode, "many") && (argc == 3 || argc == 4)) {
		/* many N MS: then MS ms more alive (its identity is read while it runs). */
		int r = bursts(atol(argv[2]), 2000);

		if (argc == 4)
			usleep((useconds_t)atoi(argv[3]) * 1000);
		return r;
	}
	if (!strcmp(mode, "lone") && argc == 4)
		return lone(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(mode, "onsig") && argc == 3)
		return onsig(atoi(argv[2]));
	if (!strcmp(mode, "unused"))
		return unused();
	if (!strcmp(mode, "compat"))
		return compat();
	if (!strcmp(mode, "signals"))
		return signals();
	if (!strcmp(mode, "recreate") && argc == 4)
		return recreate(atol(argv[2]), argv[3]);
	if (!strcmp(mode, "altstack"))
		return altstack();
	if (!strcmp(mode, "selects"))
		return selects();
	if (!strcmp(mode, "polls"))
		return polls();
	if (!strcmp(mode, "structs2") && argc == 3)
		return structs2(argv[2]);
	if (!strcmp(mode, "paths") && argc == 4)
		return paths(argv[2], argv[3]);
	if (!strcmp(mode, "xlat") && argc == 3)
		return xlat(argv[2]);
	if (!strcmp(mode, "structs") && argc == 3)
		return structs(argv[2]);
	fprintf(stderr,
		"usage: calls basic PATH N | pipe | fork | threads | wait N | hold N | counts | "
		"many N [MS] | lone N MS | onsig N | unused | compat | signals | structs PATH | xlat PATH | paths PATH OTHER | structs2 PATH | polls\n");
	return 2;
}
