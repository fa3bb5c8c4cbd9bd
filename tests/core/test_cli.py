"""The console script."""

from __future__ import annotations

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
