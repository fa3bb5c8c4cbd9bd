"""Cassette files: re-recording a corrupt cassette replaces it, a symlinked cassette stays a
symlink, and the save lock lives beside the cassette, is gone afterwards, keeps saves exclusive
and never outlives the process that held it."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from llm_fakes import CassetteProvider, ScriptedProvider
from llm_fakes.cassettes import storage
from llm_fakes.errors import CassetteFormatError

ASK = [{"role": "user", "content": "Hi"}]


def _record(path: Path, reply: str, mode: str = "all") -> None:
    with CassetteProvider(path, inner=ScriptedProvider([reply]), mode=mode) as llm:
        llm.complete(ASK)


def test_re_recording_a_corrupt_cassette_with_mode_all_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    _record(path, "old")
    path.write_bytes(path.read_bytes().replace(b"interactions:", b"interactions: ["))
    with pytest.raises(CassetteFormatError) as exc:
        CassetteProvider(path)
    assert "--llm-record-mode=all" in str(exc.value)  # the advice, which must work:
    _record(path, "new", mode="all")
    assert CassetteProvider(path).complete(ASK).content == "new"


def test_a_symlinked_cassette_stays_a_symlink_to_the_updated_file(tmp_path: Path) -> None:
    target = tmp_path / "store" / "real.yaml"
    target.parent.mkdir()
    _record(target, "old")
    link = tmp_path / "cassettes" / "c.yaml"
    link.parent.mkdir()
    link.symlink_to(target)
    _record(link, "new", mode="all")
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert CassetteProvider(target).complete(ASK).content == "new"
    with CassetteProvider(link, inner=ScriptedProvider(["more"]), mode="new_episodes") as llm:
        llm.complete([{"role": "user", "content": "More?"}])
    assert link.is_symlink() and len(storage.load(target)["interactions"]) == 2
    assert sorted(p.name for p in target.parent.iterdir()) == ["real.yaml"]


def test_the_lock_is_beside_the_cassette_and_gone_after_the_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The system's temporary folder, as every user of the machine shares it: left untouched.
    shared = tmp_path / "system-tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    folder = tmp_path / "cassettes"
    path = folder / "c.yaml"
    _record(path, "4")
    assert storage.lock_path(path) == folder / ".c.yaml.lock"
    assert sorted(p.name for p in folder.iterdir()) == ["c.yaml"]
    assert list(shared.iterdir()) == []


def test_a_save_waits_for_the_lock_and_removing_it_keeps_saves_exclusive(
    tmp_path: Path,
) -> None:
    from llm_fakes.cassettes._lock import locked

    path = tmp_path / "c.yaml"
    _record(path, "first", mode="once")
    inside = 0
    overlaps = []

    def one(n: int) -> None:
        nonlocal inside
        with locked(path, timeout=30):
            inside += 1
            overlaps.append(inside)
            time.sleep(0.002)
            inside -= 1
        cassette = CassetteProvider(path, inner=ScriptedProvider([f"r{n}"]), mode="new_episodes")
        cassette.complete([{"role": "user", "content": f"q{n}"}])
        cassette.save()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(overlaps) == 1  # never two holders, though each removed the file on release
    assert len(storage.load(path)["interactions"]) == 13  # every save kept the others'
    assert not storage.lock_path(path).exists()


def test_a_lock_left_by_a_killed_process_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from llm_fakes.cassettes._lock import locked\n"
        "with locked(Path(sys.argv[1]), timeout=5):\n"
        "    os._exit(0)  # gone while holding it: the file stays, the OS drops the lock\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    assert storage.lock_path(path).exists()
    start = time.monotonic()
    _record(path, "after")
    assert time.monotonic() - start < 5
    assert not storage.lock_path(path).exists()
    assert CassetteProvider(path).complete(ASK).content == "after"
