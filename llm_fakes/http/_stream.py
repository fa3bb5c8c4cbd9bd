"""Streaming for the HTTP providers: SSE in, events out, retried only before the first event.

One attempt opens the response, feeds each server-sent event to the wire format's decoder and
yields what it returns; at the end the decoder's closing events follow (or a
:class:`~llm_fakes.errors.ResponseFormatError` when the stream was cut short). Around attempts,
the provider's :class:`~llm_fakes.retry.RetryPolicy` retries a transient failure only while
nothing has been yielded (contract S6); otherwise the stream ends with one ``StreamErrorEvent``.
Every attempt runs inside ``async with`` / ``with`` blocks, so closing the generator early closes
the HTTP response (S7).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any

import httpx

from llm_fakes.errors import EmptyResponseError, ProviderError
from llm_fakes.typeset import TypeSet
from llm_fakes.wire._assemble import is_empty_response
from llm_fakes.wire.errors import error_from_response, error_from_transport

if TYPE_CHECKING:
    from llm_fakes.http._base import HTTPProvider

__all__ = ["iter_events", "stream_events"]


def _closing(p: HTTPProvider, decoder: Any, messages: list[dict[str, Any]]) -> list[Any]:
    """The decoder's closing events, or the error a finished-but-empty stream is."""
    closing: list[Any] = decoder.finish()
    state = decoder.state
    hosted = bool(state.server_items)
    if is_empty_response(state.text, state.tool_uses(), state.stop_reason, messages, hosted):
        raise EmptyResponseError(
            f"{p.api_name} streamed no text and no tool calls (stop reason "
            f"{state.stop_reason!r}); treated as transient."
        )
    return closing


async def _attempt(
    p: HTTPProvider,
    client: httpx.AsyncClient,
    content: bytes,
    messages: list[dict[str, Any]],
    types: TypeSet,
) -> AsyncGenerator[Any, None]:
    from httpx_sse import EventSource

    decoder = p._decoder(types)
    try:
        async with client.stream(
            "POST", p.stream_url, content=content, headers=p._headers(True)
        ) as resp:
            if resp.status_code >= 400:
                await resp.aread()
                raise error_from_response(resp, p._hint_401(), p.wire)
            async for sse in EventSource(resp).aiter_sse():
                for event in decoder.feed(sse.event, sse.data):
                    yield event
                if decoder.done:
                    break
    except httpx.HTTPError as exc:
        raise error_from_transport(exc, p._what()) from None
    for event in _closing(p, decoder, messages):
        yield event


async def stream_events(
    p: HTTPProvider, content: bytes, messages: list[dict[str, Any]], types: TypeSet
) -> AsyncGenerator[Any, None]:
    """The async stream of one call, retries included."""
    policy = p.retry_policy
    budget = policy.retries_for(None)
    n = 0
    yielded = False
    while True:
        try:
            async with (
                p._async_client() as client,
                contextlib.aclosing(_attempt(p, client, content, messages, types)) as events,
            ):
                async for event in events:
                    yielded = True
                    yield event
            return
        except ProviderError as exc:
            if yielded or not policy.is_transient(exc) or n >= budget:
                yield types.error_event(exc)
                return
            await p.clock.asleep(policy.delay(exc, n))
            n += 1


def _sync_attempt(
    p: HTTPProvider, content: bytes, messages: list[dict[str, Any]], types: TypeSet
) -> Generator[Any, None, None]:
    from httpx_sse import EventSource

    decoder = p._decoder(types)
    client = p._sync_client()
    try:
        with client.stream("POST", p.stream_url, content=content, headers=p._headers(True)) as resp:
            if resp.status_code >= 400:
                resp.read()
                raise error_from_response(resp, p._hint_401(), p.wire)
            for sse in EventSource(resp).iter_sse():
                yield from decoder.feed(sse.event, sse.data)
                if decoder.done:
                    break
    except httpx.HTTPError as exc:
        raise error_from_transport(exc, p._what()) from None
    yield from _closing(p, decoder, messages)


def iter_events(
    p: HTTPProvider, content: bytes, messages: list[dict[str, Any]], types: TypeSet
) -> Generator[Any, None, None]:
    """The sync twin of :func:`stream_events`, on the provider's sync client."""
    policy = p.retry_policy
    budget = policy.retries_for(None)
    n = 0
    yielded = False
    while True:
        try:
            with contextlib.closing(_sync_attempt(p, content, messages, types)) as events:
                for event in events:
                    yielded = True
                    yield event
            return
        except ProviderError as exc:
            if yielded or not policy.is_transient(exc) or n >= budget:
                yield types.error_event(exc)
                return
            p.clock.sleep(policy.delay(exc, n))
            n += 1
