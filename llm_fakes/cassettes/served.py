"""How a served cassette answers a request it has a recording for: the recorded wire response
when there is one, else the recording's values rendered through the API's wire format.

* An interaction recorded at the HTTP level (imported, or recorded through the proxy) on the same
  API keeps its wire response (:mod:`~llm_fakes.cassettes.http_record`): it goes out as recorded
  (status, kept headers, body, the stream's chunks), so a client sees the recorded response ids,
  text, tool calls, usage and chunk boundaries.
* Any other recording (made through an ``LLMProvider``, or asked for in the other view: a stream
  of a ``complete`` recording) is rendered by the API's fake from its values: text, tool calls
  with their recorded ids, usage, model, stop reason; a stream in the recorded text deltas; a
  recorded error as that API's error response with its status and ``Retry-After``. A response a
  provider of this API recorded with its raw body (``raw_response``) goes out as that body.

Example:
    >>> from llm_fakes.cassettes._served_apis import api_for
    >>> hit = {"call": "complete", "request": {"messages": []},
    ...        "response": {"content": "Paris.", "model": "gpt-4o", "stop_reason": "stop"}}
    >>> wire = answer(api_for("/v1/chat/completions"), "/v1/chat/completions", hit,
    ...               stream=False, body={"model": "gpt-4o"}, turn=0)
    >>> import json; json.loads(wire.parts[0])["choices"][0]["message"]["content"]
    'Paris.'
"""

from __future__ import annotations

import math
from typing import Any

from llm_fakes.cassettes import outcome
from llm_fakes.cassettes._served_apis import fake_for
from llm_fakes.cassettes.http_record import wire_response
from llm_fakes.cassettes.wire_formats import WireFormat
from llm_fakes.errors import LLMFakesError, ProviderError
from llm_fakes.http._fake_values import WireResponse, json_response, sse_response
from llm_fakes.scripted.render import Rendered
from llm_fakes.types import ToolUse
from llm_fakes.typeset import TypeSet

__all__ = ["answer", "error_response"]

#: The fakes' error kinds, by the kit's error class (anything else is a server error).
_KINDS = {
    "RateLimitError": "rate_limit",
    "AuthenticationError": "auth",
    "PermissionDeniedError": "auth",
    "BadRequestError": "invalid_request",
    "UnprocessableEntityError": "invalid_request",
    "NotFoundError": "not_found",
    "ProviderTimeoutError": "timeout",
}


def error_response(fmt: WireFormat, status: int, message: str, kind: str) -> WireResponse:
    """An error in ``fmt``'s JSON error shape."""
    return json_response(status, fmt.api.error_body(status, message, kind))


def _recorded_error(fmt: WireFormat, error: LLMFakesError) -> WireResponse:
    name = type(error).__name__
    message = str(getattr(error, "message", "") or error)
    fake = fake_for(fmt)
    if name == "OverloadedError":
        return fake.overloaded(message)  # type: ignore[no-any-return]
    status = getattr(error, "status", None) or (500 if name != "RateLimitError" else 429)
    headers: list[tuple[str, str]] = []
    wait = getattr(error, "retry_after", None)
    if wait is not None:
        headers = [("retry-after", str(math.ceil(wait))), ("retry-after-ms", f"{wait * 1000:g}")]
    body = fake.error_body(status, message, _KINDS.get(name, "server"))
    return json_response(status, body, headers)


def _rendered(response: Any) -> Rendered:
    return Rendered(
        text=response.content,
        reasoning="",
        tool_uses=list(response.tool_uses or ()),
        stop_reason=response.stop_reason,
        model=response.model,
        input_tokens=response.input_tokens,
        output_tokens=response.output_tokens,
        cached_tokens=0,
    )


def _streamed(events: list[Any]) -> tuple[Rendered, str | None]:
    """The events of a recording as one rendered reply in their chunks, and the message of an
    error event ending them (if any)."""
    texts, reasoning, uses = [], [], []
    finish: Any = None
    failure = None
    for event in events:
        kind = event.type
        if kind == "text_delta":
            texts.append(event.content)
        elif kind == "reasoning_delta":
            reasoning.append(event.content)
        elif kind == "tool_call":
            uses.append(ToolUse(event.tool_use_id, event.tool_name, event.tool_input))
        elif kind == "finish":
            finish = event
        elif kind == "error":
            failure = event.error
    rendered = Rendered(
        text="".join(texts),
        reasoning="".join(reasoning),
        tool_uses=uses,
        stop_reason=getattr(finish, "stop_reason", "") or ("tool_calls" if uses else "stop"),
        model=getattr(finish, "model", "") or "",
        input_tokens=getattr(finish, "input_tokens", 0),
        output_tokens=getattr(finish, "output_tokens", 0),
        cached_tokens=getattr(finish, "cached_tokens", 0),
        text_chunks=texts,
        reasoning_chunks=reasoning,
    )
    return rendered, failure


def answer(
    fmt: WireFormat,
    path: str,
    interaction: dict[str, Any],
    *,
    stream: bool,
    body: dict[str, Any],
    turn: int,
    raw_is_wire: bool = False,
    where: str = "the cassette",
) -> WireResponse:
    """The response to a request (``body`` at ``path``, of API ``fmt``) that matched
    ``interaction``: see the module docs. ``raw_is_wire``: the recording's ``raw_response`` is a
    body of this API (its provider speaks it). ``turn`` numbers the ids a rendering makes up."""
    http: dict[str, Any] = interaction.get("http") or {}
    raw = (interaction.get("response") or {}).get("raw_response")
    same_api = bool(http) and interaction.get("wire") == fmt.name
    # Sent as recorded, unless the other view was asked for (a stream of a whole response).
    if same_api and (int(http.get("status") or 200) >= 400 or stream == ("chunks" in http)):
        return wire_response(http, raw=raw)
    types = TypeSet.default()
    endpoint = fake_for(fmt).endpoint("POST", path)
    if not stream:
        try:
            response = outcome.replay_response(interaction, types, body.get("model") or "", where)
        except (ProviderError, LLMFakesError) as exc:
            return _recorded_error(fmt, exc)
        if raw_is_wire and isinstance(raw, dict) and interaction.get("call") != "stream":
            return json_response(200, raw)
        return json_response(200, endpoint.reply_body(_rendered(response), body, turn))
    if interaction["call"] != "stream" and "error" in interaction:
        return _recorded_error(fmt, outcome.error_from_record(interaction["error"]))
    events = [event for _, event in outcome.replay_events(interaction, types)]
    if interaction["call"] == "stream" and not events and "error" in interaction:
        return _recorded_error(fmt, outcome.error_from_record(interaction["error"]))
    rendered, failure = _streamed(events)
    if failure is None and "error" in interaction:
        failure = str(interaction["error"].get("message") or "")
    if failure is not None:  # the recorded deltas, then the error event, as the API ends it
        limit = len(rendered.text_chunks)
        parts = list(endpoint.stream_parts(rendered, body, turn, text_limit=limit))
        return sse_response([*parts, endpoint.stream_error_part(failure)])
    parts = list(endpoint.stream_parts(rendered, body, turn))
    if interaction.get("truncated"):
        return sse_response(parts[:-1], ending="reset")  # the recording was cut: so is this
    return sse_response(parts)
