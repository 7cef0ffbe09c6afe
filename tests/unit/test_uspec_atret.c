// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Arguments read at return in SPECs and probe files: buf[len=ret], 'out'
 * and INT*, what they parse to, and the bad ones with their one-line
 * messages; filters on them.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "filter.h"
#include "probefile.h"
#include "unit_uspec.h"
#include "uspec.h"

Test(uspec_atret, ssl_read_buffer_with_returned_length)
{
	struct uspec u = parse_ok("libssl:SSL_read(ptr ssl, buf[len=ret] data, int n) -> int");

	cr_assert_eq(u.nargs, 3);
	cr_assert_eq(u.args[1].type, UT_BUF_RET);
	cr_assert_str_eq(u.args[1].name, "data");
	cr_assert(u.args[1].out, "read at return");
	cr_assert_not(u.args[0].out);
	cr_assert_not(u.args[2].out);
	cr_assert_eq(uspec_out_arg(&u), 1);
	cr_assert_eq(utype_info(u.args[1].type)->kind, UK_BUF);
	cr_assert_eq(u.ret_type, UT_INT);
	/* Spaces inside the brackets, 'out' redundant but accepted. */
	u = parse_ok("libssl:SSL_read(ptr ssl, out buf[ len = ret ], int n) -> long");
	cr_assert_eq(u.args[1].type, UT_BUF_RET);
	cr_assert_str_eq(u.args[1].name, "arg2");
}

Test(uspec_atret, out_arguments)
{
	struct uspec u =
		parse_ok(":f(out str name, out buf[16] b, out char[8] c, out buf[len=arg6] "
			 "d, out u64* v, int n) -> int");

	cr_assert_eq(u.nargs, 6);
	cr_assert_eq(u.args[0].type, UT_STR);
	cr_assert_eq(u.args[1].type, UT_BUF);
	cr_assert_eq(u.args[1].n, 16);
	cr_assert_eq(u.args[2].type, UT_CHARS);
	cr_assert_eq(u.args[2].n, 8);
	cr_assert_eq(u.args[3].type, UT_BUF_LEN);
	cr_assert_eq(u.args[3].len_arg, 5);
	cr_assert_eq(u.args[4].type, UT_REF);
	cr_assert_eq(u.args[4].ref, UT_U64);
	cr_assert_eq(u.args[4].n, 8);
	cr_assert_str_eq(u.args[4].name, "v");
	for (int i = 0; i < 5; i++)
		cr_assert(u.args[i].out, "arg %d", i + 1);
	cr_assert_not(u.args[5].out);
	cr_assert_eq(uspec_out_arg(&u), 0);
	cr_assert_str_eq(u.args[0].name, "name");
}

Test(uspec_atret, int_pointers_and_out_as_a_name)
{
	struct uspec u = parse_ok(":f(int *a, u8*b, out s16 * c, out int*)");

	cr_assert_eq(u.args[0].type, UT_REF);
	cr_assert_eq(u.args[0].ref, UT_INT);
	cr_assert_eq(u.args[0].n, 4);
	cr_assert_not(u.args[0].out, "INT* alone is read at entry");
	cr_assert_str_eq(u.args[0].name, "a");
	cr_assert_eq(u.args[1].ref, UT_U8);
	cr_assert_eq(u.args[1].n, 1);
	cr_assert_str_eq(u.args[1].name, "b");
	cr_assert_eq(u.args[2].ref, UT_S16);
	cr_assert_eq(u.args[2].n, 2);
	cr_assert(u.args[2].out);
	cr_assert_str_eq(u.args[3].name, "arg4");
	cr_assert_eq(uspec_out_arg(&u), 2);
	/* 'out' is a keyword only before a type: a name otherwise. */
	u = parse_ok(":f(ptr out, int x)");
	cr_assert_str_eq(u.args[0].name, "out");
	cr_assert_eq(uspec_out_arg(&u), -1);
	u = parse_ok(":f(str s) -> int @return");
	cr_assert_eq(uspec_out_arg(&u), -1);
	u = parse_ok(":f(out str s) -> int @return");
	cr_assert_eq(u.when, UW_RETURN);
	cr_assert_eq(uspec_out_arg(&u), 0);
}

Test(uspec_atret, length_through_a_pointer)
{
	struct uspec u = parse_ok("libssl:SSL_read_ex(ptr ssl, out buf[len=*arg4] data, u64 num, "
				  "out u64* readbytes) -> int == 0");

	cr_assert_eq(u.args[1].type, UT_BUF_LEN);
	cr_assert(u.args[1].len_deref);
	cr_assert_eq(u.args[1].len_arg, 3);
	cr_assert(u.args[1].out);
	cr_assert_eq(u.args[3].type, UT_REF);
	cr_assert_eq(u.args[3].n, 8);
	u = parse_ok(":f(buf[len = * arg2] b, u16* n)");
	cr_assert(u.args[0].len_deref);
	cr_assert_not(u.args[0].out, "at entry");
	cr_assert_not(parse_ok(":f(buf[len=arg2] b, u16 n)").args[0].len_deref);
	parse_bad(":f(buf[len=*arg2] b, u64 n)",
		  "-u ':f(buf[len=*arg2] b, u64 n)': buf length *arg2 must point to an integer: "
		  "declare arg2 as INT* (u64*, int*...), not 'u64' at column 20");
	parse_bad(":f(buf[len=*arg2] b, ptr n)",
		  "-u ':f(buf[len=*arg2] b, ptr n)': buf length *arg2 must point to an integer: "
		  "declare arg2 as INT* (u64*, int*...), not 'ptr' at column 20");
	parse_bad(":f(buf[len=arg2] b, u64* n)",
		  "-u ':f(buf[len=arg2] b, u64* n)': buf length arg2 is a pointer; 'len=*arg2' "
		  "takes the integer it points to at column 19");
	parse_bad(":f(buf[len=*ret] b) -> int",
		  "-u ':f(buf[len=*ret] b) -> int': expected 'argK' after 'len=*' at column 17");
}

Test(uspec_atret, bad)
{
	parse_bad(":f(out int a) -> int",
		  "-u ':f(out int a) -> int': 'out' applies to str, buf[...], char[N] and INT* "
		  "(e.g. 'out int*'), not 'int' at column 12");
	/* SSL_read_ex's data read at entry, with a length the call has not written yet. */
	parse_bad(":f(ptr s, buf[len=*arg4] d, u64 n, out u64* r) -> int",
		  "-u ':f(ptr s, buf[len=*arg4] d, u64 n, out u64* r) -> int': buf length *arg4 is "
		  "an 'out' argument, written by the call: mark the buffer 'out' too at column 27");
	parse_bad(":f(out ptr p)", "-u ':f(out ptr p)': 'out' applies to str, buf[...], char[N] "
				   "and INT* (e.g. 'out int*'), not 'ptr' at column 12");
	parse_bad(":f(out gostr s)",
		  "-u ':f(out gostr s)': 'out' does not apply to the Go type 'gostr' at column 12");
	parse_bad(":f(str* s)",
		  "-u ':f(str* s)': '*' follows an integer type (int*, u64*), not 'str' at column "
		  "11");
	parse_bad(":f(ptr* s)",
		  "-u ':f(ptr* s)': '*' follows an integer type (int*, u64*), not 'ptr' at column "
		  "11");
	parse_bad(":f(buf[len=ret] d)",
		  "-u ':f(buf[len=ret] d)': buf[len=ret] needs an integer return type: add '-> "
		  "int' (or long, u64...) at column 8");
	parse_bad(":f(int n, buf[len=ret] d) -> ptr",
		  "-u ':f(int n, buf[len=ret] d) -> ptr': buf[len=ret] needs an integer return "
		  "type: add '-> int' (or long, u64...), not ptr at column 15");
	parse_bad(":f(buf[len=ret] d) -> int @entry",
		  "-u ':f(buf[len=ret] d) -> int @entry': argument 'd' is read at return, and "
		  "'@entry' has none; remove '@entry' at column 8");
	parse_bad(":f(int n, out str s) @entry",
		  "-u ':f(int n, out str s) @entry': argument 's' is read at return, and '@entry' "
		  "has none; remove '@entry' at column 15");
	parse_bad(
		":f(buf[len=rett] d) -> int",
		"-u ':f(buf[len=rett] d) -> int': expected 'argK' or 'ret' after 'len=' at column "
		"16");
	parse_bad(":f(buf[len=ret d) -> int",
		  "-u ':f(buf[len=ret d) -> int': expected ']' at column 20");
	parse_bad(":f() -> int*", "-u ':f() -> int*': unexpected '*' at column 16");
}

static struct probefile *pf_parse(const char *text, char *err, size_t errlen)
{
	struct probefile *pf = NULL;

	if (probefile_parse("t.yaml", text, strlen(text), &pf, err, errlen))
		return NULL;
	return pf;
}

/* Probe files take the same syntax, in attach or in args, and filter on what is read at return. */
Test(uspec_atret, probe_file)
{
	char err[1024];
	struct probefile *pf =
		pf_parse("probes:\n"
			 "  - name: reads\n"
			 "    kind: function\n"
			 "    attach: 'libssl:SSL_read -> int'\n"
			 "    args: ptr ssl, buf[len=ret] data, int n\n"
			 "  - name: pairs\n"
			 "    kind: function\n"
			 "    attach: ':get_pair(out int* a, out str name, int i) -> int'\n"
			 "    when: return\n"
			 "    filter: name == \"pair-2\" and i >= 0\n",
			 err, sizeof(err));

	cr_assert_not_null(pf, "%s", err);
	cr_assert_eq(pf->nprobes, 2);
	cr_assert_eq(pf->probes[0].spec.args[1].type, UT_BUF_RET);
	cr_assert_eq(pf->probes[1].spec.when, UW_RETURN);
	cr_assert_eq(pf->probes[1].spec.args[1].type, UT_STR);
	cr_assert(pf->probes[1].spec.args[1].out);
	cr_assert_eq(pf->probes[1].filter.ncond, 2);
	cr_assert(pf->probes[1].filter.cond[0].is_str);
	cr_assert_eq(pf->probes[1].filter.cond[0].field, 1);
	probefile_free(pf);

	cr_assert_null(pf_parse("probes:\n"
				"  - name: pairs\n"
				"    kind: function\n"
				"    attach: ':get_pair -> int'\n"
				"    args: out int* a, int i\n"
				"    when: entry\n",
				err, sizeof(err)));
	cr_assert_str_eq(err, "t.yaml:4:13: probes[0] 'pairs': attach: -u ':get_pair(out int* a, "
			      "int i) -> int@entry': argument 'a' is read at return, and '@entry' "
			      "has none; remove '@entry' at column 15");
	cr_assert_null(pf_parse("probes:\n"
				"  - name: pairs\n"
				"    kind: function\n"
				"    attach: ':get_pair(out int* a) -> int'\n"
				"    filter: a == 1\n",
				err, sizeof(err)));
	cr_assert_str_eq(err,
			 "t.yaml:5:13: probes[0] 'pairs': filter: 'a == 1' column 1: 'a' is "
			 "an integer read through a pointer (int*) and does not compare; filter "
			 "on another argument");
	cr_assert_null(pf_parse("probes:\n"
				"  - name: ticks\n"
				"    kind: usdt\n"
				"    attach: ':atfuncs:tick'\n"
				"    args: int i, out str label\n",
				err, sizeof(err)));
	cr_assert_str_eq(err, "t.yaml:5:11: probes[0] 'ticks': args: argument 'label' is read at "
			      "return, and a usdt probe has none");
	/* when: return without arguments declared: still none to filter on. */
	cr_assert_null(pf_parse("probes:\n"
				"  - name: r\n"
				"    kind: function\n"
				"    attach: ':get_pair -> int'\n"
				"    when: return\n"
				"    filter: arg1 == 1\n",
				err, sizeof(err)));
	cr_assert_str_eq(err, "t.yaml:6:13: probes[0] 'r': filter: 'arg1 == 1' column 1: arguments "
			      "are not known at return unless declared (args: or the SPEC's); use "
			      "when: call");
}
