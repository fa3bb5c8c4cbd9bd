"""Clocks: a virtual one for tests (never really sleeps) and the real one.

Everything in the kit that waits (retry backoff, scripted latency) waits on a clock, so a test
that scripts "rate limited, retry after 30 s" finishes in microseconds and can still assert
that 30 s passed.

Example:
    >>> clock = VirtualClock()
    >>> clock.sleep(30)
    >>> clock.now(), clock.sleeps
    (30.0, [30.0])
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "RealClock", "VirtualClock"]


@runtime_checkable
class Clock(Protocol):
    """What the kit needs of a clock."""

    def now(self) -> float:
        """Seconds on this clock's own scale."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait (or pretend to) in synchronous code."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Wait (or pretend to) in async code, letting other tasks run."""
        ...


class VirtualClock:
    """A clock that advances only when slept on or advanced; it never blocks.

    ``asleep`` still yields to the event loop once, so other tasks keep running (a ticker in a
    test sees progress) and cancellation is delivered.

    Example:
        >>> c = VirtualClock(start=5.0)
        >>> c.advance(1.5)
        >>> c.now()
        6.5
    """

    __test__ = False

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep."""
        if seconds < 0:
            raise ValueError(f"cannot move a clock backwards: advance({seconds!r})")
        self._now += seconds

    def sleep(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        self.sleeps.append(seconds)
        self._now += seconds

    async def asleep(self, seconds: float) -> None:
        import asyncio  # deferred: importing asyncio costs ~60 ms, paid by every pytest session

        self.sleep(seconds)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now!r})"


class RealClock:
    """Wall-clock time: ``time.monotonic``, ``time.sleep`` and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        import asyncio

        await asyncio.sleep(max(0.0, seconds))
