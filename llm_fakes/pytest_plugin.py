"""The pytest plugin: options, ini keys, markers and fixtures, in the ``llm-fakes`` group.

Kept thin and cheap to import, since it loads in every downstream test session: each feature's
fixtures live beside the feature and are listed in ``pytest_plugins`` below.
"""

from __future__ import annotations

import sys

import pytest

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
    if spec:  # the kit's own types are the default already: nothing to import without a spec
        from llm_fakes.typeset import set_default_types

        set_default_types(spec)


def pytest_unconfigure(config: pytest.Config) -> None:
    typeset = sys.modules.get("llm_fakes.typeset")
    if typeset is not None:
        typeset.set_default_types(None)
