"""`llm_config`: the lowest-precedence source of settings, overridden in a conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from guard_inner import CONFTEST, PROBE


@pytest.fixture(autouse=True)
def inner(pytester: pytest.Pytester, make_ini: Callable[[str], None]) -> None:
    pytester.makeconftest(CONFTEST)


def test_the_default_is_an_empty_dict(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(llm_config):\n    assert llm_config == {}\n")
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    "settings", [{"guard": "off"}, {"allow_hosts": ["api.openai.com"]}, {"record_mode": "once"}]
)
def test_an_override_in_a_directory_conftest_applies_to_its_tests_only(
    pytester: pytest.Pytester, settings: dict[str, object]
) -> None:
    sub = pytester.mkdir("recorded")
    (sub / "conftest.py").write_text(
        f"import pytest\n\n@pytest.fixture\ndef llm_config():\n    return {settings!r}\n"
    )
    (sub / "test_inside.py").write_text(PROBE)
    pytester.makepyfile(test_outside=PROBE)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["recorded/test_inside.py::test_probe PASSED*"])
    result.stdout.fnmatch_lines(["test_outside.py::test_probe FAILED*"])


def test_it_is_listed_with_its_docstring(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "llm_config*",
            "*Per-directory llm-fakes settings (lowest precedence); override it in a conftest.py.",
        ]
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"record_mod": "once"},
            "*The llm_config fixture has the key 'record_mod', which no llm-fakes setting reads "
            "(did you mean 'record_mode'?)*Fix the llm_config fixture your conftest.py defines.",
        ),
        (
            {"cassette_dir": "recorded"},
            "*The llm_config fixture cannot set 'cassette_dir': it holds for the whole session. "
            "Set it with --llm-fakes-cassette-dir or the ini key llm_fakes_cassette_dir*",
        ),
        (None, "*The llm_config fixture must return a dict of settings, got NoneType: None.*"),
    ],
)
def test_a_key_no_setting_reads_fails_the_test_instead_of_being_ignored(
    pytester: pytest.Pytester, settings: object, expected: str
) -> None:
    """A misspelt key used to leave its setting at the default without a word (here the record
    mode stayed 'none', so a user who meant to record replayed instead)."""
    pytester.makeconftest(
        CONFTEST + f"\n\n@pytest.fixture\ndef llm_config():\n    return {settings!r}\n"
    )
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([expected])


def test_every_documented_key_is_accepted(pytester: pytest.Pytester) -> None:
    settings = {
        "record_mode": "none",
        "strict_cassettes": "off",
        "guard": "auto",
        "allow_hosts": ["models.internal"],
        "cassette": {"match_on": ["messages"]},
    }
    pytester.makeconftest(
        CONFTEST + f"\n\n@pytest.fixture\ndef llm_config():\n    return {settings!r}\n"
    )
    pytester.makepyfile("def test_it(llm_config):\n    assert llm_config['guard'] == 'auto'\n")
    pytester.runpytest().assert_outcomes(passed=1)
