"""What a factory leaves behind is collected after each property when it holds file descriptors,
and a property that left none open costs no full collection (in a large test session, one takes
a fifth of a second)."""

from __future__ import annotations

import gc
import os
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
