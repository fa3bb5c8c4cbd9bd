"""Load, the light version (the full run is ``benchmarks/bench_load.py``: 200 concurrent streams
and 10,000 sequential requests): concurrent streaming clients on the loopback fake server all
finish, sequential requests all succeed, and no file descriptor, socket or memory is left behind.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hardening_support import tally

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

import bench_load

CLIENTS = 100
REQUESTS = 300


def test_concurrent_streaming_clients_all_finish_and_leak_nothing() -> None:
    result = bench_load.concurrent_streams(CLIENTS)
    assert result["errors"] == 0
    assert result["finished"] == CLIENTS
    assert result["peak_in_flight"] >= CLIENTS // 2  # they really overlapped
    assert result["fds_leaked"] <= 0 and result["sockets_leaked"] <= 0
    tally("load", f"{CLIENTS} concurrent streams, 0 errors, 0 fds leaked")


def test_sequential_requests_all_succeed_and_leak_nothing() -> None:
    result = bench_load.sequential(REQUESTS)
    assert result["errors"] == 0
    assert result["sockets_while_open"] == 1  # one kept-alive connection, reused throughout
    assert result["fds_leaked"] <= 0 and result["sockets_leaked"] <= 0
    assert result["requests_logged"] == REQUESTS
    # Memory: flat once the fake's own request log is emptied (bench_load does, every 100).
    assert result["rss_growth_kib"] < 1024, result
    tally("load", f"{REQUESTS} sequential requests, 0 errors, 0 fds leaked")
