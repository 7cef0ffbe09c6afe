// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Go argument types as the sinks show them: a []byte with its length and
 * capacity, an interface's two words, an empty Go string; JSON objects in
 * JSON lines, scalars in OTLP attributes (which take no objects).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "decode.h"
#include "decode_func.h"
#include "otlp_json.h"
#include "probes.h"
#include "strbuf.h"

static char text[8192];

/* main.f(b []byte, v interface{}, s string) with b = "ab" of capacity 8, v = (0x1000, 0x2000), s = "". */
static struct event go_event(struct probe *p)
{
	static const char ab[] = "ab";
	struct event ev = {
		.kind = EV_CALL,
		.pid = 7,
		.tid = 7,
		.probe = p,
		.probe_id = 1,
		.name = "gofuncs:main.f",
		.flags = EV_ENTRY_ONLY,
		.nargs = 3,
		.args = {
			{ .name = "b", .type = UT_GOBYTES, .value = 0xc000, .bytes = ab, .len = 2,
			  .more = { 2, 8 } },
			{ .name = "v", .type = UT_GOIFACE, .value = 0x1000, .more = { 0x2000 } },
			{ .name = "s", .type = UT_GOSTR, .value = 0, .bytes = ab, .len = 0 },
		},
	};

	p->id = 1;
	strcpy(p->name, ev.name);
	return ev;
}

static const char *args_of(const struct event *ev, bool json)
{
	struct out o = out_init(text, sizeof(text));

	func_put_args(&o, ev, json);
	cr_assert_lt(out_end(&o), sizeof(text));
	return text;
}

Test(goargs, text_and_json_lines)
{
	struct probe p = { 0 };
	struct event ev = go_event(&p);

	cr_assert_str_eq(args_of(&ev, false),
			 "b=\"ab\"(len=2 cap=8), v={type=0x1000 data=0x2000}, s=\"\"");
	cr_assert_str_eq(args_of(&ev, true),
			 "\"b\":{\"bytes\":\"ab\",\"len\":2,\"cap\":8},"
			 "\"v\":{\"type\":\"0x1000\",\"data\":\"0x2000\"},\"s\":\"\"");
}

/* OTLP attributes are scalars: the slice's bytes, the interface's type word. */
Test(goargs, otlp_attributes_are_scalars)
{
	struct probe p = { 0 };
	struct event ev = go_event(&p);
	struct out o = out_init(text, sizeof(text));

	otlp_log_record(&o, &ev, 0);
	cr_assert_lt(out_end(&o), sizeof(text));
	cr_assert(strstr(text,
			 "{\"key\":\"agent_trace.arg.b\",\"value\":{\"stringValue\":\"ab\"}}"),
		  "%s", text);
	cr_assert(strstr(text, "{\"key\":\"agent_trace.arg.v\",\"value\":{\"stringValue\":"
			       "\"0x1000\"}}"),
		  "%s", text);
	cr_assert(strstr(text, "{\"key\":\"agent_trace.arg.s\",\"value\":{\"stringValue\":\"\"}}"),
		  "%s", text);
}

static const char *ret_of(const struct event *ev, bool json)
{
	struct out o = out_init(text, sizeof(text));

	func_put_ret(&o, ev, json);
	cr_assert_lt(out_end(&o), sizeof(text));
	return text;
}

/* Go result tuples: "(10, nil)" and [10,null]; an error's words; OTLP takes the first. */
Test(goargs, result_tuples)
{
	struct probe p = { 0 };
	struct event ev = go_event(&p);
	struct out o;
	char err[256];

	cr_assert_eq(uspec_parse(":main.f -> (long, error)", &p.spec, err, sizeof(err)), 0);
	ev.flags = 0;
	ev.ret = 10;
	cr_assert_str_eq(ret_of(&ev, false), "(10, nil)");
	cr_assert_str_eq(ret_of(&ev, true), "[10,null]");
	ev.ret = -1;
	ev.ret_more[0] = 0x4c06a8;
	ev.ret_more[1] = 0xc000010000;
	cr_assert_str_eq(ret_of(&ev, false), "(-1, error{type=0x4c06a8 data=0xc000010000})");
	cr_assert_str_eq(ret_of(&ev, true),
			 "[-1,{\"type\":\"0x4c06a8\",\"data\":\"0xc000010000\"}]");
	o = out_init(text, sizeof(text));
	otlp_log_record(&o, &ev, 0);
	cr_assert_lt(out_end(&o), sizeof(text));
	cr_assert(strstr(text, "\"intValue\":\"-1\""), "%s", text);
	cr_assert_null(strstr(text, "[-1"), "%s", text);

	/* An error alone; a goiface result (no "error" name) with its words. */
	cr_assert_eq(uspec_parse(":main.f -> error", &p.spec, err, sizeof(err)), 0);
	ev.ret = 0;
	cr_assert_str_eq(ret_of(&ev, false), "nil");
	cr_assert_eq(uspec_parse(":main.f -> (u8, goiface)", &p.spec, err, sizeof(err)), 0);
	ev.ret = 0x1ff;
	cr_assert_str_eq(ret_of(&ev, false), "(255, {type=0x4c06a8 data=0xc000010000})");
}
