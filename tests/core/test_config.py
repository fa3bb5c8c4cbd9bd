"""`llm_fakes.config.resolve`: the one precedence rule, value checks and their messages."""

from __future__ import annotations

import enum

import pytest

from llm_fakes.config import ALLOW_HOSTS, GUARD, RECORD_MODE, Resolved, resolve
from llm_fakes.errors import UsageError


def test_nothing_set_gives_the_default() -> None:
    assert resolve(GUARD) == Resolved("auto", "the default")
    assert resolve(ALLOW_HOSTS) == Resolved((), "the default")


def test_each_source_is_used_when_it_is_the_only_one() -> None:
    mark = pytest.mark.llm_guard("off").mark
    assert resolve(GUARD, option="on") == Resolved("on", "the command line (--llm-guard=on)")
    assert resolve(GUARD, ini="on") == Resolved("on", "the ini key llm_fakes_guard = on")
    assert resolve(GUARD, marker=mark) == Resolved(
        "off", "the marker @pytest.mark.llm_guard(mode='off')"
    )
    assert resolve(GUARD, fixture={"guard": "on"}) == Resolved(
        "on", "the llm_config fixture ({'guard': 'on'})"
    )


def test_the_command_line_beats_ini_beats_marker_beats_fixture() -> None:
    on = pytest.mark.llm_guard(mode="on").mark
    assert resolve(GUARD, option="off", ini="on", marker=on, fixture={"guard": "on"}).value == (
        "off"
    )
    assert resolve(GUARD, ini="off", marker=on, fixture={"guard": "on"}).value == "off"
    assert resolve(GUARD, marker=on, fixture={"guard": "off"}).value == "on"


def test_a_marker_without_the_settings_keyword_does_not_count() -> None:
    hosts_only = pytest.mark.llm_guard(allow_hosts=["a"]).mark
    assert resolve(GUARD, marker=hosts_only, fixture={"guard": "off"}).value == "off"


def test_list_settings_add_up_across_sources_without_duplicates() -> None:
    mark = pytest.mark.llm_guard(allow_hosts=["c", "a"]).mark
    got = resolve(ALLOW_HOSTS, option="a,b", ini="b c", marker=mark, fixture={"allow_hosts": "d"})
    assert got.value == ("a", "b", "c", "d")


def test_bools_and_enum_members_count_as_their_values() -> None:
    class Mode(enum.Enum):
        ONCE = "once"

    assert resolve(GUARD, marker=pytest.mark.llm_guard(True).mark).value == "on"
    assert resolve(GUARD, fixture={"guard": False}).value == "off"
    assert resolve(RECORD_MODE, fixture={"record_mode": Mode.ONCE}).value == "once"


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        (
            {"ini": "nope"},
            ("the ini key llm_fakes_guard = nope", "llm_fakes_guard in the ini file"),
        ),
        (
            {"marker": pytest.mark.llm_guard("nope").mark},
            ("the marker @pytest.mark.llm_guard(mode='nope')", "the marker's mode="),
        ),
        (
            {"fixture": {"guard": "nope"}},
            ("the llm_config fixture ({'guard': 'nope'})", "llm_config['guard']"),
        ),
    ],
)
def test_a_bad_value_names_its_source_the_choices_and_what_to_change(
    kwargs: dict[str, object], where: tuple[str, str]
) -> None:
    source, fix = where
    with pytest.raises(UsageError) as err:
        resolve(GUARD, **kwargs)  # type: ignore[arg-type]
    assert str(err.value) == (
        f"Invalid value 'nope' for the llm-fakes setting 'guard', from {source}. "
        f"Allowed values: ['auto', 'on', 'off']. Change {fix} to one of them."
    )
