"""Importing llm_fakes (paid by every downstream pytest session) stays cheap."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["vcr", "hypothesis", "syrupy", "httpx", "yaml", "pydantic", "jsonschema", "asyncio"]


def test_importing_the_package_and_plugin_pulls_in_no_heavy_dependency() -> None:
    code = (
        "import sys, json, importlib; import llm_fakes, llm_fakes.pytest_plugin; "
        # pytest imports the plugin's own plugin modules in every session too.
        "[importlib.import_module(m) for m in llm_fakes.pytest_plugin.pytest_plugins]; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_the_plugin_loads_no_api_of_the_wire_registry() -> None:
    # The registry's entries import every API's parsers: they load when a fake, provider or
    # cassette import first needs them, never with the plugin.
    code = (
        "import sys, json, importlib; import llm_fakes, llm_fakes.pytest_plugin; "
        "[importlib.import_module(m) for m in llm_fakes.pytest_plugin.pytest_plugins]; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('llm_fakes.wire'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []
