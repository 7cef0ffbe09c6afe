// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Raw ring-buffer records checked, scrubbed and decoded into struct event. */
#include <string.h>

#include "decode.h"
#include "eval.h"
#include "cgid.h"
#include "ident.h"
#include "podmeta.h"
#include "probes.h"
#include "scrub.h"
#include "syscalls.h"

int decode_kind(const void *data, size_t size)
{
	const struct at_rec_hdr *h = data;

	if (size < sizeof(*h))
		return 0;
	switch (h->type) {
	case AT_REC_SYSCALL:
	case AT_REC_FUNC:
		if (size < offsetof(struct at_call_rec, slot))
			return 0;
		return h->type == AT_REC_SYSCALL ? EV_SYSCALL : EV_CALL;
	case AT_REC_PROC_EXEC:
	case AT_REC_PROC_FORK:
	case AT_REC_PROC_EXIT:
		if (size < sizeof(struct at_proc_rec))
			return 0;
		return h->type == AT_REC_PROC_EXEC ? EV_EXEC :
		       h->type == AT_REC_PROC_FORK ? EV_FORK :
						     EV_EXIT;
	case AT_REC_SIGNAL:
		return size < sizeof(struct at_sig_rec) ? 0 : EV_SIGNAL;
	}
	return 0;
}

const struct probe *decoder__call_probe(const struct decoder *d, const void *data)
{
	const struct at_rec_hdr *h = data;

	return d->sess ? probes__get(d->sess, h->probe_id) : NULL;
}

/* Nanoseconds since the trace began. */
static uint64_t rel_ns(const struct decoder *d, uint64_t ts)
{
	return ts > d->start_ns ? ts - d->start_ns : 0;
}

/*
 * Slot lengths that claim more than the record carries are cut to what
 * arrived; inline lengths are at most AT_STR_MAX (the rest would be the next
 * slot's bytes).
 */
static const struct at_call_rec *checked_call(const void *data, size_t size,
					      struct at_call_rec *copy)
{
	const struct at_call_rec *r = data;
	bool ok = true;

	for (int s = 0; s < AT_SLOTS; s++) {
		if (r->slot_arg[s] != AT_ARG_NONE &&
		    (r->slot_len[s] > AT_STR_MAX ||
		     offsetof(struct at_call_rec, slot[s]) + r->slot_len[s] > size))
			ok = false;
		/* A record no longer than the inline slots has no continuation to claim. */
		if ((r->slot_flags[s] & AT_SF_EXT) && size <= sizeof(*r))
			ok = false;
	}
	if (ok)
		return data;
	memset(copy, 0, sizeof(*copy));
	memcpy(copy, data, size < sizeof(*copy) ? size : sizeof(*copy));
	for (int s = 0; s < AT_SLOTS; s++) {
		size_t start = offsetof(struct at_call_rec, slot[s]);

		if (copy->slot_len[s] > AT_STR_MAX)
			copy->slot_len[s] = AT_STR_MAX;
		if (start + copy->slot_len[s] > size)
			copy->slot_len[s] = size > start ? (__u16)(size - start) : 0;
		if (size <= sizeof(*copy) && (copy->slot_flags[s] & AT_SF_EXT)) {
			copy->slot_flags[s] = (copy->slot_flags[s] & ~AT_SF_EXT) | AT_SF_TRUNC;
			copy->ext_len[s] = 0;
		}
	}
	return copy;
}

/*
 * Each slot's bytes as one piece: the inline part, and its continuation
 * joined to it in sc (only a slot with one is copied). A continuation that
 * claims more than the record carries is cut to what arrived (and the slot
 * flagged cut), and none takes a slot past AT_CAP_MAX.
 */
static void view_slots(const struct at_call_rec *r, const void *data, size_t size,
		       struct decode_scratch *sc, struct slot_view *v)
{
	const char *ext = (const char *)data + sizeof(*r);
	size_t avail = size > sizeof(*r) ? size - sizeof(*r) : 0, used = 0;

	for (int s = 0; s < AT_SLOTS; s++) {
		size_t il = r->slot_len[s] < AT_STR_MAX ? r->slot_len[s] : AT_STR_MAX, n, take;

		v->bytes[s] = r->slot[s];
		v->len[s] = (uint16_t)il;
		v->flags[s] = r->slot_flags[s];
		if (!(r->slot_flags[s] & AT_SF_EXT) || r->slot_arg[s] == AT_ARG_NONE)
			continue;
		take = r->ext_len[s] < avail - used ? r->ext_len[s] : avail - used;
		n = take < AT_CAP_MAX - il ? take : AT_CAP_MAX - il;
		if (n < r->ext_len[s])
			v->flags[s] |= AT_SF_TRUNC;
		memcpy(sc->joined[s], r->slot[s], il);
		memcpy(sc->joined[s] + il, ext + used, n);
		v->bytes[s] = sc->joined[s];
		v->len[s] = (uint16_t)(il + n);
		used += take;
	}
}

/* A probe's scrub rules applied to a copy of the record's captured strings. */
static void scrubbed(const struct probe *p, const struct at_call_rec *r, struct slot_view *v,
		     struct decode_scratch *sc)
{
	if (!p || !p->scrub)
		return;
	for (int i = 0; i < AT_SLOTS; i++) {
		size_t n;

		if (r->slot_arg[i] == AT_ARG_NONE)
			continue;
		/* An INT* slot holds an integer's bytes, not text: kept as it is. */
		if (p->kind == AT_KIND_FUNC && r->slot_arg[i] < p->spec.nargs &&
		    p->spec.args[r->slot_arg[i]].type == UT_REF)
			continue;
		/* view_slots kept every slot within AT_CAP_MAX, the size of the copy. */
		n = shape_scrub(p->scrub | (v->flags[i] & AT_SF_TRUNC ? SHAPE_CUT : 0), v->bytes[i],
				v->len[i] <= AT_CAP_MAX ? v->len[i] : AT_CAP_MAX, sc->scrubbed[i],
				AT_CAP_MAX);
		v->bytes[i] = sc->scrubbed[i];
		v->len[i] = (uint16_t)(n < AT_CAP_MAX ? n : AT_CAP_MAX - 1);
	}
}

/* The record's flags, as an event's. */
static uint16_t event_flags(uint16_t f, const struct slot_view *v)
{
	bool cut = false;

	for (int s = 0; s < AT_SLOTS; s++)
		cut |= (v->flags[s] & AT_SF_TRUNC) != 0;
	return (f & AT_CALL_NORETURN ? EV_NORETURN : 0) |
	       (f & AT_CALL_ENTRY_ONLY ? EV_ENTRY_ONLY : 0) |
	       (f & AT_CALL_RETURN_ONLY ? EV_RETURN_ONLY : 0) |
	       (f & AT_CALL_NO_DUR ? EV_NO_DUR : 0) | (f & AT_CALL_FAILING ? EV_FAILING : 0) |
	       (f & AT_CALL_ARGS_GONE ? EV_ARGS_GONE : 0) | (cut ? EV_TRUNCATED : 0);
}

/* The arguments: registers, and the bytes of the slot that holds each. */
static void fill_args(struct event *ev, const struct at_call_rec *r, const struct slot_view *v,
		      unsigned nargs)
{
	ev->nargs = (uint8_t)(nargs < AT_MAX_ARGS ? nargs : AT_MAX_ARGS);
	for (unsigned i = 0; i < ev->nargs; i++)
		ev->args[i] = (struct event_arg){
			.value = r->args[i],
			.flags = r->dfault & (1u << i) ? EVA_DFAULT : 0,
		};
	/* Slots last to first: an argument two slots claim gets the first one's bytes. */
	for (int s = AT_SLOTS - 1; s >= 0; s--) {
		struct event_arg *a;

		if (r->slot_arg[s] >= ev->nargs)
			continue; /* AT_ARG_NONE, or an argument the event does not show */
		a = &ev->args[r->slot_arg[s]];
		if (a->bytes) {
			/* The later slot is the argument's second part (a msghdr's iovecs). */
			a->aux = a->bytes;
			a->aux_len = a->len;
			a->aux_flags = a->flags & (EVA_TRUNCATED | EVA_FAULTED);
		}
		a->bytes = v->bytes[s];
		a->len = v->len[s] < AT_CAP_MAX ? v->len[s] : AT_CAP_MAX;
		a->flags = (a->flags & EVA_DFAULT) |
			   (v->flags[s] & AT_SF_TRUNC ? EVA_TRUNCATED : 0) |
			   (v->flags[s] & AT_SF_FAULT ? EVA_FAULTED : 0);
	}
}

/* Word k of a call record (args, then Go's more); 0 past them. */
static uint64_t call_word(const struct at_call_rec *r, unsigned k)
{
	if (k < AT_MAX_ARGS)
		return r->args[k];
	return k < AT_CALL_WORDS ? r->more[k - AT_MAX_ARGS] : 0;
}

/* What syscall and function records have in common; the time is the caller's. */
static void call_fields(const struct at_call_rec *r, const struct slot_view *v, struct event *ev)
{
	ev->flags = event_flags(r->flags, v) | (r->xflags & AT_CALLX_NO_ENTRY ? EV_NO_ENTRY : 0);
	ev->pid = r->hdr.pid;
	ev->tid = r->hdr.tid;
	ev->dur_ns = r->hdr.ts_ns - r->enter_ns;
	ev->ident = NULL;
	ev->pod = NULL;
	ev->exe = NULL;
	ev->fds = NULL;
	ev->ret = r->ret;
	memcpy(ev->ret_more, r->ret_more, sizeof(ev->ret_more));
	ev->err = at_is_err(r->ret) ? (int)-r->ret : 0;
	ev->frames = NULL;
	ev->nframes = 0;
	ev->stack_lost = false;
}

/* A record's slots as they are inline, for a record without continuations. */
static void inline_view(const struct at_call_rec *r, struct slot_view *v)
{
	for (int s = 0; s < AT_SLOTS; s++) {
		v->bytes[s] = r->slot[s];
		v->len[s] = r->slot_len[s] < AT_STR_MAX ? r->slot_len[s] : AT_STR_MAX;
		v->flags[s] = r->slot_flags[s] & ~AT_SF_EXT;
	}
}

static void syscall_rec(const struct at_call_rec *r, const struct slot_view *v, struct event *ev)
{
	ev->kind = EV_SYSCALL;
	call_fields(r, v, ev);
	ev->ts_ns = r->enter_ns;
	ev->label = NULL;
	ev->probe_id = AT_PROBE_SYSCALLS;
	ev->probe = NULL;
	ev->nr = r->nr;
	ev->sys = syscall_desc_of(r->nr);
	ev->name = ev->sys ? ev->sys->name : syscall_name(r->nr, ev->name_buf);
	/* Unknown to the table: the six registers, as strace shows unknown calls. */
	fill_args(ev, r, v, ev->sys ? ev->sys->nargs : AT_MAX_ARGS);
	for (unsigned i = 0; i < ev->nargs; i++) {
		ev->args[i].name = ev->sys ? ev->sys->argname[i] : NULL;
		ev->args[i].type = ev->sys ? ev->sys->arg[i] : ARG_HEX;
	}
}

const struct probe *decoder__probe(const struct decoder *d, const void *data)
{
	const struct at_call_rec *r = data;
	const struct probe *p;

	if (r->hdr.type == AT_REC_FUNC)
		return decoder__call_probe(d, data);
	/* A probe-file syscall probe: its label and scrub rules; -e syscalls have neither. */
	if (!(r->flags & AT_CALL_SYS_PROBE) || !d->sess)
		return NULL;
	p = probes__get(d->sess, r->hdr.probe_id);
	return p && p->label[0] ? p : NULL;
}

void decode_syscall_rec(const struct at_call_rec *r, struct event *ev)
{
	struct slot_view v;

	inline_view(r, &v);
	syscall_rec(r, &v, ev);
}

static void decode_syscall(const struct decoder *d, const struct at_call_rec *r,
			   struct slot_view *v, struct decode_scratch *sc, struct event *ev)
{
	const struct probe *p = decoder__probe(d, r);

	scrubbed(p, r, v, sc);
	syscall_rec(r, v, ev);
	ev->ts_ns = rel_ns(d, r->enter_ns);
	if (d->no_dur && !p)
		ev->flags |= EV_NO_DUR;
	if (p) {
		ev->label = p->label;
		ev->probe_id = p->id;
		ev->probe = p;
	}
}

static void decode_func(const struct decoder *d, const struct probe *p, const struct at_call_rec *r,
			struct slot_view *v, struct decode_scratch *sc, struct event *ev)
{
	scrubbed(p, r, v, sc);
	ev->kind = EV_CALL;
	call_fields(r, v, ev);
	/* '@return' with arguments: a call probe whose record is stamped at return. */
	ev->ts_ns = rel_ns(d, p->spec.stamp_return ? r->hdr.ts_ns : r->enter_ns);
	ev->label = p->label[0] ? p->label : NULL;
	ev->probe_id = p->id;
	ev->probe = p;
	ev->name = p->name;
	ev->sys = NULL;
	/* A return-only record has no arguments. */
	fill_args(ev, r, v, r->flags & AT_CALL_RETURN_ONLY ? 0 : p->spec.nargs);
	for (unsigned i = 0; i < ev->nargs; i++) {
		ev->args[i].name = p->spec.args[i].name;
		ev->args[i].type = p->spec.args[i].type;
		ev->args[i].ref = p->spec.args[i].ref;
		/* A dereference's string or bytes that could not be read: a fault at that address. */
		if (p->spec.args[i].deref && (ev->args[i].flags & EVA_FAULTED))
			ev->args[i].flags |= EVA_DFAULT;
		/* A slice's or an interface's other words (a Go string's length is its bytes'). */
		if (ev->args[i].type != UT_GOBYTES && ev->args[i].type != UT_GOIFACE)
			continue;
		for (unsigned j = 0; j < 2; j++)
			ev->args[i].more[j] = call_word(r, uspec_go_word(&p->spec, i, j));
	}
}

static void decode_proc(const struct decoder *d, const struct at_proc_rec *r, int kind,
			struct event *ev)
{
	size_t n = strnlen(r->comm, sizeof(r->comm));

	ev->kind = (uint8_t)kind;
	ev->flags = 0;
	ev->nargs = 0;
	ev->pid = r->hdr.pid;
	ev->tid = r->hdr.tid;
	ev->ts_ns = rel_ns(d, r->hdr.ts_ns);
	ev->ppid = r->ppid;
	ev->exit_code = r->exit_code;
	ev->ident = NULL;
	ev->pod = NULL;
	ev->exe = NULL;
	_Static_assert(sizeof(r->comm) < sizeof(ev->comm), "a command name and a NUL fit");
	memcpy(ev->comm, r->comm, n);
	ev->comm[n] = '\0';
}

static void decode_signal(const struct decoder *d, const struct at_sig_rec *r, struct event *ev)
{
	ev->kind = EV_SIGNAL;
	ev->flags = 0;
	ev->nargs = 0;
	ev->pid = r->hdr.pid;
	ev->tid = r->hdr.tid;
	ev->ts_ns = rel_ns(d, r->hdr.ts_ns);
	ev->label = NULL;
	ev->ident = NULL;
	ev->pod = NULL;
	ev->exe = NULL;
	ev->signo = r->signo;
	ev->sig_errno = r->err;
	ev->sig_code = r->code;
	memcpy(ev->sig_fields, r->fields, sizeof(ev->sig_fields));
}

int decoder__decode(const struct decoder *d, const void *data, size_t size,
		    struct decode_scratch *scratch, struct event *ev)
{
	int kind = decode_kind(data, size);
	const struct at_call_rec *r;
	const struct probe *p;
	struct slot_view v;

	switch (kind) {
	case EV_SYSCALL:
		r = checked_call(data, size, &scratch->checked);
		view_slots(r, data, size, scratch, &v);
		decode_syscall(d, r, &v, scratch, ev);
		break;
	case EV_CALL:
		if (!(p = decoder__call_probe(d, data)))
			return 0;
		r = checked_call(data, size, &scratch->checked);
		view_slots(r, data, size, scratch, &v);
		decode_func(d, p, r, &v, scratch, ev);
		break;
	case EV_EXEC:
	case EV_FORK:
	case EV_EXIT:
		decode_proc(d, data, kind, ev);
		break;
	case EV_SIGNAL:
		decode_signal(d, data, ev);
		break;
	}
	if (!kind)
		return kind;
	/* A pid that forks or execs may be a new process whose old one's exit went unseen. */
	if (d->ident && (kind == EV_FORK || kind == EV_EXEC))
		ident_cache__renew(d->ident, ev->pid);
	/*
	 * The cgroup the record was made in first: it is known after the process
	 * is gone. Its v2 path may name no container where the v1 lines do (a
	 * hybrid layout's bare "/"): then the process's, by pid.
	 */
	if (d->cgid)
		ev->ident = cgid_cache__get(d->cgid, ((const struct at_rec_hdr *)data)->cgroup_id,
					    ev->pid);
	/*
	 * The process's entry when the executable's path is wanted (it is kept
	 * there), else only when the cgroup named no container.
	 */
	if (d->ident && (d->want_exe || !ev->ident)) {
		const struct cgroup_ident *pi = ident_cache__get(
			d->ident, ev->pid, ((const struct at_rec_hdr *)data)->ts_ns);

		if (!ev->ident)
			ev->ident = pi;
		if (d->want_exe)
			ev->exe = ident_cache__exe(d->ident, ev->pid);
	}
	if (ev->ident && d->pods)
		ev->pod = podmeta_cache__get(d->pods, ev->ident);
	return kind;
}
