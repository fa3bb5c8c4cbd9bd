"""``llm-fakes conformance``: the table, failures under it, --json, --html, progress, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from llm_fakes.cli import main

FACTORIES = """
from contract_mutants import EmptyModel, Wrapper, factory
from llm_fakes.contract import ProviderFactory

broken = factory(EmptyModel)
honest = factory(Wrapper)
no_retries = ProviderFactory(lambda backend: backend.scripted, name="no-retries",
                             capabilities=["tools", "streaming", "json_mode", "json_schema"])
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "myfactories.py").write_text(FACTORIES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_failing_property_is_marked_FAIL_on_its_line_with_the_counterexample_below(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "conformance",
            "myfactories:broken",
            "myfactories:honest",
            "--only",
            "C1,C2",
            "--max-examples",
            "5",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    c1 = next(line for line in lines if line.startswith("C1 "))
    c2 = next(line for line in lines if line.startswith("C2 "))
    assert re.fullmatch(r"C1  complete\(\) returns .* FAIL +pass", c1), c1
    assert re.fullmatch(r"C2  acomplete\(\) returns what complete\(\) returns +pass +pass", c2)
    failure = out[out.index("C1 FAIL on EmptyModel: model is '', not a non-empty str. ") :]
    assert "complete() returned LLMResponse(content=" in failure
    assert "  minimal counter-example:\n    script: [Reply(" in failure
    assert "    request: messages=[" in failure
    assert lines[-1].startswith("3 pass, 1 FAIL, 0 not supported in ")
    assert "conformance [1/2] EmptyModel: C1:FAIL C2" in err
    assert "conformance [2/2] Wrapper: C1 C2" in err


def test_not_supported_is_shown_and_never_counted_as_a_pass(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["conformance", "myfactories:no_retries", "--only", "R1,C2", "--max-examples", "3", "-q"]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    r1 = next(line for line in out.splitlines() if line.startswith("R1 "))
    assert r1.endswith("not supported")
    assert out.splitlines()[-1].startswith("1 pass, 0 FAIL, 1 not supported in ")


def test_json_output_lists_every_verdict_with_message_and_counterexample(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "conformance",
            "myfactories:broken",
            "--only",
            "C1,C2",
            "--max-examples",
            "5",
            "--json",
            "-q",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["ok"] is False
    assert data["profile"] == "ci"
    assert data["backends"] == ["EmptyModel"]
    assert [p["id"] for p in data["properties"]] == ["C1", "C2"]
    (c1, c2) = data["results"]
    assert (c1["property"], c1["verdict"], c2["verdict"]) == ("C1", "FAIL", "pass")
    assert "model is '', not a non-empty str" in c1["message"]
    assert c1["counterexample"].startswith("script: [Reply(")
    assert c2["message"] == c2["counterexample"] == ""
    assert c2["examples"] == 5


def test_html_report_is_one_self_contained_page_coloured_by_verdict(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "conformance",
            "myfactories:broken",
            "--only",
            "C1,C2",
            "--max-examples",
            "5",
            "--html",
            "report.html",
            "-q",
        ]
    )
    page = (project / "report.html").read_text()
    assert code == 1
    assert page.startswith("<!DOCTYPE html>")
    assert '<td class="FAIL"' in page and '<td class="pass"' in page
    assert '<div class="failure" id="C1-EmptyModel"><h3>C1 FAIL on EmptyModel</h3>' in page
    assert "model is &#x27;&#x27;, not a non-empty str" in page
    assert not re.search(r"<(script|link)|src=|https?://", page)


def test_a_factory_that_cannot_be_imported_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["conformance", "myfactories:nope"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        "llm-fakes conformance: Module 'myfactories' has no attribute 'nope' (factory "
        "'myfactories:nope'). Callables it defines: ['EmptyModel', 'ProviderFactory', 'Wrapper', "
        "'broken', 'factory', 'honest', 'no_retries']. Name one of them after the colon.\n"
    )


def test_an_unknown_property_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["conformance", "myfactories:honest", "--only", "C9"])
    assert code == 2
    assert capsys.readouterr().err == (
        "llm-fakes conformance: Unknown property 'C9'. Properties are ['C1', 'C2', 'C3', 'C4', "
        "'C5', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9', 'J1', 'J2', 'J3', 'R1', "
        "'R2', 'R3', 'R4', 'R5', 'R6'], or a group letter C, S, J or R; e.g. --only C1,S.\n"
    )


def test_with_no_argument_every_builtin_backend_is_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from llm_fakes.contract.builtins import builtin_factories

    code = main(["conformance", "--only", "C2,S5", "--max-examples", "2", "-q"])
    out = capsys.readouterr().out
    names = [f.name for f in builtin_factories()]
    assert code == 0
    assert names[0] == "ScriptedProvider" and "complete-only" in names
    header = out.splitlines()[1].split()
    assert header == names
    assert out.splitlines()[-1].startswith(f"{2 * len(names)} pass, 0 FAIL")


def test_jobs_spread_the_pairs_over_processes_with_the_serial_verdicts(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["conformance", "myfactories:broken", "myfactories:honest", "--only", "C1,C2,J1"]
    serial_code = main([*args, "--max-examples", "3", "--json", "-", "-q"])
    serial = json.loads(capsys.readouterr().out)
    code = main([*args, "--max-examples", "3", "--json", "-", "--jobs", "2"])
    out, err = capsys.readouterr()
    parallel = json.loads(out)

    def verdicts(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        return [(r["backend"], r["property"], r["verdict"], r["message"]) for r in data["results"]]

    assert (code, serial_code) == (1, 1)
    assert verdicts(parallel) == verdicts(serial)
    # Progress still reads in the run's order, one line per backend.
    assert err.splitlines()[0].startswith("conformance [1/2] EmptyModel: C1:FAIL C2 J1 (")
    assert err.splitlines()[1].startswith("conformance [2/2] Wrapper: C1 C2 J1 (")


def test_jobs_keep_the_serial_failures_and_their_cause_links(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # S5 fails with the same cause as C1 for this mutant: the link is made after the workers
    # return, so it must come out as in a serial run.
    (project / "linked.py").write_text(
        "from contract_mutants import CompleteDropsToolUses, factory\n"
        "no_tool_uses = factory(CompleteDropsToolUses)\n"
    )
    args = ["conformance", "linked:no_tool_uses", "--only", "C1,S5", "--max-examples", "5"]
    main([*args, "--json", "-", "-q"])
    serial = json.loads(capsys.readouterr().out)
    main([*args, "--json", "-", "-q", "--jobs", "2"])
    parallel = json.loads(capsys.readouterr().out)

    def failures(data: dict[str, Any]) -> list[Any]:
        return [(r["property"], r["failures"]) for r in data["results"]]

    links = [f["same_cause_as"] for r in serial["results"] for f in r["failures"]]
    assert "C1" in links  # the case the comparison is about
    assert failures(parallel) == failures(serial)


def test_real_time_leaves_r5_to_providers_that_wait_on_the_injected_clock(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "clockless.py").write_text(
        "from llm_fakes.contract import ProviderFactory\n"
        "f = ProviderFactory(lambda b: b.scripted, name='clockless', capabilities=['retries'])\n"
    )
    assert main(["conformance", "clockless:f", "--only", "R5", "--max-examples", "2", "-q"]) == 0
    virtual = capsys.readouterr().out
    code = main(["conformance", "clockless:f", "--only", "R5", "--real-time", "-q"])
    real = capsys.readouterr().out
    assert code == 0
    assert next(line for line in virtual.splitlines() if line.startswith("R5 ")).endswith("pass")
    assert next(line for line in real.splitlines() if line.startswith("R5 ")).endswith(
        "not supported"
    )
