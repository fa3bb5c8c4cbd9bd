"""C5, S8 and S9, and the rule for every property: a method that raised before producing anything
is never a pass, and the one exception it raised is one cause, linked from every property."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from contract_mutants import Wrapper, factory

from llm_fakes.contract import run_conformance
from llm_fakes.contract.report import render_text


class StreamRaisesTypeError(Wrapper):
    """stream() takes a keyword the suite does not pass... and raises before its first event."""

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise TypeError("stream() missing 1 required keyword-only argument: 'model'")
        yield  # pragma: no cover - makes this an async generator


def test_a_stream_that_always_raises_passes_no_property_about_its_output() -> None:
    report = run_conformance(
        [factory(StreamRaisesTypeError)], only="S1,S2,S3,S6,S8,S9", max_examples=5
    )
    assert {v.property: v.status for v in report.verdicts} == dict.fromkeys(
        ["S1", "S2", "S3", "S6", "S8", "S9"], "FAIL"
    )
    s6 = report.verdict("S6", "StreamRaisesTypeError")
    assert "before producing anything" in s6.message
    # One cause, shown once, linked from every other property it breaks.
    causes = {f.cause for v in report.verdicts for f in v.failures}
    assert len(causes) == 1 and "builtins.TypeError" in causes.pop()
    firsts = [f for v in report.verdicts for f in v.failures if not f.same_cause_as]
    assert len(firsts) == 1
    text = render_text(report)
    assert "S6 FAIL on StreamRaisesTypeError: same cause as S1: the provider raises " in text


def test_c5_names_the_method_and_the_first_changed_message() -> None:
    from contract_mutants import TagsCallersHistory

    report = run_conformance([factory(TagsCallersHistory)], only="C5", max_examples=10)
    (verdict,) = report.verdicts
    assert verdict.status == "FAIL"
    assert "changed the caller's messages (call 1 of 2" in verdict.message
    assert "'cache_control': {'type': 'ephemeral'}" in verdict.message


def test_s8_and_s9_pass_an_honest_wrapper_and_name_what_a_broken_one_does() -> None:
    from contract_mutants import AlwaysRecoverable, TruncatesOnDrop

    report = run_conformance(
        [factory(Wrapper), factory(TruncatesOnDrop), factory(AlwaysRecoverable)],
        only="S8,S9",
        max_examples=15,
    )
    assert [(v.backend, v.property, v.status) for v in report.verdicts] == [
        ("Wrapper", "S8", "pass"),
        ("Wrapper", "S9", "pass"),
        ("TruncatesOnDrop", "S8", "FAIL"),
        ("TruncatesOnDrop", "S9", "pass"),
        ("AlwaysRecoverable", "S8", "pass"),
        ("AlwaysRecoverable", "S9", "FAIL"),
    ]
    assert "silent truncation" in report.verdict("S8", "TruncatesOnDrop").message
    s9 = report.verdict("S9", "AlwaysRecoverable").message
    assert "(permanent)" in s9 and "recoverable=True" in s9
