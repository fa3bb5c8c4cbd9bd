"""The engine both HTTP providers share: clients, keys, one retry policy, errors, streaming.

A subclass supplies the wire format (:meth:`HTTPProvider._body`, :meth:`_parse`,
:meth:`_decoder`, :meth:`_auth_headers`); everything else lives here once:

* **Clients.** An injected ``http_client`` / ``async_http_client`` is used as is and never
  closed. Otherwise the provider owns one ``httpx.Client`` (closed by :meth:`close`) and opens one
  ``httpx.AsyncClient`` per async call (closed when the call ends, so no connection outlives the
  event loop that made it; inject ``async_http_client=`` to reuse connections). ``transport=``
  (for example ``FakeOpenAI(...).transport()``) is used by the clients the provider makes.
* **Retries** (contract R1–R6): :class:`~llm_fakes.retry.RetryPolicy`, the kit's one policy, on an
  injectable clock. ``max_retries=None`` means :attr:`default_max_retries`. A stream retries only
  before it has yielded anything; after that a failure ends it with one ``StreamErrorEvent``, so
  text is never repeated (S6).
* **Keys** come from ``api_key=`` or the provider's environment variable and appear in no
  ``repr``, log line or error message.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import ssl
import threading
import weakref
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, ClassVar, cast

import httpx

from llm_fakes._version import __version__
from llm_fakes.clock import Clock, RealClock
from llm_fakes.errors import EmptyResponseError, UsageError, kit_error
from llm_fakes.http._stream import iter_events, stream_events
from llm_fakes.provider import LLMProvider
from llm_fakes.retry import RetryPolicy, retry_async, retry_sync
from llm_fakes.types import LLMResponse, Tool
from llm_fakes.typeset import TypeSet, TypesSpec, resolve_types, tool_uses_of
from llm_fakes.wire._assemble import is_empty_response
from llm_fakes.wire.base import WireAPI
from llm_fakes.wire.errors import (
    decode_json_body,
    error_from_response,
    error_from_transport,
)

__all__ = ["DEFAULT_TIMEOUT", "HTTPProvider"]

#: Ten minutes to read (long generations), five seconds to connect: the official SDKs' default.
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
Transport = httpx.BaseTransport | httpx.AsyncBaseTransport


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verified TLS context for every client the providers make: loading the CA bundle
    costs tens of milliseconds, too much to pay on each per-call async client."""
    return httpx.create_ssl_context()


class _Secret:
    """Holds an API key so that no ``repr``, ``vars()`` dump or f-string shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>" if self._value else "<none>"

    __str__ = __repr__


class HTTPProvider(LLMProvider):
    """Base of :class:`~llm_fakes.OpenAIProvider` and :class:`~llm_fakes.AnthropicProvider`."""

    #: Filled in by subclasses: the registry entry of the API spoken (auth, parsers, errors).
    wire: ClassVar[WireAPI]
    api_name = ""
    env_key = ""
    env_base_url = ""
    default_base_url = ""
    path = ""

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
    ) -> None:
        if not isinstance(model, str) or not model:
            raise UsageError(f"{type(self).__name__} needs a model name, got {model!r}.")
        self.model = model
        self._api_key = _Secret(api_key or os.environ.get(self.env_key, ""))
        base = base_url or os.environ.get(self.env_base_url) or self.default_base_url
        self.base_url = base.rstrip("/")
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._transport = transport
        self.timeout = timeout
        self.extra_headers = dict(extra_headers or {})
        self.retry_policy = retry_policy or RetryPolicy()
        self.clock: Clock = clock or RealClock()
        self._types_spec = types
        self._owned_client: httpx.Client | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ hooks for subclasses

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
        raise NotImplementedError

    def _parse(self, data: dict[str, Any], types: TypeSet) -> Any:
        """A response body as the kit's response, as the provider's wire entry parses it."""
        return self.wire.parse_response(data, types, self.model)

    def _decoder(self, types: TypeSet) -> Any:
        """An object with ``feed(event, data) -> events``, ``done`` and ``finish() -> events``."""
        return self.wire.stream_decoder(types, self.model)

    def _auth_headers(self, key: str) -> dict[str, str]:
        """The headers carrying the key, as the wire entry's ``auth`` sends it."""
        return self.wire.auth.headers(key)

    def _server_output(self, data: dict[str, Any]) -> bool:
        """Whether a response body carries hosted-tool output (then it is not empty)."""
        return bool(self.wire.has_server_output(data))

    def _protocol_headers(self) -> dict[str, str]:
        """Headers the API needs on every request besides the key."""
        return {}

    # ------------------------------------------------------------------ public surface

    @property
    def default_max_retries(self) -> int:
        """Retries used when a call passes ``max_retries=None`` (the retry policy's default)."""
        return self.retry_policy.default_max_retries

    @property
    def types(self) -> TypeSet:
        """The classes responses and events are built from (resolved at each call)."""
        return resolve_types(self._types_spec)

    @types.setter
    def types(self, spec: TypesSpec) -> None:
        self._types_spec = spec

    @property
    def url(self) -> str:
        """The endpoint ``complete`` and ``acomplete`` post to."""
        return self.base_url + self.path

    @property
    def stream_url(self) -> str:
        """The endpoint streams post to: :attr:`url` for APIs that stream on a body flag; a wire
        format with a separate streaming endpoint (Gemini's ``:streamGenerateContent``)
        overrides it."""
        return self.url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the ``httpx.Client`` the provider made (an injected one is left open)."""
        with self._lock:
            self._owned_client = None
            finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer()  # closes the client, once

    async def aclose(self) -> None:
        """Async twin of :meth:`close` (async clients are per call, nothing else to close)."""
        self.close()

    def __enter__(self) -> HTTPProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> HTTPProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ plumbing

    def _headers(self, stream: bool) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if stream else "application/json",
            "user-agent": f"llm-fakes/{__version__}",
        }
        headers.update(self._protocol_headers())
        key = self._api_key.reveal()
        if key:
            headers.update(self._auth_headers(key))
        headers.update(self.extra_headers)
        return headers

    def _hint_401(self) -> str:
        return f"Pass api_key=... to {type(self).__name__} or set {self.env_key}."

    def _what(self) -> str:
        return f"POST {self.url}"

    def _sync_client(self) -> httpx.Client:
        if self._http_client is not None:
            return self._http_client
        with self._lock:
            if self._owned_client is None:
                transport = self._transport
                # By method, not class: the fakes' transport may be an httpx2 one (see
                # make_transport), and httpx calls nothing else on it.
                if transport is not None and not hasattr(transport, "handle_request"):
                    raise UsageError(
                        f"transport={transport!r} is async-only, so complete() cannot use it. "
                        "Pass a transport that is also an httpx.BaseTransport, or "
                        "http_client=httpx.Client(...)."
                    )
                client = httpx.Client(
                    transport=cast(Any, transport), timeout=self.timeout, verify=_ssl_context()
                )
                # A provider dropped without close() still closes its pooled sockets, instead
                # of leaving them to a ResourceWarning at garbage collection.
                self._finalizer = weakref.finalize(self, client.close)
                self._owned_client = client
            return self._owned_client

    @contextlib.asynccontextmanager
    async def _async_client(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._async_http_client is not None:
            yield self._async_http_client
            return
        transport = self._transport
        if transport is not None and not hasattr(transport, "handle_async_request"):
            raise UsageError(
                f"transport={transport!r} is sync-only, so acomplete() and stream() cannot use "
                "it. Pass a transport that is also an httpx.AsyncBaseTransport, or "
                "async_http_client=httpx.AsyncClient(...)."
            )
        client = httpx.AsyncClient(
            transport=cast(Any, transport), timeout=self.timeout, verify=_ssl_context()
        )
        try:
            yield client
        finally:
            if transport is None:
                # A client closes its transport; an injected one may serve the next call.
                await client.aclose()

    def _request_body(
        self,
        messages: list[dict[str, Any]],
        system: str,
        tools: list[Tool] | None,
        max_tokens: int,
        response_format: dict[str, Any] | None,
        json_mode: bool,
        stream: bool,
    ) -> bytes:
        body = self._body(messages, system, tools, max_tokens, response_format, json_mode, stream)
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    def _finish(self, response: httpx.Response, messages: list[dict[str, Any]]) -> Any:
        __tracebackhide__ = kit_error
        if response.status_code >= 400:
            raise error_from_response(response, self._hint_401(), self.wire)
        ctype = response.headers.get("content-type", "")
        data = decode_json_body(response.content, ctype, self._what())
        result = self._parse(data, self.types)
        hosted = self._server_output(data)
        if is_empty_response(
            result.content, tool_uses_of(result), result.stop_reason, messages, hosted
        ):
            raise EmptyResponseError(
                f"{self.api_name} answered with no text and no tool calls "
                f"(stop reason {result.stop_reason!r}); treated as transient and retried."
            )
        return result

    # ------------------------------------------------------------------ complete / acomplete

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
        """One completion, retried on transient failures; see :class:`HTTPProvider`."""
        __tracebackhide__ = kit_error
        content = self._request_body(
            messages, system, tools, max_tokens, response_format, json_mode, stream=False
        )

        def attempt(_: int) -> Any:
            __tracebackhide__ = kit_error
            client = self._sync_client()
            try:
                response = client.post(self.url, content=content, headers=self._headers(False))
            except httpx.HTTPError as exc:
                raise error_from_transport(exc, self._what()) from None
            return self._finish(response, messages)

        result: LLMResponse = retry_sync(
            attempt, policy=self.retry_policy, max_retries=max_retries, clock=self.clock
        )
        return result

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        """Natively async :meth:`complete` (no thread): same request, same retries."""
        __tracebackhide__ = kit_error
        content = self._request_body(
            messages, system, tools, max_tokens, response_format, json_mode, stream=False
        )

        async def attempt(_: int) -> Any:
            __tracebackhide__ = kit_error
            async with self._async_client() as client:
                try:
                    response = await client.post(
                        self.url, content=content, headers=self._headers(False)
                    )
                except httpx.HTTPError as exc:
                    raise error_from_transport(exc, self._what()) from None
                return self._finish(response, messages)

        result: LLMResponse = await retry_async(
            attempt, policy=self.retry_policy, max_retries=max_retries, clock=self.clock
        )
        return result

    # ------------------------------------------------------------------ stream

    async def stream(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 4096,
    ) -> AsyncIterator[Any]:
        """Stream events over SSE, natively async.

        Transient failures before the first event are retried under the retry policy's default
        budget; any failure after it (or the last one) ends the stream with exactly one
        ``StreamErrorEvent`` whose ``recoverable`` is the error's ``retryable``. Leaving early
        (``aclose()``, or cancelling the task) closes the HTTP response.
        """
        __tracebackhide__ = kit_error
        content = self._request_body(messages, system, tools, max_tokens, None, False, stream=True)
        events = stream_events(self, content, messages, self.types)
        async with contextlib.aclosing(events):
            async for event in events:
                yield event

    def iter_stream(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 4096,
    ) -> Iterator[Any]:
        """A synchronous stream (kit addition): the same events as :meth:`stream`, on the sync
        client, for code without an event loop. Retries and errors behave the same."""
        content = self._request_body(messages, system, tools, max_tokens, None, False, stream=True)
        events = iter_events(self, content, messages, self.types)
        with contextlib.closing(events):
            yield from events
