// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The identity cache on a fixture /proc: one read per process, pid reuse, exit, the bound. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ident.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define UID "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
/* Records' time: 100 s after boot; fixture processes start at tick 100 (1 s at 100 Hz) or so. */
#define TS (100ull * 1000000000ull)

static char root[64];
static struct ident_cache *c;

static void put_file(uint32_t pid, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/%s", root, pid, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* A process: its stat with start time start (ticks) and a command holding ") (", its cgroup. */
static void proc(uint32_t pid, uint64_t start, const char *cgroup)
{
	char stat[512];

	snprintf(stat, sizeof(stat),
		 "%u (a) (b c) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 10 0 0\n",
		 pid, (unsigned long long)start);
	put_file(pid, "stat", stat);
	put_file(pid, "cgroup", cgroup);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void gone(uint32_t pid)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%u", root, pid);
	nftw(path, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void cache(uint32_t max)
{
	struct ident_opts o = {
		.proc_root = root, .max_entries = max, .clock_fixed = true, .boot_minus_mono_ns = 0
	};

	c = ident_cache__new(&o);
	cr_assert_not_null(c);
}

static void setup(void)
{
	strcpy(root, "/tmp/at-ident-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

static void teardown(void)
{
	ident_cache__free(c);
	c = NULL;
	nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(ident, .init = setup, .fini = teardown);

static struct ident_stats stats(void)
{
	struct ident_stats st;

	ident_cache__stats(c, &st);
	return st;
}

static const char *id_of(uint32_t pid)
{
	const struct cgroup_ident *ci = ident_cache__get(c, pid, TS);

	return ci ? ci->id : NULL;
}

/* One /proc read per process, none per event; a host process's "none" is cached too. */
Test(ident, read_once_per_process)
{
	const struct cgroup_ident *ci;

	cache(0);
	cr_assert_eq(stats().max, IDENT_MAX_DEFAULT);
	proc(10, 100, "0::/kubepods/burstable/pod" UID "/" ID_A "\n");
	proc(11, 100, "9:name=systemd:/\n0::/\n");
	for (int i = 0; i < 100; i++) {
		ci = ident_cache__get(c, 10, TS);
		cr_assert_not_null(ci);
		cr_assert_str_eq(ci->id, ID_A);
		cr_assert_str_eq(ci->pod_uid, UID);
		cr_assert_eq(ci->runtime, CG_RT_CONTAINERD);
		cr_assert_null(ident_cache__get(c, 11, TS));
	}
	/* What /proc now says does not matter until the entry goes. */
	proc(11, 100, "0::/docker/" ID_B "\n");
	cr_assert_null(ident_cache__get(c, 11, TS));
	cr_assert_eq(stats().lookups, 2);
	cr_assert_eq(stats().entries, 2);
	cr_assert_eq(stats().failed, 0);
}

/* An exit went unseen and the pid came back as another process: found at its fork or exec. */
Test(ident, reused_pid_with_another_start_time_is_read_again)
{
	cache(0);
	proc(20, 100, "0::/docker/" ID_A "\n");
	cr_assert_str_eq(id_of(20), ID_A);
	/* The same process execs: its start time is the same, the entry stays, no cgroup read. */
	ident_cache__renew(c, 20);
	cr_assert_str_eq(id_of(20), ID_A);
	cr_assert_eq(stats().lookups, 1);
	cr_assert_eq(stats().reused, 0);
	/* Another process of pid 20, in another container. */
	proc(20, 5000, "0::/docker/" ID_B "\n");
	cr_assert_str_eq(id_of(20), ID_A, "nothing said the process changed yet");
	ident_cache__renew(c, 20);
	cr_assert_eq(stats().reused, 1);
	cr_assert_str_eq(id_of(20), ID_B);
	cr_assert_eq(stats().lookups, 2);
	/* A renew of a pid the cache does not hold reads nothing. */
	ident_cache__renew(c, 21);
	cr_assert_eq(stats().lookups, 2);
}

/* The exit drops the entry: the pid's next process is read afresh. */
Test(ident, exit_releases)
{
	cache(0);
	proc(30, 100, "0::/libpod_parent/libpod-" ID_A "\n");
	cr_assert_str_eq(id_of(30), ID_A);
	cr_assert_eq(stats().entries, 1);
	ident_cache__release(c, 30);
	cr_assert_eq(stats().entries, 0);
	cr_assert_eq(stats().released, 1);
	proc(30, 200, "0::/\n");
	cr_assert_null(id_of(30));
	cr_assert_eq(stats().lookups, 2);
	/* Releasing what is not held changes nothing. */
	ident_cache__release(c, 31);
	cr_assert_eq(stats().released, 1);
	cr_assert_eq(stats().entries, 1);
}

/* Gone before its records were decoded: unknown, cached, so its other records read nothing. */
Test(ident, gone_process_is_unknown_once)
{
	cache(0);
	for (int i = 0; i < 10; i++)
		cr_assert_null(ident_cache__get(c, 40, TS));
	cr_assert_eq(stats().lookups, 1);
	cr_assert_eq(stats().failed, 1);
	cr_assert_eq(stats().entries, 1);
	/* Its pid, now another process, forks: read afresh. */
	proc(40, 100, "0::/docker/" ID_A "\n");
	ident_cache__renew(c, 40);
	cr_assert_str_eq(id_of(40), ID_A);
	cr_assert_eq(stats().reused, 0, "an unknown entry was no process to mislabel");
}

/* The process holding the pid started after the record: not the record's process. */
Test(ident, newer_process_is_not_the_records)
{
	cache(0);
	/* Started at 200 s; the record is from 100 s. */
	proc(50, 20000, "0::/docker/" ID_A "\n");
	cr_assert_null(ident_cache__get(c, 50, TS));
	cr_assert_eq(stats().newer, 1);
	cr_assert_eq(stats().entries, 0, "not cached: the new process's own records come later");
	cr_assert_str_eq(ident_cache__get(c, 50, 300ull * 1000000000ull)->id, ID_A);
	cr_assert_eq(stats().entries, 1);
	/* Up to the tick the start was rounded down to: still the record's process. */
	proc(51, 10000, "0::/docker/" ID_B "\n");
	cr_assert_str_eq(id_of(51), ID_B);
}

/* Full: the clock hand evicts the first entry not used since it last passed. */
Test(ident, bounded_with_clock_eviction)
{
	cache(4);
	for (uint32_t pid = 1; pid <= 6; pid++)
		proc(pid, 100, "0::/docker/" ID_A "\n");
	for (uint32_t pid = 1; pid <= 4; pid++)
		cr_assert_str_eq(id_of(pid), ID_A);
	cr_assert_eq(stats().evictions, 0);
	/* All used since: the hand clears each, comes round, takes the first. */
	cr_assert_str_eq(id_of(5), ID_A);
	cr_assert_eq(stats().evictions, 1);
	cr_assert_eq(stats().entries, 4);
	cr_assert_eq(stats().lookups, 5);
	/* Pid 3 used again; pid 2 was not: the next victim is pid 2, pid 3 stays. */
	cr_assert_str_eq(id_of(3), ID_A);
	cr_assert_str_eq(id_of(6), ID_A);
	cr_assert_eq(stats().evictions, 2);
	cr_assert_eq(stats().lookups, 6);
	cr_assert_str_eq(id_of(3), ID_A);
	cr_assert_str_eq(id_of(4), ID_A);
	cr_assert_str_eq(id_of(5), ID_A);
	cr_assert_str_eq(id_of(6), ID_A);
	cr_assert_eq(stats().lookups, 6, "3, 4, 5 and 6 held");
	cr_assert_str_eq(id_of(2), ID_A);
	cr_assert_eq(stats().lookups, 7, "2 was evicted");
	cr_assert_eq(stats().entries, 4);
	/* Many pids through a small cache: always bounded, every answer right. */
	for (uint32_t pid = 100; pid < 400; pid++) {
		proc(pid, 100, pid % 2 ? "0::/docker/" ID_B "\n" : "0::/\n");
		if (pid % 2)
			cr_assert_str_eq(id_of(pid), ID_B);
		else
			cr_assert_null(id_of(pid));
		if (pid % 3 == 0)
			ident_cache__release(c, pid);
		cr_assert_leq(stats().entries, 4);
		gone(pid);
	}
}

/* A cgroup file longer than the read: whole lines only, never a path cut in two. */
Test(ident, long_cgroup_file_read_in_whole_lines)
{
	static char text[40000];
	size_t n;

	cache(0);
	n = (size_t)sprintf(text, "4:memory:/docker/%s\n", ID_A);
	memset(text + n, 'x', 16384 - n - 20);
	n = 16384 - 20;
	/* The preferred v2 line straddles the read's end: left out, the memory line is used. */
	sprintf(text + n, "\n0::/docker/%s\n", ID_B);
	proc(60, 100, text);
	cr_assert_str_eq(id_of(60), ID_A);
}

/* 0 in the initial pid namespace (its inode is fixed: PROC_PID_INIT_INO), -EXDEV elsewhere. */
Test(ident, host_pid_namespace)
{
	char link[64] = "";
	ssize_t n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1);

	cr_assert_gt(n, 0);
	cr_assert_eq(ident_host_pidns(), strcmp(link, "pid:[4026531836]") ? -EXDEV : 0, "%s", link);
}

/* The executable: read once per entry at the first ask, again after an exec; hits counted. */
Test(ident, executable_path_and_hits)
{
	char path[128];

	cache(0);
	proc(10, 100, "0::/\n");
	snprintf(path, sizeof(path), "%s/10/exe", root);
	cr_assert_eq(symlink("/usr/bin/first", path), 0);
	cr_assert_null(ident_cache__exe(c, 10), "no entry yet");
	cr_assert_null(ident_cache__get(c, 10, TS));
	cr_assert_str_eq(ident_cache__exe(c, 10), "/usr/bin/first");
	unlink(path);
	cr_assert_eq(symlink("/usr/bin/second", path), 0);
	cr_assert_str_eq(ident_cache__exe(c, 10), "/usr/bin/first", "kept");
	cr_assert_null(ident_cache__get(c, 10, TS));
	/* An exec: the same start time, another executable. */
	ident_cache__renew(c, 10);
	cr_assert_str_eq(ident_cache__exe(c, 10), "/usr/bin/second");
	cr_assert_eq(stats().hits, 1);
	cr_assert_eq(stats().lookups, 1);
	/* Unreadable: NULL, and asked again, not read again. */
	proc(11, 100, "0::/\n");
	cr_assert_null(ident_cache__get(c, 11, TS));
	cr_assert_null(ident_cache__exe(c, 11));
	ident_cache__release(c, 10);
	cr_assert_null(ident_cache__exe(c, 10));
	cr_assert_eq(stats().released, 1);
}
