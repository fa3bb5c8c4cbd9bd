"""Script strategies: replies, chunk boundaries, wire byte splits and failure sequences.

Import them from :mod:`llm_fakes.contract.strategies`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from llm_fakes.contract._values import (
    BOOL,
    cached,
    ints,
    json_objects,
    texts,
    tool_call_ids,
    tool_inputs,
    tool_names,
)
from llm_fakes.scripted.turns import Fail, Reply, ToolCall

_CUTS = st.lists(st.integers(0, 64), max_size=6)


@st.composite
def text_chunkings(draw: st.DrawFn, text: str) -> list[str]:
    """Chunks that join to ``text``, including empty chunks and one-character chunks.

    Example:
        >>> from hypothesis import given
        >>> @given(text_chunkings("héllo wörld"))
        ... def test_chunks(chunks):
        ...     assert "".join(chunks) == "héllo wörld"
        >>> test_chunks()
    """
    cuts = [c * len(text) // 64 for c in draw(_CUTS)]
    bounds = [0, *sorted(cuts), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@cached
def byte_splits() -> st.SearchStrategy[tuple[int, ...]]:
    """Sizes to re-split a wire byte stream into (cycled; 0 means an empty chunk).

    Small sizes cut inside multi-byte UTF-8 characters, SSE lines and tool-argument JSON.
    """
    return st.lists(st.integers(0, 17), min_size=1, max_size=5).map(
        lambda sizes: (*sizes, 1) if not any(sizes) else tuple(sizes)
    )


@cached
@st.composite
def replies(
    draw: st.DrawFn,
    *,
    tool_calls: bool = True,
    reasoning: bool = True,
    json: bool = True,
    chunked: bool = True,
    require_tool_calls: bool = False,
) -> Reply:
    """Scripted replies: text, JSON, tool calls (with explicit ids), reasoning, token usage.

    A reply always has text or tool calls (a reply with neither is an *empty response*, which
    docs/contract.md treats as a transient failure: see :func:`transient_failures`);
    ``require_tool_calls=True`` always gives it one to three tool calls.

    The replies are marked ``defies_request=True``: the suite checks that a provider carries
    every reply through intact, whatever the request (its tools, budget or thinking), so the
    fakes serve them exactly as scripted (see :mod:`llm_fakes.scripted.honour`).

    Example:
        >>> from hypothesis import given
        >>> @given(replies(tool_calls=False))
        ... def test_reply(reply):
        ...     assert reply.content != "" and not reply.tool_calls
        >>> test_reply()
    """
    calls: list[ToolCall] = []
    if require_tool_calls or (tool_calls and draw(BOOL)):
        calls = [
            ToolCall(draw(tool_names()), draw(tool_inputs()), id=f"{draw(tool_call_ids())}_{i}")
            for i in range(draw(ints(1, 3)))
        ]
    value: Any = None
    is_json = json and draw(ints(0, 3)) == 0
    if is_json:
        value = draw(json_objects())
    text = "" if is_json else draw(texts(min_size=0 if calls else 1, max_size=60))
    kwargs: dict[str, Any] = {}
    if reasoning and draw(ints(0, 3)) == 0:
        kwargs["reasoning"] = draw(texts(min_size=1, max_size=30))
    if draw(BOOL):
        kwargs["input_tokens"] = draw(ints(0, 5000))
        kwargs["output_tokens"] = draw(ints(0, 5000))
    content = Reply(json=value).content if is_json else text
    if chunked and content and draw(BOOL):
        kwargs["chunks"] = draw(text_chunkings(content))
    kwargs["defies_request"] = True
    if is_json:
        return Reply(json=value, tool_calls=calls, **kwargs)
    return Reply(text=text, tool_calls=calls, **kwargs)


@cached
def retry_after_values() -> st.SearchStrategy[float | None]:
    """``Retry-After`` seconds: absent, or whole seconds from 1 to 300 (beyond common caps)."""
    return st.none() | st.integers(1, 300).map(float)


def transient_failures(*, kinds: Sequence[str] | None = None) -> st.SearchStrategy[Fail]:
    """Transient failures: 429 (with or without ``Retry-After``), 529, 500/502/503/504,
    timeout, connection error, empty response; or only those of the given ``kinds``."""
    return _transient(tuple(kinds) if kinds is not None else None)


@cached
def _transient(kinds: tuple[str, ...] | None) -> st.SearchStrategy[Fail]:
    builders: dict[str, st.SearchStrategy[Fail]] = {
        "rate_limit": st.builds(Fail.rate_limit, retry_after=retry_after_values()),
        "overloaded": st.just(Fail.overloaded()),
        "server_error": st.sampled_from([500, 502, 503, 504]).map(Fail.server_error),
        "timeout": st.just(Fail.timeout()),
        "connection": st.just(Fail.connection()),
        "empty": st.just(Fail.empty()),
    }
    chosen = list(kinds) if kinds is not None else list(builders)
    return st.one_of(*(builders[k] for k in chosen))


@cached
def permanent_failures() -> st.SearchStrategy[Fail]:
    """Permanent failures: 400 bad request, 401 authentication."""
    return st.sampled_from([Fail.bad_request(), Fail.auth()])


@cached
def _fail_lists(most: int) -> st.SearchStrategy[list[Fail]]:
    return st.lists(transient_failures(), max_size=most)


@cached
@st.composite
def failure_sequences(
    draw: st.DrawFn, *, max_failures: int = 4, permanent: bool = True
) -> list[Fail | Reply]:
    """``k`` transient failures, then a success or (when ``permanent``) a permanent error.

    Example:
        >>> from hypothesis import given
        >>> @given(failure_sequences())
        ... def test_sequence(seq):
        ...     assert all(isinstance(t, Fail) and t.retryable for t in seq[:-1])
        >>> test_sequence()
    """
    fails = draw(_fail_lists(max_failures))
    end: Fail | Reply
    if permanent and draw(BOOL):
        end = draw(permanent_failures())
    else:
        end = draw(replies(tool_calls=False, reasoning=False, chunked=False))
    return [*fails, end]
