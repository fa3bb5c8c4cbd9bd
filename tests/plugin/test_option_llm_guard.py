"""`--llm-guard` / `llm_fakes_guard`: the network guard, on by default while replaying."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from guard_inner import CONFTEST, PROBE, contains

BLOCKED_DEFAULT = contains(
    "llm_fakes.errors.NetworkBlockedError: Blocked a real network connection to "
    "'api.openai.com' (port 443): the llm-fakes network guard is on because the record mode "
    "is 'none' (the default), so tests may not reach real APIs.",
    "Allowed hosts: loopback (localhost, 127.0.0.0/8, ::1).",
    "Record the session with --llm-record-mode=once, allow the host with "
    "--llm-allow-hosts=api.openai.com (or @pytest.mark.llm_guard(allow_hosts=['api.openai.com'])"
    "), or turn the guard off with --llm-guard=off.",
)


@pytest.fixture(autouse=True)
def inner_conftest(pytester: pytest.Pytester, make_ini: Callable[[str], None]) -> None:
    pytester.makeconftest(CONFTEST)


def test_by_default_a_request_to_a_public_api_fails_with_the_guard_message_before_dns(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_calls_openai(dns):
            httpx.get("https://api.openai.com/v1/models")
        """
    )
    result = pytester.runpytest("-s")
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines(BLOCKED_DEFAULT)
    result.stdout.fnmatch_lines(["*DNS lookups: []"])


def test_async_requests_are_blocked_the_same_way(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.asyncio
        async def test_calls_openai():
            async with httpx.AsyncClient() as client:
                await client.get("https://api.openai.com/v1/models")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines(BLOCKED_DEFAULT)


def test_a_loopback_request_to_a_server_the_test_started_passes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_local(port):
            assert httpx.get(f"http://127.0.0.1:{port}/").text == "ok"
            assert httpx.get(f"http://localhost:{port}/").text == "ok"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_off_on_the_command_line_lets_the_request_through(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PROBE)
    pytester.runpytest("--llm-guard=off").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(failed=1)


def test_off_in_the_ini_file_lets_the_request_through(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    make_ini("llm_fakes_guard = off\n")
    pytester.makepyfile(PROBE)
    pytester.runpytest().assert_outcomes(passed=1)


def test_auto_is_off_when_the_record_mode_records_and_on_forces_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        CONFTEST
        + """
@pytest.fixture
def llm_config():
    return {"record_mode": "once"}
"""
    )
    pytester.makepyfile(PROBE)
    pytester.runpytest().assert_outcomes(passed=1)
    result = pytester.runpytest("--llm-guard=on")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*llm_fakes.errors.NetworkBlockedError: Blocked a real network connection to "
            "'api.openai.com' (port *): the llm-fakes network guard is on because of the "
            "command line (--llm-guard=on), so tests may not reach real APIs."
        ]
    )


def test_a_test_that_swallows_the_guard_error_still_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def reply_or_fallback():
            try:
                return httpx.get("https://api.openai.com/v1/models").text
            except Exception:
                return "fallback"

        def test_fallback():
            assert reply_or_fallback() == "fallback"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*llm_fakes.errors.NetworkBlockedError: The code under test caught the network "
            "guard's error, so this test would have passed without its real API call.",
            "*Blocked a real network connection to 'api.openai.com' (port 443): *",
        ]
    )


def test_asserting_on_the_plugin_guard_names_block_network_as_the_way(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_on_purpose="""
        import httpx
        import pytest

        from llm_fakes import NetworkBlockedError

        def test_the_call_is_blocked():
            with pytest.raises(NetworkBlockedError):
                httpx.get("https://api.openai.com/v1/models")
        """
    )
    result = pytester.runpytest("--llm-guard=on")
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines(
        contains(
            "NetworkBlockedError: The code under test caught the network guard's error, so this "
            "test would have passed without its real API call.",
            "To assert on the guard on purpose, give the call its own guard, which this check "
            "leaves alone: with block_network() as guard: with pytest.raises(NetworkBlockedError): "
            "..., then assert guard.blocked == [(host, port)].",
        )
    )


def test_the_way_the_message_names_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_on_purpose="""
        import httpx
        import pytest

        from llm_fakes import NetworkBlockedError, block_network

        def test_the_call_is_blocked():
            with block_network() as guard:
                with pytest.raises(NetworkBlockedError):
                    httpx.get("https://api.openai.com/v1/models")
            assert guard.blocked == [("api.openai.com", 443)]
        """
    )
    pytester.runpytest("--llm-guard=on").assert_outcomes(passed=1)


def test_requests_from_session_fixtures_are_blocked_by_the_session_policy(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.fixture(scope="session")
        def models():
            return httpx.get("https://api.openai.com/v1/models")

        def test_uses(models):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.re_match_lines(BLOCKED_DEFAULT[:1])


def test_an_unknown_value_is_refused_with_the_choices(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest("--llm-guard=maybe")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # argparse words the refusal, and quotes the choices, differently across Python versions.
    refusal = [line for line in result.stderr.lines if "--llm-guard" in line and "'maybe'" in line]
    assert len(refusal) == 1 and all(c in refusal[0] for c in ("auto", "on", "off")), refusal
    make_ini("llm_fakes_guard = maybe\n")
    result = pytester.runpytest()
    assert result.ret != 0
    result.stderr.fnmatch_lines(
        [
            "ERROR: Invalid value 'maybe' for the llm-fakes setting 'guard', from the ini "
            "key llm_fakes_guard = maybe. Allowed values: ['auto', 'on', 'off']. Change "
            "llm_fakes_guard in the ini file to one of them."
        ]
    )
