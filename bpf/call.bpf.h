/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What syscall and function probes share: the traced-process filter, reading
 * strings and buffers from the caller into a record's slots, and sending it.
 */
#ifndef AT_CALL_BPF_H
#define AT_CALL_BPF_H

#include "record.h"
#include "maps.bpf.h"

/* Capture limit per slot (-s), below AT_STR_MAX; set by the loader. */
const volatile __u32 str_max = 64;

/*
 * Traced processes by tgid: the set itself, filled by the loader, extended at
 * fork with -f, shrunk at exit. Its emptiness ends the trace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps");

/*
 * The same set as one bit per possible tgid, for the filter every probe runs
 * first: a bit test costs a few ns where a hash lookup measured about 70 ns
 * per syscall here. Mapped by the loader, which sets bits for the pids it adds.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_pid_bits);
} traced_bits SEC(".maps");

static __always_inline __u64 *pid_word(__u32 tgid)
{
	__u32 zero = 0;
	struct at_pid_bits *b = bpf_map_lookup_elem(&traced_bits, &zero);

	return b ? &b->w[(tgid / 64) & (AT_PID_WORDS - 1)] : NULL;
}

static __always_inline bool is_traced(__u32 tgid)
{
	__u64 *w = pid_word(tgid);

	return w && (*w & (1ULL << (tgid % 64)));
}

/* Adds tgid to or removes it from the bitmap (the hash map is updated apart). */
static __always_inline void mark_traced(__u32 tgid, bool on)
{
	__u64 *w = pid_word(tgid);

	if (!w)
		return;
	if (on)
		__sync_fetch_and_or(w, 1ULL << (tgid % 64));
	else
		__sync_fetch_and_and(w, ~(1ULL << (tgid % 64)));
}

/*
 * Reads slot i from the pointer in argument arg: a NUL-terminated string, or
 * want bytes of a buffer. Cut and unreadable captures are flagged.
 */
static __always_inline void capture(struct at_call_rec *rec, int i, bool is_str, __u8 arg,
				    __u64 want)
{
	const void *ptr;
	long n;

	if (arg > 5)
		return;
	ptr = (const void *)rec->args[arg];
	rec->slot_arg[i] = arg;
	if (!ptr) {
		rec->slot_len[i] = 0;
		return;
	}
	if (is_str) {
		/*
		 * Room for str_max bytes, the NUL and one more: a string of exactly
		 * str_max bytes returns str_max + 1, a longer one str_max + 2.
		 * The loader keeps str_max + 2 <= AT_STR_MAX.
		 */
		__u32 sz = str_max + 2;

		if (sz > AT_STR_MAX)
			sz = AT_STR_MAX;
		n = bpf_probe_read_user_str(rec->slot[i], sz, ptr);
		if (n <= 0) {
			rec->flags |= AT_CALL_FAULT0 << i;
			n = 1;
		} else if (n > str_max + 1) {
			rec->flags |= AT_CALL_TRUNC0 << i;
		}
		rec->slot_len[i] = n - 1 > str_max ? str_max : n - 1;
		return;
	}
	n = want > str_max ? str_max : want;
	if (want > str_max)
		rec->flags |= AT_CALL_TRUNC0 << i;
	n &= AT_STR_MAX - 1;
	if (bpf_probe_read_user(rec->slot[i], n, ptr)) {
		rec->flags |= AT_CALL_FAULT0 << i;
		n = 0;
	}
	rec->slot_len[i] = n;
}

/* Sends the record; only the used part of the last slot goes out. */
static __always_inline void emit(struct at_call_rec *rec)
{
	__u64 size;
	int last = rec->slot_arg[1] != 0xff ? 1 : 0;

	if (rec->slot_arg[last] == 0xff)
		size = offsetof(struct at_call_rec, slot);
	else
		size = offsetof(struct at_call_rec, slot) + last * AT_STR_MAX +
		       (rec->slot_len[last] & (AT_STR_MAX - 1));
	if (size > sizeof(*rec))
		return;
	rb_output(rec, size, false);
}

/* Adds one call to a statistics entry. */
static __always_inline void stat_add(struct at_stat *st, bool failed, __u64 dur)
{
	st->count++;
	if (failed)
		st->errors++;
	st->total_ns += dur;
	if (dur > st->max_ns)
		st->max_ns = dur;
	st->hist[at_hist_bucket(dur) & (AT_HIST_BUCKETS - 1)]++;
}

#endif /* AT_CALL_BPF_H */
