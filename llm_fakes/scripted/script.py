"""The script: a queue of turns, rules checked before it, a responder after it, and what to do
when all of them run out.

Order for each attempt: the first rule (in the order added) that matches and still has uses
left; else the next queued turn; else the responder (when it answers); else ``on_exhausted``:
``"raise"`` (:class:`~llm_fakes.errors.ScriptExhausted`), ``"cycle"`` (the queue again from its
first turn) or ``"repeat_last"`` (its last turn, forever).

Example:
    >>> from llm_fakes.scripted.calllog import ScriptedCall
    >>> script = Script(["a", "b"], on_exhausted="cycle")
    >>> call = ScriptedCall(0, 0.0, "complete", [])
    >>> [script.next(call)[1] for _ in range(3)]
    ['queue[0]', 'queue[1]', 'queue[0] (cycle)']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from llm_fakes.errors import ScriptError, UnusedScriptError
from llm_fakes.scripted.calllog import ScriptedCall
from llm_fakes.scripted.request import ScriptedRequest, describe_request
from llm_fakes.scripted.rules import Responder, Rule
from llm_fakes.scripted.turns import Fail, Reply, Turn, as_turn

__all__ = ["OnExhausted", "Script", "exhausted_message"]

OnExhausted = Literal["raise", "cycle", "repeat_last"]
_ON_EXHAUSTED = ("raise", "cycle", "repeat_last")
#: How many consumed turns an exhaustion message lists (the most recent ones).
_SHOWN = 10


def _refuse_single(turns: object, what: str) -> None:
    """A lone turn where a list of them belongs (a str would be split into characters)."""
    if isinstance(turns, str | Reply | Fail):
        raise ScriptError(
            f"{what} takes a list of turns, got a single {type(turns).__name__}: {turns!r}. "
            f"Wrap it in a list: [{turns!r}]."
        )


class Script:
    """The turns and rules of one scripted provider, and how far they have been consumed."""

    __slots__ = ("_cycle_pos", "on_exhausted", "pos", "queue", "responder", "rules")

    def __init__(
        self,
        turns: Iterable[Reply | Fail | str] = (),
        *,
        on_exhausted: OnExhausted = "raise",
        responder: Responder | None = None,
    ) -> None:
        if on_exhausted not in _ON_EXHAUSTED:
            raise ScriptError(
                f"on_exhausted must be one of {list(_ON_EXHAUSTED)!r}, got {on_exhausted!r}"
            )
        _refuse_single(turns, "script=")
        if responder is not None and not callable(responder):
            raise ScriptError(f"responder= takes a callable(request) -> turn, got {responder!r}")
        self.queue: list[Turn] = [as_turn(t) for t in turns]
        self.pos = 0
        self._cycle_pos = 0
        self.rules: list[Rule] = []
        self.responder = responder
        self.on_exhausted = on_exhausted

    def add(self, turns: Iterable[Reply | Fail | str]) -> None:
        """Append turns to the queue."""
        _refuse_single(turns, "extend()")
        self.queue.extend(as_turn(t) for t in turns)

    def next(self, call: ScriptedCall) -> tuple[Turn, str] | None:
        """The turn for one attempt of ``call`` and where it came from; ``None`` when exhausted."""
        if self.rules:
            request = call.request
            for i, rule in enumerate(self.rules):
                if not rule.exhausted and rule.matches(request):
                    turn = rule.answer(request)
                    if turn is not None:
                        rule.used += 1
                        return turn, f"rule[{i}]"
        queue = self.queue
        pos = self.pos
        if pos < len(queue):
            self.pos = pos + 1
            self._cycle_pos = 0  # running out again later cycles from the first turn again
            return queue[pos], f"queue[{pos}]"
        if self.responder is not None:
            value = self.responder(call.request)
            if value is not None:
                return as_turn(value), "responder"
        if queue and self.on_exhausted == "cycle":
            i = self._cycle_pos % len(queue)
            self._cycle_pos += 1
            return queue[i], f"queue[{i}] (cycle)"
        if queue and self.on_exhausted == "repeat_last":
            return queue[-1], f"queue[{len(queue) - 1}] (repeat_last)"
        return None

    def unused_turns(self) -> list[tuple[int, Turn]]:
        """Queued turns never consumed, with their queue index."""
        return list(enumerate(self.queue))[self.pos :]

    def unused_rules(self) -> list[tuple[int, Rule]]:
        """Counted rules with uses left, with their index."""
        return [(i, r) for i, r in enumerate(self.rules) if r.times is not None and not r.exhausted]

    def assert_all_used(self, calls: Sequence[ScriptedCall]) -> None:
        """Raise :class:`UnusedScriptError` naming every unused turn and counted rule."""
        __tracebackhide__ = True
        turns, rules = self.unused_turns(), self.unused_rules()
        if not turns and not rules:
            return
        lines: list[str] = []
        if turns:
            lines.append(f"{len(turns)} scripted turn(s) were never used:")
            lines += [f"  queue[{i}]: {t!r}" for i, t in turns]
        if rules:
            lines.append(f"{len(rules)} counted rule(s) were not used up:")
            lines += [f"  rule[{i}] {r.describe()}: used {r.used} of {r.times}" for i, r in rules]
        lines.append(f"The code under test made {len(calls)} call(s).")
        lines.append(
            "Remove what is not needed from the script (or give the rule fewer times=), or skip "
            "this check with @pytest.mark.llm_script(check_unused=False) in a test using llm_fake."
        )
        raise UnusedScriptError("\n".join(lines))


def exhausted_message(
    script: Script, request: ScriptedRequest, calls: Sequence[ScriptedCall], call_index: int
) -> str:
    """The :class:`~llm_fakes.errors.ScriptExhausted` message: the unmatched request, what was
    consumed, and the fix."""
    lines = [
        f"The script has no turn left for calls[{call_index}]: {describe_request(request)}.",
    ]
    if request.messages:
        lines.append(f"  last message: {request.messages[-1]!r}")
    consumed = [
        (call.index, call.method, a.source, a.turn) for call in calls for a in call.attempt_log
    ]
    queued = len(script.queue)
    lines.append(
        f"Consumed so far: {len(consumed)} turn(s); "
        + (f"all {queued} queued turn(s) are used." if queued else "nothing was ever queued.")
    )
    if len(consumed) > _SHOWN:
        lines.append(f"  ... {len(consumed) - _SHOWN} earlier turn(s)")
    for index, method, source, turn in consumed[-_SHOWN:]:
        lines.append(f"  calls[{index}] {method} <- {source}: {turn!r}")
    if not consumed:
        lines.append("  (none)")
    if script.rules:
        lines.append("Rules (none matched with uses left):")
        for i, rule in enumerate(script.rules):
            state = "used up" if rule.exhausted else "no match"
            lines.append(f"  rule[{i}] {rule.describe()}: used {rule.used}, {state}")
    if script.responder is not None:
        lines.append("The responder returned None.")
    lines.append(
        "Add a turn with provider.add(...), a rule with provider.on(...).reply(...), "
        "or pass on_exhausted='cycle' or 'repeat_last' to ScriptedProvider."
    )
    return "\n".join(lines)
