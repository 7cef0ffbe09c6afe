/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Function probe SPECs (-u): parsing only, no side effects.
 *
 *   SPEC   := [TARGET] ':' FUNC [ '(' ARGS ')' ] [ '->' TYPE [ OP INT ] ] [ '@entry' | '@return' ]
 *   TARGET := library short name (libc, libssl) | path | empty for the main executable
 *   FUNC   := name | versioned name (memcpy@@GLIBC_2.14) | glob (*parse*) | name+0xOFF | 0xOFF
 *   ARGS   := ARG { ',' ARG }            at most 6, x86-64 SysV (or Go) register order
 *   ARG    := TYPE [ name ] | 'buf[' N ']' [name] | 'buf[len=arg' K ']' [name] | 'char[' N ']' [name]
 *   TYPE   := s8 u8 s16 u16 s32 u32 s64 u64 int long ptr str
 *   OP INT := failing predicate on the return value: == != < <= > >= and a decimal or 0x integer;
 *             default: '< 0' for signed integer returns, '== 0' for ptr
 *   @entry / @return: entry-only or return-only records (default: one record per call)
 */
#ifndef AT_USPEC_H
#define AT_USPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define USPEC_MAX_ARGS AT_MAX_ARGS
#define USPEC_NAME_MAX 256

enum utype {
	UT_NONE = 0,
	UT_S8,
	UT_U8,
	UT_S16,
	UT_U16,
	UT_S32,
	UT_U32,
	UT_S64,
	UT_U64,
	UT_INT,	    /* s32 */
	UT_LONG,    /* s64 */
	UT_PTR,	    /* address, shown in hex */
	UT_STR,	    /* NUL-terminated string, read at entry */
	UT_BUF,	    /* buf[N]: N bytes, read at entry */
	UT_BUF_LEN, /* buf[len=argK]: bytes, length from argument K (1-based in the SPEC) */
	UT_CHARS,   /* char[N]: up to N bytes, shown as a string */
	UT_N
};

/* What a type is read and compared as. */
enum ukind {
	UK_NONE = 0, /* no type (no '->') */
	UK_INT,	     /* an integer of bits width */
	UK_PTR,	     /* an address: 64 bits unsigned, shown in hex, NULL when 0 */
	UK_STR,	     /* a NUL-terminated string */
	UK_BUF,	     /* bytes: buf[N], buf[len=argK], char[N] */
};

struct utype_info {
	const char *name; /* as written in SPECs ("u64", "str", "buf") */
	uint8_t bits;	  /* width of an integer or pointer: 8, 16, 32, 64; 0 for bytes */
	bool is_signed;	  /* compared and shown as signed */
	uint8_t kind;	  /* enum ukind */
};

/* The type's entry in the one table of SPEC types; any value is safe. */
const struct utype_info *utype_info(uint8_t t);

enum ufail_op { UF_NONE = 0, UF_EQ, UF_NE, UF_LT, UF_LE, UF_GT, UF_GE };

enum uwhen {
	UW_CALL = 0, /* entry and return paired: one record per call */
	UW_ENTRY,    /* entry only */
	UW_RETURN,   /* return only */
};

struct uarg {
	char name[32];	 /* given name, or "argN" (1-based) */
	uint8_t type;	 /* enum utype */
	uint8_t len_arg; /* UT_BUF_LEN: 0-based index of the length argument */
	uint16_t n;	 /* UT_BUF / UT_CHARS: byte count */
};

struct uspec {
	char target[USPEC_NAME_MAX]; /* as written; "" for the main executable */
	char func[USPEC_NAME_MAX];   /* name or glob; "" for a raw offset */
	uint64_t offset;	     /* func+0xOFF, or the raw offset when func is "" */
	struct uarg args[USPEC_MAX_ARGS];
	unsigned nargs;
	uint8_t ret_type; /* enum utype; UT_NONE when no '->' */
	uint8_t fail_op;  /* enum ufail_op; defaulted from ret_type when not given */
	int64_t fail_val; /* compared with the return value */
	uint8_t when;	  /* enum uwhen */
	bool is_glob;	  /* func contains * ? or [ */
};

/*
 * Parses one SPEC. Returns 0, or -1 with a message in err that quotes the SPEC
 * and points at the offending character, e.g.
 *   "-u 'libc:malloc(u64 size) -> ptrr': unknown type 'ptrr' at column 30"
 * (columns are 1-based).
 */
int uspec_parse(const char *s, struct uspec *out, char *err, size_t errlen);

/* The SPEC's place as written: "libc:malloc", ":plain+0x2", or a bare ":0x1139". */
void uspec_where(const struct uspec *u, char *buf, size_t len);

/*
 * Splits TARGET:PROVIDER:NAME[(ARGS)] into the provider and the SPEC
 * TARGET:NAME[(ARGS)] (the provider cut out). 0, or -1 when arg has not that form.
 */
int usdt_split(const char *arg, char *provider, size_t plen, char *spec, size_t slen);

/* Whether a return value fails the SPEC's predicate (value as the kernel saw it, 64 bits). */
bool uspec_failed(const struct uspec *u, uint64_t ret);

/* Name of a type as written in SPECs ("u64", "str", "buf"). */
const char *utype_name(uint8_t t);

#endif /* AT_USPEC_H */
