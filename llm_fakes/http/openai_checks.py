"""What the OpenAI Chat Completions API refuses in a request's shape, in its own words.

``FakeOpenAI`` answers these with a 400; :class:`~llm_fakes.ScriptedProvider`, whose messages
are OpenAI-style, raises the same :class:`~llm_fakes.errors.BadRequestError` with the same words
(:func:`seed_request_problem`). Plain stdlib, so the scripted fake stays cheap to import.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ROLES", "max_tokens_problem", "role_problem", "seed_request_problem"]

#: The message roles Chat Completions accepts.
ROLES = ("system", "developer", "user", "assistant", "tool")


def role_problem(i: int, m: Any) -> str | None:
    """The message for ``messages[i]`` when it has no role Chat Completions knows, else ``None``."""
    if not isinstance(m, dict) or m.get("role") not in ROLES:
        role = m.get("role") if isinstance(m, dict) else m
        return f"Invalid value for 'messages[{i}].role': {role!r}. Supported: {list(ROLES)!r}."
    return None


def max_tokens_problem(key: str, value: Any) -> str | None:
    """The message for a ``max_tokens`` (or ``max_completion_tokens``) that is not an int >= 1."""
    if value is not None and (not isinstance(value, int) or value < 1):
        return f"Invalid '{key}': integer below minimum value 1 (got {value!r})."
    return None


def seed_request_problem(messages: list[Any], system: str, max_tokens: Any) -> str | None:
    """The 400 message ``FakeOpenAI`` answers a seed-style request's shape with, or ``None``.

    :class:`~llm_fakes.ScriptedProvider` refuses the same requests with the same words (its
    messages are OpenAI-style): a message without a known role, a ``max_tokens`` that is not an
    integer >= 1. (No messages at all, or the conversation's order, such as a tool result no
    tool call asked for, is the fake servers' to check: the scripted fake takes any history.)

    Example:
        >>> seed_request_problem([{"content": "hi"}], "", 10)
        "Invalid value for 'messages[0].role': None. Supported: ['system', 'developer', \
'user', 'assistant', 'tool']."
        >>> seed_request_problem([{"role": "user", "content": "hi"}], "", 10) is None
        True
    """
    problem = max_tokens_problem("max_tokens", max_tokens)
    if problem is not None:
        return problem
    offset = 1 if system else 0  # on the wire the system prompt is messages[0]
    for i, m in enumerate(messages):
        if type(m) is not dict or m.get("role") not in ROLES:
            return role_problem(i + offset, m)
    return None
