"""A JSON-mode error the inner provider raised while recording replays as the same error."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_fakes import CassetteProvider, JSONModeError, Reply, ScriptedProvider

MSGS = [{"role": "user", "content": "give me JSON"}]


def test_a_recorded_json_mode_error_replays_with_its_class_and_message(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    inner = ScriptedProvider([Reply(text="Sure! "), Reply(json={"ok": True})])
    with CassetteProvider(path, inner=inner, mode="once") as rec:
        with pytest.raises(JSONModeError) as recorded:
            rec.complete(MSGS, json_mode=True, max_retries=0)
        second = rec.complete(MSGS, json_mode=True, max_retries=0)
    replay = CassetteProvider(path)
    with pytest.raises(JSONModeError) as replayed:
        replay.complete(MSGS, json_mode=True, max_retries=0)
    assert str(replayed.value) == str(recorded.value)
    assert replay.complete(MSGS, json_mode=True, max_retries=0).content == second.content
