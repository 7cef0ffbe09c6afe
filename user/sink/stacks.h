/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* -k and the stack action at the output: stack records joined to their calls, symbolized. */
#ifndef AT_STACKS_H
#define AT_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "stackjoin.h"
#include "symbolize.h"

struct event;
struct out;

struct stacks {
	struct stackjoin join;
	struct symbolizer *sym;
	/* The frames of the event being written; AT_STACK_MAX and the leaf's caller. */
	struct sym_frame frames[AT_STACK_MAX + 1];
};

/* NULL with errno when out of memory. */
struct stacks *stacks__new(void);
void stacks__free(struct stacks *s);
/* A stack record: held for its call. */
void stacks__put(struct stacks *s, const void *data, size_t size);
/*
 * The call record data, decoded into ev: its stack's frames (or that it was
 * lost) when the record says one was sent. An exec (execve that returned 0,
 * or an exec event) has the process's mappings read again at its next stack.
 */
void stacks__attach(struct stacks *s, const void *data, struct event *ev);
/* The process pid exec'ed: its mappings are read again. */
void stacks__exec(struct stacks *s, uint32_t pid);

/*
 * The event's stack as strace -k prints it, a line per frame after the call's:
 * " > FILE(SYM+0xOFF) [0xADDR]", " > FILE() [0xADDR]" without a function,
 * " > ? [0xIP]" outside any known mapping; " > ? stack lost" for a lost one.
 */
void stacks_put_text(struct out *l, const struct event *ev);
/* The event's ',"stack":[...]' (or ',"stack_lost":true'); nothing without one. */
void stacks_put_json(struct out *l, const struct event *ev);

#endif /* AT_STACKS_H */
