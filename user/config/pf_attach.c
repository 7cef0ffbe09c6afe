// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A probe entry's attach: a syscall selection (as -e), or a SPEC with args, ret and when merged. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pf_attach.h"
#include "suggest.h"
#include "syscalls.h"
#include "util.h"

/* Syscall attach: one strace -e list ("open,openat", "file", "%network", "!memory"). */

static int check_sys_token(struct pf_entry_ctx *ec, const yaml_node_t *n, const char *tok)
{
	const char *name = *tok == '%' ? tok + 1 : tok;
	struct suggest b = { 0 };
	const char *cls;

	if (!*tok)
		return pf_errat(ec->c, n, pf_where(ec, "attach"),
				"empty name in the list; separate names with single commas");
	if (!strcmp(name, "all") || (*tok != '%' && syscall_by_name(tok) >= 0) ||
	    sys_class_by_name(name, *tok != '%'))
		return 0;
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++)
		if (syscall_table[nr].name)
			suggest_consider(&b, name, syscall_table[nr].name);
	for (unsigned i = 0; (cls = sys_class_name(i)); i++)
		suggest_consider(&b, name, cls);
	if (b.name)
		return pf_errat(ec->c, n, pf_where(ec, "attach"),
				"unknown syscall or class '%.64s' (did you mean '%s'?)", tok,
				b.name);
	return pf_errat(ec->c, n, pf_where(ec, "attach"),
			"unknown syscall or class '%.64s'; expected syscall names such as openat, "
			"or classes: %%file, %%network (%%net), %%process, %%memory, %%signal, "
			"%%ipc, %%desc, %%stat, %%lstat, %%fstat, %%%%stat, %%statfs, %%fstatfs, "
			"%%%%statfs, %%pure, %%creds, %%clock",
			tok);
}

/* Applies one expression to p->syscalls; the first decides the start, as -e does. */
static int select_expr(struct pf_entry_ctx *ec, const yaml_node_t *n, const char *s, bool first)
{
	char buf[1024], cerr[256], *tok, *comma;
	size_t len = 0;

	/* "open, openat" reads naturally in YAML: white space is dropped. */
	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if (len + 1 >= sizeof(buf))
			return pf_errat(ec->c, n, pf_where(ec, "attach"),
					"list too long; split the probe");
		buf[len++] = *s;
	}
	buf[len] = '\0';
	/* strace's own spelling, as -e takes it: trace=LIST. */
	tok = strncmp(buf, "trace=", 6) ? buf : buf + 6;
	if (first)
		memset(ec->p->syscalls, *tok == '!' ? 0xff : 0, sizeof(ec->p->syscalls));
	if (*tok == '!')
		tok++;
	for (;;) {
		comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		if (check_sys_token(ec, n, tok))
			return -1;
		if (!comma)
			break;
		*comma = ',';
		tok = comma + 1;
	}
	if (cli_parse_select(buf, ec->p->syscalls, cerr, sizeof(cerr)))
		return pf_errat(ec->c, n, pf_where(ec, "attach"), "%s", cerr);
	return 0;
}

static int parse_attach_syscalls(struct pf_entry_ctx *ec)
{
	static const char what[] =
		"a syscall name, class or list, e.g. openat, \"open,openat\", file or [read, write]";
	struct pf_probe *p = ec->p;
	yaml_node_t *n = ec->v[K_ATTACH];
	unsigned any = 0, count;
	size_t len = 0;
	const char *s;

	if (ec->v[K_ARGS] || ec->v[K_RET]) {
		bool args = ec->v[K_ARGS] != NULL;

		return pf_errat(ec->c, ec->k[args ? K_ARGS : K_RET], ec->base,
				"syscall %s typed by the syscall table; remove '%s'",
				args ? "arguments are" : "return values are",
				args ? "args" : "ret");
	}
	if (n->type == YAML_MAPPING_NODE || pf_is_null(n))
		return pf_expect(ec->c, n, YAML_SCALAR_NODE, pf_where(ec, "attach"), what);
	count = pf_nitems(n);
	if (!count)
		return pf_errat(ec->c, n, pf_where(ec, "attach"), "the list is empty; expected %s",
				what);
	for (unsigned i = 0; i < count; i++) {
		yaml_node_t *it = pf_item(ec->c, n, i);

		if (pf_get_scalar(ec->c, it, pf_where(ec, "attach"), what, &s) ||
		    select_expr(ec, it, s, i == 0))
			return -1;
		if (len + strlen(s) + 2 > sizeof(p->attach))
			return pf_errat(ec->c, it, pf_where(ec, "attach"),
					"list too long; split the probe");
		len += (size_t)snprintf(p->attach + len, sizeof(p->attach) - len, "%s%s",
					i ? "," : "", s);
	}
	/* '!' and "all" set every number: keep those the table knows. */
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		if (!syscall_table[nr].name)
			p->syscalls[nr / 64] &= ~(1ULL << (nr % 64));
		any |= (p->syscalls[nr / 64] >> (nr % 64)) & 1;
	}
	if (!any)
		return pf_errat(ec->c, n, pf_where(ec, "attach"),
				"selects no syscalls; name at least one syscall or class");
	return 0;
}

/* Function and USDT attach: a SPEC, with args, ret and when merged into it. */

/* TARGET:PROVIDER:NAME[(ARGS)]: the provider cut out, the rest a SPEC. */
static int split_usdt(struct pf_entry_ctx *ec, char *spec, size_t size)
{
	if (usdt_split(ec->p->attach, ec->p->provider, sizeof(ec->p->provider), spec, size))
		return pf_errat(ec->c, ec->v[K_ATTACH], pf_where(ec, "attach"),
				"'%.64s' is not TARGET:PROVIDER:NAME; e.g. "
				"/usr/bin/python3:python:function__entry",
				ec->p->attach);
	return 0;
}

/* Length of spec without a trailing @entry / @return (and white space). */
static size_t spec_head(const char *spec)
{
	size_t n = strlen(spec);

	while (n && isspace((unsigned char)spec[n - 1]))
		n--;
	if (n >= 6 && !strncmp(spec + n - 6, "@entry", 6))
		n -= 6;
	else if (n >= 7 && !strncmp(spec + n - 7, "@return", 7))
		n -= 7;
	while (n && isspace((unsigned char)spec[n - 1]))
		n--;
	return n;
}

/* Whether the SPEC has an argument list, maybe empty: FUNC() before any '->'. */
static bool spec_has_parens(const char *spec)
{
	size_t head = spec_head(spec);
	const char *arrow = memmem(spec, head, "->", 2);

	if (arrow)
		head = arrow - spec;
	while (head && isspace((unsigned char)spec[head - 1]))
		head--;
	return head && spec[head - 1] == ')';
}

/* Whether ARGS alone are wrong: then an error of the merged SPEC points at 'args'. */
static bool args_bad(const char *args)
{
	char spec[700], uerr[64];
	struct uspec u;

	snprintf(spec, sizeof(spec), "x:f(%s)", args);
	return uspec_parse(spec, &u, uerr, sizeof(uerr)) != 0;
}

/* The merged SPEC: TARGET:FUNC(ARGS) -> RET@when, then parsed into p->spec. */
static int merge_spec(struct pf_entry_ctx *ec, const char *spec, const char *args, const char *ret)
{
	struct pf_probe *p = ec->p;
	size_t head = spec_head(spec), pre;
	const char *arrow, *suffix;
	char merged[2048], uerr[1024];
	yaml_node_t *n = ec->v[K_ATTACH];
	const char *key = "attach";

	arrow = memmem(spec, head, "->", 2);
	pre = arrow ? (size_t)(arrow - spec) : head;
	while (pre && isspace((unsigned char)spec[pre - 1]))
		pre--;
	suffix = p->when == PF_WHEN_ENTRY ? "@entry" : p->when == PF_WHEN_RETURN ? "@return" : "";
	snprintf(merged, sizeof(merged), "%.*s%s%s%s%s%.*s%s%s%s", (int)pre, spec, args ? "(" : "",
		 args ? args : "", args ? ")" : "", arrow ? " " : "",
		 arrow ? (int)(head - (size_t)(arrow - spec)) : 0, arrow ? arrow : "",
		 ret ? " -> " : "", ret ? ret : "", suffix);
	if (!uspec_parse(merged, &p->spec, uerr, sizeof(uerr)))
		return 0;
	if (args && args_bad(args)) {
		n = ec->v[K_ARGS];
		key = "args";
	} else if (ret) {
		n = ec->v[K_RET];
		key = "ret";
	}
	return pf_errat(ec->c, n, pf_where(ec, key), "%s", uerr);
}

static int parse_attach_spec(struct pf_entry_ctx *ec)
{
	struct pf_probe *p = ec->p;
	bool usdt = p->kind == PF_USDT;
	const char *args = NULL, *ret = NULL;
	char spec[1024], uerr[1024];
	struct uspec u;

	if (usdt && split_usdt(ec, spec, sizeof(spec)))
		return -1;
	if (!usdt)
		snprintf(spec, sizeof(spec), "%s", p->attach);
	if (uspec_parse(spec, &u, uerr, sizeof(uerr)))
		return pf_errat(ec->c, ec->v[K_ATTACH], pf_where(ec, "attach"), "%s", uerr);
	if (usdt && (u.ret_type != UT_NONE || u.when == UW_RETURN))
		return pf_errat(ec->c, ec->v[K_ATTACH], pf_where(ec, "attach"),
				"usdt probes have no return; remove '%s'",
				u.when == UW_RETURN ? "@return" : "-> TYPE");
	if (usdt && ec->v[K_RET])
		return pf_errat(ec->c, ec->k[K_RET], ec->base,
				"usdt probes have no return value; remove 'ret'");
	if (ec->v[K_ARGS]) {
		if (pf_get_scalar(ec->c, ec->v[K_ARGS], pf_where(ec, "args"),
				  "argument types and names, e.g. \"u64 size, str name\"", &args))
			return -1;
		if (u.nargs || spec_has_parens(spec))
			return pf_errat(ec->c, ec->k[K_ARGS], ec->base,
					"arguments are given both in attach and in args; keep one");
	}
	if (ec->v[K_RET]) {
		if (pf_get_scalar(ec->c, ec->v[K_RET], pf_where(ec, "ret"),
				  "a return type and optional failing predicate, e.g. \"int < 0\"",
				  &ret))
			return -1;
		if (u.ret_type != UT_NONE)
			return pf_errat(
				ec->c, ec->k[K_RET], ec->base,
				"the return type is given both in attach and in ret; keep one");
	}
	if (u.when != UW_CALL && ec->v[K_WHEN])
		return pf_errat(ec->c, ec->v[K_WHEN], pf_where(ec, "when"),
				"attach already ends with '@%s'; keep one",
				u.when == UW_ENTRY ? "entry" : "return");
	if (u.when != UW_CALL)
		p->when = u.when == UW_ENTRY ? PF_WHEN_ENTRY : PF_WHEN_RETURN;
	if (usdt && (p->when == PF_WHEN_RETURN || p->when == PF_WHEN_FAILING))
		return pf_errat(ec->c, ec->v[K_WHEN], pf_where(ec, "when"),
				"usdt probes have no return; expected call or entry");
	if (merge_spec(ec, spec, args, ret))
		return -1;
	if (usdt && uspec_out_arg(&p->spec) >= 0)
		return pf_errat(ec->c, ec->v[ec->v[K_ARGS] ? K_ARGS : K_ATTACH],
				pf_where(ec, ec->v[K_ARGS] ? "args" : "attach"),
				"argument '%s' is read at return, and a usdt probe has none",
				p->spec.args[uspec_out_arg(&p->spec)].name);
	if (p->when == PF_WHEN_FAILING && p->spec.ret_type == UT_NONE)
		return pf_errat(ec->c, ec->v[K_WHEN], pf_where(ec, "when"),
				"failing needs a return type; add ret (e.g. ret: int) or '-> TYPE' "
				"to attach");
	if (p->when == PF_WHEN_FAILING && p->spec.fail_op == UF_NONE && p->spec.err_ret < 0)
		return pf_errat(ec->c, ec->v[K_WHEN], pf_where(ec, "when"),
				"failing needs a predicate for %s; add one, e.g. ret: %s == 0",
				utype_name(p->spec.ret_type), utype_name(p->spec.ret_type));
	return 0;
}

int pf_parse_attach(struct pf_entry_ctx *ec)
{
	static const char *const what[] = {
		[PF_SYSCALL] = "a syscall name, class or list, e.g. openat",
		[PF_FUNCTION] = "a SPEC, e.g. libc:malloc(u64 size) -> ptr",
		[PF_USDT] = "TARGET:PROVIDER:NAME",
	};
	struct pf_probe *p = ec->p;
	yaml_node_t *n = ec->v[K_ATTACH];
	const char *s;

	if (!n)
		return pf_errat(ec->c, ec->item, ec->base, "missing 'attach'; expected %s",
				what[p->kind]);
	if (p->kind == PF_SYSCALL)
		return parse_attach_syscalls(ec);
	if (pf_get_scalar(ec->c, n, pf_where(ec, "attach"), what[p->kind], &s))
		return -1;
	if (strlen(s) >= sizeof(p->attach))
		return pf_errat(ec->c, n, ec->where, "too long; at most %zu bytes",
				sizeof(p->attach) - 1);
	strcpy(p->attach, s);
	return parse_attach_spec(ec);
}
