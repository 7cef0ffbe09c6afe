// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target for dereference ARGs: handle() takes a pointer to a struct of a
 * known layout (offsets below, checked at compile time) that points to
 * another. "deref N" calls it N times with known values (id 100 + i, the
 * query "select i"), then once with no conn (a NULL in the chain) and
 * checks every result, so any harm shows in its exit status.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

struct conn {
	int fd;	       /* 0 */
	char *query;   /* 8 */
	char name[16]; /* 16 */
	long served;   /* 32 */
};

typedef struct conn conn_t;

enum state { IDLE, BUSY = 3 };

struct req {
	char *path;	   /* 0 */
	char method[8];	   /* 8 */
	long id;	   /* 16 */
	struct conn *conn; /* 24 */
	short port;	   /* 32 */
	unsigned char ok;  /* 34 */
	enum state state;  /* 36 */
	struct {
		int hits;	     /* 40 */
		unsigned short code; /* 44 */
	} stats;
	union {
		long raw;	  /* 48 */
		unsigned int low; /* 48, an anonymous union's member */
	};
	const conn_t *alt; /* 56, through a typedef and a qualifier */
	unsigned flag : 1; /* 64, a bit-field */
	int codes[4];	   /* 68 */
	struct conn *pool; /* 88, an array of two */
};

_Static_assert(offsetof(struct conn, query) == 8, "conn layout");
_Static_assert(offsetof(struct conn, name) == 16, "conn layout");
_Static_assert(offsetof(struct conn, served) == 32, "conn layout");
_Static_assert(offsetof(struct req, method) == 8, "req layout");
_Static_assert(offsetof(struct req, id) == 16, "req layout");
_Static_assert(offsetof(struct req, conn) == 24, "req layout");
_Static_assert(offsetof(struct req, port) == 32, "req layout");
_Static_assert(offsetof(struct req, state) == 36, "req layout");
_Static_assert(offsetof(struct req, stats.code) == 44, "req layout");
_Static_assert(offsetof(struct req, low) == 48, "req layout");
_Static_assert(offsetof(struct req, alt) == 56, "req layout");
_Static_assert(offsetof(struct req, codes) == 68, "req layout");
_Static_assert(offsetof(struct req, pool) == 88, "req layout");
_Static_assert(sizeof(struct conn) == 40, "conn layout");

__attribute__((noinline)) long handle(struct req *req, int n)
{
	long r = req->id + n;

	if (req->conn) {
		req->conn->served++;
		r += req->conn->fd;
	}
	return r;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	struct conn c = { .fd = 7, .name = "primary" };
	struct conn pool[2] = { { .fd = 8, .name = "pool0" }, { .fd = 9, .name = "pool1" } };
	struct req q = { .path = "/api/items",
			 .method = "GET",
			 .conn = &c,
			 .port = -443,
			 .state = BUSY,
			 .stats = { 5, 200 },
			 .raw = 0x1122334455667788,
			 .alt = &c,
			 .flag = 1,
			 .codes = { 10, 20, 30, 40 },
			 .pool = pool };
	char query[32];

	for (int i = 0; i < n; i++) {
		snprintf(query, sizeof(query), "select %d", i);
		c.query = query;
		q.id = 100 + i;
		if (handle(&q, i) != 100 + i + i + 7) {
			fprintf(stderr, "deref: wrong result at %d\n", i);
			return 1;
		}
	}
	if (c.served != n) {
		fprintf(stderr, "deref: served %ld, not %d\n", c.served, n);
		return 1;
	}
	/* A NULL in the chain: req->conn->query cannot be read. */
	q.conn = NULL;
	q.id = 1;
	if (handle(&q, 2) != 3) {
		fprintf(stderr, "deref: wrong result without conn\n");
		return 1;
	}
	return 0;
}
