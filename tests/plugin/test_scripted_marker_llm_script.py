"""The `llm_script` marker: load a script file into `llm_fake`, pass options, skip the check."""

from __future__ import annotations

from collections.abc import Callable

import pytest

SCRIPT = """\
turns:
  - {fail: rate_limit, retry_after: 10}
  - Hello from the file.
rules:
  - {last_user: "(?i)weather", times: 1, reply: "Sunny."}
"""


def test_the_marker_loads_a_file_relative_to_the_test_file(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.mkdir("scripts")
    pytester.path.joinpath("scripts", "hello.yaml").write_text(SCRIPT)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.llm_script("scripts/hello.yaml")
        def test_it(llm_fake, llm_clock):
            user = lambda text: [{"role": "user", "content": text}]
            assert llm_fake.complete(user("hi")).content == "Hello from the file."
            assert llm_fake.complete(user("Weather?")).content == "Sunny."
            assert llm_clock.now() == 10.0
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_marker_options_are_provider_keywords(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.llm_script(chunking="chars", on_exhausted="repeat_last", model="m-1")
        @pytest.mark.asyncio
        async def test_it(llm_fake):
            llm_fake.add("ab")
            for _ in range(2):
                events = [e async for e in llm_fake.stream([])]
                assert [e.content for e in events if e.type == "text_delta"] == ["a", "b"]
                assert events[-1].model == "m-1"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_check_unused_false_skips_the_teardown_check(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.llm_script(check_unused=False)

        def test_it(llm_fake):
            llm_fake.add("left over")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_closest_marker_wins(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.llm_script(model="module-model")

        @pytest.mark.llm_script(model="test-model")
        def test_it(llm_fake):
            llm_fake.add("x")
            assert llm_fake.complete([]).model == "test-model"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_an_unknown_option_is_an_error_listing_the_accepted_ones(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.llm_script(chunk="words")
        def test_it(llm_fake):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    assert (
        "llm_fakes.errors.UsageError: @pytest.mark.llm_script got unknown option(s) "
        "['chunk']. It takes a path, check_unused, and ScriptedProvider's keywords: ['model', "
        "'chunking', 'on_exhausted', 'responder', 'clock', 'time_to_first_token', 'per_chunk', "
        "'per_call', 'retry_policy', 'default_max_retries', 'types', 'validate_json'].\n"
    ) in result.stdout.str() + "\n"


def test_a_missing_script_file_names_the_path_it_tried(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.llm_script("scripts/missing.yaml")
        def test_it(llm_fake):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    missing = pytester.path / "scripts" / "missing.yaml"
    assert f"ScriptError: Script file {str(missing)!r} does not exist" in result.stdout.str()


def test_the_marker_is_registered_for_strict_markers(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile("def test_it(): pass\n")
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.llm_script(path=None, *, check_unused=True, **options): load a YAML/JSON*"]
    )
