"""A cassette that cannot be written: a clear ``CassetteWriteError``, the old file intact, no
partial file left behind, and the recording kept for the next save.

The faults are injected where the OS reports them (the tests run as root, for whom a read-only
folder is writable, so permissions are simulated by monkeypatching the calls that would fail):
no space left while writing (``ENOSPC``, after half the text went out), a failed ``fsync``
(``EIO``), a read-only folder (``EACCES`` creating the temporary file, ``EROFS`` on rename), a
folder that cannot be created.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hardening_support import tally

from llm_fakes import CassetteProvider, CassetteWriteError, ScriptedProvider
from llm_fakes.cassettes import storage
from llm_fakes.errors import CassetteFormatError

ASK = [{"role": "user", "content": "What is 2+2?"}]


def _oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


class _HalfThenFail:
    """A file whose ``write`` writes half the text, then fails as a full disk does."""

    def __init__(self, f: Any, code: int) -> None:
        self.f, self.code = f, code

    def __enter__(self) -> _HalfThenFail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()

    def write(self, text: str) -> int:
        self.f.write(text[: len(text) // 2])
        self.f.flush()
        raise _oserror(self.code)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.f, name)


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fdopen
    monkeypatch.setattr(
        storage.os, "fdopen", lambda *a, **k: _HalfThenFail(real(*a, **k), errno.ENOSPC)
    )


def _fsync_eio(monkeypatch: pytest.MonkeyPatch) -> None:
    def fsync(fd: int) -> None:
        raise _oserror(errno.EIO)

    monkeypatch.setattr(storage.os, "fsync", fsync)


def _read_only_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    def mkstemp(*a: Any, **k: Any) -> Any:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(storage.tempfile, "mkstemp", mkstemp)


def _read_only_filesystem(monkeypatch: pytest.MonkeyPatch) -> None:
    def replace(src: Any, dst: Any) -> None:
        raise _oserror(errno.EROFS)

    monkeypatch.setattr(storage.os, "replace", replace)


# The OS words each errno (os.strerror): the message must carry those words, whatever they are.
FAULTS: dict[str, tuple[Callable[[pytest.MonkeyPatch], None], str]] = {
    "disk full mid-write": (_full_disk, os.strerror(errno.ENOSPC)),
    "fsync fails": (_fsync_eio, os.strerror(errno.EIO)),
    "read-only folder": (_read_only_folder, os.strerror(errno.EACCES)),
    "read-only file system at rename": (_read_only_filesystem, os.strerror(errno.EROFS)),
}


def _old_cassette(path: Path) -> bytes:
    with CassetteProvider(path, inner=ScriptedProvider(["4"]), mode="once") as cassette:
        cassette.complete(ASK)
    return path.read_bytes()


def _record_one(path: Path) -> CassetteProvider:
    cassette = CassetteProvider(path, inner=ScriptedProvider(["5"]), mode="new_episodes")
    cassette.complete([{"role": "user", "content": "What is 2+3?"}])
    return cassette


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failed_save_is_a_write_error_and_leaves_the_old_cassette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    path = tmp_path / "c.yaml"
    old = _old_cassette(path)
    cassette = _record_one(path)
    inject, strerror = FAULTS[fault]
    with monkeypatch.context() as patch:
        inject(patch)
        with pytest.raises(CassetteWriteError) as info:
            cassette.save()
    assert str(info.value).startswith(f"Could not save cassette {path}: {strerror} (")
    assert str(info.value).endswith(
        "The previous cassette is intact; check that the folder exists and is writable."
    )
    assert path.read_bytes() == old  # the old cassette, byte for byte
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]  # no partial file
    tally("disk faults", "CassetteWriteError, old cassette intact, no partial file")


def test_a_folder_that_cannot_be_created_is_a_write_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "new" / "c.yaml"
    cassette = CassetteProvider(path, inner=ScriptedProvider(["4"]), mode="once")
    cassette.complete(ASK)

    def mkdir(*a: Any, **k: Any) -> None:
        raise _oserror(errno.EROFS)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(CassetteWriteError, match=re.escape(os.strerror(errno.EROFS))):
        cassette.save()
    monkeypatch.undo()
    assert not path.parent.exists()
    tally("disk faults", "CassetteWriteError, old cassette intact, no partial file")


def test_recording_over_a_corrupt_cassette_never_overwrites_it(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    _old_cassette(path)
    corrupt = path.read_bytes().replace(b"interactions:", b"interactions: [")  # hand-broken
    path.write_bytes(corrupt)
    with pytest.raises(CassetteFormatError):
        CassetteProvider(path, inner=ScriptedProvider(["4"]), mode="new_episodes")
    assert path.read_bytes() == corrupt
    tally("disk faults", "corrupt cassette left as it was")


def test_after_a_failed_save_the_next_save_still_writes_the_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    _old_cassette(path)
    cassette = _record_one(path)
    with monkeypatch.context() as patch:
        _full_disk(patch)
        with pytest.raises(CassetteWriteError):
            cassette.save()
    cassette.save()  # the disk has room again
    asked = [i["request"]["messages"][0]["content"] for i in storage.load(path)["interactions"]]
    assert asked == ["What is 2+2?", "What is 2+3?"]
