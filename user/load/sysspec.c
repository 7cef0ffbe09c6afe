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
		for (unsigned i = 0; i < d->nargs && i < AT_MAX_ARGS && n < AT_SLOTS; i++) {
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
			case ARG_STAT_OUT:
			case ARG_TIMESPEC_OUT:
			case ARG_WAIT_STATUS:
			case ARG_PIPE_FDS:
			case ARG_RLIMIT_OUT:
				sp->slot_kind[n] = AT_SLOT_OBJ_OUT;
				sp->len_arg[n] = (uint8_t)syscall_obj_size(d->arg[i]);
				break;
			case ARG_TIMESPEC_IN:
			case ARG_RLIMIT_IN:
				sp->slot_kind[n] = AT_SLOT_OBJ_IN;
				sp->len_arg[n] = (uint8_t)syscall_obj_size(d->arg[i]);
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
