// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The cgroup-id cache on a fixture cgroup2 tree: the pid hint, the walk, its cap, the bound. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgid.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define UID "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"

static char base[64], root[96], proc_root[96];

static void setup(void)
{
	snprintf(base, sizeof(base), "/tmp/at-cgid.%d", getpid());
	snprintf(root, sizeof(root), "%s/cg", base);
	snprintf(proc_root, sizeof(proc_root), "%s/proc", base);
	cr_assert_eq(mkdir(base, 0700), 0);
	cr_assert_eq(mkdir(root, 0700), 0);
	cr_assert_eq(mkdir(proc_root, 0700), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void teardown(void)
{
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(cgid, .init = setup, .fini = teardown);

/* Makes the cgroup directory path (below the fixture root, with its parents); its inode. */
static uint64_t cg(const char *path)
{
	char full[512], *p;
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	mkdir(full, 0755);
	cr_assert_eq(stat(full, &st), 0, "%s: %s", full, strerror(errno));
	return (uint64_t)st.st_ino;
}

/* A fixture /proc/PID/cgroup. */
static void proc_cgroup(uint32_t pid, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", proc_root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/cgroup", proc_root, pid);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static struct cgid_cache *cache(uint32_t max, uint32_t walk_max)
{
	struct cgid_cache *c = cgid_cache__new(&(struct cgid_opts){
		.root = root, .proc_root = proc_root, .max_entries = max, .walk_max = walk_max });

	cr_assert_not_null(c);
	return c;
}

Test(cgid, a_gone_process_s_cgroup_is_found_by_a_walk_and_each_dir_seen_is_cached)
{
	uint64_t sys = cg("/system.slice"), a = cg("/libpod_parent/libpod-" ID_A),
		 b = cg("/libpod_parent/libpod-" ID_B), host = cg("/user.slice/user-0.slice");
	struct cgid_cache *c = cache(0, 0);
	const struct cgroup_ident *id;
	struct cgid_stats st;
	uint64_t walked;

	(void)sys;
	/* pid 77 has no /proc entry: gone. */
	id = cgid_cache__get(c, a, 77);
	cr_assert_not_null(id);
	cr_assert_str_eq(id->id, ID_A);
	cr_assert_eq(id->runtime, CG_RT_PODMAN);
	cgid_cache__stats(c, &st);
	cr_assert_eq(st.lookups, 1);
	cr_assert_eq(st.walks, 1);
	cr_assert_eq(st.proc_hits, 0);
	cr_assert_eq(st.misses, 0);
	/* Every directory the walk passed is known now: no second walk for them. */
	cr_assert_eq(st.entries, st.walk_dirs);
	cr_assert_geq(st.walk_dirs, 2);
	walked = st.walk_dirs;

	id = cgid_cache__get(c, a, 77);
	cr_assert_str_eq(id->id, ID_A);
	cgid_cache__stats(c, &st);
	cr_assert_eq(st.lookups, 1, "a hit reads nothing");
	/* b and the host's: a hit if the first walk passed them, else one walk each. */
	id = cgid_cache__get(c, b, 0);
	cr_assert_not_null(id);
	cr_assert_str_eq(id->id, ID_B);
	cr_assert_null(cgid_cache__get(c, host, 0), "a host cgroup names no container");
	cgid_cache__get(c, host, 0);
	cgid_cache__stats(c, &st);
	cr_assert_eq(st.misses, 0);
	cr_assert_leq(st.walks, 3);
	cr_assert_geq(st.walk_dirs, walked);
	cgid_cache__free(c);
}

Test(cgid, a_live_process_s_v2_path_is_used_when_its_inode_matches)
{
	uint64_t pod = cg("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID
			  ".slice/cri-containerd-" ID_B ".scope"),
		 other = cg("/system.slice");
	struct cgid_cache *c = cache(0, 0);
	const struct cgroup_ident *id;
	struct cgid_stats st;

	proc_cgroup(42, "12:pids:/\n0::/kubepods.slice/kubepods-besteffort.slice/"
			"kubepods-besteffort-pod" UID ".slice/cri-containerd-" ID_B ".scope\n");
	id = cgid_cache__get(c, pod, 42);
	cr_assert_not_null(id);
	cr_assert_str_eq(id->id, ID_B);
	cr_assert_str_eq(id->pod_uid, UID);
	cr_assert_eq(id->runtime, CG_RT_CONTAINERD);
	cgid_cache__stats(c, &st);
	cr_assert_eq(st.proc_hits, 1);
	cr_assert_eq(st.walks, 0);
	cr_assert_eq(st.entries, 1);
	/* The process moved since the record (its path's inode is another): the walk decides. */
	cr_assert_null(cgid_cache__get(c, other, 42));
	cgid_cache__stats(c, &st);
	cr_assert_eq(st.proc_hits, 1);
	cr_assert_eq(st.walks, 1);
	cr_assert_eq(st.misses, 0);
	cgid_cache__free(c);
}

Test(cgid, an_id_not_in_the_tree_is_a_counted_miss_cached_as_none)
{
	struct cgid_cache *c = cache(0, 0);
	struct cgid_stats st;

	cg("/a/b/c");
	cr_assert_null(cgid_cache__get(c, 1ull << 60, 5));
	cr_assert_null(cgid_cache__get(c, 1ull << 60, 5));
	cr_assert_null(cgid_cache__get(c, 0, 5), "no cgroup v2 id: nothing looked up");
	cgid_cache__stats(c, &st);
	cr_assert_eq(st.lookups, 1);
	cr_assert_eq(st.walks, 1);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(st.walk_dirs, 3);
	cr_assert_eq(st.entries, 4, "a, a/b, a/b/c and the miss");
	cgid_cache__free(c);
}

Test(cgid, the_walk_stops_at_its_cap)
{
	char path[64];
	struct cgid_cache *c = cache(0, 5);
	struct cgid_stats st;

	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/d%02d/sub", i);
		cg(path);
	}
	/* 40 directories, none the id: 5 stat'ed, cached, and the miss. */
	cr_assert_null(cgid_cache__get(c, 1ull << 60, 0));
	cgid_cache__stats(c, &st);
	cr_assert_eq(st.walks, 1);
	cr_assert_eq(st.walk_dirs, 5);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(st.entries, 6);
	cgid_cache__free(c);
}

Test(cgid, the_table_is_bounded)
{
	char path[128];
	uint64_t ids[64];
	struct cgid_cache *c = cache(8, 0);
	struct cgid_stats st;

	for (int i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/libpod_parent/libpod-%064x", i);
		ids[i] = cg(path);
	}
	for (int i = 0; i < 64; i++) {
		const struct cgroup_ident *id = cgid_cache__get(c, ids[i], 0);
		char want[CG_ID_LEN + 1];

		snprintf(want, sizeof(want), "%064x", i);
		cr_assert_not_null(id, "%d", i);
		cr_assert_str_eq(id->id, want);
	}
	cgid_cache__stats(c, &st);
	cr_assert_eq(st.max, 8);
	cr_assert_eq(st.entries, 8);
	cr_assert_gt(st.evictions, 0);
	cr_assert_eq(st.misses, 0);
	cgid_cache__free(c);
}

Test(cgid, the_cgroup2_mount_is_found_in_mountinfo)
{
	char mi[160], out[256];
	FILE *f;

	snprintf(mi, sizeof(mi), "%s/mountinfo", base);
	f = fopen(mi, "w");
	cr_assert_not_null(f);
	fputs("25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
	      "31 25 0:27 / /sys/fs/cgroup ro shared:9 - tmpfs tmpfs ro,mode=755\n"
	      "33 31 0:29 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
	      "41 31 0:38 / /sys/fs/cgroup/my\\040unified rw,relatime shared:10 - cgroup2 cgroup2 rw\n",
	      f);
	fclose(f);
	cr_assert_eq(cgid_find_mount(mi, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/sys/fs/cgroup/my unified");
	cr_assert_eq(cgid_find_mount(mi, out, 8), -ENAMETOOLONG);
	f = fopen(mi, "w");
	fputs("33 31 0:29 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n", f);
	fclose(f);
	cr_assert_eq(cgid_find_mount(mi, out, sizeof(out)), -ENOENT);
}
