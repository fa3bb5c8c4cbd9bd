"""Snapshot testing with syrupy: what the app got from the provider, as a readable text file.

The ``llm_snapshot`` fixture is syrupy's ``snapshot`` using :class:`LLMSnapshotExtension`: each
assertion writes one text file, ``__snapshots__/<test module>/<test name>.llm`` (a second
assertion in the same test gets ``<test name>.1.llm``), in the form :func:`to_text` gives.
``pytest --snapshot-update`` writes and refreshes them, and reports and removes unused ones,
exactly as syrupy does for its own formats.

Example (in a test)::

    def test_reply(llm_fake, llm_snapshot):
        llm_fake.add("Hello!")
        response = llm_fake.complete([{"role": "user", "content": "Hi"}])
        assert response == llm_snapshot
        assert llm_fake.calls == llm_snapshot

Importing this module imports syrupy; the pytest plugin does so only when the fixture is used.
"""

from __future__ import annotations

from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from llm_fakes._scrub import scrub_text
from llm_fakes.snapshot_text import to_text

__all__ = ["LLMChunksSnapshotExtension", "LLMSnapshotExtension", "to_text"]


class LLMSnapshotExtension(SingleFileSnapshotExtension):
    """A syrupy extension that stores responses, streams and call logs as ``.llm`` text files.

    Use it through the ``llm_snapshot`` fixture, or from syrupy's own fixture with
    ``snapshot.use_extension(LLMSnapshotExtension)``.

    Example:
        >>> from llm_fakes import LLMResponse
        >>> print(LLMSnapshotExtension().serialize(LLMResponse(content="hi", model="m")))
        response
          model: 'm'
          stop_reason: ''
          tokens: in=0 out=0
          content: 'hi'
        <BLANKLINE>
    """

    file_extension = "llm"
    # syrupy before 4.7 reads the private spelling; later releases read the public one.
    _file_extension = "llm"
    _write_mode = WriteMode.TEXT
    #: Show each text and reasoning delta of a stream instead of joining them.
    chunks = False

    def serialize(self, data: Any, **kwargs: Any) -> str:
        """Render ``data`` with :func:`to_text`, secrets scrubbed (token shapes and secret
        environment values, :mod:`llm_fakes._scrub`); ends with a newline, as text files should."""
        return scrub_text(to_text(data, chunks=self.chunks)) + "\n"


class LLMChunksSnapshotExtension(LLMSnapshotExtension):
    """Like :class:`LLMSnapshotExtension`, but keeps chunk boundaries: one line per delta.

    Example:
        >>> from llm_fakes import TextDeltaEvent
        >>> events = [TextDeltaEvent(content="a", snapshot="a"),
        ...           TextDeltaEvent(content="b", snapshot="ab")]
        >>> print(LLMChunksSnapshotExtension().serialize(events), end="")
        stream
          text_delta 'a'
          text_delta 'b'
    """

    chunks = True
