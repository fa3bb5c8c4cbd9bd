"""The call log: every argument, the attempts, the time spent, the outcome; and its helpers."""

from __future__ import annotations

import pytest

from llm_fakes import (
    AuthenticationError,
    Fail,
    RateLimitError,
    Reply,
    ScriptedProvider,
    Tool,
    ToolCall,
    UnusedScriptError,
)

USER = [{"role": "user", "content": "hi"}]


def test_each_call_records_every_argument_as_passed() -> None:
    tools = [Tool(name="search", description="Search the web")]
    fmt = {"type": "json_object"}
    fake = ScriptedProvider([Reply(json={"a": 1})])
    fake.complete(
        USER,
        system="sys",
        tools=tools,
        max_tokens=50,
        response_format=fmt,
        json_mode=True,
        max_retries=1,
    )
    call = fake.calls[0]
    assert (
        call.method,
        call.messages,
        call.system,
        call.tools,
        call.max_tokens,
        call.response_format,
        call.json_mode,
        call.max_retries,
    ) == ("complete", USER, "sys", tools, 50, fmt, True, 1)
    assert call.tools is tools


def test_the_logged_messages_are_a_snapshot_of_the_list_at_call_time() -> None:
    history = [{"role": "user", "content": "first"}]
    fake = ScriptedProvider(["a", "b"])
    fake.complete(history)
    history.append({"role": "assistant", "content": "a"})
    fake.complete(history)
    assert [len(c.messages) for c in fake.calls] == [1, 2]


def test_attempts_time_result_and_error_are_recorded() -> None:
    fake = ScriptedProvider([Fail.rate_limit(retry_after=2), "ok", Fail.auth()], per_call=0.25)
    resp = fake.complete(USER)
    with pytest.raises(AuthenticationError):
        fake.complete(USER)
    ok, failed = fake.calls
    assert (ok.attempts, ok.elapsed, ok.result, ok.error, ok.ok) == (2, 2.5, resp, None, True)
    assert [(a.started_at, type(a.error).__name__) for a in ok.attempt_log] == [
        (0.0, "RateLimitError"),
        (2.25, "NoneType"),
    ]
    assert (failed.attempts, failed.started_at, failed.elapsed, failed.ok) == (1, 2.5, 0.25, False)
    assert str(failed.error) == "AuthenticationError (HTTP 401): invalid api key"


@pytest.mark.asyncio
async def test_a_stream_records_the_events_it_sent() -> None:
    fake = ScriptedProvider([Reply(text="a b", tool_calls=[ToolCall("t")])])
    sent = [e async for e in fake.stream(USER, system="s", max_tokens=99)]
    call = fake.calls[0]
    assert (call.method, call.system, call.max_tokens, call.json_mode, call.max_retries) == (
        "stream",
        "s",
        99,
        False,
        None,
    )
    assert call.events == sent
    assert (call.events_sent, call.closed_early, call.content) == (5, False, "a b")


def test_methods_count_and_last_helpers() -> None:
    fake = ScriptedProvider(["a", "b"])
    fake.complete(USER)
    fake.complete([{"role": "user", "content": "second"}])
    assert fake.calls.methods == ["complete", "complete"]
    assert fake.calls.last.last_user == "second"
    assert fake.calls.total_attempts == 2
    fake.calls.assert_count(2)


def test_assert_count_lists_the_calls_when_it_fails() -> None:
    fake = ScriptedProvider([Fail.server_error(), "ok"])
    fake.complete(USER)
    with pytest.raises(AssertionError) as info:
        fake.calls.assert_count(2)
    assert str(info.value) == (
        "Expected 2 call(s) to the scripted provider, got 1:\n"
        "  calls[0] complete(1 message, last user message 'hi'): 2 attempts, ok 'ok'"
    )


def test_assert_any_finds_a_call_or_lists_them_all() -> None:
    fake = ScriptedProvider(["a", "[1]"])
    fake.complete(USER, system="You are terse.")
    fake.complete([{"role": "user", "content": "weather?"}], json_mode=True)
    assert fake.calls.assert_any(last_user="weather", json_format="json_object").index == 1
    assert fake.calls.find(system="terse") == [fake.calls[0]]
    with pytest.raises(AssertionError) as info:
        fake.calls.assert_any(method="stream")
    assert str(info.value) == (
        "No call to the scripted provider matches method='stream'. Calls made:\n"
        "  calls[0] complete(1 message, last user message 'hi', system 'You are terse.'): "
        "1 attempt, ok 'a'\n"
        "  calls[1] complete(1 message, last user message 'weather?', JSON mode 'json_object'): "
        "1 attempt, ok '[1]'"
    )


def test_last_on_an_empty_log_says_the_provider_was_never_called() -> None:
    with pytest.raises(AssertionError) as info:
        ScriptedProvider().calls.last  # noqa: B018
    assert str(info.value) == (
        "The scripted provider was never called, so calls.last does not exist. "
        "Check that the code under test uses this provider instance."
    )


def test_assert_all_used_passes_when_everything_was_consumed() -> None:
    fake = ScriptedProvider(["a"])
    fake.on(last_user="x", times=1).reply("rule")
    fake.on(last_user="never").reply("an always-rule is optional")
    fake.complete(USER)
    fake.complete([{"role": "user", "content": "x"}])
    fake.assert_all_used()


def test_assert_all_used_names_unused_turns_and_counted_rules() -> None:
    fake = ScriptedProvider(["a", "b", Fail.rate_limit(retry_after=1)])
    fake.on(system="pirate", times=2).reply("Arr")
    fake.complete(USER)
    with pytest.raises(UnusedScriptError) as info:
        fake.assert_all_used()
    assert str(info.value) == (
        "2 scripted turn(s) were never used:\n"
        "  queue[1]: Reply(text='b')\n"
        "  queue[2]: Fail.rate_limit(retry_after=1)\n"
        "1 counted rule(s) were not used up:\n"
        "  rule[0] on(system='pirate', times=2) -> Reply(text='Arr'): used 0 of 2\n"
        "The code under test made 1 call(s).\n"
        "Remove what is not needed from the script (or give the rule fewer times=), or skip "
        "this check with @pytest.mark.llm_script(check_unused=False) in a test using llm_fake."
    )
    assert isinstance(info.value, AssertionError)


def test_a_failed_call_is_described_with_its_error() -> None:
    fake = ScriptedProvider([Fail.rate_limit()])
    with pytest.raises(RateLimitError):
        fake.complete(USER, max_retries=0)
    assert fake.calls[0].describe() == (
        "calls[0] complete(1 message, last user message 'hi'): 1 attempt, "
        "error RateLimitError (HTTP 429): rate limited"
    )


def test_the_provider_repr_sums_up_the_script_and_the_log() -> None:
    fake = ScriptedProvider(["a", "b"])
    fake.on(last_user="x").reply("y")
    fake.complete(USER)
    assert repr(fake) == "<ScriptedProvider: 1 of 2 queued turn(s) used, 1 rule(s), 1 call(s)>"
