"""``llm-fakes serve`` runs from a script file in its own process and answers real HTTP requests
(with curl when it is installed, else httpx), then stops cleanly on SIGINT or SIGTERM."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from llm_fakes.cli import main

SCRIPT = """\
turns:
  - Hello from the fake
  - {fail: rate_limit, retry_after: 7}
  - {text: "Streamed reply", reasoning: "Think."}
"""


def post(
    url: str, body: dict[str, object], headers: dict[str, str]
) -> tuple[int, dict[str, str], str]:
    """POST with curl (as a user would), or httpx when curl is missing."""
    if shutil.which("curl"):
        args = ["curl", "-s", "-i", "-N", url, "-H", "content-type: application/json"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        out = subprocess.run(
            [*args, "-d", json.dumps(body)], capture_output=True, text=True, check=True, timeout=30
        ).stdout
        head, _, text = out.replace("\r\n", "\n").partition("\n\n")
        status_line, *lines = head.split("\n")
        parsed = dict(line.lower().split(": ", 1) for line in lines)
        return int(status_line.split()[1]), parsed, text
    response = httpx.post(url, json=body, headers=headers, timeout=30)
    return response.status_code, dict(response.headers), response.text


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """A script file for the server."""
    path = tmp_path / "script.yaml"
    path.write_text(SCRIPT)
    return path


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "llm_fakes.cli", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("llm-fakes: "), first + proc.communicate(timeout=10)[1]
    return proc, first.rsplit(" at ", 1)[1].strip()


@pytest.fixture
def served(script: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A running ``llm-fakes serve --api openai`` process on a free port, and its base URL."""
    proc, url = start("--api", "openai", "--script", str(script), "--port", "0", "--check-unused")
    try:
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_serve_answers_curl_from_a_script_file_and_stops_on_sigint(
    served: tuple[subprocess.Popen[str], str], script: Path
) -> None:
    proc, url = served
    assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
    ask = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}
    status, _, body = post(f"{url}/chat/completions", ask, {"authorization": "Bearer sk-x"})
    assert status == 200
    assert json.loads(body)["choices"][0]["message"]["content"] == "Hello from the fake"
    status, headers, body = post(f"{url}/chat/completions", ask, {})
    assert (status, headers["retry-after"]) == (429, "7")
    assert json.loads(body)["error"]["code"] == "rate_limit_exceeded"
    status, headers, body = post(f"{url}/chat/completions", {**ask, "stream": True}, {})
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert body.endswith("data: [DONE]\n\n")
    assert '"reasoning_content": "Think."' in body
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.endswith("llm-fakes: stopped after 3 request(s); 0 queued turn(s) unused.\n")


def test_serve_speaks_anthropic_and_stops_on_sigterm(script: Path) -> None:
    proc, url = start("--api", "anthropic", "--script", str(script), "--port", "0")
    try:
        ask = {"model": "claude", "max_tokens": 20, "messages": [{"role": "user", "content": "Hi"}]}
        status, _, body = post(f"{url}/v1/messages", ask, {"anthropic-version": "2023-06-01"})
        assert status == 200
        assert json.loads(body)["content"] == [{"type": "text", "text": "Hello from the fake"}]
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert out.endswith("llm-fakes: stopped after 1 request(s); 2 queued turn(s) unused.\n")


def test_serve_speaks_gemini_with_the_key_in_the_query(script: Path) -> None:
    proc, url = start("--api", "gemini", "--script", str(script), "--port", "0")
    models = f"{url}/v1beta/models/gemini-2.5-flash"
    try:
        ask = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
        status, _, body = post(f"{models}:generateContent?key=AIza-secret", ask, {})
        assert status == 200
        parts = json.loads(body)["candidates"][0]["content"]["parts"]
        assert parts == [{"text": "Hello from the fake"}]
        status, _, body = post(f"{models}:generateContent", ask, {"x-goog-api-key": "AIza-x"})
        assert status == 429
        assert json.loads(body)["error"]["details"][0]["retryDelay"] == "7s"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert url.startswith("http://127.0.0.1:") and "AIza" not in out
    assert out.endswith("llm-fakes: stopped after 2 request(s); 1 queued turn(s) unused.\n")


def test_check_unused_fails_the_run_when_turns_are_left(script: Path) -> None:
    proc, _ = start("--api", "openai", "--script", str(script), "--port", "0", "--check-unused")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 1
    assert err.splitlines()[:2] == [
        "FakeOpenAI received 0 request(s), but",
        "3 scripted turn(s) were never used:",
    ]


def test_a_bad_script_file_or_a_busy_port_is_a_clear_error(
    tmp_path: Path, script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["serve", "--api", "openai", "--script", str(missing)]) == 2
    assert capsys.readouterr().err.startswith(f"llm-fakes serve: Script file {str(missing)!r}")
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["serve", "--api", "openai", "--script", str(script), "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"llm-fakes serve: cannot listen on 127.0.0.1:{port}: Address already in use. "
        "Pick another --port, or --port 0 for a free one.\n"
    )
