"""The contract ships as docs/contract.md, and the CLI help and every report point at it."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from llm_fakes.cli import main
from llm_fakes.contract.factory import CAPABILITIES
from llm_fakes.contract.properties import CONTRACT_DOC, PROPERTIES, select
from llm_fakes.contract.report import render_html, render_json, render_text
from llm_fakes.contract.runner import Report, Verdict

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / CONTRACT_DOC


def report() -> Report:
    return Report("ci", ["mine"], select("C1"), [Verdict("C1", "mine", "pass", examples=1)])


def test_the_document_states_every_property_once_in_order() -> None:
    text = DOC.read_text(encoding="utf-8")
    stated = re.findall(r"^\*\*([CSJR]\d): ", text, flags=re.M)
    assert stated == list(PROPERTIES)


def test_the_document_says_which_capability_each_property_needs() -> None:
    text = DOC.read_text(encoding="utf-8")
    for capability in CAPABILITIES:
        assert re.search(rf"^\| `{capability}` \|", text, flags=re.M), capability
    for prop in PROPERTIES.values():
        if prop.requires:
            section = text[text.index(f"**{prop.id}: ") :]
            # The property's group says so up front ("Every S property needs `streaming`"), or
            # the property itself does ("Needs `json_schema`.").
            group = f"Every {prop.id[0]} property needs `{prop.requires[0]}`"
            assert group in text or f"Needs `{prop.requires[-1]}`" in section[:800], prop.id


def test_the_cli_help_points_at_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert CONTRACT_DOC in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["conformance", "--help"])
    assert CONTRACT_DOC in capsys.readouterr().out


def test_no_message_or_help_cites_a_spec_that_does_not_ship() -> None:
    sources = (ROOT / "llm_fakes").rglob("*.py")
    cited = [str(p.relative_to(ROOT)) for p in sources if "SPEC " in p.read_text(encoding="utf-8")]
    assert cited == []


def test_every_report_format_points_at_the_document() -> None:
    assert render_text(report()).splitlines()[0].endswith(f"(stated in {CONTRACT_DOC})")
    assert json.loads(render_json(report()))["contract"] == CONTRACT_DOC
    assert f"<code>{CONTRACT_DOC}</code>" in render_html(report())


def test_the_readme_links_the_document() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"[{CONTRACT_DOC}]({CONTRACT_DOC})" in readme


def test_the_test_names_it_quotes_are_the_suites() -> None:
    quoted = set(re.findall(r"test_[CSJR]\d_\w+", DOC.read_text(encoding="utf-8")))
    real = {f"test_{p.id}_{p.name}" for p in PROPERTIES.values()}
    assert quoted and quoted <= real, quoted - real


def test_the_cli_prints_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "--contract"]) == 0
    assert capsys.readouterr().out == DOC.read_text(encoding="utf-8")


def test_the_wheel_ships_the_contract_and_the_metadata_names_the_docs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped == {"docs/contract.md": "llm_fakes/docs/contract.md"}
    assert (ROOT / "docs" / "contract.md").is_file()
    assert project["project"]["urls"]["Documentation"].startswith("https://")
