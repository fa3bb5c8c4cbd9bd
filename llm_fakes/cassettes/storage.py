"""Reading and writing cassette files: validated loads, atomic writes, merged concurrent saves.

* A write goes to a temporary file in the cassette's own folder, is flushed to disk, and then
  renamed over the cassette (``os.replace`` is atomic), so a process killed while saving leaves
  the previous cassette whole.
* Saves take a lock on the cassette (a ``.<name>.lock`` file beside it, removed afterwards:
  :mod:`~llm_fakes.cassettes._lock`) and re-read it under the lock: two pytest-xdist workers
  recording into one cassette both end up in it.
* A symlinked cassette stays a symlink: its target file is the one replaced.
* Re-recording (``replace``, record mode ``all``) over a corrupt cassette replaces it.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> _ = save(path, [], header={"provider": "p", "model": "m"}, replace=False)
    >>> load(path)["interactions"]
    []
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llm_fakes import _yaml
from llm_fakes.cassettes.format import new_document, validate_document
from llm_fakes.errors import CassetteFormatError, CassetteWriteError

__all__ = ["display", "load", "lock_path", "save"]

LOCK_TIMEOUT = 120.0


def display(path: Path) -> str:
    """The path as shown in messages: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def lock_path(path: Path) -> Path:
    """The lock file guarding ``path``: ``.<name>.lock`` beside it, there only while a save
    runs (:mod:`~llm_fakes.cassettes._lock`)."""
    from llm_fakes.cassettes._lock import lock_file

    return lock_file(path)


def read_text(path: Path) -> str:
    """The cassette's text: a regular file within the size cap (see :mod:`llm_fakes._bounded`).

    Raises:
        CassetteFormatError: Not UTF-8, not a regular file (a FIFO, a device, a folder), or
            over the size cap.
        FileNotFoundError: There is no such file.
    """
    from llm_fakes._bounded import InputError
    from llm_fakes._bounded import read_text as read_bounded

    try:
        return read_bounded(path)
    except InputError as exc:
        raise CassetteFormatError(f"Cassette {display(path)} {exc.reason}") from None
    except UnicodeDecodeError as exc:
        raise CassetteFormatError(
            f"Cassette {display(path)} is not UTF-8 text ({exc.reason} at byte {exc.start}). "
            "Re-record it with --llm-record-mode=all."
        ) from None


def parse(text: str, path: Path) -> dict[str, Any]:
    """Parse and validate a cassette's text."""
    import yaml

    from llm_fakes._bounded import InputError

    try:
        data = _yaml.loads(text)
    except InputError as exc:
        raise CassetteFormatError(f"Cassette {display(path)} {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise CassetteFormatError(
            f"Cassette {display(path)} is not valid YAML{_yaml.error_position(exc)}. Fix it by hand, "
            "or re-record it with --llm-record-mode=all."
        ) from None
    except RecursionError:
        raise _too_deep(path) from None
    try:
        return validate_document(data, display(path))
    except RecursionError:  # a deep value the reader accepted, met while validating it
        raise _too_deep(path) from None


def _too_deep(path: Path) -> CassetteFormatError:
    return CassetteFormatError(
        f"Cassette {display(path)} is nested too deeply to read (lists or mappings hundreds of "
        "levels deep). Fix it by hand, or re-record it with "
        "--llm-record-mode=all."
    )


def load(path: Path) -> dict[str, Any]:
    """Load and validate a cassette.

    Raises:
        CassetteFormatError: The file is corrupt, hand-broken or of an unknown version.
        FileNotFoundError: There is no such file.
    """
    return parse(read_text(path), path)


def stamp(path: Path) -> tuple[int, int, int] | None:
    """What identifies this version of the file (``None`` when it does not exist)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (temporary file, fsync, rename); a symlink's
    target is replaced, so the link stays a link."""
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete what a save killed half-way left behind (under the lock no other save runs)."""
    path = Path(os.path.realpath(path))
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _current(path: Path, replace: bool) -> dict[str, Any] | None:
    """What the cassette holds now (``None``: nothing, or a corrupt one about to be replaced)."""
    if not path.exists():
        return None
    try:
        return load(path)
    except CassetteFormatError:
        if replace:  # re-recording (mode "all") is the advice for a corrupt cassette
            return None
        raise


def save(
    path: Path,
    interactions: Sequence[dict[str, Any]],
    *,
    header: dict[str, Any],
    replace: bool,
    run: str | None = None,
) -> dict[str, Any]:
    """Write ``interactions`` to the cassette under its lock; return the document written.

    The cassette is re-read under the lock, and ``interactions`` are appended to what it holds
    then. With ``replace`` (record mode ``all``) they replace it instead, unless it was
    recorded during this same test run (its header's ``run`` is ``run``): then another test or
    worker recorded it a moment ago, and both sets are kept. A save with ``run`` marks the
    cassette as recorded by that run.

    Raises:
        CassetteWriteError: The file could not be written; the previous cassette is intact.
        CassetteFormatError: The cassette on disk is corrupt and ``replace`` is false (nothing
            is written over it; with ``replace`` it is replaced).
    """
    from llm_fakes.cassettes._lock import LockTimeout, locked

    recorded_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path, LOCK_TIMEOUT):
            existing: list[dict[str, Any]] = []
            kept: dict[str, Any] = {}
            current = _current(path, replace)
            if current is not None:
                if not replace or (run is not None and current["header"].get("run") == run):
                    existing = current["interactions"]
                    if "imported_from" in current["header"]:
                        kept["imported_from"] = current["header"]["imported_from"]
            doc = new_document(
                provider=header.get("provider", ""),
                model=header.get("model", ""),
                recorded_at=recorded_at,
            )
            for key in ("model_answered", "sdk_versions"):
                if header.get(key):
                    doc["header"][key] = header[key]
            doc["header"].update(kept)
            if run is not None:
                doc["header"]["run"] = run
            doc["interactions"] = [*existing, *interactions]
            _remove_stale_temporaries(path)
            write_atomic(path, _yaml.dumps(doc))
            return doc
    except LockTimeout:
        raise CassetteWriteError(
            f"Could not save cassette {display(path)}: its lock {display(lock_path(path))} was "
            f"held for more than {LOCK_TIMEOUT:.0f} s. The previous cassette is intact; delete "
            "the lock file if no other test process is running."
        ) from None
    except OSError as exc:
        raise CassetteWriteError(
            f"Could not save cassette {display(path)}: {exc.strerror or exc} "
            f"({type(exc).__name__}{f': {exc.filename}' if exc.filename else ''}). The previous "
            "cassette is intact; check that the folder exists and is writable."
        ) from None
