"""The ``LLMProvider`` abstraction, call-compatible with the seed framework's.

A subclass must implement :meth:`LLMProvider.complete`. It then gets :meth:`acomplete` (``complete``
run in the default executor, so the event loop never blocks) and :meth:`stream` (synthetic events
built from ``acomplete``: text, tool calls, text end, finish) for free.

Example:
    >>> class Echo(LLMProvider):
    ...     def complete(self, messages, system="", tools=None, max_tokens=1024,
    ...                  response_format=None, json_mode=False, max_retries=None):
    ...         return LLMResponse(content=messages[-1]["content"], model="echo")
    >>> Echo().complete([{"role": "user", "content": "hi"}]).content
    'hi'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from functools import partial
from typing import TYPE_CHECKING, Any

from llm_fakes.errors import ProviderError
from llm_fakes.types import LLMResponse, Tool
from llm_fakes.typeset import TypeSet, resolve_types, tool_uses_of

if TYPE_CHECKING:
    from llm_fakes.events import StreamEvent

__all__ = ["LLMProvider", "events_from_response"]


class LLMProvider(ABC):
    """Abstract LLM provider: plug in any backend.

    ``types`` (an attribute a subclass may set, or ``None`` for the project-wide default) names
    the classes the default ``stream`` builds its events from; see :mod:`llm_fakes.typeset`.
    """

    types: TypeSet | None = None

    @abstractmethod
    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        """Generate a completion.

        Args:
            messages: OpenAI-style history ``[{"role": ..., "content": ...}, ...]``.
            system: The system prompt.
            tools: Tools the model may call.
            max_tokens: The most tokens to generate.
            response_format: ``{"type": "json_object"}`` or ``{"type": "json_schema", ...}``.
            json_mode: Ask for a JSON object.
            max_retries: Retries for transient failures; ``None`` means the provider's default.
        """

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        """Async ``complete``; by default runs ``complete`` in the loop's executor."""
        import asyncio  # deferred: keeps `import llm_fakes` (and the pytest plugin) cheap

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None,
            partial(
                self.complete,
                messages=messages,
                system=system,
                tools=tools,
                max_tokens=max_tokens,
                response_format=response_format,
                json_mode=json_mode,
                max_retries=max_retries,
            ),
        )

    async def stream(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 4096,
    ) -> AsyncIterator[StreamEvent]:
        """Stream a completion as events; by default synthesised from ``acomplete``.

        A provider error ends the stream with one ``StreamErrorEvent`` whose ``recoverable``
        is the error's ``retryable`` flag.
        """
        types = resolve_types(self.types)
        try:
            response = await self.acomplete(
                messages=messages, system=system, tools=tools, max_tokens=max_tokens
            )
        except ProviderError as exc:
            yield types.error_event(exc)
            return
        for event in events_from_response(response, types):
            yield event


def events_from_response(response: Any, types: TypeSet | None = None) -> list[Any]:
    """The synthetic event sequence for a finished response.

    Text (one delta), then one ``ToolCallEvent`` per tool use, then ``TextEndEvent`` (only when
    there was text), then ``FinishEvent``: the order the seed framework's streaming provider uses.

    Example:
        >>> [e.type for e in events_from_response(LLMResponse(content="hi", model="m"))]
        ['text_delta', 'text_end', 'finish']
    """
    ts = types or resolve_types(None)
    out: list[Any] = []
    text = response.content
    if text:
        out.append(ts.event("TextDeltaEvent", content=text, snapshot=text))
    for use in tool_uses_of(response):
        out.append(
            ts.event("ToolCallEvent", tool_use_id=use.id, tool_name=use.name, tool_input=use.input)
        )
    if text:
        out.append(ts.event("TextEndEvent", full_text=text))
    out.append(
        ts.event(
            "FinishEvent",
            stop_reason=response.stop_reason,
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            cached_tokens=getattr(response, "cached_tokens", 0) or 0,
            model=response.model,
        )
    )
    return out
