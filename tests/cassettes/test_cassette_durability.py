"""Durability: a save killed half-way leaves the old cassette whole; concurrent savers merge."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cassette_support import Recorder, ask

from llm_fakes import CassetteProvider, CassetteWriteError
from llm_fakes.cassettes import storage

HERE = Path(__file__).parent

# A child that re-records a big cassette ("all") and reports when it is half-way through the
# write, then hangs there until it is killed.
CHILD = """
import sys, time
sys.path.insert(0, {here!r})
from cassette_support import Recorder, ask
from llm_fakes import CassetteProvider, LLMResponse
from llm_fakes.cassettes import storage

real_fdopen = storage.os.fdopen

class HalfThenHang:
    def __init__(self, f):
        self.f = f
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.f.__exit__(*exc)
    def write(self, text):
        self.f.write(text[: len(text) // 2])
        self.f.flush()
        print("HALF", flush=True)
        time.sleep(60)
    def __getattr__(self, name):
        return getattr(self.f, name)

if {hang!r}:
    storage.os.fdopen = lambda *a, **k: HalfThenHang(real_fdopen(*a, **k))
long = "word " * 200
real = Recorder(lambda r: LLMResponse(content=long + r["messages"][0]["content"], model="m"))
while True:
    with CassetteProvider({path!r}, inner=real, mode="all") as llm:
        for i in range(300):
            llm.complete(ask(f"new {{i}}"))
    print("SAVED", flush=True)
"""


def old_cassette(path: Path) -> dict:
    with CassetteProvider(path, inner=Recorder(), mode="once") as llm:
        for q in ("a", "b", "c"):
            llm.complete(ask(q))
    return storage.load(path)


def spawn(path: Path, hang: bool) -> subprocess.Popen[str]:
    code = CHILD.format(here=str(HERE), path=str(path), hang=hang)
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=path.parent
    )


def test_a_process_killed_in_the_middle_of_writing_leaves_the_old_cassette(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    before = old_cassette(path)
    with spawn(path, hang=True) as child:
        assert child.stdout is not None and child.stdout.readline() == "HALF\n"
        partial = list(tmp_path.glob(".c.yaml.*.tmp"))
        assert len(partial) == 1 and partial[0].stat().st_size > 10_000
        os.kill(child.pid, signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL
    assert storage.load(path) == before
    # The next save clears what the killed one left behind.
    with CassetteProvider(path, inner=Recorder(), mode="new_episodes") as llm:
        llm.complete(ask("d"))
    assert list(tmp_path.glob(".c.yaml.*.tmp")) == []
    assert len(storage.load(path)["interactions"]) == 4


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1])
def test_a_process_killed_at_any_moment_of_its_saves_leaves_a_valid_cassette(
    tmp_path: Path, delay: float
) -> None:
    path = tmp_path / "c.yaml"
    old_cassette(path)
    with spawn(path, hang=False) as child:  # it re-records and saves in a loop
        assert child.stdout is not None and child.stdout.readline() == "SAVED\n"
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
    doc = storage.load(path)  # raises if the file were torn
    assert len(doc["interactions"]) == 300


CONCURRENT = """
import sys, time, pathlib
sys.path.insert(0, {here!r})
from cassette_support import Recorder, ask
from llm_fakes import CassetteProvider

me, other = sys.argv[1], sys.argv[2]
with CassetteProvider({path!r}, inner=Recorder(), mode="new_episodes") as llm:
    for i in range(100):
        llm.complete(ask(f"{{me}} {{i}}"))
    pathlib.Path(me).touch()
    while not pathlib.Path(other).exists():  # both save at the same moment
        time.sleep(0.005)
"""


def test_two_processes_recording_into_one_cassette_both_end_up_in_it(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    old_cassette(path)
    code = CONCURRENT.format(here=str(HERE), path=str(path))
    children = [
        subprocess.Popen([sys.executable, "-c", code, me, other], cwd=tmp_path)
        for me, other in (("A", "B"), ("B", "A"))
    ]
    assert [c.wait(timeout=60) for c in children] == [0, 0]
    doc = storage.load(path)
    asked = sorted(i["request"]["messages"][0]["content"] for i in doc["interactions"])
    assert asked == sorted(["a", "b", "c", *(f"{w} {i}" for w in "AB" for i in range(100))])


def test_an_unwritable_cassette_is_a_write_error_and_the_recording_is_reported(
    tmp_path: Path,
) -> None:
    (tmp_path / "file").write_text("not a folder")
    path = tmp_path / "file" / "c.yaml"
    llm = CassetteProvider(path, inner=Recorder(), mode="once")
    llm.complete(ask("q"))
    with pytest.raises(CassetteWriteError) as info:
        llm.save()
    assert str(info.value) == (
        f"Could not save cassette {path}: File exists (FileExistsError: {tmp_path / 'file'}). "
        "The previous cassette is intact; check that the folder exists and is writable."
    )


def test_a_failed_save_keeps_the_recording_for_the_next_save(tmp_path: Path) -> None:
    blocker = tmp_path / "cassettes"
    blocker.write_text("a file where the folder should be")
    path = blocker / "c.yaml"
    llm = CassetteProvider(path, inner=Recorder(), mode="once")
    llm.complete(ask("q"))
    with pytest.raises(CassetteWriteError):
        llm.save()
    assert llm.recorded == 1
    blocker.unlink()
    llm.save()
    assert llm.recorded == 0
    assert [i["request"]["messages"][0]["content"] for i in storage.load(path)["interactions"]] == [
        "q"
    ]
