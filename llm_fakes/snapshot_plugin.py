"""pytest wiring of snapshots: the ``llm_snapshot`` fixture (syrupy's ``snapshot``, our format).

Registered through ``llm_fakes.pytest_plugin.PLUGIN_MODULES``; syrupy is imported only when a
test asks for the fixture, so sessions that never snapshot never pay for it.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def llm_snapshot(snapshot: Any) -> Any:
    """syrupy's snapshot, stored as readable .llm text (responses, streams, call logs)."""
    from llm_fakes.snapshot import LLMSnapshotExtension

    return snapshot.use_extension(LLMSnapshotExtension)
