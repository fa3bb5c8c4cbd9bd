"""pytest integration of cassettes, in the style of pytest-recording.

Registered by :mod:`llm_fakes.pytest_plugin`; cheap to import (the provider is imported inside
the fixture).

* ``llm_cassette``: a :class:`~llm_fakes.CassetteProvider` for this test, on
  ``<cassette dir>/<test module>/<test name>.yaml``; saved at teardown.
* ``llm_cassette_server``: the same cassette served on a loopback port
  (:class:`~llm_fakes.cassettes.server.CassetteServer`) to a client the test does not build (a
  subprocess, another language, an SDK made deep inside the code under test): point it at
  ``.base_url``. It records through the marker's ``upstream=`` (the real API's root URL) in the
  record modes that record; matching options, strict mode and the unplayed report are the same.
* ``llm_real_provider``: what to record from. Override it in a ``conftest.py``; it is requested
  only when something has to be recorded, so never in record mode ``none``.
* ``--llm-record-mode`` / ``llm_fakes_record_mode``: ``none`` (default), ``once``,
  ``new_episodes``, ``all``.
* ``--llm-fakes-cassette-dir`` / ``llm_fakes_cassette_dir``: the cassette folder, relative to the
  rootdir (default ``cassettes``).
* ``--llm-strict-cassettes`` / ``llm_fakes_strict_cassettes`` (``on``/``off``): fail a test that
  leaves recorded interactions unplayed (:class:`~llm_fakes.errors.UnusedInteractionsError`). A
  cassette several tests share is judged once, at the end of the session, across all of them
  (from the session's :class:`~llm_fakes.cassettes.tally.CassetteTally`), and only when every
  one of them ran and passed.
* ``--llm-report-unplayed`` (``--llm-remove-unplayed``): at the end, the interactions no test
  played, per cassette, over the whole session, from the same tally
  (:mod:`~llm_fakes.cassettes.report_plugin`).
* ``@pytest.mark.llm_cassette(name=None, *, record_mode=..., strict=..., **options)``: name or
  share a cassette (a name with a ``/`` is relative to the cassette folder, otherwise to this
  module's folder in it; it must stay inside the cassette folder unless ``allow_outside=True``)
  and pass ``CassetteProvider`` keywords (``match_on=``, ``normalize=``, ``filters=``, ...).
* A test id that must be sanitised to be a file name, or is very long, gets a short stable hash
  in its file name, so no two tests share a cassette by accident
  (:mod:`~llm_fakes.cassettes.naming`).
* The ``llm_config`` fixture may hold ``"record_mode"``, ``"strict_cassettes"`` and
  ``"cassette"`` (a dict of ``CassetteProvider`` keywords for a whole directory).

Settings follow :mod:`llm_fakes.config`'s precedence: command line > ini > marker > ``llm_config``.

Example (a test module)::

    @pytest.mark.llm_cassette(match_on=["messages"])
    def test_reply(llm_cassette):
        assert answer(llm_cassette, "What is 2+2?") == "4"
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from llm_fakes.config import (
    RECORD_MODE,
    Setting,
    accept_fixture_key,
    add_options,
    resolve_for,
)
from llm_fakes.errors import LLMFakesError, UsageError

from llm_fakes.cassettes.tally import CassetteTally

if TYPE_CHECKING:
    from llm_fakes.cassettes.provider import CassetteProvider
    from llm_fakes.cassettes.server import CassetteServer
    from llm_fakes.provider import LLMProvider

__all__ = [
    "CASSETTE_DIR",
    "STRICT_CASSETTES",
    "cassette_path",
    "llm_cassette",
    "llm_cassette_server",
    "llm_real_provider",
]

MARKER = "llm_cassette"
MARKER_FIXTURE = "llm_cassette"
SERVER_FIXTURE = "llm_cassette_server"
CASSETTE_DIR = Setting(
    name="cassette_dir",
    # --llm-cassette-dir is pytest-mockllm's: this one is --llm-fakes-cassette-dir only.
    short_option=False,
    in_fixture=False,  # read once per session, before any test's llm_config
    help="Folder of the cassettes, relative to the rootdir (default: cassettes).",
    default="cassettes",
)
STRICT_CASSETTES = Setting(
    name="strict_cassettes",
    help="Fail a test that leaves recorded cassette interactions unplayed: on or off (default).",
    default="off",
    choices=("on", "off"),
    marker=MARKER,
    marker_kwarg="strict",
    bool_values=("on", "off"),
)
#: ``llm_config["cassette"]``: the cassette fixtures' options, as the marker's keywords.
accept_fixture_key("cassette")
_OWN_KWARGS = frozenset({"name", "record_mode", "strict", "allow_outside"})
_PROVIDER_KWARGS = frozenset(
    {
        "match_on",
        "normalize",
        "filters",
        "filter_keys",
        "before_record_request",
        "before_record",
        "allow_playback_repeats",
        "types",
        "realtime",
        "clock",
        "cross_view_defaults",
    }
)
#: What the served form (``llm_cassette_server``) takes: the matching and scrubbing options, and
#: the real API's root URL to record from.
_SERVER_KWARGS = (_PROVIDER_KWARGS - {"types", "realtime", "clock"}) | {"upstream"}
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
#: This session's id; pytest-xdist workers of one run share their controller's.
_RUN = pytest.StashKey[str]()
#: Which tests use which cassette, and what they played (the whole run's, on xdist's controller).
TALLY = pytest.StashKey[CassetteTally]()
#: Shared cassettes strict mode judges at the end of the session; then its verdicts.
_STRICT_SHARED = pytest.StashKey[set[str]]()
_VERDICTS = pytest.StashKey[list[str]]()
_WORKER_KEY = "llm_fakes_cassettes"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser, [RECORD_MODE, CASSETTE_DIR, STRICT_CASSETTES])


def pytest_configure(config: pytest.Config) -> None:
    # xdist's controller and its workers share one run id; a session that is neither (pytester's
    # inner sessions inside a worker inherit the variable) is a run of its own.
    xdist = hasattr(config, "workerinput") or bool(getattr(config.option, "numprocesses", None))
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") if xdist else None
    config.stash[_RUN] = run_id or uuid.uuid4().hex
    config.stash[TALLY] = CassetteTally()
    config.stash[_STRICT_SHARED] = set()
    config.stash[_VERDICTS] = []
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name=None, *, record_mode=None, strict=None, **options): name or share the "
        "test's cassette (relative to its module's cassette folder; with a '/' to the cassette "
        "folder) and pass CassetteProvider options such as match_on=[...].",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def cassette_path(
    request: pytest.FixtureRequest, name: str | None = None, *, allow_outside: bool = False
) -> Path:
    """Where this test's cassette lives.

    ``<dir>/<module>/<Class.>test[params].yaml`` (a test id that must be sanitised, or is very
    long, gets a short hash: :mod:`~llm_fakes.cassettes.naming`); ``name`` replaces the file name
    (a name with a ``/`` is relative to ``<dir>`` instead) and must stay inside ``<dir>`` unless
    ``allow_outside``.

    Raises:
        UsageError: ``name`` leads outside the cassette folder and ``allow_outside`` is false.
    """
    return _path_of(request.config, request.node, request.cls, name, allow_outside)


def _path_of(
    config: pytest.Config, node: Any, cls: type | None, name: str | None, allow_outside: bool
) -> Path:
    from llm_fakes.cassettes.naming import file_stem, named_path

    folder = Path(str(resolve_for(CASSETTE_DIR, config).value))
    if not folder.is_absolute():
        folder = config.rootpath / folder
    if name is None:
        test = node.name
        if cls is not None:
            test = f"{cls.__name__}.{test}"
        return folder / Path(node.path).stem / f"{file_stem(test)}.yaml"
    base = folder if "/" in name else folder / Path(node.path).stem
    return named_path(folder, base, name, allow_outside=allow_outside, who=node.nodeid)


def _marker_name(node: Any) -> str | None:
    marker = node.get_closest_marker(MARKER)
    if marker is None:
        return None
    name = marker.args[0] if marker.args else marker.kwargs.get("name")
    return None if name is None else str(name)


def _marker_allows_outside(node: Any) -> bool:
    from llm_fakes.cassettes.naming import OPT_IN

    marker = node.get_closest_marker(MARKER)
    return marker is not None and bool(marker.kwargs.get(OPT_IN))


def pytest_itemcollected(item: pytest.Item) -> None:
    """Tally which tests use which cassette (before any are deselected), to judge shared ones."""
    if {MARKER_FIXTURE, SERVER_FIXTURE} & set(getattr(item, "fixturenames", ())):
        try:
            path = _path_of(
                item.config,
                item,
                getattr(item, "cls", None),
                _marker_name(item),
                _marker_allows_outside(item),
            )
        except UsageError:  # the fixture raises it, on the test that has it
            return
        item.config.stash[TALLY].expect(str(path), item.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Judge the shared cassettes strict mode deferred; an xdist worker hands its tally on."""
    config = session.config
    tally, shared = config.stash[TALLY], config.stash[_STRICT_SHARED]
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_KEY] = {"tally": tally.to_data(), "strict": sorted(shared)}
        return
    if not shared:  # most sessions: nothing to judge, and nothing to import for it
        return
    from llm_fakes.cassettes import storage
    from llm_fakes.cassettes.tape import unplayed_message

    verdicts = config.stash[_VERDICTS]
    for path in sorted(shared):
        if tally.complete(path):
            users = tally.users(path)
            message = unplayed_message(
                storage.display(Path(path)),
                tally.unplayed(path),
                functools.partial(tally.describe, path),
                users=len(users),
            )
            if message:
                verdicts.append(f"{message}\nThe tests using it: {', '.join(users)}.")
    if verdicts and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist's controller: merge a finished worker's cassette tally into the run's."""
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data:
        node.config.stash[TALLY].merge(data["tally"])
        node.config.stash[_STRICT_SHARED].update(data["strict"])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    verdicts = config.stash.get(_VERDICTS, [])
    if verdicts:
        terminalreporter.write_sep("=", "llm-fakes: strict cassettes", red=True)
        for verdict in verdicts:
            terminalreporter.write_line(f"UnusedInteractionsError: {verdict}")


def _options(
    request: pytest.FixtureRequest,
    llm_config: dict[str, Any],
    allowed: frozenset[str] = _PROVIDER_KWARGS,
) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(llm_config.get("cassette") or {})
    if marker is not None:
        if len(marker.args) > 1:
            raise UsageError(
                f"@pytest.mark.{MARKER} takes one cassette name, got {marker.args!r}. "
                "Use one cassette per test, or share one by giving the tests the same name."
            )
        options.update({k: v for k, v in marker.kwargs.items() if k not in _OWN_KWARGS})
        name = _marker_name(request.node)
        if name is not None:
            options["name"] = name
        if "allow_outside" in marker.kwargs:
            options["allow_outside"] = marker.kwargs["allow_outside"]
    unknown = sorted(set(options) - allowed - {"name", "allow_outside"})
    if unknown:
        raise UsageError(
            f"Unknown cassette option(s) {unknown!r} for {request.node.nodeid}. The options are "
            f"{sorted(_OWN_KWARGS | allowed)!r}; fix the @pytest.mark.{MARKER} "
            "marker or llm_config['cassette']."
        )
    return options


def _check_renamed(request: pytest.FixtureRequest, path: Path) -> None:
    """Replaying a test whose cassette an older release wrote under the hash-less name: say how
    to move it, instead of a miss.

    Raises:
        UsageError: The old file is there and the new one is not.
    """
    from llm_fakes.cassettes import storage
    from llm_fakes.cassettes.naming import legacy_stem

    test = request.node.name if request.cls is None else f"{request.cls.__name__}.{request.node.name}"
    old = path.with_name(f"{legacy_stem(test)}.yaml")
    if old != path and old.exists():
        raise UsageError(
            f"The cassette of {request.node.nodeid} is now {storage.display(path)}: a test id "
            "that must be sanitised gets a hash of the whole id, so that no two tests share a "
            f"file. An older llm-fakes wrote it to {storage.display(old)}. Rename that file "
            "(other ids sanitised alike may have shared it: re-record them with "
            "--llm-record-mode=once if they miss), or re-record this test."
        )


@pytest.fixture
def llm_real_provider() -> LLMProvider:
    """The real provider cassettes record from: override it (unused in record mode none)."""
    raise UsageError(
        "A cassette has to record (the record mode is not 'none'), but the llm_real_provider "
        "fixture is not overridden. Define it in your conftest.py, returning your real "
        "provider:\n\n    @pytest.fixture\n    def llm_real_provider():\n"
        "        return MyProvider(...)\n\nor replay only with --llm-record-mode=none."
    )


@pytest.fixture
def llm_cassette(
    request: pytest.FixtureRequest, llm_config: dict[str, Any]
) -> Iterator[CassetteProvider]:
    """A CassetteProvider for this test (cassettes/<module>/<test>.yaml), saved at teardown."""
    from llm_fakes.cassettes.provider import CassetteProvider

    mode = resolve_for(RECORD_MODE, request.config, request.node, llm_config).value
    strict = resolve_for(STRICT_CASSETTES, request.config, request.node, llm_config).value
    options = _options(request, llm_config)
    name = options.pop("name", None)
    path = cassette_path(request, name, allow_outside=bool(options.pop("allow_outside", False)))
    if name is None and mode == "none" and not path.exists():
        _check_renamed(request, path)

    def real() -> LLMProvider:
        provider: LLMProvider = request.getfixturevalue("llm_real_provider")
        return provider

    config = request.config
    __tracebackhide__ = True
    try:
        cassette = CassetteProvider(
            path, inner=real, mode=mode, run_id=config.stash[_RUN], **options
        )
    except LLMFakesError as exc:  # a broken cassette: its message names the file and field
        raise exc.with_traceback(None)  # noqa: B904 (the same error, without the kit's frames)
    yield cassette
    recorded = cassette.recorded > 0
    cassette.save()
    _settle(request, path, cassette, recorded=recorded, strict=strict == "on")


@pytest.fixture
def llm_cassette_server(
    request: pytest.FixtureRequest, llm_config: dict[str, Any]
) -> Iterator[CassetteServer]:
    """This test's cassette served on 127.0.0.1 to any client: use its .base_url."""
    from llm_fakes.cassettes.server import CassetteServer

    mode = resolve_for(RECORD_MODE, request.config, request.node, llm_config).value
    strict = resolve_for(STRICT_CASSETTES, request.config, request.node, llm_config).value
    options = _options(request, llm_config, allowed=_SERVER_KWARGS)
    name = options.pop("name", None)
    path = cassette_path(request, name, allow_outside=bool(options.pop("allow_outside", False)))
    if name is None and mode == "none" and not path.exists():
        _check_renamed(request, path)
    server = CassetteServer(path, mode, run_id=request.config.stash[_RUN], **options)
    try:
        with server.serve():
            yield server
    finally:
        server.close()
    _settle(request, path, server, recorded=server.recorded > 0, strict=strict == "on")
    call = request.node.stash.get(_REPORTS, {}).get("call")
    if server.misses and call is not None and call.passed:
        from llm_fakes.errors import CassetteMiss

        # The client got a 400 it may have swallowed: in-process, the miss would have failed
        # the test, so it does here too.
        more = f" (and {len(server.misses) - 1} more)" if len(server.misses) > 1 else ""
        raise CassetteMiss(f"{server.misses[0]}{more}")


def _settle(
    request: pytest.FixtureRequest, path: Path, cassette: Any, *, recorded: bool, strict: bool
) -> None:
    """After a test: tally what its cassette played, and judge it in strict mode."""
    from llm_fakes.cassettes.tape import describe

    config = request.config
    call = request.node.stash.get(_REPORTS, {}).get("call")
    passed = call is not None and call.passed
    key, nodeid = str(path), request.node.nodeid
    # A path no test was expected to use at collection (named through llm_config rather than the
    # marker) is this test's alone, as is one only this test uses.
    alone = config.stash[TALLY].expected(key) <= {nodeid}
    unplayed = cassette.unplayed()
    skipped = set(unplayed)
    # The whole session's view: a shared cassette is judged (and named) from any user's tape.
    config.stash[TALLY].record(
        key,
        nodeid,
        size=len(cassette.interactions),
        played=(i for i in range(len(cassette.interactions)) if i not in skipped),
        described={i: describe(cassette.interactions[i]) for i in unplayed},
        passed=passed,
        recorded=recorded,
    )
    if strict and passed:
        if alone:
            cassette.assert_all_played()
        else:
            config.stash[_STRICT_SHARED].add(key)
