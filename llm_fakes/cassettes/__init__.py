"""Cassettes: record a real provider's session once, replay it forever, at the provider level.

The public names are :class:`~llm_fakes.cassettes.provider.CassetteProvider` and
:class:`~llm_fakes.cassettes.provider.RecordMode` (both also importable from ``llm_fakes``),
:func:`~llm_fakes.cassettes.matching.regex_normalizer`, and
:func:`~llm_fakes.cassettes.importer.import_cassettes` (vcrpy cassettes in, imported on first
use). Importing this package is cheap; YAML, pydantic and filelock are imported when a cassette
is first loaded or saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm_fakes.cassettes.matching import DEFAULT_MATCH_ON, regex_normalizer
from llm_fakes.cassettes.provider import CassetteProvider, RecordMode

if TYPE_CHECKING:
    from llm_fakes.cassettes.importer import ImportReport, import_cassettes

__all__ = [
    "DEFAULT_MATCH_ON",
    "CassetteProvider",
    "ImportReport",
    "RecordMode",
    "import_cassettes",
    "regex_normalizer",
]


def __getattr__(name: str) -> Any:
    """The importer, imported when first asked for (a replaying test never needs it)."""
    if name in ("ImportReport", "import_cassettes"):
        from llm_fakes.cassettes import importer

        return getattr(importer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
