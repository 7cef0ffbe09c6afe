/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Syscall names, signatures and classes; errno and signal names. */
#ifndef AT_SYSCALLS_H
#define AT_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "spec.h"

/* How one argument (or the return value) is shown. */
enum arg_kind {
	ARG_NONE = 0,	     /* no argument in this position */
	ARG_INT,	     /* signed decimal */
	ARG_UINT,	     /* unsigned decimal (sizes, counts, ids) */
	ARG_HEX,	     /* hexadecimal (masks, opaque values) */
	ARG_PTR,	     /* address: NULL or 0x... */
	ARG_FD,		     /* file descriptor, decimal */
	ARG_DIRFD,	     /* directory fd: AT_FDCWD shown by name */
	ARG_PATH,	     /* path name, string captured at entry */
	ARG_STR,	     /* other NUL-terminated string captured at entry */
	ARG_BUF_IN,	     /* bytes the caller passes, length in another argument */
	ARG_BUF_OUT,	     /* bytes the kernel fills, length = return value */
	ARG_OPEN_FLAGS,	     /* O_RDONLY|O_CLOEXEC... */
	ARG_MODE,	     /* file mode, octal 0644 */
	ARG_PROT,	     /* PROT_READ|PROT_WRITE */
	ARG_MMAP_FLAGS,	     /* MAP_PRIVATE|MAP_ANONYMOUS */
	ARG_AT_FLAGS,	     /* AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH... */
	ARG_ACCESS,	     /* F_OK or R_OK|W_OK|X_OK */
	ARG_SIGNAL,	     /* SIGTERM */
	ARG_WHENCE,	     /* SEEK_SET... */
	ARG_CLONE_FLAGS,     /* CLONE_VM|CLONE_FS...|SIGCHLD */
	ARG_FAMILY,	     /* AF_INET... */
	ARG_SOCK_TYPE,	     /* SOCK_STREAM|SOCK_CLOEXEC */
	ARG_FCNTL_CMD,	     /* F_GETFL... */
	ARG_WAIT_OPTS,	     /* WNOHANG|WUNTRACED... */
	ARG_PIPE_FLAGS,	     /* O_CLOEXEC|O_NONBLOCK for pipe2/dup3/eventfd... */
	ARG_SIGPROCMASK_HOW, /* SIG_BLOCK... */
	ARG_LONG,	     /* signed 64-bit decimal (off_t, loff_t, long) */
	ARG_FUTEX_OP,	     /* FUTEX_WAIT_PRIVATE|FUTEX_CLOCK_REALTIME */
	ARG_MSG_FLAGS,	     /* MSG_DONTWAIT|MSG_NOSIGNAL */
	ARG_SOL,	     /* SOL_SOCKET, SOL_TCP... (a socket option's level) */
	ARG_SOCKOPT,	     /* SO_REUSEADDR, TCP_NODELAY... by the level before it */
	ARG_SOCK_PROTO,	     /* IPPROTO_TCP, NETLINK_ROUTE... by the family before it (socket) */
	ARG_MADV,	     /* MADV_DONTNEED... */
	ARG_EPOLL_OP,	     /* EPOLL_CTL_ADD... */
	ARG_GRND_FLAGS,	     /* GRND_NONBLOCK|GRND_RANDOM */
	ARG_RLIMIT,	     /* RLIMIT_NOFILE... */
	ARG_STATX_MASK,	     /* STATX_BASIC_STATS|STATX_BTIME */
	ARG_IOCTL,	     /* TCGETS, FIONREAD... (hex when unknown) */
	ARG_PRCTL,	     /* PR_SET_NAME... */
	ARG_ARCH_PRCTL,	     /* ARCH_SET_FS... */
	/* Structures the kernel fills (read at exit, on success) or reads (at entry). */
	ARG_STAT_OUT,	  /* struct stat: {st_mode=S_IFREG|0644, st_size=43731, ...} */
	ARG_TIMESPEC_IN,  /* struct timespec: {tv_sec=1, tv_nsec=500000000} */
	ARG_TIMESPEC_OUT, /* the same, filled by the call */
	ARG_WAIT_STATUS,  /* int: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}] */
	ARG_PIPE_FDS,	  /* int[2]: [3, 4] */
	ARG_RLIMIT_IN,	  /* struct rlimit: {rlim_cur=1024, rlim_max=RLIM64_INFINITY} */
	ARG_RLIMIT_OUT,	  /* the same, filled by the call */
	ARG_CLOCKID,	  /* CLOCK_MONOTONIC... */
	ARG_TIMER_FLAGS,  /* TIMER_ABSTIME */
	ARG_SIGACTION_IN, /* struct sigaction (the kernel's): {sa_handler=SIG_DFL, sa_mask=[], ...} */
	ARG_SIGACTION_OUT, /* the same, the old one the call fills */
	ARG_SIGSET_IN,	   /* sigset_t: [CHLD RT_8], ~[RTMIN RT_1] */
	ARG_SIGSET_OUT,	   /* the same, filled by the call */
	ARG_UTSNAME_OUT,   /* struct utsname: {sysname="Linux", nodename="vm", ...} */
	ARG_SYSINFO_OUT,   /* struct sysinfo: {uptime=..., loads=[...], ...} */
	ARG_TIMEVAL_IN,	   /* struct timeval: {tv_sec=1, tv_usec=0} */
	ARG_TIMEVAL_OUT,   /* the same, filled by the call */
	ARG_ITIMERVAL_IN,  /* struct itimerval: {it_interval={...}, it_value={...}} */
	ARG_ITIMERVAL_OUT, /* the same, filled by the call */
	ARG_ITIMERSPEC_IN, /* struct itimerspec: {it_interval={tv_sec=0, tv_nsec=0}, ...} */
	ARG_ITIMERSPEC_OUT,
	ARG_STATX_OUT,	    /* struct statx: {stx_mask=..., stx_attributes=0, stx_mode=..., ...} */
	ARG_EPOLL_EVENT_IN, /* struct epoll_event: {events=EPOLLIN, data={u32=3, u64=3}} */
	ARG_ITIMER_WHICH,   /* ITIMER_REAL... */
	ARG_POLLFDS,	    /* poll's fds, read at exit: [{fd=3, events=POLLIN}], revents after = */
	ARG_EPOLL_EVENTS_OUT, /* epoll_wait's events, as many as it returned */
	ARG_CLONE_ARGS_IN,    /* clone3's struct clone_args: {flags=CLONE_VM|..., ...} */
	ARG_FDSET,	     /* select's fd_set of nfds (len_arg) bits: [0 3]; ready ones after = */
	ARG_TIMEVAL_INOUT,   /* select's timeout: {tv_sec=1, tv_usec=0}; left after = */
	ARG_TIMESPEC_INOUT,  /* pselect6's and ppoll's: {tv_sec=1, tv_nsec=0}; left after = */
	ARG_DIRENTS,	     /* getdents64's buffer: its address and the count of its entries */
	ARG_SOCKOPT_VAL,     /* setsockopt's value, optlen (len_arg) bytes: [1] when an int */
	ARG_SOCKOPT_VAL_OUT, /* getsockopt's value: [1] when an int */
	ARG_OPTLEN_INOUT,    /* getsockopt's socklen_t *: [4], [16 => 4] */
	ARG_STACK_IN,	     /* stack_t: {ss_sp=0x..., ss_flags=0, ss_size=8192} */
	ARG_STACK_OUT,	     /* the same, the old one the call fills */
	ARG_SIGINFO_OUT, /* siginfo_t the call fills: {si_signo=SIGUSR1, si_code=SI_USER, ...} */
	ARG_ARGV,	 /* execve's argv, read at exit: ["ls", "-la"] */
	ARG_ENVP, /* execve's envp: its address; the count of its variables comes with argv */
	/* Sockets and vectors (decode_sock.c; what is captured: include/sockcap.h). */
	ARG_SOCKADDR_IN,  /* sockaddr by value, length in len_arg: {sa_family=AF_INET, ...} */
	ARG_SOCKADDR_OUT, /* sockaddr the kernel fills, len_arg its socklen_t pointer */
	ARG_SOCKLEN_PTR,  /* that socklen_t *: [16] or [128 => 16] */
	ARG_IOV_IN,	/* iovec array with data, count in len_arg: [{iov_base="..", iov_len=2}] */
	ARG_IOV_OUT,	/* the same filled by the call: data up to the result */
	ARG_MSGHDR_IN,	/* struct msghdr: {msg_name=..., msg_iov=[...], msg_control=[...], ...} */
	ARG_MSGHDR_OUT, /* the same filled by the call (recvmsg) */
};

/*
 * strace's syscall classes (-e trace=%CLASS), with strace 6.1's membership
 * (tools/gen-syscalls.py has it).
 */
enum sys_class {
	SC_FILE = 1u << 0,	   /* %file: takes a file name */
	SC_NETWORK = 1u << 1,	   /* %network, %net: sockets */
	SC_PROCESS = 1u << 2,	   /* %process: process lifecycle: fork, exec, exit, wait, kill */
	SC_MEMORY = 1u << 3,	   /* %memory: address space: mmap, brk, mprotect... */
	SC_SIGNAL = 1u << 4,	   /* %signal: signals */
	SC_IPC = 1u << 5,	   /* %ipc: System V IPC */
	SC_DESC = 1u << 6,	   /* %desc: takes or returns a file descriptor */
	SC_STAT = 1u << 7,	   /* %stat: stat variants on a path */
	SC_LSTAT = 1u << 8,	   /* %lstat: ... on a path, not following links */
	SC_FSTAT = 1u << 9,	   /* %fstat: ... on a descriptor */
	SC_STAT_LIKE = 1u << 10,   /* %%stat: all of them */
	SC_STATFS = 1u << 11,	   /* %statfs */
	SC_FSTATFS = 1u << 12,	   /* %fstatfs */
	SC_STATFS_LIKE = 1u << 13, /* %%statfs */
	SC_PURE = 1u << 14,	   /* %pure: no arguments, never fail (getpid...) */
	SC_CREDS = 1u << 15,	   /* %creds: user and group ids, capabilities */
	SC_CLOCK = 1u << 16,	   /* %clock: read or change clocks */
};

/* One system call of the host architecture. */
struct syscall_desc {
	const char *name;	      /* "openat"; NULL for unused numbers */
	uint8_t nargs;		      /* number of arguments */
	uint8_t arg[AT_MAX_ARGS];     /* enum arg_kind of each argument */
	uint8_t len_arg[AT_MAX_ARGS]; /* for ARG_BUF_IN/ARG_BUF_OUT: index of the length argument */
	uint8_t ret;	  /* enum arg_kind of the return value (ARG_INT, ARG_FD, ARG_PTR...) */
	uint8_t noreturn; /* exit, exit_group */
	uint32_t classes; /* enum sys_class bits */
	const char *argname[AT_MAX_ARGS]; /* argument names from the kernel's signatures */
};

/* The table, indexed by syscall number; generated by tools/gen-syscalls.py. */
extern const struct syscall_desc syscall_table[AT_NR_MAX];

/* The table entry of a syscall number, NULL for numbers the table does not name. */
const struct syscall_desc *syscall_desc_of(unsigned nr);
/* The bytes of a structure kind (ARG_STAT_OUT...) the kernel reads, 0 for other kinds. */
size_t syscall_obj_size(unsigned kind);
/* Syscall key by name, the x86-64 call's if there is one, or -1. */
int syscall_by_name(const char *name);
/* The next key after after (-1: the first) of a call named name (i386's too), or -1. */
int syscall_next_by_name(const char *name, int after);
/* Whether key is a 32-bit call's (AT_NR_COMPAT + its i386 number). */
static inline bool syscall_is_compat(unsigned key)
{
	return key >= AT_NR_COMPAT && key < AT_NR_MAX;
}
/* Room for a syscall name that syscall_name() or syscall_row_name() writes. */
#define SYSCALL_NAME_BUF 48
/* Name of a syscall key; "syscall_NNN" for unknown numbers (buf holds SYSCALL_NAME_BUF). */
const char *syscall_name(unsigned nr, char *buf);
/*
 * The name of a key's row in summaries and metrics: the name, and for a
 * 32-bit call "getpid (i386)", apart from the x86-64 call's row.
 */
const char *syscall_row_name(unsigned nr, char *buf);
/*
 * Class bits by name, as after strace's '%' ("file", "net", "%stat"...); with
 * legacy set, the name had no '%', which strace takes for its first seven
 * classes only. 0 if unknown.
 */
unsigned sys_class_by_name(const char *name, bool legacy);
/* The i-th class's name, in the order above, NULL past the last (suggestions). */
const char *sys_class_name(unsigned i);

/* Errno name ("ENOENT") of a positive errno value, or NULL. */
const char *errno_name(int err);
/* Its description, untranslated: "No such file or directory"; never NULL. */
const char *errno_desc(int err);
/* Whether a kernel-internal errno asks for a restart (ERESTARTSYS...): no result yet. */
bool errno_restarts(int err);
/* Signal name ("SIGTERM") of a signal number, or NULL. */
const char *signal_name(int sig);

#endif /* AT_SYSCALLS_H */
