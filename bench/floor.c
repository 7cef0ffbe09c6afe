// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's minimal loader: attaches empty programs, runs a command,
 * detaches.
 *
 *   floor sys -- CMD...          raw_tp sys_enter + sys_exit
 *   floor sys_exit -- CMD...     raw_tp sys_exit alone (agent-trace's without -T)
 *   floor sys_exit_rb -- CMD...  sys_exit alone sending a record per syscall of CMD
 *                                through a ring buffer to a reader that takes each
 *   floor func FILE:FUNC -- CMD...  uprobe + uretprobe on FUNC in FILE
 *   floor gofunc FILE:OFF,OFF... -- CMD...  entry-style uprobes at file offsets OFF
 *                                (a Go function's entry and RETs, as agent-trace puts them)
 *
 * The command is forked first and held on a pipe until the programs are
 * attached, as agent-trace -- CMD does. Exits with the command's exit code.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "floor.skel.h"
#include "held.h"

static int usage(void)
{
	fprintf(stderr, "usage: floor sys|sys_exit|sys_exit_rb -- CMD... | "
			"floor func FILE:FUNC -- CMD... | floor gofunc FILE:OFF,OFF... -- CMD...\n");
	return 2;
}

static int attach_func(struct floor_bpf *skel, const char *spec)
{
	LIBBPF_OPTS(bpf_uprobe_opts, o);
	char file[4096];
	const char *colon = strrchr(spec, ':');

	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(file))
		return -EINVAL;
	memcpy(file, spec, colon - spec);
	file[colon - spec] = '\0';
	o.func_name = colon + 1;
	skel->links.floor_entry =
		bpf_program__attach_uprobe_opts(skel->progs.floor_entry, -1, file, 0, &o);
	if (!skel->links.floor_entry)
		return -errno;
	o.retprobe = true;
	skel->links.floor_return =
		bpf_program__attach_uprobe_opts(skel->progs.floor_return, -1, file, 0, &o);
	if (!skel->links.floor_return)
		return -errno;
	return 0;
}

/* gofunc's links: floor_entry at each offset. */
#define GO_SITES 64
static struct bpf_link *go_links[GO_SITES];
static int ngo;

static int attach_gofunc(struct floor_bpf *skel, const char *spec)
{
	LIBBPF_OPTS(bpf_uprobe_opts, o);
	const char *colon = strrchr(spec, ':');
	char file[4096], *end;
	const char *p;

	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(file))
		return -EINVAL;
	memcpy(file, spec, colon - spec);
	file[colon - spec] = '\0';
	for (p = colon + 1; *p && ngo < GO_SITES; p = *end ? end + 1 : end) {
		unsigned long long off = strtoull(p, &end, 0);

		if (end == p || (*end && *end != ','))
			return -EINVAL;
		go_links[ngo] =
			bpf_program__attach_uprobe_opts(skel->progs.floor_entry, -1, file, off, &o);
		if (!go_links[ngo])
			return -errno;
		ngo++;
	}
	return *p ? -E2BIG : 0;
}

static atomic_bool done;
static unsigned long long records, sum;

/* The reader of sys_exit_rb: touches each record, as any reader must. */
static int on_rec(void *ctx, void *data, size_t size)
{
	(void)ctx;
	records++;
	sum += size ? ((const unsigned char *)data)[0] : 0;
	return 0;
}

static void *reader(void *arg)
{
	struct ring_buffer *rb = arg;

	/* As agent-trace's reader: woken by the crossings, and drained after every wait. */
	while (!atomic_load(&done)) {
		ring_buffer__poll(rb, 5);
		ring_buffer__consume(rb);
	}
	ring_buffer__consume(rb);
	return NULL;
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel;
	int go, st, ret, cmd;
	bool sys, exit_only, rb_mode, gofunc;
	struct ring_buffer *rb = NULL;
	pthread_t rd;
	pid_t pid;

	if (argc < 4)
		return usage();
	rb_mode = !strcmp(argv[1], "sys_exit_rb");
	exit_only = rb_mode || !strcmp(argv[1], "sys_exit");
	sys = exit_only || !strcmp(argv[1], "sys");
	cmd = sys ? 3 : 4;
	gofunc = !strcmp(argv[1], "gofunc");
	if ((!sys && !gofunc && strcmp(argv[1], "func")) || argc <= cmd ||
	    strcmp(argv[cmd - 1], "--"))
		return usage();
	pid = spawn_held(argv + cmd, "floor", &go);
	if (pid < 0)
		return 1;
	signal(SIGINT, SIG_IGN);

	skel = floor_bpf__open();
	if (!skel)
		goto fail;
	bpf_program__set_autoload(skel->progs.floor_sys_enter, sys && !exit_only);
	bpf_program__set_autoload(skel->progs.floor_sys_exit, sys && !rb_mode);
	bpf_program__set_autoload(skel->progs.floor_sys_exit_rb, rb_mode);
	skel->rodata->target_tgid = pid;
	bpf_program__set_autoload(skel->progs.floor_entry, !sys);
	bpf_program__set_autoload(skel->progs.floor_return, !sys && !gofunc);
	if (floor_bpf__load(skel))
		goto fail;
	ret = sys      ? floor_bpf__attach(skel) :
	      gofunc ? attach_gofunc(skel, argv[2]) :
		       attach_func(skel, argv[2]);
	if (ret) {
		errno = -ret;
		goto fail;
	}
	if (rb_mode) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_events), on_rec, NULL, NULL);
		if (!rb)
			goto fail;
		if (pthread_create(&rd, NULL, reader, rb)) {
			ring_buffer__free(rb);
			rb = NULL; /* rb set means the reader runs */
			goto fail;
		}
	}
	ret = release_held(go);
	go = -1;
	if (ret)
		goto fail;
	if (waitpid(pid, &st, 0) != pid)
		goto fail;
	if (rb) {
		atomic_store(&done, true);
		pthread_join(rd, NULL);
		ring_buffer__free(rb);
		fprintf(stderr, "floor: %llu records, %llu lost\n", records,
			(unsigned long long)skel->bss->floor_lost);
	}
	for (int i = 0; i < ngo; i++)
		bpf_link__destroy(go_links[i]);
	floor_bpf__destroy(skel);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
fail:
	fprintf(stderr, "floor: %s: %s\n", sys ? "sys" : argv[2], strerror(errno));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (rb) {
		atomic_store(&done, true);
		pthread_join(rd, NULL);
		ring_buffer__free(rb);
	}
	for (int i = 0; i < ngo; i++)
		bpf_link__destroy(go_links[i]);
	floor_bpf__destroy(skel);
	return 1;
}
