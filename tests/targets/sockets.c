// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Socket addresses, iovecs and msghdrs with known values, for the sockdec
 * suite: a TCP listener on 127.0.0.1 (its ephemeral port printed as
 * "port=N"), connect, accept4, getsockname, getpeername; UDP sendto and
 * recvfrom; UDP on ::1; AF_UNIX by path (argv[1]) and abstract; a netlink
 * bind; writev and readv on a pipe; pwritev and preadv on a file
 * (argv[1].f); sendmsg and recvmsg passing an fd (SCM_RIGHTS) over a
 * socketpair; connect with a 1-byte address (EINVAL); then the bounds (edges).
 * Usage: sockets PATH
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void tcp(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in peer;
	socklen_t len = sizeof(sa);
	int ls, cs, as;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1))
		die("tcp listen");
	if (getsockname(ls, (struct sockaddr *)&sa, &len))
		die("getsockname");
	printf("port=%u\n", ntohs(sa.sin_port));
	fflush(stdout);
	cs = socket(AF_INET, SOCK_STREAM, 0);
	if (cs < 0 || connect(cs, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	/* The caller's room is larger than the address: [128 => 16]. */
	{
		struct sockaddr_storage ss;

		len = sizeof(ss);
		as = accept4(ls, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (as < 0)
			die("accept4");
	}
	len = sizeof(peer);
	if (getpeername(cs, (struct sockaddr *)&peer, &len))
		die("getpeername");
	/* One byte is no address: strace prints the pointer. */
	if (connect(cs, (struct sockaddr *)&sa, 1) == 0)
		die("connect 1");
	close(as);
	close(cs);
	close(ls);
}

static void udp(int family)
{
	struct sockaddr_storage ss = { 0 }, from;
	socklen_t len = sizeof(ss), flen = sizeof(from);
	char buf[16];
	int s;

	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	s = socket(family, SOCK_DGRAM, 0);
	/* A host without IPv6 (or ::1): said so, the rest goes on. */
	if (family == AF_INET6 && (s < 0 || bind(s, (struct sockaddr *)&ss, len))) {
		printf("no-ipv6\n");
		fflush(stdout);
		if (s >= 0)
			close(s);
		return;
	}
	if (family != AF_INET6 && (s < 0 || bind(s, (struct sockaddr *)&ss, len)))
		die("udp bind");
	if (getsockname(s, (struct sockaddr *)&ss, &len))
		die("udp getsockname");
	if (sendto(s, "ping", 4, 0, (struct sockaddr *)&ss, len) != 4)
		die("sendto");
	if (recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) != 4)
		die("recvfrom");
	close(s);
}

static void unix_sockets(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	static const char abstract[] = "at-sockdec";
	int s;

	/* A path, its length to the NUL. */
	unlink(path);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&un,
			  offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1))
		die("unix bind");
	close(s);
	unlink(path);
	/* Abstract: a NUL, then the name, its length counted. */
	memset(un.sun_path, 0, sizeof(un.sun_path));
	memcpy(un.sun_path + 1, abstract, sizeof(abstract) - 1);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&un,
			  offsetof(struct sockaddr_un, sun_path) + sizeof(abstract)))
		die("abstract bind");
	close(s);
}

static void netlink(void)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);

	if (s < 0 || bind(s, (struct sockaddr *)&nl, sizeof(nl)))
		die("netlink bind");
	close(s);
}

static void vectors(const char *path)
{
	char a[5], b[20], f[256];
	struct iovec out[2] = { { "hello", 5 }, { " world\n", 7 } };
	struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	int p[2], fd;

	if (pipe(p) || writev(p[1], out, 2) != 12 || readv(p[0], in, 2) != 12)
		die("writev/readv");
	close(p[0]);
	close(p[1]);
	snprintf(f, sizeof(f), "%s.f", path);
	fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pwritev(fd, out, 2, 0) != 12 || preadv(fd, in, 2, 0) != 12)
		die("pwritev/preadv");
	close(fd);
	unlink(f);
}

static void pass_fd(void)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = &ctl.h;
	char r;
	/* The fd passed: a fixed number, whatever the target inherited. */
	int sv[2], fd = dup2(open("/dev/null", O_RDONLY), 42);

	if (fd < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	memset(&ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	if (sendmsg(sv[0], &m, 0) != 1)
		die("sendmsg");
	iov.iov_base = &r;
	memset(&ctl, 0, sizeof(ctl));
	m.msg_controllen = sizeof(ctl.buf);
	if (recvmsg(sv[1], &m, 0) != 1)
		die("recvmsg");
	close(sv[0]);
	close(sv[1]);
}

/*
 * Bounds: data past -s, more iovecs than are shown, a readv short of its
 * room, a name and credentials in a msghdr, a failed recvmsg, NULL
 * addresses, lengths of 1, 100 and 200.
 */
static void edges(void)
{
	static const char long_data[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
	struct iovec many[10], two[2];
	char a[2], b[5];
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int p[2], s, sv[2], on = 1;

	for (int i = 0; i < 10; i++)
		many[i] = (struct iovec){ (void *)"a", 1 };
	two[0] = (struct iovec){ (void *)long_data, sizeof(long_data) - 1 };
	two[1] = (struct iovec){ NULL, 0 };
	if (pipe(p) || writev(p[1], two, 2) != 40 || writev(p[1], many, 10) != 10)
		die("writev bounds");
	close(p[0]);
	close(p[1]);
	two[0] = (struct iovec){ a, sizeof(a) };
	two[1] = (struct iovec){ b, sizeof(b) };
	if (pipe(p) || write(p[1], "abc", 3) != 3 || readv(p[0], two, 2) != 3)
		die("readv short");
	close(p[0]);
	close(p[1]);
	/* UDP: an address of 200 bytes (the kernel reads 16), a getsockname with room for 1. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s, (struct sockaddr *)&sa, &len))
		die("udp edges");
	{
		char big[200] = { 0 };

		memcpy(big, &sa, sizeof(sa));
		/* Longer than a sockaddr_storage: EINVAL, strace shows its first 128 bytes. */
		if (sendto(s, "x", 1, 0, (struct sockaddr *)big, sizeof(big)) != -1 ||
		    sendto(s, "x", 1, 0, (struct sockaddr *)big, 100) != 1)
			die("sendto 200");
	}
	len = 1;
	if (getsockname(s, (struct sockaddr *)&sa, &len))
		die("getsockname 1");
	if (getsockname(s, NULL, NULL) == 0)
		die("getsockname NULL");
	/* recvmsg with a name: msg_namelen=128 => 16. */
	{
		struct sockaddr_storage from;
		char r[4];
		struct iovec iov = { r, sizeof(r) };
		struct msghdr m = { .msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1 };

		if (recvmsg(s, &m, 0) != 1)
			die("recvmsg name");
		/* Nothing more: EAGAIN, and strace's {msg_namelen=128}. */
		m.msg_namelen = sizeof(from);
		if (recvmsg(s, &m, MSG_DONTWAIT) != -1)
			die("recvmsg EAGAIN");
	}
	close(s);
	/* SCM_CREDENTIALS over a unix datagram pair that passes credentials. */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) ||
	    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)))
		die("socketpair creds");
	{
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct ucred))];
		} ctl;
		struct ucred uc = { getpid(), getuid(), getgid() };
		struct iovec iov = { (void *)"cred", 4 };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		char r[8];

		memset(&ctl, 0, sizeof(ctl));
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_CREDENTIALS;
		ctl.h.cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(&ctl.h), &uc, sizeof(uc));
		if (sendmsg(sv[0], &m, 0) != 4)
			die("sendmsg creds");
		iov = (struct iovec){ r, sizeof(r) };
		memset(&ctl, 0, sizeof(ctl));
		m.msg_controllen = sizeof(ctl.buf);
		if (recvmsg(sv[1], &m, 0) != 4)
			die("recvmsg creds");
	}
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sockets PATH\n");
		return 2;
	}
	tcp();
	udp(AF_INET);
	udp(AF_INET6);
	unix_sockets(argv[1]);
	netlink();
	vectors(argv[1]);
	pass_fd();
	edges();
	return 0;
}
