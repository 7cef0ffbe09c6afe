// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Syscall events rendered strace style, straight into the line being written. */
/*
 * Flags and values by name, strings escaped, errors with their errno: strace
 * decoding is formatting, so it writes into the caller's line (no copy).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_PATH, O_TMPFILE, SEEK_DATA, CLONE_* */
#endif
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <asm/prctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "decode_sock.h"
#include "decode_sys.h"
#include "fdtab.h"
#include "syscalls.h"
#include "util.h"

/* Kernel values that glibc hides (O_LARGEFILE is 0 in 64-bit glibc) or lacks. */
#define K_O_LARGEFILE 0100000
#define K_PROT_SEM 0x8
#define K_MAP_UNINITIALIZED 0x4000000

/* Symbolic values */

struct sym {
	unsigned long long val;
	const char *name;
};

/* clang-format off */
#define SYM(x) { x, #x }
/* clang-format on */

/* clang-format off */
/* O_SYNC and O_TMPFILE first: they include O_DSYNC and O_DIRECTORY. */
/* strace's order (O_SYNC holds O_DSYNC's bit, O_TMPFILE O_DIRECTORY's: first). */
static const struct sym open_flags[] = {
	SYM(O_CREAT),	SYM(O_EXCL),	SYM(O_NOCTTY),	 SYM(O_TRUNC),	 SYM(O_APPEND),
	SYM(O_NONBLOCK), SYM(O_SYNC),	SYM(O_DSYNC),	 SYM(O_DIRECT), { K_O_LARGEFILE, "O_LARGEFILE" },
	SYM(O_NOFOLLOW), SYM(O_NOATIME), SYM(O_CLOEXEC), SYM(O_PATH),	 SYM(O_TMPFILE),
	SYM(O_DIRECTORY), { O_ASYNC, "FASYNC" },
};

static const struct sym pipe_flags[] = {
	SYM(O_NONBLOCK), SYM(O_DIRECT), SYM(O_CLOEXEC),
};

static const struct sym prot_flags[] = {
	SYM(PROT_READ), SYM(PROT_WRITE), SYM(PROT_EXEC), { K_PROT_SEM, "PROT_SEM" },
	SYM(PROT_GROWSDOWN), SYM(PROT_GROWSUP),
};

static const struct sym mmap_types[] = {
	SYM(MAP_SHARED), SYM(MAP_PRIVATE), SYM(MAP_SHARED_VALIDATE),
};

static const struct sym mmap_flags[] = {
	SYM(MAP_FIXED), SYM(MAP_ANONYMOUS), SYM(MAP_32BIT), SYM(MAP_GROWSDOWN), SYM(MAP_DENYWRITE),
	SYM(MAP_EXECUTABLE), SYM(MAP_LOCKED), SYM(MAP_NORESERVE), SYM(MAP_POPULATE),
	SYM(MAP_NONBLOCK), SYM(MAP_STACK), SYM(MAP_HUGETLB), SYM(MAP_SYNC),
	SYM(MAP_FIXED_NOREPLACE), { K_MAP_UNINITIALIZED, "MAP_UNINITIALIZED" },
};

/* AT_EACCESS shares 0x200 with AT_REMOVEDIR, which unlinkat alone takes. */
static const struct sym at_flags[] = {
	SYM(AT_SYMLINK_NOFOLLOW), SYM(AT_EACCESS), SYM(AT_SYMLINK_FOLLOW), SYM(AT_NO_AUTOMOUNT),
	SYM(AT_EMPTY_PATH), SYM(AT_STATX_FORCE_SYNC), SYM(AT_STATX_DONT_SYNC), SYM(AT_RECURSIVE),
};

static const struct sym unlink_flags[] = {
	SYM(AT_REMOVEDIR),
};

static const struct sym access_flags[] = {
	SYM(R_OK), SYM(W_OK), SYM(X_OK),
};

static const struct sym whences[] = {
	SYM(SEEK_SET), SYM(SEEK_CUR), SYM(SEEK_END), SYM(SEEK_DATA), SYM(SEEK_HOLE),
};

static const struct sym clone_flags[] = {
	SYM(CLONE_NEWTIME), SYM(CLONE_VM), SYM(CLONE_FS), SYM(CLONE_FILES), SYM(CLONE_SIGHAND),
	SYM(CLONE_PIDFD), SYM(CLONE_PTRACE), SYM(CLONE_VFORK), SYM(CLONE_PARENT),
	SYM(CLONE_THREAD), SYM(CLONE_NEWNS), SYM(CLONE_SYSVSEM), SYM(CLONE_SETTLS),
	SYM(CLONE_PARENT_SETTID), SYM(CLONE_CHILD_CLEARTID), SYM(CLONE_DETACHED),
	SYM(CLONE_UNTRACED), SYM(CLONE_CHILD_SETTID), SYM(CLONE_NEWCGROUP), SYM(CLONE_NEWUTS),
	SYM(CLONE_NEWIPC), SYM(CLONE_NEWUSER), SYM(CLONE_NEWPID), SYM(CLONE_NEWNET), SYM(CLONE_IO),
	/* clone3's own, past 32 bits. */
	{ 0x100000000ULL, "CLONE_CLEAR_SIGHAND" }, { 0x200000000ULL, "CLONE_INTO_CGROUP" },
};

static const struct sym families[] = {
	SYM(AF_UNSPEC), SYM(AF_UNIX), SYM(AF_INET), SYM(AF_AX25), SYM(AF_IPX), SYM(AF_APPLETALK),
	SYM(AF_X25), SYM(AF_INET6), SYM(AF_KEY), SYM(AF_NETLINK), SYM(AF_PACKET), SYM(AF_RDS),
	SYM(AF_IRDA), SYM(AF_LLC), SYM(AF_CAN), SYM(AF_TIPC), SYM(AF_BLUETOOTH), SYM(AF_IUCV),
	SYM(AF_RXRPC), SYM(AF_ISDN), SYM(AF_PHONET), SYM(AF_IEEE802154), SYM(AF_CAIF), SYM(AF_ALG),
	SYM(AF_NFC), SYM(AF_VSOCK), SYM(AF_KCM), SYM(AF_QIPCRTR), SYM(AF_SMC), SYM(AF_XDP),
	SYM(AF_MCTP),
};

static const struct sym sock_types[] = {
	SYM(SOCK_STREAM), SYM(SOCK_DGRAM), SYM(SOCK_RAW), SYM(SOCK_RDM), SYM(SOCK_SEQPACKET),
	SYM(SOCK_DCCP), SYM(SOCK_PACKET),
};

static const struct sym sock_flags[] = {
	SYM(SOCK_CLOEXEC), SYM(SOCK_NONBLOCK),
};

static const struct sym fcntl_cmds[] = {
	SYM(F_DUPFD), SYM(F_GETFD), SYM(F_SETFD), SYM(F_GETFL), SYM(F_SETFL), SYM(F_GETLK),
	SYM(F_SETLK), SYM(F_SETLKW), SYM(F_SETOWN), SYM(F_GETOWN), SYM(F_SETSIG), SYM(F_GETSIG),
	SYM(F_SETOWN_EX), SYM(F_GETOWN_EX), SYM(F_OFD_GETLK), SYM(F_OFD_SETLK), SYM(F_OFD_SETLKW),
	SYM(F_SETLEASE), SYM(F_GETLEASE), SYM(F_NOTIFY), SYM(F_DUPFD_CLOEXEC), SYM(F_SETPIPE_SZ),
	SYM(F_GETPIPE_SZ), SYM(F_ADD_SEALS), SYM(F_GET_SEALS), SYM(F_GET_RW_HINT),
	SYM(F_SET_RW_HINT), SYM(F_GET_FILE_RW_HINT), SYM(F_SET_FILE_RW_HINT),
};

static const struct sym wait_flags[] = {
	SYM(WNOHANG), SYM(WUNTRACED), SYM(WEXITED), SYM(WCONTINUED), SYM(WNOWAIT),
	SYM(__WNOTHREAD), SYM(__WALL), SYM(__WCLONE),
};

static const struct sym sigprocmask_hows[] = {
	SYM(SIG_BLOCK), SYM(SIG_UNBLOCK), SYM(SIG_SETMASK),
};

/* futex commands (<linux/futex.h>), the op's low 7 bits. */
enum {
	K_FUTEX_WAIT, K_FUTEX_WAKE, K_FUTEX_FD, K_FUTEX_REQUEUE, K_FUTEX_CMP_REQUEUE,
	K_FUTEX_WAKE_OP, K_FUTEX_LOCK_PI, K_FUTEX_UNLOCK_PI, K_FUTEX_TRYLOCK_PI,
	K_FUTEX_WAIT_BITSET, K_FUTEX_WAKE_BITSET, K_FUTEX_WAIT_REQUEUE_PI,
	K_FUTEX_CMP_REQUEUE_PI, K_FUTEX_LOCK_PI2,
	K_FUTEX_PRIVATE_FLAG = 128, K_FUTEX_CLOCK_REALTIME = 256,
};

static const char *const futex_cmds[] = {
	"FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE",
	"FUTEX_WAKE_OP", "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI",
	"FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
	"FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2",
};

/* send and recv flags. */
static const struct sym msg_flags[] = {
	SYM(MSG_OOB), SYM(MSG_PEEK), SYM(MSG_DONTROUTE), SYM(MSG_CTRUNC), SYM(MSG_PROXY),
	SYM(MSG_TRUNC), SYM(MSG_DONTWAIT), SYM(MSG_EOR), SYM(MSG_WAITALL), SYM(MSG_FIN),
	SYM(MSG_SYN), SYM(MSG_CONFIRM), SYM(MSG_RST), SYM(MSG_ERRQUEUE), SYM(MSG_NOSIGNAL),
	SYM(MSG_MORE), SYM(MSG_WAITFORONE), SYM(MSG_BATCH), SYM(MSG_ZEROCOPY),
	SYM(MSG_FASTOPEN), SYM(MSG_CMSG_CLOEXEC),
};

/* Socket option levels, as strace names them. */
static const struct sym sol_levels[] = {
	{ 0, "SOL_IP" }, { 1, "SOL_SOCKET" }, { 6, "SOL_TCP" }, { 17, "SOL_UDP" },
	{ 41, "SOL_IPV6" }, { 58, "SOL_ICMPV6" }, { 132, "SOL_SCTP" }, { 255, "SOL_RAW" },
	{ 263, "SOL_PACKET" }, { 270, "SOL_NETLINK" }, { 279, "SOL_ALG" }, { 282, "SOL_TLS" },
};

static const struct sym so_opts[] = {
	SYM(SO_DEBUG), SYM(SO_REUSEADDR), SYM(SO_TYPE), SYM(SO_ERROR), SYM(SO_DONTROUTE),
	SYM(SO_BROADCAST), SYM(SO_SNDBUF), SYM(SO_RCVBUF), SYM(SO_KEEPALIVE), SYM(SO_OOBINLINE),
	SYM(SO_NO_CHECK), SYM(SO_PRIORITY), SYM(SO_LINGER), SYM(SO_BSDCOMPAT), SYM(SO_REUSEPORT),
	SYM(SO_PASSCRED), SYM(SO_PEERCRED), SYM(SO_RCVLOWAT), SYM(SO_SNDLOWAT),
	SYM(SO_RCVTIMEO_OLD), SYM(SO_SNDTIMEO_OLD), SYM(SO_BINDTODEVICE), SYM(SO_ATTACH_FILTER),
	SYM(SO_DETACH_FILTER), SYM(SO_PEERNAME), SYM(SO_TIMESTAMP_OLD), SYM(SO_ACCEPTCONN),
	SYM(SO_PEERSEC), SYM(SO_SNDBUFFORCE), SYM(SO_RCVBUFFORCE), SYM(SO_PASSSEC),
	SYM(SO_TIMESTAMPNS_OLD), SYM(SO_MARK), SYM(SO_TIMESTAMPING_OLD), SYM(SO_PROTOCOL),
	SYM(SO_DOMAIN), SYM(SO_RXQ_OVFL), SYM(SO_WIFI_STATUS), SYM(SO_PEEK_OFF), SYM(SO_NOFCS),
	SYM(SO_LOCK_FILTER), SYM(SO_SELECT_ERR_QUEUE), SYM(SO_BUSY_POLL), SYM(SO_MAX_PACING_RATE),
	SYM(SO_BPF_EXTENSIONS), SYM(SO_INCOMING_CPU), SYM(SO_ATTACH_BPF), SYM(SO_ZEROCOPY),
	SYM(SO_TXTIME), SYM(SO_BINDTOIFINDEX), SYM(SO_RCVTIMEO_NEW), SYM(SO_SNDTIMEO_NEW),
};

static const struct sym tcp_opts[] = {
	SYM(TCP_NODELAY), SYM(TCP_MAXSEG), SYM(TCP_CORK), SYM(TCP_KEEPIDLE), SYM(TCP_KEEPINTVL),
	SYM(TCP_KEEPCNT), SYM(TCP_SYNCNT), SYM(TCP_LINGER2), SYM(TCP_DEFER_ACCEPT),
	SYM(TCP_WINDOW_CLAMP), SYM(TCP_INFO), SYM(TCP_QUICKACK), SYM(TCP_CONGESTION),
	SYM(TCP_MD5SIG), SYM(TCP_THIN_LINEAR_TIMEOUTS), SYM(TCP_THIN_DUPACK), SYM(TCP_USER_TIMEOUT),
	SYM(TCP_REPAIR), SYM(TCP_FASTOPEN), SYM(TCP_TIMESTAMP), SYM(TCP_NOTSENT_LOWAT),
	SYM(TCP_CC_INFO), SYM(TCP_SAVE_SYN), SYM(TCP_SAVED_SYN), SYM(TCP_FASTOPEN_CONNECT),
	SYM(TCP_ULP), SYM(TCP_FASTOPEN_KEY), SYM(TCP_FASTOPEN_NO_COOKIE), SYM(TCP_ZEROCOPY_RECEIVE),
	SYM(TCP_INQ), SYM(TCP_TX_DELAY),
};

static const struct sym ip_opts[] = {
	SYM(IP_TOS), SYM(IP_TTL), SYM(IP_HDRINCL), SYM(IP_OPTIONS), SYM(IP_RECVOPTS),
	SYM(IP_RETOPTS), SYM(IP_PKTINFO), SYM(IP_MTU_DISCOVER), SYM(IP_RECVERR), SYM(IP_RECVTTL),
	SYM(IP_RECVTOS), SYM(IP_MTU), SYM(IP_FREEBIND), SYM(IP_TRANSPARENT), SYM(IP_BIND_ADDRESS_NO_PORT),
	SYM(IP_MULTICAST_IF), SYM(IP_MULTICAST_TTL), SYM(IP_MULTICAST_LOOP),
	SYM(IP_ADD_MEMBERSHIP), SYM(IP_DROP_MEMBERSHIP),
};

static const struct sym ipv6_opts[] = {
	SYM(IPV6_ADDRFORM), SYM(IPV6_2292PKTINFO), SYM(IPV6_UNICAST_HOPS), SYM(IPV6_MULTICAST_IF),
	SYM(IPV6_MULTICAST_HOPS), SYM(IPV6_MULTICAST_LOOP), SYM(IPV6_MTU_DISCOVER), SYM(IPV6_MTU),
	SYM(IPV6_RECVERR), SYM(IPV6_V6ONLY), SYM(IPV6_RECVPKTINFO), SYM(IPV6_PKTINFO),
	SYM(IPV6_TCLASS), SYM(IPV6_FREEBIND),
};

static const struct sym madvices[] = {
	SYM(MADV_NORMAL), SYM(MADV_RANDOM), SYM(MADV_SEQUENTIAL), SYM(MADV_WILLNEED),
	SYM(MADV_DONTNEED), SYM(MADV_FREE), SYM(MADV_REMOVE), SYM(MADV_DONTFORK),
	SYM(MADV_DOFORK), SYM(MADV_MERGEABLE), SYM(MADV_UNMERGEABLE), SYM(MADV_HUGEPAGE),
	SYM(MADV_NOHUGEPAGE), SYM(MADV_DONTDUMP), SYM(MADV_DODUMP), SYM(MADV_WIPEONFORK),
	SYM(MADV_KEEPONFORK), SYM(MADV_COLD), SYM(MADV_PAGEOUT), SYM(MADV_POPULATE_READ),
	SYM(MADV_POPULATE_WRITE), SYM(MADV_HWPOISON), { 25, "MADV_DONTNEED_LOCKED" },
	{ 26, "MADV_COLLAPSE" },
};

static const struct sym epoll_ops[] = {
	SYM(EPOLL_CTL_ADD), SYM(EPOLL_CTL_DEL), SYM(EPOLL_CTL_MOD),
};

static const struct sym grnd_flags[] = {
	SYM(GRND_NONBLOCK), SYM(GRND_RANDOM), { 4, "GRND_INSECURE" },
};

static const struct sym rlimits[] = {
	SYM(RLIMIT_CPU), SYM(RLIMIT_FSIZE), SYM(RLIMIT_DATA), SYM(RLIMIT_STACK),
	SYM(RLIMIT_CORE), SYM(RLIMIT_RSS), SYM(RLIMIT_NPROC), SYM(RLIMIT_NOFILE),
	SYM(RLIMIT_MEMLOCK), SYM(RLIMIT_AS), SYM(RLIMIT_LOCKS), SYM(RLIMIT_SIGPENDING),
	SYM(RLIMIT_MSGQUEUE), SYM(RLIMIT_NICE), SYM(RLIMIT_RTPRIO), SYM(RLIMIT_RTTIME),
};

static const struct sym statx_masks[] = {
	{ 0xfff, "STATX_ALL" }, { 0x7ff, "STATX_BASIC_STATS" }, SYM(STATX_TYPE), SYM(STATX_MODE), SYM(STATX_NLINK),
	SYM(STATX_UID), SYM(STATX_GID), SYM(STATX_ATIME), SYM(STATX_MTIME), SYM(STATX_CTIME),
	SYM(STATX_INO), SYM(STATX_SIZE), SYM(STATX_BLOCKS), SYM(STATX_BTIME), SYM(STATX_MNT_ID),
	{ 0x2000, "STATX_DIOALIGN" }, { 0x4000, "STATX_MNT_ID_UNIQUE" },
	{ 0x8000, "STATX_SUBVOL" }, { 0x10000, "STATX_WRITE_ATOMIC" },
};

/* statx's stx_attributes, strace's order. */
static const struct sym statx_attrs[] = {
	{ 0x4, "STATX_ATTR_COMPRESSED" }, { 0x10, "STATX_ATTR_IMMUTABLE" },
	{ 0x20, "STATX_ATTR_APPEND" },	  { 0x40, "STATX_ATTR_NODUMP" },
	{ 0x800, "STATX_ATTR_ENCRYPTED" }, { 0x1000, "STATX_ATTR_AUTOMOUNT" },
	{ 0x2000, "STATX_ATTR_MOUNT_ROOT" }, { 0x100000, "STATX_ATTR_VERITY" },
	{ 0x200000, "STATX_ATTR_DAX" },
};

/* The kernel's sigaction flags, strace's order. */
static const struct sym sa_flags[] = {
	{ 0x04000000, "SA_RESTORER" }, { 0x08000000, "SA_ONSTACK" },  { 0x10000000, "SA_RESTART" },
	{ 0x40000000, "SA_NODEFER" },  { 0x80000000, "SA_RESETHAND" }, { 0x4, "SA_SIGINFO" },
	{ 0x2, "SA_NOCLDWAIT" },       { 0x1, "SA_NOCLDSTOP" },
};

static const struct sym epoll_events[] = {
	SYM(EPOLLIN),	  SYM(EPOLLPRI),    SYM(EPOLLOUT),	 SYM(EPOLLERR),
	SYM(EPOLLHUP),	  { 0x20, "EPOLLNVAL" },   SYM(EPOLLRDNORM),	 SYM(EPOLLRDBAND),
	SYM(EPOLLWRNORM), SYM(EPOLLWRBAND), SYM(EPOLLMSG),	 SYM(EPOLLRDHUP),
	SYM(EPOLLEXCLUSIVE), SYM(EPOLLWAKEUP), SYM(EPOLLONESHOT), { 0x80000000u, "EPOLLET" },
};

static const struct sym poll_events[] = {
	SYM(POLLIN),	 SYM(POLLPRI),	  SYM(POLLOUT),	   SYM(POLLERR),    SYM(POLLHUP),
	SYM(POLLNVAL),	 SYM(POLLRDNORM), SYM(POLLRDBAND), SYM(POLLWRNORM), SYM(POLLWRBAND),
	{ 0x400, "POLLMSG" }, { 0x1000, "POLLREMOVE" }, { 0x2000, "POLLRDHUP" },
};

static const struct sym itimer_whichs[] = {
	SYM(ITIMER_REAL),
	SYM(ITIMER_VIRTUAL),
	SYM(ITIMER_PROF),
};

/* The common ioctl requests: terminals, sockets and files, block devices. */
static const struct sym ioctls[] = {
	SYM(TCGETS), SYM(TCSETS), SYM(TCSETSW), SYM(TCSETSF), SYM(TCGETA), SYM(TCSETA),
	SYM(TCSETAW), SYM(TCSETAF), SYM(TCSBRK), SYM(TCXONC), SYM(TCFLSH), SYM(TIOCEXCL),
	SYM(TIOCNXCL), SYM(TIOCSCTTY), SYM(TIOCGPGRP), SYM(TIOCSPGRP), SYM(TIOCOUTQ),
	SYM(TIOCSTI), SYM(TIOCGWINSZ), SYM(TIOCSWINSZ), SYM(TIOCMGET), SYM(TIOCMSET),
	SYM(FIONREAD), SYM(TIOCLINUX), SYM(TIOCCONS), SYM(FIONBIO), SYM(TIOCNOTTY),
	SYM(TIOCGSID), SYM(TIOCGPTN), SYM(TIOCSPTLCK), SYM(TIOCGPTPEER), SYM(FIONCLEX),
	SYM(FIOCLEX), SYM(FIOASYNC), SYM(SIOCGIFCONF), SYM(SIOCGIFFLAGS), SYM(SIOCSIFFLAGS),
	SYM(SIOCGIFADDR), SYM(SIOCGIFNAME), SYM(SIOCGIFINDEX), SYM(SIOCGIFHWADDR),
	SYM(SIOCGIFMTU), SYM(SIOCATMARK), { 0x80081272, "BLKGETSIZE64" }, { 0x1268, "BLKSSZGET" },
	{ 0x1260, "BLKGETSIZE" }, { 0x127b, "BLKPBSZGET" }, { 0x1272 | 0x80080000, "BLKGETSIZE64" },
	{ 0x40049409, "BTRFS_IOC_CLONE" }, { 0x4020940d, "FICLONERANGE" },
	{ 0xc020660b, "FS_IOC_FIEMAP" }, { 0x80086601, "FS_IOC_GETFLAGS" },
	{ 0x40086602, "FS_IOC_SETFLAGS" },
};

static const struct sym prctl_opts[] = {
	SYM(PR_SET_PDEATHSIG), SYM(PR_GET_PDEATHSIG), SYM(PR_GET_DUMPABLE), SYM(PR_SET_DUMPABLE),
	SYM(PR_GET_KEEPCAPS), SYM(PR_SET_KEEPCAPS), SYM(PR_SET_NAME), SYM(PR_GET_NAME),
	SYM(PR_GET_SECCOMP), SYM(PR_SET_SECCOMP), SYM(PR_CAPBSET_READ), SYM(PR_CAPBSET_DROP),
	SYM(PR_GET_TIMERSLACK), SYM(PR_SET_TIMERSLACK), SYM(PR_SET_SECUREBITS),
	SYM(PR_GET_SECUREBITS), SYM(PR_SET_TIMING), SYM(PR_GET_TIMING), SYM(PR_MCE_KILL),
	SYM(PR_SET_MM), SYM(PR_SET_CHILD_SUBREAPER), SYM(PR_GET_CHILD_SUBREAPER),
	SYM(PR_SET_NO_NEW_PRIVS), SYM(PR_GET_NO_NEW_PRIVS), SYM(PR_GET_TID_ADDRESS),
	SYM(PR_SET_THP_DISABLE), SYM(PR_GET_THP_DISABLE), SYM(PR_CAP_AMBIENT),
	SYM(PR_SET_PTRACER), SYM(PR_SET_VMA), SYM(PR_SET_SPECULATION_CTRL),
	SYM(PR_GET_SPECULATION_CTRL), SYM(PR_SET_IO_FLUSHER), SYM(PR_GET_IO_FLUSHER),
	SYM(PR_SET_SYSCALL_USER_DISPATCH), SYM(PR_SCHED_CORE),
};

static const struct sym arch_prctls[] = {
	SYM(ARCH_SET_GS), SYM(ARCH_SET_FS), SYM(ARCH_GET_FS), SYM(ARCH_GET_GS),
	SYM(ARCH_GET_CPUID), SYM(ARCH_SET_CPUID), { 0x1021, "ARCH_GET_XCOMP_SUPP" },
	{ 0x1022, "ARCH_GET_XCOMP_PERM" }, { 0x1023, "ARCH_REQ_XCOMP_PERM" },
	{ 0x1024, "ARCH_GET_XCOMP_GUEST_PERM" }, { 0x1025, "ARCH_REQ_XCOMP_GUEST_PERM" },
	SYM(ARCH_MAP_VDSO_X32), SYM(ARCH_MAP_VDSO_32), SYM(ARCH_MAP_VDSO_64),
	{ 0x4001, "ARCH_GET_UNTAG_MASK" }, { 0x4002, "ARCH_ENABLE_TAGGED_ADDR" },
	{ 0x4003, "ARCH_GET_MAX_TAG_BITS" }, { 0x4004, "ARCH_FORCE_TAGGED_SVA" },
	{ 0x5001, "ARCH_SHSTK_ENABLE" }, { 0x5002, "ARCH_SHSTK_DISABLE" },
	{ 0x5003, "ARCH_SHSTK_LOCK" }, { 0x5004, "ARCH_SHSTK_UNLOCK" },
	{ 0x5005, "ARCH_SHSTK_STATUS" },
};

static const struct sym clockids[] = {
	SYM(CLOCK_REALTIME), SYM(CLOCK_MONOTONIC), SYM(CLOCK_PROCESS_CPUTIME_ID),
	SYM(CLOCK_THREAD_CPUTIME_ID), SYM(CLOCK_MONOTONIC_RAW), SYM(CLOCK_REALTIME_COARSE),
	SYM(CLOCK_MONOTONIC_COARSE), SYM(CLOCK_BOOTTIME), SYM(CLOCK_REALTIME_ALARM),
	SYM(CLOCK_BOOTTIME_ALARM), SYM(CLOCK_TAI),
};

static const struct sym timer_flags[] = {
	SYM(TIMER_ABSTIME),
};

/* fcntl's file descriptor flags (F_GETFD, F_SETFD). */
static const struct sym fd_flags[] = {
	SYM(FD_CLOEXEC),
};
/* clang-format on */

static const char *sym_lookup(const struct sym *t, size_t n, unsigned long long v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].val == v)
			return t[i].name;
	return NULL;
}

static void put_sep(struct out *o, bool *first)
{
	if (!*first)
		out_putc(o, '|');
	*first = false;
}

/* Prints the names of the set flags of v; returns the bits no name covered. */
static unsigned long long put_flag_names(struct out *o, unsigned long long v, const struct sym *t,
					 size_t n, bool *first)
{
	for (size_t i = 0; i < n && v; i++) {
		if (!t[i].val || (v & t[i].val) != t[i].val)
			continue;
		put_sep(o, first);
		out_puts(o, t[i].name);
		v &= ~t[i].val;
	}
	return v;
}

/* Flag names, then unknown bits in hex; zero (or "0") when nothing is set. */
static void put_flags(struct out *o, unsigned long long v, const struct sym *t, size_t n,
		      const char *zero)
{
	bool first = true;

	v = put_flag_names(o, v, t, n, &first);
	if (v) {
		put_sep(o, &first);
		out_printf(o, "%#llx", v);
	} else if (first) {
		out_puts(o, zero ? zero : "0");
	}
}

/* A value from a list of names, in decimal when unknown. */
static void put_enum(struct out *o, long long v, const struct sym *t, size_t n)
{
	const char *name = sym_lookup(t, n, (unsigned long long)v);

	if (name)
		out_puts(o, name);
	else
		out_printf(o, "%lld", v);
}

static void put_open_flags(struct out *o, unsigned v)
{
	static const char *const modes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	bool first = false;

	out_puts(o, modes[v & O_ACCMODE]);
	v = put_flag_names(o, v & ~O_ACCMODE, open_flags, ARRAY_SIZE(open_flags), &first);
	if (v)
		out_printf(o, "|%#x", v);
}

static const struct sym mode_types[] = {
	SYM(S_IFSOCK), SYM(S_IFLNK), SYM(S_IFREG), SYM(S_IFBLK),
	SYM(S_IFDIR),  SYM(S_IFCHR), SYM(S_IFIFO),
};

/* Octal permission bits, after the file type for mknod. */
static void put_mode(struct out *o, unsigned v)
{
	const char *type = sym_lookup(mode_types, ARRAY_SIZE(mode_types), v & S_IFMT);

	if (type) {
		out_printf(o, "%s|", type);
		v &= ~S_IFMT;
	}
	out_printf(o, "%#03o", v & 07777);
	if (v & ~07777u)
		out_printf(o, "|%#x", v & ~07777u);
}

/* A stat's mode as strace prints it: the type, S_ISUID|S_ISGID|S_ISVTX by name, octal bits. */
static void put_stat_mode(struct out *o, unsigned v)
{
	static const struct sym special[] = { SYM(S_ISUID), SYM(S_ISGID), SYM(S_ISVTX) };
	const char *type = sym_lookup(mode_types, ARRAY_SIZE(mode_types), v & S_IFMT);

	if (type)
		out_printf(o, "%s|", type);
	for (size_t i = 0; i < ARRAY_SIZE(special); i++)
		if (v & special[i].val)
			out_printf(o, "%s|", special[i].name);
	out_printf(o, "%#03o", v & 0777);
}

static void put_mmap_flags(struct out *o, unsigned long long v)
{
	const char *type = sym_lookup(mmap_types, ARRAY_SIZE(mmap_types), v & MAP_TYPE);
	bool first = false;

	if (type)
		out_puts(o, type);
	else
		out_printf(o, "%#llx", v & MAP_TYPE);
	v = put_flag_names(o, v & ~(unsigned long long)MAP_TYPE, mmap_flags, ARRAY_SIZE(mmap_flags),
			   &first);
	if (v)
		out_printf(o, "|%#llx", v);
}

/* clone's low byte is the exit signal, shown last as strace does. */
static void put_clone_flags(struct out *o, unsigned long long v)
{
	unsigned sig = v & 0x7f;
	bool first = true;

	v = put_flag_names(o, v & ~0x7fULL, clone_flags, ARRAY_SIZE(clone_flags), &first);
	if (v) {
		put_sep(o, &first);
		out_printf(o, "%#llx", v);
	}
	if (sig) {
		put_sep(o, &first);
		if (signal_name(sig))
			out_puts(o, signal_name(sig));
		else
			out_printf(o, "%u", sig);
	}
	if (first)
		out_putc(o, '0');
}

/* The type in the low bits, then SOCK_* flags; accept4 passes only the flags. */
static void put_sock_type(struct out *o, unsigned v)
{
	unsigned type = v & 0xf;
	bool first = true;

	if (type) {
		put_sep(o, &first);
		put_enum(o, type, sock_types, ARRAY_SIZE(sock_types));
	}
	v = put_flag_names(o, v & ~0xfu, sock_flags, ARRAY_SIZE(sock_flags), &first);
	if (v) {
		put_sep(o, &first);
		out_printf(o, "%#x", v);
	} else if (first) {
		out_putc(o, '0');
	}
}

/* strace's names: SIGCHLD..., SIGRTMIN for 32, then SIGRT_1 to SIGRT_32. */
static void put_signal(struct out *o, int sig)
{
	const char *name = signal_name(sig);

	if (sig > 32 && sig <= 64)
		out_printf(o, "SIGRT_%d", sig - 32);
	else if (name)
		out_puts(o, name);
	else
		out_printf(o, "%d", sig);
}

/* FUTEX_WAIT_PRIVATE|FUTEX_CLOCK_REALTIME, as strace names an op. */
static void put_futex_op(struct out *o, unsigned v)
{
	unsigned cmd = v & 127, rest = v & ~(127u | K_FUTEX_PRIVATE_FLAG | K_FUTEX_CLOCK_REALTIME);

	if (cmd < ARRAY_SIZE(futex_cmds))
		out_puts(o, futex_cmds[cmd]);
	else
		out_printf(o, "%u", cmd);
	if (v & K_FUTEX_PRIVATE_FLAG)
		out_puts(o, "_PRIVATE");
	if (v & K_FUTEX_CLOCK_REALTIME)
		out_puts(o, "|FUTEX_CLOCK_REALTIME");
	if (rest)
		out_printf(o, "|%#x", rest);
}

/* The kinds that are a plain list of flags or of values. */
struct sym_table {
	const struct sym *t;
	size_t n;
	bool is_enum;	  /* one value, not a set of flags */
	const char *zero; /* name of an empty set of flags */
};

/* clang-format off */
#define FLAGS(t) { t, ARRAY_SIZE(t), false, NULL }
#define FLAGS0(t, zero) { t, ARRAY_SIZE(t), false, zero }
#define ENUM(t) { t, ARRAY_SIZE(t), true, NULL }
/* clang-format on */

static const struct sym_table sym_tables[] = {
	[ARG_PROT] = FLAGS0(prot_flags, "PROT_NONE"),
	[ARG_ACCESS] = FLAGS0(access_flags, "F_OK"),
	[ARG_AT_FLAGS] = FLAGS(at_flags),
	[ARG_WHENCE] = ENUM(whences),
	[ARG_FAMILY] = ENUM(families),
	[ARG_FCNTL_CMD] = ENUM(fcntl_cmds),
	[ARG_WAIT_OPTS] = FLAGS(wait_flags),
	[ARG_PIPE_FLAGS] = FLAGS(pipe_flags),
	[ARG_SIGPROCMASK_HOW] = ENUM(sigprocmask_hows),
	[ARG_MSG_FLAGS] = FLAGS(msg_flags),
	[ARG_SOL] = ENUM(sol_levels),
	[ARG_MADV] = ENUM(madvices),
	[ARG_EPOLL_OP] = ENUM(epoll_ops),
	[ARG_GRND_FLAGS] = FLAGS(grnd_flags),
	[ARG_RLIMIT] = ENUM(rlimits),
	[ARG_STATX_MASK] = FLAGS(statx_masks),
	[ARG_PRCTL] = ENUM(prctl_opts),
	[ARG_CLOCKID] = ENUM(clockids),
	[ARG_TIMER_FLAGS] = FLAGS(timer_flags),
	[ARG_ITIMER_WHICH] = ENUM(itimer_whichs),
};

static const struct sym_table unlink_table = FLAGS(unlink_flags);
#undef FLAGS
#undef FLAGS0
#undef ENUM

static bool is_symbolic(unsigned kind)
{
	return (kind >= ARG_OPEN_FLAGS && kind <= ARG_SIGPROCMASK_HOW) ||
	       (kind >= ARG_FUTEX_OP && kind <= ARG_ARCH_PRCTL) || kind == ARG_CLOCKID ||
	       kind == ARG_TIMER_FLAGS || kind == ARG_ITIMER_WHICH;
}

/*
 * A value of an enumeration that has no name, as strace shows it in text
 * (abbrev and verbose): "0x9 / * SEEK_??? * /", the prefix its table's names
 * share. false when it has a name, or the kind is not a plain table's.
 */
static bool put_unknown_enum(struct out *o, unsigned kind, unsigned long long v)
{
	const struct sym_table *st;
	size_t p;

	if (kind >= ARRAY_SIZE(sym_tables) || kind == ARG_CLOCKID)
		return false;
	st = &sym_tables[kind];
	if (!st->t || !st->is_enum || !st->n || sym_lookup(st->t, st->n, (unsigned)v))
		return false;
	/* The names' common prefix, back to its last '_'. */
	p = strlen(st->t[0].name);
	for (size_t i = 1; i < st->n; i++)
		for (size_t j = 0; j < p; j++)
			if (st->t[i].name[j] != st->t[0].name[j]) {
				p = j;
				break;
			}
	while (p && st->t[0].name[p - 1] != '_')
		p--;
	if (!p)
		return false;
	/* strace's own default for socket levels has two. */
	out_printf(o, "%#x /* %.*s%s */", (unsigned)v, (int)p, st->t[0].name,
		   kind == ARG_SOL ? "??" : "???");
	return true;
}

/* A value by name from t, or in hex when it has none (ioctl requests, arch_prctl codes). */
static void put_enum_hex(struct out *o, unsigned long long v, const struct sym *t, size_t n)
{
	const char *name = sym_lookup(t, n, v);

	if (name)
		out_puts(o, name);
	else
		out_printf(o, "%#llx", v);
}

/* A socket option's name, by the level (argument 1) it is at. */
static void put_sockopt(struct out *o, const struct event *ev, unsigned long long v)
{
	switch ((int)ev->args[1].value) {
	case SOL_SOCKET:
		put_enum(o, (int)v, so_opts, ARRAY_SIZE(so_opts));
		return;
	case IPPROTO_TCP:
		put_enum(o, (int)v, tcp_opts, ARRAY_SIZE(tcp_opts));
		return;
	case IPPROTO_IP:
		put_enum(o, (int)v, ip_opts, ARRAY_SIZE(ip_opts));
		return;
	case IPPROTO_IPV6:
		put_enum(o, (int)v, ipv6_opts, ARRAY_SIZE(ipv6_opts));
		return;
	}
	out_printf(o, "%d", (int)v);
}

static const struct sym inet_protos[] = {
	{ 0, "IPPROTO_IP" },	    { 1, "IPPROTO_ICMP" },    { 2, "IPPROTO_IGMP" },
	{ 4, "IPPROTO_IPIP" },	    { 6, "IPPROTO_TCP" },     { 8, "IPPROTO_EGP" },
	{ 12, "IPPROTO_PUP" },	    { 17, "IPPROTO_UDP" },    { 22, "IPPROTO_IDP" },
	{ 29, "IPPROTO_TP" },	    { 33, "IPPROTO_DCCP" },   { 41, "IPPROTO_IPV6" },
	{ 46, "IPPROTO_RSVP" },	    { 47, "IPPROTO_GRE" },    { 50, "IPPROTO_ESP" },
	{ 51, "IPPROTO_AH" },	    { 58, "IPPROTO_ICMPV6" }, { 92, "IPPROTO_MTP" },
	{ 94, "IPPROTO_BEETPH" },   { 98, "IPPROTO_ENCAP" },  { 103, "IPPROTO_PIM" },
	{ 108, "IPPROTO_COMP" },    { 115, "IPPROTO_L2TP" },  { 132, "IPPROTO_SCTP" },
	{ 136, "IPPROTO_UDPLITE" }, { 137, "IPPROTO_MPLS" },  { 143, "IPPROTO_ETHERNET" },
	{ 255, "IPPROTO_RAW" },	    { 262, "IPPROTO_MPTCP" },
};

static const struct sym netlink_protos[] = {
	{ 0, "NETLINK_ROUTE" },
	{ 2, "NETLINK_USERSOCK" },
	{ 3, "NETLINK_FIREWALL" },
	{ 4, "NETLINK_SOCK_DIAG" },
	{ 5, "NETLINK_NFLOG" },
	{ 6, "NETLINK_XFRM" },
	{ 7, "NETLINK_SELINUX" },
	{ 8, "NETLINK_ISCSI" },
	{ 9, "NETLINK_AUDIT" },
	{ 10, "NETLINK_FIB_LOOKUP" },
	{ 11, "NETLINK_CONNECTOR" },
	{ 12, "NETLINK_NETFILTER" },
	{ 13, "NETLINK_IP6_FW" },
	{ 14, "NETLINK_DNRTMSG" },
	{ 15, "NETLINK_KOBJECT_UEVENT" },
	{ 16, "NETLINK_GENERIC" },
	{ 18, "NETLINK_SCSITRANSPORT" },
	{ 19, "NETLINK_ECRYPTFS" },
	{ 20, "NETLINK_RDMA" },
	{ 21, "NETLINK_CRYPTO" },
	{ 22, "NETLINK_SMC" },
};

/* A socket's protocol, by its family (argument 0): IPPROTO_TCP, NETLINK_ROUTE, else the number. */
static void put_sock_proto(struct out *o, const struct event *ev, unsigned long long v)
{
	switch ((int)ev->args[0].value) {
	case AF_INET:
	case AF_INET6:
		put_enum(o, (int)v, inet_protos, ARRAY_SIZE(inet_protos));
		return;
	case AF_NETLINK:
		put_enum(o, (int)v, netlink_protos, ARRAY_SIZE(netlink_protos));
		return;
	}
	out_printf(o, "%d", (int)v);
}

/* statx's flags: its sync type first, AT_STATX_SYNC_AS_STAT when 0, as strace. */
static void put_statx_flags(struct out *o, unsigned v)
{
	bool first = false;

	if (!(v & (AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC)))
		out_puts(o, "AT_STATX_SYNC_AS_STAT");
	else
		first = true;
	v = put_flag_names(o, v, at_flags, ARRAY_SIZE(at_flags), &first);
	if (v)
		out_printf(o, "|%#x", v);
}

/* The kinds shown by name; the caller quotes them for JSON. */
static void put_symbolic(struct out *o, unsigned nr, unsigned kind, __u64 v)
{
	const struct sym_table *st = &sym_tables[kind < ARRAY_SIZE(sym_tables) ? kind : 0];

	switch (kind) {
	case ARG_OPEN_FLAGS:
		put_open_flags(o, (unsigned)v);
		return;
	case ARG_MODE:
		put_mode(o, (unsigned)v);
		return;
	case ARG_FUTEX_OP:
		put_futex_op(o, (unsigned)v);
		return;
	case ARG_IOCTL:
		put_enum_hex(o, (unsigned)v, ioctls, ARRAY_SIZE(ioctls));
		return;
	case ARG_ARCH_PRCTL:
		put_enum_hex(o, (unsigned)v, arch_prctls, ARRAY_SIZE(arch_prctls));
		return;
	case ARG_MMAP_FLAGS:
		put_mmap_flags(o, v);
		return;
	case ARG_CLONE_FLAGS:
		put_clone_flags(o, v);
		return;
	case ARG_SOCK_TYPE:
		put_sock_type(o, (unsigned)v);
		return;
	case ARG_SIGNAL:
		put_signal(o, (int)v);
		return;
	case ARG_AT_FLAGS:
		if (nr == SYS_statx) {
			put_statx_flags(o, (unsigned)v);
			return;
		}
		if (nr == SYS_unlinkat)
			st = &unlink_table;
		break;
	}
	if (st->is_enum)
		put_enum(o, (int)v, st->t, st->n);
	else
		put_flags(o, (unsigned)v, st->t, st->n, st->zero);
}

/* -X: how the symbolic kinds print in text lines. */
static enum xlat_style xlat_style = XLAT_ABBREV;

void sys_set_xlat(enum xlat_style style)
{
	xlat_style = style;
}

/* A symbolic kind's name form (-X abbrev): AT_FDCWD, O_RDONLY|O_CLOEXEC, SO_REUSEADDR by level. */
static void put_abbrev(struct out *o, const struct event *ev, unsigned kind, __u64 v)
{
	if (kind == ARG_DIRFD) {
		/* The kernel takes the low 32 bits as an int. */
		if ((int)v == AT_FDCWD)
			out_puts(o, "AT_FDCWD");
		else
			out_i64(o, (int)v);
	} else if (kind == ARG_SOCKOPT) {
		put_sockopt(o, ev, v);
	} else if (kind == ARG_SOCK_PROTO) {
		put_sock_proto(o, ev, v);
	} else {
		put_symbolic(o, ev->nr, kind, v);
	}
}

/*
 * The number of a symbolic kind as strace's -X raw prints it: signals and
 * directory fds in decimal, modes in octal, the rest in hex, a socket type's
 * type and flags apart (0x1|0x80000); 32 bits but for mmap's and clone's flags.
 */
static void put_raw(struct out *o, unsigned kind, __u64 v)
{
	switch (kind) {
	case ARG_SIGNAL:
	case ARG_DIRFD:
		out_i64(o, (int)v);
		return;
	case ARG_MODE:
		out_printf(o, "%#03o", (unsigned)v);
		return;
	case ARG_SOCK_TYPE:
		/* accept4's flags have no type. */
		if ((unsigned)v & 0xf || !((unsigned)v & ~0xfu))
			out_printf(o, "%#x", (unsigned)v & 0xf);
		if (((unsigned)v & 0xf) && ((unsigned)v & ~0xfu))
			out_putc(o, '|');
		if ((unsigned)v & ~0xfu)
			out_printf(o, "%#x", (unsigned)v & ~0xfu);
		return;
	case ARG_MMAP_FLAGS:
	case ARG_CLONE_FLAGS:
		out_printf(o, "%#llx", (unsigned long long)v);
		return;
	}
	out_printf(o, "%#x", (unsigned)v);
}

/* A number and, when they say more than it does, its names in a C comment. */
static void put_commented(struct out *o, const char *raw, const char *names)
{
	out_puts(o, raw);
	if (strcmp(raw, names))
		out_printf(o, " /* %s */", names);
}

/* A constant known by its number's text and its names' text, in JSON or by -X. */
static void put_xlat(struct out *o, bool json, const char *raw, const char *names)
{
	if (json)
		out_printf(o, "\"%s\"", names);
	else if (xlat_style == XLAT_RAW)
		out_puts(o, raw);
	else if (xlat_style == XLAT_VERBOSE)
		put_commented(o, raw, names);
	else
		out_puts(o, names);
}

/*
 * A structure's flags or mode field as -X says in text (abbrev: the names;
 * raw: the number; verbose: the number, then the names in a comment, as
 * strace prints st_mode=0100644 / * S_IFREG|0644 * /); JSON: the names, quoted.
 */
static void put_field_flags(struct out *o, bool json, unsigned long long v, const struct sym *t,
			    size_t n)
{
	char raw[32], names[512];
	struct out r = out_init(raw, sizeof(raw)), nm = out_init(names, sizeof(names));

	put_flags(&nm, v, t, n, NULL);
	out_end(&nm);
	out_printf(&r, v ? "%#llx" : "0", v);
	out_end(&r);
	put_xlat(o, json, raw, names);
}

static void put_field_mode(struct out *o, bool json, unsigned mode)
{
	char raw[32], names[128];
	struct out r = out_init(raw, sizeof(raw)), nm = out_init(names, sizeof(names));

	put_stat_mode(&nm, mode);
	out_end(&nm);
	out_printf(&r, "%#o", mode);
	out_end(&r);
	put_xlat(o, json, raw, names);
}

/*
 * -X verbose: the number, then its names in a comment ("0x80000" and
 * "O_RDONLY|O_CLOEXEC"; "0" and "3" alone). A socket type comments its
 * type and its flags each, as strace does.
 */
static void put_verbose(struct out *o, const struct event *ev, unsigned kind, __u64 v)
{
	char raw[64], names[512];
	struct out r = out_init(raw, sizeof(raw)), n = out_init(names, sizeof(names));
	unsigned flags = (unsigned)v & ~0xfu;

	if (kind == ARG_SOCK_TYPE && flags && (v & 0xf)) {
		put_verbose(o, ev, kind, v & 0xf);
		out_putc(o, '|');
		put_verbose(o, ev, kind, flags);
		return;
	}
	put_raw(&r, kind, v);
	out_end(&r);
	put_abbrev(&n, ev, kind, v);
	out_end(&n);
	put_commented(o, raw, names);
}

const char *sys_family_name(unsigned family)
{
	return sym_lookup(families, ARRAY_SIZE(families), family);
}

const char *sys_sol_name(int level)
{
	return sym_lookup(sol_levels, ARRAY_SIZE(sol_levels), (unsigned long long)level);
}

void sys_put_msg_flags(struct out *o, unsigned flags)
{
	put_flags(o, flags, msg_flags, ARRAY_SIZE(msg_flags), NULL);
}

/* Arguments */

void sys_put_ptr(struct out *o, uint64_t p, bool json)
{
	if (!p)
		out_puts(o, json ? "null" : "NULL");
	else if (json)
		out_printf(o, "\"%#llx\"", (unsigned long long)p);
	else
		out_hex(o, p);
}

/* A structure's field: text "name=", JSON "name":; first says whether a comma goes before. */
static void obj_field(struct out *o, bool json, bool *first, const char *name)
{
	if (!*first)
		out_puts(o, json ? "," : ", ");
	*first = false;
	out_puts(o, json ? "\"" : "");
	out_puts(o, name);
	out_puts(o, json ? "\":" : "=");
}

/* A symbolic value: as it is in text, quoted in JSON. */
static void obj_sym_begin(struct out *o, bool json)
{
	if (json)
		out_putc(o, '"');
}

static void put_stat(struct out *o, const struct stat *st, bool json)
{
	bool first = true;
	unsigned type = st->st_mode & S_IFMT;

	out_putc(o, '{');
	obj_field(o, json, &first, "st_mode");
	put_field_mode(o, json, st->st_mode);
	/* strace's abbreviation: the device of a device file, else the size. */
	if (type == S_IFCHR || type == S_IFBLK) {
		obj_field(o, json, &first, "st_rdev");
		if (json)
			out_u64(o, st->st_rdev);
		else
			out_printf(o, "makedev(%#x, %#x)", major(st->st_rdev), minor(st->st_rdev));
	} else {
		obj_field(o, json, &first, "st_size");
		out_i64(o, st->st_size);
	}
	if (!json) {
		out_puts(o, ", ...}");
		return;
	}
	/* JSON has them all. */
	obj_field(o, json, &first, "st_dev");
	out_u64(o, st->st_dev);
	obj_field(o, json, &first, "st_ino");
	out_u64(o, st->st_ino);
	obj_field(o, json, &first, "st_nlink");
	out_u64(o, st->st_nlink);
	obj_field(o, json, &first, "st_uid");
	out_u64(o, st->st_uid);
	obj_field(o, json, &first, "st_gid");
	out_u64(o, st->st_gid);
	obj_field(o, json, &first, "st_blksize");
	out_i64(o, st->st_blksize);
	obj_field(o, json, &first, "st_blocks");
	out_i64(o, st->st_blocks);
	obj_field(o, json, &first, "st_atime");
	out_i64(o, st->st_atim.tv_sec);
	obj_field(o, json, &first, "st_atime_nsec");
	out_i64(o, st->st_atim.tv_nsec);
	obj_field(o, json, &first, "st_mtime");
	out_i64(o, st->st_mtim.tv_sec);
	obj_field(o, json, &first, "st_mtime_nsec");
	out_i64(o, st->st_mtim.tv_nsec);
	obj_field(o, json, &first, "st_ctime");
	out_i64(o, st->st_ctim.tv_sec);
	obj_field(o, json, &first, "st_ctime_nsec");
	out_i64(o, st->st_ctim.tv_nsec);
	out_putc(o, '}');
}

static void put_timespec(struct out *o, const struct timespec *ts, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "tv_sec");
	out_i64(o, ts->tv_sec);
	obj_field(o, json, &first, "tv_nsec");
	out_i64(o, ts->tv_nsec);
	out_putc(o, '}');
}

/* A limit as strace shows it: RLIM64_INFINITY, a multiple of 1024 as N*1024 (text). */
static void put_rlim_val(struct out *o, rlim_t v, bool json)
{
	if (v == RLIM_INFINITY) {
		obj_sym_begin(o, json);
		out_puts(o, "RLIM64_INFINITY");
		obj_sym_begin(o, json);
	} else if (!json && v && !(v % 1024)) {
		out_printf(o, "%llu*1024", (unsigned long long)(v / 1024));
	} else {
		out_u64(o, v);
	}
}

static void put_rlimit(struct out *o, const struct rlimit *r, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "rlim_cur");
	put_rlim_val(o, r->rlim_cur, json);
	obj_field(o, json, &first, "rlim_max");
	put_rlim_val(o, r->rlim_max, json);
	out_putc(o, '}');
}

/* A wait status as strace shows it: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]; JSON as a string. */
static void put_wait_status(struct out *o, int s, bool json)
{
	const char *sig;

	out_puts(o, json ? "\"" : "[{");
	if (WIFEXITED(s)) {
		out_printf(o, "WIFEXITED(s) && WEXITSTATUS(s) == %d", WEXITSTATUS(s));
	} else if (WIFSIGNALED(s)) {
		sig = signal_name(WTERMSIG(s));
		out_puts(o, "WIFSIGNALED(s) && WTERMSIG(s) == ");
		if (sig)
			out_puts(o, sig);
		else
			out_printf(o, "%d", WTERMSIG(s));
		if (WCOREDUMP(s))
			out_puts(o, " && WCOREDUMP(s)");
	} else if (WIFSTOPPED(s)) {
		sig = signal_name(WSTOPSIG(s));
		out_puts(o, "WIFSTOPPED(s) && WSTOPSIG(s) == ");
		if (sig)
			out_puts(o, sig);
		else
			out_printf(o, "%d", WSTOPSIG(s));
	} else if (WIFCONTINUED(s)) {
		out_puts(o, "WIFCONTINUED(s)");
	} else {
		out_printf(o, "%#x", s);
	}
	out_puts(o, json ? "\"" : "}]");
}

/*
 * A structure argument from its capture slot; the pointer when it is not
 * there: unreadable, not captured, short, or an output of a failed call (a
 * wait4 that returned 0 wrote no status either).
 */
/* A signal in a mask as strace names it there: CHLD, RTMIN, RT_8 (by -X, numbers). */
static void put_mask_sig(struct out *o, int sig, bool json)
{
	char name[16];

	if (json) {
		out_putc(o, '"');
		put_signal(o, sig);
		out_putc(o, '"');
		return;
	}
	if (sig == 32)
		snprintf(name, sizeof(name), "RTMIN");
	else if (sig > 32)
		snprintf(name, sizeof(name), "RT_%d", sig - 32);
	else if (signal_name(sig))
		snprintf(name, sizeof(name), "%s", signal_name(sig) + 3);
	else
		snprintf(name, sizeof(name), "%d", sig);
	if (xlat_style == XLAT_RAW)
		out_printf(o, "%d", sig);
	else if (xlat_style == XLAT_VERBOSE)
		out_printf(o, "%d /* %s */", sig, name);
	else
		out_puts(o, name);
}

/*
 * A signal mask as strace prints it: [CHLD RT_8], or ~[RTMIN RT_1] (those
 * not in it) when two thirds or more of the 64 are; JSON lists the members.
 */
static void put_sigset(struct out *o, uint64_t m, bool json)
{
	bool inv = !json && __builtin_popcountll(m) >= 64 * 2 / 3;
	bool first = true;

	if (inv) {
		m = ~m;
		out_putc(o, '~');
	}
	out_putc(o, '[');
	for (int sig = 1; sig <= 64; sig++) {
		if (!(m & (1ULL << (sig - 1))))
			continue;
		if (!first)
			out_puts(o, json ? "," : " ");
		first = false;
		put_mask_sig(o, sig, json);
	}
	out_putc(o, ']');
}

/* The kernel's struct sigaction on x86-64. */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

static void put_sigaction(struct out *o, const struct k_sigaction *sa, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "sa_handler");
	if (sa->handler <= 1) {
		put_xlat(o, json, sa->handler ? "0x1" : "0", sa->handler ? "SIG_IGN" : "SIG_DFL");
	} else {
		sys_put_ptr(o, sa->handler, json);
	}
	obj_field(o, json, &first, "sa_mask");
	put_sigset(o, sa->mask, json);
	obj_field(o, json, &first, "sa_flags");
	put_field_flags(o, json, sa->flags, sa_flags, ARRAY_SIZE(sa_flags));
	if (sa->flags & 0x04000000) {
		obj_field(o, json, &first, "sa_restorer");
		sys_put_ptr(o, sa->restorer, json);
	}
	out_putc(o, '}');
}

/* utsname's first two fields (what strace shows), each cut at its 65 bytes. */
static void put_utsname(struct out *o, const char *u, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "sysname");
	out_putc(o, '"');
	if (json)
		out_escape_json(o, u, strnlen(u, 65));
	else
		out_escape_c(o, u, strnlen(u, 65));
	out_putc(o, '"');
	obj_field(o, json, &first, "nodename");
	out_putc(o, '"');
	if (json)
		out_escape_json(o, u + 65, strnlen(u + 65, 65));
	else
		out_escape_c(o, u + 65, strnlen(u + 65, 65));
	out_puts(o, json ? "\"}" : "\", ...}");
}

static void put_sysinfo(struct out *o, const struct sysinfo *si, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "uptime");
	out_i64(o, si->uptime);
	obj_field(o, json, &first, "loads");
	out_printf(o, json ? "[%lu,%lu,%lu]" : "[%lu, %lu, %lu]", si->loads[0], si->loads[1],
		   si->loads[2]);
#define SI_FIELD(f)                     \
	obj_field(o, json, &first, #f); \
	out_u64(o, (unsigned long long)si->f)
	SI_FIELD(totalram);
	SI_FIELD(freeram);
	SI_FIELD(sharedram);
	SI_FIELD(bufferram);
	SI_FIELD(totalswap);
	SI_FIELD(freeswap);
	SI_FIELD(procs);
	SI_FIELD(totalhigh);
	SI_FIELD(freehigh);
	SI_FIELD(mem_unit);
#undef SI_FIELD
	out_putc(o, '}');
}

static void put_timeval(struct out *o, const struct timeval *tv, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "tv_sec");
	out_i64(o, tv->tv_sec);
	obj_field(o, json, &first, "tv_usec");
	out_i64(o, tv->tv_usec);
	out_putc(o, '}');
}

/* The kernel's stack_t on 64-bit. */
struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	uint32_t pad;
	uint64_t ss_size;
};

static const struct sym ss_flags[] = {
	{ 1, "SS_ONSTACK" },
	{ 2, "SS_DISABLE" },
	{ 1u << 31, "SS_AUTODISARM" },
};

/* sigaltstack's stack_t: {ss_sp=0x7f..., ss_flags=SS_ONSTACK, ss_size=8192}. */
static void put_stack(struct out *o, const struct k_stack *ss, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "ss_sp");
	sys_put_ptr(o, ss->ss_sp, json);
	obj_field(o, json, &first, "ss_flags");
	put_field_flags(o, json, (uint32_t)ss->ss_flags, ss_flags, ARRAY_SIZE(ss_flags));
	obj_field(o, json, &first, "ss_size");
	out_u64(o, ss->ss_size);
	out_putc(o, '}');
}

static void put_itimerval(struct out *o, const struct itimerval *it, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "it_interval");
	put_timeval(o, &it->it_interval, json);
	obj_field(o, json, &first, "it_value");
	put_timeval(o, &it->it_value, json);
	out_putc(o, '}');
}

static void put_itimerspec(struct out *o, const struct itimerspec *it, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "it_interval");
	put_timespec(o, &it->it_interval, json);
	obj_field(o, json, &first, "it_value");
	put_timespec(o, &it->it_value, json);
	out_putc(o, '}');
}

/* The first 64 bytes of struct statx (through stx_attributes_mask). */
struct statx_head {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad;
	uint64_t ino, size, blocks, attributes_mask;
};

/* strace's abbreviation: the mask, attributes, mode and size; JSON has the rest read too. */
static void put_statx(struct out *o, const struct statx_head *x, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "stx_mask");
	put_field_flags(o, json, x->mask, statx_masks, ARRAY_SIZE(statx_masks));
	obj_field(o, json, &first, "stx_attributes");
	put_field_flags(o, json, x->attributes, statx_attrs, ARRAY_SIZE(statx_attrs));
	if (x->mask & (STATX_TYPE | STATX_MODE)) {
		obj_field(o, json, &first, "stx_mode");
		put_field_mode(o, json, x->mode);
	}
	if (x->mask & STATX_SIZE) {
		obj_field(o, json, &first, "stx_size");
		out_u64(o, x->size);
	}
	if (!json) {
		out_puts(o, ", ...}");
		return;
	}
	obj_field(o, json, &first, "stx_blksize");
	out_u64(o, x->blksize);
	obj_field(o, json, &first, "stx_nlink");
	out_u64(o, x->nlink);
	obj_field(o, json, &first, "stx_uid");
	out_u64(o, x->uid);
	obj_field(o, json, &first, "stx_gid");
	out_u64(o, x->gid);
	obj_field(o, json, &first, "stx_ino");
	out_u64(o, x->ino);
	obj_field(o, json, &first, "stx_blocks");
	out_u64(o, x->blocks);
	out_putc(o, '}');
}

/* struct epoll_event as strace prints it (packed on x86-64: 12 bytes). */
static void put_epoll_event(struct out *o, const struct epoll_event *e, bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "events");
	put_field_flags(o, json, e->events, epoll_events, ARRAY_SIZE(epoll_events));
	obj_field(o, json, &first, "data");
	if (json)
		out_printf(o, "{\"u32\":%u,\"u64\":%llu}", (unsigned)e->data.u64,
			   (unsigned long long)e->data.u64);
	else
		out_printf(o, "{u32=%u, u64=%llu}", (unsigned)e->data.u64,
			   (unsigned long long)e->data.u64);
	out_putc(o, '}');
}

/*
 * poll's fds from the slot read at exit: [{fd=3, events=POLLIN}], or with
 * revents (the return's list, only those with some), strace's two forms;
 * "..." when the slot held fewer than nfds. false when there are none.
 */
static bool put_pollfds(struct out *o, const struct event *ev, const struct event_arg *a,
			bool revents, bool json)
{
	unsigned n = a->len / sizeof(struct pollfd), shown = 0;
	bool first = true;

	if (!a->bytes || (a->flags & EVA_FAULTED) || ev->nargs < 2)
		return false;
	if (n > ev->args[1].value)
		n = (unsigned)ev->args[1].value;
	out_putc(o, '[');
	for (unsigned i = 0; i < n; i++) {
		struct pollfd p;
		bool f = true;

		memcpy(&p, a->bytes + i * sizeof(p), sizeof(p));
		if (revents && !p.revents)
			continue;
		if (!first)
			out_puts(o, json ? "," : ", ");
		first = false;
		shown++;
		out_putc(o, '{');
		obj_field(o, json, &f, "fd");
		out_i64(o, p.fd);
		/* An fd the kernel ignores: strace shows {fd=-1} alone. */
		if (p.fd < 0 && !json) {
			out_putc(o, '}');
			continue;
		}
		obj_field(o, json, &f, revents ? "revents" : "events");
		put_field_flags(o, json, (unsigned short)(revents ? p.revents : p.events),
				poll_events, ARRAY_SIZE(poll_events));
		if (json && !revents) {
			obj_field(o, json, &f, "revents");
			out_putc(o, '"');
			put_flags(o, (unsigned short)p.revents, poll_events,
				  ARRAY_SIZE(poll_events), NULL);
			out_putc(o, '"');
		}
		out_putc(o, '}');
	}
	if (!json && (a->flags & EVA_TRUNCATED))
		out_puts(o, shown || !revents ? ", ..." : "...");
	out_putc(o, ']');
	return true;
}

/* select's nfds: the bits an fd_set of the call has (the kernel takes it as an int). */
static int fdset_nfds(const struct event *ev)
{
	int n = (int)ev->args[0].value;

	return n < 0 ? 0 : n > 8 * AT_INOUT_HALF ? 8 * AT_INOUT_HALF : n;
}

/*
 * The fds set in an fd_set's bytes, below nfds and within len: strace's
 * "[0 3]" ("0 3" after a label with bare), JSON's [0,3]. Up to *budget
 * of them when budget (select's result: as many as it says are ready).
 */
static void put_fd_bits(struct out *o, const char *b, size_t len, int nfds, bool json, bool bare,
			long long *budget)
{
	bool first = true;

	if (!bare)
		out_putc(o, '[');
	for (int j = 0; j < nfds && (size_t)j / 8 < len; j++) {
		if (!((unsigned char)b[j / 8] >> (j % 8) & 1))
			continue;
		if (budget && *budget <= 0)
			break;
		if (!first)
			out_putc(o, json ? ',' : ' ');
		first = false;
		out_i64(o, j);
		if (budget)
			--*budget;
	}
	if (!bare)
		out_putc(o, ']');
}

/* An fd_set argument as given: [0 3]; JSON {"fds":[0,3],"ready":[3]} with the result's. */
static bool put_fdset(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	size_t half = a->len > AT_INOUT_HALF ? a->len - AT_INOUT_HALF : a->len;

	if (!a->bytes || (a->flags & EVA_FAULTED) || !a->len)
		return false;
	if (!json) {
		put_fd_bits(o, a->bytes, half, fdset_nfds(ev), false, false, NULL);
		return true;
	}
	out_puts(o, "{\"fds\":");
	put_fd_bits(o, a->bytes, half, fdset_nfds(ev), true, false, NULL);
	if (a->len > AT_INOUT_HALF && ev->ret >= 0) {
		out_puts(o, ",\"ready\":");
		put_fd_bits(o, a->bytes + AT_INOUT_HALF, half, fdset_nfds(ev), true, false, NULL);
	}
	out_putc(o, '}');
	return true;
}

/* A timeval or timespec the call reads and writes back, from one half of its slot. */
static void put_inout_time(struct out *o, unsigned type, const char *b, bool json)
{
	if (type == ARG_TIMEVAL_INOUT) {
		struct timeval tv;

		memcpy(&tv, b, sizeof(tv));
		put_timeval(o, &tv, json);
	} else {
		struct timespec ts;

		memcpy(&ts, b, sizeof(ts));
		put_timespec(o, &ts, json);
	}
}

/*
 * A timeout the call writes back: as given; JSON adds what was left of it
 * ({"tv_sec":1,"tv_nsec":0,"left":{...}}), text has it after the result.
 */
static bool put_inout(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	size_t size = syscall_obj_size(a->type);
	char buf[128];
	struct out t = out_init(buf, sizeof(buf));
	size_t n;

	if (!a->bytes || (a->flags & EVA_FAULTED) || a->len < size)
		return false;
	put_inout_time(&t, a->type, a->bytes, json);
	n = out_end(&t);
	if (!json || a->len < AT_INOUT_HALF + size || ev->ret < 0 || n >= sizeof(buf) || !n) {
		out_puts(o, buf);
		return true;
	}
	buf[n - 1] = '\0'; /* the closing brace: "left" goes inside */
	out_puts(o, buf);
	out_puts(o, ",\"left\":");
	put_inout_time(o, a->type, a->bytes + AT_INOUT_HALF, true);
	out_putc(o, '}');
	return true;
}

/* An int of a 4-byte slot (half: its second half, as an in-out slot left it). */
static bool slot_int(const struct event_arg *a, bool half, int *v)
{
	size_t at = half ? AT_INOUT_HALF : 0;

	if (!a->bytes || (a->flags & EVA_FAULTED) || a->len < at + sizeof(*v))
		return false;
	memcpy(v, a->bytes + at, sizeof(*v));
	return true;
}

/* getsockopt's length: [4], [16 => 4] when the call changed it (as given known with -T). */
static bool put_optlen(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	int in, out;
	bool has_in = slot_int(a, false, &in), has_out = ev->ret >= 0 && slot_int(a, true, &out);

	if (!has_in)
		return false;
	if (json) {
		out_printf(o, "{\"in\":%d,\"out\":", in);
		if (has_out)
			out_printf(o, "%d}", out);
		else
			out_puts(o, "null}");
	} else if (has_out && out != in) {
		out_printf(o, "[%d => %d]", in, out);
	} else {
		out_printf(o, "[%d]", in);
	}
	return true;
}

/* getsockopt's value: [1] when the call returned an int (its length 4), else the address. */
static bool put_sockopt_out(struct out *o, const struct event *ev, const struct event_arg *a,
			    bool json)
{
	int v, len;
	const struct event_arg *l = ev->nargs > 4 ? &ev->args[4] : NULL;

	if (ev->ret < 0 || !l || !slot_int(a, false, &v) ||
	    !(slot_int(l, true, &len) || slot_int(l, false, &len)) || len != sizeof(int))
		return false;
	out_printf(o, json ? "%d" : "[%d]", v);
	return true;
}

/* The index of the call's timeout written back (select's, pselect6's, ppoll's); -1: none. */
static int inout_time_arg(const struct event *ev)
{
	for (unsigned i = 0; i < ev->nargs; i++)
		if (ev->args[i].type == ARG_TIMEVAL_INOUT || ev->args[i].type == ARG_TIMESPEC_INOUT)
			return (int)i;
	return -1;
}

/* strace's ", left {tv_sec=0, tv_usec=999}" after a result (sep: what goes before it). */
static void put_left(struct out *o, const struct event *ev, const char *sep)
{
	int k = inout_time_arg(ev);
	const struct event_arg *a = k >= 0 ? &ev->args[k] : NULL;

	if (!a || !a->value)
		return;
	out_puts(o, sep);
	out_puts(o, "left ");
	if (a->bytes && !(a->flags & EVA_FAULTED) &&
	    a->len >= AT_INOUT_HALF + syscall_obj_size(a->type))
		put_inout_time(o, a->type, a->bytes + AT_INOUT_HALF, false);
	else
		sys_put_ptr(o, a->value, false);
}

/* select's and pselect6's result: "1 (in [3], left {...})", "0 (Timeout)". */
static void put_select_ret(struct out *o, const struct event *ev, long long r)
{
	static const char *const names[] = { "in", "out", "except" };
	const char *sep = "";
	long long budget = r;

	out_i64(o, r);
	if (!r) {
		out_puts(o, " (Timeout)");
		return;
	}
	out_puts(o, " (");
	for (unsigned i = 1; i <= 3 && budget > 0; i++) {
		const struct event_arg *a = &ev->args[i];
		size_t half = a->len - AT_INOUT_HALF;
		bool any = false;

		if (!a->bytes || (a->flags & EVA_FAULTED) || a->len <= AT_INOUT_HALF)
			continue;
		for (int j = 0; j < fdset_nfds(ev) && (size_t)j / 8 < half && !any; j++)
			any = (unsigned char)a->bytes[AT_INOUT_HALF + j / 8] >> (j % 8) & 1;
		if (!any)
			continue;
		out_printf(o, "%s%s [", sep, names[i - 1]);
		put_fd_bits(o, a->bytes + AT_INOUT_HALF, half, fdset_nfds(ev), false, true,
			    &budget);
		out_putc(o, ']');
		sep = ", ";
	}
	put_left(o, ev, sep);
	out_putc(o, ')');
}

/* epoll_wait's events, as many as it returned: [{events=EPOLLIN, data={u32=3, u64=3}}]. */
static bool put_epoll_events(struct out *o, const struct event *ev, const struct event_arg *a,
			     bool json)
{
	unsigned n = a->len / 12;

	if (!a->bytes || (a->flags & EVA_FAULTED) || ev->ret < 0)
		return false;
	out_putc(o, '[');
	for (unsigned i = 0; i < n; i++) {
		struct epoll_event e;

		memcpy(&e, a->bytes + i * 12, 12);
		if (i)
			out_puts(o, json ? "," : ", ");
		put_epoll_event(o, &e, json);
	}
	if (!json && (a->flags & EVA_TRUNCATED))
		out_puts(o, n ? ", ..." : "...");
	out_putc(o, ']');
	return true;
}

/* struct clone_args (version 2, 88 bytes). */
struct k_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

/* A 64-bit address field of a structure: text in hex, JSON as a pointer. */
static void put_addr_field(struct out *o, bool json, bool *first, const char *name, uint64_t v)
{
	obj_field(o, json, first, name);
	if (v || json)
		sys_put_ptr(o, v, json);
	else
		out_putc(o, '0');
}

/*
 * clone3's arguments as strace prints them: the flags, the addresses the
 * flags make meaningful, the exit signal, the stack; after a successful call
 * with CLONE_PARENT_SETTID, " => {parent_tid=[TID]}", the TID the kernel
 * stored there being the result.
 */
static void put_clone_args(struct out *o, const struct event *ev, const struct k_clone_args *c,
			   bool json)
{
	bool first = true;

	out_putc(o, '{');
	obj_field(o, json, &first, "flags");
	put_field_flags(o, json, c->flags, clone_flags, ARRAY_SIZE(clone_flags));
	if (c->flags & CLONE_PIDFD)
		put_addr_field(o, json, &first, "pidfd", c->pidfd);
	if (c->flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
		put_addr_field(o, json, &first, "child_tid", c->child_tid);
	if (c->flags & CLONE_PARENT_SETTID)
		put_addr_field(o, json, &first, "parent_tid", c->parent_tid);
	obj_field(o, json, &first, "exit_signal");
	if (c->exit_signal && c->exit_signal < 65) {
		obj_sym_begin(o, json);
		put_signal(o, (int)c->exit_signal);
		obj_sym_begin(o, json);
	} else {
		out_u64(o, c->exit_signal);
	}
	obj_field(o, json, &first, "stack");
	sys_put_ptr(o, c->stack, json);
	obj_field(o, json, &first, "stack_size");
	if (json)
		out_u64(o, c->stack_size);
	else
		out_printf(o, "%#llx", (unsigned long long)c->stack_size);
	if (c->flags & CLONE_SETTLS)
		put_addr_field(o, json, &first, "tls", c->tls);
	if (c->set_tid || c->set_tid_size) {
		put_addr_field(o, json, &first, "set_tid", c->set_tid);
		obj_field(o, json, &first, "set_tid_size");
		out_u64(o, c->set_tid_size);
	}
	if (c->cgroup || (c->flags & 0x200000000ULL)) {
		obj_field(o, json, &first, "cgroup");
		out_u64(o, c->cgroup);
	}
	out_putc(o, '}');
	if (!json && ev->ret > 0 && (c->flags & CLONE_PARENT_SETTID))
		out_printf(o, " => {parent_tid=[%lld]}", (long long)ev->ret);
}

static void put_obj(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	size_t size = syscall_obj_size(a->type);
	bool out = a->type != ARG_TIMESPEC_IN && a->type != ARG_RLIMIT_IN &&
		   a->type != ARG_SIGACTION_IN && a->type != ARG_SIGSET_IN &&
		   a->type != ARG_TIMEVAL_IN && a->type != ARG_ITIMERVAL_IN &&
		   a->type != ARG_ITIMERSPEC_IN && a->type != ARG_EPOLL_EVENT_IN &&
		   a->type != ARG_CLONE_ARGS_IN && a->type != ARG_STACK_IN;
	union {
		struct stat st;
		struct timespec ts;
		struct rlimit rl;
		int fds[2];
		int status;
		struct k_sigaction sa;
		uint64_t sigset;
		char uts[2 * 65];
		struct sysinfo si;
		struct timeval tv;
		struct itimerval itv;
		struct itimerspec its;
		struct statx_head stx;
		struct epoll_event ee;
		struct k_clone_args ca;
		struct k_stack ss;
		uint64_t w[(16 + AT_SIGINFO_FIELDS) / 8];
	} v;

	if (!a->bytes || (a->flags & EVA_FAULTED) || a->len < size || size > sizeof(v) ||
	    (out && ev->ret < 0) || (a->type == ARG_WAIT_STATUS && ev->ret <= 0)) {
		sys_put_ptr(o, a->value, json);
		return;
	}
	memcpy(&v, a->bytes, size);
	switch (a->type) {
	case ARG_STAT_OUT:
		put_stat(o, &v.st, json);
		return;
	case ARG_TIMESPEC_IN:
	case ARG_TIMESPEC_OUT:
		put_timespec(o, &v.ts, json);
		return;
	case ARG_RLIMIT_IN:
	case ARG_RLIMIT_OUT:
		put_rlimit(o, &v.rl, json);
		return;
	case ARG_WAIT_STATUS:
		put_wait_status(o, v.status, json);
		return;
	case ARG_PIPE_FDS:
		if (!json && ev->fds) {
			/* -y: each with what it is, strace's [5<pipe:[23196]>, 6<pipe:[23196]>]. */
			out_printf(o, "[%d", v.fds[0]);
			fd_info_put_text(o, &ev->fds->pipe[0]);
			out_printf(o, ", %d", v.fds[1]);
			fd_info_put_text(o, &ev->fds->pipe[1]);
			out_putc(o, ']');
			return;
		}
		out_printf(o, json ? "[%d,%d]" : "[%d, %d]", v.fds[0], v.fds[1]);
		return;
	case ARG_SIGACTION_IN:
	case ARG_SIGACTION_OUT:
		put_sigaction(o, &v.sa, json);
		return;
	case ARG_SIGSET_IN:
	case ARG_SIGSET_OUT:
		put_sigset(o, v.sigset, json);
		return;
	case ARG_UTSNAME_OUT:
		put_utsname(o, v.uts, json);
		return;
	case ARG_SYSINFO_OUT:
		put_sysinfo(o, &v.si, json);
		return;
	case ARG_TIMEVAL_IN:
	case ARG_TIMEVAL_OUT:
		put_timeval(o, &v.tv, json);
		return;
	case ARG_STACK_IN:
	case ARG_STACK_OUT:
		put_stack(o, &v.ss, json);
		return;
	case ARG_SIGINFO_OUT: {
		/* As a delivered signal's: the fields after signo, errno and code. */
		struct event si = { .signo = (int)v.w[0],
				    .sig_errno = (int)(v.w[0] >> 32),
				    .sig_code = (int)v.w[1] };

		memcpy(si.sig_fields, a->bytes + 16, AT_SIGINFO_FIELDS);
		sig_put_info(o, &si, json);
		return;
	}
	case ARG_ITIMERVAL_IN:
	case ARG_ITIMERVAL_OUT:
		put_itimerval(o, &v.itv, json);
		return;
	case ARG_ITIMERSPEC_IN:
	case ARG_ITIMERSPEC_OUT:
		put_itimerspec(o, &v.its, json);
		return;
	case ARG_STATX_OUT:
		put_statx(o, &v.stx, json);
		return;
	case ARG_EPOLL_EVENT_IN:
		put_epoll_event(o, &v.ee, json);
		return;
	case ARG_CLONE_ARGS_IN:
		/* strace's: a size short of the fields through tls, the address. */
		if (ev->nargs > 1 && ev->args[1].value < 64)
			break;
		put_clone_args(o, ev, &v.ca, json);
		return;
	}
	sys_put_ptr(o, a->value, json);
}

/*
 * A string or buffer argument from its capture slot; the pointer when there is
 * nothing to show: unreadable, not captured, or an output buffer of a failed call.
 */
static void put_captured(struct out *o, const struct event *ev, const struct event_arg *a,
			 bool json)
{
	bool gone = ev->flags & EV_ARGS_GONE, faulted = a->flags & EVA_FAULTED;
	size_t len = a->len;

	/*
	 * After a successful exec the registers are the new image's: the slot
	 * has the path, or there is nothing to show but ?.
	 */
	if (gone && (!a->bytes || faulted)) {
		out_puts(o, json ? "null" : "?");
		return;
	}
	if ((!a->value && !gone) || !a->bytes || faulted ||
	    (a->type == ARG_BUF_OUT && ev->ret < 0)) {
		sys_put_ptr(o, a->value, json);
		return;
	}
	/* getcwd's length counts the terminating NUL. */
	if (ev->nr == SYS_getcwd && len && !a->bytes[len - 1])
		len--;
	out_putc(o, '"');
	if (json) {
		out_escape_json(o, a->bytes, len);
		out_putc(o, '"');
		return;
	}
	/* Random bytes are all in hex, as strace prints them. */
	if (ev->sys && ev->sys->name && !strcmp(ev->sys->name, "getrandom"))
		out_escape_hex(o, a->bytes, len);
	else
		out_escape_c(o, a->bytes, len);
	out_puts(o, (a->flags & EVA_TRUNCATED) ? "\"..." : "\"");
}

/* -s: the bytes shown of each argv string (the kernel reads them whole, as far as the slot goes). */
static unsigned argv_str_max = 64;

void sys_set_str_max(unsigned n)
{
	argv_str_max = n;
}

/* The head of an argv slot; false when the slot has none (not read, unreadable, hostile). */
static bool argv_head(const struct event_arg *a, struct at_argv_head *h)
{
	if (!a || a->type != ARG_ARGV || !a->bytes || a->len < sizeof(*h) ||
	    (a->flags & EVA_FAULTED))
		return false;
	memcpy(h, a->bytes, sizeof(*h));
	return true;
}

/*
 * execve's argv as strace prints it, ["ls", "-la"], each string cut at -s,
 * at most -s of them, and "..." after the last one shown when there are
 * more; a JSON array of
 * strings. Without its slot: the address, or ? after a successful exec.
 */
static void put_argv(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	struct at_argv_head h;
	const char *p, *end;
	unsigned shown = 0;
	bool last_cut = false;

	if (!argv_head(a, &h)) {
		if (ev->flags & EV_ARGS_GONE)
			out_puts(o, json ? "null" : "?");
		else
			sys_put_ptr(o, a->value, json);
		return;
	}
	p = a->bytes + sizeof(h);
	end = a->bytes + a->len;
	out_putc(o, '[');
	/* At most -s strings, as strace's arrays. */
	for (; p < end && shown < h.argc && (json || shown < argv_str_max); shown++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);
		size_t m = !json && n > argv_str_max ? argv_str_max : n;

		out_puts(o, shown ? (json ? ",\"" : ", \"") : "\"");
		if (json)
			out_escape_json(o, p, n);
		else
			out_escape_c(o, p, m);
		out_puts(o, !json && (m < n || !nul) ? "\"..." : "\"");
		last_cut = !nul;
		p = nul ? nul + 1 : end;
	}
	/* More strings than the slot held (a failed call's count is of those read: the flag says). */
	if (!json && (shown < h.argc || ((a->flags & EVA_TRUNCATED) && !last_cut)))
		out_puts(o, shown ? ", ..." : "...");
	out_putc(o, ']');
}

/*
 * envp: its address (? when a successful exec took it, NULL), then the count
 * of its variables as strace's comment, from argv's slot; JSON
 * {"addr":...,"vars":N}.
 */
/*
 * getdents64's buffer: its address and, after a successful call, the count
 * of the entries in it, strace's "0x55d0c0a1b2c0 / * 25 entries * /" (JSON
 * {"addr":"0x...","entries":25}, null when not counted).
 */
static void put_dirents(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	uint32_t n = 0;
	bool counted = ev->ret == 0 && !ev->err;

	if (!counted && !ev->err && ev->ret > 0 && a->bytes && a->len == sizeof(n)) {
		memcpy(&n, a->bytes, sizeof(n));
		counted = true;
	}
	if (json) {
		out_puts(o, "{\"addr\":");
		sys_put_ptr(o, a->value, true);
		if (counted)
			out_printf(o, ",\"entries\":%u}", n);
		else
			out_puts(o, ",\"entries\":null}");
		return;
	}
	sys_put_ptr(o, a->value, false);
	if (counted)
		out_printf(o, " /* %u entries */", n);
}

static void put_envp(struct out *o, const struct event *ev, unsigned i, bool json)
{
	const struct event_arg *a = &ev->args[i];
	struct at_argv_head h;
	bool counted = i && argv_head(&ev->args[i - 1], &h) && h.envc >= 0;
	bool gone = ev->flags & EV_ARGS_GONE;

	if (json) {
		out_puts(o, "{\"addr\":");
		if (gone)
			out_puts(o, "null");
		else
			sys_put_ptr(o, a->value, true);
		out_puts(o, ",\"vars\":");
		if (counted)
			out_printf(o, "%d}", h.envc);
		else
			out_puts(o, "null}");
		return;
	}
	if (gone)
		out_putc(o, '?');
	else
		sys_put_ptr(o, a->value, false);
	if (counted && (gone || a->value))
		out_printf(o, " /* %d var%s */", h.envc, h.envc == 1 ? "" : "s");
}

/*
 * fcntl's third argument as its command takes it: F_SETFL's open flags,
 * F_SETFD's FD_CLOEXEC, F_SETSIG's signal, a number for F_DUPFD, F_SETOWN,
 * F_SETPIPE_SZ...; false for the commands whose argument is a pointer or
 * other (shown as the table says).
 */
static bool put_fcntl_arg(struct out *o, const struct event *ev, bool json)
{
	unsigned long long v = ev->args[2].value;

	switch ((int)ev->args[1].value) {
	case F_SETFL:
	case F_SETFD:
	case F_SETSIG: {
		char names[256], raw[32];
		struct out n = out_init(names, sizeof(names));

		if ((int)ev->args[1].value == F_SETFL)
			put_open_flags(&n, (unsigned)v);
		else if ((int)ev->args[1].value == F_SETFD)
			put_flags(&n, (unsigned)v, fd_flags, ARRAY_SIZE(fd_flags), NULL);
		else
			put_signal(&n, (int)v);
		out_end(&n);
		snprintf(raw, sizeof(raw), (int)ev->args[1].value == F_SETSIG ? "%d" : "%#x",
			 (unsigned)v);
		put_xlat(o, json, raw, names);
		return true;
	}
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
	case F_SETOWN:
	case F_SETLEASE:
	case F_NOTIFY:
	case F_SETPIPE_SZ:
	case F_ADD_SEALS:
		out_i64(o, (int)v);
		return true;
	}
	return false;
}

/* futex's words that are not what the table says by op: val2, and val3 as a bitset. */
static bool put_futex_arg(struct out *o, const struct event *ev, unsigned i, bool json)
{
	unsigned cmd = (unsigned)ev->args[1].value & 127;
	__u64 v = ev->args[i].value;

	if (i == 3 && (cmd == K_FUTEX_REQUEUE || cmd == K_FUTEX_CMP_REQUEUE ||
		       cmd == K_FUTEX_CMP_REQUEUE_PI || cmd == K_FUTEX_WAKE_OP)) {
		out_u64(o, (unsigned)v);
		return true;
	}
	if (i == 5 && (cmd == K_FUTEX_WAIT_BITSET || cmd == K_FUTEX_WAKE_BITSET) &&
	    (unsigned)v == 0xffffffffu) {
		put_xlat(o, json, "0xffffffff", "FUTEX_BITSET_MATCH_ANY");
		return true;
	}
	return false;
}

/*
 * Whether argument i is one the call takes, as strace shows them: the rest
 * are stale registers (fcntl(3, F_GETFL), futex's unused words by op).
 */
static bool arg_taken(const struct event *ev, unsigned i)
{
	if (ev->nr == SYS_fcntl && i == 2) {
		switch ((int)ev->args[1].value) {
		case F_GETFD:
		case F_GETFL:
		case F_GETOWN:
		case F_GETSIG:
		case F_GETLEASE:
		case F_GETPIPE_SZ:
		case F_GET_SEALS:
			return false;
		}
		return true;
	}
	/* preadv's offset is pos_l alone on 64-bit: strace prints one offset. */
	if ((ev->nr == SYS_preadv || ev->nr == SYS_pwritev || ev->nr == SYS_preadv2 ||
	     ev->nr == SYS_pwritev2) &&
	    i == 4)
		return false;
	if (ev->nr == SYS_futex && i >= 2) {
		/* Bit i - 2 set: val, utime (or val2), uaddr2, val3 taken. */
		static const unsigned char taken[] = {
			[K_FUTEX_WAIT] = 0x3,
			[K_FUTEX_WAKE] = 0x1,
			[K_FUTEX_FD] = 0x1,
			[K_FUTEX_REQUEUE] = 0x7,
			[K_FUTEX_CMP_REQUEUE] = 0xf,
			[K_FUTEX_WAKE_OP] = 0xf,
			[K_FUTEX_LOCK_PI] = 0x2,
			[K_FUTEX_UNLOCK_PI] = 0,
			[K_FUTEX_TRYLOCK_PI] = 0,
			[K_FUTEX_WAIT_BITSET] = 0xb,
			[K_FUTEX_WAKE_BITSET] = 0x9,
			[K_FUTEX_WAIT_REQUEUE_PI] = 0x7,
			[K_FUTEX_CMP_REQUEUE_PI] = 0xf,
			[K_FUTEX_LOCK_PI2] = 0x2,
		};
		unsigned cmd = (unsigned)ev->args[1].value & 127;

		return cmd >= ARRAY_SIZE(taken) || (taken[cmd] >> (i - 2) & 1);
	}
	return true;
}

bool sys_arg_taken(const struct event *ev, unsigned i)
{
	return i < ev->nargs && (!ev->sys || arg_taken(ev, i));
}

static void put_arg(struct out *o, const struct event *ev, unsigned i, bool json)
{
	const struct event_arg *a = &ev->args[i];
	unsigned kind = a->type;
	__u64 v = a->value;

	if (kind == ARG_ARGV) {
		put_argv(o, ev, a, json);
		return;
	}
	if (kind == ARG_ENVP) {
		put_envp(o, ev, i, json);
		return;
	}
	/* A successful exec seen at its exit: only the path (kept at exec) and argv are known. */
	if ((ev->flags & EV_ARGS_GONE) && !a->bytes) {
		out_puts(o, json ? "null" : "?");
		return;
	}
	if (ev->nr == SYS_fcntl && i == 2 && put_fcntl_arg(o, ev, json))
		return;
	if (ev->nr == SYS_futex && put_futex_arg(o, ev, i, json))
		return;
	if (sock_kind(kind)) {
		sock_put_arg(o, ev, i, json);
		return;
	}
	switch (kind) {
	case ARG_UINT:
		out_u64(o, v);
		return;
	case ARG_LONG:
		out_i64(o, (int64_t)v);
		return;
	case ARG_HEX:
		if (json)
			out_u64(o, v);
		else
			out_hex(o, v);
		return;
	case ARG_PTR:
		sys_put_ptr(o, v, json);
		return;
	case ARG_STAT_OUT:
	case ARG_TIMESPEC_IN:
	case ARG_TIMESPEC_OUT:
	case ARG_WAIT_STATUS:
	case ARG_PIPE_FDS:
	case ARG_RLIMIT_IN:
	case ARG_RLIMIT_OUT:
	case ARG_SIGACTION_IN:
	case ARG_SIGACTION_OUT:
	case ARG_SIGSET_IN:
	case ARG_SIGSET_OUT:
	case ARG_UTSNAME_OUT:
	case ARG_SYSINFO_OUT:
	case ARG_TIMEVAL_IN:
	case ARG_TIMEVAL_OUT:
	case ARG_ITIMERVAL_IN:
	case ARG_ITIMERVAL_OUT:
	case ARG_ITIMERSPEC_IN:
	case ARG_ITIMERSPEC_OUT:
	case ARG_STATX_OUT:
	case ARG_EPOLL_EVENT_IN:
	case ARG_CLONE_ARGS_IN:
	case ARG_STACK_IN:
	case ARG_STACK_OUT:
	case ARG_SIGINFO_OUT:
		put_obj(o, ev, a, json);
		return;
	case ARG_SOCKOPT_VAL_OUT:
		if (!put_sockopt_out(o, ev, a, json))
			sys_put_ptr(o, v, json);
		return;
	case ARG_OPTLEN_INOUT:
		if (!put_optlen(o, ev, a, json))
			sys_put_ptr(o, v, json);
		return;
	case ARG_POLLFDS:
		if (!put_pollfds(o, ev, a, false, json))
			sys_put_ptr(o, v, json);
		return;
	case ARG_DIRENTS:
		put_dirents(o, ev, a, json);
		return;
	case ARG_SOCKOPT_VAL:
		/* An int option, strace's [1]; any other length as its bytes. */
		if (a->bytes && !(a->flags & (EVA_FAULTED | EVA_TRUNCATED)) &&
		    a->len == sizeof(int) && ev->nargs > 4 && ev->args[4].value == sizeof(int)) {
			int iv;

			memcpy(&iv, a->bytes, sizeof(iv));
			out_printf(o, json ? "%d" : "[%d]", iv);
			return;
		}
		put_captured(o, ev, a, json);
		return;
	case ARG_FDSET:
		if (!put_fdset(o, ev, a, json))
			sys_put_ptr(o, v, json);
		return;
	case ARG_TIMEVAL_INOUT:
	case ARG_TIMESPEC_INOUT:
		if (!put_inout(o, ev, a, json))
			sys_put_ptr(o, v, json);
		return;
	case ARG_EPOLL_EVENTS_OUT:
		if (!put_epoll_events(o, ev, a, json))
			sys_put_ptr(o, v, json);
		return;
	case ARG_PATH:
	case ARG_STR:
	case ARG_BUF_IN:
	case ARG_BUF_OUT:
		put_captured(o, ev, a, json);
		return;
	case ARG_DIRFD:
		if (json)
			break;
		if (xlat_style == XLAT_RAW)
			put_raw(o, kind, v);
		else if (xlat_style == XLAT_VERBOSE)
			put_verbose(o, ev, kind, v);
		else
			put_abbrev(o, ev, kind, v);
		/* -y: what it is (AT_FDCWD: the cwd). */
		if (ev->fds)
			fd_info_put_text(o, &ev->fds->arg[i]);
		return;
	}
	/* -y: what the fd is, strace's 3</etc/passwd> (JSON has them apart: "fds"). */
	if ((kind == ARG_FD || kind == ARG_DIRFD) && ev->fds && !json) {
		out_i64(o, (int)v);
		fd_info_put_text(o, &ev->fds->arg[i]);
		return;
	}
	if (!is_symbolic(kind)) {
		out_i64(o, (int)v);
		return;
	}
	if (json) {
		out_putc(o, '"');
		put_abbrev(o, ev, kind, v);
		out_putc(o, '"');
	} else if (xlat_style != XLAT_RAW && put_unknown_enum(o, kind, v)) {
		/* strace's 0x9 / * SEEK_??? * /: a value of no name, by its table's prefix. */
	} else if (xlat_style == XLAT_RAW) {
		put_raw(o, kind, v);
	} else if (xlat_style == XLAT_VERBOSE) {
		put_verbose(o, ev, kind, v);
	} else {
		put_abbrev(o, ev, kind, v);
	}
}

/* open's mode is read only with O_CREAT or O_TMPFILE; strace leaves it out otherwise. */
static bool mode_ignored(const struct event *ev, unsigned i)
{
	unsigned flags;

	if (ev->args[i].type != ARG_MODE || i == 0 || i + 1 != ev->nargs ||
	    ev->args[i - 1].type != ARG_OPEN_FLAGS)
		return false;
	flags = (unsigned)ev->args[i - 1].value;
	return !(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE;
}

void sys_put_args(struct out *o, const struct event *ev)
{
	if (!ev->sys) {
		/* Unknown to us: the six registers, as strace shows unknown calls. */
		for (unsigned i = 0; i < ev->nargs; i++)
			out_printf(o, "%s%#llx", i ? ", " : "",
				   (unsigned long long)ev->args[i].value);
		return;
	}
	for (unsigned i = 0; i < ev->nargs; i++) {
		if (mode_ignored(ev, i))
			break;
		if (!arg_taken(ev, i))
			continue;
		if (i)
			out_puts(o, ", ");
		put_arg(o, ev, i, false);
	}
}

void sys_put_arg_json(struct out *o, const struct event *ev, unsigned i)
{
	if (i >= ev->nargs)
		out_puts(o, "null");
	else if (!ev->sys)
		out_u64(o, ev->args[i].value);
	else
		put_arg(o, ev, i, true);
}

void sys_put_ret(struct out *o, const struct event *ev)
{
	unsigned kind = ev->sys ? ev->sys->ret : ARG_INT;
	long long r = ev->ret;

	if ((ev->flags & EV_NORETURN) || (ev->sys && ev->sys->noreturn)) {
		out_putc(o, '?');
	} else if (ev->err) {
		const char *name = errno_name(ev->err);

		/* A call to be restarted has no result yet; strace shows "?" too. */
		out_puts(o, errno_restarts(ev->err) ? "? " : "-1 ");
		if (name)
			out_puts(o, name);
		else
			out_printf(o, "errno %d", ev->err);
		out_printf(o, " (%s)", errno_desc(ev->err));
	} else if ((kind == ARG_PTR || kind == ARG_HEX) && r) {
		out_hex(o, (unsigned long long)r);
	} else if (ev->sys && ev->nargs && ev->args[0].type == ARG_POLLFDS && r >= 0) {
		/* strace's: "1 ([{fd=3, revents=POLLIN}])", "0 (Timeout)". */
		out_i64(o, r);
		if (!r) {
			out_puts(o, " (Timeout)");
		} else if (ev->args[0].bytes) {
			/* ppoll: ", left {tv_sec=0, tv_nsec=998000}" after the revents. */
			out_puts(o, " (");
			put_pollfds(o, ev, &ev->args[0], true, false);
			put_left(o, ev, ", ");
			out_putc(o, ')');
		}
	} else if (ev->sys && ev->nargs > 3 && ev->args[1].type == ARG_FDSET && r >= 0) {
		put_select_ret(o, ev, r);
	} else if (ev->sys && ev->sys->name && !strcmp(ev->sys->name, "rt_sigtimedwait") && r > 0 &&
		   signal_name((int)r)) {
		/* strace's "10 (SIGUSR1)": the signal taken. */
		out_printf(o, "%lld (%s)", r, signal_name((int)r));
	} else if (ev->nr == SYS_fcntl && r >= 0 &&
		   ((int)ev->args[1].value == F_GETFL ||
		    ((int)ev->args[1].value == F_GETFD && r))) {
		/* strace's way: the flags after the number (F_GETFL's O_RDONLY is 0). */
		out_printf(o, r ? "%#llx (flags " : "%lld (flags ", r);
		if ((int)ev->args[1].value == F_GETFL) {
			/* strace names F_GETFL's flags whatever -X says. */
			put_open_flags(o, (unsigned)r);
		} else {
			char names[64], raw[32];
			struct out n = out_init(names, sizeof(names));

			put_flags(&n, (unsigned)r, fd_flags, ARRAY_SIZE(fd_flags), NULL);
			out_end(&n);
			snprintf(raw, sizeof(raw), "%#llx", r);
			put_xlat(o, false, raw, names);
		}
		out_putc(o, ')');
	} else {
		out_i64(o, r);
		/* -y: the fd the call made, as it is after the call. */
		if (ev->fds && kind == ARG_FD)
			fd_info_put_text(o, &ev->fds->ret);
	}
}

/* A rendering of a bare syscall record into buf, snprintf convention. */
static size_t decode_rec(const struct at_call_rec *rec, char *buf, size_t size,
			 void (*put)(struct out *o, const struct event *ev))
{
	struct out o = out_init(buf, size);
	struct event ev;

	decode_syscall_rec(rec, &ev);
	put(&o, &ev);
	return out_end(&o);
}

size_t decode_args(const struct at_call_rec *rec, char *buf, size_t size)
{
	return decode_rec(rec, buf, size, sys_put_args);
}

size_t decode_ret(const struct at_call_rec *rec, char *buf, size_t size)
{
	return decode_rec(rec, buf, size, sys_put_ret);
}

size_t decode_arg_json(const struct at_call_rec *rec, unsigned i, char *buf, size_t size)
{
	struct out o = out_init(buf, size);
	struct event ev;

	decode_syscall_rec(rec, &ev);
	sys_put_arg_json(&o, &ev, i);
	return out_end(&o);
}

/* si_code names: those of any signal, then of the signal's own (strace's order). */
static const struct sym si_codes[] = {
	SYM(SI_USER),	 SYM(SI_KERNEL), SYM(SI_QUEUE), SYM(SI_TIMER),	 SYM(SI_MESGQ),
	SYM(SI_ASYNCIO), SYM(SI_SIGIO),	 SYM(SI_TKILL), SYM(SI_ASYNCNL),
};
static const struct sym chld_codes[] = {
	SYM(CLD_EXITED),  SYM(CLD_KILLED),  SYM(CLD_DUMPED),
	SYM(CLD_TRAPPED), SYM(CLD_STOPPED), SYM(CLD_CONTINUED),
};
static const struct sym segv_codes[] = {
	SYM(SEGV_MAPERR),
	SYM(SEGV_ACCERR),
	SYM(SEGV_BNDERR),
	SYM(SEGV_PKUERR),
};
static const struct sym bus_codes[] = {
	SYM(BUS_ADRALN), SYM(BUS_ADRERR), SYM(BUS_OBJERR), SYM(BUS_MCEERR_AR), SYM(BUS_MCEERR_AO),
};
static const struct sym ill_codes[] = {
	SYM(ILL_ILLOPC), SYM(ILL_ILLOPN), SYM(ILL_ILLADR), SYM(ILL_ILLTRP),
	SYM(ILL_PRVOPC), SYM(ILL_PRVREG), SYM(ILL_COPROC), SYM(ILL_BADSTK),
};
static const struct sym fpe_codes[] = {
	SYM(FPE_INTDIV), SYM(FPE_INTOVF), SYM(FPE_FLTDIV), SYM(FPE_FLTOVF),
	SYM(FPE_FLTUND), SYM(FPE_FLTRES), SYM(FPE_FLTINV), SYM(FPE_FLTSUB),
};
static const struct sym trap_codes[] = {
	SYM(TRAP_BRKPT),
	SYM(TRAP_TRACE),
	SYM(TRAP_BRANCH),
	SYM(TRAP_HWBKPT),
};
static const struct sym poll_codes[] = {
	SYM(POLL_IN), SYM(POLL_OUT), SYM(POLL_MSG), SYM(POLL_ERR), SYM(POLL_PRI), SYM(POLL_HUP),
};

static const char *si_code_name(int signo, int code)
{
	const char *name = sym_lookup(si_codes, ARRAY_SIZE(si_codes), (unsigned long long)code);

	if (name || code <= 0)
		return name;
	switch (signo) {
	case SIGCHLD:
		return sym_lookup(chld_codes, ARRAY_SIZE(chld_codes), (unsigned)code);
	case SIGSEGV:
		return sym_lookup(segv_codes, ARRAY_SIZE(segv_codes), (unsigned)code);
	case SIGBUS:
		return sym_lookup(bus_codes, ARRAY_SIZE(bus_codes), (unsigned)code);
	case SIGILL:
		return sym_lookup(ill_codes, ARRAY_SIZE(ill_codes), (unsigned)code);
	case SIGFPE:
		return sym_lookup(fpe_codes, ARRAY_SIZE(fpe_codes), (unsigned)code);
	case SIGTRAP:
		return sym_lookup(trap_codes, ARRAY_SIZE(trap_codes), (unsigned)code);
	case SIGIO:
		return sym_lookup(poll_codes, ARRAY_SIZE(poll_codes), (unsigned)code);
	case SIGSYS:
		return code == 1 ? "SYS_SECCOMP" : NULL;
	}
	return NULL;
}

/* A siginfo field: text "name=value", JSON "name":value; strings quoted in JSON. */
static void sig_field(struct out *o, bool json, const char *name, const char *str, long long num,
		      bool hex)
{
	out_puts(o, json ? ",\"" : ", ");
	out_puts(o, name);
	out_puts(o, json ? "\":" : "=");
	if (str) {
		if (json)
			out_putc(o, '"');
		out_puts(o, str);
		if (json)
			out_putc(o, '"');
	} else if (hex && !num) {
		out_puts(o, json ? "null" : "NULL");
	} else if (hex) {
		if (json)
			out_putc(o, '"');
		out_hex(o, (unsigned long long)num);
		if (json)
			out_putc(o, '"');
	} else {
		out_i64(o, num);
	}
}

/* A signal's name, or its number when it has none. */
static const char *sig_name(int sig, char *buf, size_t size)
{
	const char *name = signal_name(sig);

	if (name)
		return name;
	snprintf(buf, size, "%d", sig);
	return buf;
}

void sig_put_info(struct out *o, const struct event *ev, bool json)
{
	siginfo_t si;
	char b1[16], b2[16];
	const char *code = si_code_name(ev->signo, ev->sig_code);
	bool source = false, value = false;

	_Static_assert(offsetof(siginfo_t, si_pid) == 16, "siginfo_t's union at byte 16");
	_Static_assert(sizeof(si) >= 16 + AT_SIGINFO_FIELDS, "siginfo_t holds the fields");
	memset(&si, 0, sizeof(si));
	memcpy((char *)&si + 16, ev->sig_fields, AT_SIGINFO_FIELDS);
	out_puts(o, json ? "{\"si_signo\":\"" : "{si_signo=");
	out_puts(o, sig_name(ev->signo, b1, sizeof(b1)));
	out_puts(o, json ? "\",\"si_code\":" : ", si_code=");
	if (code && json)
		out_printf(o, "\"%s\"", code);
	else if (code)
		out_puts(o, code);
	else
		out_i64(o, ev->sig_code);
	if (ev->sig_errno) {
		const char *e = errno_name(ev->sig_errno);

		sig_field(o, json, "si_errno", e, ev->sig_errno, false);
	}
	if (ev->sig_code <= 0) {
		/* From a process (kill, tgkill, sigqueue) or a timer. */
		switch (ev->sig_code) {
		case SI_TIMER:
			sig_field(o, json, "si_timerid", NULL, si.si_timerid, true);
			sig_field(o, json, "si_overrun", NULL, si.si_overrun, false);
			value = true;
			break;
		case SI_SIGIO:
			sig_field(o, json, "si_band", NULL, si.si_band, false);
			sig_field(o, json, "si_fd", NULL, si.si_fd, false);
			break;
		case SI_USER:
		case SI_TKILL:
			source = true;
			break;
		default:
			source = true;
			value = si.si_ptr != NULL;
		}
	} else {
		switch (ev->signo) {
		case SIGCHLD:
			sig_field(o, json, "si_pid", NULL, si.si_pid, false);
			sig_field(o, json, "si_uid", NULL, si.si_uid, false);
			if (ev->sig_code == CLD_EXITED)
				sig_field(o, json, "si_status", NULL, si.si_status, false);
			else
				sig_field(o, json, "si_status",
					  sig_name(si.si_status, b2, sizeof(b2)), 0, false);
			sig_field(o, json, "si_utime", NULL, si.si_utime, false);
			sig_field(o, json, "si_stime", NULL, si.si_stime, false);
			break;
		case SIGILL:
		case SIGFPE:
		case SIGBUS:
		case SIGSEGV:
		case SIGTRAP:
			sig_field(o, json, "si_addr", NULL, (long long)(uintptr_t)si.si_addr, true);
			break;
		case SIGIO:
			sig_field(o, json, "si_band", NULL, si.si_band, false);
			sig_field(o, json, "si_fd", NULL, si.si_fd, false);
			break;
		default:
			source = si.si_pid || si.si_uid;
			value = si.si_ptr != NULL;
		}
	}
	if (source) {
		sig_field(o, json, "si_pid", NULL, si.si_pid, false);
		sig_field(o, json, "si_uid", NULL, si.si_uid, false);
	}
	if (value) {
		sig_field(o, json, "si_int", NULL, si.si_int, false);
		sig_field(o, json, "si_ptr", NULL, (long long)(uintptr_t)si.si_ptr, true);
	}
	out_putc(o, '}');
}
