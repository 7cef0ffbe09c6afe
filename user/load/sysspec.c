// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the kernel captures for each syscall, from the syscall table's signatures. */
#include <string.h>

#include "syscalls.h"
#include "sysspec.h"

/* The slot kind of a socket address or iovec argument. */
static uint8_t sock_slot_kind(unsigned kind)
{
	switch (kind) {
	case ARG_SOCKADDR_IN:
		return AT_SLOT_SADDR_IN;
	case ARG_SOCKADDR_OUT:
		return AT_SLOT_SADDR_OUT;
	case ARG_IOV_IN:
		return AT_SLOT_IOV_IN;
	}
	return AT_SLOT_IOV_OUT;
}

void syscall_specs(struct at_sys_spec specs[AT_NR_MAX])
{
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		const struct syscall_desc *d = &syscall_table[nr];
		struct at_sys_spec *sp = &specs[nr];
		unsigned n = 0;

		memset(sp, 0, sizeof(*sp));
		memset(sp->slot_arg, AT_ARG_NONE, sizeof(sp->slot_arg));
		memset(sp->len_arg, AT_ARG_NONE, sizeof(sp->len_arg));
		sp->noreturn = d->noreturn;
		sp->exec = d->name && (!strcmp(d->name, "execve") || !strcmp(d->name, "execveat"));
		sp->fork = d->name && (!strcmp(d->name, "clone") || !strcmp(d->name, "clone3") ||
				       !strcmp(d->name, "fork") || !strcmp(d->name, "vfork"));
		/* -P: the fds and paths a call names, and whether it returns a new fd. */
		for (unsigned i = 0; i < d->nargs && i < AT_MAX_ARGS; i++) {
			if (d->arg[i] == ARG_FD || d->arg[i] == ARG_DIRFD)
				sp->fd_mask |= (uint8_t)(1u << i);
			if (d->arg[i] == ARG_PATH)
				sp->path_mask |= (uint8_t)(1u << i);
		}
		sp->ret_fd = d->ret == ARG_FD;
		for (unsigned i = 0; i < d->nargs && i < AT_MAX_ARGS && n < AT_SLOTS; i++) {
			switch (d->arg[i]) {
			case ARG_PATH:
				sp->slot_kind[n] = AT_SLOT_PATH_IN;
				break;
			case ARG_STR:
				sp->slot_kind[n] = AT_SLOT_STR_IN;
				break;
			case ARG_BUF_IN:
			case ARG_SOCKOPT_VAL:
				sp->slot_kind[n] = AT_SLOT_BUF_IN;
				sp->len_arg[n] = d->len_arg[i];
				break;
			case ARG_BUF_OUT:
				sp->slot_kind[n] = AT_SLOT_BUF_OUT;
				sp->len_arg[n] = d->len_arg[i];
				break;
			case ARG_STAT_OUT:
			case ARG_TIMESPEC_OUT:
			case ARG_WAIT_STATUS:
			case ARG_PIPE_FDS:
			case ARG_RLIMIT_OUT:
				sp->slot_kind[n] = AT_SLOT_OBJ_OUT;
				sp->len_arg[n] = (uint8_t)syscall_obj_size(d->arg[i]);
				break;
			case ARG_ARGV:
				sp->slot_kind[n] = AT_SLOT_ARGV;
				break;
			case ARG_POLLFDS:
				/* struct pollfd, as many as the nfds after it. */
				sp->slot_kind[n] = AT_SLOT_ARR_OUT;
				sp->len_arg[n] = (uint8_t)(i + 1);
				sp->elem[n] = 8;
				break;
			case ARG_EPOLL_EVENTS_OUT:
				/* struct epoll_event (packed: 12 bytes), as many as returned. */
				sp->slot_kind[n] = AT_SLOT_ARR_OUT;
				sp->len_arg[n] = AT_MAX_ARGS;
				sp->elem[n] = 12;
				break;
			case ARG_SIGACTION_OUT:
			case ARG_STACK_OUT:
			case ARG_SIGINFO_OUT:
			case ARG_SOCKOPT_VAL_OUT:
			case ARG_SIGSET_OUT:
			case ARG_UTSNAME_OUT:
			case ARG_SYSINFO_OUT:
			case ARG_TIMEVAL_OUT:
			case ARG_ITIMERVAL_OUT:
			case ARG_ITIMERSPEC_OUT:
			case ARG_STATX_OUT:
				sp->slot_kind[n] = AT_SLOT_OBJ_OUT;
				sp->len_arg[n] = (uint8_t)syscall_obj_size(d->arg[i]);
				break;
			case ARG_SIGACTION_IN:
			case ARG_STACK_IN:
			case ARG_SIGSET_IN:
			case ARG_TIMEVAL_IN:
			case ARG_ITIMERVAL_IN:
			case ARG_ITIMERSPEC_IN:
			case ARG_EPOLL_EVENT_IN:
			case ARG_CLONE_ARGS_IN:
			case ARG_TIMESPEC_IN:
			case ARG_RLIMIT_IN:
				sp->slot_kind[n] = AT_SLOT_OBJ_IN;
				sp->len_arg[n] = (uint8_t)syscall_obj_size(d->arg[i]);
				break;
			case ARG_TIMEVAL_INOUT:
			case ARG_TIMESPEC_INOUT:
			case ARG_OPTLEN_INOUT:
				sp->slot_kind[n] = AT_SLOT_INOUT;
				sp->len_arg[n] = (uint8_t)syscall_obj_size(d->arg[i]);
				break;
			case ARG_DIRENTS:
				sp->slot_kind[n] = AT_SLOT_DIRENTS;
				break;
			case ARG_FDSET:
				sp->slot_kind[n] = AT_SLOT_FDSET;
				sp->len_arg[n] = d->len_arg[i];
				break;
			case ARG_SOCKADDR_IN:
			case ARG_SOCKADDR_OUT:
			case ARG_IOV_IN:
			case ARG_IOV_OUT:
				sp->slot_kind[n] = sock_slot_kind(d->arg[i]);
				sp->len_arg[n] = d->len_arg[i];
				break;
			case ARG_MSGHDR_IN:
			case ARG_MSGHDR_OUT:
				/* Two slots: the msghdr, then its iovec array and data. */
				if (n + 2 > AT_SLOTS)
					continue;
				sp->slot_kind[n] = d->arg[i] == ARG_MSGHDR_IN ? AT_SLOT_MSG_IN :
										AT_SLOT_MSG_OUT;
				sp->slot_arg[n++] = i;
				sp->slot_kind[n] = d->arg[i] == ARG_MSGHDR_IN ? AT_SLOT_MSGIOV_IN :
										AT_SLOT_MSGIOV_OUT;
				break;
			default:
				continue;
			}
			sp->slot_arg[n++] = i;
		}
	}
}
