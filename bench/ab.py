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
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import PROGRAM_CASES, program_run  # noqa: E402  (the bench's own cases and method)

STATS = "/proc/sys/kernel/bpf_stats_enabled"


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
            for wl, opts in PROGRAM_CASES:
                for b in (("old", "new") if r % 2 == 0 else ("new", "old")):
                    d = builds[b]
                    ns = program_run(os.path.join(d, "agent-trace"),
                                     os.path.join(d, "bench/workload"), wl, opts, a.calls)
                    if ns is None:
                        sys.exit(f"ab: {d}/bench/workload {wl} did not start")
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
