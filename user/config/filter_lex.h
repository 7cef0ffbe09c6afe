/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Filter expressions, lexed: the tokens, the compiler's state and its error format. */
#ifndef AT_FILTER_LEX_H
#define AT_FILTER_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "util.h"

enum ftok {
	FT_END,
	FT_LPAREN,
	FT_RPAREN,
	FT_AND,
	FT_OR,
	FT_NOT,
	FT_WORD,  /* a field name */
	FT_NUM,	  /* mag, neg */
	FT_ERRNO, /* -ENAME: the name at pos + 1 */
	FT_STR,	  /* str, slen */
	FT_CMP,	  /* cmp */
};

struct token {
	enum ftok t;
	size_t pos, len;	     /* in the source */
	uint8_t cmp;		     /* FT_CMP: enum at_cmp */
	uint64_t mag;		     /* FT_NUM: magnitude */
	bool neg;		     /* FT_NUM: negative */
	char str[AT_FILTER_STR + 1]; /* FT_STR: the value, NUL-terminated */
	size_t slen;		     /* FT_STR: its length */
};

/* One AST node; the postfix code has exactly one byte per node. */
struct fnode {
	uint8_t op;  /* AT_FOP_AND, AT_FOP_OR, AT_FOP_NOT or AT_FOP_COND | index */
	int8_t l, r; /* operands, -1 for none */
};

/* The compiler's state: the lexer's position and token, the parser's nodes, the output. */
struct fparser {
	const char *s;	  /* the expression, quoted in errors */
	size_t pos;	  /* next character to lex */
	struct token tok; /* the current token */
	const struct filter_ctx *fc;
	struct at_filter *out;
	unsigned nconds;
	struct fnode node[AT_FILTER_CODE];
	unsigned nnodes;
	char *err;
	size_t errlen;
};

/* "'EXPR' column N: " into p->err, N the 1-based column of pos: its length, for fail_line. */
size_t fparser__prefix(struct fparser *p, size_t pos);

/*
 * Fails with "'EXPR' column N: what is wrong", made one line, into p->err: -1.
 * A macro so that the message's arguments go to fail_line as they are.
 */
#define fparser__err(p, pos, ...) \
	fail_line((p)->err, (p)->errlen, fparser__prefix(p, pos), __VA_ARGS__)

/* Reads the next token into p->tok (FT_END at the end). 0, or -1 with why in p->err. */
int fparser__next(struct fparser *p);

#endif /* AT_FILTER_LEX_H */
