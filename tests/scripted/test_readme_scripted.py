"""The "Scripted fakes" page's examples run, so the docs cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).parents[2] / "docs" / "scripted.md"


def section_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


BLOCKS = section_blocks()
PLAIN = [b for b in BLOCKS if "def test_" not in b]
TESTS = [b for b in BLOCKS if "def test_" in b]


def test_the_section_has_its_examples() -> None:
    assert (len(PLAIN), len(TESTS)) == (6, 1)


@pytest.mark.parametrize("index", range(len(PLAIN)))
def test_each_example_runs(index: int) -> None:
    code = compile(PLAIN[index], f"docs/scripted.md (example {index})", "exec")
    exec(code, {"__name__": f"readme_example_{index}"})


def test_the_pytest_example_passes_under_pytest(pytester: pytest.Pytester) -> None:
    # The inner session must set the loop scope, or pytest-asyncio's warning becomes an error.
    pytester.makefile(".ini", pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_readme_example=TESTS[0])
    pytester.runpytest().assert_outcomes(passed=2)
