/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Ring-buffer records decoded into one neutral event form that every sink formats. */
#ifndef AT_DECODE_H
#define AT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "record.h"
#include "syscalls.h"

struct session;
struct probe;
struct ident_cache;
struct cgid_cache;
struct podmeta_cache;
struct pod_meta;
struct fd_view;
struct sym_frame;

enum event_kind {
	EV_SYSCALL = 1, /* a syscall: nr, name, arguments by the syscall table */
	EV_CALL,	/* a function call or USDT hit: arguments by the probe's SPEC */
	EV_EXEC,	/* a target exec'ed: it is traced from now on */
	EV_FORK,	/* a traced process forked */
	EV_EXIT,	/* a traced process exited */
	EV_SIGNAL,	/* a signal delivered to a traced thread */
};

/* What an event has and has not: the record's flags, slots aside. */
enum event_flag {
	EV_NORETURN = 1u << 0,	  /* exit, exit_group: no return value */
	EV_ENTRY_ONLY = 1u << 1,  /* entry-only probe: no return value or duration */
	EV_RETURN_ONLY = 1u << 2, /* return-only probe: no arguments or entry time */
	EV_NO_DUR = 1u << 3,	  /* seen at sys_exit alone: no duration */
	EV_FAILING = 1u << 4,	  /* the return matched the probe's failing predicate */
	EV_ARGS_GONE = 1u << 5,	  /* a successful exec: the old image's pointers are gone */
	EV_TRUNCATED = 1u << 6,	  /* an argument's bytes were cut at the capture limit */
	/* A call probe's return whose entry was not saved: arguments unknown (EV_RETURN_ONLY too). */
	EV_NO_ENTRY = 1u << 7,
};

/* An argument's bytes. */
enum event_arg_flag {
	EVA_TRUNCATED = 1u << 0, /* cut at the capture limit */
	EVA_FAULTED = 1u << 1,	 /* the pointer could not be read: no bytes */
	EVA_DFAULT = 1u << 2,	 /* a dereference met an unreadable address, value holds it */
};

/* One argument, by name and type, with the bytes captured for it. */
struct event_arg {
	const char *name;  /* from the syscall's signature or the SPEC; NULL when unknown */
	uint64_t value;	   /* the register */
	uint64_t more[2];  /* Go: a slice's length and capacity, an interface's data word */
	const char *bytes; /* its capture slot, NULL when no slot holds it */
	uint16_t len;	   /* bytes in the slot, at most AT_CAP_MAX */
	uint8_t type;	   /* enum arg_kind (EV_SYSCALL) or enum utype (EV_CALL) */
	uint8_t flags;	   /* enum event_arg_flag */
	uint8_t ref;	   /* EV_CALL UT_REF: the integer type pointed to */
	/* A second slot on the same argument (a msghdr's iovec array): its bytes, or NULL. */
	const char *aux;
	uint16_t aux_len;  /* bytes in it */
	uint8_t aux_flags; /* enum event_arg_flag of it */
};

struct event {
	uint8_t kind;	   /* enum event_kind */
	uint8_t nargs;	   /* entries of args */
	uint16_t flags;	   /* enum event_flag */
	uint32_t pid, tid; /* process and thread */
	uint64_t ts_ns;	   /* since the trace began: a call's entry, else the record's time */
	uint64_t dur_ns;   /* return - entry; meaningful only where the flags allow one */
	const char *label; /* the probe file's name for the probe, NULL for none */
	uint32_t probe_id; /* the probe of a labelled syscall or of a call */
	const char *name;  /* the syscall's or the function probe's name ("libc:malloc") */
	unsigned nr;	   /* EV_SYSCALL: the syscall number */
	int64_t ret;	   /* return value */
	uint64_t ret_more[AT_RET_WORDS - 1]; /* a Go call's result words after ret (RBX, RCX) */
	int err;			     /* errno when ret is one (at_is_err), else 0 */
	const struct syscall_desc *sys;	     /* EV_SYSCALL: its table entry, NULL when unknown */
	const struct probe *probe; /* EV_CALL, a probe-file EV_SYSCALL: its probe, else NULL */
	/* The process's container and pod; NULL on the host, when unknown, or without a cache. */
	const struct cgroup_ident *ident;
	const struct pod_meta *pod; /* its pod's and container's names; NULL when none is known */
	const char *exe;	    /* the process's executable (ident.h); NULL when unknown */
	const struct fd_view *fds;  /* -y: what its fds are (fdtab.h); NULL without -y */
	struct event_arg args[AT_MAX_ARGS];
	/*
	 * -k, the stack action: the call's user stack, innermost first (set by
	 * the output, stacks.h); NULL and 0 without one. stack_lost: one was
	 * sent for the call and did not arrive.
	 */
	const struct sym_frame *frames;
	uint16_t nframes;
	bool stack_lost;
	/* EV_SIGNAL: the signal, and siginfo's errno, code and fields (from its byte 16). */
	int signo, sig_errno, sig_code;
	uint8_t sig_fields[AT_SIGINFO_FIELDS];
	/* Process events. */
	uint32_t ppid;			 /* EV_FORK: the parent */
	int exit_code;			 /* EV_EXIT: the wait status */
	char comm[AT_COMM_LEN + 1];	 /* EV_EXEC/FORK/EXIT: the command name, NUL-terminated */
	char name_buf[SYSCALL_NAME_BUF]; /* room for "syscall_NNN" */
};

/* What decoding a record needs besides the record. */
struct decoder {
	struct session *sess; /* probes by id: names, labels, types, scrub rules */
	uint64_t start_ns;    /* CLOCK_MONOTONIC at attach: event times are relative to it */
	/*
	 * Processes' identities (ident.h), looked up for every event and renewed
	 * at fork and exec; NULL: none. Released at exit by the caller, once
	 * every sink has the exit event.
	 */
	struct ident_cache *ident;
	/*
	 * Cgroups' identities (cgid.h) by the record's cgroup id, tried first: it
	 * names the container of a process already gone. NULL: none, by pid only.
	 */
	struct cgid_cache *cgid;
	/* Containers' pod and container names (podmeta.h); NULL: none. */
	struct podmeta_cache *pods;
	/* Set ev->exe: some sink exports it (one /proc read per process). */
	bool want_exe;
	/* Plain syscalls' durations are not shown (-P without -T pairs entry and exit). */
	bool no_dur;
};

/* Room a decoded record may need besides the record itself (copies that fix or scrub it). */
struct decode_scratch {
	struct at_call_rec checked;	     /* slot lengths cut to what arrived */
	char joined[AT_SLOTS][AT_CAP_MAX];   /* a slot's inline part and its continuation */
	char scrubbed[AT_SLOTS][AT_CAP_MAX]; /* the probe's scrub rules applied */
};

/* Where each slot's bytes are once joined and scrubbed (decode.c). */
struct slot_view {
	const char *bytes[AT_SLOTS];
	uint16_t len[AT_SLOTS];	 /* at most AT_CAP_MAX */
	uint8_t flags[AT_SLOTS]; /* AT_SF_*, TRUNC also for a continuation cut on arrival */
};

/*
 * Decodes one ring-buffer record of size bytes into ev. Returns the event's
 * kind, or 0 for a record to skip: too short, of an unknown type, or of a
 * function probe that is not known. ev may point into data and into scratch:
 * both must outlive it; ev->ident points into d->cgid or d->ident until its next use.
 */
int decoder__decode(const struct decoder *d, const void *data, size_t size,
		    struct decode_scratch *scratch, struct event *ev);

/*
 * A syscall record's own fields into ev, as decoder__decode does but without
 * the checks, the probe and the relative time (ts_ns is the record's).
 */
void decode_syscall_rec(const struct at_call_rec *r, struct event *ev);

/* The kind of a record, 0 when too short to be one: to count before decoding. */
int decode_kind(const void *data, size_t size);

/* The probe a function record belongs to, NULL when it is not known (its record is skipped). */
const struct probe *decoder__call_probe(const struct decoder *d, const void *data);

/*
 * The probe of a call record (decode_kind EV_CALL or EV_SYSCALL): a function
 * record's, or a probe-file syscall probe's; NULL for plain syscall tracing
 * and for probes that are not known.
 */
const struct probe *decoder__probe(const struct decoder *d, const void *data);

#endif /* AT_DECODE_H */
