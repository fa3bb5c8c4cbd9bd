"""HTTP providers and fake servers: what a call costs, and vcrpy replay with the preset's matcher.

1. Per-call cost of a chat completion through the fake's in-process transport: a bare httpx POST
   to ``httpx.MockTransport`` (the floor: httpx's own overhead), a bare POST to
   ``FakeOpenAI.transport()`` (the fake's rendering and wire format), ``OpenAIProvider.complete``
   (request mapping, parsing, retry wrapper), the official ``openai`` SDK on the same transport,
   and a 20-chunk ``OpenAIProvider.stream``; then ``complete`` over the loopback server.
2. vcrpy replay per call at 10 / 100 / 1,000 recorded interactions (POSTs to one URL told apart by
   their JSON body), with vcrpy's default ``body`` matcher and with the preset's ``json_body``
   (canonical JSON, parsed once per distinct body, no diff on a miss).

Goals: the provider within 2x of the bare POST to the fake; the fake within 5x of the httpx floor;
the preset's matcher no slower than vcrpy's ``body`` matcher at any size.

Run:
    python benchmarks/bench_http.py
    python benchmarks/bench_http.py --rounds 9 --calls 300
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from llm_fakes import FakeOpenAI, OpenAIProvider
from llm_fakes.http.vcr import make_vcr

URL = "https://api.openai.com/v1/chat/completions"
ASK = [{"role": "user", "content": "What is 6 times 7?"}]
BODY = {"model": "gpt-4o", "messages": ASK}
LONG = " ".join(f"word{i}" for i in range(20))


def per_call(fn: Callable[[], Any], calls: int, rounds: int) -> float:
    """Median over ``rounds`` of the mean seconds per call."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def fake_with(n: int, text: str = "42") -> FakeOpenAI:
    return FakeOpenAI([text] * n)


def bench_calls(calls: int, rounds: int) -> dict[str, float]:
    import openai

    n = calls * rounds + 10
    canned = json.dumps(
        {"choices": [{"message": {"content": "42"}, "finish_reason": "stop"}], "model": "m"}
    ).encode()
    floor = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=canned))
    )
    raw = httpx.Client(transport=fake_with(n).transport())
    provider = OpenAIProvider("gpt-4o", api_key="sk-bench", transport=fake_with(n).transport())
    sdk = openai.OpenAI(
        api_key="sk-bench", http_client=httpx.Client(transport=fake_with(n).transport())
    )
    streamer = OpenAIProvider(
        "gpt-4o", api_key="sk-bench", transport=fake_with(n, LONG).transport()
    )

    async def stream_once() -> None:
        async for _ in streamer.stream(ASK):
            pass

    out = {
        "httpx POST to MockTransport (floor)": per_call(
            lambda: floor.post(URL, json=BODY), calls, rounds
        ),
        "httpx POST to FakeOpenAI.transport()": per_call(
            lambda: raw.post(URL, json=BODY), calls, rounds
        ),
        "OpenAIProvider.complete on the transport": per_call(
            lambda: provider.complete(ASK), calls, rounds
        ),
        "openai SDK create() on the transport": per_call(
            lambda: sdk.chat.completions.create(model="gpt-4o", messages=ASK),
            calls,
            rounds,  # type: ignore[arg-type]
        ),
        "OpenAIProvider.stream, 20 chunks": per_call(
            lambda: asyncio.run(stream_once()), calls // 4, rounds
        ),
    }
    loop_fake = fake_with(n)
    with loop_fake.serve() as base_url:
        over_tcp = OpenAIProvider("gpt-4o", api_key="sk-bench", base_url=base_url)
        out["OpenAIProvider.complete over loopback"] = per_call(
            lambda: over_tcp.complete(ASK), calls // 4, rounds
        )
        over_tcp.close()
    return out


def vcr_cassette(path: Path, n: int) -> None:
    interactions = []
    for i in range(n):
        asked = {"model": "gpt-4o", "messages": [{"role": "user", "content": f"Q{i}"}]}
        body = json.dumps(asked, separators=(",", ":"))  # as httpx sends it
        answer = json.dumps(
            {"choices": [{"message": {"content": f"A{i}"}, "finish_reason": "stop"}]}
        )
        interactions.append(
            {
                "request": {"method": "POST", "uri": URL, "body": body, "headers": {}},
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"content-type": ["application/json"]},
                    "body": {"string": answer},
                },
            }
        )
    path.write_text(yaml.safe_dump({"version": 1, "interactions": interactions}))


def bench_vcr(sizes: list[int], samples: int) -> dict[int, tuple[float, float]]:
    import vcr

    out: dict[int, tuple[float, float]] = {}
    tmp = Path(tempfile.mkdtemp())
    rng = random.Random(7)
    for n in sizes:
        path = tmp / f"c{n}.yaml"
        vcr_cassette(path, n)
        picks = [rng.randrange(n) for _ in range(samples)]
        timings = []
        for recorder in (
            vcr.VCR(match_on=["method", "uri", "body"], record_mode="none", serializer="yaml"),
            make_vcr(record_mode="none", serializer="yaml"),
        ):
            kw = {"allow_playback_repeats": True}
            with recorder.use_cassette(str(path), **kw), httpx.Client() as client:
                start = time.perf_counter()
                for i in picks:
                    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": f"Q{i}"}]}
                    client.post(URL, json=body)
                timings.append((time.perf_counter() - start) / samples)
        out[n] = (timings[0], timings[1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--vcr-samples", type=int, default=40)
    args = parser.parse_args()

    results = bench_calls(args.calls, args.rounds)
    floor = results["httpx POST to MockTransport (floor)"]
    fake = results["httpx POST to FakeOpenAI.transport()"]
    print(f"Per call, median of {args.rounds} rounds:")
    for name, seconds in results.items():
        print(f"  {name:45s} {seconds * 1e6:9.1f} µs  ({seconds / floor:5.1f}x floor)")
    provider = results["OpenAIProvider.complete on the transport"]
    sdk = results["openai SDK create() on the transport"]
    print(f"  provider / bare POST to the fake: {provider / fake:.2f}x (goal <= 2x)")
    print(f"  fake / httpx floor:               {fake / floor:.2f}x (goal <= 5x)")
    print(f"  official SDK / provider:          {sdk / provider:.2f}x")

    print(f"\nvcrpy replay per call ({args.vcr_samples} random requests):")
    for n, (body, canonical) in bench_vcr([10, 100, 1000], args.vcr_samples).items():
        print(
            f"  {n:5d} interactions: body matcher {body * 1e3:8.2f} ms, "
            f"json_body {canonical * 1e3:8.2f} ms  ({body / canonical:.1f}x faster)"
        )


if __name__ == "__main__":
    main()
