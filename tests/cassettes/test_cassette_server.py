"""A cassette served over HTTP: the official SDKs, sync, async and streaming, record through the
server as a proxy (upstream: the kit's fake on loopback), then replay with the upstream gone and
get the same response ids, text, tool calls, usage and chunks; an imported cassette and one
recorded through an LLMProvider serve too; misses, strict mode and bad input behave."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest

from llm_fakes import (
    CassetteProvider,
    FakeAnthropic,
    FakeOpenAI,
    Reply,
    ScriptedProvider,
    Tool,
    ToolCall,
    UnusedInteractionsError,
    UsageError,
)
from llm_fakes.cassettes import storage
from llm_fakes.cassettes.server import CassetteServer

OPENAI_KEY = "sk-proj-ServedCassetteKeyNeverOnDisk0001"
ANTHROPIC_KEY = "sk-ant-api03-ServedCassetteKeyNeverOnDisk0002"
PROMPT_SECRET = "sk-proj-PromptSecretNeverOnDisk00000003"
WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "Weather by city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def dump(value: Any) -> Any:
    return value.model_dump(mode="json")


def openai_session(base_url: str) -> dict[str, Any]:
    """Sync and async calls, plain, with a tool call, and streamed, as an application makes them."""
    client = openai.OpenAI(api_key=OPENAI_KEY, base_url=base_url, max_retries=0)
    ask = [{"role": "user", "content": f"Hi, my key is {PROMPT_SECRET}"}]
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=ask, max_tokens=50
    )
    tool = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Weather?"}], tools=[WEATHER]
    )
    chunks = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Tell me"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    seen = {
        "chat": dump(raw.parse()),
        "request_id": raw.headers.get("x-request-id"),
        "tool": dump(tool),
        "chunks": [dump(c) for c in chunks],
    }
    client.close()

    async def run() -> dict[str, Any]:
        aclient = openai.AsyncOpenAI(api_key=OPENAI_KEY, base_url=base_url, max_retries=0)
        chat = await aclient.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Async?"}]
        )
        stream = await aclient.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Async stream"}], stream=True
        )
        chunks = [dump(c) async for c in stream]
        await aclient.close()
        return {"async_chat": dump(chat), "async_chunks": chunks}

    return {**seen, **asyncio.run(run())}


def openai_fake() -> FakeOpenAI:
    return FakeOpenAI(
        [
            Reply(text="Hello there.", input_tokens=11, output_tokens=3),
            Reply(tool_calls=[ToolCall("weather", {"city": "Oslo"})]),
            Reply(text="Streamed in several words", input_tokens=5),
            Reply(text="Async hello."),
            Reply(text="Async streamed words", reasoning="First, think."),
        ]
    )


def record_then_replay(
    tmp_path: Path, fake: Any, session: Any, prefix: str = ""
) -> tuple[dict[str, Any], dict[str, Any], Path]:
    path = tmp_path / "served.yaml"
    with fake.serve() as fake_url:
        root = fake_url[: len(fake_url) - len(fake.base_path)] if fake.base_path else fake_url
        recorder = CassetteServer(path, "once", upstream=root)
        with recorder.serve() as url:
            recorded = session(url + prefix)
        recorder.close()
    assert recorder.problems == [] and recorder.recorded == len(fake.requests)
    replayer = CassetteServer(path)  # the upstream is gone: replay only
    with replayer.serve() as url:
        replayed = session(url + prefix)
    assert replayer.misses == [] and replayer.unplayed() == []
    return recorded, replayed, path


def test_openai_sdk_records_through_the_server_and_replays_the_same(tmp_path: Path) -> None:
    recorded, replayed, path = record_then_replay(tmp_path, openai_fake(), openai_session, "/v1")

    assert replayed == recorded
    assert recorded["chat"]["choices"][0]["message"]["content"] == "Hello there."
    assert recorded["request_id"] and recorded["chat"]["id"].startswith("chatcmpl-")
    call = recorded["tool"]["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"city": "Oslo"}
    texts = [c["choices"][0]["delta"].get("content") for c in recorded["chunks"] if c["choices"]]
    assert [t for t in texts if t] == ["Streamed ", "in ", "several ", "words"]
    assert recorded["chunks"][-1]["usage"]["prompt_tokens"] == 5
    text = path.read_text()
    assert OPENAI_KEY not in text and PROMPT_SECRET not in text


def anthropic_session(base_url: str) -> dict[str, Any]:
    client = anthropic.Anthropic(api_key=ANTHROPIC_KEY, base_url=base_url, max_retries=0)
    message = client.messages.create(
        model="claude-x",
        max_tokens=64,
        system="Answer in French.",
        messages=[{"role": "user", "content": "Hello"}],
    )
    tool = client.messages.create(
        model="claude-x",
        max_tokens=64,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[{"name": "weather", "input_schema": {"type": "object", "properties": {}}}],
    )
    events = client.messages.create(
        model="claude-x",
        max_tokens=2048,
        messages=[{"role": "user", "content": "Count"}],
        thinking={"type": "enabled", "budget_tokens": 1024},  # else the API does not think
        stream=True,
    )
    seen = {"message": dump(message), "tool": dump(tool), "events": [dump(e) for e in events]}
    client.close()

    async def run() -> list[Any]:
        aclient = anthropic.AsyncAnthropic(api_key=ANTHROPIC_KEY, base_url=base_url, max_retries=0)
        stream = await aclient.messages.create(
            model="claude-x",
            max_tokens=64,
            messages=[{"role": "user", "content": "Async count"}],
            stream=True,
        )
        got = [dump(e) async for e in stream]
        await aclient.close()
        return got

    return {**seen, "async_events": asyncio.run(run())}


def test_anthropic_sdk_records_through_the_server_and_replays_the_same(tmp_path: Path) -> None:
    fake = FakeAnthropic(
        [
            Reply(text="Bonjour.", input_tokens=8, output_tokens=2),
            Reply(text="Checking.", tool_calls=[ToolCall("weather", {"city": "Paris"})]),
            Reply(text="One two three four", reasoning="Count up."),
            Reply(text="Five six"),
        ]
    )
    recorded, replayed, path = record_then_replay(tmp_path, fake, anthropic_session)

    assert replayed == recorded
    assert recorded["message"]["content"][0]["text"] == "Bonjour."
    assert recorded["tool"]["content"][1]["input"] == {"city": "Paris"}
    deltas = [
        e["delta"].get("text") for e in recorded["events"] if e["type"] == "content_block_delta"
    ]
    assert [d for d in deltas if d] == ["One ", "two ", "three ", "four"]
    assert ANTHROPIC_KEY not in path.read_text()


def test_a_provider_recorded_cassette_is_rendered_through_each_api(tmp_path: Path) -> None:
    path = tmp_path / "provider.yaml"
    script = ScriptedProvider(
        [
            Reply(text="Paris.", input_tokens=7, output_tokens=2),
            Reply(
                text="It is sunny", tool_calls=[ToolCall("weather", {"city": "Oslo"}, id="call_7")]
            ),
        ]
    )
    weather = Tool("weather", "Weather by city", {"type": "object", "properties": {}})
    with CassetteProvider(path, inner=script, mode="once") as llm:
        llm.complete([{"role": "user", "content": "Capital?"}], max_tokens=64)

        async def stream() -> None:
            async for _ in llm.stream(
                [{"role": "user", "content": "Weather?"}], tools=[weather], max_tokens=64
            ):
                pass

        asyncio.run(stream())
    server = CassetteServer(path)
    with server.serve() as url:
        client = openai.OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0)
        chat = client.chat.completions.create(
            model="gpt-4o", max_tokens=64, messages=[{"role": "user", "content": "Capital?"}]
        )
        chunks = list(
            client.chat.completions.create(
                model="gpt-4o",
                max_tokens=64,
                messages=[{"role": "user", "content": "Weather?"}],
                tools=[
                    {
                        "type": "function",
                        "function": {
                            "name": "weather",
                            "description": "Weather by city",
                            "parameters": {"type": "object", "properties": {}},
                        },
                    }
                ],
                stream=True,
            )
        )
        client.close()
    assert chat.choices[0].message.content == "Paris."
    assert (chat.usage.prompt_tokens, chat.usage.completion_tokens) == (7, 2)
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert texts == ["It ", "is ", "sunny"]  # the recorded deltas
    calls = [t for c in chunks if c.choices for t in c.choices[0].delta.tool_calls or ()]
    ids = [t.id for t in calls if t.id]
    assert ids == ["call_7"]
    assert server.unplayed() == []


def test_an_imported_cassette_serves_its_recorded_responses(tmp_path: Path) -> None:
    import vcr

    from llm_fakes.cassettes.importer import import_cassettes

    fake = openai_fake()
    source = tmp_path / "vcr" / "session.yaml"
    with fake.serve() as url, vcr.VCR(record_mode="all").use_cassette(str(source)):
        recorded = openai_session(url)
    assert import_cassettes([source], tmp_path / "out").ok
    server = CassetteServer(tmp_path / "out")  # a folder of cassettes
    with server.serve() as url:
        replayed = openai_session(f"{url}/v1")
    assert {k: v for k, v in replayed.items() if k != "request_id"} == {
        k: v for k, v in recorded.items() if k != "request_id"
    }
    assert server.unplayed() == []


def test_a_miss_is_the_apis_400_with_the_closest_request_and_the_server_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.yaml"
    with CassetteProvider(path, inner=ScriptedProvider(["4"]), mode="once") as llm:
        llm.complete([{"role": "user", "content": "What is 2+2?"}])
    lines: list[str] = []
    server = CassetteServer(path, on_event=lines.append)
    with server.serve() as url:
        client = openai.OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0)
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(
                model="gpt-4o",
                max_tokens=1024,
                messages=[{"role": "user", "content": "What is 2+3?"}],
            )
        good = client.chat.completions.create(
            model="gpt-4o", max_tokens=1024, messages=[{"role": "user", "content": "What is 2+2?"}]
        )
        client.close()
    shown = storage.display(path)
    expected = (
        f"No recorded interaction matches complete(model='gpt-4o', 1 message) in {shown}.\n"
        "Closest recorded request (#0) differs in messages[0].content:\n"
        "- 'What is 2+2?'\n"
        "+ 'What is 2+3?'\n"
        "Re-record with --llm-record-mode=new_episodes, or match on fewer fields with "
        "match_on=[...]."
    )
    assert info.value.body["message"] == expected  # type: ignore[index]
    assert server.misses == [expected] and lines == [f"miss: {expected}"]
    assert good.choices[0].message.content == "4"


def test_strict_mode_names_what_was_never_played(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with CassetteProvider(path, inner=ScriptedProvider(["a", "b"]), mode="once") as llm:
        llm.complete([{"role": "user", "content": "first"}])
        llm.complete([{"role": "user", "content": "second"}])
    server = CassetteServer(path)
    body = {"model": "m", "max_tokens": 1024, "messages": [{"role": "user", "content": "first"}]}
    with httpx.Client(transport=server.transport()) as client:
        assert client.post("http://x/v1/chat/completions", json=body).status_code == 200
    with pytest.raises(UnusedInteractionsError) as info:
        server.assert_all_played()
    assert str(info.value).startswith(
        f"Cassette {storage.display(path)} has 1 recorded interaction(s) that were never "
        "played: #1 complete(1 message, last 'second')."
    )


def test_bad_input_gets_clear_answers_and_the_server_keeps_serving(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with CassetteProvider(path, inner=ScriptedProvider(["ok"]), mode="once") as llm:
        llm.complete([{"role": "user", "content": "hi"}])
    server = CassetteServer(path, allow_playback_repeats=True)
    good = {"model": "m", "max_tokens": 1024, "messages": [{"role": "user", "content": "hi"}]}
    with server.serve() as url, httpx.Client(base_url=url) as client:
        garbage = client.post("/v1/chat/completions", content=b"\x00not json")
        assert garbage.status_code == 400
        assert garbage.json()["error"]["message"].startswith(
            "The request body is not a JSON object"
        )
        foreign = client.post("/v1/chat/completions", json={"messages": "nope"})
        assert foreign.status_code == 400
        assert "does not read as openai-chat" in foreign.json()["error"]["message"]
        elsewhere = client.get("/v1/models")
        assert elsewhere.status_code == 404
        assert "POST */chat/completions" in elsewhere.json()["error"]["message"]
        assert (
            client.post("/v1/chat/completions", json=good).json()["choices"][0]["message"][
                "content"
            ]
            == "ok"
        )
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError) as info:
        CassetteServer(empty)
    assert str(info.value) == (
        f"No cassettes (*.yaml, *.yml) in the folder {storage.display(empty)}; point --cassette "
        "at a cassette file or a folder holding some."
    )
    with pytest.raises(UsageError) as info:
        CassetteServer(tmp_path / "new.yaml", "once")
    assert str(info.value) == (
        f"Serving {storage.display(tmp_path / 'new.yaml')} in record mode 'once' needs an "
        "upstream to record from: the API's root URL, as --upstream https://api.openai.com (or "
        "upstream= in Python and in the llm_cassette marker), or replay only with record mode "
        "none."
    )
    with pytest.raises(UsageError) as info:
        CassetteServer(tmp_path, "new_episodes", upstream="http://127.0.0.1:9")
    assert str(info.value).startswith(f"{storage.display(tmp_path)} is a folder: record into")


def test_an_upstream_that_refuses_records_nothing_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with CassetteProvider(path, inner=ScriptedProvider(["kept"]), mode="once") as llm:
        llm.complete([{"role": "user", "content": "old"}])
    before = path.read_bytes()
    with socket_closed_port() as port:
        server = CassetteServer(path, "new_episodes", upstream=f"http://127.0.0.1:{port}")
    lines: list[str] = []
    server.on_event = lines.append
    with server.serve() as url, httpx.Client(base_url=url) as client:
        ask = {"model": "m", "max_tokens": 1024, "messages": [{"role": "user", "content": "new"}]}
        refused = client.post("/v1/chat/completions", json=ask)
        old = {**ask, "messages": [{"role": "user", "content": "old"}]}
        kept = client.post("/v1/chat/completions", json=old)
    server.close()
    assert refused.status_code == 502
    message = refused.json()["error"]["message"]
    assert message.startswith(f"llm-fakes could not reach the upstream http://127.0.0.1:{port}")
    assert message.endswith("Nothing was recorded; check --upstream.")
    assert lines == [f"upstream failed: {message}"]
    assert kept.json()["choices"][0]["message"]["content"] == "kept"
    assert path.read_bytes() == before


class socket_closed_port:
    """A loopback port nothing listens on."""

    def __enter__(self) -> int:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        sock.close()
        return self.port

    def __exit__(self, *exc: object) -> None:
        pass


def wait_for(check: Any, seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_stream_passes_through_as_it_arrives_and_is_saved_when_it_ends(tmp_path: Path) -> None:
    import threading

    first = b'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}\n\n'
    rest = (
        b'data: {"model":"gpt-4o-x","choices":[{"index":0,"delta":{"content":"lo"},'
        b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    )
    client_saw_first = threading.Event()

    class Slow(httpx.SyncByteStream):
        def __iter__(self) -> Any:
            yield first
            # A proxy holding the first chunk back until the end would never get past here.
            assert client_saw_first.wait(5), "the first chunk was held back"
            yield rest

    def upstream(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Slow())

    path = tmp_path / "stream.yaml"
    transport = httpx.MockTransport(upstream)
    server = CassetteServer(path, "once", upstream="http://api.test", upstream_transport=transport)
    body = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    with server.serve() as url:
        with httpx.stream("POST", f"{url}/v1/chat/completions", json=body) as response:
            chunks = response.iter_raw()
            assert next(chunks) == first
            client_saw_first.set()
            assert b"".join(chunks) == rest
        # Saved as soon as the response ended, before the server stops.
        wait_for(lambda: server.recorded == 1)
        [saved] = storage.load(path)["interactions"]
    server.close()
    assert saved["http"]["chunks"] == [first.decode(), rest.decode()]
    assert [e["type"] for e in saved["events"]] == [
        "text_delta",
        "text_delta",
        "text_end",
        "finish",
    ]


def test_two_servers_recording_into_one_cassette_keep_both(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "shared.yaml"
    with CassetteProvider(path, inner=ScriptedProvider(["old"]), mode="once") as llm:
        llm.complete([{"role": "user", "content": "old"}])
    fake = FakeOpenAI(["one", "two"])
    with fake.serve() as fake_url:
        servers = [
            CassetteServer(path, "new_episodes", upstream=fake_url.removesuffix("/v1"))
            for _ in range(2)
        ]

        def ask(server: CassetteServer, text: str) -> None:
            body = {
                "model": "m",
                "max_tokens": 1024,
                "messages": [{"role": "user", "content": text}],
            }
            with httpx.Client(transport=server.transport(), base_url="http://x") as client:
                assert client.post("/v1/chat/completions", json=body).status_code == 200

        threads = [
            threading.Thread(target=ask, args=(s, text))
            for s, text in zip(servers, ["first", "second"], strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for server in servers:
            server.close()
    asked = sorted(
        i["request"]["messages"][0]["content"] for i in storage.load(path)["interactions"]
    )
    assert asked == ["first", "old", "second"]


def test_a_request_without_max_tokens_replays_a_recording_made_with_the_default(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.yaml"
    with CassetteProvider(path, inner=ScriptedProvider(["Paris.", "Oslo."]), mode="once") as llm:
        llm.complete([{"role": "user", "content": "Capital of France?"}])  # max_tokens=1024

        async def stream() -> None:
            async for _ in llm.stream([{"role": "user", "content": "Capital of Norway?"}]):
                pass

        asyncio.run(stream())
    server = CassetteServer(path)
    with server.serve() as url:
        client = openai.OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0)
        chat = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Capital of France?"}]
        )
        chunks = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "Capital of Norway?"}],
            stream=True,
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        client.close()
    assert (chat.choices[0].message.content, text) == ("Paris.", "Oslo.")


def responses_session(base_url: str) -> dict[str, Any]:
    client = openai.OpenAI(api_key=OPENAI_KEY, base_url=base_url, max_retries=0)
    reply = client.responses.create(model="gpt-4o", input="Hi via Responses")
    events = client.responses.create(model="gpt-4o", input="Stream via Responses", stream=True)
    seen = {"reply": dump(reply), "events": [dump(e) for e in events]}
    client.close()
    return seen


def test_the_responses_api_records_and_replays_through_the_server(tmp_path: Path) -> None:
    fake = FakeOpenAI([Reply(text="Hello from Responses."), Reply(text="Streamed answer here")])
    recorded, replayed, _ = record_then_replay(tmp_path, fake, responses_session, "/v1")
    assert replayed == recorded
    assert recorded["reply"]["output"][0]["content"][0]["text"] == "Hello from Responses."
    deltas = [e["delta"] for e in recorded["events"] if e["type"] == "response.output_text.delta"]
    assert "".join(deltas) == "Streamed answer here" and len(deltas) == 3


def test_a_secret_cut_in_two_by_a_stream_chunk_never_reaches_disk(tmp_path: Path) -> None:
    secret = "sk-proj-SplitAcrossTwoChunks0000000004"
    head = 'data: {"choices":[{"index":0,"delta":{"content":"key ' + secret[:12]
    tail = secret[12:] + '"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'

    def upstream(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            stream=Chunks([head.encode(), tail.encode()]),
        )

    path = tmp_path / "split.yaml"
    transport = httpx.MockTransport(upstream)
    server = CassetteServer(path, "once", upstream="http://api.test", upstream_transport=transport)
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    with httpx.Client(transport=server.transport()) as client:
        assert client.post("http://x/v1/chat/completions", json=body).text == head + tail
    server.close()
    text = path.read_text()
    assert secret not in text and secret[12:] not in text
    [saved] = storage.load(path)["interactions"]
    assert len(saved["http"]["chunks"]) == 1


class Chunks(httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Any:
        yield from self.chunks
