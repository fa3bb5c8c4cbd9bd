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
