"""The official Node SDKs (``openai``, ``@anthropic-ai/sdk``) record through ``llm-fakes serve
--cassette --upstream`` (upstreams: the kit's fakes on loopback) and then replay from the served
cassettes with the upstreams gone: the same responses, ids, chunks and events; no key on disk.

Runs when ``node`` is installed and the SDKs are in ``tests/node/node_modules`` (``npm ci
--prefix tests/node``, which CI runs where npm is) or in ``$LLM_FAKES_NODE_MODULES``; otherwise
it skips and says which is missing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from llm_fakes import FakeAnthropic, FakeOpenAI, Reply, ToolCall

NODE_DIR = Path(__file__).parent.parent / "node"
OPENAI_KEY = "sk-proj-NodeClientKeyNeverOnDisk000000001"
ANTHROPIC_KEY = "sk-ant-api03-NodeClientKeyNeverOnDisk0002"


def node_modules() -> Path:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Node SDK test needs node (20 or newer)")
    found = os.environ.get("LLM_FAKES_NODE_MODULES") or str(NODE_DIR / "node_modules")
    modules = Path(found)
    for package in ("openai", "@anthropic-ai/sdk"):
        if not (modules / package / "package.json").exists():
            pytest.skip(
                f"the Node SDK {package!r} is not in {modules}: run `npm ci --prefix tests/node` "
                "(or point LLM_FAKES_NODE_MODULES at a node_modules folder holding openai and "
                "@anthropic-ai/sdk)"
            )
    return modules


def node_session(modules: Path, openai_url: str, anthropic_url: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "NODE_PATH": str(modules),
        "OPENAI_API_KEY": OPENAI_KEY,
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
    }
    done = subprocess.run(
        ["node", str(NODE_DIR / "session.cjs"), openai_url, anthropic_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@contextmanager
def serve(*args: str) -> Iterator[tuple[str, list[str]]]:
    """``llm-fakes serve --cassette ...`` in its own process: its URL; then, once stopped with
    SIGINT, what it printed (stdout lines, then stderr lines) is in the list."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "llm_fakes.cli", "serve", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    printed: list[str] = []
    try:
        assert first.startswith("llm-fakes: serving "), first + proc.communicate(timeout=10)[1]
        yield first.rsplit(" at ", 1)[1].strip(), printed
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        printed += [first.rstrip("\n"), *out.splitlines(), *err.splitlines()]
        printed.append(f"exit {proc.returncode}")


def test_node_sdks_record_through_the_proxy_and_replay_the_same(tmp_path: Path) -> None:
    modules = node_modules()
    chat = FakeOpenAI(
        [
            Reply(text="Hello, Node.", input_tokens=9, output_tokens=3),
            Reply(tool_calls=[ToolCall("weather", {"city": "Oslo"})]),
            Reply(text="Streamed to Node in words", input_tokens=6),
        ]
    )
    messages = FakeAnthropic(
        [
            Reply(text="Bonjour, Node."),
            Reply(text="Un deux trois", reasoning="Compte.", defies_request=True),
        ]
    )
    folder = tmp_path / "cassettes"
    with chat.serve() as chat_url, messages.serve() as messages_url:
        upstream = chat_url.removesuffix("/v1")
        with (
            serve("--cassette", str(folder / "chat.yaml"), "--record-mode", "once",
                  "--upstream", upstream) as (openai_url, openai_log),
            serve("--cassette", str(folder / "messages.yaml"), "--record-mode", "once",
                  "--upstream", messages_url) as (anthropic_url, anthropic_log),
        ):  # fmt: skip
            recorded = node_session(modules, f"{openai_url}/v1", anthropic_url)
    assert openai_log[-1] == anthropic_log[-1] == "exit 0"
    assert sum(line.startswith("llm-fakes: recorded: ") for line in openai_log) == 3
    assert sum(line.startswith("llm-fakes: recorded: ") for line in anthropic_log) == 2

    # The upstreams are gone: the folder of both cassettes answers both SDKs.
    with serve("--cassette", str(folder), "--strict") as (url, log):
        replayed = node_session(modules, f"{url}/v1", url)
    assert log[-1] == "exit 0", log
    assert replayed == recorded

    assert recorded["openai"]["chat"]["choices"][0]["message"]["content"] == "Hello, Node."
    call = recorded["openai"]["tool"]["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"city": "Oslo"}
    pieces = [
        c["choices"][0]["delta"].get("content")
        for c in recorded["openai"]["chunks"]
        if c["choices"]
    ]
    assert [p for p in pieces if p] == ["Streamed ", "to ", "Node ", "in ", "words"]
    assert recorded["anthropic"]["message"]["content"][0]["text"] == "Bonjour, Node."
    for file in folder.iterdir():
        text = file.read_text()
        assert OPENAI_KEY not in text and ANTHROPIC_KEY not in text
