"""What one example of a property is: the script the backend plays and the calls the suite makes.

A :class:`Case` prints as the minimal counter-example when a property fails, so its ``describe``
reads like the test a user would write to reproduce the failure.

Example:
    >>> from llm_fakes.scripted.turns import Reply
    >>> req = CallRequest(messages=[{"role": "user", "content": "hi"}])
    >>> print(Case(script=(Reply(text="yo"),), request=req).describe())
    script: [Reply(text='yo')]
    request: messages=[{'role': 'user', 'content': 'hi'}]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llm_fakes.scripted.turns import Fail, Reply
from llm_fakes.types import Tool

__all__ = ["BackendOptions", "CallRequest", "Case"]


@dataclass(frozen=True, kw_only=True)
class CallRequest:
    """The request part of a call: what ``complete``, ``acomplete`` and ``stream`` all take."""

    messages: list[dict[str, Any]]
    system: str = ""
    tools: list[Tool] | None = None
    max_tokens: int = 1024

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for any of the three methods."""
        return {
            "messages": self.messages,
            "system": self.system,
            "tools": self.tools,
            "max_tokens": self.max_tokens,
        }

    def describe(self) -> str:
        """The arguments that differ from the defaults."""
        parts = [f"messages={self.messages!r}"]
        if self.system:
            parts.append(f"system={self.system!r}")
        if self.tools is not None:
            shown = [
                f"Tool({t.name!r}, {t.description!r}, parameters={t.parameters!r})"
                for t in self.tools
            ]
            parts.append(f"tools=[{', '.join(shown)}]")
        if self.max_tokens != 1024:
            parts.append(f"max_tokens={self.max_tokens!r}")
        return ", ".join(parts)


@dataclass(frozen=True, kw_only=True)
class BackendOptions:
    """How the backend plays its script in one example.

    Attributes:
        real_time: Run the example in real time: the real clock, and no virtual time for the
            provider (C3 and S7 measure real time); otherwise a fresh virtual clock that never
            sleeps, and the provider's own waits go to it too (see
            :mod:`llm_fakes.contract.virtual_time`).
        latency: Seconds every backend door waits before answering (real time only).
        chunk_delay: Real seconds between streamed chunks at the HTTP doors (S7: a loopback
            server still streaming to a client that walked away is a leak).
        byte_splits: Re-split the HTTP doors' response bytes into pieces of these sizes (cycled),
            cutting inside UTF-8 characters and SSE lines; empty means as the fake sends them.
    """

    real_time: bool = False
    latency: float = 0.0
    chunk_delay: float = 0.0
    byte_splits: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Case:
    """One generated example: the script, the request, and property-specific parameters."""

    script: tuple[Reply | Fail, ...]
    request: CallRequest
    params: Mapping[str, Any] = field(default_factory=dict)
    backend: BackendOptions = BackendOptions()
    #: Shown instead of the script when the script is long and fixed (not generated).
    summary: str = ""

    def describe(self) -> str:
        """A readable counter-example."""
        lines = [self.summary or f"script: [{', '.join(repr(t) for t in self.script)}]"]
        lines.append(f"request: {self.request.describe()}")
        lines.extend(f"{k}: {v!r}" for k, v in self.params.items())
        if self.backend.byte_splits:
            lines.append(f"wire bytes re-split into pieces of {list(self.backend.byte_splits)!r}")
        return "\n".join(lines)
