"""Near-valid JSON: a value as JSON with one named flaw, the replies an app's repair code meets.

:func:`flawed_json` turns a JSON value into the text a model sends when it answers *almost*
right; :meth:`Reply.near_json <llm_fakes.Reply.near_json>` wraps that text in a reply marked
deliberately invalid. Every flaw's text fails a strict ``json.loads`` followed by validation
against the schema (or, without one, against :func:`implied_schema` of the value):

==================  =========================================================================
flaw                the text
==================  =========================================================================
``fenced``          the JSON, intact, in a Markdown fence (```` ```json ````, ```` ``` ````)
``prose_before``    a sentence, then the JSON, intact
``prose_after``     the JSON, intact, then a sentence
``single_quotes``   every string and key in single quotes (needs a string somewhere)
``trailing_comma``  a comma before one closing bracket (needs a non-empty object or array)
``truncated``       the JSON cut inside the value, stop reason ``"length"`` (as at ``max_tokens``)
``missing_field``   one field left out: a ``required`` one of ``schema``, else any of ``value``
``wrong_type``      one field of the wrong type: a number, boolean or null sent as a string, an
                    object or array sent as a JSON-encoded string, a string sent as a list;
                    with ``schema``, only a field whose schema rejects that type
``extra_field``     one field added at the end; with ``schema``, only when it says
                    ``additionalProperties: false`` (else an extra field would validate)
==================  =========================================================================

The last three need ``value`` to be an object. Without ``schema`` they work from the value's own
shape, :func:`implied_schema`: every key required, each with its value's JSON type, no other key.
A flaw with several variants (which fence, which sentence, where to cut, which field) takes
``variant``, counted from 0 and wrapping around; the same arguments give the same text.

"Validation" is JSON Schema's. pydantic's default (lax) mode accepts some of what it rejects:
a number sent as a string (``"21"`` for a ``float``) is coerced, and an extra field is ignored
unless the model says ``extra="forbid"``; a strict model (``strict=True``) rejects them all.

Example:
    >>> flawed_json({"city": "Paris"}, "fenced")
    ('```json\\n{"city": "Paris"}\\n```', None)
    >>> flawed_json({"city": "Paris", "temp_c": 21}, "wrong_type", variant=1)
    ('{"city": "Paris", "temp_c": "21"}', None)
    >>> flawed_json({"city": "Paris"}, "truncated")
    ('{"city": ', 'length')
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from llm_fakes.errors import ScriptError

__all__ = ["JSON_FLAWS", "flaw_variants", "flawed_json", "flaws_for", "implied_schema"]

#: The names :meth:`Reply.near_json <llm_fakes.Reply.near_json>` takes, simplest first.
JSON_FLAWS: tuple[str, ...] = (
    "fenced",
    "prose_before",
    "prose_after",
    "single_quotes",
    "trailing_comma",
    "truncated",
    "missing_field",
    "wrong_type",
    "extra_field",
)

_FENCES = ("```json\n{}\n```", "```\n{}\n```", "```JSON\n{}\n```")
# No brackets or braces in the prose, so "from the first { to the last }" still digs the JSON out.
_BEFORE = ("Here is the JSON you asked for:\n{}", "Sure! Here's the result:\n\n{}", "Certainly. {}")
_AFTER = (
    "{}\n\nLet me know if you need anything else.",
    "{}\nI hope this helps!",
    "{} (all values are taken from the text)",
)
_EXTRA = (("note", "Values taken from the text."), ("confidence", 0.9), ("source", "the user"))
_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (type(None), "null"),
    (dict, "object"),
    (list, "array"),
    (tuple, "array"),
)


def json_type(value: Any) -> str:
    """The JSON type name of a Python value (``bool`` before ``int``, as JSON sees it)."""
    for cls, name in _TYPES:
        if isinstance(value, cls):
            return name
    raise ScriptError(
        f"near_json takes a JSON value (dict, list, str, int, float, bool or None), got "
        f"{type(value).__name__}: {value!r}. Convert it first (a pydantic model: .model_dump())."
    )


def implied_schema(value: Any) -> dict[str, Any]:
    """The schema a value's own shape implies, used by the field flaws when there is no schema.

    Example:
        >>> implied_schema({"city": "Paris", "temp_c": 21})["required"]
        ['city', 'temp_c']
    """
    if not isinstance(value, dict):
        return {"type": json_type(value)}
    return {
        "type": "object",
        "properties": {k: {"type": json_type(v)} for k, v in value.items()},
        "required": list(value),
        "additionalProperties": False,
    }


def _dumps(value: Any) -> str:
    # The same text Reply(json=value) gives, so fenced and prose variants hold exactly that JSON.
    return json.dumps(value, ensure_ascii=False)


def _single(text: str) -> str:
    inner = _dumps(text)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{inner}'"


def _write(value: Any, quote: Callable[[str], str], comma_at: int, seen: list[int]) -> str:
    """``value`` as JSON text, strings through ``quote``, with a trailing comma in the
    ``comma_at``-th non-empty container (counted in document order; -1 for none)."""
    if isinstance(value, dict | list | tuple):
        mine = -2
        if value:
            mine = seen[0]
            seen[0] += 1
        if isinstance(value, dict):
            items = [
                f"{quote(str(k))}: {_write(v, quote, comma_at, seen)}" for k, v in value.items()
            ]
            opening, closing = "{", "}"
        else:
            items = [_write(v, quote, comma_at, seen) for v in value]
            opening, closing = "[", "]"
        return opening + ", ".join(items) + ("," if mine == comma_at else "") + closing
    if isinstance(value, str):
        return quote(value)
    return json.dumps(value)


def _containers(value: Any) -> int:
    if isinstance(value, dict):
        return bool(value) + sum(_containers(v) for v in value.values())
    if isinstance(value, list | tuple):
        return bool(value) + sum(_containers(v) for v in value)
    return 0


def _has_string(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, dict):
        return bool(value) or any(_has_string(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_string(v) for v in value)
    return False


def _cuts(text: str) -> list[int]:
    """Where the text can be cut so what is left is not JSON (every cut of an object, array,
    string or literal; for a number, the cuts that leave no number), the middle one first."""
    if text[:1] not in "-0123456789":
        out = list(range(1, len(text)))
    else:
        out = []
        for i in range(1, len(text)):
            try:
                json.loads(text[:i])
            except ValueError:
                out.append(i)
    middle = len(out) // 2
    return out[middle:] + out[:middle]


def _allowed_types(prop: Any, root: dict[str, Any]) -> set[str] | None:
    """The JSON types a property's schema accepts; ``None`` when that is not plain to see."""
    if not isinstance(prop, dict):
        return None
    ref = prop.get("$ref")
    if isinstance(ref, str):
        for prefix in ("#/$defs/", "#/definitions/"):
            if ref.startswith(prefix):
                return _allowed_types(root.get(prefix[2:-1], {}).get(ref[len(prefix) :]), root)
        return None
    kind = prop.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return set(kind)
    for key in ("anyOf", "oneOf"):
        if isinstance(prop.get(key), list):
            out: set[str] = set()
            for option in prop[key]:
                types = _allowed_types(option, root)
                if types is None:
                    return None
                out |= types
            return out
    return None


def _wrong(value: Any) -> Any:
    """The value a model sends in its place: a number, boolean or null as a string, an object
    or array JSON-encoded, a string wrapped in a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict | list | tuple):
        return _dumps(value)
    return json.dumps(value)


def _candidates(value: Any, flaw: str, schema: dict[str, Any] | None) -> list[Any]:
    """The variants a flaw has for this value and schema (empty: the flaw does not apply)."""
    if flaw == "fenced":
        return list(_FENCES)
    if flaw == "prose_before":
        return list(_BEFORE)
    if flaw == "prose_after":
        return list(_AFTER)
    if flaw == "single_quotes":
        return [None] if _has_string(value) else []
    if flaw == "trailing_comma":
        return list(range(_containers(value)))
    if flaw == "truncated":
        return _cuts(_dumps(value))
    if not isinstance(value, dict):
        return []
    shape = schema if schema is not None else implied_schema(value)
    found = shape.get("properties")
    props: dict[str, Any] = found if isinstance(found, dict) else {}
    if flaw == "missing_field":
        required = shape.get("required") or ()
        return [k for k in value if k in required]
    if flaw == "wrong_type":
        out = []
        for key in value:
            allowed = _allowed_types(props.get(key), shape)
            if allowed is not None and json_type(_wrong(value[key])) not in allowed:
                out.append(key)
        return out
    if shape.get("additionalProperties") is not False or shape.get("patternProperties"):
        return []
    taken = set(value) | set(props)
    names = [(k, v) for k, v in _EXTRA if k not in taken]
    if not names:
        n = 1
        while f"extra_{n}" in taken:
            n += 1
        names = [(f"extra_{n}", True)]
    return names


def flaws_for(value: Any, *, schema: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The flaws of :data:`JSON_FLAWS` that apply to ``value`` (and ``schema``), in order.

    Example:
        >>> flaws_for([1, 2])
        ('fenced', 'prose_before', 'prose_after', 'trailing_comma', 'truncated')
    """
    json_type(value)
    return tuple(f for f in JSON_FLAWS if _candidates(value, f, schema))


def flaw_variants(value: Any, flaw: str, *, schema: dict[str, Any] | None = None) -> int:
    """How many variants ``flaw`` has for ``value`` (0: it does not apply).

    Example:
        >>> flaw_variants({"a": 1, "b": 2}, "missing_field")
        2
    """
    _check_flaw(flaw)
    return len(_candidates(value, flaw, schema))


def _check_flaw(flaw: str) -> None:
    if flaw not in JSON_FLAWS:
        raise ScriptError(
            f"Unknown JSON flaw {flaw!r}; the flaws are {list(JSON_FLAWS)!r}. Use one of those "
            "(llm_fakes.JSON_FLAWS)."
        )


def flawed_json(
    value: Any, flaw: str, *, schema: dict[str, Any] | None = None, variant: int = 0
) -> tuple[str, str | None]:
    """``value`` as JSON with ``flaw``; returns the text and the stop reason it implies
    (``"length"`` for ``truncated``, else ``None``: the reply's default).

    Raises:
        ScriptError: The flaw is unknown, does not apply to this value (and schema), the value
            is not JSON, or it does not validate against ``schema``.
    """
    _check_flaw(flaw)
    if isinstance(variant, bool) or not isinstance(variant, int) or variant < 0:
        raise ScriptError(
            f"near_json: variant must be an int >= 0, got {variant!r}. Pass 0, 1, ..."
        )
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ScriptError(
            f"near_json takes a JSON value, but {value!r} does not serialise as strict JSON "
            f"({exc}). Give dicts, lists, str, finite numbers, bool and None only."
        ) from None
    if schema is not None:
        _check_valid(value, schema)
    options = _candidates(value, flaw, schema)
    if not options:
        applicable = list(flaws_for(value, schema=schema))
        raise ScriptError(
            f"near_json: the flaw {flaw!r} does not apply to {value!r}"
            f"{' with that schema' if schema is not None else ''} ({_why(value, flaw, schema)}). "
            f"Flaws that apply: {applicable!r}. Pick one of those, or change the value."
        )
    pick = options[variant % len(options)]
    if flaw in ("fenced", "prose_before", "prose_after"):
        return pick.format(text), None
    if flaw == "single_quotes":
        return _write(value, _single, -1, [0]), None
    if flaw == "trailing_comma":
        return _write(value, _dumps, pick, [0]), None
    if flaw == "truncated":
        return text[:pick], "length"
    if flaw == "missing_field":
        return _dumps({k: v for k, v in value.items() if k != pick}), None
    if flaw == "wrong_type":
        return _dumps({k: _wrong(v) if k == pick else v for k, v in value.items()}), None
    name, extra = pick
    return _dumps({**value, name: extra}), None


def _why(value: Any, flaw: str, schema: dict[str, Any] | None) -> str:
    if flaw in ("missing_field", "wrong_type", "extra_field") and not isinstance(value, dict):
        return "it needs an object"
    return {
        "single_quotes": "it needs a string or a key somewhere in the value",
        "trailing_comma": "it needs a non-empty object or array",
        "truncated": "no cut of so short a number leaves something that is not JSON",
        "missing_field": "it needs an object with a field the schema requires"
        if schema is not None
        else "it needs an object with at least one field",
        "wrong_type": "it needs an object with a field whose schema rejects the wrong type"
        if schema is not None
        else "it needs an object with at least one field",
        "extra_field": "the schema allows extra fields (no additionalProperties: false), so an "
        "extra field would validate"
        if schema is not None
        else "it needs an object",
    }[flaw]


def _check_valid(value: Any, schema: dict[str, Any]) -> None:
    from llm_fakes.errors import JSONModeError
    from llm_fakes.scripted.jsonmode import _schema_problem

    try:
        problem = _schema_problem(value, schema)
    except JSONModeError as exc:
        raise ScriptError(
            f"near_json: {exc}".replace("response_format's json_schema", "schema")
        ) from None
    if problem is not None:
        raise ScriptError(
            f"near_json flaws a valid value, but {value!r} does not validate against the schema: "
            f"{problem}. Give a value the schema accepts."
        )
