"""What the network guard and the plugin cost a test session that makes no real request.

Prints medians and ratios for:

1. importing the plugin (``import llm_fakes.pytest_plugin``, in a fresh interpreter) against
   importing pytest alone, and which heavy modules it pulled in (must be none);
2. a pytest session of N trivial tests with the guard plugin against the same session with it
   disabled (``-p no:llm_fakes.guard_plugin``): the per-test cost of resolving the policy;
3. an httpx request over a kept-alive loopback connection with the guard active against none
   (a pooled connection is never re-checked, so the ratio should be 1.0), and opening a new
   connection (the only moment the guard runs);
4. the guard's own work per test, in-process: resolving the policy, pushing and popping it;
5. the socket-level patches: a loopback ``socket.create_connection`` (lookup + connect, both
   guarded) and a bare ``getaddrinfo("127.0.0.1")`` with the guard active against none, and a
   requests call over a new connection (skipped without requests).

Run:
    python benchmarks/bench_guard.py
    python benchmarks/bench_guard.py --tests 2000 --rounds 7
"""

from __future__ import annotations

import argparse
import http.server
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEAVY = ["httpx", "httpcore", "httpx2", "syrupy", "vcr", "yaml", "pydantic", "hypothesis"]


def _median_seconds(run: Callable[[], Any], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_import(rounds: int) -> None:
    def python(code: str) -> Callable[[], Any]:
        return lambda: subprocess.run([sys.executable, "-c", code], check=True)

    base = _median_seconds(python("import pytest"), rounds)
    plugin = _median_seconds(python("import pytest, llm_fakes.pytest_plugin"), rounds)
    probe = (
        "import sys, json, llm_fakes.pytest_plugin; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    print("1. import (fresh interpreter, median)")
    print(f"   import pytest                        {base * 1e3:8.1f} ms")
    print(f"   import pytest + llm_fakes plugin     {plugin * 1e3:8.1f} ms")
    print(f"   plugin's own share                   {(plugin - base) * 1e3:8.1f} ms")
    print(f"   heavy modules imported by the plugin {json.loads(out.stdout)}")


def bench_session(tests: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text(
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        )
        body = "".join(f"def test_{i}():\n    pass\n\n" for i in range(tests))
        (root / "test_many.py").write_text(body)

        def session(*extra: str) -> Callable[[], Any]:
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
            return lambda: subprocess.run(cmd, cwd=root, check=True, capture_output=True)

        # Interleaved, so load drifting during the run hits both sides alike.
        offs, ons = [], []
        for _ in range(rounds):
            offs.append(_median_seconds(session("-p", "no:llm_fakes.guard_plugin"), 1))
            ons.append(_median_seconds(session(), 1))
        off, on = statistics.median(offs), statistics.median(ons)
    print(f"2. pytest session of {tests} trivial tests (median of {rounds})")
    print(f"   guard plugin disabled                {off:8.3f} s")
    print(f"   guard plugin active (auto, on)       {on:8.3f} s")
    print(f"   per test                             {(on - off) / tests * 1e6:8.1f} µs")
    print(f"   ratio                                {on / off:8.3f}")


class _Ok(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (~40 ms)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


def bench_requests(requests: int, rounds: int) -> None:
    import httpx

    from llm_fakes.guard import block_network

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"

    def pooled() -> float:
        with httpx.Client() as client:
            client.get(url)  # open the connection first: only reuse is timed
            return _median_seconds(lambda: client.get(url), requests)

    def fresh() -> float:
        return _median_seconds(lambda: httpx.get(url), requests // 10)

    samples: dict[str, list[float]] = {"plain": [], "plain_new": [], "on": [], "on_new": []}
    for _ in range(rounds):  # interleaved, as above
        samples["plain"].append(pooled())
        samples["plain_new"].append(fresh())
        with block_network():
            samples["on"].append(pooled())
            samples["on_new"].append(fresh())
    plain, plain_new, guarded, guarded_new = (
        statistics.median(samples[k]) for k in ("plain", "plain_new", "on", "on_new")
    )
    server.shutdown()
    print("3. httpx request to a loopback server (median per request)")
    print(f"   kept-alive connection, no guard      {plain * 1e6:8.1f} µs")
    print(f"   kept-alive connection, guard on      {guarded * 1e6:8.1f} µs")
    print(f"   ratio                                {guarded / plain:8.3f}")
    print(f"   new connection, no guard             {plain_new * 1e6:8.1f} µs")
    print(f"   new connection, guard on             {guarded_new * 1e6:8.1f} µs")
    print(f"   ratio                                {guarded_new / plain_new:8.3f}")


class _Config:
    """The two methods the policy resolution reads, as a session with no settings answers."""

    stash: dict[Any, Any] = {}  # noqa: RUF012 - read only

    def getoption(self, name: str, default: Any = None) -> Any:
        return default

    def getini(self, name: str) -> Any:
        return ""


class _Item:
    def get_closest_marker(self, name: str) -> Any:
        return None


def bench_per_test_work(rounds: int) -> None:
    from llm_fakes import guard
    from llm_fakes.guard_plugin import _policy

    config, item = _Config(), _Item()
    session = guard.GuardPolicy()
    guard.activate(session)  # as during a session: the patches are in place

    def one_test() -> None:
        policy = _policy(config, item, {})  # type: ignore[arg-type]
        guard.activate(policy)
        guard.deactivate(policy)

    n = 20_000
    per = statistics.median(_median_seconds(one_test, n) for _ in range(rounds))
    guard.deactivate(session)
    print("4. the guard's own work per test, in-process (resolve the policy, push, pop)")
    print(f"   per test                             {per * 1e6:8.2f} µs")


def bench_socket_level(calls: int, rounds: int) -> None:
    import socket

    from llm_fakes.guard import block_network

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    port = server.server_address[1]

    def connect() -> None:
        socket.create_connection(("127.0.0.1", port)).close()

    def lookup() -> None:
        socket.getaddrinfo("127.0.0.1", port)

    def with_requests() -> Callable[[], Any] | None:
        try:
            import requests
        except ImportError:
            return None
        return lambda: requests.get(f"http://127.0.0.1:{port}/", timeout=5)

    cases: dict[str, Callable[[], Any]] = {"connect": connect, "lookup": lookup}
    call = with_requests()
    if call is not None:
        cases["requests"] = call
    off: dict[str, list[float]] = {k: [] for k in cases}
    on: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(rounds):  # interleaved, as above
        for name, case in cases.items():
            n = calls if name == "lookup" else calls // 10
            off[name].append(_median_seconds(case, n))
            with block_network():
                on[name].append(_median_seconds(case, n))
    server.shutdown()
    server.server_close()
    print("5. socket-level guard (median per call, loopback)")
    labels = {
        "connect": "socket.create_connection + close",
        "lookup": "socket.getaddrinfo('127.0.0.1')",
        "requests": "requests.get, new connection",
    }
    for name in cases:
        a, b = statistics.median(off[name]), statistics.median(on[name])
        print(f"   {labels[name]:<36} {a * 1e6:8.1f} µs -> {b * 1e6:8.1f} µs  ratio {b / a:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    bench_import(args.rounds)
    bench_session(args.tests, args.rounds)
    bench_requests(args.requests, args.rounds)
    bench_per_test_work(args.rounds)
    bench_socket_level(args.requests * 10, args.rounds)


if __name__ == "__main__":
    main()
