"""Which recorded interaction answers a request: canonical keys, a hash index, miss reports.

A request's key is the canonical JSON (sorted keys, compact) of the fields in ``match_on``, after
the same scrubbing that was applied before saving (so scrubbed recordings still match) and after
any per-field normaliser. The provider keeps a ``dict`` from key to the recorded interactions in
order, so a hit costs one JSON dump and one lookup whatever the size of the cassette. Only when
nothing matches is the closest recorded request searched for and a diff built.

Match on fewer fields with ``match_on`` (for example ``["messages"]`` to ignore the system prompt
and tools), or rewrite a field before comparing with ``normalize``, a mapping from field to
function; :func:`regex_normalizer` covers the common case of a timestamp or an id in a prompt.

Example:
    >>> m = Matcher(normalize={"messages": regex_normalizer(r"\\d{2}:\\d{2}", "<time>")})
    >>> a = make_request([{"role": "user", "content": "It is 09:30"}])
    >>> b = make_request([{"role": "user", "content": "It is 17:05"}])
    >>> m.key(a) == m.key(b)
    True
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llm_fakes.cassettes.format import REQUEST_DEFAULTS
from llm_fakes.cassettes.redaction import Redactor
from llm_fakes.errors import UsageError

__all__ = [
    "DEFAULT_MATCH_ON",
    "FIELDS",
    "Key",
    "Matcher",
    "canonical_json",
    "closest",
    "diff_lines",
    "make_request",
    "regex_normalizer",
]

#: Every request field a cassette stores, in order.
FIELDS = (
    "messages",
    "system",
    "tools",
    "max_tokens",
    "response_format",
    "json_mode",
    "max_retries",
)
#: The fields compared by default: all but ``max_retries`` (a retry budget is not the question).
DEFAULT_MATCH_ON = FIELDS[:-1]
_DEFAULTS = {"messages": [], "max_tokens": None, **REQUEST_DEFAULTS}
_ABSENT = object()


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repr(value)


# json.dumps with options builds a new encoder per call; this one is built once (C when there).
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default
)
_c_encode = (
    json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, _default, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
    if getattr(json.encoder, "c_make_encoder", None) is not None
    else None
)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: equal values give equal text.

    Example:
        >>> canonical_json({"b": 1, "a": [True, None]})
        '{"a":[true,null],"b":1}'
    """
    if _c_encode is not None and isinstance(value, list | tuple | dict):
        return "".join(_c_encode(value, 0))
    return _ENCODER.encode(value)


def _tool(tool: Any) -> Any:
    if isinstance(tool, dict):
        return tool
    return {
        "name": tool.name,
        "description": getattr(tool, "description", ""),
        "parameters": getattr(tool, "parameters", None) or {},
    }


def make_request(
    messages: list[dict[str, Any]],
    system: str = "",
    tools: Sequence[Any] | None = None,
    max_tokens: int = 1024,
    response_format: dict[str, Any] | None = None,
    json_mode: bool = False,
    max_retries: int | None = None,
) -> dict[str, Any]:
    """The request as a dict of its fields (tools as dicts; no copy of the messages)."""
    return {
        "messages": messages,
        "system": system,
        "tools": [_tool(t) for t in tools] if tools else [],
        "max_tokens": max_tokens,
        "response_format": response_format,
        "json_mode": json_mode,
        "max_retries": max_retries,
    }


def regex_normalizer(pattern: str | re.Pattern[str], replacement: str = "<normalized>") -> Any:
    """A normaliser replacing ``pattern`` in every string inside a field's value.

    Example:
        >>> regex_normalizer(r"\\d+", "N")([{"content": "call 42"}])
        [{'content': 'call N'}]
    """
    regex = re.compile(pattern)

    def normalize(value: Any) -> Any:
        if isinstance(value, str):
            return regex.sub(replacement, value)
        if isinstance(value, dict):
            return {k: normalize(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [normalize(v) for v in value]
        return value

    normalize.__qualname__ = f"regex_normalizer({regex.pattern!r}, {replacement!r})"
    return normalize


def _check_fields(names: Sequence[str], what: str) -> None:
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise UsageError(
            f"{what} names unknown request field(s) {unknown!r}; the fields are {list(FIELDS)!r}."
        )


#: A request's index key: the canonical JSON of its compared fields but ``max_tokens``, and that
#: of ``max_tokens`` (empty when not compared). Apart, so a variant with another ``max_tokens``
#: is a new pair around the same big string (its hash kept), not another serialisation.
Key = tuple[str, str]


class Matcher:
    """Computes request keys: scrub, ``before_record_request``, normalise, canonical JSON.

    Args:
        match_on: The request fields compared (default :data:`DEFAULT_MATCH_ON`).
        normalize: Field -> function applied to that field's value before comparing.
        redactor: The scrubbing applied before saving, applied here too (symmetry).
        before_record_request: The user's request hook, applied to each incoming request the
            way it was applied to recorded ones.
    """

    def __init__(
        self,
        match_on: Sequence[str] = DEFAULT_MATCH_ON,
        normalize: Mapping[str, Callable[[Any], Any]] | None = None,
        redactor: Redactor | None = None,
        before_record_request: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
    ) -> None:
        if isinstance(match_on, str):
            match_on = [match_on]
        _check_fields(list(match_on), "match_on")
        if not match_on:
            raise UsageError(f"match_on must name at least one of {list(FIELDS)!r}.")
        self.match_on = tuple(match_on)
        self._has_max = "max_tokens" in self.match_on
        self._rest = tuple(n for n in self.match_on if n != "max_tokens")
        self._getter = operator.itemgetter(*self._rest) if self._rest else None
        getter = self._getter
        if getter is not None and len(self._rest) > 1:
            self._values: Callable[[dict[str, Any]], Any] = getter
        elif getter is not None:
            self._values = lambda request: [getter(request)]
        else:
            self._values = lambda request: []
        self.normalize = dict(normalize or {})
        _check_fields(list(self.normalize), "normalize")
        self.redactor = redactor or Redactor()
        self.before_record_request = before_record_request
        self._plain = not self.normalize and before_record_request is None
        self._strings: dict[str, str] = {}
        # Stored requests' JSON that scrubbing left as it was. Scrubbing is a function of the
        # text, so an incoming request whose JSON is one of these needs no scrub to be keyed:
        # a replay without secrets costs one json.dumps and a dict lookup.
        self._clean: set[str] = set()

    def prepare(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """The request as it is stored: scrubbed, then rewritten by ``before_record_request``."""
        scrubbed: dict[str, Any] = self.redactor.scrub(request)
        if self.before_record_request is not None:
            return self.before_record_request(scrubbed)
        return scrubbed

    def fields(self, request: dict[str, Any]) -> list[Any]:
        """The compared fields' values, normalised."""
        out = []
        for name in self.match_on:
            value = request.get(name, _DEFAULTS[name])
            if name == "tools" and value is None:
                value = []
            function = self.normalize.get(name)
            out.append(function(value) if function is not None else value)
        return out

    def _split(self, values: list[Any]) -> Key:
        named = dict(zip(self.match_on, values, strict=True))
        rest = canonical_json([named[n] for n in self._rest])
        return rest, self._max_json(named["max_tokens"]) if self._has_max else ""

    def _max_json(self, value: Any) -> str:
        if type(value) is int:
            return str(value)
        if value is None:
            return "null"
        if type(value) is str and value in self._strings:  # the variants' markers
            return self._strings[value]
        text = canonical_json(value)
        scrubbed = self.redactor.scrub_json(text)
        out = scrubbed if scrubbed is not None else canonical_json(self.redactor.scrub(value))
        if type(value) is str and len(self._strings) < 16:
            self._strings[value] = out
        return out

    def key(self, request: dict[str, Any], *, stored: bool = False) -> Key | None:
        """The index key of an incoming request, or of a ``stored`` (already prepared) one.

        ``None`` when ``before_record_request`` drops the request (it can never match). The
        request is serialised once and its JSON scrubbed as text where that is exact
        (:meth:`~llm_fakes.cassettes.redaction.Redactor.scrub_json`), so a key costs about
        one ``json.dumps`` of the request, with or without a secret in it.
        """
        if self._plain and not stored:  # the hot path: a call's request, no hooks
            text = canonical_json(self._values(request))
            scrubbed = text if text in self._clean else self.redactor.scrub_json(text)
            if scrubbed is not None:
                if not self._has_max:
                    return scrubbed, ""
                top = request["max_tokens"]
                return scrubbed, str(top) if type(top) is int else self._max_json(top)
        if not self.normalize and (stored or self.before_record_request is None):
            if stored:
                values = self.fields(request)
                rest: Any = [
                    v for n, v in zip(self.match_on, values, strict=True) if n != "max_tokens"
                ]
                top = values[self.match_on.index("max_tokens")] if self._has_max else None
            else:
                rest = self._values(request)
                top = request["max_tokens"] if self._has_max else None
            text = canonical_json(rest)
            scrubbed = self.redactor.scrub_json(text)
            if scrubbed is text and stored and self._plain:
                self._clean.add(text)
            if scrubbed is not None:
                return scrubbed, self._max_json(top) if self._has_max else ""
        if stored:
            prepared: dict[str, Any] | None = self.redactor.scrub(request)
        else:
            prepared = self.prepare(request)
        if prepared is None:
            return None
        return self._split(self.fields(prepared))

    def with_max_tokens(
        self, request: dict[str, Any], key: Key, value: Any, *, stored: bool = False
    ) -> Key | None:
        """The key of ``request`` (whose key is ``key``) with ``max_tokens`` set to ``value``:
        the same big string and a new small one, unless a normaliser or hook must see it."""
        if not self.normalize and (stored or self.before_record_request is None):
            return key[0], self._max_json(value)
        return self.key({**request, "max_tokens": value}, stored=stored)


# ------------------------------------------------------------------------------ miss reports


def _leaf_diffs(a: Any, b: Any, path: str, out: list[tuple[str, Any, Any]]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            sub = f"{path}.{k}" if re.fullmatch(r"[A-Za-z_]\w*", str(k)) else f"{path}[{k!r}]"
            _leaf_diffs(a.get(k, _ABSENT), b.get(k, _ABSENT), sub, out)
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            left = a[i] if i < len(a) else _ABSENT
            right = b[i] if i < len(b) else _ABSENT
            _leaf_diffs(left, right, f"{path}[{i}]", out)
    elif canonical_json(a if a is not _ABSENT else "\0absent") != canonical_json(
        b if b is not _ABSENT else "\0absent"
    ):
        out.append((path, a, b))


def _show(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def diff_lines(recorded: Any, incoming: Any) -> list[str]:
    """``-``/``+`` lines showing how ``incoming`` differs from ``recorded`` (one leaf).

    Example:
        >>> diff_lines("What is 2+2?", "What is 2+3?")
        ["- 'What is 2+2?'", "+ 'What is 2+3?'"]
    """
    if isinstance(recorded, str) and isinstance(incoming, str):
        if "\n" in recorded or "\n" in incoming:
            out = []
            for line in difflib.ndiff(recorded.splitlines(), incoming.splitlines()):
                if line[:1] in "-+":
                    out.append(f"{line[:1]} {line[2:]!r}")
            return out[:20]
        if len(recorded) > 200 or len(incoming) > 200:
            start = 0
            while start < min(len(recorded), len(incoming)):
                if recorded[start] != incoming[start]:
                    break
                start += 1
            lo = max(0, start - 40)
            dots = "..." if lo else ""
            return [
                f"- {dots}{recorded[lo : start + 60]!r}...",
                f"+ {dots}{incoming[lo : start + 60]!r}...",
            ]
    return [f"- {_show(recorded)}", f"+ {_show(incoming)}"]


def closest(
    incoming: list[Any], recorded: Sequence[list[Any]], names: Sequence[str]
) -> tuple[int, list[tuple[str, Any, Any]]]:
    """The index of the recorded field list nearest ``incoming`` and its leaf differences."""
    wanted = [canonical_json(v) for v in incoming]
    best: list[int] = []
    best_score = len(names) + 1
    for i, fields in enumerate(recorded):
        score = sum(canonical_json(v) != w for v, w in zip(fields, wanted, strict=True))
        if score < best_score:
            best, best_score = [i], score
        elif score == best_score and len(best) < 200:
            best.append(i)

    def similarity(i: int) -> float:
        a = "".join(canonical_json(v) for v in recorded[i])
        return difflib.SequenceMatcher(None, a, "".join(wanted), autojunk=False).ratio()

    pick = best[0] if len(best) == 1 else max(best, key=similarity)
    leaves: list[tuple[str, Any, Any]] = []
    for name, old, new in zip(names, recorded[pick], incoming, strict=True):
        _leaf_diffs(old, new, name, leaves)
    return pick, leaves


def miss_report(
    head: str, incoming: list[Any], recorded: Sequence[list[Any]], names: Sequence[str]
) -> str:
    """The full message of a miss: ``head``, then the closest recorded request as a diff."""
    lines = [head]
    if recorded:
        index, leaves = closest(incoming, recorded, names)
        where = " and ".join(p for p, _, _ in leaves[:3])
        if len(leaves) > 3:
            where += f" (and {len(leaves) - 3} more)"
        lines.append(f"Closest recorded request (#{index}) differs in {where}:")
        for path, old, new in leaves[:3]:
            if len(leaves) > 1:
                lines.append(f"  {path}:")
            lines.extend(diff_lines(old, new))
    lines.append(
        "Re-record with --llm-record-mode=new_episodes, or match on fewer fields with "
        "match_on=[...]."
    )
    return "\n".join(lines)
