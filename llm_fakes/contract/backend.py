"""The backend a factory wires its provider to: one generated script, every way to reach it.

The suite builds one :class:`ConformanceBackend` per example. It plays that example's script
through whichever door the provider uses:

* ``backend.scripted``: a :class:`~llm_fakes.ScriptedProvider`, for providers that wrap another
  ``LLMProvider``;
* ``backend.openai_transport`` / ``backend.anthropic_transport``: in-process httpx transports of
  :class:`~llm_fakes.FakeOpenAI` / :class:`~llm_fakes.FakeAnthropic`;
* ``backend.openai_base_url`` / ``backend.anthropic_base_url``: the same fakes behind a real HTTP
  server on 127.0.0.1 (started on first use, shared by the run, stopped at its end), the URL an
  official SDK takes as ``base_url``.

``backend.requests`` is what reached the backend, one :class:`~llm_fakes.contract.wire.
BackendRequest` per attempt, in the seed's shape whichever door was used. ``backend.clock`` is the
clock to hand the provider (``clock=backend.clock``): a fresh virtual clock, so retry waits cost
nothing and are visible in ``backend.clock.sleeps``.

Example:
    >>> from llm_fakes.scripted.turns import Reply
    >>> with BackendSession() as session:
    ...     backend = ConformanceBackend([Reply(text="hi")], session=session)
    ...     reply = backend.scripted.complete([{"role": "user", "content": "yo"}], max_tokens=7)
    ...     (reply.content, backend.attempts, backend.requests[0].max_tokens)
    ('hi', 1, 7)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from llm_fakes.clock import Clock, RealClock, VirtualClock
from llm_fakes.contract.cases import BackendOptions
from llm_fakes.contract.wire import BackendRequest, json_format_of, schema_of
from llm_fakes.errors import UsageError
from llm_fakes.scripted.turns import Fail, Reply

if TYPE_CHECKING:
    from llm_fakes.contract._doors import LoopbackServer
    from llm_fakes.contract._doors import _Watching as WatchedTransport
    from llm_fakes.scripted.provider import ScriptedProvider

__all__ = ["BackendSession", "ConformanceBackend"]

_FAKES = {"openai": "FakeOpenAI", "anthropic": "FakeAnthropic"}


class BackendSession:
    """What outlives one example: the loopback servers, started on first use.

    Use it as a context manager (or call :meth:`close`); the runner and the pytest front end
    make one per run.
    """

    def __init__(self) -> None:
        self._servers: dict[str, LoopbackServer] = {}
        #: ``(backend, cause) -> property``: the first property each cause failed, for linking.
        self.causes: dict[tuple[str, str], str] = {}
        self._current: dict[str, WatchedTransport] = {}
        self._lock = threading.Lock()

    def base_url(self, api: str, transport: WatchedTransport) -> str:
        """Route ``api``'s loopback server to ``transport`` and return the server's URL."""
        from llm_fakes.contract._doors import LoopbackServer

        with self._lock:
            self._current[api] = transport
            server = self._servers.get(api)
            if server is None:
                server = LoopbackServer(lambda: self._route(api))
                self._servers[api] = server
        return server.base_url

    def _route(self, api: str) -> WatchedTransport:
        with self._lock:
            return self._current[api]

    def close(self) -> None:
        """Stop every server."""
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.close()

    def __enter__(self) -> BackendSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ConformanceBackend:
    """One example's scripted backend. See the module docstring for the doors.

    Attributes:
        script: The turns every door plays, in order (each attempt consumes one).
        clock: The clock to give the provider: virtual, or real for the timing checks.
        options: Latency and wire re-splitting for this example.
    """

    __test__ = False

    def __init__(
        self,
        script: Sequence[Reply | Fail | str],
        *,
        session: BackendSession,
        options: BackendOptions | None = None,
        model: str = "conformance-model",
    ) -> None:
        self.script = tuple(script)
        self.options = options or BackendOptions()
        self.clock: Clock = RealClock() if self.options.real_time else VirtualClock()
        self.model = model
        self._session = session
        self._doors: dict[str, tuple[Any, WatchedTransport]] = {}
        self._cleanups: list[Callable[[], Any]] = []

    # ------------------------------------------------------------------ doors

    @cached_property
    def scripted(self) -> ScriptedProvider:
        """A :class:`~llm_fakes.ScriptedProvider` playing the script on :attr:`clock`."""
        from llm_fakes.scripted.provider import ScriptedProvider

        return ScriptedProvider(
            self.script,
            model=self.model,
            clock=self.clock,
            # The scripted door has no socket to hold open: it waits only in real-time
            # examples (C3), where the delay is what makes a blocked loop visible.
            per_call=self.options.latency if self.options.real_time else 0.0,
        )

    def _door(self, api: str) -> tuple[Any, WatchedTransport]:
        door = self._doors.get(api)
        if door is None:
            from llm_fakes.contract._doors import make_watched

            try:
                import llm_fakes.http as http

                fake_cls = getattr(http, _FAKES[api])
            except (ImportError, AttributeError) as exc:
                raise UsageError(
                    f"The {api} door needs llm_fakes.{_FAKES[api]}, which cannot be imported "
                    f"here ({exc}). Wire the provider to backend.scripted instead."
                ) from exc
            o = self.options
            fake = fake_cls(list(self.script), chunk_delay=o.chunk_delay)
            transport = make_watched(fake.transport(), latency=o.latency, byte_splits=o.byte_splits)
            door = self._doors[api] = (fake, transport)
        return door

    def _transport(self, api: str) -> WatchedTransport:
        return self._door(api)[1]

    def fake(self, api: str) -> Any:
        """The fake server behind an HTTP door (``"openai"`` or ``"anthropic"``)."""
        return self._door(api)[0]

    @property
    def openai_transport(self) -> WatchedTransport:
        """An httpx transport (sync and async) speaking the OpenAI Chat Completions API."""
        return self._transport("openai")

    @property
    def anthropic_transport(self) -> WatchedTransport:
        """An httpx transport (sync and async) speaking the Anthropic Messages API."""
        return self._transport("anthropic")

    @property
    def openai_base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: a loopback server speaking the OpenAI API."""
        return self._session.base_url("openai", self._transport("openai")) + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        """``http://127.0.0.1:PORT``: a loopback server speaking the Anthropic Messages API."""
        return self._session.base_url("anthropic", self._transport("anthropic"))

    # ------------------------------------------------------------------ what the backend saw

    @property
    def requests(self) -> list[BackendRequest]:
        """Every attempt that reached the backend, in the seed's shape."""
        out: list[BackendRequest] = []
        scripted = self.__dict__.get("scripted")
        if scripted is not None:
            for call in scripted.calls:
                req = call.request
                fmt = json_format_of(req.json_mode, req.response_format)
                one = BackendRequest(
                    door="scripted",
                    stream=req.method == "stream",
                    messages=list(req.messages),
                    system=req.system,
                    tools=list(req.tools) if req.tools is not None else None,
                    max_tokens=req.max_tokens,
                    json_format=fmt,
                    response_format=req.response_format,
                    json_schema=schema_of(req.response_format) if fmt == "json_schema" else None,
                    raw=req,
                )
                out.extend([one] * max(1, call.attempts))
        for api, (fake, _) in self._doors.items():
            out.extend(_from_recorded(api, r) for r in fake.requests)
        return out

    @property
    def attempts(self) -> int:
        """How many attempts reached the backend (each consumes one scripted turn)."""
        return len(self.requests)

    def open_streams(self) -> int:
        """Streams the backend is still serving: not finished, failed or closed by the client."""
        n = sum(t.open_responses for _, t in self._doors.values())
        scripted = self.__dict__.get("scripted")
        if scripted is not None:
            for call in scripted.calls:
                finished = call.events or call.error is not None or call.closed_early
                if call.method == "stream" and not finished:
                    n += 1
        return n

    # ------------------------------------------------------------------ lifetime

    def add_cleanup(self, fn: Callable[[], Any]) -> None:
        """Call ``fn`` when the example ends (close a client the factory made)."""
        self._cleanups.append(fn)

    def close(self) -> None:
        """Run the cleanups, newest first."""
        while self._cleanups:
            with contextlib.suppress(Exception):
                self._cleanups.pop()()

    def __repr__(self) -> str:
        return f"<ConformanceBackend script={list(self.script)!r}>"


def _from_recorded(api: str, r: Any) -> BackendRequest:
    """A fake server's logged request (``RecordedRequest``), as the suite reads it."""
    from llm_fakes.types import Tool

    fmt = json_format_of(r.json_mode, r.response_format)
    tools = [Tool(t["name"], t.get("description", ""), t.get("parameters") or {}) for t in r.tools]
    return BackendRequest(
        door=api,
        stream=r.stream,
        messages=list(r.messages),
        system=r.system,
        tools=tools or None,
        max_tokens=r.max_tokens,
        json_format=fmt,
        response_format=r.response_format,
        json_schema=r.schema,
        raw=r.body,
    )
