"""``llm-fakes conformance [module:factory ...]``: the contract report, property by backend.

With no factory it checks every built-in provider. It prints the matrix, writes the report as
JSON (``--json FILE``), HTML (``--html FILE``) or JUnit XML (``--junit-xml FILE``) when asked
(``-`` writes that one to stdout instead of the matrix), shows progress on stderr, and exits 1
when any property fails (2 for a usage error, such as a factory that cannot be imported or an
output path that cannot be written).

The provider runs under virtual time (its ``time.sleep`` and its SDK's retry backoff return at
once, recorded on the backend's clock); ``--real-time`` turns that off. What the provider prints
or logs while an example runs is captured, and shown only under a failing property.

Each example may take ``--example-timeout`` seconds (10 by default); one that takes longer fails
its property with "did not return within N s" and the run moves on. The pairs run in a worker
process (``--jobs N``: N of them), so a provider that ends or kills the process fails only the
property it was running; only this process prints the report, and whatever the provider forked
is killed at the end.

Example:
    $ llm-fakes conformance
    $ llm-fakes conformance tests.test_my_provider:factory --only C,S --html report.html
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from llm_fakes.errors import UsageError

if TYPE_CHECKING:
    from llm_fakes.contract.runner import Report, Verdict

__all__ = ["OUTPUTS", "Output", "check_output_path", "outputs", "register"]


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
    for flag, (_, what) in OUTPUTS.items():
        parser.add_argument(
            f"--{flag}",
            metavar="FILE",
            # --json alone (no FILE) prints JSON on stdout, as it always has.
            nargs="?" if flag == "json" else None,
            const="-" if flag == "json" else None,
            help=f"write the report as {what} to FILE ('-': stdout, instead of the matrix)",
        )
    parser.add_argument(
        "--real-time",
        action="store_true",
        help="run providers in real time: their time.sleep / asyncio.sleep and their SDK's "
        "retry backoff really wait (default: virtual time on the backend's clock)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=1,
        metavar="N",
        help="spread (backend, property) pairs over N worker processes (default 1)",
    )
    parser.add_argument(
        "--example-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="fail a property whose example does not return within SECONDS (default 10)",
    )
    parser.add_argument(
        "--loopback",
        action="store_true",
        help="also check the built-in HTTP providers over real loopback sockets",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return run


def _seconds(text: str) -> float:
    from llm_fakes.contract._limits import check_timeout

    try:
        value = check_timeout(float(text), "--example-timeout")
    except (ValueError, UsageError) as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a positive, finite number of seconds (e.g. 30)"
        ) from exc
    assert value is not None
    return value


# --------------------------------------------------------------------------- output files

#: ``--FLAG``: (renderer in llm_fakes.contract.report, what it writes).
OUTPUTS: dict[str, tuple[str, str]] = {
    "json": ("render_json", "JSON"),
    "html": ("render_html", "a self-contained HTML page"),
    "junit-xml": ("render_junit", "JUnit XML"),
}


@dataclass(frozen=True, kw_only=True)
class Output:
    """One report to write: which flag asked for it, and where (``None``: stdout)."""

    flag: str
    path: Path | None

    def write(self, report: Report) -> None:
        """Render and write (atomically: a file is whole or untouched)."""
        from llm_fakes.contract import report as render

        text = getattr(render, OUTPUTS[self.flag][0])(report)
        if self.path is None:
            sys.stdout.write(text.rstrip("\n") + "\n")
            return
        from llm_fakes.cassettes.storage import write_atomic

        write_atomic(self.path, text)


def outputs(args: argparse.Namespace) -> list[Output]:
    """The reports asked for, checked before anything runs.

    Raises:
        UsageError: Two reports asked for stdout, or a path cannot be written
            (:func:`check_output_path`).
    """
    out: list[Output] = []
    for flag in OUTPUTS:
        value = getattr(args, flag.replace("-", "_"))
        if value is None:
            continue
        if value == "-":
            taken = [o.flag for o in out if o.path is None]
            if taken:
                raise UsageError(
                    f"--{flag} - and --{taken[0]} - both ask for stdout. Give one of them a "
                    f"file, e.g. --{flag} report.{flag.split('-')[0]}."
                )
            out.append(Output(flag=flag, path=None))
            continue
        out.append(Output(flag=flag, path=check_output_path(f"--{flag}", value)))
    return out


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


# --------------------------------------------------------------------------- the run


def _progress(stream: TextIO, per_backend: int) -> Callable[..., None]:
    """One line per backend, growing by one property id (``:FAIL`` when it fails) at a time."""
    started = [time.perf_counter()]  # when this backend's first property started

    def show(verdict: Verdict, done: int, total: int) -> None:
        k = (done - 1) % per_backend
        if k == 0:
            n = (done - 1) // per_backend + 1
            stream.write(f"conformance [{n}/{total // per_backend}] {verdict.backend}:")
        mark = {"pass": "", "FAIL": ":FAIL", "not supported": ":n/a", "prompt only": ":prompt"}[
            verdict.status
        ]
        stream.write(f" {verdict.property}{mark}")
        if k == per_backend - 1:
            stream.write(f" ({time.perf_counter() - started[0]:.1f} s)\n")
            started[0] = time.perf_counter()
        stream.flush()

    return show


def run(args: argparse.Namespace) -> int:
    """Run the report; the exit code is 0 only when nothing failed."""
    from llm_fakes.contract import builtins
    from llm_fakes.contract.factory import load_factory
    from llm_fakes.contract.properties import select
    from llm_fakes.contract.report import render_text
    from llm_fakes.contract.runner import EXAMPLE_TIMEOUT, run_conformance

    starter = os.getpid()
    timeout = EXAMPLE_TIMEOUT if args.example_timeout is None else args.example_timeout
    try:
        wanted = outputs(args)
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
            virtual=not args.real_time,
            jobs=args.jobs,
            example_timeout=timeout,
            isolate=True,
        )
    except UsageError as exc:
        sys.stderr.write(f"llm-fakes conformance: {exc}\n")
        return 2
    finally:
        if os.getpid() != starter:  # a process the provider forked: it reports nothing
            os._exit(0)
    if not any(o.path is None for o in wanted):
        sys.stdout.write(render_text(report) + "\n")
    for output in wanted:
        output.write(report)
        if output.path is not None and not args.quiet:
            sys.stderr.write(f"conformance: {OUTPUTS[output.flag][1]} written to {output.path}\n")
    return 0 if report.ok else 1
