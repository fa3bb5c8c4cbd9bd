"""Near-valid JSON through the fake servers: the official SDKs and the kit's HTTP providers get
each flaw's text unchanged under JSON mode (the fakes' J2/J3 checks let it through), plain and
streamed, and a ``truncated`` reply ends for length: ``finish_reason "length"`` on Chat
Completions, ``stop_reason "max_tokens"`` on Messages, the kit's ``"length"`` through both."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest
from http_support import USER, Build, collect

from llm_fakes import JSON_FLAWS, FakeAnthropic, FakeOpenAI, FinishEvent, Reply

VALUE = {"city": "Oslo", "temp_c": 21, "tags": ["dry"]}
SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "temp_c": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["city", "temp_c"],
    "additionalProperties": False,
}
OPENAI_FORMAT = {"type": "json_schema", "json_schema": {"name": "weather", "schema": SCHEMA}}
ANTHROPIC_FORMAT = {"format": {"type": "json_schema", "schema": SCHEMA}}
HI = [{"role": "user", "content": "Weather in Oslo, as JSON?"}]


@contextlib.contextmanager
def openai_client(fake: FakeOpenAI, form: str) -> Iterator[openai.OpenAI]:
    with contextlib.ExitStack() as stack:
        if form == "transport":
            client = openai.OpenAI(
                api_key="sk-test", http_client=openai.DefaultHttpxClient(transport=fake.transport())
            )
        else:
            client = openai.OpenAI(api_key="sk-test", base_url=stack.enter_context(fake.serve()))
        stack.callback(client.close)
        yield client


@contextlib.contextmanager
def anthropic_client(fake: FakeAnthropic, form: str) -> Iterator[anthropic.Anthropic]:
    with contextlib.ExitStack() as stack:
        if form == "transport":
            client = anthropic.Anthropic(
                api_key="sk-ant-test",
                http_client=anthropic.DefaultHttpxClient(transport=fake.transport()),
            )
        else:
            url = stack.enter_context(fake.serve())
            client = anthropic.Anthropic(api_key="sk-ant-test", base_url=url)
        stack.callback(client.close)
        yield client


def forms(flaw: str) -> list[str]:
    # Every flaw through the in-process transport; truncated over a real loopback socket too.
    return ["transport", "loopback"] if flaw == "truncated" else ["transport"]


CASES = [(flaw, form) for flaw in JSON_FLAWS for form in forms(flaw)]


@pytest.mark.parametrize(("flaw", "form"), CASES)
def test_openai_chat_completions_plain_and_streamed(flaw: str, form: str) -> None:
    reply = Reply.near_json(VALUE, flaw, schema=SCHEMA)
    fake = FakeOpenAI([reply, reply])
    finish = "length" if flaw == "truncated" else "stop"
    with openai_client(fake, form) as client:
        out = client.chat.completions.create(
            model="gpt-4o", messages=HI, response_format=OPENAI_FORMAT
        )
        chunks = list(
            client.chat.completions.create(
                model="gpt-4o", messages=HI, response_format=OPENAI_FORMAT, stream=True
            )
        )
    assert (out.choices[0].message.content, out.choices[0].finish_reason) == (reply.text, finish)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == reply.text
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == finish
    assert [r.status for r in fake.requests] == [200, 200]
    assert fake.requests[0].schema == SCHEMA
    fake.assert_all_used()


@pytest.mark.parametrize(("flaw", "form"), CASES)
def test_anthropic_messages_plain_and_streamed(flaw: str, form: str) -> None:
    reply = Reply.near_json(VALUE, flaw, schema=SCHEMA)
    fake = FakeAnthropic([reply, reply])
    stop = "max_tokens" if flaw == "truncated" else "end_turn"
    kw: dict[str, Any] = {
        "model": "claude-fake-1",
        "max_tokens": 64,
        "messages": HI,
        "output_config": ANTHROPIC_FORMAT,
    }
    with anthropic_client(fake, form) as client:
        out = client.messages.create(**kw)
        events = list(client.messages.create(stream=True, **kw))
    assert (out.content[0].text, out.stop_reason) == (reply.text, stop)
    deltas = [e.delta for e in events if e.type == "content_block_delta"]
    assert "".join(d.text for d in deltas) == reply.text
    assert [e.delta.stop_reason for e in events if e.type == "message_delta"] == [stop]
    assert [r.status for r in fake.requests] == [200, 200]
    assert fake.requests[0].schema == SCHEMA
    fake.assert_all_used()


@pytest.mark.parametrize("flaw", ["truncated", "fenced", "wrong_type"])
def test_the_kits_http_providers_report_the_kits_stop_reason(flaw: str, build: Build) -> None:
    reply = Reply.near_json(VALUE, flaw, schema=SCHEMA)
    fake, provider = build([reply, reply])
    out = provider.complete(USER, response_format=OPENAI_FORMAT)
    stop = "length" if flaw == "truncated" else "stop"
    assert (out.content, out.stop_reason) == (reply.text, stop)
    events = collect(provider.stream(USER))
    assert isinstance(events[-1], FinishEvent) and events[-1].stop_reason == stop
    assert "".join(e.content for e in events if e.type == "text_delta") == reply.text
    fake.assert_all_used()
