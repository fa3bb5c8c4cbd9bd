"""Shared by the hardening tests: the tally of inputs tried, a hang guard, a socket probe.

Every fuzz and fault test records what it tried in :data:`TALLY` (by category and by outcome);
``conftest.py`` prints the totals at the end of the session, so the counts are in the test output
(and, with ``LLM_FAKES_HARDENING_REPORT=<path>``, in a JSON file for the note).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

#: category -> outcome -> count, e.g. TALLY["cassette files"]["CassetteFormatError"] += 1.
TALLY: defaultdict[str, Counter[str]] = defaultdict(Counter)


def tally(category: str, outcome: str) -> None:
    """Count one input tried (or one fault injected) and how it ended."""
    TALLY[category][outcome] += 1


def summary_lines() -> list[str]:
    """The tally as printable lines, one per category, then a total."""
    lines = []
    total = 0
    for category in sorted(TALLY):
        outcomes = TALLY[category]
        n = sum(outcomes.values())
        total += n
        parts = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        lines.append(f"{category}: {n} tried ({parts})")
    if lines:
        lines.append(f"total: {total} bad inputs and faults tried, every one ended as expected")
    return lines


class Hang(Exception):
    """Raised inside a block that ran longer than its budget."""


@contextlib.contextmanager
def no_hang(seconds: float, what: str) -> Iterator[None]:
    """Fail (raise :class:`Hang`) if the block runs longer than ``seconds`` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(_signum: int, _frame: object) -> None:
        raise Hang(f"{what} still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def sockets_to(port: int) -> int:
    """How many of this process's sockets are TCP connections to ``port`` on loopback.

    Counts the client side only (a server in this same process has its own sockets, which a
    plain count of open sockets would include): sockets whose *remote* port is ``port``.
    """
    ours = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/self/fd/{fd}")
            if link.startswith("socket:["):
                ours.add(link[8:-1])
    n = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[9] in ours:
                    n += 1
    return n
