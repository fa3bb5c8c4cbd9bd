"""Cassette replay and load costs: ``CassetteProvider`` against vcrpy + httpx.

The same interactions (a system prompt and a numbered question; a short chat-completion answer)
are stored twice: as our cassette (recorded through ``CassetteProvider``) and as a vcrpy cassette
(written directly as vcrpy's YAML: POSTs to one chat-completions URL, told apart by their JSON
body, as LLM traffic is). Then, in the same run:

1. replay overhead per call at 10 / 100 / 1,000 / 10,000 interactions, asking for recorded
   requests in random order: ours through ``complete``, vcrpy's through an ``httpx.Client`` POST
   with ``match_on=["method", "uri", "body"]`` (vcrpy scans every interaction and re-parses
   JSON bodies, so its cost grows with the cassette; at 10,000 it is skipped unless
   ``--vcr-10k``, as one call takes seconds);
2. loading a 1,000-interaction cassette ready to replay: ``CassetteProvider(path)`` (read,
   validate, index) against ``vcr.cassette.Cassette.load``.

Goals: replay under 10 µs per call and flat (10,000 within 1.5x of 10); at least 100x faster than
vcrpy at 10 interactions and 1,000x at 1,000; loading at least 5x faster.

Run:
    python benchmarks/bench_cassettes.py
    python benchmarks/bench_cassettes.py --rounds 15 --vcr-samples 20 --vcr-10k
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from llm_fakes import CassetteProvider, LLMProvider, LLMResponse

URL = "https://api.openai.com/v1/chat/completions"
SYSTEM = "You are a helpful assistant. Answer in one short paragraph."


def messages(i: int) -> list[dict[str, Any]]:
    return [{"role": "user", "content": f"Question #{i}: what is {i} times 7, and why?"}]


def answer(i: int) -> str:
    return f"{i} times 7 is {i * 7}, because multiplying by 7 adds {i} to itself seven times."


class Fast(LLMProvider):
    """The "real" provider the benchmark records from."""

    model = "gpt-4o"

    def complete(self, messages: Any, system: str = "", **kwargs: Any) -> LLMResponse:
        i = int(messages[0]["content"].split("#")[1].split(":")[0])
        return LLMResponse(
            content=answer(i), model="gpt-4o-2024-08-06", input_tokens=31, output_tokens=24,
            stop_reason="stop",
        )  # fmt: skip


def write_ours(path: Path, n: int) -> None:
    with CassetteProvider(path, inner=Fast(), mode="once") as llm:
        for i in range(n):
            llm.complete(messages(i), system=SYSTEM)


def vcr_body(i: int) -> str:
    body = {
        "messages": [{"role": "system", "content": SYSTEM}, *messages(i)],
        "model": "gpt-4o",
        "max_tokens": 1024,
    }
    return json.dumps(body)


def write_vcr(path: Path, n: int) -> None:
    interactions = []
    for i in range(n):
        reply = {
            "id": f"chatcmpl-{i}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "gpt-4o-2024-08-06",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer(i)},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 31, "completion_tokens": 24, "total_tokens": 55},
        }
        interactions.append(
            {
                "request": {
                    "body": vcr_body(i),
                    "headers": {
                        "accept": ["application/json"],
                        "content-type": ["application/json"],
                        "host": ["api.openai.com"],
                    },
                    "method": "POST",
                    "uri": URL,
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"content-type": ["application/json"]},
                    "body": {"string": json.dumps(reply)},
                },
            }
        )
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump({"interactions": interactions, "version": 1}, Dumper=dumper))


class OursRunner:
    """Replays random recorded requests from one of our cassettes, timing CPU per call.

    CPU time (not wall time), so that other processes on a shared machine do not count.
    """

    def __init__(self, path: Path, n: int) -> None:
        self.n = n
        self.llm = CassetteProvider(path, allow_playback_repeats=True)
        self.per_call(list(range(min(n, 100))))  # warm up

    def per_call(self, picks: list[int]) -> float:
        # Requests are built as callers build them, just before the calls.
        asks = [messages(i) for i in picks]
        self.llm.rewind()
        gc.collect()
        start = time.process_time()
        for ask in asks:
            self.llm.complete(ask, system=SYSTEM)
        return (time.process_time() - start) / len(picks)


def ours_per_call(runners: dict[int, OursRunner], rounds: int) -> dict[int, float]:
    """Median CPU time per call for each size, the sizes interleaved round by round."""
    rng = random.Random(7)
    samples: dict[int, list[float]] = {n: [] for n in runners}
    for _ in range(rounds):
        for n, runner in runners.items():
            samples[n].append(runner.per_call([rng.randrange(n) for _ in range(1000)]))
    return {n: statistics.median(v) for n, v in samples.items()}


def vcr_per_call(path: Path, n: int, samples: int, rounds: int) -> float:
    import httpx
    import vcr

    recorder = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
    headers = {"content-type": "application/json", "accept": "application/json"}
    rng = random.Random(7)
    with recorder.use_cassette(str(path), allow_playback_repeats=True), httpx.Client() as client:
        client.post(URL, content=vcr_body(0).encode(), headers=headers).json()  # warm up
        per_round = []
        for _ in range(rounds):
            bodies = [vcr_body(rng.randrange(n)).encode() for _ in range(samples)]
            gc.collect()
            start = time.process_time()
            for body in bodies:
                client.post(URL, content=body, headers=headers).json()
            per_round.append((time.process_time() - start) / samples)
        return statistics.median(per_round)


def load_times(ours: Path, theirs: Path, rounds: int) -> tuple[float, float]:
    from vcr.cassette import Cassette

    CassetteProvider(ours)  # imports and schema built once, as in any test session
    Cassette.load(path=str(theirs), record_mode="none")

    ours_s: list[float] = []
    vcr_s: list[float] = []
    for _ in range(rounds):  # interleaved, CPU time
        for samples, load in (
            (ours_s, lambda: CassetteProvider(ours)),
            (vcr_s, lambda: Cassette.load(path=str(theirs), record_mode="none")),
        ):
            gc.collect()
            start = time.process_time()
            load()
            samples.append(time.process_time() - start)
    return statistics.median(ours_s), statistics.median(vcr_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="rounds per measurement")
    parser.add_argument("--vcr-samples", type=int, default=10, help="vcrpy calls per round")
    parser.add_argument("--vcr-10k", action="store_true", help="also time vcrpy at 10,000")
    args = parser.parse_args()

    sizes = [10, 100, 1000, 10000]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            write_ours(folder / f"ours{n}.yaml", n)
            write_vcr(folder / f"vcr{n}.yaml", n)
        runners = {n: OursRunner(folder / f"ours{n}.yaml", n) for n in sizes}
        ours = ours_per_call(runners, args.rounds)
        for n in sizes:
            them = None
            if n < 10000 or args.vcr_10k:
                samples = args.vcr_samples if n <= 1000 else 2
                rounds = args.rounds if n <= 100 else 3
                them = vcr_per_call(folder / f"vcr{n}.yaml", n, samples, rounds)
            rows.append((n, ours[n], them))
            print(
                f"  measured {n:>6}: ours {ours[n] * 1e6:7.2f} us/call"
                + (f", vcrpy {them * 1e3:9.2f} ms/call" if them else ", vcrpy skipped"),
                flush=True,
            )
        load_ours, load_vcr = load_times(folder / "ours1000.yaml", folder / "vcr1000.yaml", 7)

    print("\nReplay overhead per call (median CPU time; random recorded requests)")
    print(f"{'interactions':>12} | {'ours':>12} | {'vcrpy + httpx':>14} | {'ratio':>10}")
    for n, us, them in rows:
        theirs_text = f"{them * 1e3:11.3f} ms" if them else "  (skipped)   "
        ratio = f"{them / us:9.0f}x" if them else "         -"
        print(f"{n:>12} | {us * 1e6:9.2f} us | {theirs_text} | {ratio}")
    flat = rows[-1][1] / rows[0][1]
    print(f"\nFlatness: ours at 10,000 / at 10 = {flat:.2f}x (goal <= 1.5x)")
    if not args.vcr_10k:
        print("vcrpy at 10,000 skipped: one call scans and re-parses all 10,000 bodies (seconds).")
    print("\nLoading 1,000 interactions ready to replay (median CPU time)")
    print(f"  ours  {load_ours * 1e3:8.1f} ms  (read, validate with pydantic, build the index)")
    print(f"  vcrpy {load_vcr * 1e3:8.1f} ms  (Cassette.load)")
    print(f"  ratio {load_vcr / load_ours:8.1f}x (goal >= 5x)")
    goals = {
        "ours < 10 us/call at every size": all(us < 10e-6 for _, us, _ in rows),
        "flat: 10,000 within 1.5x of 10": flat <= 1.5,
        ">= 100x vcrpy at 10": rows[0][2] is not None and rows[0][2] / rows[0][1] >= 100,
        ">= 1000x vcrpy at 1,000": rows[2][2] is not None and rows[2][2] / rows[2][1] >= 1000,
        "load >= 5x faster than vcrpy": load_vcr / load_ours >= 5,
    }
    print("\nGoals")
    for goal, met in goals.items():
        print(f"  [{'met' if met else 'MISSED'}] {goal}")


if __name__ == "__main__":
    main()
