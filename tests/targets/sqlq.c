// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target that prepares known SQL statements through libsqlite3, for the
 * aggregate tests: each statement text its own buffer (nbyte -1), so the
 * sql argument of sqlite3_prepare_v2 is that statement alone.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Prepares (and runs) one statement; returns sqlite3_prepare_v2's code. */
static int run(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
	}
	return rc;
}

/*
 * CREATE users once; SELECT ... id = ? five times; INSERT INTO logs
 * VALUES (?) three times, the first failing (no such table yet); CREATE
 * logs once, between them. 0 when every statement did as it should.
 */
static int shapes(void)
{
	char sql[128];
	sqlite3 *db;
	int bad = 0;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	bad |= run(db, "CREATE TABLE users(id INTEGER, name TEXT)") != SQLITE_OK;
	for (int i = 1; i <= 5; i++) {
		snprintf(sql, sizeof(sql), "SELECT name FROM users WHERE id = %d", i);
		bad |= run(db, sql) != SQLITE_OK;
	}
	bad |= run(db, "INSERT INTO logs VALUES (1, 'first')") != SQLITE_ERROR;
	bad |= run(db, "CREATE TABLE logs(n INTEGER, msg TEXT)") != SQLITE_OK;
	for (int i = 2; i <= 3; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO logs VALUES (%d, 'msg %d')", i, i);
		bad |= run(db, sql) != SQLITE_OK;
	}
	sqlite3_close(db);
	return bad;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char b;

	if (!strcmp(mode, "shapes"))
		return shapes();
	if (!strcmp(mode, "delay") && argc == 3) {
		/* MS ms of nothing (a tracer attaching meanwhile), then shapes. */
		usleep((useconds_t)atoi(argv[2]) * 1000);
		return shapes();
	}
	if (!strcmp(mode, "wait")) {
		/* "r" when ready; a byte on stdin: shapes, then "d"; another byte: exit. */
		if (write(1, "r", 1) != 1 || read(0, &b, 1) != 1 || shapes() ||
		    write(1, "d", 1) != 1 || read(0, &b, 1) != 1)
			return 1;
		return 0;
	}
	fprintf(stderr, "usage: sqlq shapes | delay MS | wait\n");
	return 2;
}
