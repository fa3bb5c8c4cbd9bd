"""Fake server throughput on loopback, against a minimal stdlib ``http.server`` as the floor.

One ``httpx.Client`` (a kept-alive connection) posts the same chat-completion request over and
over, streamed and not, to ``FakeOpenAI(...).serve()`` and to a bare ``BaseHTTPRequestHandler``
that answers with the very bytes the fake sends (captured once beforehand), so the difference is
the fake's work: parsing and checking the request, the script, rendering, logging.

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

PATH = "/v1/chat/completions"
TEXT = " ".join(f"word{i}" for i in range(20))


def _body(stream: bool) -> bytes:
    ask = [{"role": "user", "content": "Tell me something."}]
    return json.dumps({"model": "gpt-4o", "messages": ask, "stream": stream}).encode()


@contextmanager
def stdlib_floor() -> Iterator[str]:
    """A minimal stdlib server answering with the fake's own bytes, chunked when streamed."""
    canned = {}
    for stream in (False, True):
        wire = FakeOpenAI([TEXT]).handle("POST", PATH, [], _body(stream))
        canned[stream] = (wire.headers, wire.parts)

    class Floor(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["content-length"]))
            stream = b'"stream": true' in raw
            headers, parts = canned[stream]
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


def requests_per_second(base_url: str, stream: bool, requests: int, rounds: int) -> float:
    """Median requests per second of one kept-alive client posting ``requests`` in a row."""
    body = _body(stream)
    headers = {"content-type": "application/json"}
    rates = []
    with httpx.Client() as client:
        for _ in range(rounds + 1):
            start = time.perf_counter()
            for _ in range(requests):
                if stream:
                    with client.stream("POST", base_url + "/chat/completions", content=body,
                                       headers=headers) as r:  # fmt: skip
                        for _ in r.iter_bytes():
                            pass
                else:
                    client.post(base_url + "/chat/completions", content=body, headers=headers)
            rates.append(requests / (time.perf_counter() - start))
    return statistics.median(rates[1:])  # the first round warms up


def throughput(requests: int, rounds: int) -> dict[str, float]:
    """req/s of the fake and of the floor, streamed and not."""
    out = {}
    fake = FakeOpenAI([TEXT], on_exhausted="cycle")
    with fake.serve() as ours, stdlib_floor() as floor:
        for stream in (False, True):
            kind = "stream" if stream else "json"
            # Interleaved: the same machine load for both sides.
            ours_r, floor_r = [], []
            for _ in range(rounds):
                ours_r.append(requests_per_second(ours, stream, requests, 1))
                floor_r.append(requests_per_second(floor, stream, requests, 1))
            out[f"ours_{kind}"] = statistics.median(ours_r)
            out[f"floor_{kind}"] = statistics.median(floor_r)
    return out


def main() -> int:
    result = throughput(requests=200, rounds=5)
    for kind in ("json", "stream"):
        ours, floor = result[f"ours_{kind}"], result[f"floor_{kind}"]
        print(f"{kind:>6}: fake {ours:7.0f} req/s   stdlib floor {floor:7.0f} req/s   "
              f"ratio {ours / floor:4.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
