"""The pytest front end, met the way users meet it (pytester): subclass ``ProviderContract``."""

from __future__ import annotations

import pytest

from llm_fakes.contract.properties import PROPERTIES

HONEST = """
import pytest
from llm_fakes.contract import ProviderContract, ProviderFactory

class TestScripted(ProviderContract):
    max_examples = 3

    @pytest.fixture
    def provider_factory(self):
        return ProviderFactory(lambda backend: backend.scripted,
                               capabilities=["tools", "streaming", "json_mode", "json_schema"])
"""

BROKEN = """
import pytest
from contract_mutants import EmptyModel, factory
from llm_fakes.contract import ProviderContract

class TestBroken(ProviderContract):
    max_examples = 5

    @pytest.fixture
    def provider_factory(self):
        return factory(EmptyModel)
"""


def test_every_property_is_its_own_test_named_after_its_id(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_mine=HONEST)
    result = inner.runpytest("--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids == [f"test_mine.py::TestScripted::test_{p.id}_{p.name}" for p in PROPERTIES.values()]


def test_supported_properties_pass_and_unsupported_ones_are_skipped_as_not_supported(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(test_mine=HONEST)
    result = inner.runpytest("-rs", "-k", "C1 or C4 or S5 or J2 or R1 or R3")
    result.assert_outcomes(passed=4, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] *: not supported: R1 needs retries",
            "SKIPPED [[]1[]] *: not supported: R3 needs retries",
        ]
    )


def test_a_failing_property_fails_its_own_test_with_the_minimal_counterexample(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(test_broken=BROKEN)
    result = inner.runpytest("-k", "C1 or C2")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*TestBroken.test_C1_complete_returns_the_backend_reply*",
            "C1 (complete() returns what the backend produced, LLMResponse-shaped) FAILS for "
            "EmptyModel:",
            "model is '', not a non-empty str. complete() returned LLMResponse(*",
            "Minimal counter-example (* examples run):",
            "script: [[]Reply(*)[]]",
            "request: messages=[[]*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_subclass_without_a_factory_is_told_how_to_provide_one(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_empty="from llm_fakes.contract import ProviderContract\n"
        "class TestNothing(ProviderContract):\n    pass\n"
    )
    result = inner.runpytest("-k", "C1")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: TestNothing subclasses ProviderContract but does not provide the "
            "provider_factory fixture. Add to the class:",
        ]
    )


def test_the_profile_comes_from_the_ini_key_or_the_option(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_mine=HONEST.replace("    max_examples = 3\n", ""))
    inner.makefile(
        ".ini",
        pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "llm_fakes_conformance_profile = nightly\n",
    )
    result = inner.runpytest("-k", "C2")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: Unknown conformance profile 'nightly'. Profiles are [[]'ci', "
            "'thorough'[]]: pick one with --profile (llm-fakes conformance), or "
            "--llm-conformance-profile / the llm_fakes_conformance_profile ini key (pytest)."
        ]
    )
    result = inner.runpytest("-k", "C2", "--llm-conformance-profile=ci")
    result.assert_outcomes(passed=1)


def test_the_plain_callable_factory_supports_everything(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_plain="""
import pytest
from llm_fakes.contract import ProviderContract

class TestPlain(ProviderContract):
    max_examples = 2

    @pytest.fixture
    def provider_factory(self):
        return lambda backend: backend.scripted
"""
    )
    result = inner.runpytest("-k", "R2 or J3 or S6")
    result.assert_outcomes(passed=3)
