"""Rate-limit headers, as the real APIs send them on every response.

Clients and the seed framework's providers read them (to pace themselves, to log headroom). A
fake counts the requests it answered and the tokens its replies used against its limits
(``rate_limits=`` on the fake: ``{"requests": ..., "tokens": ...}``; defaults below) and sends
what is left in its API's header names: OpenAI's ``x-ratelimit-{limit,remaining,reset}-
{requests,tokens}``, Anthropic's ``anthropic-ratelimit-{requests,tokens}-{limit,remaining,
reset}``. A scripted ``Fail.rate_limit`` answers with nothing remaining.

Example:
    >>> limits = RateLimits({"requests": 3})
    >>> limits.spend(tokens=10)
    >>> limits.spend(requests=1)
    >>> dict(limits.headers("openai"))["x-ratelimit-remaining-requests"]
    '2'
    >>> limits.remaining("tokens")
    1999990
"""

from __future__ import annotations

from collections.abc import Mapping

from llm_fakes.errors import ScriptError

__all__ = ["DEFAULT_LIMITS", "RateLimits"]

#: A generous tier: no test hits it unless it sets its own.
DEFAULT_LIMITS = {"requests": 10_000, "tokens": 2_000_000}
#: When a window resets, in each API's words (a fixed time keeps recordings byte-stable).
_RESET_OPENAI = "1s"
_RESET_ANTHROPIC = "2026-01-01T00:01:00Z"


class RateLimits:
    """The limits of one fake and what its answers have used."""

    def __init__(self, limits: Mapping[str, int] | None = None) -> None:
        given = dict(limits or {})
        unknown = sorted(set(given) - set(DEFAULT_LIMITS))
        if unknown or any(not isinstance(v, int) or v < 0 for v in given.values()):
            raise ScriptError(
                f"rate_limits= takes {{'requests': int, 'tokens': int}} (each >= 0), got "
                f"{limits!r}. Give the per-window limits the headers should report."
            )
        self.limits = {**DEFAULT_LIMITS, **given}
        self.used = {"requests": 0, "tokens": 0}

    def spend(self, requests: int = 0, tokens: int = 0) -> None:
        """Count answered requests and the tokens they used."""
        self.used["requests"] += requests
        self.used["tokens"] += max(0, tokens)

    def remaining(self, kind: str) -> int:
        """What is left of ``"requests"`` or ``"tokens"``."""
        return max(0, self.limits[kind] - self.used[kind])

    def headers(self, api: str, exhausted: bool = False) -> list[tuple[str, str]]:
        """The headers in the API's names (``"openai"`` or ``"anthropic"``)."""
        out: list[tuple[str, str]] = []
        for kind in ("requests", "tokens"):
            left = 0 if exhausted else self.remaining(kind)
            limit = str(self.limits[kind])
            if api == "anthropic":
                prefix = f"anthropic-ratelimit-{kind}"
                out += [
                    (f"{prefix}-limit", limit),
                    (f"{prefix}-remaining", str(left)),
                    (f"{prefix}-reset", _RESET_ANTHROPIC),
                ]
            else:
                out += [
                    (f"x-ratelimit-limit-{kind}", limit),
                    (f"x-ratelimit-remaining-{kind}", str(left)),
                    (f"x-ratelimit-reset-{kind}", _RESET_OPENAI),
                ]
        return out
