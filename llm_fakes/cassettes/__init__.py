"""Cassettes: record a real provider's session once, replay it forever, at the provider level.

The public names are :class:`~llm_fakes.cassettes.provider.CassetteProvider` and
:class:`~llm_fakes.cassettes.provider.RecordMode` (both also importable from ``llm_fakes``),
:func:`~llm_fakes.cassettes.matching.regex_normalizer`, and
:func:`~llm_fakes.cassettes.importer.import_cassettes` (vcrpy cassettes in) and
:class:`~llm_fakes.cassettes.server.CassetteServer` (a cassette served over HTTP), both imported
on first use. Importing this package is cheap; YAML, pydantic and filelock are imported when a cassette
is first loaded or saved.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llm_fakes.cassettes.importer import ImportReport, import_cassettes
    from llm_fakes.cassettes.matching import DEFAULT_MATCH_ON, regex_normalizer
    from llm_fakes.cassettes.provider import CassetteProvider, RecordMode
    from llm_fakes.cassettes.server import CassetteServer

# Imported when first asked for: the pytest plugin imports this package in every session.
_LAZY = {
    "DEFAULT_MATCH_ON": "llm_fakes.cassettes.matching",
    "regex_normalizer": "llm_fakes.cassettes.matching",
    "CassetteProvider": "llm_fakes.cassettes.provider",
    "RecordMode": "llm_fakes.cassettes.provider",
    "ImportReport": "llm_fakes.cassettes.importer",
    "import_cassettes": "llm_fakes.cassettes.importer",
    "CassetteServer": "llm_fakes.cassettes.server",
}

__all__ = [
    "DEFAULT_MATCH_ON",
    "CassetteProvider",
    "CassetteServer",
    "ImportReport",
    "RecordMode",
    "import_cassettes",
    "regex_normalizer",
]


def __getattr__(name: str) -> Any:
    """Each public name, imported when first asked for (a replaying test never needs the
    importer or the server; a session that uses no cassette needs none of them)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
