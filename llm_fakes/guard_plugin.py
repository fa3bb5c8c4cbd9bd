"""pytest wiring of the network guard: ``--llm-guard``, ``--llm-allow-hosts``, ``llm_guard``.

Registered through ``llm_fakes.pytest_plugin.PLUGIN_MODULES``. Cheap to import: the guard
module imports neither httpx nor httpcore (it patches them when they are first imported).

For each test the guard's mode and allowed hosts are resolved with :mod:`llm_fakes.config`'s
precedence (command line > ini > marker > ``llm_config`` fixture). In mode ``auto`` the guard is
on exactly when the test's record mode is ``none``. Outside tests (collection, session-scoped
fixtures) the session-wide policy from the command line and ini file applies.

A blocked connection raises :class:`~llm_fakes.errors.NetworkBlockedError` where it happens. If
the code under test catches that error and the test would otherwise pass, the test fails anyway
with the same message: a replay-mode test that silently reached for the network is a bug. That
holds in each phase: a fixture that swallows it (function-, module- or session-scoped) fails the
setup or teardown of the test during which it ran; so does one in a thread started meanwhile, or
in a pool's worker thread (whenever the pool started). Another thread started during an earlier
test (or before the first) that makes a blocked call later fails no innocent test: it is listed
in the terminal summary, which names the test that started it, and the run's exit status is 1.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from llm_fakes import guard
from llm_fakes.config import (
    ALLOW_HOSTS,
    GUARD,
    RECORD_MODE,
    add_options,
    check_fixture,
    resolve_for,
)
from llm_fakes.errors import NetworkBlockedError, UsageError

_TRACKER = pytest.StashKey["_Tracker"]()
_WORKER_KEY = "llm_fakes_guard_strays"

FIX = (
    "Record the session with --llm-record-mode=once, allow the host with "
    "--llm-allow-hosts={host} (or @pytest.mark.llm_guard(allow_hosts=['{host}'])), "
    "or turn the guard off with --llm-guard=off."
)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser, [GUARD, ALLOW_HOSTS])


def pytest_configure(config: pytest.Config) -> None:
    tracker = _Tracker()
    config.stash[_TRACKER] = tracker
    guard._listeners.append(tracker.blocked)
    config.add_cleanup(lambda: guard._listeners.remove(tracker.blocked))
    config.addinivalue_line(
        "markers",
        "llm_guard(mode='on'|'off'|'auto', allow_hosts=[...]): set the llm-fakes network guard "
        "for a test, class or module (the command line and ini keys take precedence).",
    )
    try:
        policy = _policy(config, None, None)
    except UsageError as exc:  # a bad ini value or option: report it as pytest reports its own
        raise pytest.UsageError(str(exc)) from None
    if policy.enabled:
        guard.activate(policy)
        # A cleanup, not pytest_unconfigure: it also runs when a later plugin's configure fails.
        config.add_cleanup(lambda: guard.deactivate(policy))


class _PluginPolicy(guard.GuardPolicy):
    """A policy the plugin set (the session's or a test's), as opposed to a ``block_network()``
    in the test itself, whose blocked calls the test asserts on and this plugin leaves alone."""

    __slots__ = ("tracker",)

    tracker: _Tracker | None  # the session's tracker (pytester runs sessions inside sessions)


class _Tracker:
    """Which test phase each blocked call belongs to, or which earlier test's thread made it."""

    def __init__(self) -> None:
        #: The running phase: (test id, "setup" / "call" / "teardown") and its test thread.
        self.phase: tuple[str, str] | None = None
        self.test_thread = threading.current_thread()
        #: Blocked calls of the running phase, as (policy, host, port).
        self.caught: list[tuple[guard.GuardPolicy, str, int]] = []
        #: Each thread seen alive at the end of a test, with the test it was started during
        #: ("" for threads that were there before the first test).
        self.owners: weakref.WeakKeyDictionary[threading.Thread, str] = weakref.WeakKeyDictionary()
        #: Blocked calls no running phase owns: the summary lists them.
        self.strays: list[str] = []

    def claim_threads(self, nodeid: str) -> None:
        for thread in threading.enumerate():
            self.owners.setdefault(thread, nodeid)

    def blocked(self, policy: guard.GuardPolicy, host: str, port: int) -> None:
        if not isinstance(policy, _PluginPolicy) or policy.tracker is not self:
            return
        thread = threading.current_thread()
        if self.phase is not None and (
            thread is self.test_thread or thread not in self.owners or _pooled(thread)
        ):
            self.caught.append((policy, host, port))
            return
        origin = self.owners.get(thread)
        started = f"started during {origin}" if origin else "started before the first test"
        when = f"during the {self.phase[1]} of {self.phase[0]}" if self.phase else "between tests"
        if thread is self.test_thread:
            who = "pytest's own thread (outside any test: collection or a hook)"
        else:
            who = f"the background thread {thread.name!r} ({started})"
        self.strays.append(f"{who} tried to reach {host}:{port} {when}")


def _pooled(thread: threading.Thread) -> bool:
    """A worker of a thread pool (``concurrent.futures``, hence asyncio's default executor, or
    anyio's): it runs what the running test hands it, whenever the pool was started."""
    target = getattr(thread, "_target", None)
    if getattr(target, "__module__", None) == "concurrent.futures.thread":
        return True
    return type(thread).__module__.partition(".")[0] in ("anyio", "trio")


def _policy(
    config: pytest.Config, item: pytest.Item | None, fixture: Mapping[str, Any] | None
) -> guard.GuardPolicy:
    mode = resolve_for(GUARD, config, item, fixture)
    hosts = resolve_for(ALLOW_HOSTS, config, item, fixture)
    if mode.value == "auto":
        recording = resolve_for(RECORD_MODE, config, item, fixture)
        enabled = recording.value == "none"
        reason = f"the record mode is {recording.value!r} ({recording.source})"
    else:
        enabled = mode.value == "on"
        reason = f"of {mode.source}"
    policy = _PluginPolicy(enabled=enabled, allow_hosts=hosts.value, reason=reason, fix=FIX)
    policy.tracker = config.stash.get(_TRACKER, None)
    return policy


@pytest.fixture
def llm_config() -> dict[str, Any]:
    """Per-directory llm-fakes settings (lowest precedence); override it in a conftest.py."""
    return {}


@pytest.fixture(autouse=True)
def _llm_network_guard(
    request: pytest.FixtureRequest, llm_config: dict[str, Any]
) -> Iterator[guard.GuardPolicy]:
    """The network guard's policy for this test (see ``--llm-guard``)."""
    __tracebackhide__ = True
    check_fixture(llm_config)  # every test: a misspelt key fails here, not silently
    policy = _policy(request.config, request.node, llm_config)
    if not policy.enabled and guard.active_policy() is None:
        yield policy  # nothing to block and nothing to lift: leave httpcore alone
        return
    guard.activate(policy)
    try:
        yield policy
    finally:
        guard.deactivate(policy)


_CAUGHT = {
    "call": "The code under test caught the network guard's error",
    "setup": "A fixture set up for this test caught the network guard's error",
    "teardown": "A fixture torn down after this test caught the network guard's error",
}


def _watch(item: pytest.Item, when: str) -> Iterator[None]:
    __tracebackhide__ = True
    tracker = item.config.stash.get(_TRACKER, None)
    if tracker is None:
        return (yield)
    tracker.phase, tracker.test_thread = (item.nodeid, when), threading.current_thread()
    tracker.caught = []
    try:
        result = yield
    finally:
        caught, tracker.caught, tracker.phase = tracker.caught, [], None
        if when == "teardown":
            tracker.claim_threads(item.nodeid)
    if caught:
        policy, host, port = caught[0]
        scope = " (function-, module- or session-scoped)" if when != "call" else ""
        raise NetworkBlockedError(
            f"{_CAUGHT[when]}{scope}, so this test would have passed without its real API "
            f"call.\n{policy.error(host, port)}\n"
            "To assert on the guard on purpose, give the call its own guard, which this check "
            "leaves alone: with block_network() as guard: with pytest.raises(NetworkBlockedError): "
            "..., then assert guard.blocked == [(host, port)]."
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    __tracebackhide__ = True
    return (yield from _watch(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    __tracebackhide__ = True
    return (yield from _watch(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    __tracebackhide__ = True
    return (yield from _watch(item, "teardown"))


def pytest_collection_finish(session: pytest.Session) -> None:
    tracker = session.config.stash.get(_TRACKER, None)
    if tracker is not None:
        tracker.claim_threads("")


def pytest_sessionfinish(session: pytest.Session) -> None:
    tracker = session.config.stash.get(_TRACKER, None)
    if tracker is None or not tracker.strays:
        return
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports them
        workeroutput[_WORKER_KEY] = list(tracker.strays)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist: gather the blocked calls of a worker's stray threads on the controller."""
    strays = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    tracker = node.config.stash.get(_TRACKER, None)
    if strays and tracker is not None:
        tracker.strays.extend(strays)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    tracker = config.stash.get(_TRACKER, None)
    if tracker is None or not tracker.strays:
        return
    terminalreporter.section("llm-fakes network guard: blocked calls outside their test", red=True)
    for line in tracker.strays:
        terminalreporter.write_line(f"Blocked: {line}.")
    terminalreporter.write_line(
        "No test is failed for these (the test that started the thread had already ended), "
        "but the run is: join the thread before its test ends, or allow the host."
    )
