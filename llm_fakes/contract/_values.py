"""Value strategies the public ones are built from: texts, identifiers, JSON, JSON schemas.

Each strategy is built once (hypothesis pays to analyse every new strategy object). Import them
from :mod:`llm_fakes.contract.strategies`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import strategies as st

F = TypeVar("F", bound=Callable[..., Any])


def cached(fn: F) -> F:
    """Build each strategy once: hypothesis pays to analyse every new strategy object."""
    return functools.cache(fn)  # type: ignore[return-value]


ints = functools.cache(st.integers)
BOOL = st.booleans()


#: Characters that break naive code: multi-byte UTF-8, a combining mark, a zero-width joiner,
#: emoji, CJK, quotes, backslashes and the line and record separators.
AWKWARD = 'é中😀👩\u200d💻\u0301\u00a0\u2028"\\\n\t ا'

_ANY = st.characters(codec="utf-8", exclude_categories=["Cs"])
_AWKWARD = st.text(st.sampled_from(AWKWARD), max_size=3)


def _weave(parts: tuple[str, str]) -> str:
    text, awkward = parts
    return awkward[:1] + text + awkward[1:]


@cached
def texts(*, min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Unicode text, including empty, whitespace-only and multi-byte text (never surrogates),
    often with some :data:`AWKWARD` characters at its ends.

    (Any character, plus a few awkward ones added: much cheaper to draw than one alphabet
    mixing the two.)

    Example:
        >>> from hypothesis import given
        >>> @given(texts(min_size=1))
        ... def test_text(t):
        ...     assert t != "" and t.encode("utf-8")
        >>> test_text()
    """
    body = st.text(_ANY, min_size=min_size, max_size=max(min_size, max_size - 3))
    return st.tuples(body, _AWKWARD).map(_weave).filter(lambda t: len(t) <= max_size)


_IDENT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


@cached
def tool_names() -> st.SearchStrategy[str]:
    """Tool names both APIs accept: ``[a-zA-Z0-9_-]{1,64}``, starting with a letter."""
    return st.builds(
        lambda head, tail: head + tail,
        st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
        st.text(_IDENT, max_size=12),
    )


@cached
def tool_call_ids() -> st.SearchStrategy[str]:
    """Tool-call ids both APIs accept (``call_`` and ``[a-zA-Z0-9_-]``)."""
    return st.text(_IDENT, min_size=1, max_size=10).map(lambda s: "call_" + s)


@cached
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


@cached
def json_objects(*, depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects (what a JSON-mode reply or a tool input is)."""
    return st.dictionaries(texts(max_size=8), json_values(depth=depth - 1), max_size=4)


@cached
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


@cached
def unique_names(low: int, high: int) -> st.SearchStrategy[list[str]]:
    return st.lists(tool_names(), min_size=low, max_size=high, unique=True)


@cached
@st.composite
def json_schemas_with_instance(
    draw: st.DrawFn, *, instance: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An object JSON schema and one instance that validates against it (``{}`` when
    ``instance=False``)."""
    names = draw(unique_names(0, 4))
    props: dict[str, Any] = {}
    value: dict[str, Any] = {}
    for name in names:
        kind = draw(_SCHEMA_KINDS)
        props[name] = {"type": kind, "description": draw(texts(max_size=10))}
        if instance:
            value[name] = draw(_SCHEMA_TYPES[kind])
    required = [n for n in names if draw(BOOL)]
    schema: dict[str, Any] = {"type": "object", "properties": props, "required": required}
    if draw(BOOL):
        schema["additionalProperties"] = False
    return schema, value
