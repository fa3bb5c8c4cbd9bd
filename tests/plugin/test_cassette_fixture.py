"""The ``llm_cassette`` and ``llm_real_provider`` fixtures, as a user meets them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An inner session without the hypothesis and langsmith plugins: pytester drops modules an
    inner session imports, so each one would import them again (seconds each)."""
    return pytester.runpytest("-p", "no:hypothesispytest", "-p", "no:langsmith_plugin", *args)


def error_text(result: pytest.RunResult) -> str:
    """The ``E`` lines of a run's failure report, without their prefix."""
    return "\n".join(re.sub(r"^E {7}", "", ln) for ln in result.stdout.lines if ln[:2] == "E ")


REAL = """
import pytest
from llm_fakes import LLMProvider, LLMResponse

class Real(LLMProvider):
    model = "real-1"
    def complete(self, messages, system="", tools=None, max_tokens=1024,
                 response_format=None, json_mode=False, max_retries=None):
        with open("real_calls.log", "a") as log:
            log.write(messages[-1]["content"] + "\\n")
        return LLMResponse(content="real: " + messages[-1]["content"], model="real-1")

@pytest.fixture
def llm_real_provider():
    return Real()
"""

NO_REAL = """
import pytest

@pytest.fixture
def llm_real_provider():
    pytest.fail("llm_real_provider was requested while replaying")
"""

CHAT = """
def test_reply(llm_cassette):
    reply = llm_cassette.complete([{"role": "user", "content": "What is 2+2?"}])
    assert reply.content == "real: What is 2+2?"

class TestMore:
    def test_reply(self, llm_cassette):
        assert llm_cassette.complete([{"role": "user", "content": "b"}]).content == "real: b"
"""


def test_record_once_then_replay_with_no_real_provider(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_chat=CHAT)
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    root = pytester.path / "cassettes" / "test_cas_chat"
    assert sorted(p.name for p in root.iterdir()) == ["TestMore.test_reply.yaml", "test_reply.yaml"]
    assert (pytester.path / "real_calls.log").read_text() == "What is 2+2?\nb\n"

    pytester.makeconftest(NO_REAL)
    run(pytester).assert_outcomes(passed=2)
    assert (pytester.path / "real_calls.log").read_text() == "What is 2+2?\nb\n"


def test_a_miss_while_replaying_fails_the_test_with_the_diff(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_chat=CHAT)
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    pytester.makepyfile(test_cas_chat=CHAT.replace("2+2", "2+3"))
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    assert (
        "llm_fakes.errors.CassetteMiss: No recorded interaction matches "
        "complete(model='real-1', 1 message) in cassettes/test_cas_chat/test_reply.yaml.\n"
        "Closest recorded request (#0) differs in messages[0].content:\n"
        "- 'What is 2+2?'\n"
        "+ 'What is 2+3?'\n"
        "Re-record with --llm-record-mode=new_episodes, or match on fewer fields with "
        "match_on=[...]."
    ) in error_text(result)


def test_recording_without_overriding_llm_real_provider_says_how(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(test_cas_chat=CHAT)
    result = run(pytester, "--llm-record-mode=once", "-k", "not TestMore")
    result.assert_outcomes(failed=1)
    assert (
        "llm_fakes.errors.UsageError: A cassette has to record (the record mode is not "
        "'none'), but the llm_real_provider fixture is not overridden. Define it in your "
        "conftest.py, returning your real provider:\n\n"
        "    @pytest.fixture\n"
        "    def llm_real_provider():\n"
        "        return MyProvider(...)\n\n"
        "or replay only with --llm-record-mode=none."
    ) in error_text(result)
    assert not (pytester.path / "cassettes").exists()


def test_the_cassette_folder_is_configurable_in_the_ini_file(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    make_ini("llm_fakes_cassette_dir = tests/recorded\n")
    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_chat=CHAT)
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    assert (pytester.path / "tests" / "recorded" / "test_cas_chat" / "test_reply.yaml").is_file()
    assert not (pytester.path / "cassettes").exists()


def test_parametrized_tests_get_one_cassette_each(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(
        test_cas_param="""
        import pytest

        @pytest.mark.parametrize("q", ["a b", "c/d"])
        def test_ask(llm_cassette, q):
            assert llm_cassette.complete([{"role": "user", "content": q}]).content == "real: " + q
        """
    )
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    names = sorted(p.name for p in (pytester.path / "cassettes" / "test_cas_param").iterdir())
    # Both ids must be sanitised: each gets a hash of the whole id (tests/plugin/
    # test_cassette_names.py shows that no two ids share a file).
    assert [n[: len("test_ask[a_b]")] for n in names] == ["test_ask[a_b]", "test_ask[c_d]"]
    assert all(re.fullmatch(r"test_ask\[\w_\w\]-[0-9a-f]{8}\.yaml", n) for n in names)


def test_fixtures_are_documented(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile("def test_it():\n    pass\n")
    result = run(pytester, "--fixtures")
    result.stdout.fnmatch_lines(
        [
            "llm_real_provider -- *",
            "    The real provider cassettes record from: override it (unused in record mode "
            "none).",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "llm_cassette -- *",
            "    A CassetteProvider for this test (cassettes/<module>/<test>.yaml), saved at "
            "teardown.",
        ]
    )


def test_replays_use_the_projects_own_classes_from_the_ini(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    make_ini("llm_fakes_types = framework.llm.provider framework.llm.stream_events\n")
    pytester.makeconftest(REAL)
    pytester.makepyfile(
        test_cas_types="""
        import asyncio
        from framework.llm.provider import LLMResponse
        from framework.llm.stream_events import FinishEvent

        ASK = [{"role": "user", "content": "hi"}]

        def test_it(llm_cassette):
            reply = llm_cassette.complete(ASK, max_tokens=4096)
            if llm_cassette.mode.value == "none":  # replayed: built by the kit, in our classes
                assert type(reply) is LLMResponse
                llm_cassette.rewind()
                events = asyncio.run(_events(llm_cassette))
                assert type(events[-1]) is FinishEvent

        async def _events(llm):
            return [e async for e in llm.stream(ASK)]
        """
    )
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=1)
    run(pytester).assert_outcomes(passed=1)
