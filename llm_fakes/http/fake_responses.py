"""The Responses API route of :class:`~llm_fakes.FakeOpenAI`: ``POST /v1/responses``.

It answers from the same script as the fake's Chat Completions route, as the API does:

* a ``response`` object whose ``output`` holds, in order, a ``reasoning`` item (summary text),
  a ``message`` item (one ``output_text`` part) and one ``function_call`` item per tool call,
  each with its id (``rs_``, ``msg_``, ``fc_``); ``usage`` with cached and reasoning tokens;
  ``status: "incomplete"`` with ``incomplete_details.reason = "max_output_tokens"`` for a
  ``stop_reason="length"`` reply;
* streams of named events with ``sequence_number``, ``output_index`` and ``content_index``:
  ``response.created``, ``response.in_progress``, per item ``response.output_item.added``, its
  parts and deltas (``response.reasoning_summary_text.delta``, ``response.output_text.delta``,
  ``response.function_call_arguments.delta``) and ``response.output_item.done``, then
  ``response.completed`` (``response.incomplete``) carrying the full response object. A
  non-recoverable mid-stream failure ends with the documented ``error`` event.

Requests are checked as the API checks them (400 with the API's error body): ``model``,
``input`` items and their roles, every ``function_call_output`` answering an earlier
``function_call`` and every call answered, ``max_output_tokens >= 16``, tool names,
``text.format``. The request log shows them in the seed's terms: ``input`` items back as
OpenAI-style messages (``function_call`` items as the assistant's ``tool_calls``,
``function_call_output`` items as ``tool`` messages), ``instructions`` (with any system or
developer messages) as ``system``, ``text.format`` as a Chat-style ``response_format``.

Example:
    >>> import openai
    >>> from llm_fakes import FakeOpenAI
    >>> fake = FakeOpenAI(["Paris."])
    >>> client = openai.OpenAI(api_key="sk-test",
    ...                        http_client=openai.DefaultHttpxClient(transport=fake.transport()))
    >>> client.responses.create(model="gpt-4o", input="Capital of France?").output_text
    'Paris.'
    >>> fake.requests[0].messages
    [{'role': 'user', 'content': 'Capital of France?'}]
"""

from __future__ import annotations

import json
from typing import Any

from llm_fakes.http._fake_values import CREATED
from llm_fakes.http.responses_state import ResponsesState
from llm_fakes.scripted.honour import RequestTerms
from llm_fakes.scripted.render import Rendered, chunk_text
from llm_fakes.wire.base import RequestView
from llm_fakes.wire.openai_responses import (
    MIN_OUTPUT_TOKENS,
    OpenAIResponses,
    input_items,
    item_kind,
    read_responses_request,
)

__all__ = ["ResponsesEndpoint"]

ROLES = ("user", "assistant", "system", "developer")
_ITEM_TYPES = (
    "message",
    "function_call",
    "function_call_output",
    "reasoning",
    # Server-side tool items: the model's own calls, sent back as they came (a stored
    # conversation, or a client resending the output it got).
    "web_search_call",
    "file_search_call",
    "code_interpreter_call",
    "image_generation_call",
    "tool_search_call",
    "tool_search_output",
)


_ITEM_IDS = {
    "web_search": "ws",
    "file_search": "fs",
    "code_interpreter": "ci",
    "image_generation": "ig",
}


def _hosted_item(call: Any, turn: int, i: int) -> dict[str, Any]:
    """The output item of one scripted hosted tool run (see
    :mod:`llm_fakes.scripted.server_tools`)."""
    kind = call.kind
    item: dict[str, Any] = {
        "id": call.id or f"{_ITEM_IDS[kind]}_llmfakes{turn:04d}_{i}",
        "type": f"{kind}_call",
        "status": "completed",
    }
    if kind == "web_search":
        item["action"] = {"type": "search", "query": call.query}
        if call.result is not None:
            item["action"]["sources"] = call.result
    elif kind == "file_search":
        item["queries"] = [call.query] if call.query else []
        item["results"] = call.result
    elif kind == "code_interpreter":
        item["code"] = str(call.input.get("code") or "")
        item["container_id"] = f"cntr_llmfakes{turn:04d}"
        logs = call.result
        item["outputs"] = [] if logs is None else [{"type": "logs", "logs": str(logs)}]
    else:
        item["result"] = call.result
    return item


def _args(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _check_items(items: list[Any]) -> str | None:
    owed: list[str] = []  # call ids still waiting for their function_call_output
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            return f"Invalid type for 'input[{i}]': expected an object, but got {item!r} instead."
        kind = item_kind(item)
        if kind not in _ITEM_TYPES:
            return (
                f"Invalid value: {kind!r}. Supported values for 'input[{i}].type' in llm-fakes "
                f"are: {list(_ITEM_TYPES)!r}."
            )
        if kind == "message":
            if item.get("role") not in ROLES:
                return (
                    f"Invalid value: {item.get('role')!r}. Supported values are: "
                    f"{', '.join(repr(r) for r in ROLES)} (at 'input[{i}].role')."
                )
            if not isinstance(item.get("content"), str | list):
                return f"Invalid type for 'input[{i}].content': expected a string or an array."
        elif kind == "function_call":
            if not item.get("call_id") or not item.get("name"):
                return f"Missing required parameter: 'input[{i}].call_id' and 'input[{i}].name'."
            if not isinstance(item.get("arguments"), str):
                return f"Invalid type for 'input[{i}].arguments': expected a string."
            owed.append(str(item["call_id"]))
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if call_id not in owed:
                return f"No tool call found for function call output with call_id {call_id}."
            owed.remove(str(call_id))
    if owed:
        return f"No tool output found for function call {owed[0]}."
    return None


class ResponsesEndpoint:
    """Validates, reads and answers ``POST /v1/responses`` for its :class:`FakeOpenAI`."""

    def __init__(self, keep: int | None = None) -> None:
        self._sequence = 0  # events written by the last stream_parts (read under the fake's lock)
        #: The stored responses and conversations (see :mod:`~llm_fakes.http.responses_state`);
        #: at most ``keep`` responses (the fake's ``keep_requests``).
        self.state = ResponsesState(keep)
        self._final: dict[str, Any] = {}  # the response the last full stream_parts ended with

    def remember(
        self,
        body: dict[str, Any],
        turn: int,
        response: dict[str, Any] | None = None,
        parts: list[bytes] | None = None,
    ) -> dict[str, Any] | None:
        """Keep an answered request (its JSON ``response``, or the stream ``parts`` just
        written) as the API keeps it; returns the JSON body to send (a ``queued`` one for
        ``background=True``). The fake calls it in its request cycle; the renderers above stay
        free of state, so other users of them (a served cassette) keep nothing."""
        final = response if response is not None else self._final
        kept = self.state.keep(body, final, input_items(body), turn, events=parts)
        return kept if response is not None else None

    def _all_items(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The conversation the request continues (stored items), then its own ``input``."""
        return [*self.state.prior_items(body), *input_items(body)]

    # ------------------------------------------------------------------ requests

    def validate(
        self, body: dict[str, Any], headers: dict[str, str]
    ) -> str | tuple[int, str] | None:
        if not isinstance(body.get("model"), str) or not body["model"]:
            return "Missing required parameter: 'model'."
        raw = body.get("input")
        if not isinstance(raw, str | list) or not raw:
            return "Invalid 'input': expected a string or a non-empty array of input items."
        missing = self.state.check(body)
        if missing is not None:
            return missing
        value = body.get("max_output_tokens")
        if value is not None and (not isinstance(value, int) or value < MIN_OUTPUT_TOKENS):
            return (
                "Invalid 'max_output_tokens': integer below minimum value. Expected a value "
                f">= {MIN_OUTPUT_TOKENS}, but got {value!r} instead."
            )
        for i, tool in enumerate(body.get("tools") or ()):
            if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
                return f"Missing required parameter: 'tools[{i}].type'."
            if tool["type"] == "function" and not isinstance(tool.get("name"), str):
                return f"Missing required parameter: 'tools[{i}].name'."
        fmt = (body.get("text") or {}).get("format")
        if fmt is not None:
            ftype = fmt.get("type") if isinstance(fmt, dict) else None
            if ftype not in ("text", "json_object", "json_schema"):
                return (
                    f"Invalid value: {ftype!r}. Supported values are: 'text', 'json_object' and "
                    "'json_schema' (at 'text.format.type')."
                )
            if ftype == "json_schema":
                if not fmt.get("name"):
                    return "Missing required parameter: 'text.format.name'."
                if not isinstance(fmt.get("schema"), dict):
                    return "Missing required parameter: 'text.format.schema'."
        return _check_items(self._all_items(body))

    def view(self, body: dict[str, Any]) -> RequestView:
        # The wire reads one request; the conversation it continues is this fake's state.
        return read_responses_request({**body, "input": self._all_items(body)})

    def terms(self, body: dict[str, Any]) -> RequestTerms:
        return OpenAIResponses().request_terms(body)

    # ------------------------------------------------------------------ responses

    def _usage(self, r: Rendered) -> dict[str, Any]:
        return {
            "input_tokens": r.input_tokens,
            "input_tokens_details": {"cached_tokens": r.cached_tokens},
            "output_tokens": r.output_tokens,
            "output_tokens_details": {"reasoning_tokens": (len(r.reasoning) + 3) // 4},
            "total_tokens": r.input_tokens + r.output_tokens,
        }

    def _items(
        self, r: Rendered, body: dict[str, Any], turn: int, status: str
    ) -> list[dict[str, Any]]:
        """The output items, complete (as in the final response object)."""
        out: list[dict[str, Any]] = []
        if r.reasoning:
            summary = [{"type": "summary_text", "text": r.reasoning}]
            item = {"id": f"rs_llmfakes{turn:04d}", "type": "reasoning", "summary": summary}
            if "reasoning.encrypted_content" in (body.get("include") or ()):
                item["encrypted_content"] = f"bGxtLWZha2Vz{turn:04d}"  # opaque, as the API's
            out.append(item)
        for i, hosted in enumerate(r.server_tools):
            out.append(_hosted_item(hosted, turn, i))
        if r.text or not (r.tool_uses or r.server_tools):
            logprobs = []
            if "message.output_text.logprobs" in (body.get("include") or ()):
                logprobs = [
                    {"token": t, "logprob": p, "bytes": list(t.encode()), "top_logprobs": []}
                    for t, p in r.token_logprobs()
                ]
            part = {"type": "output_text", "text": r.text, "annotations": [], "logprobs": logprobs}
            out.append(
                {
                    "id": f"msg_llmfakes{turn:04d}",
                    "type": "message",
                    "status": status,
                    "role": "assistant",
                    "content": [part],
                }
            )
        for i, u in enumerate(r.tool_uses):
            out.append(
                {
                    "id": f"fc_llmfakes{turn:04d}_{i}",
                    "type": "function_call",
                    "status": "completed",
                    "call_id": u.id,
                    "name": u.name,
                    "arguments": _args(u.input),
                }
            )
        return out

    def _response(
        self, r: Rendered, body: dict[str, Any], turn: int, status: str, output: list[Any]
    ) -> dict[str, Any]:
        reasoning = body.get("reasoning") or {}
        fmt = (body.get("text") or {}).get("format") or {"type": "text"}
        incomplete = None
        if status == "incomplete":
            reason = "content_filter" if r.stop_reason == "content_filter" else "max_output_tokens"
            incomplete = {"reason": reason}
        return {
            "id": f"resp_llmfakes{turn:04d}",
            "object": "response",
            "created_at": CREATED,
            "status": status,
            "background": bool(body.get("background")),
            "error": None,
            "incomplete_details": incomplete,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": None,
            "model": r.model,
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "conversation": _conversation(body.get("conversation")),
            "reasoning": {
                "effort": reasoning.get("effort"),
                "summary": reasoning.get("summary"),
            },
            "service_tier": "default",
            "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": {"format": fmt, "verbosity": "medium"},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": [
                {"description": None, "strict": True, **t} if t.get("type") == "function" else t
                for t in body.get("tools") or ()
            ],
            "top_p": body.get("top_p", 1.0),
            "truncation": "disabled",
            "usage": None if status == "in_progress" else self._usage(r),
            "user": None,
            "metadata": body.get("metadata") or {},
        }

    @staticmethod
    def _status(r: Rendered) -> str:
        return "incomplete" if r.stop_reason in ("length", "content_filter") else "completed"

    def reply_body(self, r: Rendered, body: dict[str, Any], turn: int) -> dict[str, Any]:
        status = self._status(r)
        response = self._response(r, body, turn, status, self._items(r, body, turn, status))
        return response

    def stream_parts(
        self, r: Rendered, body: dict[str, Any], turn: int, text_limit: int | None = None
    ) -> list[bytes]:
        parts: list[bytes] = []

        def emit(kind: str, **fields: Any) -> None:
            data = {"type": kind, "sequence_number": len(parts), **fields}
            parts.append(_event(kind, data))

        def cut() -> list[bytes]:
            self._sequence = len(parts)
            return parts

        start = self._response(r, body, turn, "in_progress", [])
        emit("response.created", response=start)
        emit("response.in_progress", response=start)
        status = self._status(r)
        items = self._items(r, body, turn, status)
        for index, item in enumerate(items):
            ids = {"item_id": item["id"], "output_index": index}
            kind = item["type"]
            if kind == "reasoning":
                emit("response.output_item.added", output_index=index, item=item | {"summary": []})
                where = ids | {"summary_index": 0}
                emit("response.reasoning_summary_part.added", **where, part=_summary(""))
                for piece in r.reasoning_chunks:
                    emit("response.reasoning_summary_text.delta", **where, delta=piece)
                emit("response.reasoning_summary_text.done", **where, text=r.reasoning)
                emit("response.reasoning_summary_part.done", **where, part=_summary(r.reasoning))
            elif kind == "message":
                added = item | {"status": "in_progress", "content": []}
                emit("response.output_item.added", output_index=index, item=added)
                where = ids | {"content_index": 0}
                empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
                emit("response.content_part.added", **where, part=empty)
                texts = r.text_chunks if text_limit is None else r.text_chunks[:text_limit]
                for piece in texts:
                    emit("response.output_text.delta", **where, delta=piece, logprobs=[])
                if text_limit is not None:
                    return cut()
                emit("response.output_text.done", **where, text=r.text, logprobs=[])
                emit("response.content_part.done", **where, part=item["content"][0])
            elif kind != "function_call":  # a hosted tool run
                emit(
                    "response.output_item.added",
                    output_index=index,
                    item=item | {"status": "in_progress"},
                )
                emit(f"response.{kind}.in_progress", **ids)
                emit(f"response.{kind}.completed", **ids)
            else:
                if text_limit is not None:
                    return cut()
                added = item | {"status": "in_progress", "arguments": ""}
                emit("response.output_item.added", output_index=index, item=added)
                for piece in chunk_text(item["arguments"], 7):
                    emit("response.function_call_arguments.delta", **ids, delta=piece)
                emit("response.function_call_arguments.done", **ids, arguments=item["arguments"])
            emit("response.output_item.done", output_index=index, item=item)
        if text_limit is not None:
            return cut()
        final = self._response(r, body, turn, status, items)
        emit(
            "response.completed" if status == "completed" else "response.incomplete", response=final
        )
        self._final = final
        return cut()

    def stream_error_part(self, message: str) -> bytes:
        data = {
            "type": "error",
            "code": "server_error",
            "message": message,
            "param": None,
            "sequence_number": self._sequence,
        }
        return _event("error", data)


def _conversation(value: Any) -> dict[str, Any] | None:
    """The response's ``conversation``: ``{"id": ...}`` when the request named one."""
    if isinstance(value, str):
        return {"id": value}
    return {"id": value.get("id")} if isinstance(value, dict) else None


def _summary(text: str) -> dict[str, Any]:
    return {"type": "summary_text", "text": text}


_encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: ~28 events a stream


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {_encode(data)}\n\n".encode()
