"""The pytest plugin: options, ini keys, markers and fixtures, in the ``llm-fakes`` group.

Kept thin and cheap to import, since it loads in every downstream test session: each feature's
fixtures live beside the feature and are listed in :data:`PLUGIN_MODULES` below.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator

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
    names = [
        name
        for name in PLUGIN_MODULES
        if not pluginmanager.is_blocked(name) and pluginmanager.get_plugin(name) is None
    ]
    with _plain_imports(pluginmanager):
        modules = [importlib.import_module(name) for name in names]
    for name, module in zip(names, modules, strict=True):
        pluginmanager.register(module, name)


@contextlib.contextmanager
def _plain_imports(pluginmanager: pytest.PytestPluginManager) -> Iterator[None]:
    """Import llm_fakes' modules with Python's own loader, not pytest's assertion rewriter.

    pytest rewrites every module of a distribution that ships a plugin, and loads each rewritten
    module's cached code with ``marshal.load`` on the open file, which reads it in many small
    pieces: for these modules, 45% of what the plugin added to an empty session (measured with
    callgrind: 39 of 88 million instructions). Their ``assert`` statements are internal checks
    no test's report shows, so rewriting them bought nothing. Modules imported later (a fake, a
    cassette) still go through pytest's hook as before.
    """
    hook: object = pluginmanager.rewrite_hook
    at = next((i for i, finder in enumerate(sys.meta_path) if finder is hook), None)
    if at is None:  # --assert=plain: pytest rewrites nothing
        yield
        return
    finder = sys.meta_path.pop(at)
    try:
        yield
    finally:
        sys.meta_path.insert(at, finder)


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
