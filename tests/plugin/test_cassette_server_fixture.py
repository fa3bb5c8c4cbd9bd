"""``llm_cassette_server``: the test's cassette served to a client the test does not build; it
records through ``upstream=`` and replays with the upstream gone; a miss the client swallowed
still fails the test; strict mode judges it as it judges ``llm_cassette``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_cassette_fixture import error_text, run

UPSTREAM = """
import pytest
from llm_fakes import FakeOpenAI

@pytest.fixture(scope="session")
def upstream():
    fake = FakeOpenAI(["Recorded once.", "And twice."])
    with fake.serve() as url:
        yield url.removesuffix("/v1")

@pytest.fixture
def llm_config(upstream):
    return {"cassette": {"upstream": upstream}}
"""

CLIENT = """
import httpx

def ask(server, text):
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    r = httpx.post(server.base_url + "/v1/chat/completions", json=body)
    return r.status_code, r.json()

def test_chat(llm_cassette_server):
    status, body = ask(llm_cassette_server, "Hi")
    assert body["choices"][0]["message"]["content"] == "Recorded once.", body
"""


@pytest.fixture
def recorded(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(UPSTREAM)
    pytester.makepyfile(test_srv=CLIENT)
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=1)
    text = (pytester.path / "cassettes" / "test_srv" / "test_chat.yaml").read_text()
    assert "http:" in text and "Recorded once." in text
    pytester.makeconftest("")  # no upstream any more: replay only


def test_the_server_records_through_the_upstream_then_replays_without_it(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], recorded: None
) -> None:
    run(pytester).assert_outcomes(passed=1)


def test_a_miss_the_client_swallowed_still_fails_the_test(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], recorded: None
) -> None:
    pytester.makepyfile(
        test_srv=CLIENT
        + "\n    status, _ = ask(llm_cassette_server, 'Something else')\n    assert status == 400\n"
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    assert (
        "llm_fakes.errors.CassetteMiss: No recorded interaction matches complete(model='gpt-4o', "
        "1 message) in cassettes/test_srv/test_chat.yaml."
    ) in error_text(result)


def test_strict_mode_judges_the_served_cassette(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], recorded: None
) -> None:
    pytester.makepyfile(test_srv="def test_chat(llm_cassette_server):\n    pass\n")
    result = run(pytester, "--llm-strict-cassettes=on")
    result.assert_outcomes(passed=1, errors=1)
    assert (
        "llm_fakes.errors.UnusedInteractionsError: Cassette cassettes/test_srv/test_chat.yaml "
        "has 1 recorded interaction(s) that were never played: #0 complete(1 message, last 'Hi')."
    ) in error_text(result)


def test_report_unplayed_counts_the_served_cassette(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], recorded: None
) -> None:
    pytester.makepyfile(test_srv="def test_chat(llm_cassette_server):\n    pass\n")
    result = run(pytester, "--llm-report-unplayed")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert (
        "cassettes/test_srv/test_chat.yaml: 1 of 1 interaction(s) never played (used by "
        "test_srv.py::test_chat)"
    ) in out
    assert "  #0 complete(1 message, last 'Hi')" in out
