"""Secret scrubbing: what is rewritten before a cassette reaches disk, and before matching.

The defaults always apply; a user's ``filters`` add to them and never replace them:

* OpenAI keys (``sk-...``, ``sk-proj-...``) and Anthropic keys (``sk-ant-...``),
* ``Bearer`` tokens,
* the value of every environment variable named ``*_API_KEY``, ``*_TOKEN``, ``*_SECRET`` or
  ``*_PASSWORD`` (values of at least :data:`MIN_ENV_SECRET` characters),
* the whole value under a key named like a credential header (``authorization``, ``x-api-key``,
  ``api_key``, ``cookie``, ...), wherever it sits, raw payloads included.

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

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

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
MIN_ENV_SECRET = 8
_ENV_NAME = re.compile(r"(?:^|_)(?:API_KEY|TOKEN|SECRET|PASSWORD)$")
REDACTED = "<redacted>"

_DEFAULTS: list[tuple[str, str]] = [
    (r"sk-ant-[A-Za-z0-9_-]{6,}", "<redacted:anthropic-key>"),
    (r"sk-[A-Za-z0-9_-]{16,}", "<redacted:openai-key>"),
    (r"Bearer +[A-Za-z0-9._~+/-]+=*", "Bearer <redacted>"),
]


def secret_env_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Secret-looking environment variables: name -> value.

    Example:
        >>> secret_env_values({"MY_API_KEY": "abcdefgh12", "HOME": "/root", "GH_TOKEN": "x"})
        {'MY_API_KEY': 'abcdefgh12'}
    """
    env = os.environ if environ is None else environ
    return {
        name: value
        for name, value in env.items()
        if _ENV_NAME.search(name.upper()) and len(value) >= MIN_ENV_SECRET
    }


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
        parts: list[tuple[str, str]] = list(_DEFAULTS)
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
        self._starts = _searchers(["sk-", "Bearer", *plain])
        # The same alternation as it reads inside a JSON document (literals JSON-escaped), to
        # scrub a request's canonical JSON without walking the request.
        n = len(_DEFAULTS)
        self._json_pattern = _alternation(
            p if i < n or literals[i - n] is None else re.escape(_in_json(literals[i - n] or ""))
            for i, (p, _) in enumerate(parts)
        )
        self._json_replacements = [_in_json(r) for r in self._replacements]
        self._json_starts = _searchers(["sk-", "Bearer", *(_in_json(v) for v in plain)])
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
        return self._replacements[int(m.lastgroup[1:])]  # type: ignore[index]

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
            out += (json_text[last:p], replacements[group])
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


def _searchers(literals: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(re.escape(s)) for s in dict.fromkeys(literals)]


def _positions(starts: list[re.Pattern[str]], text: str) -> list[int]:
    """Where a match may start, in order (usually none: one fast search per literal)."""
    found: set[int] | None = None
    for start in starts:
        m = start.search(text)
        while m is not None:
            found = found or set()
            found.add(m.start())
            m = start.search(text, m.start() + 1)
    return sorted(found) if found else []


def _replace_at(
    pattern: re.Pattern[str], starts: list[re.Pattern[str]], replacements: list[str], text: str
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
            out += (text[last:p], replacements[int(m.lastgroup[1:])])  # type: ignore[index]
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
        interaction = redactor.scrub(raw)
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
