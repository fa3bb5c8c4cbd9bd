"""A recording process SIGKILLed at random moments never leaves an unreadable cassette.

A forked child records in a loop (``new_episodes``: five interactions, complete and stream, then
a save) and reports each save's total on a pipe; the parent kills it at a random moment (seeded),
whether it is calling the provider, holding the lock, writing the temporary file or renaming it.
After every kill the cassette loads, holds only whole batches, and holds at least everything the
child reported saved: nothing that was saved is lost. Then the next child carries on recording
into the same cassette (so a lock left by a killed process must not block it).
"""

from __future__ import annotations

import asyncio
import os
import random
import select
import signal
import time
import warnings
from pathlib import Path

from hardening_support import tally

from llm_fakes import CassetteProvider, ScriptedProvider
from llm_fakes.cassettes import storage

KILLS = 20
BATCH = 5


def _record_forever(path: Path, write_fd: int, child: int) -> None:
    """The child: record BATCH interactions, save, report the total; forever."""
    inner = ScriptedProvider(["word " * 40], on_exhausted="cycle")
    n = 0
    while True:
        with CassetteProvider(path, inner=inner, mode="new_episodes") as cassette:
            for i in range(BATCH):
                ask = [{"role": "user", "content": f"child {child} question {n + i}"}]
                if i % 2:
                    cassette.complete(ask)
                else:

                    async def consume(ask: list[dict[str, str]] = ask) -> None:
                        async for _ in cassette.stream(ask):
                            pass

                    asyncio.run(consume())
            n += BATCH
        total = len(storage.load(path)["interactions"])
        os.write(write_fd, f"{total}\n".encode())


def _saved_totals(read_fd: int, wait: float) -> list[int]:
    """The totals the child reported within ``wait`` seconds."""
    data = b""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            break
        chunk = os.read(read_fd, 4096)
        if not chunk:
            break
        data += chunk
    return [int(x) for x in data.split()]


def _first_save(read_fd: int) -> list[int]:
    ready, _, _ = select.select([read_fd], [], [], 30)
    assert ready, "the recording child saved nothing in 30 s"
    return [int(x) for x in os.read(read_fd, 4096).split()]


def test_sigkill_at_random_moments_never_leaves_an_unreadable_cassette(tmp_path: Path) -> None:
    path = tmp_path / "killed.yaml"
    # Import what a save needs before forking, so each child starts recording at once.
    storage.save(tmp_path / "warm.yaml", [], header={}, replace=True)
    storage.load(tmp_path / "warm.yaml")
    rng = random.Random(20261128)
    saved = 0  # the most the children reported saved so far
    for child in range(KILLS):
        read_fd, write_fd = os.pipe()
        with warnings.catch_warnings():  # 3.12+ warns on fork with threads; ours has none
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; it only ever ends by SIGKILL
            try:
                os.close(read_fd)
                _record_forever(path, write_fd, child)
            finally:
                os._exit(1)
        os.close(write_fd)
        # Every other child first gets to save once (however loaded the machine); each is then
        # killed at a random moment of what it does next.
        totals = _first_save(read_fd) if child % 2 else []
        totals += _saved_totals(read_fd, rng.uniform(0.0, 0.25))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        totals += _saved_totals(read_fd, 0.01)
        os.close(read_fd)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        saved = max([saved, *totals])
        if not path.exists():
            assert saved == 0, "a cassette that was reported saved has disappeared"
            tally("SIGKILL while recording", "killed before its first save")
            continue
        interactions = storage.load(path)["interactions"]  # raises if the file were torn
        assert len(interactions) >= saved, (
            f"kill #{child}: saved {saved}, found {len(interactions)}"
        )
        assert len(interactions) % BATCH == 0, "a save wrote part of a batch"
        for interaction in interactions:
            assert "error" not in interaction and not interaction.get("truncated")
        tally("SIGKILL while recording", "cassette readable, nothing saved was lost")
        saved = len(interactions)
    assert saved >= BATCH * KILLS // 2, f"the children made too little progress ({saved})"
