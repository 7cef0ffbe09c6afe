#!/usr/bin/env python3
"""Two builds' BPF programs side by side under bpf_stats: ns per call, new over old.

Usage: bench/ab.py --old OLD_BUILD --new NEW_BUILD [--rounds 10] [--calls 300000]

For a change that must not make the probes slower (a refactor): the same
cases as the bench's program costs (bench.py program_costs), each round runs
both builds on the same held workload, alternating which goes first, and
reports the median ns per call of each program and their ratio. Run-to-run
noise here is several percent; the ratio of medians over 10 rounds is the
figure to hold a change to. Needs root, bpftool and both builds' agent-trace
and bench/workload (make all bench binaries in each).
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

SPEC = "libc:malloc(u64 size) -> ptr"
CASES = [("getppid", ["-c"]), ("getppid", ["-c", "-T"]), ("getppid", ["--json"]),
         ("write", ["--json"]), ("malloc", ["-c", "-u", SPEC]), ("malloc", ["--json", "-u", SPEC])]
STATS = "/proc/sys/kernel/bpf_stats_enabled"


def progs():
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True)
    return {p["id"]: p for p in json.loads(out.stdout or "[]")}


def run_one(at, workload, wl, opts, n):
    """ns per call of each program agent-trace attached, over one run of the workload."""
    w = subprocess.Popen([workload, wl, str(n)], env=dict(os.environ, BENCH_WAIT="1"),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    if w.stdout.readline() != b"ready\n":
        w.kill()
        w.wait()
        sys.exit(f"ab: {workload} {wl} did not start")
    t = subprocess.Popen([at] + opts + ["-o", "/dev/null", "-p", str(w.pid)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # attached in about 0.07 s
    before = progs()
    w.stdin.write(b"g")
    w.stdin.close()
    w.wait()
    after = progs()
    t.send_signal(signal.SIGINT)
    t.wait()
    res = {}
    for i, p in after.items():
        o = before.get(i)
        cnt = p.get("run_cnt", 0) - (o or {}).get("run_cnt", 0)
        if o and cnt >= n // 2:
            res[p.get("name", "?")] = (p.get("run_time_ns", 0) - o.get("run_time_ns", 0)) / cnt
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="build directory of the old tree")
    ap.add_argument("--new", required=True, help="build directory of the new tree")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--calls", type=int, default=300000)
    a = ap.parse_args()
    builds = {"old": a.old, "new": a.new}
    for b in builds.values():
        for f in ("agent-trace", "bench/workload"):
            if not os.access(os.path.join(b, f), os.X_OK):
                sys.exit(f"ab: {os.path.join(b, f)}: not built (make all {b}/bench/workload)")
    with open(STATS) as f:
        was = f.read().strip() or "0"
    with open(STATS, "w") as f:
        f.write("1")
    got = {}
    try:
        for r in range(a.rounds):
            for wl, opts in CASES:
                for b in (("old", "new") if r % 2 == 0 else ("new", "old")):
                    d = builds[b]
                    ns = run_one(os.path.join(d, "agent-trace"), os.path.join(d, "bench/workload"),
                                 wl, opts, a.calls)
                    for prog, v in ns.items():
                        got.setdefault((wl, " ".join(opts), prog), {}).setdefault(b, []).append(v)
    finally:
        with open(STATS, "w") as f:
            f.write(was)
    print(f"| workload | options | program | old ns | new ns | new/old |  ({a.rounds} rounds, medians)")
    print("|---|---|---|---|---|---|")
    for (wl, opts, prog), v in got.items():
        if "old" in v and "new" in v:
            o, n = statistics.median(v["old"]), statistics.median(v["new"])
            print(f"| {wl} | `{opts}` | {prog} | {o:.1f} | {n:.1f} | {n / o:.3f} |")


if __name__ == "__main__":
    main()
