"""The console script."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import llm_fakes
from llm_fakes.cli import build_parser, main


def test_version_flag_prints_the_version(capsys: object) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "llm_fakes.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"llm-fakes {llm_fakes.__version__}"


def test_no_sub_command_is_a_usage_error_naming_the_sub_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    # The usage line is argparse's own, whatever its wording: compare with what it formats.
    assert captured.err.startswith(build_parser().format_usage())
    assert captured.err.splitlines()[-1] == (
        "llm-fakes: error: a sub-command is required: cassette, serve or conformance "
        "(llm-fakes --help describes each)"
    )


def test_help_still_succeeds() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "llm_fakes.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert "conformance" in out.stdout


def test_top_level_help_names_every_action_of_every_command() -> None:
    """``llm-fakes --help`` describes each command with all of its actions (import, stale...)."""
    import argparse
    import importlib

    from llm_fakes.cli import SUBCOMMANDS

    top = build_parser().format_help()
    for name, (_, target) in SUBCOMMANDS.items():
        module_name, func_name = target.split(":")
        sub = argparse.ArgumentParser(prog=f"llm-fakes {name}")
        getattr(importlib.import_module(module_name), func_name)(sub)
        actions = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        for action in actions:
            for choice in action.choices:
                assert re.search(rf"\b{choice}\b", top), f"{name} {choice} missing from --help"
