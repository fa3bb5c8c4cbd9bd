"""The round trip a new user makes: record with plain vcrpy (its default serializer, no preset)
through the official SDKs against the loopback fakes, import, and replay through CassetteProvider
with no server: the same content, tool uses, tokens, stop reasons and stream deltas; no key in
any written file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import anthropic
import openai
import vcr

from llm_fakes import CassetteProvider, FakeAnthropic, FakeOpenAI, Reply, Tool, ToolCall, ToolUse
from llm_fakes.cassettes import storage
from llm_fakes.cassettes.importer import import_cassettes

OPENAI_KEY = "sk-proj-RoundTripKeyThatMustNeverBeWritten0001"
ANTHROPIC_KEY = "sk-ant-api03-RoundTripKeyThatMustNeverBeWritten0002"
PARAMS = {"type": "object", "properties": {"city": {"type": "string"}}}
WEATHER = Tool("weather", "Weather by city", PARAMS)


def collect(stream: Any) -> list[Any]:
    async def run() -> list[Any]:
        return [event async for event in stream]

    return asyncio.run(run())


def deltas(events: list[Any]) -> list[str]:
    return [e.content for e in events if e.type == "text_delta"]


def record(tmp_path: Path, name: str, fake: Any, talk: Any) -> tuple[Path, dict[str, Any]]:
    cassette = tmp_path / "vcr" / f"{name}.yaml"
    with fake.serve() as url, vcr.VCR(record_mode="all").use_cassette(str(cassette)):
        seen = talk(url)
    return cassette, seen


def test_openai_sdk_session_replays_after_import(tmp_path: Path) -> None:
    fake = FakeOpenAI(
        [
            Reply(text="Hello there.", input_tokens=11, output_tokens=3),
            Reply(tool_calls=[ToolCall("weather", {"city": "Oslo"})]),
            Reply(text="Streamed in several words", input_tokens=5),
        ]
    )

    def talk(url: str) -> dict[str, Any]:
        client = openai.OpenAI(api_key=OPENAI_KEY, base_url=url, max_retries=0)
        chat = client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
            ],
            max_tokens=50,
            n=1,
        )
        tool = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "Weather in Oslo?"}],
            tools=[
                {
                    "type": "function",
                    "function": {
                        "name": "weather",
                        "description": "Weather by city",
                        "parameters": PARAMS,
                    },
                }
            ],
            tool_choice="auto",
            max_tokens=200,
        )
        chunks = list(
            client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "user", "content": "Tell me"}],
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        client.close()
        return {"chat": chat, "tool": tool, "chunks": chunks}

    source, seen = record(tmp_path, "openai_session", fake, talk)
    assert OPENAI_KEY in source.read_text()  # plain vcrpy keeps the header: the import must not

    report = import_cassettes([source], tmp_path / "out")
    assert report.ok and [n for _, n in report.written] == [3]
    written = tmp_path / "out" / "openai_session.yaml"
    assert OPENAI_KEY not in written.read_text()

    replay = CassetteProvider(written)  # no inner provider, no server: replay only
    chat = replay.complete([{"role": "user", "content": "Hi"}], system="Be brief.", max_tokens=50)
    sdk_chat = seen["chat"]
    assert chat.content == sdk_chat.choices[0].message.content == "Hello there."
    assert (chat.input_tokens, chat.output_tokens) == (11, 3)
    assert (chat.model, chat.stop_reason) == (sdk_chat.model, sdk_chat.choices[0].finish_reason)

    tool = replay.complete(
        [{"role": "user", "content": "Weather in Oslo?"}], tools=[WEATHER], max_tokens=200
    )
    sdk_call = seen["tool"].choices[0].message.tool_calls[0]
    assert tool.tool_uses == [ToolUse(sdk_call.id, "weather", {"city": "Oslo"})]
    assert tool.stop_reason == "tool_calls"

    # The stream had no max_tokens on the wire: stream() with its default matches it.
    events = collect(replay.stream([{"role": "user", "content": "Tell me"}]))
    sdk_deltas = [c.choices[0].delta.content for c in seen["chunks"] if c.choices]
    assert deltas(events) == [d for d in sdk_deltas if d]
    assert events[-1].type == "finish" and events[-1].input_tokens == 5
    assert replay.unplayed() == []

    header = storage.load(written)["header"]
    assert header["provider"] == "llm_fakes.http.openai.OpenAIProvider"
    assert header["model"] == "gpt-4o"
    assert header["sdk_versions"] == {"openai": openai.__version__}


def test_anthropic_sdk_session_replays_after_import(tmp_path: Path) -> None:
    fake = FakeAnthropic(
        [
            Reply(text="Bonjour.", input_tokens=8, output_tokens=2),
            Reply(text="Checking.", tool_calls=[ToolCall("weather", {"city": "Paris"})]),
            Reply(text="One two three four", reasoning="Count up."),
        ]
    )

    def talk(url: str) -> dict[str, Any]:
        client = anthropic.Anthropic(api_key=ANTHROPIC_KEY, base_url=url, max_retries=0)
        message = client.messages.create(
            model="claude-x",
            max_tokens=64,
            system="Answer in French.",
            messages=[{"role": "user", "content": [{"type": "text", "text": "Hello"}]}],
        )
        tool = client.messages.create(
            model="claude-x",
            max_tokens=64,
            messages=[{"role": "user", "content": "Weather in Paris?"}],
            tools=[{"name": "weather", "description": "Weather by city", "input_schema": PARAMS}],
            tool_choice={"type": "auto"},
        )
        with client.messages.stream(
            model="claude-x",
            max_tokens=4096,
            messages=[{"role": "user", "content": "Count"}],
            thinking={"type": "enabled", "budget_tokens": 1024},  # else the API does not think
        ) as stream:
            pieces = [e.delta for e in stream if e.type == "content_block_delta"]
        client.close()
        texts = [d.text for d in pieces if d.type == "text_delta"]
        thoughts = [d.thinking for d in pieces if d.type == "thinking_delta"]
        return {"message": message, "tool": tool, "texts": texts, "thoughts": thoughts}

    source, seen = record(tmp_path, "anthropic_session", fake, talk)
    assert ANTHROPIC_KEY in source.read_text()

    report = import_cassettes([source], tmp_path / "out")
    assert report.ok
    written = tmp_path / "out" / "anthropic_session.yaml"
    assert ANTHROPIC_KEY not in written.read_text()

    replay = CassetteProvider(written)
    message = replay.complete(
        [{"role": "user", "content": "Hello"}], system="Answer in French.", max_tokens=64
    )
    assert message.content == seen["message"].content[0].text == "Bonjour."
    assert (message.input_tokens, message.output_tokens, message.stop_reason) == (8, 2, "stop")

    tool = replay.complete(
        [{"role": "user", "content": "Weather in Paris?"}], tools=[WEATHER], max_tokens=64
    )
    block = seen["tool"].content[1]
    assert tool.content == "Checking."
    assert tool.tool_uses == [ToolUse(block.id, "weather", {"city": "Paris"})]

    events = collect(replay.stream([{"role": "user", "content": "Count"}]))
    assert deltas(events) == [t for t in seen["texts"] if t]
    thoughts = [e.content for e in events if e.type == "reasoning_delta"]
    assert thoughts == seen["thoughts"] and "".join(thoughts) == "Count up."
    assert events[-1].type == "finish" and events[-1].stop_reason == "stop"


def test_responses_api_session_replays_after_import(tmp_path: Path) -> None:
    fake = FakeOpenAI(
        [
            Reply(text="Hello from Responses.", input_tokens=6, output_tokens=4),
            Reply(tool_calls=[ToolCall("weather", {"city": "Rome"})]),
            Reply(text="Streamed response words"),
        ]
    )
    tool_spec = {
        "type": "function",
        "name": "weather",
        "description": "Weather by city",
        "parameters": PARAMS,
    }

    def talk(url: str) -> dict[str, Any]:
        client = openai.OpenAI(api_key=OPENAI_KEY, base_url=url, max_retries=0)
        text = client.responses.create(
            model="gpt-4o", instructions="Be brief.", input="Hi", max_output_tokens=64
        )
        tool = client.responses.create(
            model="gpt-4o", input="Weather in Rome?", tools=[tool_spec], max_output_tokens=64
        )
        events = list(
            client.responses.create(
                model="gpt-4o", input="Tell me", stream=True, max_output_tokens=4096
            )
        )
        client.close()
        return {"text": text, "tool": tool, "events": events}

    source, seen = record(tmp_path, "responses_session", fake, talk)
    report = import_cassettes([source], tmp_path / "out")
    assert report.ok, report.skipped
    written = tmp_path / "out" / "responses_session.yaml"
    assert OPENAI_KEY not in written.read_text()

    replay = CassetteProvider(written)
    text = replay.complete([{"role": "user", "content": "Hi"}], system="Be brief.", max_tokens=64)
    assert text.content == seen["text"].output_text == "Hello from Responses."
    tool = replay.complete(
        [{"role": "user", "content": "Weather in Rome?"}], tools=[WEATHER], max_tokens=64
    )
    call = next(item for item in seen["tool"].output if item.type == "function_call")
    assert tool.tool_uses == [ToolUse(call.call_id, "weather", {"city": "Rome"})]
    events = collect(replay.stream([{"role": "user", "content": "Tell me"}]))
    sdk_deltas = [e.delta for e in seen["events"] if e.type == "response.output_text.delta"]
    assert deltas(events) == sdk_deltas
    assert storage.load(written)["header"]["provider"].endswith("OpenAIResponsesProvider")
