"""``--llm-report-unplayed``: at the end of the session, the cassette interactions no test played.

Like syrupy's unused snapshots: the report lists, per cassette, the interactions that no test of
the whole session played (a cassette shared by several tests counts all of them; under
pytest-xdist, all workers). Removing them is offered, and done with
``--llm-remove-unplayed``, only when the whole suite ran: no ``-k`` / ``-m``, nothing
deselected (``--lf`` and the like deselect), no test named on the command line, no early stop
and no failure. Otherwise an interaction may only look unplayed because its test did not run.

The tally is :class:`~llm_fakes.cassettes.played.PlayedRegistry`, one per session
(:func:`registry`); the ``llm_cassette`` fixture feeds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llm_fakes.cassettes.played import PlayedRegistry
from llm_fakes.config import GROUP

__all__ = ["registry"]

_REGISTRY = pytest.StashKey[PlayedRegistry]()
_DESELECTED = pytest.StashKey[int]()
_SESSION = pytest.StashKey[pytest.Session]()
_WORKER_KEY = "llm_fakes_played"


def registry(config: pytest.Config) -> PlayedRegistry:
    """This session's tally of played cassette interactions."""
    found = config.stash.get(_REGISTRY, None)
    if found is None:
        found = config.stash[_REGISTRY] = PlayedRegistry()
    return found


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


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # an xdist worker: hand the tally to the controller
        output[_WORKER_KEY] = registry(session.config).export()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data:
        registry(node.config).merge(data)


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
    from llm_fakes.cassettes.played import remove_interactions
    from llm_fakes.cassettes.tape import describe
    from llm_fakes.errors import CassetteError

    tr = terminalreporter
    tallies = registry(config).unplayed()
    tr.write_sep("-", "llm-fakes: unplayed cassette interactions")
    if not tallies:
        tr.write_line("Every interaction of every cassette used was played.")
        return
    n = 0
    for tally in tallies:
        path = Path(tally.path)
        try:
            interactions = storage.load(path)["interactions"]
        except (CassetteError, OSError):
            interactions = []
        tests = ", ".join(tally.tests[:3]) + (" ..." if len(tally.tests) > 3 else "")
        tr.write_line(
            f"{storage.display(path)}: {len(tally.unplayed)} of {tally.total} interaction(s) "
            f"never played (used by {tests})"
        )
        for i in tally.unplayed:
            shown = describe(interactions[i]) if i < len(interactions) else "(changed on disk)"
            tr.write_line(f"  #{i} {shown}")
        n += len(tally.unplayed)
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
    for tally in tallies:
        if remove_interactions(Path(tally.path), tally.unplayed, tally.total):
            removed += len(tally.unplayed)
        else:
            tr.write_line(f"Left {storage.display(Path(tally.path))} alone: it changed meanwhile.")
    tr.write_line(f"Removed {removed} unplayed interaction(s) from the cassettes above.")
