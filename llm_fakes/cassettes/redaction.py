"""Secret scrubbing: what is rewritten before a cassette reaches disk, and before matching.

The defaults always apply; a user's ``filters`` add to them and never replace them:

* the token shapes of :mod:`llm_fakes._scrub` (OpenAI, Anthropic, Google, GitHub, AWS, Slack
  keys, JWTs, ``Bearer`` tokens, URL passwords and secret query parameters),
* the value of every environment variable whose name looks secret (``*_KEY``, ``*_TOKEN``,
  ``*_SECRET``, ``*PASSWORD*``, ``AWS_*``; values of at least :data:`MIN_ENV_SECRET` characters),
* the whole value under a key named like a credential (the one list,
  :func:`~llm_fakes.secrets.secret_body_fields`: ``authorization``, ``x-api-key``,
  ``x-goog-api-key``, ``api_key``, ``password``, ``cookie``, ...), wherever it sits, raw
  payloads included.

Scrubbing is symmetric: the provider scrubs each incoming request the same way before matching, so
a scrubbed recording still matches the request that produced it. Replacements never match a
pattern again, so scrubbing twice changes nothing.

Example:
    >>> r = Redactor(environ={})
    >>> r.scrub({"headers": {"Authorization": "Bearer abc.def"}, "note": "key sk-ant-api03-xyzxyz"})
    {'headers': {'Authorization': '<redacted>'}, 'note': 'key <redacted:anthropic-key>'}
    >>> Redactor(filters=["Alice"], environ={}).scrub(["Alice says hi"])
    ['<redacted> says hi']
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from llm_fakes import _scrub
from llm_fakes.errors import UsageError
from llm_fakes.secrets import secret_body_fields

__all__ = [
    "DEFAULT_KEYS",
    "MIN_ENV_SECRET",
    "Filter",
    "Redactor",
    "prepare_for_disk",
    "secret_env_values",
]

#: A user filter: a literal string, a compiled regex, a ``(pattern, replacement)`` pair, or a
#: function rewriting any string.
Filter: TypeAlias = (
    "str | re.Pattern[str] | tuple[str | re.Pattern[str], str] | Callable[[str], str]"
)


def __getattr__(name: str) -> frozenset[str]:
    """``DEFAULT_KEYS``: the keys whose values are credentials wherever they appear (compared
    case-insensitively), the kit's one list :func:`~llm_fakes.secrets.secret_body_fields`
    (credential headers included); read on use, so importing this module stays cheap."""
    if name == "DEFAULT_KEYS":
        return secret_body_fields()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Environment values shorter than this are not scrubbed (a token "1" would wreck every number).
MIN_ENV_SECRET = _scrub.MIN_ENV_SECRET
REDACTED = _scrub.REDACTED
secret_env_values = _scrub.secret_env_values
Replacement = _scrub.Replacement


class Redactor:
    """Scrubs secrets from any plain value (dicts, lists, strings), keys included.

    Args:
        filters: Extra things to scrub, added to the defaults (see :data:`Filter`).
        keys: Extra credential key names, added to ``DEFAULT_KEYS``.
        environ: The environment whose secret-looking values are scrubbed (default: the
            process's, read now).
    """

    def __init__(
        self,
        filters: Sequence[Filter] = (),
        keys: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.filters = tuple(filters)
        self.keys = secret_body_fields() | {k.lower() for k in keys}
        self.env = secret_env_values(environ)
        defaults = _scrub._shapes()
        parts: list[tuple[str, Replacement]] = list(defaults)
        # The literal value each alternative after the defaults replaces (None: a regex).
        literals: list[str | None] = []
        # Longest first, so a value containing another is replaced whole.
        for name, value in sorted(self.env.items(), key=lambda kv: -len(kv[1])):
            parts.append((re.escape(value), f"<redacted:{name}>"))
            literals.append(value)
        self._functions: list[Callable[[str], str]] = []
        # A regex or a function may match anything: no cheap test can rule it out.
        self._opaque = False
        for f in self.filters:
            if isinstance(f, str):
                parts.append((re.escape(f), REDACTED))
                literals.append(f)
            elif isinstance(f, re.Pattern):
                parts.append((f.pattern, REDACTED))
                literals.append(None)
                self._opaque = True
            elif isinstance(f, tuple):
                pattern, replacement = f
                if isinstance(pattern, re.Pattern):
                    parts.append((pattern.pattern, replacement))
                    literals.append(None)
                    self._opaque = True
                else:
                    parts.append((re.escape(pattern), replacement))
                    literals.append(pattern)
            elif callable(f):
                self._functions.append(f)
                self._opaque = True
            else:
                raise TypeError(f"a filter is a str, a re.Pattern, a pair or a function: {f!r}")
        plain = [v for v in literals if v is not None]
        if any(not v for v in plain):
            self._opaque = True  # an empty filter matches everywhere: leave it to re.sub
        self._replacements = [r for _, r in parts]
        self._pattern = _alternation(p for p, _ in parts)
        # Every match starts with one of these. Searched alone, a literal is found at memchr
        # speed, where the alternation is tried at every position of the text.
        self._starts = [*_scrub.shape_starts(), *_searchers(plain)]
        # The same alternation as it reads inside a JSON document (literals JSON-escaped), to
        # scrub a request's canonical JSON without walking the request.
        n = len(defaults)
        self._json_pattern = _alternation(
            p if i < n or literals[i - n] is None else re.escape(_in_json(literals[i - n] or ""))
            for i, (p, _) in enumerate(parts)
        )
        # A function replacement reads the match as it is (a shape reads the same either way).
        self._json_replacements = [
            _in_json(r) if isinstance(r, str) else r for r in self._replacements
        ]
        self._json_starts = [*_scrub.shape_starts(), *_searchers(_in_json(v) for v in plain)]
        self._n_defaults = n
        # A credential key reads `"name":` in compact JSON: a cheap hint first, found from the
        # literal `":` (rare in prose), then the exact names, case-insensitively.
        names = sorted(_in_json(k) for k in self.keys)
        tails = sorted({_tail(name) for name in names})
        self._key_hint = re.compile(
            '":(?:' + "|".join(f'(?<=(?i:{re.escape(t)})":)' for t in tails) + ")"
        )
        self._key_exact = re.compile('"(?i:' + "|".join(map(re.escape, names)) + ')":')

    def refreshed(self, environ: Mapping[str, str] | None = None) -> Redactor:
        """The same filters, with the environment's secrets as they are now added."""
        env = dict(self.env)
        env.update(secret_env_values(environ))
        return Redactor(self.filters, self.keys - secret_body_fields(), env)

    def text(self, text: str) -> str:
        """Scrub one string."""
        if self._opaque:
            text = self._pattern.sub(self._sub, text)
            for function in self._functions:
                text = function(text)
            return text
        return _replace_at(self._pattern, self._starts, self._replacements, text)

    def _sub(self, m: re.Match[str]) -> str:
        return _replaced(self._replacements[int(m.lastgroup[1:])], m)  # type: ignore[index]

    def scrub(self, value: Any) -> Any:
        """A copy of ``value`` with every string scrubbed and credential keys' values replaced."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                key = self.text(k) if isinstance(k, str) else k
                if isinstance(k, str) and k.lower() in self.keys and v is not None:
                    out[key] = REDACTED
                else:
                    out[key] = self.scrub(v)
            return out
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        return value

    def scrub_interaction(self, interaction: dict[str, Any]) -> dict[str, Any]:
        """:meth:`scrub` for one interaction, after merging the stream's parts that a secret
        spans (``"bearer "`` in one delta or wire chunk, the token in the next), so it is
        scrubbed whole: the events' text deltas and an HTTP recording's ``chunks``."""
        events = interaction.get("events")
        if isinstance(events, list) and events:
            merged = self._merge_split(events)
            interaction = {**interaction, "events": merged}
            if len(merged) != len(events):
                # The wire copy holds the secret in two SSE events, with JSON between the parts
                # that no scrubbing of its text can see: drop it. A served replay renders the
                # stream from the (scrubbed) events instead.
                interaction.pop("http", None)
        http = interaction.get("http")
        chunks = http.get("chunks") if isinstance(http, dict) else None
        if isinstance(http, dict) and isinstance(chunks, list) and len(chunks) > 1:
            if all(isinstance(c, str) for c in chunks):
                groups = self._groups(chunks)
                merged = ["".join(chunks[i] for i in group) for group in groups]
                interaction = {**interaction, "http": {**http, "chunks": merged}}
        scrubbed: dict[str, Any] = self.scrub(interaction)
        return scrubbed

    def _groups(self, texts: list[str]) -> list[list[int]]:
        """``texts`` (consecutive parts of one text) in groups: a part a match runs into joins
        the group of the part the match starts in."""
        ends = list(itertools.accumulate(len(t) for t in texts))
        head = list(range(len(texts)))
        for m in self._pattern.finditer("".join(texts)):
            first = bisect.bisect_right(ends, m.start())
            last = bisect.bisect_left(ends, m.end())
            for i in range(first + 1, min(last, len(texts) - 1) + 1):
                head[i] = head[first]
        groups: list[list[int]] = []
        for i, h in enumerate(head):
            if h == i:
                groups.append([i])
            else:
                groups[-1].append(i)
        return groups

    def _merge_split(self, events: list[Any]) -> list[Any]:
        out: list[Any] = []
        run: list[dict[str, Any]] = []

        def flush() -> None:
            out.extend(self._merge_run(run) if len(run) > 1 else run)
            run.clear()

        for event in events:
            kind = event.get("type") if isinstance(event, dict) else None
            is_delta = kind in ("text_delta", "reasoning_delta")
            if run and (not is_delta or kind != run[0].get("type")):
                flush()
            (run if is_delta else out).append(event)
        flush()
        return out

    def _merge_run(self, run: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One run of consecutive deltas, those a secret spans merged into one."""
        # "content" is left out of a record when empty.
        texts: list[str] = [c if isinstance(c := e.get("content"), str) else "" for e in run]
        groups = self._groups(texts)
        if len(groups) == len(run):
            return run
        merged: list[dict[str, Any]] = []
        for group in groups:
            head = dict(run[group[0]])
            if len(group) > 1:
                head["content"] = "".join(texts[i] for i in group)
                last = run[group[-1]]
                for key in ("at", "snapshot"):  # it arrived whole with its last part
                    head.pop(key, None)
                    if key in last:
                        head[key] = last[key]
            merged.append(head)
        return merged

    def scrub_json(self, json_text: str) -> str | None:
        """``canonical_json(self.scrub(value))``, given ``canonical_json(value)``, when that can be
        told from the text alone: ``json_text`` itself (the same object) when scrubbing changes
        nothing, the scrubbed text when only strings' contents change, ``None`` when the value
        must be scrubbed (a credential key, a secret in a key, a regex or function filter).

        Costs a few literal searches of the text: what keeps replaying a large prompt cheap.

        Example:
            >>> r = Redactor(environ={})
            >>> r.scrub_json('[{"content":"my key is sk-proj-0123456789abcdefXYZ"}]')
            '[{"content":"my key is <redacted:openai-key>"}]'
            >>> text = '[{"content":"nothing to hide"}]'
            >>> r.scrub_json(text) is text, r.scrub_json('{"api_key":"x"}')
            (True, None)
        """
        if self._opaque:
            return None
        if self._key_hint.search(json_text) and self._key_exact.search(json_text):
            return None
        positions = _positions(self._json_starts, json_text)
        if not positions:
            return json_text
        out: list[str] = []
        last = 0
        pattern, replacements = self._json_pattern, self._json_replacements
        for p in positions:
            if p < last:
                continue
            m = pattern.match(json_text, p)
            if m is None:
                continue
            group = int(m.lastgroup[1:])  # type: ignore[index]
            if group >= self._n_defaults and "\\" in json_text[max(0, p - 6) : p]:
                return None  # it may begin inside an escape sequence: the value will say
            if _in_key(json_text, m.end()):
                return None  # a key changes, and with it the keys' order
            out += (json_text[last:p], _replaced(replacements[group], m))
            last = m.end()
        if not out:
            return json_text
        out.append(json_text[last:])
        return "".join(out)

    def may_need_scrubbing(self, json_text: str) -> bool:
        """Whether a value whose JSON is ``json_text`` may change when scrubbed.

        ``False`` is a guarantee (nothing would change); ``True`` only means "scrub to see".
        """
        return self.scrub_json(json_text) is not json_text


def _in_json(value: str) -> str:
    """``value`` as it reads inside a JSON string (the kit's JSON keeps non-ASCII as is)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _tail(name: str) -> str:
    """The end of a key name the hint looks for: every default name ends in one of three."""
    for tail in ("key", "cookie", "authorization"):
        if name.endswith(tail):
            return tail
    return name


def _alternation(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?P<g{i}>{p})" for i, p in enumerate(patterns)))


def _searchers(literals: Iterable[str]) -> list[_scrub.Searcher]:
    return [re.compile(re.escape(s)) for s in dict.fromkeys(literals)]


def _positions(starts: list[_scrub.Searcher], text: str) -> list[int]:
    """Where a match may start, in order (usually none: one fast search per literal)."""
    found: set[int] | None = None
    for start in starts:
        m = start.search(text)
        while m is not None:
            found = found or set()
            found.add(m.start())
            m = start.search(text, m.start() + 1)
    return sorted(found) if found else []


def _replaced(replacement: Replacement, m: re.Match[str]) -> str:
    return replacement if isinstance(replacement, str) else replacement(m.group())


def _replace_at(
    pattern: re.Pattern[str],
    starts: list[_scrub.Searcher],
    replacements: list[Replacement],
    text: str,
) -> str:
    """``pattern.sub`` with ``replacements[group]``, trying only where a match may start: the
    same result, since a match starts nowhere else and each start is tried in order."""
    out: list[str] = []
    last = 0
    for p in _positions(starts, text):
        if p < last:
            continue
        m = pattern.match(text, p)
        if m is not None:
            group = int(m.lastgroup[1:])  # type: ignore[index]
            out += (text[last:p], _replaced(replacements[group], m))
            last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _in_key(json_text: str, end: int) -> bool:
    """Whether the JSON string holding position ``end`` is an object's key."""
    close = json_text.find('"', end)
    while close > 0:
        slashes = 0
        while close - 1 - slashes >= 0 and json_text[close - 1 - slashes] == "\\":
            slashes += 1
        if slashes % 2 == 0:
            return json_text.startswith(":", close + 1)
        close = json_text.find('"', close + 1)
    return False


def prepare_for_disk(
    interactions: Iterable[dict[str, Any]],
    redactor: Redactor,
    before_record_request: Callable[[dict[str, Any]], dict[str, Any] | None] | None,
    before_record: Callable[[dict[str, Any]], dict[str, Any] | None] | None,
) -> list[dict[str, Any]]:
    """Scrub each interaction, then apply the user's hooks (each may drop it by returning None).

    Raises:
        UsageError: ``before_record`` changed a request: incoming requests are not rewritten
            by it, so the recording would never match again.
    """
    out = []
    for raw in interactions:
        interaction = redactor.scrub_interaction(raw)
        if before_record_request is not None:
            request = before_record_request(interaction["request"])
            if request is None:
                continue
            interaction["request"] = request
        if before_record is not None:
            before = json.dumps(interaction["request"], sort_keys=True, default=repr)
            result = before_record(interaction)
            if result is None:
                continue
            if json.dumps(result.get("request"), sort_keys=True, default=repr) != before:
                raise UsageError(
                    "before_record changed the request of an interaction; incoming requests "
                    "are not rewritten by before_record, so it would never match again. "
                    "Rewrite requests with before_record_request=..., which is applied to "
                    "incoming requests too."
                )
            interaction = result
        out.append(interaction)
    return out
