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

import functools
import marshal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from llm_fakes.cassettes.matching import Key, Matcher, miss_report
from llm_fakes.cassettes.outcome import copy_plain
from llm_fakes.cassettes.wire_formats import canonical, format_named

__all__ = [
    "ANY_MAX_TOKENS",
    "DEFAULT_MAX_TOKENS",
    "VIEW_DEFAULTS",
    "Tape",
    "describe",
    "unplayed_message",
]

#: Each view's default ``max_tokens`` (the interface's signatures).
VIEW_DEFAULTS = {"complete": 1024, "acomplete": 1024, "stream": 4096}
#: What ``max_tokens`` is compared as for the variants (never a value a call can pass).
DEFAULT_MAX_TOKENS = "<the method's default>"
ANY_MAX_TOKENS = "<any>"

Interaction = dict[str, Any]
#: ``(index, interaction)``, plus the positional ``LLMResponse`` fields of a recorded response
#: (the raw response and each tool use's input as a function returning a fresh copy).
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
        _copier(r.get("raw_response")),
        tuple((u["id"], u["name"], _copier(u["input"])) for u in r.get("tool_uses", ())),
    )


def _copier(value: Any) -> Callable[[], Any] | None:
    """A function returning a fresh deep copy of ``value`` (plain data read from a cassette),
    so a caller mutating a replayed value changes no recording. Unpacking a ``marshal`` blob
    made once at load is several times faster than copying the structure in Python."""
    if value is None:
        return None
    try:
        return functools.partial(marshal.loads, marshal.dumps(value))
    except ValueError:  # not plain data after all
        return functools.partial(copy_plain, value)


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
    """Recorded interactions indexed by request key, played in recorded order.

    Besides its own key, a recording is found through its *variants* (tried only when the
    request's own key finds nothing unplayed, so the hot path is one lookup still):

    * ``cross_view`` (on by default): a request whose ``max_tokens`` is its method's default
      (``complete``/``acomplete`` 1024, ``stream`` 4096) matches a recording made through the
      other view with that view's default;
    * a recording with no ``max_tokens`` (imported from a wire that had none) matches any;
    * an imported recording (``wire:``) matches any request with the same canonical form on
      that wire (:func:`~llm_fakes.cassettes.wire_formats.canonical`).
    """

    def __init__(
        self, interactions: list[Interaction], matcher: Matcher, *, cross_view: bool = True
    ) -> None:
        self.interactions = interactions
        self.matcher = matcher
        self.cross_view = cross_view and "max_tokens" in matcher.match_on
        self._wildcards = False
        self._wires: dict[str, Any] = {}
        slots: dict[Key, list[Entry]] = {}
        for i, interaction in enumerate(interactions):
            request = interaction["request"]
            entry = _entry(i, interaction)
            own = matcher.key(request, stored=True)
            keys: list[Key | None] = [own]
            wire = interaction.get("wire")
            if wire is not None:
                fmt = self._wire(wire)
                canon = canonical(fmt, request) if fmt is not None else None
                if canon is not None:
                    own = matcher.key(canon, stored=True)
                    keys.append(own)
                    request = canon
            if own is not None:
                for value in self._stored_variants(interaction["call"], request):
                    keys.append(matcher.with_max_tokens(request, own, value, stored=True))
            for key in dict.fromkeys(keys):
                if key is not None:
                    slots.setdefault(key, []).append(entry)
        # Keyed by the serialised request alone (a str: one hash, cached, and one compare, as
        # cheap at 10,000 entries as at 10), then by max_tokens among the few recorded with it.
        grouped: dict[str, list[tuple[str, tuple[Entry, ...]]]] = {}
        for (rest, top), entries in slots.items():
            grouped.setdefault(rest, []).append((top, tuple(entries)))
        self._slots = {rest: tuple(pairs) for rest, pairs in grouped.items()}
        self._used = bytearray(len(interactions))
        self._played = bytearray(len(interactions))
        self._lock = threading.Lock()

    def _wire(self, name: str) -> Any:
        if name not in self._wires:
            self._wires[name] = format_named(name)
        return self._wires[name]

    def _stored_variants(self, call: str, request: dict[str, Any]) -> list[str]:
        if "max_tokens" not in self.matcher.match_on:
            return []
        if request.get("max_tokens") is None:
            self._wildcards = True
            return [ANY_MAX_TOKENS]
        if self.cross_view and request["max_tokens"] == VIEW_DEFAULTS.get(call):
            return [DEFAULT_MAX_TOKENS]
        return []

    def _keys(self, call: str | None, request: dict[str, Any], key: Key) -> Iterator[Key]:
        """The request's variants' keys (see the class docs), cheapest first, made lazily: a
        variant of ``max_tokens`` reuses ``key``'s serialised request; a wire's canonical form
        is built only when those found nothing."""
        matcher = self.matcher
        has_max = "max_tokens" in matcher.match_on

        def variants(form: dict[str, Any], form_key: Key) -> Iterator[Key | None]:
            if not has_max:
                return
            if self.cross_view and call is not None and form["max_tokens"] == VIEW_DEFAULTS[call]:
                yield matcher.with_max_tokens(form, form_key, DEFAULT_MAX_TOKENS)
            if self._wildcards:
                yield matcher.with_max_tokens(form, form_key, ANY_MAX_TOKENS)

        yield from (k for k in variants(request, key) if k is not None)
        for fmt in self._wires.values():
            canon = canonical(fmt, request) if fmt is not None else None
            if canon is not None:
                canon_key = matcher.key(canon)
                if canon_key is not None:
                    yield canon_key
                    yield from (k for k in variants(canon, canon_key) if k is not None)

    def next(
        self, request: dict[str, Any], repeat: bool = False, call: str | None = None
    ) -> Entry | None:
        """The next unused recording of ``request`` (with ``repeat``, else its last one).

        ``call`` (``"complete"``, ``"acomplete"`` or ``"stream"``) enables the cross-view match
        of default ``max_tokens``.
        """
        key = self.matcher.key(request)
        entries = self._slot(key) if key is not None else None
        if entries is not None:
            hit = self._take(entries)
            if hit is not None:
                return hit
            if repeat:  # its own recordings replay again before any variant is looked at
                return entries[-1]
        if len(self._slots) == 0:
            return None
        found: tuple[Entry, ...] = entries or ()
        if self._wires or self._wildcards or self.cross_view:
            for other in self._keys(call, request, key) if key is not None else ():
                more = self._slot(other)
                if more is not None:
                    hit = self._take(more)
                    if hit is not None or repeat:
                        return hit or more[-1]
                    found = found or more
        return found[-1] if repeat and found else None

    def _slot(self, key: Key) -> tuple[Entry, ...] | None:
        pairs = self._slots.get(key[0])
        if pairs is not None:
            for top, entries in pairs:
                if top == key[1]:
                    return entries
        return None

    def _take(self, entries: tuple[Entry, ...]) -> Entry | None:
        used = self._used
        with self._lock:
            for entry in entries:
                if not used[entry[0]]:
                    used[entry[0]] = 1
                    self._played[entry[0]] = 1
                    return entry
        return None

    def recordings_of(self, request: dict[str, Any], call: str | None = None) -> list[int]:
        """Indices of the recordings of ``request`` (all used, when :meth:`next` missed)."""
        own = self.matcher.key(request)
        if own is None:
            return []
        found: dict[int, None] = {}
        for key in [own, *self._keys(call, request, own)]:
            for entry in self._slot(key) or ():
                found[entry[0]] = None
        return sorted(found)

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
        found = self.recordings_of(request, call)
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
        report = miss_report(head, matcher.fields(prepared), recorded, matcher.match_on)
        if call == "stream":
            why = self._structured_streams(request)
            if why:
                lines = report.splitlines()
                report = "\n".join([*lines[:-1], why, lines[-1]])
        return report

    def _structured_streams(self, request: dict[str, Any]) -> str:
        """Why ``stream()`` cannot match the recordings that are its request but for a
        ``response_format`` or ``json_mode`` (a stream with structured output recorded at the
        HTTP level), and the fix; empty when there are none."""
        carried = ("response_format", "json_mode")
        names = [n for n in self.matcher.match_on if n not in carried]
        if len(names) == len(self.matcher.match_on) or not names:
            return ""
        looser = Matcher(
            names, self.matcher.normalize, self.matcher.redactor, self.matcher.before_record_request
        )
        found = [
            i
            for i in Tape(self.interactions, looser, cross_view=self.cross_view).recordings_of(
                request, "stream"
            )
            if any(self.interactions[i]["request"].get(n) for n in carried)
        ]
        if not found:
            return ""
        numbers = ", ".join(f"#{i}" for i in found)
        return (
            f"Recording(s) {numbers} match this request but for response_format/json_mode, "
            "which stream() cannot send (it has no such parameters), so stream() never "
            f"matches them. Replay them by matching without those fields: match_on={names!r}."
        )
