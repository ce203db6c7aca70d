#!/usr/bin/env python3
"""Per-message instruction counts from two callgrind runs of the same load with different message
counts (docs/benchmarks.md, "Where the time and memory go"): for each REGEX, the calls to and
the inclusive instructions of the functions whose name matches, counted at the call sites outside
the matching set, as the slope (BIG - SMALL) / (N_BIG - N_SMALL), so start-up and connection
set-up cancel out. With one file and N, divides by N instead.

  bench/profile/callgrind_per_message.py small.out 50 big.out 250 'SSL_read_ex' 'EVP_CipherUpdate'
"""
from __future__ import annotations

import re
import sys


def count(path: str, patterns: list[re.Pattern[str]]) -> tuple[int, dict[str, tuple[int, int]]]:
    names: dict[str, str] = {}
    result = {p.pattern: [0, 0] for p in patterns}
    total = 0
    function = ""
    callee = ""
    calls = None

    def resolve(token: str) -> str:
        m = re.match(r"\((\d+)\)(?: (.*))?", token)
        if not m:
            return token
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), "?")

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
            elif line.startswith("fn="):
                function = resolve(line[3:])
            elif line.startswith("cfn="):
                callee = resolve(line[4:])
            elif line.startswith("calls="):
                calls = int(line[6:].split()[0])
            elif calls is not None and line and (line[0].isdigit() or line[0] in "+-*"):
                fields = line.split()
                cost = int(fields[1]) if len(fields) > 1 else 0
                for p in patterns:
                    if p.search(callee) and not p.search(function):
                        result[p.pattern][0] += calls
                        result[p.pattern][1] += cost
                calls = None
    return total, {k: (v[0], v[1]) for k, v in result.items()}


def main(argv: list[str]) -> int:
    if len(argv) >= 5 and argv[4].isdigit():
        small, n_small, big, n_big, rest = argv[1], int(argv[2]), argv[3], int(argv[4]), argv[5:]
    elif len(argv) >= 3:
        small, n_small, big, n_big, rest = None, 0, argv[1], int(argv[2]), argv[3:]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    patterns = [re.compile(p) for p in rest]
    total_big, big_counts = count(big, patterns)
    total_small, small_counts = (0, {p.pattern: (0, 0) for p in patterns})
    if small is not None:
        total_small, small_counts = count(small, patterns)
    n = n_big - n_small
    print(f"{'all instructions':50s} {'':>10s} {(total_big - total_small) / n:12.0f} Ir/msg")
    for p in patterns:
        c = (big_counts[p.pattern][0] - small_counts[p.pattern][0]) / n
        ir = (big_counts[p.pattern][1] - small_counts[p.pattern][1]) / n
        print(f"{p.pattern[:50]:50s} {c:10.2f} calls/msg {ir:12.0f} Ir/msg")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
