"""No secret reaches disk or the terminal: each secret kind (tests/hardening/secrets_probe.py:
provider keys, GitHub, AWS, Slack tokens, JWTs, bearer tokens in any case, URL passwords, and
shapeless values known only by their environment variable's name) is placed in each channel a
stack has (headers, query parameters, URL userinfo, request body, response content, error
text), through each writer (the vcrpy preset, cassette recording, cassette import, snapshots,
conformance reports, the CLI's messages); then every written file and every printed line is
searched for each placement. Zero found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hardening_support import tally
from secrets_probe import (
    KINDS,
    SECRET_BODY_NAMES,
    SECRET_HEADER_NAMES,
    SECRET_QUERY_NAMES,
    Placed,
    joined,
    leaks,
    named,
    place_all,
    set_env,
    written,
)

from llm_fakes import Fail, FakeAnthropic, FakeOpenAI, Reply, ToolCall
from llm_fakes.http.vcr import make_vcr

#: Kinds that survive in a URL's query as they are (no space, "=", ":" or "@" to encode).
URL_SAFE = [
    k
    for k in KINDS
    if k not in {"aws-secret-named", "bearer-lower", "bearer-upper", "url-userinfo"}
]
#: Kinds a header value can carry (anything printable on one line).
TEXT_KINDS = KINDS


def found_none(placed: list[Placed], writer: str) -> None:
    """Count each placement a writer kept off disk and off the terminal, for the tally."""
    for _ in placed:
        tally("secret placements", f"{writer}: not found")


def userinfo(url: str, placed: Placed) -> str:
    """``url`` with ``probe:<password>@`` in it."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://probe:{placed.secret}@{rest}"


def _content_placements(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Placed]]:
    """Every kind in the request body, the response content and the error text."""
    out = {channel: place_all(channel) for channel in ("request-body", "response", "error-text")}
    for placed in out.values():
        set_env(monkeypatch, placed)
    return out


def _wire_placements(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    header = place_all("header", TEXT_KINDS)
    query = place_all("query", URL_SAFE)
    set_env(monkeypatch, [*header, *query])
    return {
        "header": header,
        "query": query,
        "header-names": named("header", SECRET_HEADER_NAMES),
        "query-names": named("query", SECRET_QUERY_NAMES),
        "body-names": named("request-body", SECRET_BODY_NAMES),
        "userinfo": place_all("url-userinfo", ["url-userinfo"])[0],
    }


def _all(content: dict[str, list[Placed]], wire: dict[str, Any]) -> list[Placed]:
    return [
        *(p for placed in content.values() for p in placed),
        *wire["header"],
        *wire["query"],
        *wire["header-names"].values(),
        *wire["query-names"].values(),
        *wire["body-names"].values(),
        wire["userinfo"],
    ]


def _headers(wire: dict[str, Any]) -> dict[str, str]:
    headers = {f"x-probe-{p.kind}": p.text for p in wire["header"]}
    headers.update({name: p.text for name, p in wire["header-names"].items()})
    return headers


def _query(wire: dict[str, Any]) -> dict[str, str]:
    query = {f"probe_{p.kind}": p.text for p in wire["query"]}
    query.update({name: p.text for name, p in wire["query-names"].items()})
    return query


def _script(content: dict[str, list[Placed]]) -> list[Any]:
    said = joined(content["response"])
    # Served exactly as scripted whatever the request (its tools, its budget): every placement
    # must reach the wire for the probe to prove anything.
    return [
        Reply(text=said, tool_calls=[ToolCall("lookup", {"note": said})], defies_request=True),
        Fail.bad_request(message=joined(content["error-text"])),
    ]


def _httpx(url: str, content: dict[str, list[Placed]], wire: dict[str, Any]) -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": joined(content["request-body"])}],
        "metadata": {name: p.text for name, p in wire["body-names"].items()},
    }
    with httpx.Client(base_url=userinfo(url, wire["userinfo"]), headers=_headers(wire)) as c:
        for _ in range(2):
            c.post("/chat/completions", json=body, params=_query(wire))


def _openai_sdk(url: str, content: dict[str, list[Placed]], wire: dict[str, Any]) -> None:
    import openai

    client = openai.OpenAI(
        api_key="sk-" + "k" * 40,
        base_url=userinfo(url, wire["userinfo"]),
        default_headers=_headers(wire),
        default_query=_query(wire),
        max_retries=0,
    )
    messages: Any = [{"role": "user", "content": joined(content["request-body"])}]
    extra = {name: p.text for name, p in wire["body-names"].items()}
    client.chat.completions.create(model="m", messages=messages, extra_body=extra)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="m", messages=messages, extra_body=extra)
    client.close()


def _anthropic_sdk(url: str, content: dict[str, list[Placed]], wire: dict[str, Any]) -> None:
    import anthropic

    client = anthropic.Anthropic(
        api_key="sk-ant-" + "k" * 40,
        base_url=userinfo(url, wire["userinfo"]).removesuffix("/v1"),
        default_headers=_headers(wire),
        default_query=_query(wire),
        max_retries=0,
    )
    messages: Any = [{"role": "user", "content": joined(content["request-body"])}]
    extra = {"metadata": {name: p.text for name, p in wire["body-names"].items()}}
    client.messages.create(model="m", max_tokens=50, messages=messages, extra_body=extra)
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(model="m", max_tokens=50, messages=messages, extra_body=extra)
    client.close()


VCR_STACKS = {
    "httpx": (FakeOpenAI, _httpx),
    "openai-sdk": (FakeOpenAI, _openai_sdk),
    "anthropic-sdk": (FakeAnthropic, _anthropic_sdk),
}


@pytest.mark.parametrize("stack", list(VCR_STACKS))
def test_the_vcrpy_preset_writes_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stack: str
) -> None:
    fake_cls, drive = VCR_STACKS[stack]
    content = _content_placements(monkeypatch)
    wire = _wire_placements(monkeypatch)
    cassette = tmp_path / "probe.yaml"
    fake = fake_cls(_script(content))
    with fake.serve() as url, make_vcr(record_mode="all").use_cassette(str(cassette)):
        drive(url, content, wire)
    assert len(fake.requests) == 2  # both reached the fake: the response and the error
    text = cassette.read_text()
    # Every channel was really recorded (the probe would prove nothing otherwise).
    assert "x-probe-openai" in text and "probe_google" in text and "db.internal.test" in text
    assert text.count("- request:") == 2
    placed = _all(content, wire)
    assert len(placed) > 100
    found = leaks(placed, [text])
    assert not found, f"{len(found)} of {len(placed)} placements written: {found}"
    found_none(placed, "vcrpy preset")


def _provider_stacks() -> dict[str, tuple[Any, Any]]:
    from llm_fakes import AnthropicProvider, OpenAIProvider, OpenAIResponsesProvider

    return {
        "openai-chat": (FakeOpenAI, OpenAIProvider),
        "openai-responses": (FakeOpenAI, OpenAIResponsesProvider),
        "anthropic": (FakeAnthropic, AnthropicProvider),
    }


@pytest.mark.parametrize("stack", ["openai-chat", "openai-responses", "anthropic", "scripted"])
def test_a_recorded_cassette_holds_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stack: str
) -> None:
    from llm_fakes import CassetteProvider, ProviderError, ScriptedProvider, Tool

    content = _content_placements(monkeypatch)
    script = [*_script(content), Reply(text=joined(content["response"]), defies_request=True)]
    if stack == "scripted":
        inner: Any = ScriptedProvider(script)
    else:
        fake_cls, provider_cls = _provider_stacks()[stack]
        inner = provider_cls("m", api_key="sk-" + "k" * 40, transport=fake_cls(script).transport())
    said = joined(content["request-body"])
    messages = [{"role": "user", "content": said}]
    tools = [Tool("lookup", said, {"type": "object", "properties": {}})]
    cassette = tmp_path / "probe.yaml"
    with CassetteProvider(cassette, inner=inner, mode="all") as llm:
        llm.complete(messages, system=said, tools=tools)
        with pytest.raises(ProviderError):
            llm.complete(messages, system=said, max_retries=0)

        async def stream() -> None:
            async for _ in llm.stream(messages, system=said):
                pass

        import asyncio

        asyncio.run(stream())
    text = cassette.read_text()
    assert text.count("- call:") == 3
    placed = [p for ps in content.values() for p in ps]
    found = leaks(placed, [text])
    assert not found, f"{len(found)} of {len(placed)} placements written: {found}"
    found_none(placed, "cassette recording")


def _vcr_interaction(
    uri: str,
    headers: dict[str, str],
    body: Any,
    status: int,
    reply: str,
    content_type: str = "application/json",
) -> dict[str, Any]:
    return {
        "request": {
            "method": "POST",
            "uri": uri,
            "body": json.dumps(body),
            "headers": {k: [v] for k, v in headers.items()},
        },
        "response": {
            "status": {"code": status, "message": "x"},
            "headers": {"content-type": [content_type]},
            "body": {"string": reply},
        },
    }


def _chat_reply(text: str) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "model": "gpt-4o-1",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": text,
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {
                                    "name": "lookup",
                                    "arguments": json.dumps({"note": text}),
                                },
                            }
                        ],
                    },
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    )


def _sse(text: str) -> str:
    """An OpenAI event stream, one word per chunk: a secret with a space in it is split."""
    words = text.split(" ")
    parts = [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]
    chunks = [
        {"id": "c", "model": "gpt-4o-1", "choices": [{"index": 0, "delta": {"content": p}}]}
        for p in parts
    ]
    chunks.append(
        {
            "id": "c",
            "model": "gpt-4o-1",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
    )
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"


def test_cassette_import_writes_and_prints_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from llm_fakes.cli import main

    content = _content_placements(monkeypatch)
    stream = place_all("response-stream")
    left_out = place_all("left-out-url", URL_SAFE)
    set_env(monkeypatch, [*stream, *left_out])
    wire = _wire_placements(monkeypatch)
    base = userinfo("https://api.openai.com/v1", wire["userinfo"])
    query = "&".join(f"{k}={v}" for k, v in _query(wire).items())
    uri = f"{base}/chat/completions?{query}"
    asked = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": joined(content["request-body"])}],
        "metadata": {name: p.text for name, p in wire["body-names"].items()},
    }
    error = json.dumps({"error": {"message": joined(content["error-text"]), "type": "invalid"}})
    unknown = "https://unknown.example.test/v9/thing?" + "&".join(
        f"{p.kind}={p.text}" for p in left_out
    )
    source = {
        "version": 1,
        "interactions": [
            _vcr_interaction(
                uri, _headers(wire), asked, 200, _chat_reply(joined(content["response"]))
            ),
            _vcr_interaction(uri, _headers(wire), asked, 400, error),
            _vcr_interaction(
                uri,
                _headers(wire),
                {**asked, "stream": True},
                200,
                _sse(joined(stream)),
                "text/event-stream",
            ),
            _vcr_interaction(unknown, {}, {"x": 1}, 200, "{}"),
        ],
    }
    src = tmp_path / "src" / "probe.json"
    src.parent.mkdir()
    src.write_text(json.dumps(source))
    out = tmp_path / "out"
    code = main(["cassette", "import", str(src), "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 1, printed  # 1: something was left out
    assert "unknown.example.test" in printed.out + printed.err  # the left-out one is named
    text = (out / "probe.yaml").read_text()
    assert text.count("- call:") == 3
    placed = [p for ps in content.values() for p in ps]
    placed += [*stream, *left_out, *wire["query"], *wire["query-names"].values()]
    found = leaks(placed, [text, printed.out, printed.err])
    assert not found, f"{len(found)} of {len(placed)} placements written or printed: {found}"
    found_none(placed, "cassette import")


LEAKY_FACTORY = """
import json, logging, sys
from pathlib import Path

from llm_fakes import LLMProvider, LLMResponse
from llm_fakes.contract import ProviderFactory

SAID = json.loads(Path(__file__).with_name("said.json").read_text())


class Leaky(LLMProvider):
    def __init__(self, inner):
        self.inner = inner

    def complete(self, messages, **kwargs):
        print("calling with", SAID["printed"])
        print("warning:", SAID["stderr"], file=sys.stderr)
        logging.getLogger("leaky").warning("key was %s", SAID["logged"])
        reply = self.inner.complete(messages, **kwargs)
        return LLMResponse(content=SAID["returned"], model="", stop_reason=reply.stop_reason)

    async def acomplete(self, messages, **kwargs):
        return self.complete(messages, **kwargs)


leaky = ProviderFactory(lambda backend: Leaky(backend.scripted), name="leaky")
"""


def test_conformance_reports_and_progress_hold_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from llm_fakes.cli import main

    placed = {ch: place_all(ch) for ch in ("printed", "stderr", "logged", "returned")}
    for ps in placed.values():
        set_env(monkeypatch, ps)
    (tmp_path / "said.json").write_text(json.dumps({k: joined(v) for k, v in placed.items()}))
    (tmp_path / "leakyfactory.py").write_text(LEAKY_FACTORY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    reports = ["--json", "r.json", "--html", "r.html", "--junit-xml", "r.xml"]
    code = main(
        ["conformance", "leakyfactory:leaky", "--only", "C1", "--max-examples", "2", *reports]
    )
    printed = capsys.readouterr()
    assert code == 1
    files = [tmp_path / name for name in ("r.json", "r.html", "r.xml")]
    texts = [f.read_text() for f in files]
    # The failure and the captured output are really in each report (else nothing was probed).
    assert all("leaky" in t and "calling with" in t for t in texts)
    assert "calling with" in printed.out
    everything = [p for ps in placed.values() for p in ps]
    found = leaks(everything, [*texts, printed.out, printed.err])
    assert not found, f"{len(found)} of {len(everything)} placements written: {found}"
    found_none(everything, "conformance reports")


SNAPSHOT_TEST = """
import json
from pathlib import Path

SAID = json.loads(Path(__file__).with_name("said.json").read_text())


def test_reply(llm_fake, llm_snapshot):
    from llm_fakes import Fail, Reply, ToolCall
    call = ToolCall("lookup", {"q": SAID["tool"]})
    llm_fake.add(Reply(text=SAID["response"], tool_calls=[call]))
    llm_fake.add(Fail.bad_request(message=SAID["error"]))
    asked = [{"role": "user", "content": SAID["request"]}]
    response = llm_fake.complete(asked, system=SAID["request"])
    assert response == llm_snapshot
    try:
        llm_fake.complete([{"role": "user", "content": "again"}], max_retries=0)
    except Exception as exc:
        assert str(exc) == llm_snapshot
    assert llm_fake.calls == llm_snapshot
"""


def test_snapshots_hold_no_secret(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    placed = {ch: place_all(ch) for ch in ("response", "tool", "error", "request")}
    for ps in placed.values():
        set_env(monkeypatch, ps)
    pytester.makefile(
        ".ini",
        pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "addopts = -p no:langsmith_plugin\n",
    )
    (pytester.path / "said.json").write_text(json.dumps({k: joined(v) for k, v in placed.items()}))
    pytester.makepyfile(test_chat=SNAPSHOT_TEST)
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
    folder = pytester.path / "__snapshots__"
    texts = written(folder)
    assert len(texts) == 3 and any("lookup" in t for t in texts)
    pytester.runpytest().assert_outcomes(passed=1)  # scrubbed on both sides: still equal
    everything = [p for ps in placed.values() for p in ps]
    found = leaks(everything, texts)
    assert not found, f"{len(found)} of {len(everything)} placements written: {found}"
    found_none(everything, "snapshots")


def test_the_contract_suites_failure_report_holds_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a ProviderContract test prints when a property fails (pytest shows it and writes it
    # to its own report files).
    from llm_fakes.contract.properties import select
    from llm_fakes.contract.suite import _failure_report
    from llm_fakes.contract.verdicts import Failure, Verdict

    placed = {ch: place_all(ch) for ch in ("message", "counterexample", "output", "cause")}
    for ps in placed.values():
        set_env(monkeypatch, ps)
    said = {k: joined(v) for k, v in placed.items()}
    failures = (
        Failure(said["message"], said["counterexample"], said["output"], said["cause"]),
    ) * 2
    verdict = Verdict("C1", "leaky", "FAIL", said["message"], failures=failures)
    text = _failure_report(select("C1")[0], "leaky", verdict)
    assert "FAILS for leaky" in text
    everything = [p for ps in placed.values() for p in ps]
    found = leaks(everything, [text])
    assert not found, f"{len(found)} of {len(everything)} placements written: {found}"
    found_none(everything, "contract suite failure report")
