"""Rules: "reply X when the request looks like Y", checked before the scripted queue.

Build them with :meth:`ScriptedProvider.on <llm_fakes.scripted.provider.ScriptedProvider.on>`;
all the criteria given must hold (none given: every request matches). Regexes are compiled once,
when the rule is made, and searched (``re.search``), not fully matched. A search may take
:data:`MATCH_TIMEOUT` seconds (it runs on the ``regex`` engine, with its timeout, and without
holding the GIL; the engine checks its clock now and then, so under load it stops somewhat
later); a pattern that backtracks past that is a :class:`~llm_fakes.errors.ScriptError` naming the
rule, and a fake server answers that request with a 400.

Example:
    >>> from llm_fakes.scripted.request import ScriptedRequest
    >>> rule = Rule(last_user=r"weather", times=1, turn="Sunny.")
    >>> req = ScriptedRequest(method="complete", messages=[{"role": "user", "content": "weather?"}])
    >>> rule.matches(req), rule.describe()
    (True, "on(last_user='weather', times=1) -> Reply(text='Sunny.')")
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llm_fakes.errors import ScriptError
from llm_fakes.scripted.request import ScriptedRequest
from llm_fakes.scripted.turns import Fail, Reply, Turn, as_turn

if TYPE_CHECKING:
    from llm_fakes.scripted.controls import ScriptControls

__all__ = ["MATCH_TIMEOUT", "Predicate", "Responder", "Rule", "RuleBuilder"]

#: Seconds a rule's pattern may search one request's text before the rule is an error.
MATCH_TIMEOUT = 1.0

#: A predicate on the request, for ``on(when=...)``.
Predicate = Callable[[ScriptedRequest], bool]
#: A callable responder: request in, turn (or ``str``) out; ``None`` means "no answer".
Responder = Callable[[ScriptedRequest], "Reply | Fail | str | None"]

Pattern = str | re.Pattern[str]


def _compile(name: str, value: Pattern | None) -> re.Pattern[str] | None:
    if value is None or isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str):
        raise ScriptError(f"on({name}=...) takes a regex string, got {value!r}")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ScriptError(
            f"on({name}={value!r}) is not a valid regular expression: {exc}. "
            f"Escape it with re.escape(...) to match the text literally."
        ) from exc


_FLAGS = ("IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE", "ASCII", "LOCALE")


def _bounded(pattern: re.Pattern[str] | None) -> Any:
    """``pattern`` on the ``regex`` engine, which can stop a search after a timeout (its flag
    values differ from ``re``'s, so they are carried over by name); ``None`` where it cannot
    compile it (the search then runs on ``re``, unbounded)."""
    if pattern is None or not isinstance(pattern.pattern, str):
        return None
    try:
        import regex

        flags = 0
        for name in _FLAGS:
            if pattern.flags & getattr(re, name):
                flags |= getattr(regex, name)
        return regex.compile(pattern.pattern, flags)
    except Exception:
        return None


class Rule:
    """One rule: criteria, a turn (or a responder), and how many times it may fire.

    Attributes:
        times: How many requests it answers (``None``: every matching request).
        used: How many requests it has answered.
    """

    __slots__ = (
        "_bounded",
        "_last_user",
        "_system",
        "_tool_result",
        "_when",
        "responder",
        "times",
        "turn",
        "used",
    )

    def __init__(
        self,
        *,
        last_user: Pattern | None = None,
        system: Pattern | None = None,
        tool_result: str | None = None,
        when: Predicate | None = None,
        times: int | None = None,
        turn: Reply | Fail | str | None = None,
        responder: Responder | None = None,
    ) -> None:
        if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
            raise ScriptError(f"on(times=...) takes an int >= 1 or None, got {times!r}")
        if times is not None and times < 1:
            raise ScriptError(
                f"on(times=...) takes an int >= 1 or None (always), got {times!r}. "
                "Remove the rule instead of giving it zero uses."
            )
        if tool_result is not None and not isinstance(tool_result, str):
            raise ScriptError(f"on(tool_result=...) takes a tool name, got {tool_result!r}")
        if when is not None and not callable(when):
            raise ScriptError(f"on(when=...) takes a callable(request) -> bool, got {when!r}")
        self._last_user = _compile("last_user", last_user)
        self._system = _compile("system", system)
        self._bounded = (_bounded(self._last_user), _bounded(self._system))
        self._tool_result = tool_result
        self._when = when
        self.times = times
        self.used = 0
        self.turn: Turn | None = None if turn is None else as_turn(turn)
        self.responder = responder

    @property
    def exhausted(self) -> bool:
        """Whether a counted rule has answered all its requests."""
        return self.times is not None and self.used >= self.times

    def matches(self, request: ScriptedRequest) -> bool:
        """Whether every criterion holds for ``request`` (ignores the count)."""
        if self._last_user is not None and not self._search(0, request.last_user):
            return False
        if self._system is not None and not self._search(1, request.system):
            return False
        if self._tool_result is not None and not any(
            name == self._tool_result for name, _ in request.tool_results
        ):
            return False
        return self._when is None or bool(self._when(request))

    def _search(self, which: int, text: str) -> bool:
        bounded = self._bounded[which]
        if bounded is None:
            pattern = (self._last_user, self._system)[which]
            return pattern is not None and pattern.search(text) is not None
        try:
            return bounded.search(text, timeout=MATCH_TIMEOUT, concurrent=True) is not None
        except TimeoutError:
            name = ("last_user", "system")[which]
            raise ScriptError(
                f"The rule {self.criteria()} took over {MATCH_TIMEOUT:g} s to search a "
                f"{len(text)}-character {name} text: its pattern backtracks catastrophically "
                "(nested repeats such as (a+)+ or (x+x+)+). Rewrite it without nested repeats, "
                "or match with when=... instead."
            ) from None

    def answer(self, request: ScriptedRequest) -> Turn | None:
        """The turn for ``request`` (the responder's answer, or the fixed turn)."""
        if self.responder is None:
            return self.turn
        value = self.responder(request)
        return None if value is None else as_turn(value)

    def criteria(self) -> str:
        """The rule's criteria, as it was written: ``on(last_user='x', times=1)``."""
        shown: list[str] = []
        for name, pattern in (("last_user", self._last_user), ("system", self._system)):
            if pattern is not None:
                shown.append(f"{name}={pattern.pattern!r}")
        if self._tool_result is not None:
            shown.append(f"tool_result={self._tool_result!r}")
        if self._when is not None:
            shown.append(f"when={getattr(self._when, '__name__', repr(self._when))}")
        shown.append(f"times={self.times!r}")
        return f"on({', '.join(shown)})"

    def describe(self) -> str:
        """The rule and its answer, for messages."""
        answer = (
            f"responder {getattr(self.responder, '__name__', repr(self.responder))}"
            if self.responder is not None
            else repr(self.turn)
        )
        return f"{self.criteria()} -> {answer}"

    def __repr__(self) -> str:
        return f"<Rule {self.describe()} used={self.used}>"


class RuleBuilder:
    """What :meth:`ScriptedProvider.on` returns: say what the rule answers with.

    Example:
        >>> from llm_fakes import ScriptedProvider
        >>> fake = ScriptedProvider()
        >>> fake.on(last_user="hi").reply("Hello!").times is None
        True
    """

    __slots__ = ("_kwargs", "_provider")

    def __init__(self, provider: ScriptControls, **criteria: Any) -> None:
        self._provider = provider
        self._kwargs = criteria
        Rule(**criteria)  # validate now, where the mistake is written

    def reply(self, turn: Reply | Fail | str) -> Rule:
        """Answer matching requests with ``turn`` (a ``str``, :class:`Reply` or :class:`Fail`)."""
        return self._provider._add_rule(Rule(turn=as_turn(turn), **self._kwargs))

    def fail(self, failure: Fail) -> Rule:
        """Answer matching requests with a failure (same as ``reply(failure)``)."""
        if not isinstance(failure, Fail):
            raise ScriptError(f"fail() takes a Fail (e.g. Fail.rate_limit()), got {failure!r}")
        return self.reply(failure)

    def respond(self, responder: Responder) -> Rule:
        """Answer matching requests with ``responder(request)``."""
        if not callable(responder):
            raise ScriptError(f"respond() takes a callable(request) -> turn, got {responder!r}")
        return self._provider._add_rule(Rule(responder=responder, **self._kwargs))
