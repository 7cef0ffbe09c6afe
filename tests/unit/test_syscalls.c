// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Syscall table, capture specs and strace-style decoding of hand-built records. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscalls.h"
#include "decode_sys.h"
#include "sysspec.h"

/* A record of syscall `name` with the given raw registers and no capture slots. */
static struct at_call_rec mkrec(const char *name, __u64 a0, __u64 a1, __u64 a2, __u64 a3, __u64 a4,
				__u64 a5)
{
	struct at_call_rec r = {
		.hdr.type = AT_REC_SYSCALL,
		.args = { a0, a1, a2, a3, a4, a5 },
		.slot_arg = { 0xff, 0xff, 0xff, 0xff },
	};
	int nr = syscall_by_name(name);

	cr_assert_geq(nr, 0, "unknown syscall %s", name);
	r.nr = nr;
	return r;
}

/* Fills capture slot s as the BPF side would. */
static void set_slot(struct at_call_rec *r, int s, unsigned arg, const char *data, size_t len)
{
	r->slot_arg[s] = arg;
	r->slot_len[s] = len;
	memcpy(r->slot[s], data, len);
}

/* decode_args into a roomy buffer, checking the returned length as well. */
static const char *args_of(const struct at_call_rec *r)
{
	static char buf[1024];
	size_t n = decode_args(r, buf, sizeof(buf));

	cr_assert_eq(n, strlen(buf));
	return buf;
}

static const char *ret_of(const struct at_call_rec *r)
{
	static char buf[256];
	size_t n = decode_ret(r, buf, sizeof(buf));

	cr_assert_eq(n, strlen(buf));
	return buf;
}

static const char *json_of(const struct at_call_rec *r, unsigned i)
{
	static char buf[1024];
	size_t n = decode_arg_json(r, i, buf, sizeof(buf));

	cr_assert_eq(n, strlen(buf));
	return buf;
}

/* openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) with the path captured in slot 0. */
static struct at_call_rec openat_passwd(void)
{
	/* An int in a 64-bit register: upper half zero, as the kernel may see it. */
	struct at_call_rec r =
		mkrec("openat", (__u32)AT_FDCWD, 0x7ffd1000, O_RDONLY | O_CLOEXEC, 0, 0, 0);

	set_slot(&r, 0, 1, "/etc/passwd", 11);
	r.ret = 3;
	return r;
}

Test(syscalls, names_and_numbers)
{
	char buf[16];

	cr_assert_eq(syscall_by_name("read"), 0);
	cr_assert_eq(syscall_by_name("openat"), 257);
	cr_assert_eq(syscall_by_name("exit_group"), 231);
	cr_assert_eq(syscall_by_name("no_such_call"), -1);
	cr_assert_str_eq(syscall_name(0, buf), "read");
	cr_assert_str_eq(syscall_name(257, buf), "openat");
	cr_assert_str_eq(syscall_name(231, buf), "exit_group");
	cr_assert_str_eq(syscall_name(511, buf), "syscall_511");
	cr_assert_str_eq(syscall_name(100000, buf), "syscall_100000");
}

Test(syscalls, classes)
{
	cr_assert_eq(syscall_table[257].classes, SC_FILE | SC_DESC);
	cr_assert(syscall_table[syscall_by_name("socket")].classes & SC_NETWORK);
	cr_assert(syscall_table[syscall_by_name("mmap")].classes & SC_MEMORY);
	cr_assert(syscall_table[syscall_by_name("kill")].classes & SC_SIGNAL);
	cr_assert(syscall_table[syscall_by_name("kill")].classes & SC_PROCESS);
	cr_assert(syscall_table[syscall_by_name("shmget")].classes & SC_IPC);
	/* strace's membership: a socket call is %network only, not %desc. */
	cr_assert_eq(syscall_table[syscall_by_name("socket")].classes, SC_NETWORK);
	cr_assert_eq(syscall_table[syscall_by_name("getpid")].classes, SC_PURE);
	cr_assert_eq(syscall_table[syscall_by_name("newfstatat")].classes,
		     SC_DESC | SC_FILE | SC_FSTAT | SC_STAT_LIKE);
	cr_assert_eq(syscall_table[syscall_by_name("clock_gettime")].classes, SC_CLOCK);
	cr_assert_eq(sys_class_by_name("file", true), SC_FILE);
	cr_assert_eq(sys_class_by_name("desc", false), SC_DESC);
	cr_assert_eq(sys_class_by_name("net", false), SC_NETWORK);
	cr_assert_eq(sys_class_by_name("%stat", false), SC_STAT_LIKE);
	/* Without '%' strace takes its first seven classes only. */
	cr_assert_eq(sys_class_by_name("net", true), 0);
	cr_assert_eq(sys_class_by_name("clock", true), 0);
	cr_assert_eq(sys_class_by_name("bogus", false), 0);
}

Test(syscalls, table_signatures)
{
	const struct syscall_desc *d = &syscall_table[257];

	cr_assert_eq(d->nargs, 4);
	cr_assert_eq(d->arg[0], ARG_DIRFD);
	cr_assert_eq(d->arg[1], ARG_PATH);
	cr_assert_eq(d->arg[2], ARG_OPEN_FLAGS);
	cr_assert_eq(d->arg[3], ARG_MODE);
	cr_assert_eq(d->ret, ARG_FD);
	cr_assert_str_eq(d->argname[1], "filename");
	cr_assert_eq(syscall_table[syscall_by_name("mmap")].ret, ARG_PTR);
	cr_assert(syscall_table[231].noreturn);
	cr_assert(syscall_table[syscall_by_name("exit")].noreturn);
}

Test(syscalls, errno_and_signal_names)
{
	cr_assert_str_eq(errno_name(ENOENT), "ENOENT");
	cr_assert_str_eq(errno_name(EHWPOISON), "EHWPOISON");
	cr_assert_str_eq(errno_name(512), "ERESTARTSYS");
	cr_assert_null(errno_name(0));
	cr_assert_null(errno_name(-1));
	cr_assert_str_eq(signal_name(9), "SIGKILL");
	cr_assert_str_eq(signal_name(SIGSYS), "SIGSYS");
	cr_assert_str_eq(signal_name(32), "SIGRTMIN");
	cr_assert_str_eq(signal_name(34), "SIGRTMIN+2");
	cr_assert_null(signal_name(0));
	cr_assert_null(signal_name(65));
}

Test(syscalls, specs)
{
	static struct at_sys_spec specs[AT_NR_MAX];
	const struct at_sys_spec *sp;

	syscall_specs(specs);

	sp = &specs[257]; /* openat: a path, whole whatever -s says */
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_PATH_IN);
	cr_assert_eq(sp->slot_arg[0], 1);
	cr_assert_eq(sp->slot_kind[1], AT_SLOT_NONE);
	cr_assert_eq(sp->slot_arg[1], 0xff);
	cr_assert_eq(sp->noreturn, 0);

	sp = &specs[1]; /* write */
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_BUF_IN);
	cr_assert_eq(sp->slot_arg[0], 1);
	cr_assert_eq(sp->len_arg[0], 2);

	sp = &specs[0]; /* read */
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_BUF_OUT);
	cr_assert_eq(sp->slot_arg[0], 1);
	cr_assert_eq(sp->len_arg[0], 2);

	sp = &specs[syscall_by_name("renameat2")];
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_PATH_IN);
	cr_assert_eq(sp->slot_arg[0], 1);
	cr_assert_eq(sp->slot_kind[1], AT_SLOT_PATH_IN);
	cr_assert_eq(sp->slot_arg[1], 3);

	sp = &specs[231]; /* exit_group */
	cr_assert_eq(sp->noreturn, 1);
	cr_assert_eq(sp->slot_kind[0], AT_SLOT_NONE);
	cr_assert_eq(sp->slot_arg[0], 0xff);

	cr_assert_eq(specs[syscall_by_name("getpid")].slot_kind[0], AT_SLOT_NONE);

	/* The calls a new task also returns from (with 0), and only those. */
	cr_assert_eq(specs[syscall_by_name("clone")].fork, 1);
	cr_assert_eq(specs[syscall_by_name("clone3")].fork, 1);
	cr_assert_eq(specs[syscall_by_name("fork")].fork, 1);
	cr_assert_eq(specs[syscall_by_name("vfork")].fork, 1);
	cr_assert_eq(specs[syscall_by_name("execve")].fork, 0);
	cr_assert_eq(specs[syscall_by_name("getppid")].fork, 0);
}

Test(decode, openat)
{
	struct at_call_rec r = openat_passwd();

	cr_assert_str_eq(args_of(&r), "AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC");
	cr_assert_str_eq(ret_of(&r), "3");
	/* Sign-extended, as a C caller usually leaves it. */
	r.args[0] = (__u64)(__s64)AT_FDCWD;
	cr_assert_str_eq(args_of(&r), "AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC");
	r.args[0] = 5;
	cr_assert_str_eq(args_of(&r), "5, \"/etc/passwd\", O_RDONLY|O_CLOEXEC");
}

Test(decode, openat_creat_shows_mode)
{
	struct at_call_rec r = mkrec("openat", (__u32)AT_FDCWD, 0x7ffd1000,
				     O_WRONLY | O_CREAT | O_TRUNC, 0644, 0, 0);

	set_slot(&r, 0, 1, "out.txt", 7);
	cr_assert_str_eq(args_of(&r), "AT_FDCWD, \"out.txt\", O_WRONLY|O_CREAT|O_TRUNC, 0644");
	r.args[2] = O_RDWR | O_TMPFILE;
	r.args[3] = 0600;
	cr_assert_str_eq(args_of(&r), "AT_FDCWD, \"out.txt\", O_RDWR|O_TMPFILE, 0600");
	r.args[2] = O_RDONLY | 0x40000000;
	cr_assert_str_eq(args_of(&r), "AT_FDCWD, \"out.txt\", O_RDONLY|0x40000000");
}

Test(decode, write_truncated_buffer)
{
	struct at_call_rec r = mkrec("write", 1, 0x55550000, 100, 0, 0, 0);

	set_slot(&r, 0, 1, "hi\n\x01", 4);
	r.slot_flags[0] = AT_SF_TRUNC;
	r.ret = 100;
	cr_assert_str_eq(args_of(&r), "1, \"hi\\n\\1\"..., 100");
	cr_assert_str_eq(ret_of(&r), "100");
	cr_assert_str_eq(json_of(&r, 1), "\"hi\\n\\u0001\"");
}

Test(decode, faulted_path_and_null)
{
	struct at_call_rec r = openat_passwd();

	r.args[1] = 0x1234;
	r.slot_flags[0] = AT_SF_FAULT;
	r.slot_len[0] = 0;
	r.ret = -EFAULT;
	cr_assert_str_eq(args_of(&r), "AT_FDCWD, 0x1234, O_RDONLY|O_CLOEXEC");
	cr_assert_str_eq(ret_of(&r), "-1 EFAULT (Bad address)");
	cr_assert_str_eq(json_of(&r, 1), "\"0x1234\"");

	r.args[1] = 0;
	r.flags = 0;
	cr_assert_str_eq(args_of(&r), "AT_FDCWD, NULL, O_RDONLY|O_CLOEXEC");
	cr_assert_str_eq(json_of(&r, 1), "null");

	r = mkrec("execve", 0x4000, 0, 0, 0, 0, 0);
	set_slot(&r, 0, 0, "/bin/true", 9);
	cr_assert_str_eq(args_of(&r), "\"/bin/true\", NULL, NULL");
}

/* args_of r with slot 0 holding arg's len bytes of data, as the call returned ret. */
static const char *captured_args(struct at_call_rec r, unsigned arg, const char *data, size_t len,
				 long ret)
{
	set_slot(&r, 0, arg, data, len);
	r.ret = ret;
	return args_of(&r);
}

Test(decode, read_output_buffer)
{
	struct at_call_rec r = mkrec("read", 3, 0x7ffd0000, 4096, 0, 0, 0);

	cr_assert_str_eq(captured_args(r, 1, "root:x", 6, 6), "3, \"root:x\", 4096");

	/* Nothing was filled: the BPF side captured nothing and the pointer is shown. */
	r.ret = -EBADF;
	cr_assert_str_eq(args_of(&r), "3, 0x7ffd0000, 4096");
	cr_assert_str_eq(ret_of(&r), "-1 EBADF (Bad file descriptor)");
}

Test(decode, getcwd_drops_the_nul)
{
	struct at_call_rec r = mkrec("getcwd", 0x7ffd0000, 4096, 0, 0, 0, 0);

	cr_assert_str_eq(captured_args(r, 0, "/tmp", 5, 5), "\"/tmp\", 4096");
}

Test(decode, mmap)
{
	struct at_call_rec r = mkrec("mmap", 0, 4096, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, (__u64)-1, 0);

	r.ret = 0x7f1234567000;
	cr_assert_str_eq(args_of(&r),
			 "NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0");
	cr_assert_str_eq(ret_of(&r), "0x7f1234567000");
	cr_assert_str_eq(json_of(&r, 0), "null");
	cr_assert_str_eq(json_of(&r, 2), "\"PROT_READ|PROT_WRITE\"");
	cr_assert_str_eq(json_of(&r, 4), "-1");

	r = mkrec("mmap", 0x7f0000000000, 8192, PROT_NONE, MAP_SHARED | MAP_FIXED, 5, 0x2000);
	r.ret = -ENOMEM;
	cr_assert_str_eq(args_of(&r),
			 "0x7f0000000000, 8192, PROT_NONE, MAP_SHARED|MAP_FIXED, 5, 0x2000");
	cr_assert_str_eq(ret_of(&r), "-1 ENOMEM (Cannot allocate memory)");
	cr_assert_str_eq(json_of(&r, 0), "\"0x7f0000000000\"");
}

Test(decode, returns)
{
	struct at_call_rec r = openat_passwd();

	r.ret = -ENOENT;
	cr_assert_str_eq(ret_of(&r), "-1 ENOENT (No such file or directory)");
	r.ret = -512;
	cr_assert_str_eq(ret_of(&r), "? ERESTARTSYS (To be restarted if SA_RESTART is set)");
	r.ret = -524; /* leaks to userspace from some drivers */
	cr_assert_str_eq(ret_of(&r), "-1 ENOTSUPP (Operation is not supported)");
	r.ret = -4000;
	cr_assert_str_eq(ret_of(&r), "-1 errno 4000 (Unknown error)");

	r = mkrec("exit_group", 0, 0, 0, 0, 0, 0);
	r.flags = AT_CALL_NORETURN;
	cr_assert_str_eq(args_of(&r), "0");
	cr_assert_str_eq(ret_of(&r), "?");

	r = mkrec("lseek", 3, (__u64)-10, SEEK_END, 0, 0, 0);
	r.ret = 1LL << 40;
	cr_assert_str_eq(args_of(&r), "3, -10, SEEK_END");
	cr_assert_str_eq(ret_of(&r), "1099511627776");
}

Test(decode, symbolic_arguments)
{
	struct at_call_rec r = mkrec("kill", 1234, SIGTERM, 0, 0, 0, 0);

	cr_assert_str_eq(args_of(&r), "1234, SIGTERM");
	cr_assert_str_eq(json_of(&r, 0), "1234");
	cr_assert_str_eq(json_of(&r, 1), "\"SIGTERM\"");

	r = mkrec("clone", 0x1200011, 0, 0, 0x7f00000000a0, 0, 0);
	cr_assert_str_eq(args_of(&r),
			 "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, NULL, NULL, "
			 "0x7f00000000a0, 0");

	/* The protocol by the family: IPPROTO_IP for both INETs, netlink's own, else a number. */
	r = mkrec("socket", AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP");
	r = mkrec("socket", AF_INET, SOCK_DGRAM, 17, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "AF_INET, SOCK_DGRAM, IPPROTO_UDP");
	r = mkrec("socket", AF_NETLINK, SOCK_RAW, 4, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG");
	r = mkrec("socket", AF_UNIX, SOCK_STREAM, 0, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "AF_UNIX, SOCK_STREAM, 0");
	cr_assert_str_eq(json_of(&r, 2), "\"0\"");

	r = mkrec("unlinkat", 4, 0x1000, AT_REMOVEDIR, 0, 0, 0);
	set_slot(&r, 0, 1, "d", 1);
	cr_assert_str_eq(args_of(&r), "4, \"d\", AT_REMOVEDIR");

	r = mkrec("faccessat2", (__u32)AT_FDCWD, 0x1000, R_OK | X_OK, AT_EACCESS, 0, 0);
	set_slot(&r, 0, 1, "f", 1);
	cr_assert_str_eq(args_of(&r), "AT_FDCWD, \"f\", R_OK|X_OK, AT_EACCESS");

	r = mkrec("access", 0x1000, F_OK, 0, 0, 0, 0);
	set_slot(&r, 0, 0, "f", 1);
	cr_assert_str_eq(args_of(&r), "\"f\", F_OK");

	r = mkrec("umask", 022, 0, 0, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "022");
	r = mkrec("mknod", 0x1000, S_IFIFO | 0600, 0, 0, 0, 0);
	set_slot(&r, 0, 0, "p", 1);
	cr_assert_str_eq(args_of(&r), "\"p\", S_IFIFO|0600, 0");

	r = mkrec("fcntl", 3, F_SETFD, 1, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "3, F_SETFD, FD_CLOEXEC");
	/* The argument as its command takes it, or none at all. */
	r = mkrec("fcntl", 3, F_SETFL, O_RDWR | O_NONBLOCK, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "3, F_SETFL, O_RDWR|O_NONBLOCK");
	r = mkrec("fcntl", 3, F_SETSIG, SIGIO, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "3, F_SETSIG, SIGIO");
	r = mkrec("fcntl", 3, F_DUPFD, 10, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "3, F_DUPFD, 10");
	r = mkrec("fcntl", 3, F_GETFL, 0x559943cd5827, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "3, F_GETFL");
	r = mkrec("fcntl", 3, F_SETLK, 0x7ffd0000, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "3, F_SETLK, 0x7ffd0000");
	/* Names strace gives: socket levels and options, send flags, advice, ops, resources. */
	r = mkrec("setsockopt", 3, 1, 2, 0x7ffd0000, 4, 0);
	cr_assert_str_eq(args_of(&r), "3, SOL_SOCKET, SO_REUSEADDR, 0x7ffd0000, 4");
	r = mkrec("getsockopt", 3, 6, 1, 0x7ffd0000, 0x7ffd0010, 0);
	cr_assert_str_eq(args_of(&r), "3, SOL_TCP, TCP_NODELAY, 0x7ffd0000, 0x7ffd0010");
	r = mkrec("setsockopt", 3, 999, 77, 0x7ffd0000, 4, 0);
	/* An unknown level as strace 6.1 shows it (its default string has two '?'). */
	cr_assert_str_eq(args_of(&r), "3, 0x3e7 /* SOL_?? */, 77, 0x7ffd0000, 4");
	r = mkrec("madvise", 0x7f0000000000, 8192, 4, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "0x7f0000000000, 8192, MADV_DONTNEED");
	r = mkrec("epoll_ctl", 6, 2, 5, 0x7ffd0000, 0, 0);
	cr_assert_str_eq(args_of(&r), "6, EPOLL_CTL_DEL, 5, 0x7ffd0000");
	r = mkrec("prlimit64", 0, 7, 0, 0x7ffd0000, 0, 0);
	cr_assert_str_eq(args_of(&r), "0, RLIMIT_NOFILE, NULL, 0x7ffd0000");
	r = mkrec("ioctl", 0, 0x5413, 0x7ffd0000, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "0, TIOCGWINSZ, 0x7ffd0000");
	r = mkrec("ioctl", 0, 0xdead, 0x7ffd0000, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "0, 0xdead, 0x7ffd0000");
	r = mkrec("arch_prctl", 0x1002, 0x7f0000001000, 0, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "ARCH_SET_FS, 0x7f0000001000");
	r = mkrec("prctl", 15, 0x7f0000001000, 0, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "PR_SET_NAME, 0x7f0000001000, 0, 0, 0");
	r = mkrec("statx", (__u64)-100, 0x7ffd0000, 0x100, 0xfff, 0x7ffd1000, 0);
	set_slot(&r, 0, 1, "/", 1);
	cr_assert_str_eq(args_of(&r),
			 "AT_FDCWD, \"/\", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_ALL, "
			 "0x7ffd1000");
	r = mkrec("futex", 0x1000, 1 | 128, 1, 0x55, 0x66, 0x77);
	cr_assert_str_eq(args_of(&r), "0x1000, FUTEX_WAKE_PRIVATE, 1");
	r = mkrec("futex", 0x1000, 0, 2, 0, 0x66, 0x77);
	cr_assert_str_eq(args_of(&r), "0x1000, FUTEX_WAIT, 2, NULL");
	r = mkrec("futex", 0x1000, 9 | 128 | 256, 0, 0x7ffd0000, 0x66, 0xffffffff);
	cr_assert_str_eq(args_of(&r),
			 "0x1000, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, 0x7ffd0000, "
			 "FUTEX_BITSET_MATCH_ANY");
	r = mkrec("futex", 0x1000, 4, 1, 5, 0x2000, 3);
	cr_assert_str_eq(args_of(&r), "0x1000, FUTEX_CMP_REQUEUE, 1, 5, 0x2000, 0x3");
	r = mkrec("futex", 0x1000, 7 | 128, 1, 5, 0x2000, 3);
	cr_assert_str_eq(args_of(&r), "0x1000, FUTEX_UNLOCK_PI_PRIVATE");
	r = mkrec("futex", 0x1000, 6, 1, 0, 0x2000, 3);
	cr_assert_str_eq(args_of(&r), "0x1000, FUTEX_LOCK_PI, NULL");

	r = mkrec("wait4", (__u64)-1, 0x7ffd0000, WNOHANG, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "-1, 0x7ffd0000, WNOHANG, NULL");

	r = mkrec("pipe2", 0x7ffd0000, O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "0x7ffd0000, O_NONBLOCK|O_CLOEXEC");

	r = mkrec("rt_sigprocmask", SIG_SETMASK, 0x7ffd0000, 0, 8, 0, 0);
	cr_assert_str_eq(args_of(&r), "SIG_SETMASK, 0x7ffd0000, NULL, 8");
}

Test(decode, unknown_syscall)
{
	struct at_call_rec r = mkrec("read", 1, 2, 3, 4, 5, 6);

	r.nr = 511;
	r.ret = -ENOSYS;
	cr_assert_str_eq(args_of(&r), "0x1, 0x2, 0x3, 0x4, 0x5, 0x6");
	cr_assert_str_eq(ret_of(&r), "-1 ENOSYS (Function not implemented)");
}

/* esc of the size bytes of in gives want, and returns its length. */
static void escapes(size_t (*esc)(const char *, size_t, char *, size_t), const char *in,
		    size_t size, const char *want)
{
	char buf[64];
	size_t n = esc(in, size, buf, sizeof(buf));

	cr_assert_str_eq(buf, want);
	cr_assert_eq(n, strlen(buf));
}

Test(escape, json)
{
	const char in[] = "a\"b\\c\n\t\r\x01\x7f\xff";

	escapes(escape_json, in, sizeof(in) - 1, "a\\\"b\\\\c\\n\\t\\u000d\\u0001\\u007f\\udcff");
}

/*
 * Valid UTF-8 goes out as it is (café.txt, not caf\u00c3\u00a9.txt); each
 * byte of anything else as \udcXX, which no character is.
 */
Test(escape, json_utf8)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "caf\xc3\xa9.txt", "caf\xc3\xa9.txt" },
		{ "\xe2\x82\xac \xf0\x9f\x98\x80", "\xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "\xc0\xaf", "\\udcc0\\udcaf" },			/* overlong '/' */
		{ "\xe2\x82", "\\udce2\\udc82" },			/* cut short */
		{ "\xed\xa0\x80", "\\udced\\udca0\\udc80" },		/* a surrogate's encoding */
		{ "\xf4\x90\x80\x80", "\\udcf4\\udc90\\udc80\\udc80" }, /* past U+10FFFF */
		{ "a\xa9"
		  "b",
		  "a\\udca9b" },		       /* a lone continuation byte */
		{ "\xc3\xa9\xc3", "\xc3\xa9\\udcc3" }, /* valid, then cut */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		escapes(escape_json, cases[i].in, strlen(cases[i].in), cases[i].want);
}

/* strace's -x: a string with a byte past printable ASCII (or a C escape's) all in hex; -xx all. */
Test(escape, c_hex_modes)
{
	escape_set_hex(ESCAPE_HEX_NON_ASCII);
	escapes(escape_c, "ab\n", 3, "ab\\n");
	escapes(escape_c, "a\x01", 2, "\\x61\\x01");
	escapes(escape_c, "\xc3\xa9", 2, "\\xc3\\xa9");
	escape_set_hex(ESCAPE_HEX_ALL);
	escapes(escape_c, "ab", 2, "\\x61\\x62");
	escape_set_hex(ESCAPE_HEX_NONE);
	escapes(escape_c, "a\x01", 2, "a\\1");
}

Test(escape, c)
{
	const char in[] = "a\"b\\c\n\t\0\xff";

	escapes(escape_c, in, sizeof(in) - 1, "a\\\"b\\\\c\\n\\t\\0\\377");
}

Test(snprintf_convention, truncates_and_counts)
{
	struct at_call_rec r = openat_passwd();
	const char *full = "AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC";
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(decode_args(&r, buf, sizeof(buf)), strlen(full));
	cr_assert_str_eq(buf, "AT_FDCW");

	cr_assert_eq(decode_args(&r, NULL, 0), strlen(full));
	cr_assert_eq(decode_args(&r, buf, 1), strlen(full));
	cr_assert_str_eq(buf, "");

	r.ret = -ENOENT;
	cr_assert_eq(decode_ret(&r, buf, 4), strlen("-1 ENOENT (No such file or directory)"));
	cr_assert_str_eq(buf, "-1 ");

	cr_assert_eq(escape_c("\n\n\n", 3, buf, 4), 6);
	cr_assert_str_eq(buf, "\\n\\");
	cr_assert_eq(escape_json("\x01", 1, buf, 3), 6);
	cr_assert_str_eq(buf, "\\u");
	cr_assert_eq(decode_arg_json(&r, 2, buf, 5), strlen("\"O_RDONLY|O_CLOEXEC\""));
	cr_assert_str_eq(buf, "\"O_R");
}

/*
 * The in-out slots: select's fd sets (as given, then as left) and its
 * timeout with what was left; getdents64's entry count; getsockopt's
 * length as given and as left; sigaltstack's stack_t.
 */
Test(decode, inout_slots_and_counts)
{
	struct at_call_rec r = mkrec("select", 5, 0x1000, 0, 0, 0x2000, 0);
	char b[AT_STR_MAX] = { 0 };
	struct timeval tv[2] = { { .tv_sec = 1 }, { .tv_usec = 999 } };
	uint32_t n = 6;
	int len[2] = { 16, 4 };
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} ss = { 0x7f0000001000, 2, 0, 8192 };

	b[0] = 0x09;		 /* fds 0 and 3 given */
	b[AT_INOUT_HALF] = 0x08; /* 3 ready */
	set_slot(&r, 0, 1, b, AT_INOUT_HALF + 8);
	memset(b, 0, sizeof(b));
	memcpy(b, &tv[0], sizeof(tv[0]));
	memcpy(b + AT_INOUT_HALF, &tv[1], sizeof(tv[1]));
	set_slot(&r, 1, 4, b, AT_INOUT_HALF + sizeof(tv[0]));
	r.ret = 1;
	cr_assert_str_eq(args_of(&r), "5, [0 3], NULL, NULL, {tv_sec=1, tv_usec=0}");
	cr_assert_str_eq(ret_of(&r), "1 (in [3], left {tv_sec=0, tv_usec=999})");
	cr_assert_str_eq(json_of(&r, 1), "{\"fds\":[0,3],\"ready\":[3]}");
	cr_assert_str_eq(json_of(&r, 4),
			 "{\"tv_sec\":1,\"tv_usec\":0,\"left\":{\"tv_sec\":0,\"tv_usec\":999}}");
	r.ret = 0;
	cr_assert_str_eq(ret_of(&r), "0 (Timeout)");
	/* Only the entry's sets (the exit's not read): as given, no ready ones. */
	r.slot_len[0] = 8;
	cr_assert_str_eq(json_of(&r, 1), "{\"fds\":[0,3]}");

	r = mkrec("getdents64", 3, 0x55d000001000, 32768, 0, 0, 0);
	set_slot(&r, 0, 1, (const char *)&n, sizeof(n));
	r.ret = 176;
	cr_assert_str_eq(args_of(&r), "3, 0x55d000001000 /* 6 entries */, 32768");
	cr_assert_str_eq(json_of(&r, 1), "{\"addr\":\"0x55d000001000\",\"entries\":6}");
	r.slot_len[0] = 0; /* not counted (no bpf_loop): the address alone */
	cr_assert_str_eq(args_of(&r), "3, 0x55d000001000, 32768");
	r.ret = 0;
	cr_assert_str_eq(args_of(&r), "3, 0x55d000001000 /* 0 entries */, 32768");

	r = mkrec("getsockopt", 3, 1, 3, 0x1000, 0x2000, 0);
	n = 2;
	set_slot(&r, 0, 3, (const char *)&n, sizeof(n));
	memset(b, 0, sizeof(b));
	memcpy(b, &len[0], sizeof(int));
	memcpy(b + AT_INOUT_HALF, &len[1], sizeof(int));
	set_slot(&r, 1, 4, b, AT_INOUT_HALF + sizeof(int));
	cr_assert_str_eq(args_of(&r), "3, SOL_SOCKET, SO_TYPE, [2], [16 => 4]");
	cr_assert_str_eq(json_of(&r, 4), "{\"in\":16,\"out\":4}");
	r.ret = -9;
	cr_assert_str_eq(args_of(&r), "3, SOL_SOCKET, SO_TYPE, 0x1000, [16]");

	r = mkrec("sigaltstack", 0x3000, 0, 0, 0, 0, 0);
	set_slot(&r, 0, 0, (const char *)&ss, sizeof(ss));
	cr_assert_str_eq(args_of(&r),
			 "{ss_sp=0x7f0000001000, ss_flags=SS_DISABLE, ss_size=8192}, NULL");
	cr_assert_str_eq(json_of(&r, 0),
			 "{\"ss_sp\":\"0x7f0000001000\",\"ss_flags\":\"SS_DISABLE\","
			 "\"ss_size\":8192}");
}

/* A value of no name, as strace shows it: in hex, its table's prefix in a comment. */
Test(decode, unknown_enum_values_as_strace)
{
	struct at_call_rec r = mkrec("lseek", 0, 0, 9, 0, 0, 0);

	cr_assert_str_eq(args_of(&r), "0, 0, 0x9 /* SEEK_??? */");
	cr_assert_str_eq(json_of(&r, 2), "\"9\"");
	r = mkrec("socket", 99, 1, 0, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "0x63 /* AF_??? */, SOCK_STREAM, 0");
	r = mkrec("epoll_ctl", 3, 9, 4, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "3, 0x9 /* EPOLL_CTL_??? */, 4, NULL");
	r = mkrec("rt_sigprocmask", 7, 0, 0, 8, 0, 0);
	cr_assert_str_eq(args_of(&r), "0x7 /* SIG_??? */, NULL, NULL, 8");
	r = mkrec("prlimit64", 0, 99, 0, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "0, 0x63 /* RLIMIT_??? */, NULL, NULL");
	r = mkrec("madvise", 0, 0, 77, 0, 0, 0);
	cr_assert_str_eq(args_of(&r), "NULL, 0, 0x4d /* MADV_??? */");
}
