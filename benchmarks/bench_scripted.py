"""How much a scripted call costs: ``complete`` and a 1,000-chunk ``stream``.

Prints the median per-call time of :class:`~llm_fakes.ScriptedProvider` and, as the anchor, of
the smallest hand-written fake a project would otherwise copy into its tests (returns a
prebuilt response; streams prebuilt events), with their ratio. Goals (2-core CI machine):
``complete`` under 10 µs, a 1,000-chunk ``stream`` under 2 ms.

Run:
    python benchmarks/bench_scripted.py            # default rounds
    python benchmarks/bench_scripted.py --rounds 50
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from llm_fakes import LLMProvider, LLMResponse, ScriptedProvider, TextDeltaEvent
from llm_fakes.events import FinishEvent, TextEndEvent

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the weather in Paris today?"},
]
REPLY = "It is sunny in Paris, 21 degrees."
LONG = " ".join(f"w{i % 10}" for i in range(1000))  # 1,000 word chunks


class HandWrittenFake(LLMProvider):
    """The anchor: the minimal fake a test suite hand-writes (no log, no retries, no checks)."""

    def __init__(self, text: str) -> None:
        self.text = text
        words = text.split(" ")
        chunks = [w + " " for w in words[:-1]] + [words[-1]]
        snap = ""
        self.events: list[Any] = []
        for c in chunks:
            snap += c
            self.events.append(TextDeltaEvent(content=c, snapshot=snap))
        self.events += [TextEndEvent(full_text=text), FinishEvent(stop_reason="stop", model="m")]

    def complete(self, messages: Any, *args: Any, **kwargs: Any) -> LLMResponse:
        return LLMResponse(content=self.text, model="m", stop_reason="stop")

    async def stream(self, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        for event in self.events:
            yield event


def per_call(run_batch: Callable[[int], tuple[float, float]], batch: int, rounds: int) -> Stats:
    """Median and best over ``rounds`` of (batch time / batch size), wall and CPU, in seconds."""
    run_batch(batch)  # warm up
    wall, cpu = [], []
    for _ in range(rounds):
        gc.collect()
        w, c = run_batch(batch)
        wall.append(w / batch)
        cpu.append(c / batch)
    return Stats(statistics.median(wall), min(wall), statistics.median(cpu))


class Stats(tuple[float, float, float]):
    """(median wall, best wall, median CPU) seconds per call."""

    def __new__(cls, median: float, best: float, cpu: float) -> Stats:
        return super().__new__(cls, (median, best, cpu))


def timed(body: Callable[[], None]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    body()
    return time.perf_counter() - wall, time.process_time() - cpu


def complete_batch(make: Callable[[int], LLMProvider]) -> Callable[[int], tuple[float, float]]:
    def run(n: int) -> tuple[float, float]:
        provider = make(n)

        def body() -> None:
            for _ in range(n):
                provider.complete(MESSAGES)

        return timed(body)

    return run


def stream_batch(make: Callable[[int], LLMProvider]) -> Callable[[int], tuple[float, float]]:
    async def consume(provider: LLMProvider, n: int) -> None:
        for _ in range(n):
            async for _event in provider.stream(MESSAGES):
                pass

    def run(n: int) -> tuple[float, float]:
        provider = make(n)
        loop = asyncio.new_event_loop()
        try:
            return timed(lambda: loop.run_until_complete(consume(provider, n)))
        finally:
            loop.close()

    return run


def report(name: str, ours: Stats, anchor: Stats, goal: float, unit: float, label: str) -> None:
    status = "meets" if ours[0] < goal else "MISSES"
    print(
        f"{name:<22} median {ours[0] / unit:7.2f} {label} (best {ours[1] / unit:6.2f}, "
        f"CPU {ours[2] / unit:6.2f})   hand-written {anchor[0] / unit:6.2f} {label}   "
        f"ratio {ours[0] / anchor[0]:4.1f}x   goal < {goal / unit:g} {label}: {status}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31, help="batches to take the median of")
    args = parser.parse_args(argv)

    complete_ours = per_call(
        complete_batch(lambda n: ScriptedProvider([REPLY] * n)), batch=2000, rounds=args.rounds
    )
    complete_anchor = per_call(
        complete_batch(lambda n: HandWrittenFake(REPLY)), batch=2000, rounds=args.rounds
    )
    stream_ours = per_call(
        stream_batch(lambda n: ScriptedProvider([LONG] * n)), batch=10, rounds=args.rounds
    )
    stream_anchor = per_call(
        stream_batch(lambda n: HandWrittenFake(LONG)), batch=10, rounds=args.rounds
    )
    print(f"per call, over {args.rounds} rounds (wall-clock median; best; CPU-time median)")
    report("complete", complete_ours, complete_anchor, 10e-6, 1e-6, "µs")
    report("stream (1,000 chunks)", stream_ours, stream_anchor, 2e-3, 1e-3, "ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
