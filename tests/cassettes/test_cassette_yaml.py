"""The canonical YAML emitter and its fast reader agree with PyYAML on everything."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from llm_fakes._yaml import NotCanonical, dumps, fast_loads, loads

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False)
    | st.text()
    | st.sampled_from(["", "yes", "No", "null", "~", "1.0", "0x1F", "- x", "a: b", "#c", "|", "\n"])
    | st.text(alphabet="ab \n\t\r#:-'\"\\|>", max_size=40)
)
KEYS = st.text(max_size=12) | st.sampled_from(["true", "on", "y", "content", "a b", "1", "-k"])
DOCS = st.dictionaries(
    KEYS,
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
        max_leaves=20,
    ),
    min_size=1,
    max_size=5,
)


def same(a: Any, b: Any) -> bool:
    """Equality that also tells 1 from 1.0 and True from 1 (YAML keeps them apart)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@given(DOCS)
def test_both_readers_give_back_exactly_what_was_written(doc: dict[str, Any]) -> None:
    text = dumps(doc)
    assert same(fast_loads(text), doc)
    assert same(yaml.load(text, Loader=yaml.CSafeLoader), doc)


@given(DOCS, st.data())
def test_an_edited_line_is_read_as_pyyaml_reads_it_or_handed_to_pyyaml(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    lines = dumps(doc).split("\n")
    i = data.draw(st.integers(0, len(lines) - 1))
    edit = data.draw(
        st.sampled_from(["insert", "delete", "indent", "dedent", "comment", "space", "replace"])
    )
    line = lines[i]
    lines[i] = {
        "insert": line + "\n" + data.draw(st.text(alphabet=" -:ab|\"'#\\\t", max_size=8)),
        "delete": "",
        "indent": " " + line,
        "dedent": line[1:],
        "comment": line + " # note",
        "space": line.replace(": ", ":  ", 1),
        "replace": data.draw(st.text(alphabet=" -:ab|\"'\\[]{}&*!0", max_size=12)),
    }[edit]
    text = "\n".join(lines)
    try:
        expected = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        with pytest.raises((NotCanonical, IndexError, ValueError)):
            fast_loads(text)
        return
    try:
        got = fast_loads(text)
    except (NotCanonical, IndexError, ValueError):
        assert same(loads(text), expected)
    else:
        assert same(got, expected)


def test_multi_line_text_is_written_as_a_literal_block() -> None:
    text = dumps({"content": "First line.\nSecond line:\n  - indented\n"})
    assert text == "content: |\n  First line.\n  Second line:\n    - indented\n"
    assert dumps({"c": "no newline\nat end"}) == "c: |-\n  no newline\n  at end\n"


def test_strings_that_would_read_as_something_else_are_quoted() -> None:
    assert dumps({"a": "yes", "b": "1.5", "c": "null", "d": "x: y", "e": "plain words"}) == (
        'a: "yes"\nb: "1.5"\nc: "null"\nd: "x: y"\ne: plain words\n'
    )


def test_hand_written_yaml_outside_the_subset_goes_to_pyyaml() -> None:
    text = "# a comment\nversion: 1\nlist: [1, 2]\nanchor: &a {x: 1}\nref: *a\n"
    with pytest.raises(NotCanonical):
        fast_loads(text)
    assert loads(text) == {"version": 1, "list": [1, 2], "anchor": {"x": 1}, "ref": {"x": 1}}
