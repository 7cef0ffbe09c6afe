// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * costs [-r] BPF_OBJ -- CMD...: runs CMD with every program of BPF_OBJ
 * attached (bench/costs.bpf.c, filtered to CMD's process) and bpf_stats on,
 * then prints each program's calls and mean run time. The programs of a
 * tracepoint run in attach order, and a program's place moves its time by
 * 10-20 ns: -r attaches them in reverse, so two runs can be averaged. A
 * reader drains the ring buffer so ringbuf_record keeps finding room. Needs
 * root.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "held.h"

static atomic_bool done;

static int drop(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

static void *reader(void *arg)
{
	/* The programs never wake it: drain after every wait. */
	while (!atomic_load(&done)) {
		ring_buffer__poll(arg, 5);
		ring_buffer__consume(arg);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog, *progs[64];
	int nprogs = 0, arg = 1;
	bool reverse = false;
	struct ring_buffer *rb;
	int go, st, stats_fd;
	pthread_t rd;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "-r")) {
		reverse = true;
		arg = 2;
	}
	if (argc < arg + 3 || strcmp(argv[arg + 1], "--")) {
		fprintf(stderr, "usage: costs [-r] BPF_OBJ -- CMD...\n");
		return 2;
	}
	pid = spawn_held(argv + arg + 2, "costs", &go);
	if (pid < 0)
		return 1;
	obj = bpf_object__open_file(argv[arg], NULL);
	if (!obj)
		goto fail;
	if (bpf_map__set_initial_value(bpf_object__find_map_by_name(obj, ".rodata"), &pid,
				       sizeof(pid)) ||
	    bpf_object__load(obj))
		goto fail;
	bpf_object__for_each_program(prog, obj)
		if (nprogs < 64)
			progs[nprogs++] = prog;
	for (int i = 0; i < nprogs; i++)
		if (!bpf_program__attach(progs[reverse ? nprogs - 1 - i : i]))
			goto fail;
	rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "cost_events")), drop,
			      NULL, NULL);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (!rb || stats_fd < 0 || pthread_create(&rd, NULL, reader, rb))
		goto fail;
	if (release_held(go) || waitpid(pid, &st, 0) != pid)
		goto fail;
	atomic_store(&done, true);
	pthread_join(rd, NULL);
	printf("%-22s %10s %8s\n", "program", "calls", "ns/call");
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) || !info.run_cnt)
			continue;
		printf("%-22s %10llu %8.1f\n", bpf_program__name(prog),
		       (unsigned long long)info.run_cnt, (double)info.run_time_ns / info.run_cnt);
	}
	close(stats_fd);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
fail:
	fprintf(stderr, "costs: %s: %s\n", argv[arg], strerror(errno));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return 1;
}
