"""Opt-in strict mode: a test that leaves recorded interactions unplayed fails."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_cassette_fixture import REAL, error_text, run

TWO_THEN_ONE = """
import os

def test_it(llm_cassette):
    llm_cassette.complete([{"role": "user", "content": "a"}])
    if os.environ.get("RECORDING"):
        llm_cassette.complete([{"role": "user", "content": "b"}])
"""


@pytest.fixture
def recorded(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_s=TWO_THEN_ONE)
    monkeypatch.setenv("RECORDING", "1")
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=1)
    monkeypatch.delenv("RECORDING")


def test_strict_mode_fails_a_test_that_left_interactions_unplayed(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], recorded: None
) -> None:
    make_ini("llm_fakes_strict_cassettes = on\n")
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    assert (
        "llm_fakes.errors.UnusedInteractionsError: Cassette cassettes/test_cas_s/test_it.yaml "
        "has 1 recorded interaction(s) that were never played: #1 complete(1 message, last 'b'). "
        "Remove them by re-recording with --llm-record-mode=all, or turn strict mode off "
        "(llm_fakes_strict_cassettes = off)."
    ) in error_text(result)


def test_strict_mode_is_off_by_default_and_settable_per_test(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], recorded: None
) -> None:
    run(pytester).assert_outcomes(passed=1)
    run(pytester, "--llm-strict-cassettes=on").assert_outcomes(passed=1, errors=1)
    pytester.makepyfile(
        test_cas_s="import pytest\n\npytestmark = pytest.mark.llm_cassette(strict=True)\n"
        + TWO_THEN_ONE
    )
    run(pytester).assert_outcomes(passed=1, errors=1)


def test_strict_mode_stays_quiet_when_the_test_itself_failed(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], recorded: None
) -> None:
    make_ini("llm_fakes_strict_cassettes = on\n")
    pytester.makepyfile(test_cas_s=TWO_THEN_ONE + "    assert False, 'the real failure'\n")
    result = run(pytester)
    result.assert_outcomes(failed=1)
    assert "UnusedInteractionsError" not in result.stdout.str()
