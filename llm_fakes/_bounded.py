"""Bounded input: what the kit reads (cassettes, script files, vcrpy cassettes to import) is a
regular file of bounded size, and its YAML cannot expand beyond a small budget.

* Only regular files are read: a FIFO (whose ``open`` would block forever), a device
  (``/dev/zero`` never ends), a folder or a socket is refused with an error naming it. The type is
  checked with ``os.stat`` before opening, and again on the opened file (opened non-blocking).
* A size cap, :data:`DEFAULT_MAX_MB` megabytes unless the environment variable
  ``LLM_FAKES_MAX_FILE_MB`` says otherwise; no more than the cap is ever read.
* YAML aliases (``*name``, repeating an ``&name`` anchor) may add at most :data:`ALIAS_BUDGET`
  values to a document; a "billion laughs" alias bomb (a 924-byte file that expands to a billion
  values) is refused after reading its first few events, before anything is built.

Pure standard library (PyYAML is imported only to scan a text that holds both ``&`` and ``*``).

Example:
    >>> alias_error("a: &x [1, 2]\\nb: *x\\n") is None
    True
    >>> bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\\n' + "".join(
    ...     f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\\n" for p, n in zip("abcdefgh", "bcdefghi"))
    >>> alias_error(bomb)
    'YAML aliases that expand to more than 100000 values (an alias bomb?)'
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

__all__ = [
    "ALIAS_BUDGET",
    "DEFAULT_MAX_MB",
    "MAX_MB_ENV",
    "InputError",
    "alias_error",
    "check_size",
    "file_kind",
    "max_bytes",
    "read_bytes",
    "read_text",
    "refuse_aliases",
]

#: Values YAML aliases may add to one document, in all.
ALIAS_BUDGET = 100_000
#: The size cap in megabytes, unless ``LLM_FAKES_MAX_FILE_MB`` gives another.
DEFAULT_MAX_MB = 100
MAX_MB_ENV = "LLM_FAKES_MAX_FILE_MB"


class InputError(ValueError):
    """A file the kit will not read: ``reason`` completes "<the file> ..." (it is a FIFO, it
    is too big...) and says what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def max_bytes() -> int:
    """The size cap in bytes (``LLM_FAKES_MAX_FILE_MB``, else :data:`DEFAULT_MAX_MB` MB).

    Raises:
        InputError: The variable is not a positive number.

    Example:
        >>> max_bytes() == DEFAULT_MAX_MB * 1024 * 1024 or MAX_MB_ENV in os.environ
        True
    """
    raw = os.environ.get(MAX_MB_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not 0 < mb < float("inf"):
        raise InputError(
            f"cannot be read: {MAX_MB_ENV}={raw!r} is not a positive number of megabytes "
            f"(e.g. {MAX_MB_ENV}=500)."
        )
    return int(mb * 1024 * 1024)


def _kind(mode: int) -> str | None:
    """What a file that is not a regular one is, in words (``None``: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def file_kind(path: Path) -> str:
    """What ``path`` is, in words ("a regular file", "a FIFO (named pipe)", "a folder"...).

    Example:
        >>> file_kind(Path("/"))
        'a folder'
    """
    return _kind(os.stat(path).st_mode) or "a regular file"


def _refuse(kind: str) -> InputError:
    return InputError(
        f"is {kind}, not a regular file; only regular files are read (a symlink is followed to "
        "its target). Give the path of a file."
    )


def read_text(path: Path) -> str:
    """The UTF-8 text of a regular file within the size cap.

    Raises:
        InputError: It is not a regular file, or it is bigger than the cap.
        FileNotFoundError: There is no such file.
        UnicodeDecodeError: It is not UTF-8.
    """
    return read_bytes(path).decode("utf-8")


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file within the size cap (see :func:`read_text`)."""
    st = os.stat(path)  # follows a symlink: its target is what is judged
    kind = _kind(st.st_mode)
    if kind is not None:
        raise _refuse(kind)
    limit = max_bytes()
    if st.st_size > limit:
        raise _too_big(st.st_size, limit)
    # Non-blocking: should the file be swapped for a FIFO meanwhile, open still returns.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        kind = _kind(os.fstat(f.fileno()).st_mode)
        if kind is not None:
            raise _refuse(kind)
        data = f.read(limit + 1)
    check_size(len(data))
    return data


def check_size(size: int) -> None:
    """Raise :class:`InputError` if ``size`` bytes (of a file, or of what it decompresses to)
    are over the cap."""
    limit = max_bytes()
    if size > limit:
        raise _too_big(size, limit)


def _too_big(size: int, limit: int) -> InputError:
    mb = 1024 * 1024
    return InputError(
        f"is {size / mb:.1f} MB, over the {limit / mb:g} MB limit on files the kit reads. "
        f"Set {MAX_MB_ENV} to a bigger number of megabytes to read it "
        f"(e.g. {MAX_MB_ENV}={max(2 * limit // mb, size // mb + 1)})."
    )


def refuse_aliases(text: str, loader: Any = None) -> None:
    """Raise :class:`InputError` when :func:`alias_error` finds a reason.

    Example:
        >>> refuse_aliases("a: &x [1]\\nb: *x\\n")
    """
    why = alias_error(text, loader)
    if why is not None:
        raise InputError(
            f"holds {why}: aliases may add at most {ALIAS_BUDGET} values. Write the values out "
            "in full instead of repeating them with aliases."
        )


def alias_error(text: str, loader: Any = None) -> str | None:
    """Why ``text``'s YAML aliases are refused (they expand beyond :data:`ALIAS_BUDGET`
    values), or ``None``. Only a text holding both ``&`` and ``*`` is scanned (by events, with
    ``loader``'s parser; nothing is built); a text that is not YAML passes, for the loader to
    report.
    """
    if "&" not in text or "*" not in text:
        return None
    import yaml

    if loader is None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sizes: dict[str, int] = {}  # anchor -> values it expands to
    stack: list[list[Any]] = [[0, None]]  # per open collection: [values so far, its anchor]
    added = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            # By name: the C parser's event classes are those of the first ``yaml`` import.
            kind = type(event).__name__
            anchor_name: str | None = getattr(event, "anchor", None)
            if kind == "AliasEvent":
                n = sizes.get(anchor_name or "", 1)
                stack[-1][0] += n
                added += n
                if added > ALIAS_BUDGET:
                    return (
                        f"YAML aliases that expand to more than {ALIAS_BUDGET} values "
                        "(an alias bomb?)"
                    )
            elif kind == "ScalarEvent":
                stack[-1][0] += 1
                if anchor_name:
                    sizes[anchor_name] = 1
            elif kind in ("SequenceStartEvent", "MappingStartEvent"):
                stack.append([1, anchor_name])
            elif kind in ("SequenceEndEvent", "MappingEndEvent") and len(stack) > 1:
                n, anchor = stack.pop()
                if anchor:
                    sizes[anchor] = n
                stack[-1][0] += n
            elif kind == "DocumentEndEvent":
                stack = [[0, None]]
    except Exception:  # not YAML (any class of YAMLError): the loader says where
        return None
    return None
