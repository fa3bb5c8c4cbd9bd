"""Latency on the virtual clock, a loop that keeps running (C3), and early exits (S7)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import pytest

from llm_fakes import Fail, RealClock, Reply, ScriptedProvider, ScriptError, VirtualClock

USER = [{"role": "user", "content": "hi"}]


async def collect(provider: ScriptedProvider) -> list[Any]:
    return [event async for event in provider.stream(USER)]


@pytest.mark.asyncio
async def test_stream_waits_first_token_then_per_chunk_on_the_virtual_clock() -> None:
    clock = VirtualClock()
    fake = ScriptedProvider(
        ["one two three"], clock=clock, per_call=1.0, time_to_first_token=0.5, per_chunk=0.1
    )
    await collect(fake)
    assert clock.sleeps == [1.0, 0.5, 0.1, 0.1]
    assert fake.calls[0].elapsed == 1.7


@pytest.mark.asyncio
async def test_reasoning_chunks_are_paced_like_text_chunks() -> None:
    clock = VirtualClock()
    fake = ScriptedProvider(
        [Reply(text="a b", reasoning="c d")], clock=clock, time_to_first_token=2, per_chunk=1
    )
    events = await collect(fake)
    assert [e.type for e in events][:1] == ["reasoning_start"]
    assert clock.sleeps == [2.0, 1.0, 1.0, 1.0]


def test_complete_waits_the_same_total_in_one_sleep() -> None:
    clock = VirtualClock()
    fake = ScriptedProvider(
        ["one two three"], clock=clock, per_call=1.0, time_to_first_token=0.5, per_chunk=0.1
    )
    fake.complete(USER)
    assert clock.sleeps == [1.0, 0.7]
    assert fake.calls[0].elapsed == 1.7


def test_per_call_latency_is_paid_by_every_attempt_and_backoff_adds_to_it() -> None:
    clock = VirtualClock()
    fake = ScriptedProvider([Fail.server_error(), "ok"], clock=clock, per_call=2)
    fake.complete(USER)
    assert clock.sleeps == [2.0, 0.5, 2.0]


def test_without_latency_nothing_sleeps() -> None:
    clock = VirtualClock()
    ScriptedProvider(["a b c"], clock=clock).complete(USER)
    assert clock.sleeps == []


def test_the_test_can_read_and_advance_the_clock() -> None:
    clock = VirtualClock()
    fake = ScriptedProvider(["a", "b"], clock=clock, per_call=1)
    fake.complete(USER)
    clock.advance(60)
    fake.complete(USER)
    assert [c.started_at for c in fake.calls] == [0.0, 61.0]
    assert clock.now() == 62.0


def test_a_negative_latency_is_refused() -> None:
    with pytest.raises(ScriptError) as info:
        ScriptedProvider(per_chunk=-1)
    assert str(info.value) == "per_chunk must be a finite number of seconds >= 0, got -1"


def test_real_time_is_opt_in() -> None:
    fake = ScriptedProvider(["a"], clock=RealClock(), per_call=0.02)
    fake.complete(USER)
    assert 0.02 <= fake.calls[0].elapsed < 1.0


@pytest.mark.asyncio
async def test_c3_the_loop_keeps_running_other_tasks_during_a_slow_call() -> None:
    ticks = 0
    stop = False

    async def ticker() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0)

    fake = ScriptedProvider(
        [Fail.rate_limit(retry_after=5), "slow reply"], per_call=3, time_to_first_token=1
    )
    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    resp = await fake.acomplete(USER)
    progressed = ticks - before
    stop = True
    await task
    assert resp.content == "slow reply"
    # per_call, retry wait, per_call, first token: four waits, each lets the ticker run.
    assert progressed >= 4
    assert fake.clock.now() == 12.0


@pytest.mark.asyncio
async def test_acomplete_is_natively_async_and_uses_no_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()

    def no_executor(*args: Any) -> None:
        raise AssertionError("acomplete must not run in an executor")

    monkeypatch.setattr(loop, "run_in_executor", no_executor)
    threads = threading.active_count()
    fake = ScriptedProvider(["hi"], per_call=1)
    assert (await fake.acomplete(USER)).content == "hi"
    assert threading.active_count() == threads


@pytest.mark.asyncio
async def test_s7_breaking_out_early_releases_everything_and_is_logged() -> None:
    fake = ScriptedProvider(["one two three four"], per_chunk=0.1)
    got = []
    async with contextlib.aclosing(fake.stream(USER)) as events:
        async for event in events:
            got.append(event)
            if len(got) == 2:
                break
    call = fake.calls[0]
    assert (call.closed_early, call.events_sent, call.error) == (True, 2, None)
    assert call.events == got
    assert asyncio.all_tasks() == {asyncio.current_task()}


@pytest.mark.asyncio
async def test_s7_closing_after_the_finish_event_is_not_an_early_close() -> None:
    fake = ScriptedProvider(["done"])
    async with contextlib.aclosing(fake.stream(USER)) as events:
        async for event in events:
            if event.type == "finish":
                break
    assert fake.calls[0].closed_early is False


@pytest.mark.asyncio
async def test_s7_cancelling_the_consuming_task_stops_the_stream() -> None:
    fake = ScriptedProvider(["a b c d e f"], per_chunk=1)
    seen: list[Any] = []

    async def consume() -> None:
        async for event in fake.stream(USER):
            seen.append(event)

    task = asyncio.create_task(consume())
    while len(seen) < 2:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    call = fake.calls[0]
    assert call.closed_early is True
    assert isinstance(call.error, asyncio.CancelledError)
    assert call.events_sent == len(seen) < 7
    assert asyncio.all_tasks() == {asyncio.current_task()}


def test_waits_work_under_trio_too() -> None:
    trio = pytest.importorskip("trio")
    fake = ScriptedProvider([Fail.rate_limit(retry_after=2), "a b", "c"], per_call=1, per_chunk=0.5)

    async def main() -> tuple[list[str], str]:
        text = [e.content async for e in fake.stream(USER) if e.type == "text_delta"]
        return text, (await fake.acomplete(USER)).content

    assert trio.run(main) == (["a ", "b"], "c")
    assert fake.clock.now() == 5.5  # 1 + wait 2 + 1, then 0.5 per later chunk, then 1
