// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The per-process identity cache: keyed by pid and start time, bounded, clock eviction. */
/*
 * Records carry a pid and no more, so the writer thread reads a process's
 * cgroup the first time one of its records is decoded and keeps the answer
 * until the process's exit record. The start time (/proc/PID/stat field 22)
 * is what tells two processes of one pid apart: a fork or exec record whose
 * pid has an entry of another start time means an exit went unseen, and a
 * record older than the process now holding its pid is not that process's
 * (the writer decodes late; a short-lived process may be gone and its pid
 * reused). Entries live in one array with hash chains by pid; when the
 * array is full the clock hand evicts the first entry not used since it
 * last passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ident.h"
#include "proc.h"

#define NIL UINT32_MAX
/* /proc/PID/cgroup is a few hundred bytes; a longer one is read this far, in whole lines. */
#define CGROUP_READ_MAX (16u << 10)
/* Up to field 22 of /proc/PID/stat: 21 numbers and a command of 16 bytes at most fit. */
#define STAT_READ_MAX 1024u

struct ident_entry {
	struct cgroup_ident id; /* the answer: empty on the host and when unknown */
	uint64_t start;		/* start time in clock ticks since boot; 0 when unknown */
	uint32_t pid;		/* the key, with start */
	uint32_t next;		/* the next entry of the hash chain, or of the free list */
	char *exe;     /* /proc/PID/exe's target (malloc'd), NULL when not read or unreadable */
	bool exe_read; /* exe was read since the entry was made or the process exec'ed */
	bool used;     /* holds a process */
	bool ref;      /* used since the clock hand last passed */
	bool known;    /* /proc was read: id is the answer (else: gone when looked up) */
};

struct ident_cache {
	char *proc_root;
	uint64_t boot_minus_mono_ns; /* the options' (clock_fixed), else measured at each look-up */
	bool clock_fixed;
	uint64_t tick_ns; /* nanoseconds in a clock tick (stat's unit) */
	struct ident_entry *e;
	uint32_t *bucket; /* nbucket chain heads */
	uint32_t nbucket; /* a power of two, at least max */
	uint32_t max;	  /* entries at most */
	uint32_t top;	  /* entries ever used: e[top..max) never were */
	uint32_t free;	  /* released entries, chained by next */
	uint32_t hand;	  /* the clock hand */
	struct ident_stats st;
	char buf[CGROUP_READ_MAX];
};

static uint32_t hash(const struct ident_cache *c, uint32_t pid)
{
	return (uint32_t)(pid * 2654435761u) & (c->nbucket - 1);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct ident_cache *ident_cache__new(const struct ident_opts *opts)
{
	struct ident_opts o = opts ? *opts : (struct ident_opts){ 0 };
	struct ident_cache *c = calloc(1, sizeof(*c));
	long hz = sysconf(_SC_CLK_TCK);

	if (!c)
		return NULL;
	c->max = o.max_entries ? o.max_entries : IDENT_MAX_DEFAULT;
	for (c->nbucket = 1; c->nbucket < c->max && c->nbucket < (1u << 31);)
		c->nbucket <<= 1;
	c->proc_root = strdup(o.proc_root ? o.proc_root : "/proc");
	c->e = calloc(c->max, sizeof(*c->e));
	c->bucket = malloc(c->nbucket * sizeof(*c->bucket));
	if (!c->proc_root || !c->e || !c->bucket) {
		ident_cache__free(c);
		errno = ENOMEM;
		return NULL;
	}
	memset(c->bucket, 0xff, c->nbucket * sizeof(*c->bucket));
	c->free = NIL;
	c->tick_ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	c->boot_minus_mono_ns = o.boot_minus_mono_ns;
	c->clock_fixed = o.clock_fixed;
	c->st.max = c->max;
	return c;
}

void ident_cache__free(struct ident_cache *c)
{
	if (!c)
		return;
	free(c->proc_root);
	for (uint32_t i = 0; c->e && i < c->top; i++)
		free(c->e[i].exe);
	free(c->e);
	free(c->bucket);
	free(c);
}

/* CLOCK_BOOTTIME less CLOCK_MONOTONIC now: it grows with each suspend, so it is read each time. */
static uint64_t boot_minus_mono(const struct ident_cache *c)
{
	uint64_t mono, boot;

	if (c->clock_fixed)
		return c->boot_minus_mono_ns;
	mono = clock_ns(CLOCK_MONOTONIC);
	boot = clock_ns(CLOCK_BOOTTIME);
	return boot > mono ? boot - mono : 0;
}

/* Reads up to size bytes of PROC/PID/name into buf. Bytes read, or -errno. */
static ssize_t read_proc(const struct ident_cache *c, uint32_t pid, const char *name, char *buf,
			 size_t size)
{
	char path[4096 + 64];
	size_t n = 0;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%u/%s", c->proc_root, pid, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < size) {
		ssize_t r = read(fd, buf + n, size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	return (ssize_t)n;
}

/* The start time of pid (field 22 of its stat, clock ticks since boot). 0, or -errno. */
static int read_start(const struct ident_cache *c, uint32_t pid, uint64_t *start)
{
	char b[STAT_READ_MAX + 1];
	ssize_t n = read_proc(c, pid, "stat", b, STAT_READ_MAX);

	if (n < 0)
		return (int)n;
	b[n] = '\0';
	return proc_stat_start(b, start);
}

static struct ident_entry *find(const struct ident_cache *c, uint32_t pid)
{
	for (uint32_t i = c->bucket[hash(c, pid)]; i != NIL; i = c->e[i].next)
		if (c->e[i].pid == pid)
			return &c->e[i];
	return NULL;
}

/* Takes entry i out of its chain and onto the free list. */
static void drop(struct ident_cache *c, uint32_t i)
{
	uint32_t *link = &c->bucket[hash(c, c->e[i].pid)];

	while (*link != i)
		link = &c->e[*link].next;
	*link = c->e[i].next;
	free(c->e[i].exe);
	c->e[i] = (struct ident_entry){ .next = c->free };
	c->free = i;
	c->st.entries--;
}

/* A free entry: a released one, one never used, or the clock's victim. */
static uint32_t take(struct ident_cache *c)
{
	uint32_t i;

	if (c->free == NIL && c->top < c->max)
		return c->top++;
	if (c->free == NIL) {
		/* Every entry used: each one used since the last pass gets one more pass. */
		while (c->e[c->hand].ref) {
			c->e[c->hand].ref = false;
			c->hand = (c->hand + 1) % c->max;
		}
		drop(c, c->hand);
		c->hand = (c->hand + 1) % c->max;
		c->st.evictions++;
	}
	i = c->free;
	c->free = c->e[i].next;
	return i;
}

static struct ident_entry *insert(struct ident_cache *c, uint32_t pid, uint64_t start, bool known)
{
	uint32_t i = take(c), *head = &c->bucket[hash(c, pid)];
	struct ident_entry *e = &c->e[i];

	*e = (struct ident_entry){
		.start = start, .pid = pid, .next = *head, .used = true, .ref = true, .known = known
	};
	*head = i;
	c->st.entries++;
	return e;
}

static const struct cgroup_ident *answer(const struct ident_entry *e)
{
	return e->known && (e->id.id[0] || e->id.pod_uid[0]) ? &e->id : NULL;
}

const struct cgroup_ident *ident_cache__get(struct ident_cache *c, uint32_t pid, uint64_t ts_ns)
{
	struct ident_entry *e = find(c, pid);
	uint64_t start;
	ssize_t n;

	if (e) {
		e->ref = true;
		c->st.hits++;
		return answer(e);
	}
	c->st.lookups++;
	if (read_start(c, pid, &start)) {
		c->st.failed++;
		insert(c, pid, 0, false);
		return NULL;
	}
	/*
	 * Started after the record: the record's process is gone and its pid
	 * taken. Ticks round the start down, so a process is never newer than
	 * its own records.
	 */
	if (start * c->tick_ns > ts_ns + boot_minus_mono(c)) {
		c->st.newer++;
		return NULL;
	}
	n = read_proc(c, pid, "cgroup", c->buf, sizeof(c->buf));
	if (n < 0) {
		c->st.failed++;
		insert(c, pid, 0, false);
		return NULL;
	}
	/* Cut at the read's end: the last whole line only, so no path is taken half. */
	if ((size_t)n == sizeof(c->buf)) {
		char *nl = memrchr(c->buf, '\n', (size_t)n);

		n = nl ? nl - c->buf : 0;
	}
	e = insert(c, pid, start, true);
	cgroup_parse(c->buf, (size_t)n, &e->id);
	return answer(e);
}

const char *ident_cache__exe(struct ident_cache *c, uint32_t pid)
{
	struct ident_entry *e = find(c, pid);
	char path[4096 + 64], target[4096];
	ssize_t n;

	if (!e || !e->known)
		return NULL;
	if (e->exe_read)
		return e->exe;
	e->exe_read = true;
	if (snprintf(path, sizeof(path), "%s/%u/exe", c->proc_root, pid) >= (int)sizeof(path))
		return NULL;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	e->exe = strndup(target, (size_t)n);
	return e->exe;
}

void ident_cache__renew(struct ident_cache *c, uint32_t pid)
{
	struct ident_entry *e = find(c, pid);
	uint64_t start;

	if (!e)
		return;
	/* An exec changes the executable, not the start time: read it again when asked. */
	free(e->exe);
	e->exe = NULL;
	e->exe_read = false;
	if (e->known && !read_start(c, pid, &start) && start == e->start)
		return;
	if (e->known)
		c->st.reused++;
	drop(c, (uint32_t)(e - c->e));
}

void ident_cache__release(struct ident_cache *c, uint32_t pid)
{
	struct ident_entry *e = find(c, pid);

	if (!e)
		return;
	drop(c, (uint32_t)(e - c->e));
	c->st.released++;
}

#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Field by field: a scrape on another thread reads them while the writer adds. */
void ident_cache__stats(const struct ident_cache *c, struct ident_stats *st)
{
	const struct ident_stats *s = &c->st;

	*st = (struct ident_stats){ .hits = LD(s->hits),
				    .lookups = LD(s->lookups),
				    .failed = LD(s->failed),
				    .newer = LD(s->newer),
				    .reused = LD(s->reused),
				    .evictions = LD(s->evictions),
				    .released = LD(s->released),
				    .entries = LD(s->entries),
				    .max = LD(s->max) };
}

int ident_host_pidns(void)
{
	/* PROC_PID_INIT_INO (include/linux/proc_ns.h): the initial pid namespace's inode. */
	static const char init[] = "pid:[4026531836]";
	char link[64];
	ssize_t n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1);

	if (n < 0)
		return -errno;
	link[n] = '\0';
	return strcmp(link, init) ? -EXDEV : 0;
}

void ident_counters_read(const struct ident_cache *p, const struct cgid_cache *c,
			 const struct podmeta_cache *m, struct ident_counters *out)
{
	*out = (struct ident_counters){ .has_proc = p, .has_cgid = c, .has_pod = m };
	if (p)
		ident_cache__stats(p, &out->proc);
	if (c)
		cgid_cache__stats(c, &out->cgid);
	if (m)
		podmeta_cache__stats(m, &out->pod);
}
