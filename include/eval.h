/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Code both sides run, so the kernel and userspace (and the unit tests)
 * compute the same thing: errors, integer comparisons at a type's width,
 * the filter machine. Bounded loops only: the verifier accepts it as it is.
 */
#ifndef AT_EVAL_H
#define AT_EVAL_H

#include "record.h"
#include "spec.h"

/* Return values in [-AT_MAX_ERRNO, -1] are errors (the kernel's MAX_ERRNO). */
#define AT_MAX_ERRNO 4095
/* A syscall return value that is a negative errno. */
static inline __attribute__((always_inline)) int at_is_err(__s64 ret)
{
	return ret < 0 && ret >= -AT_MAX_ERRNO;
}

/*
 * op (enum at_cmp; enum at_fail_op has the same values) on raw taken at the
 * width and signedness of its type, against val. The kernel's filters and
 * failing predicates use it, and userspace the same (uspec_failed).
 */
static inline __attribute__((always_inline)) int at_cmp_int(__u8 op, int is_signed, __u8 bits,
							    __u64 raw, __s64 val)
{
	__u32 shift = 64 - (bits & 127);
	__s64 sv;

	if (shift >= 64)
		shift = 0;
	sv = (__s64)(raw << shift) >> shift;
	raw = (raw << shift) >> shift;
	if (is_signed) {
		switch (op) {
		case AT_CMP_EQ:
			return sv == val;
		case AT_CMP_NE:
			return sv != val;
		case AT_CMP_LT:
			return sv < val;
		case AT_CMP_LE:
			return sv <= val;
		case AT_CMP_GT:
			return sv > val;
		case AT_CMP_GE:
			return sv >= val;
		}
		return 0;
	}
	switch (op) {
	case AT_CMP_EQ:
		return raw == (__u64)val;
	case AT_CMP_NE:
		return raw != (__u64)val;
	case AT_CMP_LT:
		return raw < (__u64)val;
	case AT_CMP_LE:
		return raw <= (__u64)val;
	case AT_CMP_GT:
		return raw > (__u64)val;
	case AT_CMP_GE:
		return raw >= (__u64)val;
	}
	return 0;
}

/*
 * A condition's or a filter's third answer besides true and false: a string
 * comparison whose subject could not be read. Neither equal nor different is
 * known then; the probe's on_unreadable decides, and the hit is counted.
 */
#define AT_UNKNOWN 2

/* at_filter_run()'s cond_bits: condition i true, or its value unknown (AT_UNKNOWN). */
#define AT_COND_TRUE(i) (1u << (i))
#define AT_COND_UNKNOWN(i) (1u << (AT_FILTER_CONDS + (i)))

/*
 * Runs a filter's postfix program over its conditions' results (cond_bits:
 * AT_COND_TRUE and AT_COND_UNKNOWN of each): 1, 0 or AT_UNKNOWN. No filter
 * matches everything.
 *
 * The program runs in three-valued (Kleene) logic, a known bit beside each
 * value bit on the stack: false and unknown is false, true or unknown is
 * true, not unknown is unknown. So a verdict an unreadable string cannot
 * change stands (pid == 1 and path == "/x" is false for pid 2 whatever the
 * path), and only a verdict that depends on it is AT_UNKNOWN.
 */
static inline __attribute__((always_inline)) int at_filter_run(const struct at_filter *f,
							       __u32 cond_bits)
{
	__u32 bits = cond_bits & (AT_COND_TRUE(AT_FILTER_CONDS) - 1);
	__u32 unknown = cond_bits >> AT_FILTER_CONDS, st = 0, kn = 0;

	if (!f->ncode)
		return 1;
	for (int i = 0; i < AT_FILTER_CODE; i++) {
		__u32 a, b, ka, kb, v, k;
		__u8 op;

		if (i >= f->ncode)
			break;
		op = f->code[i];
		if (op & AT_FOP_COND) {
			__u32 c = op & (AT_FILTER_CONDS - 1);

			st = (st << 1) | ((bits >> c) & 1);
			kn = (kn << 1) | (~(unknown >> c) & 1);
			continue;
		}
		if (op == AT_FOP_NOT) {
			st ^= 1;
			continue;
		}
		/* A value bit counts only where its known bit is set. */
		b = st & kn & 1, a = (st & kn) >> 1 & 1;
		kb = kn & 1, ka = kn >> 1 & 1;
		if (op == AT_FOP_AND) {
			v = a & b;
			k = (ka & kb) | (ka & !a) | (kb & !b);
		} else {
			v = a | b;
			k = (ka & kb) | a | b;
		}
		st = (st >> 2) << 1 | v;
		kn = (kn >> 2) << 1 | k;
	}
	return kn & 1 ? st & 1 : AT_UNKNOWN;
}

#endif /* AT_EVAL_H */
