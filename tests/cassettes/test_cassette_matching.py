"""Canonical keys, fewer fields, normalisers, O(1) lookups, diffs only on a miss."""

from __future__ import annotations

from pathlib import Path

import pytest
from cassette_support import Recorder, ask

from llm_fakes import CassetteMiss, CassetteProvider, LLMResponse, Tool, UsageError
from llm_fakes.cassettes import matching
from llm_fakes.cassettes.matching import Matcher, make_request, regex_normalizer


def record(path: Path, requests: list[dict]) -> None:
    with CassetteProvider(path, inner=Recorder(), mode="once") as llm:
        for req in requests:
            llm.complete(**req)


def test_the_key_covers_every_request_field_but_max_retries() -> None:
    m = Matcher()
    base = make_request(ask("q"), "sys", [Tool("t", "d", {"type": "object"})], 100, None, False, 0)
    same = make_request(ask("q"), "sys", [Tool("t", "d", {"type": "object"})], 100, None, False, 9)
    assert m.key(base) == m.key(same)
    variants = [
        make_request(ask("Q")),
        make_request(ask("q"), system="other"),
        make_request(ask("q"), tools=[Tool("t", "other")]),
        make_request(ask("q"), max_tokens=5),
        make_request(ask("q"), response_format={"type": "json_object"}),
        make_request(ask("q"), json_mode=True),
    ]
    keys = {m.key(v) for v in variants} | {m.key(make_request(ask("q")))}
    assert len(keys) == len(variants) + 1


def test_key_order_and_none_versus_empty_tools_do_not_matter() -> None:
    m = Matcher()
    a = make_request([{"role": "user", "content": "q", "cache_control": {"b": 1, "a": 2}}])
    b = make_request(
        [{"cache_control": {"a": 2, "b": 1}, "content": "q", "role": "user"}], tools=[]
    )
    assert m.key(a) == m.key(b)


def test_match_on_fewer_fields_ignores_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    record(path, [{"messages": ask("q"), "system": "It is Monday."}])
    llm = CassetteProvider(path, match_on=["messages"])
    assert llm.complete(ask("q"), system="It is Friday.", max_tokens=9).content == "re: q"


def test_a_regex_normaliser_makes_a_timestamp_in_a_prompt_irrelevant(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    record(path, [{"messages": ask("Now is 2026-03-01T10:00:00Z. Plan my day.")}])
    stamp = regex_normalizer(r"\d{4}-\d\d-\d\dT[\d:]+Z", "<time>")
    llm = CassetteProvider(path, normalize={"messages": stamp})
    assert llm.complete(ask("Now is 2026-11-28T17:45:12Z. Plan my day.")).content.startswith("re:")
    with pytest.raises(CassetteMiss):
        CassetteProvider(path).complete(ask("Now is 2026-11-28T17:45:12Z. Plan my day."))


def test_unknown_fields_in_match_on_are_a_usage_error_listing_the_fields() -> None:
    with pytest.raises(UsageError) as info:
        Matcher(match_on=["messages", "temperature"])
    assert str(info.value) == (
        "match_on names unknown request field(s) ['temperature']; the fields are ['messages', "
        "'system', 'tools', 'max_tokens', 'response_format', 'json_mode', 'max_retries']."
    )


def test_a_hit_costs_one_key_whatever_the_cassette_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    record(path, [{"messages": ask(f"question {i}")} for i in range(1000)])
    llm = CassetteProvider(path)
    dumps: list[int] = []
    real = matching.canonical_json
    monkeypatch.setattr(matching, "canonical_json", lambda v: (dumps.append(1), real(v))[1])
    monkeypatch.setattr(matching, "closest", lambda *a: pytest.fail("diff built on a hit"))
    for i in (999, 0, 500):
        assert llm.complete(ask(f"question {i}")).content == f"re: question {i}"
    assert len(dumps) == 3  # one canonical dump per call, none per recorded interaction


def test_the_closest_request_is_found_only_on_a_miss_and_diffs_the_right_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.yaml"
    record(
        path,
        [
            {"messages": ask("Translate 'cat' to French"), "system": "Be terse."},
            {"messages": ask("Translate 'dog' to French"), "system": "Be terse."},
            {"messages": ask("Translate 'dog' to German"), "system": "Be verbose."},
        ],
    )
    with pytest.raises(CassetteMiss) as info:
        CassetteProvider(path).complete(ask("Translate 'dog' to Spanish"), system="Be terse.")
    assert str(info.value).splitlines()[1:4] == [
        "Closest recorded request (#1) differs in messages[0].content:",
        "- \"Translate 'dog' to French\"",
        "+ \"Translate 'dog' to Spanish\"",
    ]


def test_a_miss_lists_several_differences_with_their_paths(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    record(path, [{"messages": ask("q"), "max_tokens": 100, "tools": [Tool("search", "Find")]}])
    with pytest.raises(CassetteMiss) as info:
        CassetteProvider(path).complete(ask("q"), max_tokens=200, tools=[Tool("search", "Look")])
    assert str(info.value).splitlines()[1:] == [
        "Closest recorded request (#0) differs in tools[0].description and max_tokens:",
        "  tools[0].description:",
        "- 'Find'",
        "+ 'Look'",
        "  max_tokens:",
        "- 100",
        "+ 200",
        "Re-record with --llm-record-mode=new_episodes, or match on fewer fields with "
        "match_on=[...].",
    ]


def test_multi_line_and_long_texts_diff_readably() -> None:
    assert matching.diff_lines("a\nb\nc", "a\nB\nc") == ["- 'b'", "+ 'B'"]
    long_a = "x" * 300 + "cat" + "y" * 100
    long_b = "x" * 300 + "dog" + "y" * 100
    assert matching.diff_lines(long_a, long_b) == [
        "- ..." + repr("x" * 40 + "cat" + "y" * 57) + "...",
        "+ ..." + repr("x" * 40 + "dog" + "y" * 57) + "...",
    ]
    assert matching.diff_lines(None, {"type": "json_object"}) == [
        "- None",
        "+ {'type': 'json_object'}",
    ]


def test_identical_responses_are_independent_objects(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    reply = LLMResponse(content="x", model="m", raw_response={"a": [1]})
    with CassetteProvider(path, inner=Recorder(lambda r: reply), mode="once") as llm:
        llm.complete(ask("q"))
    llm = CassetteProvider(path, allow_playback_repeats=True)
    first = llm.complete(ask("q"))
    first.raw_response["a"].append(2)
    assert llm.complete(ask("q")).raw_response == {"a": [1]}
