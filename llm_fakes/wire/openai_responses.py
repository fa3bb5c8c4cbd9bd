"""The OpenAI Responses wire format, client side: requests out, responses and events in.

**Requests** (:func:`build_request`). The seed's OpenAI-style history becomes ``input`` items: a
user (or system) message stays a message item; an assistant message becomes a message item for its
text (sent even when empty, as real clients do) followed by one ``function_call`` item per tool
call; a ``tool`` message
becomes a ``function_call_output`` item. ``system=`` is sent as ``instructions``; tools as
function tools with ``"strict": false`` (the API makes function tools strict unless told, and a
strict tool's schema must list every property as required: the seed's tools are not written for
that); ``max_tokens`` as ``max_output_tokens``; ``json_mode`` as ``text.format`` of type
``json_object`` and a ``json_schema`` ``response_format`` as ``text.format`` of type
``json_schema`` with its ``name``, ``schema`` and ``strict``. ``store`` is sent as ``false`` by
default: every call carries the whole history (the seed has no ``previous_response_id``), so
nothing needs to be kept server-side.

**Responses** (:func:`parse_response`, :class:`EventDecoder`). Text is the ``output_text`` parts of
``message`` items (a ``refusal`` part counts as text, so a refusal is not mistaken for an empty
answer); tool calls are the ``function_call`` items (``call_id``, ``name``, parsed ``arguments``),
in output order. Server-side tool items (``web_search_call``, ``file_search_call``,
``code_interpreter_call``, ``mcp_call``, ``image_generation_call``...) are never the caller's tool
calls and are skipped. Reasoning summaries (and raw ``reasoning_text``) are reasoning events in
``stream()``, successive summary parts separated by a blank line. Stop reasons are the seed's
words: ``"tool_calls"`` when there are function calls,
``"length"`` for an ``incomplete`` response cut at ``max_output_tokens``, ``"content_filter"``,
else ``"stop"``. A ``failed`` response, a ``response.failed`` event or an ``error`` event is a
typed error. Unknown event types are skipped.

Example:
    >>> body = build_request("gpt-4o", [{"role": "user", "content": "hi"}], system="Be brief.",
    ...                      max_tokens=50, json_mode=True)
    >>> body["instructions"], body["input"], body["text"]
    ('Be brief.', [{'role': 'user', 'content': 'hi'}], {'format': {'type': 'json_object'}})
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from llm_fakes.errors import ProviderError, ResponseFormatError, error_for_status
from llm_fakes.types import ToolUse
from llm_fakes.typeset import TypeSet
from llm_fakes.wire._assemble import EventAssembler, event_payload, parse_arguments, tool_spec
from llm_fakes.wire.base import RequestView
from llm_fakes.wire.errors import error_from_event
from llm_fakes.wire.openai_chat import OpenAIWire
from llm_fakes.wire.terms import RequestTerms, tool_choice_of

__all__ = [
    "MIN_OUTPUT_TOKENS",
    "EventDecoder",
    "OpenAIResponses",
    "build_request",
    "error_from_failure",
    "input_items",
    "item_kind",
    "item_text",
    "parse_response",
    "read_responses_request",
    "text_format",
    "to_input_items",
]

#: The smallest ``max_output_tokens`` the API accepts; a smaller ``max_tokens`` is sent as this.
MIN_OUTPUT_TOKENS = 16
_PART_TYPES = {"text": "input_text", "image_url": "input_image"}


def _content(content: Any, role: str) -> Any:
    """Message content: a string as is; Chat-style parts in the Responses API's part types."""
    if not isinstance(content, list):
        return "" if content is None else content
    out = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            text_type = "output_text" if role == "assistant" else "input_text"
            out.append({"type": text_type, "text": part.get("text", "")})
        elif kind == "image_url":
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            out.append({"type": "input_image", "image_url": url})
        else:
            out.append(part)
    return out


def _arguments(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def to_input_items(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``input`` items for a seed-style history.

    Example:
        >>> to_input_items([
        ...     {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
        ...      "function": {"name": "f", "arguments": "{}"}}]},
        ...     {"role": "tool", "tool_call_id": "c1", "content": "ok"}])[1:]
        [{'type': 'function_call', 'call_id': 'c1', 'name': 'f', 'arguments': '{}'}, \
{'type': 'function_call_output', 'call_id': 'c1', 'output': 'ok'}]
    """
    items: list[dict[str, Any]] = []
    for m in messages:
        role = m.get("role")
        if role == "tool":
            output = m.get("content")
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": str(m.get("tool_call_id") or ""),
                    "output": output if isinstance(output, str) else _arguments(output),
                }
            )
            continue
        # An assistant message is sent even when empty (as real clients do): the next turn's
        # request then shows the history's messages one for one.
        items.append({"role": role, "content": _content(m.get("content"), str(role))})
        for call in m.get("tool_calls") or () if role == "assistant" else ():
            fn = call.get("function") or {}
            items.append(
                {
                    "type": "function_call",
                    "call_id": str(call.get("id") or ""),
                    "name": str(fn.get("name") or ""),
                    "arguments": _arguments(fn.get("arguments", "")),
                }
            )
    return items


def text_format(response_format: dict[str, Any] | None, json_mode: bool) -> dict[str, Any] | None:
    """The ``text.format`` for a Chat-style ``response_format`` / ``json_mode`` (None: plain text).

    Example:
        >>> text_format({"type": "json_schema", "json_schema": {"name": "p", "schema": {}}}, False)
        {'type': 'json_schema', 'name': 'p', 'schema': {}}
    """
    if response_format is not None:
        kind = response_format.get("type")
        if kind == "json_schema":
            spec = response_format.get("json_schema") or {}
            fmt: dict[str, Any] = {"type": "json_schema", "name": spec.get("name") or "response"}
            for key in ("description", "schema", "strict"):
                if key in spec:
                    fmt[key] = spec[key]
            return fmt
        if kind in ("json_object", "text"):
            return {"type": kind}
        return dict(response_format)  # already in the Responses API's flat shape
    return {"type": "json_object"} if json_mode else None


def build_request(
    model: str,
    messages: Sequence[dict[str, Any]],
    *,
    system: str = "",
    tools: Sequence[Any] | None = None,
    max_tokens: int = 1024,
    response_format: dict[str, Any] | None = None,
    json_mode: bool = False,
    stream: bool = False,
    store: bool = False,
    reasoning: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``/responses`` request body for one call (see the module docstring)."""
    body: dict[str, Any] = {"model": model, "input": to_input_items(messages)}
    if system:
        body["instructions"] = system
    body["max_output_tokens"] = max(int(max_tokens), MIN_OUTPUT_TOKENS)
    if tools:
        body["tools"] = []
        for tool in tools:
            name, desc, params = tool_spec(tool)
            body["tools"].append(
                {
                    "type": "function",
                    "name": name,
                    "description": desc,
                    "parameters": params,
                    "strict": False,
                }
            )
    fmt = text_format(response_format, json_mode)
    if fmt is not None:
        body["text"] = {"format": fmt}
    if reasoning:
        body["reasoning"] = dict(reasoning)
    body["store"] = store
    if stream:
        body["stream"] = True
    return body


def usage_of(usage: Any) -> tuple[int, int, int, int]:
    """(input, output, cached, reasoning) tokens from a Responses ``usage`` object."""
    if not isinstance(usage, dict):
        return 0, 0, 0, 0
    cached = (usage.get("input_tokens_details") or {}).get("cached_tokens")
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens")
    return (
        int(usage.get("input_tokens") or 0),
        int(usage.get("output_tokens") or 0),
        int(cached or 0),
        int(reasoning or 0),
    )


def stop_reason_of(response: dict[str, Any], has_calls: bool) -> str:
    """The seed's stop reason for a finished response object."""
    if response.get("status") == "incomplete":
        reason = (response.get("incomplete_details") or {}).get("reason")
        return "length" if reason in (None, "max_output_tokens") else str(reason)
    return "tool_calls" if has_calls else "stop"


def error_from_failure(error: Any, what: str) -> ProviderError:
    """The typed error for a ``failed`` response's ``error`` (``{"code", "message"}``).

    Unlike an ``error`` *event* (:func:`~llm_fakes.wire.errors.error_from_event`, never retried:
    the server ended a stream it had started), a failed response is a whole answer that failed,
    so ``server_error`` and ``rate_limit_exceeded`` are retried like the HTTP statuses they mean.

    Example:
        >>> error_from_failure({"code": "server_error", "message": "boom"}, "x")
        ServerError('ServerError (HTTP 500): boom')
    """
    code = error.get("code") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    text = message if isinstance(message, str) and message else f"{what} failed"
    if code == "server_error":
        return error_for_status(500, text)
    if code == "rate_limit_exceeded":
        return error_for_status(429, text)
    return ProviderError(f"{text} (error code {code!r} in a failed response)")


#: Output items that are the model's own words or calls; any other is a hosted tool's output.
_MODEL_ITEMS = ("message", "function_call", "reasoning", "custom_tool_call")
#: Hosted tool types (as declared in ``tools``) and the script's ServerToolCall kind for each.
HOSTED_TOOLS = {
    "web_search": "web_search",
    "web_search_preview": "web_search",
    "web_search_preview_2025_03_11": "web_search",
    "web_search_2025_08_26": "web_search",
    "file_search": "file_search",
    "code_interpreter": "code_interpreter",
    "image_generation": "image_generation",
}


def has_server_output(data: dict[str, Any]) -> bool:
    """Whether a response's output holds a hosted (server-side) tool item: an image generated,
    code run, a search made. Such an answer is complete even with no text.

    Example:
        >>> has_server_output({"output": [{"type": "image_generation_call", "result": "aGk="}]})
        True
    """
    output = data.get("output")
    return isinstance(output, list) and any(
        isinstance(i, dict) and i.get("type") not in _MODEL_ITEMS for i in output
    )


def _message_text(item: dict[str, Any]) -> str:
    text = ""
    for part in item.get("content") or ():
        kind = part.get("type")
        if kind == "output_text":
            text += str(part.get("text") or "")
        elif kind == "refusal":
            text += str(part.get("refusal") or "")
    return text


def parse_response(data: dict[str, Any], types: TypeSet, model: str) -> Any:
    """An ``LLMResponse`` (in ``types``' class) from a ``response`` object.

    Example:
        >>> body = {"model": "gpt-4o", "status": "completed", "output": [{"type": "message",
        ...         "content": [{"type": "output_text", "text": "4"}]}],
        ...         "usage": {"input_tokens": 9, "output_tokens": 1}}
        >>> r = parse_response(body, TypeSet.default(), "gpt-4o")
        >>> r.content, r.stop_reason, r.input_tokens, r.output_tokens
        ('4', 'stop', 9, 1)
    """
    try:
        output = data.get("output")
        if not isinstance(output, list):
            raise ResponseFormatError(
                f"A Responses API body needs an 'output' list, got keys {sorted(data)!r}. "
                "Check base_url points at an API that serves POST /responses."
            )
        if data.get("status") == "failed":
            raise error_from_failure(data.get("error"), "The response")
        text, uses = "", []
        for item in output:
            kind = item.get("type")
            if kind == "message":
                text += _message_text(item)
            elif kind == "function_call":
                uses.append(
                    ToolUse(
                        id=str(item.get("call_id") or ""),
                        name=str(item.get("name") or ""),
                        input=parse_arguments(item.get("arguments")),
                    )
                )
        input_tokens, output_tokens, cached, reasoning = usage_of(data.get("usage"))
        extras = types.extras("LLMResponse", reasoning_tokens=reasoning, cache_read_tokens=cached)
        return types.response(
            content=text,
            model=str(data.get("model") or model),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            stop_reason=stop_reason_of(data, bool(uses)),
            raw_response=data,
            tool_uses=uses,
            **extras,
        )
    except (AttributeError, TypeError, ValueError) as exc:
        if isinstance(exc, ResponseFormatError):
            raise
        raise ResponseFormatError(f"Unexpected Responses API body shape: {exc}") from exc


_TEXT_DELTAS = ("response.output_text.delta", "response.refusal.delta")
_REASONING_DELTAS = ("response.reasoning_summary_text.delta", "response.reasoning_text.delta")
_FINISHED = ("response.completed", "response.incomplete")


class EventDecoder:
    """Turns Responses API server-sent events into stream events.

    Tool calls are keyed by ``output_index``, so parallel calls come out in output order.

    Example:
        >>> d = EventDecoder(TypeSet.default(), model="m")
        >>> [e.content for e in d.feed("", '{"type": "response.output_text.delta", '
        ...  '"output_index": 0, "content_index": 0, "delta": "Hi"}')]
        ['Hi']
        >>> d.feed("", '{"type": "response.something_new"}')
        []
    """

    def __init__(self, types: TypeSet, model: str) -> None:
        self.state = EventAssembler(types, model)
        self._events = 0
        self._calls: set[int] = set()

    @property
    def done(self) -> bool:
        """Whether ``response.completed`` (or ``response.incomplete``) has been seen."""
        return self.state.done

    def feed(self, event: str, data: str) -> list[Any]:
        """Events for one server-sent event (its ``event:`` name and ``data:`` payload)."""
        if self.state.done:
            return []
        self._events += 1
        payload = event_payload(data, self._events, event)
        kind = str(payload.get("type") or event)
        if kind == "error":
            err = payload.get("error")
            if not isinstance(err, dict):  # the documented shape: code and message at the top
                err = {"type": payload.get("code"), "message": payload.get("message")}
            raise error_from_event({"error": err}, "the Responses API stream")
        if kind == "response.failed":
            failed = payload.get("response") or {}
            raise error_from_failure(failed.get("error"), "The streamed response")
        try:
            return self._apply(kind, payload)
        except (AttributeError, TypeError, ValueError) as exc:
            raise ResponseFormatError(
                f"Stream event #{self._events} ({kind}) has an unexpected shape ({exc}): "
                f"{data[:80]!r}"
            ) from exc

    def _apply(self, kind: str, p: dict[str, Any]) -> list[Any]:
        st = self.state
        if kind in _TEXT_DELTAS:
            return st.text_delta(str(p.get("delta") or ""))
        if kind in _REASONING_DELTAS:
            return st.reasoning_delta(str(p.get("delta") or ""))
        if kind == "response.function_call_arguments.delta":
            index = int(p.get("output_index", 0))
            if index in self._calls:
                st.call_arguments(index, str(p.get("delta") or ""))
        elif kind == "response.reasoning_summary_part.added":
            if int(p.get("summary_index", 0)) > 0:  # summary parts are paragraphs
                return st.reasoning_delta("\n\n")
        elif kind in ("response.output_item.added", "response.output_item.done"):
            item = p.get("item") or {}
            if kind.endswith(".done") and item.get("type") not in (*_MODEL_ITEMS, None):
                st.server_items.append(item)
            if item.get("type") == "function_call":
                index = int(p.get("output_index", 0))
                self._calls.add(index)
                st.start_call(index, str(item.get("call_id") or ""), str(item.get("name") or ""))
                if kind.endswith(".done"):
                    st.call_done(index, str(item.get("arguments") or ""))
        elif kind in ("response.created", "response.in_progress"):
            response = p.get("response") or {}
            st.model = str(response.get("model") or st.model)
        elif kind in _FINISHED:
            response = p.get("response") or {}
            st.model = str(response.get("model") or st.model)
            st.input_tokens, st.output_tokens, st.cached_tokens, _ = usage_of(response.get("usage"))
            st.stop_reason = stop_reason_of(response, bool(self._calls))
            st.done = True
        return []

    def finish(self) -> list[Any]:
        """The closing events; :class:`ResponseFormatError` if the response never finished."""
        if not self.state.done:
            raise ResponseFormatError(
                f"The Responses API stream ended before 'response.completed' after "
                f"{self._events} event(s) and {len(self.state.text)} characters of text: the "
                "response was truncated."
            )
        return self.state.final_events()


_TEXT_PARTS = ("input_text", "output_text", "text", "summary_text")


def input_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    raw = body.get("input")
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    return list(raw or ())


def item_kind(item: dict[str, Any]) -> str:
    return str(item.get("type") or ("message" if "role" in item else ""))


def item_text(content: Any) -> Any:
    """Message content as the seed has it: a string (text parts joined), else the parts."""
    if isinstance(content, str):
        return content
    parts = [p for p in content if isinstance(p, dict)]
    if all(p.get("type") in _TEXT_PARTS for p in parts):
        return "".join(str(p.get("text") or p.get("refusal") or "") for p in parts)
    return parts


def read_responses_request(body: dict[str, Any]) -> RequestView:
    """A ``/responses`` body in the kit's terms: ``input`` items as OpenAI-style messages,
    ``instructions`` (and system/developer messages) as ``system``, ``text.format`` as a
    Chat-style ``response_format``."""
    system = [body["instructions"]] if body.get("instructions") else []
    messages: list[dict[str, Any]] = []
    joinable = False  # whether a function_call item continues the last assistant message
    for item in input_items(body):
        kind = item_kind(item)
        if kind == "message":
            role = item["role"]
            if role in ("system", "developer"):
                system.append(str(item_text(item["content"])))
                joinable = False
                continue
            messages.append({"role": role, "content": item_text(item["content"])})
            joinable = role == "assistant"
        elif kind == "function_call":
            if not joinable:
                messages.append({"role": "assistant", "content": ""})
                joinable = True
            messages[-1].setdefault("tool_calls", []).append(
                {
                    "id": item["call_id"],
                    "type": "function",
                    "function": {"name": item["name"], "arguments": item["arguments"]},
                }
            )
        elif kind == "function_call_output":
            output = item.get("output")
            content = output if isinstance(output, str) else item_text(output or [])
            messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": content})
            joinable = False
    fmt = (body.get("text") or {}).get("format")
    ftype = fmt.get("type") if isinstance(fmt, dict) else None
    rf: dict[str, Any] | None = None
    schema = None
    if ftype == "json_object":
        rf = {"type": "json_object"}
    elif ftype == "json_schema":
        assert isinstance(fmt, dict)
        schema = fmt.get("schema")
        spec = {k: fmt[k] for k in ("name", "description", "schema", "strict") if k in fmt}
        rf = {"type": "json_schema", "json_schema": spec}
    return {
        "model": body["model"],
        "messages": messages,
        "system": "\n\n".join(system),
        "tools": [
            {
                "name": t["name"],
                "description": t.get("description") or "",
                "parameters": t.get("parameters") or {},
            }
            for t in body.get("tools") or ()
            if t.get("type") == "function"
        ],
        "max_tokens": body.get("max_output_tokens"),
        "stream": bool(body.get("stream")),
        "json_mode": rf is not None,
        "response_format": rf,
        "schema": schema if isinstance(schema, dict) else None,
    }


class OpenAIResponses(OpenAIWire):
    """The OpenAI Responses API (``POST /v1/responses``), served by the same fake as Chat.

    Example:
        >>> OpenAIResponses().matches("/v1/responses"), OpenAIResponses().door
        (True, 'openai')
    """

    key = "openai-responses"
    aliases = ("responses",)
    title = "OpenAI Responses"
    path_suffixes = ("/responses",)
    usage_fields = MappingProxyType(
        {
            "input_tokens": "usage.input_tokens",
            "output_tokens": "usage.output_tokens",
            "cached_tokens": "usage.input_tokens_details.cached_tokens",
            "reasoning_tokens": "usage.output_tokens_details.reasoning_tokens",
        }
    )
    provider = "llm_fakes.http.openai_responses.OpenAIResponsesProvider"

    def request_terms(self, body: dict[str, Any]) -> RequestTerms:
        tools = body.get("tools") or ()
        choice, forced = tool_choice_of(body.get("tool_choice", "auto" if tools else "none"))
        return RequestTerms(
            max_tokens=body.get("max_output_tokens"),
            max_tokens_field="max_output_tokens",
            # Function and custom tools are the ones a script's ToolCall stands for.
            tools=tuple(t["name"] for t in tools if t.get("type") in ("function", "custom")),
            tool_choice=choice,
            forced_tool=forced,
            parallel_tool_calls=body.get("parallel_tool_calls") is not False,
            server_tools=tuple(
                HOSTED_TOOLS[t["type"]] for t in tools if t.get("type") in HOSTED_TOOLS
            ),
        )

    def has_server_output(self, data: dict[str, Any]) -> bool:
        return has_server_output(data)

    def read_request(self, body: dict[str, Any], *, path: str = "") -> RequestView:
        return read_responses_request(body)

    def build_request(self, model: str, messages: Any, **fields: Any) -> dict[str, Any]:
        return build_request(model, messages, **fields)

    def parse_response(self, data: dict[str, Any], types: TypeSet, model: str) -> Any:
        return parse_response(data, types, model)

    def stream_decoder(self, types: TypeSet, model: str) -> Any:
        return EventDecoder(types, model)
