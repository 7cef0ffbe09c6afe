/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * -yy: a socket's endpoints by its inode, as strace prints them
 * ("TCP:[127.0.0.1:40312->127.0.0.1:8080]", "UNIX:[123->124,\"/run/x\"]"),
 * asked of the kernel with NETLINK_SOCK_DIAG (inet_diag, unix_diag).
 */
#ifndef AT_SOCKDIAG_H
#define AT_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

/* Socket protocols by strace's names; SOCK_P_UNKNOWN: not known (socket:[INODE]). */
enum sock_p {
	SOCK_P_UNKNOWN = 0,
	SOCK_P_TCP,
	SOCK_P_UDP,
	SOCK_P_TCP6,
	SOCK_P_UDP6,
	SOCK_P_UNIX,
	SOCK_P_UNIX_STREAM,
	SOCK_P_NETLINK,
};

/* The protocol of socket(family, type, protocol), as the kernel names it. */
enum sock_p sock_p_of(int family, int type, int protocol);
/* The protocol of the kernel's "system.sockprotoname" name ("TCP", "UNIX-STREAM"...). */
enum sock_p sock_p_by_name(const char *name);
/* strace's name of p ("TCP", "TCPv6"...), NULL for SOCK_P_UNKNOWN. */
const char *sock_p_name(enum sock_p p);

/*
 * The endpoints of socket inode ino of protocol p into buf, strace's form;
 * 0, or -1 when the kernel does not list it (not bound, closed, or a
 * protocol sock_diag does not cover).
 */
int sockdiag_lookup(enum sock_p p, uint64_t ino, char *buf, size_t size);

#endif /* AT_SOCKDIAG_H */
