"""The `llm_fakes_types` ini key sets the project-wide type set."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def test_ini_key_makes_kit_objects_instances_of_the_named_modules(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    make_ini("llm_fakes_types = framework.llm.provider framework.llm.stream_events\n")
    pytester.makepyfile(
        """
        from framework.llm.provider import LLMResponse
        from llm_fakes.typeset import get_default_types

        def test_it():
            resp = get_default_types().response(content="x", model="m")
            assert type(resp) is LLMResponse
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_without_the_ini_key_the_kits_own_classes_are_used(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        import llm_fakes
        from llm_fakes.typeset import get_default_types

        def test_it():
            resp = get_default_types().response(content="x", model="m")
            assert type(resp) is llm_fakes.LLMResponse
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_bad_ini_value_fails_the_session_with_the_resolution_error(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    make_ini("llm_fakes_types = no_such_module_xyz\n")
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest()
    result.stderr.fnmatch_lines(["*Cannot import types module 'no_such_module_xyz'*"])
    assert result.ret != 0
