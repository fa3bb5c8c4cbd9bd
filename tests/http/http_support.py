"""Constants and helpers shared by the HTTP tests (imported as a plain module)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from llm_fakes import (
    AnthropicProvider,
    FakeAnthropic,
    FakeGemini,
    FakeOpenAI,
    GeminiProvider,
    OpenAIProvider,
    OpenAIResponsesProvider,
)
from llm_fakes.http._base import HTTPProvider
from llm_fakes.http.fake_server import FakeServer

APIS: dict[str, tuple[type[FakeServer], type[HTTPProvider]]] = {
    "openai": (FakeOpenAI, OpenAIProvider),
    "anthropic": (FakeAnthropic, AnthropicProvider),
    "responses": (FakeOpenAI, OpenAIResponsesProvider),
    "gemini": (FakeGemini, GeminiProvider),
}
KEY = "sk-test-5ecret-key-0123456789"
USER = [{"role": "user", "content": "Hello?"}]

Build = Callable[..., tuple[Any, Any]]


def collect(stream: Any) -> list[Any]:
    """All events of an async stream, from sync code."""

    async def run() -> list[Any]:
        return [event async for event in stream]

    return asyncio.run(run())
