/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The function table of a Go binary's .gopclntab: names, addresses and sizes
 * of its functions where a stripped binary (go build -ldflags='-s -w') has no
 * .symtab. Layouts of Go 1.16/1.17, 1.18/1.19 and 1.20 on (1.26 included).
 */
#ifndef AT_GOPCLNTAB_H
#define AT_GOPCLNTAB_H

#include <stddef.h>
#include <stdint.h>

struct elf_file;

/* One function of the table. */
struct gopcln_func {
	const char *name; /* NUL-terminated inside the table's bytes */
	uint64_t addr;	  /* entry: a virtual address, as in .symtab */
	uint64_t size;	  /* bytes to the next function's entry (padding included) */
};

/* What the header said, for callers that want it (tests, messages). */
struct gopcln_info {
	unsigned version;	    /* 116 (Go 1.16/1.17), 118 (1.18/1.19), 120 (1.20 on) */
	unsigned ptrsize;	    /* 4 or 8 */
	uint64_t text_start;	    /* the base of 1.18+ entry offsets: header, else text */
	uint64_t header_text_start; /* the header's own textStart: 0 before 1.18, from 1.26 */
	uint64_t nfunc;		    /* functions in the table */
};

/*
 * Walks the pclntab bytes data[0..size) and calls cb for each function, in the
 * table's (address) order. text is the .text section's address: the base of
 * the entry offsets where the header's textStart is 0 (Go 1.26 no longer
 * stores it). The whole table is checked before cb is first called, so a bad
 * table gives no functions at all. info, when not NULL, gets the header.
 * 0, cb's nonzero return, or -EINVAL with a one-line reason in err (truncated
 * or lying header, an offset past the end, bad magic).
 */
int gopclntab_parse(const void *data, size_t size, uint64_t text,
		    int (*cb)(void *ctx, const struct gopcln_func *f), void *ctx,
		    struct gopcln_info *info, char *err, size_t errlen);

/*
 * gopclntab_parse over ef's .gopclntab section (.data.rel.ro.gopclntab in a
 * PIE), with the text field of the moduledata in .go.module (Go 1.26) as the
 * base where it checks out, else .text's address, if the entry point is then
 * a Go function's (C code linked first would shift every address). A missing
 * or bad table, or a base that does not hold, is not
 * an error here: it gives no functions, and elf_file__go_err says why. 0, or
 * cb's nonzero return. Names live as long as ef.
 */
int gopclntab__for_each(struct elf_file *ef, int (*cb)(void *ctx, const struct gopcln_func *f),
			void *ctx);

/*
 * Why gopclntab__for_each found no functions in ef ("no .gopclntab section",
 * ".gopclntab: ..."), or "" when it found them or was not called.
 */
const char *elf_file__go_err(const struct elf_file *ef);

/*
 * What a look-up that found nothing in ef searched, for its error: "" with a
 * .symtab; " (stripped: only .dynsym was searched)"; for a stripped Go binary
 * " (stripped Go binary: .dynsym and .gopclntab were searched)" or, when the
 * table gave nothing, " (stripped Go binary: .gopclntab: ...)". In buf.
 */
const char *elf_file__stripped_note(const struct elf_file *ef, char *buf, size_t len);

#endif /* AT_GOPCLNTAB_H */
