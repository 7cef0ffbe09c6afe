// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /proc/PID/maps parsed into the file mappings an address is looked up in. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps.h"

void maps_free(struct maps *m)
{
	free(m->v);
	free(m->names);
	memset(m, 0, sizeof(*m));
}

/*
 * One line: "start-end perms offset major:minor inode   path". 1 with the
 * mapping in *v and the path's start and length, 0 for an anonymous one,
 * -EINVAL for a line that is not of that form.
 */
static int parse_line(const char *line, size_t len, struct vma *v, size_t *path_at,
		      size_t *path_len)
{
	unsigned long long start, end, pgoff, ino;
	unsigned major, minor;
	char perms[5];
	int used = 0;
	char buf[128];
	size_t i;

	/* sscanf wants a NUL: the fields before the path fit in buf. */
	memcpy(buf, line, len < sizeof(buf) - 1 ? len : sizeof(buf) - 1);
	buf[len < sizeof(buf) - 1 ? len : sizeof(buf) - 1] = '\0';
	if (sscanf(buf, "%llx-%llx %4s %llx %x:%x %llu%n", &start, &end, perms, &pgoff, &major,
		   &minor, &ino, &used) != 7 ||
	    start > end)
		return -EINVAL;
	for (i = (size_t)used; i < len && line[i] == ' '; i++)
		;
	if (i == len)
		return 0;
	*v = (struct vma){ .start = start,
			   .end = end,
			   .pgoff = pgoff,
			   .ino = ino,
			   .dev = major << 20 | minor,
			   .exec = perms[2] == 'x' };
	*path_at = i;
	*path_len = len - i;
	return 1;
}

int maps_parse(const char *text, size_t len, struct maps *m)
{
	size_t lines = 0, cap_v, nlen = 0;
	const char *p = text, *end = text + len;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	cap_v = lines + 1;
	m->v = calloc(cap_v, sizeof(*m->v));
	m->names = malloc(len + 1);
	if (!m->v || !m->names)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), at, plen;
		struct vma v;
		int r;

		if (n) {
			r = parse_line(p, n, &v, &at, &plen);
			if (r < 0)
				return r;
			if (r && m->n < cap_v) {
				memcpy(m->names + nlen, p + at, plen);
				m->names[nlen + plen] = '\0';
				v.path = (const char *)(uintptr_t)
					nlen; /* an offset until names is done */
				m->v[m->n++] = v;
				nlen += plen + 1;
			}
		}
		p += n + 1;
	}
	for (size_t i = 0; i < m->n; i++)
		m->v[i].path = m->names + (uintptr_t)m->v[i].path;
	return 0;
}

int maps_read(uint32_t pid, struct maps *m)
{
	char path[64], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, err;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 16384);

			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	/* A process gone between open and read leaves an empty file. */
	err = len ? maps_parse(buf, len, m) : -ENOENT;
out:
	close(fd);
	free(buf);
	if (err)
		maps_free(m);
	return err;
}

const struct vma *maps_find(const struct maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}
