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

import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from llm_fakes.contract._turns import (
    byte_splits,
    failure_sequences,
    permanent_failures,
    replies,
    retry_after_values,
    text_chunkings,
    transient_failures,
)
from llm_fakes.contract._values import (
    AWKWARD,
    BOOL,
    cached,
    ints,
    json_objects,
    json_schemas_with_instance,
    json_values,
    texts,
    tool_call_ids,
    tool_inputs,
    tool_names,
    unique_names,
)
from llm_fakes.contract.cases import CallRequest
from llm_fakes.scripted.flaws import JSON_FLAWS, flaw_variants, flaws_for
from llm_fakes.scripted.turns import Reply
from llm_fakes.types import Tool

__all__ = [
    "AWKWARD",
    "byte_splits",
    "call_requests",
    "failure_sequences",
    "json_objects",
    "json_schemas_with_instance",
    "json_values",
    "message_histories",
    "near_json",
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


@cached
@st.composite
def tools(draw: st.DrawFn, *, max_size: int = 3) -> list[Tool]:
    """Distinct tools, each with a description and an object JSON schema for its parameters."""
    names = draw(unique_names(1, max_size))
    return [
        Tool(
            name=name,
            description=draw(texts(max_size=30)),
            parameters=draw(json_schemas_with_instance(instance=False))[0],
        )
        for name in names
    ]


@cached
@st.composite
def _tool_exchange(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An assistant message with 1-3 tool calls, then one ``tool`` message per call."""
    calls = []
    for _ in range(draw(ints(1, 3))):
        args = json.dumps(draw(tool_inputs()), ensure_ascii=draw(BOOL))
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
        if draw(BOOL):
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
    if draw(ints(0, 3)) == 0:
        return {**message, "cache_control": {"type": "ephemeral"}}
    return message


@cached
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
    for _ in range(draw(ints(0, max_turns))):
        if tool_calls and draw(BOOL):
            exchange = _unique_ids(draw(_tool_exchange()), n_calls)
            n_calls += len(exchange) - 1
            history.extend(exchange)
            if draw(BOOL):
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


@cached
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


def near_json(
    schema_or_value: Any, *, schema: dict[str, Any] | None = None, flaws: Sequence[str] = JSON_FLAWS
) -> st.SearchStrategy[Reply]:
    """Near-valid JSON replies: a value, a flaw and a variant, drawn, made into
    :meth:`Reply.near_json <llm_fakes.Reply.near_json>`, ready to script.

    ``schema_or_value`` is one of: a JSON schema (a dict of schema keywords with ``type``,
    ``properties``, ``$ref``, ``anyOf``, ``oneOf``, ``enum`` or ``const``), whose valid values
    are drawn; a pydantic model class (its ``model_json_schema()``); a strategy of values (give
    ``schema=`` too when they have one); or one value (drawn as is). Only the flaws in ``flaws``
    that apply to the drawn value are drawn (at least one must apply). Shrinks towards the
    simplest case: the simplest value, the first flaw of :data:`~llm_fakes.JSON_FLAWS` that
    applies (``fenced``), variant 0.

    Example:
        >>> from hypothesis import given
        >>> schema = {"type": "object", "properties": {"city": {"type": "string"}},
        ...           "required": ["city"]}
        >>> @given(near_json(schema))
        ... def test_never_valid(reply):
        ...     assert reply.invalid_json
        >>> test_never_valid()
    """
    from llm_fakes.contract._schema_values import is_schema, values_for

    for flaw in flaws:
        flaw_variants({}, flaw)  # an unknown name fails here, listing the flaws
    values: st.SearchStrategy[Any]
    if isinstance(schema_or_value, type) and hasattr(schema_or_value, "model_json_schema"):
        schema = schema_or_value.model_json_schema()
    elif isinstance(schema_or_value, st.SearchStrategy):
        values = schema_or_value
    elif is_schema(schema_or_value):
        schema = schema_or_value
    else:
        values = st.just(schema_or_value)
    if schema is not None and not isinstance(schema_or_value, st.SearchStrategy):
        values = values_for(schema)
    return _near_json(values, schema, tuple(flaws))


@st.composite
def _near_json(
    draw: st.DrawFn,
    values: st.SearchStrategy[Any],
    schema: dict[str, Any] | None,
    flaws: tuple[str, ...],
) -> Reply:
    from hypothesis import assume

    value = draw(values)
    usable = [f for f in flaws_for(value, schema=schema) if f in flaws]
    assume(usable)  # e.g. missing_field drawn for a value with no fields
    flaw = draw(st.sampled_from(usable))
    count = flaw_variants(value, flaw, schema=schema)
    variant = draw(st.integers(0, count - 1))
    return Reply.near_json(value, flaw, schema=schema, variant=variant)
