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
