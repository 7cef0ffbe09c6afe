/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Filter expressions, parsed: filter.h's grammar into an AST, then the kernel's postfix code. */
#ifndef AT_FILTER_PARSE_H
#define AT_FILTER_PARSE_H

#include "filter_lex.h"

/* EXPR from the current token on: the root node's index into *out. 0, or -1 with why. */
int fparser__parse_expr(struct fparser *p, int *out);

/* Appends the tree at node i to p->out's code, operands first. */
void fparser__emit(struct fparser *p, int i);

#endif /* AT_FILTER_PARSE_H */
