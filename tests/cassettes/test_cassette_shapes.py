"""One recording, both call shapes: complete <-> stream, errors, cut streams, user types."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cassette_support import Recorder, ask, collect

from llm_fakes import (
    CassetteError,
    CassetteProvider,
    FinishEvent,
    LLMResponse,
    OverloadedError,
    RateLimitError,
    ReasoningDeltaEvent,
    ReasoningStartEvent,
    ServerError,
    StreamErrorEvent,
    TextDeltaEvent,
    TextEndEvent,
    ToolCallEvent,
    ToolUse,
    VirtualClock,
)
from llm_fakes.cassettes import storage

STREAM = [
    ReasoningStartEvent(),
    ReasoningDeltaEvent(content="Let me think."),
    TextDeltaEvent(content="Hel", snapshot="Hel"),
    TextDeltaEvent(content="lo, ", snapshot="Hello, "),
    TextDeltaEvent(content="world", snapshot="Hello, world"),
    ToolCallEvent(tool_use_id="t1", tool_name="search", tool_input={"q": {"deep": [1, "x"]}}),
    TextEndEvent(full_text="Hello, world"),
    FinishEvent(
        stop_reason="tool_use", input_tokens=11, output_tokens=5, cached_tokens=2, model="m"
    ),
]


def check_stream_contract(events: list[Any], response: Any) -> None:
    """SPEC S1–S5 between a stream and the complete() of the same request."""
    snapshot = ""
    for e in events:
        if isinstance(e, TextDeltaEvent):
            snapshot += e.content
            assert e.snapshot == snapshot  # S1
    ends = [e for e in events if isinstance(e, TextEndEvent)]
    assert len(ends) <= 1 and all(e.full_text == snapshot == response.content for e in ends)  # S2
    assert isinstance(events[-1], FinishEvent | StreamErrorEvent)  # S3
    assert sum(isinstance(e, FinishEvent | StreamErrorEvent) for e in events) == 1
    finish = events[-1]
    assert (finish.stop_reason, finish.input_tokens, finish.output_tokens) == (
        response.stop_reason,
        response.input_tokens,
        response.output_tokens,
    )  # S4
    calls = [(e.tool_use_id, e.tool_name, e.tool_input) for e in events if e.type == "tool_call"]
    assert calls == [(u.id, u.name, u.input) for u in response.tool_uses]  # S5


def test_a_complete_recording_replays_through_stream_honouring_s1_to_s5(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    response = LLMResponse(
        content="Two words\nand a line",
        model="m-1",
        input_tokens=9,
        output_tokens=4,
        stop_reason="tool_use",
        tool_uses=[ToolUse(id="c1", name="calc", input={"expr": "2+2", "opts": {"exact": True}})],
    )
    with CassetteProvider(path, inner=Recorder(lambda r: response), mode="once") as llm:
        assert llm.complete(ask("q"), max_tokens=4096) == response
    replay = CassetteProvider(path)
    events = asyncio.run(collect(replay.stream(ask("q"))))
    replay.rewind()
    replayed = replay.complete(ask("q"), max_tokens=4096)
    assert replayed == response
    check_stream_contract(events, replayed)
    assert [e.content for e in events if e.type == "text_delta"] == [
        "Two ",
        "words\n",
        "and ",
        "a ",
        "line",
    ]


def test_a_stream_recording_replays_exactly_and_serves_complete(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    with CassetteProvider(path, inner=Recorder(events=STREAM), mode="once") as llm:
        assert asyncio.run(collect(llm.stream(ask("q")))) == STREAM
    replay = CassetteProvider(path)
    assert asyncio.run(collect(replay.stream(ask("q")))) == STREAM
    replay.rewind()
    response = replay.complete(ask("q"), max_tokens=4096)
    assert response == LLMResponse(
        content="Hello, world",
        model="m",
        input_tokens=11,
        output_tokens=5,
        stop_reason="tool_use",
        tool_uses=[ToolUse(id="t1", name="search", input={"q": {"deep": [1, "x"]}})],
    )
    check_stream_contract(asyncio.run(collect(CassetteProvider(path).stream(ask("q")))), response)


def test_acomplete_records_from_the_inner_acomplete_and_replays_at_once(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"

    async def scenario() -> tuple[Any, Any]:
        async with CassetteProvider(path, inner=Recorder(), mode="once") as llm:
            first = await llm.acomplete(ask("hi"))
        return first, await CassetteProvider(path).acomplete(ask("hi"))

    first, again = asyncio.run(scenario())
    assert (
        first
        == again
        == LLMResponse(
            content="re: hi",
            model="real-1-0613",
            input_tokens=7,
            output_tokens=3,
            stop_reason="stop",
        )
    )
    assert storage.load(path)["interactions"][0]["call"] == "acomplete"


def test_a_stream_passes_each_event_on_as_it_arrives(tmp_path: Path) -> None:
    release = asyncio.Event()

    class Gate(Recorder):
        async def stream(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            yield TextDeltaEvent(content="first", snapshot="first")
            await release.wait()  # the rest comes only once the caller has the first event
            yield FinishEvent(stop_reason="stop", model="m")

    async def scenario() -> list[Any]:
        llm = CassetteProvider(tmp_path / "g.yaml", inner=Gate(), mode="once")
        stream = llm.stream(ask("q"))
        # A recorder that buffered the stream would wait for the end: this would time out.
        first = await asyncio.wait_for(stream.__anext__(), timeout=5)
        release.set()
        return [first, *[e async for e in stream]]

    events = asyncio.run(scenario())
    assert events == [
        TextDeltaEvent(content="first", snapshot="first"),
        FinishEvent(stop_reason="stop", model="m"),
    ]


def test_a_stream_keeps_the_gaps_between_events_and_can_replay_them(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    with CassetteProvider(
        path, inner=Recorder(events=STREAM[2:5] + STREAM[-1:], gap=0.03), mode="once"
    ) as llm:
        asyncio.run(collect(llm.stream(ask("q"))))
    offsets = [e["at"] for e in storage.load(path)["interactions"][0]["events"]]
    gaps = [b - a for a, b in zip([0.0, *offsets], offsets, strict=False)]
    assert all(0.025 <= g < 1.0 for g in gaps), gaps
    clock = VirtualClock()
    replay = CassetteProvider(path, realtime=True, clock=clock)
    assert asyncio.run(collect(replay.stream(ask("q")))) == STREAM[2:5] + STREAM[-1:]
    assert clock.now() == pytest.approx(offsets[-1])
    fast = CassetteProvider(path, clock=(other := VirtualClock()))
    asyncio.run(collect(fast.stream(ask("q"))))
    assert other.now() == 0.0


def test_errors_are_recorded_and_replay_as_the_same_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    outcomes = iter(
        [RateLimitError("slow down", retry_after=2.5), LLMResponse(content="ok", model="m")]
    )
    with CassetteProvider(path, inner=Recorder(lambda r: next(outcomes)), mode="once") as llm:
        with pytest.raises(RateLimitError):
            llm.complete(ask("q"), max_retries=0)
        assert llm.complete(ask("q"), max_retries=0).content == "ok"
    replay = CassetteProvider(path)
    with pytest.raises(RateLimitError) as info:
        replay.complete(ask("q"), max_retries=0)
    err = info.value
    assert (type(err), err.status, err.message, err.retry_after, err.retryable) == (
        RateLimitError,
        429,
        "slow down",
        2.5,
        True,
    )
    assert replay.complete(ask("q"), max_retries=0).content == "ok"


def test_a_recorded_complete_error_streams_as_one_terminal_error_event(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    with (
        CassetteProvider(
            path, inner=Recorder(lambda r: OverloadedError("busy")), mode="once"
        ) as llm,
        pytest.raises(OverloadedError),
    ):
        llm.complete(ask("q"), max_tokens=4096)
    events = asyncio.run(collect(CassetteProvider(path).stream(ask("q"))))
    assert events == [StreamErrorEvent(error="OverloadedError (HTTP 529): busy", recoverable=True)]


def test_an_error_in_the_middle_of_a_stream_replays_after_the_same_events(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    script = [*STREAM[2:4], ServerError("reset", status=502)]
    with CassetteProvider(path, inner=Recorder(events=script), mode="once") as llm:
        got: list[Any] = []
        with pytest.raises(ServerError):
            asyncio.run(_into(got, llm.stream(ask("q"))))
    assert got == STREAM[2:4]
    replayed: list[Any] = []
    with pytest.raises(ServerError) as info:
        asyncio.run(_into(replayed, CassetteProvider(path).stream(ask("q"))))
    assert replayed == STREAM[2:4]
    assert (info.value.status, info.value.message) == (502, "reset")
    with pytest.raises(ServerError):
        CassetteProvider(path).complete(ask("q"), max_tokens=4096)


async def _into(out: list[Any], stream: Any) -> None:
    async for event in stream:
        out.append(event)


def test_a_stream_cut_short_by_the_caller_closes_the_inner_stream_and_is_marked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cut.yaml"
    real = Recorder(events=STREAM)

    async def read_two(llm: CassetteProvider) -> list[Any]:
        stream = llm.stream(ask("q"))
        out = [await stream.__anext__(), await stream.__anext__()]
        await stream.aclose()  # type: ignore[attr-defined]
        return out

    with CassetteProvider(path, inner=real, mode="once") as llm:
        assert asyncio.run(read_two(llm)) == STREAM[:2]
    assert real.stream_closed
    interaction = storage.load(path)["interactions"][0]
    assert interaction["truncated"] is True and len(interaction["events"]) == 2
    assert asyncio.run(read_two(CassetteProvider(path))) == STREAM[:2]
    with pytest.raises(CassetteError) as info:
        asyncio.run(collect(CassetteProvider(path).stream(ask("q"))))
    assert str(info.value) == (
        f"The recorded stream in {storage.display(path)} ends after 2 event(s): while "
        "recording, the caller stopped reading there, and now it reads on. Re-record it with "
        "--llm-record-mode=all."
    )


def test_replays_are_built_from_the_projects_own_classes(tmp_path: Path) -> None:
    from framework.llm.provider import LLMResponse as FrameworkResponse
    from framework.llm.stream_events import FinishEvent as FrameworkFinish

    path = tmp_path / "types.yaml"
    response = LLMResponse(
        content="x", model="m", tool_uses=[ToolUse(id="c", name="t", input={"a": 1})]
    )
    with CassetteProvider(path, inner=Recorder(lambda r: response), mode="once") as llm:
        llm.complete(ask("q"), max_tokens=4096)
    types = "framework.llm.provider framework.llm.stream_events"
    replayed = CassetteProvider(path, types=types).complete(ask("q"), max_tokens=4096)
    assert type(replayed) is FrameworkResponse
    assert replayed.raw_response["tool_uses"][0].input == {"a": 1}
    events = asyncio.run(collect(CassetteProvider(path, types=types).stream(ask("q"))))
    assert type(events[-1]) is FrameworkFinish


def test_a_scripted_providers_session_records_and_replays_through_every_path(
    tmp_path: Path,
) -> None:
    from llm_fakes import Reply, ScriptedProvider, ToolCall

    path = tmp_path / "scripted.yaml"
    script = [
        Reply(
            text="Let me check the weather.",
            reasoning="Need a tool.",
            chunks=["Let me ", "check the weather."],
            tool_calls=[ToolCall("weather", {"city": "Paris"})],
        ),
        "It is sunny.",
    ]
    ask_weather = ask("Weather in Paris?")
    with CassetteProvider(path, inner=ScriptedProvider(script), mode="once") as llm:
        live_events = asyncio.run(collect(llm.stream(ask_weather)))
        live_answer = llm.complete(ask("Thanks!"), max_tokens=4096)
    replay = CassetteProvider(path)
    assert asyncio.run(collect(replay.stream(ask_weather))) == live_events
    assert [e.type for e in live_events][:2] == ["reasoning_start", "reasoning_delta"]
    assert replay.complete(ask("Thanks!"), max_tokens=4096) == live_answer
