// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Dereference ARGs: their chains as parsed, bad and hostile SPECs with their
 * messages, and member paths resolved through the DWARF of build/targets/deref
 * (whose layout the target checks at compile time).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "probefile.h"
#include "unit_targets.h"
#include "unit_uspec.h"
#include "uspec.h"

/* ARG i's chain: base, loads and offsets, final read. */
static void chain_is(const struct uspec *u, unsigned i, uint8_t base, uint8_t nsteps,
		     const int32_t *off, uint8_t read)
{
	const struct uderef *d;

	cr_assert(u->args[i].deref, "arg %u is no dereference", i);
	d = &u->derefs[u->args[i].deref - 1];
	cr_assert_eq(d->arg, i);
	cr_assert_eq(d->base, base, "base %u", d->base);
	cr_assert_eq(d->nsteps, nsteps, "nsteps %u", d->nsteps);
	for (unsigned j = 0; j <= nsteps; j++)
		cr_assert_eq(d->off[j], off[j], "off[%u] %d, want %d", j, d->off[j], off[j]);
	cr_assert_eq(d->read, read, "read %u", d->read);
}

Test(uderef, integer_at_offset_untyped_and_typed)
{
	struct uspec u = parse_ok(":handle(*(arg1+16), s32 *(arg1+16) id, ptr *(arg2 + 0x8))");

	cr_assert_eq(u.nargs, 3);
	cr_assert_eq(u.nderef, 3);
	cr_assert_eq(u.args[0].type, UT_U64, "untyped is u64, as bpftrace reads it");
	cr_assert_str_eq(u.args[0].name, "*(arg1+16)");
	chain_is(&u, 0, 0, 0, (int32_t[]){ 16 }, AT_DREAD_8);
	cr_assert_eq(u.args[1].type, UT_S32);
	cr_assert_str_eq(u.args[1].name, "id");
	chain_is(&u, 1, 0, 0, (int32_t[]){ 16 }, AT_DREAD_4);
	cr_assert_eq(u.args[2].type, UT_PTR);
	cr_assert_str_eq(u.args[2].name, "*(arg2+0x8)", "white space dropped");
	chain_is(&u, 2, 1, 0, (int32_t[]){ 8 }, AT_DREAD_8);
}

Test(uderef, strings_at_an_address_and_through_a_pointer)
{
	struct uspec u = parse_ok(":handle(str(arg2+8) method, str(*(arg2+8)) query)");

	cr_assert_eq(u.args[0].type, UT_STR);
	chain_is(&u, 0, 1, 0, (int32_t[]){ 8 }, AT_DREAD_ADDR);
	cr_assert_eq(u.args[1].type, UT_STR);
	chain_is(&u, 1, 1, 1, (int32_t[]){ 8, 0 }, AT_DREAD_ADDR);
}

Test(uderef, chains_and_offsets)
{
	struct uspec u = parse_ok(":f(s16 *(*(arg1+8)+16), *(*(*(*(arg3 - 0x10 + 4)))-8))");

	chain_is(&u, 0, 0, 1, (int32_t[]){ 8, 16 }, AT_DREAD_2);
	chain_is(&u, 1, 2, 3, (int32_t[]){ -12, 0, 0, -8 }, AT_DREAD_8);
	/* Four loads before the final read: the deepest. */
	u = parse_ok(":f(*(*(*(*(*(arg1))))))");
	chain_is(&u, 0, 0, 4, (int32_t[]){ 0, 0, 0, 0, 0 }, AT_DREAD_8);
	u = parse_ok(":f(*(arg1+2147483647), *(arg1-2147483648))");
	chain_is(&u, 0, 0, 0, (int32_t[]){ INT32_MAX }, AT_DREAD_8);
	chain_is(&u, 1, 0, 0, (int32_t[]){ INT32_MIN }, AT_DREAD_8);
}

Test(uderef, bad_dereferences_named)
{
	parse_bad(":f(*(*(*(*(*(*(arg1)))))))",
		  "-u ':f(*(*(*(*(*(*(arg1)))))))': too many dereferences (at most 4 loads before "
		  "the last) at column 18");
	parse_bad(":f(*(arg7))", "-u ':f(*(arg7))': bad argument number '7' (1 to 6) at column 13");
	parse_bad(":f(*(foo+8))",
		  "-u ':f(*(foo+8))': expected 'argK' or '*(' in a dereference, not 'foo+8' at "
		  "column 10");
	parse_bad(":f(*(arg1+q))", "-u ':f(*(arg1+q))': bad offset 'q' at column 15");
	parse_bad(":f(*(arg1+2147483648))",
		  "-u ':f(*(arg1+2147483648))': offset out of range (the sum must fit in 32 bits) "
		  "at column 15");
	parse_bad(":f(*(arg1+0x7fffffff+1))",
		  "-u ':f(*(arg1+0x7fffffff+1))': offset out of range (the sum must fit in 32 "
		  "bits) at column 26");
	parse_bad(":f(*(arg1+8)", "-u ':f(*(arg1+8)': missing ')' at column 17");
	parse_bad(":f(*(arg1+8 x)", "-u ':f(*(arg1+8 x)': expected ')' at column 17");
	parse_bad(":f(str *(arg1))",
		  "-u ':f(str *(arg1))': 'str' does not type a dereference: use an integer type "
		  "or ptr before '*(', str(ADDR) for a string at ADDR, str(*(ADDR)) for a char * "
		  "stored there at column 8");
	parse_bad(":f(u65 *(arg1))", "-u ':f(u65 *(arg1))': unknown type 'u65' at column 8");
	parse_bad(":f(req->)", "-u ':f(req->)': expected a member name after '->' at column 13");
	parse_bad(":f(*arg1)", "-u ':f(*arg1)': expected '(' at column 9");
}

Test(uderef, hostile_nesting_stops_early)
{
	char s[20100] = ":f(";
	size_t n = strlen(s);
	static char err[30000];
	struct uspec u;

	for (int i = 0; i < 10000; i++, n += 2)
		memcpy(s + n, "*(", 2);
	snprintf(s + n, sizeof(s) - n, "arg1))");
	cr_assert_eq(uspec_parse(s, &u, err, sizeof(err)), -1);
	cr_assert(strstr(err,
			 "too many dereferences (at most 4 loads before the last) at column 18"),
		  "%.80s", err + strlen(err) - 80);
}

Test(uderef, member_paths_parsed_as_text)
{
	struct uspec u = parse_ok(
		":handle(req->conn->query, str req -> conn -> query q, arg2->a.b , int n)");

	cr_assert_eq(u.nargs, 4);
	cr_assert_eq(u.path_arg, 0);
	cr_assert_eq(u.args[0].type, UT_NONE, "typed at attach, from DWARF");
	cr_assert_str_eq(u.args[0].name, "req->conn->query");
	cr_assert_str_eq(u.derefs[0].text, "req->conn->query");
	cr_assert(u.derefs[0].path && !u.derefs[0].typed);
	cr_assert_eq(u.args[1].type, UT_STR);
	cr_assert_str_eq(u.args[1].name, "q");
	cr_assert_str_eq(u.derefs[1].text, "req->conn->query");
	cr_assert(u.derefs[1].typed);
	cr_assert_str_eq(u.derefs[2].text, "arg2->a.b");
	cr_assert_eq(u.derefs[2].base, 1);
	cr_assert(!u.args[3].deref);
}

Test(uderef, dereferences_take_no_register)
{
	uint8_t w[USPEC_GO_REGS];
	struct uspec u = parse_ok(":f(ptr r, s64 *(arg1+16) id, long n)");
	char err[256];

	cr_assert(uspec_sysv_word_regs(&u, w));
	cr_assert_eq(w[0], 0);
	cr_assert_eq(w[1], USPEC_GO_NONE, "the dereference's word is its own");
	cr_assert_eq(w[2], 1, "n is the function's second argument");
	cr_assert_eq(w[3], 2, "undeclared arg4 is the next register");
	cr_assert_eq(w[5], 4);
	cr_assert_eq(uspec_deref_reg(&u, &u.derefs[0], false, err, sizeof(err)), 0);

	/* Go: a gostr read from memory takes a word for its length and no register. */
	u = parse_ok(":main.(*request).serve(ptr r, gostr(arg1+8) m, long n)@entry");
	cr_assert_eq(u.go_arg, 1);
	cr_assert_eq(u.go_reg[2], 1, "n in RBX");
	cr_assert_eq(u.go_regs, 2);
	cr_assert_eq(uspec_go_word(&u, 1, 0), 8);
	cr_assert_eq(uspec_deref_reg(&u, &u.derefs[0], true, err, sizeof(err)), 0);
	chain_is(&u, 1, 0, 0, (int32_t[]){ 8 }, AT_DREAD_GOSTR);
	cr_assert(!uspec_sysv_word_regs(&(struct uspec){ 0 }, w), "none: positions are registers");

	/* Go: argK past the declared ones is past Go's nine registers. */
	u = parse_ok(":main.f(gobytes a, gobytes b, gobytes c, *(arg2), *(arg4))@entry");
	cr_assert_eq(uspec_deref_reg(&u, &u.derefs[0], true, err, sizeof(err)), 3, "b in RDI");
	cr_assert_eq(uspec_deref_reg(&u, &u.derefs[1], true, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "'arg4' in '*(arg4)' would be in Go register 10, there are 9; "
			      "declare the arguments before it");
}

/* The SPEC's member paths resolved in build/targets/NAME's function handle: 0 or -1 with err. */
static int resolve(const char *target, const char *spec, struct uspec *u, char *err, size_t len)
{
	*u = parse_ok(spec);
	/* By name only: offset 0 is in no function. */
	return uderef_resolve(u, unit_target(target), "handle", 0, err, len);
}

Test(uderef, member_paths_from_dwarf)
{
	char err[512];
	struct uspec u;

	cr_assert_eq(resolve("deref",
			     ":handle(req->conn->query, req->conn->name, req->port, req->ok, "
			     "req->conn, arg1->id)",
			     &u, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(u.args[0].type, UT_STR, "char *: loaded, then the string");
	chain_is(&u, 0, 0, 2, (int32_t[]){ 24, 8, 0 }, AT_DREAD_ADDR);
	cr_assert_eq(u.args[1].type, UT_STR, "char[16]: the string where it is");
	chain_is(&u, 1, 0, 1, (int32_t[]){ 24, 16 }, AT_DREAD_ADDR);
	cr_assert_eq(u.args[2].type, UT_S16);
	chain_is(&u, 2, 0, 0, (int32_t[]){ 32 }, AT_DREAD_2);
	cr_assert_eq(u.args[3].type, UT_U8);
	chain_is(&u, 3, 0, 0, (int32_t[]){ 34 }, AT_DREAD_1);
	cr_assert_eq(u.args[4].type, UT_PTR);
	chain_is(&u, 4, 0, 0, (int32_t[]){ 24 }, AT_DREAD_8);
	cr_assert_eq(u.args[5].type, UT_S64);
	chain_is(&u, 5, 0, 0, (int32_t[]){ 16 }, AT_DREAD_8);

	/* An enum, a nested struct's member, an anonymous union's, through a typedef'd pointer. */
	cr_assert_eq(resolve("deref",
			     ":handle(req->state, req->stats.code, req->low, req->alt->fd, "
			     "req->alt->query)",
			     &u, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(u.args[0].type, UT_U32, "an enum of unsigned int");
	chain_is(&u, 0, 0, 0, (int32_t[]){ 36 }, AT_DREAD_4);
	cr_assert_eq(u.args[1].type, UT_U16);
	chain_is(&u, 1, 0, 0, (int32_t[]){ 44 }, AT_DREAD_2);
	cr_assert_eq(u.args[2].type, UT_U32);
	chain_is(&u, 2, 0, 0, (int32_t[]){ 48 }, AT_DREAD_4);
	cr_assert_eq(u.args[3].type, UT_S32);
	chain_is(&u, 3, 0, 1, (int32_t[]){ 56, 0 }, AT_DREAD_4);
	cr_assert_eq(u.args[4].type, UT_STR);
	chain_is(&u, 4, 0, 2, (int32_t[]){ 56, 8, 0 }, AT_DREAD_ADDR);

	/* Subscripts: an array member in place, a pointer loaded then stepped by its pointee. */
	cr_assert_eq(resolve("deref",
			     ":handle(req->codes[2], req->pool[1].fd, req->pool[1].name, "
			     "req->method[1], arg1[0].id)",
			     &u, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(u.args[0].type, UT_S32);
	chain_is(&u, 0, 0, 0, (int32_t[]){ 68 + 2 * 4 }, AT_DREAD_4);
	cr_assert_eq(u.args[1].type, UT_S32);
	chain_is(&u, 1, 0, 1, (int32_t[]){ 88, 40 }, AT_DREAD_4);
	cr_assert_eq(u.args[2].type, UT_STR);
	chain_is(&u, 2, 0, 1, (int32_t[]){ 88, 40 + 16 }, AT_DREAD_ADDR);
	cr_assert_eq(u.args[3].type, UT_S8, "a char of the array: an integer");
	chain_is(&u, 3, 0, 0, (int32_t[]){ 9 }, AT_DREAD_1);
	cr_assert_eq(u.args[4].type, UT_S64, "the parameter itself subscripted");
	chain_is(&u, 4, 0, 0, (int32_t[]){ 16 }, AT_DREAD_8);

	/* A TYPE given must agree; the parameter found by its name (n is the second). */
	cr_assert_eq(resolve("deref", ":handle(s32 req->conn->fd, u64 req->conn, str req->method)",
			     &u, err, sizeof(err)),
		     0, "%s", err);
	chain_is(&u, 0, 0, 1, (int32_t[]){ 24, 0 }, AT_DREAD_4);
	cr_assert_eq(u.args[0].type, UT_S32);
	cr_assert_eq(u.args[1].type, UT_U64);
}

static void resolve_bad(const char *target, const char *spec, const char *want)
{
	char err[512];
	struct uspec u;

	cr_assert_eq(resolve(target, spec, &u, err, sizeof(err)), -1, "%s resolved", spec);
	cr_assert_str_eq(err, want);
}

Test(uderef, bad_member_paths_named)
{
	resolve_bad("deref", ":handle(req->conn->quer)",
		    "member path 'req->conn->quer': no member 'quer' in struct conn (did you mean "
		    "'query'?)");
	resolve_bad("deref", ":handle(req->conn->zzzzzz)",
		    "member path 'req->conn->zzzzzz': no member 'zzzzzz' in struct conn");
	resolve_bad("deref", ":handle(rq->id)", "member path 'rq->id': no parameter 'rq'");
	resolve_bad("deref", ":handle(arg3->id)",
		    "member path 'arg3->id': the function has 2 parameters");
	resolve_bad("deref", ":handle(n->x)",
		    "member path 'n->x': '->x' on int, not a pointer to a struct");
	resolve_bad("deref", ":handle(req.id)",
		    "member path 'req.id': '.id' on a pointer, not a struct (use '->')");
	resolve_bad("deref", ":handle(req->conn->fd.x)",
		    "member path 'req->conn->fd.x': '.x' on int, not a struct");
	resolve_bad("deref", ":handle(req->conn->query->x)",
		    "member path 'req->conn->query->x': '->x' through a pointer that is not to a "
		    "struct");
	resolve_bad("deref", ":handle(s32 req->conn)",
		    "member path 'req->conn' is a pointer, 64 bits, not s32");
	resolve_bad("deref", ":handle(u8 req->port)",
		    "member path 'req->port' is 16 bits, not u8 (8 bits)");
	resolve_bad("deref", ":handle(str req->port)",
		    "member path 'req->port' is an integer, not str");
	resolve_bad("deref", ":handle(req->flag)",
		    "member path 'req->flag': 'flag' is a bit-field");
	resolve_bad("deref", ":handle(req->codes[4])",
		    "member path 'req->codes[4]': index 4 past the array's 4 elements");
	resolve_bad("deref", ":handle(req->id[1])",
		    "member path 'req->id[1]': '[1]' on long int, not an array or a pointer");
	resolve_bad("deref", ":handle(req->stats)",
		    "member path 'req->stats' ends at struct (anonymous); name one of its members "
		    "or use ptr");
	resolve_bad("deref", ":handle(req->stats->hits)",
		    "member path 'req->stats->hits': '->hits' on struct (anonymous), not a pointer "
		    "to a struct (use '.')");
}

/* The separate debug file build/targets/debug holds for deref-nodwarf: "xx/yyyy.debug". */
static void debug_name(char *out, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/.build-id", unit_target("debug"));
	d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	while ((de = readdir(d)) && de->d_name[0] == '.')
		;
	cr_assert_not_null(de, "nothing in %s", dir);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", de->d_name);
	snprintf(out, len, "%s/", de->d_name);
	closedir(d);
	d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	while ((de = readdir(d)) && de->d_name[0] == '.')
		;
	cr_assert_not_null(de, "nothing in %s", dir);
	snprintf(out + strlen(out), len - strlen(out), "%s", de->d_name);
	closedir(d);
}

Test(uderef, no_dwarf_said_so)
{
	char want[1800], name[600];

	debug_name(name, sizeof(name));
	cr_assert_eq(setenv("AT_DEBUG_DIR", "/nonexistent-debug", 1), 0);
	snprintf(want, sizeof(want),
		 "member path 'req->conn->query': no DWARF in %s (built without -g, or "
		 "stripped, and no /nonexistent-debug/.build-id/%s); use *(argK+OFF)",
		 unit_target("deref-nodwarf"), name);
	resolve_bad("deref-nodwarf", ":handle(req->conn->query)", want);
}

/* A stripped file's DWARF from its separate debug file, found by build id. */
Test(uderef, separate_debug_file_by_build_id)
{
	char err[512];
	struct uspec u;

	cr_assert_eq(setenv("AT_DEBUG_DIR", unit_target("debug"), 1), 0);
	cr_assert_eq(resolve("deref-nodwarf", ":handle(req->conn->query)", &u, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(u.args[0].type, UT_STR);
	chain_is(&u, 0, 0, 2, (int32_t[]){ 24, 8, 0 }, AT_DREAD_ADDR);
}

/* Filters see a dereference's type: compared at its width, a member path only once typed. */
Test(uderef, filters_on_dereferences)
{
	struct uspec u = parse_ok(":handle(ptr req, s16 *(arg1+32) port, req->conn->query, "
				  "str req->conn->query q)");
	struct filter_ctx fc = { .kind = PF_FUNCTION, .when = PF_WHEN_CALL, .spec = &u };
	struct at_filter f;
	char err[512];

	cr_assert_eq(filter_compile("port == -443 and q startswith \"select\"", &fc, &f, err,
				    sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(f.cond[0].field, AT_FLD_ARG0 + 1);
	cr_assert_eq(f.cond[0].bits, 16);
	cr_assert(f.cond[0].is_signed);
	cr_assert_eq(f.cond[1].field, AT_FLD_ARG0 + 3);
	cr_assert(f.cond[1].is_str);
	cr_assert_eq(filter_compile("arg3 == \"x\"", &fc, &f, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "'arg3 == \"x\"' column 1: 'arg3' is typed from DWARF when "
			      "the probe attaches; give its type (e.g. 'str req->conn->query' or "
			      "'s32 req->conn->query') to filter on it");
	/* One plain ARG: an undeclared arg5 is the function's second argument. */
	cr_assert_eq(filter_compile("arg5 == 1", &fc, &f, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(f.cond[0].field, AT_FLD_ARG0 + 4);
	{
		uint8_t w[USPEC_GO_REGS];

		cr_assert(uspec_sysv_word_regs(&u, w));
		cr_assert_eq(w[4], 1);
		cr_assert_eq(w[5], 2);
	}
}

/* Go's own DWARF: a parameter's register by the words before it, a string member as a header. */
Test(uderef, go_member_paths)
{
	struct uspec u =
		parse_ok(":main.(*request).route(q->path, r->id, gostr q->method m)@entry");
	char err[512];

	cr_assert_eq(uderef_resolve(&u, unit_target("gofuncs"), "main.(*request).route", 0, err,
				    sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(u.args[0].type, UT_GOSTR);
	chain_is(&u, 0, 3, 0, (int32_t[]){ 24 }, AT_DREAD_GOSTR);
	cr_assert(u.derefs[0].base_reg);
	cr_assert_eq(uspec_deref_reg(&u, &u.derefs[0], true, err, sizeof(err)), 3,
		     "q in RDI: r in RAX, the string prefix in RBX and RCX");
	cr_assert_eq(uspec_go_word(&u, 0, 0), 7, "its length below m's, which the parser placed");
	cr_assert_eq(uspec_go_word(&u, 2, 0), 8);
	cr_assert_eq(u.args[1].type, UT_S64);
	chain_is(&u, 1, 0, 0, (int32_t[]){ 0 }, AT_DREAD_8);
	chain_is(&u, 2, 3, 0, (int32_t[]){ 8 }, AT_DREAD_GOSTR);

	u = parse_ok(":main.(*request).route(arg1->id)@entry");
	cr_assert_eq(uderef_resolve(&u, unit_target("gofuncs"), "main.(*request).route", 0, err,
				    sizeof(err)),
		     -1);
	cr_assert_str_eq(err, "member path 'arg1->id': on Go, start from the parameter's name, "
			      "not arg1");
	u = parse_ok(":main.(*request).route(s64 q->method)@entry");
	cr_assert_eq(uderef_resolve(&u, unit_target("gofuncs"), "main.(*request).route", 0, err,
				    sizeof(err)),
		     -1);
	cr_assert_str_eq(err, "member path 'q->method' is a Go string, not s64; give gostr");
}
