// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Suggestions for misspelt keys, values and fields. */
#include <ctype.h>
#include <string.h>

#include "suggest.h"

/* Suggestions: Levenshtein distance, case-insensitive, on short words. */

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned row[65], prev, tmp, best;

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (tolower((unsigned char)a[i - 1]) !=
				       tolower((unsigned char)b[j - 1]));
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

void suggest_consider(struct suggest *b, const char *word, const char *cand)
{
	unsigned d = edit_distance(word, cand);

	if (d <= 2 && d < strlen(word) && (!b->name || d < b->dist)) {
		b->name = cand;
		b->dist = d;
	}
}
