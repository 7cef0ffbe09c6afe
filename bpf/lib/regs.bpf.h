/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Argument and return registers: of a syscall, of a SysV or Go function call.
 * The only place that names registers: another architecture brings its
 * vmlinux.h and its table here (bpf_tracing.h's PT_REGS_* where it has them).
 */
#ifndef AT_REGS_BPF_H
#define AT_REGS_BPF_H

#include <bpf/bpf_tracing.h>

#include "record.h"
#include "spec.h"

#ifndef bpf_target_x86
#error "bpf/lib/regs.bpf.h: no register table for this architecture"
#endif

/* The syscall's arguments (x86-64: rdi rsi rdx r10 r8 r9), from the tracepoint's registers. */
static __always_inline void sys_args(__u64 args[AT_MAX_ARGS], const struct pt_regs *regs)
{
	args[0] = PT_REGS_PARM1_SYSCALL(regs);
	args[1] = PT_REGS_PARM2_SYSCALL(regs);
	args[2] = PT_REGS_PARM3_SYSCALL(regs);
	args[3] = PT_REGS_PARM4_SYSCALL(regs);
	args[4] = PT_REGS_PARM5_SYSCALL(regs);
	args[5] = regs->r9; /* bpf_tracing.h has no sixth */
}

/* thread_info.status: the current syscall is a 32-bit one (arch/x86/include/asm/thread_info.h). */
#define AT_TS_COMPAT 0x0002

/*
 * Whether current is in a 32-bit syscall (int $0x80, or a 32-bit process):
 * the kernel set TS_COMPAT at its entry, for the call's duration, and it is
 * numbered and passed as on i386.
 */
static __always_inline bool sys_compat(void)
{
	return bpf_get_current_task_btf()->thread_info.status & AT_TS_COMPAT;
}

/* A 32-bit call's arguments: ebx ecx edx esi edi ebp, as i386 passes them. */
static __always_inline void sys_args_compat(__u64 args[AT_MAX_ARGS], const struct pt_regs *regs)
{
	args[0] = (__u32)regs->bx;
	args[1] = (__u32)regs->cx;
	args[2] = (__u32)regs->dx;
	args[3] = (__u32)regs->si;
	args[4] = (__u32)regs->di;
	args[5] = (__u32)regs->bp;
}

/*
 * The syscall's key (spec.h): its number, from AT_NR_COMPAT for a 32-bit
 * call; AT_NR_MAX, which no table has, for a number past them.
 */
static __always_inline __u64 sys_key(__u64 nr, bool compat)
{
	if (nr >= AT_NR_COMPAT)
		return AT_NR_MAX;
	return compat ? AT_NR_COMPAT + nr : nr;
}

/* The call's arguments, as its ABI passes them. */
static __always_inline void sys_args_of(__u64 args[AT_MAX_ARGS], const struct pt_regs *regs,
					bool compat)
{
	if (compat)
		sys_args_compat(args, regs);
	else
		sys_args(args, regs);
}

/* The number of the syscall the registers are in (-1 after rt_sigreturn). */
static __always_inline __u64 sys_nr(const struct pt_regs *regs)
{
	return regs->orig_ax;
}

/* A SysV function's arguments at its entry: rdi rsi rdx rcx r8 r9. */
static __always_inline void func_args(__u64 args[AT_MAX_ARGS], const struct pt_regs *ctx)
{
	args[0] = PT_REGS_PARM1(ctx);
	args[1] = PT_REGS_PARM2(ctx);
	args[2] = PT_REGS_PARM3(ctx);
	args[3] = PT_REGS_PARM4(ctx);
	args[4] = PT_REGS_PARM5(ctx);
	args[5] = ctx->r9; /* bpf_tracing.h has no sixth */
}

/*
 * A Go function's integer argument registers at its entry, in the ABI's
 * order (rax rbx rcx rdi rsi r8 r9 r10 r11); the words after them are 0, so
 * that any index below 16 reads a defined value.
 */
static __always_inline void go_regs(__u64 r[16], const struct pt_regs *ctx)
{
	r[0] = ctx->ax;
	r[1] = ctx->bx;
	r[2] = ctx->cx;
	r[3] = ctx->di;
	r[4] = ctx->si;
	r[5] = ctx->r8;
	r[6] = ctx->r9;
	r[7] = ctx->r10;
	r[8] = ctx->r11;
#pragma unroll
	for (int i = 9; i < 16; i++)
		r[i] = 0;
}

/*
 * A Go function's goroutine (runtime.g, in R14 in ABIInternal code) and
 * stack pointer, for pairing its entry with its return.
 */
static __always_inline __u64 go_g(const struct pt_regs *ctx)
{
	return ctx->r14;
}

/*
 * Where Go keeps the goroutine in thread-local storage besides R14: at -8
 * from the FS base (runtime.tlsg of a binary linked by Go itself; an
 * externally linked cgo binary puts it elsewhere). The address of the word.
 */
static __always_inline __u64 go_tls_g_addr(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return t->thread.fsbase - 8;
}

static __always_inline __u64 go_sp(const struct pt_regs *ctx)
{
	return PT_REGS_SP(ctx);
}

/* A Go function's first result words at a RET: RAX, RBX, RCX. */
static __always_inline void go_results(__u64 r[AT_RET_WORDS], const struct pt_regs *ctx)
{
	r[0] = ctx->ax;
	r[1] = ctx->bx;
	r[2] = ctx->cx;
}

/* A function's return value, at its return. */
static __always_inline __u64 func_ret(const struct pt_regs *ctx)
{
	return PT_REGS_RC(ctx);
}

#endif /* AT_REGS_BPF_H */
