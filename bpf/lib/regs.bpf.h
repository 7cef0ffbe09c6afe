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

/* The number of the syscall the registers are in (-1 after rt_sigreturn). */
static __always_inline __u64 sys_nr(const struct pt_regs *regs)
{
	return regs->orig_ax;
}

/*
 * A function's arguments at its entry, by ABI: SysV (rdi rsi rdx rcx r8 r9)
 * or Go's register ABI (rax rbx rcx rdi rsi r8).
 */
static __always_inline void func_args(__u64 args[AT_MAX_ARGS], const struct pt_regs *ctx, __u8 abi)
{
	/*
	 * Load every register first: the verifier allows context loads only at
	 * fixed offsets, and a branch per ABI would let the compiler pick the
	 * offset at run time.
	 */
	__u64 di = PT_REGS_PARM1(ctx), si = PT_REGS_PARM2(ctx), dx = PT_REGS_PARM3(ctx);
	__u64 cx = PT_REGS_PARM4(ctx), r8 = PT_REGS_PARM5(ctx), r9 = ctx->r9;
	__u64 ax = ctx->ax, bx = ctx->bx;
	bool go = abi == AT_ABI_GO;

	args[0] = go ? ax : di;
	args[1] = go ? bx : si;
	args[2] = go ? cx : dx;
	args[3] = go ? di : cx;
	args[4] = go ? si : r8;
	args[5] = go ? r8 : r9;
}

/* A function's return value, at its return. */
static __always_inline __u64 func_ret(const struct pt_regs *ctx)
{
	return PT_REGS_RC(ctx);
}

#endif /* AT_REGS_BPF_H */
