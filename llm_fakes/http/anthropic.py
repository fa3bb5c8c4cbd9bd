"""``AnthropicProvider``: the Anthropic Messages API on httpx.

The key comes from ``api_key=`` or ``ANTHROPIC_API_KEY``, the URL from ``base_url=``,
``ANTHROPIC_BASE_URL`` or ``https://api.anthropic.com`` (the same convention as the official SDK:
the provider posts to ``{base_url}/v1/messages``). Tool calls, tool results, JSON mode and stop
reasons are mapped as :mod:`llm_fakes.wire.anthropic_messages` documents.

Example:
    >>> from llm_fakes import FakeAnthropic
    >>> fake = FakeAnthropic(["Paris."])
    >>> provider = AnthropicProvider("claude-fake-1", api_key="k", transport=fake.transport())
    >>> r = provider.complete([{"role": "user", "content": "Capital of France?"}])
    >>> r.content, r.stop_reason
    ('Paris.', 'stop')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from llm_fakes.clock import Clock
from llm_fakes.http._base import DEFAULT_TIMEOUT, HTTPProvider, Transport
from llm_fakes.retry import RetryPolicy
from llm_fakes.typeset import TypesSpec
from llm_fakes.wire import anthropic_messages as anthropic_wire

__all__ = ["AnthropicProvider"]


class AnthropicProvider(HTTPProvider):
    """An ``LLMProvider`` for the Anthropic Messages API.

    Takes the same arguments as :class:`~llm_fakes.OpenAIProvider` (``api_key`` defaulting to
    ``$ANTHROPIC_API_KEY``, ``base_url`` to ``$ANTHROPIC_BASE_URL`` or
    ``https://api.anthropic.com``), plus ``anthropic_version`` (the ``anthropic-version`` header)
    and ``thinking`` (sent as the request's ``thinking``, e.g. ``{"type": "enabled",
    "budget_tokens": 1024}``: without it the API sends no thinking blocks, and the fake refuses
    a scripted reply with reasoning).
    """

    wire = anthropic_wire.AnthropicMessages()

    api_name = "Anthropic"
    env_key = "ANTHROPIC_API_KEY"
    env_base_url = "ANTHROPIC_BASE_URL"
    default_base_url = "https://api.anthropic.com"
    path = "/v1/messages"

    def __init__(
        self,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        transport: Transport | None = None,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        extra_headers: dict[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        clock: Clock | None = None,
        types: TypesSpec = None,
        anthropic_version: str = anthropic_wire.ANTHROPIC_VERSION,
        thinking: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            model,
            api_key,
            base_url,
            http_client,
            async_http_client,
            transport,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_policy=retry_policy,
            clock=clock,
            types=types,
        )
        self.anthropic_version = anthropic_version
        self.thinking = thinking

    def _body(
        self,
        messages: Sequence[dict[str, Any]],
        system: str,
        tools: Sequence[Any] | None,
        max_tokens: int,
        response_format: dict[str, Any] | None,
        json_mode: bool,
        stream: bool,
    ) -> dict[str, Any]:
        body = anthropic_wire.build_request(
            self.model,
            messages,
            system=system,
            tools=tools,
            max_tokens=max_tokens,
            response_format=response_format,
            json_mode=json_mode,
            stream=stream,
        )
        if self.thinking is not None:
            body["thinking"] = dict(self.thinking)
        return body

    def _protocol_headers(self) -> dict[str, str]:
        return {"anthropic-version": self.anthropic_version}
