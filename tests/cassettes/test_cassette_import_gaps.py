"""``cassette import`` on the shapes real suites keep that it used to miss: LangChain's gzip
cassettes, async and Azure SDK user agents, sources with no ``Date`` header (imported the same
bytes whatever the file times), and a stream recorded with structured output."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from llm_fakes import CassetteMiss, CassetteProvider
from llm_fakes.cassettes import storage
from llm_fakes.cassettes.importer import import_cassettes

CHAT = "https://api.openai.com/v1/chat/completions"
MESSAGES = "https://api.anthropic.com/v1/messages"
HI = [{"role": "user", "content": "Hi"}]


def completion(text: str, created: int | None = 1742842885) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-BEhL3fZWgTz2Z57jXexYbQPsOBUm3",
        "object": "chat.completion",
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
    }
    if created is not None:
        body["created"] = created
    return body


def message(text: str) -> dict[str, Any]:
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-5-sonnet-20241022",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 9, "output_tokens": 2},
    }


def exchange(
    uri: str,
    request: dict[str, Any],
    response: dict[str, Any] | str,
    *,
    agent: str = "OpenAI/Python 1.54.3",
    response_headers: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    return {
        "request": {
            "method": "POST",
            "uri": uri,
            "body": json.dumps(request),
            "headers": {"User-Agent": [agent], "Content-Type": ["application/json"]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": response_headers or {"Content-Type": ["application/json"]},
            "body": {"string": response if isinstance(response, str) else json.dumps(response)},
        },
    }


def cassette(*interactions: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "interactions": list(interactions)}


def chat(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": HI, "max_tokens": 20, **extra}


def langchain_gz(path: Path, doc: dict[str, Any]) -> Path:
    """As langchain_tests' CustomSerializer writes a cassette: YAML, gzip-compressed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for interaction in doc["interactions"]:
        interaction["request"]["headers"] = {}  # LangChain drops request headers
    path.write_bytes(gzip.compress(yaml.safe_dump(doc, allow_unicode=True).encode()))
    return path


def test_langchain_gzip_cassettes_import_from_a_folder(tmp_path: Path) -> None:
    src = tmp_path / "cassettes"
    langchain_gz(
        src / "TestOpenAIStandard.test_invoke.yaml.gz",
        cassette(exchange(CHAT, chat(), completion("Hello from a gzip cassette"))),
    )
    text = yaml.safe_dump(cassette(exchange(CHAT, chat(), completion("Hello in base64"))))
    (src / "b64.yaml.gz").write_bytes(base64.encodebytes(gzip.compress(text.encode())))
    (src / "damaged.yaml.gz").write_bytes(gzip.compress(b"interactions: []")[:12])

    report = import_cassettes([src], tmp_path / "out")

    assert sorted(p.name for p, _ in report.written) == [
        "TestOpenAIStandard.test_invoke.yaml",
        "b64.yaml",
    ]
    [skipped] = report.skipped
    assert skipped.file.endswith("damaged.yaml.gz") and skipped.index is None
    assert skipped.reason.startswith("gzip-compressed, but cannot be decompressed (")
    replay = CassetteProvider(tmp_path / "out" / "TestOpenAIStandard.test_invoke.yaml")
    assert replay.complete(HI, max_tokens=20).content == "Hello from a gzip cassette"
    replay = CassetteProvider(tmp_path / "out" / "b64.yaml")
    assert replay.complete(HI, max_tokens=20).content == "Hello in base64"


@pytest.mark.parametrize(
    ("agent", "uri", "body", "versions"),
    [
        ("AsyncOpenAI/Python 1.54.3", CHAT, completion("a"), {"openai": "1.54.3"}),
        ("AzureOpenAI/Python 1.51.0", CHAT, completion("a"), {"openai": "1.51.0"}),
        ("AsyncAzureOpenAI/Python 1.51.2", CHAT, completion("a"), {"openai": "1.51.2"}),
        ("AsyncAnthropic/Python 0.40.0", MESSAGES, message("a"), {"anthropic": "0.40.0"}),
        ("Anthropic/Python 0.39.0", MESSAGES, message("a"), {"anthropic": "0.39.0"}),
    ],
)
def test_sdk_versions_are_read_from_async_and_azure_user_agents(
    tmp_path: Path, agent: str, uri: str, body: dict[str, Any], versions: dict[str, str]
) -> None:
    request = chat() if uri == CHAT else {**chat(), "model": "claude-3-5-sonnet-20241022"}
    src = tmp_path / "agent.yaml"
    src.write_text(yaml.safe_dump(cassette(exchange(uri, request, body, agent=agent))))
    assert import_cassettes([src], tmp_path / "out").ok
    assert storage.load(tmp_path / "out" / "agent.yaml")["header"]["sdk_versions"] == versions


def test_an_import_is_the_same_bytes_whatever_the_file_times(tmp_path: Path) -> None:
    no_date = tmp_path / "src" / "no_date.yaml"
    no_time = tmp_path / "src" / "no_time.yaml"
    no_date.parent.mkdir()
    no_date.write_text(yaml.safe_dump(cassette(exchange(CHAT, chat(), completion("a")))))
    anthropic = {**chat(), "model": "claude-3-5-sonnet-20241022"}
    no_time.write_text(yaml.safe_dump(cassette(exchange(MESSAGES, anthropic, message("b")))))
    outputs = []
    for n, stamp in enumerate((1_000_000_000, 1_700_000_000)):
        for src in (no_date, no_time):
            os.utime(src, (stamp, stamp))
        import_cassettes([no_date.parent], tmp_path / f"out{n}")
        outputs.append(
            [
                (tmp_path / f"out{n}" / name).read_bytes()
                for name in ("no_date.yaml", "no_time.yaml")
            ]
        )
    assert outputs[0] == outputs[1]
    headers = [
        storage.load(tmp_path / "out0" / name)["header"]
        for name in ("no_date.yaml", "no_time.yaml")
    ]
    # The response's own "created" time when there is no Date header; else it says so.
    assert [h["recorded_at"] for h in headers] == ["2025-03-24T19:01:25Z", "unknown"]


def test_a_date_header_still_comes_first(tmp_path: Path) -> None:
    dated = {"Content-Type": ["application/json"], "Date": ["Tue, 04 Mar 2025 10:00:00 GMT"]}
    src = tmp_path / "dated.yaml"
    src.write_text(
        yaml.safe_dump(cassette(exchange(CHAT, chat(), completion("a"), response_headers=dated)))
    )
    import_cassettes([src], tmp_path / "out")
    header = storage.load(tmp_path / "out" / "dated.yaml")["header"]
    assert header["recorded_at"] == "2025-03-04T10:00:00Z"


def test_a_stream_recorded_with_response_format_says_why_stream_misses_it(tmp_path: Path) -> None:
    schema = {
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": {"type": "object", "properties": {}}},
    }
    sse = (
        'data: {"id":"chatcmpl-9","model":"gpt-4o-x","choices":[{"index":0,'
        '"delta":{"role":"assistant","content":"{\\"city\\": \\"Oslo\\"}"}}]}\n\n'
        'data: {"id":"chatcmpl-9","model":"gpt-4o-x","choices":[{"index":0,"delta":{},'
        '"finish_reason":"stop"}]}\n\n'
        "data: [DONE]\n\n"
    )
    request = chat(stream=True, response_format=schema)
    del request["max_tokens"]
    src = tmp_path / "structured_stream.yaml"
    headers = {"Content-Type": ["text/event-stream"]}
    src.write_text(yaml.safe_dump(cassette(exchange(CHAT, request, sse, response_headers=headers))))
    assert import_cassettes([src], tmp_path / "out").ok
    path = tmp_path / "out" / "structured_stream.yaml"

    async def collect(llm: CassetteProvider) -> list[Any]:
        return [event async for event in llm.stream(HI)]

    with pytest.raises(CassetteMiss) as info:
        asyncio.run(collect(CassetteProvider(path)))
    lines = str(info.value).splitlines()
    assert lines[-2] == (
        "Recording(s) #0 match this request but for response_format/json_mode, which stream() "
        "cannot send (it has no such parameters), so stream() never matches them. Replay them "
        "by matching without those fields: match_on=['messages', 'system', 'tools', "
        "'max_tokens']."
    )
    # The fix it names works.
    fields = ["messages", "system", "tools", "max_tokens"]
    events = asyncio.run(collect(CassetteProvider(path, match_on=fields)))
    assert [e.content for e in events if e.type == "text_delta"] == ['{"city": "Oslo"}']


AZURE = (
    "https://my-resource.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
    "?api-version=2024-02-15-preview"
)
AZURE_KEY = "0123456789abcdef0123456789abcdef"


def test_azure_deployment_urls_import_with_the_model_from_the_path(tmp_path: Path) -> None:
    request = {"messages": HI, "max_tokens": 20}  # Azure takes the model from the URL
    one = exchange(AZURE, request, completion("From Azure"), agent="AzureOpenAI/Python 1.51.0")
    one["request"]["headers"]["api-key"] = [AZURE_KEY]
    src = tmp_path / "azure.yaml"
    src.write_text(yaml.safe_dump(cassette(one)))

    report = import_cassettes([src], tmp_path / "out")

    assert report.ok, report.skipped
    out = tmp_path / "out" / "azure.yaml"
    assert AZURE_KEY not in out.read_text()
    assert storage.load(out)["header"]["model"] == "gpt-4o-mini"
    assert CassetteProvider(out).complete(HI, max_tokens=20).content == "From Azure"


def test_a_legacy_function_call_replays_as_a_tool_use(tmp_path: Path) -> None:
    functions = [{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}]
    request = chat(functions=functions, function_call="auto")
    body = completion("")
    body["choices"][0] = {
        "index": 0,
        "message": {
            "role": "assistant",
            "content": None,
            "function_call": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
        },
        "finish_reason": "function_call",
    }
    sse = (
        'data: {"model":"gpt-4o-x","choices":[{"index":0,"delta":{"role":"assistant",'
        '"content":null,"function_call":{"name":"get_weather","arguments":""}}}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"function_call":{"arguments":"{\\"city\\""}}}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"function_call":'
        '{"arguments":": \\"Oslo\\"}"}}}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{},"finish_reason":"function_call"}]}\n\n'
        "data: [DONE]\n\n"
    )
    streamed = chat(functions=functions, stream=True, messages=[{"role": "user", "content": "S"}])
    src = tmp_path / "legacy.yaml"
    headers = {"Content-Type": ["text/event-stream"]}
    src.write_text(
        yaml.safe_dump(
            cassette(
                exchange(CHAT, request, body),
                exchange(CHAT, streamed, sse, response_headers=headers),
            )
        )
    )
    assert import_cassettes([src], tmp_path / "out").ok
    replay = CassetteProvider(tmp_path / "out" / "legacy.yaml")

    reply = replay.complete(HI, max_tokens=20)
    assert [(u.name, u.input) for u in reply.tool_uses] == [("get_weather", {"city": "Oslo"})]
    assert reply.stop_reason == "tool_calls"

    async def collect() -> list[Any]:
        return [e async for e in replay.stream([{"role": "user", "content": "S"}], max_tokens=20)]

    events = asyncio.run(collect())
    calls = [(e.tool_name, e.tool_input) for e in events if e.type == "tool_call"]
    assert calls == [("get_weather", {"city": "Oslo"})]
    assert events[-1].stop_reason == "tool_calls"


REFUSAL = "I'm sorry, I can't help with that."


def test_a_chat_completions_refusal_reads_as_text_like_the_responses_api(tmp_path: Path) -> None:
    body = completion("")
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": REFUSAL}
    sse = (
        'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"",'
        '"refusal":null}}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"refusal":"I\'m sorry, "}}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"refusal":"I can\'t help with that."}}]}\n\n'
        'data: {"model":"gpt-4o-x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
        "data: [DONE]\n\n"
    )
    responses = {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-4o-2024-08-06",
        "output": [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "refusal", "refusal": REFUSAL}],
            }
        ],
        "usage": {"input_tokens": 9, "output_tokens": 8},
    }
    headers = {"Content-Type": ["text/event-stream"]}
    ask_responses = {"model": "gpt-4o", "input": "Hi", "max_output_tokens": 20}
    src = tmp_path / "refusal.yaml"
    src.write_text(
        yaml.safe_dump(
            cassette(
                exchange(CHAT, chat(), body),
                exchange(CHAT, chat(stream=True), sse, response_headers=headers),
                exchange("https://api.openai.com/v1/responses", ask_responses, responses),
            )
        )
    )
    assert import_cassettes([src], tmp_path / "out").ok
    interactions = storage.load(tmp_path / "out" / "refusal.yaml")["interactions"]
    chat_reply, streamed, responses_reply = interactions
    assert chat_reply["response"]["content"] == REFUSAL
    assert responses_reply["response"]["content"] == REFUSAL
    assert chat_reply["response"]["stop_reason"] == responses_reply["response"]["stop_reason"]
    text = "".join(e.get("content", "") for e in streamed["events"] if e["type"] == "text_delta")
    assert text == REFUSAL
