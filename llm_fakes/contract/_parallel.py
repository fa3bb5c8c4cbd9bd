"""``run_conformance(..., jobs=N)``: (backend, property) pairs spread over N worker processes.

Processes, not threads: virtual time and output capture swap process-wide functions and
streams, one example at a time. Workers are forked, so they inherit the factories as built
(lambdas and all, nothing is pickled but the verdicts); each keeps its own backend session
(loopback servers) for the pairs it runs. Verdicts come back in any order and are reported in
the run's order, with causes linked in that order, exactly as a serial run links them.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from llm_fakes.contract.backend import BackendSession
from llm_fakes.contract.verdicts import Verdict, link_causes
from llm_fakes.errors import UsageError

__all__ = ["run_parallel"]

#: What a forked worker needs, set in the parent just before the pool starts.
_WORK: dict[str, Any] = {}


def _run_one(index: int) -> Verdict:
    from llm_fakes.contract.runner import run_property

    session = _WORK.get("session")
    if session is None:
        session = _WORK["session"] = BackendSession()
    factory, prop, n = _WORK["units"][index]
    verdict: Verdict = run_property(prop, factory, session=session, max_examples=n, **_WORK["kw"])
    return verdict


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
    if "fork" not in multiprocessing.get_all_start_methods():
        raise UsageError(
            f"--jobs {jobs} needs worker processes started with fork, which this platform "
            "does not offer. Run without --jobs, or spread backends over several commands."
        )
    _WORK.update(units=list(units), kw=kw)
    done: dict[int, Verdict] = {}
    out: list[Verdict] = []
    seen: dict[tuple[str, str], str] = {}
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_run_one, i): i for i in range(len(units))}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                while len(out) in done:  # report (and link) in the run's order
                    verdict = _relink(done.pop(len(out)), seen)
                    out.append(verdict)
                    if progress is not None:
                        progress(verdict, len(out), len(units))
    finally:
        _WORK.clear()
    return out


def _relink(verdict: Verdict, seen: dict[tuple[str, str], str]) -> Verdict:
    """Links made in a worker saw only its own pairs: make them again, in the run's order."""
    plain = tuple(dataclasses.replace(f, same_cause_as="") for f in verdict.failures)
    return link_causes(dataclasses.replace(verdict, failures=plain), seen)
