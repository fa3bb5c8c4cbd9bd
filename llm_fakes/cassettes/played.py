"""A session-wide tally of which cassette interactions were played, over every test.

Each test gets its own :class:`~llm_fakes.CassetteProvider`, so one provider only knows what its
own test played; a cassette shared by several tests (``@pytest.mark.llm_cassette("shared")``) is
judged over all of them. The ``llm_cassette`` fixture :meth:`~PlayedRegistry.note`\\ s each
provider at teardown; at the end of the session :meth:`~PlayedRegistry.unplayed` lists, per
cassette, the interactions no test played. It is the one place both ``--llm-report-unplayed``
and a session-level strict mode read. Under pytest-xdist each worker :meth:`~PlayedRegistry.
export`\\ s its tally and the controller :meth:`~PlayedRegistry.merge`\\ s them.

A cassette something was recorded into during the session is not judged (its interactions are
new, or were replaced).

Example:
    >>> reg = PlayedRegistry()
    >>> reg.add("c.yaml", total=3, played=[0], test="t1")
    >>> reg.add("c.yaml", total=3, played=[2], test="t2")
    >>> [(t.path, t.unplayed, t.tests) for t in reg.unplayed()]
    [('c.yaml', [1], ['t1', 't2'])]
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CassetteTally", "PlayedRegistry", "remove_interactions"]


@dataclass(kw_only=True)
class CassetteTally:
    """What the session did with one cassette."""

    path: str
    total: int
    played: set[int] = field(default_factory=set)
    tests: list[str] = field(default_factory=list)
    recorded: bool = False
    failed: bool = False

    @property
    def unplayed(self) -> list[int]:
        """Indices no test played."""
        return [i for i in range(self.total) if i not in self.played]


class PlayedRegistry:
    """The session's tally, cassette by cassette (thread-safe)."""

    def __init__(self) -> None:
        self._tallies: dict[str, CassetteTally] = {}
        self._lock = threading.Lock()

    def add(
        self,
        path: str,
        *,
        total: int,
        played: Iterable[int],
        test: str,
        recorded: bool = False,
        failed: bool = False,
    ) -> None:
        """Count what one test (or worker) did with the cassette at ``path``."""
        with self._lock:
            tally = self._tallies.get(path)
            if tally is None:
                tally = self._tallies[path] = CassetteTally(path=path, total=total)
            if tally.total != total:
                tally.recorded = True  # the file changed under the session: do not judge it
            tally.played.update(played)
            if test not in tally.tests:
                tally.tests.append(test)
            tally.recorded = tally.recorded or recorded
            tally.failed = tally.failed or failed

    def note(self, cassette: Any, test: str, *, passed: bool) -> None:
        """Count a :class:`~llm_fakes.CassetteProvider` at the end of ``test``."""
        total = len(cassette.interactions)
        played = set(range(total)) - set(cassette.unplayed())
        self.add(
            str(Path(cassette.path).resolve()),
            total=total,
            played=played,
            test=test,
            recorded=cassette.has_recorded or not cassette.exists,
            failed=not passed,
        )

    def unplayed(self) -> list[CassetteTally]:
        """The judged cassettes with interactions no test played, by path."""
        with self._lock:
            tallies = sorted(self._tallies.values(), key=lambda t: t.path)
        return [t for t in tallies if not t.recorded and t.unplayed]

    def export(self) -> dict[str, Any]:
        """Plain data (for an xdist worker's ``workeroutput``)."""
        with self._lock:
            return {
                p: {
                    "total": t.total,
                    "played": sorted(t.played),
                    "tests": list(t.tests),
                    "recorded": t.recorded,
                    "failed": t.failed,
                }
                for p, t in self._tallies.items()
            }

    def merge(self, data: dict[str, Any]) -> None:
        """Add another tally's :meth:`export`."""
        for path, t in data.items():
            for i, test in enumerate(t["tests"] or [""]):
                self.add(
                    path,
                    total=t["total"],
                    played=t["played"] if i == 0 else (),
                    test=test,
                    recorded=t["recorded"],
                    failed=t["failed"],
                )


def remove_interactions(path: Path, indices: list[int], total: int) -> bool:
    """Rewrite the cassette without ``indices`` (atomically, under its lock); ``False`` and
    nothing written when it no longer holds ``total`` interactions (it changed meanwhile)."""
    from filelock import FileLock

    from llm_fakes.cassettes import _yaml, storage

    with FileLock(str(storage.lock_path(path)), timeout=storage.LOCK_TIMEOUT):
        doc = storage.load(path)
        if len(doc["interactions"]) != total:
            return False
        drop = set(indices)
        doc["interactions"] = [x for i, x in enumerate(doc["interactions"]) if i not in drop]
        storage.write_atomic(path, _yaml.dumps(doc))
    return True
