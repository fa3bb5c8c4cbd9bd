"""``--llm-report-unplayed``: at the end of the session, the cassette interactions no test played.

Like syrupy's unused snapshots: the report lists, per cassette, the interactions that no test of
the whole session played (a cassette shared by several tests counts all of them; under
pytest-xdist, all workers). Removing them is offered, and done with
``--llm-remove-unplayed``, only when the whole suite ran: no ``-k`` / ``-m``, nothing
deselected (``--lf`` and the like deselect), no test named on the command line, no early stop
and no failure. Otherwise an interaction may only look unplayed because its test did not run.

It reads the session's :class:`~llm_fakes.cassettes.tally.CassetteTally` (the one strict mode
judges shared cassettes from; the ``llm_cassette`` fixture feeds it, xdist workers' tallies are
merged into the controller's), so both agree on what "never played" means.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llm_fakes.cassettes.fixtures import TALLY
from llm_fakes.config import GROUP

__all__ = ["remove_interactions"]

_DESELECTED = pytest.StashKey[int]()
_SESSION = pytest.StashKey[pytest.Session]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP)
    group.addoption(
        "--llm-report-unplayed",
        dest="llm_report_unplayed",
        action="store_true",
        default=False,
        help="At the end, list the cassette interactions no test played (per cassette, over "
        "the whole session).",
    )
    group.addoption(
        "--llm-remove-unplayed",
        dest="llm_remove_unplayed",
        action="store_true",
        default=False,
        help="As --llm-report-unplayed, and delete them from the cassettes when the whole "
        "suite ran (not with -k, -m, deselection, named tests or failures).",
    )


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        config = items[0].config
        config.stash[_DESELECTED] = config.stash.get(_DESELECTED, 0) + len(items)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_SESSION] = session


def remove_interactions(path: Path, indices: list[int], size: int) -> bool:
    """Rewrite the cassette without ``indices`` (atomically, under its lock); ``False`` and
    nothing written when it no longer holds ``size`` interactions (it changed meanwhile)."""
    from llm_fakes import _yaml
    from llm_fakes.cassettes import storage
    from llm_fakes.cassettes._lock import locked

    with locked(path, storage.LOCK_TIMEOUT):
        doc = storage.load(path)
        if len(doc["interactions"]) != size:
            return False
        drop = set(indices)
        doc["interactions"] = [x for i, x in enumerate(doc["interactions"]) if i not in drop]
        storage.write_atomic(path, _yaml.dumps(doc))
    return True


def _partial(session: pytest.Session) -> str | None:
    """Why this run was not the whole suite (``None`` when it was)."""
    config = session.config
    if config.option.keyword:
        return f"-k {config.option.keyword!r} selected part of the suite"
    if config.option.markexpr:
        return f"-m {config.option.markexpr!r} selected part of the suite"
    deselected = config.stash.get(_DESELECTED, 0)
    if deselected:
        return f"{deselected} test(s) were deselected"
    if session.shouldstop or session.shouldfail:
        return "the run stopped early"
    if session.testsfailed:
        return f"{session.testsfailed} test(s) failed"
    source = getattr(config, "args_source", None)
    if source is not None and source.name == "ARGS":
        named = [a for a in config.args if "::" in a]
        if named:
            return f"only {named[0]} was run"
        given = {Path(a).resolve() for a in config.args}
        testpaths = {(config.rootpath / p).resolve() for p in config.getini("testpaths") or ()}
        if config.rootpath.resolve() not in given and not (testpaths and testpaths <= given):
            return f"only {' '.join(config.args)} was run"
    return None


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    remove = bool(config.getoption("llm_remove_unplayed", False))
    report = remove or bool(config.getoption("llm_report_unplayed", False))
    if not report or getattr(config, "workerinput", None) is not None:
        return
    from llm_fakes.cassettes import storage

    tr = terminalreporter
    tally = config.stash[TALLY]
    found = [
        (path, tally.unplayed(path))
        for path, use in sorted(tally.uses.items())
        if use.users and not use.recorded and tally.unplayed(path)
    ]
    tr.write_sep("-", "llm-fakes: unplayed cassette interactions")
    if not found:
        tr.write_line("Every interaction of every cassette used was played.")
        return
    for path, unplayed in found:
        users = tally.users(path)
        tests = ", ".join(users[:3]) + (" ..." if len(users) > 3 else "")
        tr.write_line(
            f"{storage.display(Path(path))}: {len(unplayed)} of {tally.uses[path].size} "
            f"interaction(s) never played (used by {tests})"
        )
        for i in unplayed:
            tr.write_line(f"  #{i} {tally.describe(path, i)}".rstrip())
    n = sum(len(u) for _, u in found)
    why = _partial(config.stash[_SESSION])
    if why is not None:
        tr.write_line(
            f"Not offering to remove them: {why}, so an interaction may look unplayed only "
            "because its test did not run. Run the whole suite to judge."
        )
        return
    if not remove:
        tr.write_line(f"Remove these {n} interaction(s) with: pytest --llm-remove-unplayed")
        return
    removed = 0
    for path, unplayed in found:
        shown = storage.display(Path(path))
        if not tally.complete(path):
            tr.write_line(f"Left {shown} alone: not every test using it ran and passed.")
        elif remove_interactions(Path(path), unplayed, tally.uses[path].size):
            removed += len(unplayed)
        else:
            tr.write_line(f"Left {shown} alone: it changed on disk during the session.")
    tr.write_line(f"Removed {removed} unplayed interaction(s) from the cassettes above.")
