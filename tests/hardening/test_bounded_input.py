"""Bounded input: a YAML alias bomb, a FIFO, a device, a folder and an oversized file are each
refused at once with the kit's typed error naming the file, by every reader (cassettes, ``cassette
verify``, script files, ``llm-fakes serve``, ``cassette import``); aliases within the budget still
load; the size cap can be raised.

The alias bombs and special files run in a child process limited to 1 GB of memory and a time,
so a reader that expands a bomb or reads /dev/zero whole fails the test instead of the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hardening_support import no_hang, tally

from llm_fakes import CassetteProvider, ScriptedProvider, _yaml
from llm_fakes.cassettes import storage
from llm_fakes.cassettes.format import new_document
from llm_fakes.cli import main
from llm_fakes.errors import CassetteFormatError, ScriptError

CATEGORY = "bounded input"
ASK = [{"role": "user", "content": "Hi"}]


def anchors(indent: str) -> str:
    """Nine levels of nine aliases under ``indent``: 387 million values if anything expands it."""
    lines = [f"{indent}a0: &a0 lol"]
    for i in range(1, 10):
        lines.append(f"{indent}a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def bomb_cassette(path: Path) -> Path:
    """A valid cassette whose one response's raw payload is an alias bomb."""
    doc = new_document(provider="p", model="m", recorded_at="2026-01-01T00:00:00Z")
    doc["interactions"] = [
        {
            "call": "complete",
            "request": {"messages": ASK},
            "response": {"content": "hello", "model": "m", "raw_response": {"x": 1}},
        }
    ]
    text = _yaml.dumps(doc)
    raw = "    raw_response:\n      x: 1\n"
    assert raw in text
    path.write_text(text.replace(raw, "    raw_response:\n" + anchors("      ")))
    return path


BOMB_SCRIPT = "turns:\n- text: hi\n  tool_calls:\n  - name: f\n    input:\n" + anchors("      ")


def run_child(code: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter limited to 1 GB (a bomb that expands fails) and
    ``timeout`` seconds."""
    limit = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        if sys.platform.startswith("linux")
        else ""
    )
    return subprocess.run(
        [sys.executable, "-c", limit + code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_bomb_is_under_a_kilobyte() -> None:
    assert len(BOMB_SCRIPT) < 1024 and len(anchors("      ")) < 1024


def test_an_alias_bomb_cassette_fails_fast_when_loaded(tmp_path: Path) -> None:
    bomb_cassette(tmp_path / "bomb.yaml")
    code = (
        "import time\n"
        "from llm_fakes import CassetteProvider\n"
        "from llm_fakes.errors import CassetteFormatError\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    llm = CassetteProvider('bomb.yaml')\n"
        "    llm.complete([{'role': 'user', 'content': 'Hi'}])\n"
        "except CassetteFormatError as exc:\n"
        "    print('refused', round(time.monotonic() - start, 2), exc)\n"
    )
    child = run_child(code, tmp_path)
    assert child.stdout.startswith("refused"), (child.returncode, child.stderr[-500:])
    seconds = float(child.stdout.split()[1])
    assert seconds < 1.0
    assert "bomb.yaml" in child.stdout and "aliases" in child.stdout
    assert "LLM_FAKES" not in child.stdout  # not a size problem
    tally(CATEGORY, "alias bomb refused")


def test_cassette_verify_reports_the_alias_bomb(tmp_path: Path) -> None:
    bomb_cassette(tmp_path / "bomb.yaml")
    code = (
        "import sys\n"
        "from llm_fakes.cli import main\n"
        "sys.exit(main(['cassette', 'verify', 'bomb.yaml']))\n"
    )
    child = run_child(code, tmp_path)
    assert child.returncode == 1, (child.returncode, child.stderr[-500:])
    assert "FAIL  bomb.yaml" in child.stdout and "aliases" in child.stdout
    tally(CATEGORY, "alias bomb refused")


def test_an_alias_bomb_script_fails_fast_in_the_provider_and_in_serve(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(BOMB_SCRIPT)
    code = (
        "import sys\n"
        "from llm_fakes import ScriptedProvider\n"
        "from llm_fakes.errors import ScriptError\n"
        "from llm_fakes.cli import main\n"
        "try:\n"
        "    ScriptedProvider.from_file('bomb.yaml').complete([{'role': 'user', 'content': 'x'}])\n"
        "except ScriptError as exc:\n"
        "    print('refused', exc)\n"
        "print('serve exit', main(['serve', '--api', 'openai', '--script', 'bomb.yaml',"
        " '--port', '0']))\n"
    )
    child = run_child(code, tmp_path)
    assert child.stdout.startswith("refused"), (child.returncode, child.stderr[-500:])
    assert "bomb.yaml" in child.stdout and "aliases" in child.stdout
    assert "serve exit 2" in child.stdout
    assert "aliases" in child.stderr  # serve's own message, before listening
    tally(CATEGORY, "alias bomb refused")
    tally(CATEGORY, "alias bomb refused")


def test_an_alias_bomb_vcrpy_cassette_is_left_out_of_an_import(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text("interactions: []\nextra:\n" + anchors("  "))
    code = (
        "import sys\n"
        "from llm_fakes.cli import main\n"
        "sys.exit(main(['cassette', 'import', 'bomb.yaml', '--out', 'out']))\n"
    )
    child = run_child(code, tmp_path)
    assert child.returncode == 1, (child.returncode, child.stderr[-500:])
    assert "bomb.yaml" in child.stdout and "aliases" in child.stdout
    tally(CATEGORY, "alias bomb refused")


def test_aliases_within_the_budget_still_load(tmp_path: Path) -> None:
    path = bomb_cassette(tmp_path / "small.yaml")
    # Two levels of three: 13 values in all.
    text = path.read_text()
    start = text.index("      a0:")
    end = text.index("  - call") if "  - call" in text[start:] else len(text)
    small = "      a0: &a0 lol\n      a1: &a1 [*a0, *a0, *a0]\n      a2: [*a1, *a1, *a1]\n"
    path.write_text(text[:start] + small + text[end:])
    assert CassetteProvider(path).complete(ASK).raw_response == {
        "a0": "lol",
        "a1": ["lol"] * 3,
        "a2": [["lol"] * 3] * 3,
    }
    tally(CATEGORY, "aliases within the budget loaded")


def _special_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    device = tmp_path / "zero.yaml"
    device.symlink_to("/dev/zero")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    return {"FIFO": fifo, "device": device, "folder": folder}


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


@needs_fifo
@pytest.mark.parametrize("kind", ["FIFO", "device", "folder"])
def test_a_special_file_is_refused_at_once_naming_what_it_is(tmp_path: Path, kind: str) -> None:
    # In a child process: reading /dev/zero whole would fill the memory, a FIFO blocks forever.
    path = _special_files(tmp_path)[kind]
    code = (
        "import time\n"
        "from llm_fakes import CassetteProvider, ScriptedProvider\n"
        "from llm_fakes.errors import CassetteFormatError, ScriptError\n"
        "start = time.monotonic()\n"
        f"for load in (CassetteProvider, ScriptedProvider.from_file):\n"
        "    try:\n"
        f"        load({path.name!r})\n"
        "    except (CassetteFormatError, ScriptError) as exc:\n"
        "        print(type(exc).__name__, exc)\n"
        "print('seconds', time.monotonic() - start)\n"
    )
    try:
        child = run_child(code, tmp_path, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading a {kind} did not end within 15 s")
    lines = child.stdout.splitlines()
    assert len(lines) == 3, (child.returncode, child.stderr[-500:])
    assert lines[0].startswith("CassetteFormatError") and lines[1].startswith("ScriptError")
    for message in lines[:2]:
        assert path.name in message
        assert kind in message and "not a regular file" in message
    assert float(lines[2].split()[1]) < 2
    tally(CATEGORY, f"{kind} refused")


@needs_fifo
def test_cassette_verify_and_import_name_a_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _special_files(tmp_path)["FIFO"]
    with no_hang(10, "verify and import of a FIFO"):
        assert main(["cassette", "verify", str(path)]) == 1
        verify = capsys.readouterr().out
        assert main(["cassette", "import", str(path), "--out", str(tmp_path / "out")]) == 2
        imported = capsys.readouterr().err
    assert "FIFO" in verify and "fifo.yaml" in verify
    assert "FIFO" in imported and "fifo.yaml" in imported
    tally(CATEGORY, "FIFO refused")


def _big_cassette(path: Path, megabytes: float) -> Path:
    inner = ScriptedProvider(["x" * int(megabytes * 1024 * 1024)])
    with CassetteProvider(path, inner=inner, mode="all") as llm:
        llm.complete(ASK, max_tokens=10**6)  # a budget the whole reply fits in
    return path


def test_a_file_over_the_size_cap_is_refused_and_the_cap_can_be_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_cassette(tmp_path / "big.yaml", 1.5)
    monkeypatch.setenv("LLM_FAKES_MAX_FILE_MB", "1")
    with pytest.raises(CassetteFormatError) as exc:
        CassetteProvider(path)
    assert "big.yaml" in str(exc.value) and "LLM_FAKES_MAX_FILE_MB=" in str(exc.value)
    script = tmp_path / "big.json"
    script.write_text(json.dumps(["x" * (1024 * 1024 + 1)]))
    with pytest.raises(ScriptError, match="LLM_FAKES_MAX_FILE_MB"):
        ScriptedProvider.from_file(script)
    monkeypatch.setenv("LLM_FAKES_MAX_FILE_MB", "2")
    replayed = CassetteProvider(path).complete(ASK, max_tokens=10**6)
    assert len(replayed.content) == 1024 * 1024 * 3 // 2
    monkeypatch.setenv("LLM_FAKES_MAX_FILE_MB", "lots")
    with pytest.raises(CassetteFormatError, match="not a positive number"):
        storage.load(path)
    tally(CATEGORY, "over the size cap refused")
