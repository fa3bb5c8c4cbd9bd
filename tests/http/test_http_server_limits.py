"""The fake servers' limits: no number that cannot be waited for, no rule that holds the server,
no request log that grows without end, and (over a socket) no client that can hold a thread."""

from __future__ import annotations

import contextlib
import json
import math
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from llm_fakes import Fail, FakeAnthropic, FakeOpenAI, ScriptedProvider
from llm_fakes.errors import ScriptError, UsageError
from llm_fakes.http._loopback import LoopbackServer
from llm_fakes.scripted import rules
from llm_fakes.scripted.files import load_script_file

OPENAI = "http://fake/v1/chat/completions"
SERVE = [sys.executable, "-m", "llm_fakes.cli", "serve", "--api", "openai"]


def ask(text: str) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}


BAD_SECONDS = [-1, math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("value", BAD_SECONDS)
def test_a_chunk_delay_that_cannot_be_waited_for_is_refused(value: float) -> None:
    for fake in (FakeOpenAI, FakeAnthropic):
        with pytest.raises(UsageError, match="chunk_delay must be a finite number of seconds"):
            fake(["hi"], chunk_delay=value)


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_serve_refuses_such_a_chunk_delay_before_listening(value: str, tmp_path: Path) -> None:
    script = tmp_path / "s.yaml"
    script.write_text("turns: [hi]\n")
    run = subprocess.run(
        [*SERVE, "--script", str(script), "--port", "0", "--chunk-delay", value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "is not a finite number of seconds >= 0" in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize("value", BAD_SECONDS)
def test_a_retry_after_that_cannot_be_waited_for_is_refused(value: float) -> None:
    with pytest.raises(ScriptError, match="retry_after must be a finite number of seconds >= 0"):
        Fail.rate_limit(retry_after=value)


@pytest.mark.parametrize("value", [".inf", ".nan", "-1"])
def test_a_script_file_with_such_a_retry_after_is_refused_naming_the_file(
    value: str, tmp_path: Path
) -> None:
    path = tmp_path / "script.yaml"
    path.write_text(f"turns:\n  - {{fail: rate_limit, retry_after: {value}}}\n")
    with pytest.raises(ScriptError) as err:
        load_script_file(path)
    assert "script.yaml" in str(err.value) and "retry_after" in str(err.value)


@pytest.mark.parametrize("value", BAD_SECONDS)
def test_scripted_latency_must_be_finite(value: float) -> None:
    with pytest.raises(ScriptError, match="per_call must be a finite number of seconds >= 0"):
        ScriptedProvider(["hi"], per_call=value)


CATASTROPHIC = r"(a|aa)+$"


def test_a_rule_that_backtracks_catastrophically_is_an_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "MATCH_TIMEOUT", 0.05)
    fake = ScriptedProvider(["fallback"])
    fake.on(last_user=CATASTROPHIC).reply("matched")
    start = time.monotonic()
    with pytest.raises(ScriptError) as err:
        fake.complete([{"role": "user", "content": "a" * 30 + "b"}])
    assert time.monotonic() - start < 5
    assert str(err.value).startswith(
        f"The rule on(last_user={CATASTROPHIC!r}, times=None) took over 0.05 s to search a "
        "31-character last_user text: its pattern backtracks catastrophically"
    )


def test_such_a_rule_holds_other_clients_only_for_its_time_bound() -> None:
    fake = FakeOpenAI(["plain answer"])
    fake.script.rules.append(rules.Rule(last_user=CATASTROPHIC, turn="matched"))
    answers: dict[str, Any] = {}

    def client(name: str, text: str) -> None:
        with httpx.Client(transport=fake.transport(), timeout=60) as http:
            start = time.monotonic()
            response = http.post(OPENAI, json=ask(text))
            answers[name] = (response.status_code, response.json(), time.monotonic() - start)

    threads = [
        threading.Thread(target=client, args=("slow", "a" * 60 + "b")),
        threading.Thread(target=client, args=("other", "hi")),
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads), "a client is still waiting"
    status, body, _ = answers["slow"]
    assert status == 400
    assert "backtracks catastrophically" in body["error"]["message"]
    status, body, seconds = answers["other"]
    assert status == 200 and body["choices"][0]["message"]["content"] == "plain answer"
    # The other client waits for the fake's lock while the bad rule searches: about a second of
    # matching (the regex engine checks its clock now and then), never the pattern's own time.
    assert seconds < 30
    assert any("backtracks catastrophically" in p for p in fake.problems)


def test_keep_requests_bounds_the_log_and_request_count_counts_them_all() -> None:
    fake = FakeOpenAI([f"reply {i}" for i in range(5)], keep_requests=2)
    ids = []
    with httpx.Client(transport=fake.transport()) as http:
        for i in range(5):
            ids.append(http.post(OPENAI, json=ask(f"question {i}")).headers["x-request-id"])
    assert fake.request_count == 5
    assert [r.messages[-1]["content"] for r in fake.requests] == ["question 3", "question 4"]
    assert ids == [f"req_llmfakes{i:06d}" for i in range(5)]
    assert FakeOpenAI(["x"]).keep_requests is None  # in a test, every request is kept
    with pytest.raises(UsageError, match="keep_requests must be an int >= 0 or None"):
        FakeOpenAI(["x"], keep_requests=-1)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_serve_keeps_a_bounded_log_so_its_memory_stays_flat(tmp_path: Path) -> None:
    script = tmp_path / "s.yaml"
    script.write_text("on_exhausted: cycle\nturns: [hi]\n")
    proc = subprocess.Popen(
        [*SERVE, "--script", str(script), "--port", "0", "--keep-requests", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    big = "x" * 1_000_000
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().rsplit(" at ", 1)[1].strip()
        with httpx.Client(timeout=30) as http:
            for _ in range(5):  # warm up: the first requests allocate what every one reuses
                assert http.post(f"{url}/chat/completions", json=ask(big)).status_code == 200
            before = _rss_kib(proc.pid)
            for _ in range(40):
                assert http.post(f"{url}/chat/completions", json=ask(big)).status_code == 200
            grown = _rss_kib(proc.pid) - before
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "stopped after 45 request(s)" in out
    assert grown < 20_000, f"serve grew by {grown} KiB over 40 requests of 1 MB"


# ----------------------------------------------------------------------------- over a socket


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A fake on loopback with short limits, so the slow cases take a second."""
    fake = FakeOpenAI(["Hello there, world"] * 10)
    with LoopbackServer(fake, max_body=1000, header_timeout=0.5, body_timeout=0.5) as running:
        yield running


def _exchange(port: int, data: bytes, *, trickle: bytes = b"", every: float = 0.1) -> bytes:
    """Send ``data``, then ``trickle`` a byte at a time; everything the server sent back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        try:
            for byte in trickle:
                time.sleep(every)
                sock.sendall(bytes([byte]))
        except OSError:
            pass  # the server closed on us: what a slowloris should meet
        out = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                out += chunk
    return out


POST = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"


def test_headers_that_trickle_in_are_cut_off_with_a_408(server: LoopbackServer) -> None:
    start = time.monotonic()
    out = _exchange(server.port, POST, trickle=b"X-Slow: " + b"a" * 40, every=0.05)
    assert time.monotonic() - start < 10
    assert out.startswith(b"HTTP/1.1 408 ")
    assert b"The request's headers did not arrive within 0.5 s" in out


def test_a_body_that_trickles_in_is_cut_off_with_a_408(server: LoopbackServer) -> None:
    start = time.monotonic()
    out = _exchange(server.port, POST + b"Content-Length: 100\r\n\r\n{", trickle=b"x" * 30)
    assert time.monotonic() - start < 10
    assert out.startswith(b"HTTP/1.1 408 ")
    assert b"The request's body did not arrive within 0.5 s" in out


def test_a_body_over_the_cap_is_refused_with_a_413(server: LoopbackServer) -> None:
    out = _exchange(server.port, POST + b"Content-Length: 1001\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 413 ")
    assert b"The request body of 1001 bytes is over this fake server's limit of 1000 bytes" in out


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Length: \xb2",
        b"Content-Length: \xd9\xa3",
        b"Content-Length: 2\r\nContent-Length: 3",
    ],
    ids=["superscript two", "arabic-indic digit", "two lengths"],
)
def test_a_content_length_that_is_not_one_ascii_number_gets_a_400(
    server: LoopbackServer, header: bytes
) -> None:
    out = _exchange(server.port, POST + header + b"\r\n\r\n{}")
    assert out.startswith(b"HTTP/1.1 400 "), out[:200]
    assert b"Invalid Content-Length header" in out


def test_an_http_1_0_client_gets_the_stream_without_chunks(server: LoopbackServer) -> None:
    body = json.dumps({**ask("hi"), "stream": True}).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.0\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    out = _exchange(server.port, request)
    head, _, rest = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")  # the server's version; the client's is 1.0
    assert b"transfer-encoding" not in head.lower()
    assert b"connection: close" in head.lower()
    assert rest.startswith(b"data: {")  # the events themselves, no chunk sizes
    assert rest.rstrip().endswith(b"data: [DONE]")


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_a_fake_serves_on_ipv6_loopback() -> None:
    fake = FakeOpenAI(["over IPv6"])
    with fake.serve(host="::1") as base_url:
        assert base_url.startswith("http://[::1]:")
        response = httpx.post(f"{base_url}/chat/completions", json=ask("hi"), timeout=10)
    assert response.json()["choices"][0]["message"]["content"] == "over IPv6"


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_serve_listens_on_ipv6(tmp_path: Path) -> None:
    script = tmp_path / "s.yaml"
    script.write_text("turns: [over IPv6]\n")
    proc = subprocess.Popen(
        [*SERVE, "--script", str(script), "--port", "0", "--host", "::1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert " at http://[::1]:" in first, first + proc.stderr.read() if proc.stderr else ""
        url = first.rsplit(" at ", 1)[1].strip()
        response = httpx.post(f"{url}/chat/completions", json=ask("hi"), timeout=10)
        assert response.json()["choices"][0]["message"]["content"] == "over IPv6"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.mark.parametrize(
    "limits",
    [
        {"max_body": -1},
        {"header_timeout": 0},
        {"body_timeout": math.nan},
        {"body_timeout": math.inf},
    ],
)
def test_the_limits_themselves_are_checked(limits: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match="must be a"):
        LoopbackServer(FakeOpenAI(["x"]), **limits)
