// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target with known call chains for -k: main -> outer -> inner -> write
 * ("inner\n"), then main -> via_lib -> lib_say (libatstack) -> write
 * ("lib\n"). Built PIE, non-PIE and stripped with its functions exported
 * (.dynsym). Waits a little before it exits, so its mappings can still be
 * read when its stacks are symbolized.
 */
#include <time.h>
#include <unistd.h>

void lib_say(const char *s);

__attribute__((noinline)) int inner(int n)
{
	return (int)write(1, "inner\n", 6) + n;
}

__attribute__((noinline)) int outer(int n)
{
	return inner(n + 1) + 1;
}

__attribute__((noinline)) void via_lib(void)
{
	lib_say("lib\n");
}

int main(void)
{
	struct timespec ts = { 0, 300 * 1000000L };
	int r = outer(0);

	via_lib();
	nanosleep(&ts, NULL);
	return r == 8 ? 0 : 1;
}
