"""The README's worked example (a provider on the official openai SDK and its ~10 lines of
conformance tests) runs as written, under pytest with no configuration, and from the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llm_fakes.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def example() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"```python\n(# test_sdk_provider\.py\n.*?)```", text, re.S)
    assert match, "README.md lost its '# test_sdk_provider.py' example"
    return match.group(1)


def test_the_sdk_example_passes_what_it_supports_and_skips_retries(inner: pytest.Pytester) -> None:
    # One example per property instead of the ci profile's 25, to stay quick.
    inner.makepyfile(test_sdk_provider=example() + "\nTestSDKProvider.max_examples = 1\n")
    result = inner.runpytest("-rs")
    result.assert_outcomes(passed=14, skipped=6)
    result.stdout.fnmatch_lines(["*: not supported: R1 needs retries"])


def test_the_same_factory_runs_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sdk_example.py").write_text(example())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    code = main(
        ["conformance", "sdk_example:factory", "--only", "C,J", "--max-examples", "2", "-q"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[1].split() == ["sdk_example:factory"]
    assert out.splitlines()[-1].startswith("7 pass, 0 FAIL, 0 not supported in ")
