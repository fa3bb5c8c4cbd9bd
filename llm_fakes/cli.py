"""The ``llm-fakes`` command line.

Example:
    $ llm-fakes --version
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from llm_fakes._version import __version__

__all__ = ["main"]

#: Sub-command name -> (help, function that adds its arguments and returns its runner).
Subcommand = Callable[[argparse.ArgumentParser], Callable[[argparse.Namespace], int]]
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    # name: (help, "module:function") imported only when that sub-command is used
    "cassette": ("List, show and verify cassette files.", "llm_fakes.cassettes.cli:register"),
    "serve": (
        "Serve a scripted fake of one of the kit's APIs, or a recorded cassette to any client.",
        "llm_fakes.cassettes.serve_cli:register",
    ),
    "conformance": (
        "Check providers against the contract (C1-C4, S1-S7, J1-J3, R1-R6, stated in "
        "docs/contract.md): pass / FAIL / not supported.",
        "llm_fakes.contract.cli:register",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="llm-fakes",
        description="Scripted fakes, cassettes and conformance tests for LLM providers.",
    )
    parser.add_argument("--version", action="version", version=f"llm-fakes {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, target) in SUBCOMMANDS.items():
        sub = subs.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(_target=target)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code. Every message it prints is scrubbed of secrets
    (token shapes, secret query parameters, secret environment values: :mod:`llm_fakes._scrub`).
    """
    from llm_fakes._scrub import scrubbed_output

    with scrubbed_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    import importlib

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:
        # As argparse-based tools do for a missing argument: the usage line, an error, exit 2.
        names = list(SUBCOMMANDS)
        parser.print_usage(sys.stderr)
        print(
            f"llm-fakes: error: a sub-command is required: {', '.join(names[:-1])} or "
            f"{names[-1]} (llm-fakes --help describes each)",
            file=sys.stderr,
        )
        return 2
    name = args_list[0]
    if name in SUBCOMMANDS:
        module_name, func_name = SUBCOMMANDS[name][1].split(":")
        register: Subcommand = getattr(importlib.import_module(module_name), func_name)
        sub = argparse.ArgumentParser(prog=f"llm-fakes {name}", description=SUBCOMMANDS[name][0])
        run = register(sub)
        return run(sub.parse_args(args_list[1:]))
    parser.parse_args(args_list)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
