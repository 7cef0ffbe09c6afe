#!/usr/bin/env python3
"""Two builds' BPF programs side by side under bpf_stats: ns per call, new over old.

Usage: bench/ab.py --old OLD_BUILD --new NEW_BUILD [--rounds 10] [--calls 300000]
       bench/ab.py --old OLD_BUILD --new NEW_BUILD --wake [--rounds 3]

For a change that must not make the probes slower (a refactor): the same
cases as the bench's program costs (bench.py program_costs), each round runs
both builds on the same held workload, alternating which goes first, and
reports the median ns per call of each program and their ratio. Run-to-run
noise here is several percent; the ratio of medians over 10 rounds is the
figure to hold a change to. Needs root, bpftool and both builds' agent-trace
and bench/workload (make all bench binaries in each).

--wake compares the reader's wakeups instead (issue 13): each round, both
builds in turn (alternating which goes first), the bench's own lone-event
delay (bench.py startup_and_latency: syscall to output line, one event per
20 ms, bpftrace measured in the same round), records per wakeup under load
(`--json` on getppid at full speed: records over the reader's batches) and
the zero-loss rate sweep (bench.py rate_sweep).
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
from bench import PROGRAM_CASES, program_run  # noqa: E402  (the bench's own cases and method)

STATS = "/proc/sys/kernel/bpf_stats_enabled"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="build directory of the old tree")
    ap.add_argument("--new", required=True, help="build directory of the new tree")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--calls", type=int, default=300000)
    ap.add_argument("--wake", action="store_true",
                    help="lone-event delay, records per wakeup and rate sweep instead")
    a = ap.parse_args()
    builds = {"old": a.old, "new": a.new}
    for b in builds.values():
        for f in ("agent-trace", "bench/workload"):
            if not os.access(os.path.join(b, f), os.X_OK):
                sys.exit(f"ab: {os.path.join(b, f)}: not built (make all {b}/bench/workload)")
    if a.wake:
        wake(builds, a.rounds)
        return
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


def per_wakeup(b, n=500000):
    """Records per reader wakeup of build b's agent-trace --json on getppid at full speed."""
    p = bench.subprocess.run([b.at, "--json", "-o", "/dev/null", "--", b.wl, "getppid", str(n)],
                             capture_output=True, text=True)
    got = bench.parse_at(p.stdout, p.stderr)
    if "error" in got or not got["batches"]:
        return None, None
    return got["delivered"] / got["batches"], got["lost"]


def wake(builds, rounds):
    """The --wake comparison: see the module's doc."""
    benches = {}
    for name, d in builds.items():
        benches[name] = bench.Bench(argparse.Namespace(build=d, rounds=1, smoke=False, only=None))
    benches["new"].mount_tracefs()
    got = {n: {"delay_us": [], "bt_delay_us": [], "per_wakeup": [], "lost": [], "rate": [],
               "bt_rate": []} for n in builds}
    for r in range(rounds):
        for name in (("old", "new") if r % 2 == 0 else ("new", "old")):
            b, g = benches[name], got[name]
            lat = b.startup_and_latency()
            g["delay_us"] += lat["agent-trace"]["delay_us"]
            g["bt_delay_us"] += lat.get("bpftrace", {}).get("delay_us", [])
            pw, lost = per_wakeup(b)
            if pw is not None:
                g["per_wakeup"].append(pw)
                g["lost"].append(lost)
            sweep = b.rate_sweep()
            g["rate"].append(sweep["agent-trace"]["max_zero_loss_rate"])
            if "bpftrace" in sweep:
                g["bt_rate"].append(sweep["bpftrace"]["max_zero_loss_rate"])
            print(f"round {r + 1} {name}: lone median {med(lat['agent-trace']['delay_us'])} us "
                  f"(bpftrace {med(lat.get('bpftrace', {}).get('delay_us', []))}), "
                  f"per wakeup {pw}, lost {lost}, zero-loss rate "
                  f"{sweep['agent-trace']['max_zero_loss_rate']}", flush=True)
    print(f"| build | lone delay median us (p90) | bpftrace same rounds (p90) | ratio | "
          f"records per wakeup (min) | lost | zero-loss rate per round |  ({rounds} rounds)")
    print("|---|---|---|---|---|---|---|")
    for name, g in got.items():
        d, bt = g["delay_us"], g["bt_delay_us"]
        ratio = f"{med(d) / med(bt):.2f}x" if d and bt else "-"
        print(f"| {name} ({builds[name]}) | {med(d)} ({pct(d, 90)}) | {med(bt)} ({pct(bt, 90)}) "
              f"| {ratio} | {med(g['per_wakeup'])} ({min(g['per_wakeup'], default=None)}) | "
              f"{max(g['lost'], default=None)} | {', '.join(str(x) for x in g['rate'])} "
              f"(bpftrace {', '.join(str(x) for x in g['bt_rate'])}) |")


def med(v):
    return round(statistics.median(v)) if v else None


def pct(v, p):
    return sorted(v)[min(len(v) - 1, len(v) * p // 100)] if v else None


if __name__ == "__main__":
    main()
