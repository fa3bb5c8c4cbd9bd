"""``GeminiProvider``: Google's Gemini ``generateContent`` API on httpx.

The key comes from ``api_key=`` or ``GEMINI_API_KEY`` and goes in the ``x-goog-api-key`` header
(never in the URL), the URL from ``base_url=``, ``GOOGLE_GEMINI_BASE_URL`` or
``https://generativelanguage.googleapis.com``: the provider posts to
``{base_url}/{api_version}/models/{model}:generateContent`` and streams from
``:streamGenerateContent?alt=sse``, as the ``google-genai`` SDK does. Tool calls, tool results,
JSON mode, call ids and finish reasons are mapped as :mod:`llm_fakes.wire.gemini` documents;
a rate limit's ``RetryInfo`` delay becomes the error's ``retry_after``.

Example:
    >>> from llm_fakes import FakeGemini
    >>> fake = FakeGemini(["Paris."])
    >>> provider = GeminiProvider("gemini-2.5-flash", api_key="k", transport=fake.transport())
    >>> r = provider.complete([{"role": "user", "content": "Capital of France?"}])
    >>> r.content, r.stop_reason
    ('Paris.', 'stop')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from llm_fakes.clock import Clock
from llm_fakes.http._base import DEFAULT_TIMEOUT, HTTPProvider, Transport
from llm_fakes.retry import RetryPolicy
from llm_fakes.typeset import TypesSpec
from llm_fakes.wire import gemini as gemini_wire

__all__ = ["GeminiProvider"]


class GeminiProvider(HTTPProvider):
    """An ``LLMProvider`` for the Gemini API (Google AI Studio keys).

    Takes the same arguments as :class:`~llm_fakes.OpenAIProvider` (``api_key`` defaulting to
    ``$GEMINI_API_KEY``, ``base_url`` to ``$GOOGLE_GEMINI_BASE_URL`` or
    ``https://generativelanguage.googleapis.com``), plus ``api_version`` (``"v1beta"``, as the
    SDK, or ``"v1"``) and ``include_thoughts`` (ask a thinking model for its thought summaries,
    streamed as reasoning events; off by default, as models without thinking refuse it).
    """

    wire = gemini_wire.Gemini()

    api_name = "Gemini"
    env_key = "GEMINI_API_KEY"
    env_base_url = "GOOGLE_GEMINI_BASE_URL"
    default_base_url = "https://generativelanguage.googleapis.com"

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
        api_version: str = "v1beta",
        include_thoughts: bool = False,
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
        self.api_version = api_version
        self.include_thoughts = include_thoughts

    @property
    def _model_path(self) -> str:
        name = self.model.removeprefix("models/")
        return f"{self.base_url}/{self.api_version}/models/{quote(name, safe='')}"

    @property
    def url(self) -> str:
        """The ``:generateContent`` endpoint."""
        return self._model_path + ":generateContent"

    @property
    def stream_url(self) -> str:
        """The ``:streamGenerateContent?alt=sse`` endpoint."""
        return self._model_path + ":streamGenerateContent?alt=sse"

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
        return gemini_wire.build_request(
            messages,
            system=system,
            tools=tools,
            max_tokens=max_tokens,
            response_format=response_format,
            json_mode=json_mode,
            include_thoughts=self.include_thoughts,
        )
