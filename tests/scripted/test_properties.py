"""Properties over arbitrary scripts: the three paths agree (S1–S5, C2) and retries obey R1–R2."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from llm_fakes import Fail, ProviderError, Reply, ScriptedProvider, ToolCall
from llm_fakes.scripted.render import _WORDS, Chunking, chunk_text

USER = [{"role": "user", "content": "hi"}]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
tool_calls = st.lists(
    st.builds(
        ToolCall,
        name=st.text(min_size=1, max_size=10),
        input=st.dictionaries(st.text(max_size=5), json_values, max_size=3),
        id=st.none() | st.text(min_size=1, max_size=8),
    ),
    max_size=3,
)
texts = st.text(max_size=60) | st.lists(st.sampled_from(["a", "bb", " ", "\n", "é", "🎉"])).map(
    "".join
)


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    kind = draw(st.sampled_from(["text", "json", "none"]))
    text = draw(texts) if kind == "text" else None
    chunks = None
    if kind == "text" and text and draw(st.booleans()):
        cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=5)))
        bounds = [0, *[c for c in cuts if c < len(text)], len(text)]
        chunks = [text[a:b] for a, b in itertools.pairwise(bounds)]
    return Reply(
        text=text,
        **({"json": draw(json_values)} if kind == "json" else {}),
        tool_calls=draw(tool_calls),
        reasoning=draw(st.none() | texts),
        stop_reason=draw(st.none() | st.sampled_from(["stop", "length", "end_turn"])),
        model=draw(st.none() | st.text(min_size=1, max_size=10)),
        input_tokens=draw(st.none() | st.integers(0, 10_000)),
        output_tokens=draw(st.none() | st.integers(0, 10_000)),
        cached_tokens=draw(st.integers(0, 100)),
        chunks=chunks,
    )


chunkings: st.SearchStrategy[Chunking] = st.sampled_from(["words", "chars"]) | st.integers(1, 12)


#: Above any generated reply: these properties are about the paths agreeing, not the budget cut
#: (which test_honour_request.py covers).
BUDGET = 20_000


async def stream_events(fake: ScriptedProvider) -> list[Any]:
    return [event async for event in fake.stream(USER, max_tokens=BUDGET)]


@given(reply=replies(), chunking=chunkings)
def test_complete_acomplete_and_stream_agree(reply: Reply, chunking: Chunking) -> None:
    def make() -> ScriptedProvider:
        return ScriptedProvider([reply], chunking=chunking)

    resp = make().complete(USER, max_tokens=BUDGET)
    assert asyncio.run(make().acomplete(USER, max_tokens=BUDGET)) == resp  # C2
    events = asyncio.run(stream_events(make()))

    deltas = [e for e in events if e.type == "text_delta"]
    snapshot = ""
    for delta in deltas:  # S1
        snapshot += delta.content
        assert delta.snapshot == snapshot
    assert snapshot == resp.content
    if reply.chunks is not None:
        assert [d.content for d in deltas] == list(reply.chunks)
    else:
        assert [d.content for d in deltas] == chunk_text(resp.content, chunking)
    ends = [e for e in events if e.type == "text_end"]  # S2
    assert [e.full_text for e in ends] == ([resp.content] if resp.content else [])
    assert [e.type for e in events].count("finish") == 1  # S3
    assert events[-1].type == "finish"
    assert not any(e.type == "error" for e in events)
    finish = events[-1]  # S4
    assert (finish.stop_reason, finish.input_tokens, finish.output_tokens, finish.model) == (
        resp.stop_reason,
        resp.input_tokens,
        resp.output_tokens,
        resp.model,
    )
    calls = [(e.tool_use_id, e.tool_name, e.tool_input) for e in events if e.type == "tool_call"]
    assert calls == [(u.id, u.name, u.input) for u in resp.tool_uses]  # S5
    reasoning = "".join(e.content for e in events if e.type == "reasoning_delta")
    assert reasoning == (reply.reasoning or "")


transient = st.sampled_from(
    [
        Fail.rate_limit(),
        Fail.rate_limit(retry_after=3),
        Fail.overloaded(),
        Fail.server_error(503),
        Fail.empty(),
        Fail.timeout(),
        Fail.connection(),
        Fail.mid_stream("a b", after_chunk=1),
    ]
)


@given(failures=st.lists(transient, max_size=6), max_retries=st.integers(0, 5))
def test_r1_attempts_are_min_k_m_plus_one_and_success_iff_k_le_m(
    failures: list[Fail], max_retries: int
) -> None:
    k = len(failures)
    script = [*failures, "ok"]
    for method in ("complete", "acomplete"):
        fake = ScriptedProvider(script)
        try:
            if method == "complete":
                resp = fake.complete(USER, max_retries=max_retries)
            else:
                resp = asyncio.run(fake.acomplete(USER, max_retries=max_retries))
        except ProviderError as exc:
            assert k > max_retries
            assert exc is fake.calls[0].attempt_log[-1].error
        else:
            assert k <= max_retries
            assert resp.content == "ok"
        assert fake.calls[0].attempts == min(k, max_retries) + 1


@given(
    failures=st.lists(transient.filter(lambda f: f.kind != "mid_stream"), max_size=6),
    default=st.integers(0, 5),
)
def test_r2_none_uses_the_default_budget_in_every_path(failures: list[Fail], default: int) -> None:
    k = len(failures)
    fake = ScriptedProvider([*failures, "ok"], default_max_retries=default)
    events = asyncio.run(stream_events(fake))
    assert fake.calls[0].attempts == min(k, default) + 1
    if k <= default:
        assert events[-1].type == "finish"
    else:
        assert [e.type for e in events] == ["error"]
        assert events[0].recoverable is True
    again = ScriptedProvider([*failures, "ok"], default_max_retries=default)
    try:
        again.complete(USER, max_retries=None)
    except ProviderError:
        assert k > default
    assert again.calls[0].attempts == min(k, default) + 1


@given(text=st.text(max_size=80))
def test_the_fast_word_split_gives_the_same_chunks_as_the_regex(text: str) -> None:
    assert chunk_text(text, "words") == _WORDS.findall(text)


@given(
    before=st.lists(transient.filter(lambda f: f.kind != "mid_stream"), max_size=3),
    reply=replies(),
    after_chunk=st.integers(0, 8),
    recoverable=st.booleans(),
    chunking=chunkings,
)
def test_s3_s6_a_failing_stream_ends_once_and_never_repeats_text(
    before: list[Fail], reply: Reply, after_chunk: int, recoverable: bool, chunking: Chunking
) -> None:
    failure = Fail.mid_stream(reply, after_chunk=after_chunk, recoverable=recoverable)
    fake = ScriptedProvider([*before, failure, "retried"], chunking=chunking)
    events = asyncio.run(stream_events(fake))
    types = [e.type for e in events]
    terminal = [t for t in types if t in ("finish", "error")]
    assert len(terminal) == 1 and types[-1] == terminal[0]  # S3
    deltas = [e for e in events if e.type == "text_delta"]
    snapshot = ""
    for delta in deltas:  # S1 holds on a partial stream too
        snapshot += delta.content
        assert delta.snapshot == snapshot
    if types[-1] == "finish":  # retried: only possible while nothing had been sent (S6)
        assert snapshot == "retried"
    else:  # partial output (never repeated), or the budget ran out before any output
        assert reply.content.startswith(snapshot)
        assert events[-1].recoverable is fake.calls[0].error.retryable
        assert fake.calls[0].attempts <= fake.default_max_retries + 1
