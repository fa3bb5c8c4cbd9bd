"""The pytest front end, met the way users meet it (pytester): subclass ``ProviderContract``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llm_fakes.contract.properties import PROPERTIES

HONEST = """
import pytest
from llm_fakes.contract import ProviderContract, ProviderFactory

class TestScripted(ProviderContract):
    max_examples = 1

    @pytest.fixture
    def provider_factory(self):
        return ProviderFactory(lambda backend: backend.scripted,
                               capabilities=["tools", "streaming", "json_mode", "json_schema"])
"""

OTHERS = {
    "test_broken": """
import pytest
from contract_mutants import EmptyModel, factory
from llm_fakes.contract import ProviderContract

class TestBroken(ProviderContract):
    max_examples = 5

    @pytest.fixture
    def provider_factory(self):
        return factory(EmptyModel)
""",
    "test_plain": """
import pytest
from llm_fakes.contract import ProviderContract

class TestPlain(ProviderContract):
    max_examples = 2

    @pytest.fixture
    def provider_factory(self):
        return lambda backend: backend.scripted
""",
    "test_empty": """
from llm_fakes.contract import ProviderContract

class TestNothing(ProviderContract):
    pass
""",
}


def test_each_property_is_its_own_test_passing_or_skipped_as_not_supported(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(test_mine=HONEST)
    result = inner.runpytest("-v", "-rs")
    result.assert_outcomes(passed=len(PROPERTIES) - 6, skipped=6)
    ran = [line.split()[0] for line in result.outlines if line.startswith("test_mine.py::")]
    assert ran == [f"test_mine.py::TestScripted::test_{p.id}_{p.name}" for p in PROPERTIES.values()]
    result.stdout.fnmatch_lines([f"*: not supported: R{i} needs retries" for i in range(1, 7)])


def test_a_failure_names_its_property_and_shows_the_minimal_counterexample(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(**OTHERS)
    reprec = inner.inline_run("-k", "C1 or C2 or S6 or J3 or R2")
    outcomes = {
        r.nodeid.split("::", 1)[1]: r.outcome
        for r in reprec.getreports("pytest_runtest_logreport")
        if r.when == "call" or r.outcome != "passed"
    }
    assert outcomes == {
        "TestBroken::test_C1_complete_returns_the_backend_reply": "failed",
        "TestBroken::test_C2_acomplete_equals_complete": "passed",
        "TestBroken::test_S6_no_repeated_text_after_a_retry": "passed",
        "TestBroken::test_J3_non_json_is_reported_unless_marked": "passed",
        "TestBroken::test_R2_zero_and_default_max_retries": "passed",
        # A plain callable supports everything.
        "TestPlain::test_C1_complete_returns_the_backend_reply": "passed",
        "TestPlain::test_C2_acomplete_equals_complete": "passed",
        "TestPlain::test_S6_no_repeated_text_after_a_retry": "passed",
        "TestPlain::test_J3_non_json_is_reported_unless_marked": "passed",
        "TestPlain::test_R2_zero_and_default_max_retries": "passed",
        # No factory: every test errors at setup, saying how to provide one.
        "TestNothing::test_C1_complete_returns_the_backend_reply": "failed",
        "TestNothing::test_C2_acomplete_equals_complete": "failed",
        "TestNothing::test_S6_no_repeated_text_after_a_retry": "failed",
        "TestNothing::test_J3_non_json_is_reported_unless_marked": "failed",
        "TestNothing::test_R2_zero_and_default_max_retries": "failed",
    }
    (broken,) = [
        r
        for r in reprec.getreports("pytest_runtest_logreport")
        if r.nodeid.endswith("TestBroken::test_C1_complete_returns_the_backend_reply")
        and r.when == "call"
    ]
    text = str(broken.longrepr)
    assert text.startswith(
        "C1 (complete() returns what the backend produced, LLMResponse-shaped) FAILS for "
        "EmptyModel:\nmodel is '', not a non-empty str. complete() returned LLMResponse("
    )
    assert "\n\nMinimal counter-example (" in text and "\nscript: [Reply(" in text
    assert "Traceback" not in text
    (empty,) = [
        r
        for r in reprec.getreports("pytest_runtest_logreport")
        if r.nodeid.endswith("TestNothing::test_C1_complete_returns_the_backend_reply")
        and r.when == "setup"
    ]
    assert (
        "UsageError: TestNothing subclasses ProviderContract but does not provide the "
        "provider_factory fixture. Add to the class:" in str(empty.longrepr)
    )


def test_the_profile_comes_from_the_ini_key(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_mine=HONEST.replace("    max_examples = 1\n", ""))
    ini = inner.path / "pytest.ini"
    ini.write_text(ini.read_text().rstrip("\n") + "\nllm_fakes_conformance_profile = nightly\n")
    result = inner.runpytest("-k", "C2")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: Unknown conformance profile 'nightly'. Profiles are [[]'ci', "
            "'thorough'[]]: pick one with --profile (llm-fakes conformance), or "
            "--llm-conformance-profile / the llm_fakes_conformance_profile ini key (pytest)."
        ]
    )


XDIST = """
import pytest
from contract_mutants import EmptyModel, RetriesInside, Wrapper, factory
from llm_fakes.contract import ProviderContract


class TestMany(ProviderContract):
    max_examples = 2

    @pytest.fixture(params=[Wrapper, EmptyModel, RetriesInside], ids=lambda c: c.__name__)
    def provider_factory(self, request):
        return factory(request.param)
"""


def test_under_xdist_each_property_and_backend_is_a_test_with_the_serial_verdict(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = str(Path(__file__).resolve().parent)
    monkeypatch.setenv("PYTHONPATH", here + os.pathsep + os.environ.get("PYTHONPATH", ""))
    inner.makepyfile(test_many=XDIST)

    def outcomes(*args: str) -> dict[str, str]:
        result = inner.runpytest_subprocess("-q", "-rA", "-p", "no:cacheprovider", *args)
        found = {}
        for line in result.outlines:
            word, _, rest = line.partition(" ")
            if word in ("PASSED", "FAILED", "SKIPPED") and "test_many.py::" in rest:
                found[rest.split()[0].split(" - ")[0]] = word
        return found

    serial = outcomes()
    parallel = outcomes("-n", "2")
    assert len(serial) == 3 * len(PROPERTIES)  # one test per property and backend
    assert parallel == serial
    assert serial[
        "test_many.py::TestMany::test_C1_complete_returns_the_backend_reply[EmptyModel]"
    ] == ("FAILED")
    # R2 always scripts max_retries=0 against one failure, so it catches the inner retry loop on
    # every hypothesis release (R1 does too, but only where the drawn k and m expose it).
    assert serial[
        "test_many.py::TestMany::test_R2_zero_and_default_max_retries[RetriesInside]"
    ] == ("FAILED")
    assert {v for k, v in serial.items() if k.endswith("[Wrapper]")} == {"PASSED"}


def test_a_failing_test_links_the_cause_an_earlier_test_showed_and_lists_other_failures(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(
        test_linked="""
import pytest
from contract_mutants import CompleteDropsToolUses, TwoWaysToBreakC4, factory
from llm_fakes.contract import ProviderContract

class TestLinked(ProviderContract):
    @pytest.fixture
    def provider_factory(self):
        return factory(CompleteDropsToolUses)

class TestTwice(ProviderContract):
    @pytest.fixture
    def provider_factory(self):
        return factory(TwoWaysToBreakC4)
"""
    )
    reprec = inner.inline_run("-k", "(TestLinked and (C1 or S5)) or (TestTwice and C4)")
    failed = {
        r.nodeid.split("::", 1)[1]: str(r.longrepr)
        for r in reprec.getreports("pytest_runtest_logreport")
        if r.when == "call" and r.failed
    }
    assert set(failed) == {
        "TestLinked::test_C1_complete_returns_the_backend_reply",
        "TestLinked::test_S5_tool_call_events_equal_complete",
        "TestTwice::test_C4_any_history_reaches_the_backend_intact",
    }
    s5 = failed["TestLinked::test_S5_tool_call_events_equal_complete"]
    assert (
        "FAILS for CompleteDropsToolUses:\nsame cause as C1: complete() returns no tool uses\n"
        in (s5)
    )
    c4 = failed["TestTwice::test_C4_any_history_reaches_the_backend_intact"]
    assert "\n\nOther distinct failures:\nC4 FAIL on TwoWaysToBreakC4 (2 of 2): " in c4
