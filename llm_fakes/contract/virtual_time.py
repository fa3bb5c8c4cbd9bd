"""Virtual time for the provider under test: its waits and clock reads go to the backend's clock.

While one example runs (and only then), the ways Python code waits and reads the time are pointed
at the example's :class:`~llm_fakes.clock.VirtualClock` (``backend.clock``):

* ``time.sleep``, ``asyncio.sleep``, ``anyio.sleep`` (and ``trio.sleep`` when trio is loaded)
  return at once; each wait of more than 0 s is recorded in ``backend.clock.sleeps`` (what R5
  reads) and moves the clock on. An async wait still yields to the event loop once, so other
  tasks run and cancellation arrives.
* ``time.monotonic``, ``time.time`` (and their ``_ns`` forms) read real time plus the time slept
  so far, so a deadline loop (``while time.monotonic() < deadline: ...``) ends as it would, and
  so does the event loop's own clock. ``time.perf_counter`` is left real: it measures, it does
  not schedule.

So a provider and the SDK under it (the official openai SDK sleeps with ``time.sleep`` and
``anyio.sleep`` between its own retries) retry in no real time, with no patch in the user's code.
The backend's own threads (the loopback server's) keep real time, and the timing checks (C3's
ticker, S7's release check) run their examples in real time, with nothing patched.

Why not a library: ``time-machine`` patches the wall-clock functions at the C level (so even
``from time import time`` is caught) but not ``time.sleep`` nor ``asyncio``/``anyio`` sleeps, and it
is a compiled dependency; ``freezegun`` freezes ``time``/``datetime`` by scanning every loaded
module on each start (slow at one start per example), does not touch ``sleep`` either, and a
frozen ``time.monotonic`` hangs asyncio unless ``real_asyncio=True`` gives asyncio real time
back; ``looptime`` fakes one asyncio event loop's time (its own loop class, via its pytest
plugin), not ``time.sleep`` in sync code or in the threads an SDK uses. What a retrying provider
needs is the waits, in every flavour, recorded and skipped: a few attribute swaps do that, undone
after each example. The limit: a name bound before the swap (``from time import sleep`` at
import) keeps real time.

Example:
    >>> import time
    >>> from llm_fakes.clock import VirtualClock
    >>> clock = VirtualClock()
    >>> with virtual_time(clock):
    ...     start = time.monotonic()
    ...     time.sleep(30)
    ...     waited = time.monotonic() - start
    >>> clock.sleeps, waited >= 30, time.sleep is REAL["time.sleep"]
    ([30.0], True, True)
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from llm_fakes.clock import VirtualClock
from llm_fakes.errors import UsageError

__all__ = ["BACKEND_THREAD_PREFIX", "REAL", "active", "virtual_time"]

#: Threads the backend itself runs (server and handlers) carry this name prefix: they keep real
#: time, and leak checks tell them from threads the provider under test leaves behind.
BACKEND_THREAD_PREFIX = "llm-fakes-backend"

#: The real functions, as they were when this module was imported.
REAL: dict[str, Any] = {
    "time.sleep": time.sleep,
    "time.monotonic": time.monotonic,
    "time.monotonic_ns": time.monotonic_ns,
    "time.time": time.time,
    "time.time_ns": time.time_ns,
    "asyncio.sleep": asyncio.sleep,
}

_state: dict[str, Any] = {"clock": None, "start": 0.0}
_lock = threading.Lock()


def active(clock: object) -> bool:
    """Whether virtual time is on, on ``clock``."""
    return _state["clock"] is clock and clock is not None


def _clock() -> VirtualClock | None:
    """The active clock, or None in a backend thread or outside an example."""
    clock: VirtualClock | None = _state["clock"]
    if clock is None or threading.current_thread().name.startswith(BACKEND_THREAD_PREFIX):
        return None
    return clock


def _slept() -> float:
    clock = _clock()
    return 0.0 if clock is None else clock.now() - _state["start"]


def _sleep(seconds: float) -> None:
    clock = _clock()
    if clock is None:
        REAL["time.sleep"](seconds)
    elif seconds > 0:
        clock.sleep(seconds)


def _monotonic() -> float:
    return float(REAL["time.monotonic"]() + _slept())


def _monotonic_ns() -> int:
    return int(REAL["time.monotonic_ns"]() + int(_slept() * 1e9))


def _time() -> float:
    return float(REAL["time.time"]() + _slept())


def _time_ns() -> int:
    return int(REAL["time.time_ns"]() + int(_slept() * 1e9))


def _async_sleep(real: str) -> Any:
    """A virtual stand-in for the async sleep ``REAL[real]`` (asyncio's, anyio's, trio's)."""

    async def sleep(delay: float, *args: Any, **kwargs: Any) -> Any:
        clock = _clock()
        if clock is not None and delay > 0:
            clock.sleep(delay)
            delay = 0  # still one real yield to the event loop
        return await REAL[real](delay, *args, **kwargs)

    return sleep


_FAKES: dict[str, Any] = {
    "time.sleep": _sleep,
    "time.monotonic": _monotonic,
    "time.monotonic_ns": _monotonic_ns,
    "time.time": _time,
    "time.time_ns": _time_ns,
    "asyncio.sleep": _async_sleep("asyncio.sleep"),
    "anyio.sleep": _async_sleep("anyio.sleep"),
    "trio.sleep": _async_sleep("trio.sleep"),
}


def _targets() -> list[tuple[Any, str, Any]]:
    """``(module, attribute, fake)`` for every wait and clock to swap here."""
    if "anyio.sleep" not in REAL and importlib.util.find_spec("anyio") is not None:
        # anyio is httpx's dependency, so nearly always here; load it now, so an SDK imported
        # during the first example meets the swapped sleep too.
        REAL["anyio.sleep"] = importlib.import_module("anyio").sleep
    if "trio.sleep" not in REAL and "trio" in sys.modules:
        REAL["trio.sleep"] = sys.modules["trio"].sleep
    out = []
    for name, fake in _FAKES.items():
        module_name, _, attr = name.rpartition(".")
        if name not in REAL:
            continue
        module = sys.modules.get(module_name)
        if module is not None:
            out.append((module, attr, fake))
    return out


@contextmanager
def virtual_time(clock: VirtualClock) -> Iterator[VirtualClock]:
    """Point waits and clock reads at ``clock`` for the ``with`` block; restore them after.

    Raises:
        UsageError: When virtual time is already on (one example at a time per process: the
            CLI's ``--jobs`` and pytest-xdist run examples in separate processes).
    """
    with _lock:
        if _state["clock"] is not None:
            raise UsageError(
                "Virtual time is already on in this process: conformance examples cannot run "
                "in parallel threads. Use separate processes (llm-fakes conformance --jobs N, "
                "or pytest -n N), or turn virtual time off (--real-time)."
            )
        targets = _targets()
        saved = [(module, attr, getattr(module, attr)) for module, attr, _ in targets]
        _state["clock"], _state["start"] = clock, clock.now()
        for module, attr, fake in targets:
            setattr(module, attr, fake)
    try:
        yield clock
    finally:
        with _lock:
            for module, attr, value in saved:
                setattr(module, attr, value)
            _state["clock"] = None
