"""The ``CassetteProvider`` built-in: each example is recorded, then replayed from disk.

Every example runs twice. First the check runs against a ``CassetteProvider`` recording from the
backend's scripted fake (``mode="all"``): a recording provider must honour the contract too.
The cassette is saved, and the check runs again against a fresh ``CassetteProvider`` replaying
that file in ``none`` mode, which never calls a provider. On replay, "what reached the backend"
(requests, attempts, retry waits) is what reached it during the recording: a replay matches a
recorded request field by field, so that is the request it stands for.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_fakes.contract.factory import ProviderFactory

if TYPE_CHECKING:
    from llm_fakes.contract.backend import ConformanceBackend

__all__ = ["CassetteFactory", "make_cassette_factory"]


class CassetteFactory(ProviderFactory):
    """Records from ``backend.scripted``, then replays (see :meth:`replay`)."""

    def __init__(self, cls: Any) -> None:
        super().__init__(
            self._record,
            name="CassetteProvider",
            # A cassette passes max_retries to the recorded provider: the scripted fake's
            # documented budget and wait cap are the ones the recording shows.
            default_max_retries=2,
            max_retry_wait=60.0,
        )
        self._cls = cls
        self._dir: Path | None = None
        self._count = itertools.count()

    def _path(self) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="llm-fakes-conformance-"))
        return self._dir / f"example-{next(self._count)}.yaml"

    def _record(self, backend: ConformanceBackend) -> Any:
        path = self._path()
        backend.add_cleanup(lambda: path.unlink(missing_ok=True))
        return self._cls(path, inner=backend.scripted, mode="all")

    def replay(self, backend: ConformanceBackend, recorder: Any) -> Any:
        """Save what ``recorder`` recorded; a provider replaying it in ``none`` mode."""
        recorder.save()
        return self._cls(recorder.path, mode="none")

    def close(self) -> None:
        """Remove the folder the cassettes were written to."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def make_cassette_factory() -> CassetteFactory | None:
    """The built-in, or ``None`` when the cassettes module is not available."""
    try:
        from llm_fakes.cassettes.provider import CassetteProvider
    except ImportError:
        return None
    return CassetteFactory(CassetteProvider)
