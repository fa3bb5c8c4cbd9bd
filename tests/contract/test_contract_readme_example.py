"""The PAGE's worked example runs as written: a provider on the official openai SDK, left at
the SDK's own retries and with its own ``time.sleep`` loop, unpatched (``# sdk_provider.py``),
gets the findings the PAGE shows; the fixed one (``# test_sdk_provider.py``) passes every
property, under pytest with no configuration and from the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from llm_fakes.cli import main
from llm_fakes.contract.properties import PROPERTIES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"


def block(first_line: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    match = re.search(r"```python\n(" + re.escape(first_line) + r"\n.*?)```", text, re.S)
    assert match, f"docs/conformance.md lost its {first_line!r} example"
    return match.group(1)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sdk_provider.py").write_text(block("# sdk_provider.py"))
    (tmp_path / "test_sdk_provider.py").write_text(block("# test_sdk_provider.py"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_the_provider_as_first_written_gets_the_findings_the_readme_shows(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["conformance", "sdk_provider:factory", "--only", "S1,R", "--json", "r.json"])
    out = capsys.readouterr().out
    assert code == 1
    data = json.loads((project / "r.json").read_text())
    verdicts = {r["property"]: r["verdict"] for r in data["results"]}
    # S1's counter-example is a Retry-After over 120 s, which current openai releases refuse to
    # wait for (the stream then ends in a raised RateLimitError); older ones (openai 2.x, the
    # lowest the suite runs on) wait, and S1 passes there. Every R finding holds on both.
    s1 = verdicts.pop("S1")
    assert s1 in {"FAIL", "pass"}
    assert verdicts == {
        "R1": "FAIL",
        "R2": "FAIL",
        "R3": "FAIL",
        "R4": "FAIL",
        "R5": "FAIL",
        "R6": "FAIL",
    }
    flat = " ".join(out.split())
    # The SDK's own retries under the provider's loop, explained and linked.
    assert (
        "made 2 attempt(s); expected 1. 2 attempts for max_retries=0: an inner retry loop of at "
        "least 1 inside the provider's (1 provider attempt x 2 attempts of an inner layer, such "
        "as its SDK's own max_retries)." in flat
    )
    # Which of R2's findings (1 of 2 or 2 of 2) carries the SDK's cause depends on the hypothesis
    # release; on every release one of them does.
    assert re.search(
        r"R2 FAIL on sdk_provider:factory( \(\d of \d\))?: same cause as R1: an undeclared retry "
        r"loop inside the provider's \(e\.g\. its SDK's own max_retries\)",
        flat,
    )
    # acomplete() never retries itself (the SDK's retries alone); a current SDK also refuses a
    # Retry-After over 120 s. Which example shows it first depends on the hypothesis release.
    assert ("script: [Fail.rate_limit(retry_after=121.0), Reply(" in flat) == (s1 == "FAIL")
    assert re.search(r"acomplete\(max_retries=\d\) against a backend that fails \d time\(s\)", flat)
    # An empty answer passed on as a reply (linked to whichever property found it first).
    assert re.search(r"same cause as R\d: an empty response is returned as a reply", flat)
    # The PAGE quotes the findings every supported release reports, in the run's words.
    readme = " ".join(PAGE.read_text(encoding="utf-8").split())
    for phrase in ("an inner retry loop of at", "same cause as R1"):
        assert phrase in flat
        assert phrase in readme


def test_the_fixed_provider_passes_every_property_under_pytest(inner: pytest.Pytester) -> None:
    # One example per property instead of the ci profile's 25, to stay quick.
    inner.makepyfile(
        sdk_provider=block("# sdk_provider.py"),
        test_sdk_provider=block("# test_sdk_provider.py") + "\nTestSDKProvider.max_examples = 1\n",
    )
    result = inner.runpytest("-rs")
    result.assert_outcomes(passed=len(PROPERTIES))


def test_the_fixed_provider_passes_from_the_command_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["conformance", "test_sdk_provider:factory", "--max-examples", "3", "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[1].split() == ["test_sdk_provider:factory"]
    assert out.splitlines()[-1].startswith(f"{len(PROPERTIES)} pass, 0 FAIL, 0 not supported in ")
