"""A lone turn, or a list, where the other belongs: refused with the call to write, instead of a
str split into one turn per character (a newcomer's first-hour mistakes)."""

from __future__ import annotations

import pytest

from llm_fakes import FakeAnthropic, FakeOpenAI, ScriptedProvider
from llm_fakes.errors import ScriptError


@pytest.mark.parametrize("fake", [FakeOpenAI, FakeAnthropic])
def test_a_fake_server_refuses_a_str_script_as_scripted_provider_does(fake: type) -> None:
    with pytest.raises(ScriptError, match=r"script= takes a list of turns, got a single str"):
        fake("Hello")
    with pytest.raises(ScriptError, match=r"Wrap it in a list: \['Hello'\]"):
        ScriptedProvider("Hello")  # type: ignore[arg-type]


def test_extend_refuses_a_str_instead_of_adding_one_turn_per_character() -> None:
    fake = FakeOpenAI(["first"])
    with pytest.raises(ScriptError, match=r"extend\(\) takes a list of turns, got a single str"):
        fake.extend("Hello")
    assert len(fake.remaining) == 1


def test_add_names_the_unpacking_when_given_one_list() -> None:
    fake = ScriptedProvider()
    with pytest.raises(ScriptError, match=r"add\(\) takes the turns as separate arguments"):
        fake.add(["a", "b"])  # type: ignore[arg-type]
    assert fake.add(*["a", "b"]).remaining[1].text == "b"


def test_a_generator_of_turns_is_still_a_script() -> None:
    assert len(FakeOpenAI(t for t in ["a", "b"]).remaining) == 2
