"""Virtual time: a provider's own sleeps and clock reads go to the backend's clock, per example."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import anyio
import pytest

from llm_fakes.clock import VirtualClock
from llm_fakes.contract import ProviderFactory, run_conformance
from llm_fakes.contract.virtual_time import BACKEND_THREAD_PREFIX, REAL, virtual_time
from llm_fakes.errors import ProviderError, UsageError


class SleepsItself:
    """Retries with whatever sleep it is given, honouring Retry-After; never sees a clock."""

    default_max_retries = 2
    max_retry_wait = 300.0

    def __init__(self, inner: Any, sync_sleep: Any, async_sleep: Any, floor: float = 0.0):
        self.inner, self.sync_sleep, self.async_sleep, self.floor = (
            inner,
            sync_sleep,
            async_sleep,
            floor,
        )

    def _wait(self, exc: ProviderError) -> float:
        after = getattr(exc, "retry_after", None)
        wait = max(self.floor, after or 0.0) + 1.0
        # Within the cap it declares, unless a floor pushes it past (the R5 failure test).
        return wait if self.floor else min(wait, self.max_retry_wait)

    def complete(self, messages: Any, max_retries: int | None = None, **kw: Any) -> Any:
        budget = 2 if max_retries is None else max_retries
        # A deadline loop too: it must end on virtual time, not spin for an hour of real time.
        deadline = time.monotonic() + 3600
        for attempt in range(budget + 1):
            try:
                return self.inner.complete(messages, max_retries=0, **kw)
            except ProviderError as exc:
                if not exc.retryable or attempt == budget or time.monotonic() > deadline:
                    raise
                self.sync_sleep()(self._wait(exc))
        raise AssertionError("unreachable")

    async def acomplete(self, messages: Any, max_retries: int | None = None, **kw: Any) -> Any:
        budget = 2 if max_retries is None else max_retries
        for attempt in range(budget + 1):
            try:
                return await self.inner.acomplete(messages, max_retries=0, **kw)
            except ProviderError as exc:
                if not exc.retryable or attempt == budget:
                    raise
                await self.async_sleep()(self._wait(exc))
        raise AssertionError("unreachable")


def factory(async_sleep: Any, floor: float = 0.0) -> ProviderFactory:
    # The sleeps are looked up at call time, as `time.sleep(...)` in a provider's code is.
    return ProviderFactory(
        lambda b: SleepsItself(b.scripted, lambda: time.sleep, async_sleep, floor),
        name="sleeps-itself",
        capabilities=["retries"],
    )


@pytest.mark.parametrize(
    "async_sleep",
    [lambda: asyncio.sleep, lambda: anyio.sleep],
    ids=["asyncio", "anyio"],
)
def test_a_provider_sleeping_for_real_is_checked_on_virtual_time_and_r5_sees_its_waits(
    async_sleep: Any,
) -> None:
    # Waits of a second and more, up to Retry-After + 1 s: minutes of real time if slept.
    report = run_conformance([factory(async_sleep)], only="R1,R5", max_examples=15)
    assert [(v.property, v.status, v.message) for v in report.verdicts] == [
        ("R1", "pass", ""),
        ("R5", "pass", ""),
    ]
    assert time.sleep is REAL["time.sleep"] and asyncio.sleep is REAL["asyncio.sleep"]
    assert anyio.sleep is REAL["anyio.sleep"]
    assert time.monotonic is REAL["time.monotonic"] and time.time is REAL["time.time"]


def test_r5_measures_the_waits_the_provider_really_asks_for() -> None:
    # Every wait is at least 400 s: above the declared cap of 300 s, so R5 must say so.
    report = run_conformance([factory(lambda: asyncio.sleep, 400)], only="R5", max_examples=5)
    (verdict,) = report.verdicts
    assert verdict.status == "FAIL"
    assert "the documented cap is 300 s" in verdict.message


def test_with_real_time_r5_needs_the_clock_and_sees_no_wait_from_a_provider_sleeping_itself() -> (
    None
):
    def quick(capabilities: list[str]) -> ProviderFactory:
        return ProviderFactory(
            lambda b: SleepsItself(b.scripted, lambda: _tiny_sleep, lambda: _tiny_asleep),
            name="quick",
            capabilities=capabilities,
        )

    (unsupported,) = run_conformance([quick(["retries"])], only="R5", virtual=False).verdicts
    assert (unsupported.status, unsupported.message) == ("not supported", "needs clock")
    # It claims to wait on the injected clock, but sleeps for real (1 ms here): R5 sees no wait.
    report = run_conformance(
        [quick(["retries", "clock"])], only="R5", max_examples=3, virtual=False
    )
    (verdict,) = report.verdicts
    assert verdict.status == "FAIL"
    assert "waited 0 time(s) on the injected clock" in verdict.message


def _tiny_sleep(seconds: float) -> None:
    time.sleep(0.001)


async def _tiny_asleep(seconds: float) -> None:
    await asyncio.sleep(0.001)


def test_nothing_stays_patched_when_an_example_raises() -> None:
    clock = VirtualClock()
    with pytest.raises(RuntimeError), virtual_time(clock):
        time.sleep(5)
        raise RuntimeError("boom")
    assert clock.sleeps == [5.0]
    assert time.sleep is REAL["time.sleep"] and asyncio.sleep is REAL["asyncio.sleep"]


def test_clocks_move_with_what_was_slept_and_async_sleeps_still_yield() -> None:
    clock = VirtualClock()
    seen: list[str] = []

    async def other() -> None:
        seen.append("other ran")

    async def main() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        task = asyncio.create_task(other())
        await asyncio.sleep(60)
        await asyncio.sleep(0)  # a plain yield is not a wait
        await task
        return loop.time() - start

    with virtual_time(clock):
        wall = time.time()
        loop_elapsed = asyncio.run(main())
        assert time.time() - wall >= 60
    assert clock.sleeps == [60.0] and seen == ["other ran"] and loop_elapsed >= 60


def test_the_backends_own_threads_keep_real_time() -> None:
    clock = VirtualClock()
    took: list[float] = []

    def server_work() -> None:
        start = REAL["time.monotonic"]()
        time.sleep(0.05)
        took.append(REAL["time.monotonic"]() - start)

    with virtual_time(clock):
        t = threading.Thread(target=server_work, name=f"{BACKEND_THREAD_PREFIX}-handler")
        t.start()
        t.join()
    assert clock.sleeps == [] and took[0] >= 0.04


def test_virtual_time_is_one_example_at_a_time_per_process() -> None:
    with virtual_time(VirtualClock()), pytest.raises(UsageError, match="already on"):  # noqa: SIM117
        with virtual_time(VirtualClock()):
            pass
    assert time.sleep is REAL["time.sleep"]


def test_trio_sleeps_are_virtual_too_where_trio_is_in_use() -> None:
    trio = pytest.importorskip("trio")
    clock = VirtualClock()
    with virtual_time(clock):
        trio.run(trio.sleep, 45)
    assert clock.sleeps == [45.0] and trio.sleep is REAL["trio.sleep"]
