/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* "Did you mean ...?": the closest known word to a misspelt one. */
#ifndef AT_SUGGEST_H
#define AT_SUGGEST_H

/* The closest candidate seen so far, within distance 2 (and shorter than the word). */
struct suggest {
	const char *name; /* NULL while nothing is close */
	unsigned dist;
};

/* Keeps cand in b when it is closer to word (Levenshtein, case-insensitive). */
void suggest_consider(struct suggest *b, const char *word, const char *cand);

#endif /* AT_SUGGEST_H */
