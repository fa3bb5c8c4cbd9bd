"""Record modes none / once / new_episodes / all, replay order, saving once."""

from __future__ import annotations

from pathlib import Path

import pytest
from cassette_support import Forbidden, Recorder, ask

from llm_fakes import (
    CassetteMiss,
    CassetteProvider,
    LLMFakesError,
    LLMResponse,
    RecordMode,
    UsageError,
)
from llm_fakes.cassettes import storage


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cassettes" / "test_chat" / "test_reply.yaml"


def record(path: Path, *questions: str) -> Recorder:
    real = Recorder()
    with CassetteProvider(path, inner=real, mode="once") as llm:
        for q in questions:
            llm.complete(ask(q))
    return real


def test_none_mode_replays_without_ever_calling_the_inner_provider(path: Path) -> None:
    record(path, "What is 2+2?")
    for inner in (None, Forbidden()):
        llm = CassetteProvider(path, inner=inner)
        assert llm.mode is RecordMode.NONE
        assert llm.complete(ask("What is 2+2?")).content == "re: What is 2+2?"


def test_a_miss_names_the_cassette_and_diffs_the_closest_request(path: Path) -> None:
    record(path, "What is 2+2?", "Hello there")
    llm = CassetteProvider(path, inner=Forbidden())
    with pytest.raises(CassetteMiss) as info:
        llm.complete(ask("What is 2+3?"))
    assert str(info.value) == (
        "No recorded interaction matches complete(model='real-1', 1 message) in "
        "cassettes/test_chat/test_reply.yaml.\n"
        "Closest recorded request (#0) differs in messages[0].content:\n"
        "- 'What is 2+2?'\n"
        "+ 'What is 2+3?'\n"
        "Re-record with --llm-record-mode=new_episodes, or match on fewer fields with "
        "match_on=[...]."
    )
    assert isinstance(info.value, AssertionError) and isinstance(info.value, LLMFakesError)


def test_a_miss_on_a_missing_cassette_says_how_to_record_it(path: Path) -> None:
    llm = CassetteProvider(path)
    with pytest.raises(CassetteMiss) as info:
        llm.complete(ask("hi"), system="Be brief.")
    assert str(info.value) == (
        "No recorded interaction matches complete(1 message) in "
        "cassettes/test_chat/test_reply.yaml.\n"
        "The cassette does not exist.\n"
        "Record it with --llm-record-mode=once (and a real provider: override the "
        "llm_real_provider fixture, or pass inner=)."
    )
    assert not path.exists()


def test_once_records_when_the_file_is_absent_and_replays_when_present(path: Path) -> None:
    real = record(path, "a", "b")
    assert [c["messages"][0]["content"] for c in real.calls] == ["a", "b"]
    again = Recorder()
    llm = CassetteProvider(path, inner=again, mode=RecordMode.ONCE)
    assert llm.complete(ask("b")).content == "re: b"
    assert again.calls == []
    with pytest.raises(CassetteMiss, match="Closest recorded request"):
        llm.complete(ask("c"))
    assert again.calls == []


def test_new_episodes_replays_hits_and_records_misses(path: Path) -> None:
    record(path, "a")
    real = Recorder()
    with CassetteProvider(path, inner=real, mode="new_episodes") as llm:
        assert llm.complete(ask("a")).content == "re: a"
        assert llm.complete(ask("new")).content == "re: new"
    assert [c["messages"][0]["content"] for c in real.calls] == ["new"]
    doc = storage.load(path)
    assert [i["request"]["messages"][0]["content"] for i in doc["interactions"]] == ["a", "new"]


def test_all_rerecords_everything_and_replaces_the_cassette(path: Path) -> None:
    record(path, "a", "b")
    real = Recorder(lambda req: LLMResponse(content="fresh", model="real-2"))
    with CassetteProvider(path, inner=real, mode="all") as llm:
        assert llm.complete(ask("a")).content == "fresh"
    assert len(real.calls) == 1
    doc = storage.load(path)
    assert [i["response"]["content"] for i in doc["interactions"]] == ["fresh"]
    assert doc["header"]["model"] == "real-1"


def test_identical_requests_replay_in_recorded_order(path: Path) -> None:
    answers = iter(["first", "second", "third"])
    real = Recorder(lambda req: LLMResponse(content=next(answers), model="m"))
    with CassetteProvider(path, inner=real, mode="once") as llm:
        for _ in range(3):
            llm.complete(ask("again?"))
    llm = CassetteProvider(path)
    assert [llm.complete(ask("again?")).content for _ in range(3)] == ["first", "second", "third"]
    with pytest.raises(CassetteMiss) as info:
        llm.complete(ask("again?"))
    assert str(info.value) == (
        "No recorded interaction matches complete(model='real-1', 1 message) in "
        "cassettes/test_chat/test_reply.yaml.\n"
        "Its 3 recording(s) (#0, #1, #2) were all played already in this session.\n"
        "Record another with --llm-record-mode=new_episodes, or replay the last one again "
        "with allow_playback_repeats=True."
    )
    llm.rewind()
    assert llm.complete(ask("again?")).content == "first"
    repeats = CassetteProvider(path, allow_playback_repeats=True)
    assert [repeats.complete(ask("again?")).content for _ in range(4)][-2:] == ["third", "third"]


def test_unknown_mode_is_a_usage_error_listing_the_modes(path: Path) -> None:
    with pytest.raises(UsageError) as info:
        CassetteProvider(path, mode="sometimes")
    assert str(info.value) == (
        "Unknown record mode 'sometimes'; the modes are ['none', 'once', 'new_episodes', 'all']."
    )


def test_recording_without_an_inner_provider_says_how_to_give_one(path: Path) -> None:
    llm = CassetteProvider(path, mode="once")
    with pytest.raises(UsageError) as info:
        llm.complete(ask("hi"))
    assert str(info.value) == (
        "CassetteProvider('cassettes/test_chat/test_reply.yaml', mode='once') has to record, "
        "but has no inner provider. Pass inner=<your real provider>, or in pytest override "
        "the llm_real_provider fixture."
    )


def test_a_factory_inner_is_only_called_when_something_must_be_recorded(path: Path) -> None:
    record(path, "a")
    made: list[Recorder] = []

    def factory() -> Recorder:
        made.append(Recorder())
        return made[-1]

    with CassetteProvider(path, inner=factory, mode="new_episodes") as llm:
        llm.complete(ask("a"))
        assert made == []
        llm.complete(ask("b"))
        llm.complete(ask("c"))
    assert len(made) == 1 and len(made[0].calls) == 2


def test_the_cassette_is_written_once_at_exit_not_per_call(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[Path] = []
    real_write = storage.write_atomic
    monkeypatch.setattr(storage, "write_atomic", lambda p, t: (writes.append(p), real_write(p, t)))
    with CassetteProvider(path, inner=Recorder(), mode="once") as llm:
        for q in "abc":
            llm.complete(ask(q))
        assert writes == [] and not path.exists()
        assert llm.recorded == 3
    assert writes == [path]
    llm.save()  # nothing new: nothing written
    assert writes == [path]
    CassetteProvider(path).save()  # replay only: never writes
    assert writes == [path]


def test_the_recording_keeps_the_request_as_it_was_when_sent(path: Path) -> None:
    history = ask("first")
    with CassetteProvider(path, inner=Recorder(), mode="once") as llm:
        llm.complete(history)
        history.append({"role": "assistant", "content": "re: first"})  # an agent loop goes on
        history.append({"role": "user", "content": "second"})
        llm.complete(history)
    doc = storage.load(path)
    assert [len(i["request"]["messages"]) for i in doc["interactions"]] == [1, 3]


def test_unplayed_interactions_are_reported(path: Path) -> None:
    record(path, "a", "b", "c")
    llm = CassetteProvider(path)
    llm.complete(ask("b"))
    assert llm.unplayed() == [0, 2]
    with pytest.raises(AssertionError) as info:
        llm.assert_all_played()
    assert str(info.value) == (
        "Cassette cassettes/test_chat/test_reply.yaml has 2 recorded interaction(s) that were "
        "never played: #0 complete(1 message, last 'a'), #2 complete(1 message, last 'c'). "
        "Remove them by re-recording with --llm-record-mode=all, or turn strict mode off "
        "(llm_fakes_strict_cassettes = off)."
    )
