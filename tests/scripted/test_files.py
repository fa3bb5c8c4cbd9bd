"""Script files: YAML and JSON, validated with pydantic; errors name the file, entry and field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from llm_fakes import Fail, Reply, ScriptedProvider, ScriptError, ToolCall, load_script
from llm_fakes.scripted.files import load_script_file


def wording(template: str) -> str:
    """A regex for a kit message; each ``…`` stands for another library's words (which vary)."""
    return ".+".join(re.escape(part) for part in template.split("…"))


FULL_YAML = """\
model: gpt-fake
chunking: chars
turns:
  - Hello!
  - text: Checking.
    tool_calls:
      - {name: search, input: {q: paris}, id: call_a}
      - {name: clock}
    reasoning: think first
    stop_reason: tool_use
    model: other-model
    input_tokens: 10
    output_tokens: 4
    cached_tokens: 2
  - {json: {city: Paris, temp_c: 21}}
  - {json: null}
  - {text: "Hello world", chunks: ["Hel", "lo world"]}
  - {text: "{broken", invalid_json: true}
  - {fail: rate_limit, retry_after: 2}
  - {fail: overloaded}
  - {fail: server_error, status: 503, message: busy}
  - {fail: empty}
  - {fail: timeout}
  - {fail: connection}
  - {fail: bad_request, message: no such model}
  - {fail: auth}
  - {fail: mid_stream, reply: "Hello wor", after_chunk: 1, recoverable: false}
rules:
  - {last_user: "(?i)weather", times: 1, reply: "Sunny."}
  - {tool_result: search, reply: {fail: overloaded}}
"""

EXPECTED_TURNS = [
    Reply(text="Hello!"),
    Reply(
        text="Checking.",
        tool_calls=[ToolCall("search", {"q": "paris"}, id="call_a"), ToolCall("clock")],
        reasoning="think first",
        stop_reason="tool_use",
        model="other-model",
        input_tokens=10,
        output_tokens=4,
        cached_tokens=2,
    ),
    Reply(json={"city": "Paris", "temp_c": 21}),
    Reply(json=None),
    Reply(text="Hello world", chunks=["Hel", "lo world"]),
    Reply(text="{broken", invalid_json=True),
    Fail.rate_limit(retry_after=2),
    Fail.overloaded(),
    Fail.server_error(503, message="busy"),
    Fail.empty(),
    Fail.timeout(),
    Fail.connection(),
    Fail.bad_request("no such model"),
    Fail.auth(),
    Fail.mid_stream("Hello wor", after_chunk=1, recoverable=False),
]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_kind_of_turn_loads_from_yaml(tmp_path: Path) -> None:
    loaded = load_script_file(write(tmp_path, "s.yaml", FULL_YAML))
    assert loaded.turns == EXPECTED_TURNS
    assert loaded.settings == {"model": "gpt-fake", "chunking": "chars"}
    assert [r.describe() for r in loaded.rules] == [
        "on(last_user='(?i)weather', times=1) -> Reply(text='Sunny.')",
        "on(tool_result='search', times=None) -> Fail.overloaded()",
    ]


def test_a_json_file_holding_a_list_is_a_list_of_turns(tmp_path: Path) -> None:
    path = write(tmp_path, "s.json", json.dumps(["Hi", {"json": [1, 2]}, {"fail": "empty"}]))
    assert load_script(path) == [Reply(text="Hi"), Reply(json=[1, 2]), Fail.empty()]


def test_from_file_plays_the_turns_rules_and_settings(tmp_path: Path) -> None:
    fake = ScriptedProvider.from_file(write(tmp_path, "s.yaml", FULL_YAML), model="override")
    assert fake.model == "override"
    assert fake.chunking == "chars"
    weather = fake.complete([{"role": "user", "content": "Weather?"}])
    first = fake.complete([{"role": "user", "content": "hi"}])
    assert (weather.content, first.content, first.model) == ("Sunny.", "Hello!", "override")
    assert len(fake.rules) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "turns:\n  - {txt: hi}\n",
            "entry turns[0], field 'txt': unknown field. Known fields: ['text', 'json', "
            "'tool_calls', 'reasoning', 'stop_reason', 'model', 'input_tokens', 'output_tokens', "
            "'cached_tokens', 'chunks', 'invalid_json', 'near_json']. Rename or remove 'txt'.",
        ),
        (
            "turns:\n  - ok\n  - {tool_calls: [{input: {}}]}\n",
            "entry turns[1], field 'tool_calls[0].name': required field missing. "
            "Add 'tool_calls[0].name' to the entry.",
        ),
        (
            "turns:\n  - {tool_calls: [{name: lookup, inputs: {city: Paris}}]}\n",
            "entry turns[0], field 'tool_calls[0].inputs': unknown field. Known fields of a "
            "tool call: ['name', 'input', 'id']. Rename or remove 'tool_calls[0].inputs'.",
        ),
        (
            "turns:\n  - {fail: rate_limt}\n",
            "entry turns[0], field 'fail': unknown failure 'rate_limt'. Use one of "
            "['rate_limit', 'overloaded', 'server_error', 'empty', 'timeout', 'connection', "
            "'bad_request', 'auth', 'mid_stream'].",
        ),
        (
            "turns:\n  - {fail: rate_limit, status: 500}\n",
            "entry turns[0], field 'status': not used by fail: 'rate_limit' "
            "(it takes ['message', 'retry_after']). Remove 'status'.",
        ),
        (
            "turns:\n  - {input_tokens: -1}\n",
            "entry turns[0], field 'input_tokens': … (got -1). Fix that value.",
        ),
        (
            "turns:\n  - {tool_calls: [{name: x, input: 5}]}\n",
            "entry turns[0], field 'tool_calls[0].input': … (got 5). Fix that value.",
        ),
        (
            "turns:\n  - {fail: mid_stream, after_chunk: 1}\n",
            "entry turns[0]: required field 'reply' missing (the reply streamed before the "
            "failure). Add reply: <text or reply mapping>.",
        ),
        (
            "turns:\n  - {fail: mid_stream, reply: {txt: a}}\n",
            "entry turns[0].reply, field 'txt': unknown field. Known fields: ['text', 'json', "
            "'tool_calls', 'reasoning', 'stop_reason', 'model', 'input_tokens', 'output_tokens', "
            "'cached_tokens', 'chunks', 'invalid_json', 'near_json']. Rename or remove 'txt'.",
        ),
        (
            "turns:\n  - 42\n",
            "entry turns[0]: a turn is a string or a mapping, got int: 42. Write text as a "
            "string, a reply as {text: ...} or a failure as {fail: rate_limit}.",
        ),
        (
            "turns:\n  - {text: a, json: 1}\n",
            "entry turns[0]: Reply takes text= or json=, not both: Reply(text='a', json=1). "
            "Keep one of them (json= for a value to serialise, text= for the exact text).",
        ),
        (
            "turns:\n  - {fail: server_error, status: 418}\n",
            "entry turns[0]: Fail.server_error takes 500, 502, 503 or 504, got 418. Use one of "
            "those (for a 4xx, use Fail.bad_request() or Fail.auth()).",
        ),
        (
            "rules:\n  - {reply: {fail: nope}}\n",
            "entry rules[0].reply, field 'fail': unknown failure 'nope'. Use one of "
            "['rate_limit', 'overloaded', 'server_error', 'empty', 'timeout', 'connection', "
            "'bad_request', 'auth', 'mid_stream'].",
        ),
        (
            "rules:\n  - {last_user: x, times: 0, reply: a}\n",
            "entry rules[0], field 'times': … (got 0). Fix that value.",
        ),
        (
            "rules:\n  - {last_user: x}\n",
            "entry rules[0], field 'reply': required field missing. Add 'reply' to the entry.",
        ),
    ],
)
def test_a_bad_entry_names_the_file_the_entry_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ScriptError) as info:
        load_script(path)
    # "…" is pydantic's own wording of the problem.
    assert re.fullmatch(wording(f"Script file {str(path)!r}, {message}"), str(info.value))


def test_unknown_top_level_keys_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "turnz: []\n")
    with pytest.raises(ScriptError) as info:
        load_script(path)
    assert str(info.value) == (
        f"Script file {str(path)!r} has unknown top-level key(s) ['turnz']; known keys: "
        "['turns', 'rules', 'model', 'chunking', 'on_exhausted']. Rename or remove them."
    )


def test_a_missing_file_says_where_it_looked(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScriptError) as info:
        load_script(path)
    assert str(info.value) == (
        f"Script file {str(path)!r} does not exist (looked at {str(path.resolve())!r}). "
        "Create it, or fix the path."
    )


def test_an_unknown_extension_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "[]")
    with pytest.raises(ScriptError) as info:
        load_script(path)
    assert str(info.value) == (
        f"Script file {str(path)!r} has an unknown extension '.txt'; "
        "use one of ['.yaml', '.yml', '.json']."
    )


def test_broken_yaml_points_at_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yml", "turns: [a, b\n")
    with pytest.raises(ScriptError) as info:
        load_script(path)
    message = str(info.value)
    assert re.fullmatch(  # "…": PyYAML's wording of the problem
        wording(
            f"Script file {str(path)!r} is not valid YAML at line 1, column 8, where a value that "
            "is never closed starts: … at line 2, column 1 (…). Fix the YAML there."
        ),
        message,
    ), message


def test_broken_json_points_at_the_position(tmp_path: Path) -> None:
    path = write(tmp_path, "s.json", '["a",]')
    with pytest.raises(ScriptError) as info:
        load_script(path)
    # The position is the json module's; its wording is left free.
    assert re.fullmatch(
        wording(
            f"Script file {str(path)!r} is not valid JSON: …line 1 column 6…. Fix the JSON at "
            "that position."
        ),
        str(info.value),
    ), str(info.value)


def test_a_file_that_is_neither_list_nor_mapping_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "just text\n")
    with pytest.raises(ScriptError) as info:
        load_script(path)
    assert str(info.value) == (
        f"Script file {str(path)!r} must hold a list of turns or a mapping with 'turns', got "
        "str: 'just text'. Put the turns in a list."
    )


def test_an_empty_file_is_an_empty_script(tmp_path: Path) -> None:
    assert load_script(write(tmp_path, "s.yaml", "turns:\n")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model: ''\nturns: []\n", "model must be a non-empty str, got ''"),
        (
            "chunking: sentences\n",
            "chunking must be 'words', 'chars' or an int > 0, got 'sentences'",
        ),
        (
            "on_exhausted: loop\n",
            "on_exhausted must be one of ['raise', 'cycle', 'repeat_last'], got 'loop'",
        ),
    ],
)
def test_bad_provider_settings_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(ScriptError) as info:
        load_script(path)
    assert (
        str(info.value)
        == f"Script file {str(path)!r}, top-level settings: {message}. Fix that value."
    )


RULES_ONLY = "rules:\n  - {last_user: '(?i)weather', reply: Sunny.}\n"


def test_a_file_of_rules_alone_is_not_an_empty_script(tmp_path: Path) -> None:
    loaded = load_script(write(tmp_path, "rules.yaml", RULES_ONLY))
    assert loaded  # true: it holds a rule
    assert list(loaded) == [] and len(loaded.rules) == 1
    assert "rules=" in repr(loaded)


def test_scripted_provider_takes_a_loaded_files_rules_and_settings(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "model: gpt-file\n" + RULES_ONLY + "turns: [Hello]\n")
    fake = ScriptedProvider(load_script(path))
    weather = fake.complete([{"role": "user", "content": "Weather?"}])
    assert (weather.content, weather.model) == ("Sunny.", "gpt-file")
    assert fake.complete([{"role": "user", "content": "Hi"}]).content == "Hello"
    # An argument given explicitly wins over the file's setting.
    assert ScriptedProvider(load_script(path), model="mine").model == "mine"


def test_load_script_file_is_the_same_loader(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", RULES_ONLY)
    assert load_script_file is load_script
    assert load_script_file(path).rules[0].describe() == load_script(path).rules[0].describe()
