"""Rules, the responder, and what happens when the script runs out."""

from __future__ import annotations

import re
from typing import Any

import pytest

from llm_fakes import (
    BadRequestError,
    Fail,
    RateLimitError,
    Reply,
    ScriptedProvider,
    ScriptError,
    ScriptExhausted,
)
from llm_fakes.scripted.request import ScriptedRequest


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def tool_history(tool: str) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": tool, "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "21C"},
    ]


def test_a_last_user_rule_answers_before_the_queue() -> None:
    fake = ScriptedProvider(["from the queue"])
    fake.on(last_user=r"(?i)weather").reply("Sunny.")
    assert fake.complete(user("What's the WEATHER?")).content == "Sunny."
    assert fake.complete(user("hello")).content == "from the queue"
    assert [a.source for c in fake.calls for a in c.attempt_log] == ["rule[0]", "queue[0]"]


def test_last_user_reads_the_last_user_message_not_the_last_message() -> None:
    fake = ScriptedProvider()
    fake.on(last_user="^plan$").reply("ok")
    history = [*user("plan"), {"role": "assistant", "content": "weather"}]
    assert fake.complete(history).content == "ok"


def test_a_system_rule_matches_the_system_prompt() -> None:
    fake = ScriptedProvider()
    fake.on(system="French").reply("Bonjour")
    fake.on().reply("Hello")
    assert fake.complete(user("hi"), system="Answer in French.").content == "Bonjour"
    assert fake.complete(user("hi"), system="Answer in English.").content == "Hello"


def test_a_tool_result_rule_matches_a_result_of_that_tool() -> None:
    fake = ScriptedProvider()
    fake.on(tool_result="weather").reply("It is 21C.")
    fake.on(tool_result="search").reply("Found it.")
    assert fake.complete(tool_history("search")).content == "Found it."
    assert fake.complete(tool_history("weather")).content == "It is 21C."


def test_a_predicate_rule_sees_the_whole_request() -> None:
    seen: list[ScriptedRequest] = []

    def wants_json(request: ScriptedRequest) -> bool:
        seen.append(request)
        return request.json_format is not None

    fake = ScriptedProvider(["plain"])
    fake.on(when=wants_json).reply(Reply(json={"ok": True}))
    assert fake.complete(user("x"), json_mode=True).content == '{"ok": true}'
    assert fake.complete(user("x")).content == "plain"
    assert [(r.method, r.json_mode, r.max_tokens) for r in seen] == [
        ("complete", True, 1024),
        ("complete", False, 1024),
    ]


def test_criteria_combine_with_and() -> None:
    fake = ScriptedProvider(["fallback"])
    fake.on(last_user="hi", system="pirate").reply("Arr")
    assert fake.complete(user("hi")).content == "fallback"


def test_a_counted_rule_stops_after_its_uses_and_always_rules_never_stop() -> None:
    fake = ScriptedProvider()
    once = fake.on(last_user="x", times=2).reply("counted")
    fake.on(last_user="x").reply("always")
    assert [fake.complete(user("x")).content for _ in range(4)] == [
        "counted",
        "counted",
        "always",
        "always",
    ]
    assert (once.used, once.exhausted) == (2, True)


def test_rules_are_tried_in_the_order_they_were_added() -> None:
    fake = ScriptedProvider()
    fake.on(last_user="a").reply("first")
    fake.on(last_user="ab").reply("second")
    assert fake.complete(user("ab")).content == "first"


def test_a_rule_can_fail_and_each_retry_consumes_a_use() -> None:
    fake = ScriptedProvider()
    fake.on(last_user="x", times=1).fail(Fail.rate_limit(retry_after=1))
    fake.on(last_user="x").reply("after the retry")
    assert fake.complete(user("x")).content == "after the retry"
    assert fake.calls[0].attempts == 2


def test_a_rule_can_answer_with_a_responder() -> None:
    fake = ScriptedProvider()
    fake.on(last_user=r"^echo ").respond(lambda req: req.last_user.removeprefix("echo "))
    assert fake.complete(user("echo hello")).content == "hello"


def test_the_responder_answers_when_the_queue_is_empty() -> None:
    def responder(request: ScriptedRequest) -> str | None:
        return f"you said {request.last_user}" if request.last_user != "stop" else None

    fake = ScriptedProvider(["queued"], responder=responder)
    assert fake.complete(user("a")).content == "queued"
    assert fake.complete(user("b")).content == "you said b"
    with pytest.raises(ScriptExhausted):
        fake.complete(user("stop"))


def test_respond_with_sets_a_responder_that_may_fail() -> None:
    fake = ScriptedProvider().respond_with(lambda req: Fail.bad_request("nope"))
    with pytest.raises(BadRequestError, match=re.escape("BadRequestError (HTTP 400): nope")):
        fake.complete(user("a"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"last_user": "("},
            "on(last_user='(') is not a valid regular expression: missing ), unterminated "
            "subpattern at position 0. Escape it with re.escape(...) to match the text literally.",
        ),
        (
            {"times": 0},
            "on(times=...) takes an int >= 1 or None (always), got 0. "
            "Remove the rule instead of giving it zero uses.",
        ),
        ({"when": "yes"}, "on(when=...) takes a callable(request) -> bool, got 'yes'"),
        ({"tool_result": 3}, "on(tool_result=...) takes a tool name, got 3"),
    ],
)
def test_a_bad_rule_is_refused_where_it_is_written(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ScriptError) as info:
        ScriptedProvider().on(**kwargs)
    assert str(info.value) == message


def test_exhaustion_shows_the_request_what_was_consumed_and_the_fix() -> None:
    fake = ScriptedProvider(["Hello", Fail.rate_limit(retry_after=1), "again"])
    fake.on(last_user="weather", times=1).reply("Sunny")
    fake.complete(user("hi"))
    fake.complete(user("hi"))
    with pytest.raises(ScriptExhausted) as info:
        fake.complete(user("What now?"), system="Be brief")
    assert str(info.value) == (
        "The script has no turn left for calls[2]: complete(1 message, last user message "
        "'What now?', system 'Be brief').\n"
        "  last message: {'role': 'user', 'content': 'What now?'}\n"
        "Consumed so far: 3 turn(s); all 3 queued turn(s) are used.\n"
        "  calls[0] complete <- queue[0]: Reply(text='Hello')\n"
        "  calls[1] complete <- queue[1]: Fail.rate_limit(retry_after=1)\n"
        "  calls[1] complete <- queue[2]: Reply(text='again')\n"
        "Rules (none matched with uses left):\n"
        "  rule[0] on(last_user='weather', times=1) -> Reply(text='Sunny'): used 0, no match\n"
        "Add a turn with provider.add(...), a rule with provider.on(...).reply(...), "
        "or pass on_exhausted='cycle' or 'repeat_last' to ScriptedProvider."
    )
    assert isinstance(info.value, AssertionError)


@pytest.mark.asyncio
async def test_exhaustion_inside_a_stream_raises_rather_than_faking_an_error_event() -> None:
    fake = ScriptedProvider()
    with pytest.raises(ScriptExhausted, match=r"^The script has no turn left for calls\[0\]"):
        async for _ in fake.stream(user("x")):
            pass


def test_cycle_replays_the_queue_from_its_first_turn() -> None:
    fake = ScriptedProvider(["a", "b"], on_exhausted="cycle")
    assert [fake.complete(user("x")).content for _ in range(5)] == ["a", "b", "a", "b", "a"]


def test_repeat_last_repeats_the_last_queued_turn() -> None:
    fake = ScriptedProvider(["a", Fail.rate_limit()], on_exhausted="repeat_last")
    assert fake.complete(user("x")).content == "a"
    with pytest.raises(RateLimitError):
        fake.complete(user("x"), max_retries=3)
    assert fake.calls[1].attempts == 4


def test_add_appends_turns_that_are_used_before_cycling_again() -> None:
    fake = ScriptedProvider(["a"], on_exhausted="cycle")
    fake.complete(user("x"))
    fake.complete(user("x"))
    fake.add("b", Reply(text="c"))
    assert [fake.complete(user("x")).content for _ in range(3)] == ["b", "c", "a"]


def test_an_unknown_exhaustion_policy_is_refused() -> None:
    with pytest.raises(ScriptError) as info:
        ScriptedProvider(on_exhausted="wrap")  # type: ignore[arg-type]
    assert str(info.value) == (
        "on_exhausted must be one of ['raise', 'cycle', 'repeat_last'], got 'wrap'"
    )


def test_a_bare_string_script_is_refused_with_the_fix() -> None:
    with pytest.raises(ScriptError) as info:
        ScriptedProvider("hello")  # type: ignore[arg-type]
    assert str(info.value) == (
        "script= takes a list of turns, got a single str: 'hello'. Wrap it in a list: ['hello']."
    )


def test_a_script_entry_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ScriptError) as info:
        ScriptedProvider([42])  # type: ignore[list-item]
    assert str(info.value) == (
        "A script entry must be a str, Reply or Fail, got 42. "
        "Wrap text in Reply(text=...) and failures in Fail.<kind>()."
    )
