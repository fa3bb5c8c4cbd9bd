"""A blocked call fails the test whose phase it happened in, whoever swallowed the error; a late
background thread's blocked call fails no innocent test but is reported, and fails the run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from guard_inner import CONFTEST

SWALLOW = """
import threading
import urllib.request

import pytest


def reach():
    try:
        urllib.request.urlopen("http://api.openai.com/v1/models", timeout=5)
    except Exception:
        pass
"""


# Should a call get past the guard, it must not reach real DNS: the inner session's resolver
# (below the guard, as /etc/hosts is) knows no public name.
NO_DNS = """
import _socket

_real = _socket.getaddrinfo


def _hosts_file_only(host, *args):
    if host in ("api.openai.com", b"api.openai.com"):
        raise _socket.gaierror(_socket.EAI_NONAME, "the inner session has no DNS")
    return _real(host, *args)


def pytest_configure(config):
    _socket.getaddrinfo = _hosts_file_only


def pytest_unconfigure(config):
    _socket.getaddrinfo = _real
"""


@pytest.fixture(autouse=True)
def inner(pytester: pytest.Pytester, make_ini: Callable[[str], None]) -> None:
    pytester.makeconftest(CONFTEST + NO_DNS)


def test_a_function_fixture_that_swallows_it_in_teardown_fails_that_tests_teardown(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        SWALLOW
        + """
@pytest.fixture
def client():
    yield
    reach()


def test_uses(client):
    pass


def test_innocent():
    pass
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_uses*",
            "E*NetworkBlockedError: A fixture torn down after this test caught the network "
            "guard's error (function-, module- or session-scoped), so this test would have "
            "passed without its real API call.",
            "*Blocked a real network connection to 'api.openai.com' (port 80): *",
        ]
    )


def test_module_and_session_fixtures_fail_the_setup_or_teardown_they_ran_in(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        SWALLOW
        + """
@pytest.fixture(scope="module")
def warm_cache():
    reach()


@pytest.fixture(scope="session")
def closes_late():
    yield
    reach()


def test_first(warm_cache, closes_late):
    pass


def test_second(warm_cache):
    pass


def test_last():
    pass
"""
    )
    result = pytester.runpytest("-rE")
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_first*",
            "E*NetworkBlockedError: A fixture set up for this test caught the network guard's "
            "error*",
            "*ERROR at teardown of test_last*",
        ]
    )
    result.stdout.no_fnmatch_line("*ERROR at * of test_second*")


def test_a_thread_started_in_the_test_that_swallows_it_fails_that_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        SWALLOW
        + """
def test_background():
    thread = threading.Thread(target=reach)
    thread.start()
    thread.join()
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E*NetworkBlockedError: The code under test caught the network guard's error*"]
    )


def test_a_late_thread_fails_no_later_test_but_is_reported_and_fails_the_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        SWALLOW
        + """
go, done = threading.Event(), threading.Event()


def late():
    go.wait(10)
    reach()
    done.set()


def test_starts_a_thread():
    threading.Thread(target=late, name="poller", daemon=True).start()


def test_innocent():
    go.set()
    assert done.wait(10)
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*llm-fakes network guard: blocked calls outside their test*",
            "Blocked: the background thread 'poller' (started during "
            "test_a_late_thread_fails_no_later_test_but_is_reported_and_fails_the_run.py::"
            "test_starts_a_thread) tried to reach api.openai.com:80 during the call of "
            "test_a_late_thread_fails_no_later_test_but_is_reported_and_fails_the_run.py::"
            "test_innocent.",
        ]
    )


def test_a_block_network_of_the_tests_own_is_left_to_the_test_in_every_phase(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        SWALLOW
        + """
from llm_fakes import block_network


@pytest.fixture
def checked():
    with block_network() as guard:
        reach()
    yield
    with block_network() as guard:
        reach()
    assert guard.blocked == [("api.openai.com", 80)]


def test_it(checked):
    pass
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK


def test_under_xdist_a_late_thread_is_reported_by_the_controller(
    pytester: pytest.Pytester,
) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(
        SWALLOW
        + """
go, done = threading.Event(), threading.Event()


def late():
    go.wait(10)
    reach()
    done.set()


def test_starts_a_thread():
    threading.Thread(target=late, name="poller", daemon=True).start()


def test_innocent():
    go.set()
    assert done.wait(10)
"""
    )
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "1")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*llm-fakes network guard: blocked calls outside their test*",
            "Blocked: the background thread 'poller' (started during *::test_starts_a_thread) "
            "tried to reach api.openai.com:80 during the call of *::test_innocent.",
        ]
    )


def test_a_pool_thread_started_by_an_earlier_test_works_for_the_test_running_now(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        SWALLOW
        + """
from concurrent.futures import ThreadPoolExecutor

pool = ThreadPoolExecutor(1)


def test_starts_the_pool():
    pool.submit(lambda: None).result()


def test_uses_it():
    pool.submit(reach).result()
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_uses_it*",
            "E*NetworkBlockedError: The code under test caught the network guard's error*",
        ]
    )
    result.stdout.no_fnmatch_line("*blocked calls outside their test*")
