"""``cassette import``: every serializer, body spelling and encoding it accepts; what it leaves
out and says so; errors, retries, streams; the wire-level matching of what it imported."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import brotli
import pytest
import zstandard
from vcr.serializers import jsonserializer, yamlserializer

from llm_fakes import CassetteFormatError, CassetteProvider, RateLimitError, Tool, ToolUse
from llm_fakes.cassettes import storage
from llm_fakes.cassettes.importer import import_cassettes
from llm_fakes.cli import main
from llm_fakes.errors import UsageError

CHAT = "https://api.openai.com/v1/chat/completions"
MESSAGES = "https://api.anthropic.com/v1/messages?beta=true"
HI = [{"role": "user", "content": "Hi"}]


def completion(text: str = "Hello!", model: str = "gpt-4o-2024-08-06") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
    }


def exchange(
    uri: str,
    request: Any,
    response: Any,
    *,
    status: int = 200,
    headers: dict[str, list[str]] | None = None,
    method: str = "POST",
) -> dict[str, Any]:
    body = response if isinstance(response, str | bytes) else json.dumps(response)
    return {
        "request": {
            "method": method,
            "uri": uri,
            "body": request if isinstance(request, str | bytes | None) else json.dumps(request),
            "headers": {"Authorization": ["Bearer sk-proj-NotToBeImported000000001"]},
        },
        "response": {
            "status": {"code": status, "message": "OK"},
            "headers": headers or {"Content-Type": ["application/json"]},
            "body": {"string": body},
        },
    }


def write(path: Path, *interactions: dict[str, Any], serializer: Any = yamlserializer) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(serializer.serialize({"version": 1, "interactions": list(interactions)}))
    return path


def ask(model: str = "gpt-4o", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": HI, "max_tokens": 20, "n": 1, **extra}


ENCODERS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_compressed_bodies_in_vcrpy_yaml_import(tmp_path: Path, encoding: str) -> None:
    raw = ENCODERS[encoding](json.dumps(completion(f"Hello in {encoding}")).encode())
    headers = {"Content-Type": ["application/json"], "Content-Encoding": [encoding]}
    src = write(tmp_path / "enc.yaml", exchange(CHAT, ask(), raw, headers=headers))
    assert "!!binary" in src.read_text()  # vcrpy's YAML stores bytes base64-encoded

    report = import_cassettes([src], tmp_path / "out")
    assert report.ok
    reply = CassetteProvider(tmp_path / "out" / "enc.yaml").complete(HI, max_tokens=20)
    assert reply.content == f"Hello in {encoding}"


@pytest.mark.parametrize("spelling", ["text", "bytes", "base64"])
def test_vcrpy_json_and_every_body_spelling_import(tmp_path: Path, spelling: str) -> None:
    text = json.dumps(completion("Spelled"))
    body: Any = {
        "text": text,
        "bytes": text.encode(),
        "base64": {"base64_string": base64.b64encode(text.encode()).decode()},
    }[spelling]
    one = exchange(CHAT, json.dumps(ask()).encode(), "")
    one["response"]["body"] = body if spelling == "base64" else {"string": body}
    src = write(tmp_path / "spelled.json", one, serializer=yamlserializer)
    if spelling != "bytes":  # the JSON serializer cannot hold bytes, as vcrpy says
        src = write(
            tmp_path / "spelled.json",
            {**one, "request": {**one["request"], "body": json.dumps(ask())}},
            serializer=jsonserializer,
        )
    report = import_cassettes([src], tmp_path / "out")
    assert report.ok
    assert (
        CassetteProvider(tmp_path / "out" / "spelled.yaml").complete(HI, max_tokens=20).content
        == "Spelled"
    )


def test_pydantic_ai_parsed_body_variant_and_a_raw_event_stream(tmp_path: Path) -> None:
    sse = (
        'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1",'
        '"type":"function","function":{"name":"weather","arguments":""}}]}}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,'
        '"function":{"arguments":"{\\"city\\":"}}]}}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,'
        '"function":{"arguments":"\\"Oslo\\"}"}}]}}]}\n\n'
        'data: {"model":"gpt-4o-x","choices":[{"index":0,"delta":{},'
        '"finish_reason":"tool_calls"}]}\n\n'
        "data: [DONE]\n\n"
    )
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {}}}]
    plain = exchange(CHAT, None, "")
    plain["request"]["parsed_body"] = ask(tool_choice="auto", stream=False)
    plain["response"] = {
        "status": {"code": 200},
        "headers": {"content-type": ["application/json"]},
        "parsed_body": completion("Parsed"),
    }
    streamed = exchange(CHAT, None, sse, headers={"content-type": ["text/event-stream"]})
    streamed["request"]["parsed_body"] = {
        "model": "gpt-4o",
        "messages": HI,
        "tools": tools,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    for item in (plain, streamed):
        del item["request"]["body"]
    src = write(tmp_path / "pydantic_ai.yaml", plain, streamed)

    report = import_cassettes([src], tmp_path / "out")
    assert report.ok
    replay = CassetteProvider(tmp_path / "out" / "pydantic_ai.yaml")
    assert replay.complete(HI, max_tokens=20).content == "Parsed"

    async def events() -> list[Any]:
        return [e async for e in replay.stream(HI, tools=[Tool("weather", "")])]

    got = asyncio.run(events())
    assert [e.type for e in got] == ["tool_call", "finish"]
    assert (got[0].tool_name, got[0].tool_input, got[0].tool_use_id) == (
        "weather",
        {"city": "Oslo"},
        "call_1",
    )
    assert got[1].stop_reason == "tool_calls" and got[1].model == "gpt-4o-x"


def test_what_cannot_be_mapped_is_listed_by_file_and_index_and_the_rest_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(
        tmp_path / "mixed.yaml",
        exchange(CHAT, ask(), completion("Kept")),
        exchange("https://api.openai.com/v1/embeddings", {"input": "x"}, {"data": []}),
        exchange(CHAT, "not json at all", completion()),
        exchange(MESSAGES, {"model": "claude-x", "max_tokens": 5, "messages": HI}, "<html>502"),
        exchange(CHAT, ask(), b"\x00\x01", headers={"Content-Encoding": ["compress"]}),
        exchange(CHAT, None, completion(), method="GET"),
    )
    code = main(["cassette", "import", str(src), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 1
    left = [line for line in out.splitlines() if line.startswith("left out")]
    assert [line.split(":")[0].rsplit("#", 1)[1] for line in left] == ["1", "2", "3", "4", "5"]
    assert "POST https://api.openai.com/v1/embeddings is not an API the importer reads" in out
    assert "the request body is not a JSON object" in out
    assert "the 200 response body is not JSON" in out
    assert "encoded compress, which cannot be decoded here" in out
    assert "import: 1/1 file(s) read" in err
    assert "imported 1 interaction(s) into 1 cassette(s); 5 left out" in err
    doc = storage.load(tmp_path / "out" / "mixed.yaml")
    assert [i["response"]["content"] for i in doc["interactions"]] == ["Kept"]


def test_errors_keep_status_and_retry_after_and_retried_attempts_fold(tmp_path: Path) -> None:
    limited = {"error": {"message": "Rate limit reached", "type": "requests"}}
    rate = exchange(
        CHAT,
        ask(),
        limited,
        status=429,
        headers={"content-type": ["application/json"], "retry-after": ["7"]},
    )
    src = write(
        tmp_path / "retry.yaml",
        rate,
        exchange(CHAT, ask(), completion("After")),
        exchange(
            CHAT,
            ask(messages=[{"role": "user", "content": "Other"}]),
            limited,
            status=429,
            headers={"retry-after": ["3"]},
        ),
    )
    report = import_cassettes([src], tmp_path / "out")
    assert report.ok and report.folded == 1
    replay = CassetteProvider(tmp_path / "out" / "retry.yaml")
    assert replay.complete(HI, max_tokens=20).content == "After"
    with pytest.raises(RateLimitError) as caught:
        replay.complete([{"role": "user", "content": "Other"}], max_tokens=20)
    assert (caught.value.status, caught.value.retry_after) == (429, 3.0)
    assert caught.value.message == "Rate limit reached"

    kept = import_cassettes([src], tmp_path / "kept", fold_retries=False)
    assert kept.folded == 0 and kept.interactions == 3


def test_an_anthropic_stream_cut_by_an_error_event_ends_with_the_error(tmp_path: Path) -> None:
    sse = (
        "event: message_start\ndata: "
        '{"type":"message_start","message":{"model":"claude-x-1","usage":{"input_tokens":4}}}\n\n'
        "event: content_block_start\ndata: "
        '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
        "event: content_block_delta\ndata: "
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Par"}}\n\n'
        "event: error\ndata: "
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )
    body = {"model": "claude-x", "max_tokens": 4096, "messages": HI, "stream": True}
    src = write(
        tmp_path / "cut.yaml",
        exchange(MESSAGES, body, sse, headers={"content-type": ["text/event-stream"]}),
    )
    assert import_cassettes([src], tmp_path / "out").ok
    replay = CassetteProvider(tmp_path / "out" / "cut.yaml")

    async def events() -> list[Any]:
        return [e async for e in replay.stream(HI)]

    got = asyncio.run(events())
    assert [(e.type, getattr(e, "content", "")) for e in got[:1]] == [("text_delta", "Par")]
    assert got[-1].type == "error" and got[-1].recoverable is True
    assert "Overloaded" in got[-1].error


def test_imported_requests_match_the_way_the_api_reads_them(tmp_path: Path) -> None:
    history = [
        {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "rain"},
    ]
    body = {
        "model": "gpt-4o",
        "messages": history,
        "max_tokens": 30,
        "response_format": {"type": "json_object"},
    }
    src = write(tmp_path / "canon.yaml", exchange(CHAT, body, completion('{"sky": "grey"}')))
    assert import_cassettes([src], tmp_path / "out").ok
    replay = CassetteProvider(tmp_path / "out" / "canon.yaml")
    seed = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "rain"},
    ]
    assert replay.complete(seed, max_tokens=30, json_mode=True).content == '{"sky": "grey"}'


def test_usage_errors_exit_2_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "import", str(tmp_path / "missing.yaml"), "--out", "o"]) == 2
    assert "No cassette file or folder at" in capsys.readouterr().err
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = write(tmp_path / "a" / "same.yaml", exchange(CHAT, ask(), completion()))
    two = write(
        tmp_path / "b" / "same.json", exchange(CHAT, ask(), completion()), serializer=jsonserializer
    )
    out = tmp_path / "out"
    assert main(["cassette", "import", str(one), str(two), "--out", str(out)]) == 2
    assert "would both be imported as 'same.yaml'" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(SystemExit) as caught:
        main(["cassette", "import", str(one)])  # --out is required
    assert caught.value.code == 2


def test_a_folder_imports_whole_files_only_and_keeps_sub_folders(tmp_path: Path) -> None:
    src = tmp_path / "vcr"
    write(src / "deep" / "ok.yaml", exchange(CHAT, ask(), completion("Deep")))
    (src / "broken.yaml").write_text("interactions: [unclosed\n")
    storage.save(src / "ours.yaml", [], header={"provider": "p", "model": "m"}, replace=True)
    report = import_cassettes([src], tmp_path / "out")
    assert [(s.file.rsplit("/", 1)[-1], s.index) for s in report.skipped] == [
        ("broken.yaml", None),
        ("ours.yaml", None),
    ]
    assert "already an llm-fakes cassette" in str(report.skipped[1])
    # A broken YAML file is named where its unclosed value starts (line 1, the "[").
    assert "the YAML breaks at line 1, column 15, where a value that is never closed starts" in (
        str(report.skipped[0])
    )
    files = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*"))
    assert files == ["deep", "deep/ok.yaml"]  # no temporaries, nothing for the bad files
    assert storage.load(tmp_path / "out" / "deep" / "ok.yaml")["header"]["imported_from"]


def test_tool_use_turns_replay_with_the_recorded_ids(tmp_path: Path) -> None:
    message = {
        "model": "claude-x-1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "w", "input": {"city": "Oslo"}}],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 5, "output_tokens": 6},
    }
    body = {
        "model": "claude-x",
        "max_tokens": 50,
        "messages": HI,
        "tools": [{"name": "w", "description": "", "input_schema": {"type": "object"}}],
    }
    src = write(tmp_path / "tools.yaml", exchange(MESSAGES, body, message))
    assert import_cassettes([src], tmp_path / "out").ok
    reply = CassetteProvider(tmp_path / "out" / "tools.yaml").complete(
        HI, tools=[Tool("w", "", {"type": "object"})], max_tokens=50
    )
    assert reply.tool_uses == [ToolUse("toolu_1", "w", {"city": "Oslo"})]
    assert (reply.stop_reason, reply.input_tokens, reply.output_tokens) == ("tool_calls", 5, 6)


REAL = Path(__file__).parent.parent / "http" / "real_sessions"


def wire_text(body: str, streamed: bool) -> str:
    """The answer's text read straight off the wire (independently of the kit's parsers)."""
    if not streamed:
        data = json.loads(body)
        if "choices" in data:
            return data["choices"][0]["message"].get("content") or ""
        if "candidates" in data:  # Gemini
            return gemini_text(data)
        if "output" in data:  # the Responses API
            return "".join(
                part["text"]
                for item in data["output"]
                if item["type"] == "message"
                for part in item["content"]
                if part["type"] == "output_text"
            )
        return "".join(b["text"] for b in data["content"] if b["type"] == "text")
    text = ""
    for line in body.splitlines():
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        event = json.loads(line[6:])
        for choice in event.get("choices") or ():
            text += choice.get("delta", {}).get("content") or ""
        if event.get("type") == "content_block_delta" and event["delta"]["type"] == "text_delta":
            text += event["delta"]["text"]
        if event.get("type") == "response.output_text.delta":
            text += event["delta"]
        if "candidates" in event:
            text += gemini_text(event)
    return text


def gemini_text(data: dict[str, Any]) -> str:
    """The answer's text of one Gemini response (thought parts are not the answer)."""
    parts = (data["candidates"][0].get("content") or {}).get("parts") or []
    return "".join(p.get("text", "") for p in parts if not p.get("thought"))


@pytest.mark.parametrize("name", sorted(p.stem for p in REAL.glob("*.json")))
def test_real_api_sessions_in_pydantic_ai_shape_import_whole(tmp_path: Path, name: str) -> None:
    recorded = json.loads((REAL / f"{name}.json").read_text())
    uri = (
        MESSAGES
        if "test_anthropic" in recorded["source"]
        else "https://api.openai.com/v1/responses"
        if name.startswith("responses_")
        else CHAT
    )
    items = []
    for one in recorded["interactions"]:
        if name.startswith("gemini_"):  # the model is in the recorded path
            uri = f"https://generativelanguage.googleapis.com{one['path']}"
        response: dict[str, Any] = {
            "status": {"code": one["status"], "message": "OK"},
            "headers": {"content-type": [one["content_type"]]},
        }
        if one["content_type"].startswith("application/json"):
            response["parsed_body"] = json.loads(one["body"])
        else:
            response["body"] = {"string": one["body"]}
        items.append(
            {
                "request": {
                    "method": "POST",
                    "uri": uri,
                    "headers": {},
                    "parsed_body": one["request"],
                },
                "response": response,
            }
        )
    src = write(tmp_path / f"{name}.yaml", *items)
    report = import_cassettes([src], tmp_path / "out")
    assert report.ok, report.skipped
    replay = CassetteProvider(tmp_path / "out" / f"{name}.yaml")
    for one, stored in zip(recorded["interactions"], replay.interactions, strict=True):
        streamed = one["content_type"].startswith("text/event-stream")
        assert stored["call"] == ("stream" if streamed else "complete")
        request = {k: v for k, v in stored["request"].items() if k != "max_tokens"}
        tools = [
            Tool(t["name"], t.get("description", ""), t.get("parameters"))
            for t in request.pop("tools", [])
        ]
        reply = replay.complete(
            **request, tools=tools or None, max_tokens=stored["request"].get("max_tokens", 1024)
        )
        assert reply.content == wire_text(one["body"], streamed)


def test_loading_a_vcrpy_cassette_says_to_import_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "http.yaml", exchange(CHAT, ask(), completion()))
    with pytest.raises(CassetteFormatError) as caught:
        CassetteProvider("http.yaml")
    assert str(caught.value).endswith(
        "Cassette http.yaml is a vcrpy (HTTP-level) cassette, not an llm-fakes one. Import it: "
        "llm-fakes cassette import http.yaml --out <folder> (then point at the cassette written "
        "there)."
    )


def test_a_stream_request_answered_with_a_whole_body_is_a_complete(tmp_path: Path) -> None:
    src = write(tmp_path / "plain.yaml", exchange(CHAT, ask(stream=True), completion("Whole")))
    assert import_cassettes([src], tmp_path / "out").ok
    (stored,) = CassetteProvider(tmp_path / "out" / "plain.yaml").interactions
    assert stored["call"] == "complete" and stored["response"]["content"] == "Whole"


def test_importing_over_the_sources_is_refused(tmp_path: Path) -> None:
    src = write(tmp_path / "in_place.yaml", exchange(CHAT, ask(), completion()))
    before = src.read_text()
    with pytest.raises(UsageError, match="would overwrite the source"):
        import_cassettes([tmp_path], tmp_path)
    assert src.read_text() == before


def test_secrets_in_bodies_are_scrubbed_on_the_way_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_API_KEY", "acme-secret-value-42")
    leaky = completion(
        "Key sk-proj-LeakedKeyInTheAnswer0000, acme-secret-value-42, internal-token-xyz"
    )
    body = ask(messages=[{"role": "user", "content": "Use sk-ant-api03-PromptKey000000"}])
    src = write(tmp_path / "leaky.yaml", exchange(CHAT, body, leaky))
    report = import_cassettes([src], tmp_path / "out", filters=["internal-token-xyz"])
    assert report.ok
    text = (tmp_path / "out" / "leaky.yaml").read_text()
    for secret in ("LeakedKeyInTheAnswer", "PromptKey", "acme-secret-value-42", "internal-token"):
        assert secret not in text
    assert "<redacted:ACME_API_KEY>" in text and "<redacted:openai-key>" in text
