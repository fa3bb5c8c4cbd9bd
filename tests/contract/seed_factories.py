"""Factories wiring the providers of :mod:`seed_providers` to the conformance backend, each with
what its author would declare."""

from __future__ import annotations

from typing import Any

from seed_providers import (
    AnthropicSDKProvider,
    LiteLLMProvider,
    LiteLLMProviderAugust,
    OpenAISDKProvider,
    SeedAnthropicProvider,
)

from llm_fakes.contract import ProviderFactory

NO_JSON = ["tools", "streaming", "retries"]


def litellm_march(backend: Any) -> LiteLLMProvider:
    return LiteLLMProvider("openai/conformance-model", backend.openai_base_url)


def litellm_august(backend: Any) -> LiteLLMProvider:
    return LiteLLMProviderAugust("openai/conformance-model", backend.openai_base_url)


def litellm_anthropic(backend: Any) -> LiteLLMProvider:
    return LiteLLMProvider("anthropic/claude-sonnet-4-5", backend.anthropic_base_url)


def openai_sdk(backend: Any) -> OpenAISDKProvider:
    import openai

    kw = {"api_key": "sk-test", "base_url": backend.openai_base_url}
    client, aclient = openai.OpenAI(**kw), openai.AsyncOpenAI(**kw)
    backend.add_cleanup(client.close)
    return OpenAISDKProvider(client, aclient)


def _anthropic(backend: Any, cls: type[AnthropicSDKProvider]) -> AnthropicSDKProvider:
    import anthropic

    kw = {"api_key": "sk-ant-test", "base_url": backend.anthropic_base_url}
    client, aclient = anthropic.Anthropic(**kw), anthropic.AsyncAnthropic(**kw)
    backend.add_cleanup(client.close)
    return cls(client, aclient)


def anthropic_sdk(backend: Any) -> AnthropicSDKProvider:
    return _anthropic(backend, AnthropicSDKProvider)


def seed_anthropic(backend: Any) -> AnthropicSDKProvider:
    return _anthropic(backend, SeedAnthropicProvider)


FACTORIES = {
    "litellm-march": ProviderFactory(litellm_march, name="litellm-march"),
    "litellm-august": ProviderFactory(litellm_august, name="litellm-august"),
    "litellm-anthropic": ProviderFactory(litellm_anthropic, name="litellm-anthropic"),
    "openai-sdk": ProviderFactory(
        openai_sdk, name="openai-sdk", capabilities=["tools", "json_mode", "json_schema", "retries"]
    ),
    "anthropic-sdk": ProviderFactory(
        anthropic_sdk, name="anthropic-sdk", capabilities=["tools", "retries"]
    ),
    "seed-anthropic": ProviderFactory(
        seed_anthropic, name="seed-anthropic", capabilities=["tools", "retries"]
    ),
}
