"""Replay cost by prompt size, and on imported real-shaped cassettes, beside vcrpy + httpx.

1. Prompt size: cassettes of 20 interactions whose requests are a 1 KB prompt, a 50 KB prompt,
   or a 200-turn conversation (about 18 KB of JSON in 201 messages), each with and without a
   secret-looking string (an OpenAI key) in the last message. Per call, median CPU time:
   ``CassetteProvider.complete`` replaying a random recorded request; the *floor*, serialising
   that request once (``canonical_json(make_request(...))``: what any lookup keyed on the whole
   request pays); and vcrpy + httpx replaying the same requests as POSTs matched on
   ``["method", "uri", "body"]``.
2. Imported real-shaped cassettes: the recorded sessions in ``tests/http/real_sessions`` (real
   OpenAI Chat Completions, Responses and Anthropic Messages traffic: system prompts, tools,
   tool calls, structured output), written as a vcrpy cassette, put through ``cassette import``
   and replayed through ``complete()`` with each recorded request.

Goals: under 20 µs per call for the 1 KB prompt and the real-shaped cassettes, within 2x of the
floor for the large requests, with or without the secret.

Run:
    python benchmarks/bench_replay_size.py
    python benchmarks/bench_replay_size.py --rounds 9 --vcr-samples 5
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
from llm_fakes.cassettes.matching import canonical_json, make_request

URL = "https://api.openai.com/v1/chat/completions"
SYSTEM = "You are a careful reader. Answer in one short paragraph."
SECRET = " (my key is sk-proj-Bench0123456789abcdefXYZ)"
N = 20
REAL = Path(__file__).parent.parent / "tests" / "http" / "real_sessions"
PATHS = {"openai-chat": "/v1/chat/completions", "openai-responses": "/v1/responses"}

PROSE = (
    "The key idea, the author says, is that authorisation to act comes from the reader's own "
    "judgement; every chapter returns to it from a different side. "
)


def conversation(kind: str, i: int, secret: bool) -> list[dict[str, Any]]:
    """The messages of request ``i`` of one shape."""
    if kind == "200 turns":
        messages: list[dict[str, Any]] = []
        for t in range(100):
            messages.append({"role": "user", "content": f"#{i}.{t}: what is chapter {t} about?"})
            messages.append({"role": "assistant", "content": f"Chapter {t}: {PROSE[:60]}"})
        messages.append({"role": "user", "content": f"#{i}: and the whole book?"})
    else:
        size = 1000 if kind == "1 KB" else 50_000
        text = f"#{i}: " + (PROSE * (size // len(PROSE) + 1))[:size]
        messages = [{"role": "user", "content": text}]
    if secret:
        messages[-1] = {**messages[-1], "content": messages[-1]["content"] + SECRET}
    return messages


class Echo(LLMProvider):
    """The "real" provider the cassettes are recorded from."""

    model = "gpt-4o"

    def complete(self, messages: Any, system: str = "", **kwargs: Any) -> LLMResponse:
        return LLMResponse(
            content=f"An answer about {messages[-1]['content'][:20]}", model="gpt-4o-2024-08-06",
            input_tokens=31, output_tokens=24, stop_reason="stop",
        )  # fmt: skip


def cpu_per_call(calls: list[Any], rounds: int) -> float:
    """Median CPU time per call of ``calls`` (each a no-argument function)."""
    per_round = []
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        for call in calls:
            call()
        per_round.append((time.process_time() - start) / len(calls))
    return statistics.median(per_round)


def write_vcr(path: Path, bodies: list[str]) -> None:
    interactions = []
    for i, body in enumerate(bodies):
        reply = {
            "id": f"chatcmpl-{i}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "gpt-4o-2024-08-06",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": f"answer {i}"},
                }
            ],
            "usage": {"prompt_tokens": 31, "completion_tokens": 24, "total_tokens": 55},
        }
        interactions.append(
            {
                "request": {
                    "body": body,
                    "method": "POST",
                    "uri": URL,
                    "headers": {"content-type": ["application/json"]},
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


def vcr_per_call(path: Path, bodies: list[str], samples: int, rounds: int) -> float:
    import httpx
    import vcr

    recorder = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
    headers = {"content-type": "application/json"}
    rng = random.Random(7)
    with recorder.use_cassette(str(path), allow_playback_repeats=True), httpx.Client() as client:
        client.post(URL, content=bodies[0].encode(), headers=headers).json()  # warm up
        picks = [bodies[rng.randrange(len(bodies))].encode() for _ in range(samples)]
        calls = [lambda b=b: client.post(URL, content=b, headers=headers).json() for b in picks]
        return cpu_per_call(calls, rounds)


def by_size(folder: Path, rounds: int, vcr_samples: int) -> list[dict[str, Any]]:
    rows = []
    rng = random.Random(7)
    for kind in ("1 KB", "50 KB", "200 turns"):
        for secret in (False, True):
            path = folder / f"{kind}-{secret}.yaml".replace(" ", "_")
            with CassetteProvider(path, inner=Echo(), mode="once") as llm:
                for i in range(N):
                    llm.complete(conversation(kind, i, secret), system=SYSTEM)
            llm = CassetteProvider(path, allow_playback_repeats=True)
            asks = [conversation(kind, rng.randrange(N), secret) for _ in range(200)]
            for ask in asks[:20]:  # warm up
                llm.complete(ask, system=SYSTEM)
            ours = cpu_per_call(
                [lambda a=a, llm=llm: llm.complete(a, system=SYSTEM) for a in asks], rounds
            )
            floor = cpu_per_call(
                [lambda a=a: canonical_json(make_request(a, SYSTEM)) for a in asks], rounds
            )
            bodies = []
            for i in range(N):
                messages = [{"role": "system", "content": SYSTEM}, *conversation(kind, i, secret)]
                bodies.append(json.dumps({"model": "gpt-4o", "messages": messages}))
            write_vcr(folder / "vcr.yaml", bodies)
            vcr = vcr_per_call(folder / "vcr.yaml", bodies, vcr_samples, max(1, rounds // 3))
            size = len(canonical_json(make_request(asks[0], SYSTEM)))
            rows.append(
                {"shape": kind, "secret": secret, "json_bytes": size, "ours": ours,
                 "floor": floor, "vcrpy": vcr}
            )  # fmt: skip
            print(
                f"  measured {kind:>9}{' + secret' if secret else '':9}: ours {ours * 1e6:7.1f} µs"
                f", floor {floor * 1e6:7.1f} µs, vcrpy {vcr * 1e3:7.2f} ms",
                flush=True,
            )
    return rows


def real_shaped(folder: Path, rounds: int) -> tuple[float, int, int]:
    """Median CPU per ``complete()`` replaying the imported real sessions; calls, cassettes."""
    from llm_fakes.cassettes import storage
    from llm_fakes.cassettes.importer import import_cassettes

    sources = folder / "real_vcr"
    sources.mkdir()
    for file in sorted(REAL.glob("*.json")):
        data = json.loads(file.read_text())
        interactions = []
        for item in data["interactions"]:
            body = item["request"]
            path = "/v1/messages" if "anthropic" in file.name else PATHS["openai-chat"]
            if file.name.startswith("responses"):
                path = PATHS["openai-responses"]
            interactions.append(
                {
                    "request": {
                        "body": json.dumps(body),
                        "method": "POST",
                        "uri": f"https://api.example.com{path}",
                        "headers": {"content-type": ["application/json"]},
                    },
                    "response": {
                        "status": {"code": item["status"], "message": "OK"},
                        "headers": {"content-type": [item["content_type"]]},
                        "body": {"string": item["body"]},
                    },
                }
            )
        text = yaml.safe_dump({"interactions": interactions, "version": 1})
        (sources / f"{file.stem}.yaml").write_text(text)
    out = folder / "real_imported"
    import_cassettes([sources], out)
    calls = []
    cassettes = sorted(out.rglob("*.yaml"))
    for cassette in cassettes:
        llm = CassetteProvider(cassette, allow_playback_repeats=True)
        for interaction in storage.load(cassette)["interactions"]:
            if interaction["call"] != "complete" or "response" not in interaction:
                continue
            request = {k: v for k, v in interaction["request"].items() if v is not None}
            request.pop("max_retries", None)
            llm.complete(**request)  # it replays, and warms up
            calls.append(lambda llm=llm, request=request: llm.complete(**request))
    return cpu_per_call(calls * (2000 // max(1, len(calls))), rounds), len(calls), len(cassettes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="rounds per measurement")
    parser.add_argument("--vcr-samples", type=int, default=5, help="vcrpy calls per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = by_size(Path(tmp), args.rounds, args.vcr_samples)
        real, calls, cassettes = real_shaped(Path(tmp), args.rounds)
    print("\nReplay per call by request size (median CPU time; 20 interactions per cassette)")
    print(
        f"{'request':>20} | {'JSON':>8} | {'ours':>10} | {'floor':>10} | {'ours/floor':>10} "
        f"| {'vcrpy + httpx':>13} | {'vcrpy/ours':>10}"
    )
    goals = {}
    for r in rows:
        name = r["shape"] + (" + secret" if r["secret"] else "")
        ratio = r["ours"] / r["floor"]
        print(
            f"{name:>20} | {r['json_bytes'] / 1000:6.1f}KB | {r['ours'] * 1e6:7.1f} µs "
            f"| {r['floor'] * 1e6:7.1f} µs | {ratio:9.2f}x | {r['vcrpy'] * 1e3:10.2f} ms "
            f"| {r['vcrpy'] / r['ours']:9.0f}x"
        )
        if r["shape"] == "1 KB":
            goals[f"{name}: < 20 µs"] = r["ours"] < 20e-6
        else:
            goals[f"{name}: within 2x of the floor"] = ratio <= 2
    print(
        f"\nImported real-shaped cassettes ({cassettes} cassettes from tests/http/real_sessions, "
        f"{calls} complete() recordings): {real * 1e6:.1f} µs per call"
    )
    goals["imported real-shaped: < 20 µs"] = real < 20e-6
    print("\nGoals")
    for goal, met in goals.items():
        print(f"  [{'met' if met else 'MISSED'}] {goal}")


if __name__ == "__main__":
    main()
