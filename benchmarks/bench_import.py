"""Importing vcrpy cassettes, and replaying what was imported next to what was recorded.

Uses ``bench_cassettes.py``'s interactions (a system prompt and a numbered question; a short
chat-completion answer), written as a vcrpy YAML cassette. In the same run:

1. importing 1,000 interactions (``import_cassettes``: read the YAML, read each request back
   from the wire, parse each response, scrub, validate, write), CPU time, next to vcrpy's own
   load of that file (``vcr.cassette.Cassette.load``);
2. replay cost per call, random recorded requests, of
   * a cassette recorded through ``CassetteProvider`` from a provider returning no raw payload
     (the baseline),
   * one recorded through ``CassetteProvider`` from the kit's ``OpenAIProvider`` on
     ``FakeOpenAI`` (its responses carry the raw body, as imported ones do),
   * the imported cassette (its requests equal the calls' own: the one-lookup hot path),
   * an imported cassette whose wire requests had no ``max_tokens`` (Chat Completions allows
     it): each call misses its own key and is found through the wildcard variant.

Goals: importing costs at most 2x what vcrpy's own ``Cassette.load`` of the same file costs
(both are mostly parsing the YAML); an imported cassette replays within 1.2x of one
recorded through the HTTP provider (both copy the raw body per call); the wildcard path stays
under 50 µs per call.

Run:
    python benchmarks/bench_import.py
    python benchmarks/bench_import.py --rounds 9
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

import yaml
from bench_cassettes import SYSTEM, OursRunner, messages, write_ours, write_vcr

from llm_fakes.cassettes.importer import import_cassettes


def strip_max_tokens(path: Path, out: Path) -> None:
    """A copy of the vcrpy cassette whose request bodies carry no ``max_tokens``."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc = yaml.load(path.read_text(), Loader=loader)
    for item in doc["interactions"]:
        body = json.loads(item["request"]["body"])
        del body["max_tokens"]
        item["request"]["body"] = json.dumps(body)
    out.write_text(yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))


def write_http(path: Path, n: int) -> None:
    """Record the same session through OpenAIProvider on FakeOpenAI (raw bodies kept)."""
    from bench_cassettes import answer

    from llm_fakes import CassetteProvider, FakeOpenAI, OpenAIProvider, Reply

    fake = FakeOpenAI([Reply(text=answer(i), input_tokens=31, output_tokens=24) for i in range(n)])
    real = OpenAIProvider("gpt-4o", api_key="sk-bench", transport=fake.transport())
    with CassetteProvider(path, inner=real, mode="once") as llm:
        for i in range(n):
            llm.complete(messages(i), system=SYSTEM)
    real.close()


def import_time(src: Path, folder: Path, rounds: int) -> float:
    import_cassettes([src], folder / "warm")  # imports and schema built once
    samples = []
    for r in range(rounds):
        gc.collect()
        start = time.process_time()
        import_cassettes([src], folder / f"r{r}")
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def vcr_load_time(src: Path, rounds: int) -> float:
    from vcr.cassette import Cassette

    Cassette.load(path=str(src), record_mode="none")
    samples = []
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        Cassette.load(path=str(src), record_mode="none")
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def per_call(runners: dict[str, OursRunner], n: int, rounds: int) -> dict[str, float]:
    rng = random.Random(7)
    samples: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(rounds):  # interleaved, CPU time
        picks = [rng.randrange(n) for _ in range(1000)]
        for name, runner in runners.items():
            samples[name].append(runner.per_call(picks))
    return {k: statistics.median(v) for k, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds per measurement")
    parser.add_argument("-n", type=int, default=1000, help="interactions in the cassette")
    args = parser.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vcr_file = folder / "session.yaml"
        write_vcr(vcr_file, n)
        no_max = folder / "nomax" / "session.yaml"
        no_max.parent.mkdir()
        strip_max_tokens(vcr_file, no_max)
        ours = folder / "ours.yaml"
        write_ours(ours, n)
        http = folder / "http.yaml"
        write_http(http, n)
        seconds = import_time(vcr_file, folder / "imports", args.rounds)
        vcr_seconds = vcr_load_time(vcr_file, args.rounds)
        import_cassettes([no_max], folder / "imported_nomax")
        runners = {
            "recorded": OursRunner(ours, n),
            "recorded via OpenAIProvider": OursRunner(http, n),
            "imported": OursRunner(folder / "imports" / "warm" / "session.yaml", n),
            "imported, no wire max_tokens": OursRunner(
                folder / "imported_nomax" / "session.yaml", n
            ),
        }
        # Sanity: the imported cassettes answer what the recorded one answers.
        for runner in runners.values():
            reply = runner.llm.complete(messages(3), system=SYSTEM)
            assert reply.content.startswith("3 times 7 is 21"), reply
        costs = per_call(runners, n, args.rounds)
    print(f"import {n} interactions: {seconds * 1000:.0f} ms median CPU "
          f"({seconds / n * 1e6:.0f} µs per interaction); vcrpy loads it in "
          f"{vcr_seconds * 1000:.0f} ms: {seconds / vcr_seconds:.2f}x")  # fmt: skip
    base = costs["recorded"]
    for name, cost in costs.items():
        print(f"replay per call, {name:<29} {cost * 1e6:6.2f} µs  ({cost / base:.2f}x recorded)")


if __name__ == "__main__":
    main()
