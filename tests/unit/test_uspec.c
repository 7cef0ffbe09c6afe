// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function probe SPECs: the documented examples, defaults, and bad SPECs with their messages. */
#include <criterion/criterion.h>
#include <string.h>

#include "unit_uspec.h"
#include "uspec.h"

Test(uspec, malloc_returns_ptr)
{
	struct uspec u = parse_ok("libc:malloc(u64 size) -> ptr");

	cr_assert_str_eq(u.target, "libc");
	cr_assert_str_eq(u.func, "malloc");
	cr_assert_eq(u.offset, 0);
	cr_assert_eq(u.nargs, 1);
	cr_assert_str_eq(u.args[0].name, "size");
	cr_assert_eq(u.args[0].type, UT_U64);
	cr_assert_eq(u.ret_type, UT_PTR);
	cr_assert_eq(u.fail_op, UF_EQ, "ptr fails on NULL by default");
	cr_assert_eq(u.fail_val, 0);
	cr_assert_eq(u.when, UW_CALL);
	cr_assert(!u.is_glob);
	cr_assert(uspec_failed(&u, 0));
	cr_assert(!uspec_failed(&u, 0x7f0000001000ULL));
}

Test(uspec, path_target_no_args)
{
	struct uspec u = parse_ok("/usr/sbin/nginx:ngx_http_process_request_line");

	cr_assert_str_eq(u.target, "/usr/sbin/nginx");
	cr_assert_str_eq(u.func, "ngx_http_process_request_line");
	cr_assert_eq(u.nargs, 0);
	cr_assert_eq(u.ret_type, UT_NONE);
	cr_assert_eq(u.fail_op, UF_NONE);
	cr_assert(!uspec_failed(&u, (uint64_t)-1));
}

Test(uspec, str_and_int_args)
{
	struct uspec u = parse_ok("myapp:parse_request(str path, int flags) -> int");

	cr_assert_str_eq(u.target, "myapp");
	cr_assert_eq(u.nargs, 2);
	cr_assert_eq(u.args[0].type, UT_STR);
	cr_assert_str_eq(u.args[0].name, "path");
	cr_assert_eq(u.args[1].type, UT_INT);
	cr_assert_str_eq(u.args[1].name, "flags");
	cr_assert_eq(u.ret_type, UT_INT);
	cr_assert_eq(u.fail_op, UF_LT, "signed returns fail below 0 by default");
	cr_assert_eq(u.fail_val, 0);
}

Test(uspec, buf_len_from_later_arg)
{
	struct uspec u = parse_ok("libssl:SSL_write(ptr ssl, buf[len=arg3] data, int len) -> int");

	cr_assert_eq(u.nargs, 3);
	cr_assert_eq(u.args[0].type, UT_PTR);
	cr_assert_eq(u.args[1].type, UT_BUF_LEN);
	cr_assert_str_eq(u.args[1].name, "data");
	cr_assert_eq(u.args[1].len_arg, 2, "arg3 is 1-based: index 2");
	cr_assert_str_eq(u.args[2].name, "len");
	cr_assert_eq(u.ret_type, UT_INT);
}

Test(uspec, glob_and_empty_target)
{
	struct uspec u = parse_ok("myapp:*parse*");

	cr_assert_str_eq(u.func, "*parse*");
	cr_assert(u.is_glob);
	cr_assert(parse_ok("app:f[ab]").is_glob);
	cr_assert(parse_ok("app:f?").is_glob);

	u = parse_ok(":main");
	cr_assert_str_eq(u.target, "");
	cr_assert_str_eq(u.func, "main");
	cr_assert(!u.is_glob);
}

Test(uspec, versioned_name_and_when)
{
	static const struct {
		const char *spec, *func;
		int nargs, when;
	} cases[] = {
		{ "libc:memcpy@@GLIBC_2.14", "memcpy@@GLIBC_2.14", -1, UW_CALL },
		{ "libc:malloc@return", "malloc", -1, UW_RETURN },
		{ "libc:malloc(u64 n) -> ptr @entry", "malloc", 1, UW_ENTRY },
		/* Only the exact keywords at the very end. */
		{ "app:foo@VER", "foo@VER", -1, UW_CALL },
		{ "app:foo@returned", "foo@returned", -1, UW_CALL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct uspec u = parse_ok(cases[i].spec);

		cr_assert_str_eq(u.func, cases[i].func, "%s", cases[i].spec);
		if (cases[i].nargs >= 0) /* -1: not checked */
			cr_assert_eq(u.nargs, cases[i].nargs, "%s", cases[i].spec);
		cr_assert_eq(u.when, cases[i].when, "%s", cases[i].spec);
	}
}

Test(uspec, offsets)
{
	struct uspec u = parse_ok("app:f+0x10");

	cr_assert_str_eq(u.func, "f");
	cr_assert_eq(u.offset, 0x10);

	u = parse_ok("app:f+16");
	cr_assert_eq(u.offset, 16);

	u = parse_ok("app:0x1234");
	cr_assert_str_eq(u.func, "");
	cr_assert_eq(u.offset, 0x1234);
	cr_assert(!u.is_glob);
}

Test(uspec, predicates)
{
	struct uspec u = parse_ok("app:f() -> int != 0");

	cr_assert_eq(u.nargs, 0);
	cr_assert_eq(u.fail_op, UF_NE);
	cr_assert_eq(u.fail_val, 0);
	cr_assert(uspec_failed(&u, 1));
	cr_assert(!uspec_failed(&u, 0));
	/* int compares the low 32 bits only. */
	cr_assert(!uspec_failed(&u, 0xdeadbeef00000000ULL));

	u = parse_ok("app:f -> u32 == 7");
	cr_assert_str_eq(u.func, "f");
	cr_assert_eq(u.ret_type, UT_U32);
	cr_assert_eq(u.fail_op, UF_EQ);
	cr_assert_eq(u.fail_val, 7);
	cr_assert(uspec_failed(&u, 7));
	cr_assert(uspec_failed(&u, 0xffffffff00000007ULL));
	cr_assert(!uspec_failed(&u, 8));

	u = parse_ok("app:f -> u64");
	cr_assert_eq(u.fail_op, UF_NONE, "unsigned returns have no default predicate");

	u = parse_ok("app:f->long>=0x10");
	cr_assert_eq(u.ret_type, UT_LONG);
	cr_assert_eq(u.fail_op, UF_GE);
	cr_assert_eq(u.fail_val, 16);

	u = parse_ok("app:f -> s64 <= -2");
	cr_assert_eq(u.fail_op, UF_LE);
	cr_assert_eq(u.fail_val, -2);
	cr_assert(uspec_failed(&u, (uint64_t)-2));
	cr_assert(!uspec_failed(&u, (uint64_t)-1));
}

Test(uspec, failed_sign_extends_by_width)
{
	struct uspec u = parse_ok("app:f -> int");

	/* -1 in eax with garbage above: still negative as an int. */
	cr_assert(uspec_failed(&u, 0x12345678ffffffffULL));
	cr_assert(!uspec_failed(&u, 0x100000000ULL));
	cr_assert(!uspec_failed(&u, 0xffffffff00000001ULL));

	u = parse_ok("app:f -> s8");
	cr_assert(uspec_failed(&u, 0x80));
	cr_assert(!uspec_failed(&u, 0x7f));

	u = parse_ok("app:f -> s16 > 100");
	cr_assert(uspec_failed(&u, 101));
	cr_assert(!uspec_failed(&u, 0xffff));

	u = parse_ok("app:f -> long");
	cr_assert(uspec_failed(&u, 0xffffffffffffffffULL));
	cr_assert(!uspec_failed(&u, 0xffffffffULL));
}

Test(uspec, whitespace_buf_char_and_default_names)
{
	struct uspec u =
		parse_ok("  lib : f ( buf [ 16 ] , char[ 8 ]  s , buf[ len = arg4 ] , u8 )  "
			 "->  s32  <  -1  ");

	cr_assert_str_eq(u.target, "lib");
	cr_assert_str_eq(u.func, "f");
	cr_assert_eq(u.nargs, 4);
	cr_assert_eq(u.args[0].type, UT_BUF);
	cr_assert_eq(u.args[0].n, 16);
	cr_assert_str_eq(u.args[0].name, "arg1");
	cr_assert_eq(u.args[1].type, UT_CHARS);
	cr_assert_eq(u.args[1].n, 8);
	cr_assert_str_eq(u.args[1].name, "s");
	cr_assert_eq(u.args[2].type, UT_BUF_LEN);
	cr_assert_eq(u.args[2].len_arg, 3);
	cr_assert_str_eq(u.args[2].name, "arg3");
	cr_assert_str_eq(u.args[3].name, "arg4");
	cr_assert_eq(u.ret_type, UT_S32);
	cr_assert_eq(u.fail_op, UF_LT);
	cr_assert_eq(u.fail_val, -1);
}

Test(uspec, six_args_and_go_method)
{
	struct uspec u = parse_ok("app:f(u8, s8, u16, s16, u32, s64)");

	cr_assert_eq(u.nargs, 6);
	cr_assert_eq(u.args[5].type, UT_S64);

	u = parse_ok("app:main.(*Server).handle(ptr s)");
	cr_assert_str_eq(u.func, "main.(*Server).handle");
	cr_assert_eq(u.nargs, 1);
}

Test(uspec, type_names)
{
	cr_assert_str_eq(utype_name(UT_U64), "u64");
	cr_assert_str_eq(utype_name(UT_STR), "str");
	cr_assert_str_eq(utype_name(UT_BUF), "buf");
	cr_assert_str_eq(utype_name(UT_BUF_LEN), "buf");
	cr_assert_str_eq(utype_name(UT_CHARS), "char");
	cr_assert_str_eq(utype_name(UT_INT), "int");
}

/* Columns count in the quoted text: "-u '" is columns 1 to 4, the SPEC starts at 5. */
Test(uspec, bad_specs)
{
	parse_bad("libc:malloc(u64 size) -> ptrr",
		  "-u 'libc:malloc(u64 size) -> ptrr': unknown type 'ptrr' at column 30");
	parse_bad("libc", "-u 'libc': expected TARGET:FUNC");
	parse_bad("app:", "-u 'app:': expected a function name at column 9");
	parse_bad("app:f(intt x)", "-u 'app:f(intt x)': unknown type 'intt' at column 11");
	parse_bad("app:f(int x", "-u 'app:f(int x': missing ')' at column 16");
	parse_bad("app:f(int a b)", "-u 'app:f(int a b)': expected ',' or ')' at column 17");
	parse_bad("app:f(,)", "-u 'app:f(,)': expected a type at column 11");
	parse_bad("app:f+0xzz", "-u 'app:f+0xzz': bad offset '0xzz' at column 11");
	parse_bad("app:0x12g", "-u 'app:0x12g': bad offset '0x12g' at column 9");
	parse_bad("app:f(buf x)", "-u 'app:f(buf x)': expected '[' after 'buf' at column 15");
	parse_bad("app:f(buf[0])", "-u 'app:f(buf[0])': bad size '0' (1 to 65535) at column 15");
	parse_bad("app:f(char[8 x)", "-u 'app:f(char[8 x)': expected ']' at column 18");
	parse_bad("app:f(buf[len=arg2] d)",
		  "-u 'app:f(buf[len=arg2] d)': buf length arg2: no such argument at column 22");
	parse_bad("app:f(buf[len=arg1] d, int n)",
		  "-u 'app:f(buf[len=arg1] d, int n)': buf length arg1 is the buffer itself "
		  "at column 22");
	parse_bad("app:f(str s, buf[len=arg1] d)",
		  "-u 'app:f(str s, buf[len=arg1] d)': buf length arg1 must be an integer type, "
		  "not 'str' at column 29");
	parse_bad("app:f(buf[len=arg7] d)",
		  "-u 'app:f(buf[len=arg7] d)': bad argument number '7' (1 to 6) at column 22");
	parse_bad("app:f(int, int, int, int, int, int, int)",
		  "-u 'app:f(int, int, int, int, int, int, int)': too many arguments (at most 6) "
		  "at column 41");
	parse_bad(
		"app:f() -> str",
		"-u 'app:f() -> str': return type must be an integer type, ptr, goiface or error, not 'str' "
		"at column 16");
	parse_bad(
		"app:f() -> buf",
		"-u 'app:f() -> buf': return type must be an integer type, ptr, goiface or error, not 'buf' "
		"at column 16");
	parse_bad("app:f() ->", "-u 'app:f() ->': expected a return type at column 15");
	parse_bad("app:f() -> int == abc",
		  "-u 'app:f() -> int == abc': bad number 'abc' at column 23");
	parse_bad("app:f() -> int ==", "-u 'app:f() -> int ==': bad number '' at column 22");
	parse_bad("app:f() -> s8 == 300",
		  "-u 'app:f() -> s8 == 300': value '300' out of range for s8 at column 22");
	parse_bad("app:f() -> u32 == -1",
		  "-u 'app:f() -> u32 == -1': value '-1' out of range for u32 at column 23");
	parse_bad("app:f() -> int x", "-u 'app:f() -> int x': unexpected 'x' at column 20");
	parse_bad("app:f() junk", "-u 'app:f() junk': unexpected 'junk' at column 13");
}

Test(uspec, long_names)
{
	char spec[400], err[512];
	struct uspec u;

	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	spec[3] = ':';
	cr_assert_eq(uspec_parse(spec, &u, err, sizeof(err)), -1);
	cr_assert(strstr(err, "function name too long at column 9"), "%s", err);
	cr_assert_eq(uspec_parse("app:f(int a_name_that_is_far_too_long_for_the_field)", &u, err,
				 sizeof(err)),
		     -1);
	cr_assert(strstr(err, "argument name too long at column 15"), "%s", err);
	/* A short buffer truncates, never overflows. */
	cr_assert_eq(uspec_parse("libc", &u, err, 8), -1);
	cr_assert_str_eq(err, "-u 'lib");
}

/* Go types: how many registers each takes, and where its words go in a call record. */
Test(uspec, go_types_take_their_registers)
{
	uint8_t w[USPEC_GO_REGS];
	struct uspec u = parse_ok("gofuncs:main.greet(gostr s, long n)@entry");

	cr_assert_eq(u.nargs, 2);
	cr_assert_eq(u.args[0].type, UT_GOSTR);
	cr_assert_eq(u.go_arg, 0);
	cr_assert_eq(u.go_reg[0], 0, "s: RAX (pointer), RBX (length)");
	cr_assert_eq(u.go_reg[1], 2, "n after the string: RCX");
	cr_assert_eq(u.go_regs, 3);
	cr_assert_eq(uspec_go_word(&u, 0, 0), 8, "the length in the last word");
	cr_assert_eq(uspec_go_word(&u, 1, 0), USPEC_GO_NONE);
	cr_assert_eq(uspec_go_word(&u, 0, 1), USPEC_GO_NONE, "a string has no third word");
	uspec_go_word_regs(&u, w);
	cr_assert_arr_eq(w, ((uint8_t[]){ 0, 2, 3, 4, 5, 6, 7, 8, 1 }), USPEC_GO_REGS,
			 "undeclared arg3 is RDI, the register after n");

	u = parse_ok(":main.sum([]byte b, long n)@entry");
	cr_assert_eq(u.args[0].type, UT_GOBYTES);
	cr_assert_str_eq(u.args[0].name, "b");
	cr_assert_eq(u.go_reg[1], 3, "n after pointer, length, capacity: RDI");
	cr_assert_eq(uspec_go_word(&u, 0, 0), 7, "length");
	cr_assert_eq(uspec_go_word(&u, 0, 1), 8, "capacity");
	uspec_go_word_regs(&u, w);
	cr_assert_arr_eq(w, ((uint8_t[]){ 0, 3, 4, 5, 6, 7, 8, 1, 2 }), USPEC_GO_REGS);

	u = parse_ok(":main.kind(goiface v, gobytes b, gostr s, int n)");
	cr_assert_eq(u.go_reg[0], 0);
	cr_assert_eq(u.go_reg[1], 2);
	cr_assert_eq(u.go_reg[2], 5);
	cr_assert_eq(u.go_reg[3], 7, "n in R10");
	cr_assert_eq(u.go_regs, 8);
	uspec_go_word_regs(&u, w);
	/* Words: v b s n, one undeclared (R11), then s's length, b's length and capacity, v's data. */
	cr_assert_arr_eq(w, ((uint8_t[]){ 0, 2, 5, 7, 8, 6, 3, 4, 1 }), USPEC_GO_REGS);

	/* Integers only: word i is register i, as Go probes always read them. */
	u = parse_ok(":main.add(long a, long b)@entry");
	cr_assert_eq(u.go_arg, -1);
	uspec_go_word_regs(&u, w);
	cr_assert_arr_eq(w, ((uint8_t[]){ 0, 1, 2, 3, 4, 5, 6, 7, 8 }), USPEC_GO_REGS);

	/* Nine registers exactly fit. */
	u = parse_ok(":f(gobytes a, gobytes b, gobytes c)");
	cr_assert_eq(u.go_regs, 9);
	uspec_go_word_regs(&u, w);
	cr_assert_arr_eq(w, ((uint8_t[]){ 0, 3, 6, 7, 8, 4, 5, 1, 2 }), USPEC_GO_REGS);

	cr_assert_str_eq(utype_name(UT_GOSTR), "gostr");
	cr_assert_str_eq(utype_name(UT_GOBYTES), "gobytes");
	cr_assert_str_eq(utype_name(UT_GOIFACE), "goiface");
}

Test(uspec, go_types_bad)
{
	parse_bad(
		":f(gobytes a, gobytes b, gostr c, gostr d)",
		"-u ':f(gobytes a, gobytes b, gostr c, gostr d)': argument 'd' needs Go registers "
		"9 to 10, there are 9 at column 39");
	parse_bad(":f(gobytes a, gobytes b, gobytes c, int n)",
		  "-u ':f(gobytes a, gobytes b, gobytes c, int n)': argument 'n' needs Go register "
		  "10, there are 9 at column 41");
	parse_bad(
		":f() -> gostr",
		"-u ':f() -> gostr': return type must be an integer type, ptr, goiface or error, not 'gostr' at "
		"column 13");
	parse_bad(":f([]bytes b)", "-u ':f([]bytes b)': expected a type at column 8");
}

/* Go results: a tuple in RAX, RBX, RCX; an error fails the call when it is not nil. */
Test(uspec, go_result_tuples)
{
	struct uspec u = parse_ok(":main.Parse(long i) -> (long, error)");

	cr_assert_eq(u.nrets, 2);
	cr_assert_eq(u.rets[0], UT_LONG);
	cr_assert_eq(u.rets[1], UT_GOIFACE);
	cr_assert_eq(u.ret_type, UT_LONG, "the first result is the return value");
	cr_assert_eq(u.err_ret, 1);
	cr_assert_eq(u.err_word, 1, "the error's type word in RBX");
	cr_assert_eq(u.fail_op, UF_NONE, "with an error, no predicate on the first by default");
	cr_assert(uspec_go_results(&u));

	u = parse_ok(":main.Parse -> ( long , error ) < 0 @return");
	cr_assert_eq(u.nrets, 2);
	cr_assert_eq(u.fail_op, UF_LT, "an explicit predicate is the first result's");
	cr_assert_eq(u.when, UW_RETURN);

	u = parse_ok(":main.Open -> (error)");
	cr_assert_eq(u.nrets, 1);
	cr_assert_eq(u.err_ret, 0);
	cr_assert_eq(u.err_word, 0);
	cr_assert(uspec_go_results(&u));

	u = parse_ok(":main.F -> (ptr, int, u8)");
	cr_assert_eq(u.nrets, 3);
	cr_assert_eq(u.err_ret, -1);
	cr_assert_eq(u.err_word, USPEC_GO_NONE);
	cr_assert_eq(u.fail_op, UF_EQ, "the first result's default: ptr fails on NULL");
	cr_assert(uspec_go_results(&u));

	u = parse_ok(":main.F -> (goiface, long)");
	cr_assert_eq(u.err_ret, -1, "goiface is an interface, not an error");

	/* One plain result stays what it was. */
	u = parse_ok("libc:read -> long");
	cr_assert_eq(u.nrets, 1);
	cr_assert_eq(u.err_ret, -1);
	cr_assert(!uspec_go_results(&u));
}

Test(uspec, go_result_tuples_bad)
{
	parse_bad(":f -> (long, long, error)",
		  "-u ':f -> (long, long, error)': results past Go's first 3 result registers are "
		  "not read at column 24");
	parse_bad(":f -> (error, error)",
		  "-u ':f -> (error, error)': one result may be 'error' at column 19");
	parse_bad(":f -> (long, str)",
		  "-u ':f -> (long, str)': return type must be an integer type, ptr, goiface or "
		  "error, not 'str' at column 18");
	parse_bad(":f -> (long error)",
		  "-u ':f -> (long error)': expected ',' or ')' at column 17");
	parse_bad(":f -> (long,", "-u ':f -> (long,': expected a return type at column 17");
	parse_bad(":f -> (error, long) < 0",
		  "-u ':f -> (error, long) < 0': the first result is an interface: a predicate "
		  "compares an integer or a pointer at column 25");
}
