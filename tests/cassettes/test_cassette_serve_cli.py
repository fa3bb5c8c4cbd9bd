"""``llm-fakes serve --cassette``: what it says, and its exit status 2, for a cassette that does
not exist, a folder without cassettes, a port in use, a broken cassette and a record mode
without an upstream; ``--strict`` exits 1 when something was never played."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from llm_fakes import CassetteProvider, ScriptedProvider
from llm_fakes.cassettes import storage
from llm_fakes.cli import main


def serve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["serve", *args, "--port", "0"])
    return status, capsys.readouterr().err


def test_a_cassette_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert serve(capsys, "--cassette", str(missing)) == (
        2,
        f"llm-fakes serve: no cassette at {storage.display(missing)}. Check the path, or record "
        "one through the server: --record-mode once --upstream <the API's root URL>.\n",
    )


def test_a_folder_without_cassettes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = serve(capsys, "--cassette", str(tmp_path))
    assert (status, err) == (
        2,
        f"llm-fakes serve: No cassettes (*.yaml, *.yml) in the folder {storage.display(tmp_path)}; "
        "point --cassette at a cassette file or a folder holding some.\n",
    )


def test_a_broken_cassette_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ninteractions: [\n")
    status, err = serve(capsys, "--cassette", str(broken))
    assert status == 2
    assert err.startswith(f"llm-fakes serve: Cassette {storage.display(broken)} is not valid YAML")


def test_recording_without_an_upstream(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = serve(capsys, "--cassette", str(tmp_path / "new.yaml"), "--record-mode", "once")
    assert status == 2
    assert "needs an upstream to record from" in err


def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "c.yaml"
    with CassetteProvider(path, inner=ScriptedProvider(["a", "b"]), mode="once") as llm:
        llm.complete([{"role": "user", "content": "first"}])
        llm.complete([{"role": "user", "content": "second"}])
    return path


def test_a_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        status = main(["serve", "--cassette", str(recorded(tmp_path)), "--port", str(port)])
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"llm-fakes serve: cannot listen on 127.0.0.1:{port}: ")
    assert err.endswith("Pick another --port, or --port 0 for a free one.\n")


def test_strict_exits_1_naming_what_was_never_played(tmp_path: Path) -> None:
    import httpx

    path = recorded(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "llm_fakes.cli", "serve", "--cassette", str(path), "--port", "0",
         "--strict"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()
    url = first.rsplit(" at ", 1)[1].strip()
    body = {"model": "m", "max_tokens": 1024, "messages": [{"role": "user", "content": "first"}]}
    assert (
        httpx.post(f"{url}/v1/chat/completions", json=body).json()["choices"][0]["message"][
            "content"
        ]
        == "a"
    )
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert out.splitlines()[-2:] == [
        "llm-fakes: stopped after 1 request(s): 0 recorded, 0 missed; 1 recorded interaction(s) "
        "never played.",
        f"Cassette {storage.display(path)} has 1 recorded interaction(s) that were never played: "
        "#1 complete(1 message, last 'second'). Remove them by re-recording with "
        "--llm-record-mode=all, or turn strict mode off (llm_fakes_strict_cassettes = off).",
    ]
