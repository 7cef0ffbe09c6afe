// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Syscall names, classes, capture specs, and the strace-style decoding of
 * syscall records. Everything here formats into caller buffers with the
 * snprintf convention: no allocation on the per-record paths.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_PATH, O_TMPFILE, SEEK_DATA, CLONE_*, strerrordesc_np */
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strbuf.h"
#include "syscalls.h"

/* Kernel values that glibc hides (O_LARGEFILE is 0 in 64-bit glibc) or lacks. */
#define K_O_LARGEFILE 0100000
#define K_PROT_SEM 0x8
#define K_MAP_UNINITIALIZED 0x4000000
#define K_SIGRTMIN 32 /* the kernel's; glibc reserves two more for itself */
#define K_SIGRTMAX 64
#define K_MAX_ERRNO 4095     /* returns in [-4095, -1] are errors */
#define K_ERRNO_INTERNAL 512 /* ERESTARTSYS, first kernel-internal errno */
#define K_ERESTART_LAST 516  /* ERESTART_RESTARTBLOCK, last of the restart errnos */

/* Letters of the escapes that have one; other unprintable bytes become \xNN. */
static const char c_escapes[128] = {
	['\n'] = 'n', ['\t'] = 't', ['\r'] = 'r',  ['\v'] = 'v',
	['\f'] = 'f', ['"'] = '"',  ['\\'] = '\\',
};

/* JSON has fewer: \r and the rest go as \u00XX. */
static const char json_escapes[128] = {
	['\n'] = 'n',
	['\t'] = 't',
	['"'] = '"',
	['\\'] = '\\',
};

static const char hex_digits[] = "0123456789abcdef";

static void out_escape(struct out *o, const char *s, size_t n, const char *escapes,
		       const char *hex_prefix)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x80 && escapes[c]) {
			out_putc(o, '\\');
			out_putc(o, escapes[c]);
		} else if (c >= 0x20 && c < 0x7f) {
			out_putc(o, c);
		} else {
			out_puts(o, hex_prefix);
			out_putc(o, hex_digits[c >> 4]);
			out_putc(o, hex_digits[c & 0xf]);
		}
	}
}

static void out_escape_c(struct out *o, const char *s, size_t n)
{
	out_escape(o, s, n, c_escapes, "\\x");
}

/* Bytes >= 0x7f become \u00XX too: captured data need not be valid UTF-8. */
static void out_escape_json(struct out *o, const char *s, size_t n)
{
	out_escape(o, s, n, json_escapes, "\\u00");
}

size_t escape_c(const char *s, size_t n, char *buf, size_t size)
{
	struct out o = out_init(buf, size);

	out_escape_c(&o, s, n);
	return out_end(&o);
}

size_t escape_json(const char *s, size_t n, char *buf, size_t size)
{
	struct out o = out_init(buf, size);

	out_escape_json(&o, s, n);
	return out_end(&o);
}

/* Names */

#define NAME(x) [x] = #x

/* clang-format off */
static const char *const errno_names[] = {
	NAME(EPERM), NAME(ENOENT), NAME(ESRCH), NAME(EINTR), NAME(EIO), NAME(ENXIO), NAME(E2BIG),
	NAME(ENOEXEC), NAME(EBADF), NAME(ECHILD), NAME(EAGAIN), NAME(ENOMEM), NAME(EACCES),
	NAME(EFAULT), NAME(ENOTBLK), NAME(EBUSY), NAME(EEXIST), NAME(EXDEV), NAME(ENODEV),
	NAME(ENOTDIR), NAME(EISDIR), NAME(EINVAL), NAME(ENFILE), NAME(EMFILE), NAME(ENOTTY),
	NAME(ETXTBSY), NAME(EFBIG), NAME(ENOSPC), NAME(ESPIPE), NAME(EROFS), NAME(EMLINK),
	NAME(EPIPE), NAME(EDOM), NAME(ERANGE), NAME(EDEADLK), NAME(ENAMETOOLONG), NAME(ENOLCK),
	NAME(ENOSYS), NAME(ENOTEMPTY), NAME(ELOOP), NAME(ENOMSG), NAME(EIDRM), NAME(ECHRNG),
	NAME(EL2NSYNC), NAME(EL3HLT), NAME(EL3RST), NAME(ELNRNG), NAME(EUNATCH), NAME(ENOCSI),
	NAME(EL2HLT), NAME(EBADE), NAME(EBADR), NAME(EXFULL), NAME(ENOANO), NAME(EBADRQC),
	NAME(EBADSLT), NAME(EBFONT), NAME(ENOSTR), NAME(ENODATA), NAME(ETIME), NAME(ENOSR),
	NAME(ENONET), NAME(ENOPKG), NAME(EREMOTE), NAME(ENOLINK), NAME(EADV), NAME(ESRMNT),
	NAME(ECOMM), NAME(EPROTO), NAME(EMULTIHOP), NAME(EDOTDOT), NAME(EBADMSG), NAME(EOVERFLOW),
	NAME(ENOTUNIQ), NAME(EBADFD), NAME(EREMCHG), NAME(ELIBACC), NAME(ELIBBAD), NAME(ELIBSCN),
	NAME(ELIBMAX), NAME(ELIBEXEC), NAME(EILSEQ), NAME(ERESTART), NAME(ESTRPIPE), NAME(EUSERS),
	NAME(ENOTSOCK), NAME(EDESTADDRREQ), NAME(EMSGSIZE), NAME(EPROTOTYPE), NAME(ENOPROTOOPT),
	NAME(EPROTONOSUPPORT), NAME(ESOCKTNOSUPPORT), NAME(EOPNOTSUPP), NAME(EPFNOSUPPORT),
	NAME(EAFNOSUPPORT), NAME(EADDRINUSE), NAME(EADDRNOTAVAIL), NAME(ENETDOWN),
	NAME(ENETUNREACH), NAME(ENETRESET), NAME(ECONNABORTED), NAME(ECONNRESET), NAME(ENOBUFS),
	NAME(EISCONN), NAME(ENOTCONN), NAME(ESHUTDOWN), NAME(ETOOMANYREFS), NAME(ETIMEDOUT),
	NAME(ECONNREFUSED), NAME(EHOSTDOWN), NAME(EHOSTUNREACH), NAME(EALREADY), NAME(EINPROGRESS),
	NAME(ESTALE), NAME(EUCLEAN), NAME(ENOTNAM), NAME(ENAVAIL), NAME(EISNAM), NAME(EREMOTEIO),
	NAME(EDQUOT), NAME(ENOMEDIUM), NAME(EMEDIUMTYPE), NAME(ECANCELED), NAME(ENOKEY),
	NAME(EKEYEXPIRED), NAME(EKEYREVOKED), NAME(EKEYREJECTED), NAME(EOWNERDEAD),
	NAME(ENOTRECOVERABLE), NAME(ERFKILL), NAME(EHWPOISON),
};
/* clang-format on */

/*
 * Kernel-internal errnos (include/linux/errno.h): never seen by a program, but
 * sys_exit sees them before signal delivery turns them into EINTR or a restart.
 */
static const struct {
	const char *name;
	const char *desc;
} kernel_errnos[] = {
	{ "ERESTARTSYS", "To be restarted if SA_RESTART is set" },
	{ "ERESTARTNOINTR", "To be restarted" },
	{ "ERESTARTNOHAND", "To be restarted if no handler" },
	{ "ENOIOCTLCMD", "No ioctl command" },
	{ "ERESTART_RESTARTBLOCK", "Interrupted by signal" },
	{ "EPROBE_DEFER", "Driver requests probe retry" },
	{ "EOPENSTALE", "Open found a stale dentry" },
	{ "ENOPARAM", "Parameter not supported" },
	{ NULL, NULL },
	{ "EBADHANDLE", "Illegal NFS file handle" },
	{ "ENOTSYNC", "Update synchronization mismatch" },
	{ "EBADCOOKIE", "Cookie is stale" },
	{ "ENOTSUPP", "Operation is not supported" },
	{ "ETOOSMALL", "Buffer or request is too small" },
	{ "ESERVERFAULT", "An untranslatable error occurred" },
	{ "EBADTYPE", "Type not supported by server" },
	{ "EJUKEBOX", "Request initiated, but will not complete before timeout" },
	{ "EIOCBQUEUED", "iocb queued, will get completion event" },
	{ "ERECALLCONFLICT", "Conflict with recalled state" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *errno_name(int err)
{
	unsigned k = (unsigned)err - K_ERRNO_INTERNAL;

	if (err > 0 && (size_t)err < ARRAY_SIZE(errno_names))
		return errno_names[err];
	if (k < ARRAY_SIZE(kernel_errnos))
		return kernel_errnos[k].name;
	return NULL;
}

static const char *errno_desc(int err)
{
	unsigned k = (unsigned)err - K_ERRNO_INTERNAL;
	const char *d;

	if (k < ARRAY_SIZE(kernel_errnos) && kernel_errnos[k].desc)
		return kernel_errnos[k].desc;
	/* strerrordesc_np: thread-safe and untranslated, unlike strerror. */
	d = strerrordesc_np(err);
	return d ? d : "Unknown error";
}

/* clang-format off */
static const char *const signal_names[] = {
	NAME(SIGHUP), NAME(SIGINT), NAME(SIGQUIT), NAME(SIGILL), NAME(SIGTRAP), NAME(SIGABRT),
	NAME(SIGBUS), NAME(SIGFPE), NAME(SIGKILL), NAME(SIGUSR1), NAME(SIGSEGV), NAME(SIGUSR2),
	NAME(SIGPIPE), NAME(SIGALRM), NAME(SIGTERM), NAME(SIGSTKFLT), NAME(SIGCHLD), NAME(SIGCONT),
	NAME(SIGSTOP), NAME(SIGTSTP), NAME(SIGTTIN), NAME(SIGTTOU), NAME(SIGURG), NAME(SIGXCPU),
	NAME(SIGXFSZ), NAME(SIGVTALRM), NAME(SIGPROF), NAME(SIGWINCH), NAME(SIGIO), NAME(SIGPWR),
	NAME(SIGSYS),
};
/* clang-format on */

static const char *const rt_signal_names[K_SIGRTMAX - K_SIGRTMIN + 1] = {
	"SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
	"SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
	"SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+16", "SIGRTMIN+17",
	"SIGRTMIN+18", "SIGRTMIN+19", "SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23",
	"SIGRTMIN+24", "SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27", "SIGRTMIN+28", "SIGRTMIN+29",
	"SIGRTMIN+30", "SIGRTMIN+31", "SIGRTMIN+32",
};

const char *signal_name(int sig)
{
	if (sig > 0 && (size_t)sig < ARRAY_SIZE(signal_names))
		return signal_names[sig];
	if (sig >= K_SIGRTMIN && sig <= K_SIGRTMAX)
		return rt_signal_names[sig - K_SIGRTMIN];
	return NULL;
}

static const struct {
	const char *name;
	unsigned bit;
} class_names[] = {
	{ "file", SC_FILE },	 { "network", SC_NETWORK }, { "process", SC_PROCESS },
	{ "memory", SC_MEMORY }, { "signal", SC_SIGNAL },   { "ipc", SC_IPC },
	{ "desc", SC_DESC },
};

unsigned sys_class_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
		if (!strcmp(name, class_names[i].name))
			return class_names[i].bit;
	return 0;
}

static const struct syscall_desc *desc_of(unsigned nr)
{
	if (nr >= AT_NR_MAX || !syscall_table[nr].name)
		return NULL;
	return &syscall_table[nr];
}

int syscall_by_name(const char *name)
{
	for (int nr = 0; nr < AT_NR_MAX; nr++)
		if (syscall_table[nr].name && !strcmp(syscall_table[nr].name, name))
			return nr;
	return -1;
}

const char *syscall_name(unsigned nr, char *buf)
{
	const struct syscall_desc *d = desc_of(nr);

	if (d)
		return d->name;
	snprintf(buf, 16, "syscall_%u", nr);
	return buf;
}

void syscall_specs(struct at_sys_spec specs[AT_NR_MAX])
{
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		const struct syscall_desc *d = &syscall_table[nr];
		struct at_sys_spec *sp = &specs[nr];
		unsigned n = 0;

		memset(sp, 0, sizeof(*sp));
		memset(sp->slot_arg, 0xff, sizeof(sp->slot_arg));
		memset(sp->len_arg, 0xff, sizeof(sp->len_arg));
		sp->noreturn = d->noreturn;
		sp->exec = d->name && (!strcmp(d->name, "execve") || !strcmp(d->name, "execveat"));
		sp->fork = d->name && (!strcmp(d->name, "clone") || !strcmp(d->name, "clone3") ||
				       !strcmp(d->name, "fork") || !strcmp(d->name, "vfork"));
		for (unsigned i = 0; i < d->nargs && i < 6 && n < AT_SLOTS; i++) {
			switch (d->arg[i]) {
			case ARG_PATH:
			case ARG_STR:
				sp->slot_kind[n] = AT_SLOT_STR_IN;
				break;
			case ARG_BUF_IN:
				sp->slot_kind[n] = AT_SLOT_BUF_IN;
				sp->len_arg[n] = d->len_arg[i];
				break;
			case ARG_BUF_OUT:
				sp->slot_kind[n] = AT_SLOT_BUF_OUT;
				sp->len_arg[n] = d->len_arg[i];
				break;
			default:
				continue;
			}
			sp->slot_arg[n++] = i;
		}
	}
}

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
static const struct sym open_flags[] = {
	SYM(O_CREAT), SYM(O_EXCL), SYM(O_NOCTTY), SYM(O_TRUNC), SYM(O_APPEND), SYM(O_NONBLOCK),
	SYM(O_SYNC), SYM(O_DSYNC), SYM(O_ASYNC), SYM(O_DIRECT), { K_O_LARGEFILE, "O_LARGEFILE" },
	SYM(O_TMPFILE), SYM(O_DIRECTORY), SYM(O_NOFOLLOW), SYM(O_NOATIME), SYM(O_CLOEXEC),
	SYM(O_PATH),
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
	SYM(SOCK_NONBLOCK), SYM(SOCK_CLOEXEC),
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

/* Octal permission bits, after the file type for mknod. */
static void put_mode(struct out *o, unsigned v)
{
	static const struct sym types[] = {
		SYM(S_IFSOCK), SYM(S_IFLNK), SYM(S_IFREG), SYM(S_IFBLK),
		SYM(S_IFDIR),  SYM(S_IFCHR), SYM(S_IFIFO),
	};
	const char *type = sym_lookup(types, ARRAY_SIZE(types), v & S_IFMT);

	if (type) {
		out_printf(o, "%s|", type);
		v &= ~S_IFMT;
	}
	out_printf(o, "%#03o", v & 07777);
	if (v & ~07777u)
		out_printf(o, "|%#x", v & ~07777u);
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

static void put_signal(struct out *o, int sig)
{
	const char *name = signal_name(sig);

	if (name)
		out_puts(o, name);
	else
		out_printf(o, "%d", sig);
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
};

static const struct sym_table unlink_table = FLAGS(unlink_flags);
#undef FLAGS
#undef FLAGS0
#undef ENUM

static bool is_symbolic(unsigned kind)
{
	return kind >= ARG_OPEN_FLAGS && kind <= ARG_SIGPROCMASK_HOW;
}

/* The kinds shown by name; the caller quotes them for JSON. */
static void put_symbolic(struct out *o, const struct at_call_rec *rec, unsigned kind, __u64 v)
{
	const struct sym_table *st = &sym_tables[kind < ARRAY_SIZE(sym_tables) ? kind : 0];

	switch (kind) {
	case ARG_OPEN_FLAGS:
		put_open_flags(o, (unsigned)v);
		return;
	case ARG_MODE:
		put_mode(o, (unsigned)v);
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
		if (rec->nr == SYS_unlinkat)
			st = &unlink_table;
		break;
	}
	if (st->is_enum)
		put_enum(o, (int)v, st->t, st->n);
	else
		put_flags(o, (unsigned)v, st->t, st->n, st->zero);
}

/* Arguments */

static int slot_of(const struct at_call_rec *rec, unsigned i)
{
	for (int s = 0; s < AT_SLOTS; s++)
		if (rec->slot_arg[s] == i)
			return s;
	return -1;
}

static void put_ptr(struct out *o, __u64 p, bool json)
{
	if (!p)
		out_puts(o, json ? "null" : "NULL");
	else
		out_printf(o, json ? "\"%#llx\"" : "%#llx", (unsigned long long)p);
}

/*
 * A string or buffer argument from its capture slot; the pointer when there is
 * nothing to show: unreadable, not captured, or an output buffer of a failed call.
 */
static void put_captured(struct out *o, const struct at_call_rec *rec, unsigned i, unsigned kind,
			 bool json)
{
	__u64 p = rec->args[i];
	int s = slot_of(rec, i);
	size_t len;

	/*
	 * After a successful exec the registers are the new image's: the slot
	 * has the path, or there is nothing to show but ?.
	 */
	if ((rec->flags & AT_CALL_ARGS_GONE) && (s < 0 || (rec->flags & (AT_CALL_FAULT0 << s)))) {
		out_puts(o, json ? "null" : "?");
		return;
	}
	if ((!p && !(rec->flags & AT_CALL_ARGS_GONE)) || s < 0 ||
	    (rec->flags & (AT_CALL_FAULT0 << s)) || (kind == ARG_BUF_OUT && rec->ret < 0)) {
		put_ptr(o, p, json);
		return;
	}
	len = rec->slot_len[s] < AT_STR_MAX ? rec->slot_len[s] : AT_STR_MAX;
	/* getcwd's length counts the terminating NUL. */
	if (rec->nr == SYS_getcwd && len && !rec->slot[s][len - 1])
		len--;
	out_putc(o, '"');
	if (json) {
		out_escape_json(o, rec->slot[s], len);
		out_putc(o, '"');
		return;
	}
	out_escape_c(o, rec->slot[s], len);
	out_puts(o, (rec->flags & (AT_CALL_TRUNC0 << s)) ? "\"..." : "\"");
}

static void put_arg(struct out *o, const struct at_call_rec *rec, const struct syscall_desc *d,
		    unsigned i, bool json)
{
	unsigned kind = d->arg[i];
	__u64 v = rec->args[i];

	/* A successful exec seen at its exit: only the path (kept at exec) is known. */
	if ((rec->flags & AT_CALL_ARGS_GONE) && slot_of(rec, i) < 0) {
		out_puts(o, json ? "null" : "?");
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
		put_ptr(o, v, json);
		return;
	case ARG_PATH:
	case ARG_STR:
	case ARG_BUF_IN:
	case ARG_BUF_OUT:
		put_captured(o, rec, i, kind, json);
		return;
	case ARG_DIRFD:
		/* The kernel takes the low 32 bits as an int. */
		if ((int)v == AT_FDCWD && !json) {
			out_puts(o, "AT_FDCWD");
			return;
		}
		break;
	}
	if (!is_symbolic(kind)) {
		out_i64(o, (int)v);
		return;
	}
	if (json)
		out_putc(o, '"');
	put_symbolic(o, rec, kind, v);
	if (json)
		out_putc(o, '"');
}

/* open's mode is read only with O_CREAT or O_TMPFILE; strace leaves it out otherwise. */
static bool mode_ignored(const struct at_call_rec *rec, const struct syscall_desc *d, unsigned i)
{
	unsigned flags;

	if (d->arg[i] != ARG_MODE || i == 0 || i + 1 != d->nargs || d->arg[i - 1] != ARG_OPEN_FLAGS)
		return false;
	flags = (unsigned)rec->args[i - 1];
	return !(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE;
}

size_t decode_args(const struct at_call_rec *rec, char *buf, size_t size)
{
	const struct syscall_desc *d = desc_of(rec->nr);
	struct out o = out_init(buf, size);

	if (!d) {
		/* Unknown to us: the six registers, as strace shows unknown calls. */
		for (unsigned i = 0; i < 6; i++)
			out_printf(&o, "%s%#llx", i ? ", " : "", (unsigned long long)rec->args[i]);
		return out_end(&o);
	}
	for (unsigned i = 0; i < d->nargs && i < 6; i++) {
		if (mode_ignored(rec, d, i))
			break;
		if (i)
			out_puts(&o, ", ");
		put_arg(&o, rec, d, i, false);
	}
	return out_end(&o);
}

size_t decode_arg_json(const struct at_call_rec *rec, unsigned i, char *buf, size_t size)
{
	const struct syscall_desc *d = desc_of(rec->nr);
	struct out o = out_init(buf, size);

	if (i >= 6 || (d && i >= d->nargs))
		out_puts(&o, "null");
	else if (!d)
		out_u64(&o, rec->args[i]);
	else
		put_arg(&o, rec, d, i, true);
	return out_end(&o);
}

size_t decode_ret(const struct at_call_rec *rec, char *buf, size_t size)
{
	const struct syscall_desc *d = desc_of(rec->nr);
	unsigned kind = d ? d->ret : ARG_INT;
	struct out o = out_init(buf, size);
	long long r = rec->ret;

	if ((rec->flags & AT_CALL_NORETURN) || (d && d->noreturn)) {
		out_putc(&o, '?');
	} else if (r < 0 && r >= -K_MAX_ERRNO) {
		int err = (int)-r;
		const char *name = errno_name(err);

		/* A call to be restarted has no result yet; strace shows "?" too. */
		if (err >= K_ERRNO_INTERNAL && err <= K_ERESTART_LAST)
			out_puts(&o, "? ");
		else
			out_puts(&o, "-1 ");
		if (name)
			out_puts(&o, name);
		else
			out_printf(&o, "errno %d", err);
		out_printf(&o, " (%s)", errno_desc(err));
	} else if ((kind == ARG_PTR || kind == ARG_HEX) && r) {
		out_hex(&o, (unsigned long long)r);
	} else {
		out_i64(&o, r);
	}
	return out_end(&o);
}
