"""The contract's properties, one named check per id (C1–C5, S1–S9, J1–J3, R1–R6).

Each property is stated, with what its check really does, in :data:`CONTRACT_DOC`
(``docs/contract.md``).

Each :class:`Property` knows what it needs from the provider (capabilities), how to generate
its examples (a hypothesis strategy of :class:`~llm_fakes.contract.cases.Case`), and how to check
one example. ``most`` caps the example count: the timing checks (C3, S7) have a handful of fixed
cases and wait in real time, so they run two; the rest run the profile's full count.

Example:
    >>> [p.id for p in PROPERTIES.values()][:4]
    ['C1', 'C2', 'C3', 'C4']
    >>> PROPERTIES["S5"].requires
    ('streaming', 'stream_tool_calls')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from llm_fakes.contract import check_calls as c
from llm_fakes.contract import check_hygiene as h
from llm_fakes.contract import check_json as j
from llm_fakes.contract import check_retries as r
from llm_fakes.contract import check_stream as s
from llm_fakes.contract._support import Context
from llm_fakes.contract.cases import Case
from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.errors import UsageError

__all__ = ["CONTRACT_DOC", "PROPERTIES", "Property", "select"]

#: Where the contract is stated for provider authors (in the llm-fakes repository).
CONTRACT_DOC = "docs/contract.md"


@dataclass(frozen=True)
class Property:
    """One property of the contract.

    Attributes:
        id: The property id, e.g. ``"S6"`` (see ``docs/contract.md``).
        name: A test-name slug, e.g. ``"no_repeated_text_after_a_retry"``.
        title: What it says, in a line.
        requires: Capabilities the provider must declare for it to apply.
        cases: ``cases(factory)`` -> a strategy of examples.
        check: ``check(context)`` raises :class:`~llm_fakes.errors.ContractViolation`.
        most: At most this many examples, whatever the profile (``None``: no cap).
        real_time_requires: Capabilities it needs too when the run is in real time
            (``--real-time``): R5 reads waits off the injected clock then.
    """

    id: str
    name: str
    title: str
    requires: tuple[str, ...]
    cases: Callable[[ProviderFactory], st.SearchStrategy[Case]]
    check: Callable[[Context], None]
    most: int | None = None
    real_time_requires: tuple[str, ...] = ()

    def needs(self, virtual: bool = True) -> tuple[str, ...]:
        """The capabilities it needs in a run with or without virtual time."""
        return self.requires if virtual else self.requires + self.real_time_requires


_ALL = [
    Property(
        "C1",
        "complete_returns_the_backend_reply",
        "complete() returns what the backend produced, LLMResponse-shaped",
        (),
        c.cases_c1,
        c.check_c1,
    ),
    Property(
        "C2",
        "acomplete_equals_complete",
        "acomplete() returns what complete() returns",
        (),
        c.cases_c2,
        c.check_c2,
    ),
    Property(
        "C3",
        "acomplete_does_not_block_the_loop",
        "acomplete() never blocks the event loop",
        (),
        c.cases_c3,
        c.check_c3,
        2,
    ),
    Property(
        "C4",
        "any_history_reaches_the_backend_intact",
        "any well-formed history is accepted and reaches the backend intact",
        (),
        c.cases_c4,
        c.check_c4,
    ),
    Property(
        "C5",
        "caller_arguments_are_never_mutated",
        "the caller's messages, tools and response_format are never changed",
        (),
        h.cases_c5,
        h.check_c5,
    ),
    Property(
        "S1",
        "snapshots_join_all_deltas",
        "each snapshot joins all deltas so far",
        ("streaming",),
        s.cases_s1,
        s.check_s1,
    ),
    Property(
        "S2",
        "one_text_end_equal_to_complete",
        "one TextEndEvent at most; full_text = last snapshot = complete().content",
        ("streaming",),
        s.cases_s2,
        s.check_s2,
    ),
    Property(
        "S3",
        "one_terminal_event_last",
        "exactly one terminal event, and nothing after it",
        ("streaming",),
        s.cases_s3,
        s.check_s3,
    ),
    Property(
        "S4",
        "finish_usage_equals_complete",
        "FinishEvent tokens and stop_reason equal complete()'s",
        ("streaming",),
        s.cases_s4,
        s.check_s4,
    ),
    Property(
        "S5",
        "tool_call_events_equal_complete",
        "ToolCallEvents equal complete().tool_uses, in order",
        ("streaming", "stream_tool_calls"),
        s.cases_s5,
        s.check_s5,
    ),
    Property(
        "S6",
        "no_repeated_text_after_a_retry",
        "a retry inside a stream never repeats text",
        ("streaming",),
        s.cases_s6,
        s.check_s6,
    ),
    Property(
        "S7",
        "abandoned_stream_releases_the_backend",
        "an abandoned stream releases the backend",
        ("streaming",),
        s.cases_s7,
        s.check_s7,
        2,
    ),
    Property(
        "S8",
        "broken_stream_never_finishes_normally",
        "a stream broken part-way never ends in a normal FinishEvent",
        ("streaming",),
        h.cases_s8,
        h.check_s8,
    ),
    Property(
        "S9",
        "error_event_recoverable_matches_the_error",
        "StreamErrorEvent.recoverable: False for permanent, True for transient",
        ("streaming",),
        h.cases_s9,
        h.check_s9,
    ),
    Property(
        "J1",
        "json_mode_reaches_the_backend",
        "JSON mode reaches the backend; JSON comes back unchanged",
        ("json_mode",),
        j.cases_j1,
        j.check_j1,
    ),
    Property(
        "J2",
        "json_schema_intact_and_validated",
        "a json_schema reaches the backend intact; invalid content raises",
        ("json_schema",),
        j.cases_j2,
        j.check_j2,
    ),
    Property(
        "J3",
        "non_json_is_reported_unless_marked",
        "non-JSON under JSON mode is an error unless marked invalid",
        ("json_mode",),
        j.cases_j3,
        j.check_j3,
    ),
    Property(
        "R1",
        "attempts_are_min_k_m_plus_one",
        "k transient failures, max_retries=m: min(k, m) + 1 attempts",
        ("retries",),
        r.cases_r1,
        r.check_r1,
    ),
    Property(
        "R2",
        "zero_and_default_max_retries",
        "max_retries=0 is one attempt; None is the documented default",
        ("retries",),
        r.cases_r2,
        r.check_r2,
    ),
    Property(
        "R3",
        "permanent_error_is_not_retried",
        "a permanent error: one attempt, a typed error",
        ("retries",),
        r.cases_r3,
        r.check_r3,
    ),
    Property(
        "R4",
        "last_error_surfaces_typed",
        "the last error surfaces typed, or as one StreamErrorEvent",
        ("retries",),
        r.cases_r4,
        r.check_r4,
    ),
    Property(
        "R5",
        "waits_honour_retry_after_on_the_clock",
        "waits honour Retry-After, stay under the cap, run on the injected clock",
        ("retries",),
        r.cases_r5,
        r.check_r5,
        real_time_requires=("clock",),
    ),
    Property(
        "R6",
        "failure_kinds_share_the_budget_as_documented",
        "failure kinds share one retry budget only as documented",
        ("retries",),
        r.cases_r6,
        r.check_r6,
    ),
]

#: Every property by id, in the contract's order.
PROPERTIES: dict[str, Property] = {p.id: p for p in _ALL}


def select(ids: str | None) -> list[Property]:
    """The properties named in ``"C1,S2,R"`` (a letter selects its whole group); all if None.

    Example:
        >>> [p.id for p in select("C3,J")]
        ['C3', 'J1', 'J2', 'J3']
    """
    if not ids:
        return list(PROPERTIES.values())
    wanted = [w.strip().upper() for w in ids.split(",") if w.strip()]
    out: list[Property] = []
    for w in wanted:
        hits = [p for p in PROPERTIES.values() if p.id == w or (len(w) == 1 and p.id[0] == w)]
        if not hits:
            raise UsageError(
                f"Unknown property {w!r}. Properties are {list(PROPERTIES)!r}, or a group "
                "letter C, S, J or R; e.g. --only C1,S."
            )
        out.extend(h for h in hits if h not in out)
    return sorted(out, key=list(PROPERTIES.values()).index)
