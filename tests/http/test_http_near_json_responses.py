"""Near-valid JSON through FakeOpenAI's Responses route: the SDK and the kit's Responses
provider get each flaw's text unchanged under ``text.format`` (the fake's schema check lets it
through), plain and streamed; a ``truncated`` reply is ``status: "incomplete"`` with
``incomplete_details.reason: "max_output_tokens"`` (streamed: ``response.incomplete``), and the
kit's ``"length"``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import openai
import pytest
from http_support import USER, collect

from llm_fakes import JSON_FLAWS, FakeOpenAI, FinishEvent, Reply
from llm_fakes.http.openai_responses import OpenAIResponsesProvider

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
TEXT = {"format": {"type": "json_schema", "name": "weather", "schema": SCHEMA}}


@contextlib.contextmanager
def openai_client(fake: FakeOpenAI, form: str) -> Iterator[openai.OpenAI]:
    with contextlib.ExitStack() as stack:
        if form == "transport":
            http = openai.DefaultHttpxClient(transport=fake.transport())
            client = openai.OpenAI(api_key="sk-test", http_client=http)
        else:
            client = openai.OpenAI(api_key="sk-test", base_url=stack.enter_context(fake.serve()))
        stack.callback(client.close)
        yield client


CASES = [(f, "transport") for f in JSON_FLAWS] + [("truncated", "loopback")]


@pytest.mark.parametrize(("flaw", "form"), CASES)
def test_openai_responses_plain_and_streamed(flaw: str, form: str) -> None:
    reply = Reply.near_json(VALUE, flaw, schema=SCHEMA)
    fake = FakeOpenAI([reply, reply])
    truncated = flaw == "truncated"
    with openai_client(fake, form) as client:
        out = client.responses.create(model="gpt-4o", input="Weather in Oslo?", text=TEXT)
        events = list(
            client.responses.create(
                model="gpt-4o", input="Weather in Oslo?", text=TEXT, stream=True
            )
        )
    assert out.output_text == reply.text
    assert out.status == ("incomplete" if truncated else "completed")
    reason = out.incomplete_details.reason if out.incomplete_details else None
    assert reason == ("max_output_tokens" if truncated else None)
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == reply.text
    assert events[-1].type == ("response.incomplete" if truncated else "response.completed")
    assert [r.status for r in fake.requests] == [200, 200]
    fake.assert_all_used()


@pytest.mark.parametrize("flaw", ["truncated", "fenced"])
def test_the_kits_responses_provider_reports_the_kits_stop_reason(flaw: str) -> None:
    reply = Reply.near_json(VALUE, flaw, schema=SCHEMA)
    fake = FakeOpenAI([reply, reply])
    provider = OpenAIResponsesProvider("gpt-4o", api_key="sk-test", transport=fake.transport())
    try:
        fmt = {"type": "json_schema", "json_schema": {"name": "weather", "schema": SCHEMA}}
        out = provider.complete(USER, response_format=fmt)
        events = collect(provider.stream(USER))
    finally:
        provider.close()
    stop = "length" if flaw == "truncated" else "stop"
    assert (out.content, out.stop_reason) == (reply.text, stop)
    assert isinstance(events[-1], FinishEvent) and events[-1].stop_reason == stop
    fake.assert_all_used()
