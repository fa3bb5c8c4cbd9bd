"""Async waits that work under asyncio and trio (anyio runs tests on both when trio is installed).

The kit's clocks wait with ``asyncio.sleep``, which trio refuses. The scripted fake therefore
waits through :class:`AnyLoopClock`, which keeps the wrapped clock's bookkeeping (a
:class:`~llm_fakes.clock.VirtualClock` still records every sleep) and yields to whichever event
loop is running. trio is detected only when it has been imported, so asyncio pays nothing.

Example:
    >>> import asyncio
    >>> from llm_fakes.clock import VirtualClock
    >>> clock = AnyLoopClock(VirtualClock())
    >>> asyncio.run(clock.asleep(2.5))
    >>> clock.inner.sleeps
    [2.5]
"""

from __future__ import annotations

import asyncio
import importlib
import sys

from llm_fakes.clock import Clock, RealClock, VirtualClock

__all__ = ["AnyLoopClock", "checkpoint"]


def _on_trio() -> bool:
    if "trio" not in sys.modules:
        return False
    try:
        import sniffio

        return sniffio.current_async_library() == "trio"
    except Exception:  # no sniffio, or no recognisable loop: not trio
        return False


async def checkpoint() -> None:
    """Let other tasks run once, and deliver cancellation, on asyncio or trio."""
    if _on_trio():
        await importlib.import_module("trio").lowlevel.checkpoint()
    else:
        await asyncio.sleep(0)


class AnyLoopClock:
    """A :class:`~llm_fakes.clock.Clock` whose ``asleep`` works on asyncio and trio."""

    __slots__ = ("inner",)

    def __init__(self, inner: Clock) -> None:
        self.inner = inner

    def now(self) -> float:
        return self.inner.now()

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        inner = self.inner
        method = type(inner).asleep
        if method is VirtualClock.asleep:
            inner.sleep(seconds)
            await checkpoint()
        elif method is RealClock.asleep and _on_trio():
            await importlib.import_module("trio").sleep(max(0.0, seconds))
        else:
            await inner.asleep(seconds)
