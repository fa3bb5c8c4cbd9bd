"""Garbage requests to the fake servers: a 400 with the API's JSON error body, never a crash.

Bodies: arbitrary bytes; arbitrary JSON; a valid request with one node replaced by a value of the
wrong type; deep nesting; invalid UTF-8. Sent through the in-process transport (fast, many) and,
for malformed HTTP itself (bad request lines, lying or negative ``Content-Length``, huge headers),
as raw bytes to the loopback server, which must answer and go on serving.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hardening_support import no_hang, tally
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from llm_fakes import FakeAnthropic, FakeOpenAI

CATEGORY = "fake-server requests"
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PATHS = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}
HEADERS = {"content-type": "application/json", "anthropic-version": "2023-06-01"}
VALID: dict[str, dict[str, Any]] = {
    "openai": {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        ],
        "tools": [{"type": "function", "function": {"name": "w", "parameters": {}}}],
        "max_tokens": 50,
        "stream": True,
        "stream_options": {"include_usage": True},
        "response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": {}}},
    },
    "anthropic": {
        "model": "claude-x",
        "max_tokens": 50,
        "system": "Be brief.",
        "messages": [
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "w", "input": {}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "x"}],
            },
        ],
        "tools": [{"name": "w", "description": "d", "input_schema": {"type": "object"}}],
        "stream": True,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
    },
}


def _fake(api: str) -> Any:
    script = ['{"a": 1}'] * 2
    cls = FakeOpenAI if api == "openai" else FakeAnthropic
    return cls(script, on_exhausted="cycle")


def check_response(response: httpx.Response, what: str) -> str:
    """A fake's answer to a bad request: a 2xx, or a 4xx whose body is the API's JSON error."""
    status = response.status_code
    if status < 300:
        return "200"
    assert 400 <= status < 500, f"{what} got HTTP {status}: {response.text[:300]}"
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    assert isinstance(body["error"].get("message"), str) and body["error"]["message"], body
    return str(status)


def post(api: str, content: bytes, what: str) -> str:
    """Send ``content`` through the fake's transport; return how it ended (for the tally)."""
    fake = _fake(api)
    with httpx.Client(transport=fake.transport()) as client:
        try:
            with no_hang(10, what):
                response = client.post(f"http://fake{PATHS[api]}", content=content, headers=HEADERS)
                response.read()
        except Exception as exc:  # pragma: no cover - what this test exists to catch
            raise AssertionError(
                f"{api} fake crashed on {what} {content[:300]!r}: {type(exc).__name__}: {exc}"
            ) from exc
    outcome = check_response(response, f"{api} {what}")
    tally(CATEGORY, f"HTTP {outcome}")
    return outcome


APIS = st.sampled_from(["openai", "anthropic"])


@FUZZ
@given(api=APIS, data=st.binary(max_size=500))
@example(api="openai", data=b"\xff\xfe{}")
@example(api="openai", data=b"[" * 100_000 + b"]" * 100_000)
@example(api="anthropic", data=b"[" * 100_000 + b"]" * 100_000)
def test_arbitrary_bytes(api: str, data: bytes) -> None:
    post(api, data, "bytes")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
WRONG = st.one_of(
    JSON,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([5, -1, 0, True, "", "x" * 100_000, [], {}, [5], {"a": 5}, [[]], "tool"]),
)


@FUZZ
@given(api=APIS, value=JSON)
def test_arbitrary_json(api: str, value: Any) -> None:
    post(api, json.dumps(value).encode(), "JSON")


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*at, i))
    return out


@FUZZ
@given(api=APIS, data=st.data(), value=WRONG, drop=st.booleans())
@example(api="openai", data=None, value=5, drop=False)  # tool_calls: 5
@example(api="openai", data=None, value={"include": 1}, drop=False)
def test_one_node_of_the_wrong_type(api: str, data: Any, value: Any, drop: bool) -> None:
    body = json.loads(json.dumps(VALID[api]))
    if data is None:  # the explicit examples: a known-bad spot
        path: tuple[Any, ...] = ("messages", 2, "tool_calls") if value == 5 else ("stream_options",)
        if isinstance(value, dict):
            value = 5
    else:
        path = data.draw(st.sampled_from(_paths(body)[1:]), label="path")
    node = body
    for part in path[:-1]:
        node = node[part]
    if drop:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    post(api, json.dumps(body).encode(), f"wrong {'/'.join(map(str, path))}")


@pytest.mark.parametrize("api", ["openai", "anthropic"])
@pytest.mark.parametrize(
    "case",
    [
        "tool-call id not a string",
        "deep content",
        "lone surrogate",
        "huge max_tokens",
    ],
)
def test_named_bad_requests(api: str, case: str) -> None:
    body = json.loads(json.dumps(VALID[api]))
    if case == "tool-call id not a string":
        if api == "openai":
            body["messages"][2]["tool_calls"][0]["id"] = 5
            body["messages"][3]["tool_call_id"] = 5
            body["messages"].append({"role": "user", "content": "more"})
            del body["messages"][3]
        else:
            body["messages"][1]["content"][0]["id"] = {"x": 1}
    elif case == "deep content":
        body["messages"][0]["content"] = json.loads("[" * 900 + "]" * 900)
    elif case == "lone surrogate":
        body["messages"][0]["content"] = "\ud800"
    else:
        body["max_tokens"] = 2**80
    content = json.dumps(body).encode("utf-8", "surrogatepass")
    post(api, content, case)


# ----------------------------------------------------------------------------- raw HTTP

RAW = [
    b"GARBAGE\r\n\r\n",
    b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n{}",
    b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n{}",
    b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\n\r\n\xff\xfe",
    b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: \xb2\r\n\r\n{}",  # latin-1 "²"
    b"POST /v1/chat/completions HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    b"POST /v1/chat/completions HTTP/9.9\r\n\r\n",
    b"\x00\x01\x02\x03\r\n\r\n",
    b"POST /v1/messages HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
]


@pytest.fixture(scope="module", params=["openai", "anthropic"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """(api, port) of a fake serving on loopback."""
    fake = _fake(request.param)
    with fake.serve() as url:
        yield request.param, int(url.split(":")[2].split("/")[0])


def _raw(port: int, data: bytes) -> tuple[int, bytes]:
    """Send raw bytes; return the status and body of the (first) response."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # the whole request is sent: a lying length must not hang
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
    status_line, _, rest = out.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1."), f"{data[:60]!r} got {out[:200]!r}"
    head, _, body = rest.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            body = body[: int(value)]
    return int(status_line.split()[1]), body


@pytest.mark.parametrize("data", RAW, ids=range(len(RAW)))
def test_malformed_http_gets_an_error_and_the_server_goes_on(
    served: tuple[str, int], data: bytes
) -> None:
    api, port = served
    with no_hang(10, f"raw request {data[:40]!r}"):
        status, body = _raw(port, data)
    assert 400 <= status < 600 and status != 500, f"{data[:60]!r} got {status}: {body[:300]!r}"
    error = json.loads(body)
    assert isinstance(error, dict) and isinstance(error.get("error"), dict), body[:300]
    tally(CATEGORY, f"raw HTTP {status}")
    # The server still answers a good request.
    good = json.dumps(
        {"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "hi"}]}
    )
    good = good.encode()
    request = (
        b"POST " + PATHS[api].encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"anthropic-version: 2023-06-01\r\nContent-Length: "
        + str(len(good)).encode()
        + b"\r\nConnection: close\r\n\r\n"
        + good
    )
    assert _raw(port, request)[0] == 200
