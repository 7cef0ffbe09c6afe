// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Identity on every record, through the output front (records decoded,
 * formatted, the exit releasing the entry) with the cache on a fixture
 * /proc: the text sink's short id, the JSON sink's fields, host lines as
 * they always were.
 */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgid.h"
#include "ident.h"
#include "output.h"
#include "sink.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
#define UID_ "1b2c3d4e_5f60_4a7b_8c9d_0e1f2a3b4c5d"
/* Records at 100 s after boot, the trace begun at 99 s: times read 1.000000. */
#define TS (100ull * 1000000000ull)

static char root[64], path[96];

static void put_file(uint32_t pid, const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%u", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%u/%s", root, pid, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void proc(uint32_t pid, const char *cgroup)
{
	char stat[256];

	snprintf(stat, sizeof(stat), "%u (calls) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n",
		 pid);
	put_file(pid, "stat", stat);
	put_file(pid, "cgroup", cgroup);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void setup(void)
{
	strcpy(root, "/tmp/at-ident-out-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s.out", root);
	/* A process in a kubepods container, one on the host. */
	proc(77, "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		 ".slice/cri-containerd-" ID ".scope\n");
	proc(78, "9:name=systemd:/\n0::/\n");
}

static void teardown(void)
{
	nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	unlink(path);
}

TestSuite(ident_out, .init = setup, .fini = teardown);

/* The output of format json on path, its cache on the fixture. */
static void open_out(struct output *o, bool json)
{
	struct ident_opts io = { .proc_root = root, .clock_fixed = true };

	*o = (struct output){ .json = json, .events = true, .start_ns = TS - 1000000000ull };
	cr_assert_eq(output_open(o, path), 0);
	/* Made on the host's /proc (none in another pid namespace): the fixture's instead. */
	ident_cache__free(o->ident);
	o->ident = ident_cache__new(&io);
	cr_assert_not_null(o->ident);
	/* The cgroup2 tree is the fixture's too: records with an id are looked up there. */
	cgid_cache__free(o->cgid);
	o->cgid = cgid_cache__new(&(struct cgid_opts){ .root = root, .proc_root = root });
	cr_assert_not_null(o->cgid);
}

static void getppid_cg(struct output *o, uint32_t pid, uint64_t cgroup_id, int ret)
{
	struct at_call_rec r = { .nr = 110, .ret = ret, .enter_ns = TS, .flags = AT_CALL_NO_DUR };

	r.hdr.cgroup_id = cgroup_id;
	r.hdr.type = AT_REC_SYSCALL;
	r.hdr.pid = r.hdr.tid = pid;
	r.hdr.ts_ns = TS;
	r.hdr.probe_id = AT_PROBE_SYSCALLS;
	memset(r.slot_arg, AT_ARG_NONE, sizeof(r.slot_arg));
	output_record(o, &r, offsetof(struct at_call_rec, slot));
}

static void getppid_rec(struct output *o, uint32_t pid, int ret)
{
	getppid_cg(o, pid, 0, ret);
}

static void exit_rec(struct output *o, uint32_t pid)
{
	struct at_proc_rec r = { .exit_code = 0 };

	r.hdr.type = AT_REC_PROC_EXIT;
	r.hdr.pid = r.hdr.tid = pid;
	r.hdr.ts_ns = TS;
	strcpy(r.comm, "calls");
	output_record(o, &r, sizeof(r));
}

static struct ident_stats stats(const struct output *o)
{
	struct ident_stats st;

	ident_cache__stats(o->ident, &st);
	return st;
}

/* What the output wrote, once closed. */
static const char *written(struct output *o)
{
	static char text[8192];
	FILE *f;
	size_t n;

	cr_assert_eq(output_close(o), 0);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

Test(ident_out, text_short_id_in_a_container_host_lines_unchanged)
{
	struct output o;

	open_out(&o, false);
	getppid_rec(&o, 77, 1);
	getppid_rec(&o, 78, 1);
	getppid_rec(&o, 77, 1);
	exit_rec(&o, 77);
	exit_rec(&o, 78);
	cr_assert_eq(stats(&o).lookups, 2, "one read per process, none per event");
	cr_assert_eq(stats(&o).entries, 0, "released at exit");
	cr_assert_eq(stats(&o).released, 2);
	cr_assert_str_eq(written(&o), "   1.000000 77/77 [c:0123456789ab] getppid() = 1\n"
				      "   1.000000 78/78 getppid() = 1\n"
				      "   1.000000 77/77 [c:0123456789ab] getppid() = 1\n"
				      "   1.000000 77/77 [c:0123456789ab] +++ exited with 0 +++\n"
				      "   1.000000 78/78 +++ exited with 0 +++\n");
}

Test(ident_out, json_container_id_and_pod_uid_when_known)
{
	struct output o;

	open_out(&o, true);
	getppid_rec(&o, 77, 1);
	getppid_rec(&o, 78, 1);
	exit_rec(&o, 77);
	/* Gone from /proc before its record was decoded: no fields, as on the host. */
	getppid_rec(&o, 79, 1);
	cr_assert_str_eq(
		written(&o),
		"{\"type\":\"syscall\",\"time\":1.000000,\"pid\":77,\"tid\":77,\"container_id\":\"" ID
		"\",\"pod_uid\":\"" UID "\",\"syscall\":\"getppid\",\"nr\":110,\"args\":{},"
		"\"ret\":1,\"errno\":null,\"dur_ns\":null,\"truncated\":false}\n"
		"{\"type\":\"syscall\",\"time\":1.000000,\"pid\":78,\"tid\":78,\"syscall\":\"getppid\","
		"\"nr\":110,\"args\":{},\"ret\":1,\"errno\":null,\"dur_ns\":null,\"truncated\":false}\n"
		"{\"type\":\"exit\",\"time\":1.000000,\"pid\":77,\"container_id\":\"" ID
		"\",\"pod_uid\":\"" UID "\",\"comm\":\"calls\",\"code\":0,\"signal\":null}\n"
		"{\"type\":\"syscall\",\"time\":1.000000,\"pid\":79,\"tid\":79,\"syscall\":\"getppid\","
		"\"nr\":110,\"args\":{},\"ret\":1,\"errno\":null,\"dur_ns\":null,\"truncated\":false}\n");
}

/* A fork record renews its pid's entry: a new process of the pid is read afresh. */
Test(ident_out, fork_of_a_reused_pid_reads_it_again)
{
	struct at_proc_rec f = { .ppid = 1 };
	struct output o;

	open_out(&o, true);
	getppid_rec(&o, 78, 1);
	/* Pid 78's exit was lost; pid 78 is now a forked child in a container. */
	put_file(78, "stat", "78 (calls) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 200 0 0\n");
	put_file(78, "cgroup", "0::/docker/" ID "\n");
	f.hdr.type = AT_REC_PROC_FORK;
	f.hdr.pid = f.hdr.tid = 78;
	f.hdr.ts_ns = TS;
	strcpy(f.comm, "calls");
	output_record(&o, &f, sizeof(f));
	getppid_rec(&o, 78, 1);
	cr_assert_eq(stats(&o).reused, 1);
	cr_assert_str_eq(
		written(&o),
		"{\"type\":\"syscall\",\"time\":1.000000,\"pid\":78,\"tid\":78,\"syscall\":\"getppid\","
		"\"nr\":110,\"args\":{},\"ret\":1,\"errno\":null,\"dur_ns\":null,\"truncated\":false}\n"
		"{\"type\":\"fork\",\"time\":1.000000,\"pid\":78,\"container_id\":\"" ID
		"\",\"ppid\":1,\"comm\":\"calls\"}\n"
		"{\"type\":\"syscall\",\"time\":1.000000,\"pid\":78,\"tid\":78,\"container_id\":\"" ID
		"\",\"syscall\":\"getppid\",\"nr\":110,\"args\":{},\"ret\":1,\"errno\":null,"
		"\"dur_ns\":null,\"truncated\":false}\n");
}

/*
 * A process gone from /proc: its records' cgroup id names the container (a
 * directory of the fixture's cgroup2 tree), its exit's too; a host cgroup's
 * records fall back to the pid's entry.
 */
Test(ident_out, a_gone_process_is_known_by_its_records_cgroup_id)
{
	char dir[256];
	struct output o;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/libpod_parent", root);
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/libpod_parent/libpod-" ID, root);
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(stat(dir, &st), 0);
	open_out(&o, true);
	getppid_cg(&o, 90, st.st_ino, 1);
	{
		struct at_proc_rec r = { .exit_code = 0 };

		r.hdr.type = AT_REC_PROC_EXIT;
		r.hdr.pid = r.hdr.tid = 90;
		r.hdr.ts_ns = TS;
		r.hdr.cgroup_id = st.st_ino;
		strcpy(r.comm, "calls");
		output_record(&o, &r, sizeof(r));
	}
	/* Pid 77's cgroup id names no container here (the root's): by pid, as before. */
	cr_assert_eq(stat(root, &st), 0);
	getppid_cg(&o, 77, st.st_ino, 1);
	cr_assert_eq(stats(&o).lookups, 1, "pid 90 never read from /proc");
	cr_assert_str_eq(
		written(&o),
		"{\"type\":\"syscall\",\"time\":1.000000,\"pid\":90,\"tid\":90,\"container_id\":\"" ID
		"\",\"syscall\":\"getppid\",\"nr\":110,\"args\":{},\"ret\":1,\"errno\":null,"
		"\"dur_ns\":null,\"truncated\":false}\n"
		"{\"type\":\"exit\",\"time\":1.000000,\"pid\":90,\"container_id\":\"" ID
		"\",\"comm\":\"calls\",\"code\":0,\"signal\":null}\n"
		"{\"type\":\"syscall\",\"time\":1.000000,\"pid\":77,\"tid\":77,\"container_id\":\"" ID
		"\",\"pod_uid\":\"" UID "\",\"syscall\":\"getppid\",\"nr\":110,\"args\":{},"
		"\"ret\":1,\"errno\":null,\"dur_ns\":null,\"truncated\":false}\n");
}
