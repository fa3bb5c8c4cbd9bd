"""Serve a cassette over HTTP, so any client (any SDK, any language, a CLI) replays it; record
through it as a proxy.

:class:`CassetteServer` answers every API its cassette (a file, or a folder of them) recorded,
each at its own paths (``POST */chat/completions``, ``*/responses``, ``*/messages``): a request
is read in the kit's terms and matched exactly as ``CassetteProvider`` matches a call (the same
keys, scrubbing, variants, recorded order), then answered with the recorded response
(:mod:`~llm_fakes.cassettes.served`). A request with no recording gets a 400 in the API's error
shape whose message is the miss report (the closest recorded request as a diff), and is kept in
:attr:`CassetteServer.misses`.

With a record mode other than ``none`` and an ``upstream`` (the real API's root URL), what
cannot be replayed is forwarded there (:mod:`~llm_fakes.cassettes.proxy`), passed back as it
arrives, and recorded: scrubbed, written atomically under the cassette's lock as soon as each
response ends (a killed server loses nothing it answered), with its wire response kept so the
replay is the same bytes. The modes are ``CassetteProvider``'s: ``once`` records a cassette that
does not exist yet, ``new_episodes`` records what is not recorded, ``all`` records everything
afresh.

Its shape is the fakes': :meth:`~CassetteServer.serve` yields a base URL, and
:meth:`~CassetteServer.transport` is an in-process httpx transport.

Example:
    >>> import httpx, json, pathlib, tempfile
    >>> from llm_fakes import CassetteProvider, ScriptedProvider
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> with CassetteProvider(path, inner=ScriptedProvider(["Paris."]), mode="once") as llm:
    ...     _ = llm.complete([{"role": "user", "content": "Capital of France?"}])
    >>> server = CassetteServer(path)
    >>> with server.serve() as url:
    ...     question = [{"role": "user", "content": "Capital of France?"}]
    ...     r = httpx.post(f"{url}/v1/chat/completions",
    ...                    json={"model": "gpt-4o", "max_tokens": 1024, "messages": question})
    >>> r.json()["choices"][0]["message"]["content"], server.unplayed()
    ('Paris.', [])
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from llm_fakes.cassettes import storage
from llm_fakes.cassettes._served_apis import api_for, fake_for, read_request, served_paths
from llm_fakes.cassettes.matching import DEFAULT_MATCH_ON, Matcher
from llm_fakes.cassettes.provider import RecordMode, _mode
from llm_fakes.cassettes.redaction import Filter, Redactor, prepare_for_disk
from llm_fakes.cassettes.served import answer, error_response
from llm_fakes.cassettes.tape import VIEW_DEFAULTS, Tape, describe, unplayed_message
from llm_fakes.cassettes.wire_formats import WireFormat
from llm_fakes.errors import CassetteError, UnusedInteractionsError, UsageError
from llm_fakes.http._fake_values import WireResponse, json_response

__all__ = ["CassetteServer"]

SUFFIXES = (".yaml", ".yml")


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        if not found:
            raise UsageError(
                f"No cassettes (*.yaml, *.yml) in the folder {storage.display(path)}; point "
                "--cassette at a cassette file or a folder holding some."
            )
        return found
    return [path]


class CassetteServer:
    """Serves a cassette (a file, or every cassette in a folder) to HTTP clients.

    Args:
        path: The cassette file, or a folder of cassettes (replay only).
        mode: ``"none"`` (default: replay only), ``"once"``, ``"new_episodes"`` or ``"all"``.
        upstream: The real API's root URL, where requests to record are forwarded.
        upstream_transport: An httpx transport to reach ``upstream`` through.
        match_on, normalize, filters, filter_keys, before_record_request, before_record,
            allow_playback_repeats, cross_view_defaults: As for ``CassetteProvider``.
        run_id: Recordings this run made are kept together even in mode ``all``.
        on_event: Called with a line for each miss, recording and failure (the CLI prints them).

    Raises:
        UsageError: The folder holds no cassette, a folder is to be recorded into, or a mode
            that records has no upstream.
        CassetteFormatError: A cassette cannot be read (the message names it).
    """

    __test__ = False
    chunk_delay = 0.0

    def __init__(
        self,
        path: str | Path,
        mode: RecordMode | str = RecordMode.NONE,
        *,
        upstream: str | None = None,
        upstream_transport: Any = None,
        match_on: Sequence[str] = DEFAULT_MATCH_ON,
        normalize: Mapping[str, Callable[[Any], Any]] | None = None,
        filters: Sequence[Filter] = (),
        filter_keys: Sequence[str] = (),
        before_record_request: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
        before_record: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
        allow_playback_repeats: bool = False,
        cross_view_defaults: bool = True,
        run_id: str | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.mode = _mode(mode)
        self._where = storage.display(self.path)
        self.files = _files(self.path)
        folder = self.path.is_dir()
        if folder and self.mode is not RecordMode.NONE:
            raise UsageError(
                f"{self._where} is a folder: record into one cassette file "
                f"(--cassette {self._where.rstrip('/')}/recorded.yaml), or replay the folder "
                "with record mode none."
            )
        self.exists = self.path.exists()
        self._record_all = self.mode is RecordMode.ALL or (
            self.mode is RecordMode.ONCE and not self.exists
        )
        docs = [] if self._record_all else [storage.load(f) for f in self.files if f.exists()]
        ours = bool(docs) and run_id is not None and docs[0]["header"].get("run") == run_id
        self._records = self._record_all or self.mode is RecordMode.NEW_EPISODES or ours
        self._run = run_id or uuid.uuid4().hex
        interactions: list[dict[str, Any]] = []
        #: For each interaction: (its file, its index there, the provider that recorded it).
        self._origins: list[tuple[Path, int, str]] = []
        for file, doc in zip(self.files, docs, strict=False):
            for i, interaction in enumerate(doc["interactions"]):
                interactions.append(interaction)
                self._origins.append((file, i, doc["header"].get("provider", "")))
        self._redactor = Redactor(filters, filter_keys)
        self._matcher = Matcher(match_on, normalize, self._redactor, before_record_request)
        self._before_record = before_record
        self.allow_playback_repeats = allow_playback_repeats
        self._tape = Tape(interactions, self._matcher, cross_view=cross_view_defaults)
        self._upstream: Any = None
        if self._records:
            if upstream is None:
                raise UsageError(
                    f"Serving {self._where} in record mode {self.mode.value!r} needs an "
                    "upstream to record from: the API's root URL, as --upstream "
                    "https://api.openai.com (or upstream= in Python and in the llm_cassette "
                    "marker), or replay only with record mode none."
                )
            from llm_fakes.cassettes.proxy import Upstream

            self._upstream = Upstream(upstream, upstream_transport)
        self.on_event = on_event
        #: The miss reports of the requests that had no recording, in order.
        self.misses: list[str] = []
        #: How many requests were answered, and how many of them were recorded.
        self.served = 0
        self.recorded = 0
        #: Responses that could not be recorded, and why.
        self.problems: list[str] = []
        #: The SDK-style base URL while :meth:`serve` runs, else ``None``.
        self.base_url: str | None = None
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()

    # ------------------------------------------------------------------ introspection

    @property
    def interactions(self) -> list[dict[str, Any]]:
        """The recorded interactions served (a folder's, in file order)."""
        return self._tape.interactions

    def unplayed(self) -> list[int]:
        """Indices (in :attr:`interactions`) of the interactions never played."""
        return self._tape.unplayed()

    def unplayed_message(self) -> str:
        """What strict mode reports, per cassette file (empty when everything was played)."""
        by_file: dict[Path, list[int]] = {}
        for i in self.unplayed():
            file, local, _ = self._origins[i]
            by_file.setdefault(file, []).append(local)
        messages = []
        for file, indices in by_file.items():
            start = next(i for i, o in enumerate(self._origins) if o[0] == file)
            shown = storage.display(file)
            described = lambda i, s=start: describe(self.interactions[s + i])  # noqa: E731
            messages.append(unplayed_message(shown, indices, described))
        return "\n".join(messages)

    def assert_all_played(self) -> None:
        """Raise :class:`~llm_fakes.errors.UnusedInteractionsError` if interactions were never
        played (strict mode)."""
        message = self.unplayed_message()
        if message:
            raise UnusedInteractionsError(message)

    # ------------------------------------------------------------------ answering

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        """A JSON error body (for what the loopback server rejects before any API is known)."""
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}

    def _event(self, line: str) -> None:
        if self.on_event is not None:
            self.on_event(line)

    def handle(
        self, method: str, path: str, headers: Iterable[tuple[str, str]], raw: bytes
    ) -> WireResponse:
        """Answer one HTTP request (the transport and the loopback server both call this)."""
        headers = list(headers)
        with self._lock:
            turn = self.served
            self.served += 1
        fmt = api_for(path) if method == "POST" else None
        if fmt is None:
            message = (
                f"llm-fakes serves the cassette {self._where} at {', '.join(served_paths())}; "
                f"not {method} {path}."
            )
            return json_response(404, self.error_body(404, message, "not_found"))
        try:
            body = json.loads(raw) if raw else None
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            shown = raw[:80]
            return error_response(
                fmt, 400, f"The request body is not a JSON object: {shown!r}.", "invalid_request"
            )
        try:
            stored, stream, model = read_request(fmt, path, body)
        except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
            message = f"The request body does not read as {fmt.name} ({type(exc).__name__}: {exc})."
            return error_response(fmt, 400, message, "invalid_request")
        request = {
            "messages": stored["messages"],
            "system": stored.get("system", ""),
            "tools": stored.get("tools", []),
            "max_tokens": stored.get("max_tokens"),
            "response_format": stored.get("response_format"),
            "json_mode": stored.get("json_mode", False),
            "max_retries": None,
        }
        call = "stream" if stream else "complete"
        hit = None
        if not self._record_all:
            repeat = self.allow_playback_repeats and not self._records
            hit = self._tape.next(request, repeat=repeat, call=call)
            if hit is None and request["max_tokens"] is None:
                # No limit on the wire is what a call with its method's default asks for: a
                # recording made through an LLMProvider holds that default.
                default = {**request, "max_tokens": VIEW_DEFAULTS[call]}
                hit = self._tape.next(default, repeat=repeat, call=call)
        if hit is not None:
            interaction = hit[1]
            provider = self._origins[hit[0]][2]
            wire = answer(
                fmt, path, interaction, stream=stream, body=body, turn=turn,
                raw_is_wire=bool(provider) and provider == fmt.provider, where=self._where,
            )  # fmt: skip
            if "http" not in interaction:  # rendered: a request id as the API's fake sends
                name = fake_for(fmt).request_id_header
                wire.headers.append((name, f"req_llmfakes{turn:06d}"))
            return wire
        if not self._records:
            message = self._tape.miss(call, request, model, self._where, self.exists)
            with self._lock:
                self.misses.append(message)
            self._event(f"miss: {message}")
            return error_response(fmt, 400, message, "invalid_request")
        return self._forward(fmt, method, path, headers, raw, stored, stream, model)

    # ------------------------------------------------------------------ recording

    def _forward(
        self,
        fmt: WireFormat,
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        raw: bytes,
        stored: dict[str, Any],
        stream: bool,
        model: str,
    ) -> WireResponse:
        from llm_fakes.cassettes.proxy import UpstreamError

        agent = next((v for k, v in headers if k.lower() == "user-agent"), "")

        def done(status: int, got: dict[str, str], body: bytes, chunks: list[bytes]) -> None:
            self._record(fmt, stored, stream, model, agent, status, got, body, chunks)

        try:
            return self._upstream.forward(method, path, headers, raw, done)  # type: ignore[no-any-return]
        except UpstreamError as exc:
            message = (
                f"llm-fakes could not reach the upstream {self._upstream.url} to record "
                f"{method} {path}: {exc}. Nothing was recorded; check --upstream."
            )
            self.problems.append(message)
            self._event(f"upstream failed: {message}")
            return error_response(fmt, 502, message, "server")

    def _record(
        self,
        fmt: WireFormat,
        stored: dict[str, Any],
        stream: bool,
        model: str,
        agent: str,
        status: int,
        headers: dict[str, str],
        body: bytes,
        chunks: list[bytes],
    ) -> None:
        from llm_fakes.cassettes.http_record import http_record

        try:
            result = fmt.outcome(
                stream=stream, status=status, headers=headers, body=body, model=model
            )
        except ValueError as exc:
            message = f"not recorded: the {status} response does not read as {fmt.name} ({exc})"
            self.problems.append(message)
            self._event(message)
            return
        call = "stream" if "events" in result or (stream and "error" in result) else "complete"
        raw = result.get("response", {}).get("raw_response")
        interaction = {
            "call": call,
            "request": stored,
            **result,
            "wire": fmt.name,
            "http": http_record(status, headers, body, chunks if stream else None, raw=raw),
        }
        self._save(interaction, fmt, model, agent)
        self._event(f"recorded: {describe(interaction)} -> {status}")

    def _save(self, interaction: dict[str, Any], fmt: WireFormat, model: str, agent: str) -> None:
        from llm_fakes.cassettes.importer import sdk_versions_of
        from llm_fakes.cassettes.outcome import first_model

        redactor = self._redactor.refreshed()
        # A secret cut in two by a chunk boundary is merged and scrubbed whole there.
        new = prepare_for_disk(
            [interaction], redactor, self._matcher.before_record_request, self._before_record
        )
        if not new:
            return
        header = {
            "provider": fmt.provider,
            "model": model,
            "model_answered": first_model(new),
            "sdk_versions": sdk_versions_of([agent]),
        }
        with self._save_lock:
            try:
                storage.save(
                    self.path,
                    new,
                    header=header,
                    replace=self.mode is RecordMode.ALL,
                    run=self._run,
                )
            except CassetteError as exc:
                self.problems.append(str(exc))
                self._event(f"not saved: {exc}")
                return
            self.recorded += 1
            self.exists = True

    # ------------------------------------------------------------------ forms

    def transport(self) -> Any:
        """An httpx transport answering from this cassette (sync and async clients)."""
        from llm_fakes.http._fake_transport import make_transport

        return make_transport(self)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve on a loopback port (a free one by default); yields the base URL.

        Anthropic clients take it as is; OpenAI clients as ``f"{url}/v1"`` (the paths are
        matched by their ends, so the bare URL works too).
        """
        from llm_fakes.http._loopback import LoopbackServer

        with LoopbackServer(self, host, port) as server:
            self.base_url = server.url
            try:
                yield self.base_url
            finally:
                self.base_url = None

    def close(self) -> None:
        """Close the connections to the upstream (nothing is left unsaved: each recording is
        written when its response ends)."""
        if self._upstream is not None:
            self._upstream.close()

    def __repr__(self) -> str:
        return (
            f"CassetteServer({self._where!r}, mode={self.mode.value!r}, "
            f"{len(self.interactions)} recorded, {self.served} served)"
        )
