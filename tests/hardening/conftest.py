"""Prints the hardening tally (inputs and faults tried, by outcome) at the end of the session."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from hardening_support import TALLY, summary_lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = summary_lines()
    if not lines:
        return
    terminalreporter.section("llm-fakes hardening: inputs and faults tried")
    for line in lines:
        terminalreporter.write_line(line)
    report = os.environ.get("LLM_FAKES_HARDENING_REPORT")
    if report:
        data = {category: dict(outcomes) for category, outcomes in TALLY.items()}
        Path(report).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
