"""Cassette file names for tests: one file per test id, never two ids sharing one, and named
paths that stay inside the cassette folder.

* A test id whose characters are all safe in a file name (letters, digits, ``_ . [ ] = , + @ -``)
  is its own file name, as it always was, so existing cassettes still match.
* An id that must be sanitised (``test_x[a/b]``, ``test_x[a b]``...) gets its unsafe characters
  replaced by ``_`` *and* a short stable hash of the whole id: ``[a/b]``, ``[a?b]`` and ``[a b]``
  map to three files, none of them ``[a_b]``'s.
* A name longer than :data:`MAX_STEM` bytes is cut and ends with the same hash (the file system
  allows 255 bytes, and the save's temporary and lock files add to the name).
* A cassette named by a marker or by ``llm_config`` must stay inside the cassette folder: an
  absolute path, or ``..`` climbing out of it, is an error unless the test opts in with
  ``allow_outside=True``.

Example:
    >>> file_stem("test_reply[gpt-4o]")
    'test_reply[gpt-4o]'
    >>> file_stem("test_reply[a/b]"), file_stem("test_reply[a b]")
    ('test_reply[a_b]-3e52dcf4', 'test_reply[a_b]-916bce5f')
    >>> len(file_stem("test_" + "x" * 300).encode())
    200
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from llm_fakes.errors import UsageError

__all__ = ["MAX_STEM", "OPT_IN", "file_stem", "legacy_stem", "named_path"]

#: Longest file name (without ``.yaml``) in bytes, hash included.
MAX_STEM = 200
#: The marker / ``llm_config["cassette"]`` keyword that lets a named path leave the folder.
OPT_IN = "allow_outside"
_UNSAFE = re.compile(r"[^\w.\[\]=,+@-]")
_HASH = 8


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH]


def file_stem(test: str) -> str:
    """The cassette file name (without ``.yaml``) for a test id (see the module docs)."""
    safe = _UNSAFE.sub("_", test)
    if safe == test and len(safe.encode()) <= MAX_STEM:
        return safe
    head = safe.encode()[: MAX_STEM - _HASH - 1].decode("utf-8", "ignore")
    return f"{head}-{_digest(test)}"


def legacy_stem(test: str) -> str:
    """The name older releases gave ``test``'s cassette (unsafe characters replaced, no hash),
    which several ids could share.

    Example:
        >>> legacy_stem("test_reply[a/b]")
        'test_reply[a_b]'
    """
    return _UNSAFE.sub("_", test)


def named_path(folder: Path, base: Path, name: str, *, allow_outside: bool, who: str) -> Path:
    """``base / name`` (``.yaml`` added when it has no YAML suffix), checked to be inside
    ``folder`` unless ``allow_outside``.

    Raises:
        UsageError: It is outside ``folder`` and the test did not opt in.

    Example:
        >>> named_path(Path("/p/cassettes"), Path("/p/cassettes/mod"), "shared",
        ...            allow_outside=False, who="test_x")
        PosixPath('/p/cassettes/mod/shared.yaml')
    """
    path = base / name
    if path.suffix not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    if allow_outside:
        return path
    root = Path(os.path.normpath(folder))
    where = Path(os.path.normpath(path))
    if where != root and root in where.parents:
        return path
    raise UsageError(
        f"The cassette name {name!r} of {who} points outside the cassette folder "
        f"{str(root)!r} (to {str(where)!r}). Give a name inside the folder, or opt in with "
        f"{OPT_IN}=True in @pytest.mark.llm_cassette(...) (or in llm_config['cassette']) to "
        "read and write a cassette there on purpose."
    )
