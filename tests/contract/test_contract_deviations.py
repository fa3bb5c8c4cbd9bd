"""Every distinct deviation: each with its own minimal counter-example, linked causes across
properties, finer capability declarations, and nested retry budgets explained or declared."""

from __future__ import annotations

from typing import Any

from contract_mutants import (
    CompleteDropsToolUses,
    RetriesInside,
    TwoWaysToBreakC4,
    factory,
)
from hypothesis import given, settings

from llm_fakes.contract import ProviderFactory, run_conformance
from llm_fakes.contract.check_retries import cases_r4
from llm_fakes.contract.report import render_text


def test_two_independent_deviations_on_one_property_are_both_reported_each_minimal() -> None:
    report = run_conformance([factory(TwoWaysToBreakC4)], only="C4")
    (verdict,) = report.verdicts
    assert verdict.status == "FAIL" and len(verdict.failures) == 2
    by_method = {f.counterexample.splitlines()[-1]: f for f in verdict.failures}
    assert set(by_method) == {"method: 'stream'", "method: 'complete'"}
    stream, complete = by_method["method: 'stream'"], by_method["method: 'complete'"]
    assert "The request stream() sent" in stream.message and "system: sent " in stream.message
    assert "max_tokens: sent 513, backend saw 512" in complete.message
    # Each is shrunk on its own: the stream one needs a system prompt, the other does not.
    assert "system=" in stream.counterexample and "system=" not in complete.counterexample
    text = render_text(report)
    assert "C4 FAIL on TwoWaysToBreakC4 (1 of 2): " in text
    assert "C4 FAIL on TwoWaysToBreakC4 (2 of 2): " in text


def test_a_failure_with_the_cause_of_an_earlier_one_says_so() -> None:
    report = run_conformance([factory(CompleteDropsToolUses)], only="C1,C2,S5")
    assert [v.status for v in report.verdicts] == ["FAIL", "pass", "FAIL"]
    lines = render_text(report).splitlines()
    assert (
        "S5 FAIL on CompleteDropsToolUses: same cause as C1: complete() returns no tool uses"
        in (lines)
    )
    (c1,) = report.verdict("C1", "CompleteDropsToolUses").failures
    assert (c1.cause, c1.same_cause_as) == ("complete() returns no tool uses", "")


def test_declaring_one_gap_keeps_every_other_check_running() -> None:
    # complete() returns no tool calls: declared, so C1 runs without them and S5 checks the
    # stream against the script instead of against complete().
    declared = ProviderFactory(
        factory(CompleteDropsToolUses).build,
        name="declared",
        capabilities=["send_tools", "stream_tool_calls", "streaming", "retries"],
    )
    report = run_conformance([declared], only="C1,C4,S5", max_examples=10)
    assert [(v.property, v.status, v.message) for v in report.verdicts] == [
        ("C1", "pass", ""),
        ("C4", "pass", ""),
        ("S5", "pass", ""),
    ]


def test_a_multiplied_attempt_count_is_explained_and_can_be_declared() -> None:
    report = run_conformance([factory(RetriesInside)], only="R1,R2", max_examples=10)
    r1, r2 = report.verdicts
    assert r1.status == r2.status == "FAIL"
    explained = [f for f in r1.failures if "inner retry loop" in f.message]
    assert explained, r1.failures
    assert "for max_retries=" in explained[0].message
    assert "ProviderFactory(..., inner_retries=" in explained[0].message
    assert any(f.same_cause_as == "R1" for f in r2.failures)

    declared = ProviderFactory(factory(RetriesInside).build, name="declared", inner_retries=2)
    report = run_conformance([declared], only="R1,R2,R4,R6", max_examples=10)
    statuses = {v.property: v.status for v in report.verdicts}
    assert statuses == {"R1": "pass", "R2": "FAIL", "R4": "pass", "R6": "pass"}
    # max_retries=0 is one attempt at every layer, declared inner retries or not.
    assert "complete(max_retries=0)" in report.verdict("R2", "declared").message or (
        "acomplete(max_retries=0)" in report.verdict("R2", "declared").message
    )


def test_r4_scripts_as_many_failures_as_the_declared_budget_allows() -> None:
    counts: set[tuple[str, int]] = set()
    f = ProviderFactory(lambda b: b.scripted, default_max_retries=1, inner_retries=2)

    @settings(max_examples=200, database=None)
    @given(cases_r4(f))
    def collect(case: Any) -> None:
        fails = len(case.script) - 1
        counts.add((case.params["method"], fails // ((case.params.get("max_retries", 1)) + 1)))

    collect()
    # (budget + 1) x (inner + 1) failures: every attempt the budget allows fails, no more.
    assert counts == {("stream", 3), ("complete", 3), ("acomplete", 3)}
