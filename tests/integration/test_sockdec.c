// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Socket addresses, iovecs and msghdrs decoded from what the BPF side
 * captured (sockcap.bpf.c): tests/targets/sockets run under strace 6.1 and
 * under agent-trace, every line compared, then each structure's exact text
 * and JSON object.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "stracecmp.h"

#define AT (char *)build_path("agent-trace")
#define SOCKETS (char *)build_path("sockets")
#define CALLS                                                                              \
	"trace=connect,bind,accept4,getsockname,getpeername,sendto,recvfrom,writev,readv," \
	"pwritev,preadv,sendmsg,recvmsg"

/*
 * What differs between two runs of the target, made the same: ports
 * (htons(N) but the 0 of a bind to any port), credentials' pid, and
 * agent-trace's -T durations (" <0.000012>").
 */
static char *runs_norm(const char *text)
{
	size_t n = strlen(text);
	char *out = malloc(n + 1), *o = out;

	cr_assert(out);
	for (const char *p = text; *p;) {
		if (!strncmp(p, "htons(", 6) && p[6] != '0') {
			o += sprintf(o, "htons(P");
			p += 6 + strspn(p + 6, "0123456789");
		} else if (!strncmp(p, "pid=", 4)) {
			o += sprintf(o, "pid=P");
			p += 4 + strspn(p + 4, "0123456789");
		} else if (!strncmp(p, " <", 2) && strspn(p + 2, "0123456789.") &&
			   p[2 + strspn(p + 2, "0123456789.")] == '>') {
			p += 3 + strspn(p + 2, "0123456789.");
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* Removes the lines of text that contain needle. */
static void drop_lines(char *text, const char *needle)
{
	char *l = text;

	while (l && *l) {
		char *end = strchr(l, '\n'), *hit = strstr(l, needle);

		if (hit && (!end || hit < end))
			memmove(l, end ? end + 1 : l + strlen(l),
				strlen(end ? end + 1 : l + strlen(l)) + 1);
		else
			l = end ? end + 1 : NULL;
	}
}

/* The target under agent-trace with extra options (NULL-terminated, at most 4). */
static char *at_run(const char *path, const char *o1, const char *o2, const char *o3)
{
	char *argv[16] = { AT, "-q" }, *out, *err;
	int n = 2, st;

	for (const char *const *o = (const char *const[]){ o1, o2, o3, NULL }; *o; o++)
		argv[n++] = (char *)*o;
	argv[n++] = "-e";
	argv[n++] = CALLS;
	argv[n++] = "--";
	argv[n++] = SOCKETS;
	argv[n++] = (char *)path;
	argv[n] = NULL;
	st = run_capture(argv, &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s\n%s", out, err);
	free(err);
	return out;
}

/* The TCP listener's port, which the target prints. */
static int port_of(const char *out)
{
	const char *p = strstr(out, "\nport=");
	int port = 0;

	p = !strncmp(out, "port=", 5) ? out : p ? p + 1 : NULL;
	cr_assert(p && sscanf(p, "port=%d", &port) == 1 && port > 0, "%s", out);
	return port;
}

/*
 * Whether out has a call NAME(FD, REST...: the descriptor numbers are the
 * ones the target gets, which depend on what it inherits.
 */
static bool has_call(const char *out, const char *name, const char *rest)
{
	char head[32];
	size_t n = (size_t)snprintf(head, sizeof(head), "%s(", name);

	for (const char *p = strstr(out, head); p; p = strstr(p + 1, head)) {
		const char *q = p + n + strspn(p + n, "0123456789");

		if ((p == out || p[-1] == ' ') && q > p + n && !strncmp(q, ", ", 2) &&
		    !strncmp(q + 2, rest, strlen(rest)))
			return true;
	}
	return false;
}

Test(sockdec, lines_match_strace)
{
	char path[64], sout[64];
	char *out, *err, *sto, *a, *b;
	int st, lines;

	tmp_name(path, sizeof(path), "sockdec", "sock");
	tmp_name(sout, sizeof(sout), "sockdec", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", CALLS, SOCKETS,
				     path, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out), free(err);
	/* -T: the lengths an address's caller passed are read at entry ([128 => 16]). */
	out = at_run(path, "-T", "-s", "32");
	sto = slurp(sout);
	a = runs_norm(sto);
	b = runs_norm(out);
	/* strace shows 10 iovecs of 10 (up to -s of them), agent-trace AT_IOV_SHOWN and "...". */
	drop_lines(a, "], 10) = 10");
	drop_lines(b, "], 10) = 10");
	{
		static const char *const at_skip[] = { "port=", "no-ipv6", NULL };

		lines = same_lines(a, b, at_skip, NULL);
	}
	/* Every line: 35, or the 4 IPv6 ones fewer on a host without ::1. */
	cr_assert_geq(lines, strstr(out, "no-ipv6\n") ? 31 : 35,
		      "%d lines; strace:\n%s\nagent-trace:\n%s", lines, sto, out);
	free(a), free(b), free(out), free(sto);
	unlink(sout);
}

Test(sockdec, structures_text)
{
	char path[64], w[512];
	char *out;
	int port;

	tmp_name(path, sizeof(path), "sockdec", "sock");
	out = at_run(path, "-T", "-s", "32");
	port = port_of(out);
	snprintf(w, sizeof(w),
		 "{sa_family=AF_INET, sin_port=htons(%d), "
		 "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
		 port);
	cr_assert(has_call(out, "connect", w), "%s\n%s", w, out);
	snprintf(w, sizeof(w),
		 "{sa_family=AF_INET, sin_port=htons(%d), "
		 "sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0",
		 port);
	cr_assert(has_call(out, "getsockname", w), "%s\n%s", w, out);
	snprintf(w, sizeof(w),
		 "{sa_family=AF_INET, sin_port=htons(%d), "
		 "sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0",
		 port);
	cr_assert(has_call(out, "getpeername", w), "%s\n%s", w, out);
	cr_assert(strstr(out, "sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16], SOCK_CLOEXEC) = "),
		  "%s", out);
	cr_assert(has_call(out, "connect", "0x") && strstr(out, ", 1) = -1 EINVAL"), "%s", out);
	if (strstr(out, "no-ipv6\n"))
		goto no_ipv6;
	cr_assert(has_call(out, "bind",
			   "{sa_family=AF_INET6, sin6_port=htons(0), "
			   "sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), "
			   "sin6_scope_id=0}, 28) = 0"),
		  "%s", out);
	cr_assert(strstr(out, "sin6_scope_id=0}, [128 => 28]) = 4"), "%s", out);
no_ipv6:
	snprintf(w, sizeof(w), "{sa_family=AF_UNIX, sun_path=\"%s\"}, %zu) = 0", path,
		 strlen(path) + 3);
	cr_assert(has_call(out, "bind", w), "%s\n%s", w, out);
	cr_assert(has_call(out, "bind", "{sa_family=AF_UNIX, sun_path=@\"at-sockdec\"}, 13) = 0"),
		  "%s", out);
	cr_assert(has_call(out, "bind",
			   "{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 0"),
		  "%s", out);
	cr_assert(has_call(out, "writev",
			   "[{iov_base=\"hello\", iov_len=5}, "
			   "{iov_base=\" world\\n\", iov_len=7}], 2) = 12"),
		  "%s", out);
	cr_assert(has_call(out, "readv",
			   "[{iov_base=\"hello\", iov_len=5}, "
			   "{iov_base=\" world\\n\", iov_len=20}], 2) = 12"),
		  "%s", out);
	cr_assert(has_call(out, "pwritev",
			   "[{iov_base=\"hello\", iov_len=5}, "
			   "{iov_base=\" world\\n\", iov_len=7}], 2, 0) = 12"),
		  "%s", out);
	cr_assert(has_call(out, "sendmsg",
			   "{msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", "
			   "iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, "
			   "cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[42]}], "
			   "msg_controllen=24, msg_flags=0}, 0) = 1"),
		  "%s", out);
	/* recvmsg's new descriptor: the lowest free, which the inherited ones decide. */
	cr_assert(strstr(out, "cmsg_type=SCM_RIGHTS, cmsg_data=["), "%s", out);
	cr_assert(strstr(out, "]}], msg_controllen=24, msg_flags=0}, 0) = 1"), "%s", out);
	/* The bounds: -s, the entries shown, a short readv, lengths 1 and 200, a failed recvmsg. */
	cr_assert(strstr(out, "[{iov_base=\"0123456789abcdefghijklmnopqrstuv\"..., iov_len=40}, "
			      "{iov_base=NULL, iov_len=0}], 2) = 40"),
		  "%s", out);
	cr_assert(strstr(out, "{iov_base=\"a\", iov_len=1}, ...], 10) = 10"), "%s", out);
	cr_assert(has_call(out, "readv",
			   "[{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\", iov_len=5}], "
			   "2) = 3"),
		  "%s", out);
	cr_assert(strstr(out, ", [1 => 16]) = 0"), "%s", out);
	cr_assert(has_call(out, "getsockname", "NULL, NULL) = -1 EFAULT"), "%s", out);
	cr_assert(strstr(out, "sin_addr=inet_addr(\"127.0.0.1\")}, 200) = -1 EINVAL"), "%s", out);
	cr_assert(strstr(out, "msg_namelen=128 => 16, msg_iov=[{iov_base=\"x\", iov_len=4}]"), "%s",
		  out);
	cr_assert(has_call(out, "recvmsg", "{msg_namelen=128}, MSG_DONTWAIT) = -1 EAGAIN"), "%s",
		  out);
	snprintf(w, sizeof(w), "cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=");
	cr_assert(strstr(out, w) && strstr(out, ", uid=0, gid=0}}], msg_controllen=32"), "%s", out);
	free(out);
}

/*
 * Without -T the calls are seen at their exit alone: what the caller passed
 * through a pointer is gone by then, so one length shows ([16]), and a failed
 * call's, which the kernel left as it was.
 */
Test(sockdec, exit_only_lengths)
{
	char path[64];
	char *out;

	tmp_name(path, sizeof(path), "sockdec", "sock");
	out = at_run(path, "-s", "32", NULL);
	cr_assert(strstr(out, "sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC) = "), "%s",
		  out);
	cr_assert(has_call(out, "recvmsg", "{msg_namelen=128}, MSG_DONTWAIT) = -1 EAGAIN"), "%s",
		  out);
	cr_assert(has_call(out, "writev",
			   "[{iov_base=\"hello\", iov_len=5}, "
			   "{iov_base=\" world\\n\", iov_len=7}], 2) = 12"),
		  "%s", out);
	free(out);
}

Test(sockdec, structures_json)
{
	char path[64], w[512];
	char *out;
	int port;

	tmp_name(path, sizeof(path), "sockdec", "sock");
	out = at_run(path, "-T", "--json", NULL);
	port = port_of(out);
	snprintf(w, sizeof(w),
		 "\"uservaddr\":{\"family\":\"AF_INET\",\"port\":%d,\"addr\":\"127.0.0.1\"},"
		 "\"addrlen\":16",
		 port);
	cr_assert(strstr(out, w), "%s\n%s", w, out);
	cr_assert(strstr(out,
			 "\"upeer_addrlen\":{\"in\":128,\"out\":16},\"flags\":\"SOCK_CLOEXEC\""),
		  "%s", out);
	cr_assert(strstr(out, "no-ipv6\n") ||
			  strstr(out,
				 "\"umyaddr\":{\"family\":\"AF_INET6\",\"port\":0,"
				 "\"flowinfo\":0,\"addr\":\"::1\",\"scope_id\":0},\"addrlen\":28"),
		  "%s", out);
	snprintf(w, sizeof(w), "\"umyaddr\":{\"family\":\"AF_UNIX\",\"path\":\"%s\"}", path);
	cr_assert(strstr(out, w), "%s\n%s", w, out);
	cr_assert(strstr(out, "{\"family\":\"AF_UNIX\",\"path\":\"at-sockdec\",\"abstract\":true}"),
		  "%s", out);
	cr_assert(strstr(out, "{\"family\":\"AF_NETLINK\",\"pid\":0,\"groups\":0}"), "%s", out);
	cr_assert(strstr(out, "\"vec\":[{\"iov_base\":\"hello\",\"iov_len\":5},"
			      "{\"iov_base\":\" world\\n\",\"iov_len\":7}],\"vlen\":2"),
		  "%s", out);
	cr_assert(strstr(out,
			 "\"msg\":{\"msg_name\":null,\"msg_namelen\":0,\"msg_iov\":[{\"iov_base\":"
			 "\"x\",\"iov_len\":1}],\"msg_iovlen\":1,\"msg_control\":[{\"cmsg_len\":"
			 "20,\"cmsg_level\":\"SOL_SOCKET\",\"cmsg_type\":\"SCM_RIGHTS\","
			 "\"cmsg_data\":[42]}],\"msg_controllen\":24,\"msg_flags\":\"0\"}"),
		  "%s", out);
	cr_assert(strstr(out, "\"msg_namelen\":16,\"msg_namelen_in\":128"), "%s", out);
	cr_assert(strstr(out, "\"usockaddr\":null,\"usockaddr_len\":null"), "%s", out);
	free(out);
}
