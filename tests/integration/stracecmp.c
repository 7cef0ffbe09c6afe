// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Comparing agent-trace's text lines with strace 6.1's: normalising and matching them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "stracecmp.h"

void call_names(const char *text, bool at_prefix, char *out, size_t outlen)
{
	char names[256][32];
	int n = 0;
	size_t len = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = l, *paren;
		char name[32];
		int i;

		if (at_prefix) /* "   0.002117 2230/2230 openat(" */
			for (int f = 0; f < 2 && (p = strchr(p + strspn(p, " "), ' ')); f++)
				p++;
		if (!p || !(paren = strchr(p, '(')) || paren - p >= (long)sizeof(name) ||
		    strchr("+-", *p))
			continue;
		memcpy(name, p, (size_t)(paren - p));
		name[paren - p] = '\0';
		for (i = 0; i < n && strcmp(names[i], name); i++)
			;
		if (i == n && n < 256)
			strcpy(names[n++], name);
	}
	/* Sorted by name, so both tools' lists compare as strings. */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char t[32];

				strcpy(t, names[i]);
				strcpy(names[i], names[j]);
				strcpy(names[j], t);
			}
	out[0] = '\0';
	for (int i = 0; i < n && len + 48 < outlen; i++)
		len += (size_t)snprintf(out + len, outlen - len, "%s\n", names[i]);
}

void strace_norm(const char *line, bool at_prefix, char *out, size_t outlen)
{
	const char *p = line;
	size_t n = 0;

	if (at_prefix)
		for (int f = 0; f < 2 && (p = strchr(p + strspn(p, " "), ' ')); f++)
			p++;
	for (; p && *p && *p != '\n' && n + 1 < outlen; p++) {
		if (*p == ' ' && p[strspn(p, " ")] == '=') {
			p += strspn(p, " ") - 1;
			out[n++] = ' ';
		} else if (p[0] == '0' && p[1] == 'x' && strspn(p + 2, "0123456789abcdef") >= 8) {
			p += 1 + strspn(p + 2, "0123456789abcdef");
			n += (size_t)snprintf(out + n, outlen - n, "ADDR");
		} else {
			out[n++] = *p;
		}
	}
	out[n < outlen ? n : outlen - 1] = '\0';
	if (!strncmp(out, "getpid() = ", 11) && strlen(out) < outlen - 3)
		strcpy(out + 11, "PID");
}

bool starts_any(const char *l, const char *const *prefixes)
{
	for (; prefixes && *prefixes; prefixes++)
		if (!strncmp(l, *prefixes, strlen(*prefixes)))
			return true;
	return false;
}

int same_lines(const char *sto, const char *out, const char *const *at_skip,
	       const char *const *st_skip)
{
	const char *sl = sto, *al = out;
	char a[512], b[512];
	int lines = 0;

	while (sl && *sl && al && *al) {
		if (starts_any(al, at_skip)) {
			al = strchr(al, '\n') ? strchr(al, '\n') + 1 : NULL;
			continue;
		}
		if (starts_any(sl, st_skip)) {
			sl = strchr(sl, '\n') ? strchr(sl, '\n') + 1 : NULL;
			continue;
		}
		if (!strncmp(sl, "+++", 3))
			break;
		strace_norm(sl, false, a, sizeof(a));
		strace_norm(al, true, b, sizeof(b));
		wait4_norm(a);
		wait4_norm(b);
		cr_assert_str_eq(b, a, "agent-trace's line, then strace's:\n%s\n%s", b, a);
		lines++;
		sl = strchr(sl, '\n') ? strchr(sl, '\n') + 1 : NULL;
		al = strchr(al, '\n') ? strchr(al, '\n') + 1 : NULL;
	}
	return lines;
}

void wait4_norm(char *l)
{
	char *p = strstr(l, "wait4("), *q;

	if (!p)
		return;
	p += 6;
	q = p + strspn(p, "0123456789");
	memmove(p + 1, q, strlen(q) + 1);
	*p = 'P';
	p = strrchr(l, '=');
	if (p && p[1] == ' ' && p[2] >= '0' && p[2] <= '9')
		strcpy(p + 2, "P");
}

/* The next line after l, or NULL at the end. */
static const char *next_line(const char *l)
{
	const char *n = strchr(l, '\n');

	return n && n[1] ? n + 1 : NULL;
}

/* Whether a normalised line is a call's (not a signal or exit line). */
static bool call_line(const char *l)
{
	return *l && strncmp(l, "+++", 3) && strncmp(l, "---", 3);
}

int same_calls(const char *sto, const char *out, void (*norm)(char *))
{
	const char *sl = sto, *al = out;
	char a[1024], b[1024];
	int n = 0;

	for (;;) {
		while (sl && (strace_norm(sl, false, a, sizeof(a)), !call_line(a)))
			sl = next_line(sl);
		while (al && (strace_norm(al, true, b, sizeof(b)), !call_line(b)))
			al = next_line(al);
		if (!sl || !al)
			break;
		/* -T's duration at the end of agent-trace's line. */
		if (strrchr(b, '<') && strrchr(b, '<') > b && strrchr(b, '<')[-1] == ' ')
			strrchr(b, '<')[-1] = '\0';
		wait4_norm(a);
		wait4_norm(b);
		if (norm) {
			norm(a);
			norm(b);
		}
		cr_assert_str_eq(b, a, "agent-trace's line, then strace's:\n%s\n%s", b, a);
		n++;
		sl = next_line(sl);
		al = next_line(al);
	}
	cr_assert(!sl && !al,
		  "one tool has more calls: strace's next: %.200s\nagent-trace's: %.200s",
		  sl ? sl : "", al ? al : "");
	return n;
}
