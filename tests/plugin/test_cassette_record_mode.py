"""``--llm-record-mode`` / ``llm_fakes_record_mode`` / the marker's ``record_mode``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_cassette_fixture import CHAT, REAL, run

MODE = """
def test_mode(llm_cassette):
    print("MODE", llm_cassette.mode.value)
"""


@pytest.mark.parametrize(
    ("args", "ini", "marker", "expected"),
    [
        ((), "", "", "none"),
        (("--llm-record-mode=all",), "", "", "all"),
        ((), "llm_fakes_record_mode = new_episodes\n", "", "new_episodes"),
        (("--llm-record-mode=once",), "llm_fakes_record_mode = all\n", "", "once"),
        ((), "", "@pytest.mark.llm_cassette(record_mode='once')", "once"),
        (
            (),
            "llm_fakes_record_mode = all\n",
            "@pytest.mark.llm_cassette(record_mode='once')",
            "all",
        ),
    ],
)
def test_record_mode_precedence_command_line_then_ini_then_marker(
    pytester: pytest.Pytester,
    make_ini: Callable[[str], None],
    args: tuple[str, ...],
    ini: str,
    marker: str,
    expected: str,
) -> None:
    make_ini(ini)
    pytester.makepyfile(test_cas_m="import pytest\n" + marker + MODE)
    result = run(pytester, "-s", *args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*MODE {expected}*"])


def test_an_unknown_record_mode_is_rejected_with_the_choices(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(test_cas_m=MODE)
    result = run(pytester, "--llm-record-mode=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # argparse words the refusal, and quotes the choices, differently across Python versions.
    refusal = [line for line in result.stderr.lines if "--llm-record-mode" in line]
    assert len(refusal) == 1 and "'sometimes'" in refusal[0], result.stderr.lines
    assert all(mode in refusal[0] for mode in ("none", "once", "new_episodes", "all"))


def test_new_episodes_from_the_command_line_adds_to_a_cassette(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_chat=CHAT)
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    pytester.makepyfile(test_cas_chat=CHAT.replace("2+2", "3+3"))
    run(pytester, "--llm-record-mode=new_episodes").assert_outcomes(passed=2)
    assert (pytester.path / "real_calls.log").read_text() == "What is 2+2?\nb\nWhat is 3+3?\n"
    run(pytester).assert_outcomes(passed=2)
