"""The file format: header, readable text, and exact errors for broken or foreign files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cassette_support import Recorder, ask

from llm_fakes import CassetteFormatError, CassetteProvider, LLMFakesError, LLMResponse
from llm_fakes._version import __version__
from llm_fakes.cassettes import storage

GOOD = """\
version: 1
header:
  kit_version: 0.1.0
  provider: app.Real
  model: m
  recorded_at: "2026-03-01T12:00:00Z"
interactions:
- call: complete
  request:
    messages:
    - role: user
      content: hi
    max_tokens: 1024
  response:
    content: hello
    model: m
"""


@pytest.fixture
def cassette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return Path("c.yaml")


def wording(template: str) -> str:
    """A regex for a kit message; each ``…`` stands for another library's words (pydantic's,
    PyYAML's: they vary across versions, and between PyYAML's C and pure-Python parsers)."""
    return ".+".join(re.escape(part) for part in template.split("…"))


def broken(cassette: Path, text: str) -> str:
    cassette.write_text(text)
    with pytest.raises(CassetteFormatError) as info:
        CassetteProvider(cassette)
    assert isinstance(info.value, LLMFakesError)
    return str(info.value)


def test_a_recorded_file_has_a_version_a_header_and_block_text(cassette: Path) -> None:
    reply = LLMResponse(content="Line one.\nLine two.\n", model="gpt-x", output_tokens=4)
    with CassetteProvider(cassette, inner=Recorder(lambda r: reply), mode="once") as llm:
        llm.complete(ask("Write two lines."))
    text = cassette.read_text()
    doc = storage.load(cassette)
    assert doc["version"] == 1
    assert set(doc["header"]) == {
        "kit_version",
        "provider",
        "model",
        "recorded_at",
        "model_answered",  # the model the response named (drift: a new snapshot behind an alias)
    }
    assert doc["header"]["model_answered"] == "gpt-x"
    assert doc["header"]["kit_version"] == __version__
    assert doc["header"]["provider"] == "cassette_support.Recorder"
    assert doc["header"]["model"] == "real-1"
    assert "    content: |\n      Line one.\n      Line two.\n" in text
    assert CassetteProvider(cassette).complete(ask("Write two lines.")) == reply


def test_a_hand_written_cassette_loads(cassette: Path) -> None:
    cassette.write_text(GOOD)
    assert CassetteProvider(cassette).complete(ask("hi")).content == "hello"


def test_a_wrong_field_type_names_the_file_the_interaction_and_the_field(cassette: Path) -> None:
    message = broken(cassette, GOOD.replace("max_tokens: 1024", "max_tokens: lots"))
    assert re.fullmatch(
        wording(
            "Cassette c.yaml is not valid: interaction #0, field request.max_tokens: … (got "
            "'lots'). Fix that field by hand, or re-record the cassette with --llm-record-mode=all."
        ),
        message,
    ), message


def test_a_misspelt_field_is_reported(cassette: Path) -> None:
    message = broken(cassette, GOOD.replace("content: hello", "contnet: hello"))
    assert re.fullmatch(
        wording(
            "Cassette c.yaml is not valid: interaction #0, field response.content: … (got "
            "{'contnet': 'hello', 'model': 'm'}). Fix that field by hand, or re-record the "
            "cassette with --llm-record-mode=all."
        ),
        message,
    ), message


def test_a_bad_event_is_reported_by_its_position(cassette: Path) -> None:
    stream = GOOD.replace("call: complete", "call: stream").replace(
        "  response:\n    content: hello\n    model: m\n",
        "  events:\n  - type: text_delta\n    content: a\n  - type: finish\n    input_tokens: x\n",
    )
    assert broken(cassette, stream) == (
        "Cassette c.yaml is not valid: interaction #0, field events[1].input_tokens: Input "
        "should be a valid integer (got 'x'). Fix that field by hand, or re-record the cassette "
        "with --llm-record-mode=all."
    )


def test_an_unknown_error_class_lists_the_known_ones(cassette: Path) -> None:
    text = GOOD.replace(
        "  response:\n    content: hello\n    model: m\n",
        "  error:\n    class: Teapot\n    message: short and stout\n",
    )
    message = broken(cassette, text)
    assert message.startswith(
        "Cassette c.yaml is not valid: interaction #0, field error.class: Value error, unknown "
        "error class 'Teapot'; expected one of ['APIConnectionError', 'AuthenticationError', "
    )
    assert message.endswith(
        "(got 'Teapot'). Fix that field by hand, or re-record the cassette with "
        "--llm-record-mode=all."
    )


def test_an_interaction_without_an_outcome_is_reported(cassette: Path) -> None:
    assert broken(
        cassette, GOOD.replace("  response:\n    content: hello\n    model: m\n", "")
    ) == (
        "Cassette c.yaml is not valid: interaction #0 (call 'complete') has 'no outcome', "
        "expected exactly one of response or error. Fix it by hand, or re-record the cassette "
        "with --llm-record-mode=all."
    )


def test_a_newer_version_says_to_upgrade_the_kit(cassette: Path) -> None:
    assert broken(cassette, GOOD.replace("version: 1", "version: 7")) == (
        f"Cassette c.yaml has format version 7, but llm-fakes {__version__} reads versions up "
        "to 1. Upgrade llm-fakes (pip install -U llm-fakes), or re-record it with "
        "--llm-record-mode=all."
    )


def test_an_older_version_says_how_to_upgrade_the_cassette(cassette: Path) -> None:
    assert broken(cassette, GOOD.replace("version: 1", "version: 0")) == (
        f"Cassette c.yaml has format version 0, older than any llm-fakes {__version__} can "
        "upgrade (it reads version 1). Re-record it with --llm-record-mode=all, or load it "
        "with the llm-fakes release that wrote it (0.1.0) and re-save."
    )


def test_a_missing_version_is_reported(cassette: Path) -> None:
    assert broken(cassette, GOOD.replace("version: 1\n", "")) == (
        "Cassette c.yaml has no valid version (field version is None). Add 'version: 1' if it "
        "was written by this kit, or re-record it with --llm-record-mode=all."
    )


FIX = ". Fix it by hand, or re-record it with --llm-record-mode=all."


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # PyYAML notices the open quote at the end of the file (line 17); it opens on line 12.
        (
            "content: hi",
            'content: "hi',
            "at line 12, column 16, where a value that is never closed starts: … at line 17, "
            "column 1 (…)",
        ),
        (
            "    max_tokens: 1024",
            "    max_tokens: [1024",
            "at line 13, column 17, where a value that is never closed starts: … at line 14, "
            "column 11 (…)",
        ),
        # Anything else: where the parser stopped.
        ("content: hello", "content: a: b", "at line 15, column 15: …"),
    ],
    ids=["unclosed-quote", "unclosed-bracket", "other"],
)
def test_a_yaml_error_points_where_the_broken_value_starts(
    cassette: Path, before: str, after: str, expected: str
) -> None:
    message = broken(cassette, GOOD.replace(before, after))
    pattern = wording(f"Cassette c.yaml is not valid YAML {expected}{FIX}")
    assert re.fullmatch(pattern, message), message


def test_something_else_entirely_is_reported(cassette: Path) -> None:
    assert broken(cassette, "- just\n- a list\n") == (
        "Cassette c.yaml is not a cassette: expected a mapping with version, header and "
        "interactions, got list ['just', 'a list']. Re-record it with --llm-record-mode=all."
    )
    cassette.write_bytes(b"version: 1\n\xff\xfe")
    with pytest.raises(CassetteFormatError) as info:
        CassetteProvider(cassette)
    assert str(info.value) == (
        "Cassette c.yaml is not UTF-8 text (invalid start byte at byte 11). Re-record it with "
        "--llm-record-mode=all."
    )
