// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -yy: socket endpoints by inode from NETLINK_SOCK_DIAG, in strace 6.1's form. */
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockdiag.h"

/* Bytes of one netlink read: a dump of many sockets comes in several. */
#define DIAG_BUF 8192
/* Reads of one dump at most: a host with very many sockets is cut short, not waited on. */
#define DIAG_MAX_READS 4096

static const char *const p_names[] = {
	[SOCK_P_TCP] = "TCP",	      [SOCK_P_UDP] = "UDP",   [SOCK_P_TCP6] = "TCPv6",
	[SOCK_P_UDP6] = "UDPv6",      [SOCK_P_UNIX] = "UNIX", [SOCK_P_UNIX_STREAM] = "UNIX-STREAM",
	[SOCK_P_NETLINK] = "NETLINK",
};

const char *sock_p_name(enum sock_p p)
{
	return p > SOCK_P_UNKNOWN && p <= SOCK_P_NETLINK ? p_names[p] : NULL;
}

enum sock_p sock_p_by_name(const char *name)
{
	for (unsigned p = SOCK_P_TCP; p <= SOCK_P_NETLINK; p++)
		if (!strcmp(name, p_names[p]))
			return (enum sock_p)p;
	return SOCK_P_UNKNOWN;
}

enum sock_p sock_p_of(int family, int type, int protocol)
{
	type &= 0xf; /* SOCK_NONBLOCK and SOCK_CLOEXEC aside */
	switch (family) {
	case AF_INET:
	case AF_INET6:
		if (type == SOCK_STREAM && (!protocol || protocol == IPPROTO_TCP))
			return family == AF_INET ? SOCK_P_TCP : SOCK_P_TCP6;
		if (type == SOCK_DGRAM && (!protocol || protocol == IPPROTO_UDP))
			return family == AF_INET ? SOCK_P_UDP : SOCK_P_UDP6;
		return SOCK_P_UNKNOWN;
	case AF_UNIX:
		/* The kernel's names since 5.15: stream sockets apart from the others. */
		return type == SOCK_STREAM ? SOCK_P_UNIX_STREAM : SOCK_P_UNIX;
	case AF_NETLINK:
		return SOCK_P_NETLINK;
	}
	return SOCK_P_UNKNOWN;
}

/* Sends a dump request and calls match on each message until it says done (1) or the dump ends. */
static int diag_dump(const void *req, size_t len, int (*match)(const struct nlmsghdr *h, void *ctx),
		     void *ctx)
{
	char buf[DIAG_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int found = -1;

	if (fd < 0)
		return -1;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&nl, sizeof(nl)) != (ssize_t)len)
		goto out;
	for (int reads = 0; reads < DIAG_MAX_READS && found < 0; reads++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (n <= 0)
			break;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				goto out;
			if (match(h, ctx) > 0) {
				found = 0;
				break;
			}
		}
	}
out:
	close(fd);
	return found;
}

struct inet_ctx {
	uint64_t ino;
	const char *proto;
	char *buf;
	size_t size;
};

static int inet_match(const struct nlmsghdr *h, void *ctx)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	static const uint8_t zero[16];
	struct inet_ctx *c = ctx;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	bool v6 = m->idiag_family == AF_INET6;
	const char *ob = v6 ? "[" : "", *cb = v6 ? "]" : "";

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->idiag_inode != c->ino)
		return 0;
	if (!inet_ntop(m->idiag_family, m->id.idiag_src, src, sizeof(src)) ||
	    !inet_ntop(m->idiag_family, m->id.idiag_dst, dst, sizeof(dst)))
		return 0;
	/* strace's: the peer only when there is one. */
	if (m->id.idiag_dport || memcmp(zero, m->id.idiag_dst, v6 ? 16 : 4))
		snprintf(c->buf, c->size, "%s:[%s%s%s:%u->%s%s%s:%u]", c->proto, ob, src, cb,
			 ntohs(m->id.idiag_sport), ob, dst, cb, ntohs(m->id.idiag_dport));
	else
		snprintf(c->buf, c->size, "%s:[%s%s%s:%u]", c->proto, ob, src, cb,
			 ntohs(m->id.idiag_sport));
	return 1;
}

static int inet_lookup(enum sock_p p, uint64_t ino, char *buf, size_t size)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = { .nlmsg_len = sizeof(req),
		       .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = p == SOCK_P_TCP || p == SOCK_P_UDP ? AF_INET : AF_INET6,
		       .sdiag_protocol = p == SOCK_P_TCP || p == SOCK_P_TCP6 ? IPPROTO_TCP :
									       IPPROTO_UDP,
		       .idiag_states = ~0u },
	};
	struct inet_ctx c = { .ino = ino, .proto = sock_p_name(p), .buf = buf, .size = size };

	return diag_dump(&req, sizeof(req), inet_match, &c);
}

/* A UNIX socket's path as strace quotes it: "..." with its escapes, '@' for abstract ones. */
static void put_unix_path(char *out, size_t size, const char *path, size_t len)
{
	size_t o = 0;

	if (len && !path[0]) {
		out[o++] = '@';
		path++, len--;
	}
	out[o++] = '"';
	for (size_t i = 0; i < len && path[i] && o + 6 < size; i++) {
		unsigned char ch = (unsigned char)path[i];

		if (ch == '"' || ch == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\%c", ch);
		else if (ch < ' ' || ch > 0x7e)
			o += (size_t)snprintf(out + o, size - o, "\\%o", ch);
		else
			out[o++] = (char)ch;
	}
	out[o++] = '"';
	out[o] = 0;
}

static int unix_match(const struct nlmsghdr *h, void *ctx)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	struct inet_ctx *c = ctx;
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) * 4 + 8] = "";
	char peer[24] = "";
	uint32_t peer_ino = 0;

	if (len < 0 || m->udiag_ino != c->ino)
		return 0;
	for (const struct rtattr *a = (const struct rtattr *)(m + 1); RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_NAME && !path[0] && RTA_PAYLOAD(a))
			put_unix_path(path, sizeof(path), RTA_DATA(a), RTA_PAYLOAD(a));
		else if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= 4)
			memcpy(&peer_ino, RTA_DATA(a), 4);
	}
	/* strace's: nothing to say without a peer or a name. */
	if (!peer_ino && !path[0])
		return 1;
	if (peer_ino)
		snprintf(peer, sizeof(peer), "->%u", peer_ino);
	snprintf(c->buf, c->size, "%s:[%llu%s%s%s]", c->proto, (unsigned long long)c->ino, peer,
		 path[0] ? "," : "", path);
	return 1;
}

static int unix_lookup(enum sock_p p, uint64_t ino, char *buf, size_t size)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof(req),
		       .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = AF_UNIX,
		       .udiag_states = ~0u,
		       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER },
	};
	struct inet_ctx c = { .ino = ino, .proto = sock_p_name(p), .buf = buf, .size = size };

	buf[0] = 0;
	if (diag_dump(&req, sizeof(req), unix_match, &c) || !buf[0])
		return -1;
	return 0;
}

int sockdiag_lookup(enum sock_p p, uint64_t ino, char *buf, size_t size)
{
	switch (p) {
	case SOCK_P_TCP:
	case SOCK_P_UDP:
	case SOCK_P_TCP6:
	case SOCK_P_UDP6:
		return inet_lookup(p, ino, buf, size);
	case SOCK_P_UNIX:
	case SOCK_P_UNIX_STREAM:
		return unix_lookup(p, ino, buf, size);
	default:
		return -1;
	}
}
