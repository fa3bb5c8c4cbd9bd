"""Gemini traffic in cassettes: vcrpy files holding ``generateContent`` exchanges import (a
gzip-compressed body, inline image data and a file URI in the request, a stream, function calls,
``MAX_TOKENS``, a 429 with ``RetryInfo``) and replay exactly; the key (``x-goog-api-key`` or
``?key=``) reaches neither the imported cassette nor what the import prints; ``GeminiProvider``
records through ``CassetteProvider`` and replays; the vcrpy preset keeps the key off disk."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from vcr.serializers import yamlserializer

from llm_fakes import (
    CassetteProvider,
    FakeGemini,
    GeminiProvider,
    RateLimitError,
    Reply,
    Tool,
    ToolCall,
    ToolUse,
)
from llm_fakes.cli import main

KEY = "AIzaSyD-NeverToBeStored-0123456789abcde"
HOST = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
HI = [{"role": "user", "content": "Hi"}]
WEATHER = Tool("weather", "Weather by city", {"type": "object", "properties": {"city": {}}})
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nnot-really-an-image").decode()


def answer(
    text: str = "", calls: list[dict[str, Any]] | None = None, reason: str = "STOP"
) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"text": text}] if text else []
    parts += [{"functionCall": c} for c in calls or ()]
    return {
        "candidates": [
            {"content": {"parts": parts, "role": "model"}, "finishReason": reason, "index": 0}
        ],
        "usageMetadata": {
            "promptTokenCount": 12,
            "candidatesTokenCount": 5,
            "thoughtsTokenCount": 3,
            "totalTokenCount": 20,
        },
        "modelVersion": "gemini-2.5-flash",
        "responseId": "abc",
    }


def exchange(
    uri: str,
    request: dict[str, Any],
    body: Any,
    *,
    status: int = 200,
    headers: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return {
        "request": {
            "method": "POST",
            "uri": uri,
            "body": json.dumps(request),
            "headers": {"x-goog-api-key": [KEY], "user-agent": ["google-genai-sdk/2.34.0"]},
        },
        "response": {
            "status": {"code": status, "message": "OK"},
            "headers": headers or {"Content-Type": ["application/json; charset=UTF-8"]},
            "body": {"string": raw},
        },
    }


def contents(*turns: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"contents": [{"role": role, "parts": parts} for role, parts in turns]}


SSE = "".join(
    "data: " + json.dumps(chunk) + "\r\n\r\n"
    for chunk in [
        {"candidates": [{"content": {"parts": [{"text": "Par"}], "role": "model"}, "index": 0}]},
        {"candidates": [{"content": {"parts": [{"text": "is."}], "role": "model"}, "index": 0}]},
        {
            "candidates": [
                {"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": "STOP"}
            ],
            "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 2},
            "modelVersion": "gemini-2.5-flash",
        },
    ]
)


def vcr_file(path: Path, *interactions: dict[str, Any]) -> Path:
    path.write_text(yamlserializer.serialize({"version": 1, "interactions": list(interactions)}))
    return path


def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    image_turn = [{"text": "What is this?"}, {"inlineData": {"mimeType": "image/png", "data": PNG}}]
    file_turn = [
        {"text": "And this?"},
        {"fileData": {"fileUri": "https://example.com/doc.pdf", "mimeType": "application/pdf"}},
    ]
    calls = [
        {"name": "weather", "args": {"city": "Oslo"}},
        {"name": "weather", "args": {"city": "Rome"}},
    ]
    tool_request = {
        **contents(("user", [{"text": "Weather?"}])),
        "tools": [{"functionDeclarations": [{"name": "weather", "description": "Weather by city",
                                             "parametersJsonSchema": WEATHER.parameters}]}],
    }  # fmt: skip
    retry = {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted (e.g. check quota).",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}],
        }
    }
    gz = {"Content-Type": ["application/json; charset=UTF-8"], "Content-Encoding": ["gzip"]}
    src = vcr_file(
        tmp_path / "gemini.yaml",
        exchange(
            f"{HOST}:generateContent",
            contents(("user", image_turn)),
            gzip.compress(json.dumps(answer("A tiny PNG.")).encode()),
            headers=gz,
        ),
        exchange(
            f"{HOST}:generateContent?key={KEY}", contents(("user", file_turn)), answer("A PDF.")
        ),
        exchange(f"{HOST}:generateContent", tool_request, answer(calls=calls)),
        exchange(
            f"{HOST}:streamGenerateContent?alt=sse&key={KEY}",
            contents(("user", [{"text": "Capital of France?"}])),
            SSE,
            headers={"Content-Type": ["text/event-stream"]},
        ),
        exchange(
            f"{HOST}:generateContent",
            contents(("user", [{"text": "Long?"}])),
            answer("It was a dark", reason="MAX_TOKENS"),
        ),
        exchange(
            f"{HOST}:generateContent",
            contents(("user", [{"text": "Busy?"}])),
            retry,
            status=429,
        ),
    )
    assert KEY in src.read_text()
    assert main(["cassette", "import", str(src), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr()
    assert KEY not in printed.out + printed.err
    out = tmp_path / "out" / "gemini.yaml"
    assert KEY not in out.read_text()
    return out


def test_a_vcrpy_file_of_gemini_traffic_imports_and_replays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replay = CassetteProvider(imported(tmp_path, capsys))
    assert [i["wire"] for i in replay.interactions] == ["gemini"] * 6
    image = [
        {"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        ]}
    ]  # fmt: skip
    first = replay.complete(image)
    assert (first.content, first.stop_reason, first.input_tokens, first.output_tokens) == (
        "A tiny PNG.",
        "stop",
        12,
        8,
    )
    document = [
        {"role": "user", "content": [
            {"type": "text", "text": "And this?"},
            {"type": "file", "file": {"file_id": "https://example.com/doc.pdf",
                                      "mime_type": "application/pdf"}},
        ]}
    ]  # fmt: skip
    assert replay.complete(document).content == "A PDF."
    calls = replay.complete([{"role": "user", "content": "Weather?"}], tools=[WEATHER])
    assert calls.stop_reason == "tool_calls"
    assert calls.tool_uses == [
        ToolUse("call_0", "weather", {"city": "Oslo"}),
        ToolUse("call_1", "weather", {"city": "Rome"}),
    ]


def test_streamed_text_replays_in_order_and_max_tokens_reads_as_length(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replay = CassetteProvider(imported(tmp_path, capsys))
    stream = replay.interactions[3]
    assert stream["call"] == "stream"
    texts = [e["content"] for e in stream["events"] if e["type"] == "text_delta"]
    assert texts == ["Par", "is."]
    finish = stream["events"][-1]
    assert (finish["type"], finish["stop_reason"], finish["input_tokens"]) == ("finish", "stop", 7)
    long = replay.complete([{"role": "user", "content": "Long?"}])
    assert (long.content, long.stop_reason) == ("It was a dark", "length")
    with pytest.raises(RateLimitError) as caught:
        replay.complete([{"role": "user", "content": "Busy?"}], max_retries=0)
    assert caught.value.retry_after == 7.0


def test_gemini_provider_records_through_a_cassette_and_replays(tmp_path: Path) -> None:
    fake = FakeGemini([Reply(tool_calls=[ToolCall("weather", {"city": "Oslo"})]), "Rain in Oslo."])
    inner = GeminiProvider("gemini-2.5-flash", api_key=KEY, transport=fake.transport())
    path = tmp_path / "recorded.yaml"
    recorder = CassetteProvider(path, inner, "once")
    first = recorder.complete(HI, tools=[WEATHER])
    call = first.tool_uses[0]
    history = [
        *HI,
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.name, "arguments": json.dumps(call.input)}},
        ]},
        {"role": "tool", "tool_call_id": call.id, "content": "rain"},
    ]  # fmt: skip
    second = recorder.complete(history, tools=[WEATHER])
    recorder.save()
    assert KEY not in path.read_text()
    replay = CassetteProvider(path)
    assert replay.complete(HI, tools=[WEATHER]).tool_uses == first.tool_uses
    assert replay.complete(history, tools=[WEATHER]).content == second.content == "Rain in Oslo."
