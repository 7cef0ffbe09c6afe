// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ELF symbols, offsets, USDT notes and target names, on the system's own binaries. */
#include <criterion/criterion.h>
#include <glob.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_file.h"
#include "setup.h"
#include "target.h"
#include "unit_targets.h"

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define PYTHON "/usr/bin/python3.11"

static struct elf_file *open_ok(const char *path)
{
	struct elf_file *ef;
	char err[256];

	ef = elf_file__open(path, err, sizeof(err));
	cr_assert_not_null(ef, "%s: %s", path, err);
	return ef;
}

/* The file through libelf directly, for the checks below: an oracle apart from elf_file. */
static Elf *open_libelf(const char *path, int *fd)
{
	Elf *e;

	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	*fd = open(path, O_RDONLY);
	cr_assert_geq(*fd, 0, "%s", path);
	e = elf_begin(*fd, ELF_C_READ, NULL);
	cr_assert_not_null(e, "%s: %s", path, elf_errmsg(-1));
	return e;
}

/*
 * Whether the function elf_file__resolve picks for name is an STT_GNU_IFUNC
 * (its address is then the resolver's): a symbol of that base name at that address.
 */
static bool is_ifunc(struct elf_file *ef, const char *path, const char *name)
{
	size_t len = strcspn(name, "@"), i;
	uint64_t off, size, addr, avail;
	Elf_Scn *scn = NULL;
	bool ifunc = false;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf *e;
	int fd;

	if (elf_file__resolve(ef, name, &off, &size) ||
	    elf_file__off_to_addr(ef, off, &addr, &avail))
		return false;
	e = open_libelf(path, &fd);
	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d = elf_getdata(scn, NULL);

		if (!d || !gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		for (i = 1; i < sh.sh_size / sh.sh_entsize && gelf_getsym(d, i, &sym); i++) {
			const char *n = elf_strptr(e, sh.sh_link, sym.st_name);

			if (sym.st_value == addr && n && !strncmp(n, name, len) &&
			    (n[len] == '\0' || n[len] == '@'))
				ifunc |= GELF_ST_TYPE(sym.st_info) == STT_GNU_IFUNC;
		}
	}
	elf_end(e);
	close(fd);
	return ifunc;
}

/* A virtual address to its file offset, through the allocated section that holds it. */
static int addr_to_off(const char *path, uint64_t addr, uint64_t *off)
{
	Elf_Scn *scn = NULL;
	int fd, ret = -ENOENT;
	GElf_Shdr sh;
	Elf *e;

	e = open_libelf(path, &fd);
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type == SHT_NOBITS || addr < sh.sh_addr ||
		    addr - sh.sh_addr >= sh.sh_size)
			continue;
		*off = addr - sh.sh_addr + sh.sh_offset;
		ret = 0;
		break;
	}
	elf_end(e);
	close(fd);
	return ret;
}

/* Writes the first len bytes of src (or text when src is NULL) to a new file in /tmp. */
static void make_file(char *path, const char *src, size_t len, const char *text)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	strcpy(path, "/tmp/test_elfsym.XXXXXX");
	out = mkstemp(path);
	cr_assert_geq(out, 0);
	if (src) {
		in = open(src, O_RDONLY);
		cr_assert_geq(in, 0);
		cr_assert_leq(len, sizeof(buf));
		n = pread(in, buf, len, 0);
		cr_assert_eq(n, (ssize_t)len);
		close(in);
		cr_assert_eq(write(out, buf, len), (ssize_t)len);
	} else {
		cr_assert_eq(write(out, text, strlen(text)), (ssize_t)strlen(text));
	}
	close(out);
}

Test(elfsym, libc_flags)
{
	struct elf_file *ef = open_ok(LIBC);

	cr_assert(!elf_file__is_go(ef));
	/* Debian ships libc without .symtab: only .dynsym names are there. */
	cr_assert(elf_file__stripped(ef));
	elf_file__close(ef);

	ef = open_ok("/bin/ls");
	cr_assert(!elf_file__is_go(ef));
	elf_file__close(ef);
}

/* The bytes at a resolved offset are those the loaded libc runs: the offset math is right. */
static void check_code(struct elf_file *ef, const char *name)
{
	unsigned char file[32], direct[32];
	uint64_t off, size;
	void *h, *addr;
	int fd;

	cr_assert_eq(elf_file__resolve(ef, name, &off, &size), 0, "%s", name);
	cr_assert_gt(size, 0);
	cr_assert_eq(elf_file__read(ef, off, file, sizeof(file)), 0);

	fd = open(LIBC, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, direct, sizeof(direct), off), (ssize_t)sizeof(direct));
	close(fd);
	cr_assert_arr_eq(file, direct, sizeof(file));

	h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	cr_assert_not_null(h);
	addr = dlsym(h, name);
	cr_assert_not_null(addr);
	cr_assert_arr_eq(file, addr, sizeof(file), "%s at 0x%lx differs from memory", name,
			 (unsigned long)off);
	dlclose(h);
}

Test(elfsym, libc_resolve)
{
	struct elf_file *ef = open_ok(LIBC);
	uint64_t off, size, off2, size2, off3;

	check_code(ef, "malloc");
	check_code(ef, "free");
	cr_assert(!is_ifunc(ef, LIBC, "malloc"));

	/* A plain name takes the default version. */
	cr_assert_eq(elf_file__resolve(ef, "memcpy", &off, &size), 0);
	cr_assert_eq(elf_file__resolve(ef, "memcpy@@GLIBC_2.14", &off2, &size2), 0);
	cr_assert_eq(off, off2);
	cr_assert_eq(size, size2);
	cr_assert(is_ifunc(ef, LIBC, "memcpy"), "glibc's memcpy is an IFUNC");

	/* The old version is another symbol; it is hidden, so not reachable with @@. */
	cr_assert_eq(elf_file__resolve(ef, "memcpy@GLIBC_2.2.5", &off3, &size), 0);
	cr_assert_neq(off3, off);
	cr_assert(!is_ifunc(ef, LIBC, "memcpy@GLIBC_2.2.5"));
	cr_assert_eq(elf_file__resolve(ef, "memcpy@@GLIBC_2.2.5", &off3, &size), -ENOENT);
	cr_assert_eq(elf_file__resolve(ef, "memcpy@GLIBC_9.99", &off3, &size), -ENOENT);
	/* foo@V also finds a default V. */
	cr_assert_eq(elf_file__resolve(ef, "malloc@GLIBC_2.2.5", &off3, &size), 0);

	cr_assert_eq(elf_file__resolve(ef, "no_such_function_here", &off, &size), -ENOENT);
	cr_assert_eq(elf_file__resolve(ef, "mallo", &off, &size), -ENOENT);
	cr_assert_eq(elf_file__resolve(ef, "environ", &off, &size), -ENOENT, "not a function");

	cr_assert_eq(elf_file__read(ef, UINT64_MAX - 4, &off, 8), -ERANGE);
	elf_file__close(ef);
}

struct collect {
	char names[4096][64];
	uint64_t offs[4096];
	int n;
	int stop_after;
};

static int collect_cb(void *ctx, const struct elf_func *f)
{
	struct collect *c = ctx;

	if (c->n < 4096) {
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s", f->name);
		c->offs[c->n] = f->off;
	}
	c->n++;
	return c->stop_after && c->n == c->stop_after ? 42 : 0;
}

Test(elfsym, libc_for_each_func)
{
	struct elf_file *ef = open_ok(LIBC);
	static struct collect c;
	uint64_t off, size;
	bool found = false;
	int i;

	memset(&c, 0, sizeof(c));
	cr_assert_eq(elf_file__for_each_func(ef, "mallo*", collect_cb, &c), 0);
	cr_assert_geq(c.n, 1);
	for (i = 0; i < c.n; i++) {
		cr_assert_eq(strncmp(c.names[i], "mallo", 5), 0, "%s", c.names[i]);
		if (!strcmp(c.names[i], "malloc")) {
			found = true;
			cr_assert_eq(elf_file__resolve(ef, "malloc", &off, &size), 0);
			cr_assert_eq(c.offs[i], off);
		}
	}
	cr_assert(found);

	/* All functions: sorted, each name once (memcpy has two versions). */
	memset(&c, 0, sizeof(c));
	cr_assert_eq(elf_file__for_each_func(ef, NULL, collect_cb, &c), 0);
	cr_assert_gt(c.n, 1000);
	cr_assert_leq(c.n, 4096);
	for (i = 1; i < c.n; i++)
		cr_assert_lt(strcmp(c.names[i - 1], c.names[i]), 0, "%s, %s", c.names[i - 1],
			     c.names[i]);

	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	cr_assert_eq(elf_file__for_each_func(ef, NULL, collect_cb, &c), 42);
	cr_assert_eq(c.n, 3);

	memset(&c, 0, sizeof(c));
	cr_assert_eq(elf_file__for_each_func(ef, "no_such_*_here", collect_cb, &c), 0);
	cr_assert_eq(c.n, 0);
	elf_file__close(ef);
}

Test(elfsym, not_elf)
{
	char path[64], err[256];

	make_file(path, NULL, 0, "myhost\n");
	cr_assert_null(elf_file__open(path, err, sizeof(err)));
	cr_assert_str_eq(err, "not an ELF file");
	cr_assert_eq(errno, ENOEXEC);
	unlink(path);

	make_file(path, NULL, 0, "");
	cr_assert_null(elf_file__open(path, err, sizeof(err)));
	cr_assert_str_eq(err, "not an ELF file");
	unlink(path);

	cr_assert_null(elf_file__open("/tmp", err, sizeof(err)));
	cr_assert_str_eq(err, "is a directory, not an ELF file");
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(elf_file__open("/dev/null", err, sizeof(err)));
	cr_assert_str_eq(err, "is a character device, not an ELF file");
	cr_assert_null(elf_file__open("/no/such/file", err, sizeof(err)));
	cr_assert_str_eq(err, strerror(ENOENT));
	cr_assert_eq(errno, ENOENT);
}

/* A FIFO with no writer: opening it for reading used to block for ever (issue 11). */
Test(elfsym, fifo_refused_without_blocking, .timeout = 5)
{
	char path[64], err[256];

	snprintf(path, sizeof(path), "/tmp/agent-trace-fifo.%d", getpid());
	unlink(path);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_null(elf_file__open(path, err, sizeof(err)));
	cr_assert_str_eq(err, "is a FIFO, not an ELF file");
	cr_assert_eq(errno, EINVAL);
	unlink(path);
}

static int count_any(void *ctx, const struct elf_func *f)
{
	(void)f;
	++*(int *)ctx;
	return 0;
}

/* A glob over a library gives up when set-up is cancelled (Ctrl-C), and runs again after. */
/* The largest library at hand: LLVM's, which clang (a build dependency) uses. */
static struct elf_file *open_llvm(void)
{
	glob_t g;
	struct elf_file *ef;

	cr_assert_eq(glob("/usr/lib/x86_64-linux-gnu/libLLVM-*.so.1", 0, NULL, &g), 0,
		     "no libLLVM: install llvm (tools/install-deps.sh)");
	ef = open_ok(g.gl_pathv[0]);
	globfree(&g);
	return ef;
}

Test(elfsym, glob_stops_when_setup_cancelled)
{
	struct elf_file *ef = open_llvm();
	int n = 0;

	setup_cancel();
	cr_assert_eq(elf_file__for_each_func(ef, "*", count_any, &n), -EINTR);
	/* Seen at the first check, 16384 symbols in. */
	cr_assert_leq(n, 16384, "%d functions before the stop", n);
	setup_reset();
	n = 0;
	cr_assert_eq(elf_file__for_each_func(ef, "*", count_any, &n), 0);
	cr_assert_gt(n, 20000, "%d functions", n);
	elf_file__close(ef);
	/* A smaller file's glob runs to its end: the stop is for the attach that follows. */
	ef = open_ok(LIBC);
	setup_cancel();
	n = 0;
	cr_assert_eq(elf_file__for_each_func(ef, "*", count_any, &n), 0);
	setup_reset();
	cr_assert_gt(n, 1000, "%d functions", n);
	elf_file__close(ef);
}

static int count_usdt(void *ctx, const struct elf_usdt *u)
{
	(void)u;
	++*(int *)ctx;
	return 0;
}

static int count_func(void *ctx, const struct elf_func *f)
{
	(void)f;
	++*(int *)ctx;
	return 0;
}

Test(elfsym, truncated)
{
	size_t lens[] = { 4, 16, 63, 64, 65, 200, 1000, 4096, 20000, 0 };
	char path[64], err[256];
	struct elf_file *ef;
	uint64_t off, size;
	struct stat st;
	size_t i;
	int n;

	/* The last one loses only its final byte, a part of the section headers. */
	cr_assert_eq(stat("/bin/true", &st), 0);
	lens[sizeof(lens) / sizeof(lens[0]) - 1] = st.st_size - 1;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		make_file(path, "/bin/true", lens[i], NULL);
		ef = elf_file__open(path, err, sizeof(err));
		if (lens[i] == 200 || lens[i] == (size_t)st.st_size - 1) {
			cr_assert_null(ef);
			cr_assert_eq(strncmp(err, "corrupt ELF (", 13), 0, "%s", err);
		}
		if (ef) {
			/* Whatever opens must survive every query. */
			n = 0;
			elf_file__resolve(ef, "main", &off, &size);
			elf_file__for_each_func(ef, NULL, count_func, &n);
			elf_file__for_each_usdt(ef, count_usdt, &n);
			elf_file__close(ef);
		}
		unlink(path);
	}
}

struct find_usdt {
	const char *provider, *name;
	struct elf_usdt found;
	char args[128];
	int n;
};

static int find_usdt_cb(void *ctx, const struct elf_usdt *u)
{
	struct find_usdt *f = ctx;

	f->n++;
	if (strcmp(u->provider, f->provider) || strcmp(u->name, f->name))
		return 0;
	f->found = *u;
	snprintf(f->args, sizeof(f->args), "%s", u->args);
	return 1;
}

Test(elfsym, python_usdt)
{
	struct find_usdt f = { .provider = "python", .name = "function__entry" };
	struct elf_file *ef;
	unsigned char insn;
	uint64_t sema_off;

	if (access(PYTHON, R_OK))
		cr_skip_test(PYTHON " is not installed");
	ef = open_ok(PYTHON);
	cr_assert(!elf_file__is_go(ef));
	cr_assert_eq(elf_file__for_each_usdt(ef, find_usdt_cb, &f), 1, "no python:function__entry");
	/* A USDT site is a nop the probe replaces. */
	cr_assert_eq(elf_file__read(ef, f.found.off, &insn, 1), 0);
	cr_assert_eq(insn, 0x90, "byte 0x%x at 0x%lx", insn, (unsigned long)f.found.off);
	cr_assert_neq(strlen(f.args), 0);
	cr_assert_neq(f.found.semaphore, 0);
	cr_assert_eq(addr_to_off(PYTHON, f.found.semaphore, &sema_off), 0);
	cr_assert_neq(sema_off, f.found.semaphore, "an ET_EXEC's offsets are not its addresses");

	f.n = 0;
	f.name = "no_such_probe";
	cr_assert_eq(elf_file__for_each_usdt(ef, find_usdt_cb, &f), 0);
	cr_assert_gt(f.n, 5);
	elf_file__close(ef);

	/* No .note.stapsdt: no probes, no error. */
	ef = open_ok("/bin/true");
	f.n = 0;
	cr_assert_eq(elf_file__for_each_usdt(ef, find_usdt_cb, &f), 0);
	cr_assert_eq(f.n, 0);
	elf_file__close(ef);
}

Test(elfsym, target_resolve)
{
	char out[PATH_MAX], err[256], self[PATH_MAX], want[PATH_MAX + 32];
	ssize_t n;

	cr_assert_eq(target_resolve("libc", getpid(), NULL, out, sizeof(out), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert(strstr(out, "libc.so.6"), "%s", out);
	cr_assert_eq(access(out, R_OK), 0, "%s", out);

	/* "c" stands for "libc"; without a pid the linker cache answers. */
	cr_assert_eq(target_resolve("c", getpid(), NULL, out, sizeof(out), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert(strstr(out, "/libc.so.6"), "%s", out);
	cr_assert_eq(target_resolve("libc", 0, NULL, out, sizeof(out), err, sizeof(err)), 0, "%s",
		     err);
	cr_assert(strstr(out, "/x86_64-linux-gnu/libc.so.6"), "%s", out);

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert_gt(n, 0);
	self[n] = '\0';
	cr_assert_eq(target_resolve("", getpid(), NULL, out, sizeof(out), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(out, self);
	cr_assert_eq(target_resolve("", 0, "ls", out, sizeof(out), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(strcmp(out + strlen(out) - 3, "/ls"), 0, "%s", out);
	cr_assert_eq(target_resolve("", 0, NULL, out, sizeof(out), err, sizeof(err)), -1);

	snprintf(want, sizeof(want), "/proc/%d/root/bin/ls", getpid());
	cr_assert_eq(target_resolve("/bin/ls", getpid(), NULL, out, sizeof(out), err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(out, want);
	cr_assert_eq(target_resolve("/bin/ls", 0, NULL, out, sizeof(out), err, sizeof(err)), 0);
	cr_assert_str_eq(out, "/bin/ls");
	cr_assert_eq(target_resolve("/no/such", 0, NULL, out, sizeof(out), err, sizeof(err)), -1);
	cr_assert(strstr(err, "/no/such"), "%s", err);

	cr_assert_eq(target_resolve("libnosuch", 0, NULL, out, sizeof(out), err, sizeof(err)), -1);
	cr_assert_str_eq(err, "libnosuch: no such library in the linker cache");
	cr_assert_eq(target_resolve("libnosuch", getpid(), NULL, out, sizeof(out), err,
				    sizeof(err)),
		     -1);
	cr_assert(strstr(err, "libnosuch: no such library mapped in pid"), "%s", err);

	cr_assert_eq(target_resolve("libc", 0, NULL, out, 8, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "libc: path too long");
}

/* Objects read back from this test binary's own .symtab. */
const char at_elfsym_object[] = "agent-trace object";
int at_elfsym_bss[4];

Test(elfsym, read_object)
{
	struct elf_file *ef = open_ok("/proc/self/exe");
	char buf[64];

	memset(buf, 0, sizeof(buf));
	cr_assert_eq(elf_file__read_object(ef, "at_elfsym_object", buf, sizeof(buf)),
		     (ssize_t)sizeof(at_elfsym_object));
	cr_assert_str_eq(buf, "agent-trace object");
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(elf_file__read_object(ef, "at_elfsym_object", buf, 5), 5);
	cr_assert_str_eq(buf, "agent");
	/* .bss has no bytes in the file; a function is no object; a missing name. */
	cr_assert_eq(elf_file__read_object(ef, "at_elfsym_bss", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(elf_file__read_object(ef, "main", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(elf_file__read_object(ef, "no_such_object", buf, sizeof(buf)), -ENOENT);
	elf_file__close(ef);
	(void)at_elfsym_bss;
}

/* A program's DT_NEEDED in order, its DT_RUNPATH, its interpreter; a library has none. */
Test(elfsym, dynamic_section)
{
	struct elf_file *ef = open_ok(unit_target("funcs"));
	struct elf_dyn d;

	elf_file__dynamic(ef, &d);
	cr_assert(d.interp);
	cr_assert_eq(d.nneeded, 2);
	cr_assert_str_eq(d.needed[0], "libatfuncs.so");
	cr_assert_str_eq(d.needed[1], "libc.so.6");
	cr_assert_not_null(d.runpath);
	cr_assert_str_eq(d.runpath, "$ORIGIN");
	cr_assert_null(d.rpath);
	elf_file__close(ef);

	ef = open_ok(unit_target("libatfuncs.so"));
	elf_file__dynamic(ef, &d);
	cr_assert_not(d.interp);
	cr_assert_null(d.runpath);
	elf_file__close(ef);

	ef = open_ok(PYTHON);
	elf_file__dynamic(ef, &d);
	cr_assert(d.interp);
	cr_assert_eq(d.nneeded, 4);
	cr_assert_str_eq(d.needed[0], "libm.so.6");
	cr_assert_str_eq(d.needed[3], "libc.so.6");
	elf_file__close(ef);
}
