/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Function probe SPECs (-u): parsing only, no side effects.
 *
 *   SPEC   := [TARGET] ':' FUNC [ '(' ARGS ')' ] [ '->' RET [ OP INT ] ] [ '@entry' | '@return' ]
 *   TARGET := library short name (libc, libssl) | path | empty for the main executable
 *   FUNC   := name | versioned name (memcpy@@GLIBC_2.14) | glob (*parse*) | name+0xOFF | 0xOFF
 *   ARGS   := ARG { ',' ARG }            at most 6, x86-64 SysV (or Go) register order
 *   ARG    := [ 'out' ] BYTES [ name ] | TYPE [ name ] | 'buf[len=ret]' [ name ]
 *   BYTES  := 'str' | 'buf[' N ']' | 'buf[len=arg' K ']' | 'buf[len=*arg' K ']' | 'char[' N ']'
 *             | INT '*'       (len=*argK: the integer argument K, an INT*, points to)
 *             'out': read at return from the pointer saved at entry (not when the call fails);
 *             buf[len=ret]: read at return, as many bytes as the return value says (an
 *             integer return type is needed); INT '*': the integer the argument points to
 *             | [ TYPE ] DEREF [ name ]   (uderef_* below; takes no argument register)
 *   DEREF  := '*(' ADDR ')' | 'str(' ADDR ')' | 'gostr(' ADDR ')' | BASE ( '->' M | '.' M | '[' N ']' )+
 *   ADDR   := ( 'arg' K | '*(' ADDR ')' ) { ('+' | '-') INT }
 *   BASE   := 'arg' K | a parameter's name (member paths M resolve through the file's DWARF)
 *   TYPE   := s8 u8 s16 u16 s32 u32 s64 u64 int long ptr str
 *             | gostr | gobytes | '[]byte' | goiface   (Go binaries only: 2, 3 and 2 registers)
 *   RET    := TYPE | '(' RTYPE { ',' RTYPE } ')'   (a tuple: Go results, 3 registers at most)
 *   RTYPE  := an integer TYPE | ptr | goiface | error (Go: an interface, failing when not nil)
 *   OP INT := failing predicate on the (first) return value: == != < <= > >= and a decimal or 0x
 *             integer; default: '< 0' for signed integer returns, '== 0' for ptr, none when a
 *             result is an error (the call fails when it is not nil)
 *   @entry / @return: entry-only or return-only records (default: one record per call);
 *             @return with ARGS records the entry too (probetab.c: uspec.stamp_return)
 */
#ifndef AT_USPEC_H
#define AT_USPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "spec.h"

#define USPEC_MAX_ARGS AT_MAX_ARGS
#define USPEC_NAME_MAX 256
/* Go's integer argument registers (RAX RBX RCX RDI RSI R8 R9 R10 R11): a call record's words. */
#define USPEC_GO_REGS AT_CALL_WORDS
#define USPEC_GO_NONE AT_ARG_NONE
/* Results of a Go function a SPEC may declare, and the registers they take (RAX RBX RCX). */
#define USPEC_MAX_RETS AT_RET_WORDS

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
	UT_GOIFACE, /* Go interface: type and data words, shown as addresses */
	/* From here on every type takes a capture slot (filter.c counts them so). */
	UT_STR,	    /* NUL-terminated string, read at entry */
	UT_GOSTR,   /* Go string: pointer and length, exactly length bytes read at entry */
	UT_BUF,	    /* buf[N]: N bytes, read at entry */
	UT_BUF_LEN, /* buf[len=argK]: bytes, length from argument K (1-based in the SPEC) */
	UT_CHARS,   /* char[N]: up to N bytes, shown as a string */
	UT_GOBYTES, /* Go []byte: pointer, length, capacity; length bytes read at entry */
	UT_BUF_RET, /* buf[len=ret]: bytes read at return, as many as the return value */
	UT_REF,	    /* INT*: the integer (of type uarg.ref) the argument points to */
	UT_N
};

/* What a type is read and compared as. */
enum ukind {
	UK_NONE = 0, /* no type (no '->') */
	UK_INT,	     /* an integer of bits width */
	UK_PTR,	     /* an address: 64 bits unsigned, shown in hex, NULL when 0 */
	UK_IFACE,    /* a Go interface: two words, compared by its type word */
	UK_STR,	     /* a string: NUL-terminated, or a Go string of its length */
	UK_BUF,	     /* bytes: buf[N], buf[len=argK], buf[len=ret], char[N], a Go []byte */
	UK_REF,	     /* an integer read through a pointer: shown as the integer, not compared */
};

struct utype_info {
	const char *name; /* as written in SPECs ("u64", "str", "buf") */
	uint8_t bits;	  /* width of an integer or pointer: 8, 16, 32, 64; 0 for bytes */
	bool is_signed;	  /* compared and shown as signed */
	uint8_t kind;	  /* enum ukind */
	uint8_t words;	  /* Go integer registers the type takes: 1, or 2 and 3 for Go types */
	bool go_only;	  /* a Go type: refused on other binaries */
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
	uint16_t n;	 /* UT_BUF / UT_CHARS / UT_REF: byte count */
	uint8_t ref;	 /* UT_REF: the integer type pointed to (enum utype) */
	bool len_deref;	 /* buf[len=*argK]: the length is the integer argument K points to */
	bool out;	 /* read at return (out, buf[len=ret]), not at entry */
	uint8_t deref;	 /* 1 + its index in uspec.derefs; 0: a register argument */
};

/* Dereferences per probe, and pointer loads per chain: the kernel's bounds (spec.h). */
#define USPEC_DEREFS AT_DEREFS
#define USPEC_DEREF_STEPS AT_DEREF_STEPS
#define USPEC_PATH_MAX 96

/*
 * A dereference ARG: from argument base (0-based: argK's K - 1), nsteps
 * 8-byte pointer loads, load j at the address so far plus off[j], then
 * off[nsteps] added and the final read (enum at_deref_read). A member path
 * ("req->conn->query") is only text until uderef_resolve fills the chain
 * and the ARG's type from the file's DWARF.
 */
struct uderef {
	int32_t off[USPEC_DEREF_STEPS + 1];
	uint8_t base;		   /* argument index the chain starts from */
	uint8_t nsteps;		   /* pointer loads */
	uint8_t read;		   /* enum at_deref_read */
	uint8_t arg;		   /* the ARG it gives */
	bool path;		   /* a member path: resolved through DWARF at attach */
	bool typed;		   /* path: its TYPE was given, and DWARF must agree */
	bool base_reg;		   /* path on Go: base is the register DWARF placed it in */
	char text[USPEC_PATH_MAX]; /* path: as written, white space dropped */
};

struct uspec {
	char target[USPEC_NAME_MAX]; /* as written; "" for the main executable */
	char func[USPEC_NAME_MAX];   /* name or glob; "" for a raw offset */
	uint64_t offset;	     /* func+0xOFF, or the raw offset when func is "" */
	struct uarg args[USPEC_MAX_ARGS];
	unsigned nargs;
	uint8_t ret_type; /* enum utype; UT_NONE when no '->'; a tuple's first result */
	/* '-> (T, ...)': each result's type (rets[0] is ret_type), nrets of them (1 for '-> T') */
	uint8_t rets[USPEC_MAX_RETS];
	uint8_t nrets;
	int8_t err_ret;	  /* the result written 'error' (failing when not nil), -1 when none */
	uint8_t err_word; /* its first result register (0 RAX .. 2 RCX), USPEC_GO_NONE when none */
	uint8_t fail_op;  /* enum ufail_op; defaulted from ret_type when not given */
	int64_t fail_val; /* compared with the return value */
	uint8_t when;	  /* enum uwhen */
	bool is_glob;	  /* func contains * ? or [ */
	/*
	 * '@return' with arguments: the entry is recorded too (the arguments are
	 * saved there), the record only made at return and stamped with its time.
	 * Set by the loader, which then makes the probe a call probe (UW_CALL).
	 */
	bool stamp_return;
	/*
	 * Where the Go register ABI puts each argument (the loader uses it on Go
	 * binaries only): go_reg[i] is argument i's first register, 0 for RAX to
	 * 8 for R11, the ones after it following. A call record has USPEC_GO_REGS
	 * words: word i is argument i's first, and the further words of gostr,
	 * gobytes and goiface arguments are taken from the last word down,
	 * go_more[i] naming argument i's second (its third is the one after), so
	 * that the words between hold the undeclared arguments' registers.
	 */
	uint8_t go_reg[USPEC_MAX_ARGS];
	uint8_t go_more[USPEC_MAX_ARGS]; /* USPEC_GO_NONE for one-word arguments */
	uint8_t go_regs;		 /* registers the arguments take in all */
	int8_t go_arg;			 /* the first argument of a Go type, -1 when none */
	struct uderef derefs[USPEC_DEREFS];
	uint8_t nderef;
	int8_t path_arg; /* the first ARG that is a member path, -1 when none */
};

/*
 * Fills the chains and types of u's member paths from the DWARF of path
 * (or of its separate debug file), for the function whose code holds file
 * offset off, else function func by name (as resolved: "name" or
 * "name@VER"). 0, or -1 with a message naming the path and the problem.
 */
int uderef_resolve(struct uspec *u, const char *path, const char *func, uint64_t off, char *err,
		   size_t errlen);

/*
 * The register (SysV and USDT: 0-based argument, Go: 0 RAX .. 8 R11) that
 * dereference d starts from; -1 with a message when Go has no such register.
 */
int uspec_deref_reg(const struct uspec *u, const struct uderef *d, bool go, char *err,
		    size_t errlen);

/*
 * The call record words of Go strings that member paths resolved to (the
 * length's word, taken from the last down as go_layout does). 0, or -1 when
 * no word is left.
 */
int uspec_deref_more(struct uspec *u, char *err, size_t errlen);

/*
 * SysV and USDT record words when u has dereferences: each the register
 * of the plain ARG at its position (plain ARGs take the function's
 * arguments in order), USPEC_GO_NONE for a dereference, the registers after
 * the plain ones past the ARGs. false when u has none (positions are registers).
 */
bool uspec_sysv_word_regs(const struct uspec *u, uint8_t word_reg[USPEC_GO_REGS]);

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

/* Whether the SPEC's results are Go's only: a tuple, or an interface or error. */
bool uspec_go_results(const struct uspec *u);

/*
 * The call record word of argument i's further word j (0: its second, a
 * string's or slice's length, an interface's data word; 1: a slice's
 * capacity); USPEC_GO_NONE when it has no such word.
 */
static inline unsigned uspec_go_word(const struct uspec *u, unsigned i, unsigned j)
{
	if (i >= u->nargs || u->go_more[i] == USPEC_GO_NONE ||
	    j + 1 >= utype_info(u->args[i].type)->words)
		return USPEC_GO_NONE;
	return u->go_more[i] + j;
}

/*
 * The Go register (0 RAX .. 8 R11) of each call record word, USPEC_GO_NONE
 * for none: each argument's first in its own word, the further words of
 * strings, slices and interfaces where go_more put them, and the registers
 * after the declared arguments in the words between, so that an undeclared
 * argN is still its register.
 */
void uspec_go_word_regs(const struct uspec *u, uint8_t word_reg[USPEC_GO_REGS]);

/* The first argument read at return (out, buf[len=ret]), -1 when none. */
int uspec_out_arg(const struct uspec *u);

/* Name of a type as written in SPECs ("u64", "str", "buf"). */
const char *utype_name(uint8_t t);

#endif /* AT_USPEC_H */
