"""The built-in backends pass every property; a built-in missing from the installation is left
out and named, never reported as passing."""

from __future__ import annotations

import pytest

from llm_fakes.contract import builtins
from llm_fakes.contract.properties import PROPERTIES
from llm_fakes.contract.runner import run_conformance


def test_every_builtin_passes_every_property() -> None:
    # One example per property here: a smoke test. `llm-fakes conformance` (and
    # benchmarks/bench_conformance.py) run the ci profile.
    factories = builtins.builtin_factories(loopback=True)
    assert [f.name for f in factories] == [
        "ScriptedProvider",
        "CassetteProvider",
        "OpenAIProvider",
        "OpenAIResponsesProvider",
        "AnthropicProvider",
        "GeminiProvider",
        "complete-only",
        "OpenAIProvider@loopback",
        "OpenAIResponsesProvider@loopback",
        "AnthropicProvider@loopback",
        "GeminiProvider@loopback",
    ]
    report = run_conformance(factories, max_examples=1)
    failing = [(v.backend, v.property, v.message) for v in report.failures]
    assert failing == []
    assert len(report.verdicts) == len(PROPERTIES) * len(factories)


@pytest.mark.parametrize("prop", ["J2", "J3"])
def test_a_replayed_cassette_reports_bad_json_as_the_recording_did(prop: str) -> None:
    factory = builtins.cassette_factory()
    assert factory is not None
    report = run_conformance([factory], only=prop, max_examples=5)
    assert [v.message for v in report.failures] == []


def test_a_missing_builtin_is_left_out_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins._importable

    def without_anthropic(module: str, name: str) -> object:
        return None if "anthropic" in module else real(module, name)

    monkeypatch.setattr(builtins, "_importable", without_anthropic)
    assert "AnthropicProvider" not in [f.name for f in builtins.builtin_factories()]
    assert builtins.unavailable() == ["AnthropicProvider"]


def test_a_max_tokens_below_the_responses_apis_floor_reaches_the_fake_as_the_floor() -> None:
    # C4 over many histories and limits (1..8192): the provider sends at least 16, as the
    # Responses API requires, and declares that floor, so C4 still checks every other limit.
    factory = builtins.http_factory("responses")
    assert factory is not None
    report = run_conformance([factory], only="C4", max_examples=40)
    assert [v.message for v in report.failures] == []


def test_the_complete_only_provider_inherits_acomplete_and_stream() -> None:
    from llm_fakes.provider import LLMProvider

    cls = builtins.CompleteOnlyProvider
    assert cls.acomplete is LLMProvider.acomplete
    assert cls.stream is LLMProvider.stream
