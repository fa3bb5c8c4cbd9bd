"""The conformance suite checks a provider written against the framework's own classes."""

from __future__ import annotations

import pytest
from downstream_support import write_project

from llm_fakes.contract.properties import PROPERTIES

# A provider as a framework project writes one: it subclasses the framework's LLMProvider and, like
# the framework's code, insists on the framework's classes (here it forwards to the backend the
# suite gives it, as a router or middleware provider does).
PROVIDER = '''
from framework.llm import stream_events
from framework.llm.provider import LLMProvider, LLMResponse

EVENTS = tuple(
    getattr(stream_events, name)
    for name in dir(stream_events)
    if name.endswith("Event") and isinstance(getattr(stream_events, name), type)
)


def own(value, classes):
    if not isinstance(value, classes):
        raise TypeError(f"not a framework class: {type(value).__module__}.{type(value).__name__}")
    return value


class Routed(LLMProvider):
    def __init__(self, inner):
        self.inner = inner
        self.default_max_retries = inner.default_max_retries
        self.max_retry_wait = 60.0

    def complete(self, messages, system="", tools=None, max_tokens=1024,
                 response_format=None, json_mode=False, max_retries=None):
        return own(self.inner.complete(
            messages, system=system, tools=tools, max_tokens=max_tokens,
            response_format=response_format, json_mode=json_mode, max_retries=max_retries,
        ), LLMResponse)

    async def acomplete(self, messages, system="", tools=None, max_tokens=1024,
                        response_format=None, json_mode=False, max_retries=None):
        return own(await self.inner.acomplete(
            messages, system=system, tools=tools, max_tokens=max_tokens,
            response_format=response_format, json_mode=json_mode, max_retries=max_retries,
        ), LLMResponse)

    async def stream(self, messages, system="", tools=None, max_tokens=4096):
        async for event in self.inner.stream(
            messages, system=system, tools=tools, max_tokens=max_tokens
        ):
            yield own(event, EVENTS)


class Stuttering(Routed):
    """Broken on purpose: every text delta comes twice."""

    async def stream(self, messages, system="", tools=None, max_tokens=4096):
        async for event in super().stream(messages, system, tools, max_tokens):
            yield event
            if isinstance(event, stream_events.TextDeltaEvent):
                yield event
'''

TESTS = """
from llm_fakes.contract import ProviderFactory, run_conformance
from routed import Stuttering


def test_the_suite_catches_the_stuttering_provider():
    factory = ProviderFactory(lambda backend: Stuttering(backend.scripted), name="stuttering")
    report = run_conformance([factory], only="S1,S2,S5", max_examples=10)
    assert [v.property for v in report.failures] == ["S1"]
    assert report.verdict("S1", "stuttering").message.startswith("events[")
"""


def test_with_the_ini_line_the_suite_catches_a_broken_framework_provider(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester, routed=PROVIDER, test_conformance=TESTS)
    pytester.runpytest().assert_outcomes(passed=1)


PYTEST_FRONT_END = """
import pytest

from llm_fakes.contract import ProviderContract, ProviderFactory
from routed import Routed


class TestRouted(ProviderContract):
    max_examples = 2

    @pytest.fixture
    def provider_factory(self):
        return ProviderFactory(lambda backend: Routed(backend.scripted), name="routed")
"""


def test_the_pytest_front_end_runs_each_property_as_a_test_of_the_framework_provider(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester, routed=PROVIDER, test_routed_contract=PYTEST_FRONT_END)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=len(PROPERTIES))
    result.stdout.fnmatch_lines(["*::TestRouted::test_S5_* PASSED*"])


CONTROL = """
from llm_fakes.contract import ProviderFactory, run_conformance
from routed import Routed


def test_complete_and_stream():
    factory = ProviderFactory(lambda backend: Routed(backend.scripted), name="routed")
    report = run_conformance([factory], only="C1,S1", max_examples=2)
    lines = [f"{v.property} {v.status}: {v.message}" for v in report.verdicts]
    assert all(v.status == "pass" for v in report.verdicts), "\\n".join(lines)
"""


def test_without_it_the_framework_provider_refuses_the_kits_classes(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester, with_types_line=False, routed=PROVIDER, test_control=CONTROL)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: C1 FAIL: builtins.TypeError: not a framework class: "
            "llm_fakes.types.LLMResponse",
            "* S1 FAIL: builtins.TypeError: not a framework class: llm_fakes.events.*Event",
        ]
    )
