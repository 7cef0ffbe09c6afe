// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Socket addresses, iovec arrays with their data and msghdrs with their
 * name and control messages, read from the caller into a call record's
 * capture slot (include/sockcap.h has the layouts). strace reads these
 * where it prints them: inputs at entry, what the kernel fills at exit
 * (accept4's address and both lengths of its socklen_t, readv's data up to
 * the result, recvmsg's whole msghdr).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "record.h"
#include "sockcap.h"
#include "spec.h"
#include "lib/capture.bpf.h"
#include "lib/sockcap.bpf.h"

/*
 * An iovec capture is built here: its data goes at a running offset, which
 * the verifier bounds only by masks; twice the slot leaves room for any
 * offset plus any length it allows. Then copied to the slot whole. The
 * loop's running values (offset, what is left of the result, whether
 * something was cut) live here too, not in registers: map memory is not
 * tracked, so each entry's paths end in one state the next entry's
 * verification starts from, instead of every combination of them.
 */
struct sockcap_buf {
	char b[2 * AT_STR_MAX];
	__u64 left;
	__u32 off;
	__u32 cut;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sockcap_buf);
} sockcap_scratch SEC(".maps");

_Static_assert(!(AT_SLOTS & (AT_SLOTS - 1)), "a slot index is bounded by a mask");
_Static_assert(AT_IOV_DATA < 128, "an iovec data offset and length each fit a 7-bit mask");
_Static_assert(AT_IOV_HDR + AT_IOV_SHOWN * 16 + 2 * 127 <= 2 * AT_STR_MAX, "scratch room");

/* The kernel's struct user_msghdr on 64-bit. */
struct sockcap_msghdr {
	__u64 name;
	__s32 namelen;
	__u32 pad;
	__u64 iov;
	__u64 iovlen;
	__u64 control;
	__u64 controllen;
	__u32 flags;
	__u32 pad2;
};

/*
 * Slot slot's cut (trunc) or unreadable (fault) state: the one place that
 * knows where the record keeps it.
 */
static __always_inline void slot_flag(struct at_call_rec *rec, __u32 slot, bool trunc, bool fault)
{
	if (trunc)
		rec->slot_flags[slot & (AT_SLOTS - 1)] |= AT_SF_TRUNC;
	if (fault)
		rec->slot_flags[slot & (AT_SLOTS - 1)] |= AT_SF_FAULT;
}

static __always_inline bool slot_faulted(const struct at_call_rec *rec, __u32 slot)
{
	return rec->slot_flags[slot & (AT_SLOTS - 1)] & AT_SF_FAULT;
}

static __always_inline void slot_unflag(struct at_call_rec *rec, __u32 slot)
{
	rec->slot_flags[slot & (AT_SLOTS - 1)] &= ~(AT_SF_TRUNC | AT_SF_FAULT);
}

/* A socket address of len bytes (at most AT_SA_MAX read) into c. */
static __always_inline void sa_read(struct at_sa_cap *c, const void *ptr, __s32 len)
{
	__u32 n = len < 0 ? 0 : (__u32)len;

	if (n > AT_SA_MAX)
		n = AT_SA_MAX;
	c->got = 0;
	if (!ptr || !n)
		return;
	if (bpf_probe_read_user(c->sa, n, ptr)) {
		c->flags |= AT_SA_FAULT;
		return;
	}
	c->got = n;
}

/* connect, bind, sendto: the address and its length by value. */
static __always_inline void sa_in(struct at_call_rec *rec, __u32 slot, __u8 arg, __u8 len_arg)
{
	struct at_sa_cap *c = (void *)rec->slot[slot];
	__s32 len = len_arg < AT_MAX_ARGS ? (__s32)rec->args[len_arg] : 0;

	c->ulen = c->rlen = len;
	c->flags = AT_SA_ULEN | AT_SA_RLEN;
	c->pad = 0;
	sa_read(c, (const void *)rec->args[arg], len);
	rec->slot_len[slot] = offsetof(struct at_sa_cap, sa) + c->got;
	slot_flag(rec, slot, false, c->flags & AT_SA_FAULT);
}

/*
 * accept4, getsockname, recvfrom: *addrlen at entry (ulen), and at exit
 * *addrlen again (rlen) and min(ulen, rlen) bytes of the address. At exit
 * alone, a failed call left *addrlen as it was: that is ulen.
 */
static __always_inline void sa_out(struct at_call_rec *rec, __u32 slot, __u8 arg, __u8 len_arg,
				   __u32 phase, __s64 ret)
{
	struct at_sa_cap *c = (void *)rec->slot[slot];
	const void *lenp = len_arg < AT_MAX_ARGS ? (const void *)rec->args[len_arg] : NULL;
	__s32 len;

	if (phase != SOCKCAP_EXIT) {
		c->flags = 0;
		c->got = 0;
		c->pad = 0;
		c->ulen = c->rlen = 0;
		rec->slot_len[slot] = offsetof(struct at_sa_cap, sa);
	}
	if (!lenp || !rec->args[arg])
		return;
	if (phase == SOCKCAP_ENTRY || (phase == SOCKCAP_EXIT_ONLY && ret < 0)) {
		if (!bpf_probe_read_user(&c->ulen, sizeof(c->ulen), lenp))
			c->flags |= AT_SA_ULEN;
		return;
	}
	if (ret < 0 || bpf_probe_read_user(&c->rlen, sizeof(c->rlen), lenp))
		return;
	c->flags |= AT_SA_RLEN;
	len = (c->flags & AT_SA_ULEN) && c->ulen < c->rlen ? c->ulen : c->rlen;
	sa_read(c, (const void *)rec->args[arg], len);
	rec->slot_len[slot] = offsetof(struct at_sa_cap, sa) + c->got;
	slot_flag(rec, slot, false, c->flags & AT_SA_FAULT);
}

/* One entry's data at the running offset: its length, bounded by what is left, -s and the room. */
static __always_inline void iov_entry(struct sockcap_buf *sb, struct at_iov_cap *c, __u32 k)
{
	volatile struct sockcap_buf *v = sb;
	__u64 len = c->iov[k & (AT_IOV_SHOWN - 1)].len, left = v->left, want, take;
	__u32 off = v->off & 127;

	want = len > left ? left : len;
	v->left = left - want;
	take = want > str_max ? str_max : want;
	if (take > AT_IOV_DATA - off)
		take = AT_IOV_DATA - off;
	if (take < want)
		v->cut = 1;
	take &= 127;
	if (bpf_probe_read_user(c->data + off, take,
				(const void *)c->iov[k & (AT_IOV_SHOWN - 1)].base)) {
		c->dfault |= 1u << k;
		return;
	}
	c->got[k & (AT_IOV_SHOWN - 1)] = take;
	v->off = off + take;
}

/*
 * The count entries of the iovec array at vec into slot how & 0xff of rec,
 * and their data unless how has bit 8 clear: each entry's length, bounded
 * by what is left of limit (a result; -1: none), cut at -s and at what is
 * left of the slot. A global function, verified once.
 */
__attribute__((noinline)) int sockcap_iov(struct at_call_rec *rec, __u32 how, __u64 vec,
					  __u64 count, __s64 limit)
{
	volatile struct sockcap_buf *v;
	struct sockcap_buf *sb;
	struct at_iov_cap *c;
	__u32 zero = 0, slot = how & (AT_SLOTS - 1), n;
	bool data = how & 0x100;

	sb = bpf_map_lookup_elem(&sockcap_scratch, &zero);
	if (!sb || !rec)
		return 0;
	v = sb;
	c = (void *)sb->b;
	__builtin_memset(c, 0, AT_IOV_HDR);
	c->count = count;
	/* strace prints -s entries at most; a slot holds AT_IOV_SHOWN. */
	n = count > AT_IOV_SHOWN ? AT_IOV_SHOWN : (__u32)count;
	if (n > str_max)
		n = str_max;
	v->cut = count > n;
	v->off = 0;
	v->left = limit < 0 ? ~0ULL : (__u64)limit;
	if (!vec || !n || bpf_probe_read_user(c->iov, (n & 15) * 16, (const void *)vec)) {
		if (vec && n)
			c->flags = AT_IOV_FAULT;
		n = 0;
	}
	c->shown = n;
	if (data && n) {
		c->flags |= AT_IOV_DATA_READ;
		for (__u32 k = 0; k < AT_IOV_SHOWN; k++) {
			if (k >= ((volatile struct at_iov_cap *)c)->shown)
				break;
			iov_entry(sb, c, k);
		}
	}
	bpf_probe_read_kernel(rec->slot[slot], AT_STR_MAX, c);
	rec->slot_len[slot] = offsetof(struct at_iov_cap, data) + (v->off & 127);
	slot_flag(rec, slot, v->cut, c->flags & AT_IOV_FAULT);
	return 0;
}

/* A msghdr's name and control data, after its fields. */
static __always_inline void msg_parts(struct at_msg_cap *c, __s32 namelen)
{
	__u32 n = namelen < 0 ? 0 : (__u32)namelen;
	__u64 cl = c->controllen;

	if (n > AT_MSG_NAME)
		n = AT_MSG_NAME;
	if (c->name && n) {
		if (bpf_probe_read_user(c->name_buf, n, (const void *)c->name))
			c->flags |= AT_MSG_NAME_FAULT;
		else
			c->name_got = n;
	}
	if (cl > AT_MSG_CTL)
		cl = AT_MSG_CTL;
	if (c->control && cl) {
		if (bpf_probe_read_user(c->ctl, cl, (const void *)c->control))
			c->flags |= AT_MSG_CTL_FAULT;
		else
			c->ctl_got = cl;
	}
}

/*
 * sendmsg's msghdr at entry, recvmsg's at exit (msg_namelen also at entry:
 * strace prints "msg_namelen=128 => 16" and reads the name by the smaller).
 */
static __always_inline void msg_fill(struct at_call_rec *rec, __u32 slot, __u8 arg, bool out,
				     __u32 phase, __s64 ret)
{
	struct at_msg_cap *c = (void *)rec->slot[slot];
	const void *ptr = (const void *)rec->args[arg];
	struct sockcap_msghdr m;
	__s32 namelen;

	if (!out || phase != SOCKCAP_EXIT) {
		c->flags = 0;
		c->namelen_in = 0;
	}
	c->name_got = 0;
	c->ctl_got = 0;
	c->flags &= AT_MSG_NAMELEN_IN;
	rec->slot_len[slot] = AT_MSG_HDR;
	if (!ptr)
		return;
	if (out && (phase == SOCKCAP_ENTRY || (phase == SOCKCAP_EXIT_ONLY && ret < 0))) {
		if (!bpf_probe_read_user(&c->namelen_in, sizeof(c->namelen_in), ptr + 8))
			c->flags |= AT_MSG_NAMELEN_IN;
		return;
	}
	if (out && ret < 0)
		return;
	if (bpf_probe_read_user(&m, sizeof(m), ptr)) {
		slot_flag(rec, slot, false, true);
		return;
	}
	c->name = m.name;
	c->namelen = m.namelen;
	c->iov = m.iov;
	c->iovlen = m.iovlen;
	c->control = m.control;
	c->controllen = m.controllen;
	c->msg_flags = m.flags;
	c->flags |= AT_MSG_HDR_READ;
	namelen = (c->flags & AT_MSG_NAMELEN_IN) && c->namelen_in < m.namelen ? c->namelen_in :
										m.namelen;
	msg_parts(c, namelen);
	rec->slot_len[slot] = c->ctl_got ? AT_STR_MAX - AT_MSG_CTL + c->ctl_got :
					   AT_MSG_HDR + c->name_got;
}

/* A msghdr's iovec array and data: the slot after its msghdr's. */
static __always_inline void msg_iov(struct at_call_rec *rec, __u32 slot, __u8 arg, bool out,
				    __s64 ret)
{
	const void *ptr = (const void *)rec->args[arg];
	__u64 v[2];

	rec->slot_len[slot] = 0;
	if (!ptr || (out && ret < 0))
		return;
	if (bpf_probe_read_user(v, sizeof(v), ptr + 16)) {
		slot_flag(rec, slot, false, true);
		return;
	}
	sockcap_iov(rec, slot | 0x100, v[0], v[1], out ? ret : -1);
}

__attribute__((noinline)) int sockcap_slot(struct at_call_rec *rec, __u32 slot, __u32 how,
					   __s64 ret)
{
	__u8 kind = how & 0xff;
	__u64 arg = (how >> 8) & 0xff, len_arg = (how >> 16) & 0xff;
	__u32 phase = how >> 24;
	bool out = kind == AT_SLOT_SADDR_OUT || kind == AT_SLOT_IOV_OUT ||
		   kind == AT_SLOT_MSG_OUT || kind == AT_SLOT_MSGIOV_OUT;
	bool entry_read = kind == AT_SLOT_SADDR_OUT || kind == AT_SLOT_MSG_OUT;

	__u64 s = slot;

	/*
	 * The indexes as registers the checks below bound: without the
	 * barriers the compiler takes them from how again, unchecked.
	 */
	asm volatile("" : "+r"(arg), "+r"(len_arg));
	if (!rec || slot >= AT_SLOTS || arg >= AT_MAX_ARGS)
		return 0;
	if (len_arg >= AT_MAX_ARGS)
		len_arg = AT_ARG_NONE;
	/* A bound the verifier keeps through spills: a mask on the 64-bit index, in place. */
	asm volatile("%[s] &= %[m]" : [s] "+r"(s) : [m] "i"(AT_SLOTS - 1));
	slot = s;
	/* At entry: inputs, and the lengths an output's caller passed. */
	if (phase == SOCKCAP_ENTRY && out && !entry_read)
		return 0;
	/* At exit, a slot the entry did not fill: as at exit alone. */
	if (phase == SOCKCAP_EXIT && rec->slot_arg[slot] == AT_ARG_NONE)
		phase = SOCKCAP_EXIT_ONLY;
	/* At exit after an entry: an input again only if it could not be read then. */
	if (phase == SOCKCAP_EXIT && !out && !slot_faulted(rec, slot))
		return 0;
	rec->slot_arg[slot] = arg;
	slot_unflag(rec, slot);
	switch (kind) {
	case AT_SLOT_SADDR_IN:
		sa_in(rec, slot, arg, len_arg);
		break;
	case AT_SLOT_SADDR_OUT:
		sa_out(rec, slot, arg, len_arg, phase, ret);
		break;
	case AT_SLOT_IOV_IN:
	case AT_SLOT_IOV_OUT:
		if (len_arg < AT_MAX_ARGS)
			sockcap_iov(rec, slot | (!out || ret >= 0 ? 0x100 : 0), rec->args[arg],
				    rec->args[len_arg], out ? ret : -1);
		break;
	case AT_SLOT_MSG_IN:
	case AT_SLOT_MSG_OUT:
		msg_fill(rec, slot, arg, out, phase, ret);
		break;
	case AT_SLOT_MSGIOV_IN:
	case AT_SLOT_MSGIOV_OUT:
		msg_iov(rec, slot, arg, out, ret);
		break;
	}
	return 0;
}
