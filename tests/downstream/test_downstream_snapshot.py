"""Snapshots read the framework's own classes by field name: the same text for either type set."""

from __future__ import annotations

import pytest
from downstream_support import write_project

TESTS = """
import pytest

from llm_fakes import Reply, ToolCall


@pytest.mark.asyncio
async def test_turn(llm_fake, llm_snapshot):
    llm_fake.add(Reply(text="Checking.", tool_calls=[ToolCall("weather", {"city": "Oslo"})]))
    events = [e async for e in llm_fake.stream([{"role": "user", "content": "Oslo?"}])]
    print("event classes from", type(events[0]).__module__)
    assert events == llm_snapshot
    assert llm_fake.calls == llm_snapshot
"""


def test_a_snapshot_written_with_the_kits_classes_matches_the_frameworks(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester, with_types_line=False, test_turn=TESTS)
    result = pytester.runpytest("--snapshot-update", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*event classes from llm_fakes.events*"])
    written = (pytester.path / "__snapshots__" / "test_turn" / "test_turn.llm").read_text()
    assert written == (
        "stream\n"
        "  text 'Checking.'\n"
        '  tool_call <tool:1> weather {"city": "Oslo"}\n'
        "  text_end\n"
        "  finish 'tool_calls' tokens: in=2 out=7 cached=0 model='scripted-model'\n"
    )

    write_project(pytester, with_types_line=True)
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*event classes from framework.llm.stream_events*"])
    # Both assertions held against the snapshots written with the kit's classes (passed=1 above;
    # syrupy's own summary line is its wording, not ours).
