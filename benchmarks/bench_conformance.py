"""The conformance suite's cost: the whole suite for one backend under the ``ci`` profile.

For each built-in backend, runs all twenty properties (C1–R6) with the ``ci`` profile (seeded,
25 examples per property, fewer for the real-time checks C3 and S7) ``--rounds`` times and prints
the median wall time, the slowest property, and the ratio to the 30 s budget (goal: under 30 s on
a 2-core machine). With ``--mutants`` it also runs every deliberately broken provider of
``tests/contract/contract_mutants.py`` through the full ``ci`` profile (all properties, with
shrinking) and prints which properties each one fails: each must fail its own property and
otherwise only those that depend on it.

With ``--sdk`` it times the README's worked example as a user runs it, ``llm-fakes
conformance`` in a fresh process (wall time, start-up included): the provider on the official
openai SDK, left at the SDK's own retries with its own ``time.sleep`` loop, and the fixed one;
each under virtual time (goal: under 30 s) and with ``--real-time`` (what the sleeps really
cost), with the ratio. With ``--jobs N`` it times the whole built-in matrix serially and with
``--jobs N`` in the same run, and prints the speed-up.

Run:
    python benchmarks/bench_conformance.py
    python benchmarks/bench_conformance.py --rounds 3 --loopback --mutants
    python benchmarks/bench_conformance.py --no-backends --sdk --jobs 2
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from llm_fakes.contract.builtins import builtin_factories
from llm_fakes.contract.runner import run_conformance

BUDGET = 30.0
#: The goal for one SDK-based provider's report with ``--jobs 2``.
JOBS_BUDGET = 20.0
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


ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "llm_fakes.cli", "conformance"]


def _cli(args: list[str], cwd: Path, limit: float = 3600) -> tuple[float, str]:
    """Wall seconds of one ``llm-fakes conformance`` process and its summary line; a run still
    going after ``limit`` seconds is stopped and reported as ``> limit``."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [*CLI, *args, "-q"], cwd=cwd, capture_output=True, text=True, check=False, timeout=limit
        )
    except subprocess.TimeoutExpired:
        return float("inf"), f"stopped after {limit:g} s"
    seconds = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    return seconds, (lines[-1] if lines else done.stderr.strip()[-200:])


def _readme_block(first_line: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(" + re.escape(first_line) + r"\n.*?)```", text, re.S)
    if match is None:
        raise SystemExit(f"README.md has no {first_line!r} block")
    return match.group(1)


#: The worked example's factory, pointed at the loopback server instead of the in-process
#: transport: the same SDK over a real socket (where Nagle's delay would show).
_LOOPBACK_BUILD = """
def build(backend):
    sdk = {"api_key": "sk-test", "base_url": backend.openai_base_url}
    return SDKProvider(openai.OpenAI(**sdk), openai.AsyncOpenAI(**sdk))


factory = ProviderFactory(build, max_retry_wait=120)
"""


def _write_examples(folder: Path) -> None:
    for name in ("sdk_provider.py", "test_sdk_provider.py"):
        (folder / name).write_text(_readme_block(f"# {name}"), encoding="utf-8")
    text = _readme_block("# sdk_provider.py")
    head = text[: text.index("# The factory wires")]
    (folder / "sdk_loopback.py").write_text(head + _LOOPBACK_BUILD, encoding="utf-8")


def bench_sdk(rounds: int, real_time_limit: float, jobs: int | None = None) -> bool:
    """The README's provider: it sleeps for real (``time.sleep`` backoff) and nests the SDK's own
    retries (2) inside its own loop (2): 3 x 3 attempts for one call at worst."""
    print(f"\nREADME worked example, whole CLI run in a fresh process, median of {rounds}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write_examples(folder)
        for spec in ["sdk_loopback:factory"] + (["sdk_provider:factory"] if jobs else []):
            runs = [_cli([spec], folder) for _ in range(rounds)]
            v = statistics.median(t for t, _ in runs)
            print(f"  {spec:28} virtual time {v:6.1f} s  ({runs[-1][1]})", flush=True)
            ok = ok and v < BUDGET
            if jobs:
                par = [_cli([spec, "--jobs", str(jobs)], folder) for _ in range(rounds)]
                p = statistics.median(t for t, _ in par)
                print(f"  {spec:28} --jobs {jobs}     {p:6.1f} s  ({par[-1][1]})", flush=True)
                ok = ok and p < JOBS_BUDGET
        for spec in ("sdk_provider:factory", "test_sdk_provider:factory"):
            virtual = [_cli([spec], folder) for _ in range(rounds)]
            v = statistics.median(t for t, _ in virtual)
            print(f"  {spec:28} virtual time {v:6.1f} s  ({virtual[-1][1]})", flush=True)
            real = [_cli([spec, "--real-time"], folder, real_time_limit) for _ in range(rounds)]
            r = statistics.median(t for t, _ in real)
            shown = f"{r:6.1f} s" if r != float("inf") else f"> {real_time_limit:g} s"
            ratio = f"{r / v:.1f}x" if r != float("inf") else f"> {real_time_limit / v:.0f}x"
            print(f"  {spec:28} --real-time  {shown}  ({real[-1][1]}): {ratio} the virtual run")
            ok = ok and v < BUDGET
    return ok


def _open_files() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux
        return -1


def bench_leaks() -> bool:
    """Threads and file descriptors after each property of a whole run, in this process, on the
    README's provider over the loopback server: they must stay flat (goal: no growth beyond a
    few once the first properties have warmed the server up)."""
    import importlib
    import threading

    print("\nThreads and open files over a whole run (README provider, loopback server)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write_examples(folder)
        sys.path.insert(0, str(folder))
        try:
            module = importlib.import_module("sdk_loopback")
        finally:
            sys.path.remove(str(folder))
        seen: list[tuple[str, int, int]] = []

        def note(verdict: object, done: int, total: int) -> None:
            seen.append((verdict.property, threading.active_count(), _open_files()))  # type: ignore[attr-defined]

        start = (threading.active_count(), _open_files())
        run_conformance([module.factory], progress=note)
    print(f"  before: {start[0]} threads, {start[1]} open files")
    print("  after:  " + ", ".join(f"{p} {t}/{f}" for p, t, f in seen) + " (threads/files)")
    warm = seen[len(seen) // 3]
    grew = (seen[-1][1] - warm[1], seen[-1][2] - warm[2])
    print(f"  growth over the last two thirds: {grew[0]} threads, {grew[1]} open files")
    return grew[0] <= 2 and grew[1] <= 4


def bench_jobs(jobs: int, rounds: int) -> None:
    print(f"\nWhole built-in matrix (llm-fakes conformance), serial vs --jobs {jobs}, median of")
    print(f"{rounds} round(s), alternating in the same run")
    serial, parallel = [], []
    for _ in range(rounds):
        serial.append(_cli([], ROOT)[0])
        parallel.append(_cli(["--jobs", str(jobs)], ROOT)[0])
    s, p = statistics.median(serial), statistics.median(parallel)
    print(f"  serial {s:.1f} s, --jobs {jobs} {p:.1f} s: speed-up {s / p:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--loopback", action="store_true", help="also the loopback HTTP doors")
    parser.add_argument("--mutants", action="store_true", help="also the full mutant matrix")
    parser.add_argument("--sdk", action="store_true", help="the README's SDK example, timed")
    parser.add_argument(
        "--real-time-limit", type=float, default=900, help="stop a --real-time run after S s"
    )
    parser.add_argument("--jobs", type=int, metavar="N", help="serial vs --jobs N speed-up")
    parser.add_argument("--no-backends", action="store_true", help="skip the per-backend table")
    parser.add_argument(
        "--leaks", action="store_true", help="threads and open files over a whole run"
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}")
    ok = True if args.no_backends else bench_backends(args.rounds, args.loopback)
    if args.mutants:
        ok = bench_mutants() and ok
    if args.sdk:
        ok = bench_sdk(args.rounds, args.real_time_limit, args.jobs) and ok
    if args.leaks:
        ok = bench_leaks() and ok
    if args.jobs and not args.sdk:
        bench_jobs(args.jobs, args.rounds)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print("\nall goals met" if ok else "\nSOME GOALS MISSED")
    if FAILURES:
        print(f"properties failing on built-in backends: {', '.join(FAILURES)}")


if __name__ == "__main__":
    main()
