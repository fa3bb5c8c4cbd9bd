"""(backend, property) pairs run in worker processes that a hanging or dying provider cannot take
down with the run: ``run_conformance(..., jobs=N)`` and ``isolate=True`` (the CLI).

Processes, not threads: virtual time and output capture swap process-wide functions and
streams, one example at a time. Workers are forked, so they inherit the factories as built
(lambdas and all, nothing is pickled but the verdicts); each keeps its own backend session
(loopback servers) for the pairs it runs, and leads its own process group, so whatever the
provider forks is killed with it at the end.

The parent hands out one pair at a time and hears from the worker as each example starts. A
worker that dies (the provider called ``os._exit``, or killed it) fails the pair it was running,
saying how it ended, and a fresh worker takes the rest. An example that outlives its limit is
interrupted inside the worker (:mod:`~llm_fakes.contract._limits`); one that does not answer even
then (C code that never returns to Python, a provider that catches ``BaseException``) is killed
when it has been silent for twice the limit (the limit plus at least :data:`GRACE` seconds) and
fails the same way. Verdicts are reported in the run's
order, with causes linked in that order, exactly as a serial run links them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from llm_fakes.contract._limits import leave_if_forked
from llm_fakes.contract.backend import BackendSession
from llm_fakes.contract.verdicts import Failure, Verdict, link_causes
from llm_fakes.errors import UsageError

__all__ = ["GRACE", "can_fork", "run_parallel"]

#: What a forked worker needs, set in the parent just before the workers start.
_WORK: dict[str, Any] = {}

#: The least time past the example limit (which it doubles) before a silent worker is killed.
GRACE = 5.0


def can_fork() -> bool:
    """Whether worker processes can be forked here."""
    return "fork" in multiprocessing.get_all_start_methods()


def _worker(conn: Connection) -> None:
    from llm_fakes.contract.runner import run_property

    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # a group of its own: the provider's forks end with it
    pid = os.getpid()

    def send(message: tuple[str, Any]) -> None:
        if os.getpid() == pid:  # never from a process the provider forked
            conn.send(message)

    session = BackendSession()
    try:
        while (index := conn.recv()) is not None:
            factory, prop, n = _WORK["units"][index]
            verdict = run_property(
                prop,
                factory,
                session=session,
                max_examples=n,
                on_example=lambda case: send(("example", case.describe())),
                **_WORK["kw"],
            )
            leave_if_forked(pid)
            send(("verdict", verdict))
    except (EOFError, OSError):
        pass  # the parent is gone
    finally:
        leave_if_forked(pid)
        session.close()


@dataclass
class _Worker:
    process: Any
    conn: Connection
    index: int | None = None  # the pair it runs
    example: str = ""  # the example it is running, described
    since: float = 0.0  # when it last said something


def _kill(worker: _Worker) -> None:
    pid = worker.process.pid
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)  # the worker and whatever the provider forked
    with contextlib.suppress(OSError):
        worker.process.kill()
    worker.process.join()
    worker.conn.close()


def _lost(worker: _Worker, unit: tuple[Any, Any, int | None], limit: float | None) -> Verdict:
    """The verdict of a pair whose worker died or was killed while running it."""
    factory, prop, _ = unit
    code = worker.process.exitcode
    if limit is not None and (code is None or time.monotonic() - worker.since > limit):
        timeout = _WORK["kw"].get("example_timeout")
        message = (
            f"the example did not return within {timeout:g} s, and did not stop when "
            f"interrupted (C code that never returns to Python, or a provider that catches "
            f"BaseException): its worker process was killed after {limit:g} s. If it is only "
            "slow, raise the limit: --example-timeout SECONDS."
        )
    elif code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        message = (
            f"the worker process running this example was killed by {name}: the provider "
            "killed it, or it ran out of memory. The run went on in a fresh worker."
        )
    else:
        message = (
            f"the worker process running this example exited with status {code} in the middle "
            "of it: the provider ended the process (os._exit?). The run went on in a fresh "
            "worker."
        )
    failure = Failure(message, counterexample=worker.example)
    return Verdict(
        prop.id,
        factory.name,
        "FAIL",
        message=message,
        counterexample=worker.example,
        failures=(failure,),
    )


def run_parallel(
    units: Sequence[tuple[Any, Any, int | None]],
    *,
    jobs: int,
    progress: Callable[[Verdict, int, int], None] | None,
    **kw: Any,
) -> list[Verdict]:
    """Run ``(factory, property, max_examples)`` units on ``jobs`` processes; verdicts in order.

    Raises:
        UsageError: This platform cannot fork.
    """
    if not can_fork():
        raise UsageError(
            f"--jobs {jobs} needs worker processes started with fork, which this platform "
            "does not offer. Run without --jobs, or spread backends over several commands."
        )
    timeout = kw.get("example_timeout")
    limit = None if timeout is None else timeout + max(GRACE, timeout)
    context = multiprocessing.get_context("fork")
    _WORK.update(units=list(units), kw=kw)
    pending = deque(range(len(units)))
    workers: list[_Worker] = []
    done: dict[int, Verdict] = {}
    out: list[Verdict] = []
    seen: dict[tuple[str, str], str] = {}

    def start() -> _Worker:
        mine, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(theirs,), daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, mine)
        workers.append(worker)
        return worker

    def finish(index: int, verdict: Verdict) -> None:
        done[index] = verdict
        while len(out) in done:  # report (and link) in the run's order
            verdict = _relink(done.pop(len(out)), seen)
            out.append(verdict)
            if progress is not None:
                progress(verdict, len(out), len(units))

    def lose(worker: _Worker) -> None:
        _kill(worker)
        workers.remove(worker)
        if worker.index is not None:
            finish(worker.index, _lost(worker, units[worker.index], limit))

    completed = False
    try:
        while len(out) < len(units):
            while pending:
                idle = next((w for w in workers if w.index is None), None)
                if idle is None and len(workers) >= jobs:
                    break
                worker = idle or start()
                worker.index, worker.example = pending.popleft(), ""
                worker.since = time.monotonic()
                worker.conn.send(worker.index)
            busy = [w for w in workers if w.index is not None]
            # Only a worker inside an example is timed: the time to start one is the kit's.
            timed = [w for w in busy if w.example] if limit is not None else []
            wake = None
            if limit is not None and timed:
                wake = max(0.0, min(w.since + limit for w in timed) - time.monotonic())
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wake)
            for worker in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    _hear(worker, finish, lose)
                elif worker in timed and time.monotonic() - worker.since > (limit or 0):
                    lose(worker)
        completed = True
    finally:
        for worker in workers:
            if completed:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
                worker.process.join(GRACE)
            _kill(worker)
        _WORK.clear()
    return out


def _hear(
    worker: _Worker,
    finish: Callable[[int, Verdict], None],
    lose: Callable[[_Worker], None],
) -> None:
    """Read what a worker said; a worker that ended mid-pair fails it."""
    try:
        while worker.conn.poll():
            kind, value = worker.conn.recv()
            worker.since = time.monotonic()
            if kind == "example":
                worker.example = value
            else:
                assert worker.index is not None
                index, worker.index = worker.index, None
                finish(index, value)
                return
    except (EOFError, OSError):
        pass
    if not worker.process.is_alive():
        worker.process.join()
        lose(worker)


def _relink(verdict: Verdict, seen: dict[tuple[str, str], str]) -> Verdict:
    """Links made in a worker saw only its own pairs: make them again, in the run's order."""
    plain = tuple(dataclasses.replace(f, same_cause_as="") for f in verdict.failures)
    return link_causes(dataclasses.replace(verdict, failures=plain), seen)
