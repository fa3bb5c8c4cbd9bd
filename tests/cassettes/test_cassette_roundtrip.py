"""Round trip: whatever a provider answered, the cassette gives back equal, for any request."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from cassette_support import Recorder, collect
from hypothesis import given
from hypothesis import strategies as st

from llm_fakes import (
    CassetteProvider,
    FinishEvent,
    LLMResponse,
    ReasoningDeltaEvent,
    ReasoningStartEvent,
    StreamErrorEvent,
    TextDeltaEvent,
    TextEndEvent,
    Tool,
    ToolCallEvent,
    ToolUse,
)
from llm_fakes.cassettes.redaction import DEFAULT_KEYS


def _clean(text: str) -> bool:  # text the default scrubbers would (rightly) rewrite
    return "sk-" not in text and "Bearer" not in text


# Long texts are built by repetition: drawing thousands of characters one by one is slow.
LONG = st.builds(lambda part, n: part * n, st.text(min_size=1, max_size=30), st.integers(20, 200))
TEXT = (st.text(max_size=40) | st.just("") | LONG).filter(_clean)
KEY = st.text(max_size=10).filter(lambda k: _clean(k) and k.lower() not in DEFAULT_KEYS)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEY, inner, max_size=3),
    max_leaves=12,
)
OBJECT = st.dictionaries(KEY, JSON, max_size=4)
MESSAGE = st.builds(
    lambda role, content, extra: {"role": role, "content": content, **extra},
    st.sampled_from(["user", "assistant", "tool", "system"]),
    TEXT,
    st.dictionaries(st.sampled_from(["cache_control", "name", "tool_call_id"]), JSON, max_size=2),
)
TOOL = st.builds(Tool, name=st.text(min_size=1, max_size=10), description=TEXT, parameters=OBJECT)
REQUEST = st.fixed_dictionaries(
    {
        "messages": st.lists(MESSAGE, min_size=1, max_size=4),
        "system": TEXT,
        "tools": st.none() | st.lists(TOOL, max_size=2),
        "max_tokens": st.integers(1, 10**6),
        "response_format": st.none() | st.just({"type": "json_object"}),
        "json_mode": st.booleans(),
        "max_retries": st.none() | st.integers(0, 5),
    }
)
TOOL_USE = st.builds(ToolUse, id=st.text(max_size=8), name=st.text(max_size=8), input=OBJECT)
RESPONSE = st.builds(
    LLMResponse,
    content=TEXT,
    model=st.text(min_size=1, max_size=20).filter(_clean),
    input_tokens=st.integers(0, 10**7),
    output_tokens=st.integers(0, 10**7),
    stop_reason=st.sampled_from(["", "stop", "length", "tool_calls", "end_turn"]),
    raw_response=st.none() | OBJECT,
    tool_uses=st.lists(TOOL_USE, max_size=3),
)


@st.composite
def streams(draw: st.DrawFn) -> list[Any]:
    """A stream as providers send it, snapshots running or (for a sloppy provider) not."""
    out: list[Any] = []
    if draw(st.booleans()):
        out.append(ReasoningStartEvent())
        out += [ReasoningDeltaEvent(content=c) for c in draw(st.lists(TEXT, max_size=3))]
    snapshot = ""
    for chunk in draw(st.lists(TEXT, max_size=6)):
        snapshot += chunk
        odd = draw(st.booleans()) and draw(st.integers(0, 9)) == 0
        out.append(TextDeltaEvent(content=chunk, snapshot=draw(TEXT) if odd else snapshot))
    for use in draw(st.lists(TOOL_USE, max_size=2)):
        out.append(ToolCallEvent(tool_use_id=use.id, tool_name=use.name, tool_input=use.input))
    if snapshot:
        out.append(TextEndEvent(full_text=snapshot))
    if draw(st.booleans()):
        out.append(
            FinishEvent(
                stop_reason=draw(st.sampled_from(["stop", "tool_calls", ""])),
                input_tokens=draw(st.integers(0, 10**6)),
                output_tokens=draw(st.integers(0, 10**6)),
                cached_tokens=draw(st.integers(0, 10**6)),
                model=draw(st.text(max_size=10).filter(_clean)),
            )
        )
    else:
        out.append(StreamErrorEvent(error=draw(TEXT), recoverable=draw(st.booleans())))
    return out


@given(request=REQUEST, response=RESPONSE)
def test_a_recorded_response_replays_equal_for_its_request(
    tmp_path_factory: pytest.TempPathFactory, request: dict[str, Any], response: LLMResponse
) -> None:
    path = tmp_path_factory.mktemp("rt") / "c.yaml"
    real = Recorder(lambda r: response)
    with CassetteProvider(path, inner=real, mode="once") as llm:
        assert llm.complete(**request) == response
    assert CassetteProvider(path).complete(**request) == response


@given(request=REQUEST, events=streams())
def test_a_recorded_stream_replays_the_same_event_sequence(
    tmp_path_factory: pytest.TempPathFactory, request: dict[str, Any], events: list[Any]
) -> None:
    path = tmp_path_factory.mktemp("rt") / "s.yaml"
    args = {k: request[k] for k in ("messages", "system", "tools", "max_tokens")}
    with CassetteProvider(path, inner=Recorder(events=events), mode="once") as llm:
        assert asyncio.run(collect(llm.stream(**args))) == events
    assert asyncio.run(collect(CassetteProvider(path).stream(**args))) == events


def test_the_round_trip_file_is_written_by_the_fast_path(tmp_path: Path) -> None:
    """The reader the property tests exercise is the fast one (not a silent PyYAML fallback)."""
    from llm_fakes import _yaml

    path = tmp_path / "c.yaml"
    response = LLMResponse(content="multi\nline\n", model="m", tool_uses=[ToolUse("i", "n", {})])
    with CassetteProvider(path, inner=Recorder(lambda r: response), mode="once") as llm:
        llm.complete([{"role": "user", "content": "Ünïcödé ✓ \x00 \u2028"}])
    assert _yaml.fast_loads(path.read_text())["interactions"][0]["response"]["tool_uses"] == [
        {"id": "i", "name": "n", "input": {}}
    ]


REAL = Path(__file__).parent.parent / "http" / "real_sessions"
REAL_CASES = [
    (path.stem, i)
    for path in sorted(REAL.glob("*.json"))
    for i in range(len(json.loads(path.read_text())["interactions"]))
]


@pytest.mark.parametrize(("name", "index"), REAL_CASES)
def test_real_api_traffic_round_trips_and_stays_readable(
    tmp_path: Path, name: str, index: int
) -> None:
    """Requests and raw payloads as the real OpenAI, Anthropic and Gemini APIs sent them."""
    recorded = json.loads((REAL / f"{name}.json").read_text())["interactions"][index]
    sent = recorded["request"]
    streamed = recorded["content_type"].startswith("text/event-stream")
    raw = recorded["body"] if streamed else json.loads(recorded["body"])
    model = sent.get("model") or recorded["path"].rsplit("/", 1)[1].split(":")[0]  # Gemini: path
    response = LLMResponse(content="(parsed elsewhere)", model=model, raw_response=raw)
    system = sent.get("system", sent.get("instructions"))  # Messages / Responses API
    request = {
        # Gemini's contents are not seed messages, but as payloads they must round-trip too.
        "messages": sent.get("messages") or sent.get("input") or sent["contents"],
        "system": system if isinstance(system, str) else "",
        "tools": sent.get("tools"),
        "max_tokens": sent.get("max_tokens") or 1024,
    }
    path = tmp_path / "real.yaml"
    with CassetteProvider(path, inner=Recorder(lambda r: response), mode="once") as llm:
        llm.complete(**request)
    assert CassetteProvider(path).complete(**request) == response
    # An SSE body is stored as a literal block, one wire line per line; one with CRLF line ends
    # (Gemini's) is a quoted string instead, as a YAML literal block cannot hold a carriage return.
    if streamed and "\r" not in recorded["body"]:
        first_line = recorded["body"].splitlines()[0]
        assert f"    raw_response: |+\n      {first_line}\n" in path.read_text()
