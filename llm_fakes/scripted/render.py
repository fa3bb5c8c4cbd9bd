"""Turn a scripted :class:`Reply` into one concrete outcome, and that outcome into events.

:func:`render` resolves everything a reply leaves open (tool-call ids, model, stop reason, token
counts, chunk boundaries) once, deterministically; :meth:`Rendered.response` and
:meth:`Rendered.events` then give the ``complete`` and ``stream`` views of the *same* outcome, so
SPEC S1–S5 hold by construction. The fake HTTP servers serialise a :class:`Rendered` to the wire.

Example:
    >>> r = render(Reply(text="Hello big world"), [], call_index=0, default_model="m")
    >>> r.text_chunks
    ('Hello ', 'big ', 'world')
    >>> [e.type for e in r.events()]
    ['text_delta', 'text_delta', 'text_delta', 'text_end', 'finish']
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from llm_fakes.errors import ScriptError
from llm_fakes.scripted.turns import Reply
from llm_fakes.types import ToolUse
from llm_fakes.typeset import TypeSet, resolve_types

__all__ = ["Chunking", "Rendered", "chunk_text", "estimate_tokens", "render", "request_text"]

#: How text is split when streamed: by ``"words"`` (default; each chunk keeps its trailing
#: whitespace), by ``"chars"``, or in fixed-size pieces of ``int`` characters.
Chunking = Literal["words", "chars"] | int

_WORDS = re.compile(r"\s*\S+\s*|\s+")


def chunk_text(text: str, chunking: Chunking = "words") -> list[str]:
    """Split ``text`` into stream chunks that join back to ``text``.

    Example:
        >>> chunk_text("ab cd", "words"), chunk_text("abc", 2), chunk_text("ab", "chars")
        (['ab ', 'cd'], ['ab', 'c'], ['a', 'b'])
    """
    if not text:
        return []
    if chunking == "words":
        return _WORDS.findall(text)
    if chunking == "chars":
        return list(text)
    if isinstance(chunking, int) and not isinstance(chunking, bool) and chunking > 0:
        return [text[i : i + chunking] for i in range(0, len(text), chunking)]
    raise ScriptError(f"chunking must be 'words', 'chars' or an int > 0, got {chunking!r}")


def estimate_tokens(text: str) -> int:
    """The documented deterministic token estimate: ``ceil(len(text) / 4)``.

    Example:
        >>> estimate_tokens(""), estimate_tokens("abcd"), estimate_tokens("abcde")
        (0, 1, 2)
    """
    return (len(text) + 3) // 4


def request_text(messages: Sequence[dict[str, Any]], system: str = "") -> str:
    """The text of a request that the input-token estimate counts."""
    parts = [system]
    for m in messages:
        content = m.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif content is not None:
            parts.append(json.dumps(content, ensure_ascii=False, sort_keys=True))
        for call in m.get("tool_calls") or ():
            fn = call.get("function", {}) if isinstance(call, dict) else {}
            parts.append(str(fn.get("name", "")) + str(fn.get("arguments", "")))
    return "".join(parts)


@dataclass(frozen=True, kw_only=True)
class Rendered:
    """One concrete, fully resolved reply."""

    text: str
    reasoning: str
    tool_uses: tuple[ToolUse, ...]
    stop_reason: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    text_chunks: tuple[str, ...]
    reasoning_chunks: tuple[str, ...]

    def response(self, types: TypeSet | None = None, raw_response: Any = None) -> Any:
        """The ``LLMResponse`` view (in ``types``' classes; the project default when ``None``)."""
        ts = types or resolve_types(None)
        return ts.response(
            content=self.text,
            model=self.model,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            stop_reason=self.stop_reason,
            raw_response=raw_response,
            tool_uses=self.tool_uses,
        )

    def events(
        self, types: TypeSet | None = None, text_chunk_limit: int | None = None
    ) -> list[Any]:
        """The ``stream`` view: reasoning, text deltas, tool calls, text end, finish.

        With ``text_chunk_limit=k`` only the reasoning and the first ``k`` text deltas are
        returned (what a stream yields before a mid-stream failure).
        """
        ts = types or resolve_types(None)
        out: list[Any] = []
        if self.reasoning_chunks:
            out.append(ts.event("ReasoningStartEvent"))
            out.extend(ts.event("ReasoningDeltaEvent", content=c) for c in self.reasoning_chunks)
        snapshot = ""
        chunks = self.text_chunks
        if text_chunk_limit is not None:
            chunks = chunks[:text_chunk_limit]
        for chunk in chunks:
            snapshot += chunk
            out.append(ts.event("TextDeltaEvent", content=chunk, snapshot=snapshot))
        if text_chunk_limit is not None:
            return out
        for use in self.tool_uses:
            out.append(
                ts.event(
                    "ToolCallEvent", tool_use_id=use.id, tool_name=use.name, tool_input=use.input
                )
            )
        if self.text:
            out.append(ts.event("TextEndEvent", full_text=self.text))
        out.append(
            ts.event(
                "FinishEvent",
                stop_reason=self.stop_reason,
                input_tokens=self.input_tokens,
                output_tokens=self.output_tokens,
                cached_tokens=self.cached_tokens,
                model=self.model,
            )
        )
        return out


def render(
    reply: Reply,
    messages: Sequence[dict[str, Any]],
    *,
    system: str = "",
    call_index: int,
    default_model: str,
    chunking: Chunking = "words",
    id_prefix: str = "call_",
) -> Rendered:
    """Resolve ``reply`` for one call.

    Generated tool-call ids are ``f"{id_prefix}{call_index}_{i}"``: stable across runs, unique
    within a session.
    """
    text = reply.content
    uses = tuple(
        ToolUse(
            id=call.id if call.id is not None else f"{id_prefix}{call_index}_{i}",
            name=call.name,
            input=call.input,
        )
        for i, call in enumerate(reply.tool_calls)
    )
    reasoning = reply.reasoning or ""
    if reply.output_tokens is not None:
        output_tokens = reply.output_tokens
    else:
        args = "".join(json.dumps(u.input, ensure_ascii=False) for u in uses)
        output_tokens = estimate_tokens(text + reasoning + args)
    if reply.input_tokens is not None:
        input_tokens = reply.input_tokens
    else:
        input_tokens = estimate_tokens(request_text(messages, system))
    if reply.chunks is not None:
        text_chunks = tuple(reply.chunks)
    else:
        text_chunks = tuple(chunk_text(text, chunking))
    return Rendered(
        text=text,
        reasoning=reasoning,
        tool_uses=uses,
        stop_reason=reply.stop_reason or ("tool_calls" if uses else "stop"),
        model=reply.model or default_model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=reply.cached_tokens,
        text_chunks=text_chunks,
        reasoning_chunks=tuple(chunk_text(reasoning, chunking)),
    )
