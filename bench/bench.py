#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""agent-trace benchmark harness.

Runs every configuration (workload x tool) interleaved, round after round, so
a noisy machine hurts every configuration alike; reports medians, spreads and
ratios against the floor (empty BPF programs on the same attachment) and the
peers (strace, bpftrace, libbpf-tools, ltrace). Also: the maximum zero-loss
event rate, start-up to first event, and a lone event's delivery delay; and the
node-wide parts of issue 14 (bench/node.py: untargeted tracing, the attach delay of a
replaced binary, containers, scale).

    bench.py --build build [--rounds 5] [--smoke] [--only REGEX]

Results: bench/results/latest.{md,json} and a dated copy (--smoke: under the
build directory instead). Nothing here asserts timings.
"""
import argparse
import datetime
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import node

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Sizes: events per run for the full bench and for the smoke run. Slow tools
# run fewer events (scale); every figure is per event, so they compare.
SIZES = {
    "getppid": (500000, 2000),
    "write": (500000, 2000),
    "func": (50000, 500),
    "malloc": (50000, 500),
    "sqlite": (3000, 50),
    "exec": (2000, 20),  # bench/follow exec: execve of itself, no fork
    "go": (100000, 500),  # bench/gowork: calls of main.F (Go, entry + RET probes)
}
SLOW = 0.01  # strace and ltrace: a hundredth of the events

# Probe churn (issue 11): functions of tests/targets/many attached and detached,
# for the full bench and the smoke run. The fallback (per-probe perf links)
# and bpftrace pay a grace period per uprobe (~100 ms) to detach: they run a
# tenth of the functions, and the report scales their times to 1,000.
# bpftrace's wildcards are * alone: sizes 1000, 100, 10.
CHURN = {"agent-trace": (1000, 10), "agent-trace fallback": (100, 5), "bpftrace": (100, 10)}
CHURN_RELOAD = {"agent-trace": (500, 10), "agent-trace fallback": (50, 5)}
# A probe file of N one-function entries (fn_000, fn_001, ...; a file takes 256),
# SIGKILLed once attached: the kernel closes a dead process's links one by one.
CHURN_ENTRIES = {"agent-trace": (250, 10)}
CHURN_GLOBS = {1000: "fn_*", 500: "fn_[0-4]*", 100: "fn_0*", 50: "fn_0[0-4]*", 10: "fn_00*",
               5: "fn_00[0-4]"}

# The records line: every cause of loss counted, whichever a build has (an older one has
# no candidate table's, a newer one more: "N (Go entries without return)").
AT_RECORDS = re.compile(
    r"records: (\d+) delivered in (\d+) batches over [\d.]+s; lost: ((?:\d+ \([^)]*\), )*"
    r"\d+ \(output\)); agent-trace cpu ([\d.]+)s, max rss ([\d.]+) MiB")
AT_LOST = re.compile(r"(\d+) \(")
BT_LOST = re.compile(r"Lost (\d+) events")
# An exporting sink's closing line (stderr with -o FILE): what it was given, sent, dropped.
# "sink otlp logs URL: ...": keyed by the kind ("otlp logs", "otlp metrics", "file").
SINK_LINE = re.compile(r"sink (otlp logs|otlp metrics|file)\b[^\n]*?: (\d+) of (\d+) sent in (\d+) "
                       r"batches \((\d+) bytes\), "
                       r"(\d+) retries; dropped (\d+)")

# Export throughput (issue 13): agent-trace's --json to /dev/null alone, and with an OTLP
# logs sink beside it (gzip, and none), to a local receiver; events per second asked of the
# producer (getppid, paced, sleeping when caught up: bench/workload.c steady), 2 s a step
# (0.5 s and one step in the smoke run), stopping at a mode's first loss.
EXPORT_RATES = ([50000, 100000, 200000, 300000, 400000, 600000, 800000], [5000])
EXPORT_SECS = (2, 0.5)
EXPORT_MODES = {"json /dev/null": None, "otlp gzip": "gzip", "otlp none": "none"}
# The metrics path (issue 13): a function probe with count + histogram from a probe file,
# exported as OTLP metrics every second, against -c. Runs long enough for a few exports:
# these many times the workload's events (the smoke run: its usual tiny size).
METRICS_SCALE = {"func": 4, "malloc": 20}
METRICS_CFG = "agent-trace -C count+histogram --otlp metrics 1s"
METRICS_CFG_NOEXP = "agent-trace -C count+histogram"

# Go (issue 15): main.F of bench/gowork with entry + RET probes, against the floor on the
# same points (its entry after the stack-check prologue and each RET) and bpftrace doing
# entry only; and the attach time of a generated program with GO_FUNCS functions.
GO_SPEC_RET = ":main.F(long a) -> long"
GO_SPEC_ENTRY = ":main.F(long a)@entry"
GO_FUNCS = (1000, 20)
GO_OBJDUMP = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")



# The workloads and options agent-trace's own programs are timed on (bpf_stats).
PROGRAM_SPEC = "libc:malloc(u64 size) -> ptr"
PROGRAM_CASES = [("getppid", ["-c"]), ("getppid", ["-c", "-T"]), ("getppid", ["--json"]),
                 ("write", ["--json"]), ("malloc", ["-c", "-u", PROGRAM_SPEC]),
                 ("malloc", ["--json", "-u", PROGRAM_SPEC])]


def prog_show():
    """bpftool's list of loaded programs, by id."""
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True)
    try:
        return {p["id"]: p for p in json.loads(out.stdout or "[]")}
    except ValueError:
        return {}


def program_run(at, workload, wl, opts, n):
    """agent-trace (at, with opts) on a held run of workload wl making n calls:
    the mean run time per call of each program that ran at least n/2 times,
    by name (bpf_stats must be on). None when the workload did not start."""
    w = subprocess.Popen([workload, wl, str(n)], env=dict(os.environ, BENCH_WAIT="1"),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    if w.stdout.readline() != b"ready\n":
        w.kill()
        w.wait()
        return None
    t = subprocess.Popen([at] + opts + ["-o", "/dev/null", "-p", str(w.pid)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # attached in about 0.07 s
    before = prog_show()
    w.stdin.write(b"g")
    w.stdin.close()
    w.wait()
    after = prog_show()
    t.send_signal(signal.SIGINT)
    t.wait()
    progs = {}
    for pid_, p in after.items():
        o = before.get(pid_)
        cnt = p.get("run_cnt", 0) - (o or {}).get("run_cnt", 0)
        if o and cnt >= n // 2:
            progs[p.get("name", "?")] = round((p.get("run_time_ns", 0) - o.get("run_time_ns", 0))
                                              / cnt, 1)
    return progs

def text_section(path):
    """(address, file offset) of the .text section of ELF file path, from objdump -h."""
    out = subprocess.run(["objdump", "-h", path], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) >= 6 and f[1] == ".text":
            return int(f[3], 16), int(f[5], 16)
    raise RuntimeError(f"{path}: no .text section (objdump -h: {out.stderr.strip()[:100]})")


def go_probe_points(path, func):
    """File offsets of a Go function's entry after its stack-check prologue (the
    instruction after the first jbe/jae/ja/jb following a compare with the goroutine's
    stack guard at 16(%r14); the start when it has none, as leaf functions) and of
    each of its RET instructions, from objdump's disassembly."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={func}", path],
                         capture_output=True, text=True)
    insns, inside = [], False
    for line in out.stdout.splitlines():
        if line.endswith(f"<{func}>:"):
            inside = True
            continue
        if inside:
            m = GO_OBJDUMP.match(line)
            if not m:
                if insns and not line.strip():
                    break
                continue
            insns.append((int(m.group(1), 16), m.group(2), m.group(3)))
    if not insns:
        raise RuntimeError(f"no function {func} in {path} (objdump: {out.stderr.strip()[:100]})")
    entry = insns[0][0]
    for i, (_, op, args) in enumerate(insns[:4]):
        if op == "cmp" and "0x10(%r14)" in args:
            for a, op2, _ in insns[i + 1:i + 3]:
                if op2 in ("jbe", "jb", "ja", "jae", "jna", "jnae"):
                    nxt = [x for x in insns if x[0] > a]
                    entry = nxt[0][0] if nxt else entry
                    break
            break
    rets = [a for a, op, _ in insns if op in ("ret", "retq")]
    if not rets:
        raise RuntimeError(f"{func} in {path}: no RET instruction")
    addr, off = text_section(path)
    return entry - addr + off, [r - addr + off for r in rets]


def gomany_source(n):
    """A Go program of n //go:noinline functions main.F0000... (each with a stack-check
    prologue and two RETs) that says "ready", waits for a byte on stdin, then calls each
    once and checks the sum."""
    L = ["// Generated by bench/bench.py (go_attach): do not edit.", "package main", "",
         'import (\n\t"fmt"\n\t"os"\n)', "", "//go:noinline",
         "func sink(a int64) int64 {\n\treturn a * 2\n}", ""]
    for i in range(n):
        L += ["//go:noinline", f"func F{i:04d}(a int64) int64 {{",
              f"\tif a&1 == 0 {{\n\t\treturn sink(a) + {i}\n\t}}", f"\treturn a + {i}", "}", ""]
    L += ["var table = [...]func(int64) int64{" + ", ".join(f"F{i:04d}" for i in range(n)) + "}",
          "", "func main() {", '\tfmt.Println("ready")', "\tb := make([]byte, 1)",
          "\tos.Stdin.Read(b)", "\tvar s, want int64", "\tfor i, f := range table {",
          "\t\ts += f(int64(i))", "\t\tif i&1 == 0 {\n\t\t\twant += int64(3 * i)\n\t\t} else {",
          "\t\t\twant += int64(2 * i)\n\t\t}", "\t}", "\tif s != want {",
          '\t\tfmt.Fprintf(os.Stderr, "gomany: sum %d, want %d\\n", s, want)',
          "\t\tos.Exit(1)", "\t}", "}", ""]
    return "\n".join(L)


class Config:
    """One way of running a workload: a tool, its arguments, how to read it."""

    def __init__(self, name, tool, workload, argv, scale=1.0, pid_mode=False,
                 ready=None, parse=None, stdout_file=False, role=None, bin=None, agent=None):
        self.name = name          # unique: workload/tool-variant
        self.tool = tool          # bare, floor, agent-trace, strace, bpftrace, ...
        self.workload = workload  # key of SIZES
        self.argv = argv          # function(workload argv, pid) -> tool argv
        self.scale = scale        # fraction of the workload's events
        self.pid_mode = pid_mode  # the tool attaches with -p to a waiting workload
        self.ready = ready        # pid mode: a line of the tool's output saying it is attached
        self.parse = parse        # function(stdout, stderr) -> dict of delivered/lost/...
        self.stdout_file = stdout_file  # keep stdout (events printed) to count lines
        self.role = role          # "stream", "count": what the tool is doing
        self.bin = bin            # the workload's program (bench/workload unless set)
        # agent-trace on a probe file beside the workload rather than running it:
        # function(bench) -> (probe file text, "bg" (started first, the workload then
        # run bare) or "pid" (-p the waiting workload), a process it holds, or None)
        self.agent = agent


def parse_at(out, err):
    m = AT_RECORDS.search(err) or AT_RECORDS.search(out)
    if not m:
        return {"error": "no records line"}
    return {"delivered": int(m.group(1)), "batches": int(m.group(2)),
            "lost": sum(int(x) for x in AT_LOST.findall(m.group(3))),
            "self_cpu_s": float(m.group(4)), "rss_mib": float(m.group(5))}


def parse_sinks(err):
    """The exporting sinks' closing lines, by sink name ("otlp logs", "otlp metrics")."""
    return {m.group(1): {"sent": int(m.group(2)), "pushed": int(m.group(3)),
                         "batches": int(m.group(4)), "bytes": int(m.group(5)),
                         "retries": int(m.group(6)), "dropped": int(m.group(7))}
            for m in SINK_LINE.finditer(err)}


def parse_at_metrics(out, err):
    """parse_at, and the OTLP metrics sink's exports: none sent is an error (nothing measured)."""
    r = parse_at(out, err)
    m = parse_sinks(err).get("otlp metrics")
    if not m or not m["sent"]:
        return {"error": "no OTLP metrics export sent: " + (err.strip().splitlines() or
                                                              ["no output"])[-1][:150]}
    r.update({"exports": m["sent"], "export_dropped": m["dropped"]})
    return r


class Receiver:
    """A local OTLP/HTTP receiver: bench/otlp_sink (counts requests and bytes, parses
    nothing) or tests/otlp/receiver.js (checks each request against the OpenTelemetry
    definitions, counts log records), on CPU cpu when taskset is installed."""

    def __init__(self, argv, name, cpu=None):
        self.name = name
        self.cpu = cpu if cpu is not None and shutil.which("taskset") else None
        pin = ["taskset", "-c", str(self.cpu)] if self.cpu is not None else []
        self.p = subprocess.Popen(pin + argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        m = re.match(r"listening (\d+)", line)
        if not m:
            self.p.kill()
            raise RuntimeError(f"{name}: {line.strip() or self.p.stderr.read().strip()[:200]}")
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def stats(self):
        """Its counters: requests, and bytes (otlp_sink) or log_records (receiver.js)."""
        with urllib.request.urlopen(self.url + "/stats", timeout=10) as r:
            return json.loads(r.read())

    def cpu_s(self):
        """Its CPU so far (user + system, from /proc; taskset has exec'ed into it)."""
        with open(f"/proc/{self.p.pid}/stat") as f:
            v = f.read().rsplit(")", 1)[1].split()
        return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def parse_bt(out, err):
    # bpftrace reports "Lost N events" in its output stream, among the events.
    lost = sum(int(x) for x in BT_LOST.findall(out + err))
    lines = [l for l in out.splitlines()
             if l and not l.startswith("Attaching ") and not BT_LOST.search(l)]
    return {"delivered": len(lines), "lost": lost}


def parse_bt_count(out, err):
    return {"lost": sum(int(x) for x in BT_LOST.findall(out + err))}


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.at = os.path.join(self.build, "agent-trace")
        self.wl = os.path.join(self.build, "bench", "workload")
        self.floor = os.path.join(self.build, "bench", "floor")
        self.measure = os.path.join(self.build, "bench", "measure")
        self.many = os.path.join(self.build, "targets", "many")
        self.follow = os.path.join(self.build, "bench", "follow")
        self.tmp = tempfile.mkdtemp(prefix="agent-trace-bench.")
        self.smoke = args.smoke
        self.missing = []
        self.otlp_sink = os.path.join(self.build, "bench", "otlp_sink")
        self.metrics_rcv = None  # the receiver of the metrics-path rows, started on first use
        self.gowork = os.path.join(self.build, "bench", "gowork")
        self.notes = []  # what was skipped and why, in the report

    # -- configurations ------------------------------------------------------
    def have(self, tool):
        if shutil.which(tool):
            return True
        if tool not in self.missing:
            self.missing.append(tool)
        return False

    def configs(self):
        at, fl = self.at, self.floor
        fn = self.wl + ":bench_work"
        spec_work = ":bench_work(long a, long b) -> long"
        spec_malloc = "libc:malloc(u64 size) -> ptr"
        cs = []

        def agent(w, flags, role, extra=()):
            """agent-trace with flags (which name the config) and extra arguments, no output."""
            return Config(f"{w}/agent-trace {' '.join(flags)}", "agent-trace", w,
                          lambda a, p: [at, *flags, "-o", "/dev/null", *extra, "--"] + a,
                          parse=parse_at, role=role)

        for w in ("getppid", "write", "sqlite"):
            cs += [
                Config(f"{w}/bare", "bare", w, lambda a, p: a),
                Config(f"{w}/floor", "floor", w, lambda a, p: [fl, "sys", "--"] + a),
                # The floor of agent-trace without -T, which attaches sys_exit alone.
                Config(f"{w}/floor sys_exit", "floor", w,
                       lambda a, p: [fl, "sys_exit", "--"] + a),
                # The floor of streaming: sys_exit alone sending one record per syscall
                # through a ring buffer to a reader that takes each and does nothing.
                Config(f"{w}/floor stream", "floor", w,
                       lambda a, p: [fl, "sys_exit_rb", "--"] + a, role="stream"),
                # Calls and errors per syscall, the job bpftrace count and syscount do.
                agent(w, ("-c",), "count"),
                # With times: entry and exit paired, two clock reads.
                agent(w, ("-c", "-T"), "count"),
                agent(w, ("--json",), "stream"),
                agent(w, ("--json", "-T"), "stream"),
            ]
            if w != "sqlite":
                # -y: each fd argument named from the per-process table (issue 16).
                cs += [agent(w, ("--json", "-y"), "stream"), agent(w, ("-c", "-y"), "count")]
                # Text lines as strace's (the structure and string decoding of issue 16).
                cs.append(agent(w, ("-s", "32"), "stream"))
            # -k: each record's user stack taken, sent, joined and symbolized.
            if w == "write":
                cs.append(agent(w, ("--json", "-k"), "stream"))
            if self.have("strace"):
                cs += [
                    Config(f"{w}/strace -f", "strace", w,
                           lambda a, p: ["strace", "-f", "-o", "/dev/null"] + a,
                           scale=SLOW, role="stream"),
                    Config(f"{w}/strace -c", "strace", w,
                           lambda a, p: ["strace", "-c", "-o", "/dev/null"] + a,
                           scale=SLOW, role="count"),
                ]
            if self.have("bpftrace"):
                cs += [
                    Config(f"{w}/bpftrace count", "bpftrace", w,
                           lambda a, p: ["bpftrace", "-e",
                                         "tracepoint:raw_syscalls:sys_enter /pid == cpid/ "
                                         "{ @[args->id] = count(); }", "-c", " ".join(a)],
                           parse=parse_bt_count, role="count"),
                    Config(f"{w}/bpftrace printf", "bpftrace", w,
                           lambda a, p: ["bpftrace", "-e",
                                         "tracepoint:raw_syscalls:sys_exit /pid == cpid/ "
                                         "{ printf(\"%d %d\\n\", args->id, args->ret); }",
                                         "-c", " ".join(a)],
                           parse=parse_bt, stdout_file=True, role="stream"),
                ]
            if self.have("syscount"):
                cs.append(Config(f"{w}/syscount", "libbpf-tools", w,
                                 lambda a, p: ["stdbuf", "-oL", "syscount", "-p", str(p)], pid_mode=True,
                                 ready="Tracing", role="count"))
        for w, spec, target in (("func", spec_work, fn), ("malloc", spec_malloc, "libc:malloc")):
            libc = self.libc()
            bt_target = fn if w == "func" else f"{libc}:malloc"
            fl_target = fn if w == "func" else f"{libc}:malloc"
            pf = os.path.join(self.tmp, f"metrics-{w}.yaml")
            with open(pf, "w") as f:
                f.write("probes:\n  - name: work\n    kind: function\n"
                        f"    attach: '{spec}'\n    action: [count, histogram]\n")
            cs += [
                Config(f"{w}/bare", "bare", w, lambda a, p: a),
                Config(f"{w}/floor", "floor", w,
                       lambda a, p, t=fl_target: [fl, "func", t, "--"] + a),
                agent(w, ("-c",), "count", ("-u", spec)),
                agent(w, ("--json",), "stream", ("-u", spec)),
                # Counted and timed in the kernel as -c, and read every second for OTLP
                # metrics: the per-call cost should be -c's.
                Config(f"{w}/{METRICS_CFG}", "agent-trace", w,
                       lambda a, p, pf=pf: [at, "-C", pf, "-o", "/dev/null", "--otlp",
                                            self.metrics_url(), "--otlp-signals", "metrics",
                                            "--otlp-interval", "1s", "--"] + a,
                       scale=METRICS_SCALE[w], parse=parse_at_metrics, role="count"),
                # The same probe file without the export: what the probe file costs by itself.
                Config(f"{w}/{METRICS_CFG_NOEXP}", "agent-trace", w,
                       lambda a, p, pf=pf: [at, "-C", pf, "-o", "/dev/null", "--"] + a,
                       scale=METRICS_SCALE[w], parse=parse_at, role="count"),
            ]
            if self.have("bpftrace"):
                cs += [
                    Config(f"{w}/bpftrace hist", "bpftrace", w,
                           lambda a, p, t=bt_target: [
                               "bpftrace", "-e",
                               f"uprobe:{t} /pid == cpid/ {{ @s[tid] = nsecs; }} "
                               f"uretprobe:{t} /pid == cpid && @s[tid]/ "
                               "{ @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }",
                               "-c", " ".join(a)],
                           parse=parse_bt_count, role="count"),
                    Config(f"{w}/bpftrace printf", "bpftrace", w,
                           lambda a, p, t=bt_target: [
                               "bpftrace", "-e",
                               f"uprobe:{t} /pid == cpid/ {{ @s[tid] = nsecs; @a[tid] = arg0; }} "
                               f"uretprobe:{t} /pid == cpid && @s[tid]/ "
                               "{ printf(\"%d %d %d\\n\", @a[tid], retval, nsecs - @s[tid]); "
                               "delete(@s[tid]); delete(@a[tid]); }",
                               "-c", " ".join(a)],
                           parse=parse_bt, stdout_file=True, role="stream"),
                ]
            if self.have("funclatency"):
                fl_arg = ":bench_work" if w == "func" else "c:malloc"
                cs.append(Config(f"{w}/funclatency", "libbpf-tools", w,
                                 lambda a, p, f=fl_arg: ["stdbuf", "-oL", "funclatency", "-p", str(p), f],
                                 pid_mode=True, ready="Tracing", role="count"))
            if self.have("ltrace"):
                lt = ["-x", "bench_work"] if w == "func" else ["-e", "malloc"]
                cs.append(Config(f"{w}/ltrace", "ltrace", w,
                                 lambda a, p, lt=lt: ["ltrace", "-o", "/dev/null"] + lt + a,
                                 scale=SLOW, role="stream"))
        cs += self.go_configs()
        cs += self.node_configs()
        if self.args.only:
            rx = re.compile(self.args.only)
            cs = [c for c in cs if rx.search(c.name) or c.tool == "bare"]
        return cs

    def at_refuses(self, argv):
        """agent-trace's error line when it refuses argv (exit 2 before attaching), else None."""
        p = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           env=dict(os.environ, BENCH_OUT=os.path.join(self.tmp, "refuse")))
        if p.returncode == 2:
            return (p.stderr.strip().splitlines() or ["exit 2"])[-1][:300]
        return None

    def go_configs(self):
        """Go (issue 15): main.F of bench/gowork with entry + RET probes (agent-trace's
        Go return probes) and entry only, against the floor on the same points (empty
        uprobes at the entry after the stack-check prologue and at each RET) and bpftrace
        counting entries (it cannot do Go returns safely)."""
        gw, at, fl = self.gowork, self.at, self.floor
        if self.args.only and not re.search(self.args.only, "go/"):
            return []
        if not os.path.exists(gw):
            self.notes.append(f"go: {gw} is not built (make {os.path.relpath(gw, ROOT)})")
            return []
        try:
            entry, rets = go_probe_points(gw, "main.F")
        except (OSError, RuntimeError) as e:
            self.notes.append(f"go: {e}")
            return []
        offs = ",".join(hex(o) for o in [entry] + rets)
        self.go_points = {"entry": hex(entry), "rets": [hex(r) for r in rets]}

        def go(name, tool, argv, **kw):
            return Config(f"go/{name}", tool, "go", argv, bin=gw, **kw)

        def agent(flags, spec, suffix, role):
            return go(f"agent-trace {' '.join(flags)}{suffix}", "agent-trace",
                      lambda a, p: [at, *flags, "-o", "/dev/null", "-u", spec, "--"] + a,
                      parse=parse_at, role=role)
        cs = [go("bare", "bare", lambda a, p: a),
              go("floor", "floor", lambda a, p: [fl, "offsets", gw, offs, "--"] + a),
              go("floor entry", "floor", lambda a, p: [fl, "offsets", gw, hex(entry), "--"] + a)]
        refused = self.at_refuses([at, "-q", "-c", "-o", "/dev/null", "-u", GO_SPEC_RET, "--",
                                   gw, "go", "1"])
        if refused:
            self.notes.append(f"go/agent-trace entry + RET: skipped, agent-trace refuses "
                              f"`-u '{GO_SPEC_RET}'`: {refused}")
        for flags, role in ((("-c",), "count"), (("--json",), "stream")):
            if not refused:
                cs.append(agent(flags, GO_SPEC_RET, "", role))
            cs.append(agent(flags, GO_SPEC_ENTRY, " @entry", role))
        if self.have("bpftrace"):
            cs.append(go("bpftrace count", "bpftrace",
                         lambda a, p: ["bpftrace", "-e",
                                       f"uprobe:{gw}:main.F /pid == cpid/ {{ @ = count(); }}",
                                       "-c", " ".join(a)],
                         parse=parse_bt_count, role="count"))
        return cs

    def go_attach(self):
        """Attach time of a Go program with GO_FUNCS functions: agent-trace's launch with
        -u ':main.F*(long a)...' to the held program's "ready" (every probe attached),
        and its exit to the tool's (detach), @entry and entry + RET (Capstone decoding
        each function for its RETs), checking that every function was counted once."""
        n = GO_FUNCS[1 if self.smoke else 0]
        d = os.path.join(self.build, "bench", "gomany")
        src, binp = os.path.join(d, "gomany.go"), os.path.join(d, f"gomany{n}")
        os.makedirs(d, exist_ok=True)
        text = gomany_source(n)
        if not os.path.exists(binp) or not os.path.exists(src) or open(src).read() != text:
            with open(src, "w") as f:
                f.write(text)
            p = subprocess.run(["go", "build", "-o", binp, "gomany.go"], cwd=d,
                               capture_output=True, text=True,
                               env=dict(os.environ, GO111MODULE="off", GOFLAGS="",
                                        GOCACHE=os.path.join(self.build, "gocache")))
            if p.returncode:
                return {"error": "go build: " + p.stderr.strip()[-200:]}
        modes = {"@entry": ":main.F*(long a)@entry", "entry + RET": ":main.F*(long a) -> long"}
        out = {"functions": n, "binary": os.path.relpath(binp, ROOT), "runs": [], "skipped": {}}
        for mode, spec in list(modes.items()):
            # Asked of the program itself: its stdin closed, it runs through at once.
            why = self.at_refuses([self.at, "-q", "-c", "-o", "/dev/null", "-u", spec, "--",
                                   binp])
            if why:
                out["skipped"][mode] = why
                del modes[mode]
        rounds = 1 if self.smoke else self.args.rounds
        rx = re.compile(r"^gomany\d*:main\.F\d{4}\s+(\d+)\s")
        for r in range(rounds):
            for mode, spec in modes.items():
                res = {"mode": mode, "round": r + 1}
                argv = [self.at, "-q", "-c", "-u", spec, "--", binp]
                o, e = os.path.join(self.tmp, "goattach.out"), os.path.join(self.tmp,
                                                                            "goattach.err")
                with open(o, "wb") as fo, open(e, "wb") as fe:
                    p, t0, why = self.launch_ready(argv, dict(os.environ), fo, fe, o, e)
                    if why:
                        res["error"] = why
                    else:
                        res["attach_s"] = time.monotonic() - t0
                        t1 = time.monotonic()
                        p.stdin.write(b"g")
                        p.stdin.close()
                        p.wait(timeout=900)
                        res["detach_s"] = time.monotonic() - t1
                        res["rc"] = p.returncode
                if "error" not in res:
                    calls = [int(m.group(1)) for m in map(rx.match, open(o, errors="replace"))
                             if m]
                    # A call whose stack grows enters twice where the probe is before the
                    # stack check (runtime.morestack restarts the function): more than once.
                    res["counted"] = len(calls)
                    res["counted_more"] = sum(1 for c in calls if c > 1)
                    if res["rc"] != 0 or len(calls) != n or min(calls) < 1:
                        res["error"] = (f"exit {res['rc']}, {len(calls)} of {n} functions "
                                        "counted: " + open(e).read().strip()[-200:])
                out["runs"].append(res)
                print(f"go attach round {r + 1} {mode}: " + (res.get("error") or
                      f"attach {res['attach_s']:.3f} s, detach {res['detach_s']:.3f} s, "
                      f"{res['counted_more']} counted more than once"), flush=True)
        out["summary"] = {}
        for mode in modes:
            rr = [x for x in out["runs"] if x["mode"] == mode and "error" not in x]
            if rr:
                out["summary"][mode] = {k: statistics.median(x[k] for x in rr)
                                        for k in ("attach_s", "detach_s")}
                out["summary"][mode]["counted_more"] = max(x["counted_more"] for x in rr)
        return out

    def node_configs(self):
        """Untargeted tracing (issue 14): one probe file under targets: {all: true}, on one
        process (-p), and with exe targets that do not match the workload, beside it; the
        syscall probe on getppid and on an exec chain, a libc probe on malloc."""
        def sys_file(targets):
            return (f"{targets}probes:\n  - name: ppid\n    kind: syscall\n"
                    "    attach: getppid\n    action: count\n")
        held = os.path.join(self.tmp, "held", "sleep")
        malloc_file = ("probes:\n  - name: malloc\n    kind: function\n"
                       "    attach: 'libc:malloc(u64 size) -> ptr'\n    action: count\n")
        all_t = "targets:\n  all: true\n"
        none_t = "targets:\n  exe: [/nonexistent/bench-none]\n"
        # The exec'ed file's name (follow) is a target's: every exec is a candidate that
        # the reader confirms by path and rejects.
        same_t = "targets:\n  exe: [/nonexistent/follow]\n"

        def agent(w, what, f, how, hold=None, bin=None):
            return Config(f"{w}/agent-trace -C file, {what}", "agent-trace", w, None,
                          parse=parse_at, role="count", bin=bin,
                          agent=lambda b: (f, how, hold and hold()))

        def hold():
            # A traced process that maps libc and calls nothing: libc's links exist.
            os.makedirs(os.path.dirname(held), exist_ok=True)
            if not os.path.exists(held):
                shutil.copy(shutil.which("sleep"), held)
            return [held, "1000"]
        return [
            agent("getppid", "-p", sys_file(""), "pid"),
            agent("getppid", "all", sys_file(all_t), "bg"),
            agent("getppid", "unmatched", sys_file(none_t), "bg"),
            Config("exec/bare", "bare", "exec", lambda a, p: a, bin=self.follow),
            agent("exec", "unmatched", sys_file(none_t), "bg", bin=self.follow),
            agent("exec", "unmatched same name", sys_file(same_t), "bg", bin=self.follow),
            agent("exec", "all", sys_file(all_t), "bg", bin=self.follow),
            agent("malloc", "-p", malloc_file, "pid"),
            agent("malloc", "unmatched", f"targets:\n  exe: [{held}]\n" + malloc_file, "bg",
                  hold=hold),
        ]

    def metrics_url(self):
        """The metrics-path rows' receiver (bench/otlp_sink, for the whole run)."""
        if not self.metrics_rcv:
            self.metrics_rcv = Receiver([self.otlp_sink], "otlp_sink")
        return self.metrics_rcv.url

    def libc(self):
        out = subprocess.run(["ldd", self.wl], capture_output=True, text=True).stdout
        m = re.search(r"libc\.so\.6 => (\S+)", out)
        return os.path.realpath(m.group(1)) if m else "/lib/x86_64-linux-gnu/libc.so.6"

    def workload_argv(self, c):
        n = SIZES[c.workload][1 if self.smoke else 0]
        n = max(1, int(n * c.scale)) if not self.smoke else n
        a = [c.bin or self.wl, c.workload, str(n)]
        if c.workload == "sqlite":
            a.append(os.path.join(self.tmp, "bench.db"))
        return a

    # -- one run ---------------------------------------------------------------
    def run(self, c, stats=False):
        res_path = os.path.join(self.tmp, "result")
        ru_path = os.path.join(self.tmp, "rusage")
        out_path = os.path.join(self.tmp, "stdout")
        err_path = os.path.join(self.tmp, "stderr")
        for p in (res_path, out_path, err_path, ru_path):
            if os.path.exists(p):
                os.unlink(p)
        env = dict(os.environ, BENCH_OUT=res_path)
        wargv = self.workload_argv(c)
        reaped_cpu = True  # the tool's rusage includes the workload's
        if c.agent:
            try:
                r = self.run_agent(c, wargv, env, out_path, err_path, ru_path, stats)
            except (OSError, RuntimeError) as e:
                return {"rc": 1, "error": str(e)[:200]}
        elif c.pid_mode:
            r = self.run_pid_mode(c, wargv, env, out_path, err_path, ru_path)
            reaped_cpu = False
        else:
            argv = [self.measure, ru_path] + c.argv(wargv, 0)
            with open(out_path, "w") as o, open(err_path, "w") as e:
                t0 = time.monotonic()
                p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=o if (c.stdout_file or c.parse) else
                                     subprocess.DEVNULL, stderr=e)
                p.wait()
                r = {"rc": p.returncode, "wall_s": time.monotonic() - t0}
        out = open(out_path, errors="replace").read() if os.path.exists(out_path) else ""
        err = open(err_path, errors="replace").read() if os.path.exists(err_path) else ""
        if r["rc"] != 0 or not os.path.exists(res_path):
            r["error"] = (err.strip().splitlines() or [f"exit {r['rc']}"])[-1][:200]
            return r
        for path in (res_path, ru_path):
            kv = dict(x.split("=") for x in open(path).read().split())
            r.update({k if path == res_path else "ru_" + k: int(v) for k, v in kv.items()})
        r["ru_cpu_s"] = r.pop("ru_cpu_ns") / 1e9
        r["peak_rss_mib"] = r.pop("ru_maxrss_kib") / 1024
        r["ns_per_event"] = r["loop_ns"] / max(1, r["events"])
        if c.tool != "bare" and not c.agent:
            # The tool's CPU: its rusage, less the workload's own when it reaped it.
            r["tool_cpu_s"] = max(0.0, r["ru_cpu_s"] - (r["cpu_ns"] / 1e9 if reaped_cpu else 0))
        if c.parse:
            r.update(c.parse(out, err))
        return r

    def run_agent(self, c, wargv, env, out_path, err_path, ru_path, stats):
        """The workload under bench/measure with agent-trace on a probe file beside it:
        "bg", started first (its targets pick the workload or not); "pid", given the
        waiting workload with -p. The tool's CPU: the agent's over the workload's run
        (/proc); stats: bpf_stats of the agent's own programs over it ("programs")."""
        yaml, how, hold = c.agent(self)
        held = ag = None
        r = {}
        try:
            if hold:
                held = subprocess.Popen(hold, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wenv = dict(env, BENCH_WAIT="1") if how == "pid" else env
            if how == "bg":
                ag = node.Agent(self.at, self.tmp, "cfg", yaml)
                if hold and not ag.wait_metric("agent_trace_follow_processes", 1, 10):
                    raise RuntimeError("the held process was never traced")
            with open(out_path, "w") as o, open(err_path, "w") as e:
                if how == "bg":
                    ids = node.agent_prog_ids(ag.p.pid) if stats else set()
                    before = prog_show() if stats else {}
                    c0, t0 = ag.cpu_s(), time.monotonic()
                w = subprocess.Popen([self.measure, ru_path] + wargv, env=wenv,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE
                                     if how == "pid" else o, stderr=e)
                if how == "pid":
                    if w.stdout.readline() != b"ready\n":
                        w.kill()
                        w.wait()
                        raise RuntimeError("the workload did not start")
                    ag = node.Agent(self.at, self.tmp, "cfg", yaml, ["-p", str(w.pid)])
                    ids = node.agent_prog_ids(ag.p.pid) if stats else set()
                    before = prog_show() if stats else {}
                    c0, t0 = ag.cpu_s(), time.monotonic()
                    w.stdin.write(b"g")
                w.stdin.close()
                w.wait()
                r = {"rc": w.returncode, "wall_s": time.monotonic() - t0,
                     "agent_cpu_s": ag.cpu_s() - c0}
                if stats:
                    after = prog_show()
                    r["programs"] = {}
                    for i in ids:
                        a, b = after.get(i), before.get(i)
                        if a and b and a.get("run_cnt", 0) > b.get("run_cnt", 0):
                            cnt = a["run_cnt"] - b["run_cnt"]
                            r["programs"][a.get("name", "?")] = {
                                "calls": cnt,
                                "ns": (a.get("run_time_ns", 0) - b.get("run_time_ns", 0)) / cnt}
        finally:
            if ag:
                ag.stop()
                with open(err_path, "a") as e:
                    e.write(ag.stderr())
            if held:
                held.kill()
                held.wait()
        r["tool_cpu_s"] = r.get("agent_cpu_s", 0.0)
        return r

    def run_pid_mode(self, c, wargv, env, out_path, err_path, ru_path):
        wenv = dict(env, BENCH_WAIT="1")
        w = subprocess.Popen(wargv, env=wenv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        if w.stdout.readline() != b"ready\n":
            w.kill()
            w.wait()
            return {"rc": 1}
        t0 = time.monotonic()
        with open(err_path, "w") as e:
            t = subprocess.Popen([self.measure, ru_path] + c.argv(wargv, w.pid),
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=e)
        seen = b""
        deadline = time.monotonic() + 30
        while c.ready.encode() not in seen and time.monotonic() < deadline:
            rd, _, _ = select.select([t.stdout], [], [], 0.5)
            if rd:
                chunk = os.read(t.stdout.fileno(), 65536)
                if not chunk:
                    break
                seen += chunk
        ok = c.ready.encode() in seen
        if ok:
            w.stdin.write(b"g")
            w.stdin.flush()
        w.stdin.close()
        w.wait()
        t.send_signal(signal.SIGINT)
        rest = t.stdout.read()
        t.wait()
        with open(out_path, "wb") as o:
            o.write(seen + rest)
        rc = 0 if ok and w.returncode == 0 and t.returncode in (0, 130) else 1
        return {"rc": rc, "wall_s": time.monotonic() - t0}

    # -- the extra measurements ----------------------------------------------
    def rate_sweep(self):
        """Highest producer rate with no loss, for agent-trace and bpftrace printf."""
        rates = [20000, 50000] if self.smoke else \
            [50000, 100000, 200000, 400000, 800000, 1600000, 3200000]
        secs = "0.2" if self.smoke else "1"
        tools = {"agent-trace": lambda a: [self.at, "--json", "-o", "/dev/null", "--"] + a}
        if shutil.which("bpftrace"):
            tools["bpftrace"] = lambda a: [
                "bpftrace", "-e", "tracepoint:raw_syscalls:sys_exit /pid == cpid/ "
                "{ printf(\"%d %d\\n\", args->id, args->ret); }", "-c", " ".join(a)]
        out = {}
        for name, argv in tools.items():
            best, runs = None, []
            for rate in rates:
                threads = "1" if rate <= 400000 else "2"
                res = os.path.join(self.tmp, "rate")
                outp = os.path.join(self.tmp, "rate.out")
                with open(outp, "w") as o:
                    p = subprocess.run(argv([self.wl, "rate", str(rate), secs, threads]),
                                       env=dict(os.environ, BENCH_OUT=res),
                                       stdout=o, stderr=subprocess.PIPE, text=True)
                out_text = open(outp, errors="replace").read()
                if p.returncode != 0 or not os.path.exists(res):
                    runs.append({"rate": rate, "error": p.stderr.strip()[-200:]})
                    break
                kv = dict(x.split("=") for x in open(res).read().split())
                achieved = int(kv["events"]) / float(secs)
                got = parse_at("", p.stderr) if name == "agent-trace" else \
                    parse_bt(out_text, p.stderr)
                lost = got.get("lost", -1)
                runs.append({"rate": rate, "achieved": round(achieved), "lost": lost,
                             "delivered": got.get("delivered")})
                if lost != 0:
                    break
                best = max(best or 0, achieved)
            out[name] = {"max_zero_loss_rate": round(best) if best else 0, "runs": runs}
        return out

    def export_receiver(self):
        """The export sweep's receiver, on the last CPU. The full run: bench/otlp_sink
        (receiver.js, even with --no-check, parses each body in node and cannot keep up
        with 200k records/s on this VM). The smoke run: receiver.js checking every request
        when its npm packages are installed, so the count of records received is exact."""
        cpu = (os.cpu_count() or 1) - 1
        js = os.path.join(ROOT, "tests", "otlp", "receiver.js")
        defs = os.path.join(ROOT, "tests", "otlp", "node_modules", "@opentelemetry",
                            "otlp-transformer")
        if self.smoke and shutil.which("node") and os.path.isdir(defs):
            return Receiver(["node", js], "receiver.js (checking)", cpu)
        return Receiver([self.otlp_sink], "bench/otlp_sink", cpu)

    def export_step(self, mode, rate, secs, rcv):
        """One step: agent-trace --json -o /dev/null (and an OTLP logs sink unless mode is
        the JSON path alone) on the steady producer. Loss: the ring buffer's and the sink's."""
        comp = EXPORT_MODES[mode]
        extra = [] if comp is None else ["--otlp", rcv.url, "--otlp-signals", "logs",
                                         "--otlp-compression", comp]
        threads = "1" if rate <= 400000 else "2"
        res = os.path.join(self.tmp, "export")
        if os.path.exists(res):
            os.unlink(res)
        argv = [self.at, "--json", "-o", "/dev/null", *extra, "--",
                self.wl, "steady", str(rate), str(secs), threads]
        s0, c0 = (rcv.stats(), rcv.cpu_s()) if comp else ({}, 0)
        p = subprocess.run(argv, env=dict(os.environ, BENCH_OUT=res), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        step = {"mode": mode, "rate": rate}
        if p.returncode != 0 or not os.path.exists(res):
            return dict(step, error=(p.stderr.strip().splitlines() or
                                     [f"exit {p.returncode}"])[-1][:200])
        kv = dict(x.split("=") for x in open(res).read().split())
        got = parse_at("", p.stderr)
        if "error" in got:
            return dict(step, error=got["error"])
        step.update({"achieved": round(int(kv["events"]) / secs), "delivered": got["delivered"],
                     "lost": got["lost"], "cpu_s": got["self_cpu_s"],
                     "cpu_us_per_event": got["self_cpu_s"] * 1e6 / max(1, got["delivered"])})
        if comp:
            sk = parse_sinks(p.stderr).get("otlp logs")
            if not sk:
                return dict(step, error="no otlp logs line")
            s1, c1 = rcv.stats(), rcv.cpu_s()
            step.update({"pushed": sk["pushed"], "sent": sk["sent"], "dropped": sk["dropped"],
                         "batches": sk["batches"], "bytes": sk["bytes"], "retries": sk["retries"],
                         "recv_requests": s1["requests"] - s0["requests"],
                         "recv_cpu_s": round(c1 - c0, 3),
                         "recv_cpu_us_per_event": (c1 - c0) * 1e6 / max(1, sk["sent"]),
                         "bytes_per_event": sk["bytes"] / max(1, sk["sent"])})
            # What the receiver saw against what the agent says it sent: requests (and
            # bytes, otlp_sink; records, receiver.js), and received + dropped == pushed.
            if "log_records" in s1:
                recv = s1["log_records"] - s0["log_records"]
                step["received"] = recv
                step["check"] = (recv == sk["sent"] and recv + sk["dropped"] == sk["pushed"]
                                 and sk["pushed"] == got["delivered"])
            else:
                step["recv_bytes"] = s1["bytes"] - s0["bytes"]
                step["check"] = (step["recv_requests"] == sk["batches"] and
                                 step["recv_bytes"] == sk["bytes"] and
                                 sk["sent"] + sk["dropped"] == sk["pushed"] == got["delivered"])
        step["zero_loss"] = step["lost"] == 0 and step.get("dropped", 0) == 0 and \
            step.get("check", True)
        return step

    def export_sweep(self):
        """Export throughput: per mode, the highest rate without loss (ring buffer and sink)
        and agent-trace's CPU per event, modes interleaved at each rate, a few rounds."""
        rates, secs = EXPORT_RATES[self.smoke], EXPORT_SECS[self.smoke]
        rounds = 1 if self.smoke else min(3, self.args.rounds)
        try:
            rcv = self.export_receiver()
        except (OSError, RuntimeError) as e:
            return {"error": str(e)[:200]}
        modes = list(EXPORT_MODES)
        runs, base = [], {m: [] for m in modes}
        try:
            for r in range(rounds):
                order = modes[r % len(modes):] + modes[:r % len(modes)]
                # The CPU of a run that makes no events (start-up, the exit, the flush):
                # subtracted for the net figure.
                for m in order:
                    st = self.export_step(m, 1, 0.001, rcv)
                    if "cpu_s" in st:
                        base[m].append(st["cpu_s"])
                live = set(modes)
                for rate in rates:
                    for m in order:
                        if m not in live:
                            continue
                        st = dict(self.export_step(m, rate, secs, rcv), round=r + 1)
                        runs.append(st)
                        print(f"export round {r + 1} {m} {rate}/s: " + (
                            st.get("error") or "%d made, %d lost, %s dropped, %.2f us cpu/event%s"
                            % (st["achieved"], st["lost"], st.get("dropped", "-"),
                               st["cpu_us_per_event"],
                               "" if st.get("check", True) else ", CHECK FAILED")), flush=True)
                        if not st.get("zero_loss"):
                            live.discard(m)
                    if not live:
                        break
        finally:
            rcv.stop()
        return {"receiver": rcv.name, "receiver_cpu": rcv.cpu, "secs": secs, "rounds": rounds,
                "runs": runs, "summary": export_summary(runs, base, modes)}

    def startup_and_latency(self):
        """Launch to first event, and a lone event's delay from syscall to output line."""
        tools = {"agent-trace": lambda pid: [self.at, "-p", str(pid), "-e", "lseek"]}
        if shutil.which("bpftrace"):
            tools["bpftrace"] = lambda pid: [
                "bpftrace", "-e", f"tracepoint:syscalls:sys_enter_lseek /pid == {pid}/ "
                "{ printf(\"lseek(%d, %lld)\\n\", args->fd, args->offset); }"]
        rounds = 1 if self.smoke else max(3, self.args.rounds)
        samples = 3 if self.smoke else 25
        rx = re.compile(r"lseek\(-1, (\d+)")
        out = {n: {"startup_s": [], "delay_us": []} for n in tools}
        for _ in range(rounds):
            for name, argv in tools.items():
                w = subprocess.Popen([self.wl, "tick", "20"], stdout=subprocess.DEVNULL)
                t0 = time.monotonic()
                t = subprocess.Popen(argv(w.pid), stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, bufsize=0)
                buf, first, got = b"", None, 0
                deadline = t0 + 30
                while got < samples and time.monotonic() < deadline:
                    rd, _, _ = select.select([t.stdout], [], [], 1)
                    if not rd:
                        continue
                    chunk = os.read(t.stdout.fileno(), 65536)
                    now_us = time.monotonic_ns() // 1000
                    if not chunk:
                        break
                    buf += chunk
                    *lines, buf = buf.split(b"\n")
                    for l in lines:
                        m = rx.search(l.decode(errors="replace"))
                        if not m:
                            continue
                        if first is None:
                            first = time.monotonic() - t0
                            continue  # the first may have waited for the attach
                        out[name]["delay_us"].append(now_us - int(m.group(1)))
                        got += 1
                t.send_signal(signal.SIGINT)
                t.communicate()
                w.kill()
                w.wait()
                if first is not None:
                    out[name]["startup_s"].append(first)
        return out

    # -- probe churn (issue 11) ------------------------------------------------------
    def churn_argv(self, tool, n, extra=None):
        """The tool tracing many's first n functions (entry and return) until it exits."""
        glob = CHURN_GLOBS.get(n)  # extra (a probe file) may name the functions instead
        env = dict(os.environ)
        env.pop("AT_NO_UPROBE_MULTI", None)
        if tool == "bpftrace":
            return ["bpftrace", "-e", f"uprobe:{self.many}:{glob},uretprobe:{self.many}:{glob} "
                    "{ @[probe] = count(); }", "-c", f"{self.many} wait 1"], env
        if tool == "agent-trace fallback":
            env["AT_NO_UPROBE_MULTI"] = "1"
        probes = extra or ["-u", f":{glob}(int x)"]
        return [self.at, "-q", "-c"] + probes + ["--", self.many, "wait", "1"], env

    @staticmethod
    def wait_text(path, text, deadline):
        while time.monotonic() < deadline:
            with open(path, "rb") as f:
                if text in f.read():
                    return True
            time.sleep(0.002)
        return False

    @staticmethod
    def link_ids(pid):
        """The BPF links a process holds, from its fds' fdinfo."""
        ids = []
        d = f"/proc/{pid}/fdinfo"
        for fd in os.listdir(d):
            try:
                with open(os.path.join(d, fd)) as f:
                    m = re.search(r"^link_id:\s+(\d+)", f.read(), re.M)
            except OSError:
                continue
            if m:
                ids.append(int(m.group(1)))
        return ids

    @staticmethod
    def links_alive(ids):
        out = subprocess.run(["bpftool", "-j", "link", "show"], capture_output=True, text=True)
        try:
            have = {l["id"] for l in json.loads(out.stdout or "[]")}
        except ValueError:
            return True
        return bool(have & set(ids))

    def churn_run(self, tool, n, kind, entries=False):
        """One run: launch to the target's "ready" (attached), then kind: "exit" (the
        target exits, the tool detaches), "sigint" (Ctrl-C) or "sigkill". entries: the
        n functions as a probe file of n one-function entries (keys "entries_...")."""
        extra = None
        if entries:
            path = os.path.join(self.tmp, "churn-entries.yaml")
            with open(path, "w") as f:
                f.write("probes:\n" + "".join(
                    f"  - name: p{i}\n    kind: function\n    attach: ':fn_{i:03d}(int x)'\n"
                    for i in range(n)))
            extra = ["-C", path]
        argv, env = self.churn_argv(tool, n, extra)
        out = os.path.join(self.tmp, "churn.out")
        err = os.path.join(self.tmp, "churn.err")
        res = {"tool": tool, "functions": n, "kind": kind + (" entries" if entries else "")}
        res.update(self.churn_once(argv, env, out, err, kind))
        if entries:
            res = {("entries_" + k if k.endswith("_s") else k): v for k, v in res.items()}
        return res

    def launch_ready(self, argv, env, fo, fe, out, err):
        """Starts argv (stdout to fo, stderr to fe) and waits for the target's "ready" in
        out: (process, start time, None), or (None, start, why) once it is killed."""
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=fo, stderr=fe, env=env)
        if not self.wait_text(out, b"ready\n", t0 + 120):
            p.kill()
            p.wait()
            return None, t0, "never ready: " + open(err).read().strip()[:200]
        return p, t0, None

    def churn_once(self, argv, env, out, err, kind):
        """churn_run's measures of one launch of argv: times, or an error."""
        res = {}
        with open(out, "wb") as fo, open(err, "wb") as fe:
            p, t0, why = self.launch_ready(argv, env, fo, fe, out, err)
            if why:
                return dict(res, error=why)
            res["attach_s"] = time.monotonic() - t0
            ids = self.link_ids(p.pid)
            t1 = time.monotonic()
            if kind == "exit":
                p.stdin.write(b"g")
                p.stdin.close()
                p.wait(timeout=900)
                res["detach_s"] = time.monotonic() - t1
            elif kind == "sigint":
                p.send_signal(signal.SIGINT)
                p.wait(timeout=900)
                res["exit_s"] = time.monotonic() - t1
                p.stdin.close()  # the target, if still there, reads EOF and exits
            else:
                p.kill()
                p.wait(timeout=900)
                res["reaped_s"] = time.monotonic() - t1
                p.stdin.close()
                if ids:
                    while self.links_alive(ids) and time.monotonic() - t1 < 900:
                        time.sleep(0.01)
                    res["links_gone_s"] = time.monotonic() - t1
        return res

    def churn_reload(self, tool, n):
        """A probe file of n functions in one entry plus one: the one changed, SIGHUP,
        time to the reload's log line."""
        path = os.path.join(self.tmp, "churn.yaml")

        def write(one):
            with open(path + ".tmp", "w") as f:
                f.write("probes:\n  - name: many\n    kind: function\n"
                        f"    attach: ':{CHURN_GLOBS[n]}(int x)'\n"
                        f"  - name: one\n    kind: function\n    attach: ':fn_{one}(int x)'\n")
            os.rename(path + ".tmp", path)
        write(900)
        argv, env = self.churn_argv(tool, n, ["-C", path])
        out = os.path.join(self.tmp, "churn.out")
        err = os.path.join(self.tmp, "churn.err")
        res = {"tool": tool, "functions": n + 1, "kind": "reload"}
        with open(out, "wb") as fo, open(err, "wb") as fe:
            p, t0, why = self.launch_ready(argv, env, fo, fe, out, err)
            if why:
                return dict(res, error=why)
            write(901)
            t1 = time.monotonic()
            p.send_signal(signal.SIGHUP)
            ok = self.wait_text(err, b"reload: 0 new, 1 changed", t1 + 60)
            res["reload_s"] = time.monotonic() - t1
            p.stdin.write(b"g")
            p.stdin.close()
            p.wait(timeout=900)
            if not ok:
                return dict(res, error="no reload line: " + open(err).read().strip()[:200])
        return res

    def churn(self):
        """Attach, detach, Ctrl-C, SIGKILL and reload with many function probes: uprobe_multi
        links against the per-probe fallback and bpftrace."""
        tools = [t for t in CHURN if t != "bpftrace" or self.have("bpftrace")]
        rounds = 1 if self.smoke else self.args.rounds
        runs = []
        for r in range(rounds):
            for tool in tools:
                n = CHURN[tool][1 if self.smoke else 0]
                # The slow ones once; in the smoke run only the plain exit.
                if r and tool != "agent-trace":
                    continue
                kinds = ["exit"] if self.smoke and tool != "agent-trace" else \
                    ["exit", "sigint", "sigkill"]
                for kind in kinds:
                    res = self.churn_run(tool, n, kind)
                    runs.append(res)
                    print(f"churn round {r + 1} {tool} {n} {kind}: "
                          + (res.get("error") or ", ".join(f"{k} {v:.3f}" for k, v in res.items()
                                                         if k.endswith("_s"))), flush=True)
                if tool in CHURN_ENTRIES:
                    n = CHURN_ENTRIES[tool][1 if self.smoke else 0]
                    res = self.churn_run(tool, n, "sigkill", entries=True)
                    runs.append(res)
                    print(f"churn round {r + 1} {tool} {n} entries sigkill: "
                          + (res.get("error") or ", ".join(f"{k} {v:.3f}" for k, v in res.items()
                                                         if k.endswith("_s"))), flush=True)
                if tool in CHURN_RELOAD and (not r or tool == "agent-trace"):
                    res = self.churn_reload(tool, CHURN_RELOAD[tool][1 if self.smoke else 0])
                    runs.append(res)
                    print(f"churn round {r + 1} {tool} reload: "
                          + (res.get("error") or f"{res['reload_s']:.3f} s"), flush=True)
        return {"runs": runs, "summary": churn_summary(runs)}

    def section(self, name):
        """With --only, the bench's other parts run only when the regex names them."""
        return not self.args.only or re.search(self.args.only, name)

    # -- the whole bench ---------------------------------------------------------
    @staticmethod
    def mount_tracefs():
        """The peers (bpftrace, syscount) attach tracepoints through tracefs,
        which a fresh machine does not mount; agent-trace needs none."""
        if os.path.isdir("/sys/kernel/tracing/events"):
            return
        r = subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("bench: tracefs is not mounted and mounting it failed: "
                     + (r.stderr.strip() or "mount exit %d" % r.returncode)
                     + " (the peers bpftrace and syscount need /sys/kernel/tracing)")

    def main(self):
        self.mount_tracefs()
        cs = self.configs()
        rounds = 1 if self.smoke else self.args.rounds
        runs = {c.name: [] for c in cs}
        total = len(cs) * rounds
        i = 0
        for r in range(rounds):
            for c in cs:
                i += 1
                res = self.run(c)
                runs[c.name].append(res)
                status = res.get("error") or "%.1f ns/event" % res["ns_per_event"]
                print(f"[{i}/{total}] round {r + 1} {c.name}: {status}", flush=True)
        go_attach = self.go_attach() if self.section("go_attach") else None
        sweep = self.rate_sweep() if self.section("rate_sweep") else {}
        print("rate sweep:", json.dumps({k: v["max_zero_loss_rate"] for k, v in sweep.items()}),
              flush=True)
        start = self.startup_and_latency() if self.section("startup") else {}
        report = self.report(cs, runs, sweep, start)
        report["metrics_path"] = metrics_path(report["rows"])
        if go_attach is not None:
            report["go_attach"] = go_attach
        if getattr(self, "go_points", None):
            report["go_points"] = self.go_points
        if self.section("export"):
            report["export"] = self.export_sweep()
        if self.section("piece_costs"):
            report["piece_costs"] = self.piece_costs()
        if self.section("program_costs"):
            report["program_costs"] = self.program_costs()
        if self.section("churn"):
            report["churn"] = self.churn()
        report.update(self.node(cs, report["rows"]))
        if self.metrics_rcv:
            self.metrics_rcv.stop()
        self.write(report)
        shutil.rmtree(self.tmp, ignore_errors=True)
        errors = [f"{n}: {r['error']}" for n, rr in runs.items() for r in rr if "error" in r]
        ex = report.get("export", {})
        errors += [f"export: {ex['error']}"] if "error" in ex else []
        errors += [f"export {r['mode']} {r['rate']}/s: " + r.get("error", "receiver check failed")
                   for r in ex.get("runs", []) if "error" in r or not r.get("check", True)]
        errors += node.errors(report)
        ga = report.get("go_attach") or {}
        errors += [f"go attach: {ga['error']}"] if "error" in ga else []
        errors += [f"go attach {r['mode']} round {r['round']}: {r['error']}"
                   for r in ga.get("runs", []) if "error" in r]
        for e in errors:
            print("error:", e, file=sys.stderr)
        return 1 if errors else 0

    def node(self, cs, rows):
        """The node-wide parts (issue 14): untargeted tracing's summary and its programs
        under bpf_stats, the attach delay of a replaced binary, containers, scale."""
        out = {}
        mine = [c for c in cs if c.agent]
        if mine:
            out["untargeted"] = {"summary": node.untargeted_summary(rows)}
            if self.section("untargeted"):
                out["untargeted"]["programs"] = self.untargeted_programs(mine)
        parts = [("attach_delay", node.attach_delay), ("containers", node.containers),
                 ("scale", node.scale)]
        pm = None
        for name, fn in parts:
            if not self.section(name):
                continue
            if name != "attach_delay" and not node.have_podman():
                self.missing += [t for t in ("podman", "runc") if not shutil.which(t)
                                 and t not in self.missing]
                continue
            try:
                if name == "attach_delay":
                    out[name] = fn(self)
                else:
                    pm = pm or node.Podman(os.path.join(self.tmp, "podman"))
                    out[name] = fn(self, pm)
            except (OSError, RuntimeError, subprocess.SubprocessError) as e:
                out[name] = {"error": str(e)[:300]}
                print(f"{name}: error: {e}", flush=True)
        if pm:
            pm.cleanup()
        return out

    def untargeted_programs(self, mine):
        """Each untargeted configuration once more with bpf_stats on: the agent's own
        programs' mean run time and calls over the workload's run."""
        stats = "/proc/sys/kernel/bpf_stats_enabled"
        try:
            with open(stats) as f:
                was = f.read().strip() or "0"
            with open(stats, "w") as f:
                f.write("1")
        except OSError as e:
            return [{"config": "all", "programs": {}, "error": f"{stats}: {e.strerror}"}]
        out = []
        try:
            for c in mine:
                r = self.run(c, stats=True)
                out.append({"config": c.name, "events": r.get("events"),
                            "programs": r.get("programs", {}), **({"error": r["error"]}
                                                                 if "error" in r else {})})
            for w, kind in (("getppid", ["sys"]), ("malloc", ["func", f"{self.libc()}:malloc"])):
                out.append(self.floor_programs(w, kind))
        finally:
            with open(stats, "w") as f:
                f.write(was)
        return out

    def floor_programs(self, w, kind):
        """The floor's empty programs under bpf_stats on workload w: they are loaded fresh,
        so their whole counts are the run's; read before the floor's command ends (it
        waits for a line once the workload is done)."""
        n = SIZES[w][1 if self.smoke else 0]
        p = subprocess.Popen([self.floor, *kind, "--", "sh", "-c",
                              f'"$0" {w} {n} >/dev/null; echo done; read x', self.wl],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        res = {"config": f"{w}/floor", "events": n, "programs": {}}
        try:
            line = p.stdout.readline()
            while line and line != b"done\n":
                line = p.stdout.readline()
            if not line:
                return dict(res, error="floor: " + p.stderr.read().decode()[-200:])
            progs = prog_show()
            for i in node.agent_prog_ids(p.pid):
                a = progs.get(i)
                if a and a.get("run_cnt"):
                    res["programs"][a.get("name", "?")] = {
                        "calls": a["run_cnt"], "ns": a.get("run_time_ns", 0) / a["run_cnt"]}
        finally:
            p.stdin.close()
            p.wait()
        return res

    def piece_costs(self):
        """bpf_stats run time of bench/costs.bpf.c's programs, each one piece more than empty."""
        n = "2000" if self.smoke else "300000"
        costs = os.path.join(self.build, "bench", "costs")
        out = {}
        # Attached in order, then in reverse: a program's place in the chain moves its time.
        for flags in ([], ["-r"]):
            p = subprocess.run([costs] + flags + [costs + ".bpf.o", "--", self.wl, "write", n],
                               capture_output=True, text=True)
            if p.returncode:
                return {"error": (p.stderr.strip() or "exit %d" % p.returncode)[:200]}
            for line in p.stdout.splitlines():
                f = line.split()
                if len(f) == 3 and f[0] != "program" and not f[0].startswith("loop_ns"):
                    o = out.setdefault(f[0], {"calls": 0, "ns": 0.0, "runs": 0})
                    o["calls"] += int(f[1])
                    o["ns"] += float(f[2])
                    o["runs"] += 1
        for o in out.values():
            o["ns"] /= o.pop("runs")
        return out

    def program_costs(self):
        """agent-trace's own programs under bpf_stats: mean run time per call, by program."""
        n = 2000 if self.smoke else 300000
        if not shutil.which("bpftool"):
            return {"error": "bpftool not installed"}
        res = []
        stats = "/proc/sys/kernel/bpf_stats_enabled"
        try:
            with open(stats) as f:
                was = f.read().strip() or "0"
            with open(stats, "w") as f:
                f.write("1")
        except OSError as e:
            return {"error": f"{stats}: {e.strerror}"}
        try:
            # The metrics path: the probe file's count + histogram probe with OTLP metrics
            # every second, next to -c -u on the same held workload.
            mpf = os.path.join(self.tmp, "metrics-malloc.yaml")
            cases = PROGRAM_CASES + ([
                ("malloc", ["-C", mpf]),
                ("malloc", ["-C", mpf, "--otlp", self.metrics_url(), "--otlp-signals", "metrics",
                            "--otlp-interval", "1s"])] if os.path.exists(mpf) else [])
            for wl, opts in cases:
                progs = program_run(self.at, self.wl, wl, opts, n)
                if progs is None:
                    continue
                res.append({"workload": wl, "programs": progs,
                            "options": " ".join(opts).replace(self.tmp + "/", "")
                            .replace(self.metrics_url(), "URL") if self.metrics_rcv else
                            " ".join(opts)})
        finally:
            with open(stats, "w") as f:
                f.write(was)
        return {"runs": res}

    def report(self, cs, runs, sweep, start):
        rows, by = [], {}
        for c in cs:
            rr = [r for r in runs[c.name] if "error" not in r]
            if not rr:
                rows.append({"config": c.name, "tool": c.tool, "error": runs[c.name][0]["error"]})
                continue
            per = [r["ns_per_event"] for r in rr]
            row = {"config": c.name, "workload": c.workload, "tool": c.tool, "role": c.role,
                   "runs": len(rr), "events": rr[0]["events"],
                   "ns_per_event": statistics.median(per), "min": min(per), "max": max(per)}
            for k in ("delivered", "lost", "batches", "tool_cpu_s", "peak_rss_mib", "rss_mib",
                      "self_cpu_s", "exports"):
                vals = [r[k] for r in rr if k in r]
                if vals:
                    row[k] = statistics.median(vals) if k not in ("lost",) else max(vals)
            if "delivered" in row and "batches" in row and row["batches"]:
                row["per_wakeup"] = row["delivered"] / row["batches"]
            rows.append(row)
            by[c.name] = row
        for row in rows:
            if "error" in row:
                continue
            bare = by.get(f"{row['workload']}/bare")
            if bare:
                row["added_ns"] = row["ns_per_event"] - bare["ns_per_event"]
        for row in rows:
            if "added_ns" not in row:
                continue
            w = row["workload"]
            # The issue's floor: sys_enter + sys_exit (uprobe + uretprobe for functions).
            fl = by.get(f"{w}/floor")
            # The floor on the points the configuration attaches: sys_exit alone for
            # agent-trace's syscall tracing without -T.
            same = fl
            alone = by.get(f"{w}/floor sys_exit")
            # A probe file attaches sys_enter and sys_exit.
            if alone and (row["config"].endswith(("floor sys_exit", "floor stream")) or
                          (row["tool"] == "agent-trace" and not row["config"].endswith("-T")
                           and "-C file," not in row["config"])):
                same = alone
                if row["config"].endswith("floor sys_exit"):
                    fl = alone
            # Go entry-only rows (agent-trace @entry, bpftrace): the floor's entry alone.
            if w == "go" and ("@entry" in row["config"] or row["config"] in (
                    "go/bpftrace count", "go/floor entry")):
                same = by.get("go/floor entry") or same
            if fl and fl.get("added_ns", 0) > 0:
                row["x_floor"] = row["added_ns"] / fl["added_ns"]
            if same and same.get("added_ns", 0) > 0:
                row["x_floor_same"] = row["added_ns"] / same["added_ns"]
            fs = by.get(f"{w}/floor stream")
            if (fs and fs.get("added_ns", 0) > 0 and row["role"] == "stream" and
                    row["tool"] != "floor"):
                row["x_stream_floor"] = row["added_ns"] / fs["added_ns"]
            ref = by.get(f"{w}/agent-trace " + ("--json" if row["role"] == "stream" else "-c")
                         + (" @entry" if w == "go" else ""))
            if ref and ref.get("added_ns", 0) > 0 and row["tool"] != "agent-trace":
                row["x_agent_trace"] = row["added_ns"] / ref["added_ns"]
            # agent-trace's cost against bpftrace's for the counting job (goal: <= 0.5x).
            bt = by.get(f"{w}/bpftrace count")
            if bt and bt.get("added_ns", 0) > 0 and row["tool"] == "agent-trace":
                row["x_bt_count"] = row["added_ns"] / bt["added_ns"]
        summ = {}
        for n, v in start.items():
            summ[n] = {"startup_s_median": statistics.median(v["startup_s"]) if v["startup_s"]
                       else None,
                       "delay_us_median": statistics.median(v["delay_us"]) if v["delay_us"]
                       else None,
                       "delay_us_max": max(v["delay_us"]) if v["delay_us"] else None}
        return {"date": datetime.datetime.now().isoformat(timespec="seconds"),
                "smoke": self.smoke, "machine": self.machine(), "rows": rows,
                "rate_sweep": sweep, "startup_latency": summ, "missing_tools": self.missing,
                "notes": self.notes}

    def machine(self):
        def first_line(argv):
            try:
                p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
                return ((p.stdout or p.stderr).strip().splitlines() or [""])[0]
            except (OSError, subprocess.TimeoutExpired):
                return "not installed"
        cpu = ""
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                cpu = l.split(":", 1)[1].strip()
                break
        return {"kernel": platform.release(), "cpu": cpu, "cpus": os.cpu_count(),
                "agent-trace": first_line([self.at, "--version"]),
                "strace": first_line(["strace", "-V"]),
                "bpftrace": first_line(["bpftrace", "--version"]),
                "libbpf-tools": first_line(["dpkg-query", "-W", "-f", "${Version}",
                                            "libbpf-tools"]),
                "ltrace": first_line(["ltrace", "-V"]),
                "libbpf": first_line(["pkg-config", "--modversion", "libbpf"])}

    def write(self, rep):
        if self.smoke or self.args.only:
            # A smoke run or a partial one (--only) is not the report of record.
            d = os.path.join(self.build, "bench")
            base = [os.path.join(d, "smoke" if self.smoke else "partial")]
        else:
            d = os.path.join(ROOT, "bench", "results")
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            base = [os.path.join(d, "latest"), os.path.join(d, stamp)]
        os.makedirs(d, exist_ok=True)
        md = markdown(rep)
        for b in base:
            with open(b + ".json", "w") as f:
                json.dump(rep, f, indent=1)
            with open(b + ".md", "w") as f:
                f.write(md)
        print(md)
        print("written:", ", ".join(b + ".{md,json}" for b in base))


def fmt(v, spec="%.0f"):
    return "-" if v is None else spec % v


def export_summary(runs, base, modes):
    """Per mode: the highest rate made without loss in each round and their median; the
    median CPU per event (gross, and net of a run without events) at each rate without loss."""
    out = {}
    for m in modes:
        rr = [r for r in runs if r["mode"] == m and "error" not in r]
        best = {}
        for r in rr:
            if r.get("zero_loss"):
                best[r["round"]] = max(best.get(r["round"], 0), r["achieved"])
        b = statistics.median(base[m]) if base.get(m) else 0.0
        at = {}
        for rate in sorted({r["rate"] for r in rr}):
            ok = [r for r in rr if r["rate"] == rate and r.get("zero_loss")]
            if not ok:
                continue
            med = lambda k: statistics.median([r[k] for r in ok]) if all(k in r for r in ok) \
                else None
            at[str(rate)] = {"runs": len(ok), "achieved": med("achieved"),
                             "cpu_us_per_event": med("cpu_us_per_event"),
                             "net_cpu_us_per_event": statistics.median(
                                 [(r["cpu_s"] - b) * 1e6 / max(1, r["delivered"]) for r in ok]),
                             "recv_cpu_us_per_event": med("recv_cpu_us_per_event"),
                             "bytes_per_event": med("bytes_per_event")}
        rounds = sorted({r["round"] for r in runs if r["mode"] == m})
        per_round = [best.get(k, 0) for k in rounds]
        out[m] = {"max_zero_loss_rate": statistics.median(per_round) if per_round else 0,
                  "per_round": per_round, "base_cpu_s": b, "at": at,
                  "first_loss": [{k: r.get(k) for k in ("round", "rate", "achieved", "lost",
                                                         "dropped", "error")}
                                 for r in runs if r["mode"] == m and not r.get("zero_loss")]}
    return out


def metrics_path(rows):
    """The metrics path against -c, per function workload: added ns per call, side by side."""
    by = {r["config"]: r for r in rows if "error" not in r}
    out = []
    for w in ("func", "malloc"):
        c, m = by.get(f"{w}/agent-trace -c"), by.get(f"{w}/{METRICS_CFG}")
        pf = by.get(f"{w}/{METRICS_CFG_NOEXP}", {})
        if not c or not m or "added_ns" not in c or "added_ns" not in m:
            continue
        out.append({"workload": w, "c_added_ns": c["added_ns"], "metrics_added_ns": m["added_ns"],
                    "file_added_ns": pf.get("added_ns"),
                    "c_events": c["events"], "metrics_events": m["events"],
                    "exports": m.get("exports"),
                    "ratio": m["added_ns"] / c["added_ns"] if c["added_ns"] > 0 else None})
    return out


CHURN_KEYS = ("attach_s", "detach_s", "exit_s", "reaped_s", "links_gone_s", "reload_s",
              "entries_reaped_s", "entries_links_gone_s")


def churn_summary(runs):
    """Medians by tool and measure, and the same scaled to 1,000 functions."""
    out = {}
    for r in runs:
        if "error" in r:
            continue
        o = out.setdefault(r["tool"], {"functions": {}, "s": {}})
        for k in CHURN_KEYS:
            if k in r:
                o["s"].setdefault(k, []).append(r[k])
                o["functions"][k] = r["functions"]
    for tool, o in out.items():
        o["s"] = {k: statistics.median(v) for k, v in o["s"].items()}
        # Per-probe links cost per probe: scaled. One link for all: only 1,000 measured
        # counts. Reloads change one probe whatever the others: not scaled.
        o["per_1000_s"] = {k: v * 1000 / o["functions"][k] for k, v in o["s"].items()
                           if k != "reload_s" and (tool != "agent-trace" or
                                                   o["functions"][k] == 1000)}
    return out


def goals(rep):
    """The issue's goals against this run: what was measured, the goal, met or by how much not."""
    by = {r["config"]: r for r in rep["rows"] if "error" not in r}
    out = []

    def ratio_goal(name, configs, key, limit, lower=True):
        vals = [(c, by[c][key]) for c in configs if c in by and by[c].get(key) is not None]
        if not vals:
            return
        worst = max(v for _, v in vals) if lower else min(v for _, v in vals)
        ok = worst <= limit if lower else worst >= limit
        out.append({"goal": name, "measured": ", ".join(f"{c} {v:.2f}x" for c, v in vals),
                    "limit": limit, "met": ok,
                    "by": None if ok else round(worst / limit, 2)})

    sysw = ("getppid", "write")
    ratio_goal("syscalls streamed <= 1.25x floor",
               [f"{w}/agent-trace --json" for w in sysw], "x_floor", 1.25)
    ratio_goal("syscalls summary-only <= 1.05x floor",
               [f"{w}/agent-trace -c" for w in sysw], "x_floor", 1.05)
    ratio_goal("function entry + return <= 1.15x floor",
               [f"{w}/agent-trace {m}" for w in ("func", "malloc") for m in ("-c", "--json")],
               "x_floor", 1.15)
    ratio_goal("Go function entry + RET <= 1.15x floor",
               [f"go/agent-trace {m}" for m in ("-c", "--json")], "x_floor", 1.15)
    if not any(f"go/agent-trace {m}" in by for m in ("-c", "--json")) and \
            any(r["config"].startswith("go/") for r in rep["rows"]):
        out.append({"goal": "Go function entry + RET <= 1.15x floor",
                    "measured": "not measured: agent-trace refused Go return probes (notes)",
                    "limit": 1.15, "met": False, "by": None})
    ratio_goal("counting <= 0.5x bpftrace count",
               [f"{w}/agent-trace -c" for w in sysw], "x_bt_count", 0.5)
    sw = rep.get("rate_sweep", {})
    at = sw.get("agent-trace", {}).get("max_zero_loss_rate")
    bt = sw.get("bpftrace", {}).get("max_zero_loss_rate")
    if at and bt:
        out.append({"goal": "zero-loss rate >= 10x bpftrace printf",
                    "measured": f"{at}/s vs {bt}/s: {at / bt:.1f}x", "limit": 10,
                    "met": at / bt >= 10, "by": None if at / bt >= 10 else round(at / bt / 10, 2)})
    waks = [by[c]["per_wakeup"] for c in (f"{w}/agent-trace --json" for w in sysw)
            if c in by and by[c].get("per_wakeup")]
    sl = rep.get("startup_latency", {})
    d = sl.get("agent-trace", {})
    if waks and d.get("delay_us_max") is not None:
        ok = min(waks) >= 256 and d["delay_us_max"] <= 10000
        out.append({"goal": ">= 256 records per wakeup, a lone event within 10 ms",
                    "measured": f"{min(waks):.0f} per wakeup; lone event median "
                                f"{d['delay_us_median']:.0f} us, max {d['delay_us_max']:.0f} us",
                    "limit": None, "met": ok, "by": None})
    a, b = d.get("startup_s_median"), sl.get("bpftrace", {}).get("startup_s_median")
    if a and b:
        out.append({"goal": "start-up <= 0.5x bpftrace's",
                    "measured": f"{a:.3f} s vs {b:.3f} s: {a / b:.2f}x", "limit": 0.5,
                    "met": a / b <= 0.5, "by": None if a / b <= 0.5 else round(a / b / 0.5, 2)})
    ch = rep.get("churn", {}).get("summary", {}).get("agent-trace")
    if ch:
        s, n = ch["s"], ch["functions"]

        def churn_goal(name, keys, limit):
            if not all(k in s for k in keys):
                return
            v = sum(s[k] for k in keys)
            out.append({"goal": name, "measured": f"{v:.3f} s ({n[keys[0]]} functions)",
                        "limit": limit, "met": v <= limit,
                        "by": None if v <= limit else round(v / limit, 2)})
        churn_goal("attach + detach 1,000 functions <= 2 s", ("attach_s", "detach_s"), 2)
        churn_goal("reload changing 1 probe of 500 <= 200 ms", ("reload_s",), 0.2)
        churn_goal("exit after Ctrl-C with 1,000 probes <= 1 s", ("exit_s",), 1)
        churn_goal("a SIGKILLed agent's probes gone <= 2 s", ("links_gone_s",), 2)
        churn_goal("a SIGKILLed agent's probes gone <= 2 s, one entry per function",
                   ("entries_links_gone_s",), 2)
    ex = rep.get("export", {}).get("summary", {}).get("otlp gzip")
    if ex:
        v = ex["max_zero_loss_rate"]
        out.append({"goal": "export >= 200k events/s with zero loss (OTLP, gzip)",
                    "measured": f"{v:.0f}/s (rounds: {', '.join(str(x) for x in ex['per_round'])})",
                    "limit": 200000, "met": v >= 200000,
                    "by": None if v >= 200000 else round(v / 200000, 2)})
        a = ex["at"].get("200000")
        if a:
            v = a["cpu_us_per_event"]
            out.append({"goal": "<= 2 us agent CPU per exported event with gzip (at 200k/s)",
                        "measured": f"{v:.2f} us ({a['net_cpu_us_per_event']:.2f} net of "
                                    "start-up and exit)", "limit": 2, "met": v <= 2,
                        "by": None if v <= 2 else round(v / 2, 2)})
    for mp in rep.get("metrics_path", []):
        if mp["ratio"] is not None:
            ok = mp["ratio"] <= 1.1
            out.append({"goal": f"{mp['workload']}: OTLP metrics every 1 s add nothing per call "
                                "over -c (within the VM's 10%)",
                        "measured": f"{mp['metrics_added_ns']:.0f} vs {mp['c_added_ns']:.0f} ns "
                                    f"added: {mp['ratio']:.2f}x", "limit": 1.1, "met": ok,
                        "by": None if ok else round(mp["ratio"] / 1.1, 2)})
    # The command-line configurations (the node-wide rows run a probe file with /metrics).
    rss = [r.get("rss_mib") for r in by.values() if r["tool"] == "agent-trace" and r.get("rss_mib")
           and "-C file," not in r["config"]]
    if rss:
        out.append({"goal": "peak RSS <= 20 MiB", "measured": f"{max(rss):.1f} MiB at most",
                    "limit": 20, "met": max(rss) <= 20,
                    "by": None if max(rss) <= 20 else round(max(rss) / 20, 2)})
    return out


def go_markdown(rep):
    """The Go rows' points, the attach time of a Go program with many functions, notes."""
    L = []
    gp = rep.get("go_points")
    if gp:
        L += ["", f"Go (bench/gowork, `main.F` called in a tight loop): the floor is empty "
              f"uprobes at its entry after the stack-check prologue (file offset {gp['entry']}) "
              f"and at each RET ({', '.join(gp['rets'])}); `floor entry` the entry alone, the "
              "points of the `@entry` and bpftrace rows (their `x same points`); bpftrace "
              "counts entries (`uprobe:BIN:main.F /pid == cpid/ { @ = count(); }`), as it "
              "cannot do Go returns safely."]
    ga = rep.get("go_attach")
    if ga:
        L += ["", f"Go attach time ({ga.get('binary', '-')}, {ga.get('functions', '-')} "
              "generated functions, each with a stack-check prologue and two RETs): agent-trace "
              "`-q -c -u ':main.F*(long a)...' -- BIN`, launch to the held program's first "
              "line (every probe attached), and its exit to agent-trace's (detach); medians, "
              "seconds; each run checks that every function was counted (once, but for a call "
              "whose stack grew: runtime.morestack restarts the function, and a probe before "
              "the stack check sees it twice):", ""]
        if "error" in ga:
            L.append(f"- error: {ga['error']}")
        for mode, v in ga.get("summary", {}).items():
            L.append(f"- {mode}: attach {v['attach_s']:.3f} s, detach {v['detach_s']:.3f} s; "
                     f"functions counted more than once: {v.get('counted_more', '-')} at most")
        for mode, why in ga.get("skipped", {}).items():
            L.append(f"- {mode}: skipped, agent-trace refuses it: {why}")
        for r in ga.get("runs", []):
            if "error" in r:
                L.append(f"- error: {r['mode']} round {r['round']}: {r['error']}")
    if rep.get("notes"):
        L += [""] + [f"Note: {n}" for n in rep["notes"]]
    return L


def export_markdown(rep):
    """The export throughput and metrics path sections."""
    L = []
    mp = rep.get("metrics_path")
    if mp:
        L += ["", f"Metrics path: a function probe with `action: [count, histogram]` from a probe "
              "file, exported as OTLP metrics every 1 s (`-C FILE --otlp URL --otlp-signals "
              "metrics --otlp-interval 1s`, to bench/otlp_sink), against `-c -u SPEC`; added ns "
              "per call over the bare loop (medians):", "",
              "| workload | -c | probe file, no export | probe file, OTLP metrics 1 s | ratio "
              "(OTLP over -c) | events (-c / probe file) | exports sent |",
              "|---|---|---|---|---|---|---|"]
        for m in mp:
            L.append(f"| {m['workload']} | {m['c_added_ns']:.0f} | "
                     f"{fmt(m.get('file_added_ns'))} | {m['metrics_added_ns']:.0f} "
                     f"| {fmt(m['ratio'], '%.2f')} | {m['c_events']} / {m['metrics_events']} "
                     f"| {fmt(m['exports'])} |")
    ex = rep.get("export")
    if not ex:
        return L
    L += ["", "Export throughput (getppid records, the producer paced and sleeping when caught up "
          "(`workload steady`), 1 thread up to 400k/s; every mode runs `--json -o /dev/null`, "
          "the OTLP ones with an OTLP logs sink beside it; modes interleaved at each rate; a mode "
          "stops at its first loss, ring buffer or sink):", ""]
    if "error" in ex:
        return L + [f"- error: {ex['error']}"]
    L.append(f"- receiver: {ex['receiver']}"
             + (f", on CPU {ex['receiver_cpu']}" if ex["receiver_cpu"] is not None else "")
             + f"; {ex['secs']} s a step, {ex['rounds']} round(s)")
    sm = ex["summary"]
    for m, v in sm.items():
        fl = "; ".join(f"round {x['round']}: {x['rate']}/s asked, {fmt(x.get('achieved'))} made, "
                       + (x["error"] if x.get("error") else
                          f"{x['lost']} lost, {fmt(x.get('dropped'))} dropped")
                       for x in v["first_loss"])
        L.append(f"- {m}: {v['max_zero_loss_rate']:.0f} events/s without loss (rounds: "
                 f"{', '.join(str(x) for x in v['per_round'])}); first loss: {fl or 'none'}")
    rates = sorted({int(r) for v in sm.values() for r in v["at"]})
    L += ["", "agent-trace's CPU per event (us; its own getrusage over the records delivered, "
          "net: less a run without events) and the receiver's, bytes sent per event, at the "
          "rates without loss (medians):", "",
          "| rate/s | " + " | ".join(f"{m} us (net)" for m in sm)
          + " | receiver us (gzip / none) | bytes/event (gzip / none) |",
          "|---|" + "---|" * (len(sm) + 2)]
    for rate in rates:
        cells = []
        for m in sm:
            a = sm[m]["at"].get(str(rate))
            cells.append(f"{a['cpu_us_per_event']:.2f} ({a['net_cpu_us_per_event']:.2f})"
                         if a else "-")
        g, n = sm.get("otlp gzip", {}).get("at", {}).get(str(rate)), \
            sm.get("otlp none", {}).get("at", {}).get(str(rate))
        rc = f"{fmt(g and g['recv_cpu_us_per_event'], '%.2f')} / " \
             f"{fmt(n and n['recv_cpu_us_per_event'], '%.2f')}"
        by = f"{fmt(g and g['bytes_per_event'], '%.1f')} / {fmt(n and n['bytes_per_event'], '%.0f')}"
        L.append(f"| {rate} | " + " | ".join(cells) + f" | {rc} | {by} |")
    return L


def markdown(rep):
    m = rep["machine"]
    L = [f"# agent-trace benchmark{' (smoke: tiny sizes, not figures)' if rep['smoke'] else ''}",
         "",
         f"{rep['date']}; kernel {m['kernel']}; {m['cpus']} x {m['cpu']}; {m['agent-trace']}; "
         f"{m['strace']}; bpftrace {m['bpftrace']}; libbpf-tools {m['libbpf-tools']}; "
         f"{m['ltrace']}; libbpf {m['libbpf']}.",
         "",
         "Medians of interleaved runs. ns/event: the workload's own loop time per event "
         "(per INSERT for sqlite); added: over the bare run; x floor: added cost over the "
         "floor's (empty BPF programs on sys_enter + sys_exit, or uprobe + uretprobe); "
         "x same points: over the floor on the points the configuration attaches (agent-trace "
         "without -T attaches sys_exit alone); x stream floor: a streaming configuration's "
         "added cost over the floor stream's (sys_exit alone sending each syscall through a "
         "ring buffer to a reader that does nothing with it); x agent-trace: the peer's added "
         "cost over agent-trace's in the same role (--json for stream, -c for count); "
         "x bpftrace count: agent-trace's added cost over bpftrace's `@[args->id] = count()` "
         "(syscall workloads). CPU and RSS are the "
         "tool's own (agent-trace: its own getrusage; peers: wait4 less the workload's CPU, "
         "peak RSS from wait4, so it includes the workload's: see the bare row).",
         "",
         "| config | runs | events | ns/event (min-max) | added ns | x floor | x same points "
         "| x stream floor | x agent-trace | x bpftrace count | delivered | lost | per wakeup "
         "| tool CPU s | RSS MiB |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rep["rows"]:
        if "error" in r:
            L.append(f"| {r['config']} | error: {r['error']} ||||||||||||||")
            continue
        L.append("| %s | %d | %d | %.0f (%.0f-%.0f) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["config"], r["runs"], r["events"], r["ns_per_event"], r["min"], r["max"],
            fmt(r.get("added_ns")), fmt(r.get("x_floor"), "%.2f"),
            fmt(r.get("x_floor_same"), "%.2f"), fmt(r.get("x_stream_floor"), "%.2f"),
            fmt(r.get("x_agent_trace"), "%.1f"), fmt(r.get("x_bt_count"), "%.2f"),
            fmt(r.get("delivered")), fmt(r.get("lost")),
            fmt(r.get("per_wakeup")), fmt(r.get("tool_cpu_s"), "%.3f"),
            fmt(r.get("rss_mib", r.get("peak_rss_mib")), "%.1f")))
    L += ["", "Maximum zero-loss rate to userspace (getppid records streamed; producer paced, "
          "1 s per step, 2 threads above 400k/s):", ""]
    for n, v in rep["rate_sweep"].items():
        v["max_zero_loss_rate"] = max([x["achieved"] for x in v["runs"] if x.get("lost") == 0]
                                      or [0])
        steps = "; ".join(f"{x['rate']}/s asked, {x.get('achieved', '-')}/s made: "
                          f"{x.get('delivered', '-')} delivered, {x.get('lost', 'error')} lost"
                          for x in v["runs"])
        L.append(f"- {n}: {v['max_zero_loss_rate']} events/s without loss ({steps})")
    L += ["", "Start-up (launch with -p to first event) and a lone event's delay (syscall to "
          "its output line, one event per 20 ms):", ""]
    for n, v in rep["startup_latency"].items():
        L.append(f"- {n}: start-up {fmt(v['startup_s_median'], '%.3f')} s; delay median "
                 f"{fmt(v['delay_us_median'])} us, max {fmt(v['delay_us_max'])} us")
    L += export_markdown(rep)
    L += go_markdown(rep)
    L += node.node_markdown(rep)
    gl = goals(rep)
    rep["goals"] = gl
    if gl:
        L += ["", "Goals (issues 4 and 11) in this run; a missed goal says by how much (measured over "
              "the goal):", "", "| goal | measured | |", "|---|---|---|"]
        for g in gl:
            verdict = "met" if g["met"] else (f"missed, {g['by']}x the goal" if g["by"]
                                              else "missed")
            L.append(f"| {g['goal']} | {g['measured']} | {verdict} |")
    ch = rep.get("churn")
    if ch:
        L += ["", "Probe churn (tests/targets/many, entry and return probes on its first N "
              "functions; medians, seconds): attach is launch to the held target's release; "
              "detach, the target's exit to the tool's; Ctrl-C, SIGINT to exit; SIGKILL, kill to "
              "reaped and to the last of its links gone; reload, SIGHUP to the reload's log "
              "line, one probe of N+1 changed. The fallback (AT_NO_UPROBE_MULTI=1) and bpftrace "
              "run fewer functions; \"per 1,000\" scales their times linearly.", "",
              "| tool | N | attach | detach | Ctrl-C exit | SIGKILL reaped | links gone "
              "| reload | per 1,000: attach + detach | Ctrl-C | links gone |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
        for tool, o in ch["summary"].items():
            s, p = o["s"], o["per_1000_s"]
            n = o["functions"].get("attach_s", "-")
            ad = p["attach_s"] + p["detach_s"] if "attach_s" in p and "detach_s" in p else None
            L.append(f"| {tool} | {n} | {fmt(s.get('attach_s'), '%.3f')} "
                     f"| {fmt(s.get('detach_s'), '%.3f')} | {fmt(s.get('exit_s'), '%.3f')} "
                     f"| {fmt(s.get('reaped_s'), '%.3f')} | {fmt(s.get('links_gone_s'), '%.3f')} "
                     f"| {fmt(s.get('reload_s'), '%.3f')} | {fmt(ad, '%.2f')} "
                     f"| {fmt(p.get('exit_s'), '%.2f')} | {fmt(p.get('links_gone_s'), '%.2f')} |")
        for tool, o in ch["summary"].items():
            s = o["s"]
            if "entries_links_gone_s" in s:
                L.append(f"- {tool}, a probe file of {o['functions']['entries_links_gone_s']} "
                         f"one-function entries, SIGKILLed: reaped "
                         f"{fmt(s.get('entries_reaped_s'), '%.3f')} s, links gone "
                         f"{s['entries_links_gone_s']:.3f} s")
        for r in ch["runs"]:
            if "error" in r:
                L.append(f"- error: {r['tool']} {r['kind']}: {r['error']}")
    pg = rep.get("program_costs")
    if pg:
        L += ["", "agent-trace's own programs under bpf_stats (ns per call, mean over the "
              "workload's calls, the stats' own clock reads included):", ""]
        if "error" in pg:
            L.append(f"- error: {pg['error']}")
        for r in pg.get("runs", []):
            progs = ", ".join(f"{k} {v:.0f}" for k, v in sorted(r["programs"].items()))
            L.append(f"- {r['workload']}, agent-trace {r['options']}: {progs or '-'}")
    pc = rep.get("piece_costs")
    if pc:
        L += ["", "What each piece of a probe costs (bench/costs.bpf.c: programs on sys_exit, "
              "each one piece more than the empty one, run together for the write workload "
              "with bpf_stats on, in attach order and in reverse, averaged; ns per call, the "
              "stats' own clock reads included):", ""]
        if "error" in pc:
            L.append(f"- error: {pc['error']}")
        else:
            # Every piece but the filters runs after one: its price is over pid_filter.
            empty = pc.get("empty", {}).get("ns", 0)
            filt = pc.get("pid_filter", {}).get("ns", empty)
            L.append("| program | ns/call | its piece |")
            L.append("|---|---|---|")
            for name, v in pc.items():
                piece = "-" if name == "empty" else "%+.1f" % (
                    v["ns"] - (empty if name.startswith("pid_filter") else filt))
                L.append(f"| {name} | {v['ns']:.1f} | {piece} |")
    if rep["missing_tools"]:
        L += ["", "Not installed, not measured: " + ", ".join(rep["missing_tools"])]
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--only", help="configurations whose name matches (and the bare runs)")
    ap.add_argument("--render", metavar="JSON", help="rewrite the markdown of a saved report")
    args = ap.parse_args()
    if args.render:
        with open(args.render) as f:
            rep = json.load(f)
        md = markdown(rep)
        with open(args.render[:-len(".json")] + ".md", "w") as f:
            f.write(md)
        print(md)
        return 0
    if os.geteuid() != 0:
        print("bench: needs root (BPF programs are loaded)", file=sys.stderr)
        return 1
    return Bench(args).main()


if __name__ == "__main__":
    sys.exit(main())
