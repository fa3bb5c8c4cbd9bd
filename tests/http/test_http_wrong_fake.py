"""A client of one SDK pointed at another API's fake: the 404 names the fake that serves it."""

from __future__ import annotations

import httpx
import pytest

from llm_fakes import FakeAnthropic, FakeGemini, FakeOpenAI


def not_found(fake: object, path: str) -> str:
    client = httpx.Client(transport=fake.transport(), base_url="http://fake")  # type: ignore[attr-defined]
    response = client.post(path, json={"model": "m", "messages": []})
    assert response.status_code == 404
    return response.text


@pytest.mark.parametrize(
    ("fake", "path", "hint"),
    [
        (
            FakeAnthropic(["hi"]),
            "/v1/chat/completions",
            "/v1/chat/completions is the OpenAI Chat Completions API: point this client at "
            "FakeOpenAI instead.",
        ),
        (
            FakeOpenAI(["hi"]),
            "/v1/messages",
            "/v1/messages is the Anthropic Messages API: point this client at FakeAnthropic "
            "instead.",
        ),
        (
            FakeGemini(["hi"]),
            "/v1/responses",
            "/v1/responses is the OpenAI Responses API: point this client at FakeOpenAI instead.",
        ),
    ],
)
def test_the_404_names_the_fake_that_serves_the_path(fake: object, path: str, hint: str) -> None:
    assert hint in not_found(fake, path)


def test_a_path_no_fake_serves_gets_no_hint() -> None:
    assert "point this client at" not in not_found(FakeOpenAI(["hi"]), "/v1/nothing")
