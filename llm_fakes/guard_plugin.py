"""pytest wiring of the network guard: ``--llm-guard``, ``--llm-allow-hosts``, ``llm_guard``.

Registered through ``llm_fakes.pytest_plugin.PLUGIN_MODULES``. Cheap to import: the guard
module imports neither httpx nor httpcore (it patches them when they are first imported).

For each test the guard's mode and allowed hosts are resolved with :mod:`llm_fakes.config`'s
precedence (command line > ini > marker > ``llm_config`` fixture). In mode ``auto`` the guard is
on exactly when the test's record mode is ``none``. Outside tests (collection, session-scoped
fixtures) the session-wide policy from the command line and ini file applies.

A blocked connection raises :class:`~llm_fakes.errors.NetworkBlockedError` where it happens. If
the code under test catches that error and the test would otherwise pass, the test fails anyway
with the same message: a replay-mode test that silently reached for the network is a bug.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from llm_fakes import guard
from llm_fakes.config import ALLOW_HOSTS, GUARD, RECORD_MODE, add_options, resolve_for
from llm_fakes.errors import NetworkBlockedError, UsageError

_POLICY = pytest.StashKey[guard.GuardPolicy]()

FIX = (
    "Record the session with --llm-record-mode=once, allow the host with "
    "--llm-allow-hosts={host} (or @pytest.mark.llm_guard(allow_hosts=['{host}'])), "
    "or turn the guard off with --llm-guard=off."
)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser, [GUARD, ALLOW_HOSTS])


def pytest_configure(config: pytest.Config) -> None:
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
    return guard.GuardPolicy(enabled=enabled, allow_hosts=hosts.value, reason=reason, fix=FIX)


@pytest.fixture
def llm_config() -> dict[str, Any]:
    """Per-directory llm-fakes settings (lowest precedence); override it in a conftest.py."""
    return {}


@pytest.fixture(autouse=True)
def _llm_network_guard(
    request: pytest.FixtureRequest, llm_config: dict[str, Any]
) -> Iterator[guard.GuardPolicy]:
    """The network guard's policy for this test (see ``--llm-guard``)."""
    policy = _policy(request.config, request.node, llm_config)
    request.node.stash[_POLICY] = policy
    if not policy.enabled and guard.active_policy() is None:
        yield policy  # nothing to block and nothing to lift: leave httpcore alone
        return
    guard.activate(policy)
    try:
        yield policy
    finally:
        guard.deactivate(policy)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    __tracebackhide__ = True
    result = yield
    policy = item.stash.get(_POLICY, None)
    if policy is not None and policy.blocked:
        host, port = policy.blocked[0]
        raise NetworkBlockedError(
            f"The code under test caught the network guard's error, so this test would have "
            f"passed without its real API call.\n{policy.error(host, port)}\n"
            "To assert on the guard on purpose, give the call its own guard, which this check "
            "leaves alone: with block_network() as guard: with pytest.raises(NetworkBlockedError): "
            "..., then assert guard.blocked == [(host, port)]."
        )
    return result
