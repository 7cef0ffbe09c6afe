// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The capture limits, through the agent-trace command and the real BPF
 * programs, on a target with known bytes (bigcap): four strings per probe,
 * captures up to 4 KiB (the inline part read at entry, the rest when the
 * record is sent), filters with 100-byte operands, a length argument's
 * declared type (junk in the upper half of its register), and a return
 * whose entry was not saved, which still runs its probe (fail closed).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define BIGCAP (char *)build_path("bigcap")

/*
 * agent-trace with argv's options: its stdout; it and the target exit 0,
 * nothing on stderr but the progress lines a slow (loaded) attach shows.
 */
static char *run_ok(char *const argv[])
{
	static const char progress[] = "agent-trace: attaching ";
	char *out, *err;
	int st = run_capture(argv, &out, &err);
	const char *l = err;

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	while (!strncmp(l, progress, sizeof(progress) - 1))
		l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l);
	cr_assert_str_eq(l, "");
	free(err);
	return out;
}

/* The target's pattern, n bytes ('a' + i % 26), quoted as JSON and text show it. */
static char *quoted(size_t n)
{
	char *s = malloc(n + 3);

	s[0] = '"';
	for (size_t i = 0; i < n; i++)
		s[i + 1] = (char)('a' + i % 26);
	s[n + 1] = '"';
	s[n + 2] = '\0';
	return s;
}

/* How many lines of out have each of the strings a, b (NULL: none) in that order. */
static size_t lines_with(const char *out, const char *a, const char *b)
{
	size_t n = 0;

	for (const char *l = out; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char *line = strndup(l, len);
		const char *m = strstr(line, a);

		if (m && (!b || strstr(m + strlen(a), b)))
			n++;
		free(line);
		l = e ? e + 1 : NULL;
	}
	return n;
}

Test(limits, four_strings_text_and_json)
{
	char *spec = ":four_strs(str a, str b, str c, str d) -> int";
	char *out = run_ok((char *[]){ AT, "-u", spec, "--", BIGCAP, "four", NULL });

	cr_assert_eq(count_lines(out, " bigcap:four_strs(a=\"alpha\", b=\"bravo\", c=\"charlie\", "
				      "d=\"delta\") = 22 <"),
		     1, "%s", out);
	free(out);
	out = run_ok((char *[]){ AT, "--json", "-u", spec, "--", BIGCAP, "four", NULL });
	cr_assert_eq(count_lines(out, "\"args\":{\"a\":\"alpha\",\"b\":\"bravo\",\"c\":\"charlie\","
				      "\"d\":\"delta\"},\"ret\":22,\"failing\":false,"),
		     1, "%s", out);
	free(out);
}

/* A filter on the third and fourth strings (slots 2 and 3 compare in the kernel). */
Test(limits, filter_on_the_fourth_string)
{
	char yaml[64], *out;

	tmp_name(yaml, sizeof(yaml), "limits", "yaml");
	write_text(yaml, "probes:\n"
			 "  - name: yes\n    kind: function\n"
			 "    attach: ':four_strs(str a, str b, str c, str d) -> int'\n"
			 "    filter: d == \"delta\" and c startswith \"char\"\n"
			 "  - name: no\n    kind: function\n"
			 "    attach: ':four_strs(str a, str b, str c, str d) -> int'\n"
			 "    filter: d == \"delt\"\n");
	out = run_ok((char *[]){ AT, "--json", "-C", yaml, "--", BIGCAP, "four", NULL });
	unlink(yaml);
	cr_assert_eq(count_lines(out, "\"probe_name\":\"yes\",\"calls\":1,"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"probe_name\":\"no\",\"calls\":0,"), 1, "%s", out);
	free(out);
}

/* A fifth string is refused, saying the bound. */
Test(limits, five_strings_refused)
{
	char *out, *err;
	int st = run_capture((char *[]){ AT, "-u",
					 ":four_strs(str a, str b, str c, str d, str e) -> int",
					 "--", BIGCAP, "four", NULL },
			     &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d: %s", st, err);
	cr_assert(strstr(err, "at most 4 string or buffer arguments per probe"), "%s", err);
	free(out);
	free(err);
}

/* write(2) of n pattern bytes with -s 4096 (opts: more options, NULL-ended): its JSON line. */
static void write_json(size_t n, const char *mode, size_t want, bool cut)
{
	char num[16], *q = quoted(want), *out, tail[64];

	snprintf(num, sizeof(num), "%zu", n);
	out = run_ok((char *[]){ AT, (char *)mode, "-s", "4096", "--json", "-e", "trace=write",
				 "--", BIGCAP, "write", num, NULL });
	snprintf(tail, sizeof(tail), ",\"count\":%zu},\"ret\":%zu,", n, n);
	cr_assert_eq(lines_with(out, q, tail), 1, "%zu bytes: %.300s", n, out);
	cr_assert_eq(lines_with(out, tail, cut ? "\"truncated\":true}" : "\"truncated\":false}"), 1,
		     "%zu bytes", n);
	free(q);
	free(out);
}

/* 4000 bytes whole, 5000 cut at 4096 and flagged; exit only (-q: a no-op) and paired (-T). */
Test(limits, write_up_to_4k)
{
	write_json(4000, "-q", 4000, false);
	write_json(5000, "-q", 4096, true);
	write_json(4000, "-T", 4000, false);
	write_json(5000, "-T", 4096, true);
}

/* A read(2)'s 3000 bytes, read at its exit. */
Test(limits, read_3000_at_exit)
{
	char *q = quoted(3000);
	char *out = run_ok((char *[]){ AT, "-T", "-s", "4096", "--json", "-e", "trace=read", "--",
				       BIGCAP, "read", "3000", NULL });

	cr_assert_eq(lines_with(out, q, ",\"count\":3000},\"ret\":3000,"), 1, "%.400s", out);
	free(q);
	free(out);
}

/*
 * A successful exec's path past its inline part is gone with the old image:
 * cut at 255 characters, with -T (read at entry, the rest not read at exit)
 * and without (the path the kernel kept).
 */
Test(limits, exec_path_cut_at_the_inline_part)
{
	char path[512], want[300], *out;
	size_t n = 0;

	path[n++] = '/';
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "./");
	snprintf(path + n, sizeof(path) - n, "bin/true");
	snprintf(want, sizeof(want), "execve(\"%.255s\"..., ", path);
	for (int paired = 0; paired <= 1; paired++) {
		out = run_ok((char *[]){ AT, paired ? "-T" : "-q", "-s", "4096", "-e",
					 "trace=execve", "--", path, NULL });
		cr_assert_eq(count_lines(out, want), 1, "%s", out);
		free(out);
	}
}

/* The default -s stays 64: the 4000 bytes are cut there. */
Test(limits, default_stays_small)
{
	char *q = quoted(64);
	char *out = run_ok((char *[]){ AT, "--json", "-e", "trace=write", "--", BIGCAP, "write",
				       "4000", NULL });

	cr_assert_eq(lines_with(out, q, "\"truncated\":true}"), 1, "%.400s", out);
	free(q);
	free(out);
}

/* A 1000-char string at entry and 3000 bytes at return (buf[len=ret]), with sleepable programs and without. */
Test(limits, long_string_at_entry_and_buffer_at_return)
{
	char *s1000 = quoted(1000), *b3000 = quoted(3000), *out;
	char *argv[] = { AT,	 "-s",
			 "4096", "--json",
			 "-u",	 ":take_long(str s) -> int",
			 "-u",	 ":fill_big(buf[len=ret] p, int n) -> int",
			 "--",	 BIGCAP,
			 "long", NULL };

	/* 2: sleepable; 1: sleepable, without the string kfunc; 0: not sleepable. */
	for (int mode = 2; mode >= 0; mode--) {
		unsetenv("AT_NO_SLEEPABLE");
		unsetenv("AT_NO_COPY_STR");
		if (mode == 1)
			cr_assert_eq(setenv("AT_NO_COPY_STR", "1", 1), 0);
		if (mode == 0)
			cr_assert_eq(setenv("AT_NO_SLEEPABLE", "1", 1), 0);
		out = run_ok(argv);
		cr_assert_eq(lines_with(out, "\"args\":{\"s\":", s1000), 1, "%.300s", out);
		cr_assert_eq(lines_with(out, s1000, "},\"ret\":1000,"), 1);
		cr_assert_eq(lines_with(out, "\"args\":{\"p\":", b3000), 1);
		cr_assert_eq(lines_with(out, b3000, ",\"n\":3000},\"ret\":3000,"), 1);
		free(out);
	}
	unsetenv("AT_NO_SLEEPABLE");
	unsetenv("AT_NO_COPY_STR");
	free(s1000);
	free(b3000);
}

/*
 * Strings at the inline part's edge (255 characters and its NUL): with -s
 * 255 and 256, each whole or cut exactly at -s (text: "..." after the quote).
 */
Test(limits, strings_at_the_inline_edge)
{
	for (unsigned s = 255; s <= 256; s++) {
		char sz[8], *out;

		snprintf(sz, sizeof(sz), "%u", s);
		out = run_ok((char *[]){ AT, "-s", sz, "-u", ":take_long(str s) -> int", "--",
					 BIGCAP, "edges", NULL });
		for (size_t len = 254; len <= 257; len++) {
			char *q = quoted(len < s ? len : s), want[400];

			snprintf(want, sizeof(want), "take_long(s=%s%s) = %zu <", q,
				 len > s ? "..." : "", len);
			cr_assert_eq(count_lines(out, want), 1, "-s %u, %zu chars: %s", s, len,
				     out);
			free(q);
		}
		free(out);
	}
}

/* A 100-byte equals and startswith operand: the two calls differ at byte 90. */
Test(limits, filter_100_byte_operand)
{
	char yaml[64], p100[101], *out;

	for (int i = 0; i < 100; i++)
		p100[i] = (char)('a' + i % 26);
	p100[100] = '\0';
	tmp_name(yaml, sizeof(yaml), "limits", "yaml");
	write_text(yaml,
		   "limits:\n  string: 128\n"
		   "probes:\n"
		   "  - name: eq\n    kind: function\n    attach: ':match100(str s) -> int'\n"
		   "    filter: s == \"%s\"\n"
		   "  - name: pre91\n    kind: function\n    attach: ':match100(str s) -> int'\n"
		   "    filter: s startswith \"%.91s\"\n"
		   "  - name: pre90\n    kind: function\n    attach: ':match100(str s) -> int'\n"
		   "    filter: s startswith \"%.90s\"\n",
		   p100, p100, p100);
	out = run_ok((char *[]){ AT, "--json", "-C", yaml, "--", BIGCAP, "match", NULL });
	unlink(yaml);
	cr_assert_eq(count_lines(out, "\"probe_name\":\"eq\",\"calls\":1,"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"probe_name\":\"pre91\",\"calls\":1,"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"probe_name\":\"pre90\",\"calls\":2,"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"probe_name\":\"eq\",\"probe\""), 1, "%s", out);
	free(out);
}

/* buf[len=arg2] with an int n: the register's junk upper half is no length, a negative n reads nothing. */
Test(limits, int_length_ignores_junk_upper_bits)
{
	char *out =
		run_ok((char *[]){ AT, "--json", "-u", ":junk_len(buf[len=arg2] p, int n) -> int",
				   "--", BIGCAP, "junk", NULL });

	cr_assert_eq(count_lines(out,
				 "\"args\":{\"p\":\"abcdefghijklmnop\",\"n\":16},\"ret\":113,"),
		     1, "%s", out);
	cr_assert_eq(count_lines(out, "\"args\":{\"p\":\"\",\"n\":-5},\"ret\":92,"), 1, "%s", out);
	free(out);
}

/*
 * A return probe with arguments on a recursion 20 deep: the 4 entries past
 * the 16 frames a thread keeps are not saved. Their returns still run the
 * probe, arguments unknown: the filter on one is unreadable, on_unreadable
 * (match by default) decides, so the signal goes with all 20 (fail closed);
 * with skip, only with the 16 known. The records say the entry is missing.
 */
#define PSUM "{\"type\":\"probe_summary\""
Test(limits, return_without_entry_fails_closed)
{
	char yaml[64], *out;

	tmp_name(yaml, sizeof(yaml), "limits", "yaml");
	for (int skip = 0; skip <= 1; skip++) {
		write_text(yaml,
			   "probes:\n"
			   "  - name: deeps\n    kind: function\n    attach: ':deep -> int'\n"
			   "    args: int d, str s\n    when: return\n    filter: s == \"x\"\n"
			   "    action: [event, {signal: SIGCONT}]\n%s",
			   skip ? "    on_unreadable: skip\n" : "");
		out = run_ok(
			(char *[]){ AT, "--json", "-C", yaml, "--", BIGCAP, "deep", "20", NULL });
		cr_assert_eq(lines_with(out, PSUM, "\"hits\":20,"), 1, "%s", out);
		cr_assert_eq(lines_with(out, PSUM, skip ? "\"signals\":16," : "\"signals\":20,"), 1,
			     "%s", out);
		cr_assert_eq(lines_with(out, PSUM, "\"unreadable\":4,"), 1, "%s", out);
		cr_assert_eq(count_lines(out, "\"depth\":4,"), 1, "%s", out);
		cr_assert_eq(count_lines(out, "\"args\":{\"d\":"), 16, "%s", out);
		cr_assert_eq(count_lines(out, "\"args\":{},"), skip ? 0 : 4, "%s", out);
		cr_assert_eq(count_lines(out, "\"dur_ns\":null,\"entry_missing\":true}"),
			     skip ? 0 : 4, "%s", out);
		free(out);
	}
	/* An integer argument is as unknown as a string. */
	write_text(yaml, "probes:\n"
			 "  - name: deeps\n    kind: function\n    attach: ':deep -> int'\n"
			 "    args: int d, str s\n    when: return\n    filter: d > 0\n"
			 "    on_unreadable: skip\n    action: count\n");
	out = run_ok((char *[]){ AT, "--json", "-C", yaml, "--", BIGCAP, "deep", "20", NULL });
	cr_assert_eq(lines_with(out, PSUM, "\"filtered\":4,\"matched\":16,"), 1, "%s", out);
	cr_assert_eq(lines_with(out, PSUM, "\"unreadable\":4,"), 1, "%s", out);
	free(out);
	unlink(yaml);
	/* In text: said after the return value. */
	out = run_ok((char *[]){ AT, "-u", ":deep(int d, str s) -> int @return", "--", BIGCAP,
				 "deep", "20", NULL });
	cr_assert_eq(count_lines(out, " bigcap:deep() = 1 [entry missing]"), 1, "%s", out);
	cr_assert_eq(count_lines(out, " [entry missing]"), 4, "%s", out);
	cr_assert_eq(count_lines(out, " bigcap:deep(d=5, s=\"x\") = 5 <"), 1, "%s", out);
	free(out);
}
