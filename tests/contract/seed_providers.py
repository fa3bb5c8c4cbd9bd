"""Providers written the way real ones are, for the suite to judge (issue: conformance verdicts a
provider author can trust).

Six of them, after the providers the suite was first run on: the seed framework's
``LiteLLMProvider`` as of March and as of August 2026, the same on an ``anthropic/`` model, its
``AnthropicProvider``, and two plain providers on the official ``openai`` and ``anthropic`` SDKs.
They return the seed framework's own classes (``framework.llm``: no ``tool_uses`` field, tool
calls in ``raw_response``), retry with a ``time.sleep`` loop of their own over an SDK left at its
own retries, and each carries the deviations its docstring names, no more: the regression tests
(``test_contract_seed_providers.py``) expect exactly those to FAIL.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

from framework.llm.provider import LLMResponse, Tool
from framework.llm.stream_events import (
    FinishEvent,
    StreamErrorEvent,
    TextDeltaEvent,
    TextEndEvent,
    ToolCallEvent,
)
from litellm_support import import_litellm

#: The sentence the August provider appends to the caller's last message in JSON mode.
JSON_INSTRUCTION = "Respond only with a valid JSON object."

#: How the seed asks Claude (no JSON-object mode) for JSON: in the system prompt, in words of its
#: own (not the kit's sentence, which the fake reads as JSON mode).
PROMPT_JSON = "Your whole answer must be one JSON object, with no text around it."


def _openai_tools(tools: list[Tool] | None) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def _wait(exc: BaseException, attempt: int, cap: float) -> float:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        after = float(headers.get("retry-after") or 0)
    except (TypeError, ValueError):
        after = 0.0
    return min(max(after, 2.0**attempt), cap)


# ----------------------------------------------------------------------------- litellm


class LiteLLMProvider:
    """The seed's ``LiteLLMProvider`` as of March 2026: ``litellm.completion`` under a retry loop
    of its own (``default_max_retries = 3``, ``time.sleep`` backoff) with litellm's OpenAI client
    left at its own ``max_retries`` (2): 4 provider attempts x 3 SDK attempts. Tool calls stay
    in ``raw_response`` (the ``ModelResponse``), where the seed reads them.

    What a careful reader finds: the SDK's retries nest inside the provider's (R1, R2, R4, R6,
    and R5 counts more waits than retries), an empty answer is returned as a reply (R3-R6 on
    ``Fail.empty()``), ``acomplete`` never retries; ``stream()`` streams and classifies its errors
    right.
    """

    default_max_retries = 3
    max_retry_wait = 60.0

    def __init__(self, model: str, api_base: str, api_key: str = "sk-test") -> None:
        self.litellm = import_litellm()
        self.model, self.api_base, self.api_key = model, api_base, api_key
        lt = self.litellm
        self.transient: tuple[type[BaseException], ...] = (
            lt.RateLimitError,
            lt.InternalServerError,
            lt.ServiceUnavailableError,
            lt.BadGatewayError,
            lt.APIConnectionError,
            lt.Timeout,
        )

    def _messages(self, messages: list[dict[str, Any]], system: str) -> list[dict[str, Any]]:
        return ([{"role": "system", "content": system}] if system else []) + list(messages)

    def _kwargs(
        self,
        messages: list[dict[str, Any]],
        system: str,
        tools: list[Tool] | None,
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
    ) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "model": self.model,
            "messages": self._messages(messages, system),
            "max_tokens": max_tokens,
            "api_base": self.api_base,
            "api_key": self.api_key,
        }
        if tools:
            kw["tools"] = _openai_tools(tools)
        json_object = json_mode or (response_format or {}).get("type") == "json_object"
        if self.model.startswith("anthropic/") and json_object:
            # The seed's documented design: Claude has no JSON-object mode, so ask in the prompt.
            system = f"{system}\n\n{PROMPT_JSON}".strip()
            kw["messages"] = self._messages(messages, system)
        elif response_format:
            kw["response_format"] = response_format
        elif json_mode:
            kw["response_format"] = {"type": "json_object"}
        return kw

    def _response(self, r: Any) -> LLMResponse:
        choice = r.choices[0]
        usage = getattr(r, "usage", None)
        return LLMResponse(
            content=choice.message.content or "",
            model=r.model or self.model,
            input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            output_tokens=getattr(usage, "completion_tokens", 0) or 0,
            stop_reason=choice.finish_reason or "",
            raw_response=r,
        )

    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        kw = self._kwargs(messages, system, tools, max_tokens, response_format, json_mode)
        budget = self.default_max_retries if max_retries is None else max_retries
        for attempt in range(budget + 1):
            try:
                return self._response(self.litellm.completion(**kw))
            except self.transient as exc:
                if attempt == budget:
                    raise
                time.sleep(_wait(exc, attempt, self.max_retry_wait))
        raise AssertionError("unreachable")

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        kw = self._kwargs(messages, system, tools, max_tokens, response_format, json_mode)
        return self._response(await self.litellm.acompletion(**kw))

    def _recoverable(self, exc: BaseException) -> bool:
        return isinstance(exc, self.transient)

    def _broken(self, exc: BaseException, text: str) -> Any:
        """The event a stream that failed after yielding ``text`` ends with."""
        return StreamErrorEvent(error=str(exc), recoverable=self._recoverable(exc))

    async def stream(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 4096,
    ) -> AsyncIterator[Any]:
        kw = self._kwargs(messages, system, tools, max_tokens)
        kw.update(stream=True, stream_options={"include_usage": True})
        text, calls, finish, usage = "", {}, None, None
        try:
            response = await self.litellm.acompletion(**kw)
            async for chunk in response:
                if getattr(chunk, "usage", None):
                    usage = chunk.usage
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                delta = choice.delta
                if delta.content:
                    text += delta.content
                    yield TextDeltaEvent(content=delta.content, snapshot=text)
                for tc in delta.tool_calls or ():
                    slot = calls.setdefault(tc.index, {"id": None, "name": None, "args": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] = tc.function.name or slot["name"]
                        slot["args"] += tc.function.arguments or ""
                if choice.finish_reason:
                    finish = choice.finish_reason
        except Exception as exc:
            yield self._broken(exc, text)
            return
        if text:
            yield TextEndEvent(full_text=text)
        for slot in calls.values():
            args = json.loads(slot["args"]) if slot["args"] else {}
            yield ToolCallEvent(tool_use_id=slot["id"], tool_name=slot["name"], tool_input=args)
        yield FinishEvent(
            stop_reason=finish or "stop",
            input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            output_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )


class LiteLLMProviderAugust(LiteLLMProvider):
    """The seed's ``LiteLLMProvider`` as of August 2026: March's, plus three new bugs.

    * a stream whose connection drops after some text ends in ``FinishEvent(stop)`` (S8);
    * every error inside ``stream()`` is ``recoverable=True``, a 401 and a 400 included (S9);
    * JSON mode appends its instruction to the caller's last message, in place, on every
      call (C5), besides asking the API with ``response_format``.
    """

    def _recoverable(self, exc: BaseException) -> bool:
        return True

    def _broken(self, exc: BaseException, text: str) -> Any:
        if text:  # "the model stopped": the partial answer passes as a whole one
            return FinishEvent(stop_reason="stop")
        return super()._broken(exc, text)

    def _kwargs(
        self,
        messages: list[dict[str, Any]],
        system: str,
        tools: list[Tool] | None,
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
    ) -> dict[str, Any]:
        if (json_mode or response_format) and messages:
            last = messages[-1]
            last["content"] = f"{last.get('content') or ''}\n\n{JSON_INSTRUCTION}"
        return super()._kwargs(messages, system, tools, max_tokens, response_format, json_mode)


# ----------------------------------------------------------------------------- plain SDKs


class OpenAISDKProvider:
    """A plain provider on the official ``openai`` SDK, written with care: one retry layer (the
    SDK's, ``max_retries`` passed down), tool calls in an OpenAI-shaped ``raw_response``, an
    empty answer raised as an error. Nothing in it should FAIL."""

    default_max_retries = 2
    max_retry_wait = 60.0

    def __init__(self, client: Any, aclient: Any, model: str = "gpt-4o-mini") -> None:
        import openai

        self.openai = openai
        self.client, self.aclient, self.model = client, aclient, model

    def _args(
        self,
        messages: list[dict[str, Any]],
        system: str,
        tools: list[Tool] | None,
        max_tokens: int,
        response_format: dict[str, Any] | None,
        json_mode: bool,
    ) -> dict[str, Any]:
        wire = [{k: v for k, v in m.items() if k != "cache_control"} for m in messages]
        args: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "messages": ([{"role": "system", "content": system}] if system else []) + wire,
        }
        if tools:
            args["tools"] = _openai_tools(tools)
        if response_format or json_mode:
            args["response_format"] = response_format or {"type": "json_object"}
        return args

    def _response(self, r: Any) -> LLMResponse:
        from llm_fakes import EmptyResponseError

        message = r.choices[0].message
        if not message.content and not message.tool_calls:
            raise EmptyResponseError("the model answered with neither text nor tool calls")
        return LLMResponse(
            content=message.content or "",
            model=r.model,
            stop_reason=r.choices[0].finish_reason,
            input_tokens=r.usage.prompt_tokens,
            output_tokens=r.usage.completion_tokens,
            raw_response=r,
        )

    def _budget(self, max_retries: int | None) -> int:
        return self.default_max_retries if max_retries is None else max_retries

    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        from llm_fakes import EmptyResponseError

        args = self._args(messages, system, tools, max_tokens, response_format, json_mode)
        client = self.client.with_options(max_retries=0)
        budget = self._budget(max_retries)
        for attempt in range(budget + 1):
            try:
                return self._response(client.chat.completions.create(**args))
            except (
                self.openai.RateLimitError,
                self.openai.InternalServerError,
                self.openai.APIConnectionError,
                EmptyResponseError,
            ) as exc:
                if attempt == budget:
                    raise
                time.sleep(_wait(exc, attempt, self.max_retry_wait))
        raise AssertionError("unreachable")

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        import asyncio

        from llm_fakes import EmptyResponseError

        args = self._args(messages, system, tools, max_tokens, response_format, json_mode)
        client = self.aclient.with_options(max_retries=0)
        budget = self._budget(max_retries)
        for attempt in range(budget + 1):
            try:
                return self._response(await client.chat.completions.create(**args))
            except (
                self.openai.RateLimitError,
                self.openai.InternalServerError,
                self.openai.APIConnectionError,
                EmptyResponseError,
            ) as exc:
                if attempt == budget:
                    raise
                await asyncio.sleep(_wait(exc, attempt, self.max_retry_wait))
        raise AssertionError("unreachable")


class AnthropicSDKProvider:
    """A plain provider on the official ``anthropic`` SDK, written with care: one retry layer
    (its own, the SDK's turned off), tool calls in ``raw_response`` (the SDK's ``Message``), an
    empty answer raised as an error. No streaming and no JSON mode (declared). Nothing in it
    should FAIL, as long as the SDK raises Anthropic's 529 as an ``InternalServerError``: on
    releases where its ``OverloadedError`` is a bare ``APIStatusError`` (anthropic 0.77, the lowest
    declared, up to at least 0.121) ``_transient()`` misses it and an overload is never retried."""

    default_max_retries = 2
    max_retry_wait = 60.0

    def __init__(self, client: Any, aclient: Any, model: str = "claude-sonnet-4-5") -> None:
        self.client, self.aclient, self.model = client, aclient, model

    def _messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for m in messages:
            if m["role"] == "tool":
                block = {
                    "type": "tool_result",
                    "tool_use_id": m["tool_call_id"],
                    "content": m.get("content") or "",
                }
                if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                    out[-1]["content"].append(block)
                else:
                    out.append({"role": "user", "content": [block]})
                continue
            content: list[dict[str, Any]] = []
            if m.get("content"):
                content.append({"type": "text", "text": m["content"]})
            for call in m.get("tool_calls") or ():
                fn = call["function"]
                content.append(
                    {
                        "type": "tool_use",
                        "id": call["id"],
                        "name": fn["name"],
                        "input": json.loads(fn["arguments"] or "{}"),
                    }
                )
            out.append({"role": m["role"], "content": content or ""})
        return out

    def _args(
        self,
        messages: list[dict[str, Any]],
        system: str,
        tools: list[Tool] | None,
        max_tokens: int,
    ) -> dict[str, Any]:
        args: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "messages": self._messages(messages),
        }
        if system:
            args["system"] = system
        if tools:
            args["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in tools
            ]
        return args

    def _response(self, r: Any) -> LLMResponse:
        from llm_fakes import EmptyResponseError

        text = "".join(b.text for b in r.content if b.type == "text")
        if not text and not any(b.type == "tool_use" for b in r.content):
            raise EmptyResponseError("the model answered with neither text nor tool calls")
        return LLMResponse(
            content=text,
            model=r.model,
            input_tokens=r.usage.input_tokens,
            output_tokens=r.usage.output_tokens,
            stop_reason=r.stop_reason or "",
            raw_response=r,
        )

    def _transient(self) -> tuple[type[BaseException], ...]:
        import anthropic

        from llm_fakes import EmptyResponseError

        return (
            anthropic.RateLimitError,
            anthropic.InternalServerError,
            anthropic.APIConnectionError,
            EmptyResponseError,
        )

    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        args = self._args(messages, system, tools, max_tokens)
        client = self.client.with_options(max_retries=0)
        budget = self.default_max_retries if max_retries is None else max_retries
        for attempt in range(budget + 1):
            try:
                return self._response(client.messages.create(**args))
            except self._transient() as exc:
                if attempt == budget:
                    raise
                time.sleep(_wait(exc, attempt, self.max_retry_wait))
        raise AssertionError("unreachable")

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        import asyncio

        args = self._args(messages, system, tools, max_tokens)
        client = self.aclient.with_options(max_retries=0)
        budget = self.default_max_retries if max_retries is None else max_retries
        for attempt in range(budget + 1):
            try:
                return self._response(await client.messages.create(**args))
            except self._transient() as exc:
                if attempt == budget:
                    raise
                await asyncio.sleep(_wait(exc, attempt, self.max_retry_wait))
        raise AssertionError("unreachable")


class SeedAnthropicProvider(AnthropicSDKProvider):
    """The seed's ``AnthropicProvider``: the plain one, except that it marks the caller's last
    message for prompt caching in place (C5)."""

    def _messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if messages:
            messages[-1]["cache_control"] = {"type": "ephemeral"}
        return super()._messages(messages)
