#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Regenerates user/common/syscall_table.c from the running kernel.

Numbers come from <asm/unistd_64.h>; argument names and C types from the
sys_enter_* formats in tracefs. Each argument gets an enum arg_kind from its
type and name, corrected by the per-syscall overrides below where the
signature alone does not tell (which buffer is filled by the kernel, which
flags are open flags...). Run as root: tracefs is mounted when it is not.

The i386 table (a 64-bit process's int $0x80 calls) follows from AT_NR_COMPAT:
numbers from <asm/unistd_32.h>, signatures from the x86-64 call of the same
name or I386_SIGNATURES.

Usage: tools/gen-syscalls.py [-o user/common/syscall_table.c]
"""

import argparse
import os
import platform
import re
import subprocess
import sys

TRACEFS = "/sys/kernel/tracing"
UNISTD = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
UNISTD32 = "/usr/include/x86_64-linux-gnu/asm/unistd_32.h"
NR_COMPAT = 512  # AT_NR_COMPAT in include/spec.h: i386 numbers are keyed from here
NR_MAX = 1024  # AT_NR_MAX

# tracefs names that differ from the uapi names (the kernel's sys_* symbol wins there).
RENAME = {
    "newfstat": "fstat",
    "newstat": "stat",
    "newlstat": "lstat",
    "newuname": "uname",
    "sendfile64": "sendfile",
    "umount": "umount2",
}

# x86-64 numbers of syscalls newer than the installed uapi header
# (arch/x86/entry/syscalls/syscall_64.tbl); numbers are never reused, so they are
# right on any kernel, which returns ENOSYS where it lacks them.
EXTRA_NR = {
    "uretprobe": 335, "uprobe": 336,
    "cachestat": 451, "fchmodat2": 452, "map_shadow_stack": 453, "futex_wake": 454,
    "futex_wait": 455, "futex_requeue": 456, "statmount": 457, "listmount": 458,
    "lsm_get_self_attr": 459, "lsm_set_self_attr": 460, "lsm_list_modules": 461,
    "mseal": 462, "setxattrat": 463, "getxattrat": 464, "listxattrat": 465,
    "removexattrat": 466, "open_tree_attr": 467, "file_getattr": 468, "file_setattr": 469,
}

# Signatures of syscalls that exist but have no tracefs format on kernels built
# without them (modules, kexec, shadow stacks). Syscalls absent from both get nargs 0.
SIGNATURES = {
    "init_module": ["void * umod", "unsigned long len", "const char * uargs"],
    "finit_module": ["int fd", "const char * uargs", "int flags"],
    "delete_module": ["const char * name_user", "unsigned int flags"],
    "kexec_load": ["unsigned long entry", "unsigned long nr_segments",
                   "struct kexec_segment * segments", "unsigned long flags"],
    "kexec_file_load": ["int kernel_fd", "int initrd_fd", "unsigned long cmdline_len",
                        "const char * cmdline_ptr", "unsigned long flags"],
    "uselib": ["const char * library"],
    "set_thread_area": ["struct user_desc * u_info"],
    "get_thread_area": ["struct user_desc * u_info"],
    "lookup_dcookie": ["u64 cookie64", "char * buf", "size_t len"],
    "map_shadow_stack": ["unsigned long addr", "unsigned long size", "unsigned int flags"],
}

# What the signature cannot tell. A kind, or (kind, name of the length argument) for buffers.
OVERRIDES = {
    "read": {"buf": ("ARG_BUF_OUT", "count")},
    "pread64": {"buf": ("ARG_BUF_OUT", "count")},
    "recvfrom": {"ubuf": ("ARG_BUF_OUT", "size"), "flags": "ARG_MSG_FLAGS",
                 "addr": ("ARG_SOCKADDR_OUT", "addr_len"), "addr_len": "ARG_SOCKLEN_PTR"},
    "readlink": {"buf": ("ARG_BUF_OUT", "bufsiz")},
    "readlinkat": {"buf": ("ARG_BUF_OUT", "bufsiz")},
    "getcwd": {"buf": ("ARG_BUF_OUT", "size")},
    "write": {"buf": ("ARG_BUF_IN", "count")},
    "pwrite64": {"buf": ("ARG_BUF_IN", "count")},
    "sendto": {"buff": ("ARG_BUF_IN", "len"), "flags": "ARG_MSG_FLAGS",
               "addr": ("ARG_SOCKADDR_IN", "addr_len")},
    "sendmsg": {"msg": "ARG_MSGHDR_IN", "flags": "ARG_MSG_FLAGS"},
    "recvmsg": {"msg": "ARG_MSGHDR_OUT", "flags": "ARG_MSG_FLAGS"},
    # Socket addresses: by value (a length argument) or filled through a socklen_t *.
    "connect": {"uservaddr": ("ARG_SOCKADDR_IN", "addrlen")},
    "bind": {"umyaddr": ("ARG_SOCKADDR_IN", "addrlen")},
    "accept": {"upeer_sockaddr": ("ARG_SOCKADDR_OUT", "upeer_addrlen"),
               "upeer_addrlen": "ARG_SOCKLEN_PTR"},
    "getsockname": {"usockaddr": ("ARG_SOCKADDR_OUT", "usockaddr_len"),
                    "usockaddr_len": "ARG_SOCKLEN_PTR"},
    "getpeername": {"usockaddr": ("ARG_SOCKADDR_OUT", "usockaddr_len"),
                    "usockaddr_len": "ARG_SOCKLEN_PTR"},
    # iovec arrays with their data: written from (IN) or read into (OUT, bounded by the result).
    "readv": {"vec": ("ARG_IOV_OUT", "vlen")},
    "writev": {"vec": ("ARG_IOV_IN", "vlen")},
    "preadv": {"vec": ("ARG_IOV_OUT", "vlen")},
    "pwritev": {"vec": ("ARG_IOV_IN", "vlen")},
    "preadv2": {"vec": ("ARG_IOV_OUT", "vlen")},
    "pwritev2": {"vec": ("ARG_IOV_IN", "vlen")},
    "sendmmsg": {"flags": "ARG_MSG_FLAGS"},
    "recvmmsg": {"flags": "ARG_MSG_FLAGS"},
    "setsockopt": {"level": "ARG_SOL", "optname": "ARG_SOCKOPT",
                   "optval": ("ARG_SOCKOPT_VAL", "optlen")},
    "getsockopt": {"level": "ARG_SOL", "optname": "ARG_SOCKOPT", "optval": "ARG_SOCKOPT_VAL_OUT",
                   "optlen": "ARG_OPTLEN_INOUT"},
    "sigaltstack": {"uss": "ARG_STACK_IN", "uoss": "ARG_STACK_OUT"},
    "madvise": {"behavior": "ARG_MADV"},
    "epoll_ctl": {"op": "ARG_EPOLL_OP", "event": "ARG_EPOLL_EVENT_IN"},
    "getrandom": {"ubuf": ("ARG_BUF_OUT", "len"), "flags": "ARG_GRND_FLAGS"},
    "prlimit64": {"resource": "ARG_RLIMIT", "new_rlim": "ARG_RLIMIT_IN", "old_rlim": "ARG_RLIMIT_OUT"},
    "statx": {"mask": "ARG_STATX_MASK", "buffer": "ARG_STATX_OUT"},
    "poll": {"ufds": "ARG_POLLFDS"},
    "clone3": {"uargs": "ARG_CLONE_ARGS_IN"},
    "ppoll": {"ufds": "ARG_POLLFDS", "tsp": "ARG_TIMESPEC_INOUT", "sigmask": "ARG_SIGSET_IN"},
    # The entries in the buffer, counted ("0x... /* 25 entries */").
    "getdents64": {"dirent": "ARG_DIRENTS"},
    "getdents": {"dirent": "ARG_DIRENTS"},
    # fd_sets of n bits and the timeout the call writes back (what is left of it).
    "select": {"inp": ("ARG_FDSET", "n"), "outp": ("ARG_FDSET", "n"), "exp": ("ARG_FDSET", "n"),
               "tvp": "ARG_TIMEVAL_INOUT"},
    "pselect6": {"inp": ("ARG_FDSET", "n"), "outp": ("ARG_FDSET", "n"),
                 "exp": ("ARG_FDSET", "n"), "tsp": "ARG_TIMESPEC_INOUT"},
    "epoll_wait": {"events": "ARG_EPOLL_EVENTS_OUT"},
    "epoll_pwait": {"events": "ARG_EPOLL_EVENTS_OUT", "sigmask": "ARG_SIGSET_IN"},
    "epoll_pwait2": {"events": "ARG_EPOLL_EVENTS_OUT", "timeout": "ARG_TIMESPEC_IN",
                     "sigmask": "ARG_SIGSET_IN"},
    "rt_sigaction": {"act": "ARG_SIGACTION_IN", "oact": "ARG_SIGACTION_OUT"},
    "rt_sigpending": {"uset": "ARG_SIGSET_OUT"},
    "rt_sigsuspend": {"unewset": "ARG_SIGSET_IN"},
    "rt_sigtimedwait": {"uthese": "ARG_SIGSET_IN", "uinfo": "ARG_SIGINFO_OUT",
                        "uts": "ARG_TIMESPEC_IN"},
    "uname": {"name": "ARG_UTSNAME_OUT"},
    "sysinfo": {"info": "ARG_SYSINFO_OUT"},
    "gettimeofday": {"tv": "ARG_TIMEVAL_OUT"},
    "settimeofday": {"tv": "ARG_TIMEVAL_IN"},
    "setitimer": {"which": "ARG_ITIMER_WHICH", "value": "ARG_ITIMERVAL_IN",
                  "ovalue": "ARG_ITIMERVAL_OUT"},
    "getitimer": {"which": "ARG_ITIMER_WHICH", "value": "ARG_ITIMERVAL_OUT"},
    "timerfd_settime": {"utmr": "ARG_ITIMERSPEC_IN", "otmr": "ARG_ITIMERSPEC_OUT"},
    "timerfd_gettime": {"otmr": "ARG_ITIMERSPEC_OUT"},
    "timer_settime": {"new_setting": "ARG_ITIMERSPEC_IN", "old_setting": "ARG_ITIMERSPEC_OUT"},
    "timer_gettime": {"setting": "ARG_ITIMERSPEC_OUT"},
    "mq_timedsend": {"u_msg_ptr": ("ARG_BUF_IN", "msg_len")},
    # Host and domain names are counted, not NUL-terminated.
    "sethostname": {"name": ("ARG_BUF_IN", "len")},
    "setdomainname": {"name": ("ARG_BUF_IN", "len")},
    "open": {"flags": "ARG_OPEN_FLAGS"},
    "openat": {"flags": "ARG_OPEN_FLAGS"},
    "mq_open": {"oflag": "ARG_OPEN_FLAGS"},
    "open_by_handle_at": {"flags": "ARG_OPEN_FLAGS"},
    "fanotify_init": {"event_f_flags": "ARG_OPEN_FLAGS"},
    "mmap": {"flags": "ARG_MMAP_FLAGS", "off": "ARG_HEX"},
    "remap_file_pages": {"flags": "ARG_MMAP_FLAGS"},
    "access": {"mode": "ARG_ACCESS"},
    "faccessat": {"mode": "ARG_ACCESS"},
    "faccessat2": {"mode": "ARG_ACCESS"},
    "umask": {"mask": "ARG_MODE"},
    "clone": {"clone_flags": "ARG_CLONE_FLAGS", "tls": "ARG_HEX"},
    "unshare": {"unshare_flags": "ARG_CLONE_FLAGS"},
    "setns": {"flags": "ARG_CLONE_FLAGS"},
    "socket": {"family": "ARG_FAMILY", "type": "ARG_SOCK_TYPE", "protocol": "ARG_SOCK_PROTO"},
    "socketpair": {"family": "ARG_FAMILY", "type": "ARG_SOCK_TYPE"},
    "accept4": {"flags": "ARG_SOCK_TYPE", "upeer_sockaddr": ("ARG_SOCKADDR_OUT", "upeer_addrlen"),
                "upeer_addrlen": "ARG_SOCKLEN_PTR"},
    "fcntl": {"cmd": "ARG_FCNTL_CMD", "arg": "ARG_HEX"},
    "ioctl": {"cmd": "ARG_IOCTL", "arg": "ARG_HEX"},
    "semctl": {"arg": "ARG_HEX"},
    "wait4": {"options": "ARG_WAIT_OPTS", "stat_addr": "ARG_WAIT_STATUS"},
    "stat": {"statbuf": "ARG_STAT_OUT"},
    "lstat": {"statbuf": "ARG_STAT_OUT"},
    "fstat": {"statbuf": "ARG_STAT_OUT"},
    "newfstatat": {"statbuf": "ARG_STAT_OUT", "flag": "ARG_AT_FLAGS"},
    "clock_gettime": {"which_clock": "ARG_CLOCKID", "tp": "ARG_TIMESPEC_OUT"},
    "clock_getres": {"which_clock": "ARG_CLOCKID", "tp": "ARG_TIMESPEC_OUT"},
    "clock_settime": {"which_clock": "ARG_CLOCKID", "tp": "ARG_TIMESPEC_IN"},
    "clock_adjtime": {"which_clock": "ARG_CLOCKID"},
    "timer_create": {"which_clock": "ARG_CLOCKID"},
    "nanosleep": {"rqtp": "ARG_TIMESPEC_IN"},
    "clock_nanosleep": {"which_clock": "ARG_CLOCKID", "flags": "ARG_TIMER_FLAGS",
                        "rqtp": "ARG_TIMESPEC_IN"},
    "pipe": {"fildes": "ARG_PIPE_FDS"},
    "getrlimit": {"resource": "ARG_RLIMIT", "rlim": "ARG_RLIMIT_OUT"},
    "setrlimit": {"resource": "ARG_RLIMIT", "rlim": "ARG_RLIMIT_IN"},
    "waitid": {"options": "ARG_WAIT_OPTS"},
    "pipe2": {"flags": "ARG_PIPE_FLAGS", "fildes": "ARG_PIPE_FDS"},
    "dup3": {"flags": "ARG_PIPE_FLAGS"},
    "eventfd2": {"flags": "ARG_PIPE_FLAGS"},
    "epoll_create1": {"flags": "ARG_PIPE_FLAGS"},
    "inotify_init1": {"flags": "ARG_PIPE_FLAGS"},
    "signalfd4": {"flags": "ARG_PIPE_FLAGS"},
    "timerfd_create": {"flags": "ARG_PIPE_FLAGS"},
    "userfaultfd": {"flags": "ARG_PIPE_FLAGS"},
    "pidfd_open": {"flags": "ARG_PIPE_FLAGS"},
    "memfd_secret": {"flags": "ARG_PIPE_FLAGS"},
    "rt_sigprocmask": {"how": "ARG_SIGPROCMASK_HOW", "nset": "ARG_SIGSET_IN",
                       "oset": "ARG_SIGSET_OUT"},
    "futex": {"op": "ARG_FUTEX_OP", "val3": "ARG_HEX"},
    # execveat(AT_FDCWD, ...) is valid: its fd is a directory fd.
    "execveat": {"fd": "ARG_DIRFD", "flags": "ARG_AT_FLAGS", "argv": "ARG_ARGV",
                 "envp": "ARG_ENVP"},
    "execve": {"argv": "ARG_ARGV", "envp": "ARG_ENVP"},
    # Flags of calls with a dirfd that are not AT_* flags.
    "renameat2": {"flags": "ARG_HEX"},
    "move_mount": {"flags": "ARG_HEX"},
    "fspick": {"flags": "ARG_HEX"},
    "fanotify_mark": {"flags": "ARG_HEX"},
    # File names under other argument names.
    "acct": {"name": "ARG_PATH"},
    "name_to_handle_at": {"name": "ARG_PATH"},
    "umount2": {"name": "ARG_PATH"},
    "quotactl": {"special": "ARG_PATH"},
    "mount": {"dev_name": "ARG_PATH", "dir_name": "ARG_PATH", "type": "ARG_STR",
              "flags": "ARG_HEX"},
    "kexec_file_load": {"cmdline_ptr": "ARG_STR"},
    # rseq's sig is a signature word, not a signal.
    "rseq": {"rseq_len": "ARG_HEX", "sig": "ARG_HEX"},
    "prctl": {"option": "ARG_PRCTL", "arg2": "ARG_HEX", "arg3": "ARG_HEX", "arg4": "ARG_HEX",
              "arg5": "ARG_HEX"},
    "keyctl": {"arg2": "ARG_HEX", "arg3": "ARG_HEX", "arg4": "ARG_HEX", "arg5": "ARG_HEX"},
    "arch_prctl": {"option": "ARG_ARCH_PRCTL", "arg2": "ARG_HEX"},
    "ptrace": {"addr": "ARG_PTR", "data": "ARG_HEX"},
}

PATH_NAMES = {"filename", "pathname", "path", "oldname", "newname", "specialfile", "new_root",
              "put_old", "from_pathname", "to_pathname", "library"}
# const char * arguments known to be NUL-terminated strings that are not file names.
STR_NAMES = {"name", "_type", "_description", "_callout_info", "_key", "_fs_name", "uname",
             "u_name", "uargs", "name_user"}
FD_NAMES = {"fd", "oldfd", "newfd", "fildes", "epfd", "ufd", "fd_in", "fd_out", "in_fd",
            "out_fd", "fdin", "fdout", "fanotify_fd", "ruleset_fd", "pidfd", "group_fd", "fs_fd",
            "mqdes", "kernel_fd", "initrd_fd"}
DIRFD_NAMES = {"dfd", "olddfd", "newdfd", "from_dfd", "to_dfd", "mountdirfd"}
ADDR_NAMES = {"addr", "start", "new_addr", "brk", "newsp"}
LONG_TYPES = {"long", "loff_t", "off_t"}
UINT_TYPES = {"size_t", "unsigned int", "unsigned", "unsigned long", "u32", "u64", "__u32",
              "__u64", "uid_t", "gid_t", "qid_t", "unsigned char"}
HEX_TYPES = {"aio_context_t", "rwf_t"}
PTR_TYPES = {"cap_user_header_t", "cap_user_data_t"}

RET_FD = {"open", "openat", "openat2", "creat", "socket", "accept", "accept4", "dup", "dup2",
          "dup3", "epoll_create", "epoll_create1", "eventfd", "eventfd2", "memfd_create",
          "memfd_secret", "signalfd", "signalfd4", "timerfd_create", "pidfd_open", "pidfd_getfd",
          "inotify_init", "inotify_init1", "fanotify_init", "userfaultfd", "perf_event_open",
          "io_uring_setup", "open_by_handle_at", "open_tree", "open_tree_attr", "fsopen",
          "fsmount", "fspick", "landlock_create_ruleset", "mq_open"}
RET_PTR = {"mmap", "mremap", "brk", "shmat"}
NORETURN = {"exit", "exit_group"}

# Syscall classes as strace 6.1 has them for x86-64 (its TD, TF, TN... flags:
# %desc, %file, %network...), syscalls strace 6.1 does not know as later strace
# releases class them. Membership is strace's, so that -e trace=%CLASS selects
# what strace's does.
STRACE_CLASSES = {
    "TD": {
        "read", "write", "open", "close", "fstat", "poll", "lseek", "mmap", "ioctl", "pread64",
        "pwrite64", "readv", "writev", "pipe", "select", "dup", "dup2", "sendfile", "fcntl",
        "flock", "fsync", "fdatasync", "ftruncate", "getdents", "fchdir", "creat", "fchmod",
        "fchown", "fstatfs", "readahead", "fsetxattr", "fgetxattr", "flistxattr",
        "fremovexattr", "epoll_create", "getdents64", "fadvise64", "epoll_wait", "epoll_ctl",
        "mq_open", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
        "inotify_init", "inotify_add_watch", "inotify_rm_watch", "openat", "mkdirat",
        "mknodat", "fchownat", "futimesat", "newfstatat", "unlinkat", "renameat", "linkat",
        "symlinkat", "readlinkat", "fchmodat", "faccessat", "pselect6", "ppoll", "splice",
        "tee", "sync_file_range", "vmsplice", "utimensat", "epoll_pwait", "signalfd",
        "timerfd_create", "eventfd", "fallocate", "timerfd_settime", "timerfd_gettime",
        "signalfd4", "eventfd2", "epoll_create1", "dup3", "pipe2", "inotify_init1", "preadv",
        "pwritev", "perf_event_open", "fanotify_init", "fanotify_mark", "name_to_handle_at",
        "open_by_handle_at", "syncfs", "setns", "finit_module", "renameat2", "memfd_create",
        "kexec_file_load", "bpf", "execveat", "userfaultfd", "copy_file_range", "preadv2",
        "pwritev2", "statx", "pidfd_send_signal", "io_uring_setup", "io_uring_enter",
        "io_uring_register", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount",
        "fspick", "pidfd_open", "openat2", "pidfd_getfd", "faccessat2", "process_madvise",
        "epoll_pwait2", "mount_setattr", "quotactl_fd", "landlock_create_ruleset",
        "landlock_add_rule", "landlock_restrict_self", "memfd_secret", "process_mrelease",
        "cachestat", "fchmodat2", "setxattrat", "getxattrat", "listxattrat", "removexattrat",
        "open_tree_attr", "file_getattr", "file_setattr"},
    "TF": {
        "open", "stat", "lstat", "access", "execve", "truncate", "getcwd", "chdir", "rename",
        "mkdir", "rmdir", "creat", "link", "unlink", "symlink", "readlink", "chmod", "chown",
        "lchown", "utime", "mknod", "uselib", "statfs", "pivot_root", "chroot", "acct",
        "mount", "umount2", "swapon", "swapoff", "quotactl", "setxattr", "lsetxattr",
        "getxattr", "lgetxattr", "listxattr", "llistxattr", "removexattr", "lremovexattr",
        "utimes", "inotify_add_watch", "openat", "mkdirat", "mknodat", "fchownat", "futimesat",
        "newfstatat", "unlinkat", "renameat", "linkat", "symlinkat", "readlinkat", "fchmodat",
        "faccessat", "utimensat", "fanotify_mark", "name_to_handle_at", "renameat2",
        "execveat", "statx", "open_tree", "move_mount", "fsconfig", "fspick", "openat2",
        "faccessat2", "mount_setattr", "fchmodat2", "setxattrat", "getxattrat", "listxattrat",
        "removexattrat", "open_tree_attr", "file_getattr", "file_setattr"},
    "TI": {
        "shmget", "shmat", "shmctl", "semget", "semop", "semctl", "shmdt", "msgget", "msgsnd",
        "msgrcv", "msgctl", "semtimedop"},
    "TN": {
        "sendfile", "socket", "connect", "accept", "sendto", "recvfrom", "sendmsg", "recvmsg",
        "shutdown", "bind", "listen", "getsockname", "getpeername", "socketpair", "setsockopt",
        "getsockopt", "getpmsg", "putpmsg", "accept4", "recvmmsg", "sendmmsg"},
    "TP": {
        "clone", "fork", "vfork", "execve", "exit", "wait4", "kill", "rt_sigqueueinfo",
        "tkill", "exit_group", "tgkill", "waitid", "rt_tgsigqueueinfo", "execveat",
        "pidfd_send_signal", "clone3"},
    "TS": {
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "pause", "kill", "rt_sigpending",
        "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend", "sigaltstack", "tkill",
        "tgkill", "signalfd", "signalfd4", "rt_tgsigqueueinfo", "pidfd_send_signal",
        "io_uring_enter"},
    "TM": {
        "mmap", "mprotect", "munmap", "brk", "mremap", "msync", "mincore", "madvise", "shmat",
        "shmdt", "mlock", "munlock", "mlockall", "munlockall", "io_setup", "io_destroy",
        "remap_file_pages", "mbind", "set_mempolicy", "get_mempolicy", "migrate_pages",
        "move_pages", "mlock2", "pkey_mprotect", "io_uring_register",
        "set_mempolicy_home_node", "map_shadow_stack", "mseal"},
    "TST": {
        "stat"},
    "TLST": {
        "lstat"},
    "TFST": {
        "fstat", "newfstatat", "statx"},
    "TSTA": {
        "stat", "fstat", "lstat", "newfstatat", "statx"},
    "TSF": {
        "statfs"},
    "TFSF": {
        "fstatfs"},
    "TSFA": {
        "ustat", "statfs", "fstatfs"},
    "PU": {
        "getpid", "getuid", "getgid", "geteuid", "getegid", "getppid", "getpgrp", "gettid"},
    "TC": {
        "getuid", "getgid", "setuid", "setgid", "geteuid", "getegid", "setreuid", "setregid",
        "getgroups", "setgroups", "setresuid", "getresuid", "setresgid", "getresgid",
        "setfsuid", "setfsgid", "capget", "capset", "prctl"},
    "TCL": {
        "gettimeofday", "adjtimex", "settimeofday", "time", "clock_settime", "clock_gettime",
        "clock_getres", "clock_adjtime"},
}

# strace's flag -> the SC_ bit (user/common/syscalls.h).
CLASS_BITS = {"TD": "SC_DESC", "TF": "SC_FILE", "TI": "SC_IPC", "TN": "SC_NETWORK",
              "TP": "SC_PROCESS", "TS": "SC_SIGNAL", "TM": "SC_MEMORY", "TST": "SC_STAT",
              "TLST": "SC_LSTAT", "TFST": "SC_FSTAT", "TSTA": "SC_STAT_LIKE",
              "TSF": "SC_STATFS", "TFSF": "SC_FSTATFS", "TSFA": "SC_STATFS_LIKE",
              "PU": "SC_PURE", "TC": "SC_CREDS", "TCL": "SC_CLOCK"}

# Classes of the i386 calls x86-64 has no call of that name for (strace 6.1's i386 table).
STRACE_CLASSES_32 = {
    "TD": {
        "oldfstat", "readdir", "socketcall", "_llseek", "_newselect", "mmap2", "ftruncate64",
        "fstat64", "fchown32", "fcntl64", "sendfile64", "fstatfs64", "fadvise64_64",
        "fstatat64"},
    "TF": {
        "oldstat", "umount", "oldlstat", "truncate64", "stat64", "lstat64", "lchown32",
        "chown32", "statfs64", "fstatat64"},
    "TI": {
        "ipc"},
    "TN": {
        "sendfile64"},
    "TP": {
        "waitpid"},
    "TS": {
        "signal", "sigaction", "sgetmask", "ssetmask", "sigsuspend", "sigpending", "sigreturn",
        "sigprocmask"},
    "TM": {
        "break", "mmap2"},
    "TST": {
        "oldstat", "stat64"},
    "TLST": {
        "oldlstat", "lstat64"},
    "TFST": {
        "oldfstat", "fstat64", "fstatat64"},
    "TSTA": {
        "oldstat", "oldfstat", "oldlstat", "stat64", "lstat64", "fstat64", "fstatat64"},
    "TSF": {
        "statfs64"},
    "TFSF": {
        "fstatfs64"},
    "TSFA": {
        "statfs64", "fstatfs64"},
    "PU": {
        "getuid32", "getgid32", "geteuid32", "getegid32"},
    "TC": {
        "getuid32", "getgid32", "geteuid32", "getegid32", "setreuid32", "setregid32",
        "getgroups32", "setgroups32", "setresuid32", "getresuid32", "setresgid32",
        "getresgid32", "setuid32", "setgid32", "setfsuid32", "setfsgid32"},
}

# i386 calls (int $0x80 from a 64-bit process, or a 32-bit one) whose arguments
# are not those of the x86-64 call of that name, or that x86-64 lacks: 64-bit
# values come in two registers, old calls take other structs.
I386_SIGNATURES = {
    "mmap": ["struct mmap_arg_struct * arg"],  # old_mmap: the six words in memory
    "mmap2": ["unsigned long addr", "unsigned long len", "unsigned long prot",
              "unsigned long flags", "unsigned long fd", "unsigned long pgoff"],
    "waitpid": ["pid_t pid", "int * stat_addr", "int options"],
    "stat64": ["const char * filename", "struct stat64 * statbuf"],
    "lstat64": ["const char * filename", "struct stat64 * statbuf"],
    "fstat64": ["unsigned long fd", "struct stat64 * statbuf"],
    "fstatat64": ["int dfd", "const char * filename", "struct stat64 * statbuf", "int flag"],
    "_llseek": ["unsigned int fd", "unsigned long offset_high", "unsigned long offset_low",
                "loff_t * result", "unsigned int whence"],
    "socketcall": ["int call", "unsigned long * args"],
    "ipc": ["unsigned int call", "int first", "unsigned long second", "unsigned long third",
            "void * ptr", "long fifth"],
    "truncate64": ["const char * path", "unsigned long length_lo", "unsigned long length_hi"],
    "ftruncate64": ["unsigned int fd", "unsigned long length_lo", "unsigned long length_hi"],
    "statfs64": ["const char * path", "size_t sz", "struct statfs64 * buf"],
    "fstatfs64": ["unsigned int fd", "size_t sz", "struct statfs64 * buf"],
    "fadvise64_64": ["int fd", "unsigned long offset_lo", "unsigned long offset_hi",
                     "unsigned long len_lo", "unsigned long len_hi", "int advice"],
    "pread64": ["unsigned int fd", "char * buf", "size_t count", "unsigned long pos_lo",
                "unsigned long pos_hi"],
    "pwrite64": ["unsigned int fd", "const char * buf", "size_t count", "unsigned long pos_lo",
                 "unsigned long pos_hi"],
    "sigreturn": [],
    "umount": ["char * name"],
    "nice": ["int increment"],
    "sigprocmask": ["int how", "old_sigset_t * nset", "old_sigset_t * oset"],
    "signal": ["int sig", "__sighandler_t handler"],
    "sigaction": ["int sig", "const struct old_sigaction * act", "struct old_sigaction * oact"],
}
# i386 calls that take what another call of the table takes.
I386_SAME = {"fcntl64": "fcntl", "_newselect": "select", "sendfile64": "sendfile",
             "ugetrlimit": "getrlimit"}
I386_OVERRIDES = {
    "mmap": {},
    "mmap2": {"flags": "ARG_MMAP_FLAGS", "pgoff": "ARG_HEX"},
    "waitpid": {"options": "ARG_WAIT_OPTS"},
    "sigprocmask": {"how": "ARG_SIGPROCMASK_HOW"},
    "fcntl64": {"cmd": "ARG_FCNTL_CMD", "arg": "ARG_HEX"},
    "pread64": {"buf": ("ARG_BUF_OUT", "count")},
    "pwrite64": {"buf": ("ARG_BUF_IN", "count")},
}
I386_RET_PTR = {"mmap2"}

AT_SLOTS = 4
SLOT_KINDS = {"ARG_PATH", "ARG_STR", "ARG_BUF_IN", "ARG_BUF_OUT", "ARG_SOCKOPT_VAL", "ARG_SOCKADDR_IN",
              "ARG_SOCKADDR_OUT", "ARG_IOV_IN", "ARG_IOV_OUT"}
# A msghdr takes two slots: the structure, and its iovec array with the data.
TWO_SLOT_KINDS = {"ARG_MSGHDR_IN", "ARG_MSGHDR_OUT"}
# Structures with pointers or longs, whose i386 layout is not x86-64's: their address
# (an fd_set too: its longs, and i386's old select takes a struct of the arguments).
NATIVE_ONLY = TWO_SLOT_KINDS | {"ARG_IOV_IN", "ARG_IOV_OUT", "ARG_FDSET", "ARG_DIRENTS"}


def die(msg):
    sys.exit(f"gen-syscalls: {msg}")


def ensure_tracefs():
    """Mounts tracefs when /sys/kernel/tracing is empty."""
    if os.path.isdir(os.path.join(TRACEFS, "events")):
        return
    try:
        subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        die(f"{TRACEFS}: cannot mount tracefs ({e}); run as root")


def read_unistd(path):
    nrs = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
            if m:
                nrs[m.group(1)] = int(m.group(2))
    if not nrs:
        die(f"{path}: no __NR_ definitions")
    return nrs


def split_decl(decl):
    """'const char * filename' -> ('const char *', 'filename')."""
    decl = decl.strip()
    m = re.match(r"(.*?)\s*(\w+)$", decl)
    if not m:
        die(f"cannot parse argument '{decl}'")
    return m.group(1).strip(), m.group(2)


def read_formats():
    """Argument declarations of every syscall tracefs knows, by uapi name."""
    base = os.path.join(TRACEFS, "events", "syscalls")
    sigs = {}
    for ent in sorted(os.listdir(base)):
        if not ent.startswith("sys_enter_"):
            continue
        name = ent[len("sys_enter_"):]
        args, seen_nr = [], False
        with open(os.path.join(base, ent, "format")) as f:
            for line in f:
                m = re.match(r"\s*field:([^;]*);", line)
                if not m:
                    continue
                if seen_nr:
                    args.append(m.group(1))
                elif m.group(1).endswith("__syscall_nr"):
                    seen_nr = True
        sigs[RENAME.get(name, name)] = args
    if not sigs:
        die(f"{base}: no sys_enter_* events (kernel without CONFIG_FTRACE_SYSCALLS?)")
    return sigs


def generic_kind(ctype, name, has_dirfd):
    """The kind an argument's type and name suggest."""
    base = re.sub(r"\bconst\b", "", ctype)
    base = " ".join(base.replace("*", " * ").split())
    if "*" in ctype:
        if base == "char *":
            if name in PATH_NAMES:
                return "ARG_PATH"
            if ctype.startswith("const") and name in STR_NAMES:
                return "ARG_STR"
        return "ARG_PTR"
    if base in PTR_TYPES:
        return "ARG_PTR"
    if name in FD_NAMES:
        return "ARG_FD"
    if name in DIRFD_NAMES:
        return "ARG_DIRFD"
    if base == "umode_t":
        return "ARG_MODE"
    if name == "sig" and base == "int":
        return "ARG_SIGNAL"
    if name == "prot":
        return "ARG_PROT"
    if name == "whence":
        return "ARG_WHENCE"
    if has_dirfd and name in ("flag", "flags", "at_flags"):
        return "ARG_AT_FLAGS"
    if name in ADDR_NAMES and base == "unsigned long":
        return "ARG_PTR"
    if name in ("flag", "flags", "mask") or name.endswith("_flags") or base in HEX_TYPES:
        return "ARG_HEX"
    if base in LONG_TYPES:
        return "ARG_LONG"
    if base in UINT_TYPES:
        return "ARG_UINT"
    return "ARG_INT"


def describe(name, decls, over=None, classes_of=None, ret_ptr=()):
    """The table entry of one syscall."""
    args = [split_decl(d) for d in decls]
    names = [n for _, n in args]
    if over is None:
        over = OVERRIDES.get(name, {})
    for a in over:
        if a not in names:
            die(f"override {name}.{a}: no such argument in ({', '.join(names)})")
    has_dirfd = any(n in DIRFD_NAMES for n in names)
    kinds, lens = [], []
    for ctype, n in args:
        k = over.get(n) or generic_kind(ctype, n, has_dirfd)
        if isinstance(k, tuple):
            k, len_name = k
            lens.append(names.index(len_name))
        else:
            lens.append(0)
        kinds.append(k)

    ret = ("ARG_FD" if name in RET_FD else
           "ARG_PTR" if name in RET_PTR or name in ret_ptr else "ARG_INT")
    classes = [CLASS_BITS[f] for f, members in (classes_of or STRACE_CLASSES).items()
               if name in members]
    return {"name": name, "args": names, "kinds": kinds, "lens": lens, "ret": ret,
            "noreturn": name in NORETURN, "classes": classes}


def c_array(items):
    return "{ " + ", ".join(items) + " }"


def emit_entry(nr, d, note=None):
    lines = [f"\t[{nr}] = {{" + (f" /* {note} */" if note else ""),
             f'\t\t.name = "{d["name"]}",']
    n = len(d["args"])
    if n:
        lines.append(f"\t\t.nargs = {n},")
        lines.append(f"\t\t.arg = {c_array(d['kinds'])},")
        lens = [f"[{i}] = {v}" for i, v in enumerate(d["lens"]) if v]
        if lens:
            lines.append(f"\t\t.len_arg = {c_array(lens)},")
    lines.append(f"\t\t.ret = {d['ret']},")
    if d["noreturn"]:
        lines.append("\t\t.noreturn = 1,")
    if d["classes"]:
        lines.append(f"\t\t.classes = {' | '.join(d['classes'])},")
    if n:
        names = c_array('"' + a + '"' for a in d["args"])
        lines.append(f"\t\t.argname = {names},")
    lines.append("\t},")
    return "\n".join(lines)


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description="Regenerates the syscall table.")
    ap.add_argument("-o", "--output", default=os.path.join(top, "user", "common", "syscall_table.c"))
    opts = ap.parse_args()

    ensure_tracefs()
    nrs = read_unistd(UNISTD)
    sigs = read_formats()
    for name, nr in EXTRA_NR.items():
        nrs.setdefault(name, nr)
    unknown = sorted(set(sigs) - set(nrs))
    if unknown:
        print(f"gen-syscalls: no number for {' '.join(unknown)}; left out", file=sys.stderr)

    entries, two_slots = [], []
    for name, nr in sorted(nrs.items(), key=lambda kv: kv[1]):
        if nr >= NR_MAX:
            die(f"{name}: number {nr} >= AT_NR_MAX")
        d = describe(name, sigs.get(name, SIGNATURES.get(name, [])))
        entries.append(emit_entry(nr, d))
        if (sum(k in SLOT_KINDS for k in d["kinds"]) +
                2 * sum(k in TWO_SLOT_KINDS for k in d["kinds"])) >= AT_SLOTS:
            two_slots.append(name)

    # i386: the numbers of <asm/unistd_32.h>, from NR_COMPAT on. Numbers from
    # 424 on are the same on both (the kernel's common table), as are the names
    # of most: those take the x86-64 call's signature, except I386_SIGNATURES.
    names64 = set(nrs)
    nrs32 = read_unistd(UNISTD32)
    for name, nr in EXTRA_NR.items():
        if nr >= 424:
            nrs32.setdefault(name, nr)
    raw = []
    for name, nr in sorted(nrs32.items(), key=lambda kv: kv[1]):
        if NR_COMPAT + nr >= NR_MAX:
            die(f"i386 {name}: number {nr} >= AT_NR_MAX - AT_NR_COMPAT")
        base = I386_SAME.get(name) or name
        for suffix in ("32", "_time64", "64"):
            if name.endswith(suffix) and name[:-len(suffix)] in names64:
                base = name[:-len(suffix)]
                break
        if name in I386_SIGNATURES:
            decls, over = I386_SIGNATURES[name], I386_OVERRIDES.get(name, {})
        elif base in sigs or base in SIGNATURES:
            decls = sigs.get(base, SIGNATURES.get(base))
            over = I386_OVERRIDES.get(name, OVERRIDES.get(base, {}))
        else:
            # No signature known: the six registers, as strace shows an unknown call.
            decls, over = [f"unsigned long arg{i}" for i in range(1, 7)], {}
            raw.append(name)
        d = describe(name, decls, over,
                     STRACE_CLASSES if name in names64 else STRACE_CLASSES_32, I386_RET_PTR)
        if name in raw:
            d["kinds"] = ["ARG_HEX"] * 6
        # Structures whose i386 layout is not x86-64's (32-bit longs and time_t)
        # are shown as their address; int arrays, timespec64 and rlimit64 are the same.
        for i, k in enumerate(d["kinds"]):
            if (k in ("ARG_STAT_OUT", "ARG_SYSINFO_OUT") or k in NATIVE_ONLY or
                    k.startswith(("ARG_SIGACTION_", "ARG_TIMEVAL_", "ARG_ITIMERVAL_",
                                  "ARG_STACK_", "ARG_SIGINFO_")) or
                    (k.startswith(("ARG_TIMESPEC", "ARG_ITIMERSPEC"))
                     and not name.endswith("_time64")) or
                    (k.startswith("ARG_RLIMIT_") and name != "prlimit64")):
                d["kinds"][i] = "ARG_PTR"
        d["classes"] = d["classes"] or [CLASS_BITS[f] for f, m in STRACE_CLASSES.items()
                                        if base in m and base != name]
        entries.append(emit_entry(NR_COMPAT + nr, d, f"i386 {nr}"))

    release = platform.release()
    out = [
        "// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause",
        "/*",
        " * Generated by tools/gen-syscalls.py from the tracefs syscall formats of Linux",
        f" * {release}, <asm/unistd_64.h> and, from AT_NR_COMPAT on, <asm/unistd_32.h>",
        " * (i386). Do not edit: change the generator and rerun it.",
        " */",
        '#include "syscalls.h"',
        "",
        "const struct syscall_desc syscall_table[AT_NR_MAX] = {",
        *entries,
        "};",
        "",
    ]
    tmp = opts.output + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out))
    os.replace(tmp, opts.output)
    print(f"gen-syscalls: {opts.output}: {len(entries)} syscalls from {release}", file=sys.stderr)
    print(f"gen-syscalls: {AT_SLOTS}+ capture slots: {' '.join(two_slots)}", file=sys.stderr)
    print(f"gen-syscalls: i386 calls shown as raw registers: {' '.join(raw)}", file=sys.stderr)


if __name__ == "__main__":
    main()
