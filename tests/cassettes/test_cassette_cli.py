"""``llm-fakes cassette ls|show|verify``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cassette_support import Recorder, ask

from llm_fakes import CassetteProvider, LLMResponse, RateLimitError, ToolUse
from llm_fakes.cli import main


def wording(template: str) -> str:
    """A regex for a kit message; each ``…`` stands for another library's words (which vary)."""
    return ".+".join(re.escape(part) for part in template.split("…"))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    outcomes = iter(
        [
            LLMResponse(
                content="4", model="m", input_tokens=9, output_tokens=1, stop_reason="stop"
            ),
            LLMResponse(
                content="",
                model="m",
                stop_reason="tool_calls",
                tool_uses=[ToolUse(id="c", name="calc", input={"x": 1})],
            ),
            RateLimitError("slow down", retry_after=1.0),
        ]
    )
    with CassetteProvider(
        Path("cassettes/test_m/test_a.yaml"), inner=Recorder(lambda r: next(outcomes)), mode="once"
    ) as llm:
        llm.complete(ask("What is 2+2?"))
        llm.complete(ask("Use the calculator"))
        with pytest.raises(RateLimitError):
            llm.complete(ask("again"))
    return Path("cassettes")


def test_ls_lists_each_interaction(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cassette", "ls", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("cassettes/test_m/test_a.yaml: 3 interactions (recorded ")
    assert lines[0].endswith(" from cassette_support.Recorder, model real-1)")
    assert lines[1:] == [
        "  #0 complete  1 message   'What is 2+2?' -> '4' (stop, 9+1 tokens)",
        "  #1 complete  1 message   'Use the calculator' -> '' (tool_calls, 0+0 tokens, 1 tool "
        "call(s))",
        "  #2 complete  1 message   'again' -> RateLimitError (HTTP 429): slow down",
    ]


def test_show_prints_one_interaction_in_full(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "show", "cassettes/test_m/test_a.yaml", "-i", "2"]) == 0
    assert capsys.readouterr().out == (
        "# cassettes/test_m/test_a.yaml #2\n"
        "call: complete\n"
        "request:\n"
        "  messages:\n"
        "  - role: user\n"
        "    content: again\n"
        "  max_tokens: 1024\n"
        "error:\n"
        "  class: RateLimitError\n"
        "  message: slow down\n"
        "  status: 429\n"
        "  retryable: true\n"
        "  retry_after: 1.0\n"
    )
    assert main(["cassette", "show", "cassettes/test_m/test_a.yaml", "-i", "5"]) == 1
    assert capsys.readouterr().err == (
        "cassettes/test_m/test_a.yaml has interactions #0..#2; there is no #5. Pick one of "
        "those with -i.\n"
    )


def test_verify_passes_good_files_and_fails_bad_ones_with_the_error(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "verify", str(folder)]) == 0
    assert capsys.readouterr().out == "ok    cassettes/test_m/test_a.yaml (3 interactions)\n"
    bad = folder / "test_m" / "test_b.yaml"
    bad.write_text(
        (folder / "test_m" / "test_a.yaml")
        .read_text()
        .replace("max_tokens: 1024", "max_tokens: x", 1)
    )
    assert main(["cassette", "verify", str(folder)]) == 1
    out = capsys.readouterr().out
    assert re.fullmatch(  # "…": pydantic's wording of the problem
        wording(
            "ok    cassettes/test_m/test_a.yaml (3 interactions)\n"
            "FAIL  cassettes/test_m/test_b.yaml\n"
            "      Cassette cassettes/test_m/test_b.yaml is not valid: interaction #0, field "
            "request.max_tokens: … (got 'x'). Fix that field by hand, or re-record the cassette "
            "with --llm-record-mode=all.\n"
        ),
        out,
    ), out
    assert main(["cassette", "verify", "missing.yaml"]) == 1
    assert (
        capsys.readouterr().out == "FAIL  missing.yaml\n      No cassette file at missing.yaml.\n"
    )


@pytest.mark.parametrize(
    "args",
    [["ls"], ["show"], ["stale", "--json"], ["verify"]],
    ids=["ls", "show", "stale-json", "verify"],
)
def test_output_into_a_closed_pipe_ends_quietly(folder: Path, args: list[str]) -> None:
    """``llm-fakes cassette show ... | head``: the reader left; no BrokenPipeError traceback."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # as `head` does once it has its lines
    try:
        target = [str(folder / "test_m" / "test_a.yaml")] if args[0] == "show" else [str(folder)]
        done = subprocess.run(
            [sys.executable, "-m", "llm_fakes.cli", "cassette", *args, *target],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.stderr == ""
    assert done.returncode == 141  # as a shell tool killed by SIGPIPE reports it


def test_ls_of_a_folder_without_cassettes_says_so(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped or empty folder printed nothing and exited 0: it looked like success."""
    (tmp_path / "empty").mkdir()
    assert main(["cassette", "ls", str(folder), "empty"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("cassettes/test_m/test_a.yaml: 3 interactions")
    assert captured.err == "No cassette files (*.yaml, *.yml) in empty.\n"
