"""Values valid for a JSON schema, drawn by hypothesis: the subset output schemas use.

Output schemas (a ``json_schema`` response format, pydantic's ``model_json_schema()``,
instructor's ``response_model``) keep to a small part of JSON Schema: ``type`` (one or a list),
``properties`` / ``required`` / ``additionalProperties``, ``items`` with ``minItems`` /
``maxItems`` / ``uniqueItems``, ``enum``, ``const``, ``anyOf`` / ``oneOf``, ``$ref`` into
``$defs``, string ``minLength`` / ``maxLength`` / ``pattern``, and number bounds. Annotations
(``title``, ``description``, ``default``, ``examples``...) are ignored, and so is ``format``
but for ``date-time``, ``date``, ``time`` and ``uuid``, drawn as such. A keyword
outside that subset is a clear :class:`~llm_fakes.errors.UsageError`, never a value that does not
validate. Every strategy shrinks towards the simplest value: optional fields left out, empty
lists, empty strings, 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from llm_fakes.errors import UsageError

__all__ = ["is_schema", "values_for"]

_SUPPORTED = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "$ref",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
}
_IGNORED = {
    "$schema",
    "$id",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "format",
    "readOnly",
    "writeOnly",
    "deprecated",
    "discriminator",
}
_KINDS = {"object", "array", "string", "integer", "number", "boolean", "null"}
_SCHEMA_MARKS = {"type", "properties", "$ref", "anyOf", "oneOf", "enum", "const"}


def is_schema(candidate: Any) -> bool:
    """Whether a dict reads as a JSON schema: only schema keywords, at least one of ``type``,
    ``properties``, ``$ref``, ``anyOf``, ``oneOf``, ``enum`` or ``const``, and a ``type`` (if
    any) that names JSON types.

    Example:
        >>> is_schema({"type": "object", "properties": {}}), is_schema({"city": "Paris"})
        (True, False)
    """
    if not isinstance(candidate, dict) or not candidate.keys() & _SCHEMA_MARKS:
        return False
    if not candidate.keys() <= _SUPPORTED | _IGNORED:
        return False
    kind = candidate.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    return all(isinstance(k, str) and k in _KINDS for k in kinds)


def values_for(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy of values valid for ``schema``.

    Example:
        >>> from hypothesis import given
        >>> @given(values_for({"type": "object", "properties": {"n": {"type": "integer"}},
        ...                    "required": ["n"]}))
        ... def test_n(value):
        ...     assert isinstance(value["n"], int)
        >>> test_n()
    """
    return _strategy(schema, schema, "the root")


def _unsupported(where: str, what: str) -> UsageError:
    return UsageError(
        f"near_json cannot draw values for this schema: {what} at {where}. It draws values for "
        f"the keywords output schemas use ({sorted(_SUPPORTED)!r}). Pass values instead: "
        "near_json(<a strategy of valid values>, schema=...) or near_json(st.just(value))."
    )


def _strategy(s: Any, root: dict[str, Any], where: str) -> st.SearchStrategy[Any]:
    if s is True or s == {}:
        return st.none() | st.booleans() | st.integers(-100, 100) | st.text(max_size=8)
    if not isinstance(s, dict):
        raise _unsupported(where, f"the schema {s!r}")
    unknown = sorted(s.keys() - _SUPPORTED - _IGNORED)
    if unknown:
        raise _unsupported(where, f"the keyword {unknown[0]!r}")
    if "$ref" in s:
        return _strategy(_resolve(s["$ref"], root, where), root, where)
    if "const" in s:
        return st.just(s["const"])
    if "enum" in s:
        return st.sampled_from(s["enum"])
    for key in ("anyOf", "oneOf"):
        if key in s:
            options = [_strategy(o, root, f"{where}/{key}[{i}]") for i, o in enumerate(s[key])]
            return st.one_of(options)
    kind = s.get("type", "object" if "properties" in s else None)
    if isinstance(kind, list):
        return st.one_of([_strategy({**s, "type": k}, root, where) for k in kind])
    if kind == "object":
        return _object(s, root, where)
    if kind == "array":
        items = _strategy(s.get("items", {}), root, f"{where}/items")
        low = int(s.get("minItems", 0))
        high = int(s.get("maxItems", low + 3))
        # By their JSON text: objects and lists are not hashable, and 1 == True in Python only.
        unique = (lambda v: json.dumps(v, sort_keys=True)) if s.get("uniqueItems") else None
        return st.lists(items, min_size=low, max_size=high, unique_by=unique)
    if kind == "string":
        if s.get("format") in _FORMATS:
            return _FORMATS[s["format"]]()
        if "pattern" in s:
            values = st.from_regex(s["pattern"], fullmatch=True)
            if "minLength" not in s and "maxLength" not in s:
                return values
            shortest, longest = int(s.get("minLength", 0)), s.get("maxLength")
            return values.filter(
                lambda v: shortest <= len(v) and (longest is None or len(v) <= int(longest))
            )
        low = int(s.get("minLength", 0))
        return st.text(min_size=low, max_size=int(s.get("maxLength", low + 12)))
    if kind in ("integer", "number"):
        return _number(s, kind)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    raise _unsupported(where, f"the type {kind!r}")


def _formats() -> dict[str, Callable[[], st.SearchStrategy[Any]]]:
    from datetime import UTC

    return {
        "date-time": lambda: st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
        "date": lambda: st.dates().map(lambda d: d.isoformat()),
        "time": lambda: st.times().map(lambda t: t.isoformat()),
        "uuid": lambda: st.uuids().map(str),
    }


#: String formats drawn as such (pydantic's datetime, date, time and UUID fields); any other
#: format is drawn as plain text, which JSON Schema validation (formats unchecked) accepts.
_FORMATS = _formats()


def _resolve(ref: Any, root: dict[str, Any], where: str) -> Any:
    for prefix in ("#/$defs/", "#/definitions/"):
        if isinstance(ref, str) and ref.startswith(prefix):
            found = root.get(prefix[2:-1], {}).get(ref[len(prefix) :])
            if found is not None:
                return found
    raise _unsupported(where, f"the reference {ref!r} (only #/$defs/<name> is followed)")


def _object(s: dict[str, Any], root: dict[str, Any], where: str) -> st.SearchStrategy[Any]:
    props: dict[str, Any] = s.get("properties") or {}
    required = set(s.get("required") or ())
    missing = sorted(required - props.keys())
    if missing:
        raise _unsupported(where, f"the required field {missing[0]!r} without a schema")
    strategies = {k: _strategy(v, root, f"{where}/{k}") for k, v in props.items()}
    return st.fixed_dictionaries(
        {k: v for k, v in strategies.items() if k in required},
        optional={k: v for k, v in strategies.items() if k not in required},
    )


def _number(s: dict[str, Any], kind: str) -> st.SearchStrategy[Any]:
    if kind == "integer":
        lo = hi = None
        if "minimum" in s:
            lo = math.ceil(s["minimum"])
        if "exclusiveMinimum" in s:
            lo = max(lo if lo is not None else -math.inf, math.floor(s["exclusiveMinimum"]) + 1)
        if "maximum" in s:
            hi = math.floor(s["maximum"])
        if "exclusiveMaximum" in s:
            hi = min(hi if hi is not None else math.inf, math.ceil(s["exclusiveMaximum"]) - 1)
        return st.integers(lo, hi)
    return st.floats(
        min_value=s.get("minimum", s.get("exclusiveMinimum")),
        max_value=s.get("maximum", s.get("exclusiveMaximum")),
        exclude_min="minimum" not in s and "exclusiveMinimum" in s,
        exclude_max="maximum" not in s and "exclusiveMaximum" in s,
        allow_nan=False,
        allow_infinity=False,
    )
