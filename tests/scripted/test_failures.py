"""Scripted failures come out typed, and transient ones are retried per SPEC R1–R6."""

from __future__ import annotations

from typing import Any

import pytest

from llm_fakes import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    EmptyResponseError,
    Fail,
    OverloadedError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    Reply,
    RetryPolicy,
    ScriptedProvider,
    ScriptError,
    ServerError,
    StreamErrorEvent,
    TextDeltaEvent,
    VirtualClock,
)

USER = [{"role": "user", "content": "hi"}]


async def collect(provider: ScriptedProvider) -> list[Any]:
    return [event async for event in provider.stream(USER)]


@pytest.mark.parametrize(
    ("fail", "error_type", "status", "retryable", "text"),
    [
        (Fail.rate_limit(retry_after=2), RateLimitError, 429, True, "rate limited"),
        (Fail.overloaded(), OverloadedError, 529, True, "overloaded"),
        (Fail.server_error(503), ServerError, 503, True, "internal server error"),
        (Fail.empty(), EmptyResponseError, None, True, "empty response: no text and no tool calls"),
        (Fail.timeout(), ProviderTimeoutError, None, True, "request timed out"),
        (Fail.connection(), APIConnectionError, None, True, "connection reset"),
        (Fail.bad_request("no such model"), BadRequestError, 400, False, "no such model"),
        (Fail.auth(), AuthenticationError, 401, False, "invalid api key"),
    ],
)
def test_each_failure_raises_its_typed_error_after_the_last_attempt(
    fail: Fail, error_type: type[ProviderError], status: int | None, retryable: bool, text: str
) -> None:
    fake = ScriptedProvider([fail])
    with pytest.raises(error_type) as info:
        fake.complete(USER, max_retries=0)
    assert (info.value.status, info.value.retryable, info.value.message) == (
        status,
        retryable,
        text,
    )
    assert fake.calls[0].attempts == 1


def test_a_rate_limit_keeps_its_retry_after() -> None:
    with pytest.raises(RateLimitError) as info:
        ScriptedProvider([Fail.rate_limit(retry_after=7.5)]).complete(USER, max_retries=0)
    assert info.value.retry_after == 7.5
    assert str(info.value) == "RateLimitError (HTTP 429): rate limited"


def test_every_attempt_consumes_one_turn_and_retries_succeed() -> None:
    fake = ScriptedProvider([Fail.rate_limit(), Fail.server_error(502), "finally"])
    assert fake.complete(USER, max_retries=2).content == "finally"
    assert fake.calls[0].attempts == 3
    assert [a.source for a in fake.calls[0].attempt_log] == ["queue[0]", "queue[1]", "queue[2]"]
    assert fake.remaining == []


def test_r1_too_many_failures_raise_after_max_retries_plus_one_attempts() -> None:
    fake = ScriptedProvider([Fail.overloaded()] * 4 + ["never reached"])
    with pytest.raises(OverloadedError):
        fake.complete(USER, max_retries=2)
    assert fake.calls[0].attempts == 3
    assert fake.remaining == [Fail.overloaded(), Reply(text="never reached")]


def test_r2_max_retries_zero_is_one_attempt() -> None:
    fake = ScriptedProvider([Fail.server_error(), "ok"])
    with pytest.raises(ServerError):
        fake.complete(USER, max_retries=0)
    assert fake.calls[0].attempts == 1


def test_r2_none_means_the_documented_default_of_two_retries() -> None:
    fake = ScriptedProvider([Fail.timeout()] * 3 + ["ok"])
    assert fake.default_max_retries == 2
    with pytest.raises(ProviderTimeoutError):
        fake.complete(USER)
    assert fake.calls[0].attempts == 3


def test_the_default_budget_can_be_set_on_the_provider() -> None:
    fake = ScriptedProvider([Fail.timeout()] * 5 + ["ok"], default_max_retries=5)
    assert fake.complete(USER).content == "ok"
    fake.default_max_retries = 0
    assert fake.retry_policy.default_max_retries == 0


def test_a_negative_default_budget_is_refused() -> None:
    with pytest.raises(ScriptError) as info:
        ScriptedProvider(default_max_retries=-1)
    assert str(info.value) == "default_max_retries must be an int >= 0, got -1"


def test_r3_a_permanent_error_is_attempted_once_whatever_the_budget() -> None:
    fake = ScriptedProvider([Fail.auth(), "not used"])
    with pytest.raises(AuthenticationError):
        fake.complete(USER, max_retries=5)
    assert fake.calls[0].attempts == 1


def test_r5_waits_honour_retry_after_then_back_off_exponentially_on_the_clock() -> None:
    clock = VirtualClock()
    fake = ScriptedProvider(
        [Fail.rate_limit(retry_after=30), Fail.server_error(), Fail.server_error(), "ok"],
        clock=clock,
    )
    fake.complete(USER, max_retries=3)
    # retry 0 waits Retry-After; retries 1 and 2 back off 0.5 * 2**n with no jitter.
    assert clock.sleeps == [30.0, 1.0, 2.0]
    assert fake.calls[0].elapsed == 33.0


def test_r5_waits_are_capped_by_the_policy() -> None:
    clock = VirtualClock()
    policy = RetryPolicy(max_delay=10, jitter=0)
    fake = ScriptedProvider(
        [Fail.rate_limit(retry_after=3600), "ok"], clock=clock, retry_policy=policy
    )
    fake.complete(USER)
    assert clock.sleeps == [10.0]


def test_r6_all_transient_kinds_share_one_documented_budget() -> None:
    fake = ScriptedProvider([Fail.rate_limit(), Fail.server_error(), Fail.empty(), "ok"])
    with pytest.raises(EmptyResponseError):
        fake.complete(USER, max_retries=2)
    assert [type(a.error).__name__ for a in fake.calls[0].attempt_log] == [
        "RateLimitError",
        "ServerError",
        "EmptyResponseError",
    ]


@pytest.mark.asyncio
async def test_acomplete_retries_the_same_way_on_the_clock() -> None:
    fake = ScriptedProvider([Fail.rate_limit(retry_after=4), "ok"])
    assert (await fake.acomplete(USER)).content == "ok"
    assert (fake.calls[0].attempts, fake.clock.now()) == (2, 4.0)


@pytest.mark.asyncio
async def test_acomplete_raises_the_typed_error_after_the_last_attempt() -> None:
    fake = ScriptedProvider([Fail.server_error(504)] * 2)
    with pytest.raises(ServerError) as info:
        await fake.acomplete(USER, max_retries=1)
    assert str(info.value) == "ServerError (HTTP 504): internal server error"


@pytest.mark.asyncio
async def test_stream_retries_failures_before_any_output() -> None:
    fake = ScriptedProvider([Fail.overloaded(), Fail.mid_stream("x y", after_chunk=0), "Hi"])
    events = await collect(fake)
    assert [e.type for e in events] == ["text_delta", "text_end", "finish"]
    assert fake.calls[0].attempts == 3


@pytest.mark.asyncio
async def test_stream_ends_with_one_error_event_when_the_budget_is_spent() -> None:
    fake = ScriptedProvider([Fail.rate_limit()] * 3)
    events = await collect(fake)
    assert events == [
        StreamErrorEvent(error="RateLimitError (HTTP 429): rate limited", recoverable=True)
    ]
    assert fake.calls[0].attempts == 3
    assert isinstance(fake.calls[0].error, RateLimitError)


@pytest.mark.asyncio
async def test_stream_reports_a_permanent_error_as_not_recoverable() -> None:
    events = await collect(ScriptedProvider([Fail.bad_request("max_tokens too large")]))
    assert events == [
        StreamErrorEvent(
            error="BadRequestError (HTTP 400): max_tokens too large", recoverable=False
        )
    ]


@pytest.mark.asyncio
async def test_s6_a_mid_stream_failure_ends_the_stream_without_retrying_or_repeating() -> None:
    fake = ScriptedProvider([Fail.mid_stream("one two three four", after_chunk=2), "unused"])
    events = await collect(fake)
    assert events == [
        TextDeltaEvent(content="one ", snapshot="one "),
        TextDeltaEvent(content="two ", snapshot="one two "),
        StreamErrorEvent(error="APIConnectionError: connection lost mid-stream", recoverable=True),
    ]
    assert fake.calls[0].attempts == 1
    assert fake.remaining == [Reply(text="unused")]


@pytest.mark.asyncio
async def test_a_mid_stream_failure_can_be_marked_unrecoverable() -> None:
    fake = ScriptedProvider(
        [Fail.mid_stream("a b", after_chunk=1, recoverable=False, message="stream reset")]
    )
    events = await collect(fake)
    assert events[-1] == StreamErrorEvent(error="APIConnectionError: stream reset")


@pytest.mark.asyncio
async def test_reasoning_already_streamed_counts_as_output() -> None:
    fake = ScriptedProvider([Fail.mid_stream(Reply(text="a", reasoning="hmm"), after_chunk=0)])
    events = await collect(fake)
    assert [e.type for e in events] == ["reasoning_start", "reasoning_delta", "error"]


def test_through_complete_a_mid_stream_failure_fails_the_whole_attempt() -> None:
    fake = ScriptedProvider([Fail.mid_stream("partial text", after_chunk=1), "full text"])
    assert fake.complete(USER).content == "full text"
    assert isinstance(fake.calls[0].attempt_log[0].error, APIConnectionError)


def test_an_unrecoverable_mid_stream_failure_is_not_retried_by_complete() -> None:
    fake = ScriptedProvider([Fail.mid_stream("x", after_chunk=1, recoverable=False), "y"])
    with pytest.raises(APIConnectionError) as info:
        fake.complete(USER)
    assert info.value.retryable is False
    assert fake.calls[0].attempts == 1


def test_fail_repr_reads_like_the_code_that_made_it() -> None:
    assert [
        repr(Fail.rate_limit(retry_after=2)),
        repr(Fail.server_error(503)),
        repr(Fail.auth("expired key")),
        repr(Fail.mid_stream("a b", after_chunk=1, recoverable=False)),
    ] == [
        "Fail.rate_limit(retry_after=2)",
        "Fail.server_error(503)",
        "Fail.auth(message='expired key')",
        "Fail.mid_stream(Reply(text='a b'), after_chunk=1, recoverable=False)",
    ]
