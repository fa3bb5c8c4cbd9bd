"""The public strategies generate what they promise, including the awkward cases.

Each strategy is sampled once (a fixed seed, generation only) and the sample is checked both
for what must always hold and for the awkward cases it must reach.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from llm_fakes import Fail, Reply
from llm_fakes.contract import strategies as gen


@functools.cache
def sample(name: str, n: int = 40) -> list[Any]:
    """``n`` values of ``gen.<name>()``, the same on every run."""
    strategy: st.SearchStrategy[Any] = getattr(gen, name)()
    out: list[Any] = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    return out


def test_histories_are_well_formed() -> None:
    for history in sample("message_histories"):
        assert history[0]["role"] == "user"
        assert history[-1]["role"] in ("user", "tool")
        pending: list[str] = []
        ids: list[str] = []
        for m in history:
            if m["role"] == "tool":
                assert m["tool_call_id"] == pending.pop(0)
                continue
            assert not pending, "every tool call is answered before the next message"
            if m["role"] == "assistant" and "tool_calls" in m:
                pending = [c["id"] for c in m["tool_calls"]]
                ids += pending
                for call in m["tool_calls"]:
                    assert isinstance(json.loads(call["function"]["arguments"]), dict)
        assert len(ids) == len(set(ids))


def test_histories_reach_every_awkward_case() -> None:
    histories = sample("message_histories")
    messages = [m for h in histories for m in h]
    assert any("cache_control" in m for m in messages)
    assert any(m["content"] == "" for m in messages)
    assert any(m["content"].startswith("ERROR: ") for m in messages if m["role"] == "tool")
    assert any(len(m["content"].encode()) > len(m["content"]) for m in messages)
    assert any({m["role"] for m in h} == {"user", "assistant", "tool"} for h in histories)


def test_replies_always_answer_and_their_chunks_join_to_their_text() -> None:
    for reply in sample("replies", 150):
        assert reply.content or reply.tool_calls
        if reply.chunks is not None:
            assert "".join(reply.chunks) == reply.content
        ids = [c.id for c in reply.tool_calls]
        assert len(ids) == len(set(ids)) and all(ids)


def test_replies_cover_json_tool_calls_reasoning_and_empty_chunks() -> None:
    replies = sample("replies", 150)
    assert any(r.is_json for r in replies)
    assert any(r.tool_calls and not r.content for r in replies)
    assert any(len(r.tool_calls) == 3 for r in replies)
    assert any(r.reasoning is not None for r in replies)
    assert any(r.chunks is not None and "" in r.chunks for r in replies)
    assert any(r.input_tokens is not None for r in replies)


def test_tool_names_are_distinct_and_parameters_are_json_schemas() -> None:
    for tools in sample("tools", 40):
        assert len({t.name for t in tools}) == len(tools)
        for tool in tools:
            jsonschema.Draft202012Validator.check_schema(tool.parameters)
            assert tool.parameters["type"] == "object"


def test_the_generated_instance_validates_against_its_schema() -> None:
    for schema, instance in sample("json_schemas_with_instance", 40):
        jsonschema.validate(instance, schema)


def test_byte_splits_always_make_progress() -> None:
    splits = sample("byte_splits", 60)
    assert all(any(sizes) and all(0 <= s <= 17 for s in sizes) for sizes in splits)
    assert any(0 in sizes for sizes in splits) and any(1 in sizes for sizes in splits)


def test_failure_sequences_are_transient_failures_then_an_ending() -> None:
    seqs = sample("failure_sequences", 120)
    for *fails, end in seqs:
        assert all(isinstance(f, Fail) and f.retryable for f in fails)
        assert isinstance(end, Reply) or (isinstance(end, Fail) and not end.retryable)
    fails = [f for s in seqs for f in s if isinstance(f, Fail)]
    assert {f.kind for f in fails} == {
        "rate_limit",
        "overloaded",
        "server_error",
        "timeout",
        "connection",
        "empty",
        "bad_request",
        "auth",
    }
    assert any(f.retry_after is not None for f in fails)
    assert any(f.kind == "rate_limit" and f.retry_after is None for f in fails)


@settings(max_examples=30)
@given(gen.text_chunkings("a😀b"))
def test_chunkings_join_to_the_text(chunks: list[str]) -> None:
    assert "".join(chunks) == "a😀b"
