"""The site's pages: the CLI reference names every command and option, every internal link lands
on a page (and a heading) that exists, no page but the generated one quotes a figure, and the
package metadata's URLs name pages the Read the Docs build (.readthedocs.yaml) makes."""

from __future__ import annotations

import argparse
import importlib
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from llm_fakes.cli import SUBCOMMANDS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    out = []
    for name, (_, target) in SUBCOMMANDS.items():
        module_name, func_name = target.split(":")
        parser = argparse.ArgumentParser(prog=f"llm-fakes {name}")
        getattr(importlib.import_module(module_name), func_name)(parser)
        out.append((name, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                out += [(f"{name} {k}", p) for k, p in action.choices.items()]
    return out


@pytest.mark.parametrize(("command", "parser"), _parsers(), ids=lambda v: str(v)[:30])
def test_the_cli_page_names_every_command_and_option(
    command: str, parser: argparse.ArgumentParser
) -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert re.search(rf"`[^`]*\b{command.split()[-1]}\b", page), f"{command} is missing"
    for action in parser._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                found = re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", page)
                assert found, f"{command} {option} is missing from docs/cli.md"


def _slug(heading: str) -> str:
    """The anchor mkdocs (Python-Markdown's toc) makes of a heading."""
    text = re.sub(r"[`*_\[\]()]", "", heading).strip().lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s]+", "-", text)


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("source", [ROOT / "README.md", *PAGES], ids=lambda p: p.name)
def test_every_internal_link_lands(source: Path) -> None:
    broken = []
    for link in _links(source):
        if re.match(r"[a-z]+:", link):  # https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        page = (source.parent / target).resolve() if target else source
        if not page.is_file():
            broken.append(f"{link}: no file {page}")
        elif anchor and page.suffix == ".md" and anchor not in _anchors(page):
            broken.append(f"{link}: no heading #{anchor} in {page.name}")
    assert broken == []


#: A performance figure: a duration, a rate or a speed-up (not a test's pace, "every 5 ms").
FIGURE = re.compile(r"(?<!every )\b\d[\d,.]*\s?(?:µs|ms|req/s|x faster)")


@pytest.mark.parametrize(
    "source",
    [ROOT / "README.md", *(p for p in PAGES if p.name != "benchmarks.md")],
    ids=lambda p: p.name,
)
def test_figures_come_from_the_generated_benchmarks_page_only(source: Path) -> None:
    text = re.sub(r"```.*?```", "", source.read_text(encoding="utf-8"), flags=re.S)
    assert FIGURE.findall(text) == [], f"{source.name} quotes figures: link docs/benchmarks.md"


def test_the_package_urls_name_pages_the_read_the_docs_build_makes() -> None:
    """[project.urls] points into the site Read the Docs builds from .readthedocs.yaml: the same
    mkdocs.yml (whose site_url the URLs start with), the docs extra, and a page per URL."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    rtd = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text(encoding="utf-8"))
    mkdocs_file = ROOT / rtd["mkdocs"]["configuration"]
    site_url = re.search(r"^site_url: (\S+)$", mkdocs_file.read_text(encoding="utf-8"), re.M)
    assert site_url, f"{mkdocs_file.name} has no site_url"
    assert rtd["version"] == 2
    [install] = rtd["python"]["install"]
    assert (install["path"], install["extra_requirements"]) == (".", ["docs"])
    assert "docs" in project["optional-dependencies"]
    for name, url in project["urls"].items():
        assert url.startswith(site_url.group(1)), f"{name}: {url} is not under the site"
        page = url.removeprefix(site_url.group(1)).strip("/") or "index"
        assert (DOCS / f"{page}.md").is_file(), f"{name}: {url} names no page of docs/"
