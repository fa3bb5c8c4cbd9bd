"""The plugin's modules load with Python's own import, not through pytest's assertion rewriter.

pytest rewrites every module of a distribution that ships a plugin, and loads the rewritten code
with ``marshal.load`` on the open file, a read per object: for the modules the plugin registers,
that was nearly half of what llm-fakes added to every session. Their asserts are internal checks,
so the plugin imports them with pytest's hook set aside (``llm_fakes.pytest_plugin``).
"""

from __future__ import annotations

import json

import pytest

INSPECT = """
import json
import sys

from _pytest.assertion.rewrite import AssertionRewritingHook


def rewritten():
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if name.startswith("llm_fakes")
        and isinstance(getattr(module, "__loader__", None), AssertionRewritingHook)
    )


def test_loaders():
    print("REWRITTEN", json.dumps(rewritten()))
"""


def test_the_plugin_modules_are_not_loaded_by_the_assertion_rewriter(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_loaders=INSPECT)
    # A fresh process: in this one the modules are imported already.
    result = pytester.runpytest_subprocess(
        "-s", "-p", "no:langsmith_plugin", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
    line = next(line for line in result.outlines if "REWRITTEN " in line)
    rewritten = json.loads(line.partition("REWRITTEN ")[2])
    if "llm_fakes.pytest_plugin" not in rewritten:
        pytest.skip("pytest does not rewrite this installation's modules: nothing to set aside")
    # pytest imports the package and the entry point itself; all the rest is the plugin's.
    assert set(rewritten) == {"llm_fakes", "llm_fakes._version", "llm_fakes.pytest_plugin"}


def test_the_plugin_loads_without_the_assertion_rewriter(pytester: pytest.Pytester) -> None:
    # --assert=plain: pytest installs no rewriting hook, so there is nothing to set aside.
    pytester.makepyfile(
        test_x=(
            "def test_fake(llm_fake):\n"
            "    llm_fake.add('hello')\n"
            "    assert llm_fake.complete([{'role': 'user', 'content': 'hi'}]).content == 'hello'\n"
        )
    )
    result = pytester.runpytest_subprocess(
        "--assert=plain", "-p", "no:langsmith_plugin", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
