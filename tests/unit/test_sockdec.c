// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Socket addresses, iovecs and control messages printed from hand-built
 * captures (include/sockcap.h), with the lengths a hostile or broken
 * caller passes: 0, 1, 200, a sun_path without its NUL, a cmsg_len past
 * the end, counts larger than what was captured.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "decode_sock.h"
#include "decode_sys.h"
#include "sockcap.h"
#include "syscalls.h"
#include "otlp_json.h"
#include "sysspec.h"

static struct at_call_rec mkrec(const char *name, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	struct at_call_rec r = {
		.hdr.type = AT_REC_SYSCALL,
		.args = { a0, a1, a2, a3 },
	};
	int nr = syscall_by_name(name);

	cr_assert_geq(nr, 0, "unknown syscall %s", name);
	r.nr = nr;
	memset(r.slot_arg, AT_ARG_NONE, sizeof(r.slot_arg));
	return r;
}

static void set_slot(struct at_call_rec *r, int s, unsigned arg, const void *data, size_t len)
{
	r->slot_arg[s] = arg;
	r->slot_len[s] = len;
	memcpy(r->slot[s], data, len);
}

static const char *args_of(const struct at_call_rec *r)
{
	static char buf[2048];
	size_t n = decode_args(r, buf, sizeof(buf));

	cr_assert_eq(n, strlen(buf));
	return buf;
}

static const char *json_of(const struct at_call_rec *r, unsigned i)
{
	static char buf[2048];
	size_t n = decode_arg_json(r, i, buf, sizeof(buf));

	cr_assert_eq(n, strlen(buf));
	return buf;
}

/* connect(3, addr, len) with the address captured as the BPF side does (at most 128 bytes). */
static const char *connect_with(const void *sa, int len, bool json)
{
	static struct at_call_rec r;
	struct at_sa_cap c = { .ulen = len, .rlen = len, .flags = AT_SA_ULEN | AT_SA_RLEN };

	r = mkrec("connect", 3, 0x1000, (__u64)(unsigned)len, 0);
	c.got = len < 0 ? 0 : len > AT_SA_MAX ? AT_SA_MAX : len;
	memcpy(c.sa, sa, c.got);
	set_slot(&r, 0, 1, &c, offsetof(struct at_sa_cap, sa) + c.got);
	return json ? json_of(&r, 1) : args_of(&r);
}

Test(sockdec, sockaddr_lengths)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons(8080),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char big[200] = { 0 };

	memcpy(big, &in, sizeof(in));
	/* Shorter than a family: the pointer, as strace. */
	cr_assert_str_eq(connect_with(&in, 0, false), "3, 0x1000, 0");
	cr_assert_str_eq(connect_with(&in, 1, false), "3, 0x1000, 1");
	cr_assert_str_eq(connect_with(&in, -1, false), "3, 0x1000, -1");
	cr_assert_str_eq(connect_with(&in, 2, false), "3, {sa_family=AF_INET}, 2");
	/* Too short for AF_INET's printer: the bytes after the family. */
	cr_assert_str_eq(connect_with(&in, 8, false),
			 "3, {sa_family=AF_INET, sa_data=\"\\37\\220\\177\\0\\0\\1\"}, 8");
	cr_assert_str_eq(connect_with(&in, 16, false),
			 "3, {sa_family=AF_INET, sin_port=htons(8080), "
			 "sin_addr=inet_addr(\"127.0.0.1\")}, 16");
	/* Longer than a sockaddr_storage: its first 128 bytes, as strace reads them. */
	cr_assert_str_eq(connect_with(big, 200, false),
			 "3, {sa_family=AF_INET, sin_port=htons(8080), "
			 "sin_addr=inet_addr(\"127.0.0.1\")}, 200");
	cr_assert_str_eq(connect_with(&in, 16, true),
			 "{\"family\":\"AF_INET\",\"port\":8080,\"addr\":\"127.0.0.1\"}");
}

Test(sockdec, sockaddr_short_slot_is_the_pointer)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct at_call_rec r = mkrec("connect", 3, 0x1000, 16, 0);
	struct at_sa_cap c = { .ulen = 16, .rlen = 16, .got = 16, .flags = AT_SA_ULEN | AT_SA_RLEN };

	memcpy(c.sa, &in, sizeof(in));
	/* The capture claims 16 bytes, the slot brought 4 of them. */
	set_slot(&r, 0, 1, &c, offsetof(struct at_sa_cap, sa) + 4);
	cr_assert_str_eq(args_of(&r), "3, 0x1000, 16");
	/* Unreadable. */
	c.flags |= AT_SA_FAULT;
	c.got = 0;
	set_slot(&r, 0, 1, &c, offsetof(struct at_sa_cap, sa));
	cr_assert_str_eq(args_of(&r), "3, 0x1000, 16");
}

Test(sockdec, sun_path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char want[256];

	memcpy(un.sun_path, "/tmp/x", 6);
	cr_assert_str_eq(connect_with(&un, 9, false),
			 "3, {sa_family=AF_UNIX, sun_path=\"/tmp/x\"}, 9");
	/* Without its NUL: the whole sun_path, then the zeroed padding ends it. */
	memset(un.sun_path, 'a', sizeof(un.sun_path));
	snprintf(want, sizeof(want), "3, {sa_family=AF_UNIX, sun_path=\"%.108s\"}, 110",
		 un.sun_path);
	cr_assert_str_eq(connect_with(&un, 110, false), want);
	/* 200: cut at sizeof(struct sockaddr_un). */
	{
		char big[200];

		memset(big, 'b', sizeof(big));
		memcpy(big, &un, sizeof(un));
		snprintf(want, sizeof(want), "3, {sa_family=AF_UNIX, sun_path=\"%.108s\"}, 200",
			 un.sun_path);
		cr_assert_str_eq(connect_with(big, 200, false), want);
	}
	/* Abstract: "@" and every byte after the first NUL, NULs too. */
	memset(un.sun_path, 0, sizeof(un.sun_path));
	memcpy(un.sun_path + 1, "a\0b", 3);
	cr_assert_str_eq(connect_with(&un, 6, false),
			 "3, {sa_family=AF_UNIX, sun_path=@\"a\\0b\"}, 6");
	cr_assert_str_eq(connect_with(&un, 3, false), "3, {sa_family=AF_UNIX, sun_path=@\"\"}, 3");
	cr_assert_str_eq(connect_with(&un, 6, true),
			 "{\"family\":\"AF_UNIX\",\"path\":\"a\\u0000b\",\"abstract\":true}");
}

Test(sockdec, other_families)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(53),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT,
				   .sin6_scope_id = 7 };
	struct sockaddr_storage ss = { .ss_family = 200 };
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	cr_assert_str_eq(connect_with(&s6, 28, false),
			 "3, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), "
			 "inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=7}, 28");
	/* The RFC 2133 length: no scope id. */
	cr_assert_str_eq(connect_with(&s6, 24, false),
			 "3, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), "
			 "inet_pton(AF_INET6, \"::1\", &sin6_addr)}, 24");
	cr_assert_str_eq(connect_with(&ss, 4, false),
			 "3, {sa_family=0xc8 /* AF_??? */, sa_data=\"\\0\\0\"}, 4");
	cr_assert_str_eq(connect_with(&ss, 4, true),
			 "{\"family\":200,\"data\":\"\\u0000\\u0000\"}");
	cr_assert_str_eq(connect_with(&sa, 2, false), "3, {sa_family=AF_UNSPEC}, 2");
}

/* accept4(3, 0x1000, 0x2000, SOCK_CLOEXEC) returning ret, with the lengths read. */
static const char *accept_with(__s64 ret, unsigned flags, int ulen, int rlen)
{
	static struct at_call_rec r;
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons(1),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct at_sa_cap c = { .ulen = ulen, .rlen = rlen, .flags = flags };

	r = mkrec("accept4", 3, 0x1000, 0x2000, SOCK_CLOEXEC);
	r.ret = ret;
	if (flags & AT_SA_RLEN) {
		c.got = sizeof(in);
		memcpy(c.sa, &in, sizeof(in));
	}
	set_slot(&r, 0, 1, &c, offsetof(struct at_sa_cap, sa) + c.got);
	return args_of(&r);
}

Test(sockdec, socklen_in_and_out)
{
	cr_assert_str_eq(accept_with(4, AT_SA_ULEN | AT_SA_RLEN, 128, 16),
			 "3, {sa_family=AF_INET, sin_port=htons(1), "
			 "sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16], SOCK_CLOEXEC");
	cr_assert_str_eq(accept_with(4, AT_SA_ULEN | AT_SA_RLEN, 16, 16),
			 "3, {sa_family=AF_INET, sin_port=htons(1), "
			 "sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC");
	/* Seen at exit alone: the length returned. */
	cr_assert_str_eq(accept_with(4, AT_SA_RLEN, 0, 16),
			 "3, {sa_family=AF_INET, sin_port=htons(1), "
			 "sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC");
	/* Room for 1: the kernel says 16, wrote 1; strace reads the smaller. */
	cr_assert_str_eq(accept_with(4, AT_SA_ULEN | AT_SA_RLEN, 1, 16),
			 "3, 0x1000, [1 => 16], SOCK_CLOEXEC");
	/* Failed: the length passed in; nothing read: the pointers. */
	cr_assert_str_eq(accept_with(-EAGAIN, AT_SA_ULEN, 128, 0),
			 "3, 0x1000, [128], SOCK_CLOEXEC");
	cr_assert_str_eq(accept_with(-EAGAIN, 0, 0, 0), "3, 0x1000, 0x2000, SOCK_CLOEXEC");
}

/* An iovec capture of n entries with the given data per entry. */
static size_t iov_cap(struct at_iov_cap *c, unsigned n, const char *const *data)
{
	size_t off = 0;

	memset(c, 0, sizeof(*c));
	c->count = n;
	c->shown = n > AT_IOV_SHOWN ? AT_IOV_SHOWN : n;
	c->flags = AT_IOV_DATA_READ;
	for (unsigned k = 0; k < c->shown; k++) {
		size_t len = strlen(data[k]);

		c->iov[k].base = 0x1000 + k;
		c->iov[k].len = len;
		c->got[k] = len;
		memcpy(c->data + off, data[k], len);
		off += len;
	}
	return offsetof(struct at_iov_cap, data) + off;
}

static const char *iov_text(const char *cap, size_t len, int64_t limit)
{
	static char buf[2048];
	struct out o = out_init(buf, sizeof(buf));

	sock_put_iov(&o, cap, len, limit, 0x5000, false);
	out_end(&o);
	return buf;
}

Test(sockdec, iovec_bounds)
{
	static const char *const d[] = { "ab", "cd", "e", "f", "g", "h", "i", "j", "k", "l" };
	struct at_iov_cap c;
	size_t len = iov_cap(&c, 2, d);

	cr_assert_str_eq(iov_text((char *)&c, len, -1),
			 "[{iov_base=\"ab\", iov_len=2}, {iov_base=\"cd\", iov_len=2}]");
	/* readv's result bounds the data: 3 bytes of 4. */
	c.got[1] = 1;
	cr_assert_str_eq(iov_text((char *)&c, len - 1, 3),
			 "[{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\", iov_len=2}]");
	/* Cut at -s (fewer bytes than strace would print): "...". */
	cr_assert_str_eq(iov_text((char *)&c, len - 1, -1),
			 "[{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\"..., iov_len=2}]");
	/* More entries than are recorded: "...". */
	len = iov_cap(&c, 10, d);
	cr_assert(strstr(iov_text((char *)&c, len, -1), "{iov_base=\"j\", iov_len=1}, ...]"), "%s",
		  iov_text((char *)&c, len, -1));
	/* A capture claiming more entries and data than the slot holds. */
	len = iov_cap(&c, 2, d);
	c.shown = 200;
	c.got[1] = 250;
	cr_assert(strstr(iov_text((char *)&c, len, -1), "{iov_base=0x1001, iov_len=2}"), "%s",
		  iov_text((char *)&c, len, -1));
	cr_assert_str_eq(iov_text((char *)&c, 10, -1), "0x5000");
	/* The array unreadable; a failed readv: the bases. */
	len = iov_cap(&c, 1, d);
	c.flags = AT_IOV_FAULT;
	cr_assert_str_eq(iov_text((char *)&c, len, -1), "0x5000");
	c.flags = 0;
	cr_assert_str_eq(iov_text((char *)&c, len, -1), "[{iov_base=0x1000, iov_len=2}]");
}

static const char *cmsg_text(const void *buf, size_t got, uint64_t controllen)
{
	static char out[1024];
	struct out o = out_init(out, sizeof(out));

	sock_put_cmsgs(&o, buf, got, controllen, 0x7000, false);
	out_end(&o);
	return out;
}

Test(sockdec, cmsg_lengths)
{
	union {
		struct cmsghdr h;
		char b[64];
	} u;
	int fds[2] = { 5, 6 };

	memset(&u, 0, sizeof(u));
	u.h.cmsg_level = SOL_SOCKET;
	u.h.cmsg_type = SCM_RIGHTS;
	u.h.cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(&u.h), fds, sizeof(fds));
	cr_assert_str_eq(cmsg_text(&u, 24, 24),
			 "[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, "
			 "cmsg_data=[5, 6]}]");
	/* cmsg_len past the end: bounded by what is there, and the walk ends. */
	u.h.cmsg_len = 1000;
	cr_assert_str_eq(cmsg_text(&u, 24, 24),
			 "[{cmsg_len=1000, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, "
			 "cmsg_data=[5, 6]}]");
	/* Past what was captured of a longer control buffer: "...". */
	cr_assert_str_eq(cmsg_text(&u, 24, 4096),
			 "[{cmsg_len=1000, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, "
			 "cmsg_data=[5, 6]}, ...]");
	/* cmsg_len 0: shorter than a header; the rest left over, at its address. */
	u.h.cmsg_len = 0;
	cr_assert_str_eq(cmsg_text(&u, 24, 24),
			 "[{cmsg_len=0, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS}, "
			 "... /* 0x7010 */]");
	/* Shorter than one header: the address. */
	cr_assert_str_eq(cmsg_text(&u, 8, 8), "0x7000");
	/* An unknown level and type. */
	u.h.cmsg_len = 16;
	u.h.cmsg_level = 999;
	u.h.cmsg_type = 3;
	cr_assert_str_eq(cmsg_text(&u, 16, 16),
			 "[{cmsg_len=16, cmsg_level=0x3e7 /* SOL_??? */, cmsg_type=0x3}]");
}

Test(sockdec, recvmsg_failed_and_json)
{
	struct at_call_rec r = mkrec("recvmsg", 4, 0x3000, 0, 0);
	struct at_msg_cap m = { .namelen_in = 128, .flags = AT_MSG_NAMELEN_IN };
	struct at_iov_cap c;
	static const char *const d[] = { "x" };
	size_t len;

	r.ret = -EAGAIN;
	set_slot(&r, 0, 1, &m, AT_MSG_HDR);
	cr_assert_str_eq(args_of(&r), "4, {msg_namelen=128}, 0");
	/* Nothing read at entry either: the pointer. */
	m.flags = 0;
	set_slot(&r, 0, 1, &m, AT_MSG_HDR);
	cr_assert_str_eq(args_of(&r), "4, 0x3000, 0");
	/* Read: the msghdr in slot 0, its iovecs in slot 1. */
	r.ret = 1;
	m = (struct at_msg_cap){
		.iov = 0x4000, .iovlen = 1, .namelen = 0, .flags = AT_MSG_HDR_READ
	};
	set_slot(&r, 0, 1, &m, AT_MSG_HDR);
	len = iov_cap(&c, 1, d);
	set_slot(&r, 1, 1, &c, len);
	cr_assert_str_eq(args_of(&r),
			 "4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", "
			 "iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0");
	cr_assert_str_eq(
		json_of(&r, 1),
		"{\"msg_name\":null,\"msg_namelen\":0,\"msg_iov\":[{\"iov_base\":\"x\","
		"\"iov_len\":1}],\"msg_iovlen\":1,\"msg_controllen\":0,\"msg_flags\":\"0\"}");
}

/* The capture specs: which slot reads what, from which argument, by which length. */
Test(sockdec, specs)
{
	static struct at_sys_spec specs[AT_NR_MAX];
	const struct at_sys_spec *sp;

	syscall_specs(specs);
	sp = &specs[syscall_by_name("connect")];
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_SADDR_IN);
	cr_assert_eq(sp->slot_arg[0], 1);
	cr_assert_eq(sp->len_arg[0], 2);
	sp = &specs[syscall_by_name("accept4")];
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_SADDR_OUT);
	cr_assert_eq(sp->slot_arg[0], 1);
	cr_assert_eq(sp->len_arg[0], 2);
	/* recvfrom: the data, then the address and its socklen_t *. */
	sp = &specs[syscall_by_name("recvfrom")];
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_BUF_OUT);
	cr_assert_eq(sp->slot_kind[1], AT_SLOT_SADDR_OUT);
	cr_assert_eq(sp->slot_arg[1], 4);
	cr_assert_eq(sp->len_arg[1], 5);
	sp = &specs[syscall_by_name("writev")];
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_IOV_IN);
	cr_assert_eq(sp->len_arg[0], 2);
	cr_assert_eq(specs[syscall_by_name("preadv2")].slot_kind[0], AT_SLOT_IOV_OUT);
	/* A msghdr takes two slots on the same argument. */
	sp = &specs[syscall_by_name("recvmsg")];
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_MSG_OUT);
	cr_assert_eq(sp->slot_kind[1], AT_SLOT_MSGIOV_OUT);
	cr_assert_eq(sp->slot_arg[0], 1);
	cr_assert_eq(sp->slot_arg[1], 1);
	cr_assert_eq(specs[syscall_by_name("sendmsg")].slot_kind[1], AT_SLOT_MSGIOV_IN);
	/* i386's iovecs and msghdrs have 32-bit pointers: not read. */
	for (int k = syscall_next_by_name("writev", -1); k >= 0;
	     k = syscall_next_by_name("writev", k))
		if (syscall_is_compat((unsigned)k))
			cr_assert_eq(specs[k].slot_kind[0], AT_SLOT_NONE);
}

/* An OTLP attribute of a structure is its JSON object as a string, escaped: valid JSON. */
Test(sockdec, otlp_attribute_is_an_escaped_string)
{
	static char text[1 << 16];
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons(80),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct at_call_rec r = mkrec("connect", 3, 0x1000, sizeof(in), 0);
	struct at_sa_cap c = { .ulen = sizeof(in),
			       .rlen = sizeof(in),
			       .got = sizeof(in),
			       .flags = AT_SA_ULEN | AT_SA_RLEN };
	struct out o = out_init(text, sizeof(text));
	struct event ev;

	memcpy(c.sa, &in, sizeof(in));
	set_slot(&r, 0, 1, &c, offsetof(struct at_sa_cap, sa) + sizeof(in));
	decode_syscall_rec(&r, &ev);
	otlp_log_record(&o, &ev, 0);
	out_end(&o);
	cr_assert(strstr(text, "{\"key\":\"agent_trace.arg.uservaddr\",\"value\":{\"stringValue\":"
			       "\"{\\\"family\\\":\\\"AF_INET\\\",\\\"port\\\":80,\\\"addr\\\":"
			       "\\\"127.0.0.1\\\"}\"}}"),
		  "%s", text);
}
