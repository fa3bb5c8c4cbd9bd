"""The ``llm_openai_server`` and ``llm_anthropic_server`` fixtures, the way users meet them."""

from __future__ import annotations

import pytest

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def test_the_fixtures_serve_a_script_and_check_it_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest=INI)
    pytester.makepyfile(
        """
        import httpx

        from llm_fakes import AnthropicProvider, Fail, OpenAIProvider

        HI = [{"role": "user", "content": "Hi"}]


        def test_openai(llm_openai_server):
            llm_openai_server.extend([Fail.rate_limit(retry_after=0.001), "Hi!"])
            with OpenAIProvider("gpt-4o", api_key="k", base_url=llm_openai_server.base_url) as p:
                assert p.complete(HI).content == "Hi!"
            assert [r.status for r in llm_openai_server.requests] == [429, 200]


        def test_anthropic_over_plain_http(llm_anthropic_server):
            llm_anthropic_server.extend(["Hello"])
            reply = httpx.post(
                llm_anthropic_server.base_url + "/v1/messages",
                headers={"anthropic-version": "2023-06-01"},
                json={"model": "m", "max_tokens": 9, "messages": HI},
            )
            assert reply.json()["content"] == [{"type": "text", "text": "Hello"}]


        def test_an_unused_turn_fails_at_teardown(llm_openai_server):
            llm_openai_server.extend(["never requested"])


        def test_a_failing_test_is_not_reported_twice(llm_openai_server):
            llm_openai_server.extend(["never requested"])
            assert False, "the test's own failure"
        """
    )
    # Read the reports, not pytest's wording of them.
    reports = pytester.inline_run("-p", "no:randomly").getreports("pytest_runtest_logreport")
    failed = {(r.nodeid.split("::")[-1], r.when): str(r.longrepr) for r in reports if r.failed}
    passed = [r.nodeid.split("::")[-1] for r in reports if r.passed and r.when == "call"]
    assert passed == [
        "test_openai",
        "test_anthropic_over_plain_http",
        "test_an_unused_turn_fails_at_teardown",
    ]
    # The failed test reports its own failure only, not the unused turn on top.
    assert sorted(failed) == [
        ("test_a_failing_test_is_not_reported_twice", "call"),
        ("test_an_unused_turn_fails_at_teardown", "teardown"),
    ]
    assert (
        "UnusedScriptError: FakeOpenAI received 0 request(s), but"
        in (failed["test_an_unused_turn_fails_at_teardown", "teardown"])
    )
    assert "the test's own failure" in failed["test_a_failing_test_is_not_reported_twice", "call"]


def test_the_fixtures_have_one_line_docstrings() -> None:
    from llm_fakes.http import fixtures

    docs = {
        name: " ".join((getattr(fixtures, name).__doc__ or "").split())
        for name in ("llm_openai_server", "llm_anthropic_server")
    }
    assert docs == {
        "llm_openai_server": "A FakeOpenAI serving on 127.0.0.1: .extend([...]) its script, "
        "use its .base_url.",
        "llm_anthropic_server": "A FakeAnthropic serving on 127.0.0.1: .extend([...]) its "
        "script, use its .base_url.",
    }
