"""Each fake answers only what the real API could for the request, through the official SDKs:
scripted text is cut at the output budget and at stop sequences, and a scripted reply the
request makes impossible is a script error naming the turn, what the request declared and the
fix (``Reply(defies_request=True)`` opts a turn out). The scripted provider follows the rules its
interface carries (the budget, and the tools when it is given a list)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import anthropic
import openai
import pytest

from llm_fakes import (
    FakeAnthropic,
    FakeGemini,
    FakeOpenAI,
    Reply,
    ScriptedProvider,
    ScriptError,
    Tool,
    ToolCall,
)

HI = [{"role": "user", "content": "Hi"}]
LONG = "word " * 40  # 200 characters: 50 tokens by the kit's estimate
CHAT_TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
RESP_TOOL = {"type": "function", "name": "lookup", "parameters": {"type": "object"}}
ANT_TOOL = {"name": "lookup", "input_schema": {"type": "object"}}


def chat(fake: FakeOpenAI, **kw: Any) -> Any:
    client = openai.OpenAI(
        api_key="sk-test",
        max_retries=0,
        http_client=openai.DefaultHttpxClient(transport=fake.transport()),
    )
    return client.chat.completions.create(model="gpt-4o", messages=HI, **kw)  # type: ignore[arg-type]


def responses(fake: FakeOpenAI, **kw: Any) -> Any:
    client = openai.OpenAI(
        api_key="sk-test",
        max_retries=0,
        http_client=openai.DefaultHttpxClient(transport=fake.transport()),
    )
    return client.responses.create(model="gpt-4o", input="Hi", **kw)


def messages(fake: FakeAnthropic, **kw: Any) -> Any:
    client = anthropic.Anthropic(
        api_key="k",
        max_retries=0,
        http_client=anthropic.DefaultHttpxClient(transport=fake.transport()),
    )
    kw.setdefault("max_tokens", 1024)
    return client.messages.create(model="claude-fake-1", messages=HI, **kw)  # type: ignore[arg-type]


def refused(fake: Any, send: Callable[..., Any], **kw: Any) -> str:
    """The script error the fake answered with (a 400 that also fails the teardown check)."""
    with pytest.raises((openai.BadRequestError, anthropic.BadRequestError)):
        send(fake, **kw)
    assert len(fake.problems) == 1
    return str(fake.problems[0])


# ----------------------------------------------------------------------------- cutting


def test_the_budget_cuts_text_with_each_apis_stop_reason_and_usage() -> None:
    out = chat(FakeOpenAI([LONG]), max_completion_tokens=10)
    assert out.choices[0].message.content == LONG[:40]
    assert (out.choices[0].finish_reason, out.usage.completion_tokens) == ("length", 10)

    out = responses(FakeOpenAI([LONG]), max_output_tokens=16)
    assert out.output_text == LONG[:64]
    assert (out.status, out.incomplete_details.reason) == ("incomplete", "max_output_tokens")
    assert out.usage.output_tokens == 16

    out = messages(FakeAnthropic([LONG]), max_tokens=10)
    assert (out.content[0].text, out.stop_reason, out.usage.output_tokens) == (
        LONG[:40],
        "max_tokens",
        10,
    )


def test_the_budget_drops_tool_calls_that_do_not_fit() -> None:
    reply = Reply(text="Let me look that up.", tool_calls=[ToolCall("lookup", {"q": "x" * 80})])
    out = chat(FakeOpenAI([reply]), max_tokens=10, tools=[CHAT_TOOL])
    assert out.choices[0].message.tool_calls is None
    assert out.choices[0].finish_reason == "length"


def test_a_stop_sequence_cuts_the_text_and_anthropic_names_it() -> None:
    out = chat(FakeOpenAI(["One. END Two."]), stop=["END", "Two"])
    assert (out.choices[0].message.content, out.choices[0].finish_reason) == ("One. ", "stop")

    out = messages(FakeAnthropic(["One. END Two."]), stop_sequences=["END"])
    assert (out.content[0].text, out.stop_reason, out.stop_sequence) == (
        "One. ",
        "stop_sequence",
        "END",
    )
    with anthropic.Anthropic(
        api_key="k",
        http_client=anthropic.DefaultHttpxClient(
            transport=FakeAnthropic(["One. END Two."]).transport()
        ),
    ).messages.stream(
        model="claude-fake-1", max_tokens=99, messages=HI, stop_sequences=["END"]
    ) as stream:
        final = stream.get_final_message()
    assert (final.content[0].text, final.stop_reason, final.stop_sequence) == (
        "One. ",
        "stop_sequence",
        "END",
    )


# ----------------------------------------------------------------------------- script errors


def test_a_call_to_an_undeclared_tool_is_a_script_error_in_every_api() -> None:
    reply = Reply(tool_calls=[ToolCall("search", {})])
    for fake, send, kw in [
        (FakeOpenAI([reply]), chat, {"tools": [CHAT_TOOL]}),
        (FakeOpenAI([reply]), responses, {"tools": [RESP_TOOL]}),
        (FakeAnthropic([reply]), messages, {"tools": [ANT_TOOL]}),
    ]:
        message = refused(fake, send, **kw)
        assert "queue[0] (request #0) calls tool 'search'" in message
        assert "the request declared only ['lookup']" in message
        assert "make the code under test send 'search' in its tools" in message
        assert "defies_request=True" in message
    message = refused(FakeOpenAI([reply]), chat)
    assert "calls tool 'search', but the request declared no tools" in message
    assert message.count("declared no tools") == 1  # said once, not again as the summary


def test_tool_calls_under_tool_choice_none_are_a_script_error() -> None:
    reply = Reply(tool_calls=[ToolCall("lookup", {})])
    for fake, send, kw in [
        (FakeOpenAI([reply]), chat, {"tools": [CHAT_TOOL], "tool_choice": "none"}),
        (FakeOpenAI([reply]), responses, {"tools": [RESP_TOOL], "tool_choice": "none"}),
        (FakeAnthropic([reply]), messages, {"tools": [ANT_TOOL], "tool_choice": {"type": "none"}}),
    ]:
        message = refused(fake, send, **kw)
        assert "calls ['lookup'], but the request set tool_choice 'none'" in message
        assert "Script a text reply for this turn" in message


def test_two_calls_with_parallel_calls_off_are_a_script_error() -> None:
    reply = Reply(tool_calls=[ToolCall("lookup", {"q": 1}), ToolCall("lookup", {"q": 2})])
    off = {"type": "auto", "disable_parallel_tool_use": True}
    for fake, send, kw in [
        (FakeOpenAI([reply]), chat, {"tools": [CHAT_TOOL], "parallel_tool_calls": False}),
        (FakeOpenAI([reply]), responses, {"tools": [RESP_TOOL], "parallel_tool_calls": False}),
        (FakeAnthropic([reply]), messages, {"tools": [ANT_TOOL], "tool_choice": off}),
    ]:
        message = refused(fake, send, **kw)
        assert "makes 2 tool calls" in message and "parallel tool calls off" in message
        assert "Script one call per turn" in message


def test_a_forced_tool_needs_that_call_and_required_needs_a_call() -> None:
    forced = [
        (FakeOpenAI, chat, CHAT_TOOL, {"type": "function", "function": {"name": "lookup"}}),
        (FakeOpenAI, responses, RESP_TOOL, {"type": "function", "name": "lookup"}),
        (FakeAnthropic, messages, ANT_TOOL, {"type": "tool", "name": "lookup"}),
    ]
    for fake_cls, send, tool, choice in forced:
        message = refused(fake_cls(["Just text."]), send, tools=[tool], tool_choice=choice)
        assert "has no tool call, but the request forces one call to 'lookup'" in message
        assert "Script exactly ToolCall('lookup', ...)" in message
    required = [
        (FakeOpenAI, chat, CHAT_TOOL, "required"),
        (FakeOpenAI, responses, RESP_TOOL, "required"),
        (FakeAnthropic, messages, ANT_TOOL, {"type": "any"}),
    ]
    for fake_cls, send, tool, choice in required:
        message = refused(fake_cls(["Just text."]), send, tools=[tool], tool_choice=choice)
        assert "the request requires one (tool_choice 'required')" in message


def test_anthropic_thinking_and_cache_reads_need_the_request_to_ask() -> None:
    message = refused(FakeAnthropic([Reply(text="Hi", reasoning="Hmm.")]), messages)
    assert "has reasoning (thinking), but the request did not ask for thinking" in message
    message = refused(FakeAnthropic([Reply(text="Hi", cached_tokens=9)]), messages)
    assert "cached_tokens=9, but the request marked nothing with cache_control" in message
    asked = messages(
        FakeAnthropic([Reply(text="Hi", reasoning="Hmm.", input_tokens=20, cached_tokens=9)]),
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        system=[{"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}],
    )
    assert (asked.content[0].thinking, asked.usage.cache_read_input_tokens) == ("Hmm.", 9)


def test_defies_request_serves_the_turn_exactly_as_scripted() -> None:
    wild = Reply(text=LONG, tool_calls=[ToolCall("search", {})], defies_request=True)
    out = chat(FakeOpenAI([wild]), max_tokens=5, tool_choice="none", tools=[CHAT_TOOL])
    message = out.choices[0].message
    assert (message.content, message.tool_calls[0].function.name) == (LONG, "search")


# ----------------------------------------------------------------------------- ScriptedProvider


def test_the_scripted_provider_cuts_at_max_tokens_in_every_path() -> None:
    def fake() -> ScriptedProvider:
        return ScriptedProvider([LONG])

    response = fake().complete(HI, max_tokens=10)
    assert (response.content, response.stop_reason, response.output_tokens) == (
        LONG[:40],
        "length",
        10,
    )
    assert asyncio.run(fake().acomplete(HI, max_tokens=10)) == response

    async def stream() -> list[Any]:
        return [e async for e in fake().stream(HI, max_tokens=10)]

    finish = asyncio.run(stream())[-1]
    assert (finish.stop_reason, finish.output_tokens) == ("length", 10)


def test_the_scripted_provider_refuses_a_tool_its_tools_do_not_name() -> None:
    fake = ScriptedProvider([Reply(tool_calls=[ToolCall("search", {})])])
    with pytest.raises(ScriptError) as info:
        fake.complete(HI, tools=[Tool("lookup", "Look up")])
    message = str(info.value)
    assert "queue[0] for calls[0] (complete) calls tool 'search'" in message
    assert "declared only ['lookup']" in message and "defies_request=True" in message


# ----------------------------------------------------------------------------- Gemini


def test_gemini_honours_the_budget_stop_sequences_and_tool_config_through_google_genai() -> None:
    genai = pytest.importorskip("google.genai", reason="google-genai is in the clients extra")
    types = genai.types
    weather = types.Tool(function_declarations=[types.FunctionDeclaration(name="lookup")])
    fake = FakeGemini([LONG, "One. END Two.", Reply(tool_calls=[ToolCall("search", {})])])
    with fake.serve() as url:
        client = genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=url))
        cut = client.models.generate_content(
            model="gemini-x",
            contents="Hi",
            config=types.GenerateContentConfig(max_output_tokens=10),
        )
        stopped = client.models.generate_content(
            model="gemini-x",
            contents="Hi",
            config=types.GenerateContentConfig(stop_sequences=["END"]),
        )
        with pytest.raises(genai.errors.ClientError):
            client.models.generate_content(
                model="gemini-x",
                contents="Hi",
                config=types.GenerateContentConfig(
                    tools=[weather],
                    automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
                ),
            )
    assert (cut.text, cut.candidates[0].finish_reason) == (LONG[:40], "MAX_TOKENS")
    assert cut.usage_metadata.candidates_token_count == 10
    assert stopped.text == "One. "
    assert "calls tool 'search', but the request declared only ['lookup']" in fake.problems[0]
