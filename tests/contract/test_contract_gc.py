"""What a factory leaves behind is collected after each property when it holds file descriptors,
and a property that left none open costs no full collection (in a large test session, one takes
a fifth of a second)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.contract.runner import run_conformance

OPEN: set[int] = set()


class PipeHoldingClient:
    """A client the factory builds and nobody closes, caught in a reference cycle (as SDK clients
    and their pools often are), so only the garbage collector releases its descriptors."""

    def __init__(self) -> None:
        self.read, self.write = os.pipe()
        OPEN.add(self.read)
        self.cycle = self

    def __del__(self) -> None:
        OPEN.discard(self.read)
        os.close(self.read)
        os.close(self.write)


def leaky(backend: Any) -> Any:
    backend.scripted.client = PipeHoldingClient()
    return backend.scripted


def tidy(backend: Any) -> Any:
    return backend.scripted


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """Full collections started while the test runs, with automatic collection off (so any
    counted is one the runner asked for)."""
    seen: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(1)

    gc.collect()
    gc.disable()
    gc.callbacks.append(count)
    try:
        yield seen
    finally:
        gc.callbacks.remove(count)
        gc.enable()


def test_clients_left_in_cycles_are_released_after_each_property(
    full_collections: list[int],
) -> None:
    OPEN.clear()
    report = run_conformance([ProviderFactory(leaky)], only="C1,C2,C4", max_examples=3)
    assert [v.status for v in report.verdicts] == ["pass"] * 3
    assert not OPEN
    assert full_collections  # the runner's own collections released them


def test_a_property_that_leaves_no_descriptor_open_costs_no_full_collection(
    full_collections: list[int],
) -> None:
    run_conformance([ProviderFactory(tidy)], only="C1,C2", max_examples=2)  # imports, warm-up
    full_collections.clear()
    report = run_conformance([ProviderFactory(tidy)], only="C1,C2,C4", max_examples=3)
    assert [v.status for v in report.verdicts] == ["pass"] * 3
    assert full_collections == []


def test_the_first_property_of_a_process_passes_with_warnings_as_errors() -> None:
    # hypothesis registers its own PRNG on the first test of a process and warns when
    # gc.get_referrers() finds nothing holding it. A runner that froze the heap (gc.freeze hides
    # objects from get_referrers) made hypothesis 6.100, the lowest declared, warn there: under
    # filterwarnings=error the first example failed and C1 read "flaky". A fresh process, so
    # that first test is the run's own.
    code = (
        "import warnings\n"
        "from llm_fakes.contract.factory import ProviderFactory\n"
        "from llm_fakes.contract.runner import run_conformance\n"
        "warnings.simplefilter('error')\n"
        "report = run_conformance([ProviderFactory(lambda b: b.scripted)], only='C1,C2',"
        " max_examples=2)\n"
        "print([(v.property, v.status, v.message) for v in report.verdicts])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('C1', 'pass', ''), ('C2', 'pass', '')]", done.stdout
