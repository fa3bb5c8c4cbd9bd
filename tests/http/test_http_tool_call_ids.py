"""The fakes' generated tool-call ids begin the way the real API's do: each recorded request of
``tests/http/real_sessions`` that got tool calls is sent to the fake, scripted to call the same
tools, and the ids the fake answers share the recorded ids' prefix (``toolu_`` from Anthropic,
``call_`` from OpenAI). Code that tells ids apart by their prefix sees the same on the fake."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from llm_fakes import FakeAnthropic, FakeOpenAI, Reply, ToolCall

HERE = Path(__file__).parent / "real_sessions"


def anthropic_ids(body: dict[str, Any]) -> list[str]:
    return [block["id"] for block in body["content"] if block["type"] == "tool_use"]


def chat_ids(body: dict[str, Any]) -> list[str]:
    return [call["id"] for call in body["choices"][0]["message"]["tool_calls"]]


def responses_ids(body: dict[str, Any]) -> list[str]:
    calls = [item for item in body["output"] if item["type"] == "function_call"]
    return [call["call_id"] for call in calls]


def responses_item_ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["output"] if item["type"] == "function_call"]


CASES: list[tuple[str, Any, str, Callable[[dict[str, Any]], list[str]]]] = [
    ("test_multiple_parallel_tool_calls", FakeAnthropic, "/v1/messages", anthropic_ids),
    ("test_multiple_agent_tool_calls", FakeOpenAI, "/v1/chat/completions", chat_ids),
    ("test_openai_native_output", FakeOpenAI, "/v1/chat/completions", chat_ids),
    ("responses_model_simple_response_with_tool_call", FakeOpenAI, "/v1/responses", responses_ids),
    (
        "responses_model_simple_response_with_tool_call",
        FakeOpenAI,
        "/v1/responses",
        responses_item_ids,
    ),
]


def prefix(ident: str) -> str:
    found = re.match(r"[A-Za-z]+_", ident)
    assert found is not None, f"no prefix in {ident!r}"
    return found.group(0)


@pytest.mark.parametrize(
    ("session", "fake_class", "path", "ids"),
    CASES,
    ids=[f"{c[0]}-{c[3].__name__}" for c in CASES],
)
def test_generated_ids_begin_as_the_real_apis_do(
    session: str,
    fake_class: Any,
    path: str,
    ids: Callable[[dict[str, Any]], list[str]],
) -> None:
    recorded = json.loads((HERE / f"{session}.json").read_text())["interactions"][0]
    real_ids = ids(json.loads(recorded["body"]))
    assert real_ids, "the recording has tool calls"
    names = [
        t.get("name") or t.get("function", {}).get("name") for t in recorded["request"]["tools"]
    ]
    calls = [ToolCall(names[0], {}) for _ in real_ids]
    fake = fake_class([Reply(tool_calls=calls)])
    request = {**recorded["request"], "stream": False}
    with httpx.Client(transport=fake.transport()) as client:
        headers = dict(fake_class.wire.required_headers)
        response = client.post(f"https://fake{path}", json=request, headers=headers)
    assert response.status_code == 200, response.text
    fake_ids = ids(response.json())
    assert len(fake_ids) == len(real_ids)
    assert {prefix(i) for i in fake_ids} == {prefix(i) for i in real_ids}
