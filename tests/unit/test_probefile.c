// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe files: every key of valid files and its defaults, the corpus of
 * invalid files with their exact messages (tests/probefiles/invalid), and the
 * filter compiler checked through the kernel's own filter machine (at_filter_run).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "eval.h"
#include "probefile.h"
#include "syscalls.h"
#include "uspec.h"

static struct probefile *parse_ok(const char *text)
{
	struct probefile *pf = NULL;
	char err[1024];

	cr_assert_eq(probefile_parse("t.yaml", text, strlen(text), &pf, err, sizeof(err)), 0,
		     "%s\n%s", text, err);
	cr_assert_not_null(pf);
	return pf;
}

static void parse_bad(const char *text, const char *want)
{
	struct probefile *pf = NULL;
	char err[1024];

	cr_assert_eq(probefile_parse("t.yaml", text, strlen(text), &pf, err, sizeof(err)), -1,
		     "parsed: %s", text);
	cr_assert_null(pf);
	cr_assert_str_eq(err, want);
}

/* One probe's file: "probes:\n  - name: p\n" then the given lines. */
static struct probefile *probe_ok(const char *lines)
{
	char text[2048];

	snprintf(text, sizeof(text), "probes:\n  - name: p\n%s", lines);
	return parse_ok(text);
}

static bool has_sys(const struct pf_probe *p, const char *name)
{
	int nr = syscall_by_name(name);

	cr_assert_geq(nr, 0, "%s", name);
	return (p->syscalls[nr / 64] >> (nr % 64)) & 1;
}

/* The x86-64 calls selected (each name selects its i386 call, if any, too: has_sys32). */
static unsigned nsys(const struct pf_probe *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < AT_NR_COMPAT / 64; i++)
		n += __builtin_popcountll(p->syscalls[i]);
	return n;
}

/* Whether the 32-bit (int $0x80) call of that name is selected. */
static bool has_sys32(const struct pf_probe *p, const char *name)
{
	int nr = syscall_next_by_name(name, AT_NR_COMPAT - 1);

	cr_assert_geq(nr, AT_NR_COMPAT, "%s", name);
	return (p->syscalls[nr / 64] >> (nr % 64)) & 1;
}

/* Valid files */

Test(probefile, defaults)
{
	struct probefile *pf = probe_ok("    kind: syscall\n    attach: openat\n");
	const struct pf_probe *p = &pf->probes[0];

	cr_assert_str_eq(pf->path, "t.yaml");
	cr_assert_eq(pf->nprobes, 1);
	cr_assert_str_eq(p->name, "p");
	cr_assert_eq(p->kind, PF_SYSCALL);
	cr_assert_eq(p->when, PF_WHEN_CALL);
	cr_assert_eq(p->actions, AT_ACT_EVENT, "event is the default action");
	cr_assert_eq(p->rate, 0);
	cr_assert_eq(p->burst, 0);
	cr_assert_eq(p->sample, 0);
	cr_assert_eq(p->scrub, 0);
	cr_assert_eq(p->on_unreadable, AT_UNREAD_MATCH, "fail closed by default");
	cr_assert_eq(p->filter.ncode, 0, "no filter: every call matches");
	cr_assert_str_eq(p->filter_src, "");
	cr_assert_str_eq(p->attach, "openat");
	cr_assert_eq(nsys(p), 1);
	cr_assert(has_sys(p, "openat"));
	cr_assert(has_sys32(p, "openat"), "the 32-bit openat too");
	cr_assert_eq(p->pos.line, 2);
	cr_assert_eq(p->pos.col, 5);
	cr_assert_eq(pf->targets.npids + pf->targets.nexe + pf->targets.ncomm, 0);
	cr_assert_eq(pf->output.format, PF_FMT_TEXT);
	cr_assert(!pf->output.has_format);
	cr_assert_str_eq(pf->output.file, "");
	cr_assert_eq(pf->limits.ringbuf_bytes, 0);
	cr_assert_eq(pf->limits.str_max, 0);
	cr_assert_eq(pf->limits.processes, 0);
	probefile_free(pf);
}

Test(probefile, targets_containers_and_pods)
{
	struct probefile *pf = parse_ok("targets:\n"
					"  containers:\n"
					"    - {name: \"web*\", image: \"nginx:*\"}\n"
					"    - id: 8cec769feb4c\n"
					"  pods: {namespace: shop, name: \"checkout-*\"}\n"
					"probes:\n"
					"  - {name: p, kind: syscall, attach: read}\n");

	cr_assert_eq(pf->targets.nctrs, 2);
	cr_assert_str_eq(pf->targets.ctrs[0].name, "web*");
	cr_assert_str_eq(pf->targets.ctrs[0].image, "nginx:*");
	cr_assert_str_eq(pf->targets.ctrs[0].id, "");
	cr_assert_str_eq(pf->targets.ctrs[1].id, "8cec769feb4c");
	cr_assert_str_eq(pf->targets.ctrs[1].name, "");
	cr_assert_eq(pf->targets.npods, 1, "a mapping is a list of one");
	cr_assert_str_eq(pf->targets.pods[0].ns, "shop");
	cr_assert_str_eq(pf->targets.pods[0].name, "checkout-*");
	probefile_free(pf);
	parse_bad("targets:\n  containers: [{}]\n",
		  "t.yaml:2:16: targets: containers: an empty selector; give id, name or image");
	parse_bad("targets:\n  containers: [{id: 8cE7}]\n",
		  "t.yaml:2:21: targets: containers: id: '8cE7' is not a container id; give 4 to "
		  "64 lowercase hex digits of it");
	parse_bad("targets:\n  pods: [{namespace: \"\"}]\n",
		  "t.yaml:2:22: targets: pods: namespace: '' is 0 bytes; give 1 to 63");
}

Test(probefile, targets_output_limits)
{
	struct probefile *pf = parse_ok("targets:\n"
					"  pids: [1234, 99]\n"
					"  exe: [/usr/bin/python3*, /opt/app/bin/server]\n"
					"  comm: nginx\n"
					"output:\n"
					"  format: json\n"
					"  file: /tmp/events.jsonl\n"
					"limits:\n"
					"  ringbuf: 8M\n"
					"  string: 254\n"
					"  processes: 65536\n"
					"  exe_files: 20000\n"
					"  followed: 100000\n"
					"  followed_files: 8192\n"
					"  namespaces: 10000\n"
					"  candidates: 4096\n"
					"probes:\n"
					"  - {name: p, kind: syscall, attach: read}\n");

	cr_assert_eq(pf->targets.npids, 2);
	cr_assert_eq(pf->targets.pids[0], 1234);
	cr_assert_eq(pf->targets.pids[1], 99);
	cr_assert_eq(pf->targets.nexe, 2);
	cr_assert_str_eq(pf->targets.exe[0], "/usr/bin/python3*");
	cr_assert_str_eq(pf->targets.exe[1], "/opt/app/bin/server");
	cr_assert_eq(pf->targets.ncomm, 1, "a scalar is a list of one");
	cr_assert_str_eq(pf->targets.comm[0], "nginx");
	cr_assert_eq(pf->output.format, PF_FMT_JSON);
	cr_assert(pf->output.has_format);
	cr_assert_str_eq(pf->output.file, "/tmp/events.jsonl");
	cr_assert_eq(pf->limits.ringbuf_bytes, 8u << 20);
	cr_assert_eq(pf->limits.str_max, 254);
	cr_assert_eq(pf->limits.processes, 65536);
	cr_assert_eq(pf->limits.exe_files, 20000);
	cr_assert_eq(pf->limits.followed, 100000);
	cr_assert_eq(pf->limits.followed_files, 8192);
	cr_assert_eq(pf->limits.namespaces, 10000);
	cr_assert_eq(pf->limits.candidates, 4096);
	probefile_free(pf);
}

Test(probefile, ringbuf_sizes)
{
	static const struct {
		const char *text;
		size_t bytes;
	} cases[] = {
		{ "4096", 4096 },  { "4K", 4096 },	  { "64k", 65536 },
		{ "1M", 1 << 20 }, { "1024M", 1u << 30 }, { "1G", 1u << 30 },
	};
	char text[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probefile *pf;

		snprintf(
			text, sizeof(text),
			"limits: {ringbuf: %s}\nprobes: [{name: p, kind: syscall, attach: read}]\n",
			cases[i].text);
		pf = parse_ok(text);
		cr_assert_eq(pf->limits.ringbuf_bytes, cases[i].bytes, "%s", cases[i].text);
		probefile_free(pf);
	}
	parse_bad("limits: {ringbuf: 2G}\nprobes: [{name: p, kind: syscall, attach: read}]\n",
		  "t.yaml:1:19: limits: ringbuf: '2G' is out of range; expected a power of two "
		  "from 4K to 1G, e.g. 4M");
	parse_bad("limits: {ringbuf: 2K}\nprobes: [{name: p, kind: syscall, attach: read}]\n",
		  "t.yaml:1:19: limits: ringbuf: '2K' is out of range; expected a power of two "
		  "from 4K to 1G, e.g. 4M");
	parse_bad("limits: {candidates: 70000}\nprobes: [{name: p, kind: syscall, attach: read}]\n",
		  "t.yaml:1:22: limits: candidates: 70000 is out of range; expected a number of "
		  "candidates' accounting entries, 1 to 65536");
	parse_bad("limits: {ringbuf: 4 MB}\nprobes: [{name: p, kind: syscall, attach: read}]\n",
		  "t.yaml:1:19: limits: ringbuf: '4 MB' is not a size; expected a power of two "
		  "from 4K to 1G, e.g. 4M");
}

Test(probefile, undeclared_go_argument_past_the_registers)
{
	parse_bad("probes:\n  - name: s\n    kind: function\n"
		  "    attach: ':main.sum(gobytes a, gobytes b, long n)@entry'\n"
		  "    filter: arg6 == 3\n",
		  "t.yaml:5:13: probes[0] 's': filter: 'arg6 == 3' column 1: 'arg6' would be in "
		  "Go register 10, there are 9; declare the arguments before it");
}

Test(probefile, function_args_and_ret_merged)
{
	struct probefile *pf = probe_ok("    kind: function\n"
					"    attach: libc:malloc\n"
					"    args: u64 size\n"
					"    ret: ptr\n");
	const struct uspec *u = &pf->probes[0].spec;

	cr_assert_eq(pf->probes[0].kind, PF_FUNCTION);
	cr_assert_str_eq(pf->probes[0].attach, "libc:malloc", "attach is kept as written");
	cr_assert_str_eq(u->target, "libc");
	cr_assert_str_eq(u->func, "malloc");
	cr_assert_eq(u->nargs, 1);
	cr_assert_str_eq(u->args[0].name, "size");
	cr_assert_eq(u->args[0].type, UT_U64);
	cr_assert_eq(u->ret_type, UT_PTR);
	cr_assert_eq(u->fail_op, UF_EQ, "ptr fails on NULL");
	cr_assert_eq(u->when, UW_CALL);
	probefile_free(pf);
}

Test(probefile, function_spec_in_attach)
{
	struct probefile *pf =
		probe_ok("    kind: function\n"
			 "    attach: \"myapp:parse(str path, int flags) -> int < 0\"\n");
	const struct uspec *u = &pf->probes[0].spec;

	cr_assert_str_eq(u->target, "myapp");
	cr_assert_str_eq(u->func, "parse");
	cr_assert_eq(u->nargs, 2);
	cr_assert_eq(u->args[0].type, UT_STR);
	cr_assert_eq(u->args[1].type, UT_INT);
	cr_assert_eq(u->ret_type, UT_INT);
	cr_assert_eq(u->fail_op, UF_LT);
	probefile_free(pf);
}

Test(probefile, args_merged_before_ret_in_attach)
{
	struct probefile *pf = probe_ok("    kind: function\n"
					"    attach: libc:open -> int\n"
					"    args: str path, int flags\n");
	const struct uspec *u = &pf->probes[0].spec;

	cr_assert_eq(u->nargs, 2);
	cr_assert_str_eq(u->args[0].name, "path");
	cr_assert_eq(u->ret_type, UT_INT);
	probefile_free(pf);
}

Test(probefile, ret_predicate_merged)
{
	struct probefile *pf = probe_ok("    kind: function\n"
					"    attach: libsqlite3:sqlite3_step(ptr stmt)\n"
					"    ret: int != 101\n"
					"    when: failing\n");
	const struct pf_probe *p = &pf->probes[0];

	cr_assert_eq(p->when, PF_WHEN_FAILING);
	cr_assert_eq(p->spec.when, UW_CALL, "failing is a paired call");
	cr_assert_eq(p->spec.ret_type, UT_INT);
	cr_assert_eq(p->spec.fail_op, UF_NE);
	cr_assert_eq(p->spec.fail_val, 101);
	probefile_free(pf);
}

Test(probefile, go_method_with_args)
{
	struct probefile *pf = probe_ok("    kind: function\n"
					"    attach: ./server:main.(*Server).Handle\n"
					"    args: ptr s, str path\n");
	const struct uspec *u = &pf->probes[0].spec;

	cr_assert_str_eq(u->func, "main.(*Server).Handle");
	cr_assert_eq(u->nargs, 2);
	cr_assert_str_eq(u->args[1].name, "path");
	probefile_free(pf);
}

Test(probefile, when_maps_to_spec)
{
	static const struct {
		const char *lines;
		uint8_t when, uwhen;
	} cases[] = {
		{ "    when: entry\n", PF_WHEN_ENTRY, UW_ENTRY },
		{ "    when: return\n", PF_WHEN_RETURN, UW_RETURN },
		{ "    when: call\n", PF_WHEN_CALL, UW_CALL },
		{ "", PF_WHEN_CALL, UW_CALL },
	};
	char lines[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probefile *pf;

		snprintf(lines, sizeof(lines),
			 "    kind: function\n    attach: libc:malloc(u64 size) -> ptr\n%s",
			 cases[i].lines);
		pf = probe_ok(lines);
		cr_assert_eq(pf->probes[0].when, cases[i].when, "%s", cases[i].lines);
		cr_assert_eq(pf->probes[0].spec.when, cases[i].uwhen, "%s", cases[i].lines);
		probefile_free(pf);
	}
}

Test(probefile, when_from_attach_suffix)
{
	struct probefile *pf =
		probe_ok("    kind: function\n    attach: libc:malloc(u64 size)@entry\n");

	cr_assert_eq(pf->probes[0].when, PF_WHEN_ENTRY);
	cr_assert_eq(pf->probes[0].spec.when, UW_ENTRY);
	probefile_free(pf);
}

Test(probefile, usdt)
{
	struct probefile *pf = probe_ok("    kind: usdt\n"
					"    attach: /usr/bin/python3:python:function__entry\n"
					"    args: str filename, str funcname, int lineno\n"
					"    when: entry\n");
	const struct pf_probe *p = &pf->probes[0];

	cr_assert_eq(p->kind, PF_USDT);
	cr_assert_str_eq(p->provider, "python");
	cr_assert_str_eq(p->spec.target, "/usr/bin/python3");
	cr_assert_str_eq(p->spec.func, "function__entry");
	cr_assert_eq(p->spec.nargs, 3);
	cr_assert_eq(p->spec.args[2].type, UT_INT);
	cr_assert_eq(p->spec.when, UW_ENTRY);
	probefile_free(pf);
}

Test(probefile, usdt_no_return)
{
	parse_bad("probes:\n  - name: p\n    kind: usdt\n    attach: a:b:c\n    when: return\n",
		  "t.yaml:5:11: probes[0] 'p': when: usdt probes have no return; expected call or "
		  "entry");
	parse_bad("probes:\n  - name: p\n    kind: usdt\n    attach: a:b:c -> int\n",
		  "t.yaml:4:13: probes[0] 'p': attach: usdt probes have no return; remove '-> "
		  "TYPE'");
}

Test(probefile, syscall_lists)
{
	static const char *const one[] = {
		"    attach: open,openat\n",	   "    attach: \"open, openat\"\n",
		"    attach: [open, openat]\n",	   "    attach:\n      - open\n      - openat\n",
		"    attach: trace=open,openat\n", /* as -e takes it */
	};

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		char lines[256];
		struct probefile *pf;

		snprintf(lines, sizeof(lines), "    kind: syscall\n%s", one[i]);
		pf = probe_ok(lines);
		cr_assert_eq(nsys(&pf->probes[0]), 2, "%s", one[i]);
		cr_assert(has_sys(&pf->probes[0], "open"));
		cr_assert(has_sys(&pf->probes[0], "openat"));
		probefile_free(pf);
	}
}

Test(probefile, syscall_classes)
{
	struct probefile *pf =
		parse_ok("probes:\n"
			 "  - {name: files, kind: syscall, attach: file}\n"
			 "  - {name: net, kind: syscall, attach: \"%network\"}\n"
			 "  - {name: nomem, kind: syscall, attach: \"!memory\"}\n"
			 "  - {name: mixed, kind: syscall, attach: [desc, \"!close\"]}\n"
			 "  - {name: strace, kind: syscall, attach: \"trace=!memory\"}\n");

	cr_assert(has_sys(&pf->probes[0], "openat"));
	cr_assert(has_sys(&pf->probes[0], "execve"));
	cr_assert(!has_sys(&pf->probes[0], "read"));
	cr_assert(has_sys(&pf->probes[1], "connect"));
	cr_assert(!has_sys(&pf->probes[1], "openat"));
	cr_assert(has_sys(&pf->probes[2], "read"), "'!' starts from every syscall");
	cr_assert(!has_sys(&pf->probes[2], "mmap"));
	cr_assert(!has_sys(&pf->probes[2], "brk"));
	cr_assert(has_sys(&pf->probes[3], "read"));
	cr_assert(!has_sys(&pf->probes[3], "close"), "later items apply in order");
	cr_assert(has_sys(&pf->probes[4], "read"), "trace=! starts from every syscall too");
	cr_assert(!has_sys(&pf->probes[4], "mmap"));
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++)
		if (!syscall_table[nr].name)
			cr_assert(!((pf->probes[2].syscalls[nr / 64] >> (nr % 64)) & 1),
				  "numbers without a syscall are never selected (%u)", nr);
	probefile_free(pf);
}

Test(probefile, syscall_selects_nothing)
{
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: [read, \"!read\"]}\n",
		  "t.yaml:2:38: probes[0] 'p': attach: selects no syscalls; name at least one "
		  "syscall or class");
}

Test(probefile, action_forms)
{
	struct probefile *pf = parse_ok(
		"probes:\n"
		"  - {name: a, kind: syscall, attach: read, action: count}\n"
		"  - {name: b, kind: syscall, attach: read, action: [event, count]}\n"
		"  - {name: c, kind: syscall, attach: read, action: histogram}\n"
		"  - {name: d, kind: syscall, attach: read, action: {histogram: ret}}\n"
		"  - {name: e, kind: syscall, attach: read, action: [{histogram: arg3}]}\n"
		"  - {name: f, kind: syscall, attach: read, action: [{histogram: count}]}\n"
		"  - name: g\n"
		"    kind: syscall\n"
		"    attach: read\n"
		"    action:\n"
		"      - event\n"
		"      - signal: SIGKILL\n"
		"  - {name: h, kind: syscall, attach: read, action: {signal: term}}\n"
		"  - {name: i, kind: syscall, attach: read, action: {signal: KILL}}\n"
		"  - {name: j, kind: syscall, attach: read, action: {signal: 10}}\n"
		"  - {name: k, kind: syscall, attach: read, action: {signal: sigusr2, count: }}\n"
		"  - {name: l, kind: function, attach: 'x:f(int a, u32 len)', action: "
		"{histogram: len}}\n");
	const struct pf_probe *p = pf->probes;

	cr_assert_eq(p[0].actions, AT_ACT_COUNT);
	cr_assert_eq(p[1].actions, AT_ACT_EVENT | AT_ACT_COUNT);
	cr_assert_eq(p[2].actions, AT_ACT_HIST);
	cr_assert_eq(p[2].hist_of, AT_HIST_LATENCY, "histogram alone is latency");
	cr_assert_eq(p[3].hist_of, AT_HIST_RET);
	cr_assert_eq(p[4].hist_of, AT_HIST_ARG0 + 2, "arg3 is 1-based");
	cr_assert_eq(p[5].hist_of, AT_HIST_ARG0 + 2, "read's count is its third argument");
	cr_assert_eq(p[6].actions, AT_ACT_EVENT | AT_ACT_SIGNAL);
	cr_assert_eq(p[6].signal, 9);
	cr_assert_eq(p[7].signal, 15);
	cr_assert_eq(p[8].signal, 9);
	cr_assert_eq(p[9].signal, 10);
	cr_assert_eq(p[10].signal, 12);
	cr_assert_eq(p[10].actions, AT_ACT_SIGNAL | AT_ACT_COUNT);
	cr_assert_eq(p[11].hist_of, AT_HIST_ARG0 + 1);
	probefile_free(pf);
}

Test(probefile, action_errors)
{
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, action: signal}\n",
		  "t.yaml:2:52: probes[0] 'p': action: signal needs a signal name; write 'signal: "
		  "SIGKILL'");
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, action: {signal: 65}}\n",
		  "t.yaml:2:61: probes[0] 'p': action: 65 is out of range; expected a signal name "
		  "such as SIGKILL or SIGTERM, or a number 1 to 64");
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, action: {histogram: fd, "
		  "histogram: ret}}\n",
		  "t.yaml:2:68: probes[0] 'p': action: 'histogram' is given twice; list each "
		  "action once");
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, action: [count, "
		  "{histogram: ret}, histogram]}\n",
		  "t.yaml:2:78: probes[0] 'p': action: 'histogram' is given twice; list each "
		  "action once");
	parse_bad(
		"probes:\n  - {name: p, kind: syscall, attach: openat, action: {histogram: filename}}\n",
		"t.yaml:2:66: probes[0] 'p': action: histogram of 'filename' is not possible; expected "
		"latency, ret or an integer argument");
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, action: evnt}\n",
		  "t.yaml:2:52: probes[0] 'p': action: unknown action 'evnt' (did you mean "
		  "'event'?)");
}

Test(probefile, rate_limit_forms)
{
	struct probefile *pf = parse_ok(
		"probes:\n"
		"  - {name: a, kind: syscall, attach: read, rate_limit: 100}\n"
		"  - {name: b, kind: syscall, attach: read, rate_limit: 20/s}\n"
		"  - {name: c, kind: syscall, attach: read, rate_limit: {rate: 5, burst: 50}}\n"
		"  - {name: d, kind: syscall, attach: read, rate_limit: {rate: 7}}\n"
		"  - {name: e, kind: syscall, attach: read, rate_limit: 1000000, sample: 1}\n"
		"  - {name: f, kind: syscall, attach: read, sample: 8}\n");
	const struct pf_probe *p = pf->probes;

	cr_assert_eq(p[0].rate, 100);
	cr_assert_eq(p[0].burst, 100, "burst defaults to the rate");
	cr_assert_eq(p[1].rate, 20);
	cr_assert_eq(p[1].burst, 20);
	cr_assert_eq(p[2].rate, 5);
	cr_assert_eq(p[2].burst, 50);
	cr_assert_eq(p[3].rate, 7);
	cr_assert_eq(p[3].burst, 7);
	cr_assert_eq(p[4].rate, 1000000);
	cr_assert_eq(p[4].sample, 0, "sample 1 keeps everything: stored as 0");
	cr_assert_eq(p[5].sample, 8);
	cr_assert_eq(p[5].rate, 0);
	probefile_free(pf);
}

Test(probefile, rate_limit_errors)
{
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, rate_limit: 10/m}\n",
		  "t.yaml:2:56: probes[0] 'p': rate_limit: '10/m' is not a rate; expected N or "
		  "\"N/s\" (events per second from 1 to 1000000), or {rate: N, burst: M}");
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, rate_limit: {rate: 5, "
		  "burst: 0}}\n",
		  "t.yaml:2:73: probes[0] 'p': rate_limit: burst: 0 is out of range; expected a "
		  "number of events from 1 to 1000000");
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, rate_limit: [1]}\n",
		  "t.yaml:2:56: probes[0] 'p': rate_limit: is a list; expected events per second "
		  "from 1 to 1000000");
	parse_bad("probes:\n  - {name: p, kind: syscall, attach: read, action: count, sample: 2}\n",
		  "t.yaml:2:59: probes[0] 'p': sample applies to events; add 'event' to action");
}

Test(probefile, scrub_forms)
{
	struct probefile *pf = parse_ok(
		"probes:\n"
		"  - {name: a, kind: function, attach: 'x:f(str q)', scrub: sql}\n"
		"  - {name: b, kind: function, attach: 'x:f(str q)', scrub: [secrets]}\n"
		"  - {name: c, kind: function, attach: 'x:f(str q)', scrub: [sql, secrets]}\n"
		"  - {name: d, kind: function, attach: 'x:f(str q)', scrub: {sql: mysql}}\n"
		"  - {name: e, kind: function, attach: 'x:f(str q)', scrub: {sql: postgres, "
		"secrets: true}}\n"
		"  - {name: f, kind: function, attach: 'x:f(str q)', scrub: {sql: sqlite, "
		"secrets: false}}\n");

	cr_assert_eq(pf->probes[0].scrub, PF_SCRUB_SQL);
	cr_assert_eq(pf->probes[1].scrub, PF_SCRUB_SECRETS);
	cr_assert_eq(pf->probes[2].scrub, PF_SCRUB_SQL | PF_SCRUB_SECRETS);
	cr_assert_eq(pf->probes[3].scrub, PF_SCRUB_SQL | PF_SCRUB_SQL_DQ);
	cr_assert_eq(pf->probes[4].scrub, PF_SCRUB_SQL | PF_SCRUB_SECRETS);
	cr_assert_eq(pf->probes[5].scrub, PF_SCRUB_SQL);
	probefile_free(pf);
}

Test(probefile, scrub_map_errors)
{
	parse_bad(
		"probes:\n  - {name: p, kind: function, attach: 'x:f(str q)', scrub: {sql: oracle}}\n",
		"t.yaml:2:66: probes[0] 'p': scrub: sql: unknown value 'oracle'; expected one of "
		"postgres, sqlite, mysql");
	parse_bad(
		"probes:\n  - {name: p, kind: function, attach: 'x:f(str q)', scrub: {html: x}}\n",
		"t.yaml:2:61: probes[0] 'p': scrub: unknown key 'html'; valid keys: sql, secrets");
}

Test(probefile, on_unreadable_forms)
{
	struct probefile *pf = parse_ok(
		"probes:\n"
		"  - {name: a, kind: function, attach: 'x:f(str q)', filter: q == \"x\"}\n"
		"  - {name: b, kind: function, attach: 'x:f(str q)', filter: q == \"x\",\n"
		"     on_unreadable: skip}\n"
		"  - {name: c, kind: syscall, attach: unlink, filter: 'pid == 1 and pathname != \"/\"',\n"
		"     on_unreadable: match}\n");

	cr_assert_eq(pf->probes[0].on_unreadable, AT_UNREAD_MATCH);
	cr_assert_eq(pf->probes[1].on_unreadable, AT_UNREAD_SKIP);
	cr_assert_eq(pf->probes[2].on_unreadable, AT_UNREAD_MATCH);
	probefile_free(pf);
}

Test(probefile, filter_kept_and_compiled)
{
	struct probefile *pf = probe_ok("    kind: syscall\n"
					"    attach: openat\n"
					"    filter: filename startswith \"/etc/\" and ret < 0\n");
	const struct pf_probe *p = &pf->probes[0];

	cr_assert_str_eq(p->filter_src, "filename startswith \"/etc/\" and ret < 0");
	cr_assert_eq(p->filter.ncode, 3);
	cr_assert_eq(p->filter.cond[0].field, AT_FLD_ARG0 + 1);
	cr_assert_eq(p->filter.cond[0].is_str, 1);
	cr_assert_eq(p->filter.cond[0].cmp, AT_CMP_PREFIX);
	cr_assert_eq(p->filter.cond[0].slen, 5);
	cr_assert_eq(memcmp(p->filter.cond[0].str, "/etc/", 5), 0);
	cr_assert_eq(p->filter.cond[1].field, AT_FLD_RET);
	cr_assert_eq(p->filter.cond[1].bits, 64);
	cr_assert_eq(p->filter.cond[1].is_signed, 1);
	probefile_free(pf);
}

Test(probefile, multi_line_filter)
{
	struct probefile *pf = probe_ok("    kind: syscall\n"
					"    attach: read\n"
					"    filter: >\n"
					"      fd == 0\n"
					"      or count > 65536\n");

	cr_assert_eq(pf->probes[0].filter.ncode, 3);
	probefile_free(pf);
	parse_bad("probes:\n  - name: p\n    kind: syscall\n    attach: read\n    filter: |\n"
		  "      fd == 1\n      or fd ==\n",
		  "t.yaml:5:13: probes[0] 'p': filter: 'fd == 1 or fd == ' column 18: expected a "
		  "number after the comparison, e.g. 'fd > 0'");
}

Test(probefile, messages_name_the_probe_once_known)
{
	parse_bad("probes:\n  - {name: a, kind: syscall, attach: read}\n  - {kind: syscall, "
		  "attach: read, name: opens, whn: entry}\n",
		  "t.yaml:3:48: probes[1] 'opens': unknown key 'whn' (did you mean 'when'?)");
	parse_bad("probes:\n  - {kind: syscall, attach: read, whn: entry}\n",
		  "t.yaml:2:35: probes[0]: unknown key 'whn' (did you mean 'when'?)");
}

Test(probefile, count_limits)
{
	static char text[64 * 1024];
	size_t len;

	len = (size_t)snprintf(text, sizeof(text), "probes:\n");
	for (unsigned i = 0; i <= PF_MAX_PROBES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"  - {name: p%u, kind: syscall, attach: read}\n", i);
	parse_bad(text,
		  "t.yaml:258:5: probes: more than 256 probes; split them over several files");

	len = (size_t)snprintf(text, sizeof(text), "targets:\n  pids:\n");
	for (unsigned i = 1; i <= PF_MAX_PIDS + 1; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "    - %u\n", i);
	snprintf(text + len, sizeof(text) - len,
		 "probes: [{name: p, kind: syscall, attach: read}]\n");
	parse_bad(text, "t.yaml:67:7: targets: pids: more than 64 process ids; select by exe or "
			"comm instead");
}

Test(probefile, load_missing_file)
{
	struct probefile *pf;
	char err[512];

	cr_assert_eq(probefile_load("tests/probefiles/no-such-file.yaml", &pf, err, sizeof(err)),
		     -1);
	cr_assert_null(pf);
	cr_assert_str_eq(
		err, "tests/probefiles/no-such-file.yaml: cannot open: No such file or directory");
}

/* Hostile input: size, kind of file, nesting, nodes; each refused at once. */

/* A sparse file of 1 MiB + 1 bytes: refused by its size before a byte is read. */
Test(probefile, larger_than_1_mib_refused_by_size, .timeout = 10)
{
	char path[64], want[128], err[512];
	struct probefile *pf;
	int fd;

	snprintf(path, sizeof(path), "/tmp/agent-trace-big.%d.yaml", getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (1 << 20) + 1), 0);
	close(fd);
	cr_assert_eq(probefile_load(path, &pf, err, sizeof(err)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s: probe file is 1048577 bytes, more than the 1 MiB limit",
		 path);
	cr_assert_str_eq(err, want);
	/* Text given directly is held to the same bound. */
	char *text = calloc(1, (1 << 20) + 2);

	memset(text, ' ', (1 << 20) + 1);
	cr_assert_eq(probefile_parse("t.yaml", text, (1 << 20) + 1, &pf, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "t.yaml: probe file is 1048577 bytes, more than the 1 MiB limit");
	free(text);
}

/* A FIFO (no writer) is refused, not waited on; so is a directory. */
Test(probefile, fifo_and_directory_refused_without_blocking, .timeout = 10)
{
	char path[64], want[128], err[512];
	struct probefile *pf;

	snprintf(path, sizeof(path), "/tmp/agent-trace-fifo.%d.yaml", getpid());
	cr_assert_eq(mkfifo(path, 0644), 0);
	cr_assert_eq(probefile_load(path, &pf, err, sizeof(err)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	cr_assert_str_eq(err, want);
	cr_assert_eq(probefile_load("tests", &pf, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "tests: not a regular file");
}

/* 64 collections deep is allowed (the error is then the schema's), 65 is not. */
Test(probefile, nesting_bound_is_64)
{
	char text[256], want[128];
	size_t n = 0;

	/* The top-level mapping is the first: 63 or 64 flow sequences below it. */
	n = (size_t)snprintf(text, sizeof(text), "probes: ");
	memset(text + n, '[', 63);
	memset(text + n + 63, ']', 63);
	strcpy(text + n + 126, "\n");
	parse_bad(text, "t.yaml:1:10: probes[0]: is a list; expected a probe: a mapping with name, "
			"kind and attach");
	memset(text + n, '[', 64);
	memset(text + n + 64, ']', 64);
	strcpy(text + n + 128, "\n");
	snprintf(want, sizeof(want), "t.yaml:1:%zu: nesting deeper than 64", n + 64);
	parse_bad(text, want);
}

static double elapsed_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * The inputs that took libyaml 24 s (100k nested '[') or built a tree of
 * half a million nodes (1 MiB of [a,a,...]) are refused at once. The bound
 * is generous (2 s against ~10 ms): only the quadratic cost fails it.
 */
Test(probefile, hostile_input_refused_quickly, .timeout = 30)
{
	size_t flat = (1 << 20) - 16, n;
	char *text = malloc(flat + 16), err[512];
	struct probefile *pf;
	struct timespec t0;

	memset(text, '[', 100000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(probefile_parse("t.yaml", text, 100000, &pf, err, sizeof(err)), -1);
	cr_assert_lt(elapsed_since(&t0), 2.0, "100k nested [");
	cr_assert_str_eq(err, "t.yaml:1:65: nesting deeper than 64");

	n = (size_t)sprintf(text, "probes: [");
	for (; n + 3 < flat; n += 2)
		memcpy(text + n, "a,", 2);
	text[n++] = 'a';
	text[n++] = ']';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(probefile_parse("t.yaml", text, n, &pf, err, sizeof(err)), -1);
	cr_assert_lt(elapsed_since(&t0), 2.0, "1 MiB of a,a,a");
	/* The mapping, its key, the list, then 65534 a's: the last at column 10 + 2 * 65533. */
	cr_assert_str_eq(err, "t.yaml:1:131076: more than 65536 YAML nodes (an alias counts as "
			      "what it names); a probe file needs far fewer");
	free(text);
}

Test(probefile, example_loads)
{
	struct probefile *pf = NULL;
	char err[1024];
	unsigned acts = 0, kinds = 0, whens = 0, aggs = 0;

	cr_assert_eq(probefile_load("examples/probes.yaml", &pf, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(pf->nprobes, 5);
	for (unsigned i = 0; i < pf->nprobes; i++) {
		acts |= pf->probes[i].actions;
		kinds |= 1u << pf->probes[i].kind;
		whens |= 1u << pf->probes[i].when;
		aggs += pf->probes[i].agg.by[0] != 0;
	}
	cr_assert_eq(aggs, 2, "the example aggregates by a function's and a syscall's string");
	cr_assert_eq(acts, AT_ACT_EVENT | AT_ACT_COUNT | AT_ACT_HIST | AT_ACT_SIGNAL,
		     "the example shows every action");
	cr_assert_eq(kinds, (1u << PF_SYSCALL) | (1u << PF_FUNCTION) | (1u << PF_USDT));
	cr_assert_eq(whens, 0xf, "the example shows every when");
	cr_assert(pf->targets.nexe && pf->targets.ncomm);
	cr_assert(pf->output.has_format && pf->output.file[0]);
	cr_assert(pf->limits.ringbuf_bytes && pf->limits.str_max && pf->limits.processes);
	probefile_free(pf);
}

/* The corpus: every tests/probefiles/invalid/NAME.yaml fails with NAME.err, exactly. */
Test(probefile, invalid_corpus)
{
	static const char dir[] = "tests/probefiles/invalid";
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	cr_assert_not_null(d, "run from the repository root: %s", dir);
	while ((de = readdir(d))) {
		char path[512], errpath[512], want[1024] = "", err[1024];
		struct probefile *pf = NULL;
		size_t len = strlen(de->d_name);
		FILE *f;

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(errpath, sizeof(errpath), "%s/%.*s.err", dir, (int)(len - 5), de->d_name);
		f = fopen(errpath, "r");
		cr_assert_not_null(f, "%s: no .err file", path);
		cr_assert_not_null(fgets(want, sizeof(want), f), "%s: empty", errpath);
		fclose(f);
		want[strcspn(want, "\n")] = '\0';

		cr_expect_eq(probefile_load(path, &pf, err, sizeof(err)), -1, "%s loaded", path);
		cr_expect_str_eq(err, want, "%s", path);
		cr_expect(!strchr(err, '\n'), "%s: one line", path);
		probefile_free(pf);
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 64, "only %u invalid files", n);
}

/* Filters */

/* x:f(u64 size, int fd, str path, s8 c, u16 w, ptr p) -> int */
static struct uspec fn_spec(void)
{
	struct uspec u;
	char err[256];

	cr_assert_eq(uspec_parse("x:f(u64 size, int fd, str path, s8 c, u16 w, ptr p) -> int", &u,
				 err, sizeof(err)),
		     0, "%s", err);
	return u;
}

static struct at_filter compile_fn(const char *src)
{
	static struct uspec u;
	struct filter_ctx fc = { .kind = PF_FUNCTION, .when = PF_WHEN_CALL, .spec = &u };
	struct at_filter f;
	char err[512];

	u = fn_spec();
	cr_assert_eq(filter_compile(src, &fc, &f, err, sizeof(err)), 0, "%s: %s", src, err);
	return f;
}

/* A 128-byte string operand, the longest a filter takes (AT_FILTER_STR). */
#define S16 "0123456789abcdef"
#define S128 S16 S16 S16 S16 S16 S16 S16 S16

static void compile_fn_bad(const char *src, uint8_t when, const char *want)
{
	struct uspec u = fn_spec();
	struct filter_ctx fc = { .kind = PF_FUNCTION, .when = when, .spec = &u };
	struct at_filter f;
	char err[512];

	cr_assert_eq(filter_compile(src, &fc, &f, err, sizeof(err)), -1, "%s compiled", src);
	cr_assert_str_eq(err, want);
	cr_assert_eq(f.ncode, 0);
}

/* A call as a filter sees it: arguments, return, ids, strings captured by argument. */
struct filter_input {
	uint64_t args[AT_MAX_ARGS];
	int64_t ret;
	uint32_t pid, tid, uid;
	const char *str[AT_MAX_ARGS]; /* captured string of argument i, NULL if none */
	const char *comm;
};

/* A string condition as the kernel's str_match() decides it, for a string that was read. */
static bool str_cond(const struct at_cond *c, const struct filter_input *in)
{
	const char *s = c->field == AT_FLD_COMM ? (in->comm ? in->comm : "") :
			c->field < AT_MAX_ARGS	? in->str[c->field] :
						  NULL;
	bool prefix = c->cmp == AT_CMP_PREFIX || c->cmp == AT_CMP_IPREFIX;
	bool fold = c->cmp == AT_CMP_IPREFIX || c->cmp == AT_CMP_IEQ;
	size_t len;
	bool eq;

	if (!s)
		return false;
	len = strlen(s);
	eq = prefix ? len >= c->slen : len == c->slen;
	/* The kernel folds ASCII upper case in the captured bytes only. */
	for (size_t i = 0; eq && i < c->slen; i++) {
		char ch = s[i];

		if (fold && ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		eq = ch == c->str[i];
	}
	return c->cmp == AT_CMP_NE ? !eq : eq;
}

/* One condition, as the kernel's cond_true() takes it: integers through at_cmp_int. */
static bool cond_of(const struct at_cond *c, const struct filter_input *in)
{
	uint64_t raw;

	if (c->is_str)
		return str_cond(c, in);
	switch (c->field) {
	case AT_FLD_RET:
		raw = (uint64_t)in->ret;
		break;
	case AT_FLD_PID:
		raw = in->pid;
		break;
	case AT_FLD_TID:
		raw = in->tid;
		break;
	case AT_FLD_UID:
		raw = in->uid;
		break;
	default:
		if (c->field >= AT_MAX_ARGS)
			return false;
		raw = in->args[c->field];
	}
	return at_cmp_int(c->cmp, c->is_signed, c->bits, raw, c->val);
}

/* The filter's verdict on in: its conditions here, then the kernel's postfix machine. */
static bool run_filter(const struct at_filter *f, const struct filter_input *in)
{
	uint32_t bits = 0;

	for (unsigned i = 0; i < f->ncond && i < AT_FILTER_CONDS; i++)
		if (cond_of(&f->cond[i], in))
			bits |= AT_COND_TRUE(i);
	return at_filter_run(f, bits) == 1;
}

/* The three truth-table inputs a, b, c as arguments 1..3 of a function. */
static bool eval3(const struct at_filter *f, unsigned bits)
{
	struct filter_input in = { .args = { bits & 1, (bits >> 1) & 1, (bits >> 2) & 1 } };

	return run_filter(f, &in);
}

static struct at_filter compile_abc(const char *src)
{
	static struct uspec u;
	struct filter_ctx fc = { .kind = PF_FUNCTION, .spec = &u };
	struct at_filter f;
	char err[512];

	cr_assert_eq(uspec_parse("x:f(u8 a, u8 b, u8 c)", &u, err, sizeof(err)), 0);
	cr_assert_eq(filter_compile(src, &fc, &f, err, sizeof(err)), 0, "%s: %s", src, err);
	return f;
}

Test(filter, precedence_truth_tables)
{
	static const struct {
		const char *src;
		bool (*want)(bool a, bool b, bool c);
	} cases[] = {
		{ "a == 1 or b == 1 and c == 1", NULL },
		{ "(a == 1 or b == 1) and c == 1", NULL },
		{ "not a == 1 and b == 1", NULL },
		{ "not (a == 1 and b == 1)", NULL },
		{ "a == 1 and b == 1 or c == 1", NULL },
		{ "not not a == 1", NULL },
		{ "a != 0 and not (b == 1 or c == 1)", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct at_filter f = compile_abc(cases[i].src);

		for (unsigned bits = 0; bits < 8; bits++) {
			bool a = bits & 1, b = bits & 2, c = bits & 4, want = false;

			switch (i) {
			case 0:
				want = a || (b && c);
				break;
			case 1:
				want = (a || b) && c;
				break;
			case 2:
				want = !a && b;
				break;
			case 3:
				want = !(a && b);
				break;
			case 4:
				want = (a && b) || c;
				break;
			case 5:
				want = a;
				break;
			case 6:
				want = a && !(b || c);
				break;
			}
			cr_assert_eq(eval3(&f, bits), want, "%s with a=%d b=%d c=%d", cases[i].src,
				     a, b, c);
		}
	}
}

Test(filter, postfix_code)
{
	struct at_filter f = compile_abc("a == 1 or b == 1 and not c == 1");

	cr_assert_eq(f.ncode, 6);
	cr_assert_eq(f.code[0], AT_FOP_COND | 0);
	cr_assert_eq(f.code[1], AT_FOP_COND | 1);
	cr_assert_eq(f.code[2], AT_FOP_COND | 2);
	cr_assert_eq(f.code[3], AT_FOP_NOT);
	cr_assert_eq(f.code[4], AT_FOP_AND);
	cr_assert_eq(f.code[5], AT_FOP_OR);
	cr_assert_eq(f.cond[2].field, AT_FLD_ARG0 + 2);
	cr_assert_eq(f.cond[2].bits, 8);
	cr_assert_eq(f.cond[2].is_signed, 0);
}

Test(filter, no_filter_matches_everything)
{
	struct at_filter f = { 0 };
	struct filter_input in = { 0 };

	cr_assert(run_filter(&f, &in));
}

Test(filter, comparisons)
{
	static const struct {
		const char *src;
		uint64_t size;
		bool want;
	} cases[] = {
		{ "size > 4096", 4097, true },
		{ "size > 4096", 4096, false },
		{ "size >= 4096", 4096, true },
		{ "size < 0x10", 15, true },
		{ "size <= 0x10", 17, false },
		{ "size == 0", 0, true },
		{ "size != 0", 0, false },
		{ "arg1 == 7", 7, true },
		{ "size > 0x7fffffffffffffff", 1ULL << 63, true },
		{ "size == 18446744073709551615", UINT64_MAX, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct at_filter f = compile_fn(cases[i].src);
		struct filter_input in = { .args = { cases[i].size } };

		cr_assert_eq(run_filter(&f, &in), cases[i].want, "%s with %#llx", cases[i].src,
			     (unsigned long long)cases[i].size);
	}
}

Test(filter, widths_and_signedness)
{
	struct at_filter f;
	struct filter_input in = { 0 };

	/* int: the upper half of the register is garbage; -1 is below 0. */
	f = compile_fn("fd < 0");
	cr_assert_eq(f.cond[0].bits, 32);
	cr_assert_eq(f.cond[0].is_signed, 1);
	in.args[1] = 0x12345678ffffffffULL;
	cr_assert(run_filter(&f, &in));
	in.args[1] = 0xffffffff00000003ULL;
	cr_assert(!run_filter(&f, &in));

	/* A constant is converted to the field's type, as in C: 0xffffffff is -1 for int. */
	f = compile_fn("fd == 0xffffffff");
	cr_assert_eq(f.cond[0].val, -1);
	in.args[1] = 0xffffffffULL;
	cr_assert(run_filter(&f, &in));

	/* s8 */
	f = compile_fn("c == -1");
	cr_assert_eq(f.cond[0].bits, 8);
	in.args[3] = 0x7ff;
	cr_assert(run_filter(&f, &in));
	f = compile_fn("c > 100");
	in.args[3] = 0xc8; /* 200 as u8 is -56 as s8 */
	cr_assert(!run_filter(&f, &in));

	/* u16: -1 is 0xffff; larger values compare unsigned. */
	f = compile_fn("w == -1");
	cr_assert_eq(f.cond[0].val, 0xffff);
	in.args[4] = 0xabcdffff;
	cr_assert(run_filter(&f, &in));
	f = compile_fn("w > 0x7fff");
	in.args[4] = 0x8000;
	cr_assert(run_filter(&f, &in));

	/* ptr: 64 unsigned */
	f = compile_fn("p == 0");
	cr_assert_eq(f.cond[0].bits, 64);
	cr_assert_eq(f.cond[0].is_signed, 0);

	/* ret of an int function: 32 signed. */
	f = compile_fn("ret < 0");
	cr_assert_eq(f.cond[0].field, AT_FLD_RET);
	cr_assert_eq(f.cond[0].bits, 32);
	in.ret = 0xffffffffLL;
	cr_assert(run_filter(&f, &in));

	/* pid, tid, uid: 32 unsigned. */
	f = compile_fn("pid == 42 and tid != 43 and uid >= 1000");
	cr_assert_eq(f.cond[0].field, AT_FLD_PID);
	cr_assert_eq(f.cond[1].field, AT_FLD_TID);
	cr_assert_eq(f.cond[2].field, AT_FLD_UID);
	cr_assert_eq(f.cond[2].bits, 32);
	in.pid = 42;
	in.tid = 42;
	in.uid = 1000;
	cr_assert(run_filter(&f, &in));
	in.uid = 999;
	cr_assert(!run_filter(&f, &in));
}

Test(filter, range_errors)
{
	compile_fn_bad("c == 256", PF_WHEN_CALL,
		       "'c == 256' column 6: 256 is out of range for 'c' (signed 8 bits); use a "
		       "value that fits");
	compile_fn_bad("w == -32769", PF_WHEN_CALL,
		       "'w == -32769' column 6: -32769 is out of range for 'w' (unsigned 16 bits); "
		       "use a value that fits");
	compile_fn_bad("size == 18446744073709551616", PF_WHEN_CALL,
		       "'size == 18446744073709551616' column 9: bad number "
		       "'18446744073709551616'; expected a decimal or 0x integer");
	compile_fn_bad(
		"size == 12ab", PF_WHEN_CALL,
		"'size == 12ab' column 9: bad number '12ab'; expected a decimal or 0x integer");
}

Test(filter, strings)
{
	struct at_filter f = compile_fn("path startswith \"/etc/\" and path != \"/etc/shadow\"");
	struct filter_input in = { .str = { [2] = "/etc/passwd" } };

	cr_assert_eq(f.cond[0].field, AT_FLD_ARG0 + 2);
	cr_assert_eq(f.cond[0].is_str, 1);
	cr_assert(run_filter(&f, &in));
	in.str[2] = "/etc/shadow";
	cr_assert(!run_filter(&f, &in));
	in.str[2] = "/etc";
	cr_assert(!run_filter(&f, &in), "shorter than the prefix");
	in.str[2] = NULL;
	cr_assert(!run_filter(&f, &in), "no captured string: no match");

	f = compile_fn("path == 'a\\'b' or path == \"tab\\there\"");
	in.str[2] = "a'b";
	cr_assert(run_filter(&f, &in));
	in.str[2] = "tab\there";
	cr_assert(run_filter(&f, &in));
	in.str[2] = "a'bc";
	cr_assert(!run_filter(&f, &in), "== is exact");

	f = compile_fn("comm == \"nginx\" or comm startswith \"php-fpm\"");
	in.comm = "nginx";
	cr_assert(run_filter(&f, &in));
	in.comm = "php-fpm7.4";
	cr_assert(run_filter(&f, &in));
	in.comm = "nginx2";
	cr_assert(!run_filter(&f, &in));

	f = compile_fn("path == \"\"");
	in.str[2] = "";
	cr_assert(run_filter(&f, &in));

	/* 128 bytes fit, 129 do not. */
	compile_fn("path == \"" S128 "\"");
	compile_fn_bad("path == \"" S128 "X\"", PF_WHEN_CALL,
		       "'path == \"" S128 "X\"' column 9: string of 129 "
		       "bytes is too long; at most 128 bytes");
}

Test(filter, case_insensitive_strings)
{
	struct at_filter f = compile_fn("path istartswith \"/TMP/At-\" or comm iequals \"NGINX\"");
	struct filter_input in = { .str = { [2] = "/tmp/at-x" }, .comm = "bash" };

	cr_assert_eq(f.cond[0].cmp, AT_CMP_IPREFIX);
	cr_assert_eq(f.cond[0].slen, 8);
	cr_assert_eq(memcmp(f.cond[0].str, "/tmp/at-", 8), 0, "the operand is folded");
	cr_assert_eq(f.cond[1].cmp, AT_CMP_IEQ);
	cr_assert_eq(memcmp(f.cond[1].str, "nginx", 5), 0);
	cr_assert(run_filter(&f, &in));
	in.str[2] = "/TMP/AT-X";
	cr_assert(run_filter(&f, &in));
	in.str[2] = "/tmp/at";
	cr_assert(!run_filter(&f, &in), "shorter than the prefix");
	in.str[2] = "/tmp/ab-x";
	cr_assert(!run_filter(&f, &in));
	in.comm = "Nginx";
	cr_assert(run_filter(&f, &in));
	in.comm = "nginx2";
	cr_assert(!run_filter(&f, &in), "iequals is whole");

	/* ASCII only: bytes >= 0x80 compare exactly. */
	f = compile_fn("path iequals \"\xc3\xa9t\xc3\xa9\"");
	in.str[2] = "\xc3\xa9T\xc3\xa9";
	cr_assert(run_filter(&f, &in));
	in.str[2] = "\xc3\x89t\xc3\x89";
	cr_assert(!run_filter(&f, &in));
}

Test(filter, type_errors)
{
	compile_fn_bad("path == 3", PF_WHEN_CALL,
		       "'path == 3' column 9: 'path' is a string; compare it with a \"string\"");
	compile_fn_bad("path < \"b\"", PF_WHEN_CALL,
		       "'path < \"b\"' column 6: 'path' is a string; compare it with ==, !=, "
		       "startswith, istartswith or iequals");
	compile_fn_bad("size iequals \"1\"", PF_WHEN_CALL,
		       "'size iequals \"1\"' column 6: iequals applies to strings and 'size' "
		       "is an integer; use ==, !=, <, <=, > or >=");
	compile_fn_bad("size startswith \"1\"", PF_WHEN_CALL,
		       "'size startswith \"1\"' column 6: startswith applies to strings and 'size' "
		       "is an integer; use ==, !=, <, <=, > or >=");
	compile_fn_bad(
		"size == \"1\"", PF_WHEN_CALL,
		"'size == \"1\"' column 9: 'size' is an integer and \"1\" a string; compare it "
		"with a number");
	compile_fn_bad("ret < 0", PF_WHEN_ENTRY,
		       "'ret < 0' column 1: ret is not known at entry; use when: call or return");
	/* At return the arguments the SPEC declares are saved at entry: they compare. */
	{
		struct uspec u = fn_spec();
		struct filter_ctx fc = { .kind = PF_FUNCTION, .when = PF_WHEN_RETURN, .spec = &u };
		struct at_filter f;
		char err[512];

		cr_assert_eq(filter_compile("size > 1", &fc, &f, err, sizeof(err)), 0, "%s", err);
	}
	compile_fn_bad("arg7 == 1", PF_WHEN_CALL,
		       "'arg7 == 1' column 1: there is no 'arg7'; arguments are arg1 to arg6");
	compile_fn_bad(
		"nope == 1", PF_WHEN_CALL,
		"'nope == 1' column 1: unknown field 'nope'; fields: size, fd, path, c, w, p, "
		"arg1..arg6, ret, pid, tid, uid, comm");
}

Test(filter, syntax_errors)
{
	compile_fn_bad("", PF_WHEN_CALL, "'' column 1: empty filter; expected e.g. 'size > 4096'");
	compile_fn_bad(
		"size >", PF_WHEN_CALL,
		"'size >' column 7: expected a number after the comparison, e.g. 'size > 0'");
	compile_fn_bad("size", PF_WHEN_CALL,
		       "'size' column 5: expected a comparison after 'size'; one of ==, !=, <, <=, "
		       ">, >=");
	compile_fn_bad("(size > 1))", PF_WHEN_CALL,
		       "'(size > 1))' column 11: unexpected ')'; there is no '(' to close");
	compile_fn_bad("((size > 1) or fd == 2", PF_WHEN_CALL,
		       "'((size > 1) or fd == 2' column 23: missing ')' for the '(' at column 1; "
		       "close it");
	compile_fn_bad(
		"size > 1 and and fd == 2", PF_WHEN_CALL,
		"'size > 1 and and fd == 2' column 14: unexpected 'and'; expected a condition "
		"(FIELD OP VALUE), 'not' or '('");
	compile_fn_bad("size > 1 || fd == 2", PF_WHEN_CALL,
		       "'size > 1 || fd == 2' column 10: unexpected '||'; use 'or'");
	compile_fn_bad("!(size > 1)", PF_WHEN_CALL,
		       "'!(size > 1)' column 1: unexpected '!'; use 'not' or '!='");
	compile_fn_bad("size > 1 # x", PF_WHEN_CALL,
		       "'size > 1 # x' column 10: unexpected '#'; expected a field, a comparison, "
		       "'and', 'or', 'not' or parentheses");
	compile_fn_bad(
		"path == \"abc\\q\"", PF_WHEN_CALL,
		"'path == \"abc\\q\"' column 13: unknown escape '\\q'; use \\\\, \\\", \\', \\n "
		"or \\t");
}

Test(filter, limits)
{
	/* 8 conditions and 7 operators: 15 code bytes, fits. */
	struct at_filter f = compile_fn("size == 1 or size == 2 or size == 3 or size == 4 or "
					"size == 5 or size == 6 or size == 7 or size == 8");
	struct filter_input in = { .args = { 8 } };

	cr_assert_eq(f.ncode, 15);
	cr_assert(run_filter(&f, &in));
	in.args[0] = 9;
	cr_assert(!run_filter(&f, &in));
	compile_fn_bad(
		"size == 1 or size == 2 or size == 3 or size == 4 or size == 5 or size == 6 "
		"or size == 7 or size == 8 or size == 9",
		PF_WHEN_CALL,
		"'size == 1 or size == 2 or size == 3 or size == 4 or size == 5 or size == 6 "
		"or size == 7 or size == 8 or size == 9' column 105: more than 8 conditions; "
		"at most 8 per filter (AT_FILTER_CONDS)");
	compile_fn_bad(
		"not not not not not not not not not not not not not not not not size == 1",
		PF_WHEN_CALL,
		"'not not not not not not not not not not not not not not not not size == 1' "
		"column 1: more than 16 code bytes (AT_FILTER_CODE: one per condition, and, "
		"or, not); simplify it, e.g. 'not fd == 1' as 'fd != 1'");
}

static int compile_sys(const char *names, const char *src, uint8_t when, struct at_filter *f,
		       char *err, size_t errlen)
{
	static uint64_t sel[AT_NR_MAX / 64];
	struct filter_ctx fc = { .kind = PF_SYSCALL, .when = when, .syscalls = sel };
	char cerr[256];

	memset(sel, 0, sizeof(sel));
	cr_assert_eq(cli_parse_select(names, sel, cerr, sizeof(cerr)), 0, "%s", cerr);
	return filter_compile(src, &fc, f, err, errlen);
}

Test(filter, syscall_fields)
{
	struct at_filter f;
	char err[512];

	cr_assert_eq(compile_sys("openat",
				 "dfd == -100 and flags != 0 and mode == 0644 and "
				 "filename == \"/x\"",
				 PF_WHEN_CALL, &f, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(f.cond[0].field, AT_FLD_ARG0 + 0);
	cr_assert_eq(f.cond[0].bits, 32, "dirfd: int");
	cr_assert_eq(f.cond[0].is_signed, 1);
	cr_assert_eq(f.cond[1].bits, 64, "flags: 64 unsigned");
	cr_assert_eq(f.cond[1].is_signed, 0);
	cr_assert_eq(f.cond[2].val, 644, "decimal, not octal");
	cr_assert_eq(f.cond[3].is_str, 1);
	cr_assert_eq(f.cond[3].field, AT_FLD_ARG0 + 1);

	cr_assert_eq(compile_sys("lseek", "offset < 0 and ret == -ESPIPE", PF_WHEN_FAILING, &f, err,
				 sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(f.cond[0].bits, 64, "ARG_LONG");
	cr_assert_eq(f.cond[0].is_signed, 1);
	cr_assert_eq(f.cond[1].val, -29);
	cr_assert_eq(f.cond[1].is_signed, 1);

	/* The same name at the same place in every selected syscall. */
	cr_assert_eq(compile_sys("read,write", "fd == 1 and count > 100", PF_WHEN_CALL, &f, err,
				 sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(f.cond[1].field, AT_FLD_ARG0 + 2);

	/* kill's 'pid' argument is reached as arg1: the built-in wins. */
	cr_assert_eq(compile_sys("kill", "pid == 1 and arg1 == 2 and sig == 9", PF_WHEN_CALL, &f,
				 err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(f.cond[0].field, AT_FLD_PID);
	cr_assert_eq(f.cond[1].field, AT_FLD_ARG0);
	cr_assert_eq(f.cond[2].field, AT_FLD_ARG0 + 1);
}

Test(filter, syscall_field_errors)
{
	struct at_filter f;
	char err[512];

	cr_assert_eq(compile_sys("open,openat", "filename == \"/x\"", PF_WHEN_CALL, &f, err,
				 sizeof(err)),
		     -1);
	cr_assert_str_eq(err, "'filename == \"/x\"' column 1: 'filename' is argument 1 of open but "
			      "argument 2 of openat; use arg1 or arg2");
	cr_assert_eq(compile_sys("read,openat", "fd == 1", PF_WHEN_CALL, &f, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "'fd == 1' column 1: 'fd' is not an argument of openat; use argN, or "
			      "a probe per syscall");
	cr_assert_eq(compile_sys("read", "arg4 == 1", PF_WHEN_CALL, &f, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "'arg4 == 1' column 1: read takes 3 arguments, there is no 'arg4'; "
			      "select syscalls that have it");
	cr_assert_eq(compile_sys("read", "buf startswith \"x\"", PF_WHEN_CALL, &f, err,
				 sizeof(err)),
		     -1);
	cr_assert_str_eq(err, "'buf startswith \"x\"' column 5: startswith applies to strings and "
			      "'buf' is an integer; use ==, !=, <, <=, > or >=");
	cr_assert_eq(compile_sys("read", "fd == -EBADF", PF_WHEN_CALL, &f, err, sizeof(err)), -1);
	cr_assert_str_eq(err,
			 "'fd == -EBADF' column 7: errno names compare with ret, not 'fd'; use "
			 "a number");
	/* mount's third string is captured: four slots. */
	cr_assert_eq(compile_sys("mount", "type == \"ext4\"", PF_WHEN_CALL, &f, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(compile_sys("read", "ret == -ENOENTT", PF_WHEN_CALL, &f, err, sizeof(err)),
		     -1);
	cr_assert_str_eq(err, "'ret == -ENOENTT' column 8: unknown errno name 'ENOENTT' (did you "
			      "mean 'ENOENT'?)");
}

Test(probefile, empty_name_is_one_clean_error)
{
	static const char y[] = "probes:\n  - name: \"\"\n    kind: syscall\n    attach: read\n";
	struct probefile *pf;
	char err[512];

	cr_assert_eq(probefile_parse("e.yaml", y, sizeof(y) - 1, &pf, err, sizeof(err)), -1);
	cr_assert(strstr(err, "e.yaml:2:11: "), "%s", err);
}
