"""The replay side of a cassette: recorded interactions, their index, what was played.

Each distinct request key maps to a tuple of entries, the recordings of that request in
recorded order; a byte per interaction says whether it was used since the last rewind (and
another whether it was ever played, for strict mode). An entry is ``(index, interaction)``, or
for a recorded ``complete`` response ``(index, interaction, *fields)`` with the response's fields
flattened, built at load. A hit is one dict lookup and a few tuple reads whatever the size of
the cassette, touching little memory: what keeps replay flat when a 10,000-interaction cassette
is played in random order.

Example:
    >>> from llm_fakes.cassettes.matching import Matcher, make_request
    >>> rec = {"call": "complete", "request": {"messages": [], "max_tokens": 1},
    ...        "response": {"content": "hi", "model": "m"}}
    >>> tape = Tape([rec, rec], Matcher())
    >>> req = make_request([], max_tokens=1)
    >>> [entry[:1] + entry[2:4] for entry in (tape.next(req), tape.next(req))], tape.next(req)
    ([(0, 'hi', 'm'), (1, 'hi', 'm')], None)
    >>> tape.unplayed()
    []
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from llm_fakes.cassettes.matching import Matcher, miss_report

__all__ = ["Tape", "describe", "unplayed_message"]

Interaction = dict[str, Any]
#: ``(index, interaction)``, plus the positional ``LLMResponse`` fields of a recorded response.
Entry = tuple[Any, ...]


def _entry(index: int, interaction: Interaction) -> Entry:
    r = interaction.get("response")
    if r is None:
        return (index, interaction)
    return (
        index,
        interaction,
        r["content"],
        sys.intern(r["model"]),  # shared by most interactions: one object, kept in cache
        r.get("input_tokens", 0),
        r.get("output_tokens", 0),
        sys.intern(r.get("stop_reason", "")),
        r.get("raw_response"),
        tuple((u["id"], u["name"], u["input"]) for u in r.get("tool_uses", ())),
    )


def _count(n: int) -> str:
    return f"{n} message" if n == 1 else f"{n} messages"


def describe(interaction: Interaction) -> str:
    """``complete(2 messages, last 'What is 2+2?')``: an interaction in a few words."""
    messages = interaction["request"].get("messages") or []
    last = messages[-1].get("content") if messages and isinstance(messages[-1], dict) else ""
    text = last if isinstance(last, str) else str(last)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{interaction['call']}({_count(len(messages))}, last {text!r})"


def unplayed_message(
    where: str, unplayed: list[int], described: Callable[[int], str], users: int = 1
) -> str:
    """Strict mode's message for ``unplayed`` interactions of a cassette (empty when none).

    ``users`` > 1: the cassette is shared, and ``unplayed`` are those none of its tests played.
    """
    if not unplayed:
        return ""
    shown = ", ".join(f"#{i} {described(i)}".rstrip() for i in unplayed[:5])
    more = f" (and {len(unplayed) - 5} more)" if len(unplayed) > 5 else ""
    never = "were never played" if users == 1 else f"none of the {users} tests using it played"
    return (
        f"Cassette {where} has {len(unplayed)} recorded interaction(s) that {never}: "
        f"{shown}{more}. Remove them by re-recording with --llm-record-mode=all, "
        "or turn strict mode off (llm_fakes_strict_cassettes = off)."
    )


class Tape:
    """Recorded interactions indexed by request key, played in recorded order."""

    def __init__(self, interactions: list[Interaction], matcher: Matcher) -> None:
        self.interactions = interactions
        self.matcher = matcher
        slots: dict[str, list[Entry]] = {}
        for i, interaction in enumerate(interactions):
            key = matcher.key(interaction["request"], stored=True)
            if key is not None:
                slots.setdefault(key, []).append(_entry(i, interaction))
        self._slots = {key: tuple(entries) for key, entries in slots.items()}
        self._used = bytearray(len(interactions))
        self._played = bytearray(len(interactions))
        self._lock = threading.Lock()

    def next(self, request: dict[str, Any], repeat: bool = False) -> Entry | None:
        """The next unused recording of ``request`` (with ``repeat``, else its last one)."""
        key = self.matcher.key(request)
        if key is None:
            return None
        entries = self._slots.get(key)
        if entries is None:
            return None
        used = self._used
        with self._lock:
            for entry in entries:
                if not used[entry[0]]:
                    used[entry[0]] = 1
                    self._played[entry[0]] = 1
                    return entry
        return entries[-1] if repeat else None

    def recordings_of(self, request: dict[str, Any]) -> list[int]:
        """Indices of the recordings of ``request`` (all used, when :meth:`next` missed)."""
        key = self.matcher.key(request)
        entries = self._slots.get(key, ()) if key is not None else ()
        return [entry[0] for entry in entries]

    def rewind(self) -> None:
        """Make every recording playable again."""
        with self._lock:
            self._used = bytearray(len(self.interactions))

    def unplayed_message(self, where: str) -> str:
        """What strict mode reports: the interactions never played (empty when none)."""
        return unplayed_message(where, self.unplayed(), lambda i: describe(self.interactions[i]))

    def unplayed(self) -> list[int]:
        """Indices of the interactions never played."""
        return [i for i, played in enumerate(self._played) if not played]

    def miss(self, call: str, request: dict[str, Any], model: str, where: str, exists: bool) -> str:
        """Why ``request`` has no recording to play, and the fix (built only on a miss)."""
        n = len(request["messages"])
        shown = f"model={model!r}, " if model else ""
        head = f"No recorded interaction matches {call}({shown}{_count(n)}) in {where}."
        found = self.recordings_of(request)
        if found:
            numbers = ", ".join(f"#{i}" for i in found)
            return (
                f"{head}\nIts {len(found)} recording(s) ({numbers}) were all played already in "
                "this session.\nRecord another with --llm-record-mode=new_episodes, or replay "
                "the last one again with allow_playback_repeats=True."
            )
        if not self.interactions:
            state = "has no interactions" if exists else "does not exist"
            return (
                f"{head}\nThe cassette {state}.\nRecord it with --llm-record-mode=once "
                "(and a real provider: override the llm_real_provider fixture, or pass inner=)."
            )
        matcher = self.matcher
        prepared = matcher.prepare(request) or request
        recorded = [matcher.fields(matcher.redactor.scrub(i["request"])) for i in self.interactions]
        return miss_report(head, matcher.fields(prepared), recorded, matcher.match_on)
