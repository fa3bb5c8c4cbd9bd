"""The small base classes one API's wire knowledge is written on.

One API is one subclass of :class:`WireAPI`: class attributes say what it *is* (its key, the
paths it serves, its auth and secret-bearing names, SDK user agents, usage fields), methods say
how to *read and write* it (a request into the kit's :class:`RequestView`, a response and a stream
into the kit's types, an error body into a typed error and back). Everything that speaks HTTP
(fakes, providers, cassettes, redaction, the conformance suite, ``serve``, the guard, CLI help)
asks the registry (:mod:`llm_fakes.wire.registry`) for the entry instead of naming the API.

Nothing here imports httpx or the kit's feature packages at import time: the heavy parts are
imported inside the methods that use them, and the provider and fake classes are named by dotted
path (loaded on demand with :meth:`WireAPI.provider_class` / :meth:`WireAPI.fake_class`).

Example:
    >>> class Echo(WireAPI):
    ...     key = "echo"
    ...     title = "Echo API"
    ...     path_suffixes = ("/echo",)
    >>> Echo().matches("/v1/echo?x=1"), Echo().matches("/v1/other")
    (True, False)
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypedDict

if TYPE_CHECKING:
    from llm_fakes.errors import ProviderError
    from llm_fakes.typeset import TypeSet
    from llm_fakes.wire.terms import RequestTerms

__all__ = ["Auth", "RequestView", "WireAPI", "json_format_of", "load", "schema_of"]

#: The error kinds a fake renders (:meth:`WireAPI.error_body`), whatever the API calls them.
ERROR_KINDS = (
    "invalid_request",
    "auth",
    "rate_limit",
    "server",
    "not_found",
    "timeout",
    "overloaded",
)


JsonFormat = Literal["json_object", "json_schema"]


def json_format_of(json_mode: bool, response_format: Any) -> JsonFormat | None:
    """``"json_schema"``, ``"json_object"`` or ``None``: the JSON mode a request asks for."""
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema":
        return "json_schema"
    if json_mode or kind == "json_object":
        return "json_object"
    return None


def schema_of(response_format: Any) -> dict[str, Any] | None:
    """The JSON schema inside a ``json_schema`` response format (OpenAI's nesting or flat)."""
    if not isinstance(response_format, dict):
        return None
    inner = response_format.get("json_schema")
    if isinstance(inner, dict) and isinstance(inner.get("schema"), dict):
        schema: dict[str, Any] = inner["schema"]
        return schema
    flat = response_format.get("schema")
    return flat if isinstance(flat, dict) else None


class RequestView(TypedDict):
    """A wire request read back in the kit's (the seed's) terms: OpenAI-style ``messages``
    without the system prompt, ``tools`` as ``{"name", "description", "parameters"}``,
    ``response_format`` in OpenAI's shape whatever the API, and the JSON ``schema`` if any."""

    model: str
    messages: list[dict[str, Any]]
    system: str
    tools: list[dict[str, Any]]
    max_tokens: int | None
    stream: bool
    json_mode: bool
    response_format: dict[str, Any] | None
    schema: dict[str, Any] | None


@dataclass(frozen=True)
class Auth:
    """How a client authenticates: one header (with an optional scheme prefix) and/or one
    query parameter (Gemini's ``?key=``).

    Example:
        >>> Auth("authorization", scheme="Bearer ").headers("sk-1")
        {'authorization': 'Bearer sk-1'}
    """

    header: str
    scheme: str = ""
    query: str | None = None

    def headers(self, api_key: str) -> dict[str, str]:
        """The request headers carrying ``api_key``."""
        return {self.header: f"{self.scheme}{api_key}"}


def load(dotted: str) -> Any:
    """The object at ``"package.module.Name"`` (imported on first use).

    Example:
        >>> load("llm_fakes.wire.base.Auth") is Auth
        True
    """
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


class WireAPI:
    """One API's wire format. Subclass it, fill in the class attributes, override what differs.

    Class attributes:
        key: The one name of this API, used by every CLI flag, option and cassette ``wire:`` field.
        aliases: Older names still accepted where users type them (CLI flags, cassette fields).
        title: The API's name for people (``"OpenAI Chat Completions"``).
        door: The fake server family serving it (APIs one fake serves share a door: ``FakeOpenAI``
            serves both OpenAI APIs), as the conformance backend and ``serve`` name it.
        path_suffixes: URL paths ending with one of these are this API (override
            :meth:`matches` for paths that hold the model, like Gemini's).
        hosts: The real API's host names (the guard names the API of a blocked host).
        auth: How the key is sent.
        secret_headers: Request headers that carry credentials (never logged, never stored).
        secret_query_params: Query parameters that carry credentials.
        account_headers: Response headers naming the account (dropped from recordings).
        user_agents: Regular expressions matching the official SDKs' ``user-agent``.
        sdk_package: The official Python SDK's import name (its typed errors count as typed; its
            version goes in a cassette header).
        usage_fields: The kit's usage names -> the dotted path of the wire field.
        provider: The kit's provider class speaking it (dotted path).
        fake: The fake server class serving it (dotted path).
        base_path: What the SDK's ``base_url`` ends with on a fake (``"/v1"`` for OpenAI).
        required_headers: Headers every request must carry besides the key (Anthropic's
            ``anthropic-version``).
        tool_call_id_prefix: How the API's tool-call ids begin (``"call_"`` for OpenAI,
            ``"toolu_"`` for Anthropic): the fake's generated ids begin the same way.
    """

    key: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    title: ClassVar[str] = ""
    door: ClassVar[str] = ""
    path_suffixes: ClassVar[tuple[str, ...]] = ()
    hosts: ClassVar[tuple[str, ...]] = ()
    auth: ClassVar[Auth] = Auth("authorization", scheme="Bearer ")
    secret_headers: ClassVar[frozenset[str]] = frozenset()
    secret_query_params: ClassVar[frozenset[str]] = frozenset()
    account_headers: ClassVar[frozenset[str]] = frozenset()
    user_agents: ClassVar[tuple[str, ...]] = ()
    sdk_package: ClassVar[str] = ""
    usage_fields: ClassVar[Mapping[str, str]] = {}
    provider: ClassVar[str] = ""
    fake: ClassVar[str] = ""
    base_path: ClassVar[str] = ""
    required_headers: ClassVar[Mapping[str, str]] = MappingProxyType({})
    tool_call_id_prefix: ClassVar[str] = "call_"

    # ------------------------------------------------------------------ what it is

    @property
    def names(self) -> tuple[str, ...]:
        """The key, then the aliases."""
        return (self.key, *self.aliases)

    @property
    def provider_name(self) -> str:
        """The provider's class name (what the conformance report lists)."""
        return self.provider.rpartition(".")[2]

    def matches(self, path: str) -> bool:
        """Whether a URL path (query allowed) is one of this API's scripted endpoints."""
        clean = path.split("?", 1)[0].rstrip("/")
        return any(clean.endswith(suffix) for suffix in self.path_suffixes)

    def request_path(self, model: str, *, stream: bool = False) -> str:
        """The path (query included) a client sends a request for ``model`` to, below the
        server root (Gemini's holds the model, and ``?alt=sse`` for a stream).

        Example:
            >>> class Echo(WireAPI):
            ...     base_path, path_suffixes = "/v1", ("/echo",)
            >>> Echo().request_path("m")
            '/v1/echo'
        """
        return self.base_path + self.path_suffixes[0]

    def describe_paths(self) -> str:
        """The endpoints it serves, for people (``"POST */chat/completions"``)."""
        return " or ".join(f"POST *{suffix}" for suffix in self.path_suffixes)

    def all_secret_headers(self) -> frozenset[str]:
        """The auth header and every other credential header, lower-cased."""
        return frozenset(h.lower() for h in {self.auth.header, *self.secret_headers})

    def all_secret_query_params(self) -> frozenset[str]:
        """The auth query parameter (if any) and every other credential parameter."""
        extra = {self.auth.query} if self.auth.query else set()
        return frozenset(q.lower() for q in {*extra, *self.secret_query_params})

    def sent_by_sdk(self, user_agent: str) -> bool:
        """Whether a ``user-agent`` is one of this API's official SDKs."""
        return any(re.search(p, user_agent) for p in self.user_agents)

    def provider_class(self) -> Any:
        """The provider class (raises ``ImportError``/``AttributeError`` when it is missing)."""
        return load(self.provider)

    def fake_class(self) -> Any:
        """The fake server class (raises ``ImportError``/``AttributeError`` when missing)."""
        return load(self.fake)

    # ------------------------------------------------------------------ requests

    def is_stream(self, path: str, body: Mapping[str, Any]) -> bool:
        """Whether a request asks for a stream (Gemini says so in the path)."""
        return bool(body.get("stream"))

    def model_of(self, path: str, body: Mapping[str, Any]) -> str:
        """The model a request names (Gemini names it in the path)."""
        model = body.get("model")
        return model if isinstance(model, str) else ""

    def read_request(self, body: dict[str, Any], *, path: str = "") -> RequestView:
        """A wire request body in the kit's terms (the reading the fakes, the conformance suite
        and the cassette importer share).

        Raises:
            KeyError, TypeError, AttributeError: The body is not a request of this API.
        """
        raise NotImplementedError

    def request_terms(self, body: dict[str, Any]) -> RequestTerms:
        """What a request asks of the answer (budget, stop sequences, tools, tool choice,
        thinking, caching), in the same words for every API: the fakes cut and check each
        scripted reply by it (:mod:`llm_fakes.scripted.honour`). The default asks nothing."""
        from llm_fakes.wire.terms import RequestTerms

        return RequestTerms()

    def build_request(self, model: str, messages: Any, **fields: Any) -> dict[str, Any]:
        """The wire body the kit's provider sends for ``(model, messages, system=, tools=,
        max_tokens=, response_format=, json_mode=)``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ responses

    def parse_response(self, data: dict[str, Any], types: TypeSet, model: str) -> Any:
        """A JSON response body as the kit's ``LLMResponse`` (of ``types``)."""
        raise NotImplementedError

    def has_server_output(self, data: dict[str, Any]) -> bool:
        """Whether a response body holds hosted (server-side) tool output (an image generated,
        code run, a search): a complete answer even with no text, never an empty one."""
        return False

    def stream_decoder(self, types: TypeSet, model: str) -> Any:
        """A decoder with ``feed(event, data) -> events``, ``finish() -> events`` and ``done``,
        turning the API's SSE events into the kit's stream events."""
        raise NotImplementedError

    def usage(self, data: Mapping[str, Any]) -> dict[str, int]:
        """The usage counts of a response body, by :attr:`usage_fields` (absent ones left out).

        Example:
            >>> class U(WireAPI):
            ...     usage_fields = {"input_tokens": "usage.in"}
            >>> U().usage({"usage": {"in": 3}})
            {'input_tokens': 3}
        """
        out: dict[str, int] = {}
        for name, dotted in self.usage_fields.items():
            value: Any = data
            for part in dotted.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            if isinstance(value, int) and not isinstance(value, bool):
                out[name] = value
        return out

    # ------------------------------------------------------------------ errors

    def error_details(self, body: bytes) -> tuple[str | None, str | None]:
        """``(message, kind)`` of an error body (``None`` for what it does not hold). The default
        reads ``{"error": {"message", "type", "code"}}`` (OpenAI and Anthropic)."""
        from llm_fakes.wire.errors import error_details

        return error_details(body)

    def retry_after(self, headers: Mapping[str, str], body: bytes) -> float | None:
        """The wait an error response asks for (``retry-after-ms``, ``retry-after``; Gemini
        overrides it to read ``RetryInfo`` in the body)."""
        from llm_fakes.wire.errors import parse_retry_after

        return parse_retry_after(headers)

    def read_error(self, status: int, headers: Mapping[str, str], body: bytes) -> ProviderError:
        """The kit's typed error for an HTTP error response (status, type, retry hint)."""
        from llm_fakes.wire.errors import error_from_status

        message, kind = self.error_details(body)
        wait = self.retry_after(headers, body)
        return error_from_status(status, headers, message, error_type=kind, retry_after=wait)

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        """The API's JSON error body for a failure of ``kind`` (one of :data:`ERROR_KINDS`)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<WireAPI {self.key}>"
