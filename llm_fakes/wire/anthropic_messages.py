"""The Anthropic Messages wire format, client side: requests out, messages and events in.

**Messages.** The seed's OpenAI-style history becomes Messages API content blocks: an assistant
message's ``tool_calls`` become ``tool_use`` blocks (after its text), and ``tool`` messages become
``tool_result`` blocks, consecutive ones merged into *one* user message, as the API requires
every ``tool_use`` to be answered in the very next message. ``system`` messages join the
top-level ``system``; a message's ``cache_control`` moves onto its text block.

**JSON mode** (the Messages API has no schema-less JSON switch), the documented strategy:

* ``response_format={"type": "json_schema", ...}`` is sent natively as
  ``output_config={"format": {"type": "json_schema", "schema": <the schema, intact>}}``;
* ``json_mode=True`` or ``{"type": "json_object"}`` appends :data:`JSON_INSTRUCTION` to the
  system prompt (as the seed framework does for every provider). No prefill is used, so the
  content comes back exactly as the model wrote it. :class:`~llm_fakes.FakeAnthropic` recognises
  both, so its request log shows ``json_mode=True`` (contract J1).

**Stop reasons** are reported in the seed's (OpenAI's) words so one script reads the same through
every backend: ``end_turn``/``stop_sequence`` -> ``"stop"``, ``tool_use`` -> ``"tool_calls"``,
``max_tokens`` -> ``"length"``; others pass through. ``input_tokens`` counts the whole prompt
(``input_tokens + cache_read_input_tokens + cache_creation_input_tokens``), as OpenAI's does.

Example:
    >>> body = build_request("claude-x", [{"role": "user", "content": "hi"}], max_tokens=9)
    >>> body
    {'model': 'claude-x', 'max_tokens': 9, 'messages': [{'role': 'user', 'content': 'hi'}]}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from llm_fakes.errors import ResponseFormatError
from llm_fakes.types import ToolUse
from llm_fakes.typeset import TypeSet
from llm_fakes.wire._assemble import EventAssembler, event_payload, parse_arguments, tool_spec
from llm_fakes.wire.base import Auth, RequestView, WireAPI
from llm_fakes.wire.errors import api_words, error_from_event
from llm_fakes.wire.terms import RequestTerms, has_key, stop_list, tool_choice_of

__all__ = [
    "ANTHROPIC_VERSION",
    "JSON_INSTRUCTION",
    "AnthropicMessages",
    "EventDecoder",
    "build_request",
    "content_blocks",
    "normalise_stop_reason",
    "output_format",
    "parse_message",
    "read_messages_request",
    "seed_messages",
    "text_of",
    "to_anthropic_messages",
]

ANTHROPIC_VERSION = "2023-06-01"
JSON_INSTRUCTION = "Please respond with a valid JSON object."
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
}


def normalise_stop_reason(reason: Any) -> str:
    """The seed's word for an Anthropic stop reason.

    Example:
        >>> normalise_stop_reason("tool_use"), normalise_stop_reason("refusal")
        ('tool_calls', 'refusal')
    """
    return STOP_REASONS.get(str(reason or ""), str(reason or ""))


def _text_blocks(content: Any, cache_control: Any) -> list[dict[str, Any]] | str:
    if isinstance(content, str):
        if cache_control is None:
            return content
        return [{"type": "text", "text": content, "cache_control": cache_control}]
    return list(content or [])


def to_anthropic_messages(
    messages: Sequence[dict[str, Any]], system: str = ""
) -> tuple[str, list[dict[str, Any]]]:
    """(system, wire messages) for a seed-style history.

    Example:
        >>> history = [
        ...     {"role": "user", "content": "weather?"},
        ...     {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
        ...      "function": {"name": "w", "arguments": '{"city": "Oslo"}'}}]},
        ...     {"role": "tool", "tool_call_id": "c1", "content": "rain"},
        ... ]
        >>> _, wire = to_anthropic_messages(history)
        >>> wire[1]["content"], wire[2]["content"]
        ([{'type': 'tool_use', 'id': 'c1', 'name': 'w', 'input': {'city': 'Oslo'}}], \
[{'type': 'tool_result', 'tool_use_id': 'c1', 'content': 'rain'}])
    """
    systems = [system] if system else []
    out: list[dict[str, Any]] = []
    for m in messages:
        role = m.get("role")
        content = m.get("content")
        if role == "system":
            if content:
                systems.append(content if isinstance(content, str) else json.dumps(content))
        elif role == "tool":
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": str(m.get("tool_call_id", "")),
                "content": content if content is not None else "",
            }
            if m.get("is_error"):
                block["is_error"] = True
            last = out[-1] if out else None
            if last and last["role"] == "user" and last.get("_tool_results"):
                last["content"].append(block)
            else:
                out.append({"role": "user", "content": [block], "_tool_results": True})
        elif role == "assistant" and m.get("tool_calls"):
            blocks: list[dict[str, Any]] = []
            if isinstance(content, str) and content:
                blocks.append({"type": "text", "text": content})
            elif isinstance(content, list):
                blocks.extend(content)
            for call in m["tool_calls"]:
                fn = call.get("function") or {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": str(call.get("id", "")),
                        "name": str(fn.get("name", "")),
                        "input": parse_arguments(fn.get("arguments")),
                    }
                )
            out.append({"role": "assistant", "content": blocks})
        else:
            text = content if content is not None else ""
            out.append({"role": role, "content": _text_blocks(text, m.get("cache_control"))})
    for msg in out:
        msg.pop("_tool_results", None)
    return "\n\n".join(systems), out


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
) -> dict[str, Any]:
    """The ``/v1/messages`` request body for one call (see the module docstring for JSON mode)."""
    system_text, wire = to_anthropic_messages(messages, system)
    rf_type = (response_format or {}).get("type")
    if rf_type == "json_object" or (json_mode and rf_type != "json_schema"):
        system_text = f"{system_text}\n\n{JSON_INSTRUCTION}" if system_text else JSON_INSTRUCTION
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": wire}
    if system_text:
        body["system"] = system_text
    if tools:
        body["tools"] = []
        for tool in tools:
            name, desc, params = tool_spec(tool)
            body["tools"].append({"name": name, "description": desc, "input_schema": params})
    if rf_type == "json_schema":
        assert response_format is not None
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema") if isinstance(spec, dict) else None
        schema = schema if schema is not None else response_format.get("schema")
        if not isinstance(schema, dict):
            raise ValueError(
                f"response_format {response_format!r} has no schema. Pass "
                '{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}}}.'
            )
        body["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
    if stream:
        body["stream"] = True
    return body


def _usage(usage: Any) -> tuple[int, int, int]:
    if not isinstance(usage, dict):
        return 0, 0, 0
    cached = int(usage.get("cache_read_input_tokens") or 0)
    created = int(usage.get("cache_creation_input_tokens") or 0)
    return (
        int(usage.get("input_tokens") or 0) + cached + created,
        int(usage.get("output_tokens") or 0),
        cached,
    )


def _hosted(block: Any) -> bool:
    kind = str(block.get("type") or "") if isinstance(block, dict) else ""
    return kind == "server_tool_use" or kind.endswith("_tool_result")


def has_server_output(data: dict[str, Any]) -> bool:
    """Whether a message holds hosted (server-side) tool blocks (``server_tool_use``,
    ``web_search_tool_result``...): a complete answer even with no text.

    Example:
        >>> has_server_output({"content": [{"type": "server_tool_use", "name": "web_search"}]})
        True
    """
    content = data.get("content")
    return isinstance(content, list) and any(_hosted(b) for b in content)


def parse_message(data: dict[str, Any], types: TypeSet, model: str) -> Any:
    """An ``LLMResponse`` (in ``types``' class) from a Messages API ``message`` body.

    Example:
        >>> body = {"model": "claude-x", "content": [{"type": "text", "text": "4"}],
        ...         "stop_reason": "end_turn", "usage": {"input_tokens": 9, "output_tokens": 1}}
        >>> r = parse_message(body, TypeSet.default(), "claude-x")
        >>> r.content, r.stop_reason, r.input_tokens
        ('4', 'stop', 9)
    """
    try:
        blocks = data.get("content")
        if not isinstance(blocks, list):
            raise ResponseFormatError(
                f"A Messages API body needs a 'content' list, got keys {sorted(data)!r}. "
                "Check base_url points at the Anthropic API."
            )
        text, uses = "", []
        for block in blocks:
            kind = block.get("type")
            if kind == "text":
                text += str(block.get("text") or "")
            elif kind == "tool_use":
                uses.append(
                    ToolUse(
                        id=str(block.get("id", "")),
                        name=str(block.get("name", "")),
                        input=parse_arguments(block.get("input")),
                    )
                )
        usage = data.get("usage")
        input_tokens, output_tokens, cached = _usage(usage)
        created = int((usage or {}).get("cache_creation_input_tokens") or 0)
        extras = types.extras(
            "LLMResponse", cache_read_tokens=cached, cache_creation_tokens=created
        )
        return types.response(
            content=text,
            model=str(data.get("model") or model),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            stop_reason=normalise_stop_reason(data.get("stop_reason")),
            raw_response=data,
            tool_uses=uses,
            **extras,
        )
    except (AttributeError, TypeError, ValueError) as exc:
        if isinstance(exc, ResponseFormatError):
            raise
        raise ResponseFormatError(f"Unexpected Messages API body shape: {exc}") from exc


class EventDecoder:
    """Turns Messages API server-sent events into stream events.

    Example:
        >>> d = EventDecoder(TypeSet.default(), model="m")
        >>> d.feed("content_block_start", '{"type": "content_block_start", "index": 0, '
        ...        '"content_block": {"type": "text", "text": ""}}')
        []
        >>> [e.content for e in d.feed("content_block_delta", '{"type": "content_block_delta", '
        ...  '"index": 0, "delta": {"type": "text_delta", "text": "Hi"}}')]
        ['Hi']
    """

    def __init__(self, types: TypeSet, model: str) -> None:
        self.state = EventAssembler(types, model)
        self._events = 0
        self._blocks: dict[int, str] = {}
        self._thinking: dict[str, Any] | None = None  # the thinking block being streamed

    @property
    def done(self) -> bool:
        """Whether ``message_stop`` has been seen."""
        return self.state.done

    def feed(self, event: str, data: str) -> list[Any]:
        """Events for one server-sent event (its ``event:`` name and ``data:`` payload)."""
        if self.state.done:
            return []
        self._events += 1
        payload = event_payload(data, self._events, event)
        kind = payload.get("type") or event
        if kind == "error":
            raise error_from_event(payload, "the Messages API stream")
        try:
            return self._apply(str(kind), payload)
        except (AttributeError, TypeError, ValueError) as exc:
            raise ResponseFormatError(
                f"Stream event #{self._events} ({kind}) has an unexpected shape ({exc}): "
                f"{data[:80]!r}"
            ) from exc

    def _apply(self, kind: str, p: dict[str, Any]) -> list[Any]:
        st = self.state
        if kind == "message_start":
            message = p.get("message") or {}
            st.model = str(message.get("model") or st.model)
            usage = message.get("usage") or {}
            st.input_tokens, st.output_tokens, st.cached_tokens = _usage(usage)
            st.cache_creation_tokens = int(usage.get("cache_creation_input_tokens") or 0)
        elif kind == "content_block_start":
            index = int(p.get("index", 0))
            block = p.get("content_block") or {}
            self._blocks[index] = str(block.get("type"))
            if _hosted(block):
                st.server_items.append(block)
            if block.get("type") == "tool_use":
                st.start_call(index, str(block.get("id", "")), str(block.get("name", "")))
            elif block.get("type") == "thinking":
                st.thinking_blocks.append({"type": "thinking", "thinking": "", "signature": ""})
                self._thinking = st.thinking_blocks[-1]
                piece = str(block.get("thinking") or "")
                self._thinking["thinking"] += piece
                self._thinking["signature"] = str(block.get("signature") or "")
                return st.reasoning_delta(piece)
            elif block.get("type") == "text":
                return st.text_delta(str(block.get("text") or ""))
        elif kind == "content_block_delta":
            index = int(p.get("index", 0))
            delta = p.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta":
                return st.text_delta(str(delta.get("text") or ""))
            if dtype == "thinking_delta":
                piece = str(delta.get("thinking") or "")
                if self._thinking is not None:
                    self._thinking["thinking"] += piece
                return st.reasoning_delta(piece)
            if dtype == "signature_delta" and self._thinking is not None:
                self._thinking["signature"] += str(delta.get("signature") or "")
            if dtype == "input_json_delta" and self._blocks.get(index) == "tool_use":
                # Only tool_use blocks are the caller's calls: server_tool_use and
                # mcp_tool_use blocks (web search, code execution, MCP) stream input too.
                st.call_arguments(index, str(delta.get("partial_json") or ""))
        elif kind == "message_delta":
            delta = p.get("delta") or {}
            if delta.get("stop_reason"):
                st.stop_reason = normalise_stop_reason(delta["stop_reason"])
            usage = p.get("usage") or {}
            if "output_tokens" in usage:
                st.output_tokens = int(usage.get("output_tokens") or 0)
            if "input_tokens" in usage:
                st.input_tokens, _, st.cached_tokens = _usage(usage)
            if "cache_creation_input_tokens" in usage:
                st.cache_creation_tokens = int(usage.get("cache_creation_input_tokens") or 0)
        elif kind == "message_stop":
            st.done = True
        return []

    def finish(self) -> list[Any]:
        """The closing events; :class:`ResponseFormatError` if ``message_stop`` never came."""
        if not self.state.done:
            raise ResponseFormatError(
                f"The Messages API stream ended before 'message_stop' after {self._events} "
                f"event(s) and {len(self.state.text)} characters of text: the response was "
                "truncated."
            )
        return self.state.final_events()


def content_blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)]


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(
        str(b.get("text", "")) for b in content_blocks(content) if b.get("type") == "text"
    )


def seed_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wire messages back in the seed's OpenAI style (what ``AnthropicProvider`` was given)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        content = m["content"]
        if isinstance(content, str):
            out.append({"role": m["role"], "content": content})
            continue
        blocks = content_blocks(content)
        if m["role"] == "user":
            for b in blocks:
                if b.get("type") == "tool_result":
                    res = b.get("content", "")
                    tool: dict[str, Any] = {
                        "role": "tool",
                        "tool_call_id": b.get("tool_use_id"),
                        "content": res if isinstance(res, str) else text_of(res),
                    }
                    if b.get("is_error"):
                        tool["is_error"] = True
                    out.append(tool)
            if any(b.get("type") != "tool_result" for b in blocks):
                out.append({"role": "user", "content": text_of(blocks)})
            continue
        msg: dict[str, Any] = {"role": "assistant", "content": text_of(blocks)}
        calls = [b for b in blocks if b.get("type") == "tool_use"]
        if calls:
            msg["tool_calls"] = [
                {
                    "id": b.get("id"),
                    "type": "function",
                    "function": {"name": b.get("name"), "arguments": json.dumps(b.get("input"))},
                }
                for b in calls
            ]
        out.append(msg)
    return out


def output_format(body: dict[str, Any]) -> Any:
    """The requested output format: ``output_config.format``, or the structured-outputs beta's
    top-level ``output_format`` (sent by litellm and the SDK's ``beta.messages.parse``)."""
    fmt = (body.get("output_config") or {}).get("format")
    return body.get("output_format") if fmt is None else fmt


def read_messages_request(body: dict[str, Any]) -> RequestView:
    """A ``/v1/messages`` body in the kit's terms: ``tool_result`` blocks as ``tool`` messages,
    ``input_schema`` as ``parameters``, either JSON-mode form as ``response_format``."""
    system = body.get("system") or ""
    system = system if isinstance(system, str) else text_of(system)
    instructed = JSON_INSTRUCTION in system
    if instructed:
        system = system.replace(JSON_INSTRUCTION, "").rstrip("\n")
    fmt = output_format(body)
    schema = fmt.get("schema") if isinstance(fmt, dict) else None
    json_tool = forced_json_tool(body)  # litellm's forced tool carrying the schema
    if schema is None and json_tool is not None:
        schema = json_tool.get("input_schema")
    rf: dict[str, Any] | None = None
    if schema is not None:
        rf = {"type": "json_schema", "json_schema": {"schema": schema}}
    elif instructed:
        rf = {"type": "json_object"}
    return {
        "model": body["model"],
        "messages": seed_messages(body["messages"]),
        "system": system,
        "tools": [
            {
                "name": t["name"],
                "description": t.get("description", ""),
                "parameters": t.get("input_schema") or {},
            }
            for t in body.get("tools") or ()
        ],
        "max_tokens": body["max_tokens"],
        "stream": bool(body.get("stream")),
        "json_mode": rf is not None,
        "response_format": rf,
        "schema": schema,
    }


#: kind -> Anthropic's error ``type``.
#: Hosted tool types (by prefix: ``web_search_20250305``...) and the script's kind for each.
HOSTED_TOOLS = {"web_search_": "web_search", "code_execution_": "code_interpreter"}
ERROR_TYPES = {
    "invalid_request": "invalid_request_error",
    "auth": "authentication_error",
    "rate_limit": "rate_limit_error",
    "server": "api_error",
    "not_found": "not_found_error",
    "timeout": "timeout_error",
    "overloaded": "overloaded_error",
}


#: kind (or "kind:status") -> what Anthropic says, for a failure scripted with the kit's default
#: message (:func:`~llm_fakes.wire.errors.api_words`).
WORDING: dict[str, str] = {
    "auth": "invalid x-api-key",
    "rate_limit": "Number of requests has exceeded your per-minute rate limit "
    "(https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. "
    "Please reduce the prompt length or the maximum tokens requested, or try again later.",
    "overloaded": "Overloaded",
    "server:500": "Internal server error",
    "timeout": "Request timed out",
}

#: litellm's name for the tool it forces to carry a response schema (its
#: ``RESPONSE_FORMAT_TOOL_NAME``), for models without Anthropic's output format.
JSON_TOOL = "json_tool_call"


def forced_json_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """The ``json_tool_call`` tool when the request forces it (JSON mode asked as a forced tool
    carrying the schema), else None.

    Example:
        >>> body = {"tools": [{"name": "json_tool_call", "input_schema": {"type": "object"}}],
        ...         "tool_choice": {"type": "tool", "name": "json_tool_call"}}
        >>> forced_json_tool(body)["input_schema"]
        {'type': 'object'}
    """
    choice = body.get("tool_choice")
    if not (isinstance(choice, dict) and choice.get("type") == "tool"):
        return None
    if choice.get("name") != JSON_TOOL:
        return None
    for tool in body.get("tools") or ():
        if isinstance(tool, dict) and tool.get("name") == JSON_TOOL:
            return tool
    return None


class AnthropicMessages(WireAPI):
    """The Anthropic Messages API (``POST /v1/messages``).

    Example:
        >>> AnthropicMessages().error_body(529, "busy", "overloaded")["error"]["type"]
        'overloaded_error'
    """

    key = "anthropic-messages"
    aliases = ("anthropic",)
    title = "Anthropic Messages"
    door = "anthropic"
    path_suffixes = ("/v1/messages",)
    hosts = ("api.anthropic.com",)
    auth = Auth("x-api-key")
    secret_headers = frozenset({"authorization"})  # the SDK's auth_token= form
    account_headers = frozenset({"anthropic-organization-id"})
    # Anthropic, AsyncAnthropic, AnthropicBedrock, AsyncAnthropicVertex...; Python and JS.
    user_agents = (r"^(?:Async)?Anthropic(?:Bedrock|Vertex)?/(?:Python|JS)",)
    sdk_package = "anthropic"
    usage_fields = MappingProxyType(
        {
            "input_tokens": "usage.input_tokens",
            "output_tokens": "usage.output_tokens",
            "cached_tokens": "usage.cache_read_input_tokens",
            "cache_creation_tokens": "usage.cache_creation_input_tokens",
        }
    )
    provider = "llm_fakes.http.anthropic.AnthropicProvider"
    fake = "llm_fakes.http.fake_anthropic.FakeAnthropic"
    base_path = ""
    required_headers = MappingProxyType({"anthropic-version": ANTHROPIC_VERSION})
    tool_call_id_prefix = "toolu_"

    def request_terms(self, body: dict[str, Any]) -> RequestTerms:
        tools = body.get("tools") or ()
        choice = body.get("tool_choice")
        kind, forced = tool_choice_of(choice or ("auto" if tools else "none"))
        if forced_json_tool(body) is not None:
            # JSON mode asked as a forced tool: the fake answers a JSON reply with that call.
            kind, forced = "auto", None
        thinking = body.get("thinking")
        return RequestTerms(
            max_tokens=body["max_tokens"],
            stop=stop_list(body.get("stop_sequences")),
            stop_field="stop_sequences",
            # Server tools (web search, code execution) are the API's own, never a ToolCall.
            tools=tuple(t["name"] for t in tools if "input_schema" in t or "type" not in t),
            tool_choice=kind,
            forced_tool=forced,
            parallel_tool_calls=not (
                isinstance(choice, dict) and choice.get("disable_parallel_tool_use")
            ),
            thinking=isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"),
            server_tools=tuple(
                hosted
                for t in tools
                for prefix, hosted in HOSTED_TOOLS.items()
                if str(t.get("type") or "").startswith(prefix)
            ),
            cache_control=has_key(body, "cache_control"),
        )

    def has_server_output(self, data: dict[str, Any]) -> bool:
        return has_server_output(data)

    def read_request(self, body: dict[str, Any], *, path: str = "") -> RequestView:
        return read_messages_request(body)

    def build_request(self, model: str, messages: Any, **fields: Any) -> dict[str, Any]:
        return build_request(model, messages, **fields)

    def parse_response(self, data: dict[str, Any], types: TypeSet, model: str) -> Any:
        return parse_message(data, types, model)

    def stream_decoder(self, types: TypeSet, model: str) -> Any:
        return EventDecoder(types, model)

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        etype = ERROR_TYPES.get(kind, "api_error")
        message = api_words(WORDING, kind, message, status)
        return {
            "type": "error",
            "error": {"type": etype, "message": message},
            "request_id": "req_llmfakes",
        }
