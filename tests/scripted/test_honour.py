"""How a reply is cut to what a request allows (``llm_fakes.scripted.honour``): the stop sequence
first, then the budget over reasoning, text and tool arguments; explicit chunks and JSON replies
cut with it; a turn marked ``defies_request`` left alone."""

from __future__ import annotations

import pytest

from llm_fakes import Reply, ScriptError, ToolCall
from llm_fakes.scripted.honour import cut_reply, honour
from llm_fakes.wire.terms import RequestTerms, tool_choice_of


def test_the_earliest_stop_sequence_wins_and_drops_the_calls_after_it() -> None:
    reply = Reply(text="a STOP b END c", tool_calls=[ToolCall("t")], chunks=["a ST", "OP b END c"])
    cut = cut_reply(reply, RequestTerms(stop=("END", "STOP")))
    assert (cut.text, cut.stop_sequence, cut.stop_reason, cut.tool_calls) == (
        "a ",
        "STOP",
        "stop",
        (),
    )
    assert cut.chunks == ("a ",)


def test_the_budget_counts_reasoning_first_then_text() -> None:
    reply = Reply(text="t" * 20, reasoning="r" * 10)
    cut = cut_reply(reply, RequestTerms(max_tokens=3))  # 12 characters
    assert (cut.reasoning, cut.text, cut.output_tokens) == ("r" * 10, "tt", 3)
    only_thinking = cut_reply(Reply(text="t", reasoning="r" * 40), RequestTerms(max_tokens=2))
    assert (only_thinking.reasoning, only_thinking.text) == ("r" * 8, "")


def test_a_cut_json_reply_goes_out_as_text_json_mode_does_not_refuse() -> None:
    cut = cut_reply(Reply(json={"city": "Paris", "note": "x" * 40}), RequestTerms(max_tokens=4))
    assert (cut.text, cut.invalid_json, cut.is_json) == ('{"city": "Paris"', True, False)


def test_a_reply_that_fits_is_returned_unchanged() -> None:
    reply = Reply(text="short", tool_calls=[ToolCall("t", {"q": 1})])
    assert cut_reply(reply, RequestTerms(max_tokens=100, tools=("t",))) is reply


def test_defies_request_skips_checks_and_cuts() -> None:
    reply = Reply(text="x" * 100, tool_calls=[ToolCall("nope")], defies_request=True)
    assert honour(reply, RequestTerms(max_tokens=1, tools=()), "queue[0]") is reply


def test_output_tokens_above_the_budget_are_a_script_error() -> None:
    with pytest.raises(ScriptError, match=r"output_tokens=50, above the request's max_tokens 9"):
        honour(Reply(text="hi", output_tokens=50), RequestTerms(max_tokens=9), "queue[0]")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("none", ("none", None)),
        ("required", ("required", None)),
        ({"type": "any"}, ("required", None)),
        ({"type": "tool", "name": "f"}, ("tool", "f")),
        ({"type": "function", "name": "f"}, ("tool", "f")),
        ({"type": "web_search_preview"}, ("auto", None)),
        (None, ("auto", None)),
    ],
)
def test_tool_choice_in_every_apis_shape(value: object, expected: tuple[str, str | None]) -> None:
    assert tool_choice_of(value) == expected
