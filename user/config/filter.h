/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Probe-file filters: compiled in userspace, run in the kernel (probe.bpf.c, eval.h). */
#ifndef AT_FILTER_H
#define AT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "spec.h"
#include "uspec.h"

/* Longest command name: the kernel's TASK_COMM_LEN less its NUL. */
#define COMM_MAX (AT_COMM_LEN - 1)

/* What a probe is on, and when its records are made. */
enum pf_kind { PF_SYSCALL = 1, PF_FUNCTION, PF_USDT };
enum pf_when { PF_WHEN_CALL = 0, PF_WHEN_ENTRY, PF_WHEN_RETURN, PF_WHEN_FAILING };

/* What a filter may name, for one probe. */
struct filter_ctx {
	uint8_t kind;		  /* enum pf_kind */
	uint8_t when;		  /* enum pf_when: at entry, 'ret' is an error */
	const uint64_t *syscalls; /* PF_SYSCALL: the selected numbers */
	const struct uspec *spec; /* PF_FUNCTION / PF_USDT: argument names and types */
};

/*
 * Compiles a filter expression:
 *   EXPR := TERM { 'or' TERM }      TERM := FACTOR { 'and' FACTOR }
 *   FACTOR := 'not' FACTOR | '(' EXPR ')' | FIELD OP VALUE
 *   FIELD := argN (1-based) | an argument's name | ret | pid | tid | uid | comm
 *   OP := == != < <= > >= | startswith istartswith iequals (strings only)
 *   VALUE := integer (decimal, 0x, negative) | -ERRNO name (ret) | "string"
 * Strings compare with str arguments (captured) and comm, == != startswith,
 * and istartswith iequals with ASCII case folded, at most AT_FILTER_STR bytes. Returns 0, or -1 with a message in err that
 * quotes the expression and gives the 1-based column in it.
 */
int filter_compile(const char *src, const struct filter_ctx *fc, struct at_filter *out, char *err,
		   size_t errlen);

/*
 * Resolves a field name as filters do (ret, pid, tid, uid, comm, argN, an
 * argument's name) into f's field, type and width. 0, or -1 with why.
 */
int filter_field(const struct filter_ctx *fc, const char *name, struct at_cond *f, char *why,
		 size_t whylen);

#endif /* AT_FILTER_H */
