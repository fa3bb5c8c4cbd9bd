"""JSON mode is recognised however a provider asks the API for it, and a provider that asks only in
the prompt gets a verdict of its own, with the reason, instead of a FAIL."""

from __future__ import annotations

from typing import Any

import httpx
from contract_mutants import Wrapper, factory

from llm_fakes import FakeAnthropic, Reply
from llm_fakes.contract import run_conformance
from llm_fakes.contract.report import render_junit, render_text

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


class AsksInThePrompt(Wrapper):
    """JSON mode as a sentence of its own in the system prompt; the API is never asked."""

    def _args(self, **kwargs: Any) -> dict[str, Any]:
        rf = kwargs.get("response_format")
        if kwargs.get("json_mode") or (rf or {}).get("type") == "json_object":
            kwargs = {**kwargs, "json_mode": False, "response_format": None}
            kwargs["system"] = (kwargs["system"] + "\nReply with JSON and nothing else.").strip()
        return kwargs


def test_a_provider_asking_only_in_the_prompt_gets_its_own_verdict_with_the_reason() -> None:
    report = run_conformance([factory(AsksInThePrompt)], only="J1,J3", max_examples=6)
    assert [(v.property, v.status) for v in report.verdicts] == [
        ("J1", "prompt only"),
        ("J3", "prompt only"),
    ]
    assert report.ok
    j1 = report.verdict("J1", "AsksInThePrompt").message
    assert "asks for JSON only in the prompt ('Reply with JSON and nothing else.')" in j1
    text = render_text(report)
    assert "J1 prompt only on AsksInThePrompt: " in text
    assert text.splitlines()[-1].startswith("0 pass, 0 FAIL, 0 not supported, 2 prompt only in ")
    assert render_junit(report).count('<skipped message="prompt only: ') == 2


def test_a_provider_that_drops_json_mode_still_fails() -> None:
    from contract_mutants import DropsResponseFormat

    report = run_conformance([factory(DropsResponseFormat)], only="J1", max_examples=6)
    assert report.verdicts[0].status == "FAIL"


def post(fake: FakeAnthropic, body: dict[str, Any]) -> httpx.Response:
    with httpx.Client(transport=fake.transport(), base_url="https://api.anthropic.com") as client:
        return client.post(
            "/v1/messages",
            json=body,
            headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        )


FORCED = {
    "model": "claude-3-5-haiku-20241022",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Where?"}],
    "tools": [{"name": "json_tool_call", "input_schema": SCHEMA}],
    "tool_choice": {"type": "tool", "name": "json_tool_call"},
}


def test_a_forced_json_tool_is_a_json_schema_request_answered_with_that_tool() -> None:
    fake = FakeAnthropic([Reply(json={"city": "Rome"})])
    response = post(fake, FORCED).json()
    assert response["stop_reason"] == "tool_use"
    assert [(b["type"], b["name"], b["input"]) for b in response["content"]] == [
        ("tool_use", "json_tool_call", {"city": "Rome"})
    ]
    (seen,) = fake.requests
    assert (seen.json_mode, seen.schema) == (True, SCHEMA)


def test_a_forced_json_tool_reply_that_does_not_match_is_the_schema_error() -> None:
    fake = FakeAnthropic([Reply(json={"city": 3})])
    response = post(fake, FORCED)
    assert response.status_code == 400
    assert "schema" in response.json()["error"]["message"]


def test_a_stream_of_a_forced_json_tool_streams_the_tool_input() -> None:
    fake = FakeAnthropic([Reply(json={"city": "Rome"})])
    text = post(fake, {**FORCED, "stream": True}).text
    assert '"name": "json_tool_call"' in text or '"name":"json_tool_call"' in text
    assert "input_json_delta" in text
