"""The call log: every call a scripted provider answered, with its attempts and timing.

Example:
    >>> from llm_fakes import ScriptedProvider, Fail
    >>> fake = ScriptedProvider([Fail.server_error(503), "hi"])
    >>> fake.complete([{"role": "user", "content": "hello"}]).content
    'hi'
    >>> call = fake.calls.last
    >>> call.method, call.attempts, call.elapsed, call.content
    ('complete', 2, 0.5, 'hi')
    >>> fake.calls.assert_count(1)
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from llm_fakes.scripted.request import (
    Method,
    ScriptedRequest,
    describe_request,
    json_format_of,
    shorten,
)
from llm_fakes.scripted.turns import Turn

__all__ = ["Attempt", "CallLog", "ScriptedCall"]


class Attempt(NamedTuple):
    """One attempt of a call: the turn it consumed, where that came from, how it ended.

    Attributes:
        turn: The scripted turn consumed.
        source: Where the turn came from: ``"queue[2]"``, ``"rule[0]"``, ``"responder"``, with
            ``" (cycle)"`` / ``" (repeat_last)"`` when the exhausted queue was reused.
        started_at: The clock's time when the attempt began (after any retry wait).
        error: The error the attempt raised, or ``None``.
    """

    turn: Turn
    source: str
    started_at: float
    error: BaseException | None = None


class ScriptedCall:
    """One call to the provider, with every argument it was given.

    Attributes:
        index: The call's number, in the order calls started (its position in
            ``provider.calls``).
        method: ``"complete"``, ``"acomplete"`` or ``"stream"``.
        messages: The messages passed (a copy of the list, taken at call time, so an agent loop
            that appends to its history afterwards does not rewrite the log).
        system: The system prompt passed.
        tools: The tools passed.
        max_tokens: The ``max_tokens`` passed.
        response_format: The ``response_format`` passed, verbatim (``None`` for ``stream``).
        json_mode: The ``json_mode`` passed (``False`` for ``stream``).
        max_retries: The ``max_retries`` passed (``None`` for ``stream``, which takes none).
        attempt_log: One :class:`Attempt` per attempt, retries included.
        started_at: Clock time at the start of the call.
        ended_at: Clock time at its end (``None`` while it runs).
        result: What ``complete``/``acomplete`` returned (``None`` for a stream or an error).
        events_sent: How many events ``stream`` yielded.
        error: The error the call ended with (raised, or sent as a ``StreamErrorEvent``).
        closed_early: A stream the caller stopped reading before its terminal event.
    """

    __slots__ = (
        "_request",
        "_stream",
        "attempt_log",
        "closed_early",
        "ended_at",
        "error",
        "events_sent",
        "index",
        "json_mode",
        "max_retries",
        "max_tokens",
        "messages",
        "method",
        "response_format",
        "result",
        "started_at",
        "system",
        "tools",
    )

    def __init__(
        self,
        index: int,
        started_at: float,
        method: Method,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: Any = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> None:
        self.index = index
        self.started_at = started_at
        self.method: Method = method
        self.messages = messages
        self.system = system
        self.tools = tools
        self.max_tokens = max_tokens
        self.response_format = response_format
        self.json_mode = json_mode
        self.max_retries = max_retries
        self.attempt_log: list[Attempt] = []
        self.ended_at: float | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.closed_early = False
        self.events_sent = 0
        # For a stream: (rendered reply or None, type set, chunk limit, error event or None).
        # Events are rebuilt on demand rather than kept, so a long stream's snapshots are not
        # held in memory by the log.
        self._stream: tuple[Any, Any, int | None, Any] | None = None
        self._request: ScriptedRequest | None = None

    @property
    def request(self) -> ScriptedRequest:
        """The call's arguments as the :class:`ScriptedRequest` rules and responders see."""
        request = self._request
        if request is None:
            request = self._request = ScriptedRequest._make(
                {
                    "method": self.method,
                    "messages": self.messages,
                    "system": self.system,
                    "tools": self.tools,
                    "max_tokens": self.max_tokens,
                    "response_format": self.response_format,
                    "json_mode": self.json_mode,
                    "max_retries": self.max_retries,
                }
            )
        return request

    @property
    def events(self) -> list[Any]:
        """What ``stream`` yielded, in order (rebuilt on access; empty for other methods)."""
        if self._stream is None:
            return []
        rendered, types, limit, tail = self._stream
        out = [] if rendered is None else rendered.events(types, limit)
        if tail is not None:
            out.append(tail)
        return out[: self.events_sent]

    @property
    def elapsed(self) -> float:
        """Clock time the call took (latency, retry waits, stream chunk delays), rounded to
        the nanosecond so virtual sums read as written (``1.7``, not ``1.7000000000000002``)."""
        if self.ended_at is None:
            return 0.0
        return round(self.ended_at - self.started_at, 9)

    @property
    def attempts(self) -> int:
        """How many attempts the call made (1 + retries)."""
        return len(self.attempt_log)

    @property
    def json_format(self) -> str | None:
        """``"json_object"``, ``"json_schema"`` or ``None``: the JSON mode the call asked for."""
        return json_format_of(self.json_mode, self.response_format)

    @property
    def last_user(self) -> str:
        """The last user message's text."""
        return self.request.last_user

    @property
    def ok(self) -> bool:
        """Whether the call ended without an error."""
        return self.error is None

    @property
    def content(self) -> str:
        """The text the caller received (``complete().content`` or the stream's last snapshot)."""
        if self.result is not None:
            return str(getattr(self.result, "content", ""))
        text = ""
        for event in self.events:
            if getattr(event, "type", None) == "text_delta":
                text = event.snapshot
        return text

    def describe(self) -> str:
        """One line: the request, the attempts and the outcome."""
        tries = f"{self.attempts} attempt{'' if self.attempts == 1 else 's'}"
        if self.error is not None:
            outcome = f"error {self.error}"
        elif self.closed_early:
            outcome = "stream closed early"
        else:
            outcome = f"ok {shorten(self.content)!r}"
        return f"calls[{self.index}] {describe_request(self.request)}: {tries}, {outcome}"

    def __repr__(self) -> str:
        return f"<ScriptedCall {self.describe()}>"


class CallLog(list[ScriptedCall]):
    """``provider.calls``: a list of :class:`ScriptedCall` with assertion helpers."""

    @property
    def last(self) -> ScriptedCall:
        """The most recent call."""
        if not self:
            raise AssertionError(
                "The scripted provider was never called, so calls.last does not exist. "
                "Check that the code under test uses this provider instance."
            )
        return self[-1]

    @property
    def methods(self) -> list[str]:
        """The method of each call, in order."""
        return [c.method for c in self]

    @property
    def total_attempts(self) -> int:
        """Attempts over all calls (retries included): the turns the calls consumed."""
        return sum(c.attempts for c in self)

    def describe(self) -> str:
        """Every call, one per line."""
        return "\n".join(f"  {c.describe()}" for c in self) or "  (no calls)"

    def assert_count(self, expected: int) -> None:
        """Fail unless exactly ``expected`` calls were made."""
        if len(self) != expected:
            raise AssertionError(
                f"Expected {expected} call(s) to the scripted provider, got {len(self)}:\n"
                f"{self.describe()}"
            )

    def find(
        self,
        *,
        method: str | None = None,
        last_user: str | None = None,
        system: str | None = None,
        json_format: str | None = None,
    ) -> list[ScriptedCall]:
        """The calls matching every criterion given (regexes are searched)."""
        out = []
        for call in self:
            if method is not None and call.method != method:
                continue
            if last_user is not None and not re.search(last_user, call.last_user):
                continue
            if system is not None and not re.search(system, call.system):
                continue
            if json_format is not None and call.json_format != json_format:
                continue
            out.append(call)
        return out

    def assert_any(self, **criteria: Any) -> ScriptedCall:
        """Fail unless some call matches ``criteria`` (see :meth:`find`); returns the first."""
        found = self.find(**criteria)
        if not found:
            shown = ", ".join(f"{k}={v!r}" for k, v in criteria.items())
            raise AssertionError(
                f"No call to the scripted provider matches {shown}. Calls made:\n{self.describe()}"
            )
        return found[0]
