"""What a factory leaves behind is collected after each property, and the collection costs what
the run made, not what the process held before it (the objects already there are frozen out)."""

from __future__ import annotations

import gc
import os
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


def test_clients_left_in_cycles_are_released_after_each_property() -> None:
    OPEN.clear()
    gc.disable()  # only the runner's own collection may release them
    try:
        report = run_conformance([ProviderFactory(leaky)], only="C1,C2,C4", max_examples=3)
        assert [v.status for v in report.verdicts] == ["pass"] * 3
        assert not OPEN
    finally:
        gc.enable()


def test_the_run_leaves_no_object_frozen() -> None:
    run_conformance([ProviderFactory(leaky)], only="C1", max_examples=2)
    assert gc.get_freeze_count() == 0


def test_objects_someone_else_froze_stay_frozen() -> None:
    if gc.get_freeze_count():
        pytest.skip("objects are frozen already in this process")
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        OPEN.clear()
        report = run_conformance([ProviderFactory(leaky)], only="C1", max_examples=2)
        assert report.failures == []
        # Thawed, the count would be 0; a few frozen objects freed by their last reference go.
        assert gc.get_freeze_count() > frozen // 2
        assert not OPEN  # what the run made is collected all the same
    finally:
        gc.unfreeze()
