"""Clean output: what a provider prints or logs is captured per example and shown only under a
failing property (a few lines, cut); reports go to files that nothing else writes into."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from llm_fakes.cli import main
from llm_fakes.contract._capture import captured

CHATTY = '''
import dataclasses
import logging
import sys

from llm_fakes.contract import ProviderFactory

# A library that sets up logging at import, on the stream of the day.
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
log = logging.getLogger("chatty.sdk")


class Chatty:
    """Prints a long banner and logs on every call; reports model='' (C1 fails)."""

    def __init__(self, inner):
        self.inner = inner

    def complete(self, messages, **kw):
        print("CHATTY-BANNER " + "=" * 400)
        print("chatty: calling the model", file=sys.stderr)
        log.warning("CHATTY-LOG request with %d message(s)", len(messages))
        return dataclasses.replace(self.inner.complete(messages, **kw), model="")

    async def acomplete(self, messages, **kw):
        print("CHATTY-BANNER async")
        return dataclasses.replace(await self.inner.acomplete(messages, **kw), model="")


chatty = ProviderFactory(lambda backend: Chatty(backend.scripted), name="chatty")
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "chatty_provider.py").write_text(CHATTY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    root = logging.getLogger()
    for handler in list(root.handlers):  # basicConfig's handler, left by the import
        if type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    sys.modules.pop("chatty_provider", None)


def test_a_provider_printing_on_every_call_leaves_a_parseable_json_file_and_a_tidy_terminal(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "conformance",
            "chatty_provider:chatty",
            "--only",
            "C1,C2",
            "--max-examples",
            "4",
            "--json",
            "report.json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1
    data = json.loads((project / "report.json").read_text())
    assert [(r["property"], r["verdict"]) for r in data["results"]] == [
        ("C1", "FAIL"),
        ("C2", "pass"),
    ]
    # The terminal: the matrix on stdout, progress and the file's name on stderr, nothing else.
    assert "CHATTY" not in err and "chatty: calling" not in err
    assert err.splitlines() == [
        err.splitlines()[0],
        "conformance: JSON written to report.json",
    ]
    assert err.startswith("conformance [1/1] chatty: C1:FAIL C2 (")
    # The provider's output appears once, under its failing property, in a few cut lines.
    before_failure, failure = out.split("C1 FAIL on chatty: ", 1)
    assert "CHATTY" not in before_failure
    shown = failure[failure.index("the provider printed / logged in that example:") :]
    lines = [line for line in shown.splitlines()[1:] if line.startswith("    | ")]
    assert 1 < len(lines) <= 7
    assert any(line.startswith("    | CHATTY-BANNER ====") for line in lines)
    assert any("CHATTY-LOG request with" in line for line in lines)
    assert all(len(line) <= 6 + 200 for line in lines)
    assert "ch)" in next(line for line in lines if "CHATTY-BANNER ====" in line)
    (c1, _) = data["results"]
    assert "CHATTY-BANNER" in c1["failures"][0]["output"]


def test_json_html_and_junit_go_to_their_files_and_dash_means_stdout(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["conformance", "chatty_provider:chatty", "--only", "C1,C2", "--max-examples", "2"]
    code = main([*args, "--html", "r.html", "--junit-xml", "r.xml", "--json", "-", "-q"])
    out, err = capsys.readouterr()
    assert (code, err) == (1, "")
    assert json.loads(out)["ok"] is False  # stdout is the JSON alone
    assert (project / "r.html").read_text().startswith("<!DOCTYPE html>")
    suites = ElementTree.parse(project / "r.xml").getroot()
    (suite,) = suites
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "0")
    c1, c2 = suite
    assert c1.get("name", "").startswith("C1 ") and c1[0].tag == "failure"
    assert "model is '', not a non-empty str" in (c1[0].get("message") or "")
    assert len(c2) == 0
    assert not list(project.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("flags", "problem"),
    [
        (["--html", "no/such/dir/x.html"], "the folder 'no/such/dir' does not exist"),
        (["--junit-xml", "."], "--junit-xml '.' is a folder"),
        (["--json", "-", "--junit-xml", "-"], "--junit-xml - and --json - both ask for stdout"),
    ],
)
def test_an_output_that_cannot_be_written_stops_the_run_before_it_starts(
    project: Path, capsys: pytest.CaptureFixture[str], flags: list[str], problem: str
) -> None:
    code = main(["conformance", "chatty_provider:chatty", *flags])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("llm-fakes conformance: ") and problem in err
    assert "conformance [" not in err  # nothing ran


def test_capture_restores_streams_and_handlers_and_a_late_handler_writes_through() -> None:
    handler = logging.StreamHandler(sys.stderr)
    logger = logging.getLogger("llm-fakes-test-capture")
    logger.addHandler(handler)
    outer, saved = io.StringIO(), sys.stdout
    sys.stdout = outer  # the "real" stdout while the example runs
    try:
        real_err = sys.stderr
        with captured() as buffer:
            print("inside")
            logger.error("logged inside")
            late = logging.StreamHandler(sys.stdout)  # made during the example
        assert (sys.stdout, sys.stderr, handler.stream) == (outer, real_err, real_err)
        assert buffer.getvalue() == "inside\nlogged inside\n"
        # The proxy it kept writes through to the real stream now, not into the buffer.
        late.stream.write("late\n")
        assert outer.getvalue() == "late\n"
        assert buffer.getvalue() == "inside\nlogged inside\n"
    finally:
        sys.stdout = saved
        logger.removeHandler(handler)


def test_a_long_value_from_the_provider_is_cut_in_the_message() -> None:
    import dataclasses

    from llm_fakes.contract import ProviderFactory, run_conformance

    class Verbose:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def complete(self, messages: object, **kw: object) -> object:
            r = self.inner.complete(messages, **kw)  # type: ignore[attr-defined]
            return dataclasses.replace(r, model="", raw_response={"blob": "x" * 1500})

    f = ProviderFactory(lambda b: Verbose(b.scripted), name="verbose")
    (verdict,) = run_conformance([f], only="C1", max_examples=2).verdicts
    assert verdict.status == "FAIL"
    assert "complete() returned LLMResponse(" in verdict.message
    assert len(verdict.message) < 600 and " ch)" in verdict.message
