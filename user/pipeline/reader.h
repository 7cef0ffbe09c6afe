/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The session's reader, internal to the session (session.h has its public
 * face: session__start, session__stop, session__reader_stats).
 */
#ifndef AT_READER_H
#define AT_READER_H

#include <stddef.h>

struct session;

/* The ring buffer of the loaded object and its wakeups. 0, or -1 with err. */
int reader__open(struct session *s, char *err, size_t errlen);
/* Frees what reader__open made (the reader thread stopped). */
void reader__close(struct session *s);

#endif /* AT_READER_H */
