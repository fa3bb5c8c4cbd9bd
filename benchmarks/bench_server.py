"""Fake server throughput on loopback, against a minimal stdlib ``http.server`` as the floor.

One ``httpx.Client`` (a kept-alive connection) posts the same request over and over, streamed and
not, to ``FakeOpenAI(...).serve()`` and to a bare ``BaseHTTPRequestHandler`` that answers with the
very bytes the fake sends (captured once beforehand), so the difference is the fake's work:
parsing and checking the request, the script, rendering, logging. Both of the fake's OpenAI wire
formats are measured in the same run, interleaved: ``/v1/chat/completions`` and ``/v1/responses``.

Run:
    python benchmarks/bench_server.py
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from llm_fakes import FakeOpenAI

TEXT = " ".join(f"word{i}" for i in range(20))
ASK = [{"role": "user", "content": "Tell me something."}]
#: api -> (path under /v1, the request body's conversation field).
APIS = {"chat": ("/chat/completions", "messages"), "responses": ("/responses", "input")}


def _body(stream: bool, api: str = "chat") -> bytes:
    _, field = APIS[api]
    return json.dumps({"model": "gpt-4o", field: ASK, "stream": stream}).encode()


@contextmanager
def stdlib_floor() -> Iterator[str]:
    """A minimal stdlib server answering with the fake's own bytes, chunked when streamed."""
    canned = {}
    for api, (path, _) in APIS.items():
        for stream in (False, True):
            wire = FakeOpenAI([TEXT]).handle("POST", "/v1" + path, [], _body(stream, api))
            canned["/v1" + path, stream] = (wire.headers, wire.parts)

    class Floor(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["content-length"]))
            stream = b'"stream": true' in raw
            headers, parts = canned[self.path, stream]
            self.send_response(200)
            for name, value in headers:
                self.send_header(name, value)
            if stream:
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                for part in parts:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("content-length", str(len(parts[0])))
                self.end_headers()
                self.wfile.write(parts[0])

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Floor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def requests_per_second(
    base_url: str, stream: bool, requests: int, rounds: int, api: str = "chat"
) -> float:
    """Median requests per second of one kept-alive client posting ``requests`` in a row."""
    body = _body(stream, api)
    url = base_url + APIS[api][0]
    headers = {"content-type": "application/json"}
    rates = []
    with httpx.Client() as client:
        for _ in range(rounds + 1):
            start = time.perf_counter()
            for _ in range(requests):
                if stream:
                    with client.stream("POST", url, content=body, headers=headers) as r:
                        for _ in r.iter_bytes():
                            pass
                else:
                    client.post(url, content=body, headers=headers)
            rates.append(requests / (time.perf_counter() - start))
    return statistics.median(rates[1:])  # the first round warms up


def throughput(requests: int, rounds: int, apis: tuple[str, ...] = ("chat",)) -> dict[str, float]:
    """req/s of the fake and of the floor, streamed and not, for each of ``apis``.

    Keys: ``ours_json``, ``floor_stream``... for Chat Completions; ``ours_responses_json``,
    ``floor_responses_stream``... for the Responses API.
    """
    out = {}
    fake = FakeOpenAI([TEXT], on_exhausted="cycle")
    with fake.serve() as ours, stdlib_floor() as floor:
        for stream in (False, True):
            # Interleaved: the same machine load for every side.
            rates: dict[str, list[float]] = {}
            for _ in range(rounds):
                for api in apis:
                    kind = ("" if api == "chat" else f"{api}_") + ("stream" if stream else "json")
                    for side, url in (("ours", ours), ("floor", floor)):
                        rate = requests_per_second(url, stream, requests, 1, api)
                        rates.setdefault(f"{side}_{kind}", []).append(rate)
            out.update({k: statistics.median(v) for k, v in rates.items()})
    return out


def handle_seconds(api: str, stream: bool, requests: int = 2000) -> float:
    """Seconds per request of ``FakeOpenAI.handle`` in-process: the fake's own work, no socket
    (steadier than loopback rates on a loaded machine)."""
    fake = FakeOpenAI([TEXT], on_exhausted="cycle")
    path, body = "/v1" + APIS[api][0], _body(stream, api)
    start = time.perf_counter()
    for _ in range(requests):
        fake.handle("POST", path, [], body)
    return (time.perf_counter() - start) / requests


def main() -> int:
    result = throughput(requests=200, rounds=5, apis=("chat", "responses"))
    for label, kind in (
        ("chat json", "json"),
        ("resp json", "responses_json"),
        ("chat stream", "stream"),
        ("resp stream", "responses_stream"),
    ):
        ours, floor = result[f"ours_{kind}"], result[f"floor_{kind}"]
        print(f"{label:>11}: fake {ours:7.0f} req/s   stdlib floor {floor:7.0f} req/s   "
              f"ratio {ours / floor:4.2f}")  # fmt: skip
    for kind in ("json", "stream"):
        resp, chat = result[f"ours_responses_{kind}"], result[f"ours_{kind}"]
        print(f"{kind:>6}: /v1/responses at {resp / chat:4.2f}x the req/s of /v1/chat/completions")
    for stream in (False, True):
        chat, resp = (min(handle_seconds(a, stream) for _ in range(3)) for a in APIS)
        print(f"in-process handle(), {'stream' if stream else 'json'}: chat {chat * 1e6:.0f} us, "
              f"responses {resp * 1e6:.0f} us per request (ratio {resp / chat:4.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
