"""What a script says: replies (:class:`Reply`, :class:`ToolCall`) and failures (:class:`Fail`).

The same turn objects drive the scripted fake, the fake HTTP servers and the conformance suite,
so one scenario comes out identically through every backend. A plain ``str`` in a script means
``Reply(text=...)``.

Example:
    >>> as_turn("hello")
    Reply(text='hello')
    >>> Fail.rate_limit(retry_after=2).error()
    RateLimitError('RateLimitError (HTTP 429): rate limited')
"""

from __future__ import annotations

import json as _json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from llm_fakes.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    EmptyResponseError,
    OverloadedError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ScriptError,
    ServerError,
)
from llm_fakes.scripted.server_tools import ServerToolCall

__all__ = ["Fail", "FailKind", "Reply", "ToolCall", "Turn", "as_turn"]

_UNSET: Any = type("_Unset", (), {"__repr__": lambda self: "<unset>"})()


@dataclass(frozen=True)
class ToolCall:
    """One tool call in a reply; ``id`` is generated deterministically when not given.

    Example:
        >>> ToolCall("search", {"q": "weather"}).input
        {'q': 'weather'}
    """

    name: str
    input: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One scripted reply. Every field is optional.

    Attributes:
        text: The reply text.
        json: A value serialised as the reply text (``json.dumps``, compact, key order kept).
        tool_calls: Tool calls, several meaning parallel calls.
        reasoning: Reasoning ("thinking") text, streamed before the answer.
        stop_reason: Defaults to ``"tool_calls"`` when there are tool calls, else ``"stop"``.
        model: Defaults to the provider's model.
        input_tokens: Defaults to a deterministic estimate: ``ceil(chars / 4)`` of the request.
        output_tokens: Defaults to ``ceil(chars / 4)`` of text, reasoning and tool arguments.
        cached_tokens: Reported on ``FinishEvent.cached_tokens``.
        chunks: Explicit stream chunks; they must join to the text.
        invalid_json: Marks a reply as deliberately not JSON even when JSON mode is asked for
            (to test how an application copes with bad JSON, contract J3); :meth:`near_json`
            builds such replies with one named flaw.
        stop_sequence: The stop sequence the reply ended on (Anthropic's ``stop_sequence``);
            set by the fakes when a request's stop sequence cuts the text.
        cache_creation_tokens: Input tokens written to the prompt cache (Anthropic's
            ``cache_creation_input_tokens``); like ``cached_tokens``, only for a request that
            marked something with ``cache_control``.
        logprobs: ``(token, logprob)`` pairs sent when the request asks for log probabilities
            (default then: one pair per word of the text, logprob 0.0).
        server_tools: Hosted tools the model ran before answering (web search, file search,
            code interpreter, image generation), sent in each API's shape; see
            :mod:`llm_fakes.scripted.server_tools`.
        defies_request: Serve the reply exactly as scripted even where the request makes it
            impossible (a tool it never declared, calls under ``tool_choice="none"``, text past
            ``max_tokens``...), to test how the code copes with a misbehaving model; see
            :mod:`llm_fakes.scripted.honour`.

    Example:
        >>> Reply(json={"a": 1}).content
        '{"a": 1}'
    """

    text: str | None = None
    json: Any = _UNSET
    tool_calls: Sequence[ToolCall] = ()
    reasoning: str | None = None
    stop_reason: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int = 0
    chunks: Sequence[str] | None = None
    invalid_json: bool = False
    stop_sequence: str | None = None
    cache_creation_tokens: int = 0
    logprobs: Sequence[tuple[str, float]] | None = None
    server_tools: Sequence[ServerToolCall] = ()
    defies_request: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "tool_calls", tuple(self.tool_calls))
        object.__setattr__(self, "server_tools", tuple(self.server_tools))
        if self.logprobs is not None:
            pairs = tuple((str(t), float(p)) for t, p in self.logprobs)
            object.__setattr__(self, "logprobs", pairs)
        for hosted in self.server_tools:
            if not isinstance(hosted, ServerToolCall):
                raise ScriptError(
                    f"Reply.server_tools takes ServerToolCall objects, got {hosted!r}. "
                    "Write ServerToolCall(kind, input, result) for each hosted tool run."
                )
        if self.text is not None and self.json is not _UNSET:
            raise ScriptError(
                f"Reply takes text= or json=, not both: {self!r}. Keep one of them "
                "(json= for a value to serialise, text= for the exact text)."
            )
        for call in self.tool_calls:
            if not isinstance(call, ToolCall):
                raise ScriptError(
                    f"Reply.tool_calls takes ToolCall objects, got {call!r}. "
                    "Write ToolCall(name, input) for each call."
                )
        if self.chunks is not None:
            object.__setattr__(self, "chunks", tuple(self.chunks))
            if "".join(self.chunks) != self.content:
                raise ScriptError(
                    f"Reply.chunks {list(self.chunks)!r} do not join to its text "
                    f"{self.content!r}. Give chunks that concatenate to exactly the text."
                )

    @property
    def content(self) -> str:
        """The reply text as the caller will see it."""
        if self.json is _UNSET:
            return self.text or ""
        # Serialised once per turn (a cycled or rule turn is replayed); kept out of the fields.
        cached: str | None = self.__dict__.get("_json_text")
        if cached is None:
            cached = self.__dict__["_json_text"] = _json.dumps(self.json, ensure_ascii=False)
        return cached

    @property
    def is_json(self) -> bool:
        """Whether the reply was given as ``json=``."""
        return self.json is not _UNSET

    @classmethod
    def near_json(
        cls,
        value: Any,
        flaw: str,
        *,
        schema: dict[str, Any] | type | None = None,
        variant: int = 0,
    ) -> Reply:
        """A reply whose text is ``value`` as JSON with one flaw, marked ``invalid_json=True``.

        The flaws are :data:`llm_fakes.JSON_FLAWS`; :mod:`llm_fakes.scripted.flaws` says what
        each does. ``truncated`` also sets ``stop_reason="length"``. ``missing_field``,
        ``wrong_type`` and ``extra_field`` flaw a field the ``schema`` cares about (a required
        field; a field whose type it fixes; an extra field, when it says
        ``additionalProperties: false``), or without ``schema`` any field of ``value``. A flaw
        with several variants (which fence, where to cut, which field) takes ``variant``.
        ``schema`` is a JSON schema or a pydantic model class (its ``model_json_schema()``).

        Raises:
            ScriptError: The flaw is unknown or does not apply to ``value`` (the message lists
                the ones that do), or ``value`` does not validate against ``schema``.

        Example:
            >>> Reply.near_json({"city": "Paris"}, "prose_before").text
            'Here is the JSON you asked for:\\n{"city": "Paris"}'
            >>> Reply.near_json({"city": "Paris"}, "truncated")
            Reply(text='{"city": ', stop_reason='length', invalid_json=True)
        """
        from llm_fakes.scripted.flaws import flawed_json

        if isinstance(schema, type) and hasattr(schema, "model_json_schema"):
            schema = schema.model_json_schema()
        if schema is not None and not isinstance(schema, dict):
            raise ScriptError(
                f"Reply.near_json: schema must be a JSON schema (a dict) or a pydantic model "
                f"class, got {schema!r}. Pass Model.model_json_schema() or the class itself."
            )
        text, stop = flawed_json(value, flaw, schema=schema, variant=variant)
        return cls(text=text, stop_reason=stop, invalid_json=True)

    def __repr__(self) -> str:
        shown = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if getattr(self, f.name) != f.default and getattr(self, f.name) is not _UNSET
        ]
        return f"Reply({', '.join(shown)})"


FailKind = Literal[
    "rate_limit",
    "overloaded",
    "server_error",
    "empty",
    "timeout",
    "connection",
    "bad_request",
    "auth",
    "mid_stream",
]


@dataclass(frozen=True, kw_only=True)
class Fail:
    """A scripted failure, as a real backend produces it. Build one with the class methods.

    A ``mid_stream`` failure streams the first ``after_chunk`` chunks of ``reply`` and then fails;
    through ``complete`` it fails the whole call.

    Example:
        >>> Fail.server_error(503).error().status
        503
        >>> Fail.bad_request("no such model").error().retryable
        False
        >>> Fail.mid_stream("Hello world", after_chunk=1, recoverable=False)
        Fail.mid_stream(Reply(text='Hello world'), after_chunk=1, recoverable=False)
    """

    kind: FailKind
    message: str = ""
    status: int | None = None
    retry_after: float | None = None
    after_chunk: int = 0
    recoverable: bool = True
    reply: Reply | None = None

    @classmethod
    def rate_limit(cls, retry_after: float | None = None, message: str = "rate limited") -> Fail:
        """HTTP 429, optionally with ``Retry-After`` seconds (a finite number >= 0)."""
        if retry_after is not None and (
            isinstance(retry_after, bool)
            or not isinstance(retry_after, int | float)
            or not math.isfinite(retry_after)
            or retry_after < 0
        ):
            raise ScriptError(
                f"Fail.rate_limit: retry_after must be a finite number of seconds >= 0, got "
                f"{retry_after!r}. Give the wait the server asks for, e.g. retry_after=2."
            )
        return cls(kind="rate_limit", message=message, status=429, retry_after=retry_after)

    @classmethod
    def overloaded(cls, message: str = "overloaded") -> Fail:
        """HTTP 529, Anthropic's "overloaded_error"."""
        return cls(kind="overloaded", message=message, status=529)

    @classmethod
    def server_error(cls, status: int = 500, message: str = "internal server error") -> Fail:
        """HTTP 500/502/503/504."""
        if status not in (500, 502, 503, 504):
            raise ScriptError(
                f"Fail.server_error takes 500, 502, 503 or 504, got {status!r}. "
                "Use one of those (for a 4xx, use Fail.bad_request() or Fail.auth())."
            )
        return cls(kind="server_error", message=message, status=status)

    @classmethod
    def empty(cls) -> Fail:
        """A 200 response with neither text nor tool calls (retried like a rate limit)."""
        return cls(kind="empty", message="empty response: no text and no tool calls")

    @classmethod
    def timeout(cls, message: str = "request timed out") -> Fail:
        """The request times out."""
        return cls(kind="timeout", message=message)

    @classmethod
    def connection(cls, message: str = "connection reset") -> Fail:
        """The connection fails before any response."""
        return cls(kind="connection", message=message)

    @classmethod
    def bad_request(cls, message: str = "bad request") -> Fail:
        """HTTP 400, never retried."""
        return cls(kind="bad_request", message=message, status=400)

    @classmethod
    def auth(cls, message: str = "invalid api key") -> Fail:
        """HTTP 401, never retried."""
        return cls(kind="auth", message=message, status=401)

    @classmethod
    def mid_stream(
        cls,
        reply: Reply | str,
        after_chunk: int,
        *,
        recoverable: bool = True,
        message: str = "connection lost mid-stream",
    ) -> Fail:
        """Stream the first ``after_chunk`` chunks of ``reply``, then fail."""
        if after_chunk < 0:
            raise ScriptError(
                f"Fail.mid_stream: after_chunk must be >= 0, got {after_chunk!r}. "
                "Give the number of chunks to stream before the failure."
            )
        return cls(
            kind="mid_stream",
            message=message,
            after_chunk=after_chunk,
            recoverable=recoverable,
            reply=as_reply(reply),
        )

    def __repr__(self) -> str:
        args: list[str] = []
        if self.kind == "mid_stream":
            args += [repr(self.reply), f"after_chunk={self.after_chunk!r}"]
            if not self.recoverable:
                args.append("recoverable=False")
        elif self.kind == "server_error" and self.status != 500:
            args.append(repr(self.status))
        elif self.kind == "rate_limit" and self.retry_after is not None:
            args.append(f"retry_after={self.retry_after!r}")
        default = _DEFAULT_MESSAGES.get(self.kind)
        if default is not None and self.message != default:
            args.append(f"message={self.message!r}")
        return f"Fail.{self.kind}({', '.join(args)})"

    @property
    def retryable(self) -> bool:
        """Whether the retry policy treats this failure as transient."""
        if self.kind == "mid_stream":
            return self.recoverable
        return self.kind not in ("bad_request", "auth")

    def error(self) -> ProviderError:
        """The typed error a real backend raises for this failure."""
        if self.kind == "rate_limit":
            return RateLimitError(self.message, retry_after=self.retry_after)
        if self.kind == "overloaded":
            return OverloadedError(self.message)
        if self.kind == "server_error":
            return ServerError(self.message, status=self.status)
        if self.kind == "empty":
            return EmptyResponseError(self.message)
        if self.kind == "timeout":
            return ProviderTimeoutError(self.message)
        if self.kind == "connection":
            return APIConnectionError(self.message)
        if self.kind == "bad_request":
            return BadRequestError(self.message)
        if self.kind == "auth":
            return AuthenticationError(self.message)
        return APIConnectionError(self.message, retryable=self.recoverable)


_DEFAULT_MESSAGES: dict[str, str] = {
    "rate_limit": "rate limited",
    "overloaded": "overloaded",
    "server_error": "internal server error",
    "empty": "empty response: no text and no tool calls",
    "timeout": "request timed out",
    "connection": "connection reset",
    "bad_request": "bad request",
    "auth": "invalid api key",
    "mid_stream": "connection lost mid-stream",
}

Turn = Reply | Fail


def as_reply(value: Reply | str) -> Reply:
    """A ``str`` becomes ``Reply(text=...)``; a ``Reply`` passes through."""
    if isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return Reply(text=value)
    raise ScriptError(f"Expected a Reply or a str, got {value!r}. Write Reply(text=...).")


def as_turn(value: Reply | Fail | str) -> Turn:
    """Normalise one script entry: ``str`` -> ``Reply(text=...)``.

    Example:
        >>> as_turn(Fail.empty()).kind
        'empty'
    """
    if isinstance(value, Reply | Fail):
        return value
    if isinstance(value, str):
        return Reply(text=value)
    raise ScriptError(
        f"A script entry must be a str, Reply or Fail, got {value!r}. "
        "Wrap text in Reply(text=...) and failures in Fail.<kind>()."
    )
