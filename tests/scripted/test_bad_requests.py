"""ScriptedProvider refuses the request shapes FakeOpenAI refuses, with the same error and words.

The seed's messages are OpenAI-style, so the same request sent through ``OpenAIProvider`` to a
``FakeOpenAI`` is the reference: both raise ``BadRequestError`` with one message.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from llm_fakes import BadRequestError, FakeOpenAI, OpenAIProvider, ScriptedProvider

BAD: dict[str, dict[str, Any]] = {
    "no role": {"messages": [{"content": "hi"}]},
    "unknown role": {"messages": [{"role": "human", "content": "hi"}]},
    "no role after a system prompt": {"messages": [{"content": "hi"}], "system": "Be brief."},
    "max_tokens as text": {"messages": [{"role": "user", "content": "hi"}], "max_tokens": "100"},
    "max_tokens zero": {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0},
}


def reference(request: dict[str, Any]) -> BadRequestError:
    fake = FakeOpenAI(["unused"])
    provider = OpenAIProvider("m", api_key="sk-test", transport=fake.transport())
    with pytest.raises(BadRequestError) as info:
        provider.complete(**request)
    assert fake.script.pos == 0  # refused before any turn
    return info.value


@pytest.mark.parametrize("case", sorted(BAD))
def test_scripted_provider_refuses_as_fake_openai_does(case: str) -> None:
    expected = reference(BAD[case])
    fake = ScriptedProvider(["unused"])
    with pytest.raises(BadRequestError) as info:
        fake.complete(**BAD[case])
    assert (info.value.message, info.value.status) == (expected.message, 400)
    assert len(fake.remaining) == 1  # refused before any turn


@pytest.mark.parametrize("case", ["no role", "max_tokens as text"])
def test_acomplete_and_stream_refuse_too(case: str) -> None:
    expected = reference(BAD[case]).message
    fake = ScriptedProvider(["unused", "unused"])

    async def both() -> None:
        with pytest.raises(BadRequestError) as first:
            await fake.acomplete(**BAD[case])
        assert first.value.message == expected
        with pytest.raises(BadRequestError) as second:
            async for _ in fake.stream(**BAD[case]):
                pass
        assert second.value.message == expected

    asyncio.run(both())
    assert len(fake.remaining) == 2


def test_good_requests_still_pass() -> None:
    fake = ScriptedProvider(["a", "b"])
    history = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
    ]
    assert fake.complete(history, max_tokens=5).content == "a"
    assert fake.complete([{"role": "user", "content": "hi"}], system="s").content == "b"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("100", "Invalid type for 'max_tokens': expected an integer, but got a string instead"),
        (True, "Invalid type for 'max_tokens': expected an integer, but got a bool instead"),
        (0, "Invalid 'max_tokens': integer below minimum value 1 (got 0)."),
    ],
)
def test_a_max_tokens_of_the_wrong_type_is_called_so(value: object, message: str) -> None:
    """max_tokens="100" was refused as 'integer below minimum value 1', which it is not; and
    True (an int to Python, not to the API's JSON schema) was accepted as 1."""
    with pytest.raises(BadRequestError) as info:
        ScriptedProvider(["unused"]).complete(
            [{"role": "user", "content": "hi"}],
            max_tokens=value,  # type: ignore[arg-type]
        )
    assert message in info.value.message
    assert (
        message
        in reference({"messages": [{"role": "user", "content": "hi"}], "max_tokens": value}).message
    )
