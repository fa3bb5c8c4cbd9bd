"""Per-request time of the conformance backend's loopback door, against ``FakeOpenAI.serve()``.

One kept-alive ``httpx.Client`` posts the same Chat Completions request (and, separately, a
streamed one) to ``ConformanceBackend.openai_base_url`` (the one loopback server, forwarding to
the example's watched transport) and to ``FakeOpenAI(...).serve()``. Without ``TCP_NODELAY`` on
the server's sockets the door waited for the client's delayed ACK: about 44 ms a request.

Run:
    python benchmarks/bench_doors.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import httpx

from llm_fakes import FakeOpenAI
from llm_fakes.contract.backend import BackendSession, ConformanceBackend

N = 100
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def _median_ms(post: Callable[[], object], n: int = N) -> float:
    post()  # connect and warm up
    times = []
    for _ in range(n):
        start = time.perf_counter()
        post()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure() -> dict[str, float]:
    """Median milliseconds per request: door JSON, door stream, ``fake.serve()`` JSON."""
    out: dict[str, float] = {}
    with BackendSession() as session, httpx.Client() as client:
        url = ConformanceBackend(["x"] * (N + 1), session=session).openai_base_url
        out["door"] = _median_ms(lambda: client.post(url + "/chat/completions", json=BODY).read())
        url = ConformanceBackend(["x"] * (N + 1), session=session).openai_base_url

        def stream() -> None:
            with client.stream(
                "POST", url + "/chat/completions", json={**BODY, "stream": True}
            ) as r:
                for _ in r.iter_bytes():
                    pass

        out["door stream"] = _median_ms(stream)
    with FakeOpenAI(["x"] * (N + 1)).serve() as url, httpx.Client() as client:
        out["fake.serve()"] = _median_ms(
            lambda: client.post(url + "/chat/completions", json=BODY).read()
        )
    return out


if __name__ == "__main__":
    for name, ms in measure().items():
        print(f"{name:>14}: median {ms:.2f} ms per request")
