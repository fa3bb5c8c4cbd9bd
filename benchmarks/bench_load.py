"""Load on the loopback fake server: concurrent streaming clients, then sequential requests.

1. ``clients`` concurrent ``OpenAIProvider.stream`` calls (200 by default), each on its own
   connection, against one ``FakeOpenAI`` served on 127.0.0.1 with a small delay between chunks
   so that the streams overlap: how many were in flight at once, errors, wall time.
2. ``requests`` sequential calls (10,000 by default) on one provider, alternating ``complete``
   and a streamed ``iter_stream``: errors, requests per second, resident memory (RSS) after a
   warm-up and at the end, open file descriptors and sockets before and after.

Memory: the fake logs every request it serves (``fake.requests``, for assertions), which grows
with the requests by design (about 3 KiB each); the run empties that log every 100 requests, so
that the RSS growth it reports is everything else, and the goal is that it stays flat (under
1 MiB). Pass ``--json`` for one machine-readable line.

Run:
    python benchmarks/bench_load.py
    python benchmarks/bench_load.py --clients 50 --requests 1000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from llm_fakes import FakeOpenAI, OpenAIProvider, RetryPolicy

ASK = [{"role": "user", "content": "Tell me something."}]
TEXT = " ".join(f"word{i}" for i in range(20))


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def open_sockets() -> int:
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            n += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return n


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def concurrent_streams(clients: int, chunk_delay: float = 0.005) -> dict[str, Any]:
    """``clients`` overlapping streams: errors, peak in flight, wall time."""
    fake = FakeOpenAI([TEXT], on_exhausted="cycle", chunk_delay=chunk_delay)
    fds_before, sockets_before = open_fds(), open_sockets()
    in_flight = peak = errors = finished = 0

    async def one(provider: OpenAIProvider) -> None:
        nonlocal in_flight, peak, errors, finished
        started = False
        try:
            async for event in provider.stream(ASK):
                if not started:
                    started = True
                    in_flight += 1
                    peak = max(peak, in_flight)
                if event.type == "error":
                    errors += 1
                elif event.type == "finish":
                    finished += 1
        finally:
            if started:
                in_flight -= 1

    with fake.serve() as url:
        provider = OpenAIProvider(
            "m", api_key="k", base_url=url, retry_policy=RetryPolicy(default_max_retries=0)
        )

        async def run() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(one(provider) for _ in range(clients)))
            return time.perf_counter() - start

        wall = asyncio.run(run())
        provider.close()
    gc.collect()
    return {
        "clients": clients,
        "finished": finished,
        "errors": errors,
        "peak_in_flight": peak,
        "wall_s": wall,
        "fds_leaked": open_fds() - fds_before,
        "sockets_leaked": open_sockets() - sockets_before,
    }


def sequential(requests: int) -> dict[str, Any]:
    """``requests`` calls one after another on one provider: errors, rate, RSS, fds."""
    fake = FakeOpenAI([TEXT], on_exhausted="cycle")
    fds_before, sockets_before = open_fds(), open_sockets()
    errors = logged = 0
    warm = max(1, requests // 10)
    with fake.serve() as url:
        provider = OpenAIProvider(
            "m", api_key="k", base_url=url, retry_policy=RetryPolicy(default_max_retries=0)
        )
        rss_warm = 0
        start = time.perf_counter()
        for i in range(requests):
            if i % 100 == 99:
                logged += len(fake.requests)
                fake.requests.clear()
            if i == warm:
                gc.collect()
                rss_warm = rss_kib()
                start_after_warm = time.perf_counter()
            try:
                if i % 2:
                    events = list(provider.iter_stream(ASK))
                    errors += events[-1].type != "finish"
                else:
                    errors += provider.complete(ASK, max_retries=0).content != TEXT
            except Exception:
                errors += 1
        wall = time.perf_counter() - start
        rate = (requests - warm) / (time.perf_counter() - start_after_warm)
        gc.collect()
        rss_end = rss_kib()
        sockets_open = open_sockets() - sockets_before  # the provider's kept-alive connection
        provider.close()
    gc.collect()
    return {
        "requests": requests,
        "errors": errors,
        "wall_s": wall,
        "req_per_s": rate,
        "rss_warm_kib": rss_warm,
        "rss_end_kib": rss_end,
        "rss_growth_kib": rss_end - rss_warm,
        "requests_logged": logged + len(fake.requests),
        "sockets_while_open": sockets_open,
        "fds_leaked": open_fds() - fds_before,
        "sockets_leaked": open_sockets() - sockets_before,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    result = {
        "concurrent": concurrent_streams(args.clients),
        "sequential": sequential(args.requests),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    c, s = result["concurrent"], result["sequential"]
    print(f"{c['clients']} concurrent streams: {c['finished']} finished, {c['errors']} errors, ")
    print(f"  peak {c['peak_in_flight']} in flight, {c['wall_s']:.2f} s, ")
    print(f"  leaked fds {c['fds_leaked']}, sockets {c['sockets_leaked']}")
    print(f"{s['requests']} sequential requests: {s['errors']} errors, {s['req_per_s']:.0f} req/s")
    print(
        f"  RSS {s['rss_warm_kib']} KiB after warm-up -> {s['rss_end_kib']} KiB "
        f"(+{s['rss_growth_kib']} KiB; the fake logged {s['requests_logged']} requests)"
    )
    print(f"  leaked fds {s['fds_leaked']}, sockets {s['sockets_leaked']}")
    ok = c["errors"] == 0 and s["errors"] == 0 and c["finished"] == args.clients
    ok = ok and c["fds_leaked"] <= 0 and s["fds_leaked"] <= 0 and s["rss_growth_kib"] < 1024
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
