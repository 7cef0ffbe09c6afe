/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Comparing agent-trace's text lines with strace 6.1's (tests that run both). */
#ifndef AT_STRACECMP_H
#define AT_STRACECMP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The syscall names of a trace's lines ("name(..." after the prefix each tool
 * puts before it; at_prefix: agent-trace's time and pid/tid), sorted, one per
 * line; signal and exit lines left out.
 */
void call_names(const char *text, bool at_prefix, char *out, size_t outlen);

/*
 * A syscall line without the tool's prefix, strace's padding before " = ",
 * addresses (ADDR) and getpid's result (the two tools' targets are two processes).
 */
void strace_norm(const char *line, bool at_prefix, char *out, size_t outlen);

/* A wait4 line with its pid argument and result as P (the two tools' children differ). */
void wait4_norm(char *l);

/* Whether line l starts with one of the prefixes (NULL-terminated list, or NULL). */
bool starts_any(const char *l, const char *const *prefixes);

/*
 * strace's lines (sto) and agent-trace's (out) compared one by one after
 * normalising both (strace_norm, wait4_norm), up to strace's "+++" line;
 * lines starting with at_skip (agent-trace's) or st_skip (strace's) are
 * passed over; a difference fails the test with both lines. Returns how many
 * were compared.
 */
int same_lines(const char *sto, const char *out, const char *const *at_skip,
	       const char *const *st_skip);

/*
 * The call lines of both traces (signal and exit lines passed over), one by
 * one after strace_norm, wait4_norm and norm (may be NULL), agent-trace's
 * -T durations left out; a difference, or calls one trace has past the
 * other's end, fails the test. Returns how many were compared.
 */
int same_calls(const char *sto, const char *out, void (*norm)(char *));

#endif /* AT_STRACECMP_H */
