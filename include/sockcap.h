/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The layouts of the socket and vector captures (sockcap.bpf.c fills them,
 * decode_sock.c prints them): a socket address, an iovec array with the data
 * it carries, a msghdr with its name and control messages. Each fits one
 * capture slot (AT_STR_MAX bytes); a sendmsg or recvmsg takes two, the
 * msghdr and its iovec array.
 */
#ifndef AT_SOCKCAP_H
#define AT_SOCKCAP_H

#include "record.h"

/* The bytes of a socket address read: sizeof(struct sockaddr_storage), strace's bound. */
#define AT_SA_MAX 128

/* at_sa_cap.flags */
#define AT_SA_ULEN (1u << 0)  /* ulen holds the length the caller passed (read at entry) */
#define AT_SA_RLEN (1u << 1)  /* rlen holds the length the kernel returned (read at exit) */
#define AT_SA_FAULT (1u << 2) /* the address could not be read: got is 0 */

/*
 * A socket address: connect's, bind's, sendto's by value (ulen = rlen = the
 * length argument), or one the kernel fills through a socklen_t pointer
 * (accept4, getsockname, recvfrom): *addrlen at entry and at exit, and the
 * smaller of the two (at most AT_SA_MAX) bytes of the address.
 */
struct at_sa_cap {
	__s32 ulen;	    /* the length passed in */
	__s32 rlen;	    /* the length returned (by value: the same) */
	__u16 got;	    /* bytes of sa read */
	__u8 flags;	    /* AT_SA_* */
	__u8 pad;	    /* explicit padding */
	char sa[AT_SA_MAX]; /* the address's first got bytes */
};

/* Entries of an iovec array recorded; strace prints up to -s of them, then "...". */
#define AT_IOV_SHOWN 8
#define AT_IOV_HDR 24
/* Data bytes of all the entries together: what is left of the slot. */
#define AT_IOV_DATA (AT_STR_MAX - AT_IOV_HDR - AT_IOV_SHOWN * 16)

/* at_iov_cap.flags */
#define AT_IOV_FAULT (1u << 0)	   /* the array could not be read: shown is 0 */
#define AT_IOV_DATA_READ (1u << 1) /* the data was read (not a failed readv's) */

/*
 * An iovec array (readv, writev, preadv2... or a msghdr's msg_iov): the
 * count the caller gave, the first entries (base, length), and the data of
 * each, concatenated: entry k's got[k] bytes, as many as strace prints
 * (its length, bounded by what is left of the call's result for an input
 * the kernel filled), cut at -s and at what is left of the slot.
 */
struct at_iov_cap {
	__u64 count;		/* iovcnt or msg_iovlen as given */
	__u8 shown;		/* entries in iov[] */
	__u8 flags;		/* AT_IOV_* */
	__u8 got[AT_IOV_SHOWN]; /* data bytes of each entry in data[] */
	__u8 dfault;		/* bit k: entry k's data could not be read */
	__u8 pad[5];		/* explicit padding */
	struct {
		__u64 base; /* iov_base */
		__u64 len;  /* iov_len */
	} iov[AT_IOV_SHOWN];
	char data[AT_IOV_DATA];
};

/* Bytes of a msghdr's name and control data kept. */
#define AT_MSG_NAME 112 /* a sockaddr_un (110) whole */
#define AT_MSG_HDR 56
#define AT_MSG_CTL (AT_STR_MAX - AT_MSG_HDR - AT_MSG_NAME)

/* at_msg_cap.flags */
#define AT_MSG_NAMELEN_IN (1u << 0) /* namelen_in was read at entry (recvmsg) */
#define AT_MSG_HDR_READ (1u << 1)   /* the msghdr's fields were read */
#define AT_MSG_NAME_FAULT (1u << 2) /* msg_name could not be read */
#define AT_MSG_CTL_FAULT (1u << 3)  /* msg_control could not be read */

/*
 * A struct msghdr (sendmsg at entry, recvmsg at exit): its fields, the
 * first bytes of its name (as a socket address) and of its control data;
 * its iovec array takes the next slot (struct at_iov_cap).
 */
struct at_msg_cap {
	__u64 name;	  /* msg_name */
	__u64 iov;	  /* msg_iov */
	__u64 iovlen;	  /* msg_iovlen */
	__u64 control;	  /* msg_control */
	__u64 controllen; /* msg_controllen */
	__s32 namelen;	  /* msg_namelen (at exit for recvmsg) */
	__s32 namelen_in; /* recvmsg: msg_namelen at entry */
	__u32 msg_flags;  /* msg_flags */
	__u16 ctl_got;	  /* bytes of ctl read */
	__u8 name_got;	  /* bytes of name_buf read */
	__u8 flags;	  /* AT_MSG_* */
	char name_buf[AT_MSG_NAME];
	char ctl[AT_MSG_CTL];
};

_Static_assert(sizeof(struct at_sa_cap) == 12 + AT_SA_MAX, "at_sa_cap layout");
_Static_assert(sizeof(struct at_iov_cap) == AT_STR_MAX, "at_iov_cap layout");
_Static_assert(sizeof(struct at_msg_cap) == AT_STR_MAX, "at_msg_cap layout");

#endif /* AT_SOCKCAP_H */
