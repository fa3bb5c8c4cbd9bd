"""``OpenAIProvider``: the Chat Completions API (and any OpenAI-compatible server) on httpx.

Works against OpenAI, vLLM, Ollama, OpenRouter... anything that serves ``POST
{base_url}/chat/completions``. The key comes from ``api_key=`` or ``OPENAI_API_KEY`` (none is sent
when neither is set, for local servers), the URL from ``base_url=``, ``OPENAI_BASE_URL`` or
``https://api.openai.com/v1``. See :class:`~llm_fakes.http._base.HTTPProvider` for clients,
retries and streaming, and :mod:`llm_fakes.wire.openai_chat` for the mapping.

Example:
    >>> from llm_fakes import FakeOpenAI
    >>> fake = FakeOpenAI(["Paris."])
    >>> provider = OpenAIProvider("gpt-4o", api_key="sk-test", transport=fake.transport())
    >>> provider.complete([{"role": "user", "content": "Capital of France?"}]).content
    'Paris.'
    >>> provider
    OpenAIProvider(model='gpt-4o', base_url='https://api.openai.com/v1')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from llm_fakes.clock import Clock
from llm_fakes.http._base import DEFAULT_TIMEOUT, HTTPProvider, Transport
from llm_fakes.retry import RetryPolicy
from llm_fakes.typeset import TypesSpec
from llm_fakes.wire import openai_chat as openai_wire

__all__ = ["OpenAIProvider"]


class OpenAIProvider(HTTPProvider):
    """An ``LLMProvider`` for the OpenAI Chat Completions API.

    Args:
        model: The model name sent with every request.
        api_key: Defaults to ``$OPENAI_API_KEY``.
        base_url: Defaults to ``$OPENAI_BASE_URL``, else ``https://api.openai.com/v1``.
        http_client: An ``httpx.Client`` for ``complete`` (left open by the provider).
        async_http_client: An ``httpx.AsyncClient`` for ``acomplete`` and ``stream``.
        transport: An httpx transport for the clients the provider makes itself.
        timeout: Seconds or an ``httpx.Timeout`` (default: 600 s read, 5 s connect).
        extra_headers: Sent with every request (after, so they may override, the defaults).
        retry_policy: Defaults to ``RetryPolicy()`` (2 retries, capped exponential backoff).
        clock: Where retry waits happen; inject ``VirtualClock()`` in tests.
        types: Classes for responses and events (see :mod:`llm_fakes.typeset`).
        max_tokens_field: ``"max_tokens"`` (default; understood by every compatible server) or
            ``"max_completion_tokens"`` (required by OpenAI's reasoning models).
    """

    wire = openai_wire.OpenAIChat()

    api_name = "OpenAI"
    env_key = "OPENAI_API_KEY"
    env_base_url = "OPENAI_BASE_URL"
    default_base_url = "https://api.openai.com/v1"
    path = "/chat/completions"

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
        max_tokens_field: str = "max_tokens",
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
        self.max_tokens_field = max_tokens_field

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
        return openai_wire.build_request(
            self.model,
            messages,
            system=system,
            tools=tools,
            max_tokens=max_tokens,
            response_format=response_format,
            json_mode=json_mode,
            stream=stream,
            max_tokens_field=self.max_tokens_field,
        )
