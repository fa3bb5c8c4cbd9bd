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
        # Longest first, so a value containing another is replaced whole.
        for name, value in sorted(self.env.items(), key=lambda kv: -len(kv[1])):
            parts.append((re.escape(value), f"<redacted:{name}>"))
        self._functions: list[Callable[[str], str]] = []
        # Literal filters also appear JSON-escaped in a request's JSON; regexes may not.
        self._opaque = False
        for f in self.filters:
            if isinstance(f, str):
                parts.append((re.escape(f), REDACTED))
            elif isinstance(f, re.Pattern):
                parts.append((f.pattern, REDACTED))
                self._opaque = True
            elif isinstance(f, tuple):
                pattern, replacement = f
                if isinstance(pattern, re.Pattern):
                    parts.append((pattern.pattern, replacement))
                    self._opaque = True
                else:
                    parts.append((re.escape(pattern), replacement))
            elif callable(f):
                self._functions.append(f)
                self._opaque = True
            else:
                raise TypeError(f"a filter is a str, a re.Pattern, a pair or a function: {f!r}")
        self._replacements = [r for _, r in parts]
        self._pattern = re.compile("|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(parts)))
        # The same secrets as they would appear inside a JSON document (escaped), for the
        # cheap "could this request contain anything to scrub?" check.
        escaped = [p for p, _ in parts]
        for value in [*self.env.values(), *(f for f in self.filters if isinstance(f, str))]:
            in_json = json.dumps(value, ensure_ascii=False)[1:-1]
            if in_json != value:
                escaped.append(re.escape(in_json))
        key_alts = "|".join(re.escape(json.dumps(k)[1:-1]) for k in sorted(self.keys))
        escaped.append(f'"(?i:{key_alts})"')
        self._json_check = re.compile("|".join(f"(?:{p})" for p in escaped))
        # Substrings every match must contain, searched first: `in` is far cheaper than the
        # regex, and almost every request contains none of them.
        literals = [*self.env.values(), *(f for f in self.filters if isinstance(f, str))]
        self._anchors: list[str] = []
        for value in literals:
            self._anchors += {value, json.dumps(value, ensure_ascii=False)[1:-1]}
        # Keys without "auth", "key" or "cookie" in them need an anchor of their own.
        self._key_anchors = [
            json.dumps(k)[1:-1]
            for k in self.keys
            if not any(word in k for word in ("auth", "key", "cookie"))
        ]

    def refreshed(self, environ: Mapping[str, str] | None = None) -> Redactor:
        """The same filters, with the environment's secrets as they are now added."""
        env = dict(self.env)
        env.update(secret_env_values(environ))
        return Redactor(self.filters, self.keys - secret_body_fields(), env)

    def _sub(self, m: re.Match[str]) -> str:
        return self._replacements[int(m.lastgroup[1:])]  # type: ignore[index]

    def text(self, text: str) -> str:
        """Scrub one string."""
        text = self._pattern.sub(self._sub, text)
        for function in self._functions:
            text = function(text)
        return text

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

    def may_need_scrubbing(self, json_text: str) -> bool:
        """Whether a value whose JSON is ``json_text`` may change when scrubbed.

        ``False`` is a guarantee (nothing would change); ``True`` only means "scrub to see".
        """
        if self._opaque:
            return True
        # One lowered copy for every anchor: lowering only adds candidates ("SK-"), and the
        # regex confirms.
        lowered = json_text.lower()
        hit = (
            "sk-" in lowered
            or "bearer" in lowered
            or "auth" in lowered
            or "key" in lowered
            or "cookie" in lowered
        )
        for anchor in self._anchors:
            hit = hit or anchor in json_text
        for anchor in self._key_anchors:
            hit = hit or anchor in lowered
        return hit and self._json_check.search(json_text) is not None


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
