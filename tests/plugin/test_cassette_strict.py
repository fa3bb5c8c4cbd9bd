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


# ----------------------------------------------------------------------------- shared cassettes

SHARED = """
import os
import pytest

pytestmark = pytest.mark.llm_cassette("shared")

def test_a(llm_cassette):
    llm_cassette.complete([{"role": "user", "content": "a"}])

def test_b(llm_cassette):
    llm_cassette.complete([{"role": "user", "content": "b"}])
    if os.environ.get("RECORDING"):
        llm_cassette.complete([{"role": "user", "content": "c"}])
"""

SHARED_UNPLAYED = (
    "UnusedInteractionsError: Cassette cassettes/test_cas_sh/shared.yaml has 1 recorded "
    "interaction(s) that none of the 2 tests using it played: #2 complete(1 message, last 'c'). "
    "Remove them by re-recording with --llm-record-mode=all, or turn strict mode off "
    "(llm_fakes_strict_cassettes = off)."
)


def record_shared(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *, extra: bool
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_sh=SHARED)
    if extra:
        monkeypatch.setenv("RECORDING", "1")
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    monkeypatch.delenv("RECORDING", raising=False)


def test_a_shared_cassette_whose_tests_play_it_all_between_them_passes_strict_mode(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_shared(pytester, monkeypatch, extra=False)
    result = run(pytester, "--llm-strict-cassettes=on")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK


def test_a_shared_cassette_is_judged_once_at_the_end_across_its_tests(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_shared(pytester, monkeypatch, extra=True)
    result = run(pytester, "--llm-strict-cassettes=on")
    result.assert_outcomes(passed=2)  # no test is blamed for the other's share...
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # ...but the run fails, once
    lines = result.stdout.lines
    assert lines.count(SHARED_UNPLAYED) == 1
    assert lines[lines.index(SHARED_UNPLAYED) + 1] == (
        "The tests using it: test_cas_sh.py::test_a, test_cas_sh.py::test_b."
    )


def test_a_shared_cassette_is_not_judged_when_some_of_its_tests_did_not_run_or_failed(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_shared(pytester, monkeypatch, extra=False)
    # Only test_a runs: test_b's interaction is unplayed because test_b was deselected.
    result = run(pytester, "--llm-strict-cassettes=on", "-k", "test_a")
    result.assert_outcomes(passed=1, deselected=1)
    assert result.ret == pytest.ExitCode.OK
    pytester.makepyfile(test_cas_sh=SHARED + "    assert False, 'the real failure'\n")
    result = run(pytester, "--llm-strict-cassettes=on")
    result.assert_outcomes(passed=1, failed=1)
    assert "UnusedInteractionsError" not in result.stdout.str()


XDIST_SHARED = """
import os
import pytest

@pytest.mark.llm_cassette("both/shared")
def test_it(llm_cassette):
    with open("workers.log", "a") as log:
        log.write(os.environ.get("PYTEST_XDIST_WORKER", "-") + "\\n")
    llm_cassette.complete([{"role": "user", "content": QUESTION}])
    if os.environ.get("RECORDING") and QUESTION == "b":
        llm_cassette.complete([{"role": "user", "content": "c"}])
"""


def test_xdist_workers_sharing_a_cassette_are_judged_together(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_cassette_xdist import UNRELATED

    # Each inner run is a run of its own, even when this test runs on an xdist worker.
    monkeypatch.delenv("PYTEST_XDIST_TESTRUNUID", raising=False)
    pytester.makeconftest(REAL)
    pytester.makepyfile(
        test_cas_x1=XDIST_SHARED.replace("QUESTION", "'a'"),
        test_cas_x2=XDIST_SHARED.replace("QUESTION", "'b'"),
    )

    def strict_over_two_workers() -> pytest.RunResult:
        log = pytester.path / "workers.log"
        log.unlink(missing_ok=True)
        # --dist loadfile gives each of the 2 workers one file: each plays part of the cassette.
        result = pytester.runpytest_subprocess(
            "-n", "2", "--dist", "loadfile", "--llm-strict-cassettes=on", *UNRELATED
        )
        result.assert_outcomes(passed=2)
        assert sorted(log.read_text().split()) == ["gw0", "gw1"]
        return result

    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    assert strict_over_two_workers().ret == pytest.ExitCode.OK

    monkeypatch.setenv("RECORDING", "1")
    run(pytester, "--llm-record-mode=all").assert_outcomes(passed=2)
    monkeypatch.delenv("RECORDING")
    result = strict_over_two_workers()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    unplayed = [line for line in result.stdout.lines if "UnusedInteractionsError" in line]
    assert unplayed == [
        "UnusedInteractionsError: Cassette cassettes/both/shared.yaml has 1 recorded "
        "interaction(s) that none of the 2 tests using it played: #2 complete(1 message, "
        "last 'c'). Remove them by re-recording with --llm-record-mode=all, or turn strict mode "
        "off (llm_fakes_strict_cassettes = off)."
    ]


NAMED_BY_CONFIG = """
import os
import pytest

@pytest.fixture
def llm_config():
    return {"cassette": {"name": "by_config"}}

def test_it(llm_cassette):
    llm_cassette.complete([{"role": "user", "content": "a"}])
    if os.environ.get("RECORDING"):
        llm_cassette.complete([{"role": "user", "content": "b"}])
"""


def test_a_cassette_named_through_llm_config_is_judged_with_its_own_test(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Collection cannot see llm_config's name, so nobody was expected to use that path: it is
    # this test's alone, and strict mode fails the test itself (not a deferred session verdict).
    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_c=NAMED_BY_CONFIG)
    monkeypatch.setenv("RECORDING", "1")
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=1)
    monkeypatch.delenv("RECORDING")
    assert (pytester.path / "cassettes" / "test_cas_c" / "by_config.yaml").exists()
    make_ini("llm_fakes_strict_cassettes = on\n")
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    assert "cassettes/test_cas_c/by_config.yaml has 1 recorded interaction(s)" in error_text(result)
