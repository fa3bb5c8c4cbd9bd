"""``FakeAnthropic``: a scripted server that speaks the Anthropic Messages wire format.

It answers ``POST /v1/messages`` as Anthropic does: ``message`` bodies with ``text``,
``tool_use`` and ``thinking`` content blocks; SSE streams of ``message_start``,
``content_block_start`` / ``content_block_delta`` (``text_delta``, ``input_json_delta``,
``thinking_delta``, ``signature_delta``) / ``content_block_stop``, ``ping``, ``message_delta``
and ``message_stop``; ``{"type": "error", "error": {...}}`` bodies with Anthropic's status codes
(529 for overloaded). It checks requests as the API does: the ``anthropic-version`` header,
``max_tokens``, roles, and that every ``tool_use`` is answered by a ``tool_result`` in the next
message. JSON mode is recognised in both forms :mod:`~llm_fakes.wire.anthropic_messages` sends, and
in the structured-outputs beta's top-level ``output_format`` too. Without consuming a turn it
answers ``GET /v1/models`` (with :attr:`FakeServer.models`) and ``POST /v1/messages/count_tokens``
(with the kit's input-token estimate). Every response carries a ``request-id`` header.

Script stop reasons are in the seed's words (``"stop"``, ``"tool_calls"``, ``"length"``) and go on
the wire in Anthropic's (``end_turn``, ``tool_use``, ``max_tokens``).

Example:
    >>> import anthropic
    >>> fake = FakeAnthropic(["Hello there"])
    >>> http = anthropic.DefaultHttpxClient(transport=fake.transport())  # httpx or httpx2 alike
    >>> client = anthropic.Anthropic(api_key="k", http_client=http)
    >>> msg = client.messages.create(model="claude-fake-1", max_tokens=50,
    ...                              messages=[{"role": "user", "content": "Hi"}])
    >>> msg.content[0].text, msg.stop_reason
    ('Hello there', 'end_turn')
"""

from __future__ import annotations

import json
from typing import Any

from llm_fakes.http._fake_values import WireResponse, json_response
from llm_fakes.http._json_tool import as_tool_answer
from llm_fakes.http.fake_server import FakeServer
from llm_fakes.scripted.render import Rendered, chunk_text, request_chars
from llm_fakes.wire.anthropic_messages import AnthropicMessages, content_blocks, output_format

__all__ = ["FakeAnthropic"]

WIRE_STOP = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}


def _check_messages(messages: list[Any]) -> str | None:
    owed: list[str] = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            role = m.get("role") if isinstance(m, dict) else m
            return f"messages.{i}.role: Input should be 'user' or 'assistant' (got {role!r})"
        content = m.get("content")
        if not isinstance(content, str | list):
            return f"messages.{i}.content: Input should be a valid string or list of blocks"
        blocks = content_blocks(content)
        results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
        if owed:
            missing = [t for t in owed if t not in results]
            if m["role"] != "user" or missing:
                return (
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(missing or owed)}. Each `tool_use` block must "
                    "have a corresponding `tool_result` block in the next message."
                )
        extra = [t for t in results if t not in owed]
        if extra:
            return (
                f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(map(str, extra))}. Each `tool_result` block must have a "
                "corresponding `tool_use` block in the previous message."
            )
        owed = [str(b.get("id")) for b in blocks if b.get("type") == "tool_use"]
    if owed:
        return (
            f"messages.{len(messages) - 1}: the conversation ends with `tool_use` blocks "
            f"({', '.join(owed)}) that no `tool_result` answers."
        )
    return None


class FakeAnthropic(FakeServer):
    """A scripted fake of the Anthropic Messages API (see :class:`FakeServer` for options).

    ``.transport()`` gives an in-process httpx transport; ``.serve()`` a loopback server whose
    base URL (``http://127.0.0.1:<port>``) is what ``anthropic.Anthropic(base_url=...)`` takes.
    """

    api_name = "Anthropic"
    wire = AnthropicMessages()
    base_path = ""
    default_models = ("claude-sonnet-4-5", "claude-haiku-4-5")
    request_id_header = "request-id"
    rate_limit_style = "anthropic"

    def route_ok(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/v1/messages")

    def routes(self) -> list[str]:
        return ["POST /v1/messages", "POST /v1/messages/count_tokens", "GET /v1/models"]

    def unscripted(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> WireResponse | None:
        path = path.rstrip("/")
        if method == "GET" and path.endswith("/v1/models"):
            listed = [_model(m) for m in self.models]
            first, last = (listed[0]["id"], listed[-1]["id"]) if listed else (None, None)
            page = {"data": listed, "has_more": False, "first_id": first, "last_id": last}
            return json_response(200, page)
        if method == "GET" and "/v1/models/" in path:
            return json_response(200, _model(path.rsplit("/models/", 1)[1]))
        if method == "POST" and path.endswith("/v1/messages/count_tokens"):
            if not isinstance(body, dict):
                return self.error(400, "The request body is not a JSON object.", "invalid_request")
            probe = {"max_tokens": 1, **body}  # count_tokens takes no max_tokens
            problem = self.validate(probe, headers)
            if isinstance(problem, str) and problem:
                return self.error(400, problem, "invalid_request")
            view = self.view(probe)
            tokens = (request_chars(view["messages"], view["system"]) + 3) // 4
            return json_response(200, {"input_tokens": tokens})
        return None

    def validate(
        self, body: dict[str, Any], headers: dict[str, str]
    ) -> str | tuple[int, str] | None:
        if not headers.get("anthropic-version"):
            return "anthropic-version: header is required"
        if not isinstance(body.get("model"), str) or not body["model"]:
            return "model: Field required"
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or max_tokens < 1:
            return f"max_tokens: Field required, an integer >= 1 (got {max_tokens!r})"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages: Field required, a non-empty list"
        for i, tool in enumerate(body.get("tools") or ()):
            if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
                return f"tools.{i}.name: Field required"
            if "type" not in tool and not isinstance(tool.get("input_schema"), dict):
                return f"tools.{i}.input_schema: Field required"
        fmt = output_format(body)
        if fmt is not None and (
            not isinstance(fmt, dict)
            or fmt.get("type") != "json_schema"
            or not isinstance(fmt.get("schema"), dict)
        ):
            where = "output_config.format" if "output_config" in body else "output_format"
            return f"{where}: expected {{'type': 'json_schema', 'schema': {{...}}}}"
        return _check_messages(messages)

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        body = self.wire.error_body(status, message, kind)
        body["request_id"] = self.request_id()  # the id its request-id header sends
        return body

    def overloaded(self, message: str) -> WireResponse:
        return self.error(529, message, "overloaded")

    def _usage(self, r: Rendered) -> dict[str, Any]:
        cached = min(r.cached_tokens, r.input_tokens)
        created = min(r.cache_creation_tokens, r.input_tokens - cached)
        return {
            "input_tokens": r.input_tokens - cached - created,
            "cache_creation_input_tokens": created,
            "cache_read_input_tokens": cached,
            "output_tokens": r.output_tokens,
            "service_tier": "standard",
        }

    def _signature(self, turn: int) -> str:
        return f"bGxtLWZha2VzLXNpZ25hdHVyZQ{turn:04d}"

    def reply_body(self, r: Rendered, body: dict[str, Any], turn: int) -> dict[str, Any]:
        r = as_tool_answer(r, body)  # JSON mode asked as a forced tool: answered with it
        content: list[dict[str, Any]] = []
        if r.reasoning:
            thinking = {"type": "thinking", "thinking": r.reasoning}
            content.append(thinking | {"signature": self._signature(turn)})
        for i, hosted in enumerate(r.server_tools):
            content += _hosted_blocks(hosted, turn, i)
        if r.text:
            content.append({"type": "text", "text": r.text})
        for u in r.tool_uses:
            content.append({"type": "tool_use", "id": u.id, "name": u.name, "input": u.input})
        return {
            "id": f"msg_llmfakes{turn:04d}",
            "type": "message",
            "role": "assistant",
            "model": r.model,
            "content": content,
            "stop_reason": _wire_stop(r),
            "stop_sequence": r.stop_sequence,
            "usage": self._usage(r),
        }

    def stream_parts(
        self, r: Rendered, body: dict[str, Any], turn: int, text_limit: int | None = None
    ) -> list[bytes]:
        r = as_tool_answer(r, body)
        start = self.reply_body(r, body, turn) | {"content": [], "stop_reason": None}
        start["usage"] = self._usage(r) | {"output_tokens": 1}
        parts = [_event("message_start", {"type": "message_start", "message": start})]
        index = 0
        pinged = False

        def block(first: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
            nonlocal index, pinged
            start = {"type": "content_block_start", "index": index, "content_block": first}
            parts.append(_event("content_block_start", start))
            if not pinged:
                parts.append(_event("ping", {"type": "ping"}))
                pinged = True
            for d in deltas:
                parts.append(
                    _event(
                        "content_block_delta",
                        {"type": "content_block_delta", "index": index, "delta": d},
                    )
                )

        def stop() -> None:
            nonlocal index
            parts.append(
                _event("content_block_stop", {"type": "content_block_stop", "index": index})
            )
            index += 1

        if r.reasoning:
            deltas = [{"type": "thinking_delta", "thinking": c} for c in r.reasoning_chunks]
            deltas.append({"type": "signature_delta", "signature": self._signature(turn)})
            block({"type": "thinking", "thinking": "", "signature": ""}, deltas)
            stop()
        for i, hosted in enumerate(r.server_tools):
            use, result = _hosted_blocks(hosted, turn, i)
            pieces = chunk_text(json.dumps(use["input"], ensure_ascii=False), 7)
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
            block(use | {"input": {}}, deltas)
            stop()
            block(result, [])
            stop()
        texts = r.text_chunks if text_limit is None else r.text_chunks[:text_limit]
        if r.text:
            deltas = [{"type": "text_delta", "text": c} for c in texts]
            block({"type": "text", "text": ""}, deltas)
            if text_limit is not None:
                return parts
            stop()
        if text_limit is not None:
            return parts
        for u in r.tool_uses:
            pieces = ["", *chunk_text(json.dumps(u.input, ensure_ascii=False), 7)]
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
            first = {"type": "tool_use", "id": u.id, "name": u.name, "input": {}}
            block(first, deltas)
            stop()
        if not pinged:
            parts.append(_event("ping", {"type": "ping"}))
        delta = {"stop_reason": _wire_stop(r), "stop_sequence": r.stop_sequence}
        usage = self._usage(r)
        usage.pop("service_tier")
        parts.append(
            _event("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})
        )
        parts.append(_event("message_stop", {"type": "message_stop"}))
        return parts

    def stream_error_part(self, message: str) -> bytes:
        return _event(
            "error", {"type": "error", "error": {"type": "api_error", "message": message}}
        )


def _hosted_blocks(call: Any, turn: int, i: int) -> list[dict[str, Any]]:
    """The ``server_tool_use`` block and its result block for one scripted hosted tool run."""
    tool_id = call.id or f"srvtoolu_llmfakes{turn:04d}_{i}"
    if call.kind == "web_search":
        use = {"type": "server_tool_use", "id": tool_id, "name": "web_search", "input": call.input}
        result: dict[str, Any] = {
            "type": "web_search_tool_result",
            "tool_use_id": tool_id,
            "content": list(call.result or ()),
        }
        return [use, result]
    # code_interpreter: Anthropic's code execution tool (the request declares no other)
    use = {"type": "server_tool_use", "id": tool_id, "name": "code_execution", "input": call.input}
    output = {
        "type": "code_execution_result",
        "stdout": "" if call.result is None else str(call.result),
        "stderr": "",
        "return_code": 0,
        "content": [],
    }
    result = {"type": "code_execution_tool_result", "tool_use_id": tool_id, "content": output}
    return [use, result]


def _wire_stop(r: Rendered) -> str:
    if r.stop_sequence is not None:
        return "stop_sequence"
    return WIRE_STOP.get(r.stop_reason, r.stop_reason)


def _model(name: str) -> dict[str, Any]:
    return {
        "type": "model",
        "id": name,
        "display_name": name,
        "created_at": "2026-01-01T00:00:00Z",
    }


def _event(name: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return b"event: " + name.encode() + b"\ndata: " + payload + b"\n\n"
