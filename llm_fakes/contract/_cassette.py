"""The CassetteProvider built-in: record each example from the scripted fake, replay it."""

from __future__ import annotations

from llm_fakes.contract.factory import ProviderFactory


def make_cassette_factory() -> ProviderFactory | None:
    """None until the cassettes module provides ``CassetteProvider``."""
    return None
