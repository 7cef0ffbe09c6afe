#!/usr/bin/env python3
"""Where a BPF program's verification goes: sums a level-2 verifier log
(AT_VERIFIER_LOG=PROG:FILE agent-trace ...) by function and by source line.

    AT_VERIFIER_LOG=sys_exit_only:/tmp/v.log agent-trace -p PID -d 0.1
    tools/verifier-cost.py /tmp/v.log [--lines N]
"""
import argparse
import collections
import re


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--lines", type=int, default=15, help="source lines to show")
    a = ap.parse_args()
    starts, names = [], {}
    per_func, per_line = collections.Counter(), collections.Counter()
    insn = re.compile(r"^(\d+): \(")
    func = -1
    with open(a.log, errors="replace") as f:
        for line in f:
            m = re.match(r"^func#(\d+) @(\d+)", line)
            if m:
                starts.append(int(m.group(2)))
                continue
            m = re.match(r"^Validating (\w+)\(\) func#(\d+)", line)
            if m:
                names[int(m.group(2))] = m.group(1)
                continue
            if line.startswith("; "):
                per_line[line[2:].strip()] += 1
                continue
            m = insn.match(line)
            if m and starts:
                i = int(m.group(1))
                func = max(k for k in range(len(starts)) if starts[k] <= i)
                per_func[func] += 1
    total = sum(per_func.values())
    print(f"{total} instructions verified")
    for k, n in per_func.most_common():
        print(f"{n:9d} {100 * n / max(total, 1):5.1f}%  {names.get(k, 'the program') if k else 'the program'}")
    print("\nsource lines verified most often:")
    for s, n in per_line.most_common(a.lines):
        print(f"{n:9d}  {s}")


if __name__ == "__main__":
    main()
