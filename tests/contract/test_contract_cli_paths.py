"""``llm-fakes conformance``: report paths are checked before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_fakes.cli import main
from llm_fakes.contract.cli import check_output_path
from llm_fakes.errors import UsageError


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["conformance", "--only", "C1", "--max-examples", "1", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_html_path_in_a_missing_folder_is_a_usage_error_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "such" / "report.html"
    code, out, err = run(capsys, "--html", str(target))
    assert (code, out) == (2, "")  # no report: nothing was run
    assert err == (
        f"llm-fakes conformance: --html {str(target)!r}: the folder {str(target.parent)!r} does "
        f"not exist. Create it first (mkdir -p {str(target.parent)!r}), or give a path in an "
        "existing folder. Nothing was run.\n"
    )
    assert not target.parent.exists()


def test_an_html_path_that_is_a_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--html", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        f"llm-fakes conformance: --html {str(tmp_path)!r} is a folder. Give a file name, e.g. "
        f"{str(tmp_path / 'report.html')!r}. Nothing was run.\n"
    )


def test_a_path_under_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UsageError) as info:
        check_output_path("--junit-xml", str(tmp_path / "notes.txt" / "junit.xml"))
    assert str(info.value) == (
        f"--junit-xml {str(tmp_path / 'notes.txt' / 'junit.xml')!r}: "
        f"{str(tmp_path / 'notes.txt')!r} is a file, not a folder. Give a path in an existing "
        "folder. Nothing was run."
    )


def test_a_good_path_is_returned_and_not_created(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    assert check_output_path("--html", str(target)) == target
    assert not target.exists()  # nothing is half-written before the run


def test_the_html_report_is_written_to_a_good_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.html"
    code, _, _ = run(capsys, "--html", str(target), "-q")
    assert code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
