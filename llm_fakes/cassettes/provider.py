"""``CassetteProvider``: record a real provider's session once, replay it forever.

It wraps an inner (real) :class:`~llm_fakes.provider.LLMProvider` and a cassette file, at the
level of the provider interface, so it works for any backend: an SDK, litellm, a local model.

Record modes (as in vcrpy and pytest-recording):

* ``none`` (default): replay only. A request with no recording raises :class:`CassetteMiss`; the
  inner provider is never called and may be absent.
* ``once``: record everything if the cassette file does not exist yet; otherwise as ``none``.
* ``new_episodes``: replay what is recorded, record what is not.
* ``all``: call the inner provider for everything and re-record the cassette.

A recording made through ``complete``/``acomplete`` also replays through ``stream`` (synthesised
events), and one made through ``stream`` replays its exact event sequence and also serves
``complete``. Errors the inner provider raised replay as the same typed error. Identical requests
recorded several times replay in recorded order. The cassette is written once, on
:meth:`CassetteProvider.save` or when the ``with`` block exits, never per call.

Example:
    >>> import tempfile, pathlib
    >>> from llm_fakes import LLMProvider, LLMResponse
    >>> class Real(LLMProvider):
    ...     def complete(self, messages, **kwargs):
    ...         return LLMResponse(content="4", model="real-1")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "math.yaml"
    >>> ask = [{"role": "user", "content": "2+2?"}]
    >>> with CassetteProvider(path, inner=Real(), mode="once") as llm:
    ...     llm.complete(ask).content
    '4'
    >>> CassetteProvider(path).complete(ask).content   # replay: no inner provider at all
    '4'
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from llm_fakes.cassettes import outcome, storage
from llm_fakes.cassettes.matching import DEFAULT_MATCH_ON, Matcher, make_request
from llm_fakes.cassettes.redaction import Filter, Redactor, prepare_for_disk
from llm_fakes.cassettes.tape import Entry, Tape
from llm_fakes.clock import Clock, RealClock
from llm_fakes.errors import (
    kit_error,
    CassetteMiss,
    JSONModeError,
    ProviderError,
    UnusedInteractionsError,
    UsageError,
)
from llm_fakes.provider import LLMProvider
from llm_fakes.types import LLMResponse, Tool, ToolUse
from llm_fakes.typeset import TypeSet, TypesSpec, resolve_types

__all__ = ["CassetteProvider", "RecordMode"]


class RecordMode(StrEnum):
    """When a :class:`CassetteProvider` records (see the module docs).

    Example:
        >>> RecordMode("new_episodes") is RecordMode.NEW_EPISODES, str(RecordMode.ALL)
        (True, 'all')
    """

    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"


InnerSpec = LLMProvider | Callable[[], LLMProvider] | None
Interaction = dict[str, Any]


def _mode(mode: RecordMode | str) -> RecordMode:
    try:
        return RecordMode(mode)
    except ValueError:
        raise UsageError(
            f"Unknown record mode {mode!r}; the modes are {[m.value for m in RecordMode]!r}."
        ) from None


#: Recordings not saved yet, by the id of the list holding them: reported at exit if still
#: unsaved (not when their provider goes: a finaliser's output lands in whatever runs then).
_UNSAVED: dict[int, tuple[list[Any], str]] = {}


def _watch(new: list[Any], where: str) -> None:
    """Report ``new`` at exit unless it is empty by then (saved)."""
    for key in [k for k, (pending, _) in _UNSAVED.items() if not pending]:
        del _UNSAVED[key]  # saved since
    _UNSAVED[id(new)] = (new, where)


def _report_unsaved() -> None:
    """Print, to stderr, each cassette whose recordings were never saved (at exit, a warning
    or an error reaches no one)."""
    for new, where in _UNSAVED.values():
        if new:
            sys.stderr.write(
                f"llm-fakes: CassetteProvider({where!r}) recorded {len(new)} interaction(s) "
                "that were never saved, and they are lost. Use it as a context manager (`with "
                "CassetteProvider(...) as llm:`), or call llm.save() when the recording is "
                "done.\n"
            )
    _UNSAVED.clear()


atexit.register(_report_unsaved)


class CassetteProvider(LLMProvider):
    """A provider that replays a cassette, recording from ``inner`` as ``mode`` allows.

    Args:
        path: The cassette file (YAML).
        inner: The real provider to record from, or a zero-argument function returning it
            (called the first time something must be recorded). Unused in ``none`` mode.
        mode: A :class:`RecordMode` or its value.
        match_on: The request fields compared (default: all but ``max_retries``).
        normalize: Field -> function rewriting that field before comparing, e.g.
            ``{"messages": regex_normalizer(r"\\d{4}-\\d\\d-\\d\\d", "<date>")}``.
        filters: Extra things to scrub before saving (and before matching), added to the
            default scrubbers: literal strings, regexes, ``(pattern, replacement)`` pairs or
            ``str -> str`` functions.
        filter_keys: Extra key names whose values are credentials (added to the defaults).
        before_record_request: Rewrites a request (a dict) before it is saved; applied to each
            incoming request too, so recordings still match. Return ``None`` to not record it.
        before_record: Rewrites or drops (return ``None``) a whole interaction before saving.
            It must not change the request: use ``before_record_request`` for that.
        allow_playback_repeats: Replay a request's last recording again once all its
            recordings were played, instead of failing.
        types: Classes to build responses and events from (default: the project's).
        realtime: Replay a recorded stream with its recorded gaps between events.
        clock: The clock ``realtime`` sleeps on (default: real time).
        run_id: Identifies a test run whose tests share cassettes (the pytest fixture passes
            it): a cassette this run began recording in ``once`` mode goes on recording, and
            one it re-recorded in ``all`` mode keeps every test's (and xdist worker's) share.
        cross_view_defaults: A call passing its method's default ``max_tokens``
            (``complete`` 1024, ``stream`` 4096) also replays a recording the other method made
            with *its* default. ``False`` compares ``max_tokens`` as given.
    """

    __test__ = False

    def __init__(
        self,
        path: str | Path,
        inner: InnerSpec = None,
        mode: RecordMode | str = RecordMode.NONE,
        *,
        match_on: Sequence[str] = DEFAULT_MATCH_ON,
        normalize: Mapping[str, Callable[[Any], Any]] | None = None,
        filters: Sequence[Filter] = (),
        filter_keys: Sequence[str] = (),
        before_record_request: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
        before_record: Callable[[Interaction], Interaction | None] | None = None,
        allow_playback_repeats: bool = False,
        types: TypesSpec = None,
        realtime: bool = False,
        clock: Clock | None = None,
        run_id: str | None = None,
        cross_view_defaults: bool = True,
    ) -> None:
        self.path = Path(path)
        self._where = storage.display(self.path)
        self.mode = _mode(mode)
        self._inner_spec = inner
        self._inner: LLMProvider | None = inner if isinstance(inner, LLMProvider) else None
        self._redactor = Redactor(filters, filter_keys)
        self._matcher = Matcher(match_on, normalize, self._redactor, before_record_request)
        self._before_record = before_record
        self.allow_playback_repeats = allow_playback_repeats
        self._types_spec = types
        if types is not None:
            self.types = resolve_types(types)
        self.realtime = realtime
        self.clock: Clock = clock or RealClock()
        self._lock = threading.Lock()
        self.exists = self.path.exists()
        self._record_all = self.mode is RecordMode.ALL or (
            self.mode is RecordMode.ONCE and not self.exists
        )
        self._doc: dict[str, Any] | None = None
        if self.exists and not self._record_all:
            self._doc = storage.load(self.path)
        # A cassette this same run started recording (another test sharing it) goes on recording.
        ours = (
            self._doc is not None
            and run_id is not None
            and self._doc["header"].get("run") == run_id
        )
        self._records = self._record_all or self.mode is RecordMode.NEW_EPISODES or ours
        self._run = run_id if (self._record_all or ours) else None
        self._tape = Tape(
            self._doc["interactions"] if self._doc else [],
            self._matcher,
            cross_view=cross_view_defaults,
        )
        self._new: list[Interaction] = []

    # ------------------------------------------------------------------ introspection

    @property
    def inner(self) -> LLMProvider | None:
        """The real provider, if one was given (a factory is not called by reading this)."""
        return self._inner

    @property
    def model(self) -> str:
        """The model: the inner provider's, else the one the cassette was recorded with."""
        model = getattr(self._inner, "model", None)
        if isinstance(model, str) and model:
            return model
        return str(self._doc["header"].get("model", "")) if self._doc else ""

    @property
    def interactions(self) -> Sequence[Interaction]:
        """The interactions loaded from the cassette, as plain data (do not modify them)."""
        return self._tape.interactions

    @property
    def recorded(self) -> int:
        """Interactions recorded in this session and not yet saved."""
        return len(self._new)

    def unplayed(self) -> list[int]:
        """Indices of the cassette's interactions that were never replayed."""
        return self._tape.unplayed()

    def rewind(self) -> None:
        """Make every recorded interaction playable again, as if freshly loaded."""
        self._tape.rewind()

    def assert_all_played(self) -> None:
        """Raise :class:`UnusedInteractionsError` if some interactions were never replayed."""
        message = self._tape.unplayed_message(self._where)
        if message:
            raise UnusedInteractionsError(message)

    # ------------------------------------------------------------------ lookup and record

    def _lookup(self, call: str, request: dict[str, Any]) -> Entry | None:
        """The interaction to replay, or ``None`` when this call must be recorded."""
        __tracebackhide__ = True
        if self._record_all:
            return None
        hit = self._tape.next(
            request, repeat=self.allow_playback_repeats and not self._records, call=call
        )
        if hit is not None or self._records:
            return hit
        raise CassetteMiss(self._tape.miss(call, request, self.model, self._where, self.exists))

    def _real(self) -> LLMProvider:
        if self._inner is None:
            spec = self._inner_spec
            if spec is None:
                raise UsageError(
                    f"CassetteProvider({storage.display(self.path)!r}, mode={self.mode.value!r}) "
                    "has to record, but has no inner provider. Pass inner=<your real provider>, "
                    "or in pytest override the llm_real_provider fixture."
                )
            self._inner = spec() if callable(spec) else spec
        return self._inner

    def _record(self, call: str, request: dict[str, Any], **outcome_: Any) -> None:
        interaction = {"call": call, "request": outcome.request_record(request), **outcome_}
        with self._lock:
            if not self._new:  # a recording begins: said at exit if it is never saved
                _watch(self._new, self._where)
            self._new.append(interaction)

    def _types(self) -> TypeSet:
        return self.types if self._types_spec is not None else resolve_types(None)  # type: ignore[return-value]

    def _response(self, entry: Entry) -> Any:
        interaction = entry[1]
        types = self._types()
        if len(entry) > 2 and types.is_default:  # the hot path: no dicts, no keywords
            _, _, content, model, tokens_in, tokens_out, stop, raw, uses = entry
            return LLMResponse(
                content,
                model,
                tokens_in,
                tokens_out,
                stop,
                None if raw is None else raw(),
                [ToolUse(i, n, x()) for i, n, x in uses] if uses else [],
            )
        return outcome.replay_response(interaction, types, self.model, self._where)

    # ------------------------------------------------------------------ the interface

    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        """Replay the recorded response (or error), or record the inner provider's."""
        __tracebackhide__ = kit_error
        request = make_request(
            messages, system, tools, max_tokens, response_format, json_mode, max_retries
        )
        hit = self._lookup("complete", request)
        if hit is not None:
            return self._response(hit)  # type: ignore[no-any-return]
        real = self._real()
        try:
            response = real.complete(
                messages=messages,
                system=system,
                tools=tools,
                max_tokens=max_tokens,
                response_format=response_format,
                json_mode=json_mode,
                max_retries=max_retries,
            )
        except (ProviderError, JSONModeError) as exc:
            self._record("complete", request, error=outcome.error_record(exc))
            raise
        self._record("complete", request, response=outcome.response_record(response))
        return response

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        """Like :meth:`complete`; a replay returns at once, a recording awaits ``inner``."""
        __tracebackhide__ = kit_error
        request = make_request(
            messages, system, tools, max_tokens, response_format, json_mode, max_retries
        )
        hit = self._lookup("acomplete", request)
        if hit is not None:
            return self._response(hit)  # type: ignore[no-any-return]
        real = self._real()
        try:
            response = await real.acomplete(
                messages=messages,
                system=system,
                tools=tools,
                max_tokens=max_tokens,
                response_format=response_format,
                json_mode=json_mode,
                max_retries=max_retries,
            )
        except (ProviderError, JSONModeError) as exc:
            self._record("acomplete", request, error=outcome.error_record(exc))
            raise
        self._record("acomplete", request, response=outcome.response_record(response))
        return response

    async def stream(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 4096,
    ) -> AsyncIterator[Any]:
        """Replay the recorded events, or pass the inner stream's events on as they arrive."""
        __tracebackhide__ = kit_error
        request = make_request(messages, system, tools, max_tokens)
        entry = self._lookup("stream", request)
        if entry is not None:
            hit = entry[1]
            previous = 0.0
            for at, event in outcome.replay_events(hit, self._types()):
                if self.realtime and at is not None:
                    await self.clock.asleep(max(0.0, at - previous))
                    previous = at
                yield event
            if hit["call"] == "stream" and "error" in hit:
                raise outcome.error_from_record(hit["error"])
            if hit.get("truncated"):
                raise outcome.truncated_error(hit, self._where)
            return
        inner_stream = self._real().stream(
            messages=messages, system=system, tools=tools, max_tokens=max_tokens
        )
        records: list[dict[str, Any]] = []
        snapshot = ""
        start = time.monotonic()
        try:
            async for event in inner_stream:
                records.append(outcome.event_record(event, snapshot, time.monotonic() - start))
                if event.type == "text_delta":
                    snapshot = getattr(event, "snapshot", snapshot + event.content)
                yield event  # passed on as it arrives: nothing is buffered
        except ProviderError as exc:
            self._record("stream", request, events=records, error=outcome.error_record(exc))
            raise
        except GeneratorExit:  # the caller stopped reading: keep what it saw, marked as cut
            self._record("stream", request, events=records, truncated=True)
            raise
        else:
            self._record("stream", request, events=records)
        finally:
            close = getattr(inner_stream, "aclose", None)
            if close is not None:
                await close()

    # ------------------------------------------------------------------ saving

    def save(self) -> None:
        """Write what was recorded in this session (scrubbed) to the cassette.

        Nothing is written when nothing was recorded. Safe to call more than once; after a
        failed save (:class:`~llm_fakes.errors.CassetteWriteError`) the recording is kept, so the
        next ``save()`` writes it.
        """
        with self._lock:
            new = list(self._new)
        if not new:
            return
        interactions = prepare_for_disk(
            new,
            self._redactor.refreshed(),
            self._matcher.before_record_request,
            self._before_record,
        )
        real = self._inner
        from llm_fakes.cassettes.drift import sdk_versions

        header = {
            "provider": f"{type(real).__module__}.{type(real).__qualname__}" if real else "",
            "model": self.model or outcome.first_model(interactions),
            "model_answered": outcome.first_model(interactions),
            "sdk_versions": sdk_versions(real),
        }
        storage.save(
            self.path,
            interactions,
            header=header,
            replace=self.mode is RecordMode.ALL,
            run=self._run,
        )
        with self._lock:  # only now: recordings made meanwhile stay for the next save
            del self._new[: len(new)]
        self.exists = True

    def __enter__(self) -> CassetteProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.save()

    async def __aenter__(self) -> CassetteProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.save()

    def __repr__(self) -> str:
        return (
            f"CassetteProvider({storage.display(self.path)!r}, mode={self.mode.value!r}, "
            f"{len(self._tape.interactions)} recorded, {len(self._new)} new)"
        )
