"""Tiny real-provider stand-ins for the cassette tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from llm_fakes import LLMProvider, LLMResponse, ProviderError, Tool


class Recorder(LLMProvider):
    """A "real" provider: answers from ``reply(request)``, logging every call it gets."""

    __test__ = False
    model = "real-1"

    def __init__(
        self,
        reply: Callable[[dict[str, Any]], LLMResponse | ProviderError] | None = None,
        events: Sequence[Any] | None = None,
        gap: float = 0.0,
    ) -> None:
        self.reply = reply or (
            lambda req: LLMResponse(
                content=f"re: {req['messages'][-1]['content']}",
                model="real-1-0613",
                input_tokens=7,
                output_tokens=3,
                stop_reason="stop",
            )
        )
        self.events = events
        self.gap = gap
        self.calls: list[dict[str, Any]] = []
        self.stream_closed = False

    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        request = {
            "messages": [dict(m) for m in messages],
            "system": system,
            "tools": tools,
            "max_tokens": max_tokens,
            "response_format": response_format,
            "json_mode": json_mode,
            "max_retries": max_retries,
        }
        self.calls.append(request)
        out = self.reply(request)
        if isinstance(out, ProviderError):
            raise out
        return out

    async def stream(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 4096,
    ) -> AsyncIterator[Any]:
        if self.events is None:
            async for event in super().stream(messages, system, tools, max_tokens):
                yield event
            return
        self.calls.append({"messages": messages, "system": system, "max_tokens": max_tokens})
        try:
            for event in self.events:
                if isinstance(event, ProviderError):
                    raise event
                if self.gap:
                    await asyncio.sleep(self.gap)
                yield event
        finally:
            self.stream_closed = True


class Forbidden(LLMProvider):
    """A provider that must never be called (record mode none)."""

    __test__ = False

    def complete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        raise AssertionError("the real provider was called")


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


async def collect(stream: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in stream]
