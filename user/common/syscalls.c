// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Syscall names, classes and lookup, errno and signal names. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strerrordesc_np */
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <time.h>

#include "record.h"

#include "syscalls.h"
#include "util.h"

#define K_SIGRTMIN 32 /* the kernel's; glibc reserves two more for itself */
#define K_SIGRTMAX 64
#define K_ERRNO_INTERNAL 512 /* ERESTARTSYS, first kernel-internal errno */
#define K_ERESTART_LAST 516  /* ERESTART_RESTARTBLOCK, last of the restart errnos */

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

bool errno_restarts(int err)
{
	return err >= K_ERRNO_INTERNAL && err <= K_ERESTART_LAST;
}

const char *errno_name(int err)
{
	unsigned k = (unsigned)err - K_ERRNO_INTERNAL;

	if (err > 0 && (size_t)err < ARRAY_SIZE(errno_names))
		return errno_names[err];
	if (k < ARRAY_SIZE(kernel_errnos))
		return kernel_errnos[k].name;
	return NULL;
}

const char *errno_desc(int err)
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

/* strace's class names; the first seven also without '%' (legacy), as strace takes them. */
static const struct {
	const char *name;
	unsigned bit;
	bool legacy;
} class_names[] = {
	{ "file", SC_FILE, true },
	{ "network", SC_NETWORK, true },
	{ "process", SC_PROCESS, true },
	{ "memory", SC_MEMORY, true },
	{ "signal", SC_SIGNAL, true },
	{ "ipc", SC_IPC, true },
	{ "desc", SC_DESC, true },
	{ "net", SC_NETWORK, false },
	{ "stat", SC_STAT, false },
	{ "lstat", SC_LSTAT, false },
	{ "fstat", SC_FSTAT, false },
	{ "%stat", SC_STAT_LIKE, false },
	{ "statfs", SC_STATFS, false },
	{ "fstatfs", SC_FSTATFS, false },
	{ "%statfs", SC_STATFS_LIKE, false },
	{ "pure", SC_PURE, false },
	{ "creds", SC_CREDS, false },
	{ "clock", SC_CLOCK, false },
};

const char *sys_class_name(unsigned i)
{
	return i < ARRAY_SIZE(class_names) ? class_names[i].name : NULL;
}

unsigned sys_class_by_name(const char *name, bool legacy)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
		if (!strcmp(name, class_names[i].name) && (!legacy || class_names[i].legacy))
			return class_names[i].bit;
	return 0;
}

const struct syscall_desc *syscall_desc_of(unsigned nr)
{
	if (nr >= AT_NR_MAX || !syscall_table[nr].name)
		return NULL;
	return &syscall_table[nr];
}

int syscall_next_by_name(const char *name, int after)
{
	for (int nr = after + 1; nr < AT_NR_MAX; nr++)
		if (syscall_table[nr].name && !strcmp(syscall_table[nr].name, name))
			return nr;
	return -1;
}

int syscall_by_name(const char *name)
{
	return syscall_next_by_name(name, -1);
}

const char *syscall_name(unsigned nr, char *buf)
{
	const struct syscall_desc *d = syscall_desc_of(nr);

	if (d)
		return d->name;
	if (syscall_is_compat(nr))
		snprintf(buf, SYSCALL_NAME_BUF, "syscall_%u", nr - AT_NR_COMPAT);
	else
		snprintf(buf, SYSCALL_NAME_BUF, "syscall_%u", nr);
	return buf;
}

const char *syscall_row_name(unsigned nr, char *buf)
{
	const char *name = syscall_name(nr, buf);

	if (!syscall_is_compat(nr))
		return name;
	if (name != buf)
		snprintf(buf, SYSCALL_NAME_BUF, "%s (i386)", name);
	else
		strcat(buf, " (i386)");
	return buf;
}

size_t syscall_obj_size(unsigned kind)
{
	switch (kind) {
	case ARG_STAT_OUT:
		return sizeof(struct stat);
	case ARG_TIMESPEC_IN:
	case ARG_TIMESPEC_OUT:
	case ARG_TIMESPEC_INOUT:
		return sizeof(struct timespec);
	case ARG_WAIT_STATUS:
		return sizeof(int);
	case ARG_PIPE_FDS:
		return 2 * sizeof(int);
	case ARG_RLIMIT_IN:
	case ARG_RLIMIT_OUT:
		return sizeof(struct rlimit);
	case ARG_SIGACTION_IN:
	case ARG_SIGACTION_OUT:
		return 32; /* the kernel's: handler, flags, restorer, an 8-byte mask */
	case ARG_SIGSET_IN:
	case ARG_SIGSET_OUT:
		return 8; /* the kernel's sigset_t, 64 signals */
	case ARG_UTSNAME_OUT:
		return 2 * 65; /* sysname and nodename, what strace shows */
	case ARG_SYSINFO_OUT:
		return sizeof(struct sysinfo);
	case ARG_TIMEVAL_IN:
	case ARG_TIMEVAL_OUT:
	case ARG_TIMEVAL_INOUT:
		return sizeof(struct timeval);
	case ARG_ITIMERVAL_IN:
	case ARG_ITIMERVAL_OUT:
		return sizeof(struct itimerval);
	case ARG_ITIMERSPEC_IN:
	case ARG_ITIMERSPEC_OUT:
		return sizeof(struct itimerspec);
	case ARG_STATX_OUT:
		return 64; /* through stx_attributes_mask: every field shown */
	case ARG_EPOLL_EVENT_IN:
		return sizeof(struct epoll_event);
	case ARG_STACK_IN:
	case ARG_STACK_OUT:
		return 24; /* void *ss_sp, int ss_flags, size_t ss_size */
	case ARG_SIGINFO_OUT:
		return 16 +
		       AT_SIGINFO_FIELDS; /* signo, errno, code, the union's fields strace shows */
	case ARG_SOCKOPT_VAL_OUT:
	case ARG_OPTLEN_INOUT:
		return sizeof(int);
	case ARG_CLONE_ARGS_IN:
		return 88; /* struct clone_args through cgroup (CLONE_ARGS_SIZE_VER2) */
	}
	return 0;
}
