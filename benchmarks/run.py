"""Every benchmark, one table: medians and ratios measured side by side, in the same run.

Runs the kit's side from the other scripts (``bench_scripted.py``, ``bench_cassettes.py``,
``bench_load.py``, ``bench_server.py``, the ``llm-fakes conformance`` CLI) and the anchors a
user would otherwise pick (``bench_anchors.py``: LangChain's fakes, vcrpy + httpx, respx, a bare
interpreter, ``pytest -p no:llm_fakes``, a minimal stdlib server), then prints one row per
measurement: measured, anchor, ratio, goal, met. A row whose measurement failed says so instead
of stopping the run.

Run:
    python benchmarks/run.py            # the full run (several minutes)
    python benchmarks/run.py --quick    # a fast pass: fewer rounds, smaller loads
    python benchmarks/run.py --json     # the rows as JSON, after the table
    python benchmarks/run.py --out docs/benchmarks.md   # also write the docs' page

Every performance figure in the README and on the documentation site comes from the page
``--out`` writes (``docs/benchmarks.md``: the table with the date, the machine and the versions
measured), never typed by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


@dataclass
class Row:
    """One line of the table."""

    name: str
    measured: str
    anchor: str = "-"
    ratio: str = "-"
    goal: str = "-"
    met: str = "-"


ROWS: list[Row] = []
#: The 1-minute load average at the start and at the end of the run.
LOAD = ["-", "-"]


def _us(s: float) -> str:
    return f"{s * 1e6:.2f} µs"


def _ms(s: float) -> str:
    return f"{s * 1e3:.2f} ms" if s < 10 else f"{s:.1f} s"


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def section(title: str) -> Callable[[Callable[[argparse.Namespace], None]], Any]:
    """Run one section; on failure, add a row saying so (the others still run)."""

    def wrap(fn: Callable[[argparse.Namespace], None]) -> Any:
        def run(args: argparse.Namespace) -> None:
            print(f"... {title}", file=sys.stderr, flush=True)
            start = time.perf_counter()
            try:
                fn(args)
            except Exception as exc:
                traceback.print_exc()
                ROWS.append(Row(title, f"not measured: {type(exc).__name__}: {exc}"[:90]))
            print(f"    {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)

        run.__name__ = fn.__name__
        return run

    return wrap


@section("scripted fake vs LangChain fakes")
def scripted(args: argparse.Namespace) -> None:
    import bench_anchors
    from bench_scripted import LONG, REPLY, complete_batch, per_call, stream_batch

    from llm_fakes import ScriptedProvider

    rounds = 5 if args.quick else 21
    ours_c = per_call(complete_batch(lambda n: ScriptedProvider([REPLY] * n)), 2000, rounds)[0]
    lc_c = bench_anchors.langchain_invoke(REPLY, 500, rounds)
    ROWS.append(
        Row("scripted complete()", _us(ours_c), f"FakeListChatModel.invoke {_us(lc_c)}",
            f"{lc_c / ours_c:.0f}x faster", "< 10 µs", _yes(ours_c < 10e-6))
    )  # fmt: skip
    ours_s = per_call(stream_batch(lambda n: ScriptedProvider([LONG] * n)), 10, rounds)[0]
    lc_s, chunks = bench_anchors.langchain_stream(LONG, 5, max(3, rounds // 3))
    ROWS.append(
        Row("scripted stream(), 1,000 chunks", _ms(ours_s),
            f"GenericFakeChatModel.stream {_ms(lc_s)} ({chunks} chunks)",
            f"{lc_s / ours_s:.0f}x faster", "< 2 ms", _yes(ours_s < 2e-3))
    )  # fmt: skip


@section("cassette replay vs vcrpy + httpx and respx")
def replay(args: argparse.Namespace) -> None:
    import bench_anchors
    from bench_cassettes import OursRunner, ours_per_call, vcr_per_call, write_ours, write_vcr

    sizes = [10, 1000, 10000]
    folder = Path(args.tmp)
    for n in sizes:
        if not (folder / f"ours{n}.yaml").exists():
            write_ours(folder / f"ours{n}.yaml", n)
        if not (folder / f"vcr{n}.yaml").exists():
            write_vcr(folder / f"vcr{n}.yaml", n)
    runners = {n: OursRunner(folder / f"ours{n}.yaml", n) for n in sizes}
    ours = ours_per_call(runners, 3 if args.quick else 9)
    for n in sizes:
        vcr = respx = None
        if n < 10000 or args.vcr_10k:
            samples = {10: 40, 1000: 10, 10000: 1}[n] // (4 if args.quick else 1) or 1
            rounds = {10: 9, 1000: 3, 10000: 1}[n] if not args.quick else 1
            vcr = vcr_per_call(folder / f"vcr{n}.yaml", n, samples, rounds)
        if n < 10000:  # respx registers routes in quadratic time: 10,000 would take an hour
            samples = {10: 40, 1000: 10}[n] // (4 if args.quick else 1) or 1
            respx = bench_anchors.respx_per_call(n, samples, 1 if args.quick or n > 10 else 3)
        vcr_text = f"vcrpy {_ms(vcr)}" if vcr else "vcrpy skipped (minutes per call; --vcr-10k)"
        respx_text = f"respx {_ms(respx)}" if respx else "respx skipped (routes: an hour to add)"
        anchor = f"{vcr_text}, {respx_text}"
        ratio = (
            ", ".join(
                ([f"{vcr / ours[n]:,.0f}x vcrpy"] if vcr else [])
                + ([f"{respx / ours[n]:,.0f}x respx"] if respx else [])
            )
            or "-"
        )
        need = {10: 100, 1000: 1000}.get(n)
        if need:
            goal = f"< 10 µs; >= {need:,}x vcrpy"
            met = ours[n] < 10e-6 and vcr is not None and vcr / ours[n] >= need
        else:
            flat = ours[n] / ours[10]
            goal = f"< 10 µs, flat (<= 1.5x of at 10: {flat:.2f}x)"
            met = ours[n] < 10e-6 and flat <= 1.5
        ROWS.append(Row(f"cassette replay per call, {n:,}", _us(ours[n]), anchor, ratio, goal,
                        _yes(met)))  # fmt: skip


@section("cassette replay by request size, and imported real-shaped cassettes")
def replay_size(args: argparse.Namespace) -> None:
    from bench_replay_size import by_size, real_shaped

    folder = Path(args.tmp) / "by_size"
    folder.mkdir()
    rounds = 3 if args.quick else 9
    for r in by_size(folder, rounds, 2 if args.quick else 5):
        name = f"replay per call, {r['shape']}" + (" + secret" if r["secret"] else "")
        ratio = r["ours"] / r["floor"]
        if r["shape"] == "1 KB":
            goal, met = "< 20 µs", r["ours"] < 20e-6
        else:
            goal, met = "<= 2x floor", ratio <= 2
        ROWS.append(Row(name, _us(r["ours"]), f"floor {_us(r['floor'])}, vcrpy {_ms(r['vcrpy'])}",
                        f"{ratio:.2f}x floor, {r['vcrpy'] / r['ours']:,.0f}x vcrpy", goal,
                        _yes(met)))  # fmt: skip
    real, calls, _ = real_shaped(folder, rounds)
    ROWS.append(Row(f"replay per call, imported real sessions ({calls})", _us(real), "-", "-",
                    "< 20 µs", _yes(real < 20e-6)))  # fmt: skip


@section("cassette load and save vs vcrpy")
def load_save(args: argparse.Namespace) -> None:
    import bench_anchors

    for n in (1000, 10000):
        rounds = (2 if args.quick else 5) if n <= 1000 else (1 if args.quick else 3)
        t = bench_anchors.load_and_save(Path(args.tmp), n, rounds)
        ratio = t["load_vcr"] / t["load_ours"]
        ROWS.append(Row(f"cassette load, {n:,}", _ms(t["load_ours"]),
                        f"vcrpy Cassette.load {_ms(t['load_vcr'])}", f"{ratio:.1f}x faster",
                        ">= 5x faster", _yes(ratio >= 5)))  # fmt: skip
        ratio = t["save_vcr"] / t["save_ours"]
        ROWS.append(
            Row(
                f"cassette save, {n:,}",
                _ms(t["save_ours"]),
                f"vcrpy Cassette._save {_ms(t['save_vcr'])}",
                f"{ratio:.1f}x faster",
            )
        )


@section("import and plugin cost")
def import_plugin(args: argparse.Namespace) -> None:
    import bench_anchors

    rounds = 3 if args.quick else 7
    t = bench_anchors.import_cost(rounds)
    ROWS.append(Row("import llm_fakes (fresh interpreter)", _ms(t["llm_fakes"]),
                    f"bare interpreter {_ms(t['bare'])}",
                    f"+{(t['llm_fakes'] - t['bare']) * 1e3:.0f} ms"))  # fmt: skip
    # Three times the rounds: the difference sought is a few ms of a few hundred.
    c = bench_anchors.collect_cost(rounds * 3)
    # Both sides load pytest's plugins and those of llm-fakes' declared dependencies (hypothesis,
    # syrupy) and no other installed one, with bytecode caches as an installed package has: the
    # difference is what llm-fakes' own plugin adds to every downstream session. CPU times on a
    # shared machine vary by more than that difference, so the goal is read on the instruction
    # count (callgrind, deterministic) where valgrind is installed, else on the least CPU time.
    counts = bench_anchors.collect_instructions()
    added = c["with_cpu"] / c["without_cpu"] - 1
    goal = ("< 3% added", _yes(added < 0.03)) if counts is None else ("-", "-")
    ROWS.append(Row("pytest --collect-only, empty suite (CPU, least)", _ms(c["with_cpu"]),
                    f"-p no:llm_fakes {_ms(c['without_cpu'])}", f"{added:+.1%}",
                    *goal))  # fmt: skip
    median = c["with_cpu_median"] / c["without_cpu_median"] - 1
    ROWS.append(Row("pytest --collect-only, empty suite (CPU, median)",
                    _ms(c["with_cpu_median"]), f"-p no:llm_fakes {_ms(c['without_cpu_median'])}",
                    f"{median:+.1%}"))  # fmt: skip
    if counts is not None:
        added = counts["with"] / counts["without"] - 1
        ROWS.append(Row("pytest --collect-only, empty suite (instructions)",
                        f"{counts['with'] / 1e6:,.0f} M",
                        f"-p no:llm_fakes {counts['without'] / 1e6:,.0f} M", f"{added:+.2%}",
                        "< 3% added", _yes(added < 0.03)))  # fmt: skip
    imported = bench_anchors.plugin_import_cpu(rounds)
    share = imported / c["without_cpu"]
    ROWS.append(Row("importing the plugin's modules (CPU)", _ms(imported),
                    f"empty collection -p no:llm_fakes {_ms(c['without_cpu'])}",
                    f"{share:.1%} of it", "< 3%", _yes(share < 0.03)))  # fmt: skip
    wall = c["with"] / c["without"] - 1
    ROWS.append(Row("pytest --collect-only, empty suite (wall)", _ms(c["with"]),
                    f"-p no:llm_fakes {_ms(c['without'])}", f"{wall:+.1%}"))  # fmt: skip


@section("conformance suite per backend (ci profile)")
def conformance(args: argparse.Namespace) -> None:
    entry = "from llm_fakes.cli import main; raise SystemExit(main())"
    cmd = [sys.executable, "-c", entry, "conformance", "--json", "-q"]
    if args.quick:
        cmd += ["--max-examples", "3"]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    try:
        report = json.loads(out.stdout)
    except ValueError:
        ROWS.append(Row("conformance suite", f"pending: CLI gave no JSON ({out.returncode})"))
        return
    per: dict[str, dict[str, Any]] = {}
    for r in report["results"]:
        b = per.setdefault(r["backend"], {"seconds": 0.0, "verdicts": {}})
        b["seconds"] += r.get("seconds") or 0.0
        b["verdicts"][r["verdict"]] = b["verdicts"].get(r["verdict"], 0) + 1
    for backend, b in per.items():
        verdicts = ", ".join(f"{v} {k}" for k, v in sorted(b["verdicts"].items()))
        examples = " (3 examples)" if args.quick else ""
        ROWS.append(Row(f"conformance {backend}{examples}", f"{b['seconds']:.1f} s", verdicts,
                        "-", "< 30 s", _yes(b["seconds"] < 30)))  # fmt: skip
    ROWS.append(Row("conformance, whole CLI run", f"{wall:.1f} s wall", "-"))


@section("fake server throughput vs stdlib floor")
def server(args: argparse.Namespace) -> None:
    import bench_server

    apis = ("chat", "responses")
    t = bench_server.throughput(50 if args.quick else 200, 2 if args.quick else 7, apis)
    for kind, label in (
        ("json", "not streamed"),
        ("stream", "streamed, 23 events"),
        ("responses_json", "/v1/responses, not streamed"),
        ("responses_stream", "/v1/responses, streamed, 28 events"),
    ):
        ours, floor = t[f"ours_{kind}"], t[f"floor_{kind}"]
        ROWS.append(
            Row(
                f"fake server req/s, {label}",
                f"{ours:,.0f} req/s",
                f"stdlib http.server {floor:,.0f} req/s",
                f"{ours / floor:.2f}x floor",
            )
        )


@section("load: concurrent streams and sequential requests")
def load(args: argparse.Namespace) -> None:
    import bench_load

    clients, requests = (50, 1000) if args.quick else (200, 10_000)
    c = bench_load.concurrent_streams(clients)
    ok = c["errors"] == 0 and c["finished"] == clients and c["fds_leaked"] <= 0
    ROWS.append(
        Row(
            f"{clients} concurrent streams (loopback)",
            f"{c['errors']} errors, peak {c['peak_in_flight']} in flight, "
            f"{c['fds_leaked']} fds leaked",
            "-",
            "-",
            "0 errors, 0 leaked",
            _yes(ok),
        )
    )
    s = bench_load.sequential(requests)
    grew = s["rss_growth_kib"]
    ok = s["errors"] == 0 and s["fds_leaked"] <= 0 and grew < 1024
    assert s["requests_logged"] == requests  # the fake saw every one
    ROWS.append(Row(f"{requests:,} sequential requests (loopback)",
                    f"{s['errors']} errors, {s['req_per_s']:.0f} req/s, RSS +{grew} KiB, "
                    f"{s['fds_leaked']} fds leaked", "-", "-",
                    "0 errors, 0 leaked, RSS +< 1 MiB", _yes(ok)))  # fmt: skip


SECTIONS = [scripted, replay, replay_size, load_save, import_plugin, conformance, server, load]


def table(rows: list[Row]) -> str:
    head = Row("benchmark", "measured", "anchor", "ratio", "goal", "met?")
    cols = list(asdict(head))
    widths = {c: max(len(getattr(r, c)) for r in [head, *rows]) for c in cols}
    line = lambda r: "| " + " | ".join(getattr(r, c).ljust(widths[c]) for c in cols) + " |"  # noqa: E731
    rule = "|" + "|".join("-" * (widths[c] + 2) for c in cols) + "|"
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )


#: The packages whose versions the page names: the kit and every anchor measured against.
VERSIONED = ["llm-fakes", "pytest", "vcrpy", "respx", "httpx", "langchain-core", "hypothesis"]


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in VERSIONED:
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def _shared_note() -> str:
    """What the load averages say, when either is above the CPU count."""
    loads = [float(x) for x in LOAD if x != "-"]
    if loads and max(loads) > len(os.sched_getaffinity(0)):
        return (
            " (above the CPU count: other jobs shared the machine, so wall times stretch, CPU "
            "times much less)"
        )
    return ""


def page(command: str, seconds: float, rows: list[Row]) -> str:
    """The Markdown page the docs include: the table, and when, where and on what it ran."""
    import datetime

    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "# Benchmarks\n\n"
        "<!-- Generated by benchmarks/run.py --out: do not edit by hand. -->\n\n"
        "Every performance figure the documentation quotes is on this page, printed by "
        f"`{command}`. Rerun it to measure your own machine.\n\n"
        f"- **Date:** {when}\n"
        f"- **Machine:** {machine()}; load average {LOAD[0]} at the start, {LOAD[1]} at the end"
        f"{_shared_note()}\n"
        f"- **Versions:** {versions()}\n"
        f"- **Run time:** {seconds:.0f} s\n\n"
        "Each row is measured in one run, next to its anchor: what a user would otherwise "
        "pick (LangChain's fakes, vcrpy with httpx, respx, a bare interpreter, `pytest -p "
        "no:llm_fakes`, the standard library's HTTP server). *Goal* is the target the kit "
        "holds itself to; *met?* says whether this run met it.\n\n"
        f"{table(rows)}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller loads")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    parser.add_argument(
        "--vcr-10k", action="store_true", help="also time vcrpy at 10,000 (minutes per call)"
    )
    parser.add_argument("--only", default="", help="comma-separated section function names")
    parser.add_argument(
        "--out", metavar="FILE", help="also write the table as the docs' page (docs/benchmarks.md)"
    )
    args = parser.parse_args(argv)
    chosen = [s for s in SECTIONS if not args.only or s.__name__ in args.only.split(",")]
    start = time.perf_counter()
    LOAD[0] = f"{os.getloadavg()[0]:.1f}"
    with tempfile.TemporaryDirectory() as tmp:
        args.tmp = tmp
        for run in chosen:
            run(args)
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    seconds = time.perf_counter() - start
    LOAD[1] = f"{os.getloadavg()[0]:.1f}"
    print(f"\n{command}  ({machine()}; {seconds:.0f} s)\n")
    print(table(ROWS))
    if args.out:
        Path(args.out).write_text(page(command, seconds, ROWS), encoding="utf-8")
        print(f"\nwritten to {args.out}", file=sys.stderr)
    if args.json:
        print(json.dumps({"machine": machine(), "rows": [asdict(r) for r in ROWS]}, indent=1))
    return 0 if all(r.met in ("yes", "-") for r in ROWS) else 1


if __name__ == "__main__":
    sys.exit(main())
