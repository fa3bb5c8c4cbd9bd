"""A cassette miss or a broken cassette is reported at the test's line, without the kit's frames."""

from __future__ import annotations

import re

import pytest

RECORDED = """\
version: 1
header:
  kit_version: "0.1.0"
  provider: ""
  model: m
  recorded_at: "2026-01-01T00:00:00Z"
interactions:
- call: complete
  request:
    messages: [{role: user, content: hello}]
    max_tokens: 1024
  response: {content: hi, model: m}
"""

TESTS = """
import asyncio


def test_complete(llm_cassette):
    llm_cassette.complete([{"role": "user", "content": "something else"}])


def test_acomplete(llm_cassette):
    asyncio.run(llm_cassette.acomplete([{"role": "user", "content": "something else"}]))


def test_stream(llm_cassette):
    async def read():
        return [e async for e in llm_cassette.stream([{"role": "user", "content": "other"}])]

    asyncio.run(read())


def test_broken(llm_cassette):
    pass
"""


def test_the_kits_frames_are_hidden_from_cassette_errors(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".ini",
        pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n",
    )
    pytester.makepyfile(test_x=TESTS)
    folder = pytester.path / "cassettes" / "test_x"
    folder.mkdir(parents=True)
    for name in ("complete", "acomplete", "stream"):
        (folder / f"test_{name}.yaml").write_text(RECORDED)
    (folder / "test_broken.yaml").write_text(
        RECORDED.replace("- call: complete", "- call: nonsense")
    )
    result = pytester.runpytest(
        "-p", "no:hypothesispytest", "-p", "no:langsmith_plugin", "--llm-record-mode=none"
    )
    result.assert_outcomes(failed=3, errors=1)
    out = result.stdout.str()
    assert out.count("CassetteMiss") >= 3 and "CassetteFormatError" in out
    # A frame's location line: "path/to/file.py:123: in function" (or ": ErrorName").
    kit_frames = [ln for ln in result.stdout.lines if re.search(r"llm_fakes/\S+\.py:\d+:", ln)]
    assert kit_frames == []


SCRIPTED = """
import asyncio


def test_complete(llm_fake):
    llm_fake.complete([{"role": "user", "content": "hi"}])


def test_stream(llm_fake):
    async def read():
        return [e async for e in llm_fake.stream([{"role": "user", "content": "hi"}])]

    asyncio.run(read())


def test_json(llm_fake):
    llm_fake.add("not json")
    llm_fake.complete([{"role": "user", "content": "hi"}], json_mode=True)


def test_usage(llm_fake):
    llm_fake.complete("not a list")
"""


def test_the_kits_frames_are_hidden_from_scripted_errors(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_y=SCRIPTED)
    result = pytester.runpytest("-p", "no:hypothesispytest", "-p", "no:langsmith_plugin")
    result.assert_outcomes(failed=4)
    out = result.stdout.str()
    assert out.count("ScriptExhausted") >= 2 and "JSONModeError" in out and "UsageError" in out
    kit_frames = [ln for ln in result.stdout.lines if re.search(r"llm_fakes/\S+\.py:\d+:", ln)]
    assert kit_frames == []


SERVED = """
def test_openai(llm_openai_server):
    llm_openai_server.extend(["never asked"])


def test_anthropic(llm_anthropic_server):
    llm_anthropic_server.extend(["never asked"])


def test_direct():
    from llm_fakes import FakeOpenAI

    FakeOpenAI(["never asked"]).assert_all_used()
"""


def test_the_kits_frames_are_hidden_from_unused_server_turns(pytester: pytest.Pytester) -> None:
    """As llm_fake's teardown: the unused turns, not the fixture's and the fake's source."""
    pytester.makefile(".ini", pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_z=SERVED)
    result = pytester.runpytest("-p", "no:hypothesispytest", "-p", "no:langsmith_plugin")
    result.assert_outcomes(passed=2, errors=2, failed=1)  # the two calls pass, teardowns fail
    # Counted above pytest's short summary, which repeats whole messages where CI is set.
    sections = result.stdout.str().split("short test summary info")[0]
    assert sections.count("queue[0]: Reply(text='never asked')") == 3
    kit_frames = [ln for ln in result.stdout.lines if re.search(r"llm_fakes/\S+\.py:\d+:", ln)]
    assert kit_frames == []
