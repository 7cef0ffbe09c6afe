// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Socket addresses, iovec arrays and msghdrs from their capture slots,
 * printed as strace 6.1 prints them (its sockaddr.c, io.c, msghdr.c and
 * net.c), and as JSON objects with the field names the README lists.
 * Every length in a capture is the caller's or the kernel's: each is
 * checked against what the slot holds before a byte is read.
 */
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "decode_sock.h"
#include "decode_sys.h"
#include "sockcap.h"
#include "syscalls.h"
#include "util.h"

bool sock_kind(unsigned kind)
{
	return kind >= ARG_SOCKADDR_IN && kind <= ARG_MSGHDR_OUT;
}

/* A field: text "name=", JSON "name":; first says whether a comma goes before. */
static void field(struct out *o, bool json, bool *first, const char *text, const char *jname)
{
	if (!*first)
		out_puts(o, json ? "," : ", ");
	*first = false;
	if (json)
		out_printf(o, "\"%s\":", jname);
	else
		out_printf(o, "%s=", text);
}

/* Bytes as a quoted string: C escapes in text, JSON escapes in JSON. */
static void put_quoted(struct out *o, const char *s, size_t n, bool json)
{
	out_putc(o, '"');
	if (json)
		out_escape_json(o, s, n);
	else
		out_escape_c(o, s, n);
	out_putc(o, '"');
}

/* A name, or strace's form of an unknown value (0x2a and a comment naming the kind); JSON: a number. */
static void put_xval(struct out *o, const char *name, unsigned v, const char *unknown, bool json)
{
	if (name && json)
		out_printf(o, "\"%s\"", name);
	else if (name)
		out_puts(o, name);
	else if (json)
		out_u64(o, v);
	else
		out_printf(o, "%#x /* %s */", v, unknown);
}

static void sa_in(struct out *o, const struct sockaddr_in *sin, bool json, bool *first)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	field(o, json, first, "sin_port", "port");
	out_printf(o, json ? "%u" : "htons(%u)", ntohs(sin->sin_port));
	field(o, json, first, "sin_addr", "addr");
	out_printf(o, json ? "\"%s\"" : "inet_addr(\"%s\")", ip);
}

static void sa_in6(struct out *o, const struct sockaddr_in6 *s6, int addrlen, bool json,
		   bool *first)
{
	char ip[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	bool ll = IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&s6->sin6_addr);

	inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
	field(o, json, first, "sin6_port", "port");
	out_printf(o, json ? "%u" : "htons(%u)", ntohs(s6->sin6_port));
	field(o, json, first, "sin6_flowinfo", "flowinfo");
	out_printf(o, json ? "%u" : "htonl(%u)", ntohl(s6->sin6_flowinfo));
	if (json) {
		field(o, json, first, "", "addr");
		out_printf(o, "\"%s\"", ip);
	} else {
		out_printf(o, ", inet_pton(AF_INET6, \"%s\", &sin6_addr)", ip);
	}
	/* The scope id only past the RFC 2133 length, as strace: by name when link-local. */
	if (addrlen <= (int)offsetof(struct sockaddr_in6, sin6_scope_id))
		return;
	field(o, json, first, "sin6_scope_id", "scope_id");
	if (!json && ll && s6->sin6_scope_id && if_indextoname(s6->sin6_scope_id, ifname))
		out_printf(o, "if_nametoindex(\"%s\")", ifname);
	else
		out_u64(o, s6->sin6_scope_id);
}

/* sun_path as strace: up to its NUL, or abstract (a NUL first) "@" and every byte after it. */
static void sa_un(struct out *o, const char *buf, int addrlen, bool json, bool *first)
{
	int un_len = addrlen > (int)sizeof(struct sockaddr_un) ? (int)sizeof(struct sockaddr_un) :
								 addrlen;
	int path_len = un_len - (int)sizeof(sa_family_t);
	const char *path = buf + sizeof(sa_family_t);

	field(o, json, first, "sun_path", "path");
	if (path[0]) {
		/* Up to a NUL within path_len bytes: strace's QUOTE_0_TERMINATED. */
		put_quoted(o, path, strnlen(path, (size_t)path_len), json);
		return;
	}
	if (json) {
		put_quoted(o, path + 1, (size_t)path_len - 1, json);
		out_puts(o, ",\"abstract\":true");
		return;
	}
	out_putc(o, '@');
	put_quoted(o, path + 1, (size_t)path_len - 1, json);
}

static void sa_nl(struct out *o, const struct sockaddr_nl *nl, bool json, bool *first)
{
	if (nl->nl_pad) {
		field(o, json, first, "nl_pad", "pad");
		out_printf(o, json ? "%u" : "%#x", nl->nl_pad);
	}
	field(o, json, first, "nl_pid", "pid");
	out_u64(o, nl->nl_pid);
	field(o, json, first, "nl_groups", "groups");
	out_printf(o, json ? "%u" : "%#08x", nl->nl_groups);
}

void sock_put_sockaddr(struct out *o, const void *src, size_t got, int addrlen, bool json)
{
	/* strace's buffer: the address, zero-padded, one byte more than sockaddr_storage. */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_nl nl;
		char pad[AT_SA_MAX + 1];
	} u;
	unsigned family;
	bool first = true;
	int min_len = 0;

	if (addrlen > AT_SA_MAX)
		addrlen = AT_SA_MAX;
	if (got > (size_t)addrlen)
		got = (size_t)addrlen;
	memset(&u, 0, sizeof(u));
	memcpy(u.pad, src, got);
	family = u.sa.sa_family;
	out_putc(o, '{');
	field(o, json, &first, "sa_family", "family");
	put_xval(o, sys_family_name(family), family, "AF_???", json);
	if (addrlen <= (int)sizeof(sa_family_t)) {
		out_putc(o, '}');
		return;
	}
	switch (family) {
	case AF_UNIX:
		min_len = sizeof(sa_family_t) + 1;
		break;
	case AF_INET:
		min_len = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		min_len = offsetof(struct sockaddr_in6, sin6_scope_id);
		break;
	case AF_NETLINK:
		min_len = sizeof(struct sockaddr_nl);
		break;
	}
	if (!min_len || addrlen < min_len) {
		/* No printer, or too short for it: the bytes after the family. */
		field(o, json, &first, "sa_data", "data");
		put_quoted(o, u.pad + sizeof(sa_family_t), (size_t)addrlen - sizeof(sa_family_t),
			   json);
	} else if (family == AF_UNIX) {
		sa_un(o, u.pad, addrlen, json, &first);
	} else if (family == AF_INET) {
		sa_in(o, &u.in, json, &first);
	} else if (family == AF_INET6) {
		sa_in6(o, &u.in6, addrlen, json, &first);
	} else {
		sa_nl(o, &u.nl, json, &first);
	}
	out_putc(o, '}');
}

/* strace's decode_sockaddr: the address when shorter than a family or unreadable. */
static void put_sockaddr_at(struct out *o, uint64_t ptr, const char *buf, size_t got, int len,
			    bool readable, bool json)
{
	int want = len > AT_SA_MAX ? AT_SA_MAX : len;

	if (len < 2 || !ptr || !readable || got < (size_t)want) {
		sys_put_ptr(o, ptr, json);
		return;
	}
	sock_put_sockaddr(o, buf, got, len, json);
}

/* A socket address capture, when the slot holds one whole. */
static const struct at_sa_cap *sa_cap(const struct event_arg *a)
{
	if (!a->bytes || a->len < offsetof(struct at_sa_cap, sa))
		return NULL;
	return (const struct at_sa_cap *)a->bytes;
}

/* The bytes of c's address that arrived. */
static size_t sa_got(const struct event_arg *a, const struct at_sa_cap *c)
{
	size_t room = a->len - offsetof(struct at_sa_cap, sa);

	return c->got < room ? c->got : room;
}

/*
 * The address of accept4, getsockname, recvfrom...: strace prints it when
 * both pointers are set, *addrlen was read at entry (here: at entry or, a
 * call seen at exit alone, at exit) and the call succeeded.
 */
static bool sa_out_shown(const struct event *ev, unsigned i, const struct at_sa_cap *c)
{
	return c && ev->args[i].value && i + 1 < ev->nargs && ev->args[i + 1].value &&
	       ev->ret >= 0 && (c->flags & AT_SA_RLEN);
}

static void put_sockaddr_arg(struct out *o, const struct event *ev, unsigned i, bool json)
{
	const struct event_arg *a = &ev->args[i];
	const struct at_sa_cap *c = sa_cap(a);
	int len;

	if (!c || (a->flags & EVA_FAULTED)) {
		sys_put_ptr(o, a->value, json);
		return;
	}
	if (a->type == ARG_SOCKADDR_IN) {
		put_sockaddr_at(o, a->value, c->sa, sa_got(a, c), c->ulen,
				!(c->flags & AT_SA_FAULT), json);
		return;
	}
	if (!sa_out_shown(ev, i, c)) {
		sys_put_ptr(o, a->value, json);
		return;
	}
	len = (c->flags & AT_SA_ULEN) && c->ulen < c->rlen ? c->ulen : c->rlen;
	put_sockaddr_at(o, a->value, c->sa, sa_got(a, c), len, !(c->flags & AT_SA_FAULT), json);
}

/* The socklen_t * after an address: [16], [128 => 16], or the pointer when nothing was read. */
static void put_socklen(struct out *o, const struct event *ev, unsigned i, bool json)
{
	const struct event_arg *sa = i ? &ev->args[i - 1] : NULL;
	const struct at_sa_cap *c = sa && sa->type == ARG_SOCKADDR_OUT ? sa_cap(sa) : NULL;
	bool ulen = c && (c->flags & AT_SA_ULEN) && sa->value && ev->args[i].value;
	bool shown = c && sa_out_shown(ev, i - 1, c);

	if (!shown && !ulen) {
		sys_put_ptr(o, ev->args[i].value, json);
		return;
	}
	if (json) {
		bool first = true;

		out_putc(o, '{');
		if (ulen) {
			field(o, json, &first, "", "in");
			out_i64(o, c->ulen);
		}
		if (shown) {
			field(o, json, &first, "", "out");
			out_i64(o, c->rlen);
		}
		out_putc(o, '}');
		return;
	}
	out_putc(o, '[');
	if (!shown)
		out_i64(o, c->ulen);
	else if (ulen && c->ulen != c->rlen)
		out_printf(o, "%d => %d", c->ulen, c->rlen);
	else
		out_i64(o, c->rlen);
	out_putc(o, ']');
}

/* The data of one iovec entry, bounded as strace bounds it: its length, what is left of limit. */
static void iov_base(struct out *o, const struct at_iov_cap *c, unsigned k, const char *data,
		     size_t have, uint64_t want, bool json)
{
	uint64_t base = c->iov[k].base;

	if (!(c->flags & AT_IOV_DATA_READ) || (c->dfault & (1u << k)) || !base ||
	    c->got[k] > have) {
		sys_put_ptr(o, base, json);
		return;
	}
	put_quoted(o, data, c->got[k], json);
	if (!json && c->got[k] < want)
		out_puts(o, "...");
}

void sock_put_iov(struct out *o, const char *cap, size_t len, int64_t limit, uint64_t ptr,
		  bool json)
{
	struct at_iov_cap c;
	uint64_t left = limit < 0 ? UINT64_MAX : (uint64_t)limit;
	size_t off = 0, have;
	unsigned shown;

	if (!cap || len < offsetof(struct at_iov_cap, iov) ||
	    (((const struct at_iov_cap *)cap)->flags & AT_IOV_FAULT)) {
		sys_put_ptr(o, ptr, json);
		return;
	}
	memset(&c, 0, sizeof(c));
	memcpy(&c, cap, len < sizeof(c) ? len : sizeof(c));
	shown = c.shown > AT_IOV_SHOWN ? AT_IOV_SHOWN : c.shown;
	if (len < offsetof(struct at_iov_cap, iov) + shown * sizeof(c.iov[0]) ||
	    (c.count && !shown)) {
		sys_put_ptr(o, ptr, json);
		return;
	}
	have = len > offsetof(struct at_iov_cap, data) ? len - offsetof(struct at_iov_cap, data) :
							 0;
	out_putc(o, '[');
	for (unsigned k = 0; k < shown; k++) {
		uint64_t want = c.iov[k].len > left ? left : c.iov[k].len;
		bool first = true;

		left -= want;
		if (k)
			out_puts(o, json ? "," : ", ");
		out_putc(o, '{');
		field(o, json, &first, "iov_base", "iov_base");
		iov_base(o, &c, k, c.data + off, off < have ? have - off : 0, want, json);
		if (c.got[k] <= (off < have ? have - off : 0))
			off += c.got[k];
		field(o, json, &first, "iov_len", "iov_len");
		out_u64(o, c.iov[k].len);
		out_putc(o, '}');
	}
	if (c.count > shown && !json)
		out_puts(o, ", ...");
	out_putc(o, ']');
}

/* SCM_RIGHTS's fds, SCM_CREDENTIALS's ucred; the other types' data is not shown. */
static void cmsg_data(struct out *o, int level, int type, const char *data, size_t n, bool json,
		      bool *first)
{
	if (level != SOL_SOCKET)
		return;
	if (type == SCM_RIGHTS && n >= sizeof(int)) {
		field(o, json, first, "cmsg_data", "cmsg_data");
		out_putc(o, '[');
		for (size_t k = 0; k + sizeof(int) <= n; k += sizeof(int)) {
			int fd;

			memcpy(&fd, data + k, sizeof(fd));
			if (k)
				out_puts(o, json ? "," : ", ");
			out_i64(o, fd);
		}
		out_putc(o, ']');
	} else if (type == SCM_CREDENTIALS && n >= sizeof(struct ucred)) {
		struct ucred uc;
		bool f = true;

		memcpy(&uc, data, sizeof(uc));
		field(o, json, first, "cmsg_data", "cmsg_data");
		out_putc(o, '{');
		field(o, json, &f, "pid", "pid");
		out_i64(o, uc.pid);
		field(o, json, &f, "uid", "uid");
		out_u64(o, uc.uid);
		field(o, json, &f, "gid", "gid");
		out_u64(o, uc.gid);
		out_putc(o, '}');
	}
}

static const char *scm_name(int type)
{
	switch (type) {
	case SCM_RIGHTS:
		return "SCM_RIGHTS";
	case SCM_CREDENTIALS:
		return "SCM_CREDENTIALS";
	case 3:
		return "SCM_SECURITY";
	case 29:
		return "SCM_TIMESTAMP";
	case 35:
		return "SCM_TIMESTAMPNS";
	case 37:
		return "SCM_TIMESTAMPING";
	}
	return NULL;
}

/* One control message: its header, and the data of the types that have a printer. */
static void cmsg_one(struct out *o, const struct cmsghdr *h, const char *data, size_t data_len,
		     bool json)
{
	bool first = true;

	out_putc(o, '{');
	field(o, json, &first, "cmsg_len", "cmsg_len");
	out_u64(o, h->cmsg_len);
	field(o, json, &first, "cmsg_level", "cmsg_level");
	put_xval(o, sys_sol_name(h->cmsg_level), (unsigned)h->cmsg_level, "SOL_???", json);
	field(o, json, &first, "cmsg_type", "cmsg_type");
	if (h->cmsg_level == SOL_SOCKET)
		put_xval(o, scm_name(h->cmsg_type), (unsigned)h->cmsg_type, "SCM_???", json);
	else if (json)
		out_u64(o, (unsigned)h->cmsg_type);
	else
		out_printf(o, "%#x", (unsigned)h->cmsg_type);
	cmsg_data(o, h->cmsg_level, h->cmsg_type, data, data_len, json, &first);
	out_putc(o, '}');
}

/*
 * strace's decode_msg_control over the bytes read: each header's length
 * bounded by what is left, the walk ended by a length that reaches past
 * it; "..." where bytes are left over or were not read.
 */
void sock_put_cmsgs(struct out *o, const char *buf, size_t got, uint64_t controllen, uint64_t addr,
		    bool json)
{
	const size_t hsize = sizeof(struct cmsghdr);
	size_t pos = 0, left = got;

	if (got < hsize) {
		sys_put_ptr(o, addr, json);
		return;
	}
	out_putc(o, '[');
	while (left >= hsize) {
		struct cmsghdr h;
		uint64_t len;

		memcpy(&h, buf + pos, hsize);
		if (pos)
			out_puts(o, json ? "," : ", ");
		len = h.cmsg_len > left ? left : h.cmsg_len;
		cmsg_one(o, &h, buf + pos + hsize, len > hsize ? len - hsize : 0, json);
		if (len < hsize) {
			left -= hsize;
			break;
		}
		len = (h.cmsg_len + sizeof(long) - 1) & ~(uint64_t)(sizeof(long) - 1);
		if (len >= left || len < h.cmsg_len) {
			left = 0;
			break;
		}
		pos += len;
		left -= len;
	}
	if (!json && left)
		out_printf(o, ", ... /* %#llx */", (unsigned long long)(addr + (got - left)));
	else if (!json && got < controllen)
		out_puts(o, ", ...");
	out_putc(o, ']');
}

static void put_msghdr(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	const struct at_msg_cap *c = (const struct at_msg_cap *)a->bytes;
	bool out = a->type == ARG_MSGHDR_OUT, first = true;
	size_t name_got, ctl_got;
	int namelen;

	if (!a->bytes || a->len < AT_MSG_HDR || (a->flags & EVA_FAULTED)) {
		sys_put_ptr(o, a->value, json);
		return;
	}
	if (!(c->flags & AT_MSG_HDR_READ)) {
		/* A failed recvmsg: the length its caller passed, as strace shows it. */
		if (!out || ev->ret >= 0 || !(c->flags & AT_MSG_NAMELEN_IN)) {
			sys_put_ptr(o, a->value, json);
			return;
		}
		out_putc(o, '{');
		field(o, json, &first, "msg_namelen", "msg_namelen");
		out_i64(o, c->namelen_in);
		out_putc(o, '}');
		return;
	}
	name_got = a->len > AT_MSG_HDR ? a->len - AT_MSG_HDR : 0;
	name_got = c->name_got < name_got ? c->name_got : name_got;
	ctl_got = a->len > AT_STR_MAX - AT_MSG_CTL ? a->len - (AT_STR_MAX - AT_MSG_CTL) : 0;
	ctl_got = c->ctl_got < ctl_got ? c->ctl_got : ctl_got;
	namelen = out && (c->flags & AT_MSG_NAMELEN_IN) && c->namelen > c->namelen_in ?
			  c->namelen_in :
			  c->namelen;
	out_putc(o, '{');
	field(o, json, &first, "msg_name", "msg_name");
	put_sockaddr_at(o, c->name, c->name_buf, name_got,
			namelen > AT_MSG_NAME && name_got == AT_MSG_NAME ? AT_MSG_NAME : namelen,
			!(c->flags & AT_MSG_NAME_FAULT), json);
	field(o, json, &first, "msg_namelen", "msg_namelen");
	if (out && (c->flags & AT_MSG_NAMELEN_IN) && c->namelen_in != c->namelen)
		out_printf(o, json ? "%d,\"msg_namelen_in\":%d" : "%d => %d",
			   json ? c->namelen : c->namelen_in, json ? c->namelen_in : c->namelen);
	else
		out_i64(o, c->namelen);
	field(o, json, &first, "msg_iov", "msg_iov");
	if (a->aux && !(a->aux_flags & EVA_FAULTED))
		sock_put_iov(o, a->aux, a->aux_len, out ? ev->ret : -1, c->iov, json);
	else
		sys_put_ptr(o, c->iov, json);
	field(o, json, &first, "msg_iovlen", "msg_iovlen");
	out_u64(o, c->iovlen);
	if (c->controllen) {
		field(o, json, &first, "msg_control", "msg_control");
		if (c->flags & AT_MSG_CTL_FAULT)
			sys_put_ptr(o, c->control, json);
		else
			sock_put_cmsgs(o, c->ctl, ctl_got, c->controllen, c->control, json);
	}
	field(o, json, &first, "msg_controllen", "msg_controllen");
	out_u64(o, c->controllen);
	field(o, json, &first, "msg_flags", "msg_flags");
	if (json)
		out_putc(o, '"');
	sys_put_msg_flags(o, c->msg_flags);
	if (json)
		out_putc(o, '"');
	out_putc(o, '}');
}

void sock_put_arg(struct out *o, const struct event *ev, unsigned i, bool json)
{
	const struct event_arg *a = &ev->args[i];

	switch (a->type) {
	case ARG_SOCKADDR_IN:
	case ARG_SOCKADDR_OUT:
		put_sockaddr_arg(o, ev, i, json);
		return;
	case ARG_SOCKLEN_PTR:
		put_socklen(o, ev, i, json);
		return;
	case ARG_IOV_IN:
	case ARG_IOV_OUT:
		if (!a->value || (a->flags & EVA_FAULTED) || !a->bytes)
			sys_put_ptr(o, a->value, json);
		else
			sock_put_iov(o, a->bytes, a->len, a->type == ARG_IOV_OUT ? ev->ret : -1,
				     a->value, json);
		return;
	case ARG_MSGHDR_IN:
	case ARG_MSGHDR_OUT:
		put_msghdr(o, ev, a, json);
		return;
	}
	sys_put_ptr(o, a->value, json);
}
