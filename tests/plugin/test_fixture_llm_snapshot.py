"""`llm_snapshot`: syrupy snapshots of responses, streams and call logs, as readable text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

TEST_REPLY = """
from pathlib import Path


def test_reply(llm_fake, llm_snapshot):
    llm_fake.add(Path(__file__).with_name("reply.txt").read_text())
    response = llm_fake.complete([{"role": "user", "content": "Hi"}], max_retries=1)
    assert response == llm_snapshot
    assert llm_fake.calls == llm_snapshot
"""

RESPONSE_FILE = """\
response
  model: 'scripted-model'
  stop_reason: 'stop'
  tokens: in=1 out=2
  content: 'Hello!'
"""

CALLS_FILE = """\
calls: 1
  - calls[0]
    method: complete
    max_tokens: 1024
    max_retries: 1
    messages:
      user: 'Hi'
    attempts: 1
    result: response
      model: 'scripted-model'
      stop_reason: 'stop'
      tokens: in=1 out=2
      content: 'Hello!'
"""


@pytest.fixture(autouse=True)
def project(pytester: pytest.Pytester, make_ini: Callable[[str], None]) -> None:
    pytester.makepyfile(test_chat=TEST_REPLY)
    (pytester.path / "reply.txt").write_text("Hello!")


def test_snapshot_update_writes_one_readable_file_per_assertion_then_plain_runs_pass(
    pytester: pytest.Pytester,
) -> None:
    # Outcomes and files, not syrupy's summary lines (its wording).
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)  # no snapshot yet
    assert not (pytester.path / "__snapshots__").exists()

    result = pytester.runpytest("--snapshot-update")
    result.assert_outcomes(passed=1)
    folder = pytester.path / "__snapshots__" / "test_chat"
    assert sorted(p.name for p in folder.iterdir()) == ["test_reply.1.llm", "test_reply.llm"]
    assert (folder / "test_reply.llm").read_text() == RESPONSE_FILE
    assert (folder / "test_reply.1.llm").read_text() == CALLS_FILE

    pytester.runpytest().assert_outcomes(passed=1)


def test_a_changed_reply_fails_with_a_diff_of_the_meaning_until_updated(
    pytester: pytest.Pytester,
) -> None:
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
    (pytester.path / "reply.txt").write_text("Hello there!")

    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    # The diff is of the kit's text format, line by line (the markers around it are syrupy's).
    result.stdout.fnmatch_lines(
        [
            "*stop_reason: 'stop'",
            "*-   tokens: in=1 out=2",
            "*+   tokens: in=1 out=3",
            "*-   content: 'Hello!'",
            "*+   content: 'Hello there!'",
        ]
    )

    pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(passed=1)
    written = (pytester.path / "__snapshots__" / "test_chat" / "test_reply.llm").read_text()
    assert written == RESPONSE_FILE.replace("out=2", "out=3").replace("Hello!", "Hello there!")


def test_ids_payloads_and_timings_that_change_every_run_keep_the_snapshot_stable(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_live="""
        import time
        import uuid

        import pytest

        from llm_fakes import LLMProvider, LLMResponse, ToolUse


        class LiveLike(LLMProvider):
            def complete(self, messages, system="", tools=None, max_tokens=1024,
                         response_format=None, json_mode=False, max_retries=None):
                return LLMResponse(
                    content="Checking.", model="gpt-4o", stop_reason="tool_calls",
                    raw_response={"id": uuid.uuid4().hex, "created": time.time()},
                    tool_uses=[ToolUse(id=f"call_{uuid.uuid4().hex}", name="weather",
                                       input={"city": "Paris"})],
                )


        @pytest.mark.asyncio
        async def test_stream(llm_snapshot):
            events = [e async for e in LiveLike().stream([{"role": "user", "content": "?"}])]
            assert events == llm_snapshot
        """
    )
    pytester.runpytest("test_live.py", "--snapshot-update").assert_outcomes(passed=1)
    stored = (pytester.path / "__snapshots__" / "test_live" / "test_stream.llm").read_text()
    assert stored == (
        "stream\n"
        "  text 'Checking.'\n"
        '  tool_call <tool:1> weather {"city": "Paris"}\n'
        "  text_end\n"
        "  finish 'tool_calls' tokens: in=0 out=0 cached=0 model='gpt-4o'\n"
    )
    pytester.runpytest("test_live.py").assert_outcomes(passed=1)


def test_snapshots_of_removed_tests_are_reported_and_deleted_on_update(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under pytest -n, the inner sessions inherit PYTEST_XDIST_WORKER and _WORKER_COUNT, and
    # syrupy, taking them for an xdist worker or controller, leaves unused snapshots alone.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    # A second file keeps using llm_snapshot (syrupy before 4.7 only looks for unused files of
    # the extensions a session used).
    pytester.makepyfile(
        test_keep="def test_kept(llm_snapshot):\n    assert 'kept' == llm_snapshot\n"
    )
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=2)
    snapshots = pytester.path / "__snapshots__"
    removed = sorted(p.name for p in (snapshots / "test_chat").glob("*.llm"))
    assert len(removed) == 2
    pytester.makepyfile(test_chat="def test_other():\n    pass\n")

    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    assert result.ret != 0  # unused snapshots fail the session until they are deleted
    result.stdout.fnmatch_lines(["*2 snapshots unused*"])
    assert sorted(p.name for p in (snapshots / "test_chat").glob("*.llm")) == removed

    pytester.runpytest("--snapshot-update").assert_outcomes(passed=2)
    assert [p.relative_to(snapshots).as_posix() for p in snapshots.rglob("*.llm")] == [
        "test_keep/test_kept.llm"
    ]


def test_it_is_listed_with_its_docstring(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "llm_snapshot*",
            "*syrupy's snapshot, stored as readable .llm text (responses, streams, call logs).",
        ]
    )
