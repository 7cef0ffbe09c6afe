// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Target for the capture limits (test_limits.c): calls with known bytes, so
 * that every captured byte can be checked.
 *
 *   bigcap four          four_strs("alpha", "bravo", "charlie", "delta") once
 *   bigcap write N       write(2) of N pattern bytes to /dev/null
 *   bigcap read N        read(2) of N pattern bytes from a pipe
 *   bigcap long          take_long() of a 1000-char string, fill_big() of 3000 bytes
 *   bigcap edges         take_long() of 254, 255, 256 and 257 chars (the inline part's edge)
 *   bigcap match         match100() of two 100-byte strings differing at byte 90
 *   bigcap junk          junk_len(buf, n) with junk in n's register's upper half, and n < 0
 *   bigcap deep N        deep() recursing N calls deep
 *
 * Pattern byte i is 'a' + i % 26 (pattern()). Exits 0, writes nothing to
 * stdout or stderr.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BIG 5000

static char buf[BIG + 1];

static void pattern(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + i % 26);
	p[n] = '\0';
}

__attribute__((noinline)) int four_strs(const char *a, const char *b, const char *c, const char *d)
{
	return (int)(strlen(a) + strlen(b) + strlen(c) + strlen(d));
}

__attribute__((noinline)) int take_long(const char *s)
{
	return (int)strlen(s);
}

/* Fills n bytes of p with the pattern; returns n. */
__attribute__((noinline)) int fill_big(char *p, int n)
{
	pattern(p, (size_t)n);
	return n;
}

__attribute__((noinline)) int match100(const char *s)
{
	return s[0];
}

/* A length of declared type int: only its lower 32 bits are the caller's. */
__attribute__((noinline)) int junk_len(const char *p, int n)
{
	return p[0] + n;
}

__attribute__((noinline)) int deep(int d, const char *s)
{
	return d <= 1 ? (int)strlen(s) : deep(d - 1, s) + 1;
}

/*
 * junk_len called with 0xdeadbeef in the upper half of the register that
 * holds n: the call through a pointer typed with a 64-bit second argument
 * passes the whole register, the callee reads only its int.
 */
static void call_junk(const char *p, long n)
{
	/* Through void (*)(void), the type GCC lets any function pointer be cast to. */
	int (*volatile f)(const char *, long) =
		(int (*)(const char *, long))(void (*)(void))junk_len;

	f(p, n);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;

	if (n > BIG)
		return 2;
	if (!strcmp(mode, "four")) {
		four_strs("alpha", "bravo", "charlie", "delta");
	} else if (!strcmp(mode, "write")) {
		int fd = open("/dev/null", O_WRONLY);

		pattern(buf, n);
		if (fd < 0 || write(fd, buf, n) != (ssize_t)n)
			return 1;
		close(fd);
	} else if (!strcmp(mode, "read")) {
		int fds[2];

		pattern(buf, n);
		if (pipe(fds) || write(fds[1], buf, n) != (ssize_t)n)
			return 1;
		memset(buf, 0, sizeof(buf));
		if (read(fds[0], buf, n) != (ssize_t)n)
			return 1;
	} else if (!strcmp(mode, "long")) {
		static char out[3000];

		pattern(buf, 1000);
		take_long(buf);
		fill_big(out, sizeof(out));
	} else if (!strcmp(mode, "edges")) {
		for (size_t len = 254; len <= 257; len++) {
			pattern(buf, len);
			take_long(buf);
		}
	} else if (!strcmp(mode, "match")) {
		pattern(buf, 100);
		match100(buf);
		buf[90] = 'X';
		match100(buf);
	} else if (!strcmp(mode, "junk")) {
		pattern(buf, 64);
		call_junk(buf, (long)0xdeadbeef00000010ull); /* n is 16 */
		call_junk(buf, -5);			     /* negative: nothing to read */
	} else if (!strcmp(mode, "deep")) {
		deep((int)n, "x");
	} else {
		return 2;
	}
	return 0;
}
