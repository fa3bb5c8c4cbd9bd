"""The Google Gemini ``generateContent`` wire format, both directions.

**Requests.** The seed's OpenAI-style history becomes ``contents``: ``user`` and ``model`` turns of
``parts``. An assistant message's ``tool_calls`` become ``functionCall`` parts (after its text),
``tool`` messages become ``functionResponse`` parts (consecutive ones in *one* user turn, as the
API wants every call of a turn answered in the next one), ``system`` text goes to
``systemInstruction``. The model is in the path (``/v1beta/models/{model}:generateContent``;
streams go to ``:streamGenerateContent?alt=sse``), so the body has none. :func:`read_body`
does the reverse for any client's body (the API takes ``camelCase`` and ``snake_case`` field names
alike, and SDKs send both: ``parameters_json_schema``, ``thinking_budget``).

**Call ids.** ``FunctionCall.id`` is optional: the Gemini API mostly sends calls without one and
pairs each ``functionResponse`` with a call by position and name. Where a call has no ``id`` the
kit synthesises ``call_<n>`` (*n*: its index among the turn's calls) on both sides, so a history
reads the same whichever side wrote it; ids the API or a client sent are kept.

**JSON mode.** ``json_mode=True`` or ``{"type": "json_object"}`` sends
``responseMimeType: "application/json"``; a ``json_schema`` format adds ``responseJsonSchema``
(the schema, intact). A request's ``responseSchema`` (Google's OpenAPI-style schema, ``"type":
"OBJECT"``) is read as the JSON Schema it means (:func:`to_json_schema`).

**Finish reasons** in the seed's words: ``STOP`` -> ``"stop"``, or ``"tool_calls"`` when the turn
holds function calls; ``MAX_TOKENS`` -> ``"length"``; ``SAFETY``, ``RECITATION``, ``BLOCKLIST``,
``PROHIBITED_CONTENT``, ``SPII`` -> ``"content_filter"``; others in lower case. Output tokens
count the thoughts too (``candidatesTokenCount + thoughtsTokenCount``), as OpenAI's and
Anthropic's do; input tokens are ``promptTokenCount`` (cached ones included).

**Errors** are ``{"error": {"code", "status", "message", "details"}}``; a rate limit's wait is in a
``google.rpc.RetryInfo`` detail (``"retryDelay": "2s"``), read by :func:`retry_delay`.

Example:
    >>> body = build_request([{"role": "user", "content": "hi"}], system="Be brief.", max_tokens=9)
    >>> body["contents"], body["systemInstruction"], body["generationConfig"]
    ([{'role': 'user', 'parts': [{'text': 'hi'}]}], {'parts': [{'text': 'Be brief.'}]}, \
{'maxOutputTokens': 9})
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from llm_fakes.errors import (
    OverloadedError,
    ProviderError,
    ResponseFormatError,
    error_for_status,
)
from llm_fakes.types import ToolUse
from llm_fakes.typeset import TypeSet
from llm_fakes.wire._assemble import EventAssembler, event_payload, parse_arguments, tool_spec
from llm_fakes.wire.base import Auth, RequestView, WireAPI, schema_of
from llm_fakes.wire.terms import RequestTerms, ToolChoice, stop_list

__all__ = [
    "API_VERSIONS",
    "SKIP_SIGNATURE",
    "EventDecoder",
    "Gemini",
    "build_request",
    "error_body",
    "error_from_payload",
    "field",
    "finish_reason",
    "normalise_finish_reason",
    "parse_response",
    "read_body",
    "retry_delay",
    "route",
    "to_gemini_contents",
    "to_json_schema",
]

#: The API versions whose ``models/{model}:method`` routes the kit speaks.
API_VERSIONS = ("v1beta", "v1")
#: The thought signature Google documents for a ``functionCall`` part a client did not receive
#: from the API (Gemini 3 models refuse a call turn without one): the bytes
#: ``skip_thought_signature_validator``, base64-encoded as the JSON wire carries bytes.
SKIP_SIGNATURE = "c2tpcF90aG91Z2h0X3NpZ25hdHVyZV92YWxpZGF0b3I="
_ROUTE = re.compile(
    rf"/({'|'.join(API_VERSIONS)})/models/([^/:]+):"
    r"(generateContent|streamGenerateContent|countTokens)$"
)
_FILTERED = frozenset({"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"})
_FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}
_WIRE_FINISH = {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS"}
_WIRE_REASONS = frozenset(
    {"STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "LANGUAGE", "OTHER", "BLOCKLIST",
     "PROHIBITED_CONTENT", "SPII", "MALFORMED_FUNCTION_CALL", "IMAGE_SAFETY"}
)  # fmt: skip
#: HTTP status -> google.rpc status name.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def route(path: str) -> tuple[str, str] | None:
    """``(model, method)`` for a ``.../{version}/models/{model}:{method}`` path, else ``None``.

    Example:
        >>> route("/v1beta/models/gemini-2.5-flash:streamGenerateContent")
        ('gemini-2.5-flash', 'streamGenerateContent')
        >>> route("/v1/chat/completions") is None
        True
    """
    m = _ROUTE.search(path.rstrip("/"))
    return (m.group(2), m.group(3)) if m else None


def field(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` under its ``camelCase`` or ``snake_case`` spelling (the API takes both).

    Example:
        >>> field({"response_mime_type": "application/json"}, "responseMimeType")
        'application/json'
    """
    if not isinstance(obj, dict):
        return default
    if name in obj:
        return obj[name]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return obj.get(snake, default)


# --------------------------------------------------------------------------- schemas


_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_INTS = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties")


def to_json_schema(schema: Any) -> Any:
    """A Google ``Schema`` (``"type": "OBJECT"``, ``nullable``, ``propertyOrdering``, int64 counts
    as strings) as the JSON Schema it means; a JSON Schema comes back as it was.

    Example:
        >>> to_json_schema({"type": "OBJECT", "properties": {"n": {"type": "INTEGER",
        ...                 "nullable": True}}, "property_ordering": ["n"], "min_properties": "1"})
        {'type': 'object', 'properties': {'n': {'type': ['integer', 'null']}}, 'minProperties': 1}
    """
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)
        if camel in ("propertyOrdering", "nullable", "example"):
            continue
        if camel == "type" and isinstance(value, str):
            value = value.lower() if value != "TYPE_UNSPECIFIED" else None
            if value is None:
                continue
        elif camel == "properties" and isinstance(value, dict):
            value = {k: to_json_schema(v) for k, v in value.items()}
        elif camel in ("items", "additionalProperties", "not"):
            value = to_json_schema(value)
        elif camel in _SCHEMA_LISTS and isinstance(value, list):
            value = [to_json_schema(v) for v in value]
        elif camel in _SCHEMA_INTS and isinstance(value, str) and value.isdigit():
            value = int(value)
        out[camel] = value
    if schema.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


# --------------------------------------------------------------------------- requests out


def _synth_id(index: int) -> str:
    return f"call_{index}"


def _media_part(block: dict[str, Any]) -> dict[str, Any] | None:
    """A ``text`` / ``inlineData`` / ``fileData`` part for an OpenAI-style content block."""
    kind = block.get("type")
    if kind == "text":
        return {"text": str(block.get("text") or "")}
    if kind == "image_url":
        url = str((block.get("image_url") or {}).get("url") or "")
        m = re.match(r"data:([^;,]+);base64,(.*)", url, re.S)
        if m:
            return {"inlineData": {"mimeType": m.group(1), "data": m.group(2)}}
        return {"fileData": {"fileUri": url}}
    if kind == "file":
        f = block.get("file") or {}
        data = str(f.get("file_data") or "")
        m = re.match(r"data:([^;,]+);base64,(.*)", data, re.S)
        if m:
            return {"inlineData": {"mimeType": m.group(1), "data": m.group(2)}}
        uri = str(f.get("file_id") or f.get("url") or "")
        part: dict[str, Any] = {"fileUri": uri}
        if f.get("mime_type"):
            part["mimeType"] = f["mime_type"]
        return {"fileData": part}
    return None


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts = [p for b in content or () if isinstance(b, dict) and (p := _media_part(b))]
    return parts


def to_gemini_contents(
    messages: Sequence[dict[str, Any]], system: str = ""
) -> tuple[str, list[dict[str, Any]]]:
    """(system text, ``contents``) for a seed-style history.

    Example:
        >>> history = [
        ...     {"role": "user", "content": "weather?"},
        ...     {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
        ...      "function": {"name": "w", "arguments": '{"city": "Oslo"}'}}]},
        ...     {"role": "tool", "tool_call_id": "c1", "content": "rain"},
        ... ]
        >>> _, wire = to_gemini_contents(history)
        >>> wire[1]["parts"][0]["functionCall"], wire[2]["parts"]
        ({'name': 'w', 'args': {'city': 'Oslo'}, 'id': 'c1'}, \
[{'functionResponse': {'name': 'w', 'response': {'output': 'rain'}, 'id': 'c1'}}])
    """
    systems = [system] if system else []
    out: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # call id -> function name, for the tool results
    answering = False  # the last turn is a user turn of function responses
    for m in messages:
        role, content = m.get("role"), m.get("content")
        if role in ("system", "developer"):
            if content:
                systems.append(content if isinstance(content, str) else json.dumps(content))
            continue
        if role == "tool":
            call_id = str(m.get("tool_call_id", ""))
            text = content if isinstance(content, str) else json.dumps(content)
            key = "error" if m.get("is_error") else "output"
            response = {"name": names.get(call_id, ""), "response": {key: text}}
            if call_id:
                response["id"] = call_id
            part: dict[str, Any] = {"functionResponse": response}
            if answering:
                out[-1]["parts"].append(part)
            else:
                out.append({"role": "user", "parts": [part]})
                answering = True
            continue
        answering = False
        if role == "assistant":
            parts = _parts(content)
            for i, call in enumerate(m.get("tool_calls") or ()):
                fn = call.get("function") or {}
                call_id = str(call.get("id") or "")
                fc: dict[str, Any] = {
                    "name": str(fn.get("name", "")),
                    "args": parse_arguments(fn.get("arguments")),
                }
                if call_id:
                    fc["id"] = call_id
                    names[call_id] = fc["name"]
                call_part: dict[str, Any] = {"functionCall": fc}
                if i == 0:
                    signature = call.get("thought_signature") or SKIP_SIGNATURE
                    call_part["thoughtSignature"] = str(signature)
                parts.append(call_part)
            out.append({"role": "model", "parts": parts or [{"text": ""}]})
        else:
            out.append({"role": "user", "parts": _parts(content) or [{"text": ""}]})
    return "\n\n".join(systems), out


def build_request(
    messages: Sequence[dict[str, Any]],
    *,
    system: str = "",
    tools: Sequence[Any] | None = None,
    max_tokens: int = 1024,
    response_format: dict[str, Any] | None = None,
    json_mode: bool = False,
    include_thoughts: bool = False,
) -> dict[str, Any]:
    """The ``generateContent`` body for one call (the same body streams). ``include_thoughts``
    asks a thinking model for its thought summaries (models without thinking refuse it)."""
    system_text, contents = to_gemini_contents(messages, system)
    body: dict[str, Any] = {"contents": contents}
    if system_text:
        body["systemInstruction"] = {"parts": [{"text": system_text}]}
    if tools:
        decls = []
        for tool in tools:
            name, desc, params = tool_spec(tool)
            decls.append({"name": name, "description": desc, "parametersJsonSchema": params})
        body["tools"] = [{"functionDeclarations": decls}]
    config: dict[str, Any] = {"maxOutputTokens": max_tokens}
    rf_type = (response_format or {}).get("type")
    if rf_type == "json_schema":
        schema = schema_of(response_format)
        if schema is None:
            raise ValueError(
                f"response_format {response_format!r} has no schema. Pass "
                '{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}}}.'
            )
        config["responseMimeType"] = "application/json"
        config["responseJsonSchema"] = schema
    elif rf_type == "json_object" or json_mode:
        config["responseMimeType"] = "application/json"
    if include_thoughts:
        config["thinkingConfig"] = {"includeThoughts": True}
    body["generationConfig"] = config
    return body


# --------------------------------------------------------------------------- requests in


def _text(parts: Any) -> str:
    return "".join(
        str(p.get("text") or "")
        for p in parts or ()
        if isinstance(p, dict) and not p.get("thought")
    )


def _seed_block(part: dict[str, Any]) -> dict[str, Any] | None:
    """An OpenAI-style content block for a user part (``None`` for a part it has no word for)."""
    if "text" in part:
        return {"type": "text", "text": str(part.get("text") or "")}
    inline = field(part, "inlineData")
    if isinstance(inline, dict):
        mime, data = str(field(inline, "mimeType") or ""), str(inline.get("data") or "")
        url = f"data:{mime};base64,{data}"
        if mime.startswith("image/"):
            return {"type": "image_url", "image_url": {"url": url}}
        return {"type": "file", "file": {"file_data": url}}
    file = field(part, "fileData")
    if isinstance(file, dict):
        uri, mime = str(field(file, "fileUri") or ""), str(field(file, "mimeType") or "")
        if mime.startswith("image/"):
            return {"type": "image_url", "image_url": {"url": uri}}
        return {"type": "file", "file": {"file_id": uri, "mime_type": mime}}
    return None


def _user_content(parts: list[Any]) -> str | list[dict[str, Any]]:
    blocks = [b for p in parts if isinstance(p, dict) and (b := _seed_block(p))]
    if all(b["type"] == "text" for b in blocks):
        return "".join(b["text"] for b in blocks)
    return blocks


def _tool_content(response: Any) -> tuple[str, bool]:
    """(content, is_error) of a ``functionResponse.response``."""
    if isinstance(response, dict) and len(response) == 1:
        ((key, value),) = response.items()
        if key in ("output", "result", "content", "error") and isinstance(value, str):
            return value, key == "error"
    return json.dumps(response, ensure_ascii=False), False


def calls_of(parts: Any) -> list[dict[str, Any]]:
    """The ``functionCall`` objects of a turn's parts, in order."""
    out = []
    for p in parts or ():
        fc = field(p, "functionCall")
        if isinstance(fc, dict):
            out.append(fc)
    return out


def seed_messages(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``contents`` as the seed's OpenAI-style messages (what ``GeminiProvider`` was given)."""
    out: list[dict[str, Any]] = []
    last_calls: list[dict[str, Any]] = []
    for turn in contents:
        parts = [p for p in turn.get("parts") or () if isinstance(p, dict)]
        if turn.get("role") == "model":
            msg: dict[str, Any] = {"role": "assistant", "content": _text(parts)}
            calls = calls_of(parts)
            last_calls = [
                {"id": str(c.get("id") or _synth_id(i)), "name": str(c.get("name") or "")}
                for i, c in enumerate(calls)
            ]
            if calls:
                msg["tool_calls"] = [
                    {
                        "id": last_calls[i]["id"],
                        "type": "function",
                        "function": {
                            "name": last_calls[i]["name"],
                            "arguments": json.dumps(c.get("args") or {}, ensure_ascii=False),
                        },
                    }
                    for i, c in enumerate(calls)
                ]
            out.append(msg)
            continue
        answered = [field(p, "functionResponse") for p in parts]
        pending = list(last_calls)
        for r in answered:
            if not isinstance(r, dict):
                continue
            call_id = r.get("id")
            match = next((c for c in pending if call_id and c["id"] == call_id), None)
            match = match or next((c for c in pending if c["name"] == r.get("name")), None)
            if match is not None:
                pending.remove(match)
            content, is_error = _tool_content(r.get("response"))
            tool: dict[str, Any] = {
                "role": "tool",
                "tool_call_id": str(call_id or (match or {}).get("id") or ""),
                "content": content,
            }
            if is_error:
                tool["is_error"] = True
            out.append(tool)
        rest = [p for p, r in zip(parts, answered, strict=True) if r is None]
        if rest or not parts:
            out.append({"role": "user", "content": _user_content(rest)})
        last_calls = []
    return out


def read_body(body: dict[str, Any], model: str, *, stream: bool) -> RequestView:
    """A ``generateContent`` body in the kit's request view (the fakes' log and the cassettes).

    Example:
        >>> view = read_body({"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        ...     "generation_config": {"response_mime_type": "application/json"}}, "m", stream=False)
        >>> view["messages"], view["json_mode"], view["response_format"]
        ([{'role': 'user', 'content': 'hi'}], True, {'type': 'json_object'})
    """
    system = _text(field(field(body, "systemInstruction"), "parts"))
    config = field(body, "generationConfig") or {}
    json_mode = field(config, "responseMimeType") == "application/json"
    schema = field(config, "responseJsonSchema") if json_mode else None
    if json_mode and schema is None:
        schema = field(config, "responseSchema")
        schema = to_json_schema(schema) if schema is not None else None
    rf: dict[str, Any] | None = None
    if schema is not None:
        rf = {"type": "json_schema", "json_schema": {"schema": schema}}
    elif json_mode:
        rf = {"type": "json_object"}
    tools: list[dict[str, Any]] = []
    for group in field(body, "tools") or ():
        for decl in field(group, "functionDeclarations") or ():
            params = field(decl, "parametersJsonSchema")
            if params is None:
                params = to_json_schema(field(decl, "parameters") or {})
            tools.append(
                {
                    "name": str(decl.get("name", "")),
                    "description": str(decl.get("description") or ""),
                    "parameters": params or {},
                }
            )
    max_tokens = field(config, "maxOutputTokens")
    return {
        "model": model,
        "messages": seed_messages(list(field(body, "contents") or ())),
        "system": system,
        "tools": tools,
        "max_tokens": int(max_tokens) if max_tokens is not None else None,
        "stream": stream,
        "json_mode": json_mode,
        "response_format": rf,
        "schema": schema,
    }


# --------------------------------------------------------------------------- responses


def normalise_finish_reason(reason: Any, has_calls: bool = False) -> str:
    """The seed's word for a Gemini ``finishReason``.

    Example:
        >>> normalise_finish_reason("STOP", has_calls=True), normalise_finish_reason("SAFETY")
        ('tool_calls', 'content_filter')
    """
    wire = str(reason or "")
    if wire == "STOP" and has_calls:
        return "tool_calls"
    if wire in _FILTERED:
        return "content_filter"
    return _FINISH.get(wire, wire.lower())


def finish_reason(stop_reason: str) -> str:
    """The ``finishReason`` for a seed stop reason (one the API has: ``OTHER`` for the rest).

    Example:
        >>> finish_reason("tool_calls"), finish_reason("content_filter"), finish_reason("odd")
        ('STOP', 'SAFETY', 'OTHER')
    """
    if stop_reason == "content_filter":
        return "SAFETY"
    wire = _WIRE_FINISH.get(stop_reason, stop_reason.upper())
    return wire if wire in _WIRE_REASONS else "OTHER"


def _usage(usage: Any) -> tuple[int, int, int]:
    """(input, output, cached) tokens of a ``usageMetadata``."""
    if not isinstance(usage, dict):
        return 0, 0, 0
    out = int(usage.get("candidatesTokenCount") or 0) + int(usage.get("thoughtsTokenCount") or 0)
    return (
        int(usage.get("promptTokenCount") or 0),
        out,
        int(usage.get("cachedContentTokenCount") or 0),
    )


def _candidate(data: dict[str, Any]) -> dict[str, Any]:
    candidates = data.get("candidates")
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], dict):
        return candidates[0]
    return {}


def _tool_use(call: dict[str, Any], index: int) -> ToolUse:
    return ToolUse(
        id=str(call.get("id") or _synth_id(index)),
        name=str(call.get("name") or ""),
        input=parse_arguments(call.get("args")),
    )


def parse_response(data: dict[str, Any], types: TypeSet, model: str) -> Any:
    """An ``LLMResponse`` (in ``types``' class) from a ``GenerateContentResponse`` body.

    Example:
        >>> body = {"candidates": [{"content": {"role": "model", "parts": [{"text": "4"}]},
        ...         "finishReason": "STOP"}], "modelVersion": "gemini-x",
        ...         "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 1}}
        >>> r = parse_response(body, TypeSet.default(), "gemini-x")
        >>> r.content, r.stop_reason, r.input_tokens, r.output_tokens
        ('4', 'stop', 9, 1)
    """
    if not isinstance(data.get("candidates"), list) and "promptFeedback" not in data:
        raise ResponseFormatError(
            f"A generateContent body needs a 'candidates' list, got keys {sorted(data)!r}. "
            "Check base_url points at the Gemini API."
        )
    try:
        cand = _candidate(data)
        parts = (cand.get("content") or {}).get("parts") or []
        uses = [_tool_use(c, i) for i, c in enumerate(calls_of(parts))]
        reason = cand.get("finishReason")
        if not cand and (data.get("promptFeedback") or {}).get("blockReason"):
            reason = "SAFETY"  # the prompt itself was blocked: no candidate at all
        input_tokens, output_tokens, cached = _usage(data.get("usageMetadata"))
        extras = types.extras("LLMResponse", cache_read_tokens=cached)
        return types.response(
            content=_text(parts),
            model=str(data.get("modelVersion") or model),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            stop_reason=normalise_finish_reason(reason, bool(uses)),
            raw_response=data,
            tool_uses=uses,
            **extras,
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise ResponseFormatError(f"Unexpected generateContent body shape: {exc}") from exc


class EventDecoder:
    """Turns ``streamGenerateContent?alt=sse`` events (each a whole ``GenerateContentResponse``)
    into stream events.

    Example:
        >>> d = EventDecoder(TypeSet.default(), model="m")
        >>> [e.content for e in d.feed("message", '{"candidates": [{"content": {"parts": '
        ...  '[{"text": "Hi"}], "role": "model"}}]}')]
        ['Hi']
    """

    def __init__(self, types: TypeSet, model: str) -> None:
        self.state = EventAssembler(types, model)
        self._events = 0
        self._calls = 0
        self._reason: Any = None

    @property
    def done(self) -> bool:
        """Always ``False``: a Gemini stream ends when the body does (no closing event)."""
        return False

    def feed(self, event: str, data: str) -> list[Any]:
        """Events for one server-sent event's ``data:`` payload."""
        self._events += 1
        payload = event_payload(data, self._events, event)
        if "error" in payload:
            raise error_from_payload(payload, "the Gemini stream")
        try:
            return self._apply(payload)
        except (AttributeError, TypeError, ValueError) as exc:
            raise ResponseFormatError(
                f"Stream event #{self._events} has an unexpected shape ({exc}): {data[:80]!r}"
            ) from exc

    def _apply(self, p: dict[str, Any]) -> list[Any]:
        st = self.state
        st.model = str(p.get("modelVersion") or st.model)
        if isinstance(p.get("usageMetadata"), dict):
            st.input_tokens, st.output_tokens, st.cached_tokens = _usage(p["usageMetadata"])
        cand = _candidate(p)
        out: list[Any] = []
        for part in (cand.get("content") or {}).get("parts") or ():
            call = field(part, "functionCall")
            if isinstance(call, dict):
                use = _tool_use(call, self._calls)
                st.start_call(self._calls, use.id, use.name)
                st.call_done(self._calls, json.dumps(use.input, ensure_ascii=False))
                self._calls += 1
            elif part.get("thought"):
                out += st.reasoning_delta(str(part.get("text") or ""))
            elif "text" in part:
                out += st.text_delta(str(part.get("text") or ""))
        if cand.get("finishReason"):
            self._reason = cand["finishReason"]
        elif not cand and (p.get("promptFeedback") or {}).get("blockReason"):
            self._reason = "SAFETY"
        return out

    def finish(self) -> list[Any]:
        """The closing events; :class:`ResponseFormatError` if no ``finishReason`` came."""
        if self._reason is None:
            raise ResponseFormatError(
                f"The Gemini stream ended without a finishReason after {self._events} event(s) "
                f"and {len(self.state.text)} characters of text: the response was truncated."
            )
        self.state.stop_reason = normalise_finish_reason(self._reason, self._calls > 0)
        self.state.done = True
        return self.state.final_events()


# --------------------------------------------------------------------------- errors


def error_body(status: int, message: str, details: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Google's error body for ``status``.

    Example:
        >>> error_body(429, "Quota exceeded.", [{"@type": "x"}])["error"]["status"]
        'RESOURCE_EXHAUSTED'
    """
    err: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if details:
        err["details"] = list(details)
    return {"error": err}


def retry_info(seconds: float) -> dict[str, Any]:
    """A ``google.rpc.RetryInfo`` detail asking for a wait of ``seconds``.

    Example:
        >>> retry_info(1.5)
        {'@type': 'type.googleapis.com/google.rpc.RetryInfo', 'retryDelay': '1.5s'}
    """
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{seconds:g}s"}


def retry_delay(body: Any) -> float | None:
    """The wait a Google error body's ``RetryInfo`` detail asks for, in seconds.

    Example:
        >>> retry_delay({"error": {"details": [{"@type": "type.googleapis.com/google.rpc."
        ...     "RetryInfo", "retryDelay": "37s"}]}})
        37.0
    """
    err = body.get("error") if isinstance(body, dict) else None
    for detail in (err or {}).get("details") or () if isinstance(err, dict) else ():
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            m = re.fullmatch(r"\s*(\d+(?:\.\d*)?)s\s*", str(detail.get("retryDelay", "")))
            if m:
                return float(m.group(1))
    return None


def error_from_payload(payload: Any, what: str) -> ProviderError:
    """The typed error for ``{"error": {...}}`` sent inside a 200 stream."""
    err = payload.get("error") if isinstance(payload, dict) else None
    err = err if isinstance(err, dict) else {}
    message = err.get("message")
    text = message if isinstance(message, str) and message else f"{what} sent an error"
    code = err.get("code")
    status = str(err.get("status") or "")
    if status == "UNAVAILABLE" or code == 503:
        return OverloadedError(text)
    if status == "RESOURCE_EXHAUSTED" or code == 429:
        return error_for_status(429, text, retry_after=retry_delay(payload))
    return ProviderError(f"{text} (error status {status or code or 'unknown'!r} in the stream)")


# --------------------------------------------------------------------------- the registry entry


class Gemini(WireAPI):
    """Google's Gemini API (``POST /{v1beta,v1}/models/{model}:generateContent`` and
    ``:streamGenerateContent``): the model and the stream are in the path, the key in
    ``x-goog-api-key`` or ``?key=``, errors in Google's shape with ``RetryInfo`` waits.

    Example:
        >>> api = Gemini()
        >>> api.matches("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
        True
        >>> api.model_of("/v1/models/gemini-2.5-pro:generateContent", {})
        'gemini-2.5-pro'
        >>> api.retry_after({}, b'{"error": {"details": [{"@type": '
        ...     b'"type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3s"}]}}')
        3.0
    """

    key = "gemini"
    title = "Google Gemini generateContent"
    door = "gemini"
    hosts = ("generativelanguage.googleapis.com",)
    auth = Auth("x-goog-api-key", query="key")
    user_agents = (r"google-genai-sdk/", r"^google-api-python-client", r"genai-js/")
    usage_fields = MappingProxyType(
        {
            "input_tokens": "usageMetadata.promptTokenCount",
            "output_tokens": "usageMetadata.candidatesTokenCount",
            "reasoning_tokens": "usageMetadata.thoughtsTokenCount",
            "cached_tokens": "usageMetadata.cachedContentTokenCount",
        }
    )
    provider = "llm_fakes.http.gemini.GeminiProvider"
    fake = "llm_fakes.http.fake_gemini.FakeGemini"
    base_path = ""

    def matches(self, path: str) -> bool:
        found = route(path.split("?", 1)[0])
        return found is not None and found[1] != "countTokens"

    def request_path(self, model: str, *, stream: bool = False) -> str:
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return f"/v1beta/models/{model}:{method}"

    def describe_paths(self) -> str:
        return "POST */models/{model}:generateContent or :streamGenerateContent"

    def is_stream(self, path: str, body: Mapping[str, Any]) -> bool:
        found = route(path.split("?", 1)[0])
        return found is not None and found[1] == "streamGenerateContent"

    def model_of(self, path: str, body: Mapping[str, Any]) -> str:
        found = route(path.split("?", 1)[0])
        return found[0] if found else ""

    def request_terms(self, body: dict[str, Any]) -> RequestTerms:
        config = field(body, "generationConfig") or {}
        declared = tuple(
            str(decl.get("name", ""))
            for group in field(body, "tools") or ()
            for decl in field(group, "functionDeclarations") or ()
            if isinstance(decl, dict)
        )
        calling = field(field(body, "toolConfig"), "functionCallingConfig") or {}
        mode = str(field(calling, "mode") or "AUTO").upper()
        allowed = field(calling, "allowedFunctionNames")
        if isinstance(allowed, list) and allowed:
            declared = tuple(name for name in declared if name in allowed)
        choice: ToolChoice = "none" if mode == "NONE" else "required" if mode == "ANY" else "auto"
        max_tokens = field(config, "maxOutputTokens")
        return RequestTerms(
            max_tokens=int(max_tokens) if isinstance(max_tokens, int) else None,
            max_tokens_field="generationConfig.maxOutputTokens",
            stop=stop_list(field(config, "stopSequences")),
            stop_field="generationConfig.stopSequences",
            tools=declared,
            tool_choice=choice,
            # No thinking check: the model thinks either way (thoughtsTokenCount), and FakeGemini
            # sends thought parts only to a request with thinkingConfig.includeThoughts.
            # FakeGemini sends no hosted-tool parts: a scripted ServerToolCall is refused.
            server_tools=(),
        )

    def read_request(self, body: dict[str, Any], *, path: str = "") -> RequestView:
        return read_body(body, self.model_of(path, body), stream=self.is_stream(path, body))

    def usage(self, data: Mapping[str, Any]) -> dict[str, int]:
        """The usage counts, output tokens counting the thoughts as the parser does.

        Example:
            >>> Gemini().usage({"usageMetadata": {"promptTokenCount": 9,
            ...     "candidatesTokenCount": 2, "thoughtsTokenCount": 5}})["output_tokens"]
            7
        """
        out = super().usage(data)
        if "reasoning_tokens" in out:
            out["output_tokens"] = out.get("output_tokens", 0) + out["reasoning_tokens"]
        return out

    def build_request(self, model: str, messages: Any, **fields: Any) -> dict[str, Any]:
        return build_request(messages, **fields)

    def parse_response(self, data: dict[str, Any], types: TypeSet, model: str) -> Any:
        return parse_response(data, types, model)

    def stream_decoder(self, types: TypeSet, model: str) -> Any:
        return EventDecoder(types, model)

    def error_details(self, body: bytes) -> tuple[str | None, str | None]:
        try:
            data = json.loads(body)
        except ValueError:
            return None, None
        err = data.get("error") if isinstance(data, dict) else None
        if not isinstance(err, dict):
            return None, None
        message, status = err.get("message"), err.get("status")
        return (
            message if isinstance(message, str) else None,
            status if isinstance(status, str) and status else None,
        )

    def retry_after(self, headers: Mapping[str, str], body: bytes) -> float | None:
        try:
            wait = retry_delay(json.loads(body))
        except ValueError:
            wait = None
        return wait if wait is not None else super().retry_after(headers, body)

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        return error_body(status, message)
