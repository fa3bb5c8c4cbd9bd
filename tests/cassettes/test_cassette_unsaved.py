"""A recording that is never saved is not lost without a word: when the process ends, stderr
names the cassette and the fix, whether its provider is still there or went long before. One
saved (``with``, ``save()``) says nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import gc, sys
from llm_fakes import CassetteProvider, ScriptedProvider

path = sys.argv[1]
llm = CassetteProvider(path, inner=ScriptedProvider(["hi"]), mode="once")
{body}
print("END", flush=True)
"""

BODIES = {
    "dropped": "llm.complete([{'role': 'user', 'content': 'x'}])\ndel llm\ngc.collect()",
    "left at exit": "llm.complete([{'role': 'user', 'content': 'x'}])",
    "saved": "llm.complete([{'role': 'user', 'content': 'x'}])\nllm.save()\ndel llm",
    "with": (
        "with llm:\n    llm.complete([{'role': 'user', 'content': 'x'}])\ndel llm\ngc.collect()"
    ),
    "nothing recorded": "del llm\ngc.collect()",
}


def run(body: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.format(body=body), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.mark.parametrize("case", ["dropped", "left at exit"])
def test_an_unsaved_recording_is_reported_with_the_cassette_and_the_fix(
    tmp_path: Path, case: str
) -> None:
    done = run(BODIES[case], tmp_path / "c.yaml")
    assert "recorded 1 interaction(s) that were never saved" in done.stderr
    assert "c.yaml" in done.stderr and "llm.save()" in done.stderr
    assert not (tmp_path / "c.yaml").exists()


def test_it_is_reported_at_exit_not_in_the_middle_of_other_output(tmp_path: Path) -> None:
    # When the provider went, something else was running (another test, under pytest): its
    # output is not the place. The report comes once the process ends.
    body = BODIES["dropped"] + "\nsys.stderr.write('AFTER\\n')"
    done = run(body, tmp_path / "c.yaml")
    assert done.stderr.index("AFTER") < done.stderr.index("never saved")
    assert done.stderr.count("never saved") == 1


def test_a_recording_saved_then_resumed_and_left_is_reported_once(tmp_path: Path) -> None:
    body = (
        "llm.complete([{'role': 'user', 'content': 'x'}])\nllm.save()\n"
        "llm2 = CassetteProvider(path + '2', inner=ScriptedProvider(['a', 'b']), mode='once')\n"
        "llm2.complete([{'role': 'user', 'content': 'y'}])\nllm2.save()\n"
        "llm2.complete([{'role': 'user', 'content': 'z'}])"
    )
    done = run(body, tmp_path / "c.yaml")
    assert done.stderr.count("never saved") == 1
    assert "c.yaml2" in done.stderr and "recorded 1 interaction(s)" in done.stderr


@pytest.mark.parametrize("case", ["saved", "with", "nothing recorded"])
def test_a_saved_or_empty_recording_says_nothing(tmp_path: Path, case: str) -> None:
    done = run(BODIES[case], tmp_path / "c.yaml")
    assert done.stderr == ""
    assert (tmp_path / "c.yaml").exists() == (case != "nothing recorded")
