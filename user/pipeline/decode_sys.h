/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* strace-style rendering of syscall events: arguments by kind, return values with errno. */
#ifndef AT_DECODE_SYS_H
#define AT_DECODE_SYS_H

#include <stddef.h>

#include "decode.h"
#include "record.h"
#include "strbuf.h"

/* How named constants and flags print in text lines (strace's -X); JSON always has names. */
enum xlat_style {
	XLAT_ABBREV = 0,  /* names: O_RDONLY|O_CLOEXEC (the default) */
	XLAT_RAW = 1,	  /* numbers only: 0x80000 */
	XLAT_VERBOSE = 2, /* both: the number, then the names in a C comment */
};
/* Sets the style for every decoder (one per run, set before the first event). */
void sys_set_xlat(enum xlat_style style);
/* -s: bytes shown of each execve argv string (its slot holds them whole). */
void sys_set_str_max(unsigned n);

/* An address: NULL (JSON null) or 0x7f... (JSON a string). */
void sys_put_ptr(struct out *o, uint64_t p, bool json);

/* The argument list: `AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC`. */
void sys_put_args(struct out *o, const struct event *ev);
/* The return value: "3", "-1 ENOENT (No such file or directory)", "0x7f...", "?". */
void sys_put_ret(struct out *o, const struct event *ev);
/* Argument i as a JSON value: number, string, symbolic string for flags, or null. */
void sys_put_arg_json(struct out *o, const struct event *ev, unsigned i);
/*
 * Whether the call takes argument i (i < nargs), as strace shows arguments:
 * fcntl(3, F_GETFL) takes two, futex's by its op; the others are stale
 * registers, left out of text and JSON.
 */
bool sys_arg_taken(const struct event *ev, unsigned i);
/*
 * A delivered signal's siginfo as strace prints it, "{si_signo=SIGCHLD,
 * si_code=CLD_EXITED, si_pid=..., si_status=0, ...}", or as a JSON object
 * with the same names.
 */
void sig_put_info(struct out *o, const struct event *ev, bool json);

/* Names decode_sock.c shares: an address family's, a socket level's (NULL: none). */
const char *sys_family_name(unsigned family);
const char *sys_sol_name(int level);
/* send and recv flags: MSG_DONTWAIT|MSG_NOSIGNAL, 0 for none. */
void sys_put_msg_flags(struct out *o, unsigned flags);

/*
 * The same from a bare syscall record into buf, snprintf convention (the
 * full length; NUL-terminated when size > 0).
 */
size_t decode_args(const struct at_call_rec *rec, char *buf, size_t size);
size_t decode_ret(const struct at_call_rec *rec, char *buf, size_t size);
size_t decode_arg_json(const struct at_call_rec *rec, unsigned i, char *buf, size_t size);

#endif /* AT_DECODE_SYS_H */
