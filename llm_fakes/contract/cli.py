"""``llm-fakes conformance [module:factory ...]``: the contract report, property by backend.

With no factory it checks every built-in provider. It prints the matrix (or ``--json``), writes
an ``--html`` page when asked, shows progress on stderr, and exits 1 when any property fails
(2 for a usage error, such as a factory that cannot be imported).

Example:
    $ llm-fakes conformance
    $ llm-fakes conformance tests.test_my_provider:factory --only C,S --html report.html
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from llm_fakes.errors import UsageError

if TYPE_CHECKING:
    from llm_fakes.contract.runner import Verdict

__all__ = ["check_output_path", "register"]


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add the sub-command's arguments; return its runner."""
    parser.add_argument(
        "factories",
        nargs="*",
        metavar="module:factory",
        help="a callable(backend) -> provider, or a ProviderFactory; default: every built-in",
    )
    parser.add_argument(
        "--profile",
        default="ci",
        choices=["ci", "thorough"],
        help="ci: seeded and bounded (default); thorough: random and twelve times longer",
    )
    parser.add_argument("--only", metavar="IDS", help="properties to run, e.g. C1,S3 or R")
    parser.add_argument("--max-examples", type=int, metavar="N", help="examples per property")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    parser.add_argument(
        "--loopback",
        action="store_true",
        help="also check the built-in HTTP providers over real loopback sockets",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return run


def check_output_path(option: str, value: str) -> Path:
    """The path a report option names, checked before the (long) run; nothing is created.

    Call it for every option that writes a file (``--html``, ``--json FILE``, ...) before
    running, so a typo costs a second, not a whole run and a traceback.

    Raises:
        UsageError: The folder is missing or is a file, or the path is a folder.

    Example:
        >>> check_output_path("--html", "report.html")
        PosixPath('report.html')
    """
    path = Path(value)
    said = f"{option} {value!r}"
    if path.is_dir():
        raise UsageError(
            f"{said} is a folder. Give a file name, e.g. {str(path / 'report.html')!r}. "
            "Nothing was run."
        )
    folder = path.parent
    if not folder.exists():
        raise UsageError(
            f"{said}: the folder {str(folder)!r} does not exist. Create it first "
            f"(mkdir -p {str(folder)!r}), or give a path in an existing folder. Nothing was run."
        )
    if not folder.is_dir():
        raise UsageError(
            f"{said}: {str(folder)!r} is a file, not a folder. Give a path in an existing "
            "folder. Nothing was run."
        )
    return path


def _progress(stream: TextIO, per_backend: int) -> Callable[..., None]:
    """One line per backend, growing by one property id (``:FAIL`` when it fails) at a time."""
    started = [time.perf_counter()]

    def show(verdict: Verdict, done: int, total: int) -> None:
        k = (done - 1) % per_backend
        if k == 0:
            started[0] = time.perf_counter()
            n = (done - 1) // per_backend + 1
            stream.write(f"conformance [{n}/{total // per_backend}] {verdict.backend}:")
        mark = {"pass": "", "FAIL": ":FAIL", "not supported": ":n/a"}[verdict.status]
        stream.write(f" {verdict.property}{mark}")
        if k == per_backend - 1:
            stream.write(f" ({time.perf_counter() - started[0]:.1f} s)\n")
        stream.flush()

    return show


def run(args: argparse.Namespace) -> int:
    """Run the report; the exit code is 0 only when nothing failed."""
    from llm_fakes.contract import builtins
    from llm_fakes.contract.factory import load_factory
    from llm_fakes.contract.properties import select
    from llm_fakes.contract.report import render_html, render_json, render_text
    from llm_fakes.contract.runner import run_conformance

    try:
        html = check_output_path("--html", args.html) if args.html else None
        if args.factories:
            factories = [load_factory(spec) for spec in args.factories]
        else:
            factories = builtins.builtin_factories(loopback=args.loopback)
            missing = builtins.unavailable()
            if missing and not args.quiet:
                sys.stderr.write(
                    f"conformance: built-in(s) {missing!r} are not available in this "
                    "installation and are left out.\n"
                )
        per_backend = len(select(args.only))
        report = run_conformance(
            factories,
            only=args.only,
            profile=args.profile,
            max_examples=args.max_examples,
            progress=None if args.quiet else _progress(sys.stderr, per_backend),
        )
    except UsageError as exc:
        sys.stderr.write(f"llm-fakes conformance: {exc}\n")
        return 2
    sys.stdout.write((render_json(report) if args.json else render_text(report)) + "\n")
    if html is not None:
        html.write_text(render_html(report), encoding="utf-8")
        if not args.quiet:
            sys.stderr.write(f"conformance: HTML report written to {args.html}\n")
    return 0 if report.ok else 1
