// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Arguments read at return: buf[len=ret] and out-arguments, through the real
 * uprobe programs and through the agent-trace command (text and JSON), on a
 * target that fills its caller's memory with known values (outargs), and
 * SSL_read's plaintext from a local TLS server; '@return' probes with
 * arguments; filters on a string read at return; the bad SPECs.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "record.h"

#define MAXR 256
#define AT (char *)build_path("agent-trace")
#define OUTARGS (char *)build_path("outargs")

static void assert_clean(const struct trace *t)
{
	cr_assert(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0, "target status %d",
		  t->status);
	cr_assert_eq(t->lost.rb_lost, 0);
	cr_assert_eq(t->lost.depth_lost, 0);
	cr_assert_eq(t->lost.orphan_ret, 0);
}

/* agent-trace with argv's options: its stdout; it and the target exit 0, nothing on stderr. */
static char *run_ok(char *const argv[])
{
	char *out, *err;
	int st = run_capture(argv, &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_str_eq(err, "");
	free(err);
	return out;
}

/* The records: the bytes read at return, the length the call returned, nothing when it failed. */
Test(atret, buffer_read_at_return_with_returned_length)
{
	char *argv[] = { OUTARGS, "3", NULL };
	const struct at_call_rec *r[MAXR];
	const char *want[] = { "reply 0", "reply 1", "reply 2", "rep", "" };
	struct trace t;
	size_t n;

	trace_cmd(argv,
		  &(struct trace_opts){ .select = "exit_group",
					.uprobes = { ":fill_buf(buf[len=ret] data, int cap, int i) "
						     "-> int" } },
		  &t);
	assert_clean(&t);
	n = trace_calls(&t, 0, r, MAXR);
	cr_assert_eq(n, 6);
	for (size_t i = 0; i < 5; i++) {
		cr_assert_eq(r[i]->slot_arg[0], 0, "call %zu", i);
		cr_assert_eq(r[i]->slot_len[0], strlen(want[i]), "call %zu", i);
		cr_assert_str_eq(slot_str(r[i], 0), want[i]);
		cr_assert_eq((int)r[i]->ret, (int)strlen(want[i]));
		cr_assert_eq(r[i]->flags & AT_CALL_FAILING, 0);
		cr_assert_eq(r[i]->slot_flags[0] & (AT_SF_FAULT | AT_SF_TRUNC), 0);
	}
	/* fill_buf(buf, -1, 9) = -1: failing, nothing read. */
	cr_assert_eq((int)r[5]->ret, -1);
	cr_assert(r[5]->flags & AT_CALL_FAILING);
	cr_assert_eq(r[5]->slot_arg[0], AT_ARG_NONE);
	cr_assert_eq(t.pstats[0].count, 6);
	cr_assert_eq(t.pstats[0].errors, 1);
	trace_free(&t);

	/* 300 bytes returned, 32 captured (-s 32), flagged cut. */
	trace_cmd(
		argv,
		&(struct trace_opts){ .select = "exit_group",
				      .str_max = 32,
				      .uprobes = { ":fill_long(buf[len=ret] b, long n) -> long" } },
		&t);
	assert_clean(&t);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 1);
	cr_assert_eq(r[0]->ret, 300);
	cr_assert_eq(r[0]->slot_len[0], 32);
	cr_assert_str_eq(slot_str(r[0], 0), "abcdefghijklmnopqrstuvwxyzabcdef");
	cr_assert(r[0]->slot_flags[0] & AT_SF_TRUNC);
	trace_free(&t);
}

Test(atret, buffer_and_out_arguments_text)
{
	char *out = run_ok((char *[]){
		AT, "-s", "32", "-u", ":fill_buf(buf[len=ret] data, int cap, int i) -> int", "-u",
		":get_pair(out int* a, out str name, int i) -> int", "-u",
		":get_id(out u64* v, out char[8] id, int i) -> int", "-u",
		":fill_long(out buf[len=arg2] b, long n) -> long", "--", OUTARGS, "2", NULL });
	static const char *const want[] = {
		" outargs:fill_buf(data=\"reply 0\", cap=64, i=0) = 7 <",
		" outargs:fill_buf(data=\"reply 1\", cap=64, i=1) = 7 <",
		" outargs:fill_buf(data=\"rep\", cap=3, i=7) = 3 <",
		" outargs:fill_buf(data=\"\", cap=0, i=8) = 0 <",
		" outargs:fill_long(b=\"abcdefghijklmnopqrstuvwxyzabcdef\"..., n=300) = 300 <",
		" outargs:get_pair(a=[100], name=\"pair-0\", i=0) = 0 <",
		" outargs:get_pair(a=[101], name=\"pair-1\", i=1) = 0 <",
		/* 0x1122334455667788 + 42 */
		" outargs:get_id(v=[1234605616436508594], id=\"ID000042\", i=42) = 0 <",
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_eq(count_lines(out, want[i]), 1, "'%s' in:\n%s", want[i], out);
	/* The failing calls: their out-arguments are not read, shown as addresses. */
	cr_assert_eq(count_lines(out, " outargs:fill_buf(data=0x7"), 1, "%s", out);
	cr_assert_eq(count_lines(out, ", cap=-1, i=9) = -1 [failing] <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, " outargs:get_pair(a=0x7"), 1, "%s", out);
	cr_assert_eq(count_lines(out, ", i=-1) = -1 [failing] <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"bad\""), 0, "a failing call's garbage: %s", out);
	cr_assert_eq(count_lines(out, "#"), 0, "nothing read at entry: %s", out);
	free(out);
}

Test(atret, buffer_and_out_arguments_json)
{
	char *out = run_ok((char *[]){ AT, "--json", "-u",
				       ":fill_buf(buf[len=ret] data, int cap, int i) -> int", "-u",
				       ":get_pair(out int* a, out str name, int i) -> int", "-u",
				       ":peek(int* p) -> int", "--", OUTARGS, "1", NULL });
	static const char *const want[] = {
		"\"probe\":\"outargs:fill_buf\",\"probe_id\":0,\"args\":{\"data\":\"reply 0\","
		"\"cap\":64,\"i\":0},\"ret\":7,\"failing\":false,",
		"\"args\":{\"data\":\"\",\"cap\":0,\"i\":8},\"ret\":0,\"failing\":false,",
		"\"probe\":\"outargs:get_pair\",\"probe_id\":1,\"args\":{\"a\":100,\"name\":\"pair-"
		"0\",\"i\":0},\"ret\":0,\"failing\":false,",
		/* An INT* read at entry: peek(&41). */
		"\"probe\":\"outargs:peek\",\"probe_id\":2,\"args\":{\"p\":41},\"ret\":42,",
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_eq(count_lines(out, want[i]), 1, "'%s' in:\n%s", want[i], out);
	cr_assert_eq(count_lines(out, "\"args\":{\"data\":\"0x7"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"args\":{\"a\":\"0x7"), 1, "%s", out);
	free(out);
}

/*
 * '@return' with arguments: the entry is recorded too, the record is made at
 * return; '@return' without any stays return-only.
 */
Test(atret, return_probe_with_arguments)
{
	char *out = run_ok(
		(char *[]){ AT, "-u", ":get_pair(out int* a, out str name, int i) -> int @return",
			    "-u", ":get_pair -> int @return", "--json", "--", OUTARGS, "2", NULL });

	cr_assert_eq(count_lines(out, "\"probe_id\":0,\"args\":{\"a\":101,\"name\":\"pair-1\","
				      "\"i\":1},\"ret\":0,\"failing\":false,\"dur_ns\":"),
		     1, "%s", out);
	cr_assert_eq(count_lines(out, "\"probe_id\":0,\"args\":{\"a\":100,"), 1, "%s", out);
	cr_assert_eq(
		count_lines(
			out,
			"\"probe_id\":1,\"args\":{},\"ret\":0,\"failing\":false,\"dur_ns\":null}"),
		2, "%s", out);
	cr_assert_eq(
		count_lines(
			out,
			"\"probe_id\":1,\"args\":{},\"ret\":-1,\"failing\":true,\"dur_ns\":null}"),
		1, "%s", out);
	free(out);
}

/*
 * An out-argument on a page the process never touched: the sleepable return
 * program faults it in (a zero page: ""); without sleepable programs
 * (AT_NO_SLEEPABLE, the loader's fallback) it is unreadable, shown as its address.
 */
Test(atret, sleepable_return_faults_pages_in)
{
	char *argv[] = { AT, "-u", ":no_write(out str s) -> int", "--", OUTARGS, "untouched", NULL };
	char *out;

	unsetenv("AT_NO_SLEEPABLE");
	unsetenv("AT_NO_COPY_STR");
	out = run_ok(argv);
	cr_assert_eq(count_lines(out, " outargs:no_write(s=\"\") = 0 <"), 1, "%s", out);
	free(out);
	/* Sleepable without the string kfunc: the page touched with bpf_copy_from_user. */
	cr_assert_eq(setenv("AT_NO_COPY_STR", "1", 1), 0);
	out = run_ok(argv);
	unsetenv("AT_NO_COPY_STR");
	cr_assert_eq(count_lines(out, " outargs:no_write(s=\"\") = 0 <"), 1, "%s", out);
	free(out);
	cr_assert_eq(setenv("AT_NO_SLEEPABLE", "1", 1), 0);
	out = run_ok(argv);
	unsetenv("AT_NO_SLEEPABLE");
	cr_assert_eq(count_lines(out, " outargs:no_write(s=0x7"), 1, "%s", out);
	free(out);
}

/* The "time" of the JSON line of probe id's call, -1 when there is none. */
static double call_time(const char *out, unsigned id)
{
	static const char head[] = "{\"type\":\"call\",\"time\":";
	char want[32];

	snprintf(want, sizeof(want), "\"probe_id\":%u,", id);
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *e = strchr(l, '\n'), *m = strstr(l, want);
		double t;

		if (m && (!e || m < e) && !strncmp(l, head, sizeof(head) - 1) &&
		    sscanf(l + sizeof(head) - 1, "%lf", &t) == 1)
			return t;
	}
	return -1;
}

/* '@return' with arguments is stamped at the return: a 20 ms call's time is 20 ms after its entry. */
Test(atret, return_probe_with_arguments_stamped_at_return)
{
	char *out = run_ok((char *[]){
		AT, "--json", "-u", ":slow_get(out int* a, int ms) -> int @return", "-u",
		":slow_get(out int* a, int ms) -> int", "--", OUTARGS, "0", NULL });
	double at_return = call_time(out, 0), at_entry = call_time(out, 1);

	cr_assert_eq(count_lines(out, "\"args\":{\"a\":7,\"ms\":20},\"ret\":0,"), 2, "%s", out);
	cr_assert_geq(at_entry, 0, "%s", out);
	cr_assert_geq(at_return - at_entry, 0.019, "%f %f: %s", at_return, at_entry, out);
	cr_assert_lt(at_return - at_entry, 1.0, "%f %f: %s", at_return, at_entry, out);
	free(out);
}

/* A filter on a string read at return, in a probe file (when: return, args declared). */
Test(atret, filter_on_out_string)
{
	char yaml[64], *out;

	tmp_name(yaml, sizeof(yaml), "atret", "yaml");
	write_text(yaml, "probes:\n"
			 "  - name: pairs\n"
			 "    kind: function\n"
			 "    attach: ':get_pair -> int'\n"
			 "    args: out int* a, out str name, int i\n"
			 "    when: return\n"
			 "    filter: name == \"pair-2\" or name startswith \"pair-1\"\n");
	out = run_ok((char *[]){ AT, "-C", yaml, "--", OUTARGS, "12", NULL });
	unlink(yaml);
	cr_assert_eq(count_lines(out,
				 "[pairs] outargs:get_pair(a=[102], name=\"pair-2\", i=2) = 0"),
		     1, "%s", out);
	/* pair-1, pair-10, pair-11 */
	cr_assert_eq(count_lines(out, ", name=\"pair-1"), 3, "%s", out);
	cr_assert_eq(count_lines(out, "outargs:get_pair("), 4, "%s", out);
	cr_assert_eq(count_lines(out, "hits 13, filtered 9, events 4"), 1, "%s", out);
	free(out);
}

/* Scrubbing shapes the strings; an INT*'s bytes are an integer and are kept (a=[102]). */
Test(atret, scrub_keeps_integers_read_through_pointers)
{
	char yaml[64], *out;

	tmp_name(yaml, sizeof(yaml), "atret-scrub", "yaml");
	write_text(yaml, "probes:\n"
			 "  - name: pairs\n"
			 "    kind: function\n"
			 "    attach: ':get_pair -> int'\n"
			 "    args: out int* a, out str name, int i\n"
			 "    scrub: sql\n");
	out = run_ok((char *[]){ AT, "-C", yaml, "--", OUTARGS, "3", NULL });
	unlink(yaml);
	cr_assert_eq(count_lines(out, "outargs:get_pair(a=[102], "), 1, "%s", out);
	cr_assert_eq(count_lines(out, "outargs:get_pair(a=[100], "), 1, "%s", out);
	free(out);
}

Test(atret, bad_specs)
{
	char spec[512], msg[640];

	snprintf(spec, sizeof(spec), "%s:atfuncs:tick(int i, out str label)", build_path("funcs"));
	snprintf(msg, sizeof(msg),
		 "agent-trace: usdt '%s:atfuncs:tick': argument 'label' is read at return, and a "
		 "usdt probe has none\n",
		 build_path("funcs"));
	expect_error((char *[]){ AT, "--usdt", spec, "--", (char *)build_path("funcs"), "usdt", "2",
				 NULL },
		     2, msg);
	expect_error((char *[]){ AT, "-u", ":get_pair(out int* a) -> int @entry", "--", OUTARGS,
				 NULL },
		     2,
		     "agent-trace: -u ':get_pair(out int* a) -> int @entry': argument 'a' is read "
		     "at return, and '@entry' has none; remove '@entry' at column 15\n");
	expect_error((char *[]){ AT, "-u", ":fill_buf(buf[len=ret] d, int cap)", "--", OUTARGS,
				 NULL },
		     2,
		     "agent-trace: -u ':fill_buf(buf[len=ret] d, int cap)': buf[len=ret] needs an "
		     "integer return type: add '-> int' (or long, u64...) at column 15\n");
	expect_error(
		(char *[]){ AT, "-u", ":get_pair(out int a) -> int", "--", OUTARGS, NULL }, 2,
		"agent-trace: -u ':get_pair(out int a) -> int': 'out' applies to str, buf[...], "
		"char[N] and INT* (e.g. 'out int*'), not 'int' at column 19\n");
}

/* The TLS server: sends msg to its one client, closes cleanly. */
static const char tls_server[] = "import socket, ssl, sys\n"
				 "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
				 "ctx.load_cert_chain(sys.argv[1], sys.argv[2])\n"
				 "s = socket.socket()\n"
				 "s.bind(('127.0.0.1', int(sys.argv[3])))\n"
				 "s.listen(1)\n"
				 "print('ready', flush=True)\n"
				 "c, _ = s.accept()\n"
				 "t = ctx.wrap_socket(c, server_side=True)\n"
				 "t.sendall(sys.argv[4].encode())\n"
				 "t.unwrap().close()\n";

/*
 * SSL_read's plaintext: a Python TLS server with a self-signed certificate
 * sends a known line, openssl s_client (libssl's SSL_read) receives it.
 */
/* The Python TLS client: reads to the end, exits 0 when it got msg (argv[2]). */
static const char tls_client[] = "import socket, ssl, sys\n"
				 "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
				 "ctx.check_hostname = False\n"
				 "ctx.verify_mode = ssl.CERT_NONE\n"
				 "s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', "
				 "int(sys.argv[1]))))\n"
				 "data = b''\n"
				 "while True:\n"
				 "    b = s.recv(4096)\n"
				 "    if not b:\n"
				 "        break\n"
				 "    data += b\n"
				 "sys.exit(0 if data == sys.argv[2].encode() else 1)\n";

/*
 * A TLS run: a Python TLS server with a self-signed certificate made in a
 * scratch directory sends msg to one client, agent-trace with spec (and
 * --json) runs the client: openssl s_client (libssl's SSL_read), or with
 * python a Python client (CPython's _ssl calls SSL_read_ex). Its stdout;
 * agent-trace and the client exit 0.
 */
static char *tls_run(bool json, bool python, const char *spec, const char *msg)
{
	char dir[64], cmd[512], srv[96], cli[96], key[96], cert[96], sout[96], serr[96], port[16],
		addr[32];
	char *out, *err, *o, *argv[16];
	pid_t pid;
	int st, k = 0;

	if (access("/usr/bin/openssl", X_OK) || access("/usr/bin/python3", X_OK))
		cr_skip_test("openssl or python3 is not installed (make deps installs openssl)");
	snprintf(dir, sizeof(dir), "/tmp/agent-trace-tls.%d", getpid());
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(srv, sizeof(srv), "%s/srv.py", dir);
	snprintf(cli, sizeof(cli), "%s/cli.py", dir);
	snprintf(sout, sizeof(sout), "%s/srv.out", dir);
	snprintf(serr, sizeof(serr), "%s/srv.err", dir);
	o = sh("mkdir -p %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s "
	       "-subj /CN=localhost -days 1 2>&1",
	       dir, key, cert);
	free(o);
	write_text(srv, "%s", tls_server);
	write_text(cli, "%s", tls_client);
	snprintf(port, sizeof(port), "%d", free_port());
	write_text(sout, "%s", ""); /* there before the server opens it, for wait_lines */
	pid = spawn_logged((char *[]){ "/usr/bin/python3", srv, cert, key, port, (char *)msg,
				       NULL },
			   sout, serr);
	wait_lines(sout, "ready", 1);
	snprintf(addr, sizeof(addr), "127.0.0.1:%s", port);
	argv[k++] = AT;
	if (json)
		argv[k++] = "--json";
	argv[k++] = "-u";
	argv[k++] = (char *)spec;
	argv[k++] = "--";
	if (python) {
		argv[k++] = "/usr/bin/python3";
		argv[k++] = cli;
		argv[k++] = port;
		argv[k++] = (char *)msg;
	} else {
		argv[k++] = "/usr/bin/openssl";
		argv[k++] = "s_client";
		argv[k++] = "-connect";
		argv[k++] = addr;
		argv[k++] = "-quiet"; /* and -ign_eof: it reads until the server closes */
	}
	argv[k] = NULL;
	st = run_capture(argv, &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	free(err);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	o = sh("%s", cmd);
	free(o);
	return out;
}

#define SSL_READ "libssl:SSL_read(ptr ssl, buf[len=ret] data, int n) -> int"
#define SSL_READ_EX                                                                             \
	"libssl:SSL_read_ex(ptr ssl, out buf[len=*arg4] data, u64 num, out u64* readbytes) -> " \
	"int == 0"

Test(atret, ssl_read_plaintext_text)
{
	char *out = tls_run(false, false, SSL_READ, "hello from the TLS server, text\n");

	/* s_client prints what it read; the probe shows it as SSL_read returned it. */
	cr_assert_eq(count_lines(out,
				 ", data=\"hello from the TLS server, text\\n\", n=1024) = 32 <"),
		     1, "%s", out);
	/* Then the end of the stream, 0 bytes; the calls that failed (-1) read nothing. */
	cr_assert_eq(count_lines(out, ", data=\"\", n=1024) = 0 <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, " libssl:SSL_read(ssl=0x"),
		     2 + count_lines(out, ", n=1024) = -1 [failing] <"), "%s", out);
	cr_assert_eq(count_lines(out, ", data=\""), 2, "%s", out);
	free(out);
}

Test(atret, ssl_read_plaintext_json)
{
	char *out = tls_run(true, false, SSL_READ, "hello from the TLS server, json\n");

	cr_assert_eq(count_lines(out, "\"probe\":\"libssl:SSL_read\",\"probe_id\":0,"
				      "\"args\":{\"ssl\":\"0x"),
		     count_lines(out, "\"probe\":\"libssl:SSL_read\",\"probe_id\":0,\"args\""),
		     "%s", out);
	cr_assert_eq(count_lines(out,
				 ",\"data\":\"hello from the TLS server, json\\n\",\"n\":1024},"
				 "\"ret\":32,\"failing\":false,"),
		     1, "%s", out);
	free(out);
}

/* SSL_read_ex, as CPython's ssl module reads: the length in *readbytes, read at return. */
Test(atret, ssl_read_ex_plaintext_python)
{
	char *out = tls_run(false, true, SSL_READ_EX, "hello from the TLS server, python");

	cr_assert_eq(count_lines(out, ", data=\"hello from the TLS server, python\", num=4096, "
				      "readbytes=[33]) = 1 <"),
		     1, "%s", out);
	/* The end of the stream: 0, failing by the predicate, nothing read. */
	cr_assert_eq(count_lines(out, ", num=4096, readbytes=0x7"), 1, "%s", out);
	cr_assert_eq(count_lines(out, ") = 0 [failing] <"), 1, "%s", out);
	free(out);
	out = tls_run(true, true, SSL_READ_EX, "hello from the TLS server, python json");
	cr_assert_eq(count_lines(out,
				 ",\"data\":\"hello from the TLS server, python json\","
				 "\"num\":4096,\"readbytes\":38},\"ret\":1,\"failing\":false,"),
		     1, "%s", out);
	free(out);
}

/* buf[len=*argK]: at return (out) and at entry, the length the pointer's integer says. */
Test(atret, buffer_length_through_a_pointer)
{
	char *out = run_ok((char *[]){
		AT, "-u",
		":read_ex(out buf[len=*arg3] data, u64 num, out u64* got, int i) -> int == 0", "-u",
		":write_ex(buf[len=*arg2] b, u16* len) -> int", "--", OUTARGS, "0", NULL });

	cr_assert_eq(count_lines(out, " outargs:read_ex(data=\"ex-data 3\", num=512, got=[9], i=3) "
				      "= 1 <"),
		     1, "%s", out);
	cr_assert_eq(count_lines(out, " outargs:read_ex(data=\"ex-d\", num=4, got=[4], i=4) = 1 <"),
		     1, "%s", out);
	cr_assert_eq(count_lines(out, ", num=512, got=0x7"), 1, "%s", out);
	cr_assert_eq(count_lines(out, ", i=-1) = 0 [failing] <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, " outargs:write_ex(b=\"hello\", len=[5]) = 5 <"), 1, "%s",
		     out);
	free(out);
}
