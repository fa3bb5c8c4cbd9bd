"""The pytest plugin: options, ini keys, markers and fixtures, in the ``llm-fakes`` group.

Kept thin and cheap to import, since it loads in every downstream test session: each feature's
fixtures live beside the feature and are listed in ``pytest_plugins`` below.
"""

from __future__ import annotations

import pytest

from llm_fakes.typeset import set_default_types

#: Fixture modules of each feature, registered with this plugin.
pytest_plugins: list[str] = [
    "llm_fakes.scripted.fixtures",
    "llm_fakes.guard_plugin",
    "llm_fakes.snapshot_plugin",
    "llm_fakes.cassettes.fixtures",
    "llm_fakes.cassettes.report_plugin",
    "llm_fakes.contract.plugin",
    "llm_fakes.http.fixtures",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "llm_fakes_types",
        "Module(s) whose LLMResponse and stream-event classes the kit instantiates, "
        "e.g. 'framework.llm.provider framework.llm.stream_events' (default: llm_fakes' own).",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    spec = str(config.getini("llm_fakes_types") or "").strip()
    set_default_types(spec or None)


def pytest_unconfigure(config: pytest.Config) -> None:
    set_default_types(None)
