// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Daemon mode's directory of probe files: which files count, the merge rules, the CLI. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "probedir.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/agent-trace-probedir.%d", (int)getpid());
	cr_assert_eq(mkdir(dir, 0700), 0);
}

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Loads the directory; warnings collected in *warnings (freed by the caller). */
static int load(struct probefile **pf, char *err, size_t errlen, char **warnings)
{
	size_t len = 0;
	FILE *w = open_memstream(warnings, &len);
	int ret;

	cr_assert_not_null(w);
	ret = probedir_load(dir, w, pf, err, errlen);
	fclose(w);
	return ret;
}

Test(probedir, merges_probes_targets_and_sinks_in_name_order, .fini = clean)
{
	struct probefile *pf;
	char err[1024], *warn;

	make_dir();
	put("b.yaml", "targets: {comm: [svc, db], pids: [7], all: true,\n"
		      "  containers: [{name: web}, {image: 'nginx:*'}], pods: {namespace: shop}}\n"
		      "output: {sinks: [{type: file, path: /tmp/b.json}]}\n"
		      "probes:\n  - {name: fn, kind: function, attach: '/bin/true:main'}\n");
	put("a.yml", "targets: {comm: [svc], containers: {name: web}}\n"
		     "output: {sinks: [{type: file, path: /tmp/a.json}]}\n"
		     "probes:\n  - {name: opens, kind: syscall, attach: openat}\n");
	cr_assert_eq(load(&pf, err, sizeof(err), &warn), 0, "%s", err);
	cr_assert_str_eq(warn, "");
	cr_assert_eq(pf->nprobes, 2);
	cr_assert_str_eq(pf->probes[0].name, "opens", "a.yml comes first");
	cr_assert_str_eq(pf->probes[1].name, "fn");
	cr_assert_eq(pf->targets.ncomm, 2, "svc once, db");
	cr_assert_str_eq(pf->targets.comm[0], "svc");
	cr_assert_str_eq(pf->targets.comm[1], "db");
	cr_assert_eq(pf->targets.npids, 1);
	cr_assert_eq(pf->targets.pids[0], 7);
	cr_assert(pf->targets.all, "one file's all: true is the set's");
	cr_assert_eq(pf->targets.nctrs, 2, "name web once, image nginx:*");
	cr_assert_str_eq(pf->targets.ctrs[0].name, "web");
	cr_assert_str_eq(pf->targets.ctrs[1].image, "nginx:*");
	cr_assert_eq(pf->targets.npods, 1);
	cr_assert_str_eq(pf->targets.pods[0].ns, "shop");
	cr_assert_eq(pf->output.exp.n, 2);
	cr_assert_str_eq(pf->output.exp.sinks[0].file.path, "/tmp/a.json");
	cr_assert_str_eq(pf->output.exp.sinks[1].file.path, "/tmp/b.json");
	cr_assert_str_eq(pf->path, dir);
	probefile_free(pf);
	free(warn);
}

Test(probedir, name_clash_across_files_names_both, .fini = clean)
{
	struct probefile *pf = (struct probefile *)1;
	char err[1024], want[512], *warn;

	make_dir();
	put("a.yaml", "probes:\n  - {name: opens, kind: syscall, attach: openat}\n");
	put("b.yaml", "probes:\n  - {name: other, kind: syscall, attach: read}\n"
		      "  - {name: opens, kind: syscall, attach: open}\n");
	cr_assert_eq(load(&pf, err, sizeof(err), &warn), -1);
	cr_assert_null(pf);
	snprintf(want, sizeof(want),
		 "%s/b.yaml:3:5: probe 'opens' is also defined in %s/a.yaml; probe names must "
		 "be unique across the directory",
		 dir, dir);
	cr_assert_str_eq(err, want);
	free(warn);
}

Test(probedir, dot_files_and_other_names_are_ignored, .fini = clean)
{
	struct probefile *pf;
	char err[1024], sub[128], *warn;

	make_dir();
	/* A ConfigMap's own entries, and files that are not probe files. */
	snprintf(sub, sizeof(sub), "%s/..2026_12_02_06_00_00.1", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	put(".hidden.yaml", "not: [valid\n");
	put("..data.yaml", "not: [valid\n");
	put("notes.txt", "not: [valid\n");
	put("x.yaml.bak", "not: [valid\n");
	put("p.yaml", "probes:\n  - {name: opens, kind: syscall, attach: openat}\n");
	cr_assert_eq(load(&pf, err, sizeof(err), &warn), 0, "%s", err);
	cr_assert_eq(pf->nprobes, 1);
	cr_assert_str_eq(pf->probes[0].name, "opens");
	probefile_free(pf);
	free(warn);
}

Test(probedir, empty_directory_is_an_empty_set, .fini = clean)
{
	struct probefile *pf;
	char err[1024], *warn;

	make_dir();
	cr_assert_eq(load(&pf, err, sizeof(err), &warn), 0, "%s", err);
	cr_assert_eq(pf->nprobes, 0);
	cr_assert_eq(pf->targets.npids + pf->targets.ncomm + pf->targets.nexe, 0);
	probefile_free(pf);
	free(warn);
}

Test(probedir, one_broken_file_refuses_the_set, .fini = clean)
{
	struct probefile *pf;
	char err[1024], want[256], *warn;

	make_dir();
	put("a.yaml", "probes:\n  - {name: opens, kind: syscall, attach: openat}\n");
	put("b.yaml", "probes:\n  - {name: x, kind: bogus, attach: read}\n");
	cr_assert_eq(load(&pf, err, sizeof(err), &warn), -1);
	snprintf(want, sizeof(want), "%s/b.yaml:", dir);
	cr_assert(!strncmp(err, want, strlen(want)), "%s", err);
	cr_assert(strstr(err, "bogus"), "%s", err);
	free(warn);
}

Test(probedir, first_file_wins_output_and_limits_with_a_warning, .fini = clean)
{
	struct probefile *pf;
	char err[1024], want[1024], *warn;

	make_dir();
	put("a.yaml", "output: {format: json, flush_timeout: 2s}\nlimits: {queue: 100}\n"
		      "probes:\n  - {name: a, kind: syscall, attach: openat}\n");
	put("b.yaml", "output: {format: json, metrics: '127.0.0.1:9464'}\n"
		      "limits: {queue: 200, processes: 50}\n"
		      "probes:\n  - {name: b, kind: syscall, attach: read}\n");
	cr_assert_eq(load(&pf, err, sizeof(err), &warn), 0, "%s", err);
	cr_assert_eq(pf->output.format, PF_FMT_JSON);
	cr_assert_eq(pf->output.exp.shutdown_ns, 2000000000ull);
	cr_assert_str_eq(pf->output.metrics, "127.0.0.1:9464", "set by b alone");
	cr_assert_eq(pf->limits.queue, 100);
	cr_assert_eq(pf->limits.processes, 50, "set by b alone");
	snprintf(want, sizeof(want),
		 "agent-trace: %s/b.yaml: limits: queue differs from %s/a.yaml's, which is "
		 "used (the first file in name order wins)\n",
		 dir, dir);
	cr_assert_str_eq(warn, want, "same format: no warning; queue: one");
	probefile_free(pf);
	free(warn);
}

Test(probedir, daemon_command_line)
{
	char *argv[] = { "agent-trace", "daemon", "--config-dir", "/etc/x", "--json", NULL };
	char *bad[] = { "agent-trace", "daemon", "-p", "1", NULL };
	char *dirless[] = { "agent-trace", "daemon", NULL };
	char *outside[] = { "agent-trace", "--config-dir", "/etc/x", NULL };
	struct config cfg;
	char err[512];

	cr_assert_eq(cli_parse(5, argv, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert(cfg.daemon && cfg.json);
	cr_assert_str_eq(cfg.config_dir, "/etc/x");
	cr_assert_str_eq(cfg.probe_file, "/etc/x");
	cr_assert_str_eq(cfg.lock_file, "/run/agent-trace.lock");
	cr_assert_eq(cli_parse(2, dirless, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(cfg.config_dir, "/etc/agent-trace");
	cr_assert_eq(cli_parse(4, bad, &cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "agent-trace daemon traces the targets of its probe files: no -p, "
			      "-- CMD, -C, --check, -l, -u or --usdt");
	cr_assert_eq(cli_parse(3, outside, &cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(
		err, "--config-dir belongs to daemon mode: agent-trace daemon --config-dir DIR");
}

/* keep_pid: each file's pids asked with the file's path; refused ones are left out. */
struct asked {
	char log[512];
	size_t len;
};

static bool odd_only(void *ctx, const char *file, pid_t pid)
{
	struct asked *a = ctx;

	a->len += (size_t)snprintf(a->log + a->len, sizeof(a->log) - a->len, "%s %d\n",
				   strrchr(file, '/') + 1, (int)pid);
	return pid % 2;
}

Test(probedir, keep_pid_filters_each_files_pids, .fini = clean)
{
	struct asked a = { .len = 0 };
	struct probedir_opts o = { .keep_pid = odd_only, .ctx = &a };
	struct probefile *pf;
	char err[1024];

	make_dir();
	put("a.yaml", "targets: {pids: [3, 4]}\n"
		      "probes:\n  - {name: opens, kind: syscall, attach: openat}\n");
	put("b.yaml", "targets: {pids: [4, 5, 3], comm: [svc]}\n"
		      "probes:\n  - {name: reads, kind: syscall, attach: read}\n");
	cr_assert_eq(probedir_load_opts(dir, &o, &pf, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(a.log, "a.yaml 3\na.yaml 4\nb.yaml 4\nb.yaml 5\nb.yaml 3\n");
	cr_assert_eq(pf->targets.npids, 2);
	cr_assert_eq(pf->targets.pids[0], 3);
	cr_assert_eq(pf->targets.pids[1], 5);
	cr_assert_eq(pf->targets.ncomm, 1, "the rest of the file applies");
	probefile_free(pf);
}
