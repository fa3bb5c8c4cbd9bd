"""The conformance suite's cost: the whole suite for one backend under the ``ci`` profile.

For each built-in backend, runs all twenty properties (C1–R6) with the ``ci`` profile (seeded,
25 examples per property, fewer for the real-time checks C3 and S7) ``--rounds`` times and prints
the median wall time, the slowest property, and the ratio to the 30 s budget (goal: under 30 s on
a 2-core machine). With ``--mutants`` it also runs every deliberately broken provider of
``tests/contract/contract_mutants.py`` through the full ``ci`` profile (all properties, with
shrinking) and prints which properties each one fails: each must fail its own property and
otherwise only those that depend on it.

Run:
    python benchmarks/bench_conformance.py
    python benchmarks/bench_conformance.py --rounds 3 --loopback --mutants
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from llm_fakes.contract.builtins import builtin_factories
from llm_fakes.contract.runner import run_conformance

BUDGET = 30.0
FAILURES: list[str] = []


def bench_backends(rounds: int, loopback: bool) -> bool:
    print(f"Whole suite per backend, ci profile, median of {rounds} round(s); budget {BUDGET:g} s")
    print(f"{'backend':28} {'median':>8} {'ratio':>7}  {'verdicts':24} slowest property")
    ok = True
    for factory in builtin_factories(loopback=loopback):
        times, report = [], None
        for _ in range(rounds):
            start = time.perf_counter()
            report = run_conformance([factory], profile="ci")
            times.append(time.perf_counter() - start)
        assert report is not None
        median = statistics.median(times)
        counts: dict[str, int] = {}
        for v in report.verdicts:
            counts[v.status] = counts.get(v.status, 0) + 1
        verdicts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        slow = max(report.verdicts, key=lambda v: v.seconds)
        print(
            f"{factory.name:28} {median:7.1f}s {median / BUDGET:6.2f}x  {verdicts:24} "
            f"{slow.property} {slow.seconds:.1f} s"
        )
        for v in report.failures:
            print(f"    {v.property} FAIL: {v.message.splitlines()[0][:150]}")
            FAILURES.append(f"{factory.name} {v.property}")
        ok = ok and median < BUDGET
    return ok


def bench_mutants() -> bool:
    here = Path(__file__).resolve().parent.parent / "tests" / "contract"
    sys.path.insert(0, str(here))
    from contract_mutants import MUTANTS, factory

    print("\nMutant matrix, ci profile, every property, with shrinking")
    ok = True
    for cls, (target, allowed) in MUTANTS.items():
        start = time.perf_counter()
        failing = {v.property for v in run_conformance([factory(cls)], profile="ci").failures}
        good = target in failing and failing <= allowed
        ok = ok and good
        print(
            f"  {'ok ' if good else 'BAD'} {cls.__name__:24} breaks {target}: fails "
            f"{', '.join(sorted(failing)) or 'nothing'} ({time.perf_counter() - start:.1f} s)"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--loopback", action="store_true", help="also the loopback HTTP doors")
    parser.add_argument("--mutants", action="store_true", help="also the full mutant matrix")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}")
    ok = bench_backends(args.rounds, args.loopback)
    if args.mutants:
        ok = bench_mutants() and ok
    print("\nall goals met" if ok else "\nSOME GOALS MISSED")
    if FAILURES:
        print(f"properties failing on built-in backends: {', '.join(FAILURES)}")


if __name__ == "__main__":
    main()
