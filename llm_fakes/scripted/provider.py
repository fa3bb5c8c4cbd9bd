"""``ScriptedProvider``: an ``LLMProvider`` that plays a script and behaves like a real backend.

One scripted turn comes out identically through ``complete``, ``acomplete`` and ``stream``:
each attempt renders the turn once (:func:`~llm_fakes.scripted.render.render`) and every path
is a view of that outcome, so contract C1–C2 and S1–S5 hold by construction.

* **Every attempt consumes one turn**, retries included: ``[Fail.rate_limit(), "hi"]`` is one
  call that succeeds on its second attempt.
* **Retries** follow the kit's one :class:`~llm_fakes.retry.RetryPolicy` (R1–R6): one budget
  for all transient failures; ``max_retries=None`` means :attr:`ScriptedProvider.
  default_max_retries` (2 unless set); waits honour ``retry_after`` and are capped; they happen on
  the provider's clock. The default policy has no jitter, so waits are reproducible: 0.5 s, 1 s,
  2 s, ... capped at 60 s. ``stream`` (which takes no ``max_retries``) retries only before it has
  yielded anything; after output a failure ends the stream with one ``StreamErrorEvent`` whose
  ``recoverable`` is the error's ``retryable`` flag, and text is never yielded twice (S6).
* **Latency** runs on the clock (a :class:`~llm_fakes.clock.VirtualClock` unless given):
  ``per_call`` before each attempt, ``time_to_first_token`` before the first event, ``per_chunk``
  before each later text or reasoning delta. ``complete`` waits the same total in one sleep.
  With zero latency (the default) only retry waits sleep; a call that needs no retry neither
  sleeps nor yields to the loop. Async waits work under asyncio and trio.
* **The call log** (:attr:`calls`) records every call; ``stream`` logs the events it sent and
  whether the caller closed it early (S7: nothing is left running when it does).

Example:
    >>> from llm_fakes import Fail, Reply, ScriptedProvider, ToolCall
    >>> fake = ScriptedProvider([
    ...     Fail.rate_limit(retry_after=3),
    ...     Reply(text="Let me look.", tool_calls=[ToolCall("search", {"q": "paris"})]),
    ... ])
    >>> resp = fake.complete([{"role": "user", "content": "Weather in Paris?"}])
    >>> resp.content, resp.tool_uses[0].id, resp.stop_reason
    ('Let me look.', 'call_0_0', 'tool_calls')
    >>> fake.calls[0].attempts, fake.clock.now()
    (2, 3.0)
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from functools import partial
from itertools import chain, count
from typing import Any

from llm_fakes.clock import Clock, VirtualClock
from llm_fakes.errors import (
    BadRequestError,
    ProviderError,
    ScriptError,
    ScriptExhausted,
    UsageError,
    kit_error,
)
from llm_fakes.provider import LLMProvider
from llm_fakes.retry import RetryPolicy, retry_async, retry_sync
from llm_fakes.scripted._loops import AnyLoopClock
from llm_fakes.scripted.calllog import Attempt, CallLog, ScriptedCall
from llm_fakes.scripted.controls import ScriptControls
from llm_fakes.scripted.honour import footprint, honour
from llm_fakes.scripted.jsonmode import check_json
from llm_fakes.scripted.render import Chunking, Rendered, chunk_text, render
from llm_fakes.scripted.request import Method
from llm_fakes.scripted.rules import Responder
from llm_fakes.scripted.script import OnExhausted, Script, exhausted_message
from llm_fakes.scripted.turns import Fail, Reply, Turn
from llm_fakes.types import LLMResponse, Tool
from llm_fakes.typeset import TypeSet, TypesSpec, get_default_types, resolve_types
from llm_fakes.wire.terms import CHARS_PER_TOKEN, RequestTerms

__all__ = ["ScriptedProvider"]

# A stream's plan: the rendered reply, how many text chunks to send (None: all, then the
# tool calls and finish), and the error to end with (None: a normal finish).
_Plan = tuple[Rendered, int | None, ProviderError | None]
_TERMINAL = ("finish", "error")
# Attempt's tuple constructor, skipping NamedTuple's Python-level __new__ on the hot path.
_ok_attempt = partial(tuple.__new__, Attempt)


class ScriptedProvider(ScriptControls, LLMProvider):
    """A fake ``LLMProvider`` driven by a script of turns, rules and an optional responder.

    Args:
        script: Turns, consumed one per attempt: a ``str`` (text reply), :class:`Reply` or
            :class:`Fail`; or what :func:`~llm_fakes.load_script` returns, whose rules join the
            provider's and whose settings (``model``, ``chunking``, ``on_exhausted``) apply
            where the matching argument is left at its default.
        model: The model name replies report unless a turn says otherwise.
        chunking: How ``stream`` splits text: ``"words"``, ``"chars"`` or an ``int`` size
            (a reply's explicit ``chunks`` win).
        on_exhausted: When nothing answers: ``"raise"`` :class:`ScriptExhausted` (default),
            ``"cycle"`` through the queue again, or ``"repeat_last"`` queued turn.
        responder: ``callable(request) -> turn | None``, asked when the queue is empty.
        clock: Where latency and retry waits happen; a fresh :class:`VirtualClock` by default.
        time_to_first_token: Seconds before the first event.
        per_chunk: Seconds before each later text or reasoning chunk.
        per_call: Seconds before each attempt (request latency).
        retry_policy: The retry policy; default ``RetryPolicy(jitter=0)``.
        default_max_retries: Overrides the policy's budget for ``max_retries=None``.
        types: The classes to build responses and events from (see :mod:`llm_fakes.typeset`);
            ``None`` means the project-wide default (``llm_fakes_types``).
        validate_json: Check scripted replies against the JSON mode asked for (contract J3).

    Example:
        >>> fake = ScriptedProvider(["Hello there"], model="gpt-fake")
        >>> r = fake.complete([{"role": "user", "content": "hi"}])
        >>> r.content, r.model, r.input_tokens, r.output_tokens
        ('Hello there', 'gpt-fake', 1, 3)
        >>> fake.assert_all_used()
    """

    __test__ = False

    def __init__(
        self,
        script: Iterable[Reply | Fail | str] = (),
        *,
        model: str = "scripted-model",
        chunking: Chunking = "words",
        on_exhausted: OnExhausted = "raise",
        responder: Responder | None = None,
        clock: Clock | None = None,
        time_to_first_token: float = 0.0,
        per_chunk: float = 0.0,
        per_call: float = 0.0,
        retry_policy: RetryPolicy | None = None,
        default_max_retries: int | None = None,
        types: TypesSpec = None,
        validate_json: bool = True,
    ) -> None:
        settings: dict[str, Any] = getattr(script, "settings", None) or {}
        if settings:
            model = settings.get("model", model) if model == "scripted-model" else model
            chunking = settings.get("chunking", chunking) if chunking == "words" else chunking
            if on_exhausted == "raise":
                on_exhausted = settings.get("on_exhausted", on_exhausted)
        if not isinstance(model, str) or not model:
            raise ScriptError(f"model must be a non-empty str, got {model!r}")
        chunk_text("a b", chunking)  # validates chunking, with its own message
        for name, value in (
            ("time_to_first_token", time_to_first_token),
            ("per_chunk", per_chunk),
            ("per_call", per_call),
        ):
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ScriptError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
        self._script = Script(script, on_exhausted=on_exhausted, responder=responder)
        self._script.rules.extend(getattr(script, "rules", None) or ())
        self.model = model
        self.chunking: Chunking = chunking
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.time_to_first_token = float(time_to_first_token)
        self.per_chunk = float(per_chunk)
        self.per_call = float(per_call)
        self.retry_policy = retry_policy if retry_policy is not None else RetryPolicy(jitter=0.0)
        if default_max_retries is not None:
            self.default_max_retries = default_max_retries
        self.types: TypeSet | None = None if types is None else resolve_types(types)
        self.validate_json = validate_json
        self.calls = CallLog()
        self._numbers = count()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ one attempt

    def _open(
        self,
        method: Method,
        messages: Any,
        system: str,
        tools: list[Tool] | None,
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> ScriptedCall:
        __tracebackhide__ = kit_error
        if not isinstance(messages, list):
            raise UsageError(
                f"{method}() takes messages as a list of dicts, got {type(messages).__name__}: "
                f"{messages!r}. Pass [{{'role': 'user', 'content': ...}}]."
            )
        # What FakeOpenAI answers 400 to (the seed's messages are OpenAI-style), refused alike.
        from llm_fakes.wire.openai_chat import seed_request_problem

        problem = seed_request_problem(messages, system, max_tokens)
        if problem is not None:
            raise BadRequestError(problem)
        # next() on a count and list.append are atomic, so concurrent calls get distinct
        # numbers without a lock on this path.
        call = ScriptedCall(
            next(self._numbers),
            self.clock.now(),
            method,
            list(messages),
            system,
            tools,
            max_tokens,
            response_format,
            json_mode,
            max_retries,
        )
        self.calls.append(call)
        return call

    def _take(self, call: ScriptedCall) -> tuple[Turn, str]:
        __tracebackhide__ = kit_error
        with self._lock:
            picked = self._script.next(call)
            if picked is None:
                raise ScriptExhausted(
                    exhausted_message(self._script, call.request, self.calls, call.index)
                )
        return picked

    def _render(self, call: ScriptedCall, reply: Reply) -> Rendered:
        __tracebackhide__ = kit_error
        return render(
            reply,
            call.messages,
            system=call.system,
            call_index=call.index,
            default_model=self.model,
            chunking=self.chunking,
        )

    def _resolve(self, call: ScriptedCall, started: float) -> Rendered:
        """Consume one turn for ``complete``/``acomplete``: a rendered reply, or raise."""
        __tracebackhide__ = kit_error
        with self._lock:  # _take, inlined on the hot path
            picked = self._script.next(call)
        if picked is None:
            raise ScriptExhausted(
                exhausted_message(self._script, call.request, self.calls, call.index)
            )
        turn, source = picked
        log = call.attempt_log
        if isinstance(turn, Fail):
            error = turn.error()
            log.append(Attempt(turn, source, started, error))
            raise error
        try:
            turn = self._honour(call, turn, source)
        except ScriptError as exc:
            log.append(Attempt(turn, source, started, exc))
            raise
        rendered = render(
            turn,
            call.messages,
            system=call.system,
            call_index=call.index,
            default_model=self.model,
            chunking=self.chunking,
        )
        if self.validate_json and (call.json_mode or call.response_format is not None):
            try:
                check_json(turn, rendered.text, call.request, source)
            except Exception as exc:
                log.append(Attempt(turn, source, started, exc))
                raise
        log.append(_ok_attempt((turn, source, started, None)))
        return rendered

    def _honour(self, call: ScriptedCall, turn: Reply, source: str) -> Reply:
        """``turn`` as a real API could send it for this call (see
        :mod:`llm_fakes.scripted.honour`): cut at ``max_tokens``, refused when it calls a tool
        the call's ``tools`` list does not name (a call passing no ``tools`` at all is not
        checked: scripts written before the check call tools without declaring them). Free
        for the common reply that needs neither."""
        if turn.defies_request:
            return turn
        if turn.output_tokens is None and footprint(turn) <= CHARS_PER_TOKEN * call.max_tokens:
            tools = call.tools
            if not turn.tool_calls or tools is None:
                return turn
            declared = {getattr(t, "name", None) for t in tools}
            if all(c.name in declared for c in turn.tool_calls):
                return turn
        names = None if call.tools is None else tuple(getattr(t, "name", "") for t in call.tools)
        terms = RequestTerms(max_tokens=call.max_tokens, tools=names)
        return honour(turn, terms, f"{source} for calls[{call.index}] ({call.method})")

    def _reply_delay(self, rendered: Rendered) -> float:
        if not self.per_chunk:
            return self.time_to_first_token
        deltas = len(rendered.text_chunks) + len(rendered.reasoning_chunks)
        return self.time_to_first_token + self.per_chunk * max(0, deltas - 1)

    # ------------------------------------------------------------------ the three paths

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
        """Play the next turn(s) synchronously; see :meth:`LLMProvider.complete`."""
        __tracebackhide__ = kit_error
        call = self._open(
            "complete",
            messages,
            system,
            tools,
            max_tokens,
            response_format,
            json_mode,
            max_retries,
        )
        clock = self.clock

        def attempt(_n: int) -> Rendered:
            __tracebackhide__ = kit_error
            started = clock.now()
            if self.per_call:
                clock.sleep(self.per_call)
            rendered = self._resolve(call, started)
            if self.time_to_first_token or self.per_chunk:
                clock.sleep(self._reply_delay(rendered))
            return rendered

        try:
            rendered = retry_sync(
                attempt, policy=self.retry_policy, max_retries=max_retries, clock=clock
            )
            call.result = result = rendered.response(self.types or get_default_types())
        except BaseException as exc:
            call.error = exc
            raise
        finally:
            call.ended_at = clock.now()
        return result  # type: ignore[no-any-return]

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
        """``complete``, natively async: waits on the clock, never uses a thread.

        Waits yield to the running loop, asyncio or trio (see :mod:`llm_fakes.scripted._loops`).
        """
        __tracebackhide__ = kit_error
        call = self._open(
            "acomplete",
            messages,
            system,
            tools,
            max_tokens,
            response_format,
            json_mode,
            max_retries,
        )
        clock = AnyLoopClock(self.clock)

        async def attempt(_n: int) -> Rendered:
            __tracebackhide__ = kit_error
            started = clock.now()
            if self.per_call:
                await clock.asleep(self.per_call)
            rendered = self._resolve(call, started)
            if self.time_to_first_token or self.per_chunk:
                await clock.asleep(self._reply_delay(rendered))
            return rendered

        try:
            rendered = await retry_async(
                attempt, policy=self.retry_policy, max_retries=max_retries, clock=clock
            )
            call.result = result = rendered.response(self.types or get_default_types())
        except BaseException as exc:
            call.error = exc
            raise
        finally:
            call.ended_at = clock.now()
        return result  # type: ignore[no-any-return]

    async def _stream_attempt(self, call: ScriptedCall) -> _Plan:
        __tracebackhide__ = kit_error
        clock = AnyLoopClock(self.clock)
        started = clock.now()
        if self.per_call:
            await clock.asleep(self.per_call)
        turn, source = self._take(call)
        if isinstance(turn, Fail):
            error = turn.error()
            call.attempt_log.append(Attempt(turn, source, started, error))
            if turn.kind == "mid_stream" and turn.reply is not None:
                rendered = self._render(call, turn.reply)
                if not rendered.prefix_is_empty(turn.after_chunk):
                    # Output is produced before the failure: it can no longer be retried (S6).
                    return rendered, turn.after_chunk, error
            raise error
        try:
            reply = self._honour(call, turn, source)
        except ScriptError as exc:
            call.attempt_log.append(Attempt(turn, source, started, exc))
            raise
        call.attempt_log.append(Attempt(turn, source, started))
        return self._render(call, reply), None, None

    async def stream(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 4096,
    ) -> AsyncIterator[Any]:
        """Play the next turn(s) as events; see the module notes on retries and latency."""
        __tracebackhide__ = kit_error
        call = self._open("stream", messages, system, tools, max_tokens)
        types = self.types or get_default_types()
        clock = AnyLoopClock(self.clock)
        sent = 0
        last: Any = None
        try:
            try:
                rendered, limit, error = await retry_async(
                    lambda _n: self._stream_attempt(call),
                    policy=self.retry_policy,
                    max_retries=None,
                    clock=clock,
                )
            except ProviderError as exc:
                rendered, limit, error = None, None, exc
            tail = None
            if error is not None:
                call.error = error
                tail = types.error_event(error)
            call._stream = (rendered, types, limit, tail)
            events: Iterator[Any] = (
                iter(()) if rendered is None else rendered.iter_events(types, limit)
            )
            if tail is not None:
                events = chain(events, (tail,))
            if rendered is None or not (self.time_to_first_token or self.per_chunk):
                for last in events:
                    sent += 1
                    yield last
                return
            # Deltas sit right after the optional ReasoningStartEvent.
            first = 1 if rendered.reasoning_chunks else 0
            end = first + len(rendered.reasoning_chunks) + len(rendered.text_chunks)
            for i, last in enumerate(events):
                delay = self.time_to_first_token if i == 0 else self.per_chunk
                if (i == 0 or first < i < end) and delay:
                    await clock.asleep(delay)
                sent += 1
                yield last
        except BaseException as exc:
            if isinstance(exc, GeneratorExit | asyncio.CancelledError):
                call.closed_early = getattr(last, "type", None) not in _TERMINAL
            if call.error is None and not isinstance(exc, GeneratorExit):
                call.error = exc
            raise
        finally:
            call.events_sent = sent
            call.ended_at = clock.now()
