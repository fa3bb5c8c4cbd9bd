"""The `llm_fake` and `llm_clock` fixtures, met the way users meet them (pytester)."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def test_llm_fake_is_an_empty_scripted_provider_on_llm_clock(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        from llm_fakes import Fail, ScriptedProvider

        def test_it(llm_fake, llm_clock):
            assert isinstance(llm_fake, ScriptedProvider)
            assert llm_fake.remaining == [] and llm_fake.calls == []
            assert llm_fake.clock is llm_clock
            llm_fake.add(Fail.rate_limit(retry_after=30), "hello")
            resp = llm_fake.complete([{"role": "user", "content": "hi"}])
            assert (resp.content, llm_clock.now(), llm_fake.calls[0].attempts) == ("hello", 30.0, 2)
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_unused_turns_fail_the_test_at_teardown_with_the_list(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        def test_it(llm_fake):
            llm_fake.add("used", "never used")
            llm_fake.complete([{"role": "user", "content": "hi"}])
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)  # the error is the teardown's: the test passed
    result.stdout.re_match_lines(
        [
            r"E +llm_fakes\.errors\.UnusedScriptError: 1 scripted turn\(s\) were never used:$",
            r" +queue\[1\]: Reply\(text='never used'\)$",
            r" +The code under test made 1 call\(s\)\.$",
            r" +Remove what is not needed from the script .* in a test using llm_fake\.$",
        ]
    )
    # The kit's own frames are hidden: the report starts at the test's fixture.
    assert "scripted/script.py" not in result.stdout.str()


def test_a_failing_test_is_not_buried_under_the_unused_turns_check(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        def test_it(llm_fake):
            llm_fake.add("never used")
            assert 1 == 2
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert "UnusedScriptError" not in result.stdout.str()


def test_each_test_gets_a_fresh_fake_and_clock(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", [1, 2])
        def test_it(llm_fake, llm_clock, n):
            assert llm_fake.calls == [] and llm_clock.now() == 0.0
            llm_fake.add("x")
            llm_fake.complete([])
            llm_clock.advance(5)
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_pytest_fixtures_lists_both_with_their_docstrings(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile("def test_it(): pass\n")
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "llm_clock -- *",
            "    The virtual clock llm_fake waits on (latency, retry backoff): read or advance it.",
            "llm_fake -- *",
            "    A fresh ScriptedProvider (script from @pytest.mark.llm_script); checks all turns "
            "used.",
        ]
    )


def test_it_serves_pytest_asyncio_and_anyio_tests_alike(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from llm_fakes import Fail

        USER = [{"role": "user", "content": "hi"}]

        async def run(fake, clock):
            fake.add(Fail.overloaded(), "one two", "three")
            text = [e.content async for e in fake.stream(USER) if e.type == "text_delta"]
            resp = await fake.acomplete(USER)
            return text, resp.content, clock.now()

        @pytest.mark.asyncio
        async def test_with_pytest_asyncio(llm_fake, llm_clock):
            llm_fake.per_chunk = 1.0
            assert await run(llm_fake, llm_clock) == (["one ", "two"], "three", 1.5)

        @pytest.mark.anyio
        async def test_with_anyio(llm_fake, llm_clock):
            assert await run(llm_fake, llm_clock) == (["one ", "two"], "three", 0.5)
        """
    )
    result = pytester.runpytest("-v")
    # anyio runs its tests on every installed backend: asyncio and trio here.
    result.stdout.fnmatch_lines(
        [
            "*test_with_pytest_asyncio PASSED*",
            "*test_with_anyio?asyncio? PASSED*",
            "*test_with_anyio?trio? PASSED*",
        ]
    )
    result.assert_outcomes(passed=3)
