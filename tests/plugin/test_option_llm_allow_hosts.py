"""`--llm-allow-hosts` / `llm_fakes_allow_hosts`: hosts the guard lets through besides loopback."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from guard_inner import CONFTEST, PROBE, contains


@pytest.fixture(autouse=True)
def inner(pytester: pytest.Pytester, make_ini: Callable[[str], None]) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(PROBE)


@pytest.mark.parametrize(
    "value", ["api.openai.com", "*.openai.com", "api.example.com,api.openai.com", "API.OpenAI.com"]
)
def test_a_matching_host_or_pattern_on_the_command_line_passes(
    pytester: pytest.Pytester, value: str
) -> None:
    pytester.runpytest(f"--llm-allow-hosts={value}").assert_outcomes(passed=1)


def test_hosts_in_the_ini_file_pass(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    make_ini("llm_fakes_allow_hosts = api.example.com api.openai.com\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_other_hosts_stay_blocked_and_the_message_lists_the_allowed_ones(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    make_ini("llm_fakes_allow_hosts = *.internal\n")
    result = pytester.runpytest("--llm-allow-hosts=api.example.com")
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines(
        contains(
            "Allowed hosts: loopback (localhost, 127.0.0.0/8, ::1) and allow_hosts "
            "['api.example.com', '*.internal']."
        )
    )
