// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Command-line parsing and its bad inputs. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decode_sys.h"
#include "syscalls.h"

static int parse(struct config *cfg, char *err, int argc, char **argv)
{
	return cli_parse(argc, argv, cfg, err, 256);
}

#define PARSE(cfg, err, ...)                                                \
	parse(cfg, err, sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
	      (char *[]){ __VA_ARGS__ })

static bool sel(const struct config *c, const char *name)
{
	int nr = syscall_by_name(name);

	cr_assert(nr >= 0);
	return c->selected[nr / 64] & (1ULL << (nr % 64));
}

Test(cli, pids_and_defaults)
{
	struct config c;
	char err[256];

	cr_assert_eq(PARSE(&c, err, "at", "-p", "12,34", "-p", "56"), 0, "%s", err);
	cr_assert_eq(c.npids, 3);
	cr_assert_eq(c.pids[0], 12);
	cr_assert_eq(c.pids[2], 56);
	cr_assert_null(c.cmd);
	cr_assert(sel(&c, "read") && sel(&c, "openat"), "all syscalls by default");
	cr_assert_eq(c.str_max, 64);
	cr_assert_eq(c.ringbuf_bytes, 4u << 20);
	cr_assert(!c.follow && !c.summary_only && !c.json && !c.no_latency);
}

Test(cli, no_latency_with_summary)
{
	struct config c;
	char err[256];

	cr_assert_eq(PARSE(&c, err, "at", "-c", "--no-latency", "-p", "1"), 0, "%s", err);
	cr_assert(c.summary_only && c.no_latency);
	/* The order does not matter: the check is made once every option is read. */
	cr_assert_eq(PARSE(&c, err, "at", "--no-latency", "--summary", "-p", "1"), 0, "%s", err);
	cr_assert(c.summary_only && c.no_latency);
}

Test(cli, command_after_double_dash)
{
	char *a1[] = { "at", "-f", "-c", "--json", "-d", "1.5", "-s", "100",
		       "-b", "1M", "-o", "out",	   "--", "ls",	"-l", NULL };
	char *a2[] = { "at", "ls", "-p", "1", NULL };
	struct config c;
	char err[256];

	cr_assert_eq(parse(&c, err, 15, a1), 0, "%s", err);
	cr_assert_eq(c.cmd, &a1[13]);
	cr_assert_str_eq(c.cmd[0], "ls");
	cr_assert_str_eq(c.cmd[1], "-l");
	cr_assert_null(c.cmd[2]);
	cr_assert(c.follow && c.summary_only && c.json);
	cr_assert_float_eq(c.duration, 1.5, 1e-9);
	cr_assert_eq(c.str_max, 100);
	cr_assert_eq(c.ringbuf_bytes, 1u << 20);
	cr_assert_str_eq(c.output, "out");
	/* Options after the command belong to it. */
	cr_assert_eq(parse(&c, err, 4, a2), 0, "%s", err);
	cr_assert_eq(c.npids, 0);
	cr_assert_str_eq(c.cmd[1], "-p");
}

Test(cli, select_names_classes_and_exclusion)
{
	struct config c;
	char err[256];

	cr_assert_eq(PARSE(&c, err, "at", "-e", "openat,read", "-p", "1"), 0, "%s", err);
	cr_assert(sel(&c, "openat") && sel(&c, "read"));
	cr_assert(!sel(&c, "write") && !sel(&c, "mmap"));

	cr_assert_eq(PARSE(&c, err, "at", "-e", "file", "-e", "%network", "-p", "1"), 0, "%s", err);
	cr_assert(sel(&c, "openat") && sel(&c, "execve") && sel(&c, "stat"));
	cr_assert(sel(&c, "connect") && sel(&c, "socket"));
	cr_assert(!sel(&c, "read") && !sel(&c, "mmap"));

	cr_assert_eq(PARSE(&c, err, "at", "-e", "!memory,getpid", "-p", "1"), 0, "%s", err);
	cr_assert(!sel(&c, "mmap") && !sel(&c, "brk") && !sel(&c, "getpid"));
	cr_assert(sel(&c, "read") && sel(&c, "openat"));

	cr_assert_eq(PARSE(&c, err, "at", "-e", "trace=process", "-p", "1"), 0, "%s", err);
	cr_assert(sel(&c, "execve") && sel(&c, "wait4") && sel(&c, "exit_group"));
	cr_assert(!sel(&c, "read"));
}

Test(cli, bad_inputs)
{
	static const struct {
		const char *args[6];
		const char *err;
	} cases[] = {
		{ { "at" }, "nothing to trace: give -p PID or -- CMD (see --help)" },
		{ { "at", "-p", "0" }, "-p '0': not a process id" },
		{ { "at", "-p", "1,,2" }, "-p '1,,2': not a process id" },
		{ { "at", "-p", "-5" }, "-p '-5': not a process id" },
		{ { "at", "-e", "nosuch", "-p", "1" }, "-e: unknown syscall or class 'nosuch'" },
		{ { "at", "-e", "", "-p", "1" }, "-e: empty list" },
		{ { "at", "-d", "0", "-p", "1" }, "-d '0': not a positive number of seconds" },
		{ { "at", "-s", "4097", "-p", "1" }, "-s '4097': must be from 1 to 4096" },
		{ { "at", "-b", "3000", "-p", "1" },
		  "-b '3000': must be a power of two from 4K to 1024M" },
		{ { "at", "-j" }, "unknown option '-j' (see --help)" },
		{ { "at", "-xxx", "-p", "1" }, "-x: at most two (-xx)" },
		{ { "at", "-tttt", "-p", "1" }, "-t: at most three (-ttt)" },
		{ { "at", "-e", "status=", "-p", "1" }, "-e status=: empty list" },
		/* In a cluster, the option, not the word before it (argv[0] for the first). */
		{ { "at", "-jj", "--", "true" }, "unknown option '-j' (see --help)" },
		{ { "at", "-qJ", "-p", "1" }, "unknown option '-J' (see --help)" },
		{ { "at", "--bogus=1" }, "unknown option '--bogus=1' (see --help)" },
		{ { "at", "-e" }, "option '-e' needs an argument" },
		{ { "at", "-T", "--no-latency", "-p", "1" },
		  "-T and --no-latency contradict each other; keep one" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char err[256] = "";
		int argc = 0;

		while (argc < 6 && cases[i].args[argc])
			argc++;
		cr_assert_eq(cli_parse(argc, (char **)cases[i].args, &c, err, sizeof(err)), -1,
			     "case %zu accepted", i);
		cr_assert_str_eq(err, cases[i].err, "case %zu", i);
	}
}

Test(cli, help_and_version_need_nothing_else)
{
	struct config c;
	char err[256];

	cr_assert_eq(PARSE(&c, err, "at", "--help"), 0);
	cr_assert(c.help);
	cr_assert_eq(PARSE(&c, err, "at", "--version"), 0);
	cr_assert(c.version);
}

Test(cli, bufsize_suffixes_and_overflow)
{
	struct config cfg;
	char err[256];
	char *ok[] = { "agent-trace", "-b", "1G", "-p", "1", NULL };
	char *wrap[] = { "agent-trace", "-b", "18014398510530560K", "-p", "1", NULL };

	cr_assert_eq(cli_parse(5, ok, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.ringbuf_bytes, 1u << 30);
	/* A value whose shift would wrap to a power of two is not a size. */
	cr_assert_eq(cli_parse(5, wrap, &cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "-b '18014398510530560K': not a size");
}

Test(cli, xlat_styles)
{
	struct config c;
	char err[256];

	cr_assert_eq(PARSE(&c, err, "at", "-p", "1"), 0, "%s", err);
	cr_assert_eq(c.xlat, XLAT_ABBREV);
	cr_assert_eq(PARSE(&c, err, "at", "-X", "raw", "-p", "1"), 0, "%s", err);
	cr_assert_eq(c.xlat, XLAT_RAW);
	cr_assert_eq(PARSE(&c, err, "at", "-Xverbose", "-X", "abbrev", "-p", "1"), 0, "%s", err);
	cr_assert_eq(c.xlat, XLAT_ABBREV, "the last wins");
	cr_assert_eq(PARSE(&c, err, "at", "-Xverbose", "-p", "1"), 0, "%s", err);
	cr_assert_eq(c.xlat, XLAT_VERBOSE);
	cr_assert_neq(PARSE(&c, err, "at", "-X", "Raw", "-p", "1"), 0);
	cr_assert_str_eq(err, "-X 'Raw': must be raw, abbrev or verbose");
}

Test(cli, trace_paths_and_their_resolved_forms)
{
	struct config c;
	char err[256], real[4096];

	cr_assert_eq(PARSE(&c, err, "at", "-P", "/", "-p", "1"), 0, "%s", err);
	cr_assert_eq(c.ntrace_paths, 1);
	cr_assert_str_eq(c.trace_paths[0], "/");
	cr_assert(!c.exit_only, "-P decides at entry");
	/* A relative path: as given, and resolved. */
	cr_assert_eq(PARSE(&c, err, "at", "-P", ".", "-P", ".", "-p", "1"), 0, "%s", err);
	cr_assert_eq(c.ntrace_paths, 2, "once each");
	cr_assert_str_eq(c.trace_paths[0], ".");
	cr_assert_str_eq(c.trace_paths[1], realpath(".", real));
	cr_assert_neq(PARSE(&c, err, "at", "-P", "/", "--no-latency", "-p", "1"), 0);
	cr_assert(strstr(err, "-P and --no-latency contradict each other"), "%s", err);
}
