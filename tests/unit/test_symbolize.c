// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -k's userspace: the maps parser, the symbolizer on this process (a PIE with
 * .symtab) and libc (.dynsym only), the leaf's caller found by libc's CFI,
 * the join of stack records with their calls, and their lines.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "maps.h"
#include "stackjoin.h"
#include "stacks.h"
#include "strbuf.h"
#include "symbolize.h"

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

static const char maps_text[] =
	"55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1234                       /usr/bin/a b\n"
	"55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:01 1234                       /usr/bin/a b\n"
	"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
	"7f0000100000-7f0000128000 r-xp 00026000 103:02 99 /usr/lib/libx.so (deleted)\n"
	"7ffd12345000-7ffd12347000 r-xp 00000000 00:00 0                          [vdso]\n";

Test(maps, parses_files_and_named_regions)
{
	struct maps m;
	const struct vma *v;

	cr_assert_eq(maps_parse(maps_text, sizeof(maps_text) - 1, &m), 0);
	cr_assert_eq(m.n, 5, "the anonymous mapping is left out: %zu", m.n);
	cr_assert_str_eq(m.v[0].path, "/usr/bin/a b");
	cr_assert(!m.v[0].exec && m.v[1].exec);
	cr_assert_eq(m.v[1].pgoff, 0x1000);
	cr_assert_eq(m.v[1].ino, 1234);
	cr_assert_eq(m.v[1].dev, 0xfeu << 20 | 1);
	cr_assert_str_eq(m.v[2].path, "[heap]");
	cr_assert_str_eq(m.v[3].path, "/usr/lib/libx.so (deleted)");
	cr_assert_eq(m.v[3].dev, 0x103u << 20 | 2);
	cr_assert_eq(m.v[3].pgoff, 0x26000);
	v = maps_find(&m, 0x55d0c0a01abc);
	cr_assert(v == &m.v[1]);
	cr_assert_null(maps_find(&m, 0x55d0c0a02000), "end is exclusive");
	cr_assert_null(maps_find(&m, 0x7f0000000010), "anonymous: no mapping");
	cr_assert(maps_find(&m, 0x7ffd12345010) == &m.v[4]);
	maps_free(&m);
}

Test(maps, refuses_a_line_that_is_not_one)
{
	static const char bad[] = "55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1234 /a\n"
				  "hello world\n";
	struct maps m;

	cr_assert_eq(maps_parse(bad, sizeof(bad) - 1, &m), -EINVAL);
	maps_free(&m);
}

Test(maps, reads_our_own)
{
	struct maps m;
	const struct vma *v;

	cr_assert_eq(maps_read((uint32_t)getpid(), &m), 0);
	v = maps_find(&m, (uint64_t)(uintptr_t)&maps_read);
	cr_assert_not_null(v);
	cr_assert(v->exec && v->ino && v->path[0] == '/');
	maps_free(&m);
}

/* Unit tests are built -O2: this is a few bytes long, the offsets below stay in it. */
__attribute__((noinline)) int symbolize_known_function(int x)
{
	return x * 3 + 1;
}

/* Our own path, as maps has it. */
static const char *self_path(void)
{
	static char p[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", p, sizeof(p) - 1);

	cr_assert(n > 0);
	p[n] = '\0';
	return p;
}

/* st_value of sym in file by nm (-D: .dynsym). */
static uint64_t nm_addr(const char *file, const char *sym, bool dyn)
{
	char cmd[PATH_MAX + 128], line[256];
	uint64_t v = 0;
	FILE *f;

	/* .dynsym names come with their version: write@@GLIBC_2.2.5. */
	snprintf(cmd, sizeof(cmd),
		 "nm %s '%s' | awk '$3 == \"%s\" || index($3, \"%s@\") == 1 { print $1; exit }'",
		 dyn ? "-D" : "", file, sym, sym);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	if (fgets(line, sizeof(line), f))
		v = strtoull(line, NULL, 16);
	pclose(f);
	cr_assert(v, "%s not in %s", sym, file);
	return v;
}

Test(symbolize, own_function_by_symtab_with_the_pie_bias)
{
	struct symbolizer *s = symbolizer__new();
	uint64_t ip = (uint64_t)(uintptr_t)&symbolize_known_function + 2;
	struct sym_frame f[4];

	cr_assert_not_null(s);
	cr_assert_eq(symbolizer__stack(s, (uint32_t)getpid(), &ip, 1, NULL, 0, f, 4), 1);
	cr_assert_str_eq(f[0].file, self_path());
	cr_assert_str_eq(f[0].sym, "symbolize_known_function");
	cr_assert_eq(f[0].off, 2);
	cr_assert_eq(f[0].ip, ip);
	cr_assert_eq(f[0].rel, nm_addr(self_path(), "symbolize_known_function", false) + 2);
	symbolizer__free(s);
}

/*
 * libc has .dynsym only; write's first instruction keeps no frame pointer,
 * so its CFI (CFA = rsp + 8) finds its caller in the word at the stack
 * pointer, and the frame-pointer walk's zero end is dropped.
 */
Test(symbolize, libc_dynsym_and_the_leaf_caller_by_cfi)
{
	struct symbolizer *s = symbolizer__new();
	/* libc's own, not a sanitizer's interceptor of the same name. */
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *w = libc ? dlsym(libc, "write") : NULL;
	uint64_t ret = (uint64_t)(uintptr_t)&symbolize_known_function + 3;
	uint64_t ips[2] = { (uint64_t)(uintptr_t)w, 0 }, top[2] = { ret, 0 };
	struct sym_frame f[4];

	cr_assert_not_null(w);
	cr_assert_eq(symbolizer__stack(s, (uint32_t)getpid(), ips, 2, top, 2, f, 4), 2);
	cr_assert_str_eq(f[0].file, LIBC);
	/* Aliases at one address: the first in .dynsym, as strace's libdw picks. */
	cr_assert_str_eq(f[0].sym, "__write");
	cr_assert_eq(f[0].off, 0);
	cr_assert_eq(f[0].rel, nm_addr(LIBC, "write", true));
	cr_assert_str_eq(f[1].sym, "symbolize_known_function");
	cr_assert_eq(f[1].off, 3);
	cr_assert_eq(f[1].ip, ret);
	symbolizer__free(s);
	dlclose(libc);
}

/* An address in no mapping: no file, the address as it is; a gone process likewise. */
Test(symbolize, unknown_addresses)
{
	struct symbolizer *s = symbolizer__new();
	uint64_t ip = 0x10;
	struct sym_frame f[2];

	cr_assert_eq(symbolizer__stack(s, (uint32_t)getpid(), &ip, 1, NULL, 0, f, 2), 1);
	cr_assert_null(f[0].file);
	cr_assert_null(f[0].sym);
	cr_assert_eq(f[0].rel, 0x10);
	cr_assert_eq(symbolizer__stack(s, 0x7ffffff0u, &ip, 1, NULL, 0, f, 2), 1);
	cr_assert_null(f[0].file);
	symbolizer__free(s);
}

/* Return addresses that are no code (a frame without a frame pointer) end the stack. */
Test(symbolize, junk_return_addresses_end_the_stack)
{
	struct symbolizer *s = symbolizer__new();
	uint64_t fn = (uint64_t)(uintptr_t)&symbolize_known_function;
	int on_stack = 0;
	uint64_t junk[3] = { fn + 1, 0x6e6961746e6f630aull, fn + 2 };
	uint64_t data[3] = { fn + 1, (uint64_t)(uintptr_t)&on_stack, fn + 2 };
	uint64_t good[3] = { fn + 1, fn + 2, fn + 3 };
	struct sym_frame f[4];

	cr_assert_eq(symbolizer__stack(s, (uint32_t)getpid(), junk, 3, NULL, 0, f, 4), 1);
	cr_assert_eq(symbolizer__stack(s, (uint32_t)getpid(), data, 3, NULL, 0, f, 4), 1);
	cr_assert_eq(symbolizer__stack(s, (uint32_t)getpid(), good, 3, NULL, 0, f, 4), 3);
	cr_assert_str_eq(f[2].sym, "symbolize_known_function");
	cr_assert_eq(f[2].off, 3);
	symbolizer__free(s);
}

static void stack_rec(struct at_stack_rec *r, uint32_t tid, uint32_t probe, uint64_t enter)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = AT_REC_STACK;
	r->hdr.tid = tid;
	r->hdr.probe_id = probe;
	r->enter_ns = enter;
	r->nips = 2;
	r->ips[0] = 0x1000;
	r->ips[1] = 0x2000;
}

#define STACK_SIZE(r) (offsetof(struct at_stack_rec, ips) + (r).nips * 8)

Test(stackjoin, a_call_takes_its_own_stack_once)
{
	static struct stackjoin j;
	struct at_stack_rec r;
	const struct at_stack_rec *got;

	stackjoin__init(&j);
	stack_rec(&r, 7, 0, 100);
	stackjoin__put(&j, &r, STACK_SIZE(r));
	stack_rec(&r, 8, 0, 100);
	stackjoin__put(&j, &r, STACK_SIZE(r));
	/* Another call of thread 7 (the stack is of the one at 100): not it, counted lost. */
	cr_assert_null(stackjoin__take(&j, 7, 0, 99));
	cr_assert_null(stackjoin__take(&j, 7, 3, 100), "another probe's call");
	got = stackjoin__take(&j, 7, 0, 100);
	cr_assert_not_null(got);
	cr_assert_eq(got->hdr.tid, 7);
	cr_assert_eq(got->ips[1], 0x2000);
	cr_assert_null(stackjoin__take(&j, 7, 0, 100), "taken once");
	cr_assert_not_null(stackjoin__take(&j, 8, 0, 100));
	cr_assert_eq(j.joined, 2);
	cr_assert_eq(j.lost, 3);
	cr_assert_eq(j.evicted, 0);
}

Test(stackjoin, bounded_and_counted)
{
	static struct stackjoin j;
	struct at_stack_rec r;

	stackjoin__init(&j);
	/* A thread's stack whose call never came is replaced by its next. */
	stack_rec(&r, 5, 0, 1);
	stackjoin__put(&j, &r, STACK_SIZE(r));
	stack_rec(&r, 5, 0, 2);
	stackjoin__put(&j, &r, STACK_SIZE(r));
	cr_assert_eq(j.evicted, 1);
	cr_assert_not_null(stackjoin__take(&j, 5, 0, 2));
	/* More threads than slots: the oldest go, counted. */
	for (uint32_t t = 1; t <= 2 * STACKJOIN_SLOTS; t++) {
		stack_rec(&r, 1000 + t, 0, t);
		stackjoin__put(&j, &r, STACK_SIZE(r));
	}
	cr_assert_geq(j.evicted, 1 + STACKJOIN_SLOTS);
	/* What claims more addresses than it carries is refused. */
	stack_rec(&r, 9, 0, 1);
	stackjoin__put(&j, &r, STACK_SIZE(r) - 8);
	cr_assert_eq(j.bad, 1);
	r.nips = AT_STACK_MAX + 1;
	stackjoin__put(&j, &r, sizeof(r));
	cr_assert_eq(j.bad, 2);
}

/* A call record flagged AT_CALL_STACK of thread tid entered at enter. */
static void call_rec(struct at_call_rec *r, uint32_t tid, uint64_t enter)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = AT_REC_SYSCALL;
	r->hdr.pid = (uint32_t)getpid();
	r->hdr.tid = tid;
	r->enter_ns = enter;
	r->flags = AT_CALL_STACK;
}

/* The output's join: a lost stack said on the line and in JSON, a found one as strace -k. */
Test(stacks, lines_of_a_joined_and_a_lost_stack)
{
	struct stacks *st = stacks__new();
	struct at_call_rec c;
	struct at_stack_rec r;
	struct event ev = { .kind = EV_SYSCALL, .name = "write" };
	char buf[4096], want[4096];
	struct out l;
	uint64_t fn = (uint64_t)(uintptr_t)&symbolize_known_function;

	cr_assert_not_null(st);
	call_rec(&c, 42, 7);
	stacks__attach(st, &c, &ev);
	cr_assert(ev.stack_lost);
	l = out_init(buf, sizeof(buf));
	stacks_put_text(&l, &ev);
	out_end(&l);
	cr_assert_str_eq(buf, " > ? stack lost\n");
	l = out_init(buf, sizeof(buf));
	stacks_put_json(&l, &ev);
	out_end(&l);
	cr_assert_str_eq(buf, ",\"stack_lost\":true");

	stack_rec(&r, 42, 0, 8);
	r.hdr.pid = (uint32_t)getpid();
	r.nips = 1;
	r.ips[0] = fn + 2;
	stacks__put(st, &r, STACK_SIZE(r));
	ev = (struct event){ .kind = EV_SYSCALL, .name = "write" };
	call_rec(&c, 42, 8);
	stacks__attach(st, &c, &ev);
	cr_assert(!ev.stack_lost);
	cr_assert_eq(ev.nframes, 1);
	l = out_init(buf, sizeof(buf));
	stacks_put_text(&l, &ev);
	out_end(&l);
	snprintf(want, sizeof(want), " > %s(symbolize_known_function+0x2) [0x%llx]\n", self_path(),
		 (unsigned long long)nm_addr(self_path(), "symbolize_known_function", false) + 2);
	cr_assert_str_eq(buf, want);
	l = out_init(buf, sizeof(buf));
	stacks_put_json(&l, &ev);
	out_end(&l);
	snprintf(
		want, sizeof(want),
		",\"stack\":[{\"ip\":\"0x%llx\",\"file\":\"%s\",\"sym\":\"symbolize_known_function\","
		"\"off\":2,\"addr\":\"0x%llx\"}]",
		(unsigned long long)(fn + 2), self_path(),
		(unsigned long long)nm_addr(self_path(), "symbolize_known_function", false) + 2);
	cr_assert_str_eq(buf, want);
	cr_assert_eq(st->join.joined, 1);
	cr_assert_eq(st->join.lost, 1);
	stacks__free(st);
}
