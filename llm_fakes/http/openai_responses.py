"""``OpenAIResponsesProvider``: the OpenAI Responses API (``POST {base_url}/responses``) on httpx.

The API OpenAI's own tools now use by default. Same constructor, key, URL, clients, retries,
errors and stream events as :class:`~llm_fakes.OpenAIProvider`; only the wire format differs
(:mod:`llm_fakes.wire.openai_responses` documents the mapping).

What is sent besides the call itself, and why:

* ``store: false`` (``store=`` to change it): each call carries the whole history, as the seed's
  interface does, so nothing needs keeping server-side for a ``previous_response_id``.
* ``"strict": false`` on every function tool: the API makes tools strict unless told otherwise,
  and a strict schema must mark every property required, which ordinary tool schemas do not.
* ``max_output_tokens`` is ``max_tokens``, raised to 16 when smaller: the API rejects anything
  below 16 with a 400 (:attr:`min_max_tokens`).
* No ``reasoning`` options unless ``reasoning=`` is given (for example
  ``{"effort": "low", "summary": "auto"}``): models without reasoning answer 400 to them. With a
  ``summary``, the summaries arrive as reasoning events in ``stream()``.

Example:
    >>> from llm_fakes import FakeOpenAI
    >>> fake = FakeOpenAI(["Paris."])
    >>> provider = OpenAIResponsesProvider("gpt-4o", api_key="sk-test", transport=fake.transport())
    >>> provider.complete([{"role": "user", "content": "Capital of France?"}]).content
    'Paris.'
    >>> fake.requests[0].path, fake.requests[0].body["store"]
    ('/v1/responses', False)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from llm_fakes.clock import Clock
from llm_fakes.http._base import DEFAULT_TIMEOUT, HTTPProvider, Transport
from llm_fakes.retry import RetryPolicy
from llm_fakes.typeset import TypesSpec
from llm_fakes.wire import openai_responses as responses_wire

__all__ = ["OpenAIResponsesProvider"]


class OpenAIResponsesProvider(HTTPProvider):
    """An ``LLMProvider`` for the OpenAI Responses API.

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
        store: Sent as ``store`` (default ``False``, see the module docstring).
        reasoning: Sent as ``reasoning`` when given (``{"effort": ..., "summary": ...}``).
    """

    wire = responses_wire.OpenAIResponses()

    api_name = "OpenAI"
    env_key = "OPENAI_API_KEY"
    env_base_url = "OPENAI_BASE_URL"
    default_base_url = "https://api.openai.com/v1"
    path = "/responses"
    #: The smallest ``max_output_tokens`` the API accepts; smaller ``max_tokens`` are raised to it.
    min_max_tokens = responses_wire.MIN_OUTPUT_TOKENS

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
        store: bool = False,
        reasoning: dict[str, Any] | None = None,
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
        self.store = store
        self.reasoning = dict(reasoning) if reasoning else None

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
        return responses_wire.build_request(
            self.model,
            messages,
            system=system,
            tools=tools,
            max_tokens=max_tokens,
            response_format=response_format,
            json_mode=json_mode,
            stream=stream,
            store=self.store,
            reasoning=self.reasoning,
        )
