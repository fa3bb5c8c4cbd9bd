"""Tool calls are read wherever real providers put them: the response's ``tool_uses``, or for a
class without that field ``raw_response`` in the shapes SDKs and frameworks leave there, or a
factory's own reader."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from contract_mutants import Wrapper, factory
from framework.llm.provider import LLMResponse as SeedResponse
from litellm_support import import_litellm

from llm_fakes.contract import ProviderFactory, run_conformance
from llm_fakes.raw_tool_calls import read_tool_calls

WANT = [("call_1", "weather", {"city": "Rome"})]


@dataclasses.dataclass
class Seed:
    raw_response: Any
    content: str = ""


def chat_completion() -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"city": "Rome"}'},
                        }
                    ],
                },
            }
        ],
    }


def anthropic_message() -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude",
        "content": [
            {"type": "text", "text": "Let me look."},
            {"type": "tool_use", "id": "call_1", "name": "weather", "input": {"city": "Rome"}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def responses_output() -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": "weather",
                "arguments": '{"city": "Rome"}',
            },
        ],
    }


@pytest.mark.parametrize(
    "raw",
    [
        {"tool_calls": [{"id": "call_1", "name": "weather", "input": {"city": "Rome"}}]},
        chat_completion(),
        anthropic_message(),
        responses_output(),
        {
            "candidates": [
                {
                    "content": {
                        "parts": [
                            {
                                "functionCall": {
                                    "id": "call_1",
                                    "name": "weather",
                                    "args": {"city": "Rome"},
                                }
                            }
                        ]
                    }
                }
            ]
        },
    ],
    ids=["seed-dict", "chat-dict", "anthropic-dict", "responses-dict", "gemini-dict"],
)
def test_raw_responses_as_plain_dicts(raw: dict[str, Any]) -> None:
    assert read_tool_calls(Seed(raw)) == WANT


def test_raw_responses_as_the_sdks_own_objects() -> None:
    openai = pytest.importorskip("openai")
    anthropic = pytest.importorskip("anthropic")
    chat = openai.types.chat.ChatCompletion.model_validate(chat_completion())
    message = anthropic.types.Message.model_validate(anthropic_message())
    assert read_tool_calls(Seed(chat)) == WANT
    assert read_tool_calls(Seed(message)) == WANT


def test_a_litellm_model_response() -> None:
    litellm = import_litellm()
    response = litellm.ModelResponse(**chat_completion())
    assert read_tool_calls(Seed(response)) == WANT


def test_a_class_with_tool_uses_is_read_from_that_field_only() -> None:
    @dataclasses.dataclass
    class WithField:
        tool_uses: list[Any]
        raw_response: Any

    # The field is what callers read: tool calls left only in raw_response are not returned.
    assert read_tool_calls(WithField([], chat_completion())) == []


class SeedShaped(Wrapper):
    """Returns the seed framework's LLMResponse (no tool_uses), with the tool calls in an
    OpenAI-shaped raw_response, as the seed's LiteLLMProvider does."""

    def complete(self, *args: Any, **kwargs: Any) -> Any:
        return self._seed(super().complete(*args, **kwargs))

    async def acomplete(self, *args: Any, **kwargs: Any) -> Any:
        return self._seed(await super().acomplete(*args, **kwargs))

    @staticmethod
    def _seed(r: Any) -> SeedResponse:
        calls = [
            {
                "id": u.id,
                "type": "function",
                "function": {"name": u.name, "arguments": __import__("json").dumps(u.input)},
            }
            for u in r.tool_uses
        ]
        raw = {
            "choices": [
                {"message": {"role": "assistant", "content": r.content, "tool_calls": calls}}
            ]
        }
        return SeedResponse(
            r.content, r.model, r.input_tokens, r.output_tokens, r.stop_reason, raw_response=raw
        )


class ElsewhereShaped(Wrapper):
    """Keeps tool calls where no known shape puts them: the factory names its own reader."""

    def complete(self, *args: Any, **kwargs: Any) -> Any:
        r = super().complete(*args, **kwargs)
        return SeedResponse(
            r.content,
            r.model,
            r.input_tokens,
            r.output_tokens,
            r.stop_reason,
            raw_response={"calls": [(u.id, u.name, u.input) for u in r.tool_uses]},
        )


def test_c1_and_s5_read_the_seeds_raw_response() -> None:
    report = run_conformance([factory(SeedShaped)], only="C1,C2,S5", max_examples=10)
    assert [(v.property, v.status, v.message) for v in report.verdicts] == [
        ("C1", "pass", ""),
        ("C2", "pass", ""),
        ("S5", "pass", ""),
    ]


def test_a_factory_names_its_own_reader() -> None:
    plain = factory(ElsewhereShaped)
    assert run_conformance([plain], only="C1", max_examples=10).verdicts[0].status == "FAIL"
    named = ProviderFactory(
        plain.build, name="named", read_tool_calls=lambda r: r.raw_response["calls"]
    )
    assert run_conformance([named], only="C1", max_examples=10).verdicts[0].status == "pass"
