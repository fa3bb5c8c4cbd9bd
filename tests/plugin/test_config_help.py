"""`pytest --help` lists every llm-fakes option in the `llm-fakes` group, and every ini key."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

# The options and ini keys this part of the kit adds; others add theirs to the same group.
OWN_OPTIONS = {"--llm-guard", "--llm-allow-hosts"}
OWN_INI = {"llm_fakes_guard", "llm_fakes_allow_hosts", "llm_fakes_types"}


def _sections(help_text: str) -> dict[str, str]:
    """``pytest --help`` split at its unindented ``heading:`` lines."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in help_text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            current = line.rstrip()[:-1]
        sections.setdefault(current, []).append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}


def test_every_llm_option_is_in_the_llm_fakes_group_with_its_ini_key(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    result = pytester.runpytest("--help")
    text = result.stdout.str()
    sections = _sections(text)
    assert "llm-fakes" in sections
    in_group = set(re.findall(r"^  (--llm-[a-z-]+)", sections["llm-fakes"], re.M))
    everywhere = set(re.findall(r"^  (--llm-[a-z-]+)", text, re.M))
    assert in_group >= OWN_OPTIONS
    assert everywhere == in_group, f"options outside the llm-fakes group: {everywhere - in_group}"
    ini_keys = set(re.findall(r"^  (llm_fakes_[a-z_]+) \(", text, re.M))
    assert ini_keys >= OWN_INI


def test_the_guard_options_explain_their_values(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "llm-fakes:",
            "  --llm-guard={auto,on,off}, --llm-fakes-guard={auto,on,off}",
            "*Network guard: 'auto' (default) blocks real httpx*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["  --llm-allow-hosts=HOSTS, --llm-fakes-allow-hosts=HOSTS", "*Hosts the network guard*"]
    )


def test_the_configuration_page_lists_every_option_and_ini_key(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    text = pytester.runpytest("--help").stdout.str()
    options = set(re.findall(r"^  (--llm-[a-z-]+)", text, re.M))
    ini_keys = set(re.findall(r"^  (llm_fakes_[a-z_]+) \(", text, re.M))
    page = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in page.splitlines() if line.startswith("|"))
    assert set(re.findall(r"`(--llm-[a-z-]+)`", table)) == options
    assert set(re.findall(r"`(llm_fakes_[a-z_]+)`", table)) == ini_keys
