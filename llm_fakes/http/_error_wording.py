"""What the real APIs say in their error bodies, per status: the fakes' wording for a scripted
failure that keeps the kit's default message.

Clients classify errors by more than the status: litellm reads the message too (an OpenAI
``invalid_request_error`` whose text lacks "Incorrect API key provided" is a ``BadRequestError``
in litellm 1.83, whatever the status). So a ``Fail.auth()`` answered "invalid api key" would be
judged as the fake's invention, not the API's. A failure scripted with its own message keeps it.

One table per API, kept here in one place (to move into each API's wire module with issue 18).

Example:
    >>> real_message("openai", "auth", "invalid api key")[:27]
    'Incorrect API key provided:'
    >>> real_message("openai", "auth", "my own words")
    'my own words'
"""

from __future__ import annotations

__all__ = ["KIT_DEFAULTS", "real_message"]

#: The messages ``Fail``'s constructors give when the script names none.
KIT_DEFAULTS = frozenset(
    {
        "rate limited",
        "overloaded",
        "internal server error",
        "request timed out",
        "bad request",
        "invalid api key",
    }
)

_OPENAI: dict[str, str] = {
    "auth": "Incorrect API key provided: sk-llmfa*********kes0. You can find your API key at "
    "https://platform.openai.com/account/api-keys.",
    "rate_limit": "Rate limit reached for requests. Visit "
    "https://platform.openai.com/account/rate-limits to learn more.",
    "overloaded": "The engine is currently overloaded, please try again later",
    "server:500": "The server had an error while processing your request. Sorry about that!",
    "timeout": "Request timed out.",
}

_ANTHROPIC: dict[str, str] = {
    "auth": "invalid x-api-key",
    "rate_limit": "Number of requests has exceeded your per-minute rate limit "
    "(https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. "
    "Please reduce the prompt length or the maximum tokens requested, or try again later.",
    "overloaded": "Overloaded",
    "server:500": "Internal server error",
    "timeout": "Request timed out",
}

_WORDING = {"openai": _OPENAI, "anthropic": _ANTHROPIC}


def real_message(api: str, kind: str, message: str, status: int | None = None) -> str:
    """The API's own wording for an error of ``kind`` (and ``status``), when ``message`` is the
    kit's default; ``message`` itself otherwise (or when the API's wording is not known)."""
    if message not in KIT_DEFAULTS:
        return message
    table = _WORDING.get(api, {})
    return table.get(f"{kind}:{status}") or table.get(kind) or message
