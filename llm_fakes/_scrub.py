"""What counts as a secret, and the scrubber every writer applies before text leaves the process.

The secret *shapes* (token formats recognised in any text) and the *environment* (the value of
any variable whose name looks secret), applied with the secret *names* of the one list
(:mod:`llm_fakes.secrets`: headers, query parameters and body fields whose value is a credential,
cloud credentials included). Cassettes
(recorded and imported), the vcrpy preset, snapshots, conformance reports and every message the
CLI prints go through :class:`Scrubber` or :func:`scrub_text`. Pure standard library, cheap to
import (the one list is read on first use).

Token shapes recognised:

* OpenAI ``sk-...`` / ``sk-proj-...``, Anthropic ``sk-ant-...``, Google ``AIza...``,
  GitHub ``ghp_`` / ``gho_`` / ``ghu_`` / ``ghs_`` / ``ghr_`` / ``github_pat_``,
  AWS access key ids ``AKIA...`` / ``ASIA...`` and secret keys written next to their name
  (``aws_secret_access_key = ...``), Slack ``xoxb-`` / ``xoxp-`` / ...,
  JSON Web Tokens (``eyJ...``), ``Bearer`` tokens in any case,
* URL userinfo (``https://user:PASSWORD@host``: the password is replaced) and secret query
  parameters in URLs (``?key=...``, ``&access_token=...``, ``X-Amz-Signature=...``).

Environment variables whose name looks secret: ``*_KEY``, ``*_TOKEN``, ``*_SECRET``,
``*PASSWORD*`` and ``AWS_*`` (except the few AWS settings that are not secret, such as
``AWS_REGION``); only values of at least :data:`MIN_ENV_SECRET` characters are scrubbed, so a
short or common value (``1``, ``true``) never wrecks unrelated text.

Example:
    >>> s = Scrubber(environ={"SERVICE_TOKEN": "tok-1234567890"})
    >>> s.text("auth: bearer abc.123 via https://bob:hunter22@db.local/?key=AIzaSyA1")
    'auth: Bearer <redacted> via https://bob:<redacted>@db.local/?key=<redacted>'
    >>> s.text("got tok-1234567890")
    'got <redacted:SERVICE_TOKEN>'
    >>> s.text("ghp_" + "a" * 36)
    '<redacted:github-token>'
    >>> is_secret_header("X-Goog-Api-Key"), is_secret_query("X-Amz-Signature")
    (True, True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, TextIO

__all__ = [
    "ANCHORS",
    "MIN_ENV_SECRET",
    "REDACTED",
    "Scrubber",
    "anchors",
    "is_secret_env_name",
    "is_secret_header",
    "is_secret_query",
    "scrub_obj",
    "scrub_text",
    "scrubbed_output",
    "secret_env_values",
    "shape_starts",
]

REDACTED = "<redacted>"
#: Environment values shorter than this are not scrubbed (a token "1" would wreck every number).
MIN_ENV_SECRET = 8

_TOKEN = r"[A-Za-z0-9._~+/-]+=*"
_AWS_VALUE = re.compile(r"""([:=] *(?:\\?["'])?)[A-Za-z0-9/+=]{16,}\Z""")


def _userinfo(text: str) -> str:
    user = text[3:].split(":", 1)[0]  # text is "://user:password@"
    return f"://{user}:{REDACTED}@"


def _query(text: str) -> str:
    return text.split("=", 1)[0] + "=" + REDACTED  # text is "&name=value"


def _aws_secret(text: str) -> str:
    return _AWS_VALUE.sub(lambda m: m.group(1) + "<redacted:aws-secret>", text)


Replacement = str | Callable[[str], str]

# Every pattern reads the same in a text and in that text JSON-escaped (the cassette matcher scrubs
# a request's JSON as text): no class holds a backslash, a quote or a control character, and no
# match begins with a word boundary (the character before may be an escape's letter). Each
# pattern's match begins where an entry of SHAPE_STARTS is found.

#: (pattern, replacement): the token shapes, first match at a position wins.
SHAPES: list[tuple[str, Replacement]] = [
    (r"sk-ant-[A-Za-z0-9_-]{6,}", "<redacted:anthropic-key>"),
    (r"sk-[A-Za-z0-9_-]{16,}", "<redacted:openai-key>"),
    (r"AIza[0-9A-Za-z_-]{30,}", "<redacted:google-key>"),
    (r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}", "<redacted:github-token>"),
    (r"(?:AKIA|ASIA)[A-Z0-9]{16}\b", "<redacted:aws-key-id>"),
    (
        r"(?:aws_|AWS_)(?:secret_access_key|SECRET_ACCESS_KEY|session_token|SESSION_TOKEN)"
        r"""(?:\\?["'])? *[:=] *(?:\\?["'])?[A-Za-z0-9/+=]{16,}""",
        _aws_secret,
    ),
    (r"xox[abposre]-[A-Za-z0-9-]{10,}", "<redacted:slack-token>"),
    (r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", "<redacted:jwt>"),
    # "Bearer" with any token; "bearer" and "BEARER" only with a token-like word ("bearer of").
    (
        rf"Bearer +{_TOKEN}|(?:bearer|BEARER) +(?=[A-Za-z]*[0-9._~+/-]){_TOKEN}",
        "Bearer " + REDACTED,
    ),
    (r"""://[^\s/?#@:"'<>\\]+:[^\s/?#@"'<>\\]+@""", _userinfo),
]
#: Where a match of each entry of :data:`SHAPES` begins (:func:`shape_starts` adds the secret
#: query parameters'). Each has a literal prefix, found at memchr speed: starts that share a
#: first letter are one search ("A(?:Iza|KIA|...)"), and different letters are separate entries,
#: since an alternation without a literal prefix is tried at every position, a dozen times slower.
SHAPE_STARTS = [
    "sk-",
    "A(?:Iza|KIA|SIA|WS_)",
    "g(?:h[pousr]_|ithub_pat_)",
    "aws_",
    "xox",
    "eyJ",
    "B(?:earer|EARER)",
    "bearer",
    "://",
]


class Searcher(Protocol):
    """What finds where a match may start: a compiled pattern, or :class:`_GatedSearch`."""

    def search(self, text: str, pos: int = 0, /) -> re.Match[str] | None: ...


class _GatedSearch:
    """A pattern searched only in texts holding ``gate``: a pattern with no literal prefix is
    tried at every position (a few ns per character), where finding a literal is a memchr."""

    __slots__ = ("gate", "pattern")

    def __init__(self, gate: str, pattern: str) -> None:
        self.gate = gate
        self.pattern = re.compile(pattern)

    def search(self, text: str, pos: int = 0, /) -> re.Match[str] | None:
        return self.pattern.search(text, pos) if self.gate in text else None


@functools.cache
def _query_start() -> str:
    """Where a secret query parameter begins: ``?``, ``&`` or ``;``, a name of the one list
    (:mod:`llm_fakes.secrets`) and ``=``."""
    from llm_fakes.secrets import secret_query_params

    names = sorted(secret_query_params(), key=len, reverse=True)
    alts = "|".join(re.escape(n) for n in names)
    return rf"[?&;](?i:{alts})="


@functools.cache
def _shapes() -> list[tuple[str, Replacement]]:
    """:data:`SHAPES` and the secret query parameters (``&key=...``)."""
    return [*SHAPES, (_query_start() + r"""[^&#\s"'<>\\]+""", _query)]


@functools.cache
def shape_starts() -> list[Searcher]:
    """:data:`SHAPE_STARTS` compiled: searched alone, they find every position where a shape's
    match may begin (what keeps scrubbing a long text cheap). The query parameters' start holds
    the names too: a bare ``;`` or ``?``, common in prose, would make every one a candidate."""
    return [*(re.compile(p) for p in SHAPE_STARTS), _GatedSearch("=", _query_start())]


#: Lower-case substrings at least one of which every match of :data:`SHAPES` contains
#: (:func:`anchors` adds the secret query parameters').
ANCHORS = (
    "sk-",
    "aiza",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "akia",
    "asia",
    "aws_",
    "xox",
    "eyj",
    "bearer",
    "://",
)


@functools.cache
def anchors() -> tuple[str, ...]:
    """Lower-case substrings at least one of which every match contains: a text holding none of
    them (and no secret environment value) needs no regex at all."""
    from llm_fakes.secrets import secret_query_params

    return (*ANCHORS, *sorted(f"{name}=" for name in secret_query_params()))


#: AWS settings that are not secrets (a region, a profile name, a file path...).
_AWS_NOT_SECRET = re.compile(
    r"^AWS_(?:DEFAULT_)?(?:REGION|PROFILE|OUTPUT)$|_FILE$|_PATH$|_DIR$|ENDPOINT|CA_BUNDLE|PAGER"
    r"|RETRY|RETRIES|MAX_ATTEMPTS|_MODE$"
)
_AWS_SECRET_WORDS = re.compile(r"SECRET|KEY|TOKEN|SESSION|PASSWORD|CREDENTIAL")


def is_secret_env_name(name: str) -> bool:
    """Whether an environment variable's name looks secret.

    Example:
        >>> [is_secret_env_name(n) for n in ("OPENAI_API_KEY", "DB_PASSWORD_FILE", "AWS_REGION")]
        [True, True, False]
    """
    upper = name.upper()
    if upper.startswith("AWS_"):
        if _AWS_SECRET_WORDS.search(upper) and not upper.endswith(("_FILE", "_PATH")):
            return True
        return _AWS_NOT_SECRET.search(upper) is None
    return (
        upper.endswith(("_KEY", "_TOKEN", "_SECRET"))
        or "PASSWORD" in upper
        or upper in {"KEY", "TOKEN", "SECRET"}
    )


def secret_env_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Secret-looking environment variables (of at least :data:`MIN_ENV_SECRET` characters).

    Example:
        >>> secret_env_values({"MY_API_KEY": "abcdefgh12", "HOME": "/root", "GH_TOKEN": "x"})
        {'MY_API_KEY': 'abcdefgh12'}
    """
    env = os.environ if environ is None else environ
    return {
        name: value
        for name, value in env.items()
        if is_secret_env_name(name) and len(value.strip()) >= MIN_ENV_SECRET
    }


def is_secret_header(name: str) -> bool:
    """Whether a header's value is a credential (any case), by the one list."""
    from llm_fakes.secrets import secret_headers

    return name.lower() in secret_headers()


def is_secret_query(name: str) -> bool:
    """Whether a query parameter's value is a credential (any case), by the one list."""
    from llm_fakes.secrets import secret_query_params

    return name.lower() in secret_query_params()


class Scrubber:
    """Replaces token shapes, secret environment values and ``extra`` patterns in text.

    Args:
        environ: The environment whose secret-looking values are scrubbed (default: the
            process's, read now).
        extra: More ``(regex, replacement)`` pairs, tried after the shapes and the environment.

    Replacements never match again, so scrubbing twice changes nothing.
    """

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        extra: Iterable[tuple[str, Replacement]] = (),
    ) -> None:
        self.env = secret_env_values(environ)
        parts: list[tuple[str, Replacement]] = list(_shapes())
        # Longest first, so a value containing another is replaced whole.
        for name, value in sorted(self.env.items(), key=lambda kv: -len(kv[1])):
            parts.append((re.escape(value), f"<redacted:{name}>"))
        parts += list(extra)
        self.parts = parts
        self._replacements = [r for _, r in parts]
        self.pattern = re.compile("|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(parts)))

    def _sub(self, m: re.Match[str]) -> str:
        replacement = self._replacements[int(m.lastgroup[1:])]  # type: ignore[index]
        return replacement if isinstance(replacement, str) else replacement(m.group())

    def text(self, text: str) -> str:
        """Scrub one string."""
        return self.pattern.sub(self._sub, text)

    def obj(self, value: Any) -> Any:
        """A copy of ``value`` with every string in it scrubbed (see :func:`scrub_obj`)."""
        return _walk(value, self.text)


def _walk(value: Any, text: Callable[[str], str]) -> Any:
    from llm_fakes.secrets import secret_body_fields

    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {
            (text(k) if isinstance(k, str) else k): (
                REDACTED
                if isinstance(k, str) and k.lower() in secret_body_fields() and v
                else _walk(v, text)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_walk(v, text) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk(v, text) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), text) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    return value


_cache: dict[tuple[tuple[str, str], ...], Scrubber] = {}


def _current() -> Scrubber:
    key = tuple(sorted(secret_env_values().items()))
    scrubber = _cache.get(key)
    if scrubber is None:
        _cache.clear()
        scrubber = _cache[key] = Scrubber(dict(key))
    return scrubber


def scrub_text(text: str) -> str:
    """Scrub one string with the shapes and the process's secret environment values as they are
    now.

    Example:
        >>> scrub_text("GET https://x.test/v1?alt=sse&key=AIzaSyXYZ")
        'GET https://x.test/v1?alt=sse&key=<redacted>'
    """
    lowered = text.lower()
    if not any(a in lowered for a in anchors()) and not any(
        value in text for value in secret_env_values().values()
    ):
        return text  # nothing to scrub: the patterns are not even built
    return _current().text(text)


def scrub_obj(value: Any) -> Any:
    """A copy of ``value`` (strings, dicts, lists, tuples, dataclasses) with every string
    scrubbed as :func:`scrub_text` does, and the value under a secret key replaced.

    Example:
        >>> scrub_obj({"password": "pw", "note": ["sk-ant-api03-secret"]})
        {'password': '<redacted>', 'note': ['<redacted:anthropic-key>']}
    """
    return _current().obj(value)


class _ScrubbingStream:
    """A text stream that scrubs what it writes, a whole line at a time (a secret split across
    two ``write`` calls of one line is still caught); ``flush`` writes a partial line out."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        data = self._pending + text
        cut = data.rfind("\n") + 1
        self._pending = data[cut:]
        if cut:
            self._stream.write(scrub_text(data[:cut]))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(scrub_text(self._pending))
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def scrubbed_output() -> Iterator[None]:
    """Scrub everything written to ``sys.stdout`` and ``sys.stderr`` inside the block.

    Example:
        >>> with scrubbed_output():
        ...     print("left out https://x.test/v1?key=AIzaSyXYZ")
        left out https://x.test/v1?key=<redacted>
    """
    out, err = sys.stdout, sys.stderr
    wrapped_out, wrapped_err = _ScrubbingStream(out), _ScrubbingStream(err)
    sys.stdout, sys.stderr = wrapped_out, wrapped_err
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
        wrapped_out.flush()
        wrapped_err.flush()
