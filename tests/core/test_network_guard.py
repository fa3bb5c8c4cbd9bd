"""The network guard blocks real httpx/httpx2 connections to non-loopback hosts, before DNS."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
import respx

from llm_fakes.errors import NetworkBlockedError
from llm_fakes.guard import GuardPolicy, block_network, is_loopback

OPENAI_BLOCKED = (
    "Blocked a real network connection to 'api.openai.com' (port 443): the llm-fakes network "
    "guard is on because the record mode is 'none', so tests may not reach real APIs.\n"
    "api.openai.com serves OpenAI Chat Completions and OpenAI Responses; llm_fakes.FakeOpenAI "
    "stands in for it without a network.\n"
    "Allowed hosts: loopback (localhost, 127.0.0.0/8, ::1).\n"
    "Pass allow_hosts=['api.openai.com'] to block_network(), or make the call outside it."
)


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Resolve every name to 127.0.0.1 (no real DNS) and record each name looked up."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return looked_up


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("app.localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", True),
        ("api.openai.com", False),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_loopback_is_judged_from_the_name_alone(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_sync_httpx_request_to_a_public_host_fails_in_the_guard_before_dns(
    dns: list[str],
) -> None:
    with (
        block_network(reason="the record mode is 'none'") as policy,
        pytest.raises(NetworkBlockedError) as err,
    ):
        httpx.get("https://api.openai.com/v1/models")
    assert str(err.value) == OPENAI_BLOCKED
    assert dns == []
    assert policy.blocked == [("api.openai.com", 443)]


@pytest.mark.asyncio
async def test_an_async_httpx_request_is_blocked_too(dns: list[str]) -> None:
    with block_network() as policy, pytest.raises(NetworkBlockedError):
        async with httpx.AsyncClient() as client:
            await client.post("https://api.anthropic.com/v1/messages", json={})
    assert dns == []
    assert policy.blocked == [("api.anthropic.com", 443)]


def test_httpx2_which_the_official_sdks_use_is_blocked_sync_and_async(dns: list[str]) -> None:
    import asyncio

    async def call() -> None:
        async with httpx2.AsyncClient() as client:
            await client.get("http://example.org:8080/")

    with block_network() as policy:
        with pytest.raises(NetworkBlockedError):
            httpx2.get("https://generativelanguage.googleapis.com/")
        with pytest.raises(NetworkBlockedError):
            asyncio.run(call())
    assert dns == []
    assert policy.blocked == [("generativelanguage.googleapis.com", 443), ("example.org", 8080)]


def test_the_openai_sdk_surfaces_the_guard_error_itself_or_as_the_cause(dns: list[str]) -> None:
    import openai  # the SDKs are slow to import: only these two tests pay for them

    # Current SDK releases let the guard's error through; older ones wrap it in
    # APIConnectionError (and retry it). Either way the guard's own message reaches the user.
    client = openai.OpenAI(api_key="sk-test", max_retries=0)
    with block_network() as policy, pytest.raises(Exception) as err:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    guard_error = err.value if isinstance(err.value, NetworkBlockedError) else err.value.__cause__
    assert isinstance(guard_error, NetworkBlockedError)
    assert str(guard_error).startswith("Blocked a real network connection to 'api.openai.com'")
    assert policy.blocked == [("api.openai.com", 443)]
    assert dns == []


def test_the_anthropic_sdk_wraps_it_but_keeps_it_as_the_cause(dns: list[str]) -> None:
    import anthropic

    # The Anthropic SDK wraps any transport error in APIConnectionError (and retries it).
    client = anthropic.Anthropic(api_key="sk-ant-test", max_retries=0)
    with block_network() as policy, pytest.raises(anthropic.APIConnectionError) as err:
        client.messages.create(
            model="claude-x", max_tokens=1, messages=[{"role": "user", "content": "x"}]
        )
    assert isinstance(err.value.__cause__, NetworkBlockedError)
    assert "'api.anthropic.com' (port 443)" in str(err.value.__cause__)
    assert policy.blocked == [("api.anthropic.com", 443)]
    assert dns == []


def test_loopback_requests_pass(server_port: int) -> None:
    with block_network() as policy:
        assert httpx.get(f"http://127.0.0.1:{server_port}/").text == "ok"
        assert httpx2.get(f"http://localhost:{server_port}/").text == "ok"
    assert policy.blocked == []


def test_allowed_host_patterns_pass_and_others_still_fail(dns: list[str], server_port: int) -> None:
    with block_network(allow_hosts=["*.internal", "api.example.com"]) as policy:
        assert httpx.get(f"http://models.internal:{server_port}/").text == "ok"
        assert httpx.get(f"http://API.example.com:{server_port}/").text == "ok"
        with pytest.raises(NetworkBlockedError) as err:
            httpx.get(f"http://internal:{server_port}/")
    assert dns == ["models.internal", "api.example.com"]
    assert policy.blocked == [("internal", server_port)]
    assert "Allowed hosts: loopback (localhost, 127.0.0.0/8, ::1) and allow_hosts " in str(
        err.value
    )
    assert "['*.internal', 'api.example.com']" in str(err.value)


def test_a_disabled_policy_nested_inside_lifts_the_block(dns: list[str], server_port: int) -> None:
    with block_network(), block_network(enabled=False) as inner:
        assert httpx.get(f"http://api.openai.com:{server_port}/").text == "ok"
    assert inner.blocked == []
    assert dns == ["api.openai.com"]


def test_mocked_requests_never_reach_the_guard() -> None:
    with block_network() as policy:
        with respx.mock:
            respx.get("https://api.openai.com/v1/models").respond(200, json={"data": []})
            assert httpx.get("https://api.openai.com/v1/models").json() == {"data": []}
        transport = httpx.MockTransport(lambda request: httpx.Response(204))
        with httpx.Client(transport=transport) as client:
            assert client.get("https://api.openai.com/").status_code == 204
    assert policy.blocked == []


def test_a_custom_fix_sentence_ends_the_message() -> None:
    policy = GuardPolicy(reason="of --llm-guard=on", fix="Allow it with --llm-allow-hosts={host}.")
    assert str(policy.error("api.mistral.ai", 443)) == (
        "Blocked a real network connection to 'api.mistral.ai' (port 443): the llm-fakes "
        "network guard is on because of --llm-guard=on, so tests may not reach real APIs.\n"
        "Allowed hosts: loopback (localhost, 127.0.0.0/8, ::1).\n"
        "Allow it with --llm-allow-hosts=api.mistral.ai."
    )


_FRESH_PROCESS = """
import json, sys
from llm_fakes.guard import GuardPolicy, activate
activate(GuardPolicy())
before = [m for m in ("httpx", "httpcore", "httpx2", "httpcore2") if m in sys.modules]
import httpx, httpx2
from llm_fakes.errors import NetworkBlockedError
outcomes = []
for get in (httpx.get, httpx2.get):
    try:
        get("https://api.openai.com/")
    except NetworkBlockedError:
        outcomes.append("blocked")
from llm_fakes.guard import active_policy, deactivate
deactivate(active_policy())
import httpcore, httpcore2
restored = [not hasattr(m.SyncBackend.connect_tcp, "__llm_fakes_guard__")
            and not hasattr(m.AnyIOBackend.connect_tcp, "__llm_fakes_guard__")
            for m in (httpcore, httpcore2)]
hooked = any(type(f).__name__ == "_PatchOnImport" for f in sys.meta_path)
print(json.dumps({"before": before, "outcomes": outcomes, "restored": restored, "hooked": hooked}))
"""


def test_httpx_imported_after_the_guard_is_patched_on_import_and_restored_after() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == {
        "before": [],
        "outcomes": ["blocked", "blocked"],
        "restored": [True, True],
        "hooked": False,
    }
