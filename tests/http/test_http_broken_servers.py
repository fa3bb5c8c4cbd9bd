"""A broken server ends a call in a typed error: never a hang, never a bare ``KeyError``.

Truncated streams, malformed JSON chunks, odd shapes and HTML bodies are served by an
``httpx.MockTransport``; a real connection reset and a stalled server by a raw TCP socket."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from http_support import USER, collect

from llm_fakes import (
    AnthropicProvider,
    OpenAIProvider,
    OpenAIResponsesProvider,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    VirtualClock,
)

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
RESPONSES_URL = "https://api.openai.com/v1/responses"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
URLS = {"openai": OPENAI_URL, "responses": RESPONSES_URL, "anthropic": ANTHROPIC_URL}
CLASSES = {
    "openai": OpenAIProvider,
    "responses": OpenAIResponsesProvider,
    "anthropic": AnthropicProvider,
}


def chunk(content: str) -> str:
    delta = json.dumps({"choices": [{"index": 0, "delta": {"content": content}}]})
    return f"data: {delta}\n\n"


OPENAI_OK = (
    chunk("Hel") + chunk("lo") + 'data: {"choices": [{"delta": {}, "finish_reason": "stop"}]}\n\n'
)
ANTHROPIC_START = (
    'event: message_start\ndata: {"type": "message_start", "message": {"model": "c", '
    '"usage": {"input_tokens": 3, "output_tokens": 1}}}\n\n'
    'event: content_block_start\ndata: {"type": "content_block_start", "index": 0, '
    '"content_block": {"type": "text", "text": ""}}\n\n'
)


def anthropic_delta(text: str, index: Any = 0) -> str:
    return (
        "event: content_block_delta\n"
        f'data: {{"type": "content_block_delta", "index": {index}, '
        f'"delta": {{"type": "text_delta", "text": "{text}"}}}}\n\n'
    )


def serving(body: str, status: int = 200, ctype: str = "text/event-stream") -> httpx.MockTransport:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(status, headers={"content-type": ctype}, content=body.encode())

    transport = httpx.MockTransport(handler)
    transport.requests = requests  # type: ignore[attr-defined]
    return transport


def provider(api: str, transport: Any = None, **kw: Any) -> Any:
    cls = CLASSES[api]
    return cls("m", api_key="k", transport=transport, clock=VirtualClock(), **kw)


def stream_events(api: str, body: str, **kw: Any) -> list[Any]:
    return collect(provider(api, serving(body), **kw).stream(USER))


# ----------------------------------------------------------------------------- truncated


def test_a_truncated_openai_stream_ends_in_a_format_error_after_its_text() -> None:
    events = stream_events("openai", OPENAI_OK)  # no "data: [DONE]"
    assert [e.type for e in events] == ["text_delta", "text_delta", "error"]
    assert events[-1].error == (
        "ResponseFormatError: The chat completion stream ended before 'data: [DONE]' after 3 "
        "chunk(s) and 5 characters of text: the response was truncated."
    )
    assert events[-1].recoverable is False


def test_a_truncated_anthropic_stream_ends_in_a_format_error() -> None:
    events = stream_events("anthropic", ANTHROPIC_START + anthropic_delta("Hi"))
    assert [e.type for e in events] == ["text_delta", "error"]
    assert events[-1].error == (
        "ResponseFormatError: The Messages API stream ended before 'message_stop' after 3 "
        "event(s) and 2 characters of text: the response was truncated."
    )


def test_a_truncated_json_body_is_a_format_error_not_a_decode_crash() -> None:
    transport = serving('{"choices": [{"message": {"content": "Hi', ctype="application/json")
    with pytest.raises(ResponseFormatError) as info:
        provider("openai", transport).complete(USER)
    assert str(info.value) == (
        f"ResponseFormatError: POST {OPENAI_URL} answered 200 with a body that is not a JSON "
        'object: \'application/json\', 40 bytes, starting \'{"choices": [{"message": '
        '{"content": "Hi\'. Check base_url points at the API itself.'
    )
    assert len(transport.requests) == 1  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- malformed


def test_a_malformed_json_chunk_is_a_format_error_naming_the_chunk() -> None:
    events = stream_events("openai", chunk("Hi") + "data: {oops\n\n" + "data: [DONE]\n\n")
    assert [e.type for e in events] == ["text_delta", "error"]
    assert events[-1].error == (
        "ResponseFormatError: Stream chunk #2 is not valid JSON: '{oops'. The server sent a "
        "malformed event stream."
    )


def test_a_malformed_anthropic_event_is_a_format_error() -> None:
    body = ANTHROPIC_START + "event: content_block_delta\ndata: {nope}\n\n"
    events = stream_events("anthropic", body)
    assert [e.type for e in events] == ["error"]
    assert events[-1].error == (
        "ResponseFormatError: Stream event #3 (content_block_delta) is not valid JSON: '{nope}'. "
        "The server sent a malformed event stream."
    )


@pytest.mark.parametrize(
    ("api", "body", "error"),
    [
        (
            "openai",
            "data: [1, 2]\n\n",
            "ResponseFormatError: Stream chunk #1 is not an object: [1, 2]",
        ),
        (
            "openai",
            'data: {"choices": "nope"}\n\n',
            # "…": Python's own wording of what went wrong.
            "ResponseFormatError: Stream chunk #1 has an unexpected shape (…): "
            '\'{"choices": "nope"}\'',
        ),
        (
            "responses",
            'event: response.output_item.added\ndata: {"type": "response.output_item.added", '
            '"output_index": "first", "item": {"type": "function_call"}}\n\n',
            "ResponseFormatError: Stream event #1 (response.output_item.added) has an unexpected "
            "shape (invalid literal for int() with base 10: 'first'): '{\"type\": "
            '"response.output_item.added", "output_index": "first", "item": {"type":\'',
        ),
        (
            "responses",
            "event: response.created\ndata: {oops\n\n",
            "ResponseFormatError: Stream event #1 (response.created) is not valid JSON: '{oops'. "
            "The server sent a malformed event stream.",
        ),
        (
            "anthropic",
            ANTHROPIC_START + anthropic_delta("x", '"first"'),
            "ResponseFormatError: Stream event #3 (content_block_delta) has an unexpected shape "
            '(…): \'{"type": '
            '"content_block_delta", "index": "first", "delta": {"type": "text_delta"\'',
        ),
    ],
    ids=[
        "openai-list",
        "openai-choices-str",
        "responses-index-str",
        "responses-not-json",
        "anthropic-index-str",
    ],
)
def test_odd_shapes_are_format_errors_never_key_or_type_errors(
    api: str, body: str, error: str
) -> None:
    events = stream_events(api, body)
    assert [e.type for e in events] == ["error"]
    assert re.fullmatch(".+".join(map(re.escape, error.split("…"))), events[0].error)


@pytest.mark.parametrize(
    ("api", "body", "error"),
    [
        (
            "openai",
            '{"choices": []}',
            "A chat.completion body needs a non-empty 'choices' list, got keys ['choices']. "
            "Check base_url points at an OpenAI-compatible API.",
        ),
        (
            "responses",
            '{"output": {"type": "message"}}',
            "A Responses API body needs an 'output' list, got keys ['output']. "
            "Check base_url points at an API that serves POST /responses.",
        ),
        (
            "anthropic",
            '{"content": "text"}',
            "A Messages API body needs a 'content' list, got keys ['content']. "
            "Check base_url points at the Anthropic API.",
        ),
    ],
)
def test_bodies_of_the_wrong_shape_are_format_errors(api: str, body: str, error: str) -> None:
    with pytest.raises(ResponseFormatError) as info:
        provider(api, serving(body, ctype="application/json")).complete(USER)
    assert info.value.message == error


# ----------------------------------------------------------------------------- HTML bodies


@pytest.mark.parametrize("api", ["openai", "responses", "anthropic"])
def test_a_200_with_an_html_body_is_a_format_error(api: str) -> None:
    url = URLS[api]
    html = "<html><body>Sign in</body></html>"
    transport = serving(html, ctype="text/html")
    with pytest.raises(ResponseFormatError) as info:
        provider(api, transport).complete(USER)
    assert info.value.message == (
        f"POST {url} answered 200 with a body that is not a JSON object: 'text/html', 33 bytes, "
        "starting '<html><body>Sign in</body></html>'. Check base_url points at the API itself."
    )
    events = collect(provider(api, transport).stream(USER))
    assert [e.type for e in events] == ["error"]
    # What follows the colon is httpx-sse's wording.
    assert events[0].error.startswith(
        f"ResponseFormatError: POST {url} did not answer with an event stream: "
    )
    assert "text/html" in events[0].error
    assert len(transport.requests) == 2  # type: ignore[attr-defined]  # not retried


def test_a_502_with_an_html_body_is_a_retried_server_error_without_the_body() -> None:
    transport = serving("<html>Bad gateway</html>", status=502, ctype="text/html")
    with pytest.raises(ServerError) as info:
        provider("openai", transport).complete(USER, max_retries=1)
    assert str(info.value) == (
        "ServerError (HTTP 502): HTTP 502 with a body that is not an API error: 'text/html', "
        "24 bytes, starting '<html>Bad gateway</html>'"
    )
    assert len(transport.requests) == 2  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- real sockets


@contextlib.contextmanager
def raw_server(behaviour: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that runs ``behaviour`` on each accepted connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            conns.append(conn)
            conn.recv(65536)  # the request (small enough for one read)
            behaviour(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()
        thread.join(timeout=5)


HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def http_chunk(data: str) -> bytes:
    raw = data.encode()
    return b"%x\r\n%s\r\n" % (len(raw), raw)


def reset_after_two_chunks(conn: socket.socket) -> None:
    conn.sendall(HEAD + http_chunk(chunk("Hel")) + http_chunk(chunk("lo")))
    # SO_LINGER 0: close with a TCP RST, a real "connection reset by peer".
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def test_a_connection_reset_mid_stream_is_a_recoverable_connection_error() -> None:
    with raw_server(reset_after_two_chunks) as url:
        events = collect(provider("openai", base_url=url).stream(USER))
    assert events[-1].type == "error"
    assert events[-1].error.startswith(
        f"APIConnectionError: connection failed during POST {url}/chat/completions: "
    )
    assert events[-1].recoverable is True
    text = "".join(e.content for e in events if e.type == "text_delta")
    assert text in ("", "Hel", "Hello")  # what arrived before the reset, never more


def test_a_stalled_stream_times_out_instead_of_hanging() -> None:
    def stall(conn: socket.socket) -> None:
        conn.sendall(HEAD + http_chunk(chunk("Hel")))  # ...and nothing more

    with raw_server(stall) as url:
        p = provider(
            "openai",
            base_url=url,
            timeout=httpx.Timeout(0.3),
            retry_policy=RetryPolicy(default_max_retries=0),
        )
        events = collect(p.stream(USER))
    assert [e.type for e in events] == ["text_delta", "error"]
    # httpx names the timeout; what it says about it (if anything) varies with httpcore.
    assert re.fullmatch(
        re.escape(f"ProviderTimeoutError: POST {url}/chat/completions timed out (ReadTimeout")
        + r"(: .+)?"
        + re.escape("). Raise timeout= if the model is slow."),
        events[-1].error,
    ), events[-1].error
    assert events[-1].recoverable is True
