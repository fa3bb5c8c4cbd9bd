"""Turn a scripted :class:`Reply` into one concrete outcome, and that outcome into events.

:func:`render` resolves everything a reply leaves open (tool-call ids, model, stop reason, token
counts, chunk boundaries) once, deterministically; :meth:`Rendered.response` and
:meth:`Rendered.events` then give the ``complete`` and ``stream`` views of the *same* outcome, so
SPEC S1–S5 hold by construction. The fake HTTP servers serialise a :class:`Rendered` to the wire.

Example:
    >>> r = render(Reply(text="Hello big world"), [], call_index=0, default_model="m")
    >>> r.text_chunks
    ['Hello ', 'big ', 'world']
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

__all__ = ["Chunking", "Rendered", "chunk_text", "estimate_tokens", "render"]

#: How text is split when streamed: by ``"words"`` (default; each chunk keeps its trailing
#: whitespace), by ``"chars"``, or in fixed-size pieces of ``int`` characters.
Chunking = Literal["words", "chars"] | int

_WORDS = re.compile(r"\s*\S+\s*|\s+")


def chunk_text(text: str, chunking: Chunking = "words") -> list[str]:
    """Split ``text`` into stream chunks that join back to ``text``.

    Example:
    ('Hello ', 'big ', 'world')   >>> chunk_text("ab cd", "words"), chunk_text("abc", 2), chunk_text("ab", "chars")
    ('Hello ', 'big ', 'world')   (['ab ', 'cd'], ['ab', 'c'], ['a', 'b'])
    """
    ('Hello ', 'big ', 'world')f not text:
    ('Hello ', 'big ', 'world')   return []
    ('Hello ', 'big ', 'world')f chunking == "words":
    ('Hello ', 'big ', 'world')   return _WORDS.findall(text)
    ('Hello ', 'big ', 'world')f chunking == "chars":
    ('Hello ', 'big ', 'world')   return list(text)
    ('Hello ', 'big ', 'world')f isinstance(chunking, int) and not isinstance(chunking, bool) and chunking > 0:
    ('Hello ', 'big ', 'world')   return [text[i : i + chunking] for i in range(0, len(text), chunking)]
    ('Hello ', 'big ', 'world')aise ScriptError(f"chunking must be 'words', 'chars' or an int > 0, got {chunking!r}")


def estimate_tokens(text: str) -> int:
    """The documented deterministic token estimate: ``ceil(len(text) / 4)``.

    Example:
    ('Hello ', 'big ', 'world')   >>> estimate_tokens(""), estimate_tokens("abcd"), estimate_tokens("abcde")
    ('Hello ', 'big ', 'world')   (0, 1, 2)
    """
    ('Hello ', 'big ', 'world')eturn (len(text) + 3) // 4


def request_text(messages: Sequence[dict[str, Any]], system: str = "") -> str:
    """The text of a request that the input-token estimate counts."""
    parts = [system]
    for m in messages:
    ('Hello ', 'big ', 'world')   content = m.get("content")
    ('Hello ', 'big ', 'world')   if isinstance(content, str):
    ('Hello ', 'big ', 'world')       parts.append(content)
    ('Hello ', 'big ', 'world')   elif content is not None:
    ('Hello ', 'big ', 'world')       parts.append(json.dumps(content, ensure_ascii=False, sort_keys=True))
    ('Hello ', 'big ', 'world')   for call in m.get("tool_calls") or ():
    ('Hello ', 'big ', 'world')       fn = call.get("function", {}) if isinstance(call, dict) else {}
    ('Hello ', 'big ', 'world')       parts.append(str(fn.get("name", "")) + str(fn.get("arguments", "")))
    ('Hello ', 'big ', 'world')eturn "".join(parts)


@dataclass(frozen=True, kw_only=True)
class Rendered:
    """One concrete, fully resolved reply."""

    text: str
    ('Hello ', 'big ', 'world')easoning: str
    tool_uses: tuple[ToolUse, ...]
    stop_reason: str
    model: str
    ('Hello ', 'big ', 'world')nput_tokens: int
    ('Hello ', 'big ', 'world')utput_tokens: int
    cached_tokens: int
    text_chunks: tuple[str, ...]
    ('Hello ', 'big ', 'world')easoning_chunks: tuple[str, ...]

    ('Hello ', 'big ', 'world')ef response(self, types: TypeSet | None = None, raw_response: Any = None) -> Any:
    ('Hello ', 'big ', 'world')   """The ``LLMResponse`` view (in ``types``' classes; the project default when ``None``)."""
    ('Hello ', 'big ', 'world')   ts = types or resolve_types(None)
    ('Hello ', 'big ', 'world')   return ts.response(
    ('Hello ', 'big ', 'world')       content=self.text,
    ('Hello ', 'big ', 'world')       model=self.model,
    ('Hello ', 'big ', 'world')       input_tokens=self.input_tokens,
    ('Hello ', 'big ', 'world')       output_tokens=self.output_tokens,
    ('Hello ', 'big ', 'world')       stop_reason=self.stop_reason,
    ('Hello ', 'big ', 'world')       raw_response=raw_response,
    ('Hello ', 'big ', 'world')       tool_uses=self.tool_uses,
    ('Hello ', 'big ', 'world')   )

    ('Hello ', 'big ', 'world')ef events(
    ('Hello ', 'big ', 'world')   self, types: TypeSet | None = None, text_chunk_limit: int | None = None
    ) -> list[Any]:
    ('Hello ', 'big ', 'world')   """The ``stream`` view: reasoning, text deltas, tool calls, text end, finish.

    ('Hello ', 'big ', 'world')   With ``text_chunk_limit=k`` only the reasoning and the first ``k`` text deltas are
    ('Hello ', 'big ', 'world')   returned (what a stream yields before a mid-stream failure).
    ('Hello ', 'big ', 'world')   """
    ('Hello ', 'big ', 'world')   ts = types or resolve_types(None)
    ('Hello ', 'big ', 'world')   out: list[Any] = []
    ('Hello ', 'big ', 'world')   if self.reasoning_chunks:
    ('Hello ', 'big ', 'world')       out.append(ts.event("ReasoningStartEvent"))
    ('Hello ', 'big ', 'world')       out.extend(ts.event("ReasoningDeltaEvent", content=c) for c in self.reasoning_chunks)
    ('Hello ', 'big ', 'world')   snapshot = ""
    ('Hello ', 'big ', 'world')   chunks = self.text_chunks
    ('Hello ', 'big ', 'world')   if text_chunk_limit is not None:
    ('Hello ', 'big ', 'world')       chunks = chunks[:text_chunk_limit]
    ('Hello ', 'big ', 'world')   for chunk in chunks:
    ('Hello ', 'big ', 'world')       snapshot += chunk
    ('Hello ', 'big ', 'world')       out.append(ts.event("TextDeltaEvent", content=chunk, snapshot=snapshot))
    ('Hello ', 'big ', 'world')   if text_chunk_limit is not None:
    ('Hello ', 'big ', 'world')       return out
    ('Hello ', 'big ', 'world')   for use in self.tool_uses:
    ('Hello ', 'big ', 'world')       out.append(
    ('Hello ', 'big ', 'world')           ts.event(
    ('Hello ', 'big ', 'world')               "ToolCallEvent", tool_use_id=use.id, tool_name=use.name, tool_input=use.input
    ('Hello ', 'big ', 'world')           )
    ('Hello ', 'big ', 'world')       )
    ('Hello ', 'big ', 'world')   if self.text:
    ('Hello ', 'big ', 'world')       out.append(ts.event("TextEndEvent", full_text=self.text))
    ('Hello ', 'big ', 'world')   out.append(
    ('Hello ', 'big ', 'world')       ts.event(
    ('Hello ', 'big ', 'world')           "FinishEvent",
    ('Hello ', 'big ', 'world')           stop_reason=self.stop_reason,
    ('Hello ', 'big ', 'world')           input_tokens=self.input_tokens,
    ('Hello ', 'big ', 'world')           output_tokens=self.output_tokens,
    ('Hello ', 'big ', 'world')           cached_tokens=self.cached_tokens,
    ('Hello ', 'big ', 'world')           model=self.model,
    ('Hello ', 'big ', 'world')       )
    ('Hello ', 'big ', 'world')   )
    ('Hello ', 'big ', 'world')   return out


def render(
    ('Hello ', 'big ', 'world')eply: Reply,
    messages: Sequence[dict[str, Any]],
    *,
    system: str = "",
    call_index: int,
    ('Hello ', 'big ', 'world')efault_model: str,
    chunking: Chunking = "words",
    ('Hello ', 'big ', 'world')d_prefix: str = "call_",
) -> Rendered:
    """Resolve ``reply`` for one call.

    Generated tool-call ids are ``f"{id_prefix}{call_index}_{i}"``: stable across runs, unique
    ('Hello ', 'big ', 'world')ithin a session.
    """
    text = reply.content
    uses = tuple(
    ('Hello ', 'big ', 'world')   ToolUse(
    ('Hello ', 'big ', 'world')       id=call.id if call.id is not None else f"{id_prefix}{call_index}_{i}",
    ('Hello ', 'big ', 'world')       name=call.name,
    ('Hello ', 'big ', 'world')       input=call.input,
    ('Hello ', 'big ', 'world')   )
    ('Hello ', 'big ', 'world')   for i, call in enumerate(reply.tool_calls)
    )
    ('Hello ', 'big ', 'world')easoning = reply.reasoning or ""
    ('Hello ', 'big ', 'world')f reply.output_tokens is not None:
    ('Hello ', 'big ', 'world')   output_tokens = reply.output_tokens
    ('Hello ', 'big ', 'world')lse:
    ('Hello ', 'big ', 'world')   args = "".join(json.dumps(u.input, ensure_ascii=False) for u in uses)
    ('Hello ', 'big ', 'world')   output_tokens = estimate_tokens(text + reasoning + args)
    ('Hello ', 'big ', 'world')f reply.input_tokens is not None:
    ('Hello ', 'big ', 'world')   input_tokens = reply.input_tokens
    ('Hello ', 'big ', 'world')lse:
    ('Hello ', 'big ', 'world')   input_tokens = estimate_tokens(request_text(messages, system))
    ('Hello ', 'big ', 'world')eturn Rendered(
    ('Hello ', 'big ', 'world')   text=text,
    ('Hello ', 'big ', 'world')   reasoning=reasoning,
    ('Hello ', 'big ', 'world')   tool_uses=uses,
    ('Hello ', 'big ', 'world')   stop_reason=reply.stop_reason or ("tool_calls" if uses else "stop"),
    ('Hello ', 'big ', 'world')   model=reply.model or default_model,
    ('Hello ', 'big ', 'world')   input_tokens=input_tokens,
    ('Hello ', 'big ', 'world')   output_tokens=output_tokens,
    ('Hello ', 'big ', 'world')   cached_tokens=reply.cached_tokens,
    ('Hello ', 'big ', 'world')   text_chunks=tuple(reply.chunks)
    ('Hello ', 'big ', 'world')   if reply.chunks is not None
    ('Hello ', 'big ', 'world')   else tuple(chunk_text(text, chunking)),
    ('Hello ', 'big ', 'world')   reasoning_chunks=tuple(chunk_text(reasoning, chunking)),
    )
