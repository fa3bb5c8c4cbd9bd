"""llm-fakes starts beside another plugin that registers one of its option names.

pytest-mockllm registers ``--llm-cassette-dir``; with both installed pytest used to refuse to
start. Ours is ``--llm-fakes-cassette-dir``, every option also has a ``--llm-fakes-`` spelling,
and a short spelling another plugin already has is left to it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

OTHER_PLUGIN = """
def pytest_addoption(parser):
    group = parser.getgroup("other", "another LLM plugin")
    group.addoption("--llm-cassette-dir", default="theirs")
    group.addoption("--llm-record-mode", default="theirs")


def pytest_report_header(config):
    return f"other: {config.getoption('llm_cassette_dir')} {config.getoption('llm_record_mode')}"
"""

TEST = """
def test_records(llm_cassette):
    assert llm_cassette.complete([{"role": "user", "content": "hi"}]).content == "hello"
"""

REAL = """
import pytest
from llm_fakes import ScriptedProvider


@pytest.fixture
def llm_real_provider():
    return ScriptedProvider(["hello"])
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # pytest-mockllm, if installed, would clash with other_plugin (not with us): keep it out.
    return pytester.runpytest(
        "-p", "no:hypothesispytest", "-p", "no:langsmith_plugin", "-p", "no:mockllm", *args
    )


def test_a_plugin_loaded_first_keeps_its_option_names(
    pytester: pytest.Pytester, make_ini: object
) -> None:
    pytester.makepyfile(other_plugin=OTHER_PLUGIN, test_x=TEST)
    pytester.makeconftest(REAL)
    pytester.syspathinsert()
    result = run(
        pytester,
        "-p",
        "other_plugin",  # loaded before the installed plugins (ours)
        "--llm-cassette-dir=their-dir",
        "--llm-record-mode=their-mode",
        "--llm-fakes-cassette-dir=our-cassettes",
        "--llm-fakes-record-mode=once",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["other: their-dir their-mode"])
    assert (pytester.path / "our-cassettes" / "test_x" / "test_records.yaml").is_file()


def test_ours_answers_to_both_spellings_alone(pytester: pytest.Pytester, make_ini: object) -> None:
    pytester.makepyfile(test_x=TEST)
    pytester.makeconftest(REAL)
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=1)
    run(pytester, "--llm-fakes-record-mode=none").assert_outcomes(passed=1)
    assert (pytester.path / "cassettes" / "test_x" / "test_records.yaml").is_file()


@pytest.mark.skipif(
    importlib.util.find_spec("pytest_mockllm") is None,
    reason="pytest-mockllm is not installed (pip install pytest-mockllm to run this)",
)
def test_pytest_starts_with_pytest_mockllm_installed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x=TEST)
    pytester.makeconftest(REAL)
    pytester.makefile(".ini", pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--llm-fakes-record-mode=once", "--llm-cassette-dir=x"
    )
    result.assert_outcomes(passed=1)
    assert Path(pytester.path / "cassettes" / "test_x" / "test_records.yaml").is_file()
