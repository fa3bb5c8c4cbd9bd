"""``FakeGemini``: a scripted server that speaks Google's Gemini ``generateContent`` API.

It answers ``POST /{v1beta,v1}/models/{model}:generateContent`` and
``:streamGenerateContent?alt=sse`` (``data:`` events each holding a whole
``GenerateContentResponse``, the finish reason and full ``usageMetadata`` on the last; without
``alt=sse`` the API streams a JSON array, which the fake does not serve: it says so in a 400) as the
Gemini API does: ``candidates[0].content.parts`` with text, ``functionCall`` parts (with no
``id``, as the API sends them, unless the script gave the call one: then it is in the API's
optional ``id`` field, so it reads back as scripted) and, when
the request asks for them
(``thinkingConfig.includeThoughts``), ``thought`` parts; ``thoughtsTokenCount`` counts the
reasoning either way. Errors are Google's
``{"error": {"code", "message", "status", "details"}}``: a scripted rate limit is a 429
``RESOURCE_EXHAUSTED`` whose wait is a ``RetryInfo`` detail (no ``Retry-After`` header), overload
is a 503 ``UNAVAILABLE``. Requests the API refuses get its 400 ``INVALID_ARGUMENT``: no
``contents``, a role other than ``user`` / ``model``, a part list that is empty, a
``functionResponse`` turn that follows no ``functionCall`` turn or answers a different number of
calls, a call turn that follows no user turn. Without consuming a turn it answers ``:countTokens``
(the kit's input-token estimate), ``GET models`` and ``GET models/{model}``.

Script stop reasons are in the seed's words and go on the wire as finish reasons
(:func:`~llm_fakes.wire.gemini.finish_reason`): ``"stop"`` and ``"tool_calls"`` as ``STOP``,
``"length"`` as ``MAX_TOKENS``, ``"content_filter"`` as ``SAFETY``.

Example:
    >>> import httpx
    >>> fake = FakeGemini(["Hello there"])
    >>> client = httpx.Client(transport=fake.transport())
    >>> r = client.post(
    ...     "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
    ...     json={"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]})
    >>> candidate = r.json()["candidates"][0]
    >>> candidate["content"]["parts"], candidate["finishReason"]
    ([{'text': 'Hello there'}], 'STOP')
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from llm_fakes.http._fake_values import WireResponse, json_response
from llm_fakes.http.fake_server import FakeServer
from llm_fakes.scripted.render import Rendered, request_chars
from llm_fakes.wire import gemini

__all__ = ["FakeGemini"]

_MODELS = re.compile(r"/(v1beta|v1)/models(?:/([^/:]+))?$")
_SIGNATURE = "bGxtLWZha2VzLXRob3VnaHQtc2lnbmF0dXJl"
_SAFETY = [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}]
_MESSAGES = {
    401: "Request had invalid authentication credentials.",
    429: "Resource has been exhausted (e.g. check quota).",
}


def check_contents(contents: Any) -> str | None:
    """The Gemini API's 400 message for a ``contents`` it refuses, else ``None``."""
    if not isinstance(contents, list) or not contents:
        return "* GenerateContentRequest.contents: contents is not specified"
    calls_before: list[Any] | None = None  # the previous turn's calls (None: not a model turn)
    previous_user = False
    for i, turn in enumerate(contents):
        if not isinstance(turn, dict):
            return f"* GenerateContentRequest.contents[{i}]: expected a Content object"
        role = turn.get("role") or "user"
        if role not in ("user", "model"):
            return "Please use a valid role: user, model."
        parts = turn.get("parts")
        if not isinstance(parts, list) or not parts:
            return (
                f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty."
            )
        answers = [p for p in parts if gemini.field(p, "functionResponse") is not None]
        calls = gemini.calls_of(parts)
        if answers:
            if not calls_before:
                return (
                    "Please ensure that function response turn comes immediately after a "
                    "function call turn."
                )
            if len(answers) != len(calls_before):
                return (
                    "Please ensure that the number of function response parts is equal to the "
                    "number of function call parts of the function call turn."
                )
        if calls and role == "model" and not previous_user:
            return (
                "Please ensure that function call turn comes immediately after a user turn or "
                "after a function response turn."
            )
        calls_before = calls if role == "model" else None
        previous_user = role == "user"
    return None


def check_request(body: dict[str, Any]) -> str | None:
    """The Gemini API's 400 message for a ``generateContent`` body it refuses, else ``None``."""
    problem = check_contents(gemini.field(body, "contents"))
    if problem:
        return problem
    for i, group in enumerate(gemini.field(body, "tools") or ()):
        for j, decl in enumerate(gemini.field(group, "functionDeclarations") or ()):
            if not isinstance(decl, dict) or not decl.get("name"):
                return (
                    f"* GenerateContentRequest.tools[{i}].function_declarations[{j}].name: "
                    "Name cannot be empty."
                )
    config = gemini.field(body, "generationConfig") or {}
    if not isinstance(config, dict):
        return "* GenerateContentRequest.generation_config: expected a GenerationConfig object"
    limit = gemini.field(config, "maxOutputTokens")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        return (
            "* GenerateContentRequest.generation_config.max_output_tokens: "
            f"max_output_tokens must be positive (got {limit!r})."
        )
    return None


def _thinking(body: dict[str, Any]) -> bool:
    config = gemini.field(body, "generationConfig") or {}
    return bool(gemini.field(gemini.field(config, "thinkingConfig") or {}, "includeThoughts"))


class FakeGemini(FakeServer):
    """A scripted fake of the Gemini API (see :class:`FakeServer` for options).

    ``.transport()`` gives an in-process httpx transport; ``.serve()`` a loopback server whose
    base URL (``http://127.0.0.1:<port>``) is what ``google.genai.Client(http_options=
    HttpOptions(base_url=...))`` takes.
    """

    api_name = "Gemini"
    wire = gemini.Gemini()
    base_path = ""
    default_models = ("gemini-2.5-flash", "gemini-2.5-pro")

    def route_ok(self, method: str, path: str) -> bool:
        found = gemini.route(path)
        return method == "POST" and found is not None and found[1] != "countTokens"

    def routes(self) -> list[str]:
        return [
            "POST /v1beta/models/{model}:generateContent",
            "POST /v1beta/models/{model}:streamGenerateContent?alt=sse",
            "POST /v1beta/models/{model}:countTokens",
            "GET /v1beta/models",
            "GET /v1beta/models/{model} (and the same under /v1)",
        ]

    def unscripted(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> WireResponse | None:
        listing = _MODELS.search(path.rstrip("/"))
        if method == "GET" and listing:
            if listing.group(2):
                return json_response(200, _model(listing.group(2)))
            return json_response(200, {"models": [_model(m) for m in self.models]})
        found = gemini.route(path)
        if method == "POST" and found and found[1] == "countTokens":
            if not isinstance(body, dict):
                return self.error(400, "The request body is not a JSON object.", "invalid_request")
            inner = gemini.field(body, "generateContentRequest")
            request = inner if isinstance(inner, dict) else body
            problem = check_contents(gemini.field(request, "contents"))
            if problem:
                return self.error(400, problem.replace("GenerateContent", "CountTokens"), "")
            view = gemini.read_body(request, found[0], stream=False)
            tokens = (request_chars(view["messages"], view["system"]) + 3) // 4
            details = [{"modality": "TEXT", "tokenCount": tokens}]
            return json_response(200, {"totalTokens": tokens, "promptTokensDetails": details})
        return None

    def validate(self, body: dict[str, Any], headers: dict[str, str]) -> str | None:
        streaming = self.wire.is_stream(self.request_path, body)
        if streaming and self.query.get("alt") != "sse":
            return (
                "llm-fakes FakeGemini streams as server-sent events only: add ?alt=sse to "
                ":streamGenerateContent (the google-genai SDK and litellm do). The JSON-array "
                "stream the API sends without it is not served."
            )
        return check_request(body)

    def error(
        self, status: int, message: str, kind: str, headers: Sequence[tuple[str, str]] = ()
    ) -> WireResponse:
        """Google's error body; a requested wait goes in a ``RetryInfo`` detail, not a header."""
        wait = dict(headers).get("retry-after-ms")
        details = [gemini.retry_info(float(wait) / 1000)] if wait is not None else []
        return json_response(status, gemini.error_body(status, message, details))

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        return gemini.error_body(status, message or _MESSAGES.get(status, ""))

    def overloaded(self, message: str) -> WireResponse:
        return self.error(503, message or "The model is overloaded. Please try again later.", "")

    def _usage(self, r: Rendered, final: bool = True) -> dict[str, Any]:
        prompt = r.input_tokens
        thoughts = min(r.output_tokens, (len(r.reasoning) + 3) // 4) if r.reasoning else 0
        usage: dict[str, Any] = {"promptTokenCount": prompt}
        if final:
            usage["candidatesTokenCount"] = r.output_tokens - thoughts
        usage["totalTokenCount"] = prompt + (r.output_tokens if final else thoughts)
        cached = min(r.cached_tokens, prompt)
        if cached:
            usage["cachedContentTokenCount"] = cached
        usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        return usage

    def _call_parts(self, r: Rendered, turn: int) -> list[dict[str, Any]]:
        parts = []
        for i, u in enumerate(r.tool_uses):
            call: dict[str, Any] = {"name": u.name, "args": u.input}
            if u.id not in r.generated_ids:  # the API sends no ids: only a scripted one goes
                call["id"] = u.id
            part: dict[str, Any] = {"functionCall": call}
            if i == 0 and r.reasoning:
                part["thoughtSignature"] = _SIGNATURE
            parts.append(part)
        return parts

    def _envelope(
        self, r: Rendered, turn: int, parts: list[dict[str, Any]], finish: bool, final_usage: bool
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {}
        filtered = r.stop_reason == "content_filter"
        if parts or not filtered:
            candidate["content"] = {"parts": parts, "role": "model"} if parts else {"role": "model"}
        if finish:
            candidate["finishReason"] = gemini.finish_reason(r.stop_reason)
            if filtered:
                candidate["safetyRatings"] = _SAFETY
        candidate["index"] = 0
        return {
            "candidates": [candidate],
            "usageMetadata": self._usage(r, final_usage),
            "modelVersion": r.model,
            "responseId": f"llmfakes{turn:06d}",
        }

    def reply_body(self, r: Rendered, body: dict[str, Any], turn: int) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if r.reasoning and _thinking(body):
            parts.append({"text": r.reasoning, "thought": True})
        if r.text:
            parts.append({"text": r.text})
        parts += self._call_parts(r, turn)
        return self._envelope(r, turn, parts, True, True)

    def stream_parts(
        self, r: Rendered, body: dict[str, Any], turn: int, text_limit: int | None = None
    ) -> list[bytes]:
        chunks: list[list[dict[str, Any]]] = []
        if r.reasoning and _thinking(body):
            chunks += [[{"text": c, "thought": True}] for c in r.reasoning_chunks]
        texts = r.text_chunks if text_limit is None else r.text_chunks[:text_limit]
        chunks += [[{"text": c}] for c in texts if c]
        if text_limit is not None:
            return [_event(self._envelope(r, turn, c, False, False)) for c in chunks]
        if r.tool_uses:
            chunks.append(self._call_parts(r, turn))
        if not chunks:
            chunks.append([{"text": ""}] if r.stop_reason != "content_filter" else [])
        last = len(chunks) - 1
        return [
            _event(self._envelope(r, turn, c, i == last, i == last)) for i, c in enumerate(chunks)
        ]

    def stream_error_part(self, message: str) -> bytes:
        return _event(gemini.error_body(500, message))


def _model(name: str) -> dict[str, Any]:
    name = name.removeprefix("models/")
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": name,
        "description": f"A model served by llm-fakes' FakeGemini ({name}).",
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "countTokens"],
        "temperature": 1.0,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2.0,
        "thinking": True,
    }


def _event(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\r\n\r\n"
