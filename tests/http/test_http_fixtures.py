"""The ``llm_openai_server`` and ``llm_anthropic_server`` fixtures, the way users meet them."""

from __future__ import annotations

import pytest

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def test_the_fixtures_serve_a_script_and_check_it_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest=INI)
    pytester.makepyfile(
        """
        import anthropic
        import openai

        from llm_fakes import Fail, OpenAIProvider


        def test_openai_sdk(llm_openai_server):
            llm_openai_server.extend([Fail.rate_limit(retry_after=0.001), "Hi!"])
            client = openai.OpenAI(api_key="sk-test", base_url=llm_openai_server.base_url)
            reply = client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
            )
            client.close()
            assert reply.choices[0].message.content == "Hi!"


        def test_anthropic_sdk(llm_anthropic_server):
            llm_anthropic_server.extend(["Hello"])
            client = anthropic.Anthropic(api_key="k", base_url=llm_anthropic_server.base_url)
            msg = client.messages.create(
                model="claude-fake-1", max_tokens=9, messages=[{"role": "user", "content": "Hi"}]
            )
            client.close()
            assert msg.content[0].text == "Hello"


        def test_an_unused_turn_fails_at_teardown(llm_openai_server):
            llm_openai_server.extend(["never requested"])


        def test_a_failing_test_is_not_reported_twice(llm_openai_server):
            llm_openai_server.extend(["never requested"])
            assert False, "the test's own failure"
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_an_unused_turn_fails_at_teardown*",
            "*UnusedScriptError: FakeOpenAI received 0 request(s), but*",
            "*AssertionError: the test's own failure*",
        ]
    )
    assert "fixture 'llm_openai_server'" not in result.stdout.str()


def test_the_fixtures_are_listed_with_a_docstring(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest=INI)
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "llm_openai_server*",
            "*A FakeOpenAI serving on 127.0.0.1: .extend(*) its script, use its .base_url.",
            "llm_anthropic_server*",
        ]
    )
