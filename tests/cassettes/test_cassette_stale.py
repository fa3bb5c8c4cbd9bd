"""``llm-fakes cassette stale``: cassettes by age, model and versions, run as a user runs it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from llm_fakes import _yaml
from llm_fakes.cassettes.format import new_document


def cassette(path: Path, recorded_at: str, model: str, **header: object) -> None:
    doc = new_document(provider="app.llm.Real", model=model, recorded_at=recorded_at)
    doc["header"].update(header)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_yaml.dumps(doc))


@pytest.fixture
def folder(pytester: pytest.Pytester) -> Path:
    root = pytester.path / "cassettes"
    cassette(
        root / "t" / "old.yaml",
        "2020-01-02T00:00:00Z",
        "gpt-4o",
        model_answered="gpt-4o-2024-05-13",
        sdk_versions={"openai": "1.40.0"},
        imported_from="vcr/old.yaml",
    )
    cassette(root / "t" / "new.yaml", "2099-01-01T00:00:00Z", "claude-x")
    return root


def stale(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "llm_fakes.cli", "cassette", "stale", *args)


def test_lists_oldest_first_with_models_and_versions(
    pytester: pytest.Pytester, folder: Path
) -> None:
    result = stale(pytester)  # the default folder: cassettes/
    assert result.ret == 0
    lines = result.stdout.lines
    assert lines[0].endswith("cassettes/t/old.yaml  (imported from vcr/old.yaml)")
    assert "gpt-4o (answered gpt-4o-2024-05-13)" in lines[0] and "openai 1.40.0" in lines[0]
    assert lines[1].endswith("cassettes/t/new.yaml")
    assert lines[-1] == "2 cassette(s) in all."


def test_older_than_and_model_filter_and_json(pytester: pytest.Pytester, folder: Path) -> None:
    old = stale(pytester, "cassettes", "--older-than", "90d")
    assert old.stdout.lines[-1] == "1 cassette(s) older than 90d."
    assert "old.yaml" in old.stdout.str() and "new.yaml" not in old.stdout.str()
    by_model = stale(pytester, "--model", "gpt-4o-2024-*", "--json")
    data = json.loads(by_model.stdout.str())
    assert [(Path(d["path"]).name, d["model_answered"]) for d in data] == [
        ("old.yaml", "gpt-4o-2024-05-13")
    ]
    assert data[0]["sdk_versions"] == {"openai": "1.40.0"} and data[0]["age_days"] > 2000


def test_bad_input_is_a_usage_error_and_a_bad_file_exit_1(
    pytester: pytest.Pytester, folder: Path
) -> None:
    assert stale(pytester, "--older-than", "soon").ret == 2
    assert stale(pytester, "nowhere").ret == 2
    (folder / "broken.yaml").write_text("version: 1\n")
    result = stale(pytester)
    assert result.ret == 1 and "broken.yaml" in result.stderr.str()


def test_older_than_compares_the_exact_age_not_the_one_shown(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from llm_fakes.cassettes.drift import survey

    path = tmp_path / "c.yaml"
    cassette(path, "2026-01-01T00:00:00Z", "gpt-4o")
    now = datetime(2026, 1, 2, 11, 2, 24, tzinfo=UTC)  # 1.46 days later, shown as 1.5
    assert survey([path], older_than=36 * 3600, now=now)[0] == []
    [age] = survey([path], older_than=35 * 3600, now=now)[0]
    assert age.age_days == 1.5
