"""Secrets never reach disk; scrubbing is symmetric; user filters add to the defaults."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from cassette_support import Recorder, ask, collect
from hypothesis import given
from hypothesis import strategies as st

from llm_fakes import (
    CassetteProvider,
    FinishEvent,
    LLMResponse,
    TextDeltaEvent,
    Tool,
    ToolUse,
    UsageError,
)
from llm_fakes.cassettes import storage
from llm_fakes.cassettes.redaction import Redactor


def walk_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [*walk_strings(k), *walk_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in walk_strings(v)]
    return []


def test_default_scrubbers() -> None:
    r = Redactor(environ={"OPENAI_API_KEY": "plain-value-1234", "GH_TOKEN": "short"})
    assert r.scrub(
        {
            "a": "key sk-proj-AbCdEf0123456789_xyz and sk-ant-api03-QWERTY-uiop",
            "b": "Authorization: Bearer eyJhbGciOi.J9.sig==",
            "c": "value plain-value-1234 here",
            "d": "short stays, sk-learn stays",
            "headers": {"X-Api-Key": "anything at all", "Cookie": "session=1"},
        }
    ) == {
        "a": "key <redacted:openai-key> and <redacted:anthropic-key>",
        "b": "Authorization: Bearer <redacted>",
        "c": "value <redacted:OPENAI_API_KEY> here",
        "d": "short stays, sk-learn stays",
        "headers": {"X-Api-Key": "<redacted>", "Cookie": "<redacted>"},
    }


def test_user_filters_add_to_the_defaults_never_replace_them() -> None:
    r = Redactor(
        filters=["ACME Corp", re.compile(r"\b\d{3}-\d{4}\b"), ("Alice", "<name>"), str.upper],
        keys=["x-customer"],
        environ={},
    )
    assert r.scrub(
        {"t": "ACME Corp: call 555-1234, Alice, sk-ant-api03-abcdefgh", "x-customer": "c"}
    ) == {
        "T": "<REDACTED>: CALL <REDACTED>, <NAME>, <REDACTED:ANTHROPIC-KEY>",
        "X-CUSTOMER": "<redacted>",  # a function filter rewrites keys too
    }


def test_scrubbing_is_idempotent() -> None:
    r = Redactor(environ={"MY_TOKEN": "tok-123456789"})
    once = r.scrub(["sk-abcdefghijklmnop1234 tok-123456789 Bearer abc"])
    assert r.scrub(once) == once


def test_a_scrubbed_recording_still_matches_the_request_that_made_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_API_KEY", "acme-secret-42")
    path = tmp_path / "c.yaml"
    question = ask("Use key sk-proj-abcdefghijklmnop1234 and acme-secret-42 please")
    with CassetteProvider(path, inner=Recorder(), mode="once", filters=["please"]) as llm:
        llm.complete(question, system="Bearer abc.def")
    text = path.read_text()
    assert "abcdefghijklmnop1234" not in text and "acme-secret-42" not in text
    assert "please" not in text and "abc.def" not in text
    replay = CassetteProvider(path, filters=["please"])
    assert replay.complete(question, system="Bearer abc.def").content == (
        "re: Use key <redacted:openai-key> and <redacted:ACME_API_KEY> <redacted>"
    )


def test_before_record_request_rewrites_saved_and_incoming_requests_alike(tmp_path: Path) -> None:
    def drop_ids(request: dict[str, Any]) -> dict[str, Any]:
        for m in request["messages"]:
            m["content"] = re.sub(r"req-\d+", "req-N", m["content"])
        return request

    path = tmp_path / "c.yaml"
    with CassetteProvider(
        path, inner=Recorder(), mode="once", before_record_request=drop_ids
    ) as llm:
        llm.complete(ask("status of req-17"))
    assert storage.load(path)["interactions"][0]["request"]["messages"][0]["content"] == (
        "status of req-N"
    )
    replay = CassetteProvider(path, before_record_request=drop_ids)
    assert replay.complete(ask("status of req-99")).content == "re: status of req-17"


def test_before_record_rewrites_or_drops_interactions(tmp_path: Path) -> None:
    def hook(interaction: dict[str, Any]) -> dict[str, Any] | None:
        if interaction["request"]["messages"][0]["content"] == "private":
            return None
        interaction["response"]["content"] = interaction["response"]["content"].upper()
        return interaction

    path = tmp_path / "c.yaml"
    with CassetteProvider(path, inner=Recorder(), mode="once", before_record=hook) as llm:
        llm.complete(ask("public"))
        llm.complete(ask("private"))
    doc = storage.load(path)
    assert [i["response"]["content"] for i in doc["interactions"]] == ["RE: PUBLIC"]


def test_before_record_may_not_change_the_request(tmp_path: Path) -> None:
    def hook(interaction: dict[str, Any]) -> dict[str, Any]:
        interaction["request"]["system"] = "changed"
        return interaction

    path = tmp_path / "c.yaml"
    llm = CassetteProvider(path, inner=Recorder(), mode="once", before_record=hook)
    llm.complete(ask("q"))
    with pytest.raises(UsageError) as info:
        llm.save()
    assert str(info.value) == (
        "before_record changed the request of an interaction; incoming requests are not "
        "rewritten by before_record, so it would never match again. Rewrite requests with "
        "before_record_request=..., which is applied to incoming requests too."
    )
    assert not path.exists()


SECRETS = st.one_of(
    st.from_regex(r"sk-[A-Za-z0-9]{20,40}", fullmatch=True),
    st.from_regex(r"sk-proj-[A-Za-z0-9_-]{20,40}", fullmatch=True),
    st.from_regex(r"sk-ant-api03-[A-Za-z0-9_-]{20,40}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9]{12,30}", fullmatch=True).map(lambda s: "Bearer " + s),
    st.from_regex(r"[A-Za-z0-9._-]{12,30}", fullmatch=True).map(lambda s: "env:" + s),
)
PLACES = st.sampled_from(
    [
        "message",
        "system",
        "tool_description",
        "tool_schema",
        "response_text",
        "tool_input",
        "raw_payload",
        "raw_key",
        "stream_text",
    ]
)


@given(secret=SECRETS, place=PLACES, text=st.text(max_size=30))
def test_a_secret_anywhere_never_reaches_the_file(
    tmp_path_factory: pytest.TempPathFactory, secret: str, place: str, text: str
) -> None:
    env = {}
    if secret.startswith("env:"):
        secret = secret[4:]
        env["SERVICE_API_KEY"] = secret
    where = {place: f"{text} {secret} {text}"}
    messages = [{"role": "user", "content": where.get("message", "hi")}]
    tools = [
        Tool(
            "t",
            where.get("tool_description", "d"),
            {"properties": {"q": {"default": where.get("tool_schema", "x")}}},
        )
    ]
    response = LLMResponse(
        content=where.get("response_text", "ok"),
        model="m",
        tool_uses=[ToolUse(id="c", name="t", input={"deep": [{"v": where.get("tool_input", "")}]})],
        raw_response={
            "payload": {"nested": [where.get("raw_payload", "")]},
            where.get("raw_key", "k"): 1,
        },
    )
    stream_text = where.get("stream_text", "s")
    events = [
        TextDeltaEvent(content=stream_text, snapshot=stream_text),
        FinishEvent(stop_reason="stop", model="m"),
    ]
    path = tmp_path_factory.mktemp("secret") / "c.yaml"
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        real = Recorder(lambda r: response, events=events)
        with CassetteProvider(path, inner=real, mode="once") as llm:
            llm.complete(messages, system=where.get("system", ""), tools=tools)
            asyncio.run(collect(llm.stream(ask("stream"))))
        text_on_disk = path.read_text(encoding="utf-8")
        assert secret not in text_on_disk
        assert all(secret not in s for s in walk_strings(storage.load(path)))
        # Symmetric: the same request, secret and all, still finds its recording.
        replay = CassetteProvider(path)
        replayed = replay.complete(messages, system=where.get("system", ""), tools=tools)
        assert secret not in repr(replayed)
