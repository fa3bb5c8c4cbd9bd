"""JSON mode for the scripted fake (contract J1–J3).

A call that asks for JSON (``json_mode=True``, ``response_format={"type": "json_object"}`` or a
``json_schema`` format) gets the scripted text back unchanged, but a scripted reply that is not
valid JSON (or does not validate against the schema) is a test-writing mistake and raises
:class:`~llm_fakes.errors.JSONModeError`, unless the reply says ``invalid_json=True``.
``jsonschema`` is imported only when a schema is actually checked.

Example:
    >>> from llm_fakes.scripted.request import ScriptedRequest
    >>> from llm_fakes.scripted.turns import Reply
    >>> req = ScriptedRequest(method="complete", messages=[], json_mode=True)
    >>> check_json(Reply(json={"a": 1}), '{"a": 1}', req, "queue[0]")
    >>> check_json(Reply(text="nope"), "nope", req, "queue[0]")
    Traceback (most recent call last):
    ...
    llm_fakes.errors.JSONModeError: complete(json_mode=True) asked for JSON, ...
"""

from __future__ import annotations

import json
from typing import Any

from llm_fakes.errors import JSONModeError, kit_error
from llm_fakes.scripted.request import ScriptedRequest, shorten
from llm_fakes.scripted.turns import Reply

__all__ = ["check_json"]

_FIX = (
    "Script the reply as Reply(json=...) with a matching value, or mark it deliberately invalid "
    "with Reply(text=..., invalid_json=True) to test how the code copes with bad JSON."
)


def _asked(request: ScriptedRequest) -> str:
    if request.json_mode:
        return f"{request.method}(json_mode=True)"
    return f"{request.method}(response_format={{'type': {request.json_format!r}, ...}})"


def check_json(reply: Reply, content: str, request: ScriptedRequest, source: str) -> None:
    """Raise :class:`JSONModeError` when ``content`` does not satisfy the request's JSON mode."""
    __tracebackhide__ = kit_error
    if request.json_format is None or reply.invalid_json:
        return
    if not content and reply.tool_calls:
        return  # a tool-call turn carries no content to check
    try:
        value = json.loads(content)
    except ValueError as exc:
        raise JSONModeError(
            f"{_asked(request)} asked for JSON, but the scripted turn {source} "
            f"replies with text that is not valid JSON: {shorten(content, 80)!r} ({exc}). {_FIX}"
        ) from None
    schema = request.json_schema
    if schema is None:
        return
    problem = _schema_problem(value, schema)
    if problem is not None:
        raise JSONModeError(
            f"{_asked(request)} asked for JSON matching its schema, but the scripted turn "
            f"{source} replies with {shorten(content, 80)!r}, which does not validate: {problem}. "
            f"{_FIX}"
        )


# Validators keyed by the schema's canonical JSON, so a schema is compiled once per session.
_VALIDATORS: dict[str, Any] = {}


def _schema_problem(value: Any, schema: dict[str, Any]) -> str | None:
    import jsonschema

    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _VALIDATORS.get(key)
    if validator is None:
        cls = jsonschema.validators.validator_for(schema)
        try:
            cls.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise JSONModeError(
                f"The response_format's json_schema is not a valid JSON schema: {exc.message} "
                f"(at {'/'.join(str(p) for p in exc.path) or 'the root'}). Fix the schema."
            ) from None
        validator = cls(schema)
        _VALIDATORS[key] = validator
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "the root"
    return f"{error.message} at {where}"
