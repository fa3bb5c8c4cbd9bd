"""The backend a factory wires its provider to: one generated script, every way to reach it.

The suite builds one :class:`ConformanceBackend` per example. It plays that example's script
through whichever door the provider uses:

* ``backend.scripted``: a :class:`~llm_fakes.ScriptedProvider`, for providers that wrap another
  ``LLMProvider``;
* ``backend.transport(api)`` (``backend.openai_transport`` / ``backend.anthropic_transport``):
  in-process httpx transports of the fake serving a registry API (:class:`~llm_fakes.FakeOpenAI`,
  :class:`~llm_fakes.FakeAnthropic`...);
* ``backend.base_url(api)`` (``backend.openai_base_url`` / ``backend.anthropic_base_url``): the
  same fakes behind a real HTTP server on 127.0.0.1 (started on first use, shared by the run,
  stopped at its end), the URL an official SDK takes as ``base_url``.

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
    from llm_fakes.contract._doors import _Watching as WatchedTransport
    from llm_fakes.http._loopback import LoopbackServer
    from llm_fakes.scripted.provider import ScriptedProvider

__all__ = ["BackendSession", "ConformanceBackend"]


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
        from llm_fakes.contract.virtual_time import BACKEND_THREAD_PREFIX
        from llm_fakes.http._loopback import LoopbackServer, TransportApp

        with self._lock:
            self._current[api] = transport
            server = self._servers.get(api)
            if server is None:
                app = TransportApp(lambda: self._route(api), self._error_body(transport))
                server = LoopbackServer(app, thread_name=BACKEND_THREAD_PREFIX).start()
                self._servers[api] = server
        return server.url

    @staticmethod
    def _error_body(transport: WatchedTransport) -> Any:
        fake = getattr(transport.inner, "fake", None)
        return getattr(fake, "error_body", None)

    def _route(self, api: str) -> WatchedTransport:
        with self._lock:
            return self._current[api]

    def close_connections(self) -> None:
        """Close the connections clients left open on every server (an example ended): threads
        and file descriptors stay flat over a run, whether or not a factory closes its clients."""
        with self._lock:
            servers = list(self._servers.values())
        for server in servers:
            server.close_connections()

    def close(self) -> None:
        """Stop every server."""
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()

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

    def _door(self, name: str) -> tuple[str, Any, WatchedTransport]:
        """``(door, fake, transport)`` of the door named ``name`` (a door, or any name of an
        API it serves)."""
        from llm_fakes.wire.registry import REGISTRY

        api = REGISTRY.door(name)[0]
        door = self._doors.get(api.door)
        if door is None:
            from llm_fakes.contract._doors import make_watched

            try:
                fake_cls = api.fake_class()
            except (ImportError, AttributeError) as exc:
                raise UsageError(
                    f"The {api.door} door needs {api.fake}, which cannot be imported "
                    f"here ({exc}). Wire the provider to backend.scripted instead."
                ) from exc
            o = self.options
            fake = fake_cls(list(self.script), chunk_delay=o.chunk_delay)
            transport = make_watched(fake.transport(), latency=o.latency, byte_splits=o.byte_splits)
            door = self._doors[api.door] = (fake, transport)
        return (api.door, *door)

    def transport(self, api: str) -> WatchedTransport:
        """An httpx transport (sync and async, httpx or httpx2) of the fake serving ``api`` (a
        registry key or alias, or a door such as ``"openai"``)."""
        return self._door(api)[2]

    def base_url(self, api: str) -> str:
        """The SDK-style base URL of a loopback server of the fake serving ``api`` (e.g.
        ``http://127.0.0.1:PORT/v1`` for OpenAI's APIs)."""
        door, fake, transport = self._door(api)
        return self._session.base_url(door, transport) + str(fake.base_path)

    def fake(self, api: str) -> Any:
        """The fake server behind an HTTP door (``"openai"``, ``"anthropic"``, any API name)."""
        return self._door(api)[1]

    @property
    def openai_transport(self) -> WatchedTransport:
        """An httpx transport (sync and async) speaking the OpenAI APIs."""
        return self.transport("openai")

    @property
    def anthropic_transport(self) -> WatchedTransport:
        """An httpx transport (sync and async) speaking the Anthropic Messages API."""
        return self.transport("anthropic")

    @property
    def openai_base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: a loopback server speaking the OpenAI APIs."""
        return self.base_url("openai")

    @property
    def anthropic_base_url(self) -> str:
        """``http://127.0.0.1:PORT``: a loopback server speaking the Anthropic Messages API."""
        return self.base_url("anthropic")

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
        for door, (fake, _) in self._doors.items():
            out.extend(_from_recorded(door, r) for r in fake.requests)
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
        """Run the cleanups, newest first; then close what clients left open on the loopback
        servers."""
        while self._cleanups:
            with contextlib.suppress(Exception):
                self._cleanups.pop()()
        if self._doors:
            self._session.close_connections()

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
