"""Helpers for the conformance suite's own tests."""

from __future__ import annotations

import pytest

# pytest-asyncio (installed here, not needed by the suite) warns in any session that leaves its
# loop scope unset, and filterwarnings=error would turn that into an error: the one line inner
# sessions carry. Nothing asyncio-related is configured for the suite itself.
# The langsmith plugin (pulled in by the benchmarks' LangChain anchor, unrelated to the kit) is
# re-imported by every in-process session and, with PYTHONDONTWRITEBYTECODE set, re-compiled for
# assertion rewriting: about 5 s per session. Blocking it changes nothing else.
INNER_INI = (
    "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:langsmith_plugin\n"
)


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester whose inner sessions have the one ini line above and no other setting."""
    pytester.makefile(".ini", pytest=INNER_INI)
    return pytester
