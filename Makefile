# agent-trace build. `make V=1` shows full command lines; `make SAN=1` builds the
# userspace with AddressSanitizer and UBSan into its own build directory.
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

ARCH ?= x86
SAN ?=
ifeq ($(SAN),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SAN_FLAGS :=
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
PKG_CONFIG ?= pkg-config
LIBS_PC := libbpf libelf libdw zlib yaml-0.1 libmicrohttpd libcurl
# Capstone's headers only: user/resolve/insn.c loads the library when it first decodes.
HDRS_PC := capstone

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# bpf_program__attach_usdt and the 1.0 API: checked before the first object is built.
LIBBPF_MIN := 1.0

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS ?= -O2 -g
# user/ is laid out by stage (README: Layout); each folder's headers are on the include path.
USER_DIRS := user $(patsubst %/,%,$(sort $(dir $(wildcard user/*/*.c user/*/*.h))))
USER_INC := $(addprefix -I,$(USER_DIRS))
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) $(HDRS_PC) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)
AT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-Iinclude $(USER_INC) -I$(BUILD) -DAT_VERSION='"$(VERSION)"' -D_GNU_SOURCE \
	-MMD -MP $(SAN_FLAGS)
AT_LDFLAGS := $(SAN_FLAGS)
AT_LIBS = $(PKG_LIBS) -lpthread

# The multiarch include dir, for the uapi headers libbpf's usdt.bpf.h pulls in.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Iinclude -Ibpf -Ivmlinux/$(ARCH) -idirafter /usr/include/$(shell $(CC) -dumpmachine) -MMD -MP

# Each bpf/*.bpf.c compiles to its own object; bpftool links them into one (maps,
# globals and global functions defined once) with one skeleton. The link order is
# the skeleton's attach order: the sched_process_* programs (proc.bpf.c) last, as
# before the split, so the traced set's upkeep runs once the syscall programs do.
BPF_SRCS := $(addprefix bpf/,argv.bpf.c emit.bpf.c pathtrace.bpf.c syscalls.bpf.c syscalls_exit.bpf.c sockcap.bpf.c probe.bpf.c uprobe.bpf.c \
	mmap.bpf.c signal.bpf.c proc.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_LINKED := $(BUILD)/agent_trace.bpf.o
SKELS := $(BUILD)/agent_trace.skel.h

USER_SRCS := $(filter-out user/main.c,$(wildcard user/*.c user/*/*.c))
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
MAIN_OBJ := $(BUILD)/user/main.o
LIB := $(BUILD)/libagenttrace.a
BIN := $(BUILD)/agent-trace

UNIT_SRCS := $(wildcard tests/unit/*.c)
INTEG_SRCS := $(wildcard tests/integration/*.c)
TARGET_SRCS := $(wildcard tests/targets/*.c)
UNIT_BIN := $(BUILD)/tests/unit-tests
INTEG_BIN := $(BUILD)/tests/integration-tests
TARGETS := $(patsubst tests/targets/%.c,$(BUILD)/targets/%,$(TARGET_SRCS)) \
	$(BUILD)/targets/libatfuncs.so $(BUILD)/targets/libatdl.so $(BUILD)/targets/funcs-stripped \
	$(BUILD)/targets/libatstack.so $(BUILD)/targets/stack-nopie $(BUILD)/targets/stack-stripped \
	$(BUILD)/targets/gofuncs $(BUILD)/targets/gofuncs-stripped $(BUILD)/targets/gofuncs-pie-stripped \
	$(BUILD)/targets/goret $(BUILD)/targets/goret-stripped $(BUILD)/targets/libatlate.so \
	$(BUILD)/targets/deref-nodwarf

FORMAT_SRCS := $(filter-out user/common/syscall_table.c,$(wildcard bpf/*.c bpf/*.h bpf/*/*.h \
	include/*.h user/*.c user/*.h user/*/*.c user/*/*.h tests/*/*.c tests/*/*.h))

BENCH := $(BUILD)/bench
BENCH_BINS := $(BENCH)/workload $(BENCH)/floor $(BENCH)/measure $(BENCH)/costs $(BENCH)/costs.bpf.o \
	$(BENCH)/otlp_sink $(BENCH)/follow $(BENCH)/gowork

.PHONY: libbpf-check all deps run test test-otlp test-unit test-integration format format-check clean \
	bench bench-smoke image test-deploy
all: $(BIN)

deps:
	$(Q)tools/install-deps.sh
	$(Q)tools/install-npm.sh

libbpf-check:
	$(Q)$(PKG_CONFIG) --atleast-version=$(LIBBPF_MIN) libbpf || { echo "libbpf >= $(LIBBPF_MIN) is \
	needed, pkg-config finds $$($(PKG_CONFIG) --modversion libbpf 2>/dev/null || echo none): make deps" >&2; \
	exit 1; }

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c | $(BUILD)/bpf libbpf-check
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_LINKED): $(BPF_OBJS)
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKELS): $(BPF_LINKED)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name agent_trace_bpf > $@

$(BUILD)/user/%.o: user/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(AT_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# Made anew each time: ar only adds and replaces members, so an object of a
# file since moved or deleted would stay in the archive and be linked.
$(LIB): $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(AT_LDFLAGS) $^ $(AT_LIBS) -o $@

$(BUILD)/tests/%.o: tests/%.c | $(BUILD)/tests/unit $(BUILD)/tests/integration $(SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(AT_CFLAGS) -Itests $(PKG_CFLAGS) -c $< -o $@

$(UNIT_BIN): $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(UNIT_SRCS)) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(AT_LDFLAGS) $^ $(AT_LIBS) -lcriterion -o $@

$(INTEG_BIN): $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(INTEG_SRCS)) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(AT_LDFLAGS) $^ $(AT_LIBS) -lcriterion -o $@

# Targets are the traced programs: plain, unoptimised, no sanitizers.
$(BUILD)/targets/%: tests/targets/%.c | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -O0 -g -Wall -Wextra -Werror -pthread $< -o $@

# sqlq prepares SQL through the system's libsqlite3 (libsqlite3-dev, as bench/workload).
$(BUILD)/targets/sqlq: tests/targets/sqlq.c | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -O0 -g -Wall -Wextra -Werror $< -lsqlite3 -o $@

# funcs calls into a shared library of its own, found next to it.
$(BUILD)/targets/libatfuncs.so: tests/targets/lib/atfuncs.c | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -O0 -g -fPIC -shared -Wall -Werror $< -o $@

$(BUILD)/targets/libatdl.so: tests/targets/lib/atdl.c | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -O0 -g -fPIC -shared -Wall -Werror $< -o $@

# dllate loads it by path, after its start: no linker cache or maps name it then.
$(BUILD)/targets/libatlate.so: tests/targets/lib/atlate.c | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -O0 -g -fPIC -shared -Wall -Werror $< -o $@

FUNCS_CFLAGS = -O0 -g -Wall -Wextra -Werror -pthread -L$(BUILD)/targets -latfuncs -ldl \
	-Wl,-rpath,'$$ORIGIN'

$(BUILD)/targets/funcs: tests/targets/funcs.c $(BUILD)/targets/libatfuncs.so | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $< $(FUNCS_CFLAGS) -o $@

# Stripped: .symtab gone, the functions exported through .dynsym only.
$(BUILD)/targets/funcs-stripped: tests/targets/funcs.c $(BUILD)/targets/libatfuncs.so | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $< $(FUNCS_CFLAGS) -rdynamic -o $@
	$(Q)strip --strip-all $@

# stack (-k): main -> outer -> inner -> write, and into libatstack; PIE (the compiler's
# default), non-PIE, and stripped with its functions exported through .dynsym.
$(BUILD)/targets/libatstack.so: tests/targets/lib/atstack.c | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -O0 -g -fPIC -shared -Wall -Werror $< -o $@

STACK_CFLAGS = -O0 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -L$(BUILD)/targets -latstack \
	-Wl,-rpath,'$$ORIGIN'

$(BUILD)/targets/stack: tests/targets/stack.c $(BUILD)/targets/libatstack.so | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -pie -fPIE $< $(STACK_CFLAGS) -o $@

$(BUILD)/targets/stack-nopie: tests/targets/stack.c $(BUILD)/targets/libatstack.so | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -no-pie -fno-PIE $< $(STACK_CFLAGS) -o $@

$(BUILD)/targets/stack-stripped: tests/targets/stack.c $(BUILD)/targets/libatstack.so | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -pie -fPIE $< $(STACK_CFLAGS) -rdynamic -o $@
	$(Q)strip --strip-all $@

# deref without its DWARF (.symtab kept): member paths are refused with a reason, or read
# from its separate debug file, laid out by build id under targets/debug as under /usr/lib/debug.
$(BUILD)/targets/deref-nodwarf: $(BUILD)/targets/deref
	$(call msg,STRIP,$@)
	$(Q)strip --strip-debug -o $@ $<
	$(Q)id=$$(readelf -n $< | sed -n 's/.*Build ID: *//p'); \
		d=$(BUILD)/targets/debug/.build-id/$$(echo $$id | cut -c1-2); \
		rm -rf $(BUILD)/targets/debug && mkdir -p $$d && \
		objcopy --only-keep-debug $< $$d/$$(echo $$id | cut -c3-).debug

# A Go program (Debian's golang-go): no module, no network, its own build cache.
$(BUILD)/targets/gofuncs: tests/targets/go/gofuncs.go | $(BUILD)/targets
	$(call msg,GO,$@)
	$(Q)cd tests/targets/go && GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(BUILD))/gocache \
		go build -o $(abspath $@) gofuncs.go

# Go return probes' target: stack growth, goroutines that move, panics, several RETs, errors.
$(BUILD)/targets/goret: tests/targets/go/goret/goret.go | $(BUILD)/targets
	$(call msg,GO,$@)
	$(Q)cd tests/targets/go/goret && GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(BUILD))/gocache \
		go build -o $(abspath $@) goret.go

# The same stripped (no .symtab, no DWARF): the functions from .gopclntab, their RETs from Capstone.
$(BUILD)/targets/goret-stripped: tests/targets/go/goret/goret.go | $(BUILD)/targets
	$(call msg,GO,$@)
	$(Q)cd tests/targets/go/goret && GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(BUILD))/gocache \
		go build -ldflags='-s -w' -o $(abspath $@) goret.go

# The same, stripped as Go services ship: no .symtab, no DWARF; functions from .gopclntab.
$(BUILD)/targets/gofuncs-stripped: tests/targets/go/gofuncs.go | $(BUILD)/targets
	$(call msg,GO,$@)
	$(Q)cd tests/targets/go && GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(BUILD))/gocache \
		go build -ldflags='-s -w' -o $(abspath $@) gofuncs.go

# Stripped and position-independent: the table is .data.rel.ro.gopclntab, in the RELRO segment.
$(BUILD)/targets/gofuncs-pie-stripped: tests/targets/go/gofuncs.go | $(BUILD)/targets
	$(call msg,GO,$@)
	$(Q)cd tests/targets/go && GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(BUILD))/gocache \
		go build -buildmode=pie -ldflags='-s -w' -o $(abspath $@) gofuncs.go

# Benchmarks (bench/): workloads, and the floor loader with its empty programs.
$(BENCH)/workload: bench/workload.c bench/clock.h | $(BENCH)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror $< -lsqlite3 -lpthread -o $@

# The Go workload (Debian's golang-go, as tests/targets/go): main.F called N times.
$(BENCH)/gowork: bench/gowork.go | $(BENCH)
	$(call msg,GO,$@)
	$(Q)cd bench && GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(BUILD))/gocache \
		go build -o $(abspath $@) gowork.go

$(BENCH)/measure: bench/measure.c | $(BENCH)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror $< -o $@

# The export benchmark's OTLP receiver: counts requests and bytes, parses nothing.
$(BENCH)/otlp_sink: bench/otlp_sink.c | $(BENCH)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror $< -o $@

# The node-wide benchmarks' target (issue 14), static: a container image is this one file.
$(BENCH)/follow: bench/follow.c bench/clock.h | $(BENCH)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror -static $< -o $@

$(BENCH)/floor.bpf.o: bench/floor.bpf.c | $(BENCH)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH)/floor.skel.h: $(BENCH)/floor.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BENCH)/floor: bench/floor.c bench/held.h $(BENCH)/floor.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -I$(BENCH) $(PKG_CFLAGS) $< \
		$(PKG_LIBS) -lpthread -o $@

# What each piece of a probe costs (bench/costs.c runs bench/costs.bpf.c with bpf_stats).
$(BENCH)/costs.bpf.o: bench/costs.bpf.c | $(BENCH)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH)/costs: bench/costs.c bench/held.h | $(BENCH)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror $(PKG_CFLAGS) $< \
		$(PKG_LIBS) -lpthread -o $@

$(BUILD)/bpf $(BUILD)/tests/unit $(BUILD)/tests/integration $(BUILD)/targets $(BENCH):
	$(Q)mkdir -p $@

# The bundled demo: trace tests/targets/demo for its whole run, then the summary.
run: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/targets/demo
	$(BIN) -f -- $(BUILD)/targets/demo

test: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(UNIT_BIN) $(INTEG_BIN) $(TARGETS) $(BENCH_BINS)
	$(Q)$(MAKE) --no-print-directory test-otlp
	$(Q)$(MAKE) --no-print-directory test-deploy
	$(Q)BUILD=$(BUILD) tests/run.sh $(UNIT_BIN) $(INTEG_BIN)
	$(Q)python3 bench/bench.py --build $(BUILD) --smoke > $(BENCH)/smoke.log 2>&1 || \
		{ tail -n 30 $(BENCH)/smoke.log; echo "bench-smoke failed: $(BENCH)/smoke.log"; exit 1; }
	@echo "bench-smoke: every configuration ran ($(BENCH)/smoke.md)"
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS) || { echo "format drift: run make format"; exit 1; }

# The OTLP golden files against the OpenTelemetry definitions: otlp_log_* hold one
# LogRecord each, the others a whole request.
GOLDEN_OTLP_RECORDS := $(wildcard tests/unit/golden/otlp_log_*.json)
GOLDEN_OTLP_REQUESTS := $(filter-out $(GOLDEN_OTLP_RECORDS),$(wildcard tests/unit/golden/otlp_*.json))

# The OTLP test receiver against curl (valid, invalid and protobuf requests, faults),
# and the golden files checked as the receiver checks requests.
test-otlp: deps
	$(Q)tests/otlp/selftest.sh
	$(Q)$(if $(GOLDEN_OTLP_RECORDS)$(GOLDEN_OTLP_REQUESTS),node tests/otlp/check_golden.js \
		$(GOLDEN_OTLP_REQUESTS) $(if $(GOLDEN_OTLP_RECORDS),--fragment logrecord \
		$(GOLDEN_OTLP_RECORDS)),:)

# Every configuration interleaved, 5 rounds: bench/results/. Takes about 15 minutes.
bench: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BENCH_BINS) $(BUILD)/targets/many
	$(Q)python3 bench/bench.py --build $(BUILD) $(BENCH_ARGS)

# Every configuration once with tiny sizes: keeps the harness working (make test runs it).
bench-smoke: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BENCH_BINS) $(BUILD)/targets/many
	$(Q)python3 bench/bench.py --build $(BUILD) --smoke

# The agent's container image, localhost/agent-trace:$(VERSION) and :latest, from a rootfs
# assembled in $(BUILD)/image/rootfs (the binary and the libraries it loads), no registry:
# README Kubernetes. PODMAN_FLAGS adds podman options (the tests' private storage).
image: $(BIN)
	$(Q)tools/build-image.sh $(BIN) $(BUILD)/image $(VERSION)

# The Kubernetes manifests parse and follow the DaemonSet conventions; the ConfigMap's
# probe file passes --check. Seconds; make test runs it.
test-deploy: $(BIN)
	$(Q)python3 tests/deploy/check_manifests.py --agent $(BIN) deploy/kubernetes

format:
	$(Q)clang-format -i $(FORMAT_SRCS)

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	$(Q)rm -rf build

-include $(wildcard $(BUILD)/bpf/*.d $(BUILD)/user/*.d $(BUILD)/user/*/*.d $(BUILD)/tests/*/*.d $(BENCH)/*.d)
