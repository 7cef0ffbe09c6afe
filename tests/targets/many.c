// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target with 1,000 functions, fn_000 to fn_999, each returning its
 * argument plus its own number, for the tests and the bench of many probes
 * on one file.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Distinct bodies (0x... constants), so no two functions share an address. */
/* macro lists clang-format cannot lay out stably: */
// clang-format off
#define F(n) __attribute__((noinline)) int fn_##n(int x) { return x + 0x##n; }
#define F10(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define F100(p) F10(p##0) F10(p##1) F10(p##2) F10(p##3) F10(p##4) \
	F10(p##5) F10(p##6) F10(p##7) F10(p##8) F10(p##9)
F100(0) F100(1) F100(2) F100(3) F100(4) F100(5) F100(6) F100(7) F100(8) F100(9)

#define T(n) fn_##n,
#define T10(p) T(p##0) T(p##1) T(p##2) T(p##3) T(p##4) T(p##5) T(p##6) T(p##7) T(p##8) T(p##9)
#define T100(p) T10(p##0) T10(p##1) T10(p##2) T10(p##3) T10(p##4) \
	T10(p##5) T10(p##6) T10(p##7) T10(p##8) T10(p##9)
static int (*const fns[1000])(int) = {
	T100(0) T100(1) T100(2) T100(3) T100(4) T100(5) T100(6) T100(7) T100(8) T100(9)
};
// clang-format on

/*
 * A function whose first instruction is int3, never called: the kernel
 * refuses a uprobe on a trap instruction (prepare_uprobe, -ENOTSUPP) once a
 * process maps the file, so a link on it fails at attach, after resolving.
 */
__attribute__((naked, used)) void trap_insn(void)
{
	__asm__ volatile("int3\n\tret");
}

/* Each of the first k functions n times. */
static void call_all(int k, int n)
{
	for (int r = 0; r < n; r++)
		for (int i = 0; i < k; i++)
			fns[i](r);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;
	char b;

	if (!strcmp(mode, "calls")) {
		/* fn_000..fn_999, each called n times. */
		call_all(1000, n);
		return 0;
	}
	if (!strcmp(mode, "twophase")) {
		/* Every function n times, stops itself (SIGSTOP), then every one n times again. */
		call_all(1000, n);
		/* Stopped, it waits for the test: if the test dies first, so does it (no orphan). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			return 3;
		raise(SIGSTOP);
		call_all(1000, n);
		return 0;
	}
	if (!strcmp(mode, "wait")) {
		/* Says "ready", waits for a byte on stdin, then every function n times. */
		if (write(1, "ready\n", 6) != 6 || read(0, &b, 1) != 1)
			return 1;
		call_all(1000, n);
		return 0;
	}
	if (!strcmp(mode, "sleep")) {
		/* Every function once, then sleeps n seconds (killed before, in the bench). */
		call_all(1000, 1);
		sleep((unsigned)n);
		return 0;
	}
	fprintf(stderr, "usage: many calls N | twophase N | wait N | sleep N\n");
	return 2;
}
