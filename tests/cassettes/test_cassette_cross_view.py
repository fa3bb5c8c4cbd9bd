"""Cross-view replay across the interface's defaults: ``complete()`` defaults to
``max_tokens=1024`` and ``stream()`` to 4096; a recording made through one view with its default
replays through the other with *its* default, unless ``cross_view_defaults=False``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cassette_support import Recorder, ask, collect

from llm_fakes import CassetteMiss, CassetteProvider


def record_complete(path: Path, max_tokens: int = 1024) -> None:
    with CassetteProvider(path, inner=Recorder(), mode="once") as llm:
        llm.complete(ask("Hi"), max_tokens=max_tokens)


def test_a_complete_recording_replays_through_stream_when_both_use_their_default(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.yaml"
    record_complete(path)
    replay = CassetteProvider(path)
    events = asyncio.run(collect(replay.stream(ask("Hi"))))
    assert "".join(e.content for e in events if e.type == "text_delta") == "re: Hi"
    assert replay.unplayed() == []


def test_a_stream_recording_replays_through_complete_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    with CassetteProvider(path, inner=Recorder(), mode="once") as llm:
        asyncio.run(collect(llm.stream(ask("Hi"))))
    assert CassetteProvider(path).complete(ask("Hi")).content == "re: Hi"
    assert asyncio.run(CassetteProvider(path).acomplete(ask("Hi"))).content == "re: Hi"


def test_the_opt_out_compares_max_tokens_as_given(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    record_complete(path)
    strict = CassetteProvider(path, cross_view_defaults=False)
    with pytest.raises(CassetteMiss, match="max_tokens"):
        asyncio.run(collect(strict.stream(ask("Hi"))))
    assert strict.complete(ask("Hi")).content == "re: Hi"  # the same view still matches


def test_only_defaults_cross_over_an_explicit_value_must_match(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    record_complete(path, max_tokens=50)
    replay = CassetteProvider(path)
    with pytest.raises(CassetteMiss):
        asyncio.run(collect(replay.stream(ask("Hi"))))
    assert asyncio.run(collect(replay.stream(ask("Hi"), max_tokens=50)))
    record_complete(tmp_path / "d.yaml")
    with pytest.raises(CassetteMiss):  # 1024 through stream() is not stream()'s default
        asyncio.run(collect(CassetteProvider(tmp_path / "d.yaml").stream(ask("Hi"), max_tokens=99)))


def test_the_pytest_marker_passes_the_opt_out(pytester: pytest.Pytester) -> None:
    record_complete(pytester.path / "cassettes" / "test_views" / "shared.yaml")
    pytester.makefile(".ini", pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_views="""
import asyncio, pytest
from llm_fakes import CassetteMiss

async def drain(stream):
    return [e async for e in stream]

@pytest.mark.llm_cassette("shared")
def test_default(llm_cassette):
    assert asyncio.run(drain(llm_cassette.stream([{"role": "user", "content": "Hi"}])))

@pytest.mark.llm_cassette("shared", cross_view_defaults=False)
def test_opted_out(llm_cassette):
    with pytest.raises(CassetteMiss):
        asyncio.run(drain(llm_cassette.stream([{"role": "user", "content": "Hi"}])))
"""
    )
    result = pytester.runpytest("-p", "no:hypothesispytest", "-p", "no:langsmith_plugin")
    result.assert_outcomes(passed=2)


def test_the_cross_view_match_applies_the_request_hook_as_a_direct_match_does(
    tmp_path: Path,
) -> None:
    def no_dates(request: dict[str, object]) -> dict[str, object]:
        return {**request, "system": str(request["system"]).split(" on ")[0]}

    path = tmp_path / "hooked.yaml"
    with CassetteProvider(
        path, inner=Recorder(), mode="once", before_record_request=no_dates
    ) as llm:
        llm.complete(ask("Hi"), system="Be brief on 2026-01-01")
    replay = CassetteProvider(path, before_record_request=no_dates)
    events = asyncio.run(collect(replay.stream(ask("Hi"), system="Be brief on 2026-12-31")))
    assert "".join(e.content for e in events if e.type == "text_delta") == "re: Hi"
