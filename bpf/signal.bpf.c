// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Signal delivery lines (strace's "--- SIGCHLD {...} ---"): one record per
 * signal the kernel delivers to a traced thread, with its siginfo, at the
 * signal_deliver tracepoint (get_signal, before the handler or the default
 * action runs). Loaded with syscall lines only; -e signal= picks which.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "record.h"
#include "lib/capture.bpf.h"
#include "lib/pidset.bpf.h"
#include "lib/ringbuf.bpf.h"

/* Signals that make lines (-e signal=): bit sig - 1; set by the loader. */
const volatile __u64 signal_mask = ~0ULL;

SEC("tp_btf/signal_deliver")
int BPF_PROG(signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct at_sig_rec *rec;

	if (!is_traced(pid_tgid >> 32) || sig < 1 || sig > 64 ||
	    !(signal_mask & (1ULL << (sig - 1))))
		return 0;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		count_loss(offsetof(struct at_counters, rb_lost));
		return 0;
	}
	rec_hdr_init(&rec->hdr, AT_REC_SIGNAL, AT_PROBE_SYSCALLS, pid_tgid);
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->signo = sig;
	rec->err = 0;
	rec->code = 0;
	rec->pad = 0;
	__builtin_memset(rec->fields, 0, sizeof(rec->fields));
	if (info) {
		rec->err = BPF_CORE_READ(info, si_errno);
		rec->code = BPF_CORE_READ(info, si_code);
		bpf_probe_read_kernel(rec->fields, sizeof(rec->fields), &info->_sifields);
	}
	rec_cgroup(&rec->hdr);
	bpf_ringbuf_submit(rec, rb_flags(sizeof(*rec), false));
	rb_wake_reader();
	return 0;
}
