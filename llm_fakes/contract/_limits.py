"""Bounds on one conformance example: a time limit, and no life after a provider's ``fork()``.

:class:`ExampleClock` raises :class:`ExampleTimeout` in the example when it runs past its limit,
through ``SIGALRM`` (``signal.setitimer``): that interrupts a provider spinning in Python, or
sleeping or waiting on a socket or a lock, in the main thread. It is a ``BaseException``, so a
provider's ``except Exception`` does not swallow it; hypothesis lets it through and the runner
reports "did not return within N s" for the property. Where signals cannot be used (a thread
other than the main one, or a platform without ``setitimer``) there is no limit in-process; the
``llm-fakes conformance`` command runs examples in worker processes whose parent also kills a
worker that does not answer (:mod:`~llm_fakes.contract._parallel`), which covers C code that
never returns to Python too.

:func:`leave_if_forked` ends, silently, a process the provider forked that came back into the
runner (it would otherwise go on running examples and print a second report), and
:func:`reap_forks` kills children the provider forked that are still running.

Example:
    >>> import time
    >>> clock = ExampleClock(0.05)
    >>> with clock:
    ...     try:
    ...         with clock.example():
    ...             time.sleep(5)
    ...     except ExampleTimeout as exc:
    ...         print(exc)
    did not return within 0.05 s
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

__all__ = [
    "EXAMPLE_TIMEOUT",
    "ExampleClock",
    "ExampleTimeout",
    "check_timeout",
    "children",
    "fork_count",
    "leave_if_forked",
    "reap_forks",
]

#: Seconds one example may take by default (``--example-timeout`` raises it). Examples take
#: milliseconds; the first of a property also builds the provider (importing its SDK).
EXAMPLE_TIMEOUT = 10.0


def check_timeout(seconds: object, option: str = "example_timeout") -> float | None:
    """``seconds`` as a positive finite float (``None``: no limit).

    Raises:
        UsageError: Zero, negative, NaN, infinite or not a number.

    Example:
        >>> check_timeout(2), check_timeout(None)
        (2.0, None)
    """
    from llm_fakes.errors import UsageError

    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise UsageError(f"{option} must be a number of seconds, got {seconds!r}; e.g. 30.")
    value = float(seconds)
    if not math.isfinite(value) or value <= 0:
        raise UsageError(
            f"{option} must be a positive, finite number of seconds, got {seconds!r}; e.g. 30."
        )
    return value


class ExampleTimeout(BaseException):
    """An example ran past its time limit (a ``BaseException``: ``except Exception`` misses it)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"did not return within {seconds:g} s")
        self.seconds = seconds


class ExampleClock:
    """Arms ``SIGALRM`` for each example while the ``with`` block (one property's run) lasts.

    Inert when ``seconds`` is ``None`` or signals are unavailable here.
    """

    def __init__(self, seconds: float | None) -> None:
        usable = (
            seconds is not None
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        )
        self.seconds = seconds if usable else None
        self._previous: Any = None
        self._outer: tuple[tuple[float, float], float] = ((0.0, 0.0), 0.0)

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        assert self.seconds is not None
        raise ExampleTimeout(self.seconds)

    def __enter__(self) -> ExampleClock:
        if self.seconds is not None:
            # Another timer (pytest-timeout's, say) is paused meanwhile and resumed after.
            self._outer = (signal.getitimer(signal.ITIMER_REAL), time.monotonic())
            self._previous = signal.signal(signal.SIGALRM, self._on_alarm)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.seconds is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            (delay, interval), since = self._outer
            if delay > 0:
                left = max(delay - (time.monotonic() - since), 0.001)
                signal.setitimer(signal.ITIMER_REAL, left, interval)

    @contextlib.contextmanager
    def example(self) -> Iterator[None]:
        """Limit the block to ``seconds``; the alarm repeats, so a provider that swallows it
        once (or hangs in its own cleanup) is interrupted again."""
        if self.seconds is None:
            yield
            return
        signal.setitimer(signal.ITIMER_REAL, self.seconds, self.seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def leave_if_forked(pid: int) -> None:
    """In a process the provider forked (``os.getpid() != pid``), exit at once and silently:
    no cleanup, no flushing of the parent's buffered output, no report."""
    if os.getpid() != pid:
        os._exit(0)


_forks = [0]


def _count_fork() -> None:
    _forks[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_parent=_count_fork)


def fork_count() -> int:
    """How many times this process has forked (``os.fork``, multiprocessing's fork)."""
    return _forks[0]


def children() -> set[int]:
    """This process's child processes now (Linux; elsewhere an empty set)."""
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in (task / "children").read_text().split())
    return found


def reap_forks(before: set[int]) -> None:
    """Kill and reap the children that are not in ``before`` (taken with :func:`children`)."""
    for pid in children() - before:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
