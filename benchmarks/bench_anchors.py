"""The anchors a user would otherwise pick, measured beside the kit's own numbers.

Functions only (``benchmarks/run.py`` calls them and prints the one table); each returns seconds
(or a dict of them), median over rounds, measured in the same process and run as the kit's side:

* LangChain's ``FakeListChatModel.invoke`` and ``GenericFakeChatModel.stream`` on the texts
  ``bench_scripted.py`` uses for ``ScriptedProvider``;
* respx (a route per recorded interaction, matched by JSON body) on the interactions
  ``bench_cassettes.py`` writes for the cassette and vcrpy runs;
* saving a cassette of N interactions, ours against vcrpy's serializer and writer;
* ``import llm_fakes`` in a fresh interpreter, and ``pytest --collect-only`` of an empty suite
  with the plugin against ``-p no:llm_fakes`` (both with the plugins of llm-fakes' declared
  dependencies and no other, bytecode cached).

Run ``python benchmarks/run.py`` for the table, ``python benchmarks/run.py --only
import_plugin`` for the import and plugin rows alone.
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


def median_time(
    run: Callable[[], Any], rounds: int, *, cpu: bool = False, warm: bool = True
) -> float:
    """Median seconds of ``run()`` over ``rounds`` (CPU time with ``cpu``), after a warm-up."""
    clock = time.process_time if cpu else time.perf_counter
    if warm:
        run()
    samples = []
    for _ in range(rounds):
        gc.collect()
        start = clock()
        run()
        samples.append(clock() - start)
    return statistics.median(samples)


# --------------------------------------------------------------------------- LangChain


def langchain_invoke(text: str, calls: int, rounds: int) -> float:
    """Seconds per ``FakeListChatModel.invoke`` returning ``text``."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    model = FakeListChatModel(responses=[text])
    ask = [("system", "You are a helpful assistant."), ("user", "What is the weather?")]

    def batch() -> None:
        for _ in range(calls):
            model.invoke(ask)

    return median_time(batch, rounds) / calls


def langchain_stream(text: str, calls: int, rounds: int) -> tuple[float, int]:
    """(seconds per ``GenericFakeChatModel.stream`` of ``text``, chunks per stream)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    ask = [("user", "Tell me a long story.")]
    chunks = sum(1 for _ in GenericFakeChatModel(messages=iter([AIMessage(text)])).stream(ask))

    def batch() -> None:
        model = GenericFakeChatModel(messages=iter([AIMessage(text)] * calls))
        for _ in range(calls):
            for _chunk in model.stream(ask):
                pass

    return median_time(batch, rounds) / calls, chunks


# --------------------------------------------------------------------------- respx


def respx_per_call(n: int, samples: int, rounds: int) -> float:
    """CPU seconds per httpx POST answered by a respx router of ``n`` body-matched routes."""
    import httpx
    import respx
    from bench_cassettes import URL, answer, vcr_body

    rng = random.Random(7)
    headers = {"content-type": "application/json", "accept": "application/json"}
    with respx.mock(assert_all_called=False) as router, httpx.Client() as client:
        for i in range(n):
            reply = {"choices": [{"message": {"role": "assistant", "content": answer(i)}}]}
            router.post(URL, json=json.loads(vcr_body(i))).mock(
                return_value=httpx.Response(200, json=reply)
            )
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


# --------------------------------------------------------------------------- load and save


def load_and_save(folder: Path, n: int, rounds: int) -> dict[str, float]:
    """CPU seconds to load (ready to replay) and to save ``n`` interactions: ours and vcrpy's."""
    from bench_cassettes import write_ours, write_vcr
    from vcr.cassette import Cassette

    from llm_fakes import CassetteProvider
    from llm_fakes.cassettes import storage

    ours, theirs = folder / f"ours{n}.yaml", folder / f"vcr{n}.yaml"
    if not ours.exists():
        write_ours(ours, n)
    if not theirs.exists():
        write_vcr(theirs, n)
    doc = storage.load(ours)
    header = {"provider": doc["header"]["provider"], "model": doc["header"]["model"]}
    loaded = Cassette.load(path=str(theirs), record_mode="none")

    def save_ours() -> None:
        target = folder / f"save-ours{n}.yaml"
        target.unlink(missing_ok=True)
        storage.save(target, doc["interactions"], header=header, replace=True)

    def save_vcr() -> None:
        target = folder / f"save-vcr{n}.yaml"
        target.unlink(missing_ok=True)
        loaded._path = str(target)
        loaded.dirty = True
        loaded._save(force=True)

    r = max(1, rounds)
    CassetteProvider(ours)  # imports and schema warm, as in any session; vcrpy's likewise
    Cassette.load(path=str(theirs), record_mode="none")
    return {
        "load_ours": median_time(lambda: CassetteProvider(ours), r, cpu=True, warm=False),
        "load_vcr": median_time(
            lambda: Cassette.load(path=str(theirs), record_mode="none"), r, cpu=True, warm=False
        ),
        "save_ours": median_time(save_ours, r, cpu=True, warm=False),
        "save_vcr": median_time(save_vcr, r, cpu=True, warm=False),
    }


# --------------------------------------------------------------------------- import and plugin


def _run_python(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Callable[[], Any]:
    def run() -> None:
        out = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True)
        if out.returncode not in (0, 5):  # 5: pytest collected no tests (an empty suite)
            raise RuntimeError(f"{args!r} failed ({out.returncode}): {out.stderr[-300:]!r}")

    return run


def _cached_bytecode_env(folder: Path) -> dict[str, str]:
    """The environment with Python's bytecode caches on, kept in ``folder``.

    A user's installed packages have their ``.pyc`` files (and pytest its rewritten ones) after
    the first run; with ``PYTHONDONTWRITEBYTECODE`` set, as on some CI machines, every run would
    compile every module again, which is most of an empty session's cost on both sides and not
    what a session costs. The prefix keeps the caches out of the installed packages.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder)
    return env


def import_cost(rounds: int) -> dict[str, float]:
    """Wall seconds of a fresh interpreter: bare, and ``import llm_fakes`` (bytecode cached)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _cached_bytecode_env(Path(tmp))
        return {
            "bare": median_time(_run_python("-c", "pass", env=env), rounds),
            "llm_fakes": median_time(_run_python("-c", "import llm_fakes", env=env), rounds),
        }


def _child_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_PLUGIN_IMPORT = (
    "import importlib, time, pytest, hypothesis, syrupy; start = time.process_time(); "
    "import llm_fakes.pytest_plugin as p; "
    "[importlib.import_module(m) for m in p.PLUGIN_MODULES]; "
    "print(time.process_time() - start)"
)


def plugin_import_cpu(rounds: int) -> float:
    """The least CPU seconds of importing the plugin and its plugin modules, in a fresh interpreter
    that has already imported pytest and the declared dependencies' plugins' packages: what
    loading llm-fakes adds to a session before any hook runs (bytecode cached, as installed)."""
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        env = _cached_bytecode_env(Path(tmp))
        for _ in range(rounds + 1):
            out = subprocess.run(
                [sys.executable, "-c", _PLUGIN_IMPORT],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            samples.append(float(out.stdout.strip()))
    return min(samples[1:])


def undeclared_plugins() -> list[str]:
    """The installed pytest plugins (entry point names) that neither pytest nor llm-fakes'
    declared dependencies bring: a user who installs llm-fakes gets its plugin and its
    dependencies' (hypothesis, syrupy), and whatever else this environment has (pytest-asyncio,
    xdist, respx, anyio from the dev extra; langsmith, which takes seconds) is no part of it."""
    from importlib.metadata import distributions, requires

    from packaging.requirements import Requirement

    declared = {"pytest", "llm-fakes"}
    for line in requires("llm-fakes") or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            declared.add(req.name.lower().replace("_", "-"))
    names = set()
    for dist in distributions():
        project = dist.metadata["Name"].lower().replace("_", "-")
        for ep in dist.entry_points.select(group="pytest11"):
            if project not in declared:
                names.add(ep.name)
    return sorted(names)


def _collect_args() -> list[str]:
    """``pytest --collect-only`` of an empty suite, with every plugin llm-fakes' declared
    dependencies do not bring turned off (see :func:`undeclared_plugins`)."""
    args = ["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    for name in undeclared_plugins():
        args += ["-p", f"no:{name}"]
    return args


def collect_cost(rounds: int) -> dict[str, float]:
    """Seconds of ``pytest --collect-only`` on an empty suite, with the plugin and without: the
    median wall time, and the least CPU time of the pytest process (``*_cpu``), which a machine
    shared with other jobs disturbs far less than wall time.

    Both sides load exactly the plugins a user's session gets with llm-fakes: pytest's own and
    those of llm-fakes' declared dependencies (hypothesis, syrupy); every other installed plugin
    is off on both sides, since counting its cost in the anchor would shrink the ratio. Both run
    with bytecode caches, as an installed package's session does (warmed by a first run)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "suite"
        root.mkdir()
        (root / "pytest.ini").write_text("[pytest]\n")
        env = _cached_bytecode_env(Path(tmp) / "pycache")
        base = _collect_args()
        with_plugin = _run_python(*base, cwd=root, env=env)
        without = _run_python(*base, "-p", "no:llm_fakes", cwd=root, env=env)
        with_plugin()
        without()
        ons, offs, ons_cpu, offs_cpu = [], [], [], []
        for _ in range(rounds):  # interleaved, so load drifting during the run hits both alike
            for wall, cpu, run in ((offs, offs_cpu, without), (ons, ons_cpu, with_plugin)):
                start, start_cpu = time.perf_counter(), _child_cpu()
                run()
                wall.append(time.perf_counter() - start)
                cpu.append(_child_cpu() - start_cpu)
    return {
        "with": statistics.median(ons),
        "without": statistics.median(offs),
        # The least CPU of each side: what the work itself costs, with the least interference.
        "with_cpu": min(ons_cpu),
        "without_cpu": min(offs_cpu),
        "with_cpu_median": statistics.median(ons_cpu),
        "without_cpu_median": statistics.median(offs_cpu),
    }


def collect_instructions() -> dict[str, int] | None:
    """Instructions (valgrind's callgrind count) of the same two ``pytest --collect-only``
    sessions as :func:`collect_cost`, or ``None`` without valgrind.

    Deterministic (same hash seed, warm bytecode caches): on a machine shared with other jobs,
    CPU times vary by more than the few percent this measures, and counts do not. A count is
    no time (an instruction that waits on memory costs more), so both are printed.
    """
    import re
    import shutil

    if shutil.which("valgrind") is None:
        return None
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "suite"
        root.mkdir()
        (root / "pytest.ini").write_text("[pytest]\n")
        env = _cached_bytecode_env(Path(tmp) / "pycache")
        env["PYTHONHASHSEED"] = "0"
        for side, extra in (("with", []), ("without", ["-p", "no:llm_fakes"])):
            args = [sys.executable, *_collect_args(), *extra]
            subprocess.run(args, cwd=root, env=env, capture_output=True)  # warm the caches
            out = subprocess.run(
                ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *args],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
            )
            found = re.search(r"Collected\s*:\s*(\d+)", out.stderr)
            if out.returncode != 5 or found is None:
                raise RuntimeError(
                    f"callgrind run failed ({out.returncode}): {out.stderr[-300:]!r}"
                )
            counts[side] = int(found.group(1))
    return counts
