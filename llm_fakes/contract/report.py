"""Render a conformance :class:`~llm_fakes.contract.runner.Report`: text, JSON, HTML, JUnit XML.

Each format names where the contract is stated (``docs/contract.md``). The text table has one
line per property, starting with its id, and one column per backend: ``pass``, ``FAIL`` or
``not supported``. Each failure follows with its message and minimal
counter-example. The HTML page is self-contained (inline CSS, no script, no external asset), so
a CI artefact opens anywhere.

Example:
    >>> from llm_fakes.contract.verdicts import Failure, Report, Verdict
    >>> from llm_fakes.contract.properties import select
    >>> r = Report("ci", ["mine"], select("C1"), [Verdict("C1", "mine", "FAIL", "model is ''")])
    >>> print(render_text(r).splitlines()[2])
    C1  complete() returns what the backend produced, LLM…  FAIL
"""

from __future__ import annotations

import dataclasses
import html
import json
from typing import Any

from llm_fakes.contract.properties import CONTRACT_DOC
from llm_fakes.contract.verdicts import Report, Verdict

__all__ = ["failure_lines", "render_html", "render_json", "render_junit", "render_text", "summary"]

_TITLE = 50


def _clean(report: Report) -> Report:
    """The report with every secret its messages, counter-examples and captured output hold
    scrubbed (token shapes and secret environment values: :mod:`llm_fakes._scrub`)."""
    from llm_fakes._scrub import scrub_obj

    return dataclasses.replace(
        report, backends=scrub_obj(report.backends), verdicts=scrub_obj(report.verdicts)
    )


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def summary(report: Report) -> str:
    """``"38 pass, 1 FAIL, 1 not supported in 12.3 s"``."""
    counts = {s: sum(v.status == s for v in report.verdicts) for s in ("pass", "FAIL")}
    unsupported = sum(v.status == "not supported" for v in report.verdicts)
    prompt = sum(v.status == "prompt only" for v in report.verdicts)
    return (
        f"{counts['pass']} pass, {counts['FAIL']} FAIL, {unsupported} not supported"
        + (f", {prompt} prompt only" if prompt else "")
        + f" in {report.seconds:.1f} s"
    )


def _heading(v: Verdict, i: int) -> str:
    n = len(v.all_failures())
    which = f" ({i + 1} of {n + v.more_failures})" if n + v.more_failures > 1 else ""
    return f"{v.property} FAIL on {v.backend}{which}"


def failure_lines(v: Verdict, skip: int = 0) -> list[str]:
    """Each distinct failure of ``v`` (but the first ``skip``): message, minimal counter-example,
    the provider's output."""
    lines: list[str] = []
    for i, f in enumerate(v.all_failures()):
        if i < skip:
            continue
        if i > skip:
            lines.append("")
        message = f.message.splitlines() or [""]
        if f.same_cause_as:
            lines.append(f"{_heading(v, i)}: same cause as {f.same_cause_as}: {f.cause}")
            lines += [f"    {line}" for line in message]
        else:
            lines.append(f"{_heading(v, i)}: {message[0]}")
            lines += [f"    {line}" for line in message[1:]]
        if f.counterexample:
            lines.append("  minimal counter-example:")
            lines += [f"    {line}" for line in f.counterexample.splitlines()]
        if f.output:
            lines.append("  the provider printed / logged in that example:")
            lines += [f"    | {line}" for line in f.output.splitlines()]
    if v.more_failures:
        lines.append(f"  ... and {v.more_failures} more distinct failure(s) of {v.property}")
    return lines


def render_text(report: Report) -> str:
    """The matrix, then every failure with its message and counter-example."""
    report = _clean(report)
    widths = [max(len(b), len("not supported")) for b in report.backends]
    head = (
        " " * (4 + _TITLE)
        + "  "
        + "  ".join(b.ljust(w) for b, w in zip(report.backends, widths, strict=True))
    )
    lines = [
        f"llm-fakes conformance: profile {report.profile}, {len(report.backends)} backend(s), "
        f"{len(report.properties)} properties (stated in {CONTRACT_DOC})",
        head.rstrip(),
    ]
    for prop in report.properties:
        cells = [
            report.verdict(prop.id, b).status.ljust(w)
            for b, w in zip(report.backends, widths, strict=True)
        ]
        row = f"{prop.id:<4}{_short(prop.title, _TITLE):<{_TITLE}}  " + "  ".join(cells)
        lines.append(row.rstrip())
    for v in report.failures:
        lines.append("")
        lines.extend(failure_lines(v))
    for v in report.verdicts:
        if v.status == "prompt only":
            lines += ["", f"{v.property} prompt only on {v.backend}: {v.message}"]
    lines += ["", summary(report)]
    return "\n".join(lines)


def as_dict(report: Report) -> dict[str, Any]:
    """The report as plain data (what ``--json`` prints)."""
    report = _clean(report)
    return {
        "ok": report.ok,
        "contract": CONTRACT_DOC,
        "profile": report.profile,
        "seconds": round(report.seconds, 3),
        "backends": report.backends,
        "properties": [
            {"id": p.id, "title": p.title, "requires": list(p.requires)} for p in report.properties
        ],
        "results": [
            {
                "property": v.property,
                "backend": v.backend,
                "verdict": v.status,
                "message": v.message,
                "counterexample": v.counterexample,
                "examples": v.examples,
                "seconds": round(v.seconds, 3),
                "failures": [dataclasses.asdict(f) for f in v.all_failures()],
                "more_failures": v.more_failures,
            }
            for v in report.verdicts
        ],
    }


def render_json(report: Report) -> str:
    """The report as JSON."""
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f4f4f4}td.pass{background:#d9f2d9}td.FAIL{background:#f8d0d0;font-weight:bold}
td.unsupported{background:#eee;color:#777}pre{background:#f7f7f7;padding:.8em;overflow:auto}
.failure{margin-top:1.5em}code{font-size:13px}
"""


def render_html(report: Report) -> str:
    """One self-contained page: the matrix coloured by verdict, failures beneath."""
    report = _clean(report)
    e = html.escape
    rows = []
    for prop in report.properties:
        cells = []
        for b in report.backends:
            v = report.verdict(prop.id, b)
            cls = {"not supported": "unsupported", "prompt only": "unsupported"}.get(
                v.status, v.status
            )
            cell = e(v.status)
            if v.status == "FAIL":
                cell = f'<a href="#{e(prop.id)}-{e(b)}">FAIL</a>'
            title = e(v.message or f"{v.examples} examples", quote=True)
            cells.append(f'<td class="{cls}" title="{title}">{cell}</td>')
        rows.append(f"<tr><th>{e(prop.id)}</th><td>{e(prop.title)}</td>{''.join(cells)}</tr>")
    failures = []
    for v in report.failures:
        parts = []
        for i, f in enumerate(v.all_failures()):
            linked = (
                f"<p>Same cause as <code>{e(f.same_cause_as)}</code>: {e(f.cause)}</p>"
                if f.same_cause_as
                else ""
            )
            output = (
                f"<p>The provider printed / logged in that example:</p><pre>{e(f.output)}</pre>"
                if f.output
                else ""
            )
            tag = "h3" if i == 0 else "h4"
            heading = f"<{tag}>{e(_heading(v, i))}</{tag}>"
            parts.append(
                f"{heading}{linked}<pre>{e(f.message)}</pre>"
                f"<p>Minimal counter-example:</p><pre>{e(f.counterexample)}</pre>{output}"
            )
        if v.more_failures:
            parts.append(f"<p>... and {v.more_failures} more distinct failure(s).</p>")
        failures.append(
            f'<div class="failure" id="{e(v.property)}-{e(v.backend)}">{"".join(parts)}</div>'
        )
    head = "".join(f"<th>{e(b)}</th>" for b in report.backends)
    verdict = "all properties hold" if report.ok else f"{len(report.failures)} failure(s)"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>llm-fakes conformance: {e(verdict)}</title><style>{_CSS}</style></head><body>"
        f"<h1>llm-fakes conformance</h1><p>Profile <code>{e(report.profile)}</code>: "
        f"{e(summary(report))}. The properties are stated in <code>{e(CONTRACT_DOC)}</code> "
        "of the llm-fakes repository.</p>"
        f"<table><tr><th>id</th><th>property</th>{head}</tr>{''.join(rows)}</table>"
        f"{''.join(failures)}</body></html>\n"
    )


def render_junit(report: Report) -> str:
    """JUnit XML, as CI servers read it: one ``<testsuite>`` per backend, one ``<testcase>``
    per property (``<failure>`` for FAIL, ``<skipped>`` for not supported)."""
    report = _clean(report)
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name="llm-fakes conformance", time=f"{report.seconds:.3f}")
    for backend in report.backends:
        verdicts = [report.verdict(p.id, backend) for p in report.properties]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"conformance {backend}",
            tests=str(len(verdicts)),
            failures=str(sum(v.status == "FAIL" for v in verdicts)),
            skipped=str(sum(v.status in ("not supported", "prompt only") for v in verdicts)),
            errors="0",
            time=f"{sum(v.seconds for v in verdicts):.3f}",
        )
        for prop, v in zip(report.properties, verdicts, strict=True):
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"conformance.{backend}",
                name=f"{prop.id} {prop.title}",
                time=f"{v.seconds:.3f}",
            )
            if v.status == "FAIL":
                failure = ET.SubElement(
                    case, "failure", message=(v.message.splitlines() or [""])[0]
                )
                failure.text = "\n".join(failure_lines(v))
            elif v.status in ("not supported", "prompt only"):
                ET.SubElement(case, "skipped", message=f"{v.status}: {v.message}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
