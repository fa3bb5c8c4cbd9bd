"""Helpers the property checks share: running coroutines, reading responses, events and errors.

Everything reads duck-typed values (``getattr``), so a provider returning the user's own
``LLMResponse`` and event classes (bring-your-own types) is checked the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from llm_fakes.errors import ContractViolation
from llm_fakes.raw_tool_calls import read_tool_calls
from llm_fakes.scripted.turns import Reply

if TYPE_CHECKING:
    from llm_fakes.contract.backend import ConformanceBackend
    from llm_fakes.contract.cases import Case
    from llm_fakes.contract.factory import ProviderFactory

T = TypeVar("T")

TERMINAL = ("finish", "error")
_EVENT_TYPES = {
    "TextDeltaEvent": "text_delta",
    "TextEndEvent": "text_end",
    "ToolCallEvent": "tool_call",
    "ToolResultEvent": "tool_result",
    "ReasoningStartEvent": "reasoning_start",
    "ReasoningDeltaEvent": "reasoning_delta",
    "FinishEvent": "finish",
    "StreamErrorEvent": "error",
}


@dataclass
class Context:
    """What a check gets: the provider, its backend, the example and the factory."""

    provider: Any
    backend: ConformanceBackend
    case: Case
    factory: ProviderFactory

    @property
    def request(self) -> dict[str, Any]:
        """The example's request as keyword arguments."""
        return self.case.request.kwargs()

    def reply(self, index: int) -> Reply:
        """The scripted reply at ``index`` (the check built the script, so it is one)."""
        turn = self.case.script[index]
        if not isinstance(turn, Reply):
            raise TypeError(f"script[{index}] is {turn!r}, not a Reply")
        return turn


class Deviation(ContractViolation):
    """A check's failure, with what tells it apart and what caused it.

    Attributes:
        key: Which distinct way the property failed (the runner reports each key's own minimal
            counter-example); ``""``: told apart by where the check raised it.
        cause: The underlying deviation in a few words, when the check can name it; failures of
            different properties with the same cause are linked in the report.
    """

    def __init__(self, message: str, *, key: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.cause = cause


class AskedInPrompt(Exception):
    """Raised by a JSON-mode check when the provider asked for JSON only in the prompt: the
    property gets the verdict "prompt only" with ``reason`` (unless an example fails)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: How long a value from the provider may be in a message before it is cut.
VALUE_WIDTH = 300


def fail(message: str, *, key: str = "", cause: str = "") -> Deviation:
    """The error a check raises (``raise fail(...)``); see :class:`Deviation`."""
    return Deviation(message, key=key, cause=cause)


def short(value: Any, width: int = VALUE_WIDTH) -> str:
    """``repr(value)``, cut to ``width`` characters (a provider's response repr can be 1.5 KB).

    Example:
        >>> short("x" * 1000, 24)
        "'xxxxxxxxxxx… (+990 ch)"
    """
    from llm_fakes.contract._capture import shorten

    return shorten(repr(value), width)


def run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a private event loop (no asyncio plugin or mode needed)."""
    return asyncio.run(factory())


def kind(event: Any) -> str:
    """An event's ``type`` literal (from its class name when it has no ``type``)."""
    value = getattr(event, "type", None)
    if isinstance(value, str):
        return value
    return _EVENT_TYPES.get(type(event).__name__, type(event).__name__)


async def collect(stream: Any, limit: int = 10_000) -> list[Any]:
    """Every event of a stream (stopping, as a failure, after ``limit`` events)."""
    events: list[Any] = []
    async for event in stream:
        events.append(event)
        if len(events) >= limit:
            raise fail(f"stream() yielded more than {limit} events without ending")
    return events


def stream_events(ctx: Context) -> list[Any]:
    """The events of ``stream`` for the example's request, in one private loop."""
    return run(lambda: collect(ctx.provider.stream(**ctx.request)))


async def events_or_error(ctx: Context, **request: Any) -> tuple[list[Any], BaseException | None]:
    """The events of ``stream`` up to its end, and the exception it raised (or ``None``).

    ``request`` replaces the example's request (C5 passes the caller's own objects)."""
    events: list[Any] = []
    try:
        async for event in ctx.provider.stream(**(request or ctx.request)):
            events.append(event)
            if len(events) > 10_000:
                break
    except Exception as exc:
        return events, exc
    return events, None


def show_events(events: list[Any], limit: int = 12) -> str:
    """Events, one per line, for a failure message."""
    shown = [f"  [{i}] {short(e, 160)}" for i, e in enumerate(events[:limit])]
    if len(events) > limit:
        shown.append(f"  ... {len(events) - limit} more")
    return "\n".join(shown) or "  (no events)"


def tool_uses(response: Any, factory: ProviderFactory | None = None) -> list[tuple[Any, Any, Any]]:
    """``(id, name, input)`` for each tool call of a response: read by the factory's own
    ``read_tool_calls``, else wherever real providers put them (``tool_uses``, or
    ``raw_response`` in any known shape: :func:`~llm_fakes.raw_tool_calls.read_tool_calls`)."""
    custom = getattr(factory, "read_tool_calls", None)
    if custom is None:
        return read_tool_calls(response)
    out = []
    for call in custom(response) or ():
        if isinstance(call, tuple) and len(call) == 3:
            out.append(call)
        elif isinstance(call, dict):
            out.append((call.get("id"), call.get("name"), call.get("input")))
        else:
            out.append((call.id, call.name, call.input))
    return out


def view(response: Any, factory: ProviderFactory | None = None) -> dict[str, Any]:
    """The fields two responses must agree on (C2)."""
    return {
        "content": getattr(response, "content", None),
        "model": getattr(response, "model", None),
        "input_tokens": getattr(response, "input_tokens", None),
        "output_tokens": getattr(response, "output_tokens", None),
        "stop_reason": getattr(response, "stop_reason", None),
        "tool_uses": tool_uses(response, factory),
    }


def expected_uses(reply: Any) -> list[tuple[str, str, Any]]:
    """``(id, name, input)`` of a scripted reply's tool calls (ids are always explicit here)."""
    return [(c.id, c.name, c.input) for c in reply.tool_calls]


def is_int(value: Any) -> bool:
    """A real ``int`` (not a ``bool``) that is >= 0."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def canonical_message(m: dict[str, Any]) -> dict[str, Any]:
    """A message reduced to what the contract says must arrive (extra keys dropped)."""
    content = m.get("content")
    if isinstance(content, list):
        content = "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    out: dict[str, Any] = {"role": m.get("role"), "content": content or ""}
    calls = []
    for call in m.get("tool_calls") or ():
        fn = call.get("function") or {}
        args = fn.get("arguments")
        if isinstance(args, str):
            with contextlib.suppress(ValueError):
                args = json.loads(args) if args else {}
        calls.append({"id": call.get("id"), "name": fn.get("name"), "input": args})
    if calls:
        out["tool_calls"] = calls
    if m.get("role") == "tool":
        out["tool_call_id"] = m.get("tool_call_id")
    return out


def canonical_tools(tools: Any) -> list[dict[str, Any]] | None:
    """Tools reduced to name, description and parameters."""
    if not tools:
        return None
    return [
        {"name": t.name, "description": t.description or "", "parameters": t.parameters or {}}
        for t in tools
    ]


def call_method(ctx: Context, method: str, **extra: Any) -> Any:
    """Call ``complete`` (here) or ``acomplete`` (on a private loop) with the example's request."""
    kwargs = {**ctx.request, **extra}
    if method == "complete":
        return ctx.provider.complete(**kwargs)
    acomplete: Callable[..., Awaitable[Any]] = ctx.provider.acomplete
    return run(lambda: _await(acomplete(**kwargs)))


async def _await(value: Awaitable[T]) -> T:
    return await value


def outcome(fn: Callable[[], T]) -> tuple[T | None, BaseException | None]:
    """``(result, None)`` or ``(None, error)``; never swallows ``KeyboardInterrupt``."""
    try:
        return fn(), None
    except Exception as exc:
        return None, exc


#: Permanent failure kinds, and the class (by name, in the error's MRO) that must surface: the
#: kit's, or the SDK's / litellm's own class of that name.
_PERMANENT: dict[str, str] = {"bad_request": "BadRequestError", "auth": "AuthenticationError"}

#: The classes a mainstream SDK (openai, anthropic) or litellm raises for a transient status,
#: and the kit's own: any of them is a typed error for any transient failure. (An SDK names one
#: status differently from another: litellm's 502 is ``BadGatewayError``, its 504 ``Timeout``;
#: the kit's OpenAI 503 "overloaded" is ``ServerError``.)
TRANSIENT_CLASSES = (
    "RateLimitError",
    "OverloadedError",
    "ServerError",
    "InternalServerError",
    "ServiceUnavailableError",
    "BadGatewayError",
    "GatewayTimeoutError",
    "DeadlineExceededError",
    "RequestTimeoutError",
    "RetryableError",
    "MidStreamFallbackError",
    "APITimeoutError",
    "Timeout",
    "ProviderTimeoutError",
    "TimeoutError",
    "APIConnectionError",
    "EmptyResponseError",
)


def _status(error: BaseException) -> int | None:
    for name in ("status_code", "status"):
        value = getattr(error, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def is_transient_error(error: BaseException) -> bool:
    """Whether ``error`` is one of :data:`TRANSIENT_CLASSES`, or a typed error carrying a
    transient HTTP status (408, 429, 5xx).

    Example:
        >>> from llm_fakes.errors import ServerError
        >>> is_transient_error(ServerError("overloaded", status=503))
        True
    """
    mro = {c.__name__ for c in type(error).__mro__}
    if mro & set(TRANSIENT_CLASSES):
        return True
    status = _status(error)
    return is_typed(error) and status is not None and (status in (408, 429) or status >= 500)


def typed_problem(error: BaseException, fail_kind: str) -> str | None:
    """Why ``error`` is not the typed error for a scripted failure of ``fail_kind``, or None.

    A transient failure may surface as any typed transient class (:func:`is_transient_error`);
    a permanent one as its own class (``BadRequestError`` for 400, ``AuthenticationError`` for
    401).
    """
    name = _PERMANENT.get(fail_kind)
    if name is None:
        if is_typed(error) and is_transient_error(error):
            return None
        wanted = "a typed transient error (" + ", ".join(TRANSIENT_CLASSES[:6]) + ", ...)"
    else:
        if name in {c.__name__ for c in type(error).__mro__}:
            return None
        wanted = f"{name} (llm_fakes.{name}, or the SDK's own class of that name)"
    return (
        f"raised {type(error).__module__}.{type(error).__qualname__}: {error}; expected for a "
        f"scripted {fail_kind!r} failure {wanted}"
    )


#: Client libraries over several APIs whose error classes count as typed, besides each API's
#: official SDK (named in the wire registry): litellm's subclass the openai SDK's.
CLIENT_PACKAGES = ("litellm",)


def is_typed(error: BaseException) -> bool:
    """A kit :class:`~llm_fakes.ProviderError`, or an error class of an official SDK (the wire
    registry's) or of litellm."""
    from llm_fakes.errors import ProviderError
    from llm_fakes.wire.registry import REGISTRY

    packages = (*REGISTRY.sdk_packages(), *CLIENT_PACKAGES)
    return isinstance(error, ProviderError) or any(
        c.__name__.endswith(("Error", "Timeout")) and c.__module__.split(".")[0] in packages
        for c in type(error).__mro__
    )


def raised_cause(error: BaseException) -> str:
    """The cause an untyped exception of the provider's is linked by across properties.

    Example:
        >>> raised_cause(TypeError("stream() got an unexpected keyword argument 'x'"))
        "the provider raises builtins.TypeError: stream() got an unexpected keyword argument 'x'"
    """
    first = (str(error).splitlines() or [""])[0]
    from llm_fakes.contract._capture import shorten

    return shorten(
        f"the provider raises {type(error).__module__}.{type(error).__qualname__}: {first}", 200
    )


def raised_before_output(
    method: str, produced: Any, error: BaseException | None, *, typed_ok: bool = True
) -> Deviation | None:
    """The failure for a call that raised before producing anything, or ``None``.

    No property about a method's output passes on a call that produced nothing (a ``stream()``
    raising ``TypeError`` before its first event would pass "no repeated text" vacuously). A
    typed error (``typed_ok``) is an outcome in its own right where the property allows one.
    """
    if error is None or (method == "stream" and produced):
        return None
    if typed_ok and is_typed(error):
        return None
    return fail(
        f"{method}() raised {type(error).__module__}.{type(error).__qualname__}: {error} before "
        "producing anything, so there is nothing to judge: a call that raises is never a pass "
        "of a property about its output.",
        key=f"raised:{type(error).__qualname__}",
        cause=raised_cause(error),
    )
