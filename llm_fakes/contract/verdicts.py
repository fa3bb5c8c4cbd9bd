"""What a conformance run finds: a :class:`Verdict` per property and backend, each failing one
with up to :data:`MAX_FAILURES` distinct :class:`Failure` s, and the :class:`Report` of a run.

A property can fail in more than one way (``stream()`` dropping empty assistant turns and
``complete()`` mangling ``max_tokens`` both break C4); hypothesis shrinks each distinct failure
to its own minimal counter-example, and the verdict keeps them all. Failures of different
properties that a check traced to the same cause are linked: the later one says
``same cause as C1: ...`` (:func:`link_causes`).

Example:
    >>> v = Verdict("S5", "mine", "FAIL", failures=(Failure("...", cause="no tool uses"),))
    >>> [f.cause for f in v.all_failures()]
    ['no tool uses']
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from llm_fakes.contract.properties import Property

__all__ = ["MAX_FAILURES", "PROMPT_ONLY", "Failure", "Report", "Verdict", "link_causes"]

Status = Literal["pass", "FAIL", "not supported", "prompt only"]

#: The verdict of a JSON-mode property for a provider that asks for JSON only in the prompt (the
#: seed framework's documented design for some backends): the API is never asked, so what J1
#: and J3 judge cannot happen. Neither a pass nor a FAIL; its message gives the reason.
PROMPT_ONLY: Status = "prompt only"

#: Distinct failures kept per property; more are counted, not shown.
MAX_FAILURES = 3


@dataclass(frozen=True)
class Failure:
    """One distinct way a property failed.

    Attributes:
        message: What differed.
        counterexample: Its minimal failing example, readable.
        output: The last lines the provider printed or logged in that example (cut).
        cause: The underlying deviation, when the check could name it.
        same_cause_as: The earlier property (same backend) that failed with this cause.
    """

    message: str
    counterexample: str = ""
    output: str = ""
    cause: str = ""
    same_cause_as: str = ""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one property for one backend.

    Attributes:
        property: The property id.
        backend: The factory's name.
        status: ``"pass"``, ``"FAIL"``, ``"not supported"`` or ``"prompt only"``
            (:data:`PROMPT_ONLY`).
        message: Why it failed (the first failure's message), which capability it needs, or
            why the JSON request is in the prompt only.
        counterexample: The first failure's minimal failing example, readable.
        examples: Examples run.
        seconds: Wall time spent.
        failures: Every distinct failure kept (at most :data:`MAX_FAILURES`).
        more_failures: Distinct failures found beyond those.
    """

    property: str
    backend: str
    status: Status
    message: str = ""
    counterexample: str = ""
    examples: int = 0
    seconds: float = 0.0
    failures: tuple[Failure, ...] = ()
    more_failures: int = 0

    def all_failures(self) -> tuple[Failure, ...]:
        """The distinct failures (one built from ``message`` when none were recorded)."""
        if self.failures or self.status != "FAIL":
            return self.failures
        return (Failure(self.message, self.counterexample),)


@dataclass
class Report:
    """Every verdict of a run, in (backend, property) order."""

    profile: str
    backends: list[str]
    properties: list[Property]
    verdicts: list[Verdict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[Verdict]:
        """The failing verdicts."""
        return [v for v in self.verdicts if v.status == "FAIL"]

    @property
    def ok(self) -> bool:
        """Whether nothing failed."""
        return not self.failures

    def verdict(self, prop: str, backend: str) -> Verdict:
        """The verdict for one cell of the matrix."""
        for v in self.verdicts:
            if v.property == prop and v.backend == backend:
                return v
        raise KeyError((prop, backend))


def link_causes(verdict: Verdict, seen: dict[tuple[str, str], str]) -> Verdict:
    """``verdict`` with each failure whose cause an earlier property (same backend) already
    showed marked ``same_cause_as``, and a failure whose cause an earlier failure of the same
    verdict names left out (one cause, one finding); records the new causes in ``seen``.

    Example:
        >>> seen = {}
        >>> c1 = Verdict("C1", "b", "FAIL", failures=(Failure("x", cause="no tool uses"),))
        >>> s5 = Verdict("S5", "b", "FAIL", failures=(Failure("y", cause="no tool uses"),))
        >>> _ = link_causes(c1, seen)
        >>> link_causes(s5, seen).failures[0].same_cause_as
        'C1'
    """
    if not verdict.failures:
        return verdict
    linked: list[Failure] = []
    for f in verdict.failures:
        if f.cause and any(g.cause == f.cause for g in linked):
            continue  # one root cause, one finding: a second way to meet it adds nothing
        if f.cause:
            first = seen.setdefault((verdict.backend, f.cause), verdict.property)
            if first != verdict.property:
                f = dataclasses.replace(f, same_cause_as=first)
        linked.append(f)
    return dataclasses.replace(verdict, failures=tuple(linked))
