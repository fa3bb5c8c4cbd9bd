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
    # A model without Anthropic's output format: litellm asks for a schema with a forced tool.
    return LiteLLMProvider("anthropic/claude-3-5-haiku-20241022", backend.anthropic_base_url)


def openai_sdk(backend: Any) -> OpenAISDKProvider:
    import openai

    kw: dict[str, Any] = {"api_key": "sk-test", "base_url": "http://fake/v1"}
    transport = backend.openai_transport
    return OpenAISDKProvider(
        openai.OpenAI(**kw, http_client=openai.DefaultHttpxClient(transport=transport)),
        openai.AsyncOpenAI(**kw, http_client=openai.DefaultAsyncHttpxClient(transport=transport)),
    )


def _anthropic(backend: Any, cls: type[AnthropicSDKProvider]) -> AnthropicSDKProvider:
    import anthropic

    kw: dict[str, Any] = {"api_key": "sk-ant-test", "base_url": "http://fake"}
    transport = backend.anthropic_transport
    return cls(
        anthropic.Anthropic(**kw, http_client=anthropic.DefaultHttpxClient(transport=transport)),
        anthropic.AsyncAnthropic(
            **kw, http_client=anthropic.DefaultAsyncHttpxClient(transport=transport)
        ),
    )


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
