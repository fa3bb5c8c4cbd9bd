"""`@pytest.mark.llm_guard`: the guard's mode and allowed hosts for a test, class or module."""

from __future__ import annotations

from collections.abc import Callable
from textwrap import dedent

import pytest
from guard_inner import CONFTEST

# Each inner test reaches "api.openai.com" (the local server, via the `dns` fixture): it passes
# exactly when the guard lets the request through.
REACH = """
import httpx
import pytest


def reach(port):
    assert httpx.get(f"http://api.openai.com:{port}/").text == "ok"
"""


@pytest.fixture(autouse=True)
def inner(pytester: pytest.Pytester, make_ini: Callable[[str], None]) -> None:
    pytester.makeconftest(CONFTEST)


def test_the_marker_turns_the_guard_off_for_the_marked_test_only(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        REACH
        + dedent(
            """
            @pytest.mark.llm_guard("off")
            def test_off(dns, port):
                reach(port)

            @pytest.mark.llm_guard(mode=False)
            def test_off_as_bool(dns, port):
                reach(port)

            def test_unmarked(dns, port):
                reach(port)
            """
        )
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*NetworkBlockedError: Blocked a real network connection to 'api.openai.com'*",
            "FAILED *::test_unmarked*",
        ]
    )


def test_the_marker_allows_hosts(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        REACH
        + dedent(
            """
            @pytest.mark.llm_guard(allow_hosts=["api.openai.com"])
            def test_allowed(dns, port):
                reach(port)

            @pytest.mark.llm_guard(allow_hosts=["*.anthropic.com"])
            def test_other_host_allowed(dns, port):
                reach(port)
            """
        )
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*NetworkBlockedError: Blocked a real network connection to 'api.openai.com'*",
            "FAILED *::test_other_host_allowed*",
        ]
    )


def test_a_module_or_class_marker_applies_and_the_closest_marker_wins(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        REACH
        + dedent(
            """
            pytestmark = pytest.mark.llm_guard("off")

            def test_module_off(dns, port):
                reach(port)

            @pytest.mark.llm_guard("on")
            class TestOn:
                def test_class_on(self, dns, port):
                    reach(port)

                @pytest.mark.llm_guard("off")
                def test_method_off(self, dns, port):
                    reach(port)
            """
        )
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*::test_module_off PASSED*"])
    result.stdout.fnmatch_lines(["*::TestOn::test_class_on FAILED*"])
    result.stdout.fnmatch_lines(["*::TestOn::test_method_off PASSED*"])


def test_the_reason_names_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        CONFTEST + '\n@pytest.fixture\ndef llm_config():\n    return {"record_mode": "all"}\n'
    )
    pytester.makepyfile(
        REACH
        + dedent(
            """
            @pytest.mark.llm_guard("on")
            def test_on(dns, port):
                reach(port)
            """
        )
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*NetworkBlockedError: Blocked a real network connection to 'api.openai.com' "
            "(port *): the llm-fakes network guard is on because of the marker "
            "@pytest.mark.llm_guard(mode='on'), so tests may not reach real APIs."
        ]
    )


def test_a_bad_marker_value_is_an_error_naming_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.llm_guard("sometimes")
        def test_it():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "E*UsageError: Invalid value 'sometimes' for the llm-fakes setting 'guard', from "
            "the marker @pytest.mark.llm_guard(mode='sometimes'). Allowed values: "
            "*'auto', 'on', 'off'*. Change the marker's mode= to one of them."
        ]
    )


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.llm_guard(mode='on'|'off'|'auto', allow_hosts=*): set the llm-fakes *"]
    )
