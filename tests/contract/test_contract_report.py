"""Rendering a report: the text matrix, JSON and the self-contained HTML page."""

from __future__ import annotations

import json

from llm_fakes.contract.properties import select
from llm_fakes.contract.report import render_html, render_json, render_text
from llm_fakes.contract.runner import Report, Verdict


def report() -> Report:
    return Report(
        "ci",
        ["mine", "theirs"],
        select("C1,R1"),
        [
            Verdict("C1", "mine", "FAIL", "model is '' <b>", "script: [Reply(text='<x>')]", 3),
            Verdict("R1", "mine", "not supported", "needs retries"),
            Verdict("C1", "theirs", "pass", examples=25, seconds=0.5),
            Verdict("R1", "theirs", "pass", examples=25, seconds=0.25),
        ],
        seconds=1.25,
    )


def test_text_is_a_matrix_then_each_failure_then_a_summary() -> None:
    assert render_text(report()).splitlines() == [
        "llm-fakes conformance: profile ci, 2 backend(s), 2 properties (stated in "
        "docs/contract.md)",
        " " * 56 + "mine           theirs",
        "C1  complete() returns what the backend produced, LLM…  FAIL           pass",
        "R1  k transient failures, max_retries=m: min(k, m) + …  not supported  pass",
        "",
        "C1 FAIL on mine: model is '' <b>",
        "  minimal counter-example:",
        "    script: [Reply(text='<x>')]",
        "",
        "2 pass, 1 FAIL, 1 not supported in 1.2 s",
    ]


def test_json_keeps_every_verdict() -> None:
    data = json.loads(render_json(report()))
    assert data["ok"] is False
    assert [(r["property"], r["backend"], r["verdict"]) for r in data["results"]] == [
        ("C1", "mine", "FAIL"),
        ("R1", "mine", "not supported"),
        ("C1", "theirs", "pass"),
        ("R1", "theirs", "pass"),
    ]
    assert data["properties"][1] == {
        "id": "R1",
        "title": "k transient failures, max_retries=m: min(k, m) + 1 attempts",
        "requires": ["retries"],
    }


def test_html_escapes_everything_and_links_each_failure() -> None:
    page = render_html(report())
    assert "<title>llm-fakes conformance: 1 failure(s)</title>" in page
    assert '<td class="FAIL" title="model is &#x27;&#x27; &lt;b&gt;">' in page
    assert '<a href="#C1-mine">FAIL</a>' in page
    assert '<td class="unsupported" title="needs retries">not supported</td>' in page
    assert "<pre>script: [Reply(text=&#x27;&lt;x&gt;&#x27;)]</pre>" in page
    assert "model is '' <b>" not in page
