"""What both fake servers share: the script, the request log, and turning a turn into a response.

A fake answers each request with the next turn of its script (the same ``str`` / ``Reply`` /
``Fail`` list a ``ScriptedProvider`` takes). A :class:`~llm_fakes.scripted.turns.Reply` is
resolved by :func:`~llm_fakes.scripted.render.render`, exactly as the scripted provider resolves
it, and that one outcome is serialised to the wire; so a scenario reads the same through either.
Failures go on the wire as the real APIs send them:

==================  =======================================================================
``Fail``            on the wire
==================  =======================================================================
``rate_limit``      429 with the API's error body, ``retry-after`` and ``retry-after-ms``
``overloaded``      Anthropic: 529 ``overloaded_error``; OpenAI: 503 "overloaded"
``server_error``    its status (500/502/503/504) with the API's error body
``bad_request``     400 ``invalid_request_error``; ``auth``: 401
``empty``           200 with no text and no tool calls
``timeout``         transport: ``httpx.ReadTimeout``; loopback server: 408
``connection``      the connection is dropped before any response
``mid_stream``      streamed: the reasoning and first ``after_chunk`` text chunks, then the
                    connection drops (``recoverable=True``) or an error event ends the stream
                    (``recoverable=False``); not streamed: the body is cut short (dropped
                    connection, or a truncated 200 body)
==================  =======================================================================

Every request is logged in :attr:`FakeServer.requests` as a :class:`RecordedRequest` (its JSON
body, headers minus credentials, and a normalised view: seed-style messages, system, tools,
``json_mode`` and the JSON schema). Bad requests get a 400 with the API's JSON error body.

**Routes.** :meth:`FakeServer.endpoint` picks the object that validates, reads (``view``) and
writes (``reply_body``, ``stream_parts``, ``stream_error_part``) one wire format: the fake itself
for its main route, another object for a second format on the same fake (``FakeOpenAI``'s
``/v1/responses``). Script, log, failures, JSON checks and both forms are shared, so a new wire
format is one such object and one ``endpoint`` branch. :meth:`FakeServer.unscripted` answers the
routes that use no turn (model lists, token counts); :meth:`FakeServer.routes` lists them all for
the 404 of an unknown path.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from llm_fakes.errors import JSONModeError, ScriptError, UnusedScriptError, UsageError
from llm_fakes.http._fake_values import (
    RecordedRequest,
    WireResponse,
    json_response,
    sse_response,
)
from llm_fakes.http._rate_limits import RateLimits
from llm_fakes.scripted.calllog import ScriptedCall
from llm_fakes.scripted.honour import RequestTerms, honour
from llm_fakes.scripted.render import Chunking, Rendered, render
from llm_fakes.scripted.request import ScriptedRequest
from llm_fakes.scripted.script import OnExhausted, Script
from llm_fakes.scripted.turns import Fail, Reply, Turn
from llm_fakes.secrets import secret_headers
from llm_fakes.types import Tool
from llm_fakes.wire.base import RequestView, WireAPI

__all__ = ["FakeServer", "RecordedRequest", "WireResponse"]


class FakeServer:
    """Base of :class:`~llm_fakes.FakeOpenAI` and :class:`~llm_fakes.FakeAnthropic`.

    Args:
        script: The turns, in order: ``str``, ``Reply`` or ``Fail``; or a ``Script``; or what
            :func:`~llm_fakes.load_script` returns (its rules and settings apply too). Rules are
            matched against the request in the seed's terms.
        chunking: How streamed text is split: ``"words"`` (default), ``"chars"`` or an int.
        chunk_delay: Seconds to wait between streamed chunks (real sleep; default 0).
        validate_json: Answer 400 when JSON mode is asked for and the scripted reply is not JSON
            or does not match the schema (contract J3; ``Reply(invalid_json=True)`` opts out), with
            the same message ``ScriptedProvider`` raises.
        on_exhausted: ``"raise"`` (answer 400 once the script is used up), ``"cycle"`` or
            ``"repeat_last"``, as for ``ScriptedProvider``.
        id_prefix: Prefix of generated tool-call ids: ``f"{id_prefix}{n}_{i}"`` for the ``i``-th
            call of the ``n``-th request (default: how the API's own ids begin, the wire entry's
            ``tool_call_id_prefix``: ``call_`` for OpenAI, ``toolu_`` for Anthropic).
        models: The model ids ``GET /v1/models`` lists (default: the fake's
            :attr:`default_models`, then any model the script's replies name).
        rate_limits: The limits the rate-limit headers report, ``{"requests": ..., "tokens":
            ...}`` (see :mod:`llm_fakes.http._rate_limits`); every answer spends from them.
        keep_requests: Keep only the last N requests in :attr:`requests` (``None``: all, the
            default; ``llm-fakes serve`` keeps 100, so a long-running server does not grow).
            :attr:`request_count` counts them all.
    """

    __test__ = False
    api_name: ClassVar[str] = ""
    #: The registry entry of the fake's main route: how requests are read, errors written.
    wire: ClassVar[WireAPI]
    base_path: ClassVar[str] = ""
    default_models: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        script: Iterable[Turn | str] | Script | Any = (),
        *,
        chunking: Chunking = "words",
        chunk_delay: float = 0.0,
        validate_json: bool = True,
        on_exhausted: OnExhausted | None = None,
        id_prefix: str | None = None,
        models: Sequence[str] | None = None,
        rate_limits: Mapping[str, int] | None = None,
        keep_requests: int | None = None,
    ) -> None:
        _check_seconds("chunk_delay", chunk_delay)
        if keep_requests is not None and (
            isinstance(keep_requests, bool)
            or not isinstance(keep_requests, int)
            or keep_requests < 0
        ):
            raise UsageError(
                f"keep_requests must be an int >= 0 or None (keep all), got {keep_requests!r}."
            )
        settings: dict[str, Any] = dict(getattr(script, "settings", None) or {})
        if isinstance(script, Script):
            self.script = script
        else:
            turns = getattr(script, "turns", script)
            exhausted = on_exhausted or settings.get("on_exhausted") or "raise"
            # Script() itself: it refuses a lone str (which list() would split into characters)
            self.script = Script(turns, on_exhausted=exhausted)
            self.script.rules.extend(getattr(script, "rules", None) or ())
        if on_exhausted is not None:
            self.script.on_exhausted = on_exhausted
        # The file's chunking is a default: an explicit other one wins.
        self.chunking: Chunking = (
            settings.get("chunking", chunking) if chunking == "words" else chunking
        )
        self.chunk_delay = chunk_delay
        self.validate_json = validate_json
        self.id_prefix = self.wire.tool_call_id_prefix if id_prefix is None else id_prefix
        if models is None:
            named = [t.model for t in self.script.queue if isinstance(t, Reply) and t.model]
            models = [*self.default_models, *named]
        self.models: list[str] = list(dict.fromkeys(models))
        self.requests: list[RecordedRequest] = []
        #: Every request received, including those :attr:`requests` no longer keeps.
        self.request_count = 0
        self.keep_requests = keep_requests
        #: The SDK-style base URL while :meth:`serve` runs, else ``None``.
        self.base_url: str | None = None
        self.problems: list[str] = []
        self.rate_limits = RateLimits(rate_limits)
        #: The query parameters of the request being answered (read them in the hooks, which
        #: run under the fake's lock: Gemini's ``?alt=sse``, ``?key=``).
        self.query: dict[str, str] = {}
        #: The path (no query) of the request being answered, likewise (Gemini's holds the model).
        self.request_path = ""
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ hooks (subclasses)

    #: Header every response carries with a fresh request id (``x-request-id`` for OpenAI).
    request_id_header: ClassVar[str] = "x-request-id"
    #: Which API's rate-limit header names the fake sends (``"openai"``, ``"anthropic"``).
    rate_limit_style: ClassVar[str] = "openai"

    def request_id(self) -> str:
        """The id of the request being answered (its header, and any body that names it)."""
        return f"req_llmfakes{self.request_count:06d}"

    def route_ok(self, method: str, path: str) -> bool:
        raise NotImplementedError

    def endpoint(self, method: str, path: str) -> Any | None:
        """The scripted route answering ``method path``: an object with ``validate``, ``view``,
        ``reply_body``, ``stream_parts`` and ``stream_error_part`` (the fake itself for its main
        route), or ``None``. A fake with several wire formats returns one object per route."""
        return self if self.route_ok(method, path) else None

    def unscripted(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> WireResponse | None:
        """The answer of a route that consumes no turn (model list, token counts, stored
        state), else None. The query is :attr:`query`."""
        return None

    def routes(self) -> list[str]:
        """The routes served, for the 404 of an unknown path."""
        return [f"POST {self.base_path}"]

    def validate(
        self, body: dict[str, Any], headers: dict[str, str]
    ) -> str | tuple[int, str] | None:
        """The problem that makes the API refuse ``body`` (a 400 with this message, or
        ``(status, message)``), or ``None``."""
        raise NotImplementedError

    def view(self, body: dict[str, Any]) -> RequestView:
        """The request in the kit's terms, as the fake's wire entry reads it."""
        return self.wire.read_request(body, path=self.request_path)

    def terms(self, body: dict[str, Any]) -> RequestTerms:
        """What the request asks of the reply (budget, stop sequences, tools...), which the
        fake applies to each scripted reply (:mod:`llm_fakes.scripted.honour`), as the fake's
        wire entry reads them."""
        return self.wire.request_terms(body)

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        """The API's error body, as the fake's wire entry renders it."""
        return self.wire.error_body(status, message, kind)

    def overloaded(self, message: str) -> WireResponse:
        raise NotImplementedError

    def reply_body(self, r: Rendered, body: dict[str, Any], turn: int) -> dict[str, Any]:
        raise NotImplementedError

    def stream_parts(
        self, r: Rendered, body: dict[str, Any], turn: int, text_limit: int | None = None
    ) -> list[bytes]:
        raise NotImplementedError

    def stream_error_part(self, message: str) -> bytes:
        raise NotImplementedError

    # ------------------------------------------------------------------ script

    @property
    def remaining(self) -> list[Turn]:
        """The queued turns not yet used."""
        return [turn for _, turn in self.script.unused_turns()]

    def extend(self, turns: Iterable[Turn | str]) -> None:
        """Append turns to the script."""
        with self._lock:
            self.script.add(turns)

    def assert_all_used(self) -> None:
        """Raise :class:`~llm_fakes.UnusedScriptError` if turns or counted rules are left
        unused, or a request hit a test-writing mistake (an exhausted script, bad JSON)."""
        __tracebackhide__ = True
        lines = [f"{type(self).__name__}: {p}" for p in self.problems]
        if self.script.unused_turns() or self.script.unused_rules():
            lines.append(f"{type(self).__name__} received {self.request_count} request(s), but")
            try:
                self.script.assert_all_used([])
            except UnusedScriptError as exc:
                lines += str(exc).splitlines()[:-2]
            lines.append(
                "Remove what is not needed from the script, or make the code under test send the "
                "requests you scripted."
            )
        if lines:
            raise UnusedScriptError("\n".join(lines))

    # ------------------------------------------------------------------ the request cycle

    def error(
        self, status: int, message: str, kind: str, headers: Sequence[tuple[str, str]] = ()
    ) -> WireResponse:
        """An error response with the API's JSON error body."""
        return json_response(status, self.error_body(status, message, kind), headers)

    def handle(
        self,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        raw: bytes,
    ) -> WireResponse:
        """Answer one HTTP request (the transport and the loopback server both call this;
        ``path`` may carry a query: not part of the route, it is :attr:`query` meanwhile)."""
        path, _, query = path.partition("?")
        hdrs = {k.lower(): v for k, v in headers}
        secret = secret_headers()
        logged = {k: v for k, v in hdrs.items() if k not in secret}
        with self._lock:
            self.query = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
            self.request_path = path
            body: Any = None
            try:
                body = json.loads(raw) if raw else None
            except (ValueError, RecursionError):  # not JSON, or nested past the parser's limit
                body = None
            endpoint = self.endpoint(method, path)
            if endpoint is None:
                resp = self.unscripted(method, path, body, hdrs) or self.error(
                    404,
                    f"{type(self).__name__} serves {', '.join(self.routes())}; not "
                    f"{method} {path}.{_other_fake(type(self), path)}",
                    "not_found",
                )
                return self._log(resp, method, path, logged, body, None, {})
            if not isinstance(body, dict):
                resp = self.error(
                    400, f"The request body is not a JSON object: {raw[:80]!r}.", "invalid_request"
                )
                return self._log(resp, method, path, logged, body, None, {})
            index = self.request_count
            try:
                problem = endpoint.validate(body, hdrs)
                if not problem:
                    view = endpoint.view(body)
                    call = _scripted_call(view, index)
            except (
                TypeError,
                AttributeError,
                KeyError,
                IndexError,
                ValueError,
                RecursionError,
            ) as e:
                # A value of a type the checks did not foresee (a number where the API wants a
                # list...): the real API answers 400 too, never a dropped connection.
                problem = f"The request body has a value of an unexpected type ({e!s})."
            if problem:
                # A route may say which status (a 404 for an id it does not know), else 400.
                status, text = problem if isinstance(problem, tuple) else (400, problem)
                kind = "no_such_item" if status == 404 else "invalid_request"
                resp = self.error(status, text, kind)
                return self._log(resp, method, path, logged, body, None, {})
            request = call.request
            try:
                picked = self.script.next(call)
            except ScriptError as exc:  # a rule's pattern that backtracks past its time bound
                message = f"llm-fakes {type(self).__name__}: {exc}"
                self.problems.append(message)
                resp = self.error(400, message, "invalid_request")
                return self._log(resp, method, path, logged, body, None, view)
            if picked is None:
                message = (
                    f"llm-fakes {type(self).__name__}: the script is exhausted: request "
                    f"#{index} ({_describe(request)}) arrived after all "
                    f"{len(self.script.queue)} queued turn(s) were used. Add turns to the "
                    "script (fake.extend([...])), or pass on_exhausted='cycle' or 'repeat_last'."
                )
                self.problems.append(message)
                resp = self.error(400, message, "invalid_request")
                return self._log(resp, method, path, logged, body, None, view)
            turn, source = picked
            if isinstance(turn, Fail):
                resp = self._fail(turn, view, body, index, endpoint)
            else:
                resp = self._reply(turn, view, body, index, request, source, endpoint)
            return self._log(resp, method, path, logged, body, index, view)

    def _log(
        self,
        resp: WireResponse,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any,
        turn: int | None,
        view: dict[str, Any],
    ) -> WireResponse:
        if resp.status:  # a dropped connection sends no headers at all
            self.rate_limits.spend(requests=1)
            limited = self.rate_limits.headers(self.rate_limit_style, resp.status == 429)
            resp.headers += limited
        resp.headers.append((self.request_id_header, self.request_id()))
        self.request_count += 1
        self.requests.append(
            RecordedRequest(
                method=method,
                path=path,
                headers=headers,
                body=body,
                status=resp.status,
                turn=turn,
                **view,
            )
        )
        if self.keep_requests is not None and len(self.requests) > self.keep_requests:
            del self.requests[: len(self.requests) - self.keep_requests]
        return resp

    def _reply(
        self,
        reply: Reply,
        view: dict[str, Any],
        body: dict[str, Any],
        index: int,
        request: ScriptedRequest | None = None,
        source: str = "",
        endpoint: Any = None,
    ) -> WireResponse:
        endpoint = endpoint or self
        if request is not None:
            try:
                reply = honour(reply, endpoint.terms(body), f"{source} (request #{index})")
            except ScriptError as exc:
                problem = f"llm-fakes {type(self).__name__}: {exc}"
                self.problems.append(problem)
                return self.error(400, problem, "invalid_request")
        rendered = render(
            reply,
            view["messages"],
            system=view["system"],
            call_index=index,
            default_model=view["model"],
            chunking=self.chunking,
            id_prefix=self.id_prefix,
        )
        self.rate_limits.spend(tokens=rendered.input_tokens + rendered.output_tokens)
        if request is not None and self.validate_json and request.json_format is not None:
            from llm_fakes.scripted.jsonmode import check_json

            try:
                check_json(reply, rendered.text, request, source)
            except JSONModeError as exc:
                problem = f"llm-fakes {type(self).__name__}: {exc}"
                self.problems.append(problem)
                return self.error(400, problem, "invalid_request")
        remember = getattr(endpoint, "remember", None)  # a route that keeps state
        if view["stream"]:
            parts = endpoint.stream_parts(rendered, body, index)
            if remember is not None:
                remember(body, index, parts=parts)
            return sse_response(parts)
        data = endpoint.reply_body(rendered, body, index)
        if remember is not None:
            data = remember(body, index, response=data)
        return json_response(200, data)

    def _fail(
        self, fail: Fail, view: dict[str, Any], body: dict[str, Any], index: int, endpoint: Any
    ) -> WireResponse:
        msg = fail.message
        kind = fail.kind
        if kind == "rate_limit":
            headers: list[tuple[str, str]] = []
            if fail.retry_after is not None:
                seconds = max(0.0, float(fail.retry_after))
                whole = int(seconds) if seconds == int(seconds) else int(seconds) + 1
                headers = [("retry-after", str(whole)), ("retry-after-ms", f"{seconds * 1000:g}")]
            return self.error(429, msg, "rate_limit", headers)
        if kind == "overloaded":
            return self.overloaded(msg)
        if kind == "server_error":
            return self.error(fail.status or 500, msg, "server")
        if kind == "bad_request":
            return self.error(400, msg, "invalid_request")
        if kind == "auth":
            return self.error(401, msg, "auth")
        if kind == "timeout":
            resp = self.error(408, msg, "timeout")
            resp.ending = "timeout"
            return resp
        if kind == "connection":
            return WireResponse(status=0, headers=[], parts=[], ending="no_response")
        if kind == "empty":
            return self._reply(Reply(text=""), view, body, index, endpoint=endpoint)
        assert fail.reply is not None  # mid_stream
        rendered = render(
            fail.reply,
            view["messages"],
            system=view["system"],
            call_index=index,
            default_model=view["model"],
            chunking=self.chunking,
            id_prefix=self.id_prefix,
        )
        if view["stream"]:
            parts = endpoint.stream_parts(rendered, body, index, text_limit=fail.after_chunk)
            if fail.recoverable:
                return sse_response(parts, ending="reset")
            return sse_response([*parts, endpoint.stream_error_part(msg)])
        full = json.dumps(endpoint.reply_body(rendered, body, index)).encode()
        cut = full[: len(full) // 2]
        resp = WireResponse(200, [("content-type", "application/json")], [cut])
        if fail.recoverable:
            resp.ending, resp.content_length = "reset", len(full)
        return resp

    # ------------------------------------------------------------------ forms

    def transport(self) -> Any:
        """An httpx transport answering from this fake, usable by sync *and* async clients.

        Example:
            >>> import httpx
            >>> from llm_fakes import FakeOpenAI
            >>> fake = FakeOpenAI(["hi"])
            >>> client = httpx.Client(transport=fake.transport())
            >>> r = client.post("https://api.openai.com/v1/chat/completions",
            ...                 json={"model": "m", "messages": [{"role": "user", "content": "x"}]})
            >>> r.json()["choices"][0]["message"]["content"]
            'hi'
        """
        from llm_fakes.http._fake_transport import make_transport

        return make_transport(self)

    @contextlib.contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve on a loopback port (a free one by default); yields the SDK-style base URL.

        The server stops, and its connections close, when the ``with`` block ends.
        """
        from llm_fakes.http._loopback import LoopbackServer

        with LoopbackServer(self, host, port) as server:
            self.base_url = server.url + self.base_path
            try:
                yield self.base_url
            finally:
                self.base_url = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self.script.queue)} turns, {len(self.requests)} requests)"
        )


def _scripted_call(view: dict[str, Any], index: int) -> ScriptedCall:
    """The request in the seed's terms, as script rules and JSON checks see it."""
    tools = [Tool(t["name"], t["description"], t["parameters"]) for t in view["tools"]]
    return ScriptedCall(
        index,
        0.0,
        "stream" if view["stream"] else "complete",
        view["messages"],
        system=view["system"],
        tools=tools or None,
        max_tokens=view["max_tokens"] or 0,
        response_format=view["response_format"],
    )


def _check_seconds(name: str, value: object) -> None:
    """A delay must be a finite number >= 0 (``nan`` and ``inf`` pass a plain ``< 0`` check)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise UsageError(f"{name} must be a finite number of seconds >= 0, got {value!r}.")


def _describe(request: ScriptedRequest) -> str:
    from llm_fakes.scripted.request import describe_request

    return describe_request(request)


def _other_fake(fake: type, path: str) -> str:
    """For a 404: the fake that serves ``path``, when it is another API's (a client of one SDK
    pointed at the other API's fake)."""
    from llm_fakes.wire import REGISTRY

    api = REGISTRY.for_path(path)
    if api is None:
        return ""
    try:
        other = api.fake_class()
    except (ImportError, AttributeError):
        return ""
    if issubclass(fake, other):
        return ""
    return f" {path} is the {api.title} API: point this client at {other.__name__} instead."
