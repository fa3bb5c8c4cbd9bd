"""Helpers for the pytester tests of the plugin."""

from __future__ import annotations

from collections.abc import Callable

import pytest

# pytest-asyncio warns when this is unset, and our filterwarnings=error turns that into an
# internal error of the inner session; every inner session therefore sets it.
# langsmith (installed with langchain-core, for the benchmarks) loads a slow pytest plugin that
# an inner session would re-import every time; no test here needs it.
BASE_INI = (
    "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:langsmith_plugin\n"
)


@pytest.fixture
def make_ini(pytester: pytest.Pytester) -> Callable[[str], None]:
    """Write the inner session's ini: the base lines plus ``extra``."""

    def write(extra: str = "") -> None:
        pytester.makefile(".ini", pytest=BASE_INI + extra)

    write()
    return write
