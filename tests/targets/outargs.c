// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target whose functions write into their caller's memory, for the probes
 * that read arguments at return (buf[len=ret], out): a buffer filled and its
 * length returned, out-parameters, known values. The caller fills each
 * buffer with '#' first, so a read at entry shows, and checks every result,
 * so a probe that harmed a call shows in the exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Writes "reply I" (no NUL) into buf, at most cap bytes, and returns how
 * many; -1 when cap is negative (nothing written).
 */
__attribute__((noinline)) int fill_buf(char *buf, int cap, int i)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "reply %d", i);

	if (cap < 0)
		return -1;
	if (n > cap)
		n = cap;
	memcpy(buf, tmp, (size_t)n);
	return n;
}

/* Fills n bytes of buf with 'a' to 'z' over and over; returns n. */
__attribute__((noinline)) long fill_long(char *buf, long n)
{
	for (long k = 0; k < n; k++)
		buf[k] = (char)('a' + k % 26);
	return n;
}

/*
 * Out-parameters: *a = 100 + i and name "pair-I" (NUL-terminated), 0; for a
 * negative i garbage (-999, "bad") and -1, a failing call.
 */
__attribute__((noinline)) int get_pair(int *a, char *name, int i)
{
	if (i < 0) {
		*a = -999;
		strcpy(name, "bad");
		return -1;
	}
	*a = 100 + i;
	sprintf(name, "pair-%d", i);
	return 0;
}

/* *v = 0x1122334455667788 + i, and the 8 bytes of id: "ID%06d" of i. */
__attribute__((noinline)) int get_id(unsigned long *v, char *id, int i)
{
	char tmp[16];

	*v = 0x1122334455667788UL + (unsigned long)i;
	snprintf(tmp, sizeof(tmp), "ID%06d", i);
	memcpy(id, tmp, 8);
	return 0;
}

/* Reads *p at entry (an INT* read there): returns it + 1. */
__attribute__((noinline)) int peek(const int *p)
{
	return *p + 1;
}

/*
 * As SSL_read_ex: writes "ex-data I" (no NUL) into buf, at most num bytes,
 * their count in *readbytes, and returns 1; for a negative i 0 (failing),
 * *readbytes and buf left as they were.
 */
__attribute__((noinline)) int read_ex(char *buf, size_t num, size_t *readbytes, int i)
{
	char tmp[32];
	size_t n;

	if (i < 0)
		return 0;
	n = (size_t)snprintf(tmp, sizeof(tmp), "ex-data %d", i);
	if (n > num)
		n = num;
	memcpy(buf, tmp, n);
	*readbytes = n;
	return 1;
}

/* Its length through a pointer at entry: returns *len. */
__attribute__((noinline)) int write_ex(const char *buf, const unsigned short *len)
{
	__asm__ volatile("" : : "r"(buf) : "memory");
	return *len;
}

/* Sleeps ms milliseconds, then *a = 7; returns 0: a call long enough to tell entry from return. */
__attribute__((noinline)) int slow_get(int *a, int ms)
{
	usleep((useconds_t)ms * 1000);
	*a = 7;
	return 0;
}

/* Writes nothing: a call that leaves its out-argument as it was; returns 0. */
__attribute__((noinline)) int no_write(char *out)
{
	__asm__ volatile("" : : "r"(out) : "memory");
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;

	if (argc > 1 && !strcmp(argv[1], "untouched")) {
		/* A fresh page the process never touched: not in memory at the return. */
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);

		return p == MAP_FAILED || no_write(p) != 0;
	}
	char buf[512], name[32], id[8];
	int a, bad = 0;

	for (int i = 0; i < n; i++) {
		memset(buf, '#', sizeof(buf));
		bad |= fill_buf(buf, 64, i) != (int)strlen("reply ") + (i < 10 ? 1 : 2);
		bad |= memcmp(buf, "reply ", 6) != 0;
	}
	memset(buf, '#', sizeof(buf));
	bad |= fill_buf(buf, 3, 7) != 3 || memcmp(buf, "rep", 3); /* cut by cap */
	bad |= fill_buf(buf, 0, 8) != 0;			  /* nothing written */
	bad |= fill_buf(buf, -1, 9) != -1;			  /* failing */
	memset(buf, '#', sizeof(buf));
	bad |= fill_long(buf, 300) != 300 || buf[299] != 'a' + 299 % 26;

	for (int i = 0; i < n; i++) {
		memset(name, '#', sizeof(name));
		a = 0;
		bad |= get_pair(&a, name, i) != 0 || a != 100 + i;
	}
	memset(name, '#', sizeof(name));
	bad |= get_pair(&a, name, -1) != -1;

	{
		unsigned long v = 0;

		memset(id, '#', sizeof(id));
		bad |= get_id(&v, id, 42) != 0 || v != 0x1122334455667788UL + 42;
	}
	a = 41;
	bad |= peek(&a) != 42;
	{
		size_t got = 12345;
		unsigned short len = 5;

		memset(buf, '#', sizeof(buf));
		bad |= read_ex(buf, sizeof(buf), &got, 3) != 1 || got != 9;
		bad |= read_ex(buf, 4, &got, 4) != 1 || got != 4;
		got = 12345;
		bad |= read_ex(buf, sizeof(buf), &got, -1) != 0 || got != 12345;
		bad |= write_ex("hello, world", &len) != 5;
	}
	a = 0;
	bad |= slow_get(&a, 20) != 0 || a != 7;
	if (bad)
		fprintf(stderr, "outargs: a result was wrong\n");
	return bad;
}
