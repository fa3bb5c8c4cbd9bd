"""The smaller wire details clients read, through the official SDKs: rate-limit headers
(defaults, scripted limits, spent per answer, none left on a 429), one request id in Anthropic's
header and error body, scripted cache-creation tokens, and log probabilities when asked for."""

from __future__ import annotations

from typing import Any

import anthropic
import openai
import pytest

from llm_fakes import Fail, FakeAnthropic, FakeOpenAI, Reply

HI = [{"role": "user", "content": "Hi"}]


def chat_client(fake: FakeOpenAI) -> openai.OpenAI:
    http = openai.DefaultHttpxClient(transport=fake.transport())
    return openai.OpenAI(api_key="sk-test", http_client=http, max_retries=0)


def anthropic_client(fake: FakeAnthropic) -> anthropic.Anthropic:
    http = anthropic.DefaultHttpxClient(transport=fake.transport())
    return anthropic.Anthropic(api_key="k", http_client=http, max_retries=0)


def test_openai_rate_limit_headers_count_down_and_end_at_zero_on_a_429() -> None:
    fake = FakeOpenAI(
        [Reply(text="one", input_tokens=10, output_tokens=5), "two", Fail.rate_limit()],
        rate_limits={"requests": 3, "tokens": 100},
    )
    client = chat_client(fake)
    first = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HI)  # type: ignore[arg-type]
    assert first.headers["x-ratelimit-limit-requests"] == "3"
    assert first.headers["x-ratelimit-remaining-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-tokens"] == "85"
    assert first.headers["x-ratelimit-reset-requests"] == "1s"
    second = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HI)  # type: ignore[arg-type]
    assert second.headers["x-ratelimit-remaining-requests"] == "1"
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="gpt-4o", messages=HI)  # type: ignore[arg-type]
    assert info.value.response.headers["x-ratelimit-remaining-requests"] == "0"


def test_anthropic_rate_limit_headers_have_sensible_defaults() -> None:
    fake = FakeAnthropic(["Hi"])
    raw = anthropic_client(fake).messages.with_raw_response.create(
        model="claude-x",
        max_tokens=64,
        messages=HI,  # type: ignore[arg-type]
    )
    assert raw.headers["anthropic-ratelimit-requests-limit"] == "10000"
    assert raw.headers["anthropic-ratelimit-requests-remaining"] == "9999"
    assert raw.headers["anthropic-ratelimit-tokens-limit"] == "2000000"
    assert raw.headers["anthropic-ratelimit-tokens-reset"].endswith("Z")


def test_anthropic_error_body_names_the_request_id_its_header_sends() -> None:
    fake = FakeAnthropic(["ok", Fail.bad_request("nope")])
    client = anthropic_client(fake)
    client.messages.create(model="claude-x", max_tokens=64, messages=HI)  # type: ignore[arg-type]
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model="claude-x", max_tokens=64, messages=HI)  # type: ignore[arg-type]
    body: Any = info.value.body
    assert body["request_id"] == info.value.response.headers["request-id"] == "req_llmfakes000001"


def test_cache_creation_tokens_are_scriptable_for_a_request_that_marks_a_cache() -> None:
    reply = Reply(text="ok", input_tokens=100, cached_tokens=30, cache_creation_tokens=50)
    fake = FakeAnthropic([reply, reply])
    system = [{"type": "text", "text": "Long rules.", "cache_control": {"type": "ephemeral"}}]
    client = anthropic_client(fake)
    made = client.messages.create(
        model="claude-x",
        max_tokens=64,
        messages=HI,
        system=system,  # type: ignore[arg-type]
    )
    usage = made.usage
    assert (
        usage.input_tokens,
        usage.cache_read_input_tokens,
        usage.cache_creation_input_tokens,
    ) == (20, 30, 50)
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(model="claude-x", max_tokens=64, messages=HI)  # type: ignore[arg-type]
    assert "cache_creation_tokens=50, but the request marked nothing" in fake.problems[0]


def test_logprobs_come_back_when_asked_scripted_or_one_per_word() -> None:
    scripted = Reply(text="Hi there", logprobs=[("Hi", -0.25), (" there", -1.5)])
    fake = FakeOpenAI(["Hello big world", scripted, scripted, "plain"])
    client = chat_client(fake)
    default = client.chat.completions.create(model="gpt-4o", messages=HI, logprobs=True)  # type: ignore[arg-type]
    tokens = default.choices[0].logprobs.content  # type: ignore[union-attr]
    assert [(t.token, t.logprob) for t in tokens] == [
        ("Hello ", 0.0),
        ("big ", 0.0),
        ("world", 0.0),
    ]
    made = client.chat.completions.create(model="gpt-4o", messages=HI, logprobs=True)  # type: ignore[arg-type]
    assert [(t.token, t.logprob) for t in made.choices[0].logprobs.content] == [  # type: ignore[union-attr]
        ("Hi", -0.25),
        (" there", -1.5),
    ]
    chunks = list(
        client.chat.completions.create(model="gpt-4o", messages=HI, logprobs=True, stream=True)  # type: ignore[arg-type]
    )
    streamed = [
        (t.token, t.logprob)
        for c in chunks
        if c.choices and c.choices[0].logprobs
        for t in c.choices[0].logprobs.content or ()
    ]
    assert streamed == [("Hi", -0.25), (" there", -1.5)]
    plain = client.chat.completions.create(model="gpt-4o", messages=HI)  # type: ignore[arg-type]
    assert plain.choices[0].logprobs is None
