"""Hypothesis strategies for the conformance suite, public so your own tests can use them.

Everything here generates the seed's shapes: OpenAI-style message dicts, :class:`~llm_fakes.Tool`
objects, script turns (:class:`~llm_fakes.Reply`, :class:`~llm_fakes.Fail`), and the requests the
suite sends. Texts cover the awkward cases on purpose: empty strings, multi-byte characters
(accents, CJK, emoji with joiners, combining marks), control characters and whitespace-only text.

Example:
    >>> from hypothesis import given
    >>> @given(message_histories())
    ... def test_history_is_well_formed(history):
    ...     assert history[0]["role"] == "user"
    >>> test_history_is_well_formed()
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from llm_fakes.contract.cases import CallRequest
from llm_fakes.scripted.turns import Fail, Reply, ToolCall
from llm_fakes.types import Tool

__all__ = [
    "byte_splits",
    "call_requests",
    "failure_sequences",
    "json_objects",
    "json_values",
    "message_histories",
    "permanent_failures",
    "replies",
    "retry_after_values",
    "text_chunkings",
    "texts",
    "tool_call_ids",
    "tool_inputs",
    "tool_names",
    "tools",
    "transient_failures",
]

F = TypeVar("F", bound=Callable[..., Any])


def _cached(fn: F) -> F:
    """Build each strategy once: hypothesis pays to analyse every new strategy object."""
    return functools.cache(fn)  # type: ignore[return-value]


_ints = functools.cache(st.integers)
_BOOL = st.booleans()


#: Characters that break naive code: multi-byte UTF-8, a combining mark, a zero-width joiner,
#: emoji, CJK, quotes, backslashes and the line and record separators.
AWKWARD = 'é中😀👩\u200d💻\u0301\u00a0\u2028"\\\n\t ا'

_chars = st.one_of(
    st.characters(codec="utf-8", exclude_categories=["Cs"]),
    st.sampled_from(AWKWARD),
)


@_cached
def texts(*, min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Unicode text, including empty, whitespace-only and multi-byte text (never surrogates).

    Example:
        >>> from hypothesis import given
        >>> @given(texts(min_size=1))
        ... def test_text(t):
        ...     assert t != "" and t.encode("utf-8")
        >>> test_text()
    """
    return st.text(_chars, min_size=min_size, max_size=max_size)


_IDENT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


@_cached
def tool_names() -> st.SearchStrategy[str]:
    """Tool names both APIs accept: ``[a-zA-Z0-9_-]{1,64}``, starting with a letter."""
    return st.builds(
        lambda head, tail: head + tail,
        st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
        st.text(_IDENT, max_size=12),
    )


@_cached
def tool_call_ids() -> st.SearchStrategy[str]:
    """Tool-call ids both APIs accept (``call_`` and ``[a-zA-Z0-9_-]``)."""
    return st.text(_IDENT, min_size=1, max_size=10).map(lambda s: "call_" + s)


@_cached
def json_values(*, depth: int = 2) -> st.SearchStrategy[Any]:
    """JSON values: null, booleans, ints, finite floats, unicode strings, and lists and objects
    of them nested ``depth`` levels deep.

    (Nesting is spelled out level by level: much cheaper to draw than ``st.recursive``.)
    """
    value: st.SearchStrategy[Any] = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**53), max_value=2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(max_size=12),
    )
    for _ in range(depth):
        value = st.one_of(
            value,
            st.lists(value, max_size=3),
            st.dictionaries(texts(max_size=8), value, max_size=3),
        )
    return value


@_cached
def json_objects(*, depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects (what a JSON-mode reply or a tool input is)."""
    return st.dictionaries(texts(max_size=8), json_values(depth=depth - 1), max_size=4)


@_cached
def tool_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Tool-call arguments: nested JSON objects with unicode keys and values."""
    return json_objects(depth=2)


_SCHEMA_TYPES = {
    "string": texts(max_size=8),
    "integer": st.integers(-1000, 1000),
    "number": st.floats(-1e6, 1e6, allow_nan=False),
    "boolean": st.booleans(),
    "null": st.none(),
}
_SCHEMA_KINDS = st.sampled_from(sorted(_SCHEMA_TYPES))


@_cached
def _unique_names(low: int, high: int) -> st.SearchStrategy[list[str]]:
    return st.lists(tool_names(), min_size=low, max_size=high, unique=True)


@_cached
@st.composite
def json_schemas_with_instance(
    draw: st.DrawFn, *, instance: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An object JSON schema and one instance that validates against it (``{}`` when
    ``instance=False``)."""
    names = draw(_unique_names(0, 4))
    props: dict[str, Any] = {}
    value: dict[str, Any] = {}
    for name in names:
        kind = draw(_SCHEMA_KINDS)
        props[name] = {"type": kind, "description": draw(texts(max_size=10))}
        if instance:
            value[name] = draw(_SCHEMA_TYPES[kind])
    required = [n for n in names if draw(_BOOL)]
    schema: dict[str, Any] = {"type": "object", "properties": props, "required": required}
    if draw(_BOOL):
        schema["additionalProperties"] = False
    return schema, value


@_cached
@st.composite
def tools(draw: st.DrawFn, *, max_size: int = 3) -> list[Tool]:
    """Distinct tools, each with a description and an object JSON schema for its parameters."""
    names = draw(_unique_names(1, max_size))
    return [
        Tool(
            name=name,
            description=draw(texts(max_size=30)),
            parameters=draw(json_schemas_with_instance(instance=False))[0],
        )
        for name in names
    ]


@_cached
@st.composite
def _tool_exchange(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An assistant message with 1-3 tool calls, then one ``tool`` message per call."""
    calls = []
    for _ in range(draw(_ints(1, 3))):
        args = json.dumps(draw(tool_inputs()), ensure_ascii=draw(_BOOL))
        calls.append(
            {
                "id": draw(tool_call_ids()),
                "type": "function",
                "function": {"name": draw(tool_names()), "arguments": args},
            }
        )
    out: list[dict[str, Any]] = [
        {"role": "assistant", "content": draw(texts(max_size=20)), "tool_calls": calls}
    ]
    for call in calls:
        content = draw(texts(max_size=20))
        if draw(_BOOL):
            content = "ERROR: " + content
        out.append({"role": "tool", "tool_call_id": call["id"], "content": content})
    return out


def _unique_ids(exchange: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    """The exchange with ids made unique in the history (suffixed ``_<n>``)."""
    calls = exchange[0]["tool_calls"]
    renamed = {c["id"] + str(i): f"{c['id']}_{start + i}" for i, c in enumerate(calls)}
    head = {
        **exchange[0],
        "tool_calls": [{**c, "id": renamed[c["id"] + str(i)]} for i, c in enumerate(calls)],
    }
    results = [
        {**m, "tool_call_id": renamed[m["tool_call_id"] + str(i)]}
        for i, m in enumerate(exchange[1:])
    ]
    return [head, *results]


def _with_extra_keys(draw: st.DrawFn, message: dict[str, Any]) -> dict[str, Any]:
    if draw(_ints(0, 3)) == 0:
        return {**message, "cache_control": {"type": "ephemeral"}}
    return message


@_cached
@st.composite
def message_histories(
    draw: st.DrawFn, *, tool_calls: bool = True, extra_keys: bool = True, max_turns: int = 4
) -> list[dict[str, Any]]:
    """Well-formed OpenAI-style histories that end with a message the model must answer.

    A history opens with a user message, alternates user and assistant turns, and may carry
    assistant tool calls each answered by a ``tool`` message (``"ERROR: "`` prefixed on
    failure), unicode and empty strings, and extra keys such as ``cache_control``.

    Example:
        >>> from hypothesis import given
        >>> @given(message_histories(tool_calls=False))
        ... def test_roles(history):
        ...     assert {m["role"] for m in history} <= {"user", "assistant"}
        >>> test_roles()
    """
    n_calls = 0
    history: list[dict[str, Any]] = [{"role": "user", "content": draw(texts())}]
    for _ in range(draw(_ints(0, max_turns))):
        if tool_calls and draw(_BOOL):
            exchange = _unique_ids(draw(_tool_exchange()), n_calls)
            n_calls += len(exchange) - 1
            history.extend(exchange)
            if draw(_BOOL):
                history.append({"role": "user", "content": draw(texts())})
        else:
            history.append({"role": "assistant", "content": draw(texts())})
            history.append({"role": "user", "content": draw(texts())})
    if extra_keys:
        history = [_with_extra_keys(draw, m) for m in history]
    return history


_PLAIN_TOOLS = [
    [
        Tool(
            "search", "Search the web.", {"type": "object", "properties": {"q": {"type": "string"}}}
        )
    ],
    [
        Tool("get_weather", "Weather by city.", {"type": "object", "properties": {}}),
        Tool(
            "add",
            "Add two numbers.",
            {
                "type": "object",
                "required": ["a", "b"],
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            },
        ),
    ],
]


@_cached
def call_requests(*, tool_calls: bool = True, rich: bool = True) -> st.SearchStrategy[CallRequest]:
    """Requests: a history, a system prompt, tools (or ``None``) and ``max_tokens``.

    ``rich=False`` keeps the history short and plain (one or two user turns), for properties
    about something other than the request itself.
    """
    if rich:
        history = message_histories(tool_calls=tool_calls)
        system = texts()
    else:
        history = st.lists(
            texts(max_size=12).map(lambda t: {"role": "user", "content": t}),
            min_size=1,
            max_size=2,
        )
        system = st.sampled_from(["", "Be brief."])
    offered: st.SearchStrategy[list[Tool] | None] = st.none()
    if tool_calls:
        offered = st.none() | (tools() if rich else st.sampled_from(_PLAIN_TOOLS))
    return st.builds(
        CallRequest,
        messages=history,
        system=system,
        tools=offered,
        max_tokens=st.integers(1, 8192) if rich else st.sampled_from([256, 1024]),
    )


_CUTS = st.lists(st.integers(0, 64), max_size=6)


@st.composite
def text_chunkings(draw: st.DrawFn, text: str) -> list[str]:
    """Chunks that join to ``text``, including empty chunks and one-character chunks.

    Example:
        >>> from hypothesis import given
        >>> @given(text_chunkings("héllo wörld"))
        ... def test_chunks(chunks):
        ...     assert "".join(chunks) == "héllo wörld"
        >>> test_chunks()
    """
    cuts = [c * len(text) // 64 for c in draw(_CUTS)]
    bounds = [0, *sorted(cuts), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@_cached
def byte_splits() -> st.SearchStrategy[tuple[int, ...]]:
    """Sizes to re-split a wire byte stream into (cycled; 0 means an empty chunk).

    Small sizes cut inside multi-byte UTF-8 characters, SSE lines and tool-argument JSON.
    """
    return st.lists(st.integers(0, 17), min_size=1, max_size=5).map(
        lambda sizes: (*sizes, 1) if not any(sizes) else tuple(sizes)
    )


@_cached
@st.composite
def replies(
    draw: st.DrawFn,
    *,
    tool_calls: bool = True,
    reasoning: bool = True,
    json: bool = True,
    chunked: bool = True,
    require_tool_calls: bool = False,
) -> Reply:
    """Scripted replies: text, JSON, tool calls (with explicit ids), reasoning, token usage.

    A reply always has text or tool calls (a reply with neither is an *empty response*, which
    SPEC treats as a transient failure: see :func:`transient_failures`);
    ``require_tool_calls=True`` always gives it one to three tool calls.

    Example:
        >>> from hypothesis import given
        >>> @given(replies(tool_calls=False))
        ... def test_reply(reply):
        ...     assert reply.content != "" and not reply.tool_calls
        >>> test_reply()
    """
    calls: list[ToolCall] = []
    if require_tool_calls or (tool_calls and draw(_BOOL)):
        calls = [
            ToolCall(draw(tool_names()), draw(tool_inputs()), id=f"{draw(tool_call_ids())}_{i}")
            for i in range(draw(_ints(1, 3)))
        ]
    value: Any = None
    is_json = json and draw(_ints(0, 3)) == 0
    if is_json:
        value = draw(json_objects())
    text = "" if is_json else draw(texts(min_size=0 if calls else 1, max_size=60))
    kwargs: dict[str, Any] = {}
    if reasoning and draw(_ints(0, 3)) == 0:
        kwargs["reasoning"] = draw(texts(min_size=1, max_size=30))
    if draw(_BOOL):
        kwargs["input_tokens"] = draw(_ints(0, 5000))
        kwargs["output_tokens"] = draw(_ints(0, 5000))
    content = Reply(json=value).content if is_json else text
    if chunked and content and draw(_BOOL):
        kwargs["chunks"] = draw(text_chunkings(content))
    if is_json:
        return Reply(json=value, tool_calls=calls, **kwargs)
    return Reply(text=text, tool_calls=calls, **kwargs)


@_cached
def retry_after_values() -> st.SearchStrategy[float | None]:
    """``Retry-After`` seconds: absent, or whole seconds from 1 to 300 (beyond common caps)."""
    return st.none() | st.integers(1, 300).map(float)


def transient_failures(*, kinds: Sequence[str] | None = None) -> st.SearchStrategy[Fail]:
    """Transient failures: 429 (with or without ``Retry-After``), 529, 500/502/503/504,
    timeout, connection error, empty response; or only those of the given ``kinds``."""
    return _transient(tuple(kinds) if kinds is not None else None)


@_cached
def _transient(kinds: tuple[str, ...] | None) -> st.SearchStrategy[Fail]:
    builders: dict[str, st.SearchStrategy[Fail]] = {
        "rate_limit": st.builds(Fail.rate_limit, retry_after=retry_after_values()),
        "overloaded": st.just(Fail.overloaded()),
        "server_error": st.sampled_from([500, 502, 503, 504]).map(Fail.server_error),
        "timeout": st.just(Fail.timeout()),
        "connection": st.just(Fail.connection()),
        "empty": st.just(Fail.empty()),
    }
    chosen = list(kinds) if kinds is not None else list(builders)
    return st.one_of(*(builders[k] for k in chosen))


@_cached
def permanent_failures() -> st.SearchStrategy[Fail]:
    """Permanent failures: 400 bad request, 401 authentication."""
    return st.sampled_from([Fail.bad_request(), Fail.auth()])


@_cached
def _fail_lists(most: int) -> st.SearchStrategy[list[Fail]]:
    return st.lists(transient_failures(), max_size=most)


@_cached
@st.composite
def failure_sequences(
    draw: st.DrawFn, *, max_failures: int = 4, permanent: bool = True
) -> list[Fail | Reply]:
    """``k`` transient failures, then a success or (when ``permanent``) a permanent error.

    Example:
        >>> from hypothesis import given
        >>> @given(failure_sequences())
        ... def test_sequence(seq):
        ...     assert all(isinstance(t, Fail) and t.retryable for t in seq[:-1])
        >>> test_sequence()
    """
    fails = draw(_fail_lists(max_failures))
    end: Fail | Reply
    if permanent and draw(_BOOL):
        end = draw(permanent_failures())
    else:
        end = draw(replies(tool_calls=False, reasoning=False, chunked=False))
    return [*fails, end]
