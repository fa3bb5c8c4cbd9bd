"""A script file where a cassette belongs, and a cassette where a script file belongs: each is
named for what it is, with the call that reads it (adding 'version: 1' to a script, as the old
message advised, would not have made it a cassette)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_fakes import CassetteProvider, ScriptedProvider, load_script
from llm_fakes.errors import CassetteFormatError, ScriptError


def test_a_script_file_read_as_a_cassette(tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text("turns:\n  - Hello\n", encoding="utf-8")
    with pytest.raises(CassetteFormatError) as err:
        CassetteProvider(script).complete([{"role": "user", "content": "hi"}])
    message = str(err.value)
    assert "is a script file (it has turns or rules), not a cassette" in message
    assert f"llm-fakes serve --api API --script {script}" in message
    assert "version: 1" not in message


def test_a_cassette_read_as_a_script_file(tmp_path: Path) -> None:
    path = tmp_path / "recorded.yaml"
    with CassetteProvider(path, inner=ScriptedProvider(["Paris."]), mode="once") as llm:
        llm.complete([{"role": "user", "content": "Capital of France?"}])
    with pytest.raises(ScriptError) as err:
        load_script(path)
    message = str(err.value)
    assert "is a cassette (it has interactions), not a script file" in message
    assert f"llm-fakes serve --cassette {path}" in message
    assert "unknown top-level key" not in message
