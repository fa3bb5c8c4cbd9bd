"""``--llm-report-unplayed``: the interactions no test of the whole session played, per cassette
(a shared cassette counts every test that used it), and removal only after a whole-suite run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_cassette_fixture import REAL, run

from llm_fakes.cassettes import storage

SHARED = """
import os
import pytest

pytestmark = pytest.mark.llm_cassette("shared")

def test_a(llm_cassette):
    llm_cassette.complete([{"role": "user", "content": "a"}])
    if os.environ.get("RECORDING"):
        llm_cassette.complete([{"role": "user", "content": "c"}])

def test_b(llm_cassette):
    llm_cassette.complete([{"role": "user", "content": "b"}])
"""
CASSETTE = "cassettes/test_cas_u/shared.yaml"


@pytest.fixture
def recorded(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_u=SHARED)
    monkeypatch.setenv("RECORDING", "1")
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    monkeypatch.delenv("RECORDING")
    assert len(storage.load(pytester.path / CASSETTE)["interactions"]) == 3


def test_a_shared_cassette_is_judged_over_every_test_that_used_it(
    pytester: pytest.Pytester, recorded: None
) -> None:
    result = run(pytester, "--llm-report-unplayed")
    result.assert_outcomes(passed=2)
    out = result.stdout.str()
    assert (
        f"{CASSETTE}: 1 of 3 interaction(s) never played (used by test_cas_u.py::test_a, "
        "test_cas_u.py::test_b)"
    ) in out
    assert "  #1 complete(1 message, last 'c')" in out
    assert "#0 " not in out and "#2 " not in out  # test_b's play counts for the shared file
    assert "Remove these 1 interaction(s) with: pytest --llm-remove-unplayed" in out


def test_a_k_run_reports_but_never_offers_removal(
    pytester: pytest.Pytester, recorded: None
) -> None:
    result = run(pytester, "--llm-remove-unplayed", "-k", "test_a")
    result.assert_outcomes(passed=1, deselected=1)
    out = result.stdout.str()
    assert f"{CASSETTE}: 2 of 3 interaction(s) never played" in out
    assert "Not offering to remove them: -k 'test_a' selected part of the suite" in out
    assert "Remove these" not in out and "Removed" not in out
    assert len(storage.load(pytester.path / CASSETTE)["interactions"]) == 3

    named = run(pytester, "--llm-report-unplayed", "test_cas_u.py::test_b")
    assert "Not offering to remove them: only test_cas_u.py::test_b was run" in named.stdout.str()
    a_file = run(pytester, "--llm-report-unplayed", "test_cas_u.py")  # other files may use it
    assert "Not offering to remove them: only test_cas_u.py was run" in a_file.stdout.str()
    everything = run(pytester, "--llm-report-unplayed", ".")
    assert "Remove these 1 interaction(s)" in everything.stdout.str()


def test_remove_after_a_whole_run_rewrites_the_cassette_without_them(
    pytester: pytest.Pytester, recorded: None
) -> None:
    result = run(pytester, "--llm-remove-unplayed")
    result.assert_outcomes(passed=2)
    assert "Removed 1 unplayed interaction(s) from the cassettes above." in result.stdout.str()
    contents = [
        i["request"]["messages"][-1]["content"]
        for i in storage.load(pytester.path / CASSETTE)["interactions"]
    ]
    assert contents == ["a", "b"]
    again = run(pytester, "--llm-report-unplayed")
    assert "Every interaction of every cassette used was played." in again.stdout.str()


def test_without_the_option_nothing_is_reported(pytester: pytest.Pytester, recorded: None) -> None:
    result = run(pytester)
    result.assert_outcomes(passed=2)
    assert "unplayed cassette interactions" not in result.stdout.str()


def test_xdist_workers_tallies_are_merged(pytester: pytest.Pytester, recorded: None) -> None:
    # The controller runs no test: all it reports comes from the workers' tallies.
    result = run(pytester, "--llm-report-unplayed", "-n", "2")
    out = result.stdout.str()
    assert f"{CASSETTE}: 1 of 3 interaction(s) never played" in out
    assert "  #1 complete(1 message, last 'c')" in out and "#0 " not in out


def test_a_failure_or_a_deselection_also_withholds_removal(
    pytester: pytest.Pytester, recorded: None
) -> None:
    deselected = run(pytester, "--llm-remove-unplayed", "--deselect", "test_cas_u.py::test_b")
    assert "Not offering to remove them: 1 test(s) were deselected" in deselected.stdout.str()
    pytester.makepyfile(test_cas_u=SHARED + "    assert False, 'broken'\n")
    failed = run(pytester, "--llm-remove-unplayed")
    failed.assert_outcomes(passed=1, failed=1)
    assert "Not offering to remove them: 1 test(s) failed" in failed.stdout.str()
    assert len(storage.load(pytester.path / CASSETTE)["interactions"]) == 3
