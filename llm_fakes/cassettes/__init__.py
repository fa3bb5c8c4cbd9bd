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

from typing import TYPE_CHECKING, Any

from llm_fakes.cassettes.matching import DEFAULT_MATCH_ON, regex_normalizer
from llm_fakes.cassettes.provider import CassetteProvider, RecordMode

if TYPE_CHECKING:
    from llm_fakes.cassettes.importer import ImportReport, import_cassettes
    from llm_fakes.cassettes.server import CassetteServer

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
    """The importer and the server, imported when first asked for (a replaying test never needs
    them)."""
    if name in ("ImportReport", "import_cassettes"):
        from llm_fakes.cassettes import importer

        return getattr(importer, name)
    if name == "CassetteServer":
        from llm_fakes.cassettes import server

        return server.CassetteServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
