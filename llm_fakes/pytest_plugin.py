"""The pytest plugin: options, ini keys, markers and fixtures, in the ``llm-fakes`` group.

Kept thin and cheap to import, since it loads in every downstream test session: each feature's
fixtures live beside the feature and are listed in :data:`PLUGIN_MODULES` below.
"""

from __future__ import annotations

import importlib
import sys

import pytest

#: Fixture and hook modules of each feature, registered with this plugin (by name, so
#: ``-p no:llm_fakes.guard_plugin`` still leaves one out).
PLUGIN_MODULES: list[str] = [
    "llm_fakes.scripted.fixtures",
    "llm_fakes.guard_plugin",
    "llm_fakes.snapshot_plugin",
    "llm_fakes.cassettes.fixtures",
    "llm_fakes.cassettes.report_plugin",
    "llm_fakes.contract.plugin",
    "llm_fakes.http.fixtures",
]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the feature modules, as ``pytest_plugins`` would, but without pytest's search of
    every installed distribution's entry points for each name (most of this plugin's cost on an
    empty session, with a hundred packages installed)."""
    for name in PLUGIN_MODULES:
        if pluginmanager.is_blocked(name) or pluginmanager.get_plugin(name) is not None:
            continue
        pluginmanager.register(importlib.import_module(name), name)


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
