"""The OpenAI Chat Completions wire format, client side: requests out, responses and chunks in.

* :func:`build_request` maps the seed's call (OpenAI-style messages, ``system``, ``Tool``\\ s,
  ``max_tokens``, ``response_format`` / ``json_mode``) to a ``/chat/completions`` body. JSON mode
  uses the API's own field: ``json_mode=True`` sends ``response_format={"type": "json_object"}``;
  an explicit ``response_format`` is sent verbatim and wins.
* :func:`parse_completion` turns a ``chat.completion`` body into an ``LLMResponse``; a
  ``refusal`` counts as text (as in the Responses API), and the legacy ``function_call`` (no id,
  finish reason ``function_call``) as a tool call (finish ``tool_calls``).
* :class:`ChunkDecoder` turns ``chat.completion.chunk`` SSE data into stream events, assembling
  tool-call argument deltas per ``index`` and reading reasoning from ``reasoning_content`` /
  ``reasoning`` (the field OpenAI-compatible servers such as vLLM and DeepSeek use).

Example:
    >>> body = build_request("gpt-4o", [{"role": "user", "content": "hi"}], system="Be brief.",
    ...                      max_tokens=5, json_mode=True)
    >>> body["messages"][0], body["response_format"]
    ({'role': 'system', 'content': 'Be brief.'}, {'type': 'json_object'})
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from llm_fakes.errors import ResponseFormatError
from llm_fakes.types import ToolUse
from llm_fakes.typeset import TypeSet
from llm_fakes.wire._assemble import EventAssembler, parse_arguments, tool_spec
from llm_fakes.wire.base import Auth, RequestView, WireAPI
from llm_fakes.wire.errors import api_words, error_from_event
from llm_fakes.wire.terms import RequestTerms, stop_list, tool_choice_of

__all__ = [
    "ROLES",
    "ChunkDecoder",
    "OpenAIChat",
    "build_request",
    "max_tokens_problem",
    "parse_completion",
    "role_problem",
    "seed_request_problem",
    "to_openai_messages",
]

_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id")
# Azure OpenAI's /openai/deployments/{deployment}/chat/completions: the model is in the path.
_DEPLOYMENT = re.compile(r"/deployments/([^/]+)/")


def _tool_call(call: Any) -> dict[str, Any]:
    fn = call.get("function") or {}
    args = fn.get("arguments", "")
    if not isinstance(args, str):
        args = json.dumps(args, ensure_ascii=False)
    return {
        "id": call.get("id", ""),
        "type": call.get("type") or "function",
        "function": {"name": fn.get("name", ""), "arguments": args},
    }


def to_openai_messages(
    messages: Sequence[dict[str, Any]], system: str = ""
) -> list[dict[str, Any]]:
    """The wire messages: a system message first, then each message with only the API's keys.

    Extra keys (``cache_control`` and the like) are dropped rather than sent to an API that may
    reject them.

    Example:
        >>> to_openai_messages([{"role": "user", "content": "hi", "cache_control": {}}])
        [{'role': 'user', 'content': 'hi'}]
    """
    out: list[dict[str, Any]] = []
    if system:
        out.append({"role": "system", "content": system})
    for m in messages:
        msg = {k: m[k] for k in _MESSAGE_KEYS if k in m}
        if "content" not in msg:
            msg["content"] = None if m.get("tool_calls") else ""
        if m.get("tool_calls"):
            msg["tool_calls"] = [_tool_call(c) for c in m["tool_calls"]]
        else:
            msg.pop("tool_calls", None)
        out.append(msg)
    return out


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
    max_tokens_field: str = "max_tokens",
) -> dict[str, Any]:
    """The ``/chat/completions`` request body for one call."""
    body: dict[str, Any] = {
        "model": model,
        "messages": to_openai_messages(messages, system),
        max_tokens_field: max_tokens,
    }
    if tools:
        body["tools"] = []
        for tool in tools:
            name, desc, params = tool_spec(tool)
            body["tools"].append(
                {
                    "type": "function",
                    "function": {"name": name, "description": desc, "parameters": params},
                }
            )
    if response_format is not None:
        body["response_format"] = response_format
    elif json_mode:
        body["response_format"] = {"type": "json_object"}
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def _usage(usage: Any) -> tuple[int, int, int]:
    if not isinstance(usage, dict):
        return 0, 0, 0
    details = usage.get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens") if isinstance(details, dict) else 0
    return (
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        int(cached or 0),
    )


def parse_completion(data: dict[str, Any], types: TypeSet, model: str) -> Any:
    """An ``LLMResponse`` (in ``types``' class) from a ``chat.completion`` body.

    Example:
        >>> body = {"model": "gpt-4o", "choices": [{"message": {"content": "4"},
        ...         "finish_reason": "stop"}],
        ...         "usage": {"prompt_tokens": 9, "completion_tokens": 1}}
        >>> r = parse_completion(body, TypeSet.default(), "gpt-4o")
        >>> r.content, r.stop_reason, r.input_tokens, r.output_tokens
        ('4', 'stop', 9, 1)
    """
    try:
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise ResponseFormatError(
                f"A chat.completion body needs a non-empty 'choices' list, got keys "
                f"{sorted(data)!r}. Check base_url points at an OpenAI-compatible API."
            )
        choice = choices[0]
        message = choice.get("message") or {}
        # A refusal counts as text, as the Responses reader counts a refusal part.
        content = message.get("content") or message.get("refusal") or ""
        if not isinstance(content, str):
            raise ResponseFormatError(f"message.content must be a string, got {content!r}")
        uses = []
        calls = message.get("tool_calls") or ()
        if not calls and isinstance(message.get("function_call"), dict):
            calls = [{"id": "", "function": message["function_call"]}]  # the legacy field
        for call in calls:
            fn = call.get("function") or {}
            uses.append(
                ToolUse(
                    id=str(call.get("id", "")),
                    name=str(fn.get("name", "")),
                    input=parse_arguments(fn.get("arguments")),
                )
            )
        input_tokens, output_tokens, cached = _usage(data.get("usage"))
        extras = {}
        if not types.is_default:
            details = (data.get("usage") or {}).get("completion_tokens_details") or {}
            reasoning = int(details.get("reasoning_tokens") or 0)
            extras = types.extras(
                "LLMResponse", reasoning_tokens=reasoning, cache_read_tokens=cached
            )
        return types.response(
            content=content,
            model=str(data.get("model") or model),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            stop_reason=_stop_reason(choice.get("finish_reason")),
            raw_response=data,
            tool_uses=uses,
            **extras,
        )
    except (AttributeError, TypeError, ValueError) as exc:
        if isinstance(exc, ResponseFormatError):
            raise
        raise ResponseFormatError(f"Unexpected chat.completion body shape: {exc}") from exc


def _stop_reason(finish_reason: Any) -> str:
    """The seed's word: the legacy ``function_call`` finish is a tool call."""
    reason = str(finish_reason or "")
    return "tool_calls" if reason == "function_call" else reason


class ChunkDecoder:
    """Turns the ``data:`` payloads of a streamed chat completion into stream events.

    Example:
        >>> d = ChunkDecoder(TypeSet.default(), model="m")
        >>> [e.content for e in d.feed("", '{"choices": [{"delta": {"content": "Hi"}}]}')]
        ['Hi']
        >>> d.feed("", "[DONE]"), [e.type for e in d.finish()]
        ([], ['text_end', 'finish'])
    """

    def __init__(self, types: TypeSet, model: str) -> None:
        self.state = EventAssembler(types, model)
        self._chunks = 0

    @property
    def done(self) -> bool:
        """Whether ``data: [DONE]`` has been seen."""
        return self.state.done

    def feed(self, event: str, data: str) -> list[Any]:
        """Events for one server-sent event (OpenAI leaves ``event`` unnamed; it is ignored)."""
        if self.state.done:
            return []
        if data.strip() == "[DONE]":
            self.state.done = True
            return []
        self._chunks += 1
        try:
            chunk = json.loads(data)
        except ValueError:
            raise ResponseFormatError(
                f"Stream chunk #{self._chunks} is not valid JSON: {data[:80]!r}. The server "
                "sent a malformed event stream."
            ) from None
        if not isinstance(chunk, dict):
            raise ResponseFormatError(f"Stream chunk #{self._chunks} is not an object: {chunk!r}")
        if chunk.get("error"):
            raise error_from_event(chunk, "the chat completion stream")
        try:
            return self._apply(chunk)
        except (AttributeError, TypeError, ValueError) as exc:
            raise ResponseFormatError(
                f"Stream chunk #{self._chunks} has an unexpected shape ({exc}): {data[:80]!r}"
            ) from exc

    def _apply(self, chunk: dict[str, Any]) -> list[Any]:
        st = self.state
        if chunk.get("model"):
            st.model = str(chunk["model"])
        if chunk.get("usage"):
            st.input_tokens, st.output_tokens, st.cached_tokens = _usage(chunk["usage"])
        out: list[Any] = []
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                out += st.reasoning_delta(reasoning)
            content = delta.get("content")
            if not content and isinstance(delta.get("refusal"), str):
                content = delta["refusal"]
            if isinstance(content, str):
                out += st.text_delta(content)
            calls = delta.get("tool_calls") or ()
            if not calls and isinstance(delta.get("function_call"), dict):
                calls = [{"function": delta["function_call"]}]  # the legacy field
            for call in calls:
                index = int(call.get("index", 0))
                fn = call.get("function") or {}
                st.start_call(index, str(call.get("id") or ""), str(fn.get("name") or ""))
                st.call_arguments(index, str(fn.get("arguments") or ""))
            if choice.get("finish_reason"):
                st.stop_reason = _stop_reason(choice["finish_reason"])
        return out

    def finish(self) -> list[Any]:
        """The closing events; raises :class:`ResponseFormatError` when ``[DONE]`` never came."""
        if not self.state.done:
            raise ResponseFormatError(
                f"The chat completion stream ended before 'data: [DONE]' after "
                f"{self._chunks} chunk(s) and {len(self.state.text)} characters of text: "
                "the response was truncated."
            )
        return self.state.final_events()


#: kind -> (OpenAI error ``type``, ``code``): the body both OpenAI APIs send for a failure.
OPENAI_ERROR_TYPES: dict[str, tuple[str, str | None]] = {
    "invalid_request": ("invalid_request_error", None),
    "auth": ("invalid_request_error", "invalid_api_key"),
    "rate_limit": ("requests", "rate_limit_exceeded"),
    "server": ("server_error", None),
    "not_found": ("invalid_request_error", "unknown_url"),
    "no_such_item": ("invalid_request_error", None),
    "timeout": ("timeout", None),
    "overloaded": ("server_error", "overloaded"),
}


#: kind (or "kind:status") -> what OpenAI says, for a failure scripted with the kit's default
#: message (:func:`~llm_fakes.wire.errors.api_words`).
OPENAI_WORDING: dict[str, str] = {
    "auth": "Incorrect API key provided: sk-llmfa*********kes0. You can find your API key at "
    "https://platform.openai.com/account/api-keys.",
    "rate_limit": "Rate limit reached for requests. Visit "
    "https://platform.openai.com/account/rate-limits to learn more.",
    "overloaded": "The engine is currently overloaded, please try again later",
    "server:500": "The server had an error while processing your request. Sorry about that!",
    "timeout": "Request timed out.",
}


def openai_error_body(status: int, message: str, kind: str) -> dict[str, Any]:
    """OpenAI's error body: ``{"error": {"message", "type", "param", "code"}}``, in OpenAI's
    words for the kit's default messages.

    Example:
        >>> openai_error_body(429, "slow down", "rate_limit")["error"]["code"]
        'rate_limit_exceeded'
        >>> openai_error_body(401, "invalid api key", "auth")["error"]["message"][:27]
        'Incorrect API key provided:'
    """
    etype, code = OPENAI_ERROR_TYPES.get(kind, ("server_error", None))
    message = api_words(OPENAI_WORDING, kind, message, status)
    return {"error": {"message": message, "type": etype, "param": None, "code": code}}


def read_chat_request(body: dict[str, Any]) -> RequestView:
    """A ``/chat/completions`` body in the kit's terms (system and developer messages joined
    into ``system``)."""
    system = [
        m["content"]
        for m in body["messages"]
        if m["role"] in ("system", "developer") and isinstance(m.get("content"), str)
    ]
    messages = [dict(m) for m in body["messages"] if m["role"] not in ("system", "developer")]
    rf = body.get("response_format")
    rtype = rf.get("type") if isinstance(rf, dict) else None
    json_mode = rtype in ("json_object", "json_schema")
    schema = None
    if isinstance(rf, dict) and rtype == "json_schema":
        schema = (rf.get("json_schema") or {}).get("schema")
    return {
        "model": body["model"],
        "messages": messages,
        "system": "\n\n".join(system),
        "tools": [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "parameters": t["function"].get("parameters") or {},
            }
            for t in body.get("tools") or ()
        ],
        "max_tokens": body.get("max_completion_tokens", body.get("max_tokens")),
        "stream": bool(body.get("stream")),
        "json_mode": json_mode,
        "response_format": rf if json_mode else None,
        "schema": schema if isinstance(schema, dict) else None,
    }


class OpenAIWire(WireAPI):
    """What both OpenAI APIs share: host, auth, secrets, SDK, error shape, and ``FakeOpenAI``."""

    door = "openai"
    hosts = ("api.openai.com",)
    auth = Auth("authorization", scheme="Bearer ")
    secret_headers = frozenset({"api-key"})  # Azure OpenAI's key header
    secret_query_params = frozenset({"api-key", "api_key"})
    account_headers = frozenset({"openai-organization", "openai-project"})
    # OpenAI, AsyncOpenAI, AzureOpenAI, AsyncAzureOpenAI; Python and JS.
    user_agents = (r"^(?:Async)?(?:Azure)?OpenAI/(?:Python|JS)",)
    sdk_package = "openai"
    fake = "llm_fakes.http.fake_openai.FakeOpenAI"
    base_path = "/v1"

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        return openai_error_body(status, message, kind)


class OpenAIChat(OpenAIWire):
    """OpenAI Chat Completions (``POST /v1/chat/completions``), also what Azure OpenAI and the
    OpenAI-compatible servers speak.

    Example:
        >>> OpenAIChat().matches("/openai/deployments/d/chat/completions?api-version=1")
        True
    """

    key = "openai-chat"
    aliases = ("openai",)
    title = "OpenAI Chat Completions"
    path_suffixes = ("/chat/completions",)
    usage_fields = MappingProxyType(
        {
            "input_tokens": "usage.prompt_tokens",
            "output_tokens": "usage.completion_tokens",
            "cached_tokens": "usage.prompt_tokens_details.cached_tokens",
            "reasoning_tokens": "usage.completion_tokens_details.reasoning_tokens",
        }
    )
    provider = "llm_fakes.http.openai.OpenAIProvider"

    def request_terms(self, body: dict[str, Any]) -> RequestTerms:
        field = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
        tools = body.get("tools") or ()
        choice, forced = tool_choice_of(body.get("tool_choice", "auto" if tools else "none"))
        return RequestTerms(
            max_tokens=body.get(field),
            max_tokens_field=field,
            stop=stop_list(body.get("stop")),
            tools=tuple(t["function"]["name"] for t in tools),
            tool_choice=choice,
            forced_tool=forced,
            parallel_tool_calls=body.get("parallel_tool_calls") is not False,
            server_tools=(),  # Chat Completions runs no hosted tools
        )

    def model_of(self, path: str, body: Mapping[str, Any]) -> str:
        """The body's model, else an Azure OpenAI deployment's, named in the path.

        Example:
            >>> OpenAIChat().model_of("/openai/deployments/gpt-4o-mini/chat/completions", {})
            'gpt-4o-mini'
        """
        found = _DEPLOYMENT.search(path.split("?", 1)[0])
        return super().model_of(path, body) or (unquote(found.group(1)) if found else "")

    def read_request(self, body: dict[str, Any], *, path: str = "") -> RequestView:
        if "model" not in body and path:
            body = {**body, "model": self.model_of(path, body)}
        return read_chat_request(body)

    def build_request(self, model: str, messages: Any, **fields: Any) -> dict[str, Any]:
        return build_request(model, messages, **fields)

    def parse_response(self, data: dict[str, Any], types: TypeSet, model: str) -> Any:
        return parse_completion(data, types, model)

    def stream_decoder(self, types: TypeSet, model: str) -> Any:
        return ChunkDecoder(types, model)


# ---------------------------------------------------------------------------- refused shapes
# What the API refuses in a request's shape, in its own words: FakeOpenAI answers these with a
# 400, and ScriptedProvider (whose messages are OpenAI-style) raises the same BadRequestError.

#: The message roles Chat Completions accepts.
ROLES = ("system", "developer", "user", "assistant", "tool")


def role_problem(i: int, m: Any) -> str | None:
    """The message for ``messages[i]`` when it has no role Chat Completions knows, else ``None``."""
    if not isinstance(m, dict) or m.get("role") not in ROLES:
        role = m.get("role") if isinstance(m, dict) else m
        return f"Invalid value for 'messages[{i}].role': {role!r}. Supported: {list(ROLES)!r}."
    return None


def max_tokens_problem(key: str, value: Any) -> str | None:
    """The message for a ``max_tokens`` (or ``max_completion_tokens``) that is not an int >= 1.

    Example:
        >>> max_tokens_problem("max_tokens", "100")
        "Invalid type for 'max_tokens': expected an integer, but got a string instead ('100')."
        >>> max_tokens_problem("max_tokens", 0)
        "Invalid 'max_tokens': integer below minimum value 1 (got 0)."
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "a string" if isinstance(value, str) else f"a {type(value).__name__}"
        return f"Invalid type for '{key}': expected an integer, but got {kind} instead ({value!r})."
    if value < 1:
        return f"Invalid '{key}': integer below minimum value 1 (got {value!r})."
    return None


def seed_request_problem(messages: list[Any], system: str, max_tokens: Any) -> str | None:
    """The 400 message ``FakeOpenAI`` answers a seed-style request's shape with, or ``None``.

    :class:`~llm_fakes.ScriptedProvider` refuses the same requests with the same words (its
    messages are OpenAI-style): a message without a known role, a ``max_tokens`` that is not an
    integer >= 1. (No messages at all, or the conversation's order, such as a tool result no
    tool call asked for, is the fake servers' to check: the scripted fake takes any history.)

    Example:
        >>> seed_request_problem([{"content": "hi"}], "", 10)
        "Invalid value for 'messages[0].role': None. Supported: ['system', 'developer', \
'user', 'assistant', 'tool']."
        >>> seed_request_problem([{"role": "user", "content": "hi"}], "", 10) is None
        True
    """
    problem = max_tokens_problem("max_tokens", max_tokens)
    if problem is not None:
        return problem
    offset = 1 if system else 0  # on the wire the system prompt is messages[0]
    for i, m in enumerate(messages):
        if type(m) is not dict or m.get("role") not in ROLES:
            return role_problem(i + offset, m)
    return None
