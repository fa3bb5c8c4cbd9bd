"""What the request asked for, applied to a scripted reply as the real API applies it.

A real model answers *within* the request: it stops at the output-token budget, stops at a stop
sequence, calls only the tools it was given, calls none under ``tool_choice="none"``, one at a
time when parallel calls are off, thinks only when thinking was asked for, and reads a prompt
cache only when the request marked one. :class:`RequestTerms` is that part of a request, in the
same words for every API (each wire format reads its own body into one); :func:`honour` turns a
scripted :class:`~llm_fakes.scripted.turns.Reply` into the reply the real API could send:

* **cut**, as the API cuts: the text at the first stop sequence (stop reason ``"stop"``, the
  sequence in ``Reply.stop_sequence``), then reasoning, text and tool arguments at the budget of
  ``4 * max_tokens`` characters (the kit's token estimate; stop reason ``"length"``, the usage
  ``output_tokens`` equal to the budget, calls that do not fit dropped);
* **refused**, with a :class:`~llm_fakes.errors.ScriptError`, when the request makes the reply
  impossible: a call to a tool the request did not declare, calls under ``tool_choice="none"``,
  no call (or another tool) when the request forced one, several calls with parallel calls off,
  reasoning when thinking was not asked for, cache reads when nothing was marked for caching,
  more ``output_tokens`` than the budget. The message names the turn, what the request declared
  and how to fix the script.

``Reply(defies_request=True)`` opts a turn out of both: it is served exactly as scripted, for a
test of how the code copes with a model (or proxy) that misbehaves.

A term the API or interface does not carry is ``None`` (not checked): the scripted provider's
interface has tools and ``max_tokens`` but no ``tool_choice`` or stop sequences.

Example:
    >>> from llm_fakes.scripted.turns import Reply, ToolCall
    >>> terms = RequestTerms(max_tokens=2, stop=("!",))
    >>> honour(Reply(text="Hi! How are you?"), terms, "queue[0]").text
    'Hi'
    >>> cut = honour(Reply(text="Hello there, friend"), terms, "queue[0]")
    >>> cut.text, cut.stop_reason, cut.output_tokens
    ('Hello th', 'length', 2)
    >>> honour(Reply(tool_calls=[ToolCall("search")]), RequestTerms(tools=("lookup",)), "queue[1]")
    Traceback (most recent call last):
    ...
    llm_fakes.errors.ScriptError: The scripted turn queue[1] calls tool 'search', ...
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from llm_fakes.errors import ScriptError
from llm_fakes.scripted.turns import Reply
from llm_fakes.wire.terms import (
    CHARS_PER_TOKEN,
    RequestTerms,
    ToolChoice,
    has_key,
    stop_list,
    tool_choice_of,
)

__all__ = [
    "RequestTerms",
    "ToolChoice",
    "check_reply",
    "cut_reply",
    "footprint",
    "has_key",
    "honour",
    "stop_list",
    "tool_choice_of",
]

_OPT_OUT = (
    "Or mark the turn Reply(..., defies_request=True) to test how the code copes with a model "
    "that does this anyway."
)


def footprint(reply: Reply) -> int:
    """The characters of reasoning, text and tool arguments a reply spends of the budget
    (computed once per reply: a cycled or rule turn is replayed).

    Example:
        >>> footprint(Reply(text="abc", reasoning="d"))
        4
    """
    size: int | None = reply.__dict__.get("_footprint")
    if size is None:
        args = "".join(json.dumps(c.input, ensure_ascii=False) for c in reply.tool_calls)
        size = len(reply.content) + len(reply.reasoning or "") + len(args)
        reply.__dict__["_footprint"] = size
    return size


def _problem(reply: Reply, terms: RequestTerms) -> tuple[str, str] | None:
    """(what is impossible, how to fix the script), or ``None``."""
    calls = [c.name for c in reply.tool_calls]
    if terms.tools is not None:
        declared = terms.tools
        for name in calls:
            if name not in declared:
                said = f"declared only {list(declared)!r}" if declared else "declared no tools"
                return (
                    f"calls tool {name!r}, but the request {said}",
                    f"Script a call to a declared tool, or make the code under test send {name!r}"
                    " in its tools.",
                )
        if calls and terms.tool_choice == "none":
            return (
                f"calls {calls!r}, but the request set tool_choice 'none'",
                "Script a text reply for this turn (or make the code under test allow tool calls).",
            )
        if terms.tool_choice == "required" and not calls:
            return (
                "has no tool call, but the request requires one (tool_choice 'required')",
                "Script a ToolCall to one of the declared tools for this turn.",
            )
        if terms.tool_choice == "tool" and calls != [terms.forced_tool]:
            got = f"calls {calls!r}" if calls else "has no tool call"
            return (
                f"{got}, but the request forces one call to {terms.forced_tool!r}",
                f"Script exactly ToolCall({terms.forced_tool!r}, ...) for this turn.",
            )
        if len(calls) > 1 and not terms.parallel_tool_calls:
            return (
                f"makes {len(calls)} tool calls {calls!r}, but the request turned parallel tool "
                "calls off",
                "Script one call per turn (the next request carries its result).",
            )
    if terms.server_tools is not None:
        for hosted in reply.server_tools:
            if hosted.kind not in terms.server_tools:
                return (
                    f"runs the hosted tool {hosted.kind!r}, but the request did not declare it",
                    f"Drop ServerToolCall({hosted.kind!r}) from the turn, or make the code under "
                    "test declare that hosted tool in its tools (the API's own tool type).",
                )
    if terms.thinking is False and reply.reasoning:
        return (
            "has reasoning (thinking), but the request did not ask for thinking",
            "Drop reasoning= from the turn, or make the code under test enable thinking.",
        )
    cache = [
        f"{name}={value}"
        for name, value in (
            ("cached_tokens", reply.cached_tokens),
            ("cache_creation_tokens", reply.cache_creation_tokens),
        )
        if value
    ]
    if terms.cache_control is False and cache:
        return (
            f"reports {' and '.join(cache)}, but the request marked nothing with cache_control",
            "Drop them from the turn, or make the code under test mark its prompt with "
            "cache_control.",
        )
    if (
        terms.max_tokens is not None
        and reply.output_tokens is not None
        and reply.output_tokens > terms.max_tokens
    ):
        return (
            f"reports output_tokens={reply.output_tokens}, above the request's "
            f"{terms.max_tokens_field} {terms.max_tokens}",
            f"Give output_tokens <= {terms.max_tokens} (or leave it to the estimate).",
        )
    return None


def check_reply(reply: Reply, terms: RequestTerms, where: str) -> None:
    """Raise :class:`ScriptError` when ``terms`` make ``reply`` impossible (see the module notes).

    ``where`` names the turn (``"queue[2]"``, ``"rule[0]"``, with any request number).
    """
    if reply.defies_request:
        return
    found = _problem(reply, terms)
    if found is not None:
        what, fix = found
        declared = f"declared {terms.describe()}"
        said = "" if declared in what else f" The request {declared}."
        raise ScriptError(
            f"The scripted turn {where} {what}: a real API never answers so.{said} {fix} {_OPT_OUT}"
        )


def _first_stop(text: str, stops: Sequence[str]) -> tuple[int, str] | None:
    hits = [(text.find(s), s) for s in stops if s in text]
    return min(hits, key=lambda hit: hit[0]) if hits else None


def _chunks_upto(chunks: Sequence[str] | None, size: int) -> tuple[str, ...] | None:
    """The given stream chunks cut to their first ``size`` characters."""
    if chunks is None:
        return None
    out: list[str] = []
    left = size
    for chunk in chunks:
        if left <= 0:
            break
        out.append(chunk[:left])
        left -= len(chunk)
    return tuple(c for c in out if c)


def cut_reply(reply: Reply, terms: RequestTerms) -> Reply:
    """``reply`` cut at the first stop sequence, then at the output-token budget.

    Example:
        >>> cut_reply(Reply(text="one. two."), RequestTerms(stop=(". ",))).stop_sequence
        '. '
    """
    if reply.defies_request:
        return reply
    text = reply.content
    changes: dict[str, Any] = {}
    hit = _first_stop(text, terms.stop)
    if hit is not None:
        at, sequence = hit
        text = text[:at]
        changes.update(
            text=text,
            stop_reason="stop",
            stop_sequence=sequence,
            tool_calls=(),
            chunks=_chunks_upto(reply.chunks, at),
        )
    if terms.max_tokens is not None and reply.stop_reason != "length":
        reasoning = reply.reasoning or ""
        budget = terms.max_tokens * CHARS_PER_TOKEN
        # After a stop sequence the calls are gone: only reasoning and the text left count.
        size = len(reasoning) + len(text) if hit is not None else footprint(reply)
        if size > budget:
            kept_reasoning = reasoning[:budget]
            kept = text[: budget - len(kept_reasoning)]
            changes.update(
                text=kept,
                reasoning=kept_reasoning or None,
                stop_reason="length",
                stop_sequence=None,
                tool_calls=(),
                output_tokens=terms.max_tokens,
                chunks=_chunks_upto(reply.chunks, len(kept)),
            )
    if not changes:
        return reply
    fields = {f.name: getattr(reply, f.name) for f in dataclasses.fields(reply)}
    fields.update(changes)
    if reply.is_json:
        del fields["json"]
        # A cut JSON reply is no longer the value scripted: it goes out as text, and JSON mode
        # does not refuse it (the API truncated it, not the script).
        fields["invalid_json"] = True
    return Reply(**fields)


def honour(reply: Reply, terms: RequestTerms, where: str) -> Reply:
    """:func:`check_reply`, then :func:`cut_reply`: the reply the real API could send."""
    check_reply(reply, terms, where)
    return cut_reply(reply, terms)
