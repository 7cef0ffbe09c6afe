// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Member paths of dereference ARGs ("req->conn->query") resolved through the
 * file's DWARF with libdw: the function's parameter, then each member's
 * offset through pointers, typedefs and qualifiers, and the last member's
 * type as the ARG's (char * and char[] strings, integers by width and sign,
 * other pointers ptr).
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suggest.h"
#include "uspec.h"
#include "util.h"

/* Nested anonymous structs and typedef chains followed at most this deep: hostile DWARF stops. */
#define DW_MAX_DEPTH 16

struct dw_find {
	const char *name; /* the function */
	Dwarf_Die die;	  /* its definition, when found */
	bool found;
};

static int find_func(Dwarf_Die *die, void *arg)
{
	struct dw_find *f = arg;
	const char *n = dwarf_diename(die);

	/* A definition (it has code), not a declaration or an abstract inline instance only. */
	if (!n || strcmp(n, f->name) ||
	    !(dwarf_hasattr(die, DW_AT_low_pc) || dwarf_hasattr(die, DW_AT_ranges)))
		return DWARF_CB_OK;
	f->die = *die;
	f->found = true;
	return DWARF_CB_ABORT;
}

struct dw_at {
	Dwarf_Addr pc; /* an address of the function */
	Dwarf_Die die; /* the subprogram whose code holds it */
	bool found;
};

static int func_at(Dwarf_Die *die, void *arg)
{
	struct dw_at *f = arg;

	if (dwarf_haspc(die, f->pc) <= 0)
		return DWARF_CB_OK;
	f->die = *die;
	f->found = true;
	return DWARF_CB_ABORT;
}

/*
 * The function whose code holds pc: exact where a symbol and its DWARF name
 * differ (libc's fclose is _IO_new_fclose) or one name is several static
 * functions.
 */
static bool func_die_at(Dwarf *dw, Dwarf_Addr pc, Dwarf_Die *out)
{
	struct dw_at f = { .pc = pc };
	Dwarf_Die cu;

	if (!dwarf_addrdie(dw, pc, &cu))
		return false;
	dwarf_getfuncs(&cu, func_at, &f, 0);
	if (f.found)
		*out = f.die;
	return f.found;
}

/* The virtual address of file offset off in the ELF file open at fd; 0 when none maps it. */
static Dwarf_Addr off_to_vaddr(int fd, uint64_t off)
{
	Dwarf_Addr va = 0;
	size_t n = 0;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE || !(e = elf_begin(fd, ELF_C_READ_MMAP, NULL)))
		return 0;
	if (elf_getphdrnum(e, &n) == 0) {
		for (size_t i = 0; i < n && !va; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD &&
			    off >= ph.p_offset && off - ph.p_offset < ph.p_filesz)
				va = off - ph.p_offset + ph.p_vaddr;
		}
	}
	elf_end(e);
	return va;
}

/* The definition of function name in any compile unit. */
static bool func_die(Dwarf *dw, const char *name, Dwarf_Die *out)
{
	struct dw_find f = { .name = name };
	Dwarf_Off off = 0, next;
	size_t hsize;

	while (!f.found && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu))
			dwarf_getfuncs(&cu, find_func, &f, 0);
		off = next;
	}
	if (f.found)
		*out = f.die;
	return f.found;
}

/* The DIE's DW_AT_type; false for none (void). */
static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, out);
}

/* The type with typedefs and qualifiers stripped; false for void or too deep a chain. */
static bool strip(Dwarf_Die *t)
{
	for (int i = 0; i < DW_MAX_DEPTH; i++) {
		switch (dwarf_tag(t)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			if (!type_of(t, t))
				return false;
			continue;
		default:
			return true;
		}
	}
	return false;
}

static bool is_record(Dwarf_Die *t)
{
	int tag = dwarf_tag(t);

	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type;
}

/* A type's name for messages: "struct conn", "int", "char *" cut short. */
static void type_name(Dwarf_Die *t, char *buf, size_t len)
{
	const char *n = dwarf_diename(t);
	int tag = dwarf_tag(t);

	if (tag == DW_TAG_pointer_type) {
		snprintf(buf, len, "a pointer");
		return;
	}
	snprintf(buf, len, "%s%s",
		 tag == DW_TAG_structure_type	? "struct " :
		 tag == DW_TAG_union_type	? "union " :
		 tag == DW_TAG_enumeration_type ? "enum " :
		 tag == DW_TAG_array_type	? "an array" :
						  "",
		 n ? n : (tag == DW_TAG_array_type ? "" : "(anonymous)"));
}

/* Whether t (stripped) is a one-byte character type. */
static bool is_char(Dwarf_Die *t)
{
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;

	if (!strip(t) || dwarf_tag(t) != DW_TAG_base_type || dwarf_bytesize(t) != 1)
		return false;
	if (dwarf_attr(t, DW_AT_encoding, &a))
		dwarf_formudata(&a, &enc);
	return enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char || enc == DW_ATE_signed ||
	       enc == DW_ATE_unsigned;
}

/* A member's offset in its struct: a constant, or DWARF 2's DW_OP_plus_uconst. */
static bool member_off(Dwarf_Die *m, Dwarf_Word *off)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;

	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &a))
		return true; /* a union's members: offset 0 */
	if (dwarf_formudata(&a, off) == 0)
		return true;
	if (dwarf_getlocation(&a, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_plus_uconst) {
		*off = ops[0].number;
		return true;
	}
	return false;
}

/*
 * Member name of record rec, looking into anonymous struct and union members:
 * its DIE and offset; the closest name kept in sug for "did you mean".
 */
static bool find_member(Dwarf_Die *rec, const char *name, Dwarf_Die *out, Dwarf_Word *off,
			struct suggest *sug, int depth)
{
	Dwarf_Die m;

	if (depth > DW_MAX_DEPTH || dwarf_child(rec, &m) != 0)
		return false;
	do {
		const char *n = dwarf_diename(&m);
		Dwarf_Word o;

		if (dwarf_tag(&m) != DW_TAG_member || !member_off(&m, &o))
			continue;
		if (n && !strcmp(n, name)) {
			*out = m;
			*off = o;
			return true;
		}
		if (n) {
			suggest_consider(sug, name, n);
		} else {
			Dwarf_Die t, inner;
			Dwarf_Word io;

			if (type_of(&m, &t) && strip(&t) && is_record(&t) &&
			    find_member(&t, name, &inner, &io, sug, depth + 1)) {
				*out = inner;
				*off = o + io;
				return true;
			}
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return false;
}

/* A Go string header's type: the struct DWARF names "string" {str, len}. */
static bool is_gostring(Dwarf_Die *t)
{
	const char *n = dwarf_diename(t);

	return dwarf_tag(t) == DW_TAG_structure_type && n && !strcmp(n, "string") &&
	       dwarf_bytesize(t) == 16;
}

/*
 * The Go integer registers a parameter of type t takes (the register ABI):
 * 1 for integers and pointers (maps, channels, funcs), 2 for strings and
 * interfaces, 3 for slices; 0 for what is not known here (floats, structs
 * and arrays by value).
 */
static unsigned go_words(Dwarf_Die *t)
{
	const char *n;

	if (!strip(t))
		return 0;
	n = dwarf_diename(t);
	switch (dwarf_tag(t)) {
	case DW_TAG_pointer_type:
		return 1;
	case DW_TAG_base_type: {
		Dwarf_Attribute a;
		Dwarf_Word enc = 0;

		if (dwarf_attr(t, DW_AT_encoding, &a))
			dwarf_formudata(&a, &enc);
		return enc == DW_ATE_float || enc == DW_ATE_complex_float || dwarf_bytesize(t) > 8 ?
			       0 :
			       1;
	}
	case DW_TAG_structure_type:
		if (is_gostring(t))
			return 2;
		if (n && (!strcmp(n, "runtime.iface") || !strcmp(n, "runtime.eface")))
			return 2;
		if (n && !strncmp(n, "[]", 2) && dwarf_bytesize(t) == 24)
			return 3;
		return 0;
	}
	return 0;
}

/* A Go function's parameter before the one named: its registers shift the ones after it. */
static int go_param_words(Dwarf_Die *c, const char *n, unsigned *reg, const char *text, char *err,
			  size_t errlen)
{
	Dwarf_Die t;
	unsigned w = type_of(c, &t) ? go_words(&t) : 0;

	if (!w)
		return fail(err, errlen,
			    "member path '%s': Go parameter '%s' before it is not passed in "
			    "integer registers as this reads them (a float, a struct or an array), "
			    "so its register is not known; use *(argK+OFF) with the arguments "
			    "declared",
			    text, n ? n : "?");
	*reg += w;
	return 0;
}

/* Whether a Go DWARF parameter is a result (Go lists results as variable parameters). */
static bool go_result(Dwarf_Die *c)
{
	Dwarf_Attribute a;
	bool flag = false;

	return dwarf_attr(c, DW_AT_variable_parameter, &a) && dwarf_formflag(&a, &flag) == 0 &&
	       flag;
}

/*
 * The parameter by name, or by index (name NULL): its type and its place:
 * the 0-based position (C: SysV registers in order), or on Go the first of
 * its integer registers (0 RAX .. 8 R11), by the words of those before it.
 */
static int find_param(Dwarf_Die *fn, const char *name, unsigned idx, bool go, Dwarf_Die *type,
		      uint8_t *pos, const char *text, char *err, size_t errlen)
{
	Dwarf_Die c;
	unsigned i = 0, reg = 0;

	if (dwarf_child(fn, &c) == 0) {
		do {
			const char *n;
			Dwarf_Die t;

			if (dwarf_tag(&c) != DW_TAG_formal_parameter || (go && go_result(&c)))
				continue;
			n = dwarf_diename(&c);
			if (go && name && !(n && !strcmp(n, name))) {
				if (go_param_words(&c, n, &reg, text, err, errlen))
					return -1;
				continue;
			}
			if (go) {
				if (reg >= USPEC_GO_REGS)
					return fail(
						err, errlen,
						"member path '%s': parameter '%s' is past Go's %d "
						"integer argument registers",
						text, name, USPEC_GO_REGS);
				if (!type_of(&c, type))
					return fail(err, errlen,
						    "member path '%s': parameter has no type",
						    text);
				*pos = (uint8_t)reg;
				return 0;
			}
			if (name ? (n && !strcmp(n, name)) : i == idx) {
				if (i >= USPEC_MAX_ARGS)
					return fail(err, errlen,
						    "member path '%s': parameter %u is past the %d "
						    "argument registers",
						    text, i + 1, USPEC_MAX_ARGS);
				if (!type_of(&c, type))
					return fail(err, errlen,
						    "member path '%s': parameter has no type",
						    text);
				*pos = (uint8_t)i;
				return 0;
			}
			/* A parameter before it not passed in one integer register shifts them. */
			if (type_of(&c, &t) && strip(&t) &&
			    (is_record(&t) ||
			     (dwarf_tag(&t) == DW_TAG_base_type && dwarf_bytesize(&t) > 8)))
				return fail(
					err, errlen,
					"member path '%s': parameter '%s' before it is passed by "
					"value, so the registers after it are not known",
					text, n ? n : "?");
			if (type_of(&c, &t) && strip(&t) && dwarf_tag(&t) == DW_TAG_base_type) {
				Dwarf_Attribute a;
				Dwarf_Word enc = 0;

				if (dwarf_attr(&t, DW_AT_encoding, &a))
					dwarf_formudata(&a, &enc);
				if (enc == DW_ATE_float || enc == DW_ATE_complex_float)
					return fail(
						err, errlen,
						"member path '%s': parameter '%s' before it is a "
						"float, passed in another register file; use "
						"*(argK+OFF)",
						text, n ? n : "?");
			}
			i++;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	if (name)
		return fail(err, errlen, "member path '%s': no parameter '%s'", text, name);
	return fail(err, errlen, "member path '%s': the function has %u parameter%s", text, i,
		    i == 1 ? "" : "s");
}

/* The ARG's type from the last member's (stripped) type t; the chain's end set. */
static int last_member(struct uderef *d, uint8_t *type, bool typed, bool go, Dwarf_Die *t,
		       char *err, size_t errlen)
{
	static const uint8_t ints[2][4] = { { UT_U8, UT_U16, UT_U32, UT_U64 },
					    { UT_S8, UT_S16, UT_S32, UT_S64 } };
	int tag = dwarf_tag(t), size = dwarf_bytesize(t);
	char tn[80];
	Dwarf_Die e;

	if (tag == DW_TAG_pointer_type) {
		e = *t;
		if (type_of(&e, &e) && is_char(&e) && (!typed || *type == UT_STR)) {
			/* A char *: the pointer loaded, the string read where it points. */
			if (d->nsteps == USPEC_DEREF_STEPS)
				goto too_deep;
			d->nsteps++;
			d->off[d->nsteps] = 0;
			d->read = AT_DREAD_ADDR;
			*type = UT_STR;
			return 0;
		}
		if (typed && *type == UT_STR)
			return fail(err, errlen,
				    "member path '%s' is a pointer, not a char *; not a str",
				    d->text);
		d->read = AT_DREAD_8;
		if (!typed)
			*type = UT_PTR;
		else if (utype_info(*type)->bits != 64)
			return fail(err, errlen, "member path '%s' is a pointer, 64 bits, not %s",
				    d->text, utype_name(*type));
		return 0;
	}
	if (go && is_gostring(t) && typed && *type != UT_GOSTR)
		return fail(err, errlen, "member path '%s' is a Go string, not %s; give gostr",
			    d->text, utype_name(*type));
	if (go && is_gostring(t)) {
		/* A Go string: its header where the member is, read to its length. */
		d->read = AT_DREAD_GOSTR;
		*type = UT_GOSTR;
		return 0;
	}
	if (tag == DW_TAG_array_type) {
		e = *t;
		if (type_of(&e, &e) && is_char(&e) && (!typed || *type == UT_STR)) {
			/* A char array: the string is where the member is. */
			d->read = AT_DREAD_ADDR;
			*type = UT_STR;
			return 0;
		}
	}
	if ((tag == DW_TAG_base_type || tag == DW_TAG_enumeration_type) &&
	    (size == 1 || size == 2 || size == 4 || size == 8)) {
		Dwarf_Attribute a;
		Dwarf_Word enc = DW_ATE_signed;
		unsigned lg = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;

		/* An enum's sign is its underlying type's (DWARF 3 on), signed when none is given. */
		if (tag == DW_TAG_enumeration_type && type_of(t, &e) && strip(&e))
			t = &e;
		if (dwarf_attr_integrate(t, DW_AT_encoding, &a))
			dwarf_formudata(&a, &enc);
		if (tag == DW_TAG_base_type && (enc == DW_ATE_float || enc == DW_ATE_complex_float))
			return fail(err, errlen, "member path '%s' is a float, which does not show",
				    d->text);
		d->read = (uint8_t)size;
		if (!typed) {
			*type = ints[enc == DW_ATE_signed || enc == DW_ATE_signed_char][lg];
			return 0;
		}
		if (utype_info(*type)->kind != UK_INT && *type != UT_PTR)
			return fail(err, errlen, "member path '%s' is an integer, not %s", d->text,
				    utype_name(*type));
		if (utype_info(*type)->bits != size * 8)
			return fail(err, errlen, "member path '%s' is %d bits, not %s (%u bits)",
				    d->text, size * 8, utype_name(*type), utype_info(*type)->bits);
		return 0;
	}
	type_name(t, tn, sizeof(tn));
	return fail(err, errlen, "member path '%s' ends at %s; name one of its members or use ptr",
		    d->text, tn);
too_deep:
	return fail(err, errlen, "member path '%s': too many dereferences (at most %d loads)",
		    d->text, USPEC_DEREF_STEPS);
}

/*
 * '[idx]' on the type t of what the chain holds: an array (its address, held)
 * steps to the element; a pointer is loaded (when its address is held) and
 * steps to the idx-th pointee. The chain then holds the element's address.
 */
static int subscript(struct uderef *d, Dwarf_Die *t, bool *addr, unsigned long idx, char *err,
		     size_t errlen)
{
	Dwarf_Word size = 0;
	Dwarf_Die e, sub;
	char tn[80];
	int64_t sum;
	int tag;

	if (!strip(t))
		return fail(err, errlen, "member path '%s': '[%lu]' on a void", d->text, idx);
	tag = dwarf_tag(t);
	if (tag != DW_TAG_array_type && tag != DW_TAG_pointer_type) {
		type_name(t, tn, sizeof(tn));
		return fail(err, errlen,
			    "member path '%s': '[%lu]' on %s, not an array or a pointer", d->text,
			    idx, tn);
	}
	if (!type_of(t, &e) || dwarf_aggregate_size(&e, &size) != 0 || !size || size > INT32_MAX)
		return fail(err, errlen, "member path '%s': '[%lu]' on elements of no known size",
			    d->text, idx);
	if (tag == DW_TAG_array_type) {
		Dwarf_Attribute a;
		Dwarf_Word n = 0;

		if (!*addr)
			return fail(err, errlen,
				    "member path '%s': '[%lu]' on an array not in memory", d->text,
				    idx);
		/* The bound of a one-dimensional array, when DWARF gives it. */
		if (dwarf_child(t, &sub) == 0 && dwarf_tag(&sub) == DW_TAG_subrange_type) {
			bool counted = dwarf_attr(&sub, DW_AT_count, &a) &&
				       dwarf_formudata(&a, &n) == 0;

			if (!counted && dwarf_attr(&sub, DW_AT_upper_bound, &a) &&
			    dwarf_formudata(&a, &n) == 0)
				n++;
			if (n && idx >= n)
				return fail(err, errlen,
					    "member path '%s': index %lu past the array's %llu "
					    "elements",
					    d->text, idx, (unsigned long long)n);
		}
	} else if (*addr) {
		/* The pointer's value is needed: loaded from the address held. */
		if (d->nsteps == USPEC_DEREF_STEPS)
			return fail(err, errlen,
				    "member path '%s': too many dereferences (at most %d loads)",
				    d->text, USPEC_DEREF_STEPS);
		d->nsteps++;
		d->off[d->nsteps] = 0;
	}
	sum = (int64_t)d->off[d->nsteps] + (int64_t)idx * (int64_t)size;
	if (sum > INT32_MAX)
		return fail(err, errlen, "member path '%s': offset past 32 bits", d->text);
	d->off[d->nsteps] = (int32_t)sum;
	*t = e;
	*addr = true;
	return 0;
}

/* One member path's chain and type, from function fn's DWARF. */
static int resolve_one(Dwarf_Die *fn, bool go, struct uspec *u, struct uderef *d, char *err,
		       size_t errlen)
{
	char base[USPEC_PATH_MAX], tn[80];
	const char *p = d->text;
	bool addr = false; /* the chain holds an lvalue's address, not a value */
	size_t n = strcspn(p, "-.[");
	Dwarf_Die t;
	bool argk;

	snprintf(base, sizeof(base), "%.*s", (int)n, p);
	p += n;
	/* argK by position (the parser took K), any other base by the parameter's name. */
	argk = !strncmp(base, "arg", 3) && base[3] &&
	       strspn(base + 3, "0123456789") == strlen(base + 3);
	if (go && argk)
		return fail(err, errlen,
			    "member path '%s': on Go, start from the parameter's name, not %s",
			    d->text, base);
	if (find_param(fn, argk ? NULL : base, d->base, go, &t, &d->base, d->text, err, errlen))
		return -1;
	d->base_reg = go;
	memset(d->off, 0, sizeof(d->off));
	d->nsteps = 0;
	while (*p) {
		bool arrow = p[0] == '-';
		char member[USPEC_PATH_MAX];
		struct suggest sug = { 0 };
		Dwarf_Word off;
		Dwarf_Die m;

		if (p[0] == '[') {
			unsigned long idx = strtoul(p + 1, (char **)&p, 10);

			p++; /* the ']' the parser checked */
			if (subscript(d, &t, &addr, idx, err, errlen))
				return -1;
			continue;
		}
		p += arrow ? 2 : 1;
		n = strcspn(p, "-.[");
		snprintf(member, sizeof(member), "%.*s", (int)n, p);
		p += n;
		if (!strip(&t))
			return fail(err, errlen, "member path '%s': '%s' of a void", d->text,
				    member);
		if (arrow) {
			if (dwarf_tag(&t) != DW_TAG_pointer_type) {
				type_name(&t, tn, sizeof(tn));
				return fail(err, errlen,
					    "member path '%s': '->%s' on %s, not a pointer to a "
					    "struct%s",
					    d->text, member, tn, is_record(&t) ? " (use '.')" : "");
			}
			if (!type_of(&t, &t) || !strip(&t) || !is_record(&t))
				return fail(
					err, errlen,
					"member path '%s': '->%s' through a pointer that is not "
					"to a struct",
					d->text, member);
			/* The pointer's value is needed: loaded when the chain holds its address. */
			if (addr) {
				if (d->nsteps == USPEC_DEREF_STEPS)
					return fail(
						err, errlen,
						"member path '%s': too many dereferences (at most "
						"%d loads)",
						d->text, USPEC_DEREF_STEPS);
				d->nsteps++;
				d->off[d->nsteps] = 0;
			}
		} else if (!is_record(&t) || !addr) {
			type_name(&t, tn, sizeof(tn));
			return fail(err, errlen, "member path '%s': '.%s' on %s, not a struct%s",
				    d->text, member, tn,
				    dwarf_tag(&t) == DW_TAG_pointer_type ? " (use '->')" : "");
		}
		if (dwarf_hasattr(&t, DW_AT_declaration))
			return fail(err, errlen,
				    "member path '%s': %s is only declared in this compile unit",
				    d->text, dwarf_diename(&t) ? dwarf_diename(&t) : "the struct");
		if (!find_member(&t, member, &m, &off, &sug, 0)) {
			type_name(&t, tn, sizeof(tn));
			if (sug.name)
				return fail(err, errlen,
					    "member path '%s': no member '%s' in %s (did you mean "
					    "'%s'?)",
					    d->text, member, tn, sug.name);
			return fail(err, errlen, "member path '%s': no member '%s' in %s", d->text,
				    member, tn);
		}
		if (dwarf_hasattr(&m, DW_AT_bit_size) || dwarf_hasattr(&m, DW_AT_data_bit_offset))
			return fail(err, errlen, "member path '%s': '%s' is a bit-field", d->text,
				    member);
		if ((int64_t)d->off[d->nsteps] + (int64_t)off > INT32_MAX)
			return fail(err, errlen, "member path '%s': offset past 32 bits", d->text);
		d->off[d->nsteps] += (int32_t)off;
		addr = true;
		if (!type_of(&m, &t))
			return fail(err, errlen, "member path '%s': '%s' has no type", d->text,
				    member);
	}
	if (!strip(&t))
		return fail(err, errlen, "member path '%s' is void", d->text);
	return last_member(d, &u->args[d->arg].type, d->typed, go, &t, err, errlen);
}

/*
 * The separate debug file of the ELF file open at fd, by its build id, as
 * Debian's -dbgsym packages install them: ROOT/.build-id/xx/yyyy.debug, ROOT
 * /usr/lib/debug or $AT_DEBUG_DIR. Its path goes to dbg ("" without a build
 * id); its descriptor is returned, or -1.
 */
static int debug_file(int fd, char *dbg, size_t len)
{
	const char *root = getenv("AT_DEBUG_DIR");
	const unsigned char *id;
	size_t n = 0;
	ssize_t idlen;
	Elf *e;
	int dfd = -1;

	dbg[0] = '\0';
	if (elf_version(EV_CURRENT) == EV_NONE || !(e = elf_begin(fd, ELF_C_READ_MMAP, NULL)))
		return -1;
	idlen = dwelf_elf_gnu_build_id(e, (const void **)&id);
	if (idlen > 1 && idlen <= 64) {
		n = (size_t)snprintf(dbg, len, "%s/.build-id/%02x/",
				     root && *root ? root : "/usr/lib/debug", id[0]);
		for (ssize_t i = 1; i < idlen && n < len; i++)
			n += (size_t)snprintf(dbg + n, len - n, "%02x", id[i]);
		if (n < len)
			snprintf(dbg + n, len - n, ".debug");
		dfd = open(dbg, O_RDONLY | O_CLOEXEC);
	}
	elf_end(e);
	return dfd;
}

int uderef_resolve(struct uspec *u, const char *path, const char *func, uint64_t off, char *err,
		   size_t errlen)
{
	const char *text;
	char name[USPEC_NAME_MAX], dbg[PATH_MAX];
	Dwarf_Addr pc;
	Dwarf_Die fn;
	Dwarf *dw;
	int fd, dfd = -1, ret = 0;
	bool go;

	if (u->path_arg < 0)
		return 0;
	text = u->derefs[u->args[u->path_arg].deref - 1].text;
	/* A versioned symbol's DWARF name is the bare one. */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(func, "@"), func);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "member path '%s': %s: %s", text, path, strerror(errno));
	dw = dwarf_begin(fd, DWARF_C_READ);
	/* Stripped: its separate debug file, when one is installed. */
	if (!dw && (dfd = debug_file(fd, dbg, sizeof(dbg))) >= 0)
		dw = dwarf_begin(dfd, DWARF_C_READ);
	if (!dw) {
		if (dbg[0])
			ret = fail(
				err, errlen,
				"member path '%s': no DWARF in %s (built without -g, or stripped, "
				"and no %s%s); use *(argK+OFF)",
				text, path, dbg, dfd >= 0 ? " with DWARF" : "");
		else
			ret = fail(
				err, errlen,
				"member path '%s': no DWARF in %s (built without -g, or stripped); "
				"use *(argK+OFF)",
				text, path);
		goto out_close;
	}
	/* By the probe's address first, then by name. */
	pc = off_to_vaddr(fd, off);
	if (!(pc && func_die_at(dw, pc, &fn)) && !func_die(dw, name, &fn)) {
		ret = fail(err, errlen, "member path '%s': no DWARF for function '%s' in %s", text,
			   name, path);
		goto out_end;
	}
	/* Go's own DWARF: parameters in registers by their words, strings as headers. */
	{
		Dwarf_Die cu;

		go = dwarf_diecu(&fn, &cu, NULL, NULL) && dwarf_srclang(&cu) == DW_LANG_Go;
	}
	for (unsigned i = 0; i < u->nderef && !ret; i++)
		if (u->derefs[i].path)
			ret = resolve_one(&fn, go, u, &u->derefs[i], err, errlen);
	/* A Go string read from memory takes a call record word for its length. */
	if (!ret && go)
		ret = uspec_deref_more(u, err, errlen);
out_end:
	dwarf_end(dw);
out_close:
	if (dfd >= 0)
		close(dfd);
	close(fd);
	return ret;
}
