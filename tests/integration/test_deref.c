// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Dereference ARGs on real targets: targets/deref (a C struct of a known
 * layout pointing to another, compiled with DWARF, and a copy without) read
 * by offsets, chains and DWARF member paths at entry in the kernel, a NULL in
 * the chain shown as a fault with the target unharmed, filters on the values
 * read, a Go string header in memory on targets/gofuncs, and the refusals.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MAXR 64
#define NCALLS 5
#define AT (char *)build_path("agent-trace")

/* Slot i holds exactly want, read from argument arg, neither cut nor faulted. */
static void assert_slot(const struct at_call_rec *r, int i, unsigned arg, const char *want)
{
	cr_assert_eq(r->slot_arg[i], arg, "slot %d holds argument %u, not %u", i, r->slot_arg[i],
		     arg);
	cr_assert_str_eq(slot_str(r, i), want);
	cr_assert_eq(r->slot_flags[i] & (AT_SF_TRUNC | AT_SF_FAULT), 0, "flags %#x",
		     r->slot_flags[i]);
}

/* deref N traced with o: it checks its own results, so status 0 means unharmed. */
static void trace_deref(struct trace_opts o, struct trace *t)
{
	char *argv[] = { (char *)build_path("deref"), "5", NULL };

	o.select = "exit_group";
	trace_cmd(argv, &o, t);
	cr_assert(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0, "target status %d",
		  t->status);
	cr_assert_eq(t->lost.rb_lost, 0);
}

Test(deref, offsets_chains_and_member_paths_read_in_the_kernel)
{
	const struct at_call_rec *r[MAXR];
	struct trace t;
	uint64_t req;
	char q[32];

	trace_deref((struct trace_opts){ .uprobes = {
						 ":handle(ptr req, s64 *(arg1+16) id, "
						 "str(arg1+8) method, str(*(arg1)) path, "
						 "s32 *(*(arg1+24)) fd, int n) -> long",
						 ":handle(req->conn->query, req->conn->name, "
						 "req->port, req->ok, arg1->id, ptr req) -> long",
					 } },
		    &t);

	/* By offsets: id at 16, the method array at 8, the path pointer at 0, conn->fd. */
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), NCALLS + 1);
	for (int i = 0; i < NCALLS; i++) {
		cr_assert_eq(r[i]->args[1], 100 + i, "id of call %d: %llu", i,
			     (unsigned long long)r[i]->args[1]);
		assert_slot(r[i], 0, 2, "GET");
		assert_slot(r[i], 1, 3, "/api/items");
		cr_assert_eq(r[i]->args[4], 7, "fd through conn");
		cr_assert_eq(r[i]->args[5], i, "n is the function's second argument");
		cr_assert_eq(r[i]->dfault, 0);
		cr_assert_eq(r[i]->ret, 100 + i + i + 7);
	}
	req = r[0]->args[0];
	cr_assert_neq(req, 0);
	/* No conn: the load of conn->fd faults at address 0, the rest is read. */
	cr_assert_eq(r[NCALLS]->args[1], 1);
	cr_assert_eq(r[NCALLS]->dfault, 1u << 4, "dfault %#x", r[NCALLS]->dfault);
	cr_assert_eq(r[NCALLS]->args[4], 0, "the address that faulted");
	cr_assert_eq(r[NCALLS]->args[5], 2);
	cr_assert_eq(r[NCALLS]->ret, 3);

	/* By DWARF: conn at 24, query (char *) at 8 of it, name (char[16]) at 16, port, ok. */
	cr_assert_eq(trace_calls(&t, 1, r, MAXR), NCALLS + 1);
	for (int i = 0; i < NCALLS; i++) {
		snprintf(q, sizeof(q), "select %d", i);
		assert_slot(r[i], 0, 0, q);
		assert_slot(r[i], 1, 1, "primary");
		cr_assert_eq(r[i]->args[2], (uint16_t)-443, "port, 2 bytes: %#llx",
			     (unsigned long long)r[i]->args[2]);
		cr_assert_eq(r[i]->args[3], 0);
		cr_assert_eq(r[i]->args[4], 100 + i);
		cr_assert_eq(r[i]->args[5], req, "req, the first plain ARG, is the first argument");
		cr_assert_eq(r[i]->dfault, 0);
	}
	/* req->conn->query stops at conn + 8; the name array is at 0x10, which cannot be read. */
	cr_assert_eq(r[NCALLS]->dfault, 1u << 0, "dfault %#x", r[NCALLS]->dfault);
	cr_assert_eq(r[NCALLS]->args[0], 8);
	cr_assert(r[NCALLS]->slot_flags[0] & AT_SF_FAULT);
	cr_assert_eq(r[NCALLS]->args[1], 0x10);
	cr_assert(r[NCALLS]->slot_flags[1] & AT_SF_FAULT);
	cr_assert_eq(r[NCALLS]->args[4], 1);
	trace_free(&t);
}

Test(deref, filters_compare_the_values_read)
{
	const struct at_call_rec *r[MAXR];
	struct trace t;

	trace_deref(
		(struct trace_opts){
			.no_syscalls = true,
			.probe_file =
				"probes:\n"
				"  - name: late\n"
				"    kind: function\n"
				"    attach: ':handle(ptr req, int n, s64 *(arg1+16) id)'\n"
				"    filter: id >= 103\n"
				"  - name: query\n"
				"    kind: function\n"
				"    attach: ':handle(ptr req, int n, str req->conn->query q)'\n"
				"    filter: q == \"select 2\"\n"
				"  - name: fd-skip\n"
				"    kind: function\n"
				"    attach: ':handle(s32 req->conn->fd fd)'\n"
				"    filter: fd == 7\n"
				"    on_unreadable: skip\n"
				"  - name: fd-match\n"
				"    kind: function\n"
				"    attach: ':handle(s32 req->conn->fd fd)'\n"
				"    filter: fd != 7\n",
		},
		&t);
	cr_assert_eq(t.pcounts[0].hits, NCALLS + 1);
	cr_assert_eq(t.pcounts[0].matched, 2);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 2);
	cr_assert_eq(r[0]->args[2], 103);
	cr_assert_eq(r[1]->args[2], 104);
	/* "select 2", and the call without conn: unreadable, matched by default (fail closed). */
	cr_assert_eq(t.pcounts[1].matched, 2);
	cr_assert_eq(t.pcounts[1].unreadable, 1);
	cr_assert_eq(trace_calls(&t, 1, r, MAXR), 2);
	cr_assert_eq(r[0]->args[1], 2);
	cr_assert_str_eq(slot_str(r[0], 0), "select 2");
	cr_assert_eq(r[1]->args[1], 2);
	cr_assert(r[1]->slot_flags[0] & AT_SF_FAULT);
	/* The fault's value is not known: on_unreadable decides (skip here, match by default). */
	cr_assert_eq(t.pcounts[2].matched, NCALLS);
	cr_assert_eq(t.pcounts[2].unreadable, 1);
	cr_assert_eq(t.pcounts[3].matched, 1);
	cr_assert_eq(t.pcounts[3].unreadable, 1);
	cr_assert_eq(trace_calls(&t, 3, r, MAXR), 1);
	cr_assert_eq(r[0]->dfault, 1);
	trace_free(&t);
}

/* One run of the CLI on targets/NAME with the SPEC; status 0 wanted. */
static void cli(const char *target, const char *spec, bool json, char **out, char **err)
{
	int st = run_capture((char *[]){ AT, "-q", json ? "--json" : "-q", "-u", (char *)spec, "--",
					 (char *)build_path(target), "2", NULL },
			     out, err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, *err);
}

Test(deref, text_and_json_output)
{
	static const char spec[] = ":handle(ptr req, int n, s64 *(arg1+16), str(arg1+8) m, "
				   "s32 *(*(arg1+24)) fd, req->conn->query) -> long";
	char *out, *err;

	cli("deref", spec, false, &out, &err);
	cr_assert_not_null(strstr(out, ", n=0, *(arg1+16)=100, m=\"GET\", fd=7, "
				       "req->conn->query=\"select 0\") = 107 <"),
			   "%s", out);
	cr_assert_not_null(strstr(out, ", n=1, *(arg1+16)=101, m=\"GET\", fd=7, "
				       "req->conn->query=\"select 1\") = 109 <"),
			   "%s", out);
	cr_assert_not_null(strstr(out, ", n=2, *(arg1+16)=1, m=\"GET\", fd=<fault at 0x0>, "
				       "req->conn->query=<fault at 0x8>) = 3 <"),
			   "%s", out);
	free(out);
	free(err);

	cli("deref", spec, true, &out, &err);
	cr_assert_not_null(strstr(out, "\"n\":0,\"*(arg1+16)\":100,\"m\":\"GET\",\"fd\":7,"
				       "\"req->conn->query\":\"select 0\"},\"ret\":107,"),
			   "%s", out);
	cr_assert_not_null(strstr(out,
				  "\"n\":2,\"*(arg1+16)\":1,\"m\":\"GET\",\"fd\":"
				  "{\"fault\":\"0x0\"},\"req->conn->query\":{\"fault\":\"0x8\"}},"
				  "\"ret\":3,"),
			   "%s", out);
	free(out);
	free(err);
}

Test(deref, go_string_header_in_memory)
{
	static const struct at_call_rec *r[4096];
	char *argv[] = { (char *)build_path("gofuncs"), "deref", "3000", NULL };
	static const char path[] = "/items/0123456789";
	struct trace t;
	char *out, *err;
	int st;

	trace_cmd(
		argv,
		&(struct trace_opts){ .select = "exit_group",
				      .uprobes = { ":main.(*request).serve(ptr r, s64 *(arg1) id, "
						   "gostr(arg1+8) method, gostr(arg1+24) path, "
						   "long n)@entry" } },
		&t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status %d", t.status);
	cr_assert_eq(t.lost.rb_lost, 0);
	cr_assert_eq(trace_calls(&t, 0, r, 4096), 3000);
	for (int i = 0; i < 3000; i++) {
		char want[32];

		/* Substrings of a longer string: exactly their length is read. */
		snprintf(want, sizeof(want), "%.*s", 8 + i % 10, path);
		cr_assert_eq(r[i]->args[1], 100 + i);
		assert_slot(r[i], 0, 2, "GET");
		assert_slot(r[i], 1, 3, want);
		cr_assert_eq(r[i]->args[4], i, "n in RBX: the dereferences take no register");
	}
	trace_free(&t);

	/* Go's DWARF: q by its name in RDI (after r and the two words of prefix). */
	trace_cmd(argv,
		  &(struct trace_opts){ .select = "exit_group",
					.uprobes = { ":main.(*request).route(ptr r, gostr prefix, "
						     "q->path, q->id, r->id)@entry" } },
		  &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status %d", t.status);
	cr_assert_eq(trace_calls(&t, 0, r, 4096), 3000);
	for (int i = 0; i < 3000; i++) {
		assert_slot(r[i], 0, 1, "/v1");
		assert_slot(r[i], 1, 2, "/other");
		cr_assert_eq(r[i]->args[3], 7);
		cr_assert_eq(r[i]->args[4], 100 + i);
	}
	trace_free(&t);

	st = run_capture(
		(char *[]){ AT, "-q", "-u",
			    ":main.(*request).serve(ptr r, gostr(arg1+24) path, long n)@entry",
			    "--", (char *)build_path("gofuncs"), "deref", "2", NULL },
		&out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_not_null(strstr(out, ", path=\"/items/0\", n=0)\n"), "%s", out);
	cr_assert_not_null(strstr(out, ", path=\"/items/01\", n=1)\n"), "%s", out);
	free(out);
	free(err);
}

/* The CLI on targets/NAME refuses spec with exit status 2 and exactly the line want. */
static void refused(const char *target, const char *spec, const char *want)
{
	char *out, *err;
	int st = run_capture((char *[]){ AT, "-q", "-u", (char *)spec, "--",
					 (char *)build_path(target), "1", NULL },
			     &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s: status %d", spec, st);
	cr_assert_str_eq(err, want);
	free(out);
	free(err);
}

Test(deref, refusals)
{
	char want[PATH_MAX + 256];

	/* No DWARF in the file, and no separate debug file where its build id says. */
	cr_assert_eq(setenv("AT_DEBUG_DIR", "/nonexistent-debug", 1), 0);
	snprintf(want, sizeof(want),
		 "agent-trace: probe ':handle': member path 'req->conn->query': no DWARF in %s "
		 "(built without -g, or stripped, and no /nonexistent-debug/.build-id/",
		 build_path("deref-nodwarf"));
	{
		char *out, *err;
		int st = run_capture((char *[]){ AT, "-q", "-u", ":handle(req->conn->query)", "--",
						 (char *)build_path("deref-nodwarf"), "1", NULL },
				     &out, &err);

		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d", st);
		cr_assert(!strncmp(err, want, strlen(want)), "%s", err);
		cr_assert_not_null(strstr(err, ".debug); use *(argK+OFF)\n"), "%s", err);
		free(out);
		free(err);
	}
	/* With it: the stripped file's member paths read. */
	cr_assert_eq(setenv("AT_DEBUG_DIR", build_path("debug"), 1), 0);
	{
		char *out, *err;
		int st = run_capture((char *[]){ AT, "-q", "-u",
						 ":handle(ptr req, int n, req->conn->query)@entry",
						 "--", (char *)build_path("deref-nodwarf"), "1",
						 NULL },
				     &out, &err);

		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
		cr_assert_not_null(strstr(out, ", n=0, req->conn->query=\"select 0\")\n"), "%s",
				   out);
		free(out);
		free(err);
	}
	cr_assert_eq(unsetenv("AT_DEBUG_DIR"), 0);
	refused("deref", ":handle(req->conn->quer)",
		"agent-trace: probe ':handle': member path 'req->conn->quer': no member 'quer' in "
		"struct conn (did you mean 'query'?)\n");
	refused("deref", ":handle(req->id.x)",
		"agent-trace: probe ':handle': member path 'req->id.x': '.x' on long int, not a "
		"struct\n");
	refused("gofuncs", ":main.add(long a, a->x)@entry",
		"agent-trace: probe ':main.add': member path 'a->x': '->x' on int, not a pointer "
		"to a struct\n");
	refused("gofuncs", ":main.(*request).route(r->x)@entry",
		"agent-trace: probe ':main.(*request).route': member path 'r->x': no member 'x' "
		"in struct main.request\n");
	refused("deref", ":handle(*(*(*(*(*(*(arg1)))))))",
		"agent-trace: -u ':handle(*(*(*(*(*(*(arg1)))))))': too many dereferences (at "
		"most 4 loads before the last) at column 23\n");
	snprintf(want, sizeof(want),
		 "agent-trace: probe ':handle': argument 'g' is gostr, a Go type, and %s is not a "
		 "Go binary\n",
		 build_path("deref"));
	refused("deref", ":handle(gostr(arg1+8) g)", want);
}

/* USDT arguments dereferenced the same way: funcs usdt N fires atfuncs:tick(i, "tick-i"). */
Test(deref, usdt_arguments)
{
	char spec[PATH_MAX + 128], want[PATH_MAX + 128], *out, *err;
	const char *funcs = build_path("funcs");
	int st;

	snprintf(spec, sizeof(spec),
		 "%s:atfuncs:tick(int i, str(arg2+5) tail, u8 *(arg2) t, *(arg1))", funcs);
	st = run_capture((char *[]){ AT, "-q", "--usdt", spec, "--", (char *)funcs, "usdt", "3",
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	for (int i = 0; i < 3; i++) {
		/* i is no address: reading at it faults, and says where. */
		snprintf(want, sizeof(want),
			 " %s:atfuncs:tick(i=%d, tail=\"%d\", t=116, *(arg1)=<fault at 0x%x>)",
			 funcs, i, i, i);
		cr_assert_eq(count_lines(out, want), 1, "%s", out);
	}
	free(out);
	free(err);
}

/* Many calls through every kind of read, the NULL one among them: each seen, the target unharmed. */
Test(deref, many_calls_exact_and_unharmed)
{
	static const struct at_call_rec *r[4096];
	char *argv[] = { (char *)build_path("deref"), "4000", NULL };
	struct trace t;
	size_t n;

	trace_cmd(argv,
		  &(struct trace_opts){ .select = "exit_group",
					.uprobes = { ":handle(ptr req, int n, s64 *(arg1+16) id, "
						     "req->conn->query, str(*(*(arg1+24)+8)) q2, "
						     "u8 *(*(*(arg1+24)+8)+7) last) -> long" } },
		  &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status %d", t.status);
	cr_assert_eq(t.lost.rb_lost, 0);
	n = trace_calls(&t, 0, r, 4096);
	cr_assert_eq(n, 4001);
	for (size_t i = 0; i < 4000; i++) {
		char q[32];

		snprintf(q, sizeof(q), "select %zu", i);
		cr_assert_eq(r[i]->args[1], i);
		cr_assert_eq(r[i]->args[2], 100 + i);
		cr_assert_str_eq(slot_str(r[i], 0), q);
		cr_assert_str_eq(slot_str(r[i], 1), q);
		cr_assert_eq(r[i]->args[5], (uint8_t)q[7], "the byte after \"select \"");
		cr_assert_eq(r[i]->dfault, 0);
	}
	cr_assert_eq(r[4000]->dfault, (1u << 3) | (1u << 4) | (1u << 5));
	trace_free(&t);
}

/*
 * A distribution library's member paths from its -dbgsym package (libc6-dbg):
 * the DWARF function found by the probe's address, since libc's fclose is
 * _IO_new_fclose in DWARF. cat closes its file, then stdout and stderr.
 */
Test(deref, libc_from_its_debug_package)
{
	char *out, *err;
	int st = run_capture((char *[]){ AT, "-q", "-u",
					 "libc:fclose(ptr fp, fp->_fileno, fp->_flags)@entry", "--",
					 "/usr/bin/cat", "/etc/hostname", NULL },
			     &out, &err);

	if (WIFEXITED(st) && WEXITSTATUS(st) == 2 && strstr(err, "no DWARF in"))
		cr_skip_test("libc6-dbg is not installed (make deps installs it): %s", err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_eq(count_lines(out, ", fp->_fileno=3, fp->_flags="), 1, "%s", out);
	cr_assert_eq(count_lines(out, ", fp->_fileno=1, fp->_flags="), 1, "%s", out);
	cr_assert_eq(count_lines(out, ", fp->_fileno=2, fp->_flags="), 1, "%s", out);
	free(out);
	free(err);
}

/* Subscripts in member paths: an array member, an array of structs behind a pointer, argv. */
Test(deref, subscripts)
{
	char *out, *err;

	cli("deref", ":handle(ptr req, int n, req->codes[2], req->pool[1].fd, req->pool[1].name)",
	    false, &out, &err);
	cr_assert_eq(count_lines(out, ", n=0, req->codes[2]=30, req->pool[1].fd=9, "
				      "req->pool[1].name=\"pool1\") = 0x"),
		     1, "%s", out);
	free(out);
	free(err);
	cli("deref", ":main(int argc, argv[1])@entry", false, &out, &err);
	cr_assert_eq(count_lines(out, " deref:main(argc=2, argv[1]=\"2\")"), 1, "%s", out);
	free(out);
	free(err);
}
