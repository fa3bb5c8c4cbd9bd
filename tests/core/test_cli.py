"""The console script."""

from __future__ import annotations

import subprocess
import sys

import llm_fakes
from llm_fakes.cli import main


def test_version_flag_prints_the_version(capsys: object) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "llm_fakes.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"llm-fakes {llm_fakes.__version__}"


def test_no_arguments_prints_help_and_succeeds() -> None:
    assert main([]) == 0
