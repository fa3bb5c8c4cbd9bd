"""``FakeOpenAI``: a scripted server that speaks the Chat Completions and Responses wire formats.

It answers ``POST .../chat/completions`` as OpenAI does: ``chat.completion`` bodies; SSE streams
of ``chat.completion.chunk`` ``data:`` lines (role chunk, ``content`` deltas, ``tool_calls``
deltas with arguments in pieces, a ``finish_reason`` chunk, a usage chunk when
``stream_options.include_usage`` is set, then ``data: [DONE]``); ``{"error": {...}}`` bodies with
OpenAI's status codes and types. It checks requests as the API does (400 for a missing model, a
``tool`` message answering no ``tool_calls``, an unanswered tool call...). One choice is served
per request: ``n > 1`` is a 400 rather than a silently single choice.

Reasoning goes out as ``message.reasoning_content`` (and ``delta.reasoning_content`` when
streamed): the convention of OpenAI-compatible servers such as vLLM and DeepSeek, which OpenAI's
own Chat Completions API does not send (it has no reasoning text there; use the Responses route).

The same script also answers ``POST .../responses`` (the Responses API, see
:mod:`llm_fakes.http.fake_responses`). Without consuming a turn it answers ``GET .../models``
(and ``GET .../models/{id}``) with :attr:`FakeServer.models`, and
``POST .../responses/input_tokens`` with the kit's input-token estimate
(:func:`~llm_fakes.scripted.render.estimate_tokens` of the request's text). Every response
carries an ``x-request-id`` header.

Example:
    >>> import openai, httpx
    >>> from llm_fakes.scripted.turns import Reply, ToolCall
    >>> fake = FakeOpenAI([Reply(tool_calls=[ToolCall("get_weather", {"city": "Oslo"})])])
    >>> client = openai.OpenAI(api_key="sk-test",
    ...                        http_client=httpx.Client(transport=fake.transport()))
    >>> weather = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    >>> out = client.chat.completions.create(
    ...     model="gpt-4o", messages=[{"role": "user", "content": "Weather in Oslo?"}],
    ...     tools=[weather])
    >>> call = out.choices[0].message.tool_calls[0]
    >>> call.function.name, call.function.arguments, out.choices[0].finish_reason
    ('get_weather', '{"city":"Oslo"}', 'tool_calls')
    >>> fake.requests[0].messages
    [{'role': 'user', 'content': 'Weather in Oslo?'}]
"""

from __future__ import annotations

import functools
import json
from typing import Any

from llm_fakes.http._fake_values import CREATED, WireResponse, json_response
from llm_fakes.http.fake_responses import ResponsesEndpoint
from llm_fakes.http.fake_server import FakeServer
from llm_fakes.http.responses_state import ResponsesState
from llm_fakes.scripted.render import Rendered, chunk_text, request_chars
from llm_fakes.wire.openai_chat import (
    OpenAIChat,
    max_tokens_problem,
    openai_error_body,
    role_problem,
)

__all__ = ["FakeOpenAI"]


def _args(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _check_messages(messages: list[Any]) -> str | None:
    pending: list[str] = []  # tool_call ids still owed a tool message
    for i, m in enumerate(messages):
        problem = role_problem(i, m)
        if problem is not None:
            return problem
        role = m["role"]
        if role == "tool":
            call_id = m.get("tool_call_id")
            if call_id not in pending:
                return (
                    f"Invalid parameter: messages[{i}] with role 'tool' (tool_call_id "
                    f"{call_id!r}) must be a response to a preceding message with 'tool_calls'."
                )
            pending.remove(call_id)
            continue
        if pending:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(pending)} (before messages[{i}])."
            )
        content = m.get("content")
        if content is None and not (role == "assistant" and m.get("tool_calls")):
            return f"Invalid value for 'messages[{i}].content': expected a string, got None."
        for j, call in enumerate(m.get("tool_calls") or ()):
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict) or not fn.get("name") or not call.get("id"):
                return f"Missing required parameter: 'messages[{i}].tool_calls[{j}].function.name'."
            if not isinstance(fn.get("arguments"), str):
                return f"Invalid type for 'messages[{i}].tool_calls[{j}].function.arguments'."
            pending.append(call["id"])
    return None


class FakeOpenAI(FakeServer):
    """A scripted fake of the OpenAI Chat Completions API (see :class:`FakeServer` for options).

    ``.transport()`` gives an in-process httpx transport; ``.serve()`` a loopback server whose
    base URL (``http://127.0.0.1:<port>/v1``) is what ``openai.OpenAI(base_url=...)`` takes.
    """

    api_name = "OpenAI"
    wire = OpenAIChat()
    base_path = "/v1"
    default_models = ("gpt-4o", "gpt-4o-mini")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._responses = ResponsesEndpoint(keep=self.keep_requests)

    def route_ok(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/chat/completions")

    def endpoint(self, method: str, path: str) -> Any | None:
        if method == "POST" and path.rstrip("/").endswith("/responses"):
            return self._responses
        return super().endpoint(method, path)

    def routes(self) -> list[str]:
        return [
            "POST /v1/chat/completions",
            "POST /v1/responses",
            "POST /v1/responses/input_tokens",
            "GET|DELETE /v1/responses/{id}",
            "POST /v1/responses/{id}/cancel",
            "GET /v1/responses/{id}/input_items",
            "POST /v1/conversations",
            "GET|POST|DELETE /v1/conversations/{id}",
            "GET|POST /v1/conversations/{id}/items",
            "GET /v1/models",
        ]

    @property
    def state(self) -> ResponsesState:
        """What the Responses route keeps: stored responses and conversations."""
        return self._responses.state

    def unscripted(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> WireResponse | None:
        path = path.rstrip("/")
        kept = self._responses.state.route(method, path, self.query, body, self.error)
        if kept is not None:
            return kept
        if method == "GET" and path.endswith("/models"):
            listed = [_model(m) for m in self.models]
            return json_response(200, {"object": "list", "data": listed})
        if method == "GET" and "/models/" in path:
            return json_response(200, _model(path.rsplit("/models/", 1)[1]))
        if method == "POST" and path.endswith("/responses/input_tokens"):
            if not isinstance(body, dict):
                return self.error(400, "The request body is not a JSON object.", "invalid_request")
            probe = {"model": "m", **body}
            chars = len(str(probe.get("instructions") or ""))
            if probe.get("input"):  # optional here: instructions alone can be counted
                problem = self._responses.validate(probe, headers)
                if problem:
                    status, text = problem if isinstance(problem, tuple) else (400, problem)
                    return self.error(status, text, "invalid_request")
                view = self._responses.view(probe)
                chars = request_chars(view["messages"], view["system"])
            tokens = (chars + 3) // 4  # estimate_tokens of the request's text
            return json_response(200, {"object": "response.input_tokens", "input_tokens": tokens})
        return None

    def validate(
        self, body: dict[str, Any], headers: dict[str, str]
    ) -> str | tuple[int, str] | None:
        if not isinstance(body.get("model"), str) or not body["model"]:
            return "you must provide a model parameter"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "Invalid 'messages': expected a non-empty array of messages."
        for key in ("max_tokens", "max_completion_tokens"):
            problem = max_tokens_problem(key, body.get(key))
            if problem is not None:
                return problem
        for i, tool in enumerate(body.get("tools") or ()):
            fn = tool.get("function") if isinstance(tool, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                return f"Missing required parameter: 'tools[{i}].function.name'."
        rf = body.get("response_format")
        if rf is not None:
            rtype = rf.get("type") if isinstance(rf, dict) else None
            if rtype not in ("text", "json_object", "json_schema"):
                return (
                    f"Invalid 'response_format.type': {rtype!r}. Supported: "
                    "'text', 'json_object', 'json_schema'."
                )
            spec = rf.get("json_schema")
            if rtype == "json_schema" and (not isinstance(spec, dict) or not spec.get("name")):
                return "Missing required parameter: 'response_format.json_schema.name'."
        n = body.get("n")
        if n is not None and n != 1:
            return (
                f"llm-fakes FakeOpenAI serves one choice per request, got n={n!r}. Leave n out "
                "(or send n=1), and script one turn per choice you need."
            )
        options = body.get("stream_options")
        if options is not None and not isinstance(options, dict):
            return f"Invalid type for 'stream_options': expected an object, got {options!r}."
        if body.get("stream_options") is not None and not body.get("stream"):
            return "The 'stream_options' parameter is only allowed when 'stream' is enabled."
        return _check_messages(messages)

    def overloaded(self, message: str) -> WireResponse:
        return json_response(503, openai_error_body(503, message, "overloaded"))

    def _usage(self, r: Rendered) -> dict[str, Any]:
        return {
            "prompt_tokens": r.input_tokens,
            "completion_tokens": r.output_tokens,
            "total_tokens": r.input_tokens + r.output_tokens,
            "prompt_tokens_details": {"cached_tokens": r.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": (len(r.reasoning) + 3) // 4,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def reply_body(self, r: Rendered, body: dict[str, Any], turn: int) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": r.text if (r.text or not r.tool_uses) else None,
            "refusal": None,
            "annotations": [],
        }
        if r.reasoning:
            message["reasoning_content"] = r.reasoning
        if r.tool_uses:
            message["tool_calls"] = [
                {
                    "id": u.id,
                    "type": "function",
                    "function": {"name": u.name, "arguments": _args(u.input)},
                }
                for u in r.tool_uses
            ]
        return {
            "id": f"chatcmpl-llmfakes{turn:04d}",
            "object": "chat.completion",
            "created": CREATED,
            "model": r.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": _logprobs(r.token_logprobs()) if body.get("logprobs") else None,
                    "finish_reason": r.stop_reason,
                }
            ],
            "usage": self._usage(r),
            "service_tier": "default",
            "system_fingerprint": "fp_llm_fakes",
        }

    def stream_parts(
        self, r: Rendered, body: dict[str, Any], turn: int, text_limit: int | None = None
    ) -> list[bytes]:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        head = {
            "id": f"chatcmpl-llmfakes{turn:04d}",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": r.model,
            "service_tier": "default",
            "system_fingerprint": "fp_llm_fakes",
        }

        pairs = r.token_logprobs() if body.get("logprobs") else []

        def chunk(delta: dict[str, Any], finish: str | None = None, logprobs: Any = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
            data: dict[str, Any] = {**head, "choices": [choice]}
            if include_usage:
                data["usage"] = None
            return _sse(data)

        first: dict[str, Any] = {"role": "assistant", "content": "", "refusal": None}
        if r.tool_uses and not r.text:
            first["content"] = None
        parts = [chunk(first)]
        parts += [chunk({"reasoning_content": c}) for c in r.reasoning_chunks]
        texts = r.text_chunks if text_limit is None else r.text_chunks[:text_limit]
        if pairs:  # each chunk carries the pairs whose token ends inside it
            end, at = 0, 0
            for c in texts:
                end += len(c)
                mine: list[tuple[str, float]] = []
                while pairs and at + len(pairs[0][0]) <= end:
                    at += len(pairs[0][0])
                    mine.append(pairs.pop(0))
                parts.append(chunk({"content": c}, logprobs=_logprobs(mine)))
        else:
            parts += [chunk({"content": c}) for c in texts]
        if text_limit is not None:
            return parts
        for i, use in enumerate(r.tool_uses):
            start = {"index": i, "id": use.id, "type": "function"}
            start["function"] = {"name": use.name, "arguments": ""}
            parts.append(chunk({"tool_calls": [start]}))
            for piece in chunk_text(_args(use.input), 7):
                parts.append(
                    chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
                )
        parts.append(chunk({}, r.stop_reason))
        if include_usage:
            parts.append(_sse({**head, "choices": [], "usage": self._usage(r)}))
        parts.append(b"data: [DONE]\n\n")
        return parts

    def stream_error_part(self, message: str) -> bytes:
        return _sse(
            {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
        )


def _logprobs(pairs: list[tuple[str, float]]) -> dict[str, Any]:
    """A choice's ``logprobs`` for ``(token, logprob)`` pairs."""
    content = [
        {"token": t, "logprob": p, "bytes": list(t.encode("utf-8")), "top_logprobs": []}
        for t, p in pairs
    ]
    return {"content": content, "refusal": None}


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": CREATED, "owned_by": "llm-fakes"}


def _sse(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n\n"


# help(FakeOpenAI) and inspect.signature show FakeServer's parameters, not (*args, **kwargs).
functools.update_wrapper(FakeOpenAI.__init__, FakeServer.__init__, assigned=(), updated=())
