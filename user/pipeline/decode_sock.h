/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Socket addresses, iovec arrays and msghdrs as strace 6.1 prints them,
 * from their capture slots (include/sockcap.h), and as JSON objects.
 */
#ifndef AT_DECODE_SOCK_H
#define AT_DECODE_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "strbuf.h"

/* Whether an argument kind is one of these (ARG_SOCKADDR_IN ... ARG_MSGHDR_OUT). */
bool sock_kind(unsigned kind);

/* Argument i of ev, of a sock_kind kind: text, or a JSON value. */
void sock_put_arg(struct out *o, const struct event *ev, unsigned i, bool json);

/*
 * The pure printers, for the tests: a socket address of addrlen bytes
 * (buf holds at least min(addrlen, 128)): strace's print_sockaddr, after
 * its "addrlen < 2: the address" check.
 */
void sock_put_sockaddr(struct out *o, const void *buf, size_t got, int addrlen, bool json);
/*
 * An iovec capture (struct at_iov_cap, len bytes), whose data strace bounds
 * by limit (a result; -1: none): "[{iov_base="..", iov_len=2}, ...]".
 */
void sock_put_iov(struct out *o, const char *cap, size_t len, int64_t limit, uint64_t ptr,
		  bool json);
/*
 * Control messages: the got bytes read of a msg_control of controllen
 * bytes at addr: "[{cmsg_len=20, cmsg_level=SOL_SOCKET, ...}]".
 */
void sock_put_cmsgs(struct out *o, const char *buf, size_t got, uint64_t controllen, uint64_t addr,
		    bool json);

#endif /* AT_DECODE_SOCK_H */
