"""A session-wide tally of cassette use: which tests used which cassette, and what they played.

A cassette shared by several tests (``@pytest.mark.llm_cassette("shared")``) is loaded afresh by
each of them, and each plays only its own share: whether a recorded interaction was "never
played" can only be judged across all of them, once, at the end of the session. The pytest
fixture :func:`~llm_fakes.cassettes.fixtures.llm_cassette` feeds this tally; strict mode
(``--llm-strict-cassettes=on``) judges shared cassettes from it, and anything else that needs the
whole session's view of a cassette (a report of unplayed interactions) can read it the same way.

Under pytest-xdist each worker keeps its own tally and sends :meth:`CassetteTally.to_data` to the
controller, which :meth:`CassetteTally.merge`\\ s them: the controller's tally is the whole run's.

Example:
    >>> tally = CassetteTally()
    >>> for test in ("t::a", "t::b"):
    ...     tally.expect("c.yaml", test)
    >>> tally.record("c.yaml", "t::a", size=3, played=[0], described={1: "b", 2: "c"})
    >>> tally.record("c.yaml", "t::b", size=3, played=[1], described={0: "a", 2: "c"})
    >>> tally.unplayed("c.yaml")
    [2]
    >>> tally.users("c.yaml")
    ['t::a', 't::b']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CassetteTally", "CassetteUse"]


@dataclass(kw_only=True)
class CassetteUse:
    """What the tests of this session did with one cassette file."""

    #: Tests collected with this cassette (those that would use it if they all ran).
    expected: set[str] = field(default_factory=set)
    #: Tests that used it, and whether each passed (a failed test's plays prove nothing).
    users: dict[str, bool] = field(default_factory=dict)
    #: The most interactions any user loaded from the file.
    size: int = 0
    #: Indices some user played.
    played: set[int] = field(default_factory=set)
    #: Index -> a few words on that interaction (for a message), from the users' tapes.
    described: dict[int, str] = field(default_factory=dict)
    #: Some user recorded into it (the file changed under the session: nothing to judge).
    recorded: bool = False


class CassetteTally:
    """Cassette path -> :class:`CassetteUse`, for one session (or one xdist worker of it)."""

    def __init__(self) -> None:
        self.uses: dict[str, CassetteUse] = {}

    def _use(self, path: str) -> CassetteUse:
        return self.uses.setdefault(path, CassetteUse())

    def expect(self, path: str, nodeid: str) -> None:
        """Note, at collection, that test ``nodeid`` uses the cassette at ``path``."""
        self._use(path).expected.add(nodeid)

    def expected(self, path: str) -> set[str]:
        """The tests collected with this cassette (empty when none was known at collection)."""
        use = self.uses.get(path)
        return set(use.expected) if use else set()

    def record(
        self,
        path: str,
        nodeid: str,
        *,
        size: int,
        played: Iterable[int],
        described: Mapping[int, str],
        passed: bool = True,
        recorded: bool = False,
    ) -> None:
        """Note that test ``nodeid`` used the cassette: ``size`` loaded, ``played`` replayed."""
        use = self._use(path)
        use.users[nodeid] = use.users.get(nodeid, True) and passed
        use.size = max(use.size, size)
        use.played.update(played)
        use.described.update(described)
        use.recorded = use.recorded or recorded

    def users(self, path: str) -> list[str]:
        """The tests that used the cassette, sorted."""
        use = self.uses.get(path)
        return sorted(use.users) if use else []

    def complete(self, path: str) -> bool:
        """Every test collected with it ran and passed, and none recorded: a verdict is fair."""
        use = self.uses.get(path)
        if use is None or not use.users or use.recorded:
            return False
        return use.expected <= set(use.users) and all(use.users.values())

    def unplayed(self, path: str) -> list[int]:
        """Indices of the interactions that no test of the session played."""
        use = self.uses.get(path)
        if use is None:
            return []
        return [i for i in range(use.size) if i not in use.played]

    def describe(self, path: str, index: int) -> str:
        """A few words on interaction ``index`` of the cassette (its number when unknown)."""
        use = self.uses.get(path)
        return use.described.get(index, "") if use else ""

    # ------------------------------------------------------------------ pytest-xdist

    def to_data(self) -> dict[str, Any]:
        """Plain data (lists, dicts, str keys) an xdist worker can send to its controller."""
        return {
            path: {
                "expected": sorted(use.expected),
                "users": use.users,
                "size": use.size,
                "played": sorted(use.played),
                "described": {str(i): text for i, text in use.described.items()},
                "recorded": use.recorded,
            }
            for path, use in self.uses.items()
        }

    def merge(self, data: Mapping[str, Any]) -> None:
        """Add a worker's :meth:`to_data` to this tally."""
        for path, raw in data.items():
            use = self._use(path)
            use.expected.update(raw["expected"])
            for nodeid, passed in raw["users"].items():
                use.users[nodeid] = use.users.get(nodeid, True) and passed
            use.size = max(use.size, raw["size"])
            use.played.update(raw["played"])
            use.described.update({int(i): text for i, text in raw["described"].items()})
            use.recorded = use.recorded or raw["recorded"]
