// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/sink/file.c: JSON lines through the exporter, rotation by size, whole lines, counts. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "sinkcfg.h"
#include "xsink.h"

#define S 1000000000ull

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/at-file-sink-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p))
			rmdir(p);
	}
	closedir(d);
	rmdir(dir);
}

static void redirect_err(void)
{
	make_dir();
	cr_redirect_stderr();
}

static unsigned dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A file's whole content, NUL-terminated; NULL when it does not exist. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The line json.c writes for an exec event of pid. */
static int line_of(unsigned pid, char *buf, size_t size)
{
	return snprintf(buf, size,
			"{\"type\":\"attach\",\"time\":0.000001,\"pid\":%u,\"comm\":\"w\"}\n", pid);
}

static void event(struct xsink *x, unsigned pid)
{
	struct event ev = { .kind = EV_EXEC, .pid = pid, .tid = pid, .ts_ns = 1000 };

	strcpy(ev.comm, "w");
	x->ops->event(x, &ev);
}

static struct xsink *open_sink(const char *name, uint64_t max_bytes, unsigned keep)
{
	struct sink_config sc;
	struct xsink_env env = { .start_ns = 0 };
	char err[256] = "";
	struct xsink *x;

	sink_config_init(&sc, SINK_FILE);
	snprintf(sc.file.path, sizeof(sc.file.path), "%s/%s", dir, name);
	sc.file.max_bytes = max_bytes;
	sc.file.keep = keep;
	x = file_sink_open(&sc.file, &env, err, sizeof(err));
	cr_assert_not_null(x, "%s", err);
	cr_assert_eq(x->nexp, 1);
	return x;
}

static void stop_sink(struct xsink *x, struct export_stats *st)
{
	x->ops->stop(x, 2 * S);
	exporter_stats(x->exp[0], st);
	x->ops->free(x);
}

/*
 * Checks that path holds whole lines of consecutive pids from *next on, and
 * no more than max bytes; moves *next past them. Returns the file's size.
 */
static size_t check_lines(const char *path, unsigned *next, size_t max)
{
	size_t len, off = 0;
	char *buf = slurp(path, &len), want[128];

	cr_assert_not_null(buf, "%s exists", path);
	cr_assert_leq(len, max, "%s: %zu bytes", path, len);
	while (off < len) {
		int n = line_of((*next)++, want, sizeof(want));

		cr_assert_leq(off + (size_t)n, len, "%s: a cut line at %zu", path, off);
		cr_assert_eq(memcmp(buf + off, want, (size_t)n), 0, "%s at %zu: want %s", path, off,
			     want);
		off += (size_t)n;
	}
	free(buf);
	return len;
}

Test(file_sink, defaults)
{
	struct sink_config sc;

	sink_config_init(&sc, SINK_FILE);
	cr_assert_eq(sc.type, SINK_FILE);
	cr_assert_eq(sc.file.max_bytes, 100ull << 20);
	cr_assert_eq(sc.file.keep, 5);
}

/* 200 lines into 300-byte files keeping 3: PATH and PATH.1..3, the newest lines, whole. */
Test(file_sink, rotation_keeps_exactly_keep_files, .init = redirect_err, .fini = remove_dir)
{
	struct xsink *x = open_sink("out.json", 300, 3);
	struct export_stats st;
	char p[PATH_MAX], first[128];
	unsigned next, lines_per_file[4];
	size_t sizes[4];

	for (unsigned pid = 1; pid <= 200; pid++)
		event(x, pid);
	stop_sink(x, &st);
	cr_assert_eq(st.pushed, 200);
	cr_assert_eq(st.sent, 200);
	cr_assert_eq(st.dropped[BQ_DROP_ERROR], 0);
	cr_assert_eq(dir_entries(), 4, "PATH and 3 rotated files");
	snprintf(p, sizeof(p), "%s/out.json.4", dir);
	cr_assert_neq(access(p, F_OK), 0);
	/* Oldest first: out.json.3, .2, .1, out.json; the pids run on to 200 without a gap. */
	snprintf(p, sizeof(p), "%s/out.json.3", dir);
	{
		size_t len;
		char *buf = slurp(p, &len);
		unsigned pid;

		cr_assert_not_null(buf);
		cr_assert_eq(sscanf(buf, "{\"type\":\"attach\",\"time\":0.000001,\"pid\":%u", &pid),
			     1);
		next = pid;
		free(buf);
	}
	for (int k = 3; k >= 0; k--) {
		unsigned before = next;

		if (k)
			snprintf(p, sizeof(p), "%s/out.json.%d", dir, k);
		else
			snprintf(p, sizeof(p), "%s/out.json", dir);
		sizes[k] = check_lines(p, &next, 300);
		lines_per_file[k] = next - before;
		cr_assert_gt(lines_per_file[k], 0);
	}
	cr_assert_eq(next, 201, "the newest line is the last");
	/* A file was rotated only when the next line would not fit. */
	for (int k = 3; k >= 1; k--) {
		line_of(next - 1, first, sizeof(first)); /* every line here is as long */
		cr_assert_gt(sizes[k] + strlen(first), 300, "out.json.%d: %zu bytes", k, sizes[k]);
	}
}

/* A file already there is appended to, and its size counts towards the rotation. */
Test(file_sink, existing_file_appended_and_rotated, .init = redirect_err, .fini = remove_dir)
{
	static const char old[] = "{\"old\":1}\n{\"old\":2}\n";
	char p[PATH_MAX], want[128];
	struct export_stats st;
	struct xsink *x;
	FILE *f;
	size_t len;
	char *buf;
	unsigned next = 1;

	snprintf(p, sizeof(p), "%s/out.json", dir);
	f = fopen(p, "w");
	fputs(old, f);
	fclose(f);
	/* Room for the old lines and one more, not two. */
	x = open_sink("out.json", strlen(old) + (size_t)line_of(1, want, sizeof(want)) + 10, 2);
	event(x, 1);
	event(x, 2);
	stop_sink(x, &st);
	cr_assert_eq(st.sent, 2);
	snprintf(p, sizeof(p), "%s/out.json.1", dir);
	buf = slurp(p, &len);
	cr_assert_not_null(buf);
	line_of(1, want, sizeof(want));
	cr_assert_eq(len, strlen(old) + strlen(want));
	cr_assert_eq(memcmp(buf, old, strlen(old)), 0, "the old lines kept, first");
	free(buf);
	next = 2;
	snprintf(p, sizeof(p), "%s/out.json", dir);
	check_lines(p, &next, 1000);
	cr_assert_eq(next, 3);
	cr_assert_eq(dir_entries(), 2);
}

/* A line longer than max_bytes is alone in its file, never cut. */
Test(file_sink, line_longer_than_the_limit_alone_in_its_file, .init = redirect_err,
     .fini = remove_dir)
{
	struct xsink *x = open_sink("out.json", 20, 2);
	struct export_stats st;
	char p[PATH_MAX];
	unsigned next = 1;

	for (unsigned pid = 1; pid <= 3; pid++)
		event(x, pid);
	stop_sink(x, &st);
	cr_assert_eq(st.sent, 3);
	for (int k = 2; k >= 0; k--) {
		unsigned before = next;

		if (k)
			snprintf(p, sizeof(p), "%s/out.json.%d", dir, k);
		else
			snprintf(p, sizeof(p), "%s/out.json", dir);
		check_lines(p, &next, 100);
		cr_assert_eq(next - before, 1, "one line in %s", p);
	}
	cr_assert_eq(dir_entries(), 3);
}

/* keep 0: the file starts again empty, nothing rotated kept. */
Test(file_sink, keep_zero_starts_the_file_again, .init = redirect_err, .fini = remove_dir)
{
	char want[128];
	struct xsink *x = open_sink("out.json", (size_t)line_of(1, want, sizeof(want)) * 2, 0);
	struct export_stats st;
	char p[PATH_MAX];
	unsigned next = 5;

	for (unsigned pid = 1; pid <= 5; pid++)
		event(x, pid);
	stop_sink(x, &st);
	cr_assert_eq(st.sent, 5);
	cr_assert_eq(dir_entries(), 1);
	snprintf(p, sizeof(p), "%s/out.json", dir);
	check_lines(p, &next, 1000);
	cr_assert_eq(next, 6, "only the last line, in the file started again");
}

/* A write cut by the file size limit: the torn line is cut off, the rest counted write_error. */
Test(file_sink, failed_write_keeps_whole_lines_and_counts_the_rest, .init = redirect_err,
     .fini = remove_dir)
{
	struct rlimit rl = { .rlim_cur = 100, .rlim_max = RLIM_INFINITY };
	struct xsink *x = open_sink("out.json", 0, 5);
	struct export_stats st;
	char p[PATH_MAX];
	unsigned next = 1;

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (unsigned pid = 1; pid <= 5; pid++)
		event(x, pid);
	stop_sink(x, &st);
	/* Each line is about 55 bytes: one fits under 100, the second is cut at 100. */
	cr_assert_eq(st.sent, 1);
	cr_assert_eq(st.dropped[BQ_DROP_ERROR], 4);
	cr_assert_eq(st.pushed, st.sent + st.dropped[BQ_DROP_ERROR]);
	cr_assert_geq(st.failed, 1);
	snprintf(p, sizeof(p), "%s/out.json", dir);
	check_lines(p, &next, 100);
	cr_assert_eq(next, 2, "the first line alone, whole");
}

/* /dev/full: every write fails; every line counted, one error line. */
Test(file_sink, write_errors_counted_with_one_line, .init = redirect_err, .fini = remove_dir)
{
	struct sink_config sc;
	struct xsink_env env = { 0 };
	struct export_stats st;
	char err[256] = "", out[1024] = "";
	const char *want = "agent-trace: file /dev/full: export failed: write: No space left on "
			   "device (";
	struct xsink *x;
	size_t n;

	sink_config_init(&sc, SINK_FILE);
	strcpy(sc.file.path, "/dev/full");
	sc.file.max_bytes = 10;
	x = file_sink_open(&sc.file, &env, err, sizeof(err));
	cr_assert_not_null(x, "%s", err);
	for (unsigned pid = 1; pid <= 5; pid++)
		event(x, pid);
	stop_sink(x, &st);
	cr_assert_eq(st.sent, 0);
	cr_assert_eq(st.dropped[BQ_DROP_ERROR], 5);
	cr_assert_eq(st.pushed, 5);
	fflush(stderr);
	n = fread(out, 1, sizeof(out) - 1, cr_get_redirected_stderr());
	out[n] = '\0';
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "%s", out);
	cr_assert_eq(strchr(out, '\n'), out + n - 1, "one line: %s", out);
}

/* Not a regular file (here /dev/null through a link): written, never rotated away. */
Test(file_sink, device_never_rotated, .init = redirect_err, .fini = remove_dir)
{
	char p[PATH_MAX];
	struct export_stats st;
	struct xsink *x;
	struct stat sb;

	snprintf(p, sizeof(p), "%s/null", dir);
	cr_assert_eq(symlink("/dev/null", p), 0);
	x = open_sink("null", 10, 3);
	for (unsigned pid = 1; pid <= 5; pid++)
		event(x, pid);
	stop_sink(x, &st);
	cr_assert_eq(st.sent, 5);
	cr_assert_eq(dir_entries(), 1, "nothing renamed");
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert(S_ISCHR(sb.st_mode));
}

static void expect_open_error(const char *path, const char *want)
{
	struct sink_config sc;
	struct xsink_env env = { 0 };
	char err[512] = "";

	sink_config_init(&sc, SINK_FILE);
	snprintf(sc.file.path, sizeof(sc.file.path), "%s", path);
	cr_assert_null(file_sink_open(&sc.file, &env, err, sizeof(err)), "%s", path);
	cr_assert_str_eq(err, want);
}

Test(file_sink, open_errors_name_the_file_and_the_problem, .init = make_dir, .fini = remove_dir)
{
	char p[PATH_MAX], want[PATH_MAX * 2];

	expect_open_error("/nonexistent-at-dir/sub/x.json",
			  "file sink '/nonexistent-at-dir/sub/x.json': directory "
			  "/nonexistent-at-dir/sub: No such file or directory");
	snprintf(p, sizeof(p), "%s/f", dir);
	fclose(fopen(p, "w"));
	snprintf(p, sizeof(p), "%s/f/x.json", dir);
	snprintf(want, sizeof(want), "file sink '%s': %s/f is not a directory", p, dir);
	expect_open_error(p, want);
	snprintf(want, sizeof(want), "file sink '%s': Is a directory", dir);
	expect_open_error(dir, want);
	expect_open_error("", "file sink: no path");
	/* A directory the agent may not write to (root may write anywhere: not checked as root). */
	if (geteuid()) {
		snprintf(p, sizeof(p), "%s/ro", dir);
		cr_assert_eq(mkdir(p, 0555), 0);
		snprintf(p, sizeof(p), "%s/ro/x.json", dir);
		snprintf(want, sizeof(want), "file sink '%s': Permission denied", p);
		expect_open_error(p, want);
	}
}
