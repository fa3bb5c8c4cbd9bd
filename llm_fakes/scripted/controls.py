"""What a test does to a scripted provider's script: add turns and rules, set a responder,
check that everything was used.

:class:`ScriptControls` is the part of :class:`~llm_fakes.ScriptedProvider` that edits and
inspects its :class:`~llm_fakes.scripted.script.Script`; the provider module keeps the calls.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any, Self

from llm_fakes.errors import ScriptError
from llm_fakes.retry import RetryPolicy
from llm_fakes.scripted.calllog import CallLog
from llm_fakes.scripted.rules import Pattern, Predicate, Responder, Rule, RuleBuilder
from llm_fakes.scripted.script import Script
from llm_fakes.scripted.turns import Fail, Reply, Turn

__all__ = ["ScriptControls"]


class ScriptControls:
    """Script building and checking, mixed into :class:`~llm_fakes.ScriptedProvider`."""

    _script: Script
    _lock: threading.Lock
    retry_policy: RetryPolicy
    calls: CallLog

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> Self:
        """A provider playing the YAML or JSON script file at ``path``.

        Settings in the file (``model``, ``chunking``, ``on_exhausted``) are defaults that
        ``kwargs`` override; the file's rules are added after its turns.
        """
        from llm_fakes.scripted.files import load_script

        loaded = load_script(path)
        provider = cls(loaded, **{**loaded.settings, **kwargs})  # type: ignore[call-arg]
        return provider

    def add(self, *turns: Reply | Fail | str) -> Self:
        """Append turns to the queue; returns the provider for chaining.

        Example:
            >>> from llm_fakes import ScriptedProvider
            >>> ScriptedProvider().add("one", "two").remaining
            [Reply(text='one'), Reply(text='two')]
        """
        if len(turns) == 1 and isinstance(turns[0], list | tuple):
            raise ScriptError(
                f"add() takes the turns as separate arguments, got one {type(turns[0]).__name__}"
                f": {turns[0]!r}. Unpack it: add(*turns)."
            )
        with self._lock:
            self._script.add(turns)
        return self

    def on(
        self,
        *,
        last_user: Pattern | None = None,
        system: Pattern | None = None,
        tool_result: str | None = None,
        when: Predicate | None = None,
        times: int | None = None,
    ) -> RuleBuilder:
        """A rule, checked before the queue; finish it with ``.reply(turn)`` or ``.respond(fn)``.

        Args:
            last_user: Regex searched in the last user message.
            system: Regex searched in the system prompt.
            tool_result: A tool name: matches when the request holds a result of that tool.
            when: A predicate on the :class:`~llm_fakes.scripted.request.ScriptedRequest`.
            times: How many attempts the rule answers; ``None`` (default) means always.

        Example:
            >>> from llm_fakes import ScriptedProvider
            >>> fake = ScriptedProvider()
            >>> _ = fake.on(last_user=r"(?i)weather", times=1).reply("Sunny.")
            >>> fake.complete([{"role": "user", "content": "Weather?"}]).content
            'Sunny.'
        """
        return RuleBuilder(
            self,
            last_user=last_user,
            system=system,
            tool_result=tool_result,
            when=when,
            times=times,
        )

    def respond_with(self, responder: Responder | None) -> Self:
        """Set the responder asked when the queue is empty (``None`` removes it)."""
        if responder is not None and not callable(responder):
            raise ScriptError(
                f"respond_with() takes a callable(request) -> turn, got {responder!r}"
            )
        self._script.responder = responder
        return self

    def _add_rule(self, rule: Rule) -> Rule:
        with self._lock:
            self._script.rules.append(rule)
        return rule

    @property
    def rules(self) -> list[Rule]:
        """The rules, in the order they are checked."""
        return list(self._script.rules)

    @property
    def remaining(self) -> list[Turn]:
        """Queued turns not yet consumed."""
        return [t for _, t in self._script.unused_turns()]

    @property
    def default_max_retries(self) -> int:
        """Retries a call gets when it passes ``max_retries=None`` (contract R2)."""
        return self.retry_policy.default_max_retries

    @default_max_retries.setter
    def default_max_retries(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ScriptError(f"default_max_retries must be an int >= 0, got {value!r}")
        self.retry_policy = dataclasses.replace(self.retry_policy, default_max_retries=value)

    def assert_all_used(self) -> None:
        """Raise :class:`~llm_fakes.errors.UnusedScriptError` if turns or counted rules are left.

        Example:
            >>> from llm_fakes import ScriptedProvider
            >>> ScriptedProvider(["never asked"]).assert_all_used()
            Traceback (most recent call last):
            ...
            llm_fakes.errors.UnusedScriptError: 1 scripted turn(s) were never used:
            ...
        """
        __tracebackhide__ = True
        self._script.assert_all_used(self.calls)

    def __repr__(self) -> str:
        script = self._script
        return (
            f"<{type(self).__name__}: {script.pos} of {len(script.queue)} queued turn(s) used, "
            f"{len(script.rules)} rule(s), {len(self.calls)} call(s)>"
        )
