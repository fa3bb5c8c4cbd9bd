"""pytest support for :class:`~llm_fakes.contract.suite.ProviderContract`: the profile option
and the session-wide backend (its loopback servers start once and stop at the end).

Registered by the kit's pytest plugin; cheap to import (the suite loads on first use).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    from llm_fakes._plugin_options import add_option

    group = parser.getgroup("llm-fakes")
    add_option(
        group,
        parser,
        "--llm-conformance-profile",
        dest="llm_fakes_conformance_profile",
        default=None,
        choices=["ci", "thorough"],
        help="hypothesis profile of ProviderContract tests: ci (seeded, bounded; default) or "
        "thorough (random, twelve times the examples).",
    )
    add_option(
        group,
        parser,
        "--llm-conformance-real-time",
        dest="llm_fakes_conformance_real_time",
        action="store_true",
        default=False,
        help="run ProviderContract tests in real time: the provider's time.sleep / asyncio.sleep "
        "and its SDK's retry backoff really wait (default: virtual time, no real waiting).",
    )
    parser.addini(
        "llm_fakes_conformance_profile",
        "Profile of ProviderContract tests: ci (default) or thorough.",
        default="ci",
    )


@pytest.fixture(scope="session")
def llm_conformance_session() -> Iterator[Any]:
    """The conformance backend's session: loopback servers shared by every contract test."""
    from llm_fakes.contract.backend import BackendSession

    with BackendSession() as session:
        yield session
