"""The secrets probe's placements: each secret kind, made unique per (stack, channel), and the
grep that finds any of them in what a writer left behind (imported as a plain module)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_counter = itertools.count(1)


def uid() -> str:
    """Eight upper-case letters, unique in this process (no digits: they never complete a shape
    on their own)."""
    n = next(_counter)
    letters = ""
    for _ in range(8):
        n, r = divmod(n, 26)
        letters += chr(ord("A") + r)
    return letters


@dataclass(frozen=True)
class Placed:
    """One secret placed somewhere: ``text`` is what is put there, ``secret`` what must never be
    found in a written file (the part of ``text`` that is the credential)."""

    kind: str
    channel: str
    text: str
    secret: str
    #: Environment variables the placement needs (a secret known by its variable's name).
    env: tuple[tuple[str, str], ...] = ()


def _same(make: Callable[[str], str]) -> Callable[[str, str], tuple[str, str]]:
    def both(u: str, channel: str) -> tuple[str, str]:
        s = make(u)
        return s, s

    return both


#: kind -> (uid, channel) -> (text placed, secret inside it). Shapes as the providers issue them.
SHAPED: dict[str, Callable[[str, str], tuple[str, str]]] = {
    "openai": _same(lambda u: f"sk-{u}T3BlbkFJabcdEFGH0123"),
    "openai-project": _same(lambda u: f"sk-proj-{u}Xy9_aBcD-eFgHiJkLmNoP"),
    "anthropic": _same(lambda u: f"sk-ant-api03-{u}QwErTy-UiOp_AsDf"),
    "google": _same(lambda u: f"AIza{u}SyD-abcdefghijklmnopqrstuvw"),
    "github-ghp": _same(lambda u: f"ghp_{u}abcdefghijklmnopqrstuvwx0123"),
    "github-gho": _same(lambda u: f"gho_{u}abcdefghijklmnopqrstuvwx0123"),
    "github-ghu": _same(lambda u: f"ghu_{u}abcdefghijklmnopqrstuvwx0123"),
    "github-ghs": _same(lambda u: f"ghs_{u}abcdefghijklmnopqrstuvwx0123"),
    "github-ghr": _same(lambda u: f"ghr_{u}abcdefghijklmnopqrstuvwx0123"),
    "github-pat": _same(lambda u: f"github_pat_11{u}abcdefghijklmnop_qrstuvwxyz0123"),
    "aws-access-key-id": _same(lambda u: f"AKIA{u}QRSTUVWX"),
    "aws-session-key-id": _same(lambda u: f"ASIA{u}QRSTUVWX"),
    "slack-bot": _same(lambda u: f"xoxb-1234567890-{u}-abcdefghij"),
    "slack-user": _same(lambda u: f"xoxp-1234567890-{u}-abcdefghij"),
    "jwt": _same(lambda u: f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIi{u}OiIxMjM0In0.{u}sIgNaTuRe_0"),
    "aws-secret-named": lambda u, c: (
        f"aws_secret_access_key={u}wJalrXUtnFEMI/K7MDENG/bPxRfiCYz",
        f"{u}wJalrXUtnFEMI/K7MDENG/bPxRfiCYz",
    ),
    "bearer-lower": lambda u, c: (f"bearer {u.lower()}.tok3n", f"{u.lower()}.tok3n"),
    "bearer-upper": lambda u, c: (f"BEARER {u.lower()}.tok3n", f"{u.lower()}.tok3n"),
    "url-userinfo": lambda u, c: (
        f"https://probe:pw{u}Hunter2@db.internal.test/v1",
        f"pw{u}Hunter2",
    ),
}

#: kind -> environment variable name pattern ({} is the channel): values with no shape at all,
#: secret only because of their variable's name.
ENV_NAMED = {
    "env-token": "PROBE_{}_TOKEN",
    "env-key": "PROBE_{}_KEY",
    "env-secret": "PROBE_{}_SECRET",
    "env-password": "PROBE_{}_DB_PASSWORD_VALUE",
    "env-aws": "AWS_SECRET_ACCESS_KEY_{}",
}

KINDS = [*SHAPED, *ENV_NAMED]

#: Header names whose value is a credential (values with no shape), one list per stack.
SECRET_HEADER_NAMES = [
    "x-goog-api-key",
    "x-amz-security-token",
    "openai-organization",
    "openai-project",
    "anthropic-api-key",
    "api-key",
    "proxy-authorization",
    "cookie",
    "ocp-apim-subscription-key",
]
#: Query parameters whose value is a credential.
SECRET_QUERY_NAMES = [
    "key",
    "token",
    "access_token",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
    "subscription-key",
    "api-key",
]
#: Body fields whose value is a credential.
SECRET_BODY_NAMES = ["api_key", "password", "client_secret", "access_token"]


def place(kind: str, channel: str) -> Placed:
    """One placement of ``kind`` in ``channel``, unique in this process."""
    u = uid()
    if kind in SHAPED:
        text, secret = SHAPED[kind](u, channel)
        return Placed(kind, channel, text, secret)
    name = ENV_NAMED[kind].format(channel.upper().replace("-", "_"))
    value = f"zeta{u.lower()}quux"
    return Placed(kind, channel, value, value, env=((name, value),))


def place_all(channel: str, kinds: Iterable[str] = KINDS) -> list[Placed]:
    """Every kind, in one channel."""
    return [place(kind, channel) for kind in kinds]


def named(channel: str, names: Iterable[str]) -> dict[str, Placed]:
    """Credentials under secret names (header, query parameter, body field): name -> placement."""
    out = {}
    for name in names:
        value = f"val{uid()}9Zq"
        out[name] = Placed(f"name:{name}", channel, value, value)
    return out


def joined(placed: Iterable[Placed]) -> str:
    """The placements' texts in one line of prose."""
    return "see " + " and ".join(p.text for p in placed) + " ok"


def set_env(monkeypatch: object, placed: Iterable[Placed]) -> None:
    """Set the environment variables the placements need."""
    for p in placed:
        for name, value in p.env:
            monkeypatch.setenv(name, value)  # type: ignore[attr-defined]


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in sorted(root.rglob("*")) if p.is_file())


def leaks(placed: Iterable[Placed], texts: Iterable[str]) -> list[str]:
    """``kind in channel`` for each placement whose secret is found in any of ``texts``."""
    everything = "\n".join(texts)
    return [f"{p.kind} in {p.channel}" for p in placed if p.secret in everything]


def written(*roots: Path) -> list[str]:
    """The text of every file under ``roots``."""
    return [p.read_text(errors="replace") for p in files_under(*roots)]
